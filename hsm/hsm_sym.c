/*
 * hsm_sym.c - symmetric operations with the per-user keys, inside the
 * token: HMAC-SHA256 (with the twin), RFC 5649 wrap of user key material
 * and AES-128-GCM of a KmsMessage with a wrapped content key.
 *
 * Why RFC 5649 is built here from AES-ECB (notes/platform.md section 1
 * and docs/hsm.md): SoftHSM 2.6.1's CKM_AES_KEY_WRAP_PAD zero-pads to a
 * multiple of 8 before wrapping, so its output is not RFC 5649 for 65 or
 * 257 bytes; its CKM_AES_KEY_WRAP refuses an IV in pParameter
 * (CKR_ARGUMENTS_BAD, measured), so the RFC 5649 initial value cannot be
 * passed to it; C_Encrypt with either KW mechanism is refused.  RFC 5649
 * is RFC 3394's W with another initial value, and W needs only the AES
 * block function under the KEK, so hsm/ runs W here and asks the token
 * for each AES block (CKM_AES_ECB with the TrK as a token object).  The
 * TrK never leaves the token; the material is in host memory anyway (it
 * was derived in firmware/crypto).
 */
#include <string.h>

#include <openssl/crypto.h>

#include "board.h"
#include "hsm_local.h"

#define AES_BLOCK	16
#define SEMIBLOCK	8

static CK_BBOOL	 ck_true = CK_TRUE;
static CK_BBOOL	 ck_false = CK_FALSE;

/* see hsm.h */
enum hsm_status
hsm_hmac(struct hsm *h, hsm_key_id id, const void *data, size_t len,
    uint8_t *out, size_t out_size, size_t *out_len)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s;
	struct hsm_key		 k;
	CK_MECHANISM		 mech = { CKM_SHA256_HMAC, NULL, 0 };
	CK_ULONG		 maclen;
	CK_RV			 rv;

	if (out_len != NULL)
		*out_len = 0;
	if (h == NULL || (data == NULL && len > 0) || out == NULL ||
	    out_len == NULL) {
		status = HSM_ERR_ARGS;
		goto fail;
	}
	if ((status = hsm_key_get(h, id, HSM_OP_HMAC, &k)) != HSM_OK)
		goto fail;
	if (out_size < HSM_HMAC_LEN) {
		status = HSM_ERR_BUFFER;
		goto fail;
	}
	if (k.hk_twin == CK_INVALID_HANDLE) {
		status = HSM_ERR_NOT_FOUND;
		goto fail;
	}
	maclen = (CK_ULONG)out_size;
	hsm_session_get(h, &s);
	rv = h->h_p11->C_SignInit(s.hs_sess, &mech, k.hk_twin);
	if (rv == CKR_OK)
		rv = h->h_p11->C_Sign(s.hs_sess,
		    (CK_BYTE_PTR)(uintptr_t)data, (CK_ULONG)len, out, &maclen);
	hsm_session_put(h, &s, rv);
	if ((status = hsm_ckr(rv, false)) != HSM_OK)
		goto fail;
	if (maclen != HSM_HMAC_LEN) {
		status = HSM_ERR_GENERAL;
		goto fail;
	}
	*out_len = HSM_HMAC_LEN;
	return HSM_OK;
 fail:
	if (out != NULL)
		memset(out, '!', out_size);
	return status;
}

/* see hsm.h */
enum hsm_status
hsm_hmac_verify(struct hsm *h, hsm_key_id id, const void *data, size_t len,
    const uint8_t *mac, size_t mac_len)
{
	enum hsm_status	 status;
	uint8_t		 want[HSM_HMAC_LEN];
	size_t		 wlen;

	if (mac == NULL || mac_len < HSM_HMAC_MIN_LEN ||
	    mac_len > HSM_HMAC_LEN)
		return HSM_ERR_ARGS;
	status = hsm_hmac(h, id, data, len, want, sizeof(want), &wlen);
	if (status == HSM_OK && CRYPTO_memcmp(want, mac, mac_len) != 0)
		status = HSM_ERR_INTEGRITY;
	/* wipe: the expected MAC */
	OPENSSL_cleanse(want, sizeof(want));
	return status;
}

