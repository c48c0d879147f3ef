/*
 * store.h - the appliance's persistent state: users, identities and
 * bindings, the names of each user's TrK/InK, revocations, external KMS
 * certificates with the certificate cache version, and the audit trail of
 * every key set released or refused.
 *
 * One SQLite database, <data_dir>/kms.db (mode 0600), in WAL mode with
 * synchronous=FULL: a call that returned 0 after a write survives a crash
 * of the process or a power loss.  The schema is versioned; store_open
 * applies the missing migrations in order and refuses a database written
 * by newer firmware.
 *
 * The store never holds a secret: keys live in the HSM and the store only
 * keeps their names (labels).  Nothing here returns key bytes.
 *
 * Threads: every function is thread safe.  The store keeps a small pool of
 * connections (store_conf.sc_conns); a call borrows one for its duration,
 * so readers run in parallel on WAL snapshots.  Writers are serialised by
 * one mutex inside the store before they enter SQLite, so they queue
 * instead of polling SQLite's busy handler.  docs/store.md has the
 * measurements behind this choice.
 *
 * Ownership: the caller owns every input and output buffer; nothing is kept
 * after a call returns.  Strings are NUL terminated UTF-8; URIs and labels
 * must be non-empty, at most their limit in bytes, and hold no control
 * characters (they are compared byte for byte, as the UID derivation of
 * TS 33.180 F.2.1 uses them).
 *
 * Every operation returns 0 or a negative enum store_status.
 */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"

/* Limits (bytes exclude the terminating NUL). */
#define STORE_URI_MAX		1024	/* a user, identity, KMS or cert URI */
#define STORE_NAME_MAX		256	/* a display name */
#define STORE_LABEL_MAX		(STORE_URI_MAX + 32) /* key name tk.<n>.<uri> */
#define STORE_REQID_MAX		64	/* a request id in an audit record */
#define STORE_TOKID_MAX		64	/* a token id (jti or digest) */
#define STORE_REASON_MAX	128	/* a refusal or revocation reason */
#define STORE_BINDINGS_MAX	64	/* identities bound to one user */
#define STORE_CERT_XML_MAX	65536	/* one (Signed)KmsCertificate */
#define STORE_CERTS_MAX		1024	/* external KMS certificates */
#define STORE_CONNS_MAX		16	/* connections in the pool */
#define STORE_OPERATOR_MAX	64	/* an operator name in an audit record */
#define STORE_HASH_LEN		32	/* SHA-256: audit chain, key ids */
#define STORE_PUBKEY_LEN	65	/* P-256 04||x||y: checkpoint key */
#define STORE_SIG_LEN		64	/* ECDSA P-256 r||s */
#define STORE_VERIFY_KEYS_MAX	16	/* trusted keys for audit verify */
#define STORE_PROBLEM_MAX	160	/* store_verify.sv_problem */
#define STORE_CKPT_EVERY_MAX	100000	/* records between checkpoints */
#define STORE_CKPT_SECONDS_MAX	86400	/* seconds between checkpoints */
#define STORE_FREE_MB_MAX	(1ULL << 30)	/* alarm / reserve ceiling, MB */
#define STORE_BUSY_MS_MAX	60000	/* busy timeout ceiling */

/* Defaults (store_conf fields left 0). */
#define STORE_DEF_CONNS		4
#define STORE_DEF_BUSY_MS	5000
#define STORE_DB_NAME		"kms.db"
#define STORE_DEF_ALARM_FREE_MB	64	/* alarm below this much free space */
#define STORE_DEF_RESERVE_MB	8	/* refuse issuance below this */
#define STORE_CKPT_DEF_EVERY	64	/* a checkpoint every N records ... */
#define STORE_CKPT_DEF_SECONDS	300	/* ... or after T seconds */

/* The schema version this firmware writes (see docs/store.md). */
#define STORE_SCHEMA_VERSION	4

/* key_period value of a revocation that covers every period. */
#define STORE_PERIOD_ALL	(-1)

