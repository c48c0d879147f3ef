/*
 * ceremony.c - the backup key ceremony and the restore (kms-provision
 * backup-key, backup-key-import, restore; docs/operator-guide.md "Backup
 * and restore").
 *
 * The backup key is split into N key components, one per custodian, as
 * payment and general-purpose HSMs do for their master keys: the token
 * draws N random 256-bit components, the key is their XOR, and each
 * custodian takes one component away (here a file per custodian; on the
 * appliance a printed sheet or a smart card).  Any N-1 of them say
 * nothing about the key.  The key itself is imported into the token
 * (sensitive, never extractable) and exists outside it only in this
 * process's locked memory for the ceremony.  A new token gets the same
 * key when all N custodians enter their components again
 * (backup-key-import); the key check value printed at both ceremonies
 * must match.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "board.h"
#include "hsm.h"
#include "store.h"
#include "prov_local.h"

#define CER_KEY_LEN		32
#define CER_LINE_MAX		256
#define CER_FILE_MAX		(HSM_BACKUP_DB_MAX + 64 * 1024)

static void
hex(char *out, const uint8_t *v, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", v[i]);
}

static int
unhex(const char *s, uint8_t *out, size_t len)
{
	size_t		 i;
	unsigned	 v;

	if (strlen(s) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* Write one custodian's component file (0600, must not exist). */
static int
write_component(const char *dir, unsigned i, unsigned n,
    const uint8_t comp[CER_KEY_LEN], const uint8_t kcv[HSM_BACKUP_KCV_LEN])
{
	char	 path[BOARD_PATH_MAX], ch[2 * CER_KEY_LEN + 1];
	char	 kc[2 * HSM_BACKUP_KCV_LEN + 1], ck[2 * HSM_BACKUP_KCV_LEN + 1];
	uint8_t	 ccv[HSM_BACKUP_KCV_LEN];
	FILE	*f = NULL;
	int	 fd, ret = -1;

	snprintf(path, sizeof(path), "%s/component-%u.txt", dir, i);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "kms-provision: %s: %s\n", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	hsm_backup_kcv(comp, ccv);
	hex(ch, comp, CER_KEY_LEN);
	hex(kc, kcv, HSM_BACKUP_KCV_LEN);
	hex(ck, ccv, HSM_BACKUP_KCV_LEN);
	fprintf(f, "# KMS backup key component %u of %u.  Keep it apart "
	    "from the others;\n# all %u are needed to restore.\n"
	    "component %s\ncomponent-check %s\nkey-check %s\n", i, n, n,
	    ch, ck, kc);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fprintf(stderr, "kms-provision: %s: %s\n", path,
		    strerror(errno));
		goto fail;
	}
	printf("Component %u %s check %s\n", i, path, ck);
	ret = 0;
 fail:
	/* wipe: the hex copy of the component */
	OPENSSL_cleanse(ch, sizeof(ch));
	fclose(f);
	return ret;
}

/* Import key as the backup key and print its check value. */
static int
import_key(struct hsm *h, const uint8_t *key)
{
	uint8_t		 kcv[HSM_BACKUP_KCV_LEN];
	char		 kc[2 * HSM_BACKUP_KCV_LEN + 1];
	hsm_key_id	 id;
	enum hsm_status	 st;

	if ((st = hsm_backup_key_import(h, HSM_LABEL_BACKUP, key, &id)) !=
	    HSM_OK) {
		fprintf(stderr, "kms-provision: importing the backup key: "
		    "%s\n", hsm_strerror(st));
		return -1;
	}
	hsm_backup_kcv(key, kcv);
	hex(kc, kcv, HSM_BACKUP_KCV_LEN);
	printf("BackupKeyCheck %s\n", kc);
	return 0;
}

