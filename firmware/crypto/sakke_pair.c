/*
 * sakke_pair.c - the client side of SAKKE (RFC 6508): the
 * Tate-Lichtenbaum pairing (section 3.2, with the representation of
 * mcx-kms.md 6.4), HashToIntegerRange (section 5.1), RSK validation
 * (section 6.1.2), and sending / receiving an SSV (section 6.2).
 *
 * Secrets: the RSK (the UE's private key), the SSV, r (which gives the
 * SSV away through g^r), w = g^r and the mask.  Protection: the pairing
 * runs on fp1024.c's constant-time field arithmetic with the secret
 * point as its second argument Q, which only enters the line values;
 * the Miller loop's control flow follows the public bits of q - 1 and
 * the public first argument.  [r]Q and g^r use the constant-time
 * windowed methods with masked table scans; the receiver's accept
 * decision and the output are combined with masks.  Public: identities,
 * Z_S, R_(b,S), H (the encapsulated data is sent in clear).
 *
 * SHA-256 comes from OpenSSL (EVP); hashing secret data there is not
 * under the valgrind constant-time test (docs/crypto.md).
 */
#include <string.h>

#include <openssl/evp.h>

#include "crypto_local.h"

#define FP	(&sakke_mp)

/* g = <P, P> (RFC 6509 Appendix A), the pairing of the generator. */
static const uint8_t sakke_g[SAKKE_FP_LEN] = {
	0x66, 0xfc, 0x2a, 0x43, 0x2b, 0x6e, 0xa3, 0x92,
	0x14, 0x8f, 0x15, 0x86, 0x7d, 0x62, 0x30, 0x68,
	0xc6, 0xa8, 0x7b, 0xd1, 0xfb, 0x94, 0xc4, 0x1e,
	0x27, 0xfa, 0xbe, 0x65, 0x8e, 0x01, 0x5a, 0x87,
	0x37, 0x1e, 0x94, 0x74, 0x4c, 0x96, 0xfe, 0xda,
	0x44, 0x9a, 0xe9, 0x56, 0x3f, 0x8b, 0xc4, 0x46,
	0xcb, 0xfd, 0xa8, 0x5d, 0x5d, 0x00, 0xef, 0x57,
	0x70, 0x72, 0xda, 0x8f, 0x54, 0x17, 0x21, 0xbe,
	0xee, 0x0f, 0xae, 0xd1, 0x82, 0x8e, 0xab, 0x90,
	0xb9, 0x9d, 0xfb, 0x01, 0x38, 0xc7, 0x84, 0x33,
	0x55, 0xdf, 0x04, 0x60, 0xb4, 0xa9, 0xfd, 0x74,
	0xb4, 0xf1, 0xa3, 0x2b, 0xca, 0xfa, 0x1f, 0xfa,
	0xd6, 0x82, 0xc0, 0x33, 0xa7, 0x94, 0x2b, 0xcc,
	0xe3, 0x72, 0x0f, 0x20, 0xb9, 0xb7, 0xb0, 0x40,
	0x3c, 0x8c, 0xae, 0x87, 0xb7, 0xa0, 0x04, 0x2a,
	0xcd, 0xe0, 0xfa, 0xb3, 0x64, 0x61, 0xea, 0x46,
};

/* An element a + b i of F_p^2 = F_p[i], i^2 = -1, Montgomery form. */
struct fp2 {
	uint64_t	f2_a[FP_LIMBS];
	uint64_t	f2_b[FP_LIMBS];
};

#define GPOW_W		4	/* window of the constant-time g^r */

static void	fp2_mul(struct fp2 *, const struct fp2 *, const struct fp2 *);
static void	fp2_sqr(struct fp2 *, const struct fp2 *);
static uint64_t	fp2_repr(uint64_t *, const struct fp2 *);
static uint64_t	pairing(uint64_t *, const struct ec_aff *,
		    const struct ec_aff *);
static uint64_t	gpow(uint64_t *, const uint64_t *);
static uint64_t	qbs(struct ec_aff *, const uint64_t *, const struct ec_aff *);
static int	sha256(uint8_t *, const uint8_t *, size_t, const uint8_t *,
		    size_t);

