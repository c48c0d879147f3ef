/*
 * kms-admin - the operator's interim tool for the appliance's store
 * (users, identities, bindings, revocations, external KMS certificates,
 * the audit trail), until the console of issue 8 replaces it.
 *
 *	kms-admin -d DATADIR user add URI [NAME]
 *	kms-admin -d DATADIR user list
 *	kms-admin -d DATADIR user revoke|unrevoke|remove URI
 *	kms-admin -d DATADIR bind USER IDENTITY [pseudonym|group|user]
 *	kms-admin -d DATADIR unbind USER IDENTITY
 *	kms-admin -d DATADIR bindings USER
 *	kms-admin -d DATADIR revoke IDENTITY [PERIOD|all] [REASON]
 *	kms-admin -d DATADIR unrevoke IDENTITY [PERIOD|all]
 *	kms-admin -d DATADIR cert add FILE      (a KmsCertificate document)
 *	kms-admin -d DATADIR cert remove CERTURI
 *	kms-admin -d DATADIR cert list
 *	kms-admin -d DATADIR cache
 *	kms-admin -d DATADIR audit [AFTER_ID]
 *	kms-admin -d DATADIR audit-verify [KMS_SIGN_KEY_HEX ...]
 *	kms-admin -d DATADIR keys USER [TRK_NAME [INK_NAME]]
 *
 * keys records the names of a user's TrK (tk.<n>.<user>) and InK
 * (ik.<n>.<user>) as the current ones (the keys themselves are made in
 * the HSM by kms-provision user-keys; <n> must grow); without names it
 * prints the current ones.  kmsd then wraps, signs and checks for that
 * user (docs/security-extension.md); it finds the keys in the token by
 * these names, so keys made after kmsd started need a restart of kmsd.
 *
 * audit-verify is the auditor's offline check of the audit trail (a copy
 * of kms.db will do): the hash chain, and the signed checkpoints with the
 * KMS signing keys given as hex 04||x||y (KmsSignKey of kms-provision, or
 * the key of the KMS certificate), without the HSM.  Exit 0 when the
 * trail verifies, 1 with the first problem when it does not.
 *
 * It opens DATADIR/kms.db like kmsd does (SQLite WAL, synchronous=FULL),
 * so it may run while kmsd serves: kmsd sees each change on its next
 * request.  A certificate must be a KmsCertificate with Role="External"
 * (or a SignedKmsCertificate holding one) in the interface namespace,
 * with CertUri and KmsUri; it is stored as given.
 *
 * Exit status: 0 done, 1 refused or failed, 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "hsm.h"
#include "store.h"
#include "xml.h"

#define KA_LIST_CHUNK	64	/* records per store_*_list call */

static const char	*progname = "kms-admin";

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s -d DATADIR user add URI [NAME]\n"
	    "       %s -d DATADIR user list\n"
	    "       %s -d DATADIR user revoke|unrevoke|remove URI\n"
	    "       %s -d DATADIR bind USER IDENTITY [pseudonym|group|user]\n"
	    "       %s -d DATADIR unbind USER IDENTITY\n"
	    "       %s -d DATADIR bindings USER\n"
	    "       %s -d DATADIR revoke IDENTITY [PERIOD|all] [REASON]\n"
	    "       %s -d DATADIR unrevoke IDENTITY [PERIOD|all]\n"
	    "       %s -d DATADIR cert add FILE | remove CERTURI | list\n"
	    "       %s -d DATADIR cache\n"
	    "       %s -d DATADIR audit [AFTER_ID]\n"
	    "       %s -d DATADIR audit-verify [KMS_SIGN_KEY_HEX ...]\n"
	    "       %s -d DATADIR keys USER [TRK_NAME [INK_NAME]]\n"
	    "Interim operator tool until the console (issue 8).\n",
	    progname, progname, progname, progname, progname, progname,
	    progname, progname, progname, progname, progname, progname,
	    progname);
	exit(2);
}

static int
fail(const char *what, int rc)
{
	fprintf(stderr, "%s: %s: %s\n", progname, what, store_strerror(rc));
	return 1;
}

