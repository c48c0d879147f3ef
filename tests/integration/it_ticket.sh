#!/usr/bin/env bash
# MIKEY-TICKET over lwIP with SoftHSMv2 (docs/ticket.md): the ticket key
# and two users' PSKs provisioned with kms-provision, then ims-client runs
# request, transfer and resolve (both users' keys equal), key forking to
# two devices of bob, tshark decodes what the KMS emits with the expected
# values, every refusal (PK variant and mode 3 included) gets its exact
# HTTP status or MIKEY error and an audit record, and the [ticket] skew,
# lifetime and replay cache size take effect.
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

# 1b. Forking (RFC 6043 5.1.1): a second device of bob (same identity,
# its own B-TID and PSK, made while kmsd runs); both devices resolve one
# forking ticket, each gets its own MPKr'/TGK' and alice derives each.
out=$(prov mikey-psk "$B") || kms_fail "mikey-psk bob device 2"
set -- $out
printf '%s\n' "$3" > "$KMS_DIR/bob2.psk"
chmod 600 "$KMS_DIR/bob2.psk"
bob2_btid=$2
[ "$bob2_btid" != "$bob_btid" ] || kms_fail "the same B-TID twice"
# The token changed under the running kmsd: serving again before the next
# request (one CI run under ASan got a gated 503 here).  kmsd finds a key
# made by another program by a rescan of the token (hsm_scan_label);
# under load SoftHSM's view of a file another process just wrote was
# seen to lag once (CI, ASan: "unknown user key" for device 2), so the
# fork gets one more try a second later, and says so.
kms_want_health 200 operational 50
forked=2			# audited forked resolves: one per device
if ! out=$(ims --bob2 "$B,$bob2_btid,$KMS_DIR/bob2.psk" fork); then
	forked=$((forked + $(grep -c "^ok device 1: RESOLVE_RESP" <<<"$out")))
	echo "it_ticket: fork: first try failed, once more in 1 s:" >&2
	echo "$out" | tail -2 >&2
	sleep 1.1
	out=$(ims --bob2 "$B,$bob2_btid,$KMS_DIR/bob2.psk" fork) ||
	    { echo "$out" >&2; kms_fail "fork"; }
fi
echo "$out"
for want in "ok ticket type 2/0/0 flags 0xec3" \
    "ok REQUEST_RESP carries MPKi, MPKr and TGK (forking)" \
    "ok device 1: RESOLVE_RESP with MPKr', TGK', IDRr $B and RANDRkms" \
    "ok device 2: RESOLVE_RESP with MPKr', TGK', IDRr $B and RANDRkms" \
    "ok device 1: TRANSFER_INIT and Vi verified with MPKi" \
    "ok device 2: TRANSFER_INIT and Vi verified with MPKi" \
    "ok device 1: alice verified TRANSFER_RESP with the MPKr' she derived" \
    "ok device 2: alice verified TRANSFER_RESP with the MPKr' she derived" \
    "ok device 1: alice and the device derive the same TGK' and TEK" \
    "ok device 2: alice and the device derive the same TGK' and TEK" \
    "ok the two devices hold different MPKr', TGK' and TEK" \
    "no initiator data: status 200 mikey-error 14 authenticated"; do
	grep -qxF "$want" <<<"$out" || kms_fail "fork: missing '$want'"
done
[ "$(kms_admin audit | grep -c "issued.*identity=$B.*ticket resolved (forked keys)")" = "$forked" ] ||
    kms_fail "fork: not two audited forked resolves"
last_audit | grep -q "refused.*reason=MIKEY-TICKET: initiator data not authentic" ||
    kms_fail "fork: no audit of the refusal without Initiator Data"

