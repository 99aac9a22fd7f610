/*
 * What every probe program shares: the maps, the scope check, map access
 * sequences, the epilogue, and the table of syscalls that produce events.
 */
#include <asm/unistd.h>
#include <errno.h>

#include "compile/probes/emit.h"

/* x86-64 numbers from the kernel's uapi headers at build time. */
const struct probe_event_syscall probe_event_syscalls[] = {
	{ __NR_execve, PROBE_EV_EXEC, 0, -1 },
	{ __NR_execveat, PROBE_EV_EXEC, 1, -1 },
	{ __NR_open, PROBE_EV_OPEN, 0, -1 },
	{ __NR_openat, PROBE_EV_OPEN, 1, -1 },
	{ __NR_openat2, PROBE_EV_OPEN, 1, -1 },
	{ __NR_creat, PROBE_EV_OPEN, 0, -1 },
	{ __NR_connect, PROBE_EV_CONNECT, -1, 1 },
	{ __NR_kill, PROBE_EV_SIGNAL, -1, -1 },
	{ __NR_tkill, PROBE_EV_SIGNAL, -1, -1 },
	{ __NR_tgkill, PROBE_EV_SIGNAL, -1, -1 },
	{ 0, 0, 0, 0 },
};

static struct moat_map *mkmap(enum moat_map_type t, uint32_t ks, uint32_t vs, uint32_t n,
			      const char *name, struct moat_error *err)
{
	MOAT_OPTS(moat_map_def, d, .type = t, .key_size = ks, .value_size = vs, .max_entries = n,
		  .name = name);
	return moat_map_new(&d, err);
}

int probe_maps_init(struct probe_maps *m, bool with_events, struct moat_error *err)
{
	*m = (struct probe_maps){ 0 };
	m->pids = mkmap(MOAT_MAP_HASH, 4, 4, 16384, "moat_pids", err);
	m->bits = m->pids ? mkmap(MOAT_MAP_ARRAY, 4, 8, PROBE_BITS_WORDS, "moat_bits", err) : NULL;
	m->start = m->bits ? mkmap(MOAT_MAP_HASH, 4, 16, 32768, "moat_start", err) : NULL;
	m->stats = m->start ? mkmap(MOAT_MAP_PERCPU_ARRAY, 4, sizeof(struct probe_stat),
				    PROBE_MAX_SYSCALLS, "moat_stats", err) : NULL;
	m->hist = m->stats ? mkmap(MOAT_MAP_PERCPU_ARRAY, 4, 8, PROBE_HIST_SLOTS, "moat_hist", err)
			   : NULL;
	bool ok = m->hist;
	if (ok && with_events) {
		m->pending = mkmap(MOAT_MAP_HASH, 4, sizeof(struct probe_event), 8192, "moat_pending",
				   err);
		m->events = m->pending ? mkmap(MOAT_MAP_RINGBUF, 0, 0, 1u << 22, "moat_events", err)
				       : NULL;
		ok = m->events;
	}
	if (!ok) {
		probe_maps_release(m);
		return -err->errnum;
	}
	return 0;
}

void probe_maps_release(struct probe_maps *m)
{
	moat_map_free(m->pids);
	moat_map_free(m->bits);
	moat_map_free(m->start);
	moat_map_free(m->stats);
	moat_map_free(m->hist);
	moat_map_free(m->pending);
	moat_map_free(m->events);
	*m = (struct probe_maps){ 0 };
}

void probe_emit_lookup(struct moat_builder *b, struct moat_map *map, int16_t key_off,
		       moat_label miss)
{
	moat_builder_ld_map(b, R(1), map);
	emit_stack_ptr(b, R(2), key_off);
	emit_call(b, MOAT_FN_map_lookup_elem);
	moat_builder_jmp_imm(b, MOAT_JEQ, R(0), 0, miss);
}

