/*
 * The seccomp policy model shared by the profile parsers, the printer and
 * the code generator: a default action and an ordered list of rules, each
 * one syscall number, an action and a conjunction of 64-bit argument
 * comparisons.  For a syscall, the first rule whose comparisons all hold
 * decides; when none does, the default action applies.
 */
#ifndef MOAT_COMPILE_SECCOMP_POLICY_H
#define MOAT_COMPILE_SECCOMP_POLICY_H

#include <moat/seccomp.h>

#include "util/vec.h"

#define SC_MAX_CMPS 8 /* comparisons in one rule (one conjunction) */

enum sc_op { SC_EQ, SC_NE, SC_LT, SC_LE, SC_GT, SC_GE, SC_MASKED_EQ };

/* args[arg] OP value; SC_MASKED_EQ is (args[arg] & mask) == value. */
struct sc_cmp {
	uint8_t arg;
	uint8_t op; /* enum sc_op */
	uint64_t value;
	uint64_t mask;
};

#define SC_CAPS_LEN 96 /* capability names of one condition, comma-separated */

struct sc_rule {
	int nr;
	uint32_t action;
	uint32_t ncmp;
	struct sc_cmp cmp[SC_MAX_CMPS];
	int line, col; /* where the rule was written, for conflict messages */
	/* Capability conditions kept unresolved (parse option caps "keep"):
	 * the rule applies when the container holds every capability in
	 * `with` and none in `without` ("sys_admin,sys_ptrace"; "" = none). */
	char with[SC_CAPS_LEN], without[SC_CAPS_LEN];
};

struct moat_seccomp_policy {
	uint32_t def;
	bool has_def;
	VEC(struct sc_rule) rules;
	char name[256]; /* profile file name for messages */
};

/* A new empty policy (default action unset), or NULL on allocation failure. */
struct moat_seccomp_policy *sc_policy_new(const char *name, struct moat_error *err);

/*
 * Appends a rule.  A rule that can never apply is refused: one after an
 * unconditional rule for the same syscall with a different action (an
 * error naming both lines); one identical to an earlier rule, or after an
 * unconditional rule with the same action, is dropped silently.
 */
int sc_policy_add(struct moat_seccomp_policy *p, const struct sc_rule *r, struct moat_error *err);

/* True when the comparison holds for value v. */
bool sc_cmp_holds(const struct sc_cmp *c, uint64_t v);

/* The action of numbers above the syscall table: ENOSYS unless the default allows. */
uint32_t sc_newer_action(uint32_t def);

/* Spelling of an operator ("==", "<", ...); SC_MASKED_EQ is "&". */
const char *sc_op_str(enum sc_op op);

/*
 * Capability sets as the parse option "caps" gives them, normalized:
 * NULL = Docker's 14 default capabilities, "all", "" = none, "keep" =
 * conditions stay in the rules, else a comma-separated list ("CAP_X,y").
 */
const char *sc_caps_opt(const struct moat_seccomp_parse_opts *opts);
/* True when the set holds capability cap ("CAP_SYS_ADMIN" or "sys_admin"). */
bool sc_caps_hold(const char *caps, const char *cap, size_t caplen);
/* True when cap (len bytes, with or without "CAP_") names a Linux capability. */
bool sc_cap_known(const char *cap, size_t len);
/* Appends cap, lower case without "CAP_", to a condition list; false when full. */
bool sc_caps_append(char *list, const char *cap, size_t len);
/* True when the rule has capability conditions. */
static inline bool sc_rule_conditional(const struct sc_rule *r)
{
	return r->with[0] || r->without[0];
}

/* The built-in profile's text (docker_default.c). */
extern const char sc_docker_default_text[];

/* Parsers: text.c and docker.c.  Both return NULL with err set on failure. */
struct moat_seccomp_policy *sc_parse_text(const char *text, size_t len, const char *name,
					  const char *caps, struct moat_error *err);
struct moat_seccomp_policy *sc_parse_docker(const char *text, size_t len, const char *name,
					    const struct moat_seccomp_parse_opts *opts,
					    struct moat_error *err);

#endif
