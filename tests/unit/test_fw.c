/* The firewall compiler: parse errors, canonical printing, and verdicts of compiled rules in moat's VM. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/fw.h>
#include <moat/moat.h>
#include "tap.h"

/* ---- frames ---- */

struct pkt {
	uint8_t b[256];
	size_t len;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet (+ optional VLAN tag) + IPv4 or IPv6 + TCP/UDP/ICMP header. */
static struct pkt frame(const char *src, const char *dst, int proto, int sport, int dport,
			uint8_t flags, int vlan, int frag)
{
	struct pkt k = { { 0 }, 0 };
	uint8_t *p = k.b + 12;
	bool v6 = strchr(src, ':') != NULL;
	if (vlan) {
		put16(p, 0x8100);
		put16(p + 2, (uint16_t)vlan);
		p += 4;
	}
	put16(p, v6 ? 0x86dd : 0x0800);
	p += 2;
	uint8_t *l4;
	if (!v6) {
		p[0] = 0x45;
		p[9] = (uint8_t)proto;
		put16(p + 6, (uint16_t)frag);
		inet_pton(AF_INET, src, p + 12);
		inet_pton(AF_INET, dst, p + 16);
		l4 = p + 20;
	} else {
		p[0] = 0x60;
		p[6] = (uint8_t)(frag ? 44 : proto);
		inet_pton(AF_INET6, src, p + 8);
		inet_pton(AF_INET6, dst, p + 24);
		l4 = p + 40;
		if (frag) {
			l4[0] = (uint8_t)proto;
			put16(l4 + 2, (uint16_t)(frag << 3));
			l4 += 8;
		}
	}
	put16(l4, (uint16_t)sport);
	put16(l4 + 2, (uint16_t)dport);
	l4[13] = flags;
	k.len = (size_t)(l4 + 20 - k.b);
	return k;
}

static struct moat_fw_rules *parse(const char *src, struct moat_error *err)
{
	return moat_fw_parse(src, strlen(src), "t.conf", NULL, err);
}

/* ---- parse errors ---- */

static void test_errors(void)
{
	static const struct { const char *src; int line, col; const char *msg; } cases[] = {
		{ "pass in proto tcp to port ssh2\n", 1, 27, "expected a port number, got 'ssh2'" },
		{ "pass in from $nope\n", 1, 14, "undefined macro '$nope'" },
		{ "\nblock in from <t>\n", 2, 16, "unknown table <t>" },
		{ "pass in from 10.0.0.0/33\n", 1, 14, "expected an address or prefix, got '10.0.0.0/33'" },
		{ "pass in to port 22\n", 1, 1, "pass: port needs 'proto tcp' or 'proto udp'" },
		{ "pass in proto tcp flags X/SA\n", 1, 25, "unknown TCP flag in 'X/SA' (flags are F S R P A U E W)" },
		{ "frobnicate\n", 1, 1, "expected 'pass', 'block', 'table', 'set' or a macro definition, got 'frobnicate'" },
		{ "pass in proto tcp to port { 22 \n", 1, 27, "'{' is never closed" },
		{ "pass keep\n", 1, 10, "expected 'state' at the end of the line" },
		{ "x = \"1.2.3.999\"\npass from $x\n", 2, 11, "expected an address or prefix, got '1.2.3.999'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct moat_error err;
		struct moat_fw_rules *rs = parse(cases[i].src, &err);
		ok(!rs, "error case %zu rejected", i);
		is_int(err.line, cases[i].line, "case %zu line", i);
		is_int(err.col, cases[i].col, "case %zu column", i);
		is_str(err.msg, cases[i].msg, "case %zu message", i);
		moat_fw_rules_free(rs);
	}
}

/* ---- canonical form round trip ---- */

static void test_roundtrip(void)
{
	const char *src = "campus = \"{ 198.51.100.0/24, 2001:db8:ca::/48 }\"\n"
			  "table <senders> { 192.0.2.1 192.0.2.0/28 }\n"
			  "set default block in\n"
			  "block in quick from !$campus to $campus\n"
			  "pass in proto tcp to port { 443 22 } keep state\n"
			  "pass in proto tcp from <senders> to port 25\n"
			  "pass in proto udp to port >= 1024 flags any label \"hi\"\n"
			  "pass out keep state\n";
	struct moat_error err;
	struct moat_fw_rules *rs = parse(src, &err);
	ok(rs != NULL, "example parses: %s", rs ? "" : err.msg);
	if (!rs)
		return;
	char *t1 = moat_fw_rules_format(rs);
	is_str(t1, "table <senders> { 192.0.2.1, 192.0.2.0/28 }\n"
		   "set default block in\nset default pass out\n"
		   "block in quick from ! { 198.51.100.0/24, 2001:db8:ca::/48 } to { 198.51.100.0/24, 2001:db8:ca::/48 }\n"
		   "pass in proto tcp to any port { 22 443 } keep state\n"
		   "pass in proto tcp from <senders> to any port 25\n"
		   "pass in proto udp to any port 1024:65535 label \"hi\"\n"
		   "pass out all keep state\n",
	       "canonical form");
	struct moat_fw_rules *rs2 = parse(t1, &err);
	ok(rs2 != NULL, "canonical form parses");
	char *t2 = rs2 ? moat_fw_rules_format(rs2) : NULL;
	is_str(t2 ? t2 : "", t1, "and prints the same");
	free(t1);
	free(t2);
	moat_fw_rules_free(rs);
	moat_fw_rules_free(rs2);
}

/* ---- verdicts ---- */

struct fw_case {
	struct moat_fw_rules *rs;
	struct moat_fw_prog *fp;
	struct moat_vm *vm;
	struct moat_fw_runner *run;
};

static bool fw_open(struct fw_case *c, const char *src, enum moat_fw_dir dir)
{
	struct moat_error err;
	memset(c, 0, sizeof(*c));
	c->rs = parse(src, &err);
	MOAT_OPTS(moat_fw_compile_opts, o, .hook = dir == MOAT_FW_OUT ? MOAT_FW_TC : MOAT_FW_XDP,
		  .dir = dir, .record_verdict = true);
	if (c->rs)
		c->fp = moat_fw_compile(c->rs, &o, &err);
	if (c->fp)
		c->vm = moat_vm_new(NULL, &err);
	if (c->vm)
		c->run = moat_fw_runner_new(c->vm, c->fp, &err);
	if (!c->run)
		diag("setup: %s (line %d col %d insn %ld)", err.msg, err.line, err.col, err.insn);
	return c->run != NULL;
}

static void fw_close(struct fw_case *c)
{
	moat_fw_runner_free(c->run);
	moat_vm_free(c->vm);
	moat_fw_prog_free(c->fp);
	moat_fw_rules_free(c->rs);
}

/* "P3" = pass by rule 3, "B0" = default block, "S2" = passed by state of rule 2 */
static const char *verdict(struct fw_case *c, struct pkt k)
{
	static char buf[32];
	struct moat_fw_verdict v;
	struct moat_error err;
	if (moat_fw_runner_run(c->run, k.b, k.len, &v, &err) < 0) {
		snprintf(buf, sizeof(buf), "error: %.20s", err.msg);
		return buf;
	}
	snprintf(buf, sizeof(buf), "%c%u", v.by_state ? 'S' : v.not_ip ? 'N' : v.truncated ? 'T' : v.pass ? 'P' : 'B',
		 v.rule);
	return buf;
}

static void test_verdicts(void)
{
	struct fw_case c;
	const char *src = "campus = \"{ 198.51.100.0/24, 2001:db8:ca::/48 }\"\n"
			  "table <senders> { 192.0.2.1 }\n"
			  "set default block in\n"
			  "block in quick from !$campus to $campus\n"	   /* 1 */
			  "pass in proto tcp to port { 22 443 } keep state\n" /* 2 */
			  "pass in proto tcp from <senders> to port 25\n"	   /* 3 */
			  "pass in inet6 proto icmp6\n"			   /* 4 */
			  "block in proto tcp to port 22 flags S/SA\n"	   /* 5 */
			  "pass in proto udp from 10.0.0.0/8 port 1000:2000\n"; /* 6 */
	if (!fw_open(&c, src, MOAT_FW_IN))
		return;
	is_str(verdict(&c, frame("198.51.100.7", "198.51.100.9", 6, 4000, 22, 0x10, 0, 0)), "P2",
	       "campus to campus port 22 (ACK): rule 2");
	is_str(verdict(&c, frame("198.51.100.7", "198.51.100.9", 6, 4001, 22, 0x02, 0, 0)), "B5",
	       "SYN to 22: last match rule 5 blocks");
	is_str(verdict(&c, frame("203.0.113.1", "198.51.100.9", 6, 4000, 443, 0x02, 0, 0)), "B1",
	       "outsider to campus: quick rule 1");
	is_str(verdict(&c, frame("192.0.2.1", "10.1.1.1", 6, 4000, 25, 0x02, 0, 0)), "P3",
	       "known sender to 25: rule 3");
	is_str(verdict(&c, frame("192.0.2.2", "10.1.1.1", 6, 4000, 25, 0x02, 0, 0)), "B0",
	       "unknown sender to 25: default");
	is_str(verdict(&c, frame("2001:db8::1", "2001:db8::2", 58, 0, 0, 0, 0, 0)), "P4",
	       "ICMPv6: rule 4");
	is_str(verdict(&c, frame("10.0.0.1", "10.1.1.1", 1, 0, 0, 0, 0, 0)), "B0", "ICMP v4: default");
	is_str(verdict(&c, frame("10.9.9.9", "10.1.1.1", 17, 1500, 53, 0, 0, 0)), "P6",
	       "UDP from port 1500: rule 6");
	is_str(verdict(&c, frame("10.9.9.9", "10.1.1.1", 17, 2001, 53, 0, 0, 0)), "B0",
	       "UDP from port 2001: default");
	is_str(verdict(&c, frame("10.9.9.9", "10.1.1.1", 17, 1500, 53, 0, 100, 0)), "P6",
	       "VLAN-tagged: same verdict");
	is_str(verdict(&c, frame("10.9.9.9", "10.1.1.1", 17, 1500, 53, 0, 0, 100)), "B0",
	       "non-first fragment has no ports: default");
	is_str(verdict(&c, frame("10.9.9.9", "10.1.1.1", 6, 5555, 443, 0x10, 0, 0)), "P2",
	       "TCP 443: rule 2 keeps state");
	is_str(verdict(&c, frame("10.1.1.1", "10.9.9.9", 6, 443, 5555, 0x10, 0, 0)), "S2",
	       "the reply passes by rule 2's state");
	struct pkt arp = { { 0 }, 60 };
	put16(arp.b + 12, 0x0806);
	is_str(verdict(&c, arp), "N0", "ARP passes untouched");
	struct pkt shortv4 = frame("10.9.9.9", "10.1.1.1", 6, 1, 2, 0, 0, 0);
	shortv4.len = 30;
	is_str(verdict(&c, shortv4), "T0", "truncated IPv4 header drops");
	fw_close(&c);

	if (fw_open(&c, "set default block\npass out proto udp keep state\n", MOAT_FW_OUT)) {
		is_str(verdict(&c, frame("10.0.0.1", "10.0.0.2", 17, 1, 2, 0, 0, 0)), "P1",
		       "TC egress: rule 1");
		is_str(verdict(&c, frame("10.0.0.1", "10.0.0.2", 6, 1, 2, 0, 0, 0)), "B0",
		       "TC egress: default block");
		fw_close(&c);
	}
}

static void test_check(void)
{
	struct moat_error err;
	struct moat_fw_rules *rs = parse("pass in proto tcp to port 22\n"
					 "block in quick all\n"
					 "pass in proto tcp to port 80\n"
					 "block in from 10.0.0.0/8\n"
					 "pass in from 10.1.0.0/16\n",
					 &err);
	char *w = rs ? moat_fw_check(rs, NULL, &err) : NULL;
	is_str(w ? w : err.msg,
	       "t.conf:1: rule 1 never matches: shadowed by rule 2\n"
	       "t.conf:3: rule 3 never matches: shadowed by rule 2\n"
	       "t.conf:4: rule 4 never matches: shadowed by rule 2\n"
	       "t.conf:5: rule 5 never matches: shadowed by rule 2\n",
	       "shadowing warnings");
	free(w);
	moat_fw_rules_free(rs);
}

/*
 * The classifier against a direct reading of pf's semantics: random rule
 * sets (actions, quick, protocols, negated prefixes, port ranges, a
 * default) and random packets; the VM's deciding rule must be the one a
 * loop over the rules finds.
 */
struct rrule {
	bool pass, quick, neg;
	int proto;	  /* 0 any, 6, 17, 1 */
	int a, b, plen;	  /* 10.a.b.0/plen (plen 0: any) */
	int lo, hi;	  /* destination ports, lo < 0: any */
};

static unsigned rnd_state = 12345;
static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 16) % n;
}

