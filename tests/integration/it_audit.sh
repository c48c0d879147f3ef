#!/usr/bin/env bash
# it_audit: the tamper-evident audit trail on the real kmsd.
#  - key sets issued and refused, operator commands at the console (kmsd -C
#    through a FIFO), each a chained record; the console's audit verify
#    checks the chain and the checkpoints with the token's KMS signing key
#    and writes a checkpoint; kms-admin audit-verify (the auditor's offline
#    tool) checks a copy with the KmsSignKey kms-provision printed.
#  - an attacker with sqlite3 who drops the triggers: an edited, a deleted
#    and a reordered record are each caught, by the console and offline.
#  - the audit store made unwritable (an INSERT trigger that aborts, as a
#    failing disk would): issuance stops (503), the panel shows the alarm;
#    writable again: issuance resumes and the alarm clears.
#  - a data directory on a small file system (32 MB tmpfs, under the 64 MB
#    alarm threshold): the panel shows the storage alarm at boot.
set -u
. "$(dirname "$0")/kms_env.sh"
kms_up
MNT=
cleanup() {
	exec 3>&- 2>/dev/null
	kms_down
	[ -n "$MNT" ] && { umount "$MNT" 2>/dev/null; rmdir "$MNT"; }
}
trap cleanup EXIT

