/*
 * test_hsm.c - hsm/ against a real SoftHSMv2 token.
 *
 * Every test makes its own token in a fresh temporary directory with its
 * own softhsm2.conf (tests/lib/hsm_token.sh) and points SOFTHSM2_CONF at
 * it.  Teardown checks that no locked memory is left in use.
 *
 * Run one test: test_hsm NAME (a cmocka test filter).
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>
#include <openssl/sha.h>
#include <p11-kit/pkcs11.h>

#include "hsm.h"
#include "hsm_fixture.h"

#define TOKEN		"unit-test"
#define PIN		"1234"
#define SIGN_THREADS	4
#define SIGN_ROUNDS	200
#define DRAWS		12

/*
 * A 128-byte test modulus 2^1016 + 5: the top byte masks to one bit, so
 * about half the draws are rejected and the accepted ones must be checked
 * against the whole modulus, not just its top byte.
 */
static uint8_t	 small_top[128];

static int
setup(void **state)
{
	return hsm_fixture_setup(state, "hsm-test", TOKEN, PIN);
}

/* Callback: copy the secret out for the test to look at. */
struct grab {
	uint8_t	 g_buf[HSM_MASTER_MAX_LEN];
	size_t	 g_len;
	int	 g_calls;
	int	 g_ret;
};

static int
grab_cb(const uint8_t *secret, size_t len, void *arg)
{
	struct grab	*g = arg;

	g->g_calls++;
	if (len > sizeof(g->g_buf))
		return -1;
	memcpy(g->g_buf, secret, len);
	g->g_len = len;
	return g->g_ret;
}

/* 2 <= x <= m - 1 */
static void
check_in_range(const uint8_t *x, const uint8_t *m, size_t len)
{
	BIGNUM	*bx, *bm, *two;

	bx = BN_bin2bn(x, (int)len, NULL);
	bm = BN_bin2bn(m, (int)len, NULL);
	two = BN_new();
	assert_non_null(bx);
	assert_non_null(bm);
	assert_non_null(two);
	assert_int_equal(BN_set_word(two, 2), 1);
	assert_true(BN_cmp(bx, two) >= 0);
	assert_true(BN_cmp(bx, bm) < 0);
	BN_free(bx);
	BN_free(bm);
	BN_free(two);
}

static hsm_key_id
make_kek(struct tctx *t)
{
	hsm_key_id	 id;

	assert_int_equal(hsm_kek_create(t->h, HSM_LABEL_KEK, &id), HSM_OK);
	assert_int_not_equal(id, HSM_KEY_NONE);
	return id;
}

/* --- open and login ------------------------------------------------- */

static void
open_login(void **state)
{
	struct tctx		*t = *state;
	struct hsm_key_info	 ki;
	struct hsm		*h2 = NULL;
	struct hsm_conf		 c = { SOFTHSM_MODULE, TOKEN, PIN };
	uint8_t			 r1[32], r2[32];

	hsm_fixture_open(t);
	/* A fresh token holds none of our keys. */
	assert_int_equal(hsm_key_info(t->h, 1, &ki), HSM_ERR_NOT_FOUND);
	/* One hsm per process. */
	assert_int_equal(hsm_open(&c, &h2), HSM_ERR_EXISTS);
	assert_null(h2);
	assert_int_equal(hsm_random(t->h, r1, sizeof(r1)), HSM_OK);
	assert_int_equal(hsm_random(t->h, r2, sizeof(r2)), HSM_OK);
	assert_memory_not_equal(r1, r2, sizeof(r1));
}

static void
open_wrong_pin(void **state)
{
	struct tctx	*t = *state;
	struct hsm_conf	 c = { SOFTHSM_MODULE, TOKEN, "9999" };

	assert_int_equal(hsm_open(&c, &t->h), HSM_ERR_PIN);
	assert_null(t->h);
	/* And the right one still works afterwards. */
	hsm_fixture_open(t);
}

