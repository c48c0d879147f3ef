/*
 * audit.c - the append-only, hash-chained record of every key set
 * released, every request refused and every operator command (see
 * store.h, docs/store.md).
 *
 * Each record stores prev_hash (the hash of the record before it, 32
 * zero bytes for the first) and hash = SHA-256(prev_hash || canonical
 * bytes of the record).  Both are computed inside the write transaction
 * of the insert, and the store serialises writers, so the chain has no
 * forks.  Triggers refuse UPDATE and DELETE; the chain and the signed
 * checkpoints make an edit behind the triggers' back (an attacker with
 * sqlite3 who drops them) visible to store_audit_verify.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include "store_local.h"

/* Domain separation of the checkpoint digest. */
#define CKPT_TAG	"kms-audit-checkpoint/1"
#define CKPT_TAG_LEN	(sizeof(CKPT_TAG) - 1)

/* The canonical bytes of one record: fixed fields + six texts. */
#define AUDIT_CANON_MAX	(STORE_HASH_LEN + 8 + 1 + 8 + 8 + 6 * 4 + \
			    2 * STORE_URI_MAX + STORE_REQID_MAX + \
			    STORE_TOKID_MAX + STORE_REASON_MAX + \
			    STORE_OPERATOR_MAX)

static size_t
put_u64(uint8_t *p, uint64_t v)
{
	int	 i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
	return 8;
}

/* A text as a 32-bit big-endian length and its bytes. */
static size_t
put_text(uint8_t *p, const char *s)
{
	size_t	 n = strlen(s);

	p[0] = (uint8_t)(n >> 24);
	p[1] = (uint8_t)(n >> 16);
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
	memcpy(p + 4, s, n);
	return 4 + n;
}

/* see store_local.h */
void
store_audit_hash(const uint8_t prev[STORE_HASH_LEN], int64_t seq,
    const struct store_audit *r, uint8_t out[STORE_HASH_LEN])
{
	uint8_t	 buf[AUDIT_CANON_MAX];
	size_t	 n = 0;

	memcpy(buf, prev, STORE_HASH_LEN);
	n += STORE_HASH_LEN;
	n += put_u64(buf + n, (uint64_t)seq);
	buf[n++] = (uint8_t)r->sa_kind;
	n += put_u64(buf + n, (uint64_t)r->sa_time);
	n += put_u64(buf + n, (uint64_t)r->sa_period_no);
	n += put_text(buf + n, r->sa_subject);
	n += put_text(buf + n, r->sa_identity);
	n += put_text(buf + n, r->sa_request_id);
	n += put_text(buf + n, r->sa_token_id);
	n += put_text(buf + n, r->sa_reason);
	n += put_text(buf + n, r->sa_operator);
	SHA256(buf, n, out);
}

/* see store_local.h */
void
store_audit_row(sqlite3_stmt *s, struct store_audit *r)
{
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
	store_copy(r->sa_operator, sizeof(r->sa_operator),
	    sqlite3_column_text(s, 9));
}

/* Fill ((struct store_audit *)arg)[i] from a row of ST_AUDIT_READ. */
static int
audit_row(void *arg, sqlite3_stmt *s, size_t i)
{
	store_audit_row(s, (struct store_audit *)arg + i);
	return STORE_OK;
}

/* A 32-byte blob column into out; false when it is not 32 bytes. */
static bool
blob32(sqlite3_stmt *s, int col, uint8_t out[STORE_HASH_LEN])
{
	const void	*p = sqlite3_column_blob(s, col);

	if (p == NULL || sqlite3_column_bytes(s, col) != STORE_HASH_LEN)
		return false;
	memcpy(out, p, STORE_HASH_LEN);
	return true;
}

