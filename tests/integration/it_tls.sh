#!/usr/bin/env bash
# HTTPS: kms-provision makes the TLS key and a CA in the token and issues
# the certificates; kmsd serves TLS over lwIP with the key used through the
# pkcs11 engine.  curl and kms-client complete TLS 1.3 and verify the
# server against the CA; a client that does not trust the CA is refused;
# the private keys exist only in the token (sensitive, never extractable)
# and no private key is written anywhere else.
set -u
. "$(dirname "$0")/kms_env.sh"
KMS_TLS=1
kms_up
trap 'kms_down' EXIT

"$CLIENT" --url "$KMS_URL" --cacert "$KMS_CA" --expect-kms-uri "$KMS_URI" \
    --count 50 init || kms_fail "50 verified inits over HTTPS"
"$CLIENT" --url "$KMS_URL" --cacert "$KMS_CA" --new-conn --count 20 -q init ||
    kms_fail "20 inits over new TLS connections"
"$CLIENT" --url "$KMS_URL" --cacert "$KMS_CA" --save "$KMS_DIR/saved" -q init ||
    kms_fail "init --save"
grep -q "<ClientReqUrl>https://localhost:" "$KMS_DIR"/saved/*.xml ||
    kms_fail "ClientReqUrl does not say https"

out=$(curl -sS -v --cacert "$KMS_CA" -X POST \
    "$KMS_URL/keymanagement/identity/v1/init" -o /dev/null 2>&1) ||
    kms_fail "curl over TLS: $out"
echo "$out" | grep -q "SSL connection using TLSv1.3" ||
    kms_fail "curl did not negotiate TLS 1.3"
echo "ok: curl: $(echo "$out" | grep -o 'SSL connection using [^ ]* / [^ ]*')"

# A client that does not trust our CA must fail verification.
if curl -sS --cacert /etc/ssl/certs/ca-certificates.crt -X POST \
    "$KMS_URL/keymanagement/identity/v1/init" -o /dev/null 2>/dev/null; then
	kms_fail "a client without our CA was not refused"
fi
echo "ok: a client without the CA is refused"

# The keys are in the token, sensitive and never extractable.
objs=$(pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so \
    --token-label "$KMS_TOKEN" --login --pin "$KMS_PIN" --list-objects \
    --type privkey 2>/dev/null)
for l in kms.tls kms.tls-ca; do
	blk=$(echo "$objs" | awk -v l="label:      $l" '
	    /^Private Key Object/ {b=""} {b=b $0 "\n"} index($0, l) {f=1}
	    f && /^ *Access:/ {print b; exit}')
	echo "$blk" | grep -q "sensitive" || kms_fail "$l is not sensitive"
	echo "$blk" | grep -q "never extractable" ||
	    kms_fail "$l is extractable"
done
echo "ok: kms.tls and kms.tls-ca are sensitive and never extractable"

# No private key anywhere outside the token.
if grep -rl "PRIVATE KEY" "$KMS_DIR/tls" "$KMS_DATA" "$KMS_DIR/kmsd.out" \
    "$KMS_DIR/provision.out" 2>/dev/null; then
	kms_fail "a private key was written outside the token"
fi
echo "it_tls: ok"
