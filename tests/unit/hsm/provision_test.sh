#!/bin/sh
# provision_test.sh KMS_PROVISION HSM_TOKEN_SH - kms-provision end to end on
# a fresh SoftHSMv2 token: init, init again (refused, exit 1), init --force
# (new keys), show (same public values as the last init), --pin-env, a
# wrong PIN; then user-keys, bootstrap-export (once; the token shows the
# TrK locked afterwards; the printed InK unwraps under the printed TrK with
# the openssl CLI), list, the reserved tls-key, and destroy (only with
# --yes).  Second token: kek, masters, sign-key one by one.
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

# --- user keys ------------------------------------------------------------
aes_obj() {	# the "Secret Key Object; AES" block labelled $1
	pkcs11-tool --module "$module" --token-label prov-test --login \
	    --pin Pq7-wZk9 --list-objects 2>/dev/null |
	    awk -v l="$1" '/^[^ ]/ { on = /^Secret Key Object; AES/; blk = $0; next }
		on { blk = blk "\n" $0 } on && $0 ~ "label: *" l "$" { show = 1 }
		/^  Access/ && on && show { print blk; show = 0 }'
}
run user-keys alice@example.org > "$dir/uk1" 2> "$dir/erru" ||
    fail "user-keys: $(cat "$dir/erru")"
grep -qx 'TrK tk.1.alice@example.org' "$dir/uk1" || fail "TrK name"
grep -Eq '^InK ik.1.alice@example.org [0-9a-f]{80}$' "$dir/uk1" ||
    fail "InK line"
aes_obj tk.1.alice@example.org > "$dir/trk-before"
grep -q 'extractable' "$dir/trk-before" || fail "bootstrap TrK locked early"
if grep -q 'Access:.*sensitive' "$dir/trk-before"; then
	fail "bootstrap TrK sensitive before its export"
fi
run list > "$dir/list1" 2> /dev/null || fail "list"
grep -qx 'Object tk.1.alice@example.org trk bootstrap' "$dir/list1" ||
    fail "list: bootstrap state"
grep -qx 'Object ik.1.alice@example.org ink' "$dir/list1" || fail "list: ink"
grep -Eq '^PublicKey kms.sign 04[0-9a-f]{128}$' "$dir/list1" ||
    fail "list: public key"

run bootstrap-export alice@example.org > "$dir/be1" 2> "$dir/errb" ||
    fail "bootstrap-export: $(cat "$dir/errb")"
grep -Eq '^BootstrapTrK tk.1.alice@example.org [0-9a-f]{64}$' "$dir/be1" ||
    fail "BootstrapTrK line"
set +e
run bootstrap-export alice@example.org > "$dir/be2" 2> "$dir/errb2"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "second export exited $rc"
[ ! -s "$dir/be2" ] || fail "second export printed a key"
grep -q 'exported already' "$dir/errb2" || fail "second export message"
aes_obj tk.1.alice@example.org > "$dir/trk-after"
grep -q 'Access:.*sensitive' "$dir/trk-after" || fail "TrK not sensitive"
if grep -q 'extractable' "$dir/trk-after"; then
	fail "TrK still extractable"
fi
# The device's view: the InK unwraps (RFC 3394) under the exported TrK.
trk=$(awk '{ print $3 }' "$dir/be1")
ink=$(awk '/^InK/ { print $3 }' "$dir/uk1")
n=$(printf '%s' "$ink" | xxd -r -p | openssl enc -d -id-aes256-wrap \
    -K "$trk" -iv A6A6A6A6A6A6A6A6 | wc -c)
[ "$n" -eq 32 ] || fail "InK does not unwrap under the TrK ($n bytes)"
run list > "$dir/list2" 2> /dev/null || fail "list 2"
grep -qx 'Object tk.1.alice@example.org trk' "$dir/list2" ||
    fail "list: TrK still bootstrap"
if grep -q "$trk" "$dir"/list* "$dir"/uk1; then
	fail "TrK bytes in list output"
fi
run user-keys alice@example.org > "$dir/uk2" 2> /dev/null || fail "uk 2"
grep -qx 'TrK tk.2.alice@example.org' "$dir/uk2" || fail "next generation"
set +e
run bootstrap-export nobody@example.org > /dev/null 2>&1
[ $? -eq 1 ] || fail "export for an unknown user"
run tls-key > /dev/null 2> "$dir/errt"
[ $? -eq 1 ] || fail "tls-key is reserved"
run user-keys > /dev/null 2>&1
[ $? -eq 2 ] || fail "user-keys without USER"
run destroy > /dev/null 2> "$dir/errd"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "destroy without --yes exited $rc"
grep -q -- '--yes' "$dir/errd" || fail "destroy message"
run show > /dev/null 2>&1 || fail "destroy without --yes destroyed"
run --yes destroy > "$dir/destroy" 2> /dev/null || fail "destroy --yes"
run list > "$dir/list3" 2> /dev/null || fail "list 3"
[ ! -s "$dir/list3" ] || fail "objects left after destroy"
n=$(pkcs11-tool --module "$module" --token-label prov-test --login \
    --pin Pq7-wZk9 --list-objects 2>/dev/null | grep -c 'Object;' || true)
[ "$n" -eq 0 ] || fail "$n objects left in the token"

# --- one by one, on a second token ----------------------------------------
"$mktoken" "$dir/t2" step-test Pq7-wZk9
export SOFTHSM2_CONF="$dir/t2/softhsm2.conf"
step() {
	"$prov" --module "$module" --token step-test --pin-file "$dir/pin" "$@"
}
set +e
step masters > /dev/null 2> "$dir/errm"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "masters without a KEK exited $rc"
step kek > "$dir/s1" 2> /dev/null || fail "kek"
grep -qx 'Object kms.kek kek' "$dir/s1" || fail "kek output"
step masters > "$dir/s2" 2> /dev/null || fail "masters"
grep -Eq '^PubEncKey 04[0-9a-f]{512}$' "$dir/s2" || fail "masters PubEncKey"
grep -Eq '^PubAuthKey 04[0-9a-f]{128}$' "$dir/s2" || fail "masters KPAK"
step sign-key > "$dir/s3" 2> /dev/null || fail "sign-key"
grep -Eq '^KmsSignKey 04[0-9a-f]{128}$' "$dir/s3" || fail "sign-key output"
step show > "$dir/s4" 2> /dev/null || fail "show after steps"
for k in PubEncKey PubAuthKey; do
	[ "$(grep "^$k " "$dir/s2")" = "$(grep "^$k " "$dir/s4")" ] ||
	    fail "show $k differs from masters"
done
[ "$(grep '^KmsSignKey ' "$dir/s3")" = "$(grep '^KmsSignKey ' "$dir/s4")" ] ||
    fail "show KmsSignKey differs"
set +e
step kek > /dev/null 2>&1
[ $? -eq 1 ] || fail "second kek"
set -e
echo "ok"
