/*
 * users.c - users, identities and the bindings between them (see store.h).
 */
#include <string.h>

#include "store_local.h"

/* Fill ((struct store_user *)arg)[i] from a row: id, uri, name, created,
   revoked. */
static int
user_row(void *arg, sqlite3_stmt *s, size_t i)
{
	struct store_user	*u = (struct store_user *)arg + i;

	u->su_id = sqlite3_column_int64(s, 0);
	store_copy(u->su_uri, sizeof(u->su_uri), sqlite3_column_text(s, 1));
	store_copy(u->su_name, sizeof(u->su_name), sqlite3_column_text(s, 2));
	u->su_created = sqlite3_column_int64(s, 3);
	u->su_revoked = sqlite3_column_int(s, 4) != 0;
	return STORE_OK;
}

/* Fill ((struct store_identity *)arg)[i] from a row: id, uri, kind,
   created. */
static int
identity_row(void *arg, sqlite3_stmt *s, size_t i)
{
	struct store_identity	*id = (struct store_identity *)arg + i;

	id->si_id = sqlite3_column_int64(s, 0);
	store_copy(id->si_uri, sizeof(id->si_uri), sqlite3_column_text(s, 1));
	id->si_kind = (enum store_id_kind)sqlite3_column_int(s, 2);
	id->si_created = sqlite3_column_int64(s, 3);
	return STORE_OK;
}

/* see store.h */
int
store_user_add(struct store *st, const char *uri, const char *name,
    int64_t now)
{
	if (st == NULL || !store_text_ok(uri, STORE_URI_MAX, false) ||
	    (name != NULL && !store_text_ok(name, STORE_NAME_MAX, true)))
		return STORE_ERR_ARGS;
	return store_write(st, ST_USER_ADD, STORE_ARGS(STORE_TEXT(uri),
	    STORE_TEXT(name), STORE_INT(now)), false);
}

/* see store.h */
int
store_user_get(struct store *st, const char *uri, struct store_user *out)
{
	if (st == NULL || out == NULL ||
	    !store_text_ok(uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	return store_get(st, ST_USER_GET, STORE_ARGS(STORE_TEXT(uri)),
	    user_row, out);
}

/* see store.h */
int
store_user_revoke(struct store *st, const char *uri, bool revoked)
{
	if (st == NULL || !store_text_ok(uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	return store_write(st, ST_USER_REVOKE, STORE_ARGS(STORE_TEXT(uri),
	    STORE_INT(revoked ? 1 : 0)), true);
}

/* see store.h */
int
store_user_remove(struct store *st, const char *uri)
{
	if (st == NULL || !store_text_ok(uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	return store_write(st, ST_USER_REMOVE, STORE_ARGS(STORE_TEXT(uri)),
	    true);
}

/* see store.h */
int
store_user_list(struct store *st, int64_t after_id, struct store_user *out,
    size_t max, size_t *n)
{
	if (st == NULL || out == NULL || n == NULL || max == 0 ||
	    max > INT32_MAX)
		return STORE_ERR_ARGS;
	*n = 0;
	return store_list(st, ST_USER_LIST, STORE_ARGS(STORE_INT(after_id),
	    STORE_INT(max)), max, user_row, out, n);
}

/* see store.h */
int
store_identity_add(struct store *st, const char *uri,
    enum store_id_kind kind, int64_t now)
{
	if (st == NULL || !store_text_ok(uri, STORE_URI_MAX, false) ||
	    (kind != STORE_ID_USER && kind != STORE_ID_PSEUDONYM &&
	    kind != STORE_ID_GROUP))
		return STORE_ERR_ARGS;
	return store_write(st, ST_ID_ADD, STORE_ARGS(STORE_TEXT(uri),
	    STORE_INT(kind), STORE_INT(now)), false);
}

/* see store.h */
int
store_identity_get(struct store *st, const char *uri,
    struct store_identity *out)
{
	if (st == NULL || out == NULL ||
	    !store_text_ok(uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	return store_get(st, ST_ID_GET, STORE_ARGS(STORE_TEXT(uri)),
	    identity_row, out);
}

/* see store.h */
int
store_identity_remove(struct store *st, const char *uri)
{
	if (st == NULL || !store_text_ok(uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	return store_write(st, ST_ID_REMOVE, STORE_ARGS(STORE_TEXT(uri)),
	    true);
}

/* see store.h */
int
store_bind(struct store *st, const char *user_uri, const char *identity_uri,
    int64_t now)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s = NULL;
	sqlite3_int64		 user_id, count;
	int			 status;

	if (st == NULL || !store_text_ok(user_uri, STORE_URI_MAX, false) ||
	    !store_text_ok(identity_uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;

	/* The user's id and how many identities it has already. */
	status = store_query(cn, ST_BIND_COUNT,
	    STORE_ARGS(STORE_TEXT(user_uri)), &s);
	if (status != STORE_OK)
		goto fail;
	user_id = sqlite3_column_int64(s, 0);
	count = sqlite3_column_int64(s, 1);
	store_stmt_done(s);
	s = NULL;
	if (count >= STORE_BINDINGS_MAX) {
		status = STORE_ERR_LIMIT;
		goto fail;
	}

	/* INSERT ... SELECT adds nothing when the identity is missing. */
	status = store_run(cn, ST_BIND_ADD, STORE_ARGS(STORE_INT(user_id),
	    STORE_TEXT(identity_uri), STORE_INT(now)), true);
 fail:
	store_stmt_done(s);
	return store_write_end(st, cn, status);
}

/* see store.h */
int
store_unbind(struct store *st, const char *user_uri,
    const char *identity_uri)
{
	if (st == NULL || !store_text_ok(user_uri, STORE_URI_MAX, false) ||
	    !store_text_ok(identity_uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	return store_write(st, ST_BIND_REMOVE, STORE_ARGS(STORE_TEXT(user_uri),
	    STORE_TEXT(identity_uri)), true);
}

/* see store.h */
int
store_is_bound(struct store *st, const char *user_uri,
    const char *identity_uri, bool *bound)
{
	int	 status;

	if (bound == NULL)
		return STORE_ERR_ARGS;
	*bound = false;
	if (st == NULL || !store_text_ok(user_uri, STORE_URI_MAX, false) ||
	    !store_text_ok(identity_uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	status = store_get(st, ST_BIND_CHECK, STORE_ARGS(STORE_TEXT(user_uri),
	    STORE_TEXT(identity_uri)), NULL, NULL);
	if (status == STORE_ERR_NOTFOUND)
		return STORE_OK;
	if (status == STORE_OK)
		*bound = true;
	return status;
}

/* see store.h */
int
store_bindings(struct store *st, const char *user_uri,
    struct store_identity *out, size_t max, size_t *n)
{
	if (st == NULL || out == NULL || n == NULL || max == 0 ||
	    max > INT32_MAX || !store_text_ok(user_uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	*n = 0;
	/* Ask for one more than max to tell "exactly max" from "more". */
	return store_list(st, ST_BIND_LIST, STORE_ARGS(STORE_TEXT(user_uri),
	    STORE_INT((sqlite3_int64)max + 1)), max, identity_row, out, n);
}
