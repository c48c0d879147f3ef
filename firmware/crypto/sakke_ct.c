/*
 * sakke_ct.c - constant-time arithmetic on the SAKKE curve
 * E: y^2 = x^3 - 3x over F_p (RFC 6508 section 2.1, RFC 6509 Appendix A),
 * the fixed-base multiplication [k]P, and the KMS derivations
 * RSK = [(b + z_S)^-1]P (RFC 6508 section 6.1.1) and its check.
 *
 * Secrets: z_S (secret_z), t = b + z_S mod q, k = t^-1 mod q, every
 * intermediate point of [k]P and [z_S]P, the RSK, and in ec_mul_ct the
 * scalar and the point.  Protection:
 *   - field arithmetic from fp1024.c (fixed limb count, no branch);
 *   - scalars recoded into signed windows (Booth, as OpenSSL's
 *     ecp_nistz256) whose digits select table entries by a full scan
 *     with masks, never by an index;
 *   - the point at infinity and the exceptional cases of the addition
 *     formulas are tracked as control values and resolved with ct_ccopy;
 *   - errors are accumulated as control values (BearSSL's api_muladd
 *     habit) and turned into a status at the end without a branch; the
 *     output is masked to zero on failure.
 * Public: the identity b, P, the tables (multiples of P), window
 * positions, and p, q.  tests/unit/crypto/test_ctgrind.c checks this with
 * valgrind (docs/crypto.md).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>

#include "crypto_local.h"

#define FP	(&sakke_mp)
#define FQ	(&sakke_mq)

/*
 * Fixed-base tables: window i (0 <= i < FB_NWIN) holds the affine points
 * [j * 2^(W i)]P for j = 1 .. 2^(W-1).  A scalar k < 2^1022 is written
 * as sum d_i 2^(W i) with signed digits |d_i| <= 2^(W-1), which needs
 * W * FB_NWIN >= 1023 bits.  W = 6: 171 windows of 32 points, 1.4 MB,
 * one mixed addition per window and no doubling (docs/crypto.md has the
 * measurements behind W).
 */
#define FB_W		6
#define FB_NWIN		((1023 + FB_W - 1) / FB_W)
#define FB_TSIZE	(1 << (FB_W - 1))

/* Variable-base multiplication: signed windows of VB_W bits. */
#define VB_W		5
#define VB_NWIN		((1023 + VB_W - 1) / VB_W)
#define VB_TSIZE	(1 << (VB_W - 1))

static pthread_once_t	 fb_once = PTHREAD_ONCE_INIT;
static int		 fb_ready;
static struct ec_aff	 fb_gen;
static struct ec_aff	 fb_tbl[FB_NWIN][FB_TSIZE];

static void		 fb_init(void);
static unsigned int	 scalar_bits(const uint64_t *, int, int);
static void		 booth(unsigned int, int, uint64_t *, uint64_t *);
static void		 ec_set_jac(struct ec_jac *, const struct ec_aff *);
static enum crypto_status ct_status(uint64_t, uint64_t, enum crypto_status);

