#!/usr/bin/env bash
# KMS to KMS (TS 33.328 6.2.3.8, docs/ticket.md 9): two appliances, each
# with its own SoftHSMv2 token, store, TLS key and lwIP stack.  alice is a
# user of KMS_I, bob of KMS_R.  alice's ticket (issued by KMS_I) is
# resolved by bob at KMS_R, which forwards the resolve to KMS_I over TLS
# 1.3 with client certificates and re-encodes the answer for bob: both
# derive the same TGK/TEK (also with forking).  A client without KMS_R's
# certificate is not treated as the peer; a certificate of another CA
# fails the handshake; a ticket naming an unknown KMS gets MIKEY error 7.
# The link is the appliance's own: lwIP and net/'s TLS client, leaving
# the host board through slirp's guest forward and the board's relay
# (docs/ticket.md 9); firmware/ has no kernel socket calls.  A peer that
# is down, or hangs (5 s bound), gives the user 503 with Retry-After.
set -u
. "$(dirname "$0")/kms_env.sh"
IMS=$BUILD/tools/ims-client/ims-client
A=sip:alice@example.org
B=sip:bob@example.org
I_ID=kms-i.example.org
R_ID=kms-r.example.org
KMS_TLS=1

hung_pid=
cleanup() {
	[ -z "$hung_pid" ] || kill "$hung_pid" 2>/dev/null
	kms_use R; kms_down
	kms_use I; kms_down
}
prov() {
	"$PROVISION" --module /usr/lib/softhsm/libsofthsm2.so \
	    --token "$KMS_TOKEN" --pin-file "$KMS_DIR/pin" "$@"
}
stop() { kill -TERM "$KMS_PID" && wait "$KMS_PID" || kms_fail "kmsd stop"; }
# Two appliances, their certificates naming their KMS identities.
KMS_NET_EXTRA= KMS_URI=$I_ID KMS_TLS_ARGS="--cn $I_ID --san DNS:$I_ID,DNS:localhost" kms_up
kms_save I
trap cleanup EXIT
KMS_NET_EXTRA= KMS_URI=$R_ID KMS_TLS_ARGS="--cn $R_ID --san DNS:$R_ID,DNS:localhost" kms_up
kms_save R
openssl x509 -in "$KMS_DIR/tls/tls.pem" -noout -ext extendedKeyUsage |
    grep -q "TLS Web Client Authentication" ||
    kms_fail "the TLS certificate has no clientAuth usage"

# KMS_I: a ticket key, alice's PSK, KMS_R as its peer.  (KMS_I never
# forwards here; its peer_url is KMS_R's first address.)
kms_use I
stop
prov ticket-key >/dev/null || kms_fail "ticket-key"
out=$(prov mikey-psk "$A") || kms_fail "mikey-psk alice"
set -- $out; alice_btid=$2; printf '%s\n' "$3" > "$KMS_DIR/alice.psk"
printf '[ticket]\npeer_id = %s\npeer_url = %s\npeer_ca = %s\n' "$R_ID" \
    "$KMS_SAVED_R_KMS_URL" "$KMS_SAVED_R_KMS_DIR/tls/ca.pem" \
    >> "$KMS_DIR/kmsd.conf"
kms_start
kms_save I
I_URL=$KMS_URL I_CA=$KMS_CA I_DIR=$KMS_DIR

# KMS_R: bob's PSK (two devices), KMS_I as its peer.
kms_use R
stop
for d in bob bob2; do
	out=$(prov mikey-psk "$B") || kms_fail "mikey-psk $d"
	set -- $out; eval "${d}_btid=\$2"; printf '%s\n' "$3" > "$KMS_DIR/$d.psk"
done
printf '[ticket]\npeer_id = %s\npeer_url = %s\npeer_ca = %s\n' "$I_ID" \
    "$I_URL" "$I_CA" >> "$KMS_DIR/kmsd.conf"
kms_start
kms_save R
R_URL=$KMS_URL R_CA=$KMS_CA R_DIR=$KMS_DIR

ims() {
	"$IMS" --url "$I_URL" --cacert "$I_CA" --kms-id "$I_ID" \
	    --alice "$A,$alice_btid,$I_DIR/alice.psk" \
	    --bob-url "$R_URL" --bob-cacert "$R_CA" --bob-kms-id "$R_ID" \
	    --bob "$B,$bob_btid,$R_DIR/bob.psk" "$@"
}
audit_i() { KMS_DATA=$I_DIR/data kms_admin audit; }
audit_r() { KMS_DATA=$R_DIR/data kms_admin audit; }

