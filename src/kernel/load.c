/*
 * Loading moat programs into the running kernel (include/moat/kernel.h).
 *
 * moat's map references are indexes into the program's map table; the
 * kernel's are fds.  Loading therefore creates (or takes from the caller)
 * one kernel map per table entry and rewrites every lddw of the
 * MOAT_PSEUDO_MAP_FD / MOAT_PSEUDO_MAP_VALUE forms, whose src values are the
 * kernel's BPF_PSEUDO_MAP_FD / BPF_PSEUDO_MAP_VALUE, to carry the fd.
 *
 * The kernel is asked twice only when it refuses: the first load has no
 * log buffer (a log too small for a long program would turn an acceptance
 * into ENOSPC), the second one collects the log to explain the refusal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <moat/kernel.h>
#include <moat/map.h>

#include "util/cleanup.h"

_Static_assert(sizeof(struct bpf_insn) == sizeof(struct moat_insn), "same encoding");
_Static_assert((int)MOAT_PSEUDO_MAP_FD == (int)BPF_PSEUDO_MAP_FD, "pseudo map fd");
_Static_assert((int)MOAT_PSEUDO_MAP_VALUE == (int)BPF_PSEUDO_MAP_VALUE, "pseudo map value");
_Static_assert((int)MOAT_MAP_F_NO_PREALLOC == (int)BPF_F_NO_PREALLOC, "map flags");
_Static_assert((int)MOAT_MAP_F_RDONLY_PROG == (int)BPF_F_RDONLY_PROG, "map flags");

struct moat_kprog {
	int fd;
	uint32_t id;
	size_t n_maps;
	int *map_fds;
	bool *owned; /* map fd created here (closed by moat_kprog_free) */
};

static const struct {
	enum bpf_prog_type type;
	enum bpf_attach_type attach;
} kernel_types[MOAT_PROG_TYPE_COUNT] = {
    [MOAT_PROG_SOCKET_FILTER] = {BPF_PROG_TYPE_SOCKET_FILTER, 0},
    [MOAT_PROG_XDP] = {BPF_PROG_TYPE_XDP, BPF_XDP},
    [MOAT_PROG_SCHED_CLS] = {BPF_PROG_TYPE_SCHED_CLS, 0},
    [MOAT_PROG_CGROUP_SKB] = {BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS},
    [MOAT_PROG_CGROUP_DEVICE] = {BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE},
    [MOAT_PROG_TRACEPOINT] = {BPF_PROG_TYPE_TRACEPOINT, 0},
    [MOAT_PROG_RAW_TRACEPOINT] = {BPF_PROG_TYPE_RAW_TRACEPOINT, 0},
};

int moat_kernel_prog_type(enum moat_prog_type type)
{
	if ((unsigned)type >= MOAT_PROG_TYPE_COUNT || kernel_types[type].type == 0)
		return -EINVAL;
	return kernel_types[type].type;
}

int moat_kernel_map_create(const struct moat_map *map, struct moat_error *err)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = moat_map_flags(map));
	/* moat's map types carry the kernel's numbers */
	int fd = bpf_map_create((enum bpf_map_type)moat_map_type(map), moat_map_name(map),
				moat_map_key_size(map), moat_map_value_size(map),
				moat_map_max_entries(map), &o);
	if (fd < 0)
		return moat_error_set(err, errno, "creating map '%s' in the kernel: %s",
				      moat_map_name(map), strerror(errno));
	return fd;
}

void moat_kprog_free(struct moat_kprog *kp)
{
	if (!kp)
		return;
	for (size_t i = 0; i < kp->n_maps; i++)
		if (kp->owned[i] && kp->map_fds[i] >= 0)
			close(kp->map_fds[i]);
	if (kp->fd >= 0)
		close(kp->fd);
	free(kp->map_fds);
	free(kp->owned);
	free(kp);
}

int moat_kprog_fd(const struct moat_kprog *kp)
{
	return kp->fd;
}

uint32_t moat_kprog_id(const struct moat_kprog *kp)
{
	return kp->id;
}

int moat_kprog_map_fd(const struct moat_kprog *kp, size_t idx)
{
	return idx < kp->n_maps ? kp->map_fds[idx] : -1;
}