static void
open_not_found(void **state)
{
	struct tctx	*t = *state;
	struct hsm_conf	 c = { SOFTHSM_MODULE, "no-such-token", PIN };
	struct hsm_conf	 m = { "/nonexistent/libp11.so", TOKEN, PIN };
	struct hsm_conf	 a = { SOFTHSM_MODULE, TOKEN, "" };

	assert_int_equal(hsm_open(&c, &t->h), HSM_ERR_NOT_FOUND);
	assert_null(t->h);
	assert_int_equal(hsm_open(&m, &t->h), HSM_ERR_NOT_FOUND);
	assert_int_equal(hsm_open(&a, &t->h), HSM_ERR_ARGS);
	assert_int_equal(hsm_open(NULL, &t->h), HSM_ERR_ARGS);
	assert_null(t->h);
}

/* --- KEK ------------------------------------------------------------ */

static void
kek_create(void **state)
{
	struct tctx		*t = *state;
	struct hsm_key_info	 ki;
	hsm_key_id		 id, id2, found;

	hsm_fixture_open(t);
	id = make_kek(t);
	assert_int_equal(hsm_kek_create(t->h, HSM_LABEL_KEK, &id2),
	    HSM_ERR_EXISTS);
	assert_int_equal(id2, HSM_KEY_NONE);
	assert_int_equal(hsm_key_find(t->h, HSM_KC_KEK, HSM_LABEL_KEK,
	    &found), HSM_OK);
	assert_int_equal(found, id);
	assert_int_equal(hsm_key_find(t->h, HSM_KC_KMS_SIGN, HSM_LABEL_KEK,
	    &found), HSM_ERR_NOT_FOUND);
	assert_int_equal(hsm_kek_create(t->h, "", &id2), HSM_ERR_ARGS);

	/* Found again after reopening, and still EXISTS. */
	hsm_fixture_reopen(t);
	assert_int_equal(hsm_key_find(t->h, HSM_KC_KEK, HSM_LABEL_KEK,
	    &found), HSM_OK);
	assert_int_equal(hsm_key_info(t->h, found, &ki), HSM_OK);
	assert_int_equal(ki.hki_class, HSM_KC_KEK);
	assert_string_equal(ki.hki_label, HSM_LABEL_KEK);
	assert_int_equal(hsm_kek_create(t->h, HSM_LABEL_KEK, &id2),
	    HSM_ERR_EXISTS);
}

/* --- master secrets ------------------------------------------------- */

