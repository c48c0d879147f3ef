#!/usr/bin/env bash
# Fault injection under a running kmsd, across a key provisioning request
# (the request that uses the token: both master secrets are unsealed):
# for every N, the Nth token call fails (CKR_DEVICE_REMOVED, then
# CKR_SESSION_HANDLE_INVALID).  Every answer is either the full, verified
# key set (the failed call was the health loop's) or a clean 503 with
# Retry-After and an XSD-valid KmsError -- never a half-built answer;
# kmsd keeps serving and recovers by itself when the faults stop; no token
# object is leaked.
set -u
. "$(dirname "$0")/kms_env.sh"
FAULT=$BUILD/tests/lib/p11fault/p11fault.so
[ -f "$FAULT" ] || kms_fail "p11fault module not built"
ctl=$(mktemp /tmp/kms-fkp-ctl-XXXXXX)
export P11FAULT_CTL=$ctl P11FAULT_COUNT=$ctl.count
echo ok > "$ctl"
KMS_MODULE=$FAULT
kms_up
trap 'kms_down; rm -f "$ctl" "$ctl.count"' EXIT

A=sip:alice@example.org
kms_admin user add "$A" Alice || kms_fail "user add"
TA=$(kms_token "$A" --ttl 900) || kms_fail "token"
KP=/keymanagement/identity/v1/keyprov

objects() {
	pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so \
	    --token-label "$KMS_TOKEN" --login --pin "$KMS_PIN" \
	    --list-objects 2>/dev/null | grep -c -i '^[a-z][a-z ]* object'
}

# keyprov until it is served again (the health loop reopens the gate).
wait_served() {
	local i
	for i in $(seq 1 40); do
		"$CLIENT" --url "$KMS_URL" --token "$TA" -q keyprov \
		    >/dev/null 2>&1 && return 0
		sleep 0.25
	done
	kms_fail "keyprov not served again after the fault at call $1"
}

before=$(objects)
"$CLIENT" --url "$KMS_URL" --token "$TA" -q keyprov || kms_fail "keyprov"
printf 'ok\n' > "$ctl"; sleep 0.05
"$CLIENT" --url "$KMS_URL" --token "$TA" -q keyprov || kms_fail "keyprov"
total=$(cat "$ctl.count")
echo "one keyprov makes about $total token calls (with the health loop's)"
[ "$total" -ge 2 ] || kms_fail "keyprov used no token calls?"

served=0 refused=0
for code in removed session; do
	for n in $(seq 1 $((total + 2))); do
		printf 'fail %s %s\n' "$n" "$code" > "$ctl"
		st=$("$CLIENT" --url "$KMS_URL" --token "$TA" \
		    --save "$KMS_DIR/f" raw POST "$KP" 2>/dev/null)
		case $st in
		200)	served=$((served + 1))
			xmllint --noout --nonet --schema \
			    "$SRC/tests/schema/kms-interface.xsd" \
			    "$KMS_DIR"/f/raw-*.xml 2>/dev/null ||
			    kms_fail "call $n $code: 200 body is not valid"
			for e in UserDecryptKey UserSigningKeySSK UserPubTokenPVT; do
				grep -q "<$e" "$KMS_DIR"/f/raw-*.xml ||
				    kms_fail "call $n $code: 200 without $e"
			done ;;
		503)	refused=$((refused + 1))
			xmllint --noout --nonet --schema \
			    "$SRC/tests/schema/kms-interface.xsd" \
			    "$KMS_DIR"/f/raw-*.xml 2>/dev/null ||
			    kms_fail "call $n $code: 503 body is not valid"
			grep -q "<KmsError>" "$KMS_DIR"/f/raw-*.xml ||
			    kms_fail "call $n $code: 503 without KmsError"
			grep -q "UserDecryptKey" "$KMS_DIR"/f/raw-*.xml &&
			    kms_fail "call $n $code: key material in a 503" ;;
		*)	kms_fail "call $n $code: status $st" ;;
		esac
		rm -rf "$KMS_DIR/f"
		printf 'ok\n' > "$ctl"
		wait_served "$n $code"
	done
done
echo "ok: $served full answers, $refused clean 503s, kmsd served after each"
"$CLIENT" --url "$KMS_URL" --token "$TA" --count 5 -q keyprov ||
    kms_fail "keyprov after the faults"
after=$(objects)
[ "$before" = "$after" ] || kms_fail "token objects $before -> $after"
echo "ok: $after token objects before and after: nothing leaked"
[ "$refused" -gt 0 ] || kms_fail "no fault ever reached a request"
echo "it_hsm_faults_keyprov: ok"