/* Status codes.  Start a status variable at STORE_ERR_GENERAL. */
enum store_status {
	STORE_OK		=  0,
	STORE_ERR_GENERAL	= -1,	/* SQLite or I/O failure */
	STORE_ERR_ARGS		= -2,	/* NULL, empty, too long, bad char */
	STORE_ERR_NOTFOUND	= -3,	/* no such record */
	STORE_ERR_EXISTS	= -4,	/* the record exists already */
	STORE_ERR_LIMIT		= -5,	/* a STORE_*_MAX count is reached */
	STORE_ERR_VERSION	= -6,	/* database from newer firmware */
	STORE_ERR_BUSY		= -7,	/* locked beyond the busy timeout */
	STORE_ERR_STALE		= -8,	/* a rotation counter did not grow */
	STORE_ERR_CORRUPT	= -9,	/* the database file is damaged */
	STORE_ERR_MEMORY	= -10,	/* allocation failed */
	STORE_ERR_SPACE		= -11,	/* an output buffer is too small */
	STORE_ERR_FULL		= -12,	/* storage below the reserve */
	STORE_ERR_TAMPERED	= -13,	/* the audit chain does not verify */
};

struct store;

struct store_conf {
	const char	*sc_data_dir;	/* required; the directory must exist */
	unsigned	 sc_conns;	/* pool size, 1..STORE_CONNS_MAX; 0 =
					   STORE_DEF_CONNS; 1 = one connection
					   behind a mutex */
	unsigned	 sc_busy_ms;	/* wait for another process' lock;
					   0 = STORE_DEF_BUSY_MS */
	unsigned	 sc_version;	/* migrate up to this schema version;
					   0 = STORE_SCHEMA_VERSION (tests and
					   staged upgrades use lower values) */
	uint64_t	 sc_alarm_free_mb; /* store_alarm below this free
					   space; 0 = STORE_DEF_ALARM_FREE_MB */
	uint64_t	 sc_reserve_mb;	/* issuance records refused below
					   this; 0 = STORE_DEF_RESERVE_MB */
};

/*
 * Open (creating if needed) <sc_data_dir>/kms.db, set WAL, synchronous=FULL,
 * foreign keys and the busy timeout on every connection, and migrate the
 * schema up to the wanted version.  Returns 0 and *out, or STORE_ERR_VERSION
 * when the database is newer than this firmware (it is left untouched),
 * STORE_ERR_CORRUPT when it is not a database, or another status.  Call
 * from one thread; use the store from any thread afterwards.
 */
int		 store_open(const struct store_conf *conf, struct store **out);

/* Close every connection and free st.  store_close(NULL) is a no-op. */
void		 store_close(struct store *st);

/* The schema version of the open database. */
int		 store_schema_version(struct store *st, unsigned *version);

/*
 * PRAGMA integrity_check.  Returns 0 when SQLite answers "ok",
 * STORE_ERR_CORRUPT when it reports damage.
 */
int		 store_integrity_check(struct store *st);

/* Short fixed text for a status, for logs ("not found"). */
const char	*store_strerror(int status);

/* Users ------------------------------------------------------------------ */

struct store_user {
	int64_t		 su_id;		/* row id, > 0; for cursors */
	char		 su_uri[STORE_URI_MAX + 1];
	char		 su_name[STORE_NAME_MAX + 1];	/* "" when none */
	int64_t		 su_created;	/* Unix seconds */
	bool		 su_revoked;
};

/*
 * Add a user (an MC service user or a GMS) with an optional display name
 * (NULL or ""), created at now.  STORE_ERR_EXISTS if uri is a user.
 */
int		 store_user_add(struct store *st, const char *uri,
		    const char *name, int64_t now);
int		 store_user_get(struct store *st, const char *uri,
		    struct store_user *out);
/* Set or clear the revoked flag of a user. */
int		 store_user_revoke(struct store *st, const char *uri,
		    bool revoked);
/* Remove a user with its bindings and key names (not its audit records). */
int		 store_user_remove(struct store *st, const char *uri);
/*
 * Up to max users with su_id > after_id, in id order, into out[];
 * *n gets the count (0 at the end).
 */
int		 store_user_list(struct store *st, int64_t after_id,
		    struct store_user *out, size_t max, size_t *n);

