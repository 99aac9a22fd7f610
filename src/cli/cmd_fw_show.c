/* moat fw show and moat fw table: the loaded firewalls' rules, counters and tables. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <moat/kernel_netdev.h>

#include "cli/fw_cli.h"
#include "util/cleanup.h"
#include "util/json.h"

const char cmd_fw_show_usage[] =
	"usage: moat fw show [--dev IFACE] [--json]\n"
	"\n"
	"Print each loaded firewall (or IFACE's): a comment naming the interface\n"
	"and hooks, then its rules in canonical form, each followed by a comment\n"
	"with its live counters, packets and bytes per direction:\n"
	"\n"
	"  pass in proto tcp to any port 22 keep state  # 1: in 12 p 1032 B, out 0 p 0 B\n"
	"\n"
	"The counters are kept per CPU by the programs and summed here.\n"
	"Tables are listed with their live entries (after 'moat fw table' changes).\n"
	"The output is itself a valid rule file: 'moat fw check' reads it back, and\n"
	"loading it gives the same rules.  The default's counters and the number of\n"
	"tracked connections close the listing.\n"
	"\n"
	"  --dev IFACE   only this interface\n"
	"  --json        {\"firewalls\":[{\"dev\",\"hook\",\"connections\",\"default\":{\"in\",\n"
	"                \"out\"},\"rules\":[{\"rule\",\"text\",\"in\":{\"packets\",\"bytes\"},\n"
	"                \"out\":{...}}]}]}\n"
	"\n"
	"Exit status: 0 done (also when nothing is loaded), 1 error, 2 usage error.\n";

const char cmd_fw_table_usage[] =
	"usage: moat fw table NAME add|del ADDR... [--dev IFACE]\n"
	"       moat fw table NAME list [--dev IFACE]\n"
	"\n"
	"Change or list table <NAME> of the loaded firewalls (of IFACE's only with\n"
	"--dev) while they run: the programs look addresses up in the table's LPM\n"
	"trie on every packet, so a change applies to the next packet, with no\n"
	"reload.  ADDR is an address or prefix, IPv4 or IPv6 (192.0.2.1,\n"
	"198.51.100.0/24, 2001:db8::/32).  'list' prints one entry a line.\n"
	"\n"
	"Exit status: 0 done, 1 error (no loaded firewall has the table, a bad\n"
	"address, deleting an absent entry), 2 usage error.\n";

static const struct cli_cmd show_cmd = { "fw show", NULL, cmd_fw_show_usage, NULL, NULL };
static const struct cli_cmd table_cmd = { "fw table", NULL, cmd_fw_table_usage, NULL, NULL };

static int open_pin(const char *dev, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s/%s", FW_PIN_ROOT, dev, name);
	return access(path, F_OK) == 0 ? moat_pin_open(path, NULL) : -1;
}

/* Rule k's counters: the per-CPU array holds one value per possible CPU. */
static struct moat_fw_counter counter(int fd, uint32_t k)
{
	struct moat_fw_counter c = { 0, 0 };
	int ncpu = libbpf_num_possible_cpus();
	if (fd < 0 || ncpu <= 0)
		return c;
	MOAT_AUTO(free) struct moat_fw_counter *v = calloc((size_t)ncpu, sizeof(*v));
	if (!v || bpf_map_lookup_elem(fd, &k, v) < 0)
		return c;
	for (int i = 0; i < ncpu; i++) {
		c.packets += v[i].packets;
		c.bytes += v[i].bytes;
	}
	return c;
}

static size_t count_keys(int fd)
{
	uint8_t key[64], next[64];
	size_t n = 0;
	void *prev = NULL;
	while (fd >= 0 && bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return n;
}

static void json_counter(struct json *j, const char *k, struct moat_fw_counter c)
{
	json_key(j, k);
	json_obj(j);
	json_kuint(j, "packets", c.packets);
	json_kuint(j, "bytes", c.bytes);
	json_end(j);
}

struct shown {
	const char *dev;
	char hook[16];
	struct moat_fw_rules *rs;
	int cin, cout;
	size_t conns;
};

/* "table <NAME> { live entries }" from the pinned map, so what fw show
 * prints is what the kernel enforces after fw table changes. */
static void print_live_table(const char *dev, const char *name, const char *saved)
{
	char pin[64];
	snprintf(pin, sizeof(pin), "t_%s", name);
	int fd = open_pin(dev, pin);
	if (fd < 0) {
		printf("%s\n", saved);
		return;
	}
	printf("table <%s>", name);
	uint8_t key[20], next[20];
	void *prev = NULL;
	int n = 0;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		char buf[64];
		printf("%s%s", n++ ? ", " : " { ", moat_fw_table_key_str(next, buf, sizeof(buf)));
		memcpy(key, next, sizeof(key));
		prev = key;
	}
	printf("%s\n", n ? " }" : "");
	close(fd);
}

