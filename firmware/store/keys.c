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

/* The row of the current key of a user and kind. */
static int
key_current_row(void *arg, sqlite3_stmt *s, size_t i)
{
	struct store_key	*k = (struct store_key *)arg + i;

	key_row(s, k);
	k->sk_current = true;
	return STORE_OK;
}

/* A row of ST_KEY_LABEL: key_row's columns, then whether it is current. */
static int
key_label_row(void *arg, sqlite3_stmt *s, size_t i)
{
	struct store_key	*k = (struct store_key *)arg + i;

	key_row(s, k);
	k->sk_current = sqlite3_column_int(s, 5) != 0;
	return STORE_OK;
}

/* see store.h */
int
store_key_set(struct store *st, const char *user_uri,
    enum store_key_kind kind, uint64_t n, const char *label, int64_t now)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s = NULL;
	sqlite3_int64		 user_id;
	int			 status;

	if (st == NULL || !store_text_ok(user_uri, STORE_URI_MAX, false) ||
	    !key_kind_ok(kind) || n > INT64_MAX ||
	    !store_text_ok(label, STORE_LABEL_MAX, false))
		return STORE_ERR_ARGS;
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;

	/* The user, and the newest generation of this kind (NULL if none). */
	status = store_query(cn, ST_KEY_MAX, STORE_ARGS(STORE_TEXT(user_uri),
	    STORE_INT(kind)), &s);
	if (status != STORE_OK)
		goto fail;
	user_id = sqlite3_column_int64(s, 0);
	if (sqlite3_column_type(s, 1) != SQLITE_NULL &&
	    (uint64_t)sqlite3_column_int64(s, 1) >= n) {
		status = STORE_ERR_STALE;
		goto fail;
	}
	store_stmt_done(s);
	s = NULL;

	status = store_run(cn, ST_KEY_ADD, STORE_ARGS(STORE_INT(user_id),
	    STORE_INT(kind), STORE_INT(n), STORE_TEXT(label), STORE_INT(now)),
	    false);
 fail:
	store_stmt_done(s);
	return store_write_end(st, cn, status);
}

/* see store.h */
int
store_key_current(struct store *st, const char *user_uri,
    enum store_key_kind kind, struct store_key *out)
{
	if (st == NULL || out == NULL || !key_kind_ok(kind) ||
	    !store_text_ok(user_uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	return store_get(st, ST_KEY_CURRENT, STORE_ARGS(STORE_TEXT(user_uri),
	    STORE_INT(kind)), key_current_row, out);
}

/* see store.h */
int
store_key_by_label(struct store *st, const char *label,
    struct store_key *out)
{
	if (st == NULL || out == NULL ||
	    !store_text_ok(label, STORE_LABEL_MAX, false))
		return STORE_ERR_ARGS;
	return store_get(st, ST_KEY_LABEL, STORE_ARGS(STORE_TEXT(label)),
	    key_label_row, out);
}

/* see store.h */
int
store_revoke(struct store *st, const char *identity_uri, int64_t period_no,
    const char *reason, int64_t now)
{
	if (st == NULL || !store_text_ok(identity_uri, STORE_URI_MAX, false) ||
	    period_no < STORE_PERIOD_ALL ||
	    (reason != NULL && !store_text_ok(reason, STORE_REASON_MAX, true)))
		return STORE_ERR_ARGS;
	return store_write(st, ST_REV_ADD, STORE_ARGS(STORE_TEXT(identity_uri),
	    STORE_INT(period_no), STORE_TEXT(reason), STORE_INT(now)), false);
}

/* see store.h */
int
store_unrevoke(struct store *st, const char *identity_uri, int64_t period_no)
{
	if (st == NULL || !store_text_ok(identity_uri, STORE_URI_MAX, false) ||
	    period_no < STORE_PERIOD_ALL)
		return STORE_ERR_ARGS;
	return store_write(st, ST_REV_REMOVE,
	    STORE_ARGS(STORE_TEXT(identity_uri), STORE_INT(period_no)), true);
}

/* see store.h */
int
store_is_revoked(struct store *st, const char *identity_uri,
    int64_t period_no, bool *revoked)
{
	int	 status;

	if (revoked == NULL)
		return STORE_ERR_ARGS;
	*revoked = true;
	if (st == NULL || !store_text_ok(identity_uri, STORE_URI_MAX, false) ||
	    period_no < 0)
		return STORE_ERR_ARGS;
	status = store_get(st, ST_REV_CHECK,
	    STORE_ARGS(STORE_TEXT(identity_uri), STORE_INT(period_no)), NULL,
	    NULL);
	if (status == STORE_ERR_NOTFOUND) {
		*revoked = false;
		return STORE_OK;
	}
	return status;
}
