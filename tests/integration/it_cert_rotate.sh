#!/usr/bin/env bash
# it_cert_rotate: rotating the KMS master secrets (`cert rotate`,
# firmware/kcert, docs/rotation.md) on the real kmsd -C with a SoftHSMv2
# token, 10-second key periods:
#   1. refusals: no "confirm", a FROM in the past or not a date, a CertUri
#      in use, an operator; nothing is made
#   2. cert rotate cert2: generation 2 starts at the earliest allowed key
#      period (past keyprov's window and the precomputed period); cert
#      show and hsm status list it; init still serves cert1; cert/cert2
#      gives it (Role Root, valid from the rotation); the CertCache is
#      unchanged
#   3. keyprov of the first period of generation 2 (once in the window):
#      the key set names cert2; kms-client fetches cert2 and verifies the
#      keys under cert2's Z_S and KPAK (UID, [SSK]G = KPAK + [HS]PVT,
#      wolfSSL's RSK pairing and a SAKKE round trip); the current period
#      is still cert1's
#   4. after the switch: init serves cert2; the previous period's keys
#      are cert1's (fetched as cert/cert1, its ValidTo cut to the second
#      before FROM)
#   5. restart: both generations come back from the store and the token;
#      generation 2's first period gets byte-identical keys
#   6. the rotation is audited with its operator
#   7. a generation in the store whose master secrets are not in the
#      token: the error state, with the reason; nothing is served
set -u
. "$(dirname "$0")/kms_env.sh"
A=sip:alice@example.org
C1=cert1.$KMS_URI C2=cert2.$KMS_URI
P=10				# seconds per key period
NTP=2208988800			# NTP - Unix seconds
kms_up
kms_admin user add "$A" >/dev/null || kms_fail "user add"
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd exited $?"
KMS_PID=
# 10 s periods; three past periods stay in keyprov's window (room for
# the slow steps below), one future one (the default); the next period's
# key sets are always precomputed (the whole period ahead).
sed -i "s/^user_key_period = .*/user_key_period = $P\nkeyprov_past_periods = 3\nprecompute_lead = $P/" \
    "$KMS_DIR/kmsd.conf"

finish() {
	exec 3>&- 2>/dev/null
	kms_down
}
trap finish EXIT

# The console through a FIFO.
rm -f "$KMS_DATA/kmsd.port"
mkfifo "$KMS_DIR/con.in"
"$KMSD" -C -c "$KMS_DIR/kmsd.conf" -d "$KMS_DATA" < "$KMS_DIR/con.in" \
    > "$KMS_DIR/con.out" 2>> "$KMS_DIR/kmsd.out" &