/* r = x y: Karatsuba, 3M. */
static void
fp2_mul(struct fp2 *r, const struct fp2 *x, const struct fp2 *y)
{
	uint64_t	t0[FP_LIMBS], t1[FP_LIMBS], t2[FP_LIMBS];
	uint64_t	t3[FP_LIMBS];

	mont_mul(t0, x->f2_a, y->f2_a, FP);
	mont_mul(t1, x->f2_b, y->f2_b, FP);
	mont_add(t2, x->f2_a, x->f2_b, FP);
	mont_add(t3, y->f2_a, y->f2_b, FP);
	mont_mul(t2, t2, t3, FP);
	mont_sub(r->f2_a, t0, t1, FP);
	mont_sub(t2, t2, t0, FP);
	mont_sub(r->f2_b, t2, t1, FP);
}

/* r = x^2 = (a + b)(a - b) + 2ab i: 2M. */
static void
fp2_sqr(struct fp2 *r, const struct fp2 *x)
{
	uint64_t	t0[FP_LIMBS], t1[FP_LIMBS], t2[FP_LIMBS];

	mont_add(t0, x->f2_a, x->f2_b, FP);
	mont_sub(t1, x->f2_a, x->f2_b, FP);
	mont_mul(t2, x->f2_a, x->f2_b, FP);
	mont_mul(r->f2_a, t0, t1, FP);
	mont_add(r->f2_b, t2, t2, FP);
}

/*
 * The representation of mcx-kms.md 6.4: a + b i is written b / a mod p
 * (plain, not Montgomery).  Returns 0 if a = 0, else 1; constant time.
 */
static uint64_t
fp2_repr(uint64_t *out, const struct fp2 *x)
{
	uint64_t	inv[FP_LIMBS], t[FP_LIMBS];

	mont_inv(inv, x->f2_a, FP);
	mont_mul(t, x->f2_b, inv, FP);
	mont_from(out, t, FP);
	return CT_NOT(ct_is_zero(x->f2_a));
}

/*
 * <R, Q> (RFC 6508 section 3.2).  The Miller loop walks the bits of
 * q - 1 from the second most significant down with C = R in Jacobian
 * coordinates (X, Y, Z); the lines of mcx-kms.md 6.4 at the distorted
 * point (-Qx, i Qy) are multiplied through by a power of Z (an F_p
 * factor, which the b / a representation ignores):
 *   doubling: (3(X^2 - Z^4)(Qx Z^2 + X) - 2Y^2) + i (2YZ Z^2 Qy)
 *   adding R: ((Ry Z^3 - Y)(Qx Z^2 + X) - Y(Rx Z^2 - X))
 *             + i (Qy Z^3 (Rx Z^2 - X))
 * C never meets O or +-R inside the loop: it runs through [m]R with
 * 2 <= m < q - 1.  Final step v^c, c = (p + 1) / q = 4 (RFC 6509
 * Appendix A), then b / a.  R is public; Q may be secret.
 */
