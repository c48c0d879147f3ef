/*
 * auth.c - the configuration and keys of the bearer token check, and the
 * RFC 6750 refusals (see auth.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth_local.h"

#define AUTH_GROUP_MAX	32	/* an EC group name */

/*
 * Whether s can be a configured string: 1..AUTH_STR_MAX printable ASCII
 * bytes that can stand inside a quoted-string of WWW-Authenticate without
 * escaping (RFC 6750 3: %x20-21 / %x23-5B / %x5D-7E; no space for the
 * scope, which is one scope-token, RFC 6749 3.3).
 */
static bool
conf_str_ok(const char *s, bool space_ok)
{
	size_t	 i;

	if (s == NULL || s[0] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= AUTH_STR_MAX)
			return false;
		if (s[i] == ' ' && space_ok)
			continue;
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '"' ||
		    s[i] == '\\')
			return false;
	}
	return true;
}

/* Read a whole file of at most AUTH_KEY_FILE_MAX bytes into a new buffer. */
static int
read_file(const char *path, unsigned char **out, size_t *len)
{
	unsigned char	*b = NULL;
	FILE		*fp;
	size_t		 n;
	int		 status = AUTH_ERR_CONF;

	fp = fopen(path, "rb");
	if (fp == NULL) {
		log_warn("%s: %s", __func__, path);
		return AUTH_ERR_CONF;
	}
	b = OPENSSL_secure_zalloc(AUTH_KEY_FILE_MAX + 1);
	if (b == NULL) {
		status = AUTH_ERR_MEMORY;
		goto fail;
	}
	n = fread(b, 1, AUTH_KEY_FILE_MAX + 1, fp);
	if (ferror(fp) || n == 0 || n > AUTH_KEY_FILE_MAX) {
		log_warnx("%s: %s: empty, unreadable or larger than %d bytes",
		    __func__, path, AUTH_KEY_FILE_MAX);
		goto fail;
	}
	fclose(fp);
	*out = b;
	*len = n;
	return AUTH_OK;
 fail:
	fclose(fp);
	OPENSSL_secure_clear_free(b, AUTH_KEY_FILE_MAX + 1);
	return status;
}

/*
 * Load one PEM public key file: an EC P-256 key becomes an ES256 key, an
 * RSA key of at least AUTH_RSA_BITS_MIN bits an RS256 key.  The key's type
 * fixes the one algorithm it will ever verify.
 */
static int
load_pubkey(const char *path, struct auth_key *k)
{
	unsigned char	*file = NULL;
	char		 group[AUTH_GROUP_MAX];
	EVP_PKEY	*pkey = NULL;
	BIO		*in = NULL;
	size_t		 len = 0;
	int		 status;

	status = read_file(path, &file, &len);
	if (status != AUTH_OK)
		return status;
	status = AUTH_ERR_CONF;
	in = BIO_new_mem_buf(file, (int)len);
	if (in == NULL) {
		status = AUTH_ERR_MEMORY;
		goto fail;
	}
	pkey = PEM_read_bio_PUBKEY(in, NULL, NULL, NULL);
	if (pkey == NULL) {
		log_warnx("%s: %s: not a PEM public key (a PUBLIC KEY block; "
		    "the KMS takes the IdMS's public key, never a private one)",
		    __func__, path);
		goto fail;
	}
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_utf8_string_param(pkey,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		    NULL) != 1 || strcmp(group, "prime256v1") != 0) {
			log_warnx("%s: %s: EC key not on P-256 (ES256 only)",
			    __func__, path);
			goto fail;
		}
		k->ak_alg = AUTH_ALG_ES256;
		break;
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(pkey) < AUTH_RSA_BITS_MIN ||
		    EVP_PKEY_get_size(pkey) > AUTH_SIG_MAX) {
			log_warnx("%s: %s: RSA key under %d or over %d bits",
			    __func__, path, AUTH_RSA_BITS_MIN,
			    AUTH_SIG_MAX * 8);
			goto fail;
		}
		k->ak_alg = AUTH_ALG_RS256;
		break;
	default:
		log_warnx("%s: %s: neither an EC P-256 nor an RSA key",
		    __func__, path);
		goto fail;
	}
	k->ak_pkey = pkey;
	pkey = NULL;
	status = AUTH_OK;
 fail:
	BIO_free(in);
	EVP_PKEY_free(pkey);
	OPENSSL_secure_clear_free(file, AUTH_KEY_FILE_MAX + 1);
	return status;
}

