/*
 * moat bpf load / unload: a program from an ELF object, verified by moat,
 * loaded into the running kernel and attached where its section says, as
 * libbpf's auto-attach does; kept in force with --pin, or in the
 * foreground until Ctrl-C / --duration, with its maps printed at the end.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/magic.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli/bpf_load.h"
#include "cli/cli.h"
#include "util/json.h"
#include "util/sbuf.h"

#define BPFFS "/sys/fs/bpf/"

const char cmd_bpf_load_usage[] =
	"usage: moat bpf load FILE.o [--section NAME] [--type TYPE] [--dev IFACE [--egress]]\n"
	"                     [--cgroup DIR] [--pin DIR | --duration S] [--json]\n"
	"\n"
	"Verify the program with moat's verifier, load it into the running kernel\n"
	"(which verifies it again; a refusal shows the kernel's reason), and attach\n"
	"it where its ELF section says, as libbpf does:\n"
	"  xdp                       XDP of --dev IFACE\n"
	"  tc, classifier, tcx/...   TC ingress of --dev IFACE (egress with --egress\n"
	"                            or a section ending in /egress)\n"
	"  cgroup_skb/ingress|egress packets of the cgroup v2 directory --cgroup DIR\n"
	"  cgroup/dev                device access in --cgroup DIR\n"
	"  tracepoint/CAT/NAME, tp/CAT/NAME    the tracepoint CAT:NAME\n"
	"  raw_tracepoint/NAME, raw_tp/NAME    the raw tracepoint NAME\n"
	"  tp_btf/NAME               the BTF-typed raw tracepoint NAME\n"
	"Socket filters are loaded and pinned only (they attach to sockets).\n"
	"\n"
	"With --pin DIR (under /sys/fs/bpf, no '.' in names) the program (DIR/prog),\n"
	"its maps (DIR/map_NAME) and its attachment (DIR/link) are pinned and stay\n"
	"in force after moat exits, until 'moat bpf unload DIR'.  Without it moat\n"
	"stays in the foreground until\n"
	"Ctrl-C, SIGTERM or --duration, then detaches, and prints every map's\n"
	"non-empty entries (key and value in hex, and as numbers when they are 4 or\n"
	"8 bytes), like bpftool map dump.\n"
	"\n"
	"  --section NAME  the program with this section or function name (default:\n"
	"                  the first)\n"
	"  --type TYPE     program type, when the section does not say\n"
	"  --dev IFACE     the network interface (xdp, tc)\n"
	"  --egress        tc: outgoing packets\n"
	"  --cgroup DIR    the cgroup v2 directory (cgroup_skb, cgroup/dev)\n"
	"  --pin DIR       pin and exit, see above\n"
	"  --duration S    foreground: detach after S seconds (decimals allowed)\n"
	"  --json          one JSON object: the program id, hook, pins or maps\n"
	"\n"
	"Exit status: 0 loaded (and, in the foreground, detached again), 1 error\n"
	"(nothing is left loaded or pinned), 2 usage error.\n";

const char cmd_bpf_unload_usage[] =
	"usage: moat bpf unload DIR\n"
	"\n"
	"Remove what 'moat bpf load --pin DIR' pinned: the attachment ends and the\n"
	"program and maps are freed once nothing else holds them.  DIR must be\n"
	"under /sys/fs/bpf and hold only pinned objects.\n"
	"\n"
	"Exit status: 0 removed, 1 error, 2 usage error.\n";

static const struct cli_cmd load_cmd = { "bpf load", NULL, cmd_bpf_load_usage, NULL, NULL };
static const struct cli_cmd unload_cmd = { "bpf unload", NULL, cmd_bpf_unload_usage, NULL, NULL };

enum hook { H_NONE, H_XDP, H_TC, H_CGROUP_SKB, H_CGROUP_DEV, H_TP, H_RAW_TP, H_TP_BTF };

struct load_args {
	struct cli_prog_opts prog;
	const char *file, *dev, *cgroup, *pin;
	bool egress, json;
	double duration;
};

struct loaded {
	enum hook hook;
	char target[256];     /* "eth0 ingress", "syscalls:sys_enter_getpid", ... */
	struct moat_kprog *kp;
	int attach_fd;
};

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool has_suffix(const char *s, const char *x)
{
	size_t n = strlen(s), m = strlen(x);
	return n >= m && !strcmp(s + n - m, x);
}

