/*
 * hsm_backup.c - the backup key and the backup file (see hsm.h and
 * docs/operator-guide.md "Backup and restore").
 *
 * The backup file, all integers big endian:
 *
 *	off  len
 *	  0    8  magic "KMSBKUP\0"
 *	  8    2  format version (HSM_BACKUP_VERSION)
 *	 10    2  0
 *	 12    8  creation time, Unix seconds
 *	 20    8  key check value of the backup key (hsm_backup_kcv)
 *	 28    4  M, length of the masters section
 *	 32    8  D, length of the store section
 *	 40    M  masters: IV (12) || AES-256-GCM ciphertext || tag (16)
 *	 40+M  D  store: the same shape
 *
 * Both sections are sealed in the token under the backup key, each with
 * AAD = the 40-byte header || the section's name ("masters", "store"), so
 * a changed header, swapped sections or a section from another file fail
 * authentication.  The masters plaintext is a count byte and, per
 * master, class (1), label length (1), label, value length (2), value; it
 * exists only in the locked arena.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "board.h"
#include "hsm_local.h"

#define BK_MAGIC	"KMSBKUP"	/* 7 chars + NUL = 8 bytes */
#define BK_MAGIC_LEN	8
#define BK_HDR_LEN	40
#define BK_IV_LEN	12
#define BK_TAG_LEN	16
#define BK_SECTION(n)	(BK_IV_LEN + (n) + BK_TAG_LEN)
#define BK_AAD_MAX	(BK_HDR_LEN + 16)
#define BK_KCV_TAG	"kms-backup-kcv/1"
/* Masters plaintext: count, then class, label len, label, len, value. */
#define BK_MASTERS_MAX	(1 + HSM_BACKUP_MASTERS_MAX * \
			    (1 + 1 + HSM_LABEL_MAX + 2 + HSM_MASTER_MAX_LEN))

static CK_BBOOL	 ck_true = CK_TRUE;
static CK_BBOOL	 ck_false = CK_FALSE;

static void
put_be(uint8_t *p, uint64_t v, size_t n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t
get_be(const uint8_t *p, size_t n)
{
	uint64_t	 v = 0;
	size_t		 i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* see hsm.h */
void
hsm_backup_kcv(const uint8_t key[32], uint8_t out[HSM_BACKUP_KCV_LEN])
{
	uint8_t	 buf[sizeof(BK_KCV_TAG) - 1 + 32], md[SHA256_DIGEST_LENGTH];

	memcpy(buf, BK_KCV_TAG, sizeof(BK_KCV_TAG) - 1);
	memcpy(buf + sizeof(BK_KCV_TAG) - 1, key, 32);
	SHA256(buf, sizeof(buf), md);
	memcpy(out, md, HSM_BACKUP_KCV_LEN);
	/* wipe: the key copy */
	OPENSSL_cleanse(buf, sizeof(buf));
}

/* see hsm.h */
enum hsm_status
hsm_backup_key_import(struct hsm *h, const char *label, const uint8_t key[32],
    hsm_key_id *out)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_session	 s = { CK_INVALID_HANDLE, 0 };
	struct hsm_key		 k;
	CK_OBJECT_CLASS		 cls = CKO_SECRET_KEY;
	CK_KEY_TYPE		 kt = CKK_AES;
	CK_OBJECT_HANDLE	 obj = CK_INVALID_HANDLE;
	CK_RV			 rv;

	if (out != NULL)
		*out = HSM_KEY_NONE;
	if (h == NULL || out == NULL || key == NULL ||
	    hsm_label_check(label) != HSM_OK)
		return HSM_ERR_ARGS;
	memset(&k, 0, sizeof(k));
	k.hk_class = HSM_KC_BACKUP;
	memcpy(k.hk_label, label, strlen(label) + 1);
	memcpy(k.hk_ckid, HSM_CKID_MAGIC, HSM_CKID_MAGIC_LEN);
	k.hk_ckid[HSM_CKID_MAGIC_LEN] = (uint8_t)HSM_KC_BACKUP;
	hsm_backup_kcv(key, k.hk_ckid + HSM_CKID_MAGIC_LEN + 1);

	pthread_mutex_lock(&h->h_prov_mtx);
	if ((status = hsm_label_is_free(h, label)) != HSM_OK)
		goto fail;
	{
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_KEY_TYPE, &kt, sizeof(kt) },
			{ CKA_VALUE, (void *)(uintptr_t)key, 32 },
			{ CKA_TOKEN, &ck_true, sizeof(ck_true) },
			{ CKA_PRIVATE, &ck_true, sizeof(ck_true) },
			{ CKA_SENSITIVE, &ck_true, sizeof(ck_true) },
			{ CKA_EXTRACTABLE, &ck_false, sizeof(ck_false) },
			{ CKA_MODIFIABLE, &ck_false, sizeof(ck_false) },
			{ CKA_ENCRYPT, &ck_true, sizeof(ck_true) },
			{ CKA_DECRYPT, &ck_true, sizeof(ck_true) },
			{ CKA_WRAP, &ck_false, sizeof(ck_false) },
			{ CKA_UNWRAP, &ck_false, sizeof(ck_false) },
			{ CKA_SIGN, &ck_false, sizeof(ck_false) },
			{ CKA_VERIFY, &ck_false, sizeof(ck_false) },
			{ CKA_DERIVE, &ck_false, sizeof(ck_false) },
			{ CKA_LABEL, k.hk_label, strlen(k.hk_label) },
			{ CKA_ID, k.hk_ckid, HSM_CKID_LEN },
		};

		hsm_session_get(h, &s);
		rv = h->h_p11->C_CreateObject(s.hs_sess, t,
		    sizeof(t) / sizeof(t[0]), &obj);
		hsm_session_put(h, &s, rv);
	}
	if (rv != CKR_OK) {
		log_warnx("%s: C_CreateObject: 0x%lx", __func__, rv);
		status = hsm_ckr(rv, false);
		goto fail;
	}
	k.hk_obj = obj;
	if ((status = hsm_key_add(h, &k, out)) != HSM_OK) {
		hsm_destroy_obj(h, obj);
		goto fail;
	}
	log_info("hsm: imported the backup key '%s'", label);
	status = HSM_OK;
 fail:
	pthread_mutex_unlock(&h->h_prov_mtx);
	return status;
}

