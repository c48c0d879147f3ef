/*
 * hsm_local.h - private structures and helpers shared by the files of
 * hsm/.  Nothing outside hsm/ includes this header.
 *
 * Token layout (what hsm/ writes into the token):
 *   - every key object carries CKA_ID = "kms" || class || 8 random bytes
 *     (HSM_CKID_LEN); the KMS_SIGN private and public keys share one;
 *   - every sealed master secret is a CKO_DATA object with
 *     CKA_APPLICATION = HSM_APPLICATION, CKA_LABEL = its label and
 *     CKA_VALUE = the sealed blob:
 *
 *	off  len
 *	  0    1  version (HSM_SEAL_VERSION)
 *	  1    1  key class
 *	  2   12  CKA_ID of the KEK that sealed it
 *	 14   12  GCM IV (from C_GenerateRandom)
 *	 26    n  ciphertext (n = secret length)
 *	26+n  16  GCM tag
 *
 *     The AAD is the 14-byte header followed by the label, so the class,
 *     the KEK link and the label are all authenticated.
 */
#ifndef HSM_LOCAL_H
#define HSM_LOCAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

#include "hsm.h"

/* Limits. */
#define HSM_SESSIONS_MAX	4	/* sessions in the pool */
#define HSM_KEYS_MAX		65536	/* entries in the key table */
#define HSM_KEYS_GROW		64	/* table growth step */
#define HSM_SLOTS_MAX		256	/* slots hsm_open looks at */
#define HSM_TOKEN_LABEL_LEN	32	/* CK_TOKEN_INFO.label, padded */
#define HSM_FIND_BATCH		64	/* handles per C_FindObjects */
#define HSM_DRAW_TRIES_MAX	128	/* rejection sampling rounds */

/* Identification of the appliance's objects in the token. */
#define HSM_APPLICATION		"kms-appliance"
#define HSM_CKID_MAGIC		"kms"
#define HSM_CKID_MAGIC_LEN	3
#define HSM_CKID_RAND_LEN	8
#define HSM_CKID_LEN		(HSM_CKID_MAGIC_LEN + 1 + HSM_CKID_RAND_LEN)

/* Sealed blob layout (see the comment at the top). */
#define HSM_SEAL_VERSION	1
#define HSM_SEAL_IV_LEN		12
#define HSM_SEAL_TAG_LEN	16
#define HSM_SEAL_HDR_LEN	(2 + HSM_CKID_LEN)
#define HSM_SEAL_OVERHEAD	(HSM_SEAL_HDR_LEN + HSM_SEAL_IV_LEN + \
				    HSM_SEAL_TAG_LEN)
#define HSM_SEAL_BLOB_MAX	(HSM_SEAL_OVERHEAD + HSM_MASTER_MAX_LEN)

/* P-256 encodings. */
#define HSM_EC_PARAMS_P256	"\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07"
#define HSM_EC_PARAMS_P256_LEN	10

/* Operations the policy table knows. */
enum hsm_op {
	HSM_OP_SEAL = 1,	/* seal a new master secret (KEK) */
	HSM_OP_UNSEAL,		/* unseal a master secret (KEK) */
	HSM_OP_USE_SECRET,	/* hsm_master_use (masters) */
	HSM_OP_SIGN,		/* hsm_sign_digest */
	HSM_OP_PUBKEY,		/* hsm_sign_pubkey */
	HSM_OP_HMAC,		/* hsm_hmac, hsm_hmac_verify */
	HSM_OP_WRAP_MATERIAL,	/* hsm_wrap_material (RFC 5649) */
	HSM_OP_GCM_SEAL,	/* hsm_gcm_seal (content key wrap) */
	HSM_OP_WRAP_NEW_TRK,	/* hsm_user_key_wrap_new, new TrK */
	HSM_OP_WRAP_NEW_INK,	/* hsm_user_key_wrap_new, new InK */
	HSM_OP_EXPORT_ONCE,	/* hsm_trk_bootstrap_export */
	HSM_OP_TLS_SIGN,	/* the pkcs11 engine (TLS handshake) */
	HSM_OP_BACKUP_WRAP,	/* hsm_backup_create (AES-GCM seal) */
	HSM_OP_BACKUP_UNWRAP,	/* hsm_backup_open */
};
#define HSM_OP_FIRST	HSM_OP_SEAL
#define HSM_OP_LAST	HSM_OP_BACKUP_UNWRAP

/*
 * One entry of the key table; index 0 is never used (HSM_KEY_NONE).
 * hk_ckid is the key's own CKA_ID, or for a master the CKA_ID of the KEK
 * that sealed it (taken from the blob header).
 */
