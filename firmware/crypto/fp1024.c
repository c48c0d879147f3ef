/*
 * fp1024.c - fixed-width constant-time Montgomery arithmetic modulo the
 * SAKKE field prime p (1024 bits) and the group order q (1022 bits) of
 * RFC 6509 parameter set 1, 16 limbs of 64 bits, R = 2^1024.
 *
 * Secrets: every operand of every function here may be secret (z_S,
 * t = b + z_S, t^-1, the coordinates of Z_S and of an RSK and their
 * intermediates).  So:
 *   - loops run a fixed number of times (FP_LIMBS), never data-dependent;
 *   - no branch and no memory index depends on a limb value: conditional
 *     results are chosen with the masks of crypto_local.h (CT_MUX64,
 *     ct_ccopy), carries are propagated arithmetically;
 *   - only the exponent of mont_pow is public (it is p - 2 or q - 2): its
 *     bits choose table entries and branches, the base never does.
 * The products use unsigned __int128 (GCC/Clang on 64-bit targets), which
 * compiles to the constant-time MUL instruction on x86-64 and AArch64.
 */
#include <string.h>

#include "crypto_local.h"

typedef unsigned __int128 u128;

/*
 * The moduli (RFC 6509 Appendix A; q = (p + 1) / 4), little-endian limbs,
 * with R mod n, R^2 mod n and n0 = -n^-1 mod 2^64.  The derived values
 * were computed with Python integers; every RFC 6508 vector and the
 * differential tests against OpenSSL in tests/unit/crypto depend on them.
 */
const struct mont_mod sakke_mp = {
	.mm_n = {
		0x666d807afea85febULL, 0x80c5df10ac7ace87ULL,
		0xfce3e82389857db0ULL, 0x9f94d6af56971f1fULL,
		0xa7cf3c521c3c09aaULL, 0xb6aff4a831852a82ULL,
		0x512ac5cd65681ce1ULL, 0xe26c6487326b4cd4ULL,
		0x356d27f4a666a6d0ULL, 0xe791b39ff7c88a19ULL,
		0x228730d531a59cb0ULL, 0xf40aab27e2fc0f1bULL,
		0xbe9ae358b3e01a2eULL, 0x416c0ce19cb48261ULL,
		0x65c61198dad0657aULL, 0x997abb1f0a563fdaULL,
	},
	.mm_one = {
		0x99927f850157a015ULL, 0x7f3a20ef53853178ULL,
		0x031c17dc767a824fULL, 0x606b2950a968e0e0ULL,
		0x5830c3ade3c3f655ULL, 0x49500b57ce7ad57dULL,
		0xaed53a329a97e31eULL, 0x1d939b78cd94b32bULL,
		0xca92d80b5999592fULL, 0x186e4c60083775e6ULL,
		0xdd78cf2ace5a634fULL, 0x0bf554d81d03f0e4ULL,
		0x41651ca74c1fe5d1ULL, 0xbe93f31e634b7d9eULL,
		0x9a39ee67252f9a85ULL, 0x668544e0f5a9c025ULL,
	},
	.mm_r2 = {
		0xe199c8ceed17b0a1ULL, 0x7ffd8b4be3620f7fULL,
		0xca865d5f4f76e245ULL, 0x623ff8dc27ecf5cbULL,
		0x229900e1d19bb697ULL, 0xed6aef26ea40c71fULL,
		0xa3aed42cc906365cULL, 0x17d461b69eab6451ULL,
		0x2009367d7d666da9ULL, 0x8bcad1dcb63c1d56ULL,
		0x5a126231c31a92dcULL, 0x5fb41b0eb8d94c5bULL,
		0xc113d394843f623cULL, 0x5d8d8e74f159f1ebULL,
		0xae4ba7edb5d48c14ULL, 0x191640b9698af16aULL,
	},
	.mm_n0 = 0x290420077c8f2f3dULL,
};

