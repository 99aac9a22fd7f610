/*
 * Unit tests for the tracing helpers moat's engine knows (get_current_pid_tgid,
 * get_current_comm, get_current_cgroup_id, probe_read_user/_kernel/_user_str):
 * their prototypes as the verifier enforces them, and what they return when a
 * raw-tracepoint program runs in moat's VM, in the interpreter and the JIT.
 */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <moat/moat.h>
#include "tap.h"

#define I MOAT_INSN
#define MOV64_IMM(d, v) I(MOAT_ALU64 | MOAT_MOV | MOAT_K, d, 0, 0, v)
#define MOV64_REG(d, s) I(MOAT_ALU64 | MOAT_MOV | MOAT_X, d, s, 0, 0)
#define ADD64_IMM(d, v) I(MOAT_ALU64 | MOAT_ADD | MOAT_K, d, 0, 0, v)
#define LDX64(d, s, o) I(MOAT_LDX | MOAT_MEM | MOAT_DW, d, s, o, 0)
#define CALL(id) I(MOAT_JMP | MOAT_CALL, 0, 0, 0, id)
#define EXIT() I(MOAT_JMP | MOAT_EXIT, 0, 0, 0, 0)

/* Programs reading raw-tracepoint arguments run in the interpreters only
 * (the JIT refuses direct context reads in the VM). */
static const enum moat_exec_mode modes[] = { MOAT_EXEC_INTERP, MOAT_EXEC_CHECKED };

/* Verifies and runs insns as `type` with ctx (96 bytes of raw-tp args) in
 * mode m; returns 0 and r0 in *ret, or the error. */
static int run(enum moat_prog_type type, const struct moat_insn *insns, size_t n,
	       enum moat_exec_mode m, uint64_t *args, uint64_t *ret, struct moat_error *err)
{
	struct moat_vm *vm = moat_vm_new(NULL, err);
	struct moat_prog *p = vm ? moat_prog_new(type, insns, n, err) : NULL;
	MOAT_OPTS(moat_exec_opts, o, .mode = m);
	struct moat_exec *e = p ? moat_exec_new(vm, p, &o, err) : NULL;
	int r = e ? moat_exec_run(e, args, 96, ret, err) : -err->errnum;
	moat_exec_free(e);
	moat_prog_free(p);
	moat_vm_free(vm);
	return r;
}

static void test_pid_tgid(enum moat_exec_mode m)
{
	struct moat_insn prog[] = { CALL(MOAT_FN_get_current_pid_tgid), EXIT() };
	uint64_t args[12] = { 0 }, r = 0;
	struct moat_error e = { 0 };
	is_int(run(MOAT_PROG_RAW_TRACEPOINT, prog, 2, m, args, &r, &e), 0, "pid_tgid runs");
	is_u64(r, (uint64_t)getpid() << 32 | (uint32_t)gettid(), "pid_tgid = tgid<<32 | tid");
}

static void test_comm(enum moat_exec_mode m)
{
	struct moat_insn prog[] = {
		MOV64_REG(MOAT_R1, MOAT_R10), ADD64_IMM(MOAT_R1, -16), MOV64_IMM(MOAT_R2, 16),
		CALL(MOAT_FN_get_current_comm), LDX64(MOAT_R0, MOAT_R10, -16), EXIT(),
	};
	uint64_t args[12] = { 0 }, r = 0, want = 0;
	struct moat_error e = { 0 };
	char name[16] = { 0 };
	prctl(PR_SET_NAME, "moatcomm", 0, 0, 0);
	prctl(PR_GET_NAME, name, 0, 0, 0);
	memcpy(&want, name, 8);
	is_int(run(MOAT_PROG_RAW_TRACEPOINT, prog, 6, m, args, &r, &e), 0, "comm runs");
	is_u64(r, want, "comm's first 8 bytes are the thread name");
}

/* probe_read_user(r10-8, 8, args[0]); r0 = the read value, or the error
 * in r0 when args[1] says so. */
static void test_probe_read_user(enum moat_exec_mode m)
{
	struct moat_insn prog[] = {
		LDX64(MOAT_R3, MOAT_R1, 0), LDX64(MOAT_R6, MOAT_R1, 8),
		MOV64_REG(MOAT_R1, MOAT_R10), ADD64_IMM(MOAT_R1, -8), MOV64_IMM(MOAT_R2, 8),
		CALL(MOAT_FN_probe_read_user),
		I(MOAT_JMP | MOAT_JNE | MOAT_K, MOAT_R6, 0, 1, 0),
		LDX64(MOAT_R0, MOAT_R10, -8), EXIT(),
	};
	uint64_t secret = 0x1122334455667788ull, r = 0;
	uint64_t args[12] = { (uintptr_t)&secret, 0 };
	struct moat_error e = { 0 };
	is_int(run(MOAT_PROG_RAW_TRACEPOINT, prog, 9, m, args, &r, &e), 0, "probe_read_user runs");
	is_u64(r, secret, "probe_read_user copies user memory");
	args[0] = 8; /* never mapped */
	args[1] = 1;
	is_int(run(MOAT_PROG_RAW_TRACEPOINT, prog, 9, m, args, &r, &e), 0, "bad pointer runs");
	is_int((int64_t)r, -EFAULT, "probe_read_user of an unmapped address -> -EFAULT");
}