static void show_text(const struct shown *s)
{
	size_t nr = moat_fw_rule_count(s->rs);
	char *all = moat_fw_rules_format(s->rs);
	printf("# moat fw: %s (in: %s%s)\n", s->dev, s->hook, s->cout >= 0 ? ", out: tc" : "");
	/* The last nr lines are the rules; what precedes is tables and defaults. */
	size_t lines = 0;
	for (char *p = all; p && *p; p++)
		lines += *p == '\n';
	size_t i = 0;
	for (char *line = all; line && *line; i++) {
		char *nl = strchr(line, '\n');
		*nl = 0;
		if (i < moat_fw_table_count(s->rs)) {
			print_live_table(s->dev, moat_fw_table_name(s->rs, i), line);
		} else if (i + nr < lines) {
			printf("%s\n", line);
		} else {
			uint32_t k = (uint32_t)(i + nr - lines + 1);
			struct moat_fw_counter a = counter(s->cin, k), b = counter(s->cout, k);
			printf("%s  # %u: in %llu p %llu B, out %llu p %llu B\n", line, k,
			       (unsigned long long)a.packets, (unsigned long long)a.bytes,
			       (unsigned long long)b.packets, (unsigned long long)b.bytes);
		}
		line = nl + 1;
	}
	struct moat_fw_counter a = counter(s->cin, 0), b = counter(s->cout, 0);
	printf("# default: in %llu p %llu B, out %llu p %llu B; %zu tracked connection%s\n",
	       (unsigned long long)a.packets, (unsigned long long)a.bytes,
	       (unsigned long long)b.packets, (unsigned long long)b.bytes, s->conns,
	       s->conns == 1 ? "" : "s");
	free(all);
}

static void show_json(const struct shown *s, struct json *j)
{
	json_obj(j);
	json_kstr(j, "dev", s->dev);
	json_kstr(j, "hook", s->hook);
	json_kuint(j, "connections", s->conns);
	json_key(j, "default");
	json_obj(j);
	json_counter(j, "in", counter(s->cin, 0));
	json_counter(j, "out", counter(s->cout, 0));
	json_end(j);
	json_key(j, "rules");
	json_arr(j);
	for (size_t k = 1; k <= moat_fw_rule_count(s->rs); k++) {
		char *t = moat_fw_rule_format(s->rs, k);
		json_obj(j);
		json_kuint(j, "rule", k);
		json_kstr(j, "text", t ? t : "");
		json_counter(j, "in", counter(s->cin, (uint32_t)k));
		json_counter(j, "out", counter(s->cout, (uint32_t)k));
		json_end(j);
		free(t);
	}
	json_end(j);
	json_end(j);
}

static int show_dev(const char *dev, struct json *j)
{
	char conf[512];
	snprintf(conf, sizeof(conf), "%s/%s.conf", FW_RUN_DIR, dev);
	struct shown s = { .dev = dev, .cin = -1, .cout = -1 };
	char *text;
	s.rs = fw_cli_parse("fw show", conf, &text);
	if (!s.rs)
		return EXIT_FAIL;
	char *h = strstr(text, " --");
	h = h ? strstr(h + 3, " --") : NULL;
	snprintf(s.hook, sizeof(s.hook), "%.*s", h ? (int)strcspn(h + 3, "\n") : 1, h ? h + 3 : "?");
	s.cin = open_pin(dev, "counters_in");
	s.cout = open_pin(dev, "counters_out");
	int st = open_pin(dev, "state");
	s.conns = count_keys(st) / 2; /* each connection is stored both ways round */
	if (j)
		show_json(&s, j);
	else
		show_text(&s);
	if (st >= 0)
		close(st);
	if (s.cin >= 0)
		close(s.cin);
	if (s.cout >= 0)
		close(s.cout);
	moat_fw_rules_free(s.rs);
	free(text);
	return EXIT_OK;
}

