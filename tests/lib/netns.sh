# Two network namespaces joined by a veth pair, for tests that send real
# traffic without touching the host's network (source after tap.sh).
# The caller sets A, B (namespace names), VA, VB (the pair's ends, VA in A),
# IPA, IPB (IPv4 /24 addresses) and IP6A, IP6B (IPv6 /64 addresses).
inB() { nsenter --net=/var/run/netns/$B "$@"; }
inA() { nsenter --net=/var/run/netns/$A "$@"; }
# Creates the namespaces and the pair, addresses and links up; 0 on success.
netns_pair_up() {
	ip netns add $A && ip netns add $B &&
		ip link add $VA type veth peer name $VB &&
		ip link set $VA netns $A && ip link set $VB netns $B &&
		ip -n $A addr add $IPA/24 dev $VA && ip -n $B addr add $IPB/24 dev $VB &&
		ip -n $A addr add $IP6A/64 dev $VA nodad && ip -n $B addr add $IP6B/64 dev $VB nodad &&
		ip -n $A link set $VA up && ip -n $B link set $VB up &&
		ip -n $A link set lo up && ip -n $B link set lo up
}
# Deletes both namespaces (and with them the pair).
netns_pair_down() { ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; }
