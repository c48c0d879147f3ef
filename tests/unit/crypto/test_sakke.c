/*
 * test_sakke.c - SAKKE on the constant-time path (firmware/crypto
 * fp1024.c, sakke_ct.c, sakke_pair.c): every RFC 6508 Appendix A value
 * (Z_S, RSK, r, R_(b,S), g^r, mask, H), the provisioning vector of
 * mcx-kms.md 6.10, and differential tests against OpenSSL's EC on the
 * same curve (EC_GROUP_new_curve_GFp, variable-time reference).
 *
 * Vectors are copied from shared/spec/mcx-kms.md 6.1, 6.9 and 6.10.
 * CRYPTO_DIFF_N (environment) sets the number of random scalars of the
 * differential tests (default 1000: 1000 RSKs and 1000 + 40 Z_S against
 * OpenSSL, ~8 s in all; e.g. CRYPTO_DIFF_N=20000 for a long run).
 *
 * Usage: test_sakke [test-name]
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
#include <openssl/ec.h>
#include <openssl/rand.h>

#include "crypto.h"

#define DIFF_N_DEFAULT	1000

/* RFC 6508 Appendix A (mcx-kms.md 6.9). */
static const char v_z_s[] = "AFF429D35F84B110D094803B3595A6E2998BC99F";
static const char v_ssv[] = "123456789ABCDEF0123456789ABCDEF0";
static const char v_mask[] = "9BD4EA1E801D37E62AD2FAB0D4F5BBF7";
static const char v_H[] = "89E0BC661AA1E91638E6ACC84E496507";
static const uint8_t v_id[] = "2011-02\0tel:+447700900123";	/* + NUL */
#define V_ID_LEN	26
/* mcx-kms.md 6.10: the UID of sip:user@example.org. */
static const char v_uid[] =
    "74E2AF803AB5D72841BBCED0CE319FFE64F6FE23C88A2D258AABCF6AC5658EF4";

/* 257 octets */
static const char v_rfc_rsk[] =
    "0493AF67E5007BA6E6A80DA793DA300FA4B52D0A74E25E6E7B2B3D6EE9D18A"
    "9B5C5023597BD82D8062D34019563BA1D25C0DC56B7B979D74AA50F29FBF11CC"
    "2C93F5DFCA615E609279F6175CEADB00B58C6BEE1E7A2A47C4F0C456F05259A6"
    "FA94A634A40DAE1DF593D4FECF688D5FC678BE7EFC6DF3D6835325B83B2C6E69"
    "036B155F0A27241094B04BFB0BDFAC6C670A65C325D39A069F03659D44CA27D3"
    "BE8DF311172B554160181CBE94A2A783320CED590BC42644702CF371271E496B"
    "F20F588B78A1BC01ECBB6559934BDD2FB65D2884318A33D1A42ADF5E33CC5800"
    "280B28356497F87135BAB9612A17260424409AC15FEE996B744C332151235DEC"
    "B0F5";
/* 128 octets */
static const char v_rfc_r[] =
    "13EE3E1B8DAC5DB168B1CEB32F0566A4C273693F78BAFFA2A2EE6A686E6BD90F"
    "8206CCAB84E7F42ED39BD4FB131012ECCA2ECD2119414560C17CAB46B956A80F"
    "58A3302EB3E2C9A228FBA7ED34D8ACA2392DA1FFB0B17B2320AE09AAEDFD0235"
    "F6FE0EB65337A63F9CC97728B8E5AD0460FADE144369AA5B2166213247712096";
/* 257 octets */
static const char v_rfc_R[] =
    "0444E8AD44AB8592A6A5A3DDCA5CF896C718043606A01D650DEF37A01F37C2"
    "28C332FC317354E2C274D4DAF8AD001054C76CE57971C6F4486D5723043261C5"
    "06EBF5BE438F53DE04F067C776E0DD3B71A6290133283725A532F21AF145126D"
    "C1D777ECC27BE50835BD28098B8A73D9F801D893793A41FF5C49B87E79F2BE4D"
    "56CE557E134AD85BB1D4B9CE4F8BE4B08A12BABF55B1D6F1D7A638019EA28E15"
    "AB1C9F76375FDD1210D4F4351B9A009486B7F3ED46C965DED2D80DADE4F38C67"
    "21D52C3AD103A10EBD2959248B4EF006836BF097448E6107C9EDEE9FB704823D"
    "F199F832C905AE45F8A247A072D8EF729EABC5E27574B07739B34BE74A532F74"
    "7B86";