/* see crypto_local.h (dbl-2001-b of the EFD, a = -3: 3M + 5S). */
void
ec_dbl(struct ec_jac *r, const struct ec_jac *a)
{
	uint64_t	delta[FP_LIMBS], gamma[FP_LIMBS], beta[FP_LIMBS];
	uint64_t	alpha[FP_LIMBS], t1[FP_LIMBS], t2[FP_LIMBS];
	uint64_t	x3[FP_LIMBS];

	mont_sqr(delta, a->ej_z, FP);			/* delta = Z^2 */
	mont_sqr(gamma, a->ej_y, FP);			/* gamma = Y^2 */
	mont_mul(beta, a->ej_x, gamma, FP);		/* beta = X gamma */
	mont_sub(t1, a->ej_x, delta, FP);
	mont_add(t2, a->ej_x, delta, FP);
	mont_mul(t1, t1, t2, FP);			/* X^2 - Z^4 */
	mont_add(alpha, t1, t1, FP);
	mont_add(alpha, alpha, t1, FP);			/* alpha = 3 (..) */
	mont_sqr(x3, alpha, FP);
	mont_add(t1, beta, beta, FP);			/* 2 beta */
	mont_add(t1, t1, t1, FP);			/* 4 beta */
	mont_add(t2, t1, t1, FP);			/* 8 beta */
	mont_sub(x3, x3, t2, FP);			/* X3 = alpha^2 - 8 beta */
	mont_add(t2, a->ej_y, a->ej_z, FP);
	mont_sqr(t2, t2, FP);
	mont_sub(t2, t2, gamma, FP);
	mont_sub(r->ej_z, t2, delta, FP);		/* Z3 = (Y+Z)^2 - g - d */
	mont_sub(t1, t1, x3, FP);			/* 4 beta - X3 */
	mont_mul(t1, alpha, t1, FP);
	mont_sqr(gamma, gamma, FP);
	mont_add(gamma, gamma, gamma, FP);
	mont_add(gamma, gamma, gamma, FP);
	mont_add(gamma, gamma, gamma, FP);		/* 8 gamma^2 */
	mont_sub(r->ej_y, t1, gamma, FP);
	memcpy(r->ej_x, x3, sizeof(x3));
}

/*
 * see crypto_local.h
 *
 * madd-2007-bl (7M + 4S).  H = U2 - X1 is zero iff the x coordinates
 * agree (a = +-b); Z1 = 0 iff a = O.  Both are reported, not branched on.
 */
uint64_t
ec_madd(struct ec_jac *r, const struct ec_jac *a, const struct ec_aff *b)
{
	uint64_t	z1z1[FP_LIMBS], u2[FP_LIMBS], s2[FP_LIMBS];
	uint64_t	h[FP_LIMBS], hh[FP_LIMBS], i4[FP_LIMBS], j[FP_LIMBS];
	uint64_t	rr[FP_LIMBS], v[FP_LIMBS], x3[FP_LIMBS], t[FP_LIMBS];
	uint64_t	exc;

	exc = ct_is_zero(a->ej_z);
	mont_sqr(z1z1, a->ej_z, FP);
	mont_mul(u2, b->ea_x, z1z1, FP);
	mont_mul(s2, b->ea_y, a->ej_z, FP);
	mont_mul(s2, s2, z1z1, FP);
	mont_sub(h, u2, a->ej_x, FP);
	exc |= ct_is_zero(h);
	mont_sqr(hh, h, FP);
	mont_add(i4, hh, hh, FP);
	mont_add(i4, i4, i4, FP);			/* I = 4 HH */
	mont_mul(j, h, i4, FP);				/* J = H I */
	mont_sub(rr, s2, a->ej_y, FP);
	mont_add(rr, rr, rr, FP);			/* r = 2 (S2 - Y1) */
	mont_mul(v, a->ej_x, i4, FP);			/* V = X1 I */
	mont_sqr(x3, rr, FP);
	mont_sub(x3, x3, j, FP);
	mont_sub(x3, x3, v, FP);
	mont_sub(x3, x3, v, FP);			/* X3 = r^2 - J - 2V */
	mont_add(t, a->ej_z, h, FP);
	mont_sqr(t, t, FP);
	mont_sub(t, t, z1z1, FP);
	mont_sub(r->ej_z, t, hh, FP);			/* Z3 = (Z1+H)^2 - .. */
	mont_mul(t, a->ej_y, j, FP);
	mont_add(t, t, t, FP);				/* 2 Y1 J */
	mont_sub(v, v, x3, FP);
	mont_mul(v, rr, v, FP);
	mont_sub(r->ej_y, v, t, FP);			/* Y3 = r (V - X3) - .. */
	memcpy(r->ej_x, x3, sizeof(x3));
	return exc;
}

