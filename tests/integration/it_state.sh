#!/usr/bin/env bash
# it_state: boot states, the power-on self-tests and GET /health with the
# real kmsd over lwIP and a SoftHSMv2 token.
#   - operational: /health 200 "operational", the panel and the audit say
#     the same; POST /health is 405
#   - a known-answer test forced to fail (the test-only kmsd-testhooks,
#     KMSD_TEST_KAT_FAIL) for a math test and three token tests: state
#     error, /health 503, the KMS interface 503 + Retry-After + KmsError,
#     the log names the test, the panel and the audit say error
#   - the release kmsd has no such hook (the variable is ignored, and the
#     name is not even in the binary)
#   - an unprovisioned token: unprovisioned; a wrong PIN: locked
#   - reboot from the console (through a pty): the same process boots
#     again and serves; the command is audited with the operator
set -u
. "$(dirname "$0")/kms_env.sh"
TH=$BUILD/firmware/kmsd-testhooks
REL=$BUILD/firmware/kmsd
DRIVE=$SRC/tests/integration/it_state_drive.py
I=/keymanagement/identity/v1/init
PW=admin-password-1
kms_up
trap 'kms_down' EXIT

# start BIN CONF [ARGS...]: kmsd on the data dir; sets KMS_PID, KMS_URL.
start() {
	local bin=$1 cfg=$2 i
	shift 2
	rm -f "$KMS_DATA/kmsd.port"
	"$bin" -c "$cfg" -d "$KMS_DATA" "$@" >> "$KMS_DIR/kmsd.out" 2>&1 &
	KMS_PID=$!
	kms_wait_port
}
stop() {
	kill -TERM "$KMS_PID"
	wait "$KMS_PID" || kms_fail "kmsd exited $? on SIGTERM"
	KMS_PID=
}
want_health() { kms_want_health "$1" "$2" 1; }	# one GET, no polling
want_panel() {
	[ "$(head -1 "$KMS_DATA/panel.txt")" = "KMS $1" ] ||
	    kms_fail "panel: '$(head -1 "$KMS_DATA/panel.txt")', want KMS $1"
}
want_refused() {
	"$CLIENT" --url "$KMS_URL" raw POST "$I" --expect-status 503 \
	    --expect-kms-error >/dev/null ||
	    kms_fail "init in state $1 is not 503 + KmsError"
	curl -sS -D - -o /dev/null -X POST "$KMS_URL$I" |
	    grep -qi '^Retry-After: ' || kms_fail "503 without Retry-After"
}

# 1. Operational.
want_health 200 operational
want_panel operational
"$CLIENT" --url "$KMS_URL" -q init || kms_fail "init when operational"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$KMS_URL/health")" = \
    405 ] || kms_fail "POST /health is not 405"
kms_admin audit | grep -q 'state: locked -> operational: power-on' ||
    kms_fail "no audit record of the boot into operational"
echo "ok: operational: /health 200, panel, audit"
stop

# 2. A failing known-answer test keeps kmsd out of service.
for kat in eccsi hmac kwp ecdsa; do
	: > "$KMS_DATA/kmsd.log"
	export KMSD_TEST_KAT_FAIL=$kat
	start "$TH" "$KMS_DIR/kmsd.conf"
	unset KMSD_TEST_KAT_FAIL
	want_health 503 error
	want_refused error
	want_panel error
	grep -q "known-answer test '$kat' FAILED" "$KMS_DATA/kmsd.log" ||
	    kms_fail "the log does not name the failed test $kat"
	kms_admin audit | grep -q "state: locked -> error: power-on self-test failed: $kat" ||
	    kms_fail "no audit record of the error state ($kat)"
	sleep 1.2	# a health loop round: it must not leave error
	want_health 503 error
	stop
	echo "ok: KAT $kat forced to fail: error, 503, nothing served"
done

