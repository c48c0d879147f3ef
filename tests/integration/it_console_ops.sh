#!/usr/bin/env bash
# it_console_ops: the daily-operation console commands (docs/console.md)
# on the real kmsd -C through a pty, with a SoftHSMv2 token:
#   - a locked boot (a wrong PIN in the pin file): /health 503 locked;
#     hsm login refused for an operator, a wrong PIN refused (never
#     echoed), the right PIN runs the rest of the boot: operational and
#     /health 200
#   - trk bootstrap-export: refused while the token is closed and for an
#     operator; the file in DATA/export/ is 0600 and holds the key whose
#     SHA-256 the console printed; a second export is refused; the key is
#     in no log, output or audit record
#   - config set: a live key (log.level debug: a debug line appears), a
#     restart key (net.connections: saved, the running value kept), bad
#     values and keys refused with the file unchanged; after reboot the
#     file's values are in use (the boot is locked again: hsm login again)
#   - passwd: an operator changes its own password; the old one fails
#   - every command audited, no PIN or password in the audit trail
#   - HTTPS and a locked boot: no port at all (never plain HTTP) until
#     hsm login gives the TLS key; then /health 200 over HTTPS
set -u
KMS_PIN=5829-right-pin	# distinctive, to search for it
. "$(dirname "$0")/kms_env.sh"
REL=$BUILD/firmware/kmsd
DRIVE=$SRC/tests/integration/it_state_drive.py
MOD=/usr/lib/softhsm/libsofthsm2.so
I=/keymanagement/identity/v1/init
PW=admin-password-1
PW_OP=operator-password-1
PW_OP2=operator-password-2
BADPIN=4711-wrong-pin
kms_up

DRIVE_PID=
stop_any() { kms_stop_pid; }	# the driver's kmsd is not our child
finish() {
	exec 3>&- 2>/dev/null
	[ -z "$DRIVE_PID" ] || kill "$DRIVE_PID" 2>/dev/null
	stop_any
	kms_down
}
trap finish EXIT
kms_on_fail() {	# kms_fail shows the driver's transcript too
	echo "--- driver ---" >&2
	cat "$KMS_DIR/drive.out" >&2 2>/dev/null
}
fail() { kms_fail "$@"; }
want_health() { kms_want_health "$1" "$2" 100; }	# polls 10 s
# wait_for FILE PATTERN (polls 10 s)
wait_for() {
	local i
	for i in $(seq 1 100); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "no '$2' in $1"
}
# wait_audit TEXT: the audit trail has TEXT (polls 10 s): the console
# got that far (the driver prints nothing until it fails)
wait_audit() {
	local i
	for i in $(seq 1 100); do
		kms_admin audit 2>/dev/null | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	fail "not audited: $1"
}
# no sanitizer report from the driver's kmsd (not our child: no exit code)
clean_exit() {
	stop_any
	! grep -q 'Sanitizer' "$KMS_DIR/kmsd.out" ||
	    fail "sanitizer report in kmsd.out"
}
port_url() { kms_wait_port 400; }	# 20 s: a reboot runs the self-tests

# A bootstrap TrK for alice (kmsd stopped: kms-provision has the token).
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd exited $?"
KMS_PID=
"$PROVISION" --module "$MOD" --token "$KMS_TOKEN" --pin-file \
    "$KMS_DIR/pin" user-keys alice@example.org > "$KMS_DIR/uk.out" 2>&1 ||
    { cat "$KMS_DIR/uk.out"; kms_fail "kms-provision user-keys"; }
# The boot finds a wrong PIN: locked.
printf '%s\n' "$BADPIN" > "$KMS_DIR/pin"

# The console through a pty; the script is fed in steps through a FIFO
# so that the shell can look at the appliance in between.
mkfifo "$KMS_DIR/script"
rm -f "$KMS_DATA/kmsd.port"
"$DRIVE" pty "$KMS_DIR/pid" "$KMS_DIR/kmsd.out" -- "$REL" -C \
    -c "$KMS_DIR/kmsd.conf" -d "$KMS_DATA" < "$KMS_DIR/script" \
    > "$KMS_DIR/drive.out" 2>&1 &
DRIVE_PID=$!
exec 3> "$KMS_DIR/script"
port_url
KMS_PID=$(cat "$KMS_DIR/pid")