const struct mont_mod sakke_mq = {
	.mm_n = {
		0xd99b601ebfaa17fbULL, 0x203177c42b1eb3a1ULL,
		0xff38fa08e2615f6cULL, 0xa7e535abd5a5c7c7ULL,
		0xa9f3cf14870f026aULL, 0x6dabfd2a0c614aa0ULL,
		0x144ab173595a0738ULL, 0x389b1921cc9ad335ULL,
		0x4d5b49fd2999a9b4ULL, 0x39e46ce7fdf22286ULL,
		0xc8a1cc354c69672cULL, 0xbd02aac9f8bf03c6ULL,
		0x6fa6b8d62cf8068bULL, 0x905b0338672d2098ULL,
		0x9971846636b4195eULL, 0x265eaec7c2958ff6ULL,
	},
	.mm_one = {
		0xe65bbf478203701eULL, 0x3ed73166fd47ca34ULL,
		0x04aa23cab1b7c377ULL, 0x10a0bdf8fe1d5150ULL,
		0x04492584d5a5f180ULL, 0x6df81103b5b8403cULL,
		0x863fd74be7e3d4adULL, 0xac5d6935345f0cc1ULL,
		0x2fdc4411066605c6ULL, 0xa4a572900c5330daULL,
		0x4c3536c0358794f6ULL, 0x91efff442b85e957ULL,
		0x6217aafaf22fd8b9ULL, 0x9dddecad94f13c6dULL,
		0x6756e59ab7c767c8ULL, 0x19c7e751707ea038ULL,
	},
	.mm_r2 = {
		0xda18351aab65130dULL, 0x53d2a86ff2ea3168ULL,
		0x9cf2730004b7e984ULL, 0x7df33bab26caacf6ULL,
		0xbd9ffef9a4e7d523ULL, 0xe4baf1d588717ce0ULL,
		0x24b1bbc4bc93533aULL, 0x9ad2dc261db57a34ULL,
		0x422970b3838d8f48ULL, 0x890491f5401df1e3ULL,
		0xf3d2a16bbcb013beULL, 0x9b9de76d5595e10bULL,
		0x58d7c6f9f724bb45ULL, 0xb2074f8f97cac807ULL,
		0x76271e07c569cadcULL, 0x14274810a10f335fULL,
	},
	.mm_n0 = 0xb8a1d17d46eaa4cdULL,
};

/*
 * The three-limb accumulator (hi:acc) of product scanning.  MULADD adds
 * the 128-bit product x*y; the carry out of the 128-bit part is
 * (acc < product) after the addition, added to hi without a branch.
 */
#define MULADD(x, y) do {						\
	u128	pr_ = (u128)(x) * (y);					\
	acc += pr_;							\
	hi += (uint64_t)(acc < pr_);					\
} while (0)

/* Shifts the accumulator right by one limb. */
#define SHIFT() do {							\
	acc = (acc >> 64) | ((u128)hi << 64);				\
	hi = 0;								\
} while (0)

static void	mont_reduce_final(uint64_t *, uint64_t, const uint64_t *,
		    const uint64_t *);

/*
 * r = (top:x) - n if (top:x) >= n, else x; x < 2n.  The subtraction is
 * always done, and the result chosen with a mask.
 */
static void
mont_reduce_final(uint64_t *r, uint64_t top, const uint64_t *x,
    const uint64_t *n)
{
	uint64_t	 d[FP_LIMBS];
	uint64_t	 borrow;

	borrow = ct_sub(d, x, n);
	/* (top:x) >= n iff top is set or x - n did not borrow. */
	memmove(r, x, sizeof(d));
	ct_ccopy(top | (borrow ^ 1), r, d);
}

/*
 * see crypto_local.h
 *
 * Finely Integrated Product Scanning (Koc, Acar, Kaliski 1996): column k
 * of a*b and of t*n are summed together, t_k = acc * n0 mod 2^64 zeroes
 * the low limb for k < 16, and columns 16..31 are the result.  The loop
 * bounds depend on the column number only.
 */
