/* moat audit: the running kernel's security posture, one line per check. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/audit.h>

#include "cli/cli.h"

const char cmd_audit_usage[] =
	"usage: moat audit [--json] [--root DIR] [--no-kernel] [--fail-on risk|warn|never]\n"
	"\n"
	"Check the running machine's defences against kernel code loading, eBPF abuse,\n"
	"CPU side channels, weak isolation, hidden processes or modules and a weakly\n"
	"built kernel, and say\n"
	"what to do.  Each check prints one line: its verdict, its id, and the evidence\n"
	"(the value read and the file it came from), followed by detail lines (loaded\n"
	"modules, BPF objects, hidden pids) and 'fix:' with the sysctl, boot parameter\n"
	"or action that hardens it.  Verdicts:\n"
	"  ok     the hardened setting, or the feature is compiled out\n"
	"  warn   weaker than it could be\n"
	"  risk   a known attack path is open\n"
	"  info   a fact without a judgement, or a check that could not be made\n"
	"\n"
	"Groups of checks:\n"
	"  modules    loaded modules, kernel.modules_disabled, module.sig_enforce,\n"
	"             lockdown, kexec, taint flags\n"
	"  bpf        kernel.unprivileged_bpf_disabled, the JIT and its hardening, every\n"
	"             BPF program, map and link loaded now (id, type, name, attach point,\n"
	"             holding processes), like bpftool prog/map/link show\n"
	"  cpu        each file of /sys/devices/system/cpu/vulnerabilities in the kernel's\n"
	"             words and what they mean, SMT, boot parameters that turn mitigations off\n"
	"  isolation  seccomp, unprivileged user namespaces, active LSMs, Yama ptrace\n"
	"             scope, kptr_restrict, dmesg_restrict, perf_event_paranoid and other\n"
	"             hardening sysctls, weakening boot parameters\n"
	"  hiding     processes in the kernel's task list (a BPF task iterator) that /proc\n"
	"             does not show, mounts over /proc/PID, modules in /sys/module or\n"
	"             kallsyms missing from /proc/modules\n"
	"  kconfig    the kernel's build configuration (/proc/config.gz or\n"
	"             /boot/config-RELEASE): 34 self-protection features that must be\n"
	"             built in (KASLR, read-only text, canaries, PTI, retpolines, heap\n"
	"             hardening, ...) and attack surface that should not (/dev/mem,\n"
	"             /proc/kcore, ia32 and x32 syscalls, debugfs, ...)\n"
	"\n"
	"A missing file is information: a kernel built without modules has no\n"
	"/proc/modules, and the check says so rather than failing.  The kernel's BPF\n"
	"objects and task list need root; without it those checks report 'info'.\n"
	"\n"
	"  --json           print {\"root\",\"worst\",\"counts\":{risk,warn,ok,info},\n"
	"                   \"checks\":[{\"id\",\"group\",\"verdict\",\"evidence\",\"remedy\",\n"
	"                   \"items\":[...]}]}\n"
	"  --root DIR       read DIR/proc and DIR/sys instead of this machine's (a copied\n"
	"                   or test tree); implies --no-kernel\n"
	"  --no-kernel      do not ask the kernel for its BPF objects and task list\n"
	"  --fail-on LEVEL  the verdict that makes the exit status 1: risk (default),\n"
	"                   warn (warn or risk), or never\n"
	"\n"
	"Exit status: 0 the report was printed and no check reached the --fail-on\n"
	"level, 1 some check did (or the audit could not run: DIR unreadable), 2 usage\n"
	"error.\n";

static const struct cli_cmd audit_cmd = { "audit", NULL, cmd_audit_usage, NULL, NULL };

int cmd_audit(int argc, char **argv)
{
	if (cli_wants_help(&audit_cmd, argc, argv))
		return EXIT_OK;
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "root", required_argument, NULL, 'r' },
		{ "no-kernel", no_argument, NULL, 'n' },
		{ "fail-on", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	MOAT_OPTS(moat_audit_opts, o, .root = NULL);
	bool json = false, never = false;
	enum moat_audit_verdict fail_on = MOAT_AUDIT_RISK;
	struct moat_error err;
	moat_error_clear(&err);
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'J': json = true; break;
		case 'r': o.root = optarg; break;
		case 'n': o.no_kernel = true; break;
		case 'f':
			if (!strcmp(optarg, "never"))
				never = true;
			else if (moat_audit_verdict_parse(optarg, &fail_on, &err) < 0 ||
				 fail_on < MOAT_AUDIT_WARN)
				return cli_usage(&audit_cmd, "--fail-on takes risk, warn or never, not '%s'", optarg);
			break;
		default:
			return cli_usage(&audit_cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage(&audit_cmd, "unexpected argument '%s'", argv[optind]);
	if (o.root && !*o.root)
		return cli_usage(&audit_cmd, "--root needs a directory");
	struct moat_audit_report *r = moat_audit_run(&o, &err);
	if (!r)
		return cli_fail_err("audit", &err);
	char *text = moat_audit_render(r, json, &err);
	enum moat_audit_verdict worst = moat_audit_worst(r);
	moat_audit_report_free(r);
	if (!text)
		return cli_fail_err("audit", &err);
	fputs(text, stdout);
	free(text);
	if (fflush(stdout) != 0)
		return cli_fail("audit", "writing the report: %s", strerror(errno));
	return !never && worst >= fail_on ? EXIT_FAIL : EXIT_OK;
}
