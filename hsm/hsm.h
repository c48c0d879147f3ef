/*
 * hsm.h - the only door to secrets.
 *
 * Every secret the appliance owns lives in a PKCS#11 token.  This module
 * opens the token (module path, token label, user PIN), keeps one login,
 * and offers operations by key id under a fixed usage policy per key class.
 * It never hands out PKCS#11 handles or secret key bytes, with one
 * exception shaped for the master secrets (see hsm_master_use): a standard
 * token has no SAKKE or ECCSI mechanism, so the master secrets are stored
 * sealed (AES-256-GCM under the token's key-encryption key, which never
 * leaves the token) and are unsealed only into locked, non-dumpable memory
 * for the duration of one callback, then wiped.  An HSM with a vendor
 * mechanism can run the callback's work inside instead.
 *
 * Threads: after hsm_open returns, every function may be called from any
 * thread; calls are serialised or use a session each (hsm_logout and
 * hsm_login too: they wait for the calls under way).  hsm_open and
 * hsm_close run on one thread with no other call in flight.
 *
 * Return values: HSM_OK (0) or a negative enum hsm_status.  Outputs follow
 * (out, out_size, *out_len); on failure out is wiped and *out_len is 0.
 */
#ifndef HSM_H
#define HSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Status codes.  Start a status variable at HSM_ERR_GENERAL (fail closed). */
enum hsm_status {
	HSM_OK			=  0,
	HSM_ERR_GENERAL		= -1,	/* anything not listed below */
	HSM_ERR_ARGS		= -2,	/* bad argument, NULL, wrong size */
	HSM_ERR_NOT_FOUND	= -3,	/* no such key, token or module */
	HSM_ERR_EXISTS		= -4,	/* a key with that label exists */
	HSM_ERR_DENIED		= -5,	/* the key class forbids this use */
	HSM_ERR_PIN		= -6,	/* login refused */
	HSM_ERR_BUFFER		= -7,	/* out_size too small */
	HSM_ERR_DEVICE		= -8,	/* token or module failed; retry later */
	HSM_ERR_INTEGRITY	= -9,	/* a sealed blob failed authentication */
	HSM_ERR_MEMORY		= -10,	/* allocation or mlock failed */
	HSM_ERR_LOCKED		= -11,	/* token logged out (hsm_logout) */
};

/* Opaque key id: an index into the module's key table, never a handle. */
typedef uint32_t hsm_key_id;
#define HSM_KEY_NONE	((hsm_key_id)0)

/*
 * Key classes and what each may do (enforced by a policy table inside,
 * hsm_policy.c; docs/hsm.md has the full class x operation table):
 *   KEK          seal and unseal master secrets; never leaves the token
 *   MASTER_SAKKE sealed SAKKE master secret z_S (HSM_MASTER_SAKKE_LEN bytes)
 *   MASTER_ECCSI sealed ECCSI KSAK (HSM_MASTER_ECCSI_LEN bytes)
 *   KMS_SIGN     ECDSA P-256 key pair: sign digests, read the public key
 *   TRK          per-user transport key (AES-256 + HMAC twin): HMAC-SHA256,
 *                RFC 5649 wrap of user key material, AES-128-GCM of a
 *                KmsMessage (content key wrapped under it), wrap a new
 *                TrK or InK under it (RFC 3394), one bootstrap export
 *   INK          per-user integrity key (AES-256 + HMAC twin): HMAC-SHA256
 *                sign/verify, wrap a new InK under it (RFC 3394)
 *   TLS          ECDSA P-256 key pair of the HTTPS server: read the public
 *                key; signs only through the pkcs11 engine (TLS handshake),
 *                never through hsm_sign_digest
 *   BACKUP       AES-256 backup key: AES-GCM of the backup file's
 *                sections (hsm_backup_create / hsm_backup_open); entered
 *                by the key ceremony (hsm_backup_key_import)
 *   MIKEY_PSK    per-user MIKEY pre-shared key, the stand-in for the GBA
 *                Ks_NAF of TS 33.328 (AES-256 + HMAC twin): HMAC-SHA256
 *                (the MIKEY PRF runs on it in the token), one export to
 *                the user when provisioned (hsm_mikey_psk_create)
 *   TICKET       MIKEY-TICKET ticket protection key (AES-256 + HMAC
 *                twin): HMAC-SHA256 only (firmware/ticket derives the
 *                per-ticket keys with the MIKEY PRF in the token)
 */
