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
	is_str(verdict(&c, frame("198.51.100.7", "198.51.100.9", 6, 4000, 22, 0x10, 0, 0)), "B0",
	       "campus to campus port 22, ACK without state: rule 2's implicit S/SA, default");
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
	is_str(verdict(&c, frame("10.9.9.9", "10.1.1.1", 6, 5555, 443, 0x02, 0, 0)), "P2",
	       "TCP 443 SYN: rule 2 keeps state");
	is_str(verdict(&c, frame("10.1.1.1", "10.9.9.9", 6, 443, 5555, 0x12, 0, 0)), "S2",
	       "the reply passes by rule 2's state");
	is_str(verdict(&c, frame("10.9.9.9", "10.1.1.1", 6, 5555, 443, 0x10, 0, 0)), "S2",
	       "and the next packet of the connection");
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

/* pf's implicit `flags S/SA` on keep state, and `flags any` that lifts it. */
static void test_implicit_syn(void)
{
	struct fw_case c;
	if (!fw_open(&c, "set default block in\npass in proto { tcp udp } to port 80 keep state\n"
			 "pass in proto tcp to port 81 flags any keep state\n", MOAT_FW_IN))
		return;
	is_str(verdict(&c, frame("10.0.0.1", "10.0.0.2", 6, 1000, 80, 0x10, 0, 0)), "B0",
	       "keep state: an ACK without state does not match (S/SA)");
	is_str(verdict(&c, frame("10.0.0.1", "10.0.0.2", 6, 1000, 80, 0x12, 0, 0)), "B0",
	       "nor a SYN+ACK");
	is_str(verdict(&c, frame("10.0.0.1", "10.0.0.2", 6, 1000, 80, 0x02, 0, 0)), "P1",
	       "a SYN matches and creates state");
	is_str(verdict(&c, frame("10.0.0.1", "10.0.0.2", 6, 1000, 80, 0x10, 0, 0)), "S1",
	       "then the ACK passes by state");
	is_str(verdict(&c, frame("10.0.0.1", "10.0.0.2", 17, 1000, 80, 0, 0, 0)), "P1",
	       "UDP of the same rule is not affected");
	is_str(verdict(&c, frame("10.0.0.1", "10.0.0.2", 6, 1000, 81, 0x10, 0, 0)), "P2",
	       "flags any: an ACK creates state");
	fw_close(&c);
	struct moat_error err;
	struct moat_fw_rules *rs = parse("set default pass\npass proto tcp flags any keep state\n", &err);
	char *t = rs ? moat_fw_rules_format(rs) : NULL;
	is_str(t ? t : "", "set default pass\npass proto tcp all flags any keep state\n", "flags any is printed with keep state");
	free(t);
	moat_fw_rules_free(rs);
}

/* An IPv6 frame whose extension headers are `ext` (types, each 8 bytes
 * long, AH 16), then UDP from port 1000 to `dport`. */
static struct pkt v6_ext(const int *ext, int n, int dport, int frag_off)
{
	struct pkt k = { { 0 }, 0 };
	uint8_t *p = k.b + 12;
	put16(p, 0x86dd);
	p += 2;
	p[0] = 0x60;
	inet_pton(AF_INET6, "2001:db8::1", p + 8);
	inet_pton(AF_INET6, "2001:db8::2", p + 24);
	uint8_t *nh = p + 6, *q = p + 40;
	for (int i = 0; i < n; i++) {
		*nh = (uint8_t)ext[i];
		nh = q;
		if (ext[i] == 51) {
			q[1] = 2; /* (2 + 2) * 4 = 16 bytes */
			q += 16;
		} else if (ext[i] == 44) {
			put16(q + 2, (uint16_t)(frag_off << 3));
			q += 8;
		} else {
			q[1] = 0;
			q += 8;
		}
	}
	*nh = 17;
	put16(q, 1000);
	put16(q + 2, (uint16_t)dport);
	put16(q + 4, 8);
	k.len = (size_t)(q + 8 - k.b);
	return k;
}

static void test_v6_ext(void)
{
	struct fw_case c;
	if (!fw_open(&c, "set default block in\npass in inet6 proto udp to port 53\n", MOAT_FW_IN))
		return;
	static const int hbh[] = { 0 }, many[] = { 0, 60, 43, 44, 51, 60 }, seven[] = { 0, 60, 43, 60, 60, 60, 60 };
	is_str(verdict(&c, v6_ext(NULL, 0, 53, 0)), "P1", "IPv6 UDP 53 without extension headers");
	is_str(verdict(&c, v6_ext(hbh, 1, 53, 0)), "P1", "behind a hop-by-hop header");
	is_str(verdict(&c, v6_ext(hbh, 1, 54, 0)), "B0", "port 54 behind hop-by-hop: default");
	is_str(verdict(&c, v6_ext(many, 6, 53, 0)), "P1",
	       "behind hop-by-hop, dest opts, routing, fragment, AH, dest opts");
	is_str(verdict(&c, v6_ext(many, 6, 53, 7)), "B0", "a non-first fragment has no ports");
	is_str(verdict(&c, v6_ext(seven, 7, 53, 0)), "B0",
	       "more than 6 extension headers: no ports, the default");
	struct pkt cut = v6_ext(many, 6, 53, 0);
	cut.len = 14 + 40 + 8 + 4;
	is_str(verdict(&c, cut), "T0", "an extension header cut short drops");
	fw_close(&c);
}

