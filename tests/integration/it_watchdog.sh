#!/usr/bin/env bash
# it_watchdog: the health loop kicks the board watchdog only while the
# request path and the HSM are healthy (board/host: a watchdog thread
# that ends the process, so that a supervisor restarts it).  With
# kmsd -W 2000 and the token behind the p11fault module:
#   - healthy for three watchdog periods: kmsd keeps running and serving
#   - the token lost for longer than the timeout: kmsd goes locked, then
#     the watchdog ends the process (exit 70) with a log line
#   - the token missing from boot (locked, never served): kmsd keeps
#     running, so that the operator can use the console
#   - the request path not answering (the test-only kmsd-testhooks aims
#     the probe at a dead port): the watchdog ends kmsd
set -u
. "$(dirname "$0")/kms_env.sh"
FAULT=$BUILD/tests/lib/p11fault/p11fault.so
[ -f "$FAULT" ] || kms_fail "p11fault module not built"
KMS_MODULE=$FAULT
ctl=$(mktemp /tmp/kms-wdt-ctl-XXXXXX)
export P11FAULT_CTL=$ctl
echo ok > "$ctl"
WDT_MS=2000
kms_up
trap 'kms_down; rm -f "$ctl"' EXIT
set_ctl() { printf '%s\n' "$1" > "$ctl"; }

# start: kmsd with the short watchdog; sets KMS_PID, KMS_URL.
start() {
	rm -f "$KMS_DATA/kmsd.port"
	"$KMSD" -W "$WDT_MS" -c "$KMS_DIR/kmsd.conf" -d "$KMS_DATA" \
	    >> "$KMS_DIR/kmsd.out" 2>&1 &
	KMS_PID=$!
	for i in $(seq 1 200); do
		[ -s "$KMS_DATA/kmsd.port" ] && break
		kill -0 "$KMS_PID" 2>/dev/null || kms_fail "kmsd died at boot"
		sleep 0.05
	done
	[ -s "$KMS_DATA/kmsd.port" ] || kms_fail "kmsd did not start"
	KMS_URL=http://127.0.0.1:$(cat "$KMS_DATA/kmsd.port")
}
health() {
	curl -s -o "$KMS_DIR/health" -w '%{http_code}' "$KMS_URL/health"
}

kill -TERM "$KMS_PID"
wait "$KMS_PID" || kms_fail "kmsd exited $? on SIGTERM"
: > "$KMS_DATA/kmsd.log"
start

# 1. Healthy: three watchdog periods, still running and serving.
sleep $((3 * WDT_MS / 1000))
kill -0 "$KMS_PID" 2>/dev/null || kms_fail "kmsd ended while healthy"
[ "$(health)" = 200 ] || kms_fail "not operational while healthy"
"$CLIENT" --url "$KMS_URL" -q init || kms_fail "init while healthy"
! grep -q 'watchdog' "$KMS_DATA/kmsd.log" ||
    kms_fail "a watchdog line while healthy"
echo "ok: healthy for $((3 * WDT_MS)) ms with a $WDT_MS ms watchdog"

# 2. The token lost for longer than the timeout: reset (process ends).
set_ctl "down removed"
t0=$(date +%s%N)
ended=
for i in $(seq 1 200); do
	kill -0 "$KMS_PID" 2>/dev/null || { ended=1; break; }
	sleep 0.05
done
[ -n "$ended" ] || kms_fail "kmsd still runs 10 s after losing the token"
rc=0
wait "$KMS_PID" || rc=$?
KMS_PID=
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$rc" = 70 ] || kms_fail "kmsd ended with $rc, want 70 (watchdog)"
grep -q "watchdog: not kicked for $WDT_MS ms, resetting" \
    "$KMS_DATA/kmsd.log" || kms_fail "no watchdog log line"
grep -q 'state: operational -> locked' "$KMS_DATA/kmsd.log" ||
    kms_fail "not locked before the reset"
[ "$ms" -ge "$WDT_MS" ] || kms_fail "reset after $ms ms, before the timeout"
echo "ok: token lost: locked, then the watchdog ended kmsd after $ms ms (exit 70)"

# 3. The token missing from boot: locked, never served, keeps running.
set_ctl ok
: > "$KMS_DATA/kmsd.log"
start
[ "$(health)" = 200 ] || kms_fail "restart (supervisor's job) did not serve"
kill -TERM "$KMS_PID"
wait "$KMS_PID" || kms_fail "kmsd exited $? on SIGTERM"
set_ctl "down removed"
start
[ "$(health)" = 503 ] && grep -qx locked "$KMS_DIR/health" ||
    kms_fail "boot without the token is not locked"
sleep $((3 * WDT_MS / 1000))
kill -0 "$KMS_PID" 2>/dev/null ||
    kms_fail "the watchdog ended kmsd locked from boot"
set_ctl ok
echo "ok: locked from boot: kmsd keeps running for the console"
kill -TERM "$KMS_PID"
wait "$KMS_PID" || kms_fail "kmsd exited $? on SIGTERM"

# 4. The request path does not answer (kmsd-testhooks: the probe aimed at
# a port where nothing listens): no kicks, the watchdog ends kmsd.
: > "$KMS_DATA/kmsd.log"
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export KMSD_TEST_PROBE_PORT=$dead
KMSD=$BUILD/firmware/kmsd-testhooks start
unset KMSD_TEST_PROBE_PORT
[ "$(health)" = 200 ] || kms_fail "not operational with the dead probe"
ended=
for i in $(seq 1 200); do
	kill -0 "$KMS_PID" 2>/dev/null || { ended=1; break; }
	sleep 0.05
done
[ -n "$ended" ] || kms_fail "kmsd still runs with a dead request path"
rc=0
wait "$KMS_PID" || rc=$?
KMS_PID=
[ "$rc" = 70 ] || kms_fail "kmsd ended with $rc, want 70 (watchdog)"
grep -q 'health: the request path does not answer' "$KMS_DATA/kmsd.log" ||
    kms_fail "no log line for the dead request path"
grep -q "watchdog: not kicked for $WDT_MS ms" "$KMS_DATA/kmsd.log" ||
    kms_fail "no watchdog line for the dead request path"
echo "ok: request path not answering: the watchdog ended kmsd (exit 70)"
echo "it_watchdog: ok"
