/*
 * hsm.c - module loading, token selection by label, login, the session
 * pool, the key table and the one CKR_* -> hsm_status mapping.
 *
 * Everything here is raw PKCS#11 through the module's function list
 * (dlopen + C_GetFunctionList, <p11-kit/pkcs11.h>).  libp11 is linked for
 * the pkcs11 engine path (TLS, later: hsm_pkey.c) but not used for slot
 * enumeration: one code path to the token is easier to reason about, and
 * libp11 0.4.12 cannot make EC keys anyway.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "board.h"
#include "hsm_local.h"

#define HSM_SECURE_HEAP_SIZE	(64 * 1024)	/* OpenSSL secure heap */
#define HSM_SECURE_HEAP_MINSIZE	32

/* One open hsm per process: a PKCS#11 login is process wide. */
static pthread_mutex_t	 hsm_open_mtx = PTHREAD_MUTEX_INITIALIZER;
static bool		 hsm_is_open;

static enum hsm_status	 find_slot(struct hsm *h, const char *label);
static void		 hsm_free(struct hsm *h);

/* see hsm_local.h */
enum hsm_status
hsm_ckr(CK_RV rv, bool authenticating)
{
	switch (rv) {
	case CKR_OK:
		return HSM_OK;
	case CKR_PIN_INCORRECT:
	case CKR_PIN_INVALID:
	case CKR_PIN_LEN_RANGE:
	case CKR_PIN_EXPIRED:
	case CKR_PIN_LOCKED:
		return HSM_ERR_PIN;
	case CKR_ARGUMENTS_BAD:
	case CKR_ATTRIBUTE_VALUE_INVALID:
	case CKR_ATTRIBUTE_TYPE_INVALID:
	case CKR_DATA_LEN_RANGE:
	case CKR_DATA_INVALID:
	case CKR_TEMPLATE_INCOMPLETE:
	case CKR_TEMPLATE_INCONSISTENT:
	case CKR_DOMAIN_PARAMS_INVALID:
		return HSM_ERR_ARGS;
	case CKR_BUFFER_TOO_SMALL:
		return HSM_ERR_BUFFER;
	case CKR_HOST_MEMORY:
	case CKR_DEVICE_MEMORY:
		return HSM_ERR_MEMORY;
	case CKR_KEY_HANDLE_INVALID:
	case CKR_OBJECT_HANDLE_INVALID:
	case CKR_SLOT_ID_INVALID:
		return HSM_ERR_NOT_FOUND;
	case CKR_KEY_FUNCTION_NOT_PERMITTED:
	case CKR_KEY_TYPE_INCONSISTENT:
	case CKR_KEY_UNEXTRACTABLE:
	case CKR_ATTRIBUTE_SENSITIVE:
	case CKR_ATTRIBUTE_READ_ONLY:
	case CKR_ACTION_PROHIBITED:
	case CKR_MECHANISM_INVALID:
		return HSM_ERR_DENIED;
	case CKR_ENCRYPTED_DATA_INVALID:
	case CKR_ENCRYPTED_DATA_LEN_RANGE:
	case CKR_SIGNATURE_INVALID:
		return HSM_ERR_INTEGRITY;
	case CKR_GENERAL_ERROR:
		/*
		 * SoftHSM reports a failed GCM tag as CKR_GENERAL_ERROR
		 * (notes/platform.md section 1), so while authenticating it
		 * means the blob did not verify.
		 */
		return authenticating ? HSM_ERR_INTEGRITY : HSM_ERR_GENERAL;
	case CKR_DEVICE_ERROR:
	case CKR_DEVICE_REMOVED:
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_TOKEN_NOT_RECOGNIZED:
	case CKR_SESSION_CLOSED:
	case CKR_SESSION_HANDLE_INVALID:
	case CKR_SESSION_COUNT:
	case CKR_CRYPTOKI_NOT_INITIALIZED:
	case CKR_USER_NOT_LOGGED_IN:
	case CKR_FUNCTION_FAILED:
		return HSM_ERR_DEVICE;
	default:
		return HSM_ERR_GENERAL;
	}
}

