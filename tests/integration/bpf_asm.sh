#!/usr/bin/env bash
# moat bpf asm / disasm as a user drives them: round trips, error format, exit codes.
source "$MOAT_TOP/tests/lib/tap.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$MOAT" bpf asm "$MOAT_TOP/docs/examples/hello.s" -o "$tmp/hello.bin"; ok $? "assemble the example"
[ "$(stat -c %s "$tmp/hello.bin")" = $((10 * 8)) ] && pass "10 instructions, 80 bytes" || fail "size $(stat -c %s "$tmp/hello.bin")"
"$MOAT" bpf disasm --asm "$tmp/hello.bin" > "$tmp/re.s"; ok $? "disassemble as reassemblable text"
"$MOAT" bpf asm "$tmp/re.s" -o "$tmp/re.bin"; ok $? "reassemble the disassembly"
cmp -s "$tmp/hello.bin" "$tmp/re.bin" && pass "asm -> disasm -> asm gives the same bytes" || fail "round trip differs"
"$MOAT" bpf disasm --syntax=llvm "$tmp/hello.bin" | grep -q 'r0 = 0' && pass "llvm syntax prints 'r0 = 0'" || fail "llvm syntax"

# Every conformance program round-trips through the command line too.
bad=0 n=0
for f in "$MOAT_SHARED"/conformance/bpf_conformance/*.data; do
	sed -n '/^-- asm/,/^--/p' "$f" | grep -v '^--' > "$tmp/p.s"
	[ -s "$tmp/p.s" ] || continue
	n=$((n + 1))
	"$MOAT" bpf asm "$tmp/p.s" -o "$tmp/a.bin" 2>/dev/null || { bad=$((bad + 1)); continue; }
	"$MOAT" bpf disasm --asm "$tmp/a.bin" | "$MOAT" bpf asm -o "$tmp/b.bin" - && cmp -s "$tmp/a.bin" "$tmp/b.bin" || bad=$((bad + 1))
done
[ "$bad" = 0 ] && [ "$n" -gt 200 ] && pass "all $n conformance programs round-trip via the CLI" || fail "$bad of $n conformance programs failed the CLI round trip"

printf 'mov %%r0, 1\nadd %%r11, 2\nexit\n' > "$tmp/bad.s"
must_fail 1 "a bad register fails" "$MOAT" bpf asm "$tmp/bad.s" -o "$tmp/x.bin"
grep -q "^moat: bpf asm: $tmp/bad.s:2:[0-9]*: .*r11" "$MF_ERR" && pass "error names file:line:col and the token" || fail "error text: $(cat "$MF_ERR")"
[ ! -e "$tmp/x.bin" ] && pass "no output file is left after an error" || fail "output written despite the error"
printf '\x07\x00\x00' > "$tmp/trunc.bin"
must_fail 1 "a truncated bytecode file fails" "$MOAT" bpf disasm "$tmp/trunc.bin"
grep -q "trunc.bin" "$MF_ERR" && pass "truncation error names the file" || fail "truncation message: $(cat "$MF_ERR")"
must_fail 2 "an unknown option is a usage error" "$MOAT" bpf asm --frob "$tmp/bad.s"
must_fail 2 "a bad --syntax is a usage error" "$MOAT" bpf disasm --syntax=intel "$tmp/hello.bin"
done_testing
