/*
 * hsm_user.c - per-user transport (TrK) and integrity (InK) keys: names,
 * creation with the HMAC twin, wrapping a new key under the current one
 * (NewTransportKey / NewIntegrityKey) and the one bootstrap export.
 *
 * Token objects of one user key (both labelled with the key name, both
 * with the same CKA_ID "kms" || class || 8 random bytes):
 *
 *   AES-256 (CKK_AES)      TrK: CKA_ENCRYPT (AES-ECB blocks for RFC 5649,
 *                          hsm_sym.c) and CKA_WRAP (content keys, new
 *                          keys); InK: CKA_WRAP only.  Sensitive and not
 *                          extractable once made; a bootstrap TrK is made
 *                          with CKA_SENSITIVE false and CKA_EXTRACTABLE
 *                          true (both are needed to read CKA_VALUE) and
 *                          is locked by its one export.
 *   twin (GENERIC_SECRET)  the same 32 bytes, CKA_SIGN/CKA_VERIFY only, for
 *                          CKM_SHA256_HMAC; sensitive, not extractable.
 *                          Made by C_UnwrapKey, which on SoftHSM refuses
 *                          CKA_MODIFIABLE false in the template
 *                          (CKR_ATTRIBUTE_READ_ONLY), so it stays
 *                          modifiable; PKCS#11 forbids unlocking anyway
 *                          (sensitive and extractable are one-way).
 *
 * The twin is made inside the token: C_WrapKey of the new AES key under a
 * one-off AES-256 session key, C_UnwrapKey of that blob with a
 * generic-secret template, then the session key is destroyed.  The AES
 * key must be extractable for that moment (and, for a rotation, for the
 * wrap under the current key); then CKA_EXTRACTABLE goes true -> false.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "board.h"
#include "hsm_local.h"

#define GEN_DIGITS_MAX	9	/* generation number: 1 .. 999999999 */
#define UK_BOOTSTRAP	0x01	/* exportable once */
#define UK_VOLATILE	0x02	/* session objects, any label */

static CK_BBOOL	 ck_true = CK_TRUE;
static CK_BBOOL	 ck_false = CK_FALSE;

static enum hsm_status	 user_key_make(struct hsm *h, enum hsm_key_class kc,
			    const char *name, unsigned int flags,
			    const struct hsm_key *wrap, hsm_key_id *out_id,
			    uint8_t *out, size_t out_size, size_t *out_len);

/* see hsm_local.h */
bool
hsm_is_user_class(enum hsm_key_class kc)
{
	return kc == HSM_KC_TRK || kc == HSM_KC_INK ||
	    kc == HSM_KC_MIKEY_PSK || kc == HSM_KC_TICKET;
}

/* The name prefix of user key class kc, or NULL. */
static const char *
user_prefix(enum hsm_key_class kc)
{
	switch (kc) {
	case HSM_KC_TRK:
		return HSM_TRK_PREFIX;
	case HSM_KC_INK:
		return HSM_INK_PREFIX;
	case HSM_KC_MIKEY_PSK:
		return HSM_PSK_PREFIX;
	case HSM_KC_TICKET:
		return HSM_TPK_PREFIX;
	default:
		return NULL;
	}
}

/* see hsm.h */
enum hsm_status
hsm_user_key_name(enum hsm_key_class kc, unsigned long n, const char *user,
    char *out, size_t out_size)
{
	const char	*pfx;
	int		 len;

	if (out != NULL && out_size > 0)
		out[0] = '\0';
	if (out == NULL || user == NULL || user[0] == '\0' || n == 0 ||
	    n > 999999999UL)
		return HSM_ERR_ARGS;
	if ((pfx = user_prefix(kc)) == NULL)
		return HSM_ERR_ARGS;
	len = snprintf(out, out_size, "%s%lu.%s", pfx, n, user);
	if (len < 0 || (size_t)len >= out_size || len > HSM_LABEL_MAX) {
		if (out_size > 0)
			out[0] = '\0';
		return HSM_ERR_BUFFER;
	}
	if (hsm_user_key_name_parse(out, NULL, NULL, NULL) != HSM_OK) {
		out[0] = '\0';
		return HSM_ERR_ARGS;
	}
	return HSM_OK;
}

