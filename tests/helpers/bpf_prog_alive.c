/* bpf_prog_alive ID: exit 0 when the kernel still has BPF program ID, 1 when not. */
#include <stdlib.h>
#include <unistd.h>

#include <bpf/bpf.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int fd = bpf_prog_get_fd_by_id((unsigned)strtoul(argv[1], NULL, 10));
	if (fd < 0)
		return 1;
	close(fd);
	return 0;
}
