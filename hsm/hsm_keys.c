/*
 * hsm_keys.c - the appliance's token objects: the start-up scan that
 * fills the key table, key generation (KEK, KMS signing key pair), the
 * signing operations and hsm_destroy_all.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "board.h"
#include "hsm_local.h"

#define HSM_OBJECTS_MAX	(4 * HSM_KEYS_MAX)	/* objects scanned */
#define HSM_EC_POINT_DER_MAX	80	/* CKA_EC_POINT of P-256 */

static CK_BBOOL	 ck_true = CK_TRUE;
static CK_BBOOL	 ck_false = CK_FALSE;

/* The fixed labels: objects bearing them are the appliance's. */
static const char *const fixed_labels[] = {
	HSM_LABEL_KEK, HSM_LABEL_SAKKE, HSM_LABEL_ECCSI, HSM_LABEL_KMS_SIGN,
};

static enum hsm_status	 list_objects(struct hsm *h, CK_SESSION_HANDLE s,
			    CK_OBJECT_HANDLE **out, size_t *out_len);
static enum hsm_status	 get_attr(struct hsm *h, CK_SESSION_HANDLE s,
			    CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type,
			    void *out, size_t out_size, size_t *out_len);
static bool		 ckid_is_ours(const uint8_t *id, size_t len);
static enum hsm_status	 scan_object(struct hsm *h, CK_SESSION_HANDLE s,
			    CK_OBJECT_HANDLE obj, struct hsm_key *pubs,
			    size_t *npubs);
static bool		 is_ours(struct hsm *h, CK_SESSION_HANDLE s,
			    CK_OBJECT_HANDLE obj);

/*
 * Every object visible in session s (public and, once logged in, private
 * ones).  The handles are collected first and examined after
 * C_FindObjectsFinal, so no other call runs inside the find operation.
 */
static enum hsm_status
list_objects(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE **out,
    size_t *out_len)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	CK_OBJECT_HANDLE	*v = NULL, *nv;
	size_t			 n = 0, cap = 0;
	CK_ULONG		 got;
	CK_RV			 rv;
	bool			 active = false;

	*out = NULL;
	*out_len = 0;
	if ((rv = h->h_p11->C_FindObjectsInit(s, NULL, 0)) != CKR_OK) {
		status = hsm_ckr(rv, false);
		goto fail;
	}
	active = true;
	for (;;) {
		if (n + HSM_FIND_BATCH > cap) {
			if (cap >= HSM_OBJECTS_MAX) {
				log_warnx("%s: more than %d objects",
				    __func__, HSM_OBJECTS_MAX);
				status = HSM_ERR_MEMORY;
				goto fail;
			}
			cap += HSM_FIND_BATCH * 4;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				status = HSM_ERR_MEMORY;
				goto fail;
			}
			v = nv;
		}
		rv = h->h_p11->C_FindObjects(s, v + n, HSM_FIND_BATCH, &got);
		if (rv != CKR_OK) {
			status = hsm_ckr(rv, false);
			goto fail;
		}
		if (got == 0)
			break;
		n += got;
	}
	active = false;
	if ((rv = h->h_p11->C_FindObjectsFinal(s)) != CKR_OK) {
		status = hsm_ckr(rv, false);
		goto fail;
	}
	*out = v;
	*out_len = n;
	return HSM_OK;
 fail:
	if (active)
		(void)h->h_p11->C_FindObjectsFinal(s);
	free(v);
	return status;
}

