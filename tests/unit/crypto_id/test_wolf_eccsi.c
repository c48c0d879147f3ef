/*
 * test_wolf_eccsi.c - ECCSI cross-check against wolfSSL (test-only
 * oracle; never linked into kms_crypto or kmsd): every SSK/PVT we derive
 * validates in wolfSSL (wc_ValidateEccsiPair), wolfSSL's KMS output
 * validates in ours, and signatures cross-verify both ways.
 *
 * Usage: test_wolf_eccsi [test-name-filter]
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/eccsi.h>
#include <wolfssl/wolfcrypt/random.h>

#include "tid.h"

#define N_WOLF	40

struct wolf {
	EccsiKey	 key;
	WC_RNG		 rng;
	mp_int		 ssk;
	ecc_point	*pvt;
};

static void
wolf_init(struct wolf *w)
{
	assert_int_equal(wc_InitRng(&w->rng), 0);
	assert_int_equal(wc_InitEccsiKey(&w->key, NULL, INVALID_DEVID), 0);
	assert_int_equal(mp_init(&w->ssk), 0);
	assert_non_null(w->pvt = wc_ecc_new_point());
}

static void
wolf_free(struct wolf *w)
{
	wc_ecc_del_point(w->pvt);
	mp_free(&w->ssk);
	wc_FreeEccsiKey(&w->key);
	wc_FreeRng(&w->rng);
}

/* Our KMS output (random KSAK, IDs of all lengths) validates in wolfSSL. */
static void
test_wolf_ours_validate(void **state)
{
	struct wolf	 w;
	uint8_t		 ksak[32], kpak[65], id[64], ssk[32], pvt[65], hs[32];
	int		 i, valid;

	(void)state;
	for (i = 0; i < N_WOLF; i++) {
		wolf_init(&w);
		assert_int_equal(RAND_bytes(ksak, 32), 1);
		assert_int_equal(RAND_bytes(id, sizeof(id)), 1);
		ksak[0] &= 0x7f;
		assert_int_equal(eccsi_kpak(ksak, kpak), CRYPTO_OK);
		assert_int_equal(eccsi_ssk_pvt(ksak, kpak, id, (size_t)i + 1,
		    tid_rand, NULL, ssk, pvt, hs), CRYPTO_OK);
		assert_int_equal(wc_ImportEccsiPublicKey(&w.key, kpak, 65, 0),
		    0);
		assert_int_equal(wc_DecodeEccsiSsk(&w.key, ssk, 32, &w.ssk), 0);
		assert_int_equal(wc_DecodeEccsiPvt(&w.key, pvt, 65, w.pvt), 0);
		valid = 0;
		assert_int_equal(wc_ValidateEccsiPair(&w.key,
		    WC_HASH_TYPE_SHA256, id, (word32)i + 1, &w.ssk, w.pvt,
		    &valid), 0);
		assert_int_equal(valid, 1);
		/* And a wrong identity does not. */
		id[0] ^= 1;
		valid = 1;
		assert_int_equal(wc_ValidateEccsiPair(&w.key,
		    WC_HASH_TYPE_SHA256, id, (word32)i + 1, &w.ssk, w.pvt,
		    &valid), 0);
		assert_int_equal(valid, 0);
		wolf_free(&w);
	}
}

/* wolfSSL's KMS output (its KSAK, its v) validates in ours. */
static void
test_wolf_theirs_validate(void **state)
{
	struct wolf	 w;
	uint8_t		 kpak[65], id[40], ssk[32], pvt[65], hs[32];
	word32		 sz;
	int		 i;

	(void)state;
	for (i = 0; i < N_WOLF / 4; i++) {
		wolf_init(&w);
		assert_int_equal(RAND_bytes(id, sizeof(id)), 1);
		assert_int_equal(wc_MakeEccsiKey(&w.key, &w.rng), 0);
		sz = sizeof(kpak);
		assert_int_equal(wc_ExportEccsiPublicKey(&w.key, kpak, &sz, 0),
		    0);
		assert_int_equal(sz, 65);
		assert_int_equal(wc_MakeEccsiPair(&w.key, &w.rng,
		    WC_HASH_TYPE_SHA256, id, sizeof(id), &w.ssk, w.pvt), 0);
		sz = sizeof(ssk);
		assert_int_equal(wc_EncodeEccsiSsk(&w.key, &w.ssk, ssk, &sz),
		    0);
		assert_int_equal(sz, 32);
		sz = sizeof(pvt);
		assert_int_equal(wc_EncodeEccsiPvt(&w.key, w.pvt, pvt, &sz, 0),
		    0);
		assert_int_equal(sz, 65);
		assert_int_equal(eccsi_ssk_validate(kpak, id, sizeof(id), ssk,
		    pvt, hs), CRYPTO_OK);
		wolf_free(&w);
	}
}

