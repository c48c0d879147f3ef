/*
 * cmd_backup.c - backup create: an encrypted backup of the store and the
 * master secrets under the token's backup key, written to
 * <data>/backup/; backup verify NAME: check that a backup file there
 * opens with this token's backup key and is intact; restore NAME confirm:
 * on an unprovisioned appliance whose token holds the backup key (the key
 * ceremony, kms-provision backup-key-import), seal the file's master
 * secrets into the token and stage its store for the next boot
 * (docs/operator-guide.md "Backup and restore").
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "board.h"
#include "hsm.h"
#include "kcert.h"
#include "kmsd.h"
#include "state.h"
#include "store.h"

#include "console.h"
#include "console_local.h"

_Static_assert(2 * KMSD_GENS_MAX <= HSM_BACKUP_MASTERS_MAX,
    "a backup carries every generation's master secrets");

#define BACKUP_NAME_MAX		64
#define BACKUP_FILE_MAX		(HSM_BACKUP_DB_MAX + 64 * 1024)

static console_handler	 cmd_backup_create, cmd_backup_verify;
static int		 restore_audit(struct console *c, struct hsm *h,
			    hsm_key_id sign_id, const char *dir,
			    const struct hsm_backup_info *info);

const struct console_cmd cmd_backup_sub[] = {
	{ .name = "create", .help = "an encrypted backup of the store and "
	  "the master secrets, into the backup directory",
	  .usage = "backup create", .min_args = 0, .max_args = 0,
	  .roles = R_ADM, .handler = cmd_backup_create },
	{ .name = "verify", .help = "check a backup file with this token's "
	  "backup key", .usage = "backup verify NAME", .min_args = 1,
	  .max_args = 1, .roles = R_ADM, .handler = cmd_backup_verify,
	  .values = { values_backups } },
	{ .name = NULL }
};

/* <data>/backup[/name] into out; -1 if it does not fit. */
static int
backup_path(const struct console *c, const char *name, char *out,
    size_t size)
{
	int	 n;

	n = snprintf(out, size, "%s/%s%s%s", c->conf.data_dir,
	    CONSOLE_BACKUP_DIR, name != NULL ? "/" : "",
	    name != NULL ? name : "");
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Write buf to path through path.tmp, fsync and rename; 0 or -errno. */
static int
write_file(const char *path, const uint8_t *buf, size_t len)
{
	char	 tmp[BOARD_PATH_MAX + 8];
	size_t	 off = 0;
	ssize_t	 w;
	int	 fd, rc = -EIO;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0)
		return -errno;
	while (off < len) {
		w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = -errno;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		rc = -errno;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = -errno;
		goto fail;
	}
	return 0;
 fail:
	if (fd >= 0)
		close(fd);
	(void)unlink(tmp);
	return rc;
}

/* Read a whole file of at most max bytes into *out (malloc'd). */
static int
read_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
	struct stat	 sb;
	uint8_t		*buf = NULL;
	size_t		 off = 0;
	ssize_t		 r;
	int		 fd, rc = -EIO;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = -EINVAL;
		goto fail;
	}
	if ((uint64_t)sb.st_size > max) {
		rc = -EFBIG;
		goto fail;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	while (off < (size_t)sb.st_size) {
		r = read(fd, buf + off, (size_t)sb.st_size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r == 0 ? -EIO : -errno;
			goto fail;
		}
		off += (size_t)r;
	}
	close(fd);
	*out = buf;
	*len = off;
	return 0;
 fail:
	free(buf);
	close(fd);
	return rc;
}