void
mont_mul(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
    const uint64_t b[FP_LIMBS], const struct mont_mod *m)
{
	const uint64_t	*n = m->mm_n;
	uint64_t	 t[FP_LIMBS], x[FP_LIMBS];
	uint64_t	 hi = 0;
	u128		 acc = 0;
	int		 i, j;

	for (i = 0; i < FP_LIMBS; i++) {
		for (j = 0; j < i; j++) {
			MULADD(a[j], b[i - j]);
			MULADD(t[j], n[i - j]);
		}
		MULADD(a[i], b[0]);
		t[i] = (uint64_t)acc * m->mm_n0;
		MULADD(t[i], n[0]);
		SHIFT();
	}
	for (i = FP_LIMBS; i < 2 * FP_LIMBS - 1; i++) {
		for (j = i - FP_LIMBS + 1; j < FP_LIMBS; j++) {
			MULADD(a[j], b[i - j]);
			MULADD(t[j], n[i - j]);
		}
		x[i - FP_LIMBS] = (uint64_t)acc;
		SHIFT();
	}
	x[FP_LIMBS - 1] = (uint64_t)acc;
	mont_reduce_final(r, (uint64_t)(acc >> 64), x, n);
}

/*
 * see crypto_local.h
 *
 * As mont_mul, with column k of a*a computed as twice the sum of
 * a_j a_(k-j) for j < k - j, plus a_(k/2)^2 for even k: 136 products
 * instead of 256 for the square itself.
 */
void
mont_sqr(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
    const struct mont_mod *m)
{
	const uint64_t	*n = m->mm_n;
	uint64_t	 t[FP_LIMBS], x[FP_LIMBS];
	uint64_t	 hi = 0, chi, c;
	u128		 acc = 0, cr, pr;
	int		 i, j, lo;

	for (i = 0; i < 2 * FP_LIMBS - 1; i++) {
		/* Cross products of column i, doubled. */
		cr = 0;
		chi = 0;
		lo = i < FP_LIMBS ? 0 : i - FP_LIMBS + 1;
		for (j = lo; j < i - j; j++) {
			pr = (u128)a[j] * a[i - j];
			cr += pr;
			chi += (uint64_t)(cr < pr);
		}
		chi = (chi << 1) | (uint64_t)(cr >> 127);
		cr <<= 1;
		if ((i & 1) == 0) {
			pr = (u128)a[i / 2] * a[i / 2];
			cr += pr;
			chi += (uint64_t)(cr < pr);
		}
		acc += cr;
		hi += chi + (uint64_t)(acc < cr);
		/* Reduction products of column i. */
		if (i < FP_LIMBS) {
			for (j = 0; j < i; j++)
				MULADD(t[j], n[i - j]);
			t[i] = (uint64_t)acc * m->mm_n0;
			MULADD(t[i], n[0]);
			SHIFT();
		} else {
			for (j = i - FP_LIMBS + 1; j < FP_LIMBS; j++)
				MULADD(t[j], n[i - j]);
			x[i - FP_LIMBS] = (uint64_t)acc;
			SHIFT();
		}
	}
	x[FP_LIMBS - 1] = (uint64_t)acc;
	c = (uint64_t)(acc >> 64);
	mont_reduce_final(r, c, x, n);
}

/* see crypto_local.h */
uint64_t
ct_add(uint64_t *r, const uint64_t *a, const uint64_t *b)
{
	u128		 s;
	uint64_t	 c = 0;
	int		 i;

	for (i = 0; i < FP_LIMBS; i++) {
		s = (u128)a[i] + b[i] + c;
		r[i] = (uint64_t)s;
		c = (uint64_t)(s >> 64);
	}
	return c;
}

/* see crypto_local.h */
uint64_t
ct_sub(uint64_t *r, const uint64_t *a, const uint64_t *b)
{
	u128		 s;
	uint64_t	 borrow = 0;
	int		 i;

	for (i = 0; i < FP_LIMBS; i++) {
		s = (u128)a[i] - b[i] - borrow;
		r[i] = (uint64_t)s;
		/* A borrow makes the 128-bit difference wrap: top bit set. */
		borrow = (uint64_t)(s >> 127);
	}
	return borrow;
}