struct hsm_key {
	enum hsm_key_class	 hk_class;
	char			 hk_label[HSM_LABEL_MAX + 1];
	uint8_t			 hk_ckid[HSM_CKID_LEN];
	CK_OBJECT_HANDLE	 hk_obj;	/* key or blob */
	CK_OBJECT_HANDLE	 hk_pub;	/* KMS_SIGN, TLS: public key */
	CK_OBJECT_HANDLE	 hk_twin;	/* TRK, INK: HMAC twin */
	hsm_key_id		 hk_kek;	/* masters: the KEK */
	size_t			 hk_len;	/* masters: secret len */
	unsigned int		 hk_flags;	/* HSM_KI_* */
};

/*
 * The label index: open addressing over hsm_key ids, sized a power of two
 * at least twice the number of keys, rebuilt when it grows.  A slot holds
 * a key id or HSM_KEY_NONE.  Labels are unique per class.
 */
#define HSM_INDEX_MIN		128

#define HSM_MODULE_PATH_MAX	512	/* longest module path */

struct hsm {
	void			*h_dl;
	char			 h_module[HSM_MODULE_PATH_MAX];
	char			*h_pin;		/* in locked memory: the engine
						   and re-login need it */
	size_t			 h_pinlen;
	void			*h_engine;	/* pkcs11 ENGINE, or NULL */
	pthread_mutex_t		 h_engine_mtx;
	CK_FUNCTION_LIST_PTR	 h_p11;
	CK_SLOT_ID		 h_slot;
	bool			 h_initialized;	/* we initialised */
	char			 h_token[HSM_TOKEN_LABEL_LEN + 1];

	/* Session pool, under h_mtx. */
	pthread_mutex_t		 h_mtx;
	pthread_cond_t		 h_cond;
	CK_SESSION_HANDLE	 h_sess[HSM_SESSIONS_MAX];
	bool			 h_busy[HSM_SESSIONS_MAX];
	size_t			 h_nsess;

	/*
	 * Key table and label index, under h_keys_lock: readers (every
	 * operation looking up a key) share it, hsm_key_add and
	 * hsm_destroy_all take it exclusively.
	 */
	pthread_rwlock_t	 h_keys_lock;
	struct hsm_key		*h_keys;	/* h_keys[0] unused */
	size_t			 h_nkeys;	/* entries incl. [0] */
	size_t			 h_capkeys;
	hsm_key_id		*h_index;	/* label index slots */
	size_t			 h_nindex;	/* power of two */

	/* Serialises provisioning (check for label, create, add). */
	pthread_mutex_t		 h_prov_mtx;
	pthread_rwlock_t	 h_use_lock;	/* master use (rd) vs zeroize,
						   logout, login (wr) */
	/*
	 * hsm_logout: set before the C_Logout, cleared by a successful
	 * hsm_login; every gate (hsm_key_get, hsm_key_find, ...) reads it.
	 */
	_Atomic bool		 h_logged_out;
	uint64_t		 h_rescan_ms;	/* hsm_scan_label's window */
	unsigned		 h_rescans;	/* ... and its count */
};

/*
 * A borrowed session: give it back with hsm_session_put, passing the last
 * CK_RV seen on it; a session the module reports closed or invalid is
 * replaced by a new one (the login is the application's, so the new
 * session is logged in as long as the token is).
 */
struct hsm_session {
	CK_SESSION_HANDLE	 hs_sess;
	size_t			 hs_idx;
};

/* hsm.c */
enum hsm_status	 hsm_ckr(CK_RV rv, bool authenticating);
/* Count one token operation and whether it failed (hsm_stats). */
void		 hsm_stats_count(CK_RV rv);

/* hsm_pkey.c: release the engine (before C_Finalize). */
void		 hsm_engine_free(struct hsm *h);
void		 hsm_session_get(struct hsm *h, struct hsm_session *s);
void		 hsm_session_put(struct hsm *h, struct hsm_session *s,
		    CK_RV rv);
enum hsm_status	 hsm_key_get(struct hsm *h, hsm_key_id id,
		    enum hsm_op op, struct hsm_key *out);
enum hsm_status	 hsm_key_add(struct hsm *h, const struct hsm_key *k,
		    hsm_key_id *out);
void		 hsm_key_set_flags(struct hsm *h, hsm_key_id id,
		    unsigned int set, unsigned int clear);
void		 hsm_keys_clear(struct hsm *h);
bool		 hsm_key_label_cached(struct hsm *h, const char *label);
/*
 * The id of the key labelled label of class kc, or HSM_KEY_NONE; the
 * caller holds h_keys_lock (either way).
 */
hsm_key_id	 hsm_key_lookup(struct hsm *h, const char *label,
		    enum hsm_key_class kc);
