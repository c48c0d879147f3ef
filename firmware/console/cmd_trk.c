/*
 * cmd_trk.c - trk bootstrap-export USER: the one export of a user's
 * bootstrap transport key (hsm_trk_bootstrap_export; docs/hsm.md 6), as
 * kms-provision bootstrap-export does, but into a file rather than onto
 * the screen: <data>/export/trk.<n>.<user> (the directory 0700, the file
 * 0600, created exclusively), one line "BootstrapTrK <name> <hex>" (the
 * format of kms-provision).  The console prints the file name and a
 * fingerprint (the first CONSOLE_TRK_FP_LEN bytes of SHA-256 of the key)
 * to compare on the device; the key is never printed, logged or audited,
 * and every copy in memory is wiped.  The token locks the key after the
 * export, so a second export is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "board.h"
#include "hsm.h"
#include "kmsd.h"

#include "console.h"
#include "console_local.h"

#define CONSOLE_EXPORT_DIR	"export"	/* in the data directory */
#define CONSOLE_TRK_FP_LEN	8		/* fingerprint bytes shown */

static console_handler	 trk_export;

const struct console_cmd cmd_trk_sub[] = {
	{ .name = "bootstrap-export", .help = "write a user's bootstrap "
	  "TrK ONCE to a file in DATA/export/ (for the device)",
	  .usage = "trk bootstrap-export USER", .min_args = 1,
	  .max_args = 1, .roles = R_ADM, .handler = trk_export,
	  .values = { values_users } },
	{ .name = NULL }
};

/* The user's newest TrK generation and its id; false when it has none. */
static bool
newest_trk(struct hsm *h, const char *user, unsigned long *n,
    hsm_key_id *id, unsigned *flags)
{
	struct hsm_key_info	 ki;
	enum hsm_key_class	 kc;
	unsigned long		 g;
	size_t			 off;
	hsm_key_id		 i;

	*n = 0;
	*id = HSM_KEY_NONE;
	for (i = 1; hsm_key_info(h, i, &ki) == HSM_OK; i++) {
		if (ki.hki_class != HSM_KC_TRK ||
		    hsm_user_key_name_parse(ki.hki_label, &kc, &g, &off) !=
		    HSM_OK || strcmp(ki.hki_label + off, user) != 0)
			continue;
		if (g > *n) {
			*n = g;
			*id = i;
			*flags = ki.hki_flags;
		}
	}
	return *n > 0;
}

/* The key name as a file name: [A-Za-z0-9@._-], anything else '_'. */
static void
file_name(char *out, size_t size, const char *name)
{
	size_t	 i;

	snprintf(out, size, "%s", name);
	for (i = 0; out[i] != '\0'; i++)
		if (!((out[i] >= 'a' && out[i] <= 'z') ||
		    (out[i] >= 'A' && out[i] <= 'Z') ||
		    (out[i] >= '0' && out[i] <= '9') || out[i] == '@' ||
		    out[i] == '.' || out[i] == '_' || out[i] == '-'))
			out[i] = '_';
}

static void
hex(char *out, const uint8_t *in, size_t len)
{
	static const char	 d[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
trk_export(struct console *c, int argc, char **argv)
{
	struct kmsd	*k = c->conf.kmsd;
	char		 name[HSM_LABEL_MAX + 1], fname[HSM_LABEL_MAX + 1];
	char		 dir[BOARD_PATH_MAX + 16], path[BOARD_PATH_MAX + HSM_LABEL_MAX + 24];
	char		 line[HSM_LABEL_MAX + 2 * HSM_USER_KEY_LEN + 32];
	char		 fp[2 * CONSOLE_TRK_FP_LEN + 1], what[160];
	uint8_t		 key[HSM_USER_KEY_LEN], md[EVP_MAX_MD_SIZE];
	const char	*user = argv[1], *at;
	unsigned long	 n;
	unsigned	 flags = 0, mdlen = 0;
	hsm_key_id	 id;
	size_t		 len = 0;
	enum hsm_status	 st;
	int		 fd = -1, rc = 1, w;

	(void)argc;
	/* sip:alice@example.org -> alice@example.org (key names, hsm.h) */
	at = strchr(user, '@');
	if (strchr(user, ':') != NULL && (at == NULL ||
	    strchr(user, ':') < at))
		user = strchr(user, ':') + 1;
	if (k->hsm == NULL) {
		console_printf(c, "trk bootstrap-export: the token is not "
		    "logged in (hsm login)\n");
		return 1;
	}
	if (!newest_trk(k->hsm, user, &n, &id, &flags)) {
		console_printf(c, "trk bootstrap-export: no TrK for '%s' in "
		    "the token (kms-provision user-keys)\n", user);
		return 1;
	}
	(void)hsm_user_key_name(HSM_KC_TRK, n, user, name, sizeof(name));
	if (!(flags & HSM_KI_BOOTSTRAP)) {
		console_printf(c, "trk bootstrap-export: %s was exported "
		    "already or is not a bootstrap TrK; it stays in the "
		    "token\n", name);
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/%s", c->conf.data_dir,
	    CONSOLE_EXPORT_DIR);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		console_printf(c, "trk bootstrap-export: %s: %s\n", dir,
		    strerror(errno));
		return 1;
	}
	file_name(fname, sizeof(fname), name);
	snprintf(path, sizeof(path), "%s/%s", dir, fname);
	/* the file first: a key is never spent without a place to go */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0) {
		console_printf(c, "trk bootstrap-export: %s/%s: %s\n",
		    CONSOLE_EXPORT_DIR, fname, strerror(errno));
		return 1;
	}
	st = hsm_trk_bootstrap_export(k->hsm, id, key, sizeof(key), &len);
	if (st == HSM_ERR_DENIED) {
		console_printf(c, "trk bootstrap-export: %s was exported "
		    "already or is not a bootstrap TrK; it stays in the "
		    "token\n", name);
		goto out;
	}
	if (st != HSM_OK || len != sizeof(key)) {
		console_printf(c, "trk bootstrap-export: %s: %s\n", name,
		    hsm_strerror(st));
		goto out;
	}
	if (EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL) != 1) {
		console_printf(c, "trk bootstrap-export: SHA-256 failed\n");
		goto out;
	}
	hex(fp, md, CONSOLE_TRK_FP_LEN);
	w = snprintf(line, sizeof(line), "BootstrapTrK %s ", name);
	hex(line + w, key, len);
	line[w + 2 * len] = '\n';
	line[w + 2 * len + 1] = '\0';
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line) ||
	    fsync(fd) != 0) {
		/* the token has locked the key: it is lost for the device */
		console_printf(c, "trk bootstrap-export: writing %s/%s "
		    "failed (%s); the key is locked in the token now: make "
		    "new user keys (kms-provision user-keys)\n",
		    CONSOLE_EXPORT_DIR, fname, strerror(errno));
		goto out;
	}
	console_printf(c, "%s written to %s/%s (mode 0600)\n", name,
	    CONSOLE_EXPORT_DIR, fname);
	console_printf(c, "fingerprint: sha256:%s\n", fp);
	console_printf(c, "the token has locked %s: it cannot be exported "
	    "again; move the file to the device and delete it\n", name);
	snprintf(what, sizeof(what), "trk bootstrap-export: %.64s to "
	    "%s/ sha256:%s", name, CONSOLE_EXPORT_DIR, fp);
	console_audit(c, "ok", what);
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(line, sizeof(line));
	OPENSSL_cleanse(md, sizeof(md));
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(path);
	return rc;
}