/* 128 octets */
static const char v_rfc_gr[] =
    "7D2A8438E6291C649B6579EB3B79EAE948B1DE9E5F7D1F4070A08F8DB6B3C515"
    "6F2201AFFBB5CB9D82AA3EC0D0398B89ABC78A13A760C0BF3F77E63D0DF3F1A3"
    "41A41B8811DF197FD6CD0F003125606F4F109F400F7292A10D255E3C0EBCCB42"
    "53FB182C68F09CF6CD9C4A53DA6C74AD007AF36B8BCA979D5895E282F483FCD6";
/* 257 octets */
static const char v_uid_rsk[] =
    "049668289CEF69541FA6DCD148E96E9F1ABC7813A57790DC9E80B5F61ED3FD15"
    "5AFC7DEE7F6C69E2B1AA987157A9CFA2EE926F97679BFBBE4C6E9DCD7B811C7C"
    "B1DDD5814E3CD6C58E89E7FF7F46F024BBE1176C0A811CCA8BD5A8FD58CAA6C8"
    "67320D32DAF434287B98759EAAB0F37F49A6DE21A5D84EDFD361667FF11C2AFA"
    "D968E5397DCC064B595C5BBBAC0E947AE3CA80F1A93B61485F993437ED6133B5"
    "42B226B092B9CD7CA1DAB794D580160420852F7B5754E7675149262FA48D0F27"
    "DD72C094A1B4E5CAD5B26D74240841D860C7BBCDDE74BD51C20F9B68F6A7C519"
    "8032CD10F7AA672CE323D948A5A0AABB74F507F986E5BCE2E3EDAFFBE2C0F4AE"
    "7F";
/* 273 octets */
static const char v_uid_sed[] =
    "044EC2F805AB8BDBE52BEB412ECB7A6227E6D809ADB5750BF79E1323D85DB44D"
    "879AD7843C3995A4B6CB438BD72F351ED587ABC964EB2873F69C6539567381E9"
    "87A66057C820B7861614E2C0447CFEAE1D803F54E6DF6D2BF2EE556FED97EE01"
    "D1D877FD605ACE8CFB7A8EBA0109865EE4B865A213B6A77EDCBDBE976EC58060"
    "A6943B35136E46A7430BC8FAF465D4D411CB84E6A48EAA7DE41F3614AE83D518"
    "14DBCF78CCA9F39EA5C892A17E85AA20C7CE58900A2C48387DA8EFE69E01C730"
    "5E3A7FB846E58B4C76B201F72FBD9BF093796F51C0E8170603C13516BD5093FD"
    "234B5E838746BADAADA48CCB2474576CE4CED8A108B26D6939AB34065A41B435"
    "45CAF35F3B195892804E0C0FFED24520F2";
/* 128 octets */
static const char v_g[] =
    "66FC2A432B6EA392148F15867D623068C6A87BD1FB94C41E27FABE658E015A87"
    "371E94744C96FEDA449AE9563F8BC446CBFDA85D5D00EF577072DA8F541721BE"
    "EE0FAED1828EAB90B99DFB0138C7843355DF0460B4A9FD74B4F1A32BCAFA1FFA"
    "D682C033A7942BCCE3720F20B9B7B0403C8CAE87B7A0042ACDE0FAB36461EA46";

/* RFC 6509 Appendix A. */
static const char set1_p[] =
    "997ABB1F0A563FDA65C61198DAD0657A416C0CE19CB48261BE9AE358B3E01A2E"
    "F40AAB27E2FC0F1B228730D531A59CB0E791B39FF7C88A19356D27F4A666A6D0"
    "E26C6487326B4CD4512AC5CD65681CE1B6AFF4A831852A82A7CF3C521C3C09AA"
    "9F94D6AF56971F1FFCE3E82389857DB080C5DF10AC7ACE87666D807AFEA85FEB";
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