/* Identities and bindings ------------------------------------------------ */

enum store_id_kind {
	STORE_ID_USER		= 1,	/* another user's URI (delegation) */
	STORE_ID_PSEUDONYM	= 2,	/* a pseudonym of the user */
	STORE_ID_GROUP		= 3,	/* a group a GMS may key */
};

struct store_identity {
	int64_t		 si_id;
	char		 si_uri[STORE_URI_MAX + 1];
	enum store_id_kind si_kind;
	int64_t		 si_created;
};

/* Add an identity URI of a kind.  STORE_ERR_EXISTS if it is one already. */
int		 store_identity_add(struct store *st, const char *uri,
		    enum store_id_kind kind, int64_t now);
int		 store_identity_get(struct store *st, const char *uri,
		    struct store_identity *out);
/* Remove an identity and every binding to it. */
int		 store_identity_remove(struct store *st, const char *uri);

/*
 * Bind identity_uri (an identity) to user_uri (a user): the user's tokens
 * may then get keys for it.  STORE_ERR_NOTFOUND when either is missing,
 * STORE_ERR_EXISTS when bound already, STORE_ERR_LIMIT past
 * STORE_BINDINGS_MAX identities for the user.
 */
int		 store_bind(struct store *st, const char *user_uri,
		    const char *identity_uri, int64_t now);
int		 store_unbind(struct store *st, const char *user_uri,
		    const char *identity_uri);
/*
 * Whether identity_uri is bound to user_uri.  Returns 0 with *bound set
 * (false also when either does not exist); any other status leaves
 * *bound false, so a caller that ignores the status still fails closed.
 */
int		 store_is_bound(struct store *st, const char *user_uri,
		    const char *identity_uri, bool *bound);
/*
 * The identities bound to user_uri, in binding order, into out[max];
 * *n gets the count.  STORE_ERR_SPACE when more than max are bound
 * (max = STORE_BINDINGS_MAX always suffices).
 */
int		 store_bindings(struct store *st, const char *user_uri,
		    struct store_identity *out, size_t max, size_t *n);

/* TrK / InK names (spec/mcx-kms.md 4.1) ----------------------------------- */

enum store_key_kind {
	STORE_KEY_TRK		= 1,	/* transport key */
	STORE_KEY_INK		= 2,	/* integrity key */
};

struct store_key {
	char		 sk_user[STORE_URI_MAX + 1];
	enum store_key_kind sk_kind;
	uint64_t	 sk_n;		/* rotation counter: tk.<n>.<uri> */
	char		 sk_label[STORE_LABEL_MAX + 1];	/* the HSM label */
	int64_t		 sk_created;
	bool		 sk_current;	/* the newest of its user and kind */
};

/*
 * Record key generation n of a kind for a user under the HSM label label
 * (the key itself stays in the HSM).  It becomes the current one; older
 * generations are kept for requests signed during a rotation.
 * STORE_ERR_STALE unless n is greater than the current generation;
 * STORE_ERR_EXISTS when another key has that label.
 */
int		 store_key_set(struct store *st, const char *user_uri,
		    enum store_key_kind kind, uint64_t n, const char *label,
		    int64_t now);
/* The current key of a kind for a user; STORE_ERR_NOTFOUND if none. */
int		 store_key_current(struct store *st, const char *user_uri,
		    enum store_key_kind kind, struct store_key *out);
/* The key recorded under an HSM label (a TrK-ID or InK-ID of a request). */
int		 store_key_by_label(struct store *st, const char *label,
		    struct store_key *out);

/* Revocations ------------------------------------------------------------- */

/*
 * Revoke identity_uri for key period period_no, or for every period with
 * STORE_PERIOD_ALL; reason is a short operator text (NULL or "").
 * STORE_ERR_EXISTS if that exact revocation is recorded.
 */
int		 store_revoke(struct store *st, const char *identity_uri,
		    int64_t period_no, const char *reason, int64_t now);
/* Remove that exact revocation; STORE_ERR_NOTFOUND if absent. */
int		 store_unrevoke(struct store *st, const char *identity_uri,
		    int64_t period_no);
