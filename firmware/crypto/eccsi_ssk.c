/*
 * eccsi_ssk.c - ECCSI (RFC 6507) on NIST P-256 (RFC 6509 section 2.1):
 * the KMS's per-identity keys (SSK, PVT, HS), their validation, and the
 * client's sign and verify.
 *
 * Secrets in this file: KSAK, v, SSK, j and every intermediate scalar
 * derived from them (HS*v, r*SSK, HE + r*SSK, its inverse).  They never
 * choose a branch or a memory index: the arithmetic mod q is the
 * fixed-width Montgomery code below (4 x 64-bit limbs, masks instead of
 * branches, inversion by Fermat with the public exponent q - 2), and the
 * multiplications [v]G, [j]G and [SSK]G use OpenSSL's P-256 generator
 * path (ecp_nistz256: Booth recoding, constant-time table gathers) on a
 * BN_FLG_CONSTTIME secure-heap bignum.  Public values (KPAK, PVT, HS,
 * HE, r, s, the message) go through OpenSSL's variable-time paths.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto_local.h"

/*
 * CT_PUBLIC marks a value computed from secrets as public (a result that
 * is published or whose only use is a public decision) for the valgrind
 * constant-time test (tests/unit/crypto_id, built with KMS_CTGRIND).
 */
#ifdef KMS_CTGRIND
#include <valgrind/memcheck.h>
#define CT_PUBLIC(p, n)	((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define CT_PUBLIC(p, n)	((void)(p), (void)(n))
#endif

/* An integer mod q or mod p, little-endian 64-bit limbs. */
struct sc {
	uint64_t	 w[4];
};

/* A Montgomery modulus (R = 2^256) and its constants. */
struct mod {
	struct sc	 n;		/* the odd modulus */
	uint64_t	 n0;		/* -n^-1 mod 2^64 */
	struct sc	 r2;		/* R^2 mod n */
	struct sc	 one;		/* R mod n */
};

/* q, the order of G (FIPS 186-4 D.1.2.3). */
static const struct mod mod_q = {
	{ { 0xf3b9cac2fc632551ULL, 0xbce6faada7179e84ULL,
	    0xffffffffffffffffULL, 0xffffffff00000000ULL } },
	0xccd1c8aaee00bc4fULL,
	{ { 0x83244c95be79eea2ULL, 0x4699799c49bd6fa6ULL,
	    0x2845b2392b6bec59ULL, 0x66e12d94f3d95620ULL } },
	{ { 0x0c46353d039cdaafULL, 0x4319055258e8617bULL,
	    0x0000000000000000ULL, 0x00000000ffffffffULL } },
};

/* p = 2^256 - 2^224 + 2^192 + 2^96 - 1, the P-256 field prime. */
static const struct mod mod_p = {
	{ { 0xffffffffffffffffULL, 0x00000000ffffffffULL,
	    0x0000000000000000ULL, 0xffffffff00000001ULL } },
	0x0000000000000001ULL,
	{ { 0x0000000000000003ULL, 0xfffffffbffffffffULL,
	    0xfffffffffffffffeULL, 0x00000004fffffffdULL } },
	{ { 0x0000000000000001ULL, 0xffffffff00000000ULL,
	    0xffffffffffffffffULL, 0x00000000fffffffeULL } },
};

/* b of P-256 (FIPS 186-4 D.1.2.3) in Montgomery form, b * R mod p. */
static const struct sc p256_b_mont = { {
	0xd89cdf6229c4bddfULL, 0xacf005cd78843090ULL,
	0xe5a220abf7212ed6ULL, 0xdc30061d04874834ULL } };

/* G of P-256, 04 || x || y (FIPS 186-4 D.1.2.3). */
static const uint8_t eccsi_g[ECCSI_POINT_LEN] = {
	0x04,
	0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47,
	0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
	0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0,
	0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
	0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b,
	0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
	0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce,
	0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};

static void	 sc_from_be(struct sc *, const uint8_t *);
static void	 sc_to_be(uint8_t *, const struct sc *);
static void	 sc_sub_n_masked(struct sc *, uint64_t, const struct mod *);
static void	 sc_mont_mul(struct sc *, const struct sc *, const struct sc *,
		    const struct mod *);
static void	 sc_add(struct sc *, const struct sc *, const struct sc *,
		    const struct mod *);
static void	 sc_sub(struct sc *, const struct sc *, const struct sc *,
		    const struct mod *);
static void	 sc_reduce(struct sc *, const struct mod *);
static void	 sc_inv(struct sc *, const struct sc *, const struct mod *);
static uint64_t	 sc_is_zero(const struct sc *);
static int	 hash_hs(const uint8_t *, const uint8_t *, size_t,
		    const uint8_t *, uint8_t *);
static void	 bn_to_mont_p(struct sc *, const BIGNUM *);
static void	 p256_tab_init(void);
static int	 mul_g_ct(const uint8_t *, uint8_t *);
static int	 draw_scalar(crypto_rand_fn, void *, uint8_t *);
static enum crypto_status check_ssk(const uint8_t *, const uint8_t *,
		    const uint8_t *, const uint8_t *);

