/*
 * cmd_cert.c - cert show [CERTURI]: this KMS's own certificate (the Root
 * KmsCertificate init serves: URIs, issuer, validity, key period, the
 * public keys and the KMS signing key) and its generations; cert rotate
 * CERTURI [FROM [TO]]: a new generation of it (new master secrets in the
 * token, kcert.h, docs/rotation.md); certcache add NAME / remove
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
#include "kcert.h"
#include "kmsd.h"
#include "state.h"
#include "store.h"
#include "xml.h"

#include "console.h"
#include "console_local.h"

#define CERT_NAME_MAX		64

static console_handler	 cmd_certcache_add, cmd_certcache_remove,
			    cmd_certcache_list, cmd_cert_show, cmd_cert_rotate;

const struct console_cmd cmd_cert_sub[] = {
	{ .name = "show", .help = "this KMS's certificate (the one in force, "
	  "or CERTURI's): URIs, validity, public keys, signing key, and its "
	  "generations", .usage = "cert show [CERTURI]", .min_args = 0,
	  .max_args = 1, .roles = R_ANY, .handler = cmd_cert_show },
	{ .name = "rotate", .help = "new master secrets and a new KMS "
	  "certificate CERTURI, serving key periods from FROM (default: the "
	  "earliest allowed) until TO (default: as long as the first)",
	  .usage = "cert rotate CERTURI [FROM|next [TO]] confirm",
	  .min_args = 1, .max_args = 4, .roles = R_ADM,
	  .handler = cmd_cert_rotate, .flags = CONSOLE_CMD_CONFIRM },
	{ .name = NULL }
};

const struct console_cmd cmd_certcache_sub[] = {
	{ .name = "add", .help = "add or replace an external KMS "
	  "certificate from a file in the import directory",
	  .usage = "certcache add NAME", .min_args = 1, .max_args = 1,
	  .roles = R_OPS, .handler = cmd_certcache_add,
	  .values = { values_imports } },
	{ .name = "remove", .help = "remove an external KMS certificate",
	  .usage = "certcache remove CERTURI", .min_args = 1, .max_args = 1,
	  .roles = R_OPS, .handler = cmd_certcache_remove,
	  .values = { values_certuris } },
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
	    CONSOLE_IMPORT_DIR, name);
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
	if (kcert_find(c->conf.kmsd, ref.cr_cert_uri) != NULL ||
	    strcmp(c->conf.kmsd->conf->cert_uri, ref.cr_cert_uri) == 0) {
		console_printf(c, "certcache add: %s: CertUri %s is this KMS's "
		    "own certificate\n", argv[1], ref.cr_cert_uri);
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
	char	 buf[32];

	console_printf(c, "%s %s\n", name, console_utc(t, buf, sizeof(buf)));
}

/* One line per generation: number, CertUri, validity, role now. */
static void
list_gens(struct console *c, const struct kmsd *k, int64_t now)
{
	const struct kmsd_gen	*g, *cur = kcert_for(k, now);
	struct kms_cert_info	 info;
	char			 a[32], b[32];
	size_t			 i;

	console_printf(c, "generations:\n");
	for (i = 0; (g = kcert_get(k, i)) != NULL; i++) {
		if (kcert_info(k, g, &info) != XML_OK)
			continue;
		console_printf(c, "  %u %s %s .. %s %s\n", g->g_no,
		    g->g_cert_uri[0] != '\0' ? g->g_cert_uri : "(no CertUri)",
		    console_utc(g->g_no > 1 ? g->g_from : info.valid_from, a,
		    sizeof(a)),
		    console_utc(info.valid_to, b, sizeof(b)),
		    g == cur ? "in force" : g->g_from > now ? "next" :
		    "previous");
	}
}

/*
 * cert show [CERTURI]: the values of the Root KmsCertificate (TS 33.180
 * D.3.2) of the generation in force (the one init serves) or of CERTURI,
 * the KMS signing key with its audit key id (the key kms-admin
 * audit-verify is given), and every generation.  The public keys are
 * known only once the appliance has found its keys.
 */
static int
cmd_cert_show(struct console *c, int argc, char **argv)
{
	const struct kmsd	*k = c->conf.kmsd;
	const struct kms_conf	*cf = k->conf;
	const struct kmsd_gen	*g;
	struct kms_cert_info	 info;
	uint8_t			 pub[HSM_EC_POINT_LEN], kid[STORE_HASH_LEN];
	int64_t			 now = console_now_wall(c);
	size_t			 len;

	g = argc > 1 ? kcert_find(k, argv[1]) : kcert_for(k, now);
	if (argc > 1 && g == NULL) {
		console_printf(c, "cert show: no certificate generation has "
		    "CertUri %s\n", argv[1]);
		return 1;
	}
	if (g == NULL || kcert_info(k, g, &info) != XML_OK) {
		console_printf(c, "CertUri %s\nKmsUri %s\nIssuer %s\n",
		    cf->cert_uri, cf->kms_uri, cf->issuer);
		console_printf(c, "cert show: the public keys are not known "
		    "(the appliance has not found its master secrets)\n");
		return 1;
	}
	console_printf(c, "CertUri %s\nKmsUri %s\nIssuer %s\n",
	    info.cert_uri, info.kms_uri, info.issuer);
	print_time(c, "ValidFrom", info.valid_from);
	print_time(c, "ValidTo", info.valid_to);
	console_printf(c, "UserKeyPeriod %llu\nUserKeyOffset %llu\n",
	    (unsigned long long)cf->user_key_period,
	    (unsigned long long)cf->user_key_offset);
	print_hex(c, "PubEncKey", info.pub_enc_key, SAKKE_POINT_LEN);
	print_hex(c, "PubAuthKey", info.pub_auth_key, ECCSI_POINT_LEN);
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
	list_gens(c, k, now);
	return 0;
}

