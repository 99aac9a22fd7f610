/*
 * The kernel helpers moat implements, under the kernel's ids and with the
 * kernel's prototypes (the verifier checks every call against them).
 * Pointers they receive were checked against the prototype before the call:
 * by the verifier, or by the checked interpreter when running unverified.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "engine/exec_internal.h"
#include "engine/map_internal.h"

#define MAPP(x) ((struct moat_map *)(uintptr_t)(x))
#define PTR(x) ((void *)(uintptr_t)(x))

static uint64_t h_map_lookup(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct moat_call *c)
{
	struct moat_map *m = MAPP(r1);
	void *v = moat_map_elem_lookup(m, PTR(r2));
	if (v)
		moat_call_add_region(c, v, moat_map_value_size(m), false);
	return (uintptr_t)v;
}

static uint64_t h_map_update(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct moat_call *c)
{
	return (uint64_t)moat_map_elem_update(MAPP(r1), PTR(r2), PTR(r3), r4);
}

static uint64_t h_map_delete(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct moat_call *c)
{
	return (uint64_t)moat_map_elem_delete(MAPP(r1), PTR(r2));
}

static uint64_t h_ktime(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			struct moat_call *c)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t h_prandom(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			  struct moat_call *c)
{
	/* xorshift64*: the state lives in the VM, so runs never share it. */
	uint64_t x = c->vm->prandom;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->vm->prandom = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

static uint64_t h_cpu(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct moat_call *c)
{
	return 0;
}

/* True when [p, p+len) lies in a region the run may read (always true when
 * the run is not checked: the verifier then proved it). */
static bool readable(const struct moat_call *c, uintptr_t p, uint64_t len)
{
	if (!c->checked)
		return true;
	for (size_t i = 0; i < c->n_regions; i++)
		if (p >= c->regions[i].lo && len <= c->regions[i].hi - p)
			return true;
	return false;
}

/* Formats one conversion of trace_printk; returns the length consumed from
 * fmt after '%', or 0 for an unsupported conversion. */
static size_t fmt_one(struct moat_call *c, const char *f, size_t n, uint64_t arg, char *out,
		      size_t outlen)
{
	size_t l = 0;
	while (l < n && l < 2 && f[l] == 'l')
		l++;
	if (l >= n)
		return 0;
	char conv = f[l];
	bool wide = l > 0;
	switch (conv) {
	case 'd':
	case 'i':
		snprintf(out, outlen, "%lld", wide ? (long long)arg : (long long)(int32_t)arg);
		break;
	case 'u':
		snprintf(out, outlen, "%llu", wide ? (unsigned long long)arg : (unsigned long long)(uint32_t)arg);
		break;
	case 'x':
		snprintf(out, outlen, "%llx", wide ? (unsigned long long)arg : (unsigned long long)(uint32_t)arg);
		break;
	case 'p':
		if (l)
			return 0;
		snprintf(out, outlen, "0x%llx", (unsigned long long)arg);
		break;
	case 's': {
		if (l)
			return 0;
		size_t k = 0;
		while (k + 1 < outlen && k < 64 && readable(c, (uintptr_t)arg + k, 1) &&
		       ((const char *)PTR(arg))[k])
			k++;
		if (k)
			memcpy(out, PTR(arg), k);
		out[k] = 0;
		break;
	}
	default:
		return 0;
	}
	return l + 1;
}

static uint64_t h_trace_printk(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			       struct moat_call *c)
{
	const char *fmt = PTR(r1);
	uint64_t args[3] = { r3, r4, r5 };
	size_t n = strnlen(fmt, r2), used = 0;
	char buf[512], one[80];
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof(buf) - 1; i++) {
		if (fmt[i] != '%') {
			buf[len++] = fmt[i];
			continue;
		}
		if (i + 1 < n && fmt[i + 1] == '%') {
			buf[len++] = '%';
			i++;
			continue;
		}
		if (used == 3)
			return (uint64_t)-EINVAL;
		size_t k = fmt_one(c, fmt + i + 1, n - i - 1, args[used++], one, sizeof(one));
		if (!k)
			return (uint64_t)-EINVAL;
		i += k;
		size_t ol = strlen(one);
		if (ol > sizeof(buf) - 1 - len)
			ol = sizeof(buf) - 1 - len;
		memcpy(buf + len, one, ol);
		len += ol;
	}
	moat_call_print(c, buf, len);
	return len;
}

