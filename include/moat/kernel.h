/*
 * The running kernel's BPF: programs moat built and verified, loaded into
 * the kernel through libbpf.  This is the trust boundary: moat_kernel_load()
 * runs moat's verifier again on every program before the kernel sees it,
 * even when moat produced it.
 */
#ifndef MOAT_KERNEL_H
#define MOAT_KERNEL_H

#include <moat/prog.h>
#include <moat/verify.h>

struct moat_map;

/* A program loaded in the kernel, with the kernel maps it uses. */
struct moat_kprog;

struct moat_kernel_load_opts {
	size_t sz;
	const char *name;	/* the kernel's program name (15 bytes kept); NULL = the
				 * program's own name */
	uint32_t attach_type;	/* the kernel's expected_attach_type (enum bpf_attach_type);
				 * 0 = the usual one for the type (XDP: BPF_XDP, cgroup_skb:
				 * ingress, cgroup_device: BPF_CGROUP_DEVICE) */
	uint32_t attach_btf_id; /* tp_btf and iterators: the BTF id of the hook; a raw_tracepoint
				 * program with one loads as tp_btf (the kernel's tracing type) */
	const struct moat_verify_opts *verify; /* moat's verifier options; NULL = defaults */
	/*
	 * Kernel maps to use instead of creating new ones, indexed like the
	 * program's map table: map_fds[i] >= 0 is used for map i (a reload that
	 * keeps its state, two programs sharing a map), -1 creates it.  The
	 * caller keeps ownership of the fds it passes.
	 */
	const int *map_fds;
	size_t n_map_fds;
	struct moat_sink log; /* receives the kernel verifier's whole log on rejection */
};

/*
 * Verifies `prog` with moat's verifier, creates the kernel twin of each of
 * its maps (same type, sizes and flags) unless opts->map_fds supplies one,
 * rewrites the lddw map references to the kernel's fds and loads it with
 * bpf_prog_load().  Programs of type mem and seccomp cannot be loaded
 * (EINVAL: seccomp filters are classic BPF, installed with seccomp(2)).
 * Errors: moat's rejection (EACCES/EINVAL/E2BIG with the instruction); the
 * kernel's refusal with its errno, the kernel log's last line and, when the
 * log names it, the instruction index, prefixed "the kernel refused the
 * program moat accepted"; EPERM when the process may not use bpf(2).
 * Returns NULL on error; free with moat_kprog_free(), which closes the
 * program and the maps it created (pinned or attached objects live on
 * in the kernel until unpinned or detached).
 */
MOAT_API struct moat_kprog *moat_kernel_load(const struct moat_prog *prog,
					     const struct moat_kernel_load_opts *opts,
					     struct moat_error *err);

/* Closes the program's fd and the map fds it created.  NULL is allowed. */
MOAT_API void moat_kprog_free(struct moat_kprog *kp);

/* The program's fd (owned by kp). */
MOAT_API int moat_kprog_fd(const struct moat_kprog *kp);

/* The kernel's id of the program (as bpftool prog show lists it). */
MOAT_API uint32_t moat_kprog_id(const struct moat_kprog *kp);

/* The kernel fd of the program's map `idx` (owned by kp, or by the caller
 * when it supplied it), -1 when out of range. */
MOAT_API int moat_kprog_map_fd(const struct moat_kprog *kp, size_t idx);

/*
 * Creates the kernel twin of moat's map `map`: same type, key and value
 * sizes, entries and flags.  Returns the new fd (the caller closes it) or a
 * negative errno.
 */
MOAT_API int moat_kernel_map_create(const struct moat_map *map, struct moat_error *err);

/*
 * Copies every entry of moat map `map` into kernel map fd, which must have
 * the same type and sizes (moat_kernel_map_create() or moat_kernel_load()
 * made it).  Entries of arrays that are all zero are skipped, since kernel
 * arrays start zeroed; a per-CPU map's value (moat keeps one CPU's) is
 * written to every possible CPU.  Ring buffers have no entries.  0 or
 * -errno (the kernel's update error, ENOMEM).
 */
MOAT_API int moat_kernel_map_fill(struct moat_map *map, int fd, struct moat_error *err);

/* The kernel's enum bpf_prog_type for a moat type; -EINVAL for types the
 * kernel cannot load (mem, seccomp). */
MOAT_API int moat_kernel_prog_type(enum moat_prog_type type);

#endif
