/*
 * hsm_kat.c - the token half of the power-on self-test: one operation of
 * each mechanism the appliance relies on, with a published test key
 * imported as a session object and destroyed again (see hsm.h).  The
 * vectors and the comparison live in firmware/post.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "board.h"
#include "hsm_local.h"

#define KAT_GCM_TAG_LEN		16
#define KAT_EC_SCALAR_LEN	32
#define KAT_DIGEST_LEN		32

static CK_BBOOL	 ck_true = CK_TRUE;
static CK_BBOOL	 ck_false = CK_FALSE;

/*
 * Import the test key of kat on session s: a session object (CKA_TOKEN
 * false), private and sensitive, usable only for the operation of kat.
 */
static CK_RV
kat_key(struct hsm *h, CK_SESSION_HANDLE s, enum hsm_kat kat,
    const struct hsm_kat_in *in, CK_OBJECT_HANDLE *obj)
{
	CK_OBJECT_CLASS	 cls = kat == HSM_KAT_ECDSA ? CKO_PRIVATE_KEY :
			    CKO_SECRET_KEY;
	CK_KEY_TYPE	 kt;
	CK_ATTRIBUTE	 t[9];
	CK_ULONG	 n = 0;

	switch (kat) {
	case HSM_KAT_HMAC:
		kt = CKK_GENERIC_SECRET;
		break;
	case HSM_KAT_ECDSA:
		kt = CKK_EC;
		break;
	default:
		kt = CKK_AES;
		break;
	}
	t[n++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	t[n++] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &kt, sizeof(kt) };
	t[n++] = (CK_ATTRIBUTE){ CKA_TOKEN, &ck_false, sizeof(ck_false) };
	t[n++] = (CK_ATTRIBUTE){ CKA_PRIVATE, &ck_true, sizeof(ck_true) };
	t[n++] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &ck_true, sizeof(ck_true) };
	t[n++] = (CK_ATTRIBUTE){ CKA_VALUE, (void *)(uintptr_t)in->key,
	    (CK_ULONG)in->key_len };
	switch (kat) {
	case HSM_KAT_HMAC:
	case HSM_KAT_ECDSA:
		t[n++] = (CK_ATTRIBUTE){ CKA_SIGN, &ck_true, sizeof(ck_true) };
		break;
	default:
		t[n++] = (CK_ATTRIBUTE){ CKA_ENCRYPT, &ck_true,
		    sizeof(ck_true) };
		break;
	}
	if (kat == HSM_KAT_ECDSA)
		t[n++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS,
		    (void *)(uintptr_t)HSM_EC_PARAMS_P256,
		    HSM_EC_PARAMS_P256_LEN };
	else
		t[n++] = (CK_ATTRIBUTE){ CKA_EXTRACTABLE, &ck_false,
		    sizeof(ck_false) };
	return h->h_p11->C_CreateObject(s, t, n, obj);
}

static bool
kat_args_ok(enum hsm_kat kat, const struct hsm_kat_in *in, size_t out_size)
{
	if (in->key == NULL || in->key_len == 0 ||
	    in->key_len > HSM_KAT_KEY_MAX || in->data == NULL ||
	    in->data_len == 0 || in->data_len > HSM_KAT_DATA_MAX)
		return false;
	switch (kat) {
	case HSM_KAT_HMAC:
		return out_size >= HSM_HMAC_LEN;
	case HSM_KAT_KWP:
		return out_size >= HSM_KWP_LEN(in->data_len);
	case HSM_KAT_GCM:
		return in->iv != NULL && in->iv_len == HSM_GCM_IV_LEN &&
		    (in->aad != NULL || in->aad_len == 0) &&
		    in->aad_len <= HSM_GCM_AAD_MAX &&
		    out_size >= in->data_len + KAT_GCM_TAG_LEN;
	case HSM_KAT_ECDSA:
		return in->key_len == KAT_EC_SCALAR_LEN &&
		    in->data_len == KAT_DIGEST_LEN &&
		    out_size >= HSM_ECDSA_SIG_LEN;
	default:
		return false;
	}
}

