/*
 * store.c - opening kms.db, the connection pool, transactions and the
 * prepared statements (see store.h).
 *
 * Every connection is opened with SQLITE_OPEN_NOMUTEX: the pool hands a
 * connection to one thread at a time, so SQLite's per-connection mutex
 * would only cost.  Writers first take st_write, then a connection, then
 * BEGIN IMMEDIATE; readers take a connection only.  A writer never waits
 * for st_write while it holds a connection, so the two cannot deadlock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_local.h"

/* The SQL of each statement, in enum store_stmt order. */
static const char *const store_sql[ST__COUNT] = {
	[ST_BEGIN_READ] = "BEGIN DEFERRED",
	[ST_BEGIN_WRITE] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_USER_ADD] =
	    "INSERT INTO users (uri, name, created) VALUES (?1, ?2, ?3)",
	[ST_USER_GET] =
	    "SELECT id, uri, name, created, revoked FROM users WHERE uri = ?1",
	[ST_USER_REVOKE] = "UPDATE users SET revoked = ?2 WHERE uri = ?1",
	[ST_USER_REMOVE] = "DELETE FROM users WHERE uri = ?1",
	[ST_USER_LIST] =
	    "SELECT id, uri, name, created, revoked FROM users "
	    "WHERE id > ?1 ORDER BY id LIMIT ?2",
	[ST_ID_ADD] =
	    "INSERT INTO identities (uri, kind, created) VALUES (?1, ?2, ?3)",
	[ST_ID_GET] =
	    "SELECT id, uri, kind, created FROM identities WHERE uri = ?1",
	[ST_ID_REMOVE] = "DELETE FROM identities WHERE uri = ?1",
	[ST_BIND_COUNT] =
	    "SELECT u.id, COUNT(b.id) FROM users u "
	    "LEFT JOIN bindings b ON b.user_id = u.id "
	    "WHERE u.uri = ?1 GROUP BY u.id",
	[ST_BIND_ADD] =
	    "INSERT INTO bindings (user_id, identity_id, created) "
	    "SELECT ?1, i.id, ?3 FROM identities i WHERE i.uri = ?2",
	[ST_BIND_REMOVE] =
	    "DELETE FROM bindings WHERE "
	    "user_id = (SELECT id FROM users WHERE uri = ?1) AND "
	    "identity_id = (SELECT id FROM identities WHERE uri = ?2)",
	[ST_BIND_CHECK] =
	    "SELECT 1 FROM bindings b "
	    "JOIN users u ON u.id = b.user_id "
	    "JOIN identities i ON i.id = b.identity_id "
	    "WHERE u.uri = ?1 AND i.uri = ?2",
	[ST_BIND_LIST] =
	    "SELECT i.id, i.uri, i.kind, i.created FROM bindings b "
	    "JOIN users u ON u.id = b.user_id "
	    "JOIN identities i ON i.id = b.identity_id "
	    "WHERE u.uri = ?1 ORDER BY b.id LIMIT ?2",
	[ST_KEY_MAX] =
	    "SELECT u.id, MAX(k.n) FROM users u "
	    "LEFT JOIN user_keys k ON k.user_id = u.id AND k.kind = ?2 "
	    "WHERE u.uri = ?1 GROUP BY u.id",
	[ST_KEY_ADD] =
	    "INSERT INTO user_keys (user_id, kind, n, label, created) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_KEY_CURRENT] =
	    "SELECT u.uri, k.kind, k.n, k.label, k.created FROM user_keys k "
	    "JOIN users u ON u.id = k.user_id "
	    "WHERE u.uri = ?1 AND k.kind = ?2 ORDER BY k.n DESC LIMIT 1",
	[ST_KEY_LABEL] =
	    "SELECT u.uri, k.kind, k.n, k.label, k.created, "
	    "k.n = (SELECT MAX(n) FROM user_keys m "
	    "WHERE m.user_id = k.user_id AND m.kind = k.kind) "
	    "FROM user_keys k JOIN users u ON u.id = k.user_id "
	    "WHERE k.label = ?1",
	[ST_REV_ADD] =
	    "INSERT INTO revocations (identity, period_no, reason, created) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[ST_REV_REMOVE] =
	    "DELETE FROM revocations WHERE identity = ?1 AND period_no = ?2",
	[ST_REV_CHECK] =
	    "SELECT 1 FROM revocations WHERE identity = ?1 AND "
	    "(period_no = ?2 OR period_no = -1) LIMIT 1",
	[ST_CERT_COUNT] =
	    "SELECT COUNT(*), "
	    "(SELECT COUNT(*) FROM kms_certs WHERE cert_uri = ?1) "
	    "FROM kms_certs",
	[ST_CERT_PUT] =
	    "INSERT INTO kms_certs (cert_uri, kms_uri, xml, added) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (cert_uri) DO UPDATE SET "
	    "kms_uri = excluded.kms_uri, xml = excluded.xml, "
	    "added = excluded.added",
	[ST_CERT_REMOVE] = "DELETE FROM kms_certs WHERE cert_uri = ?1",
	[ST_CERT_GET] =
	    "SELECT kms_uri, xml FROM kms_certs WHERE cert_uri = ?1",
	[ST_CERT_ALL] =
	    "SELECT cert_uri, kms_uri, xml, added FROM kms_certs "
	    "ORDER BY cert_uri",
	[ST_GEN_ADD] =
	    "INSERT INTO kms_gens (gen, cert_uri, serves_from, valid_to, "
	    "created) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_GEN_ALL] =
	    "SELECT gen, cert_uri, serves_from, valid_to, created "
	    "FROM kms_gens ORDER BY gen",
	[ST_ISSUED_MAX] =
	    "SELECT COALESCE(MAX(period_no), -1) FROM audit WHERE kind = 1",
	[ST_CACHE_GET] = "SELECT version FROM cert_cache WHERE id = 1",
	[ST_CACHE_BUMP] =
	    "UPDATE cert_cache SET version = version + 1 WHERE id = 1 "
	    "RETURNING version",
	[ST_AUDIT_ADD] =
	    "INSERT INTO audit (id, kind, time, subject, identity, period_no, "
	    "request_id, token_id, reason, operator, prev_hash, hash) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[ST_AUDIT_READ] =
	    "SELECT id, kind, time, subject, identity, period_no, "
	    "request_id, token_id, reason, operator FROM audit "
	    "WHERE id > ?1 ORDER BY id LIMIT ?2",
	[ST_AUDIT_LAST] =
	    "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
	[ST_AUDIT_WALK] =
	    "SELECT id, kind, time, subject, identity, period_no, "
	    "request_id, token_id, reason, operator, prev_hash, hash "
	    "FROM audit ORDER BY id",
	[ST_CKPT_LAST] =
	    "SELECT seq, time FROM audit_checkpoint ORDER BY seq DESC LIMIT 1",
	[ST_CKPT_ADD] =
	    "INSERT INTO audit_checkpoint (seq, time, hash, key_id, sig) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_CKPT_WALK] =
	    "SELECT seq, time, hash, key_id, sig FROM audit_checkpoint "
	    "ORDER BY seq",
};

