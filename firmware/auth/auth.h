/*
 * auth.h - who is asking, and what they may have.
 *
 * A request to the KMS carries "Authorization: Bearer <JWT>", an access
 * token from the IdMS (TS 33.180, RFC 6750).  auth_check_bearer validates
 * it: the signature, with a public key from the configuration (ES256 with
 * a P-256 key, RS256 with an RSA key; HS256 only with a configured shared
 * secret), then the issuer, the audience, the expiry and not-before times
 * (with a small leeway) and the scope.  The identity of the caller is the
 * token's "sub" claim, or another claim named in the configuration (for
 * example "mcptt_id").  auth_may_key then decides whether that caller may
 * have keys for an identity: its own, and the identities bound to it in
 * the store (pseudonyms; for a GMS, the groups it keys).
 *
 * The algorithm is never taken from the token alone: a token's "alg" must
 * name the type of a configured key ("none" and HS* are refused unless an
 * HS256 secret is configured), so a public key is never used as an HMAC
 * secret (algorithm confusion).
 *
 * Refusals carry the HTTP status and the WWW-Authenticate value of RFC 6750
 * section 3, built from fixed strings: nothing of the token is ever echoed,
 * logged or stored.  The caller writes the audit record.
 *
 * Threads: auth_new and auth_free from one thread; auth_check_bearer and
 * auth_may_key from any number of threads at once (struct auth is read
 * only after auth_new).  The caller owns every input and output.
 */
#ifndef AUTH_H
#define AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Limits. */
#define AUTH_TOKEN_MAX		8192	/* a bearer token, bytes */
#define AUTH_HEADER_MAX		(AUTH_TOKEN_MAX + 64) /* Authorization value */
#define AUTH_JSON_MAX		6144	/* a decoded JOSE header or claim set */
#define AUTH_STR_MAX		256	/* issuer, audience, scope, claim... */
#define AUTH_KEYS_MAX		4	/* public keys (IdMS key rollover) */
#define AUTH_KEY_FILE_MAX	16384	/* a PEM file, bytes */
#define AUTH_HS_SECRET_MIN	32	/* HS256 secret, bytes (RFC 7518 3.2) */
#define AUTH_RSA_BITS_MIN	2048	/* RS256 key size */
#define AUTH_SIG_MAX		512	/* a signature, bytes (RSA-4096) */
#define AUTH_LEEWAY_MAX		300	/* clock skew allowed, seconds */
#define AUTH_WWW_MAX		768	/* a WWW-Authenticate value */
#define AUTH_URI_MAX		STORE_URI_MAX	/* the subject identity */
#define AUTH_TOKID_MAX		STORE_TOKID_MAX	/* the token id */

/* Defaults, for the configuration that fills struct auth_conf. */
#define AUTH_DEF_SCOPE		"3gpp:mc:ptt_key_management_service"
#define AUTH_DEF_SUBJECT_CLAIM	"sub"
#define AUTH_DEF_REALM		"kms"
#define AUTH_DEF_LEEWAY		30

/* Status codes.  Start a status variable at AUTH_ERR_GENERAL. */
enum auth_status {
	AUTH_OK			=  0,
	AUTH_ERR_GENERAL	= -1,	/* internal failure (store, library) */
	AUTH_ERR_ARGS		= -2,	/* NULL or invalid argument */
	AUTH_ERR_MEMORY		= -3,	/* allocation failed */
	AUTH_ERR_CONF		= -4,	/* auth_new: unusable configuration */
	AUTH_ERR_NO_TOKEN	= -5,	/* no bearer credentials: 401 */
	AUTH_ERR_REQUEST	= -6,	/* malformed Authorization: 400 */
	AUTH_ERR_TOKEN		= -7,	/* invalid token: 401 */
	AUTH_ERR_SCOPE		= -8,	/* valid token, scope missing: 403 */
	AUTH_ERR_FORBIDDEN	= -9,	/* identity not allowed: 403 */
};

/*
 * The configuration.  Strings are read during auth_new only.  issuer and
 * audience are required; NULL scope, subject_claim and realm take the
 * AUTH_DEF_* values.  key_files[] are PEM public keys ("PUBLIC KEY"
 * blocks), NULL for unused slots: an EC P-256 key verifies ES256, an RSA
 * key of at least AUTH_RSA_BITS_MIN bits verifies RS256.  hs256_secret_file,
 * when not NULL, holds a shared secret of at least AUTH_HS_SECRET_MIN bytes
 * (a trailing newline is dropped) and enables HS256; a PEM there is refused.
 * At least one key or the secret is required.  leeway is the clock skew
 * allowed on exp, nbf and iat, 0..AUTH_LEEWAY_MAX seconds (used as given;
 * AUTH_DEF_LEEWAY is the suggested default).  With require_user, a subject
 * that is not a user in the store is refused by auth_may_key; without it,
 * any authenticated subject may have keys for its own identity.
 */
