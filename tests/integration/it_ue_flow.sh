#!/usr/bin/env bash
# The complete UE flow (issue 6 item 7; docs/kms-client.md "ue-flow"):
# a GMS bound to a group and two users, each with its own IdMS token.
# kms-client ue-flow runs init -> keyprov x3 -> certcache, then the GMS
# distributes a GMK to both users and user A sends a PCK to user B, each
# I_MESSAGE (firmware/crypto) verified and opened by its receiver, the
# keys checked by OpenSSL and wolfSSL.
#   phase 1: plaintext key sets; --save keeps every response and the
#     three I_MESSAGEs; every saved response is XSD-valid (xmllint); no
#     TrK is written.  A GMS not bound to the group named is refused.
#   phase 2: the same three identities with a TrK each (kms-provision
#     user-keys + bootstrap-export + kms-admin keys, alice with an InK
#     too): the key sets arrive wrapped and signed, ue-flow unwraps them
#     with --trk-*; with --demo-save-trk the TrKs are saved, equal the
#     exported ones, and OpenSSL unwraps a saved key with them; without
#     the TrKs the flow fails.  The unwrapped key sets are the plaintext
#     ones of phase 1 (same identity and period).
#   both phases: when tshark is installed, its MIKEY dissector reads the
#     saved I_MESSAGEs (tshark_check below).
set -u
. "$(dirname "$0")/kms_env.sh"
kms_up
trap 'kms_down' EXIT

G=sip:gms@example.org GK=gms@example.org
A=sip:alice@example.org AK=alice@example.org
B=sip:bob@example.org BK=bob@example.org
GRP=sip:group1@example.org
GRP2=sip:group2@example.org
W=$KMS_DIR/w
mkdir -p "$W"
cd "$W" || kms_fail "cd"
NS=urn:3gpp:ns:mcsecKMSInterface:1.0

prov() {
	"$PROVISION" --module /usr/lib/softhsm/libsofthsm2.so \
	    --token "$KMS_TOKEN" --pin-file "$KMS_DIR/pin" "$@"
}
xsd() {
	xmllint --noout --nonet --schema \
	    "$SRC/tests/schema/kms-interface.xsd" "$@" >/dev/null 2>&1
}
uf() {
	"$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" \
	    --token-gms "$TG" --token-a "$TA" --token-b "$TB" "$@" ue-flow
}
# Every saved I_MESSAGE through Wireshark's MIKEY dissector (an
# independent parser), one UDP datagram to port 2269 each (text2pcap):
# HDR type 26 (SAKKE) with the CSB ID ue-flow printed.  The PCK message
# is read to the end: IDR roles UIDi, UIDr, KMSi, KMSr, SAKKE params 1,
# ID scheme 2 (UID), 273 octets, SIGN ECCSI 129 octets.  tshark 4.0 does
# not know the GENERIC-ID CS map of RFC 6043 (the GMK messages) and stops
# after the HDR, so only HDR, #CS 1 and map type 2 are checked there.
# tsf FILE FIELD...: the fields tshark prints, space-separated.
tsf() {
	local f=$1; shift
	od -Ax -tx1 -v "$f" > "$f.hex"
	text2pcap -q -u 2269,2269 "$f.hex" "$f.pcap" >/dev/null 2>&1 ||
	    kms_fail "text2pcap $f"
	tshark -r "$f.pcap" -d udp.port==2269,mikey -T fields -E separator=' ' \
	    $(printf -- '-e mikey.%s ' "$@") 2>/dev/null
}
tshark_check() {	# DIR OUTFILE
	command -v tshark >/dev/null && command -v text2pcap >/dev/null ||
	    { echo "it_ue_flow: tshark not installed, dissector check skipped"
	      return 0; }
	local r csb got
	for r in a b; do
		csb=$(sed -n "s/^ue-flow: gms -> $r: .*CSB ID = GUK-ID \(0x[0-9a-f]*\),.*/\1/p" "$2")
		got=$(tsf "$1/imsg-gmk-$r.bin" type csb_id cs_count cs_id_map_type)
		[ "$got" = "26 $csb 1 2" ] ||
		    kms_fail "tshark: GMK message to $r: '$got', want '26 $csb 1 2'"
	done
	csb=$(sed -n 's/^ue-flow: a -> b: .*CSB ID = PCK-ID \(0x[0-9a-f]*\),.*/\1/p' "$2")
	got=$(tsf "$1/imsg-pck-a-b.bin" type csb_id cs_count id.role \
	    sakke.params sakke.idscheme sakke.len sign.type sign.len)
	[ "$got" = "26 $csb 0 8,9,6,7 1 2 273 2 129" ] ||
	    kms_fail "tshark: PCK message: '$got'"
	echo "it_ue_flow: tshark's MIKEY dissector reads the saved I_MESSAGEs ($1)"
}