/* see hsm.h */
const char *
hsm_strerror(enum hsm_status st)
{
	switch (st) {
	case HSM_OK:
		return "success";
	case HSM_ERR_GENERAL:
		return "general failure";
	case HSM_ERR_ARGS:
		return "bad argument";
	case HSM_ERR_NOT_FOUND:
		return "not found";
	case HSM_ERR_EXISTS:
		return "already exists";
	case HSM_ERR_DENIED:
		return "operation not permitted for this key";
	case HSM_ERR_PIN:
		return "login refused";
	case HSM_ERR_BUFFER:
		return "output buffer too small";
	case HSM_ERR_DEVICE:
		return "token or module failure";
	case HSM_ERR_INTEGRITY:
		return "sealed data failed authentication";
	case HSM_ERR_MEMORY:
		return "out of memory";
	case HSM_ERR_LOCKED:
		return "token logged out";
	}
	return "unknown status";
}

/* see hsm_local.h */
enum hsm_status
hsm_label_check(const char *label)
{
	size_t	 len;

	if (label == NULL)
		return HSM_ERR_ARGS;
	len = strnlen(label, HSM_LABEL_MAX + 1);
	if (len == 0 || len > HSM_LABEL_MAX)
		return HSM_ERR_ARGS;
	return HSM_OK;
}

static enum hsm_status
find_slot(struct hsm *h, const char *label)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	CK_SLOT_ID		*slots = NULL;
	CK_ULONG		 n, i;
	CK_TOKEN_INFO		 ti;
	char			 want[HSM_TOKEN_LABEL_LEN];
	size_t			 len;
	CK_RV			 rv;

	len = strlen(label);
	memset(want, ' ', sizeof(want));
	memcpy(want, label, len);

	rv = h->h_p11->C_GetSlotList(CK_TRUE, NULL, &n);
	if (rv != CKR_OK) {
		status = hsm_ckr(rv, false);
		goto fail;
	}
	if (n == 0 || n > HSM_SLOTS_MAX) {
		status = HSM_ERR_NOT_FOUND;
		goto fail;
	}
	if ((slots = calloc(n, sizeof(*slots))) == NULL) {
		status = HSM_ERR_MEMORY;
		goto fail;
	}
	rv = h->h_p11->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK) {
		status = hsm_ckr(rv, false);
		goto fail;
	}
	status = HSM_ERR_NOT_FOUND;
	for (i = 0; i < n; i++) {
		if (h->h_p11->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		if ((ti.flags & CKF_TOKEN_INITIALIZED) == 0)
			continue;
		if (memcmp(ti.label, want, sizeof(want)) != 0)
			continue;
		h->h_slot = slots[i];
		status = HSM_OK;
		break;
	}
 fail:
	free(slots);
	return status;
}

