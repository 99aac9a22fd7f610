#!/usr/bin/env bash
# The BPF conformance suite through `moat bpf conformance`: one TAP line per
# test file, all must pass; plus the command's usage and error handling.
source "$MOAT_TOP/tests/lib/tap.sh"

suite=$MOAT_SHARED/conformance/bpf_conformance
if [ ! -d "$suite" ]; then
	skip "conformance suite not found at $suite"
	done_testing
	exit
fi

out=$("$MOAT" bpf conformance "$suite" 2>&1); st=$?
while IFS= read -r line; do
	case "$line" in
	"PASS "*) pass "${line#PASS }" ;;
	"FAIL "*) fail "${line#FAIL }" ;;
	esac
done <<<"$out"
summary=$(tail -n 1 <<<"$out")
case "$summary" in
*" passed, 0 failed") pass "summary: $summary" ;;
*) fail "summary: $summary" ;;
esac
ok $st "exit status 0 when every test passes"
n=$(grep -c '^PASS ' <<<"$out")
[ "$n" -ge 200 ] && pass "ran $n tests" || fail "only $n tests passed"

# One broken file never stops the run; a failing test makes the exit status 1.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf -- '-- asm\nmov %%r0, 1\nexit\n-- result\n0x2\n' >"$tmp/wrong.data"
printf -- '-- asm\nmov %%r0, 2\nexit\n-- result\n0x2\n' >"$tmp/right.data"
printf '\001\002garbage' >"$tmp/broken.data"
out=$("$MOAT" bpf conformance "$tmp" 2>&1); st=$?
[ $st -eq 1 ] && pass "a failing test exits 1" || fail "failing test exit $st"
grep -q '^FAIL wrong.data: r0 = 0x1, expected 0x2' <<<"$out" && pass "mismatch reported" ||
	fail "mismatch output: $out"
grep -q '^PASS right.data' <<<"$out" && pass "run continues past failures" || fail "output: $out"

must_fail 2 "conformance without arguments is a usage error" "$MOAT" bpf conformance
must_fail 2 "unknown option is a usage error" "$MOAT" bpf conformance --frob "$suite"
must_fail 1 "missing directory fails" "$MOAT" bpf conformance /nonexistent/dir
grep -q '^moat: bpf conformance: ' "$MF_ERR" && pass "error names the command" ||
	fail "error: $(cat "$MF_ERR")"

# bpf run and bpf verify
printf 'mov %%r0, 42\nexit\n' >"$tmp/p.s"
out=$("$MOAT" bpf run "$tmp/p.s"); ok $? "bpf run exits 0"
[ "$out" = "r0 = 0x2a (42)" ] && pass "bpf run prints r0" || fail "bpf run printed '$out'"
out=$("$MOAT" bpf verify "$tmp/p.s"); ok $? "bpf verify exits 0"
case "$out" in "ok: 2 instructions, 1 function, 2 processed,"*) pass "bpf verify summary" ;;
*) fail "verify: '$out'" ;; esac
printf 'mov %%r0, 1\n' >"$tmp/fall.s"
must_fail 1 "falling off the end is rejected" "$MOAT" bpf verify "$tmp/fall.s"
out=$("$MOAT" bpf verify --json "$tmp/fall.s")
case "$out" in '{"ok":false,"insn":0,'*) pass "verify --json names the instruction" ;;
*) fail "verify --json: $out" ;; esac
printf 'ldxdw %%r0, [%%r1+8]\nexit\n' >"$tmp/oob.s"
must_fail 1 "out-of-bounds load is rejected before it runs" "$MOAT" bpf run "$tmp/oob.s" --mem-hex 0011
grep -q 'insn 0: r1: 8-byte access at offset 8 is outside the 2-byte input buffer' "$MF_ERR" &&
	pass "rejection names the instruction and the buffer" || fail "rejection: $(cat "$MF_ERR")"
must_fail 1 "out-of-bounds load faults in the checked interpreter" "$MOAT" bpf run --unverified "$tmp/oob.s" --mem-hex 0011
grep -q 'insn 0: out-of-bounds' "$MF_ERR" && pass "fault names the instruction" ||
	fail "fault: $(cat "$MF_ERR")"
must_fail 2 "bpf run without FILE" "$MOAT" bpf run
must_fail 2 "bpf run with bad hex" "$MOAT" bpf run "$tmp/p.s" --mem-hex 0g
must_fail 1 "bpf run of a missing file" "$MOAT" bpf run /nonexistent/x.s
must_fail 2 "bpf verify with a bad type" "$MOAT" bpf verify --type nope "$tmp/p.s"
out=$("$MOAT" bpf run --trace "$tmp/p.s")
grep -q 'r0=0x2a' <<<"$out" && pass "--trace shows changed registers" || fail "trace: $out"
done_testing
