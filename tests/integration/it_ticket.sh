#!/usr/bin/env bash
# MIKEY-TICKET over lwIP with SoftHSMv2 (docs/ticket.md): the ticket key
# and two users' PSKs provisioned with kms-provision, then ims-client runs
# request, transfer and resolve (both users' keys equal), and every refusal
# gets its exact HTTP status or MIKEY error, and an audit record.
set -u
. "$(dirname "$0")/kms_env.sh"
IMS=$BUILD/tools/ims-client/ims-client
A=sip:alice@example.org
B=sip:bob@example.org
MT=/keymanagement

kms_up
trap 'kms_down' EXIT

# The keys live in the token; kmsd reads its key table at boot.
kill -TERM "$KMS_PID" && wait "$KMS_PID" || kms_fail "kmsd stop"
prov() {
	"$PROVISION" --module /usr/lib/softhsm/libsofthsm2.so \
	    --token "$KMS_TOKEN" --pin-file "$KMS_DIR/pin" "$@"
}
for u in alice bob; do
	out=$(prov mikey-psk "sip:$u@example.org") || kms_fail "mikey-psk $u"
	set -- $out
	[ "$1" = MikeyPsk ] && [ ${#3} -eq 64 ] || kms_fail "mikey-psk: $out"
	case "$2" in *==@bsf.example.org) ;; *) kms_fail "B-TID $2";; esac
	printf '%s\n' "$3" > "$KMS_DIR/$u.psk"
	chmod 600 "$KMS_DIR/$u.psk"
	eval "${u}_btid=\$2"
done
prov list | grep -qxF "Object psk.1.${alice_btid}|$A mikey-psk" ||
    kms_fail "the PSK is not in the token (or still exportable)"
kms_start

ims() {
	"$IMS" --url "$KMS_URL" --kms-id "$KMS_URI" \
	    --alice "$A,$alice_btid,$KMS_DIR/alice.psk" \
	    --bob "$B,$bob_btid,$KMS_DIR/bob.psk" "$@"
}
last_audit() { kms_admin audit | tail -1; }
# expect CASE WANT REASON: ims-client's last line and the audit record
expect() {
	local out
	out=$(ims "$1" 2>&1 | tail -1)
	[ "$out" = "$2" ] || kms_fail "$1: got '$out', want '$2'"
	last_audit | grep -q "refused.*reason=MIKEY-TICKET: $3" ||
	    kms_fail "$1: no audit record '$3': $(last_audit)"
	echo "ok $1: $2"
}

# 0. No ticket key yet: the KMS is unavailable, 503 with Retry-After.
expect flow "status 503 mikey-error none retry-after 5" \
    "no ticket key provisioned"
kill -TERM "$KMS_PID" && wait "$KMS_PID" || kms_fail "kmsd stop"
prov ticket-key | grep -qx 'TicketKey tpk.1.ticket' || kms_fail "ticket-key"
kms_start

# 1. Request, transfer, resolve: both users' keys equal.
out=$(ims flow) || { echo "$out" >&2; kms_fail "flow"; }
echo "$out"
for want in "ok REQUEST_RESP MAC verified with alice's PSK" \
    "ok ticket type 2/0/0 flags 0xc83" \
    "ok RESOLVE_RESP MAC verified with bob's PSK" \
    "ok TRANSFER_INIT MAC verified with the MPKi bob resolved" \
    "ok alice and bob hold the same MPKi and TGK" \
    "ok alice and bob derive the same TEK (CS 1)"; do
	grep -qxF "$want" <<<"$out" || kms_fail "flow: missing '$want'"
done
kms_admin audit | grep -q "issued.*identity=$A.*ticket issued" ||
    kms_fail "no audit of the issued ticket"
kms_admin audit | grep -q "issued.*identity=$B.*ticket resolved" ||
    kms_fail "no audit of the resolve"

