/*
 * Resource limits.  A hard limit can only be raised with CAP_SYS_RESOURCE in
 * the initial user namespace; a request above the caller's hard limit
 * without it fails here, before any namespace or cgroup exists, rather than
 * half-way into a container.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/sandbox_internal.h"

static const char *rlimit_name(int res)
{
	static const char *const names[RLIM_NLIMITS] = {
		[RLIMIT_CORE] = "core", [RLIMIT_CPU] = "cpu", [RLIMIT_DATA] = "data",
		[RLIMIT_FSIZE] = "fsize", [RLIMIT_LOCKS] = "locks", [RLIMIT_MEMLOCK] = "memlock",
		[RLIMIT_MSGQUEUE] = "msgqueue", [RLIMIT_NICE] = "nice", [RLIMIT_NOFILE] = "nofile",
		[RLIMIT_NPROC] = "nproc", [RLIMIT_RSS] = "rss", [RLIMIT_RTPRIO] = "rtprio",
		[RLIMIT_RTTIME] = "rttime", [RLIMIT_SIGPENDING] = "sigpending",
		[RLIMIT_STACK] = "stack", [RLIMIT_AS] = "as",
	};
	return res >= 0 && res < RLIM_NLIMITS && names[res] ? names[res] : "?";
}

/* True if this process holds CAP_SYS_RESOURCE in its effective set. */
static bool has_sys_resource(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	return d[CAP_TO_INDEX(CAP_SYS_RESOURCE)].effective & CAP_TO_MASK(CAP_SYS_RESOURCE);
}

static void fmt_limit(uint64_t v, char *buf, size_t len)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

int sbx_rlimits_check(const struct moat_sandbox_spec *spec, struct moat_error *err)
{
	bool can_raise = spec->n_rlimits && has_sys_resource();
	for (size_t i = 0; i < spec->n_rlimits; i++) {
		const struct moat_rlimit_req *r = &spec->rlimits[i];
		struct rlimit cur;
		if (getrlimit(r->resource, &cur) < 0)
			return moat_error_set(err, errno, "ulimit %s: %s", rlimit_name(r->resource),
					      strerror(errno));
		if (r->hard <= cur.rlim_max || can_raise)
			continue;
		char want[32], have[32];
		fmt_limit(r->hard, want, sizeof(want));
		fmt_limit(cur.rlim_max, have, sizeof(have));
		return moat_error_set(err, EPERM,
				      "ulimit %s: hard limit %s is above this process's hard limit %s, "
				      "and raising it needs CAP_SYS_RESOURCE, which this process lacks",
				      rlimit_name(r->resource), want, have);
	}
	return 0;
}

int sbx_rlimits_apply(const struct moat_sandbox_spec *spec, struct moat_error *err)
{
	for (size_t i = 0; i < spec->n_rlimits; i++) {
		const struct moat_rlimit_req *r = &spec->rlimits[i];
		struct rlimit l = { .rlim_cur = r->soft, .rlim_max = r->hard };
		if (setrlimit(r->resource, &l) < 0)
			return moat_error_set(err, errno, "ulimit %s: %s", rlimit_name(r->resource),
					      strerror(errno));
	}
	return 0;
}