/* The hook and its name from the section (and type), per libbpf's names. */
static int pick_hook(const char *sec, enum moat_prog_type type, const struct load_args *a,
		     struct loaded *l, struct moat_error *err)
{
	static const char *const tp_pre[] = { "tracepoint/", "tp/" };
	static const char *const raw_pre[] = { "raw_tracepoint/", "raw_tp/" };
	for (size_t i = 0; i < 2; i++) {
		if (has_prefix(sec, tp_pre[i])) {
			snprintf(l->target, sizeof(l->target), "%s", sec + strlen(tp_pre[i]));
			char *slash = strchr(l->target, '/');
			if (!slash)
				return moat_error_set(err, EINVAL, "section '%s': want %sCATEGORY/NAME", sec,
						      tp_pre[i]);
			*slash = ':';
			l->hook = H_TP;
			return 0;
		}
		if (has_prefix(sec, raw_pre[i])) {
			snprintf(l->target, sizeof(l->target), "%s", sec + strlen(raw_pre[i]));
			l->hook = H_RAW_TP;
			return 0;
		}
	}
	if (has_prefix(sec, "tp_btf/")) {
		snprintf(l->target, sizeof(l->target), "%s", sec + 7);
		l->hook = H_TP_BTF;
		return 0;
	}
	bool egress = a->egress || has_suffix(sec, "/egress");
	switch (type) {
	case MOAT_PROG_XDP:
	case MOAT_PROG_SCHED_CLS:
		if (!a->dev)
			return moat_error_set(err, EINVAL, "a%s program attaches to an interface: give --dev IFACE",
					      type == MOAT_PROG_XDP ? "n xdp" : " tc");
		l->hook = type == MOAT_PROG_XDP ? H_XDP : H_TC;
		snprintf(l->target, sizeof(l->target), "%s%s", a->dev,
			 type == MOAT_PROG_XDP ? "" : egress ? " egress" : " ingress");
		return 0;
	case MOAT_PROG_CGROUP_SKB:
	case MOAT_PROG_CGROUP_DEVICE:
		if (!a->cgroup)
			return moat_error_set(err, EINVAL, "a cgroup program attaches to a cgroup: give --cgroup DIR");
		l->hook = type == MOAT_PROG_CGROUP_DEVICE ? H_CGROUP_DEV : H_CGROUP_SKB;
		snprintf(l->target, sizeof(l->target), "%s%s", a->cgroup,
			 type == MOAT_PROG_CGROUP_DEVICE ? "" : egress ? " egress" : " ingress");
		return 0;
	case MOAT_PROG_SOCKET_FILTER:
		if (!a->pin)
			return moat_error_set(err, EINVAL, "a socket filter attaches to a socket, not a hook: "
							   "load it with --pin DIR and attach it from the program "
							   "that owns the socket");
		l->hook = H_NONE;
		return 0;
	case MOAT_PROG_MEM:
	case MOAT_PROG_TRACEPOINT:
	case MOAT_PROG_RAW_TRACEPOINT:
	case MOAT_PROG_SECCOMP:
	case MOAT_PROG_TYPE_COUNT:
		break;
	}
	return moat_error_set(err, EINVAL, "section '%s' (%s) names no hook moat can attach to%s", sec,
			      moat_prog_type_name(type),
			      type == MOAT_PROG_TRACEPOINT || type == MOAT_PROG_RAW_TRACEPOINT
				      ? " (want tracepoint/CATEGORY/NAME or raw_tp/NAME)" : "");
}

static int attach(const struct load_args *a, struct loaded *l, struct moat_error *err)
{
	int fd = moat_kprog_fd(l->kp), ifindex;
	enum moat_cgroup_hook cg = strstr(l->target, " egress") ? MOAT_CGROUP_INET_EGRESS
								 : MOAT_CGROUP_INET_INGRESS;
	switch (l->hook) {
	case H_NONE: /* a socket filter: pinned only */
		l->attach_fd = -1;
		return 0;
	case H_XDP:
	case H_TC:
		if ((ifindex = moat_netdev_ifindex(a->dev, err)) < 0)
			return ifindex;
		l->attach_fd = moat_netdev_attach(fd, ifindex,
						  l->hook == H_XDP ? MOAT_NETDEV_XDP
						  : strstr(l->target, " egress") ? MOAT_NETDEV_TC_EGRESS
										 : MOAT_NETDEV_TC_INGRESS,
						  err);
		break;
	case H_CGROUP_SKB:
	case H_CGROUP_DEV:
		l->attach_fd = moat_cgroup_link(fd, a->cgroup, l->hook == H_CGROUP_DEV ? MOAT_CGROUP_DEVICE : cg,
						err);
		break;
	case H_TP:
		l->attach_fd = moat_attach_hook(MOAT_HOOK_TRACEPOINT, fd, l->target, err);
		break;
	case H_RAW_TP:
	case H_TP_BTF:
		l->attach_fd = moat_attach_hook(l->hook == H_RAW_TP ? MOAT_HOOK_RAW_TP : MOAT_HOOK_TP_BTF, fd,
						l->target, err);
		break;
	}
	return l->attach_fd < 0 ? l->attach_fd : 0;
}

