#!/usr/bin/env bash
# moat fw log in the kernel, and IPv6 extension headers: two network
# namespaces joined by a veth pair this test creates; the firewall on B.
# Rules with `log` must leave exactly one record per packet they decide
# (both directions), read by `moat fw log` as text, JSON lines or pcap;
# the pcap run through `fw test` gives the same rules; UDP behind IPv6
# hop-by-hop and destination options headers is classified by its port.
. "$MOAT_TOP/tests/lib/tap.sh"
. "$MOAT_TOP/tests/lib/netns.sh"

if [ "$(id -u)" != 0 ]; then skip "needs root"; done_testing; exit; fi
for t in ping nc tcpdump nsenter perl; do
	command -v $t >/dev/null || { skip "needs $t"; done_testing; exit; }
done

A=fwlA$$ B=fwlB$$ VA=fla$$ VB=flb$$
IPA=10.204.0.1 IPB=10.204.0.2 IP6A=fd04::1 IP6B=fd04::2
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
set default block in
pass in log proto icmp
block in log proto udp to port 9400
pass in inet6 proto udp to port 9300
pass in inet6 proto icmp6
pass out log proto udp to port 9500
R

udp_send() { ip netns exec $1 bash -c "echo $4 >/dev/udp/$2/$3"; } # NS DEST PORT WORD
# UDP over IPv6 with a hop-by-hop and a destination options header (PadN each)
udp6_ext() { # NS DEST PORT WORD
	ip netns exec $1 perl -MSocket=:all -e '
		my ($dst, $port, $word) = @ARGV;
		socket(my $s, AF_INET6, SOCK_DGRAM, 0) or die "socket: $!";
		my $padn = pack("C8", 0, 0, 1, 4, 0, 0, 0, 0);
		setsockopt($s, IPPROTO_IPV6, 54, $padn) or die "IPV6_HOPOPTS: $!";
		setsockopt($s, IPPROTO_IPV6, 59, $padn) or die "IPV6_DSTOPTS: $!";
		send($s, "$word\n", 0, pack_sockaddr_in6($port, inet_pton(AF_INET6, $dst))) or die "send: $!";
	' "$2" "$3" "$4"
}
udp_gets() { # SENDER-FUNCTION NS_FROM DEST PORT: does a datagram arrive at B?
	: >"$tmp/udp.out"
	local six=; case $3 in *:*) six=-6 ;; esac
	ip netns exec $B timeout 2 nc $six -u -l -d -W 1 "$4" >"$tmp/udp.out" 2>/dev/null &
	local srv=$!
	sleep 0.3
	$1 $2 "$3" "$4" hello
	wait $srv 2>/dev/null
	grep -q hello "$tmp/udp.out"
}
records() { "$MOAT" fw log --dev $VB --json --timeout "${1:-0.5}" >"$tmp/log.json"; }

inB "$MOAT" fw load "$tmp/rules.conf" --dev $VB; ok $? "fw load with log rules"
[ -e /sys/fs/bpf/moat/fw/$VB/log ]; ok $? "the log ring buffer is pinned"
records 0.3
[ ! -s "$tmp/log.json" ]; ok $? "no traffic, no records"

ip netns exec $A nc -u -k -l 9500 >/dev/null 2>&1 & # no ICMP port unreachable for B's datagrams
sleep 0.3
ip netns exec $A ping -c 3 -i 0.2 -W 1 $IPB >/dev/null 2>&1; ok $? "3 pings pass (rule 1, logged)"
for i in 1 2 3 4 5; do udp_send $A $IPB 9400 x; done
ip netns exec $B bash -c "for i in 1 2; do echo yy >/dev/udp/$IPA/9500; done"
sleep 0.3
records
is "$(wc -l <"$tmp/log.json")" 10 "fw log: one record per logged packet (3 + 5 + 2)"
perl -MJSON::PP -ne '
	my $r = decode_json($_);
	printf "%s %s %d %s %s %s %d %d\n", $r->{action}, $r->{dir}, $r->{rule}, $r->{proto},
		$r->{src}, $r->{dst}, $r->{dport}, $r->{length};