static void
print_kcv(struct console *c, const char *what,
    const uint8_t kcv[HSM_BACKUP_KCV_LEN])
{
	char	 hex[2 * HSM_BACKUP_KCV_LEN + 1];
	size_t	 i;

	for (i = 0; i < HSM_BACKUP_KCV_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", kcv[i]);
	console_printf(c, "%s %s\n", what, hex);
}

static int
cmd_backup_create(struct console *c, int argc, char **argv)
{
	const struct kmsd	*k = c->conf.kmsd;
	struct hsm_backup_info	 info;
	hsm_key_id		 bk, masters[2 * KMSD_GENS_MAX];
	const struct kmsd_gen	*g;
	size_t			 nm;
	bool			 locked = false;
	char			 dir[BOARD_PATH_MAX], snap[BOARD_PATH_MAX];
	char			 name[BACKUP_NAME_MAX], path[BOARD_PATH_MAX];
	uint8_t			*db = NULL, *file = NULL, *chk = NULL;
	uint8_t			 md[SHA256_DIGEST_LENGTH];
	size_t			 dblen = 0, flen = 0, chklen = 0, i;
	struct tm		 tm;
	time_t			 now;
	enum hsm_status		 hs;
	int			 rc, ret = 1;

	(void)argc;
	(void)argv;
	if (k->hsm == NULL || !atomic_load(&((struct kmsd *)k)->hsm_up)) {
		console_printf(c, "backup create: the HSM is not available\n");
		return 1;
	}
	hs = hsm_key_find(k->hsm, HSM_KC_BACKUP, HSM_LABEL_BACKUP, &bk);
	if (hs != HSM_OK) {
		console_printf(c, "backup create: no backup key '%s' in the "
		    "token (%s): run the backup key ceremony first "
		    "(kms-provision backup-key)\n", HSM_LABEL_BACKUP,
		    hsm_strerror(hs));
		return 1;
	}
	now = (time_t)console_now_wall(c);
	gmtime_r(&now, &tm);
	strftime(name, sizeof(name), "kms-%Y%m%dT%H%M%SZ"
	    CONSOLE_BACKUP_SUFFIX, &tm);
	if (backup_path(c, NULL, dir, sizeof(dir)) != 0 ||
	    backup_path(c, name, path, sizeof(path)) != 0 ||
	    backup_path(c, ".snapshot.db", snap, sizeof(snap)) != 0) {
		console_printf(c, "backup create: data directory path too "
		    "long\n");
		return 1;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		console_printf(c, "backup create: %s: %s\n", dir,
		    strerror(errno));
		return 1;
	}
	if (access(path, F_OK) == 0) {
		console_printf(c, "backup create: %s exists already; try again "
		    "in a second\n", name);
		return 1;
	}
	(void)unlink(snap);	/* a leftover of an interrupted backup */
	/* The store's generations and their master secrets as one: no
	   rotation in between (kcert.h). */
	kcert_lock();
	locked = true;
	if ((rc = store_snapshot(console_store(c), snap)) != STORE_OK) {
		console_printf(c, "backup create: store snapshot: %s\n",
		    store_strerror(rc));
		goto fail;
	}
	if ((rc = read_file(snap, HSM_BACKUP_DB_MAX, &db, &dblen)) != 0) {
		console_printf(c, "backup create: store snapshot: %s\n",
		    strerror(-rc));
		goto fail;
	}
	/* Every certificate generation's master secrets (kcert.h). */
	for (i = 0, nm = 0; (g = kcert_get(k, i)) != NULL; i++) {
		masters[nm++] = g->g_sakke;
		masters[nm++] = g->g_eccsi;
	}
	kcert_unlock();
	locked = false;
	hs = hsm_backup_create(k->hsm, bk, masters, nm, db, dblen,
	    (uint64_t)now, &file, &flen);
	if (hs != HSM_OK) {
		console_printf(c, "backup create: %s\n", hsm_strerror(hs));
		goto fail;
	}
	if ((rc = write_file(path, file, flen)) != 0) {
		console_printf(c, "backup create: %s: %s\n", path,
		    strerror(-rc));
		goto fail;
	}
	/* Read it back and open it: a backup that was never checked is not
	   a backup. */
	if ((rc = read_file(path, BACKUP_FILE_MAX, &chk, &chklen)) != 0 ||
	    chklen != flen || memcmp(chk, file, flen) != 0) {
		console_printf(c, "backup create: %s reads back wrong\n", name);
		goto fail;
	}
	free(db);
	db = NULL;
	hs = hsm_backup_open(k->hsm, bk, HSM_KEY_NONE, chk, chklen, &db,
	    &dblen, &info);
	if (hs != HSM_OK) {
		console_printf(c, "backup create: the new file does not open: "
		    "%s\n", info.hbi_why);
		goto fail;
	}
	SHA256(file, flen, md);
	console_printf(c, "backup create: %s (%zu bytes, %zu master "
	    "secrets, store %zu bytes)\n", name, flen, info.hbi_masters,
	    info.hbi_db_len);
	{
		char	 hex[2 * SHA256_DIGEST_LENGTH + 1];

		for (i = 0; i < sizeof(md); i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		console_printf(c, "sha256 %s\n", hex);
	}
	print_kcv(c, "backup key check value", info.hbi_file_kcv);
	log_info("console: backup %s written (%zu bytes)", name, flen);
	ret = 0;
 fail:
	if (locked)
		kcert_unlock();
	(void)unlink(snap);
	free(db);
	free(file);
	free(chk);
	return ret;
}

static int
cmd_backup_verify(struct console *c, int argc, char **argv)
{
	const struct kmsd	*k = c->conf.kmsd;
	struct hsm_backup_info	 info;
	hsm_key_id		 bk;
	char			 path[BOARD_PATH_MAX];
	uint8_t			*file = NULL, *db = NULL;
	size_t			 flen, dblen;
	enum hsm_status		 hs;
	int			 rc, ret = 1;

	(void)argc;
	if (strchr(argv[1], '/') != NULL || argv[1][0] == '.' ||
	    strlen(argv[1]) >= BACKUP_NAME_MAX) {
		console_printf(c, "backup verify: NAME is a file name in the "
		    "backup directory (no '/', not starting with '.')\n");
		return 1;
	}
	if (k->hsm == NULL || !atomic_load(&((struct kmsd *)k)->hsm_up)) {
		console_printf(c, "backup verify: the HSM is not available\n");
		return 1;
	}
	hs = hsm_key_find(k->hsm, HSM_KC_BACKUP, HSM_LABEL_BACKUP, &bk);
	if (hs != HSM_OK) {
		console_printf(c, "backup verify: no backup key '%s' in the "
		    "token (%s)\n", HSM_LABEL_BACKUP, hsm_strerror(hs));
		return 1;
	}
	if (backup_path(c, argv[1], path, sizeof(path)) != 0) {
		console_printf(c, "backup verify: path too long\n");
		return 1;
	}
	if ((rc = read_file(path, BACKUP_FILE_MAX, &file, &flen)) != 0) {
		console_printf(c, "backup verify: %s: %s\n", argv[1],
		    strerror(-rc));
		return 1;
	}
	hs = hsm_backup_open(k->hsm, bk, HSM_KEY_NONE, file, flen, &db,
	    &dblen, &info);
	if (hs != HSM_OK) {
		console_printf(c, "backup verify: %s: refused: %s\n", argv[1],
		    info.hbi_why[0] != '\0' ? info.hbi_why :
		    hsm_strerror(hs));
		if (hs == HSM_ERR_NOT_FOUND) {
			print_kcv(c, "file's backup key check value",
			    info.hbi_file_kcv);
			print_kcv(c, "token's backup key check value",
			    info.hbi_token_kcv);
		}
		goto fail;
	}
	console_printf(c, "backup verify: %s: ok: format %u, made %" PRIu64
	    ", %zu master secrets, store %zu bytes\n", argv[1],
	    info.hbi_version, info.hbi_created, info.hbi_masters,
	    info.hbi_db_len);
	ret = 0;
 fail:
	free(file);
	free(db);
	return ret;
}

/* The token's KMS signing key, for the staged store's checkpoint. */
struct restore_signer {
	struct hsm	*rs_h;
	hsm_key_id	 rs_id;
};

static int
restore_sign(void *arg, const uint8_t digest[32], uint8_t sig[STORE_SIG_LEN])
{
	struct restore_signer	*rs = arg;
	size_t			 len;

	if (hsm_sign_digest(rs->rs_h, rs->rs_id, digest, sig, STORE_SIG_LEN,
	    &len) != HSM_OK || len != STORE_SIG_LEN)
		return -1;
	return 0;
}

/*
 * Record the restore in the staged store's trail (the chain continues)
 * and sign a checkpoint with this token's signing key.  0 or -1.
 */
static int
restore_audit(struct console *c, struct hsm *h, hsm_key_id sign_id,
    const char *dir, const struct hsm_backup_info *info)
{
	struct store_conf	 sc;
	struct store_signer	 ss;
	struct restore_signer	 rs = { h, sign_id };
	struct store_audit	 a;
	struct store_verify	 vf;
	struct store		*st = NULL;
	size_t			 len, i;
	int			 rc, ret = -1;

	memset(&sc, 0, sizeof(sc));
	sc.sc_data_dir = dir;
	sc.sc_conns = 1;
	if ((rc = store_open(&sc, &st)) != STORE_OK) {
		console_printf(c, "restore: the backup's store does not open: "
		    "%s\n", store_strerror(rc));
		return -1;
	}
	if ((rc = store_audit_verify(st, NULL, 0, &vf)) != STORE_OK) {
		console_printf(c, "restore: the backup's audit trail does not "
		    "verify: %s\n", rc == STORE_ERR_TAMPERED ? vf.sv_problem :
		    store_strerror(rc));
		goto fail;
	}
	memset(&ss, 0, sizeof(ss));
	ss.ss_sign = restore_sign;
	ss.ss_arg = &rs;
	if (hsm_sign_pubkey(h, sign_id, ss.ss_pub, sizeof(ss.ss_pub), &len) !=
	    HSM_OK || len != STORE_PUBKEY_LEN ||
	    store_audit_signer(st, &ss) != STORE_OK) {
		console_printf(c, "restore: the KMS signing key cannot sign "
		    "the audit trail\n");
		goto fail;
	}
	memset(&a, 0, sizeof(a));
	a.sa_kind = STORE_AUDIT_OPERATOR;
	a.sa_time = console_now_wall(c);
	a.sa_period_no = -1;
	snprintf(a.sa_subject, sizeof(a.sa_subject), "console:%s", c->name);
	snprintf(a.sa_request_id, sizeof(a.sa_request_id), "console:ok");
	snprintf(a.sa_operator, sizeof(a.sa_operator), "%s", c->name);
	len = (size_t)snprintf(a.sa_reason, sizeof(a.sa_reason), "restore: "
	    "backup made %llu under backup key ",
	    (unsigned long long)info->hbi_created);
	for (i = 0; i < HSM_BACKUP_KCV_LEN && len + 2 < sizeof(a.sa_reason);
	    i++, len += 2)
		snprintf(a.sa_reason + len, sizeof(a.sa_reason) - len, "%02x",
		    info->hbi_file_kcv[i]);
	if ((rc = store_audit_add(st, &a)) != STORE_OK ||
	    (rc = store_audit_checkpoint(st, a.sa_time)) != STORE_OK) {
		console_printf(c, "restore: audit: %s\n", store_strerror(rc));
		goto fail;
	}
	console_printf(c, "restore: audit trail of %" PRId64 " records "
	    "verified and continued\n", vf.sv_records + 1);
	ret = 0;
 fail:
	store_close(st);
	return ret;
}

/*
 * restore NAME confirm: only while the appliance is unprovisioned (a
 * fresh token: no master secrets), with the backup key in the token.
 * The masters are sealed into the token under its KEK (made if missing),
 * the store goes to <data>/restore/ for the next boot (store_open moves
 * it into place), a KMS signing key is made if missing.
 */
int
cmd_restore(struct console *c, int argc, char **argv)
{
	const struct kmsd	*k = c->conf.kmsd;
	struct hsm_backup_info	 info;
	hsm_key_id		 bk, kek, sign;
	char			 path[BOARD_PATH_MAX], dir[BOARD_PATH_MAX];
	char			 staged[BOARD_PATH_MAX + 16];
	uint8_t			*file = NULL, *db = NULL;
	size_t			 flen, dblen;
	enum hsm_status		 hs;
	int			 n, rc, ret = 1;

	if (argc != 3 || strcmp(argv[2], "confirm") != 0) {
		console_printf(c, "restore: replaces the master secrets and "
		    "the store of this appliance; type: restore NAME "
		    "confirm\n");
		return 1;
	}
	if (strchr(argv[1], '/') != NULL || argv[1][0] == '.' ||
	    strlen(argv[1]) >= BACKUP_NAME_MAX) {
		console_printf(c, "restore: NAME is a file name in the backup "
		    "directory (no '/', not starting with '.')\n");
		return 1;
	}
	if (k->hsm == NULL || state_get() != KMS_STATE_UNPROVISIONED) {
		console_printf(c, "restore: only on an unprovisioned appliance "
		    "(state %s): a restore goes onto a fresh token\n",
		    state_word(state_get()));
		return 1;
	}
	hs = hsm_key_find(k->hsm, HSM_KC_BACKUP, HSM_LABEL_BACKUP, &bk);
	if (hs != HSM_OK) {
		console_printf(c, "restore: no backup key in the token: the "
		    "custodians import it first (kms-provision "
		    "backup-key-import)\n");
		return 1;
	}
	n = snprintf(dir, sizeof(dir), "%s/%s", c->conf.data_dir,
	    STORE_RESTORE_DIR);
	if (n < 0 || (size_t)n >= sizeof(dir) ||
	    backup_path(c, argv[1], path, sizeof(path)) != 0) {
		console_printf(c, "restore: path too long\n");
		return 1;
	}
	snprintf(staged, sizeof(staged), "%s/%s", dir, STORE_DB_NAME);
	if (access(staged, F_OK) == 0) {
		console_printf(c, "restore: a restore is staged already; "
		    "reboot to use it\n");
		return 1;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		console_printf(c, "restore: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if ((rc = read_file(path, BACKUP_FILE_MAX, &file, &flen)) != 0) {
		console_printf(c, "restore: %s: %s\n", argv[1],
		    strerror(-rc));
		return 1;
	}
	if (hsm_key_find(k->hsm, HSM_KC_KEK, HSM_LABEL_KEK, &kek) != HSM_OK &&
	    (hs = hsm_kek_create(k->hsm, HSM_LABEL_KEK, &kek)) != HSM_OK) {
		console_printf(c, "restore: %s: %s\n", HSM_LABEL_KEK,
		    hsm_strerror(hs));
		goto fail;
	}
	hs = hsm_backup_open(k->hsm, bk, kek, file, flen, &db, &dblen, &info);
	if (hs != HSM_OK) {
		console_printf(c, "restore: %s: refused: %s\n", argv[1],
		    info.hbi_why[0] != '\0' ? info.hbi_why :
		    hsm_strerror(hs));
		if (hs == HSM_ERR_NOT_FOUND) {
			print_kcv(c, "file's backup key check value",
			    info.hbi_file_kcv);
			print_kcv(c, "token's backup key check value",
			    info.hbi_token_kcv);
		}
		goto fail;
	}
	console_printf(c, "restore: %zu master secrets sealed into the "
	    "token\n", info.hbi_masters);
	if ((rc = store_restore_write(dir, db, dblen)) != STORE_OK) {
		console_printf(c, "restore: %s: %s\n", staged,
		    store_strerror(rc));
		goto fail;
	}
	if (hsm_key_find(k->hsm, HSM_KC_KMS_SIGN, HSM_LABEL_KMS_SIGN,
	    &sign) != HSM_OK && (hs = hsm_sign_key_create(k->hsm,
	    HSM_LABEL_KMS_SIGN, &sign)) != HSM_OK) {
		console_printf(c, "restore: %s: %s\n", HSM_LABEL_KMS_SIGN,
		    hsm_strerror(hs));
		goto fail;
	}
	if (restore_audit(c, k->hsm, sign, dir, &info) != 0)
		goto fail;
	log_info("console: restore of %s staged by %s", argv[1], c->name);
	console_printf(c, "restore: staged; reboot to serve from it "
	    "(reboot confirm)\n");
	ret = 0;
 fail:
	free(file);
	free(db);
	return ret;
}
