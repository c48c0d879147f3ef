/*
 * eccsi.c - ECCSI (RFC 6507) on NIST P-256 as profiled by RFC 6509
 * section 2.1: the KMS public key and public-point validation.
 */
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "crypto_local.h"

/*
 * see crypto.h
 *
 * KPAK = [KSAK]G (RFC 6507 section 4.2).  OpenSSL's P-256 generator
 * multiplication is constant time; the scalar is BN_FLG_CONSTTIME.
 */
enum crypto_status
eccsi_kpak(const uint8_t secret_ksak[ECCSI_SCALAR_LEN],
    uint8_t out[ECCSI_POINT_LEN])
{
	enum crypto_status	 status = CRYPTO_ERR_GENERAL;
	const EC_GROUP		*g;
	BN_CTX			*ctx = NULL;
	BIGNUM			*k = NULL;
	EC_POINT		*kpak = NULL;

	/* KSAK is a non-zero element of F_q (RFC 6507 section 4.2). */
	if (!crypto_ct_in_range(secret_ksak, eccsi_q, ECCSI_SCALAR_LEN)) {
		status = CRYPTO_ERR_ARGS;
		goto fail;
	}
	if ((g = eccsi_group()) == NULL)
		goto fail;
	if ((ctx = BN_CTX_secure_new()) == NULL ||
	    (k = crypto_secret_bn(secret_ksak, ECCSI_SCALAR_LEN)) == NULL ||
	    (kpak = EC_POINT_new(g)) == NULL)
		goto fail;
	if (!EC_POINT_mul(g, kpak, k, NULL, NULL, ctx))
		goto fail;
	/* RFC 6507 section 3.3: 04 || x || y, each 32 octets. */
	if (EC_POINT_point2oct(g, kpak, POINT_CONVERSION_UNCOMPRESSED, out,
	    ECCSI_POINT_LEN, ctx) != ECCSI_POINT_LEN)
		goto fail;
	status = CRYPTO_OK;
 fail:
	if (status != CRYPTO_OK)
		OPENSSL_cleanse(out, ECCSI_POINT_LEN);
	EC_POINT_free(kpak);
	/* wipe: */
	BN_clear_free(k);
	BN_CTX_free(ctx);
	return status;
}

/*
 * see crypto.h
 *
 * 04||x||y with 0 <= x, y < p, on the curve, not O.  P-256 has
 * cofactor 1, so every such point has order q (FIPS 186-4 D.1.2.3).
 */
bool
eccsi_point_is_valid(const uint8_t pt[ECCSI_POINT_LEN])
{
	const EC_GROUP	*g;
	BN_CTX		*ctx = NULL;
	EC_POINT	*a = NULL;
	bool		 ok = false;

	ERR_set_mark();
	if ((g = eccsi_group()) == NULL)
		goto fail;
	if ((ctx = BN_CTX_new()) == NULL)
		goto fail;
	if ((a = crypto_point_decode(g, pt, ECCSI_SCALAR_LEN, eccsi_p,
	    ctx)) == NULL)
		goto fail;
	ok = EC_POINT_is_at_infinity(g, a) == 0;
 fail:
	EC_POINT_free(a);
	BN_CTX_free(ctx);
	ERR_pop_to_mark();
	return ok;
}
