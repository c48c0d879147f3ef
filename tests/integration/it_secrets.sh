#!/usr/bin/env bash
# The master secrets z_S and KSAK (read in the test through the HSM API)
# appear nowhere in the data directory, kmsd's logs and output, the
# provisioning output, or the token directory (which holds them only
# sealed, i.e. encrypted).
set -u
. "$(dirname "$0")/kms_env.sh"
kms_up
trap 'kms_down' EXIT
"$CLIENT" --url "$KMS_URL" --count 20 init >/dev/null || kms_fail "init"
kill -TERM "$KMS_PID"; wait "$KMS_PID"; KMS_PID=
"$BUILD/tests/integration/secret_scan" /usr/lib/softhsm/libsofthsm2.so \
    "$KMS_TOKEN" "$KMS_DIR/pin" "$KMS_DATA" "$KMS_DIR/kmsd.out" \
    "$KMS_DIR/provision.out" "$KMS_DIR/hsm/tokens" ||
    kms_fail "a master secret was found outside the HSM"
echo "it_secrets: ok"
