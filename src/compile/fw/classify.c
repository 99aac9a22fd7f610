/*
 * The classifier: rules to a decision table whose lookup cost does not
 * depend on the number of rules.
 *
 * Each packet field (source address, destination address, source port,
 * destination port, protocol with TCP flags, table memberships) is split
 * into classes: values that satisfy exactly the same rules' conditions on
 * that field.  A class is identified by its row, the bitset of rules whose
 * condition on the field holds; equal rows are one class.
 *
 *   - Addresses: every prefix named in a rule (plus ::/0 and the IPv4-mapped
 *     ::ffff:0:0/96) goes in one LPM trie.  All prefixes containing an
 *     address form a chain ending in its longest match, so the longest
 *     match alone decides which listed prefixes contain the address: the
 *     trie's value for a prefix is its (source, destination) class.  Sorted
 *     by address then length, the prefixes inside a prefix are contiguous,
 *     so each rule marks a range.
 *   - Ports: the elementary intervals between the rules' range ends, plus
 *     "no port" (non-first fragments, protocols without ports).
 *   - Protocol and TCP flags: the slot proto << 8 | flags.
 *   - Tables stay maps updatable at run time: each (table, side) a rule
 *     uses is one bit of the key.
 *
 * The decision table maps a tuple of classes to the deciding rule: the
 * intersection of the rows holds the matching rules, and pf's order picks
 * the first matching quick rule, else the last match.  Tuples whose
 * intersection is empty need no entry (a miss means the default), and the
 * enumeration stops descending as soon as a partial intersection is empty,
 * which keeps the table near the number of distinct situations the rules
 * describe rather than the product of the class counts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile/fw/fw_internal.h"

#define MAX_ENTRIES 4000000u

struct rows {
	size_t w;	 /* words per row */
	VEC(uint64_t) d; /* class rows, w words each */
	uint32_t *ht;	 /* hash slots: class + 1, 0 empty */
	size_t ht_cap;
};

struct cls_ctx {
	const struct moat_fw_rules *rs;
	VEC(uint32_t) act; /* active rules: indices into rs->rules */
	size_t w;
	uint64_t *quick;
	struct rows rows[FW_NDIM];
	struct fw_plan *p;
	uint32_t *shadow; /* per active rule: decider seen when it matched (+1), ~0u many */
	struct moat_error *err;
};

static uint64_t row_hash(const uint64_t *r, size_t w)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < w; i++) {
		h = (h ^ r[i]) * 1099511628211ull;
		h ^= h >> 32;
	}
	/* final avalanche (murmur3's fmix64): the slot uses the low bits */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

static int rows_grow(struct rows *rs)
{
	size_t cap = rs->ht_cap ? rs->ht_cap * 2 : 64;
	uint32_t *ht = calloc(cap, sizeof(*ht));
	if (!ht)
		return -ENOMEM;
	size_t n = rs->d.n / rs->w;
	for (size_t c = 0; c < n; c++) {
		size_t h = row_hash(rs->d.v + c * rs->w, rs->w) & (cap - 1);
		while (ht[h])
			h = (h + 1) & (cap - 1);
		ht[h] = (uint32_t)c + 1;
	}
	free(rs->ht);
	rs->ht = ht;
	rs->ht_cap = cap;
	return 0;
}

/* The class of `row` (added when new); negative errno. */
static int64_t rows_intern(struct rows *rs, const uint64_t *row)
{
	size_t n = rs->d.n / rs->w;
	if ((n + 1) * 2 > rs->ht_cap && rows_grow(rs) < 0)
		return -ENOMEM;
	size_t h = row_hash(row, rs->w) & (rs->ht_cap - 1);
	while (rs->ht[h]) {
		uint32_t c = rs->ht[h] - 1;
		if (!memcmp(rs->d.v + (size_t)c * rs->w, row, rs->w * 8))
			return c;
		h = (h + 1) & (rs->ht_cap - 1);
	}
	if (vec_reserve(&rs->d, rs->w) < 0)
		return -ENOMEM;
	memcpy(rs->d.v + rs->d.n, row, rs->w * 8);
	rs->d.n += rs->w;
	rs->ht[h] = (uint32_t)n + 1;
	return (int64_t)n;
}

static inline void bset(uint64_t *r, size_t k)
{
	r[k / 64] |= 1ull << (k % 64);
}

static inline void bclr(uint64_t *r, size_t k)
{
	r[k / 64] &= ~(1ull << (k % 64));
}

