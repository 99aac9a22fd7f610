#!/usr/bin/env bash
# moat bpf load/unload on clang-built objects: a tracepoint counting a known
# process's getppid calls (foreground, maps printed at the end), XDP in a
# network namespace counting exactly the echo requests sent, XDP pinned and
# dropping them until unload, and the refusals.
source "$MOAT_TOP/tests/lib/tap.sh"
[ "$(id -u)" = 0 ] || { skip "needs root"; done_testing; exit; }
for t in ping nsenter clang; do
	command -v $t >/dev/null || { skip "needs $t"; done_testing; exit; }
done
tmp=$(mktemp -d)
NS=bpfl$$ VA=bla$$ VB=blb$$ PIN=/sys/fs/bpf/moat-test-load-$$
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null; wait 2>/dev/null
	"$MOAT" bpf unload "$PIN" >/dev/null 2>&1; "$MOAT" bpf unload "$PIN-cg" >/dev/null 2>&1
	[ -n "${CG:-}" ] && rmdir "$CG" 2>/dev/null
	ip netns del $NS 2>/dev/null; ip link del $VA 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
obj=$tmp/load.o
clang -target bpf -O2 -g -I/usr/include/$(uname -m)-linux-gnu -c "$MOAT_TOP/tests/helpers/bpf/load.bpf.c" -o "$obj" 2>"$tmp/cc.err"
ok $? "clang builds the test object" || diag "$(cat "$tmp/cc.err")"
helpers=$MOAT_BUILD_DIR/tests/helpers

