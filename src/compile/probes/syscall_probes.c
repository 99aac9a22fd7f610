/*
 * sys_enter and sys_exit: per-syscall counts, errors and latencies, one
 * latency histogram, and the event records of exec/open/connect/signal
 * syscalls (see probes.h for the whole picture).
 */
#include <asm/unistd.h>
#include <errno.h>

#include "compile/probes/emit.h"

/* Stack of the event-building code: the record and a pt_regs window. */
enum { STK_PORT = -16, STK_START = -24, STK_REC = -360, STK_REGS = -424 };

/* struct pt_regs (x86-64): the window read is r10..di, bytes 56..120;
 * syscall arguments 0..3 are di, si, dx, r10. */
enum { REGS_WINDOW = 56, REGS_WINDOW_LEN = 64 };
static const int16_t arg_reg_off[4] = { 112, 104, 96, 56 };

static moat_label new_label(struct moat_builder *b)
{
	return moat_builder_label(b);
}

static bool wants(const struct probe_cfg *cfg, enum probe_event_kind k)
{
	return cfg->event_mask & (1u << k);
}

static bool wants_syscall_events(const struct probe_cfg *cfg)
{
	for (const struct probe_event_syscall *e = probe_event_syscalls; e->kind; e++)
		if (wants(cfg, e->kind))
			return true;
	return false;
}

/* [STK_REC+32..64) = the first four syscall arguments. */
static void emit_args(struct moat_builder *b, const struct probe_cfg *cfg)
{
	if (cfg->layout == PROBE_LAYOUT_TRACEPOINT) {
		for (int i = 0; i < 4; i++) {
			EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(1), R(6), (int16_t)(16 + 8 * i)));
			EMIT(b, MOAT_STX_MEM(MOAT_DW, R(10), R(1), (int16_t)(STK_REC + 32 + 8 * i)));
		}
		return;
	}
	/* raw sys_enter: args[0] is the task's struct pt_regs, kernel memory */
	emit_stack_ptr(b, R(1), STK_REGS);
	EMIT(b, MOAT_MOV64_IMM(R(2), REGS_WINDOW_LEN));
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(3), R(6), 0));
	EMIT(b, MOAT_ALU64_IMM(MOAT_ADD, R(3), REGS_WINDOW));
	emit_call(b, MOAT_FN_probe_read_kernel);
	for (int i = 0; i < 4; i++) {
		int16_t off = (int16_t)(STK_REGS + arg_reg_off[i] - REGS_WINDOW);
		EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(1), R(10), off));
		EMIT(b, MOAT_STX_MEM(MOAT_DW, R(10), R(1), (int16_t)(STK_REC + 32 + 8 * i)));
	}
}

/* The event record of syscall e on the stack, then pending[tid] = it. */
static void emit_record(struct moat_builder *b, const struct probe_cfg *cfg,
			const struct probe_maps *m, const struct probe_event_syscall *e)
{
	emit_call(b, MOAT_FN_ktime_get_ns);
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(10), R(0), STK_REC + 0));
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(10), R(7), STK_REC + 8)); /* tid, pid */
	EMIT(b, MOAT_STX_MEM(MOAT_W, R(10), R(8), STK_REC + 16));
	EMIT(b, MOAT_ST_MEM(MOAT_W, R(10), STK_REC + 20, (int32_t)e->kind));
	EMIT(b, MOAT_ST_MEM(MOAT_DW, R(10), STK_REC + 24, 0));
	emit_args(b, cfg);
	emit_stack_ptr(b, R(1), STK_REC + 64);
	EMIT(b, MOAT_MOV64_IMM(R(2), 16));
	emit_call(b, MOAT_FN_get_current_comm);
	/* zeroed first: a short string or address leaves no stale stack bytes */
	probe_emit_zero(b, STK_REC + 80, PROBE_STR_LEN);
	int arg = e->str_arg >= 0 ? e->str_arg : e->addr_arg;
	if (arg >= 0) {
		emit_stack_ptr(b, R(1), STK_REC + 80);
		EMIT(b, MOAT_MOV64_IMM(R(2), e->str_arg >= 0 ? PROBE_STR_LEN : 128));
		EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(3), R(10), (int16_t)(STK_REC + 32 + 8 * arg)));
		emit_call(b, e->str_arg >= 0 ? MOAT_FN_probe_read_user_str : MOAT_FN_probe_read_user);
	}
	probe_emit_update(b, m->pending, STK_TID, STK_REC);
}

