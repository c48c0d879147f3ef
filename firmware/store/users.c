/*
 * users.c - users, identities and the bindings between them (see store.h).
 */
#include <string.h>

#include "store_local.h"

/* Fill a struct store_user from a row: id, uri, name, created, revoked. */
static void
user_row(sqlite3_stmt *s, struct store_user *u)
{
	u->su_id = sqlite3_column_int64(s, 0);
	store_copy(u->su_uri, sizeof(u->su_uri), sqlite3_column_text(s, 1));
	store_copy(u->su_name, sizeof(u->su_name), sqlite3_column_text(s, 2));
	u->su_created = sqlite3_column_int64(s, 3);
	u->su_revoked = sqlite3_column_int(s, 4) != 0;
}

/* Fill a struct store_identity from a row: id, uri, kind, created. */
static void
identity_row(sqlite3_stmt *s, struct store_identity *id)
{
	id->si_id = sqlite3_column_int64(s, 0);
	store_copy(id->si_uri, sizeof(id->si_uri), sqlite3_column_text(s, 1));
	id->si_kind = (enum store_id_kind)sqlite3_column_int(s, 2);
	id->si_created = sqlite3_column_int64(s, 3);
}

/*
 * Run one write statement with its single text key bound to ?1 in its own
 * transaction.  STORE_ERR_NOTFOUND when it changed no row.
 */
static int
write_by_uri(struct store *st, enum store_stmt id, const char *uri)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	int			 rc, status;

	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = STORE_ERR_GENERAL;
	s = store_stmt(cn, id);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, uri);
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
store_user_add(struct store *st, const char *uri, const char *name,
    int64_t now)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	int			 rc, status;

	if (st == NULL || !store_text_ok(uri, STORE_URI_MAX, false) ||
	    (name != NULL && !store_text_ok(name, STORE_NAME_MAX, true)))
		return STORE_ERR_ARGS;
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = STORE_ERR_GENERAL;
	s = store_stmt(cn, ST_USER_ADD);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, uri);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 2, name);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	status = store_done(rc);
 fail:
	store_stmt_done(s);
	return store_write_end(st, cn, status);
}

/* see store.h */
int
store_user_get(struct store *st, const char *uri, struct store_user *out)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	int			 rc, status = STORE_ERR_GENERAL;

	if (st == NULL || out == NULL ||
	    !store_text_ok(uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	cn = store_conn_get(st);
	s = store_stmt(cn, ST_USER_GET);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, uri);
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
	user_row(s, out);
	status = STORE_OK;
 fail:
	store_stmt_done(s);
	store_conn_put(st, cn);
	return status;
}

/* see store.h */
int
store_user_revoke(struct store *st, const char *uri, bool revoked)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	int			 rc, status;

	if (st == NULL || !store_text_ok(uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = STORE_ERR_GENERAL;
	s = store_stmt(cn, ST_USER_REVOKE);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, uri);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 2, revoked ? 1 : 0);
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
store_user_remove(struct store *st, const char *uri)
{
	if (st == NULL || !store_text_ok(uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	return write_by_uri(st, ST_USER_REMOVE, uri);
}

/* see store.h */
int
store_user_list(struct store *st, int64_t after_id, struct store_user *out,
    size_t max, size_t *n)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	size_t			 i = 0;
	int			 rc, status = STORE_ERR_GENERAL;

	if (st == NULL || out == NULL || n == NULL || max == 0 ||
	    max > INT32_MAX)
		return STORE_ERR_ARGS;
	*n = 0;
	cn = store_conn_get(st);
	s = store_stmt(cn, ST_USER_LIST);
	if (s == NULL)
		goto fail;
	rc = sqlite3_bind_int64(s, 1, after_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
	if (rc != SQLITE_OK) {
		status = store_status_of(rc);
		goto fail;
	}
	while (i < max) {
		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW)
			break;
		user_row(s, &out[i++]);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		status = store_status_of(rc);
		goto fail;
	}
	*n = i;
	status = STORE_OK;
 fail:
	store_stmt_done(s);
	store_conn_put(st, cn);
	return status;
}

/* see store.h */
int
store_identity_add(struct store *st, const char *uri,
    enum store_id_kind kind, int64_t now)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	int			 rc, status;

	if (st == NULL || !store_text_ok(uri, STORE_URI_MAX, false) ||
	    (kind != STORE_ID_USER && kind != STORE_ID_PSEUDONYM &&
	    kind != STORE_ID_GROUP))
		return STORE_ERR_ARGS;
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = STORE_ERR_GENERAL;
	s = store_stmt(cn, ST_ID_ADD);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, uri);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 2, (int)kind);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	status = store_done(rc);
 fail:
	store_stmt_done(s);
	return store_write_end(st, cn, status);
}