static int make_maps(struct moat_kprog *kp, const struct moat_prog *prog,
		     const struct moat_kernel_load_opts *o, struct moat_error *err)
{
	kp->n_maps = moat_prog_map_count(prog);
	kp->map_fds = calloc(kp->n_maps + 1, sizeof(int));
	kp->owned = calloc(kp->n_maps + 1, sizeof(bool));
	if (!kp->map_fds || !kp->owned)
		return moat_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < kp->n_maps; i++) {
		if (o && i < o->n_map_fds && o->map_fds[i] >= 0) {
			kp->map_fds[i] = o->map_fds[i];
			continue;
		}
		kp->map_fds[i] = moat_kernel_map_create(moat_prog_map(prog, i), err);
		if (kp->map_fds[i] < 0)
			return kp->map_fds[i];
		kp->owned[i] = true;
	}
	return 0;
}

/* The instruction a kernel log blames: the last "N: (op) ..." line before
 * the message, or -1. */
static long blamed_insn(const char *log)
{
	long insn = -1;
	for (const char *l = log; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char *end;
		long v = strtol(l, &end, 10);
		if (end != l && end[0] == ':' && end[1] == ' ' && end[2] == '(')
			insn = v;
	}
	return insn;
}

/* The last line of the log that says why (skips the statistics lines). */
static void reason_line(const char *log, char *out, size_t len)
{
	const char *best = NULL, *l = log;
	size_t best_len = 0;
	while (l && *l) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		if (n && strncmp(l, "processed ", 10) && strncmp(l, "verification time", 17) &&
		    strncmp(l, "stack depth", 11) && !(l[0] >= '0' && l[0] <= '9')) {
			best = l;
			best_len = n;
		}
		l = nl ? nl + 1 : NULL;
	}
	snprintf(out, len, "%.*s", (int)(best ? best_len : 0), best ? best : "");
}

static int kernel_refusal(int e, const struct bpf_insn *insns, size_t n, enum bpf_prog_type type,
			  const char *name, struct bpf_prog_load_opts *lo,
			  const struct moat_kernel_load_opts *o, struct moat_error *err)
{
	if (e == EPERM)
		return moat_error_set(err, EPERM,
				      "the kernel refused to load the program: %s (bpf(2) needs "
				      "CAP_BPF or root)",
				      strerror(e));
	size_t cap = 1u << 24;
	MOAT_AUTO(free) char *log = calloc(1, cap);
	if (log) {
		lo->log_buf = log;
		lo->log_size = (unsigned)cap;
		lo->log_level = 1;
		int fd = bpf_prog_load(type, name, "GPL", insns, n, lo);
		if (fd >= 0) /* accepted the second time: the kernel changed its mind */
			close(fd);
	}
	char reason[300] = "";
	if (log) {
		reason_line(log, reason, sizeof(reason));
		if (o && MOAT_OPTS_HAS(o, moat_kernel_load_opts, log) && o->log.write)
			o->log.write(o->log.arg, log, strlen(log));
	}
	return moat_error_insn(err, e, log ? blamed_insn(log) : -1,
			       "the kernel refused the program moat accepted: %s%s%s", strerror(e),
			       reason[0] ? ": " : "", reason);
}