/* see store_local.h */
int
store_audit_chain_existing(sqlite3 *db)
{
	sqlite3_stmt		*rd = NULL, *up = NULL;
	struct store_audit	 r;
	uint8_t			 prev[STORE_HASH_LEN], h[STORE_HASH_LEN];
	int			 rc, status = STORE_ERR_GENERAL;

	memset(prev, 0, sizeof(prev));
	rc = sqlite3_prepare_v2(db, "SELECT id, kind, time, subject, "
	    "identity, period_no, request_id, token_id, reason, operator "
	    "FROM audit ORDER BY id", -1, &rd, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "UPDATE audit SET prev_hash = ?1, "
		    "hash = ?2 WHERE id = ?3", -1, &up, NULL);
	if (rc != SQLITE_OK) {
		status = store_status_of(rc);
		goto fail;
	}
	while ((rc = sqlite3_step(rd)) == SQLITE_ROW) {
		store_audit_row(rd, &r);
		store_audit_hash(prev, r.sa_id, &r, h);
		sqlite3_bind_blob(up, 1, prev, STORE_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(up, 2, h, STORE_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(up, 3, r.sa_id);
		rc = sqlite3_step(up);
		sqlite3_reset(up);
		if (rc != SQLITE_DONE) {
			status = store_status_of(rc);
			goto fail;
		}
		memcpy(prev, h, STORE_HASH_LEN);
	}
	if (rc != SQLITE_DONE) {
		status = store_status_of(rc);
		goto fail;
	}
	status = STORE_OK;
 fail:
	sqlite3_finalize(rd);
	sqlite3_finalize(up);
	return status;
}

/* The checkpoint digest over (seq, time, hash). */
static void
ckpt_digest(int64_t seq, int64_t t, const uint8_t hash[STORE_HASH_LEN],
    uint8_t out[32])
{
	uint8_t	 buf[CKPT_TAG_LEN + 16 + STORE_HASH_LEN];
	size_t	 n = 0;

	memcpy(buf, CKPT_TAG, CKPT_TAG_LEN);
	n += CKPT_TAG_LEN;
	n += put_u64(buf + n, (uint64_t)seq);
	n += put_u64(buf + n, (uint64_t)t);
	memcpy(buf + n, hash, STORE_HASH_LEN);
	n += STORE_HASH_LEN;
	SHA256(buf, n, out);
}

/* see store.h */
void
store_key_id(const uint8_t pub[STORE_PUBKEY_LEN], uint8_t out[STORE_HASH_LEN])
{
	SHA256(pub, STORE_PUBKEY_LEN, out);
}

/* A P-256 public key from 04||x||y, or NULL. */
static EVP_PKEY *
p256_key(const uint8_t pub[STORE_PUBKEY_LEN])
{
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*pk = NULL;

	if (pub[0] != 0x04)
		return NULL;
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pub, STORE_PUBKEY_LEN))
		goto fail;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		EVP_PKEY_free(pk);
		pk = NULL;
		goto fail;
	}
	/* fromdata does not check that the point is on the curve */
	EVP_PKEY_CTX_free(ctx);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	if (ctx == NULL || EVP_PKEY_public_check(ctx) != 1) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
 fail:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return pk;
}

/* Whether sig (r||s) is pk's ECDSA signature of digest. */
static bool
p256_verify(EVP_PKEY *pk, const uint8_t digest[32],
    const uint8_t sig[STORE_SIG_LEN])
{
	ECDSA_SIG	*es = NULL;
	BIGNUM		*r = NULL, *s = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	unsigned char	*der = NULL;
	int		 derlen;
	bool		 ok = false;

	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, STORE_SIG_LEN / 2, NULL);
	s = BN_bin2bn(sig + STORE_SIG_LEN / 2, STORE_SIG_LEN / 2, NULL);
	if (es == NULL || r == NULL || s == NULL ||
	    ECDSA_SIG_set0(es, r, s) != 1)
		goto fail;
	r = s = NULL;		/* owned by es now */
	derlen = i2d_ECDSA_SIG(es, &der);
	if (derlen <= 0)
		goto fail;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	if (ctx == NULL || EVP_PKEY_verify_init(ctx) <= 0)
		goto fail;
	ok = EVP_PKEY_verify(ctx, der, (size_t)derlen, digest, 32) == 1;
 fail:
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(der);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return ok;
}

/* see store.h */
int
store_audit_signer(struct store *st, const struct store_signer *sg)
{
	EVP_PKEY	*pk;

	if (st == NULL || sg == NULL || sg->ss_sign == NULL ||
	    sg->ss_every > STORE_CKPT_EVERY_MAX ||
	    sg->ss_seconds > STORE_CKPT_SECONDS_MAX)
		return STORE_ERR_ARGS;
	if ((pk = p256_key(sg->ss_pub)) == NULL)
		return STORE_ERR_ARGS;
	EVP_PKEY_free(pk);
	pthread_mutex_lock(&st->st_write);
	if (st->st_has_signer) {
		pthread_mutex_unlock(&st->st_write);
		return STORE_ERR_EXISTS;
	}
	st->st_signer = *sg;
	if (st->st_signer.ss_every == 0)
		st->st_signer.ss_every = STORE_CKPT_DEF_EVERY;
	if (st->st_signer.ss_seconds == 0)
		st->st_signer.ss_seconds = STORE_CKPT_DEF_SECONDS;
	st->st_has_signer = true;
	pthread_mutex_unlock(&st->st_write);
	return STORE_OK;
}

