/*
 * hsm_keys.c - the appliance's token objects: the start-up scan that
 * fills the key table, key generation (KEK, BACKUP, KMS signing and TLS
 * key pairs), the signing operations and hsm_destroy_all.  The per-user
 * TrK/InK live in hsm_user.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	HSM_LABEL_TLS, HSM_LABEL_BACKUP,
};

static enum hsm_status	 list_objects(struct hsm *h, CK_SESSION_HANDLE s,
			    const char *label, CK_OBJECT_HANDLE **out,
			    size_t *out_len);
static bool		 ckid_is_ours(const uint8_t *id, size_t len);
struct scan_aux {
	struct hsm_key	*sa_pubs;	/* KMS_SIGN/TLS public halves */
	size_t		 sa_npubs;
	struct hsm_key	*sa_twins;	/* TRK/INK HMAC twins */
	size_t		 sa_ntwins;
};
static enum hsm_status	 scan_object(struct hsm *h, CK_SESSION_HANDLE s,
			    CK_OBJECT_HANDLE obj, struct scan_aux *aux);
static enum hsm_status	 add_scanned(struct hsm *h, const struct hsm_key *k);
static enum hsm_status	 secret_key_create(struct hsm *h,
			    enum hsm_key_class kc, const char *label,
			    hsm_key_id *out);
static enum hsm_status	 keypair_create(struct hsm *h, enum hsm_key_class kc,
			    const char *label, bool token, hsm_key_id *out);
static bool		 is_ours(struct hsm *h, CK_SESSION_HANDLE s,
			    CK_OBJECT_HANDLE obj);

/*
 * Every object visible in session s (public and, once logged in, private
 * ones), or only those labelled label when it is not NULL.  The handles
 * are collected first and examined after C_FindObjectsFinal, so no other
 * call runs inside the find operation.
 */