/* `log` rules emit one record per packet they decide, with its fields. */
static void test_log(void)
{
	struct fw_case c;
	if (!fw_open(&c, "set default block in\npass in log proto udp to port 53\n"
			 "block in log quick proto tcp from 10.0.0.9\npass in proto icmp\n", MOAT_FW_IN))
		return;
	struct moat_fw_stats st;
	moat_fw_prog_stats(c.fp, &st);
	ok(st.logs && moat_fw_prog_map(c.fp, MOAT_FW_MAP_LOG) >= 0, "a logging program has a ring buffer");
	struct pkt k = frame("10.0.0.1", "10.0.0.2", 17, 1000, 53, 0, 0, 0);
	struct moat_fw_verdict v;
	struct moat_error err;
	ok(moat_fw_runner_run(c.run, k.b, k.len, &v, &err) == 0 && v.pass && v.rule == 1 && v.log,
	   "UDP 53: rule 1 passes and logs");
	const struct moat_fw_log_record *rec = moat_fw_runner_log(c.run);
	ok(rec != NULL, "one record");
	if (rec) {
		uint8_t src[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 1 };
		ok(rec->rule == 1 && rec->action == 1 && rec->dir == MOAT_FW_IN && rec->proto == 17 &&
			   rec->sport == 1000 && rec->dport == 53 && rec->len == k.len &&
			   rec->caplen == k.len && !memcmp(rec->src, src, 16) &&
			   !memcmp(rec->data, k.b, k.len),
		   "the record: rule, action, direction, 5-tuple, length and the frame");
	}
	k = frame("10.0.0.9", "10.0.0.2", 6, 1000, 80, 0x02, 0, 0);
	ok(moat_fw_runner_run(c.run, k.b, k.len, &v, &err) == 0 && !v.pass && v.log &&
		   (rec = moat_fw_runner_log(c.run)) && rec->action == 0 && rec->rule == 2 &&
		   rec->tcp_flags == 0x02 && rec->caplen == k.len,
	   "a blocked TCP SYN is logged as blocked by rule 2");
	struct pkt big = { { 0 }, 0 };
	k = frame("10.0.0.1", "10.0.0.2", 17, 1000, 53, 0, 0, 0);
	memcpy(big.b, k.b, k.len);
	big.len = 203; /* longer than the capture length, not a multiple of 8 */
	ok(moat_fw_runner_run(c.run, big.b, big.len, &v, &err) == 0 &&
		   (rec = moat_fw_runner_log(c.run)) && rec->caplen == MOAT_FW_LOG_CAPLEN &&
		   rec->len == 203,
	   "a long frame keeps its first %d bytes", MOAT_FW_LOG_CAPLEN);
	k = frame("10.0.0.1", "10.0.0.2", 17, 1000, 53, 0, 0, 0);
	k.len = 14 + 20 + 8 + 3;
	ok(moat_fw_runner_run(c.run, k.b, k.len, &v, &err) == 0 &&
		   (rec = moat_fw_runner_log(c.run)) && rec->caplen == k.len,
	   "a short frame of %zu bytes is kept whole", k.len);
	k = frame("10.0.0.1", "10.0.0.2", 1, 0, 0, 0, 0, 0);
	ok(moat_fw_runner_run(c.run, k.b, k.len, &v, &err) == 0 && v.pass && !v.log &&
		   !moat_fw_runner_log(c.run),
	   "a rule without log emits nothing");
	fw_close(&c);
	if (fw_open(&c, "pass in proto udp\n", MOAT_FW_IN)) {
		moat_fw_prog_stats(c.fp, &st);
		ok(!st.logs && moat_fw_prog_map(c.fp, MOAT_FW_MAP_LOG) < 0,
		   "no rule logs: no ring buffer");
		fw_close(&c);
	}
	if (fw_open(&c, "pass out log proto udp\n", MOAT_FW_OUT)) {
		k = frame("10.0.0.1", "10.0.0.2", 17, 1000, 53, 0, 0, 0);
		ok(moat_fw_runner_run(c.run, k.b, k.len, &v, &err) == 0 &&
			   (rec = moat_fw_runner_log(c.run)) && rec->dir == MOAT_FW_OUT && rec->caplen == k.len,
		   "TC egress logs too");
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
	test_implicit_syn();
	test_v6_ext();
	test_log();
	return tap_done();
}
