/*
 * post.c - known-answer tests with published vectors (see post.h).  The
 * test secrets below are public test values from the RFCs, not keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "board.h"
#include "crypto.h"
#include "hsm.h"

#include "post.h"

#define POST_HEX_MAX	300	/* longest vector, bytes */

/* RFC 6508 Appendix A: z_S, the identity and its RSK. */
static const char v_z_s[] = "AFF429D35F84B110D094803B3595A6E2998BC99F";
static const uint8_t v_sakke_id[] = "2011-02\0tel:+447700900123";
#define V_SAKKE_ID_LEN	26	/* with the final NUL */
static const char v_rsk[] =
    "0493AF67E5007BA6E6A80DA793DA300FA4B52D0A74E25E6E7B2B3D6EE9D18A"
    "9B5C5023597BD82D8062D34019563BA1D25C0DC56B7B979D74AA50F29FBF11CC"
    "2C93F5DFCA615E609279F6175CEADB00B58C6BEE1E7A2A47C4F0C456F05259A6"
    "FA94A634A40DAE1DF593D4FECF688D5FC678BE7EFC6DF3D6835325B83B2C6E69"
    "036B155F0A27241094B04BFB0BDFAC6C670A65C325D39A069F03659D44CA27D3"
    "BE8DF311172B554160181CBE94A2A783320CED590BC42644702CF371271E496B"
    "F20F588B78A1BC01ECBB6559934BDD2FB65D2884318A33D1A42ADF5E33CC5800"
    "280B28356497F87135BAB9612A17260424409AC15FEE996B744C332151235DEC"
    "B0F5";

/* RFC 6507 Appendix A: KSAK, ID, v, PVT, SSK. */
static const char v_ksak[] =
    "0000000000000000000000000000000000000000000000000000000000012345";
static const char v_kpak[] =
    "0450D4670BDE75244F28D2838A0D25558A7A72686D4522D4C8273FB6442AEBFA93"
    "DBDD37551AFD263B5DFD617F3960C65A8C298850FF99F20366DCE7D4367217F4";
static const char v_eccsi_id[] =
    "323031312D30320074656C3A2B34343737303039303031323300";
static const char v_v[] =
    "0000000000000000000000000000000000000000000000000000000000023456";
static const char v_pvt[] =
    "04758A142779BE89E829E71984CB40EF758CC4AD775FC5B9A3E1C8ED52F6FA36D9"
    "A79D247692F4EDA3A6BDAB77D6AA6474A464AE4934663C5265BA7018BA091F79";
static const char v_ssk[] =
    "23F374AE1F4033F3E9DBDDAAEF20F4CF0B86BBD5A138A5AE9E7E006B34489A0D";

/* TS 33.180 F.2.1 UID format 2, mcx-kms.md 5.1 row 1. */
static const char v_uid_uri[] = "sip:user@example.org";
static const char v_uid_kms[] = "kms.example.org";
#define V_UID_PERIOD	2592000
#define V_UID_OFFSET	0
#define V_UID_NO	1
static const char v_uid[] =
    "74e2af803ab5d72841bbced0ce319ffe64f6fe23c88a2d258aabcf6ac5658ef4";

/* RFC 4231 test case 6: 131 octets of 0xaa. */
#define V_HMAC_KEY_LEN	131
static const char v_hmac_data[] =
    "Test Using Larger Than Block-Size Key - Hash Key First";
static const char v_hmac[] =
    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";

/* RFC 5649 section 6: 192-bit KEK, 20 octets of key data. */
static const char v_kwp_kek[] =
    "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8";
static const char v_kwp_key[] = "c37b7e6492584340bed12207808941155068f738";
static const char v_kwp[] =
    "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a";

