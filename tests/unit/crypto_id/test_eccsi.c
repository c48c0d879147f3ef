/*
 * test_eccsi.c - ECCSI (RFC 6507) KMS side and client side.
 *
 * Vectors: RFC 6507 Appendix A (mcx-kms.md 6.8: KSAK, KPAK, ID, v, PVT,
 * HS, SSK, j, J, HE, s, SIG), our 33.180 provisioning vector (6.10), the
 * Streamwide key sets (7.5).  Differential: random KSAK, v, j, IDs
 * against OpenSSL's BN and EC arithmetic.
 *
 * Usage: test_eccsi [test-name-filter]
 */
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "tid.h"
#include "vectors.h"

#define N_RANDOM	200

/* RFC 6507 Appendix A. */
static const char a_ksak[] =
    "0000000000000000000000000000000000000000000000000000000000012345";
static const char a_kpak[] =
    "0450D4670BDE75244F28D2838A0D25558A7A72686D4522D4C8273FB6442AEBFA93"
    "DBDD37551AFD263B5DFD617F3960C65A8C298850FF99F20366DCE7D4367217F4";
static const char a_id[] =
    "323031312D30320074656C3A2B34343737303039303031323300";
static const char a_v[] =
    "0000000000000000000000000000000000000000000000000000000000023456";
static const char a_pvt[] =
    "04758A142779BE89E829E71984CB40EF758CC4AD775FC5B9A3E1C8ED52F6FA36D9"
    "A79D247692F4EDA3A6BDAB77D6AA6474A464AE4934663C5265BA7018BA091F79";
static const char a_hs[] =
    "490F3FEBBC1C902F6289723D7F8CBF79DB88930849D19F38F0295B5C276C14D1";
static const char a_ssk[] =
    "23F374AE1F4033F3E9DBDDAAEF20F4CF0B86BBD5A138A5AE9E7E006B34489A0D";
static const char a_m[] = "6D65737361676500";
static const char a_j[] =
    "0000000000000000000000000000000000000000000000000000000000034567";
static const char a_jx[] =
    "269D4C8FDEB66A74E4EF8C0D5DCC597DDFE6029C2AFFC4936008CD2CC1045D81";
static const char a_jy[] =
    "6DDA6A1310F4B067BD5DABDAD741B7CEF36457E196B1BFA97FD5F8FBB3926ADB";
static const char a_he[] =
    "111F90EAE8271C96DF9B3D6726768D9EE9B18145D7EC152CFA9C23D1C4F02285";
static const char a_s[] =
    "E09B528D0EF8D6DF1AA3ECBF80110CFCEC9FC68252CEBB679F4134846940CCFD";
static const char a_sig[] =
    "269D4C8FDEB66A74E4EF8C0D5DCC597DDFE6029C2AFFC4936008CD2CC1045D81"
    "E09B528D0EF8D6DF1AA3ECBF80110CFCEC9FC68252CEBB679F4134846940CCFD"
    "04758A142779BE89E829E71984CB40EF758CC4AD775FC5B9A3E1C8ED52F6FA36"
    "D9A79D247692F4EDA3A6BDAB77D6AA6474A464AE4934663C5265BA7018BA091F"
    "79";

/* mcx-kms.md 6.10 (ours): the same KSAK and v for a 33.180 UID. */
static const char u_uid[] =
    "74E2AF803AB5D72841BBCED0CE319FFE64F6FE23C88A2D258AABCF6AC5658EF4";
static const char u_ssk[] =
    "9084F103C9B388C629D72D6C0D3D4BF061FC95BC0A3E41F92FDAB489FCD4C369";
static const char u_hs[] =
    "B97E4C4B37C1D76A8F61222345B4F0C5E5CD63C82BA6549CC519660EF2982952";
static const char u_sig[] =
    "269D4C8FDEB66A74E4EF8C0D5DCC597DDFE6029C2AFFC4936008CD2CC1045D81"
    "A0F087C5B8DC129DF152279106A8860AF08899EB83466EB59B379BA5D1D2F073"
    "04758A142779BE89E829E71984CB40EF758CC4AD775FC5B9A3E1C8ED52F6FA36"
    "D9A79D247692F4EDA3A6BDAB77D6AA6474A464AE4934663C5265BA7018BA091F"
    "79";

static void
assert_hex(const uint8_t *got, const char *want)
{
	uint8_t	 w[512];
	size_t	 n = tid_hex(want, w, sizeof(w));

	assert_memory_equal(got, w, n);
}

