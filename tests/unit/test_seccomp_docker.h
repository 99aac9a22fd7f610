/*
 * An independent reading of Docker's default profile for the seccomp tests:
 * json-c (not moat's JSON reader), evaluated call by call straight from the
 * JSON (not through moat's policy model), with moby's resolution for amd64,
 * Docker's 14 default capabilities and the running kernel, and runc's
 * installation rules (ERRNO without errnoRet is EPERM; two conditions on
 * one argument are alternatives).  The tests hold moat's compiled program,
 * in its VM and in the kernel, to this oracle.
 */
#ifndef MOAT_TEST_SECCOMP_DOCKER_H
#define MOAT_TEST_SECCOMP_DOCKER_H

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <moat/moat.h>

static const char *const dref_caps[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
};

static inline const char *dref_path(char *buf, size_t len)
{
	const char *shared = getenv("MOAT_SHARED");
	snprintf(buf, len, "%s/corpus/seccomp/docker-default.json", shared ? shared : "../shared");
	return buf;
}

static inline bool dref_in(json_object *arr, const char *s)
{
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), s))
			return true;
	return false;
}

static inline bool dref_cap(const char *c)
{
	for (size_t i = 0; i < sizeof(dref_caps) / sizeof(dref_caps[0]); i++)
		if (!strcmp(dref_caps[i], c))
			return true;
	return false;
}

static inline bool dref_kernel_ge(const char *v)
{
	struct utsname u;
	int a = 0, b = 0, ka = 0, kb = 0;
	uname(&u);
	sscanf(u.release, "%d.%d", &ka, &kb);
	sscanf(v, "%d.%d", &a, &b);
	return ka > a || (ka == a && kb >= b);
}

/* moby: an entry applies unless an exclude matches or an include does not. */
static inline bool dref_applies(json_object *e)
{
	json_object *inc = NULL, *exc = NULL, *v;
	json_object_object_get_ex(e, "includes", &inc);
	json_object_object_get_ex(e, "excludes", &exc);
	if (exc) {
		if (json_object_object_get_ex(exc, "arches", &v) && dref_in(v, "amd64"))
			return false;
		if (json_object_object_get_ex(exc, "caps", &v))
			for (size_t i = 0; i < json_object_array_length(v); i++)
				if (dref_cap(json_object_get_string(json_object_array_get_idx(v, i))))
					return false;
		if (json_object_object_get_ex(exc, "minKernel", &v) && dref_kernel_ge(json_object_get_string(v)))
			return false;
	}
	if (inc) {
		if (json_object_object_get_ex(inc, "arches", &v) && json_object_array_length(v) &&
		    !dref_in(v, "amd64"))
			return false;
		if (json_object_object_get_ex(inc, "caps", &v))
			for (size_t i = 0; i < json_object_array_length(v); i++)
				if (!dref_cap(json_object_get_string(json_object_array_get_idx(v, i))))
					return false;
		if (json_object_object_get_ex(inc, "minKernel", &v) && !dref_kernel_ge(json_object_get_string(v)))
			return false;
	}
	return true;
}

static inline uint32_t dref_action(json_object *e, const char *akey, const char *ekey)
{
	json_object *a, *r;
	json_object_object_get_ex(e, akey, &a);
	int en = json_object_object_get_ex(e, ekey, &r) ? json_object_get_int(r) : EPERM;
	const char *s = json_object_get_string(a);
	if (!strcmp(s, "SCMP_ACT_ALLOW"))
		return MOAT_SECCOMP_ALLOW;
	if (!strcmp(s, "SCMP_ACT_ERRNO"))
		return MOAT_SECCOMP_ERRNO(en);
	return MOAT_SECCOMP_KILL_THREAD; /* the default profile uses only the two above */
}

