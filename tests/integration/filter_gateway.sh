#!/usr/bin/env bash
# `gateway NAME` needs NAME in ethers(5) and hosts(5).  The test gives
# itself the corpus's names (shared/corpus/filters/libpcap-test-names.txt)
# in a private mount namespace, over an overlay of /etc whose upper layer
# is a temporary directory: the machine's /etc is never written.
source "$MOAT_TOP/tests/lib/tap.sh"
dump=$MOAT_BUILD_DIR/tests/helpers/filter_dump
names=$MOAT_SHARED/corpus/filters/libpcap-test-names.txt
if [ ! -x "$dump" ] || [ ! -f "$names" ] || ! unshare -m true 2>/dev/null; then
	skip "filter_dump, the corpus names or mount namespaces missing"
	done_testing
	exit
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/up" "$tmp/work"
section() { sed -n "/^\[$1\]/,/^\[/p" "$names" | grep -v '^\[' | grep -v '^#'; }
section ethers >"$tmp/ethers"
section hosts >"$tmp/hosts"
# Runs filter_dump with the names installed; prints its output and status.
with_names() {
	unshare -m --net sh -c '
		mount --make-rprivate / &&
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/up,workdir=$1/work" /etc &&
		cp "$1/ethers" /etc/ethers && cat "$1/hosts" >>/etc/hosts || exit 9
		shift; "$@"; echo "status $?"' sh "$tmp" "$dump" "$@" 2>&1
}
h=eth-ipv4-noipv6.host123.libpcap.test
got=$(with_names -- "gateway $h")
want=$(with_names -- "ether host aa:00:04:00:14:0e and not host 10.20.30.40")
case "$got" in *"status 9"*) fail "could not set up the names (overlay mount)";; esac
[ "$got" = "$want" ] && pass "gateway $h: ether host MAC and not host IP" ||
	{ fail "gateway $h"; diag "$got"; }
got=$(with_names -- "arp gateway $h")
want=$(with_names -- "ether host aa:00:04:00:14:0e and not arp host 10.20.30.40")
[ "$got" = "$want" ] && pass "arp gateway: only ARP's addresses" || fail "arp gateway"
got=$(with_names -- "gateway eth-ipv4x4-noipv6.host357.libpcap.test")
n=$(grep -o '#0xc0a8f[0-9a-f]*' <<<"$got" | sort -u | wc -l)
[[ "$got" == *"status 0"* ]] && [ "$n" = 4 ] && pass "a host with four IPv4 addresses: all four excluded" ||
	{ fail "gateway with four addresses"; diag "$got"; }
check_err() { # EXPR MESSAGE [FLAGS]
	local out
	out=$(with_names ${3:-} -- "$1")
	[[ "$out" == *"$2"* && "$out" == *"status 1"* ]] && pass "$1: $2" || { fail "$1: $2"; diag "$out"; }
}
check_err "gateway noeth-ipv4-noipv6.host123.libpcap.test" "unknown Ethernet-like host 'noeth-ipv4-noipv6.host123.libpcap.test'"
check_err "gateway eth-noipv4-ipv6.host123.libpcap.test" "unknown host 'eth-noipv4-ipv6.host123.libpcap.test'"
check_err "tcp gateway $h" "'tcp' is not a valid qualifier for 'gateway'"
check_err "mpls and gateway $h" "'gateway' cannot be used within MPLS"
check_err "gateway $h" "'gateway' not supported on DLT_LINUX_SLL" "-l LINUX_SLL"
check_err "gateway 10.20.30.40" "'gateway' is not a valid qualifier for '10.20.30.40'"
if grep -qs libpcap.test /etc/ethers /etc/hosts; then
	fail "the machine's /etc was written"
else
	pass "the machine's /etc is untouched"
fi
done_testing
