/*
 * crypto_local.h - private helpers shared by the files of firmware/crypto.
 * Nothing outside this folder may include it.
 */
#ifndef CRYPTO_LOCAL_H
#define CRYPTO_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "crypto.h"

/* params.c: RFC 6509 Appendix A parameter set 1 (public). */
extern const uint8_t sakke_p[SAKKE_FP_LEN];
extern const uint8_t sakke_px[SAKKE_FP_LEN];
extern const uint8_t sakke_py[SAKKE_FP_LEN];
#define SAKKE_COFACTOR		4	/* (p + 1) / q, RFC 6509 Appendix A */

/* params.c: P-256 field prime (FIPS 186-4 D.1.2.3), for range checks. */
extern const uint8_t eccsi_p[ECCSI_SCALAR_LEN];

/*
 * The groups, built once on first use and then shared read-only by all
 * threads (EC_POINT_mul on a const group with a per-call BN_CTX is
 * thread safe).  They return NULL if building the group failed.
 *
 * sakke_group() has P, q and the cofactor set, so EC_POINT_mul with one
 * scalar takes OpenSSL's constant-time Montgomery ladder: use it for
 * secret scalars.  sakke_group_vt() is the same curve without a
 * generator, so EC_POINT_mul takes the variable-time wNAF path: use it
 * only for public scalars and points (validation).  Points of one are
 * valid in the other (same method, no curve name).
 */
const EC_GROUP	*sakke_group(void);
const EC_GROUP	*sakke_group_vt(void);
const EC_GROUP	*eccsi_group(void);

/*
 * Returns true iff the big-endian integer s of len octets satisfies
 * 0 < s < bound.  Runs in time that depends on len only (BearSSL-style
 * borrow chain, no branch on the value).
 */
bool		 crypto_ct_in_range(const uint8_t *s, const uint8_t *bound,
		    size_t len);

/*
 * Loads a secret scalar of len octets into a fresh secure-heap BIGNUM
 * with BN_FLG_CONSTTIME set.  Free it with BN_clear_free().
 */
BIGNUM		*crypto_secret_bn(const uint8_t *s, size_t len);

/*
 * Decodes a public point 04||x||y with x, y < p (each fld_len octets) into
 * a new point of group g.  Returns NULL if the encoding is wrong, a
 * coordinate is out of range or the point is not on the curve.
 */
EC_POINT	*crypto_point_decode(const EC_GROUP *g, const uint8_t *pt,
		    size_t fld_len, const uint8_t *p, BN_CTX *ctx);

#endif /* CRYPTO_LOCAL_H */
