#!/usr/bin/env bash
# moat seccomp: compile, test and show as a user runs them; golden programs
# and error messages (tests/golden/seccomp/, MOAT_GOLDEN_UPDATE=1 rewrites
# the .expected files); exit statuses.
source "$MOAT_TOP/tests/lib/tap.sh"
g=$MOAT_TOP/tests/golden/seccomp
docker=$MOAT_SHARED/corpus/seccomp/docker-default.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- golden: every input's output (program or error) as recorded
for f in "$g"/*.profile "$g"/*.json; do
	base=$(basename "$f"); base=${base%.*}
	case "$base" in *.alias) continue ;; esac
	"$MOAT" seccomp compile -d "$f" >"$tmp/out" 2>&1; st=$?
	echo "exit $st" >>"$tmp/out"
	sed -i "s|$g/||" "$tmp/out"
	if [ "${MOAT_GOLDEN_UPDATE:-}" = 1 ]; then cp "$tmp/out" "$g/$base.expected"; fi
	if diff -u "$g/$base.expected" "$tmp/out" >"$tmp/diff"; then
		pass "golden $base"
	else
		fail "golden $base"; sed 's/^/#   /' "$tmp/diff" | head -20
	fi
done
# aliases: spelled differently, compiled identically
for f in "$g"/*.alias.*; do
	base=$(basename "$f"); base=${base%%.alias.*}
	"$MOAT" seccomp compile -d "$f" >"$tmp/alias" 2>&1; echo "exit $?" >>"$tmp/alias"
	diff -q "$g/$base.expected" "$tmp/alias" >/dev/null && pass "alias $(basename "$f") compiles as $base" \
		|| fail "alias $(basename "$f") differs from $base"
done

# ---- Docker's default profile
out=$("$MOAT" seccomp compile "$docker"); ok $? "Docker's default profile compiles"
insns=$(echo "$out" | sed -n 's/^\([0-9]*\) instructions, worst path \([0-9]*\),.*/\1/p')
worst=$(echo "$out" | sed -n 's/^\([0-9]*\) instructions, worst path \([0-9]*\),.*/\2/p')
[ -n "$insns" ] && [ "$insns" -le 106 ] && pass "Docker profile: $insns instructions (<= 106)" || fail "insns: $out"
[ -n "$worst" ] && [ "$worst" -le 23 ] && pass "Docker profile: worst path $worst (<= 23)" || fail "worst path: $out"
"$MOAT" seccomp compile "$docker" -o "$tmp/prog.bin" >/dev/null
[ "$(stat -c %s "$tmp/prog.bin")" -eq $((insns * 8)) ] && pass "-o writes $insns struct sock_filter" || fail "-o size"
"$MOAT" seccomp compile --json "$docker" | grep -q "^{\"insns\":$insns,\"worst_path\":$worst,.*\"program\":\[\[32,0,0,4\]," \
	&& pass "--json prints the sizes and the program" || fail "--json"
"$MOAT" seccomp compile -d @docker-default >"$tmp/builtin"
"$MOAT" seccomp compile -d "$docker" >"$tmp/json"
cmp -s "$tmp/builtin" "$tmp/json" && pass "@docker-default compiles as docker-default.json" || fail "builtin differs"
# the program itself, pinned (a deliberate change shows in review as a diff of this file)
[ "${MOAT_GOLDEN_UPDATE:-}" = 1 ] && cp "$tmp/builtin" "$g/docker-default.expected"
diff -u "$g/docker-default.expected" "$tmp/builtin" >"$tmp/diff" && pass "golden docker-default" \
	|| { fail "golden docker-default"; sed 's/^/#   /' "$tmp/diff" | head -20; }

t() { # t WANT ARGS...: moat seccomp test prints WANT
	local want=$1; shift
	local got; got=$("$MOAT" seccomp test "$@" 2>&1)
	[ "$got" = "$want" ] && pass "test $*: $want" || fail "test $*: got '$got', want '$want'"
}
t "read(): allow" "$docker" read
t "mount(): errno EPERM" "$docker" mount
t "clone3(): errno ENOSYS" "$docker" clone3
t "clone(0x1200011): allow" "$docker" clone 0x1200011
t "clone(0x10000000): errno EPERM" "$docker" clone 0x10000000
t "socket(0x28): errno EPERM" "$docker" socket 40
t "socket(0x2): allow" "$docker" socket 2
t "personality(0xffffffff): allow" "$docker" personality 0xffffffff
t "personality(0xffffffffffffffff): errno EPERM" "$docker" personality -- -1
t "syscall_460(): errno ENOSYS" "$docker" 460
t "syscall_1073741863(): kill" "$docker" 0x40000027
t "ptrace(): allow" "$docker" ptrace
t "ptrace(): errno EPERM" --kernel 4.4 "$docker" ptrace
t "mount(): allow" --caps CAP_SYS_ADMIN "$docker" mount
t "chroot(): errno EPERM" --caps none "$docker" chroot
"$MOAT" seccomp test --json "$docker" socket 40 | grep -qx '{"syscall":"socket","nr":41,"args":\[40\],"action":"errno EPERM","ret":327681}' \
	&& pass "test --json" || fail "test --json: $("$MOAT" seccomp test --json "$docker" socket 40)"

