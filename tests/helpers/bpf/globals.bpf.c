/* Globals in .rodata, .data and .bss. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 limit = 42;
const volatile __u64 magic = 0x1122334455667788ULL;
__u32 hits = 7;
__u64 total;

SEC("tc")
int tc_globals(struct __sk_buff *skb)
{
	hits++;
	total += skb->len;
	return skb->len > limit ? (int)(magic & 1) : 0;
}

char LICENSE[] SEC("license") = "GPL";