A=sip:alice@example.org
kms_admin user add "$A" Alice || kms_fail "user add"
TA=$(kms_token "$A" --ttl 600) || kms_fail "token"
kc() { "$CLIENT" --url "$KMS_URL" --expect-kms-uri "$KMS_URI" "$@"; }
SIGNKEY=$(awk '/^KmsSignKey/ {print $2}' "$KMS_DIR/provision.out")
[ ${#SIGNKEY} -eq 130 ] || kms_fail "no KmsSignKey in provision.out"

# Restart kmsd with the console on stdin (a FIFO).
console_start() {
	rm -f "$KMS_DATA/kmsd.port" "$KMS_DIR/con.in"
	mkfifo "$KMS_DIR/con.in"
	"$KMSD" -C -c "$KMS_DIR/kmsd.conf" -d "$KMS_DATA" \
	    < "$KMS_DIR/con.in" > "$KMS_DIR/con.out" 2>> "$KMS_DIR/kmsd.out" &
	KMS_PID=$!
	exec 3> "$KMS_DIR/con.in"
	kms_wait_port
}
console_stop() {
	exec 3>&-
	kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd exited $?"
	KMS_PID=
}
say() { printf '%s\n' "$1" >&3; }
expect() {
	local n=${2:-1} i
	for i in $(seq 1 200); do
		[ "$(grep -c -F -- "$1" "$KMS_DIR/con.out")" -ge "$n" ] &&
		    return 0
		sleep 0.05
	done
	cat "$KMS_DIR/con.out" >&2
	kms_fail "console: no \"$1\" (x$n)"
}
panel_has() {
	local i
	for i in $(seq 1 100); do
		grep -q -F -- "$1" "$KMS_DATA/panel.txt" 2>/dev/null &&
		    return 0
		sleep 0.05
	done
	cat "$KMS_DATA/panel.txt" >&2
	kms_fail "panel: no \"$1\""
}
panel_lacks() {
	local i
	for i in $(seq 1 100); do
		grep -q -F -- "$1" "$KMS_DATA/panel.txt" 2>/dev/null ||
		    return 0
		sleep 0.05
	done
	cat "$KMS_DATA/panel.txt" >&2
	kms_fail "panel: still \"$1\""
}

# Records of every kind: issued, refused, operator.
kc --token "$TA" --count 3 keyprov >/dev/null || kms_fail "keyprov"
kc --token "$TA" --expect-status 403 --expect-kms-error raw POST \
    /keymanagement/identity/v1/keyprov/sip%3Abob%40example.org \
    >/dev/null 2>&1 || kms_fail "an unbound identity was not refused"
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd exited $?"
KMS_PID=
console_start
PW='Adm1n-pw-xyz'
say "operator add admin administrator"; expect "new password for admin"
say "$PW"; expect "again:"
say "$PW"; expect "operator admin added"
say "login admin"; expect "password:"
say "$PW"; expect "logged in as admin"
say "cert show"
expect "KmsSignKey $SIGNKEY"
expect "PubAuthKey $(awk '/^PubAuthKey/ {print $2}' "$KMS_DIR/provision.out")"
expect "CertUri cert1.$KMS_URI"
say "audit verify"
expect "audit verify: ok:"
expect "checkpoint written at record"
grep -q "audit verify: ok: .* records, chain intact; .* checkpoints, [1-9][0-9]* signed by this KMS, 0 by another key" \
    "$KMS_DIR/con.out" || { cat "$KMS_DIR/con.out"; kms_fail "verify line"; }
# certcache at the console: a certificate from the import directory.
mkdir -p "$KMS_DATA/import"
kms_ext_cert "$KMS_DATA/import/ext1.xml"
sed 's/Role="External"/Role="Root"/' "$KMS_DATA/import/ext1.xml" \
    > "$KMS_DATA/import/root.xml"
say "certcache add ext1.xml"
expect "certcache add: cert1.kms.other.example (KMS kms.other.example), cache version 1"
say "certcache add root.xml"
expect 'certcache add: root.xml: Role is "Root"'
say "certcache add ../kms.db"
expect "certcache add: NAME is a file name in the import directory"
say "certcache list"
expect "cert1.kms.other.example kms=kms.other.example"
kc --token "$TA" --expect-cache-num 1 --expect-certs 1 certcache >/dev/null ||
    kms_fail "certcache after the console's add"
say "certcache remove cert1.kms.other.example"
expect "certcache remove: cert1.kms.other.example, cache version 2"
say "certcache remove cert1.kms.other.example"
expect "certcache remove: cert1.kms.other.example: not found"
say "audit show 50"
expect "of "
grep -q "console subject=console:admin .*request=console:ok reason=console: certcache add ext1.xml operator=admin" \
    "$KMS_DIR/con.out" || kms_fail "certcache add not audited with the operator"
grep -q "console subject=console:admin .*operator=admin" "$KMS_DIR/con.out" ||
    kms_fail "operator record without the operator"
console_stop
n_issued=$(kms_admin audit | grep -c $'\tissued\t')
[ "$n_issued" -eq 3 ] || kms_fail "$n_issued issuance records, want 3"
kms_admin audit | grep -q $'\trefused\t' || kms_fail "no refusal record"
kms_admin audit | grep $'\toperator\t' | grep -q $'operator=admin' ||
    kms_fail "no operator record with the operator's name"

# Offline: the auditor's copy verifies with the KMS public key.
cp -a "$KMS_DATA" "$KMS_DIR/clean"
out=$("$ADMIN" -d "$KMS_DIR/clean" audit-verify "$SIGNKEY") ||
    kms_fail "offline audit-verify of an untouched trail: $out"
echo "$out"
case $out in
	"ok records "*" verified "[1-9]*" unknown-key 0 "*) ;;
	*) kms_fail "offline verify: $out" ;;
esac
ck=$(sqlite3 "$KMS_DIR/clean/kms.db" "SELECT MAX(seq) FROM audit_checkpoint")
[ -n "$ck" ] || kms_fail "no checkpoint"
# A key that did not sign: the checkpoints are not trusted, only counted.
other=04$(printf '%0128d' 0 | tr 0 1)
"$ADMIN" -d "$KMS_DIR/clean" audit-verify "$other" >/dev/null 2>&1
[ $? -eq 2 ] || kms_fail "a point off the curve accepted as a key"

