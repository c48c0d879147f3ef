#!/usr/bin/env bash
# it_hsm_logout: the console's hsm logout / hsm login on the real kmsd -C
# through a pty, with a SoftHSMv2 token and a 2 s watchdog (-W 2000):
#   - operational: keyprov works (the key sets' SHA-256 noted)
#   - hsm logout refused for an operator (role); as administrator:
#     /health 503 locked, the console's status says locked, hsm status
#     says logged out, keyprov answers 503 with a KmsError, /metrics on
#     the admin port answers with the locked state
#   - locked for three watchdog periods: kmsd is still the same process
#     (the watchdog does not fire for a logout on purpose)
#   - hsm login with a wrong PIN refused (still locked, PIN never echoed);
#     with the right PIN: operational, /health 200, and keyprov gives
#     byte-identical key material (the same digests) as before
#   - audit checkpoints due while logged out are put off (logged, not
#     spun on); audit verify passes and signs one after the login;
#   - logout, refused login and login are audited;
#     no PIN in the audit trail, the log or the console output
#   - with HTTPS ([tls] cert) hsm logout is refused and the appliance
#     keeps serving over TLS (docs/console.md "hsm logout")
set -u
KMS_PIN=7301-logout-pin	# distinctive, to search for it
. "$(dirname "$0")/kms_env.sh"
REL=$BUILD/firmware/kmsd
DRIVE=$SRC/tests/integration/it_state_drive.py
PW=admin-password-1
PW_OP=operator-password-1
BADPIN=4711-wrong-pin
WDT_MS=2000
A=sip:alice@example.org
# A checkpoint every 3 audit records: some fall due while logged out.
KMS_AUTH_EXTRA=$'\n[store]\ncheckpoint_records = 3'
kms_up

DRIVE_PID=
finish() {
	exec 3>&- 2>/dev/null
	[ -z "$DRIVE_PID" ] || kill "$DRIVE_PID" 2>/dev/null
	kms_stop_pid	# the driver's kmsd is not our child
	kms_down
}
trap finish EXIT
kms_on_fail() {
	echo "--- driver ---" >&2
	cat "$KMS_DIR/drive.out" >&2 2>/dev/null
	echo "--- kmsd ---" >&2
	tail -n 40 "$KMS_DIR/kmsd.out" >&2 2>/dev/null
}
fail() { kms_fail "$@"; }
want_health() { kms_want_health "$1" "$2" 100; }	# polls 10 s
wait_audit() {
	local i
	for i in $(seq 1 100); do
		kms_admin audit 2>"$KMS_DIR/admin.err" | grep -qF -- "$1" &&
		    return 0
		sleep 0.1
	done
	fail "not audited: $1 ($(cat "$KMS_DIR/admin.err"))"
}
alive() {
	kill -0 "$KMS_PID" 2>/dev/null || fail "kmsd (pid $KMS_PID) is gone"
	[ "$(cat "$KMS_DIR/pid")" = "$KMS_PID" ] || fail "kmsd restarted"
}
kc() { "$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" "$@"; }
# keysets FILE: the key set lines of a keyprov run (digests of the keys)
keysets() { grep '^keyprov: keyset ' "$1" | sed 's/ cert .*//'; }

# kmsd again under the pty driver, with the short watchdog.
kms_admin user add "$A" Alice || fail "user add"
kill -TERM "$KMS_PID"; wait "$KMS_PID" || fail "kmsd exited $?"
KMS_PID=
mkfifo "$KMS_DIR/script"
rm -f "$KMS_DATA/kmsd.port"
"$DRIVE" pty "$KMS_DIR/pid" "$KMS_DIR/kmsd.out" -- "$REL" -C -W "$WDT_MS" \
    -c "$KMS_DIR/kmsd.conf" -d "$KMS_DATA" < "$KMS_DIR/script" \
    > "$KMS_DIR/drive.out" 2>&1 &
DRIVE_PID=$!
exec 3> "$KMS_DIR/script"
kms_wait_port
KMS_PID=$(cat "$KMS_DIR/pid")
want_health 200 operational

# 1. Operational: keyprov, the accounts.
TA=$(kms_token "$A" --ttl 900) || fail "token"
kc --token "$TA" keyprov > "$KMS_DIR/kp1" || fail "keyprov before logout"
keysets "$KMS_DIR/kp1" > "$KMS_DIR/sets1"
[ -s "$KMS_DIR/sets1" ] || fail "no key set before logout"
{ kms_script_accounts "$PW" olga operator "$PW_OP"
cat <<EOF
say logout
expect logged out admin
say login olga
expect password:
say $PW_OP
expect logged in as olga (operator)
say hsm logout
expect hsm logout: permission denied for role operator
say logout
expect logged out olga
EOF
} >&3
wait_audit 'console: logout'
want_health 200 operational
echo "ok: keyprov works; hsm logout refused for an operator"

# 2. hsm logout as administrator: locked, 503 KmsError.
cat >&3 <<EOF
say login admin
expect password:
say $PW
expect logged in as admin
say hsm logout
expect hsm logout: token '$KMS_TOKEN' logged out; state locked
say status
expect state:    locked
say hsm status
expect login:    logged out
expect serving:  no (503)
say hsm logout
expect hsm logout: the token '$KMS_TOKEN' is logged out already
EOF
want_health 503 locked
wait_audit 'console: hsm logout'
kc --token "$TA" raw POST /keymanagement/identity/v1/keyprov \
    --expect-status 503 --expect-kms-error > "$KMS_DIR/kp_locked" ||
    fail "keyprov while logged out is not 503 + KmsError"
