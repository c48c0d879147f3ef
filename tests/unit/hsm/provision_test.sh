#!/bin/sh
# provision_test.sh KMS_PROVISION HSM_TOKEN_SH - kms-provision end to end on
# a fresh SoftHSMv2 token: init, init again (refused, exit 1), init --force
# (new keys), show (same public values as the last init), --pin-env, and a
# wrong PIN.
set -eu

prov=$1
mktoken=$2
module=/usr/lib/softhsm/libsofthsm2.so
dir=$(mktemp -d "${TMPDIR:-/tmp}/hsm-prov-XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

"$mktoken" "$dir" prov-test Pq7-wZk9
export SOFTHSM2_CONF="$dir/softhsm2.conf"
printf 'Pq7-wZk9\n' > "$dir/pin"
chmod 600 "$dir/pin"
run() {
	"$prov" --module "$module" --token prov-test --pin-file "$dir/pin" "$@"
}

# First init: three public values of the right sizes.
run init > "$dir/init1" 2> "$dir/err1" || fail "init: $(cat "$dir/err1")"
grep -Eq '^PubEncKey 04[0-9a-f]{512}$' "$dir/init1" || fail "PubEncKey"
grep -Eq '^PubAuthKey 04[0-9a-f]{128}$' "$dir/init1" || fail "PubAuthKey"
grep -Eq '^KmsSignKey 04[0-9a-f]{128}$' "$dir/init1" || fail "KmsSignKey"
[ "$(wc -l < "$dir/init1")" -eq 3 ] || fail "init output has extra lines"

# Second init without --force: refused with exit 1 and a clear message.
set +e
run init > "$dir/init2" 2> "$dir/err2"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "second init exited $rc, want 1"
grep -q 'already holds' "$dir/err2" || fail "no refusal message"
[ ! -s "$dir/init2" ] || fail "refused init printed values"

# show agrees with the first init.
run show > "$dir/show1" 2> "$dir/errs" || fail "show: $(cat "$dir/errs")"
grep -v '^Object ' "$dir/show1" | cmp -s - "$dir/init1" || fail "show differs"
for o in 'kms.kek kek' 'kms.master.sakke master-sakke' \
    'kms.master.eccsi master-eccsi' 'kms.sign kms-sign'; do
	grep -qx "Object $o" "$dir/show1" || fail "show lacks $o"
done
[ "$(grep -c '^Object ' "$dir/show1")" -eq 4 ] || fail "object count"

# init --force: new keys, old ones gone.
run --force init > "$dir/init3" 2> "$dir/err3" ||
    fail "force: $(cat "$dir/err3")"
for k in PubEncKey PubAuthKey KmsSignKey; do
	a=$(grep "^$k " "$dir/init1")
	b=$(grep "^$k " "$dir/init3")
	[ -n "$b" ] && [ "$a" != "$b" ] || fail "$k not renewed"
done
run show > "$dir/show2" 2> /dev/null || fail "show after force"
[ "$(grep -c '^Object ' "$dir/show2")" -eq 4 ] || fail "objects after force"

# --pin-env works; a wrong PIN does not.
KMS_TEST_PIN=Pq7-wZk9 "$prov" --module "$module" --token prov-test \
    --pin-env KMS_TEST_PIN show > "$dir/show3" 2> /dev/null ||
    fail "pin-env"
cmp -s "$dir/show2" "$dir/show3" || fail "pin-env show differs"
set +e
KMS_TEST_PIN=wrong-pin "$prov" --module "$module" --token prov-test \
    --pin-env KMS_TEST_PIN show > /dev/null 2> "$dir/err4"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "wrong PIN exited $rc"
grep -q 'login refused' "$dir/err4" || fail "wrong PIN message"

# The PIN appears in no output.
if grep -q Pq7-wZk9 "$dir"/init* "$dir"/show* "$dir"/err*; then
	fail "PIN in output"
fi

# Key attributes as the token reports them.
pkcs11-tool --module "$module" --token-label prov-test --login \
    --pin Pq7-wZk9 --list-objects > "$dir/objs" 2>&1 || fail "pkcs11-tool"
awk '/^[^ ]/ { on = /^Secret Key Object/ } on' "$dir/objs" > "$dir/kek"
grep -q 'label:.*kms.kek' "$dir/kek" || fail "kek not listed"
grep -q 'sensitive' "$dir/kek" || fail "kek not sensitive"
grep -q 'never extractable' "$dir/kek" || fail "kek extractable"
if grep -Eq 'Usage:.*(wrap|sign)' "$dir/kek"; then
	fail "kek may wrap or sign"
fi
echo "ok"
