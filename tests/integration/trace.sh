#!/usr/bin/env bash
# moat trace against a helper that makes an exact, known set of syscalls
# (tests/helpers/trace_exerciser.c): exact counts, errors and events by pid,
# by cgroup, with the command form, with tracepoint hooks; clear failures.
source "$MOAT_TOP/tests/lib/tap.sh"

EX=$MOAT_BUILD_DIR/tests/helpers/trace_exerciser
N=25
tmp=$(mktemp -d)
CG=/sys/fs/cgroup/unified/moat-trace-test-$$
mounted_tracefs=0
cleanup() {
	for d in "$CG/sub" "$CG"; do
		[ -d "$d" ] && { cat "$d/cgroup.procs" 2>/dev/null | xargs -r kill -9 2>/dev/null; sleep 0.1; rmdir "$d"; }
	done
	[ $mounted_tracefs = 1 ] && umount /sys/kernel/tracing
	rm -rf "$tmp"
}
trap cleanup EXIT
echo hello >"$tmp/target"
T=$tmp/target

# wait_until CMD...: up to 60 s (CI machines can be slow and busy)
wait_until() { for _ in $(seq 600); do "$@" && return 0; sleep 0.1; done; return 1; }
# blocked_on_gate PID: the exerciser sits in openat(FIFO) (syscall 257)
blocked_on_gate() { [ "$(cut -d' ' -f1 /proc/$1/syscall 2>/dev/null)" = 257 ]; }
ready() { grep -q "tracing" "$tmp/trace.err" 2>/dev/null; }

# start_exerciser [PREFIX...]: a gated exerciser; sets expid
start_exerciser() {
	rm -f "$tmp/gate" "$tmp/ex.out"; mkfifo "$tmp/gate"
	"$@" "$EX" -g "$tmp/gate" $N "$T" >"$tmp/ex.out" &
	expid=$!
	wait_until blocked_on_gate $expid
}

# gated MOAT-TRACE-ARGS...: runs the exerciser under moat trace -p; sets exst, tst
gated() {
	start_exerciser
	rm -f "$tmp/trace.err"
	"$MOAT" trace -p $expid "$@" -o "$tmp/trace.out" 2>"$tmp/trace.err" &
	local tpid=$!
	wait_until ready || diag "moat trace did not start: $(cat "$tmp/trace.err")"
	echo go >"$tmp/gate"
	wait $expid; exst=$?
	wait $tpid; tst=$?
}

# row NAME FIELD: a field of syscall NAME in the JSON summary
row() {
	local r
	r=$(grep -o "{\"name\":\"$1\",[^}]*}" "$tmp/trace.out" | head -1)
	[ -n "$r" ] || { echo 0; return; }
	echo "$r" | grep -o "\"$2\":[0-9]*" | cut -d: -f2
}

expect_exact_counts() { # $1: label
	local l=$1
	[ "$(row getpid calls)" = $N ] && [ "$(row getpid errors)" = 0 ]; ok $? "$l: getpid $N calls, 0 errors"
	[ "$(row openat calls)" = $N ]; ok $? "$l: openat $N calls (got $(row openat calls))"
	[ "$(row openat errors)" = 1 ]; ok $? "$l: openat 1 error"
	[ "$(row close calls)" = $((N - 1)) ]; ok $? "$l: close $((N - 1)) calls"
	[ "$(row connect calls)" = 1 ] && [ "$(row connect errors)" = 0 ]; ok $? "$l: connect 1 call, 0 errors"
	[ "$(row execve calls)" = 1 ]; ok $? "$l: execve 1 call (the child's)"
	[ "$(row clone calls)" = 1 ]; ok $? "$l: clone 1 call"
	[ "$(row wait4 calls)" = 1 ]; ok $? "$l: wait4 1 call"
	[ "$(row kill calls)" = 1 ]; ok $? "$l: kill 1 call"
	[ "$(row socket calls)" = 2 ]; ok $? "$l: socket 2 calls"
	[ "$(row getppid calls)" = 0 ]; ok $? "$l: no getppid"
	[ "$(row exit_group calls)" = 2 ]; ok $? "$l: exit_group 2 calls (exerciser and child), as strace -c counts them"
}

# --- pid scope: exact summary
gated --json
[ $exst = 3 ] && [ $tst = 0 ]; ok $? "pid: exerciser exits 3, moat trace 0 (got $exst, $tst)"
grep -q '"hook":"raw_tp"\|"hook":"tp_btf"' "$tmp/trace.out"; ok $? "pid: JSON summary names the hook"
expect_exact_counts pid