static void
master_use(void **state)
{
	struct tctx	*t = *state;
	struct grab	 g1, g2;
	hsm_key_id	 kek, sk, ek, id;
	uint8_t		 first_s[HSM_MASTER_SAKKE_LEN];
	uint8_t		 first_e[HSM_MASTER_ECCSI_LEN];
	int		 i;

	hsm_fixture_open(t);
	kek = make_kek(t);
	assert_int_equal(hsm_master_create(t->h, HSM_KC_MASTER_SAKKE,
	    HSM_LABEL_SAKKE, kek, small_top, sizeof(small_top), &sk), HSM_OK);
	assert_int_equal(hsm_master_create(t->h, HSM_KC_MASTER_ECCSI,
	    HSM_LABEL_ECCSI, kek, p256_n, sizeof(p256_n), &ek), HSM_OK);
	assert_int_equal(hsm_master_create(t->h, HSM_KC_MASTER_ECCSI,
	    HSM_LABEL_ECCSI, kek, p256_n, sizeof(p256_n), &id),
	    HSM_ERR_EXISTS);
	assert_int_equal(hsm_secmem_used(), 0);

	memset(&g1, 0, sizeof(g1));
	assert_int_equal(hsm_master_use(t->h, sk, grab_cb, &g1), HSM_OK);
	assert_int_equal(g1.g_calls, 1);
	assert_int_equal(g1.g_len, HSM_MASTER_SAKKE_LEN);
	check_in_range(g1.g_buf, small_top, sizeof(small_top));
	memcpy(first_s, g1.g_buf, sizeof(first_s));

	memset(&g1, 0, sizeof(g1));
	assert_int_equal(hsm_master_use(t->h, ek, grab_cb, &g1), HSM_OK);
	assert_int_equal(g1.g_len, HSM_MASTER_ECCSI_LEN);
	check_in_range(g1.g_buf, p256_n, sizeof(p256_n));
	memcpy(first_e, g1.g_buf, sizeof(first_e));

	/* The same value on every call. */
	for (i = 0; i < 5; i++) {
		memset(&g2, 0, sizeof(g2));
		assert_int_equal(hsm_master_use(t->h, sk, grab_cb, &g2),
		    HSM_OK);
		assert_memory_equal(g2.g_buf, first_s, sizeof(first_s));
	}
	assert_int_equal(hsm_secmem_used(), 0);

	/* A failing callback is reported, and the memory still wiped. */
	memset(&g2, 0, sizeof(g2));
	g2.g_ret = 1;
	assert_int_equal(hsm_master_use(t->h, sk, grab_cb, &g2),
	    HSM_ERR_GENERAL);
	assert_int_equal(g2.g_calls, 1);
	assert_int_equal(hsm_secmem_used(), 0);

	/* And across close and reopen. */
	hsm_fixture_reopen(t);
	assert_int_equal(hsm_key_find(t->h, HSM_KC_MASTER_SAKKE,
	    HSM_LABEL_SAKKE, &sk), HSM_OK);
	assert_int_equal(hsm_key_find(t->h, HSM_KC_MASTER_ECCSI,
	    HSM_LABEL_ECCSI, &ek), HSM_OK);
	memset(&g2, 0, sizeof(g2));
	assert_int_equal(hsm_master_use(t->h, sk, grab_cb, &g2), HSM_OK);
	assert_memory_equal(g2.g_buf, first_s, sizeof(first_s));
	memset(&g2, 0, sizeof(g2));
	assert_int_equal(hsm_master_use(t->h, ek, grab_cb, &g2), HSM_OK);
	assert_memory_equal(g2.g_buf, first_e, sizeof(first_e));
	OPENSSL_cleanse(&g1, sizeof(g1));
	OPENSSL_cleanse(&g2, sizeof(g2));
}

/* Many draws against the awkward modulus: all in range, all different. */
static void
master_draws(void **state)
{
	struct tctx	*t = *state;
	struct grab	 g[DRAWS];
	hsm_key_id	 kek, id;
	char		 label[32];
	int		 i, j;

	hsm_fixture_open(t);
	kek = make_kek(t);
	for (i = 0; i < DRAWS; i++) {
		snprintf(label, sizeof(label), "draw.%d", i);
		assert_int_equal(hsm_master_create(t->h, HSM_KC_MASTER_SAKKE,
		    label, kek, small_top, sizeof(small_top), &id), HSM_OK);
		memset(&g[i], 0, sizeof(g[i]));
		assert_int_equal(hsm_master_use(t->h, id, grab_cb, &g[i]),
		    HSM_OK);
		check_in_range(g[i].g_buf, small_top, sizeof(small_top));
		for (j = 0; j < i; j++)
			assert_memory_not_equal(g[i].g_buf, g[j].g_buf,
			    HSM_MASTER_SAKKE_LEN);
	}
	OPENSSL_cleanse(g, sizeof(g));
}

/*
 * Change one byte of the sealed blob labelled label, directly through the
 * module, while no hsm is open.  The object is not modifiable, so it is
 * replaced by a copy with the same attributes.
 */
