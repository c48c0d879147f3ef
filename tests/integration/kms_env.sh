# kms_env.sh - sourced by integration tests: a fresh appliance per test.
#
# kms_up   makes a temp dir with a SoftHSMv2 token, provisions it with
#          kms-provision, writes kmsd.conf, starts kmsd on slirp with host
#          port 0 and waits until it serves; sets KMS_URL, KMS_DIR,
#          KMS_DATA, KMS_PID.  With KMS_TLS set, it also provisions the TLS
#          key and certificates and serves HTTPS; KMS_CA is the CA to trust.
#          Also makes a test IdMS key (kms-token genkey, $KMS_DIR/idms) and
#          configures [auth] for it (issuer $KMS_ISS, audience $KMS_AUD).
# kms_start starts kmsd again on the same directory (after a kill -9).
# kms_wait_port waits for a kmsd started otherwise and sets KMS_URL.
# kms_down stops kmsd (SIGTERM), checks it exited 0, removes the temp dir.
# kms_token SUB [kms-token options...]  prints a token for SUB.
# kms_script_accounts ADMIN_PW [NAME ROLE PW]...  console driver lines
#          that make and log in the first accounts.
# kms_ext_cert FILE  writes an external KMS certificate.
# kms_admin ARGS...  runs kms-admin on the data directory.
# kms_save NAME / kms_use NAME  save the current instance's variables
#          (KMS_DIR, KMS_DATA, KMS_PID, KMS_URL, KMS_CA, KMS_URI,
#          SOFTHSM2_CONF) under NAME / make NAME current again: a second
#          appliance is another kms_up after kms_save (two kmsd, two
#          tokens, two lwIP stacks); kms_down stops the current one.
#          KMS_TLS_ARGS adds options to kms-provision tls-key (--cn, --san).
# Needs BUILD (the build directory) and SRC (the source tree) set.
set -u

: "${BUILD:?BUILD must be the build directory}"
: "${SRC:?SRC must be the source directory}"
KMS_PIN=${KMS_PIN:-1234}
KMS_TOKEN=${KMS_TOKEN:-kms}
KMS_URI=${KMS_URI:-kms.example.org}
KMSD=${KMSD:-$BUILD/firmware/kmsd}
PROVISION=$BUILD/tools/kms-provision/kms-provision
CLIENT=$BUILD/tools/kms-client/kms-client
TOKEN=$BUILD/tools/kms-token/kms-token
ADMIN=$BUILD/tools/kms-admin/kms-admin
KMS_ISS=${KMS_ISS:-https://idms.example.org}
KMS_AUD=${KMS_AUD:-kms.example.org}

kms_fail() {
	echo "FAIL: $*" >&2
	# A test may show more on failure (a driver's transcript).
	! declare -F kms_on_fail >/dev/null || kms_on_fail
	exit 1
}

# kms_want_health CODE WORD [TRIES]: GET $KMS_URL/health answers CODE
# with the state word WORD, within TRIES polls 0.1 s apart (default 30);
# over HTTPS the server is checked against KMS_CA.
kms_want_health() {
	local code i ca=()
	case $KMS_URL in https:*) ca=(--cacert "$KMS_CA") ;; esac
	for i in $(seq 1 "${3:-30}"); do
		code=$(curl -s "${ca[@]}" -o "$KMS_DIR/health" \
		    -w '%{http_code}' "$KMS_URL/health")
		[ "$code" = "$1" ] && grep -qx "$2" "$KMS_DIR/health" &&
		    return 0
		[ "$i" = "${3:-30}" ] || sleep 0.1
	done
	kms_fail "/health: $code '$(cat "$KMS_DIR/health")', want $1 $2"
}

# kms_stop_pid: stop the kmsd of KMS_PID when it is not our child (a pty
# driver started it): SIGTERM, then wait up to 5 s for it to go.
kms_stop_pid() {
	local i
	[ -n "${KMS_PID:-}" ] || return 0
	kill -TERM "$KMS_PID" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$KMS_PID" 2>/dev/null || break
		sleep 0.05
	done
	KMS_PID=
}