static enum hsm_status
list_objects(struct hsm *h, CK_SESSION_HANDLE s, const char *label,
    CK_OBJECT_HANDLE **out, size_t *out_len)
{
	CK_ATTRIBUTE		 tmpl = { CKA_LABEL, (void *)(uintptr_t)label,
				    label != NULL ? strlen(label) : 0 };
	enum hsm_status		 status = HSM_ERR_GENERAL;
	CK_OBJECT_HANDLE	*v = NULL, *nv;
	size_t			 n = 0, cap = 0;
	CK_ULONG		 got;
	CK_RV			 rv;
	bool			 active = false;

	*out = NULL;
	*out_len = 0;
	if ((rv = h->h_p11->C_FindObjectsInit(s, label != NULL ? &tmpl : NULL,
	    label != NULL ? 1 : 0)) != CKR_OK) {
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

/* see hsm_local.h */
enum hsm_status
hsm_get_attr(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj,
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
 * Add a scanned key; a second object with the same class and label (made
 * by some other tool) is ignored with a warning rather than failing the
 * whole start-up.
 */
static enum hsm_status
add_scanned(struct hsm *h, const struct hsm_key *k)
{
	enum hsm_status	 status;

	status = hsm_key_add(h, k, NULL);
	if (status == HSM_ERR_EXISTS) {
		log_warnx("hsm: a second %s object with one label, "
		    "ignored", hsm_class_name(k->hk_class));
		log_debug("hsm: second object '%s' ignored", k->hk_label);
		return HSM_OK;
	}
	return status;
}

/*
 * Look at one object and add it to the key table if it is ours.  Public
 * halves of key pairs and the HMAC twins of user keys are collected in
 * aux (room for one per scanned object) and attached after the scan.
 */
static enum hsm_status
scan_object(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj,
    struct scan_aux *aux)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_key		 k;
	CK_OBJECT_CLASS		 cls;
	CK_KEY_TYPE		 kt;
	CK_BBOOL		 sens;
	uint8_t			 id[HSM_CKID_LEN + 1];
	char			 app[sizeof(HSM_APPLICATION)];
	uint8_t			 blob[HSM_SEAL_BLOB_MAX];
	size_t			 len;

	memset(&k, 0, sizeof(k));
	status = hsm_get_attr(h, s, obj, CKA_CLASS, &cls, sizeof(cls), &len);
	if (status != HSM_OK || len != sizeof(cls))
		return status == HSM_OK ? HSM_ERR_GENERAL : status;
	status = hsm_get_attr(h, s, obj, CKA_LABEL, k.hk_label, HSM_LABEL_MAX,
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
		status = hsm_get_attr(h, s, obj, CKA_APPLICATION, app,
		    sizeof(app) - 1, &len);
		if (status != HSM_OK || len != sizeof(app) - 1 ||
		    memcmp(app, HSM_APPLICATION, len) != 0)
			return HSM_OK;
		status = hsm_get_attr(h, s, obj, CKA_VALUE, blob, sizeof(blob),
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
		return add_scanned(h, &k);
	case CKO_SECRET_KEY:
	case CKO_PRIVATE_KEY:
	case CKO_PUBLIC_KEY:
		status = hsm_get_attr(h, s, obj, CKA_ID, id, sizeof(id), &len);
		if (status != HSM_OK || !ckid_is_ours(id, len))
			return HSM_OK;
		memcpy(k.hk_ckid, id, HSM_CKID_LEN);
		k.hk_class = id[HSM_CKID_MAGIC_LEN];
		k.hk_obj = obj;
		break;
	default:
		return HSM_OK;
	}

	switch (k.hk_class) {
	case HSM_KC_KEK:
	case HSM_KC_BACKUP:
		if (cls == CKO_SECRET_KEY)
			return add_scanned(h, &k);
		return HSM_OK;
	case HSM_KC_KMS_SIGN:
	case HSM_KC_TLS:
		if (cls == CKO_PRIVATE_KEY)
			return add_scanned(h, &k);
		if (cls == CKO_PUBLIC_KEY)
			aux->sa_pubs[aux->sa_npubs++] = k;
		return HSM_OK;
	case HSM_KC_TRK:
	case HSM_KC_INK:
	case HSM_KC_MIKEY_PSK:
	case HSM_KC_TICKET:
		if (cls != CKO_SECRET_KEY)
			return HSM_OK;
		status = hsm_get_attr(h, s, obj, CKA_KEY_TYPE, &kt, sizeof(kt),
		    &len);
		if (status != HSM_OK || len != sizeof(kt))
			return status == HSM_OK ? HSM_ERR_GENERAL : status;
		if (kt == CKK_GENERIC_SECRET) {
			aux->sa_twins[aux->sa_ntwins++] = k;
			return HSM_OK;
		}
		if (kt != CKK_AES)
			return HSM_OK;
		/* A TrK still readable is a bootstrap TrK not exported. */
		status = hsm_get_attr(h, s, obj, CKA_SENSITIVE, &sens,
		    sizeof(sens), &len);
		if (status != HSM_OK || len != sizeof(sens))
			return status == HSM_OK ? HSM_ERR_GENERAL : status;
		if (sens == CK_FALSE &&
		    hsm_policy_permits(k.hk_class, HSM_OP_EXPORT_ONCE))
			k.hk_flags |= HSM_KI_BOOTSTRAP;
		return add_scanned(h, &k);
	default:
		return HSM_OK;
	}
}

/*
 * Link the keys from id from on: key pairs to their public halves, user
 * keys to their HMAC twins, masters to their KEK (the caller keeps other
 * threads away from these entries).
 */
static void
link_keys(struct hsm *h, const struct scan_aux *aux, size_t from)
{
	size_t	 i, j;

	for (i = from; i < h->h_nkeys; i++) {
		struct hsm_key	*k = &h->h_keys[i];

		if (k->hk_class == HSM_KC_KMS_SIGN ||
		    k->hk_class == HSM_KC_TLS) {
			for (j = 0; j < aux->sa_npubs; j++) {
				if (memcmp(aux->sa_pubs[j].hk_ckid, k->hk_ckid,
				    HSM_CKID_LEN) == 0)
					k->hk_pub = aux->sa_pubs[j].hk_obj;
			}
			if (k->hk_pub == CK_INVALID_HANDLE)
				log_warnx("hsm: key '%s' has no public key",
				    k->hk_label);
		} else if (hsm_is_user_class(k->hk_class)) {
			for (j = 0; j < aux->sa_ntwins; j++) {
				if (memcmp(aux->sa_twins[j].hk_ckid, k->hk_ckid,
				    HSM_CKID_LEN) == 0)
					k->hk_twin = aux->sa_twins[j].hk_obj;
			}
			if (k->hk_twin == CK_INVALID_HANDLE) {
				k->hk_flags |= HSM_KI_NO_TWIN;
				log_warnx("hsm: a %s has no HMAC twin",
				    hsm_class_name(k->hk_class));
				log_debug("hsm: key '%s' has no twin",
				    k->hk_label);
			}
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
}

/*
 * Add the appliance's objects to the key table: all of them (label NULL,
 * at start-up, when no other thread looks at the table), or those
 * labelled label (hsm_scan_label, with other threads running: the new
 * entries are linked under the table's write lock).
 */
static enum hsm_status
scan_objects(struct hsm *h, const char *label)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s;
	CK_OBJECT_HANDLE	*objs = NULL;
	struct scan_aux		 aux;
	size_t			 nobjs = 0, i, from;

	memset(&aux, 0, sizeof(aux));
	pthread_rwlock_rdlock(&h->h_keys_lock);
	from = h->h_nkeys;
	pthread_rwlock_unlock(&h->h_keys_lock);
	hsm_session_get(h, &s);
	status = list_objects(h, s.hs_sess, label, &objs, &nobjs);
	if (status != HSM_OK)
		goto fail;
	if (nobjs > 0 &&
	    ((aux.sa_pubs = calloc(nobjs, sizeof(*aux.sa_pubs))) == NULL ||
	    (aux.sa_twins = calloc(nobjs, sizeof(*aux.sa_twins))) == NULL)) {
		status = HSM_ERR_MEMORY;
		goto fail;
	}
	for (i = 0; i < nobjs; i++) {
		status = scan_object(h, s.hs_sess, objs[i], &aux);
		if (status != HSM_OK)
			goto fail;
	}
	if (label == NULL)
		link_keys(h, &aux, 1);
	else {
		pthread_rwlock_wrlock(&h->h_keys_lock);
		link_keys(h, &aux, from);
		pthread_rwlock_unlock(&h->h_keys_lock);
	}
	status = HSM_OK;
 fail:
	hsm_session_put(h, &s, status == HSM_OK ? CKR_OK : CKR_GENERAL_ERROR);
	free(aux.sa_pubs);
	free(aux.sa_twins);
	free(objs);
	return status;
}

/* see hsm_local.h */
enum hsm_status
hsm_scan(struct hsm *h)
{
	return scan_objects(h, NULL);
}

/*
 * One object for hsm_keys_relink: the entry it belongs to (same label,
 * class and CKA_ID; for a sealed master the KEK's CKA_ID in its blob)
 * gets its handle in the slot the object's kind names.
 */
static enum hsm_status
relink_object(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_key		*k;
	CK_OBJECT_CLASS		 cls;
	CK_KEY_TYPE		 kt = CKK_AES;
	char			 label[HSM_LABEL_MAX + 1];
	char			 app[sizeof(HSM_APPLICATION)];
	uint8_t			 id[HSM_CKID_LEN + 1];
	uint8_t			 blob[HSM_SEAL_BLOB_MAX];
	enum hsm_key_class	 kc;
	hsm_key_id		 kid;
	size_t			 len;

	status = hsm_get_attr(h, s, obj, CKA_CLASS, &cls, sizeof(cls), &len);
	if (status != HSM_OK || len != sizeof(cls))
		return status == HSM_OK ? HSM_ERR_GENERAL : status;
	status = hsm_get_attr(h, s, obj, CKA_LABEL, label, HSM_LABEL_MAX,
	    &len);
	if (status == HSM_ERR_BUFFER || status == HSM_ERR_NOT_FOUND)
		return HSM_OK;		/* not one of ours */
	if (status != HSM_OK)
		return status;
	label[len] = '\0';
	if (len == 0 || strlen(label) != len)
		return HSM_OK;
	if (cls == CKO_DATA) {
		status = hsm_get_attr(h, s, obj, CKA_APPLICATION, app,
		    sizeof(app) - 1, &len);
		if (status != HSM_OK || len != sizeof(app) - 1 ||
		    memcmp(app, HSM_APPLICATION, len) != 0)
			return HSM_OK;
		status = hsm_get_attr(h, s, obj, CKA_VALUE, blob, sizeof(blob),
		    &len);
		if (status != HSM_OK || len <= HSM_SEAL_OVERHEAD ||
		    blob[0] != HSM_SEAL_VERSION || !hsm_class_is_master(blob[1]))
			return HSM_OK;	/* scan_object warned at start-up */
		kc = blob[1];
		memcpy(id, blob + 2, HSM_CKID_LEN);
		OPENSSL_cleanse(blob, sizeof(blob));
	} else if (cls == CKO_SECRET_KEY || cls == CKO_PRIVATE_KEY ||
	    cls == CKO_PUBLIC_KEY) {
		status = hsm_get_attr(h, s, obj, CKA_ID, id, sizeof(id), &len);
		if (status != HSM_OK || !ckid_is_ours(id, len))
			return HSM_OK;
		kc = id[HSM_CKID_MAGIC_LEN];
		if (cls == CKO_SECRET_KEY && hsm_is_user_class(kc)) {
			status = hsm_get_attr(h, s, obj, CKA_KEY_TYPE, &kt,
			    sizeof(kt), &len);
			if (status != HSM_OK || len != sizeof(kt))
				return status == HSM_OK ? HSM_ERR_GENERAL :
				    status;
		}
	} else
		return HSM_OK;
	if (!hsm_class_is_valid((int)kc) ||
	    (kid = hsm_key_lookup(h, label, kc)) == HSM_KEY_NONE)
		return HSM_OK;		/* made since by another program */
	k = &h->h_keys[kid];
	if (memcmp(k->hk_ckid, id, HSM_CKID_LEN) != 0 ||
	    (k->hk_flags & HSM_KI_VOLATILE) != 0) {
		log_warnx("hsm: login: an object labelled like a %s key is "
		    "not the one the table knows, ignored",
		    hsm_class_name(kc));
		return HSM_OK;
	}
	if (cls == CKO_PUBLIC_KEY)
		k->hk_pub = obj;
	else if (cls == CKO_SECRET_KEY && hsm_is_user_class(kc) &&
	    kt == CKK_GENERIC_SECRET)
		k->hk_twin = obj;
	else if (cls == CKO_SECRET_KEY && hsm_is_user_class(kc) &&
	    kt != CKK_AES)
		return HSM_OK;
	else
		k->hk_obj = obj;
	return HSM_OK;
}

/* see hsm_local.h */
enum hsm_status
hsm_keys_relink(struct hsm *h, CK_SESSION_HANDLE s, size_t *missing)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	CK_OBJECT_HANDLE	*objs = NULL;
	size_t			 nobjs = 0, i;

	*missing = 0;
	for (i = 1; i < h->h_nkeys; i++) {
		h->h_keys[i].hk_obj = CK_INVALID_HANDLE;
		h->h_keys[i].hk_pub = CK_INVALID_HANDLE;
		h->h_keys[i].hk_twin = CK_INVALID_HANDLE;
	}
	if ((status = list_objects(h, s, NULL, &objs, &nobjs)) != HSM_OK)
		goto fail;
	for (i = 0; i < nobjs; i++) {
		if ((status = relink_object(h, s, objs[i])) != HSM_OK)
			goto fail;
	}
	for (i = 1; i < h->h_nkeys; i++) {
		if (h->h_keys[i].hk_obj == CK_INVALID_HANDLE) {
			(*missing)++;
			log_debug("hsm: login: key '%s' not found again",
			    h->h_keys[i].hk_label);
		}
	}
	status = HSM_OK;
 fail:
	free(objs);
	return status;
}

/* see hsm_local.h */
enum hsm_status
hsm_scan_label(struct hsm *h, const char *label)
{
	enum hsm_status	 status;
	struct timespec	 ts;
	uint64_t	 now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	pthread_mutex_lock(&h->h_prov_mtx);
	if (now - h->h_rescan_ms >= HSM_RESCAN_WINDOW_MS) {
		h->h_rescan_ms = now;
		h->h_rescans = 0;
	}
	if (h->h_rescans >= HSM_RESCANS_MAX) {
		pthread_mutex_unlock(&h->h_prov_mtx);
		return HSM_ERR_NOT_FOUND;
	}
	h->h_rescans++;
	status = scan_objects(h, label);
	pthread_mutex_unlock(&h->h_prov_mtx);
	if (status == HSM_OK)
		log_debug("hsm: looked for new objects by label");
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
enum hsm_status
hsm_label_is_free(struct hsm *h, const char *label)
{
	enum hsm_status	 status;

	if ((status = hsm_gate(h)) != HSM_OK)
		return status;
	if (hsm_key_label_cached(h, label))
		return HSM_ERR_EXISTS;
	status = hsm_label_in_token(h, label);
	if (status == HSM_ERR_NOT_FOUND)
		return HSM_OK;
	return status;
}

/* see hsm_local.h */
void
hsm_destroy_obj(struct hsm *h, CK_OBJECT_HANDLE obj)
{
	struct hsm_session	 s;
	CK_RV			 rv;

	if (obj == CK_INVALID_HANDLE)
		return;
	hsm_session_get(h, &s);
	rv = h->h_p11->C_DestroyObject(s.hs_sess, obj);
	hsm_session_put(h, &s, rv);
	if (rv != CKR_OK)
		log_warnx("%s: C_DestroyObject: 0x%lx", __func__, rv);
}

/*
 * The common start of creating a token key of class kc labelled label:
 * check the arguments, fill k, take h_prov_mtx, make sure the label is
 * free and draw k's CKA_ID.  On success h_prov_mtx is held and the caller
 * generates the objects, then calls key_create_end; on error nothing is
 * held.
 */
static enum hsm_status
key_create_begin(struct hsm *h, enum hsm_key_class kc, const char *label,
    hsm_key_id *out, struct hsm_key *k)
{
	enum hsm_status		 status;

	if (out != NULL)
		*out = HSM_KEY_NONE;
	if (h == NULL || out == NULL || hsm_label_check(label) != HSM_OK)
		return HSM_ERR_ARGS;

	memset(k, 0, sizeof(*k));
	k->hk_class = kc;
	memcpy(k->hk_label, label, strlen(label) + 1);

	pthread_mutex_lock(&h->h_prov_mtx);
	if ((status = hsm_label_is_free(h, label)) != HSM_OK ||
	    (status = hsm_ckid_new(h, kc, k->hk_ckid)) != HSM_OK) {
		pthread_mutex_unlock(&h->h_prov_mtx);
		return status;
	}
	return HSM_OK;
}

/*
 * The common end of key_create_begin: rv is what generating k->hk_obj
 * (and k->hk_pub for a pair) answered, fn and call name the caller and the
 * PKCS#11 call for the log.  Adds k to the table into *out, or destroys
 * the objects made; releases h_prov_mtx.
 */
static enum hsm_status
key_create_end(struct hsm *h, struct hsm_key *k, CK_RV rv, const char *fn,
    const char *call, hsm_key_id *out)
{
	enum hsm_status		 status;

	if (rv != CKR_OK) {
		log_warnx("%s: %s: 0x%lx", fn, call, rv);
		status = hsm_ckr(rv, false);
	} else
		status = hsm_key_add(h, k, out);
	if (status == HSM_OK)
		log_info("hsm: created key '%s' (%s)", k->hk_label,
		    hsm_class_name(k->hk_class));
	else {
		hsm_destroy_obj(h, k->hk_obj);
		hsm_destroy_obj(h, k->hk_pub);
	}
	pthread_mutex_unlock(&h->h_prov_mtx);
	return status;
}

/*
 * An AES-256 token key of class kc (KEK: encrypt/decrypt for sealing;
 * BACKUP: wrap/unwrap), generated in the token, sensitive, never
 * extractable, not modifiable.
 */
static enum hsm_status
secret_key_create(struct hsm *h, enum hsm_key_class kc, const char *label,
    hsm_key_id *out)
{
	enum hsm_status		 status;
	struct hsm_session	 s = { CK_INVALID_HANDLE, 0 };
	struct hsm_key		 k;
	CK_MECHANISM		 mech = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_OBJECT_CLASS		 cls = CKO_SECRET_KEY;
	CK_KEY_TYPE		 kt = CKK_AES;
	CK_ULONG		 vlen = 32;
	CK_BBOOL		*crypt, *wrap;
	CK_OBJECT_HANDLE	 obj = CK_INVALID_HANDLE;
	CK_RV			 rv;

	if ((status = key_create_begin(h, kc, label, out, &k)) != HSM_OK)
		return status;
	crypt = kc == HSM_KC_KEK ? &ck_true : &ck_false;
	wrap = kc == HSM_KC_BACKUP ? &ck_true : &ck_false;
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
			{ CKA_ENCRYPT, crypt, sizeof(*crypt) },
			{ CKA_DECRYPT, crypt, sizeof(*crypt) },
			{ CKA_WRAP, wrap, sizeof(*wrap) },
			{ CKA_UNWRAP, wrap, sizeof(*wrap) },
			{ CKA_SIGN, &ck_false, sizeof(ck_false) },
			{ CKA_VERIFY, &ck_false, sizeof(ck_false) },
			{ CKA_DERIVE, &ck_false, sizeof(ck_false) },
			{ CKA_LABEL, k.hk_label, strlen(k.hk_label) },
			{ CKA_ID, k.hk_ckid, HSM_CKID_LEN },
		};

		hsm_session_get(h, &s);
		rv = h->h_p11->C_GenerateKey(s.hs_sess, &mech, t,
		    sizeof(t) / sizeof(t[0]), &obj);
		hsm_session_put(h, &s, rv);
	}
	k.hk_obj = obj;
	return key_create_end(h, &k, rv, __func__, "C_GenerateKey", out);
}

/* see hsm.h */
enum hsm_status
hsm_kek_create(struct hsm *h, const char *label, hsm_key_id *out)
{
	return secret_key_create(h, HSM_KC_KEK, label, out);
}

/* see hsm.h */
enum hsm_status
hsm_backup_key_create(struct hsm *h, const char *label, hsm_key_id *out)
{
	return secret_key_create(h, HSM_KC_BACKUP, label, out);
}

/*
 * An ECDSA P-256 token key pair of class kc (KMS_SIGN or TLS), generated
 * in the token; the private half sensitive, never extractable, sign only.
 */
static enum hsm_status
keypair_create(struct hsm *h, enum hsm_key_class kc, const char *label,
    bool token, hsm_key_id *out)
{
	enum hsm_status		 status;
	struct hsm_session	 s = { CK_INVALID_HANDLE, 0 };
	struct hsm_key		 k;
	CK_MECHANISM		 mech = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE	 pub = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE	 priv = CK_INVALID_HANDLE;
	CK_RV			 rv;
	CK_BBOOL		*tok = token ? &ck_true : &ck_false;

	if ((status = key_create_begin(h, kc, label, out, &k)) != HSM_OK)
		return status;
	if (!token)
		k.hk_flags |= HSM_KI_VOLATILE;
	{
		CK_ATTRIBUTE pt[] = {
			{ CKA_TOKEN, tok, sizeof(*tok) },
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
			{ CKA_TOKEN, tok, sizeof(*tok) },
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
		hsm_session_put(h, &s, rv);
	}
	k.hk_obj = priv;
	k.hk_pub = pub;
	return key_create_end(h, &k, rv, __func__, "C_GenerateKeyPair", out);
}

/* see hsm.h */
enum hsm_status
hsm_sign_key_create(struct hsm *h, const char *label, hsm_key_id *out)
{
	return keypair_create(h, HSM_KC_KMS_SIGN, label, true, out);
}

/* see hsm.h */
enum hsm_status
hsm_tls_key_create(struct hsm *h, const char *label, hsm_key_id *out)
{
	return keypair_create(h, HSM_KC_TLS, label, true, out);
}

/* see hsm.h */
enum hsm_status
hsm_volatile_key_create(struct hsm *h, enum hsm_key_class kc,
    hsm_key_id *out)
{
	static unsigned int	 counter;
	char			 label[48];
	unsigned int		 n;

	if (out != NULL)
		*out = HSM_KEY_NONE;
	if (h == NULL || out == NULL)
		return HSM_ERR_ARGS;
	if (hsm_gate(h) != HSM_OK)	/* hsm_logout */
		return HSM_ERR_LOCKED;
	n = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
	snprintf(label, sizeof(label), "volatile.%s.%u", hsm_class_name(kc),
	    n);
	switch (kc) {
	case HSM_KC_KMS_SIGN:
		return keypair_create(h, kc, label, false, out);
	case HSM_KC_TRK:
	case HSM_KC_INK:
		return hsm_user_volatile_create(h, kc, label, out);
	default:
		return HSM_ERR_ARGS;
	}
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

	if (hsm_get_attr(h, s, obj, CKA_LABEL, label, HSM_LABEL_MAX, &len)
	    == HSM_OK) {
		label[len] = '\0';
		for (i = 0; i < sizeof(fixed_labels) / sizeof(fixed_labels[0]);
		    i++) {
			if (strcmp(label, fixed_labels[i]) == 0)
				return true;
		}
	}
	if (hsm_get_attr(h, s, obj, CKA_CLASS, &cls, sizeof(cls), &len) != HSM_OK ||
	    len != sizeof(cls))
		return false;
	if (cls == CKO_DATA)
		return hsm_get_attr(h, s, obj, CKA_APPLICATION, app,
		    sizeof(app) - 1, &len) == HSM_OK &&
		    len == sizeof(app) - 1 &&
		    memcmp(app, HSM_APPLICATION, len) == 0;
	if (cls == CKO_SECRET_KEY || cls == CKO_PRIVATE_KEY ||
	    cls == CKO_PUBLIC_KEY)
		return hsm_get_attr(h, s, obj, CKA_ID, id, sizeof(id), &len) ==
		    HSM_OK && ckid_is_ours(id, len);
	return false;
}

/* see hsm_local.h */
enum hsm_status
hsm_ours_left(struct hsm *h, size_t *n)
{
	enum hsm_status		 status;
	struct hsm_session	 s;
	CK_OBJECT_HANDLE	*objs = NULL;
	size_t			 nobjs = 0, i;

	if (h == NULL || n == NULL)
		return HSM_ERR_ARGS;
	*n = 0;
	hsm_session_get(h, &s);
	status = list_objects(h, s.hs_sess, NULL, &objs, &nobjs);
	for (i = 0; status == HSM_OK && i < nobjs; i++)
		if (is_ours(h, s.hs_sess, objs[i]))
			(*n)++;
	hsm_session_put(h, &s, CKR_OK);
	free(objs);
	return status;
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
	if ((status = list_objects(h, s.hs_sess, NULL, &objs, &nobjs)) != HSM_OK)
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
	hsm_keys_clear(h);
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
	status = hsm_get_attr(h, s.hs_sess, k.hk_pub, CKA_EC_POINT, der,
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
