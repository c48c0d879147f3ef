/*
 * hsm_kcache.c - sealing for caches of derived secrets held in host
 * memory (firmware/mcx/precompute.c keeps the next key period's key sets
 * this way; docs/identities.md "Precomputed key sets").
 *
 * The cache key is an AES-256 key generated in the token as a session
 * object: private, sensitive, never extractable, encrypt and decrypt only.
 * It lives on a session of its own, outside the pool (so that a failure
 * on a pooled session, which replaces that session, cannot take it
 * away), and disappears with it: hsm_close, zeroize, a failure of that
 * session other than a blob that does not authenticate, or
 * hsm_cache_forget.  The blobs are then unreadable and the cache simply
 * misses.  Blobs are AES-256-GCM, IV from
 * the token, the caller's AAD binding each blob to its slot (identity and
 * period); the plaintext never exists outside the caller's buffer.
 *
 * One cache key per process (one hsm per process, hsm.h), under a mutex.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "hsm_local.h"

#define KCACHE_KEY_LEN	32		/* AES-256 */

static pthread_mutex_t	 kc_mtx = PTHREAD_MUTEX_INITIALIZER;
static CK_SESSION_HANDLE kc_sess = CK_INVALID_HANDLE;	/* our own */
static CK_OBJECT_HANDLE	 kc_key = CK_INVALID_HANDLE;
static const struct hsm	*kc_owner;	/* the hsm kc_sess belongs to */

static CK_BBOOL	 kc_true = CK_TRUE;
static CK_BBOOL	 kc_false = CK_FALSE;

static enum hsm_status	 kc_ready(struct hsm *);
static void		 kc_drop(struct hsm *);
static bool		 kc_in_pool(struct hsm *, CK_SESSION_HANDLE);

/*
 * Whether sess is one of h's pooled sessions: then our handle is stale
 * (an hsm closed and another opened, the module reusing handles) and
 * must be forgotten, never closed.
 */
static bool
kc_in_pool(struct hsm *h, CK_SESSION_HANDLE sess)
{
	size_t	 i;
	bool	 in = false;

	pthread_mutex_lock(&h->h_mtx);
	for (i = 0; i < h->h_nsess && !in; i++)
		in = h->h_sess[i] == sess;
	pthread_mutex_unlock(&h->h_mtx);
	return in;
}
static enum hsm_status	 kc_crypt(struct hsm *, bool, const void *, size_t,
			    const uint8_t *, size_t, uint8_t *, size_t);

/* Close our session: the cache key goes with it (under kc_mtx). */
static void
kc_drop(struct hsm *h)
{
	if (kc_sess != CK_INVALID_HANDLE && kc_owner == h &&
	    !kc_in_pool(h, kc_sess))
		(void)h->h_p11->C_CloseSession(kc_sess);
	kc_sess = CK_INVALID_HANDLE;
	kc_key = CK_INVALID_HANDLE;
	kc_owner = NULL;
}

/* Our session and the cache key, made the first time (under kc_mtx). */
static enum hsm_status
kc_ready(struct hsm *h)
{
	CK_MECHANISM		 gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_OBJECT_CLASS		 cls = CKO_SECRET_KEY;
	CK_KEY_TYPE		 aes = CKK_AES;
	CK_ULONG		 len = KCACHE_KEY_LEN;
	CK_ATTRIBUTE		 t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &aes, sizeof(aes) },
		{ CKA_VALUE_LEN, &len, sizeof(len) },
		{ CKA_TOKEN, &kc_false, sizeof(kc_false) },
		{ CKA_PRIVATE, &kc_true, sizeof(kc_true) },
		{ CKA_SENSITIVE, &kc_true, sizeof(kc_true) },
		{ CKA_EXTRACTABLE, &kc_false, sizeof(kc_false) },
		{ CKA_ENCRYPT, &kc_true, sizeof(kc_true) },
		{ CKA_DECRYPT, &kc_true, sizeof(kc_true) },
		{ CKA_WRAP, &kc_false, sizeof(kc_false) },
		{ CKA_UNWRAP, &kc_false, sizeof(kc_false) },
	};
	enum hsm_status		 st;
	CK_RV			 rv;

	if (kc_owner == h && kc_sess != CK_INVALID_HANDLE &&
	    kc_key != CK_INVALID_HANDLE && !kc_in_pool(h, kc_sess))
		return HSM_OK;
	if (kc_owner != h || kc_in_pool(h, kc_sess)) {	/* stale handles */
		kc_sess = CK_INVALID_HANDLE;
		kc_key = CK_INVALID_HANDLE;
	}
	kc_drop(h);
	rv = h->h_p11->C_OpenSession(h->h_slot, CKF_SERIAL_SESSION |
	    CKF_RW_SESSION, NULL, NULL, &kc_sess);
	if (rv != CKR_OK) {
		kc_sess = CK_INVALID_HANDLE;
		goto fail;
	}
	kc_owner = h;
	rv = h->h_p11->C_GenerateKey(kc_sess, &gen, t, sizeof(t) /
	    sizeof(t[0]), &kc_key);
	if (rv != CKR_OK) {
		kc_key = CK_INVALID_HANDLE;
		kc_drop(h);
		goto fail;
	}
	return HSM_OK;
 fail:
	st = hsm_ckr(rv, false);
	return st != HSM_OK ? st : HSM_ERR_GENERAL;
}

/*
 * AES-256-GCM under the cache key: seal (in = plaintext, out = IV ||
 * ciphertext || tag) or open (in = blob, out = plaintext).  A blob that
 * does not authenticate is HSM_ERR_INTEGRITY and leaves the key; any
 * other failure drops our session (and the key with it).
 */
