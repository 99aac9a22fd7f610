/* moat fw: the firewall's subcommands; fw check and fw test. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "cli/fw_cli.h"
#include "util/json.h"

const struct cli_cmd cli_fw_cmds[] = {
	{ "check", "parse, compile and verify a rule file; print the plan and warnings",
	  cmd_fw_check_usage, cmd_fw_check, NULL },
	{ "test", "verdict of every packet of a capture, in moat's VM", cmd_fw_test_usage,
	  cmd_fw_test, NULL },
	{ "load", "enforce a rule file on an interface (XDP or TC), or reload it atomically",
	  cmd_fw_load_usage, cmd_fw_load, NULL },
	{ "show", "the loaded rules with live counters", cmd_fw_show_usage, cmd_fw_show, NULL },
	{ "table", "add, delete or list the addresses of a loaded table", cmd_fw_table_usage,
	  cmd_fw_table, NULL },
	{ "log", "print or save the records of rules with 'log'", cmd_fw_log_usage, cmd_fw_log,
	  NULL },
	{ "unload", "detach and remove a loaded firewall", cmd_fw_unload_usage, cmd_fw_unload,
	  NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

int cmd_fw(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		for (const struct cli_cmd *c = cli_commands; c->name; c++)
			if (!strcmp(c->name, "fw"))
				fputs(c->usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	return cli_dispatch("fw: ", cli_fw_cmds, argc - 1, argv + 1);
}

/* ---- shared ---- */

int fw_cli_options(const struct cli_cmd *cmd, unsigned accept, int argc, char **argv,
		   struct fw_opts *o)
{
	static const struct {
		struct option opt;
		unsigned bit;
	} all[] = {
		{ { "dev", required_argument, NULL, 'd' }, FWO_DEV },
		{ { "json", no_argument, NULL, 'J' }, FWO_JSON },
		{ { "print", no_argument, NULL, 'p' }, FWO_PRINT },
		{ { "explain", no_argument, NULL, 'e' }, FWO_EXPLAIN },
		{ { "out", no_argument, NULL, 'o' }, FWO_OUT },
		{ { "read", required_argument, NULL, 'r' }, FWO_READ },
		{ { "xdp", no_argument, NULL, 'x' }, FWO_HOOK },
		{ { "tc", no_argument, NULL, 't' }, FWO_HOOK },
		{ { "count", required_argument, NULL, 'c' }, FWO_COUNT },
		{ { "write", required_argument, NULL, 'w' }, FWO_WRITE },
		{ { "timeout", required_argument, NULL, 'T' }, FWO_TIMEOUT },
	};
	struct option opts[sizeof(all) / sizeof(all[0]) + 1];
	char shorts[8];
	size_t n = 0, ns = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (accept & all[i].bit)
			opts[n++] = all[i].opt;
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
	if (accept & FWO_READ)
		shorts[ns++] = 'r', shorts[ns++] = ':';
	if (accept & FWO_COUNT)
		shorts[ns++] = 'c', shorts[ns++] = ':';
	if (accept & FWO_WRITE)
		shorts[ns++] = 'w', shorts[ns++] = ':';
	shorts[ns] = 0;
	memset(o, 0, sizeof(*o));
	int c, hooks = 0;
	char *end;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		switch (c) {
		case 'd': o->dev = optarg; break;
		case 'J': o->json = true; break;
		case 'p': o->print = true; break;
		case 'e': o->explain = true; break;
		case 'o': o->out = true; break;
		case 'r': o->read = optarg; break;
		case 'w': o->write = optarg; break;
		case 'x': case 't': o->tc = c == 't', hooks++; break;
		case 'c':
			o->count = strtoul(optarg, &end, 10);
			if (*end || !*optarg || *optarg == '-' || o->count == 0)
				return cli_usage(cmd, "-c needs a positive number, got '%s'", optarg);
			break;
		case 'T':
			o->timeout = strtod(optarg, &end);
			if (*end || !*optarg || !(o->timeout > 0))
				return cli_usage(cmd, "--timeout needs a positive number of seconds, "
						      "got '%s'", optarg);
			break;
		default:
			return cli_usage(cmd, "unknown option or missing argument '%s'",
					 argv[optind - 1]);
		}
	}
	if (hooks > 1)
		return cli_usage(cmd, "--xdp and --tc exclude each other");
	if (o->dev && (strchr(o->dev, '/') || !strcmp(o->dev, ".") || !strcmp(o->dev, "..") ||
		       !*o->dev))
		return cli_fail(cmd->name, "bad interface name '%s'", o->dev);
	o->args = argv + optind;
	o->nargs = argc - optind;
	return EXIT_OK;
}