/*
 * cert rotate CERTURI [FROM|next [TO]] [confirm]: a new certificate
 * generation (kcert_rotate).  FROM is an xsd:dateTime that must be a key
 * period start at or after the earliest allowed one ("next" or nothing:
 * that earliest one); TO defaults to FROM plus the first generation's
 * validity length.  Without "confirm" as the last word it only says what
 * it would do: the rotation draws master secrets that cannot be taken
 * back.
 */
static int
cmd_cert_rotate(struct console *c, int argc, char **argv)
{
	struct kmsd		*k = c->conf.kmsd;
	const struct kms_conf	*cf = k->conf;
	const struct kmsd_gen	*g;
	enum kcert_status	 ks;
	int64_t			 now = console_now_wall(c), earliest, from, to;
	char			 a[32], b[32];
	bool			 confirm;

	confirm = strcmp(argv[argc - 1], "confirm") == 0;
	if (confirm)
		argc--;
	if (argc < 2) {
		console_printf(c, "usage: cert rotate CERTURI [FROM|next [TO]] "
		    "confirm\n");
		return 1;
	}
	if (state_get() != KMS_STATE_OPERATIONAL || kcert_count(k) == 0) {
		console_printf(c, "cert rotate: the appliance is not "
		    "operational\n");
		return 1;
	}
	if (cf->cert_uri[0] == '\0') {
		console_printf(c, "cert rotate: the first certificate has no "
		    "CertUri: set kms.cert_uri (config set) and reboot first, "
		    "so that clients can tell the generations apart\n");
		return 1;
	}
	ks = kcert_earliest(k, now, &earliest);
	if (ks != KCERT_OK) {
		console_printf(c, "cert rotate: %s\n", kcert_strerror(ks));
		return 1;
	}
	from = earliest;
	if (argc > 2 && strcmp(argv[2], "next") != 0 &&
	    conf_parse_datetime(argv[2], &from) != 0) {
		console_printf(c, "cert rotate: FROM '%s' is not an "
		    "xsd:dateTime YYYY-MM-DDThh:mm:ssZ\n", argv[2]);
		return 1;
	}
	to = from + (cf->valid_to - cf->valid_from);
	if (argc > 3 && conf_parse_datetime(argv[3], &to) != 0) {
		console_printf(c, "cert rotate: TO '%s' is not an "
		    "xsd:dateTime YYYY-MM-DDThh:mm:ssZ\n", argv[3]);
		return 1;
	}
	if (!confirm) {
		console_printf(c, "cert rotate: would draw new master secrets "
		    "for certificate %s serving key periods from %s until %s; "
		    "clients then fetch it and new key sets. To go on, end "
		    "the command with: confirm\n", argv[1],
		    console_utc(from, a, sizeof(a)),
		    console_utc(to, b, sizeof(b)));
		return 1;
	}
	ks = kcert_rotate(k, argv[1], from, to, &g);
	switch (ks) {
	case KCERT_OK:
		break;
	case KCERT_ERR_TIME:
		console_printf(c, "cert rotate: FROM must be a key period "
		    "start at or after %s (the first period no client can "
		    "hold keys of yet), and TO after FROM\n",
		    console_utc(earliest, a, sizeof(a)));
		return 1;
	case KCERT_ERR_EXISTS:
		console_printf(c, "cert rotate: CertUri %s is in use (a "
		    "generation or an external certificate has it)\n",
		    argv[1]);
		return 1;
	case KCERT_ERR_ARGS:
		console_printf(c, "cert rotate: CERTURI '%s' is not a URI (no "
		    "blanks, control or non-ASCII characters, <>\"{}|\\^`; "
		    "at most %d characters)\n", argv[1], CONF_STR_MAX - 1);
		return 1;
	case KCERT_ERR_LIMIT:
		console_printf(c, "cert rotate: %s (%d generations)\n",
		    kcert_strerror(ks), KMSD_GENS_MAX);
		return 1;
	default:
		console_printf(c, "cert rotate: %s\n", kcert_strerror(ks));
		return 1;
	}
	console_printf(c, "generation %u: %s serves key periods from %s "
	    "(valid until %s)\n", g->g_no, g->g_cert_uri,
	    console_utc(g->g_from, a, sizeof(a)),
	    console_utc(g->g_valid_to, b, sizeof(b)));
	list_gens(c, k, now);
	return 0;
}