/* see hsm.h */
enum hsm_status
hsm_user_key_name_parse(const char *name, enum hsm_key_class *kc,
    unsigned long *n, size_t *user_off)
{
	static const enum hsm_key_class classes[] = { HSM_KC_TRK,
	    HSM_KC_INK, HSM_KC_MIKEY_PSK, HSM_KC_TICKET };
	enum hsm_key_class	 c = HSM_KC_TRK;
	unsigned long		 v = 0;
	size_t			 i, digits = 0, plen = 0, j;

	if (hsm_label_check(name) != HSM_OK)
		return HSM_ERR_ARGS;
	for (j = 0; j < sizeof(classes) / sizeof(classes[0]); j++) {
		plen = strlen(user_prefix(classes[j]));
		if (strncmp(name, user_prefix(classes[j]), plen) == 0) {
			c = classes[j];
			break;
		}
	}
	if (j == sizeof(classes) / sizeof(classes[0]))
		return HSM_ERR_ARGS;
	for (i = plen; name[i] >= '0' && name[i] <= '9'; i++) {
		if (++digits > GEN_DIGITS_MAX)
			return HSM_ERR_ARGS;
		v = v * 10 + (unsigned long)(name[i] - '0');
	}
	if (digits == 0 || name[plen] == '0' || name[i] != '.' ||
	    name[i + 1] == '\0')
		return HSM_ERR_ARGS;
	/* The user part: printable ASCII, no space. */
	for (i = i + 1; name[i] != '\0'; i++) {
		if ((unsigned char)name[i] <= 0x20 ||
		    (unsigned char)name[i] >= 0x7f)
			return HSM_ERR_ARGS;
	}
	if (kc != NULL)
		*kc = c;
	if (n != NULL)
		*n = v;
	if (user_off != NULL)
		*user_off = plen + digits + 1;
	return HSM_OK;
}

/*
 * Make a user key of class kc labelled name (see the top of this file);
 * with wrap != NULL also wrap it under wrap->hk_obj with RFC 3394 into
 * out.  Everything runs on one borrowed session, since the one-off
 * wrapping key is a session object.  Takes h_prov_mtx.
 */