/*
 * One AES-256-GCM operation under the backup key k in the token:
 * encrypt in (len bytes) into out = IV || ct || tag (BK_SECTION(len)
 * bytes), or decrypt such a section (len = its length) into out.
 */
static enum hsm_status
bk_gcm(struct hsm *h, const struct hsm_key *k, bool enc, const uint8_t *aad,
    size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
    size_t *out_len)
{
	struct hsm_session	 s;
	CK_GCM_PARAMS		 gcm;
	CK_MECHANISM		 mech;
	uint8_t			 iv[BK_IV_LEN];
	CK_ULONG		 olen;
	CK_RV			 rv;
	enum hsm_status		 status;

	*out_len = 0;
	if (enc) {
		if ((status = hsm_random(h, iv, sizeof(iv))) != HSM_OK)
			return status;
		memcpy(out, iv, BK_IV_LEN);
	} else {
		if (len < BK_SECTION(0))
			return HSM_ERR_INTEGRITY;
		memcpy(iv, in, BK_IV_LEN);
	}
	memset(&gcm, 0, sizeof(gcm));
	gcm.pIv = iv;
	gcm.ulIvLen = BK_IV_LEN;
	gcm.ulIvBits = BK_IV_LEN * 8;
	gcm.pAAD = (CK_BYTE_PTR)aad;
	gcm.ulAADLen = aad_len;
	gcm.ulTagBits = BK_TAG_LEN * 8;
	mech.mechanism = CKM_AES_GCM;
	mech.pParameter = &gcm;
	mech.ulParameterLen = sizeof(gcm);

	hsm_session_get(h, &s);
	if (enc) {
		olen = len + BK_TAG_LEN;
		rv = h->h_p11->C_EncryptInit(s.hs_sess, &mech, k->hk_obj);
		if (rv == CKR_OK)
			rv = h->h_p11->C_Encrypt(s.hs_sess, (CK_BYTE_PTR)in,
			    len, out + BK_IV_LEN, &olen);
		if (rv == CKR_OK)
			olen += BK_IV_LEN;
	} else {
		olen = len - BK_IV_LEN;
		rv = h->h_p11->C_DecryptInit(s.hs_sess, &mech, k->hk_obj);
		if (rv == CKR_OK)
			rv = h->h_p11->C_Decrypt(s.hs_sess,
			    (CK_BYTE_PTR)in + BK_IV_LEN, len - BK_IV_LEN, out,
			    &olen);
	}
	hsm_session_put(h, &s, rv);
	if (rv != CKR_OK) {
		status = hsm_ckr(rv, !enc);
		if (status != HSM_ERR_INTEGRITY)
			log_warnx("%s: %s: 0x%lx", __func__, enc ? "seal" :
			    "open", rv);
		return status;
	}
	*out_len = olen;
	return HSM_OK;
}