/*
 * Sign and insert the checkpoint (seq, now, hash) on cn, inside the
 * caller's write transaction.  A signer failure is STORE_ERR_GENERAL
 * before anything is written.
 */
static int
ckpt_write(struct store *st, struct store_conn *cn, int64_t seq,
    int64_t now, const uint8_t hash[STORE_HASH_LEN])
{
	uint8_t	 digest[32], sig[STORE_SIG_LEN], kid[STORE_HASH_LEN];

	ckpt_digest(seq, now, hash, digest);
	if (st->st_signer.ss_sign(st->st_signer.ss_arg, digest, sig) != 0) {
		log_warnx("%s: checkpoint at record %lld not signed; "
		    "retried at the next record", __func__, (long long)seq);
		return STORE_ERR_GENERAL;
	}
	store_key_id(st->st_signer.ss_pub, kid);
	return store_run(cn, ST_CKPT_ADD, STORE_ARGS(STORE_INT(seq),
	    STORE_INT(now), STORE_BLOB(hash, STORE_HASH_LEN),
	    STORE_BLOB(kid, STORE_HASH_LEN), STORE_BLOB(sig, STORE_SIG_LEN)),
	    false);
}

/* The newest checkpoint's seq and time (0, 0 when there is none). */
static int
ckpt_last(struct store_conn *cn, int64_t *seq, int64_t *t)
{
	sqlite3_stmt	*s;
	int		 status;

	*seq = 0;
	*t = 0;
	status = store_query(cn, ST_CKPT_LAST, NULL, 0, &s);
	if (status == STORE_OK) {
		*seq = sqlite3_column_int64(s, 0);
		*t = sqlite3_column_int64(s, 1);
	} else if (status == STORE_ERR_NOTFOUND)
		status = STORE_OK;
	store_stmt_done(s);
	return status;
}

/* The newest record's seq and hash (0 and zeros when there is none). */
static int
audit_last(struct store_conn *cn, int64_t *seq, uint8_t hash[STORE_HASH_LEN])
{
	sqlite3_stmt	*s;
	int		 status;

	*seq = 0;
	memset(hash, 0, STORE_HASH_LEN);
	status = store_query(cn, ST_AUDIT_LAST, NULL, 0, &s);
	if (status == STORE_OK) {
		*seq = sqlite3_column_int64(s, 0);
		if (!blob32(s, 1, hash))
			status = STORE_ERR_CORRUPT;
	} else if (status == STORE_ERR_NOTFOUND)
		status = STORE_OK;
	store_stmt_done(s);
	return status;
}

/* see store.h */
int
store_space_check(struct store *st, uint64_t *free_bytes)
{
	struct statvfs	 sv;
	uint64_t	 f;

	if (st == NULL)
		return STORE_ERR_ARGS;
	if (statvfs(st->st_dir, &sv) != 0) {
		log_warn("%s: %s", __func__, st->st_dir);
		atomic_store(&st->st_free_known, false);
		return STORE_ERR_GENERAL;
	}
	f = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
	atomic_store(&st->st_free_bytes, f);
	atomic_store(&st->st_free_known, true);
	if (free_bytes != NULL)
		*free_bytes = f;
	return STORE_OK;
}

/* see store.h */
bool
store_alarm(struct store *st, char *out, size_t size)
{
	uint64_t	 f;

	if (out != NULL && size > 0)
		out[0] = '\0';
	if (st == NULL)
		return false;
	if (atomic_load(&st->st_audit_failed)) {
		if (out != NULL && size > 0)
			snprintf(out, size, "ALARM audit failed");
		return true;
	}
	f = atomic_load(&st->st_free_bytes);
	if (atomic_load(&st->st_free_known) && f < st->st_alarm_free) {
		if (out != NULL && size > 0)
			snprintf(out, size, "ALARM disk %lluMB free",
			    (unsigned long long)(f >> 20));
		return true;
	}
	return false;
}

