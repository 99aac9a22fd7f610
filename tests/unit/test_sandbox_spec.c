/* The sandbox's word parsers: sizes, volumes, users, CPUs, capabilities, devices, ulimits. */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include <moat/moat.h>
#include "tap.h"

static void test_size(void)
{
	struct moat_error e;
	uint64_t v;
	ok(moat_size_parse("4096", &v, &e) == 0 && v == 4096, "plain bytes");
	ok(moat_size_parse("64m", &v, &e) == 0 && v == 64ull << 20, "64m");
	ok(moat_size_parse("64M", &v, &e) == 0 && v == 64ull << 20, "64M");
	ok(moat_size_parse("1g", &v, &e) == 0 && v == 1ull << 30, "1g");
	ok(moat_size_parse("2kb", &v, &e) == 0 && v == 2048, "2kb");
	ok(moat_size_parse("1.5G", &v, &e) == 0 && v == 3ull << 29, "1.5G");
	ok(moat_size_parse("1t", &v, &e) == 0 && v == 1ull << 40, "1t");
	ok(moat_size_parse("12q", &v, &e) == -EINVAL && strstr(e.msg, "unknown unit 'q'"), "unknown unit named");
	ok(moat_size_parse("", &v, &e) < 0, "empty refused");
	ok(moat_size_parse("-1", &v, &e) < 0, "negative refused");
	ok(moat_size_parse("0", &v, &e) == -ERANGE, "zero refused");
	ok(moat_size_parse("1mx", &v, &e) < 0, "trailing junk refused");
	ok(moat_size_parse("99999999999t", &v, &e) == -ERANGE, "overflow refused");
	ok(moat_size_parse("nan", &v, &e) < 0 && moat_size_parse("inf", &v, &e) < 0, "nan and inf refused");
}

static void test_volume(void)
{
	struct moat_error e;
	struct moat_volume v;
	char a[] = "/srv/data:/data";
	ok(moat_volume_parse(a, &v, &e) == 0 && !strcmp(v.src, "/srv/data") && !strcmp(v.dst, "/data") && !v.ro,
	   "SRC:DST is a rw volume");
	char b[] = "/srv:/data:ro";
	ok(moat_volume_parse(b, &v, &e) == 0 && v.ro, ":ro is read-only");
	char c[] = "/srv:/data:rw";
	ok(moat_volume_parse(c, &v, &e) == 0 && !v.ro, ":rw is read-write");
	char d[] = "/srv";
	ok(moat_volume_parse(d, &v, &e) < 0 && strstr(e.msg, "want SRC:DST"), "no target refused");
	char f[] = "srv:/data";
	ok(moat_volume_parse(f, &v, &e) < 0 && strstr(e.msg, "absolute"), "relative source refused");
	char g[] = "/srv:/data:rx";
	ok(moat_volume_parse(g, &v, &e) < 0 && strstr(e.msg, "mode 'rx'"), "bad mode named");
	char h[] = "/srv:/data/../etc";
	ok(moat_volume_parse(h, &v, &e) < 0 && strstr(e.msg, ".."), "'..' in the target refused");
	char i[] = "/srv:/data..x";
	ok(moat_volume_parse(i, &v, &e) == 0, "'..' inside a name is fine");
}

static void test_user_cpus(void)
{
	struct moat_error e;
	uid_t u;
	gid_t g;
	uint64_t m;
	ok(moat_user_parse("1000", &u, &g, &e) == 0 && u == 1000 && g == 1000, "UID alone sets GID too");
	ok(moat_user_parse("1000:50", &u, &g, &e) == 0 && u == 1000 && g == 50, "UID:GID");
	ok(moat_user_parse("root", &u, &g, &e) < 0, "names refused (numbers only)");
	ok(moat_user_parse("1:", &u, &g, &e) < 0, "empty GID refused");
	ok(moat_user_parse("4294967295", &u, &g, &e) < 0, "uid -1 refused");
	ok(moat_cpus_parse("0.5", &m, &e) == 0 && m == 500, "0.5 CPUs = 500 milli");
	ok(moat_cpus_parse("2", &m, &e) == 0 && m == 2000, "2 CPUs");
	ok(moat_cpus_parse("0", &m, &e) == -ERANGE, "0 CPUs refused");
	ok(moat_cpus_parse("1x", &m, &e) < 0, "junk refused");
}