static int cmp_prefix(const void *a, const void *b)
{
	const struct fw_prefix *x = a, *y = b;
	int c = memcmp(x->a, y->a, 16);
	return c ? c : (int)x->plen - (int)y->plen;
}

/* Index of the first prefix >= key in sorted v[0..n). */
static size_t lower_bound(const struct fw_prefix *v, size_t n, const struct fw_prefix *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_prefix(&v[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Marks (or clears) bit k for prefixes inside q in the matrix m. */
static void mark_inside(const struct fw_plan *p, uint64_t *m, size_t w, const struct fw_prefix *q,
			size_t k, bool set)
{
	size_t i = lower_bound(p->pfx.v, p->pfx.n, q);
	for (; i < p->pfx.n && fw_prefix_contains(q, &p->pfx.v[i]); i++)
		set ? bset(m + i * w, k) : bclr(m + i * w, k);
}

static const struct fw_prefix v4_root = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 96 };

static int addr_side(struct cls_ctx *c, int side, uint64_t *m)
{
	struct fw_plan *p = c->p;
	size_t w = c->w, np = p->pfx.n;
	memset(m, 0, np * w * 8);
	for (size_t k = 0; k < c->act.n; k++) {
		const struct fw_rule *r = &c->rs->rules.v[c->act.v[k]];
		const struct fw_host *h = side ? &r->to : &r->from;
		bool list = h->kind == FW_HOST_LIST;
		for (size_t i = 0; (!list || h->neg) && i < np; i++)
			bset(m + i * w, k);
		for (size_t j = 0; list && j < h->pfx.n; j++)
			mark_inside(p, m, w, &h->pfx.v[j], k, !h->neg);
		if (r->af) { /* the address family: only on the source side */
			for (size_t i = 0; side == 0 && i < np; i++)
				if (fw_prefix_contains(&v4_root, &p->pfx.v[i]) != (r->af == 4))
					bclr(m + i * w, k);
		}
	}
	for (size_t i = 0; i < np; i++) {
		int64_t cl = rows_intern(&c->rows[side ? FW_D_ADDR_DST : FW_D_ADDR_SRC], m + i * w);
		if (cl < 0)
			return moat_error_set(c->err, ENOMEM, "out of memory");
		p->pfx_cls.v[2 * i + side] = (uint32_t)cl;
	}
	return 0;
}

static int build_addr(struct cls_ctx *c)
{
	struct fw_plan *p = c->p;
	static const struct fw_prefix root = { { 0 }, 0 };
	if (vec_push(&p->pfx, root) < 0 || vec_push(&p->pfx, v4_root) < 0)
		return moat_error_set(c->err, ENOMEM, "out of memory");
	for (size_t k = 0; k < c->act.n; k++) {
		const struct fw_rule *r = &c->rs->rules.v[c->act.v[k]];
		for (int s = 0; s < 2; s++) {
			const struct fw_host *h = s ? &r->to : &r->from;
			for (size_t j = 0; j < h->pfx.n; j++)
				if (vec_push(&p->pfx, h->pfx.v[j]) < 0)
					return moat_error_set(c->err, ENOMEM, "out of memory");
		}
	}
	qsort(p->pfx.v, p->pfx.n, sizeof(*p->pfx.v), cmp_prefix);
	size_t o = 0;
	for (size_t i = 0; i < p->pfx.n; i++)
		if (!o || cmp_prefix(&p->pfx.v[o - 1], &p->pfx.v[i]))
			p->pfx.v[o++] = p->pfx.v[i];
	p->pfx.n = o;
	uint64_t *m = malloc(o * c->w * 8 + 8);
	if (!m || vec_reserve(&p->pfx_cls, 2 * o) < 0) {
		free(m);
		return moat_error_set(c->err, ENOMEM, "out of memory");
	}
	p->pfx_cls.n = 2 * o;
	int r = addr_side(c, 0, m);
	if (r == 0)
		r = addr_side(c, 1, m);
	free(m);
	return r;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int build_ports_side(struct cls_ctx *c, int side)
{
	struct fw_plan *p = c->p;
	VEC(uint32_t) cut = { 0 };
	int e = vec_push(&cut, 0u);
	for (size_t k = 0; e == 0 && k < c->act.n; k++) {
		const struct fw_ports *ps = side ? &c->rs->rules.v[c->act.v[k]].dport
						 : &c->rs->rules.v[c->act.v[k]].sport;
		for (size_t j = 0; e == 0 && j < ps->r.n; j++) {
			e = vec_push(&cut, (uint32_t)ps->r.v[j].lo);
			if (e == 0)
				e = vec_push(&cut, (uint32_t)ps->r.v[j].hi + 1);
		}
	}
	if (e == 0)
		e = vec_push(&cut, 65536u);
	if (e < 0) {
		vec_release(&cut);
		return moat_error_set(c->err, ENOMEM, "out of memory");
	}
	qsort(cut.v, cut.n, sizeof(*cut.v), cmp_u32);
	size_t o = 0;
	for (size_t i = 0; i < cut.n; i++)
		if (!o || cut.v[o - 1] != cut.v[i])
			cut.v[o++] = cut.v[i];
	cut.n = o; /* intervals [cut[i], cut[i+1]) for i < n - 1; then "no port" */
	size_t ni = cut.n - 1, w = c->w;
	uint64_t *m = calloc((ni + 1) * w + 1, 8);
	if (!m) {
		vec_release(&cut);
		return moat_error_set(c->err, ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < c->act.n; k++) {
		const struct fw_ports *ps = side ? &c->rs->rules.v[c->act.v[k]].dport
						 : &c->rs->rules.v[c->act.v[k]].sport;
		if (!ps->set) {
			for (size_t i = 0; i <= ni; i++)
				bset(m + i * w, k);
			continue;
		}
		for (size_t j = 0; j < ps->r.n; j++) {
			uint32_t lo = ps->r.v[j].lo;
			size_t i = (size_t)((uint32_t *)bsearch(&lo, cut.v, cut.n, 4, cmp_u32) - cut.v);
			for (; i < ni && cut.v[i] <= ps->r.v[j].hi; i++)
				bset(m + i * w, k);
		}
	}
	int r = 0;
	for (size_t i = 0; r == 0 && i <= ni; i++) {
		int64_t cl = rows_intern(&c->rows[side ? FW_D_DPORT : FW_D_SPORT], m + i * w);
		if (cl < 0) {
			r = moat_error_set(c->err, ENOMEM, "out of memory");
			break;
		}
		if (i == ni) {
			p->port_cls[FW_NOPORT * 2 + side] = (uint32_t)cl;
			break;
		}
		for (uint32_t v = cut.v[i]; v < cut.v[i + 1]; v++)
			p->port_cls[v * 2 + side] = (uint32_t)cl;
	}
	free(m);
	vec_release(&cut);
	return r;
}

static bool l4_ok(const struct fw_rule *r, unsigned proto, unsigned flags)
{
	if (r->proto_set && !((r->protos[proto / 64] >> (proto % 64)) & 1))
		return false;
	if (r->flags_set)
		return proto == 6 && (flags & r->mask) == r->flags;
	if (proto == 6 && fw_rule_implicit_syn(r)) /* pf's S/SA */
		return (flags & 0x12) == 0x02;
	return true;
}

static int build_l4(struct cls_ctx *c)
{
	size_t w = c->w;
	uint64_t *row = malloc(w * 8 + 8);
	if (!row)
		return moat_error_set(c->err, ENOMEM, "out of memory");
	int64_t proto_cls[256];
	for (unsigned proto = 0; proto < 256; proto++) {
		for (unsigned fl = 0; fl < (proto == 6 ? 256u : 1u); fl++) {
			memset(row, 0, w * 8);
			for (size_t k = 0; k < c->act.n; k++)
				if (l4_ok(&c->rs->rules.v[c->act.v[k]], proto, fl))
					bset(row, k);
			int64_t cl = rows_intern(&c->rows[FW_D_L4], row);
			if (cl < 0) {
				free(row);
				return moat_error_set(c->err, ENOMEM, "out of memory");
			}
			proto_cls[proto] = cl;
			c->p->l4_cls[proto << 8 | fl] = (uint32_t)cl;
		}
		for (unsigned fl = proto == 6 ? 256u : 1u; fl < 256; fl++)
			c->p->l4_cls[proto << 8 | fl] = (uint32_t)proto_cls[proto];
	}
	free(row);
	return 0;
}

static int tref_of(struct fw_plan *p, int table, int side)
{
	for (int i = 0; i < p->ntrefs; i++)
		if (p->trefs[i].table == table && p->trefs[i].side == side)
			return i;
	return -1;
}

static int build_tbits(struct cls_ctx *c)
{
	struct fw_plan *p = c->p;
	for (size_t k = 0; k < c->act.n; k++) {
		const struct fw_rule *r = &c->rs->rules.v[c->act.v[k]];
		for (int s = 0; s < 2; s++) {
			const struct fw_host *h = s ? &r->to : &r->from;
			if (h->kind != FW_HOST_TABLE || tref_of(p, h->table, s) >= 0)
				continue;
			if (p->ntrefs == 8)
				return moat_error_at(c->err, E2BIG, c->rs->file, r->line, r->col,
						     "more than 8 table references (table, "
						     "from/to) in one direction");
			p->trefs[p->ntrefs++] = (struct fw_tref){ h->table, s };
		}
	}
	uint64_t *row = malloc(c->w * 8 + 8);
	if (!row)
		return moat_error_set(c->err, ENOMEM, "out of memory");
	for (uint32_t v = 0; v < (1u << p->ntrefs); v++) {
		memset(row, 0, c->w * 8);
		for (size_t k = 0; k < c->act.n; k++) {
			const struct fw_rule *r = &c->rs->rules.v[c->act.v[k]];
			bool ok = true;
			for (int s = 0; s < 2; s++) {
				const struct fw_host *h = s ? &r->to : &r->from;
				if (h->kind == FW_HOST_TABLE)
					ok &= (((v >> tref_of(p, h->table, s)) & 1) != 0) != h->neg;
			}
			if (ok)
				bset(row, k);
		}
		/* every value is its own class: the key carries the bits as they are */
		struct rows *rw = &c->rows[FW_D_TBITS];
		if (vec_reserve(&rw->d, c->w) < 0) {
			free(row);
			return moat_error_set(c->err, ENOMEM, "out of memory");
		}
		memcpy(rw->d.v + rw->d.n, row, c->w * 8);
		rw->d.n += c->w;
	}
	free(row);
	return 0;
}

/* The deciding rule among the matches in acc (active index), pf's order. */
static size_t decide(const struct cls_ctx *c, const uint64_t *acc)
{
	for (size_t i = 0; i < c->w; i++)
		if (acc[i] & c->quick[i])
			return i * 64 + (size_t)__builtin_ctzll(acc[i] & c->quick[i]);
	for (size_t i = c->w; i-- > 0;)
		if (acc[i])
			return i * 64 + 63 - (size_t)__builtin_clzll(acc[i]);
	return (size_t)-1;
}

static int enumerate(struct cls_ctx *c, int d, uint64_t *acc, uint32_t *cls)
{
	size_t w = c->w;
	if (d == FW_NDIM) {
		size_t k = decide(c, acc);
		struct fw_plan_entry e;
		memcpy(e.cls, cls, sizeof(e.cls));
		e.rule = c->act.v[k] + 1;
		if (c->p->ent.n >= MAX_ENTRIES)
			return moat_error_set(c->err, E2BIG,
					      "the rules need more than %u classifier entries; "
					      "use tables for long address lists", MAX_ENTRIES);
		if (vec_push(&c->p->ent, e) < 0)
			return moat_error_set(c->err, ENOMEM, "out of memory");
		c->p->decides[e.rule] = true;
		for (size_t i = 0; i < w; i++)
			for (uint64_t b = acc[i]; b; b &= b - 1) {
				size_t j = i * 64 + (size_t)__builtin_ctzll(b);
				if (j != k)
					c->shadow[j] = c->shadow[j] == 0 || c->shadow[j] == e.rule
							       ? e.rule : ~0u;
			}
		return 0;
	}
	uint64_t *next = acc + w;
	const struct rows *rw = &c->rows[d];
	size_t n = rw->d.n / w;
	for (size_t ci = 0; ci < n; ci++) {
		uint64_t any = 0;
		for (size_t i = 0; i < w; i++)
			any |= next[i] = acc[i] & rw->d.v[ci * w + i];
		if (!any)
			continue;
		cls[d] = (uint32_t)ci;
		int r = enumerate(c, d + 1, next, cls);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool rule_active(const struct fw_rule *r, enum fw_dir dir, const char *iface)
{
	if (r->dir && r->dir != dir)
		return false;
	return !r->iface[0] || !iface || !strcmp(r->iface, iface);
}

static int plan_rows(struct cls_ctx *c)
{
	int r = build_addr(c);
	if (r == 0)
		r = build_ports_side(c, 0);
	if (r == 0)
		r = build_ports_side(c, 1);
	if (r == 0)
		r = build_l4(c);
	if (r == 0)
		r = build_tbits(c);
	return r;
}

int fw_plan_build(const struct moat_fw_rules *rs, enum fw_dir dir, const char *iface,
		  struct fw_plan *p, struct moat_error *err)
{
	memset(p, 0, sizeof(*p));
	p->dir = dir;
	p->default_pass = rs->default_pass[dir];
	struct cls_ctx c = { .rs = rs, .p = p, .err = err };
	int r = 0;
	/* State made in either direction lets replies through the other one,
	 * so both programs consult it when any rule keeps state. */
	for (size_t i = 0; r == 0 && i < rs->rules.n; i++) {
		p->any_state |= rs->rules.v[i].keep_state && rs->rules.v[i].pass;
		if (rule_active(&rs->rules.v[i], dir, iface))
			r = vec_push(&c.act, (uint32_t)i);
	}
	c.w = (c.act.n + 63) / 64 + 1;
	p->port_cls = calloc((FW_NOPORT + 1) * 2, sizeof(uint32_t));
	p->l4_cls = calloc(FW_L4_SLOTS, sizeof(uint32_t));
	p->decides = calloc(rs->rules.n + 1, sizeof(bool));
	c.quick = calloc(c.w, 8);
	c.shadow = calloc(c.act.n + 1, sizeof(uint32_t));
	uint64_t *acc = calloc((FW_NDIM + 1) * c.w, 8);
	uint32_t cls[FW_NDIM] = { 0 };
	if (r < 0 || !p->port_cls || !p->l4_cls || !p->decides || !c.quick || !c.shadow || !acc)
		r = moat_error_set(err, ENOMEM, "out of memory");
	for (int d = 0; d < FW_NDIM; d++)
		c.rows[d].w = c.w;
	for (size_t k = 0; r == 0 && k < c.act.n; k++) {
		bset(acc, k);
		if (rs->rules.v[c.act.v[k]].quick)
			bset(c.quick, k);
	}
	if (r == 0)
		r = plan_rows(&c);
	if (r == 0 && c.act.n)
		r = enumerate(&c, 0, acc, cls);
	for (int d = 0; d < FW_NDIM; d++) {
		p->ncls[d] = (uint32_t)(c.rows[d].d.n / c.w);
		vec_release(&c.rows[d].d);
		free(c.rows[d].ht);
	}
	p->shadow = c.shadow;
	p->active = c.act.v;
	p->nactive = c.act.n;
	free(c.quick);
	free(acc);
	if (r < 0)
		fw_plan_release(p);
	return r;
}

void fw_plan_release(struct fw_plan *p)
{
	vec_release(&p->pfx);
	vec_release(&p->pfx_cls);
	vec_release(&p->ent);
	free(p->port_cls);
	free(p->l4_cls);
	free(p->decides);
	free(p->shadow);
	free(p->active);
	memset(p, 0, sizeof(*p));
}

static void warn_rule(const struct moat_fw_rules *rs, size_t i, const struct fw_plan *pl[2],
		      struct sbuf *b)
{
	const struct fw_rule *r = &rs->rules.v[i];
	uint32_t by = 0;
	bool active = false, many = false;
	for (int d = 0; d < 2; d++) {
		if (!pl[d])
			continue;
		for (size_t k = 0; k < pl[d]->nactive; k++) {
			if (pl[d]->active[k] != i)
				continue;
			active = true;
			if (pl[d]->decides[i + 1])
				return;
			uint32_t s = pl[d]->shadow[k];
			if (s == ~0u || (s && by && s != by))
				many = true;
			else if (s)
				by = s;
		}
	}
	if (!active)
		return;
	sbuf_printf(b, "%s:%d: rule %zu never matches", rs->file, r->line, i + 1);
	if (many)
		sbuf_printf(b, ": shadowed by other rules\n");
	else if (by)
		sbuf_printf(b, ": shadowed by rule %u\n", by);
	else
		sbuf_printf(b, ": no packet satisfies it\n");
}

void fw_plan_warnings(const struct moat_fw_rules *rs, const struct fw_plan *in,
		      const struct fw_plan *out, struct sbuf *b)
{
	const struct fw_plan *pl[2] = { in, out };
	for (size_t i = 0; i < rs->rules.n; i++)
		warn_rule(rs, i, pl, b);
}