static bool rmatch(const struct rrule *r, int a, int b, int proto, int port)
{
	if (r->proto && r->proto != proto)
		return false;
	if (r->plen) {
		bool in = a == r->a && (r->plen == 16 || b == r->b);
		if (in == r->neg)
			return false;
	}
	return r->lo < 0 || (port >= r->lo && port <= r->hi);
}

static void test_random(void)
{
	int bad = 0, runs = 0;
	for (int set = 0; set < 40 && bad < 3; set++) {
		struct rrule rr[12];
		int n = 1 + (int)rnd(12);
		bool def_pass = rnd(2);
		char src[4096];
		size_t o = (size_t)snprintf(src, sizeof(src), "set default %s\n", def_pass ? "pass" : "block");
		for (int i = 0; i < n; i++) {
			struct rrule *r = &rr[i];
			static const int protos[] = { 0, 6, 17, 1 };
			r->pass = rnd(2);
			r->quick = rnd(4) == 0;
			r->proto = protos[rnd(4)];
			r->plen = rnd(3) == 0 ? 0 : rnd(2) ? 16 : 24;
			r->neg = r->plen && rnd(3) == 0;
			r->a = (int)rnd(3);
			r->b = (int)rnd(3);
			r->lo = (r->proto == 6 || r->proto == 17) && rnd(2) ? (int)rnd(6) * 10 : -1;
			r->hi = r->lo + (int)rnd(3) * 10;
			o += (size_t)snprintf(src + o, sizeof(src) - o, "%s in%s", r->pass ? "pass" : "block",
					      r->quick ? " quick" : "");
			if (r->proto)
				o += (size_t)snprintf(src + o, sizeof(src) - o, " proto %d", r->proto);
			if (r->plen)
				o += (size_t)snprintf(src + o, sizeof(src) - o, " from %s10.%d.%d.0/%d",
						      r->neg ? "! " : "", r->a, r->plen == 16 ? 0 : r->b, r->plen);
			if (r->lo >= 0)
				o += (size_t)snprintf(src + o, sizeof(src) - o, " to port %d:%d", r->lo, r->hi);
			o += (size_t)snprintf(src + o, sizeof(src) - o, "\n");
		}
		struct fw_case c;
		if (!fw_open(&c, src, MOAT_FW_IN)) {
			bad++;
			continue;
		}
		for (int k = 0; k < 40; k++) {
			static const int protos[] = { 6, 17, 1 };
			int a = (int)rnd(4), b = (int)rnd(4), proto = protos[rnd(3)];
			int port = (int)rnd(70);
			char ip[32];
			snprintf(ip, sizeof(ip), "10.%d.%d.9", a, b);
			int want = 0;
			for (int i = 0; i < n; i++)
				if (rmatch(&rr[i], a, b, proto, proto == 1 ? -100 : port)) {
					want = i + 1;
					if (rr[i].quick)
						break;
				}
			bool pass = want ? rr[want - 1].pass : def_pass;
			char exp[16];
			snprintf(exp, sizeof(exp), "%c%d", pass ? 'P' : 'B', want);
			const char *got = verdict(&c, frame(ip, "192.0.2.1", proto, 1234, port, 0, 0, 0));
			runs++;
			if (strcmp(got, exp) && bad++ < 3)
				diag("rules:\n%spacket 10.%d.%d.9 proto %d port %d: got %s, want %s", src, a,
				     b, proto, port, got, exp);
		}
		fw_close(&c);
	}
	ok(bad == 0, "%d random packets through 40 random rule sets decide as pf's rules say", runs);
}

int main(void)
{
	test_random();
	test_errors();
	test_roundtrip();
	test_verdicts();
	test_check();
	return tap_done();
}