enum hsm_key_class {
	HSM_KC_KEK = 1,
	HSM_KC_MASTER_SAKKE,
	HSM_KC_MASTER_ECCSI,
	HSM_KC_KMS_SIGN,
	HSM_KC_TRK,
	HSM_KC_INK,
	HSM_KC_TLS,
	HSM_KC_BACKUP,
	HSM_KC_MIKEY_PSK,
	HSM_KC_TICKET,
};
#define HSM_KC_FIRST	HSM_KC_KEK
#define HSM_KC_LAST	HSM_KC_TICKET

/* Labels of the appliance's fixed keys in the token. */
#define HSM_LABEL_KEK		"kms.kek"
#define HSM_LABEL_SAKKE		"kms.master.sakke"
#define HSM_LABEL_ECCSI		"kms.master.eccsi"
#define HSM_LABEL_KMS_SIGN	"kms.sign"
#define HSM_LABEL_TLS		"kms.tls"	/* reserved for the TLS key */
#define HSM_LABEL_BACKUP	"kms.backup"	/* the backup key */

/*
 * Per-user key names (the token label of a TrK or InK) are
 * "tk.<n>.<user>" and "ik.<n>.<user>": <n> a decimal generation number
 * without leading zeros (1, 2, ...; a rotation takes the next one), <user>
 * the user's identity (URI without scheme, e.g. user@example.org).  The
 * spec treats the name as opaque (spec/mcx-kms.md 4.1); hsm/ insists on
 * the prefix so that a user key can never take a kms.* label.
 */
#define HSM_TRK_PREFIX		"tk."
#define HSM_INK_PREFIX		"ik."
/*
 * The same "<prefix><n>.<rest>" shape names the MIKEY-TICKET keys:
 * "psk.<n>.<B-TID>|<identity>" (MIKEY_PSK: the key identifier the user
 * sends in IDRpsk and the identity it is bound to) and
 * "tpk.<n>.ticket" (TICKET: <n> is the key id carried in tickets).
 */
#define HSM_PSK_PREFIX		"psk."
#define HSM_TPK_PREFIX		"tpk."

/* Sizes. */
#define HSM_LABEL_MAX		128	/* longest key label */
#define HSM_PIN_MAX		64	/* longest PIN */
#define HSM_MASTER_SAKKE_LEN	128	/* z_S: an integer mod q, big endian */
#define HSM_MASTER_ECCSI_LEN	32	/* KSAK: an integer mod q, big endian */
#define HSM_MASTER_MAX_LEN	128
#define HSM_EC_POINT_LEN	65	/* P-256 04||x||y */
#define HSM_ECDSA_SIG_LEN	64	/* r||s */
#define HSM_USER_KEY_LEN	32	/* TrK / InK: AES-256 */
#define HSM_HMAC_LEN		32	/* HMAC-SHA256, full length */
#define HSM_HMAC_MIN_LEN	16	/* shortest MAC hsm_hmac_verify takes */
#define HSM_KW_LEN(n)		((n) + 8)	/* RFC 3394, n % 8 == 0 */
#define HSM_KWP_LEN(n)		((((n) + 7) / 8) * 8 + 8)	/* RFC 5649 */
#define HSM_WRAP_MATERIAL_MAX	1024	/* longest material to wrap */
#define HSM_WRAPPED_KEY_LEN	HSM_KW_LEN(HSM_USER_KEY_LEN)	/* 40 */
#define HSM_GCM_IV_LEN		12
#define HSM_GCM_TAG_LEN		16
#define HSM_GCM_CEK_LEN		16	/* AES-128 content key */
#define HSM_GCM_WRAPPED_CEK_LEN	HSM_KW_LEN(HSM_GCM_CEK_LEN)	/* 24 */
#define HSM_GCM_LEN(n)		(HSM_GCM_IV_LEN + (n) + HSM_GCM_TAG_LEN)
#define HSM_GCM_MAX		(1024 * 1024)	/* longest plaintext */
#define HSM_GCM_AAD_MAX		4096	/* longest AAD */

struct hsm;

struct hsm_conf {
	const char	*module;	/* path of the PKCS#11 module */
	const char	*token;		/* token label */
	const char	*pin;		/* user PIN; the caller wipes its copy */
};

/*
 * Open the module, find the token by label, log in as user, and build the
 * label -> handle cache of the appliance's keys.  Also prepares the locked
 * memory arena and OpenSSL's secure heap.  One hsm may be open per process
 * at a time (a PKCS#11 login is process wide); a second hsm_open before
 * hsm_close returns HSM_ERR_EXISTS.  Unknown module or token:
 * HSM_ERR_NOT_FOUND; wrong PIN: HSM_ERR_PIN.
 */