/* see hsm.h */
enum hsm_status
hsm_open(const struct hsm_conf *conf, struct hsm **out)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm		*h = NULL;
	CK_C_GetFunctionList	 getfl;
	CK_C_INITIALIZE_ARGS	 ia;
	size_t			 pinlen, i;
	CK_RV			 rv;
	bool			 claimed = false;

	if (out != NULL)
		*out = NULL;
	if (conf == NULL || out == NULL || conf->module == NULL ||
	    conf->token == NULL || conf->pin == NULL)
		return HSM_ERR_ARGS;
	pinlen = strnlen(conf->pin, HSM_PIN_MAX + 1);
	if (strlen(conf->token) == 0 ||
	    strlen(conf->token) > HSM_TOKEN_LABEL_LEN ||
	    pinlen == 0 || pinlen > HSM_PIN_MAX)
		return HSM_ERR_ARGS;

	pthread_mutex_lock(&hsm_open_mtx);
	if (hsm_is_open) {
		pthread_mutex_unlock(&hsm_open_mtx);
		log_warnx("%s: an hsm is already open", __func__);
		return HSM_ERR_EXISTS;
	}
	hsm_is_open = true;
	claimed = true;
	pthread_mutex_unlock(&hsm_open_mtx);

	if ((status = hsm_secmem_init()) != HSM_OK) {
		log_warnx("%s: cannot lock memory for secrets", __func__);
		goto fail;
	}
	if (!CRYPTO_secure_malloc_initialized() &&
	    CRYPTO_secure_malloc_init(HSM_SECURE_HEAP_SIZE,
	    HSM_SECURE_HEAP_MINSIZE) == 0) {
		log_warnx("%s: OpenSSL secure heap failed", __func__);
		status = HSM_ERR_MEMORY;
		goto fail;
	}

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		status = HSM_ERR_MEMORY;
		goto fail;
	}
	pthread_mutex_init(&h->h_mtx, NULL);
	pthread_cond_init(&h->h_cond, NULL);
	pthread_mutex_init(&h->h_prov_mtx, NULL);
	pthread_rwlock_init(&h->h_use_lock, NULL);
	pthread_mutex_init(&h->h_engine_mtx, NULL);
	pthread_rwlock_init(&h->h_keys_lock, NULL);
	h->h_nkeys = 1;		/* [0] is HSM_KEY_NONE */
	h->h_capkeys = HSM_KEYS_GROW;
	if ((h->h_keys = calloc(h->h_capkeys, sizeof(*h->h_keys))) == NULL) {
		status = HSM_ERR_MEMORY;
		goto fail;
	}
	strncpy(h->h_token, conf->token, HSM_TOKEN_LABEL_LEN);
	if (strlen(conf->module) >= sizeof(h->h_module)) {
		status = HSM_ERR_ARGS;
		goto fail;
	}
	memcpy(h->h_module, conf->module, strlen(conf->module) + 1);
	/* OpenSSL's secure heap: locked and excluded from core dumps. */
	if ((h->h_pin = OPENSSL_secure_malloc(pinlen + 1)) == NULL) {
		status = HSM_ERR_MEMORY;
		goto fail;
	}
	memcpy(h->h_pin, conf->pin, pinlen + 1);
	h->h_pinlen = pinlen;

	if ((h->h_dl = dlopen(conf->module, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		log_warnx("%s: cannot load module %s", __func__, conf->module);
		status = HSM_ERR_NOT_FOUND;
		goto fail;
	}
	getfl = (CK_C_GetFunctionList)dlsym(h->h_dl, "C_GetFunctionList");
	if (getfl == NULL || getfl(&h->h_p11) != CKR_OK || h->h_p11 == NULL) {
		log_warnx("%s: %s is not a PKCS#11 module", __func__,
		    conf->module);
		status = HSM_ERR_NOT_FOUND;
		goto fail;
	}
	memset(&ia, 0, sizeof(ia));
	ia.flags = CKF_OS_LOCKING_OK;
	rv = h->h_p11->C_Initialize(&ia);
	if (rv == CKR_OK)
		h->h_initialized = true;
	else if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		log_warnx("%s: C_Initialize: 0x%lx", __func__, rv);
		status = HSM_ERR_DEVICE;
		goto fail;
	}

	if ((status = find_slot(h, conf->token)) != HSM_OK) {
		log_warnx("%s: token '%s' not found", __func__, conf->token);
		goto fail;
	}
	for (i = 0; i < HSM_SESSIONS_MAX; i++) {
		rv = h->h_p11->C_OpenSession(h->h_slot,
		    CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
		    &h->h_sess[i]);
		if (rv != CKR_OK) {
			log_warnx("%s: C_OpenSession: 0x%lx", __func__, rv);
			status = hsm_ckr(rv, false);
			goto fail;
		}
		h->h_nsess++;
	}
	rv = h->h_p11->C_Login(h->h_sess[0], CKU_USER,
	    (CK_UTF8CHAR_PTR)(uintptr_t)conf->pin, (CK_ULONG)pinlen);
	if (rv == CKR_USER_ALREADY_LOGGED_IN)
		log_warnx("%s: already logged in by another user of the "
		    "module", __func__);
	else if (rv != CKR_OK) {
		status = hsm_ckr(rv, false);
		if (status == HSM_ERR_PIN)
			log_warnx("%s: login to token '%s' refused", __func__,
			    conf->token);
		else
			log_warnx("%s: C_Login: 0x%lx", __func__, rv);
		goto fail;
	}

	if ((status = hsm_scan(h)) != HSM_OK)
		goto fail;

	log_info("hsm: token '%s' opened, %zu keys", conf->token,
	    h->h_nkeys - 1);
	*out = h;
	return HSM_OK;
 fail:
	hsm_free(h);
	if (claimed) {
		pthread_mutex_lock(&hsm_open_mtx);
		hsm_is_open = false;
		pthread_mutex_unlock(&hsm_open_mtx);
	}
	return status;
}

