/*
 * test_auth.c - unit tests of firmware/auth: valid ES256, RS256 and HS256
 * tokens; every refusal with its exact HTTP status and WWW-Authenticate
 * value (missing header, other scheme, malformed header and token, forged
 * signature, alg none, HS256 keyed with the public key, alg not matching
 * the key, expired, not yet valid, wrong issuer and audience, missing
 * scope and subject); configurations refused by auth_new; and who may have
 * keys for which identity (auth_may_key with a real store).
 *
 * Keys come from the ctest fixture auth_keys_setup, which runs
 * "kms-token genkey" into AUTH_KEY_DIR/{ec,rsa,evil}.  Tokens are minted
 * with tools/kms-token's mint library, or by hand with OpenSSL where a test
 * needs a token libjwt would not make.
 *
 * Usage: test_auth [test-name]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "auth.h"
#include "mint.h"
#include "store.h"

#ifndef AUTH_KEY_DIR
#error "AUTH_KEY_DIR (the fixture's key directory) must be defined"
#endif

#define T_NOW		1767225600	/* 2026-01-01T00:00:00Z */
#define T_ISS		"https://idms.example.org"
#define T_AUD		"kms"
#define T_ALICE		"sip:alice@example.org"
#define T_BOB		"sip:bob@example.org"
#define T_GMS		"sip:gms@example.org"
#define T_SCOPE		AUTH_DEF_SCOPE
#define T_BUF		16384

#define WWW_NONE	"Bearer realm=\"kms\""
#define WWW_TOKEN(d)	"Bearer realm=\"kms\", error=\"invalid_token\", " \
			    "error_description=\"" d "\""
#define WWW_REQUEST	"Bearer realm=\"kms\", error=\"invalid_request\", " \
			    "error_description=\"malformed authorization " \
			    "header\""
#define WWW_SCOPE	"Bearer realm=\"kms\", error=\"insufficient_scope\", " \
			    "error_description=\"missing scope\", " \
			    "scope=\"3gpp:mc:ptt_key_management_service\""

/* Path of a fixture key file: kind "ec", "rsa" or "evil". */
static const char *
key_path(const char *kind, bool pub, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s/%s", AUTH_KEY_DIR, kind,
	    pub ? MINT_PUB_FILE : MINT_KEY_FILE);
	return buf;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char	*b;
	FILE		*fp;

	fp = fopen(path, "rb");
	assert_non_null(fp);
	b = calloc(1, T_BUF + 1);
	assert_non_null(b);
	*len = fread(b, 1, T_BUF, fp);
	assert_true(*len > 0);
	fclose(fp);
	return b;
}

/* An auth with the ES256 and RS256 fixture keys, defaults otherwise. */
static struct auth *
auth_std(void)
{
	struct auth_conf	 c = { 0 };
	struct auth		*a = NULL;
	char			 ec[512], rsa[512];

	c.ac_issuer = T_ISS;
	c.ac_audience = T_AUD;
	c.ac_key_files[0] = key_path("ec", true, ec, sizeof(ec));
	c.ac_key_files[1] = key_path("rsa", true, rsa, sizeof(rsa));
	c.ac_leeway = AUTH_DEF_LEEWAY;
	assert_int_equal(auth_new(&c, &a), AUTH_OK);
	assert_non_null(a);
	return a;
}

/* Standard claims: alice, T_ISS, T_AUD, the KM scope, 300 s from T_NOW. */
static void
claims_std(struct mint_claims *c)
{
	memset(c, 0, sizeof(*c));
	c->mc_iss = T_ISS;
	c->mc_aud[0] = T_AUD;
	c->mc_naud = 1;
	c->mc_sub = T_ALICE;
	c->mc_scope = T_SCOPE;
	c->mc_iat = T_NOW;
	c->mc_exp = T_NOW + 300;
}

/* Mint with the fixture key kind; returns "Bearer <token>" (free it). */
static char *
bearer(const char *kind, const struct mint_claims *c)
{
	unsigned char	*key;
	char		 path[512], err[MINT_ERR_MAX], *tok, *h;
	size_t		 len;

	key = slurp(key_path(kind, false, path, sizeof(path)), &len);
	if (mint_token(key, len, c, &tok, err, sizeof(err)) != 0)
		fail_msg("mint: %s", err);
	free(key);
	assert_true(asprintf(&h, "Bearer %s", tok) > 0);
	free(tok);
	return h;
}

/* Check that header is refused with code, HTTP status and WWW value. */
static void
expect_refused(struct auth *a, const char *header, int code, int http,
    const char *www)
{
	struct auth_subject	 s;
	struct auth_error	 e;

	assert_int_equal(auth_check_bearer(a, header, T_NOW, &s, &e), code);
	assert_int_equal(e.ae_code, code);
	assert_int_equal(e.ae_status, http);
	assert_string_equal(e.ae_www, www);
	assert_non_null(e.ae_reason);
	assert_string_equal(s.as_uri, "");
}