static enum hsm_status
kc_crypt(struct hsm *h, bool seal, const void *aad, size_t aad_len,
    const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	CK_MECHANISM		 mech;
	CK_GCM_PARAMS		 gcm;
	CK_ULONG		 n;
	CK_RV			 rv = CKR_OK;
	uint8_t			 iv[HSM_GCM_IV_LEN];
	uint8_t			 tmp[HSM_CACHE_MAX + HSM_GCM_TAG_LEN];

	pthread_mutex_lock(&kc_mtx);
	if ((status = hsm_gate(h)) != HSM_OK ||	/* hsm_logout */
	    (status = kc_ready(h)) != HSM_OK)
		goto out;
	if (seal) {
		rv = h->h_p11->C_GenerateRandom(kc_sess, iv, sizeof(iv));
		if (rv != CKR_OK)
			goto out;
		memcpy(out, iv, sizeof(iv));
	} else
		memcpy(iv, in, sizeof(iv));
	memset(&gcm, 0, sizeof(gcm));
	gcm.pIv = iv;
	gcm.ulIvLen = sizeof(iv);
	gcm.ulIvBits = sizeof(iv) * 8;
	gcm.pAAD = (CK_BYTE_PTR)(uintptr_t)aad;
	gcm.ulAADLen = (CK_ULONG)aad_len;
	gcm.ulTagBits = HSM_GCM_TAG_LEN * 8;
	mech.mechanism = CKM_AES_GCM;
	mech.pParameter = &gcm;
	mech.ulParameterLen = sizeof(gcm);
	if (seal) {
		n = (CK_ULONG)(out_len - HSM_GCM_IV_LEN);
		rv = h->h_p11->C_EncryptInit(kc_sess, &mech, kc_key);
		if (rv == CKR_OK)
			rv = h->h_p11->C_Encrypt(kc_sess,
			    (CK_BYTE_PTR)(uintptr_t)in, (CK_ULONG)in_len,
			    out + HSM_GCM_IV_LEN, &n);
		if (rv != CKR_OK)
			goto out;
		if (n != in_len + HSM_GCM_TAG_LEN) {
			status = HSM_ERR_GENERAL;
			goto out;
		}
	} else {
		/* Room for ciphertext and tag: modules size the output
		 * by the input before they check the tag. */
		rv = h->h_p11->C_DecryptInit(kc_sess, &mech, kc_key);
		if (rv != CKR_OK)
			goto out;
		n = (CK_ULONG)sizeof(tmp);
		rv = h->h_p11->C_Decrypt(kc_sess,
		    (CK_BYTE_PTR)(uintptr_t)(in + HSM_GCM_IV_LEN),
		    (CK_ULONG)(in_len - HSM_GCM_IV_LEN), tmp, &n);
		/* C_Decrypt ends the operation; a tag that does not verify
		 * (SoftHSM: CKR_GENERAL_ERROR) is the blob's fault. */
		if (rv != CKR_OK && hsm_ckr(rv, true) == HSM_ERR_INTEGRITY) {
			status = HSM_ERR_INTEGRITY;
			goto out;
		}
		if (rv != CKR_OK)
			goto out;
		if (n != out_len) {
			status = HSM_ERR_INTEGRITY;
			goto out;
		}
		memcpy(out, tmp, out_len);
	}
	status = HSM_OK;
 out:
	/* A token call failed (not a blob's tag): our session goes. */
	if (rv != CKR_OK && status != HSM_ERR_INTEGRITY) {
		kc_drop(h);
		status = hsm_ckr(rv, false);
		if (status == HSM_OK)
			status = HSM_ERR_GENERAL;
	}
	pthread_mutex_unlock(&kc_mtx);
	explicit_bzero(iv, sizeof(iv));
	explicit_bzero(tmp, sizeof(tmp));	/* wipe: plaintext */
	return status;
}

/* see hsm.h */
enum hsm_status
hsm_cache_seal(struct hsm *h, const void *aad, size_t aad_len,
    const void *plain, size_t len, uint8_t *out, size_t out_size)
{
	enum hsm_status	 st;

	if (h == NULL || plain == NULL || len == 0 || len > HSM_CACHE_MAX ||
	    (aad == NULL && aad_len > 0) || aad_len > HSM_GCM_AAD_MAX ||
	    out == NULL)
		return HSM_ERR_ARGS;
	if (out_size < HSM_CACHE_BLOB_LEN(len))
		return HSM_ERR_BUFFER;
	st = kc_crypt(h, true, aad, aad_len, plain, len, out,
	    HSM_CACHE_BLOB_LEN(len));
	if (st != HSM_OK)
		explicit_bzero(out, out_size);
	return st;
}

/* see hsm.h */
enum hsm_status
hsm_cache_open(struct hsm *h, const void *aad, size_t aad_len,
    const uint8_t *blob, size_t blob_len, void *plain, size_t len)
{
	enum hsm_status	 st;

	if (h == NULL || blob == NULL || plain == NULL || len == 0 ||
	    len > HSM_CACHE_MAX || (aad == NULL && aad_len > 0) ||
	    aad_len > HSM_GCM_AAD_MAX)
		return HSM_ERR_ARGS;
	if (blob_len != HSM_CACHE_BLOB_LEN(len))
		return HSM_ERR_INTEGRITY;
	st = kc_crypt(h, false, aad, aad_len, blob, blob_len, plain, len);
	if (st != HSM_OK)
		explicit_bzero(plain, len);	/* wipe: partial plaintext */
	return st;
}

/* see hsm.h */
void
hsm_cache_forget(struct hsm *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&kc_mtx);
	kc_drop(h);
	pthread_mutex_unlock(&kc_mtx);
}