/* see crypto_local.h */
void
mont_add(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
    const uint64_t b[FP_LIMBS], const struct mont_mod *m)
{
	uint64_t	 s[FP_LIMBS];
	uint64_t	 c;

	c = ct_add(s, a, b);
	mont_reduce_final(r, c, s, m->mm_n);
}

/* see crypto_local.h */
void
mont_sub(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
    const uint64_t b[FP_LIMBS], const struct mont_mod *m)
{
	uint64_t	 d[FP_LIMBS], e[FP_LIMBS];
	uint64_t	 borrow;

	borrow = ct_sub(d, a, b);
	/* On a borrow, a - b + 2^1024 is in range after adding n. */
	(void)ct_add(e, d, m->mm_n);
	ct_ccopy(borrow, d, e);
	memcpy(r, d, sizeof(d));
}

/* see crypto_local.h */
void
mont_neg(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
    const struct mont_mod *m)
{
	static const uint64_t	 zero[FP_LIMBS];

	mont_sub(r, zero, a, m);
}

/* see crypto_local.h */
void
mont_to(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
    const struct mont_mod *m)
{
	mont_mul(r, a, m->mm_r2, m);
}

/* see crypto_local.h */
void
mont_from(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
    const struct mont_mod *m)
{
	static const uint64_t	 one[FP_LIMBS] = { 1 };

	mont_mul(r, a, one, m);
}

/*
 * see crypto_local.h
 *
 * Left-to-right sliding window of MONT_POW_W bits over the public
 * exponent e, with the odd powers a, a^3, ..., a^(2^W - 1) precomputed.
 * Which entry is used and whether a multiplication happens depend on the
 * bits of e only.
 */
#define MONT_POW_W	5
void
mont_pow(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
    const uint64_t e[FP_LIMBS], const struct mont_mod *m)
{
	uint64_t	 tbl[1 << (MONT_POW_W - 1)][FP_LIMBS];
	uint64_t	 acc[FP_LIMBS], a2[FP_LIMBS];
	unsigned int	 win;
	int		 i, j, k, started = 0;

	memcpy(tbl[0], a, sizeof(tbl[0]));
	mont_sqr(a2, a, m);
	for (i = 1; i < (1 << (MONT_POW_W - 1)); i++)
		mont_mul(tbl[i], tbl[i - 1], a2, m);
	memcpy(acc, m->mm_one, sizeof(acc));

	/* Public exponent: branches on its bits are allowed. */
	for (i = FP_LIMBS * 64 - 1; i >= 0;) {
		if (((e[i / 64] >> (i % 64)) & 1) == 0) {
			if (started)
				mont_sqr(acc, acc, m);
			i--;
			continue;
		}
		/* Longest window e[i..k] of at most W bits ending in a 1. */
		k = i - MONT_POW_W + 1;
		if (k < 0)
			k = 0;
		while (((e[k / 64] >> (k % 64)) & 1) == 0)
			k++;
		win = 0;
		for (j = i; j >= k; j--) {
			win = (win << 1) | ((e[j / 64] >> (j % 64)) & 1);
			if (started)
				mont_sqr(acc, acc, m);
		}
		if (started)
			mont_mul(acc, acc, tbl[win >> 1], m);
		else
			memcpy(acc, tbl[win >> 1], sizeof(acc));
		started = 1;
		i = k - 1;
	}
	memcpy(r, acc, sizeof(acc));
	/* wipe: powers of a secret base */
	ct_wipe(tbl, sizeof(tbl));
	ct_wipe(acc, sizeof(acc));
	ct_wipe(a2, sizeof(a2));
}

/*
 * see crypto_local.h
 *
 * Fermat: a^(n - 2) = a^-1 for prime n and a != 0 (a = 0 gives 0).
 */
void
mont_inv_fermat(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
    const struct mont_mod *m)
{
	static const uint64_t	 two[FP_LIMBS] = { 2 };
	uint64_t		 e[FP_LIMBS];

	(void)ct_sub(e, m->mm_n, two);
	mont_pow(r, a, e, m);
}