static uint64_t
pairing(uint64_t *out, const struct ec_aff *r, const struct ec_aff *q)
{
	struct ec_jac	 c;
	struct fp2	 v, l;
	uint64_t	 delta[FP_LIMBS], gamma[FP_LIMBS], beta[FP_LIMBS];
	uint64_t	 alpha[FP_LIMBS], t1[FP_LIMBS], t2[FP_LIMBS];
	uint64_t	 x3[FP_LIMBS], z3[FP_LIMBS], zzz[FP_LIMBS];
	uint64_t	 qm1[FP_LIMBS];
	static const uint64_t one[FP_LIMBS] = { 1 };
	int		 i, top;
	uint64_t	 ok;

	(void)ct_sub(qm1, sakke_mq.mm_n, one);
	for (top = FP_LIMBS * 64 - 1; top > 0; top--)
		if ((qm1[top / 64] >> (top % 64)) & 1)
			break;
	memcpy(c.ej_x, r->ea_x, sizeof(c.ej_x));
	memcpy(c.ej_y, r->ea_y, sizeof(c.ej_y));
	memcpy(c.ej_z, sakke_mp.mm_one, sizeof(c.ej_z));
	memcpy(v.f2_a, sakke_mp.mm_one, sizeof(v.f2_a));
	memset(v.f2_b, 0, sizeof(v.f2_b));

	for (i = top - 1; i >= 0; i--) {
		/* Doubling step: line at C, then C = 2C (dbl-2001-b). */
		mont_sqr(delta, c.ej_z, FP);
		mont_sqr(gamma, c.ej_y, FP);
		mont_sub(t1, c.ej_x, delta, FP);
		mont_add(t2, c.ej_x, delta, FP);
		mont_mul(t1, t1, t2, FP);
		mont_add(alpha, t1, t1, FP);
		mont_add(alpha, alpha, t1, FP);		/* 3 (X^2 - Z^4) */
		mont_mul(t1, q->ea_x, delta, FP);
		mont_add(t1, t1, c.ej_x, FP);		/* Qx Z^2 + X */
		mont_mul(t1, alpha, t1, FP);
		mont_add(t2, gamma, gamma, FP);
		mont_sub(l.f2_a, t1, t2, FP);
		mont_add(t1, c.ej_y, c.ej_z, FP);
		mont_sqr(t1, t1, FP);
		mont_sub(t1, t1, gamma, FP);
		mont_sub(z3, t1, delta, FP);		/* 2 Y Z */
		mont_mul(t1, z3, delta, FP);
		mont_mul(l.f2_b, t1, q->ea_y, FP);
		mont_mul(beta, c.ej_x, gamma, FP);
		mont_sqr(x3, alpha, FP);
		mont_add(t1, beta, beta, FP);
		mont_add(t1, t1, t1, FP);		/* 4 beta */
		mont_add(t2, t1, t1, FP);
		mont_sub(x3, x3, t2, FP);
		mont_sub(t1, t1, x3, FP);
		mont_mul(t1, alpha, t1, FP);
		mont_sqr(gamma, gamma, FP);
		mont_add(gamma, gamma, gamma, FP);
		mont_add(gamma, gamma, gamma, FP);
		mont_add(gamma, gamma, gamma, FP);
		mont_sub(c.ej_y, t1, gamma, FP);
		memcpy(c.ej_x, x3, sizeof(x3));
		memcpy(c.ej_z, z3, sizeof(z3));
		fp2_sqr(&v, &v);
		fp2_mul(&v, &v, &l);

		/* Public bit of q - 1: addition step with R. */
		if (((qm1[i / 64] >> (i % 64)) & 1) == 0)
			continue;
		mont_sqr(delta, c.ej_z, FP);		/* Z^2 */
		mont_mul(zzz, c.ej_z, delta, FP);	/* Z^3 */
		mont_mul(t1, r->ea_x, delta, FP);
		mont_sub(t1, t1, c.ej_x, FP);		/* H = Rx Z^2 - X */
		mont_mul(t2, r->ea_y, zzz, FP);
		mont_sub(t2, t2, c.ej_y, FP);		/* Ry Z^3 - Y */
		mont_mul(alpha, q->ea_x, delta, FP);
		mont_add(alpha, alpha, c.ej_x, FP);	/* Qx Z^2 + X */
		mont_mul(t2, t2, alpha, FP);
		mont_mul(beta, c.ej_y, t1, FP);
		mont_sub(l.f2_a, t2, beta, FP);
		mont_mul(t2, zzz, t1, FP);
		mont_mul(l.f2_b, t2, q->ea_y, FP);
		fp2_mul(&v, &v, &l);
		(void)ec_madd(&c, &c, r);
	}
	/* v^c with c = 4. */
	fp2_sqr(&v, &v);
	fp2_sqr(&v, &v);
	ok = fp2_repr(out, &v);
	/* wipe: values of a pairing with a secret point */
	ct_wipe(&v, sizeof(v));
	ct_wipe(&l, sizeof(l));
	ct_wipe(t1, sizeof(t1));
	ct_wipe(t2, sizeof(t2));
	ct_wipe(alpha, sizeof(alpha));
	return ok;
}

/*
 * out = g^e in the representation of 6.4: (1 + g i)^e in F_p^2, then
 * b / a.  e is secret: fixed windows of GPOW_W bits, every table entry
 * read.
 */