' "$tmp/log.json" | sort | uniq -c | sed 's/^ *//' >"$tmp/summary"
cat >"$tmp/want" <<W
5 block in 2 udp $IPA $IPB 9400 44
3 pass in 1 icmp $IPA $IPB 0 98
2 pass out 5 udp $IPB $IPA 9500 45
W
diff "$tmp/want" "$tmp/summary" >"$tmp/diff"; ok $? "records: action, direction, rule, 5-tuple and length of the traffic sent"
[ -s "$tmp/diff" ] && sed 's/^/# /' "$tmp/diff"
perl -MJSON::PP -ne 'my $r = decode_json($_); exit 1 unless $r->{dev} eq "'$VB'" && $r->{caplen} == $r->{length} && $r->{ifindex} > 0' "$tmp/log.json"
ok $? "records keep the whole short frames and the interface index"
records 0.3
[ ! -s "$tmp/log.json" ]; ok $? "read records are gone"

for i in 1 2 3 4; do udp_send $A $IPB 9400 x; done
sleep 0.3
"$MOAT" fw log --dev $VB -c 2 >"$tmp/two.txt"; ok $? "fw log -c 2"
is "$(grep -c "rule 2: block in on $VB: $IPA\.[0-9]* > $IPB\.9400: udp, length 44" "$tmp/two.txt")" 2 \
	"text lines as tcpdump -e prints pflog"
records
is "$(wc -l <"$tmp/log.json")" 2 "-c left the other records for the next reader"

ip netns exec $A ping -c 3 -i 0.2 -W 1 $IPB >/dev/null 2>&1
"$MOAT" fw log --dev $VB -c 3 -w "$tmp/log.pcap" --timeout 5; ok $? "fw log -w FILE.pcap"
is "$(tcpdump -n -r "$tmp/log.pcap" 2>/dev/null | grep -c "$IPA > $IPB: ICMP echo request")" 3 \
	"the pcap holds the 3 echo requests"
"$MOAT" fw test "$tmp/rules.conf" -r "$tmp/log.pcap" --explain >"$tmp/test.out"
is "$(grep -c '^[0-9]* pass rule 1 (log) ' "$tmp/test.out")" 3 \
	"fw test on the logged frames: rule 1, which logs"

# IPv6 extension headers: the port is found behind them
udp_gets udp6_ext $A $IP6B 9300; ok $? "UDP 9300 behind hop-by-hop and destination options passes (rule 3)"
! udp_gets udp6_ext $A $IP6B 9301; ok $? "UDP 9301 behind them is blocked (default)"
ip netns exec $A tcpdump -i $VA -Q out --immediate-mode -w "$tmp/ext.pcap" -U ip6 and not icmp6 >/dev/null 2>&1 &
dump=$!
sleep 1
udp6_ext $A $IP6B 9300 x; udp6_ext $A $IP6B 9301 x; udp6_ext $A $IP6B 9300 x
sleep 0.5
kill -INT $dump; wait $dump 2>/dev/null
"$MOAT" fw test "$tmp/rules.conf" -r "$tmp/ext.pcap" >"$tmp/ext.out"
printf '1 pass rule 3\n2 block default\n3 pass rule 3\n3 packets: 2 passed, 1 blocked\n' >"$tmp/ext.want"
diff "$tmp/ext.want" "$tmp/ext.out" >/dev/null; ok $? "fw test on their capture: the same verdicts"
tcpdump -n -v -r "$tmp/ext.pcap" 2>/dev/null | grep -q "HBH"; ok $? "the capture's packets carry a hop-by-hop header"

# without log rules: no ring buffer, fw log says so
grep -v log "$tmp/rules.conf" >"$tmp/nolog.conf"
inB "$MOAT" fw load "$tmp/nolog.conf" --dev $VB; ok $? "reload without log rules"
[ ! -e /sys/fs/bpf/moat/fw/$VB/log ]; ok $? "the ring buffer is gone"
must_fail 1 "fw log without log rules" "$MOAT" fw log --dev $VB --timeout 0.2
grep -q "no loaded firewall on $VB has a rule with 'log'" "$MF_ERR"; ok $? "says why"
must_fail 2 "fw log -c 0" "$MOAT" fw log -c 0
must_fail 2 "fw log --json -w" "$MOAT" fw log --json -w "$tmp/x.pcap"

inB "$MOAT" fw unload --dev $VB; ok $? "fw unload"
[ ! -e /sys/fs/bpf/moat/fw/$VB ] && ! ip -n $B link show $VB | grep -q xdp; ok $? "nothing left attached"
done_testing