static enum hsm_status
user_key_make(struct hsm *h, enum hsm_key_class kc, const char *name,
    unsigned int flags, const struct hsm_key *wrap, hsm_key_id *out_id,
    uint8_t *out, size_t out_size, size_t *out_len)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s = { CK_INVALID_HANDLE, 0 };
	struct hsm_key		 k;
	enum hsm_key_class	 nkc;
	CK_MECHANISM		 gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_MECHANISM		 kw = { CKM_AES_KEY_WRAP, NULL, 0 };
	CK_OBJECT_CLASS		 cls = CKO_SECRET_KEY;
	CK_KEY_TYPE		 aes = CKK_AES, gs = CKK_GENERIC_SECRET;
	CK_ULONG		 vlen = HSM_USER_KEY_LEN, blen;
	CK_BBOOL		*sens, *enc, *tok, *wr;
	CK_OBJECT_HANDLE	 key = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE	 twin = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE	 tmp = CK_INVALID_HANDLE;
	uint8_t			 blob[HSM_WRAPPED_KEY_LEN];
	CK_RV			 rv = CKR_OK;
	bool			 locked = false, have_sess = false;
	bool			 bootstrap = (flags & UK_BOOTSTRAP) != 0;

	if (out_len != NULL)
		*out_len = 0;
	if ((flags & UK_VOLATILE) == 0 &&
	    (hsm_user_key_name_parse(name, &nkc, NULL, NULL) != HSM_OK ||
	    nkc != kc)) {
		status = HSM_ERR_ARGS;
		goto fail;
	}
	if (wrap != NULL && out_size < HSM_WRAPPED_KEY_LEN) {
		status = HSM_ERR_BUFFER;
		goto fail;
	}
	sens = bootstrap ? &ck_false : &ck_true;
	enc = kc == HSM_KC_TRK ? &ck_true : &ck_false;
	wr = (kc == HSM_KC_TRK || kc == HSM_KC_INK) ? &ck_true : &ck_false;
	tok = (flags & UK_VOLATILE) ? &ck_false : &ck_true;

	memset(&k, 0, sizeof(k));
	k.hk_class = kc;
	memcpy(k.hk_label, name, strlen(name) + 1);
	if (bootstrap)
		k.hk_flags |= HSM_KI_BOOTSTRAP;
	if (flags & UK_VOLATILE)
		k.hk_flags |= HSM_KI_VOLATILE;

	pthread_mutex_lock(&h->h_prov_mtx);
	locked = true;
	if ((status = hsm_label_is_free(h, name)) != HSM_OK)
		goto fail;
	if ((status = hsm_ckid_new(h, kc, k.hk_ckid)) != HSM_OK)
		goto fail;

	hsm_session_get(h, &s);
	have_sess = true;
	{
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_KEY_TYPE, &aes, sizeof(aes) },
			{ CKA_VALUE_LEN, &vlen, sizeof(vlen) },
			{ CKA_TOKEN, tok, sizeof(*tok) },
			{ CKA_PRIVATE, &ck_true, sizeof(ck_true) },
			{ CKA_SENSITIVE, sens, sizeof(*sens) },
			{ CKA_EXTRACTABLE, &ck_true, sizeof(ck_true) },
			{ CKA_MODIFIABLE, &ck_true, sizeof(ck_true) },
			{ CKA_ENCRYPT, enc, sizeof(*enc) },
			{ CKA_DECRYPT, &ck_false, sizeof(ck_false) },
			{ CKA_WRAP, wr, sizeof(*wr) },
			{ CKA_UNWRAP, &ck_false, sizeof(ck_false) },
			{ CKA_SIGN, &ck_false, sizeof(ck_false) },
			{ CKA_VERIFY, &ck_false, sizeof(ck_false) },
			{ CKA_DERIVE, &ck_false, sizeof(ck_false) },
			{ CKA_LABEL, k.hk_label, strlen(k.hk_label) },
			{ CKA_ID, k.hk_ckid, HSM_CKID_LEN },
		};

		rv = h->h_p11->C_GenerateKey(s.hs_sess, &gen, t,
		    sizeof(t) / sizeof(t[0]), &key);
		if (rv != CKR_OK) {
			log_warnx("%s: C_GenerateKey: 0x%lx", __func__, rv);
			goto p11fail;
		}
	}
	/* The one-off wrapping key for the twin: a session object. */
	rv = hsm_session_aes_key(h, s.hs_sess, HSM_USER_KEY_LEN, true, &tmp);
	if (rv != CKR_OK) {
		log_warnx("%s: C_GenerateKey (session): 0x%lx", __func__, rv);
		goto p11fail;
	}
	blen = sizeof(blob);
	rv = h->h_p11->C_WrapKey(s.hs_sess, &kw, tmp, key, blob, &blen);
	if (rv != CKR_OK || blen != HSM_WRAPPED_KEY_LEN) {
		log_warnx("%s: C_WrapKey (twin): 0x%lx", __func__, rv);
		goto p11fail;
	}
	{
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_KEY_TYPE, &gs, sizeof(gs) },
			{ CKA_TOKEN, tok, sizeof(*tok) },
			{ CKA_PRIVATE, &ck_true, sizeof(ck_true) },
			{ CKA_SENSITIVE, &ck_true, sizeof(ck_true) },
			{ CKA_EXTRACTABLE, &ck_false, sizeof(ck_false) },
			{ CKA_SIGN, &ck_true, sizeof(ck_true) },
			{ CKA_VERIFY, &ck_true, sizeof(ck_true) },
			{ CKA_ENCRYPT, &ck_false, sizeof(ck_false) },
			{ CKA_DECRYPT, &ck_false, sizeof(ck_false) },
			{ CKA_WRAP, &ck_false, sizeof(ck_false) },
			{ CKA_UNWRAP, &ck_false, sizeof(ck_false) },
			{ CKA_DERIVE, &ck_false, sizeof(ck_false) },
			{ CKA_LABEL, k.hk_label, strlen(k.hk_label) },
			{ CKA_ID, k.hk_ckid, HSM_CKID_LEN },
		};

		rv = h->h_p11->C_UnwrapKey(s.hs_sess, &kw, tmp, blob, blen, t,
		    sizeof(t) / sizeof(t[0]), &twin);
		if (rv != CKR_OK) {
			log_warnx("%s: C_UnwrapKey (twin): 0x%lx", __func__,
			    rv);
			goto p11fail;
		}
	}
	/* wipe: the twin blob (under a key that dies next) */
	OPENSSL_cleanse(blob, sizeof(blob));
	rv = h->h_p11->C_DestroyObject(s.hs_sess, tmp);
	tmp = CK_INVALID_HANDLE;
	if (rv != CKR_OK)
		goto p11fail;

	if (wrap != NULL) {
		blen = (CK_ULONG)out_size;
		rv = h->h_p11->C_WrapKey(s.hs_sess, &kw, wrap->hk_obj, key,
		    out, &blen);
		if (rv != CKR_OK || blen != HSM_WRAPPED_KEY_LEN) {
			log_warnx("%s: C_WrapKey: 0x%lx", __func__, rv);
			goto p11fail;
		}
	}
	/*
	 * Lock it.  A bootstrap TrK stays extractable until its export:
	 * PKCS#11 (and SoftHSM) refuse to read CKA_VALUE of a key that is
	 * sensitive or not extractable.
	 */
	if (!bootstrap) {
		CK_ATTRIBUTE t[] = {
			{ CKA_EXTRACTABLE, &ck_false, sizeof(ck_false) },
		};

		rv = h->h_p11->C_SetAttributeValue(s.hs_sess, key, t, 1);
		if (rv != CKR_OK) {
			log_warnx("%s: locking: 0x%lx", __func__, rv);
			goto p11fail;
		}
	}
	hsm_session_put(h, &s, rv);
	have_sess = false;

	k.hk_obj = key;
	k.hk_twin = twin;
	if ((status = hsm_key_add(h, &k, out_id)) != HSM_OK)
		goto fail;
	pthread_mutex_unlock(&h->h_prov_mtx);
	if (wrap != NULL)
		*out_len = HSM_WRAPPED_KEY_LEN;
	/* The label names a user: only at debug level (style.md). */
	log_info("hsm: created a %s%s", hsm_class_name(kc),
	    bootstrap ? " (bootstrap)" : "");
	log_debug("hsm: created key '%s'", name);
	return HSM_OK;

 p11fail:
	status = hsm_ckr(rv, false);
	if (status == HSM_OK)
		status = HSM_ERR_GENERAL;
 fail:
	OPENSSL_cleanse(blob, sizeof(blob));
	if (have_sess) {
		if (tmp != CK_INVALID_HANDLE)
			(void)h->h_p11->C_DestroyObject(s.hs_sess, tmp);
		hsm_session_put(h, &s, rv);
	}
	hsm_destroy_obj(h, twin);
	hsm_destroy_obj(h, key);
	if (locked)
		pthread_mutex_unlock(&h->h_prov_mtx);
	if (out != NULL && wrap != NULL)
		memset(out, '!', out_size);
	return status;
}

