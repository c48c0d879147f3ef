#!/usr/bin/env bash
# it_panel: the front panel's menus (docs/console.md "Front panel") on
# the real kmsd over its panel socket, with a SoftHSMv2 token and the real
# store:
#   - first boot from the panel alone: the menu before login is help,
#     login, logout and the bootstrap group operator (only its add); the
#     first administrator is added with a typed name and a picked role
#   - login from the menu; a locked boot finished with hsm login: the PIN
#     (a wrong one, then the right one) typed on the keypad is never in
#     any "line N" message, panel.txt or the log
#   - the menu holds exactly the role's commands: an administrator's top
#     menu and user group; an auditor's (no user add, no zeroize)
#   - commands with arguments run from the panel only: user add with a
#     typed name holding a blank (quoted), user add with the optional name
#     skipped, user show and user revoke choosing the user from the pick
#     list, user delete asking "delete? ok=yes"; the effects checked
#     through the console (keypad) and the store (kms-admin)
#   - back in an argument prompt cancels: nothing runs, nothing audited
#   - a refused argument (operator add "Bad Name") shows the console's
#     message on the display
#   - the other pick lists: operator delete (operator names), user
#     unbind (the chosen user's bindings), config set (the keys; a key
#     typed on the keypad instead), certcache add (the import directory's
#     files) and remove (the CertUris), backup verify (*.kbk files)
#   - reboot still asks first; back cancels it
set -u
KMS_PIN=6140-panel-pin	# distinctive, to search for it
. "$(dirname "$0")/kms_env.sh"
DRIVE=$SRC/tests/integration/it_state_drive.py
PW=admin-password-1
PW_AUD=auditor-password-1
BADPIN=4711-wrong-pin
kms_up
trap 'kms_down' EXIT
export PANEL_RAW=$KMS_DIR/panel.raw	# every byte the panel sent

# panel WHAT: run the driver script on stdin against the panel socket.
panel() {
	"$DRIVE" panel "$KMS_DATA/panel.sock" > "$KMS_DIR/drive.out" 2>&1 || {
		cat "$KMS_DIR/drive.out" >&2
		kms_fail "panel: $1"
	}
}
audit() { kms_admin audit > "$KMS_DIR/audit.txt" || kms_fail "audit"; }

# A locked boot: a wrong PIN in the pin file.
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd exited $?"
KMS_PID=
printf '%s\n' "$BADPIN" > "$KMS_DIR/pin"
kms_start
kms_want_health 503 locked 100

# 1. First boot, login, hsm login: all from the panel.
ADMIN_TOP="help login logout status hsm... trk... passwd user... \
operator... period... audit... backup... cert... certcache... restore \
config... selftest network... reboot zeroize update firmware..."
panel "first boot and hsm login" <<EOF
expect KMS locked
say ok
menu help login logout operator...
select operator...
say ok
menu add
say ok
expect enter NAME
say enter admin
expect pick CHOICE
expect > administrator
say ok
expect new password for admin
say enter $PW
expect again:
say enter $PW
expect operator admin added
say back
menu help login logout
select login
say ok
expect enter NAME
say enter admin
expect password:
say enter $PW
expect logged in as admin (administrator)
say back
menu $ADMIN_TOP
select hsm...
say ok
select login
say ok
expect user PIN of token
say enter $BADPIN
expect refused the PIN
say back
say ok
expect user PIN of token
say enter $KMS_PIN
expect hsm login: token '$KMS_TOKEN' logged in; state operational
EOF
kms_want_health 200 operational 100
for f in "$PANEL_RAW" "$KMS_DATA/panel.txt" "$KMS_DATA/kmsd.log" \
    "$KMS_DIR/kmsd.out"; do
	for s in "$KMS_PIN" "$BADPIN" "$PW"; do
		! grep -q -F -- "$s" "$f" || kms_fail "a secret in $f"
	done
done
grep -q '^line 1 user PIN of token' "$PANEL_RAW" ||
    kms_fail "the raw panel log misses the PIN prompt (log not kept?)"
echo "ok: first boot, login and hsm login from the panel; no PIN shown"

