#!/usr/bin/env bash
# Bad input: each refusal has the right status and an XSD-valid KmsError
# body; a silent client and a one-byte-per-second client are timed out;
# kmsd keeps serving good requests during and after all of it.
set -u
. "$(dirname "$0")/kms_env.sh"
KMS_NET_EXTRA=$'read_timeout = 2000\nidle_timeout = 2000'
kms_up
trap 'kms_down' EXIT
port=${KMS_URL##*:}
I=/keymanagement/identity/v1/init

good() {
	"$CLIENT" --url "$KMS_URL" -q init || kms_fail "good request after $1"
}

expect() {	# expect STATUS METHOD PATH [client raw options]
	local st=$1 m=$2 p=$3
	shift 3
	"$CLIENT" --url "$KMS_URL" raw "$m" "$p" --expect-status "$st" \
	    --expect-kms-error "$@" >/dev/null ||
	    kms_fail "$m $p: expected $st with a KmsError"
	echo "ok: $m $p -> $st"
	good "$st"
}

expect 405 GET "$I"
expect 405 PUT "$I"
expect 404 POST /keymanagement/identity/v1/nothing
expect 404 POST /
big=$(head -c 10000 /dev/zero | tr '\0' 'a')
expect 431 POST "$I" --header "X-Big: $big"
head -c 100000 /dev/zero > "$KMS_DIR/big.body"
expect 413 POST "$I" --body "$KMS_DIR/big.body"

# Malformed HTTP, written on a raw socket.
exec 3<>/dev/tcp/127.0.0.1/"$port"
printf 'GARBAGE / NONSENSE\r\n\r\n' >&3
IFS= read -r -t 5 line <&3 || kms_fail "no answer to malformed HTTP"
case "$line" in "HTTP/1.1 400 "*) echo "ok: malformed -> 400" ;;
*) kms_fail "malformed HTTP answered: $line" ;; esac
exec 3<&-
good 400

# A client that connects and sends nothing: closed after the idle timeout.
exec 4<>/dev/tcp/127.0.0.1/"$port"
good "a silent connection opened"
t0=$(date +%s)
if IFS= read -r -t 10 line <&4; then
	kms_fail "silent client got data: $line"
fi
[ $(( $(date +%s) - t0 )) -lt 10 ] || kms_fail "silent client not closed"
echo "ok: silent client closed after the idle timeout"
exec 4<&-

# One header byte per second: answered 408 when the read timeout is over.
exec 5<>/dev/tcp/127.0.0.1/"$port"
printf 'POST %s HTTP/1.1\r\nX-Slow: ' "$I" >&5
got=
for i in $(seq 1 8); do
	if IFS= read -r -t 1 line <&5; then got=$line; break; fi
	printf 'a' >&5 2>/dev/null || break
	[ "$i" -eq 1 ] && good "a slow client started"
done
exec 5<&-
case "$got" in "HTTP/1.1 408 "*) echo "ok: slow client -> 408" ;;
*) kms_fail "slow client: got '$got', expected 408" ;; esac
good "the slow client"
echo "it_bad_input: ok"
