/*
 * bearer.c - the Authorization header and the JWT access token in it (see
 * auth.h).
 *
 * Order of the checks: the header's syntax (RFC 6750 2.1); the JWS compact
 * form (three base64url segments, RFC 7515 7.1); the JOSE header, whose
 * "alg" must name the type of a configured key before any key is touched;
 * the signature, with OpenSSL and keys of that type only; then the claims
 * (RFC 7519 4.1), parsed from the signed bytes with duplicate names
 * refused: exp, nbf, iat, iss, aud, the subject claim, and last the scope,
 * so that 403 insufficient_scope is only ever said of an otherwise valid
 * token.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "auth_local.h"

/* The fixed reasons (error_description values). */
#define R_MALFORMED	"malformed"
#define R_HEADER	"malformed authorization header"
#define R_ALG		"unsupported algorithm"
#define R_SIGNATURE	"bad signature"
#define R_EXPIRED	"expired"
#define R_NOT_YET	"not yet valid"
#define R_ISSUER	"wrong issuer"
#define R_AUDIENCE	"wrong audience"
#define R_SUBJECT	"no subject"
#define R_SCOPE		"missing scope"
#define R_INTERNAL	"internal error"

#define TOKID_DIGEST	16	/* bytes of SHA-256 in a token id */
#define AUTH_TIME_MAX	253402300799LL	/* 9999-12-31T23:59:59Z */

/* One segment of the compact form: where it is in the token. */
struct seg {
	const char	*sg_p;
	size_t		 sg_len;
};

