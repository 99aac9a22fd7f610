/*
 * The verifier through its public API: what it reports (instruction, rule,
 * path, statistics, the log at each level) and its limits.  The rules
 * themselves are covered program by program by tests/verifier/corpus.
 */
#include <errno.h>
#include <string.h>

#include <moat/moat.h>

#include "tap.h"

#define I(c, d, s, o, k) ((struct moat_insn){ .code = (c), .dst = (d), .src = (s), .off = (o), .imm = (k) })
#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MOVK(d, k) I(MOAT_ALU64 | MOAT_MOV | MOAT_K, d, 0, 0, k)
#define EXIT I(MOAT_JMP | MOAT_EXIT, 0, 0, 0, 0)

static void sink(void *arg, const char *text, size_t len)
{
	struct { char buf[65536]; size_t len; } *b = arg;
	if (b->len + len < sizeof(b->buf)) {
		memcpy(b->buf + b->len, text, len);
		b->len += len;
		b->buf[b->len] = 0;
	}
}

static int verify(const struct moat_insn *in, size_t n, enum moat_prog_type type, int log_level,
		  void *log, uint32_t max_insns, struct moat_verify_stats *st, struct moat_error *err)
{
	struct moat_prog *p = moat_prog_new(type, in, n, err);
	if (!p)
		return -1000;
	MOAT_OPTS(moat_verify_opts, o, .log_level = log_level, .max_insns = max_insns);
	if (log)
		o.log = (struct moat_sink){ sink, log };
	int r = moat_verify(p, &o, st, err);
	moat_prog_free(p);
	return r;
}

static void test_rejection_names_path(void)
{
	/* r0 = r1 (ctx of a socket filter) on one path only, then exit: the
	 * message names insn 4, the rule, and the jump taken */
	const struct moat_insn p[] = {
		I(MOAT_LDX | MOAT_MEM | MOAT_W, 2, 1, 0, 0), /* r2 = skb->len */
		MOVK(0, 0),
		I(MOAT_JMP | MOAT_JGT | MOAT_K, 2, 0, 1, 100),
		EXIT,
		I(MOAT_ALU64 | MOAT_MOV | MOAT_X, 0, 1, 0, 0),
		EXIT,
	};
	struct moat_error err;
	struct moat_verify_stats st;
	moat_error_clear(&err);
	int r = verify(p, N(p), MOAT_PROG_SOCKET_FILTER, 0, NULL, 0, &st, &err);
	ok(r == -EACCES && err.insn == 5, "pointer returned at exit is rejected at insn 5 (%s)",
	   err.msg);
	ok(strstr(err.msg, "r0 holds a ctx pointer at exit") != NULL, "the rule is named");
	ok(strstr(err.msg, "jumps on this path: 2->4") != NULL, "the path is named");
	ok(st.path_len == 1 && st.path[0][0] == 2 && st.path[0][1] == 4,
	   "the path is in the statistics as data");
}

static void test_stats_and_pruning(void)
{
	/* 16 diamonds in a row that do not change anything the rest reads */
	struct moat_insn p[2 + 16 * 3 + 1];
	size_t k = 0;
	p[k++] = I(MOAT_LDX | MOAT_MEM | MOAT_W, 2, 1, 0, 0);
	p[k++] = MOVK(0, 0);
	for (int i = 0; i < 16; i++) {
		p[k++] = I(MOAT_JMP | MOAT_JGT | MOAT_K, 2, 0, 1, i * 10);
		p[k++] = MOVK(3, i);
		p[k++] = MOVK(4, i);
	}
	p[k++] = EXIT;
	struct moat_verify_stats st;
	struct moat_error err;
	int r = verify(p, k, MOAT_PROG_SOCKET_FILTER, 0, NULL, 0, &st, &err);
	ok(r == 0, "diamonds accepted (%s)", r ? err.msg : "");
	ok(st.states_pruned > 0 && st.insns_processed < 2000,
	   "dead registers do not block pruning (%llu processed, %llu pruned)",
	   (unsigned long long)st.insns_processed, (unsigned long long)st.states_pruned);
	ok(st.funcs == 1 && st.stack_depth == 0, "stats: 1 function, no stack");
}

/* 40 diamonds that each may add 1 to r0: 2^40 paths unless pruning may
 * ignore r0's exact value, which no check ever reads; the same program is
 * rejected when r0 becomes a stack offset it can overflow. */