enum hsm_status	 hsm_open(const struct hsm_conf *conf, struct hsm **out);
void		 hsm_close(struct hsm *h);	/* NULL is a no-op */

/*
 * Logging out without closing (the console's hsm logout; docs/hsm.md
 * "Logout and login").  The struct hsm stays valid for the life of the
 * process, so threads holding it never see freed memory.
 *
 * hsm_logout: waits for master-secret uses under way (h_use_lock, as
 *   hsm_zeroize) and for every pooled session to come back, forgets the
 *   precompute cache key (hsm_cache_forget), logs the token out
 *   (C_Logout), wipes the PIN copy and marks the handle logged out.
 *   From then on every call that needs the token (key operations,
 *   hsm_key_find, hsm_random, hsm_kat, the sealed cache, provisioning,
 *   hsm_health and hsm_recover) returns HSM_ERR_LOCKED without touching
 *   the token or a PKCS#11 object handle; hsm_key_info still describes
 *   the key table.  HSM_OK also when the handle was logged out already.
 *   The handle is marked logged out even if C_Logout fails (its status
 *   is returned).  Volatile keys (session objects) are gone for good.
 * hsm_login: C_Login with pin (1..HSM_PIN_MAX characters), then every
 *   key table entry gets its object handles again by label, class and
 *   CKA_ID (PKCS#11 invalidates private object handles at logout); the
 *   hsm_key_id values do not change.  A refused PIN: HSM_ERR_PIN (the
 *   token's CKR_* mapped as hsm_open does) and the handle stays logged
 *   out; HSM_ERR_EXISTS when it is not logged out.  An entry whose
 *   object is no longer in the token keeps its id but fails
 *   (HSM_ERR_NOT_FOUND from the token) and is logged.
 * hsm_is_logged_in: false after hsm_logout until hsm_login succeeds (and
 *   for NULL); says nothing about the token's health (hsm_health).
 */
enum hsm_status	 hsm_logout(struct hsm *h);
enum hsm_status	 hsm_login(struct hsm *h, const char *pin);
bool		 hsm_is_logged_in(const struct hsm *h);

/* A short fixed English text for a status; never contains secrets. */
const char	*hsm_strerror(enum hsm_status st);

/* Find a key of class kc by label (from the start-up cache). */
enum hsm_status	 hsm_key_find(struct hsm *h, enum hsm_key_class kc,
		    const char *label, hsm_key_id *out);

/*
 * Describe key id (ids are dense, 1 up to the number of keys): its class
 * and label, never anything secret.  HSM_ERR_NOT_FOUND past the last id.
 */
struct hsm_key_info {
	hsm_key_id		 hki_id;
	enum hsm_key_class	 hki_class;
	char			 hki_label[HSM_LABEL_MAX + 1];
	unsigned int		 hki_flags;
#define HSM_KI_BOOTSTRAP	0x01	/* TrK not exported yet */
#define HSM_KI_NO_TWIN		0x02	/* TrK/InK without HMAC twin */
#define HSM_KI_VOLATILE		0x04	/* session object (see below) */
};
enum hsm_status	 hsm_key_info(struct hsm *h, hsm_key_id id,
		    struct hsm_key_info *out);

/* A short fixed name for a key class ("kek", "master-sakke", ...). */
const char	*hsm_class_name(enum hsm_key_class kc);

/* Fill out with len bytes from the token's generator. */
enum hsm_status	 hsm_random(struct hsm *h, void *out, size_t len);

/*
 * Provisioning.  Each creates a token object with the given label and
 * fails with HSM_ERR_EXISTS if one exists.
 *
 * hsm_kek_create: AES-256, generated in the token, sensitive, never
 *   extractable, usable only to seal and unseal.
 * hsm_master_create: draws a secret uniformly from [2, modulus - 1] with
 *   the token's generator (modulus is public, big endian, at most
 *   HSM_MASTER_MAX_LEN bytes; the secret is modulus_len bytes), seals it
 *   under kek and stores only the sealed blob.  The plain value exists
 *   only in locked memory during the call.
 * hsm_sign_key_create: ECDSA P-256 key pair generated in the token
 *   (C_GenerateKeyPair); the private key is sensitive and never
 *   extractable.
 */
enum hsm_status	 hsm_kek_create(struct hsm *h, const char *label,
		    hsm_key_id *out);