static uint64_t
gpow(uint64_t *out, const uint64_t *e)
{
	struct fp2	 tbl[1 << GPOW_W], acc, sel;
	uint64_t	 g[FP_LIMBS], hit, d;
	int		 i, j;

	ct_from_bytes(g, sakke_g, SAKKE_FP_LEN);
	memcpy(tbl[0].f2_a, sakke_mp.mm_one, sizeof(tbl[0].f2_a));
	memset(tbl[0].f2_b, 0, sizeof(tbl[0].f2_b));
	memcpy(tbl[1].f2_a, sakke_mp.mm_one, sizeof(tbl[1].f2_a));
	mont_to(tbl[1].f2_b, g, FP);
	for (j = 2; j < (1 << GPOW_W); j++)
		fp2_mul(&tbl[j], &tbl[j - 1], &tbl[1]);
	acc = tbl[0];
	for (i = FP_LIMBS * 64 / GPOW_W - 1; i >= 0; i--) {
		for (j = 0; j < GPOW_W; j++)
			fp2_sqr(&acc, &acc);
		d = (e[i * GPOW_W / 64] >> ((i * GPOW_W) % 64)) &
		    ((1U << GPOW_W) - 1);
		sel = tbl[0];
		for (j = 1; j < (1 << GPOW_W); j++) {
			hit = CT_EQ0(d ^ (uint64_t)j);
			ct_ccopy(hit, sel.f2_a, tbl[j].f2_a);
			ct_ccopy(hit, sel.f2_b, tbl[j].f2_b);
		}
		fp2_mul(&acc, &acc, &sel);
	}
	hit = fp2_repr(out, &acc);
	/* wipe: powers of g by a secret exponent */
	ct_wipe(tbl, sizeof(tbl));
	ct_wipe(&acc, sizeof(acc));
	ct_wipe(&sel, sizeof(sel));
	return hit;
}

/*
 * [b]P + Z (RFC 6508 sections 6.1.2 and 6.2): public.  Returns 0 if the
 * sum is O or the addition is exceptional (b P = +-Z).
 */
static uint64_t
qbs(struct ec_aff *r, const uint64_t *b, const struct ec_aff *z)
{
	struct ec_aff	 bp;
	struct ec_jac	 j;

	if (ct_is_zero(b)) {
		*r = *z;
		return 1;
	}
	if (!ec_mul_gen(&bp, b))
		return 0;
	memcpy(j.ej_x, bp.ea_x, sizeof(j.ej_x));
	memcpy(j.ej_y, bp.ea_y, sizeof(j.ej_y));
	memcpy(j.ej_z, sakke_mp.mm_one, sizeof(j.ej_z));
	if (ec_madd(&j, &j, z))
		return 0;
	ec_to_affine(r, &j);
	return 1;
}

/* out = SHA-256(a || b). */
static int
sha256(uint8_t *out, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	EVP_MD_CTX	*ctx;
	int		 ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return 0;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(ctx, a, alen) &&
	    (blen == 0 || EVP_DigestUpdate(ctx, b, blen)) &&
	    EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok;
}

/*
 * see crypto.h
 *
 * RFC 6508 section 5.1: A = H(s); h_0 = 0^256; for i = 1..l:
 * h_i = H(h_(i-1)), v_i = H(h_i || A); v = v_1 || ... || v_l mod n, with
 * l = ceil(lg(n) / 256): 4 for q (1022 bits), 1 for 2^128.
 */
enum crypto_status
sakke_hash_to_range(const uint8_t *s, size_t s_len, uint8_t *out,
    size_t out_len)
{
	enum crypto_status	 status = CRYPTO_ERR_GENERAL;
	uint8_t			 a[32], h[32], v[4 * 32];
	uint64_t		 x[FP_LIMBS], y[FP_LIMBS];
	int			 i, l;

	if (out_len == SAKKE_SCALAR_LEN)
		l = 4;
	else if (out_len == SAKKE_SSV_LEN)
		l = 1;
	else
		return CRYPTO_ERR_ARGS;
	if (s == NULL && s_len > 0)
		return CRYPTO_ERR_ARGS;
	memset(h, 0, sizeof(h));
	if (!sha256(a, s, s_len, NULL, 0))
		goto fail;
	for (i = 0; i < l; i++) {
		if (!sha256(h, h, sizeof(h), NULL, 0) ||
		    !sha256(v + 32 * i, h, sizeof(h), a, sizeof(a)))
			goto fail;
	}
	if (l == 1) {
		/* mod 2^128: the last 16 octets. */
		memcpy(out, v + 32 - SAKKE_SSV_LEN, SAKKE_SSV_LEN);
	} else {
		/* v < 2^1024 = R: v R mod q, then / R (constant time). */
		ct_from_bytes(x, v, sizeof(v));
		mont_mul(y, x, sakke_mq.mm_r2, &sakke_mq);
		mont_from(x, y, &sakke_mq);
		ct_to_bytes(out, x);
	}
	status = CRYPTO_OK;
 fail:
	/* wipe: s may be SSV || b, and then v is r */
	ct_wipe(a, sizeof(a));
	ct_wipe(v, sizeof(v));
	ct_wipe(x, sizeof(x));
	ct_wipe(y, sizeof(y));
	return status;
}