/* The OpenSSL reference: the curve, P, q (built once per process). */
struct ref {
	EC_GROUP	*group;
	EC_POINT	*gen;
	BIGNUM		*q;
	BN_CTX		*ctx;
};

static void	hex2bin(const char *, uint8_t *, size_t);
static void	pad_be(const char *, uint8_t *, size_t);
static void	rfc_keys(uint8_t *, uint8_t *, uint8_t *);
static int	diff_n(void);
static void	ref_init(struct ref *);
static void	ref_free(struct ref *);
static void	ref_mul(struct ref *, const BIGNUM *, uint8_t *);
static void	random_scalar(struct ref *, BIGNUM *, uint8_t *);

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

static void
pad_be(const char *hex, uint8_t *out, size_t len)
{
	size_t	 n = strlen(hex) / 2;

	assert_true(n <= len);
	memset(out, 0, len);
	hex2bin(hex, out + len - n, n);
}

/* z_S, Z_S and the RFC identity's RSK, from our code. */
static void
rfc_keys(uint8_t *z, uint8_t *zs, uint8_t *rsk)
{
	pad_be(v_z_s, z, SAKKE_SCALAR_LEN);
	assert_int_equal(sakke_pubkey(z, zs), CRYPTO_OK);
	if (rsk != NULL)
		assert_int_equal(sakke_rsk(z, v_id, V_ID_LEN, rsk), CRYPTO_OK);
}

static int
diff_n(void)
{
	const char	*s = getenv("CRYPTO_DIFF_N");
	long		 n;

	if (s == NULL || (n = strtol(s, NULL, 10)) <= 0 || n > 1000000)
		return DIFF_N_DEFAULT;
	return (int)n;
}

static void
ref_init(struct ref *r)
{
	BIGNUM	*p, *a, *b, *x, *y;

	r->ctx = BN_CTX_new();
	p = BN_new();
	a = BN_new();
	b = BN_new();
	x = BN_new();
	y = BN_new();
	r->q = BN_new();
	assert_non_null(y);
	assert_true(BN_hex2bn(&p, set1_p) > 0);
	assert_true(BN_copy(a, p) != NULL && BN_sub_word(a, 3));
	BN_zero(b);
	/* No generator: OpenSSL's general (wNAF) path, a separate code. */
	r->group = EC_GROUP_new_curve_GFp(p, a, b, r->ctx);
	assert_non_null(r->group);
	assert_true(BN_hex2bn(&x, set1_px) > 0 && BN_hex2bn(&y, set1_py) > 0);
	r->gen = EC_POINT_new(r->group);
	assert_true(EC_POINT_set_affine_coordinates(r->group, r->gen, x, y,
	    r->ctx));
	assert_true(BN_rshift(r->q, p, 2) && BN_add_word(r->q, 1));
	BN_free(p);
	BN_free(a);
	BN_free(b);
	BN_free(x);
	BN_free(y);
}

static void
ref_free(struct ref *r)
{
	EC_POINT_free(r->gen);
	EC_GROUP_free(r->group);
	BN_free(r->q);
	BN_CTX_free(r->ctx);
}

/* out = [k]P by OpenSSL, 04 || x || y. */
static void
ref_mul(struct ref *r, const BIGNUM *k, uint8_t *out)
{
	EC_POINT	*pt = EC_POINT_new(r->group);

	assert_non_null(pt);
	assert_true(EC_POINT_mul(r->group, pt, NULL, r->gen, k, r->ctx));
	assert_int_equal(EC_POINT_point2oct(r->group, pt,
	    POINT_CONVERSION_UNCOMPRESSED, out, SAKKE_POINT_LEN, r->ctx),
	    SAKKE_POINT_LEN);
	EC_POINT_free(pt);
}

/* A uniform z in [1, q-1], as BIGNUM and 128 octets. */
static void
random_scalar(struct ref *r, BIGNUM *z, uint8_t *zb)
{
	do {
		assert_true(BN_rand_range(z, r->q));
	} while (BN_is_zero(z));
	assert_int_equal(BN_bn2binpad(z, zb, SAKKE_SCALAR_LEN),
	    SAKKE_SCALAR_LEN);
}