static void
hsm_free(struct hsm *h)
{
	size_t	 i;

	if (h == NULL)
		return;
	hsm_engine_free(h);
	if (h->h_pin != NULL)
		OPENSSL_secure_clear_free(h->h_pin, h->h_pinlen + 1);
	if (h->h_p11 != NULL) {
		if (h->h_nsess > 0)
			(void)h->h_p11->C_Logout(h->h_sess[0]);
		for (i = 0; i < h->h_nsess; i++)
			(void)h->h_p11->C_CloseSession(h->h_sess[i]);
		if (h->h_initialized)
			(void)h->h_p11->C_Finalize(NULL);
	}
	if (h->h_dl != NULL)
		dlclose(h->h_dl);
	if (h->h_keys != NULL) {
		explicit_bzero(h->h_keys, h->h_capkeys * sizeof(*h->h_keys));
		free(h->h_keys);
	}
	free(h->h_index);
	pthread_rwlock_destroy(&h->h_keys_lock);
	pthread_mutex_destroy(&h->h_engine_mtx);
	pthread_mutex_destroy(&h->h_prov_mtx);
	pthread_rwlock_destroy(&h->h_use_lock);
	pthread_cond_destroy(&h->h_cond);
	pthread_mutex_destroy(&h->h_mtx);
	explicit_bzero(h, sizeof(*h));
	free(h);
}

/* see hsm.h */
void
hsm_close(struct hsm *h)
{
	if (h == NULL)
		return;
	hsm_cache_forget(h);	/* no cache state outlives the handle */
	hsm_free(h);
	pthread_mutex_lock(&hsm_open_mtx);
	hsm_is_open = false;
	pthread_mutex_unlock(&hsm_open_mtx);
	log_info("hsm: closed");
}

/* see hsm_local.h */
void
hsm_session_get(struct hsm *h, struct hsm_session *s)
{
	size_t	 i;

	pthread_mutex_lock(&h->h_mtx);
	for (;;) {
		for (i = 0; i < h->h_nsess; i++) {
			if (!h->h_busy[i])
				break;
		}
		if (i < h->h_nsess)
			break;
		pthread_cond_wait(&h->h_cond, &h->h_mtx);
	}
	h->h_busy[i] = true;
	s->hs_idx = i;
	s->hs_sess = h->h_sess[i];
	pthread_mutex_unlock(&h->h_mtx);
}

static _Atomic uint64_t	 hsm_ops_total, hsm_errors_total;

/* see hsm_local.h */
void
hsm_stats_count(CK_RV rv)
{
	atomic_fetch_add_explicit(&hsm_ops_total, 1, memory_order_relaxed);
	if (rv != CKR_OK)
		atomic_fetch_add_explicit(&hsm_errors_total, 1,
		    memory_order_relaxed);
}

/* see hsm.h */
void
hsm_stats(struct hsm_stats *out)
{
	out->hs_ops = atomic_load(&hsm_ops_total);
	out->hs_errors = atomic_load(&hsm_errors_total);
}

/* see hsm_local.h */
void
hsm_session_put(struct hsm *h, struct hsm_session *s, CK_RV rv)
{
	CK_SESSION_HANDLE	 ns = s->hs_sess;
	CK_RV			 orv;

	hsm_stats_count(rv);

	/*
	 * A session that saw a failure may still hold an active operation
	 * (a C_Decrypt that never ran leaves its C_DecryptInit behind, and
	 * PKCS#11 2.40 has no cancel): replace it, so no failure outlives
	 * its request.  Found by tests/integration/it_hsm_faults_keyprov.sh.
	 */
	if (rv != CKR_OK) {
		/* Still ours (busy): replace it outside the pool lock. */
		(void)h->h_p11->C_CloseSession(s->hs_sess);
		orv = h->h_p11->C_OpenSession(h->h_slot,
		    CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &ns);
		if (orv == CKR_OK)
			log_warnx("hsm: session %zu reopened", s->hs_idx);
		else {
			log_warnx("hsm: session %zu lost: 0x%lx", s->hs_idx,
			    orv);
			ns = s->hs_sess;
		}
	}
	pthread_mutex_lock(&h->h_mtx);
	h->h_sess[s->hs_idx] = ns;
	h->h_busy[s->hs_idx] = false;
	/* Everyone: a borrower, or pool_hold waiting for all of them. */
	pthread_cond_broadcast(&h->h_cond);
	pthread_mutex_unlock(&h->h_mtx);
	s->hs_sess = CK_INVALID_HANDLE;
}

