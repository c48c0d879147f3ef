/*
 * crypto.h - the KMS's mathematics: SAKKE (RFC 6508, parameter set 1 of
 * RFC 6509) and ECCSI (RFC 6507 on P-256).
 *
 * Pure math: no I/O, no allocation visible to the caller, caller-provided
 * buffers of the fixed sizes below.  Depends on nothing but OpenSSL's
 * bignum, EC and hash primitives.
 *
 * Secret/public contract: arguments named secret_* are secret.  Functions
 * that take one run in time independent of its value and never index
 * memory by it (OpenSSL's constant-time ladder with BN_FLG_CONSTTIME and
 * secure-heap bignums).  Everything else is public.
 *
 * Returns: CRYPTO_OK (0) or a negative enum crypto_status.  Outputs are
 * wiped on failure.
 */
#ifndef CRYPTO_H
#define CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum crypto_status {
	CRYPTO_OK		=  0,
	CRYPTO_ERR_GENERAL	= -1,	/* library failure */
	CRYPTO_ERR_ARGS		= -2,	/* value out of range, bad length */
	CRYPTO_ERR_POINT	= -3,	/* not a valid point of the group */
	/* ECCSI, identities, MIKEY-SAKKE (docs/identities.md): */
	CRYPTO_ERR_VERIFY	= -20,	/* signature or key check failed */
	CRYPTO_ERR_RANDOM	= -21,	/* random source failed */
	CRYPTO_ERR_FORMAT	= -22,	/* malformed message or field */
	CRYPTO_ERR_SPACE	= -23,	/* output buffer too small */
	CRYPTO_ERR_DECRYPT	= -24,	/* AEAD tag mismatch */
};

/* SAKKE parameter set 1. */
#define SAKKE_FP_LEN		128	/* an element of F_p, big endian */
#define SAKKE_SCALAR_LEN	128	/* an integer mod q, big endian */
#define SAKKE_POINT_LEN		257	/* 04 || x || y */
#define SAKKE_PARAMETER_SET	1

/* ECCSI on P-256. */
#define ECCSI_SCALAR_LEN	32
#define ECCSI_POINT_LEN		65	/* 04 || x || y */

/* The group orders, big endian (public; used to draw master secrets). */
extern const uint8_t sakke_q[SAKKE_SCALAR_LEN];
extern const uint8_t eccsi_q[ECCSI_SCALAR_LEN];

/*
 * Z_S = [z_S]P, the KMS public encryption key (RFC 6508 section 2.2).
 * secret_z is in [1, q-1].
 */
enum crypto_status sakke_pubkey(const uint8_t secret_z[SAKKE_SCALAR_LEN],
		    uint8_t out[SAKKE_POINT_LEN]);

/* KPAK = [KSAK]G, the KMS public authentication key (RFC 6507 section 4.2). */
enum crypto_status eccsi_kpak(const uint8_t secret_ksak[ECCSI_SCALAR_LEN],
		    uint8_t out[ECCSI_POINT_LEN]);

/*
 * Public-point checks: the encoding is 04||x||y, the point is on the curve,
 * is not the point at infinity, and (SAKKE) has order q.
 */
bool		 sakke_point_is_valid(const uint8_t pt[SAKKE_POINT_LEN]);
bool		 eccsi_point_is_valid(const uint8_t pt[ECCSI_POINT_LEN]);

/*
 * Power-on known-answer tests: [q]P = O for parameter set 1, Z_S of
 * RFC 6508 Appendix A and KPAK of RFC 6507 Appendix A, and that both
 * pass the point checks.  Also builds the shared groups, so calling it
 * once at boot, before any thread starts, moves that cost out of the
 * first request.  Returns CRYPTO_OK or CRYPTO_ERR_GENERAL.
 */
enum crypto_status crypto_selftest(void);

#endif /* CRYPTO_H */
