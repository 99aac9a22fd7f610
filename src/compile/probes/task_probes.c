/*
 * Task lifetime probes: sched_process_fork grows the traced process tree
 * (pid scope), sched_process_exit forgets per-thread state, takes a leaving
 * thread-group leader out of the tree and reports its exit.
 */
#include <asm/unistd.h>
#include <errno.h>

#include "compile/probes/emit.h"

enum { STK_ONE = -12, STK_CHILD = -24, STK_REC = -360 };

/*
 * The fork hook runs in the parent, so the scope check asks about the
 * parent; the child's tgid comes from its task_struct (raw: args[1], read
 * through BTF's offset) or from the tracepoint record's child_pid.
 */
struct moat_prog *probe_fork(const struct probe_cfg *cfg, const struct probe_maps *m,
			     struct moat_error *err)
{
	struct moat_builder *b = probe_builder_new(cfg, err);
	if (!b)
		return NULL;
	moat_label out = moat_builder_label(b);
	probe_emit_prologue(b, cfg, m, out);
	if (cfg->layout == PROBE_LAYOUT_TRACEPOINT) {
		EMIT(b, MOAT_LDX_MEM(MOAT_W, R(1), R(6), (int16_t)cfg->tp_fork_child_pid_off));
		EMIT(b, MOAT_STX_MEM(MOAT_W, R(10), R(1), STK_KEY));
	} else {
		emit_stack_ptr(b, R(1), STK_KEY);
		EMIT(b, MOAT_MOV64_IMM(R(2), 4));
		EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(3), R(6), 8));
		EMIT(b, MOAT_ALU64_IMM(MOAT_ADD, R(3), (int32_t)cfg->task_tgid_off));
		emit_call(b, MOAT_FN_probe_read_kernel);
		moat_builder_jmp_imm(b, MOAT_JNE, R(0), 0, out);
	}
	EMIT(b, MOAT_ST_MEM(MOAT_W, R(10), STK_ONE, 1));
	probe_emit_update(b, m->pids, STK_KEY, STK_ONE);
	/* and its bit, atomically: other CPUs may set bits of the same word */
	EMIT(b, MOAT_LDX_MEM(MOAT_W, R(1), R(10), STK_KEY));
	EMIT(b, MOAT_ALU64_IMM(MOAT_LSH, R(1), 32));
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(10), R(1), STK_CHILD));
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(9), R(10), STK_CHILD));
	probe_emit_tgid_bit(b, m, R(9), out);
	EMIT(b, MOAT_INSN(MOAT_STX | MOAT_ATOMIC | MOAT_DW, R(0), R(2), 0, MOAT_OR));
	return probe_finish(b, out, "moat_fork", err);
}

static void emit_delete(struct moat_builder *b, struct moat_map *map, int16_t key_off)
{
	moat_builder_ld_map(b, R(1), map);
	emit_stack_ptr(b, R(2), key_off);
	emit_call(b, MOAT_FN_map_delete_elem);
}

/* The exit event of the leader: its wait status from task_struct.exit_code
 * (raw layout; the tracepoint record has none, so -1 there). */
static void emit_exit_event(struct moat_builder *b, const struct probe_cfg *cfg,
			    const struct probe_maps *m)
{
	emit_call(b, MOAT_FN_ktime_get_ns);
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(10), R(0), STK_REC + 0));
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(10), R(7), STK_REC + 8));
	EMIT(b, MOAT_ST_MEM(MOAT_W, R(10), STK_REC + 16, 0));
	EMIT(b, MOAT_ST_MEM(MOAT_W, R(10), STK_REC + 20, PROBE_EV_EXIT));
	if (cfg->layout == PROBE_LAYOUT_TRACEPOINT) {
		EMIT(b, MOAT_ST_MEM(MOAT_DW, R(10), STK_REC + 24, -1));
	} else {
		EMIT(b, MOAT_ST_MEM(MOAT_DW, R(10), STK_REC + 24, 0));
		emit_stack_ptr(b, R(1), STK_REC + 24);
		EMIT(b, MOAT_MOV64_IMM(R(2), 4));
		EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(3), R(6), 0));
		EMIT(b, MOAT_ALU64_IMM(MOAT_ADD, R(3), (int32_t)cfg->task_exit_code_off));
		emit_call(b, MOAT_FN_probe_read_kernel);
	}
	probe_emit_zero(b, STK_REC + 32, 32);
	emit_stack_ptr(b, R(1), STK_REC + 64);
	EMIT(b, MOAT_MOV64_IMM(R(2), 16));
	emit_call(b, MOAT_FN_get_current_comm);
	probe_emit_zero(b, STK_REC + 80, PROBE_STR_LEN);
	moat_builder_ld_map(b, R(1), m->events);
	emit_stack_ptr(b, R(2), STK_REC);
	EMIT(b, MOAT_MOV64_IMM(R(3), (int32_t)sizeof(struct probe_event)));
	EMIT(b, MOAT_MOV64_IMM(R(4), 0));
	emit_call(b, MOAT_FN_ringbuf_output);
}