/* RFC 6508 Appendix A: K_(b,S) for b = "2011-02\0tel:+447700900123\0". */
static void
test_sakke_rsk_rfc6508(void **state)
{
	uint8_t	 z[SAKKE_SCALAR_LEN], want[SAKKE_RSK_LEN], got[SAKKE_RSK_LEN];

	pad_be(v_z_s, z, sizeof(z));
	hex2bin(v_rfc_rsk, want, sizeof(want));
	assert_int_equal(sakke_rsk(z, v_id, V_ID_LEN, got), CRYPTO_OK);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(sakke_rsk_check(z, v_id, V_ID_LEN, got), CRYPTO_OK);
}

/* mcx-kms.md 6.10: the RSK of the UID of sip:user@example.org. */
static void
test_sakke_rsk_uid_vector(void **state)
{
	uint8_t	 z[SAKKE_SCALAR_LEN], uid[32];
	uint8_t	 want[SAKKE_RSK_LEN], got[SAKKE_RSK_LEN];

	pad_be(v_z_s, z, sizeof(z));
	hex2bin(v_uid, uid, sizeof(uid));
	hex2bin(v_uid_rsk, want, sizeof(want));
	assert_int_equal(sakke_rsk(z, uid, sizeof(uid), got), CRYPTO_OK);
	assert_memory_equal(got, want, sizeof(want));
}

/*
 * Random z_S and 32-octet identities against OpenSSL:
 * RSK = [(b + z) ^ -1 mod q]P with BN_mod_inverse and EC_POINT_mul.
 */
static void
test_sakke_rsk_diff_openssl(void **state)
{
	struct ref	 r;
	BIGNUM		*z = BN_new(), *b = BN_new(), *t = BN_new();
	uint8_t		 zb[SAKKE_SCALAR_LEN], id[32];
	uint8_t		 want[SAKKE_RSK_LEN], got[SAKKE_RSK_LEN];
	int		 i, n = diff_n();

	ref_init(&r);
	for (i = 0; i < n; i++) {
		random_scalar(&r, z, zb);
		assert_int_equal(RAND_bytes(id, sizeof(id)), 1);
		/* Some identities >= q would need reducing: use 128 octets. */
		assert_non_null(BN_bin2bn(id, sizeof(id), b));
		assert_true(BN_mod_add(t, b, z, r.q, r.ctx));
		assert_non_null(BN_mod_inverse(t, t, r.q, r.ctx));
		ref_mul(&r, t, want);
		assert_int_equal(sakke_rsk(zb, id, sizeof(id), got), CRYPTO_OK);
		assert_memory_equal(got, want, sizeof(want));
	}
	/* Identities longer than q: b is reduced mod q (RFC 6508 6.1.1). */
	for (i = 0; i < 4; i++) {
		uint8_t	 big[200];

		random_scalar(&r, z, zb);
		assert_int_equal(RAND_bytes(big, sizeof(big)), 1);
		assert_non_null(BN_bin2bn(big, sizeof(big), b));
		assert_true(BN_mod_add(t, b, z, r.q, r.ctx));
		assert_non_null(BN_mod_inverse(t, t, r.q, r.ctx));
		ref_mul(&r, t, want);
		assert_int_equal(sakke_rsk(zb, big, sizeof(big), got),
		    CRYPTO_OK);
		assert_memory_equal(got, want, sizeof(want));
	}
	BN_free(z);
	BN_free(b);
	BN_free(t);
	ref_free(&r);
}

