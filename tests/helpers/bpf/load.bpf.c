/* Programs for moat bpf load: XDP that counts or drops ICMP echo requests,
 * a tracepoint that counts getppid calls per process, and a cgroup_skb
 * program that drops everything a cgroup sends. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} echo_requests SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1024);
} getppid_calls SEC(".maps");

/* 1 when the frame is an IPv4 ICMP echo request. */
static __always_inline int is_echo_request(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_ICMP || ip->ihl != 5)
		return 0;
	__u8 *type = (void *)(ip + 1);
	if ((void *)(type + 1) > end)
		return 0;
	return *type == 8;
}

SEC("xdp")
int count_echo(struct xdp_md *ctx)
{
	__u32 k = 0;
	if (is_echo_request(ctx)) {
		__u64 *n = bpf_map_lookup_elem(&echo_requests, &k);
		if (n)
			__sync_fetch_and_add(n, 1);
	}
	return XDP_PASS;
}

SEC("xdp")
int drop_echo(struct xdp_md *ctx)
{
	return is_echo_request(ctx) ? XDP_DROP : XDP_PASS;
}

/* One more getppid call for the current process. */
static __always_inline void count_getppid_call(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 one = 1, *n = bpf_map_lookup_elem(&getppid_calls, &tgid);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&getppid_calls, &tgid, &one, BPF_NOEXIST);
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int count_getppid(void *ctx)
{
	count_getppid_call();
	return 0;
}

/* The same count through raw_tp and tp_btf: args[1] is the syscall number. */
static __always_inline void count_if_getppid(unsigned long long nr)
{
	if (nr == 110) /* __NR_getppid on x86-64 */
		count_getppid_call();
}

SEC("raw_tp/sys_enter")
int raw_getppid(struct bpf_raw_tracepoint_args *ctx)
{
	count_if_getppid(ctx->args[1]);
	return 0;
}

SEC("tp_btf/sys_enter")
int btf_getppid(unsigned long long *ctx)
{
	count_if_getppid(ctx[1]);
	return 0;
}

SEC("cgroup_skb/egress")
int deny_egress(struct __sk_buff *skb)
{
	return 0; /* every packet the cgroup sends is dropped */
}

char LICENSE[] SEC("license") = "GPL";
