/*
 * keys.c - the names of each user's TrK and InK, and revocations (see
 * store.h).  Only names: the keys themselves never leave the HSM.
 */
#include <string.h>

#include "store_local.h"

static bool
key_kind_ok(enum store_key_kind kind)
{
	return kind == STORE_KEY_TRK || kind == STORE_KEY_INK;
}

/* Fill a struct store_key from a row: uri, kind, n, label, created. */
static void
key_row(sqlite3_stmt *s, struct store_key *k)
{
	store_copy(k->sk_user, sizeof(k->sk_user), sqlite3_column_text(s, 0));
	k->sk_kind = (enum store_key_kind)sqlite3_column_int(s, 1);
	k->sk_n = (uint64_t)sqlite3_column_int64(s, 2);
	store_copy(k->sk_label, sizeof(k->sk_label),
	    sqlite3_column_text(s, 3));
	k->sk_created = sqlite3_column_int64(s, 4);
}

/* see store.h */
int
store_key_set(struct store *st, const char *user_uri,
    enum store_key_kind kind, uint64_t n, const char *label, int64_t now)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s = NULL;
	sqlite3_int64		 user_id;
	int			 rc, status;

	if (st == NULL || !store_text_ok(user_uri, STORE_URI_MAX, false) ||
	    !key_kind_ok(kind) || n > INT64_MAX ||
	    !store_text_ok(label, STORE_LABEL_MAX, false))
		return STORE_ERR_ARGS;
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = STORE_ERR_GENERAL;

	/* The user, and the newest generation of this kind (NULL if none). */
	s = store_stmt(cn, ST_KEY_MAX);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, user_uri);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 2, (int)kind);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		status = STORE_ERR_NOTFOUND;
		goto fail;
	}
	if (rc != SQLITE_ROW) {
		status = store_status_of(rc);
		goto fail;
	}
	user_id = sqlite3_column_int64(s, 0);
	if (sqlite3_column_type(s, 1) != SQLITE_NULL &&
	    (uint64_t)sqlite3_column_int64(s, 1) >= n) {
		status = STORE_ERR_STALE;
		goto fail;
	}
	store_stmt_done(s);
	s = NULL;

	s = store_stmt(cn, ST_KEY_ADD);
	if (s == NULL)
		goto fail;
	rc = sqlite3_bind_int64(s, 1, user_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 2, (int)kind);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, (sqlite3_int64)n);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 4, label);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 5, now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	status = store_done(rc);
 fail:
	store_stmt_done(s);
	return store_write_end(st, cn, status);
}

/* see store.h */
int
store_key_current(struct store *st, const char *user_uri,
    enum store_key_kind kind, struct store_key *out)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	int			 rc, status = STORE_ERR_GENERAL;

	if (st == NULL || out == NULL || !key_kind_ok(kind) ||
	    !store_text_ok(user_uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	cn = store_conn_get(st);
	s = store_stmt(cn, ST_KEY_CURRENT);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, user_uri);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 2, (int)kind);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		status = STORE_ERR_NOTFOUND;
		goto fail;
	}
	if (rc != SQLITE_ROW) {
		status = store_status_of(rc);
		goto fail;
	}
	key_row(s, out);
	out->sk_current = true;
	status = STORE_OK;
 fail:
	store_stmt_done(s);
	store_conn_put(st, cn);
	return status;
}

/* see store.h */
int
store_key_by_label(struct store *st, const char *label,
    struct store_key *out)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	int			 rc, status = STORE_ERR_GENERAL;

	if (st == NULL || out == NULL ||
	    !store_text_ok(label, STORE_LABEL_MAX, false))
		return STORE_ERR_ARGS;
	cn = store_conn_get(st);
	s = store_stmt(cn, ST_KEY_LABEL);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, label);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		status = STORE_ERR_NOTFOUND;
		goto fail;
	}
	if (rc != SQLITE_ROW) {
		status = store_status_of(rc);
		goto fail;
	}
	key_row(s, out);
	out->sk_current = sqlite3_column_int(s, 5) != 0;
	status = STORE_OK;
 fail:
	store_stmt_done(s);
	store_conn_put(st, cn);
	return status;
}

/* see store.h */
int
store_revoke(struct store *st, const char *identity_uri, int64_t period_no,
    const char *reason, int64_t now)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	int			 rc, status;

	if (st == NULL || !store_text_ok(identity_uri, STORE_URI_MAX, false) ||
	    period_no < STORE_PERIOD_ALL ||
	    (reason != NULL && !store_text_ok(reason, STORE_REASON_MAX, true)))
		return STORE_ERR_ARGS;
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = STORE_ERR_GENERAL;
	s = store_stmt(cn, ST_REV_ADD);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, identity_uri);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, period_no);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 3, reason);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 4, now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	status = store_done(rc);
 fail:
	store_stmt_done(s);
	return store_write_end(st, cn, status);
}

/* see store.h */
int
store_unrevoke(struct store *st, const char *identity_uri, int64_t period_no)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	int			 rc, status;

	if (st == NULL || !store_text_ok(identity_uri, STORE_URI_MAX, false) ||
	    period_no < STORE_PERIOD_ALL)
		return STORE_ERR_ARGS;
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = STORE_ERR_GENERAL;
	s = store_stmt(cn, ST_REV_REMOVE);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, identity_uri);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, period_no);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_DONE) {
		status = store_status_of(rc);
		goto fail;
	}
	status = sqlite3_changes(cn->cn_db) == 0 ? STORE_ERR_NOTFOUND :
	    STORE_OK;
 fail:
	store_stmt_done(s);
	return store_write_end(st, cn, status);
}

/* see store.h */
int
store_is_revoked(struct store *st, const char *identity_uri,
    int64_t period_no, bool *revoked)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	int			 rc, status = STORE_ERR_GENERAL;

	if (revoked == NULL)
		return STORE_ERR_ARGS;
	*revoked = true;
	if (st == NULL || !store_text_ok(identity_uri, STORE_URI_MAX, false) ||
	    period_no < 0)
		return STORE_ERR_ARGS;
	cn = store_conn_get(st);
	s = store_stmt(cn, ST_REV_CHECK);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, identity_uri);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, period_no);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		status = store_status_of(rc);
		goto fail;
	}
	*revoked = rc == SQLITE_ROW;
	status = STORE_OK;
 fail:
	store_stmt_done(s);
	store_conn_put(st, cn);
	return status;
}
