#!/usr/bin/env bash
# moat's filter compiler against libpcap on the shared corpora: every corpus
# expression for a link type moat compiles for, against every capture of
# that link type (tcpdump's test captures and libpcap's savefiles).  The
# checks and their counts are printed by tests/helpers/filter_diff.c.
source "$MOAT_TOP/tests/lib/tap.sh"
helper=$MOAT_BUILD_DIR/tests/helpers/filter_diff
filters=$MOAT_SHARED/corpus/filters
pcaps=$MOAT_SHARED/corpus/pcaps
if [ ! -x "$helper" ] || [ ! -f "$filters/libpcap-expressions.txt" ] || [ ! -d "$pcaps" ]; then
	skip "filter_diff helper or the shared corpora missing"
	done_testing
	exit
fi
# Host and network names in the corpus are resolved by both compilers; in a
# network namespace of our own the resolver fails at once instead of
# waiting for a name server.  Without the privilege, run as we are.
ns=()
unshare -n true 2>/dev/null && ns=(unshare -n)
# The helper prints its own TAP lines; renumber them into this script's plan.
out=$("${ns[@]}" "$helper" -n 15 -k "$MOAT_TOP/tests/integration/filter_diff.known" "$filters" "$pcaps"); st=$?
while IFS= read -r l; do
	case "$l" in
	"ok "*) pass "${l#ok * - }" ;;
	"not ok "*) fail "${l#not ok * - }" ;;
	"#"*) echo "$l" ;;
	esac
done <<<"$out"
[ $st -le 1 ] && pass "filter_diff ran to the end (exit $st)" || fail "filter_diff died (exit $st)"
done_testing