/* see prov_local.h */
int
prov_backup_key(struct hsm *h, const struct ceremony_opts *co)
{
	uint8_t		*key = NULL, *comp = NULL;
	uint8_t		 kcv[HSM_BACKUP_KCV_LEN];
	size_t		 complen = 0, j;
	hsm_key_id	 id;
	enum hsm_status	 st;
	unsigned	 i, n = co->co_components;
	int		 ret = 1;

	if (co->co_out == NULL || n < CEREMONY_COMP_MIN ||
	    n > CEREMONY_COMP_MAX) {
		fprintf(stderr, "kms-provision: backup-key needs --out DIR "
		    "and --components N (%d to %d)\n", CEREMONY_COMP_MIN,
		    CEREMONY_COMP_MAX);
		return 1;
	}
	if (hsm_key_find(h, HSM_KC_BACKUP, HSM_LABEL_BACKUP, &id) == HSM_OK) {
		fprintf(stderr, "kms-provision: the token already holds the "
		    "backup key '%s'\n", HSM_LABEL_BACKUP);
		return 1;
	}
	complen = (size_t)n * CER_KEY_LEN;
	key = hsm_secmem_alloc(CER_KEY_LEN);
	comp = hsm_secmem_alloc(complen);
	if (key == NULL || comp == NULL) {
		fprintf(stderr, "kms-provision: no locked memory\n");
		goto fail;
	}
	/* N components from the token's generator; the key is their XOR. */
	if ((st = hsm_random(h, comp, complen)) != HSM_OK) {
		fprintf(stderr, "kms-provision: random: %s\n",
		    hsm_strerror(st));
		goto fail;
	}
	memset(key, 0, CER_KEY_LEN);
	for (i = 0; i < n; i++)
		for (j = 0; j < CER_KEY_LEN; j++)
			key[j] ^= comp[i * CER_KEY_LEN + j];
	hsm_backup_kcv(key, kcv);
	for (i = 0; i < n; i++)
		if (write_component(co->co_out, i + 1, n,
		    comp + i * CER_KEY_LEN, kcv) != 0)
			goto fail;
	if (import_key(h, key) != 0)
		goto fail;
	ret = 0;
 fail:
	/* wipe: the key and its components */
	if (key != NULL)
		hsm_secmem_free(key, CER_KEY_LEN);
	if (comp != NULL)
		hsm_secmem_free(comp, complen);
	return ret;
}

/*
 * Read one component file: its component (into comp, locked memory) and
 * the key check it names.  The component's own check must match.
 */
static int
read_component(const char *path, uint8_t comp[CER_KEY_LEN],
    uint8_t kcv[HSM_BACKUP_KCV_LEN])
{
	char	 line[CER_LINE_MAX], val[CER_LINE_MAX];
	uint8_t	 ccv[HSM_BACKUP_KCV_LEN], want[HSM_BACKUP_KCV_LEN];
	FILE	*f;
	int	 have = 0, ret = -1;

	if ((f = fopen(path, "re")) == NULL) {
		fprintf(stderr, "kms-provision: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "component-check ", 16) == 0) {
			if (sscanf(line + 16, "%255s", val) == 1 &&
			    unhex(val, want, HSM_BACKUP_KCV_LEN) == 0)
				have |= 2;
		} else if (strncmp(line, "key-check ", 10) == 0) {
			if (sscanf(line + 10, "%255s", val) == 1 &&
			    unhex(val, kcv, HSM_BACKUP_KCV_LEN) == 0)
				have |= 4;
		} else if (strncmp(line, "component ", 10) == 0) {
			if (sscanf(line + 10, "%255s", val) == 1 &&
			    unhex(val, comp, CER_KEY_LEN) == 0)
				have |= 1;
		}
		/* wipe: the line may hold the component */
		OPENSSL_cleanse(line, sizeof(line));
		OPENSSL_cleanse(val, sizeof(val));
	}
	if (have != 7) {
		fprintf(stderr, "kms-provision: %s: not a backup key component "
		    "(needs component, component-check and key-check)\n",
		    path);
		goto fail;
	}
	hsm_backup_kcv(comp, ccv);
	if (memcmp(ccv, want, HSM_BACKUP_KCV_LEN) != 0) {
		fprintf(stderr, "kms-provision: %s: the component does not "
		    "match its check value (mistyped?)\n", path);
		goto fail;
	}
	ret = 0;
 fail:
	fclose(f);
	return ret;
}

/* see prov_local.h */
int
prov_backup_key_import(struct hsm *h, const struct ceremony_opts *co)
{
	uint8_t		*key = NULL, *comp = NULL;
	uint8_t		 kcv[HSM_BACKUP_KCV_LEN], first[HSM_BACKUP_KCV_LEN];
	uint8_t		 got[HSM_BACKUP_KCV_LEN];
	hsm_key_id	 id;
	size_t		 i, j;
	int		 ret = 1;

	if (co->co_ncomp < CEREMONY_COMP_MIN) {
		fprintf(stderr, "kms-provision: backup-key-import needs every "
		    "custodian's --component FILE (at least %d)\n",
		    CEREMONY_COMP_MIN);
		return 1;
	}
	if (hsm_key_find(h, HSM_KC_BACKUP, HSM_LABEL_BACKUP, &id) == HSM_OK) {
		fprintf(stderr, "kms-provision: the token already holds the "
		    "backup key '%s'\n", HSM_LABEL_BACKUP);
		return 1;
	}
	key = hsm_secmem_alloc(CER_KEY_LEN);
	comp = hsm_secmem_alloc(CER_KEY_LEN);
	if (key == NULL || comp == NULL) {
		fprintf(stderr, "kms-provision: no locked memory\n");
		goto fail;
	}
	memset(key, 0, CER_KEY_LEN);
	for (i = 0; i < co->co_ncomp; i++) {
		if (read_component(co->co_comp[i], comp, kcv) != 0)
			goto fail;
		if (i == 0)
			memcpy(first, kcv, sizeof(first));
		else if (memcmp(first, kcv, sizeof(first)) != 0) {
			fprintf(stderr, "kms-provision: %s belongs to another "
			    "backup key than %s\n", co->co_comp[i],
			    co->co_comp[0]);
			goto fail;
		}
		for (j = 0; j < CER_KEY_LEN; j++)
			key[j] ^= comp[j];
	}
	hsm_backup_kcv(key, got);
	if (memcmp(got, first, sizeof(got)) != 0) {
		fprintf(stderr, "kms-provision: the components do not combine "
		    "to the backup key (one is missing or extra)\n");
		goto fail;
	}
	if (import_key(h, key) != 0)
		goto fail;
	ret = 0;
 fail:
	/* wipe: the key and the component */
	if (key != NULL)
		hsm_secmem_free(key, CER_KEY_LEN);
	if (comp != NULL)
		hsm_secmem_free(comp, CER_KEY_LEN);
	return ret;
}