/* see crypto_local.h (add-2007-bl, 11M + 5S). */
uint64_t
ec_add(struct ec_jac *r, const struct ec_jac *a, const struct ec_jac *b)
{
	uint64_t	z1z1[FP_LIMBS], z2z2[FP_LIMBS], u1[FP_LIMBS];
	uint64_t	u2[FP_LIMBS], s1[FP_LIMBS], s2[FP_LIMBS], h[FP_LIMBS];
	uint64_t	i4[FP_LIMBS], j[FP_LIMBS], rr[FP_LIMBS], v[FP_LIMBS];
	uint64_t	x3[FP_LIMBS], t[FP_LIMBS];
	uint64_t	exc;

	exc = ct_is_zero(a->ej_z) | ct_is_zero(b->ej_z);
	mont_sqr(z1z1, a->ej_z, FP);
	mont_sqr(z2z2, b->ej_z, FP);
	mont_mul(u1, a->ej_x, z2z2, FP);
	mont_mul(u2, b->ej_x, z1z1, FP);
	mont_mul(s1, a->ej_y, b->ej_z, FP);
	mont_mul(s1, s1, z2z2, FP);
	mont_mul(s2, b->ej_y, a->ej_z, FP);
	mont_mul(s2, s2, z1z1, FP);
	mont_sub(h, u2, u1, FP);
	exc |= ct_is_zero(h);
	mont_add(i4, h, h, FP);
	mont_sqr(i4, i4, FP);				/* I = (2H)^2 */
	mont_mul(j, h, i4, FP);
	mont_sub(rr, s2, s1, FP);
	mont_add(rr, rr, rr, FP);
	mont_mul(v, u1, i4, FP);
	mont_sqr(x3, rr, FP);
	mont_sub(x3, x3, j, FP);
	mont_sub(x3, x3, v, FP);
	mont_sub(x3, x3, v, FP);
	mont_add(t, a->ej_z, b->ej_z, FP);
	mont_sqr(t, t, FP);
	mont_sub(t, t, z1z1, FP);
	mont_sub(t, t, z2z2, FP);
	mont_mul(r->ej_z, t, h, FP);
	mont_mul(t, s1, j, FP);
	mont_add(t, t, t, FP);
	mont_sub(v, v, x3, FP);
	mont_mul(v, rr, v, FP);
	mont_sub(r->ej_y, v, t, FP);
	memcpy(r->ej_x, x3, sizeof(x3));
	return exc;
}

/* see crypto_local.h */
void
ec_to_affine(struct ec_aff *r, const struct ec_jac *a)
{
	uint64_t	zi[FP_LIMBS], zi2[FP_LIMBS];

	mont_inv(zi, a->ej_z, FP);
	mont_sqr(zi2, zi, FP);
	mont_mul(r->ea_x, a->ej_x, zi2, FP);
	mont_mul(zi2, zi2, zi, FP);
	mont_mul(r->ea_y, a->ej_y, zi2, FP);
}

/* see crypto_local.h */
uint64_t
ec_on_curve(const struct ec_aff *a)
{
	uint64_t	l[FP_LIMBS], rr[FP_LIMBS], t[FP_LIMBS];

	mont_sqr(l, a->ea_y, FP);
	mont_sqr(rr, a->ea_x, FP);
	mont_mul(rr, rr, a->ea_x, FP);			/* x^3 */
	mont_add(t, a->ea_x, a->ea_x, FP);
	mont_add(t, t, a->ea_x, FP);
	mont_sub(rr, rr, t, FP);			/* x^3 - 3x */
	return ct_eq(l, rr);
}

/* (X, Y, Z) = (x, y, 1). */
static void
ec_set_jac(struct ec_jac *r, const struct ec_aff *a)
{
	memcpy(r->ej_x, a->ea_x, sizeof(r->ej_x));
	memcpy(r->ej_y, a->ea_y, sizeof(r->ej_y));
	memcpy(r->ej_z, sakke_mp.mm_one, sizeof(r->ej_z));
}

/*
 * see crypto_local.h
 *
 * Branch-free: the result is a control value; a point that fails a
 * check is still converted (and the caller masks what it derives).
 */
