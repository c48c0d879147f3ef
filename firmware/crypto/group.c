/*
 * group.c - the SAKKE and ECCSI groups, built once and shared read-only,
 * and the small helpers of crypto_local.h.
 *
 * The SAKKE group is never serialised (ASN.1, EVP_PKEY or explicit
 * parameters): OpenSSL refuses fields above 661 bits there
 * (OPENSSL_ECC_MAX_FIELD_BITS), but the EC_GROUP/EC_POINT/BN interfaces
 * used here do not check it (notes/platform.md section 4).
 */
#include <pthread.h>

#include <openssl/crypto.h>
#include <openssl/obj_mac.h>

#include "crypto_local.h"

static pthread_once_t	 groups_once = PTHREAD_ONCE_INIT;
static EC_GROUP		*groups_sakke;
static EC_GROUP		*groups_sakke_vt;
static EC_GROUP		*groups_eccsi;

static EC_GROUP	*sakke_curve_new(BN_CTX *, bool);
static void	 groups_init(void);

/*
 * The curve E: y^2 = x^3 - 3x over F_p (RFC 6508 section 2.1; RFC 6509
 * Appendix A), written as a = p - 3, b = 0.  With with_gen, P is set as
 * generator of order q with cofactor (p + 1) / q = 4 (RFC 6509
 * Appendix A), which makes EC_POINT_mul use the Montgomery ladder.
 */
static EC_GROUP *
sakke_curve_new(BN_CTX *ctx, bool with_gen)
{
	EC_GROUP	*g = NULL;
	EC_POINT	*gen = NULL;
	BIGNUM		*p, *a, *b, *q, *x, *y, *h;

	BN_CTX_start(ctx);
	p = BN_CTX_get(ctx);
	a = BN_CTX_get(ctx);
	b = BN_CTX_get(ctx);
	q = BN_CTX_get(ctx);
	x = BN_CTX_get(ctx);
	y = BN_CTX_get(ctx);
	h = BN_CTX_get(ctx);
	if (h == NULL)
		goto fail;
	if (BN_bin2bn(sakke_p, SAKKE_FP_LEN, p) == NULL ||
	    BN_copy(a, p) == NULL || !BN_sub_word(a, 3) ||
	    !BN_set_word(b, 0))
		goto fail;
	if ((g = EC_GROUP_new_curve_GFp(p, a, b, ctx)) == NULL)
		goto fail;
	if (!with_gen)
		goto done;

	if (BN_bin2bn(sakke_q, SAKKE_SCALAR_LEN, q) == NULL ||
	    BN_bin2bn(sakke_px, SAKKE_FP_LEN, x) == NULL ||
	    BN_bin2bn(sakke_py, SAKKE_FP_LEN, y) == NULL ||
	    !BN_set_word(h, SAKKE_COFACTOR))
		goto fail;
	if ((gen = EC_POINT_new(g)) == NULL ||
	    !EC_POINT_set_affine_coordinates(g, gen, x, y, ctx) ||
	    EC_POINT_is_on_curve(g, gen, ctx) != 1 ||
	    !EC_GROUP_set_generator(g, gen, q, h))
		goto fail;
	EC_POINT_free(gen);
 done:
	BN_CTX_end(ctx);
	return g;
 fail:
	EC_POINT_free(gen);
	EC_GROUP_free(g);
	BN_CTX_end(ctx);
	return NULL;
}

/* Runs once; leaves a pointer NULL if its group could not be built. */
static void
groups_init(void)
{
	BN_CTX	*ctx;

	if ((ctx = BN_CTX_new()) == NULL)
		return;
	groups_sakke = sakke_curve_new(ctx, true);
	groups_sakke_vt = sakke_curve_new(ctx, false);
	BN_CTX_free(ctx);
	groups_eccsi = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
}

/* see crypto_local.h */
const EC_GROUP *
sakke_group(void)
{
	if (pthread_once(&groups_once, groups_init) != 0)
		return NULL;
	return groups_sakke;
}

/* see crypto_local.h */
const EC_GROUP *
sakke_group_vt(void)
{
	if (pthread_once(&groups_once, groups_init) != 0)
		return NULL;
	return groups_sakke_vt;
}

/* see crypto_local.h */
const EC_GROUP *
eccsi_group(void)
{
	if (pthread_once(&groups_once, groups_init) != 0)
		return NULL;
	return groups_eccsi;
}

/*
 * see crypto_local.h
 *
 * s < bound iff the subtraction s - bound, done octet by octet from the
 * least significant end, ends with a borrow.  Each step computes
 * d = s[i] - bound[i] - borrow in 32 bits; d is negative (top bit set)
 * exactly when the octet step borrows.
 */
bool
crypto_ct_in_range(const uint8_t *s, const uint8_t *bound, size_t len)
{
	uint32_t	 borrow = 0, acc = 0, d, nonzero;
	size_t		 i;

	for (i = len; i-- > 0;) {
		d = (uint32_t)s[i] - (uint32_t)bound[i] - borrow;
		borrow = d >> 31;
		acc |= s[i];
	}
	/* acc is in [0, 255]: acc + 255 reaches bit 8 iff acc != 0. */
	nonzero = (acc + 0xff) >> 8;
	return (borrow & nonzero) == 1;
}

/* see crypto_local.h */
BIGNUM *
crypto_secret_bn(const uint8_t *s, size_t len)
{
	BIGNUM	*k;

	if ((k = BN_secure_new()) == NULL)
		return NULL;
	BN_set_flags(k, BN_FLG_CONSTTIME);
	if (BN_bin2bn(s, (int)len, k) == NULL) {
		BN_clear_free(k);
		return NULL;
	}
	return k;
}

/* see crypto_local.h */
EC_POINT *
crypto_point_decode(const EC_GROUP *g, const uint8_t *pt, size_t fld_len,
    const uint8_t *p, BN_CTX *ctx)
{
	EC_POINT	*r = NULL;
	BIGNUM		*x, *y, *bp;

	/* Uncompressed encoding only (SEC 1 section 2.3.3; RFC 6508 s. 4). */
	if (pt[0] != 0x04)
		return NULL;
	BN_CTX_start(ctx);
	x = BN_CTX_get(ctx);
	y = BN_CTX_get(ctx);
	bp = BN_CTX_get(ctx);
	if (bp == NULL)
		goto fail;
	if (BN_bin2bn(pt + 1, (int)fld_len, x) == NULL ||
	    BN_bin2bn(pt + 1 + fld_len, (int)fld_len, y) == NULL ||
	    BN_bin2bn(p, (int)fld_len, bp) == NULL)
		goto fail;
	/* Coordinates are field elements: 0 <= x, y < p. */
	if (BN_cmp(x, bp) >= 0 || BN_cmp(y, bp) >= 0)
		goto fail;
	if ((r = EC_POINT_new(g)) == NULL)
		goto fail;
	/* This also fails for a point that is not on the curve. */
	if (!EC_POINT_set_affine_coordinates(g, r, x, y, ctx) ||
	    EC_POINT_is_on_curve(g, r, ctx) != 1)
		goto fail;
	BN_CTX_end(ctx);
	return r;
 fail:
	EC_POINT_free(r);
	BN_CTX_end(ctx);
	return NULL;
}
