/*
 * hsm_seal.c - master secrets: drawn by the token's generator, sealed with
 * AES-256-GCM under the in-token KEK, stored as a CKO_DATA token object,
 * and unsealed only into the locked arena for one callback (the blob
 * layout is described in hsm_local.h).
 */
#include <string.h>

#include <openssl/crypto.h>

#include "board.h"
#include "hsm_local.h"

static CK_BBOOL	 ck_true = CK_TRUE;
static CK_BBOOL	 ck_false = CK_FALSE;

static uint32_t		 ct_in_range(const uint8_t *x, const uint8_t *m,
			    size_t len);
static enum hsm_status	 draw(struct hsm *h, uint8_t *secret,
			    const uint8_t *modulus, size_t len);
static size_t		 make_aad(uint8_t *aad, const uint8_t *hdr,
			    const char *label);

/*
 * 1 if 2 <= x < m, else 0; x and m are len-byte big-endian integers.
 * Branch free and without secret-dependent memory access: the accepted x
 * is the secret.
 */
static uint32_t
ct_in_range(const uint8_t *x, const uint8_t *m, size_t len)
{
	uint32_t	 lt = 0, eq = 1, hi = 0, xi, mi, ge2;
	size_t		 i;

	for (i = 0; i < len; i++) {
		xi = x[i];
		mi = m[i];
		/* xi < mi: the borrow of xi - mi in bit 31 */
		lt |= eq & ((xi - mi) >> 31);
		/* xi == mi: (xi ^ mi) - 1 borrows only for 0 */
		eq &= ((xi ^ mi) - 1) >> 31;
		if (i + 1 < len)
			hi |= xi;
	}
	/* x >= 2: a non-zero high byte, or a last byte of at least 2 */
	ge2 = ((0U - hi) >> 31) | (1U ^ (((uint32_t)x[len - 1] - 2) >> 31));
	return lt & ge2;
}

/*
 * Draw secret uniformly from [2, m - 1] by rejection sampling: len random
 * bytes from the token, the top byte masked to the bit length of m, kept
 * if in range.  Each round succeeds with probability above 1/2 for any
 * m >= 3, so HSM_DRAW_TRIES_MAX rounds fail with probability < 2^-128.
 */
static enum hsm_status
draw(struct hsm *h, uint8_t *secret, const uint8_t *modulus, size_t len)
{
	enum hsm_status	 status = HSM_ERR_GENERAL;
	uint8_t		 mask;
	int		 i;

	mask = modulus[0];
	mask |= mask >> 1;
	mask |= mask >> 2;
	mask |= mask >> 4;
	for (i = 0; i < HSM_DRAW_TRIES_MAX; i++) {
		if ((status = hsm_random(h, secret, len)) != HSM_OK)
			return status;
		secret[0] &= mask;
		if (ct_in_range(secret, modulus, len))
			return HSM_OK;
	}
	OPENSSL_cleanse(secret, len);
	return HSM_ERR_DEVICE;		/* the generator is broken */
}

/* AAD = header || label; returns its length. */
static size_t
make_aad(uint8_t *aad, const uint8_t *hdr, const char *label)
{
	size_t	 len;

	len = strlen(label);
	memcpy(aad, hdr, HSM_SEAL_HDR_LEN);
	memcpy(aad + HSM_SEAL_HDR_LEN, label, len);
	return HSM_SEAL_HDR_LEN + len;
}

