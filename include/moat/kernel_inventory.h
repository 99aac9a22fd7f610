/*
 * What the running kernel holds, asked of the kernel itself: every BPF
 * program, map and link loaded right now (as `bpftool prog/map/link show`
 * lists them), with the processes that hold a file descriptor to each, and
 * the thread-group ids the kernel's own task list contains (a BPF task
 * iterator), for comparison with /proc.
 *
 * Everything here needs CAP_SYS_ADMIN (or CAP_BPF + CAP_PERFMON) and the
 * bpf(2) system call; without them the functions fail with EPERM/ENOSYS in
 * err and leave nothing behind.
 */
#ifndef MOAT_KERNEL_INVENTORY_H
#define MOAT_KERNEL_INVENTORY_H

#include <moat/common.h>
#include <moat/error.h>

enum moat_kobj_kind { MOAT_KOBJ_PROG, MOAT_KOBJ_MAP, MOAT_KOBJ_LINK };

/* A process holding a file descriptor to a BPF object (from /proc/PID/fdinfo). */
struct moat_kobj_owner {
	int pid;
	int fd;
	char comm[16];
};

#define MOAT_KOBJ_MAX_OWNERS 8

/* One BPF object as the kernel describes it (bpf_obj_get_info_by_fd). */
struct moat_kobj {
	enum moat_kobj_kind kind;
	uint32_t id;
	char type[32];     /* "kprobe", "hash", "tracing", ... (libbpf's names) */
	char name[32];     /* the object's name; "" when it has none */
	char attach[160];  /* links: the attach point; programs: tag and map ids;
			      maps: key/value sizes and entries */
	uint32_t prog_id;  /* links: the program attached; 0 otherwise */
	size_t nowners;    /* entries used in owners[] */
	size_t all_owners; /* every holder found (may exceed MOAT_KOBJ_MAX_OWNERS) */
	struct moat_kobj_owner owners[MOAT_KOBJ_MAX_OWNERS];
	/*
	 * Programs: the addresses of its JIT-compiled functions (the main one
	 * and each subprogram), as /proc/kallsyms lists them ("bpf_prog_TAG_NAME
	 * [bpf]"); NULL/0 when not JIT-compiled or when kptr_restrict hides
	 * addresses.  Owned by the inventory.
	 */
	uint64_t *ksyms;
	size_t nksyms;
};

/* Every BPF object of the running kernel: programs, then maps, then links, by id. */
struct moat_kinv {
	size_t n;
	struct moat_kobj *objs;
};

/*
 * Enumerates the kernel's BPF programs, maps and links (bpf_*_get_next_id,
 * bpf_obj_get_info_by_fd) and finds their holders by reading every
 * /proc/PID/fdinfo entry that is a BPF object.  Objects that disappear
 * while being listed are left out.  Returns a new inventory (free with
 * moat_kinv_free) or NULL with err set (EPERM without privilege, ENOSYS
 * without bpf(2), ENOMEM).
 */
MOAT_API struct moat_kinv *moat_kinv_collect(struct moat_error *err);

/* Frees an inventory from moat_kinv_collect (NULL is fine). */
MOAT_API void moat_kinv_free(struct moat_kinv *inv);

/*
 * Lists the thread-group leaders the kernel's task list holds, by loading a
 * BPF task iterator (program type tracing, attach iter/task) that writes
 * each leader's tgid, and reading it once.  The program is assembled here
 * from a dozen instructions whose task_struct field offsets come from the
 * kernel's BTF (/sys/kernel/btf/vmlinux); it is verified by the kernel only,
 * because moat's verifier does not model BTF-typed pointers (ctx->task).
 * The program, link and iterator are closed before returning.
 *
 * On success *tgids is a malloc'd array (caller frees) sorted ascending and
 * *n its length.  Errors: ENOENT without kernel BTF, EPERM without
 * privilege, EINVAL/EOPNOTSUPP when the kernel refuses the iterator (its
 * verifier log is in err's message).
 */
MOAT_API int moat_ktasks_list(int **tgids, size_t *n, struct moat_error *err);

#endif
