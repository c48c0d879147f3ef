#!/usr/bin/env bash
# 500 init requests over new connections and 500 over one kept-alive
# connection, each fully verified by kms-client (XSD, points, fields).
set -u
. "$(dirname "$0")/kms_env.sh"
kms_up
trap 'kms_down' EXIT
"$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" --count 500 \
    --new-conn init || kms_fail "500 sequential inits over new connections"
"$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" --count 500 \
    --keepalive init || kms_fail "500 inits over one connection"
# kmsd's answers must carry the public keys kms-provision printed.
"$CLIENT" --url "$KMS_URL" --save "$KMS_DIR/saved" init >/dev/null ||
    kms_fail "init --save"
enc=$(awk '/^PubEncKey/ {print toupper($2)}' "$KMS_DIR/provision.out")
auth=$(awk '/^PubAuthKey/ {print toupper($2)}' "$KMS_DIR/provision.out")
[ ${#enc} -eq 514 ] || kms_fail "kms-provision printed no PubEncKey"
grep -q "<PubEncKey>$enc</PubEncKey>" "$KMS_DIR"/saved/init-*.xml ||
    kms_fail "PubEncKey differs from the provisioned key"
grep -q "<PubAuthKey>$auth</PubAuthKey>" "$KMS_DIR"/saved/init-*.xml ||
    kms_fail "PubAuthKey differs from the provisioned key"
echo "it_init: ok"