/* The AAD of a section: the header and the section's name. */
static size_t
bk_aad(uint8_t *aad, const uint8_t *hdr, const char *name)
{
	size_t	 n = strlen(name);

	memcpy(aad, hdr, BK_HDR_LEN);
	memcpy(aad + BK_HDR_LEN, name, n);
	return BK_HDR_LEN + n;
}

/* Append one master to the plaintext (hsm_master_use callback). */
struct bk_put {
	uint8_t		*bp_buf;	/* locked arena */
	size_t		 bp_len;
	const struct hsm_key *bp_key;
};

static int
bk_put_master(const uint8_t *secret, size_t len, void *arg)
{
	struct bk_put	*p = arg;
	size_t		 ll = strlen(p->bp_key->hk_label);

	if (len == 0 || len > HSM_MASTER_MAX_LEN || ll > HSM_LABEL_MAX ||
	    p->bp_len + 4 + ll + len > BK_MASTERS_MAX)
		return -1;
	p->bp_buf[p->bp_len++] = (uint8_t)p->bp_key->hk_class;
	p->bp_buf[p->bp_len++] = (uint8_t)ll;
	memcpy(p->bp_buf + p->bp_len, p->bp_key->hk_label, ll);
	p->bp_len += ll;
	put_be(p->bp_buf + p->bp_len, len, 2);
	p->bp_len += 2;
	/* into the locked arena only; wiped by the caller */
	memcpy(p->bp_buf + p->bp_len, secret, len);
	p->bp_len += len;
	return 0;
}

/* see hsm.h */
enum hsm_status
hsm_backup_create(struct hsm *h, hsm_key_id bk, const hsm_key_id *masters,
    size_t n, const uint8_t *db, size_t db_len, uint64_t created,
    uint8_t **out, size_t *out_len)
{
	enum hsm_status	 status = HSM_ERR_GENERAL;
	struct hsm_key	 k, mk;
	struct bk_put	 put = { NULL, 0, NULL };
	uint8_t		 aad[BK_AAD_MAX], *file = NULL;
	size_t		 i, mlen, flen, got, aadlen;

	if (out != NULL)
		*out = NULL;
	if (out_len != NULL)
		*out_len = 0;
	if (h == NULL || out == NULL || out_len == NULL || masters == NULL ||
	    n == 0 || n > HSM_BACKUP_MASTERS_MAX || db == NULL ||
	    db_len == 0 || db_len > HSM_BACKUP_DB_MAX)
		return HSM_ERR_ARGS;
	if ((status = hsm_key_get(h, bk, HSM_OP_BACKUP_WRAP, &k)) != HSM_OK)
		return status;
	if ((put.bp_buf = hsm_secmem_alloc(BK_MASTERS_MAX)) == NULL)
		return HSM_ERR_MEMORY;
	put.bp_buf[put.bp_len++] = (uint8_t)n;
	for (i = 0; i < n; i++) {
		if ((status = hsm_key_get(h, masters[i], HSM_OP_USE_SECRET,
		    &mk)) != HSM_OK)
			goto fail;
		put.bp_key = &mk;
		if ((status = hsm_master_use(h, masters[i], bk_put_master,
		    &put)) != HSM_OK)
			goto fail;
	}
	mlen = BK_SECTION(put.bp_len);
	flen = BK_HDR_LEN + mlen + BK_SECTION(db_len);
	if ((file = calloc(1, flen)) == NULL) {
		status = HSM_ERR_MEMORY;
		goto fail;
	}
	memcpy(file, BK_MAGIC, BK_MAGIC_LEN);
	put_be(file + 8, HSM_BACKUP_VERSION, 2);
	put_be(file + 12, created, 8);
	memcpy(file + 20, k.hk_ckid + HSM_CKID_MAGIC_LEN + 1,
	    HSM_BACKUP_KCV_LEN);
	put_be(file + 28, mlen, 4);
	put_be(file + 32, BK_SECTION(db_len), 8);

	aadlen = bk_aad(aad, file, "masters");
	status = bk_gcm(h, &k, true, aad, aadlen, put.bp_buf, put.bp_len,
	    file + BK_HDR_LEN, &got);
	if (status != HSM_OK || got != mlen)
		goto fail;
	aadlen = bk_aad(aad, file, "store");
	status = bk_gcm(h, &k, true, aad, aadlen, db, db_len,
	    file + BK_HDR_LEN + mlen, &got);
	if (status != HSM_OK || got != BK_SECTION(db_len))
		goto fail;
	*out = file;
	*out_len = flen;
	file = NULL;
	status = HSM_OK;
 fail:
	if (status == HSM_OK && *out == NULL)
		status = HSM_ERR_GENERAL;
	free(file);
	/* wipe: the master secrets' plaintext */
	hsm_secmem_free(put.bp_buf, BK_MASTERS_MAX);
	return status;
}

