#!/usr/bin/env bash
# kms-client as a device of the security extension (TS 33.180 D.3.5;
# docs/kms-client.md "Signed requests and responses"): it signs its own
# SignedKmsRequests and verifies and decrypts kmsd's signed answers
# itself; xmlsec1 stays the independent oracle on the same bytes.
#   1. alice (TrK + InK): kms-client --sign keyprov, certcache: kmsd
#      accepts the requests; kms-client verifies every answer under the
#      InK; xmlsec1 verifies the saved signed requests (InK) and the
#      saved answers.  carol (TrK only): the same with her TrK.
#   2. refusals: a request signed with a wrong InK -> kmsd 401 and
#      kms-client fails with the KmsError; answers verified with the
#      wrong key, a saved answer with one octet changed (kms-client
#      verify and xmlsec1 both reject it), an unsigned answer while the
#      device holds a key, a wrong --ink-name.
#   3. [security] encrypt = on, rotate_trk_after = 1: kms-client --sign
#      --count 3 keyprov as carol: each answer (init included) decrypted
#      by kms-client, each NewTransportKey adopted for the next request
#      and answer; xmlsec1 + OpenSSL follow the same chain of TrKs over
#      the saved answers.
set -u
. "$(dirname "$0")/kms_env.sh"
KMS_AUTH_EXTRA=$'\n[security]\nrequest_window = 30'
kms_up
trap 'kms_down' EXIT

NS=urn:3gpp:ns:mcsecKMSInterface:1.0
IDSIG="--id-attr:Id $NS:SignedKmsResponse"
IDREQ="--id-attr:Id $NS:SignedKmsRequest"
A=sip:alice@example.org AK=alice@example.org
C=sip:carol@example.org CK=carol@example.org
B=sip:bob@example.org
W=$KMS_DIR/w
mkdir -p "$W"
cd "$W" || kms_fail "cd"

prov() {
	"$PROVISION" --module /usr/lib/softhsm/libsofthsm2.so \
	    --token "$KMS_TOKEN" --pin-file "$KMS_DIR/pin" "$@"
}
unwrap3394() {	# KEYFILE < wrapped > plain
	openssl enc -d -id-aes256-wrap -K "$(xxd -p -c 64 "$1")" \
	    -iv A6A6A6A6A6A6A6A6
}
verify() {	# KEYNAME KEYFILE FILE (a SignedKmsResponse)
	xmlsec1 --verify --hmackey:"$1" "$2" $IDSIG "$3" >/dev/null 2>&1
}
kc() { "$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" "$@"; }

kms_admin user add "$A" && kms_admin user add "$C" &&
    kms_admin user add "$B" || kms_fail "set-up"
prov user-keys "$AK" > uk-a && prov user-keys "$CK" > uk-c ||
    kms_fail "user-keys"
prov bootstrap-export "$AK" > ex-a && prov bootstrap-export "$CK" > ex-c ||
    kms_fail "bootstrap-export"
TA1=$(awk '/^TrK/ {print $2}' uk-a) IA1=$(awk '/^InK/ {print $2}' uk-a)
TC1=$(awk '/^TrK/ {print $2}' uk-c)
awk '/^BootstrapTrK/ {print $3}' ex-a | xxd -r -p > trk-a.bin
awk '/^BootstrapTrK/ {print $3}' ex-c | xxd -r -p > trk-c.bin
awk '/^InK/ {print $3}' uk-a | xxd -r -p | unwrap3394 trk-a.bin > ink-a.bin
[ "$(wc -c < ink-a.bin)" = 32 ] && [ "$(wc -c < trk-c.bin)" = 32 ] ||
    kms_fail "device keys"
kms_admin keys "$A" "$TA1" "$IA1" && kms_admin keys "$C" "$TC1" ||
    kms_fail "kms-admin keys"
TA=$(kms_token "$A" --ttl 600) TC=$(kms_token "$C" --ttl 600)
TB=$(kms_token "$B" --ttl 600)

# --- 1. signed requests accepted, answers verified by kms-client ---------
kc --token "$TA" --trk trk-a.bin --ink ink-a.bin --sign --save s-a \
    --count 2 --expect-sets 1 keyprov > out-a 2> err-a || {
	cat out-a err-a >&2; kms_fail "alice: signed keyprov"; }