/* FNV-1a over a label: the label index's hash. */
static uint64_t
label_hash(const char *label)
{
	uint64_t	 x = 0xcbf29ce484222325ULL;

	while (*label != '\0') {
		x ^= (uint8_t)*label++;
		x *= 0x100000001b3ULL;
	}
	return x;
}

/* Put id into the index (h_keys_lock held for writing, room left). */
static void
index_put(struct hsm *h, hsm_key_id id)
{
	size_t	 i, mask = h->h_nindex - 1;

	i = (size_t)label_hash(h->h_keys[id].hk_label) & mask;
	while (h->h_index[i] != HSM_KEY_NONE)
		i = (i + 1) & mask;
	h->h_index[i] = id;
}

/*
 * The id of the key labelled label, of class kc (0: any class), or
 * HSM_KEY_NONE.  h_keys_lock held (either way).
 */
static hsm_key_id
index_find(struct hsm *h, const char *label, enum hsm_key_class kc)
{
	size_t		 i, mask;
	hsm_key_id	 id;

	if (h->h_nindex == 0)
		return HSM_KEY_NONE;
	mask = h->h_nindex - 1;
	i = (size_t)label_hash(label) & mask;
	while ((id = h->h_index[i]) != HSM_KEY_NONE) {
		if ((kc == 0 || h->h_keys[id].hk_class == kc) &&
		    strcmp(h->h_keys[id].hk_label, label) == 0)
			return id;
		i = (i + 1) & mask;
	}
	return HSM_KEY_NONE;
}

/* Grow the index to hold 2 * want keys (h_keys_lock held for writing). */
static enum hsm_status
index_grow(struct hsm *h, size_t want)
{
	hsm_key_id	*ni;
	size_t		 n, id;

	if (want * 2 <= h->h_nindex)
		return HSM_OK;
	n = h->h_nindex == 0 ? HSM_INDEX_MIN : h->h_nindex;
	while (n < want * 2)
		n *= 2;
	if ((ni = calloc(n, sizeof(*ni))) == NULL)
		return HSM_ERR_MEMORY;
	free(h->h_index);
	h->h_index = ni;
	h->h_nindex = n;
	for (id = 1; id < h->h_nkeys; id++)
		index_put(h, (hsm_key_id)id);
	return HSM_OK;
}

/* see hsm_local.h */
enum hsm_status
hsm_key_get(struct hsm *h, hsm_key_id id, enum hsm_op op,
    struct hsm_key *out)
{
	enum hsm_status	 status = HSM_ERR_GENERAL;

	pthread_rwlock_rdlock(&h->h_keys_lock);
	if ((status = hsm_gate(h)) != HSM_OK)
		goto fail;
	status = HSM_ERR_GENERAL;
	if (id == HSM_KEY_NONE || id >= h->h_nkeys) {
		status = HSM_ERR_NOT_FOUND;
		goto fail;
	}
	if (!hsm_policy_permits(h->h_keys[id].hk_class, op)) {
		status = HSM_ERR_DENIED;
		goto fail;
	}
	*out = h->h_keys[id];
	status = HSM_OK;
 fail:
	pthread_rwlock_unlock(&h->h_keys_lock);
	return status;
}