static void test_probe_read_str(enum moat_exec_mode m)
{
	struct moat_insn prog[] = {
		LDX64(MOAT_R3, MOAT_R1, 0), MOV64_REG(MOAT_R1, MOAT_R10), ADD64_IMM(MOAT_R1, -32),
		MOV64_IMM(MOAT_R2, 32), CALL(MOAT_FN_probe_read_user_str), EXIT(),
	};
	static const char path[] = "/etc/hostname";
	uint64_t args[12] = { (uintptr_t)path }, r = 0;
	struct moat_error e = { 0 };
	is_int(run(MOAT_PROG_RAW_TRACEPOINT, prog, 6, m, args, &r, &e), 0, "read_user_str runs");
	is_u64(r, sizeof(path), "probe_read_user_str returns the length with the NUL");
}

static void test_kernel_and_cgroup(enum moat_exec_mode m)
{
	struct moat_insn prog[] = {
		MOV64_REG(MOAT_R1, MOAT_R10), ADD64_IMM(MOAT_R1, -8), MOV64_IMM(MOAT_R2, 8),
		MOV64_IMM(MOAT_R3, 4096), CALL(MOAT_FN_probe_read_kernel), EXIT(),
	};
	struct moat_insn cg[] = { CALL(MOAT_FN_get_current_cgroup_id), EXIT() };
	uint64_t args[12] = { 0 }, r = 0;
	struct moat_error e = { 0 };
	is_int(run(MOAT_PROG_RAW_TRACEPOINT, prog, 6, m, args, &r, &e), 0, "read_kernel runs");
	is_int((int64_t)r, -EFAULT, "probe_read_kernel in the VM -> -EFAULT");
	is_int(run(MOAT_PROG_TRACEPOINT, cg, 2, m, args, &r, &e), 0, "cgroup_id runs");
	is_u64(r, 0, "the VM has no cgroup id");
	struct moat_insn anc[] = { MOV64_IMM(MOAT_R1, 1), CALL(MOAT_FN_get_current_ancestor_cgroup_id),
				   EXIT() };
	r = 7;
	is_int(run(MOAT_PROG_RAW_TRACEPOINT, anc, 3, m, args, &r, &e), 0,
	       "get_current_ancestor_cgroup_id runs");
	is_u64(r, 0, "the VM has no ancestor cgroup id either");
	is_int(run(MOAT_PROG_XDP, anc, 3, m, args, &r, &e), -EACCES,
	       "get_current_ancestor_cgroup_id is for tracing programs only");
}

static void test_prototypes(void)
{
	uint64_t args[12] = { 0 }, r;
	struct moat_error e = { 0 };
	struct moat_insn pid[] = { CALL(MOAT_FN_get_current_pid_tgid), EXIT() };
	is_int(run(MOAT_PROG_XDP, pid, 2, MOAT_EXEC_INTERP, args, &r, &e), -EACCES,
	       "pid_tgid is for tracing programs only");
	ok(strstr(e.msg, "get_current_pid_tgid") != NULL, "the rejection names the helper: %s",
	   e.msg);
	/* an 8-byte stack buffer cannot take a 16-byte comm */
	struct moat_insn comm[] = {
		MOV64_REG(MOAT_R1, MOAT_R10), ADD64_IMM(MOAT_R1, -8), MOV64_IMM(MOAT_R2, 16),
		CALL(MOAT_FN_get_current_comm), EXIT(),
	};
	is_int(run(MOAT_PROG_RAW_TRACEPOINT, comm, 5, MOAT_EXEC_INTERP, args, &r, &e), -EACCES,
	       "comm's size must fit the buffer");
	/* the size must be a known bound, not any register */
	struct moat_insn rd[] = {
		LDX64(MOAT_R2, MOAT_R1, 0), MOV64_REG(MOAT_R1, MOAT_R10), ADD64_IMM(MOAT_R1, -8),
		MOV64_IMM(MOAT_R3, 0), CALL(MOAT_FN_probe_read_user), EXIT(),
	};
	is_int(run(MOAT_PROG_RAW_TRACEPOINT, rd, 6, MOAT_EXEC_INTERP, args, &r, &e), -EACCES,
	       "probe_read_user's size must be bounded");
}

int main(void)
{
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		diag("mode %zu", i);
		test_pid_tgid(modes[i]);
		test_comm(modes[i]);
		test_probe_read_user(modes[i]);
		test_probe_read_str(modes[i]);
		test_kernel_and_cgroup(modes[i]);
	}
	diag("JIT");
	test_pid_tgid(MOAT_EXEC_JIT);
	test_comm(MOAT_EXEC_JIT);
	test_kernel_and_cgroup(MOAT_EXEC_JIT);
	test_prototypes();
	return tap_done();
}
