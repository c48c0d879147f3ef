/*
 * audit.c - the append-only record of every key set released and every
 * request refused (see store.h).  Triggers in the schema refuse UPDATE and
 * DELETE on the table, so a record, once committed, stays as written.
 */
#include <string.h>

#include "store_local.h"

/* Fill ((struct store_audit *)arg)[i] from a row of ST_AUDIT_READ. */
static int
audit_row(void *arg, sqlite3_stmt *s, size_t i)
{
	struct store_audit	*r = (struct store_audit *)arg + i;

	memset(r, 0, sizeof(*r));
	r->sa_id = sqlite3_column_int64(s, 0);
	r->sa_kind = (enum store_audit_kind)sqlite3_column_int(s, 1);
	r->sa_time = sqlite3_column_int64(s, 2);
	store_copy(r->sa_subject, sizeof(r->sa_subject),
	    sqlite3_column_text(s, 3));
	store_copy(r->sa_identity, sizeof(r->sa_identity),
	    sqlite3_column_text(s, 4));
	r->sa_period_no = sqlite3_column_int64(s, 5);
	store_copy(r->sa_request_id, sizeof(r->sa_request_id),
	    sqlite3_column_text(s, 6));
	store_copy(r->sa_token_id, sizeof(r->sa_token_id),
	    sqlite3_column_text(s, 7));
	store_copy(r->sa_reason, sizeof(r->sa_reason),
	    sqlite3_column_text(s, 8));
	return STORE_OK;
}

/* see store.h */
int
store_audit_add(struct store *st, const struct store_audit *r)
{
	if (st == NULL || r == NULL ||
	    (r->sa_kind != STORE_AUDIT_ISSUED &&
	    r->sa_kind != STORE_AUDIT_REFUSED) ||
	    r->sa_period_no < -1 ||
	    !store_text_ok(r->sa_subject, STORE_URI_MAX, true) ||
	    !store_text_ok(r->sa_identity, STORE_URI_MAX, true) ||
	    !store_text_ok(r->sa_request_id, STORE_REQID_MAX, true) ||
	    !store_text_ok(r->sa_token_id, STORE_TOKID_MAX, true) ||
	    !store_text_ok(r->sa_reason, STORE_REASON_MAX, true))
		return STORE_ERR_ARGS;
	return store_write(st, ST_AUDIT_ADD, STORE_ARGS(STORE_INT(r->sa_kind),
	    STORE_INT(r->sa_time), STORE_TEXT(r->sa_subject),
	    STORE_TEXT(r->sa_identity), STORE_INT(r->sa_period_no),
	    STORE_TEXT(r->sa_request_id), STORE_TEXT(r->sa_token_id),
	    STORE_TEXT(r->sa_reason)), false);
}

/* see store.h */
int
store_audit_read(struct store *st, int64_t after_id, struct store_audit *out,
    size_t max, size_t *n)
{
	if (st == NULL || out == NULL || n == NULL || max == 0 ||
	    max > INT32_MAX)
		return STORE_ERR_ARGS;
	*n = 0;
	return store_list(st, ST_AUDIT_READ, STORE_ARGS(STORE_INT(after_id),
	    STORE_INT(max)), max, audit_row, out, n);
}
