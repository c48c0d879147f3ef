#!/usr/bin/env bash
# The layering checker must fail on each planted violation, one at a time,
# in a copy of the tree, and pass on the unmodified copy.
set -u
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

fresh() {
	rm -rf "$tmp/t"
	mkdir -p "$tmp/t"
	(cd "$src" && tar cf - --exclude='build*' board hsm net firmware tools tests) | tar xf - -C "$tmp/t"
}

# expect_fail WHAT PATTERN: checksrc must exit 1 and name the violation.
expect_fail() {
	local what=$1 pat=$2 out
	if out=$("$src/tools/checksrc" "$tmp/t" 2>&1); then
		echo "NOT CAUGHT: $what"; fail=1
	elif ! printf '%s\n' "$out" | grep -q -- "$pat"; then
		echo "WRONG REPORT for $what: $out"; fail=1
	else
		echo "caught: $what -> $(printf '%s\n' "$out" | grep -- "$pat" | head -1)"
	fi
}

fresh
if ! "$src/tools/checksrc" "$tmp/t" >/dev/null; then
	echo "clean copy fails"; fail=1
fi

fresh; sed -i '0,/#include/s//#include "lwip\/sockets.h"\n#include/' "$tmp/t/firmware/main.c"
expect_fail "lwIP header in firmware/" "lwip/sockets.h> outside net/"
fresh; sed -i '0,/#include/s//#include <p11-kit\/pkcs11.h>\n#include/' "$tmp/t/net/http.c"
expect_fail "PKCS#11 header in net/" "net/http.c.*PKCS#11 header"
fresh; sed -i '0,/#include/s//#include "net_local.h"\n#include/' "$tmp/t/firmware/main.c"
expect_fail "private header of net/ in firmware/" "private to net"
fresh; sed -i '0,/#include/s//#include "net.h"\n#include/' "$tmp/t/hsm/hsm.h"
expect_fail "hsm/ includes net.h (upward dependency)" "hsm/ must not include net.h"
fresh; sed -i '0,/#include/s//#include "board.h"\n#include/' "$tmp/t/firmware/crypto/crypto.h"
expect_fail "firmware/crypto includes board.h" "not board.h"
fresh; echo 'static void f(char *d) { strcpy(d, "x"); }' >> "$tmp/t/net/net.c"
expect_fail "banned strcpy in net/" "banned function: strcpy"
fresh; touch "$tmp/t/hsm/extra.h"
expect_fail "a second public header in hsm/" "hsm/extra.h"
fresh; echo 'static int f(void) { return socket(2, 1, 0); }' >> "$tmp/t/firmware/ticket/tpeer.c"
expect_fail "kernel socket() in firmware/" "firmware/ticket/tpeer.c:.*kernel socket call in firmware/: socket"
fresh; printf 'static int g(const char *h, struct addrinfo **a)\n{\n\treturn getaddrinfo (h, "443", 0, a);\n}\n' >> "$tmp/t/firmware/mcx/mcx.c"
expect_fail "kernel getaddrinfo() in firmware/" "firmware/mcx/mcx.c:.*kernel socket call in firmware/: getaddrinfo"
fresh; echo 'static int h(int s, void *a) { return connect(s, a, 16); }' >> "$tmp/t/firmware/main.c"
expect_fail "kernel connect() in firmware/" "firmware/main.c:.*kernel socket call in firmware/: connect"
exit $fail