static int
ssk_from(const char *ksak_hex, const char *v_hex, const uint8_t *id,
    size_t id_len, uint8_t *ssk, uint8_t *pvt, uint8_t *hs)
{
	uint8_t			 ksak[32], kpak[65], v[32];
	struct tid_fixed	 f = { v, 1, 0 };

	tid_hex(ksak_hex, ksak, 32);
	tid_hex(v_hex, v, 32);
	assert_int_equal(eccsi_kpak(ksak, kpak), CRYPTO_OK);
	return eccsi_ssk_pvt(ksak, kpak, id, id_len, tid_fixed_rand, &f, ssk,
	    pvt, hs);
}

/* RFC 6507 A: KPAK, PVT, HS, SSK from KSAK, ID and v. */
static void
test_eccsi_rfc6507_ssk(void **state)
{
	uint8_t	 ksak[32], kpak[65], id[64], ssk[32], pvt[65], hs[32];
	size_t	 id_len = tid_hex(a_id, id, sizeof(id));

	(void)state;
	tid_hex(a_ksak, ksak, 32);
	assert_int_equal(eccsi_kpak(ksak, kpak), CRYPTO_OK);
	assert_hex(kpak, a_kpak);
	assert_int_equal(ssk_from(a_ksak, a_v, id, id_len, ssk, pvt, hs),
	    CRYPTO_OK);
	assert_hex(pvt, a_pvt);
	assert_hex(hs, a_hs);
	assert_hex(ssk, a_ssk);
	/* The client's check accepts it and recomputes the same HS. */
	memset(hs, 0, sizeof(hs));
	assert_int_equal(eccsi_ssk_validate(kpak, id, id_len, ssk, pvt, hs),
	    CRYPTO_OK);
	assert_hex(hs, a_hs);
}

/* RFC 6507 A: J = [j]G, r = Jx, HE, s and SIG. */
static void
test_eccsi_rfc6507_sign(void **state)
{
	uint8_t			 ssk[32], pvt[65], hs[32], m[16], j[32];
	uint8_t			 jp[65], sig[ECCSI_SIG_LEN], he[32];
	uint8_t			 buf[32 + 32 + 16];
	size_t			 m_len = tid_hex(a_m, m, sizeof(m));
	struct tid_fixed	 f = { j, 1, 0 };

	(void)state;
	tid_hex(a_ssk, ssk, 32);
	tid_hex(a_pvt, pvt, 65);
	tid_hex(a_hs, hs, 32);
	tid_hex(a_j, j, 32);
	/* J: eccsi_kpak computes [k]G for any k in [1, q-1]. */
	assert_int_equal(eccsi_kpak(j, jp), CRYPTO_OK);
	assert_hex(jp + 1, a_jx);
	assert_hex(jp + 33, a_jy);
	/* HE = hash(HS || r || M). */
	memcpy(buf, hs, 32);
	memcpy(buf + 32, jp + 1, 32);
	memcpy(buf + 64, m, m_len);
	assert_int_equal(EVP_Digest(buf, 64 + m_len, he, NULL, EVP_sha256(),
	    NULL), 1);
	assert_hex(he, a_he);
	assert_int_equal(eccsi_sign(ssk, pvt, hs, m, m_len, tid_fixed_rand,
	    &f, sig), CRYPTO_OK);
	assert_hex(sig, a_jx);
	assert_hex(sig + 32, a_s);
	assert_hex(sig, a_sig);
}

/* RFC 6507 A: SIG verifies; every single-bit change does not. */
static void
test_eccsi_rfc6507_verify(void **state)
{
	uint8_t	 kpak[65], id[64], m[16], sig[ECCSI_SIG_LEN];
	size_t	 id_len = tid_hex(a_id, id, sizeof(id));
	size_t	 m_len = tid_hex(a_m, m, sizeof(m)), i;

	(void)state;
	tid_hex(a_kpak, kpak, 65);
	tid_hex(a_sig, sig, sizeof(sig));
	assert_int_equal(eccsi_verify(kpak, id, id_len, m, m_len, sig),
	    CRYPTO_OK);
	for (i = 0; i < 8 * sizeof(sig); i += 3) {
		sig[i / 8] ^= (uint8_t)(1 << (i % 8));
		assert_int_not_equal(eccsi_verify(kpak, id, id_len, m, m_len,
		    sig), CRYPTO_OK);
		sig[i / 8] ^= (uint8_t)(1 << (i % 8));
	}
	for (i = 0; i < m_len; i++) {
		m[i] ^= 0x01;
		assert_int_equal(eccsi_verify(kpak, id, id_len, m, m_len, sig),
		    CRYPTO_ERR_VERIFY);
		m[i] ^= 0x01;
	}
	id[3] ^= 0x20;
	assert_int_equal(eccsi_verify(kpak, id, id_len, m, m_len, sig),
	    CRYPTO_ERR_VERIFY);
	id[3] ^= 0x20;
	assert_int_equal(eccsi_verify(kpak, id, id_len - 1, m, m_len, sig),
	    CRYPTO_ERR_VERIFY);
	assert_int_equal(eccsi_verify(kpak, id, id_len, m, m_len - 1, sig),
	    CRYPTO_ERR_VERIFY);
	/* s = 0 and s = q are out of range. */
	memset(sig + 32, 0, 32);
	assert_int_equal(eccsi_verify(kpak, id, id_len, m, m_len, sig),
	    CRYPTO_ERR_VERIFY);
	memcpy(sig + 32, eccsi_q, 32);
	assert_int_equal(eccsi_verify(kpak, id, id_len, m, m_len, sig),
	    CRYPTO_ERR_VERIFY);
	/* A KPAK off the curve. */
	tid_hex(a_sig, sig, sizeof(sig));
	kpak[64] ^= 1;
	assert_int_equal(eccsi_verify(kpak, id, id_len, m, m_len, sig),
	    CRYPTO_ERR_POINT);
}