alive
# The admin port keeps answering: /metrics with the locked state.
ADMIN_URL=http://127.0.0.1:$(cat "$KMS_DATA/admin.port")
[ "$(curl -s -o "$KMS_DIR/metrics" -w '%{http_code}' "$ADMIN_URL/metrics")" = 200 ] ||
    fail "/metrics while logged out"
grep -q '^kms_hsm_operations_total ' "$KMS_DIR/metrics" ||
    fail "/metrics without the HSM counters while logged out"
grep -qx 'kms_state{state="locked"} 1' "$KMS_DIR/metrics" ||
    fail "/metrics does not say locked: $(grep state= "$KMS_DIR/metrics")"
echo "ok: hsm logout: /health 503 locked, hsm status logged out, keyprov 503 KmsError, /metrics answers"

# 3. Locked for three watchdog periods: the same process.
sleep $((3 * WDT_MS / 1000))
alive
want_health 503 locked
! grep -qi 'watchdog' "$KMS_DATA/kmsd.log" ||
    fail "a watchdog line while logged out: $(grep -i watchdog "$KMS_DATA/kmsd.log")"
echo "ok: locked for $((3 * WDT_MS)) ms > the watchdog's $WDT_MS ms: same pid $KMS_PID"

# 4. A wrong PIN, then the right one.
cat >&3 <<EOF
say hsm login
expect user PIN of token '$KMS_TOKEN':
say $BADPIN
expect hsm login: the token '$KMS_TOKEN' refused the PIN
expect state locked
lacks $BADPIN
say status
expect state:    locked
EOF
wait_audit 'hsm login (PIN refused)'
want_health 503 locked
cat >&3 <<EOF
say hsm login
expect user PIN of token '$KMS_TOKEN':
say $KMS_PIN
expect hsm login: token '$KMS_TOKEN' logged in; state operational
say hsm status
expect login:    logged in
expect serving:  yes
say audit verify
expect audit verify: ok:
expect checkpoint written at record
EOF
want_health 200 operational
kc --token "$TA" keyprov > "$KMS_DIR/kp2" || fail "keyprov after login"
keysets "$KMS_DIR/kp2" > "$KMS_DIR/sets2"
cmp -s "$KMS_DIR/sets1" "$KMS_DIR/sets2" || {
	diff "$KMS_DIR/sets1" "$KMS_DIR/sets2" >&2
	fail "key material after login differs from before logout"; }
alive
echo "ok: wrong PIN refused; hsm login -> operational; identical key sets"
# Checkpoints that fell due while logged out were put off, not spun on.
n=$(grep -c 'not signed; retried at the next record' "$KMS_DATA/kmsd.log")
[ "$n" -ge 1 ] && [ "$n" -le 20 ] ||
    fail "$n unsigned-checkpoint lines while logged out (want 1..20)"

exec 3>&-
wait "$DRIVE_PID" || fail "console script"
DRIVE_PID=

# 5. The audit trail and the secrets.
kms_admin audit > "$KMS_DIR/audit.txt" || fail "kms-admin audit"
for w in 'console: hsm logout' 'hsm logout: HSM token' \
    'hsm login (PIN refused)' 'hsm login: token logged in again' \
    'console: audit verify'; do
	grep -qF "$w" "$KMS_DIR/audit.txt" || fail "not audited: $w"
done
grep 'console: hsm logout' "$KMS_DIR/audit.txt" | grep -q olga ||
    fail "olga's refused hsm logout is not audited"
for s in "$BADPIN" "$KMS_PIN" "$PW" "$PW_OP"; do
	for f in "$KMS_DIR/audit.txt" "$KMS_DATA/kmsd.log" \
	    "$KMS_DIR/kmsd.out" "$KMS_DIR/drive.out"; do
		! grep -qF -- "$s" "$f" || fail "a secret in $f"
	done
done
echo "ok: audited; no PIN or password in the audit, log or output"
alive
kms_stop_pid
! grep -q 'Sanitizer' "$KMS_DIR/kmsd.out" || fail "sanitizer report"

# 6. HTTPS: hsm logout refused (the engine's TLS key handle would not
# survive C_Logout); the appliance keeps serving.
kms_down
KMS_TLS=1 kms_up
kill -TERM "$KMS_PID"; wait "$KMS_PID" || fail "kmsd exited $?"
KMS_PID=
mkfifo "$KMS_DIR/script"
rm -f "$KMS_DATA/kmsd.port"
"$DRIVE" pty "$KMS_DIR/pid" "$KMS_DIR/kmsd.out" -- "$REL" -C -W "$WDT_MS" \
    -c "$KMS_DIR/kmsd.conf" -d "$KMS_DATA" < "$KMS_DIR/script" \
    > "$KMS_DIR/drive.out" 2>&1 &
DRIVE_PID=$!
exec 3> "$KMS_DIR/script"
KMS_TLS=1 kms_wait_port	# https://localhost
KMS_PID=$(cat "$KMS_DIR/pid")
kms_want_health 200 operational 100
cat >&3 <<EOF
expect kms>
say operator add admin administrator
expect new password for admin
say $PW
expect again:
say $PW
expect operator admin added
say login admin
expect password:
say $PW
expect logged in as admin
say hsm logout
expect hsm logout: not with HTTPS
expect nothing changed (state operational)
say hsm status
expect login:    logged in
EOF
exec 3>&-
wait "$DRIVE_PID" || fail "console script (HTTPS)"
DRIVE_PID=
sleep $((2 * WDT_MS / 1000))
kms_want_health 200 operational 1
alive
echo "ok: HTTPS: hsm logout refused, still operational over TLS"
kms_stop_pid
! grep -q 'Sanitizer' "$KMS_DIR/kmsd.out" || fail "sanitizer report (HTTPS)"