enum hsm_status	 hsm_master_create(struct hsm *h, enum hsm_key_class kc,
		    const char *label, hsm_key_id kek,
		    const uint8_t *modulus, size_t modulus_len, hsm_key_id *out);
enum hsm_status	 hsm_sign_key_create(struct hsm *h, const char *label,
		    hsm_key_id *out);

/*
 * Destroy every object the appliance made in the token (keys, sealed
 * blobs, and any object labelled with one of the HSM_LABEL_* names).
 * Used by kms-provision --force and by zeroize.  Afterwards the key table
 * is empty: every id handed out before is invalid (HSM_ERR_NOT_FOUND).
 */
enum hsm_status	 hsm_destroy_all(struct hsm *h);

/*
 * Unseal master secret id into locked, non-dumpable memory, call
 * fn(secret, secret_len, arg) and wipe the memory before returning,
 * whatever fn returns.  Returns HSM_ERR_GENERAL if fn returned non-zero,
 * HSM_ERR_INTEGRITY if the blob failed authentication.  fn must not keep
 * the pointer or copy the secret anywhere but its own wiped stack.
 */
typedef int	 hsm_secret_fn(const uint8_t *secret, size_t secret_len,
		    void *arg);
enum hsm_status	 hsm_master_use(struct hsm *h, hsm_key_id id,
		    hsm_secret_fn *fn, void *arg);

/* The public key of a KMS_SIGN or TLS key as 04||x||y. */
enum hsm_status	 hsm_sign_pubkey(struct hsm *h, hsm_key_id id,
		    uint8_t *out, size_t out_size, size_t *out_len);

/* ECDSA P-256 over a 32-byte SHA-256 digest; out is r||s (64 bytes). */
enum hsm_status	 hsm_sign_digest(struct hsm *h, hsm_key_id id,
		    const uint8_t digest[32], uint8_t *out, size_t out_size,
		    size_t *out_len);

/*
 * Key pairs other than the KMS signing key.
 *
 * hsm_tls_key_create: ECDSA P-256 key pair of class TLS, generated in the
 *   token like the KMS signing key (private half sensitive, never
 *   extractable).  hsm_sign_pubkey reads its public key; signing is for
 *   the pkcs11 engine only (object label = the label given, CKA_ID shared
 *   by both halves), so hsm_sign_digest refuses it.
 * hsm_backup_key_create: AES-256 of class BACKUP, sensitive, never
 *   extractable, CKA_WRAP/CKA_UNWRAP only.  Not used for backups: those
 *   need a key that a second token can hold too, so the backup key comes
 *   from the key ceremony (hsm_backup_key_import, below).
 */
enum hsm_status	 hsm_tls_key_create(struct hsm *h, const char *label,
		    hsm_key_id *out);
/*
 * The private key of TLS key id as an OpenSSL EVP_PKEY, through the pkcs11
 * engine: every private-key operation runs in the token and the key never
 * leaves it.  The caller frees it with EVP_PKEY_free; it is valid until
 * hsm_close.
 */
struct evp_pkey_st;
enum hsm_status	 hsm_tls_pkey(struct hsm *h, hsm_key_id id,
		    struct evp_pkey_st **out);
enum hsm_status	 hsm_backup_key_create(struct hsm *h, const char *label,
		    hsm_key_id *out);

/*
 * A volatile key (PSA's "volatile" lifetime): the same objects as the
 * persistent key of class kc (HSM_KC_TRK, HSM_KC_INK or HSM_KC_KMS_SIGN)
 * but as PKCS#11 session objects, gone at hsm_close (or when the pool
 * replaces the session that made it); labelled "volatile.<class>.<n>",
 * never exportable, subject to the same policy.  For benchmarks and tests
 * that compare session and token objects; kmsd's keys are all persistent.
 */
enum hsm_status	 hsm_volatile_key_create(struct hsm *h, enum hsm_key_class kc,
		    hsm_key_id *out);