static void test_caps(void)
{
	struct moat_error e;
	ok(moat_cap_parse("net_raw", false, &e) == 13, "net_raw is 13");
	ok(moat_cap_parse("CAP_NET_RAW", false, &e) == 13, "CAP_NET_RAW is 13");
	ok(moat_cap_parse("Sys_Admin", false, &e) == 21, "case-insensitive");
	ok(moat_cap_parse("checkpoint_restore", false, &e) == 40, "the newest (40)");
	ok(moat_cap_parse("all", true, &e) == -2, "all where allowed");
	ok(moat_cap_parse("all", false, &e) == -EINVAL, "all elsewhere refused");
	ok(moat_cap_parse("CAP_FLY", false, &e) == -EINVAL && strstr(e.msg, "unknown capability 'CAP_FLY'"),
	   "unknown named");
	is_str(moat_cap_name(0), "chown", "name of 0");
	ok(moat_cap_name(41) == NULL && moat_cap_name(-1) == NULL, "no name out of range");
	uint64_t d = moat_cap_default();
	is_u64(d, 0xa80425fbull, "Docker's default set");
	is_int(__builtin_popcountll(d), 14, "14 capabilities");
}

static void test_device_rlimit(void)
{
	struct moat_error e;
	struct moat_device_rule d;
	char a[] = "/dev/null";
	ok(moat_device_parse(a, &d, &e) == 0 && d.type == 'c' && d.major == 1 && d.minor == 3 &&
	   d.access == (MOAT_DEV_READ | MOAT_DEV_WRITE | MOAT_DEV_MKNOD), "/dev/null: c 1:3 rwm");
	char b[] = "/dev/zero:r";
	ok(moat_device_parse(b, &d, &e) == 0 && d.access == MOAT_DEV_READ, ":r reads only");
	char c[] = "/dev/zero:rr";
	ok(moat_device_parse(c, &d, &e) < 0, "repeated letter refused");
	char f[] = "/dev/zero:x";
	ok(moat_device_parse(f, &d, &e) < 0, "unknown letter refused");
	char g[] = "/etc/passwd";
	ok(moat_device_parse(g, &d, &e) < 0 && strstr(e.msg, "not a device"), "a file is not a device");
	char h[] = "/nonexistent/dev";
	ok(moat_device_parse(h, &d, &e) == -ENOENT, "missing node");
	struct moat_rlimit_req r;
	ok(moat_rlimit_parse("nofile=1024:4096", &r, &e) == 0 && r.resource == RLIMIT_NOFILE && r.soft == 1024 &&
	   r.hard == 4096, "nofile=1024:4096");
	ok(moat_rlimit_parse("core=0", &r, &e) == 0 && r.soft == 0 && r.hard == 0, "core=0 sets both");
	ok(moat_rlimit_parse("stack=unlimited", &r, &e) == 0 && r.soft == RLIM_INFINITY, "unlimited");
	ok(moat_rlimit_parse("nofile=10:5", &r, &e) < 0 && strstr(e.msg, "soft limit above"), "soft above hard");
	ok(moat_rlimit_parse("bogus=1", &r, &e) < 0 && strstr(e.msg, "unknown ulimit 'bogus'"), "unknown name");
	ok(moat_rlimit_parse("nofile", &r, &e) < 0, "no value");
	ok(moat_rlimit_parse("nofile=-1", &r, &e) < 0, "negative value");
}

static void test_spec_init(void)
{
	struct moat_sandbox_spec s;
	moat_sandbox_spec_init(&s);
	ok(s.caps == moat_cap_default() && s.seccomp == MOAT_SECCOMP_DEFAULT && s.net == MOAT_NET_NONE &&
	   !s.rootfs && !s.memory, "defaults: Docker caps, default seccomp, no network, no limits");
	struct moat_error e;
	int st = -1;
	char *argv[] = { "true", NULL };
	s.argv = argv;
	s.rootfs = "/nonexistent/rootfs";
	ok(moat_sandbox_run(&s, &st, &e) < 0 && strstr(e.msg, "rootfs /nonexistent/rootfs"), "missing rootfs fails first");
	s.rootfs = "/";
	ok(moat_sandbox_run(&s, &st, &e) < 0 && strstr(e.msg, "host's root"), "the host root is refused");
	s.argv = NULL;
	ok(moat_sandbox_run(&s, &st, &e) < 0 && strstr(e.msg, "no command"), "no command is refused");
}

int main(void)
{
	test_size();
	test_volume();
	test_user_cpus();
	test_caps();
	test_device_rlimit();
	test_spec_init();
	return tap_done();
}
