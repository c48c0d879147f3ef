/*
 * test_uid.c - identities (TS 33.180 Annex F): UID format 2, key periods
 * on the NTP epoch, the TS 33.220 KDF, User Salt, GUK-ID, purpose tags.
 *
 * Vectors: every UID row of mcx-kms.md 5.1 and the 68-octet S of 6.10;
 * every GUK-ID row of 5.3 and its whole KDF output; the key period
 * example of section 2.
 *
 * Usage: test_uid [test-name-filter]
 */
#include <openssl/hmac.h>

#include "tid.h"

struct uid_vec {
	const char	*uri;
	const char	*kms;
	uint64_t	 period, offset, no;
	const char	*uid;
};

/* mcx-kms.md 5.1. */
static const struct uid_vec uid_vecs[] = {
	{ "sip:user@example.org", "kms.example.org", 2592000, 0, 1,
	  "74e2af803ab5d72841bbced0ce319ffe64f6fe23c88a2d258aabcf6ac5658ef4" },
	{ "sip:user@example.org", "kms.example.org", 10, 0, 10,
	  "94fb1a697c15d7e9d6b7062066affebda2d9e346e0090d67525c0c3ce666eafa" },
	{ "sip:user@example.org", "kms.example.org", 25920000, 100, 1,
	  "3c0ad8828cfae1ad1d08b27cc7b61258c6cfcd405081b68cd778f1e1c7f562a7" },
	{ "sip:user@example.org", "kms.example.org", 25920000, 100, 2048,
	  "c88b3fa5e36a08985d10f7b31a631b0265e8249f0312435e4984dbc3765c7f0c" },
	{ "sip:user@example.org", "kms.example.org", 25920000, 45920000,
	  20393844,
	  "8dc05540167345538475101514f4eabd384abd6ba665782abb312ecaf05934e1" },
	{ "sip:user@example.org", "kms.example.org", 2592000, 0, 1388,
	  "3a81fb14c3b1d0fe43c9c577104d55a6d81788bfd2f09743c4557746a5a0353b" },
	{ "alice@org.com", "0.0.0.0:8080", 2592000, 0, 1490,
	  "35bad79faa9b23bf1656a5dbead20cd5226a75453ee470201e280dd6f8fb6e70" },
	{ "alice@org.com", "localhost:8080", 2592000, 0, 625,
	  "060c5cddd13b87be1e37d3ff091101684b88aadef26c409a8b49c8da9dd81a05" },
	{ "sip:gms.test.org", "sip:common_kms.test.org", 914544000, 0, 4,
	  "c4ebd4a105a1b788a56e49592dbdbe5f80440d6b135dd1faed68a62560ccd3cc" },
	{ "sip:mcptt-participant.test.org", "sip:common_kms.test.org",
	  914544000, 0, 4,
	  "dae408654097bf457647445d70006b950d3c22a070b04fe1e6f8573b6fe029bd" },
	{ "gms@streamwide.com", "kms.mydev.streamwide.com", 16777215, 0, 236,
	  "15a4d5b12856538d02d91fedbb766e6dd377b014c92e216666c8fb678608d20e" },
	{ "sip:alice@streamwide.com", "kms.mydev.streamwide.com", 16777215, 0,
	  236,
	  "b5c452309219da6a3d805615548d6c1b0f4de45a6b48fb13d9a24d857fc03dc4" },
	{ "sip:bob@streamwide.com", "kms.mydev.streamwide.com", 16777215, 0,
	  236,
	  "780851cda91a9c33f941cd3a2831697e2893264754e363f8a0cef827eb201a81" },
	{ "sip:user@example.org", "kms.example.org", 2592000, 0, 1389,
	  "0c3f097181dfbd67b2e4cb90f3702cefa892c4cb31e84ea9ce49ccdf618d154d" },
};