/* Z_S = [z]P against OpenSSL: random z and the edges of [1, q-1]. */
static void
test_sakke_pubkey_diff_openssl(void **state)
{
	struct ref	 r;
	BIGNUM		*z = BN_new();
	uint8_t		 zb[SAKKE_SCALAR_LEN];
	uint8_t		 want[SAKKE_POINT_LEN], got[SAKKE_POINT_LEN];
	int		 i, n = diff_n();

	ref_init(&r);
	for (i = 0; i < n + 40; i++) {
		if (i < n)
			random_scalar(&r, z, zb);
		else if (i < n + 8)	/* 1 .. 8 */
			assert_true(BN_set_word(z, (BN_ULONG)(i - n + 1)));
		else if (i < n + 16)	/* q - 1 .. q - 8 */
			assert_true(BN_sub(z, r.q, BN_value_one()) &&
			    BN_sub_word(z, (BN_ULONG)(i - n - 8)));
		else {			/* 2^k, 2^k - 1 around windows */
			int	 k = 6 * (i - n - 16) * 7 % 1021 + 1;

			assert_true(BN_set_word(z, 0) && BN_set_bit(z, k));
			if (i & 1)
				assert_true(BN_sub_word(z, 1));
		}
		assert_int_equal(BN_bn2binpad(z, zb, sizeof(zb)),
		    SAKKE_SCALAR_LEN);
		ref_mul(&r, z, want);
		assert_int_equal(sakke_pubkey(zb, got), CRYPTO_OK);
		assert_memory_equal(got, want, sizeof(want));
	}
	BN_free(z);
	ref_free(&r);
}

/* z_S outside [1, q-1], b + z_S = 0 mod q and empty identities. */
static void
test_sakke_rsk_rejects(void **state)
{
	struct ref	 r;
	BIGNUM		*z = BN_new(), *b = BN_new();
	uint8_t		 zb[SAKKE_SCALAR_LEN], out[SAKKE_RSK_LEN];
	uint8_t		 zero[SAKKE_RSK_LEN];

	ref_init(&r);
	memset(zero, 0, sizeof(zero));
	memset(zb, 0, sizeof(zb));
	assert_int_equal(sakke_rsk(zb, v_id, V_ID_LEN, out), CRYPTO_ERR_ARGS);
	assert_memory_equal(out, zero, sizeof(zero));
	assert_int_equal(BN_bn2binpad(r.q, zb, sizeof(zb)), SAKKE_SCALAR_LEN);
	assert_int_equal(sakke_rsk(zb, v_id, V_ID_LEN, out), CRYPTO_ERR_ARGS);
	assert_int_equal(sakke_pubkey(zb, out), CRYPTO_ERR_ARGS);
	memset(zb, 0xff, sizeof(zb));
	assert_int_equal(sakke_rsk(zb, v_id, V_ID_LEN, out), CRYPTO_ERR_ARGS);
	assert_int_equal(sakke_pubkey(zb, out), CRYPTO_ERR_ARGS);
	assert_memory_equal(out, zero, sizeof(zero));
	/* z = q - b: t = 0 has no inverse. */
	assert_non_null(BN_bin2bn(v_id, V_ID_LEN, b));
	assert_true(BN_sub(z, r.q, b));
	assert_int_equal(BN_bn2binpad(z, zb, sizeof(zb)), SAKKE_SCALAR_LEN);
	assert_int_equal(sakke_rsk(zb, v_id, V_ID_LEN, out), CRYPTO_ERR_ARGS);
	assert_memory_equal(out, zero, sizeof(zero));
	pad_be(v_z_s, zb, sizeof(zb));
	assert_int_equal(sakke_rsk(zb, v_id, 0, out), CRYPTO_ERR_ARGS);
	assert_int_equal(sakke_rsk(zb, NULL, 4, out), CRYPTO_ERR_ARGS);
	BN_free(z);
	BN_free(b);
	ref_free(&r);
}

/* [b + z]RSK = P: accepts ours, rejects a wrong key, id or z. */
static void
test_sakke_rsk_check(void **state)
{
	uint8_t	 z[SAKKE_SCALAR_LEN], zs[SAKKE_POINT_LEN];
	uint8_t	 rsk[SAKKE_RSK_LEN], other[SAKKE_RSK_LEN];

	rfc_keys(z, zs, rsk);
	assert_int_equal(sakke_rsk_check(z, v_id, V_ID_LEN, rsk), CRYPTO_OK);
	assert_int_equal(sakke_rsk_check(z, v_id, V_ID_LEN - 1, rsk),
	    CRYPTO_ERR_VERIFY);
	/* Another valid point of the group (Z_S): wrong key. */
	assert_int_equal(sakke_rsk_check(z, v_id, V_ID_LEN, zs),
	    CRYPTO_ERR_VERIFY);
	memcpy(other, rsk, sizeof(other));
	other[100] ^= 1;	/* off the curve */
	assert_int_equal(sakke_rsk_check(z, v_id, V_ID_LEN, other),
	    CRYPTO_ERR_VERIFY);
	z[SAKKE_SCALAR_LEN - 1] ^= 2;
	assert_int_equal(sakke_rsk_check(z, v_id, V_ID_LEN, rsk),
	    CRYPTO_ERR_VERIFY);
}

