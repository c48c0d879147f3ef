#!/usr/bin/env bash
# it_zeroize: zeroize from the serial console (a pty), from the front
# panel (its socket) and by the tamper line, with the real kmsd and a
# SoftHSMv2 token.  Afterwards: the token holds no object of the
# appliance (pkcs11-tool), the master secrets cannot be unsealed
# (kms-provision show fails: no KEK, no sealed blob), kmsd answers 503
# with the state zeroized, and the audit record of the zeroize is
# readable (kms-admin).  Role checks: an operator and an auditor are
# refused.  Recovery: provisioning again and a restart serve again.
set -u
. "$(dirname "$0")/kms_env.sh"
REL=$BUILD/firmware/kmsd
DRIVE=$SRC/tests/integration/it_state_drive.py
MOD=/usr/lib/softhsm/libsofthsm2.so
I=/keymanagement/identity/v1/init
PW=admin-password-1
PW_OP=operator-password-1
kms_up
trap 'stop_any; kms_down' EXIT

want_health() { kms_want_health "$1" "$2"; }
# objects: how many objects the token shows after login.
objects() {
	pkcs11-tool --module "$MOD" --token-label "$KMS_TOKEN" --login \
	    --pin "$KMS_PIN" --list-objects 2>/dev/null |
	    grep -cE '^(Private Key|Public Key|Secret Key|Data) [Oo]bject'
}
want_zeroized() {
	want_health 503 zeroized
	"$CLIENT" --url "$KMS_URL" raw POST "$I" --expect-status 503 \
	    --expect-kms-error >/dev/null || kms_fail "init not 503 ($1)"
	[ "$(objects)" = 0 ] ||
	    kms_fail "the token still holds objects after $1"
	! "$PROVISION" --module "$MOD" --token "$KMS_TOKEN" \
	    --pin-file "$KMS_DIR/pin" show >/dev/null 2>&1 ||
	    kms_fail "kms-provision show still finds the keys after $1"
	[ "$(head -1 "$KMS_DATA/panel.txt")" = "KMS zeroized" ] ||
	    kms_fail "panel: $(head -1 "$KMS_DATA/panel.txt") after $1"
}
stop_any() { kms_stop_pid; }	# the driver's kmsd is not our child
restart() {	# restart [ARGS]: kmsd again on the same data
	stop_any
	rm -f "$KMS_DATA/kmsd.port"
	"$REL" -c "$KMS_DIR/kmsd.conf" -d "$KMS_DATA" "$@" \
	    >> "$KMS_DIR/kmsd.out" 2>&1 &
	KMS_PID=$!
	for i in $(seq 1 200); do
		[ -s "$KMS_DATA/kmsd.port" ] && break
		sleep 0.05
	done
	KMS_URL=http://127.0.0.1:$(cat "$KMS_DATA/kmsd.port")
}
reprovision() {
	"$PROVISION" --module "$MOD" --token "$KMS_TOKEN" \
	    --pin-file "$KMS_DIR/pin" init >/dev/null 2>&1 ||
	    kms_fail "kms-provision init after zeroize"
}

[ "$(objects)" -ge 4 ] || kms_fail "the provisioned token shows no objects"

# 1. The serial console through a pty.
stop_any
rm -f "$KMS_DATA/kmsd.port"
{ kms_script_accounts "$PW" olga operator "$PW_OP" aud auditor "$PW_OP"
cat <<EOF
say logout
expect logged out admin
say zeroize confirm
expect zeroize: not logged in
say login olga
expect password:
say $PW_OP
expect logged in as olga (operator)
say zeroize confirm
expect zeroize: permission denied for role operator
say status
expect state:    operational
say logout
expect logged out olga
say login aud
expect password:
say $PW_OP
expect logged in as aud
say zeroize confirm
expect zeroize: permission denied for role auditor
say logout
expect logged out aud
say login admin
expect password:
say $PW
expect logged in as admin
say zeroize
expect to go on, type: zeroize confirm
say status
expect state:    operational
say zeroize confirm
expect zeroized: the token holds no secret objects; state zeroized
say status
expect state:    zeroized
say selftest
expect kat sakke  pass
expect state:    zeroized
EOF
} | "$DRIVE" pty "$KMS_DIR/pid" "$KMS_DIR/kmsd.out" -- \
    "$REL" -C -c "$KMS_DIR/kmsd.conf" -d "$KMS_DATA" || kms_fail "console"
