#!/usr/bin/env bash
# Syslog: kmsd sends its log records as RFC 5424 messages over UDP from
# its own lwIP stack to the gateway, which the host board delivers to a
# collector on 127.0.0.1 (a small python3 listener).  Every message must
# follow the RFC 5424 grammar, carry the same text and level as the
# record in kmsd.log, and hold no secret (PIN, access token, master
# secrets).
set -u
export KMS_PIN=Syslog-PIN-4711-unique
. "$(dirname "$0")/kms_env.sh"
CHECK=$SRC/tests/integration/syslog_check.py
COL=$(mktemp -d /tmp/kms-syslog-XXXXXX)
python3 "$CHECK" listen "$COL/port" "$COL/msgs" &
COL_PID=$!
cleanup() { kill "$COL_PID" 2>/dev/null; wait "$COL_PID" 2>/dev/null;
    rm -rf "$COL"; kms_down; }
trap cleanup EXIT
for i in $(seq 1 100); do [ -s "$COL/port" ] && break; sleep 0.05; done
[ -s "$COL/port" ] || kms_fail "collector did not start"
PORT=$(cat "$COL/port")

# The collector is the gateway as the appliance sees it (kmsd.conf.example
# gateway 198.18.0.2); the host board delivers it to 127.0.0.1:PORT.
KMS_AUTH_EXTRA=$'\n[log]\nsyslog = udp:198.18.0.2:'$PORT
export KMS_AUTH_EXTRA
kms_up

A=sip:alice@example.org
kms_admin user add "$A" Alice >/dev/null || kms_fail "user add"
TA=$(kms_token "$A" --ttl 600) || kms_fail "token"
"$CLIENT" --url "$KMS_URL" --count 3 init >/dev/null || kms_fail "init"
"$CLIENT" --url "$KMS_URL" --token "$TA" keyprov >/dev/null ||
    kms_fail "keyprov"
# A refused token and a malformed request make log lines of their own.
"$CLIENT" --url "$KMS_URL" --token "$TA.x" keyprov >/dev/null 2>&1
printf 'GARBAGE\r\n\r\n' | curl -s -m 5 -o /dev/null \
    "telnet://127.0.0.1:$(cat "$KMS_DATA/kmsd.port")" 2>/dev/null
sleep 1
PID=$KMS_PID
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd exit status"
KMS_PID=
cp "$KMS_DATA/kmsd.log" "$COL/kmsd.log"
sleep 0.5

python3 "$CHECK" check "$COL/msgs" 198.18.0.15 "$PID" > "$COL/parsed" ||
    kms_fail "a syslog message breaks RFC 5424"
n=$(wc -l < "$COL/parsed")
[ "$n" -ge 5 ] || kms_fail "only $n syslog messages"
grep -q '^6 boot boot: state operational; the KMS interface' "$COL/parsed" ||
    kms_fail "no 'state operational' record at info with MSGID boot"
grep -q '^6 http http: .*bad request (400' "$COL/parsed" ||
    kms_fail "no record of the bad request"
# Same text and level as in kmsd.log (err 3, warn 4, info 6, debug 7).
while read -r sev msgid msg; do
	case $sev in 3) lv=err ;; 4) lv=warn ;; 6) lv=info ;; 7) lv=debug ;;
	    *) kms_fail "severity $sev" ;; esac
	grep -qF -- " kmsd $lv: $msg" "$COL/kmsd.log" ||
	    kms_fail "not in kmsd.log at $lv: $msg"
done < "$COL/parsed"

# No secret in what went over the wire.
! grep -rqF -- "$KMS_PIN" "$COL/msgs" || kms_fail "the PIN was sent"
! grep -rqF -- "$TA" "$COL/msgs" || kms_fail "an access token was sent"
sig=${TA##*.}
! grep -rqF -- "$sig" "$COL/msgs" || kms_fail "a token signature was sent"
"$BUILD/tests/integration/secret_scan" /usr/lib/softhsm/libsofthsm2.so \
    "$KMS_TOKEN" "$KMS_DIR/pin" "$COL/msgs" ||
    kms_fail "a master secret was sent to syslog"

# The checker can fail.
mkdir -p "$COL/bad"
printf '<30>2 2026-01-01T00:00:00Z 198.18.0.15 kmsd %s - - x' "$PID" \
    > "$COL/bad/000001.msg"
! python3 "$CHECK" check "$COL/bad" 198.18.0.15 "$PID" >/dev/null 2>&1 ||
    kms_fail "the checker accepted VERSION 2"
printf '<30>1 2026-01-01T00:00:00 198.18.0.15 kmsd %s - - x' "$PID" \
    > "$COL/bad/000001.msg"
! python3 "$CHECK" check "$COL/bad" 198.18.0.15 "$PID" >/dev/null 2>&1 ||
    kms_fail "the checker accepted a time without zone"
echo "it_syslog: ok"
