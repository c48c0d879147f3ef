/*
 * certs.c - external KMS certificates, the certificate cache version, and
 * the generations of the KMS's own certificate (see store.h).  Every
 * change of the external set bumps the version in the same transaction;
 * a trigger in the schema refuses any update that would not make it
 * grow.
 */
#include <string.h>

#include "store_local.h"

/*
 * Bump the cache version inside the caller's write transaction.  A missing
 * cache row is STORE_ERR_CORRUPT, as in cache_get.
 */
static int
cache_bump(struct store_conn *cn, uint64_t *version)
{
	sqlite3_stmt	*s;
	int		 status;

	status = store_query(cn, ST_CACHE_BUMP, NULL, 0, &s);
	if (status == STORE_OK) {
		if (version != NULL)
			*version = (uint64_t)sqlite3_column_int64(s, 0);
		status = store_done(sqlite3_step(s));
	} else if (status == STORE_ERR_NOTFOUND)
		status = STORE_ERR_CORRUPT;
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
	int			 status;

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

	/* A new CertUri must fit under STORE_CERTS_MAX; a replace does. */
	status = store_query(cn, ST_CERT_COUNT,
	    STORE_ARGS(STORE_TEXT(cert_uri)), &s);
	if (status != STORE_OK)
		goto fail;
	if (sqlite3_column_int64(s, 1) == 0 &&
	    sqlite3_column_int64(s, 0) >= STORE_CERTS_MAX) {
		status = STORE_ERR_LIMIT;
		goto fail;
	}
	store_stmt_done(s);
	s = NULL;

	status = store_run(cn, ST_CERT_PUT, STORE_ARGS(STORE_TEXT(cert_uri),
	    STORE_TEXT(kms_uri), STORE_TEXTN(xml, len), STORE_INT(now)), false);
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
	int			 status;

	if (st == NULL || !store_text_ok(cert_uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = store_run(cn, ST_CERT_REMOVE, STORE_ARGS(STORE_TEXT(cert_uri)),
	    true);
	if (status == STORE_OK)
		status = cache_bump(cn, version);
	return store_write_end(st, cn, status);
}

/* Where store_cert_get puts the row. */
struct cert_out {
	struct buf	*co_xml;
	char		*co_kms_uri;
};

/* The row of ST_CERT_GET (kms_uri, xml) into a struct cert_out. */
static int
cert_get_row(void *arg, sqlite3_stmt *s, size_t i)
{
	struct cert_out	*co = arg;
	const void	*text;
	int		 len;

	(void)i;
	text = sqlite3_column_text(s, 1);
	len = sqlite3_column_bytes(s, 1);
	if (text == NULL || len < 0)
		return STORE_ERR_MEMORY;
	if (buf_add(co->co_xml, text, (size_t)len) != 0)
		return STORE_ERR_SPACE;
	if (co->co_kms_uri != NULL)
		store_copy(co->co_kms_uri, STORE_URI_MAX + 1,
		    sqlite3_column_text(s, 0));
	return STORE_OK;
}

/* see store.h */
int
store_cert_get(struct store *st, const char *cert_uri, struct buf *xml,
    char *kms_uri)
{
	struct cert_out	 co = { xml, kms_uri };

	if (st == NULL || xml == NULL ||
	    !store_text_ok(cert_uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	buf_reset(xml);
	return store_get(st, ST_CERT_GET, STORE_ARGS(STORE_TEXT(cert_uri)),
	    cert_get_row, &co);
}

/* Read the cache version on cn. */
static int
cache_get(struct store_conn *cn, uint64_t *version)
{
	sqlite3_stmt	*s;
	int		 status;

	status = store_query(cn, ST_CACHE_GET, NULL, 0, &s);
	if (status == STORE_OK)
		*version = (uint64_t)sqlite3_column_int64(s, 0);
	else if (status == STORE_ERR_NOTFOUND)
		status = STORE_ERR_CORRUPT;
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

/* The caller's callback of store_cert_foreach. */
struct cert_walk {
	store_cert_fn	*cw_fn;
	void		*cw_arg;
};

/* A row of ST_CERT_ALL, given to the caller's callback. */
static int
cert_all_row(void *arg, sqlite3_stmt *s, size_t i)
{
	struct cert_walk	*cw = arg;
	struct store_cert	 c;

	(void)i;
	memset(&c, 0, sizeof(c));
	store_copy(c.sc_cert_uri, sizeof(c.sc_cert_uri),
	    sqlite3_column_text(s, 0));
	store_copy(c.sc_kms_uri, sizeof(c.sc_kms_uri),
	    sqlite3_column_text(s, 1));
	c.sc_xml = (const char *)sqlite3_column_text(s, 2);
	c.sc_xml_len = (size_t)sqlite3_column_bytes(s, 2);
	c.sc_added = sqlite3_column_int64(s, 3);
	if (c.sc_xml == NULL)
		return STORE_ERR_MEMORY;
	return cw->cw_fn(cw->cw_arg, &c);
}

/* see store.h */
int
store_cert_foreach(struct store *st, uint64_t *version, store_cert_fn *fn,
    void *arg)
{
	struct store_conn	*cn;
	struct cert_walk	 cw = { fn, arg };
	int			 status;

	if (st == NULL || version == NULL || fn == NULL)
		return STORE_ERR_ARGS;
	status = store_read_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = cache_get(cn, version);
	if (status == STORE_OK)
		status = store_rows(cn, ST_CERT_ALL, NULL, 0, SIZE_MAX,
		    cert_all_row, &cw, NULL);
	store_read_end(st, cn);
	return status;
}

/* see store.h */
int
store_gen_add(struct store *st, const struct store_gen *g)
{
	struct store_conn	*cn;
	int			 status;

	if (st == NULL || g == NULL || g->sg_gen < 2 ||
	    g->sg_valid_to <= g->sg_serves_from ||
	    g->sg_created > g->sg_serves_from ||
	    !store_text_ok(g->sg_cert_uri, STORE_URI_MAX, false))
		return STORE_ERR_ARGS;
	if (g->sg_gen > STORE_GENS_MAX)
		return STORE_ERR_LIMIT;
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = store_run(cn, ST_GEN_ADD, STORE_ARGS(STORE_INT(g->sg_gen),
	    STORE_TEXT(g->sg_cert_uri), STORE_INT(g->sg_serves_from),
	    STORE_INT(g->sg_valid_to), STORE_INT(g->sg_created)), false);
	return store_write_end(st, cn, status);
}

/* The row of ST_ISSUED_MAX. */
static int
issued_max_row(void *arg, sqlite3_stmt *s, size_t i)
{
	(void)i;
	*(int64_t *)arg = sqlite3_column_int64(s, 0);
	return STORE_OK;
}

/* see store.h */
int
store_issued_max(struct store *st, int64_t *period_no)
{
	if (st == NULL || period_no == NULL)
		return STORE_ERR_ARGS;
	*period_no = -1;
	return store_get(st, ST_ISSUED_MAX, NULL, 0, issued_max_row,
	    period_no);
}

/* The caller's callback of store_gen_foreach. */
struct gen_walk {
	store_gen_fn	*gw_fn;
	void		*gw_arg;
};

/* A row of ST_GEN_ALL, given to the caller's callback. */
static int
gen_all_row(void *arg, sqlite3_stmt *s, size_t i)
{
	struct gen_walk		*gw = arg;
	struct store_gen	 g;
	sqlite3_int64		 n;

	(void)i;
	memset(&g, 0, sizeof(g));
	n = sqlite3_column_int64(s, 0);
	if (n < 2 || n > STORE_GENS_MAX)
		return STORE_ERR_CORRUPT;
	g.sg_gen = (unsigned)n;
	store_copy(g.sg_cert_uri, sizeof(g.sg_cert_uri),
	    sqlite3_column_text(s, 1));
	g.sg_serves_from = sqlite3_column_int64(s, 2);
	g.sg_valid_to = sqlite3_column_int64(s, 3);
	g.sg_created = sqlite3_column_int64(s, 4);
	return gw->gw_fn(gw->gw_arg, &g);
}

/* see store.h */
int
store_gen_foreach(struct store *st, store_gen_fn *fn, void *arg)
{
	struct store_conn	*cn;
	struct gen_walk		 gw = { fn, arg };
	int			 status;

	if (st == NULL || fn == NULL)
		return STORE_ERR_ARGS;
	status = store_read_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = store_rows(cn, ST_GEN_ALL, NULL, 0, SIZE_MAX, gen_all_row,
	    &gw, NULL);
	store_read_end(st, cn);
	return status;
}