/* mcx-kms.md 6.10: S of the first row. */
static const char uid_s1[] =
    "004D494B45592D53414B4B452D554944000F7369703A75736572406578616D70"
    "6C652E6F726700146B6D732E6578616D706C652E6F7267000F278D0000030000"
    "01010001";

struct guk_vec {
	const char	*mc_id;
	const char	*gmk;
	uint32_t	 gmk_id, guk_id;
};

/* mcx-kms.md 5.3. */
static const struct guk_vec guk_vecs[] = {
	{ "sip:alice@streamwide.com", "07d1a1677ac36d8e81620484689b3c2d",
	  0x0df9bc39, 0x06a12aea },
	{ "sip:p25user01@etherstack.com", "fcfe65cd967c58d260b603ccb9a887a9",
	  0x09bf9d37, 0x01c8de7b },
	{ "sip:p25user02@etherstack.co.jp",
	  "fcfe65cd967c58d260b603ccb9a887a9", 0x09bf9d37, 0x0abe69d0 },
	{ "sip:92100002447@att.com", "fcfe65cd967c58d260b603ccb9a887a9",
	  0x09bf9d37, 0x0c449727 },
	{ "sip:P25SU-00003002000531@server-dev43-ws.streamwideus.com",
	  "52079f77690731437e407a5b4845aab3", 0x03f3453d, 0x0e0e03f2 },
};

static const char salt_kdf1[] =
    "c46ce50eec7dcf4161d71448afe279b8698ddbc7ff36f14fb795e516db5896d3";

static enum crypto_status
uid_of(const char *uri, const char *kms, uint64_t period, uint64_t offset,
    uint64_t no, uint8_t *uid)
{
	return uid_derive((const uint8_t *)uri, strlen(uri),
	    (const uint8_t *)kms, strlen(kms), period, offset, no, uid);
}

/* Every UID of 5.1, and S of row 1 hashed gives the same UID. */
static void
test_uid_vectors(void **state)
{
	uint8_t	 uid[32], want[32], s[68];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(uid_vecs) / sizeof(uid_vecs[0]); i++) {
		assert_int_equal(uid_of(uid_vecs[i].uri, uid_vecs[i].kms,
		    uid_vecs[i].period, uid_vecs[i].offset, uid_vecs[i].no,
		    uid), CRYPTO_OK);
		tid_hex(uid_vecs[i].uid, want, 32);
		if (memcmp(uid, want, 32) != 0)
			fail_msg("UID row %zu (%s) differs", i + 1,
			    uid_vecs[i].uri);
	}
	assert_int_equal(tid_hex(uid_s1, s, sizeof(s)), 68);
	assert_int_equal(EVP_Digest(s, sizeof(s), uid, NULL, EVP_sha256(),
	    NULL), 1);
	tid_hex(uid_vecs[0].uid, want, 32);
	assert_memory_equal(uid, want, 32);
}

/* Minimum-octet integers: the boundaries change the UID. */
static void
test_uid_integers(void **state)
{
	uint8_t	 a[32], b[32];

	(void)state;
	/* 0 is one 0x00 octet, different from no octet and from 00 00. */
	assert_int_equal(uid_of("u", "k", 1, 0, 0, a), CRYPTO_OK);
	assert_int_equal(uid_of("u", "k", 1, 0, 1, b), CRYPTO_OK);
	assert_memory_not_equal(a, b, 32);
	/* UINT64_MAX works (8 octets). */
	assert_int_equal(uid_of("u", "k", UINT64_MAX, 0, UINT64_MAX, a),
	    CRYPTO_OK);
	/* Empty and oversized URIs are refused. */
	assert_int_equal(uid_of("", "k", 1, 0, 0, a), CRYPTO_ERR_ARGS);
	assert_int_equal(uid_of("u", "", 1, 0, 0, a), CRYPTO_ERR_ARGS);
	{
		static uint8_t	 big[UID_URI_MAX + 1];

		memset(big, 'x', sizeof(big));
		assert_int_equal(uid_derive(big, sizeof(big),
		    (const uint8_t *)"k", 1, 1, 0, 0, a), CRYPTO_ERR_ARGS);
		assert_int_equal(uid_derive(big, UID_URI_MAX, big,
		    UID_URI_MAX, 1, 0, 0, a), CRYPTO_OK);
	}
}