/* Big-endian 32 octets -> limbs. */
static void
sc_from_be(struct sc *r, const uint8_t *b)
{
	int	 i, k;

	for (i = 0; i < 4; i++) {
		r->w[i] = 0;
		for (k = 0; k < 8; k++)
			r->w[i] |= (uint64_t)b[31 - 8 * i - k] << (8 * k);
	}
}

/* Limbs -> big-endian 32 octets. */
static void
sc_to_be(uint8_t *b, const struct sc *a)
{
	int	 i, k;

	for (i = 0; i < 4; i++)
		for (k = 0; k < 8; k++)
			b[31 - 8 * i - k] = (uint8_t)(a->w[i] >> (8 * k));
}

/*
 * r -= n if hi:r >= n, where hi is a fifth limb (0 or 1).  Computes
 * d = hi:r - n and keeps it iff it did not borrow, by mask.
 */
static void
sc_sub_n_masked(struct sc *r, uint64_t hi, const struct mod *md)
{
	struct sc	 d;
	uint64_t	 borrow = 0, mask;
	unsigned __int128 t;
	int		 i;

	for (i = 0; i < 4; i++) {
		t = (unsigned __int128)r->w[i] - md->n.w[i] - borrow;
		d.w[i] = (uint64_t)t;
		borrow = (uint64_t)(t >> 64) & 1;
	}
	/* Final borrow of hi - borrow: 1 iff hi:r < n. */
	borrow = ((hi - borrow) >> 63) & 1;
	mask = borrow - 1;		/* all ones iff hi:r >= n */
	for (i = 0; i < 4; i++)
		r->w[i] = (d.w[i] & mask) | (r->w[i] & ~mask);
}

/*
 * r = a * b / R mod n (CIOS Montgomery multiplication).  Requires
 * a < 2^256 and b < n; then the result before the final subtraction is
 * below 2n, and after it below n.  r may alias a or b.
 */
static void
sc_mont_mul(struct sc *r, const struct sc *a, const struct sc *b,
    const struct mod *md)
{
	uint64_t		 t[6] = { 0 }, m, c;
	unsigned __int128	 x;
	int			 i, j;

	for (i = 0; i < 4; i++) {
		c = 0;
		for (j = 0; j < 4; j++) {
			x = (unsigned __int128)a->w[j] * b->w[i] + t[j] + c;
			t[j] = (uint64_t)x;
			c = (uint64_t)(x >> 64);
		}
		x = (unsigned __int128)t[4] + c;
		t[4] = (uint64_t)x;
		t[5] = (uint64_t)(x >> 64);

		m = t[0] * md->n0;
		x = (unsigned __int128)m * md->n.w[0] + t[0];
		c = (uint64_t)(x >> 64);
		for (j = 1; j < 4; j++) {
			x = (unsigned __int128)m * md->n.w[j] + t[j] + c;
			t[j - 1] = (uint64_t)x;
			c = (uint64_t)(x >> 64);
		}
		x = (unsigned __int128)t[4] + c;
		t[3] = (uint64_t)x;
		t[4] = t[5] + (uint64_t)(x >> 64);
	}
	memcpy(r->w, t, sizeof(r->w));
	sc_sub_n_masked(r, t[4], md);
	/* wipe: */
	OPENSSL_cleanse(t, sizeof(t));
}

/* r = (a + b) mod n for a, b < n. */
static void
sc_add(struct sc *r, const struct sc *a, const struct sc *b,
    const struct mod *md)
{
	unsigned __int128	 t;
	uint64_t		 c = 0;
	int			 i;

	for (i = 0; i < 4; i++) {
		t = (unsigned __int128)a->w[i] + b->w[i] + c;
		r->w[i] = (uint64_t)t;
		c = (uint64_t)(t >> 64);
	}
	sc_sub_n_masked(r, c, md);
}

/* r = (a - b) mod n for a, b < n: subtract, add n back by mask. */
static void
sc_sub(struct sc *r, const struct sc *a, const struct sc *b,
    const struct mod *md)
{
	unsigned __int128	 t;
	uint64_t		 borrow = 0, mask, c = 0;
	int			 i;

	for (i = 0; i < 4; i++) {
		t = (unsigned __int128)a->w[i] - b->w[i] - borrow;
		r->w[i] = (uint64_t)t;
		borrow = (uint64_t)(t >> 64) & 1;
	}
	mask = 0 - borrow;
	for (i = 0; i < 4; i++) {
		t = (unsigned __int128)r->w[i] + (md->n.w[i] & mask) + c;
		r->w[i] = (uint64_t)t;
		c = (uint64_t)(t >> 64);
	}
}

/* r = r mod n for any r < 2^256 when n > 2^255 (one subtraction). */
static void
sc_reduce(struct sc *r, const struct mod *md)
{
	sc_sub_n_masked(r, 0, md);
}

/*
 * r = a^-1 mod n = a^(n-2) (Fermat), a in the Montgomery domain, r too.
 * The exponent is public, so its bits may drive the loop.
 */