/*
 * Constant-time inversion by Bernstein and Yang's divsteps ("Fast
 * constant-time gcd computation and modular inversion", TCHES 2019),
 * in the form of libsecp256k1's modinv64 (signed 62-bit limbs, batches
 * of 62 divsteps on the low limbs, then the 2x2 transition matrix is
 * applied to the full f, g and to d, e mod n), widened to 1024 bits.
 * The number of divsteps is fixed: SG_BATCHES * 62 = 2976, above the
 * paper's bound floor((49 d + 57) / 17) = 2954 for d = 1024 (Theorem
 * 11.2), after which g = 0 and f = +-1 for every invertible input.  No
 * step branches on a value: the swap and the additions are masked.
 */
#define SG_LIMBS	17		/* 17 * 62 = 1054 bits, with sign */
#define SG_BATCHES	48
#define SG_M62		(UINT64_MAX >> 2)

static void	sg_to62(int64_t *, const uint64_t *);
static void	sg_from62(uint64_t *, const int64_t *);
static int64_t	sg_divsteps(int64_t, uint64_t, uint64_t, int64_t *);
static void	sg_update_fg(int64_t *, int64_t *, const int64_t *);
static void	sg_update_de(int64_t *, int64_t *, const int64_t *,
		    const int64_t *, uint64_t);
static void	sg_normalize(int64_t *, int64_t, const int64_t *);

/* 1024-bit limbs to signed-62 limbs (non-negative input). */
static void
sg_to62(int64_t *r, const uint64_t *a)
{
	int	 i, bit, w, o;
	uint64_t x;

	for (i = 0; i < SG_LIMBS; i++) {
		bit = 62 * i;
		w = bit / 64;
		o = bit % 64;
		x = w < FP_LIMBS ? a[w] >> o : 0;
		if (o > 2 && w + 1 < FP_LIMBS)
			x |= a[w + 1] << (64 - o);
		r[i] = (int64_t)(x & SG_M62);
	}
}

/* Signed-62 limbs in [0, 2^62) with a value < 2^1024 back to 64 bits. */
static void
sg_from62(uint64_t *r, const int64_t *a)
{
	int	 i, bit, w, o;

	memset(r, 0, FP_LIMBS * sizeof(uint64_t));
	for (i = 0; i < SG_LIMBS; i++) {
		bit = 62 * i;
		w = bit / 64;
		o = bit % 64;
		if (w < FP_LIMBS)
			r[w] |= (uint64_t)a[i] << o;
		if (o > 2 && w + 1 < FP_LIMBS)
			r[w + 1] |= (uint64_t)a[i] >> (64 - o);
	}
}

/*
 * 62 divsteps on the low limbs f0 (odd), g0 with delta; t = (u, v, q, r)
 * with [f, g] * 2^62 = [[u, v], [q, r]] [f0, g0].  One divstep:
 * if delta > 0 and g odd: (delta, f, g) <- (1 - delta, g, (g - f) / 2),
 * else (1 + delta, f, (g + (g mod 2) f) / 2).
 */
static int64_t
sg_divsteps(int64_t delta, uint64_t f, uint64_t g, int64_t *t)
{
	uint64_t	 u = 1, v = 0, q = 0, r = 1, odd, sw, x;
	int		 i;

	for (i = 0; i < 62; i++) {
		odd = 0 - (g & 1);
		/* delta > 0 iff -delta is negative. */
		sw = (uint64_t)((0 - delta) >> 63) & odd;
		x = (f ^ g) & sw;
		f ^= x;
		g ^= x;
		x = (u ^ q) & sw;
		u ^= x;
		q ^= x;
		x = (v ^ r) & sw;
		v ^= x;
		r ^= x;
		g = (g ^ sw) - sw;
		q = (q ^ sw) - sw;
		r = (r ^ sw) - sw;
		delta = (delta ^ (int64_t)sw) - (int64_t)sw + 1;
		g += f & odd;
		q += u & odd;
		r += v & odd;
		g >>= 1;
		u <<= 1;
		v <<= 1;
	}
	t[0] = (int64_t)u;
	t[1] = (int64_t)v;
	t[2] = (int64_t)q;
	t[3] = (int64_t)r;
	return delta;
}