/* The GCM specification (McGrew, Viega) test case 4, AES-128. */
static const char v_gcm_key[] = "feffe9928665731c6d6a8f9467308308";
static const char v_gcm_iv[] = "cafebabefacedbaddecaf888";
static const char v_gcm_aad[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
static const char v_gcm_pt[] =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
static const char v_gcm_ct[] =
    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
    "5bc94fbc3221a5db94fae95ae7121a47";

/* RFC 6979 A.2.5: the P-256 key and SHA-256("sample"). */
static const char v_ec_x[] =
    "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
static const char v_ec_pub[] =
    "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
    "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";
static const char v_ec_digest[] =
    "af2bdbe1aa9b6ec1e2ade1d694f41fc71a831d0268e9891562113d8a62add1bf";

/* A vector: hex into out (out_size bytes); the length, or 0. */
static size_t
hex(const char *s, uint8_t *out, size_t out_size)
{
	size_t	 n = strlen(s) / 2, i;
	int	 hi, lo;

	if (strlen(s) % 2 != 0 || n > out_size)
		return 0;
	for (i = 0; i < n; i++) {
		hi = OPENSSL_hexchar2int((unsigned char)s[2 * i]);
		lo = OPENSSL_hexchar2int((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return 0;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return n;
}

/*
 * The test hook: in a KMS_TEST_HOOKS build only, flip a bit of got when
 * POST_TEST_ENV names this test.  In any other build it does nothing.
 */
static void
test_hook(const char *name, uint8_t *got, size_t len)
{
#if defined(KMS_TEST_HOOKS)
	const char	*env = getenv(POST_TEST_ENV), *p;
	size_t		 n = strlen(name);

	for (p = env; p != NULL && *p != '\0'; p += strcspn(p, ",")) {
		if (*p == ',')
			p++;
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0')) {
			if (len > 0)
				got[0] ^= 0x01;
			log_warnx("post: test hook: corrupting '%s'", name);
			return;
		}
	}
#else
	(void)name;
	(void)got;
	(void)len;
#endif
}

/* Record the outcome of one test. */
static bool
report(struct post_report *r, const char *name, bool pass)
{
	if (r->pr_count < POST_KATS_MAX) {
		r->pr_kat[r->pr_count].name = name;
		r->pr_kat[r->pr_count].pass = pass;
		r->pr_count++;
	}
	if (!pass)
		log_err("post: known-answer test '%s' FAILED", name);
	return pass;
}

/* Whether got equals the expected vector (hex). */
static bool
equals(const uint8_t *got, size_t got_len, const char *want)
{
	uint8_t	 w[POST_HEX_MAX];
	size_t	 wlen = hex(want, w, sizeof(w));

	return wlen != 0 && wlen == got_len &&
	    CRYPTO_memcmp(got, w, wlen) == 0;
}

/* Compare got with the expected vector after the test hook. */
static bool
matches(const char *name, uint8_t *got, size_t got_len, const char *want)
{
	test_hook(name, got, got_len);
	return equals(got, got_len, want);
}

static bool
kat_sakke(void)
{
	uint8_t	 z[SAKKE_SCALAR_LEN], pt[SAKKE_POINT_LEN];
	size_t	 zl;
	bool	 ok = false;

	memset(z, 0, sizeof(z));
	zl = hex(v_z_s, z + sizeof(z) - 20, 20);
	if (zl != 20 || crypto_selftest() != CRYPTO_OK)	/* Z_S, [q]P */
		goto fail;
	if (sakke_rsk(z, v_sakke_id, V_SAKKE_ID_LEN, pt) != CRYPTO_OK)
		goto fail;
	ok = matches("sakke", pt, sizeof(pt), v_rsk);
 fail:
	OPENSSL_cleanse(z, sizeof(z));
	return ok;
}

/* The v of RFC 6507 Appendix A as eccsi_ssk_pvt's random source. */
static int
fixed_v(void *arg, uint8_t *out, size_t len)
{
	(void)arg;
	return hex(v_v, out, len) == len ? 0 : -1;
}

static bool
kat_eccsi(void)
{
	uint8_t	 ksak[ECCSI_SCALAR_LEN], kpak[ECCSI_POINT_LEN];
	uint8_t	 id[64], ssk[ECCSI_SCALAR_LEN], pvt[ECCSI_POINT_LEN];
	uint8_t	 hs[ECCSI_HASH_LEN], both[ECCSI_SCALAR_LEN + ECCSI_POINT_LEN];
	uint8_t	 want_kpak[ECCSI_POINT_LEN];
	size_t	 idl;
	bool	 ok = false;

	idl = hex(v_eccsi_id, id, sizeof(id));
	if (hex(v_ksak, ksak, sizeof(ksak)) != sizeof(ksak) || idl == 0 ||
	    hex(v_kpak, want_kpak, sizeof(want_kpak)) != sizeof(want_kpak))
		goto fail;
	if (eccsi_kpak(ksak, kpak) != CRYPTO_OK ||
	    CRYPTO_memcmp(kpak, want_kpak, sizeof(kpak)) != 0)
		goto fail;
	if (eccsi_ssk_pvt(ksak, kpak, id, idl, fixed_v, NULL, ssk, pvt, hs)
	    != CRYPTO_OK)
		goto fail;
	memcpy(both, ssk, sizeof(ssk));
	memcpy(both + sizeof(ssk), pvt, sizeof(pvt));
	test_hook("eccsi", both, sizeof(both));
	ok = equals(both, sizeof(ssk), v_ssk) &&
	    equals(both + sizeof(ssk), sizeof(pvt), v_pvt);
 fail:
	OPENSSL_cleanse(ksak, sizeof(ksak));
	OPENSSL_cleanse(ssk, sizeof(ssk));
	OPENSSL_cleanse(both, sizeof(both));
	return ok;
}

static bool
kat_uid(void)
{
	uint8_t	 uid[UID_LEN];

	if (uid_derive((const uint8_t *)v_uid_uri, strlen(v_uid_uri),
	    (const uint8_t *)v_uid_kms, strlen(v_uid_kms), V_UID_PERIOD,
	    V_UID_OFFSET, V_UID_NO, uid) != CRYPTO_OK)
		return false;
	return matches("uid", uid, sizeof(uid), v_uid);
}

/* see post.h */
int
post_crypto(struct post_report *r)
{
	bool	 ok = true;

	ok &= report(r, "sakke", kat_sakke());
	ok &= report(r, "eccsi", kat_eccsi());
	ok &= report(r, "uid", kat_uid());
	return ok ? 0 : -1;
}

static bool
kat_hmac(struct hsm *h)
{
	struct hsm_kat_in	 in;
	uint8_t			 key[V_HMAC_KEY_LEN], out[HSM_HMAC_LEN];
	size_t			 olen;

	memset(key, 0xaa, sizeof(key));
	memset(&in, 0, sizeof(in));
	in.key = key;
	in.key_len = sizeof(key);
	in.data = (const uint8_t *)v_hmac_data;
	in.data_len = strlen(v_hmac_data);
	if (hsm_kat(h, HSM_KAT_HMAC, &in, out, sizeof(out), &olen) != HSM_OK)
		return false;
	return matches("hmac", out, olen, v_hmac);
}

static bool
kat_kwp(struct hsm *h)
{
	struct hsm_kat_in	 in;
	uint8_t			 kek[24], key[20], out[HSM_KWP_LEN(20)];
	size_t			 olen;

	memset(&in, 0, sizeof(in));
	in.key = kek;
	in.key_len = hex(v_kwp_kek, kek, sizeof(kek));
	in.data = key;
	in.data_len = hex(v_kwp_key, key, sizeof(key));
	if (hsm_kat(h, HSM_KAT_KWP, &in, out, sizeof(out), &olen) != HSM_OK)
		return false;
	return matches("kwp", out, olen, v_kwp);
}

static bool
kat_gcm(struct hsm *h)
{
	struct hsm_kat_in	 in;
	uint8_t			 key[16], iv[HSM_GCM_IV_LEN], aad[20], pt[60];
	uint8_t			 out[60 + HSM_GCM_TAG_LEN];
	size_t			 olen;

	memset(&in, 0, sizeof(in));
	in.key = key;
	in.key_len = hex(v_gcm_key, key, sizeof(key));
	in.iv = iv;
	in.iv_len = hex(v_gcm_iv, iv, sizeof(iv));
	in.aad = aad;
	in.aad_len = hex(v_gcm_aad, aad, sizeof(aad));
	in.data = pt;
	in.data_len = hex(v_gcm_pt, pt, sizeof(pt));
	if (hsm_kat(h, HSM_KAT_GCM, &in, out, sizeof(out), &olen) != HSM_OK)
		return false;
	return matches("gcm", out, olen, v_gcm_ct);
}

/* Whether sig (r||s) verifies for digest under the P-256 point pub. */
static bool
p256_verify(const uint8_t *pub, size_t pub_len, const uint8_t digest[32],
    const uint8_t sig[HSM_ECDSA_SIG_LEN])
{
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*pk = NULL;
	ECDSA_SIG	*es = NULL;
	BIGNUM		*r = NULL, *s = NULL;
	unsigned char	*der = NULL;
	int		 derlen;
	bool		 ok = false;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pub, pub_len) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto fail;
	EVP_PKEY_CTX_free(ctx);
	ctx = NULL;
	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, HSM_ECDSA_SIG_LEN / 2, NULL);
	s = BN_bin2bn(sig + HSM_ECDSA_SIG_LEN / 2, HSM_ECDSA_SIG_LEN / 2,
	    NULL);
	if (es == NULL || r == NULL || s == NULL ||
	    ECDSA_SIG_set0(es, r, s) != 1)
		goto fail;
	r = s = NULL;		/* owned by es now */
	if ((derlen = i2d_ECDSA_SIG(es, &der)) <= 0)
		goto fail;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL ||
	    EVP_PKEY_verify_init(ctx) <= 0)
		goto fail;
	ok = EVP_PKEY_verify(ctx, der, (size_t)derlen, digest, 32) == 1;
 fail:
	OPENSSL_free(der);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return ok;
}