# 1. Locked: accounts, role refusals, passwd, a wrong PIN.
want_health 503 locked
{ kms_script_accounts "$PW" olga operator "$PW_OP"
cat <<EOF
say logout
expect logged out admin
say login olga
expect password:
say $PW_OP
expect logged in as olga (operator)
say status
expect state:    locked
say hsm login
expect hsm login: permission denied for role operator
say trk bootstrap-export alice@example.org
expect trk: permission denied for role operator
say config set log.level debug
expect config set: permission denied for role operator
say passwd
expect current password:
say wrong-password-0
expect passwd: wrong password; nothing changed
say passwd
expect current password:
say $PW_OP
expect new password (at least 8 characters):
say $PW_OP2
expect again:
say $PW_OP2
expect password of olga changed
say logout
expect logged out olga
say login olga
expect password:
say $PW_OP
expect login failed
say login olga
expect password:
say $PW_OP2
expect logged in as olga (operator)
say logout
expect logged out olga
say login admin
expect password:
say $PW
expect logged in as admin
say trk bootstrap-export alice@example.org
expect trk bootstrap-export: the token is not logged in (hsm login)
say hsm login
expect user PIN of token '$KMS_TOKEN':
say $BADPIN
expect hsm login: the token '$KMS_TOKEN' refused the PIN
expect state locked
lacks $BADPIN
say hsm login now
expect usage: hsm login
say status
expect state:    locked
EOF
} >&3
wait_audit 'hsm login (PIN refused)'
want_health 503 locked

# 2. The right PIN: the rest of the boot; the TrK export.
cat >&3 <<EOF
say hsm login
expect user PIN of token '$KMS_TOKEN':
say $KMS_PIN
expect hsm login: token '$KMS_TOKEN' logged in; state operational
say status
expect state:    operational
say hsm status
expect serving:  yes
say hsm login
expect hsm login: the token '$KMS_TOKEN' is logged in already
say trk bootstrap-export bob@example.org
expect trk bootstrap-export: no TrK for 'bob@example.org'
say trk bootstrap-export sip:alice@example.org
expect tk.1.alice@example.org written to export/tk.1.alice@example.org (mode 0600)
EOF
want_health 200 operational
echo "ok: locked boot, wrong PIN refused, hsm login -> operational, 200"