/* [f, g] <- t [f, g] / 2^62 (exact). */
static void
sg_update_fg(int64_t *f, int64_t *g, const int64_t *t)
{
	__int128	 cf, cg;
	int		 i;

	cf = (__int128)t[0] * f[0] + (__int128)t[1] * g[0];
	cg = (__int128)t[2] * f[0] + (__int128)t[3] * g[0];
	cf >>= 62;
	cg >>= 62;
	for (i = 1; i < SG_LIMBS; i++) {
		cf += (__int128)t[0] * f[i] + (__int128)t[1] * g[i];
		cg += (__int128)t[2] * f[i] + (__int128)t[3] * g[i];
		f[i - 1] = (int64_t)((uint64_t)cf & SG_M62);
		g[i - 1] = (int64_t)((uint64_t)cg & SG_M62);
		cf >>= 62;
		cg >>= 62;
	}
	f[SG_LIMBS - 1] = (int64_t)cf;
	g[SG_LIMBS - 1] = (int64_t)cg;
}

/*
 * [d, e] <- (t [d, e] + n [md, me]) / 2^62 with md, me chosen so that the
 * division is exact; d, e stay in (-2n, n) (libsecp256k1's
 * update_de_62 argument).
 */
static void
sg_update_de(int64_t *d, int64_t *e, const int64_t *t, const int64_t *n,
    uint64_t ninv62)
{
	int64_t		 sd, se, md, me;
	__int128	 cd, ce;
	int		 i;

	sd = d[SG_LIMBS - 1] >> 63;
	se = e[SG_LIMBS - 1] >> 63;
	md = (t[0] & sd) + (t[1] & se);
	me = (t[2] & sd) + (t[3] & se);
	cd = (__int128)t[0] * d[0] + (__int128)t[1] * e[0];
	ce = (__int128)t[2] * d[0] + (__int128)t[3] * e[0];
	md -= (int64_t)((ninv62 * (uint64_t)cd + (uint64_t)md) & SG_M62);
	me -= (int64_t)((ninv62 * (uint64_t)ce + (uint64_t)me) & SG_M62);
	cd += (__int128)n[0] * md;
	ce += (__int128)n[0] * me;
	cd >>= 62;
	ce >>= 62;
	for (i = 1; i < SG_LIMBS; i++) {
		cd += (__int128)t[0] * d[i] + (__int128)t[1] * e[i] +
		    (__int128)n[i] * md;
		ce += (__int128)t[2] * d[i] + (__int128)t[3] * e[i] +
		    (__int128)n[i] * me;
		d[i - 1] = (int64_t)((uint64_t)cd & SG_M62);
		e[i - 1] = (int64_t)((uint64_t)ce & SG_M62);
		cd >>= 62;
		ce >>= 62;
	}
	d[SG_LIMBS - 1] = (int64_t)cd;
	e[SG_LIMBS - 1] = (int64_t)ce;
}

/* d in (-2n, n), times the sign of f, into [0, n); masked. */
static void
sg_normalize(int64_t *d, int64_t sign, const int64_t *n)
{
	int64_t		 c;
	int		 i, k;

	for (k = 0; k < 2; k++) {
		c = d[SG_LIMBS - 1] >> 63;
		for (i = 0; i < SG_LIMBS; i++)
			d[i] += n[i] & c;
		if (k == 0) {
			c = sign >> 63;
			for (i = 0; i < SG_LIMBS; i++)
				d[i] = (d[i] ^ c) - c;
		}
		for (i = 0; i < SG_LIMBS - 1; i++) {
			d[i + 1] += d[i] >> 62;
			d[i] &= (int64_t)SG_M62;
		}
	}
}

/*
 * see crypto_local.h
 *
 * x = aR is inverted as a plain integer: (aR)^-1 = a^-1 R^-1, and one
 * Montgomery product with R^3 gives a^-1 R.  a = 0 gives 0.
 */