struct moat_prog *probe_exit(const struct probe_cfg *cfg, const struct probe_maps *m,
			     struct moat_error *err)
{
	struct moat_builder *b = probe_builder_new(cfg, err);
	if (!b)
		return NULL;
	moat_label out = moat_builder_label(b);
	/* start[tid] means "traced thread" to the syscall probes, so it goes
	 * whatever the scope says now: a later thread reusing the id is not ours */
	probe_emit_context(b);
	emit_delete(b, m->start, STK_TID);
	if (m->pending)
		emit_delete(b, m->pending, STK_TID);
	probe_emit_scope(b, cfg, m, out);
	/* only the thread-group leader (tid == tgid) ends the process */
	EMIT(b, MOAT_MOV64_REG(R(1), R(7)));
	EMIT(b, MOAT_ALU64_IMM(MOAT_RSH, R(1), 32));
	EMIT(b, MOAT_MOV32_REG(R(2), R(7)));
	moat_builder_jmp_reg(b, MOAT_JNE, R(1), R(2), out);
	if (!cfg->by_cgroup) {
		EMIT(b, MOAT_STX_MEM(MOAT_W, R(10), R(1), STK_KEY));
		emit_delete(b, m->pids, STK_KEY);
		/* the bit goes too, atomically (r7 still holds pid_tgid) */
		moat_label kept = moat_builder_label(b);
		probe_emit_tgid_bit(b, m, R(7), kept);
		EMIT(b, MOAT_ALU64_IMM(MOAT_XOR, R(2), -1));
		EMIT(b, MOAT_INSN(MOAT_STX | MOAT_ATOMIC | MOAT_DW, R(0), R(2), 0, MOAT_AND));
		moat_builder_bind(b, kept);
	}
	if (m->events && (cfg->event_mask & (1u << PROBE_EV_EXIT)))
		emit_exit_event(b, cfg, m);
	return probe_finish(b, out, "moat_exit", err);
}

/*
 * sched_process_exec (raw arguments: task, old pid, struct linux_binprm *):
 * runs in the task after a successful exec, so the pid is the one after
 * exec and the command name is the new program's.  The file name is the
 * kernel's copy (bprm->filename), read in two steps: the pointer, then up
 * to PROBE_STR_LEN - 1 bytes (the record was zeroed, so it stays a string).
 */
struct moat_prog *probe_exec(const struct probe_cfg *cfg, const struct probe_maps *m,
			     struct moat_error *err)
{
	struct moat_builder *b = probe_builder_new(cfg, err);
	if (!b)
		return NULL;
	moat_label out = moat_builder_label(b);
	probe_emit_prologue(b, cfg, m, out);
	emit_call(b, MOAT_FN_ktime_get_ns);
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(10), R(0), STK_REC + 0));
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(10), R(7), STK_REC + 8));
	EMIT(b, MOAT_ST_MEM(MOAT_W, R(10), STK_REC + 16, __NR_execve));
	EMIT(b, MOAT_ST_MEM(MOAT_W, R(10), STK_REC + 20, PROBE_EV_EXEC));
	probe_emit_zero(b, STK_REC + 24, 40);
	emit_stack_ptr(b, R(1), STK_REC + 64);
	EMIT(b, MOAT_MOV64_IMM(R(2), 16));
	emit_call(b, MOAT_FN_get_current_comm);
	probe_emit_zero(b, STK_REC + 80, PROBE_STR_LEN);
	emit_stack_ptr(b, R(1), STK_CHILD);
	EMIT(b, MOAT_MOV64_IMM(R(2), 8));
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(3), R(6), 16));
	EMIT(b, MOAT_ALU64_IMM(MOAT_ADD, R(3), (int32_t)cfg->bprm_filename_off));
	emit_call(b, MOAT_FN_probe_read_kernel);
	emit_stack_ptr(b, R(1), STK_REC + 80);
	EMIT(b, MOAT_MOV64_IMM(R(2), PROBE_STR_LEN - 1));
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(3), R(10), STK_CHILD));
	emit_call(b, MOAT_FN_probe_read_kernel);
	moat_builder_ld_map(b, R(1), m->events);
	emit_stack_ptr(b, R(2), STK_REC);
	EMIT(b, MOAT_MOV64_IMM(R(3), (int32_t)sizeof(struct probe_event)));
	EMIT(b, MOAT_MOV64_IMM(R(4), 0));
	emit_call(b, MOAT_FN_ringbuf_output);
	return probe_finish(b, out, "moat_exec", err);
}

