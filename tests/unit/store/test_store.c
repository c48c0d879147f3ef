/*
 * test_store.c - unit tests of firmware/store: records and their refusals,
 * bindings, key names, revocations, certificates and the cache version
 * (across reopen), the audit trail, schema migrations (older migrated,
 * newer refused), four concurrent writers, and a child killed with SIGKILL
 * in the middle of a write loop.
 *
 * Usage: test_store [test-name]
 *        test_store bench    (prints pool-size figures; not a ctest)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"

#define T_NOW		1767225600	/* 2026-01-01T00:00:00Z */
#define T_THREADS	4
#define T_PER_THREAD	40
#define T_CRASH_ROUNDS	3
#define T_CRASH_ACKS	40	/* commits seen before the kill */

/* A fresh data directory for one test. */
static void
tmp_dir(char *dir, size_t size)
{
	snprintf(dir, size, "%s/kms-store-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
}

/* Remove the data directory and what the store left in it. */
static void
rm_dir(const char *dir)
{
	static const char *const names[] = {
		"kms.db", "kms.db-wal", "kms.db-shm", "kms.db-journal"
	};
	char	 p[512];
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	assert_int_equal(rmdir(dir), 0);
}

static struct store *
open_at(const char *dir, unsigned conns, unsigned version)
{
	struct store_conf	 c = { 0 };
	struct store		*st = NULL;

	c.sc_data_dir = dir;
	c.sc_conns = conns;
	c.sc_version = version;
	assert_int_equal(store_open(&c, &st), STORE_OK);
	assert_non_null(st);
	return st;
}

/* Run one SQL statement on the raw database; returns the sqlite code. */
static int
raw_exec(const char *dir, const char *sql)
{
	sqlite3	*db;
	char	 p[512];
	int	 rc;

	snprintf(p, sizeof(p), "%s/kms.db", dir);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* The integer the raw database answers to sql (one row, one column). */
static int64_t
raw_int(const char *dir, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*s;
	char		 p[512];
	int64_t		 v;

	snprintf(p, sizeof(p), "%s/kms.db", dir);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* Users: add, get, duplicate, revoke, list, remove; file mode 0600. */
static void
test_users(void **state)
{
	struct store_user	 u, list[2];
	struct store		*st;
	struct stat		 sb;
	char			 dir[256], p[512];
	size_t			 n;

	tmp_dir(dir, sizeof(dir));
	st = open_at(dir, 0, 0);
	snprintf(p, sizeof(p), "%s/kms.db", dir);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(raw_int(dir, "SELECT journal_mode = 'wal' FROM "
	    "pragma_journal_mode"), 1);

	assert_int_equal(store_user_add(st, "sip:alice@example.org", "Alice",
	    T_NOW), STORE_OK);
	assert_int_equal(store_user_add(st, "sip:bob@example.org", NULL,
	    T_NOW + 1), STORE_OK);
	assert_int_equal(store_user_add(st, "sip:alice@example.org", NULL,
	    T_NOW), STORE_ERR_EXISTS);
	assert_int_equal(store_user_get(st, "sip:alice@example.org", &u),
	    STORE_OK);
	assert_string_equal(u.su_uri, "sip:alice@example.org");
	assert_string_equal(u.su_name, "Alice");
	assert_int_equal(u.su_created, T_NOW);
	assert_false(u.su_revoked);
	assert_int_equal(store_user_get(st, "sip:bob@example.org", &u),
	    STORE_OK);
	assert_string_equal(u.su_name, "");
	assert_int_equal(store_user_get(st, "sip:carol@example.org", &u),
	    STORE_ERR_NOTFOUND);

	assert_int_equal(store_user_revoke(st, "sip:bob@example.org", true),
	    STORE_OK);
	assert_int_equal(store_user_get(st, "sip:bob@example.org", &u),
	    STORE_OK);
	assert_true(u.su_revoked);
	assert_int_equal(store_user_revoke(st, "sip:carol@example.org", true),
	    STORE_ERR_NOTFOUND);

	/* A cursor walk in id order, one at a time. */
	assert_int_equal(store_user_list(st, 0, list, 1, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].su_uri, "sip:alice@example.org");
	assert_int_equal(store_user_list(st, list[0].su_id, list, 2, &n),
	    STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].su_uri, "sip:bob@example.org");
	assert_int_equal(store_user_list(st, list[0].su_id, list, 2, &n),
	    STORE_OK);
	assert_int_equal(n, 0);

	assert_int_equal(store_user_remove(st, "sip:bob@example.org"),
	    STORE_OK);
	assert_int_equal(store_user_remove(st, "sip:bob@example.org"),
	    STORE_ERR_NOTFOUND);
	assert_int_equal(store_integrity_check(st), STORE_OK);
	store_close(st);
	rm_dir(dir);
}

/* Bad input is refused before SQLite sees it. */
static void
test_args(void **state)
{
	struct store_conf	 c = { 0 };
	struct store_audit	 a = { 0 };
	struct store		*st;
	char			 dir[256], *big;
	bool			 b;

	tmp_dir(dir, sizeof(dir));
	assert_int_equal(store_open(NULL, &st), STORE_ERR_ARGS);
	c.sc_data_dir = "/nonexistent/kms";
	assert_int_equal(store_open(&c, &st), STORE_ERR_ARGS);
	c.sc_data_dir = dir;
	c.sc_conns = STORE_CONNS_MAX + 1;
	assert_int_equal(store_open(&c, &st), STORE_ERR_ARGS);
	c.sc_conns = 0;
	c.sc_version = STORE_SCHEMA_VERSION + 1;
	assert_int_equal(store_open(&c, &st), STORE_ERR_ARGS);
	st = open_at(dir, 1, 0);

	big = malloc(STORE_URI_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', STORE_URI_MAX + 1);
	big[STORE_URI_MAX + 1] = '\0';
	assert_int_equal(store_user_add(st, big, NULL, T_NOW),
	    STORE_ERR_ARGS);
	big[STORE_URI_MAX] = '\0';	/* exactly the limit is fine */
	assert_int_equal(store_user_add(st, big, NULL, T_NOW), STORE_OK);
	free(big);
	assert_int_equal(store_user_add(st, "", NULL, T_NOW), STORE_ERR_ARGS);
	assert_int_equal(store_user_add(st, NULL, NULL, T_NOW),
	    STORE_ERR_ARGS);
	assert_int_equal(store_user_add(st, "sip:a\nb@x", NULL, T_NOW),
	    STORE_ERR_ARGS);
	assert_int_equal(store_user_add(st, "sip:a@x", "A\x7f", T_NOW),
	    STORE_ERR_ARGS);
	assert_int_equal(store_identity_add(st, "sip:g@x", 7, T_NOW),
	    STORE_ERR_ARGS);
	assert_int_equal(store_key_set(st, "sip:a@x", 3, 1, "l", T_NOW),
	    STORE_ERR_ARGS);
	assert_int_equal(store_revoke(st, "sip:a@x", -2, NULL, T_NOW),
	    STORE_ERR_ARGS);
	/* Predicates fail closed on bad input. */
	assert_int_equal(store_is_bound(st, "", "sip:g@x", &b),
	    STORE_ERR_ARGS);
	assert_false(b);
	assert_int_equal(store_is_revoked(st, "sip:a@x", -1, &b),
	    STORE_ERR_ARGS);
	assert_true(b);
	a.sa_kind = STORE_AUDIT_ISSUED;
	a.sa_period_no = 1;
	snprintf(a.sa_reason, sizeof(a.sa_reason), "bad\ttab");
	assert_int_equal(store_audit_add(st, &a), STORE_ERR_ARGS);
	a.sa_reason[0] = '\0';
	a.sa_kind = 9;
	assert_int_equal(store_audit_add(st, &a), STORE_ERR_ARGS);
	assert_int_equal(store_cert_put(st, "c", "k", "", T_NOW, NULL),
	    STORE_ERR_ARGS);
	store_close(st);
	store_close(NULL);
	rm_dir(dir);
}

/* Identities, bindings, the per-user limit and cascades. */
static void
test_bindings(void **state)
{
	struct store_identity	 ids[STORE_BINDINGS_MAX + 1], id;
	struct store		*st;
	char			 dir[256], uri[64];
	size_t			 n, i;
	bool			 b;

	tmp_dir(dir, sizeof(dir));
	st = open_at(dir, 2, 0);
	assert_int_equal(store_user_add(st, "sip:alice@example.org", NULL,
	    T_NOW), STORE_OK);
	assert_int_equal(store_user_add(st, "sip:gms@example.org", NULL,
	    T_NOW), STORE_OK);
	assert_int_equal(store_identity_add(st, "sip:alias7@example.org",
	    STORE_ID_PSEUDONYM, T_NOW), STORE_OK);
	assert_int_equal(store_identity_add(st, "sip:group1@example.org",
	    STORE_ID_GROUP, T_NOW), STORE_OK);
	assert_int_equal(store_identity_add(st, "sip:group2@example.org",
	    STORE_ID_GROUP, T_NOW), STORE_OK);
	assert_int_equal(store_identity_add(st, "sip:group1@example.org",
	    STORE_ID_GROUP, T_NOW), STORE_ERR_EXISTS);
	assert_int_equal(store_identity_get(st, "sip:group1@example.org",
	    &id), STORE_OK);
	assert_int_equal(id.si_kind, STORE_ID_GROUP);
	assert_int_equal(store_identity_get(st, "sip:nope@example.org", &id),
	    STORE_ERR_NOTFOUND);

	assert_int_equal(store_bind(st, "sip:alice@example.org",
	    "sip:alias7@example.org", T_NOW), STORE_OK);
	assert_int_equal(store_bind(st, "sip:gms@example.org",
	    "sip:group1@example.org", T_NOW), STORE_OK);
	assert_int_equal(store_bind(st, "sip:gms@example.org",
	    "sip:group1@example.org", T_NOW), STORE_ERR_EXISTS);
	assert_int_equal(store_bind(st, "sip:nobody@example.org",
	    "sip:group1@example.org", T_NOW), STORE_ERR_NOTFOUND);
	assert_int_equal(store_bind(st, "sip:gms@example.org",
	    "sip:nogroup@example.org", T_NOW), STORE_ERR_NOTFOUND);

	assert_int_equal(store_is_bound(st, "sip:gms@example.org",
	    "sip:group1@example.org", &b), STORE_OK);
	assert_true(b);
	assert_int_equal(store_is_bound(st, "sip:gms@example.org",
	    "sip:group2@example.org", &b), STORE_OK);
	assert_false(b);
	assert_int_equal(store_is_bound(st, "sip:alice@example.org",
	    "sip:group1@example.org", &b), STORE_OK);
	assert_false(b);
	assert_int_equal(store_is_bound(st, "sip:nobody@example.org",
	    "sip:group1@example.org", &b), STORE_OK);
	assert_false(b);

	assert_int_equal(store_bindings(st, "sip:alice@example.org", ids,
	    STORE_BINDINGS_MAX, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0].si_uri, "sip:alias7@example.org");
	assert_int_equal(ids[0].si_kind, STORE_ID_PSEUDONYM);

	/* Up to STORE_BINDINGS_MAX identities per user, then refused. */
	for (i = 1; i < STORE_BINDINGS_MAX; i++) {
		snprintf(uri, sizeof(uri), "sip:g%zu@example.org", i);
		assert_int_equal(store_identity_add(st, uri, STORE_ID_GROUP,
		    T_NOW), STORE_OK);
		assert_int_equal(store_bind(st, "sip:gms@example.org", uri,
		    T_NOW), STORE_OK);
	}
	assert_int_equal(store_bind(st, "sip:gms@example.org",
	    "sip:group2@example.org", T_NOW), STORE_ERR_LIMIT);
	assert_int_equal(store_bindings(st, "sip:gms@example.org", ids,
	    STORE_BINDINGS_MAX, &n), STORE_OK);
	assert_int_equal(n, STORE_BINDINGS_MAX);
	assert_string_equal(ids[0].si_uri, "sip:group1@example.org");
	assert_int_equal(store_bindings(st, "sip:gms@example.org", ids, 3,
	    &n), STORE_ERR_SPACE);

	/* Unbind; removing an identity or a user removes its bindings. */
	assert_int_equal(store_unbind(st, "sip:gms@example.org",
	    "sip:group1@example.org"), STORE_OK);
	assert_int_equal(store_unbind(st, "sip:gms@example.org",
	    "sip:group1@example.org"), STORE_ERR_NOTFOUND);
	assert_int_equal(store_identity_remove(st, "sip:g1@example.org"),
	    STORE_OK);
	assert_int_equal(store_bindings(st, "sip:gms@example.org", ids,
	    STORE_BINDINGS_MAX, &n), STORE_OK);
	assert_int_equal(n, STORE_BINDINGS_MAX - 2);
	assert_int_equal(store_user_remove(st, "sip:alice@example.org"),
	    STORE_OK);
	assert_int_equal(raw_int(dir, "SELECT COUNT(*) FROM bindings b "
	    "JOIN identities i ON i.id = b.identity_id "
	    "WHERE i.uri = 'sip:alias7@example.org'"), 0);
	assert_int_equal(store_identity_get(st, "sip:alias7@example.org",
	    &id), STORE_OK);
	store_close(st);
	rm_dir(dir);
}

/* TrK/InK names: rotation counter grows, labels unique, look-up by label. */
static void
test_keys(void **state)
{
	struct store_key	 k;
	struct store		*st;
	char			 dir[256];

	tmp_dir(dir, sizeof(dir));
	st = open_at(dir, 0, 0);
	assert_int_equal(store_user_add(st, "sip:alice@example.org", NULL,
	    T_NOW), STORE_OK);
	assert_int_equal(store_key_current(st, "sip:alice@example.org",
	    STORE_KEY_TRK, &k), STORE_ERR_NOTFOUND);
	assert_int_equal(store_key_set(st, "sip:alice@example.org",
	    STORE_KEY_TRK, 11, "tk.11.sip:alice@example.org", T_NOW),
	    STORE_OK);
	assert_int_equal(store_key_set(st, "sip:alice@example.org",
	    STORE_KEY_INK, 12, "ink.12.sip:alice@example.org", T_NOW),
	    STORE_OK);
	assert_int_equal(store_key_set(st, "sip:alice@example.org",
	    STORE_KEY_TRK, 11, "tk.11b.sip:alice@example.org", T_NOW),
	    STORE_ERR_STALE);
	assert_int_equal(store_key_set(st, "sip:alice@example.org",
	    STORE_KEY_TRK, 10, "tk.10.sip:alice@example.org", T_NOW),
	    STORE_ERR_STALE);
	assert_int_equal(store_key_set(st, "sip:alice@example.org",
	    STORE_KEY_TRK, 13, "ink.12.sip:alice@example.org", T_NOW),
	    STORE_ERR_EXISTS);
	assert_int_equal(store_key_set(st, "sip:bob@example.org",
	    STORE_KEY_TRK, 1, "tk.1.sip:bob@example.org", T_NOW),
	    STORE_ERR_NOTFOUND);
	assert_int_equal(store_key_set(st, "sip:alice@example.org",
	    STORE_KEY_TRK, 12, "tk.12.sip:alice@example.org", T_NOW + 5),
	    STORE_OK);

	assert_int_equal(store_key_current(st, "sip:alice@example.org",
	    STORE_KEY_TRK, &k), STORE_OK);
	assert_int_equal(k.sk_n, 12);
	assert_string_equal(k.sk_label, "tk.12.sip:alice@example.org");
	assert_int_equal(k.sk_created, T_NOW + 5);
	assert_true(k.sk_current);
	assert_int_equal(store_key_current(st, "sip:alice@example.org",
	    STORE_KEY_INK, &k), STORE_OK);
	assert_int_equal(k.sk_n, 12);
	assert_int_equal(k.sk_kind, STORE_KEY_INK);

	/* The previous TrK is still known, no longer current. */
	assert_int_equal(store_key_by_label(st, "tk.11.sip:alice@example.org",
	    &k), STORE_OK);
	assert_string_equal(k.sk_user, "sip:alice@example.org");
	assert_int_equal(k.sk_kind, STORE_KEY_TRK);
	assert_int_equal(k.sk_n, 11);
	assert_false(k.sk_current);
	assert_int_equal(store_key_by_label(st, "tk.12.sip:alice@example.org",
	    &k), STORE_OK);
	assert_true(k.sk_current);
	assert_int_equal(store_key_by_label(st, "tk.99.x", &k),
	    STORE_ERR_NOTFOUND);

	/* Key names go with their user. */
	assert_int_equal(store_user_remove(st, "sip:alice@example.org"),
	    STORE_OK);
	assert_int_equal(store_key_by_label(st, "tk.12.sip:alice@example.org",
	    &k), STORE_ERR_NOTFOUND);
	store_close(st);
	rm_dir(dir);
}

/* Revocations of one period and of every period. */
static void
test_revocations(void **state)
{
	struct store	*st;
	char		 dir[256];
	bool		 r;

	tmp_dir(dir, sizeof(dir));
	st = open_at(dir, 0, 0);
	assert_int_equal(store_is_revoked(st, "sip:alice@example.org", 1389,
	    &r), STORE_OK);
	assert_false(r);
	assert_int_equal(store_revoke(st, "sip:alice@example.org", 1389,
	    "lost device", T_NOW), STORE_OK);
	assert_int_equal(store_revoke(st, "sip:alice@example.org", 1389,
	    NULL, T_NOW), STORE_ERR_EXISTS);
	assert_int_equal(store_is_revoked(st, "sip:alice@example.org", 1389,
	    &r), STORE_OK);
	assert_true(r);
	assert_int_equal(store_is_revoked(st, "sip:alice@example.org", 1390,
	    &r), STORE_OK);
	assert_false(r);
	assert_int_equal(store_revoke(st, "sip:bob@example.org",
	    STORE_PERIOD_ALL, "left", T_NOW), STORE_OK);
	assert_int_equal(store_is_revoked(st, "sip:bob@example.org", 0, &r),
	    STORE_OK);
	assert_true(r);
	assert_int_equal(store_is_revoked(st, "sip:bob@example.org", 99999,
	    &r), STORE_OK);
	assert_true(r);
	assert_int_equal(store_unrevoke(st, "sip:bob@example.org",
	    STORE_PERIOD_ALL), STORE_OK);
	assert_int_equal(store_unrevoke(st, "sip:bob@example.org",
	    STORE_PERIOD_ALL), STORE_ERR_NOTFOUND);
	assert_int_equal(store_is_revoked(st, "sip:bob@example.org", 0, &r),
	    STORE_OK);
	assert_false(r);
	store_close(st);
	rm_dir(dir);
}

struct cert_walk {
	int	 cw_n;
	char	 cw_first[STORE_URI_MAX + 1];
	size_t	 cw_len;
};

static int
cert_cb(void *arg, const struct store_cert *c)
{
	struct cert_walk	*w = arg;

	if (w->cw_n++ == 0) {
		snprintf(w->cw_first, sizeof(w->cw_first), "%s",
		    c->sc_cert_uri);
		w->cw_len = c->sc_xml_len;
		assert_int_equal(strlen(c->sc_xml), c->sc_xml_len);
	}
	return 0;
}

static int
cert_stop_cb(void *arg, const struct store_cert *c)
{
	return 42;
}

/* External KMS certificates; the cache version follows every change. */
static void
test_certs(void **state)
{
	static const char	 xml1[] = "<KmsCertificate>1</KmsCertificate>";
	static const char	 xml2[] = "<KmsCertificate>22</KmsCertificate>";
	struct cert_walk	 w = { 0 };
	struct store		*st;
	struct buf		 b;
	char			 dir[256], kms[STORE_URI_MAX + 1];
	uint64_t		 v;

	tmp_dir(dir, sizeof(dir));
	st = open_at(dir, 0, 0);
	buf_init(&b, STORE_CERT_XML_MAX);
	assert_int_equal(store_cache_version(st, &v), STORE_OK);
	assert_int_equal(v, 0);
	assert_int_equal(store_cert_put(st, "https://kms.b.org/cert1",
	    "https://kms.b.org", xml1, T_NOW, &v), STORE_OK);
	assert_int_equal(v, 1);
	assert_int_equal(store_cert_put(st, "https://kms.a.org/cert1",
	    "https://kms.a.org", xml1, T_NOW, &v), STORE_OK);
	assert_int_equal(v, 2);
	/* Replacing the certificate of a CertUri is a change too. */
	assert_int_equal(store_cert_put(st, "https://kms.b.org/cert1",
	    "https://kms.b2.org", xml2, T_NOW + 1, NULL), STORE_OK);
	assert_int_equal(store_cache_version(st, &v), STORE_OK);
	assert_int_equal(v, 3);
	assert_int_equal(store_cert_get(st, "https://kms.b.org/cert1", &b,
	    kms), STORE_OK);
	assert_string_equal(b.b_data, xml2);
	assert_string_equal(kms, "https://kms.b2.org");
	assert_int_equal(store_cert_get(st, "https://kms.c.org/cert1", &b,
	    NULL), STORE_ERR_NOTFOUND);

	assert_int_equal(store_cert_foreach(st, &v, cert_cb, &w), STORE_OK);
	assert_int_equal(v, 3);
	assert_int_equal(w.cw_n, 2);
	assert_string_equal(w.cw_first, "https://kms.a.org/cert1");
	assert_int_equal(w.cw_len, strlen(xml1));
	assert_int_equal(store_cert_foreach(st, &v, cert_stop_cb, NULL), 42);

	assert_int_equal(store_cert_remove(st, "https://kms.a.org/cert1",
	    &v), STORE_OK);
	assert_int_equal(v, 4);
	assert_int_equal(store_cert_remove(st, "https://kms.a.org/cert1",
	    &v), STORE_ERR_NOTFOUND);
	assert_int_equal(store_cache_version(st, &v), STORE_OK);
	assert_int_equal(v, 4);

	/* The output buffer's ceiling is respected. */
	buf_free(&b);
	buf_init(&b, 8);
	assert_int_equal(store_cert_get(st, "https://kms.b.org/cert1", &b,
	    NULL), STORE_ERR_SPACE);
	buf_free(&b);
	store_close(st);
	rm_dir(dir);
}

/* What store_gen_foreach saw. */
struct gen_walk_t {
	unsigned	 gw_gens[4];
	char		 gw_uri[STORE_URI_MAX + 1];
	size_t		 gw_n;
};

static int
gen_cb(void *arg, const struct store_gen *g)
{
	struct gen_walk_t	*w = arg;

	if (w->gw_n < 4)
		w->gw_gens[w->gw_n] = g->sg_gen;
	if (w->gw_n == 0)
		snprintf(w->gw_uri, sizeof(w->gw_uri), "%s", g->sg_cert_uri);
	w->gw_n++;
	return 0;
}

/*
 * Certificate generations (kms_gens): add, refusals (taken number or
 * CertUri, out of order, an external certificate's CertUri), order; the
 * CertCache version is not theirs; the highest issued period.
 */
static void
test_gens(void **state)
{
	struct gen_walk_t	 w = { 0 };
	struct store_audit	 a;
	struct store_gen	 g;
	struct store		*st;
	char			 dir[256];
	uint64_t		 v;
	int64_t			 max;

	tmp_dir(dir, sizeof(dir));
	st = open_at(dir, 0, 0);
	assert_int_equal(store_cert_put(st, "certx.kms.b.org", "kms.b.org",
	    "<KmsCertificate/>", T_NOW, NULL), STORE_OK);
	memset(&g, 0, sizeof(g));
	g.sg_gen = 2;
	snprintf(g.sg_cert_uri, sizeof(g.sg_cert_uri), "cert2.kms.a.org");
	g.sg_created = 1500;
	g.sg_serves_from = 2000;
	g.sg_valid_to = 3000;
	assert_int_equal(store_gen_add(st, &g), STORE_OK);
	/* Taken: the generation (the order trigger refuses it first), the
	   CertUri. */
	assert_int_not_equal(store_gen_add(st, &g), STORE_OK);
	g.sg_gen = 3;
	g.sg_serves_from = 2100;
	assert_int_equal(store_gen_add(st, &g), STORE_ERR_EXISTS);
	/* Out of order: a start not after generation 2's, a lower number. */
	snprintf(g.sg_cert_uri, sizeof(g.sg_cert_uri), "cert3.kms.a.org");
	g.sg_serves_from = 2000;
	assert_int_not_equal(store_gen_add(st, &g), STORE_OK);
	/* An external certificate's CertUri, both ways round. */
	g.sg_serves_from = 2100;
	snprintf(g.sg_cert_uri, sizeof(g.sg_cert_uri), "certx.kms.b.org");
	assert_int_not_equal(store_gen_add(st, &g), STORE_OK);
	assert_int_not_equal(store_cert_put(st, "cert2.kms.a.org",
	    "kms.a.org", "<KmsCertificate/>", T_NOW, NULL), STORE_OK);
	snprintf(g.sg_cert_uri, sizeof(g.sg_cert_uri), "cert3.kms.a.org");
	assert_int_equal(store_gen_add(st, &g), STORE_OK);
	g.sg_gen = 2;
	snprintf(g.sg_cert_uri, sizeof(g.sg_cert_uri), "cert4.kms.a.org");
	g.sg_serves_from = 2200;
	assert_int_not_equal(store_gen_add(st, &g), STORE_OK);
	/* Refused arguments: generation 1 is [kms]'s, empty validity, made
	   after its start, no CertUri, a number past the limit. */
	g.sg_gen = 1;
	assert_int_equal(store_gen_add(st, &g), STORE_ERR_ARGS);
	g.sg_gen = 4;
	g.sg_valid_to = g.sg_serves_from;
	assert_int_equal(store_gen_add(st, &g), STORE_ERR_ARGS);
	g.sg_valid_to = 3000;
	g.sg_created = g.sg_serves_from + 1;
	assert_int_equal(store_gen_add(st, &g), STORE_ERR_ARGS);
	g.sg_created = 1500;
	g.sg_cert_uri[0] = '\0';
	assert_int_equal(store_gen_add(st, &g), STORE_ERR_ARGS);
	snprintf(g.sg_cert_uri, sizeof(g.sg_cert_uri), "cert4.kms.a.org");
	g.sg_gen = STORE_GENS_MAX + 1;
	assert_int_equal(store_gen_add(st, &g), STORE_ERR_LIMIT);
	assert_int_equal(store_gen_add(NULL, &g), STORE_ERR_ARGS);

	assert_int_equal(store_gen_foreach(st, gen_cb, &w), STORE_OK);
	assert_int_equal(w.gw_n, 2);
	assert_int_equal(w.gw_gens[0], 2);
	assert_int_equal(w.gw_gens[1], 3);
	assert_string_equal(w.gw_uri, "cert2.kms.a.org");
	/* Only the external certificate moved the CertCache. */
	assert_int_equal(store_cache_version(st, &v), STORE_OK);
	assert_int_equal(v, 1);

	/* The highest period key sets were released for. */
	assert_int_equal(store_issued_max(st, &max), STORE_OK);
	assert_int_equal(max, -1);
	memset(&a, 0, sizeof(a));
	a.sa_kind = STORE_AUDIT_ISSUED;
	a.sa_time = T_NOW;
	snprintf(a.sa_subject, sizeof(a.sa_subject), "sip:a@b.org");
	snprintf(a.sa_identity, sizeof(a.sa_identity), "sip:a@b.org");
	a.sa_period_no = 77;
	assert_int_equal(store_audit_add(st, &a), STORE_OK);
	a.sa_period_no = 75;
	assert_int_equal(store_audit_add(st, &a), STORE_OK);
	a.sa_kind = STORE_AUDIT_REFUSED;	/* refusals do not count */
	a.sa_period_no = 90;
	assert_int_equal(store_audit_add(st, &a), STORE_OK);
	assert_int_equal(store_issued_max(st, &max), STORE_OK);
	assert_int_equal(max, 77);
	store_close(st);

	/* A row is never changed, even by hand. */
	assert_int_not_equal(raw_exec(dir,
	    "UPDATE kms_gens SET serves_from = 0"), 0);
	rm_dir(dir);
}

/* The cache version is persistent and only grows, also across reopen. */
static void
test_cache_reopen(void **state)
{
	struct store	*st;
	char		 dir[256];
	uint64_t	 v, prev = 0;
	int		 round;

	tmp_dir(dir, sizeof(dir));
	for (round = 0; round < 3; round++) {
		st = open_at(dir, 0, 0);
		assert_int_equal(store_cache_version(st, &v), STORE_OK);
		assert_int_equal(v, prev);
		assert_int_equal(store_cert_put(st, "c", "k", "<x/>", T_NOW,
		    &v), STORE_OK);
		assert_int_equal(v, prev + 1);
		assert_int_equal(store_cert_remove(st, "c", &v), STORE_OK);
		assert_int_equal(v, prev + 2);
		prev = v;
		store_close(st);
	}
	/* Not even SQL can move it back: a trigger refuses. */
	assert_int_not_equal(raw_exec(dir,
	    "UPDATE cert_cache SET version = 1"), SQLITE_OK);
	assert_int_not_equal(raw_exec(dir, "DELETE FROM cert_cache"),
	    SQLITE_OK);
	assert_int_equal(raw_int(dir, "SELECT version FROM cert_cache"), 6);
	rm_dir(dir);
}

/* Audit records: append, read back with a cursor; append-only. */
static void
test_audit(void **state)
{
	struct store_audit	 a, out[4];
	struct store		*st;
	char			 dir[256];
	size_t			 n, total = 0;
	int64_t			 cursor = 0;
	int			 i;

	tmp_dir(dir, sizeof(dir));
	st = open_at(dir, 0, 0);
	for (i = 0; i < 10; i++) {
		memset(&a, 0, sizeof(a));
		a.sa_kind = i % 3 == 2 ? STORE_AUDIT_REFUSED :
		    STORE_AUDIT_ISSUED;
		a.sa_time = T_NOW + i;
		snprintf(a.sa_subject, sizeof(a.sa_subject),
		    "sip:alice@example.org");
		snprintf(a.sa_identity, sizeof(a.sa_identity),
		    "sip:group%d@example.org", i);
		a.sa_period_no = i == 9 ? -1 : 1389 + i;
		snprintf(a.sa_request_id, sizeof(a.sa_request_id), "req-%d",
		    i);
		snprintf(a.sa_token_id, sizeof(a.sa_token_id), "jti-%d", i);
		if (a.sa_kind == STORE_AUDIT_REFUSED)
			snprintf(a.sa_reason, sizeof(a.sa_reason),
			    "identity not bound");
		assert_int_equal(store_audit_add(st, &a), STORE_OK);
	}
	for (;;) {
		assert_int_equal(store_audit_read(st, cursor, out, 4, &n),
		    STORE_OK);
		if (n == 0)
			break;
		for (i = 0; i < (int)n; i++) {
			int	 k = (int)total + i;
			char	 want[32];

			assert_true(out[i].sa_id > cursor);
			assert_int_equal(out[i].sa_time, T_NOW + k);
			snprintf(want, sizeof(want), "req-%d", k);
			assert_string_equal(out[i].sa_request_id, want);
			snprintf(want, sizeof(want), "jti-%d", k);
			assert_string_equal(out[i].sa_token_id, want);
			assert_int_equal(out[i].sa_period_no,
			    k == 9 ? -1 : 1389 + k);
			assert_string_equal(out[i].sa_subject,
			    "sip:alice@example.org");
			if (k % 3 == 2) {
				assert_int_equal(out[i].sa_kind,
				    STORE_AUDIT_REFUSED);
				assert_string_equal(out[i].sa_reason,
				    "identity not bound");
			} else {
				assert_int_equal(out[i].sa_kind,
				    STORE_AUDIT_ISSUED);
				assert_string_equal(out[i].sa_reason, "");
			}
			cursor = out[i].sa_id;
		}
		total += n;
	}
	assert_int_equal(total, 10);
	store_close(st);
	assert_int_not_equal(raw_exec(dir, "DELETE FROM audit"), SQLITE_OK);
	assert_int_not_equal(raw_exec(dir, "UPDATE audit SET reason = 'x'"),
	    SQLITE_OK);
	assert_int_equal(raw_int(dir, "SELECT COUNT(*) FROM audit"), 10);
	rm_dir(dir);
}

/* A database at schema 1 with data is migrated to the current schema. */
static void
test_migrate_old(void **state)
{
	struct store_user	 u;
	struct store		*st;
	char			 dir[256];
	unsigned		 v;

	tmp_dir(dir, sizeof(dir));
	st = open_at(dir, 1, 1);
	assert_int_equal(store_schema_version(st, &v), STORE_OK);
	assert_int_equal(v, 1);
	assert_int_equal(store_user_add(st, "sip:alice@example.org", "A",
	    T_NOW), STORE_OK);
	assert_int_equal(store_cert_put(st, "c", "k", "<x/>", T_NOW, NULL),
	    STORE_OK);
	store_close(st);
	assert_int_equal(raw_int(dir, "SELECT COUNT(*) FROM sqlite_schema "
	    "WHERE name = 'audit_identity'"), 0);

	st = open_at(dir, 0, 0);
	assert_int_equal(store_schema_version(st, &v), STORE_OK);
	assert_int_equal(v, STORE_SCHEMA_VERSION);
	assert_int_equal(store_user_get(st, "sip:alice@example.org", &u),
	    STORE_OK);
	assert_string_equal(u.su_name, "A");
	assert_int_equal(store_integrity_check(st), STORE_OK);
	store_close(st);
	assert_int_equal(raw_int(dir, "SELECT COUNT(*) FROM sqlite_schema "
	    "WHERE name = 'audit_identity'"), 1);
	assert_int_equal(raw_int(dir, "SELECT COUNT(*) FROM schema_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(dir, "SELECT version FROM cert_cache"), 1);

	/* Opening again changes nothing. */
	st = open_at(dir, 0, 0);
	store_close(st);
	assert_int_equal(raw_int(dir, "SELECT COUNT(*) FROM schema_version"),
	    STORE_SCHEMA_VERSION);
	rm_dir(dir);
}

/* A database from newer firmware is refused and left as it was. */
static void
test_migrate_newer(void **state)
{
	struct store_conf	 c = { 0 };
	struct store		*st = NULL;
	char			 dir[256], sql[128];

	tmp_dir(dir, sizeof(dir));
	st = open_at(dir, 0, 0);
	assert_int_equal(store_user_add(st, "sip:alice@example.org", NULL,
	    T_NOW), STORE_OK);
	store_close(st);
	snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES "
	    "(%d, 'from the future', 0)", STORE_SCHEMA_VERSION + 1);
	assert_int_equal(raw_exec(dir, sql), SQLITE_OK);

	c.sc_data_dir = dir;
	st = NULL;
	assert_int_equal(store_open(&c, &st), STORE_ERR_VERSION);
	assert_null(st);
	assert_int_equal(raw_int(dir, "SELECT MAX(version) FROM "
	    "schema_version"), STORE_SCHEMA_VERSION + 1);
	assert_int_equal(raw_int(dir, "SELECT COUNT(*) FROM users"), 1);
	rm_dir(dir);
}

/* A file that is not a database is refused as damaged, not overwritten. */
static void
test_not_a_db(void **state)
{
	struct store_conf	 c = { 0 };
	struct store		*st = NULL;
	char			 dir[256], p[512];
	FILE			*fp;
	int			 i;

	tmp_dir(dir, sizeof(dir));
	snprintf(p, sizeof(p), "%s/kms.db", dir);
	fp = fopen(p, "w");
	assert_non_null(fp);
	for (i = 0; i < 512; i++)
		fputs("this is not a database ", fp);
	assert_int_equal(fclose(fp), 0);
	c.sc_data_dir = dir;
	assert_int_equal(store_open(&c, &st), STORE_ERR_CORRUPT);
	assert_null(st);
	rm_dir(dir);
}

struct writer {
	struct store	*w_st;
	int		 w_n;
	int		 w_fail;
};

/* One of the concurrent writers: audit records, users, reads. */
static void *
writer_main(void *arg)
{
	struct writer		*w = arg;
	struct store_audit	 a;
	struct store_user	 u;
	char			 uri[64];
	uint64_t		 v;
	bool			 b;
	int			 i;

	for (i = 0; i < T_PER_THREAD; i++) {
		memset(&a, 0, sizeof(a));
		a.sa_kind = STORE_AUDIT_ISSUED;
		a.sa_time = T_NOW;
		a.sa_period_no = i;
		snprintf(a.sa_subject, sizeof(a.sa_subject), "sip:t%d@x",
		    w->w_n);
		snprintf(a.sa_request_id, sizeof(a.sa_request_id), "%d.%d",
		    w->w_n, i);
		if (store_audit_add(w->w_st, &a) != STORE_OK)
			w->w_fail++;
		snprintf(uri, sizeof(uri), "sip:t%d.%d@x", w->w_n, i);
		if (i % 4 == 0 && store_user_add(w->w_st, uri, NULL,
		    T_NOW) != STORE_OK)
			w->w_fail++;
		if (i % 4 == 0 && (store_user_get(w->w_st, uri, &u) !=
		    STORE_OK || strcmp(u.su_uri, uri) != 0))
			w->w_fail++;
		if (store_is_bound(w->w_st, uri, "sip:g@x", &b) != STORE_OK ||
		    b)
			w->w_fail++;
		if (i % 8 == 0 && store_cert_put(w->w_st, uri, "k", "<x/>",
		    T_NOW, &v) != STORE_OK)
			w->w_fail++;
	}
	return NULL;
}

/* Four threads write and read at once; nothing is lost or refused. */
static void
test_threads(void **state)
{
	struct writer		 w[T_THREADS];
	struct store_audit	*out;
	pthread_t		 t[T_THREADS];
	struct store		*st;
	char			 dir[256];
	uint64_t		 v;
	size_t			 n;
	int			 i, seen[T_THREADS][T_PER_THREAD], a, b;

	tmp_dir(dir, sizeof(dir));
	st = open_at(dir, 0, 0);
	for (i = 0; i < T_THREADS; i++) {
		w[i].w_st = st;
		w[i].w_n = i;
		w[i].w_fail = 0;
		assert_int_equal(pthread_create(&t[i], NULL, writer_main,
		    &w[i]), 0);
	}
	for (i = 0; i < T_THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].w_fail, 0);
	}
	out = calloc(T_THREADS * T_PER_THREAD + 1, sizeof(*out));
	assert_non_null(out);
	assert_int_equal(store_audit_read(st, 0, out,
	    T_THREADS * T_PER_THREAD + 1, &n), STORE_OK);
	assert_int_equal(n, T_THREADS * T_PER_THREAD);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < (int)n; i++) {
		assert_int_equal(sscanf(out[i].sa_request_id, "%d.%d", &a, &b),
		    2);
		assert_true(a >= 0 && a < T_THREADS && b >= 0 &&
		    b < T_PER_THREAD);
		seen[a][b]++;
		if (i > 0)
			assert_true(out[i].sa_id > out[i - 1].sa_id);
	}
	for (a = 0; a < T_THREADS; a++)
		for (b = 0; b < T_PER_THREAD; b++)
			assert_int_equal(seen[a][b], 1);
	free(out);
	assert_int_equal(store_cache_version(st, &v), STORE_OK);
	assert_int_equal(v, T_THREADS * ((T_PER_THREAD + 7) / 8));
	assert_int_equal(store_integrity_check(st), STORE_OK);
	store_close(st);
	rm_dir(dir);
}

/* What the crash child tells its parent after each commit. */
struct ack {
	int64_t		 ak_seq;	/* audit records committed so far */
	uint64_t	 ak_version;	/* cache version committed so far */
};

/*
 * The child: append audit records "seq-<n>" from seq on, and after every
 * fourth one also replace a certificate (bumping the cache version); after
 * each commit, tell the parent.  Runs until killed.
 */
static _Noreturn void
crash_child(const char *dir, int64_t seq, int fd)
{
	struct store_conf	 c = { 0 };
	struct store_audit	 a;
	struct store		*st;
	struct ack		 ak;
	uint64_t		 v = 0;

	c.sc_data_dir = dir;
	if (store_open(&c, &st) != STORE_OK)
		_exit(3);
	if (store_cache_version(st, &v) != STORE_OK)
		_exit(4);
	for (;; seq++) {
		memset(&a, 0, sizeof(a));
		a.sa_kind = STORE_AUDIT_ISSUED;
		a.sa_time = T_NOW;
		a.sa_period_no = seq;
		snprintf(a.sa_request_id, sizeof(a.sa_request_id),
		    "seq-%" PRId64, seq);
		if (store_audit_add(st, &a) != STORE_OK)
			_exit(5);
		if (seq % 4 == 0 && store_cert_put(st, "https://kms.x/c",
		    "https://kms.x", "<KmsCertificate/>", T_NOW, &v) !=
		    STORE_OK)
			_exit(6);
		ak.ak_seq = seq + 1;
		ak.ak_version = v;
		if (write(fd, &ak, sizeof(ak)) != (ssize_t)sizeof(ak))
			_exit(7);
	}
}

/*
 * Kill a writer with SIGKILL mid-loop, three times.  After each: the
 * database is intact, the audit records are exactly seq-0..seq-(k-1) with
 * k at least what the child had acknowledged, and the cache version is at
 * least the acknowledged one and never below the previous round's.
 */
static void
test_crash(void **state)
{
	struct store_audit	*out;
	struct store		*st;
	struct ack		 ak, last;
	char			 dir[256], want[32];
	uint64_t		 v, prev_v = 0;
	int64_t			 seq = 0, cursor;
	size_t			 n, i;
	pid_t			 pid;
	int			 round, fds[2], acks, wst;

	tmp_dir(dir, sizeof(dir));
	st = open_at(dir, 0, 0);	/* create the schema first */
	store_close(st);
	out = calloc(256, sizeof(*out));
	assert_non_null(out);
	for (round = 0; round < T_CRASH_ROUNDS; round++) {
		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			crash_child(dir, seq, fds[1]);
		}
		close(fds[1]);
		memset(&last, 0, sizeof(last));
		last.ak_seq = seq;
		last.ak_version = prev_v;
		for (acks = 0; acks < T_CRASH_ACKS + round * 7; acks++) {
			assert_int_equal(read(fds[0], &ak, sizeof(ak)),
			    sizeof(ak));
			last = ak;
		}
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &wst, 0), pid);
		assert_true(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL);
		/* Acknowledgements still in the pipe were committed too. */
		while (read(fds[0], &ak, sizeof(ak)) == (ssize_t)sizeof(ak))
			last = ak;
		close(fds[0]);

		st = open_at(dir, 0, 0);
		assert_int_equal(store_integrity_check(st), STORE_OK);
		assert_int_equal(store_cache_version(st, &v), STORE_OK);
		assert_true(v >= last.ak_version);
		assert_true(v >= prev_v);
		prev_v = v;
		/* The records are a prefix: seq-0, seq-1, ... with no gap. */
		cursor = 0;
		seq = 0;
		for (;;) {
			assert_int_equal(store_audit_read(st, cursor, out, 256,
			    &n), STORE_OK);
			if (n == 0)
				break;
			for (i = 0; i < n; i++) {
				snprintf(want, sizeof(want), "seq-%" PRId64,
				    seq);
				assert_string_equal(out[i].sa_request_id,
				    want);
				seq++;
				cursor = out[i].sa_id;
			}
		}
		assert_true(seq >= last.ak_seq);
		assert_true(seq <= last.ak_seq + 1);
		/* ... and the chain over them verifies. */
		{
			struct store_verify	 vf;

			assert_int_equal(store_audit_verify(st, NULL, 0, &vf),
			    STORE_OK);
			assert_int_equal(vf.sv_records, seq);
		}
		store_close(st);
	}
	free(out);
	rm_dir(dir);
}

