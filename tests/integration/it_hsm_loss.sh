#!/usr/bin/env bash
# Losing the HSM while kmsd serves (through the p11fault module): when the
# token stops answering, every request gets 503 with Retry-After and an
# XSD-valid KmsError, never a half-built answer; when it is back, kmsd
# serves again by itself.  Also: a lost login is redone with the PIN kept
# in locked memory, and dead sessions are replaced.
set -u
. "$(dirname "$0")/kms_env.sh"
FAULT=$BUILD/tests/lib/p11fault/p11fault.so
[ -f "$FAULT" ] || kms_fail "p11fault module not built"
KMS_MODULE=$FAULT
ctl=$(mktemp /tmp/kms-loss-ctl-XXXXXX)
export P11FAULT_CTL=$ctl
echo ok > "$ctl"
kms_up
trap 'kms_down; rm -f "$ctl"' EXIT
I=/keymanagement/identity/v1/init
# wait_panel LINE: the panel's first line becomes LINE within 3 s.
wait_panel() {
	local i
	for i in $(seq 1 30); do
		head -1 "$KMS_DATA/panel.txt" 2>/dev/null | grep -qx "$1" &&
		    return 0
		sleep 0.1
	done
	kms_fail "panel: '$(head -1 "$KMS_DATA/panel.txt")', want '$1'"
}
wait_panel "KMS operational"

set_ctl() { printf '%s\n' "$1" > "$ctl"; }

# wait_status STATUS SECONDS: poll init until it answers STATUS.
wait_status() {
	local want=$1 t=$2 i st
	for i in $(seq 1 $((t * 5))); do
		st=$("$CLIENT" --url "$KMS_URL" raw POST "$I" 2>/dev/null)
		[ "$st" = "$want" ] && return 0
		sleep 0.2
	done
	kms_fail "init did not answer $want within $t s (last: $st)"
}

"$CLIENT" --url "$KMS_URL" -q init || kms_fail "init before the loss"

for code in removed error; do
	set_ctl "down $code"
	wait_status 503 5
	"$CLIENT" --url "$KMS_URL" raw POST "$I" --expect-status 503 \
	    --expect-kms-error --header 'X-Test: loss' >/dev/null ||
	    kms_fail "503 during the loss is not a KmsError"
	hdrs=$(curl -sS -D - -o /dev/null -X POST "$KMS_URL$I")
	echo "$hdrs" | grep -qi '^Retry-After: ' ||
	    kms_fail "503 without Retry-After"
	echo "ok: token down ($code): 503 + Retry-After + KmsError"
	# The front panel shows the same state as the console.
	wait_panel "KMS locked"
	grep -qx "HSM unavailable" "$KMS_DATA/panel.txt" ||
	    kms_fail "panel does not say the HSM is unavailable"
	set_ctl ok
	wait_status 200 5
	wait_panel "KMS operational"
	"$CLIENT" --url "$KMS_URL" --count 20 -q init ||
	    kms_fail "init after the token came back"
	echo "ok: token back: kmsd serves again by itself"
done

set_ctl logout
sleep 3
grep -q "logged in again" "$KMS_DATA/kmsd.log" ||
    kms_fail "a lost login was not redone"
"$CLIENT" --url "$KMS_URL" --count 20 -q init || kms_fail "init after re-login"
echo "ok: lost login redone"
grep -q "unavailable" "$KMS_DATA/kmsd.log" || kms_fail "no log line for the loss"
echo "it_hsm_loss: ok"
