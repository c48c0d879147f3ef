/*
 * test_crypto.c - known-answer and validation tests for firmware/crypto.
 *
 * Vectors: RFC 6508 Appendix A (z_S, Z_S), RFC 6507 Appendix A (KSAK,
 * KPAK), RFC 6509 Appendix A (P, p), as quoted in mcx-kms.md 6.1, 6.8 and
 * 6.9.  The curve constants are a separate copy from firmware/crypto's
 * params.c, so a typo there shows up here.
 *
 * Usage: test_crypto [test-name-filter]
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>

#include "crypto.h"

#define N_THREADS	4

/* RFC 6508 Appendix A (mcx-kms.md 6.9). */
static const char rfc6508_z_s[] =
    "AFF429D35F84B110D094803B3595A6E2998BC99F";
static const char rfc6508_Z_S[] =
    "045958EF1B1679BF099B3A030DF255AA6A23C1D8F143D4D23F753E69BD27A832"
    "F38CB4AD53DDEF4260B0FE8BB45C4C1FF510EFFE300367A37B61F701D914AEF0"
    "9724825FA0707D61A6DFF4FBD7273566CDDE352A0B04B7C16A78309BE640697D"
    "E747613A5FC195E8B9F328852A579DB8F99B1D0034479EA9C5595F47C4B2F54F"
    "F21508D37514DCF7A8E143A6058C09A6BF2C9858CA37C258065AE6BF7532BC8B"
    "5B63383866E0753C5AC0E72709F8445F2E6178E065857E0EDA10F68206B63505"
    "ED87E534FB2831FF957FB7DC619DAE61301EEACC2FDA3680EA4999258A833CEA"
    "8FC67C6D19487FB449059F26CC8AAB655AB58B7CC796E24E9A394095754F5F8B"
    "AE";

/* RFC 6507 Appendix A (mcx-kms.md 6.8). */
static const char rfc6507_ksak[] =
    "0000000000000000000000000000000000000000000000000000000000012345";
static const char rfc6507_kpak[] =
    "0450D4670BDE75244F28D2838A0D25558A7A72686D4522D4C8273FB6442AEBFA"
    "93DBDD37551AFD263B5DFD617F3960C65A8C298850FF99F20366DCE7D4367217"
    "F4";

/* RFC 6509 Appendix A: P = (Px, Py) and p. */
static const char set1_px[] =
    "53FC09EE332C29AD0A7990053ED9B52A2B1A2FD60AEC69C698B2F204B6FF7CBF"
    "B5EDB6C0F6CE2308AB10DB9030B09E1043D5F22CDB9DFA55718BD9E7406CE890"
    "9760AF765DD5BCCB337C86548B72F2E1A702C3397A60DE74A7C1514DBA66910D"
    "D5CFB4CC80728D87EE9163A5B63F73EC80EC46C4967E0979880DC8ABEAE63895";
static const char set1_py[] =
    "0A8249063F6009F1F9F1F0533634A135D3E82016029906963D778D821E141178"
    "F5EA69F4654EC2B9E7F7F5E5F0DE55F66B598CCF9A140B2E416CFF0CA9E032B9"
    "70DAE117AD547C6CCAD696B5B7652FE0AC6F1E80164AA989492D979FC5A4D5F2"
    "13515AD7E9CB99A980BDAD5AD5BB4636ADB9B5706A67DCDE75573FD71BEF16D7";
static const char set1_p[] =
    "997ABB1F0A563FDA65C61198DAD0657A416C0CE19CB48261BE9AE358B3E01A2E"
    "F40AAB27E2FC0F1B228730D531A59CB0E791B39FF7C88A19356D27F4A666A6D0"
    "E26C6487326B4CD4512AC5CD65681CE1B6AFF4A831852A82A7CF3C521C3C09AA"
    "9F94D6AF56971F1FFCE3E82389857DB080C5DF10AC7ACE87666D807AFEA85FEB";

static void	hex2bin(const char *, uint8_t *, size_t);
static void	pad_be(const char *, uint8_t *, size_t);
static void	set1_generator(uint8_t [SAKKE_POINT_LEN]);
static void	set1_point_xy(const BIGNUM *, const BIGNUM *,
		    uint8_t [SAKKE_POINT_LEN]);