/* One non-secret attribute into out; its length must fit out_size. */
static enum hsm_status
get_attr(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj,
    CK_ATTRIBUTE_TYPE type, void *out, size_t out_size, size_t *out_len)
{
	CK_ATTRIBUTE	 a;
	CK_RV		 rv;

	*out_len = 0;
	a.type = type;
	a.pValue = NULL;
	a.ulValueLen = 0;
	if ((rv = h->h_p11->C_GetAttributeValue(s, obj, &a, 1)) != CKR_OK)
		return hsm_ckr(rv, false);
	if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
		return HSM_ERR_NOT_FOUND;
	if (a.ulValueLen > out_size)
		return HSM_ERR_BUFFER;
	a.pValue = out;
	if ((rv = h->h_p11->C_GetAttributeValue(s, obj, &a, 1)) != CKR_OK)
		return hsm_ckr(rv, false);
	*out_len = a.ulValueLen;
	return HSM_OK;
}

static bool
ckid_is_ours(const uint8_t *id, size_t len)
{
	return len == HSM_CKID_LEN &&
	    memcmp(id, HSM_CKID_MAGIC, HSM_CKID_MAGIC_LEN) == 0 &&
	    hsm_class_is_valid(id[HSM_CKID_MAGIC_LEN]);
}

/* see hsm_local.h */
enum hsm_status
hsm_ckid_new(struct hsm *h, enum hsm_key_class kc, uint8_t out[HSM_CKID_LEN])
{
	memcpy(out, HSM_CKID_MAGIC, HSM_CKID_MAGIC_LEN);
	out[HSM_CKID_MAGIC_LEN] = (uint8_t)kc;
	return hsm_random(h, out + HSM_CKID_MAGIC_LEN + 1, HSM_CKID_RAND_LEN);
}

/*
 * Look at one object and add it to the key table if it is ours.  KMS_SIGN
 * public keys are collected in pubs (room for one per scanned object) and
 * attached to their private halves after the whole scan.
 */
static enum hsm_status
scan_object(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj,
    struct hsm_key *pubs, size_t *npubs)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_key		 k;
	CK_OBJECT_CLASS		 cls;
	uint8_t			 id[HSM_CKID_LEN + 1];
	char			 app[sizeof(HSM_APPLICATION)];
	uint8_t			 blob[HSM_SEAL_BLOB_MAX];
	size_t			 len;

	memset(&k, 0, sizeof(k));
	status = get_attr(h, s, obj, CKA_CLASS, &cls, sizeof(cls), &len);
	if (status != HSM_OK || len != sizeof(cls))
		return status == HSM_OK ? HSM_ERR_GENERAL : status;
	status = get_attr(h, s, obj, CKA_LABEL, k.hk_label, HSM_LABEL_MAX,
	    &len);
	if (status == HSM_ERR_BUFFER || status == HSM_ERR_NOT_FOUND)
		return HSM_OK;		/* not one of ours */
	if (status != HSM_OK)
		return status;
	k.hk_label[len] = '\0';
	if (len == 0 || strlen(k.hk_label) != len)
		return HSM_OK;

	switch (cls) {
	case CKO_DATA:
		status = get_attr(h, s, obj, CKA_APPLICATION, app,
		    sizeof(app) - 1, &len);
		if (status != HSM_OK || len != sizeof(app) - 1 ||
		    memcmp(app, HSM_APPLICATION, len) != 0)
			return HSM_OK;
		status = get_attr(h, s, obj, CKA_VALUE, blob, sizeof(blob),
		    &len);
		if (status != HSM_OK || len <= HSM_SEAL_OVERHEAD ||
		    blob[0] != HSM_SEAL_VERSION ||
		    !hsm_class_is_master(blob[1])) {
			log_warnx("hsm: sealed object '%s' is malformed, "
			    "ignored", k.hk_label);
			return HSM_OK;
		}
		k.hk_class = blob[1];
		memcpy(k.hk_ckid, blob + 2, HSM_CKID_LEN);
		k.hk_len = len - HSM_SEAL_OVERHEAD;
		k.hk_obj = obj;
		OPENSSL_cleanse(blob, sizeof(blob));
		return hsm_key_add(h, &k, NULL);
	case CKO_SECRET_KEY:
	case CKO_PRIVATE_KEY:
	case CKO_PUBLIC_KEY:
		status = get_attr(h, s, obj, CKA_ID, id, sizeof(id), &len);
		if (status != HSM_OK || !ckid_is_ours(id, len))
			return HSM_OK;
		memcpy(k.hk_ckid, id, HSM_CKID_LEN);
		k.hk_class = id[HSM_CKID_MAGIC_LEN];
		k.hk_obj = obj;
		if (cls == CKO_SECRET_KEY && k.hk_class == HSM_KC_KEK)
			return hsm_key_add(h, &k, NULL);
		if (cls == CKO_PRIVATE_KEY && k.hk_class == HSM_KC_KMS_SIGN)
			return hsm_key_add(h, &k, NULL);
		if (cls == CKO_PUBLIC_KEY && k.hk_class == HSM_KC_KMS_SIGN &&
		    pubs != NULL)
			pubs[(*npubs)++] = k;
		return HSM_OK;
	default:
		return HSM_OK;
	}
}