/* see store_local.h */
int
store_status_of(int rc)
{
	switch (rc) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return STORE_OK;
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return STORE_ERR_EXISTS;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return STORE_ERR_NOTFOUND;
	default:
		break;
	}
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
	case SQLITE_TOOBIG:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
		return STORE_ERR_ARGS;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return STORE_ERR_BUSY;
	case SQLITE_NOMEM:
		return STORE_ERR_MEMORY;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return STORE_ERR_CORRUPT;
	default:
		return STORE_ERR_GENERAL;
	}
}

/* see store_local.h */
int
store_done(int rc)
{
	if (rc == SQLITE_DONE)
		return STORE_OK;
	if (rc == SQLITE_ROW || rc == SQLITE_OK)
		return STORE_ERR_GENERAL;	/* a write that answered rows */
	return store_status_of(rc);
}

/* see store.h */
const char *
store_strerror(int status)
{
	switch (status) {
	case STORE_OK:		return "ok";
	case STORE_ERR_ARGS:	return "invalid argument";
	case STORE_ERR_NOTFOUND: return "not found";
	case STORE_ERR_EXISTS:	return "exists already";
	case STORE_ERR_LIMIT:	return "limit reached";
	case STORE_ERR_VERSION:	return "database from newer firmware";
	case STORE_ERR_BUSY:	return "database busy";
	case STORE_ERR_STALE:	return "rotation counter did not grow";
	case STORE_ERR_CORRUPT:	return "database damaged";
	case STORE_ERR_MEMORY:	return "out of memory";
	case STORE_ERR_SPACE:	return "output too small";
	case STORE_ERR_FULL:	return "storage below the reserve";
	case STORE_ERR_TAMPERED: return "audit trail does not verify";
	default:		return "database error";
	}
}

