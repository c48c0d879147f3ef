/*
 * store_local.h - private to firmware/store: the connection pool, the
 * prepared statement table and the helpers shared by the files of the
 * module.  Nothing outside this folder includes it.
 */
#ifndef STORE_LOCAL_H
#define STORE_LOCAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <sqlite3.h>

#include "store.h"

/*
 * The prepared statements.  Each connection prepares one on first use
 * (SQLITE_PREPARE_PERSISTENT) and keeps it until store_close.  The SQL text
 * of each is in store_sql[] in store.c, in this order.
 */
enum store_stmt {
	ST_BEGIN_READ,
	ST_BEGIN_WRITE,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_USER_ADD,
	ST_USER_GET,
	ST_USER_REVOKE,
	ST_USER_REMOVE,
	ST_USER_LIST,
	ST_ID_ADD,
	ST_ID_GET,
	ST_ID_REMOVE,
	ST_BIND_COUNT,
	ST_BIND_ADD,
	ST_BIND_REMOVE,
	ST_BIND_CHECK,
	ST_BIND_LIST,
	ST_KEY_MAX,
	ST_KEY_ADD,
	ST_KEY_CURRENT,
	ST_KEY_LABEL,
	ST_REV_ADD,
	ST_REV_REMOVE,
	ST_REV_CHECK,
	ST_CERT_COUNT,
	ST_CERT_PUT,
	ST_CERT_REMOVE,
	ST_CERT_GET,
	ST_CERT_ALL,
	ST_GEN_ADD,
	ST_GEN_ALL,
	ST_ISSUED_MAX,
	ST_CACHE_GET,
	ST_CACHE_BUMP,
	ST_AUDIT_ADD,
	ST_AUDIT_READ,
	ST_AUDIT_LAST,
	ST_AUDIT_WALK,
	ST_CKPT_LAST,
	ST_CKPT_ADD,
	ST_CKPT_WALK,
	ST__COUNT
};

/* One SQLite connection and its statements; used by one thread at a time. */
struct store_conn {
	sqlite3		*cn_db;
	sqlite3_stmt	*cn_stmt[ST__COUNT];
	bool		 cn_busy;	/* lent to a caller */
};

struct store {
	pthread_mutex_t	 st_lock;	/* guards st_conn[].cn_busy */
	pthread_cond_t	 st_free;	/* a connection came back */
	pthread_mutex_t	 st_write;	/* one writer at a time */
	unsigned	 st_nconn;
	unsigned	 st_busy_ms;
	struct store_conn st_conn[STORE_CONNS_MAX];
	char		 st_path[BOARD_PATH_MAX];
	char		 st_dir[BOARD_PATH_MAX];

	/* Audit checkpoints (under st_write: set before any writer runs). */
	struct store_signer st_signer;
	bool		 st_has_signer;

	/* The alarm (store_alarm): read by any thread. */
	uint64_t	 st_alarm_free;		/* bytes */
	uint64_t	 st_reserve_free;	/* bytes */
	_Atomic bool	 st_audit_failed;	/* the last audit write failed */
	_Atomic uint64_t st_free_bytes;	/* free bytes, last statvfs */
	_Atomic bool	 st_free_known;
	char		 st_alarm_shown[64];	/* store_alarm_poll's last */
	int64_t		 st_tick_ckpt;		/* ... and its last checkpoint
						   look (wall seconds) */
};

/*
 * One parameter of a statement, bound to ?1, ?2, ... in array order.  Build
 * them with STORE_TEXT, STORE_TEXTN and STORE_INT, and pass a list with
 * STORE_ARGS(...), which gives both the array and its length.
 */
enum store_arg_type {
	STORE_ARG_TEXT,		/* ar_text (NULL binds ""), ar_len bytes */
	STORE_ARG_INT,		/* ar_int */
	STORE_ARG_BLOB,		/* ar_text as bytes, ar_len bytes */
};

struct store_arg {
	enum store_arg_type	 ar_type;
	const char		*ar_text;
	int			 ar_len;	/* -1: up to the NUL */
	sqlite3_int64		 ar_int;
};

#define STORE_TEXT(v)		{ STORE_ARG_TEXT, (v), -1, 0 }
#define STORE_TEXTN(v, n)	{ STORE_ARG_TEXT, (v), (int)(n), 0 }
#define STORE_INT(v)		{ STORE_ARG_INT, NULL, 0, (sqlite3_int64)(v) }
#define STORE_BLOB(v, n)	{ STORE_ARG_BLOB, (const char *)(v), (int)(n), 0 }
#define STORE_ARGS(...)							\
	((const struct store_arg[]){ __VA_ARGS__ }),			\
	(sizeof((const struct store_arg[]){ __VA_ARGS__ }) /		\
	    sizeof(struct store_arg))

/*
 * Called for row i (from 0) of a query, with the statement on that row.
 * A non-zero return stops the walk and is the status of the call.
 */
typedef int	 store_row_fn(void *arg, sqlite3_stmt *s, size_t i);

/*
 * A migration: the SQL that takes the schema from version - 1 to version,
 * then mg_fn (may be NULL) for what SQL cannot do, in the same
 * transaction.
 */
struct store_migration {
	unsigned	 mg_version;
	const char	*mg_name;
	const char	*mg_sql;
	int		(*mg_fn)(sqlite3 *db);
	const char	*mg_post;	/* SQL after mg_fn, or NULL */
};

