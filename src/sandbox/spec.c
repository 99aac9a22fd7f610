/* The sandbox spec: defaults and the parsers of command-line words. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <moat/sandbox.h>

void moat_sandbox_spec_init(struct moat_sandbox_spec *spec)
{
	*spec = (struct moat_sandbox_spec){
		.caps = moat_cap_default(),
		.seccomp = MOAT_SECCOMP_DEFAULT,
		.net = MOAT_NET_NONE,
	};
}

/* A decimal number with an optional fraction; false on anything else. */
static bool parse_decimal(const char *s, char **end, double *v)
{
	if (!(*s >= '0' && *s <= '9'))
		return false;
	errno = 0;
	*v = strtod(s, end);
	return errno == 0 && isfinite(*v);
}

int moat_size_parse(const char *s, uint64_t *bytes, struct moat_error *err)
{
	char *end;
	double v;
	if (!parse_decimal(s, &end, &v))
		return moat_error_set(err, EINVAL, "bad size '%s' (want a number like 64m or 1g)", s);
	double mul = 1;
	const char *units = "kmgt";
	if (*end) {
		const char *u = strchr(units, end[0] | 0x20);
		if (!u || !end[0])
			return moat_error_set(err, EINVAL, "bad size '%s': unknown unit '%s' (k, m, g, t)", s, end);
		for (const char *p = units; p <= u; p++)
			mul *= 1024;
		end++;
		if ((*end | 0x20) == 'b')
			end++;
		if (*end)
			return moat_error_set(err, EINVAL, "bad size '%s': unexpected '%s'", s, end);
	}
	v *= mul;
	if (v < 1 || v >= 18446744073709551616.0)
		return moat_error_set(err, ERANGE, "size '%s' out of range", s);
	*bytes = (uint64_t)v;
	return 0;
}

int moat_volume_parse(char *s, struct moat_volume *v, struct moat_error *err)
{
	char *dst = strchr(s, ':');
	if (!dst)
		return moat_error_set(err, EINVAL, "bad volume '%s' (want SRC:DST[:ro])", s);
	*dst++ = '\0';
	char *mode = strchr(dst, ':');
	if (mode)
		*mode++ = '\0';
	if (s[0] != '/' || dst[0] != '/')
		return moat_error_set(err, EINVAL, "bad volume '%s:%s': both paths must be absolute", s, dst);
	v->src = s;
	v->dst = dst;
	v->ro = false;
	if (mode && !strcmp(mode, "ro"))
		v->ro = true;
	else if (mode && strcmp(mode, "rw"))
		return moat_error_set(err, EINVAL, "bad volume mode '%s' (want ro or rw)", mode);
	for (const char *p = dst; (p = strstr(p, "..")); p += 2)
		if ((p == dst || p[-1] == '/') && (p[2] == '/' || !p[2]))
			return moat_error_set(err, EINVAL, "bad volume target '%s': '..' not allowed", dst);
	return 0;
}

/* A whole decimal number below max. */
static bool parse_uint(const char *s, unsigned long long max, unsigned long long *v)
{
	if (!(*s >= '0' && *s <= '9'))
		return false;
	char *end;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end && *v <= max;
}

int moat_user_parse(const char *s, uid_t *uid, gid_t *gid, struct moat_error *err)
{
	char buf[64];
	if (strlen(s) >= sizeof(buf))
		return moat_error_set(err, EINVAL, "bad user '%.40s...'", s);
	strcpy(buf, s);
	char *g = strchr(buf, ':');
	if (g)
		*g++ = '\0';
	unsigned long long u, gv;
	if (!parse_uint(buf, 0xfffffffeULL, &u) || (g && !parse_uint(g, 0xfffffffeULL, &gv)))
		return moat_error_set(err, EINVAL, "bad user '%s' (want UID[:GID], numbers)", s);
	*uid = (uid_t)u;
	*gid = g ? (gid_t)gv : (gid_t)u;
	return 0;
}