/* see hsm_local.h */
enum hsm_status
hsm_seal_store(struct hsm *h, const struct hsm_key *kk, hsm_key_id kek,
    enum hsm_key_class kc, const char *label, const uint8_t *secret,
    size_t len, hsm_key_id *out)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s = { CK_INVALID_HANDLE, 0 };
	struct hsm_key		 k;
	uint8_t			 blob[HSM_SEAL_BLOB_MAX];
	uint8_t			 aad[HSM_SEAL_HDR_LEN + HSM_LABEL_MAX];
	uint8_t			*iv;
	CK_GCM_PARAMS		 gcm;
	CK_MECHANISM		 mech;
	CK_OBJECT_CLASS		 cls = CKO_DATA;
	CK_OBJECT_HANDLE	 obj = CK_INVALID_HANDLE;
	CK_ULONG		 ctlen;
	size_t			 aadlen, bloblen;
	CK_RV			 rv;

	if (len == 0 || len > HSM_MASTER_MAX_LEN)
		return HSM_ERR_ARGS;
	memset(&k, 0, sizeof(k));
	k.hk_class = kc;
	memcpy(k.hk_label, label, strlen(label) + 1);
	memcpy(k.hk_ckid, kk->hk_ckid, HSM_CKID_LEN);
	k.hk_kek = kek;
	k.hk_len = len;

	blob[0] = HSM_SEAL_VERSION;
	blob[1] = (uint8_t)kc;
	memcpy(blob + 2, kk->hk_ckid, HSM_CKID_LEN);
	iv = blob + HSM_SEAL_HDR_LEN;
	if ((status = hsm_random(h, iv, HSM_SEAL_IV_LEN)) != HSM_OK)
		goto fail;
	aadlen = make_aad(aad, blob, label);

	memset(&gcm, 0, sizeof(gcm));
	gcm.pIv = iv;
	gcm.ulIvLen = HSM_SEAL_IV_LEN;
	gcm.ulIvBits = HSM_SEAL_IV_LEN * 8;
	gcm.pAAD = aad;
	gcm.ulAADLen = aadlen;
	gcm.ulTagBits = HSM_SEAL_TAG_LEN * 8;
	mech.mechanism = CKM_AES_GCM;
	mech.pParameter = &gcm;
	mech.ulParameterLen = sizeof(gcm);
	ctlen = len + HSM_SEAL_TAG_LEN;

	hsm_session_get(h, &s);
	rv = h->h_p11->C_EncryptInit(s.hs_sess, &mech, kk->hk_obj);
	if (rv == CKR_OK)
		rv = h->h_p11->C_Encrypt(s.hs_sess, (CK_BYTE_PTR)secret, len,
		    iv + HSM_SEAL_IV_LEN, &ctlen);
	if (rv != CKR_OK) {
		hsm_session_put(h, &s, rv);
		log_warnx("%s: seal: 0x%lx", __func__, rv);
		status = hsm_ckr(rv, false);
		goto fail;
	}
	if (ctlen != len + HSM_SEAL_TAG_LEN) {
		hsm_session_put(h, &s, CKR_OK);
		status = HSM_ERR_GENERAL;
		goto fail;
	}
	bloblen = HSM_SEAL_OVERHEAD + len;
	{
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_TOKEN, &ck_true, sizeof(ck_true) },
			{ CKA_PRIVATE, &ck_true, sizeof(ck_true) },
			{ CKA_MODIFIABLE, &ck_false, sizeof(ck_false) },
			{ CKA_LABEL, k.hk_label, strlen(k.hk_label) },
			{ CKA_APPLICATION, (void *)(uintptr_t)HSM_APPLICATION,
			    sizeof(HSM_APPLICATION) - 1 },
			{ CKA_VALUE, blob, bloblen },
		};

		rv = h->h_p11->C_CreateObject(s.hs_sess, t,
		    sizeof(t) / sizeof(t[0]), &obj);
	}
	hsm_session_put(h, &s, CKR_OK);
	if (rv != CKR_OK) {
		log_warnx("%s: C_CreateObject: 0x%lx", __func__, rv);
		status = hsm_ckr(rv, false);
		goto fail;
	}
	k.hk_obj = obj;
	if ((status = hsm_key_add(h, &k, out)) != HSM_OK)
		goto fail;
	return HSM_OK;
 fail:
	if (obj != CK_INVALID_HANDLE) {
		hsm_session_get(h, &s);
		(void)h->h_p11->C_DestroyObject(s.hs_sess, obj);
		hsm_session_put(h, &s, CKR_OK);
	}
	return status;
}

/* see hsm.h */
enum hsm_status
hsm_master_create(struct hsm *h, enum hsm_key_class kc, const char *label,
    hsm_key_id kek, const uint8_t *modulus, size_t modulus_len,
    hsm_key_id *out)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_key		 kk;
	uint8_t			*secret = NULL;
	bool			 locked = false;

	if (out != NULL)
		*out = HSM_KEY_NONE;
	if (h == NULL || out == NULL || hsm_label_check(label) != HSM_OK ||
	    modulus == NULL)
		return HSM_ERR_ARGS;
	if (!hsm_class_is_master(kc))
		return HSM_ERR_ARGS;
	if ((kc == HSM_KC_MASTER_SAKKE &&
	    modulus_len != HSM_MASTER_SAKKE_LEN) ||
	    (kc == HSM_KC_MASTER_ECCSI &&
	    modulus_len != HSM_MASTER_ECCSI_LEN) ||
	    modulus_len == 0 || modulus_len > HSM_MASTER_MAX_LEN ||
	    modulus[0] == 0 || (modulus_len == 1 && modulus[0] < 3))
		return HSM_ERR_ARGS;
	if ((status = hsm_key_get(h, kek, HSM_OP_SEAL, &kk)) != HSM_OK)
		return status;

	pthread_mutex_lock(&h->h_prov_mtx);
	locked = true;
	if (hsm_key_label_cached(h, label)) {
		status = HSM_ERR_EXISTS;
		goto fail;
	}
	status = hsm_label_in_token(h, label);
	if (status != HSM_ERR_NOT_FOUND)
		goto fail;

	if ((secret = hsm_secmem_alloc(modulus_len)) == NULL) {
		status = HSM_ERR_MEMORY;
		goto fail;
	}
	if ((status = draw(h, secret, modulus, modulus_len)) != HSM_OK)
		goto fail;
	status = hsm_seal_store(h, &kk, kek, kc, label, secret, modulus_len,
	    out);
	if (status != HSM_OK)
		goto fail;
	/* wipe: the plain secret is no longer needed */
	hsm_secmem_free(secret, modulus_len);
	pthread_mutex_unlock(&h->h_prov_mtx);
	log_info("hsm: created key '%s' (%s)", label, hsm_class_name(kc));
	return HSM_OK;
 fail:
	if (secret != NULL)
		hsm_secmem_free(secret, modulus_len);
	if (locked)
		pthread_mutex_unlock(&h->h_prov_mtx);
	return status;
}

