#!/usr/bin/env bash
# The next key period's key sets derived ahead (firmware/mcx/precompute.c,
# docs/identities.md "Precomputed key sets"), over lwIP with SoftHSMv2:
#   1. precompute off: keyprov/<URI>/<time of the next period> for alice
#      and for the GMS's group, verified by kms-client (UID, SSK/PVT,
#      RSK pairing); their key digests are the on-demand reference.
#   2. [kms] precompute_lead = the whole period: at boot the background
#      thread derives and seals the next period's set of every user and
#      bound identity (the log line counts them); the same requests are
#      then served from the cache ("1 precomputed" in kmsd's log) and
#      kms-client finds byte-identical keys; the current period is not
#      cached (0 precomputed); the keys are in no file of the data
#      directory or the log; the shutdown line counts what was served.
#   3. precompute_max = 5: the pass stops at the limit and says so; an
#      identity beyond it is derived on demand, with the same keys.
set -u
. "$(dirname "$0")/kms_env.sh"
kms_up
trap 'kms_down' EXIT

A=sip:alice@example.org G=sip:gms@example.org GRP=sip:group1@example.org
N=20				# further users, to have something to count
P=2592000
kms_admin user add "$A" && kms_admin user add "$G" &&
    kms_admin bind "$G" "$GRP" group ||
	kms_fail "set-up"
for i in $(seq 1 $N); do
	kms_admin user add "sip:user$i@example.org" >/dev/null ||
	    kms_fail "user $i"
done
IDENTS=$((N + 3))		# alice, gms, the group, the users
TA=$(kms_token "$A" --ttl 600) TG=$(kms_token "$G" --ttl 600)
TZ=$(kms_token "sip:user$N@example.org" --ttl 600)
now=$(( $(date +%s) + 2208988800 ))
cur=$(( now / P ))
NEXT=$(printf '%08X00000000' $(( (cur + 1) * P + 60 )))

digest() {	# TOKEN URI OUT: kms-client's key digest of URI in NEXT
	set -- "$1" "$2" "$KMS_DIR/$3"	# OUT lives in the test's directory
	"$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" --token "$1" \
	    keyprov "$2" "$NEXT" > "$3" 2>&1 || {
		cat "$3" >&2; kms_fail "keyprov $2 $NEXT"; }
	grep -q "^keyprov: keyset $2 period $((cur + 1)): UID recomputed" "$3" ||
	    kms_fail "$2: not the next period's set: $(cat "$3")"
	sed -n "s/^keyprov: keyset $2 .* keys sha256:\([0-9a-f]*\).*/\1/p" "$3"
}
restart() {
	kill -TERM "$KMS_PID" && wait "$KMS_PID" ||
	    kms_fail "kmsd did not stop cleanly"
	kms_start
}
wait_log() {	# PATTERN: up to 60 s
	local i
	for i in $(seq 1 600); do
		grep -q "$1" "$KMS_DIR/kmsd.out" && return 0
		sleep 0.1
	done
	kms_fail "no log line '$1'"
}

# --- 1. on demand ----------------------------------------------------------
grep -q "precompute: on" "$KMS_DIR/kmsd.out" && kms_fail "on by default"
dA=$(digest "$TA" "$A" d-a1) dG=$(digest "$TG" "$GRP" d-g1)
dZ=$(digest "$TZ" "sip:user$N@example.org" d-z1)
[ -n "$dA" ] && [ -n "$dG" ] && [ -n "$dZ" ] || kms_fail "no digests"
grep -q "keyprov: .*: 1 key set (0 precomputed), period $((cur + 1))" \
    "$KMS_DIR/kmsd.out" || kms_fail "on demand: log line"

# --- 2. precomputed --------------------------------------------------------
sed -i "s/^user_key_offset = 0$/user_key_offset = 0\nprecompute_lead = $P/" \
    "$KMS_DIR/kmsd.conf"
