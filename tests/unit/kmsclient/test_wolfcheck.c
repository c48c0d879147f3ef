/*
 * test_wolfcheck.c - kms-client's wolfSSL oracle (tools/kms-client/
 * wolfcheck.c) says yes to good keys and no to bad ones.  A random KMS
 * (z_S, KSAK) and random 32-octet UIDs from firmware/crypto (only to
 * make keys; the verdicts are wolfSSL's):
 *
 *   rsk      the issued RSK pairs (wc_ValidateSakkeRsk); another UID's
 *            RSK, or the RSK for another UID, does not;
 *   eccsi    the SSK/PVT pair validates; SSK + 1, another UID do not;
 *   sakke    wolfSSL's SED is firmware/crypto's (both deterministic), it
 *            decapsulates with the RSK in wolfSSL and in firmware/crypto;
 *            another user's RSK or a changed R is refused;
 *   verify   an eccsi_sign signature verifies in wolfSSL; another message,
 *            another UID, a changed s do not.
 *
 * Exits 77 (ctest SKIP_RETURN_CODE) without wolfSSL ECCSI/SAKKE.
 *
 * Usage: test_wolfcheck [test-name]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/rand.h>

#include "crypto.h"
#include "wolfcheck.h"

#define N_KEYS	4

struct kms {
	uint8_t	 z[SAKKE_SCALAR_LEN], zs[SAKKE_POINT_LEN];
	uint8_t	 ksak[ECCSI_SCALAR_LEN], kpak[ECCSI_POINT_LEN];
};

struct user {
	uint8_t	 uid[UID_LEN], rsk[SAKKE_RSK_LEN];
	uint8_t	 ssk[ECCSI_SCALAR_LEN], pvt[ECCSI_POINT_LEN];
	uint8_t	 hs[ECCSI_HASH_LEN];
};

static int
rnd(void *arg, uint8_t *out, size_t len)
{
	(void)arg;
	return RAND_bytes(out, (int)len) == 1 ? 0 : -1;
}

/* A uniform scalar in [1, q-1] for q of len octets. */
static void
scalar(const uint8_t *q_be, size_t len, uint8_t *out)
{
	BIGNUM	*q = BN_bin2bn(q_be, (int)len, NULL), *k = BN_new();

	assert_non_null(q);
	assert_non_null(k);
	do {
		assert_int_equal(BN_rand_range(k, q), 1);
	} while (BN_is_zero(k));
	assert_int_equal(BN_bn2binpad(k, out, (int)len), (int)len);
	BN_free(k);
	BN_free(q);
}

static void
make_kms(struct kms *k)
{
	scalar(sakke_q, SAKKE_SCALAR_LEN, k->z);
	scalar(eccsi_q, ECCSI_SCALAR_LEN, k->ksak);
	assert_int_equal(sakke_pubkey(k->z, k->zs), CRYPTO_OK);
	assert_int_equal(eccsi_kpak(k->ksak, k->kpak), CRYPTO_OK);
}

static void
make_user(const struct kms *k, struct user *u)
{
	assert_int_equal(RAND_bytes(u->uid, UID_LEN), 1);
	assert_int_equal(sakke_rsk(k->z, u->uid, UID_LEN, u->rsk), CRYPTO_OK);
	assert_int_equal(eccsi_ssk_pvt(k->ksak, k->kpak, u->uid, UID_LEN, rnd,
	    NULL, u->ssk, u->pvt, u->hs), CRYPTO_OK);
}

static int
setup(void **state)
{
	(void)state;
	if (strncmp(kc_wolf_version(), "wolfSSL ", 8) != 0) {
		fprintf(stderr, "test_wolfcheck: %s, skipped\n",
		    kc_wolf_version());
		exit(77);
	}
	return 0;
}

static void
test_rsk(void **state)
{
	struct kms	 k;
	struct user	 a, b;
	int		 i;

	(void)state;
	for (i = 0; i < N_KEYS; i++) {
		make_kms(&k);
		make_user(&k, &a);
		make_user(&k, &b);
		assert_int_equal(kc_wolf_rsk_valid(k.zs, a.uid, UID_LEN,
		    a.rsk), KC_WOLF_OK);
		assert_int_equal(kc_wolf_rsk_valid(k.zs, a.uid, UID_LEN,
		    b.rsk), KC_WOLF_BAD);
		assert_int_equal(kc_wolf_rsk_valid(k.zs, b.uid, UID_LEN,
		    a.rsk), KC_WOLF_BAD);
	}
}