# 1. alice's ticket from KMS_I, resolved by bob at KMS_R.
out=$(ims flow) || { echo "$out" >&2; cat "$R_DIR/kmsd.out" >&2; kms_fail "flow"; }
echo "$out"
for want in "ok REQUEST_RESP MAC verified with alice's PSK" \
    "ok RESOLVE_RESP MAC verified with bob's PSK" \
    "ok RESOLVE_RESP from KMS $R_ID" \
    "ok TRANSFER_INIT MAC verified with the MPKi bob resolved" \
    "ok alice and bob hold the same MPKi and TGK" \
    "ok alice and bob derive the same TEK (CS 1)"; do
	grep -qxF "$want" <<<"$out" || kms_fail "flow: missing '$want'"
done
audit_r | grep -q "issued.*identity=$B.*ticket resolved through the peer KMS" ||
    kms_fail "KMS_R: no audit of the forwarded resolve: $(audit_r | tail -2)"
audit_i | grep -q "issued.*identity=$B.*ticket resolved for the peer KMS" ||
    kms_fail "KMS_I: no audit of the peer's resolve: $(audit_i | tail -2)"
grep -q "ticket: peer KMS localhost:[0-9]*: TLSv1.3 .*, certificate of $I_ID verified" \
    "$R_DIR/kmsd.out" || kms_fail "KMS_R did not log a TLS 1.3 link to $I_ID"
echo "ok flow through two KMSs, audited at both"

# 1b. The link went through KMS_R's lwIP stack: net/ dialled the board's
# virtual address for KMS_I, the board's relay carried that connection to
# KMS_I, once per forwarded resolve.  (With kernel sockets in firmware/
# neither line exists.)
I_PORT=${I_URL##*:}
lw="net: outbound localhost:$I_PORT connected on lwIP [0-9.]*:[0-9]* -> [0-9.]*\.1[0-9][0-9]:$I_PORT"
rl="nic: outbound relay [0-9.]*\.1[0-9][0-9]:$I_PORT -> localhost:$I_PORT connected"
tl="ticket: peer KMS localhost:$I_PORT: TLSv1.3 .*, certificate of $I_ID verified"
n_lw=$(grep -c "$lw" "$R_DIR/kmsd.out")
n_rl=$(grep -c "$rl" "$R_DIR/kmsd.out")
n_tl=$(grep -c "$tl" "$R_DIR/kmsd.out")
[ "$n_tl" -ge 1 ] && [ "$n_lw" -eq "$n_tl" ] && [ "$n_rl" -eq "$n_tl" ] ||
    kms_fail "KMS_R: $n_tl TLS links, $n_lw lwIP connections, $n_rl relayed: $(grep 'outbound' "$R_DIR/kmsd.out" | tail -3)"
[ -S "$R_DIR/data/nic-out-0.sock" ] ||
    kms_fail "KMS_R: no relay socket in its data directory"
# No kernel socket calls left in the ticket module's objects.
ksyms=$(nm -u "$BUILD/firmware/ticket/libkms_ticket.a" |
    grep -wE 'socket|connect|getaddrinfo|gethostbyname' || true)
[ -z "$ksyms" ] || kms_fail "kms_ticket calls kernel sockets: $ksyms"
echo "ok the peer link is lwIP's: $n_lw connection(s) through the board's relay"

# 2. Forking across the two KMSs: two devices of bob, distinct keys.
out=$(ims --bob2 "$B,$bob2_btid,$R_DIR/bob2.psk" fork) ||
    { echo "$out" >&2; kms_fail "fork"; }
echo "$out"
for want in "ok device 1: alice and the device derive the same TGK' and TEK" \
    "ok device 2: alice and the device derive the same TGK' and TEK" \
    "ok the two devices hold different MPKr', TGK' and TEK" \
    "no initiator data: status 200 mikey-error 14 authenticated"; do
	grep -qxF "$want" <<<"$out" || kms_fail "fork: missing '$want'"
done

# 3. A ticket naming a KMS that is neither KMS_R nor its peer: error 7.
out=$(ims foreign-ticket 2>&1 | tail -1)
[ "$out" = "status 200 mikey-error 7 authenticated" ] ||
    kms_fail "foreign ticket: '$out'"
audit_r | tail -1 | grep -q "refused.*MIKEY-TICKET: ticket from an unknown KMS (MIKEY error 7)" ||
    kms_fail "foreign ticket: no audit: $(audit_r | tail -1)"
echo "ok a ticket from an unknown KMS: MIKEY error 7"

# 4. A client without KMS_R's certificate claiming to be KMS_R at KMS_I:
# no peer key for it, so its resolve fails authentication (error 0).
out=$(ims peer-spoof 2>&1 | tail -1)
[ "$out" = "status 200 mikey-error 0" ] || kms_fail "peer spoof: '$out'"
audit_i | tail -1 | grep -q "refused.*MIKEY-TICKET: unknown user key" ||
    kms_fail "peer spoof: no audit: $(audit_i | tail -1)"
echo "ok a client without the peer's certificate is not the peer (error 0)"

# 5. A client certificate from another CA fails the TLS handshake.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$R_DIR/rogue.key" -out "$R_DIR/rogue.pem" -days 1 \
    -subj "/CN=$R_ID" -addext "subjectAltName=DNS:$R_ID" \
    -addext "extendedKeyUsage=clientAuth" 2>/dev/null ||
    kms_fail "rogue certificate"
if curl -sS --cacert "$I_CA" --cert "$R_DIR/rogue.pem" \
    --key "$R_DIR/rogue.key" -X POST -H "Content-Type: application/mikey" \
    --data-binary "AAAA" "$I_URL/keymanagement?requesttype=ticketresolve" \
    -o /dev/null 2>"$R_DIR/rogue.err"; then
	kms_fail "a client certificate of another CA was accepted"
fi
grep -qi "alert\|handshake\|certificate" "$R_DIR/rogue.err" ||
    kms_fail "rogue: not a TLS refusal: $(cat "$R_DIR/rogue.err")"
echo "ok a client certificate of another CA is refused: $(head -1 "$R_DIR/rogue.err")"

# 6. The peer KMS is down (nothing listens at KMS_R's peer_url): bob's
# resolve at KMS_R gets 503 with Retry-After, quickly, and KMS_R says why.
kms_use R
stop
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -i "s|^peer_url = .*|peer_url = https://localhost:$dead|" "$KMS_DIR/kmsd.conf"
kms_start
kms_save R
R_URL=$KMS_URL
t0=$(date +%s%N)
out=$(ims flow 2>&1)
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $rc -ne 0 ] || kms_fail "peer down: the flow succeeded: $out"
grep -qE "^status 503 mikey-error none retry-after [0-9]+$" <<<"$out" ||
    kms_fail "peer down: not 503 with Retry-After: $out"