/* see hsm.h */
enum hsm_status
hsm_kat(struct hsm *h, enum hsm_kat kat, const struct hsm_kat_in *in,
    uint8_t *out, size_t out_size, size_t *out_len)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s = { 0 };
	CK_OBJECT_HANDLE	 key = CK_INVALID_HANDLE;
	CK_MECHANISM		 mech = { CKM_SHA256_HMAC, NULL, 0 };
	CK_GCM_PARAMS		 gcm;
	CK_ULONG		 olen = (CK_ULONG)out_size;
	CK_RV			 rv = CKR_OK;
	bool			 have_sess = false;

	if (out_len != NULL)
		*out_len = 0;
	if (h == NULL || in == NULL || out == NULL || out_len == NULL ||
	    !kat_args_ok(kat, in, out_size)) {
		status = HSM_ERR_ARGS;
		goto fail;
	}
	if ((status = hsm_gate(h)) != HSM_OK)	/* hsm_logout */
		goto fail;
	hsm_session_get(h, &s);
	have_sess = true;
	if ((rv = kat_key(h, s.hs_sess, kat, in, &key)) != CKR_OK)
		goto fail;
	switch (kat) {
	case HSM_KAT_HMAC:
	case HSM_KAT_ECDSA:
		if (kat == HSM_KAT_ECDSA)
			mech.mechanism = CKM_ECDSA;
		if ((rv = h->h_p11->C_SignInit(s.hs_sess, &mech, key)) ==
		    CKR_OK)
			rv = h->h_p11->C_Sign(s.hs_sess,
			    (CK_BYTE_PTR)(uintptr_t)in->data,
			    (CK_ULONG)in->data_len, out, &olen);
		break;
	case HSM_KAT_KWP:
		status = hsm_kwp_wrap(h, s.hs_sess, key, in->data,
		    in->data_len, out, &rv);
		if (status != HSM_OK)
			goto fail;
		olen = (CK_ULONG)HSM_KWP_LEN(in->data_len);
		break;
	case HSM_KAT_GCM:
		memset(&gcm, 0, sizeof(gcm));
		gcm.pIv = (CK_BYTE_PTR)(uintptr_t)in->iv;
		gcm.ulIvLen = (CK_ULONG)in->iv_len;
		gcm.ulIvBits = (CK_ULONG)in->iv_len * 8;
		gcm.pAAD = (CK_BYTE_PTR)(uintptr_t)in->aad;
		gcm.ulAADLen = (CK_ULONG)in->aad_len;
		gcm.ulTagBits = KAT_GCM_TAG_LEN * 8;
		mech.mechanism = CKM_AES_GCM;
		mech.pParameter = &gcm;
		mech.ulParameterLen = sizeof(gcm);
		if ((rv = h->h_p11->C_EncryptInit(s.hs_sess, &mech, key)) ==
		    CKR_OK)
			rv = h->h_p11->C_Encrypt(s.hs_sess,
			    (CK_BYTE_PTR)(uintptr_t)in->data,
			    (CK_ULONG)in->data_len, out, &olen);
		break;
	default:
		status = HSM_ERR_ARGS;
		goto fail;
	}
	if (rv != CKR_OK)
		goto fail;
	*out_len = (size_t)olen;
	status = HSM_OK;
 fail:
	/* A token call failed: its status, unless a more precise one. */
	if (rv != CKR_OK && status == HSM_ERR_GENERAL) {
		status = hsm_ckr(rv, false);
		if (status == HSM_OK)
			status = HSM_ERR_GENERAL;
		log_warnx("%s: kat %d: 0x%lx", __func__, (int)kat, rv);
	}
	if (have_sess) {
		if (key != CK_INVALID_HANDLE)
			(void)h->h_p11->C_DestroyObject(s.hs_sess, key);
		hsm_session_put(h, &s, rv);
	}
	if (status != HSM_OK && out != NULL)
		OPENSSL_cleanse(out, out_size);
	return status;
}
