#!/usr/bin/env bash
# Golden tests of the firewall compiler: for each tests/golden/fw/NAME.conf,
# `moat fw check NAME.conf` (stdout, stderr and exit status) must equal
# NAME.out; rule sets that compile must also print in canonical form
# (--print) and read back to the same text.  For each NAME.rules,
# `moat fw test NAME.rules -r $MOAT_SHARED/corpus/pcaps/NAME.pcap --explain`
# must print NAME.test.out.  MOAT_GOLDEN_UPDATE=1 rewrites the .out files.
. "$MOAT_TOP/tests/lib/tap.sh"
cd "$MOAT_TOP/tests/golden/fw" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for conf in *.conf; do
	name=${conf%.conf}
	"$MOAT" fw check "$conf" >"$tmp/out" 2>&1
	echo "exit $?" >>"$tmp/out"
	if [ "${MOAT_GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$tmp/out" "$name.out"
	fi
	if diff -u "$name.out" "$tmp/out" >"$tmp/diff" 2>&1; then
		pass "fw check $conf"
	else
		fail "fw check $conf"
		sed 's/^/#   /' "$tmp/diff"
	fi
	if grep -q '^exit 0$' "$tmp/out"; then
		"$MOAT" fw check --print "$conf" >"$tmp/c1" &&
			"$MOAT" fw check --print "$tmp/c1" >"$tmp/c2" &&
			cmp -s "$tmp/c1" "$tmp/c2"
		ok $? "$conf: canonical form reads back the same"
	fi
done
for rules in *.rules; do
	name=${rules%.rules}
	"$MOAT" fw test "$rules" -r "$MOAT_SHARED/corpus/pcaps/$name.pcap" --explain >"$tmp/out" 2>&1
	echo "exit $?" >>"$tmp/out"
	[ "${MOAT_GOLDEN_UPDATE:-}" = 1 ] && cp "$tmp/out" "$name.test.out"
	if diff -u "$name.test.out" "$tmp/out" >"$tmp/diff" 2>&1; then
		pass "fw test $rules on $name.pcap"
	else
		fail "fw test $rules on $name.pcap"
		sed 's/^/#   /' "$tmp/diff"
	fi
done
must_fail 2 "fw check without a file" "$MOAT" fw check
must_fail 2 "fw test without -r" "$MOAT" fw test example.conf
must_fail 2 "fw table with a bad operation" "$MOAT" fw table t frob 10.0.0.1
must_fail 1 "fw check of a missing file" "$MOAT" fw check no-such.conf
"$MOAT" fw test dns_tcp.rules -r "$MOAT_SHARED/corpus/pcaps/dns_tcp.pcap" --json >"$tmp/json"
perl -MJSON::PP -e 'my $a = decode_json(join "", <>); exit !(@$a == 11 && $a->[0]{verdict} eq "block" && $a->[0]{rule} == 2 && $a->[3]{state})' "$tmp/json"
ok $? "fw test --json"
done_testing