static void
tamper_blob(const char *label, long where)
{
	CK_C_GetFunctionList	 getfl;
	CK_FUNCTION_LIST_PTR	 p11;
	CK_C_INITIALIZE_ARGS	 ia;
	CK_SLOT_ID		 slots[8];
	CK_ULONG		 nslots = 8, got, i;
	CK_TOKEN_INFO		 ti;
	CK_SESSION_HANDLE	 s;
	CK_OBJECT_HANDLE	 obj, nobj;
	CK_OBJECT_CLASS		 cls = CKO_DATA;
	CK_BBOOL		 yes = CK_TRUE, no = CK_FALSE;
	uint8_t			 blob[512], app[64];
	CK_ATTRIBUTE		 find[2] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, (void *)(uintptr_t)label, strlen(label) },
	};
	CK_ATTRIBUTE		 get[2] = {
		{ CKA_VALUE, blob, sizeof(blob) },
		{ CKA_APPLICATION, app, sizeof(app) },
	};
	void			*dl;
	bool			 found = false;

	dl = dlopen(SOFTHSM_MODULE, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(dl);
	getfl = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
	assert_non_null(getfl);
	assert_int_equal(getfl(&p11), CKR_OK);
	memset(&ia, 0, sizeof(ia));
	ia.flags = CKF_OS_LOCKING_OK;
	assert_int_equal(p11->C_Initialize(&ia), CKR_OK);
	assert_int_equal(p11->C_GetSlotList(CK_TRUE, slots, &nslots), CKR_OK);
	for (i = 0; i < nslots; i++) {
		assert_int_equal(p11->C_GetTokenInfo(slots[i], &ti), CKR_OK);
		if (memcmp(ti.label, TOKEN, strlen(TOKEN)) == 0) {
			found = true;
			break;
		}
	}
	assert_true(found);
	assert_int_equal(p11->C_OpenSession(slots[i],
	    CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	assert_int_equal(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)PIN,
	    strlen(PIN)), CKR_OK);
	assert_int_equal(p11->C_FindObjectsInit(s, find, 2), CKR_OK);
	assert_int_equal(p11->C_FindObjects(s, &obj, 1, &got), CKR_OK);
	assert_int_equal(p11->C_FindObjectsFinal(s), CKR_OK);
	assert_int_equal(got, 1);
	assert_int_equal(p11->C_GetAttributeValue(s, obj, get, 2), CKR_OK);
	if (where < 0)
		where += (long)get[0].ulValueLen;
	assert_true(where >= 0 && where < (long)get[0].ulValueLen);
	blob[where] ^= 0x01;
	{
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_TOKEN, &yes, sizeof(yes) },
			{ CKA_PRIVATE, &yes, sizeof(yes) },
			{ CKA_MODIFIABLE, &no, sizeof(no) },
			{ CKA_LABEL, (void *)(uintptr_t)label, strlen(label) },
			{ CKA_APPLICATION, app, get[1].ulValueLen },
			{ CKA_VALUE, blob, get[0].ulValueLen },
		};

		assert_int_equal(p11->C_DestroyObject(s, obj), CKR_OK);
		assert_int_equal(p11->C_CreateObject(s, t,
		    sizeof(t) / sizeof(t[0]), &nobj), CKR_OK);
	}
	assert_int_equal(p11->C_Logout(s), CKR_OK);
	assert_int_equal(p11->C_CloseSession(s), CKR_OK);
	assert_int_equal(p11->C_Finalize(NULL), CKR_OK);
	dlclose(dl);
}

static void
tamper_at(struct tctx *t, long where)
{
	struct grab	 g;
	hsm_key_id	 kek, id;

	hsm_fixture_open(t);
	kek = make_kek(t);
	assert_int_equal(hsm_master_create(t->h, HSM_KC_MASTER_ECCSI,
	    HSM_LABEL_ECCSI, kek, p256_n, sizeof(p256_n), &id), HSM_OK);
	hsm_close(t->h);
	t->h = NULL;
	tamper_blob(HSM_LABEL_ECCSI, where);
	hsm_fixture_open(t);
	assert_int_equal(hsm_key_find(t->h, HSM_KC_MASTER_ECCSI,
	    HSM_LABEL_ECCSI, &id), HSM_OK);
	memset(&g, 0, sizeof(g));
	assert_int_equal(hsm_master_use(t->h, id, grab_cb, &g),
	    HSM_ERR_INTEGRITY);
	assert_int_equal(g.g_calls, 0);
	assert_int_equal(hsm_secmem_used(), 0);
}

static void
tamper_ciphertext(void **state)
{
	tamper_at(*state, 30);		/* inside the ciphertext */
}

static void
tamper_tag(void **state)
{
	tamper_at(*state, -1);		/* last byte of the tag */
}

static void
tamper_iv(void **state)
{
	tamper_at(*state, 16);		/* inside the IV */
}

/* --- policy --------------------------------------------------------- */

enum pop { P_USE, P_SIGN, P_PUBKEY, P_SEAL };