struct moat_kprog *moat_kernel_load(const struct moat_prog *prog,
				    const struct moat_kernel_load_opts *o, struct moat_error *err)
{
	enum moat_prog_type t = moat_prog_type(prog);
	if (moat_kernel_prog_type(t) < 0) {
		moat_error_set(err, EINVAL, "programs of type %s cannot be loaded into the kernel",
			       moat_prog_type_name(t));
		return NULL;
	}
	if (moat_verify(prog, o ? o->verify : NULL, NULL, err) < 0) {
		moat_error_prefix(err, "moat's verifier");
		return NULL;
	}
	struct moat_kprog *kp = calloc(1, sizeof(*kp));
	if (!kp) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	kp->fd = -1;
	size_t n;
	const struct moat_insn *in = moat_prog_insns(prog, &n);
	MOAT_AUTO(free) struct bpf_insn *k = malloc(n * sizeof(*k));
	if (!k) {
		moat_error_set(err, ENOMEM, "out of memory");
		goto fail;
	}
	if (make_maps(kp, prog, o, err) < 0)
		goto fail;
	memcpy(k, in, n * sizeof(*k));
	for (size_t i = 0; i + 1 < n; i++) {
		if (k[i].code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if (k[i].src_reg == BPF_PSEUDO_MAP_FD || k[i].src_reg == BPF_PSEUDO_MAP_VALUE)
			k[i].imm = kp->map_fds[k[i].imm]; /* the verifier checked the index */
		i++;
	}
	uint32_t attach = o && o->attach_type ? o->attach_type : kernel_types[t].attach;
	LIBBPF_OPTS(bpf_prog_load_opts, lo, .expected_attach_type = (enum bpf_attach_type)attach,
		    .attach_btf_id = o ? o->attach_btf_id : 0);
	const char *name = o && o->name ? o->name : moat_prog_name(prog);
	char kname[16];
	snprintf(kname, sizeof(kname), "%s", name && *name ? name : "moat");
	enum bpf_prog_type kt = kernel_types[t].type;
	/* a raw tracepoint program with a BTF id is a tp_btf program: the
	 * kernel's tracing type, attached as a BTF-typed raw tracepoint */
	if (t == MOAT_PROG_RAW_TRACEPOINT && lo.attach_btf_id) {
		kt = BPF_PROG_TYPE_TRACING;
		lo.expected_attach_type = BPF_TRACE_RAW_TP;
	}
	kp->fd = bpf_prog_load(kt, kname, "GPL", k, n, &lo);
	if (kp->fd < 0) {
		kernel_refusal(errno, k, n, kt, kname, &lo, o, err);
		goto fail;
	}
	struct bpf_prog_info info = {0};
	uint32_t info_len = sizeof(info);
	if (bpf_obj_get_info_by_fd(kp->fd, &info, &info_len) == 0)
		kp->id = info.id;
	return kp;
fail:
	moat_kprog_free(kp);
	return NULL;
}

static bool is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* A per-CPU map's kernel value: moat's one value repeated for every
 * possible CPU, each padded to 8 bytes. */
static int kernel_value_size(const struct moat_map *map, int *ncpu, struct moat_error *err)
{
	enum moat_map_type t = moat_map_type(map);
	uint32_t vs = moat_map_value_size(map);
	*ncpu = 1;
	if (t != MOAT_MAP_PERCPU_ARRAY && t != MOAT_MAP_PERCPU_HASH)
		return (int)vs;
	*ncpu = libbpf_num_possible_cpus();
	if (*ncpu <= 0)
		return moat_error_set(err, *ncpu ? -*ncpu : EINVAL, "counting the possible CPUs");
	return (int)((vs + 7) / 8 * 8);
}

int moat_kernel_map_fill(struct moat_map *map, int fd, struct moat_error *err)
{
	uint32_t ks = moat_map_key_size(map), vs = moat_map_value_size(map);
	enum moat_map_type t = moat_map_type(map);
	if (t == MOAT_MAP_RINGBUF)
		return 0;
	int ncpu, kvs = kernel_value_size(map, &ncpu, err);
	if (kvs < 0)
		return kvs;
	MOAT_AUTO(free) uint8_t *key = calloc(1, ks * 2 + vs + (size_t)kvs * (size_t)ncpu);
	if (!key)
		return moat_error_set(err, ENOMEM, "out of memory");
	uint8_t *next = key + ks, *val = next + ks, *kval = val + vs;
	bool array = t == MOAT_MAP_ARRAY || t == MOAT_MAP_PERCPU_ARRAY;
	const void *prev = NULL;
	for (;;) {
		int r = moat_map_next_key(map, prev, next, NULL);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return moat_error_set(err, -r, "walking map '%s'", moat_map_name(map));
		if (moat_map_lookup(map, next, val, NULL) == 0 && !(array && is_zero(val, vs))) {
			for (int c = 0; c < ncpu; c++)
				memcpy(kval + (size_t)c * (size_t)kvs, val, vs);
			if (bpf_map_update_elem(fd, next, kval, BPF_ANY) < 0)
				return moat_error_set(err, errno, "filling kernel map '%s': %s",
						      moat_map_name(map), strerror(errno));
		}
		memcpy(key, next, ks);
		prev = key;
	}
}