/*
 * A checkpoint over the newest record if it has none and the last one is
 * older than ss_seconds at wall time now.
 */
static int
ckpt_if_due(struct store *st, int64_t now)
{
	struct store_conn	*cn;
	uint8_t			 h[STORE_HASH_LEN];
	int64_t			 seq, cseq, ctime;
	int			 status;

	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = audit_last(cn, &seq, h);
	if (status == STORE_OK)
		status = ckpt_last(cn, &cseq, &ctime);
	if (status == STORE_OK && seq > cseq &&
	    now - ctime >= (int64_t)st->st_signer.ss_seconds)
		status = ckpt_write(st, cn, seq, now, h);
	return store_write_end(st, cn, status);
}

/* see store.h */
bool
store_alarm_poll(struct store *st)
{
	char	 now[sizeof(st->st_alarm_shown)];
	int64_t	 t;

	if (st == NULL)
		return false;
	(void)store_space_check(st, NULL);
	t = (int64_t)time(NULL);
	if (st->st_has_signer && t - st->st_tick_ckpt >= STORE_TICK_CKPT_S) {
		st->st_tick_ckpt = t;
		(void)ckpt_if_due(st, t);
	}
	(void)store_alarm(st, now, sizeof(now));
	if (strcmp(now, st->st_alarm_shown) == 0)
		return false;
	memcpy(st->st_alarm_shown, now, sizeof(now));
	if (now[0] != '\0')
		log_err("store: %s", now);
	else
		log_info("store: alarm cleared");
	return true;
}

/* see store.h */
int
store_audit_add(struct store *st, const struct store_audit *r)
{
	struct store_conn	*cn;
	uint8_t			 prev[STORE_HASH_LEN], h[STORE_HASH_LEN];
	int64_t			 seq, cseq, ctime;
	uint64_t		 f;
	int			 status;

	if (st == NULL || r == NULL ||
	    (r->sa_kind != STORE_AUDIT_ISSUED &&
	    r->sa_kind != STORE_AUDIT_REFUSED &&
	    r->sa_kind != STORE_AUDIT_OPERATOR) ||
	    r->sa_period_no < -1 ||
	    !store_text_ok(r->sa_subject, STORE_URI_MAX, true) ||
	    !store_text_ok(r->sa_identity, STORE_URI_MAX, true) ||
	    !store_text_ok(r->sa_request_id, STORE_REQID_MAX, true) ||
	    !store_text_ok(r->sa_token_id, STORE_TOKID_MAX, true) ||
	    !store_text_ok(r->sa_reason, STORE_REASON_MAX, true) ||
	    !store_text_ok(r->sa_operator, STORE_OPERATOR_MAX, true))
		return STORE_ERR_ARGS;
	/* Fail closed before the disk is full: issuance stops first. */
	if (store_space_check(st, &f) == STORE_OK &&
	    r->sa_kind == STORE_AUDIT_ISSUED && f < st->st_reserve_free) {
		log_err("%s: %llu MB free, below the %llu MB reserve: "
		    "issuance refused", __func__,
		    (unsigned long long)(f >> 20),
		    (unsigned long long)(st->st_reserve_free >> 20));
		atomic_store(&st->st_audit_failed, true);
		return STORE_ERR_FULL;
	}
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		goto done;
	status = audit_last(cn, &seq, prev);
	if (status == STORE_OK) {
		seq++;
		store_audit_hash(prev, seq, r, h);
		status = store_run(cn, ST_AUDIT_ADD, STORE_ARGS(STORE_INT(seq),
		    STORE_INT(r->sa_kind), STORE_INT(r->sa_time),
		    STORE_TEXT(r->sa_subject), STORE_TEXT(r->sa_identity),
		    STORE_INT(r->sa_period_no), STORE_TEXT(r->sa_request_id),
		    STORE_TEXT(r->sa_token_id), STORE_TEXT(r->sa_reason),
		    STORE_TEXT(r->sa_operator),
		    STORE_BLOB(prev, STORE_HASH_LEN),
		    STORE_BLOB(h, STORE_HASH_LEN)), false);
	}
	if (status == STORE_OK && st->st_has_signer)
		status = ckpt_last(cn, &cseq, &ctime);
	if (status == STORE_OK && st->st_has_signer &&
	    (seq - cseq >= (int64_t)st->st_signer.ss_every ||
	    r->sa_time - ctime >= (int64_t)st->st_signer.ss_seconds)) {
		status = ckpt_write(st, cn, seq, r->sa_time, h);
		if (status == STORE_ERR_GENERAL)
			status = STORE_OK;	/* unsigned: retried later */
	}
	status = store_write_end(st, cn, status);
	/* The arguments were checked: a constraint now is the database's. */
	if (status == STORE_ERR_ARGS)
		status = STORE_ERR_GENERAL;
 done:
	if (status != STORE_OK)
		log_err("%s: audit record not written: %s", __func__,
		    store_strerror(status));
	atomic_store(&st->st_audit_failed, status != STORE_OK);
	return status;
}