/*
 * RFC 5649 section 4.1 with the AES block function in the token:
 *
 *   AIV = A65959A6 || MLI (len as 32-bit big endian)
 *   P   = material zero-padded to r = ceil(len / 8) semiblocks
 *   r == 1:  C = AES(K, AIV || P[1])                       (16 bytes)
 *   r >= 2:  C = W(AIV, P), RFC 3394 section 2.2.1:
 *              A = AIV, R[i] = P[i]
 *              for j = 0..5, for i = 1..r:
 *                  B = AES(K, A || R[i])
 *                  A = MSB64(B) ^ t, t = r*j + i (64-bit big endian)
 *                  R[i] = LSB64(B)
 *              C = A || R[1] || ... || R[r]
 *
 * out (8 * (r + 1) bytes) holds A and R[] while W runs.  Every AES block
 * is one C_EncryptUpdate of a single CKM_AES_ECB operation.  On failure
 * *rvp is the failing CK_RV and out holds garbage the caller wipes.
 * (see hsm_local.h: the power-on self-test runs it too, hsm_kat.c)
 */
enum hsm_status
hsm_kwp_wrap(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE kek,
    const uint8_t *p, size_t len, uint8_t *out, CK_RV *rvp)
{
	CK_MECHANISM	 ecb = { CKM_AES_ECB, NULL, 0 };
	uint8_t		 b[AES_BLOCK], fin[AES_BLOCK];
	uint8_t		*a = out, *r = out + SEMIBLOCK;
	CK_ULONG	 blen;
	size_t		 n, i, j, k, steps;
	uint64_t	 t;
	CK_RV		 rv;

	n = (len + SEMIBLOCK - 1) / SEMIBLOCK;
	a[0] = 0xa6;
	a[1] = 0x59;
	a[2] = 0x59;
	a[3] = 0xa6;
	a[4] = (uint8_t)(len >> 24);
	a[5] = (uint8_t)(len >> 16);
	a[6] = (uint8_t)(len >> 8);
	a[7] = (uint8_t)len;
	memset(r, 0, n * SEMIBLOCK);
	memcpy(r, p, len);

	if ((rv = h->h_p11->C_EncryptInit(s, &ecb, kek)) != CKR_OK)
		goto fail;
	/* One block: C = AES(K, AIV || P[1]); otherwise 6 rounds of W. */
	steps = n == 1 ? 1 : 6;
	for (j = 0; j < steps; j++) {
		for (i = 0; i < n; i++) {
			memcpy(b, a, SEMIBLOCK);
			memcpy(b + SEMIBLOCK, r + i * SEMIBLOCK, SEMIBLOCK);
			blen = AES_BLOCK;
			rv = h->h_p11->C_EncryptUpdate(s, b, AES_BLOCK, b,
			    &blen);
			/* A failed update ends the operation (PKCS#11). */
			if (rv != CKR_OK)
				goto fail;
			if (blen != AES_BLOCK) {
				blen = sizeof(fin);
				(void)h->h_p11->C_EncryptFinal(s, fin, &blen);
				rv = CKR_GENERAL_ERROR;
				goto fail;
			}
			if (n == 1) {
				memcpy(out, b, AES_BLOCK);
				break;
			}
			t = (uint64_t)(n * j + i + 1);
			for (k = 0; k < SEMIBLOCK; k++)
				a[k] = b[k] ^
				    (uint8_t)(t >> (8 * (SEMIBLOCK - 1 - k)));
			memcpy(r + i * SEMIBLOCK, b + SEMIBLOCK, SEMIBLOCK);
		}
	}
	blen = sizeof(fin);
	rv = h->h_p11->C_EncryptFinal(s, fin, &blen);
 fail:
	/* wipe: the last block and the final scratch */
	OPENSSL_cleanse(b, sizeof(b));
	OPENSSL_cleanse(fin, sizeof(fin));
	*rvp = rv;
	if (rv == CKR_OK)
		return HSM_OK;
	return hsm_ckr(rv, false) == HSM_OK ? HSM_ERR_GENERAL :
	    hsm_ckr(rv, false);
}

