/*
 * kms-provision - create the appliance's keys in a PKCS#11 token and show
 * their public values.
 *
 *	kms-provision --module PATH --token LABEL
 *	    (--pin-file FILE | --pin-env VAR) [--force] init | show
 *
 * init creates the KEK, the sealed SAKKE and ECCSI master secrets and the
 * KMS signing key pair, then prints the public values; it refuses a token
 * that already holds a provisioning unless --force (which destroys the
 * appliance's objects first).  show prints the public values and the
 * appliance's objects (labels and classes).  Nothing secret is written
 * anywhere but the token: the PIN is wiped once the token is open, and
 * the master secrets are seen only inside hsm_master_use callbacks.
 *
 * Output on stdout, one value per line:
 *	PubEncKey <hex Z_S, 257 bytes>
 *	PubAuthKey <hex KPAK, 65 bytes>
 *	KmsSignKey <hex 04||x||y, 65 bytes>
 * and with show, one "Object <label> <class>" line per object.
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

#define PIN_FILE_MAX	(HSM_PIN_MAX + 2)	/* PIN, CR, LF */

enum { EXIT_DONE = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct opts {
	const char	*o_module;
	const char	*o_token;
	const char	*o_pin_file;
	const char	*o_pin_env;
	const char	*o_cmd;
	int		 o_force;
};

static void	 usage(void) __attribute__((noreturn));
static int	 read_pin(const struct opts *o, char *pin, size_t pin_size);
static int	 sakke_cb(const uint8_t *secret, size_t len, void *arg);
static int	 eccsi_cb(const uint8_t *secret, size_t len, void *arg);
static void	 print_hex(const char *name, const uint8_t *v, size_t len);
static int	 print_public(struct hsm *h);
static int	 cmd_init(struct hsm *h, const struct opts *o);
static int	 cmd_show(struct hsm *h, const struct opts *o);

static void
usage(void)
{
	fprintf(stderr, "usage: kms-provision --module PATH --token LABEL\n"
	    "           (--pin-file FILE | --pin-env VAR) [--force] "
	    "init | show\n");
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

static int
cmd_init(struct hsm *h, const struct opts *o)
{
	struct hsm_key_info	 ki;
	hsm_key_id		 kek, id;
	enum hsm_status		 st;
	size_t			 n;

	for (n = 0; hsm_key_info(h, (hsm_key_id)(n + 1), &ki) == HSM_OK; n++)
		;
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

	if ((st = hsm_kek_create(h, HSM_LABEL_KEK, &kek)) != HSM_OK) {
		fprintf(stderr, "kms-provision: %s: %s\n", HSM_LABEL_KEK,
		    hsm_strerror(st));
		goto fail;
	}
	if ((st = hsm_master_create(h, HSM_KC_MASTER_SAKKE, HSM_LABEL_SAKKE,
	    kek, sakke_q, sizeof(sakke_q), &id)) != HSM_OK) {
		fprintf(stderr, "kms-provision: %s: %s\n", HSM_LABEL_SAKKE,
		    hsm_strerror(st));
		goto fail;
	}
	if ((st = hsm_master_create(h, HSM_KC_MASTER_ECCSI, HSM_LABEL_ECCSI,
	    kek, eccsi_q, sizeof(eccsi_q), &id)) != HSM_OK) {
		fprintf(stderr, "kms-provision: %s: %s\n", HSM_LABEL_ECCSI,
		    hsm_strerror(st));
		goto fail;
	}
	if ((st = hsm_sign_key_create(h, HSM_LABEL_KMS_SIGN, &id)) != HSM_OK) {
		fprintf(stderr, "kms-provision: %s: %s\n",
		    HSM_LABEL_KMS_SIGN, hsm_strerror(st));
		goto fail;
	}
	if (print_public(h) != 0)
		return EXIT_FAIL;
	return EXIT_DONE;
 fail:
	if (st == HSM_ERR_EXISTS)
		fprintf(stderr, "kms-provision: the token holds an object "
		    "with an appliance label; use --force to remove it\n");
	return EXIT_FAIL;
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
	for (kc = HSM_KC_KEK; kc <= HSM_KC_KMS_SIGN; kc++) {
		for (id = 1; hsm_key_info(h, id, &ki) == HSM_OK; id++) {
			if ((int)ki.hki_class == kc)
				printf("Object %s %s\n", ki.hki_label,
				    hsm_class_name(ki.hki_class));
		}
	}
	return ret;
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
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	struct opts	 o;
	struct hsm_conf	 conf;
	struct hsm	*h = NULL;
	struct rlimit	 rl = { 0, 0 };
	char		 pin[HSM_PIN_MAX + 1];
	enum hsm_status	 st;
	int		 ch, ret = EXIT_FAIL;

	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, "m:t:p:e:fh", longopts, NULL))
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
		default:
			usage();
		}
	}
	if (argc - optind != 1 || o.o_module == NULL || o.o_token == NULL ||
	    (o.o_pin_file == NULL) == (o.o_pin_env == NULL))
		usage();
	o.o_cmd = argv[optind];
	if (strcmp(o.o_cmd, "init") != 0 && strcmp(o.o_cmd, "show") != 0)
		usage();

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

	if (strcmp(o.o_cmd, "init") == 0)
		ret = cmd_init(h, &o);
	else
		ret = cmd_show(h, &o);
 fail:
	hsm_close(h);
	OPENSSL_cleanse(pin, sizeof(pin));
	return ret;
}