static int
period_arg(const char *s, int64_t *out)
{
	char		*end;
	long long	 v;

	if (strcmp(s, "all") == 0) {
		*out = STORE_PERIOD_ALL;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int
read_text(const char *path, char **out, size_t *len)
{
	FILE	*f;
	char	*b;
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
		    strerror(errno));
		return -1;
	}
	if ((b = malloc(STORE_CERT_XML_MAX + 2)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(b, 1, STORE_CERT_XML_MAX + 1, f);
	fclose(f);
	if (n == 0 || n > STORE_CERT_XML_MAX || memchr(b, '\0', n) != NULL) {
		fprintf(stderr, "%s: %s: empty, binary or over %d bytes\n",
		    progname, path, STORE_CERT_XML_MAX);
		free(b);
		return -1;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

static int
cmd_user(struct store *st, int argc, char **argv, int64_t now)
{
	struct store_user	 u[KA_LIST_CHUNK];
	int64_t			 after = 0;
	size_t			 n, i;
	int			 rc;

	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		do {
			if ((rc = store_user_list(st, after, u, KA_LIST_CHUNK,
			    &n)) != STORE_OK)
				return fail("user list", rc);
			for (i = 0; i < n; i++) {
				printf("%s\t%s\t%s\n", u[i].su_uri,
				    u[i].su_revoked ? "revoked" : "active",
				    u[i].su_name);
				after = u[i].su_id;
			}
		} while (n == KA_LIST_CHUNK);
		return 0;
	}
	if (argc >= 2 && argc <= 3 && strcmp(argv[0], "add") == 0) {
		rc = store_user_add(st, argv[1], argc == 3 ? argv[2] : NULL,
		    now);
		return rc == STORE_OK ? 0 : fail("user add", rc);
	}
	if (argc != 2)
		usage();
	if (strcmp(argv[0], "revoke") == 0)
		rc = store_user_revoke(st, argv[1], true);
	else if (strcmp(argv[0], "unrevoke") == 0)
		rc = store_user_revoke(st, argv[1], false);
	else if (strcmp(argv[0], "remove") == 0)
		rc = store_user_remove(st, argv[1]);
	else
		usage();
	return rc == STORE_OK ? 0 : fail(argv[0], rc);
}

static int
cmd_bind(struct store *st, int argc, char **argv, int64_t now)
{
	enum store_id_kind	 kind = STORE_ID_PSEUDONYM;
	int			 rc;

	if (argc < 2 || argc > 3)
		usage();
	if (argc == 3) {
		if (strcmp(argv[2], "pseudonym") == 0)
			kind = STORE_ID_PSEUDONYM;
		else if (strcmp(argv[2], "group") == 0)
			kind = STORE_ID_GROUP;
		else if (strcmp(argv[2], "user") == 0)
			kind = STORE_ID_USER;
		else
			usage();
	}
	rc = store_identity_add(st, argv[1], kind, now);
	if (rc != STORE_OK && rc != STORE_ERR_EXISTS)
		return fail("identity add", rc);
	rc = store_bind(st, argv[0], argv[1], now);
	return rc == STORE_OK ? 0 : fail("bind", rc);
}

static int
cmd_bindings(struct store *st, const char *user)
{
	static const char	*kinds[] = { "?", "user", "pseudonym", "group" };
	struct store_identity	*ids;
	size_t			 n, i;
	int			 rc;

	if ((ids = calloc(STORE_BINDINGS_MAX, sizeof(*ids))) == NULL)
		return 1;
	rc = store_bindings(st, user, ids, STORE_BINDINGS_MAX, &n);
	if (rc == STORE_OK)
		for (i = 0; i < n; i++)
			printf("%s\t%s\n", ids[i].si_uri,
			    ids[i].si_kind >= 1 && ids[i].si_kind <= 3 ?
			    kinds[ids[i].si_kind] : "?");
	free(ids);
	return rc == STORE_OK ? 0 : fail("bindings", rc);
}

/* Record one key name as the user's current key of its kind. */
static int
key_set(struct store *st, const char *user, enum hsm_key_class want,
    const char *name, int64_t now)
{
	enum hsm_key_class	 kc;
	unsigned long		 n;
	size_t			 off;
	int			 rc;

	if (hsm_user_key_name_parse(name, &kc, &n, &off) != HSM_OK ||
	    kc != want) {
		fprintf(stderr, "%s: %s: not a %s name\n", progname, name,
		    want == HSM_KC_TRK ? "TrK (tk.<n>.<user>)" :
		    "InK (ik.<n>.<user>)");
		return 1;
	}
	rc = store_key_set(st, user, want == HSM_KC_TRK ? STORE_KEY_TRK :
	    STORE_KEY_INK, (uint64_t)n, name, now);
	return rc == STORE_OK ? 0 : fail(name, rc);
}

static int
cmd_keys(struct store *st, int argc, char **argv, int64_t now)
{
	static const char	*names[] = { "TrK", "InK" };
	struct store_key	 sk;
	int			 rc, i;

	if (argc == 1) {
		for (i = 0; i < 2; i++) {
			rc = store_key_current(st, argv[0], i == 0 ?
			    STORE_KEY_TRK : STORE_KEY_INK, &sk);
			if (rc == STORE_ERR_NOTFOUND)
				continue;
			if (rc != STORE_OK)
				return fail("keys", rc);
			printf("%s\t%s\t%" PRIu64 "\n", names[i], sk.sk_label,
			    sk.sk_n);
		}
		return 0;
	}
	if (key_set(st, argv[0], HSM_KC_TRK, argv[1], now) != 0)
		return 1;
	if (argc == 3)
		return key_set(st, argv[0], HSM_KC_INK, argv[2], now);
	return 0;
}

static int
cmd_cert_add(struct store *st, const char *path, int64_t now)
{
	struct kms_cert_ref	 ref;
	uint64_t		 version;
	char			*xml;
	size_t			 len;
	int			 rc;

	if (read_text(path, &xml, &len) != 0)
		return 1;
	if (xml_cert_parse(xml, len, &ref) != XML_OK) {
		fprintf(stderr, "%s: %s: not a KmsCertificate or "
		    "SignedKmsCertificate (urn:3gpp:ns:mcsecKMSInterface:1.0) "
		    "with CertUri and KmsUri\n", progname, path);
		free(xml);
		return 1;
	}
	if (strcmp(ref.cr_role, "External") != 0) {
		fprintf(stderr, "%s: %s: Role is \"%s\"; the cache holds "
		    "Role=\"External\" certificates only\n", progname, path,
		    ref.cr_role);
		free(xml);
		return 1;
	}
	rc = store_cert_put(st, ref.cr_cert_uri, ref.cr_kms_uri, xml, now,
	    &version);
	free(xml);
	if (rc != STORE_OK)
		return fail("cert add", rc);
	printf("%s\tcache version %" PRIu64 "\n", ref.cr_cert_uri, version);
	return 0;
}

static int
print_cert(void *arg, const struct store_cert *c)
{
	(void)arg;
	printf("%s\t%s\t%zu bytes\n", c->sc_cert_uri, c->sc_kms_uri,
	    c->sc_xml_len);
	return 0;
}

static int
cmd_cert(struct store *st, int argc, char **argv, int64_t now)
{
	uint64_t	 version;
	int		 rc;

	if (argc == 2 && strcmp(argv[0], "add") == 0)
		return cmd_cert_add(st, argv[1], now);
	if (argc == 2 && strcmp(argv[0], "remove") == 0) {
		rc = store_cert_remove(st, argv[1], &version);
		if (rc != STORE_OK)
			return fail("cert remove", rc);
		printf("cache version %" PRIu64 "\n", version);
		return 0;
	}
	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		rc = store_cert_foreach(st, &version, print_cert, NULL);
		if (rc != STORE_OK)
			return fail("cert list", rc);
		printf("cache version %" PRIu64 "\n", version);
		return 0;
	}
	usage();
	return 2;
}

static int
cmd_audit(struct store *st, int64_t after)
{
	struct store_audit	*a;
	size_t			 n, i;
	int			 rc;

	if ((a = calloc(KA_LIST_CHUNK, sizeof(*a))) == NULL)
		return 1;
	do {
		rc = store_audit_read(st, after, a, KA_LIST_CHUNK, &n);
		if (rc != STORE_OK)
			break;
		for (i = 0; i < n; i++) {
			printf("%" PRId64 "\t%s\t%" PRId64 "\tsubject=%s\t"
			    "identity=%s\tperiod=%" PRId64 "\trequest=%s\t"
			    "token=%s\toperator=%s\treason=%s\n", a[i].sa_id,
			    a[i].sa_kind == STORE_AUDIT_ISSUED ? "issued" :
			    a[i].sa_kind == STORE_AUDIT_OPERATOR ? "operator" :
			    "refused", a[i].sa_time, a[i].sa_subject,
			    a[i].sa_identity, a[i].sa_period_no,
			    a[i].sa_request_id, a[i].sa_token_id,
			    a[i].sa_operator, a[i].sa_reason);
			after = a[i].sa_id;
		}
	} while (n == KA_LIST_CHUNK);
	free(a);
	return rc == STORE_OK ? 0 : fail("audit", rc);
}

/* audit-verify: the chain and the checkpoints signed by keys[]. */
static int
cmd_audit_verify(struct store *st, int argc, char **argv)
{
	uint8_t			 keys[STORE_VERIFY_KEYS_MAX][STORE_PUBKEY_LEN];
	struct store_verify	 vf;
	unsigned		 v;
	int			 i, j, rc;

	if (argc > STORE_VERIFY_KEYS_MAX)
		usage();
	for (i = 0; i < argc; i++) {
		if (strlen(argv[i]) != 2 * STORE_PUBKEY_LEN) {
			fprintf(stderr, "%s: audit-verify: a key is %d hex "
			    "digits (04||x||y)\n", progname,
			    2 * STORE_PUBKEY_LEN);
			return 2;
		}
		for (j = 0; j < STORE_PUBKEY_LEN; j++) {
			if (sscanf(argv[i] + 2 * j, "%2x", &v) != 1) {
				fprintf(stderr, "%s: audit-verify: not hex: "
				    "%s\n", progname, argv[i]);
				return 2;
			}
			keys[i][j] = (uint8_t)v;
		}
	}
	rc = store_audit_verify(st, (const uint8_t (*)[STORE_PUBKEY_LEN])keys,
	    (size_t)argc, &vf);
	if (rc == STORE_ERR_ARGS) {
		fprintf(stderr, "%s: audit-verify: a key is not a P-256 "
		    "point\n", progname);
		return 2;
	}
	if (rc == STORE_ERR_TAMPERED) {
		printf("FAILED record %" PRId64 ": %s\n", vf.sv_bad_seq,
		    vf.sv_problem);
		return 1;
	}
	if (rc != STORE_OK)
		return fail("audit-verify", rc);
	printf("ok records %" PRId64 " checkpoints %" PRId64 " verified %"
	    PRId64 " unknown-key %" PRId64 " signed-up-to %" PRId64 "\n",
	    vf.sv_records, vf.sv_checkpoints, vf.sv_ckpt_verified,
	    vf.sv_ckpt_unknown, vf.sv_signed_upto);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct store_conf	 sc;
	struct store		*st = NULL;
	const char		*dir = NULL;
	int64_t			 now = (int64_t)time(NULL), p = 0;
	uint64_t		 version;
	int			 ch, rc, ret = 2;

	while ((ch = getopt(argc, argv, "d:h")) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (dir == NULL || argc < 1)
		usage();
	memset(&sc, 0, sizeof(sc));
	sc.sc_data_dir = dir;
	sc.sc_conns = 1;
	if ((rc = store_open(&sc, &st)) != STORE_OK) {
		fprintf(stderr, "%s: %s/%s: %s\n", progname, dir,
		    STORE_DB_NAME, store_strerror(rc));
		return 1;
	}
	if (strcmp(argv[0], "user") == 0 && argc >= 2)
		ret = cmd_user(st, argc - 1, argv + 1, now);
	else if (strcmp(argv[0], "bind") == 0)
		ret = cmd_bind(st, argc - 1, argv + 1, now);
	else if (strcmp(argv[0], "unbind") == 0 && argc == 3) {
		rc = store_unbind(st, argv[1], argv[2]);
		ret = rc == STORE_OK ? 0 : fail("unbind", rc);
	} else if (strcmp(argv[0], "bindings") == 0 && argc == 2)
		ret = cmd_bindings(st, argv[1]);
	else if (strcmp(argv[0], "revoke") == 0 && argc >= 2 && argc <= 4) {
		p = STORE_PERIOD_ALL;
		if (argc >= 3 && period_arg(argv[2], &p) != 0)
			usage();
		rc = store_revoke(st, argv[1], p, argc == 4 ? argv[3] : NULL,
		    now);
		ret = rc == STORE_OK ? 0 : fail("revoke", rc);
	} else if (strcmp(argv[0], "unrevoke") == 0 && argc >= 2 &&
	    argc <= 3) {
		p = STORE_PERIOD_ALL;
		if (argc == 3 && period_arg(argv[2], &p) != 0)
			usage();
		rc = store_unrevoke(st, argv[1], p);
		ret = rc == STORE_OK ? 0 : fail("unrevoke", rc);
	} else if (strcmp(argv[0], "cert") == 0 && argc >= 2)
		ret = cmd_cert(st, argc - 1, argv + 1, now);
	else if (strcmp(argv[0], "cache") == 0 && argc == 1) {
		rc = store_cache_version(st, &version);
		if (rc == STORE_OK)
			printf("%" PRIu64 "\n", version);
		ret = rc == STORE_OK ? 0 : fail("cache", rc);
	} else if (strcmp(argv[0], "keys") == 0 && argc >= 2 && argc <= 4)
		ret = cmd_keys(st, argc - 1, argv + 1, now);
	else if (strcmp(argv[0], "audit-verify") == 0)
		ret = cmd_audit_verify(st, argc - 1, argv + 1);
	else if (strcmp(argv[0], "audit") == 0 && argc <= 2) {
		if (argc == 2 && period_arg(argv[1], &p) != 0)
			usage();
		ret = cmd_audit(st, p);
	} else {
		store_close(st);
		usage();
	}
	store_close(st);
	return ret;
}
