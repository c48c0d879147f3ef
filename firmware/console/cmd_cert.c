/*
 * cmd_cert.c - cert show: this KMS's own certificate (the Root
 * KmsCertificate init serves: URIs, issuer, validity, key period, the
 * public keys and the KMS signing key); certcache add NAME / remove
 * CERTURI / list: the external KMS certificates kmsd serves in its KMS
 * CertCache (TS 33.180 D.3.4).
 *
 * A certificate is a document of a page or more, longer than a console
 * line, so add takes a file the operator placed in <data>/import/ (the
 * transfer directory of the host board; a real board fills it from
 * removable media).  It must be a KmsCertificate with Role="External" (or
 * a SignedKmsCertificate holding one) in the interface namespace, checked
 * by the same hardened parser as requests (xml_cert_parse).  Every change
 * bumps the cache version in the same transaction (store_cert_put).
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

#include "conf.h"
#include "crypto.h"
#include "hsm.h"
#include "kmsd.h"
#include "store.h"
#include "xml.h"

#include "console.h"
#include "console_local.h"

#define CERT_IMPORT_DIR		"import"	/* under the data directory */
#define CERT_NAME_MAX		64

static console_handler	 cmd_certcache_add, cmd_certcache_remove,
			    cmd_certcache_list, cmd_cert_show;

const struct console_cmd cmd_cert_sub[] = {
	{ .name = "show", .help = "this KMS's certificate: URIs, validity, "
	  "public keys, signing key", .usage = "cert show", .min_args = 0,
	  .max_args = 0, .roles = R_ANY, .handler = cmd_cert_show },
	{ .name = NULL }
};

const struct console_cmd cmd_certcache_sub[] = {
	{ .name = "add", .help = "add or replace an external KMS "
	  "certificate from a file in the import directory",
	  .usage = "certcache add NAME", .min_args = 1, .max_args = 1,
	  .roles = R_OPS, .handler = cmd_certcache_add },
	{ .name = "remove", .help = "remove an external KMS certificate",
	  .usage = "certcache remove CERTURI", .min_args = 1, .max_args = 1,
	  .roles = R_OPS, .handler = cmd_certcache_remove },
	{ .name = "list", .help = "the external KMS certificates and the "
	  "cache version", .usage = "certcache list", .min_args = 0,
	  .max_args = 0, .roles = R_ANY, .handler = cmd_certcache_list },
	{ .name = NULL }
};

