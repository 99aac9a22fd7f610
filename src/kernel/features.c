/*
 * What this kernel offers tracing programs.  Facts that BTF can answer
 * (struct offsets, tp_btf hook ids) come from /sys/kernel/btf/vmlinux; whether
 * a kind of hook works at all is found out by using it: a tiny program is
 * loaded and attached to sys_enter, a system call is made, and the hook
 * counts as working only if the program ran.  A load that succeeds proves
 * nothing on kernels that accept programs but never run them at that hook.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include <moat/builder.h>
#include <moat/helper.h>
#include <moat/kernel.h>
#include <moat/kernel_attach.h>
#include <moat/map.h>

static struct btf *vmlinux_btf(struct moat_error *err)
{
	struct btf *btf = btf__load_vmlinux_btf();
	if (!btf)
		moat_error_set(err, ENOENT, "the kernel has no BTF (/sys/kernel/btf/vmlinux: %s), so "
			       "moat cannot find kernel structure offsets", strerror(errno));
	return btf;
}

/* Finds `member` in struct/union `t`, looking into its anonymous struct
 * and union members too (struct sock_common keeps its addresses in some);
 * adds the member's byte offset to *off.  True when found. */
static bool find_member(const struct btf *btf, const struct btf_type *t, const char *member,
			uint32_t *off, int depth)
{
	const struct btf_member *m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		/* bitfields are never what a tracer reads */
		uint32_t here = btf_member_bit_offset(t, i) / 8;
		if (name && !strcmp(name, member)) {
			*off += here;
			return true;
		}
		if ((name && *name) || depth > 8)
			continue;
		const struct btf_type *sub = btf__type_by_id(btf, m->type);
		if (sub && (btf_is_struct(sub) || btf_is_union(sub)) &&
		    find_member(btf, sub, member, off, depth + 1)) {
			*off += here;
			return true;
		}
	}
	return false;
}

int moat_kernel_struct_offset(const char *name, const char *member, uint32_t *off,
			      struct moat_error *err)
{
	struct btf *btf = vmlinux_btf(err);
	if (!btf)
		return -ENOENT;
	int r = moat_error_set(err, ENOENT, "the kernel's BTF has no struct %s", name);
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
	if (id > 0) {
		uint32_t o = 0;
		r = moat_error_set(err, ENOENT, "the kernel's struct %s has no member '%s'", name,
				   member);
		if (find_member(btf, btf__type_by_id(btf, (uint32_t)id), member, &o, 0)) {
			*off = o;
			moat_error_clear(err);
			r = 0;
		}
	}
	btf__free(btf);
	return r;
}

int moat_kernel_tp_btf_id(const char *name, struct moat_error *err)
{
	struct btf *btf = vmlinux_btf(err);
	if (!btf)
		return -ENOENT;
	char tname[128];
	snprintf(tname, sizeof(tname), "btf_trace_%s", name);
	int id = btf__find_by_name_kind(btf, tname, BTF_KIND_TYPEDEF);
	btf__free(btf);
	if (id <= 0)
		return moat_error_set(err, ENOENT, "the kernel's BTF has no tp_btf hook '%s'", name);
	return id;
}

/*
 * The probe: if (pid_tgid >> 32 == self) counter[0] += 1.  Its context is
 * not read, so the same instructions serve every kind of hook.
 */
static struct moat_prog *counter_prog(enum moat_prog_type type, struct moat_map *counter,
				      struct moat_error *err)
{
	struct moat_builder *b = moat_builder_new(type);
	if (!b) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	moat_label out = moat_builder_label(b);
	moat_builder_emit(b, MOAT_CALL_INSN(MOAT_FN_get_current_pid_tgid));
	moat_builder_emit(b, MOAT_ALU64_IMM(MOAT_RSH, MOAT_R0, 32));
	moat_builder_jmp_imm(b, MOAT_JNE, MOAT_R0, (int32_t)getpid(), out);
	moat_builder_emit(b, MOAT_ST_MEM(MOAT_W, MOAT_R10, -4, 0));
	moat_builder_ld_map(b, MOAT_R1, counter);
	moat_builder_emit(b, MOAT_MOV64_REG(MOAT_R2, MOAT_R10));
	moat_builder_emit(b, MOAT_ALU64_IMM(MOAT_ADD, MOAT_R2, -4));
	moat_builder_emit(b, MOAT_CALL_INSN(MOAT_FN_map_lookup_elem));
	moat_builder_jmp_imm(b, MOAT_JEQ, MOAT_R0, 0, out);
	moat_builder_emit(b, MOAT_ST_MEM(MOAT_DW, MOAT_R0, 0, 1));
	moat_builder_bind(b, out);
	moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R0, 0));
	moat_builder_emit(b, MOAT_EXIT_INSN());
	struct moat_prog *p = moat_builder_finish(b, "moat_probe", err);
	moat_builder_free(b);
	return p;
}

/* Loads the counter for `kind`, attaches it, fires sys_enter, reads it. */
static int probe_with(enum moat_hook_kind kind, struct moat_map *counter, struct moat_error *err)
{
	enum moat_prog_type type = kind == MOAT_HOOK_TRACEPOINT ? MOAT_PROG_TRACEPOINT
								: MOAT_PROG_RAW_TRACEPOINT;
	const char *hook = kind == MOAT_HOOK_TRACEPOINT ? "raw_syscalls:sys_enter" : "sys_enter";
	MOAT_OPTS(moat_kernel_load_opts, lo, .name = "moat_probe");
	if (kind == MOAT_HOOK_TP_BTF) {
		int id = moat_kernel_tp_btf_id("sys_enter", err);
		if (id < 0)
			return id;
		lo.attach_btf_id = (uint32_t)id;
		lo.attach_type = BPF_TRACE_RAW_TP;
	} else if (kind == MOAT_HOOK_TRACEPOINT) {
		int id = moat_tracepoint_id(hook, err);
		if (id < 0)
			return id;
	}
	struct moat_prog *p = counter_prog(type, counter, err);
	if (!p)
		return -err->errnum;
	struct moat_kprog *kp = moat_kernel_load(p, &lo, err);
	moat_prog_free(p);
	if (!kp)
		return -err->errnum;
	int r = 0, fd = moat_attach_hook(kind, moat_kprog_fd(kp), hook, err);
	if (fd >= 0) {
		uint32_t key = 0;
		uint64_t hits = 0;
		syscall(SYS_getppid);
		close(fd);
		if (bpf_map_lookup_elem(moat_kprog_map_fd(kp, 0), &key, &hits) < 0 || hits == 0)
			r = moat_error_set(err, ENOTSUP, "a %s program attached to sys_enter never ran",
					   moat_hook_kind_name(kind));
	} else {
		r = fd;
	}
	moat_kprog_free(kp);
	return r;
}

int moat_kernel_probe_hook(enum moat_hook_kind kind, struct moat_error *err)
{
	struct moat_error local;
	if (!err)
		err = &local;
	MOAT_OPTS(moat_map_def, d, .type = MOAT_MAP_ARRAY, .key_size = 4, .value_size = 8,
		  .max_entries = 1, .name = "moat_probe");
	struct moat_map *counter = moat_map_new(&d, err);
	if (!counter)
		return -err->errnum;
	int r = probe_with(kind, counter, err);
	moat_map_free(counter);
	if (r < 0)
		moat_error_prefix(err, "%s hooks do not work here", moat_hook_kind_name(kind));
	return r;
}