static void print_caret(const char *src, int line, int col)
{
	const char *p = src;
	for (int l = 1; l < line && p; l++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || col < 1)
		return;
	const char *e = strchr(p, '\n');
	int n = e ? (int)(e - p) : (int)strlen(p);
	fprintf(stderr, "  %.*s\n  ", n, p);
	for (int i = 1; i < col && i <= n; i++)
		fputc(p[i - 1] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
}

int fw_cli_fail(const char *what, const struct moat_error *err, const char *src)
{
	cli_fail_err(what, err);
	if (err->line > 0 && err->col > 0) {
		if (src) {
			print_caret(src, err->line, err->col);
		} else if (err->file[0]) {
			size_t len;
			struct moat_error e2;
			char *t = cli_read_file(err->file, &len, &e2);
			if (t)
				print_caret(t, err->line, err->col);
			free(t);
		}
	}
	return EXIT_FAIL;
}

struct moat_fw_rules *fw_cli_parse(const char *what, const char *path, char **text)
{
	struct moat_error err;
	size_t len;
	*text = cli_read_file(path, &len, &err);
	if (!*text) {
		cli_fail_err(what, &err);
		return NULL;
	}
	struct moat_fw_rules *rs = moat_fw_parse(*text, len, path, NULL, &err);
	if (!rs) {
		bool here = !strcmp(err.file, path);
		fw_cli_fail(what, &err, here ? *text : NULL);
		free(*text);
		*text = NULL;
	}
	return rs;
}

/* ---- fw check ---- */

const char cmd_fw_check_usage[] =
	"usage: moat fw check RULES [--dev IFACE] [--print]\n"
	"\n"
	"Parse the rule file RULES (the language is in docs/fw.md), compile each\n"
	"direction to eBPF (incoming packets for XDP, outgoing ones for TC egress),\n"
	"verify both programs with moat's verifier and print the plan: per\n"
	"direction the rules that apply, the classes each packet field is split\n"
	"into, the size of the decision table and the program.  The work per\n"
	"packet is the same whatever the number of rules: one trie lookup per\n"
	"address, one array lookup per port and for protocol and TCP flags, one\n"
	"trie lookup per table reference, one hash lookup of the classes.\n"
	"\n"
	"Then warns about rules that can never decide a packet:\n"
	"  RULES:LINE: rule N never matches: shadowed by rule M\n"
	"\n"
	"  --dev IFACE   compile for interface IFACE: rules 'on' another interface\n"
	"                never match (default: every rule applies)\n"
	"  --print       print the rule set in canonical form instead of the plan\n"
	"                (macros expanded, table files read in); moat fw check reads\n"
	"                it back to the same text\n"
	"\n"
	"Exit status: 0 valid (warnings included), 1 an error (printed as\n"
	"RULES:LINE:COL: message, with the line and a caret), 2 usage error.\n";

static const struct cli_cmd check_cmd = { "fw check", NULL, cmd_fw_check_usage, NULL, NULL };

static void print_plan(const char *dir, const char *hook, const struct moat_fw_prog *fp)
{
	struct moat_fw_stats st;
	moat_fw_prog_stats(fp, &st);
	printf("%s (%s): %zu rule%s, %zu instructions\n", dir, hook, st.rules,
	       st.rules == 1 ? "" : "s", st.insns);
	printf("  classes: source %u, destination %u, source port %u, destination port %u, "
	       "protocol %u; %d table test%s\n",
	       st.src_classes, st.dst_classes, st.sport_classes, st.dport_classes, st.l4_classes,
	       st.table_refs, st.table_refs == 1 ? "" : "s");
	printf("  %zu prefix%s in the address trie, %zu decision entr%s%s%s\n", st.prefixes,
	       st.prefixes == 1 ? "" : "es", st.entries, st.entries == 1 ? "y" : "ies",
	       st.keeps_state ? ", connection state" : "", st.logs ? ", log ring buffer" : "");
}

static int check_dir(const struct moat_fw_rules *rs, enum moat_fw_dir dir, const char *dev,
		     const char *text)
{
	MOAT_OPTS(moat_fw_compile_opts, o, .hook = dir == MOAT_FW_IN ? MOAT_FW_XDP : MOAT_FW_TC,
		  .dir = dir, .iface = dev);
	struct moat_error err;
	struct moat_fw_prog *fp = moat_fw_compile(rs, &o, &err);
	if (!fp)
		return fw_cli_fail("fw check", &err, text);
	print_plan(dir == MOAT_FW_IN ? "in" : "out", dir == MOAT_FW_IN ? "xdp" : "tc", fp);
	moat_fw_prog_free(fp);
	return EXIT_OK;
}

int cmd_fw_check(int argc, char **argv)
{
	if (cli_wants_help(&check_cmd, argc, argv))
		return EXIT_OK;
	struct fw_opts o;
	int r = fw_cli_options(&check_cmd, FWO_DEV | FWO_PRINT, argc, argv, &o);
	if (r != EXIT_OK)
		return r;
	if (o.nargs != 1)
		return cli_usage(&check_cmd, "expected one rule file");
	const char *dev = o.dev, *file = o.args[0];
	char *text;
	struct moat_fw_rules *rs = fw_cli_parse("fw check", file, &text);
	if (!rs)
		return EXIT_FAIL;
	if (o.print) {
		char *s = moat_fw_rules_format(rs);
		fputs(s ? s : "", stdout);
		free(s);
	} else {
		size_t nt = moat_fw_table_count(rs), nr = moat_fw_rule_count(rs);
		printf("%s: %zu rule%s, %zu table%s\n", file, nr, nr == 1 ? "" : "s", nt,
		       nt == 1 ? "" : "s");
		r = check_dir(rs, MOAT_FW_IN, dev, text);
		if (r == EXIT_OK)
			r = check_dir(rs, MOAT_FW_OUT, dev, text);
		struct moat_error err;
		char *w = r == EXIT_OK ? moat_fw_check(rs, dev, &err) : NULL;
		if (r == EXIT_OK && !w)
			r = fw_cli_fail("fw check", &err, text);
		for (char *line = w; line && *line;) {
			char *nl = strchr(line, '\n');
			printf("warning: %.*s\n", nl ? (int)(nl - line) : (int)strlen(line), line);
			line = nl ? nl + 1 : line + strlen(line);
		}
		free(w);
	}
	moat_fw_rules_free(rs);
	free(text);
	return r;
}
