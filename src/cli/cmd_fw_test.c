/* moat fw test: the verdict of every packet of a capture, in moat's VM, and the rule that decided. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "cli/fw_cli.h"
#include "util/json.h"

const char cmd_fw_test_usage[] =
	"usage: moat fw test RULES -r CAPTURE [--explain] [--out] [--dev IFACE] [--json]\n"
	"\n"
	"Compile RULES as 'moat fw load' would and run every packet of CAPTURE (a\n"
	"pcap or pcapng file of Ethernet frames) through the program in moat's VM,\n"
	"in order, so 'keep state' entries made by earlier packets let later\n"
	"replies through exactly as in the kernel.  Prints one line per packet:\n"
	"\n"
	"  N pass|block rule R      rule R (1-based, in file order) decided\n"
	"  N pass|block default     no rule matched: the default decided\n"
	"  N pass state R           an existing connection of rule R's let it in\n"
	"  N pass not-ip            not IPv4 or IPv6: passed without rules\n"
	"  N block truncated        an IP, TCP or UDP header cut short\n"
	"\n"
	"then a summary.\n"
	"\n"
	"  -r, --read CAPTURE  the packets\n"
	"  --explain           also print each packet (addresses, ports, TCP flags)\n"
	"                      and the deciding rule's source line and text; \"(log)\"\n"
	"                      after the verdict when the rule logs the packet\n"
	"  --out               treat the packets as outgoing (TC egress program);\n"
	"                      default incoming (XDP program)\n"
	"  --dev IFACE         rules 'on' another interface never match\n"
	"  --json              one JSON array: {\"packet\",\"verdict\",\"rule\",\"state\",\n"
	"                      \"log\",\"line\"} per packet\n"
	"\n"
	"Exit status: 0 done, 1 unreadable rules or capture, 2 usage error.\n";

static const struct cli_cmd test_cmd = { "fw test", NULL, cmd_fw_test_usage, NULL, NULL };

struct test_opts {
	const char *rules, *capture, *dev;
	bool explain, out, json;
};

/* One-line summary of an Ethernet frame for --explain. */
static void summarize(const uint8_t *p, size_t len, char *out, size_t outlen)
{
	size_t off = 12;
	uint16_t et = len >= 14 ? (uint16_t)(p[12] << 8 | p[13]) : 0;
	for (int i = 0; i < 2 && (et == 0x8100 || et == 0x88a8) && len >= off + 6; i++) {
		off += 4;
		et = (uint16_t)(p[off] << 8 | p[off + 1]);
	}
	off += 2;
	char s[INET6_ADDRSTRLEN] = "?", d[INET6_ADDRSTRLEN] = "?";
	int proto = -1;
	size_t l4 = 0;
	if (et == 0x0800 && len >= off + 20) {
		inet_ntop(AF_INET, p + off + 12, s, sizeof(s));
		inet_ntop(AF_INET, p + off + 16, d, sizeof(d));
		proto = p[off + 9];
		l4 = off + (size_t)(p[off] & 0xf) * 4;
		if ((p[off + 6] << 8 | p[off + 7]) & 0x1fff)
			l4 = 0;
	} else if (et == 0x86dd && len >= off + 40) {
		inet_ntop(AF_INET6, p + off + 8, s, sizeof(s));
		inet_ntop(AF_INET6, p + off + 24, d, sizeof(d));
		proto = p[off + 6];
		l4 = off + 40;
	} else {
		snprintf(out, outlen, "ethertype 0x%04x, %zu bytes", et, len);
		return;
	}
	const char *pn = proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 ? "icmp"
		       : proto == 58 ? "icmp6" : proto == 50 ? "esp" : proto == 51 ? "ah"
		       : proto == 47 ? "gre" : NULL;
	char pbuf[16];
	if (!pn) {
		snprintf(pbuf, sizeof(pbuf), "proto %d", proto);
		pn = pbuf;
	}
	if ((proto == 6 || proto == 17) && l4 && len >= l4 + (proto == 6 ? 14 : 4)) {
		unsigned sp = (unsigned)(p[l4] << 8 | p[l4 + 1]), dp = (unsigned)(p[l4 + 2] << 8 | p[l4 + 3]);
		char fl[12] = "";
		if (proto == 6) {
			static const char letters[] = "FSRPAUEW";
			size_t n = 0;
			for (int i = 0; i < 8; i++)
				if (p[l4 + 13] & (1u << i))
					fl[n++] = letters[i];
			fl[n] = 0;
		}
		snprintf(out, outlen, "%s %s.%u > %s.%u%s%s%s", pn, s, sp, d, dp, *fl ? " [" : "", fl,
			 *fl ? "]" : "");
	} else {
		snprintf(out, outlen, "%s %s > %s", pn, s, d);
	}
}

