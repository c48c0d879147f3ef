/*
 * kms-bench - prints the cost of the KMS's operations, one line each:
 * name, ms per operation, operations per second.
 *
 * Usage: kms-bench crypto [-x SCALE]
 *
 * "crypto" runs the firmware/crypto operations and, in the same run, the
 * OpenSSL-EC references on the same curve (shared/notes/performance.md:
 * compare ratios measured in one run).  Iteration counts are fixed per
 * entry so that the whole run stays within a few seconds; -x multiplies
 * them (e.g. -x 10 for steadier figures).  Nothing is pinned: use
 * `taskset -c N kms-bench crypto` to pin.
 *
 * To add an operation, write a setup function (optional, fills the
 * shared fixture) and a run function (one operation, returns 0 on
 * success), and add a line to bench_crypto[].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/rand.h>

#include "bench_local.h"
#include "crypto.h"

/* Inputs shared by the entries, prepared once. */
struct fixture {
	uint8_t		 z[SAKKE_SCALAR_LEN];	/* z_S (random) */
	uint8_t		 zs[SAKKE_POINT_LEN];	/* Z_S */
	uint8_t		 id[32];		/* a UID-sized identity */
	uint8_t		 rsk[SAKKE_RSK_LEN];
	uint8_t		 ssv[SAKKE_SSV_LEN];
	uint8_t		 sed[SAKKE_SED_LEN];
	/* OpenSSL reference */
	EC_GROUP	*ossl_ct;	/* generator set: constant-time ladder */
	EC_GROUP	*ossl_vt;	/* no generator: wNAF, variable time */
	EC_POINT	*ossl_p;	/* P on ossl_vt */
	BIGNUM		*q, *zbn, *bbn;
	BN_CTX		*ctx;
};

struct bench {
	const char	*b_name;
	int		 b_iters;	/* before -x */
	int		(*b_run)(struct fixture *);
};

static struct fixture	 fx;

static int	fixture_init(struct fixture *);
static int	run_rsk(struct fixture *);
static int	run_rsk_check(struct fixture *);
static int	run_rsk_validate(struct fixture *);
static int	run_pubkey(struct fixture *);
static int	run_encapsulate(struct fixture *);
static int	run_decapsulate(struct fixture *);
static int	run_pairing(struct fixture *);
static int	run_ossl_rsk(struct fixture *, EC_GROUP *, const EC_POINT *);
static int	run_ossl_rsk_ct(struct fixture *);
static int	run_ossl_rsk_vt(struct fixture *);
static double	now_ms(void);
static int	bench_crypto_run(int);
/* ECCSI and identities (docs/identities.md). */
static int	eccsi_fx_init(void);
static int	run_uid(struct fixture *);
static int	run_ssk_pvt(struct fixture *);
static int	run_ssk_validate(struct fixture *);
static int	run_eccsi_sign(struct fixture *);
static int	run_eccsi_verify(struct fixture *);
static int	run_ossl_p256_ref(struct fixture *);
static int	run_keyprov_floor(struct fixture *);

/*
 * The table.  ECCSI sign/verify, SSK/PVT and UID derivation belong here
 * too (add their lines below the SAKKE ones).
 */
static const struct bench bench_crypto[] = {
	{ "sakke_rsk (RSK derivation, ct)",	400, run_rsk },
	{ "sakke_rsk_check ([t]RSK=P, ct)",	60, run_rsk_check },
	{ "sakke_rsk_validate (pairing)",	40, run_rsk_validate },
	{ "sakke_pubkey (Z_S, ct)",		400, run_pubkey },
	{ "sakke_encapsulate",			40, run_encapsulate },
	{ "sakke_decapsulate",			30, run_decapsulate },
	{ "sakke_pairing",			40, run_pairing },
	{ "openssl_rsk_ref (EC ladder, ct)",	20, run_ossl_rsk_ct },
	{ "openssl_rsk_ref (EC wNAF, vt)",	30, run_ossl_rsk_vt },
	{ "uid_derive (33.180 F.2.1)",		20000, run_uid },
	{ "eccsi_ssk_pvt (SSK/PVT + check, ct)", 400, run_ssk_pvt },
	{ "eccsi_ssk_validate (client, ct)",	400, run_ssk_validate },
	{ "eccsi_sign (600 B, ct)",		400, run_eccsi_sign },
	{ "eccsi_verify (600 B)",		400, run_eccsi_verify },
	{ "openssl_p256_ref ([k]G, nistz256)",	2000, run_ossl_p256_ref },
	{ "keyprov_floor (UID+RSK+check+SSK/PVT)", 60, run_keyprov_floor },
};

