/*
 * test_ctgrind_eccsi.c - constant-time proof for the ECCSI KMS derivation
 * (SSK/PVT, RFC 6507 section 5.1.1) and the client's signature, with
 * tests/unit/crypto/ctgrind.h: run under valgrind memcheck, KSAK, v, SSK
 * and j are marked undefined; eccsi_ssk_pvt and eccsi_sign must produce
 * no memcheck report.  The library is a copy of kms_crypto built with
 * -DKMS_CTGRIND, which turns eccsi_ssk.c's CT_PUBLIC marks (outputs that
 * are published, and the public yes/no of a range check) into
 * declassifications.  With -DCRYPTO_CTGRIND_PLANT_ECCSI the copy gets a
 * branch on a bit of v (cryptoid_ctgrind_eccsi_planted must fail).
 *
 * Usage: valgrind --error-exitcode=1 test_ctgrind_eccsi [rounds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "crypto.h"
#include "ctgrind.h"

/* The random source: v and j leave it as secrets. */
static int
secret_rand(void *arg, uint8_t *out, size_t len)
{
	(void)arg;
	if (RAND_bytes(out, (int)len) != 1)
		return -1;
	out[0] &= 0x7f;		/* < q: no redraw, whose yes/no is public */
	CT_SECRET(out, len);
	return 0;
}

static int
check(const char *what, enum crypto_status st)
{
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
	uint8_t		 ksak[32], kpak[65], id[32], ssk[32], pvt[65], hs[32];
	uint8_t		 sig[ECCSI_SIG_LEN];
	int		 i, rounds;
	int		 bad = 0;

	rounds = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 3;
	if (!CT_UNDER_VALGRIND())
		fprintf(stderr, "ctgrind: not under valgrind; "
		    "this only checks the results\n");
	for (i = 0; i < rounds; i++) {
		if (RAND_bytes(ksak, sizeof(ksak)) != 1 ||
		    RAND_bytes(id, sizeof(id)) != 1)
			return 2;
		ksak[0] &= 0x7f;
		/* KPAK is made once per KMS; computed before marking. */
		bad |= check("eccsi_kpak", eccsi_kpak(ksak, kpak));

		CT_SECRET(ksak, sizeof(ksak));
		bad |= check("eccsi_ssk_pvt", eccsi_ssk_pvt(ksak, kpak, id,
		    sizeof(id), secret_rand, NULL, ssk, pvt, hs));
		/* SSK stays secret for signing. */
		bad |= check("eccsi_sign", eccsi_sign(ssk, pvt, hs, id,
		    sizeof(id), secret_rand, NULL, sig));
		CT_PUBLIC(ksak, sizeof(ksak));
		CT_PUBLIC(ssk, sizeof(ssk));
		/* And the results are right (public from here on). */
		bad |= check("eccsi_ssk_validate", eccsi_ssk_validate(kpak,
		    id, sizeof(id), ssk, pvt, NULL));
		bad |= check("eccsi_verify", eccsi_verify(kpak, id,
		    sizeof(id), id, sizeof(id), sig));
	}
	printf("ctgrind: %d rounds of SSK/PVT and ECCSI sign: %s\n", rounds,
	    bad ? "FAILED" : "done");
	return bad;
}
