/*
 * audit.c - the append-only record of every key set released and every
 * request refused (see store.h).  Triggers in the schema refuse UPDATE and
 * DELETE on the table, so a record, once committed, stays as written.
 */
#include <string.h>

#include "store_local.h"

/* see store.h */
int
store_audit_add(struct store *st, const struct store_audit *r)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	int			 rc, status;

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
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = STORE_ERR_GENERAL;
	s = store_stmt(cn, ST_AUDIT_ADD);
	if (s == NULL)
		goto fail;
	rc = sqlite3_bind_int(s, 1, (int)r->sa_kind);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, r->sa_time);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 3, r->sa_subject);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 4, r->sa_identity);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 5, r->sa_period_no);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 6, r->sa_request_id);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 7, r->sa_token_id);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 8, r->sa_reason);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	status = store_done(rc);
 fail:
	store_stmt_done(s);
	return store_write_end(st, cn, status);
}

/* see store.h */
int
store_audit_read(struct store *st, int64_t after_id, struct store_audit *out,
    size_t max, size_t *n)
{
	struct store_conn	*cn;
	struct store_audit	*r;
	sqlite3_stmt		*s;
	size_t			 i = 0;
	int			 rc, status = STORE_ERR_GENERAL;

	if (st == NULL || out == NULL || n == NULL || max == 0 ||
	    max > INT32_MAX)
		return STORE_ERR_ARGS;
	*n = 0;
	cn = store_conn_get(st);
	s = store_stmt(cn, ST_AUDIT_READ);
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
		r = &out[i++];
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