/* see hsm.h */
enum hsm_status
hsm_wrap_material(struct hsm *h, hsm_key_id trk, const uint8_t *material,
    size_t len, uint8_t *out, size_t out_size, size_t *out_len)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s;
	struct hsm_key		 k;
	CK_RV			 rv = CKR_OK;

	if (out_len != NULL)
		*out_len = 0;
	if (h == NULL || material == NULL || out == NULL || out_len == NULL ||
	    len == 0 || len > HSM_WRAP_MATERIAL_MAX) {
		status = HSM_ERR_ARGS;
		goto fail;
	}
	if ((status = hsm_key_get(h, trk, HSM_OP_WRAP_MATERIAL, &k)) != HSM_OK)
		goto fail;
	if (out_size < HSM_KWP_LEN(len)) {
		status = HSM_ERR_BUFFER;
		goto fail;
	}
	hsm_session_get(h, &s);
	status = hsm_kwp_wrap(h, s.hs_sess, k.hk_obj, material, len, out, &rv);
	hsm_session_put(h, &s, rv);
	if (status != HSM_OK)
		goto fail;
	*out_len = HSM_KWP_LEN(len);
	return HSM_OK;
 fail:
	/* wipe: out held the padded material while W ran */
	if (out != NULL)
		OPENSSL_cleanse(out, out_size);
	return status;
}

/* see hsm_local.h */
CK_RV
hsm_session_aes_key(struct hsm *h, CK_SESSION_HANDLE sess, CK_ULONG len,
    bool wrapping, CK_OBJECT_HANDLE *obj)
{
	CK_MECHANISM		 gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_OBJECT_CLASS		 cls = CKO_SECRET_KEY;
	CK_KEY_TYPE		 aes = CKK_AES;
	CK_BBOOL		*content = wrapping ? &ck_false : &ck_true;
	CK_BBOOL		*wrap = wrapping ? &ck_true : &ck_false;
	CK_ATTRIBUTE		 t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &aes, sizeof(aes) },
		{ CKA_VALUE_LEN, &len, sizeof(len) },
		{ CKA_TOKEN, &ck_false, sizeof(ck_false) },
		{ CKA_PRIVATE, &ck_true, sizeof(ck_true) },
		{ CKA_SENSITIVE, &ck_true, sizeof(ck_true) },
		{ CKA_EXTRACTABLE, content, sizeof(*content) },
		{ CKA_ENCRYPT, content, sizeof(*content) },
		{ CKA_DECRYPT, &ck_false, sizeof(ck_false) },
		{ CKA_WRAP, wrap, sizeof(*wrap) },
		{ CKA_UNWRAP, wrap, sizeof(*wrap) },
	};

	return h->h_p11->C_GenerateKey(sess, &gen, t, sizeof(t) / sizeof(t[0]),
	    obj);
}

