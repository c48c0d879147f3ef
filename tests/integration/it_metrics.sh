#!/usr/bin/env bash
# GET /metrics on the admin port: scraped before and after a known set of
# requests on the KMS port; the counters must move by exactly those
# requests, the exposition must pass promtool (the independent checker,
# package prometheus) and a strict parser of the text format, and the
# admin port must serve nothing but its routes.  Then the token goes away
# (p11fault): the admin port still answers, the state and the HSM error
# counter follow, and come back.
set -u
. "$(dirname "$0")/kms_env.sh"
PARSE=$SRC/tests/integration/prom_parse.py
command -v promtool >/dev/null || kms_fail "promtool missing (tools/setup)"
FAULT=$BUILD/tests/lib/p11fault/p11fault.so
[ -f "$FAULT" ] || kms_fail "p11fault module not built"
KMS_MODULE=$FAULT
ctl=$(mktemp /tmp/kms-metrics-ctl-XXXXXX)
export P11FAULT_CTL=$ctl
echo ok > "$ctl"
kms_up
trap 'kms_down; rm -f "$ctl"' EXIT

[ -s "$KMS_DATA/admin.port" ] || kms_fail "no admin.port in the data dir"
ADMIN=http://127.0.0.1:$(cat "$KMS_DATA/admin.port")
[ "$(cat "$KMS_DATA/admin.port")" != "$(cat "$KMS_DATA/kmsd.port")" ] ||
    kms_fail "admin port is the KMS port"
INIT=/keymanagement/identity/v1/init

scrape() {	# scrape N: $KMS_DIR/mN.txt (raw) and mN.s (parsed samples)
	local hdr=$KMS_DIR/m$1.hdr
	curl -sS -D "$hdr" -o "$KMS_DIR/m$1.txt" "$ADMIN/metrics" ||
	    kms_fail "scrape $1"
	grep -q '^HTTP/1.1 200' "$hdr" || kms_fail "scrape $1: not 200"
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$hdr" ||
	    kms_fail "scrape $1: content type"
	promtool check metrics < "$KMS_DIR/m$1.txt" ||
	    kms_fail "scrape $1: promtool check metrics refused it"
	python3 "$PARSE" "$KMS_DIR/m$1.txt" > "$KMS_DIR/m$1.s" ||
	    kms_fail "scrape $1: not valid text format"
}

val() {		# val N 'sample with sorted labels' -> value or 0
	local v
	v=$(grep -F "$2 " "$KMS_DIR/m$1.s" | awk '{print $NF}')
	echo "${v:-0}"
}

delta() {	# delta 'sample' expected
	local a b
	a=$(val 0 "$1"); b=$(val 1 "$1")
	python3 -c "import sys; sys.exit(0 if float('$b') - float('$a') == $2 else 1)" ||
	    kms_fail "$1: moved from $a to $b, want +$2"
}

scrape 0
hsm0=$(val 0 'kms_hsm_operations_total{}')

# Known traffic: 7 inits (200), 3 unknown paths (404), 2 GETs on init
# (405), 1 body over the limit (413, from the parser).
"$CLIENT" --url "$KMS_URL" --count 7 --new-conn init >/dev/null ||
    kms_fail "7 inits"
for i in 1 2 3; do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$KMS_URL/nope/$i")" = 404 ] ||
	    kms_fail "404 expected"
done
for i in 1 2; do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$KMS_URL$INIT")" = 405 ] ||
	    kms_fail "405 expected"
done
head -c 70000 /dev/zero > "$KMS_DIR/big"
[ "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$KMS_DIR/big" \
    "$KMS_URL$INIT")" = 413 ] || kms_fail "413 expected"
sleep 2		# the health loop asks the token every second
scrape 1

