#!/usr/bin/env bash
# moat run --trace and moat trace --container: a container whose command
# makes a known number of distinctive syscalls (sync(2), which moat's own
# PID 1 never makes) is traced from its PID 1 on; exact counts, the exit
# status kept, the summary on standard error, nothing left behind.
source "$MOAT_TOP/tests/lib/tap.sh"

EX=$MOAT_BUILD_DIR/tests/helpers/trace_exerciser
tmp=$(mktemp -d)
name=moat-trace-run-$$
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
wait_until() { for _ in $(seq 600); do "$@" && return 0; sleep 0.1; done; return 1; }
# row FILE NAME FIELD: a field of syscall NAME in a JSON summary
row() {
	local r
	r=$(grep -o "{\"name\":\"$2\",[^}]*}" "$1" | head -1)
	[ -n "$r" ] || { echo 0; return; }
	echo "$r" | grep -o "\"$3\":[0-9]*" | cut -d: -f2
}

# --- moat run --trace: text summary on stderr, stdout untouched, status kept
"$MOAT" run --trace -- sh -c 'echo out; sync; sync; exit 7' >"$tmp/out" 2>"$tmp/err"; st=$?
[ $st = 7 ]; ok $? "run --trace: the command's status 7 (got $st)"
[ "$(cat "$tmp/out")" = out ]; ok $? "run --trace: stdout is the command's alone"
grep -q '^% time     seconds  usecs/call   max usecs     calls    errors syscall$' "$tmp/err"
ok $? "run --trace: strace -c's table on stderr"
grep -Eq '^ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+ +2 +sync$' "$tmp/err"; ok $? "run --trace: 2 sync calls in the table"
grep -Eq ' execve$' "$tmp/err" && grep -Eq ' pivot_root$' "$tmp/err"
ok $? "run --trace: from PID 1's setup (pivot_root) to the command (execve)"

# --- --trace=json: exact counts
for k in 0 5; do
	cmd=; for _ in $(seq $k); do cmd="${cmd}sync; "; done
	"$MOAT" run --trace=json -- sh -c "${cmd}kill -0 \$\$; exit 0" >/dev/null 2>"$tmp/j$k"
	ok $? "run --trace=json: $k sync calls run"
done
[ "$(grep -c '^{"hook":' "$tmp/j5")" = 1 ]; ok $? "run --trace=json: one JSON object"
[ "$(row "$tmp/j5" sync calls)" = 5 ] && [ "$(row "$tmp/j5" sync errors)" = 0 ]; ok $? "json: exactly 5 sync, 0 errors (got $(row "$tmp/j5" sync calls))"
[ "$(row "$tmp/j0" sync calls)" = 0 ]; ok $? "json: no sync when the command makes none"
k0=$(row "$tmp/j0" kill calls) k5=$(row "$tmp/j5" kill calls)
[ "$k0" -ge 1 ] && [ "$k0" = "$k5" ]; ok $? "json: kill counted the same in both runs ($k0, $k5)"
[ "$(row "$tmp/j5" exit_group calls)" -ge 2 ]; ok $? "json: exit_group counted (PID 1 and the command)"

# --- moat trace --container NAME: attaches to a running container
rm -f "$tmp/go"
"$MOAT" run --name "$name" --volume "$tmp:/gate" -- \
	sh -c 'while [ ! -e /gate/go ]; do sleep 0.05; done; sync; sync; sync; exit 4' &
rpid=$!
has_init() { "$MOAT" trace --container "$name" --duration 0.01 -o /dev/null 2>/dev/null; }
wait_until has_init; ok $? "the container is found by name"
"$MOAT" trace --container "$name" --json -o "$tmp/c.json" 2>"$tmp/c.err" &
tpid=$!
wait_until grep -q tracing "$tmp/c.err"
touch "$tmp/go"
wait $rpid; rst=$?
wait $tpid; tst=$?
[ $rst = 4 ] && [ $tst = 0 ]; ok $? "container: exits 4, moat trace 0 when it is gone (got $rst, $tst)"
[ "$(row "$tmp/c.json" sync calls)" = 3 ]; ok $? "container: exactly 3 sync (got $(row "$tmp/c.json" sync calls))"

# --- bad input and leftovers
must_fail 2 "bad --trace format" "$MOAT" run --trace=xml -- true
grep -q "bad --trace format 'xml'" "$MF_ERR"; ok $? "bad --trace format: named"
must_fail 1 "no such container" "$MOAT" trace --container "$name-gone"
grep -q "^moat: trace: no running container '$name-gone'$" "$MF_ERR"; ok $? "no such container: one sentence"
must_fail 1 "not a container name" "$MOAT" trace --container ../etc
grep -q "is not a container name" "$MF_ERR"; ok $? "not a container name: explained"
[ ! -e "/run/moat/$name.state" ]; ok $? "no state file left"
no_leftovers() { left=$("$EX" --bpf-leftovers); [ "$left" = 0 ]; }
wait_until no_leftovers; ok $? "no tracer program or link left loaded (got '$left')"
done_testing