void
mont_inv(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS],
    const struct mont_mod *m)
{
	int64_t		 f[SG_LIMBS], g[SG_LIMBS], d[SG_LIMBS], e[SG_LIMBS];
	int64_t		 n[SG_LIMBS], t[4], delta = 1;
	uint64_t	 x[FP_LIMBS], r3[FP_LIMBS], ninv62;
	int		 i;

	sg_to62(n, m->mm_n);
	memcpy(f, n, sizeof(f));
	sg_to62(g, a);
	memset(d, 0, sizeof(d));
	memset(e, 0, sizeof(e));
	e[0] = 1;
	ninv62 = (0 - m->mm_n0) & SG_M62;	/* n^-1 mod 2^62 */
	for (i = 0; i < SG_BATCHES; i++) {
		delta = sg_divsteps(delta, (uint64_t)f[0], (uint64_t)g[0], t);
		sg_update_de(d, e, t, n, ninv62);
		sg_update_fg(f, g, t);
	}
	sg_normalize(d, f[SG_LIMBS - 1], n);
	sg_from62(x, d);
	mont_mul(r3, m->mm_r2, m->mm_r2, m);	/* R^3 mod n */
	mont_mul(r, x, r3, m);
	/* wipe: the secret's gcd state */
	ct_wipe(f, sizeof(f));
	ct_wipe(g, sizeof(g));
	ct_wipe(d, sizeof(d));
	ct_wipe(e, sizeof(e));
	ct_wipe(t, sizeof(t));
	ct_wipe(x, sizeof(x));
}

/* see crypto_local.h */
void
ct_ccopy(uint64_t ctl, uint64_t *dst, const uint64_t *src)
{
	uint64_t	 mask = -ctl;
	int		 i;

	for (i = 0; i < FP_LIMBS; i++)
		dst[i] ^= mask & (dst[i] ^ src[i]);
}

/* see crypto_local.h */
void
ct_cswap(uint64_t ctl, uint64_t *a, uint64_t *b)
{
	uint64_t	 mask = -ctl, d;
	int		 i;

	for (i = 0; i < FP_LIMBS; i++) {
		d = mask & (a[i] ^ b[i]);
		a[i] ^= d;
		b[i] ^= d;
	}
}

/* see crypto_local.h */
uint64_t
ct_is_zero(const uint64_t *a)
{
	uint64_t	 z = 0;
	int		 i;

	for (i = 0; i < FP_LIMBS; i++)
		z |= a[i];
	return CT_EQ0(z);
}

/* see crypto_local.h */
uint64_t
ct_eq(const uint64_t *a, const uint64_t *b)
{
	uint64_t	 z = 0;
	int		 i;

	for (i = 0; i < FP_LIMBS; i++)
		z |= a[i] ^ b[i];
	return CT_EQ0(z);
}

/* see crypto_local.h */
uint64_t
ct_lt(const uint64_t *a, const uint64_t *b)
{
	uint64_t	 d[FP_LIMBS];

	return ct_sub(d, a, b);
}

/* see crypto_local.h */
void
ct_from_bytes(uint64_t r[FP_LIMBS], const uint8_t *be, size_t len)
{
	size_t		 i;

	memset(r, 0, FP_LIMBS * sizeof(uint64_t));
	for (i = 0; i < len && i < FP_LIMBS * 8; i++)
		r[i / 8] |= (uint64_t)be[len - 1 - i] << (8 * (i % 8));
}

/* see crypto_local.h */
void
ct_to_bytes(uint8_t be[FP_LIMBS * 8], const uint64_t a[FP_LIMBS])
{
	int		 i;

	for (i = 0; i < FP_LIMBS * 8; i++)
		be[FP_LIMBS * 8 - 1 - i] = (uint8_t)(a[i / 8] >> (8 * (i % 8)));
}

/* see crypto_local.h */
void
ct_wipe(void *p, size_t len)
{
	volatile uint8_t	*v = p;

	while (len-- > 0)
		*v++ = 0;
}