/* see hsm.h */
enum hsm_status
hsm_user_key_create(struct hsm *h, enum hsm_key_class kc, const char *name,
    hsm_key_id *out)
{
	if (out != NULL)
		*out = HSM_KEY_NONE;
	if (h == NULL || out == NULL || !hsm_is_user_class(kc))
		return HSM_ERR_ARGS;
	return user_key_make(h, kc, name, 0, NULL, out, NULL, 0, NULL);
}

/* see hsm.h */
enum hsm_status
hsm_trk_bootstrap_create(struct hsm *h, const char *name, hsm_key_id *out)
{
	if (out != NULL)
		*out = HSM_KEY_NONE;
	if (h == NULL || out == NULL)
		return HSM_ERR_ARGS;
	return user_key_make(h, HSM_KC_TRK, name, UK_BOOTSTRAP, NULL, out, NULL,
	    0, NULL);
}

/* see hsm.h */
enum hsm_status
hsm_mikey_psk_create(struct hsm *h, const char *name, hsm_key_id *out)
{
	if (out != NULL)
		*out = HSM_KEY_NONE;
	if (h == NULL || out == NULL)
		return HSM_ERR_ARGS;
	return user_key_make(h, HSM_KC_MIKEY_PSK, name, UK_BOOTSTRAP, NULL,
	    out, NULL, 0, NULL);
}

/* see hsm.h */
enum hsm_status
hsm_user_key_wrap_new(struct hsm *h, hsm_key_id wrap_id,
    enum hsm_key_class kc, const char *new_name, hsm_key_id *new_id,
    uint8_t *out, size_t out_size, size_t *out_len)
{
	enum hsm_status	 status = HSM_ERR_GENERAL;
	struct hsm_key	 w;
	enum hsm_op	 op;

	if (new_id != NULL)
		*new_id = HSM_KEY_NONE;
	if (out_len != NULL)
		*out_len = 0;
	if (h == NULL || new_id == NULL || out == NULL || out_len == NULL) {
		status = HSM_ERR_ARGS;
		goto fail;
	}
	if (kc == HSM_KC_TRK)
		op = HSM_OP_WRAP_NEW_TRK;
	else if (kc == HSM_KC_INK)
		op = HSM_OP_WRAP_NEW_INK;
	else {
		status = HSM_ERR_ARGS;
		goto fail;
	}
	if ((status = hsm_key_get(h, wrap_id, op, &w)) != HSM_OK)
		goto fail;
	return user_key_make(h, kc, new_name, 0, &w, new_id, out,
	    out_size, out_len);
 fail:
	if (out != NULL)
		memset(out, '!', out_size);
	return status;
}