/* Read <data>/import/name (at most STORE_CERT_XML_MAX bytes) into *out. */
static int
read_import(struct console *c, const char *name, char **out, size_t *len)
{
	char		 path[BOARD_PATH_MAX];
	struct stat	 sb;
	char		*buf = NULL;
	size_t		 off = 0;
	ssize_t		 r;
	int		 fd, n;

	*out = NULL;
	*len = 0;
	n = snprintf(path, sizeof(path), "%s/%s/%s", c->conf.data_dir,
	    CERT_IMPORT_DIR, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -errno;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
	    sb.st_size > STORE_CERT_XML_MAX) {
		close(fd);
		return -EFBIG;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return -ENOMEM;
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
	buf[off] = '\0';
	if (memchr(buf, '\0', off) != NULL) {
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	*len = off;
	return 0;
}

static int
cmd_certcache_add(struct console *c, int argc, char **argv)
{
	struct kms_cert_ref	 ref;
	uint64_t		 version;
	char			*xml = NULL;
	size_t			 len;
	int			 rc, ret = 1;

	(void)argc;
	if (strchr(argv[1], '/') != NULL || argv[1][0] == '.' ||
	    strlen(argv[1]) >= CERT_NAME_MAX) {
		console_printf(c, "certcache add: NAME is a file name in the "
		    "import directory (no '/', not starting with '.')\n");
		return 1;
	}
	if ((rc = read_import(c, argv[1], &xml, &len)) != 0) {
		console_printf(c, "certcache add: %s: %s\n", argv[1],
		    rc == -EFBIG ? "empty, not a file or over 65536 bytes" :
		    rc == -EINVAL ? "binary content" : strerror(-rc));
		return 1;
	}
	if (xml_cert_parse(xml, len, &ref) != XML_OK) {
		console_printf(c, "certcache add: %s: not a KmsCertificate or "
		    "SignedKmsCertificate (urn:3gpp:ns:mcsecKMSInterface:1.0) "
		    "with CertUri and KmsUri\n", argv[1]);
		goto fail;
	}
	if (strcmp(ref.cr_role, "External") != 0) {
		console_printf(c, "certcache add: %s: Role is \"%s\"; the cache "
		    "holds Role=\"External\" certificates only\n", argv[1],
		    ref.cr_role);
		goto fail;
	}
	rc = store_cert_put(console_store(c), ref.cr_cert_uri, ref.cr_kms_uri,
	    xml, console_now_wall(c), &version);
	if (rc != STORE_OK) {
		console_printf(c, "certcache add: %s\n", store_strerror(rc));
		goto fail;
	}
	console_printf(c, "certcache add: %s (KMS %s), cache version %" PRIu64
	    "\n", ref.cr_cert_uri, ref.cr_kms_uri, version);
	ret = 0;
 fail:
	free(xml);
	return ret;
}

static int
cmd_certcache_remove(struct console *c, int argc, char **argv)
{
	uint64_t	 version;
	int		 rc;

	(void)argc;
	rc = store_cert_remove(console_store(c), argv[1], &version);
	if (rc != STORE_OK) {
		console_printf(c, "certcache remove: %s: %s\n", argv[1],
		    store_strerror(rc));
		return 1;
	}
	console_printf(c, "certcache remove: %s, cache version %" PRIu64 "\n",
	    argv[1], version);
	return 0;
}

static int
list_one(void *arg, const struct store_cert *sc)
{
	struct console	*c = arg;

	console_printf(c, "%s kms=%s %zu bytes\n", sc->sc_cert_uri,
	    sc->sc_kms_uri, sc->sc_xml_len);
	return 0;
}

static int
cmd_certcache_list(struct console *c, int argc, char **argv)
{
	uint64_t	 version;
	int		 rc;

	(void)argc;
	(void)argv;
	rc = store_cert_foreach(console_store(c), &version, list_one, c);
	if (rc != STORE_OK) {
		console_printf(c, "certcache list: %s\n", store_strerror(rc));
		return 1;
	}
	console_printf(c, "cache version %" PRIu64 "\n", version);
	return 0;
}

/* "name <hex of v>" on one line (v at most (CONSOLE_OUT_MAX - 64) / 2). */
static void
print_hex(struct console *c, const char *name, const uint8_t *v, size_t len)
{
	char	 hex[2 * SAKKE_POINT_LEN + 1];
	size_t	 i;

	if (2 * len + 1 > sizeof(hex))
		return;
	for (i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", v[i]);
	console_printf(c, "%s %s\n", name, hex);
}

static void
print_time(struct console *c, const char *name, int64_t t)
{
	char		 buf[32];
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, sizeof(buf), "%lld", (long long)t);
	console_printf(c, "%s %s\n", name, buf);
}

/*
 * cert show: the values of the Root KmsCertificate (TS 33.180 D.3.2)
 * kmsd serves at init, and the KMS signing key with its audit key id
 * (the key kms-admin audit-verify is given).  The public keys are known
 * only once the appliance has found its keys (operational or locked).
 */
static int
cmd_cert_show(struct console *c, int argc, char **argv)
{
	const struct kmsd	*k = c->conf.kmsd;
	const struct kms_conf	*cf = k->conf;
	uint8_t			 pub[HSM_EC_POINT_LEN], kid[STORE_HASH_LEN];
	size_t			 len;

	(void)argc;
	(void)argv;
	console_printf(c, "CertUri %s\nKmsUri %s\nIssuer %s\n",
	    cf->cert_uri, cf->kms_uri, cf->issuer);
	print_time(c, "ValidFrom", cf->valid_from);
	print_time(c, "ValidTo", cf->valid_to);
	console_printf(c, "UserKeyPeriod %llu\nUserKeyOffset %llu\n",
	    (unsigned long long)cf->user_key_period,
	    (unsigned long long)cf->user_key_offset);
	if (!sakke_point_is_valid(k->pub_enc_key) ||
	    !eccsi_point_is_valid(k->pub_auth_key)) {
		console_printf(c, "cert show: the public keys are not known "
		    "(the appliance has not found its master secrets)\n");
		return 1;
	}
	print_hex(c, "PubEncKey", k->pub_enc_key, SAKKE_POINT_LEN);
	print_hex(c, "PubAuthKey", k->pub_auth_key, ECCSI_POINT_LEN);
	if (k->hsm == NULL || k->key_sign == HSM_KEY_NONE ||
	    hsm_sign_pubkey(k->hsm, k->key_sign, pub, sizeof(pub), &len) !=
	    HSM_OK || len != sizeof(pub)) {
		console_printf(c, "cert show: the KMS signing key cannot be "
		    "read\n");
		return 1;
	}
	print_hex(c, "KmsSignKey", pub, sizeof(pub));
	store_key_id(pub, kid);
	print_hex(c, "KmsSignKeyId", kid, 8);
	return 0;
}