/* see hsm_local.h */
enum hsm_status
hsm_key_add(struct hsm *h, const struct hsm_key *k, hsm_key_id *out)
{
	enum hsm_status	 status = HSM_ERR_GENERAL;
	struct hsm_key	*nk;
	size_t		 ncap;

	pthread_rwlock_wrlock(&h->h_keys_lock);
	if (h->h_nkeys >= HSM_KEYS_MAX) {
		status = HSM_ERR_MEMORY;
		goto fail;
	}
	if (index_find(h, k->hk_label, k->hk_class) != HSM_KEY_NONE) {
		status = HSM_ERR_EXISTS;
		goto fail;
	}
	if ((status = index_grow(h, h->h_nkeys + 1)) != HSM_OK)
		goto fail;
	if (h->h_nkeys == h->h_capkeys) {
		ncap = h->h_capkeys + HSM_KEYS_GROW;
		if ((nk = reallocarray(h->h_keys, ncap, sizeof(*nk))) == NULL) {
			status = HSM_ERR_MEMORY;
			goto fail;
		}
		memset(nk + h->h_capkeys, 0, HSM_KEYS_GROW * sizeof(*nk));
		h->h_keys = nk;
		h->h_capkeys = ncap;
	}
	h->h_keys[h->h_nkeys] = *k;
	index_put(h, (hsm_key_id)h->h_nkeys);
	if (out != NULL)
		*out = (hsm_key_id)h->h_nkeys;
	h->h_nkeys++;
	status = HSM_OK;
 fail:
	pthread_rwlock_unlock(&h->h_keys_lock);
	return status;
}

/* see hsm_local.h */
void
hsm_key_set_flags(struct hsm *h, hsm_key_id id, unsigned int set,
    unsigned int clear)
{
	pthread_rwlock_wrlock(&h->h_keys_lock);
	if (id != HSM_KEY_NONE && id < h->h_nkeys) {
		h->h_keys[id].hk_flags |= set;
		h->h_keys[id].hk_flags &= ~clear;
	}
	pthread_rwlock_unlock(&h->h_keys_lock);
}

/* see hsm_local.h */
void
hsm_keys_clear(struct hsm *h)
{
	pthread_rwlock_wrlock(&h->h_keys_lock);
	explicit_bzero(h->h_keys, h->h_capkeys * sizeof(*h->h_keys));
	h->h_nkeys = 1;
	if (h->h_index != NULL)
		memset(h->h_index, 0, h->h_nindex * sizeof(*h->h_index));
	pthread_rwlock_unlock(&h->h_keys_lock);
}

/* see hsm_local.h */
hsm_key_id
hsm_key_lookup(struct hsm *h, const char *label, enum hsm_key_class kc)
{
	return index_find(h, label, kc);
}

/* see hsm_local.h */
bool
hsm_key_label_cached(struct hsm *h, const char *label)
{
	bool	 found;

	pthread_rwlock_rdlock(&h->h_keys_lock);
	found = index_find(h, label, 0) != HSM_KEY_NONE;
	pthread_rwlock_unlock(&h->h_keys_lock);
	return found;
}

/* see hsm.h */
enum hsm_status
hsm_key_find(struct hsm *h, enum hsm_key_class kc, const char *label,
    hsm_key_id *out)
{
	hsm_key_id	 id;

	if (out != NULL)
		*out = HSM_KEY_NONE;
	if (h == NULL || out == NULL || hsm_label_check(label) != HSM_OK)
		return HSM_ERR_ARGS;
	if (kc < HSM_KC_FIRST || kc > HSM_KC_LAST)
		return HSM_ERR_NOT_FOUND;
	if (hsm_gate(h) != HSM_OK)
		return HSM_ERR_LOCKED;
	pthread_rwlock_rdlock(&h->h_keys_lock);
	id = index_find(h, label, kc);
	pthread_rwlock_unlock(&h->h_keys_lock);
	if (id == HSM_KEY_NONE && hsm_scan_label(h, label) == HSM_OK) {
		/* Made by another program (kms-provision) since start-up? */
		pthread_rwlock_rdlock(&h->h_keys_lock);
		id = index_find(h, label, kc);
		pthread_rwlock_unlock(&h->h_keys_lock);
	}
	*out = id;
	return id == HSM_KEY_NONE ? HSM_ERR_NOT_FOUND : HSM_OK;
}