uint64_t
ec_decode(struct ec_aff *r, const uint8_t pt[SAKKE_POINT_LEN])
{
	uint64_t	x[FP_LIMBS], y[FP_LIMBS], ok;

	ok = CT_EQ0((uint64_t)(pt[0] ^ 0x04));
	ct_from_bytes(x, pt + 1, SAKKE_FP_LEN);
	ct_from_bytes(y, pt + 1 + SAKKE_FP_LEN, SAKKE_FP_LEN);
	ok &= ct_lt(x, sakke_mp.mm_n) & ct_lt(y, sakke_mp.mm_n);
	mont_to(r->ea_x, x, FP);
	mont_to(r->ea_y, y, FP);
	ok &= ec_on_curve(r);
	return ok;
}

/* see crypto_local.h */
void
ec_encode(uint8_t pt[SAKKE_POINT_LEN], const struct ec_aff *a)
{
	uint64_t	t[FP_LIMBS];

	pt[0] = 0x04;
	mont_from(t, a->ea_x, FP);
	ct_to_bytes(pt + 1, t);
	mont_from(t, a->ea_y, FP);
	ct_to_bytes(pt + 1 + SAKKE_FP_LEN, t);
	ct_wipe(t, sizeof(t));
}

/*
 * Bits pos .. pos + n - 1 of k (n <= 8); bits outside [0, 1024) read as
 * zero.  pos and n are public: they index limbs, the bits do not.
 */
static unsigned int
scalar_bits(const uint64_t *k, int pos, int n)
{
	unsigned int	 w = 0;
	int		 j, b;

	for (j = 0; j < n; j++) {
		b = pos + j;
		if (b < 0 || b >= FP_LIMBS * 64)
			continue;
		w |= (unsigned int)((k[b / 64] >> (b % 64)) & 1) << j;
	}
	return w;
}

/*
 * Booth recoding of a (w+1)-bit window "in" (its low bit is the top bit
 * of the window below) into a magnitude in [0, 2^(w-1)] and a sign
 * control value, branch-free (OpenSSL's _booth_recode_w5/w6, any w).
 */
static void
booth(unsigned int in, int w, uint64_t *mag, uint64_t *sign)
{
	unsigned int	 s, d;

	s = ~((in >> w) - 1);		/* all ones iff the top bit is set */
	d = (1U << (w + 1)) - in - 1;
	d = (d & s) | (in & ~s);
	d = (d >> 1) + (d & 1);
	*mag = d;
	*sign = s & 1;
}

/*
 * Builds P in Montgomery form and the fixed-base tables, once.  Public
 * data only; variable time is fine here.  The points are computed in
 * Jacobian coordinates and normalised together with one inversion
 * (Montgomery's trick).  About 30 ms; crypto_selftest() runs it at boot.
 */