static void
sc_inv(struct sc *r, const struct sc *a, const struct mod *md)
{
	struct sc	 x = md->one;
	uint64_t	 e;
	int		 i, b;

	for (i = 3; i >= 0; i--) {
		e = md->n.w[i] - (i == 0 ? 2 : 0);	/* n - 2: no borrow */
		for (b = 63; b >= 0; b--) {
			sc_mont_mul(&x, &x, &x, md);
			if ((e >> b) & 1)
				sc_mont_mul(&x, &x, a, md);
		}
	}
	*r = x;
	/* wipe: */
	OPENSSL_cleanse(&x, sizeof(x));
}

/* All ones if a = 0, else 0; no branch. */
static uint64_t
sc_is_zero(const struct sc *a)
{
	uint64_t	 acc = a->w[0] | a->w[1] | a->w[2] | a->w[3];

	return ((acc | (0 - acc)) >> 63) - 1;
}

/* HS = SHA-256(G || KPAK || ID || PVT) (RFC 6507 section 5.1.1 step 3). */
static int
hash_hs(const uint8_t *kpak, const uint8_t *id, size_t id_len,
    const uint8_t *pvt, uint8_t *hs)
{
	EVP_MD_CTX	*md;
	int		 ok;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return 0;
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(md, eccsi_g, sizeof(eccsi_g)) &&
	    EVP_DigestUpdate(md, kpak, ECCSI_POINT_LEN) &&
	    (id_len == 0 || EVP_DigestUpdate(md, id, id_len)) &&
	    EVP_DigestUpdate(md, pvt, ECCSI_POINT_LEN) &&
	    EVP_DigestFinal_ex(md, hs, NULL);
	EVP_MD_CTX_free(md);
	return ok;
}

/*
 * P-256 points in homogeneous projective coordinates (X : Y : Z), meaning
 * (X/Z, Y/Z), coordinates in Montgomery form mod p; O = (0 : 1 : 0).
 */
struct p256_pt {
	struct sc	 x, y, z;
};

/* An affine table entry; (0, 1) stands for O (entry 0 of a window). */
struct p256_aff {
	struct sc	 x, y;
};

/*
 * Fixed-base table: p256_tab[w][i] = [i * 16^w]G for 64 windows of 4
 * bits.  Public data, built once from OpenSSL's EC arithmetic.
 */
#define P256_WINDOWS	64
static struct p256_aff	 p256_tab[P256_WINDOWS][16];
static bool		 p256_tab_ok;
static pthread_once_t	 p256_tab_once = PTHREAD_ONCE_INIT;

/* BN < p -> Montgomery form. */
static void
bn_to_mont_p(struct sc *r, const BIGNUM *a)
{
	uint8_t	 b[32];

	(void)BN_bn2binpad(a, b, sizeof(b));
	sc_from_be(r, b);
	sc_mont_mul(r, r, &mod_p.r2, &mod_p);
}

/* Builds p256_tab (public values only; variable time is fine). */
static void
p256_tab_init(void)
{
	const EC_GROUP	*g;
	BN_CTX		*ctx = NULL;
	EC_POINT	*base = NULL, *acc = NULL;
	BIGNUM		*x, *y;
	int		 w, i, k;

	if ((g = eccsi_group()) == NULL || (ctx = BN_CTX_new()) == NULL)
		goto fail;
	BN_CTX_start(ctx);
	x = BN_CTX_get(ctx);
	y = BN_CTX_get(ctx);
	if (y == NULL || (base = EC_POINT_dup(EC_GROUP_get0_generator(g),
	    g)) == NULL || (acc = EC_POINT_new(g)) == NULL)
		goto end;
	for (w = 0; w < P256_WINDOWS; w++) {
		memset(&p256_tab[w][0].x, 0, sizeof(struct sc));
		p256_tab[w][0].y = mod_p.one;
		if (!EC_POINT_set_to_infinity(g, acc))
			goto end;
		for (i = 1; i < 16; i++) {
			if (!EC_POINT_add(g, acc, acc, base, ctx) ||
			    !EC_POINT_get_affine_coordinates(g, acc, x, y,
			    ctx))
				goto end;
			bn_to_mont_p(&p256_tab[w][i].x, x);
			bn_to_mont_p(&p256_tab[w][i].y, y);
		}
		for (k = 0; k < 4; k++)
			if (!EC_POINT_dbl(g, base, base, ctx))
				goto end;
	}
	p256_tab_ok = true;
 end:
	BN_CTX_end(ctx);
 fail:
	EC_POINT_free(acc);
	EC_POINT_free(base);
	BN_CTX_free(ctx);
}

/*
 * r = a + b with the complete addition law for a = -3 of Renes,
 * Costello and Batina (EUROCRYPT 2016, Algorithm 4): no exceptional
 * case (doubling, O, inverses), hence no branch.  r may alias a or b.
 */