# --- pid scope: events
gated --events all
port=$(sed -n 's/^port=\([0-9]*\).*/\1/p' "$tmp/ex.out")
pid=$(sed -n 's/.* pid=\([0-9]*\)$/\1/p' "$tmp/ex.out")
ev() { grep -c -- "$1" "$tmp/trace.out"; }
[ "$(ev " open    openat   \"$T\" O_RDONLY|O_CLOEXEC = [0-9]")" = $((N - 1)) ]; ok $? "events: $((N - 1)) successful opens of the path with flags and fd"
[ "$(ev " open    openat   \"$T.missing\" O_RDONLY|O_CLOEXEC = -2 ENOENT")" = 1 ]; ok $? "events: one failed open, ENOENT"
[ "$(ev " exec    execve   \"/bin/busybox\" = 0")" = 1 ]; ok $? "events: one exec of /bin/busybox"
[ "$(ev " connect connect  127.0.0.1:$port from 127.0.0.1:[1-9][0-9]* = 0$")" = 1 ]; ok $? "events: one connect to 127.0.0.1:$port, from the local port the kernel chose"
[ "$(ev "^[0-9:.]* $pid .* signal  kill     pid $pid 0 = 0")" = 1 ]; ok $? "events: kill(self, 0) by pid $pid"
[ "$(ev " busybox  *exit  *exited 0$")" = 1 ]; ok $? "events: the child exits 0"
[ "$(ev "^[0-9:.]* $pid .* exit  *exited 3$")" = 1 ]; ok $? "events: the exerciser exits 3"
[ "$(grep -c . "$tmp/trace.out")" = $((N + 5)) ]; ok $? "events: nothing else (N+5 lines, got $(grep -c . "$tmp/trace.out"))"

gated --events open,exit --json
[ "$(grep -c '^{"ts_ns":[0-9]*,"event":"open",.*}$' "$tmp/trace.out")" = $N ]; ok $? "events --json: $N open objects"
grep -q '"event":"exit",.*"exit_code":3' "$tmp/trace.out"; ok $? "events --json: exit_code 3"
grep -q '"ret":-2,"error":"ENOENT"' "$tmp/trace.out"; ok $? "events --json: ENOENT named"
! grep -q '"event":"connect"' "$tmp/trace.out"; ok $? "events --json: only the events asked for"

# --- histogram
gated --hist getpid
grep -q '^@ns\[getpid\]:$' "$tmp/trace.out"; ok $? "hist: a histogram of getpid"
hsum=$(sed -n 's/^\[[^])]*[])]  *\([0-9][0-9]*\) |.*/\1/p' "$tmp/trace.out" | awk '{ s += $1 } END { print s }')
[ "$hsum" = $N ]; ok $? "hist: $N samples (got $hsum)"
grep -q '^% time .*calls    errors syscall$' "$tmp/trace.out"; ok $? "hist: with the strace -c table"

# --- command form: the tree from exec on (the sanitizer runtime adds its own calls)
"$MOAT" trace --json --summary --events open -o "$tmp/trace.out" -- "$EX" $N "$T" >"$tmp/ex.out" 2>/dev/null
ok $? "cmd: moat trace -- CMD exits 0"
[ "$(row execve calls)" = 2 ] && [ "$(row connect calls)" = 1 ] && [ "$(row kill calls)" = 1 ]
ok $? "cmd: 2 execve (command and child), 1 connect, 1 kill"
[ "$(grep -c "\"detail\":\"\\\\\"$T\\\\\" O_RDONLY|O_CLOEXEC\"" "$tmp/trace.out")" = $((N - 1)) ]
ok $? "cmd: $((N - 1)) opens of the path"

# --- exec events: a success from sched_process_exec (the new program's name),
# a failure from execve's return
"$MOAT" trace --events exec -o "$tmp/trace.out" -- /bin/sh -c '/nonexistent-x 2>/dev/null; exec /bin/true' 2>/dev/null
ok $? "exec: moat trace exits 0"
[ "$(grep -c ' true  *exec    execve   "/bin/true" = 0$' "$tmp/trace.out")" = 1 ]; ok $? "exec: the exec of /bin/true, by the new program's name"
[ "$(grep -c '"/nonexistent-x" = -2 ENOENT$' "$tmp/trace.out")" = 1 ]; ok $? "exec: the failed exec with ENOENT"

# --- Ctrl-C ends a trace of a process that keeps running, with the summary
sleep 60 & sp=$!
rm -f "$tmp/trace.err"
"$MOAT" trace -p $sp --events all --summary -o "$tmp/trace.out" 2>"$tmp/trace.err" &
tpid=$!
wait_until ready
kill -INT $tpid; wait $tpid; tst=$?
kill $sp; wait $sp 2>/dev/null
[ $tst = 0 ] && grep -q ' total$' "$tmp/trace.out"; ok $? "Ctrl-C: exit 0 and the summary (got $tst)"