/* mcx-kms.md 6.10: SSK, PVT, HS and SIG for the UID of 5.1 row 1. */
static void
test_eccsi_uid_vector(void **state)
{
	uint8_t			 uid[32], ssk[32], pvt[65], hs[32], j[32];
	uint8_t			 sig[ECCSI_SIG_LEN], kpak[65], m[16];
	size_t			 m_len = tid_hex(a_m, m, sizeof(m));
	struct tid_fixed	 f = { j, 1, 0 };

	(void)state;
	tid_hex(u_uid, uid, 32);
	assert_int_equal(ssk_from(a_ksak, a_v, uid, 32, ssk, pvt, hs),
	    CRYPTO_OK);
	assert_hex(ssk, u_ssk);
	assert_hex(pvt, a_pvt);
	assert_hex(hs, u_hs);
	tid_hex(a_j, j, 32);
	assert_int_equal(eccsi_sign(ssk, pvt, hs, m, m_len, tid_fixed_rand,
	    &f, sig), CRYPTO_OK);
	assert_hex(sig, u_sig);
	tid_hex(a_kpak, kpak, 65);
	assert_int_equal(eccsi_verify(kpak, uid, 32, m, m_len, sig),
	    CRYPTO_OK);
}

/* Streamwide key sets (7.5): SSK/PVT validate under PubAuthKey. */
static void
test_eccsi_streamwide_validate(void **state)
{
	uint8_t	 kpak[65], uid[32], ssk[32], pvt[65], hs[32], sig[129];
	size_t	 i;

	(void)state;
	tid_hex(sw_pub_auth_key, kpak, 65);
	for (i = 0; i < sizeof(sw_users) / sizeof(sw_users[0]); i++) {
		assert_int_equal(uid_derive((const uint8_t *)sw_users[i].uri,
		    strlen(sw_users[i].uri), (const uint8_t *)SW_KMS_URI,
		    strlen(SW_KMS_URI), SW_PERIOD, SW_OFFSET, SW_PERIOD_NO,
		    uid), CRYPTO_OK);
		tid_hex(sw_users[i].ssk, ssk, 32);
		tid_hex(sw_users[i].pvt, pvt, 65);
		assert_int_equal(eccsi_ssk_validate(kpak, uid, 32, ssk, pvt,
		    hs), CRYPTO_OK);
		/* And signs something the verifier accepts. */
		assert_int_equal(eccsi_sign(ssk, pvt, hs, uid, 32, tid_rand,
		    NULL, sig), CRYPTO_OK);
		assert_int_equal(eccsi_verify(kpak, uid, 32, uid, 32, sig),
		    CRYPTO_OK);
		/* Someone else's SSK does not validate for this UID. */
		ssk[31] ^= 1;
		assert_int_equal(eccsi_ssk_validate(kpak, uid, 32, ssk, pvt,
		    NULL), CRYPTO_ERR_VERIFY);
	}
}

/* One BN from 32 octets. */
static BIGNUM *
bn32(const uint8_t *b)
{
	BIGNUM	*r = BN_bin2bn(b, 32, NULL);

	assert_non_null(r);
	return r;
}

/*
 * Random KSAK, v, j and IDs (plus edge scalars): SSK, PVT, HS and s
 * against OpenSSL's BN/EC; derive -> validate -> sign -> verify.
 */
