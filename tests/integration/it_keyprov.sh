#!/usr/bin/env bash
# Key provisioning end to end, every form, verified by kms-client (XSD,
# its own UID, SSK/PVT by P-256, RSK by order and wolfSSL's pairing):
#   keyprov (own identity + bound pseudonym), keyprov/<URI>,
#   keyprov/<URI>/<NTP time> (now, and the previous period), a GMS keying
#   its group; the same identity and period give the same key set; one
#   audit record per released key set.  Then certcache, certcache/<N>,
#   cert/<CertUri> (and unknown -> 404).  Then kill -9 and restart: the
#   store is intact, the key sets are the same, the cache version and the
#   audit trail continue.
set -u
. "$(dirname "$0")/kms_env.sh"
kms_up
trap 'kms_down' EXIT

A=sip:alice@example.org
AP=sip:alice.pseudo@example.org
G=sip:gms@example.org
GRP=sip:group1@example.org
kms_admin user add "$A" Alice || kms_fail "user add"
kms_admin bind "$A" "$AP" pseudonym || kms_fail "bind pseudonym"
kms_admin user add "$G" GMS || kms_fail "user add gms"
kms_admin bind "$G" "$GRP" group || kms_fail "bind group"
TA=$(kms_token "$A" --ttl 600) || kms_fail "token"
TG=$(kms_token "$G" --ttl 600) || kms_fail "token"
kc() { "$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" "$@"; }
ntp_hex() { printf '%08X00000000' $(( $1 + 2208988800 )); }
now=$(date +%s)

# keyprov: own identity and the bound pseudonym, twice, identical.
kc --token "$TA" --count 2 --expect-sets 2 --save "$KMS_DIR/saved" keyprov \
    > "$KMS_DIR/kp1" || kms_fail "keyprov"
grep -q "keyset $A period" "$KMS_DIR/kp1" || kms_fail "own key set missing"
grep -q "keyset $AP period" "$KMS_DIR/kp1" || kms_fail "pseudonym missing"
cat "$KMS_DIR/kp1"
# Every response validates against the XSD with xmllint too.
xmllint --noout --nonet --schema "$SRC/tests/schema/kms-interface.xsd" \
    "$KMS_DIR"/saved/keyprov-*.xml 2>/dev/null || kms_fail "xmllint keyprov"
# keyprov/<URI>: the same key set as in the plural answer.
kc --token "$TA" --expect-sets 1 keyprov "$AP" > "$KMS_DIR/kp2" ||
    kms_fail "keyprov/<URI>"
grep -F "$(grep "keyset $AP " "$KMS_DIR/kp1")" "$KMS_DIR/kp2" >/dev/null ||
    kms_fail "keyprov/<URI> differs from keyprov"
# keyprov/<URI>/<time>: now (same set), previous period (another set).
kc --token "$TA" keyprov "$A" "$(ntp_hex "$now")" > "$KMS_DIR/kp3" ||
    kms_fail "keyprov/<URI>/<now>"
grep -F "$(grep "keyset $A " "$KMS_DIR/kp1")" "$KMS_DIR/kp3" >/dev/null ||
    kms_fail "keyprov at now differs from keyprov"
kc --token "$TA" keyprov "$A" "$(ntp_hex $((now - 2592000)))" \
    > "$KMS_DIR/kp4" || kms_fail "keyprov/<URI>/<previous period>"
cur=$(sed -n "s/^keyprov: keyset $A period \([0-9]*\):.*/\1/p" "$KMS_DIR/kp1")
grep -q "keyset $A period $((cur - 1)):" "$KMS_DIR/kp4" ||
    kms_fail "previous period not $((cur - 1))"
# A lower-case time and the GMS keying its group.
kc --token "$TG" keyprov "$GRP" "$(ntp_hex "$now" | tr A-F a-f)" \
    > "$KMS_DIR/kp5" || kms_fail "GMS keyprov of its group"
# One issuance record per released key set: 2 x 2 + 1 + 1 + 1 + 1.
n=$(kms_admin audit | grep -c $'\tissued\t')
[ "$n" -eq 8 ] || kms_fail "$n issuance records, want 8"
kms_admin audit | grep $'\tissued\t' | grep -q "subject=$G.*identity=$GRP" ||
    kms_fail "GMS issuance not audited"

# certcache: empty at first; an external certificate bumps the version.
kc --token "$TA" --expect-cache-num 0 --expect-certs 0 certcache ||
    kms_fail "certcache (empty)"
kms_ext_cert "$KMS_DIR/ext1.xml"
kms_admin cert add "$KMS_DIR/ext1.xml" | grep -q 'cache version 1' ||
    kms_fail "cert add"
sed 's/Role="External"/Role="Root"/' "$KMS_DIR/ext1.xml" > "$KMS_DIR/root.xml"
kms_admin cert add "$KMS_DIR/root.xml" 2>/dev/null &&
    kms_fail "kms-admin stored a Root certificate"
kc --token "$TA" --expect-cache-num 1 --expect-certs 1 certcache ||
    kms_fail "certcache"
kc --token "$TA" --expect-cache-num 1 --expect-certs 0 certcache 1 ||
    kms_fail "certcache/<current>"
kc --token "$TA" --expect-cache-num 1 --expect-certs 1 certcache 0 ||
    kms_fail "certcache/<old>"
kc --token "$TA" --expect-cache-num 1 --expect-certs 1 \
    cert cert1.kms.other.example || kms_fail "cert/<CertUri>"
kc --token "$TA" --expect-status 404 --expect-kms-error raw POST \
    /keymanagement/identity/v1/cert/cert9.nowhere.example >/dev/null ||
    kms_fail "cert/<unknown> not 404 + KmsError"

# kill -9 mid-run, restart on the same store.
before=$(kms_admin audit | tail -1 | cut -f1)
kill -9 "$KMS_PID"; wait "$KMS_PID" 2>/dev/null; KMS_PID=
kms_start
kc --token "$TA" --expect-sets 2 keyprov > "$KMS_DIR/kp6" ||
    kms_fail "keyprov after restart"
grep '^keyprov: keyset' "$KMS_DIR/kp1" > "$KMS_DIR/a"
grep '^keyprov: keyset' "$KMS_DIR/kp6" > "$KMS_DIR/b"
cmp -s "$KMS_DIR/a" "$KMS_DIR/b" ||
    kms_fail "key sets changed across kill -9 and restart"
kc --token "$TA" --expect-cache-num 1 --expect-certs 1 certcache ||
    kms_fail "cache version lost in the restart"
sed 's/cert1.kms.other.example/cert2.kms.other.example/' "$KMS_DIR/ext1.xml" \
    > "$KMS_DIR/ext2.xml"
kms_admin cert add "$KMS_DIR/ext2.xml" | grep -q 'cache version 2' ||
    kms_fail "cache version did not continue"
kc --token "$TA" --expect-cache-num 2 --expect-certs 2 certcache ||
    kms_fail "certcache after the restart"
after=$(kms_admin audit | tail -1 | cut -f1)
[ "$after" -gt "$before" ] || kms_fail "audit did not continue"
sqlite3 "$KMS_DATA/kms.db" 'PRAGMA integrity_check' 2>/dev/null |
    grep -qx ok || [ ! -x "$(command -v sqlite3)" ] ||
    kms_fail "store damaged"
echo "it_keyprov: ok"