/* Section 2: NTP epoch, KeyPeriodNo, ValidFrom/ValidTo. */
static void
test_uid_key_period(void **state)
{
	uint64_t	 no, from, to, t;

	(void)state;
	assert_int_equal(ntp_from_unix(0), NTP_UNIX_DELTA);
	assert_int_equal(unix_from_ntp(NTP_UNIX_DELTA), 0);
	assert_int_equal(unix_from_ntp(ntp_from_unix(1759448872)),
	    1759448872);
	assert_int_equal(ntp_from_unix(-(int64_t)NTP_UNIX_DELTA - 1), 0);
	/* T = D6B43232... (NTP seconds), period 30 days -> 1389. */
	assert_int_equal(key_period_no(0xD6B43232ULL, 2592000, 0, &no),
	    CRYPTO_OK);
	assert_int_equal(no, 1389);
	/* Streamwide: T ec898da8 (2025-10-02) with 16777215 -> 236. */
	assert_int_equal(key_period_no(0xec898da8ULL, 16777215, 0, &no),
	    CRYPTO_OK);
	assert_int_equal(no, 236);
	assert_int_equal(unix_from_ntp(0xec898da8ULL), 1759448872);
	/* Bounds, inclusive, and the number of every second in them. */
	assert_int_equal(key_period_bounds(1389, 2592000, 0, &from, &to),
	    CRYPTO_OK);
	assert_int_equal(from, 1389ULL * 2592000);
	assert_int_equal(to, 1390ULL * 2592000 - 1);
	assert_int_equal(key_period_bounds(7, 604800, 432000, &from, &to),
	    CRYPTO_OK);
	{
		const uint64_t	 ts[6] = { from - 1, from, from + 1, to - 1,
				    to, to + 1 };
		const uint64_t	 want[6] = { 6, 7, 7, 7, 7, 8 };
		size_t		 i;

		for (i = 0; i < 6; i++) {
			t = ts[i];
			assert_int_equal(key_period_no(t, 604800, 432000, &no),
			    CRYPTO_OK);
			assert_int_equal(no, want[i]);
		}
	}
	/* Refusals. */
	assert_int_equal(key_period_no(100, 0, 0, &no), CRYPTO_ERR_ARGS);
	assert_int_equal(key_period_no(100, 10, 10, &no), CRYPTO_ERR_ARGS);
	assert_int_equal(key_period_no(5, 10, 6, &no), CRYPTO_ERR_ARGS);
	assert_int_equal(key_period_bounds(UINT64_MAX, 2, 0, &from, &to),
	    CRYPTO_ERR_ARGS);
	assert_int_equal(key_period_bounds(0, 0, 0, &from, &to),
	    CRYPTO_ERR_ARGS);
}