: > "$KMS_DIR/kmsd.out"
restart
wait_log "precompute: on: the next period's key sets from $P s before it"
wait_log "precompute: period $((cur + 1)): $IDENTS key sets derived and sealed in [0-9]* ms, 0 already cached, 0 over the limit of 4096 ($IDENTS identities)"
grep "precompute: period $((cur + 1)): " "$KMS_DIR/kmsd.out" | sed 's/^/  /'
eA=$(digest "$TA" "$A" d-a2) eG=$(digest "$TG" "$GRP" d-g2)
[ "$eA" = "$dA" ] || kms_fail "alice: precomputed $eA, on demand $dA"
[ "$eG" = "$dG" ] || kms_fail "group: precomputed $eG, on demand $dG"
[ "$(grep -c "keyprov: .*: 1 key set (1 precomputed), period $((cur + 1))" \
    "$KMS_DIR/kmsd.out")" = 2 ] || kms_fail "not served from the cache"
# The precomputed keys are nowhere on disk: alice's next-period SSK and
# RSK (from the answer kms-client saved) in no file of the data
# directory nor in kmsd's log, raw, hex or base64 (the matcher first
# proves it finds them in the saved answer itself).
"$CLIENT" --url "$KMS_URL" --token "$TA" --save "$KMS_DIR/s-a" keyprov \
    "$A" "$NEXT" >/dev/null || kms_fail "keyprov --save"
python3 - "$KMS_DIR/s-a/keyprov-1.xml" "$KMS_DATA" "$KMS_DIR/kmsd.out" <<'PY' ||
import base64, os, re, sys
ans = open(sys.argv[1]).read()
keys = [bytes.fromhex(re.search(r'<%s[^>]*>([0-9A-F]+)<' % e, ans).group(1))
        for e in ('UserSigningKeySSK', 'UserDecryptKey')]
def forms(k):
    return [k, k.hex().encode(), k.hex().upper().encode(),
            base64.b64encode(k)[:40]]
if not all(forms(k)[2][:32] in ans.encode() for k in keys):
    sys.exit("matcher: keys not found in the answer itself")
files = [sys.argv[3]] + [os.path.join(d, f) for d, _, fs in os.walk(sys.argv[2])
                         for f in fs if os.path.isfile(os.path.join(d, f))]
for path in files:
    data = open(path, 'rb').read()
    for k in keys:
        for f in forms(k):
            if f[:32] in data:
                sys.exit("key material in %s" % path)
PY
	kms_fail "precomputed key material on disk"
# The current period is derived on demand (and still verifies).
"$CLIENT" --url "$KMS_URL" --token "$TA" keyprov "$A" >/dev/null ||
    kms_fail "current period"
grep -q "keyprov: .*: 1 key set (0 precomputed), period $cur " \
    "$KMS_DIR/kmsd.out" || kms_fail "current period from the cache?"
# The shutdown line counts what was sealed, served and missed.
restart
grep -q "precompute: stopped ([0-9]* passes, $IDENTS sealed, 3 served, 1 misses)" \
    "$KMS_DIR/kmsd.out" || kms_fail "shutdown counts: $(grep 'precompute: stopped' "$KMS_DIR/kmsd.out")"

# --- 3. the limit ----------------------------------------------------------
sed -i "s/^precompute_lead = $P$/precompute_lead = $P\nprecompute_max = 5/" \
    "$KMS_DIR/kmsd.conf"
: > "$KMS_DIR/kmsd.out"
restart
wait_log "precompute: period $((cur + 1)): 5 key sets derived and sealed in [0-9]* ms, 0 already cached, $((IDENTS - 5)) over the limit of 5"
fZ=$(digest "$TZ" "sip:user$N@example.org" d-z2)
[ "$fZ" = "$dZ" ] || kms_fail "beyond the limit: $fZ, on demand $dZ"
grep -q "keyprov: .*: 1 key set (0 precomputed), period $((cur + 1))" \
    "$KMS_DIR/kmsd.out" || kms_fail "beyond the limit: not on demand"
echo "it_precompute: ok ($IDENTS identities precomputed; byte-identical" \
    "to on-demand derivation; limit 5 honoured)"