/* see store_local.h */
bool
store_text_ok(const char *s, size_t max, bool empty_ok)
{
	size_t	 i;

	if (s == NULL)
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= max)
			return false;
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	}
	return empty_ok || i > 0;
}

/* see store_local.h */
void
store_copy(char *dst, size_t size, const unsigned char *src)
{
	size_t	 n;

	if (src == NULL) {
		dst[0] = '\0';
		return;
	}
	n = strlen((const char *)src);
	if (n >= size)
		n = size - 1;	/* cannot happen: inputs were checked */
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* see store_local.h */
int
store_bind_text(sqlite3_stmt *s, int col, const char *v)
{
	return sqlite3_bind_text(s, col, v == NULL ? "" : v, -1,
	    SQLITE_STATIC);
}

/* see store_local.h */
sqlite3_stmt *
store_stmt(struct store_conn *cn, enum store_stmt id)
{
	int	 rc;

	if (cn->cn_stmt[id] != NULL)
		return cn->cn_stmt[id];
	rc = sqlite3_prepare_v3(cn->cn_db, store_sql[id], -1,
	    SQLITE_PREPARE_PERSISTENT, &cn->cn_stmt[id], NULL);
	if (rc != SQLITE_OK) {
		log_warnx("%s: statement %d: %s", __func__, (int)id,
		    sqlite3_errmsg(cn->cn_db));
		cn->cn_stmt[id] = NULL;
	}
	return cn->cn_stmt[id];
}

/* see store_local.h */
void
store_stmt_done(sqlite3_stmt *s)
{
	if (s == NULL)
		return;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* see store_local.h */
int
store_exec1(struct store_conn *cn, enum store_stmt id)
{
	sqlite3_stmt	*s;
	int		 rc;

	s = store_stmt(cn, id);
	if (s == NULL)
		return STORE_ERR_GENERAL;
	rc = sqlite3_step(s);
	store_stmt_done(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_status_of(rc);
	return STORE_OK;
}

/* see store_local.h */
int
store_bind_args(sqlite3_stmt *s, const struct store_arg *args, size_t nargs)
{
	size_t	 i;
	int	 rc = SQLITE_OK;

	for (i = 0; i < nargs && rc == SQLITE_OK; i++) {
		switch (args[i].ar_type) {
		case STORE_ARG_TEXT:
			if (args[i].ar_text == NULL)
				rc = store_bind_text(s, (int)i + 1, NULL);
			else
				rc = sqlite3_bind_text(s, (int)i + 1,
				    args[i].ar_text, args[i].ar_len,
				    SQLITE_STATIC);
			break;
		case STORE_ARG_INT:
			rc = sqlite3_bind_int64(s, (int)i + 1, args[i].ar_int);
			break;
		case STORE_ARG_BLOB:
			rc = sqlite3_bind_blob(s, (int)i + 1, args[i].ar_text,
			    args[i].ar_len, SQLITE_STATIC);
			break;
		default:
			rc = SQLITE_MISUSE;
			break;
		}
	}
	return rc;
}

/* Prepare id on cn and bind args; *sp gets the statement or NULL. */
static int
stmt_bind(struct store_conn *cn, enum store_stmt id,
    const struct store_arg *args, size_t nargs, sqlite3_stmt **sp)
{
	int	 rc;

	*sp = store_stmt(cn, id);
	if (*sp == NULL)
		return STORE_ERR_GENERAL;
	rc = store_bind_args(*sp, args, nargs);
	return rc == SQLITE_OK ? STORE_OK : store_status_of(rc);
}

/* see store_local.h */
int
store_query(struct store_conn *cn, enum store_stmt id,
    const struct store_arg *args, size_t nargs, sqlite3_stmt **sp)
{
	int	 rc, status;

	status = stmt_bind(cn, id, args, nargs, sp);
	if (status != STORE_OK)
		return status;
	rc = sqlite3_step(*sp);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return STORE_ERR_NOTFOUND;
	return store_status_of(rc);
}

/* see store_local.h */
int
store_run(struct store_conn *cn, enum store_stmt id,
    const struct store_arg *args, size_t nargs, bool must_change)
{
	sqlite3_stmt	*s;
	int		 status;

	status = stmt_bind(cn, id, args, nargs, &s);
	if (status == STORE_OK)
		status = store_done(sqlite3_step(s));
	if (status == STORE_OK && must_change &&
	    sqlite3_changes(cn->cn_db) == 0)
		status = STORE_ERR_NOTFOUND;
	store_stmt_done(s);
	return status;
}

/* see store_local.h */
int
store_rows(struct store_conn *cn, enum store_stmt id,
    const struct store_arg *args, size_t nargs, size_t max,
    store_row_fn *fn, void *arg, size_t *n)
{
	sqlite3_stmt	*s;
	size_t		 i = 0;
	int		 rc, status;

	status = stmt_bind(cn, id, args, nargs, &s);
	if (status != STORE_OK)
		goto fail;
	for (;;) {
		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW)
			break;
		if (i == max) {
			status = STORE_ERR_SPACE;
			goto fail;
		}
		status = fn(arg, s, i++);
		if (status != 0)
			goto fail;
	}
	if (rc != SQLITE_DONE) {
		status = store_status_of(rc);
		goto fail;
	}
	if (n != NULL)
		*n = i;
	status = STORE_OK;
 fail:
	store_stmt_done(s);
	return status;
}

/* see store_local.h */
int
store_get(struct store *st, enum store_stmt id, const struct store_arg *args,
    size_t nargs, store_row_fn *fn, void *arg)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	int			 status;

	cn = store_conn_get(st);
	status = store_query(cn, id, args, nargs, &s);
	if (status == STORE_OK && fn != NULL)
		status = fn(arg, s, 0);
	store_stmt_done(s);
	store_conn_put(st, cn);
	return status;
}

/* see store_local.h */
int
store_list(struct store *st, enum store_stmt id, const struct store_arg *args,
    size_t nargs, size_t max, store_row_fn *fn, void *arg, size_t *n)
{
	struct store_conn	*cn;
	int			 status;

	cn = store_conn_get(st);
	status = store_rows(cn, id, args, nargs, max, fn, arg, n);
	store_conn_put(st, cn);
	return status;
}

/* see store_local.h */
int
store_write(struct store *st, enum store_stmt id,
    const struct store_arg *args, size_t nargs, bool must_change)
{
	struct store_conn	*cn;
	int			 status;

	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = store_run(cn, id, args, nargs, must_change);
	return store_write_end(st, cn, status);
}

/* see store_local.h */
struct store_conn *
store_conn_get(struct store *st)
{
	struct store_conn	*cn = NULL;
	unsigned		 i;

	pthread_mutex_lock(&st->st_lock);
	for (;;) {
		for (i = 0; i < st->st_nconn; i++) {
			if (!st->st_conn[i].cn_busy) {
				cn = &st->st_conn[i];
				cn->cn_busy = true;
				break;
			}
		}
		if (cn != NULL)
			break;
		pthread_cond_wait(&st->st_free, &st->st_lock);
	}
	pthread_mutex_unlock(&st->st_lock);
	return cn;
}

/* see store_local.h */
void
store_conn_put(struct store *st, struct store_conn *cn)
{
	pthread_mutex_lock(&st->st_lock);
	cn->cn_busy = false;
	pthread_cond_signal(&st->st_free);
	pthread_mutex_unlock(&st->st_lock);
}

/* see store_local.h */
int
store_write_begin(struct store *st, struct store_conn **cnp)
{
	struct store_conn	*cn;
	int			 status;

	pthread_mutex_lock(&st->st_write);
	cn = store_conn_get(st);
	status = store_exec1(cn, ST_BEGIN_WRITE);
	if (status != STORE_OK) {
		store_conn_put(st, cn);
		pthread_mutex_unlock(&st->st_write);
		return status;
	}
	*cnp = cn;
	return STORE_OK;
}

/* see store_local.h */
int
store_write_end(struct store *st, struct store_conn *cn, int status)
{
	if (status == STORE_OK) {
		status = store_exec1(cn, ST_COMMIT);
		if (status != STORE_OK)
			log_warnx("%s: commit: %s", __func__,
			    sqlite3_errmsg(cn->cn_db));
	}
	if (status != STORE_OK && sqlite3_get_autocommit(cn->cn_db) == 0)
		(void)store_exec1(cn, ST_ROLLBACK);
	store_conn_put(st, cn);
	pthread_mutex_unlock(&st->st_write);
	return status;
}

/* see store_local.h */
int
store_read_begin(struct store *st, struct store_conn **cnp)
{
	struct store_conn	*cn;
	int			 status;

	cn = store_conn_get(st);
	status = store_exec1(cn, ST_BEGIN_READ);
	if (status != STORE_OK) {
		store_conn_put(st, cn);
		return status;
	}
	*cnp = cn;
	return STORE_OK;
}

/* see store_local.h */
void
store_read_end(struct store *st, struct store_conn *cn)
{
	if (sqlite3_get_autocommit(cn->cn_db) == 0)
		(void)store_exec1(cn, ST_COMMIT);
	store_conn_put(st, cn);
}

/* Close one connection and its statements. */
static void
conn_close(struct store_conn *cn)
{
	size_t	 i;

	for (i = 0; i < ST__COUNT; i++) {
		sqlite3_finalize(cn->cn_stmt[i]);
		cn->cn_stmt[i] = NULL;
	}
	if (cn->cn_db != NULL)
		sqlite3_close(cn->cn_db);
	cn->cn_db = NULL;
}

/*
 * Open one connection to path and set it up: defensive mode, WAL,
 * synchronous=FULL, foreign keys, busy timeout.
 */
static int
conn_open(struct store_conn *cn, const char *path, unsigned busy_ms)
{
	static const char	 pragmas[] =
	    "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA trusted_schema = OFF;";
	sqlite3_stmt		*s = NULL;
	const unsigned char	*mode;
	int			 rc, status = STORE_ERR_GENERAL;

	memset(cn, 0, sizeof(*cn));
	rc = sqlite3_open_v2(path, &cn->cn_db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW |
	    SQLITE_OPEN_EXRESCODE, NULL);
	if (rc != SQLITE_OK) {
		status = cn->cn_db == NULL ? STORE_ERR_MEMORY :
		    store_status_of(rc);
		goto fail;
	}
	sqlite3_db_config(cn->cn_db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(cn->cn_db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0,
	    NULL);
	sqlite3_busy_timeout(cn->cn_db, (int)busy_ms);

	/* journal_mode answers with the mode it ended up in. */
	rc = sqlite3_prepare_v2(cn->cn_db, "PRAGMA journal_mode = WAL", -1,
	    &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		status = store_status_of(rc);
		goto fail;
	}
	mode = sqlite3_column_text(s, 0);
	if (mode == NULL || strcmp((const char *)mode, "wal") != 0) {
		log_warnx("%s: WAL mode refused", __func__);
		goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
	rc = sqlite3_exec(cn->cn_db, pragmas, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		status = store_status_of(rc);
		goto fail;
	}
	return STORE_OK;
 fail:
	if (cn->cn_db != NULL && status != STORE_ERR_CORRUPT)
		log_warnx("%s: %s: %s", __func__, path,
		    sqlite3_errmsg(cn->cn_db));
	sqlite3_finalize(s);
	conn_close(cn);
	return status;
}

/* Create the database file 0600 unless it exists, so WAL and SHM get 0600. */
static int
precreate(const char *path)
{
	int	 fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		log_warn("%s: %s", __func__, path);
		return STORE_ERR_GENERAL;
	}
	close(fd);
	return STORE_OK;
}

/*
 * A restore staged by the console (store_restore_write into
 * <dir>/restore/): move it into place before the database is opened.  The
 * database it replaces is kept as kms.db.replaced; its -wal and -shm go.
 */
static int
restore_pending(const char *dir)
{
	static const char *const gone[] = { "-wal", "-shm" };
	char		 staged[BOARD_PATH_MAX], db[BOARD_PATH_MAX];
	char		 p[BOARD_PATH_MAX + 16];
	struct stat	 sb;
	size_t		 i;
	int		 dfd;

	if (snprintf(staged, sizeof(staged), "%s/%s/%s", dir,
	    STORE_RESTORE_DIR, STORE_DB_NAME) >= (int)sizeof(staged) ||
	    snprintf(db, sizeof(db), "%s/%s", dir, STORE_DB_NAME) >=
	    (int)sizeof(db))
		return STORE_ERR_ARGS;
	if (lstat(staged, &sb) != 0)
		return STORE_OK;		/* nothing staged */
	if (!S_ISREG(sb.st_mode)) {
		log_warnx("%s: %s is not a file", __func__, staged);
		return STORE_ERR_ARGS;
	}
	snprintf(p, sizeof(p), "%s.replaced", db);
	if (rename(db, p) != 0 && errno != ENOENT) {
		log_warn("%s: %s", __func__, db);
		return STORE_ERR_GENERAL;
	}
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", db, gone[i]);
		if (unlink(p) != 0 && errno != ENOENT) {
			log_warn("%s: %s", __func__, p);
			return STORE_ERR_GENERAL;
		}
	}
	if (rename(staged, db) != 0) {
		log_warn("%s: %s", __func__, staged);
		return STORE_ERR_GENERAL;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	log_info("store: the restored database is in place (the one it "
	    "replaced is %s.replaced)", STORE_DB_NAME);
	return STORE_OK;
}

/* see store.h */
int
store_open(const struct store_conf *conf, struct store **out)
{
	struct store	*st = NULL;
	struct stat	 sb;
	unsigned	 i, want;
	int		 n, status = STORE_ERR_GENERAL;

	if (conf == NULL || out == NULL || conf->sc_data_dir == NULL ||
	    conf->sc_conns > STORE_CONNS_MAX ||
	    conf->sc_busy_ms > STORE_BUSY_MS_MAX ||
	    conf->sc_version > STORE_SCHEMA_VERSION ||
	    conf->sc_alarm_free_mb > STORE_FREE_MB_MAX ||
	    conf->sc_reserve_mb > STORE_FREE_MB_MAX)
		return STORE_ERR_ARGS;
	*out = NULL;
	if (stat(conf->sc_data_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		log_warnx("%s: %s: not a directory", __func__,
		    conf->sc_data_dir);
		return STORE_ERR_ARGS;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return STORE_ERR_MEMORY;
	pthread_mutex_init(&st->st_lock, NULL);
	pthread_mutex_init(&st->st_write, NULL);
	pthread_cond_init(&st->st_free, NULL);
	st->st_nconn = conf->sc_conns == 0 ? STORE_DEF_CONNS : conf->sc_conns;
	st->st_busy_ms = conf->sc_busy_ms == 0 ? STORE_DEF_BUSY_MS :
	    conf->sc_busy_ms;
	want = conf->sc_version == 0 ? STORE_SCHEMA_VERSION :
	    conf->sc_version;
	st->st_alarm_free = (conf->sc_alarm_free_mb == 0 ?
	    STORE_DEF_ALARM_FREE_MB : conf->sc_alarm_free_mb) << 20;
	st->st_reserve_free = (conf->sc_reserve_mb == 0 ?
	    STORE_DEF_RESERVE_MB : conf->sc_reserve_mb) << 20;
	n = snprintf(st->st_path, sizeof(st->st_path), "%s/%s",
	    conf->sc_data_dir, STORE_DB_NAME);
	if (n < 0 || (size_t)n >= sizeof(st->st_path)) {
		status = STORE_ERR_ARGS;
		goto fail;
	}
	snprintf(st->st_dir, sizeof(st->st_dir), "%s", conf->sc_data_dir);
	if ((status = restore_pending(st->st_dir)) != STORE_OK)
		goto fail;
	status = precreate(st->st_path);
	if (status != STORE_OK)
		goto fail;

	/* The first connection migrates before the others open. */
	for (i = 0; i < st->st_nconn; i++) {
		status = conn_open(&st->st_conn[i], st->st_path,
		    st->st_busy_ms);
		if (status != STORE_OK)
			goto fail;
		if (i == 0) {
			status = store_migrate(st->st_conn[0].cn_db, want);
			if (status != STORE_OK)
				goto fail;
		}
	}
	*out = st;
	return STORE_OK;
 fail:
	store_close(st);
	return status;
}

/* see store.h */
void
store_close(struct store *st)
{
	unsigned	 i;

	if (st == NULL)
		return;
	for (i = 0; i < STORE_CONNS_MAX; i++)
		conn_close(&st->st_conn[i]);
	pthread_cond_destroy(&st->st_free);
	pthread_mutex_destroy(&st->st_write);
	pthread_mutex_destroy(&st->st_lock);
	free(st);
}

/* see store.h */
int
store_schema_version(struct store *st, unsigned *version)
{
	struct store_conn	*cn;
	int			 status;

	if (st == NULL || version == NULL)
		return STORE_ERR_ARGS;
	cn = store_conn_get(st);
	status = store_version_get(cn->cn_db, version);
	store_conn_put(st, cn);
	return status;
}

/* see store.h */
int
store_integrity_check(struct store *st)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s = NULL;
	const unsigned char	*r;
	int			 rc, status = STORE_ERR_GENERAL;

	if (st == NULL)
		return STORE_ERR_ARGS;
	cn = store_conn_get(st);
	rc = sqlite3_prepare_v2(cn->cn_db, "PRAGMA integrity_check", -1, &s,
	    NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		status = store_status_of(rc);
		goto fail;
	}
	r = sqlite3_column_text(s, 0);
	if (r == NULL || strcmp((const char *)r, "ok") != 0) {
		log_warnx("%s: %s", __func__, r == NULL ? "?" :
		    (const char *)r);
		status = STORE_ERR_CORRUPT;
		goto fail;
	}
	status = STORE_OK;
 fail:
	sqlite3_finalize(s);
	store_conn_put(st, cn);
	return status;
}