/*
 * A TCP connect's local port: the connect probe saw the socket move to
 * SYN_SENT before the kernel picked the port, and left the socket's address
 * in the record; by connect's return the port is chosen.  r9 = the record.
 */
static void emit_local_port(struct moat_builder *b, const struct probe_cfg *cfg)
{
	moat_label skip = new_label(b);
	moat_builder_jmp_imm(b, MOAT_JNE, R(8), __NR_connect, skip);
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(3), R(9), 80 + PROBE_LOCAL_OFF + PROBE_LOCAL_SK));
	moat_builder_jmp_imm(b, MOAT_JEQ, R(3), 0, skip);
	EMIT(b, MOAT_ALU64_IMM(MOAT_ADD, R(3), (int32_t)cfg->sk_num_off));
	EMIT(b, MOAT_ST_MEM(MOAT_DW, R(10), STK_PORT, 0));
	emit_stack_ptr(b, R(1), STK_PORT);
	EMIT(b, MOAT_MOV64_IMM(R(2), 2));
	emit_call(b, MOAT_FN_probe_read_kernel);
	EMIT(b, MOAT_LDX_MEM(MOAT_H, R(1), R(10), STK_PORT));
	EMIT(b, MOAT_STX_MEM(MOAT_H, R(9), R(1), 80 + PROBE_LOCAL_OFF + 2));
	moat_builder_bind(b, skip);
}

/* Jumps from the syscall number in r8 to each wanted event syscall's code. */
static void emit_event_dispatch(struct moat_builder *b, const struct probe_cfg *cfg,
				const struct probe_maps *m, moat_label out, bool enter)
{
	moat_label ev = new_label(b);
	for (const struct probe_event_syscall *e = probe_event_syscalls; e->kind; e++) {
		if (!wants(cfg, e->kind))
			continue;
		if (enter) {
			moat_label next = new_label(b);
			moat_builder_jmp_imm(b, MOAT_JNE, R(8), (int32_t)e->nr, next);
			emit_record(b, cfg, m, e);
			moat_builder_ja(b, out);
			moat_builder_bind(b, next);
		} else {
			moat_builder_jmp_imm(b, MOAT_JEQ, R(8), (int32_t)e->nr, ev);
		}
	}
	if (enter)
		return;
	moat_builder_ja(b, out);
	/* exit of an event syscall: the pending record gets the return value
	 * (r6) and goes to the ring buffer, if it is this syscall's */
	moat_builder_bind(b, ev);
	if (cfg->layout == PROBE_LAYOUT_RAW_TP && wants(cfg, PROBE_EV_EXEC)) {
		/* a successful exec is the exec probe's event */
		moat_label report = new_label(b);
		moat_builder_jmp_imm(b, MOAT_JNE, R(6), 0, report);
		moat_builder_jmp_imm(b, MOAT_JEQ, R(8), __NR_execve, out);
		moat_builder_jmp_imm(b, MOAT_JEQ, R(8), __NR_execveat, out);
		moat_builder_bind(b, report);
	}
	probe_emit_lookup(b, m->pending, STK_TID, out);
	EMIT(b, MOAT_LDX_MEM(MOAT_W, R(1), R(0), 16));
	moat_builder_jmp_reg(b, MOAT_JNE, R(1), R(8), out);
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(0), R(6), 24));
	EMIT(b, MOAT_MOV64_REG(R(9), R(0)));
	if (cfg->sock_local && wants(cfg, PROBE_EV_CONNECT))
		emit_local_port(b, cfg);
	EMIT(b, MOAT_MOV64_REG(R(2), R(9)));
	moat_builder_ld_map(b, R(1), m->events);
	EMIT(b, MOAT_MOV64_IMM(R(3), (int32_t)sizeof(struct probe_event)));
	EMIT(b, MOAT_MOV64_IMM(R(4), 0));
	emit_call(b, MOAT_FN_ringbuf_output);
}

