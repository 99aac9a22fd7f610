#!/usr/bin/env bash
# moat filter as a user drives it: packet lines, -c, -q, -w read back by
# libpcap, -d/-dd/-ddd against libpcap's bpf_dump, errors with a caret,
# damaged captures, and a live capture on a veth pair between two network
# namespaces this test creates (the kernel runs moat's classic program).
source "$MOAT_TOP/tests/lib/tap.sh"
ref=$MOAT_BUILD_DIR/tests/helpers/pcap_ref
P=$MOAT_SHARED/corpus/pcaps
tmp=$(mktemp -d)
ns_a=moatft-a-$$ ns_b=moatft-b-$$
cleanup() {
	[ -n "${live_pid:-}" ] && kill "$live_pid" 2>/dev/null
	ip netns del "$ns_a" 2>/dev/null
	ip netns del "$ns_b" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- help and usage ---------------------------------------------------------
"$MOAT" help filter | grep -q '^usage: moat filter' && pass "help filter prints the manual" || fail "help filter"
"$MOAT" filter --help | grep -q -- '-ddd' && pass "filter --help documents -ddd" || fail "filter --help"
must_fail 2 "no capture and no -d is a usage error" "$MOAT" filter tcp
must_fail 2 "-r and -i together" "$MOAT" filter -r x -i lo tcp
must_fail 2 "-c 0" "$MOAT" filter -c 0 -r "$P/HSRP_failover.pcap" udp
must_fail 2 "-c with a suffix" "$MOAT" filter -c 3k -r "$P/HSRP_failover.pcap" udp
must_fail 2 "--ebpf without -d" "$MOAT" filter --ebpf -r "$P/HSRP_failover.pcap" udp
must_fail 2 "an unknown option" "$MOAT" filter --frob -r "$P/HSRP_failover.pcap" udp
must_fail 2 "-dddd" "$MOAT" filter -dddd ip
must_fail 2 "an unknown -y link type" "$MOAT" filter -d -y NOSUCHLINK ip

# --- packet lines -----------------------------------------------------------
f=$P/accecn_handshake.pcap
"$MOAT" filter -r "$f" tcp >"$tmp/out" 2>"$tmp/err"; ok $? "TCP capture filters (exit 0)"
[ "$(head -1 "$tmp/out")" = "06:26:07.794026 TCP 31.133.146.248:16433 > 66.228.43.12:80 len 74" ] &&
	pass "TCP line: time, protocol, addresses with ports, length" || fail "TCP line: $(head -1 "$tmp/out")"
[ "$(cat "$tmp/err")" = "6 packets read, 6 matched" ] && pass "summary on stderr" || fail "summary: $(cat "$tmp/err")"
out=$("$MOAT" filter -r "$P/802.1ad_QinQ.pcap" vlan 2>/dev/null | head -1)
[ "$out" = "21:59:54.599412 vlan 200 vlan 2001 ARP who-has 172.21.79.100 tell 172.21.79.97 len 64" ] &&
	pass "QinQ ARP line shows both tags" || fail "QinQ line: $out"
out=$("$MOAT" filter -r "$P/OSPFv3_broadcast_adjacency.pcap" ip6 2>/dev/null | head -1)
[ "$out" = "12:43:11.663317 OSPF fe80::1 > ff02::5 len 90" ] && pass "IPv6 line" || fail "IPv6 line: $out"
out=$("$MOAT" filter -r "$P/bgp-4byte-asn.pcap" 'arp[6:2] = 2' 2>/dev/null | head -1)
[ "$out" = "17:16:39.743599 ARP reply 1.0.2.1 is-at e2:c3:b4:8e:87:60 len 42" ] &&
	pass "ARP reply line" || fail "ARP line: $out"

# the matched count is libpcap's for a handful of captures and expressions
for c in "HSRP_failover.pcap|udp port 1985" "bgp-4byte-asn.pcap|tcp port 179 and tcp[tcpflags] & tcp-push != 0" \
	 "dhcp-rfc4388.pcap|udp and not port 67" "OSPFv3_broadcast_adjacency.pcap|ip6 multicast" \
	 "dns_tcp.pcap|tcp and greater 100"; do
	file=${c%%|*} e=${c#*|}
	want=$("$ref" count "$e" "$P/$file")
	lines=$("$MOAT" filter -r "$P/$file" "$e" 2>"$tmp/err" | wc -l)
	got="$(sed -n 's/^\([0-9]*\) packets* read, \([0-9]*\) matched$/\2 \1/p' "$tmp/err")"
	[ "$got" = "$want" ] && [ "$lines" = "${want%% *}" ] && pass "'$e' on $file: $got (matched read) as libpcap" ||
		fail "'$e' on $file: moat '$got' ($lines lines), libpcap '$want'"
done

# --- --json: one object per packet ----------------------------------------------
"$MOAT" filter --json -r "$f" tcp >"$tmp/json" 2>/dev/null
[ "$(wc -l <"$tmp/json")" = 6 ] && [ "$(grep -c '^{.*}$' "$tmp/json")" = 6 ] &&
	head -1 "$tmp/json" | grep -q '"time":"06:26:07.794026","ts":"1658816767.794026","len":74,"caplen":74,"proto":"TCP","proto_num":6,"src":"31.133.146.248","dst":"66.228.43.12","sport":16433,"dport":80}' &&
	pass "--json: one object per matching packet with the decoded fields" || fail "--json: $(head -1 "$tmp/json")"
out=$("$MOAT" filter --json -r "$P/802.1ad_QinQ.pcap" -c 1 vlan 2>/dev/null)
grep -q '"vlan":\[200,2001\],"proto":"ARP".*"arp_op":"who-has"' <<<"$out" && pass "--json: VLAN tags as an array, ARP operation" ||
	fail "--json QinQ: $out"
must_fail 2 "--json with -w" "$MOAT" filter --json -w "$tmp/x.pcap" -r "$f" tcp

# --- the malformed captures of the corpus: a line per packet, no sanitizer report
# (no expression is no filter, so link types the compiler does not know print too)
n=0 bad=0
while IFS=$'\t' read -r file _ _ _ packets _ _ _ _ _ _ _ _ _ _ _ hint; do
	[ "$hint" = malformed ] || continue
	n=$((n + 1))
	"$MOAT" filter -r "$P/$file" '' >"$tmp/out" 2>"$tmp/err"; st=$?
	if [ $st != 0 ] || [ "$(wc -l <"$tmp/out")" != "$packets" ] || grep -q 'Sanitizer\|runtime error' "$tmp/err"; then
		bad=$((bad + 1))
		diag "$file: exit $st, $(wc -l <"$tmp/out") lines for $packets packets: $(head -3 "$tmp/err")"
	fi
done <"$P/MANIFEST.tsv"
[ $n -ge 100 ] && [ $bad = 0 ] && pass "all $n malformed corpus captures print one line per packet, cleanly" ||
	fail "$bad of $n malformed captures"

# --- -c and -q ---------------------------------------------------------------
n=$("$MOAT" filter -c 2 -r "$P/HSRP_failover.pcap" udp 2>"$tmp/err" | wc -l)
[ "$n" = 2 ] && grep -q ', 2 matched$' "$tmp/err" && pass "-c 2 stops after two matches" || fail "-c 2: $n lines, $(cat "$tmp/err")"
out=$("$MOAT" filter -q -r "$P/HSRP_failover.pcap" udp 2>"$tmp/err")
[ -z "$out" ] && [ "$(cat "$tmp/err")" = "39 packets read, 39 matched" ] && pass "-q prints only the summary" ||
	fail "-q: '$out' / $(cat "$tmp/err")"

# --- -w: libpcap reads back exactly the packets libpcap's own filter picks ----
for c in "bgp-4byte-asn.pcap|tcp and dst port 179" "OSPFv2_Capture_FINAL.pcapng|ip proto 89 and ip[8] = 1"; do
	file=${c%%|*} e=${c#*|}
	"$MOAT" filter -r "$P/$file" -w "$tmp/moat.pcap" "$e" >"$tmp/out" 2>/dev/null; st=$?
	"$ref" extract "$e" "$P/$file" "$tmp/ref.pcap"
	[ $st = 0 ] && [ ! -s "$tmp/out" ] && cmp -s "$tmp/moat.pcap" "$tmp/ref.pcap" &&
		pass "-w on $file writes the same pcap file as libpcap's filter ($("$ref" count '' "$tmp/moat.pcap"))" ||
		fail "-w on $file differs (exit $st)"
done
"$MOAT" filter -r "$P/HSRP_failover.pcap" -w - 'udp' 2>/dev/null >"$tmp/stdout.pcap"
[ "$("$ref" count '' "$tmp/stdout.pcap")" = "39 39" ] && pass "-w - writes the pcap to stdout" || fail "-w -"
must_fail 1 "-w into a missing directory" "$MOAT" filter -r "$P/HSRP_failover.pcap" -w /nonexistent/x.pcap udp

# --- -d / -dd / -ddd: the formats of libpcap's bpf_dump (tcpdump's) ----------
for e in 'ip' 'tcp dst port 80' 'host 10.1.2.3 and (udp or icmp)' 'vlan and ip6' 'ether[0] & 1 != 0 or len > 100'; do
	"$MOAT" filter -ddd "$e" >"$tmp/ddd" || { fail "-ddd '$e'"; continue; }
	same=1
	for lvl in 1 2 3; do
		d=$(printf '%*s' $lvl '' | tr ' ' d)
		"$MOAT" filter -$d "$e" >"$tmp/moat.$lvl"
		"$ref" image $lvl <"$tmp/ddd" >"$tmp/ref.$lvl"
		cmp -s "$tmp/moat.$lvl" "$tmp/ref.$lvl" || same=0
	done
	[ $same = 1 ] && pass "-d, -dd, -ddd of '$e' print what bpf_dump prints ($(head -1 "$tmp/ddd") insns)" ||
		fail "-d formats of '$e' differ from bpf_dump: $(diff "$tmp/moat.1" "$tmp/ref.1" | head -3)"
done
"$MOAT" filter -d -r "$P/LINKTYPE_RAW_ipv4.pcap" ip >"$tmp/raw"
"$MOAT" filter -d -y RAW ip >"$tmp/raw_y"
# the same program but for the accept value, the capture's snapshot length
[ -s "$tmp/raw" ] && cmp -s <(grep -v ret "$tmp/raw") <(grep -v ret "$tmp/raw_y") &&
	! cmp -s "$tmp/raw" <("$MOAT" filter -d ip) && pass "-d compiles for the capture's link type (raw IP, as -y RAW)" ||
	fail "-d with a raw-IP capture"
"$MOAT" filter -d --ebpf 'tcp port 22' >"$tmp/ebpf" && grep -q 'exit' "$tmp/ebpf" &&
	pass "--ebpf -d prints the eBPF program" || fail "--ebpf -d"
n=$("$MOAT" filter -ddd --ebpf 'tcp port 22' | head -1)
[ "$("$MOAT" filter -ddd --ebpf 'tcp port 22' | wc -l)" = $((n + 1)) ] && pass "--ebpf -ddd: count, then $n instructions" ||
	fail "--ebpf -ddd"

# --- bad expressions: exit 1, message with the column, caret under it --------
for e in 'tcp port' 'host 1.2.3.4 and and' 'ip proto nosuchproto' 'port 99999' 'tcp[tcpflags] & tcp-syn !='; do
	"$MOAT" filter -r "$P/HSRP_failover.pcap" "$e" >/dev/null 2>"$tmp/err"; st=$?
	l1=$(sed -n 1p "$tmp/err") l2=$(sed -n 2p "$tmp/err") l3=$(sed -n 3p "$tmp/err")
	col=$(sed -n 's/^moat: filter: expression:1:\([0-9]*\): .*/\1/p' <<<"$l1")
	caret=${l3%^}
	if [ $st = 1 ] && [ -n "$col" ] && [ "$l2" = "  $e" ] && [ "$l3" = "$caret^" ] &&
		[ ${#caret} = $((col + 1)) ] && [ "$col" -le $((${#e} + 1)) ]; then
		pass "'$e' rejected at column $col, caret under it"
	else
		fail "'$e': exit $st, stderr: $(tr '\n' '|' <"$tmp/err")"
	fi
done

# --- damaged and missing captures ---------------------------------------------
src=$P/HSRP_failover.pcap
head -c $(($(stat -c %s "$src") - 10)) "$src" >"$tmp/trunc.pcap"
"$MOAT" filter -r "$tmp/trunc.pcap" udp >"$tmp/out" 2>"$tmp/err"; st=$?
[ $st = 1 ] && [ "$(wc -l <"$tmp/out")" = 38 ] && grep -q '^38 packets read, 38 matched$' "$tmp/err" &&
	grep -q "^moat: filter: $tmp/trunc.pcap: packet 39: .*truncated" "$tmp/err" &&
	pass "truncated capture: 38 packets reported, then an error naming the file" ||
	fail "truncated capture: exit $st, $(wc -l <"$tmp/out") lines, $(tr '\n' '|' <"$tmp/err")"
# a record header claiming a huge capture length after two good packets
off=24
for _ in 1 2; do off=$((off + 16 + $(od -An -tu4 -j $((off + 8)) -N4 "$src" | tr -d ' '))); done
cp "$src" "$tmp/corrupt.pcap"
printf '\xff\xff\xff\x7f' | dd of="$tmp/corrupt.pcap" bs=1 seek=$((off + 8)) conv=notrunc status=none
"$MOAT" filter -r "$tmp/corrupt.pcap" '' >"$tmp/out" 2>"$tmp/err"; st=$?
[ $st = 1 ] && [ "$(wc -l <"$tmp/out")" = 2 ] && grep -q "^moat: filter: $tmp/corrupt.pcap: packet 3: " "$tmp/err" &&
	pass "corrupt record: the packets before it, then the error" || fail "corrupt record: exit $st, $(tr '\n' '|' <"$tmp/err")"
printf 'this is not a capture file at all' >"$tmp/junk.pcap"
must_fail 1 "not a capture" "$MOAT" filter -r "$tmp/junk.pcap" ip
grep -q "^moat: filter: $tmp/junk.pcap: " "$MF_ERR" && pass "its error names the file" || fail "junk: $(cat "$MF_ERR")"
must_fail 1 "missing capture" "$MOAT" filter -r /nonexistent.pcap ip
must_fail 1 "an expression on a link type the compiler does not know" "$MOAT" filter -r "$P/802_15_4_beacon.pcap" ip
grep -q "^moat: filter: $P/802_15_4_beacon.pcap: .*link type" "$MF_ERR" && pass "that error names the capture" ||
	fail "unknown link type: $(cat "$MF_ERR")"
"$MOAT" filter -q -r - udp <"$P/HSRP_failover.pcap" 2>"$tmp/err"
grep -q '^39 packets read, 39 matched$' "$tmp/err" && pass "-r - reads stdin" || fail "-r -: $(cat "$tmp/err")"

# --- live: moat's classic program in the kernel, on a veth pair ---------------
live_test() {
	ip netns add "$ns_a" && ip netns add "$ns_b" || return 1
	ip link add vft0 netns "$ns_a" type veth peer name vft1 netns "$ns_b" || return 1
	ip -n "$ns_a" addr add 10.213.7.1/24 dev vft0 && ip -n "$ns_b" addr add 10.213.7.2/24 dev vft1 &&
		ip -n "$ns_a" link set vft0 up && ip -n "$ns_b" link set vft1 up || return 1
	ip netns exec "$ns_b" timeout 20 "$MOAT" filter -i vft1 -c 3 'udp dst port 9999' >"$tmp/live" 2>"$tmp/live.err" &
	live_pid=$!
	# wait until moat's program is attached to its packet socket in ns_b;
	# ss -0 -b shows the classic program the kernel holds (sock_diag)
	for _ in $(seq 100); do
		ip netns exec "$ns_b" ss -0 -b >"$tmp/ss" 2>&1
		grep -q 'bpf filter' "$tmp/ss" && break
		sleep 0.1
	done
	# first traffic the filter must drop in the kernel, then three matches
	ip netns exec "$ns_a" bash -c 'for p in 8888 9998 53 8888 10000; do echo drop >/dev/udp/10.213.7.2/$p; done
		ping -c 2 -i 0.2 -q 10.213.7.2 >/dev/null
		for i in 1 2 3; do echo match$i >/dev/udp/10.213.7.2/9999; sleep 0.05; done' 2>/dev/null
	wait "$live_pid"; local st=$?
	live_pid=
	return $st
}
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
	skip "live capture needs root and iproute2"
else
	live_test; st=$?
	n=$(grep -c ' UDP 10.213.7.1:[0-9]* > 10.213.7.2:9999 len ' "$tmp/live")
	[ $st = 0 ] && [ "$n" = 3 ] && [ "$(wc -l <"$tmp/live")" = 3 ] && pass "live: the three matching packets, nothing else" ||
		fail "live: exit $st, $(tr '\n' '|' <"$tmp/live") $(tr '\n' '|' <"$tmp/live.err")"
	want=$("$MOAT" filter -ddd 'udp dst port 9999' | awk 'NR > 1 { printf "0x%02x %d %d %d, ", $1, $2, $3, $4 }')
	got=$(sed -n 's/^[[:space:]]*bpf filter ([0-9]*): *//p' "$tmp/ss" | head -1)
	[ -n "$got" ] && [ "$got" = "${want% }" ] && pass "live: the kernel holds moat's classic program on the socket ($(wc -w <<<"$got") words, ss -0 -b)" ||
		fail "live: kernel filter '$got', moat's '$want'"
	grep -q '^3 packets read, 3 matched$' "$tmp/live.err" &&
		grep -q '^kernel: 3 packets passed the filter, 0 dropped$' "$tmp/live.err" &&
		pass "live: only the matching packets passed the kernel's filter (3 of 10+ sent)" ||
		fail "live summary: $(cat "$tmp/live.err")"
fi
done_testing