/* TS 33.220 KDF against HMAC over a hand-built S; salt row 1 output. */
static void
test_uid_kdf(void **state)
{
	uint8_t			 gmk[16], out[32], want[32], s[64];
	unsigned int		 n = 32;
	struct kdf_param	 p[2];
	const char		*id = "sip:alice@streamwide.com";

	(void)state;
	tid_hex(guk_vecs[0].gmk, gmk, 16);
	p[0].p = (const uint8_t *)id;
	p[0].len = strlen(id);
	assert_int_equal(kdf_33220(gmk, 16, 0x50, p, 1, out), CRYPTO_OK);
	tid_hex(salt_kdf1, want, 32);
	assert_memory_equal(out, want, 32);
	/* Two parameters: S = FC || P0 || L0 || P1 || L1. */
	p[1].p = (const uint8_t *)"ab";
	p[1].len = 2;
	s[0] = 0x53;
	memcpy(s + 1, id, 24);
	s[25] = 0;
	s[26] = 24;
	memcpy(s + 27, "ab", 2);
	s[29] = 0;
	s[30] = 2;
	assert_non_null(HMAC(EVP_sha256(), gmk, 16, s, 31, want, &n));
	assert_int_equal(kdf_33220(gmk, 16, 0x53, p, 2, out), CRYPTO_OK);
	assert_memory_equal(out, want, 32);
	/* Refusals. */
	assert_int_equal(kdf_33220(gmk, 0, 0x50, p, 1, out), CRYPTO_ERR_ARGS);
	assert_int_equal(kdf_33220(gmk, 16, 0x50, p, KDF_PARAM_MAX + 1, out),
	    CRYPTO_ERR_ARGS);
	p[0].len = KDF_S_MAX;
	assert_int_equal(kdf_33220(gmk, 16, 0x50, p, 1, out), CRYPTO_ERR_ARGS);
}

/* Every GUK-ID of 5.3; the XOR maps it back; tags are kept. */
static void
test_uid_guk_id(void **state)
{
	uint8_t		 gmk[16];
	uint32_t	 guk, back, salt;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(guk_vecs) / sizeof(guk_vecs[0]); i++) {
		tid_hex(guk_vecs[i].gmk, gmk, 16);
		assert_int_equal(guk_id_derive(gmk, 16, guk_vecs[i].gmk_id,
		    (const uint8_t *)guk_vecs[i].mc_id,
		    strlen(guk_vecs[i].mc_id), &guk), CRYPTO_OK);
		if (guk != guk_vecs[i].guk_id)
			fail_msg("GUK-ID row %zu: %08x, want %08x", i + 1,
			    guk, guk_vecs[i].guk_id);
		assert_int_equal(guk_id_derive(gmk, 16, guk,
		    (const uint8_t *)guk_vecs[i].mc_id,
		    strlen(guk_vecs[i].mc_id), &back), CRYPTO_OK);
		assert_int_equal(back, guk_vecs[i].gmk_id);
		assert_int_equal(user_salt(gmk, 16,
		    (const uint8_t *)guk_vecs[i].mc_id,
		    strlen(guk_vecs[i].mc_id), &salt), CRYPTO_OK);
		assert_int_equal(salt >> 28, 0);
		assert_int_equal(guk ^ guk_vecs[i].gmk_id, salt);
	}
	assert_int_equal(user_salt(gmk, 16, (const uint8_t *)"", 0, &salt),
	    CRYPTO_ERR_ARGS);
}

/* Purpose tags (5.4) are the top nibble. */
static void
test_uid_purpose(void **state)
{
	(void)state;
	assert_int_equal(KEY_ID_PURPOSE(0x0df9bc39U), KEY_PURPOSE_GMK);
	assert_int_equal(KEY_ID_PURPOSE(0x16992638U), KEY_PURPOSE_PCK);
	assert_int_equal(KEY_ID_PURPOSE(0x06a12aeaU), KEY_PURPOSE_GMK);
	assert_int_equal(KEY_ID_MAKE(KEY_PURPOSE_CSK, 0xffffffffU),
	    0x2fffffffU);
	assert_int_equal(KEY_ID_MAKE(KEY_PURPOSE_PCK, 0x06992638U),
	    0x16992638U);
	assert_int_equal(KEY_ID_MAKE(KEY_PURPOSE_MUSIK, 0), 0x60000000U);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uid_vectors),
		cmocka_unit_test(test_uid_integers),
		cmocka_unit_test(test_uid_key_period),
		cmocka_unit_test(test_uid_kdf),
		cmocka_unit_test(test_uid_guk_id),
		cmocka_unit_test(test_uid_purpose),
	};

	return tid_run("uid", tests, sizeof(tests) / sizeof(tests[0]),
	    argc, argv);
}