/* RFC 6508 Appendix A: r = HashToIntegerRange(SSV || b, q), the mask. */
static void
test_sakke_htir_rfc6508(void **state)
{
	uint8_t	 in[16 + V_ID_LEN], r[SAKKE_SCALAR_LEN], want[SAKKE_SCALAR_LEN];
	uint8_t	 gr[SAKKE_FP_LEN], mask[SAKKE_SSV_LEN], wmask[SAKKE_SSV_LEN];

	hex2bin(v_ssv, in, 16);
	memcpy(in + 16, v_id, V_ID_LEN);
	hex2bin(v_rfc_r, want, sizeof(want));
	assert_int_equal(sakke_hash_to_range(in, sizeof(in), r, sizeof(r)),
	    CRYPTO_OK);
	assert_memory_equal(r, want, sizeof(want));
	hex2bin(v_rfc_gr, gr, sizeof(gr));
	hex2bin(v_mask, wmask, sizeof(wmask));
	assert_int_equal(sakke_hash_to_range(gr, sizeof(gr), mask,
	    sizeof(mask)), CRYPTO_OK);
	assert_memory_equal(mask, wmask, sizeof(wmask));
	assert_int_equal(sakke_hash_to_range(gr, sizeof(gr), mask, 17),
	    CRYPTO_ERR_ARGS);
}

/* <P, P> = g (RFC 6509 Appendix A); <R_(b,S), RSK> = g^r (RFC 6508). */
static void
test_sakke_pairing_rfc6508(void **state)
{
	uint8_t	 z[SAKKE_SCALAR_LEN], zs[SAKKE_POINT_LEN];
	uint8_t	 rsk[SAKKE_RSK_LEN], P[SAKKE_POINT_LEN], R[SAKKE_POINT_LEN];
	uint8_t	 w[SAKKE_FP_LEN], want[SAKKE_FP_LEN];

	rfc_keys(z, zs, rsk);
	P[0] = 0x04;
	hex2bin(set1_px, P + 1, SAKKE_FP_LEN);
	hex2bin(set1_py, P + 1 + SAKKE_FP_LEN, SAKKE_FP_LEN);
	hex2bin(v_g, want, sizeof(want));
	assert_int_equal(sakke_pairing(P, P, w), CRYPTO_OK);
	assert_memory_equal(w, want, sizeof(want));
	hex2bin(v_rfc_R, R, sizeof(R));
	hex2bin(v_rfc_gr, want, sizeof(want));
	assert_int_equal(sakke_pairing(R, rsk, w), CRYPTO_OK);
	assert_memory_equal(w, want, sizeof(want));
	R[200] ^= 1;
	assert_int_equal(sakke_pairing(R, rsk, w), CRYPTO_ERR_POINT);
}

/* RFC 6508 Appendix A: SED = R_(b,S) || H exactly. */
static void
test_sakke_encapsulate_rfc6508(void **state)
{
	uint8_t	 z[SAKKE_SCALAR_LEN], zs[SAKKE_POINT_LEN];
	uint8_t	 ssv[SAKKE_SSV_LEN], sed[SAKKE_SED_LEN], want[SAKKE_SED_LEN];

	rfc_keys(z, zs, NULL);
	hex2bin(v_ssv, ssv, sizeof(ssv));
	hex2bin(v_rfc_R, want, SAKKE_POINT_LEN);
	hex2bin(v_H, want + SAKKE_POINT_LEN, SAKKE_SSV_LEN);
	assert_int_equal(sakke_encapsulate(ssv, v_id, V_ID_LEN, zs, sed),
	    CRYPTO_OK);
	assert_memory_equal(sed, want, sizeof(want));
}