static void
p256_add(struct p256_pt *r, const struct p256_pt *a, const struct p256_pt *b)
{
	const struct mod	*m = &mod_p;
	struct sc		 t0, t1, t2, t3, t4, x3, y3, z3;

	sc_mont_mul(&t0, &a->x, &b->x, m);
	sc_mont_mul(&t1, &a->y, &b->y, m);
	sc_mont_mul(&t2, &a->z, &b->z, m);
	sc_add(&t3, &a->x, &a->y, m);
	sc_add(&t4, &b->x, &b->y, m);
	sc_mont_mul(&t3, &t3, &t4, m);
	sc_add(&t4, &t0, &t1, m);
	sc_sub(&t3, &t3, &t4, m);
	sc_add(&t4, &a->y, &a->z, m);
	sc_add(&x3, &b->y, &b->z, m);
	sc_mont_mul(&t4, &t4, &x3, m);
	sc_add(&x3, &t1, &t2, m);
	sc_sub(&t4, &t4, &x3, m);
	sc_add(&x3, &a->x, &a->z, m);
	sc_add(&y3, &b->x, &b->z, m);
	sc_mont_mul(&x3, &x3, &y3, m);
	sc_add(&y3, &t0, &t2, m);
	sc_sub(&y3, &x3, &y3, m);
	sc_mont_mul(&z3, &p256_b_mont, &t2, m);
	sc_sub(&x3, &y3, &z3, m);
	sc_add(&z3, &x3, &x3, m);
	sc_add(&x3, &x3, &z3, m);
	sc_sub(&z3, &t1, &x3, m);
	sc_add(&x3, &t1, &x3, m);
	sc_mont_mul(&y3, &p256_b_mont, &y3, m);
	sc_add(&t1, &t2, &t2, m);
	sc_add(&t2, &t1, &t2, m);
	sc_sub(&y3, &y3, &t2, m);
	sc_sub(&y3, &y3, &t0, m);
	sc_add(&t1, &y3, &y3, m);
	sc_add(&y3, &t1, &y3, m);
	sc_add(&t1, &t0, &t0, m);
	sc_add(&t0, &t1, &t0, m);
	sc_sub(&t0, &t0, &t2, m);
	sc_mont_mul(&t1, &t4, &y3, m);
	sc_mont_mul(&t2, &t0, &y3, m);
	sc_mont_mul(&y3, &x3, &z3, m);
	sc_add(&y3, &y3, &t2, m);
	sc_mont_mul(&x3, &x3, &t3, m);
	sc_sub(&x3, &x3, &t1, m);
	sc_mont_mul(&z3, &z3, &t4, m);
	sc_mont_mul(&t1, &t3, &t0, m);
	sc_add(&z3, &z3, &t1, m);
	r->x = x3;
	r->y = y3;
	r->z = z3;
	/* wipe: */
	OPENSSL_cleanse(&t0, sizeof(t0));
	OPENSSL_cleanse(&t1, sizeof(t1));
	OPENSSL_cleanse(&t2, sizeof(t2));
	OPENSSL_cleanse(&t3, sizeof(t3));
	OPENSSL_cleanse(&t4, sizeof(t4));
}

/*
 * out = [k]G, 04 || x || y, for a secret 32-octet k with 0 < k < q
 * (callers check).  Fixed-base comb over 64 four-bit windows: each
 * window's entry is read by scanning all 16 with masks, then added with
 * the complete law; Z^-1 by Fermat.  No branch or index depends on k.
 */
static int
mul_g_ct(const uint8_t *secret_k, uint8_t *out)
{
	struct sc		 k, zi;
	struct p256_pt		 acc, sel;
	const struct sc		 plain_one = { { 1, 0, 0, 0 } };
	uint64_t		 nib, eq, mask, zero;
	int			 w, i, l;

	if (pthread_once(&p256_tab_once, p256_tab_init) != 0 || !p256_tab_ok)
		return 0;
	sc_from_be(&k, secret_k);
	memset(&acc, 0, sizeof(acc));
	acc.y = mod_p.one;
	for (w = 0; w < P256_WINDOWS; w++) {
		nib = (k.w[w / 16] >> (4 * (w % 16))) & 0xf;
		memset(&sel, 0, sizeof(sel));
		for (i = 0; i < 16; i++) {
			eq = (((uint64_t)i ^ nib) - 1) >> 63;
			mask = 0 - eq;
			for (l = 0; l < 4; l++) {
				sel.x.w[l] |= p256_tab[w][i].x.w[l] & mask;
				sel.y.w[l] |= p256_tab[w][i].y.w[l] & mask;
			}
		}
		/* Z = 1 (Montgomery) unless the entry is O (nib = 0). */
		mask = 0 - ((0 - nib) >> 63);
		for (l = 0; l < 4; l++)
			sel.z.w[l] = mod_p.one.w[l] & mask;
		p256_add(&acc, &acc, &sel);
	}
	zero = sc_is_zero(&acc.z);
	CT_PUBLIC(&zero, sizeof(zero));	/* only for k = 0 (excluded) */
	if (zero != 0)
		return 0;
	sc_inv(&zi, &acc.z, &mod_p);
	sc_mont_mul(&acc.x, &acc.x, &zi, &mod_p);
	sc_mont_mul(&acc.y, &acc.y, &zi, &mod_p);
	sc_mont_mul(&acc.x, &acc.x, &plain_one, &mod_p);
	sc_mont_mul(&acc.y, &acc.y, &plain_one, &mod_p);
	out[0] = 0x04;
	sc_to_be(out + 1, &acc.x);
	sc_to_be(out + 1 + ECCSI_SCALAR_LEN, &acc.y);
	/* wipe: */
	OPENSSL_cleanse(&k, sizeof(k));
	OPENSSL_cleanse(&acc, sizeof(acc));
	OPENSSL_cleanse(&sel, sizeof(sel));
	OPENSSL_cleanse(&zi, sizeof(zi));
	return 1;
}