/* ECCSI inputs: a random KSAK, SSK/PVT for fx.id, a signed message. */
static struct {
	int		 ready;
	uint8_t		 ksak[ECCSI_SCALAR_LEN], kpak[ECCSI_POINT_LEN];
	uint8_t		 ssk[ECCSI_SCALAR_LEN], pvt[ECCSI_POINT_LEN];
	uint8_t		 hs[ECCSI_HASH_LEN], sig[ECCSI_SIG_LEN], msg[600];
} efx;

/* A random source for v and j: OpenSSL's DRBG, top bit clear (< q). */
static int
bench_rand(void *arg, uint8_t *out, size_t len)
{
	(void)arg;
	if (RAND_bytes(out, (int)len) != 1)
		return -1;
	out[0] &= 0x7f;
	return 0;
}

static int
eccsi_fx_init(void)
{
	if (efx.ready)
		return 0;
	if (bench_rand(NULL, efx.ksak, sizeof(efx.ksak)) != 0 ||
	    RAND_bytes(efx.msg, sizeof(efx.msg)) != 1 ||
	    eccsi_kpak(efx.ksak, efx.kpak) != CRYPTO_OK ||
	    eccsi_ssk_pvt(efx.ksak, efx.kpak, fx.id, sizeof(fx.id),
	    bench_rand, NULL, efx.ssk, efx.pvt, efx.hs) != CRYPTO_OK ||
	    eccsi_sign(efx.ssk, efx.pvt, efx.hs, efx.msg, sizeof(efx.msg),
	    bench_rand, NULL, efx.sig) != CRYPTO_OK)
		return -1;
	efx.ready = 1;
	return 0;
}

static int
run_uid(struct fixture *f)
{
	static const char	 uri[] = "sip:alice@example.org";
	static const char	 kms[] = "kms.example.org";
	uint8_t			 uid[UID_LEN];

	(void)f;
	return uid_derive((const uint8_t *)uri, sizeof(uri) - 1,
	    (const uint8_t *)kms, sizeof(kms) - 1, 2592000, 0, 1389,
	    uid) == CRYPTO_OK ? 0 : -1;
}

static int
run_ssk_pvt(struct fixture *f)
{
	if (eccsi_fx_init() != 0)
		return -1;
	return eccsi_ssk_pvt(efx.ksak, efx.kpak, f->id, sizeof(f->id),
	    bench_rand, NULL, efx.ssk, efx.pvt, efx.hs) == CRYPTO_OK ? 0 : -1;
}

/*
 * The crypto floor of one key set as kmsd's keyprov computes it: UID,
 * RSK, the RSK check before release, SSK/PVT with its check (HSM work,
 * XML and the network come on top; compare with kms-load keyprov).
 */
static int
run_keyprov_floor(struct fixture *f)
{
	return run_uid(f) || run_rsk(f) || run_rsk_check(f) ||
	    run_ssk_pvt(f);
}

static int
run_ssk_validate(struct fixture *f)
{
	if (eccsi_fx_init() != 0)
		return -1;
	return eccsi_ssk_validate(efx.kpak, f->id, sizeof(f->id), efx.ssk,
	    efx.pvt, NULL) == CRYPTO_OK ? 0 : -1;
}

static int
run_eccsi_sign(struct fixture *f)
{
	(void)f;
	if (eccsi_fx_init() != 0)
		return -1;
	return eccsi_sign(efx.ssk, efx.pvt, efx.hs, efx.msg, sizeof(efx.msg),
	    bench_rand, NULL, efx.sig) == CRYPTO_OK ? 0 : -1;
}

static int
run_eccsi_verify(struct fixture *f)
{
	if (eccsi_fx_init() != 0)
		return -1;
	return eccsi_verify(efx.kpak, f->id, sizeof(f->id), efx.msg,
	    sizeof(efx.msg), efx.sig) == CRYPTO_OK ? 0 : -1;
}