int cmd_fw_show(int argc, char **argv)
{
	if (cli_wants_help(&show_cmd, argc, argv))
		return EXIT_OK;
	struct fw_opts o;
	int rc = fw_cli_options(&show_cmd, FWO_DEV | FWO_JSON, argc, argv, &o);
	if (rc != EXIT_OK)
		return rc;
	if (o.nargs)
		return cli_usage(&show_cmd, "unexpected argument '%s'", o.args[0]);
	const char *dev = o.dev;
	bool json = o.json;
	struct sbuf b = { 0 };
	struct json j = { .out = &b };
	if (json) {
		json_obj(&j);
		json_key(&j, "firewalls");
		json_arr(&j);
	}
	int n = 0;
	DIR *d = opendir(FW_PIN_ROOT);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || (dev && strcmp(dev, e->d_name)))
			continue;
		n++;
		if (show_dev(e->d_name, json ? &j : NULL) != EXIT_OK)
			rc = EXIT_FAIL;
	}
	if (d)
		closedir(d);
	if (json) {
		json_end(&j);
		json_end(&j);
		printf("%s\n", sbuf_str(&b));
	} else if (!n) {
		if (dev)
			rc = cli_fail("fw show", "no firewall is loaded on %s", dev);
		else
			printf("# no firewall is loaded\n");
	}
	sbuf_release(&b);
	return rc;
}

/* ---- fw table ---- */

static int table_op(int fd, const char *dev, const char *op, char **addrs, int n)
{
	struct moat_error err;
	if (!strcmp(op, "list")) {
		uint8_t key[20], next[20];
		void *prev = NULL;
		while (bpf_map_get_next_key(fd, prev, next) == 0) {
			char buf[64];
			printf("%s\n", moat_fw_table_key_str(next, buf, sizeof(buf)));
			memcpy(key, next, sizeof(key));
			prev = key;
		}
		return EXIT_OK;
	}
	for (int i = 0; i < n; i++) {
		uint8_t key[20];
		uint32_t one = 1;
		if (moat_fw_table_key(addrs[i], key, &err) < 0)
			return cli_fail_err("fw table", &err);
		int r = !strcmp(op, "add") ? bpf_map_update_elem(fd, key, &one, BPF_ANY)
					   : bpf_map_delete_elem(fd, key);
		if (r < 0)
			return cli_fail("fw table", "%s %s on %s: %s", op, addrs[i], dev,
					errno == ENOENT ? "not in the table" : strerror(errno));
	}
	return EXIT_OK;
}

int cmd_fw_table(int argc, char **argv)
{
	if (cli_wants_help(&table_cmd, argc, argv))
		return EXIT_OK;
	struct fw_opts o;
	int rc = fw_cli_options(&table_cmd, FWO_DEV, argc, argv, &o);
	if (rc != EXIT_OK)
		return rc;
	const char *dev = o.dev;
	if (o.nargs < 2)
		return cli_usage(&table_cmd, "expected a table name and add, del or list");
	const char *name = o.args[0], *op = o.args[1];
	bool list = !strcmp(op, "list");
	if (!list && strcmp(op, "add") && strcmp(op, "del"))
		return cli_usage(&table_cmd, "unknown operation '%s' (add, del, list)", op);
	if (list != (o.nargs == 2))
		return cli_usage(&table_cmd, list ? "list takes no addresses"
						  : "%s needs at least one address", op);
	if (strchr(name, '/') || strlen(name) > 32)
		return cli_fail("fw table", "bad table name '%s'", name);
	char pin[64];
	snprintf(pin, sizeof(pin), "t_%s", name);
	DIR *d = opendir(FW_PIN_ROOT);
	struct dirent *e;
	int found = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || (dev && strcmp(dev, e->d_name)))
			continue;
		int fd = open_pin(e->d_name, pin);
		if (fd < 0)
			continue;
		found++;
		if (table_op(fd, e->d_name, op, o.args + 2, o.nargs - 2) != EXIT_OK)
			rc = EXIT_FAIL;
		close(fd);
		if (list)
			break; /* one listing: every interface got the same changes */
	}
	if (d)
		closedir(d);
	if (!found)
		return cli_fail("fw table", "no loaded firewall%s%s has table <%s>",
				dev ? " on " : "", dev ? dev : "", name);
	return rc;
}