static bool
kat_ecdsa(struct hsm *h)
{
	struct hsm_kat_in	 in;
	uint8_t			 x[32], digest[32], pub[HSM_EC_POINT_LEN];
	uint8_t			 sig[HSM_ECDSA_SIG_LEN];
	size_t			 olen;

	memset(&in, 0, sizeof(in));
	in.key = x;
	in.key_len = hex(v_ec_x, x, sizeof(x));
	in.data = digest;
	in.data_len = hex(v_ec_digest, digest, sizeof(digest));
	if (hex(v_ec_pub, pub, sizeof(pub)) != sizeof(pub) ||
	    hsm_kat(h, HSM_KAT_ECDSA, &in, sig, sizeof(sig), &olen) !=
	    HSM_OK || olen != sizeof(sig))
		return false;
	test_hook("ecdsa", sig, sizeof(sig));
	return p256_verify(pub, sizeof(pub), digest, sig);
}

/* see post.h */
int
post_hsm(struct hsm *h, struct post_report *r)
{
	bool	 ok = true;

	ok &= report(r, "hmac", h != NULL && kat_hmac(h));
	ok &= report(r, "kwp", h != NULL && kat_kwp(h));
	ok &= report(r, "gcm", h != NULL && kat_gcm(h));
	ok &= report(r, "ecdsa", h != NULL && kat_ecdsa(h));
	return ok ? 0 : -1;
}