enum { STK_SA = -48, TCP_SYN_SENT = 2, AF_INET_ = 2, AF_INET6_ = 10 };

/* probe_read_kernel(r10 + dst, len, sk (r8) + off) */
static void emit_read_sk(struct moat_builder *b, int16_t dst, int32_t len, uint32_t off)
{
	emit_stack_ptr(b, R(1), dst);
	EMIT(b, MOAT_MOV64_IMM(R(2), len));
	EMIT(b, MOAT_MOV64_REG(R(3), R(8)));
	EMIT(b, MOAT_ALU64_IMM(MOAT_ADD, R(3), (int32_t)off));
	emit_call(b, MOAT_FN_probe_read_kernel);
}

/*
 * inet_sock_set_state(sk, oldstate, newstate) runs in the connecting task,
 * inside its connect() (tcp_v4_connect / tcp_v6_connect), after the kernel
 * picked the local address (the port comes later, in inet_hash_connect):
 * the address and the socket go into the pending connect record, and
 * sys_exit reads the port before sending it with connect's return.
 */
struct moat_prog *probe_connect(const struct probe_cfg *cfg, const struct probe_maps *m,
				struct moat_error *err)
{
	struct moat_builder *b = probe_builder_new(cfg, err);
	if (!b)
		return NULL;
	moat_label out = moat_builder_label(b), v6 = moat_builder_label(b);
	moat_label copy = moat_builder_label(b);
	probe_emit_prologue(b, cfg, m, out);
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(1), R(6), 16));
	moat_builder_jmp_imm(b, MOAT_JNE, R(1), TCP_SYN_SENT, out);
	probe_emit_lookup(b, m->pending, STK_TID, out);
	EMIT(b, MOAT_MOV64_REG(R(9), R(0)));
	EMIT(b, MOAT_LDX_MEM(MOAT_W, R(1), R(9), 16));
	moat_builder_jmp_imm(b, MOAT_JNE, R(1), __NR_connect, out);
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(8), R(6), 0));
	probe_emit_zero(b, STK_SA, 24);
	emit_read_sk(b, STK_SA, 2, cfg->sk_family_off);
	EMIT(b, MOAT_LDX_MEM(MOAT_H, R(1), R(10), STK_SA));
	moat_builder_jmp_imm(b, MOAT_JEQ, R(1), AF_INET6_, v6);
	moat_builder_jmp_imm(b, MOAT_JNE, R(1), AF_INET_, out);
	emit_read_sk(b, STK_SA + 4, 4, cfg->sk_saddr_off);
	moat_builder_ja(b, copy);
	moat_builder_bind(b, v6);
	emit_read_sk(b, STK_SA + 8, 16, cfg->sk_v6_saddr_off);
	moat_builder_bind(b, copy);
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(9), R(8), 80 + PROBE_LOCAL_OFF + PROBE_LOCAL_SK));
	for (int16_t i = 0; i < 24; i += 8) {
		EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(1), R(10), (int16_t)(STK_SA + i)));
		EMIT(b, MOAT_STX_MEM(MOAT_DW, R(9), R(1), (int16_t)(80 + PROBE_LOCAL_OFF + i)));
	}
	return probe_finish(b, out, "moat_connect", err);
}