/*
 * Draws a scalar in [1, q-1] from rnd (rejection sampling; whether a
 * draw was rejected reveals nothing about the one accepted).
 */
static int
draw_scalar(crypto_rand_fn rnd, void *arg, uint8_t *out)
{
	int	 i;

	bool	 ok;

	for (i = 0; i < ECCSI_DRAW_MAX; i++) {
		if (rnd(arg, out, ECCSI_SCALAR_LEN) != 0)
			break;
		ok = crypto_ct_in_range(out, eccsi_q, ECCSI_SCALAR_LEN);
		CT_PUBLIC(&ok, sizeof(ok));
		if (ok)
			return 1;
	}
	OPENSSL_cleanse(out, ECCSI_SCALAR_LEN);
	return 0;
}

/*
 * [SSK]G = KPAK + [HS]PVT (RFC 6507 section 5.1.2): the left side in
 * constant time (SSK is secret), the right side with public values.
 * The comparison's outcome is public.
 */
static enum crypto_status
check_ssk(const uint8_t *kpak, const uint8_t *secret_ssk, const uint8_t *pvt,
    const uint8_t *hs)
{
	enum crypto_status	 status = CRYPTO_ERR_GENERAL;
	const EC_GROUP		*g;
	BN_CTX			*ctx = NULL;
	BIGNUM			*h = NULL, *one = NULL;
	EC_POINT		*k = NULL, *v = NULL, *r = NULL;
	uint8_t			 lhs[ECCSI_POINT_LEN], rhs[ECCSI_POINT_LEN];

	if (mul_g_ct(secret_ssk, lhs) != 1)
		goto fail;
	/* [SSK]G = KPAK + [HS]PVT is public. */
	CT_PUBLIC(lhs, sizeof(lhs));
	if ((g = eccsi_group()) == NULL || (ctx = BN_CTX_new()) == NULL ||
	    (h = BN_bin2bn(hs, ECCSI_HASH_LEN, NULL)) == NULL ||
	    (one = BN_new()) == NULL || !BN_one(one) ||
	    (r = EC_POINT_new(g)) == NULL)
		goto fail;
	status = CRYPTO_ERR_POINT;
	if ((k = crypto_point_decode(g, kpak, ECCSI_SCALAR_LEN, eccsi_p,
	    ctx)) == NULL ||
	    (v = crypto_point_decode(g, pvt, ECCSI_SCALAR_LEN, eccsi_p,
	    ctx)) == NULL)
		goto fail;
	status = CRYPTO_ERR_GENERAL;
	/* [HS]PVT + [1]KPAK, both public. */
	{
		const EC_POINT	*pts[2] = { v, k };
		const BIGNUM	*scs[2] = { h, one };

		if (!EC_POINTs_mul(g, r, NULL, 2, pts, scs, ctx))
			goto fail;
	}
	status = CRYPTO_ERR_VERIFY;
	if (EC_POINT_is_at_infinity(g, r))
		goto fail;
	if (EC_POINT_point2oct(g, r, POINT_CONVERSION_UNCOMPRESSED, rhs,
	    sizeof(rhs), ctx) != sizeof(rhs))
		goto fail;
	if (CRYPTO_memcmp(lhs, rhs, sizeof(lhs)) != 0)
		goto fail;
	status = CRYPTO_OK;
 fail:
	EC_POINT_free(r);
	EC_POINT_free(v);
	EC_POINT_free(k);
	BN_free(one);
	BN_free(h);
	BN_CTX_free(ctx);
	return status;
}

/*
 * see crypto.h
 *
 * RFC 6507 section 5.1.1 with the checks of 5.1.2 before release.
 */