struct auth_conf {
	const char	*ac_issuer;
	const char	*ac_audience;
	const char	*ac_scope;
	const char	*ac_subject_claim;
	const char	*ac_realm;
	const char	*ac_key_files[AUTH_KEYS_MAX];
	const char	*ac_hs256_secret_file;
	unsigned	 ac_leeway;
	bool		 ac_require_user;
};

struct auth;

/* The algorithm a token was verified with. */
enum auth_alg {
	AUTH_ALG_ES256		= 1,
	AUTH_ALG_RS256		= 2,
	AUTH_ALG_HS256		= 3,
};

/*
 * Who is asking.  as_token_id names the token in audit records without
 * revealing it: its "jti" when that is printable and short enough, else
 * "sha256:" and the first 16 bytes of SHA-256 of the token, in hex.
 */
struct auth_subject {
	char		 as_uri[AUTH_URI_MAX + 1];
	char		 as_token_id[AUTH_TOKID_MAX + 1];
	int64_t		 as_exp;	/* the token's expiry, Unix seconds */
	enum auth_alg	 as_alg;
};

/*
 * Why a request was refused.  ae_status is the HTTP status to answer
 * (400, 401, 403, or 503 when the store failed); ae_www the value of the
 * WWW-Authenticate header to send ("" when none is due, as for a refused
 * identity); ae_reason a short fixed text for the log, the audit record and
 * a KmsError, such as "expired" or "identity not bound".
 */
struct auth_error {
	int		 ae_status;
	enum auth_status ae_code;
	const char	*ae_reason;
	char		 ae_www[AUTH_WWW_MAX];
};

/*
 * Read the keys and check the configuration.  Returns 0 and *out, or
 * AUTH_ERR_CONF (logged with the reason: unreadable key file, a private
 * key, a curve other than P-256, an RSA key too small, a secret too short,
 * no key at all, a string too long or with characters that cannot be
 * quoted in WWW-Authenticate), or another status.
 */
int		 auth_new(const struct auth_conf *conf, struct auth **out);

/* Free a, wiping the HS256 secret.  auth_free(NULL) is a no-op. */
void		 auth_free(struct auth *a);

/*
 * Validate the value of an Authorization header (NULL when the request had
 * none) at time now (Unix seconds).  Returns 0 with *subj filled, or a
 * negative enum auth_status with *err filled:
 *
 *   no header, or a scheme other than Bearer     401 AUTH_ERR_NO_TOKEN
 *       WWW-Authenticate: Bearer realm="kms"
 *   "Bearer" with no token, or a token with characters outside b64token
 *                                                400 AUTH_ERR_REQUEST
 *       error="invalid_request"
 *   not a JWT, bad JSON, unknown/none/unconfigured alg, bad signature,
 *   expired, not yet valid, wrong issuer or audience, no subject
 *                                                401 AUTH_ERR_TOKEN
 *       error="invalid_token", error_description=<reason>
 *   the required scope missing                   403 AUTH_ERR_SCOPE
 *       error="insufficient_scope", scope=<required scope>
 *
 * The reasons are fixed strings: "malformed", "unsupported algorithm",
 * "bad signature", "expired", "not yet valid", "wrong issuer",
 * "wrong audience", "no subject", "missing scope".
 */
int		 auth_check_bearer(const struct auth *a, const char *header,
		    int64_t now, struct auth_subject *subj,
		    struct auth_error *err);

/*
 * May subj have keys for identity_uri?  Yes (0) for its own identity and
 * for an identity bound to it in st.  Refused with 403 AUTH_ERR_FORBIDDEN
 * and no WWW-Authenticate: "identity not bound" (another user's URI, an
 * unbound group), "user revoked" (the subject's user record is revoked),
 * "unknown user" (require_user and no such user).  A store failure is
 * 503 AUTH_ERR_GENERAL "store unavailable": the answer is never yes when
 * the store cannot say.  st may be NULL: then only the subject's own
 * identity is allowed (and require_user refuses everything).
 */
int		 auth_may_key(const struct auth *a,
		    const struct auth_subject *subj, const char *identity_uri,
		    struct store *st, struct auth_error *err);

/* Short fixed text for a status, for logs. */
const char	*auth_strerror(int status);

#endif /* AUTH_H */
