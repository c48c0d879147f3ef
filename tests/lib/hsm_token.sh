#!/bin/sh
# hsm_token.sh DIR LABEL PIN - make a private SoftHSMv2 token for a test.
#
# Creates DIR/softhsm2.conf and DIR/tokens/ and initialises one token with
# label LABEL, user PIN PIN and SO PIN "so-" followed by PIN (tests never
# use it).
# Point the module at it with SOFTHSM2_CONF=DIR/softhsm2.conf.  Prints
# nothing on success; on failure prints softhsm2-util's output to stderr
# and exits non-zero.
set -eu

if [ $# -ne 3 ]; then
	echo "usage: $0 DIR LABEL PIN" >&2
	exit 2
fi
dir=$1
label=$2
pin=$3

mkdir -p "$dir/tokens"
chmod 700 "$dir" "$dir/tokens"
dir=$(cd "$dir" && pwd)		# the conf needs an absolute path
cat > "$dir/softhsm2.conf" <<CONF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
slots.mechanisms = ALL
library.reset_on_fork = false
CONF

if ! out=$(SOFTHSM2_CONF="$dir/softhsm2.conf" softhsm2-util --init-token \
    --free --label "$label" --so-pin "so-$pin" --pin "$pin" 2>&1); then
	printf '%s\n' "$out" >&2
	exit 1
fi