/* exit and exit_group never return: strace -c counts them at entry, with
 * no time, and so does moat (r8 = the syscall number). */
static void emit_count_no_return(struct moat_builder *b, const struct probe_maps *m,
				 moat_label out)
{
	moat_label counted = new_label(b), other = new_label(b);
	moat_builder_jmp_imm(b, MOAT_JEQ, R(8), __NR_exit_group, counted);
	moat_builder_jmp_imm(b, MOAT_JNE, R(8), __NR_exit, other);
	moat_builder_bind(b, counted);
	EMIT(b, MOAT_STX_MEM(MOAT_W, R(10), R(8), STK_KEY));
	probe_emit_lookup(b, m->stats, STK_KEY, out);
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(1), R(0), 0));
	EMIT(b, MOAT_ALU64_IMM(MOAT_ADD, R(1), 1));
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(0), R(1), 0));
	moat_builder_ja(b, out);
	moat_builder_bind(b, other);
}

/*
 * The hot path.  The scope check comes first and costs an untraced task one
 * helper call and an inlined bit test (pid scope) or one cgroup-id helper.
 * A traced thread's start[tid] entry is created on its first syscall and
 * rewritten in place after that (deleted by the exit probe), so the traced
 * path is one hash lookup, one clock read and no map update.
 */
struct moat_prog *probe_sys_enter(const struct probe_cfg *cfg, const struct probe_maps *m,
				  struct moat_error *err)
{
	struct moat_builder *b = probe_builder_new(cfg, err);
	if (!b)
		return NULL;
	moat_label out = new_label(b), insert = new_label(b), started = new_label(b);
	probe_emit_prologue(b, cfg, m, out);
	/* the syscall number is at offset 8 in both layouts (args[1] / id) */
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(8), R(6), 8));
	moat_builder_jmp_imm(b, MOAT_JGT, R(8), PROBE_MAX_SYSCALLS - 1, out);
	emit_count_no_return(b, m, out);
	probe_emit_lookup(b, m->start, STK_TID, insert);
	EMIT(b, MOAT_MOV64_REG(R(9), R(0)));
	emit_call(b, MOAT_FN_ktime_get_ns);
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(9), R(0), 0));
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(9), R(8), 8));
	moat_builder_ja(b, started);
	moat_builder_bind(b, insert);
	emit_call(b, MOAT_FN_ktime_get_ns);
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(10), R(0), STK_START));
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(10), R(8), STK_START + 8));
	probe_emit_update(b, m->start, STK_TID, STK_START);
	moat_builder_bind(b, started);
	if (m->pending && wants_syscall_events(cfg))
		emit_event_dispatch(b, cfg, m, out, true);
	return probe_finish(b, out, "moat_sys_enter", err);
}

/* r1 = floor(log2(r9)) + 1, 0 for r9 == 0: six halving steps, no loop. */
static void emit_log2_slot(struct moat_builder *b)
{
	EMIT(b, MOAT_MOV64_IMM(R(1), 0));
	EMIT(b, MOAT_MOV64_REG(R(2), R(9)));
	for (int shift = 32; shift >= 1; shift /= 2) {
		moat_label small = new_label(b);
		EMIT(b, MOAT_MOV64_REG(R(3), R(2)));
		EMIT(b, MOAT_ALU64_IMM(MOAT_RSH, R(3), shift));
		moat_builder_jmp_imm(b, MOAT_JEQ, R(3), 0, small);
		EMIT(b, MOAT_MOV64_REG(R(2), R(3)));
		EMIT(b, MOAT_ALU64_IMM(MOAT_ADD, R(1), shift));
		moat_builder_bind(b, small);
	}
	/* r2 is now 0 or 1: slot = bits + r2 */
	EMIT(b, MOAT_ALU64_REG(MOAT_ADD, R(1), R(2)));
}

