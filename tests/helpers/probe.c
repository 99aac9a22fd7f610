/*
 * probe: a static helper run inside moat containers.  It reports facts and
 * tries operations a container must not be able to do, one "name: result"
 * line each, so the integration tests assert on what the container
 * actually sees.  Results: "denied (ERRNO)" when the kernel refused with
 * EPERM, EACCES, EROFS or ESRCH; "allowed" when the call succeeded;
 * "absent (ENOSYS|ENOENT)" when this kernel lacks the call or file;
 * "failed (ERRNO)" for any other error (a broken check, not a denial).
 *
 *   probe                 every fact and check (HOSTPID=N names a host process)
 *   probe eat MB          allocate and touch MB MiB, then print "ate: MB"
 *   probe forkbomb        fork until refused; print "forks: N" (children wait)
 *   probe suid DIR        copy itself setuid-root into DIR, run it as uid 1000
 *   probe euid            print "euid: N" (what the setuid copy runs)
 *   probe open PATH       open PATH read-only: "open: allowed" or denied
 *   probe sethostname H   set the hostname, print it back
 *   probe rlimit          print "nofile: SOFT HARD"
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

static void result(const char *name, int r)
{
	int e = errno;
	if (r >= 0)
		printf("%s: allowed\n", name);
	else if (e == EPERM || e == EACCES || e == EROFS || e == ESRCH)
		printf("%s: denied (%s)\n", name, strerrorname_np(e));
	else if (e == ENOSYS || e == ENOENT)
		printf("%s: absent (%s)\n", name, strerrorname_np(e)); /* not in this kernel */
	else
		printf("%s: failed (%s)\n", name, strerrorname_np(e) ? strerrorname_np(e) : "?");
}

/* A path is masked when it is absent, /dev/null, or an empty directory. */
static void masked(const char *path)
{
	struct stat st;
	const char *what = "visible";
	if (stat(path, &st) < 0)
		what = "masked (absent)";
	else if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
		what = "masked";
	else if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		int n = 0;
		for (struct dirent *e; d && (e = readdir(d));)
			n += e->d_name[0] != '.';
		if (d)
			closedir(d);
		if (!n)
			what = "masked";
	}
	printf("masked %s: %s\n", path, what);
}

static void status_field(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t n = strlen(key);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			char *v = line + n + 1;
			v += strspn(v, " \t");
			printf("%s: %s", key, v);
		}
	if (f)
		fclose(f);
}

static void facts(void)
{
	char host[128] = "";
	gethostname(host, sizeof(host));
	printf("hostname: %s\npid: %d\nuid: %d\ngid: %d\n", host, getpid(), getuid(), getgid());
	status_field("CapEff");
	status_field("CapPrm");
	status_field("CapBnd");
	status_field("CapInh");
	status_field("CapAmb");
	status_field("NoNewPrivs");
	status_field("Seccomp");
	int procs = 0;
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));)
		procs += e->d_name[0] >= '0' && e->d_name[0] <= '9';
	if (d)
		closedir(d);
	printf("procs: %d\n", procs);
	printf("net_ifaces:");
	d = opendir("/sys/class/net");
	for (struct dirent *e; d && (e = readdir(d));)
		if (e->d_name[0] != '.')
			printf(" %s", e->d_name);
	if (d)
		closedir(d);
	printf("\n");
	/* mount points (the fifth field) of the host's tree must not show */
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[1024], mnt[512];
	int work = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1)
			work += !strncmp(mnt, "/work", 5) || !strncmp(mnt, "/home", 5) ||
				!strncmp(mnt, "/boot", 5);
	if (f)
		fclose(f);
	printf("host_mounts_visible: %s\n", work ? "yes" : "no");
	const char *hp = getenv("HOSTPID");
	if (hp) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%s", hp);
		printf("host_pid_visible: %s\n", access(p, F_OK) == 0 ? "yes" : "no");
		result("kill_host_pid", kill(atoi(hp), 0));
		result("ptrace_host_pid", (int)ptrace(PTRACE_ATTACH, atoi(hp), 0, 0));
	}
}

static int bpf_kprobe_load(void)
{
	struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a = { 0 };
	a.prog_type = BPF_PROG_TYPE_KPROBE;
	a.insns = (unsigned long)prog;
	a.insn_cnt = 2;
	a.license = (unsigned long)"GPL";
	return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
}

static int perf_cpu_wide(void)
{
	struct perf_event_attr a = { .type = PERF_TYPE_SOFTWARE, .size = sizeof(a),
				     .config = PERF_COUNT_SW_CPU_CLOCK };
	return (int)syscall(SYS_perf_event_open, &a, -1, 0, -1, 0);
}

static int open_by_handle(void)
{
	struct { struct file_handle h; unsigned char b[128]; } fh = { .h.handle_bytes = 128 };
	int mnt;
	if (name_to_handle_at(AT_FDCWD, "/", &fh.h, &mnt, 0) < 0)
		fh.h.handle_bytes = 8;
	return open_by_handle_at(AT_FDCWD, &fh.h, O_RDONLY);
}

