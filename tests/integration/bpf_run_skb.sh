#!/usr/bin/env bash
# moat bpf run --type tc|socket|cgroup_skb --mem: the input is an Ethernet
# frame wrapped in struct moat_skb_ctx (tc sees it from the Ethernet
# header, socket and cgroup_skb from the network header, as the kernel's
# BPF_PROG_TEST_RUN gives it them); same answer interpreted, checked
# (--trace) and as native code.
source "$MOAT_TOP/tests/lib/tap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# tc: direct packet access; IPv4 -> len, else 1; runts -> 2
cat >"$tmp/tc.s" <<'TC'
	ldxw %r2, [%r1+76]
	ldxw %r3, [%r1+80]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r3, runt
	ldxw %r0, [%r1+16]
	jne %r0, 0x0008, other
	ldxw %r0, [%r1+0]
	exit
other:
	mov %r0, 1
	exit
runt:
	mov %r0, 2
	exit
TC
# socket: LD_ABS from the network header: the IP protocol byte
printf 'mov %%r6, %%r1\nldabsb 9\nexit\n' >"$tmp/sock.s"
# cgroup_skb: allow (1) only frames whose skb->len is above 20
printf 'ldxw %%r2, [%%r1+0]\nmov %%r0, 0\njle %%r2, 20, +1\nmov %%r0, 1\nexit\n' >"$tmp/cg.s"

udp="000000000000 020000000001 0800 4500002e 00010000 4011 0000 0a000001 0a000002 3039 0035 001a 0000"
arp="ffffffffffff 020000000001 0806 0001"
for mode in "" --jit --trace; do
	out=$("$MOAT" bpf run "$tmp/tc.s" --type tc --mem-hex "$udp" $mode | tail -n 1)
	[ "$out" = "r0 = 0x2a (42)" ] && pass "tc${mode:+ $mode}: an IPv4 frame gives skb->len" ||
		fail "tc $mode: $out"
	out=$("$MOAT" bpf run "$tmp/sock.s" --type socket --mem-hex "$udp" $mode | tail -n 1)
	[ "$out" = "r0 = 0x11 (17)" ] && pass "socket${mode:+ $mode}: LD_ABS reads from the network header" ||
		fail "socket $mode: $out"
	out=$("$MOAT" bpf run "$tmp/cg.s" --type cgroup_skb --mem-hex "$udp" $mode | tail -n 1)
	[ "$out" = "r0 = 0x1 (1)" ] && pass "cgroup_skb${mode:+ $mode}: skb->len excludes the Ethernet header" ||
		fail "cgroup_skb $mode: $out"
done
out=$("$MOAT" bpf run "$tmp/tc.s" --type tc --mem-hex "$arp" --jit)
[ "$out" = "r0 = 0x1 (1)" ] && pass "tc --jit: ARP is not IPv4 (skb->protocol)" || fail "tc arp: $out"
out=$("$MOAT" bpf run "$tmp/tc.s" --type tc --mem-hex "ffff" --jit)
[ "$out" = "r0 = 0x2 (2)" ] && pass "tc --jit: a runt fails the bounds check" || fail "tc runt: $out"
out=$("$MOAT" bpf run "$tmp/sock.s" --type socket --jit)
[ "$out" = "r0 = 0x0 (0)" ] && pass "socket: no input, LD_ABS past the packet returns 0" || fail "socket empty: $out"
out=$("$MOAT" bpf run "$tmp/cg.s" --type cgroup_skb --mem-hex "$arp")
[ "$out" = "r0 = 0x0 (0)" ] && pass "cgroup_skb: a short frame is refused" || fail "cgroup_skb short: $out"
printf 'stw [%%r1+8], 1\nmov %%r0, 0\nexit\n' >"$tmp/bad.s"
must_fail 1 "socket: writing mark is refused by the verifier" \
	"$MOAT" bpf run "$tmp/bad.s" --type socket --mem-hex "$udp"
grep -q "read-only for socket programs" "$MF_ERR" && pass "the refusal names the rule" ||
	fail "message: $(cat "$MF_ERR")"

done_testing