/* The reference for [v]G: OpenSSL's P-256 (eccsi_kpak uses it). */
static int
run_ossl_p256_ref(struct fixture *f)
{
	(void)f;
	if (eccsi_fx_init() != 0)
		return -1;
	return eccsi_kpak(efx.ksak, efx.kpak) == CRYPTO_OK ? 0 : -1;
}

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Random z_S < q, a random identity and SSV, and what follows. */
static int
fixture_init(struct fixture *f)
{
	BIGNUM		*p = NULL, *a = NULL, *b = NULL, *x = NULL, *y = NULL;
	EC_POINT	*gen = NULL;
	int		 ok = 0;

	if ((f->ctx = BN_CTX_new()) == NULL || (f->q = BN_new()) == NULL ||
	    (f->zbn = BN_new()) == NULL || (f->bbn = BN_new()) == NULL ||
	    (p = BN_new()) == NULL || (a = BN_new()) == NULL ||
	    (b = BN_new()) == NULL || (x = BN_new()) == NULL ||
	    (y = BN_new()) == NULL)
		goto fail;
	if (BN_bin2bn(sakke_q, SAKKE_SCALAR_LEN, f->q) == NULL ||
	    !BN_rand_range(f->zbn, f->q) || BN_is_zero(f->zbn) ||
	    BN_bn2binpad(f->zbn, f->z, SAKKE_SCALAR_LEN) != SAKKE_SCALAR_LEN ||
	    RAND_bytes(f->id, sizeof(f->id)) != 1 ||
	    RAND_bytes(f->ssv, sizeof(f->ssv)) != 1 ||
	    BN_bin2bn(f->id, sizeof(f->id), f->bbn) == NULL)
		goto fail;
	if (sakke_pubkey(f->z, f->zs) != CRYPTO_OK ||
	    sakke_rsk(f->z, f->id, sizeof(f->id), f->rsk) != CRYPTO_OK ||
	    sakke_encapsulate(f->ssv, f->id, sizeof(f->id), f->zs,
	    f->sed) != CRYPTO_OK)
		goto fail;
	/* The same curve for OpenSSL: p = 4q - 1, a = -3, b = 0, P. */
	if (!BN_lshift(p, f->q, 2) || !BN_sub_word(p, 1) ||
	    BN_copy(a, p) == NULL || !BN_sub_word(a, 3))
		goto fail;
	BN_zero(b);
	if ((f->ossl_ct = EC_GROUP_new_curve_GFp(p, a, b, f->ctx)) == NULL ||
	    (f->ossl_vt = EC_GROUP_new_curve_GFp(p, a, b, f->ctx)) == NULL)
		goto fail;
	/* P = 04 || x || y is the Z_S of z = 1. */
	{
		uint8_t	 one[SAKKE_SCALAR_LEN] = { 0 }, pt[SAKKE_POINT_LEN];

		one[SAKKE_SCALAR_LEN - 1] = 1;
		if (sakke_pubkey(one, pt) != CRYPTO_OK ||
		    BN_bin2bn(pt + 1, SAKKE_FP_LEN, x) == NULL ||
		    BN_bin2bn(pt + 1 + SAKKE_FP_LEN, SAKKE_FP_LEN, y) == NULL)
			goto fail;
	}
	if ((gen = EC_POINT_new(f->ossl_ct)) == NULL ||
	    !EC_POINT_set_affine_coordinates(f->ossl_ct, gen, x, y, f->ctx) ||
	    !BN_set_word(b, 4) ||
	    !EC_GROUP_set_generator(f->ossl_ct, gen, f->q, b))
		goto fail;
	if ((f->ossl_p = EC_POINT_new(f->ossl_vt)) == NULL ||
	    !EC_POINT_set_affine_coordinates(f->ossl_vt, f->ossl_p, x, y,
	    f->ctx))
		goto fail;
	ok = 1;
 fail:
	EC_POINT_free(gen);
	BN_free(p);
	BN_free(a);
	BN_free(b);
	BN_free(x);
	BN_free(y);
	return ok;
}

static int
run_rsk(struct fixture *f)
{
	return sakke_rsk(f->z, f->id, sizeof(f->id), f->rsk) != CRYPTO_OK;
}

static int
run_rsk_check(struct fixture *f)
{
	return sakke_rsk_check(f->z, f->id, sizeof(f->id), f->rsk) !=
	    CRYPTO_OK;
}

static int
run_rsk_validate(struct fixture *f)
{
	return sakke_rsk_validate(f->rsk, f->id, sizeof(f->id), f->zs) !=
	    CRYPTO_OK;
}

static int
run_pubkey(struct fixture *f)
{
	return sakke_pubkey(f->z, f->zs) != CRYPTO_OK;
}

