/* getppid_n N: prints its pid, then makes exactly N getppid system calls. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	printf("%d\n", (int)getpid());
	fflush(stdout);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return 0;
}
