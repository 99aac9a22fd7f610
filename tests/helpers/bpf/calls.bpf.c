/* A local (static __noinline) function in .text called from two programs
 * in one section, plus a second program section. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int add3(int x)
{
	return x * 2 + 3;
}

static __attribute__((noinline)) int twice(int x)
{
	return add3(x) + add3(x + 1);
}

SEC("xdp")
int first(struct xdp_md *ctx)
{
	return add3((int)ctx->ingress_ifindex);
}

SEC("xdp")
int second(struct xdp_md *ctx)
{
	return twice((int)ctx->rx_queue_index);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int on_open(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
