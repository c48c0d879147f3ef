/*
 * sakke.c - SAKKE (RFC 6508) with parameter set 1 (RFC 6509 Appendix A):
 * the KMS public key and public-point validation.
 */
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "crypto_local.h"

/*
 * see crypto.h
 *
 * Z_S = [z_S]P (RFC 6508 section 2.2).  P is the generator of
 * sakke_group(), so EC_POINT_mul(g, R, z, NULL, NULL) runs OpenSSL's
 * constant-time Montgomery ladder on a BN_FLG_CONSTTIME scalar.
 */
enum crypto_status
sakke_pubkey(const uint8_t secret_z[SAKKE_SCALAR_LEN],
    uint8_t out[SAKKE_POINT_LEN])
{
	enum crypto_status	 status = CRYPTO_ERR_GENERAL;
	const EC_GROUP		*g;
	BN_CTX			*ctx = NULL;
	BIGNUM			*z = NULL;
	EC_POINT		*zs = NULL;

	/* The secret is in [1, q-1] (crypto.h); checked branch-free. */
	if (!crypto_ct_in_range(secret_z, sakke_q, SAKKE_SCALAR_LEN)) {
		status = CRYPTO_ERR_ARGS;
		goto fail;
	}
	if ((g = sakke_group()) == NULL)
		goto fail;
	if ((ctx = BN_CTX_secure_new()) == NULL ||
	    (z = crypto_secret_bn(secret_z, SAKKE_SCALAR_LEN)) == NULL ||
	    (zs = EC_POINT_new(g)) == NULL)
		goto fail;
	if (!EC_POINT_mul(g, zs, z, NULL, NULL, ctx))
		goto fail;
	/* RFC 6508 section 4: 04 || x || y, each 128 octets. */
	if (EC_POINT_point2oct(g, zs, POINT_CONVERSION_UNCOMPRESSED, out,
	    SAKKE_POINT_LEN, ctx) != SAKKE_POINT_LEN)
		goto fail;
	status = CRYPTO_OK;
 fail:
	if (status != CRYPTO_OK)
		OPENSSL_cleanse(out, SAKKE_POINT_LEN);
	EC_POINT_free(zs);
	/* wipe: */
	BN_clear_free(z);
	BN_CTX_free(ctx);
	return status;
}

/*
 * see crypto.h
 *
 * A public check, so it uses the variable-time group: the encoding is
 * 04||x||y with 0 <= x, y < p, the point is on E and not O, and
 * [q]Pt = O, i.e. Pt lies in the order-q subgroup (RFC 6508 section 2.1;
 * the cofactor is 4, so points of order 2, 4, 2q and 4q exist on E).
 */
bool
sakke_point_is_valid(const uint8_t pt[SAKKE_POINT_LEN])
{
	const EC_GROUP	*g;
	BN_CTX		*ctx = NULL;
	BIGNUM		*q = NULL;
	EC_POINT	*a = NULL, *r = NULL;
	bool		 ok = false;

	ERR_set_mark();
	if ((g = sakke_group_vt()) == NULL)
		goto fail;
	if ((ctx = BN_CTX_new()) == NULL || (q = BN_new()) == NULL ||
	    BN_bin2bn(sakke_q, SAKKE_SCALAR_LEN, q) == NULL)
		goto fail;
	if ((a = crypto_point_decode(g, pt, SAKKE_FP_LEN, sakke_p,
	    ctx)) == NULL)
		goto fail;
	if (EC_POINT_is_at_infinity(g, a))
		goto fail;
	if ((r = EC_POINT_new(g)) == NULL ||
	    !EC_POINT_mul(g, r, NULL, a, q, ctx))
		goto fail;
	ok = EC_POINT_is_at_infinity(g, r) == 1;
 fail:
	EC_POINT_free(r);
	EC_POINT_free(a);
	BN_free(q);
	BN_CTX_free(ctx);
	ERR_pop_to_mark();
	return ok;
}