enum crypto_status
eccsi_ssk_pvt(const uint8_t secret_ksak[ECCSI_SCALAR_LEN],
    const uint8_t kpak[ECCSI_POINT_LEN], const uint8_t *id, size_t id_len,
    crypto_rand_fn rnd, void *rnd_arg, uint8_t secret_ssk[ECCSI_SCALAR_LEN],
    uint8_t pvt[ECCSI_POINT_LEN], uint8_t hs[ECCSI_HASH_LEN])
{
	enum crypto_status	 status = CRYPTO_ERR_ARGS;
	uint8_t			 v[ECCSI_SCALAR_LEN];
	struct sc		 sk, sv, sh, ss;
	uint64_t		 zero;
	bool			 ok;
	int			 i;

	memset(v, 0, sizeof(v));
	memset(&sk, 0, sizeof(sk));
	memset(&sv, 0, sizeof(sv));
	memset(&ss, 0, sizeof(ss));
	if (kpak == NULL || (id == NULL && id_len > 0) || rnd == NULL ||
	    secret_ksak == NULL || secret_ssk == NULL || pvt == NULL ||
	    hs == NULL)
		goto fail;
	/* KSAK is a non-zero element of F_q (RFC 6507 section 4.2). */
	ok = crypto_ct_in_range(secret_ksak, eccsi_q, ECCSI_SCALAR_LEN);
	CT_PUBLIC(&ok, sizeof(ok));
	if (!ok)
		goto fail;
	status = CRYPTO_ERR_POINT;
	if (!eccsi_point_is_valid(kpak))
		goto fail;
	sc_from_be(&sk, secret_ksak);
	for (i = 0; i < ECCSI_DRAW_MAX; i++) {
		/* 1. v, a random secret non-zero element of F_q. */
		status = CRYPTO_ERR_RANDOM;
		if (!draw_scalar(rnd, rnd_arg, v))
			goto fail;
		/* 2. PVT = [v]G; never O since 0 < v < q. */
		status = CRYPTO_ERR_GENERAL;
		if (!mul_g_ct(v, pvt))
			goto fail;
		CT_PUBLIC(pvt, ECCSI_POINT_LEN);	/* published */
		/* 3. HS = hash(G || KPAK || ID || PVT). */
		if (!hash_hs(kpak, id, id_len, pvt, hs))
			goto fail;
		/* 4. SSK = (KSAK + HS * v) mod q. */
		sc_from_be(&sh, hs);
		sc_from_be(&sv, v);
#ifdef CRYPTO_CTGRIND_PLANT_ECCSI
		/* Planted leak for the ctgrind test: a branch on a bit of v. */
		if (v[31] & 1)
			sc_reduce(&sv, &mod_q);
#endif
		sc_mont_mul(&sh, &sh, &mod_q.r2, &mod_q);	/* HS*R mod q */
		sc_mont_mul(&ss, &sh, &sv, &mod_q);	/* HS*v mod q */
		sc_add(&ss, &ss, &sk, &mod_q);
		/* 5. SSK = 0 (probability 1/q) is public: draw again. */
		zero = sc_is_zero(&ss);
		CT_PUBLIC(&zero, sizeof(zero));
		if (zero == 0)
			break;
	}
	if (i == ECCSI_DRAW_MAX) {
		status = CRYPTO_ERR_RANDOM;
		goto fail;
	}
	sc_to_be(secret_ssk, &ss);
	/* RFC 6507 section 5.1.2, run by the KMS before release. */
	status = check_ssk(kpak, secret_ssk, pvt, hs);
 fail:
	if (status != CRYPTO_OK) {
		if (secret_ssk != NULL)
			OPENSSL_cleanse(secret_ssk, ECCSI_SCALAR_LEN);
		if (pvt != NULL)
			OPENSSL_cleanse(pvt, ECCSI_POINT_LEN);
		if (hs != NULL)
			OPENSSL_cleanse(hs, ECCSI_HASH_LEN);
	}
	/* wipe: */
	OPENSSL_cleanse(v, sizeof(v));
	OPENSSL_cleanse(&sk, sizeof(sk));
	OPENSSL_cleanse(&sv, sizeof(sv));
	OPENSSL_cleanse(&ss, sizeof(ss));
	return status;
}

/*
 * see crypto.h
 *
 * RFC 6507 section 5.1.2: PVT on the curve (and not O), HS recomputed,
 * KPAK = [SSK]G - [HS]PVT, checked as [SSK]G = KPAK + [HS]PVT.
 */
enum crypto_status
eccsi_ssk_validate(const uint8_t kpak[ECCSI_POINT_LEN], const uint8_t *id,
    size_t id_len, const uint8_t secret_ssk[ECCSI_SCALAR_LEN],
    const uint8_t pvt[ECCSI_POINT_LEN], uint8_t hs[ECCSI_HASH_LEN])
{
	uint8_t			 h[ECCSI_HASH_LEN];
	enum crypto_status	 status = CRYPTO_ERR_ARGS;

	if (kpak == NULL || pvt == NULL || secret_ssk == NULL ||
	    (id == NULL && id_len > 0))
		goto fail;
	status = CRYPTO_ERR_VERIFY;
	if (!crypto_ct_in_range(secret_ssk, eccsi_q, ECCSI_SCALAR_LEN))
		goto fail;
	status = CRYPTO_ERR_POINT;
	if (!eccsi_point_is_valid(kpak) || !eccsi_point_is_valid(pvt))
		goto fail;
	status = CRYPTO_ERR_GENERAL;
	if (!hash_hs(kpak, id, id_len, pvt, h))
		goto fail;
	status = check_ssk(kpak, secret_ssk, pvt, h);
	if (status == CRYPTO_OK && hs != NULL)
		memcpy(hs, h, sizeof(h));
 fail:
	return status;
}

/*
 * see crypto.h
 *
 * RFC 6507 section 5.2.1:
 *   1. j random in [1, q-1];  2. J = [j]G, r = Jx (not reduced mod q);
 *   3. HE = hash(HS || r || M);  4. require (HE + r*SSK) mod q != 0;
 *   5. s' = ((HE + r*SSK)^-1 * j) mod q;  6. s = s' (s' < q < 2^256
 *      always fits N = 32 octets on P-256, so q - s' is never needed);
 *   7. SIG = r || s || PVT.
 */