static void
fb_init(void)
{
	struct ec_jac	*jac = NULL;
	uint64_t	(*pre)[FP_LIMBS] = NULL;
	uint64_t	 x[FP_LIMBS], inv[FP_LIMBS], zi[FP_LIMBS];
	uint64_t	 zi2[FP_LIMBS];
	struct ec_jac	 base;
	size_t		 n = (size_t)FB_NWIN * FB_TSIZE, i;
	int		 w, j;

	if ((jac = calloc(n, sizeof(*jac))) == NULL ||
	    (pre = calloc(n, sizeof(*pre))) == NULL)
		goto fail;
	ct_from_bytes(x, sakke_px, SAKKE_FP_LEN);
	mont_to(fb_gen.ea_x, x, FP);
	ct_from_bytes(x, sakke_py, SAKKE_FP_LEN);
	mont_to(fb_gen.ea_y, x, FP);
	ec_set_jac(&base, &fb_gen);
	for (w = 0; w < FB_NWIN; w++) {
		struct ec_jac	*row = jac + (size_t)w * FB_TSIZE;

		row[0] = base;
		ec_dbl(&row[1], &base);
		for (j = 2; j < FB_TSIZE; j++)
			(void)ec_add(&row[j], &row[j - 1], &base);
		/* 2^(W-1) * 2 = 2^W: the base of the next window. */
		ec_dbl(&base, &row[FB_TSIZE - 1]);
	}
	/* pre[i] = Z_0 ... Z_i; one inversion; then back substitution. */
	memcpy(pre[0], jac[0].ej_z, sizeof(pre[0]));
	for (i = 1; i < n; i++)
		mont_mul(pre[i], pre[i - 1], jac[i].ej_z, FP);
	mont_inv(inv, pre[n - 1], FP);
	for (i = n; i-- > 0;) {
		struct ec_aff	*out = &fb_tbl[i / FB_TSIZE][i % FB_TSIZE];

		if (i > 0) {
			mont_mul(zi, inv, pre[i - 1], FP);
			mont_mul(inv, inv, jac[i].ej_z, FP);
		} else
			memcpy(zi, inv, sizeof(zi));
		mont_sqr(zi2, zi, FP);
		mont_mul(out->ea_x, jac[i].ej_x, zi2, FP);
		mont_mul(zi2, zi2, zi, FP);
		mont_mul(out->ea_y, jac[i].ej_y, zi2, FP);
	}
	fb_ready = 1;
 fail:
	free(jac);
	free(pre);
}

/* see crypto_local.h */
void
ec_generator(struct ec_aff *r)
{
	(void)pthread_once(&fb_once, fb_init);
	*r = fb_gen;
}

/*
 * see crypto_local.h
 *
 * Windows from the most significant down.  With acc = [a]P, a a multiple
 * of 2^(W(i+1)) and 0 < |d| 2^(W i) < 2^(W(i+1)), acc = +-[d 2^(W i)]P
 * would need a = +-d 2^(W i) (+-q), which for 1 <= k < q is only
 * possible in the last window for a handful of scalars k (q - 2|d|
 * style values, probability about 2^-1016 for a random k).  Such a
 * case is reported (return 0), never computed wrongly in silence.
 */
uint64_t
ec_mul_gen(struct ec_aff *r, const uint64_t k[FP_LIMBS])
{
	struct ec_jac	 acc, res, lift;
	struct ec_aff	 sel;
	uint64_t	 ny[FP_LIMBS];
	uint64_t	 mag, sign, nz, inf = 1, bad = 0, exc, hit;
	int		 i, j;

	if (pthread_once(&fb_once, fb_init) != 0 || !fb_ready) {
		memset(r, 0, sizeof(*r));
		return 0;
	}
	memset(&acc, 0, sizeof(acc));
	for (i = FB_NWIN - 1; i >= 0; i--) {
		booth(scalar_bits(k, i * FB_W - 1, FB_W + 1), FB_W, &mag,
		    &sign);
		/* Constant-time scan: every entry is read. */
		memset(&sel, 0, sizeof(sel));
		for (j = 0; j < FB_TSIZE; j++) {
			hit = CT_EQ0(mag ^ (uint64_t)(j + 1));
			ct_ccopy(hit, sel.ea_x, fb_tbl[i][j].ea_x);
			ct_ccopy(hit, sel.ea_y, fb_tbl[i][j].ea_y);
		}
		mont_neg(ny, sel.ea_y, FP);
		ct_ccopy(sign, sel.ea_y, ny);
		exc = ec_madd(&res, &acc, &sel);
		nz = CT_NOT(CT_EQ0(mag));
		ec_set_jac(&lift, &sel);
		bad |= nz & CT_NOT(inf) & exc;
		/* acc = O: the sum is the table point itself. */
		ct_ccopy(inf, res.ej_x, lift.ej_x);
		ct_ccopy(inf, res.ej_y, lift.ej_y);
		ct_ccopy(inf, res.ej_z, lift.ej_z);
		/* d = 0: acc is unchanged. */
		ct_ccopy(nz, acc.ej_x, res.ej_x);
		ct_ccopy(nz, acc.ej_y, res.ej_y);
		ct_ccopy(nz, acc.ej_z, res.ej_z);
		inf &= CT_NOT(nz);
	}
	ec_to_affine(r, &acc);
	/* wipe: intermediates of a secret multiple */
	ct_wipe(&acc, sizeof(acc));
	ct_wipe(&res, sizeof(res));
	ct_wipe(&lift, sizeof(lift));
	ct_wipe(&sel, sizeof(sel));
	ct_wipe(ny, sizeof(ny));
	return CT_NOT(inf) & CT_NOT(bad);
}