# 2. Commands with arguments, pick lists, skip, cancel, refusal.
# An external KMS certificate to import (as it_audit's).
mkdir -p "$KMS_DATA/import"
kms_ext_cert "$KMS_DATA/import/ext1.xml"
# A backup file to pick (not a real one: verify refuses it) and a file
# that is not a backup (not offered).
mkdir -p "$KMS_DATA/backup"
echo junk > "$KMS_DATA/backup/kms-x.kbk"
echo junk > "$KMS_DATA/backup/notes.txt"
panel "arguments" <<EOF
say back
say back
select user...
say ok
menu add delete list show bind unbind revoke unrevoke
say ok
expect enter URI
say enter sip:carol@example.org
expect enter NAME ok=skip
expect carol@example.org"
say enter Carol Smith
expect user sip:carol@example.org added
say back
expect > add
say ok
expect enter URI
say enter sip:dave@example.org
expect enter NAME ok=skip
say ok
expect user sip:dave@example.org added
say back
say ok
expect enter URI
say enter sip:cancel@example.org
expect enter NAME ok=skip
say back
expect > add
lacks added
select show
say ok
expect pick URI
expect > sip:carol@example.org
say ok
expect name:     Carol Smit
say down
expect name:     Carol Smith
say back
say ok
expect pick URI
say down
expect > sip:dave@example.org
say ok
expect name:     -
say back
select revoke
say ok
expect pick IDENTITY
expect > sip:carol@example.org
say down
expect > sip:dave@example.org
say ok
expect pick PERIOD
expect > (skip)
say down
expect > all
say ok
expect enter REASON ok=skip
say ok
expect sip:dave@example.org revoked for every period
say enter user revoke sip:dave@example.org all
expect user revoke: exists already
say back
select delete
say ok
expect pick URI
expect > sip:carol@example.org
say ok
expect delete? ok=yes
say ok
expect user sip:carol@example.org deleted
say back
say back
select operator...
say ok
say ok
expect enter NAME
say enter Bad Name
expect pick CHOICE
say ok
expect operator add: NAME is 1..32 of a-z 0-9 _ . -
say back
say ok
expect enter NAME
say enter aud
expect > administrator
say down
say down
expect > auditor
say ok
expect new password for aud
say enter $PW_AUD
expect again:
say enter $PW_AUD
expect operator aud added (auditor)
say back
say enter operator add tmp operator
expect new password for tmp
say enter $PW_AUD
expect again:
say enter $PW_AUD
expect operator tmp added
say back
select delete
say ok
expect pick NAME 1/3
expect > admin
say down
say down
expect > tmp
say ok
expect delete? ok=yes
say ok
expect operator tmp deleted
say back
say back
select user...
say ok
say enter user bind sip:dave@example.org sip:dave-p@example.org
expect sip:dave-p@example.org bound to sip:dave@example.org
say back
select unbind
say ok
expect pick USER 1/1
expect > sip:dave@example.org
say ok
expect pick IDENTITY 1/1
expect > sip:dave-p@example.org
say ok
expect sip:dave-p@example.org unbound from sip:dave@example.org
say back
say back
select config...
say ok
select set
say ok
expect pick KEY 1/
expect > kms.kms_uri
say enter log.level
expect enter VALUE
say enter debug
expect log.level = debug: saved and applied
say back
say back
select certcache...
say ok
select add
say ok
expect pick NAME 1/1
expect > ext1.xml
say ok
expect certcache add: cert1.kms.other.example (KMS
say down
expect cache version 1
say back
select remove
say ok
expect pick CERTURI 1/1
expect > cert1.kms.other.example
say ok
expect certcache remove: cert1.kms.other.example, cache version 2
say back
say back
select backup...
say ok
select verify
say ok
expect pick NAME 1/1
expect > kms-x.kbk
say ok
expect backup verify:
say back
say back
select reboot
say ok
expect reboot? ok=yes
say back
expect > reboot
lacks restart
EOF
kms_want_health 200 operational 100
kms_admin user list > "$KMS_DIR/users.txt" || kms_fail "user list"
grep -q -P '^sip:dave@example.org\tactive\t$' "$KMS_DIR/users.txt" ||
    kms_fail "dave (no name) not in the store: $(cat "$KMS_DIR/users.txt")"
! grep -q 'carol@' "$KMS_DIR/users.txt" || kms_fail "carol not deleted"
! grep -q 'cancel@' "$KMS_DIR/users.txt" || kms_fail "a cancelled add ran"
audit
grep 'console: user add sip:carol@example.org Carol Smith' \
    "$KMS_DIR/audit.txt" | grep -q admin ||
    kms_fail "the panel's user add (with a blank in NAME) is not audited"
grep -q 'console: user revoke sip:dave@example.org all' \
    "$KMS_DIR/audit.txt" || kms_fail "the panel's user revoke not audited"
grep -q 'console: user delete sip:carol@example.org confirm' \
    "$KMS_DIR/audit.txt" || kms_fail "the panel's user delete not audited"
grep -q 'console: operator delete tmp confirm' "$KMS_DIR/audit.txt" ||
    kms_fail "the panel's operator delete not audited"
grep -q 'console: backup verify kms-x.kbk' "$KMS_DIR/audit.txt" ||
    kms_fail "backup verify with the picked file not audited"
grep -q '^level = debug' "$KMS_DIR/kmsd.conf" ||
    kms_fail "config set from the panel did not reach the file"
! grep -q 'cancel@' "$KMS_DIR/audit.txt" ||
    kms_fail "a cancelled command is in the audit trail"
! grep -q 'console: reboot' "$KMS_DIR/audit.txt" ||
    kms_fail "a cancelled reboot is in the audit trail"
echo "ok: arguments typed, picked, skipped; back cancels; refusal shown"

# 3. The auditor's menu.
AUD_TOP="help login logout status hsm... passwd user... period... audit... \
cert... certcache... config... network... firmware..."
panel "auditor" <<EOF
say back
select logout
say ok
expect logged out admin
say back
menu help login logout
select login
say ok
say enter aud
expect password:
say enter $PW_AUD
expect logged in as aud (auditor)
say back
menu $AUD_TOP
select user...
say ok
menu list show
select show
say ok
expect pick URI
expect > sip:dave@example.org
say back
expect > show
say back
expect > user...
EOF
! grep -q -F -- "$PW_AUD" "$PANEL_RAW" || kms_fail "a password shown"
echo "ok: the auditor's menu: exactly its commands"
# A clean exit (with KMS_SANITIZE: no sanitizer report).
kill -TERM "$KMS_PID"; wait "$KMS_PID" || kms_fail "kmsd exited $?"
KMS_PID=
! grep -q 'Sanitizer' "$KMS_DIR/kmsd.out" || kms_fail "sanitizer report"
echo "it_panel: ok"