static void
b64url(const unsigned char *in, size_t len, char *out, size_t size)
{
	static const char	 tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t			 i, n = 0;
	uint32_t		 v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		assert_true(n + 4 < size);
		out[n++] = tab[v >> 18 & 63];
		out[n++] = tab[v >> 12 & 63];
		out[n++] = tab[v >> 6 & 63];
		out[n++] = tab[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[n++] = tab[v >> 18 & 63];
		out[n++] = tab[v >> 12 & 63];
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[n++] = tab[v >> 18 & 63];
		out[n++] = tab[v >> 12 & 63];
		out[n++] = tab[v >> 6 & 63];
	}
	out[n] = '\0';
}

/*
 * A token made by hand: header and claims JSON as given, signed with alg
 * "none" (no signature), "HS256" (HMAC keyed with the bytes of key file
 * path), "ES256" (OpenSSL ECDSA, DER turned into R || S) or "RS256".
 * Returns "Bearer <token>" (free it).
 */
static char *
bearer_raw(const char *hdr, const char *claims, const char *alg,
    const char *path)
{
	unsigned char	*key = NULL, sig[512], der[128];
	const unsigned char *dp;
	char		 input[T_BUF], sig64[1024], *h;
	size_t		 len = 0, siglen = 0, derlen;
	unsigned int	 hl;
	EVP_PKEY	*pk = NULL;
	EVP_MD_CTX	*md;
	ECDSA_SIG	*es;
	BIO		*b;

	b64url((const unsigned char *)hdr, strlen(hdr), input, sizeof(input));
	len = strlen(input);
	input[len++] = '.';
	b64url((const unsigned char *)claims, strlen(claims), input + len,
	    sizeof(input) - len);
	len = strlen(input);
	if (path != NULL)
		key = slurp(path, &siglen);
	if (strcmp(alg, "HS256") == 0) {
		assert_non_null(HMAC(EVP_sha256(), key, (int)siglen,
		    (unsigned char *)input, len, sig, &hl));
		siglen = hl;
	} else if (strcmp(alg, "ES256") == 0 || strcmp(alg, "RS256") == 0) {
		b = BIO_new_mem_buf(key, (int)siglen);
		pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
		BIO_free(b);
		assert_non_null(pk);
		md = EVP_MD_CTX_new();
		derlen = sizeof(sig);
		assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(),
		    NULL, pk), 1);
		assert_int_equal(EVP_DigestSign(md, sig, &derlen,
		    (unsigned char *)input, len), 1);
		EVP_MD_CTX_free(md);
		siglen = derlen;
		if (strcmp(alg, "ES256") == 0) {
			memcpy(der, sig, derlen);
			dp = der;
			es = d2i_ECDSA_SIG(NULL, &dp, (long)derlen);
			assert_non_null(es);
			assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es),
			    sig, 32), 32);
			assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es),
			    sig + 32, 32), 32);
			ECDSA_SIG_free(es);
			siglen = 64;
		}
		EVP_PKEY_free(pk);
	} else
		siglen = 0;
	free(key);
	b64url(sig, siglen, sig64, sizeof(sig64));
	assert_true(asprintf(&h, "Bearer %s.%s", input, sig64) > 0);
	return h;
}

#define CLAIMS_OK \
	"{\"iss\":\"" T_ISS "\",\"aud\":\"kms\",\"sub\":\"" T_ALICE "\"," \
	"\"scope\":\"" T_SCOPE "\",\"iat\":1767225600,\"exp\":1767225900}"

/* A valid ES256 token is accepted; the subject and token id come out. */
static void
test_es256_ok(void **state)
{
	struct mint_claims	 c;
	struct auth_subject	 s;
	struct auth_error	 e;
	struct auth		*a = auth_std();
	char			*h;

	claims_std(&c);
	c.mc_jti = "token-42";
	h = bearer("ec", &c);
	assert_int_equal(auth_check_bearer(a, h, T_NOW, &s, &e), AUTH_OK);
	assert_string_equal(s.as_uri, T_ALICE);
	assert_string_equal(s.as_token_id, "token-42");
	assert_int_equal(s.as_exp, T_NOW + 300);
	assert_int_equal(s.as_alg, AUTH_ALG_ES256);
	free(h);

	/* Scheme in any case, extra spaces, other scopes around ours. */
	c.mc_jti = NULL;
	c.mc_scope = "openid " T_SCOPE " 3gpp:mc:data_key_management_service";
	h = bearer("ec", &c);
	memcpy(h, "bEaReR", 6);
	assert_int_equal(auth_check_bearer(a, h, T_NOW, &s, &e), AUTH_OK);
	assert_string_equal(s.as_uri, T_ALICE);
	/* Without a jti, the id is a digest prefix, never the token. */
	assert_int_equal(strncmp(s.as_token_id, "sha256:", 7), 0);
	assert_int_equal(strlen(s.as_token_id), 7 + 32);
	assert_null(strstr(h, s.as_token_id + 7));
	free(h);
	auth_free(a);
}

