/*
 * imsg_check - test helper for it_backup.sh: does a saved MIKEY-SAKKE
 * I_MESSAGE (kms-client ue-flow --save) carry a valid ECCSI signature by
 * the signer UID under KPAK?  Checked with firmware/crypto
 * (mikey_imsg_verify) and, when kms-client's wolfSSL oracle is built in,
 * with wolfSSL too.  Used to show that a signature made with an SSK issued
 * before a backup verifies under the KPAK of the restored appliance.
 *
 *	imsg_check KPAK_HEX UID_HEX FILE
 *
 * Exit: 0 verified (by both when wolfSSL is there), 1 not, 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "wolfcheck.h"

#define IC_MSG_MAX	4096

static int
unhex(const char *s, uint8_t *out, size_t len)
{
	unsigned	 v;
	size_t		 i;

	if (strlen(s) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct mikey_imsg	 m;
	const struct mikey_idr	*idr;
	uint8_t			 kpak[ECCSI_POINT_LEN], uid[UID_LEN];
	uint8_t			 msg[IC_MSG_MAX];
	size_t			 len;
	enum kc_wolf		 w;
	FILE			*f;

	if (argc != 4 || unhex(argv[1], kpak, sizeof(kpak)) != 0 ||
	    unhex(argv[2], uid, sizeof(uid)) != 0) {
		fprintf(stderr, "usage: imsg_check KPAK_HEX UID_HEX FILE\n");
		return 2;
	}
	if ((f = fopen(argv[3], "rb")) == NULL) {
		perror(argv[3]);
		return 2;
	}
	len = fread(msg, 1, sizeof(msg), f);
	fclose(f);
	if (mikey_imsg_parse(msg, len, &m) != CRYPTO_OK) {
		printf("imsg_check: %s: not an I_MESSAGE\n", argv[3]);
		return 1;
	}
	idr = mikey_imsg_idr(&m, MIKEY_IDR_UIDI);
	if (idr == NULL || idr->id.len != UID_LEN ||
	    memcmp(idr->id.p, uid, UID_LEN) != 0) {
		printf("imsg_check: IDRuidi is not the given UID\n");
		return 1;
	}
	if (mikey_imsg_verify(&m, msg, kpak, uid, UID_LEN) != CRYPTO_OK) {
		printf("imsg_check: signature does not verify "
		    "(firmware/crypto)\n");
		return 1;
	}
	w = kc_wolf_eccsi_verify(kpak, uid, UID_LEN, msg, m.signed_len,
	    m.sig);
	if (w == KC_WOLF_BAD || w == KC_WOLF_ERR) {
		printf("imsg_check: signature does not verify (wolfSSL)\n");
		return 1;
	}
	printf("imsg_check: signature verified (firmware/crypto%s)\n",
	    w == KC_WOLF_OK ? ", wolfSSL" : "; no wolfSSL in this build");
	return 0;
}