# 3. The release build has no hook.
export KMSD_TEST_KAT_FAIL=hmac
start "$REL" "$KMS_DIR/kmsd.conf"
unset KMSD_TEST_KAT_FAIL
want_health 200 operational
stop
! grep -q -a -e KMSD_TEST_KAT_FAIL -e KMSD_TEST_PROBE_PORT "$REL" ||
    kms_fail "the release kmsd contains a test hook"
grep -q -a KMSD_TEST_KAT_FAIL "$TH" || kms_fail "kmsd-testhooks lacks the hook"
echo "ok: the release kmsd ignores the hook and does not contain it"

# 4. Unprovisioned token; wrong PIN.
softhsm2-util --init-token --free --label empty --pin "$KMS_PIN" \
    --so-pin "so-$KMS_PIN" >/dev/null || kms_fail "second token"
sed 's/^token = .*/token = empty/' "$KMS_DIR/kmsd.conf" > "$KMS_DIR/empty.conf"
start "$REL" "$KMS_DIR/empty.conf"
want_health 503 unprovisioned
want_refused unprovisioned
want_panel unprovisioned
grep -q "not provisioned" "$KMS_DATA/kmsd.log" || kms_fail "no reason logged"
stop
echo "ok: unprovisioned token: unprovisioned, 503"
printf 'wrong-pin\n' > "$KMS_DIR/badpin"
sed "s|^pin_file = .*|pin_file = $KMS_DIR/badpin|" "$KMS_DIR/empty.conf" \
    > "$KMS_DIR/badpin.conf"
start "$REL" "$KMS_DIR/badpin.conf"
want_health 503 locked
want_refused locked
grep -q "the appliance stays locked" "$KMS_DATA/kmsd.log" ||
    kms_fail "no reason logged for locked"
kms_admin audit | grep -q "boot: HSM token 'empty'" ||
    kms_fail "no audit record of the locked boot"
stop
echo "ok: wrong PIN: locked, 503"

# 5. Reboot from the console (pty): same process, boots again, serves.
rm -f "$KMS_DATA/kmsd.port"
"$DRIVE" pty "$KMS_DIR/pid" "$KMS_DIR/kmsd.out" -- \
    "$REL" -C -c "$KMS_DIR/kmsd.conf" -d "$KMS_DATA" <<EOF || kms_fail "console"
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
expect logged in as admin (administrator)
say status
expect state:    operational
say reboot
expect to go on, type: reboot confirm
say reboot confirm
expect rebooting
expect kms>
say login admin
expect password:
say $PW
expect logged in as admin
say status
expect state:    operational
EOF
KMS_PID=$(cat "$KMS_DIR/pid")
kms_wait_port 100
want_health 200 operational
[ "$(grep -c 'boot: kmsd on board' "$KMS_DATA/kmsd.log")" -ge 2 ] ||
    kms_fail "no second boot in the log"
grep -q 'reset: restarting' "$KMS_DATA/kmsd.log" || kms_fail "no reset line"
kill -0 "$KMS_PID" || kms_fail "the process is gone after reboot"
kms_admin audit | grep -q 'console: reboot confirm' ||
    kms_fail "reboot not audited"
kms_admin audit | grep 'console: reboot confirm' | grep -q 'admin' ||
    kms_fail "reboot audited without the operator"
echo "ok: reboot: same pid $KMS_PID, booted again, audited"
# Not our child (the driver started it): stop it by hand.
kill -TERM "$KMS_PID"
for i in $(seq 1 100); do kill -0 "$KMS_PID" 2>/dev/null || break; sleep 0.05; done
! kill -0 "$KMS_PID" 2>/dev/null || kms_fail "kmsd did not stop"
[ "$(tail -1 "$KMS_DATA/kmsd.log" | grep -c 'shutdown: done')" = 1 ] ||
    kms_fail "kmsd did not shut down cleanly"
KMS_PID=
echo "it_state: ok"