# 1c. tshark (Wireshark's MIKEY dissector) decodes what the KMS emits with
# the values the client read and the values the test knows: HDR, T, IDR,
# KEMAC, V, ERR.  tshark 4.0 stops at the first RFC 6043 payload it does
# not know (TICKET in REQUEST_RESP), so the fields after it must be absent.
# tsh FILE FIELD...: tshark's values, one line per field
tsh() {
	local f=$1 x a=()
	shift
	od -Ax -tx1 -v "$f" | text2pcap -q -u 2269,2269 - "$f.pcap" ||
	    kms_fail "text2pcap $f"
	for x in "$@"; do a+=(-e "$x"); done
	tshark -r "$f.pcap" -d udp.port==2269,mikey -T fields -E separator=/t \
	    -E occurrence=a -E aggregator=, "${a[@]}" | tr '\t' '\n'
}
# tcheck NAME FILE "FIELD=VALUE"...: tshark on FILE gives those values
tcheck() {
	local name=$1 f=$2 fields=() want=() i got
	shift 2
	for i in "$@"; do fields+=("${i%%=*}"); want+=("${i#*=}"); done
	mapfile -t got < <(tsh "$f" "${fields[@]}")
	for i in "${!fields[@]}"; do
		[ "${got[$i]:-}" = "${want[$i]}" ] || kms_fail "tshark $name:" \
		    "${fields[$i]} = '${got[$i]:-}', want '${want[$i]}'"
	done
	echo "ok tshark $name: ${#fields[@]} fields as expected"
}
ntp_text() { date -u -d "@$1" '+%b %e, %Y %H:%M:%S.000000000 UTC'; }
cap=$KMS_DIR/cap
mkdir -p "$cap/flow" "$cap/err" "$cap/errv" "$cap/fork"
ims --save "$cap/flow" flow >/dev/null || kms_fail "flow --save"
ims --save "$cap/fork" --bob2 "$B,$bob2_btid,$KMS_DIR/bob2.psk" fork \
    >/dev/null || kms_fail "fork --save"
ims --save "$cap/err" unknown-key >/dev/null || kms_fail "unknown-key --save"
ims --save "$cap/errv" bad-ticket >/dev/null || kms_fail "bad-ticket --save"
for k in flow/request_resp flow/resolve_resp err/error errv/error \
    fork/resolve_resp; do
	[ -s "$cap/$k.bin" ] || kms_fail "no $k answer saved"
	eval "$(sed -n 's/^csb \(.*\)/csb=\1/p; s/^t \(.*\)/t=\1/p' "$cap/$k.txt")"
	eval "csb_${k//\//_}=\$csb t_${k//\//_}=\$t"
done
tcheck REQUEST_RESP "$cap/flow/request_resp.bin" mikey.version=1 \
    mikey.type=13 "mikey.csb_id=$csb_flow_request_resp" mikey.v.set=0 \
    mikey.cs_count=0 "mikey.t.ntp=$(ntp_text "$t_flow_request_resp")" \
    mikey.id.role=3 mikey.id.type=1 "mikey.id.data=$KMS_URI" \
    mikey.kemac.encr_alg= mikey.v.auth_alg=
tcheck RESOLVE_RESP "$cap/flow/resolve_resp.bin" mikey.version=1 \
    mikey.type=18 "mikey.csb_id=$csb_flow_resolve_resp" mikey.v.set=0 \
    mikey.cs_count=0 "mikey.t.ntp=$(ntp_text "$t_flow_resolve_resp")" \
    mikey.id.role=3,2 mikey.id.type=1,1 "mikey.id.data=$KMS_URI,$B" \
    mikey.kemac.encr_alg=3 mikey.kemac.mac_alg=0 mikey.v.auth_alg=2
# Forked: ... IDRr, then RANDRkms, which tshark 4.0 does not dissect: it
# stops there, so the V after it is absent (the client checked RANDRkms
# through alice's TRANSFER_RESP check and TGK' equality above).
tcheck "RESOLVE_RESP (forked)" "$cap/fork/resolve_resp.bin" mikey.type=18 \
    "mikey.csb_id=$csb_fork_resolve_resp" \
    "mikey.t.ntp=$(ntp_text "$t_fork_resolve_resp")" \
    mikey.id.role=3,2 "mikey.id.data=$KMS_URI,$B" mikey.kemac.encr_alg=3 \
    mikey.v.auth_alg=
