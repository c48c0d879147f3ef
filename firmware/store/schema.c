/*
 * schema.c - the schema of kms.db and its versioned migrations (see
 * store.h, docs/store.md).
 *
 * The table schema_version holds one row per migration applied.  A
 * migration is only ever appended to store_migrations[]: a released one is
 * never edited, so every appliance that ran it has the same schema.  All the
 * migrations an open needs run in one transaction, with their rows, so an
 * upgrade interrupted by a crash leaves the previous version intact.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_local.h"

#define SCHEMA_BOOT \
	"CREATE TABLE IF NOT EXISTS schema_version (\n" \
	"	version	INTEGER PRIMARY KEY,\n" \
	"	name	TEXT NOT NULL,\n" \
	"	applied	INTEGER NOT NULL\n" \
	") STRICT;"

/*
 * Migration 1: everything.  Key names only, never key bytes.  Revocations
 * name an identity by its URI (it need not be in users or identities); a
 * revocation of every period has period_no -1 (STORE_PERIOD_ALL).  The
 * audit table is append-only, and the cache version may only grow, both
 * enforced by triggers so that no later statement can break the rule.
 */
static const char schema_v1[] =
	"CREATE TABLE users (\n"
	"	id	INTEGER PRIMARY KEY,\n"
	"	uri	TEXT NOT NULL UNIQUE,\n"
	"	name	TEXT NOT NULL DEFAULT '',\n"
	"	created	INTEGER NOT NULL,\n"
	"	revoked	INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))\n"
	") STRICT;\n"
	"CREATE TABLE identities (\n"
	"	id	INTEGER PRIMARY KEY,\n"
	"	uri	TEXT NOT NULL UNIQUE,\n"
	"	kind	INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),\n"
	"	created	INTEGER NOT NULL\n"
	") STRICT;\n"
	"CREATE TABLE bindings (\n"
	"	id		INTEGER PRIMARY KEY,\n"
	"	user_id		INTEGER NOT NULL\n"
	"	    REFERENCES users(id) ON DELETE CASCADE,\n"
	"	identity_id	INTEGER NOT NULL\n"
	"	    REFERENCES identities(id) ON DELETE CASCADE,\n"
	"	created		INTEGER NOT NULL,\n"
	"	UNIQUE (user_id, identity_id)\n"
	") STRICT;\n"
	"CREATE INDEX bindings_identity ON bindings(identity_id);\n"
	"CREATE TABLE user_keys (\n"
	"	id	INTEGER PRIMARY KEY,\n"
	"	user_id	INTEGER NOT NULL\n"
	"	    REFERENCES users(id) ON DELETE CASCADE,\n"
	"	kind	INTEGER NOT NULL CHECK (kind IN (1, 2)),\n"
	"	n	INTEGER NOT NULL CHECK (n >= 0),\n"
	"	label	TEXT NOT NULL UNIQUE,\n"
	"	created	INTEGER NOT NULL,\n"
	"	UNIQUE (user_id, kind, n)\n"
	") STRICT;\n"
	"CREATE TABLE revocations (\n"
	"	id		INTEGER PRIMARY KEY,\n"
	"	identity	TEXT NOT NULL,\n"
	"	period_no	INTEGER NOT NULL CHECK (period_no >= -1),\n"
	"	reason		TEXT NOT NULL DEFAULT '',\n"
	"	created		INTEGER NOT NULL,\n"
	"	UNIQUE (identity, period_no)\n"
	") STRICT;\n"
	"CREATE TABLE kms_certs (\n"
	"	id		INTEGER PRIMARY KEY,\n"
	"	cert_uri	TEXT NOT NULL UNIQUE,\n"
	"	kms_uri		TEXT NOT NULL,\n"
	"	xml		TEXT NOT NULL,\n"
	"	added		INTEGER NOT NULL\n"
	") STRICT;\n"
	"CREATE TABLE cert_cache (\n"
	"	id	INTEGER PRIMARY KEY CHECK (id = 1),\n"
	"	version	INTEGER NOT NULL CHECK (version >= 0)\n"
	") STRICT;\n"
	"INSERT INTO cert_cache (id, version) VALUES (1, 0);\n"
	"CREATE TRIGGER cert_cache_grows BEFORE UPDATE ON cert_cache\n"
	"    WHEN NEW.version <= OLD.version\n"
	"    BEGIN SELECT RAISE(ABORT, 'cert cache version must grow'); END;\n"
	"CREATE TRIGGER cert_cache_kept BEFORE DELETE ON cert_cache\n"
	"    BEGIN SELECT RAISE(ABORT, 'cert cache version is kept'); END;\n"
	"CREATE TABLE audit (\n"
	"	id		INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"	kind		INTEGER NOT NULL CHECK (kind IN (1, 2)),\n"
	"	time		INTEGER NOT NULL,\n"
	"	subject		TEXT NOT NULL,\n"
	"	identity	TEXT NOT NULL,\n"
	"	period_no	INTEGER NOT NULL,\n"
	"	request_id	TEXT NOT NULL,\n"
	"	token_id	TEXT NOT NULL,\n"
	"	reason		TEXT NOT NULL\n"
	") STRICT;\n"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
	"    BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;\n"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
	"    BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;\n";

