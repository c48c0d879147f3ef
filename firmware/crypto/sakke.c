/*
 * sakke.c - SAKKE (RFC 6508) with parameter set 1 (RFC 6509 Appendix A):
 * public-point validation with OpenSSL's EC (the KMS public key and the
 * RSK are in sakke_ct.c, on the constant-time fixed-width path).
 */
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "crypto_local.h"

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
