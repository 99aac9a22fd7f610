#!/usr/bin/env bash
# moat bpf disasm/verify/run on objects built by clang -target bpf.
source "$MOAT_TOP/tests/lib/tap.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
inc=/usr/include/$(uname -m)-linux-gnu
src=$MOAT_TOP/tests/helpers/bpf
if ! clang -target bpf -O2 -g -I"$inc" -c "$src/run.bpf.c" -o "$tmp/run.o" 2>"$tmp/cc.err" ||
   ! clang -target bpf -O2 -g -I"$inc" -c "$src/sockfilter.bpf.c" -o "$tmp/sock.o" 2>>"$tmp/cc.err"; then
	skip "clang -target bpf cannot build the test objects: $(head -1 "$tmp/cc.err")"
	done_testing; exit
fi

out=$("$MOAT" bpf disasm "$tmp/run.o"); ok $? "disassemble an ELF object"
echo "$out" | grep -q '^mem (mem_calls):' && pass "header names section and function" || fail "header: $(echo "$out" | head -1)"
echo "$out" | grep -q '^; .*run.bpf.c:[0-9]*: .*runs++' && pass "C source lines interleaved from BTF line info" || fail "no source lines"
echo "$out" | grep -q 'call local' && pass "local calls linked" || fail "no local call"
out=$("$MOAT" bpf verify "$tmp/run.o"); ok $? "verify an ELF program"
echo "$out" | grep -q '2 functions' && pass "verifier sees main + local function" || fail "verify said: $out"
out=$("$MOAT" bpf run "$tmp/run.o" --mem-hex 00); ok $? "run an ELF program with globals and local calls"
echo "$out" | grep -q '(149)' && pass "r0 = 149 as the C source computes" || fail "run printed: $out"
out=$("$MOAT" bpf verify --json "$tmp/sock.o" --section count_packets); ok $? "verify a socket filter by function name"
echo "$out" | grep -q '"ok":true' && pass "--json reports ok" || fail "json: $out"
must_fail 1 "an unknown section fails" "$MOAT" bpf run "$tmp/run.o" --section nope
grep -q "no program named 'nope'" "$MF_ERR" && pass "and says which name is missing" || fail "message: $(cat "$MF_ERR")"
head -c 100 "$tmp/run.o" > "$tmp/trunc.o"
must_fail 1 "a truncated object fails cleanly" "$MOAT" bpf disasm "$tmp/trunc.o"
grep -q "trunc.o" "$MF_ERR" && pass "the error names the object" || fail "message: $(cat "$MF_ERR")"
done_testing