/*
 * Per-user transport (TrK) and integrity (InK) keys.
 *
 * Each is stored in the token as two objects with the same label and
 * CKA_ID: an AES-256 secret key (key wrap, and for a TrK, the AES block
 * operations behind RFC 5649 and the content-key wrap) and a
 * CKK_GENERIC_SECRET twin holding the same 32 bytes (SoftHSM refuses
 * CKM_SHA256_HMAC with CKK_AES keys; notes/platform.md section 1).  The
 * twin is made inside the token: the AES key is wrapped under a one-off
 * session key and unwrapped as a generic secret.  Both objects end up
 * sensitive and not extractable, except a bootstrap TrK, whose AES object
 * stays readable until hsm_trk_bootstrap_export has read it once.
 *
 * hsm_user_key_create: a new key of class kc (HSM_KC_TRK or HSM_KC_INK)
 *   labelled name ("tk.<n>.<user>" or "ik.<n>.<user>", see above).
 *   HSM_ERR_EXISTS if the label is taken, HSM_ERR_ARGS for a bad name or
 *   class.  The key table (label cache) is updated before it returns.
 * hsm_trk_bootstrap_create: the same for a TrK that may leave the token
 *   exactly once (hsm_trk_bootstrap_export), for a device's provisioning.
 * hsm_user_key_wrap_new: a new key of class kc labelled new_name, created
 *   as above and wrapped inside the token under wrap_id with RFC 3394
 *   (CKM_AES_KEY_WRAP, kw-aes256): out gets HSM_WRAPPED_KEY_LEN (40)
 *   bytes, the CipherValue of a NewTransportKey / NewIntegrityKey.  A TrK
 *   may wrap a new TrK or InK; an InK only a new InK.  On failure the new
 *   key is destroyed again.
 * hsm_user_key_rotate: hsm_user_key_wrap_new with kc = the class of
 *   old_id and wrap_id = old_id.
 * hsm_trk_bootstrap_export: the 32 bytes of a bootstrap TrK into out, then
 *   the key is locked (CKA_SENSITIVE false -> true, CKA_EXTRACTABLE
 *   true -> false; PKCS#11 lets CKA_VALUE be read only while both allow
 *   it).  Bytes are returned only if locking succeeded.  A second call, or a call on any other key, returns
 *   HSM_ERR_DENIED.  The caller wipes out as soon as it has passed the
 *   key on.
 */
enum hsm_status	 hsm_user_key_create(struct hsm *h, enum hsm_key_class kc,
		    const char *name, hsm_key_id *out);
enum hsm_status	 hsm_trk_bootstrap_create(struct hsm *h, const char *name,
		    hsm_key_id *out);
/*
 * hsm_mikey_psk_create: a MIKEY_PSK named name ("psk.<n>.<rest>"), made
 * like a bootstrap TrK: it may leave the token exactly once, through
 * hsm_trk_bootstrap_export, to be handed to the user (the GBA stand-in).
 * hsm_user_key_create makes TICKET keys ("tpk.<n>.ticket") and
 * MIKEY_PSKs that never leave the token.  Neither class wraps or rotates.
 */
enum hsm_status	 hsm_mikey_psk_create(struct hsm *h, const char *name,
		    hsm_key_id *out);
enum hsm_status	 hsm_user_key_wrap_new(struct hsm *h, hsm_key_id wrap_id,
		    enum hsm_key_class kc, const char *new_name,
		    hsm_key_id *new_id, uint8_t *out, size_t out_size,
		    size_t *out_len);
enum hsm_status	 hsm_user_key_rotate(struct hsm *h, hsm_key_id old_id,
		    const char *new_name, hsm_key_id *new_id, uint8_t *out,
		    size_t out_size, size_t *out_len);
enum hsm_status	 hsm_trk_bootstrap_export(struct hsm *h, hsm_key_id id,
		    uint8_t *out, size_t out_size, size_t *out_len);

/*
 * Format a user key name: "tk.<n>.<user>" (HSM_KC_TRK) or
 * "ik.<n>.<user>" (HSM_KC_INK) into out.  HSM_ERR_ARGS for a bad class,
 * n == 0 or an empty user; HSM_ERR_BUFFER if it would not fit out_size
 * or HSM_LABEL_MAX.  hsm_user_key_name_parse is the reverse: the class,
 * generation and the offset of <user> in name.
 */
enum hsm_status	 hsm_user_key_name(enum hsm_key_class kc, unsigned long n,
		    const char *user, char *out, size_t out_size);
enum hsm_status	 hsm_user_key_name_parse(const char *name,
		    enum hsm_key_class *kc, unsigned long *n, size_t *user_off);

/*
 * HMAC-SHA256 with the HMAC twin of a TrK or InK, inside the token.  out
 * gets the full HSM_HMAC_LEN (32) bytes; a caller using HMACOutputLength
 * 128 keeps the first 16.  hsm_hmac_verify compares the first mac_len
 * bytes (HSM_HMAC_MIN_LEN to HSM_HMAC_LEN) in constant time: HSM_OK or
 * HSM_ERR_INTEGRITY.
 */