/*
 * Whether the key set of identity_uri for period_no (>= 0) is revoked, by
 * a revocation of that period or of every period.  Any status but 0 sets
 * *revoked true (fail closed).
 */
int		 store_is_revoked(struct store *st, const char *identity_uri,
		    int64_t period_no, bool *revoked);

/* External KMS certificates and the certificate cache version ------------ */

struct store_cert {
	char		 sc_cert_uri[STORE_URI_MAX + 1];
	char		 sc_kms_uri[STORE_URI_MAX + 1];
	const char	*sc_xml;	/* valid during the callback only */
	size_t		 sc_xml_len;
	int64_t		 sc_added;
};

/*
 * Add an external KMS certificate, or replace the one with that CertUri:
 * xml is the KmsCertificate (or SignedKmsCertificate) text, at most
 * STORE_CERT_XML_MAX bytes; the store keeps it as given.  The cache
 * version is bumped in the same transaction; *version (may be NULL) gets
 * the new value.  STORE_ERR_LIMIT past STORE_CERTS_MAX certificates.
 */
int		 store_cert_put(struct store *st, const char *cert_uri,
		    const char *kms_uri, const char *xml, int64_t now,
		    uint64_t *version);
/* Remove a certificate and bump the cache version (*version may be NULL). */
int		 store_cert_remove(struct store *st, const char *cert_uri,
		    uint64_t *version);
/*
 * One certificate's text into xml (reset first; its max must allow the
 * text), its KmsUri into kms_uri (STORE_URI_MAX + 1 bytes, may be NULL).
 */
int		 store_cert_get(struct store *st, const char *cert_uri,
		    struct buf *xml, char *kms_uri);

typedef int	 store_cert_fn(void *arg, const struct store_cert *cert);

/*
 * Call fn for every certificate, in CertUri order, and set *version to the
 * cache version, all from one snapshot (a consistent certcache answer).
 * A non-zero return of fn stops the walk and is returned.
 */
int		 store_cert_foreach(struct store *st, uint64_t *version,
		    store_cert_fn *fn, void *arg);

/*
 * The certificate cache version: 0 in a new store, then one more on every
 * add, replace or remove.  It never goes backwards, across restarts too.
 */
int		 store_cache_version(struct store *st, uint64_t *version);

/* Generations of this KMS's own certificate (firmware/kcert) ------------- */

#define STORE_GENS_MAX		64	/* rows of kms_gens (kcert holds fewer) */

/*
 * A generation after the first: its CertUri, the start of the first key
 * period its master secrets serve, its ValidTo, and when it was made
 * (the certificate's ValidFrom), Unix seconds.  The master secrets are
 * in the token.
 */
struct store_gen {
	unsigned	 sg_gen;		/* 2, 3, ... */
	char		 sg_cert_uri[STORE_URI_MAX + 1];
	int64_t		 sg_serves_from;
	int64_t		 sg_valid_to;
	int64_t		 sg_created;
};

/*
 * Add generation g, made at g->sg_created: sg_gen >= 2 and above every
 * generation's, sg_serves_from after every generation's and not before
 * sg_created, sg_valid_to > sg_serves_from, a non-empty CertUri that no
 * generation and no external certificate has (STORE_ERR_EXISTS for a
 * taken number or CertUri, STORE_ERR_ARGS for the rest; a trigger keeps
 * the order even for writers other than this one).  STORE_ERR_LIMIT past
 * STORE_GENS_MAX.  Rows are never changed.
 */
int		 store_gen_add(struct store *st, const struct store_gen *g);

typedef int	 store_gen_fn(void *arg, const struct store_gen *g);

/*
 * Call fn for every generation, in generation order, from one snapshot.
 * A non-zero return of fn stops the walk and is returned.
 */
int		 store_gen_foreach(struct store *st, store_gen_fn *fn,
		    void *arg);

/*
 * The highest key period any key set was released for (the audit
 * trail's issued records), or -1 when none was: a new generation must
 * start after it.
 */
int		 store_issued_max(struct store *st, int64_t *period_no);

/* Audit ------------------------------------------------------------------- */