/* HSM_ERR_LOCKED after hsm_logout, else HSM_OK: the gate of every call
 * that needs the token. */
enum hsm_status	 hsm_gate(const struct hsm *h);
enum hsm_status	 hsm_label_check(const char *label);

/* hsm_keys.c */
enum hsm_status	 hsm_scan(struct hsm *h);
/*
 * Look in the token for objects labelled label that appeared after
 * start-up (made by kms-provision while kmsd runs) and add them; at most
 * HSM_RESCANS_MAX times per HSM_RESCAN_WINDOW_MS, so misses cannot make
 * the daemon search the token per request (HSM_ERR_NOT_FOUND beyond).
 */
#define HSM_RESCAN_WINDOW_MS	1000
#define HSM_RESCANS_MAX		8
enum hsm_status	 hsm_scan_label(struct hsm *h, const char *label);
/*
 * hsm_login: give every key table entry its object handles again (found
 * by label, class and CKA_ID on session s, which the caller holds with
 * h_keys_lock for writing).  Entries not found keep CK_INVALID_HANDLE;
 * *missing counts them (volatile keys included: they die at logout).
 */
enum hsm_status	 hsm_keys_relink(struct hsm *h, CK_SESSION_HANDLE s,
		    size_t *missing);
enum hsm_status	 hsm_label_in_token(struct hsm *h, const char *label);
/*
 * How many of the appliance's objects (any label: the generations' master
 * secrets too) the token still holds, into *n.  For zeroize's check.
 */
enum hsm_status	 hsm_ours_left(struct hsm *h, size_t *n);
enum hsm_status	 hsm_ckid_new(struct hsm *h, enum hsm_key_class kc,
		    uint8_t out[HSM_CKID_LEN]);
enum hsm_status	 hsm_get_attr(struct hsm *h, CK_SESSION_HANDLE s,
		    CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type, void *out,
		    size_t out_size, size_t *out_len);
enum hsm_status	 hsm_label_is_free(struct hsm *h, const char *label);
void		 hsm_destroy_obj(struct hsm *h, CK_OBJECT_HANDLE obj);

/* hsm_seal.c */
/*
 * Seal secret (len bytes, class kc, a master class) under the KEK kk (id
 * kek) and store the blob as a token object labelled label; add it to the
 * key table.  The caller holds h_prov_mtx, has checked that the label is
 * free, and wipes secret.
 */
enum hsm_status	 hsm_seal_store(struct hsm *h, const struct hsm_key *kk,
		    hsm_key_id kek, enum hsm_key_class kc, const char *label,
		    const uint8_t *secret, size_t len, hsm_key_id *out);

/* hsm_sym.c */
/*
 * Generate an AES session key of len bytes on sess: private, sensitive,
 * not on the token (gone when destroyed or when the session closes).
 * With wrapping, a one-off key-wrapping key (wrap and unwrap only, never
 * extractable); without, a content key (encrypt only, extractable so
 * that it can be wrapped out).  The CK_RV of C_GenerateKey.
 */
CK_RV		 hsm_session_aes_key(struct hsm *h, CK_SESSION_HANDLE sess,
		    CK_ULONG len, bool wrapping, CK_OBJECT_HANDLE *obj);
/*
 * RFC 5649 wrap of p (len bytes, 1..HSM_WRAP_MATERIAL_MAX) under the AES
 * key kek on session s, the AES block function in the token; out gets
 * HSM_KWP_LEN(len) bytes.  *rvp is the last CK_RV (for hsm_session_put).
 * Used by hsm_wrap_material and the self-test (hsm_kat.c).
 */
enum hsm_status	 hsm_kwp_wrap(struct hsm *h, CK_SESSION_HANDLE s,
		    CK_OBJECT_HANDLE kek, const uint8_t *p, size_t len,
		    uint8_t *out, CK_RV *rvp);

/* hsm_user.c */
bool		 hsm_is_user_class(enum hsm_key_class kc);
enum hsm_status	 hsm_user_volatile_create(struct hsm *h,
		    enum hsm_key_class kc, const char *label, hsm_key_id *out);

/* hsm_policy.c */
bool		 hsm_policy_permits(enum hsm_key_class kc, enum hsm_op op);
bool		 hsm_class_is_valid(int kc);
bool		 hsm_class_is_master(enum hsm_key_class kc);

/* hsm_secmem.c */
enum hsm_status	 hsm_secmem_init(void);
/*
 * Zeroize: wipe the whole arena, allocated or not (hsm_zeroize; callers
 * still holding an allocation find zeros in it).
 */
void		 hsm_secmem_wipe_all(void);

#endif /* HSM_LOCAL_H */
