/*
 * BPF programs hidden from bpf(2).  An eBPF rootkit can filter the
 * bpf(BPF_PROG_GET_NEXT_ID) replies so that `bpftool prog` does not list
 * it, but its JIT-compiled code is still named in /proc/kallsyms
 * ("ADDR t bpf_prog_TAG_NAME [bpf]").  Every such address must belong to a
 * program the inventory lists (each program reports the addresses of its
 * main function and subprograms); one that belongs to none is hidden.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit_internal.h"
#include "util/cleanup.h"

#define G "hiding"
#define MAX_CAND 64

size_t audit_kallsyms_bpf(const char *kallsyms, void (*fn)(uint64_t addr, const char *name, void *arg),
			  void *arg)
{
	size_t n = 0;
	for (const char *p = kallsyms; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512], name[256], mod[32];
		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), p);
		p += len + (nl ? 1 : 0);
		uint64_t addr;
		if (sscanf(line, "%" SCNx64 " %*s %255s %31s", &addr, name, mod) != 3 ||
		    strcmp(mod, "[bpf]") || strncmp(name, "bpf_prog_", 9))
			continue;
		n++;
		if (fn)
			fn(addr, name, arg);
	}
	return n;
}

/* Whether bpf(2) gave program addresses at all (it zeroes them when kallsyms would hide them). */
static bool inventory_has_addresses(const struct moat_kinv *inv)
{
	bool progs = false;
	for (size_t i = 0; i < inv->n; i++)
		for (size_t k = 0; k < inv->objs[i].nksyms; k++) {
			if (inv->objs[i].ksyms[k])
				return true;
			progs = true;
		}
	return !progs; /* no JIT-compiled program listed at all: nothing was zeroed */
}

static bool owned(const struct moat_kinv *inv, uint64_t addr)
{
	for (size_t i = 0; i < inv->n; i++)
		for (size_t k = 0; k < inv->objs[i].nksyms; k++)
			if (inv->objs[i].ksyms[k] == addr)
				return true;
	return false;
}

struct cand {
	uint64_t addr;
	char name[96];
	bool gone; /* left kallsyms, or an inventory listed it: not hidden */
};

struct scan {
	const struct moat_kinv *inv;
	struct cand c[MAX_CAND];
	size_t n, total, zero;
};

static void first_pass(uint64_t addr, const char *name, void *arg)
{
	struct scan *s = arg;
	s->total++;
	s->zero += addr == 0;
	if (addr && !owned(s->inv, addr) && s->n < MAX_CAND) {
		s->c[s->n].addr = addr;
		snprintf(s->c[s->n].name, sizeof(s->c[s->n].name), "%s", name);
		s->c[s->n++].gone = false;
	}
}

static void still_there(uint64_t addr, const char *name, void *arg)
{
	struct scan *s = arg;
	for (size_t i = 0; i < s->n; i++)
		if (s->c[i].addr == addr && !strcmp(s->c[i].name, name))
			s->c[i].gone = false;
}

/*
 * Programs load and unload while moat looks (this run's own task iterator
 * among them, freed a moment ago).  The kernel drops a freed program from
 * bpf(2)'s id table at once but from kallsyms only after an RCU grace
 * period, longer on a loaded machine.  A candidate must stay in kallsyms and
 * stay out of freshly collected inventories for five rounds, 50 ms to
 * 800 ms apart (1.5 s in all, spent only when there is a candidate).
 */
static void recheck(struct audit_ctx *c, struct scan *s)
{
	for (int round = 0; round < 5; round++) {
		usleep(50000u << round);
		struct moat_kinv *inv = moat_kinv_collect(NULL);
		MOAT_AUTO(free) char *ks = NULL;
		if (!inv || audit_read(c, "proc/kallsyms", &ks) < 0) {
			moat_kinv_free(inv);
			return;
		}
		bool seen[MAX_CAND];
		for (size_t i = 0; i < s->n; i++) {
			seen[i] = !s->c[i].gone;
			s->c[i].gone = true;
		}
		audit_kallsyms_bpf(ks, still_there, s);
		for (size_t i = 0; i < s->n; i++)
			s->c[i].gone = s->c[i].gone || !seen[i] || owned(inv, s->c[i].addr);
		moat_kinv_free(inv);
	}
}

void audit_hiding_bpf(struct audit_ctx *c)
{
	const char *id = "hiding.bpf_programs";
	if (!c->inv) {
		audit_add(c, id, G, MOAT_AUDIT_INFO, NULL, "JIT-compiled programs vs bpf(2): %s", c->inv_why);
		return;
	}
	MOAT_AUTO(free) char *ks = NULL;
	char eb[128];
	int r = audit_read(c, "proc/kallsyms", &ks);
	if (r < 0) {
		audit_add(c, id, G, MOAT_AUDIT_INFO, NULL, "proc/kallsyms: %s", audit_read_error(r, eb, sizeof(eb)));
		return;
	}
	struct scan *s = calloc(1, sizeof(*s));
	if (!s)
		return;
	s->inv = c->inv;
	audit_kallsyms_bpf(ks, first_pass, s);
	if ((s->total && s->zero == s->total) || !inventory_has_addresses(c->inv)) {
		audit_add(c, id, G, MOAT_AUDIT_INFO, "run as root with kernel.kptr_restrict below 2",
			  "JIT-compiled programs vs bpf(2): %s hides addresses",
			  s->total && s->zero == s->total ? "proc/kallsyms" : "bpf(2)");
		free(s);
		return;
	}
	if (c->live && s->n)
		recheck(c, s);
	size_t hidden = 0;
	for (size_t i = 0; i < s->n; i++)
		hidden += !s->c[i].gone;
	if (!hidden)
		audit_add(c, id, G, MOAT_AUDIT_OK, NULL,
			  "each of the %zu JIT-compiled BPF functions in proc/kallsyms belongs to a "
			  "program bpf(2) lists", s->total);
	else
		audit_add(c, id, G, MOAT_AUDIT_RISK,
			  "a program the kernel runs but bpf(2) does not list is an eBPF rootkit's mark: "
			  "treat the machine as compromised",
			  "%zu JIT-compiled BPF function%s in proc/kallsyms belong%s to no program "
			  "bpf(2) lists", hidden, hidden == 1 ? "" : "s", hidden == 1 ? "s" : "");
	for (size_t i = 0; i < s->n; i++)
		if (!s->c[i].gone)
			audit_item(c, "%s at 0x%" PRIx64 ": hidden from bpf(2)", s->c[i].name, s->c[i].addr);
	free(s);
}