static uint64_t h_tail_call(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct moat_call *c)
{
	struct moat_map *m = MAPP(r2);
	if (moat_map_type(m) != MOAT_MAP_PROG_ARRAY || r3 >= moat_map_max_entries(m))
		return (uint64_t)-EINVAL;
	if (c->tail_calls >= MOAT_MAX_TAIL_CALLS)
		return (uint64_t)-ENOENT;
	struct moat_exec *e = moat_prog_array_get(m, (uint32_t)r3);
	if (!e)
		return (uint64_t)-ENOENT;
	/* the target sees this program's context: same type, and an
	 * unchecked target no more input than this one was verified for */
	enum moat_prog_type t = moat_prog_type(e->prog);
	if (t != moat_prog_type(c->exec->prog))
		return (uint64_t)-EINVAL;
	if (t == MOAT_PROG_MEM && !e->checked &&
	    e->mem_len > (c->exec->checked ? 0 : c->exec->mem_len))
		return (uint64_t)-EINVAL;
	c->tail_calls++;
	c->tail_to = e;
	return 0;
}

static uint64_t h_rb_output(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct moat_call *c)
{
	return (uint64_t)moat_ringbuf_output(MAPP(r1), PTR(r2), r3, r4);
}

static uint64_t h_rb_reserve(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct moat_call *c)
{
	void *rec = moat_ringbuf_reserve(MAPP(r1), r2, r3);
	if (rec)
		moat_call_add_region(c, rec, r2, true);
	return (uintptr_t)rec;
}

static uint64_t h_rb_submit(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct moat_call *c)
{
	moat_call_drop_region(c, PTR(r1));
	moat_ringbuf_submit(PTR(r1), r2);
	return 0;
}

static uint64_t h_rb_discard(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct moat_call *c)
{
	moat_call_drop_region(c, PTR(r1));
	moat_ringbuf_discard(PTR(r1), r2);
	return 0;
}

static uint64_t h_rb_query(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct moat_call *c)
{
	return moat_ringbuf_query(MAPP(r1), r2);
}

/*
 * Task helpers.  In moat's VM "the current task" is the thread running the
 * program; the kernel answers for the task that hit the hook.
 */
static uint64_t h_pid_tgid(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct moat_call *c)
{
	return (uint64_t)(uint32_t)getpid() << 32 | (uint32_t)gettid();
}

static uint64_t h_comm(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct moat_call *c)
{
	char name[16] = { 0 };
	if (r2 == 0)
		return (uint64_t)-EINVAL;
	prctl(PR_GET_NAME, name, 0, 0, 0);
	size_t n = r2 < sizeof(name) ? r2 : sizeof(name);
	memcpy(PTR(r1), name, n);
	((char *)PTR(r1))[n - 1] = 0;
	if (r2 > n)
		memset((char *)PTR(r1) + n, 0, r2 - n);
	return 0;
}

/* A process in the VM has no cgroup of its own to report: the kernel
 * returns 0 too when the cgroup v2 hierarchy is not mounted (and, for
 * get_current_ancestor_cgroup_id(level), when level is deeper than the
 * task's cgroup). */
static uint64_t h_cgroup_id(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct moat_call *c)
{
	return 0;
}

/*
 * probe_read_user(dst, size, ptr): in the VM "user memory" is this
 * process's own, read through process_vm_readv so a bad pointer gives
 * -EFAULT instead of a crash.  As in the kernel, dst is zeroed on failure.
 */