static enum hsm_status
do_op(struct hsm *h, enum pop op, hsm_key_id id, int n)
{
	struct grab	 g;
	uint8_t		 dig[32] = { 1 }, out[HSM_ECDSA_SIG_LEN + 8];
	size_t		 len;
	hsm_key_id	 nid;
	char		 label[32];
	enum hsm_status	 st;

	switch (op) {
	case P_USE:
		memset(&g, 0, sizeof(g));
		st = hsm_master_use(h, id, grab_cb, &g);
		OPENSSL_cleanse(&g, sizeof(g));
		return st;
	case P_SIGN:
		return hsm_sign_digest(h, id, dig, out, sizeof(out), &len);
	case P_PUBKEY:
		return hsm_sign_pubkey(h, id, out, sizeof(out), &len);
	case P_SEAL:
		snprintf(label, sizeof(label), "policy.%d", n);
		return hsm_master_create(h, HSM_KC_MASTER_ECCSI, label, id,
		    p256_n, sizeof(p256_n), &nid);
	}
	return HSM_ERR_GENERAL;
}

static void
policy_matrix(void **state)
{
	struct tctx	*t = *state;
	hsm_key_id	 kek, mk, sk, id;
	enum hsm_status	 st;
	size_t		 i;
	struct {
		hsm_key_id	*id;
		enum pop	 op;
		enum hsm_status	 want;
	} m[] = {
		{ &kek, P_USE,		HSM_ERR_DENIED },
		{ &kek, P_SIGN,		HSM_ERR_DENIED },
		{ &kek, P_PUBKEY,	HSM_ERR_DENIED },
		{ &kek, P_SEAL,		HSM_OK },
		{ &mk,	P_USE,		HSM_OK },
		{ &mk,	P_SIGN,		HSM_ERR_DENIED },
		{ &mk,	P_PUBKEY,	HSM_ERR_DENIED },
		{ &mk,	P_SEAL,		HSM_ERR_DENIED },
		{ &sk,	P_USE,		HSM_ERR_DENIED },
		{ &sk,	P_SIGN,		HSM_OK },
		{ &sk,	P_PUBKEY,	HSM_OK },
		{ &sk,	P_SEAL,		HSM_ERR_DENIED },
		{ &id,	P_USE,		HSM_ERR_NOT_FOUND },
		{ &id,	P_SIGN,		HSM_ERR_NOT_FOUND },
		{ &id,	P_PUBKEY,	HSM_ERR_NOT_FOUND },
		{ &id,	P_SEAL,		HSM_ERR_NOT_FOUND },
	};

	hsm_fixture_open(t);
	kek = make_kek(t);
	assert_int_equal(hsm_master_create(t->h, HSM_KC_MASTER_SAKKE,
	    HSM_LABEL_SAKKE, kek, small_top, sizeof(small_top), &mk), HSM_OK);
	assert_int_equal(hsm_sign_key_create(t->h, HSM_LABEL_KMS_SIGN, &sk),
	    HSM_OK);
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		id = (i % 2) == 0 ? HSM_KEY_NONE : 9999;
		st = do_op(t->h, m[i].op, *m[i].id, (int)i);
		if (st != m[i].want)
			fail_msg("policy row %zu: got %d, want %d", i, st,
			    m[i].want);
	}

	/* Bad creation arguments. */
	assert_int_equal(hsm_master_create(t->h, HSM_KC_KEK, "x", kek,
	    p256_n, sizeof(p256_n), &id), HSM_ERR_ARGS);
	assert_int_equal(hsm_master_create(t->h, HSM_KC_MASTER_SAKKE, "x",
	    kek, p256_n, sizeof(p256_n), &id), HSM_ERR_ARGS);
	assert_int_equal(hsm_master_create(t->h, HSM_KC_MASTER_ECCSI, "x",
	    kek, small_top, sizeof(small_top), &id), HSM_ERR_ARGS);
	assert_int_equal(hsm_master_use(t->h, mk, NULL, NULL), HSM_ERR_ARGS);
}

/* --- signing -------------------------------------------------------- */