/* A valid RS256 token is accepted; so is an aud array holding ours. */
static void
test_rs256_ok(void **state)
{
	struct mint_claims	 c;
	struct auth_subject	 s;
	struct auth_error	 e;
	struct auth		*a = auth_std();
	char			*h;

	claims_std(&c);
	c.mc_aud[0] = "other";
	c.mc_aud[1] = T_AUD;
	c.mc_naud = 2;
	h = bearer("rsa", &c);
	assert_int_equal(auth_check_bearer(a, h, T_NOW, &s, &e), AUTH_OK);
	assert_string_equal(s.as_uri, T_ALICE);
	assert_int_equal(s.as_alg, AUTH_ALG_RS256);
	free(h);
	auth_free(a);
}

/* Tokens signed by OpenSSL directly (as any IdMS would) are accepted. */
static void
test_interop(void **state)
{
	struct auth_subject	 s;
	struct auth_error	 e;
	struct auth		*a = auth_std();
	char			 path[512], *h;

	h = bearer_raw("{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"1\"}",
	    CLAIMS_OK, "ES256", key_path("ec", false, path, sizeof(path)));
	assert_int_equal(auth_check_bearer(a, h, T_NOW, &s, &e), AUTH_OK);
	assert_string_equal(s.as_uri, T_ALICE);
	free(h);
	h = bearer_raw("{\"alg\":\"RS256\"}", CLAIMS_OK, "RS256",
	    key_path("rsa", false, path, sizeof(path)));
	assert_int_equal(auth_check_bearer(a, h, T_NOW, &s, &e), AUTH_OK);
	free(h);
	auth_free(a);
}

/* The subject may come from another claim, e.g. mcptt_id. */
static void
test_subject_claim(void **state)
{
	struct auth_conf	 cf = { 0 };
	struct mint_claims	 c;
	struct auth_subject	 s;
	struct auth_error	 e;
	struct auth		*a = NULL;
	char			 ec[512], *h;

	cf.ac_issuer = T_ISS;
	cf.ac_audience = T_AUD;
	cf.ac_subject_claim = "mcptt_id";
	cf.ac_key_files[2] = key_path("ec", true, ec, sizeof(ec));
	assert_int_equal(auth_new(&cf, &a), AUTH_OK);
	claims_std(&c);
	c.mc_sub = "sip:mcptt-alice@example.org";
	c.mc_sub_claim = "mcptt_id";
	h = bearer("ec", &c);
	assert_int_equal(auth_check_bearer(a, h, T_NOW, &s, &e), AUTH_OK);
	assert_string_equal(s.as_uri, "sip:mcptt-alice@example.org");
	free(h);
	/* "sub" alone does not do when mcptt_id is configured. */
	claims_std(&c);
	h = bearer("ec", &c);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("no subject"));
	free(h);
	auth_free(a);
}

/* No Authorization header, or a blank one: 401 with no error code. */
static void
test_missing_header(void **state)
{
	struct auth	*a = auth_std();

	expect_refused(a, NULL, AUTH_ERR_NO_TOKEN, 401, WWW_NONE);
	expect_refused(a, "", AUTH_ERR_NO_TOKEN, 401, WWW_NONE);
	expect_refused(a, "   ", AUTH_ERR_NO_TOKEN, 401, WWW_NONE);
	auth_free(a);
}

/* Another scheme is no bearer credential: 401 with no error code. */
static void
test_not_bearer(void **state)
{
	struct auth	*a = auth_std();

	expect_refused(a, "Basic YWxpY2U6c2VjcmV0", AUTH_ERR_NO_TOKEN, 401,
	    WWW_NONE);
	expect_refused(a, "BearerX abc", AUTH_ERR_NO_TOKEN, 401, WWW_NONE);
	expect_refused(a, "Digest username=\"a\"", AUTH_ERR_NO_TOKEN, 401,
	    WWW_NONE);
	auth_free(a);
}

/* "Bearer" without a b64token: 400 invalid_request. */
static void
test_bad_header(void **state)
{
	struct auth	*a = auth_std();

	expect_refused(a, "Bearer", AUTH_ERR_REQUEST, 400, WWW_REQUEST);
	expect_refused(a, "Bearer   ", AUTH_ERR_REQUEST, 400, WWW_REQUEST);
	expect_refused(a, "Bearer a.b.c d", AUTH_ERR_REQUEST, 400,
	    WWW_REQUEST);
	expect_refused(a, "Bearer a\"b", AUTH_ERR_REQUEST, 400, WWW_REQUEST);
	expect_refused(a, "Bearer =abc", AUTH_ERR_REQUEST, 400, WWW_REQUEST);
	auth_free(a);
}

