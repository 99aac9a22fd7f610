#!/usr/bin/env bash
# The verifier corpus (tests/verifier/corpus/*.s): every program is verified
# with `moat bpf verify --json` and must be accepted or rejected as its
# header says, naming the instruction and the reason; the conformance
# suite's programs must all be accepted; and, as root, every program marked
# `# kernel: yes` is also loaded into the running kernel (tests/helpers/
# kernel_load) to compare the two verifiers.  moat may be stricter than the
# kernel; a program moat accepts and the kernel rejects is a failure.
#
# Header comments at the top of each corpus file:
#   # expect: accept | reject
#   # insn: N            (reject) the instruction the rejection must name
#   # reason: TEXT       (reject) a substring of moat's message
#   # type: TYPE         program type (default mem)
#   # mem-len: N         mem programs: the buffer length (default 0)
#   # kernel: yes | no   also load it into the kernel as TYPE (never for mem)
#   # kernel-differs: WHY  the kernel rejects this safe program for a reason
#                        that is not memory safety (a precision or policy
#                        limit); moat accepting it is then not a failure
# Files named in tests/verifier/known-bugs (one per line, `# why` after it)
# are moat verifier bugs not fixed yet: their failures are reported as TAP
# TODO, which prove does not count against the run.
source "$MOAT_TOP/tests/lib/tap.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

dir=$MOAT_TOP/tests/verifier/corpus
known=$MOAT_TOP/tests/verifier/known-bugs
loader=$MOAT_BUILD_DIR/tests/helpers/kernel_load