enum hsm_status	 hsm_hmac(struct hsm *h, hsm_key_id id, const void *data,
		    size_t len, uint8_t *out, size_t out_size, size_t *out_len);
enum hsm_status	 hsm_hmac_verify(struct hsm *h, hsm_key_id id,
		    const void *data, size_t len, const uint8_t *mac,
		    size_t mac_len);

/*
 * RFC 5649 AES key wrap with padding of user key material (SSK 32, PVT
 * 65, RSK 257 bytes; 1 to HSM_WRAP_MATERIAL_MAX) under a TrK, with the
 * TrK inside the token.  The output is byte-identical to OpenSSL's
 * EVP_aes_256_wrap_pad (HSM_KWP_LEN(len) bytes).  SoftHSM's
 * CKM_AES_KEY_WRAP_PAD is not RFC 5649 for such lengths and its
 * CKM_AES_KEY_WRAP refuses the RFC 5649 IV, so hsm/ runs RFC 5649's
 * wrapping process (RFC 3394 W, or one AES block for len <= 8) over
 * CKM_AES_ECB with the TrK in the token; see docs/hsm.md.
 */
enum hsm_status	 hsm_wrap_material(struct hsm *h, hsm_key_id trk,
		    const uint8_t *material, size_t len, uint8_t *out,
		    size_t out_size, size_t *out_len);

/*
 * AES-128-GCM of a KmsMessage (XML Encryption 1.1 aes128-gcm): a fresh
 * 128-bit content key is generated in the token as a session object, the
 * plaintext is encrypted in the token under a fresh 12-byte IV with a
 * 128-bit tag, the content key is wrapped under the TrK with RFC 3394
 * (kw-aes256, HSM_GCM_WRAPPED_CEK_LEN = 24 bytes) and destroyed.
 * out gets IV || ciphertext || tag (HSM_GCM_LEN(len) bytes: the
 * CipherValue of the EncryptedData); wcek gets the wrapped content key
 * (the CipherValue of the EncryptedKey in its KeyInfo).  aad may be NULL
 * when aad_len is 0 (XML Encryption uses none).
 */
enum hsm_status	 hsm_gcm_seal(struct hsm *h, hsm_key_id trk,
		    const void *plaintext, size_t len, const void *aad,
		    size_t aad_len, uint8_t *out, size_t out_size,
		    size_t *out_len, uint8_t *wcek, size_t wcek_size,
		    size_t *wcek_len);

/*
 * Sealed cache blobs (hsm_kcache.c), for derived secrets a module keeps
 * in host memory (firmware/mcx/precompute.c: the next period's key
 * sets).  The cache key is an AES-256 session object made in the token on
 * first use: sensitive, never extractable, encrypt/decrypt only, outside
 * the key table and its policy (it has no label and no other use); it is
 * gone with its session (hsm_close, a replaced pool session, zeroize),
 * after which every blob fails to open and the caller derives again.
 *   hsm_cache_seal  AES-256-GCM of plain (1..HSM_CACHE_MAX bytes) with
 *                   aad bound to it: out gets HSM_CACHE_BLOB_LEN(len)
 *                   bytes (IV || ciphertext || tag)
 *   hsm_cache_open  the reverse into plain (exactly len bytes);
 *                   HSM_ERR_INTEGRITY when the blob, its AAD or the key
 *                   does not match; plain is wiped on any failure
 *   hsm_cache_forget destroys the cache key: every blob is unreadable;
 *                   its user calls it before hsm_close
 * The key lives on a PKCS#11 session of hsm_kcache.c's own (not the
 * pool's), so a failure on a pooled session cannot take it away.
 */
#define HSM_CACHE_MAX		1024
#define HSM_CACHE_BLOB_LEN(n)	HSM_GCM_LEN(n)
enum hsm_status	 hsm_cache_seal(struct hsm *h, const void *aad,
		    size_t aad_len, const void *plain, size_t len,
		    uint8_t *out, size_t out_size);
enum hsm_status	 hsm_cache_open(struct hsm *h, const void *aad,
		    size_t aad_len, const uint8_t *blob, size_t blob_len,
		    void *plain, size_t len);
void		 hsm_cache_forget(struct hsm *h);