/* Not a JWT: 401 invalid_token "malformed". */
static void
test_malformed(void **state)
{
	struct auth	*a = auth_std();
	char		 path[512], *h, *big;

	expect_refused(a, "Bearer abcdef", AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("malformed"));
	expect_refused(a, "Bearer a.b", AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("malformed"));
	expect_refused(a, "Bearer a.b.c.d", AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("malformed"));
	expect_refused(a, "Bearer .eyJ9.c", AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("malformed"));
	/* Base64 that is not JSON; JSON that is not an object. */
	expect_refused(a, "Bearer aGVsbG8.aGVsbG8.c2ln", AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("malformed"));
	expect_refused(a, "Bearer WzFd.WzFd.c2ln", AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("malformed"));
	/* Duplicate member names are refused, not resolved. */
	h = bearer_raw("{\"alg\":\"ES256\",\"alg\":\"none\"}", CLAIMS_OK,
	    "ES256", key_path("ec", false, path, sizeof(path)));
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("malformed"));
	free(h);
	/* An unexpected typ. */
	h = bearer_raw("{\"alg\":\"ES256\",\"typ\":\"JWE\"}", CLAIMS_OK,
	    "ES256", key_path("ec", false, path, sizeof(path)));
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("malformed"));
	free(h);
	/* A signed token without exp. */
	h = bearer_raw("{\"alg\":\"ES256\"}", "{\"iss\":\"" T_ISS "\","
	    "\"aud\":\"kms\",\"sub\":\"" T_ALICE "\","
	    "\"scope\":\"" T_SCOPE "\"}",
	    "ES256", key_path("ec", false, path, sizeof(path)));
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("malformed"));
	free(h);
	/* A time that would overflow, a negative one, a string. */
	h = bearer_raw("{\"alg\":\"ES256\"}", "{\"iss\":\"" T_ISS "\","
	    "\"aud\":\"kms\",\"sub\":\"" T_ALICE "\",\"scope\":\"" T_SCOPE "\","
	    "\"exp\":9223372036854775807}", "ES256",
	    key_path("ec", false, path, sizeof(path)));
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("malformed"));
	free(h);
	h = bearer_raw("{\"alg\":\"ES256\"}", "{\"iss\":\"" T_ISS "\","
	    "\"aud\":\"kms\",\"sub\":\"" T_ALICE "\",\"scope\":\"" T_SCOPE "\","
	    "\"exp\":1767225900,\"nbf\":-1}", "ES256",
	    key_path("ec", false, path, sizeof(path)));
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("malformed"));
	free(h);
	h = bearer_raw("{\"alg\":\"ES256\"}", "{\"iss\":\"" T_ISS "\","
	    "\"aud\":\"kms\",\"sub\":\"" T_ALICE "\",\"scope\":\"" T_SCOPE "\","
	    "\"exp\":\"1767225900\"}", "ES256",
	    key_path("ec", false, path, sizeof(path)));
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("malformed"));
	free(h);
	/* Longer than AUTH_TOKEN_MAX. */
	big = malloc(AUTH_TOKEN_MAX + 16);
	assert_non_null(big);
	memcpy(big, "Bearer ", 7);
	memset(big + 7, 'a', AUTH_TOKEN_MAX + 1);
	big[7 + AUTH_TOKEN_MAX + 1] = '\0';
	expect_refused(a, big, AUTH_ERR_TOKEN, 401, WWW_TOKEN("malformed"));
	free(big);
	auth_free(a);
}

/* Signed by another key, or a payload swapped in: "bad signature". */
static void
test_forged(void **state)
{
	struct mint_claims	 c;
	struct auth		*a = auth_std();
	char			*h, *g, *p1, *p2, *out;

	claims_std(&c);
	h = bearer("evil", &c);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("bad signature"));
	free(h);

	/* A genuine token for bob; alice's claims pasted over his. */
	c.mc_sub = T_BOB;
	g = bearer("ec", &c);
	claims_std(&c);
	h = bearer("evil", &c);
	p1 = strchr(g, '.');
	p2 = strchr(h, '.');
	assert_true(asprintf(&out, "%.*s%.*s%s", (int)(p1 - g), g,
	    (int)(strchr(p2 + 1, '.') - p2), p2, strrchr(g, '.')) > 0);
	expect_refused(a, out, AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("bad signature"));
	free(out);
	/* The same token with its signature cut off. */
	*strrchr(g, '.') = '\0';
	assert_true(asprintf(&out, "%s.", g) > 0);
	expect_refused(a, out, AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("bad signature"));
	free(out);
	free(g);
	free(h);
	auth_free(a);
}

/* alg "none" (any spelling) is never accepted. */
static void
test_alg_none(void **state)
{
	struct auth	*a = auth_std();
	char		*h;

	h = bearer_raw("{\"alg\":\"none\",\"typ\":\"JWT\"}", CLAIMS_OK, "none",
	    NULL);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("unsupported algorithm"));
	free(h);
	h = bearer_raw("{\"alg\":\"NONE\"}", CLAIMS_OK, "none", NULL);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("unsupported algorithm"));
	free(h);
	auth_free(a);
}

/*
 * Algorithm confusion: HS256 keyed with the bytes of the configured EC or
 * RSA public key file.  A verifier that takes the algorithm from the token
 * accepts these (libjwt 1.10's jwt_decode does); auth never uses a public
 * key as an HMAC secret.
 */