/* see hsm_local.h */
enum hsm_status
hsm_scan(struct hsm *h)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s;
	CK_OBJECT_HANDLE	*objs = NULL;
	struct hsm_key		*pubs = NULL;
	size_t			 nobjs = 0, npubs = 0, i, j;

	hsm_session_get(h, &s);
	if ((status = list_objects(h, s.hs_sess, &objs, &nobjs)) != HSM_OK)
		goto fail;
	if (nobjs > 0 && (pubs = calloc(nobjs, sizeof(*pubs))) == NULL) {
		status = HSM_ERR_MEMORY;
		goto fail;
	}
	for (i = 0; i < nobjs; i++) {
		status = scan_object(h, s.hs_sess, objs[i], pubs, &npubs);
		if (status != HSM_OK)
			goto fail;
	}

	/* Link: sign keys to their public halves, masters to their KEK. */
	for (i = 1; i < h->h_nkeys; i++) {
		struct hsm_key	*k = &h->h_keys[i];

		if (k->hk_class == HSM_KC_KMS_SIGN) {
			for (j = 0; j < npubs; j++) {
				if (memcmp(pubs[j].hk_ckid, k->hk_ckid,
				    HSM_CKID_LEN) == 0)
					k->hk_pub = pubs[j].hk_obj;
			}
			if (k->hk_pub == CK_INVALID_HANDLE)
				log_warnx("hsm: key '%s' has no public key",
				    k->hk_label);
		} else if (hsm_class_is_master(k->hk_class)) {
			for (j = 1; j < h->h_nkeys; j++) {
				if (h->h_keys[j].hk_class == HSM_KC_KEK &&
				    memcmp(h->h_keys[j].hk_ckid, k->hk_ckid,
				    HSM_CKID_LEN) == 0)
					k->hk_kek = (hsm_key_id)j;
			}
			if (k->hk_kek == HSM_KEY_NONE)
				log_warnx("hsm: sealed object '%s' has no KEK",
				    k->hk_label);
		}
	}
	status = HSM_OK;
 fail:
	hsm_session_put(h, &s, CKR_OK);
	free(pubs);
	free(objs);
	return status;
}

/* see hsm_local.h */
enum hsm_status
hsm_label_in_token(struct hsm *h, const char *label)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s;
	CK_ATTRIBUTE		 t[1];
	CK_OBJECT_HANDLE	 obj;
	CK_ULONG		 got = 0;
	CK_RV			 rv;

	t[0].type = CKA_LABEL;
	t[0].pValue = (void *)(uintptr_t)label;
	t[0].ulValueLen = strlen(label);
	hsm_session_get(h, &s);
	if ((rv = h->h_p11->C_FindObjectsInit(s.hs_sess, t, 1)) != CKR_OK) {
		status = hsm_ckr(rv, false);
		goto fail;
	}
	rv = h->h_p11->C_FindObjects(s.hs_sess, &obj, 1, &got);
	(void)h->h_p11->C_FindObjectsFinal(s.hs_sess);
	if (rv != CKR_OK) {
		status = hsm_ckr(rv, false);
		goto fail;
	}
	status = got > 0 ? HSM_ERR_EXISTS : HSM_ERR_NOT_FOUND;
 fail:
	hsm_session_put(h, &s, CKR_OK);
	return status;
}