static int
run_encapsulate(struct fixture *f)
{
	return sakke_encapsulate(f->ssv, f->id, sizeof(f->id), f->zs,
	    f->sed) != CRYPTO_OK;
}

static int
run_decapsulate(struct fixture *f)
{
	uint8_t	 ssv[SAKKE_SSV_LEN];

	return sakke_decapsulate(f->sed, f->id, sizeof(f->id), f->rsk, f->zs,
	    ssv) != CRYPTO_OK || memcmp(ssv, f->ssv, sizeof(ssv)) != 0;
}

static int
run_pairing(struct fixture *f)
{
	uint8_t	 w[SAKKE_FP_LEN];

	return sakke_pairing(f->sed, f->rsk, w) != CRYPTO_OK;
}

/*
 * The OpenSSL reference RSK: t = b + z mod q, t^-1 (BN_FLG_CONSTTIME:
 * OpenSSL's branch-free inversion), [t^-1]P; on the group with the
 * generator set, EC_POINT_mul takes the constant-time ladder.
 */
static int
run_ossl_rsk(struct fixture *f, EC_GROUP *g, const EC_POINT *pt)
{
	BIGNUM		*t = BN_new();
	EC_POINT	*r = EC_POINT_new(g);
	uint8_t		 out[SAKKE_POINT_LEN];
	int		 bad = 1;

	if (t == NULL || r == NULL)
		goto fail;
	BN_set_flags(t, BN_FLG_CONSTTIME);
	if (!BN_mod_add(t, f->bbn, f->zbn, f->q, f->ctx) ||
	    BN_mod_inverse(t, t, f->q, f->ctx) == NULL)
		goto fail;
	if (!(pt == NULL ? EC_POINT_mul(g, r, t, NULL, NULL, f->ctx) :
	    EC_POINT_mul(g, r, NULL, pt, t, f->ctx)))
		goto fail;
	if (EC_POINT_point2oct(g, r, POINT_CONVERSION_UNCOMPRESSED, out,
	    sizeof(out), f->ctx) != sizeof(out))
		goto fail;
	/* The same RSK as ours, or the comparison is meaningless. */
	bad = memcmp(out, f->rsk, sizeof(out)) != 0;
 fail:
	BN_clear_free(t);
	EC_POINT_free(r);
	return bad;
}

static int
run_ossl_rsk_ct(struct fixture *f)
{
	return run_ossl_rsk(f, f->ossl_ct, NULL);
}

static int
run_ossl_rsk_vt(struct fixture *f)
{
	return run_ossl_rsk(f, f->ossl_vt, f->ossl_p);
}

static int
bench_crypto_run(int scale)
{
	size_t		 i;
	int		 j, n, bad = 0;
	double		 t0, ms;

	if (!fixture_init(&fx)) {
		fprintf(stderr, "kms-bench: cannot set up the fixture\n");
		return 1;
	}
	printf("%-34s %12s %12s\n", "operation", "ms/op", "ops/s");
	for (i = 0; i < sizeof(bench_crypto) / sizeof(bench_crypto[0]); i++) {
		const struct bench	*b = &bench_crypto[i];

		n = b->b_iters * scale;
		/* One warm-up call (tables, caches), then the timed run. */
		if (b->b_run(&fx) != 0) {
			printf("%-34s %12s\n", b->b_name, "FAILED");
			bad = 1;
			continue;
		}
		t0 = now_ms();
		for (j = 0; j < n; j++)
			bad |= b->b_run(&fx);
		ms = (now_ms() - t0) / n;
		printf("%-34s %12.3f %12.1f\n", b->b_name, ms, 1e3 / ms);
		fflush(stdout);
	}
	return bad;
}

int
main(int argc, char *argv[])
{
	long	 scale = 1;

	if (argc >= 2 && strcmp(argv[1], "hsm") == 0)
		return bench_hsm_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "crypto") == 0) {
		if (argc == 4 && strcmp(argv[2], "-x") == 0)
			scale = strtol(argv[3], NULL, 10);
		else if (argc != 2)
			scale = 0;
		if (scale >= 1 && scale <= 1000)
			return bench_crypto_run((int)scale);
	}
	fprintf(stderr, "usage: kms-bench crypto [-x SCALE]\n"
	    "       kms-bench hsm [-t SECONDS] [-m MODULE]\n");
	return 2;
}