static void
test_hs256_confusion(void **state)
{
	struct auth	*a = auth_std();
	char		 path[512], *h;

	h = bearer_raw("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", CLAIMS_OK,
	    "HS256", key_path("ec", true, path, sizeof(path)));
	expect_refused(a, h, AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("unsupported algorithm"));
	free(h);
	h = bearer_raw("{\"alg\":\"HS256\"}", CLAIMS_OK, "HS256",
	    key_path("rsa", true, path, sizeof(path)));
	expect_refused(a, h, AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("unsupported algorithm"));
	free(h);
	auth_free(a);
}

/* An alg with no configured key of its type; an alg we do not take. */
static void
test_wrong_alg(void **state)
{
	struct auth_conf	 cf = { 0 };
	struct mint_claims	 c;
	struct auth		*a = NULL;
	char			 ec[512], path[512], *h;

	cf.ac_issuer = T_ISS;
	cf.ac_audience = T_AUD;
	cf.ac_key_files[0] = key_path("ec", true, ec, sizeof(ec));
	assert_int_equal(auth_new(&cf, &a), AUTH_OK);
	/* A genuine RS256 token, but only an EC key is configured. */
	claims_std(&c);
	h = bearer("rsa", &c);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("unsupported algorithm"));
	free(h);
	/* Header says ES256, the signature is RSA. */
	h = bearer_raw("{\"alg\":\"ES256\"}", CLAIMS_OK, "RS256",
	    key_path("rsa", false, path, sizeof(path)));
	expect_refused(a, h, AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("bad signature"));
	free(h);
	/* ES384, PS256, a "crit" extension: not taken. */
	h = bearer_raw("{\"alg\":\"ES384\"}", CLAIMS_OK, "ES256",
	    key_path("ec", false, path, sizeof(path)));
	expect_refused(a, h, AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("unsupported algorithm"));
	free(h);
	h = bearer_raw("{\"alg\":\"ES256\",\"crit\":[\"exp\"]}", CLAIMS_OK,
	    "ES256", key_path("ec", false, path, sizeof(path)));
	expect_refused(a, h, AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("unsupported algorithm"));
	free(h);
	auth_free(a);
}

/* exp in the past beyond the leeway: "expired"; within it: accepted. */
static void
test_expired(void **state)
{
	struct mint_claims	 c;
	struct auth_subject	 s;
	struct auth_error	 e;
	struct auth		*a = auth_std();
	char			*h;

	claims_std(&c);
	c.mc_iat = T_NOW - 360;
	c.mc_exp = T_NOW - 60;
	h = bearer("ec", &c);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("expired"));
	free(h);
	c.mc_exp = T_NOW - AUTH_DEF_LEEWAY;	/* exactly at the edge */
	h = bearer("ec", &c);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("expired"));
	free(h);
	c.mc_exp = T_NOW - AUTH_DEF_LEEWAY + 1;
	h = bearer("ec", &c);
	assert_int_equal(auth_check_bearer(a, h, T_NOW, &s, &e), AUTH_OK);
	free(h);
	auth_free(a);
}

/* nbf or iat in the future beyond the leeway: "not yet valid". */
static void
test_not_yet_valid(void **state)
{
	struct mint_claims	 c;
	struct auth_subject	 s;
	struct auth_error	 e;
	struct auth		*a = auth_std();
	char			*h;

	claims_std(&c);
	c.mc_has_nbf = true;
	c.mc_nbf = T_NOW + 120;
	h = bearer("ec", &c);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("not yet valid"));
	free(h);
	c.mc_nbf = T_NOW + AUTH_DEF_LEEWAY;	/* skew within the leeway */
	h = bearer("ec", &c);
	assert_int_equal(auth_check_bearer(a, h, T_NOW, &s, &e), AUTH_OK);
	free(h);
	claims_std(&c);
	c.mc_iat = T_NOW + 600;
	c.mc_exp = T_NOW + 900;
	h = bearer("ec", &c);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("not yet valid"));
	free(h);
	auth_free(a);
}

static void
test_wrong_issuer(void **state)
{
	struct mint_claims	 c;
	struct auth		*a = auth_std();
	char			*h;

	claims_std(&c);
	c.mc_iss = "https://idms.evil.org";
	h = bearer("ec", &c);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("wrong issuer"));
	free(h);
	c.mc_iss = NULL;
	h = bearer("ec", &c);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("wrong issuer"));
	free(h);
	auth_free(a);
}

static void
test_wrong_audience(void **state)
{
	struct mint_claims	 c;
	struct auth		*a = auth_std();
	char			*h;

	claims_std(&c);
	c.mc_aud[0] = "gms";
	h = bearer("ec", &c);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("wrong audience"));
	free(h);
	c.mc_aud[1] = "cms";
	c.mc_naud = 2;
	h = bearer("ec", &c);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("wrong audience"));
	free(h);
	c.mc_naud = 0;
	h = bearer("ec", &c);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("wrong audience"));
	free(h);
	auth_free(a);
}