# The attacker: sqlite3 on a copy, triggers dropped.
tamper() {	# NAME SQL WANT
	rm -rf "$KMS_DIR/t-$1"
	cp -a "$KMS_DIR/clean" "$KMS_DIR/t-$1"
	sqlite3 "$KMS_DIR/t-$1/kms.db" "$2" || kms_fail "sqlite3 $1"
	out=$("$ADMIN" -d "$KMS_DIR/t-$1" audit-verify "$SIGNKEY")
	rc=$?
	echo "$1: $out"
	[ $rc -eq 1 ] || kms_fail "$1 not caught (exit $rc)"
	echo "$out" | grep -q -- "$3" || kms_fail "$1: $out"
}
tamper edit "DROP TRIGGER audit_no_update;
    UPDATE audit SET identity = 'sip:mallory@example.org' WHERE id = 2;" \
    "FAILED record 2: record 2: contents changed"
tamper delete "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 3;" \
    "FAILED record 4: record 4: does not follow record 2"
tamper reorder "DROP TRIGGER audit_no_update;
    UPDATE audit SET id = -1 WHERE id = 2; UPDATE audit SET id = 2 WHERE id = 3;
    UPDATE audit SET id = 3 WHERE id = -1;" \
    "FAILED record 2: record 2: does not follow record 1"
tamper truncate "DROP TRIGGER audit_no_delete;
    DELETE FROM audit WHERE id >= $ck;" "checkpoint $ck: beyond the last"

# The console catches it too, on the live appliance.
sqlite3 "$KMS_DATA/kms.db" "DROP TRIGGER audit_no_update;
    UPDATE audit SET reason = 'nothing to see' WHERE id = 4;" ||
    kms_fail "sqlite3 live edit"
console_start
say "login admin"; expect "password:"
say "$PW"; expect "logged in as admin"
say "audit verify"
expect "audit verify: FAILED at record 4: record 4: contents changed"
console_stop

# Unwritable audit store: issuance stops, the panel shows the alarm.
rm -rf "$KMS_DATA"; cp -a "$KMS_DIR/clean" "$KMS_DATA"
kms_start
kc --token "$TA" keyprov >/dev/null || kms_fail "keyprov before the jam"
panel_lacks "ALARM"
sqlite3 "$KMS_DATA/kms.db" "CREATE TRIGGER audit_jam BEFORE INSERT ON audit
    BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;" ||
    kms_fail "sqlite3 jam"
kc --token "$TA" --expect-status 503 --expect-kms-error raw POST \
    /keymanagement/identity/v1/keyprov >/dev/null 2>&1 ||
    kms_fail "issuance did not stop with the audit store unwritable"
panel_has "ALARM audit failed"
grep -q "audit record not written" "$KMS_DIR/kmsd.out" ||
    kms_fail "no log line for the failed audit write"
sqlite3 "$KMS_DATA/kms.db" "DROP TRIGGER audit_jam;" || kms_fail "unjam"
kc --token "$TA" keyprov >/dev/null || kms_fail "issuance did not resume"
panel_lacks "ALARM"
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd exited $?"
KMS_PID=
out=$("$ADMIN" -d "$KMS_DATA" audit-verify "$SIGNKEY") ||
    kms_fail "trail after the jam: $out"

# Low storage: a 32 MB file system is below the 64 MB alarm threshold
# and above the 8 MB reserve: the alarm shows, issuance goes on.
MNT=$(mktemp -d /tmp/kms-it-mnt-XXXXXX)
if mount -t tmpfs -o size=32m,mode=0700 tmpfs "$MNT" 2>/dev/null; then
	cp -a "$KMS_DATA/." "$MNT/"
	KMS_DATA_SAVED=$KMS_DATA
	KMS_DATA=$MNT
	kms_start
	panel_has "ALARM disk "
	grep -q "ALARM disk [0-9]*MB free" "$KMS_DATA/panel.txt" ||
	    kms_fail "storage alarm text"
	kc --token "$TA" keyprov >/dev/null ||
	    kms_fail "issuance stopped above the reserve"
	kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd exited $?"
	KMS_PID=
	KMS_DATA=$KMS_DATA_SAVED
else
	echo "it_audit: cannot mount a tmpfs here: storage alarm at boot" \
	    "not exercised (covered by store_audit_alarm)"
fi
echo "it_audit: ok"
