#!/usr/bin/env bash
# moat run networks: loopback up in every own namespace; --net private's veth
# pair (addresses, route, host <-> container traffic, no forwarding, nothing
# left after exit or after kill -9 of moat); refusals.
source "$MOAT_TOP/tests/lib/tap.sh"
[ "$(id -u)" = 0 ] || { skip "needs root"; done_testing; exit; }
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

# --- none: lo only, and up ---------------------------------------------------
out=$("$MOAT" run -- sh -c 'ls /sys/class/net; cat /sys/class/net/lo/flags; ping -c1 -W1 127.0.0.1 >/dev/null && echo lo-ping-ok' 2>&1)
ok $? "a --net none container runs"
is "$(echo "$out" | head -1)" "lo" "--net none: only lo"
is "$(echo "$out" | sed -n 2p)" "0x9" "lo is up (IFF_UP|IFF_LOOPBACK)"
like "$out" "lo-ping-ok" "127.0.0.1 answers inside"

# --- private: eth0, address, route, both directions --------------------------
mkfifo "$tmp/fifo"
"$MOAT" run --name net-$$ --net private -- sh -c '
	ls /sys/class/net | tr "\n" " "; echo
	ip -4 -o addr show eth0 | awk "{print \$4}"
	ip route | awk "/^default/{print \$3}"
	gw=$(ip route | awk "/^default/{print \$3}")
	ping -c1 -W2 "$gw" >/dev/null && echo gw-ping-ok
	nc -l -p 7000 | head -1
	echo done' >"$tmp/fifo" 2>"$tmp/err" &
runpid=$!
exec 3<"$tmp/fifo"
read -r -t 10 ifaces <&3; read -r -t 5 addr <&3; read -r -t 5 gw <&3; read -r -t 5 pingok <&3
is "$ifaces" "eth0 lo" "--net private: eth0 and lo"
like "$addr" '^10\.88\.[0-9]+\.[0-9]+/30$' "eth0 has a 10.88.x.y/30 address ($addr)"
like "$gw" '^10\.88\.' "the default route goes through the host end ($gw)"
is "$pingok" "gw-ping-ok" "the container reaches the host end"
host_if=$(ip -4 -o addr show | awk -v g="$gw/30" '$4 == g {print $2}')
like "$host_if" '^moat[0-9]+$' "the host end is $host_if, holding $gw"
is "$(cat /proc/sys/net/ipv4/conf/$host_if/forwarding 2>/dev/null)" "0" "forwarding is off on the host end"
sleep 0.3
( exec 4<>/dev/tcp/${addr%/*}/7000 && echo hello-from-host >&4 )
ok $? "the host connects to the container's listener"
read -r -t 5 got <&3
is "$got" "hello-from-host" "the container received the host's bytes"
read -r -t 5 fin <&3
is "$fin" "done" "the container ran to its end"
wait $runpid
ok $? "moat run --net private exits 0"
exec 3<&-
like "$(cat "$tmp/err")" "network: container eth0 ${addr%/*}/30, host $host_if $gw" "the note names both ends"
ip link show "$host_if" >/dev/null 2>&1
ok $((!$?)) "after exit, $host_if is gone"

# --- kill -9 of moat: the namespace dies with PID 1, and the pair with it -----
"$MOAT" run --name netk-$$ --net private -- sleep 30 2>"$tmp/err2" &
kpid=$!
for i in $(seq 50); do grep -q "host moat" "$tmp/err2" 2>/dev/null && break; sleep 0.1; done
kif=$(sed -n 's/.*host \(moat[0-9]*\) .*/\1/p' "$tmp/err2")
ip link show "$kif" >/dev/null 2>&1
ok $? "a running container's host end ($kif) exists"
kill -9 $kpid; wait $kpid 2>/dev/null
gone=0
for i in $(seq 50); do ip link show "$kif" >/dev/null 2>&1 || { gone=1; break; }; sleep 0.1; done
ok $((1 - gone)) "after kill -9 of moat, $kif is gone"
"$MOAT" run --name netk-$$ -- true 2>/dev/null
ok $? "the name is free again"

# --- private network + moat fw on the host end ----------------------------------
# The container pings the host end three times, waiting for a line on stdin
# before each: no firewall, then "block in proto icmp" on moatN, then unloaded.
mkfifo "$tmp/in" "$tmp/out"
"$MOAT" run --name netfw-$$ --net private -i -- sh -c '
	gw=$(ip route | awk "/^default/{print \$3}")
	for i in 1 2 3; do
		read go
		ping -c1 -W1 "$gw" >/dev/null 2>&1 && echo pass || echo blocked
	done' <"$tmp/in" >"$tmp/out" 2>"$tmp/err3" &
fwpid=$!
exec 5>"$tmp/in" 6<"$tmp/out"
for i in $(seq 50); do grep -q "host moat" "$tmp/err3" 2>/dev/null && break; sleep 0.1; done
fif=$(sed -n 's/.*host \(moat[0-9]*\) .*/\1/p' "$tmp/err3")
echo go >&5; read -r -t 5 r1 <&6
is "$r1" "pass" "without a firewall the container's ping reaches $fif"
printf 'set default pass\nblock in proto icmp\n' >"$tmp/fw.rules"
"$MOAT" fw load "$tmp/fw.rules" --dev "$fif" >/dev/null 2>"$tmp/fwerr"
ok $? "moat fw load on the container's host end" || diag "$(cat "$tmp/fwerr")"
echo go >&5; read -r -t 5 r2 <&6
is "$r2" "blocked" "with 'block in proto icmp' on $fif the ping is dropped"
"$MOAT" fw unload --dev "$fif" >/dev/null 2>&1
ok $? "moat fw unload"
echo go >&5; read -r -t 5 r3 <&6
is "$r3" "pass" "after unload the ping passes again"
exec 5>&- 6<&-
wait $fwpid
ok $? "the container exits 0"
ok $([ -e /sys/fs/bpf/moat/fw/$fif ] && echo 1 || echo 0) "no firewall pin is left for $fif"

# --- refusals ------------------------------------------------------------------
must_fail 2 "--net bridge is a usage error" "$MOAT" run --net bridge -- true
like "$(cat "$MF_ERR")" "bad network 'bridge' \(want none, private or host\)" "an unknown mode is named"
if command -v setpriv >/dev/null; then
	must_fail 1 "rootless --net private fails" setpriv --reuid=65534 --regid=65534 --clear-groups -- env -u XDG_RUNTIME_DIR "$MOAT" run --net private -- true
	like "$(cat "$MF_ERR")" "a private network needs root" "rootless --net private is refused with the reason"
else
	fail "setpriv missing"
fi
done_testing