enum store_audit_kind {
	STORE_AUDIT_ISSUED	= 1,	/* a key set was released */
	STORE_AUDIT_REFUSED	= 2,	/* a request was refused */
	STORE_AUDIT_OPERATOR	= 3,	/* an operator command or a state
					   change (schema 3) */
};

/*
 * One audit record.  On add, sa_id is ignored and strings may be "" (an
 * unauthenticated refusal has no subject); sa_period_no is -1 when the
 * request named no period.  Never put a token, key or secret here: the
 * token id is the token's jti or a digest of it (auth.h).
 */
struct store_audit {
	int64_t		 sa_id;		/* increasing; for cursors */
	enum store_audit_kind sa_kind;
	int64_t		 sa_time;	/* Unix seconds */
	char		 sa_subject[STORE_URI_MAX + 1];	/* token subject */
	char		 sa_identity[STORE_URI_MAX + 1];	/* keyed URI */
	int64_t		 sa_period_no;
	char		 sa_request_id[STORE_REQID_MAX + 1];
	char		 sa_token_id[STORE_TOKID_MAX + 1];
	char		 sa_reason[STORE_REASON_MAX + 1];	/* refusals */
	char		 sa_operator[STORE_OPERATOR_MAX + 1];	/* operator
					   records: who ("" for the system) */
};

/*
 * Append a record; it is durable when this returns 0.  The record is
 * chained (docs/store.md): it stores the hash of the record before it and
 * its own hash = SHA-256(previous hash || its canonical bytes), computed
 * in the same transaction as the insert, so appends are serialised.  When
 * a signer is set and a checkpoint is due, the checkpoint is written in
 * the same transaction (a signing failure is logged and retried on the
 * next append; it never loses the record).
 *
 * Fail closed: an issuance record (STORE_AUDIT_ISSUED) is refused with
 * STORE_ERR_FULL while the free space of the data directory is below the
 * reserve, so refusals and operator records still fit after issuance has
 * stopped.  Any failure raises the audit alarm (store_alarm) until an
 * append succeeds again.
 */
int		 store_audit_add(struct store *st,
		    const struct store_audit *rec);
/*
 * Up to max records with sa_id > after_id, oldest first, into out[];
 * *n gets the count (0 at the end).
 */
int		 store_audit_read(struct store *st, int64_t after_id,
		    struct store_audit *out, size_t max, size_t *n);

/*
 * Audit checkpoints.  A checkpoint is (seq, time, hash of record seq),
 * signed with ECDSA P-256 by the KMS signing key over
 * SHA-256("kms-audit-checkpoint/1" || seq || time || hash) (64-bit big
 * endian integers).  It is stored with the SHA-256 of the signer's public
 * key (its key id).  The store does not sign itself: the caller gives a
 * function that signs a digest in the HSM.  sign returns 0 and the 64
 * bytes r||s, or non-zero.
 */
typedef int	 store_sign_fn(void *arg, const uint8_t digest[32],
		    uint8_t sig[STORE_SIG_LEN]);

struct store_signer {
	store_sign_fn	*ss_sign;
	void		*ss_arg;	/* kept; must outlive the store */
	uint8_t		 ss_pub[STORE_PUBKEY_LEN];	/* 04||x||y */
	unsigned	 ss_every;	/* a checkpoint after this many
					   records; 0 = STORE_CKPT_DEF_EVERY */
	unsigned	 ss_seconds;	/* or when the last one is this old
					   at an append; 0 = default */
};

/*
 * Set the signer (once, before the store is used by other threads;
 * STORE_ERR_EXISTS on a second call).  STORE_ERR_ARGS for a NULL sign
 * function, a public key not on P-256 or limits beyond the maxima.
 */
int		 store_audit_signer(struct store *st,
		    const struct store_signer *signer);

/*
 * Write a checkpoint over the newest record now (an operator's audit
 * verify, shutdown).  0 also when the newest record has one already;
 * STORE_ERR_NOTFOUND when there is no record or no signer.
 */
int		 store_audit_checkpoint(struct store *st, int64_t now);

