#!/usr/bin/env bash
# moat run isolation suite: the probe runs inside a default container and
# reports what it sees; each check asserts a denial or an invisibility.
source "$MOAT_TOP/tests/lib/tap.sh"
[ "$(id -u)" = 0 ] || { skip "needs root"; done_testing; exit; }
helpers=$MOAT_BUILD_DIR/tests/helpers
[ -x "$helpers/probe" ] || { fail "probe not built"; done_testing; exit; }

out=$("$MOAT" run --name iso-$$ --volume "$helpers:/probe:ro" --env HOSTPID=$$ -- /probe/probe 2>&1)
ok $? "the probe runs in a default container"
# Which of the module/kexec/io syscalls this kernel has decides the errno the
# container sees: EPERM from the seccomp filter (or the missing capability),
# ENOSYS where the kernel was built without them and no filter answers first.
seccomp=$(echo "$out" | sed -n 's/^Seccomp: //p')
has() { echo "$out" | grep -qxF "$1" && pass "$2" || { fail "$2"; diag "want '$1', got: $(echo "$out" | grep "^${1%%:*}:")"; }; }
has_re() { echo "$out" | grep -qxE "$1" && pass "$2" || { fail "$2"; diag "want /$1/, got: $(echo "$out" | grep "^${1%%:*}:")"; }; }
denied() { has_re "$1: denied \((${2:-EPERM})\)" "$1 refused (${2:-EPERM})"; }

has "pid: 2" "the command is PID 2 under moat's init"
has_re "procs: [1-3]" "host processes are invisible (only the container's in /proc)"
has "host_pid_visible: no" "the calling shell's pid is not in the container's /proc"
denied kill_host_pid ESRCH
denied ptrace_host_pid ESRCH
has "host_mounts_visible: no" "no host mount point is visible"
has "net_ifaces: lo" "only loopback in the network namespace"
has "CapEff: 00000000a80425fb" "effective capabilities are Docker's default set"
has "CapBnd: 00000000a80425fb" "bounding set is Docker's default set"
has "CapInh: 0000000000000000" "inheritable set is empty"
has "CapAmb: 0000000000000000" "ambient set is empty"
has "NoNewPrivs: 1" "no_new_privs is set"
denied mount
denied umount
denied pivot_root
denied swapon
denied reboot
if [ "$seccomp" = 2 ]; then mods=EPERM; else mods='EPERM|ENOSYS'; fi
for c in init_module finit_module delete_module kexec_load iopl ioperm; do
	has_re "$c: (denied|absent) \(($mods)\)" "$c refused ($mods)"
done
denied bpf
denied perf_event_open 'EACCES|EPERM'
denied ptrace_init
denied keyctl 'EACCES|EPERM'
denied open_by_handle_at
denied mknod_block
denied setns
denied unshare_mount
denied clock_settime
denied acct
denied syslog_clear
denied vhangup
denied setpriority_high 'EACCES|EPERM'
denied sched_fifo
denied sethostname
denied write_sys EROFS
denied write_proc_sys EROFS
has_re "write_sysrq_trigger: (denied \(EROFS\)|absent \(ENOENT\))" "/proc/sysrq-trigger is read-only (or absent)"
for p in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /sys/firmware; do
	has_re "masked $p: masked( \(absent\))?" "$p is masked"
done
has "raw_socket: allowed" "raw sockets work with the default net_raw capability"
has "Seccomp: 2" "the command runs under a seccomp filter"

# capabilities change what the container may do, and nothing outside it
out=$("$MOAT" run --cap-drop net_raw --volume "$helpers:/probe:ro" -- /probe/probe 2>&1)
has "raw_socket: denied (EPERM)" "raw sockets are refused without net_raw"
host_before=$(hostname)
# Docker's JSON profile allows sethostname only with CAP_SYS_ADMIN: moat resolves a
# JSON profile's capability conditions for the container's own capabilities
docker_json=$MOAT_SHARED/corpus/seccomp/docker-default.json
out=$("$MOAT" run --hostname inside --cap-add sys_admin --seccomp "$docker_json" --volume "$helpers:/probe:ro" -- /probe/probe sethostname changed 2>&1)
has "sethostname: allowed" "sethostname works with sys_admin (Docker's JSON profile resolved for it)"
has "hostname: changed" "the container's hostname changed"
[ "$(hostname)" = "$host_before" ] && pass "the host's hostname did not change" || fail "host hostname changed to $(hostname)"
out=$("$MOAT" run --cap-drop all --volume "$helpers:/probe:ro" -- /probe/probe 2>&1)
has "CapEff: 0000000000000000" "--cap-drop all leaves no capability"
has "CapBnd: 0000000000000000" "--cap-drop all empties the bounding set"
out=$("$MOAT" run --user 1000:1000 --volume "$helpers:/probe:ro" -- /probe/probe 2>&1)
has "uid: 1000" "--user runs the command as uid 1000"
has "CapEff: 0000000000000000" "a non-root user has no effective capabilities"

# setuid binaries gain nothing under no_new_privs
w=$(mktemp -d /tmp/moat-suid.XXXXXX); chmod 755 "$w"
out=$("$MOAT" run --volume "$w:/w" --volume "$helpers:/probe:ro" -- /probe/probe suid /w 2>&1)
has "euid: 1000" "a setuid-root binary runs with the caller's uid (no_new_privs)"
rm -rf "$w"

# devices: a node outside the allowlist cannot be opened, even bound in
out=$("$MOAT" run --volume /dev/fuse:/dev/fuse --volume "$helpers:/probe:ro" -- /probe/probe open /dev/fuse 2>&1)
has "open: denied (EPERM)" "a device outside the allowlist (bound /dev/fuse) cannot be opened"
out=$("$MOAT" run --device /dev/fuse:r --volume "$helpers:/probe:ro" -- /probe/probe open /dev/fuse 2>&1)
has "open: allowed" "--device /dev/fuse:r allows opening it"
done_testing
