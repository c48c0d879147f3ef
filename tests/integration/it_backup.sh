#!/usr/bin/env bash
# it_backup: backup on one SoftHSMv2 token, restore on a new one, through
# the key ceremony of docs/operator-guide.md "Backup and restore".
#  1. appliance 1 issues key sets (keyprov, now and the previous period)
#     and runs the UE flow, saving the I_MESSAGEs its users signed;
#  2. the backup key ceremony (3 custodians' components) on token 1, a
#     second certificate generation (cert rotate), then the console's
#     backup create (4 master secrets) and backup verify;
#  3. a new token: a tampered backup, too few components and a token with
#     another backup key are each refused with a precise message;
#  4. the custodians' components imported into token 2 (same check
#     value), kms-provision restore: the same PubEncKey and PubAuthKey;
#  5. appliance 2 (token 2, restored store) issues, for the same identity
#     and periods, byte-identical RSK, SSK and PVT with the same UID;
#     a signature made with a pre-backup SSK verifies under its KPAK
#     (firmware/crypto and wolfSSL); the users and bindings came along;
#     the audit trail verifies and records the restore; cert/cert2 gives
#     generation 2's certificate with the same public keys.
set -u
. "$(dirname "$0")/kms_env.sh"
kms_up
MODULE=/usr/lib/softhsm/libsofthsm2.so
cleanup() { exec 3>&- 2>/dev/null; kms_down; }
trap cleanup EXIT

G=sip:gms@example.org
A=sip:alice@example.org
B=sip:bob@example.org
GRP=sip:group1@example.org
kms_admin user add "$A" Alice && kms_admin user add "$B" Bob &&
    kms_admin user add "$G" GMS && kms_admin bind "$G" "$GRP" group ||
    kms_fail "users"
TA=$(kms_token "$A" --ttl 900) && TB=$(kms_token "$B" --ttl 900) &&
    TG=$(kms_token "$G" --ttl 900) || kms_fail "tokens"
kc() { "$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" "$@"; }
ntp_hex() { printf '%08X00000000' $(( $1 + 2208988800 )); }
now=$(date +%s)
prev=$(ntp_hex $((now - 2592000)))
W=$KMS_DIR/w
mkdir -p "$W/pre" "$W/post" "$KMS_DIR/cust"