/* see hsm.h */
enum hsm_status
hsm_key_info(struct hsm *h, hsm_key_id id, struct hsm_key_info *out)
{
	enum hsm_status	 status = HSM_ERR_NOT_FOUND;

	if (h == NULL || out == NULL)
		return HSM_ERR_ARGS;
	memset(out, 0, sizeof(*out));
	pthread_rwlock_rdlock(&h->h_keys_lock);
	if (id != HSM_KEY_NONE && id < h->h_nkeys) {
		out->hki_id = id;
		out->hki_class = h->h_keys[id].hk_class;
		memcpy(out->hki_label, h->h_keys[id].hk_label,
		    sizeof(out->hki_label));
		out->hki_flags = h->h_keys[id].hk_flags;
		status = HSM_OK;
	}
	pthread_rwlock_unlock(&h->h_keys_lock);
	return status;
}

/* see hsm.h */
enum hsm_status
hsm_random(struct hsm *h, void *out, size_t len)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s;
	CK_RV			 rv;

	if (h == NULL || (out == NULL && len > 0))
		return HSM_ERR_ARGS;
	if (len == 0)
		return HSM_OK;
	if ((status = hsm_gate(h)) != HSM_OK)
		goto fail;
	hsm_session_get(h, &s);
	rv = h->h_p11->C_GenerateRandom(s.hs_sess, out, (CK_ULONG)len);
	hsm_session_put(h, &s, rv);
	if ((status = hsm_ckr(rv, false)) != HSM_OK)
		goto fail;
	return HSM_OK;
 fail:
	OPENSSL_cleanse(out, len);
	return status;
}

/* see hsm_local.h */
enum hsm_status
hsm_gate(const struct hsm *h)
{
	return atomic_load(&h->h_logged_out) ? HSM_ERR_LOCKED : HSM_OK;
}

/* see hsm.h */
bool
hsm_is_logged_in(const struct hsm *h)
{
	return h != NULL && !atomic_load(&h->h_logged_out);
}

/*
 * Take every pooled session (waiting for those lent out to come back),
 * so that nothing else runs on the pool while the login changes; the
 * caller holds h_use_lock for writing.  pool_release gives them back.
 */
static void
pool_hold(struct hsm *h)
{
	size_t	 i;
	bool	 busy;

	pthread_mutex_lock(&h->h_mtx);
	for (;;) {
		busy = false;
		for (i = 0; i < h->h_nsess; i++)
			busy = busy || h->h_busy[i];
		if (!busy)
			break;
		pthread_cond_wait(&h->h_cond, &h->h_mtx);
	}
	for (i = 0; i < h->h_nsess; i++)
		h->h_busy[i] = true;
	pthread_mutex_unlock(&h->h_mtx);
}

static void
pool_release(struct hsm *h)
{
	size_t	 i;

	pthread_mutex_lock(&h->h_mtx);
	for (i = 0; i < h->h_nsess; i++)
		h->h_busy[i] = false;
	pthread_cond_broadcast(&h->h_cond);
	pthread_mutex_unlock(&h->h_mtx);
}

/* see hsm.h */
enum hsm_status
hsm_logout(struct hsm *h)
{
	enum hsm_status	 status = HSM_ERR_GENERAL;
	size_t		 i;
	CK_RV		 rv;

	if (h == NULL)
		return HSM_ERR_ARGS;
	/* The gate first: calls from now on refuse; then wait for those
	 * under way (derivations, provisioning, borrowed sessions). */
	if (atomic_exchange(&h->h_logged_out, true))
		return HSM_OK;
	pthread_rwlock_wrlock(&h->h_use_lock);
	pthread_mutex_lock(&h->h_prov_mtx);
	hsm_cache_forget(h);	/* the cache key is a private session object */
	pool_hold(h);
	rv = h->h_nsess > 0 ? h->h_p11->C_Logout(h->h_sess[0]) : CKR_OK;
	hsm_stats_count(rv == CKR_USER_NOT_LOGGED_IN ? CKR_OK : rv);
	pool_release(h);
	if (rv == CKR_OK || rv == CKR_USER_NOT_LOGGED_IN)
		status = HSM_OK;
	else {
		log_warnx("hsm: C_Logout: 0x%lx (logged out all the same)",
		    rv);
		status = hsm_ckr(rv, false);
	}

	/* No handle outlives the login it belonged to. */
	pthread_rwlock_wrlock(&h->h_keys_lock);
	for (i = 1; i < h->h_nkeys; i++) {
		h->h_keys[i].hk_obj = CK_INVALID_HANDLE;
		h->h_keys[i].hk_pub = CK_INVALID_HANDLE;
		h->h_keys[i].hk_twin = CK_INVALID_HANDLE;
	}
	pthread_rwlock_unlock(&h->h_keys_lock);

	/* wipe: the PIN kept for re-login and the engine */
	if (h->h_pin != NULL)
		OPENSSL_secure_clear_free(h->h_pin, h->h_pinlen + 1);
	h->h_pin = NULL;
	h->h_pinlen = 0;
	pthread_mutex_unlock(&h->h_prov_mtx);
	pthread_rwlock_unlock(&h->h_use_lock);
	log_info("hsm: token '%s' logged out", h->h_token);
	return status;
}