/* Migration 2: look-ups of the audit trail by identity and by subject. */
static const char schema_v2[] =
	"CREATE INDEX audit_identity ON audit(identity, period_no);\n"
	"CREATE INDEX audit_subject ON audit(subject);\n";

/*
 * Migration 3: the tamper-evident audit trail.  The table is rebuilt (a
 * CHECK cannot be altered) with the operator kind (3), the operator's
 * name, and the chain: each record's prev_hash and hash (docs/store.md).
 * The records already there keep their ids and fields and are chained
 * by store_audit_chain_existing before the append-only triggers come
 * back.  Checkpoints (signed by the KMS signing key) get their own
 * append-only table.
 */
static const char schema_v3[] =
	"CREATE TABLE audit_v3 (\n"
	"	id		INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"	kind		INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),\n"
	"	time		INTEGER NOT NULL,\n"
	"	subject		TEXT NOT NULL,\n"
	"	identity	TEXT NOT NULL,\n"
	"	period_no	INTEGER NOT NULL,\n"
	"	request_id	TEXT NOT NULL,\n"
	"	token_id	TEXT NOT NULL,\n"
	"	reason		TEXT NOT NULL,\n"
	"	operator	TEXT NOT NULL DEFAULT '',\n"
	"	prev_hash	BLOB NOT NULL CHECK (length(prev_hash) = 32),\n"
	"	hash		BLOB NOT NULL CHECK (length(hash) = 32)\n"
	") STRICT;\n"
	"INSERT INTO audit_v3 (id, kind, time, subject, identity, period_no,\n"
	"    request_id, token_id, reason, operator, prev_hash, hash)\n"
	"    SELECT id, kind, time, subject, identity, period_no, request_id,\n"
	"    token_id, reason, '', zeroblob(32), zeroblob(32) FROM audit\n"
	"    ORDER BY id;\n"
	"DROP TABLE audit;\n"
	"ALTER TABLE audit_v3 RENAME TO audit;\n"
	"CREATE INDEX audit_identity ON audit(identity, period_no);\n"
	"CREATE INDEX audit_subject ON audit(subject);\n"
	"CREATE TABLE audit_checkpoint (\n"
	"	seq	INTEGER PRIMARY KEY,\n"
	"	time	INTEGER NOT NULL,\n"
	"	hash	BLOB NOT NULL CHECK (length(hash) = 32),\n"
	"	key_id	BLOB NOT NULL CHECK (length(key_id) = 32),\n"
	"	sig	BLOB NOT NULL CHECK (length(sig) = 64)\n"
	") STRICT;\n";

/* After the existing records are chained: append-only again. */
static const char schema_v3_post[] =
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
	"    BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;\n"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
	"    BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;\n"
	"CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON\n"
	"    audit_checkpoint\n"
	"    BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;\n"
	"CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON\n"
	"    audit_checkpoint\n"
	"    BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;\n";

/*
 * Migration 4: the generations of the KMS's own certificate after the
 * first (`cert rotate`, firmware/kcert): which CertUri, from which key
 * period start its master secrets serve, its ValidTo, when it was made
 * (its ValidFrom).  The master secrets themselves are in the token
 * (labels kms.master.sakke.<gen>, kms.master.eccsi.<gen>).  A generation
 * is never changed; each new one comes after every other in number and
 * start; a CertUri is either a generation's or an external
 * certificate's, never both.
 */
static const char schema_v4[] =
	"CREATE TABLE kms_gens (\n"
	"	gen		INTEGER PRIMARY KEY CHECK (gen >= 2),\n"
	"	cert_uri	TEXT NOT NULL UNIQUE CHECK (cert_uri <> ''),\n"
	"	serves_from	INTEGER NOT NULL,\n"
	"	valid_to	INTEGER NOT NULL CHECK (valid_to > serves_from),\n"
	"	created		INTEGER NOT NULL CHECK (created <= serves_from)\n"
	") STRICT;\n"
	"CREATE TRIGGER kms_gens_no_update BEFORE UPDATE ON kms_gens\n"
	"    BEGIN SELECT RAISE(ABORT, 'a generation is never changed'); END;\n"
	"CREATE TRIGGER kms_gens_in_order BEFORE INSERT ON kms_gens\n"
	"    WHEN NEW.gen <= (SELECT COALESCE(MAX(gen), 1) FROM kms_gens) OR\n"
	"    NEW.serves_from <= (SELECT COALESCE(MAX(serves_from),\n"
	"    NEW.serves_from - 1) FROM kms_gens)\n"
	"    BEGIN SELECT RAISE(ABORT, 'a generation comes after the others'); END;\n"
	"CREATE TRIGGER kms_gens_not_external BEFORE INSERT ON kms_gens\n"
	"    WHEN NEW.cert_uri IN (SELECT cert_uri FROM kms_certs)\n"
	"    BEGIN SELECT RAISE(ABORT, 'an external certificate has it'); END;\n"
	"CREATE TRIGGER kms_certs_not_own BEFORE INSERT ON kms_certs\n"
	"    WHEN NEW.cert_uri IN (SELECT cert_uri FROM kms_gens)\n"
	"    BEGIN SELECT RAISE(ABORT, 'a generation has it'); END;\n";