/* The RFC's SED decapsulates; any change to R or H is rejected. */
static void
test_sakke_decapsulate_rfc6508(void **state)
{
	uint8_t	 z[SAKKE_SCALAR_LEN], zs[SAKKE_POINT_LEN];
	uint8_t	 rsk[SAKKE_RSK_LEN], sed[SAKKE_SED_LEN];
	uint8_t	 ssv[SAKKE_SSV_LEN], want[SAKKE_SSV_LEN], zero[SAKKE_SSV_LEN];

	rfc_keys(z, zs, rsk);
	hex2bin(v_rfc_R, sed, SAKKE_POINT_LEN);
	hex2bin(v_H, sed + SAKKE_POINT_LEN, SAKKE_SSV_LEN);
	hex2bin(v_ssv, want, sizeof(want));
	memset(zero, 0, sizeof(zero));
	assert_int_equal(sakke_decapsulate(sed, v_id, V_ID_LEN, rsk, zs, ssv),
	    CRYPTO_OK);
	assert_memory_equal(ssv, want, sizeof(want));
	sed[SAKKE_SED_LEN - 1] ^= 0x80;		/* H */
	assert_int_equal(sakke_decapsulate(sed, v_id, V_ID_LEN, rsk, zs, ssv),
	    CRYPTO_ERR_VERIFY);
	assert_memory_equal(ssv, zero, sizeof(zero));
	sed[SAKKE_SED_LEN - 1] ^= 0x80;
	sed[0] = 0x02;				/* encoding */
	assert_int_equal(sakke_decapsulate(sed, v_id, V_ID_LEN, rsk, zs, ssv),
	    CRYPTO_ERR_POINT);
	sed[0] = 0x04;
	/* Another identity's view of the same SED. */
	assert_int_equal(sakke_decapsulate(sed, v_id, V_ID_LEN - 1, rsk, zs,
	    ssv), CRYPTO_ERR_VERIFY);
	/* R replaced by another point of the group (Z_S itself). */
	memcpy(sed, zs, SAKKE_POINT_LEN);
	assert_int_equal(sakke_decapsulate(sed, v_id, V_ID_LEN, rsk, zs, ssv),
	    CRYPTO_ERR_VERIFY);
}

/* mcx-kms.md 6.10: the SED to the UID, both directions. */
static void
test_sakke_sed_uid_vector(void **state)
{
	uint8_t	 z[SAKKE_SCALAR_LEN], zs[SAKKE_POINT_LEN], uid[32];
	uint8_t	 rsk[SAKKE_RSK_LEN], sed[SAKKE_SED_LEN], want[SAKKE_SED_LEN];
	uint8_t	 ssv[SAKKE_SSV_LEN], wssv[SAKKE_SSV_LEN];

	rfc_keys(z, zs, NULL);
	hex2bin(v_uid, uid, sizeof(uid));
	hex2bin(v_uid_rsk, rsk, sizeof(rsk));
	hex2bin(v_uid_sed, want, sizeof(want));
	hex2bin(v_ssv, wssv, sizeof(wssv));
	assert_int_equal(sakke_encapsulate(wssv, uid, sizeof(uid), zs, sed),
	    CRYPTO_OK);
	assert_memory_equal(sed, want, sizeof(want));
	assert_int_equal(sakke_decapsulate(want, uid, sizeof(uid), rsk, zs,
	    ssv), CRYPTO_OK);
	assert_memory_equal(ssv, wssv, sizeof(wssv));
	assert_int_equal(sakke_rsk_validate(rsk, uid, sizeof(uid), zs),
	    CRYPTO_OK);
}