/* Decodes exactly 2 * len hex digits; fails the test otherwise. */
static void
hex2bin(const char *hex, uint8_t *out, size_t len)
{
	size_t		 i;
	unsigned int	 v;

	assert_int_equal(strlen(hex), 2 * len);
	for (i = 0; i < len; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* A big-endian hex integer, left-padded with zeros to len octets. */
static void
pad_be(const char *hex, uint8_t *out, size_t len)
{
	size_t	 n = strlen(hex) / 2;

	assert_true(n <= len);
	memset(out, 0, len);
	hex2bin(hex, out + len - n, n);
}

static void
set1_generator(uint8_t pt[SAKKE_POINT_LEN])
{
	pt[0] = 0x04;
	hex2bin(set1_px, pt + 1, SAKKE_FP_LEN);
	hex2bin(set1_py, pt + 1 + SAKKE_FP_LEN, SAKKE_FP_LEN);
}

static void
set1_point_xy(const BIGNUM *x, const BIGNUM *y, uint8_t pt[SAKKE_POINT_LEN])
{
	pt[0] = 0x04;
	assert_int_equal(BN_bn2binpad(x, pt + 1, SAKKE_FP_LEN), SAKKE_FP_LEN);
	assert_int_equal(BN_bn2binpad(y, pt + 1 + SAKKE_FP_LEN, SAKKE_FP_LEN),
	    SAKKE_FP_LEN);
}

/* Z_S = [z_S]P equals RFC 6508 Appendix A exactly. */
static void
test_sakke_pubkey_rfc6508(void **state)
{
	uint8_t	 z[SAKKE_SCALAR_LEN], want[SAKKE_POINT_LEN];
	uint8_t	 got[SAKKE_POINT_LEN];

	pad_be(rfc6508_z_s, z, sizeof(z));
	hex2bin(rfc6508_Z_S, want, sizeof(want));
	assert_int_equal(sakke_pubkey(z, got), CRYPTO_OK);
	assert_memory_equal(got, want, sizeof(want));
}

/* [1]P = P and [q-1]P = -P = (Px, p - Py). */
static void
test_sakke_pubkey_edges(void **state)
{
	uint8_t	 z[SAKKE_SCALAR_LEN], got[SAKKE_POINT_LEN];
	uint8_t	 want[SAKKE_POINT_LEN];
	BIGNUM	*p, *y;

	memset(z, 0, sizeof(z));
	z[SAKKE_SCALAR_LEN - 1] = 1;
	set1_generator(want);
	assert_int_equal(sakke_pubkey(z, got), CRYPTO_OK);
	assert_memory_equal(got, want, sizeof(want));

	memcpy(z, sakke_q, sizeof(z));
	z[SAKKE_SCALAR_LEN - 1] -= 1;		/* q is odd */
	assert_int_equal(sakke_pubkey(z, got), CRYPTO_OK);
	p = BN_new();
	y = BN_new();
	assert_non_null(BN_hex2bn(&p, set1_p));
	assert_non_null(BN_hex2bn(&y, set1_py));
	assert_true(BN_sub(y, p, y));
	assert_int_equal(BN_bn2binpad(y, want + 1 + SAKKE_FP_LEN,
	    SAKKE_FP_LEN), SAKKE_FP_LEN);
	assert_memory_equal(got, want, sizeof(want));
	assert_true(sakke_point_is_valid(got));
	BN_free(p);
	BN_free(y);
}

/* Secrets 0, q, q + 1 and 2^1024 - 1 are refused, and out is wiped. */
static void
test_sakke_pubkey_rejects_scalars(void **state)
{
	uint8_t	 z[SAKKE_SCALAR_LEN], out[SAKKE_POINT_LEN];
	uint8_t	 zero[SAKKE_POINT_LEN];

	memset(zero, 0, sizeof(zero));
	memset(z, 0, sizeof(z));
	memset(out, 0xa5, sizeof(out));
	assert_int_equal(sakke_pubkey(z, out), CRYPTO_ERR_ARGS);
	assert_memory_equal(out, zero, sizeof(out));

	memcpy(z, sakke_q, sizeof(z));
	assert_int_equal(sakke_pubkey(z, out), CRYPTO_ERR_ARGS);
	z[SAKKE_SCALAR_LEN - 1] += 1;		/* q is odd: no carry */
	assert_int_equal(sakke_pubkey(z, out), CRYPTO_ERR_ARGS);
	memset(z, 0xff, sizeof(z));
	assert_int_equal(sakke_pubkey(z, out), CRYPTO_ERR_ARGS);
	/* q with a lower octet decreased is in range. */
	memcpy(z, sakke_q, sizeof(z));
	z[0] -= 1;
	assert_int_equal(sakke_pubkey(z, out), CRYPTO_OK);
	assert_true(sakke_point_is_valid(out));
}

/* KPAK = [KSAK]G equals RFC 6507 Appendix A exactly. */
static void
test_eccsi_kpak_rfc6507(void **state)
{
	uint8_t	 k[ECCSI_SCALAR_LEN], want[ECCSI_POINT_LEN];
	uint8_t	 got[ECCSI_POINT_LEN];

	hex2bin(rfc6507_ksak, k, sizeof(k));
	hex2bin(rfc6507_kpak, want, sizeof(want));
	assert_int_equal(eccsi_kpak(k, got), CRYPTO_OK);
	assert_memory_equal(got, want, sizeof(want));
}

static void
test_eccsi_kpak_rejects_scalars(void **state)
{
	uint8_t	 k[ECCSI_SCALAR_LEN], out[ECCSI_POINT_LEN];
	uint8_t	 zero[ECCSI_POINT_LEN];

	memset(zero, 0, sizeof(zero));
	memset(k, 0, sizeof(k));
	memset(out, 0xa5, sizeof(out));
	assert_int_equal(eccsi_kpak(k, out), CRYPTO_ERR_ARGS);
	assert_memory_equal(out, zero, sizeof(out));
	memcpy(k, eccsi_q, sizeof(k));
	assert_int_equal(eccsi_kpak(k, out), CRYPTO_ERR_ARGS);
	memset(k, 0xff, sizeof(k));
	assert_int_equal(eccsi_kpak(k, out), CRYPTO_ERR_ARGS);
	memcpy(k, eccsi_q, sizeof(k));
	k[ECCSI_SCALAR_LEN - 1] -= 1;
	assert_int_equal(eccsi_kpak(k, out), CRYPTO_OK);
	assert_true(eccsi_point_is_valid(out));
}

/* P and the RFC's Z_S are points of order q. */
static void
test_sakke_valid_accepts(void **state)
{
	uint8_t	 pt[SAKKE_POINT_LEN];

	set1_generator(pt);
	assert_true(sakke_point_is_valid(pt));
	hex2bin(rfc6508_Z_S, pt, sizeof(pt));
	assert_true(sakke_point_is_valid(pt));
}

static void
test_sakke_valid_rejects_encoding(void **state)
{
	uint8_t	 pt[SAKKE_POINT_LEN];
	BIGNUM	*p, *y;

	hex2bin(rfc6508_Z_S, pt, sizeof(pt));
	pt[0] = 0x02;
	assert_false(sakke_point_is_valid(pt));
	pt[0] = 0x00;
	assert_false(sakke_point_is_valid(pt));
	pt[0] = 0x06;				/* hybrid encoding */
	assert_false(sakke_point_is_valid(pt));

	/* x = p and x = 2^1024 - 1 are not field elements. */
	hex2bin(rfc6508_Z_S, pt, sizeof(pt));
	hex2bin(set1_p, pt + 1, SAKKE_FP_LEN);
	assert_false(sakke_point_is_valid(pt));
	memset(pt + 1, 0xff, SAKKE_FP_LEN);
	assert_false(sakke_point_is_valid(pt));

	/* (Px, Py + p) is P with y out of range. */
	set1_generator(pt);
	p = BN_new();
	y = BN_new();
	assert_non_null(BN_hex2bn(&p, set1_p));
	assert_non_null(BN_hex2bn(&y, set1_py));
	assert_true(BN_add(y, y, p));
	if (BN_num_bytes(y) <= SAKKE_FP_LEN) {
		assert_int_equal(BN_bn2binpad(y, pt + 1 + SAKKE_FP_LEN,
		    SAKKE_FP_LEN), SAKKE_FP_LEN);
		assert_false(sakke_point_is_valid(pt));
	}
	BN_free(p);
	BN_free(y);

	/* All zero: neither 04 nor a point. */
	memset(pt, 0, sizeof(pt));
	assert_false(sakke_point_is_valid(pt));
}

/* Flipping one bit of y takes Z_S off the curve. */
static void
test_sakke_valid_rejects_off_curve(void **state)
{
	uint8_t	 pt[SAKKE_POINT_LEN];

	hex2bin(rfc6508_Z_S, pt, sizeof(pt));
	pt[SAKKE_POINT_LEN - 1] ^= 0x01;
	assert_false(sakke_point_is_valid(pt));
	hex2bin(rfc6508_Z_S, pt, sizeof(pt));
	pt[1 + SAKKE_FP_LEN + 40] ^= 0x10;
	assert_false(sakke_point_is_valid(pt));
}

/*
 * Points on E outside the order-q subgroup: (0, 0) has order 2, since
 * 0^3 - 3 * 0 = 0; and a point Q = (x, sqrt(x^3 - 3x)) with [q]Q != O,
 * found by trying small x (E(F_p) has order p + 1 = 4q).
 */
static void
test_sakke_valid_rejects_small_order(void **state)
{
	uint8_t		 pt[SAKKE_POINT_LEN];
	BN_CTX		*ctx;
	BIGNUM		*p, *a, *b, *q, *x, *y, *rhs, *t;
	EC_GROUP	*g;
	EC_POINT	*pq, *r;
	int		 found = 0;
	unsigned long	 i;

	memset(pt, 0, sizeof(pt));
	pt[0] = 0x04;
	assert_false(sakke_point_is_valid(pt));

	ctx = BN_CTX_new();
	p = BN_new();
	a = BN_new();
	b = BN_new();
	q = BN_new();
	x = BN_new();
	y = BN_new();
	rhs = BN_new();
	t = BN_new();
	assert_non_null(BN_hex2bn(&p, set1_p));
	assert_non_null(BN_bin2bn(sakke_q, SAKKE_SCALAR_LEN, q));
	assert_true(BN_sub(a, p, BN_value_one()));
	assert_true(BN_sub_word(a, 2));
	BN_zero(b);
	g = EC_GROUP_new_curve_GFp(p, a, b, ctx);
	assert_non_null(g);
	pq = EC_POINT_new(g);
	r = EC_POINT_new(g);
	for (i = 1; i < 64 && !found; i++) {
		/* rhs = x^3 - 3x mod p (RFC 6508 section 2.1). */
		assert_true(BN_set_word(x, i));
		assert_true(BN_mod_sqr(t, x, p, ctx));
		assert_true(BN_sub_word(t, 3));
		assert_true(BN_mod_mul(rhs, t, x, p, ctx));
		if (BN_kronecker(rhs, p, ctx) != 1)
			continue;
		assert_non_null(BN_mod_sqrt(y, rhs, p, ctx));
		assert_true(EC_POINT_set_affine_coordinates(g, pq, x, y, ctx));
		assert_true(EC_POINT_mul(g, r, NULL, pq, q, ctx));
		if (EC_POINT_is_at_infinity(g, r))
			continue;
		set1_point_xy(x, y, pt);
		assert_false(sakke_point_is_valid(pt));
		/* [4]Q is in the subgroup, and valid. */
		assert_true(EC_POINT_dbl(g, r, pq, ctx));
		assert_true(EC_POINT_dbl(g, r, r, ctx));
		assert_int_equal(EC_POINT_point2oct(g, r,
		    POINT_CONVERSION_UNCOMPRESSED, pt, sizeof(pt), ctx),
		    sizeof(pt));
		assert_true(sakke_point_is_valid(pt));
		found = 1;
	}
	assert_true(found);
	EC_POINT_free(pq);
	EC_POINT_free(r);
	EC_GROUP_free(g);
	BN_free(p);
	BN_free(a);
	BN_free(b);
	BN_free(q);
	BN_free(x);
	BN_free(y);
	BN_free(rhs);
	BN_free(t);
	BN_CTX_free(ctx);
}

static void
test_eccsi_valid(void **state)
{
	uint8_t	 pt[ECCSI_POINT_LEN];
	size_t	 i;

	hex2bin(rfc6507_kpak, pt, sizeof(pt));
	assert_true(eccsi_point_is_valid(pt));

	pt[0] = 0x03;
	assert_false(eccsi_point_is_valid(pt));
	pt[0] = 0x04;
	pt[ECCSI_POINT_LEN - 1] ^= 0x01;		/* off the curve */
	assert_false(eccsi_point_is_valid(pt));

	/* x = p (FFFFFFFF00000001 0...0 FFFF...FFFF) is out of range. */
	hex2bin(rfc6507_kpak, pt, sizeof(pt));
	memset(pt + 1, 0, ECCSI_SCALAR_LEN);
	memset(pt + 1, 0xff, 4);
	pt[8] = 0x01;
	for (i = 21; i <= ECCSI_SCALAR_LEN; i++)
		pt[i] = 0xff;
	assert_false(eccsi_point_is_valid(pt));
	memset(pt, 0, sizeof(pt));
	assert_false(eccsi_point_is_valid(pt));
	pt[0] = 0x04;				/* (0, 0) is not on P-256 */
	assert_false(eccsi_point_is_valid(pt));
}

static void *
pubkey_thread(void *arg)
{
	uint8_t	*out = arg;
	uint8_t	 z[SAKKE_SCALAR_LEN];

	pad_be(rfc6508_z_s, z, sizeof(z));
	if (sakke_pubkey(z, out) != CRYPTO_OK)
		memset(out, 0, SAKKE_POINT_LEN);
	return NULL;
}

/* The shared group gives the same answer in concurrent threads. */
static void
test_sakke_pubkey_threads(void **state)
{
	pthread_t	 t[N_THREADS];
	uint8_t		 out[N_THREADS][SAKKE_POINT_LEN];
	uint8_t		 want[SAKKE_POINT_LEN];
	int		 i;

	hex2bin(rfc6508_Z_S, want, sizeof(want));
	for (i = 0; i < N_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, pubkey_thread,
		    out[i]), 0);
	for (i = 0; i < N_THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_memory_equal(out[i], want, sizeof(want));
	}
}

/* The boot-time known-answer tests pass. */
static void
test_selftest(void **state)
{
	assert_int_equal(crypto_selftest(), CRYPTO_OK);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sakke_pubkey_rfc6508),
		cmocka_unit_test(test_sakke_pubkey_edges),
		cmocka_unit_test(test_sakke_pubkey_rejects_scalars),
		cmocka_unit_test(test_sakke_pubkey_threads),
		cmocka_unit_test(test_eccsi_kpak_rfc6507),
		cmocka_unit_test(test_eccsi_kpak_rejects_scalars),
		cmocka_unit_test(test_sakke_valid_accepts),
		cmocka_unit_test(test_sakke_valid_rejects_encoding),
		cmocka_unit_test(test_sakke_valid_rejects_off_curve),
		cmocka_unit_test(test_sakke_valid_rejects_small_order),
		cmocka_unit_test(test_eccsi_valid),
		cmocka_unit_test(test_selftest),
	};

	struct CMUnitTest	 run[sizeof(tests) / sizeof(tests[0])];
	size_t			 i, n = 0;

	/* Secrets go to the secure heap, as at boot (style.md). */
	if (CRYPTO_secure_malloc_init(1 << 16, 32) == 0)
		fprintf(stderr, "secure heap unavailable; using the heap\n");
	/* An exact name selects one test; an unknown name is an error. */
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (argc < 2 || strcmp(argv[1], tests[i].name) == 0)
			run[n++] = tests[i];
	if (n == 0) {
		fprintf(stderr, "%s: no test named %s\n", argv[0], argv[1]);
		return 1;
	}
	return _cmocka_run_group_tests("crypto", run, n, NULL, NULL);
}