static bool
verify(const uint8_t *pub, const uint8_t *dig, const uint8_t *sig)
{
	EC_KEY		*key;
	EC_POINT	*pt;
	ECDSA_SIG	*es;
	BIGNUM		*r, *s;
	int		 ok;

	key = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
	assert_non_null(key);
	pt = EC_POINT_new(EC_KEY_get0_group(key));
	assert_non_null(pt);
	assert_int_equal(EC_POINT_oct2point(EC_KEY_get0_group(key), pt, pub,
	    HSM_EC_POINT_LEN, NULL), 1);
	assert_int_equal(EC_KEY_set_public_key(key, pt), 1);
	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, 32, NULL);
	s = BN_bin2bn(sig + 32, 32, NULL);
	assert_int_equal(ECDSA_SIG_set0(es, r, s), 1);
	ok = ECDSA_do_verify(dig, 32, es, key);
	ECDSA_SIG_free(es);
	EC_POINT_free(pt);
	EC_KEY_free(key);
	return ok == 1;
}

static void
sign_verify(void **state)
{
	struct tctx	*t = *state;
	hsm_key_id	 sk, id;
	uint8_t		 pub[HSM_EC_POINT_LEN], pub2[HSM_EC_POINT_LEN];
	uint8_t		 dig[32], sig[HSM_ECDSA_SIG_LEN];
	size_t		 len;

	hsm_fixture_open(t);
	assert_int_equal(hsm_sign_key_create(t->h, HSM_LABEL_KMS_SIGN, &sk),
	    HSM_OK);
	assert_int_equal(hsm_sign_key_create(t->h, HSM_LABEL_KMS_SIGN, &id),
	    HSM_ERR_EXISTS);
	assert_int_equal(hsm_sign_pubkey(t->h, sk, pub, sizeof(pub), &len),
	    HSM_OK);
	assert_int_equal(len, HSM_EC_POINT_LEN);
	assert_int_equal(pub[0], 0x04);

	SHA256((const unsigned char *)"hello", 5, dig);
	assert_int_equal(hsm_sign_digest(t->h, sk, dig, sig, sizeof(sig),
	    &len), HSM_OK);
	assert_int_equal(len, HSM_ECDSA_SIG_LEN);
	assert_true(verify(pub, dig, sig));
	dig[0] ^= 1;
	assert_false(verify(pub, dig, sig));

	/* Too small: BUFFER, nothing written, length 0. */
	memset(sig, 0x55, sizeof(sig));
	assert_int_equal(hsm_sign_digest(t->h, sk, dig, sig, sizeof(sig) - 1,
	    &len), HSM_ERR_BUFFER);
	assert_int_equal(len, 0);
	assert_int_equal(hsm_sign_pubkey(t->h, sk, pub2, sizeof(pub2) - 1,
	    &len), HSM_ERR_BUFFER);
	assert_int_equal(len, 0);

	/* The key pair survives reopening. */
	hsm_fixture_reopen(t);
	assert_int_equal(hsm_key_find(t->h, HSM_KC_KMS_SIGN,
	    HSM_LABEL_KMS_SIGN, &sk), HSM_OK);
	assert_int_equal(hsm_sign_pubkey(t->h, sk, pub2, sizeof(pub2), &len),
	    HSM_OK);
	assert_memory_equal(pub, pub2, sizeof(pub));
	assert_int_equal(hsm_sign_digest(t->h, sk, dig, sig, sizeof(sig),
	    &len), HSM_OK);
	assert_true(verify(pub, dig, sig));
}

struct signer {
	struct hsm	*sg_h;
	hsm_key_id	 sg_id;
	const uint8_t	*sg_pub;
	int		 sg_ok;
	int		 sg_n;
};

static void *
sign_thread(void *arg)
{
	struct signer	*sg = arg;
	uint8_t		 dig[32], sig[HSM_ECDSA_SIG_LEN];
	size_t		 len;
	int		 i;

	for (i = 0; i < SIGN_ROUNDS; i++) {
		memset(dig, 0, sizeof(dig));
		dig[0] = (uint8_t)sg->sg_n;
		dig[1] = (uint8_t)i;
		if (hsm_sign_digest(sg->sg_h, sg->sg_id, dig, sig,
		    sizeof(sig), &len) != HSM_OK || len != sizeof(sig))
			continue;
		/* Verify a sample; OpenSSL's verify is slow under ASan. */
		if (i % 20 == 0 && !verify(sg->sg_pub, dig, sig))
			continue;
		sg->sg_ok++;
	}
	return NULL;
}

