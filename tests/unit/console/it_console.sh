#!/usr/bin/env bash
# console_kmsd: the real kmsd with -C, its console driven through stdin (a
# FIFO): first-boot administrator, login, status / hsm status / selftest /
# period / network against a SoftHSMv2 token, a user added, role refusal,
# the audit trail, idle logout ([console] idle_logout), end of input (kmsd
# keeps serving), no password anywhere.
# kms_env.sh is sourced read-only for the token and the config.
set -u
. "$SRC/tests/integration/kms_env.sh"
kms_up
trap 'exec 3>&- 2>/dev/null; kms_down' EXIT

# Restart kmsd with the console on stdin.
kill -TERM "$KMS_PID"
wait "$KMS_PID" || kms_fail "kmsd (without -C) exited $?"
KMS_PID=
IDLE_S=4	# short enough to wait for, long beside the steps below
printf '[console]\nidle_logout = %s\n' "$IDLE_S" >> "$KMS_DIR/kmsd.conf"
mkfifo "$KMS_DIR/con.in"
rm -f "$KMS_DATA/kmsd.port"
"$KMSD" -C -c "$KMS_DIR/kmsd.conf" -d "$KMS_DATA" < "$KMS_DIR/con.in" \
    > "$KMS_DIR/con.out" 2>> "$KMS_DIR/kmsd.out" &
KMS_PID=$!
exec 3> "$KMS_DIR/con.in"
for i in $(seq 1 200); do
	[ -s "$KMS_DATA/kmsd.port" ] && break
	kill -0 "$KMS_PID" 2>/dev/null || kms_fail "kmsd -C died at boot"
	sleep 0.05
done
port=$(cat "$KMS_DATA/kmsd.port")
KMS_URL=http://127.0.0.1:$port

say() { printf '%s\n' "$1" >&3; }
# wait until PATTERN occurs COUNT times (default 1) in the console output
expect() {
	local n=${2:-1} i
	for i in $(seq 1 200); do
		[ "$(grep -c -F -- "$1" "$KMS_DIR/con.out")" -ge "$n" ] &&
		    return 0
		sleep 0.05
	done
	cat "$KMS_DIR/con.out" >&2
	kms_fail "console: no \"$1\" (x$n)"
}

PW_ADM='Adm1n-pw-xyz'
PW_AUD='Aud1t-pw-xyz'
say "status"
	expect "status: not logged in"
say "login admin"
	expect "no operators yet"
say "operator add admin administrator"
	expect "new password for admin"
say "$PW_ADM"
	expect "again:"
say "$PW_ADM"
	expect "operator admin added"
say "login admin"
	expect "password:"
say "wrong-password"
	expect "login failed"
say "login admin"
	expect "password:" 2
say "$PW_ADM"
	expect "logged in as admin (administrator)"
say "status"
	expect "state:    operational"
	expect "hsm:      up"
say "hsm status"
	expect "health:   up"
	expect "master-sakke"
say "selftest"
	expect "selftest: pass"
say "period show"
	expect "period:   "
say "network show"
	expect "forward:  127.0.0.1:$port"
say "config show"
	expect "kms_uri = "
say "user add sip:alice@example.org 'Alice A'"
	expect "user sip:alice@example.org added"
say "user list"
	expect "1 users"
say "user frob"
	expect "user: unknown subcommand 'frob'"
say "user add"
	expect "usage: user add URI [NAME]"
say "zeroize"
	expect "to go on, type: zeroize confirm"
say "operator add aud auditor"
	expect "new password for aud"
say "$PW_AUD"
	expect "again:" 2
say "$PW_AUD"
	expect "operator aud added (auditor)"
say "logout"
	expect "logged out admin"
say "login aud"
	expect "password:" 3
say "$PW_AUD"
	expect "logged in as aud (auditor)"
say "user add sip:mallory@example.org"
	expect "user add: permission denied for role auditor"
say "audit show 100"
	expect "reason=console: user add sip:alice@example.org"
	expect "request=console:denied reason=console: user add sip:mallory"
	expect "request=console:failed reason=console: login admin"

# Idle logout: no input for IDLE_S seconds logs the auditor out.
	expect "idle for $IDLE_S s: logged out aud"
say "status"
	expect "status: not logged in" 2
say "login aud"
	expect "password:" 4
say "$PW_AUD"
	expect "logged in as aud (auditor)" 2
say "audit show 5"
	expect "reason=console: idle logout operator=aud"

# The store seen by kms-admin has the user and the console's records.
kms_admin user list | grep -q 'sip:alice@example.org' ||
    kms_fail "kms-admin does not see the user added on the console"
kms_admin audit | grep -q 'console: user add sip:alice@example.org' ||
    kms_fail "kms-admin does not see the console's audit record"

# End of input ends the console, not kmsd.
exec 3>&-
for i in $(seq 1 100); do
	grep -q 'console: end of input' "$KMS_DIR/kmsd.out" && break
	sleep 0.05
done
grep -q 'console: end of input' "$KMS_DIR/kmsd.out" ||
    kms_fail "console did not end at end of input"
kill -0 "$KMS_PID" 2>/dev/null || kms_fail "kmsd ended with its console"
"$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" init >/dev/null ||
    kms_fail "kmsd does not serve after the console ended"

# No password in the console output, the logs or the operators file.
for pw in "$PW_ADM" "$PW_AUD" wrong-password; do
	! grep -q -F -- "$pw" "$KMS_DIR/con.out" "$KMS_DIR/kmsd.out" \
	    "$KMS_DATA/kmsd.log" "$KMS_DATA/operators" ||
	    kms_fail "a password was echoed, logged or stored in clear"
done
[ "$(stat -c %a "$KMS_DATA/operators")" = 600 ] ||
    kms_fail "operators file is not 0600"
echo "it_console: ok"