/* A valid token without the KM scope: 403 insufficient_scope. */
static void
test_missing_scope(void **state)
{
	struct mint_claims	 c;
	struct auth		*a = auth_std();
	char			*h;

	claims_std(&c);
	c.mc_scope = "openid 3gpp:mc:ptt_service";
	h = bearer("ec", &c);
	expect_refused(a, h, AUTH_ERR_SCOPE, 403, WWW_SCOPE);
	free(h);
	/* A prefix of the scope is not the scope. */
	c.mc_scope = "3gpp:mc:ptt_key_management_service_x";
	h = bearer("ec", &c);
	expect_refused(a, h, AUTH_ERR_SCOPE, 403, WWW_SCOPE);
	free(h);
	c.mc_scope = NULL;
	h = bearer("ec", &c);
	expect_refused(a, h, AUTH_ERR_SCOPE, 403, WWW_SCOPE);
	free(h);
	auth_free(a);
}

static void
test_missing_subject(void **state)
{
	struct mint_claims	 c;
	struct auth		*a = auth_std();
	char			*h;

	claims_std(&c);
	c.mc_sub = NULL;
	h = bearer("ec", &c);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("no subject"));
	free(h);
	c.mc_sub = "";
	h = bearer("ec", &c);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("no subject"));
	free(h);
	auth_free(a);
}

/* HS256 only with a configured secret, and then it works. */
static void
test_hs256_secret(void **state)
{
	static const char	 secret[] =
	    "a test shared secret of more than 32 bytes\n";
	struct auth_conf	 cf = { 0 };
	struct mint_claims	 c;
	struct auth_subject	 s;
	struct auth_error	 e;
	struct auth		*a = NULL;
	char			 path[512], err[MINT_ERR_MAX], *tok, *h;
	FILE			*fp;
	int			 fd;

	snprintf(path, sizeof(path), "%s/hs-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	fputs(secret, fp);
	fclose(fp);
	cf.ac_issuer = T_ISS;
	cf.ac_audience = T_AUD;
	cf.ac_hs256_secret_file = path;
	assert_int_equal(auth_new(&cf, &a), AUTH_OK);
	unlink(path);
	claims_std(&c);
	c.mc_alg = "HS256";
	assert_int_equal(mint_token((const unsigned char *)secret,
	    strlen(secret) - 1, &c, &tok, err, sizeof(err)), 0);
	assert_true(asprintf(&h, "Bearer %s", tok) > 0);
	assert_int_equal(auth_check_bearer(a, h, T_NOW, &s, &e), AUTH_OK);
	assert_int_equal(s.as_alg, AUTH_ALG_HS256);
	free(h);
	free(tok);
	/* The wrong secret. */
	assert_int_equal(mint_token((const unsigned char *)"x", 1, &c, &tok,
	    err, sizeof(err)), 0);
	assert_true(asprintf(&h, "Bearer %s", tok) > 0);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401, WWW_TOKEN("bad signature"));
	free(h);
	free(tok);
	/* No EC key is configured here: ES256 is refused. */
	claims_std(&c);
	h = bearer("ec", &c);
	expect_refused(a, h, AUTH_ERR_TOKEN, 401,
	    WWW_TOKEN("unsupported algorithm"));
	free(h);
	auth_free(a);
}

