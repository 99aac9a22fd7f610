#!/usr/bin/env bash
# Golden cases of the filter compiler: tests/golden/filter/NAME.filter holds
# the expression (first line) and optional flags for filter_dump on a line
# "# flags: -l RAW -s 96"; NAME.out beside it holds the expected tcpdump -d
# listing or "error: COL: MESSAGE" with the caret.  MOAT_GOLDEN_UPDATE=1
# rewrites the .out files from the current compiler.
source "$MOAT_TOP/tests/lib/tap.sh"
dump=$MOAT_BUILD_DIR/tests/helpers/filter_dump
dir=$MOAT_TOP/tests/golden/filter
for f in "$dir"/*.filter; do
	name=$(basename "$f" .filter)
	expr=$(head -n1 "$f")
	flags=$(sed -n 's/^# flags: //p' "$f")
	# shellcheck disable=SC2086
	got=$("$dump" $flags -- "$expr" 2>&1); st=$?
	if [ $st -gt 1 ]; then fail "$name: filter_dump exit $st"; continue; fi
	if [ "${MOAT_GOLDEN_UPDATE:-}" = 1 ]; then printf '%s\n' "$got" >"$dir/$name.out"; fi
	if [ "$got" = "$(cat "$dir/$name.out" 2>/dev/null)" ]; then
		pass "$name: $expr"
	else
		fail "$name: $expr"
		diff <(printf '%s\n' "$got") "$dir/$name.out" | sed 's/^/#   /'
	fi
done
# aliases: spellings that must compile to the same program
while IFS='|' read -r a b; do
	[ -z "$a" ] && continue
	x=$("$dump" -- "$a" 2>&1); y=$("$dump" -- "$b" 2>&1)
	[ "$x" = "$y" ] && pass "alias: '$a' == '$b'" || fail "alias: '$a' != '$b'"
done <"$dir/aliases.txt"
done_testing