# --- cgroup scope: the cgroup itself, then a process in a descendant cgroup
# cgroup_run DIR: the exerciser runs in DIR, moat traces $CG; sets exst, tst
cgroup_run() {
	start_exerciser sh -c "echo \$\$ >$1/cgroup.procs && exec \"\$0\" \"\$@\""
	rm -f "$tmp/trace.err"
	"$MOAT" trace --cgroup "$CG" --json -o "$tmp/trace.out" 2>"$tmp/trace.err" &
	tpid=$!
	wait_until ready
	echo go >"$tmp/gate"
	wait $expid; exst=$?
	kill -INT $tpid; wait $tpid; tst=$?
}
if mkdir "$CG" 2>/dev/null && mkdir "$CG/sub"; then
	cgroup_run "$CG"
	[ $exst = 3 ] && [ $tst = 0 ]; ok $? "cgroup: exerciser 3, moat trace 0 after Ctrl-C"
	expect_exact_counts cgroup
	cgroup_run "$CG/sub"
	[ $exst = 3 ] && [ $tst = 0 ]; ok $? "descendant cgroup: exerciser 3, moat trace 0"
	expect_exact_counts "descendant cgroup"
else
	fail "cannot create a cgroup v2 directory $CG"
fi

# --- tracepoint hooks (tracefs mounted for the test when it is not)
if [ ! -e /sys/kernel/tracing/events ]; then
	mount -t tracefs tracefs /sys/kernel/tracing && mounted_tracefs=1
fi
gated --hook tracepoint --json
grep -q '"hook":"tracepoint"' "$tmp/trace.out"; ok $? "tracepoint: used"
expect_exact_counts tracepoint
[ $mounted_tracefs = 1 ] && umount /sys/kernel/tracing && mounted_tracefs=0

# --- bad input: one sentence, exit 1 or 2, never a crash
must_fail 1 "unknown pid" "$MOAT" trace -p 999999999
grep -q "^moat: trace: no process with pid 999999999$" "$MF_ERR"; ok $? "unknown pid: one sentence"
must_fail 1 "unknown syscall" "$MOAT" trace --hist nosuchcall -- /bin/true
grep -q "unknown syscall 'nosuchcall'" "$MF_ERR"; ok $? "unknown syscall: named"
must_fail 1 "missing command" "$MOAT" trace -- /nonexistent/cmd
grep -q "cannot run '/nonexistent/cmd': No such file or directory" "$MF_ERR"; ok $? "missing command: named"
must_fail 1 "not a cgroup v2 directory" "$MOAT" trace --cgroup /tmp
grep -q "'/tmp' is not a cgroup v2 directory" "$MF_ERR"; ok $? "cgroup: explained"
must_fail 1 "no such container" "$MOAT" trace --container moat-trace-nope
must_fail 2 "unknown event" "$MOAT" trace --events exec,bogus -- /bin/true
must_fail 2 "no target" "$MOAT" trace --summary
must_fail 2 "two targets" "$MOAT" trace -p 1 --cgroup "$CG"
must_fail 2 "bad duration" "$MOAT" trace --duration -3 -p 1
must_fail 2 "bad hook" "$MOAT" trace --hook kprobe -p 1
if command -v setpriv >/dev/null; then
	must_fail 1 "no permission" setpriv --reuid=65534 --regid=65534 --clear-groups "$MOAT" trace -- /bin/true
	grep -q "needs root" "$MF_ERR"; ok $? "no permission: says root is needed"
	[ "$(wc -l <"$MF_ERR")" = 1 ]; ok $? "no permission: one line"
else
	fail "setpriv missing"
fi
# a hook kind this kernel may lack: it works, or one line says why not
"$MOAT" trace --hook tp_btf -- /bin/true >/dev/null 2>"$tmp/err"; st=$?
if [ $st = 0 ]; then pass "tp_btf works here"; else
	[ $st = 1 ] && grep -q "^moat: trace: tp_btf hooks do not work here: " "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ]
	ok $? "tp_btf: missing feature in one line: $(cat "$tmp/err")"
fi

# --- nothing left behind: no moat tracer program stays loaded
# (the kernel releases closed links in a work item: allow it a moment)
no_leftovers() { left=$("$EX" --bpf-leftovers); [ "$left" = 0 ]; }
wait_until no_leftovers; ok $? "no moat_sys_* program or link left loaded (got '$left')"

"$MOAT" trace --help | grep -q "usage: moat trace"; ok $? "--help prints the manual"
done_testing