/* stats[r8] += {1, error?, r9, max}: r6 = return value, r9 = latency. */
static void emit_stats(struct moat_builder *b, const struct probe_maps *m)
{
	moat_label done = new_label(b), ok = new_label(b);
	EMIT(b, MOAT_STX_MEM(MOAT_W, R(10), R(8), STK_KEY));
	probe_emit_lookup(b, m->stats, STK_KEY, done);
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(1), R(0), 0));
	EMIT(b, MOAT_ALU64_IMM(MOAT_ADD, R(1), 1));
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(0), R(1), 0));
	moat_builder_jmp_imm(b, MOAT_JSGE, R(6), 0, ok);
	moat_builder_jmp_imm(b, MOAT_JSLT, R(6), -4095, ok);
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(1), R(0), 8));
	EMIT(b, MOAT_ALU64_IMM(MOAT_ADD, R(1), 1));
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(0), R(1), 8));
	moat_builder_bind(b, ok);
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(1), R(0), 16));
	EMIT(b, MOAT_ALU64_REG(MOAT_ADD, R(1), R(9)));
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(0), R(1), 16));
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(1), R(0), 24));
	moat_builder_jmp_reg(b, MOAT_JGE, R(1), R(9), done);
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(0), R(9), 24));
	moat_builder_bind(b, done);
}

static void emit_hist(struct moat_builder *b, const struct probe_cfg *cfg,
		      const struct probe_maps *m)
{
	moat_label done = new_label(b);
	moat_builder_jmp_imm(b, MOAT_JNE, R(8), cfg->hist_nr, done);
	emit_log2_slot(b);
	EMIT(b, MOAT_STX_MEM(MOAT_W, R(10), R(1), STK_KEY));
	probe_emit_lookup(b, m->hist, STK_KEY, done);
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(1), R(0), 0));
	EMIT(b, MOAT_ALU64_IMM(MOAT_ADD, R(1), 1));
	EMIT(b, MOAT_STX_MEM(MOAT_DW, R(0), R(1), 0));
	moat_builder_bind(b, done);
}

struct moat_prog *probe_sys_exit(const struct probe_cfg *cfg, const struct probe_maps *m,
				 struct moat_error *err)
{
	struct moat_builder *b = probe_builder_new(cfg, err);
	if (!b)
		return NULL;
	moat_label out = new_label(b);
	/* the cheap scope test first; then start[tid] (absent: no enter seen) */
	probe_emit_prologue(b, cfg, m, out);
	probe_emit_lookup(b, m->start, STK_TID, out);
	EMIT(b, MOAT_MOV64_REG(R(9), R(0)));
	EMIT(b, MOAT_LDX_MEM(MOAT_W, R(8), R(9), 8));
	moat_builder_jmp_imm(b, MOAT_JGT, R(8), PROBE_MAX_SYSCALLS - 1, out);
	/* consumed: a sys_exit without its sys_enter must not reuse it */
	EMIT(b, MOAT_ST_MEM(MOAT_W, R(9), 8, -1));
	emit_call(b, MOAT_FN_ktime_get_ns);
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(1), R(9), 0));
	EMIT(b, MOAT_ALU64_REG(MOAT_SUB, R(0), R(1)));
	EMIT(b, MOAT_MOV64_REG(R(9), R(0)));
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(6), R(6), cfg->layout == PROBE_LAYOUT_TRACEPOINT ? 16 : 8));
	emit_stats(b, m);
	if (cfg->hist_nr != PROBE_NO_HIST)
		emit_hist(b, cfg, m);
	if (m->pending && wants_syscall_events(cfg))
		emit_event_dispatch(b, cfg, m, out, false);
	return probe_finish(b, out, "moat_sys_exit", err);
}