# waits until FILE holds "attached" (moat's stderr line), at most 10 s
attached() { for i in $(seq 100); do grep -q "attached" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# --- tracepoint, foreground ----------------------------------------------------
"$MOAT" bpf load "$obj" --section count_getppid --duration 3 --json >"$tmp/tp.json" 2>"$tmp/tp.err" &
lp=$!
attached "$tmp/tp.err"
ok $? "the tracepoint program is attached"
pid=$("$helpers/getppid_n" 7)
wait $lp
ok $? "moat bpf load exits 0 at the end of --duration"
json=$(cat "$tmp/tp.json")
like "$json" '"hook":"tracepoint","target":"syscalls:sys_enter_getppid"' "the JSON names the hook"
like "$json" "\"key_number\":$pid,\"value_number\":7[,}]" "the map shows exactly 7 getppid calls of pid $pid"
id=$(grep -o '"prog_id":[0-9]*' <<<"$json" | cut -d: -f2)
gone=1
for i in $(seq 50); do "$helpers/bpf_prog_alive" "${id:-0}" || { gone=0; break; }; sleep 0.1; done
ok $gone "program $id is gone from the kernel once moat exited"

# --- the same count at raw_tp and tp_btf ------------------------------------------
for sec in raw_getppid:raw_tp:sys_enter btf_getppid:tp_btf:sys_enter; do
	IFS=: read -r name hook target <<<"$sec"
	"$MOAT" bpf load "$obj" --section $name --duration 3 --json >"$tmp/r.json" 2>"$tmp/r.err" &
	lp=$!
	attached "$tmp/r.err"
	ok $? "$name is attached" || diag "$(cat "$tmp/r.err")"
	pid=$("$helpers/getppid_n" 5)
	wait $lp
	json=$(cat "$tmp/r.json")
	like "$json" "\"hook\":\"$hook\",\"target\":\"$target\"" "$name: hook $hook $target"
	like "$json" "\"key_number\":$pid,\"value_number\":5[,}]" "$name: exactly 5 getppid calls of pid $pid"
done

# --- XDP in a network namespace ------------------------------------------------
ip netns add $NS && ip link add $VA type veth peer name $VB && ip link set $VB netns $NS &&
	ip addr add 10.206.0.1/24 dev $VA && ip link set $VA up &&
	ip -n $NS addr add 10.206.0.2/24 dev $VB && ip -n $NS link set $VB up && ip -n $NS link set lo up
ok $? "a namespace and a veth pair"
ping -c1 -W2 10.206.0.2 >/dev/null 2>&1 # neighbour discovery before counting
inNS() { nsenter --net=/var/run/netns/$NS "$@"; }
inNS "$MOAT" bpf load "$obj" --section count_echo --dev $VB --duration 3 >"$tmp/x.out" 2>"$tmp/x.err" &
lp=$!
attached "$tmp/x.err"
ok $? "the XDP program is attached to $VB"
ping -c5 -i0.2 -W1 10.206.0.2 >/dev/null 2>&1
ok $? "pings pass through the counting program"
wait $lp
ok $? "moat bpf load exits 0"
like "$(cat "$tmp/x.out")" "echo_requests: key 00 00 00 00 \(0\) value 05 00 00 00 00 00 00 00 \(5\)" \
	"the array counts exactly the 5 echo requests"
like "$(head -1 "$tmp/x.out")" "^loaded count_echo \(xdp, [0-9]+ insns\) as prog id [0-9]+, attached at xdp $VB$" \
	"the first line says what was loaded where"
ip -n $NS link show $VB | grep -q "xdp"
ok $((!$?)) "nothing stays attached after the foreground run"

# --- XDP pinned ------------------------------------------------------------------
inNS "$MOAT" bpf load "$obj" --section drop_echo --dev $VB --pin $PIN >"$tmp/p.out" 2>&1
ok $? "load --pin exits at once"
ip -n $NS link show $VB | grep -q "xdp"
ok $? "the XDP program stays attached after moat exited"
is "$(ls $PIN | tr '\n' ' ')" "link prog " "program and link are pinned (drop_echo uses no map)"
ping -c2 -i0.2 -W1 10.206.0.2 >/dev/null 2>&1
ok $((!$?)) "echo requests are dropped while it is pinned"
"$MOAT" bpf unload $PIN
ok $? "bpf unload"
ok $([ -e $PIN ] && echo 1 || echo 0) "the pin directory is gone"
ip -n $NS link show $VB | grep -q "xdp"
ok $((!$?)) "the XDP program is detached"
ping -c1 -W2 10.206.0.2 >/dev/null 2>&1
ok $? "pings pass again"

# --- cgroup_skb, linked and pinned ---------------------------------------------
cgmnt=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
CG=$cgmnt/moat-test-load-$$
mkdir "$CG"
ok $? "a cgroup v2 directory ($CG)"
inCG() { sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$CG" "$@"; }
inCG ping -c1 -W2 10.206.0.2 >/dev/null 2>&1
ok $? "a process in the cgroup reaches the namespace"
"$MOAT" bpf load "$obj" --section deny_egress --cgroup "$CG" --pin $PIN-cg >"$tmp/cg.out" 2>&1
ok $? "load --cgroup --pin" || diag "$(cat "$tmp/cg.out")"
like "$(cat "$tmp/cg.out")" "attached at cgroup_skb $CG egress, pinned in $PIN-cg" "it says where"
inCG ping -c1 -W2 10.206.0.2 >/dev/null 2>&1
ok $((!$?)) "the cgroup's packets are dropped"
ping -c1 -W2 10.206.0.2 >/dev/null 2>&1
ok $? "a process outside the cgroup is not affected"
"$MOAT" bpf unload $PIN-cg
ok $? "bpf unload"
inCG ping -c1 -W2 10.206.0.2 >/dev/null 2>&1
ok $? "the cgroup's packets pass again"
rmdir "$CG"
ok $? "the cgroup is removed"

# --- a pinned program keeps its maps pinned --------------------------------------
inNS "$MOAT" bpf load "$obj" --section count_echo --dev $VB --pin $PIN >/dev/null 2>&1
ok $? "count_echo pinned"
is "$(ls $PIN | tr '\n' ' ')" "link map_echo_requests prog " "with its map"
"$MOAT" bpf unload $PIN
ok $? "and unloaded"

# --- refusals --------------------------------------------------------------------
must_fail 1 "xdp without --dev" "$MOAT" bpf load "$obj" --section count_echo
like "$(cat "$MF_ERR")" "give --dev IFACE" "the error asks for --dev"
must_fail 1 "an unknown interface" "$MOAT" bpf load "$obj" --section count_echo --dev nosuch$$
like "$(cat "$MF_ERR")" "no network interface 'nosuch$$'" "it is named"
must_fail 1 "a pin path outside bpffs" "$MOAT" bpf load "$obj" --section drop_echo --dev lo --pin /tmp/x$$
like "$(cat "$MF_ERR")" "not under /sys/fs/bpf/" "the error says where pins go"
ip link show lo | grep -q xdp
ok $((!$?)) "the refused pin left nothing attached to lo"
must_fail 1 "a pin name with a dot" "$MOAT" bpf load "$obj" --section drop_echo --dev lo --pin /sys/fs/bpf/a.b$$
like "$(cat "$MF_ERR")" "allows no '.' in names" "the error says why"
must_fail 1 "unload of a plain directory" "$MOAT" bpf unload "$tmp"
like "$(cat "$MF_ERR")" "not on the BPF filesystem" "unload refuses it"
must_fail 2 "--pin with --duration" "$MOAT" bpf load "$obj" --pin $PIN --duration 1
must_fail 1 "a missing section" "$MOAT" bpf load "$obj" --section nosuch
done_testing
