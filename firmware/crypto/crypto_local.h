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

/* ---------------------------------------------------------------------
 * fp1024.c: constant-time Montgomery arithmetic mod p and mod q of SAKKE
 * parameter set 1 (16 x 64-bit limbs, little endian, R = 2^1024).
 *
 * Control values ("ctl") are uint64_t equal to exactly 0 or 1, as
 * BearSSL's inner.h; masks are -ctl (all zeros or all ones).  Nothing
 * here branches on, or indexes memory by, a limb value.
 */
#define FP_LIMBS	16

/* NOT of a control value. */
#define CT_NOT(ctl)		((ctl) ^ 1)
/* 1 if x == 0, else 0: (x | -x) has its top bit set iff x != 0. */
#define CT_EQ0(x)		((((x) | (0 - (x))) >> 63) ^ 1)
/* x if ctl == 1, y if ctl == 0. */
#define CT_MUX64(ctl, x, y)	((y) ^ ((0 - (uint64_t)(ctl)) & ((x) ^ (y))))

/* A Montgomery modulus n (odd, n < 2^1024) and its constants. */
struct mont_mod {
	uint64_t	mm_n[FP_LIMBS];		/* n */
	uint64_t	mm_one[FP_LIMBS];	/* R mod n: 1 in Montgomery form */
	uint64_t	mm_r2[FP_LIMBS];	/* R^2 mod n */
	uint64_t	mm_n0;			/* -n^-1 mod 2^64 */
};
extern const struct mont_mod sakke_mp;	/* p */
extern const struct mont_mod sakke_mq;	/* q = (p + 1) / 4 */

/*
 * Montgomery product r = a * b / R mod n, fully reduced (r < n), for
 * a, b < R with a * b < R * n (e.g. one operand < n).  r may alias a or b.
 */
void		 mont_mul(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
		    const uint64_t b[FP_LIMBS], const struct mont_mod *m);
/* r = a * a / R mod n, a < n. */
void		 mont_sqr(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
		    const struct mont_mod *m);
/* r = a + b, a - b, -a mod n, for a, b < n.  Any aliasing. */
void		 mont_add(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
		    const uint64_t b[FP_LIMBS], const struct mont_mod *m);
void		 mont_sub(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
		    const uint64_t b[FP_LIMBS], const struct mont_mod *m);
void		 mont_neg(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
		    const struct mont_mod *m);
/* r = a * R mod n (into Montgomery form; any a < R), r = a / R mod n. */
void		 mont_to(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
		    const struct mont_mod *m);
void		 mont_from(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
		    const struct mont_mod *m);
/*
 * r = a^e in Montgomery form; a secret, e PUBLIC (its bits choose
 * branches and table entries).  r may alias a.
 */
void		 mont_pow(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
		    const uint64_t e[FP_LIMBS], const struct mont_mod *m);
/*
 * r = a^-1 mod n (n prime) in Montgomery form; 0 -> 0.  mont_inv uses
 * constant-time divsteps (Bernstein-Yang safegcd, ~20x faster);
 * mont_inv_fermat computes a^(n-2), the reference it is tested against.
 */
void		 mont_inv(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
		    const struct mont_mod *m);
void		 mont_inv_fermat(uint64_t r[FP_LIMBS],
		    const uint64_t a[FP_LIMBS], const struct mont_mod *m);

/* r = a + b, a - b over 1024 bits; return the carry / borrow (0 or 1). */
uint64_t	 ct_add(uint64_t *r, const uint64_t *a, const uint64_t *b);
uint64_t	 ct_sub(uint64_t *r, const uint64_t *a, const uint64_t *b);
/* dst = src if ctl; a <-> b if ctl.  FP_LIMBS limbs. */
void		 ct_ccopy(uint64_t ctl, uint64_t *dst, const uint64_t *src);
void		 ct_cswap(uint64_t ctl, uint64_t *a, uint64_t *b);
/* Comparisons returning a control value: a == 0, a == b, a < b. */
uint64_t	 ct_is_zero(const uint64_t *a);
uint64_t	 ct_eq(const uint64_t *a, const uint64_t *b);
uint64_t	 ct_lt(const uint64_t *a, const uint64_t *b);
/* Big-endian octets (len <= 128, public) <-> limbs. */
void		 ct_from_bytes(uint64_t r[FP_LIMBS], const uint8_t *be,
		    size_t len);
void		 ct_to_bytes(uint8_t be[FP_LIMBS * 8],
		    const uint64_t a[FP_LIMBS]);
/* Zeroes len octets in a way the compiler keeps. */
void		 ct_wipe(void *p, size_t len);

/* ---------------------------------------------------------------------
 * sakke_ct.c: points of E: y^2 = x^3 - 3x over F_p, coordinates in
 * Montgomery form.  Jacobian (X, Y, Z) stands for (X/Z^2, Y/Z^3).
 */
struct ec_jac {
	uint64_t	ej_x[FP_LIMBS];
	uint64_t	ej_y[FP_LIMBS];
	uint64_t	ej_z[FP_LIMBS];
};
struct ec_aff {
	uint64_t	ea_x[FP_LIMBS];
	uint64_t	ea_y[FP_LIMBS];
};

/* r = 2a (a = -3 formulas); r may alias a. */
void		 ec_dbl(struct ec_jac *r, const struct ec_jac *a);
/*
 * r = a + b (b affine).  Returns 1 if the formula did not apply
 * (a = +-b or a = O: the result is then wrong), else 0; no branch.
 */
uint64_t	 ec_madd(struct ec_jac *r, const struct ec_jac *a,
		    const struct ec_aff *b);
/* r = a + b, both Jacobian; returns 1 in the same exceptional cases. */
uint64_t	 ec_add(struct ec_jac *r, const struct ec_jac *a,
		    const struct ec_jac *b);
/* Affine coordinates of a (Z != 0), inversion by Fermat (constant time). */
void		 ec_to_affine(struct ec_aff *r, const struct ec_jac *a);
/* 1 if (x, y) satisfies the curve equation, else 0. */
uint64_t	 ec_on_curve(const struct ec_aff *a);
/*
 * [k]P for the fixed generator P, k < 2^1022 secret (limbs, plain), from
 * per-window tables built once.  Returns a control value: 1 on success,
 * 0 if k = 0 or an exceptional addition occurred (never for honest
 * scalars of 1 <= k < q except a negligible set; see sakke_ct.c).
 */
uint64_t	 ec_mul_gen(struct ec_aff *r, const uint64_t k[FP_LIMBS]);
/* [k]A for any A on E, k < 2^1022 secret; constant time; same return. */
uint64_t	 ec_mul_ct(struct ec_aff *r, const uint64_t k[FP_LIMBS],
		    const struct ec_aff *a);
/*
 * Decodes 04||x||y with x, y < p into Montgomery affine coordinates and
 * checks the curve equation; 1 if valid, else 0 (public input).
 */
uint64_t	 ec_decode(struct ec_aff *r, const uint8_t pt[SAKKE_POINT_LEN]);
/* Encodes 04||x||y. */
void		 ec_encode(uint8_t pt[SAKKE_POINT_LEN], const struct ec_aff *a);
/* P itself, in Montgomery form. */
void		 ec_generator(struct ec_aff *r);
/*
 * b = integer(id) mod q as plain limbs (public identity; RFC 6508
 * section 6.1.1).  Returns CRYPTO_OK or CRYPTO_ERR_ARGS for an empty id.
 */
enum crypto_status sakke_id_scalar(uint64_t b[FP_LIMBS], const uint8_t *id,
		    size_t id_len);

#endif /* CRYPTO_LOCAL_H */
