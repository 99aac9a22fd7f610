#!/usr/bin/env bash
# The OCI lifecycle as a container engine drives it: create from a bundle
# (the init waits), state, start, kill, delete; --force; a private network
# through create; errors leave nothing; the state JSON's fields.
source "$MOAT_TOP/tests/lib/tap.sh"
source "$MOAT_TOP/tests/lib/sandbox.sh"
[ "$(id -u)" = 0 ] || { skip "needs root"; done_testing; exit; }
tmp=$(mktemp -d)
ID=moat-t-oci$$
cleanup() { for i in "" 2 3; do "$MOAT" delete --force $ID$i >/dev/null 2>&1; done; rm -rf "$tmp"; }
trap cleanup EXIT
rootfs=$(cd "$MOAT_BUILD_DIR/rootfs" && pwd)
before=$(leftovers)

# bundle DIR ARGS-JSON: a config.json over the busybox root
bundle() {
	mkdir -p "$1"
	cat >"$1/config.json" <<J
{"ociVersion":"1.0.2","process":{"terminal":false,"user":{"uid":0,"gid":0},"args":$2,
 "env":["PATH=/bin:/usr/bin"],"cwd":"/"},"root":{"path":"$rootfs","readonly":true},"hostname":"oci"}
J
}
status() { "$MOAT" state "$1" 2>/dev/null | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p'; }

# --- create, start, run to the end, delete --------------------------------------
bundle "$tmp/b" '["sh","-c","echo out-of-the-container; echo $$ > /dev/null; sleep 0.3"]'
"$MOAT" create --bundle "$tmp/b" --pid-file "$tmp/pid" $ID >"$tmp/out" 2>"$tmp/err"
ok $? "create exits 0" || diag "$(cat "$tmp/err")"
pid=$(cat "$tmp/pid" 2>/dev/null)
ok $([ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo 0 || echo 1) "the pid file names a live init ($pid)"
json=$("$MOAT" state $ID)
like "$json" "^\\{\"ociVersion\":\"1\\.0\\.2\",\"id\":\"$ID\",\"status\":\"created\",\"pid\":$pid,\"bundle\":\"$tmp/b\"\\}$" "state: created, with pid and bundle"
is "$(cat "$tmp/out")" "" "the command has not run before start"
"$MOAT" start $ID
ok $? "start"
for i in $(seq 50); do [ "$(status $ID)" = stopped ] && break; sleep 0.1; done
is "$(cat "$tmp/out")" "out-of-the-container" "the command ran after start"
is "$(status $ID)" "stopped" "state: stopped once the command exited"
like "$("$MOAT" state $ID)" '"pid":0' "a stopped container has pid 0"
must_fail 1 "start of a stopped container" "$MOAT" start $ID
like "$(cat "$MF_ERR")" "is stopped, not created" "the error says why"
"$MOAT" delete $ID
ok $? "delete of a stopped container"
must_fail 1 "state after delete" "$MOAT" state $ID
like "$(cat "$MF_ERR")" "no container named '$ID'" "the container is gone"

# --- kill and delete --force ----------------------------------------------------
bundle "$tmp/k" '["sleep","60"]'
ID2=${ID}2
"$MOAT" create --bundle "$tmp/k" $ID2 2>"$tmp/err"
ok $? "create a sleeper" || diag "$(cat "$tmp/err")"
must_fail 1 "moat run with a created container's name" "$MOAT" run --name $ID2 -- true
like "$(cat "$MF_ERR")" "a container named '$ID2' already exists" "the name is taken"
must_fail 1 "delete of a created container without --force" "$MOAT" delete $ID2
like "$(cat "$MF_ERR")" "is created: stop it first, or delete --force" "refused with the reason"
"$MOAT" start $ID2 && sleep 0.2
is "$(status $ID2)" "running" "state: running"
"$MOAT" kill $ID2 KILL
ok $? "kill KILL"
for i in $(seq 50); do [ "$(status $ID2)" = stopped ] && break; sleep 0.1; done
is "$(status $ID2)" "stopped" "the container stopped"
must_fail 1 "kill of a stopped container" "$MOAT" kill $ID2 TERM
"$MOAT" delete $ID2
ok $? "delete"
ID3=${ID}3
"$MOAT" create --bundle "$tmp/k" $ID3 2>/dev/null && "$MOAT" start $ID3
"$MOAT" delete --force $ID3
ok $? "delete --force of a running container"
must_fail 1 "it is gone" "$MOAT" state $ID3

# --- errors leave nothing --------------------------------------------------------
must_fail 2 "create without an id" "$MOAT" create --bundle "$tmp/k"
must_fail 1 "create from a missing bundle" "$MOAT" create --bundle "$tmp/nosuch" $ID
bundle "$tmp/bad" '["/nonexistent-command"]'
"$MOAT" create --bundle "$tmp/bad" $ID 2>/dev/null && "$MOAT" start $ID
for i in $(seq 50); do [ "$(status $ID)" = stopped ] && break; sleep 0.1; done
is "$(status $ID)" "stopped" "a command that cannot run stops the container"
"$MOAT" delete $ID
must_fail 2 "kill with an unknown signal" "$MOAT" kill $ID NOSUCHSIG
must_fail 1 "state of a bad name" "$MOAT" state ../etc
is "$(leftovers)" "$before" "no state file, cgroup or mount is left"
done_testing