/*
 * Derivations as whole operations (the master secret is unsealed into a
 * locked scope, used by firmware/crypto and wiped; see hsm_derive.c):
 *   hsm_derive_rsk      SAKKE RSK (RFC 6508 6.1.1) for identity id under
 *                       the sealed z_S z_id, checked ([t]RSK = P) before
 *                       release; out gets 257 bytes (04||x||y)
 *   hsm_derive_ssk_pvt  ECCSI SSK and PVT (RFC 6507 5.1.1) for identity id
 *                       under the sealed KSAK ksak_id and its public KPAK,
 *                       validated before release; v is derived from KSAK
 *                       and the identity, so the same identity always gets
 *                       the same pair
 * Outputs are wiped on failure; HSM_ERR_DEVICE means the token failed
 * (answer 503), HSM_ERR_GENERAL a failed derivation or self-check.
 */
enum hsm_status	 hsm_derive_rsk(struct hsm *h, hsm_key_id z_id,
		    const uint8_t *id, size_t id_len, uint8_t *out,
		    size_t out_size, size_t *out_len);
enum hsm_status	 hsm_derive_ssk_pvt(struct hsm *h, hsm_key_id ksak_id,
		    const uint8_t kpak[HSM_EC_POINT_LEN], const uint8_t *id,
		    size_t id_len, uint8_t ssk[32],
		    uint8_t pvt[HSM_EC_POINT_LEN]);

/*
 * Losing the token.  hsm_health: HSM_OK while the token is present and the
 * login holds, else HSM_ERR_DEVICE (two cheap calls; kmsd asks every
 * second).  hsm_recover: reopen closed sessions, log in again with the PIN
 * kept in locked memory, and check the cached key handles; HSM_OK when the
 * appliance can serve again.  Both are safe while other calls run.  After
 * hsm_logout both return HSM_ERR_LOCKED without asking the token (a
 * logout on purpose is not a lost token: hsm_recover never logs in).
 */
enum hsm_status	 hsm_health(struct hsm *h);
enum hsm_status	 hsm_recover(struct hsm *h);

/*
 * Power-on known-answer tests of the token's mechanisms (firmware/post
 * holds the published vectors and compares).  The key is a public test
 * key: it is imported as a session object for the one operation, on one
 * session, and destroyed before return; it never enters the key table
 * and no key id is handed out, so no production key is ever used.
 *   HSM_KAT_HMAC   HMAC-SHA256 (CKM_SHA256_HMAC, as hsm_hmac) of data
 *                  under a generic secret key; out gets 32 bytes
 *   HSM_KAT_KWP    RFC 5649 wrap of data under an AES key with the same
 *                  code as hsm_wrap_material; out HSM_KWP_LEN(data_len)
 *   HSM_KAT_GCM    AES-GCM encryption (CKM_AES_GCM, as hsm_gcm_seal) of
 *                  data under key with iv (12 bytes) and aad; out gets
 *                  ciphertext || 16-byte tag
 *   HSM_KAT_ECDSA  ECDSA P-256 (CKM_ECDSA, as hsm_sign_digest) over the
 *                  32-byte digest data with the private scalar key (32
 *                  bytes); out gets r || s (64 bytes).  ECDSA is
 *                  randomised: the caller verifies with the public key.
 * Sizes: key 1..HSM_KAT_KEY_MAX, data 1..HSM_KAT_DATA_MAX bytes.
 */
enum hsm_kat {
	HSM_KAT_HMAC = 1,
	HSM_KAT_KWP,
	HSM_KAT_GCM,
	HSM_KAT_ECDSA,
};
#define HSM_KAT_KEY_MAX		256
#define HSM_KAT_DATA_MAX	1024

struct hsm_kat_in {
	const uint8_t	*key;
	size_t		 key_len;
	const uint8_t	*iv;		/* GCM only */
	size_t		 iv_len;
	const uint8_t	*aad;		/* GCM only; may be NULL */
	size_t		 aad_len;
	const uint8_t	*data;
	size_t		 data_len;
};
enum hsm_status	 hsm_kat(struct hsm *h, enum hsm_kat kat,
		    const struct hsm_kat_in *in, uint8_t *out, size_t out_size,
		    size_t *out_len);

/*
 * Zeroize (hsm_zeroize.c): destroy every object the appliance made in the
 * token (hsm_destroy_all: the KEK, the sealed master secrets, the signing
 * and TLS keys, TrK/InK, MIKEY PSKs, ticket and backup keys), check that
 * no object with a fixed HSM_LABEL_* label is left, log out, wipe the PIN
 * kept for re-login and the whole locked arena (hsm_secmem_*).  Afterwards
 * nothing can be unsealed and hsm_recover cannot log in again; only
 * hsm_close is useful.  Returns HSM_OK when every object was destroyed
 * and the check passed; the other steps are done whatever happened.
 * After hsm_logout: HSM_ERR_LOCKED (private objects cannot be destroyed
 * without a login; they stay protected by the token's user PIN).
 */