/* What store_audit_verify found. */
struct store_verify {
	int64_t		 sv_records;	/* records walked */
	int64_t		 sv_last_seq;	/* the newest record's seq */
	int64_t		 sv_checkpoints;	/* checkpoints seen */
	int64_t		 sv_ckpt_verified;	/* ... signature checked */
	int64_t		 sv_ckpt_unknown;	/* ... by a key not given */
	int64_t		 sv_signed_upto;	/* newest record covered by a
					   verified checkpoint (0: none) */
	int64_t		 sv_bad_seq;	/* first bad record or checkpoint */
	char		 sv_problem[STORE_PROBLEM_MAX];	/* what, or "" */
};

/*
 * Walk the whole audit trail and check it: sequence numbers 1, 2, 3 ...
 * without a gap, every record's stored previous hash equal to the hash
 * of the record before it, every record's hash recomputed from its
 * fields, every checkpoint equal to the hash of its record and not
 * beyond the newest record, and each checkpoint whose key id is one of
 * keys[0..nkeys) (P-256 points; at most STORE_VERIFY_KEYS_MAX) signed by
 * that key.  A checkpoint by another key is counted in sv_ckpt_unknown,
 * not trusted.  Any failure: STORE_ERR_TAMPERED, with sv_bad_seq and
 * sv_problem saying where and what (the first one found).  This reads
 * the database only, so an auditor can run it on a copy (kms-admin
 * audit-verify) with the KMS public key from the KMS certificate.
 */
int		 store_audit_verify(struct store *st,
		    const uint8_t (*keys)[STORE_PUBKEY_LEN], size_t nkeys,
		    struct store_verify *out);

/* The key id of a public key: SHA-256 of its 65 bytes. */
void		 store_key_id(const uint8_t pub[STORE_PUBKEY_LEN],
		    uint8_t out[STORE_HASH_LEN]);

/*
 * The storage alarm, for the front panel and the console: true and a
 * short line in out, at most 20 columns for the panel ("ALARM audit
 * failed", "ALARM disk 12MB free") while the last audit append failed or the free space of the
 * data directory is below sc_alarm_free_mb; false and "" otherwise.
 * Cheap; reads the state the last append or store_space_check left.
 */
bool		 store_alarm(struct store *st, char *out, size_t size);

/*
 * Measure the free space of the data directory now (statvfs) and update
 * the alarm; *free_bytes (may be NULL) gets it.  kmsd calls it every few
 * seconds, store_audit_add on every append.
 */
int		 store_space_check(struct store *st, uint64_t *free_bytes);

/*
 * The supervision loop's periodic store work, cheap enough for every
 * tick: store_space_check; at most every STORE_TICK_CKPT_S seconds, a
 * checkpoint over the newest record when it has none and the last one is
 * ss_seconds old (so a quiet appliance's last records get signed too, not
 * only at the next append); then whether the alarm line (store_alarm)
 * changed since the previous poll: the caller redraws the panel when it
 * did.  One caller thread.
 */
#define STORE_TICK_CKPT_S	10
bool		 store_alarm_poll(struct store *st);

/* Backup ----------------------------------------------------------------- */

/*
 * A consistent snapshot of the whole database into the file path (made
 * with mode 0600; it must not exist), through SQLite's online backup
 * API: writers may go on while it runs.  The snapshot is a plain SQLite
 * database in rollback-journal mode; docs/operator-guide.md has how the
 * backup file wraps it.
 */
int		 store_snapshot(struct store *st, const char *path);

/*
 * A restore's store: write the snapshot db (len bytes, from a backup
 * file) as <dir>/<STORE_DB_NAME>, mode 0600, synced; dir must exist and
 * hold no database (STORE_ERR_EXISTS).  Used with dir = the data
 * directory by kms-provision restore (kmsd not running), and with dir =
 * <data>/STORE_RESTORE_DIR by the console's restore (kmsd running): the
 * next store_open of the data directory then moves the staged database
 * into place (the one it replaces is kept as kms.db.replaced) before it
 * opens it.
 */
#define STORE_RESTORE_DIR	"restore"
int		 store_restore_write(const char *dir, const uint8_t *db,
		    size_t len);

#endif /* STORE_H */
