/*
 * mint.c - test access tokens and test IdMS keys (see mint.h).  FOR TESTS
 * AND DEMOS ONLY.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "mint.h"

#define MINT_PATH_MAX	4096

/* The JWS algorithm for a PEM private key: ES256 (P-256) or RS256. */
static const char *
alg_of_key(const unsigned char *key, size_t key_len)
{
	const char	*alg = NULL;
	EVP_PKEY	*pk;
	BIO		*b;

	b = BIO_new_mem_buf(key, (int)key_len);
	if (b == NULL)
		return NULL;
	pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	if (pk != NULL && EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC)
		alg = "ES256";
	else if (pk != NULL && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA)
		alg = "RS256";
	EVP_PKEY_free(pk);
	BIO_free(b);
	return alg;
}

/* The claim set as compact JSON (free() it), or NULL. */
static char *
claims_json(const struct mint_claims *c)
{
	json_t	*o, *aud;
	char	*s = NULL;
	size_t	 i;
	int	 rc = 0;

	o = json_object();
	if (o == NULL)
		return NULL;
	if (c->mc_iss != NULL)
		rc |= json_object_set_new(o, "iss", json_string(c->mc_iss));
	if (c->mc_sub != NULL)
		rc |= json_object_set_new(o, c->mc_sub_claim != NULL ?
		    c->mc_sub_claim : "sub", json_string(c->mc_sub));
	if (c->mc_naud == 1)
		rc |= json_object_set_new(o, "aud", json_string(c->mc_aud[0]));
	else if (c->mc_naud > 1) {
		aud = json_array();
		for (i = 0; i < c->mc_naud && i < MINT_AUD_MAX; i++)
			rc |= json_array_append_new(aud,
			    json_string(c->mc_aud[i]));
		rc |= json_object_set_new(o, "aud", aud);
	}
	if (c->mc_scope != NULL)
		rc |= json_object_set_new(o, "scope",
		    json_string(c->mc_scope));
	if (c->mc_jti != NULL)
		rc |= json_object_set_new(o, "jti", json_string(c->mc_jti));
	rc |= json_object_set_new(o, "iat", json_integer(c->mc_iat));
	if (!c->mc_no_exp)
		rc |= json_object_set_new(o, "exp", json_integer(c->mc_exp));
	if (c->mc_has_nbf)
		rc |= json_object_set_new(o, "nbf", json_integer(c->mc_nbf));
	if (rc == 0)
		s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* see mint.h */
int
mint_token(const unsigned char *key, size_t key_len,
    const struct mint_claims *c, char **token, char *err, size_t err_size)
{
	const char	*alg;
	jwt_alg_t	 ja;
	jwt_t		*jwt = NULL;
	char		*json = NULL;
	int		 status = -1;

	*token = NULL;
	alg = c->mc_alg != NULL ? c->mc_alg : alg_of_key(key, key_len);
	if (alg == NULL) {
		snprintf(err, err_size, "key is not a PEM EC or RSA private "
		    "key (give --alg HS256 for a shared secret)");
		return -1;
	}
	ja = jwt_str_alg(alg);
	if (ja != JWT_ALG_ES256 && ja != JWT_ALG_RS256 &&
	    ja != JWT_ALG_HS256) {
		snprintf(err, err_size, "alg %s: ES256, RS256 or HS256", alg);
		return -1;
	}
	json = claims_json(c);
	if (json == NULL || jwt_new(&jwt) != 0 ||
	    jwt_add_grants_json(jwt, json) != 0) {
		snprintf(err, err_size, "cannot build the claims");
		goto fail;
	}
	if (jwt_set_alg(jwt, ja, key, (int)key_len) != 0) {
		snprintf(err, err_size, "cannot use the key for %s", alg);
		goto fail;
	}
	*token = jwt_encode_str(jwt);
	if (*token == NULL) {
		snprintf(err, err_size, "signing failed (does the key match "
		    "%s?)", alg);
		goto fail;
	}
	status = 0;
 fail:
	jwt_free(jwt);
	free(json);
	return status;
}

/* Write pkey as PEM to dir/name with mode; private or public. */
static int
write_pem(const char *dir, const char *name, EVP_PKEY *pk, bool priv,
    char *err, size_t err_size)
{
	char	 path[MINT_PATH_MAX];
	FILE	*fp;
	int	 fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    priv ? 0600 : 0644);
	if (fd < 0 || fchmod(fd, priv ? 0600 : 0644) != 0) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fp = fdopen(fd, "w");
	if (fp == NULL) {
		close(fd);
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	ok = priv ? PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL) :
	    PEM_write_PUBKEY(fp, pk);
	if (fclose(fp) != 0 || ok != 1) {
		snprintf(err, err_size, "%s: write failed", path);
		return -1;
	}
	return 0;
}

/* see mint.h */
int
mint_genkey(const char *alg, const char *dir, char *err, size_t err_size)
{
	EVP_PKEY	*pk = NULL;
	int		 status = -1;

	if (alg == NULL || strcmp(alg, "ES256") == 0)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else if (strcmp(alg, "RS256") == 0)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else {
		snprintf(err, err_size, "genkey: alg %s: ES256 or RS256", alg);
		return -1;
	}
	if (pk == NULL) {
		snprintf(err, err_size, "key generation failed");
		return -1;
	}
	if (write_pem(dir, MINT_KEY_FILE, pk, true, err, err_size) != 0 ||
	    write_pem(dir, MINT_PUB_FILE, pk, false, err, err_size) != 0)
		goto fail;
	status = 0;
 fail:
	EVP_PKEY_free(pk);
	return status;
}
