/*
 * kms-provision - create, list and destroy the appliance's keys in a
 * PKCS#11 token (any module path; SoftHSMv2 on the host).
 *
 *	kms-provision --module PATH --token LABEL
 *	    (--pin-file FILE | --pin-env VAR) [--force] [--yes] COMMAND [USER]
 *
 * Commands:
 *	init		KEK, sealed SAKKE and ECCSI master secrets and the KMS
 *			signing key pair in one go; prints the public values.
 *			Refuses a token that already holds appliance objects
 *			unless --force (which destroys them first).
 *	kek		the KEK only (kms.kek).
 *	masters		the sealed SAKKE and ECCSI master secrets under the
 *			existing KEK; prints PubEncKey and PubAuthKey.
 *	sign-key	the KMS signing key pair (kms.sign); prints KmsSignKey.
 *	tls-key --out DIR [--cn NAME] [--san LIST] [--days N]
 *			the TLS key pair (kms.tls) and a TLS CA key pair
 *			(kms.tls-ca) in the token, made if missing, and the
 *			certificates signed in the token: DIR/ca.pem for
 *			clients, DIR/tls.pem (server + CA) for kmsd.
 *	user-keys USER	a bootstrap TrK tk.<n>.USER and an InK ik.<n>.USER
 *			wrapped under it (n = 1 + the user's newest
 *			generation); prints both key names and the wrapped
 *			InK (kw-aes256 under the TrK, for the device).
 *	bootstrap-export USER
 *			prints the user's newest TrK as hex, ONCE: this is the
 *			one moment a TrK leaves the token, for the device's
 *			provisioning; the token then locks it (sensitive, not
 *			extractable) and a second export is refused.
 *	list		the appliance's objects: labels, classes, states and
 *			the public keys of key pairs; nothing secret.
 *	show		the public values (as init printed them) and the list.
 *	destroy		every appliance object in the token; needs --yes.
 *	backup-key --components N --out DIR
 *			the backup key ceremony: N key components (one file
 *			per custodian in DIR), their XOR imported as the
 *			backup key kms.backup; prints BackupKeyCheck.
 *	backup-key-import --component FILE ...
 *			on a new token: every custodian's component, combined
 *			and imported as the same backup key.
 *	restore --in FILE --data DIR
 *			on a new token with the backup key: the master secrets
 *			of a backup file sealed into this token, the store
 *			written to DIR/kms.db, a KMS signing key made if
 *			missing; then prints the public values.
 *
 * Nothing secret is written anywhere but the token, except the one
 * bootstrap TrK on stdout: the PIN is wiped once the token is open, and
 * the master secrets are seen only inside hsm_master_use callbacks.
 *
 * Output on stdout, one value per line:
 *	PubEncKey <hex Z_S, 257 bytes>
 *	PubAuthKey <hex KPAK, 65 bytes>
 *	KmsSignKey <hex 04||x||y, 65 bytes>
 *	Object <label> <class>[ <state>]	(show, list)
 *	PublicKey <label> <hex 04||x||y>	(list)
 *	TrK <name>				(user-keys)
 *	InK <name> <hex, 40 bytes wrapped under the TrK>	(user-keys)
 *	BootstrapTrK <name> <hex, 32 bytes>	(bootstrap-export)
 *	MikeyPsk <B-TID> <hex, 32 bytes>	(mikey-psk)
 *	TicketKey <name>			(ticket-key)
 *
 * Exit: 0 done, 1 refused or failed, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "board.h"
#include "crypto.h"
#include "hsm.h"
#include "prov_local.h"

#define PIN_FILE_MAX	(HSM_PIN_MAX + 2)	/* PIN, CR, LF */