# Key sets of A for this and the previous period; the RSK, SSK, PVT and
# UID of each saved response (plaintext: no TrK for A).
keysets() {	# DIR
	kc --token "$TA" --save "$1/now" keyprov "$A" > "$1/kp.txt" &&
	    kc --token "$TA" --save "$1/prev" keyprov "$A" "$prev" \
	    >> "$1/kp.txt" || kms_fail "keyprov into $1"
	for f in "$1"/now/keyprov-1.xml "$1"/prev/keyprov-1.xml; do
		for e in UserID KeyPeriodNo UserDecryptKey UserSigningKeySSK \
		    UserPubTokenPVT; do
			printf '%s %s\n' "$e" "$(xmllint --xpath \
			    "string(//*[local-name()='$e'])" "$f")"
		done
	done > "$1/keys.txt"
	grep -c '^UserDecryptKey ..' "$1/keys.txt" | grep -q '^2$' ||
	    kms_fail "no RSK in the saved responses ($1)"
}
keysets "$W/pre"
"$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" --token-gms "$TG" \
    --token-a "$TA" --token-b "$TB" --group "$GRP" --save "$W/pre/uf" \
    ue-flow > "$W/pre/uf.txt" || kms_fail "ue-flow before the backup"
PUBENC=$(awk '/^PubEncKey/ {print $2}' "$KMS_DIR/provision.out")
PUBAUTH=$(awk '/^PubAuthKey/ {print $2}' "$KMS_DIR/provision.out")
SIGN1=$(awk '/^KmsSignKey/ {print $2}' "$KMS_DIR/provision.out")

# The ceremony on token 1 (kmsd finds the new key in the token).
prov() { "$PROVISION" --module $MODULE --token "$KMS_TOKEN" \
    --pin-file "$KMS_DIR/pin" "$@"; }
prov backup-key --components 3 --out "$KMS_DIR/cust" > "$W/cer1.txt" ||
    kms_fail "backup-key ceremony"
KCV=$(awk '/^BackupKeyCheck/ {print $2}' "$W/cer1.txt")
[ ${#KCV} -eq 16 ] || kms_fail "no BackupKeyCheck"
for i in 1 2 3; do
	[ "$(stat -c %a "$KMS_DIR/cust/component-$i.txt")" = 600 ] ||
	    kms_fail "component $i not 0600"
	grep -q "^key-check $KCV$" "$KMS_DIR/cust/component-$i.txt" ||
	    kms_fail "component $i without the key check"
done
prov backup-key --components 3 --out "$KMS_DIR/cust" >/dev/null 2>&1 &&
    kms_fail "a second backup key was made"

# backup create / verify at the console (kmsd -C through a FIFO).
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd exited $?"
KMS_PID=
rm -f "$KMS_DATA/kmsd.port"
mkfifo "$KMS_DIR/con.in"
"$KMSD" -C -c "$KMS_DIR/kmsd.conf" -d "$KMS_DATA" < "$KMS_DIR/con.in" \
    > "$KMS_DIR/con.out" 2>> "$KMS_DIR/kmsd.out" &
KMS_PID=$!
exec 3> "$KMS_DIR/con.in"
say() { printf '%s\n' "$1" >&3; }
expect() {
	local i
	for i in $(seq 1 300); do
		grep -q -F -- "$1" "$KMS_DIR/con.out" && return 0
		sleep 0.05
	done
	cat "$KMS_DIR/con.out" >&2
	kms_fail "console: no \"$1\""
}
PW='Adm1n-pw-xyz'
say "operator add admin administrator"; expect "new password for admin"
say "$PW"; expect "again:"
say "$PW"; expect "operator admin added"
say "login admin"; expect "password:"
say "$PW"; expect "logged in as admin"
# A second certificate generation (cert rotate): its master secrets go
# into the backup too.
say "cert rotate cert2.$KMS_URI confirm"
expect "generation 2: cert2.$KMS_URI serves key periods from"
mkdir -p "$W/pre/c2"
kms_wait_port
kc --token "$TA" --save "$W/pre/c2" cert "cert2.$KMS_URI" > /dev/null ||
    kms_fail "cert/cert2 before the backup"
Z2=$(xmllint --xpath "string(//*[local-name()='PubEncKey'])" \
    "$W/pre/c2/certcache-1.xml") && [ ${#Z2} = 514 ] ||
	kms_fail "cert2: no PubEncKey"
say "backup create"
expect "backup key check value $KCV"
NAME=$(sed -n 's/^.*backup create: \(kms-[0-9TZ]*\.kbk\) .*/\1/p' \
    "$KMS_DIR/con.out")
[ -n "$NAME" ] || { cat "$KMS_DIR/con.out"; kms_fail "no backup name"; }
grep -q "backup create: $NAME ([0-9]* bytes, 4 master secrets" \
    "$KMS_DIR/con.out" || kms_fail "backup create line"
say "backup verify $NAME"
expect "backup verify: $NAME: ok: format 1"
say "backup verify ../kms.db"
expect "backup verify: NAME is a file name in the backup directory"
exec 3>&-
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd exited $?"
KMS_PID=
BK=$KMS_DATA/backup/$NAME
[ "$(stat -c %a "$BK")" = 600 ] || kms_fail "backup file not 0600"
sum=$(sed -n 's/^sha256 //p' "$KMS_DIR/con.out")
[ "$(sha256sum "$BK" | cut -d' ' -f1)" = "$sum" ] ||
    kms_fail "backup file sha256 differs from the console's"
# No master secret or store content in clear in the file.
grep -q -a "sip:alice@example.org" "$BK" && kms_fail "store in clear"
kms_admin audit | grep -q 'console: backup create' ||
    kms_fail "backup create not audited"

# Token 2 (a fresh token in its own directory) and token 3.
new_token() {	# DIR
	"$SRC/tests/lib/hsm_token.sh" "$1" "$KMS_TOKEN" "$KMS_PIN" ||
	    kms_fail "token $1"
}
new_token "$KMS_DIR/hsm2"
new_token "$KMS_DIR/hsm3"
prov2() { SOFTHSM2_CONF=$KMS_DIR/hsm2/softhsm2.conf "$PROVISION" \
    --module $MODULE --token "$KMS_TOKEN" --pin-file "$KMS_DIR/pin" "$@"; }
prov3() { SOFTHSM2_CONF=$KMS_DIR/hsm3/softhsm2.conf "$PROVISION" \
    --module $MODULE --token "$KMS_TOKEN" --pin-file "$KMS_DIR/pin" "$@"; }
C1=$KMS_DIR/cust/component-1.txt
C2=$KMS_DIR/cust/component-2.txt
C3=$KMS_DIR/cust/component-3.txt

# Refusals.  Too few components:
prov2 backup-key-import --component "$C1" --component "$C2" \
    > /dev/null 2> "$W/e1" && kms_fail "2 of 3 components accepted"
grep -q "do not combine to the backup key" "$W/e1" || kms_fail "$(cat "$W/e1")"
# A mistyped component:
awk '$1 == "component" { c = substr($2, 1, 1)
    $2 = (c == "0" ? "1" : "0") substr($2, 2) } { print }' "$C3" > "$W/bad3"
cmp -s "$C3" "$W/bad3" && kms_fail "the mistyped component is the same"
prov2 backup-key-import --component "$C1" --component "$C2" \
    --component "$W/bad3" > /dev/null 2> "$W/e2" &&
    kms_fail "a mistyped component accepted"
grep -q "does not match its check value" "$W/e2" || kms_fail "$(cat "$W/e2")"
# Another backup key (token 3's own ceremony):
mkdir -p "$KMS_DIR/cust3"
prov3 backup-key --components 2 --out "$KMS_DIR/cust3" >/dev/null ||
    kms_fail "token 3 ceremony"
mkdir -m 700 "$KMS_DIR/data3"
prov3 restore --in "$BK" --data "$KMS_DIR/data3" > /dev/null 2> "$W/e3" &&
    kms_fail "restore under another backup key"
grep -q "refused: made under another backup key" "$W/e3" &&
    grep -q "the file needs backup key $KCV" "$W/e3" ||
    kms_fail "wrong key: $(cat "$W/e3")"
[ -e "$KMS_DIR/data3/kms.db" ] && kms_fail "a refused restore wrote kms.db"

# Token 2: the custodians' components.
prov2 backup-key-import --component "$C1" --component "$C2" \
    --component "$C3" > "$W/cer2.txt" || kms_fail "backup-key-import"
grep -q "^BackupKeyCheck $KCV$" "$W/cer2.txt" ||
    kms_fail "token 2's backup key check differs: $(cat "$W/cer2.txt")"
# A tampered file (one byte of the store section) and a truncated one.
mkdir -m 700 "$KMS_DIR/data2"
cp "$BK" "$W/tampered.kbk"
size=$(stat -c %s "$BK")
# Flip the byte's bits (a fixed value would be no change 1 time in 256).
python3 - "$W/tampered.kbk" $((size - 40)) <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1)[0]
    f.seek(int(sys.argv[2])); f.write(bytes([b ^ 0xff]))
PY
prov2 restore --in "$W/tampered.kbk" --data "$KMS_DIR/data2" \
    > /dev/null 2> "$W/e4" && kms_fail "a tampered backup restored"
grep -q "refused: changed or damaged (store section)" "$W/e4" ||
    kms_fail "tampered: $(cat "$W/e4")"
head -c $((size - 1)) "$BK" > "$W/short.kbk"
prov2 restore --in "$W/short.kbk" --data "$KMS_DIR/data2" \
    > /dev/null 2> "$W/e5" && kms_fail "a truncated backup restored"
grep -q "refused: truncated or malformed" "$W/e5" ||
    kms_fail "truncated: $(cat "$W/e5")"
prov2 restore --in "$KMS_DIR/pin" --data "$KMS_DIR/data2" \
    > /dev/null 2> "$W/e6" && kms_fail "a non-backup restored"
grep -q "refused: not a KMS backup file" "$W/e6" || kms_fail "$(cat "$W/e6")"
[ -e "$KMS_DIR/data2/kms.db" ] && kms_fail "a refused restore wrote kms.db"
prov2 list | grep -q "master" && kms_fail "a refused restore left masters"

# The restore.
prov2 restore --in "$BK" --data "$KMS_DIR/data2" > "$W/restore.txt" ||
    kms_fail "restore"
cat "$W/restore.txt"
grep -q "^PubEncKey $PUBENC$" "$W/restore.txt" || kms_fail "Z_S differs"
grep -q "^PubAuthKey $PUBAUTH$" "$W/restore.txt" || kms_fail "KPAK differs"
SIGN2=$(awk '/^KmsSignKey/ {print $2}' "$W/restore.txt")
[ ${#SIGN2} -eq 130 ] || kms_fail "no new KMS signing key"
prov2 restore --in "$BK" --data "$KMS_DIR/data3" > /dev/null 2>&1 &&
    kms_fail "a second restore onto a token that has the masters"

# Appliance 2.
KMS_DATA=$KMS_DIR/data2
export SOFTHSM2_CONF=$KMS_DIR/hsm2/softhsm2.conf
kms_start
keysets "$W/post"
cmp "$W/pre/keys.txt" "$W/post/keys.txt" || {
	diff "$W/pre/keys.txt" "$W/post/keys.txt" | head -5
	kms_fail "RSK/SSK/PVT/UID differ after the restore"; }
grep '^keyprov: keyset' "$W/pre/kp.txt" > "$W/a"
grep '^keyprov: keyset' "$W/post/kp.txt" > "$W/b"
cmp -s "$W/a" "$W/b" || kms_fail "kms-client's key digests differ"
# Generation 2 came back: the same certificate, the same public keys.
mkdir -p "$W/post/c2"
kc --token "$TA" --save "$W/post/c2" cert "cert2.$KMS_URI" > /dev/null ||
    kms_fail "cert/cert2 after the restore"
[ "$(xmllint --xpath "string(//*[local-name()='PubEncKey'])" \
    "$W/post/c2/certcache-1.xml")" = "$Z2" ] ||
	kms_fail "cert2's PubEncKey differs after the restore"
# A's pre-backup signature (the PCK I_MESSAGE to B) under the new KPAK.
kc init --save "$W/post/init" > /dev/null || kms_fail "init"
UIDA=$(awk -v a="$A" '$1 == "Role" && $2 == "a" && $3 == a {print $5}' \
    "$W/pre/uf/ue-flow.txt")
[ ${#UIDA} -eq 64 ] || kms_fail "no UID of A in ue-flow.txt"
"$BUILD/tests/integration/imsg_check" "$PUBAUTH" "$UIDA" \
    "$W/pre/uf/imsg-pck-a-b.bin" || kms_fail "pre-backup signature"
UIDB=$(awk -v b="$B" '$1 == "Role" && $2 == "b" && $3 == b {print $5}' \
    "$W/pre/uf/ue-flow.txt")
"$BUILD/tests/integration/imsg_check" "$PUBAUTH" "$UIDB" \
    "$W/pre/uf/imsg-pck-a-b.bin" > /dev/null &&
    kms_fail "imsg_check accepted the wrong signer"
# The whole UE flow works on the restored appliance.
"$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" --token-gms "$TG" \
    --token-a "$TA" --token-b "$TB" --group "$GRP" ue-flow \
    > "$W/post/uf.txt" || kms_fail "ue-flow after the restore"
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd 2 exited $?"
KMS_PID=

# The trail: intact, the old checkpoints by token 1's key, the restore.
out=$("$ADMIN" -d "$KMS_DATA" audit-verify "$SIGN2") ||
    kms_fail "audit after the restore: $out"
echo "$out"
case $out in
	*" verified 0 "*|*" unknown-key 0 "*)
		kms_fail "want checkpoints by both keys: $out" ;;
esac
out=$("$ADMIN" -d "$KMS_DATA" audit-verify "$SIGN1" "$SIGN2") ||
    kms_fail "audit with both keys: $out"
case $out in
	*" unknown-key 0 "*) ;;
	*) kms_fail "both keys: $out" ;;
esac
kms_admin audit | grep $'\toperator\t' | grep 'operator=key-ceremony' |
    grep -q "restore: .* under backup key $KCV" ||
    kms_fail "the restore is not in the audit trail"

# Appliance 3: the same restore at the console of an unprovisioned kmsd
# (token 4 holds only the backup key from the custodians' components).
new_token "$KMS_DIR/hsm4"
export SOFTHSM2_CONF=$KMS_DIR/hsm4/softhsm2.conf
prov backup-key-import --component "$C1" --component "$C2" \
    --component "$C3" > "$W/cer4.txt" || kms_fail "token 4 import"
KMS_DATA=$KMS_DIR/data4
mkdir -p -m 700 "$KMS_DATA/backup"
cp "$BK" "$KMS_DATA/backup/"
rm -f "$KMS_DIR/con.in" "$KMS_DIR/con.out"
mkfifo "$KMS_DIR/con.in"
"$KMSD" -C -c "$KMS_DIR/kmsd.conf" -d "$KMS_DATA" < "$KMS_DIR/con.in" \
    > "$KMS_DIR/con.out" 2>> "$KMS_DIR/kmsd.out" &
KMS_PID=$!
exec 3> "$KMS_DIR/con.in"
say "operator add admin administrator"; expect "new password for admin"
say "$PW"; expect "again:"
say "$PW"; expect "operator admin added"
say "login admin"; expect "password:"
say "$PW"; expect "logged in as admin"
say "restore $NAME"
expect "type: restore NAME confirm"
say "restore $NAME confirm"
expect "restore: 4 master secrets sealed into the token"
expect "restore: staged; reboot to serve from it"
say "restore $NAME confirm"
expect "restore: a restore is staged already; reboot to use it"
exec 3>&-
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd 3 exited $?"
KMS_PID=
kms_start
mkdir -p "$W/post3"
keysets "$W/post3"
cmp "$W/pre/keys.txt" "$W/post3/keys.txt" ||
    kms_fail "keys differ after the console's restore"
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd 3 exited $?"
KMS_PID=
[ -e "$KMS_DATA/kms.db.replaced" ] ||
    kms_fail "the unprovisioned appliance's store was not kept"
kms_admin audit | grep 'operator=admin' | grep -q "restore: backup made" ||
    kms_fail "the console's restore is not in the restored trail"
echo "it_backup: ok"