/* One master parsed from the plaintext. */
struct bk_master {
	enum hsm_key_class	 bm_class;
	char			 bm_label[HSM_LABEL_MAX + 1];
	const uint8_t		*bm_value;	/* into the locked buffer */
	size_t			 bm_len;
};

/* Parse the masters plaintext p (len bytes) into m[]; 0 or -1. */
static int
bk_parse(const uint8_t *p, size_t len, struct bk_master *m, size_t *n)
{
	size_t	 off = 1, i, ll;

	if (len < 1 || p[0] == 0 || p[0] > HSM_BACKUP_MASTERS_MAX)
		return -1;
	*n = p[0];
	for (i = 0; i < *n; i++) {
		if (off + 2 > len)
			return -1;
		m[i].bm_class = p[off++];
		ll = p[off++];
		if (!hsm_class_is_master(m[i].bm_class) || ll == 0 ||
		    ll > HSM_LABEL_MAX || off + ll + 2 > len)
			return -1;
		memcpy(m[i].bm_label, p + off, ll);
		m[i].bm_label[ll] = '\0';
		off += ll;
		m[i].bm_len = (size_t)get_be(p + off, 2);
		off += 2;
		if (m[i].bm_len == 0 || m[i].bm_len > HSM_MASTER_MAX_LEN ||
		    off + m[i].bm_len > len ||
		    strlen(m[i].bm_label) != ll ||
		    hsm_label_check(m[i].bm_label) != HSM_OK)
			return -1;
		m[i].bm_value = p + off;
		off += m[i].bm_len;
	}
	return off == len ? 0 : -1;
}

/* Seal the parsed masters into the token under kek; none may exist. */
static enum hsm_status
bk_restore(struct hsm *h, hsm_key_id kek, const struct bk_master *m,
    size_t n)
{
	enum hsm_status	 status = HSM_ERR_GENERAL;
	struct hsm_key	 kk;
	hsm_key_id	 id;
	size_t		 i;

	if ((status = hsm_key_get(h, kek, HSM_OP_SEAL, &kk)) != HSM_OK)
		return status;
	pthread_mutex_lock(&h->h_prov_mtx);
	for (i = 0; i < n; i++) {
		if ((status = hsm_label_is_free(h, m[i].bm_label)) != HSM_OK) {
			log_warnx("%s: '%s' exists in the token; a restore "
			    "needs a token without master secrets", __func__,
			    m[i].bm_label);
			goto fail;
		}
	}
	for (i = 0; i < n; i++) {
		status = hsm_seal_store(h, &kk, kek, m[i].bm_class,
		    m[i].bm_label, m[i].bm_value, m[i].bm_len, &id);
		if (status != HSM_OK)
			goto fail;
		log_info("hsm: restored key '%s' (%s)", m[i].bm_label,
		    hsm_class_name(m[i].bm_class));
	}
	status = HSM_OK;
 fail:
	pthread_mutex_unlock(&h->h_prov_mtx);
	return status;
}

static enum hsm_status
why(struct hsm_backup_info *info, const char *text, enum hsm_status st)
{
	if (info != NULL)
		info->hbi_why = text;
	return st;
}