static bool
is_b64url(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* b64token of RFC 6750 2.1: 1*( ALPHA / DIGIT / "-._~+/" ) *"=" */
static bool
is_b64token(const char *t, size_t len)
{
	size_t	 i = 0;

	while (i < len && (is_b64url((unsigned char)t[i]) || t[i] == '.' ||
	    t[i] == '~' || t[i] == '+' || t[i] == '/'))
		i++;
	if (i == 0)
		return false;
	while (i < len && t[i] == '=')
		i++;
	return i == len;
}

static int
b64url_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Decode unpadded base64url (RFC 7515 2) into out (size bytes).  Refuses
 * a length of 1 mod 4, characters outside the alphabet and non-zero
 * trailing bits (so each byte string has exactly one encoding).  Returns
 * the decoded length or -1.
 */
static ssize_t
b64url_decode(const char *in, size_t len, unsigned char *out, size_t size)
{
	uint32_t	 acc = 0;
	size_t		 i, n = 0;
	int		 bits = 0, v;

	if (len % 4 == 1 || (len / 4) * 3 + 2 > size)
		return -1;
	for (i = 0; i < len; i++) {
		v = b64url_val((unsigned char)in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (ssize_t)n;
}

/* Decode a segment and parse it as a JSON object, duplicates refused. */
static json_t *
seg_json(const struct seg *s)
{
	unsigned char	 raw[AUTH_JSON_MAX];
	json_error_t	 jerr;
	json_t		*j;
	ssize_t		 n;

	if (s->sg_len > (AUTH_JSON_MAX / 3) * 4)
		return NULL;
	n = b64url_decode(s->sg_p, s->sg_len, raw, sizeof(raw));
	if (n <= 0)
		return NULL;
	j = json_loadb((const char *)raw, (size_t)n,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/*
 * A NumericDate (RFC 7519 2): a JSON number of seconds, whole seconds kept,
 * between 0 and AUTH_TIME_MAX (so that adding the leeway cannot overflow).
 */
static bool
numeric_date(const json_t *v, int64_t *out)
{
	double	 d;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 ||
		    json_integer_value(v) > AUTH_TIME_MAX)
			return false;
		*out = (int64_t)json_integer_value(v);
		return true;
	}
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (!(d >= 0.0 && d <= (double)AUTH_TIME_MAX))
			return false;
		*out = (int64_t)d;
		return true;
	}
	return false;
}

/*
 * The JOSE header: "alg" names a configured key type; "crit" (extensions
 * we would have to understand) is refused; "typ", when present, is JWT or
 * at+jwt (RFC 9068 2.1).  Returns the algorithm or 0.
 */
static enum auth_alg
header_alg(const struct auth *a, json_t *hdr, const char **why)
{
	const char	*alg, *typ;
	json_t		*v;
	enum auth_alg	 want;
	size_t		 i;

	*why = R_MALFORMED;
	if (json_object_get(hdr, "crit") != NULL) {
		*why = R_ALG;
		return 0;
	}
	v = json_object_get(hdr, "typ");
	if (v != NULL) {
		typ = json_string_value(v);
		if (typ == NULL || (strcasecmp(typ, "JWT") != 0 &&
		    strcasecmp(typ, "at+jwt") != 0 &&
		    strcasecmp(typ, "application/at+jwt") != 0))
			return 0;
	}
	alg = json_string_value(json_object_get(hdr, "alg"));
	if (alg == NULL)
		return 0;
	*why = R_ALG;
	if (strcmp(alg, "ES256") == 0)
		want = AUTH_ALG_ES256;
	else if (strcmp(alg, "RS256") == 0)
		want = AUTH_ALG_RS256;
	else if (strcmp(alg, "HS256") == 0)
		want = AUTH_ALG_HS256;
	else
		return 0;	/* "none", HS384, PS256, ... */
	for (i = 0; i < a->a_nkeys; i++)
		if (a->a_keys[i].ak_alg == want)
			return want;
	return 0;	/* no key of that type: never borrow another's */
}

/*
 * ES256 (RFC 7518 3.4): the JWS signature is R || S, 32 bytes each; OpenSSL
 * verifies the DER form.  Returns the DER length in der, or 0.
 */
static size_t
es256_der(const unsigned char *sig, size_t len, unsigned char *der,
    size_t size)
{
	ECDSA_SIG	*es = NULL;
	BIGNUM		*r = NULL, *s = NULL;
	unsigned char	*p = der;
	int		 n;

	if (len != 64)
		return 0;
	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, 32, NULL);
	s = BN_bin2bn(sig + 32, 32, NULL);
	if (es == NULL || r == NULL || s == NULL ||
	    ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return 0;
	}
	n = i2d_ECDSA_SIG(es, NULL);
	if (n <= 0 || (size_t)n > size)
		n = 0;
	else
		n = i2d_ECDSA_SIG(es, &p);
	ECDSA_SIG_free(es);
	return n > 0 ? (size_t)n : 0;
}

/* Verify sig over input with one key (its own, fixed algorithm). */
static bool
verify_one(const struct auth_key *k, const char *input, size_t inlen,
    const unsigned char *sig, size_t siglen)
{
	unsigned char	 der[AUTH_SIG_MAX], mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	EVP_MD_CTX	*md;
	size_t		 derlen;
	bool		 ok = false;

	switch (k->ak_alg) {
	case AUTH_ALG_HS256:
		if (HMAC(EVP_sha256(), k->ak_secret, (int)k->ak_len,
		    (const unsigned char *)input, inlen, mac, &maclen) ==
		    NULL || maclen != SHA256_DIGEST_LENGTH ||
		    siglen != SHA256_DIGEST_LENGTH)
			ok = false;
		else
			ok = CRYPTO_memcmp(mac, sig, siglen) == 0;
		OPENSSL_cleanse(mac, sizeof(mac));
		return ok;
	case AUTH_ALG_ES256:
		derlen = es256_der(sig, siglen, der, sizeof(der));
		if (derlen == 0)
			return false;
		sig = der;
		siglen = derlen;
		break;
	case AUTH_ALG_RS256:
		/* RSASSA-PKCS1-v1_5 (RFC 7518 3.3), OpenSSL's RSA default. */
		if (siglen != (size_t)EVP_PKEY_get_size(k->ak_pkey))
			return false;
		break;
	default:
		return false;
	}
	md = EVP_MD_CTX_new();
	if (md == NULL)
		return false;
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
	    k->ak_pkey) == 1 && EVP_DigestVerify(md, sig, siglen,
	    (const unsigned char *)input, inlen) == 1;
	EVP_MD_CTX_free(md);
	return ok;
}

/*
 * Verify the signature segment over the signing input (header "." claims,
 * RFC 7515 5.2) with each configured key of type alg (more than one during
 * an IdMS key rollover), and no other key.
 */
static bool
signature_ok(const struct auth *a, const struct seg seg[3],
    enum auth_alg alg)
{
	unsigned char	 sig[AUTH_SIG_MAX];
	ssize_t		 n;
	size_t		 i, inlen;

