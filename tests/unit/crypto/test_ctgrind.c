/*
 * test_ctgrind.c - the constant-time proof for the SAKKE KMS
 * derivations (docs/crypto.md): run under valgrind memcheck with the
 * secrets marked undefined (ctgrind.h), Z_S = [z_S]P, RSK derivation,
 * the RSK check and the pairing with a secret RSK must produce no
 * memcheck error.  Built twice: against kms_crypto (ctest
 * crypto_ctgrind, must pass) and against a copy compiled with
 * -DCRYPTO_CTGRIND_PLANT, which adds a branch on a secret bit
 * (crypto_ctgrind_planted, must fail: the detector works).
 *
 * Usage: valgrind --error-exitcode=1 test_ctgrind [rounds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "crypto.h"
#include "ctgrind.h"

static int	check(const char *, enum crypto_status);

static int
check(const char *what, enum crypto_status st)
{
	/* The status is public by design: declassify before branching. */
	CT_PUBLIC(&st, sizeof(st));
	if (st != CRYPTO_OK) {
		fprintf(stderr, "ctgrind: %s failed (%d)\n", what, (int)st);
		return 1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	uint8_t		 z[SAKKE_SCALAR_LEN], zs[SAKKE_POINT_LEN];
	uint8_t		 id[32], rsk[SAKKE_RSK_LEN], w[SAKKE_FP_LEN];
	int		 i, rounds = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 3;
	int		 bad = 0;

	if (!CT_UNDER_VALGRIND())
		fprintf(stderr, "ctgrind: not under valgrind; "
		    "this only checks the results\n");
	/* Build the fixed-base tables (public data) before marking. */
	memset(z, 0, sizeof(z));
	z[SAKKE_SCALAR_LEN - 1] = 7;
	bad |= check("warm-up", sakke_pubkey(z, zs));

	for (i = 0; i < rounds; i++) {
		/* Public inputs: a random identity; z_S drawn < q. */
		if (RAND_bytes(id, sizeof(id)) != 1 ||
		    RAND_bytes(z, sizeof(z)) != 1)
			return 2;
		z[0] &= 0x1f;	/* < 2^1021 < q */

		CT_SECRET(z, sizeof(z));
		bad |= check("sakke_pubkey", sakke_pubkey(z, zs));
		CT_PUBLIC(zs, sizeof(zs));	/* Z_S is published */

		bad |= check("sakke_rsk", sakke_rsk(z, id, sizeof(id), rsk));
		/* The RSK stays secret for the check and the pairing. */
		bad |= check("sakke_rsk_check",
		    sakke_rsk_check(z, id, sizeof(id), rsk));
		bad |= check("sakke_pairing", sakke_pairing(zs, rsk, w));
		CT_PUBLIC(z, sizeof(z));
		CT_PUBLIC(rsk, sizeof(rsk));
		CT_PUBLIC(w, sizeof(w));
		/* The derivation is right, too (public from here on). */
		bad |= check("sakke_rsk_validate",
		    sakke_rsk_validate(rsk, id, sizeof(id), zs));
	}
	printf("ctgrind: %d rounds of Z_S, RSK, RSK check, pairing: %s\n",
	    rounds, bad ? "FAILED" : "done");
	return bad;
}
