/* Refers to a map that is declared but never defined: loading must fail. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern char missing[];

SEC("xdp")
int uses_missing(struct xdp_md *ctx)
{
	__u32 k = 0;
	return bpf_map_lookup_elem(missing, &k) != 0;
}

char LICENSE[] SEC("license") = "GPL";