/* RFC 6508 section 6.1.2 validation: the RFC's RSK; wrong ones fail. */
static void
test_sakke_rsk_validate(void **state)
{
	uint8_t	 z[SAKKE_SCALAR_LEN], zs[SAKKE_POINT_LEN];
	uint8_t	 rsk[SAKKE_RSK_LEN], bad[SAKKE_RSK_LEN];

	rfc_keys(z, zs, NULL);
	hex2bin(v_rfc_rsk, rsk, sizeof(rsk));
	assert_int_equal(sakke_rsk_validate(rsk, v_id, V_ID_LEN, zs),
	    CRYPTO_OK);
	assert_int_equal(sakke_rsk_validate(rsk, v_id, V_ID_LEN - 1, zs),
	    CRYPTO_ERR_VERIFY);
	assert_int_equal(sakke_rsk_validate(zs, v_id, V_ID_LEN, zs),
	    CRYPTO_ERR_VERIFY);
	memcpy(bad, rsk, sizeof(bad));
	bad[77] ^= 4;
	assert_int_equal(sakke_rsk_validate(bad, v_id, V_ID_LEN, zs),
	    CRYPTO_ERR_VERIFY);
	memcpy(bad, zs, sizeof(bad));
	bad[5] ^= 4;
	assert_int_equal(sakke_rsk_validate(rsk, v_id, V_ID_LEN, bad),
	    CRYPTO_ERR_POINT);
}

/* Random master keys, identities and SSVs: derive, validate, round trip. */
static void
test_sakke_roundtrip_random(void **state)
{
	struct ref	 r;
	BIGNUM		*z = BN_new();
	uint8_t		 zb[SAKKE_SCALAR_LEN], zs[SAKKE_POINT_LEN], id[32];
	uint8_t		 rsk[SAKKE_RSK_LEN], sed[SAKKE_SED_LEN];
	uint8_t		 ssv[SAKKE_SSV_LEN], got[SAKKE_SSV_LEN];
	int		 i, n = diff_n() / 20 + 2;

	ref_init(&r);
	for (i = 0; i < n; i++) {
		random_scalar(&r, z, zb);
		assert_int_equal(RAND_bytes(id, sizeof(id)), 1);
		assert_int_equal(RAND_bytes(ssv, sizeof(ssv)), 1);
		assert_int_equal(sakke_pubkey(zb, zs), CRYPTO_OK);
		assert_int_equal(sakke_rsk(zb, id, sizeof(id), rsk), CRYPTO_OK);
		assert_int_equal(sakke_rsk_check(zb, id, sizeof(id), rsk),
		    CRYPTO_OK);
		assert_int_equal(sakke_rsk_validate(rsk, id, sizeof(id), zs),
		    CRYPTO_OK);
		assert_int_equal(sakke_encapsulate(ssv, id, sizeof(id), zs,
		    sed), CRYPTO_OK);
		assert_int_equal(sakke_decapsulate(sed, id, sizeof(id), rsk,
		    zs, got), CRYPTO_OK);
		assert_memory_equal(got, ssv, sizeof(ssv));
	}
	BN_free(z);
	ref_free(&r);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sakke_rsk_rfc6508),
		cmocka_unit_test(test_sakke_rsk_uid_vector),
		cmocka_unit_test(test_sakke_rsk_diff_openssl),
		cmocka_unit_test(test_sakke_pubkey_diff_openssl),
		cmocka_unit_test(test_sakke_rsk_rejects),
		cmocka_unit_test(test_sakke_rsk_check),
		cmocka_unit_test(test_sakke_htir_rfc6508),
		cmocka_unit_test(test_sakke_pairing_rfc6508),
		cmocka_unit_test(test_sakke_encapsulate_rfc6508),
		cmocka_unit_test(test_sakke_decapsulate_rfc6508),
		cmocka_unit_test(test_sakke_sed_uid_vector),
		cmocka_unit_test(test_sakke_rsk_validate),
		cmocka_unit_test(test_sakke_roundtrip_random),
	};
	struct CMUnitTest	 run[sizeof(tests) / sizeof(tests[0])];
	size_t			 i, n = 0;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (argc < 2 || strcmp(argv[1], tests[i].name) == 0)
			run[n++] = tests[i];
	if (n == 0) {
		fprintf(stderr, "%s: no test named %s\n", argv[0], argv[1]);
		return 1;
	}
	return _cmocka_run_group_tests("sakke", run, n, NULL, NULL);
}