/* hsm_master_use with h_use_lock held for reading. */
static enum hsm_status
master_use(struct hsm *h, hsm_key_id id, hsm_secret_fn *fn, void *arg)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s;
	struct hsm_key		 k, kk;
	uint8_t			 blob[HSM_SEAL_BLOB_MAX];
	uint8_t			 aad[HSM_SEAL_HDR_LEN + HSM_LABEL_MAX];
	uint8_t			*plain = NULL;
	size_t			 plainsz = 0, aadlen;
	CK_ATTRIBUTE		 a;
	CK_GCM_PARAMS		 gcm;
	CK_MECHANISM		 mech;
	CK_ULONG		 plen;
	CK_RV			 rv;

	if ((status = hsm_key_get(h, id, HSM_OP_USE_SECRET, &k)) != HSM_OK)
		return status;
	if ((status = hsm_key_get(h, k.hk_kek, HSM_OP_UNSEAL, &kk)) != HSM_OK)
		return status;

	/* The sealed blob is not secret; read it on a cached handle. */
	a.type = CKA_VALUE;
	a.pValue = blob;
	a.ulValueLen = sizeof(blob);
	hsm_session_get(h, &s);
	rv = h->h_p11->C_GetAttributeValue(s.hs_sess, k.hk_obj, &a, 1);
	if (rv != CKR_OK) {
		hsm_session_put(h, &s, rv);
		status = hsm_ckr(rv, false);
		goto fail;
	}
	if (a.ulValueLen != HSM_SEAL_OVERHEAD + k.hk_len ||
	    blob[0] != HSM_SEAL_VERSION || blob[1] != (uint8_t)k.hk_class ||
	    memcmp(blob + 2, kk.hk_ckid, HSM_CKID_LEN) != 0) {
		hsm_session_put(h, &s, CKR_OK);
		status = HSM_ERR_INTEGRITY;
		goto fail;
	}
	aadlen = make_aad(aad, blob, k.hk_label);

	/* Room for ct || tag: some modules want the input length. */
	plainsz = k.hk_len + HSM_SEAL_TAG_LEN;
	if ((plain = hsm_secmem_alloc(plainsz)) == NULL) {
		hsm_session_put(h, &s, CKR_OK);
		status = HSM_ERR_MEMORY;
		goto fail;
	}
	memset(&gcm, 0, sizeof(gcm));
	gcm.pIv = blob + HSM_SEAL_HDR_LEN;
	gcm.ulIvLen = HSM_SEAL_IV_LEN;
	gcm.ulIvBits = HSM_SEAL_IV_LEN * 8;
	gcm.pAAD = aad;
	gcm.ulAADLen = aadlen;
	gcm.ulTagBits = HSM_SEAL_TAG_LEN * 8;
	mech.mechanism = CKM_AES_GCM;
	mech.pParameter = &gcm;
	mech.ulParameterLen = sizeof(gcm);
	plen = plainsz;
	rv = h->h_p11->C_DecryptInit(s.hs_sess, &mech, kk.hk_obj);
	if (rv != CKR_OK) {
		hsm_session_put(h, &s, rv);
		status = hsm_ckr(rv, false);
		goto fail;
	}
	rv = h->h_p11->C_Decrypt(s.hs_sess,
	    blob + HSM_SEAL_HDR_LEN + HSM_SEAL_IV_LEN,
	    k.hk_len + HSM_SEAL_TAG_LEN, plain, &plen);
	hsm_session_put(h, &s, rv);
	if (rv != CKR_OK) {
		status = hsm_ckr(rv, true);
		if (status == HSM_ERR_INTEGRITY)
			log_warnx("hsm: sealed object '%s' failed "
			    "authentication", k.hk_label);
		goto fail;
	}
	if (plen != k.hk_len) {
		status = HSM_ERR_INTEGRITY;
		goto fail;
	}

	status = fn(plain, k.hk_len, arg) == 0 ? HSM_OK : HSM_ERR_GENERAL;
 fail:
	/* wipe: the unsealed secret, on every path */
	if (plain != NULL)
		hsm_secmem_free(plain, plainsz);
	return status;
}

/*
 * see hsm.h.  Zeroize takes h_use_lock for writing: it waits for a
 * derivation under way to finish (and wipe) before it destroys the
 * objects and wipes the arena, so no derivation runs on a half-wiped
 * secret.
 */
enum hsm_status
hsm_master_use(struct hsm *h, hsm_key_id id, hsm_secret_fn *fn, void *arg)
{
	enum hsm_status	 status;

	if (h == NULL || fn == NULL)
		return HSM_ERR_ARGS;
	pthread_rwlock_rdlock(&h->h_use_lock);
	status = master_use(h, id, fn, arg);
	pthread_rwlock_unlock(&h->h_use_lock);
	return status;
}