/* DIR, checked to be under the BPF filesystem; created (with parents). */
static int pin_dir(const char *dir, struct moat_error *err)
{
	if (!has_prefix(dir, BPFFS) || !dir[strlen(BPFFS)])
		return moat_error_set(err, EINVAL, "pin directory '%s' is not under " BPFFS, dir);
	if (strchr(dir + strlen(BPFFS), '.'))
		return moat_error_set(err, EINVAL, "pin directory '%s': the BPF filesystem allows no '.' "
						   "in names", dir);
	return moat_bpffs_mkdir(dir + strlen(BPFFS), err);
}

/* Removes the pins in DIR and DIR itself; refuses anything but a BPF
 * filesystem directory. */
static int unpin_dir(const char *dir, struct moat_error *err)
{
	struct statfs fs;
	if (statfs(dir, &fs) < 0)
		return moat_error_set(err, errno, "%s: %s", dir, strerror(errno));
	if (fs.f_type != BPF_FS_MAGIC)
		return moat_error_set(err, EINVAL, "%s is not on the BPF filesystem (" BPFFS ")", dir);
	DIR *d = opendir(dir);
	if (!d)
		return moat_error_set(err, errno, "%s: %s", dir, strerror(errno));
	int r = 0;
	for (struct dirent *e; r == 0 && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) < 0)
			r = moat_error_set(err, errno, "removing %s: %s", path, strerror(errno));
	}
	closedir(d);
	if (r == 0 && rmdir(dir) < 0)
		r = moat_error_set(err, errno, "removing %s: %s", dir, strerror(errno));
	return r;
}

static int pin_one(int fd, const char *dir, const char *name, struct moat_error *err)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return moat_error_set(err, ENAMETOOLONG, "pin path too long: %s/%s", dir, name);
	return moat_pin(fd, path, err);
}

/* Pins the program, its maps and its attachment; on error removes them. */
static int pin_all(const struct load_args *a, const struct moat_prog *prog, const struct loaded *l,
		   struct moat_error *err)
{
	struct stat st;
	if (stat(a->pin, &st) == 0)
		return moat_error_set(err, EEXIST, "%s exists: unload it first, or pick another directory",
				      a->pin);
	if (pin_dir(a->pin, err) < 0)
		return -1;
	int r = pin_one(moat_kprog_fd(l->kp), a->pin, "prog", err);
	for (size_t i = 0; r == 0 && i < moat_prog_map_count(prog); i++) {
		char name[80];
		snprintf(name, sizeof(name), "map_%s", moat_map_name(moat_prog_map(prog, i)));
		r = pin_one(moat_kprog_map_fd(l->kp, i), a->pin, name, err);
	}
	if (r == 0 && l->attach_fd >= 0 && pin_one(l->attach_fd, a->pin, "link", err) < 0)
		r = moat_error_set(err, err->errnum, "%s (only BPF links can be pinned; a tracepoint "
						     "attachment is not one: run it in the foreground)",
				   err->msg);
	if (r < 0) {
		struct moat_error ignore;
		unpin_dir(a->pin, &ignore);
	}
	return r;
}

/* "01 00 00 00" and, for 4 and 8 bytes, the little-endian number. */
static void hex(struct sbuf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sbuf_printf(b, "%s%02x", i ? " " : "", p[i]);
}