/*
 * see crypto_local.h
 *
 * Table [1..16]A in Jacobian coordinates, then for each window from the
 * top: 5 doublings and one addition of a scanned, conditionally negated
 * entry.  Exceptional additions are reported as in ec_mul_gen.
 */
uint64_t
ec_mul_ct(struct ec_aff *r, const uint64_t k[FP_LIMBS],
    const struct ec_aff *a)
{
	struct ec_jac	 tbl[VB_TSIZE], acc, res, sel;
	uint64_t	 ny[FP_LIMBS];
	uint64_t	 mag, sign, nz, inf = 1, bad = 0, exc, hit;
	int		 i, j;

	ec_set_jac(&tbl[0], a);
	ec_dbl(&tbl[1], &tbl[0]);
	for (j = 2; j < VB_TSIZE; j++)
		bad |= ec_madd(&tbl[j], &tbl[j - 1], a);
	memset(&acc, 0, sizeof(acc));
	for (i = VB_NWIN - 1; i >= 0; i--) {
		for (j = 0; j < VB_W; j++)
			ec_dbl(&acc, &acc);
		booth(scalar_bits(k, i * VB_W - 1, VB_W + 1), VB_W, &mag,
		    &sign);
		memset(&sel, 0, sizeof(sel));
		for (j = 0; j < VB_TSIZE; j++) {
			hit = CT_EQ0(mag ^ (uint64_t)(j + 1));
			ct_ccopy(hit, sel.ej_x, tbl[j].ej_x);
			ct_ccopy(hit, sel.ej_y, tbl[j].ej_y);
			ct_ccopy(hit, sel.ej_z, tbl[j].ej_z);
		}
		mont_neg(ny, sel.ej_y, FP);
		ct_ccopy(sign, sel.ej_y, ny);
		exc = ec_add(&res, &acc, &sel);
		nz = CT_NOT(CT_EQ0(mag));
		bad |= nz & CT_NOT(inf) & exc;
		ct_ccopy(inf, res.ej_x, sel.ej_x);
		ct_ccopy(inf, res.ej_y, sel.ej_y);
		ct_ccopy(inf, res.ej_z, sel.ej_z);
		ct_ccopy(nz, acc.ej_x, res.ej_x);
		ct_ccopy(nz, acc.ej_y, res.ej_y);
		ct_ccopy(nz, acc.ej_z, res.ej_z);
		inf &= CT_NOT(nz);
	}
	ec_to_affine(r, &acc);
	/* wipe: multiples of a possibly secret point */
	ct_wipe(tbl, sizeof(tbl));
	ct_wipe(&acc, sizeof(acc));
	ct_wipe(&res, sizeof(res));
	ct_wipe(&sel, sizeof(sel));
	return CT_NOT(inf) & CT_NOT(bad);
}

