#!/usr/bin/env bash
# The moat command frame: help, version, exit statuses, error format.
source "$MOAT_TOP/tests/lib/tap.sh"

out=$("$MOAT" --version); ok $? "--version exits 0"
case "$out" in "moat "[0-9]*) pass "--version prints 'moat X.Y.Z'" ;; *) fail "--version printed '$out'" ;; esac

out=$("$MOAT" help); ok $? "help exits 0"
echo "$out" | grep -q '^  bpf ' && pass "help lists the bpf command" || fail "help lists bpf"
"$MOAT" help bpf run | grep -q 'usage: moat bpf run' && pass "help bpf run prints its manual" || fail "help bpf run"
"$MOAT" bpf asm --help | grep -q 'usage: moat bpf asm' && pass "--help works on subcommands" || fail "bpf asm --help"

must_fail 2 "no command is a usage error" "$MOAT"
must_fail 2 "unknown command is a usage error" "$MOAT" frobnicate
grep -q "moat: unknown command 'frobnicate'" "$MF_ERR" && pass "unknown command named" || fail "unknown command message"
must_fail 2 "unknown bpf subcommand" "$MOAT" bpf frob
must_fail 2 "help of an unknown command" "$MOAT" help nope
must_fail 1 "missing input file fails" "$MOAT" bpf run /nonexistent/x.s
grep -q '^moat: bpf run: ' "$MF_ERR" && pass "errors start 'moat: bpf run: '" || fail "error prefix: $(cat "$MF_ERR")"
# numeric options: a count, in range, nothing after it
hello=$MOAT_TOP/docs/examples/hello.s
must_fail 2 "--mem-len with a suffix is a usage error" "$MOAT" bpf verify --mem-len 12k "$hello"
must_fail 2 "--log above 2 is a usage error" "$MOAT" bpf verify --log=3 "$hello"
must_fail 2 "a negative --mem-len is a usage error" "$MOAT" bpf jit --mem-len -1 "$hello"
must_fail 2 "--max-insns 0 is a usage error" "$MOAT" bpf verify --max-insns 0 "$hello"
"$MOAT" bpf verify --mem-len 0x10 "$hello" >/dev/null; ok $? "--mem-len takes hex"

# The demo program assembles, verifies and runs to its documented result.
out=$("$MOAT" bpf run "$MOAT_TOP/docs/examples/hello.s" --mem-hex "$(printf '%02x' $(seq 1 16))")
ok $? "demo program runs"
echo "$out" | grep -q '(136)' && pass "demo program sums bytes 1..16 = 136" || fail "demo printed: $out"
done_testing