enum { EXIT_DONE = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct opts {
	const char	*o_module;
	const char	*o_token;
	const char	*o_pin_file;
	const char	*o_pin_env;
	const char	*o_cmd;
	const char	*o_user;
	int		 o_force;
	int		 o_yes;
	struct tls_opts	 o_tls;
	struct ceremony_opts o_cer;
};

static void	 usage(void) __attribute__((noreturn));
static int	 read_pin(const struct opts *o, char *pin, size_t pin_size);
static int	 sakke_cb(const uint8_t *secret, size_t len, void *arg);
static int	 eccsi_cb(const uint8_t *secret, size_t len, void *arg);
static void	 print_hex(const char *name, const uint8_t *v, size_t len);
static int	 print_public(struct hsm *h);
static size_t	 count_keys(struct hsm *h);
static int	 fail_st(const char *what, enum hsm_status st);
static int	 make_kek(struct hsm *h);
static int	 make_masters(struct hsm *h);
static int	 make_sign_key(struct hsm *h);
static int	 newest_gen(struct hsm *h, enum hsm_key_class kc,
		    const char *user, unsigned long *n, hsm_key_id *id);
static int	 cmd_init(struct hsm *h, const struct opts *o);
static int	 cmd_show(struct hsm *h, const struct opts *o);
static int	 cmd_list(struct hsm *h, const struct opts *o);
static int	 cmd_kek(struct hsm *h, const struct opts *o);
static int	 cmd_masters(struct hsm *h, const struct opts *o);
static int	 cmd_sign_key(struct hsm *h, const struct opts *o);
static int	 cmd_user_keys(struct hsm *h, const struct opts *o);
static int	 cmd_bootstrap_export(struct hsm *h, const struct opts *o);
static int	 cmd_destroy(struct hsm *h, const struct opts *o);
static int	 cmd_tls_key(struct hsm *h, const struct opts *o);
static int	 cmd_mikey_psk(struct hsm *h, const struct opts *o);
static int	 cmd_ticket_key(struct hsm *h, const struct opts *o);
static int	 cmd_backup_key(struct hsm *h, const struct opts *o);
static int	 cmd_backup_key_import(struct hsm *h, const struct opts *o);
static int	 cmd_restore(struct hsm *h, const struct opts *o);

/* The command table: name, whether it takes USER, handler. */
static const struct cmd {
	const char	*c_name;
	int		 c_user;
	int		(*c_fn)(struct hsm *, const struct opts *);
} cmds[] = {
	{ "init",		0, cmd_init },
	{ "show",		0, cmd_show },
	{ "list",		0, cmd_list },
	{ "kek",		0, cmd_kek },
	{ "masters",		0, cmd_masters },
	{ "sign-key",		0, cmd_sign_key },
	{ "tls-key",		0, cmd_tls_key },
	{ "user-keys",		1, cmd_user_keys },
	{ "bootstrap-export",	1, cmd_bootstrap_export },
	{ "destroy",		0, cmd_destroy },
	{ "mikey-psk",		1, cmd_mikey_psk },
	{ "ticket-key",		0, cmd_ticket_key },
	{ "backup-key",		0, cmd_backup_key },
	{ "backup-key-import",	0, cmd_backup_key_import },
	{ "restore",		0, cmd_restore },
};

static void
usage(void)
{
	fprintf(stderr, "usage: kms-provision --module PATH --token LABEL\n"
	    "           (--pin-file FILE | --pin-env VAR) [--force] [--yes]\n"
	    "           init | show | list | kek | masters | sign-key |\n"
	    "           user-keys USER | bootstrap-export USER | destroy |\n"
	    "           mikey-psk IDENTITY | ticket-key |\n"
	    "           tls-key --out DIR [--cn NAME] [--san LIST] [--days N] |\n"
	    "           backup-key --components N --out DIR |\n"
	    "           backup-key-import --component FILE ... |\n"
	    "           restore --in FILE --data DIR\n");
	exit(EXIT_USAGE);
}

/* The PIN from --pin-file (first line) or --pin-env into pin. */
static int
read_pin(const struct opts *o, char *pin, size_t pin_size)
{
	char		 buf[PIN_FILE_MAX + 1];
	const char	*src;
	struct stat	 st;
	ssize_t		 n;
	size_t		 len;
	int		 fd = -1, ret = -1;

	memset(buf, 0, sizeof(buf));
	if (o->o_pin_file != NULL) {
		if ((fd = open(o->o_pin_file, O_RDONLY | O_CLOEXEC)) == -1) {
			fprintf(stderr, "kms-provision: %s: %s\n",
			    o->o_pin_file, strerror(errno));
			goto fail;
		}
		if (fstat(fd, &st) == 0 && (st.st_mode & 0077) != 0)
			fprintf(stderr, "kms-provision: warning: %s is "
			    "readable by others\n", o->o_pin_file);
		len = 0;
		while (len < sizeof(buf) - 1) {
			n = read(fd, buf + len, sizeof(buf) - 1 - len);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				fprintf(stderr, "kms-provision: %s: %s\n",
				    o->o_pin_file, strerror(errno));
				goto fail;
			}
			if (n == 0)
				break;
			len += (size_t)n;
		}
		buf[len] = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
		src = buf;
	} else {
		if ((src = getenv(o->o_pin_env)) == NULL) {
			fprintf(stderr, "kms-provision: %s is not set\n",
			    o->o_pin_env);
			goto fail;
		}
	}
	len = strlen(src);
	if (len == 0 || len > HSM_PIN_MAX || len >= pin_size) {
		fprintf(stderr, "kms-provision: the PIN must be 1 to %d "
		    "characters\n", HSM_PIN_MAX);
		goto fail;
	}
	memcpy(pin, src, len + 1);
	if (o->o_pin_env != NULL) {
		/* wipe: the environment's copy, then drop the variable */
		explicit_bzero((char *)(uintptr_t)src, len);
		(void)unsetenv(o->o_pin_env);
	}
	ret = 0;
 fail:
	if (fd != -1)
		close(fd);
	/* wipe: the file copy of the PIN */
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

/* Z_S = [z_S]P into arg (SAKKE_POINT_LEN bytes). */
static int
sakke_cb(const uint8_t *secret, size_t len, void *arg)
{
	if (len != SAKKE_SCALAR_LEN)
		return -1;
	return sakke_pubkey(secret, arg) == CRYPTO_OK ? 0 : -1;
}

/* KPAK = [KSAK]G into arg (ECCSI_POINT_LEN bytes). */
static int
eccsi_cb(const uint8_t *secret, size_t len, void *arg)
{
	if (len != ECCSI_SCALAR_LEN)
		return -1;
	return eccsi_kpak(secret, arg) == CRYPTO_OK ? 0 : -1;
}

static void
print_hex(const char *name, const uint8_t *v, size_t len)
{
	size_t	 i;

	if (name[0] != '\0')
		printf("%s ", name);
	for (i = 0; i < len; i++)
		printf("%02x", v[i]);
	printf("\n");
}

/* Print the three public values; 0 if all three were printed. */
static int
print_public(struct hsm *h)
{
	uint8_t		 zs[SAKKE_POINT_LEN], kpak[ECCSI_POINT_LEN];
	uint8_t		 sign[HSM_EC_POINT_LEN];
	hsm_key_id	 id;
	size_t		 len;
	enum hsm_status	 st;
	int		 ret = 0;

	st = hsm_key_find(h, HSM_KC_MASTER_SAKKE, HSM_LABEL_SAKKE, &id);
	if (st == HSM_OK)
		st = hsm_master_use(h, id, sakke_cb, zs);
	if (st == HSM_OK)
		print_hex("PubEncKey", zs, sizeof(zs));
	else {
		fprintf(stderr, "kms-provision: %s: %s\n", HSM_LABEL_SAKKE,
		    hsm_strerror(st));
		ret = -1;
	}

	st = hsm_key_find(h, HSM_KC_MASTER_ECCSI, HSM_LABEL_ECCSI, &id);
	if (st == HSM_OK)
		st = hsm_master_use(h, id, eccsi_cb, kpak);
	if (st == HSM_OK)
		print_hex("PubAuthKey", kpak, sizeof(kpak));
	else {
		fprintf(stderr, "kms-provision: %s: %s\n", HSM_LABEL_ECCSI,
		    hsm_strerror(st));
		ret = -1;
	}

	st = hsm_key_find(h, HSM_KC_KMS_SIGN, HSM_LABEL_KMS_SIGN, &id);
	if (st == HSM_OK)
		st = hsm_sign_pubkey(h, id, sign, sizeof(sign), &len);
	if (st == HSM_OK)
		print_hex("KmsSignKey", sign, len);
	else {
		fprintf(stderr, "kms-provision: %s: %s\n",
		    HSM_LABEL_KMS_SIGN, hsm_strerror(st));
		ret = -1;
	}
	fflush(stdout);
	return ret;
}

static size_t
count_keys(struct hsm *h)
{
	struct hsm_key_info	 ki;
	size_t			 n;

	for (n = 0; hsm_key_info(h, (hsm_key_id)(n + 1), &ki) == HSM_OK; n++)
		;
	return n;
}

static int
fail_st(const char *what, enum hsm_status st)
{
	fprintf(stderr, "kms-provision: %s: %s\n", what, hsm_strerror(st));
	if (st == HSM_ERR_EXISTS)
		fprintf(stderr, "kms-provision: the token already holds an "
		    "object with that label\n");
	return EXIT_FAIL;
}

static int
make_kek(struct hsm *h)
{
	hsm_key_id	 kek;
	enum hsm_status	 st;

	if ((st = hsm_kek_create(h, HSM_LABEL_KEK, &kek)) != HSM_OK)
		return fail_st(HSM_LABEL_KEK, st);
	return EXIT_DONE;
}

static int
make_masters(struct hsm *h)
{
	hsm_key_id	 kek, id;
	enum hsm_status	 st;

	if ((st = hsm_key_find(h, HSM_KC_KEK, HSM_LABEL_KEK, &kek)) != HSM_OK)
		return fail_st(HSM_LABEL_KEK " (run kek first)", st);
	if ((st = hsm_master_create(h, HSM_KC_MASTER_SAKKE, HSM_LABEL_SAKKE,
	    kek, sakke_q, sizeof(sakke_q), &id)) != HSM_OK)
		return fail_st(HSM_LABEL_SAKKE, st);
	if ((st = hsm_master_create(h, HSM_KC_MASTER_ECCSI, HSM_LABEL_ECCSI,
	    kek, eccsi_q, sizeof(eccsi_q), &id)) != HSM_OK)
		return fail_st(HSM_LABEL_ECCSI, st);
	return EXIT_DONE;
}

static int
make_sign_key(struct hsm *h)
{
	hsm_key_id	 id;
	enum hsm_status	 st;

	if ((st = hsm_sign_key_create(h, HSM_LABEL_KMS_SIGN, &id)) != HSM_OK)
		return fail_st(HSM_LABEL_KMS_SIGN, st);
	return EXIT_DONE;
}

static int
cmd_init(struct hsm *h, const struct opts *o)
{
	enum hsm_status	 st;
	size_t		 n;

	n = count_keys(h);
	if (n > 0 && !o->o_force) {
		fprintf(stderr, "kms-provision: token '%s' already holds an "
		    "appliance provisioning (%zu objects); use --force to "
		    "destroy it and provision again\n", o->o_token, n);
		return EXIT_FAIL;
	}
	if (o->o_force && (st = hsm_destroy_all(h)) != HSM_OK) {
		fprintf(stderr, "kms-provision: destroying the old "
		    "provisioning: %s\n", hsm_strerror(st));
		return EXIT_FAIL;
	}
	if (make_kek(h) != EXIT_DONE || make_masters(h) != EXIT_DONE ||
	    make_sign_key(h) != EXIT_DONE)
		return EXIT_FAIL;
	if (print_public(h) != 0)
		return EXIT_FAIL;
	return EXIT_DONE;
}

static int
cmd_kek(struct hsm *h, const struct opts *o)
{
	if (make_kek(h) != EXIT_DONE)
		return EXIT_FAIL;
	printf("Object %s %s\n", HSM_LABEL_KEK, hsm_class_name(HSM_KC_KEK));
	return EXIT_DONE;
}

static int
cmd_masters(struct hsm *h, const struct opts *o)
{
	uint8_t		 zs[SAKKE_POINT_LEN], kpak[ECCSI_POINT_LEN];
	hsm_key_id	 id;
	enum hsm_status	 st;

	if (make_masters(h) != EXIT_DONE)
		return EXIT_FAIL;
	st = hsm_key_find(h, HSM_KC_MASTER_SAKKE, HSM_LABEL_SAKKE, &id);
	if (st == HSM_OK)
		st = hsm_master_use(h, id, sakke_cb, zs);
	if (st != HSM_OK)
		return fail_st(HSM_LABEL_SAKKE, st);
	st = hsm_key_find(h, HSM_KC_MASTER_ECCSI, HSM_LABEL_ECCSI, &id);
	if (st == HSM_OK)
		st = hsm_master_use(h, id, eccsi_cb, kpak);
	if (st != HSM_OK)
		return fail_st(HSM_LABEL_ECCSI, st);
	print_hex("PubEncKey", zs, sizeof(zs));
	print_hex("PubAuthKey", kpak, sizeof(kpak));
	return EXIT_DONE;
}

static int
cmd_sign_key(struct hsm *h, const struct opts *o)
{
	uint8_t		 pub[HSM_EC_POINT_LEN];
	hsm_key_id	 id;
	size_t		 len;
	enum hsm_status	 st;

	if (make_sign_key(h) != EXIT_DONE)
		return EXIT_FAIL;
	st = hsm_key_find(h, HSM_KC_KMS_SIGN, HSM_LABEL_KMS_SIGN, &id);
	if (st == HSM_OK)
		st = hsm_sign_pubkey(h, id, pub, sizeof(pub), &len);
	if (st != HSM_OK)
		return fail_st(HSM_LABEL_KMS_SIGN, st);
	print_hex("KmsSignKey", pub, len);
	return EXIT_DONE;
}

/*
 * The newest generation n of the user's keys of class kc (0 if none) and
 * its id.  Key names are "tk.<n>.<user>" / "ik.<n>.<user>" (hsm.h).
 */
static int
newest_gen(struct hsm *h, enum hsm_key_class kc, const char *user,
    unsigned long *n, hsm_key_id *id)
{
	struct hsm_key_info	 ki;
	enum hsm_key_class	 c;
	unsigned long		 g;
	size_t			 off;
	hsm_key_id		 i;

	*n = 0;
	*id = HSM_KEY_NONE;
	for (i = 1; hsm_key_info(h, i, &ki) == HSM_OK; i++) {
		if (ki.hki_class != kc ||
		    hsm_user_key_name_parse(ki.hki_label, &c, &g, &off) !=
		    HSM_OK || strcmp(ki.hki_label + off, user) != 0)
			continue;
		if (g > *n) {
			*n = g;
			*id = i;
		}
	}
	return *n > 0;
}

static int
cmd_user_keys(struct hsm *h, const struct opts *o)
{
	char		 trk[HSM_LABEL_MAX + 1], ink[HSM_LABEL_MAX + 1];
	uint8_t		 w[HSM_WRAPPED_KEY_LEN];
	unsigned long	 nt, ni;
	hsm_key_id	 tid, iid;
	size_t		 len;
	enum hsm_status	 st;

	(void)newest_gen(h, HSM_KC_TRK, o->o_user, &nt, &tid);
	(void)newest_gen(h, HSM_KC_INK, o->o_user, &ni, &iid);
	if (ni > nt)
		nt = ni;
	nt++;
	if ((st = hsm_user_key_name(HSM_KC_TRK, nt, o->o_user, trk,
	    sizeof(trk))) != HSM_OK ||
	    (st = hsm_user_key_name(HSM_KC_INK, nt, o->o_user, ink,
	    sizeof(ink))) != HSM_OK) {
		fprintf(stderr, "kms-provision: '%s' cannot name a key "
		    "(printable ASCII, no spaces, at most %d bytes in all)\n",
		    o->o_user, HSM_LABEL_MAX);
		return EXIT_FAIL;
	}
	if ((st = hsm_trk_bootstrap_create(h, trk, &tid)) != HSM_OK)
		return fail_st(trk, st);
	if ((st = hsm_user_key_wrap_new(h, tid, HSM_KC_INK, ink, &iid, w,
	    sizeof(w), &len)) != HSM_OK)
		return fail_st(ink, st);
	printf("TrK %s\n", trk);
	printf("InK %s ", ink);
	print_hex("", w, len);
	return EXIT_DONE;
}

static int
cmd_bootstrap_export(struct hsm *h, const struct opts *o)
{
	char		 name[HSM_LABEL_MAX + 1];
	uint8_t		 key[HSM_USER_KEY_LEN];
	unsigned long	 n;
	hsm_key_id	 id;
	size_t		 len;
	enum hsm_status	 st;

	if (!newest_gen(h, HSM_KC_TRK, o->o_user, &n, &id)) {
		fprintf(stderr, "kms-provision: no TrK for '%s'; run "
		    "user-keys first\n", o->o_user);
		return EXIT_FAIL;
	}
	(void)hsm_user_key_name(HSM_KC_TRK, n, o->o_user, name, sizeof(name));
	st = hsm_trk_bootstrap_export(h, id, key, sizeof(key), &len);
	if (st == HSM_ERR_DENIED) {
		fprintf(stderr, "kms-provision: %s is not a bootstrap TrK or "
		    "was exported already; it stays in the token\n", name);
		return EXIT_FAIL;
	}
	if (st != HSM_OK)
		return fail_st(name, st);
	printf("BootstrapTrK %s ", name);
	print_hex("", key, len);
	/* wipe: the one copy outside the token, once printed */
	OPENSSL_cleanse(key, sizeof(key));
	return EXIT_DONE;
}

/*
 * The MIKEY-TICKET pre-shared key of IDENTITY (docs/ticket.md 5), the
 * stand-in for the GBA Ks_NAF: a fresh B-TID-shaped key identifier
 * "<base64 of 16 random bytes>@bsf.<domain of IDENTITY>", a MIKEY_PSK
 * "psk.1.<B-TID>|<IDENTITY>" made in the token and exported once for the
 * user's device.
 */
static int
cmd_mikey_psk(struct hsm *h, const struct opts *o)
{
	static const char	 al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	char			 name[HSM_LABEL_MAX + 1], btid[96];
	const char		*dom;
	uint8_t			 r[18], key[HSM_USER_KEY_LEN];
	hsm_key_id		 id;
	size_t			 i, n = 0, len;
	enum hsm_status		 st;
	uint32_t		 v;
	int			 l;

	/* 16 random bytes (18 with two zeros: the last quantum is padded). */
	memset(r, 0, sizeof(r));
	if ((st = hsm_random(h, r, 16)) != HSM_OK)
		return fail_st("random", st);
	for (i = 0; i < 18; i += 3) {
		v = (uint32_t)r[i] << 16 | (uint32_t)r[i + 1] << 8 | r[i + 2];
		btid[n++] = al[v >> 18 & 63];
		btid[n++] = al[v >> 12 & 63];
		btid[n++] = al[v >> 6 & 63];
		btid[n++] = al[v & 63];
	}
	btid[22] = '=';
	btid[23] = '=';
	dom = strrchr(o->o_user, '@');
	l = snprintf(btid + 24, sizeof(btid) - 24, "@bsf.%s",
	    dom != NULL && dom[1] != '\0' ? dom + 1 : "invalid");
	if (l < 0 || (size_t)l >= sizeof(btid) - 24)
		return fail_st(o->o_user, HSM_ERR_ARGS);
	l = snprintf(name, sizeof(name), "%s1.%s|%s", HSM_PSK_PREFIX, btid,
	    o->o_user);
	if (l < 0 || (size_t)l >= sizeof(name) ||
	    hsm_user_key_name_parse(name, NULL, NULL, NULL) != HSM_OK) {
		fprintf(stderr, "kms-provision: '%s' cannot name a key "
		    "(printable ASCII, no spaces, at most %d bytes in all)\n",
		    o->o_user, HSM_LABEL_MAX);
		return EXIT_FAIL;
	}
	if ((st = hsm_mikey_psk_create(h, name, &id)) != HSM_OK)
		return fail_st(name, st);
	if ((st = hsm_trk_bootstrap_export(h, id, key, sizeof(key), &len)) !=
	    HSM_OK)
		return fail_st(name, st);
	printf("MikeyPsk %s ", btid);
	print_hex("", key, len);
	/* wipe: the one copy outside the token, once printed */
	OPENSSL_cleanse(key, sizeof(key));
	return EXIT_DONE;
}

/* The next generation of the ticket protection key: "tpk.<n>.ticket". */
static int
cmd_ticket_key(struct hsm *h, const struct opts *o)
{
	char		 name[HSM_LABEL_MAX + 1];
	unsigned long	 n;
	hsm_key_id	 id;
	enum hsm_status	 st;

	(void)o;
	(void)newest_gen(h, HSM_KC_TICKET, "ticket", &n, &id);
	if ((st = hsm_user_key_name(HSM_KC_TICKET, n + 1, "ticket", name,
	    sizeof(name))) != HSM_OK)
		return fail_st("ticket-key", st);
	if ((st = hsm_user_key_create(h, HSM_KC_TICKET, name, &id)) != HSM_OK)
		return fail_st(name, st);
	printf("TicketKey %s\n", name);
	return EXIT_DONE;
}

static int
cmd_list(struct hsm *h, const struct opts *o)
{
	struct hsm_key_info	 ki;
	uint8_t			 pub[HSM_EC_POINT_LEN];
	hsm_key_id		 id;
	size_t			 len;
	int			 kc;
	const char		*state;

	/* Grouped by class, in the order the token lists them. */
	for (kc = HSM_KC_FIRST; kc <= HSM_KC_LAST; kc++) {
		for (id = 1; hsm_key_info(h, id, &ki) == HSM_OK; id++) {
			if ((int)ki.hki_class != kc)
				continue;
			state = "";
			if (ki.hki_flags & HSM_KI_BOOTSTRAP)
				state = " bootstrap";
			else if (ki.hki_flags & HSM_KI_NO_TWIN)
				state = " no-hmac-twin";
			printf("Object %s %s%s\n", ki.hki_label,
			    hsm_class_name(ki.hki_class), state);
		}
	}
	for (id = 1; hsm_key_info(h, id, &ki) == HSM_OK; id++) {
		if (ki.hki_class != HSM_KC_KMS_SIGN &&
		    ki.hki_class != HSM_KC_TLS)
			continue;
		if (hsm_sign_pubkey(h, id, pub, sizeof(pub), &len) == HSM_OK) {
			printf("PublicKey %s ", ki.hki_label);
			print_hex("", pub, len);
		}
	}
	return EXIT_DONE;
}

static int
cmd_show(struct hsm *h, const struct opts *o)
{
	struct hsm_key_info	 ki;
	hsm_key_id		 id;
	int			 ret, kc;

	if (hsm_key_info(h, 1, &ki) != HSM_OK) {
		fprintf(stderr, "kms-provision: token '%s' holds no "
		    "appliance provisioning\n", o->o_token);
		return EXIT_FAIL;
	}
	ret = print_public(h) == 0 ? EXIT_DONE : EXIT_FAIL;
	/* Grouped by class, in the order the token lists them. */
	for (kc = HSM_KC_FIRST; kc <= HSM_KC_LAST; kc++) {
		for (id = 1; hsm_key_info(h, id, &ki) == HSM_OK; id++) {
			if ((int)ki.hki_class == kc)
				printf("Object %s %s\n", ki.hki_label,
				    hsm_class_name(ki.hki_class));
		}
	}
	return ret;
}

static int
cmd_destroy(struct hsm *h, const struct opts *o)
{
	enum hsm_status	 st;
	size_t		 n;

	n = count_keys(h);
	if (!o->o_yes) {
		fprintf(stderr, "kms-provision: destroy removes all %zu "
		    "appliance objects from token '%s', and every key issued "
		    "under them becomes useless; add --yes to do it\n", n,
		    o->o_token);
		return EXIT_FAIL;
	}
	if ((st = hsm_destroy_all(h)) != HSM_OK)
		return fail_st("destroy", st);
	printf("Destroyed %zu\n", n);
	return EXIT_DONE;
}

static int
cmd_backup_key(struct hsm *h, const struct opts *o)
{
	struct ceremony_opts	 co = o->o_cer;

	co.co_out = o->o_tls.t_out;
	return prov_backup_key(h, &co) == 0 ? EXIT_DONE : EXIT_FAIL;
}

static int
cmd_backup_key_import(struct hsm *h, const struct opts *o)
{
	return prov_backup_key_import(h, &o->o_cer) == 0 ? EXIT_DONE :
	    EXIT_FAIL;
}

static int
cmd_restore(struct hsm *h, const struct opts *o)
{
	if (prov_restore(h, &o->o_cer) != 0)
		return EXIT_FAIL;
	return print_public(h) == 0 ? EXIT_DONE : EXIT_FAIL;
}

static int
cmd_tls_key(struct hsm *h, const struct opts *o)
{
	if (o->o_tls.t_out == NULL) {
		fprintf(stderr, "kms-provision: tls-key needs --out DIR\n");
		return EXIT_FAIL;
	}
	return prov_tls_key(h, &o->o_tls) == 0 ? EXIT_DONE : EXIT_FAIL;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "module",	required_argument,	NULL, 'm' },
		{ "token",	required_argument,	NULL, 't' },
		{ "pin-file",	required_argument,	NULL, 'p' },
		{ "pin-env",	required_argument,	NULL, 'e' },
		{ "force",	no_argument,		NULL, 'f' },
		{ "yes",	no_argument,		NULL, 'y' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "out",	required_argument,	NULL, 'O' },
		{ "cn",		required_argument,	NULL, 'C' },
		{ "san",	required_argument,	NULL, 'S' },
		{ "days",	required_argument,	NULL, 'D' },
		{ "components",	required_argument,	NULL, 'N' },
		{ "component",	required_argument,	NULL, 'K' },
		{ "in",		required_argument,	NULL, 'I' },
		{ "data",	required_argument,	NULL, 'A' },
		{ NULL,		0,			NULL, 0 },
	};
	struct opts	 o;
	struct hsm_conf	 conf;
	struct hsm	*h = NULL;
	struct rlimit	 rl = { 0, 0 };
	char		 pin[HSM_PIN_MAX + 1];
	const struct cmd *c = NULL;
	enum hsm_status	 st;
	size_t		 i;
	int		 ch, ret = EXIT_FAIL;

	memset(&o, 0, sizeof(o));
	o.o_tls.t_cn = "localhost";
	o.o_tls.t_sans = "DNS:localhost,IP:127.0.0.1";
	o.o_tls.t_ca_name = "KMS appliance TLS CA";
	o.o_tls.t_days = 825;
	while ((ch = getopt_long(argc, argv, "m:t:p:e:fyh", longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'm':
			o.o_module = optarg;
			break;
		case 't':
			o.o_token = optarg;
			break;
		case 'p':
			o.o_pin_file = optarg;
			break;
		case 'e':
			o.o_pin_env = optarg;
			break;
		case 'f':
			o.o_force = 1;
			break;
		case 'y':
			o.o_yes = 1;
			break;
		case 'O':
			o.o_tls.t_out = optarg;
			break;
		case 'C':
			o.o_tls.t_cn = optarg;
			break;
		case 'S':
			o.o_tls.t_sans = optarg;
			break;
		case 'D':
			o.o_tls.t_days = (int)strtol(optarg, NULL, 10);
			if (o.o_tls.t_days < 1 || o.o_tls.t_days > 3650)
				usage();
			break;
		case 'N':
			o.o_cer.co_components = (unsigned)strtoul(optarg,
			    NULL, 10);
			if (o.o_cer.co_components < CEREMONY_COMP_MIN ||
			    o.o_cer.co_components > CEREMONY_COMP_MAX)
				usage();
			break;
		case 'K':
			if (o.o_cer.co_ncomp == CEREMONY_COMP_MAX)
				usage();
			o.o_cer.co_comp[o.o_cer.co_ncomp++] = optarg;
			break;
		case 'I':
			o.o_cer.co_in = optarg;
			break;
		case 'A':
			o.o_cer.co_data = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 1 || o.o_module == NULL || o.o_token == NULL ||
	    (o.o_pin_file == NULL) == (o.o_pin_env == NULL))
		usage();
	o.o_cmd = argv[optind];
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i].c_name, o.o_cmd) == 0)
			c = &cmds[i];
	}
	if (c == NULL || argc - optind != 1 + c->c_user)
		usage();
	if (c->c_user)
		o.o_user = argv[optind + 1];
	if (c->c_fn == NULL) {
		fprintf(stderr, "kms-provision: %s is reserved and not "
		    "available yet\n", c->c_name);
		return EXIT_FAIL;
	}

	/* This process handles secrets: no core dumps. */
	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	if (read_pin(&o, pin, sizeof(pin)) != 0)
		goto fail;
	conf.module = o.o_module;
	conf.token = o.o_token;
	conf.pin = pin;
	st = hsm_open(&conf, &h);
	/* wipe: the PIN; the token keeps the login */
	OPENSSL_cleanse(pin, sizeof(pin));
	if (st != HSM_OK) {
		fprintf(stderr, "kms-provision: cannot open token '%s': %s\n",
		    o.o_token, hsm_strerror(st));
		goto fail;
	}

	ret = c->c_fn(h, &o);
	fflush(stdout);
 fail:
	hsm_close(h);
	OPENSSL_cleanse(pin, sizeof(pin));
	return ret;
}
