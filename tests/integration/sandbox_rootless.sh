#!/usr/bin/env bash
# moat run as a non-root user (nobody): a user namespace makes the caller
# root inside and nothing more; limits that need an undelegated cgroup are
# reported and skipped.
source "$MOAT_TOP/tests/lib/tap.sh"
source "$MOAT_TOP/tests/lib/sandbox.sh"
[ "$(id -u)" = 0 ] || { skip "needs root (to become nobody)"; done_testing; exit; }
command -v setpriv >/dev/null || { skip "setpriv missing"; done_testing; exit; }
[ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)" -gt 0 ] || { skip "user namespaces disabled"; done_testing; exit; }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- env -u XDG_RUNTIME_DIR "$@"; }
state=/tmp/moat-65534

out=$(as_nobody "$MOAT" run -- sh -c 'id -u; cat /proc/self/uid_map' 2>&1); ok $? "nobody can run a container"
[ "$(echo "$out" | head -1)" = 0 ] && pass "the caller is root inside" || fail "id: $out"
echo "$out" | tail -1 | grep -qE '^ +0 +65534 +1$' && pass "mapped from uid 65534 only (one uid)" || fail "uid_map: $out"
out=$(as_nobody "$MOAT" run "${PROBE[@]}" --env HOSTPID=$$ -- /probe/probe 2>&1)
has() { echo "$out" | grep -qxE "$1" && pass "$2" || { fail "$2"; diag "$(echo "$out" | grep "^${1%%:*}:")"; }; }
has "host_pid_visible: no" "host processes are invisible"
has "host_mounts_visible: no" "host mounts are invisible"
has "net_ifaces: lo" "only loopback"
has "mount: denied \(EPERM\)" "mount is refused"
has "pivot_root: denied \(EPERM\)" "pivot_root is refused"
has "mknod_block: denied \(EPERM\)" "mknod of a block device is refused"
has "write_sys: denied \(EROFS\)" "/sys is read-only"
has "write_proc_sys: denied \((EROFS|EACCES)\)" "/proc/sys is not writable"
has "masked /proc/keys: masked" "/proc/keys is masked"
has "masked /sys/firmware: masked" "/sys/firmware is masked"
has "NoNewPrivs: 1" "no_new_privs is set"
has "ptrace_host_pid: denied \(ESRCH\)" "ptrace of a host process is refused"
out=$(as_nobody "$MOAT" run --memory 32m --pids 10 -- true 2>&1); ok $? "limits without a delegated cgroup do not stop the run"
echo "$out" | grep -q "note: memory limit ignored: the cgroup is not delegated to uid 65534" && pass "and the skipped memory limit is reported" || fail "note: $out"
as_nobody "$MOAT" run -- sh -c 'exit 7'; [ $? = 7 ] && pass "exit status passes through" || fail "status"
out=$(as_nobody "$MOAT" run --volume /root:/r -- true 2>&1); st=$?
[ $st = 1 ] && pass "a volume the caller cannot read is refused (exit 1)" || fail "volume of /root: $st $out"
[ -z "$(ls "$state" 2>/dev/null)" ] && pass "no state is left in $state" || fail "state left: $(ls "$state")"
done_testing