/* Read a whole file of at most max bytes into *out (malloc'd). */
static int
slurp(const char *path, size_t max, uint8_t **out, size_t *len)
{
	struct stat	 sb;
	uint8_t		*buf = NULL;
	size_t		 off = 0;
	ssize_t		 r;
	int		 fd;

	*out = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    (uint64_t)sb.st_size > max || sb.st_size == 0 ||
	    (buf = malloc((size_t)sb.st_size)) == NULL) {
		close(fd);
		return -EINVAL;
	}
	while (off < (size_t)sb.st_size) {
		r = read(fd, buf + off, (size_t)sb.st_size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			close(fd);
			return -EIO;
		}
		off += (size_t)r;
	}
	close(fd);
	*out = buf;
	*len = off;
	return 0;
}

/* The new token's KMS signing key, for the restore's checkpoint. */
struct cer_signer {
	struct hsm	*cs_h;
	hsm_key_id	 cs_id;
};

static int
cer_sign(void *arg, const uint8_t digest[32], uint8_t sig[STORE_SIG_LEN])
{
	struct cer_signer	*cs = arg;
	size_t			 len;

	if (hsm_sign_digest(cs->cs_h, cs->cs_id, digest, sig, STORE_SIG_LEN,
	    &len) != HSM_OK || len != STORE_SIG_LEN)
		return -1;
	return 0;
}

/*
 * Open the restored store, check the chain, record the restore in its
 * audit trail (the chain continues) and sign a checkpoint over it with
 * this token's KMS signing key sign_id: from here on the trail is signed
 * by the new key, and the old checkpoints stay verifiable with the old.
 */
static int
audit_restore(struct hsm *h, hsm_key_id sign_id, const char *dir,
    const struct hsm_backup_info *info)
{
	struct store_conf	 sc;
	struct store_signer	 ss;
	struct cer_signer	 cs = { h, sign_id };
	struct store_audit	 a;
	struct store_verify	 vf;
	struct store		*st = NULL;
	char			 kc[2 * HSM_BACKUP_KCV_LEN + 1];
	size_t			 len;
	int			 rc, ret = -1;

	memset(&sc, 0, sizeof(sc));
	sc.sc_data_dir = dir;
	sc.sc_conns = 1;
	if ((rc = store_open(&sc, &st)) != STORE_OK) {
		fprintf(stderr, "kms-provision: the restored store does not "
		    "open: %s\n", store_strerror(rc));
		return -1;
	}
	if ((rc = store_audit_verify(st, NULL, 0, &vf)) != STORE_OK) {
		fprintf(stderr, "kms-provision: the restored audit trail does "
		    "not verify: %s%s%s\n", store_strerror(rc),
		    vf.sv_problem[0] != '\0' ? ": " : "", vf.sv_problem);
		goto fail;
	}
	hex(kc, info->hbi_file_kcv, HSM_BACKUP_KCV_LEN);
	memset(&a, 0, sizeof(a));
	a.sa_kind = STORE_AUDIT_OPERATOR;
	a.sa_time = (int64_t)time(NULL);
	a.sa_period_no = -1;
	snprintf(a.sa_request_id, sizeof(a.sa_request_id), "ceremony:ok");
	snprintf(a.sa_operator, sizeof(a.sa_operator), "key-ceremony");
	snprintf(a.sa_reason, sizeof(a.sa_reason), "restore: backup made %llu "
	    "under backup key %s onto a new token",
	    (unsigned long long)info->hbi_created, kc);
	memset(&ss, 0, sizeof(ss));
	ss.ss_sign = cer_sign;
	ss.ss_arg = &cs;
	if (hsm_sign_pubkey(h, sign_id, ss.ss_pub, sizeof(ss.ss_pub), &len) !=
	    HSM_OK || len != STORE_PUBKEY_LEN ||
	    (rc = store_audit_signer(st, &ss)) != STORE_OK) {
		fprintf(stderr, "kms-provision: the KMS signing key cannot "
		    "sign the audit trail\n");
		goto fail;
	}
	if ((rc = store_audit_add(st, &a)) != STORE_OK ||
	    (rc = store_audit_checkpoint(st, a.sa_time)) != STORE_OK) {
		fprintf(stderr, "kms-provision: audit: %s\n",
		    store_strerror(rc));
		goto fail;
	}
	printf("Store %s/%s audit %lld records, chain intact\n", dir,
	    STORE_DB_NAME, (long long)vf.sv_records + 1);
	ret = 0;
 fail:
	store_close(st);
	return ret;
}

