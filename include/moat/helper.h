/*
 * Helper functions callable from programs (`call N`), and their prototypes,
 * which the verifier checks every call against.  moat provides the kernel's
 * helpers under the kernel's ids; embedders register their own on a VM.
 */
#ifndef MOAT_HELPER_H
#define MOAT_HELPER_H

#include <moat/common.h>

/* Kernel helper ids moat implements. */
enum {
	MOAT_FN_map_lookup_elem = 1,
	MOAT_FN_map_update_elem = 2,
	MOAT_FN_map_delete_elem = 3,
	MOAT_FN_ktime_get_ns = 5,
	MOAT_FN_trace_printk = 6,
	MOAT_FN_get_prandom_u32 = 7,
	MOAT_FN_get_smp_processor_id = 8,
	MOAT_FN_tail_call = 12,
	MOAT_FN_get_current_pid_tgid = 14,
	MOAT_FN_get_current_comm = 16,
	MOAT_FN_get_current_cgroup_id = 80,
	MOAT_FN_get_current_ancestor_cgroup_id = 123,
	MOAT_FN_probe_read_user = 112,
	MOAT_FN_probe_read_kernel = 113,
	MOAT_FN_probe_read_user_str = 114,
	MOAT_FN_ringbuf_output = 130,
	MOAT_FN_ringbuf_reserve = 131,
	MOAT_FN_ringbuf_submit = 132,
	MOAT_FN_ringbuf_discard = 133,
	MOAT_FN_ringbuf_query = 134,
};

/* What a helper argument must be; the verifier enforces it. */
enum moat_arg_type {
	MOAT_ARG_NONE,            /* unused argument */
	MOAT_ARG_ANYTHING,        /* any initialised value */
	MOAT_ARG_CONST_MAP_PTR,   /* a map (lddw pseudo map) */
	MOAT_ARG_PTR_TO_MAP_KEY,  /* readable key_size bytes of the map in arg 1 */
	MOAT_ARG_PTR_TO_MAP_VALUE,/* readable value_size bytes of the map in arg 1 */
	MOAT_ARG_PTR_TO_MEM,      /* readable memory; its size is the next argument */
	MOAT_ARG_PTR_TO_UNINIT_MEM,/* writable memory; its size is the next argument */
	MOAT_ARG_CONST_SIZE,      /* size > 0 of the previous pointer argument */
	MOAT_ARG_CONST_SIZE_OR_ZERO,
	MOAT_ARG_PTR_TO_CTX,      /* the program's context (r1 on entry) */
	MOAT_ARG_PTR_TO_RINGBUF_REC, /* a reserved ring-buffer record; released by the call */
	MOAT_ARG_CONST_ALLOC_SIZE,/* known constant size of a ring-buffer reservation */
};

/* What a helper returns. */
enum moat_ret_type {
	MOAT_RET_INTEGER,
	MOAT_RET_VOID,
	MOAT_RET_MAP_VALUE_OR_NULL,   /* value_size bytes of the map in arg 1, or NULL */
	MOAT_RET_RINGBUF_REC_OR_NULL, /* arg-2 bytes of a reserved record, or NULL; must be released */
};

struct moat_helper_proto {
	const char *name;              /* "map_lookup_elem" */
	enum moat_ret_type ret;
	enum moat_arg_type args[5];
	uint32_t prog_types;           /* bitmask of 1u << moat_prog_type allowed; 0 = all */
	bool tail_call;                /* the tail-call helper: never returns on success */
};

/* A call in progress, passed to helpers (opaque). */
struct moat_call;

/*
 * A helper: receives r1..r5 and the call, returns the new r0.  Helpers run
 * on memory the verifier proved valid for their prototype.
 */
typedef uint64_t (*moat_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				   uint64_t r5, struct moat_call *call);

/* The `user` pointer given when the helper was registered. */
MOAT_API void *moat_call_user(const struct moat_call *call);

/* Writes text to the VM's print sink (trace_printk's output). */
MOAT_API void moat_call_print(struct moat_call *call, const char *text, size_t len);

#endif