static void
sign_concurrent(void **state)
{
	struct tctx	*t = *state;
	struct signer	 sg[SIGN_THREADS];
	pthread_t	 th[SIGN_THREADS];
	uint8_t		 pub[HSM_EC_POINT_LEN];
	hsm_key_id	 sk;
	size_t		 len;
	int		 i;

	hsm_fixture_open(t);
	assert_int_equal(hsm_sign_key_create(t->h, HSM_LABEL_KMS_SIGN, &sk),
	    HSM_OK);
	assert_int_equal(hsm_sign_pubkey(t->h, sk, pub, sizeof(pub), &len),
	    HSM_OK);
	for (i = 0; i < SIGN_THREADS; i++) {
		sg[i] = (struct signer){ t->h, sk, pub, 0, i };
		assert_int_equal(pthread_create(&th[i], NULL, sign_thread,
		    &sg[i]), 0);
	}
	for (i = 0; i < SIGN_THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(sg[i].sg_ok, SIGN_ROUNDS);
	}
}

/*
 * A session closed behind hsm's back: the call on it fails with
 * HSM_ERR_DEVICE, the pool replaces it, and the next call works (the
 * other sessions keep the application's login alive).  The test reaches
 * the module through dlopen (the same loaded instance) and closes the
 * oldest session; SoftHSM numbers sessions in order, and hsm's pool hands
 * out its first session first, so exactly the next call fails.
 */
static void
session_recovery(void **state)
{
	struct tctx	*t = *state;
	uint8_t		 pub[HSM_EC_POINT_LEN], dig[32] = { 7 };
	uint8_t		 sig[HSM_ECDSA_SIG_LEN];
	hsm_key_id		 sk;
	size_t			 len;
	int			 i;
	void			*dl;
	CK_C_GetFunctionList	 getfl;
	CK_FUNCTION_LIST_PTR	 p11;
	CK_SESSION_HANDLE	 sh;
	CK_SESSION_INFO		 si;

	memset(&si, 0, sizeof(si));
	hsm_fixture_open(t);
	assert_int_equal(hsm_sign_key_create(t->h, HSM_LABEL_KMS_SIGN, &sk),
	    HSM_OK);
	assert_int_equal(hsm_sign_pubkey(t->h, sk, pub, sizeof(pub), &len),
	    HSM_OK);
	dl = dlopen(SOFTHSM_MODULE, RTLD_NOW | RTLD_NOLOAD);
	assert_non_null(dl);
	getfl = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
	assert_non_null(getfl);
	assert_int_equal(getfl(&p11), CKR_OK);
	for (sh = 1; sh < 64; sh++) {
		if (p11->C_GetSessionInfo(sh, &si) == CKR_OK)
			break;
	}
	assert_int_equal(si.state, CKS_RW_USER_FUNCTIONS);
	assert_int_equal(p11->C_CloseSession(sh), CKR_OK);
	dlclose(dl);

	assert_int_equal(hsm_sign_digest(t->h, sk, dig, sig, sizeof(sig),
	    &len), HSM_ERR_DEVICE);
	assert_int_equal(len, 0);
	for (i = 0; i < 8; i++) {
		assert_int_equal(hsm_sign_digest(t->h, sk, dig, sig,
		    sizeof(sig), &len), HSM_OK);
		assert_true(verify(pub, dig, sig));
	}
}

/* --- destroy_all ---------------------------------------------------- */