static void
test_eccsi_differential(void **state)
{
	EC_GROUP	*g;
	BN_CTX		*ctx;
	BIGNUM		*q, *e, *t, *u;
	EC_POINT	*pt;
	uint8_t		 ksak[32], kpak[65], v[32], j[32], id[64], ssk[32];
	uint8_t		 pvt[65], hs[32], sig[129], want[65], he[32];
	uint8_t		 buf[128], rv[64];
	struct tid_fixed f;
	size_t		 i, id_len;

	(void)state;
	assert_non_null(g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
	assert_non_null(ctx = BN_CTX_new());
	assert_non_null(pt = EC_POINT_new(g));
	q = bn32(eccsi_q);
	assert_non_null(e = BN_new());
	for (i = 0; i < N_RANDOM; i++) {
		/* Edge scalars first: 1, 2, q-1, q-2; then random. */
		assert_int_equal(RAND_bytes(ksak, 32), 1);
		assert_int_equal(RAND_bytes(v, 32), 1);
		assert_int_equal(RAND_bytes(j, 32), 1);
		if (i < 4) {
			assert_true(BN_copy(e, q) != NULL);
			assert_true(BN_sub_word(e, i < 2 ? 0 : i - 1));
			if (i < 2)
				assert_true(BN_set_word(e, i + 1));
			assert_int_equal(BN_bn2binpad(e, v, 32), 32);
			assert_int_equal(BN_bn2binpad(e, ksak, 32), 32);
		}
		ksak[0] &= 0x7f;	/* keep random ones in range */
		if (i >= 4)
			v[0] &= 0x7f;
		j[0] &= 0x7f;
		id_len = (size_t)(i % 64);
		assert_int_equal(RAND_bytes(id, 64), 1);
		assert_int_equal(eccsi_kpak(ksak, kpak), CRYPTO_OK);
		f.vals = v;
		f.n = 1;
		f.next = 0;
		assert_int_equal(eccsi_ssk_pvt(ksak, kpak, id, id_len,
		    tid_fixed_rand, &f, ssk, pvt, hs), CRYPTO_OK);
		/* PVT = [v]G. */
		t = bn32(v);
		assert_true(EC_POINT_mul(g, pt, t, NULL, NULL, ctx));
		assert_int_equal(EC_POINT_point2oct(g, pt,
		    POINT_CONVERSION_UNCOMPRESSED, want, 65, ctx), 65);
		assert_memory_equal(pvt, want, 65);
		/* SSK = KSAK + HS * v mod q. */
		u = bn32(hs);
		assert_true(BN_mod_mul(u, u, t, q, ctx));
		BN_free(t);
		t = bn32(ksak);
		assert_true(BN_mod_add(u, u, t, q, ctx));
		assert_int_equal(BN_bn2binpad(u, want, 32), 32);
		assert_memory_equal(ssk, want, 32);
		BN_free(t);
		BN_free(u);
		assert_int_equal(eccsi_ssk_validate(kpak, id, id_len, ssk, pvt,
		    NULL), CRYPTO_OK);
		/* s = (HE + r * SSK)^-1 * j mod q. */
		f.vals = j;
		f.n = 1;
		f.next = 0;
		assert_int_equal(eccsi_sign(ssk, pvt, hs, id, id_len,
		    tid_fixed_rand, &f, sig), CRYPTO_OK);
		memcpy(buf, hs, 32);
		memcpy(buf + 32, sig, 32);
		memcpy(buf + 64, id, id_len);
		assert_int_equal(EVP_Digest(buf, 64 + id_len, he, NULL,
		    EVP_sha256(), NULL), 1);
		t = bn32(sig);			/* r */
		u = bn32(ssk);
		assert_true(BN_mod_mul(u, u, t, q, ctx));
		BN_free(t);
		t = bn32(he);
		assert_true(BN_mod_add(u, u, t, q, ctx));
		assert_non_null(BN_mod_inverse(u, u, q, ctx));
		BN_free(t);
		t = bn32(j);
		assert_true(BN_mod_mul(u, u, t, q, ctx));
		assert_int_equal(BN_bn2binpad(u, rv, 32), 32);
		assert_memory_equal(sig + 32, rv, 32);
		BN_free(t);
		BN_free(u);
		assert_int_equal(eccsi_verify(kpak, id, id_len, id, id_len,
		    sig), CRYPTO_OK);
	}
	BN_free(e);
	BN_free(q);
	EC_POINT_free(pt);
	BN_CTX_free(ctx);
	EC_GROUP_free(g);
}

static int
failing_rand(void *arg, uint8_t *out, size_t len)
{
	(void)arg;
	(void)out;
	(void)len;
	return -1;
}

/* Always q: never in range. */
static int
q_rand(void *arg, uint8_t *out, size_t len)
{
	(void)arg;
	memcpy(out, eccsi_q, len);
	return 0;
}

/* Bad inputs are refused and the outputs wiped. */
static void
test_eccsi_rejects(void **state)
{
	uint8_t			 ksak[32], kpak[65], kpak2[65], v[64], id[4];
	uint8_t			 ssk[32], pvt[65], hs[32], zero[65];
	struct tid_fixed	 f;

	(void)state;
	memset(zero, 0, sizeof(zero));
	memset(id, 'a', sizeof(id));
	tid_hex(a_ksak, ksak, 32);
	assert_int_equal(eccsi_kpak(ksak, kpak), CRYPTO_OK);
	tid_hex(a_v, v, 32);
	memcpy(v + 32, v, 32);
	/* KSAK 0 and q. */
	memset(ssk, 0xaa, 32);
	f = (struct tid_fixed){ v, 1, 0 };
	assert_int_equal(eccsi_ssk_pvt(zero, kpak, id, 4, tid_fixed_rand, &f,
	    ssk, pvt, hs), CRYPTO_ERR_ARGS);
	assert_memory_equal(ssk, zero, 32);
	f = (struct tid_fixed){ v, 1, 0 };
	assert_int_equal(eccsi_ssk_pvt(eccsi_q, kpak, id, 4, tid_fixed_rand,
	    &f, ssk, pvt, hs), CRYPTO_ERR_ARGS);
	/* A KPAK that is not [KSAK]G fails the release check. */
	ksak[31] ^= 1;
	assert_int_equal(eccsi_kpak(ksak, kpak2), CRYPTO_OK);
	ksak[31] ^= 1;
	memset(ssk, 0xaa, 32);
	memset(pvt, 0xaa, 65);
	f = (struct tid_fixed){ v, 1, 0 };
	assert_int_equal(eccsi_ssk_pvt(ksak, kpak2, id, 4, tid_fixed_rand, &f,
	    ssk, pvt, hs), CRYPTO_ERR_VERIFY);
	assert_memory_equal(ssk, zero, 32);
	assert_memory_equal(pvt, zero, 65);
	assert_memory_equal(hs, zero, 32);
	/* A KPAK that is no point. */
	kpak2[10] ^= 1;
	f = (struct tid_fixed){ v, 1, 0 };
	assert_int_equal(eccsi_ssk_pvt(ksak, kpak2, id, 4, tid_fixed_rand, &f,
	    ssk, pvt, hs), CRYPTO_ERR_POINT);
	/* Random source failing, or never giving a value below q. */
	assert_int_equal(eccsi_ssk_pvt(ksak, kpak, id, 4, failing_rand, NULL,
	    ssk, pvt, hs), CRYPTO_ERR_RANDOM);
	assert_int_equal(eccsi_ssk_pvt(ksak, kpak, id, 4, q_rand, NULL,
	    ssk, pvt, hs), CRYPTO_ERR_RANDOM);
	/* v = 0 is drawn again: the second value is used. */
	memset(v, 0, 32);
	f = (struct tid_fixed){ v, 2, 0 };
	assert_int_equal(eccsi_ssk_pvt(ksak, kpak, id, 4, tid_fixed_rand, &f,
	    ssk, pvt, hs), CRYPTO_OK);
	assert_int_equal(f.next, 2);
	assert_hex(pvt, a_pvt);
	/* Sign refuses an SSK out of range and a failing source. */
	assert_int_equal(eccsi_sign(zero, pvt, hs, id, 4, tid_rand, NULL,
	    (uint8_t [129]){ 0 }), CRYPTO_ERR_ARGS);
	assert_int_equal(eccsi_sign(ssk, pvt, hs, id, 4, failing_rand, NULL,
	    (uint8_t [129]){ 0 }), CRYPTO_ERR_RANDOM);
	/* Validate: a PVT off the curve. */
	pvt[5] ^= 1;
	assert_int_equal(eccsi_ssk_validate(kpak, id, 4, ssk, pvt, NULL),
	    CRYPTO_ERR_POINT);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eccsi_rfc6507_ssk),
		cmocka_unit_test(test_eccsi_rfc6507_sign),
		cmocka_unit_test(test_eccsi_rfc6507_verify),
		cmocka_unit_test(test_eccsi_uid_vector),
		cmocka_unit_test(test_eccsi_streamwide_validate),
		cmocka_unit_test(test_eccsi_differential),
		cmocka_unit_test(test_eccsi_rejects),
	};

	return tid_run("eccsi", tests, sizeof(tests) / sizeof(tests[0]),
	    argc, argv);
}