/*
 * Load the HS256 shared secret: the file's bytes less one trailing newline,
 * at least AUTH_HS_SECRET_MIN of them, and not a PEM block (a public key
 * configured as an HMAC secret is the algorithm-confusion mistake).
 */
static int
load_secret(const char *path, struct auth_key *k)
{
	unsigned char	*file = NULL;
	size_t		 len = 0;
	int		 status;

	status = read_file(path, &file, &len);
	if (status != AUTH_OK)
		return status;
	status = AUTH_ERR_CONF;
	if (len > 0 && file[len - 1] == '\n')
		len--;
	if (len > 0 && file[len - 1] == '\r')
		len--;
	if (len < AUTH_HS_SECRET_MIN) {
		log_warnx("%s: %s: HS256 secret shorter than %d bytes",
		    __func__, path, AUTH_HS_SECRET_MIN);
		goto fail;
	}
	if (memmem(file, len, "-----BEGIN", 10) != NULL) {
		log_warnx("%s: %s: a PEM block is not an HS256 secret",
		    __func__, path);
		goto fail;
	}
	k->ak_alg = AUTH_ALG_HS256;
	k->ak_secret = file;	/* secure heap, AUTH_KEY_FILE_MAX + 1 bytes */
	k->ak_len = len;
	return AUTH_OK;
 fail:
	OPENSSL_secure_clear_free(file, AUTH_KEY_FILE_MAX + 1);
	return status;
}

/* Copy a checked configuration string, or its default when NULL. */
static bool
conf_copy(char *dst, const char *v, const char *def, bool space_ok)
{
	if (v == NULL)
		v = def;
	if (!conf_str_ok(v, space_ok))
		return false;
	snprintf(dst, AUTH_STR_MAX + 1, "%s", v);
	return true;
}

/* see auth.h */
int
auth_new(const struct auth_conf *conf, struct auth **out)
{
	struct auth	*a = NULL;
	size_t		 i;
	int		 status = AUTH_ERR_GENERAL;

	if (conf == NULL || out == NULL)
		return AUTH_ERR_ARGS;
	*out = NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return AUTH_ERR_MEMORY;
	status = AUTH_ERR_CONF;
	if (conf->ac_issuer == NULL || conf->ac_audience == NULL ||
	    !conf_copy(a->a_issuer, conf->ac_issuer, NULL, true) ||
	    !conf_copy(a->a_audience, conf->ac_audience, NULL, true) ||
	    !conf_copy(a->a_scope, conf->ac_scope, AUTH_DEF_SCOPE, false) ||
	    !conf_copy(a->a_claim, conf->ac_subject_claim,
	    AUTH_DEF_SUBJECT_CLAIM, false) ||
	    !conf_copy(a->a_realm, conf->ac_realm, AUTH_DEF_REALM, true)) {
		log_warnx("%s: issuer, audience, scope, subject claim or "
		    "realm missing, longer than %d bytes or not printable "
		    "ASCII without quotes", __func__, AUTH_STR_MAX);
		goto fail;
	}
	if (conf->ac_leeway > AUTH_LEEWAY_MAX) {
		log_warnx("%s: leeway over %d s", __func__, AUTH_LEEWAY_MAX);
		goto fail;
	}
	a->a_leeway = conf->ac_leeway;
	a->a_require_user = conf->ac_require_user;
	for (i = 0; i < AUTH_KEYS_MAX; i++) {
		if (conf->ac_key_files[i] == NULL)
			continue;
		status = load_pubkey(conf->ac_key_files[i],
		    &a->a_keys[a->a_nkeys]);
		if (status != AUTH_OK)
			goto fail;
		a->a_nkeys++;
	}
	if (conf->ac_hs256_secret_file != NULL) {
		status = load_secret(conf->ac_hs256_secret_file,
		    &a->a_keys[a->a_nkeys]);
		if (status != AUTH_OK)
			goto fail;
		a->a_nkeys++;
	}
	if (a->a_nkeys == 0) {
		log_warnx("%s: no token verification key configured",
		    __func__);
		status = AUTH_ERR_CONF;
		goto fail;
	}
	/* Seed jansson's hash before threads parse (its documented rule). */
	json_object_seed(0);
	*out = a;
	return AUTH_OK;
 fail:
	auth_free(a);
	return status;
}

