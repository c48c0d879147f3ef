#!/usr/bin/env bash
# Firmware update, A/B: images made with tools/mkimage and the build's
# test release key; the boot stage (kms-boot) runs the slots' kmsd; the
# console's update is driven through stdin.
#   - a flashed 1.0.0 boots from slot a and confirms it;
#   - refused, with the slots untouched: an unsigned image, one signed by
#     another key, one with a file changed after signing, one with its
#     manifest changed after signing, the same version, no "confirm";
#   - a signed 1.1.0 installs into slot b; the console's reboot hands
#     over to the boot stage, which boots it on trial; it confirms and
#     serves;
#   - an older 1.0.5 is refused (downgrade);
#   - a signed 1.2.0 whose kmsd fails its self-tests (exits 70 before it
#     serves) installs into slot a, its trial boot fails and the boot
#     stage falls back to slot b, which serves;
#   - a slot changed on disk does not verify and is not booted.
set -u
. "$(dirname "$0")/kms_env.sh"
BOOT=$BUILD/tools/kms-boot/kms-boot
MK=$SRC/tools/mkimage/mkimage
KEY=$BUILD/release-test/release-test.key.pem
[ -r "$KEY" ] || kms_fail "no test release key $KEY"
kms_up
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "plain kmsd exit"
KMS_PID=
trap 'exec 3>&- 2>/dev/null; kms_down' EXIT
I=$KMS_DIR/img
mkdir -p "$I"

mk() {	# mk VERSION OUT [mkimage args]: kmsd, kms-admin, the example conf
	local v=$1 out=$2; shift 2
	"$MK" --version "$v" --out "$out" "$@" \
	    bin/kms-admin="$ADMIN" \
	    etc/kmsd.conf.example="$SRC/docs/kmsd.conf.example" >/dev/null ||
	    kms_fail "mkimage $v"
}
mk 1.0.0 "$I/v100.img" --key "$KEY" bin/kmsd="$KMSD"
mk 1.1.0 "$I/v110.img" --key "$KEY" bin/kmsd="$KMSD"
mk 1.0.5 "$I/v105.img" --key "$KEY" bin/kmsd="$KMSD"
mk 1.0.0 "$I/same.img" --key "$KEY" bin/kmsd="$KMSD"
mk 1.2.0 "$I/unsigned.img" --unsigned bin/kmsd="$KMSD"
openssl genpkey -algorithm ed25519 -out "$I/other.pem" 2>/dev/null
mk 1.2.0 "$I/otherkey.img" --key "$I/other.pem" bin/kmsd="$KMSD"
mk 1.2.0 "$I/good120.img" --key "$KEY" bin/kmsd="$KMSD"
# Tampered after signing: one byte of bin/kmsd; the manifest's version.
python3 - "$I/good120.img" "$I/tamper-file.img" "$I/tamper-manifest.img" <<'EOF'
import sys, tarfile, io
src, tf, tm = sys.argv[1:4]
raw = bytearray(open(src, 'rb').read())
with tarfile.open(src) as t:
    k = t.getmember('bin/kmsd'); m = t.getmember('manifest.json')
    koff, moff = k.offset_data, m.offset_data
a = bytearray(raw); a[koff + 4096] ^= 0x01
open(tf, 'wb').write(a)
b = bytearray(raw)
i = b.index(b'"version":"1.2.0"', moff)
b[i:i + 17] = b'"version":"9.2.0"'
open(tm, 'wb').write(b)
EOF
# A kmsd that fails its power-on self-tests: exits 70 before serving.
printf '#!/bin/sh\necho "kmsd: boot: power-on self-test failed" >&2\nexit 70\n' \
    > "$I/failing-kmsd"
mk 1.2.0 "$I/fail120.img" --key "$KEY" bin/kmsd="$I/failing-kmsd"

# The checks themselves must be able to fail: a changed byte is seen.
cmp -s "$I/good120.img" "$I/tamper-file.img" && kms_fail "no tamper"

"$BOOT" -d "$KMS_DATA" --flash "$I/unsigned.img" 2>/dev/null &&
    kms_fail "kms-boot flashed an unsigned image"
[ ! -e "$KMS_DATA/slots/bootctl" ] || kms_fail "bootctl after a refusal"
"$BOOT" -d "$KMS_DATA" --flash "$I/v100.img" 2>>"$KMS_DIR/kmsd.out" ||
    kms_fail "flash 1.0.0"

say() { printf '%s\n' "$1" >&3; }
expect() {	# expect PATTERN [COUNT]: in the console output of this boot
	local n=${2:-1} i
	for i in $(seq 1 300); do
		[ "$(grep -c -F -- "$1" "$CON")" -ge "$n" ] && return 0
		sleep 0.05
	done
	cat "$CON" >&2
	kms_fail "console: no \"$1\" (x$n)"
}
ctl() { grep -qx "$1" "$KMS_DATA/slots/bootctl" ||
    { cat "$KMS_DATA/slots/bootctl" >&2; kms_fail "bootctl: want $1"; }; }

