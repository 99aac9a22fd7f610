#!/usr/bin/env bash
# moat bpf jit (compile and show native code), bpf run --jit and conformance
# --jit.  Running native code needs a verifier that proves memory safety:
# while this build's does not, the run commands must refuse with the clear
# message (asserted, not skipped); once it does, they must give the
# interpreter's answers.  The full suite under the JIT also runs in
# tests/unit/test_jit.c through the tests-only force path, whatever the
# verifier proves.
source "$MOAT_TOP/tests/lib/tap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'mov %%r0, 42\nstdw [%%r10-8], 7\nldxdw %%r2, [%%r10-8]\nadd %%r0, %%r2\nexit\n' >"$tmp/p.s"
printf 'mov %%r0, 0x3c5a7e11\nadd %%r0, 0x3c5a7e12\nexit\n' >"$tmp/k.s"
printf 'ldxw %%r0, [%%r10-8]\nexit\n' >"$tmp/bad.s"

# bpf jit: header, disassembly (objdump) or hex, -o
out=$("$MOAT" bpf jit "$tmp/p.s" -o "$tmp/p.bin"); ok $? "bpf jit exits 0"
head -n 1 <<<"$out" | grep -Eq '^; 5 eBPF instructions -> [0-9]+ bytes of x86-64$' &&
	pass "bpf jit prints the sizes" || fail "header: $(head -n 1 <<<"$out")"
size=$(head -n 1 <<<"$out" | sed -E 's/.*-> ([0-9]+) bytes.*/\1/')
[ -s "$tmp/p.bin" ] && [ "$(stat -c %s "$tmp/p.bin")" = "$size" ] &&
	pass "-o writes the $size bytes of code" || fail "-o wrote $(stat -c %s "$tmp/p.bin" 2>&1)"
[ "$(od -An -tx1 -N2 "$tmp/p.bin" | tr -d ' ')" = 5548 ] &&
	pass "code is a plain function: it starts by opening its frame (push %rbp; mov %rsp, %rbp)" ||
	fail "first bytes $(od -An -tx1 -N2 "$tmp/p.bin")"
if command -v objdump >/dev/null; then
	grep -q 'sub    \$0x200,%rsp' <<<"$out" && grep -q 'add    \$0x200,%rsp' <<<"$out" &&
		grep -q 'ret' <<<"$out" &&
		pass "objdump shows the 512-byte frame opened and closed" || fail "disassembly: $out"
else
	grep -Eq '^ +0: 41 54 ' <<<"$out" && pass "without objdump: hex dump" || fail "hex: $out"
fi

# constant blinding: the program's immediates vanish from the code
"$MOAT" bpf jit "$tmp/k.s" -o "$tmp/k.bin" >/dev/null &&
	"$MOAT" bpf jit --harden "$tmp/k.s" -o "$tmp/kh.bin" >/dev/null
ok $? "bpf jit --harden exits 0"
hex() { od -An -tx1 -v "$1" | tr -d ' \n'; }
grep -q 117e5a3c <<<"$(hex "$tmp/k.bin")" && pass "plain code holds the immediate" ||
	fail "immediate not found in plain code"
! grep -q -e 117e5a3c -e 127e5a3c <<<"$(hex "$tmp/kh.bin")" && pass "blinded code does not" ||
	fail "immediate found in blinded code"

# errors
must_fail 1 "a program the verifier rejects is not compiled" "$MOAT" bpf jit "$tmp/bad.s"
grep -q '^moat: bpf jit: insn 0: ' /tmp/moat_mf.err && pass "rejection names the instruction" ||
	fail "rejection: $(cat /tmp/moat_mf.err)"
must_fail 2 "bpf jit without FILE" "$MOAT" bpf jit
must_fail 2 "bpf jit with an unknown option" "$MOAT" bpf jit --frob "$tmp/p.s"
must_fail 2 "bpf jit with a bad --mem-len" "$MOAT" bpf jit --mem-len x "$tmp/p.s"
must_fail 1 "bpf jit -o into a missing directory" "$MOAT" bpf jit -o /nonexistent/x.bin "$tmp/p.s"
must_fail 2 "bpf run --harden needs --jit" "$MOAT" bpf run --harden "$tmp/p.s"
must_fail 2 "bpf run --jit --trace is a usage error" "$MOAT" bpf run --jit --trace "$tmp/p.s"

# bpf run --jit and conformance --jit: the answers, or the clear refusal
refusal='the JIT runs only programs the verifier proves memory safe'
out=$("$MOAT" bpf run --jit "$tmp/p.s" 2>&1); st=$?
if [ $st -eq 0 ]; then
	[ "$out" = "r0 = 0x31 (49)" ] && pass "bpf run --jit prints r0" || fail "run --jit: $out"
	out=$("$MOAT" bpf run --jit --harden "$tmp/p.s" 2>&1)
	[ "$out" = "r0 = 0x31 (49)" ] && pass "bpf run --jit --harden prints r0" || fail "harden: $out"
else
	[ $st -eq 1 ] && grep -q "$refusal" <<<"$out" &&
		pass "bpf run --jit refuses until the verifier proves memory safety" ||
		fail "run --jit: exit $st: $out"
fi
suite=$MOAT_SHARED/conformance/bpf_conformance
if [ -d "$suite" ]; then
	printf -- '-- asm\nmov %%r0, 2\nexit\n-- result\n0x2\n' >"$tmp/right.data"
	out=$("$MOAT" bpf conformance --jit "$tmp/right.data" 2>&1); st=$?
	if [ $st -eq 0 ]; then
		out=$("$MOAT" bpf conformance --jit "$suite" 2>&1); st=$?
		summary=$(tail -n 1 <<<"$out")
		n=$(grep -c '^PASS ' <<<"$out")
		[ $st -eq 0 ] && [ "$n" -ge 200 ] && pass "conformance --jit: $summary" ||
			fail "conformance --jit: $summary; $(grep '^FAIL' <<<"$out" | head -5)"
	else
		grep -q "$refusal" <<<"$out" && pass "conformance --jit refuses with the reason" ||
			fail "conformance --jit: $out"
	fi
else
	skip "conformance suite not found at $suite"
fi
# xdp programs run on a packet: the context's data/data_end loads are
# rewritten for moat's VM, so verified xdp programs run in every mode
cat >"$tmp/xdp.s" <<'XDP'
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r3, drop
	ldxh %r0, [%r2+12]
	jne %r0, 0x0008, drop
	mov %r0, 2
	exit
drop:
	mov %r0, 1
	exit
XDP
ipv4="ffffffffffff 020000000001 0800 4500"
for mode in "" --jit --trace; do
	out=$("$MOAT" bpf run "$tmp/xdp.s" --type xdp --mem-hex "$ipv4" $mode | tail -n 1)
	[ "$out" = "r0 = 0x2 (2)" ] && pass "xdp${mode:+ $mode}: IPv4 frame passes" || fail "xdp $mode: $out"
done
out=$("$MOAT" bpf run "$tmp/xdp.s" --type xdp --mem-hex "ffffffffffff 020000000001 0806" --jit)
[ "$out" = "r0 = 0x1 (1)" ] && pass "xdp --jit: ARP dropped" || fail "xdp arp: $out"
out=$("$MOAT" bpf run "$tmp/xdp.s" --type xdp --mem-hex "ffff" --jit)
[ "$out" = "r0 = 0x1 (1)" ] && pass "xdp --jit: runt frame dropped by the bounds check" || fail "xdp runt: $out"

done_testing