[ "$ms" -lt 5000 ] || kms_fail "peer down: the answer took $ms ms"
grep -q "nic: outbound relay to localhost:$dead: connect: Connection refused" \
    "$KMS_DIR/kmsd.out" || kms_fail "peer down: the relay did not log the refusal"
grep -q "ticket: peer KMS localhost:$dead: TLS handshake failed" \
    "$KMS_DIR/kmsd.out" || kms_fail "peer down: KMS_R did not log the failed link"
audit_r | tail -1 | grep -q "refused.*peer KMS unavailable" ||
    kms_fail "peer down: no audit: $(audit_r | tail -1)"
echo "ok a peer KMS that is down: $(grep '^status 503' <<<"$out") in $ms ms"

# 7. A peer that accepts the connection but never answers (a hung KMS):
# the handshake is bounded by TPEER_TIMEOUT_MS (5 s), then 503.
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True); time.sleep(60)' > "$KMS_DIR/hung.port" &
hung_pid=$!
for i in $(seq 1 100); do [ -s "$KMS_DIR/hung.port" ] && break; sleep 0.05; done
hung=$(cat "$KMS_DIR/hung.port")
[ -n "$hung" ] || kms_fail "hung peer: no port"
stop
sed -i "s|^peer_url = .*|peer_url = https://localhost:$hung|" "$KMS_DIR/kmsd.conf"
kms_start
kms_save R
R_URL=$KMS_URL
t0=$(date +%s%N)
out=$(ims flow 2>&1)
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill "$hung_pid" 2>/dev/null; wait "$hung_pid" 2>/dev/null; hung_pid=
[ $rc -ne 0 ] || kms_fail "hung peer: the flow succeeded: $out"
grep -qE "^status 503 mikey-error none retry-after [0-9]+$" <<<"$out" ||
    kms_fail "hung peer: not 503 with Retry-After: $out"
[ "$ms" -ge 4500 ] && [ "$ms" -lt 9000 ] ||
    kms_fail "hung peer: answered after $ms ms, not after the 5 s bound"
grep -q "net: TLS to localhost:$hung: handshake timed out" "$KMS_DIR/kmsd.out" &&
    grep -q "ticket: peer KMS localhost:$hung: timed out" "$KMS_DIR/kmsd.out" ||
    kms_fail "hung peer: KMS_R did not log the timeout"
echo "ok a hung peer KMS: $(grep '^status 503' <<<"$out") after $ms ms"

echo "PASS it_ticket_k2k"
