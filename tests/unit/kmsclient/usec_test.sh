#!/usr/bin/env bash
# kms-client's own verification of SignedKmsResponses (tools/kms-client/
# usec.c) against documents signed by xmlsec1, without kmsd: the good
# form verifies (and only under the right key and name); forms xmlsec1
# accepts but a device must not - a 96-bit HMAC, an exclusive-C14N
# transform, a second element carrying the signed Id, KeyName and
# Signature-ID that differ, an unsigned answer to a device with a key,
# extra content after the signature - are each refused with their reason.
# Usage: usec_test.sh KMS-CLIENT SRCDIR
set -u
CLIENT=$1 SRC=$2
NS=urn:3gpp:ns:mcsecKMSInterface:1.0
W=$(mktemp -d "${TMPDIR:-/tmp}/kc-usec-XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v xmlsec1 >/dev/null || { echo "no xmlsec1: skipped"; exit 77; }

head -c 32 /dev/urandom > ink.bin
head -c 32 /dev/urandom > other.bin
K=ik.1.user@example.org

# tmpl OUT [bits] [transform2] [keyname] [sigid] [extra-in-response] [after]
tmpl() {
	python3 - "$SRC/tests/schema/examples/init-response.xml" "$@" <<'PY'
import re, sys
src, out = sys.argv[1], sys.argv[2]
bits, tr2, kn, sid, extra, after = (sys.argv[3:] + [''] * 6)[:6]
d = open(src).read()
d = re.sub(r'<\?xml[^>]*\?>', '', d)
d = re.sub(r'<!--.*?-->', '', d, flags=re.S).strip()
d = d.replace(' xmlns="urn:3gpp:ns:mcsecKMSInterface:1.0"', '', 1)
d = d.replace('</KmsMessage>', '</KmsMessage><Signature-ID>%s</Signature-ID>' %
    (sid or 'ik.1.user@example.org'), 1)
if extra == 'dupid':	# the signed Id on a second element
    d = d.replace('<KmsResponse ', '<KmsResponse Id="xmldoc" ', 1)
hm = '<ds:HMACOutputLength>%s</ds:HMACOutputLength>' % bits if bits else ''
t2 = ('<ds:Transform Algorithm="%s"/>' % tr2) if tr2 else ''
doc = '''<?xml version="1.0" encoding="UTF-8"?>
<SignedKmsResponse xmlns="urn:3gpp:ns:mcsecKMSInterface:1.0" Id="xmldoc">%s<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#hmac-sha256">%s</ds:SignatureMethod><ds:Reference URI="#xmldoc"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>%s</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:KeyName>%s</ds:KeyName></ds:KeyInfo></ds:Signature>%s</SignedKmsResponse>
''' % (d, hm, t2, kn or 'ik.1.user@example.org', after)
open(out, 'w').write(doc)
PY
}
sign() {	# OUT KEYFILE (template OUT.t)
	xmlsec1 --sign --hmackey:"$K" "$2" \
	    --id-attr:Id "$NS:SignedKmsResponse" --output "$1" "$1.t" \
	    >/dev/null 2>&1 || fail "xmlsec1 --sign $1"
	xmlsec1 --verify --hmackey:"$K" "$2" \
	    --id-attr:Id "$NS:SignedKmsResponse" "$1" >/dev/null 2>&1 ||
		fail "xmlsec1 does not verify its own $1"
}
ok() {		# FILE [kms-client options]
	local f=$1; shift
	"$CLIENT" --xsd "$SRC/tests/schema/kms-interface.xsd" "$@" verify "$f" \
	    > out 2> err || fail "$f refused: $(cat err)"
}
no() {		# REASON FILE [kms-client options]
	local r=$1 f=$2; shift 2
	"$CLIENT" --xsd "$SRC/tests/schema/kms-interface.xsd" "$@" verify "$f" \
	    > out 2> err && fail "$f accepted ($r)"
	grep -qF "$r" err || fail "$f: want '$r', got: $(cat err)"
}

n=0
tmpl good.t 128 && sign good ink.bin
ok good --ink ink.bin
grep -q "signature by $K verified (HMAC-SHA256), XSD valid" out ||
    fail "good: $(cat out)"
ok good --ink ink.bin --ink-name "$K"
tmpl c14n.t 256 "http://www.w3.org/TR/2001/REC-xml-c14n-20010315" &&
    sign c14n ink.bin
ok c14n --ink ink.bin
no "HMAC-SHA256 does not verify under the InK" good --ink other.bin
no "but this device's InK is 'ik.2.user@example.org'" good --ink ink.bin \
    --ink-name ik.2.user@example.org
# xmlsec1 accepts all of these; a device must not.
tmpl short.t 96 && sign short ink.bin
no "HMACOutputLength '96'" short --ink ink.bin; n=$((n + 1))
tmpl exc.t 128 "http://www.w3.org/2001/10/xml-exc-c14n#" && sign exc ink.bin
no "Transforms: want enveloped-signature" exc --ink ink.bin; n=$((n + 1))
tmpl dup.t 128 "" "" "" dupid && sign dup ink.bin
no "Id 'xmldoc' is not unique" dup --ink ink.bin; n=$((n + 1))
tmpl sid.t 128 "" "" "ik.9.user@example.org" && sign sid ink.bin
no "KeyName 'ik.1.user@example.org' and Signature-ID 'ik.9.user@example.org'" \
    sid --ink ink.bin; n=$((n + 1))
tmpl after.t 128 "" "" "" "" "<KmsResponse/>" && sign after ink.bin
no "SignedKmsResponse is not KmsResponse followed by ds:Signature" after \
    --ink ink.bin; n=$((n + 1))
# Unsigned, to a device with a key; signed, to a device without one.
no "response not signed" "$SRC/tests/schema/examples/init-response.xml" \
    --trk ink.bin; n=$((n + 1))
no "holds no TrK or InK" good; n=$((n + 1))
# One changed octet after signing: a digest mismatch.
sed 's/KMSProvider12345/KMSProvider12346/' good > changed
no "digest mismatch" changed --ink ink.bin; n=$((n + 1))
echo "usec: good forms verified, $n refusals"
