# TAP helpers for shell integration tests: source "$MOAT_TOP/tests/lib/tap.sh"
_n=0 _failed=0
ok()   { _n=$((_n+1)); if [ "$1" = 0 ]; then echo "ok $_n - $2"; else echo "not ok $_n - $2"; _failed=$((_failed+1)); fi; }
pass() { ok 0 "$1"; }
fail() { ok 1 "$1"; }
diag() { echo "# $*"; }
# is GOT WANT DESC: equal strings; like GOT REGEX DESC: GOT matches the extended regex.
is()   { [ "$1" = "$2" ] && pass "$3" || { fail "$3"; diag "got '$1', want '$2'"; }; }
like() { [[ "$1" =~ $2 ]] && pass "$3" || { fail "$3"; diag "got '$1', want /$2/"; }; }
# skip WHY: a failure when MOAT_MUST_WORK=1 (CI), a TAP skip elsewhere.
skip() { if [ "${MOAT_MUST_WORK:-}" = 1 ]; then fail "skipped under MOAT_MUST_WORK=1: $1"; else _n=$((_n+1)); echo "ok $_n # SKIP $1"; fi; }
# must_fail WANT_STATUS DESC CMD...: the command exits with WANT_STATUS (1 or 2), not a signal.
# Its output stays in $MF_OUT and $MF_ERR (per test process: tests run in parallel).
MF_OUT=${TMPDIR:-/tmp}/moat_mf.$$.out MF_ERR=${TMPDIR:-/tmp}/moat_mf.$$.err
must_fail() {
	local want=$1 desc=$2; shift 2
	"$@" >"$MF_OUT" 2>"$MF_ERR"; local st=$?
	if [ $st -eq "$want" ]; then pass "$desc (exit $st)"; else fail "$desc: exit $st, want $want"; sed 's/^/#   /' "$MF_ERR"; fi
}
done_testing() { rm -f "$MF_OUT" "$MF_ERR"; echo "1..$_n"; [ $_failed -eq 0 ]; }