/* see hsm.h */
enum hsm_status
hsm_user_key_rotate(struct hsm *h, hsm_key_id old_id, const char *new_name,
    hsm_key_id *new_id, uint8_t *out, size_t out_size, size_t *out_len)
{
	struct hsm_key_info	 ki;
	enum hsm_status		 status;

	if (new_id != NULL)
		*new_id = HSM_KEY_NONE;
	if (out_len != NULL)
		*out_len = 0;
	if (h == NULL || new_id == NULL || out == NULL || out_len == NULL) {
		status = HSM_ERR_ARGS;
		goto fail;
	}
	if ((status = hsm_key_info(h, old_id, &ki)) != HSM_OK)
		goto fail;
	if (ki.hki_class != HSM_KC_TRK && ki.hki_class != HSM_KC_INK) {
		status = HSM_ERR_DENIED;
		goto fail;
	}
	return hsm_user_key_wrap_new(h, old_id, ki.hki_class, new_name,
	    new_id, out, out_size, out_len);
 fail:
	if (out != NULL)
		memset(out, '!', out_size);
	return status;
}

/* see hsm.h */
enum hsm_status
hsm_trk_bootstrap_export(struct hsm *h, hsm_key_id id, uint8_t *out,
    size_t out_size, size_t *out_len)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s;
	struct hsm_key		 k;
	CK_BBOOL		 sens = CK_TRUE;
	size_t			 len;
	CK_RV			 rv;
	bool			 locked = false;

	if (out_len != NULL)
		*out_len = 0;
	if (h == NULL || out == NULL || out_len == NULL) {
		status = HSM_ERR_ARGS;
		goto fail;
	}
	if ((status = hsm_key_get(h, id, HSM_OP_EXPORT_ONCE, &k)) != HSM_OK)
		goto fail;
	if (out_size < HSM_USER_KEY_LEN) {
		status = HSM_ERR_BUFFER;
		goto fail;
	}

	/* One export at a time; the token's CKA_SENSITIVE is the truth. */
	pthread_mutex_lock(&h->h_prov_mtx);
	locked = true;
	hsm_session_get(h, &s);
	status = hsm_get_attr(h, s.hs_sess, k.hk_obj, CKA_SENSITIVE, &sens,
	    sizeof(sens), &len);
	if (status == HSM_OK && (len != sizeof(sens) || sens != CK_FALSE))
		status = HSM_ERR_DENIED;
	if (status == HSM_OK) {
		status = hsm_get_attr(h, s.hs_sess, k.hk_obj, CKA_VALUE, out,
		    out_size, &len);
		if (status == HSM_OK && len != HSM_USER_KEY_LEN)
			status = HSM_ERR_GENERAL;
	}
	if (status == HSM_OK) {
		CK_ATTRIBUTE t[] = {
			{ CKA_SENSITIVE, &ck_true, sizeof(ck_true) },
			{ CKA_EXTRACTABLE, &ck_false, sizeof(ck_false) },
		};

		rv = h->h_p11->C_SetAttributeValue(s.hs_sess, k.hk_obj, t,
		    sizeof(t) / sizeof(t[0]));
		if (rv != CKR_OK) {
			log_warnx("%s: locking: 0x%lx", __func__, rv);
			status = hsm_ckr(rv, false);
			if (status == HSM_OK)
				status = HSM_ERR_GENERAL;
		}
	}
	hsm_session_put(h, &s, CKR_OK);
	if (status == HSM_OK || status == HSM_ERR_DENIED)
		hsm_key_set_flags(h, id, 0, HSM_KI_BOOTSTRAP);
	if (status != HSM_OK)
		goto fail;
	pthread_mutex_unlock(&h->h_prov_mtx);
	*out_len = HSM_USER_KEY_LEN;
	log_info("hsm: a bootstrap %s was exported and locked",
	    hsm_class_name(k.hk_class));
	log_debug("hsm: bootstrap key '%s' exported", k.hk_label);
	return HSM_OK;
 fail:
	if (locked)
		pthread_mutex_unlock(&h->h_prov_mtx);
	/* wipe: bytes read but not released (locking failed) */
	if (out != NULL)
		OPENSSL_cleanse(out, out_size);
	return status;
}

/* see hsm_local.h */
enum hsm_status
hsm_user_volatile_create(struct hsm *h, enum hsm_key_class kc,
    const char *label, hsm_key_id *out)
{
	return user_key_make(h, kc, label, UK_VOLATILE, NULL, out, NULL, 0,
	    NULL);
}
