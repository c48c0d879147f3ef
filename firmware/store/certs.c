/*
 * certs.c - external KMS certificates and the certificate cache version
 * (see store.h).  Every change of the certificate set bumps the version in
 * the same transaction; a trigger in the schema refuses any update that
 * would not make it grow.
 */
#include <string.h>

#include "store_local.h"

/* Bump the cache version inside the caller's write transaction. */
static int
cache_bump(struct store_conn *cn, uint64_t *version)
{
	sqlite3_stmt	*s;
	int		 rc, status = STORE_ERR_GENERAL;

	s = store_stmt(cn, ST_CACHE_BUMP);
	if (s == NULL)
		goto fail;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		status = store_status_of(rc);
		goto fail;
	}
	if (version != NULL)
		*version = (uint64_t)sqlite3_column_int64(s, 0);
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE) {
		status = store_status_of(rc);
		goto fail;
	}
	status = STORE_OK;
 fail:
	store_stmt_done(s);
	return status;
}

/* see store.h */
int
store_cert_put(struct store *st, const char *cert_uri, const char *kms_uri,
    const char *xml, int64_t now, uint64_t *version)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s = NULL;
	size_t			 len;
	int			 rc, status;

	if (st == NULL || xml == NULL ||
	    !store_text_ok(cert_uri, STORE_URI_MAX, false) ||
	    !store_text_ok(kms_uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	len = strnlen(xml, STORE_CERT_XML_MAX + 1);
	if (len == 0 || len > STORE_CERT_XML_MAX)
		return STORE_ERR_ARGS;
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = STORE_ERR_GENERAL;

	/* A new CertUri must fit under STORE_CERTS_MAX; a replace does. */
	s = store_stmt(cn, ST_CERT_COUNT);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, cert_uri);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		status = store_status_of(rc);
		goto fail;
	}
	if (sqlite3_column_int64(s, 1) == 0 &&
	    sqlite3_column_int64(s, 0) >= STORE_CERTS_MAX) {
		status = STORE_ERR_LIMIT;
		goto fail;
	}
	store_stmt_done(s);
	s = NULL;

	s = store_stmt(cn, ST_CERT_PUT);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, cert_uri);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 2, kms_uri);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 3, xml, (int)len, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 4, now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	status = store_done(rc);
	if (status != STORE_OK)
		goto fail;
	status = cache_bump(cn, version);
 fail:
	store_stmt_done(s);
	return store_write_end(st, cn, status);
}

/* see store.h */
int
store_cert_remove(struct store *st, const char *cert_uri, uint64_t *version)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	int			 rc, status;

	if (st == NULL || !store_text_ok(cert_uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = STORE_ERR_GENERAL;
	s = store_stmt(cn, ST_CERT_REMOVE);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, cert_uri);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_DONE) {
		status = store_status_of(rc);
		goto fail;
	}
	if (sqlite3_changes(cn->cn_db) == 0) {
		status = STORE_ERR_NOTFOUND;
		goto fail;
	}
	status = cache_bump(cn, version);
 fail:
	store_stmt_done(s);
	return store_write_end(st, cn, status);
}

/* see store.h */
int
store_cert_get(struct store *st, const char *cert_uri, struct buf *xml,
    char *kms_uri)
{
	struct store_conn	*cn;
	sqlite3_stmt		*s;
	const void		*text;
	int			 rc, len, status = STORE_ERR_GENERAL;

	if (st == NULL || xml == NULL ||
	    !store_text_ok(cert_uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	buf_reset(xml);
	cn = store_conn_get(st);
	s = store_stmt(cn, ST_CERT_GET);
	if (s == NULL)
		goto fail;
	rc = store_bind_text(s, 1, cert_uri);
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
	text = sqlite3_column_text(s, 1);
	len = sqlite3_column_bytes(s, 1);
	if (text == NULL || len < 0) {
		status = STORE_ERR_MEMORY;
		goto fail;
	}
	if (buf_add(xml, text, (size_t)len) != 0) {
		status = STORE_ERR_SPACE;
		goto fail;
	}
	if (kms_uri != NULL)
		store_copy(kms_uri, STORE_URI_MAX + 1,
		    sqlite3_column_text(s, 0));
	status = STORE_OK;
 fail:
	store_stmt_done(s);
	store_conn_put(st, cn);
	return status;
}

/* Read the cache version on cn. */
static int
cache_get(struct store_conn *cn, uint64_t *version)
{
	sqlite3_stmt	*s;
	int		 rc, status = STORE_ERR_GENERAL;

	s = store_stmt(cn, ST_CACHE_GET);
	if (s == NULL)
		goto fail;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		status = rc == SQLITE_DONE ? STORE_ERR_CORRUPT :
		    store_status_of(rc);
		goto fail;
	}
	*version = (uint64_t)sqlite3_column_int64(s, 0);
	status = STORE_OK;
 fail:
	store_stmt_done(s);
	return status;
}

/* see store.h */
int
store_cache_version(struct store *st, uint64_t *version)
{
	struct store_conn	*cn;
	int			 status;

	if (st == NULL || version == NULL)
		return STORE_ERR_ARGS;
	cn = store_conn_get(st);
	status = cache_get(cn, version);
	store_conn_put(st, cn);
	return status;
}

/* see store.h */
int
store_cert_foreach(struct store *st, uint64_t *version, store_cert_fn *fn,
    void *arg)
{
	struct store_conn	*cn;
	struct store_cert	 c;
	sqlite3_stmt		*s = NULL;
	int			 rc, status;

	if (st == NULL || version == NULL || fn == NULL)
		return STORE_ERR_ARGS;
	status = store_read_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = cache_get(cn, version);
	if (status != STORE_OK)
		goto fail;
	status = STORE_ERR_GENERAL;
	s = store_stmt(cn, ST_CERT_ALL);
	if (s == NULL)
		goto fail;
	for (;;) {
		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW)
			break;
		memset(&c, 0, sizeof(c));
		store_copy(c.sc_cert_uri, sizeof(c.sc_cert_uri),
		    sqlite3_column_text(s, 0));
		store_copy(c.sc_kms_uri, sizeof(c.sc_kms_uri),
		    sqlite3_column_text(s, 1));
		c.sc_xml = (const char *)sqlite3_column_text(s, 2);
		c.sc_xml_len = (size_t)sqlite3_column_bytes(s, 2);
		c.sc_added = sqlite3_column_int64(s, 3);
		if (c.sc_xml == NULL) {
			status = STORE_ERR_MEMORY;
			goto fail;
		}
		status = fn(arg, &c);
		if (status != 0)
			goto fail;
	}
	if (rc != SQLITE_DONE) {
		status = store_status_of(rc);
		goto fail;
	}
	status = STORE_OK;
 fail:
	store_stmt_done(s);
	store_read_end(st, cn);
	return status;
}
