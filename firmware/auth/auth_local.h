/*
 * auth_local.h - private to firmware/auth: the validated configuration and
 * the helpers shared by auth.c, bearer.c and acl.c.
 */
#ifndef AUTH_LOCAL_H
#define AUTH_LOCAL_H

#include <openssl/evp.h>

#include "auth.h"

/*
 * One verification key.  For ES256 and RS256, ak_pkey is the public key,
 * parsed once at auth_new; for HS256, ak_secret is the shared secret, in
 * OpenSSL's secure heap, wiped on auth_free.
 */
struct auth_key {
	enum auth_alg	 ak_alg;
	EVP_PKEY	*ak_pkey;
	unsigned char	*ak_secret;
	size_t		 ak_len;
};

struct auth {
	char		 a_issuer[AUTH_STR_MAX + 1];
	char		 a_audience[AUTH_STR_MAX + 1];
	char		 a_scope[AUTH_STR_MAX + 1];
	char		 a_claim[AUTH_STR_MAX + 1];
	char		 a_realm[AUTH_STR_MAX + 1];
	struct auth_key	 a_keys[AUTH_KEYS_MAX + 1];	/* + the HS secret */
	size_t		 a_nkeys;
	unsigned	 a_leeway;
	bool		 a_require_user;
};

/* auth.c */

/*
 * Fill err for a refusal with code and the fixed text reason: the HTTP
 * status and the WWW-Authenticate value (RFC 6750 3.1) of the code.
 * Returns code, so a caller can "return auth_refuse(...)".
 */
int		 auth_refuse(const struct auth *a, struct auth_error *err,
		    enum auth_status code, const char *reason);

#endif /* AUTH_LOCAL_H */