/* Write text to a temporary file; returns its path in buf. */
static const char *
tmp_text(const char *text, char *buf, size_t size)
{
	FILE	*fp;
	int	 fd;

	snprintf(buf, size, "%s/auth-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(buf);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

/* Write a new public key PEM of the given kind to a temporary file. */
static const char *
tmp_pub(EVP_PKEY *pk, char *buf, size_t size)
{
	FILE	*fp;
	int	 fd;

	snprintf(buf, size, "%s/auth-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(buf);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_int_equal(PEM_write_PUBKEY(fp, pk), 1);
	assert_int_equal(fclose(fp), 0);
	EVP_PKEY_free(pk);
	return buf;
}

/* Configurations that auth_new must refuse. */
static void
test_conf(void **state)
{
	struct auth_conf	 cf;
	struct auth		*a = NULL;
	char			 ec[512], priv[512], p[512], *pem;
	size_t			 len;

	memset(&cf, 0, sizeof(cf));
	assert_int_equal(auth_new(NULL, &a), AUTH_ERR_ARGS);
	cf.ac_issuer = T_ISS;
	cf.ac_audience = T_AUD;
	assert_int_equal(auth_new(&cf, &a), AUTH_ERR_CONF);	/* no key */
	assert_null(a);
	cf.ac_key_files[0] = key_path("ec", true, ec, sizeof(ec));
	cf.ac_issuer = NULL;
	assert_int_equal(auth_new(&cf, &a), AUTH_ERR_CONF);
	cf.ac_issuer = T_ISS;
	cf.ac_realm = "k\"ms";
	assert_int_equal(auth_new(&cf, &a), AUTH_ERR_CONF);
	cf.ac_realm = NULL;
	cf.ac_scope = "two scopes";
	assert_int_equal(auth_new(&cf, &a), AUTH_ERR_CONF);
	cf.ac_scope = NULL;
	cf.ac_leeway = AUTH_LEEWAY_MAX + 1;
	assert_int_equal(auth_new(&cf, &a), AUTH_ERR_CONF);
	cf.ac_leeway = 0;

	/* A private key, a missing file, a P-384 key, a small RSA key. */
	cf.ac_key_files[0] = key_path("ec", false, priv, sizeof(priv));
	assert_int_equal(auth_new(&cf, &a), AUTH_ERR_CONF);
	cf.ac_key_files[0] = "/nonexistent/idms-pub.pem";
	assert_int_equal(auth_new(&cf, &a), AUTH_ERR_CONF);
	cf.ac_key_files[0] = tmp_pub(EVP_PKEY_Q_keygen(NULL, NULL, "EC",
	    "P-384"), p, sizeof(p));
	assert_int_equal(auth_new(&cf, &a), AUTH_ERR_CONF);
	unlink(p);
	cf.ac_key_files[0] = tmp_pub(EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
	    (size_t)1024), p, sizeof(p));
	assert_int_equal(auth_new(&cf, &a), AUTH_ERR_CONF);
	unlink(p);

	/* HS256 secrets: too short; a PEM public key (confusion). */
	cf.ac_key_files[0] = NULL;
	cf.ac_hs256_secret_file = tmp_text("short\n", p, sizeof(p));
	assert_int_equal(auth_new(&cf, &a), AUTH_ERR_CONF);
	unlink(p);
	pem = (char *)slurp(key_path("ec", true, ec, sizeof(ec)), &len);
	cf.ac_hs256_secret_file = tmp_text(pem, p, sizeof(p));
	free(pem);
	assert_int_equal(auth_new(&cf, &a), AUTH_ERR_CONF);
	unlink(p);
	assert_null(a);
	auth_free(NULL);
}

/* Who may have keys for what. */
static void
test_may_key(void **state)
{
	struct store_conf	 sc = { 0 };
	struct auth_subject	 alice, gms;
	struct auth_error	 e;
	struct store		*st = NULL;
	struct auth		*a = auth_std();
	char			 dir[256], p[512];

	snprintf(dir, sizeof(dir), "%s/kms-auth-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	sc.sc_data_dir = dir;
	assert_int_equal(store_open(&sc, &st), STORE_OK);
	assert_int_equal(store_user_add(st, T_ALICE, NULL, T_NOW), STORE_OK);
	assert_int_equal(store_user_add(st, T_BOB, NULL, T_NOW), STORE_OK);
	assert_int_equal(store_user_add(st, T_GMS, NULL, T_NOW), STORE_OK);
	assert_int_equal(store_identity_add(st, "sip:alias@example.org",
	    STORE_ID_PSEUDONYM, T_NOW), STORE_OK);
	assert_int_equal(store_identity_add(st, "sip:group1@example.org",
	    STORE_ID_GROUP, T_NOW), STORE_OK);
	assert_int_equal(store_identity_add(st, "sip:group2@example.org",
	    STORE_ID_GROUP, T_NOW), STORE_OK);
	assert_int_equal(store_bind(st, T_ALICE, "sip:alias@example.org",
	    T_NOW), STORE_OK);
	assert_int_equal(store_bind(st, T_GMS, "sip:group1@example.org",
	    T_NOW), STORE_OK);

	memset(&alice, 0, sizeof(alice));
	snprintf(alice.as_uri, sizeof(alice.as_uri), "%s", T_ALICE);
	memset(&gms, 0, sizeof(gms));
	snprintf(gms.as_uri, sizeof(gms.as_uri), "%s", T_GMS);

	/* Own identity and bound identities. */
	assert_int_equal(auth_may_key(a, &alice, T_ALICE, st, &e), AUTH_OK);
	assert_int_equal(auth_may_key(a, &alice, "sip:alias@example.org", st,
	    &e), AUTH_OK);
	assert_int_equal(auth_may_key(a, &gms, "sip:group1@example.org", st,
	    &e), AUTH_OK);

	/* Another user's URI; an unbound group; someone else's group. */
	assert_int_equal(auth_may_key(a, &alice, T_BOB, st, &e),
	    AUTH_ERR_FORBIDDEN);
	assert_int_equal(e.ae_status, 403);
	assert_string_equal(e.ae_www, "");
	assert_string_equal(e.ae_reason, "identity not bound");
	assert_int_equal(auth_may_key(a, &gms, "sip:group2@example.org", st,
	    &e), AUTH_ERR_FORBIDDEN);
	assert_string_equal(e.ae_reason, "identity not bound");
	assert_int_equal(auth_may_key(a, &alice, "sip:group1@example.org",
	    st, &e), AUTH_ERR_FORBIDDEN);
	assert_int_equal(e.ae_status, 403);
	/* Byte for byte: case or a trailing space is another identity. */
	assert_int_equal(auth_may_key(a, &alice, "sip:Alice@example.org", st,
	    &e), AUTH_ERR_FORBIDDEN);
	assert_int_equal(auth_may_key(a, &alice, "", st, &e),
	    AUTH_ERR_FORBIDDEN);

	/* A revoked user gets nothing, not even its own identity. */
	assert_int_equal(store_user_revoke(st, T_ALICE, true), STORE_OK);
	assert_int_equal(auth_may_key(a, &alice, T_ALICE, st, &e),
	    AUTH_ERR_FORBIDDEN);
	assert_string_equal(e.ae_reason, "user revoked");
	assert_int_equal(store_user_revoke(st, T_ALICE, false), STORE_OK);

	/* An authenticated subject unknown to the store: own identity only. */
	snprintf(alice.as_uri, sizeof(alice.as_uri), "sip:carol@example.org");
	assert_int_equal(auth_may_key(a, &alice, "sip:carol@example.org", st,
	    &e), AUTH_OK);
	assert_int_equal(auth_may_key(a, &alice, "sip:alias@example.org", st,
	    &e), AUTH_ERR_FORBIDDEN);
	/* Without a store: own identity only. */
	assert_int_equal(auth_may_key(a, &gms, T_GMS, NULL, &e), AUTH_OK);
	assert_int_equal(auth_may_key(a, &gms, "sip:group1@example.org",
	    NULL, &e), AUTH_ERR_FORBIDDEN);
	auth_free(a);

	/* require_user: unknown subjects are refused outright. */
	{
		struct auth_conf	 cf = { 0 };
		char			 ec[512];

		cf.ac_issuer = T_ISS;
		cf.ac_audience = T_AUD;
		cf.ac_key_files[0] = key_path("ec", true, ec, sizeof(ec));
		cf.ac_require_user = true;
		a = NULL;
		assert_int_equal(auth_new(&cf, &a), AUTH_OK);
		assert_int_equal(auth_may_key(a, &alice,
		    "sip:carol@example.org", st, &e), AUTH_ERR_FORBIDDEN);
		assert_string_equal(e.ae_reason, "unknown user");
		assert_int_equal(auth_may_key(a, &gms,
		    "sip:group1@example.org", st, &e), AUTH_OK);
		auth_free(a);
	}
	store_close(st);
	snprintf(p, sizeof(p), "%s/kms.db", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/kms.db-wal", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/kms.db-shm", dir);
	unlink(p);
	assert_int_equal(rmdir(dir), 0);
}

struct checker {
	struct auth	*ck_a;
	const char	*ck_good;
	const char	*ck_bad;
	int		 ck_fail;
};

static void *
checker_main(void *arg)
{
	struct checker		*ck = arg;
	struct auth_subject	 s;
	struct auth_error	 e;
	int			 i;

	for (i = 0; i < 50; i++) {
		if (auth_check_bearer(ck->ck_a, ck->ck_good, T_NOW, &s, &e) !=
		    AUTH_OK || strcmp(s.as_uri, T_ALICE) != 0)
			ck->ck_fail++;
		if (auth_check_bearer(ck->ck_a, ck->ck_bad, T_NOW, &s, &e) !=
		    AUTH_ERR_TOKEN)
			ck->ck_fail++;
	}
	return NULL;
}

/* auth_check_bearer from four threads at once. */
static void
test_threads(void **state)
{
	struct mint_claims	 c;
	struct checker		 ck[4];
	pthread_t		 t[4];
	struct auth		*a = auth_std();
	char			*good, *bad;
	int			 i;

	claims_std(&c);
	good = bearer("ec", &c);
	bad = bearer("evil", &c);
	for (i = 0; i < 4; i++) {
		ck[i].ck_a = a;
		ck[i].ck_good = good;
		ck[i].ck_bad = bad;
		ck[i].ck_fail = 0;
		assert_int_equal(pthread_create(&t[i], NULL, checker_main,
		    &ck[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(ck[i].ck_fail, 0);
	}
	free(good);
	free(bad);
	auth_free(a);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_es256_ok),
		cmocka_unit_test(test_rs256_ok),
		cmocka_unit_test(test_interop),
		cmocka_unit_test(test_subject_claim),
		cmocka_unit_test(test_missing_header),
		cmocka_unit_test(test_not_bearer),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_alg_none),
		cmocka_unit_test(test_hs256_confusion),
		cmocka_unit_test(test_wrong_alg),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_not_yet_valid),
		cmocka_unit_test(test_wrong_issuer),
		cmocka_unit_test(test_wrong_audience),
		cmocka_unit_test(test_missing_scope),
		cmocka_unit_test(test_missing_subject),
		cmocka_unit_test(test_hs256_secret),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_may_key),
		cmocka_unit_test(test_threads),
	};
	struct CMUnitTest	 run[sizeof(tests) / sizeof(tests[0])];
	size_t			 i, n = 0;

	log_setlevel(LOG_LVL_ERR);
	/* An exact name selects one test; an unknown name is an error. */
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (argc < 2 || strcmp(argv[1], tests[i].name) == 0)
			run[n++] = tests[i];
	if (n == 0) {
		fprintf(stderr, "%s: no test named %s\n", argv[0], argv[1]);
		return 2;
	}
	return _cmocka_run_group_tests("auth", run, n, NULL, NULL);
}