# ---- show: text format round trip
"$MOAT" seccomp show "$docker" >"$tmp/d.profile"; ok $? "show prints the JSON profile as text"
head -1 "$tmp/d.profile" | grep -qx 'default errno EPERM' && pass "show starts with the default" || fail "show head"
"$MOAT" seccomp show "$tmp/d.profile" | cmp -s - "$tmp/d.profile" && pass "show output parses back to the same text" || fail "show round trip"
"$MOAT" seccomp show - <"$g/demo.profile" | grep -qx 'allow personality if arg0 == 0 || arg0 == 8' \
	&& pass "show reads stdin" || fail "show stdin"

# ---- errors and usage
must_fail 1 "broken text profile" "$MOAT" seccomp compile "$g/bad-arg.profile"
grep -qx "moat: seccomp compile: $g/bad-arg.profile:3:31: expected arg0 .. arg5, got 'arg7'" "$MF_ERR" \
	&& pass "error names file:line:col" || fail "error text: $(cat "$MF_ERR")"
must_fail 1 "broken JSON profile" "$MOAT" seccomp test "$g/bad-json.json" read
grep -q "bad-json.json:6:3: unexpected '{', expected ',' or ']'" "$MF_ERR" && pass "JSON error names line:col" \
	|| fail "JSON error: $(cat "$MF_ERR")"
must_fail 1 "missing profile" "$MOAT" seccomp compile "$tmp/none.json"
must_fail 2 "no profile" "$MOAT" seccomp compile
must_fail 2 "unknown option" "$MOAT" seccomp compile --frob "$docker"
must_fail 2 "unknown syscall to test" "$MOAT" seccomp test "$docker" frobnicate
must_fail 2 "non-numeric argument" "$MOAT" seccomp test "$docker" read 12k
must_fail 2 "seven arguments" "$MOAT" seccomp test "$docker" read 1 2 3 4 5 6 7
# ---- capability conditions: the built-in profile widens like Docker's JSON
[ "$("$MOAT" seccomp test @docker-default mount)" = "$("$MOAT" seccomp test "$docker" mount)" ] &&
	"$MOAT" seccomp test @docker-default mount | grep -q "errno EPERM" && pass "mount: EPERM with Docker's default capabilities" || fail "mount default"
"$MOAT" seccomp test @docker-default mount --caps CAP_SYS_ADMIN | grep -q "allow" && pass "mount: allowed with CAP_SYS_ADMIN" || fail "mount with sys_admin"
for caps in CAP_SYS_ADMIN CAP_SYS_PTRACE,CAP_SYS_TIME,CAP_BPF all none sys_module,perfmon; do
	"$MOAT" seccomp show --caps "$caps" @docker-default >"$tmp/b" && "$MOAT" seccomp show --kernel 6.1 --caps "$caps" "$docker" >"$tmp/j" &&
		cmp -s "$tmp/b" "$tmp/j" && pass "built-in = Docker's JSON for caps $caps" || fail "built-in differs from the JSON for caps $caps"
done
"$MOAT" seccomp show --caps keep @docker-default >"$tmp/keep.profile"
grep -qx "with sys_admin allow .*mount.*" "$tmp/keep.profile" && grep -qx "without sys_admin errno ENOSYS clone3" "$tmp/keep.profile" &&
	pass "show --caps keep prints the conditions" || fail "show --caps keep"
"$MOAT" seccomp show --caps CAP_SYS_ADMIN "$tmp/keep.profile" | cmp -s - <("$MOAT" seccomp show --caps CAP_SYS_ADMIN @docker-default) &&
	pass "the kept text parses back to the same policy" || fail "kept text round trip"
must_fail 1 "a policy with conditions left does not compile" "$MOAT" seccomp compile --caps keep "$tmp/keep.profile"
grep -q "still depends on capabilities" "$MF_ERR" && pass "the error says why" || fail "keep compile error: $(cat "$MF_ERR")"
printf 'default errno EPERM\nwith sys_nosuch allow read\n' >"$tmp/badcap.profile"
must_fail 1 "an unknown capability" "$MOAT" seccomp compile "$tmp/badcap.profile"
grep -q "badcap.profile:2:6: expected a capability name after 'with'" "$MF_ERR" && pass "named with line and column" || fail "badcap: $(cat "$MF_ERR")"
if [ "$(id -u)" = 0 ]; then
	out=$("$MOAT" run -- sh -c 'mount -t tmpfs none /tmp 2>&1 && echo mounted' 2>&1)
	[[ "$out" != *mounted* ]] && pass "moat run: mount is refused with Docker's default capabilities" || fail "mount allowed: $out"
	out=$("$MOAT" run --cap-add sys_admin -- sh -c 'mount -t tmpfs none /tmp && echo mounted' 2>&1)
	[[ "$out" == *mounted* ]] && pass "moat run --cap-add sys_admin: the seccomp profile lets mount through" || fail "cap-add sys_admin: $out"
else
	skip "moat run needs root"
fi

must_fail 2 "unknown subcommand" "$MOAT" seccomp frob
must_fail 1 "bad --kernel" "$MOAT" seccomp compile --kernel six "$docker"
"$MOAT" help seccomp compile | grep -q '^usage: moat seccomp compile' && pass "help seccomp compile" || fail "help"
"$MOAT" seccomp test --help | grep -q 'moat'"'"'s VM' && pass "test --help" || fail "test --help"
done_testing