/* see store.h */
int
store_audit_checkpoint(struct store *st, int64_t now)
{
	struct store_conn	*cn;
	uint8_t			 h[STORE_HASH_LEN];
	int64_t			 seq, cseq, ctime;
	int			 status;

	if (st == NULL)
		return STORE_ERR_ARGS;
	if (!st->st_has_signer)
		return STORE_ERR_NOTFOUND;
	status = store_write_begin(st, &cn);
	if (status != STORE_OK)
		return status;
	status = audit_last(cn, &seq, h);
	if (status == STORE_OK && seq == 0)
		status = STORE_ERR_NOTFOUND;
	if (status == STORE_OK)
		status = ckpt_last(cn, &cseq, &ctime);
	if (status == STORE_OK && cseq != seq)
		status = ckpt_write(st, cn, seq, now, h);
	return store_write_end(st, cn, status);
}

/* The state of one verification walk. */
struct verify {
	EVP_PKEY	*vf_keys[STORE_VERIFY_KEYS_MAX];
	uint8_t		 vf_kids[STORE_VERIFY_KEYS_MAX][STORE_HASH_LEN];
	size_t		 vf_nkeys;
	struct store_verify *vf_out;
};

static int	 problem(struct store_verify *o, int64_t seq,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Record the first problem: where and what; STORE_ERR_TAMPERED. */
static int
problem(struct store_verify *o, int64_t seq, const char *fmt, ...)
{
	va_list	 ap;

	o->sv_bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(o->sv_problem, sizeof(o->sv_problem), fmt, ap);
	va_end(ap);
	return STORE_ERR_TAMPERED;
}

/* Check the checkpoint on row c against the record hash h of seq. */
static int
verify_ckpt(struct verify *v, sqlite3_stmt *c, const uint8_t h[STORE_HASH_LEN])
{
	struct store_verify	*o = v->vf_out;
	uint8_t			 ch[STORE_HASH_LEN], kid[STORE_HASH_LEN];
	uint8_t			 digest[32];
	const void		*sig;
	int64_t			 seq = sqlite3_column_int64(c, 0);
	size_t			 i;

	o->sv_checkpoints++;
	sig = sqlite3_column_blob(c, 4);
	if (!blob32(c, 2, ch) || !blob32(c, 3, kid) || sig == NULL ||
	    sqlite3_column_bytes(c, 4) != STORE_SIG_LEN)
		return problem(o, seq, "checkpoint %lld: malformed",
		    (long long)seq);
	if (memcmp(ch, h, STORE_HASH_LEN) != 0)
		return problem(o, seq, "checkpoint %lld: does not match the "
		    "record (records before it changed)", (long long)seq);
	for (i = 0; i < v->vf_nkeys; i++)
		if (memcmp(kid, v->vf_kids[i], STORE_HASH_LEN) == 0)
			break;
	if (i == v->vf_nkeys) {
		o->sv_ckpt_unknown++;
		return STORE_OK;
	}
	ckpt_digest(seq, sqlite3_column_int64(c, 1), ch, digest);
	if (!p256_verify(v->vf_keys[i], digest, sig))
		return problem(o, seq, "checkpoint %lld: bad signature",
		    (long long)seq);
	o->sv_ckpt_verified++;
	o->sv_signed_upto = seq;
	return STORE_OK;
}

/* Walk records and checkpoints together on cn. */
static int
verify_walk(struct verify *v, struct store_conn *cn)
{
	struct store_verify	*o = v->vf_out;
	struct store_audit	 r;
	sqlite3_stmt		*a, *c;
	uint8_t			 prev[STORE_HASH_LEN], sp[STORE_HASH_LEN];
	uint8_t			 sh[STORE_HASH_LEN], h[STORE_HASH_LEN];
	int64_t			 last = 0, cseq = 0;
	int			 rc, crc, status = STORE_ERR_GENERAL;

	a = store_stmt(cn, ST_AUDIT_WALK);
	c = store_stmt(cn, ST_CKPT_WALK);
	if (a == NULL || c == NULL)
		return STORE_ERR_GENERAL;
	memset(prev, 0, sizeof(prev));
	crc = sqlite3_step(c);
	if (crc == SQLITE_ROW)
		cseq = sqlite3_column_int64(c, 0);
	while ((rc = sqlite3_step(a)) == SQLITE_ROW) {
		store_audit_row(a, &r);
		o->sv_records++;
		if (r.sa_id <= last) {
			status = problem(o, r.sa_id, "record %lld: out of "
			    "order after record %lld", (long long)r.sa_id,
			    (long long)last);
			goto fail;
		}
		if (!blob32(a, 10, sp) || !blob32(a, 11, sh)) {
			status = problem(o, r.sa_id, "record %lld: chain "
			    "fields missing", (long long)r.sa_id);
			goto fail;
		}
		if (memcmp(sp, prev, STORE_HASH_LEN) != 0) {
			status = problem(o, r.sa_id, "record %lld: does not "
			    "follow record %lld (a record was deleted, "
			    "inserted or moved)", (long long)r.sa_id,
			    (long long)last);
			goto fail;
		}
		store_audit_hash(prev, r.sa_id, &r, h);
		if (memcmp(h, sh, STORE_HASH_LEN) != 0) {
			status = problem(o, r.sa_id, "record %lld: contents "
			    "changed after it was written",
			    (long long)r.sa_id);
			goto fail;
		}
		while (crc == SQLITE_ROW && cseq <= r.sa_id) {
			if (cseq < r.sa_id) {
				status = problem(o, cseq, "checkpoint %lld: "
				    "its record is missing",
				    (long long)cseq);
				goto fail;
			}
			if ((status = verify_ckpt(v, c, h)) != STORE_OK)
				goto fail;
			crc = sqlite3_step(c);
			if (crc == SQLITE_ROW)
				cseq = sqlite3_column_int64(c, 0);
		}
		memcpy(prev, h, STORE_HASH_LEN);
		last = r.sa_id;
	}
	if (rc != SQLITE_DONE) {
		status = store_status_of(rc);
		goto fail;
	}
	o->sv_last_seq = last;
	if (crc == SQLITE_ROW) {
		status = problem(o, cseq, "checkpoint %lld: beyond the last "
		    "record %lld (records deleted at the end)",
		    (long long)cseq, (long long)last);
		goto fail;
	}
	if (crc != SQLITE_DONE) {
		status = store_status_of(crc);
		goto fail;
	}
	status = STORE_OK;
 fail:
	store_stmt_done(a);
	store_stmt_done(c);
	return status;
}

/* see store.h */
int
store_audit_verify(struct store *st, const uint8_t (*keys)[STORE_PUBKEY_LEN],
    size_t nkeys, struct store_verify *out)
{
	struct verify		 v;
	struct store_conn	*cn;
	size_t			 i;
	int			 status = STORE_ERR_GENERAL;

	if (st == NULL || out == NULL || nkeys > STORE_VERIFY_KEYS_MAX ||
	    (nkeys > 0 && keys == NULL))
		return STORE_ERR_ARGS;
	memset(out, 0, sizeof(*out));
	memset(&v, 0, sizeof(v));
	v.vf_out = out;
	for (i = 0; i < nkeys; i++) {
		if ((v.vf_keys[i] = p256_key(keys[i])) == NULL) {
			status = STORE_ERR_ARGS;
			goto fail;
		}
		store_key_id(keys[i], v.vf_kids[i]);
		v.vf_nkeys++;
	}
	status = store_read_begin(st, &cn);
	if (status != STORE_OK)
		goto fail;
	status = verify_walk(&v, cn);
	store_read_end(st, cn);
 fail:
	for (i = 0; i < v.vf_nkeys; i++)
		EVP_PKEY_free(v.vf_keys[i]);
	return status;
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
