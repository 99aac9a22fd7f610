#!/usr/bin/env bash
# moat audit: a real run on this machine, fixture trees with their expected
# verdicts, exit statuses, usage errors, and a process hidden the way simple
# rootkits do it (a mount over /proc/PID in the test's own mount namespace).
source "$MOAT_TOP/tests/lib/tap.sh"
fx=$MOAT_TOP/tests/fixtures/audit
tmp=$(mktemp -d)
hidden_pid=
cleanup() { [ -n "$hidden_pid" ] && kill "$hidden_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# json FILE ID FIELD: a check's verdict, evidence or items (one per line) from a --json report.
json() {
	perl -MJSON::PP -e '
		my $j = decode_json(join "", <STDIN>);
		for my $c (@{$j->{checks}}) {
			next unless $c->{id} eq $ARGV[0];
			my $v = $c->{$ARGV[1]};
			print ref $v ? join("\n", @$v) : $v, "\n";
		}' "$2" "$3" <"$1"
}

# --- a real run on this machine ---
"$MOAT" audit >"$tmp/out" 2>"$tmp/err"; st=$?
[ $st -le 1 ] && pass "a real run exits 0 or 1 (exit $st)" || fail "a real run exited $st"
[ ! -s "$tmp/err" ] && pass "nothing on stderr" || fail "stderr: $(head -3 "$tmp/err")"
for g in modules bpf cpu isolation hiding; do
	grep -qx "\[$g\]" "$tmp/out" && pass "group $g reported" || fail "group $g missing"
done
"$MOAT" audit --json --fail-on never >"$tmp/real.json"; ok $? "--fail-on never exits 0"
perl -MJSON::PP -e 'decode_json(join "", <STDIN>)' <"$tmp/real.json"; ok $? "--json is valid JSON"
n_text=$(grep -cE '^(ok|warn|risk|info) ' "$tmp/out")
n_json=$(perl -MJSON::PP -e 'print scalar @{decode_json(join "", <STDIN>)->{checks}}' <"$tmp/real.json")
[ "$n_text" = "$n_json" ] && [ "$n_text" -gt 40 ] && pass "text and JSON hold the same $n_text checks" || fail "text $n_text, json $n_json checks"
worst=$(perl -MJSON::PP -e 'print decode_json(join "", <STDIN>)->{worst}' <"$tmp/real.json")
{ [ "$worst" = risk ] && [ $st = 1 ]; } || { [ "$worst" != risk ] && [ $st = 0 ]; } &&
	pass "exit status follows the worst verdict ($worst)" || fail "worst $worst, exit $st"
[ "$(json "$tmp/real.json" bpf.programs verdict)" != info ] && pass "the kernel's BPF objects were examined" || fail "bpf.programs: $(json "$tmp/real.json" bpf.programs evidence)"
v=$(json "$tmp/real.json" hiding.processes verdict)
[ "$v" = ok ] && pass "the task iterator ran and finds nothing hidden" || fail "hiding.processes $v: $(json "$tmp/real.json" hiding.processes evidence)"
if json "$tmp/real.json" hiding.processes items | grep -q '^pid 1: '; then
	json "$tmp/real.json" hiding.processes items | grep -q '^pid 1: known exception' &&
		pass "pid 1 missing from the task iterator is named as a known exception" || fail "pid 1 reported wrongly"
else
	pass "the task iterator returns pid 1 here: no exception needed"
fi
# The facts of this machine, read back: absence means compiled out, never a failure.
if [ ! -e /proc/modules ]; then
	[ "$(json "$tmp/real.json" modules.loaded verdict)" = ok ] && [ "$(json "$tmp/real.json" modules.disabled verdict)" = ok ] &&
		pass "no module support: ok, not a failure" || fail "no module support misjudged"
else
	pass "this kernel has modules (checked by the fixtures)"
fi
if [ "$(cat /proc/sys/kernel/unprivileged_bpf_disabled 2>/dev/null)" = 2 ]; then
	[ "$(json "$tmp/real.json" bpf.unprivileged verdict)" = ok ] && pass "unprivileged_bpf_disabled=2 is ok" || fail "unprivileged_bpf_disabled=2 misjudged"
else
	pass "unprivileged_bpf_disabled is not 2 here (checked by the unit tests)"
fi
bad=0
for f in /sys/devices/system/cpu/vulnerabilities/*; do
	[ -r "$f" ] || continue
	name=$(basename "$f") text=$(cat "$f")
	json "$tmp/real.json" "cpu.$name" evidence | grep -qF "\"$text\"" || { bad=1; diag "cpu.$name lacks \"$text\""; }
done
[ $bad = 0 ] && pass "every vulnerability is reported in the kernel's own words" || fail "vulnerability strings"

# --- an unprivileged user: the kernel's lists are refused, the rest still judged ---
setpriv --reuid=65534 --regid=65534 --clear-groups "$MOAT" audit --json --fail-on never >"$tmp/nobody.json" 2>"$tmp/nobody.err"
ok $? "an unprivileged run exits 0 with --fail-on never"
json "$tmp/nobody.json" bpf.programs evidence | grep -q 'run moat audit as root' &&
	[ "$(json "$tmp/nobody.json" bpf.programs verdict)" = info ] && pass "unprivileged: BPF objects are info, with the reason" || fail "unprivileged bpf.programs: $(json "$tmp/nobody.json" bpf.programs evidence)"
[ "$(json "$tmp/nobody.json" hiding.processes verdict)" = info ] && pass "unprivileged: the task list is info, not a false alarm" || fail "unprivileged hiding.processes"

# --- fixture trees: every verdict as expected ---
for t in hardened weak; do
	"$MOAT" audit --root "$fx/$t" --fail-on never | awk '/^(ok|warn|risk|info) /{print $1, $2}' >"$tmp/$t"
	if diff -u "$fx/$t.expected" "$tmp/$t" >"$tmp/diff"; then pass "fixture $t: verdicts as expected"; else fail "fixture $t"; sed 's/^/#   /' "$tmp/diff"; fi
done
"$MOAT" audit --root "$fx/hardened" >/dev/null; ok $? "hardened tree: exit 0"
must_fail 1 "weak tree: exit 1 (risk)" "$MOAT" audit --root "$fx/weak"
"$MOAT" audit --root "$fx/weak" --fail-on never >/dev/null; ok $? "weak tree with --fail-on never: exit 0"
"$MOAT" audit --root "$fx/hardened/" --fail-on warn >/dev/null; ok $? "hardened tree with --fail-on warn: exit 0"
"$MOAT" audit --root "$fx/weak" --json --fail-on never >"$tmp/weak.json"
json "$tmp/weak.json" hiding.modules items | grep -q '^diamorphine: in sys/module' && pass "a module hidden from /proc/modules is named" || fail "hidden module"
json "$tmp/weak.json" hiding.proc_mounts items | grep -q '^pid 31337: /proc/31337 is mounted over' && pass "a mount over /proc/PID is named" || fail "proc mount"
json "$tmp/weak.json" modules.lockdown evidence | grep -q 'unreadable: Is a directory' && pass "an unreadable file is said, not fatal" || fail "unreadable lockdown"
json "$tmp/weak.json" bpf.programs evidence | grep -q 'not examined' && pass "--root does not ask the running kernel" || fail "--root asked the kernel"

# --- usage and errors ---
must_fail 2 "--fail-on takes risk, warn or never" "$MOAT" audit --fail-on ok
must_fail 2 "--fail-on bogus" "$MOAT" audit --fail-on bogus
must_fail 2 "unknown option" "$MOAT" audit --frob
must_fail 2 "unexpected argument" "$MOAT" audit extra
must_fail 2 "empty --root" "$MOAT" audit --root ''
# (its own files: it reads stdout and stderr of the same run)
"$MOAT" audit --root /nonexistent/moat-tree >"$tmp/e.out" 2>"$tmp/e.err"
[ $? = 1 ] && pass "a missing --root fails (exit 1)" || fail "a missing --root: wrong exit"
grep -qx 'moat: audit: /nonexistent/moat-tree: No such file or directory' "$tmp/e.err" && pass "error names the directory" || fail "error: $(cat "$tmp/e.err")"
[ ! -s "$tmp/e.out" ] && pass "no report on error" || fail "report printed on error"
"$MOAT" help audit | grep -q '^usage: moat audit' && pass "moat help audit" || fail "help audit"
"$MOAT" audit --help | grep -q 'Exit status:' && pass "--help documents the exit status" || fail "--help"

# --- a process hidden by a mount over /proc/PID, in this test's own mount namespace ---
mkdir "$tmp/empty"
sleep 300 & hidden_pid=$!
MOAT_TMP=$tmp HIDDEN=$hidden_pid unshare -m --propagation private bash -c '
	"$MOAT" audit --json --fail-on never >"$MOAT_TMP/before.json"
	mount --bind "$MOAT_TMP/empty" "/proc/$HIDDEN" || exit 3
	ps -p "$HIDDEN" >/dev/null && exit 4
	"$MOAT" audit --json --fail-on never >"$MOAT_TMP/after.json"'
st=$?
[ $st = 0 ] && pass "a process hidden from ps by a mount over /proc/$hidden_pid" || fail "hiding setup failed ($st)"
json "$tmp/before.json" hiding.processes items | grep -q "^pid $hidden_pid: hidden" && fail "reported before it was hidden" || pass "not reported before it is hidden"
[ "$(json "$tmp/after.json" hiding.processes verdict)" = risk ] && pass "hidden process: hiding.processes is risk" || fail "hiding.processes: $(json "$tmp/after.json" hiding.processes evidence)"
json "$tmp/after.json" hiding.processes items | grep -q "^pid $hidden_pid: hidden: proc/$hidden_pid/stat absent" && pass "the hidden pid is named, with the evidence" || fail "items: $(json "$tmp/after.json" hiding.processes items | head -3)"
json "$tmp/after.json" hiding.proc_mounts items | grep -q "^pid $hidden_pid: /proc/$hidden_pid is mounted over" && pass "the mount over /proc/$hidden_pid is named" || fail "proc_mounts"
grep -q " /proc/$hidden_pid " /proc/self/mountinfo && fail "the mount leaked out of the test's namespace" || pass "no mount left behind"
kill "$hidden_pid"; wait "$hidden_pid" 2>/dev/null; hidden_pid=
done_testing