grep -q "^keyprov: signed requests accepted; every response signed, HMAC-SHA256/128 by $IA1 verified by kms-client$" out-a ||
    kms_fail "alice: no verified-signature line: $(cat out-a)"
for k in 1 2; do
	# The oracle on the same bytes: xmlsec1 verifies kms-client's
	# request and kmsd's answer, under the InK (and not the TrK).
	xmlsec1 --verify --hmackey:"$IA1" ink-a.bin $IDREQ \
	    "s-a/request-keyprov-$k.xml" >/dev/null 2>&1 ||
		kms_fail "xmlsec1: kms-client's signed request #$k"
	xmlsec1 --verify --hmackey:"$TA1" trk-a.bin $IDREQ \
	    "s-a/request-keyprov-$k.xml" >/dev/null 2>&1 &&
		kms_fail "request #$k verified with the TrK"
	verify "$IA1" ink-a.bin "s-a/keyprov-$k.xml" ||
	    kms_fail "xmlsec1: answer #$k"
done
xmllint --noout --nonet --schema "$SRC/tests/schema/kms-interface.xsd" \
    s-a/request-keyprov-1.xml >/dev/null 2>&1 ||
	kms_fail "kms-client's SignedKmsRequest not XSD-valid"
kc --token "$TA" --ink ink-a.bin --trk trk-a.bin --sign --save s-ac \
    certcache > out-ac 2>&1 || { cat out-ac >&2; kms_fail "signed certcache"; }
grep -q "signature by $IA1 verified" out-ac || kms_fail "certcache line"
xmlsec1 --verify --hmackey:"$IA1" ink-a.bin $IDREQ \
    s-ac/request-certcache-1.xml >/dev/null 2>&1 ||
	kms_fail "xmlsec1: signed certcache request"
kc --token "$TC" --trk trk-c.bin --trk-name "$TC1" --sign --sign-bits 256 \
    --save s-c keyprov > out-c 2> err-c || {
	cat out-c err-c >&2; kms_fail "carol: signed keyprov (TrK)"; }
grep -q "HMAC-SHA256/128 by $TC1 verified by kms-client" out-c ||
    kms_fail "carol: answer not verified under the TrK"
grep -q HMACOutputLength s-c/request-keyprov-1.xml &&
    kms_fail "--sign-bits 256 wrote an HMACOutputLength"
xmlsec1 --verify --hmackey:"$TC1" trk-c.bin $IDREQ \
    s-c/request-keyprov-1.xml >/dev/null 2>&1 ||
	kms_fail "xmlsec1: carol's 256-bit request"
echo "1: signed requests (InK, TrK) accepted; answers verified by kms-client and xmlsec1"

# --- 2. refusals ---------------------------------------------------------
head -c 32 /dev/urandom > bad.bin
# A wrong InK: the device already refuses the (InK-signed) init answer.
kc --token "$TA" --trk trk-a.bin --ink bad.bin --ink-name "$IA1" --sign \
    keyprov > out 2> err && kms_fail "a device with a wrong InK"
grep -q "init: response rejected: HMAC-SHA256 does not verify under the InK '$IA1'" err ||
    kms_fail "wrong InK: message: $(cat err)"
# kms-client's own signed request with one octet changed: kmsd 401.
sed 's/<Time>2/<Time>1/' s-ac/request-certcache-1.xml > bad-req.xml
cmp -s bad-req.xml s-ac/request-certcache-1.xml && kms_fail "no change"
"$CLIENT" --url "$KMS_URL" --save r --expect-status 401 --expect-kms-error \
    --token "$TA" --body bad-req.xml raw POST \
    /keymanagement/identity/v1/certcache >/dev/null ||
	kms_fail "a changed signed request not refused with 401"
grep -q "<ErrorMsg>SignedKmsRequest: signature verification failed</ErrorMsg>" \
    r/raw-1.xml || kms_fail "changed request: $(cat r/raw-1.xml)"
kms_admin audit | tail -1 | grep -q "refused.*SignedKmsRequest: signature verification failed" ||
    kms_fail "changed request: no audit record"