static uint64_t number(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* One map's entries (arrays: the non-zero ones), at most 4096. */
static void dump_map(struct json *j, struct sbuf *out, const struct moat_map *m, int fd)
{
	uint32_t ks = moat_map_key_size(m), vs = moat_map_value_size(m);
	if (moat_map_type(m) == MOAT_MAP_RINGBUF || !ks)
		return;
	uint8_t *key = calloc(1, ks), *next = calloc(1, ks), *val = calloc(1, vs);
	if (j) {
		json_obj(j);
		json_kstr(j, "name", moat_map_name(m));
		json_key(j, "entries");
		json_arr(j);
	}
	size_t shown = 0;
	for (int first = 1; key && next && val && shown < 4096; first = 0) {
		if (bpf_map_get_next_key(fd, first ? NULL : key, next) < 0)
			break;
		memcpy(key, next, ks);
		if (bpf_map_lookup_elem(fd, key, val) < 0 || all_zero(val, vs))
			continue;
		shown++;
		struct sbuf k = { 0 }, v = { 0 };
		hex(&k, key, ks);
		hex(&v, val, vs);
		if (j) {
			json_obj(j);
			json_kstr(j, "key", sbuf_str(&k));
			json_kstr(j, "value", sbuf_str(&v));
			if (ks == 4 || ks == 8)
				json_kuint(j, "key_number", number(key, ks));
			if (vs == 4 || vs == 8)
				json_kuint(j, "value_number", number(val, vs));
			json_end(j);
		} else {
			sbuf_printf(out, "%s: key %s", moat_map_name(m), sbuf_str(&k));
			if (ks == 4 || ks == 8)
				sbuf_printf(out, " (%llu)", (unsigned long long)number(key, ks));
			sbuf_printf(out, " value %s", sbuf_str(&v));
			if (vs == 4 || vs == 8)
				sbuf_printf(out, " (%llu)", (unsigned long long)number(val, vs));
			sbuf_printf(out, "\n");
		}
		sbuf_release(&k);
		sbuf_release(&v);
	}
	if (j) {
		json_end(j);
		json_end(j);
	}
	free(key);
	free(next);
	free(val);
}

static const char *const hook_names[] = { "none", "xdp", "tc", "cgroup_skb", "cgroup_device",
					  "tracepoint", "raw_tp", "tp_btf" };

/* Waits for SIGINT/SIGTERM or the duration. */
static void wait_foreground(double duration)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (isfinite(duration) && duration > 0) {
		struct timespec ts = { (time_t)duration, (long)((duration - floor(duration)) * 1e9) };
		sigtimedwait(&set, NULL, &ts);
	} else {
		int sig;
		sigwait(&set, &sig);
	}
}

static void report(const struct load_args *a, const struct moat_prog *prog, const struct loaded *l,
		   bool dump)
{
	struct sbuf out = { 0 };
	struct json jj = { .out = &out }, *j = a->json ? &jj : NULL;
	size_t n;
	moat_prog_insns(prog, &n);
	if (j) {
		json_obj(j);
		json_kstr(j, "name", moat_prog_name(prog));
		json_kstr(j, "type", moat_prog_type_name(moat_prog_type(prog)));
		json_kuint(j, "insns", n);
		json_kuint(j, "prog_id", moat_kprog_id(l->kp));
		json_kstr(j, "hook", hook_names[l->hook]);
		json_kstr(j, "target", l->target);
		if (a->pin)
			json_kstr(j, "pinned", a->pin);
		if (dump) {
			json_key(j, "maps");
			json_arr(j);
		}
	} else {
		sbuf_printf(&out, "loaded %s (%s, %zu insns) as prog id %u", moat_prog_name(prog),
			    moat_prog_type_name(moat_prog_type(prog)), n, moat_kprog_id(l->kp));
		if (l->hook != H_NONE)
			sbuf_printf(&out, ", attached at %s %s", hook_names[l->hook], l->target);
		if (a->pin)
			sbuf_printf(&out, ", pinned in %s", a->pin);
		sbuf_printf(&out, "\n");
	}
	for (size_t i = 0; dump && i < moat_prog_map_count(prog); i++)
		dump_map(j, &out, moat_prog_map(prog, i), moat_kprog_map_fd(l->kp, i));
	if (j) {
		if (dump)
			json_end(j);
		json_end(j);
		sbuf_printf(&out, "\n");
	}
	fputs(sbuf_str(&out), stdout);
	fflush(stdout);
	sbuf_release(&out);
}