/* see crypto.h */
enum crypto_status
sakke_pairing(const uint8_t R[SAKKE_POINT_LEN],
    const uint8_t Q[SAKKE_POINT_LEN], uint8_t out[SAKKE_FP_LEN])
{
	struct ec_aff	 r, q;
	uint64_t	 w[FP_LIMBS], ok;

	memset(out, 0, SAKKE_FP_LEN);
	if (!ec_decode(&r, R))
		return CRYPTO_ERR_POINT;
	ok = ec_decode(&q, Q);
	ok &= pairing(w, &r, &q);
	ct_to_bytes(out, w);
	for (size_t i = 0; i < SAKKE_FP_LEN; i++)
		out[i] &= (uint8_t)(0 - ok);
	/* wipe: */
	ct_wipe(w, sizeof(w));
	ct_wipe(&q, sizeof(q));
	return (enum crypto_status)(int64_t)CT_MUX64(ok, (uint64_t)0,
	    (uint64_t)(int64_t)CRYPTO_ERR_POINT);
}

/*
 * see crypto.h
 *
 * The RSK's validity is a public result, but the RSK itself is not: it is
 * decoded and paired without a branch on it.
 */
enum crypto_status
sakke_rsk_validate(const uint8_t rsk[SAKKE_RSK_LEN], const uint8_t *id,
    size_t id_len, const uint8_t Z[SAKKE_POINT_LEN])
{
	enum crypto_status	 status;
	struct ec_aff		 z, k, a;
	uint64_t		 b[FP_LIMBS], w[FP_LIMBS], g[FP_LIMBS], ok;

	if ((status = sakke_id_scalar(b, id, id_len)) != CRYPTO_OK)
		return status;
	if (!ec_decode(&z, Z) || !qbs(&a, b, &z))
		return CRYPTO_ERR_POINT;
	ok = ec_decode(&k, rsk);
	ok &= pairing(w, &a, &k);
	ct_from_bytes(g, sakke_g, SAKKE_FP_LEN);
	ok &= ct_eq(w, g);
	/* wipe: the RSK */
	ct_wipe(&k, sizeof(k));
	ct_wipe(w, sizeof(w));
	return (enum crypto_status)(int64_t)CT_MUX64(ok, (uint64_t)0,
	    (uint64_t)(int64_t)CRYPTO_ERR_VERIFY);
}

/* see crypto.h */
enum crypto_status
sakke_encapsulate(const uint8_t ssv[SAKKE_SSV_LEN], const uint8_t *id,
    size_t id_len, const uint8_t Z[SAKKE_POINT_LEN],
    uint8_t out[SAKKE_SED_LEN])
{
	enum crypto_status	 status;
	struct ec_aff		 z, a, rp;
	uint64_t		 b[FP_LIMBS], r[FP_LIMBS], w[FP_LIMBS], ok;
	uint8_t			 buf[SAKKE_SSV_LEN + 1024];
	uint8_t			 rb[SAKKE_SCALAR_LEN], mask[SAKKE_SSV_LEN];
	int			 i;

	memset(out, 0, SAKKE_SED_LEN);
	if ((status = sakke_id_scalar(b, id, id_len)) != CRYPTO_OK)
		return status;
	if (id_len > sizeof(buf) - SAKKE_SSV_LEN)
		return CRYPTO_ERR_ARGS;
	if (!ec_decode(&z, Z) || !qbs(&a, b, &z))
		return CRYPTO_ERR_POINT;
	status = CRYPTO_ERR_GENERAL;
	/* r = HashToIntegerRange(SSV || b, q). */
	memcpy(buf, ssv, SAKKE_SSV_LEN);
	memcpy(buf + SAKKE_SSV_LEN, id, id_len);
	if (sakke_hash_to_range(buf, SAKKE_SSV_LEN + id_len, rb,
	    sizeof(rb)) != CRYPTO_OK)
		goto fail;
	ct_from_bytes(r, rb, sizeof(rb));
	/* R_(b,S) = [r]([b]P + Z_S); g^r. */
	ok = ec_mul_ct(&rp, r, &a);
	ok &= gpow(w, r);
	ec_encode(out, &rp);
	ct_to_bytes(rb, w);
	if (sakke_hash_to_range(rb, sizeof(rb), mask, sizeof(mask)) !=
	    CRYPTO_OK)
		goto fail;
	for (i = 0; i < SAKKE_SSV_LEN; i++)
		out[SAKKE_POINT_LEN + i] = ssv[i] ^ mask[i];
	for (i = 0; i < SAKKE_SED_LEN; i++)
		out[i] &= (uint8_t)(0 - ok);
	/* r = 0 only for a 2^-1022 hash: reported, never silent. */
	status = (enum crypto_status)(int64_t)CT_MUX64(ok, (uint64_t)0,
	    (uint64_t)(int64_t)CRYPTO_ERR_GENERAL);
 fail:
	/* wipe: SSV, r, g^r, mask */
	ct_wipe(buf, sizeof(buf));
	ct_wipe(rb, sizeof(rb));
	ct_wipe(mask, sizeof(mask));
	ct_wipe(r, sizeof(r));
	ct_wipe(w, sizeof(w));
	return status;
}