/* see store_local.h */
const struct store_migration store_migrations[] = {
	{ 1, "initial schema", schema_v1, NULL, NULL },
	{ 2, "audit look-up indexes", schema_v2, NULL, NULL },
	{ 3, "audit chain, operator records, checkpoints", schema_v3,
	    store_audit_chain_existing, schema_v3_post },
	{ 4, "KMS certificate generations", schema_v4, NULL, NULL },
};

/* see store_local.h */
const size_t store_migration_count =
    sizeof(store_migrations) / sizeof(store_migrations[0]);

_Static_assert(sizeof(store_migrations) / sizeof(store_migrations[0]) ==
    STORE_SCHEMA_VERSION, "STORE_SCHEMA_VERSION is the last migration");

/* see store_local.h */
int
store_version_get(sqlite3 *db, unsigned *version)
{
	sqlite3_stmt	*s = NULL;
	sqlite3_int64	 v;
	int		 rc, status = STORE_ERR_GENERAL;

	rc = sqlite3_prepare_v2(db,
	    "SELECT COALESCE(MAX(version), 0) FROM schema_version", -1, &s,
	    NULL);
	if (rc != SQLITE_OK) {
		status = store_status_of(rc);
		goto fail;
	}
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		status = store_status_of(rc);
		goto fail;
	}
	v = sqlite3_column_int64(s, 0);
	if (v < 0 || v > (sqlite3_int64)UINT32_MAX) {
		status = STORE_ERR_CORRUPT;
		goto fail;
	}
	*version = (unsigned)v;
	status = STORE_OK;
 fail:
	sqlite3_finalize(s);
	return status;
}

/* Run one migration's SQL and record it. */
static int
migrate_one(sqlite3 *db, const struct store_migration *mg)
{
	sqlite3_stmt	*s = NULL;
	int		 rc, status = STORE_ERR_GENERAL;

	rc = sqlite3_exec(db, mg->mg_sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		log_warnx("%s: migration %u: %s", __func__, mg->mg_version,
		    sqlite3_errmsg(db));
		status = store_status_of(rc);
		goto fail;
	}
	if (mg->mg_fn != NULL && (status = mg->mg_fn(db)) != STORE_OK) {
		log_warnx("%s: migration %u: %s", __func__, mg->mg_version,
		    store_strerror(status));
		goto fail;
	}
	if (mg->mg_post != NULL) {
		rc = sqlite3_exec(db, mg->mg_post, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			log_warnx("%s: migration %u: %s", __func__,
			    mg->mg_version, sqlite3_errmsg(db));
			status = store_status_of(rc);
			goto fail;
		}
	}
	rc = sqlite3_prepare_v2(db, "INSERT INTO schema_version "
	    "(version, name, applied) VALUES (?1, ?2, ?3)", -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 1, mg->mg_version);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 2, mg->mg_name, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, (sqlite3_int64)time(NULL));
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_DONE) {
		status = store_status_of(rc);
		goto fail;
	}
	status = STORE_OK;
 fail:
	sqlite3_finalize(s);
	return status;
}

/* see store_local.h */
int
store_migrate(sqlite3 *db, unsigned want)
{
	unsigned	 have = 0;
	size_t		 i;
	int		 rc, status = STORE_ERR_GENERAL;
	bool		 in_tx = false;

	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		status = store_status_of(rc);
		goto fail;
	}
	in_tx = true;
	rc = sqlite3_exec(db, SCHEMA_BOOT, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		status = store_status_of(rc);
		goto fail;
	}
	status = store_version_get(db, &have);
	if (status != STORE_OK)
		goto fail;
	if (have > STORE_SCHEMA_VERSION) {
		log_warnx("%s: database schema %u is newer than this "
		    "firmware's %u; refusing it", __func__, have,
		    STORE_SCHEMA_VERSION);
		status = STORE_ERR_VERSION;
		goto fail;
	}
	for (i = 0; i < store_migration_count; i++) {
		if (store_migrations[i].mg_version <= have ||
		    store_migrations[i].mg_version > want)
			continue;
		status = migrate_one(db, &store_migrations[i]);
		if (status != STORE_OK)
			goto fail;
		log_info("%s: schema migrated to %u (%s)", __func__,
		    store_migrations[i].mg_version,
		    store_migrations[i].mg_name);
	}
	rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		status = store_status_of(rc);
		goto fail;
	}
	return STORE_OK;
 fail:
	if (in_tx)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return status;
}