/* bench: ops/s of 4 threads on pool sizes 1 and 4 (docs/store.md). */
struct bench {
	struct store	*b_st;
	int		 b_n;
	int		 b_ops;
	bool		 b_write;
};

static void *
bench_main(void *arg)
{
	struct bench		*b = arg;
	struct store_audit	 a;
	bool			 bound;
	int			 i;

	memset(&a, 0, sizeof(a));
	a.sa_kind = STORE_AUDIT_ISSUED;
	for (i = 0; i < b->b_ops; i++) {
		if (b->b_write) {
			snprintf(a.sa_request_id, sizeof(a.sa_request_id),
			    "%d.%d", b->b_n, i);
			(void)store_audit_add(b->b_st, &a);
		} else
			(void)store_is_bound(b->b_st, "sip:gms@x", "sip:g1@x",
			    &bound);
	}
	return NULL;
}

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
bench(void)
{
	static const unsigned	 pools[] = { 1, 4 };
	struct bench		 b[T_THREADS];
	pthread_t		 t[T_THREADS];
	struct store		*st;
	char			 dir[256];
	double			 t0, dt;
	size_t			 p;
	int			 i, wr, ops;

	for (p = 0; p < 2; p++) {
		for (wr = 0; wr < 2; wr++) {
			tmp_dir(dir, sizeof(dir));
			st = open_at(dir, pools[p], 0);
			(void)store_user_add(st, "sip:gms@x", NULL, T_NOW);
			(void)store_identity_add(st, "sip:g1@x", STORE_ID_GROUP,
			    T_NOW);
			(void)store_bind(st, "sip:gms@x", "sip:g1@x", T_NOW);
			ops = wr ? 250 : 20000;
			t0 = now_s();
			for (i = 0; i < T_THREADS; i++) {
				b[i].b_st = st;
				b[i].b_n = i;
				b[i].b_ops = ops;
				b[i].b_write = wr != 0;
				pthread_create(&t[i], NULL, bench_main, &b[i]);
			}
			for (i = 0; i < T_THREADS; i++)
				pthread_join(t[i], NULL);
			dt = now_s() - t0;
			printf("pool %u, %d threads, %s: %.0f ops/s\n",
			    pools[p], T_THREADS,
			    wr ? "audit_add (durable write)" :
			    "is_bound (read)", T_THREADS * ops / dt);
			store_close(st);
			rm_dir(dir);
		}
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_bindings),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_revocations),
		cmocka_unit_test(test_certs),
		cmocka_unit_test(test_gens),
		cmocka_unit_test(test_cache_reopen),
		cmocka_unit_test(test_audit),
		cmocka_unit_test(test_migrate_old),
		cmocka_unit_test(test_migrate_newer),
		cmocka_unit_test(test_not_a_db),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_crash),
	};
	struct CMUnitTest	 run[sizeof(tests) / sizeof(tests[0])];
	size_t			 i, n = 0;

	log_setlevel(LOG_LVL_ERR);
	if (argc >= 2 && strcmp(argv[1], "bench") == 0)
		return bench();
	/* An exact name selects one test; an unknown name is an error. */
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (argc < 2 || strcmp(argv[1], tests[i].name) == 0)
			run[n++] = tests[i];
	if (n == 0) {
		fprintf(stderr, "%s: no test named %s\n", argv[0], argv[1]);
		return 2;
	}
	return _cmocka_run_group_tests("store", run, n, NULL, NULL);
}