KMS_PID=$!
exec 3> "$KMS_DIR/con.in"
kms_wait_port
kms_want_health 200 operational 100
say() { printf '%s\n' "$1" >&3; }
MARK=0
expect() {	# TEXT in a line after the line of the last match
	local i hit
	for i in $(seq 1 300); do
		hit=$(tail -c +$((MARK + 1)) "$KMS_DIR/con.out" |
		    grep -b -m1 -F -- "$1") && {
			local off=${hit%%:*} line=${hit#*:}
			MARK=$((MARK + off + ${#line} + 1))
			return 0; }
		sleep 0.05
	done
	cat "$KMS_DIR/con.out" >&2
	kms_fail "console: no \"$1\""
}
client() { "$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" \
    --token "$TA" "$@"; }
ntp_hex() { printf '%08X00000000' "$1"; }
now_ntp() { echo $(( $(date +%s) + NTP )); }
wait_until() {	# UNIX-SECONDS: sleep until the clock has passed it
	while [ "$(date +%s)" -lt "$1" ]; do sleep 0.2; done
}
TA=$(kms_token "$A" --ttl 900)

PW=Adm1n-pw-rot PWO=Op-pw-rot-1
say "operator add admin administrator"; expect "new password for admin"
say "$PW"; expect "again:"
say "$PW"; expect "operator admin added"
say "login admin"; expect "password:"
say "$PW"; expect "logged in as admin"
say "operator add olga operator"; expect "new password for olga"
say "$PWO"; expect "again:"
say "$PWO"; expect "operator olga added"
say "cert show"; expect "KmsSignKeyId"
Z1=$(sed -n 's/^PubEncKey \([0-9a-f]*\)$/\1/p' "$KMS_DIR/con.out" | tail -1)
[ ${#Z1} = 514 ] || kms_fail "cert show: no PubEncKey"

# --- 1. refusals ------------------------------------------------------------
say "cert rotate $C2"; expect "cert rotate: would draw new master secrets for certificate $C2 serving key periods from "
grep -q "new key sets. To go on, end the command with: confirm$" \
    "$KMS_DIR/con.out" || kms_fail "cert rotate without confirm"
say "cert rotate $C2 2020-01-01T00:00:00Z confirm"
expect "cert rotate: FROM must be a key period start at or after"
say "cert rotate $C2 2026-13-01T00:00:00Z confirm"
expect "cert rotate: FROM '2026-13-01T00:00:00Z' is not an xsd:dateTime"
say "cert rotate $C1 confirm"; expect "cert rotate: CertUri $C1 is in use"
say "cert rotate 'cert two' confirm"; expect "cert rotate: CERTURI 'cert two' is not a URI"
say "logout"; expect "logged out admin"
say "login olga"; expect "password:"
say "$PWO"; expect "logged in as olga (operator)"
say "cert rotate $C2 confirm"
expect "cert rotate: permission denied for role operator"
say "logout"; expect "logged out olga"
say "login admin"; expect "password:"
say "$PW"; expect "logged in as admin"
say "hsm status"; expect "kms-sign"
grep -q "master-sakke.2" "$KMS_DIR/con.out" &&
    kms_fail "a refused rotation made keys"

# --- 2. the rotation --------------------------------------------------------
T0=$(date +%s)
say "cert rotate $C2 confirm"
expect "generation 2: $C2 serves key periods from "
FROM=$(sed -n "s/^.*generation 2: $C2 serves key periods from \([^ ]*\) .*/\1/p" \
    "$KMS_DIR/con.out")
FROM_S=$(date -u -d "$FROM" +%s) || kms_fail "FROM '$FROM'"
# The earliest allowed: past keyprov_future_periods = 1 and the next
# (precomputed) period: the start of period cur + 2.
CUR=$(( (T0 + NTP) / P ))
[ $(( (FROM_S + NTP) % P )) = 0 ] || kms_fail "FROM $FROM: not a period start"
[ $(( (FROM_S + NTP) / P )) -ge $((CUR + 2)) ] &&
    [ $(( (FROM_S + NTP) / P )) -le $((CUR + 3)) ] ||
	kms_fail "FROM $FROM: not the earliest allowed period (now $T0)"
expect "  2 $C2 $FROM .. "
say "cert show"; expect "generations:"
expect "  1 $C1 2026-01-01T00:00:00Z .. $(date -u -d @$((FROM_S - 1)) +%Y-%m-%dT%H:%M:%SZ) in force"
expect "  2 $C2 $FROM .. "
say "hsm status"; expect "master-sakke.2"; expect "master-eccsi.2"
say "cert show $C2"; expect "CertUri $C2"
Z2=$(sed -n 's/^PubEncKey \([0-9a-f]*\)$/\1/p' "$KMS_DIR/con.out" | tail -1)
[ ${#Z2} = 514 ] && [ "$Z2" != "$Z1" ] || kms_fail "cert2: PubEncKey"
say "cert rotate $C2 confirm"; expect "cert rotate: CertUri $C2 is in use"

"$CLIENT" --url "$KMS_URL" init > "$KMS_DIR/init1" 2>&1 &&
    grep -q "CertUri $C1," "$KMS_DIR/init1" ||
	{ cat "$KMS_DIR/init1"; kms_fail "init before the switch: not $C1"; }
# The CertCache stays other KMSs' (none here): unchanged.
client --expect-certs 0 --expect-cache-num 0 certcache > "$KMS_DIR/cc1" 2>&1 ||
    { cat "$KMS_DIR/cc1"; kms_fail "certcache after the rotation"; }
mkdir -p "$KMS_DIR/s2"
client --save "$KMS_DIR/s2" cert "$C2" > "$KMS_DIR/c2" 2>&1 ||
    { cat "$KMS_DIR/c2"; kms_fail "cert/$C2"; }
grep -q "<PubEncKey>${Z2^^}</PubEncKey>" "$KMS_DIR"/s2/*.xml ||
    kms_fail "cert/$C2: not generation 2's PubEncKey"
grep -q 'Role="Root"' "$KMS_DIR"/s2/*.xml || kms_fail "cert/$C2: Role"
# Valid from the rotation (a client may fetch it before it serves).
VF=$(sed -n 's/.*<ValidFrom>\(.*\)<\/ValidFrom>.*/\1/p' "$KMS_DIR"/s2/*.xml)
VF_S=$(date -u -d "$VF" +%s) && [ "$VF_S" -ge "$T0" ] &&
    [ "$VF_S" -le "$(date +%s)" ] || kms_fail "cert2 ValidFrom $VF (rotation at $T0)"

# --- 3. the first period of generation 2, once in keyprov's window ---------
wait_until $((FROM_S - P))
client keyprov "$A" "$(ntp_hex $((FROM_S + NTP + 1)))" > "$KMS_DIR/k2" 2>&1 ||
    { cat "$KMS_DIR/k2"; kms_fail "keyprov of generation 2's period"; }
grep -q "^keyprov: fetched certificate $C2" "$KMS_DIR/k2" &&
    grep -q "^keyprov: keyset $A period $(( (FROM_S + NTP) / P )): UID recomputed, SSK/PVT valid .* cert $C2$" \
    "$KMS_DIR/k2" || kms_fail "keyprov: not verified under $C2: $(cat "$KMS_DIR/k2")"
if grep -q "wolfSSL pairing" "$KMS_DIR/k2"; then WOLF=1; else WOLF=0; fi
client keyprov "$A" > "$KMS_DIR/k1" 2>&1 ||
    { cat "$KMS_DIR/k1"; kms_fail "keyprov now"; }
[ "$(date +%s)" -lt "$FROM_S" ] || kms_fail "too slow: the switch passed"
grep -q "cert $C1$" "$KMS_DIR/k1" && ! grep -q "fetched" "$KMS_DIR/k1" ||
    kms_fail "keyprov before the switch: $(cat "$KMS_DIR/k1")"

# --- 4. after the switch ----------------------------------------------------
wait_until "$FROM_S"
"$CLIENT" --url "$KMS_URL" init > "$KMS_DIR/init2" 2>&1 &&
    grep -q "CertUri $C2," "$KMS_DIR/init2" ||
	{ cat "$KMS_DIR/init2"; kms_fail "init after the switch: not $C2"; }
client keyprov "$A" "$(ntp_hex $((FROM_S + NTP - 1)))" > "$KMS_DIR/k3" 2>&1 ||
    { cat "$KMS_DIR/k3"; kms_fail "keyprov of the previous period"; }
grep -q "^keyprov: fetched certificate $C1" "$KMS_DIR/k3" &&
    grep -q "cert $C1$" "$KMS_DIR/k3" ||
	kms_fail "previous period not under $C1: $(cat "$KMS_DIR/k3")"
client keyprov "$A" > "$KMS_DIR/k4" 2>&1 && grep -q "cert $C2$" "$KMS_DIR/k4" &&
    ! grep -q "fetched" "$KMS_DIR/k4" ||
	kms_fail "keyprov after the switch: $(cat "$KMS_DIR/k4")"
mkdir -p "$KMS_DIR/s1"
client --save "$KMS_DIR/s1" cert "$C1" > "$KMS_DIR/cc2" 2>&1 ||
    { cat "$KMS_DIR/cc2"; kms_fail "cert/$C1 after the switch"; }
grep -q "<CertUri>$C1</CertUri>" "$KMS_DIR"/s1/*.xml &&
    grep -q "<PubEncKey>${Z1^^}</PubEncKey>" "$KMS_DIR"/s1/*.xml ||
	kms_fail "cert/$C1 after the switch: not generation 1"
grep -q "<ValidTo>$(date -u -d @$((FROM_S - 1)) +%Y-%m-%dT%H:%M:%S)Z\?</ValidTo>" \
    "$KMS_DIR"/s1/*.xml || kms_fail "cert1: ValidTo not cut to FROM - 1 s"

# --- 5. restart: both generations from the store and the token -------------
say "cert show"; expect "  1 $C1 2026-01-01T00:00:00Z .. "
expect "  2 $C2 $FROM .. "
grep -q "^  1 $C1 .* previous$" "$KMS_DIR/con.out" &&
    grep -q "^  2 $C2 $FROM .* in force$" "$KMS_DIR/con.out" ||
	kms_fail "cert show after the switch"
exec 3>&-
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd exited $?"
KMS_PID=
kms_start
kms_want_health 200 operational 100
grep -q "kcert: 2 certificate generations, the newest 2 ($C2)" \
    "$KMS_DIR/kmsd.out" || kms_fail "restart: generations not loaded"
"$CLIENT" --url "$KMS_URL" init > "$KMS_DIR/init3" 2>&1 &&
    grep -q "CertUri $C2," "$KMS_DIR/init3" ||
	kms_fail "init after restart: $(cat "$KMS_DIR/init3")"
# Generation 2's first period again: byte-identical keys (its masters
# came back from the token).
client keyprov "$A" "$(ntp_hex $((FROM_S + NTP + 1)))" > "$KMS_DIR/k5" 2>&1 ||
    { cat "$KMS_DIR/k5"; kms_fail "keyprov after restart"; }
d2=$(sed -n "s/^keyprov: keyset .* keys sha256:\([0-9a-f]*\) cert $C2$/\1/p" \
    "$KMS_DIR/k2")
d5=$(sed -n "s/^keyprov: keyset .* keys sha256:\([0-9a-f]*\) cert $C2$/\1/p" \
    "$KMS_DIR/k5")
[ -n "$d2" ] && [ "$d2" = "$d5" ] ||
    kms_fail "generation 2 after restart: keys $d5, before $d2"

# --- 6. audit --------------------------------------------------------------
kms_admin audit | grep -q "console: cert rotate $C2 confirm" ||
    kms_fail "rotation not audited"

# --- 7. a generation in the store without its keys in the token ------------
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd exited $?"
KMS_PID=
sqlite3 "$KMS_DATA/kms.db" "INSERT INTO kms_gens VALUES (5, 'cert5.$KMS_URI', \
    $((FROM_S + 100 * P)), $((FROM_S + 200 * P)), $(date +%s))" ||
    kms_fail "sqlite3"
kms_start
kms_want_health 503 error 100
grep -q "boot: KMS certificate: certificate generation 5 (cert5.$KMS_URI): the master secrets are not in the token" \
    "$KMS_DIR/kmsd.out" || kms_fail "no error for generation 5 without keys"
curl -s -o /dev/null -w '%{http_code}' -X POST "$KMS_URL/keymanagement/identity/v1/init" |
    grep -qx 503 || kms_fail "init served in the error state"
echo "it_cert_rotate: generation 2 from $FROM, verified under its own" \
    "certificate (wolfSSL: $WOLF)"
exit 0
