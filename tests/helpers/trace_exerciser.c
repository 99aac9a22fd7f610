/*
 * trace_exerciser: makes an exact, known set of system calls for the tracer
 * tests to count.
 *
 * usage: trace_exerciser [-g FIFO] N PATH
 *   -g FIFO   first block reading one byte from FIFO, so a tracer can attach
 *             by pid before the counted part starts
 *
 * The counted part, all through syscall(2) so that neither libc nor a
 * sanitizer runtime adds or hides calls:
 *   N x getpid
 *   N x openat: N-1 of PATH (each closed: N-1 x close) and one of
 *       "PATH.missing", which fails with ENOENT
 *   a TCP listener on 127.0.0.1 (socket, setsockopt, bind, listen,
 *       getsockname) and one connect to it from a second socket
 *   one child (clone), which execs /bin/busybox true (one execve); wait4
 *   kill(own pid, 0)
 *   write of "port=P pid=D\n" to stdout, then exit_group(3)
 *
 * usage: trace_exerciser --bpf-leftovers
 *   prints how many BPF programs and links of moat's tracer (programs named
 *   moat_sys_enter, moat_sys_exit, moat_fork, moat_exit, moat_exec, moat_connect, moat_probe) the
 *   kernel holds, found by walking the program and link ids with bpf(2)
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>

static long sys(long nr, long a, long b, long c, long d)
{
	return syscall(nr, a, b, c, d, 0, 0);
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* A listener on 127.0.0.1:<any> and one connection to it; returns the port. */
static int connect_loopback(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int one = 1;
	long l = sys(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0);
	if (l < 0 || syscall(SYS_setsockopt, l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("socket");
	if (sys(SYS_bind, l, (long)&a, sizeof(a), 0) < 0 || sys(SYS_listen, l, 1, 0, 0) < 0 ||
	    sys(SYS_getsockname, l, (long)&a, (long)&len, 0) < 0)
		die("listen");
	long c = sys(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0);
	if (c < 0 || sys(SYS_connect, c, (long)&a, sizeof(a), 0) < 0)
		die("connect");
	return ntohs(a.sin_port);
}

static bool tracer_prog(uint32_t id)
{
	static const char *const names[] = { "moat_sys_enter", "moat_sys_exit", "moat_fork",
					     "moat_exit", "moat_exec", "moat_connect", "moat_probe" };
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	int r = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	for (size_t i = 0; r == 0 && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(info.name, names[i]))
			return true;
	return false;
}

static int bpf_leftovers(void)
{
	unsigned n = 0;
	for (uint32_t id = 0; bpf_prog_get_next_id(id, &id) == 0;)
		n += tracer_prog(id);
	for (uint32_t id = 0; bpf_link_get_next_id(id, &id) == 0;) {
		struct bpf_link_info info = { 0 };
		uint32_t len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			n += tracer_prog(info.prog_id);
		close(fd);
	}
	printf("%u\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--bpf-leftovers"))
		return bpf_leftovers();
	int i = 1;
	const char *gate = NULL;
	if (argc > 2 && !strcmp(argv[1], "-g")) {
		gate = argv[2];
		i = 3;
	}
	if (argc != i + 2 || atol(argv[i]) <= 0) {
		fprintf(stderr, "usage: trace_exerciser [-g FIFO] N PATH\n");
		return 2;
	}
	long n = atol(argv[i]);
	const char *path = argv[i + 1];
	char missing[4096];
	snprintf(missing, sizeof(missing), "%s.missing", path);
	/* on the stack: a fresh child's page tables lack the file-backed
	 * .rodata pages until it touches them, and the tracer, which may not
	 * fault pages in, would read an empty path */
	char busybox[] = "/bin/busybox";
	char *child_argv[] = { "busybox", "true", NULL };
	char *child_env[] = { NULL };
	if (gate) {
		char b;
		int g = open(gate, O_RDONLY | O_CLOEXEC);
		if (g < 0 || read(g, &b, 1) < 0)
			die(gate);
	}

	long pid = 0;
	for (long k = 0; k < n; k++)
		pid = sys(SYS_getpid, 0, 0, 0, 0);
	for (long k = 0; k < n; k++) {
		long fd = sys(SYS_openat, AT_FDCWD, (long)(k == n - 1 ? missing : path),
			      O_RDONLY | O_CLOEXEC, 0);
		if (fd >= 0)
			sys(SYS_close, fd, 0, 0, 0);
	}
	int port = connect_loopback();
	long child = sys(SYS_clone, SIGCHLD, 0, 0, 0);
	if (child == 0) {
		sys(SYS_execve, (long)busybox, (long)child_argv, (long)child_env, 0);
		syscall(SYS_exit_group, 127);
	}
	int st = 0;
	if (child < 0 || sys(SYS_wait4, child, (long)&st, 0, 0) != child || st != 0)
		die("child");
	sys(SYS_kill, pid, 0, 0, 0);
	char line[64];
	int len = snprintf(line, sizeof(line), "port=%d pid=%ld\n", port, pid);
	sys(SYS_write, 1, (long)line, len, 0);
	syscall(SYS_exit_group, 3);
	return 3;
}