/* see hsm.h */
enum hsm_status
hsm_gcm_seal(struct hsm *h, hsm_key_id trk, const void *plaintext,
    size_t len, const void *aad, size_t aad_len, uint8_t *out,
    size_t out_size, size_t *out_len, uint8_t *wcek, size_t wcek_size,
    size_t *wcek_len)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s;
	struct hsm_key		 k;
	CK_MECHANISM		 kw = { CKM_AES_KEY_WRAP, NULL, 0 };
	CK_MECHANISM		 mech;
	CK_GCM_PARAMS		 gcm;
	CK_ULONG		 clen, wlen;
	CK_OBJECT_HANDLE	 cek = CK_INVALID_HANDLE;
	CK_RV			 rv = CKR_OK;
	bool			 have_sess = false;

	if (out_len != NULL)
		*out_len = 0;
	if (wcek_len != NULL)
		*wcek_len = 0;
	if (h == NULL || (plaintext == NULL && len > 0) ||
	    (aad == NULL && aad_len > 0) || out == NULL || out_len == NULL ||
	    wcek == NULL || wcek_len == NULL || len > HSM_GCM_MAX ||
	    aad_len > HSM_GCM_AAD_MAX) {
		status = HSM_ERR_ARGS;
		goto fail;
	}
	if ((status = hsm_key_get(h, trk, HSM_OP_GCM_SEAL, &k)) != HSM_OK)
		goto fail;
	if (out_size < HSM_GCM_LEN(len) ||
	    wcek_size < HSM_GCM_WRAPPED_CEK_LEN) {
		status = HSM_ERR_BUFFER;
		goto fail;
	}

	hsm_session_get(h, &s);
	have_sess = true;
	/* The content key: a session object, gone after this call. */
	rv = hsm_session_aes_key(h, s.hs_sess, HSM_GCM_CEK_LEN, false, &cek);
	if (rv != CKR_OK)
		goto p11fail;
	rv = h->h_p11->C_GenerateRandom(s.hs_sess, out, HSM_GCM_IV_LEN);
	if (rv != CKR_OK)
		goto p11fail;

	memset(&gcm, 0, sizeof(gcm));
	gcm.pIv = out;
	gcm.ulIvLen = HSM_GCM_IV_LEN;
	gcm.ulIvBits = HSM_GCM_IV_LEN * 8;
	gcm.pAAD = (CK_BYTE_PTR)(uintptr_t)aad;
	gcm.ulAADLen = (CK_ULONG)aad_len;
	gcm.ulTagBits = HSM_GCM_TAG_LEN * 8;
	mech.mechanism = CKM_AES_GCM;
	mech.pParameter = &gcm;
	mech.ulParameterLen = sizeof(gcm);
	clen = (CK_ULONG)(out_size - HSM_GCM_IV_LEN);
	rv = h->h_p11->C_EncryptInit(s.hs_sess, &mech, cek);
	if (rv != CKR_OK)
		goto p11fail;
	rv = h->h_p11->C_Encrypt(s.hs_sess, (CK_BYTE_PTR)(uintptr_t)plaintext,
	    (CK_ULONG)len, out + HSM_GCM_IV_LEN, &clen);
	if (rv != CKR_OK)
		goto p11fail;
	if (clen != len + HSM_GCM_TAG_LEN) {
		status = HSM_ERR_GENERAL;
		goto fail;
	}

	wlen = (CK_ULONG)wcek_size;
	rv = h->h_p11->C_WrapKey(s.hs_sess, &kw, k.hk_obj, cek, wcek, &wlen);
	if (rv != CKR_OK)
		goto p11fail;
	if (wlen != HSM_GCM_WRAPPED_CEK_LEN) {
		status = HSM_ERR_GENERAL;
		goto fail;
	}
	rv = h->h_p11->C_DestroyObject(s.hs_sess, cek);
	cek = CK_INVALID_HANDLE;
	if (rv != CKR_OK)
		goto p11fail;
	hsm_session_put(h, &s, rv);
	*out_len = HSM_GCM_LEN(len);
	*wcek_len = HSM_GCM_WRAPPED_CEK_LEN;
	return HSM_OK;

 p11fail:
	status = hsm_ckr(rv, false);
	if (status == HSM_OK)
		status = HSM_ERR_GENERAL;
 fail:
	if (have_sess) {
		if (cek != CK_INVALID_HANDLE)
			(void)h->h_p11->C_DestroyObject(s.hs_sess, cek);
		hsm_session_put(h, &s, rv);
	}
	if (out != NULL)
		memset(out, '!', out_size);
	if (wcek != NULL)
		memset(wcek, '!', wcek_size);
	return status;
}
