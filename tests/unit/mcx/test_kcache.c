/*
 * test_kcache.c - the sealing behind precompute.c (hsm/hsm_kcache.c)
 * against a real SoftHSMv2 token: a sealed blob opens to the same bytes
 * under the same AAD and holds no plaintext; one changed octet of IV,
 * ciphertext or tag, or another AAD, gives HSM_ERR_INTEGRITY with the
 * output wiped; after hsm_cache_forget or a reopened HSM (the session
 * key is gone) old blobs never open and new ones do; bad arguments are
 * refused.  A miss is all precompute.c needs to fall back to on-demand
 * derivation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hsm.h"
#include "hsm_fixture.h"

#define PLAIN_LEN	354		/* RSK || SSK || PVT */

static int
setup(void **state)
{
	return hsm_fixture_setup(state, "kms-kcache", "kcache-test",
	    "Kc4-pin!");
}

static void
fill(uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3);
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void
test_roundtrip(void **state)
{
	struct tctx	*t = *state;
	uint8_t		 plain[PLAIN_LEN], out[PLAIN_LEN];
	uint8_t		 blob[HSM_CACHE_BLOB_LEN(PLAIN_LEN)];
	uint8_t		 blob2[sizeof(blob)];
	const uint8_t	 aad[] = "uid-and-period";

	hsm_fixture_open(t);
	fill(plain, sizeof(plain));
	assert_int_equal(hsm_cache_seal(t->h, aad, sizeof(aad), plain,
	    sizeof(plain), blob, sizeof(blob)), HSM_OK);
	/* No 16-octet run of the plaintext in the blob. */
	assert_null(memmem(blob, sizeof(blob), plain + 100, 16));
	assert_int_equal(hsm_cache_open(t->h, aad, sizeof(aad), blob,
	    sizeof(blob), out, sizeof(out)), HSM_OK);
	assert_memory_equal(out, plain, sizeof(plain));
	/* A fresh IV each time: the same plaintext, another blob. */
	assert_int_equal(hsm_cache_seal(t->h, aad, sizeof(aad), plain,
	    sizeof(plain), blob2, sizeof(blob2)), HSM_OK);
	assert_memory_not_equal(blob, blob2, sizeof(blob));
}

static void
test_tamper(void **state)
{
	struct tctx	*t = *state;
	uint8_t		 plain[PLAIN_LEN], out[PLAIN_LEN];
	uint8_t		 blob[HSM_CACHE_BLOB_LEN(PLAIN_LEN)];
	const uint8_t	 aad[] = "uid-and-period", aad2[] = "uid-and-periox";
	const size_t	 at[] = { 0, HSM_GCM_IV_LEN, HSM_GCM_IV_LEN + 200,
			    sizeof(blob) - 1 };
	size_t		 i;

	hsm_fixture_open(t);
	fill(plain, sizeof(plain));
	assert_int_equal(hsm_cache_seal(t->h, aad, sizeof(aad), plain,
	    sizeof(plain), blob, sizeof(blob)), HSM_OK);
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		blob[at[i]] ^= 0x01;
		memset(out, 0xa5, sizeof(out));
		assert_int_equal(hsm_cache_open(t->h, aad, sizeof(aad), blob,
		    sizeof(blob), out, sizeof(out)), HSM_ERR_INTEGRITY);
		assert_true(all_zero(out, sizeof(out)));
		blob[at[i]] ^= 0x01;
	}
	memset(out, 0xa5, sizeof(out));
	assert_int_equal(hsm_cache_open(t->h, aad2, sizeof(aad2), blob,
	    sizeof(blob), out, sizeof(out)), HSM_ERR_INTEGRITY);
	assert_true(all_zero(out, sizeof(out)));
	assert_int_equal(hsm_cache_open(t->h, aad, sizeof(aad), blob,
	    sizeof(blob) - 1, out, sizeof(out)), HSM_ERR_INTEGRITY);
	assert_int_equal(hsm_cache_open(t->h, aad, sizeof(aad), blob,
	    sizeof(blob), out, sizeof(out)), HSM_OK);
}