int moat_cpus_parse(const char *s, uint64_t *milli, struct moat_error *err)
{
	char *end;
	double v;
	if (!parse_decimal(s, &end, &v) || *end)
		return moat_error_set(err, EINVAL, "bad CPU count '%s' (want a number like 0.5 or 2)", s);
	if (v < 0.01 || v > 4096)
		return moat_error_set(err, ERANGE, "CPU count '%s' out of range (0.01 to 4096)", s);
	*milli = (uint64_t)llround(v * 1000);
	return 0;
}

int moat_device_parse(char *s, struct moat_device_rule *d, struct moat_error *err)
{
	char *mode = strchr(s, ':');
	if (mode)
		*mode++ = '\0';
	if (s[0] != '/')
		return moat_error_set(err, EINVAL, "bad device '%s': want an absolute path", s);
	struct stat st;
	if (stat(s, &st) < 0)
		return moat_error_set(err, errno, "device '%s': %s", s, strerror(errno));
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return moat_error_set(err, EINVAL, "'%s' is not a device node", s);
	unsigned acc = 0;
	for (const char *p = mode ? mode : "rwm"; *p; p++) {
		unsigned bit = *p == 'r' ? MOAT_DEV_READ : *p == 'w' ? MOAT_DEV_WRITE
			     : *p == 'm' ? MOAT_DEV_MKNOD : 0;
		if (!bit || (acc & bit))
			return moat_error_set(err, EINVAL, "bad device access '%s' (want letters of rwm)", mode);
		acc |= bit;
	}
	if (!acc)
		return moat_error_set(err, EINVAL, "bad device access '' (want letters of rwm)");
	*d = (struct moat_device_rule){ .path = s, .type = S_ISCHR(st.st_mode) ? 'c' : 'b',
		.major = (long)major(st.st_rdev), .minor = (long)minor(st.st_rdev), .access = acc };
	return 0;
}

static const struct {
	const char *name;
	int res;
} rlimit_names[] = {
	{ "core", RLIMIT_CORE },	 { "cpu", RLIMIT_CPU },	      { "data", RLIMIT_DATA },
	{ "fsize", RLIMIT_FSIZE },	 { "locks", RLIMIT_LOCKS },   { "memlock", RLIMIT_MEMLOCK },
	{ "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },     { "nofile", RLIMIT_NOFILE },
	{ "nproc", RLIMIT_NPROC },	 { "rss", RLIMIT_RSS },	      { "rtprio", RLIMIT_RTPRIO },
	{ "rttime", RLIMIT_RTTIME },	 { "sigpending", RLIMIT_SIGPENDING }, { "stack", RLIMIT_STACK },
	{ "as", RLIMIT_AS },
};

/* "unlimited" or a whole number. */
static bool parse_limit(const char *s, uint64_t *v)
{
	unsigned long long x;
	if (!strcmp(s, "unlimited")) {
		*v = RLIM_INFINITY;
		return true;
	}
	if (!parse_uint(s, ~0ULL - 1, &x))
		return false;
	*v = x;
	return true;
}

int moat_rlimit_parse(const char *s, struct moat_rlimit_req *r, struct moat_error *err)
{
	char buf[128];
	if (strlen(s) >= sizeof(buf))
		return moat_error_set(err, EINVAL, "bad ulimit '%.40s...'", s);
	strcpy(buf, s);
	char *val = strchr(buf, '=');
	if (!val)
		return moat_error_set(err, EINVAL, "bad ulimit '%s' (want NAME=SOFT[:HARD])", s);
	*val++ = '\0';
	r->resource = -1;
	for (size_t i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
		if (!strcasecmp(buf, rlimit_names[i].name))
			r->resource = rlimit_names[i].res;
	if (r->resource < 0)
		return moat_error_set(err, EINVAL, "unknown ulimit '%s' (nofile, nproc, core, stack, ...)", buf);
	char *hard = strchr(val, ':');
	if (hard)
		*hard++ = '\0';
	if (!parse_limit(val, &r->soft) || (hard && !parse_limit(hard, &r->hard)))
		return moat_error_set(err, EINVAL, "bad ulimit value in '%s' (want numbers or unlimited)", s);
	if (!hard)
		r->hard = r->soft;
	if (r->soft > r->hard)
		return moat_error_set(err, EINVAL, "ulimit '%s': soft limit above the hard limit", s);
	return 0;
}
