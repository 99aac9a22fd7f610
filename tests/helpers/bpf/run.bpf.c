/* A MOAT_PROG_MEM program (unknown section name) that the interpreter can
 * run: a local call, a .rodata constant and a .data counter. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile int bias = 10;
int runs = 100;

static __attribute__((noinline)) int add3(int x)
{
	return x * 2 + 3;
}

SEC("mem")
int mem_calls(void *buf)
{
	runs++;
	return add3(bias) + add3(bias + 1) + runs;
}

char LICENSE[] SEC("license") = "GPL";