/* store.c */

/* Borrow a free connection (waits for one); give it back. */
struct store_conn *store_conn_get(struct store *st);
void		 store_conn_put(struct store *st, struct store_conn *cn);
/* The prepared statement id on cn (prepared on first use), or NULL. */
sqlite3_stmt	*store_stmt(struct store_conn *cn, enum store_stmt id);
/* Reset a statement and clear its bindings after use; NULL is a no-op. */
void		 store_stmt_done(sqlite3_stmt *s);
/* An SQLite result code as an enum store_status. */
int		 store_status_of(int rc);
/* 0 for SQLITE_DONE; a write statement's other results as a status. */
int		 store_done(int rc);
/*
 * Write transaction: take the write mutex and a connection, BEGIN
 * IMMEDIATE.  store_write_end commits when status is 0 (else rolls back),
 * releases both and returns the final status.
 */
int		 store_write_begin(struct store *st, struct store_conn **cn);
int		 store_write_end(struct store *st, struct store_conn *cn,
		    int status);
/* Read transaction (one snapshot for several statements). */
int		 store_read_begin(struct store *st, struct store_conn **cn);
void		 store_read_end(struct store *st, struct store_conn *cn);
/* Step a statement without parameters once (BEGIN, COMMIT, ...). */
int		 store_exec1(struct store_conn *cn, enum store_stmt id);
/* s is non-NULL, at most max bytes, no control characters, non-empty
   unless empty_ok. */
bool		 store_text_ok(const char *s, size_t max, bool empty_ok);
/* Copy a column's text into dst (size bytes, NUL terminated; "" if NULL). */
void		 store_copy(char *dst, size_t size, const unsigned char *src);
/* Bind v (NULL as "") to parameter col; the caller keeps v alive. */
int		 store_bind_text(sqlite3_stmt *s, int col, const char *v);
/* Bind args[0..nargs) to ?1..?nargs; an SQLite result code. */
int		 store_bind_args(sqlite3_stmt *s, const struct store_arg *args,
		    size_t nargs);

/*
 * Statement runners on a connection the caller holds.  Each prepares id,
 * binds the arguments and steps; a statement that cannot be prepared is
 * STORE_ERR_GENERAL, a bind or step failure is mapped by store_status_of.
 *
 * store_query steps to the first row: 0 with *sp on it, STORE_ERR_NOTFOUND
 * when there is none, or another status.  *sp is set in every case (NULL
 * when unprepared); the caller reads the row and calls store_stmt_done.
 *
 * store_run runs a write statement to its end (store_done); with
 * must_change, one that changed no row is STORE_ERR_NOTFOUND.
 *
 * store_rows calls fn on each row, in order.  STORE_ERR_SPACE when there
 * are more than max rows; *n (may be NULL) gets the count on success.
 */
int		 store_query(struct store_conn *cn, enum store_stmt id,
		    const struct store_arg *args, size_t nargs,
		    sqlite3_stmt **sp);
int		 store_run(struct store_conn *cn, enum store_stmt id,
		    const struct store_arg *args, size_t nargs,
		    bool must_change);
int		 store_rows(struct store_conn *cn, enum store_stmt id,
		    const struct store_arg *args, size_t nargs, size_t max,
		    store_row_fn *fn, void *arg, size_t *n);
/*
 * The same, each on a connection of its own: store_get calls fn (may be
 * NULL) on the first row, as row 0, and returns as store_query;
 * store_list is store_rows; store_write is store_run in a write
 * transaction of its own.
 */
int		 store_get(struct store *st, enum store_stmt id,
		    const struct store_arg *args, size_t nargs,
		    store_row_fn *fn, void *arg);
int		 store_list(struct store *st, enum store_stmt id,
		    const struct store_arg *args, size_t nargs, size_t max,
		    store_row_fn *fn, void *arg, size_t *n);
int		 store_write(struct store *st, enum store_stmt id,
		    const struct store_arg *args, size_t nargs,
		    bool must_change);

/* audit.c */

/*
 * The chain hash of one record: SHA-256(prev || canonical bytes of rec
 * with its sequence number seq); see docs/store.md for the encoding.
 */
void		 store_audit_hash(const uint8_t prev[STORE_HASH_LEN],
		    int64_t seq, const struct store_audit *rec,
		    uint8_t out[STORE_HASH_LEN]);
/* Migration 3: chain the records already in the table (schema.c). */
int		 store_audit_chain_existing(sqlite3 *db);
/* Fill rec from a row whose columns 0..9 are as ST_AUDIT_READ's. */
void		 store_audit_row(sqlite3_stmt *s, struct store_audit *rec);

/* schema.c */

/* The migrations, in version order; STORE_SCHEMA_VERSION is the last. */
extern const struct store_migration	store_migrations[];
extern const size_t			store_migration_count;
/*
 * Apply the migrations above the database's version up to want, in one
 * transaction.  STORE_ERR_VERSION if the database is newer than this
 * firmware (nothing is changed).
 */
int		 store_migrate(sqlite3 *db, unsigned want);
/* The database's schema version (0 for a new database). */
int		 store_version_get(sqlite3 *db, unsigned *version);

#endif /* STORE_LOCAL_H */