static long read_self(void *dst, size_t len, uint64_t src)
{
	struct iovec l = { dst, len }, r = { PTR(src), len };
	if (len == 0)
		return 0;
	ssize_t n = process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	if (n != (ssize_t)len) {
		memset(dst, 0, len);
		return -EFAULT;
	}
	return 0;
}

static uint64_t h_probe_read_user(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				  struct moat_call *c)
{
	return (uint64_t)read_self(PTR(r1), r2, r3);
}

/* Kernel memory is never readable from the VM: zero dst, -EFAULT. */
static uint64_t h_probe_read_kernel(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				    uint64_t r5, struct moat_call *c)
{
	memset(PTR(r1), 0, r2);
	return (uint64_t)-EFAULT;
}

/* Copies a NUL-terminated string of at most size bytes (NUL included);
 * returns its length with the NUL, or -EFAULT with dst zeroed. */
static uint64_t h_probe_read_user_str(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				      uint64_t r5, struct moat_call *c)
{
	char *dst = PTR(r1);
	if (r2 == 0)
		return 0;
	for (uint64_t i = 0; i < r2; i++) {
		if (read_self(dst + i, 1, r3 + i) < 0) {
			memset(dst, 0, r2);
			return (uint64_t)-EFAULT;
		}
		if (dst[i] == 0)
			return i + 1;
	}
	dst[r2 - 1] = 0;
	return r2;
}

