#!/usr/bin/env bash
# it_watchdog_tls: a saturated TLS listener is not a hung one.  Over TLS
# the acceptor closes a connection it has no worker for (no 503 without
# a handshake), so the health loop's probe gets no answer; it must still
# count the path as alive when the acceptor refused it as busy, or any
# client holding every connection slot could make the appliance reset.
# kmsd -W 2000, [net] connections = 2: two idle TLS clients hold both
# workers for four watchdog periods; kmsd keeps running, logs the busy
# refusals of its own probe, and serves again when they leave.
set -u
. "$(dirname "$0")/kms_env.sh"
WDT_MS=2000
HOLD_S=8
KMS_TLS=1 KMS_CONNS=2 kms_up
trap 'kill $holders 2>/dev/null; kms_down' EXIT
port=$(cat "$KMS_DATA/kmsd.port")

kill -TERM "$KMS_PID"
wait "$KMS_PID" || kms_fail "kmsd exited $? on SIGTERM"
: > "$KMS_DATA/kmsd.log"
rm -f "$KMS_DATA/kmsd.port"
"$KMSD" -W "$WDT_MS" -c "$KMS_DIR/kmsd.conf" -d "$KMS_DATA" \
    >> "$KMS_DIR/kmsd.out" 2>&1 &
KMS_PID=$!
for i in $(seq 1 200); do
	[ -s "$KMS_DATA/kmsd.port" ] && break
	kill -0 "$KMS_PID" 2>/dev/null || kms_fail "kmsd died at boot"
	sleep 0.05
done
port=$(cat "$KMS_DATA/kmsd.port")
KMS_URL=https://localhost:$port

# hold: one TLS connection, handshake done, then silent for HOLD_S s.
hold() {
	python3 - "$port" "$HOLD_S" <<'PY'
import socket, ssl, sys, time
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t = ctx.wrap_socket(s, server_hostname="localhost")
time.sleep(float(sys.argv[2]))
t.close()
PY
}
holders=
hold & holders="$holders $!"
hold & holders="$holders $!"
sleep "$HOLD_S"
kill -0 "$KMS_PID" 2>/dev/null ||
    kms_fail "kmsd ended while its TLS connections were all held (watchdog)"
grep -q 'all 2 connections busy, closed' "$KMS_DATA/kmsd.log" ||
    kms_fail "the probe was never refused as busy: the test did not saturate"
! grep -q 'watchdog' "$KMS_DATA/kmsd.log" ||
    kms_fail "a watchdog line while saturated"
wait $holders 2>/dev/null
holders=
kms_want_health 200 operational 100	# serving again once they left
echo "ok: both TLS slots held for $HOLD_S s with a $WDT_MS ms watchdog: kmsd kept running and serves again"
echo "it_watchdog_tls: ok"