/*
 * Common start of every create: label free in the cache and the token.
 * Called with h_prov_mtx held.
 */
static enum hsm_status
label_is_free(struct hsm *h, const char *label)
{
	enum hsm_status	 status;

	if (hsm_key_label_cached(h, label))
		return HSM_ERR_EXISTS;
	status = hsm_label_in_token(h, label);
	if (status == HSM_ERR_NOT_FOUND)
		return HSM_OK;
	return status;
}

/* see hsm.h */
enum hsm_status
hsm_kek_create(struct hsm *h, const char *label, hsm_key_id *out)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s = { CK_INVALID_HANDLE, 0 };
	struct hsm_key		 k;
	CK_MECHANISM		 mech = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_OBJECT_CLASS		 cls = CKO_SECRET_KEY;
	CK_KEY_TYPE		 kt = CKK_AES;
	CK_ULONG		 vlen = 32;
	CK_OBJECT_HANDLE	 obj = CK_INVALID_HANDLE;
	CK_RV			 rv;
	bool			 locked = false;

	if (out != NULL)
		*out = HSM_KEY_NONE;
	if (h == NULL || out == NULL || hsm_label_check(label) != HSM_OK)
		return HSM_ERR_ARGS;

	memset(&k, 0, sizeof(k));
	k.hk_class = HSM_KC_KEK;
	memcpy(k.hk_label, label, strlen(label) + 1);

	pthread_mutex_lock(&h->h_prov_mtx);
	locked = true;
	if ((status = label_is_free(h, label)) != HSM_OK)
		goto fail;
	if ((status = hsm_ckid_new(h, HSM_KC_KEK, k.hk_ckid)) != HSM_OK)
		goto fail;
	{
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_KEY_TYPE, &kt, sizeof(kt) },
			{ CKA_VALUE_LEN, &vlen, sizeof(vlen) },
			{ CKA_TOKEN, &ck_true, sizeof(ck_true) },
			{ CKA_PRIVATE, &ck_true, sizeof(ck_true) },
			{ CKA_SENSITIVE, &ck_true, sizeof(ck_true) },
			{ CKA_EXTRACTABLE, &ck_false, sizeof(ck_false) },
			{ CKA_MODIFIABLE, &ck_false, sizeof(ck_false) },
			{ CKA_ENCRYPT, &ck_true, sizeof(ck_true) },
			{ CKA_DECRYPT, &ck_true, sizeof(ck_true) },
			{ CKA_WRAP, &ck_false, sizeof(ck_false) },
			{ CKA_UNWRAP, &ck_false, sizeof(ck_false) },
			{ CKA_SIGN, &ck_false, sizeof(ck_false) },
			{ CKA_VERIFY, &ck_false, sizeof(ck_false) },
			{ CKA_DERIVE, &ck_false, sizeof(ck_false) },
			{ CKA_LABEL, k.hk_label, strlen(k.hk_label) },
			{ CKA_ID, k.hk_ckid, HSM_CKID_LEN },
		};

		hsm_session_get(h, &s);
		rv = h->h_p11->C_GenerateKey(s.hs_sess, &mech, t,
		    sizeof(t) / sizeof(t[0]), &obj);
		hsm_session_put(h, &s, CKR_OK);
	}
	if (rv != CKR_OK) {
		log_warnx("%s: C_GenerateKey: 0x%lx", __func__, rv);
		status = hsm_ckr(rv, false);
		goto fail;
	}
	k.hk_obj = obj;
	if ((status = hsm_key_add(h, &k, out)) != HSM_OK)
		goto fail;
	log_info("hsm: created key '%s' (%s)", label,
	    hsm_class_name(HSM_KC_KEK));
	pthread_mutex_unlock(&h->h_prov_mtx);
	return HSM_OK;
 fail:
	if (obj != CK_INVALID_HANDLE) {
		hsm_session_get(h, &s);
		(void)h->h_p11->C_DestroyObject(s.hs_sess, obj);
		hsm_session_put(h, &s, CKR_OK);
	}
	if (locked)
		pthread_mutex_unlock(&h->h_prov_mtx);
	return status;
}