# carol's device signing as alice: kmsd refuses, kms-client says why.
kc --token "$TC" --trk trk-c.bin --trk-name "$TC1" --user "$A" --sign \
    certcache > out 2> err && kms_fail "alice's request signed by carol's TrK"
grep -q "HTTP status 401.*KmsError: SignedKmsRequest: unknown signing key" err ||
    kms_fail "carol's key for alice: $(cat err)"
# The answer verified with the wrong key: kms-client refuses it.
kc --token "$TA" --trk trk-a.bin --ink bad.bin keyprov > out 2> err &&
    kms_fail "an answer accepted under a wrong InK"
grep -q "response rejected: HMAC-SHA256 does not verify under the InK '$IA1'" err ||
    kms_fail "wrong InK: message: $(cat err)"
# The InK-signed answer checked with the TrK only: rejected, too.
kc --token "$TA" --trk trk-a.bin keyprov > out 2> err &&
    kms_fail "an InK-signed answer accepted with the TrK"
# A known name that is not the signer's.
kc --token "$TA" --trk trk-a.bin --ink ink-a.bin --ink-name "ik.7.$AK" \
    keyprov > out 2> err && kms_fail "a wrong --ink-name accepted"
grep -q "signed by '$IA1', but this device's InK is 'ik.7.$AK'" err ||
    kms_fail "wrong name: message: $(cat err)"
# A saved answer with one octet changed, in several places: kms-client
# verify and xmlsec1 both reject each; the original passes both.
"$CLIENT" --trk trk-a.bin --ink ink-a.bin verify s-a/keyprov-1.xml \
    > out 2>&1 || { cat out >&2; kms_fail "verify: the original"; }
grep -q "signature by $IA1 verified" out || kms_fail "verify line"
n=0
for what in KeyPeriodNo Time CipherValue DigestValue SignatureValue; do
	# the first character of the element's text, changed
	python3 - "$what" s-a/keyprov-1.xml t.xml <<'PY' || kms_fail "tamper $what"
import sys, re
what, src, dst = sys.argv[1:]
d = open(src, 'rb').read()
m = re.search(rb'<(?:[A-Za-z]+:)?' + what.encode() + rb'(?: [^>]*)?>', d)
i = m.end()
c = d[i:i+1]
r = b'B' if c != b'B' else b'C'
if c.isdigit():
    r = b'1' if c != b'1' else b'2'
open(dst, 'wb').write(d[:i] + r + d[i+1:])
PY
	cmp -s t.xml s-a/keyprov-1.xml && kms_fail "$what: nothing changed"
	"$CLIENT" --trk trk-a.bin --ink ink-a.bin verify t.xml > out \
	    2> "err-$what" && kms_fail "kms-client verify accepted a changed $what"
	grep -q "response rejected" "err-$what" ||
	    kms_fail "$what: $(cat "err-$what")"
	verify "$IA1" ink-a.bin t.xml && kms_fail "xmlsec1 accepted a changed $what"
	n=$((n + 1))
done
grep -q "digest mismatch: the signed content was changed" err-KeyPeriodNo ||
    kms_fail "changed KeyPeriodNo: $(cat err-KeyPeriodNo)"
grep -q "HMAC-SHA256 does not verify" err-SignatureValue ||
    kms_fail "changed SignatureValue: $(cat err-SignatureValue)"
# An unsigned answer while the device holds a key: rejected.
kc --token "$TB" --save s-b keyprov >/dev/null 2>&1 || kms_fail "bob"
"$CLIENT" --trk trk-a.bin verify s-b/keyprov-1.xml > out 2> err &&
    kms_fail "an unsigned answer accepted by a device with a TrK"
grep -q "response not signed" err || kms_fail "unsigned: $(cat err)"
# A signed answer and no key to check it: rejected, not read.
"$CLIENT" verify s-a/keyprov-1.xml > out 2> err &&
    kms_fail "a signed answer accepted without a key"
grep -q "holds no TrK or InK" err || kms_fail "no key: $(cat err)"
echo "2: wrong InK, changed request (kmsd 401), another's key (401), wrong key, wrong name, $n changed octets" \
    "(kms-client and xmlsec1), unsigned and unverifiable answers rejected"

