#!/usr/bin/env bash
# moat run -t: a pseudo-terminal for the command, relayed both ways, with
# the caller's window size; exit status kept.  script(1) gives moat a terminal.
source "$MOAT_TOP/tests/lib/tap.sh"
[ "$(id -u)" = 0 ] || { skip "needs root"; done_testing; exit; }
command -v script >/dev/null || { skip "script(1) missing"; done_testing; exit; }

out=$(script -qfec "stty rows 33 cols 77; $MOAT run -t -- sh -c '[ -t 0 ] && [ -t 1 ] && echo is-a-tty; stty size'" /dev/null </dev/null | tr -d '\r\0')
echo "$out" | grep -q 'is-a-tty$' && pass "stdin and stdout are a terminal inside" || fail "not a tty: $out"
echo "$out" | grep -q '33 77$' && pass "the window size is the caller's (33x77)" || fail "size: $out"
out=$(printf 'echo typed-$((6*7))\nexit 4\n' | script -qfec "$MOAT run -t -i -- sh" /dev/null; echo "rc=$?")
echo "$out" | tr -d '\r' | grep -q '^typed-42$' && pass "typed input reaches the shell and its output comes back" || fail "relay: $out"
echo "$out" | grep -q "rc=4" && pass "the exit status comes through the terminal session" || fail "status: $out"
out=$(script -qfec "$MOAT run -t -- sh -c 'ls -l /dev/console'" /dev/null </dev/null | tr -d '\r')
echo "$out" | grep -q 'crw.* 136, ' && pass "/dev/console is the pty" || fail "console: $out"
out=$("$MOAT" run -- sh -c '[ -t 1 ] && echo tty || echo no-tty' </dev/null | cat)
[ "$out" = no-tty ] && pass "without -t there is no terminal" || fail "got $out"
done_testing