/* see hsm.h */
enum hsm_status
hsm_sign_key_create(struct hsm *h, const char *label, hsm_key_id *out)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s = { CK_INVALID_HANDLE, 0 };
	struct hsm_key		 k;
	CK_MECHANISM		 mech = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE	 pub = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE	 priv = CK_INVALID_HANDLE;
	CK_RV			 rv;
	bool			 locked = false;

	if (out != NULL)
		*out = HSM_KEY_NONE;
	if (h == NULL || out == NULL || hsm_label_check(label) != HSM_OK)
		return HSM_ERR_ARGS;

	memset(&k, 0, sizeof(k));
	k.hk_class = HSM_KC_KMS_SIGN;
	memcpy(k.hk_label, label, strlen(label) + 1);

	pthread_mutex_lock(&h->h_prov_mtx);
	locked = true;
	if ((status = label_is_free(h, label)) != HSM_OK)
		goto fail;
	if ((status = hsm_ckid_new(h, HSM_KC_KMS_SIGN, k.hk_ckid)) != HSM_OK)
		goto fail;
	{
		CK_ATTRIBUTE pt[] = {
			{ CKA_TOKEN, &ck_true, sizeof(ck_true) },
			{ CKA_PRIVATE, &ck_false, sizeof(ck_false) },
			{ CKA_MODIFIABLE, &ck_false, sizeof(ck_false) },
			{ CKA_VERIFY, &ck_true, sizeof(ck_true) },
			{ CKA_ENCRYPT, &ck_false, sizeof(ck_false) },
			{ CKA_WRAP, &ck_false, sizeof(ck_false) },
			{ CKA_DERIVE, &ck_false, sizeof(ck_false) },
			{ CKA_EC_PARAMS, (void *)(uintptr_t)HSM_EC_PARAMS_P256,
			    HSM_EC_PARAMS_P256_LEN },
			{ CKA_LABEL, k.hk_label, strlen(k.hk_label) },
			{ CKA_ID, k.hk_ckid, HSM_CKID_LEN },
		};
		CK_ATTRIBUTE vt[] = {
			{ CKA_TOKEN, &ck_true, sizeof(ck_true) },
			{ CKA_PRIVATE, &ck_true, sizeof(ck_true) },
			{ CKA_SENSITIVE, &ck_true, sizeof(ck_true) },
			{ CKA_EXTRACTABLE, &ck_false, sizeof(ck_false) },
			{ CKA_MODIFIABLE, &ck_false, sizeof(ck_false) },
			{ CKA_SIGN, &ck_true, sizeof(ck_true) },
			{ CKA_DECRYPT, &ck_false, sizeof(ck_false) },
			{ CKA_UNWRAP, &ck_false, sizeof(ck_false) },
			{ CKA_DERIVE, &ck_false, sizeof(ck_false) },
			{ CKA_LABEL, k.hk_label, strlen(k.hk_label) },
			{ CKA_ID, k.hk_ckid, HSM_CKID_LEN },
		};

		hsm_session_get(h, &s);
		rv = h->h_p11->C_GenerateKeyPair(s.hs_sess, &mech,
		    pt, sizeof(pt) / sizeof(pt[0]),
		    vt, sizeof(vt) / sizeof(vt[0]), &pub, &priv);
		hsm_session_put(h, &s, CKR_OK);
	}
	if (rv != CKR_OK) {
		log_warnx("%s: C_GenerateKeyPair: 0x%lx", __func__, rv);
		status = hsm_ckr(rv, false);
		goto fail;
	}
	k.hk_obj = priv;
	k.hk_pub = pub;
	if ((status = hsm_key_add(h, &k, out)) != HSM_OK)
		goto fail;
	log_info("hsm: created key '%s' (%s)", label,
	    hsm_class_name(HSM_KC_KMS_SIGN));
	pthread_mutex_unlock(&h->h_prov_mtx);
	return HSM_OK;
 fail:
	hsm_session_get(h, &s);
	if (priv != CK_INVALID_HANDLE)
		(void)h->h_p11->C_DestroyObject(s.hs_sess, priv);
	if (pub != CK_INVALID_HANDLE)
		(void)h->h_p11->C_DestroyObject(s.hs_sess, pub);
	hsm_session_put(h, &s, CKR_OK);
	if (locked)
		pthread_mutex_unlock(&h->h_prov_mtx);
	return status;
}