# --- 3. encryption and TrK rotation --------------------------------------
cat >> "$KMS_DIR/kmsd.conf" <<CONF
encrypt = on
rotate_trk_after = 1
rotate_ink_after = 1
CONF
kill -TERM "$KMS_PID" && wait "$KMS_PID" || kms_fail "kmsd did not stop"
kms_start
kc --token "$TC" --trk trk-c.bin --trk-name "$TC1" --sign --count 3 \
    --save s-r keyprov > out-r 2> err-r || {
	cat out-r err-r >&2; kms_fail "carol: encrypted, rotating keyprov"; }
grep -q "KmsMessage decrypted (AES-128-GCM)" out-r ||
    kms_fail "no decryption reported"
grep -q "^keyprov: 3/3 verified" out-r || kms_fail "not 3/3: $(cat out-r)"
# init (with the token) and each keyprov rotated: tk.1 -> tk.5.
kms_admin keys "$C" | grep -q "^TrK	tk.5.$CK	5$" ||
    kms_fail "store: tk.5 not current after four rotations"
# Request k was signed by tk.(k+1), which kms-client learnt from the
# answer before it (init, keyprov k-1).
for k in 1 2 3; do
	grep -q "<ds:KeyName>tk.$((k + 1)).$CK</ds:KeyName>" \
	    "s-r/request-keyprov-$k.xml" ||
		kms_fail "request #$k not signed by the adopted tk.$((k + 1))"
done
# The oracle follows the same chain with xmlsec1 and OpenSSL: verify,
# decrypt, unwrap the NewTransportKey, next answer.
key=trk-c.bin name=$TC1
for f in init-1 keyprov-1 keyprov-2 keyprov-3; do
	verify "$name" "$key" "s-r/$f.xml" || kms_fail "xmlsec1: $f under $name"
	xmlsec1 --decrypt --aeskey:"$name" "$key" --output "dec-$f.xml" \
	    "s-r/$f.xml" >/dev/null 2>&1 || kms_fail "xmlsec1: decrypt $f"
	new=$(xmllint --xpath "string(//*[local-name()='CarriedKeyName'])" \
	    "dec-$f.xml")
	xmllint --xpath "string(//*[local-name()='NewTransportKey']//*[local-name()='CipherValue'])" \
	    "dec-$f.xml" | base64 -d | unwrap3394 "$key" > "$new.bin" ||
		kms_fail "$f: NewTransportKey not unwrapped"
	key=$new.bin name=$new
done
[ "$name" = "tk.5.$CK" ] || kms_fail "oracle chain ends at $name"
# A saved answer checked by a device that still holds tk.1: refused.
"$CLIENT" --trk trk-c.bin --trk-name "$TC1" verify s-r/keyprov-2.xml \
    > out 2> err && kms_fail "answer 2 accepted under tk.1"
grep -q "signed by 'tk.3.$CK', but this device's TrK is '$TC1'" err ||
    kms_fail "answer 2: $(cat err)"
# alice (TrK + InK): each answer also carries a NewIntegrityKey (wrapped
# under her TrK); kms-client adopts both and signs with the new InK.
kc --token "$TA" --trk trk-a.bin --ink ink-a.bin --sign --count 2 \
    --save s-ri keyprov > out-ri 2> err-ri || {
	cat out-ri err-ri >&2; kms_fail "alice: rotating InK and TrK"; }
for k in 1 2; do
	grep -q "<ds:KeyName>ik.$((k + 1)).$AK</ds:KeyName>" \
	    "s-ri/request-keyprov-$k.xml" ||
		kms_fail "alice's request #$k not signed by ik.$((k + 1))"
done
kms_admin keys "$A" | grep -q "^InK	ik.4.$AK	4$" ||
    kms_fail "store: ik.4 not alice's current InK"
echo "3: encrypted answers decrypted by kms-client, TrK rotated" \
    "tk.1 -> tk.5 and ik.1 -> ik.4, each request signed by the newest" \
    "key; xmlsec1 agrees"
echo "it_client_signed: ok"
cd / || true