/* see prov_local.h */
int
prov_restore(struct hsm *h, const struct ceremony_opts *co)
{
	struct hsm_backup_info	 info;
	hsm_key_id		 bk, kek, id;
	uint8_t			*file = NULL, *db = NULL;
	size_t			 flen = 0, dblen = 0;
	enum hsm_status		 st;
	int			 rc, ret = 1;

	if (co->co_in == NULL || co->co_data == NULL) {
		fprintf(stderr, "kms-provision: restore needs --in FILE and "
		    "--data DIR\n");
		return 1;
	}
	st = hsm_key_find(h, HSM_KC_BACKUP, HSM_LABEL_BACKUP, &bk);
	if (st != HSM_OK) {
		fprintf(stderr, "kms-provision: no backup key in the token: "
		    "run backup-key-import with the custodians' components "
		    "first\n");
		return 1;
	}
	if (hsm_key_find(h, HSM_KC_KEK, HSM_LABEL_KEK, &kek) != HSM_OK &&
	    (st = hsm_kek_create(h, HSM_LABEL_KEK, &kek)) != HSM_OK) {
		fprintf(stderr, "kms-provision: %s: %s\n", HSM_LABEL_KEK,
		    hsm_strerror(st));
		return 1;
	}
	/* Nothing goes into the token unless the store can be written. */
	{
		char		 db_path[BOARD_PATH_MAX];
		struct stat	 sb;

		snprintf(db_path, sizeof(db_path), "%s/%s", co->co_data,
		    STORE_DB_NAME);
		if (stat(co->co_data, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
		    access(db_path, F_OK) == 0) {
			fprintf(stderr, "kms-provision: %s must be an existing "
			    "directory without %s\n", co->co_data,
			    STORE_DB_NAME);
			return 1;
		}
	}
	if ((rc = slurp(co->co_in, CER_FILE_MAX, &file, &flen)) != 0) {
		fprintf(stderr, "kms-provision: %s: %s\n", co->co_in,
		    strerror(-rc));
		return 1;
	}
	st = hsm_backup_open(h, bk, kek, file, flen, &db, &dblen, &info);
	if (st != HSM_OK) {
		char	 a[2 * HSM_BACKUP_KCV_LEN + 1];
		char	 b[2 * HSM_BACKUP_KCV_LEN + 1];

		fprintf(stderr, "kms-provision: %s: refused: %s\n", co->co_in,
		    info.hbi_why[0] != '\0' ? info.hbi_why :
		    hsm_strerror(st));
		if (st == HSM_ERR_NOT_FOUND) {
			hex(a, info.hbi_file_kcv, HSM_BACKUP_KCV_LEN);
			hex(b, info.hbi_token_kcv, HSM_BACKUP_KCV_LEN);
			fprintf(stderr, "kms-provision: the file needs backup "
			    "key %s; the token holds %s\n", a, b);
		}
		goto fail;
	}
	printf("Backup %s format %u made %llu masters %zu store %zu\n",
	    co->co_in, info.hbi_version,
	    (unsigned long long)info.hbi_created, info.hbi_masters, dblen);
	if ((rc = store_restore_write(co->co_data, db, dblen)) != STORE_OK) {
		fprintf(stderr, "kms-provision: %s/%s: %s\n", co->co_data,
		    STORE_DB_NAME, store_strerror(rc));
		goto fail;
	}
	if (hsm_key_find(h, HSM_KC_KMS_SIGN, HSM_LABEL_KMS_SIGN, &id) !=
	    HSM_OK && (st = hsm_sign_key_create(h, HSM_LABEL_KMS_SIGN, &id)) !=
	    HSM_OK) {
		fprintf(stderr, "kms-provision: %s: %s\n", HSM_LABEL_KMS_SIGN,
		    hsm_strerror(st));
		goto fail;
	}
	if (audit_restore(h, id, co->co_data, &info) != 0)
		goto fail;
	ret = 0;
 fail:
	free(file);
	free(db);
	return ret;
}