kms_up() {
	KMS_DIR=$(mktemp -d /tmp/kms-it-XXXXXX)
	KMS_DATA=$KMS_DIR/data
	"$SRC/tests/lib/hsm_token.sh" "$KMS_DIR/hsm" "$KMS_TOKEN" "$KMS_PIN" ||
	    kms_fail "token"
	export SOFTHSM2_CONF=$KMS_DIR/hsm/softhsm2.conf
	printf '%s\n' "$KMS_PIN" > "$KMS_DIR/pin"
	chmod 600 "$KMS_DIR/pin"
	"$PROVISION" --module /usr/lib/softhsm/libsofthsm2.so \
	    --token "$KMS_TOKEN" --pin-file "$KMS_DIR/pin" init \
	    > "$KMS_DIR/provision.out" 2>&1 || {
		cat "$KMS_DIR/provision.out" >&2; kms_fail "kms-provision init"; }
	if [ -n "${KMS_TLS:-}" ]; then
		mkdir -p "$KMS_DIR/tls"
		"$PROVISION" --module /usr/lib/softhsm/libsofthsm2.so \
		    --token "$KMS_TOKEN" --pin-file "$KMS_DIR/pin" tls-key \
		    --out "$KMS_DIR/tls" ${KMS_TLS_ARGS:-} \
		    >> "$KMS_DIR/provision.out" 2>&1 || {
			cat "$KMS_DIR/provision.out" >&2
			kms_fail "kms-provision tls-key"; }
		KMS_NET_EXTRA="${KMS_NET_EXTRA:-}"$'\n[tls]\ncert = '"$KMS_DIR/tls/tls.pem"
	fi
	cat > "$KMS_DIR/kmsd.conf" <<CONF
[kms]
kms_uri = $KMS_URI
cert_uri = cert1.$KMS_URI
issuer = Example Operator
valid_from = 2026-01-01T00:00:00Z
valid_to = 2031-01-01T00:00:00Z
user_key_period = 2592000
user_key_offset = 0
domains = example.org example.net

[hsm]
module = ${KMS_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
token = $KMS_TOKEN
pin_file = $KMS_DIR/pin

[net]
port = 0
connections = ${KMS_CONNS:-8}
${KMS_NET_EXTRA:-}

[log]
level = info

[auth]
issuer = $KMS_ISS
audience = $KMS_AUD
key_files = $KMS_DIR/idms/idms-pub.pem
${KMS_AUTH_EXTRA:-}
CONF
	mkdir -p "$KMS_DIR/idms"
	"$TOKEN" genkey --out "$KMS_DIR/idms" >/dev/null ||
	    kms_fail "kms-token genkey"
	kms_start
}

kms_start() {
	rm -f "$KMS_DATA/kmsd.port"
	"$KMSD" -c "$KMS_DIR/kmsd.conf" -d "$KMS_DATA" \
	    >> "$KMS_DIR/kmsd.out" 2>&1 &
	KMS_PID=$!
	kms_wait_port
}

# kms_wait_port [TRIES]: wait (TRIES polls 0.05 s apart, default 200)
# until kmsd wrote DATA/kmsd.port, failing early if KMS_PID (when set)
# died; then set KMS_URL (and KMS_CA with KMS_TLS).  For a kmsd started
# any way: kms_start, a console on a FIFO, the pty driver.
kms_wait_port() {
	local i
	for i in $(seq 1 "${1:-200}"); do
		[ -s "$KMS_DATA/kmsd.port" ] && break
		[ -z "${KMS_PID:-}" ] || kill -0 "$KMS_PID" 2>/dev/null || {
			cat "$KMS_DIR/kmsd.out" >&2; kms_fail "kmsd died at boot"; }
		sleep 0.05
	done
	[ -s "$KMS_DATA/kmsd.port" ] || kms_fail "kmsd did not start"
	if [ -n "${KMS_TLS:-}" ]; then
		KMS_URL=https://localhost:$(cat "$KMS_DATA/kmsd.port")
		KMS_CA=$KMS_DIR/tls/ca.pem
	else
		KMS_URL=http://127.0.0.1:$(cat "$KMS_DATA/kmsd.port")
	fi
}

kms_down() {
	local rc=0
	if [ -n "${KMS_PID:-}" ] && kill -0 "$KMS_PID" 2>/dev/null; then
		kill -TERM "$KMS_PID"
		wait "$KMS_PID" || rc=$?
		[ $rc -eq 0 ] || { cat "$KMS_DIR/kmsd.out" >&2;
		    echo "FAIL: kmsd exited $rc" >&2; }
	fi
	KMS_PID=
	[ -n "${KMS_KEEP:-}" ] || rm -rf "$KMS_DIR"
	return $rc
}

# kms_script_accounts ADMIN_PW [NAME ROLE PW]...: it_state_drive.py script
# lines for a first boot's console: make the administrator "admin", log
# it in, then add each further operator (admin stays logged in).
kms_script_accounts() {
	local pw=$1
	shift
	printf 'expect kms>\nsay operator add admin administrator\n'
	printf 'expect new password for admin\nsay %s\nexpect again:\n' "$pw"
	printf 'say %s\nexpect operator admin added\nsay login admin\n' "$pw"
	printf 'expect password:\nsay %s\nexpect logged in as admin\n' "$pw"
	while [ $# -ge 3 ]; do
		printf 'say operator add %s %s\nexpect new password for %s\n' \
		    "$1" "$2" "$1"
		printf 'say %s\nexpect again:\nsay %s\n' "$3" "$3"
		printf 'expect operator %s added\n' "$1"
		shift 3
	done
}

# kms_ext_cert FILE: an external KMS certificate (KmsCertificate
# Role="External", CertUri cert1.kms.other.example of kms.other.example)
# into FILE, with this appliance's public keys from provision.out as
# stand-ins (valid points).
kms_ext_cert() {
	local enc auth
	enc=$(awk '/^PubEncKey/ {print toupper($2)}' "$KMS_DIR/provision.out")
	auth=$(awk '/^PubAuthKey/ {print toupper($2)}' "$KMS_DIR/provision.out")
	cat > "$1" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<KmsCertificate xmlns="urn:3gpp:ns:mcsecKMSInterface:1.0" Version="1.1.0" Role="External">
  <CertUri>cert1.kms.other.example</CertUri>
  <KmsUri>kms.other.example</KmsUri>
  <Issuer>Other Operator</Issuer>
  <ValidFrom>2026-01-01T00:00:00Z</ValidFrom>
  <ValidTo>2031-01-01T00:00:00Z</ValidTo>
  <Revoked>false</Revoked>
  <UserIdFormat>2</UserIdFormat>
  <UserKeyPeriod>2592000</UserKeyPeriod>
  <UserKeyOffset>0</UserKeyOffset>
  <PubEncKey>$enc</PubEncKey>
  <PubAuthKey>$auth</PubAuthKey>
  <ParameterSet>1</ParameterSet>
</KmsCertificate>
XML
}

kms_token() {
	local sub=$1; shift
	"$TOKEN" --key "$KMS_DIR/idms/idms-key.pem" --iss "$KMS_ISS" \
	    --aud "$KMS_AUD" --sub "$sub" "$@"
}

kms_admin() {
	"$ADMIN" -d "$KMS_DATA" "$@"
}

kms_save() {
	local v
	for v in KMS_DIR KMS_DATA KMS_PID KMS_URL KMS_CA KMS_URI SOFTHSM2_CONF; do
		eval "KMS_SAVED_${1}_$v=\${$v:-}"
	done
}

kms_use() {
	local v
	for v in KMS_DIR KMS_DATA KMS_PID KMS_URL KMS_CA KMS_URI SOFTHSM2_CONF; do
		eval "$v=\${KMS_SAVED_${1}_$v:-}"
	done
	export SOFTHSM2_CONF
}
