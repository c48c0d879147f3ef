#!/usr/bin/env bash
# The security extension end to end (TS 33.180 D.3.5, issue 6 item 4;
# docs/security-extension.md "In the handlers").  The test holds each
# user's TrK bytes like a device (kms-provision user-keys +
# bootstrap-export) and checks kmsd with third-party tools only:
#   phase 1: keyprov of a user with TrK + InK: signed by the InK
#     (xmlsec1 --verify), XSD-valid, RSK/SSK/PVT unwrapped by OpenSSL
#     (-id-aes256-wrap-pad) equal to the key set kms-client validates in
#     plaintext for a user without a TrK; init signed with a token,
#     unsigned without; certcache signed; a user without a TrK gets
#     plaintext.  SignedKmsRequest: signed by xmlsec1 with the InK (and
#     with the TrK of a user without InK): accepted; bad HMAC, unknown
#     key, a TrK when the user has an InK, wrong KmsUri, stale Time,
#     wrong ClientReqUrl, another user's UserUri: each refused with its
#     status, KmsError and audit record.
#   phase 2 ([security] encrypt = on, rotate_trk_after = 1,
#     require_trk = yes): three consecutive keyprovs of a TrK-only user,
#     each verified by xmlsec1 with that response's TrK, decrypted by
#     xmlsec1, keys unwrapped, the next TrK learnt by unwrapping
#     NewTransportKey with the old one; a user without a TrK gets 403.
set -u
. "$(dirname "$0")/kms_env.sh"
KMS_AUTH_EXTRA=$'\n[security]\nrequest_window = 30'
kms_up
trap 'kms_down' EXIT

NS=urn:3gpp:ns:mcsecKMSInterface:1.0
IDSIG="--id-attr:Id $NS:SignedKmsResponse"
IDREQ="--id-attr:Id $NS:SignedKmsRequest"
R=/keymanagement/identity/v1
A=sip:alice@example.org AK=alice@example.org
AP=sip:alice.pseudo@example.org
B=sip:bob@example.org
C=sip:carol@example.org CK=carol@example.org
G=sip:gms@example.org
W=$KMS_DIR/w
mkdir -p "$W"
cd "$W" || kms_fail "cd"

prov() {
	"$PROVISION" --module /usr/lib/softhsm/libsofthsm2.so \
	    --token "$KMS_TOKEN" --pin-file "$KMS_DIR/pin" "$@"
}
hexkey() { xxd -p -c 64 "$1"; }
# unwrap KEYFILE PAD(0|1) < wrapped > plain
unwrap() {
	if [ "$2" = 1 ]; then
		openssl enc -d -id-aes256-wrap-pad -K "$(hexkey "$1")" \
		    -iv A65959A6
	else
		openssl enc -d -id-aes256-wrap -K "$(hexkey "$1")" \
		    -iv A6A6A6A6A6A6A6A6
	fi
}
xp() { xmllint --xpath "$1" "$2" 2>/dev/null; }
ln_() { printf "*[local-name()='%s']" "$1"; }
restart() {
	kill -TERM "$KMS_PID" && wait "$KMS_PID" ||
	    kms_fail "kmsd did not stop cleanly"
	kms_start
}
# post PATH TOKEN OUT [BODYFILE]: prints the HTTP status.
post() {
	local body=()
	[ -n "${4:-}" ] && body=(-H 'Content-Type: application/xml'
	    --data-binary "@$4")
	curl -s -o "$3" -w '%{http_code}' -X POST \
	    ${2:+-H "Authorization: Bearer $2"} "${body[@]}" "$KMS_URL$1"
}
verify() {	# KEYNAME KEYFILE FILE
	xmlsec1 --verify --hmackey:"$1" "$2" $IDSIG "$3" >/dev/null 2>&1
}
xsd() {
	xmllint --noout --nonet --schema \
	    "$SRC/tests/schema/kms-interface.xsd" "$@" >/dev/null 2>&1
}

# Users: alice (TrK + InK, a pseudonym), carol (TrK only), bob (none),
# gms (no keys; the pseudonym is also bound to it, to get it plaintext).
kms_admin user add "$A" && kms_admin user add "$B" &&
    kms_admin user add "$C" && kms_admin user add "$G" &&
    kms_admin bind "$A" "$AP" pseudonym &&
    kms_admin bind "$G" "$AP" pseudonym || kms_fail "set-up"