	if (seg[2].sg_len == 0 || seg[2].sg_len > (AUTH_SIG_MAX / 3) * 4 + 3)
		return false;
	n = b64url_decode(seg[2].sg_p, seg[2].sg_len, sig, sizeof(sig));
	if (n <= 0)
		return false;
	inlen = (size_t)(seg[1].sg_p + seg[1].sg_len - seg[0].sg_p);
	for (i = 0; i < a->a_nkeys; i++)
		if (a->a_keys[i].ak_alg == alg && verify_one(&a->a_keys[i],
		    seg[0].sg_p, inlen, sig, (size_t)n))
			return true;
	return false;
}

/* aud is the configured audience, or an array holding it (RFC 7519 4.1.3). */
static bool
audience_ok(const struct auth *a, const json_t *aud)
{
	const char	*s;
	size_t		 i;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), a->a_audience) == 0;
	if (!json_is_array(aud))
		return false;
	for (i = 0; i < json_array_size(aud); i++) {
		s = json_string_value(json_array_get(aud, i));
		if (s != NULL && strcmp(s, a->a_audience) == 0)
			return true;
	}
	return false;
}

/* The space-separated scope claim holds the required scope token. */
static bool
scope_ok(const struct auth *a, const json_t *scope)
{
	const char	*s, *e;
	size_t		 want = strlen(a->a_scope);

	s = json_string_value(scope);
	if (s == NULL)
		return false;
	while (*s != '\0') {
		while (*s == ' ')
			s++;
		e = s;
		while (*e != '\0' && *e != ' ')
			e++;
		if ((size_t)(e - s) == want && memcmp(s, a->a_scope, want) == 0)
			return true;
		s = e;
	}
	return false;
}

/* A subject: 1..AUTH_URI_MAX bytes, no control characters. */
static bool
subject_ok(const char *s)
{
	size_t	 i;

	if (s == NULL || s[0] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= AUTH_URI_MAX || (unsigned char)s[i] < 0x20 ||
		    s[i] == 0x7f)
			return false;
	return true;
}

/* The token id: a usable jti, else a digest of the token. */
static void
token_id(const json_t *claims, const char *token, size_t len,
    struct auth_subject *subj)
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	const char	*jti;
	size_t		 i, n;

	jti = json_string_value(json_object_get(claims, "jti"));
	if (jti != NULL && jti[0] != '\0' && strlen(jti) <= AUTH_TOKID_MAX) {
		for (i = 0; jti[i] != '\0'; i++)
			if (jti[i] <= 0x20 || jti[i] >= 0x7f)
				break;
		if (jti[i] == '\0') {
			snprintf(subj->as_token_id, sizeof(subj->as_token_id),
			    "%s", jti);
			return;
		}
	}
	SHA256((const unsigned char *)token, len, md);
	n = (size_t)snprintf(subj->as_token_id, sizeof(subj->as_token_id),
	    "sha256:");
	for (i = 0; i < TOKID_DIGEST; i++)
		n += (size_t)snprintf(subj->as_token_id + n,
		    sizeof(subj->as_token_id) - n, "%02x", md[i]);
}

/* Split token into its three segments; false unless exactly three. */
static bool
split(const char *token, size_t len, struct seg seg[3])
{
	const char	*p = token, *dot;
	size_t		 i;

	for (i = 0; i < 3; i++) {
		dot = memchr(p, '.', len - (size_t)(p - token));
		if (i < 2 && dot == NULL)
			return false;
		if (i == 2) {
			if (dot != NULL)
				return false;
			dot = token + len;
		}
		seg[i].sg_p = p;
		seg[i].sg_len = (size_t)(dot - p);
		p = dot + 1;
	}
	return seg[0].sg_len > 0 && seg[1].sg_len > 0;
}

/*
 * The token proper.  token is NUL terminated, len bytes, b64token chars.
 * On success fills subj.
 */
static int
check_jwt(const struct auth *a, const char *token, size_t len, int64_t now,
    struct auth_subject *subj, struct auth_error *err)
{
	struct seg	 seg[3];
	json_t		*hdr = NULL, *claims = NULL, *v;
	const char	*why = R_MALFORMED, *s;
	enum auth_alg	 alg;
	int64_t		 exp, t;
	int		 status = AUTH_ERR_TOKEN;