/* True if obj is one of the appliance's objects (see hsm_local.h). */
static bool
is_ours(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj)
{
	CK_OBJECT_CLASS	 cls;
	char		 label[HSM_LABEL_MAX + 1];
	char		 app[sizeof(HSM_APPLICATION)];
	uint8_t		 id[HSM_CKID_LEN + 1];
	size_t		 len, i;

	if (get_attr(h, s, obj, CKA_LABEL, label, HSM_LABEL_MAX, &len)
	    == HSM_OK) {
		label[len] = '\0';
		for (i = 0; i < sizeof(fixed_labels) / sizeof(fixed_labels[0]);
		    i++) {
			if (strcmp(label, fixed_labels[i]) == 0)
				return true;
		}
	}
	if (get_attr(h, s, obj, CKA_CLASS, &cls, sizeof(cls), &len) != HSM_OK ||
	    len != sizeof(cls))
		return false;
	if (cls == CKO_DATA)
		return get_attr(h, s, obj, CKA_APPLICATION, app,
		    sizeof(app) - 1, &len) == HSM_OK &&
		    len == sizeof(app) - 1 &&
		    memcmp(app, HSM_APPLICATION, len) == 0;
	if (cls == CKO_SECRET_KEY || cls == CKO_PRIVATE_KEY ||
	    cls == CKO_PUBLIC_KEY)
		return get_attr(h, s, obj, CKA_ID, id, sizeof(id), &len) ==
		    HSM_OK && ckid_is_ours(id, len);
	return false;
}

/* see hsm.h */
enum hsm_status
hsm_destroy_all(struct hsm *h)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s;
	CK_OBJECT_HANDLE	*objs = NULL;
	size_t			 nobjs = 0, i, ndone = 0;
	CK_RV			 rv;

	if (h == NULL)
		return HSM_ERR_ARGS;
	pthread_mutex_lock(&h->h_prov_mtx);
	hsm_session_get(h, &s);
	if ((status = list_objects(h, s.hs_sess, &objs, &nobjs)) != HSM_OK)
		goto fail;
	for (i = 0; i < nobjs; i++) {
		if (!is_ours(h, s.hs_sess, objs[i]))
			continue;
		rv = h->h_p11->C_DestroyObject(s.hs_sess, objs[i]);
		if (rv != CKR_OK) {
			log_warnx("%s: C_DestroyObject: 0x%lx", __func__, rv);
			if (status == HSM_OK)
				status = hsm_ckr(rv, false);
			continue;
		}
		ndone++;
	}

	/* Every id is invalid now, whatever happened above. */
	pthread_mutex_lock(&h->h_mtx);
	explicit_bzero(h->h_keys, h->h_capkeys * sizeof(*h->h_keys));
	h->h_nkeys = 1;
	pthread_mutex_unlock(&h->h_mtx);
	log_info("hsm: destroyed %zu objects in token '%s'", ndone,
	    h->h_token);
 fail:
	hsm_session_put(h, &s, CKR_OK);
	pthread_mutex_unlock(&h->h_prov_mtx);
	free(objs);
	return status;
}