/* see crypto.h */
enum crypto_status
sakke_decapsulate(const uint8_t sed[SAKKE_SED_LEN], const uint8_t *id,
    size_t id_len, const uint8_t rsk[SAKKE_RSK_LEN],
    const uint8_t Z[SAKKE_POINT_LEN], uint8_t ssv_out[SAKKE_SSV_LEN])
{
	enum crypto_status	 status;
	struct ec_aff		 z, a, rp, k, chk;
	uint64_t		 b[FP_LIMBS], r[FP_LIMBS], w[FP_LIMBS], ok;
	uint8_t			 buf[SAKKE_SSV_LEN + 1024];
	uint8_t			 wb[SAKKE_FP_LEN], mask[SAKKE_SSV_LEN];
	int			 i;

	memset(ssv_out, 0, SAKKE_SSV_LEN);
	if ((status = sakke_id_scalar(b, id, id_len)) != CRYPTO_OK)
		return status;
	if (id_len > sizeof(buf) - SAKKE_SSV_LEN)
		return CRYPTO_ERR_ARGS;
	/* R_(b,S) is public: on E, or rejected before the RSK is used. */
	if (!ec_decode(&z, Z) || !qbs(&a, b, &z) || !ec_decode(&rp, sed))
		return CRYPTO_ERR_POINT;
	status = CRYPTO_ERR_GENERAL;
	/* w = <R_(b,S), RSK>; SSV = H xor HashToIntegerRange(w, 2^n). */
	ok = ec_decode(&k, rsk);
	ok &= pairing(w, &rp, &k);
	ct_to_bytes(wb, w);
	if (sakke_hash_to_range(wb, sizeof(wb), mask, sizeof(mask)) !=
	    CRYPTO_OK)
		goto fail;
	for (i = 0; i < SAKKE_SSV_LEN; i++)
		buf[i] = sed[SAKKE_POINT_LEN + i] ^ mask[i];
	/* Accept only if [HashToIntegerRange(SSV || b, q)]([b]P + Z) = R. */
	memcpy(buf + SAKKE_SSV_LEN, id, id_len);
	if (sakke_hash_to_range(buf, SAKKE_SSV_LEN + id_len, wb,
	    SAKKE_SCALAR_LEN) != CRYPTO_OK)
		goto fail;
	ct_from_bytes(r, wb, SAKKE_SCALAR_LEN);
	ok &= ec_mul_ct(&chk, r, &a);
	ok &= ct_eq(chk.ea_x, rp.ea_x) & ct_eq(chk.ea_y, rp.ea_y);
	for (i = 0; i < SAKKE_SSV_LEN; i++)
		ssv_out[i] = buf[i] & (uint8_t)(0 - ok);
	status = (enum crypto_status)(int64_t)CT_MUX64(ok, (uint64_t)0,
	    (uint64_t)(int64_t)CRYPTO_ERR_VERIFY);
 fail:
	/* wipe: SSV, w, r, the RSK */
	ct_wipe(buf, sizeof(buf));
	ct_wipe(wb, sizeof(wb));
	ct_wipe(mask, sizeof(mask));
	ct_wipe(r, sizeof(r));
	ct_wipe(w, sizeof(w));
	ct_wipe(&k, sizeof(k));
	return status;
}