F=$KMS_DATA/export/tk.1.alice@example.org
wait_audit 'trk bootstrap-export: tk.1.alice@example.org'
[ "$(stat -c %a "$F")" = 600 ] || fail "export file mode $(stat -c %a "$F")"
[ "$(stat -c %a "$KMS_DATA/export")" = 700 ] || fail "export dir mode"
read -r tag name hex < "$F"
[ "$tag" = BootstrapTrK ] && [ "$name" = tk.1.alice@example.org ] &&
    [ ${#hex} = 64 ] || fail "export file: $tag $name (${#hex} hex)"
fp=$(printf '%s' "$hex" | xxd -r -p | sha256sum | cut -c1-16)
cat >&3 <<EOF
expect fingerprint: sha256:$fp
say trk bootstrap-export alice@example.org
expect trk bootstrap-export: tk.1.alice@example.org was exported already
EOF
wait_audit 'console: trk bootstrap-export alice@example.org'
[ "$(wc -l < "$F")" = 1 ] && grep -qF "$hex" "$F" ||
    fail "the second export touched the file"
echo "ok: trk bootstrap-export: file 0600, fingerprint matches, once"

# 3. config set: a live key, a restart key, refusals; reboot.
curl -s -o /dev/null -X POST "$KMS_URL$I"	# 401: logged at debug only
sleep 0.5
! grep -q ' debug: ' "$KMS_DATA/kmsd.log" ||
    fail "a debug line at level info"
cp "$KMS_DIR/kmsd.conf" "$KMS_DIR/kmsd.conf.before"
cat >&3 <<EOF
say config set log.level loud
expect config set: config line
expect log.level
expect nothing changed
say config set no.such 1
expect config set: no.such: unknown key
say config set net.connections 0
expect net.connections
expect nothing changed
say config set kms.domains a.org
expect kms.domains: a list
EOF
wait_audit 'console: config set kms.domains a.org'
cmp -s "$KMS_DIR/kmsd.conf" "$KMS_DIR/kmsd.conf.before" ||
    fail "a refused config set changed the file"
[ ! -e "$KMS_DIR/kmsd.conf.tmp" ] || fail "kmsd.conf.tmp left behind"
cat >&3 <<EOF
say config set log.level debug
expect log.level = debug: saved and applied
EOF
for i in $(seq 1 100); do	# until the new level is in force
	curl -s -o /dev/null -X POST "$KMS_URL$I"
	grep -q ' debug: ' "$KMS_DATA/kmsd.log" && break
	sleep 0.1
done
grep -q ' debug: ' "$KMS_DATA/kmsd.log" ||
    fail "no debug line after config set log.level debug"
echo "ok: config set log.level debug applied at once (debug line logged)"

rm -f "$KMS_DATA/kmsd.port"
cat >&3 <<EOF
say config set net.connections 12
expect net.connections = 12: saved; applies after reboot
say config show
expect connections = 8
say reboot confirm
expect rebooting
sleep 3
expect kms>
say login admin
expect password:
say $PW
expect logged in as admin
say status
expect state:    locked
say config show
expect connections = 12
expect level = debug
say hsm login
expect user PIN of token '$KMS_TOKEN':
say $KMS_PIN
expect state operational
EOF
port_url
want_health 200 operational
grep -q '^connections = 12$' "$KMS_DIR/kmsd.conf" ||
    fail "net.connections not persisted"
grep -q '^level = debug$' "$KMS_DIR/kmsd.conf" || fail "level not persisted"
grep -q '^domains = example.org example.net$' "$KMS_DIR/kmsd.conf" ||
    fail "other lines changed"
echo "ok: config set persisted across reboot; hsm login after the reboot"

exec 3>&-
wait "$DRIVE_PID" || fail "console script"
DRIVE_PID=
kill -0 "$KMS_PID" || fail "kmsd is gone"

# 4. The audit trail and the secrets.
kms_admin audit > "$KMS_DIR/audit.txt" || fail "kms-admin audit"
for w in 'hsm login (PIN refused)' 'console: hsm login' \
    'trk bootstrap-export: tk.1.alice@example.org' \
    'config set log.level debug' 'console: passwd' \
    'console: config set net.connections 12'; do
	grep -qF "$w" "$KMS_DIR/audit.txt" || fail "not audited: $w"
done
grep 'console: hsm login' "$KMS_DIR/audit.txt" | grep -q olga ||
    fail "olga's refused hsm login is not audited"
for s in "$hex" "$BADPIN" "$KMS_PIN" "$PW" "$PW_OP2" wrong-password-0; do
	for f in "$KMS_DIR/audit.txt" "$KMS_DATA/kmsd.log" \
	    "$KMS_DIR/kmsd.out" "$KMS_DIR/drive.out"; do
		! grep -qF -- "$s" "$f" || fail "a secret in $f"
	done
done
echo "ok: audited; no key, PIN or password in the audit, log or output"

# 5. HTTPS: the network waits for the TLS key in the token.
clean_exit
kms_down
KMS_TLS=1 kms_up
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd exited $?"
KMS_PID=
printf '%s\n' "$BADPIN" > "$KMS_DIR/pin"
mkfifo "$KMS_DIR/script"
rm -f "$KMS_DATA/kmsd.port"
"$DRIVE" pty "$KMS_DIR/pid" "$KMS_DIR/kmsd.out" -- "$REL" -C \
    -c "$KMS_DIR/kmsd.conf" -d "$KMS_DATA" < "$KMS_DIR/script" \
    > "$KMS_DIR/drive.out" 2>&1 &
DRIVE_PID=$!
exec 3> "$KMS_DIR/script"
cat >&3 <<EOF
expect kms>
say operator add admin administrator
expect new password for admin
say $PW
expect again:
say $PW
expect operator admin added
say login admin
expect password:
say $PW
expect logged in as admin
say status
expect state:    locked
EOF
wait_audit 'console: login admin'
KMS_PID=$(cat "$KMS_DIR/pid")
[ ! -e "$KMS_DATA/kmsd.port" ] || fail "a KMS port without the TLS key"
wait_for "$KMS_DATA/kmsd.log" 'the KMS port stays closed'
cat >&3 <<EOF
say hsm login
expect user PIN of token '$KMS_TOKEN':
say $KMS_PIN
expect hsm login: token '$KMS_TOKEN' logged in; state operational
EOF
exec 3>&-
wait "$DRIVE_PID" || fail "console script (HTTPS)"
DRIVE_PID=
port_url
KMS_URL=https://localhost:$(cat "$KMS_DATA/kmsd.port")
kms_want_health 200 operational 1	# HTTPS, after hsm login
[ "$(curl -s -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$(cat "$KMS_DATA/kmsd.port")/health")" != 200 ] ||
    fail "plain HTTP answered"
echo "ok: HTTPS: no port while locked; hsm login opens it, /health 200"
clean_exit