/* see hsm.h */
enum hsm_status
hsm_sign_pubkey(struct hsm *h, hsm_key_id id, uint8_t *out, size_t out_size,
    size_t *out_len)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s;
	struct hsm_key		 k;
	uint8_t			 der[HSM_EC_POINT_DER_MAX];
	const uint8_t		*pt;
	size_t			 len;

	if (out_len != NULL)
		*out_len = 0;
	if (h == NULL || out == NULL || out_len == NULL)
		return HSM_ERR_ARGS;
	if ((status = hsm_key_get(h, id, HSM_OP_PUBKEY, &k)) != HSM_OK)
		goto fail;
	if (out_size < HSM_EC_POINT_LEN) {
		status = HSM_ERR_BUFFER;
		goto fail;
	}
	if (k.hk_pub == CK_INVALID_HANDLE) {
		status = HSM_ERR_NOT_FOUND;
		goto fail;
	}
	hsm_session_get(h, &s);
	status = get_attr(h, s.hs_sess, k.hk_pub, CKA_EC_POINT, der,
	    sizeof(der), &len);
	hsm_session_put(h, &s, CKR_OK);
	if (status != HSM_OK)
		goto fail;

	/* DER OCTET STRING 04 41 || 04 x y, or the bare point. */
	if (len == HSM_EC_POINT_LEN + 2 && der[0] == 0x04 &&
	    der[1] == HSM_EC_POINT_LEN)
		pt = der + 2;
	else if (len == HSM_EC_POINT_LEN)
		pt = der;
	else {
		status = HSM_ERR_GENERAL;
		goto fail;
	}
	if (pt[0] != 0x04) {
		status = HSM_ERR_GENERAL;
		goto fail;
	}
	memcpy(out, pt, HSM_EC_POINT_LEN);
	*out_len = HSM_EC_POINT_LEN;
	return HSM_OK;
 fail:
	OPENSSL_cleanse(out, out_size);
	return status;
}

/* see hsm.h */
enum hsm_status
hsm_sign_digest(struct hsm *h, hsm_key_id id, const uint8_t digest[32],
    uint8_t *out, size_t out_size, size_t *out_len)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s;
	struct hsm_key		 k;
	CK_MECHANISM		 mech = { CKM_ECDSA, NULL, 0 };
	CK_ULONG		 siglen;
	CK_RV			 rv;

	if (out_len != NULL)
		*out_len = 0;
	if (h == NULL || digest == NULL || out == NULL || out_len == NULL)
		return HSM_ERR_ARGS;
	if ((status = hsm_key_get(h, id, HSM_OP_SIGN, &k)) != HSM_OK)
		goto fail;
	if (out_size < HSM_ECDSA_SIG_LEN) {
		status = HSM_ERR_BUFFER;
		goto fail;
	}
	siglen = (CK_ULONG)out_size;
	hsm_session_get(h, &s);
	rv = h->h_p11->C_SignInit(s.hs_sess, &mech, k.hk_obj);
	if (rv == CKR_OK)
		rv = h->h_p11->C_Sign(s.hs_sess, (CK_BYTE_PTR)(uintptr_t)digest,
		    32, out, &siglen);
	hsm_session_put(h, &s, rv);
	if ((status = hsm_ckr(rv, false)) != HSM_OK)
		goto fail;
	if (siglen != HSM_ECDSA_SIG_LEN) {
		status = HSM_ERR_GENERAL;
		goto fail;
	}
	*out_len = HSM_ECDSA_SIG_LEN;
	return HSM_OK;
 fail:
	OPENSSL_cleanse(out, out_size);
	return status;
}
