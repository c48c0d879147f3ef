/*
 * tls.c - kms-provision tls-key: the appliance's TLS key pair and a CA of
 * its own, both generated in the token, and the certificates the client
 * verifies.  The private keys never leave the token: certificates are
 * signed through the pkcs11 engine (hsm_tls_pkey).
 *
 * Writes DIR/ca.pem (the CA certificate clients trust) and DIR/tls.pem
 * (the server certificate followed by the CA certificate: the chain kmsd
 * serves, [tls] cert).  The certificate is also kmsd's client certificate
 * towards a peer KMS (extended key usage serverAuth and clientAuth).
 * Existing keys are reused, so running it again
 * re-issues the certificates without changing the keys.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "hsm.h"
#include "prov_local.h"

#define TLS_SERIAL_LEN	16
#define TLS_PATH_MAX	1024

/* The key of class TLS called label, made in the token if missing. */
static enum hsm_status
tls_key(struct hsm *h, const char *label, EVP_PKEY **out)
{
	enum hsm_status	 st;
	hsm_key_id	 id;

	st = hsm_key_find(h, HSM_KC_TLS, label, &id);
	if (st == HSM_ERR_NOT_FOUND)
		st = hsm_tls_key_create(h, label, &id);
	if (st == HSM_OK)
		st = hsm_tls_pkey(h, id, out);
	return st;
}

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext;
	int		 ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

/* A certificate for pub named cn, issued by issuer (NULL: self-signed). */
static X509 *
make_cert(struct hsm *h, EVP_PKEY *pub, const char *cn, X509 *issuer,
    EVP_PKEY *signer, int days, bool ca, const char *sans)
{
	unsigned char	 serial[TLS_SERIAL_LEN];
	BIGNUM		*bn = NULL;
	X509		*x = NULL;
	X509_NAME	*name;

	if (hsm_random(h, serial, sizeof(serial)) != HSM_OK)
		goto fail;
	serial[0] &= 0x7f;	/* a positive INTEGER */
	if ((x = X509_new()) == NULL || X509_set_version(x, 2) != 1 ||
	    (bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -300) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) == NULL ||
	    X509_set_pubkey(x, pub) != 1)
		goto fail;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name) != 1)
		goto fail;
	if (ca) {
		if (add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") ||
		    add_ext(x, x, NID_key_usage,
		    "critical,keyCertSign,cRLSign") ||
		    add_ext(x, x, NID_subject_key_identifier, "hash"))
			goto fail;
	} else {
		if (add_ext(x, issuer, NID_basic_constraints,
		    "critical,CA:FALSE") ||
		    add_ext(x, issuer, NID_key_usage,
		    "critical,digitalSignature") ||
		    add_ext(x, issuer, NID_ext_key_usage,
		    "serverAuth,clientAuth") ||
		    add_ext(x, issuer, NID_subject_alt_name, sans) ||
		    add_ext(x, issuer, NID_authority_key_identifier,
		    "keyid:always"))
			goto fail;
	}
	if (X509_sign(x, signer, EVP_sha256()) <= 0)
		goto fail;
	BN_free(bn);
	return x;
 fail:
	BN_free(bn);
	X509_free(x);
	return NULL;
}

static int
write_pem(const char *dir, const char *name, X509 *a, X509 *b)
{
	char	 path[TLS_PATH_MAX];
	FILE	*f;
	int	 ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "kms-provision: %s: cannot write\n", path);
		return -1;
	}
	ok = PEM_write_X509(f, a) == 1 && (b == NULL || PEM_write_X509(f, b));
	if (fclose(f) != 0 || !ok) {
		fprintf(stderr, "kms-provision: %s: write failed\n", path);
		return -1;
	}
	printf("Certificate %s\n", path);
	return 0;
}

/* see prov_local.h */
int
prov_tls_key(struct hsm *h, const struct tls_opts *t)
{
	EVP_PKEY	*ca_key = NULL, *srv_key = NULL;
	X509		*ca = NULL, *srv = NULL;
	enum hsm_status	 st;
	int		 ret = 1;

	if ((st = tls_key(h, PROV_LABEL_TLS_CA, &ca_key)) != HSM_OK ||
	    (st = tls_key(h, PROV_LABEL_TLS, &srv_key)) != HSM_OK) {
		fprintf(stderr, "kms-provision: TLS keys: %s\n",
		    hsm_strerror(st));
		goto fail;
	}
	if ((ca = make_cert(h, ca_key, t->t_ca_name, NULL, ca_key,
	    t->t_days, true, NULL)) == NULL ||
	    (srv = make_cert(h, srv_key, t->t_cn, ca, ca_key, t->t_days,
	    false, t->t_sans)) == NULL) {
		fprintf(stderr, "kms-provision: cannot issue the TLS "
		    "certificates (check --san)\n");
		goto fail;
	}
	if (write_pem(t->t_out, "ca.pem", ca, NULL) != 0 ||
	    write_pem(t->t_out, "tls.pem", srv, ca) != 0)
		goto fail;
	printf("TlsKey %s\nTlsCaKey %s\n", PROV_LABEL_TLS, PROV_LABEL_TLS_CA);
	ret = 0;
 fail:
	ERR_clear_error();
	X509_free(ca);
	X509_free(srv);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(srv_key);
	return ret;
}
