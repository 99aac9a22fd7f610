#!/usr/bin/env bash
# moat run lifecycle: exit statuses, the init (signals, zombies), file system
# options, and cleanup whatever ends the run (including kill -9 of moat).
source "$MOAT_TOP/tests/lib/tap.sh"
source "$MOAT_TOP/tests/lib/sandbox.sh"
[ "$(id -u)" = 0 ] || { skip "needs root"; done_testing; exit; }
before=$(leftovers)

out=$("$MOAT" run -- sh -c 'echo hi'); ok $? "the embedded rootfs runs sh"
[ "$out" = hi ] && pass "its output reaches moat's stdout" || fail "output '$out'"
"$MOAT" run -- sh -c 'exit 3'; [ $? = 3 ] && pass "exit status 3 is passed through" || fail "exit status"
"$MOAT" run -- sh -c 'kill -9 $$'; [ $? = 137 ] && pass "a command killed by SIGKILL gives 137" || fail "signal status"
"$MOAT" run -- nosuchcmd 2>/tmp/moat_lc.err; [ $? = 127 ] && pass "a missing command gives 127" || fail "missing command status"
grep -q "^moat: run: executing nosuchcmd: No such file or directory" /tmp/moat_lc.err && pass "and says so" || fail "missing command message: $(cat /tmp/moat_lc.err)"
"$MOAT" run -- /etc/passwd 2>/dev/null; [ $? = 126 ] && pass "a non-executable command gives 126" || fail "126"

# init: PID 1 is moat's, it reaps orphans and forwards signals
out=$("$MOAT" run -- sh -c 'cat /proc/1/comm; echo $$')
[ "$out" = "$(printf 'moat\n2')" ] && pass "PID 1 is moat's init, the command is PID 2" || fail "pids: $out"
out=$("$MOAT" run -- sh -c '(sleep 0.1 &); sleep 0.4; ps -o stat | grep -c Z')
[ "$out" = 0 ] && pass "orphans are reaped (no zombies)" || fail "zombies: $out"
# wait_for FILE: up to 10 s (the machine may be busy)
wait_for() { for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
ready=$(mktemp -d /tmp/moat-ready.XXXXXX)
"$MOAT" run --name moat-tsig --volume "$ready:/ready" -- sh -c 'trap "exit 42" TERM; touch /ready/up; while :; do sleep 0.05; done' & pid=$!
wait_for "$ready/up"; kill -TERM $pid; wait $pid; st=$?
[ $st = 42 ] && pass "SIGTERM to moat reaches the command (its handler exits 42)" || fail "forwarded TERM: $st"
"$MOAT" run -- sh -c 'sleep 30 & sleep 30 & exit 5'; st=$?
[ $st = 5 ] && pass "the run ends with the command even when its children live on" || fail "status $st"

# file system
out=$("$MOAT" run --hostname box --env FOO=bar --workdir /etc -- sh -c 'echo $(hostname) $FOO $(pwd)')
[ "$out" = "box bar /etc" ] && pass "--hostname, --env and --workdir apply" || fail "got '$out'"
"$MOAT" run --read-only -- touch /x 2>/dev/null && fail "--read-only root is writable" || pass "--read-only root refuses writes"
"$MOAT" run --read-only --tmpfs /scratch -- sh -c 'echo ok >/scratch/f && cat /scratch/f' | grep -qx ok &&
	pass "--tmpfs gives a writable tmpfs on a read-only root" || fail "--tmpfs"
"$MOAT" run -- sh -c 'grep -q " / / .*ro," /proc/self/mountinfo' && fail "root is ro without --read-only" || pass "root is writable by default"
v=$(mktemp -d /tmp/moat-vol.XXXXXX)
"$MOAT" run --volume "$v:/data" -- sh -c 'echo written >/data/f'; [ "$(cat "$v/f" 2>/dev/null)" = written ] &&
	pass "a rw volume writes through to the host" || fail "rw volume"
"$MOAT" run --volume "$v:/data:ro" -- sh -c 'echo x >/data/g' 2>/dev/null; [ ! -e "$v/g" ] && pass "a ro volume refuses writes" || fail "ro volume written"
"$MOAT" run --volume "$v/f:/etc/motd:ro" -- cat /etc/motd | grep -qx written && pass "a file can be a volume" || fail "file volume"
rm -rf "$v"
out=$("$MOAT" run -- sh -c 'ls /dev | tr "\n" " "')
[ "$out" = "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero " ] && pass "/dev is minimal" || fail "/dev: $out"
out=$("$MOAT" run -- sh -c 'awk "\$5 == \"/proc\" || \$5 == \"/sys\"" /proc/self/mountinfo | grep -c "nosuid,nodev,noexec"')
[ "$out" = 2 ] && pass "/proc and /sys are nosuid,nodev,noexec" || fail "proc/sys flags: $out"
echo hello | "$MOAT" run -i -- cat | grep -qx hello && pass "-i passes stdin" || fail "-i"
out=$(echo hello | "$MOAT" run -- cat); [ -z "$out" ] && pass "without -i stdin is /dev/null" || fail "stdin leaked: $out"

# no leftovers after all of this, and a killed moat is cleaned up
[ "$(leftovers)" = "$before" ] && pass "no state, cgroup or mount is left after the runs" || { fail "leftovers"; diff <(echo "$before") <(leftovers) | sed 's/^/# /'; }
rm -f "$ready/up"
"$MOAT" run --name moat-tk9 --volume "$ready:/ready" -- sh -c 'touch /ready/up; exec sleep 60.4242' & pid=$!
wait_for "$ready/up"
dev=$(cg_dir devices moat-tk9)
[ -d "$dev" ] && pass "the container has a devices cgroup while it runs" || fail "no cgroup $dev"
[ -e /run/moat/moat-tk9.state ] && pass "and a state file" || fail "no state file"
kill -9 $pid; wait $pid 2>/dev/null
for _ in $(seq 50); do [ -z "$(cat "$dev/cgroup.procs" 2>/dev/null)" ] && break; sleep 0.1; done
[ -z "$(cat "$dev/cgroup.procs" 2>/dev/null)" ] && pass "kill -9 of moat kills the container's processes" || fail "processes left: $(cat "$dev/cgroup.procs")"
pgrep -f 'sleep 60.4242' >/dev/null && fail "the container's sleep still runs" || pass "no process of the container survives"
"$MOAT" run --name moat-tk9 -- true; ok $? "the name is free again after the crash"
[ ! -d "$dev" ] && pass "the next run removed the crashed container's cgroup" || fail "$dev left"
[ "$(leftovers)" = "$before" ] && pass "nothing is left after the recovery" || fail "leftovers after recovery"
rm -f "$ready/up"
"$MOAT" run --name moat-tdup --volume "$ready:/ready" -- sh -c 'touch /ready/up; sleep 1' & pid=$!
wait_for "$ready/up"
must_fail 1 "a second container with a running name is refused" "$MOAT" run --name moat-tdup -- true
grep -q "already exists" "$MF_ERR" && pass "and says the name is in use" || fail "dup message: $(cat "$MF_ERR")"
wait $pid
rm -rf "$ready"
done_testing