tcheck "Error (unauthenticated)" "$cap/err/error.bin" mikey.version=1 \
    mikey.type=6 "mikey.csb_id=$csb_err_error" mikey.v.set=0 \
    "mikey.t.ntp=$(ntp_text "$t_err_error")" mikey.err.no=0 \
    mikey.v.auth_alg=
tcheck "Error (with V)" "$cap/errv/error.bin" mikey.version=1 \
    mikey.type=6 "mikey.csb_id=$csb_errv_error" mikey.v.set=0 \
    "mikey.t.ntp=$(ntp_text "$t_errv_error")" mikey.err.no=14 \
    mikey.v.auth_alg=2

# 2. MIKEY-level refusals: a MIKEY Error message inside 200.
expect unknown-key "status 200 mikey-error 0" "unknown user key"
expect bad-mac "status 200 mikey-error 0" "bad MAC"
expect replay "status 200 mikey-error 1" "replayed message"
expect stale "status 200 mikey-error 1" "stale timestamp"
expect expired "status 200 mikey-error 14 authenticated" "expired ticket"
expect not-responder "status 200 mikey-error 7 authenticated" \
    "responder not named in the ticket"
expect bad-ticket "status 200 mikey-error 14 authenticated" "invalid ticket"
# Modes (docs/ticket.md 1): the public-key variants and initiator-made
# tickets (mode 3) are not supported; each gets its precise MIKEY error.
expect pk "status 200 mikey-error 11" "public-key variant not offered"
expect mode3 "status 200 mikey-error 14 authenticated" \
    "ticket made by the initiator (mode 3) not supported"
expect foreign-ticket "status 200 mikey-error 7 authenticated" \
    "ticket from an unknown KMS"

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

# 4. [ticket] configuration: skew 30 s, lifetime 2 s, replay cache 16.
kill -TERM "$KMS_PID" && wait "$KMS_PID" || kms_fail "kmsd stop"
printf '[ticket]\nskew = 30\nlifetime = 2\nreplay_cache = 16\n' \
    >> "$KMS_DIR/kmsd.conf"
kms_start
# T 60 s in the past: inside the default 300 s, outside 30 s.
out=$(ims --time-offset -60 request 2>&1 | tail -1)
[ "$out" = "status 200 mikey-error 1" ] ||
    kms_fail "skew 30: a request 60 s old: '$out'"
last_audit | grep -q "refused.*reason=MIKEY-TICKET: stale timestamp" ||
    kms_fail "skew 30: no audit of the stale request"
echo "ok skew = 30: a request 60 s old is stale (MIKEY error 1)"
grep -q "MIKEY-TICKET KMS $KMS_URI: skew 30 s, lifetime 2 s, replay cache 16" \
    "$KMS_DIR/kmsd.out" || kms_fail "kmsd did not take the [ticket] values"
# No TRe asked: the ticket lives 2 s and then does not resolve.
out=$(ims lifetime 2>&1)
grep -qxF "ok granted validity 2 s" <<<"$out" ||
    kms_fail "lifetime 2: $out"
[ "$(tail -1 <<<"$out")" = "status 200 mikey-error 14 authenticated" ] ||
    kms_fail "lifetime 2: the ticket still resolved: $out"
last_audit | grep -q "refused.*reason=MIKEY-TICKET: expired ticket" ||
    kms_fail "lifetime 2: no audit of the expired ticket"
echo "ok lifetime = 2: granted 2 s, resolved after it: MIKEY error 14"
# 2 entries used (request + resolve); 14 more fill the cache, then 503.
for i in $(seq 1 14); do
	out=$(ims request 2>&1 | tail -1)
	[ "$out" = "status 200 mikey-error none" ] ||
	    kms_fail "replay_cache 16: request $i: '$out'"
done
expect request "status 503 mikey-error none retry-after 5" \
    "replay cache full"
echo "PASS it_ticket"