static void
destroy_all(void **state)
{
	struct tctx		*t = *state;
	struct hsm_key_info	 ki;
	hsm_key_id		 kek, mk, sk;
	uint8_t			 pub[HSM_EC_POINT_LEN];
	size_t			 len;

	hsm_fixture_open(t);
	kek = make_kek(t);
	assert_int_equal(hsm_master_create(t->h, HSM_KC_MASTER_ECCSI,
	    HSM_LABEL_ECCSI, kek, p256_n, sizeof(p256_n), &mk), HSM_OK);
	assert_int_equal(hsm_sign_key_create(t->h, HSM_LABEL_KMS_SIGN, &sk),
	    HSM_OK);
	assert_int_equal(hsm_key_info(t->h, 3, &ki), HSM_OK);
	assert_int_equal(hsm_destroy_all(t->h), HSM_OK);
	assert_int_equal(hsm_key_info(t->h, 1, &ki), HSM_ERR_NOT_FOUND);
	assert_int_equal(hsm_sign_pubkey(t->h, sk, pub, sizeof(pub), &len),
	    HSM_ERR_NOT_FOUND);

	/* Nothing left in the token either. */
	hsm_fixture_reopen(t);
	assert_int_equal(hsm_key_info(t->h, 1, &ki), HSM_ERR_NOT_FOUND);
	kek = make_kek(t);
	assert_int_equal(hsm_sign_key_create(t->h, HSM_LABEL_KMS_SIGN, &sk),
	    HSM_OK);
}

/* --- secmem --------------------------------------------------------- */

static void
secmem_wipe(void **state)
{
	uint8_t		*p, *q;
	volatile uint8_t *vp;
	void		*all[4096];
	size_t		 i, n;

	assert_null(hsm_secmem_alloc(0));
	p = hsm_secmem_alloc(100);
	assert_non_null(p);
	assert_true(hsm_secmem_used() >= 100);
	memset(p, 0xa5, 100);
	hsm_secmem_free(p, 100);
	/* The arena stays mapped: look through the stale pointer. */
	vp = p;
	for (i = 0; i < 100; i++)
		assert_int_equal(vp[i], 0);
	assert_int_equal(hsm_secmem_used(), 0);

	/* Freed space is reused. */
	q = hsm_secmem_alloc(64);
	assert_ptr_equal(q, p);
	hsm_secmem_free(q, 64);

	/* Fill the arena: NULL at the end, not a crash. */
	for (n = 0; n < sizeof(all) / sizeof(all[0]); n++) {
		if ((all[n] = hsm_secmem_alloc(1000)) == NULL)
			break;
	}
	assert_true(n > 0 && n < sizeof(all) / sizeof(all[0]));
	assert_null(hsm_secmem_alloc(64 * 1024 + 1));
	for (i = 0; i < n; i++)
		hsm_secmem_free(all[i], 1000);
	assert_int_equal(hsm_secmem_used(), 0);
	hsm_secmem_free(NULL, 10);
}

static void
strerror_all(void **state)
{
	int	 st;

	for (st = HSM_OK; st >= HSM_ERR_MEMORY; st--)
		assert_string_not_equal(hsm_strerror(st), "unknown status");
	assert_string_equal(hsm_class_name(HSM_KC_KEK), "kek");
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		HSM_FIXTURE_TEST(open_login, setup),
		HSM_FIXTURE_TEST(open_wrong_pin, setup),
		HSM_FIXTURE_TEST(open_not_found, setup),
		HSM_FIXTURE_TEST(kek_create, setup),
		HSM_FIXTURE_TEST(master_use, setup),
		HSM_FIXTURE_TEST(master_draws, setup),
		HSM_FIXTURE_TEST(tamper_ciphertext, setup),
		HSM_FIXTURE_TEST(tamper_tag, setup),
		HSM_FIXTURE_TEST(tamper_iv, setup),
		HSM_FIXTURE_TEST(policy_matrix, setup),
		HSM_FIXTURE_TEST(sign_verify, setup),
		HSM_FIXTURE_TEST(sign_concurrent, setup),
		HSM_FIXTURE_TEST(session_recovery, setup),
		HSM_FIXTURE_TEST(destroy_all, setup),
		cmocka_unit_test(secmem_wipe),
		cmocka_unit_test(strerror_all),
	};

	small_top[0] = 0x01;
	small_top[sizeof(small_top) - 1] = 0x05;
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