/* see crypto_local.h */
enum crypto_status
sakke_id_scalar(uint64_t b[FP_LIMBS], const uint8_t *id, size_t id_len)
{
	enum crypto_status	 status = CRYPTO_ERR_GENERAL;
	uint8_t			 buf[SAKKE_SCALAR_LEN];
	BN_CTX			*ctx = NULL;
	BIGNUM			*x = NULL, *q = NULL;

	if (id == NULL || id_len == 0 || id_len > INT32_MAX) {
		status = CRYPTO_ERR_ARGS;
		goto fail;
	}
	/* Public value: OpenSSL's variable-time BN_mod is fine. */
	if ((ctx = BN_CTX_new()) == NULL || (x = BN_new()) == NULL ||
	    (q = BN_new()) == NULL)
		goto fail;
	if (BN_bin2bn(id, (int)id_len, x) == NULL ||
	    BN_bin2bn(sakke_q, SAKKE_SCALAR_LEN, q) == NULL ||
	    !BN_mod(x, x, q, ctx) ||
	    BN_bn2binpad(x, buf, sizeof(buf)) != (int)sizeof(buf))
		goto fail;
	ct_from_bytes(b, buf, sizeof(buf));
	status = CRYPTO_OK;
 fail:
	BN_free(x);
	BN_free(q);
	BN_CTX_free(ctx);
	return status;
}

/*
 * CRYPTO_OK if ok_args and ok_math, else args_err... computed without a
 * branch on the (secret-derived) control values: ok_args = 0 gives
 * CRYPTO_ERR_ARGS, otherwise ok_math = 0 gives math_err.
 */
static enum crypto_status
ct_status(uint64_t ok_args, uint64_t ok_math, enum crypto_status math_err)
{
	uint64_t	 s;

	s = CT_MUX64(ok_math, (uint64_t)0, (uint64_t)(int64_t)math_err);
	s = CT_MUX64(ok_args, s, (uint64_t)(int64_t)CRYPTO_ERR_ARGS);
	return (enum crypto_status)(int64_t)s;
}

/* Masks len octets of out to zero unless ok (a control value). */
static void	ct_mask_bytes(uint8_t *, size_t, uint64_t);
static void
ct_mask_bytes(uint8_t *out, size_t len, uint64_t ok)
{
	uint8_t		 m = (uint8_t)(0 - ok);
	size_t		 i;

	for (i = 0; i < len; i++)
		out[i] &= m;
}

/*
 * see crypto.h
 *
 * RFC 6508 section 6.1.1.  t = b + z mod q; t^-1 = t^(q-2) (Fermat, the
 * exponent is public); RSK = [t^-1]P on the fixed-base path.  The fault
 * checks compare values recomputed along another path, so a glitch in
 * the inversion, in t or in the point arithmetic (off the curve) stops
 * the release.  Constant time in secret_z, including the status.
 */
enum crypto_status
sakke_rsk(const uint8_t secret_z[SAKKE_SCALAR_LEN], const uint8_t *id,
    size_t id_len, uint8_t out[SAKKE_RSK_LEN])
{
	enum crypto_status	 status = CRYPTO_ERR_GENERAL;
	uint64_t		 z[FP_LIMBS], b[FP_LIMBS], t[FP_LIMBS];
	uint64_t		 tm[FP_LIMBS], km[FP_LIMBS], k[FP_LIMBS];
	uint64_t		 chk[FP_LIMBS];
	uint64_t		 ok_args, ok_math;
	struct ec_aff		 rsk;

	memset(out, 0, SAKKE_RSK_LEN);
	if ((status = sakke_id_scalar(b, id, id_len)) != CRYPTO_OK)
		goto fail;
	status = CRYPTO_ERR_GENERAL;
	ct_from_bytes(z, secret_z, SAKKE_SCALAR_LEN);
#ifdef CRYPTO_CTGRIND_PLANT
	/*
	 * Planted leak for tests/unit/crypto (crypto_ctgrind_planted): a
	 * branch on a secret bit, which the valgrind test must report.
	 */
	if (secret_z[SAKKE_SCALAR_LEN - 1] & 1)
		ct_wipe(chk, sizeof(chk));
#endif
	/* 1 <= z_S < q. */
	ok_args = CT_NOT(ct_is_zero(z)) & ct_lt(z, sakke_mq.mm_n);
	mont_add(t, b, z, FQ);
	ok_args &= CT_NOT(ct_is_zero(t));
	mont_to(tm, t, FQ);
	mont_inv(km, tm, FQ);
	/* Fault checks: t t^-1 = 1 and t - z = b, both mod q. */
	mont_mul(chk, tm, km, FQ);
	ok_math = ct_eq(chk, sakke_mq.mm_one);
	mont_sub(chk, t, z, FQ);
	ok_math &= ct_eq(chk, b);
	mont_from(k, km, FQ);
	ok_math &= ec_mul_gen(&rsk, k);
	ok_math &= ec_on_curve(&rsk);
	ec_encode(out, &rsk);
	ct_mask_bytes(out, SAKKE_RSK_LEN, ok_args & ok_math);
	status = ct_status(ok_args, ok_math, CRYPTO_ERR_FAULT);
	/* wipe: z_S, t, t^-1 and the RSK copy */
	ct_wipe(z, sizeof(z));
	ct_wipe(t, sizeof(t));
	ct_wipe(tm, sizeof(tm));
	ct_wipe(km, sizeof(km));
	ct_wipe(k, sizeof(k));
	ct_wipe(chk, sizeof(chk));
	ct_wipe(&rsk, sizeof(rsk));
 fail:
	return status;
}