enum crypto_status
eccsi_sign(const uint8_t secret_ssk[ECCSI_SCALAR_LEN],
    const uint8_t pvt[ECCSI_POINT_LEN], const uint8_t hs[ECCSI_HASH_LEN],
    const uint8_t *msg, size_t msg_len, crypto_rand_fn rnd, void *rnd_arg,
    uint8_t sig[ECCSI_SIG_LEN])
{
	enum crypto_status	 status = CRYPTO_ERR_ARGS;
	EVP_MD_CTX		*md = NULL;
	uint8_t			 j[ECCSI_SCALAR_LEN], jp[ECCSI_POINT_LEN];
	uint8_t			 he[ECCSI_HASH_LEN];
	struct sc		 sk, sj, sr, su, sh;
	uint64_t		 zero;
	bool			 ok;
	int			 i;

	memset(j, 0, sizeof(j));
	memset(&sk, 0, sizeof(sk));
	memset(&sj, 0, sizeof(sj));
	memset(&su, 0, sizeof(su));
	if (secret_ssk == NULL || pvt == NULL || hs == NULL || rnd == NULL ||
	    sig == NULL || (msg == NULL && msg_len > 0))
		goto fail;
	ok = crypto_ct_in_range(secret_ssk, eccsi_q, ECCSI_SCALAR_LEN);
	CT_PUBLIC(&ok, sizeof(ok));
	if (!ok)
		goto fail;
	status = CRYPTO_ERR_GENERAL;
	if ((md = EVP_MD_CTX_new()) == NULL)
		goto fail;
	sc_from_be(&sk, secret_ssk);
	for (i = 0; i < ECCSI_DRAW_MAX; i++) {
		status = CRYPTO_ERR_RANDOM;
		if (!draw_scalar(rnd, rnd_arg, j))
			goto fail;
		status = CRYPTO_ERR_GENERAL;
		if (!mul_g_ct(j, jp))
			goto fail;
		CT_PUBLIC(jp, sizeof(jp));	/* r = Jx is published */
		/* r = Jx is public (it is part of the signature). */
		if (!EVP_DigestInit_ex(md, EVP_sha256(), NULL) ||
		    !EVP_DigestUpdate(md, hs, ECCSI_HASH_LEN) ||
		    !EVP_DigestUpdate(md, jp + 1, ECCSI_SCALAR_LEN) ||
		    (msg_len > 0 && !EVP_DigestUpdate(md, msg, msg_len)) ||
		    !EVP_DigestFinal_ex(md, he, NULL))
			goto fail;
		sc_from_be(&sr, jp + 1);
		sc_from_be(&sh, he);
		sc_reduce(&sh, &mod_q);			/* HE mod q */
		sc_mont_mul(&sr, &sr, &mod_q.r2, &mod_q);	/* r*R mod q */
		sc_mont_mul(&su, &sr, &sk, &mod_q);	/* r*SSK mod q */
		sc_add(&su, &su, &sh, &mod_q);		/* HE + r*SSK */
		zero = sc_is_zero(&su);
		CT_PUBLIC(&zero, sizeof(zero));
		if (zero == 0)
			break;
	}
	if (i == ECCSI_DRAW_MAX) {
		status = CRYPTO_ERR_RANDOM;
		goto fail;
	}
	sc_mont_mul(&su, &su, &mod_q.r2, &mod_q);	/* to Montgomery */
	sc_inv(&su, &su, &mod_q);		/* (HE + r*SSK)^-1 * R */
	sc_from_be(&sj, j);
	sc_mont_mul(&su, &su, &sj, &mod_q);	/* s' */
	memcpy(sig, jp + 1, ECCSI_SCALAR_LEN);
	sc_to_be(sig + ECCSI_SCALAR_LEN, &su);
	memcpy(sig + 2 * ECCSI_SCALAR_LEN, pvt, ECCSI_POINT_LEN);
	CT_PUBLIC(sig, ECCSI_SIG_LEN);		/* published */
	status = CRYPTO_OK;
 fail:
	if (status != CRYPTO_OK && sig != NULL)
		OPENSSL_cleanse(sig, ECCSI_SIG_LEN);
	EVP_MD_CTX_free(md);
	/* wipe: */
	OPENSSL_cleanse(j, sizeof(j));
	OPENSSL_cleanse(&sk, sizeof(sk));
	OPENSSL_cleanse(&sj, sizeof(sj));
	OPENSSL_cleanse(&su, sizeof(su));
	return status;
}

/*
 * see crypto.h
 *
 * RFC 6507 section 5.2.2:
 *   1. PVT on the curve;  2. HS = hash(G || KPAK || ID || PVT),
 *      HE = hash(HS || r || M);  3. Y = [HS]PVT + KPAK;
 *   4. J = [s]([HE]G + [r]Y);  5. accept iff Jx = r mod p, Jx != 0.
 * Also required here: 0 < r, 0 < s < q (a zero s would give J = O).
 */
