#!/usr/bin/env bash
# moat run bad input: clear messages, exit 1 (2 for usage), nothing left mounted.
source "$MOAT_TOP/tests/lib/tap.sh"
source "$MOAT_TOP/tests/lib/sandbox.sh"
[ "$(id -u)" = 0 ] || { skip "needs root"; done_testing; exit; }
before=$(leftovers)
msg() { grep -qF "$1" "$MF_ERR" && pass "  says: $1" || fail "message: $(cat "$MF_ERR")"; }

must_fail 2 "no command" "$MOAT" run
must_fail 1 "a missing rootfs" "$MOAT" run --rootfs /nonexistent/root -- true
msg "moat: run: rootfs /nonexistent/root: No such file or directory"
must_fail 1 "a rootfs that is a file" "$MOAT" run --rootfs /etc/passwd -- true
msg "not a directory"
must_fail 1 "the host root as rootfs" "$MOAT" run --rootfs / -- true
must_fail 2 "a volume without a target" "$MOAT" run --volume /tmp -- true
msg "bad volume '/tmp' (want SRC:DST[:ro])"
must_fail 2 "a relative volume target" "$MOAT" run --volume /tmp:data -- true
must_fail 2 "a bad volume mode" "$MOAT" run --volume /tmp:/data:rx -- true
msg "bad volume mode 'rx'"
must_fail 1 "a missing volume source" "$MOAT" run --volume /nonexistent/src:/data -- true
msg "volume source /nonexistent/src: No such file or directory"
must_fail 2 "an unknown capability" "$MOAT" run --cap-add CAP_FLY -- true
msg "unknown capability 'CAP_FLY'"
must_fail 2 "a bad memory size" "$MOAT" run --memory 12q -- true
msg "bad size '12q'"
must_fail 2 "a bad user" "$MOAT" run --user root -- true
must_fail 2 "a bad cpu count" "$MOAT" run --cpus 0 -- true
must_fail 2 "a bad pids count" "$MOAT" run --pids -1 -- true
must_fail 2 "a bad network" "$MOAT" run --net bridge -- true
must_fail 2 "a device that does not exist" "$MOAT" run --device /dev/nonexistent -- true
must_fail 2 "a non-device as --device" "$MOAT" run --device /etc/passwd -- true
msg "is not a device node"
must_fail 1 "a bad container name" "$MOAT" run --name 'a/b' -- true
must_fail 1 "a relative workdir" "$MOAT" run --workdir tmp -- true
must_fail 1 "a missing workdir" "$MOAT" run --workdir /nonexistent -- true
msg "working directory /nonexistent: No such file or directory"
p=$(mktemp /tmp/moat-prof.XXXXXX)
printf '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [ {"names": ["read"], "action": ' >"$p"
must_fail 1 "a broken seccomp profile" "$MOAT" run --seccomp "$p" -- true
grep -q "^moat: run: $p:" "$MF_ERR" && pass "  names the profile with a position" || fail "profile message: $(cat "$MF_ERR")"
rm -f "$p"
must_fail 1 "a missing seccomp profile" "$MOAT" run --seccomp /nonexistent.json -- true
# a symlink in the image must not lead a mount target (or a created directory) to the host
r=$(mktemp -d /tmp/moat-root.XXXXXX); host=$(mktemp -d /tmp/moat-host.XXXXXX)
cp -a "$MOAT_BUILD_DIR/rootfs/." "$r/"
ln -s "$host" "$r/evil"
must_fail 1 "a mount target behind a symlink to a host path" "$MOAT" run --rootfs "$r" --tmpfs /evil/sub -- true
[ ! -e "$host/sub" ] && pass "  nothing was created on the host" || fail "host directory $host/sub created"
ln -s /etc "$r/etc2"
out=$("$MOAT" run --rootfs "$r" --volume "$host:/etc2/vol-$$" -- sh -c "ls -d /etc/vol-$$" 2>&1)
[ "$out" = "/etc/vol-$$" ] && pass "an absolute symlink resolves inside the root" || fail "got: $out"
[ ! -e "/etc/vol-$$" ] && pass "  and the host's /etc is untouched" || { fail "/etc/vol-$$ created on the host"; rmdir "/etc/vol-$$"; }
rm -rf "$r" "$host"
[ "$(leftovers)" = "$before" ] && pass "nothing is left mounted, no cgroup or state" || { fail "leftovers"; diff <(echo "$before") <(leftovers) | sed 's/^/# /'; }
done_testing
