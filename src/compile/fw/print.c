/* Canonical printing of rule sets: what `moat fw show` prints, and parses back the same. */
#include <stdlib.h>
#include <string.h>

#include "compile/fw/fw_internal.h"

static const char *proto_name(int n)
{
	switch (n) {
	case 1: return "icmp";
	case 2: return "igmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 47: return "gre";
	case 50: return "esp";
	case 51: return "ah";
	case 58: return "icmp6";
	case 132: return "sctp";
	default: return NULL;
	}
}

static void print_protos(const struct fw_rule *r, struct sbuf *b)
{
	int n = 0;
	for (int i = 0; i < 256; i++)
		n += (r->protos[i / 64] >> (i % 64)) & 1;
	sbuf_printf(b, " proto%s", n > 1 ? " {" : "");
	for (int i = 0; i < 256; i++) {
		if (!((r->protos[i / 64] >> (i % 64)) & 1))
			continue;
		const char *nm = proto_name(i);
		if (nm)
			sbuf_printf(b, " %s", nm);
		else
			sbuf_printf(b, " %d", i);
	}
	if (n > 1)
		sbuf_printf(b, " }");
}

static void print_host(const struct moat_fw_rules *rs, const struct fw_host *h, struct sbuf *b)
{
	sbuf_printf(b, "%s", h->neg ? " ! " : " ");
	if (h->kind == FW_HOST_ANY) {
		sbuf_printf(b, "any");
	} else if (h->kind == FW_HOST_TABLE) {
		sbuf_printf(b, "<%s>", rs->tables.v[h->table].name);
	} else if (h->pfx.n == 1) {
		fw_prefix_print(&h->pfx.v[0], b);
	} else {
		sbuf_printf(b, "{");
		for (size_t i = 0; i < h->pfx.n; i++) {
			sbuf_printf(b, i ? ", " : " ");
			fw_prefix_print(&h->pfx.v[i], b);
		}
		sbuf_printf(b, " }");
	}
}

static void print_ports(const struct fw_ports *ps, struct sbuf *b)
{
	sbuf_printf(b, " port%s", ps->r.n > 1 ? " {" : "");
	for (size_t i = 0; i < ps->r.n; i++) {
		const struct fw_range *r = &ps->r.v[i];
		if (r->lo == r->hi)
			sbuf_printf(b, " %u", r->lo);
		else
			sbuf_printf(b, " %u:%u", r->lo, r->hi);
	}
	if (ps->r.n > 1)
		sbuf_printf(b, " }");
}

static void print_flags(uint8_t v, struct sbuf *b)
{
	static const char letters[] = "FSRPAUEW";
	for (int i = 0; i < 8; i++)
		if (v & (1u << i))
			sbuf_putc(b, letters[i]);
}

void fw_rule_print(const struct moat_fw_rules *rs, const struct fw_rule *r, struct sbuf *b)
{
	sbuf_printf(b, "%s", r->pass ? "pass" : "block");
	if (r->dir)
		sbuf_printf(b, r->dir == FW_DIR_IN ? " in" : " out");
	if (r->log)
		sbuf_printf(b, " log");
	if (r->quick)
		sbuf_printf(b, " quick");
	if (r->iface[0])
		sbuf_printf(b, " on %s", r->iface);
	if (r->af)
		sbuf_printf(b, r->af == 4 ? " inet" : " inet6");
	if (r->proto_set)
		print_protos(r, b);
	bool from = r->from.kind != FW_HOST_ANY || r->sport.set;
	bool to = r->to.kind != FW_HOST_ANY || r->dport.set;
	if (!from && !to)
		sbuf_printf(b, " all");
	if (from) {
		sbuf_printf(b, " from");
		print_host(rs, &r->from, b);
		if (r->sport.set)
			print_ports(&r->sport, b);
	}
	if (to) {
		sbuf_printf(b, " to");
		print_host(rs, &r->to, b);
		if (r->dport.set)
			print_ports(&r->dport, b);
	}
	if (r->flags_set) {
		sbuf_printf(b, " flags ");
		print_flags(r->flags, b);
		sbuf_putc(b, '/');
		print_flags(r->mask, b);
	} else if (r->flags_any && r->pass && r->keep_state) { /* only then it means something */
		sbuf_printf(b, " flags any");
	}
	if (r->keep_state)
		sbuf_printf(b, " keep state");
	if (r->label)
		sbuf_printf(b, " label \"%s\"", r->label);
}

char *moat_fw_rules_format(const struct moat_fw_rules *rs)
{
	struct sbuf b = { 0 };
	for (size_t i = 0; i < rs->tables.n; i++) {
		const struct fw_table *t = &rs->tables.v[i];
		sbuf_printf(&b, "table <%s>", t->name);
		if (t->pfx.n) {
			sbuf_printf(&b, " {");
			for (size_t k = 0; k < t->pfx.n; k++) {
				sbuf_printf(&b, k ? ", " : " ");
				fw_prefix_print(&t->pfx.v[k], &b);
			}
			sbuf_printf(&b, " }");
		}
		sbuf_putc(&b, '\n');
	}
	bool in = rs->default_pass[FW_DIR_IN], out = rs->default_pass[FW_DIR_OUT];
	if (in == out)
		sbuf_printf(&b, "set default %s\n", in ? "pass" : "block");
	else
		sbuf_printf(&b, "set default %s in\nset default %s out\n", in ? "pass" : "block",
			    out ? "pass" : "block");
	for (size_t i = 0; i < rs->rules.n; i++) {
		fw_rule_print(rs, &rs->rules.v[i], &b);
		sbuf_putc(&b, '\n');
	}
	if (b.oom) {
		sbuf_release(&b);
		return NULL;
	}
	return sbuf_take(&b);
}

char *moat_fw_rule_format(const struct moat_fw_rules *rs, size_t n)
{
	if (n < 1 || n > rs->rules.n)
		return NULL;
	struct sbuf b = { 0 };
	fw_rule_print(rs, &rs->rules.v[n - 1], &b);
	if (b.oom) {
		sbuf_release(&b);
		return NULL;
	}
	return b.s ? sbuf_take(&b) : strdup("");
}
