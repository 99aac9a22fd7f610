#!/usr/bin/env bash
# moat fw in the kernel, in two network namespaces joined by a veth pair this
# test creates: verdicts for TCP, UDP and ICMP over IPv4 and IPv6 in both
# directions, keep state, run-time tables, counters, an atomic reload under
# a steady stream, fw test on a capture agreeing with the kernel, unload.
# The firewall sits on the server side (B); moat runs in B's network
# namespace (nsenter --net) but in the host's mount namespace, where the
# pins live.
. "$MOAT_TOP/tests/lib/tap.sh"
. "$MOAT_TOP/tests/lib/netns.sh"

if [ "$(id -u)" != 0 ]; then skip "needs root"; done_testing; exit; fi
for t in ping nc tcpdump nsenter; do
	command -v $t >/dev/null || { skip "needs $t"; done_testing; exit; }
done

A=fwtA$$ B=fwtB$$ VA=fwa$$ VB=fwb$$
IPA=10.203.0.1 IPB=10.203.0.2 IP6A=fd03::1 IP6B=fd03::2
tmp=$(mktemp -d)
cleanup() {
	"$MOAT" fw unload --dev $VB >/dev/null 2>&1
	jobs -p | xargs -r kill 2>/dev/null
	netns_pair_down
	rm -rf "$tmp"
}
trap cleanup EXIT

netns_pair_up
ok $? "two namespaces and a veth pair"

cat >"$tmp/rules.conf" <<R
server4 = "$IPB"
table <friends> { $IPA }
set default block in
pass in proto icmp
pass in inet6 proto icmp6
pass in proto tcp to port 8022 keep state
block in proto tcp to port 8023
pass in proto udp from <friends> to port 9000
pass in proto udp to \$server4 port 9100
pass out keep state
pass in proto tcp to port 8030 keep state
R

# listeners in B (TCP 8022, 8023, 8024 on both families; UDP 9000)
for p in 8022 8023 8024; do
	ip netns exec $B nc -k -l $p >/dev/null 2>&1 &
	ip netns exec $B nc -6 -k -l $p >/dev/null 2>&1 &
done
sleep 0.3

