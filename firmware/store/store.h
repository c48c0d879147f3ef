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
#define STORE_BUSY_MS_MAX	60000	/* busy timeout ceiling */

/* Defaults (store_conf fields left 0). */
#define STORE_DEF_CONNS		4
#define STORE_DEF_BUSY_MS	5000
#define STORE_DB_NAME		"kms.db"

/* The schema version this firmware writes (see docs/store.md). */
#define STORE_SCHEMA_VERSION	2

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

/* Audit ------------------------------------------------------------------- */

enum store_audit_kind {
	STORE_AUDIT_ISSUED	= 1,	/* a key set was released */
	STORE_AUDIT_REFUSED	= 2,	/* a request was refused */
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
};

/* Append a record; it is durable when this returns 0. */
int		 store_audit_add(struct store *st,
		    const struct store_audit *rec);
/*
 * Up to max records with sa_id > after_id, oldest first, into out[];
 * *n gets the count (0 at the end).
 */
int		 store_audit_read(struct store *st, int64_t after_id,
		    struct store_audit *out, size_t max, size_t *n);

#endif /* STORE_H */