static void test_precision(void)
{
	struct moat_insn p[64 * 2 + 8];
	size_t k = 0;
	p[k++] = I(MOAT_LDX | MOAT_MEM | MOAT_W, 2, 1, 0, 0);
	p[k++] = MOVK(0, 0);
	for (int i = 0; i < 40; i++) {
		p[k++] = I(MOAT_JMP | MOAT_JGT | MOAT_K, 2, 0, 1, i * 3);
		p[k++] = I(MOAT_ALU64 | MOAT_ADD | MOAT_K, 0, 0, 0, 1);
	}
	size_t tail = k;
	p[k++] = EXIT;
	struct moat_verify_stats st;
	struct moat_error err;
	int r = verify(p, k, MOAT_PROG_SOCKET_FILTER, 0, NULL, 0, &st, &err);
	ok(r == 0 && st.insns_processed < 20000,
	   "an accumulator no check reads does not multiply paths (%llu processed: %s)",
	   (unsigned long long)st.insns_processed, r ? err.msg : "ok");
	/* the same accumulator deciding a branch: the path where all 40
	 * diamonds added (r0 == 40) reaches a bad read, and must be found */
	k = tail;
	p[k++] = I(MOAT_JMP | MOAT_JGT | MOAT_K, 0, 0, 2, 39);
	p[k++] = MOVK(0, 0);
	p[k++] = EXIT;
	p[k++] = I(MOAT_LDX | MOAT_MEM | MOAT_DW, 0, 10, -8, 0);
	p[k++] = EXIT;
	r = verify(p, k, MOAT_PROG_SOCKET_FILTER, 0, NULL, 0, &st, &err);
	ok(r == -EACCES && err.insn == (long)tail + 3 && strstr(err.msg, "uninitialised stack"),
	   "an accumulator that decides a branch is tracked exactly (%s)", err.msg);
}

static void test_limits(void)
{
	/* a loop the analysis cannot bound within 10000 instructions */
	const struct moat_insn p[] = {
		MOVK(0, 0),
		I(MOAT_ALU64 | MOAT_ADD | MOAT_K, 0, 0, 0, 1),
		I(MOAT_JMP | MOAT_JNE | MOAT_K, 0, 0, -2, 0),
		EXIT,
	};
	struct moat_error err;
	int r = verify(p, N(p), MOAT_PROG_MEM, 0, NULL, 10000, NULL, &err);
	ok(r == -E2BIG && strstr(err.msg, "limit 10000"), "the processed-instruction cap is "
	   "enforced (%s)", err.msg);
	const struct moat_insn q[] = { MOVK(0, 0), I(MOAT_JMP | MOAT_JA, 0, 0, -1, 0), EXIT };
	r = verify(q, N(q), MOAT_PROG_MEM, 0, NULL, 0, NULL, &err);
	ok(r == -EACCES && err.insn == 1 && strstr(err.msg, "infinite loop"),
	   "a loop that repeats its state is an infinite loop (%s)", err.msg);
}

static void test_log_levels(void)
{
	static struct { char buf[65536]; size_t len; } log;
	const struct moat_insn p[] = { MOVK(0, 7), EXIT };
	struct moat_error err;
	log.len = 0;
	verify(p, N(p), MOAT_PROG_MEM, 1, &log, 0, NULL, &err);
	ok(strstr(log.buf, "verified: 2 instructions") && !strstr(log.buf, "0: mov"),
	   "log level 1: the summary only");
	log.len = 0;
	verify(p, N(p), MOAT_PROG_MEM, 2, &log, 0, NULL, &err);
	ok(strstr(log.buf, "0: mov %r0, 7") && strstr(log.buf, "r0: scalar 7"),
	   "log level 2: each instruction with the state");
	const struct moat_insn bad[] = { I(MOAT_LDX | MOAT_MEM | MOAT_DW, 0, 10, -8, 0), EXIT };
	log.len = 0;
	int r = verify(bad, N(bad), MOAT_PROG_MEM, 1, &log, 0, NULL, &err);
	ok(r == -EACCES && strstr(log.buf, "rejected at insn 0") && strstr(log.buf, "r10: stack"),
	   "log level 1 shows the state at a rejection");
}

int main(void)
{
	test_rejection_names_path();
	test_stats_and_pruning();
	test_precision();
	test_limits();
	test_log_levels();
	return tap_done();
}