KMS_PID=$(cat "$KMS_DIR/pid")
KMS_URL=http://127.0.0.1:$(cat "$KMS_DATA/kmsd.port")
want_zeroized "console zeroize"
kms_admin audit > "$KMS_DIR/audit.txt"
grep 'zeroize:ok' "$KMS_DIR/audit.txt" | grep -q 'admin' ||
    kms_fail "no readable audit record of the zeroize by admin"
grep -q 'state: operational -> zeroized: console' "$KMS_DIR/audit.txt" ||
    kms_fail "no audit record of the state change"
grep 'console: zeroize confirm' "$KMS_DIR/audit.txt" | grep -q olga ||
    kms_fail "the refused zeroize of olga is not audited"
grep -q 'hsm: zeroized token' "$KMS_DATA/kmsd.log" || kms_fail "no log line"
echo "ok: console zeroize: token empty, nothing unseals, 503, audited"

# Restart without provisioning: not served (unprovisioned).
restart
want_health 503 unprovisioned
echo "ok: after a restart: unprovisioned until provisioned again"

# 2. The front panel (socket): login on the keypad, the menu, confirm.
reprovision
restart
want_health 200 operational
OPS_TOP="help login logout status hsm... passwd user... period... cert... \
certcache... config... selftest network... firmware..."
"$DRIVE" panel "$KMS_DATA/panel.sock" <<EOF || kms_fail "panel"
expect KMS operational
say ok
menu help login logout
say enter login olga
expect password:
say enter $PW_OP
expect logged in as olga
say back
menu $OPS_TOP
say enter zeroize confirm
expect zeroize: permission denied for role operator
say enter logout
expect logged out olga
say enter login admin
expect password:
say enter $PW
expect logged in as admin
say back
select hsm...
say ok
expect > status
say ok
expect token:    kms
say down
say down
say down
expect health:   up
say back
say back
select zeroize
say ok
expect zeroize? ok=yes
say down
lacks zeroized
say up
expect > zeroize
say ok
expect zeroize? ok=yes
say ok
expect zeroized: the token holds no secret
expect KMS zeroized
EOF
want_zeroized "panel zeroize"
kms_admin audit | grep 'zeroize:ok' | grep -c admin | grep -qx 2 ||
    kms_fail "the panel's zeroize is not audited with the operator"
! grep -q -F -- "$PW" "$KMS_DATA/kmsd.log" "$KMS_DIR/kmsd.out" ||
    kms_fail "a password in the log"
echo "ok: panel zeroize: roles, confirmation, token empty, audited"

# 3. The tamper line.
reprovision
restart
want_health 200 operational
touch "$KMS_DATA/TAMPER"
want_zeroized "tamper"
grep -q 'state: operational -> zeroized: tamper' "$KMS_DATA/kmsd.log" ||
    kms_fail "no log line for the tamper"
kms_admin audit | grep 'zeroize:ok' | grep -q 'zeroize (tamper)' ||
    kms_fail "no audit record of the tamper zeroize"
# The line stays set: a restart stays zeroized, even when provisioned.
reprovision
restart
want_zeroized "a restart with the tamper line set"
rm -f "$KMS_DATA/TAMPER"
reprovision
restart
want_health 200 operational
"$CLIENT" --url "$KMS_URL" -q init || kms_fail "init after recovery"
echo "ok: tamper: zeroized at once and at boot; recovery by provisioning"
stop_any
echo "it_zeroize: ok"