#define A(...) { __VA_ARGS__ }
/* Helpers the kernel offers only to tracing programs. */
#define TRACING ((1u << MOAT_PROG_TRACEPOINT) | (1u << MOAT_PROG_RAW_TRACEPOINT))
static const struct {
	uint32_t id;
	moat_helper_fn fn;
	struct moat_helper_proto proto;
} kernel_helpers[] = {
	{ MOAT_FN_map_lookup_elem, h_map_lookup,
	  { "map_lookup_elem", MOAT_RET_MAP_VALUE_OR_NULL,
	    A(MOAT_ARG_CONST_MAP_PTR, MOAT_ARG_PTR_TO_MAP_KEY), 0, false } },
	{ MOAT_FN_map_update_elem, h_map_update,
	  { "map_update_elem", MOAT_RET_INTEGER,
	    A(MOAT_ARG_CONST_MAP_PTR, MOAT_ARG_PTR_TO_MAP_KEY, MOAT_ARG_PTR_TO_MAP_VALUE,
	      MOAT_ARG_ANYTHING), 0, false } },
	{ MOAT_FN_map_delete_elem, h_map_delete,
	  { "map_delete_elem", MOAT_RET_INTEGER,
	    A(MOAT_ARG_CONST_MAP_PTR, MOAT_ARG_PTR_TO_MAP_KEY), 0, false } },
	{ MOAT_FN_ktime_get_ns, h_ktime, { "ktime_get_ns", MOAT_RET_INTEGER, A(0), 0, false } },
	{ MOAT_FN_trace_printk, h_trace_printk,
	  { "trace_printk", MOAT_RET_INTEGER,
	    A(MOAT_ARG_PTR_TO_MEM, MOAT_ARG_CONST_SIZE, MOAT_ARG_ANYTHING, MOAT_ARG_ANYTHING,
	      MOAT_ARG_ANYTHING), 0, false } },
	{ MOAT_FN_get_prandom_u32, h_prandom,
	  { "get_prandom_u32", MOAT_RET_INTEGER, A(0), 0, false } },
	{ MOAT_FN_get_smp_processor_id, h_cpu,
	  { "get_smp_processor_id", MOAT_RET_INTEGER, A(0), 0, false } },
	{ MOAT_FN_tail_call, h_tail_call,
	  { "tail_call", MOAT_RET_VOID,
	    A(MOAT_ARG_PTR_TO_CTX, MOAT_ARG_CONST_MAP_PTR, MOAT_ARG_ANYTHING), 0, true } },
	{ MOAT_FN_get_current_pid_tgid, h_pid_tgid,
	  { "get_current_pid_tgid", MOAT_RET_INTEGER, A(0), TRACING, false } },
	{ MOAT_FN_get_current_comm, h_comm,
	  { "get_current_comm", MOAT_RET_INTEGER,
	    A(MOAT_ARG_PTR_TO_UNINIT_MEM, MOAT_ARG_CONST_SIZE), TRACING, false } },
	{ MOAT_FN_get_current_cgroup_id, h_cgroup_id,
	  { "get_current_cgroup_id", MOAT_RET_INTEGER, A(0), TRACING, false } },
	{ MOAT_FN_get_current_ancestor_cgroup_id, h_cgroup_id,
	  { "get_current_ancestor_cgroup_id", MOAT_RET_INTEGER, A(MOAT_ARG_ANYTHING), TRACING,
	    false } },
	{ MOAT_FN_probe_read_user, h_probe_read_user,
	  { "probe_read_user", MOAT_RET_INTEGER,
	    A(MOAT_ARG_PTR_TO_UNINIT_MEM, MOAT_ARG_CONST_SIZE_OR_ZERO, MOAT_ARG_ANYTHING),
	    TRACING, false } },
	{ MOAT_FN_probe_read_kernel, h_probe_read_kernel,
	  { "probe_read_kernel", MOAT_RET_INTEGER,
	    A(MOAT_ARG_PTR_TO_UNINIT_MEM, MOAT_ARG_CONST_SIZE_OR_ZERO, MOAT_ARG_ANYTHING),
	    TRACING, false } },
	{ MOAT_FN_probe_read_user_str, h_probe_read_user_str,
	  { "probe_read_user_str", MOAT_RET_INTEGER,
	    A(MOAT_ARG_PTR_TO_UNINIT_MEM, MOAT_ARG_CONST_SIZE_OR_ZERO, MOAT_ARG_ANYTHING),
	    TRACING, false } },
	{ MOAT_FN_ringbuf_output, h_rb_output,
	  { "ringbuf_output", MOAT_RET_INTEGER,
	    A(MOAT_ARG_CONST_MAP_PTR, MOAT_ARG_PTR_TO_MEM, MOAT_ARG_CONST_SIZE_OR_ZERO,
	      MOAT_ARG_ANYTHING), 0, false } },
	{ MOAT_FN_ringbuf_reserve, h_rb_reserve,
	  { "ringbuf_reserve", MOAT_RET_RINGBUF_REC_OR_NULL,
	    A(MOAT_ARG_CONST_MAP_PTR, MOAT_ARG_CONST_ALLOC_SIZE, MOAT_ARG_ANYTHING), 0, false } },
	{ MOAT_FN_ringbuf_submit, h_rb_submit,
	  { "ringbuf_submit", MOAT_RET_VOID,
	    A(MOAT_ARG_PTR_TO_RINGBUF_REC, MOAT_ARG_ANYTHING), 0, false } },
	{ MOAT_FN_ringbuf_discard, h_rb_discard,
	  { "ringbuf_discard", MOAT_RET_VOID,
	    A(MOAT_ARG_PTR_TO_RINGBUF_REC, MOAT_ARG_ANYTHING), 0, false } },
	{ MOAT_FN_ringbuf_query, h_rb_query,
	  { "ringbuf_query", MOAT_RET_INTEGER, A(MOAT_ARG_CONST_MAP_PTR, MOAT_ARG_ANYTHING), 0,
	    false } },
};

int moat_vm_add_kernel_helpers(struct moat_vm *vm, struct moat_error *err)
{
	for (size_t i = 0; i < sizeof(kernel_helpers) / sizeof(kernel_helpers[0]); i++) {
		int r = moat_vm_add_helper(vm, kernel_helpers[i].id, &kernel_helpers[i].proto,
					   kernel_helpers[i].fn, NULL, err);
		if (r < 0)
			return r;
	}
	return 0;
}