/* see hsm.h */
enum hsm_status
hsm_login(struct hsm *h, const char *pin)
{
	enum hsm_status	 status = HSM_ERR_GENERAL;
	char		*copy = NULL;
	size_t		 pinlen, missing = 0;
	CK_RV		 rv;
	bool		 held = false;

	if (h == NULL || pin == NULL)
		return HSM_ERR_ARGS;
	pinlen = strnlen(pin, HSM_PIN_MAX + 1);
	if (pinlen == 0 || pinlen > HSM_PIN_MAX)
		return HSM_ERR_ARGS;
	pthread_rwlock_wrlock(&h->h_use_lock);
	pthread_mutex_lock(&h->h_prov_mtx);
	if (!atomic_load(&h->h_logged_out)) {
		status = HSM_ERR_EXISTS;
		goto fail;
	}
	if ((copy = OPENSSL_secure_malloc(pinlen + 1)) == NULL) {
		status = HSM_ERR_MEMORY;
		goto fail;
	}
	memcpy(copy, pin, pinlen + 1);
	pool_hold(h);
	held = true;
	if (h->h_nsess == 0) {
		status = HSM_ERR_DEVICE;
		goto fail;
	}
	rv = h->h_p11->C_Login(h->h_sess[0], CKU_USER,
	    (CK_UTF8CHAR_PTR)copy, (CK_ULONG)pinlen);
	if (rv == CKR_USER_ALREADY_LOGGED_IN) {
		/* Someone else of this application (the pkcs11 engine) logged
		 * in meanwhile: the PIN must be checked all the same. */
		(void)h->h_p11->C_Logout(h->h_sess[0]);
		rv = h->h_p11->C_Login(h->h_sess[0], CKU_USER,
		    (CK_UTF8CHAR_PTR)copy, (CK_ULONG)pinlen);
	}
	hsm_stats_count(rv);
	if (rv != CKR_OK) {
		status = hsm_ckr(rv, false);
		if (status == HSM_ERR_PIN)
			log_warnx("hsm: login to token '%s' refused",
			    h->h_token);
		else
			log_warnx("hsm: C_Login: 0x%lx", rv);
		if (status == HSM_OK || status == HSM_ERR_GENERAL)
			status = HSM_ERR_DEVICE;
		goto fail;
	}
	pthread_rwlock_wrlock(&h->h_keys_lock);
	status = hsm_keys_relink(h, h->h_sess[0], &missing);
	pthread_rwlock_unlock(&h->h_keys_lock);
	if (status != HSM_OK) {
		log_warnx("hsm: login: the key handles could not be found "
		    "again (%s); logged out", hsm_strerror(status));
		(void)h->h_p11->C_Logout(h->h_sess[0]);
		goto fail;
	}
	if (missing > 0)
		log_warnx("hsm: login: %zu keys are no longer in the token",
		    missing);
	h->h_pin = copy;
	h->h_pinlen = pinlen;
	copy = NULL;
	atomic_store(&h->h_logged_out, false);
	log_info("hsm: token '%s' logged in again", h->h_token);
	status = HSM_OK;
 fail:
	if (held)
		pool_release(h);
	if (copy != NULL)
		OPENSSL_secure_clear_free(copy, pinlen + 1);
	pthread_mutex_unlock(&h->h_prov_mtx);
	pthread_rwlock_unlock(&h->h_use_lock);
	return status;
}
