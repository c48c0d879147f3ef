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
 * thread; calls are serialised or use a session each.  hsm_open and
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
};

/* Opaque key id: an index into the module's key table, never a handle. */
typedef uint32_t hsm_key_id;
#define HSM_KEY_NONE	((hsm_key_id)0)

/*
 * Key classes and what each may do (enforced by a policy table inside):
 *   KEK          seal and unseal master secrets; never leaves the token
 *   MASTER_SAKKE sealed SAKKE master secret z_S (HSM_MASTER_SAKKE_LEN bytes)
 *   MASTER_ECCSI sealed ECCSI KSAK (HSM_MASTER_ECCSI_LEN bytes)
 *   KMS_SIGN     ECDSA P-256 key pair: sign digests, read the public key
 */
enum hsm_key_class {
	HSM_KC_KEK = 1,
	HSM_KC_MASTER_SAKKE,
	HSM_KC_MASTER_ECCSI,
	HSM_KC_KMS_SIGN,
};

/* Labels of the appliance's fixed keys in the token. */
#define HSM_LABEL_KEK		"kms.kek"
#define HSM_LABEL_SAKKE		"kms.master.sakke"
#define HSM_LABEL_ECCSI		"kms.master.eccsi"
#define HSM_LABEL_KMS_SIGN	"kms.sign"

/* Sizes. */
#define HSM_LABEL_MAX		128	/* longest key label */
#define HSM_PIN_MAX		64	/* longest PIN */
#define HSM_MASTER_SAKKE_LEN	128	/* z_S: an integer mod q, big endian */
#define HSM_MASTER_ECCSI_LEN	32	/* KSAK: an integer mod q, big endian */
#define HSM_MASTER_MAX_LEN	128
#define HSM_EC_POINT_LEN	65	/* P-256 04||x||y */
#define HSM_ECDSA_SIG_LEN	64	/* r||s */

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

/* The public key of a KMS_SIGN key as 04||x||y. */
enum hsm_status	 hsm_sign_pubkey(struct hsm *h, hsm_key_id id,
		    uint8_t *out, size_t out_size, size_t *out_len);

/* ECDSA P-256 over a 32-byte SHA-256 digest; out is r||s (64 bytes). */
enum hsm_status	 hsm_sign_digest(struct hsm *h, hsm_key_id id,
		    const uint8_t digest[32], uint8_t *out, size_t out_size,
		    size_t *out_len);

/*
 * Locked memory for secrets held outside the token (mlock'd, excluded
 * from core dumps, wiped on free).  Returns NULL when the arena is full.
 */
void		*hsm_secmem_alloc(size_t len);
void		 hsm_secmem_free(void *p, size_t len);

/* Bytes of the locked arena in use now (for tests and status). */
size_t		 hsm_secmem_used(void);

#endif /* HSM_H */