enum crypto_status
eccsi_verify(const uint8_t kpak[ECCSI_POINT_LEN], const uint8_t *id,
    size_t id_len, const uint8_t *msg, size_t msg_len,
    const uint8_t sig[ECCSI_SIG_LEN])
{
	enum crypto_status	 status = CRYPTO_ERR_ARGS;
	const EC_GROUP		*g;
	const uint8_t		*pvt;
	BN_CTX			*ctx = NULL;
	EVP_MD_CTX		*md = NULL;
	EC_POINT		*k = NULL, *v = NULL, *y = NULL, *j = NULL;
	BIGNUM			*bh, *be, *br, *bs, *bx, *bp, *one;
	uint8_t			 hs[ECCSI_HASH_LEN], he[ECCSI_HASH_LEN];
	bool			 started = false;

	if (kpak == NULL || sig == NULL || (id == NULL && id_len > 0) ||
	    (msg == NULL && msg_len > 0))
		return CRYPTO_ERR_ARGS;
	pvt = sig + 2 * ECCSI_SCALAR_LEN;
	ERR_set_mark();
	status = CRYPTO_ERR_GENERAL;
	if ((g = eccsi_group()) == NULL || (ctx = BN_CTX_new()) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL)
		goto fail;
	BN_CTX_start(ctx);
	started = true;
	bh = BN_CTX_get(ctx);
	be = BN_CTX_get(ctx);
	br = BN_CTX_get(ctx);
	bs = BN_CTX_get(ctx);
	bx = BN_CTX_get(ctx);
	bp = BN_CTX_get(ctx);
	if ((one = BN_CTX_get(ctx)) == NULL || !BN_one(one))
		goto fail;
	status = CRYPTO_ERR_POINT;
	if ((k = crypto_point_decode(g, kpak, ECCSI_SCALAR_LEN, eccsi_p,
	    ctx)) == NULL || EC_POINT_is_at_infinity(g, k) ||
	    (v = crypto_point_decode(g, pvt, ECCSI_SCALAR_LEN, eccsi_p,
	    ctx)) == NULL || EC_POINT_is_at_infinity(g, v))
		goto fail;
	status = CRYPTO_ERR_VERIFY;
	if (!crypto_ct_in_range(sig + ECCSI_SCALAR_LEN, eccsi_q,
	    ECCSI_SCALAR_LEN))
		goto fail;
	status = CRYPTO_ERR_GENERAL;
	if (!hash_hs(kpak, id, id_len, pvt, hs))
		goto fail;
	if (!EVP_DigestInit_ex(md, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(md, hs, sizeof(hs)) ||
	    !EVP_DigestUpdate(md, sig, ECCSI_SCALAR_LEN) ||
	    (msg_len > 0 && !EVP_DigestUpdate(md, msg, msg_len)) ||
	    !EVP_DigestFinal_ex(md, he, NULL))
		goto fail;
	if (BN_bin2bn(hs, sizeof(hs), bh) == NULL ||
	    BN_bin2bn(he, sizeof(he), be) == NULL ||
	    BN_bin2bn(sig, ECCSI_SCALAR_LEN, br) == NULL ||
	    BN_bin2bn(sig + ECCSI_SCALAR_LEN, ECCSI_SCALAR_LEN, bs) == NULL ||
	    BN_bin2bn(eccsi_p, ECCSI_SCALAR_LEN, bp) == NULL)
		goto fail;
	if ((y = EC_POINT_new(g)) == NULL || (j = EC_POINT_new(g)) == NULL)
		goto fail;
	/* Y = [HS]PVT + KPAK. */
	{
		const EC_POINT	*pts[2] = { v, k };
		const BIGNUM	*scs[2] = { bh, one };

		if (!EC_POINTs_mul(g, y, NULL, 2, pts, scs, ctx))
			goto fail;
	}
	/* J = [s]([HE]G + [r]Y). */
	if (!EC_POINT_mul(g, j, be, y, br, ctx) ||
	    !EC_POINT_mul(g, j, NULL, j, bs, ctx))
		goto fail;
	status = CRYPTO_ERR_VERIFY;
	if (EC_POINT_is_at_infinity(g, j))
		goto fail;
	if (!EC_POINT_get_affine_coordinates(g, j, bx, NULL, ctx)) {
		status = CRYPTO_ERR_GENERAL;
		goto fail;
	}
	/* Jx = r (mod p) and Jx != 0 mod p; Jx < p already. */
	if (!BN_nnmod(br, br, bp, ctx)) {
		status = CRYPTO_ERR_GENERAL;
		goto fail;
	}
	if (BN_is_zero(bx) || BN_cmp(bx, br) != 0)
		goto fail;
	status = CRYPTO_OK;
 fail:
	if (started)
		BN_CTX_end(ctx);
	EC_POINT_free(j);
	EC_POINT_free(y);
	EC_POINT_free(v);
	EC_POINT_free(k);
	EVP_MD_CTX_free(md);
	BN_CTX_free(ctx);
	ERR_pop_to_mark();
	return status;
}
