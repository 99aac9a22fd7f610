/*
 * A policy in moat's text format.  Rules are printed in their order, so
 * parsing the text again gives the same rules: runs of unconditional rules
 * with one action share a line (wrapped at 80 columns), and consecutive
 * conditional rules for one syscall and action share a line joined by ||.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <moat/syscalls.h>

#include "compile/seccomp/policy.h"
#include "util/sbuf.h"

static void put_value(struct sbuf *b, uint64_t v)
{
	if (v < 10)
		sbuf_printf(b, "%" PRIu64, v);
	else
		sbuf_printf(b, "0x%" PRIx64, v);
}

static void put_conj(struct sbuf *b, const struct sc_rule *r)
{
	for (uint32_t k = 0; k < r->ncmp; k++) {
		const struct sc_cmp *c = &r->cmp[k];
		sbuf_printf(b, "%sarg%u %s ", k ? " && " : "", c->arg, sc_op_str((enum sc_op)c->op));
		if (c->op == SC_MASKED_EQ) {
			put_value(b, c->mask);
			sbuf_printf(b, " == ");
		}
		put_value(b, c->value);
	}
}

static bool same_caps(const struct sc_rule *a, const struct sc_rule *b)
{
	return !strcmp(a->with, b->with) && !strcmp(a->without, b->without);
}

/* "with a with b " for the list "a,b" */
static void put_caps(char *head, size_t size, size_t *at, const char *word, const char *list)
{
	for (const char *p = list; *p && *at < size;) {
		size_t n = strcspn(p, ",");
		int w = snprintf(head + *at, size - *at, "%s %.*s ", word, (int)n, p);
		*at += w > 0 ? (size_t)w : 0;
		p += n + (p[n] == ',');
	}
	if (*at >= size)
		*at = size - 1;
}

char *moat_seccomp_policy_text(const struct moat_seccomp_policy *p, struct moat_error *err)
{
	struct sbuf b = { 0 };
	char act[40];
	sbuf_printf(&b, "default %s\n", moat_seccomp_action_str(p->def, act, sizeof(act)));
	size_t n = p->rules.n, i = 0;
	while (i < n) {
		const struct sc_rule *r = &p->rules.v[i];
		char head[256];
		size_t hl = 0;
		head[0] = '\0';
		put_caps(head, sizeof(head), &hl, "with", r->with);
		put_caps(head, sizeof(head), &hl, "without", r->without);
		moat_seccomp_action_str(r->action, act, sizeof(act));
		snprintf(head + hl, sizeof(head) - hl, "%s", act);
		sbuf_printf(&b, "%s", head);
		size_t col = strlen(head);
		if (r->ncmp) {
			sbuf_printf(&b, " %s if ", moat_syscall_name(r->nr));
			for (; i < n && p->rules.v[i].nr == r->nr && p->rules.v[i].ncmp &&
			       p->rules.v[i].action == r->action && same_caps(&p->rules.v[i], r); i++) {
				if (&p->rules.v[i] != r)
					sbuf_printf(&b, " || ");
				put_conj(&b, &p->rules.v[i]);
			}
		} else {
			for (; i < n && !p->rules.v[i].ncmp && p->rules.v[i].action == r->action &&
			       same_caps(&p->rules.v[i], r); i++) {
				const char *name = moat_syscall_name(p->rules.v[i].nr);
				if (col + 1 + strlen(name) > 80) {
					sbuf_printf(&b, "\n%s", head);
					col = strlen(head);
				}
				sbuf_printf(&b, " %s", name);
				col += 1 + strlen(name);
			}
		}
		sbuf_putc(&b, '\n');
	}
	if (b.oom) {
		sbuf_release(&b);
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	return sbuf_take(&b);
}