# The devices' keys: made in the token, the TrK exported once.
prov user-keys "$AK" > uk-a || kms_fail "user-keys alice"
prov user-keys "$CK" > uk-c || kms_fail "user-keys carol"
prov bootstrap-export "$AK" > ex-a || kms_fail "bootstrap-export alice"
prov bootstrap-export "$CK" > ex-c || kms_fail "bootstrap-export carol"
prov bootstrap-export "$AK" >/dev/null 2>&1 &&
    kms_fail "a second export of a TrK"
TA1=$(awk '/^TrK/ {print $2}' uk-a) IA1=$(awk '/^InK/ {print $2}' uk-a)
TC1=$(awk '/^TrK/ {print $2}' uk-c)
[ "$TA1" = "tk.1.$AK" ] && [ "$IA1" = "ik.1.$AK" ] &&
    [ "$TC1" = "tk.1.$CK" ] || kms_fail "key names: $TA1 $IA1 $TC1"
awk '/^BootstrapTrK/ {print $3}' ex-a | xxd -r -p > trk-a.bin
awk '/^BootstrapTrK/ {print $3}' ex-c | xxd -r -p > trk-c1.bin
[ "$(wc -c < trk-a.bin)" = 32 ] || kms_fail "TrK bytes"
awk '/^InK/ {print $3}' uk-a | xxd -r -p | unwrap trk-a.bin 0 > ink-a.bin
[ "$(wc -c < ink-a.bin)" = 32 ] || kms_fail "InK not unwrapped"
kms_admin keys "$A" "$TA1" "$IA1" && kms_admin keys "$C" "$TC1" ||
    kms_fail "kms-admin keys"
kms_admin keys "$A" | grep -q "^InK	$IA1	1$" || kms_fail "keys listing"
kms_admin keys "$B" "ik.1.bob@example.org" 2>/dev/null &&
    kms_fail "an InK name accepted as a TrK"
# No restart: kmsd finds keys made after its start (look-up on a miss).

TA=$(kms_token "$A" --ttl 600) TB=$(kms_token "$B" --ttl 600)
TC=$(kms_token "$C" --ttl 600) TG=$(kms_token "$G" --ttl 600)