enum hsm_status	 hsm_zeroize(struct hsm *h);

/*
 * Backup and restore (hsm_backup.c; docs/operator-guide.md "Backup and
 * restore").
 *
 * hsm_backup_key_import: the key ceremony's last step.  key is the
 *   backup key the custodians' components combine to (the caller holds it
 *   in locked memory and wipes it); it becomes a token object of class
 *   BACKUP labelled label: AES-256, sensitive, never extractable,
 *   encrypt/decrypt only.  Its CKA_ID carries the key check value (see
 *   hsm_backup_kcv), so a backup names the key that sealed it.
 *   HSM_ERR_EXISTS if the label is taken.
 * hsm_backup_kcv: the key check value of a backup key: the first
 *   HSM_BACKUP_KCV_LEN bytes of SHA-256("kms-backup-kcv/1" || key).  The
 *   custodians compare it at every ceremony; it reveals nothing usable
 *   about the key.
 * hsm_backup_create: the backup file, into *out (malloc'd; the caller
 *   frees): a header (version, time, the backup key's check value) and
 *   two AES-256-GCM sections sealed in the token under backup key bk, both
 *   with the header as AAD: the master secrets masters[0..n) (class,
 *   label, value; unsealed into locked memory for the call) and the
 *   store snapshot db (db_len bytes, at most HSM_BACKUP_DB_MAX).
 * hsm_backup_open: check a backup file and decrypt it with backup key bk.
 *   *db (malloc'd; the caller frees) gets the store snapshot.  With kek
 *   not HSM_KEY_NONE, the master secrets are also sealed into this token
 *   under kek with their labels (a restore: none of them may exist yet,
 *   HSM_ERR_EXISTS).  info (may be NULL) describes the file.  Refusals:
 *   HSM_ERR_ARGS not a backup file or malformed (info->hbi_why says
 *   which), HSM_ERR_NOT_FOUND made under another backup key (compare the
 *   check values), HSM_ERR_INTEGRITY the file was changed or damaged.
 */
#define HSM_BACKUP_KCV_LEN	8
#define HSM_BACKUP_DB_MAX	(64 * 1024 * 1024)	/* store snapshot */
#define HSM_BACKUP_MASTERS_MAX	16	/* master secrets in one backup */
#define HSM_BACKUP_VERSION	1

struct hsm_backup_info {
	uint32_t	 hbi_version;
	uint64_t	 hbi_created;	/* Unix seconds */
	uint8_t		 hbi_file_kcv[HSM_BACKUP_KCV_LEN];
	uint8_t		 hbi_token_kcv[HSM_BACKUP_KCV_LEN];
	size_t		 hbi_masters;
	size_t		 hbi_db_len;
	const char	*hbi_why;	/* static text when refused, or "" */
};

enum hsm_status	 hsm_backup_key_import(struct hsm *h, const char *label,
		    const uint8_t key[32], hsm_key_id *out);
void		 hsm_backup_kcv(const uint8_t key[32],
		    uint8_t out[HSM_BACKUP_KCV_LEN]);
enum hsm_status	 hsm_backup_create(struct hsm *h, hsm_key_id bk,
		    const hsm_key_id *masters, size_t n, const uint8_t *db,
		    size_t db_len, uint64_t created, uint8_t **out,
		    size_t *out_len);
enum hsm_status	 hsm_backup_open(struct hsm *h, hsm_key_id bk,
		    hsm_key_id kek, const uint8_t *file, size_t len,
		    uint8_t **db, size_t *db_len, struct hsm_backup_info *info);

/*
 * Locked memory for secrets held outside the token (mlock'd, excluded
 * from core dumps, wiped on free).  Returns NULL when the arena is full.
 */
void		*hsm_secmem_alloc(size_t len);
void		 hsm_secmem_free(void *p, size_t len);

/* Bytes of the locked arena in use now (for tests and status). */
size_t		 hsm_secmem_used(void);

/*
 * Token operation counters since the process started (metrics): every
 * token session borrowed and given back is one operation, and so is
 * hsm_health's token check; one that saw a PKCS#11 error also counts as
 * an error.  Process-wide, any thread, lock-free.
 */
struct hsm_stats {
	uint64_t	 hs_ops;
	uint64_t	 hs_errors;
};

void		 hsm_stats(struct hsm_stats *out);

#endif /* HSM_H */