/* see hsm.h */
enum hsm_status
hsm_backup_open(struct hsm *h, hsm_key_id bk, hsm_key_id kek,
    const uint8_t *file, size_t len, uint8_t **db, size_t *db_len,
    struct hsm_backup_info *info)
{
	enum hsm_status		 status = HSM_ERR_GENERAL;
	struct hsm_backup_info	 dummy;
	struct hsm_key		 k;
	struct bk_master	 m[HSM_BACKUP_MASTERS_MAX];
	uint8_t			 aad[BK_AAD_MAX], *plain = NULL, *d = NULL;
	uint64_t		 mlen, dlen;
	size_t			 aadlen, got, n = 0, plainsz = 0;

	if (info == NULL)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	info->hbi_why = "";
	if (db != NULL)
		*db = NULL;
	if (db_len != NULL)
		*db_len = 0;
	if (h == NULL || file == NULL || db == NULL || db_len == NULL)
		return HSM_ERR_ARGS;
	if (len < BK_HDR_LEN || memcmp(file, BK_MAGIC, BK_MAGIC_LEN) != 0)
		return why(info, "not a KMS backup file", HSM_ERR_ARGS);
	info->hbi_version = (uint32_t)get_be(file + 8, 2);
	if (info->hbi_version != HSM_BACKUP_VERSION || get_be(file + 10, 2))
		return why(info, "unknown backup format version",
		    HSM_ERR_ARGS);
	info->hbi_created = get_be(file + 12, 8);
	memcpy(info->hbi_file_kcv, file + 20, HSM_BACKUP_KCV_LEN);
	mlen = get_be(file + 28, 4);
	dlen = get_be(file + 32, 8);
	if (mlen < BK_SECTION(1) || mlen > BK_SECTION(BK_MASTERS_MAX) ||
	    dlen < BK_SECTION(1) || dlen > BK_SECTION(HSM_BACKUP_DB_MAX) ||
	    BK_HDR_LEN + mlen + dlen != len)
		return why(info, "truncated or malformed (section lengths)",
		    HSM_ERR_ARGS);
	if ((status = hsm_key_get(h, bk, HSM_OP_BACKUP_UNWRAP, &k)) != HSM_OK)
		return why(info, "no usable backup key", status);
	memcpy(info->hbi_token_kcv, k.hk_ckid + HSM_CKID_MAGIC_LEN + 1,
	    HSM_BACKUP_KCV_LEN);
	if (memcmp(info->hbi_file_kcv, info->hbi_token_kcv,
	    HSM_BACKUP_KCV_LEN) != 0)
		return why(info, "made under another backup key",
		    HSM_ERR_NOT_FOUND);

	plainsz = (size_t)mlen;
	if ((plain = hsm_secmem_alloc(plainsz)) == NULL)
		return HSM_ERR_MEMORY;
	aadlen = bk_aad(aad, file, "masters");
	status = bk_gcm(h, &k, false, aad, aadlen, file + BK_HDR_LEN,
	    (size_t)mlen, plain, &got);
	if (status != HSM_OK) {
		why(info, status == HSM_ERR_INTEGRITY ? "changed or damaged "
		    "(masters section)" : "the token failed", status);
		goto fail;
	}
	if (bk_parse(plain, got, m, &n) != 0) {
		status = why(info, "malformed masters section", HSM_ERR_ARGS);
		goto fail;
	}
	info->hbi_masters = n;
	if ((d = malloc((size_t)dlen)) == NULL) {
		status = HSM_ERR_MEMORY;
		goto fail;
	}
	aadlen = bk_aad(aad, file, "store");
	status = bk_gcm(h, &k, false, aad, aadlen, file + BK_HDR_LEN + mlen,
	    (size_t)dlen, d, &got);
	if (status != HSM_OK) {
		why(info, status == HSM_ERR_INTEGRITY ? "changed or damaged "
		    "(store section)" : "the token failed", status);
		goto fail;
	}
	info->hbi_db_len = got;
	if (kek != HSM_KEY_NONE &&
	    (status = bk_restore(h, kek, m, n)) != HSM_OK) {
		why(info, "the master secrets could not be restored", status);
		goto fail;
	}
	*db = d;
	*db_len = got;
	d = NULL;
	status = HSM_OK;
 fail:
	free(d);
	/* wipe: the master secrets' plaintext */
	if (plain != NULL)
		hsm_secmem_free(plain, plainsz);
	return status;
}