/*
 * see crypto.h
 *
 * Z_S = [z_S]P (RFC 6508 section 2.2) on the same constant-time
 * fixed-base path as the RSK, with the on-curve fault check.
 */
enum crypto_status
sakke_pubkey(const uint8_t secret_z[SAKKE_SCALAR_LEN],
    uint8_t out[SAKKE_POINT_LEN])
{
	uint64_t		 z[FP_LIMBS], ok_args, ok_math;
	struct ec_aff		 zs;
	enum crypto_status	 status;

	ct_from_bytes(z, secret_z, SAKKE_SCALAR_LEN);
#ifdef CRYPTO_CTGRIND_PLANT
	if (secret_z[0] & 1)
		memset(out, 0, SAKKE_POINT_LEN);
#endif
	ok_args = CT_NOT(ct_is_zero(z)) & ct_lt(z, sakke_mq.mm_n);
	ok_math = ec_mul_gen(&zs, z);
	ok_math &= ec_on_curve(&zs);
	ec_encode(out, &zs);
	ct_mask_bytes(out, SAKKE_POINT_LEN, ok_args & ok_math);
	status = ct_status(ok_args, ok_math, CRYPTO_ERR_FAULT);
	/* wipe: z_S */
	ct_wipe(z, sizeof(z));
	ct_wipe(&zs, sizeof(zs));
	return status;
}

/*
 * see crypto.h
 *
 * [b + z_S]RSK = P with the constant-time variable-base multiplication:
 * a wrong RSK, a wrong t or a wrong table entry all fail it.
 */
enum crypto_status
sakke_rsk_check(const uint8_t secret_z[SAKKE_SCALAR_LEN], const uint8_t *id,
    size_t id_len, const uint8_t rsk[SAKKE_RSK_LEN])
{
	enum crypto_status	 status;
	uint64_t		 z[FP_LIMBS], b[FP_LIMBS], t[FP_LIMBS];
	uint64_t		 ok_args, ok;
	struct ec_aff		 k, r, g;

	if ((status = sakke_id_scalar(b, id, id_len)) != CRYPTO_OK)
		return status;
	ec_generator(&g);
	ct_from_bytes(z, secret_z, SAKKE_SCALAR_LEN);
	ok_args = CT_NOT(ct_is_zero(z)) & ct_lt(z, sakke_mq.mm_n);
	mont_add(t, b, z, FQ);
	ok = ec_decode(&k, rsk);
	ok &= ec_mul_ct(&r, t, &k);
	ok &= ct_eq(r.ea_x, g.ea_x) & ct_eq(r.ea_y, g.ea_y);
	status = ct_status(ok_args, ok, CRYPTO_ERR_VERIFY);
	/* wipe: z_S, t, the RSK and its multiple */
	ct_wipe(z, sizeof(z));
	ct_wipe(t, sizeof(t));
	ct_wipe(&k, sizeof(k));
	ct_wipe(&r, sizeof(r));
	return status;
}