/* Signatures: ours verify in wolfSSL, wolfSSL's verify in ours. */
static void
test_wolf_signatures(void **state)
{
	struct wolf	 w;
	uint8_t		 ksak[32], kpak[65], id[32], ssk[32], pvt[65], hs[32];
	uint8_t		 msg[100], sig[ECCSI_SIG_LEN], whs[WC_MAX_DIGEST_SIZE];
	byte		 whs_sz = sizeof(whs);
	word32		 sig_sz;
	int		 i, ok;

	(void)state;
	for (i = 0; i < N_WOLF; i++) {
		wolf_init(&w);
		assert_int_equal(RAND_bytes(ksak, 32), 1);
		assert_int_equal(RAND_bytes(id, sizeof(id)), 1);
		assert_int_equal(RAND_bytes(msg, sizeof(msg)), 1);
		ksak[0] &= 0x7f;
		assert_int_equal(eccsi_kpak(ksak, kpak), CRYPTO_OK);
		assert_int_equal(eccsi_ssk_pvt(ksak, kpak, id, sizeof(id),
		    tid_rand, NULL, ssk, pvt, hs), CRYPTO_OK);
		assert_int_equal(wc_ImportEccsiPublicKey(&w.key, kpak, 65, 0),
		    0);
		assert_int_equal(wc_DecodeEccsiSsk(&w.key, ssk, 32, &w.ssk), 0);
		assert_int_equal(wc_DecodeEccsiPvt(&w.key, pvt, 65, w.pvt), 0);
		whs_sz = sizeof(whs);
		assert_int_equal(wc_HashEccsiId(&w.key, WC_HASH_TYPE_SHA256, id,
		    sizeof(id), w.pvt, whs, &whs_sz), 0);
		assert_int_equal(whs_sz, 32);
		assert_memory_equal(whs, hs, 32);	/* same HS */
		assert_int_equal(wc_SetEccsiHash(&w.key, whs, whs_sz), 0);

		/* Ours -> wolfSSL. */
		assert_int_equal(eccsi_sign(ssk, pvt, hs, msg, (size_t)i,
		    tid_rand, NULL, sig), CRYPTO_OK);
		ok = 0;
		assert_int_equal(wc_VerifyEccsiHash(&w.key, WC_HASH_TYPE_SHA256,
		    msg, (word32)i, sig, sizeof(sig), &ok), 0);
		assert_int_equal(ok, 1);
		sig[40] ^= 1;
		ok = 1;
		(void)wc_VerifyEccsiHash(&w.key, WC_HASH_TYPE_SHA256, msg,
		    (word32)i, sig, sizeof(sig), &ok);
		assert_int_equal(ok, 0);

		/* wolfSSL -> ours. */
		assert_int_equal(wc_SetEccsiPair(&w.key, &w.ssk, w.pvt), 0);
		sig_sz = sizeof(sig);
		assert_int_equal(wc_SignEccsiHash(&w.key, &w.rng,
		    WC_HASH_TYPE_SHA256, msg, (word32)i, sig, &sig_sz), 0);
		assert_int_equal(sig_sz, ECCSI_SIG_LEN);
		assert_int_equal(eccsi_verify(kpak, id, sizeof(id), msg,
		    (size_t)i, sig), CRYPTO_OK);
		msg[0] ^= 1;
		assert_int_equal(eccsi_verify(kpak, id, sizeof(id), msg,
		    (size_t)i, sig), i == 0 ? CRYPTO_OK : CRYPTO_ERR_VERIFY);
		wolf_free(&w);
	}
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wolf_ours_validate),
		cmocka_unit_test(test_wolf_theirs_validate),
		cmocka_unit_test(test_wolf_signatures),
	};

	return tid_run("wolf_eccsi", tests, sizeof(tests) / sizeof(tests[0]),
	    argc, argv);
}