udp_send() { ip netns exec $1 bash -c "echo $4 >/dev/udp/$2/$3"; } # NS DEST PORT WORD
connects() { ip netns exec $1 nc -z -w 1 "$2" "$3" >/dev/null 2>&1; }
pings() { ip netns exec $1 ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
udp_gets() { # NS_FROM DEST PORT: does a datagram arrive at B?
	: >"$tmp/udp.out"
	ip netns exec $B timeout 2 nc -u -l -d -W 1 "$3" >"$tmp/udp.out" 2>/dev/null &
	local srv=$!
	sleep 0.3
	udp_send $1 "$2" "$3" hello
	wait $srv 2>/dev/null
	grep -q hello "$tmp/udp.out"
}

connects $A $IPB 8024; ok $? "without a firewall, TCP 8024 connects"

inB "$MOAT" fw load "$tmp/rules.conf" --dev $VB >"$tmp/load.out" 2>&1
ok $? "fw load --xdp"
[ -e /sys/fs/bpf/moat/fw/$VB/link_in ] && [ -e /sys/fs/bpf/moat/fw/$VB/link_out ]
ok $? "links pinned under /sys/fs/bpf/moat/fw/$VB"
ip -n $B link show $VB | grep -q xdp; ok $? "XDP program attached"

pings $A $IPB; ok $? "IPv4 ICMP passes (rule 1)"
pings $A $IP6B; ok $? "IPv6 ICMP passes (rule 2)"
connects $A $IPB 8022; ok $? "IPv4 TCP 8022 passes (rule 3)"
connects $A $IP6B 8022; ok $? "IPv6 TCP 8022 passes (rule 3)"
! connects $A $IPB 8023; ok $? "IPv4 TCP 8023 blocked (rule 4)"
! connects $A $IP6B 8023; ok $? "IPv6 TCP 8023 blocked (rule 4)"
! connects $A $IPB 8024; ok $? "IPv4 TCP 8024 blocked (default)"
udp_gets $A $IPB 9000; ok $? "UDP 9000 from a table member passes (rule 5)"
"$MOAT" fw table friends del $IPA; ok $? "fw table del"
! udp_gets $A $IPB 9000; ok $? "UDP 9000 blocked once the sender left the table"
"$MOAT" fw table friends add $IPA; ok $? "fw table add"
"$MOAT" fw table friends list | grep -qx "$IPA"; ok $? "fw table list"
udp_gets $A $IPB 9000; ok $? "UDP 9000 passes again, no reload"
"$MOAT" fw table friends add 192.0.2.0/24 && "$MOAT" fw show | grep -q "^table <friends> { .*192.0.2.0/24"
ok $? "fw show lists the table's live entries"
"$MOAT" fw table friends del 192.0.2.0/24; ok $? "fw table del of a prefix"
must_fail 1 "deleting an absent entry" "$MOAT" fw table friends del 192.0.2.0/24

# outgoing: B connects to A; the SYN-ACK comes in by B's state (rule 7)
ip netns exec $A nc -k -l 7000 >/dev/null 2>&1 &
ip netns exec $A nc -6 -k -l 7000 >/dev/null 2>&1 &
sleep 0.3
connects $B $IPA 7000; ok $? "IPv4: B's outgoing connection gets its replies by keep state"
connects $B $IP6A 7000; ok $? "IPv6: the same"

# counters: 20 datagrams of 44 bytes (14 + 20 + 8 + 2) to UDP 9100 (rule 6)
before=$("$MOAT" fw show --json | perl -MJSON::PP -e 'my $j = decode_json(join "", <>); print $j->{firewalls}[0]{rules}[5]{in}{packets}')
ip netns exec $A bash -c "for i in \$(seq 20); do echo x >/dev/udp/$IPB/9100; done"
for try in 1 2 3 4 5 6 7 8 9 10; do
	"$MOAT" fw show --json >"$tmp/show.json"
	read -r pk by < <(perl -MJSON::PP -e 'my $j = decode_json(join "", <>); my $r = $j->{firewalls}[0]{rules}[5]; print "$r->{in}{packets} $r->{in}{bytes}\n"' "$tmp/show.json")
	[ "$((pk - before))" -ge 20 ] && break
	sleep 0.2
done
[ "$((pk - before))" = 20 ]; ok $? "rule 6 counted the 20 datagrams sent (got $((pk - before)))"
[ "$by" -ge $((20 * 44)) ] && [ $((by % 44)) = 0 ]; ok $? "and 44 bytes each ($by bytes in all)"

"$MOAT" fw show >"$tmp/show.txt"; ok $? "fw show"
"$MOAT" fw check "$tmp/show.txt" >/dev/null; ok $? "fw show's output is a valid rule file"
grep -v '^#' "$tmp/show.txt" | sed 's/  #.*//' >"$tmp/show.rules"
"$MOAT" fw check --print "$tmp/rules.conf" >"$tmp/canon.rules"
diff "$tmp/canon.rules" "$tmp/show.rules" >/dev/null; ok $? "fw show prints the loaded rules in canonical form"

# reload under a steady stream: 300 pings at 10 ms (allowed) and UDP 9200
# datagrams (blocked) while the rules are swapped five times
conns=$(sed -n 's/.*; \([0-9]*\) tracked.*/\1/p' "$tmp/show.txt")
: >"$tmp/blocked.out"
ip netns exec $B timeout 6 nc -u -k -l -d 9200 >"$tmp/blocked.out" 2>/dev/null &
ip netns exec $A ping -i 0.01 -c 300 -W 1 $IPB >"$tmp/ping.out" 2>&1 &
pinger=$!
for i in $(seq 5); do
	sed "s/^block in proto tcp to port 8023/block in proto tcp to port { 8023 $((8100 + i)) }/" \
		"$tmp/rules.conf" >"$tmp/rules2.conf"
	inB "$MOAT" fw load "$tmp/rules2.conf" --dev $VB || echo "reload $i failed" >>"$tmp/reload.err"
	for k in 1 2 3; do udp_send $A $IPB 9200 blocked; done
	sleep 0.3
done
wait $pinger
[ ! -s "$tmp/reload.err" ]; ok $? "five reloads"
grep -q "300 packets transmitted, 300 received" "$tmp/ping.out"; ok $? "no allowed packet lost during the reloads: $(grep transmitted "$tmp/ping.out")"
sleep 0.5
[ ! -s "$tmp/blocked.out" ]; ok $? "no blocked packet passed during the reloads"
after=$("$MOAT" fw show | sed -n 's/.*; \([0-9]*\) tracked.*/\1/p')
[ "$after" -ge "$conns" ] && [ "$conns" -gt 0 ]; ok $? "connection state kept across reloads ($conns before, $after after)"

# a connection established before a reload that drops its rule lives on by its state
inB "$MOAT" fw load "$tmp/rules.conf" --dev $VB
: >"$tmp/conn.out"
ip netns exec $B timeout 8 nc -l 8030 >"$tmp/conn.out" 2>/dev/null &
sleep 0.3
(echo first; sleep 2; echo second; sleep 0.5) | ip netns exec $A timeout 6 nc $IPB 8030 &
client=$!
sleep 1
grep -v 8030 "$tmp/rules.conf" >"$tmp/rules3.conf"
inB "$MOAT" fw load "$tmp/rules3.conf" --dev $VB; ok $? "reload without the rule for port 8030"
wait $client
grep -q second "$tmp/conn.out"; ok $? "the established connection still carries data after the reload"
ip netns exec $B nc -k -l 8030 >/dev/null 2>&1 &
sleep 0.3
! connects $A $IPB 8030; ok $? "a new connection to 8030 (listening) is blocked"

# fw test on a capture of what A sends agrees with the kernel's counters
inB "$MOAT" fw unload --dev $VB && inB "$MOAT" fw load "$tmp/rules.conf" --dev $VB
ok $? "fresh load for the capture"
ip netns exec $A tcpdump -i $VA -Q out --immediate-mode -w "$tmp/cap.pcap" -U not arp >/dev/null 2>&1 &
dump=$!
sleep 1
pings $A $IPB; pings $A $IP6B
connects $A $IPB 8022; connects $A $IPB 8023; connects $A $IP6B 8024
udp_gets $A $IPB 9000
for i in 1 2 3; do udp_send $A $IPB 9100 x; done
sleep 0.5
kill -INT $dump; wait $dump 2>/dev/null
"$MOAT" fw test "$tmp/rules.conf" -r "$tmp/cap.pcap" --dev $VB >"$tmp/test.out"
ok $? "fw test on the capture"
perl -MJSON::PP -e '
	my $j = decode_json(`$ENV{MOAT} fw show --json`)->{firewalls}[0];
	my ($pass, $block) = (0, 0);
	for my $r (@{$j->{rules}}) {
		if ($r->{text} =~ /^pass/) { $pass += $r->{in}{packets} } else { $block += $r->{in}{packets} }
	}
	$block += $j->{default}{in}{packets};
	print "$pass $block\n";' >"$tmp/live.txt"
read -r lp lb <"$tmp/live.txt"
tp=$(grep -c ' pass \(rule\|state\|default\)' "$tmp/test.out")
tb=$(grep -c ' block ' "$tmp/test.out")
diag "kernel: $lp passed, $lb blocked; fw test: $tp passed, $tb blocked"; [ "$lp" = "$tp" ] || { cat "$tmp/test.out"; "$MOAT" fw show; } | sed "s/^/# /"
[ "$lp" = "$tp" ] && [ "$lb" = "$tb" ] && [ "$tb" -gt 0 ] && [ "$tp" -gt 0 ]
ok $? "fw test gives the kernel's verdicts on the same traffic"
"$MOAT" fw test "$tmp/rules.conf" -r "$tmp/cap.pcap" --explain | grep -q "rules.conf:7: block in proto tcp to any port 8023"
ok $? "fw test --explain names the deciding rule's line and text"

# bad input: nothing half loaded
must_fail 1 "unknown interface" "$MOAT" fw load "$tmp/rules.conf" --dev nosuch0
grep -q "no network interface 'nosuch0'" "$MF_ERR"; ok $? "names the interface"
must_fail 1 "unknown table" "$MOAT" fw table nosuch list
printf 'pass in proto tcp to port ssh2\n' >"$tmp/bad.conf"
inB "$MOAT" fw unload --dev $VB
must_fail 1 "parse error" nsenter --net=/var/run/netns/$B "$MOAT" fw load "$tmp/bad.conf" --dev $VB
grep -q "bad.conf:1:27: expected a port number, got 'ssh2'" "$MF_ERR" && grep -q '^   *\^$' "$MF_ERR"
ok $? "file:line:col and a caret"
[ ! -e /sys/fs/bpf/moat/fw/$VB ] && ! ip -n $B link show $VB | grep -q xdp; ok $? "nothing loaded after the failure"
must_fail 2 "--xdp with --tc" "$MOAT" fw load "$tmp/rules.conf" --dev $VB --xdp --tc

# TC ingress
inB "$MOAT" fw load "$tmp/rules.conf" --dev $VB --tc; ok $? "fw load --tc"
connects $A $IPB 8022; ok $? "TC: TCP 8022 passes"
! connects $A $IPB 8023; ok $? "TC: TCP 8023 blocked"
pings $A $IP6B; ok $? "TC: IPv6 ICMP passes"
must_fail 1 "changing the hook needs an unload" nsenter --net=/var/run/netns/$B "$MOAT" fw load "$tmp/rules.conf" --dev $VB --xdp

inB "$MOAT" fw unload; ok $? "fw unload"
[ ! -e /sys/fs/bpf/moat/fw/$VB ] && [ ! -e /run/moat/fw/$VB.conf ]; ok $? "pins and saved rules removed"
! ip -n $B link show $VB | grep -q xdp; ok $? "no XDP program left"
connects $A $IPB 8024; ok $? "TCP 8024 connects again: nothing attached"
"$MOAT" fw show | grep -q "no firewall is loaded"; ok $? "fw show: nothing loaded"
done_testing
