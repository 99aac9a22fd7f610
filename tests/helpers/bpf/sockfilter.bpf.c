/* Socket filter with a BTF-defined hash map and array map. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct key {
	__u32 a;
	__u16 b;
	__u16 c;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct key);
	__type(value, __u64);
	__uint(max_entries, 128);
} counts SEC(".maps");

typedef __u32 idx_t;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, idx_t);
	__type(value, __u32[6]);
	__uint(max_entries, 4);
} slots SEC(".maps");

/* Sizes given directly, and a creation flag. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(key_size, 4);
	__uint(value_size, 16);
	__uint(max_entries, 8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} sized SEC(".maps");

SEC("socket")
int count_packets(struct __sk_buff *skb)
{
	struct key k = { .a = skb->len, .b = 1, .c = 2 };
	__u64 one = 1, *v = bpf_map_lookup_elem(&counts, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&counts, &k, &one, BPF_ANY);
	idx_t i = 0;
	__u32 *s = bpf_map_lookup_elem(&slots, &i);
	if (s)
		s[0] = skb->protocol;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