# 2. MIKEY-level refusals: a MIKEY Error message inside 200.
expect unknown-key "status 200 mikey-error 0" "unknown user key"
expect bad-mac "status 200 mikey-error 0" "bad MAC"
expect replay "status 200 mikey-error 1" "replayed message"
expect stale "status 200 mikey-error 1" "stale timestamp"
expect expired "status 200 mikey-error 14 authenticated" "expired ticket"
expect not-responder "status 200 mikey-error 7 authenticated" \
    "responder not named in the ticket"
expect bad-ticket "status 200 mikey-error 14 authenticated" "invalid ticket"

# 3. Failures of the HTTP procedure: the seed table's statuses.
# http METHOD QUERY CONTENT-TYPE BODY-FILE WANT [REASON]
http() {
	local code
	code=$(curl -s -o "$KMS_DIR/body" -w '%{http_code}' -X "$1" \
	    -H "Content-Type: $3" --data-binary "@$4" "$KMS_URL$MT$2")
	[ "$code" = "$5" ] || kms_fail "$1 $MT$2 ($3): $code, want $5"
	if [ -n "${6:-}" ]; then
		last_audit | grep -q "refused.*reason=MIKEY-TICKET: $6" ||
		    kms_fail "$1 $2: no audit '$6': $(last_audit)"
	fi
	echo "ok $1 $MT$2 ($3): $5"
}
# The REQUEST_INIT_PSK of spec/mikey-ticket.md 12.2 (169 bytes): cut
# inside RANDR (truncated) and with one byte after its last payload.
printf '%s' 'AQsFgREiM0QAAQ8A6Tx/AAAAAAAOARCgoaKjpKWmp6ipqqusra6vDgEBABpzaXA6YWxpY2VAb3BlcmF0b3IuZXhhbXBsZRADAQAUa21zLm9wZXJhdG9yLmV4YW1wbGUJAAIAAAPwYAAeDgACAQAYc2lwOmJvYkBvcGVyYXRvci5leGFtcGxlAAJZur+Jj6kqWzIO4MkywuQsHUw/s/tQcBhO2IDV8Ak2yw==' |
    base64 -d > "$KMS_DIR/v.bin" || kms_fail "vector"
[ "$(stat -c %s "$KMS_DIR/v.bin")" = 169 ] || kms_fail "vector length"
short=$KMS_DIR/short.b64
head -c 39 "$KMS_DIR/v.bin" | base64 -w0 > "$short"
{ cat "$KMS_DIR/v.bin"; printf '\0'; } | base64 -w0 > "$KMS_DIR/long.b64"
printf '!!!not base64!!!' > "$KMS_DIR/bad.b64"
head -c 30000 /dev/zero | tr '\0' 'A' > "$KMS_DIR/big.b64"

c=$(curl -s -o /dev/null -w '%{http_code}' "$KMS_URL$MT?requesttype=ticketrequest")
[ "$c" = 405 ] || kms_fail "GET: $c, want 405"
echo "ok GET $MT: 405"
http POST "?requesttype=ticketfoo" application/mikey "$short" 404 \
    "unknown requesttype"
http POST "" application/mikey "$short" 404 "no requesttype"
http POST "?requesttype=ticketrequest" text/plain "$short" 400 \
    "content type is not application/mikey"
http POST "?requesttype=ticketrequest" application/mikey "$KMS_DIR/bad.b64" \
    400 "body is not base64"
http POST "?requesttype=ticketrequest" application/mikey "$KMS_DIR/big.b64" \
    413 "body too large"
http POST "?requesttype=ticketrequest" application/mikey "$short" 400 \
    "malformed MIKEY message"
http POST "?requesttype=ticketrequest" application/mikey "$KMS_DIR/long.b64" \
    400 "malformed MIKEY message"
# Extra query parameters and media type parameters are tolerated (A.2).
http POST "?x=1&requesttype=ticketresolve&y=2" "application/mikey; a=b" \
    "$short" 400 "malformed MIKEY message"
echo "PASS it_ticket"