static void
test_eccsi(void **state)
{
	struct kms	 k;
	struct user	 a, b;
	int		 i;

	(void)state;
	for (i = 0; i < N_KEYS; i++) {
		make_kms(&k);
		make_user(&k, &a);
		make_user(&k, &b);
		assert_int_equal(kc_wolf_eccsi_valid(k.kpak, a.uid, UID_LEN,
		    a.ssk, a.pvt), KC_WOLF_OK);
		assert_int_equal(kc_wolf_eccsi_valid(k.kpak, b.uid, UID_LEN,
		    a.ssk, a.pvt), KC_WOLF_BAD);
		assert_int_equal(kc_wolf_eccsi_valid(k.kpak, a.uid, UID_LEN,
		    a.ssk, b.pvt), KC_WOLF_BAD);
		a.ssk[ECCSI_SCALAR_LEN - 1] ^= 1;
		assert_int_equal(kc_wolf_eccsi_valid(k.kpak, a.uid, UID_LEN,
		    a.ssk, a.pvt), KC_WOLF_BAD);
	}
}

static void
test_sakke(void **state)
{
	struct kms	 k;
	struct user	 a, b;
	uint8_t		 ssv[KC_SSV_LEN], got[KC_SSV_LEN];
	uint8_t		 sed[KC_SED_LEN], sed2[SAKKE_SED_LEN];
	int		 i;

	(void)state;
	for (i = 0; i < N_KEYS; i++) {
		make_kms(&k);
		make_user(&k, &a);
		make_user(&k, &b);
		assert_int_equal(RAND_bytes(ssv, sizeof(ssv)), 1);
		assert_int_equal(kc_wolf_encapsulate(k.zs, a.uid, UID_LEN, ssv,
		    sed), KC_WOLF_OK);
		assert_int_equal(sakke_encapsulate(ssv, a.uid, UID_LEN, k.zs,
		    sed2), CRYPTO_OK);
		assert_memory_equal(sed, sed2, sizeof(sed));
		assert_int_equal(kc_wolf_decapsulate(k.zs, a.uid, UID_LEN,
		    a.rsk, sed, got), KC_WOLF_OK);
		assert_memory_equal(got, ssv, sizeof(ssv));
		assert_int_equal(sakke_decapsulate(sed, a.uid, UID_LEN, a.rsk,
		    k.zs, got), CRYPTO_OK);
		assert_memory_equal(got, ssv, sizeof(ssv));
		/* b's RSK (as b, or as a) does not recover it. */
		assert_int_not_equal(kc_wolf_decapsulate(k.zs, b.uid, UID_LEN,
		    b.rsk, sed, got), KC_WOLF_OK);
		assert_int_not_equal(kc_wolf_decapsulate(k.zs, a.uid, UID_LEN,
		    b.rsk, sed, got), KC_WOLF_OK);
		/* Nor does anyone a changed H (RFC 6508 6.2.2 check). */
		sed[KC_SED_LEN - 1] ^= 1;
		assert_int_not_equal(kc_wolf_decapsulate(k.zs, a.uid, UID_LEN,
		    a.rsk, sed, got), KC_WOLF_OK);
	}
}

static void
test_verify(void **state)
{
	struct kms	 k;
	struct user	 a, b;
	uint8_t		 msg[200], sig[ECCSI_SIG_LEN];
	int		 i;

	(void)state;
	for (i = 0; i < N_KEYS; i++) {
		make_kms(&k);
		make_user(&k, &a);
		make_user(&k, &b);
		assert_int_equal(RAND_bytes(msg, sizeof(msg)), 1);
		assert_int_equal(eccsi_sign(a.ssk, a.pvt, a.hs, msg,
		    sizeof(msg), rnd, NULL, sig), CRYPTO_OK);
		assert_int_equal(kc_wolf_eccsi_verify(k.kpak, a.uid, UID_LEN,
		    msg, sizeof(msg), sig), KC_WOLF_OK);
		assert_int_equal(kc_wolf_eccsi_verify(k.kpak, b.uid, UID_LEN,
		    msg, sizeof(msg), sig), KC_WOLF_BAD);
		msg[i] ^= 1;
		assert_int_equal(kc_wolf_eccsi_verify(k.kpak, a.uid, UID_LEN,
		    msg, sizeof(msg), sig), KC_WOLF_BAD);
		msg[i] ^= 1;
		sig[40] ^= 1;
		assert_int_equal(kc_wolf_eccsi_verify(k.kpak, a.uid, UID_LEN,
		    msg, sizeof(msg), sig), KC_WOLF_BAD);
	}
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsk),
		cmocka_unit_test(test_eccsi),
		cmocka_unit_test(test_sakke),
		cmocka_unit_test(test_verify),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, setup, NULL);
}