static void
test_forget(void **state)
{
	struct tctx	*t = *state;
	uint8_t		 plain[PLAIN_LEN], out[PLAIN_LEN];
	uint8_t		 blob[HSM_CACHE_BLOB_LEN(PLAIN_LEN)];
	const uint8_t	 aad[] = "a";

	hsm_fixture_open(t);
	fill(plain, sizeof(plain));
	assert_int_equal(hsm_cache_seal(t->h, aad, sizeof(aad), plain,
	    sizeof(plain), blob, sizeof(blob)), HSM_OK);
	hsm_cache_forget(t->h);
	assert_int_not_equal(hsm_cache_open(t->h, aad, sizeof(aad), blob,
	    sizeof(blob), out, sizeof(out)), HSM_OK);
	assert_true(all_zero(out, sizeof(out)));
	/* A new key on the next seal. */
	assert_int_equal(hsm_cache_seal(t->h, aad, sizeof(aad), plain,
	    sizeof(plain), blob, sizeof(blob)), HSM_OK);
	assert_int_equal(hsm_cache_open(t->h, aad, sizeof(aad), blob,
	    sizeof(blob), out, sizeof(out)), HSM_OK);
	assert_memory_equal(out, plain, sizeof(plain));
	/* A reopened HSM: the session key went with its session. */
	hsm_fixture_reopen(t);
	assert_int_not_equal(hsm_cache_open(t->h, aad, sizeof(aad), blob,
	    sizeof(blob), out, sizeof(out)), HSM_OK);
	assert_int_equal(hsm_cache_seal(t->h, aad, sizeof(aad), plain,
	    sizeof(plain), blob, sizeof(blob)), HSM_OK);
	assert_int_equal(hsm_cache_open(t->h, aad, sizeof(aad), blob,
	    sizeof(blob), out, sizeof(out)), HSM_OK);
	hsm_cache_forget(t->h);
}

static void
test_args(void **state)
{
	struct tctx	*t = *state;
	uint8_t		 plain[HSM_CACHE_MAX + 1], out[PLAIN_LEN];
	uint8_t		 blob[HSM_CACHE_BLOB_LEN(HSM_CACHE_MAX + 1)];

	hsm_fixture_open(t);
	fill(plain, sizeof(plain));
	assert_int_equal(hsm_cache_seal(NULL, NULL, 0, plain, 1, blob,
	    sizeof(blob)), HSM_ERR_ARGS);
	assert_int_equal(hsm_cache_seal(t->h, NULL, 0, plain, 0, blob,
	    sizeof(blob)), HSM_ERR_ARGS);
	assert_int_equal(hsm_cache_seal(t->h, NULL, 0, plain,
	    HSM_CACHE_MAX + 1, blob, sizeof(blob)), HSM_ERR_ARGS);
	assert_int_equal(hsm_cache_seal(t->h, NULL, 1, plain, 8, blob,
	    sizeof(blob)), HSM_ERR_ARGS);
	assert_int_equal(hsm_cache_seal(t->h, NULL, 0, plain, PLAIN_LEN,
	    blob, HSM_CACHE_BLOB_LEN(PLAIN_LEN) - 1), HSM_ERR_BUFFER);
	assert_int_equal(hsm_cache_open(t->h, NULL, 0, NULL, 10, out,
	    sizeof(out)), HSM_ERR_ARGS);
	assert_int_equal(hsm_cache_open(t->h, NULL, 0, blob, 10, out, 0),
	    HSM_ERR_ARGS);
	hsm_cache_forget(t->h);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		HSM_FIXTURE_TEST(test_roundtrip, setup),
		HSM_FIXTURE_TEST(test_tamper, setup),
		HSM_FIXTURE_TEST(test_forget, setup),
		HSM_FIXTURE_TEST(test_args, setup),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