/* see auth.h */
void
auth_free(struct auth *a)
{
	size_t	 i;

	if (a == NULL)
		return;
	for (i = 0; i < a->a_nkeys; i++) {
		/* wipe: the shared secret */
		OPENSSL_secure_clear_free(a->a_keys[i].ak_secret,
		    AUTH_KEY_FILE_MAX + 1);
		EVP_PKEY_free(a->a_keys[i].ak_pkey);
	}
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}

/* see auth_local.h */
int
auth_refuse(const struct auth *a, struct auth_error *err,
    enum auth_status code, const char *reason)
{
	const char	*realm = a != NULL ? a->a_realm : AUTH_DEF_REALM;

	if (err == NULL)
		return code;
	memset(err, 0, sizeof(*err));
	err->ae_code = code;
	err->ae_reason = reason;
	switch (code) {
	case AUTH_ERR_NO_TOKEN:
		err->ae_status = 401;
		snprintf(err->ae_www, sizeof(err->ae_www),
		    "Bearer realm=\"%s\"", realm);
		break;
	case AUTH_ERR_REQUEST:
		err->ae_status = 400;
		snprintf(err->ae_www, sizeof(err->ae_www),
		    "Bearer realm=\"%s\", error=\"invalid_request\", "
		    "error_description=\"%s\"", realm, reason);
		break;
	case AUTH_ERR_TOKEN:
		err->ae_status = 401;
		snprintf(err->ae_www, sizeof(err->ae_www),
		    "Bearer realm=\"%s\", error=\"invalid_token\", "
		    "error_description=\"%s\"", realm, reason);
		break;
	case AUTH_ERR_SCOPE:
		err->ae_status = 403;
		snprintf(err->ae_www, sizeof(err->ae_www),
		    "Bearer realm=\"%s\", error=\"insufficient_scope\", "
		    "error_description=\"%s\", scope=\"%s\"", realm, reason,
		    a != NULL ? a->a_scope : AUTH_DEF_SCOPE);
		break;
	case AUTH_ERR_FORBIDDEN:
		err->ae_status = 403;
		break;
	case AUTH_ERR_GENERAL:
	case AUTH_ERR_MEMORY:
		err->ae_status = 503;
		break;
	default:
		err->ae_status = 500;
		break;
	}
	log_debug("%s: %d %s", __func__, err->ae_status, reason);
	return code;
}

/* see auth.h */
const char *
auth_strerror(int status)
{
	switch (status) {
	case AUTH_OK:		return "ok";
	case AUTH_ERR_ARGS:	return "invalid argument";
	case AUTH_ERR_MEMORY:	return "out of memory";
	case AUTH_ERR_CONF:	return "invalid configuration";
	case AUTH_ERR_NO_TOKEN:	return "no bearer token";
	case AUTH_ERR_REQUEST:	return "malformed authorization";
	case AUTH_ERR_TOKEN:	return "invalid token";
	case AUTH_ERR_SCOPE:	return "insufficient scope";
	case AUTH_ERR_FORBIDDEN: return "identity not allowed";
	default:		return "internal error";
	}
}