static int write_file(const char *p)
{
	int fd = open(p, O_WRONLY);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static void checks(void)
{
	static char modbuf[64];
	int null = open("/dev/null", O_RDONLY);
	result("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
	result("umount", umount2("/proc", MNT_DETACH));
	result("pivot_root", (int)syscall(SYS_pivot_root, "/", "/"));
	result("swapon", swapon("/dev/null", 0));
	result("reboot", (int)syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
				      LINUX_REBOOT_CMD_CAD_OFF, NULL));
	result("init_module", (int)syscall(SYS_init_module, modbuf, sizeof(modbuf), ""));
	result("finit_module", (int)syscall(SYS_finit_module, null, "", 0));
	result("delete_module", (int)syscall(SYS_delete_module, "moat_probe_none", O_NONBLOCK));
	result("kexec_load", (int)syscall(SYS_kexec_load, 0, 0, NULL, 0));
	result("bpf", bpf_kprobe_load());
	result("perf_event_open", perf_cpu_wide());
	result("ptrace_init", (int)ptrace(PTRACE_ATTACH, 1, 0, 0));
	result("keyctl", (int)syscall(SYS_keyctl, 4 /* KEYCTL_CHOWN */, -3, 1234, -1));
	result("open_by_handle_at", open_by_handle());
	int r = mknod("/dev/probe-sda", S_IFBLK | 0600, makedev(8, 0));
	result("mknod_block", r);
	if (r == 0)
		unlink("/dev/probe-sda");
	result("setns", setns(open("/proc/self/ns/net", O_RDONLY), 0));
	result("unshare_mount", unshare(CLONE_NEWNS));
	result("iopl", iopl(3));
	result("ioperm", ioperm(0x80, 1, 1));
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	result("clock_settime", clock_settime(CLOCK_REALTIME, &ts));
	result("acct", acct("/dev/null"));
	result("syslog_clear", klogctl(5, NULL, 0));
	result("vhangup", vhangup());
	result("setpriority_high", setpriority(PRIO_PROCESS, 0, -20));
	struct sched_param sp = { .sched_priority = 10 };
	result("sched_fifo", sched_setscheduler(0, SCHED_FIFO, &sp));
	result("sethostname", sethostname("probe-changed", 13));
	result("raw_socket", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
	result("write_sys", mkdir("/sys/fs/moat-probe", 0755));
	result("write_proc_sys", write_file("/proc/sys/kernel/hostname"));
	result("write_sysrq_trigger", write_file("/proc/sysrq-trigger"));
	masked("/proc/kcore");
	masked("/proc/keys");
	masked("/proc/timer_list");
	masked("/proc/sched_debug");
	masked("/sys/firmware");
}

static int forkbomb(void)
{
	int n = 0;
	for (;;) {
		pid_t p = fork();
		if (p < 0)
			break;
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (++n >= 10000)
			break;
	}
	printf("forks: %d (%s)\n", n, strerrorname_np(errno));
	fflush(stdout);
	kill(0, SIGKILL);
	return 0;
}

static int suid(const char *dir, const char *self)
{
	char dst[512], buf[65536];
	snprintf(dst, sizeof(dst), "%s/probe-suid", dir);
	int in = open(self, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t n;
	if (in < 0 || out < 0)
		return perror("copy"), 1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return perror("write"), 1;
	close(in);
	close(out);
	if (chown(dst, 0, 0) < 0 || chmod(dst, 04755) < 0)
		return perror("chmod"), 1;
	pid_t p = fork();
	if (p == 0) {
		if (setgid(1000) < 0 || setuid(1000) < 0)
			_exit(90);
		execl(dst, dst, "euid", (char *)NULL);
		_exit(91);
	}
	int st;
	waitpid(p, &st, 0);
	unlink(dst);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *mode = argc > 1 ? argv[1] : "all";
	if (!strcmp(mode, "all")) {
		facts();
		checks();
	} else if (!strcmp(mode, "eat") && argc > 2) {
		size_t mb = strtoul(argv[2], NULL, 10);
		for (size_t i = 0; i < mb; i++) {
			char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				return perror("mmap"), 1;
			memset(p, 1, 1 << 20);
		}
		printf("ate: %zu\n", mb);
	} else if (!strcmp(mode, "forkbomb")) {
		return forkbomb();
	} else if (!strcmp(mode, "suid") && argc > 2) {
		return suid(argv[2], "/proc/self/exe");
	} else if (!strcmp(mode, "euid")) {
		printf("euid: %d\n", geteuid());
	} else if (!strcmp(mode, "open") && argc > 2) {
		result("open", open(argv[2], O_RDONLY));
	} else if (!strcmp(mode, "sethostname") && argc > 2) {
		char h[128] = "";
		result("sethostname", sethostname(argv[2], strlen(argv[2])));
		gethostname(h, sizeof(h));
		printf("hostname: %s\n", h);
	} else if (!strcmp(mode, "rlimit")) {
		struct rlimit l;
		getrlimit(RLIMIT_NOFILE, &l);
		printf("nofile: %llu %llu\n", (unsigned long long)l.rlim_cur, (unsigned long long)l.rlim_max);
	} else {
		fprintf(stderr, "probe: unknown mode '%s'\n", mode);
		return 2;
	}
	return 0;
}