	if (len > AUTH_TOKEN_MAX || !split(token, len, seg))
		goto fail;
	hdr = seg_json(&seg[0]);
	if (hdr == NULL)
		goto fail;
	alg = header_alg(a, hdr, &why);
	if (alg == 0)
		goto fail;
	why = R_SIGNATURE;
	if (!signature_ok(a, seg, alg))
		goto fail;

	why = R_MALFORMED;
	claims = seg_json(&seg[1]);
	if (claims == NULL)
		goto fail;
	if (!numeric_date(json_object_get(claims, "exp"), &exp))
		goto fail;
	if (now >= exp + (int64_t)a->a_leeway) {
		why = R_EXPIRED;
		goto fail;
	}
	v = json_object_get(claims, "nbf");
	if (v != NULL) {
		if (!numeric_date(v, &t))
			goto fail;
		if (now + (int64_t)a->a_leeway < t) {
			why = R_NOT_YET;
			goto fail;
		}
	}
	v = json_object_get(claims, "iat");
	if (v != NULL) {
		if (!numeric_date(v, &t))
			goto fail;
		if (now + (int64_t)a->a_leeway < t) {
			why = R_NOT_YET;
			goto fail;
		}
	}
	s = json_string_value(json_object_get(claims, "iss"));
	if (s == NULL || strcmp(s, a->a_issuer) != 0) {
		why = R_ISSUER;
		goto fail;
	}
	if (!audience_ok(a, json_object_get(claims, "aud"))) {
		why = R_AUDIENCE;
		goto fail;
	}
	s = json_string_value(json_object_get(claims, a->a_claim));
	if (!subject_ok(s)) {
		why = R_SUBJECT;
		goto fail;
	}
	if (!scope_ok(a, json_object_get(claims, "scope"))) {
		status = AUTH_ERR_SCOPE;
		why = R_SCOPE;
		goto fail;
	}
	memset(subj, 0, sizeof(*subj));
	snprintf(subj->as_uri, sizeof(subj->as_uri), "%s", s);
	token_id(claims, token, len, subj);
	subj->as_exp = exp;
	subj->as_alg = alg;
	json_decref(claims);
	json_decref(hdr);
	return AUTH_OK;
 fail:
	json_decref(claims);
	json_decref(hdr);
	return auth_refuse(a, err, status, why);
}

/* see auth.h */
int
auth_check_bearer(const struct auth *a, const char *header, int64_t now,
    struct auth_subject *subj, struct auth_error *err)
{
	char		 token[AUTH_TOKEN_MAX + 1];
	const char	*p, *e;
	size_t		 hlen, len;
	int		 status;

	if (a == NULL || subj == NULL)
		return auth_refuse(a, err, AUTH_ERR_ARGS, R_INTERNAL);
	memset(subj, 0, sizeof(*subj));
	if (header == NULL)
		return auth_refuse(a, err, AUTH_ERR_NO_TOKEN, "no token");
	hlen = strnlen(header, AUTH_HEADER_MAX + 1);

	/* OWS around the field value (RFC 9110 5.5). */
	p = header;
	e = header + hlen;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (p == e)
		return auth_refuse(a, err, AUTH_ERR_NO_TOKEN, "no token");

	/* The scheme is case-insensitive (RFC 9110 11.1). */
	if ((size_t)(e - p) < 6 || strncasecmp(p, "Bearer", 6) != 0 ||
	    (p + 6 < e && p[6] != ' '))
		return auth_refuse(a, err, AUTH_ERR_NO_TOKEN, "no token");
	p += 6;
	while (p < e && *p == ' ')
		p++;
	if (p == e || !is_b64token(p, (size_t)(e - p)))
		return auth_refuse(a, err, AUTH_ERR_REQUEST, R_HEADER);
	if (hlen > AUTH_HEADER_MAX || (size_t)(e - p) > AUTH_TOKEN_MAX)
		return auth_refuse(a, err, AUTH_ERR_TOKEN, R_MALFORMED);
	len = (size_t)(e - p);
	memcpy(token, p, len);
	token[len] = '\0';
	status = check_jwt(a, token, len, now, subj, err);
	/* wipe: a bearer token is a credential */
	OPENSSL_cleanse(token, sizeof(token));
	if (status != AUTH_OK)
		memset(subj, 0, sizeof(*subj));
	return status;
}