# --- phase 1 -------------------------------------------------------------
# alice's keyprov: signed by her InK, keys wrapped under her TrK.
[ "$(post "$R/keyprov" "$TA" kp-a.xml)" = 200 ] || kms_fail "keyprov alice"
grep -q '<SignedKmsResponse' kp-a.xml || kms_fail "keyprov not signed"
grep -q ':type="KeyContentType"' kp-a.xml && kms_fail "plaintext key for alice"
verify "$IA1" ink-a.bin kp-a.xml || kms_fail "xmlsec1: keyprov signature"
verify "$TA1" trk-a.bin kp-a.xml && kms_fail "verified with the TrK"
xsd kp-a.xml || kms_fail "signed keyprov not XSD-valid"
[ "$(xp "string(//$(ln_ Signature-ID))" kp-a.xml)" = "$IA1" ] ||
    kms_fail "Signature-ID"
[ "$(xp "string(//$(ln_ HMACOutputLength))" kp-a.xml)" = 128 ] ||
    kms_fail "HMACOutputLength"
# The pseudonym's set, unwrapped, is the set kms-client validates for gms.
"$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" --token "$TG" \
    keyprov "$AP" > kc-g || kms_fail "kms-client: plaintext keyprov"
want=$(sed -n "s/^keyprov: keyset $AP .* keys sha256:\([0-9a-f]*\).*/\1/p" kc-g)
[ -n "$want" ] || kms_fail "no digest from kms-client"
set_=$(printf "//%s[%s='%s']" "$(ln_ KmsKeySet)" "$(ln_ UserUri)" "$AP")
xp "string($set_/$(ln_ UserID))" kp-a.xml | xxd -r -p > ks.bin
for k in UserDecryptKey:257 UserSigningKeySSK:32 UserPubTokenPVT:65; do
	e=${k%:*} len=${k#*:}
	[ "$(xp "string($set_/$(ln_ "$e")//$(ln_ KeyName))" kp-a.xml)" = \
	    "$TA1" ] || kms_fail "$e: KeyName"
	[ "$(xp "string($set_/$(ln_ "$e")//$(ln_ EncryptionMethod)/@Algorithm)" \
	    kp-a.xml)" = "http://www.w3.org/2001/04/xmlenc#kw-aes256" ] ||
		kms_fail "$e: algorithm"
	xp "string($set_/$(ln_ "$e")//$(ln_ CipherValue))" kp-a.xml |
	    base64 -d | unwrap trk-a.bin 1 > "$e.bin" ||
		kms_fail "$e: OpenSSL cannot unwrap it"
	[ "$(wc -c < "$e.bin")" = "$len" ] || kms_fail "$e: length"
done
cat UserDecryptKey.bin UserSigningKeySSK.bin UserPubTokenPVT.bin >> ks.bin
got=$(openssl dgst -sha256 -r ks.bin | cut -c1-32)
rm -f ks.bin UserDecryptKey.bin UserSigningKeySSK.bin UserPubTokenPVT.bin
[ "$got" = "$want" ] ||
    kms_fail "unwrapped keys ($got) differ from kms-client's ($want)"
# kms-client with the device's TrK: unwraps and validates both of alice's
# sets (own UID, SSK/PVT, RSK with wolfSSL's pairing) and finds the
# pseudonym's set equal to the plaintext one.
"$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" --token "$TA" \
    --trk trk-a.bin --trk-name "$TA1" --ink ink-a.bin --ink-name "$IA1" \
    --expect-sets 2 keyprov > kc-a ||
	kms_fail "kms-client --trk: keyprov"
grep -q "keyset $AP .* keys sha256:$want" kc-a ||
    kms_fail "kms-client --trk: pseudonym's set differs"
grep -q "every response signed, HMAC-SHA256/128 by $IA1 verified by kms-client" \
    kc-a || kms_fail "kms-client did not verify the InK signature"
"$CLIENT" --url "$KMS_URL" --token "$TA" --trk trk-a.bin --trk-name \
    "$IA1" --ink ink-a.bin keyprov >/dev/null 2>&1 &&
	kms_fail "kms-client: wrong KeyName"
"$CLIENT" --url "$KMS_URL" --token "$TA" --trk ink-a.bin --ink ink-a.bin \
    keyprov >/dev/null 2>&1 && kms_fail "kms-client: unwrapped with a wrong key"
# init: signed for a user with keys, anonymous and unsigned without token.
[ "$(post "$R/init" "$TA" init-a.xml)" = 200 ] || kms_fail "init alice"
verify "$IA1" ink-a.bin init-a.xml || kms_fail "xmlsec1: init signature"
xsd init-a.xml || kms_fail "signed init not XSD-valid"
[ "$(post "$R/init" "" init-0.xml)" = 200 ] || kms_fail "init"
grep -q 'SignedKmsResponse' init-0.xml && kms_fail "anonymous init signed"
# certcache: signed too.
[ "$(post "$R/certcache" "$TA" cc-a.xml)" = 200 ] || kms_fail "certcache"
verify "$IA1" ink-a.bin cc-a.xml || kms_fail "xmlsec1: certcache"
# carol (TrK only): signed by the TrK.
[ "$(post "$R/keyprov" "$TC" kp-c.xml)" = 200 ] || kms_fail "keyprov carol"
verify "$TC1" trk-c1.bin kp-c.xml || kms_fail "xmlsec1: TrK signature"
# bob (no TrK): plaintext, as before the extension.
"$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" --token "$TB" \
    keyprov >/dev/null || kms_fail "bob: plaintext keyprov"

# SignedKmsRequest: tmpl OUT USER KEYNAME [KMSURI] [TIME] [URL]
tmpl() {
	local t
	t=$(date -u -d "@${5:-$(date +%s)}" +%Y-%m-%dT%H:%M:%SZ)
	cat > "$1" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<SignedKmsRequest xmlns="$NS" Id="xmldoc">
  <KmsRequest Version="1.1.0">
    <UserUri>$2</UserUri>
    <KmsUri>${4:-$KMS_URI}</KmsUri>
    <Time>$t</Time>
    <ClientReqUrl>${6:-$KMS_URL$R/keyprov}</ClientReqUrl>
    <Signature-ID>$3</Signature-ID>
  </KmsRequest>
  <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
    <ds:SignedInfo>
      <ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>
      <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"><ds:HMACOutputLength>128</ds:HMACOutputLength></ds:SignatureMethod>
      <ds:Reference URI="#xmldoc">
        <ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></ds:Transforms>
        <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
        <ds:DigestValue/>
      </ds:Reference>
    </ds:SignedInfo>
    <ds:SignatureValue/>
    <ds:KeyInfo><ds:KeyName>$3</ds:KeyName></ds:KeyInfo>
  </ds:Signature>
</SignedKmsRequest>
XML
}
sign() {	# OUT KEYNAME KEYFILE (template in OUT.t)
	xmlsec1 --sign --hmackey:"$2" "$3" $IDREQ --output "$1" "$1.t" \
	    >/dev/null 2>&1 || kms_fail "xmlsec1 --sign $1"
}
tmpl rq-a.t "$A" "$IA1" && sign rq-a "$IA1" ink-a.bin
[ "$(post "$R/keyprov" "$TA" kp-ar.xml rq-a)" = 200 ] ||
    kms_fail "signed request (InK) refused: $(cat kp-ar.xml)"
verify "$IA1" ink-a.bin kp-ar.xml || kms_fail "xmlsec1: answer to signed"
tmpl rq-c.t "$C" "$TC1" && sign rq-c "$TC1" trk-c1.bin
[ "$(post "$R/keyprov" "$TC" kp-cr.xml rq-c)" = 200 ] ||
    kms_fail "signed request (TrK) refused: $(cat kp-cr.xml)"

n=0
# refuse STATUS REASON TOKEN BODY
refuse() {
	local out
	n=$((n + 1))
	rm -rf "$W/r"
	"$CLIENT" --url "$KMS_URL" --save "$W/r" --expect-status "$1" \
	    --expect-kms-error --token "$3" --body "$4" raw POST "$R/keyprov" \
	    >/dev/null 2>"$W/err" || {
		cat "$W/err" >&2; kms_fail "#$n: not $1"; }
	grep -q "<ErrorMsg>$2</ErrorMsg>" "$W/r/raw-1.xml" ||
	    kms_fail "#$n: ErrorMsg is not '$2': $(grep -o '<ErrorMsg>.*</ErrorMsg>' "$W/r/raw-1.xml")"
	grep -q 'UserDecryptKey' "$W/r/raw-1.xml" &&
	    kms_fail "#$n: key material in a refusal"
	out=$(kms_admin audit | tail -1)
	case "$out" in
	*$'\trefused\t'*"reason=$2") ;;
	*) kms_fail "#$n: last audit record is not the refusal: $out" ;;
	esac
}
head -c 32 /dev/urandom > bad.bin
tmpl bad-hmac.t "$A" "$IA1" && sign bad-hmac "$IA1" bad.bin
refuse 401 "SignedKmsRequest: signature verification failed" "$TA" bad-hmac
tmpl unknown.t "$A" "ik.9.$AK" && sign unknown "ik.9.$AK" ink-a.bin
refuse 401 "SignedKmsRequest: unknown signing key" "$TA" unknown
tmpl trk-not-ink.t "$A" "$TA1" && sign trk-not-ink "$TA1" trk-a.bin
refuse 401 "SignedKmsRequest: unknown signing key" "$TA" trk-not-ink
tmpl other-key.t "$A" "$TC1" && sign other-key "$TC1" trk-c1.bin
refuse 401 "SignedKmsRequest: unknown signing key" "$TA" other-key
tmpl kms-uri.t "$A" "$IA1" kms.other.example && sign kms-uri "$IA1" ink-a.bin
refuse 403 "SignedKmsRequest: KmsUri is not this KMS" "$TA" kms-uri
tmpl stale.t "$A" "$IA1" "" $(( $(date +%s) - 60 )) &&
    sign stale "$IA1" ink-a.bin
refuse 403 "SignedKmsRequest: request Time outside the window" "$TA" stale
tmpl url.t "$A" "$IA1" "" "" "$KMS_URL$R/certcache" && sign url "$IA1" ink-a.bin
refuse 403 "SignedKmsRequest: ClientReqUrl does not match the request URL" \
    "$TA" url
refuse 403 "SignedKmsRequest: UserUri is not the access token's identity" \
    "$TC" rq-a
echo "phase 1: signed keyprov/init/certcache verified by xmlsec1, keys" \
    "unwrapped by OpenSSL = kms-client's, signed requests, $n refusals"

# --- phase 2: encryption and TrK rotation --------------------------------
cat >> "$KMS_DIR/kmsd.conf" <<CONF
encrypt = on
rotate_trk_after = 1
require_trk = yes
CONF
restart
key=trk-c1.bin name=$TC1
for i in 1 2 3; do
	[ "$(post "$R/keyprov" "$TC" rot$i.xml)" = 200 ] ||
	    kms_fail "rotation #$i: keyprov"
	verify "$name" "$key" rot$i.xml ||
	    kms_fail "rotation #$i: xmlsec1 --verify with $name"
	[ $i -gt 1 ] && verify "$TC1" trk-c1.bin rot$i.xml &&
	    kms_fail "rotation #$i: verified with the first TrK"
	xsd rot$i.xml || kms_fail "rotation #$i: not XSD-valid"
	[ "$(xp "string(//$(ln_ TrK-ID))" rot$i.xml)" = "$name" ] ||
	    kms_fail "rotation #$i: TrK-ID"
	grep -q 'UserDecryptKey' rot$i.xml && kms_fail "#$i: not encrypted"
	xmlsec1 --decrypt --aeskey:"$name" "$key" --output dec$i.xml \
	    rot$i.xml >/dev/null 2>&1 || kms_fail "rotation #$i: decrypt"
	xp "string(//$(ln_ UserSigningKeySSK)//$(ln_ CipherValue))" \
	    dec$i.xml | base64 -d | unwrap "$key" 1 > ssk.bin ||
		kms_fail "rotation #$i: SSK not unwrapped with $name"
	[ "$(wc -c < ssk.bin)" = 32 ] || kms_fail "rotation #$i: SSK"
	nt="//$(ln_ NewTransportKey)"
	new=$(xp "string($nt//$(ln_ CarriedKeyName))" dec$i.xml)
	[ "$new" = "tk.$((i + 1)).$CK" ] ||
	    kms_fail "rotation #$i: CarriedKeyName '$new'"
	[ "$(xp "string($nt//$(ln_ KeyName))" dec$i.xml)" = "$name" ] ||
	    kms_fail "rotation #$i: NewTransportKey not under $name"
	xp "string($nt//$(ln_ CipherValue))" dec$i.xml | base64 -d |
	    unwrap "$key" 0 > trk-c$((i + 1)).bin ||
		kms_fail "rotation #$i: NewTransportKey not unwrapped"
	[ "$(wc -c < trk-c$((i + 1)).bin)" = 32 ] ||
	    kms_fail "rotation #$i: new TrK length"
	key=trk-c$((i + 1)).bin name=$new
done
kms_admin keys "$C" | grep -q "^TrK	tk.4.$CK	4$" ||
    kms_fail "store: tk.4 not current"
# A request signed with a rotated-out TrK still verifies (older
# generations stay known), and the answer uses the current one.
tmpl rq-c2.t "$C" "tk.2.$CK" && sign rq-c2 "tk.2.$CK" trk-c2.bin
[ "$(post "$R/keyprov" "$TC" rot4.xml rq-c2)" = 200 ] ||
    kms_fail "request signed by an older TrK: $(cat rot4.xml)"
verify "tk.4.$CK" trk-c4.bin rot4.xml || kms_fail "answer not by tk.4"
# require_trk: a user without a TrK is refused.
: > empty
refuse 403 "no transport key for this user" "$TB" empty
echo "phase 2: encrypted, signed, TrK rotated tk.1 -> tk.4 over three" \
    "requests, each verified and decrypted by xmlsec1; require_trk"
cd / || true