static void print_verdict(const struct test_opts *o, const struct moat_fw_rules *rs, size_t n,
			  const struct moat_fw_verdict *v, const uint8_t *pkt, size_t len,
			  struct json *j)
{
	const char *what = v->pass ? "pass" : "block";
	if (j) {
		json_obj(j);
		json_kuint(j, "packet", n);
		json_kstr(j, "verdict", what);
		json_kuint(j, "rule", v->rule);
		json_kbool(j, "state", v->by_state);
		json_kbool(j, "log", v->log);
		json_kint(j, "line", moat_fw_rule_line(rs, v->rule));
		json_end(j);
		return;
	}
	if (v->not_ip)
		printf("%zu pass not-ip", n);
	else if (v->truncated)
		printf("%zu block truncated", n);
	else if (v->by_state)
		printf("%zu pass state %u", n, v->rule);
	else if (v->rule)
		printf("%zu %s rule %u", n, what, v->rule);
	else
		printf("%zu %s default", n, what);
	if (o->explain) {
		char sum[160];
		if (v->log)
			printf(" (log)");
		summarize(pkt, len, sum, sizeof(sum));
		printf("  %s", sum);
		char *text = moat_fw_rule_format(rs, v->rule);
		if (text)
			printf("\n    %s:%d: %s", o->rules, moat_fw_rule_line(rs, v->rule), text);
		else if (!v->not_ip)
			printf("\n    %s", v->truncated ? "truncated header: blocked"
					     : v->pass	  ? "no rule matched: the default passes"
							  : "no rule matched: the default blocks");
		free(text);
	}
	putchar('\n');
}

static int run_capture(const struct test_opts *o, const struct moat_fw_rules *rs,
		       struct moat_fw_runner *run)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(o->capture, ebuf);
	if (!pc)
		return cli_fail("fw test", "%s: %s", o->capture, ebuf);
	if (pcap_datalink(pc) != DLT_EN10MB) {
		int dl = pcap_datalink(pc);
		pcap_close(pc);
		return cli_fail("fw test", "%s: link type %s, not Ethernet", o->capture,
				pcap_datalink_val_to_name(dl) ? pcap_datalink_val_to_name(dl) : "?");
	}
	struct sbuf b = { 0 };
	struct json j = { .out = &b };
	if (o->json)
		json_arr(&j);
	struct pcap_pkthdr *h;
	const u_char *data;
	size_t n = 0, passed = 0;
	int r, rc = EXIT_OK;
	while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
		struct moat_fw_verdict v;
		struct moat_error err;
		n++;
		if (moat_fw_runner_run(run, data, h->caplen, &v, &err) < 0) {
			moat_error_prefix(&err, "%s: packet %zu", o->capture, n);
			rc = cli_fail_err("fw test", &err);
			break;
		}
		passed += v.pass;
		print_verdict(o, rs, n, &v, data, h->caplen, o->json ? &j : NULL);
	}
	if (r == -1 && rc == EXIT_OK)
		rc = cli_fail("fw test", "%s: %s", o->capture, pcap_geterr(pc));
	pcap_close(pc);
	if (o->json) {
		json_end(&j);
		if (rc == EXIT_OK)
			printf("%s\n", sbuf_str(&b));
	} else if (rc == EXIT_OK) {
		printf("%zu packet%s: %zu passed, %zu blocked\n", n, n == 1 ? "" : "s", passed,
		       n - passed);
	}
	sbuf_release(&b);
	return rc;
}

static int parse_test_opts(int argc, char **argv, struct test_opts *o)
{
	struct fw_opts fo;
	int rc = fw_cli_options(&test_cmd, FWO_READ | FWO_EXPLAIN | FWO_OUT | FWO_DEV | FWO_JSON,
				argc, argv, &fo);
	if (rc != EXIT_OK)
		return rc;
	if (fo.nargs != 1)
		return cli_usage(&test_cmd, "expected one rule file");
	if (!fo.read)
		return cli_usage(&test_cmd, "missing -r CAPTURE");
	*o = (struct test_opts){ .rules = fo.args[0], .capture = fo.read, .dev = fo.dev,
				 .explain = fo.explain, .out = fo.out, .json = fo.json };
	return EXIT_OK;
}

int cmd_fw_test(int argc, char **argv)
{
	if (cli_wants_help(&test_cmd, argc, argv))
		return EXIT_OK;
	struct test_opts o = { 0 };
	int rc = parse_test_opts(argc, argv, &o);
	if (rc != EXIT_OK)
		return rc;
	char *text;
	struct moat_fw_rules *rs = fw_cli_parse("fw test", o.rules, &text);
	if (!rs)
		return EXIT_FAIL;
	MOAT_OPTS(moat_fw_compile_opts, co, .hook = o.out ? MOAT_FW_TC : MOAT_FW_XDP,
		  .dir = o.out ? MOAT_FW_OUT : MOAT_FW_IN, .iface = o.dev, .record_verdict = true);
	struct moat_error err;
	struct moat_fw_prog *fp = moat_fw_compile(rs, &co, &err);
	struct moat_vm *vm = fp ? moat_vm_new(NULL, &err) : NULL;
	struct moat_fw_runner *run = vm ? moat_fw_runner_new(vm, fp, &err) : NULL;
	rc = run ? run_capture(&o, rs, run) : fw_cli_fail("fw test", &err, text);
	moat_fw_runner_free(run);
	moat_vm_free(vm);
	moat_fw_prog_free(fp);
	moat_fw_rules_free(rs);
	free(text);
	return rc;
}