# known_bug FILE: prints the reason when FILE is listed in known-bugs.
known_bug() {
	[ -f "$known" ] || return 1
	local line
	line=$(grep -E "^$1([[:space:]]|$)" "$known" | head -n 1) || return 1
	[ -n "$line" ] || return 1
	local why=${line#"$1"}
	why=${why#"${why%%[![:space:]]*}"}
	why=${why#\#}
	echo "${why# }"
}

# result OK DESC WHY_TODO: a TAP line, TODO when the file is a known bug.
result() {
	local okv=$1 desc=$2 todo=$3
	_n=$((_n + 1))
	if [ -n "$todo" ]; then
		if [ "$okv" = 0 ]; then echo "ok $_n - $desc # TODO known bug (now passing: empty it from known-bugs): $todo"
		else echo "not ok $_n - $desc # TODO known bug: $todo"; fi
	elif [ "$okv" = 0 ]; then
		echo "ok $_n - $desc"
	else
		echo "not ok $_n - $desc"
		_failed=$((_failed + 1))
	fi
}

# hdr FILE KEY: the value of `# KEY: value` in the file's header.
hdr() { sed -n "s/^#[[:space:]]*$2:[[:space:]]*//p" "$1" | head -n 1 | sed 's/[[:space:]]*$//'; }

# A JSON string field's value (the messages hold no escaped quotes we need).
json_field() { sed -n "s/.*\"$2\":\"\(\([^\"\\\\]\|\\\\.\)*\)\".*/\1/p" <<<"$1"; }
json_num() { sed -n "s/.*\"$2\":\(-\?[0-9]*\).*/\1/p" <<<"$1"; }

files=("$dir"/*.s)
[ -e "${files[0]}" ] || { fail "no corpus files in $dir"; done_testing; exit; }
[ "${#files[@]}" -ge 300 ] && pass "corpus holds ${#files[@]} programs" || fail "corpus holds only ${#files[@]} programs (want 300)"
if [ -f "$known" ]; then
	while read -r name _; do
		case "$name" in ''|\#*) continue ;; esac
		[ -e "$dir/$name" ] || fail "known-bugs names $name, which is not in the corpus"
	done <"$known"
fi

# ------------------------------------------------------------ moat verify
declare -A moat_ok
for f in "${files[@]}"; do
	name=$(basename "$f")
	expect=$(hdr "$f" expect) type=$(hdr "$f" type) memlen=$(hdr "$f" mem-len)
	insn=$(hdr "$f" insn) reason=$(hdr "$f" reason)
	todo=$(known_bug "$name") || todo=
	args=(bpf verify --json)
	[ -n "$type" ] && args+=(--type "$type")
	[ -n "$memlen" ] && args+=(--mem-len "$memlen")
	out=$("$MOAT" "${args[@]}" "$f" 2>"$tmp/err"); st=$?
	printf '%s\n' "$out" >"$tmp/v_$name"
	why=
	case "$st" in
	0) moat_ok[$name]=1 ;;
	1) moat_ok[$name]=0 ;;
	*) why="exit status $st: $(head -c 300 "$tmp/err")"; moat_ok[$name]=x ;;
	esac
	if [ -z "$why" ]; then
		case "$expect" in
		accept)
			[ "$st" = 0 ] || why="rejected: insn $(json_num "$out" insn): $(json_field "$out" error)" ;;
		reject)
			if [ "$st" = 0 ]; then
				why="accepted, but it must be rejected at insn $insn ($reason)"
			else
				got_insn=$(json_num "$out" insn) msg=$(json_field "$out" error)
				if [ -n "$insn" ] && [ "$got_insn" != "$insn" ]; then
					why="rejected at insn '$got_insn', want insn $insn: $msg"
				elif [ -n "$reason" ] && ! grep -qiF -- "$reason" <<<"$msg"; then
					why="message lacks '$reason': insn $got_insn: $msg"
				fi
			fi ;;
		*) why="header has no '# expect: accept' or '# expect: reject'" ;;
		esac
	fi
	if [ -z "$why" ]; then
		result 0 "$name: ${expect}ed${reason:+ ($reason)}" "$todo"
	else
		result 1 "$name: $why" "$todo"
	fi
done

# ----------------------------------------------- the conformance programs
suite=$MOAT_SHARED/conformance/bpf_conformance
if [ -d "$suite" ]; then
	bad=0 n=0
	for f in "$suite"/*.data; do
		sed -n '/^-- asm/,/^--/p' "$f" | grep -v '^--' >"$tmp/c.s"
		[ -s "$tmp/c.s" ] || continue
		n=$((n + 1))
		len=$(sed -n '/^-- mem/,/^--/p' "$f" | grep -v '^--' | wc -w)
		if ! out=$("$MOAT" bpf verify --json --mem-len "$len" "$tmp/c.s" 2>&1); then
			bad=$((bad + 1))
			diag "conformance $(basename "$f") rejected: $out"
		fi
	done
	[ "$bad" = 0 ] && [ "$n" -gt 200 ] && pass "all $n conformance programs verify" ||
		fail "$bad of $n conformance programs rejected"
else
	skip "conformance suite not found at $suite"
fi

# ------------------------------------------------- differential: the kernel
kfiles=()
for f in "${files[@]}"; do
	[ "$(hdr "$f" kernel)" = yes ] && kfiles+=("$f")
done
pass "${#kfiles[@]} corpus programs are marked for the kernel"
if [ "$(id -u)" != 0 ]; then
	skip "differential check against the kernel needs root"
elif [ ! -x "$loader" ]; then
	skip "kernel differential: $loader was not built"
else
	agree=0 stricter=0 laxer=0 differs=0 unavailable=
	for f in "${kfiles[@]}"; do
		name=$(basename "$f")
		type=$(hdr "$f" type) expect=$(hdr "$f" expect) kdiff=$(hdr "$f" kernel-differs)
		todo=$(known_bug "$name") || todo=
		"$loader" "${type:-socket}" "$f" >"$tmp/k.out" 2>&1; kst=$?
		if [ "$kst" = 3 ]; then
			unavailable=$(head -n 1 "$tmp/k.out"); break
		fi
		if [ "$kst" != 0 ] && [ "$kst" != 1 ]; then
			result 1 "kernel $name: kernel_load failed (status $kst): $(head -c 300 "$tmp/k.out")" "$todo"
			continue
		fi
		kv=$([ "$kst" = 0 ] && echo accept || echo reject)
		mv=$([ "${moat_ok[$name]}" = 1 ] && echo accept || echo reject)
		klog=$(sed -n '2,$p' "$tmp/k.out" | grep -v '^processed \|^$' | tail -n 1)
		# moat and the kernel agreeing against the label means a wrong label
		[ "$mv" = "$kv" ] && [ "$kv" != "$expect" ] &&
			diag "$name: labelled $expect, but moat and the kernel both say $kv${klog:+ ($klog)}"
		if [ "$mv" = "$kv" ]; then
			agree=$((agree + 1))
			result 0 "kernel $name: moat and the kernel agree ($kv)" ""
		elif [ "$mv" = reject ]; then
			stricter=$((stricter + 1))
			result 0 "kernel $name: moat stricter (moat rejects, the kernel accepts)" ""
			diag "moat stricter than the kernel: $name: $(json_field "$(cat "$tmp/v_$name" 2>/dev/null)" error | head -c 200)"
		elif [ -n "$kdiff" ]; then
			differs=$((differs + 1))
			result 0 "kernel $name: the kernel rejects, not for memory safety: $kdiff" ""
		else
			laxer=$((laxer + 1))
			result 1 "kernel $name: moat LAXER: moat accepts, the kernel rejects: $klog" "$todo"
		fi
	done
	if [ -n "$unavailable" ]; then
		skip "kernel BPF unavailable: $unavailable"
	else
		summary="$agree agree, $stricter moat stricter, $laxer moat laxer"
		summary+=" ($differs more permissive than the kernel by design, see kernel-differs; ${#kfiles[@]} loaded)"
		diag "differential: $summary"
		pass "differential summary: $summary"
	fi
fi
done_testing
