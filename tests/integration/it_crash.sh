#!/usr/bin/env bash
# it_crash: kill -9 at random moments while the console writes (user add,
# each audited with the operator) and clients are issued key sets, in a
# bounded loop (IT_CRASH_ROUNDS, default 20).  After every kill: the store
# passes PRAGMA integrity_check, kmsd starts on it again, the audit chain
# and its checkpoints verify (kms-admin audit-verify with the KMS signing
# key), and nothing acknowledged is lost: every user the console said it
# added exists, and there are at least as many issuance records as key
# sets the clients received (a 200 is sent only after the record is
# durable).
set -u
. "$(dirname "$0")/kms_env.sh"
kms_up
LOOP_PID=
cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$LOOP_PID" ] && kill "$LOOP_PID" 2>/dev/null
	kms_down
}
trap cleanup EXIT
ROUNDS=${IT_CRASH_ROUNDS:-20}
A=sip:alice@example.org
kms_admin user add "$A" Alice || kms_fail "user add"
TA=$(kms_token "$A" --ttl 900) || kms_fail "token"
SIGNKEY=$(awk '/^KmsSignKey/ {print $2}' "$KMS_DIR/provision.out")
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd exited $?"
KMS_PID=
W=$KMS_DIR/w
mkdir -p "$W"
PW='Adm1n-pw-xyz'
start_console() {
	rm -f "$KMS_DATA/kmsd.port" "$W/con.in"
	mkfifo "$W/con.in"
	"$KMSD" -C -c "$KMS_DIR/kmsd.conf" -d "$KMS_DATA" < "$W/con.in" \
	    >> "$W/con.out" 2>> "$KMS_DIR/kmsd.out" &
	KMS_PID=$!
	exec 3> "$W/con.in"
	kms_wait_port	# fails if kmsd died on the store after a kill
}
: > "$W/con.out"
: > "$W/issued"
start_console
printf 'operator add admin administrator\n%s\n%s\n' "$PW" "$PW" >&3
# The account must exist before the first kill, or no round can log in
# (a slow KDF: the first kill could come before it is written).
for i in $(seq 1 200); do
	grep -q "operator admin added" "$W/con.out" && break
	sleep 0.05
done
grep -q "operator admin added" "$W/con.out" ||
    kms_fail "operator add: $(cat "$W/con.out")"
t0=$(date +%s)
for r in $(seq 1 "$ROUNDS"); do
	[ "$r" -gt 1 ] && start_console
	# Console writes: log in, then user add after user add.
	{ printf 'login admin\n%s\n' "$PW"
	  for j in $(seq 1 400); do printf 'user add sip:r%d-u%d@example.org\n' \
	      "$r" "$j"; done; } >&3
	# Clients: key sets one request at a time; a line per 200.
	( while "$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" \
	    --token "$TA" keyprov >/dev/null 2>&1; do echo ok; done \
	    >> "$W/issued" ) &
	LOOP_PID=$!
	sleep "0.$(( RANDOM % 5 + 1 ))$(( RANDOM % 10 ))"
	kill -9 "$KMS_PID"
	wait "$KMS_PID" 2>/dev/null
	KMS_PID=
	exec 3>&-
	wait "$LOOP_PID" 2>/dev/null
	LOOP_PID=

	ok=$(sqlite3 "$KMS_DATA/kms.db" "PRAGMA integrity_check")
	[ "$ok" = ok ] || kms_fail "round $r: integrity_check: $ok"
	out=$("$ADMIN" -d "$KMS_DATA" audit-verify "$SIGNKEY") ||
	    kms_fail "round $r: audit trail: $out"
	# Every acknowledged console write is there.
	grep -o 'user sip:r[0-9]*-u[0-9]*@example.org added' "$W/con.out" |
	    cut -d' ' -f2 | sort -u > "$W/acked"
	kms_admin user list | grep -o 'sip:r[0-9]*-u[0-9]*@example.org' |
	    sort -u > "$W/have"
	lost=$(comm -23 "$W/acked" "$W/have")
	[ -z "$lost" ] || kms_fail "round $r: acknowledged users lost: $lost"
	# Every key set a client received has its issuance record.
	got=$(wc -l < "$W/issued")
	rec=$(kms_admin audit | grep -c $'\tissued\t')
	[ "$rec" -ge "$got" ] ||
	    kms_fail "round $r: $got key sets received, $rec issuance records"
done
t1=$(date +%s)
acked=$(wc -l < "$W/acked")
got=$(wc -l < "$W/issued")
echo "it_crash: $ROUNDS kills in $((t1 - t0)) s; $acked console writes and" \
    "$got key sets acknowledged, none lost; last check: $out"
[ "$acked" -gt 0 ] && [ "$got" -gt 0 ] ||
    kms_fail "the kills never caught a write (acked $acked, issued $got)"
# A clean start after the last kill.
kms_start
"$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" --token "$TA" \
    keyprov > /dev/null || kms_fail "keyprov after the last kill"
echo "it_crash: ok"