R='listener="kms",method="POST",route="'$INIT'"'
U='listener="kms",method="",route="(unmatched)"'
delta "kms_http_requests_total{$R,status=\"200\"}" 7
delta "kms_http_requests_total{$U,status=\"404\"}" 3
delta "kms_http_requests_total{$U,status=\"405\"}" 2
delta "kms_http_requests_total{$U,status=\"413\"}" 1
delta "kms_http_request_duration_seconds_count{$R}" 7
delta "kms_http_request_duration_seconds_bucket{le=\"+Inf\",$R}" 7
delta "kms_http_request_duration_seconds_count{$U}" 6
delta 'kms_http_bad_requests_total{listener="kms"}' 1
# The admin port's own requests are counted under listener="admin": the
# second scrape saw the first one.
delta 'kms_http_requests_total{listener="admin",method="GET",route="/metrics",status="200"}' 1
# The init route's latency sum grew, and is no more than 7 x 10 s.
s0=$(val 0 "kms_http_request_duration_seconds_sum{$R}")
s1=$(val 1 "kms_http_request_duration_seconds_sum{$R}")
python3 -c "import sys; d = $s1 - $s0; sys.exit(0 if 0 < d < 70 else 1)" ||
    kms_fail "latency sum moved from $s0 to $s1"
# HSM: the health loop used the token; nothing failed.
hsm1=$(val 1 'kms_hsm_operations_total{}')
[ "$hsm1" -gt "$hsm0" ] || kms_fail "HSM operations did not move ($hsm0 -> $hsm1)"
[ "$(val 1 'kms_hsm_errors_total{}')" = 0 ] || kms_fail "HSM errors"
[ "$(val 1 'kms_state{state="operational"}')" = 1 ] ||
    kms_fail "kms_state is not operational"
grep -c '^kms_state{' "$KMS_DIR/m1.s" | grep -qx 1 || kms_fail "two states"

# GET /health answers on the admin port too (200: operational).
[ "$(curl -s -o /dev/null -w '%{http_code}' "$ADMIN/health")" = 200 ] ||
    kms_fail "GET /health on the admin port"
# The admin port serves only its routes; the KMS port has no /metrics.
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$ADMIN$INIT")" = 404 ] ||
    kms_fail "the admin port routes KMS requests"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$ADMIN/metrics")" = 405 ] ||
    kms_fail "POST /metrics is not 405"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$KMS_URL/metrics")" = 404 ] ||
    kms_fail "the KMS port serves /metrics"

# The checkers can fail: a broken exposition is refused by both.
sed 's/^kms_hsm_errors_total .*/kms_hsm_errors_total{a="b} 1/' \
    "$KMS_DIR/m1.txt" > "$KMS_DIR/bad.txt"
! promtool check metrics < "$KMS_DIR/bad.txt" 2>/dev/null ||
    kms_fail "promtool accepted a broken label"
! python3 "$PARSE" "$KMS_DIR/bad.txt" >/dev/null 2>&1 ||
    kms_fail "prom_parse accepted a broken label"
awk '/_bucket/ && /le="0.001"/ && !d {sub(/ [0-9]+$/, " 999999"); d=1} 1' \
    "$KMS_DIR/m1.txt" > "$KMS_DIR/bad2.txt"
! python3 "$PARSE" "$KMS_DIR/bad2.txt" >/dev/null 2>&1 ||
    kms_fail "prom_parse accepted a non-cumulative histogram"

# The token goes away: the KMS port answers 503, the admin port still
# serves, kms_state says locked and kms_hsm_errors_total moves.
wait_scrape() {	# wait_scrape N 'sample' VALUE: within 5 s
	local i
	for i in $(seq 1 25); do
		scrape "$1"
		[ "$(val "$1" "$2")" = "$3" ] && return 0
		sleep 0.2
	done
	kms_fail "scrape $1: $2 is $(val "$1" "$2"), want $3"
}
echo "down removed" > "$ctl"
wait_scrape 2 'kms_state{state="locked"}' 1
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$KMS_URL$INIT")" = 503 ] ||
    kms_fail "init is not 503 while the token is away"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$ADMIN/health")" = 503 ] ||
    kms_fail "GET /health on the admin port is not 503 while locked"
e1=$(val 1 'kms_hsm_errors_total{}'); e2=$(val 2 'kms_hsm_errors_total{}')
[ "$e2" -gt "$e1" ] || kms_fail "HSM errors did not move ($e1 -> $e2)"
echo ok > "$ctl"
wait_scrape 3 'kms_state{state="operational"}' 1
echo "it_metrics: ok"