static inline bool dref_cond(json_object *c, const uint64_t *args)
{
	json_object *v;
	json_object_object_get_ex(c, "index", &v);
	uint64_t a = args[json_object_get_int(v)];
	json_object_object_get_ex(c, "value", &v);
	uint64_t x = json_object_get_uint64(v);
	uint64_t y = json_object_object_get_ex(c, "valueTwo", &v) ? json_object_get_uint64(v) : 0;
	json_object_object_get_ex(c, "op", &v);
	const char *op = json_object_get_string(v);
	if (!strcmp(op, "SCMP_CMP_EQ")) return a == x;
	if (!strcmp(op, "SCMP_CMP_NE")) return a != x;
	if (!strcmp(op, "SCMP_CMP_LT")) return a < x;
	if (!strcmp(op, "SCMP_CMP_LE")) return a <= x;
	if (!strcmp(op, "SCMP_CMP_GT")) return a > x;
	if (!strcmp(op, "SCMP_CMP_GE")) return a >= x;
	return (a & x) == y; /* SCMP_CMP_MASKED_EQ */
}

/* Do an entry's conditions hold?  AND, or OR when an argument repeats (runc). */
static inline bool dref_args_hold(json_object *e, const uint64_t *args)
{
	json_object *list, *v;
	if (!json_object_object_get_ex(e, "args", &list) || !list || !json_object_array_length(list))
		return true;
	size_t n = json_object_array_length(list);
	unsigned seen = 0;
	bool repeat = false;
	for (size_t i = 0; i < n; i++) {
		json_object_object_get_ex(json_object_array_get_idx(list, i), "index", &v);
		repeat |= (seen >> json_object_get_int(v)) & 1;
		seen |= 1u << json_object_get_int(v);
	}
	bool all = true, any = false;
	for (size_t i = 0; i < n; i++) {
		bool h = dref_cond(json_object_array_get_idx(list, i), args);
		all &= h;
		any |= h;
	}
	return repeat ? any : all;
}

/* The action of syscall `name` with `args`: first applicable entry that matches. */
static inline uint32_t dref_eval(json_object *root, const char *name, const uint64_t *args)
{
	json_object *sys, *names;
	json_object_object_get_ex(root, "syscalls", &sys);
	for (size_t i = 0; i < json_object_array_length(sys); i++) {
		json_object *e = json_object_array_get_idx(sys, i);
		if (!json_object_object_get_ex(e, "names", &names) || !dref_in(names, name))
			continue;
		if (dref_applies(e) && dref_args_hold(e, args))
			return dref_action(e, "action", "errnoRet");
	}
	return dref_action(root, "defaultAction", "defaultErrnoRet");
}

/*
 * Argument values worth trying for `name`: 0, and around every constant its
 * conditions compare with (v-1, v, v+1, and v with a high word), so both
 * sides of every comparison are taken.  Returns the count (at most max).
 */
static inline size_t dref_probe_values(json_object *root, const char *name, uint64_t *out,
				       size_t max)
{
	json_object *sys, *names, *list, *v;
	size_t n = 0;
	out[n++] = 0;
	json_object_object_get_ex(root, "syscalls", &sys);
	for (size_t i = 0; i < json_object_array_length(sys); i++) {
		json_object *e = json_object_array_get_idx(sys, i);
		if (!json_object_object_get_ex(e, "names", &names) || !dref_in(names, name) ||
		    !json_object_object_get_ex(e, "args", &list) || !list)
			continue;
		for (size_t k = 0; k < json_object_array_length(list); k++) {
			json_object_object_get_ex(json_object_array_get_idx(list, k), "value", &v);
			uint64_t x = json_object_get_uint64(v);
			uint64_t cand[] = { x - 1, x, x + 1, x | 1ull << 32, ~x, x & 0x12345678 };
			for (size_t c = 0; c < sizeof(cand) / sizeof(cand[0]) && n < max; c++)
				out[n++] = cand[c];
		}
	}
	return n;
}

/* Index of the argument `name`'s conditions test (0 when none). */
static inline int dref_probe_arg(json_object *root, const char *name)
{
	json_object *sys, *names, *list, *v;
	json_object_object_get_ex(root, "syscalls", &sys);
	for (size_t i = 0; i < json_object_array_length(sys); i++) {
		json_object *e = json_object_array_get_idx(sys, i);
		if (json_object_object_get_ex(e, "names", &names) && dref_in(names, name) &&
		    dref_applies(e) && json_object_object_get_ex(e, "args", &list) && list &&
		    json_object_array_length(list)) {
			json_object_object_get_ex(json_object_array_get_idx(list, 0), "index", &v);
			return json_object_get_int(v);
		}
	}
	return 0;
}

#endif
