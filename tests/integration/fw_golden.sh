#!/usr/bin/env bash
# Golden tests of the firewall compiler: for each tests/golden/fw/NAME.conf,
# `moat fw check NAME.conf` (stdout, stderr and exit status) must equal
# NAME.out; rule sets that compile must also print in canonical form
# (--print) and read back to the same text.  MOAT_GOLDEN_UPDATE=1 rewrites
# the .out files.
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
done_testing