kms_admin user add "$G" GMS && kms_admin bind "$G" "$GRP" group &&
    kms_admin user add "$A" Alice && kms_admin user add "$B" Bob ||
    kms_fail "set-up"
TG=$(kms_token "$G" --ttl 600) TA=$(kms_token "$A" --ttl 600)
TB=$(kms_token "$B" --ttl 600)

# --- phase 1: plaintext ----------------------------------------------------
uf --group "$GRP" --save "$W/p1" > out1 2> err1 || {
	cat out1 err1 >&2; kms_fail "ue-flow (plaintext)"; }
cat out1
grep -q '^ue-flow: all 12 steps verified (independent checks by OpenSSL and wolfSSL)$' out1 ||
    kms_fail "not all steps verified"
for r in gms a b; do
	grep -q "^ue-flow: keyprov $r .*(plaintext).*wolfSSL pairing, SAKKE round trip" out1 ||
	    kms_fail "keyprov $r line"
done
grep -q "^ue-flow: keyprov gms $G: 2 key sets .*the group's among them" out1 ||
    kms_fail "GMS without its group's key set"
for r in a b; do
	grep -q "^ue-flow: $r <- gms: signature by UID($G) under KPAK verified (firmware/crypto, wolfSSL), GMK recovered with $r's RSK (firmware/crypto, wolfSSL), GMK-ID 0x0" out1 ||
	    kms_fail "$r did not recover the GMK"
done
grep -q "^ue-flow: b <- a: signature by UID($A) verified (firmware/crypto, wolfSSL), PCK recovered with b's RSK (firmware/crypto, wolfSSL), PCK-ID 0x1" out1 ||
    kms_fail "b did not recover the PCK"
for f in init-1 keyprov-gms-1 keyprov-a-1 keyprov-b-1 certcache-1; do
	[ -s "p1/$f.xml" ] || kms_fail "--save: no $f.xml"
	xsd "p1/$f.xml" || kms_fail "saved $f.xml not XSD-valid"
done
for f in imsg-gmk-a imsg-gmk-b imsg-pck-a-b; do
	[ -s "p1/$f.bin" ] || kms_fail "--save: no $f.bin"
done
grep -q "^Role gms $G UID [0-9a-f]\{64\} plaintext$" p1/ue-flow.txt &&
    grep -q "^IMessage imsg-pck-a-b.bin a b PCK-ID 1" p1/ue-flow.txt ||
    kms_fail "--save: ue-flow.txt"
ls p1/trk-* >/dev/null 2>&1 && kms_fail "a TrK saved without --demo-save-trk"
grep -q ':type="KeyContentType"' p1/keyprov-a-1.xml ||
    kms_fail "phase 1 keys not plaintext"
tshark_check p1 out1

# A group the GMS is not bound to: no key set for it, the flow fails.
uf --group "$GRP2" > out2 2> err2 && kms_fail "ue-flow with an unbound group"
grep -q "no key set of the group $GRP2" err2 || {
	cat err2 >&2; kms_fail "unbound group: wrong reason"; }
# Tokens without the sub the URIs come from: --uri-* required.
"$CLIENT" --url "$KMS_URL" --token-gms x --token-a y --token-b z \
    --group "$GRP" ue-flow >/dev/null 2>&1
[ $? = 2 ] || kms_fail "tokens without sub: not a usage error"
"$CLIENT" --url "$KMS_URL" --demo-save-trk init >/dev/null 2>&1
[ $? = 2 ] || kms_fail "--demo-save-trk without --save accepted"

# --- phase 2: TrK (and an InK for alice) -----------------------------------
prov user-keys "$GK" > uk-g && prov user-keys "$AK" > uk-a &&
    prov user-keys "$BK" > uk-b || kms_fail "user-keys"
for k in g a b; do
	n=$(eval echo "\$${k^^}K")
	prov bootstrap-export "$n" > "ex-$k" || kms_fail "bootstrap-export $k"
	awk '/^BootstrapTrK/ {print $3}' "ex-$k" | xxd -r -p > "trk-$k.bin"
	[ "$(wc -c < "trk-$k.bin")" = 32 ] || kms_fail "TrK bytes of $k"
