#!/usr/bin/env bash
# Fault injection through the p11fault PKCS#11 module wrapping SoftHSMv2:
# for every N, failing the Nth token call (CKR_DEVICE_REMOVED, then
# CKR_SESSION_HANDLE_INVALID) during `kms-provision init` and during
# kmsd's boot gives a clean refusal (exit 1, a precise message; or kmsd
# stays up in a boot state that is not operational, 503 on /health and a
# log line saying why), never a crash or a sanitizer report; when the faults stop, provisioning with
# --force and the boot succeed and kmsd serves.
set -u
. "$(dirname "$0")/kms_env.sh"
FAULT=$BUILD/tests/lib/p11fault/p11fault.so
[ -f "$FAULT" ] || kms_fail "p11fault module not built"
dir=$(mktemp -d /tmp/kms-fault-XXXXXX)
trap 'rm -rf "$dir"' EXIT
export P11FAULT_CTL=$dir/ctl P11FAULT_COUNT=$dir/count
printf '%s\n' "$KMS_PIN" > "$dir/pin"

set_ctl() { printf '%s\n' "$1" > "$P11FAULT_CTL"; sleep 0.01; }

new_token() {
	rm -rf "$dir/hsm"
	"$SRC/tests/lib/hsm_token.sh" "$dir/hsm" "$KMS_TOKEN" "$KMS_PIN" ||
	    kms_fail "token"
	export SOFTHSM2_CONF=$dir/hsm/softhsm2.conf
}

provision() {	# provision [--force]: exit status of kms-provision init
	"$PROVISION" --module "$FAULT" --token "$KMS_TOKEN" \
	    --pin-file "$dir/pin" "$@" init > "$dir/prov.out" 2>&1
}

# 1. How many token calls does a provisioning make?
new_token
set_ctl ok
provision || { cat "$dir/prov.out"; kms_fail "provisioning without faults"; }
total=$(cat "$P11FAULT_COUNT")
echo "kms-provision init makes $total token calls"

for code in removed session; do
	for n in $(seq 1 "$total"); do
		new_token
		set_ctl "fail $n $code"
		provision
		rc=$?
		if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
			cat "$dir/prov.out"
			kms_fail "provision, call $n $code: exit $rc (crash?)"
		fi
		if [ $rc -eq 1 ] && ! grep -q . "$dir/prov.out"; then
			kms_fail "provision, call $n $code: failed silently"
		fi
		set_ctl ok
		provision --force || { cat "$dir/prov.out";
		    kms_fail "provision --force after fault at call $n"; }
	done
done
echo "ok: kms-provision init fails cleanly at each of $total calls and recovers"

# 2. kmsd's boot: count, then fail each call.
cat > "$dir/kmsd.conf" <<CONF
[kms]
kms_uri = $KMS_URI
[hsm]
module = $FAULT
token = $KMS_TOKEN
pin_file = $dir/pin
[net]
port = 0
CONF
# refused_up URL: kmsd is up but not operational and says so: /health
# answers 503 with locked, unprovisioned or error, and the log has why.
refused_up() {
	local st
	st=$(curl -s -o "$dir/health" -w '%{http_code}' "$1/health")
	[ "$st" = 503 ] && grep -qxE 'locked|unprovisioned|error' \
	    "$dir/health" && grep -qE 'boot: |state: ' "$dir/kmsd.out"
}
boot() {	# boot: 0 if kmsd served, 70 if it refused, else its status
	rm -rf "$dir/data"
	"$KMSD" -c "$dir/kmsd.conf" -d "$dir/data" > "$dir/kmsd.out" 2>&1 &
	local pid=$! i
	for i in $(seq 1 100); do
		if [ -s "$dir/data/kmsd.port" ]; then
			local url="http://127.0.0.1:$(cat "$dir/data/kmsd.port")"
			# Serving, or up in a state that says why not (it
			# answers 503 with the state word on /health).
			"$CLIENT" --url "$url" -q init 2>/dev/null || {
				refused_up "$url" || {
					kill "$pid"; wait "$pid"; return 99; }
				kill -TERM "$pid"; wait "$pid" || return 98
				return 70; }
			kill -TERM "$pid"; wait "$pid"; return $?
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	wait "$pid"
	return $?
}
set_ctl ok
boot || { cat "$dir/kmsd.out"; kms_fail "kmsd boot without faults"; }
total=$(cat "$P11FAULT_COUNT")
echo "kmsd's boot makes $total token calls"
for n in $(seq 1 "$total"); do
	set_ctl "fail $n removed"
	boot
	rc=$?
	case $rc in
	0) ;;			# the failed call was not needed to serve
	70) grep -q "boot: " "$dir/kmsd.out" ||
		kms_fail "kmsd refused boot at call $n without a reason" ;;
	*) cat "$dir/kmsd.out"; kms_fail "kmsd boot, call $n: exit $rc" ;;
	esac
done
set_ctl ok
boot || kms_fail "kmsd boot after the faults stopped"
echo "ok: kmsd's boot refuses cleanly at each of $total calls and boots when the token is back"
echo "it_hsm_faults: ok"
