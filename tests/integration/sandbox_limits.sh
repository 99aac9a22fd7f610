#!/usr/bin/env bash
# moat run resource limits: memory (OOM reported, only the container dies),
# pids (a fork bomb stops), cpu (the quota is written), rlimits (within the
# caller's hard limits, or a clear refusal before anything starts).
source "$MOAT_TOP/tests/lib/tap.sh"
source "$MOAT_TOP/tests/lib/sandbox.sh"
[ "$(id -u)" = 0 ] || { skip "needs root"; done_testing; exit; }
before=$(leftovers)

"$MOAT" run --memory 32m "${PROBE[@]}" -- /probe/probe eat 256 >/tmp/moat_lim.out 2>/tmp/moat_lim.err; st=$?
[ $st = 137 ] && pass "eating 256 MiB under --memory 32m is killed (137)" || fail "status $st"
grep -q "killed by the OOM killer (memory limit 33554432 bytes)" /tmp/moat_lim.err && pass "the OOM kill is reported as such" || fail "no OOM note: $(cat /tmp/moat_lim.err)"
! grep -q "ate:" /tmp/moat_lim.out && pass "the allocation did not complete" || fail "ate"
kill -0 $$ && pass "the test shell (outside) lives on" || fail "outside killed"
out=$("$MOAT" run --memory 64m "${PROBE[@]}" -- /probe/probe eat 16 2>&1); st=$?
[ $st = 0 ] && [ "$out" = "ate: 16" ] && pass "16 MiB fits under --memory 64m, with no OOM note" || fail "status $st: $out"

out=$("$MOAT" run --pids 20 "${PROBE[@]}" -- /probe/probe forkbomb 2>&1)
n=$(echo "$out" | sed -n 's/^forks: \([0-9]*\) (EAGAIN)$/\1/p')
[ -n "$n" ] && [ "$n" -le 18 ] && [ "$n" -ge 10 ] && pass "a fork bomb stops at the pids limit ($n forks + init + probe <= 20)" || fail "forkbomb: $out"

ready=$(mktemp -d /tmp/moat-ready.XXXXXX)
wait_for() { for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
"$MOAT" run --name moat-tcpu --cpus 0.5 --volume "$ready:/ready" -- sh -c 'touch /ready/cpu; sleep 1' & pid=$!
wait_for "$ready/cpu"
q=$(cat "$(cg_dir cpu moat-tcpu)/cpu.cfs_quota_us" 2>/dev/null)
[ "$q" = 50000 ] && pass "--cpus 0.5 sets a 50 ms quota per 100 ms period" || fail "quota '$q'"
wait $pid
"$MOAT" run --name moat-tpid --pids 7 --volume "$ready:/ready" -- sh -c 'touch /ready/pids; sleep 1' & pid=$!
wait_for "$ready/pids"
[ "$(cat "$(cg_dir pids moat-tpid)/pids.max" 2>/dev/null)" = 7 ] && pass "--pids 7 writes pids.max" || fail "pids.max"
wait $pid

hard=$(ulimit -Hn)
must_fail 1 "a nofile hard limit above the caller's is refused" "$MOAT" run --ulimit nofile=$((hard + 1)) -- true
grep -q "ulimit nofile: hard limit $((hard + 1)) is above this process's hard limit $hard" "$MF_ERR" && pass "with a clear message" || fail "message: $(cat "$MF_ERR")"
out=$("$MOAT" run --ulimit nofile=1024:4096 "${PROBE[@]}" -- /probe/probe rlimit)
[ "$out" = "nofile: 1024 4096" ] && pass "--ulimit nofile=1024:4096 applies inside" || fail "rlimit: $out"
must_fail 2 "an unknown ulimit name is a usage error" "$MOAT" run --ulimit bogus=1 -- true
rm -rf "$ready"
[ "$(leftovers)" = "$before" ] && pass "no cgroup, state or mount is left" || fail "leftovers"
done_testing