void probe_emit_update(struct moat_builder *b, struct moat_map *map, int16_t key_off,
		       int16_t val_off)
{
	moat_builder_ld_map(b, R(1), map);
	emit_stack_ptr(b, R(2), key_off);
	emit_stack_ptr(b, R(3), val_off);
	EMIT(b, MOAT_MOV64_IMM(R(4), MOAT_MAP_ANY));
	emit_call(b, MOAT_FN_map_update_elem);
}

void probe_emit_zero(struct moat_builder *b, int16_t off, int len)
{
	for (int i = 0; i < len; i += 8)
		EMIT(b, MOAT_ST_MEM(MOAT_DW, R(10), (int16_t)(off + i), 0));
}

struct moat_builder *probe_builder_new(const struct probe_cfg *cfg, struct moat_error *err)
{
	struct moat_builder *b = moat_builder_new(cfg->layout == PROBE_LAYOUT_TRACEPOINT
							  ? MOAT_PROG_TRACEPOINT
							  : MOAT_PROG_RAW_TRACEPOINT);
	if (!b)
		moat_error_set(err, ENOMEM, "out of memory");
	return b;
}

void probe_emit_context(struct moat_builder *b)
{
	EMIT(b, MOAT_MOV64_REG(R(6), R(1)));
	emit_call(b, MOAT_FN_get_current_pid_tgid);
	EMIT(b, MOAT_MOV64_REG(R(7), R(0)));
	EMIT(b, MOAT_STX_MEM(MOAT_W, R(10), R(7), STK_TID));
}

void probe_emit_prologue(struct moat_builder *b, const struct probe_cfg *cfg,
			 const struct probe_maps *m, moat_label out)
{
	probe_emit_context(b);
	probe_emit_scope(b, cfg, m, out);
}

void probe_emit_scope(struct moat_builder *b, const struct probe_cfg *cfg,
		      const struct probe_maps *m, moat_label out)
{
	if (cfg->by_cgroup) {
		/* the task's cgroup or its ancestor at the traced one's level: the
		 * traced cgroup and all its descendants */
		EMIT(b, MOAT_MOV64_IMM(R(1), cfg->cgroup_level));
		emit_call(b, MOAT_FN_get_current_ancestor_cgroup_id);
		moat_builder_ld_imm64(b, R(1), cfg->cgroup_id);
		moat_builder_jmp_reg(b, MOAT_JNE, R(0), R(1), out);
		return;
	}
	probe_emit_tgid_bit(b, m, R(7), out);
	moat_builder_jmp_imm(b, MOAT_JEQ, R(1), 0, out);
}

void probe_emit_tgid_bit(struct moat_builder *b, const struct probe_maps *m, uint8_t src,
			 moat_label out)
{
	/* word tgid / 64 (src holds tgid in its upper half), inlined by the kernel */
	EMIT(b, MOAT_MOV64_REG(R(1), src));
	EMIT(b, MOAT_ALU64_IMM(MOAT_RSH, R(1), 38));
	EMIT(b, MOAT_STX_MEM(MOAT_W, R(10), R(1), STK_KEY));
	probe_emit_lookup(b, m->bits, STK_KEY, out);
	EMIT(b, MOAT_MOV64_REG(R(3), src));
	EMIT(b, MOAT_ALU64_IMM(MOAT_RSH, R(3), 32));
	EMIT(b, MOAT_ALU64_IMM(MOAT_AND, R(3), 63));
	EMIT(b, MOAT_MOV64_IMM(R(2), 1));
	EMIT(b, MOAT_ALU64_REG(MOAT_LSH, R(2), R(3)));
	EMIT(b, MOAT_LDX_MEM(MOAT_DW, R(1), R(0), 0));
	EMIT(b, MOAT_ALU64_REG(MOAT_AND, R(1), R(2)));
}

struct moat_prog *probe_finish(struct moat_builder *b, moat_label out, const char *name,
			       struct moat_error *err)
{
	moat_builder_bind(b, out);
	EMIT(b, MOAT_MOV64_IMM(R(0), 0));
	EMIT(b, MOAT_EXIT_INSN());
	struct moat_prog *p = moat_builder_finish(b, name, err);
	moat_builder_free(b);
	return p;
}