NBOOT=0
boot() {	# start kms-boot with a console FIFO; wait until kmsd serves
	NBOOT=$((NBOOT + 1))
	CON=$KMS_DIR/con$NBOOT.out
	rm -f "$KMS_DATA/kmsd.port" "$KMS_DIR/con.in"
	mkfifo "$KMS_DIR/con.in"
	"$BOOT" -d "$KMS_DATA" -- -C -c "$KMS_DIR/kmsd.conf" \
	    < "$KMS_DIR/con.in" > "$CON" 2>> "$KMS_DIR/kmsd.out" &
	KMS_PID=$!
	exec 3> "$KMS_DIR/con.in"
	wait_port
}
wait_port() {
	local i
	for i in $(seq 1 300); do
		[ -s "$KMS_DATA/kmsd.port" ] && break
		kill -0 "$KMS_PID" 2>/dev/null || {
			tail -20 "$KMS_DIR/kmsd.out" >&2
			kms_fail "kms-boot ended at boot $NBOOT"; }
		sleep 0.05
	done
	[ -s "$KMS_DATA/kmsd.port" ] || kms_fail "no kmsd.port (boot $NBOOT)"
	KMS_URL=http://127.0.0.1:$(cat "$KMS_DATA/kmsd.port")
}
halt() {
	exec 3>&-
	kill -TERM "$KMS_PID"
	wait "$KMS_PID" || kms_fail "kms-boot exited $? (boot $NBOOT)"
	KMS_PID=
}
login() {
	say "login admin"; expect "password:"
	say "$PW"; expect "logged in as admin (administrator)"
}

PW='Upd4te-pw-xyz'
# Boot 1: 1.0.0 from slot a.
boot
ctl active=a; ctl confirmed=1; ctl next=-
say "operator add admin administrator"; expect "new password for admin"
say "$PW"; expect "again:"
say "$PW"; expect "operator admin added"
login
say "firmware show"
expect "running:  slot a"
expect "slot a:   1.0.0 (verified)"
expect "slot b:   does not verify"

refused() {	# refused IMAGE MESSAGE
	local n
	n=$(grep -c -F -- "$2" "$CON")
	say "update $I/$1 confirm"
	expect "$2" $((n + 1))
	ctl next=-
	[ ! -e "$KMS_DATA/slots/b" ] || kms_fail "$1 was installed"
}
refused unsigned.img "no manifest.sig: the image is not signed"
refused otherkey.img "signature does not verify with the release key"
refused tamper-manifest.img "signature does not verify with the release key"
refused tamper-file.img "bin/kmsd: size or SHA-256 differs from the signed manifest"
refused same.img "version 1.0.0 is not newer than the running version 1.0.0"
refused nonexistent.img "nonexistent.img: No such file"
say "update $I/v110.img"
expect "update: type the word confirm"
ctl next=-
say "update $I/v110.img confirm"
expect "update: version 1.1.0 installed in slot b"
ctl next=b; ctl active=a
say "firmware show"
expect "slot b:   1.1.0 (verified)"
expect "next boot: slot b"

# Boot 2: the console's reboot restarts kmsd in place; it sees the update
# waiting and hands over to the boot stage, which boots slot b on trial;
# it passes its self-tests and confirms.
rm -f "$KMS_DATA/kmsd.port"
say "reboot confirm"
expect "rebooting"
wait_port
ctl active=b; ctl confirmed=1; ctl next=-
grep -q "boot: firmware in slot b waits for its trial: handing over" \
    "$KMS_DATA/kmsd.log" || kms_fail "no hand-over logged"
grep -q "kms-boot: slot a asked for a new boot" "$KMS_DATA/kmsd.log" ||
    kms_fail "kms-boot did not boot again"
kill -0 "$KMS_PID" || kms_fail "kms-boot ended at the reboot"
"$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" init >/dev/null ||
    kms_fail "1.1.0 does not serve"
grep -q "kms-boot: trying slot b (update)" "$KMS_DATA/kmsd.log" ||
    kms_fail "no trial of slot b logged"
grep -q "boot: slot b confirmed" "$KMS_DATA/kmsd.log" ||
    kms_fail "slot b not confirmed in the log"
login
say "firmware show"
expect "running:  slot b"
refused_a() {	# as refused, slot a must keep 1.0.0
	local n
	n=$(grep -c -F -- "$2" "$CON")
	say "update $I/$1 confirm"
	expect "$2" $((n + 1))
	ctl next=-
}
refused_a v105.img "version 1.0.5 is not newer than the running version 1.1.0"
refused_a v100.img "version 1.0.0 is not newer than the running version 1.1.0"
say "update $I/fail120.img confirm"
expect "update: version 1.2.0 installed in slot a"
ctl next=a
halt

# Boot 3: slot a (1.2.0) fails its self-tests; the boot stage falls back
# to slot b, which serves.
boot
ctl active=b; ctl confirmed=1; ctl failed=a; ctl next=-
grep -q "kms-boot: slot a exited 70 before it confirmed" "$KMS_DATA/kmsd.log" ||
    kms_fail "the failed trial is not logged"
grep -q "falling back to slot b" "$KMS_DATA/kmsd.log" ||
    kms_fail "no fallback logged"
"$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" init >/dev/null ||
    kms_fail "slot b does not serve after the fallback"
login
say "firmware show"
expect "running:  slot b"
expect "slot a:   1.2.0 (verified)"
expect "failed:   slot a (its last trial)"
halt

# Verified boot: a byte of the active slot changed on disk.
printf 'x' >> "$KMS_DATA/slots/b/etc/kmsd.conf.example"
"$BOOT" -d "$KMS_DATA" -- -c "$KMS_DIR/kmsd.conf" 2>> "$KMS_DIR/kmsd.out" &&
    kms_fail "kms-boot booted a slot that does not verify"
grep -q "kms-boot: slot b does not verify: .*kmsd.conf.example: size or SHA-256" \
    "$KMS_DATA/kmsd.log" || kms_fail "verified boot did not say why"
echo "it_update: ok"