static int parse_args(int argc, char **argv, struct load_args *a)
{
	enum { O_DEV = 0x200, O_EGRESS, O_CGROUP, O_PIN, O_DURATION, O_JSON };
	static const struct option opts[] = {
		CLI_PROG_OPTIONS,
		{ "dev", required_argument, NULL, O_DEV },
		{ "egress", no_argument, NULL, O_EGRESS },
		{ "cgroup", required_argument, NULL, O_CGROUP },
		{ "pin", required_argument, NULL, O_PIN },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "json", no_argument, NULL, O_JSON },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int t = cli_prog_option(&load_cmd, c, optarg, &a->prog);
		if (t < 0)
			return EXIT_USAGE;
		if (t > 0)
			continue;
		switch (c) {
		case O_DEV: a->dev = optarg; break;
		case O_EGRESS: a->egress = true; break;
		case O_CGROUP: a->cgroup = optarg; break;
		case O_PIN: a->pin = optarg; break;
		case O_JSON: a->json = true; break;
		case O_DURATION:
			if (!cli_parse_seconds(optarg, &a->duration))
				return cli_usage(&load_cmd, "--duration needs seconds > 0, got '%s'", optarg);
			break;
		default:
			return cli_usage(&load_cmd, "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage(&load_cmd, "expected one program file");
	if (a->pin && a->duration > 0)
		return cli_usage(&load_cmd, "--pin and --duration exclude each other");
	a->file = argv[optind];
	return EXIT_OK;
}

/* The section the loaded program came from ("" for non-ELF files). */
static const char *section_of(const struct cli_prog *p)
{
	for (size_t i = 0; p->obj && i < moat_obj_prog_count(p->obj); i++)
		if (moat_obj_prog(p->obj, i) == p->prog)
			return moat_obj_prog_section(p->obj, i);
	return "";
}

int cmd_bpf_load(int argc, char **argv)
{
	if (cli_wants_help(&load_cmd, argc, argv))
		return EXIT_OK;
	struct load_args a = { 0 };
	int rc = parse_args(argc, argv, &a);
	if (rc != EXIT_OK)
		return rc;
	struct moat_error err = { 0 };
	struct cli_prog p = { 0 };
	struct loaded l = { .attach_fd = -1 };
	rc = EXIT_FAIL;
	if (cli_bpf_load_opts(a.file, &a.prog, &p, &err) < 0)
		goto out;
	const char *sec = section_of(&p);
	if (pick_hook(sec, moat_prog_type(p.prog), &a, &l, &err) < 0)
		goto out;
	MOAT_OPTS(moat_kernel_load_opts, ko, .name = NULL);
	if (l.hook == H_TP_BTF) {
		int id = moat_kernel_tp_btf_id(l.target, &err);
		if (id < 0)
			goto out;
		moat_prog_set_type(p.prog, MOAT_PROG_RAW_TRACEPOINT);
		ko.attach_btf_id = (uint32_t)id;
	}
	if (!(l.kp = moat_kernel_load(p.prog, &ko, &err)) || attach(&a, &l, &err) < 0)
		goto out;
	if (a.pin) {
		if (pin_all(&a, p.prog, &l, &err) < 0)
			goto out;
		report(&a, p.prog, &l, false);
	} else {
		if (!a.json)
			report(&a, p.prog, &l, false);
		fprintf(stderr, "moat: bpf load: attached; Ctrl-C detaches%s\n", a.duration > 0 ? " (or the end of --duration)" : "");
		wait_foreground(a.duration > 0 ? a.duration : INFINITY);
		if (a.json)
			report(&a, p.prog, &l, true);
		else {
			struct sbuf o = { 0 };
			for (size_t i = 0; i < moat_prog_map_count(p.prog); i++)
				dump_map(NULL, &o, moat_prog_map(p.prog, i), moat_kprog_map_fd(l.kp, i));
			fputs(sbuf_str(&o), stdout);
			sbuf_release(&o);
		}
	}
	rc = EXIT_OK;
out:
	if (rc != EXIT_OK)
		cli_fail_err("bpf load", &err);
	if (l.attach_fd >= 0)
		close(l.attach_fd);
	moat_kprog_free(l.kp);
	cli_prog_release(&p);
	return rc;
}

int cmd_bpf_unload(int argc, char **argv)
{
	if (cli_wants_help(&unload_cmd, argc, argv))
		return EXIT_OK;
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage(&unload_cmd, "expected one directory");
	struct moat_error err = { 0 };
	if (unpin_dir(argv[1], &err) < 0)
		return cli_fail_err("bpf unload", &err);
	return EXIT_OK;
}
