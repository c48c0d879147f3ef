/*
 * test_audit_chain.c - unit tests of the tamper-evident audit trail
 * (firmware/store/audit.c): the chain catches an edited, a deleted, an
 * inserted and a reordered record made with sqlite3 behind the triggers'
 * back; signed checkpoints catch an attacker who recomputes the whole
 * chain and one who cuts records off the end; checkpoints by an unknown
 * key are not trusted; a schema 2 trail is chained by the migration; the
 * operator kind; the storage reserve and the alarm; the snapshot.
 *
 * The checkpoint signer here is a software P-256 key (OpenSSL); kmsd's is
 * the KMS signing key in the HSM (tests/integration/it_audit.sh).
 *
 * Usage: test_audit_chain [test-name]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include <openssl/sha.h>

#include "store.h"

#define T_NOW		1767225600	/* 2026-01-01T00:00:00Z */
#define T_RECORDS	20
#define T_EVERY		5		/* checkpoint every 5 records */

/* The software signer: an EC key and its public point. */
struct signer {
	EVP_PKEY	*sg_key;
	uint8_t		 sg_pub[STORE_PUBKEY_LEN];
	int		 sg_fail;	/* make the next signature fail */
};

static int
sw_sign(void *arg, const uint8_t digest[32], uint8_t sig[STORE_SIG_LEN])
{
	struct signer		*sg = arg;
	EVP_PKEY_CTX		*ctx;
	unsigned char		 der[128];
	const unsigned char	*p = der;
	size_t			 len = sizeof(der);
	ECDSA_SIG		*es;
	const BIGNUM		*r, *s;

	if (sg->sg_fail) {
		sg->sg_fail = 0;
		return -1;
	}
	ctx = EVP_PKEY_CTX_new(sg->sg_key, NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_int_equal(EVP_PKEY_sign(ctx, der, &len, digest, 32), 1);
	EVP_PKEY_CTX_free(ctx);
	es = d2i_ECDSA_SIG(NULL, &p, (long)len);
	assert_non_null(es);
	ECDSA_SIG_get0(es, &r, &s);
	assert_int_equal(BN_bn2binpad(r, sig, 32), 32);
	assert_int_equal(BN_bn2binpad(s, sig + 32, 32), 32);
	ECDSA_SIG_free(es);
	return 0;
}

static void
signer_new(struct signer *sg)
{
	size_t	 len = 0;

	memset(sg, 0, sizeof(*sg));
	sg->sg_key = EVP_EC_gen("P-256");
	assert_non_null(sg->sg_key);
	assert_int_equal(EVP_PKEY_get_octet_string_param(sg->sg_key,
	    OSSL_PKEY_PARAM_PUB_KEY, sg->sg_pub, sizeof(sg->sg_pub), &len),
	    1);
	assert_int_equal(len, STORE_PUBKEY_LEN);
}

static void
tmp_dir(char *dir, size_t size)
{
	snprintf(dir, size, "%s/kms-chain-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
}

static void
rm_dir(const char *dir)
{
	static const char *const names[] = {
		"kms.db", "kms.db-wal", "kms.db-shm", "kms.db-journal",
		"snap.db"
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
open_v(const char *dir, unsigned version, uint64_t alarm_mb,
    uint64_t reserve_mb)
{
	struct store_conf	 c = { 0 };
	struct store		*st = NULL;

	c.sc_data_dir = dir;
	c.sc_version = version;
	c.sc_alarm_free_mb = alarm_mb;
	c.sc_reserve_mb = reserve_mb;
	assert_int_equal(store_open(&c, &st), STORE_OK);
	return st;
}

/* Open with a signer that checkpoints every T_EVERY records. */
static struct store *
open_signed(const char *dir, struct signer *sg)
{
	struct store_signer	 ss;
	struct store		*st = open_v(dir, 0, 0, 0);

	memset(&ss, 0, sizeof(ss));
	ss.ss_sign = sw_sign;
	ss.ss_arg = sg;
	memcpy(ss.ss_pub, sg->sg_pub, STORE_PUBKEY_LEN);
	ss.ss_every = T_EVERY;
	ss.ss_seconds = 3600;
	assert_int_equal(store_audit_signer(st, &ss), STORE_OK);
	assert_int_equal(store_audit_signer(st, &ss), STORE_ERR_EXISTS);
	return st;
}

static void
add_records(struct store *st, int from, int n)
{
	struct store_audit	 a;
	int			 i;

	for (i = from; i < from + n; i++) {
		memset(&a, 0, sizeof(a));
		a.sa_kind = i % 4 == 3 ? STORE_AUDIT_OPERATOR :
		    i % 4 == 2 ? STORE_AUDIT_REFUSED : STORE_AUDIT_ISSUED;
		a.sa_time = T_NOW + i;
		snprintf(a.sa_subject, sizeof(a.sa_subject),
		    "sip:alice@example.org");
		snprintf(a.sa_identity, sizeof(a.sa_identity),
		    "sip:id%d@example.org", i);
		a.sa_period_no = 1389;
		snprintf(a.sa_request_id, sizeof(a.sa_request_id), "req-%d",
		    i);
		if (a.sa_kind == STORE_AUDIT_OPERATOR)
			snprintf(a.sa_operator, sizeof(a.sa_operator),
			    "admin");
		if (a.sa_kind == STORE_AUDIT_REFUSED)
			snprintf(a.sa_reason, sizeof(a.sa_reason), "nope");
		assert_int_equal(store_audit_add(st, &a), STORE_OK);
	}
}

static void
raw(const char *dir, const char *sql)
{
	sqlite3	*db;
	char	 p[512], *err = NULL;

	snprintf(p, sizeof(p), "%s/kms.db", dir);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, err);
		fail();
	}
	sqlite3_close(db);
}

/* Verify with the signer's key; returns the status, fills vf. */
static int
verify(const char *dir, struct signer *sg, struct store_verify *vf)
{
	uint8_t		 keys[1][STORE_PUBKEY_LEN];
	struct store	*st = open_v(dir, 0, 0, 0);
	int		 rc;

	if (sg != NULL)
		memcpy(keys[0], sg->sg_pub, STORE_PUBKEY_LEN);
	rc = store_audit_verify(st, (const uint8_t (*)[STORE_PUBKEY_LEN])keys,
	    sg != NULL ? 1 : 0, vf);
	store_close(st);
	return rc;
}

/* A fresh trail of T_RECORDS records, checkpointed; verifies. */
static void
make_trail(char *dir, size_t size, struct signer *sg)
{
	struct store_verify	 vf;
	struct store		*st;

	tmp_dir(dir, size);
	st = open_signed(dir, sg);
	add_records(st, 0, T_RECORDS);
	store_close(st);
	assert_int_equal(verify(dir, sg, &vf), STORE_OK);
	assert_int_equal(vf.sv_records, T_RECORDS);
	assert_int_equal(vf.sv_last_seq, T_RECORDS);
	/* checkpoints at 1 (none older than an hour), 6, 11 and 16 */
	assert_int_equal(vf.sv_checkpoints, 4);
	assert_int_equal(vf.sv_ckpt_verified, vf.sv_checkpoints);
	assert_int_equal(vf.sv_ckpt_unknown, 0);
	assert_int_equal(vf.sv_signed_upto, 16);
	assert_string_equal(vf.sv_problem, "");
}

static void
test_chain_ok(void **state)
{
	struct store_audit	 out[T_RECORDS];
	struct signer		 sg;
	struct store		*st;
	char			 dir[256];
	size_t			 n;

	signer_new(&sg);
	make_trail(dir, sizeof(dir), &sg);
	st = open_v(dir, 0, 0, 0);
	assert_int_equal(store_audit_read(st, 0, out, T_RECORDS, &n),
	    STORE_OK);
	assert_int_equal(n, T_RECORDS);
	assert_int_equal(out[3].sa_kind, STORE_AUDIT_OPERATOR);
	assert_string_equal(out[3].sa_operator, "admin");
	assert_string_equal(out[0].sa_operator, "");
	/* the triggers still refuse edits through SQL */
	store_close(st);
	rm_dir(dir);
	EVP_PKEY_free(sg.sg_key);
}

static void
expect_tamper(const char *sql, int64_t bad_seq, const char *what)
{
	struct store_verify	 vf;
	struct signer		 sg;
	char			 dir[256];

	signer_new(&sg);
	make_trail(dir, sizeof(dir), &sg);
	raw(dir, sql);
	assert_int_equal(verify(dir, &sg, &vf), STORE_ERR_TAMPERED);
	assert_int_equal(vf.sv_bad_seq, bad_seq);
	if (strstr(vf.sv_problem, what) == NULL) {
		fprintf(stderr, "problem '%s', want '%s'\n", vf.sv_problem,
		    what);
		fail();
	}
	/* without any trusted key the chain alone catches it too */
	assert_int_equal(verify(dir, NULL, &vf), STORE_ERR_TAMPERED);
	rm_dir(dir);
	EVP_PKEY_free(sg.sg_key);
}

static void
test_edit(void **state)
{
	expect_tamper("DROP TRIGGER audit_no_update; "
	    "UPDATE audit SET identity = 'sip:mallory@example.org' "
	    "WHERE id = 7", 7, "contents changed");
}

static void
test_delete(void **state)
{
	expect_tamper("DROP TRIGGER audit_no_delete; "
	    "DELETE FROM audit WHERE id = 12", 13, "does not follow");
}

static void
test_reorder(void **state)
{
	expect_tamper("DROP TRIGGER audit_no_update; "
	    "UPDATE audit SET id = -9 WHERE id = 8; "
	    "UPDATE audit SET id = 8 WHERE id = 9; "
	    "UPDATE audit SET id = 9 WHERE id = -9", 8, "does not follow");
}

static void
test_insert(void **state)
{
	/* a forged record copying the chain fields of its neighbour */
	expect_tamper("INSERT INTO audit (id, kind, time, subject, identity, "
	    "period_no, request_id, token_id, reason, operator, prev_hash, "
	    "hash) SELECT 21, 1, time, subject, 'sip:x@example.org', "
	    "period_no, 'forged', '', '', '', hash, hash FROM audit "
	    "WHERE id = 20", 21, "contents changed");
}

/*
 * The chain hash as docs/store.md documents it, written again here from
 * the document (the attacker's view): SHA-256(prev || seq || kind ||
 * time || period || six length-prefixed texts), integers big endian.
 */
static size_t
t_u64(uint8_t *p, uint64_t v)
{
	int	 i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
	return 8;
}

static size_t
t_text(uint8_t *p, const unsigned char *s)
{
	size_t	 n = s == NULL ? 0 : strlen((const char *)s);

	p[0] = (uint8_t)(n >> 24);
	p[1] = (uint8_t)(n >> 16);
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
	if (n > 0)
		memcpy(p + 4, s, n);
	return 4 + n;
}

/* The hash of the row (columns as in the SELECT below) after prev. */
static void
t_hash(const uint8_t prev[STORE_HASH_LEN], sqlite3_stmt *s,
    uint8_t out[STORE_HASH_LEN])
{
	uint8_t	 buf[8192];
	size_t	 n = 0;
	int	 i;

	memcpy(buf, prev, STORE_HASH_LEN);
	n += STORE_HASH_LEN;
	n += t_u64(buf + n, (uint64_t)sqlite3_column_int64(s, 0));
	buf[n++] = (uint8_t)sqlite3_column_int(s, 1);
	n += t_u64(buf + n, (uint64_t)sqlite3_column_int64(s, 2));
	n += t_u64(buf + n, (uint64_t)sqlite3_column_int64(s, 5));
	for (i = 3; i <= 9; i++)
		if (i != 5)
			n += t_text(buf + n, sqlite3_column_text(s, i));
	SHA256(buf, n, out);
}

/*
 * The attacker edits record 7 and recomputes every hash after it (the
 * chain has no secret): the chain is consistent again, but the signed
 * checkpoints at 11 and 16 no longer match.
 */
static void
test_recompute(void **state)
{
	struct store_verify	 vf;
	struct signer		 sg;
	sqlite3			*db;
	sqlite3_stmt		*rd, *up;
	uint8_t			 prev[STORE_HASH_LEN], h[STORE_HASH_LEN];
	char			 dir[256], p[512];

	signer_new(&sg);
	make_trail(dir, sizeof(dir), &sg);
	raw(dir, "DROP TRIGGER audit_no_update; UPDATE audit SET identity = "
	    "'sip:mallory@example.org' WHERE id = 7");
	snprintf(p, sizeof(p), "%s/kms.db", dir);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT id, kind, time, "
	    "subject, identity, period_no, request_id, token_id, reason, "
	    "operator FROM audit ORDER BY id", -1, &rd, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE audit SET "
	    "prev_hash = ?1, hash = ?2 WHERE id = ?3", -1, &up, NULL),
	    SQLITE_OK);
	memset(prev, 0, sizeof(prev));
	while (sqlite3_step(rd) == SQLITE_ROW) {
		t_hash(prev, rd, h);
		sqlite3_bind_blob(up, 1, prev, STORE_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(up, 2, h, STORE_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(up, 3, sqlite3_column_int64(rd, 0));
		assert_int_equal(sqlite3_step(up), SQLITE_DONE);
		sqlite3_reset(up);
		memcpy(prev, h, STORE_HASH_LEN);
	}
	sqlite3_finalize(rd);
	sqlite3_finalize(up);
	sqlite3_close(db);
	assert_int_equal(verify(dir, &sg, &vf), STORE_ERR_TAMPERED);
	assert_int_equal(vf.sv_bad_seq, 11);
	assert_non_null(strstr(vf.sv_problem, "does not match"));
	rm_dir(dir);
	EVP_PKEY_free(sg.sg_key);
}

/* Cutting the newest records off: the last checkpoint points past them. */
static void
test_truncate(void **state)
{
	expect_tamper("DROP TRIGGER audit_no_delete; "
	    "DELETE FROM audit WHERE id > 14", 16, "beyond the last record");
}

/* A checkpoint re-signed by another key is not trusted. */
static void
test_foreign_key(void **state)
{
	struct store_verify	 vf;
	struct signer		 sg, other;
	char			 dir[256];

	signer_new(&sg);
	signer_new(&other);
	make_trail(dir, sizeof(dir), &sg);
	assert_int_equal(verify(dir, &other, &vf), STORE_OK);
	assert_int_equal(vf.sv_ckpt_verified, 0);
	assert_int_equal(vf.sv_ckpt_unknown, vf.sv_checkpoints);
	assert_int_equal(vf.sv_signed_upto, 0);
	/* a forged signature under the right key id is caught */
	raw(dir, "DROP TRIGGER audit_checkpoint_no_update; UPDATE "
	    "audit_checkpoint SET sig = zeroblob(64) WHERE seq = 11");
	assert_int_equal(verify(dir, &sg, &vf), STORE_ERR_TAMPERED);
	assert_int_equal(vf.sv_bad_seq, 11);
	assert_non_null(strstr(vf.sv_problem, "bad signature"));
	rm_dir(dir);
	EVP_PKEY_free(sg.sg_key);
	EVP_PKEY_free(other.sg_key);
}

/* A failed signature never loses the record; the next append retries. */
static void
test_sign_fail(void **state)
{
	struct store_verify	 vf;
	struct signer		 sg;
	struct store		*st;
	char			 dir[256];

	signer_new(&sg);
	tmp_dir(dir, sizeof(dir));
	st = open_signed(dir, &sg);
	add_records(st, 0, 5);		/* checkpoint at 1 */
	sg.sg_fail = 1;
	add_records(st, 5, 1);		/* 6: checkpoint due, signing fails */
	add_records(st, 6, 1);		/* 7: retried, signed */
	/* the newest record has one: nothing to do */
	assert_int_equal(store_audit_checkpoint(st, T_NOW + 100), STORE_OK);
	assert_int_equal(verify(dir, &sg, &vf), STORE_OK);
	assert_int_equal(vf.sv_records, 7);
	assert_int_equal(vf.sv_checkpoints, 2);
	assert_int_equal(vf.sv_signed_upto, 7);
	add_records(st, 7, 1);
	assert_int_equal(store_audit_checkpoint(st, T_NOW + 101), STORE_OK);
	store_close(st);
	assert_int_equal(verify(dir, &sg, &vf), STORE_OK);
	assert_int_equal(vf.sv_checkpoints, 3);
	assert_int_equal(vf.sv_signed_upto, 8);
	rm_dir(dir);
	EVP_PKEY_free(sg.sg_key);
}

/*
 * The supervision tick signs the newest records of a quiet appliance:
 * records 17..20 have no checkpoint, the last one (16) is older than
 * ss_seconds, so store_alarm_poll writes one over 20, once.
 */
static void
test_tick(void **state)
{
	struct store_verify	 vf;
	struct signer		 sg;
	struct store		*st;
	char			 dir[256];

	signer_new(&sg);
	make_trail(dir, sizeof(dir), &sg);
	st = open_signed(dir, &sg);
	(void)store_alarm_poll(st);
	assert_int_equal(verify(dir, &sg, &vf), STORE_OK);
	assert_int_equal(vf.sv_checkpoints, 5);
	assert_int_equal(vf.sv_signed_upto, T_RECORDS);
	/* at most every STORE_TICK_CKPT_S: nothing new right away */
	add_records(st, T_RECORDS, 1);
	(void)store_alarm_poll(st);
	assert_int_equal(verify(dir, &sg, &vf), STORE_OK);
	assert_int_equal(vf.sv_checkpoints, 5);
	store_close(st);
	rm_dir(dir);
	EVP_PKEY_free(sg.sg_key);
}

/* A schema 2 trail is chained by the migration and verifies. */
static void
test_migrate_chain(void **state)
{
	struct store_verify	 vf;
	struct store_audit	 out[8];
	struct store		*st;
	char			 dir[256];
	size_t			 n;
	unsigned		 v;

	tmp_dir(dir, sizeof(dir));
	st = open_v(dir, 2, 0, 0);
	store_close(st);
	raw(dir, "INSERT INTO audit (kind, time, subject, identity, "
	    "period_no, request_id, token_id, reason) VALUES "
	    "(1, 1, 'a', 'b', 3, 'r1', 't', ''), "
	    "(2, 2, 'console:admin', '', -1, 'console:ok', '', 'x')");
	st = open_v(dir, 0, 0, 0);
	assert_int_equal(store_schema_version(st, &v), STORE_OK);
	assert_int_equal(v, STORE_SCHEMA_VERSION);
	assert_int_equal(store_audit_verify(st, NULL, 0, &vf), STORE_OK);
	assert_int_equal(vf.sv_records, 2);
	add_records(st, 0, 2);
	assert_int_equal(store_audit_verify(st, NULL, 0, &vf), STORE_OK);
	assert_int_equal(vf.sv_records, 4);
	assert_int_equal(store_audit_read(st, 0, out, 8, &n), STORE_OK);
	assert_int_equal(n, 4);
	assert_string_equal(out[1].sa_request_id, "console:ok");
	assert_int_equal(out[2].sa_id, 3);
	store_close(st);
	/* append-only again after the rebuild */
	{
		sqlite3	*db;
		char	 p[512];

		snprintf(p, sizeof(p), "%s/kms.db", dir);
		assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
		assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit",
		    NULL, NULL, NULL), SQLITE_OK);
		assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET "
		    "reason = 'x'", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	rm_dir(dir);
}

/*
 * The reserve: with more reserve than the disk has free, issuance records
 * are refused (STORE_ERR_FULL) and the alarm is up, while refusals and
 * operator records are still written.  The free-space alarm on its own.
 */
static void
test_alarm(void **state)
{
	struct store_audit	 a;
	struct store		*st;
	char			 dir[256], line[64];
	uint64_t		 f;

	tmp_dir(dir, sizeof(dir));
	st = open_v(dir, 0, 0, 0);
	assert_int_equal(store_space_check(st, &f), STORE_OK);
	assert_true(f > 0);
	add_records(st, 0, 1);
	assert_false(store_alarm(st, line, sizeof(line)) &&
	    strstr(line, "audit") != NULL);
	store_close(st);

	st = open_v(dir, 0, 0, STORE_FREE_MB_MAX);
	memset(&a, 0, sizeof(a));
	a.sa_kind = STORE_AUDIT_ISSUED;
	a.sa_time = T_NOW;
	a.sa_period_no = 1;
	assert_int_equal(store_audit_add(st, &a), STORE_ERR_FULL);
	assert_true(store_alarm(st, line, sizeof(line)));
	assert_string_equal(line, "ALARM audit failed");
	a.sa_kind = STORE_AUDIT_REFUSED;
	assert_int_equal(store_audit_add(st, &a), STORE_OK);
	a.sa_kind = STORE_AUDIT_OPERATOR;
	assert_int_equal(store_audit_add(st, &a), STORE_OK);
	store_close(st);

	/* free space below the alarm threshold, above the reserve */
	st = open_v(dir, 0, STORE_FREE_MB_MAX, 0);
	assert_int_equal(store_space_check(st, NULL), STORE_OK);
	assert_true(store_alarm(st, line, sizeof(line)));
	assert_non_null(strstr(line, "ALARM disk "));
	assert_non_null(strstr(line, "MB free"));
	store_close(st);

	/* a write that fails in SQLite raises the alarm; success clears */
	raw(dir, "CREATE TRIGGER audit_jam BEFORE INSERT ON audit "
	    "BEGIN SELECT RAISE(ABORT, 'jammed'); END;");
	st = open_v(dir, 0, 0, 0);
	a.sa_kind = STORE_AUDIT_ISSUED;
	assert_int_not_equal(store_audit_add(st, &a), STORE_OK);
	assert_true(store_alarm(st, line, sizeof(line)));
	store_close(st);
	raw(dir, "DROP TRIGGER audit_jam");
	st = open_v(dir, 0, 0, 0);
	assert_int_equal(store_audit_add(st, &a), STORE_OK);
	assert_false(store_alarm(st, line, sizeof(line)));
	assert_string_equal(line, "");
	store_close(st);
	rm_dir(dir);
}

/* A snapshot is a database of its own with the same verified trail. */
static void
test_snapshot(void **state)
{
	struct store_verify	 vf;
	struct signer		 sg;
	struct store		*st;
	struct stat		 sb;
	char			 dir[256], p[512], d2[256], p2[600];

	signer_new(&sg);
	make_trail(dir, sizeof(dir), &sg);
	st = open_v(dir, 0, 0, 0);
	assert_int_equal(store_user_add(st, "sip:bob@example.org", "B",
	    T_NOW), STORE_OK);
	snprintf(p, sizeof(p), "%s/snap.db", dir);
	assert_int_equal(store_snapshot(st, p), STORE_OK);
	assert_int_equal(store_snapshot(st, p), STORE_ERR_EXISTS);
	store_close(st);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	tmp_dir(d2, sizeof(d2));
	snprintf(p2, sizeof(p2), "%s/kms.db", d2);
	assert_int_equal(rename(p, p2), 0);
	assert_int_equal(verify(d2, &sg, &vf), STORE_OK);
	assert_int_equal(vf.sv_records, T_RECORDS);
	assert_int_equal(vf.sv_signed_upto, 16);
	st = open_v(d2, 0, 0, 0);
	{
		struct store_user	 u;

		assert_int_equal(store_user_get(st, "sip:bob@example.org",
		    &u), STORE_OK);
	}
	store_close(st);
	rm_dir(d2);
	rm_dir(dir);
	EVP_PKEY_free(sg.sg_key);
}

/* Bad arguments are refused. */
static void
test_chain_args(void **state)
{
	struct store_signer	 ss;
	struct store_verify	 vf;
	struct store_audit	 a;
	struct signer		 sg;
	struct store		*st;
	uint8_t			 bad[1][STORE_PUBKEY_LEN];
	char			 dir[256];

	signer_new(&sg);
	tmp_dir(dir, sizeof(dir));
	st = open_v(dir, 0, 0, 0);
	memset(&ss, 0, sizeof(ss));
	ss.ss_sign = sw_sign;
	assert_int_equal(store_audit_signer(st, &ss), STORE_ERR_ARGS);
	memcpy(ss.ss_pub, sg.sg_pub, STORE_PUBKEY_LEN);
	ss.ss_pub[64] ^= 1;		/* not on the curve */
	assert_int_equal(store_audit_signer(st, &ss), STORE_ERR_ARGS);
	memset(bad, 0, sizeof(bad));
	assert_int_equal(store_audit_verify(st,
	    (const uint8_t (*)[STORE_PUBKEY_LEN])bad, 1, &vf), STORE_ERR_ARGS);
	assert_int_equal(store_audit_checkpoint(st, T_NOW),
	    STORE_ERR_NOTFOUND);
	memset(&a, 0, sizeof(a));
	a.sa_kind = STORE_AUDIT_OPERATOR;
	memset(a.sa_operator, 'x', STORE_OPERATOR_MAX);
	a.sa_operator[STORE_OPERATOR_MAX] = '\0';
	assert_int_equal(store_audit_add(st, &a), STORE_OK);
	a.sa_operator[3] = '\n';
	assert_int_equal(store_audit_add(st, &a), STORE_ERR_ARGS);
	a.sa_kind = 4;
	a.sa_operator[3] = 'x';
	assert_int_equal(store_audit_add(st, &a), STORE_ERR_ARGS);
	store_close(st);
	rm_dir(dir);
	EVP_PKEY_free(sg.sg_key);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_ok),
		cmocka_unit_test(test_edit),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_reorder),
		cmocka_unit_test(test_insert),
		cmocka_unit_test(test_recompute),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_foreign_key),
		cmocka_unit_test(test_sign_fail),
		cmocka_unit_test(test_tick),
		cmocka_unit_test(test_migrate_chain),
		cmocka_unit_test(test_alarm),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_chain_args),
	};
	struct CMUnitTest	 run[sizeof(tests) / sizeof(tests[0])];
	size_t			 i, n = 0;

	log_setlevel(LOG_LVL_ERR);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (argc < 2 || strcmp(argv[1], tests[i].name) == 0)
			run[n++] = tests[i];
	if (n == 0) {
		fprintf(stderr, "%s: no test named %s\n", argv[0], argv[1]);
		return 2;
	}
	return _cmocka_run_group_tests("audit_chain", run, n, NULL, NULL);
}