done
kms_admin keys "$G" "$(awk '/^TrK/ {print $2}' uk-g)" &&
    kms_admin keys "$A" "$(awk '/^TrK/ {print $2}' uk-a)" \
	"$(awk '/^InK/ {print $2}' uk-a)" &&
    kms_admin keys "$B" "$(awk '/^TrK/ {print $2}' uk-b)" ||
    kms_fail "kms-admin keys"
kill -TERM "$KMS_PID" && wait "$KMS_PID" || kms_fail "kmsd did not stop"
kms_start		# kmsd finds keys made after its start at boot

# alice's device also holds her InK (delivered wrapped under the TrK).
awk '/^InK/ {print $3}' uk-a | xxd -r -p | openssl enc -d -id-aes256-wrap \
    -K "$(xxd -p -c 64 trk-a.bin)" -iv A6A6A6A6A6A6A6A6 > ink-a.bin
[ "$(wc -c < ink-a.bin)" = 32 ] || kms_fail "alice's InK"
uf --group "$GRP" --trk-gms trk-g.bin --trk-a trk-a.bin --trk-b trk-b.bin \
    --ink-a ink-a.bin --sign --save "$W/p2" --demo-save-trk > out3 2> err3 || {
	cat out3 err3 >&2; kms_fail "ue-flow (TrK)"; }
cat out3
grep -q '^ue-flow: all 12 steps verified (independent checks by OpenSSL and wolfSSL)$' out3 ||
    kms_fail "TrK: not all steps verified"
for r in gms a b; do
	grep -q "^ue-flow: keyprov $r .*(unwrapped with the TrK)" out3 ||
	    kms_fail "TrK: keyprov $r not unwrapped"
	# kms-client signed its request and verified the answer itself.
	k=$([ $r = a ] && echo ik || echo tk)
	grep -q "^ue-flow: keyprov $r .*; init signed by $k\.1\..*; signed request accepted; response signature by $k\.1\..* verified;" out3 ||
	    kms_fail "keyprov $r: signed request / verified answer not reported"
	grep -q "DEMO MODE: writing the TrK to $W/p2/trk-$r.bin" err3 ||
	    kms_fail "no DEMO MODE notice for $r"
done
for k in g:gms a:a b:b; do
	cmp -s "trk-${k%%:*}.bin" "p2/trk-${k#*:}.bin" ||
	    kms_fail "saved TrK of ${k#*:} differs from the exported one"
done
for f in init-1 keyprov-gms-1 keyprov-a-1 keyprov-b-1 certcache-1; do
	xsd "p2/$f.xml" || kms_fail "saved $f.xml (TrK) not XSD-valid"
done
for r in gms a b; do
	grep -q '<SignedKmsResponse' "p2/keyprov-$r-1.xml" ||
	    kms_fail "keyprov of $r not signed"
	grep -q ':type="KeyContentType"' "p2/keyprov-$r-1.xml" &&
	    kms_fail "plaintext key for $r with a TrK"
done
# A third party with the saved TrK: OpenSSL unwraps bob's RSK (RFC 5649).
xmllint --xpath "string(//*[local-name()='UserDecryptKey']//*[local-name()='CipherValue'])" \
    p2/keyprov-b-1.xml | base64 -d | openssl enc -d -id-aes256-wrap-pad \
    -K "$(xxd -p -c 64 p2/trk-b.bin)" -iv A65959A6 > rsk-b.bin ||
    kms_fail "OpenSSL cannot unwrap bob's RSK with the saved TrK"
[ "$(wc -c < rsk-b.bin)" = 257 ] && [ "$(head -c1 rsk-b.bin | xxd -p)" = 04 ] ||
    kms_fail "bob's unwrapped RSK is not a point"
tshark_check p2 out3
# The same identities and period: the unwrapped keys are the plaintext ones.
for r in gms a b; do
	d1=$(sed -n "s/^ue-flow: keyprov $r .* keys sha256:\([0-9a-f]*\)$/\1/p" out1)
	d3=$(sed -n "s/^ue-flow: keyprov $r .* keys sha256:\([0-9a-f]*\)$/\1/p" out3)
	[ -n "$d1" ] && [ "$d1" = "$d3" ] ||
	    kms_fail "$r: unwrapped key set ($d3) differs from plaintext ($d1)"
done

# Without the TrKs the wrapped key sets cannot be used: the flow fails.
uf --group "$GRP" > out4 2> err4 && kms_fail "ue-flow without the TrKs"
grep -q "FAILED after 1 verified steps" out4 || {
	cat out4 err4 >&2; kms_fail "no TrK: wrong failure"; }
echo "it_ue_flow: ok"