/* see store.h */
int
store_identity_get(struct store *st, const char *uri,
    struct store_identity *out)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	int			 rc, status = STORE_ERR_GENERAL;

	if (st == NULL || out == NULL ||
	    !store_text_ok(uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	cn = store_conn_get(st);
	s = store_stmt(cn, ST_ID_GET);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, uri);
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
	identity_row(s, out);
	status = STORE_OK;
 fail:
	store_stmt_done(s);
	store_conn_put(st, cn);
	return status;
}

/* see store.h */
int
store_identity_remove(struct store *st, const char *uri)
{
	if (st == NULL || !store_text_ok(uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	return write_by_uri(st, ST_ID_REMOVE, uri);
}

/* see store.h */
int
store_bind(struct store *st, const char *user_uri, const char *identity_uri,
    int64_t now)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s = NULL;
	sqlite3_int64		 user_id, count;
	int			 rc, status;

	if (st == NULL || !store_text_ok(user_uri, STORE_URI_MAX, false) ||
	    !store_text_ok(identity_uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = STORE_ERR_GENERAL;

	/* The user's id and how many identities it has already. */
	s = store_stmt(cn, ST_BIND_COUNT);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, user_uri);
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
	count = sqlite3_column_int64(s, 1);
	store_stmt_done(s);
	s = NULL;
	if (count >= STORE_BINDINGS_MAX) {
		status = STORE_ERR_LIMIT;
		goto fail;
	}

	s = store_stmt(cn, ST_BIND_ADD);
	if (s == NULL)
		goto fail;
	rc = sqlite3_bind_int64(s, 1, user_id);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 2, identity_uri);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_DONE) {
		status = store_status_of(rc);
		goto fail;
	}
	/* INSERT ... SELECT adds nothing when the identity is missing. */
	status = sqlite3_changes(cn->cn_db) == 0 ? STORE_ERR_NOTFOUND :
	    STORE_OK;
 fail:
	store_stmt_done(s);
	return store_write_end(st, cn, status);
}

/* see store.h */
int
store_unbind(struct store *st, const char *user_uri,
    const char *identity_uri)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	int			 rc, status;

	if (st == NULL || !store_text_ok(user_uri, STORE_URI_MAX, false) ||
	    !store_text_ok(identity_uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = STORE_ERR_GENERAL;
	s = store_stmt(cn, ST_BIND_REMOVE);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, user_uri);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 2, identity_uri);
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
store_is_bound(struct store *st, const char *user_uri,
    const char *identity_uri, bool *bound)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	int			 rc, status = STORE_ERR_GENERAL;

	if (bound == NULL)
		return STORE_ERR_ARGS;
	*bound = false;
	if (st == NULL || !store_text_ok(user_uri, STORE_URI_MAX, false) ||
	    !store_text_ok(identity_uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	cn = store_conn_get(st);
	s = store_stmt(cn, ST_BIND_CHECK);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, user_uri);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 2, identity_uri);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		status = store_status_of(rc);
		goto fail;
	}
	*bound = rc == SQLITE_ROW;
	status = STORE_OK;
 fail:
	store_stmt_done(s);
	store_conn_put(st, cn);
	return status;
}

/* see store.h */
int
store_bindings(struct store *st, const char *user_uri,
    struct store_identity *out, size_t max, size_t *n)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	size_t			 i = 0;
	int			 rc, status = STORE_ERR_GENERAL;

	if (st == NULL || out == NULL || n == NULL || max == 0 ||
	    max > INT32_MAX || !store_text_ok(user_uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	*n = 0;
	cn = store_conn_get(st);
	s = store_stmt(cn, ST_BIND_LIST);
	if (s == NULL)
		goto fail;
	/* Ask for one more than max to tell "exactly max" from "more". */
	rc = store_bind_text(s, 1, user_uri);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, (sqlite3_int64)max + 1);
	if (rc != SQLITE_OK) {
		status = store_status_of(rc);
		goto fail;
	}
	for (;;) {
		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW)
			break;
		if (i == max) {
			status = STORE_ERR_SPACE;
			goto fail;
		}
		identity_row(s, &out[i++]);
	}
	if (rc != SQLITE_DONE) {
		status = store_status_of(rc);
		goto fail;
	}
	*n = i;
	status = STORE_OK;
 fail:
	store_stmt_done(s);
	store_conn_put(st, cn);
	return status;
}
