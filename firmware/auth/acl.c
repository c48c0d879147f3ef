/*
 * acl.c - which identities a caller may have keys for (see auth.h).
 *
 * The rule, in order: a revoked user gets nothing; with require_user an
 * unknown subject gets nothing; the subject's own identity is allowed;
 * an identity bound to the subject in the store is allowed; anything else
 * is refused.  Identities are compared byte for byte, as the UID of
 * TS 33.180 F.2.1 is derived from the exact bytes.
 */
#include <string.h>

#include "auth_local.h"

#define R_NOT_BOUND	"identity not bound"
#define R_REVOKED	"user revoked"
#define R_UNKNOWN	"unknown user"
#define R_STORE		"store unavailable"
#define R_BAD_ID	"invalid identity"

/* see auth.h */
int
auth_may_key(const struct auth *a, const struct auth_subject *subj,
    const char *identity_uri, struct store *st, struct auth_error *err)
{
	struct store_user	 u;
	bool			 bound = false, known = false;
	int			 rc;

	if (a == NULL || subj == NULL || subj->as_uri[0] == '\0')
		return auth_refuse(a, err, AUTH_ERR_ARGS, "internal error");
	if (identity_uri == NULL || identity_uri[0] == '\0' ||
	    strnlen(identity_uri, AUTH_URI_MAX + 1) > AUTH_URI_MAX)
		return auth_refuse(a, err, AUTH_ERR_FORBIDDEN, R_BAD_ID);

	if (st != NULL) {
		rc = store_user_get(st, subj->as_uri, &u);
		if (rc == STORE_OK)
			known = true;
		else if (rc != STORE_ERR_NOTFOUND)
			return auth_refuse(a, err, AUTH_ERR_GENERAL, R_STORE);
		if (known && u.su_revoked)
			return auth_refuse(a, err, AUTH_ERR_FORBIDDEN,
			    R_REVOKED);
	}
	if (a->a_require_user && !known)
		return auth_refuse(a, err, AUTH_ERR_FORBIDDEN, R_UNKNOWN);
	if (strcmp(identity_uri, subj->as_uri) == 0)
		return AUTH_OK;
	if (st == NULL || !known)
		return auth_refuse(a, err, AUTH_ERR_FORBIDDEN, R_NOT_BOUND);
	rc = store_is_bound(st, subj->as_uri, identity_uri, &bound);
	if (rc == STORE_ERR_ARGS)
		return auth_refuse(a, err, AUTH_ERR_FORBIDDEN, R_BAD_ID);
	if (rc != STORE_OK)
		return auth_refuse(a, err, AUTH_ERR_GENERAL, R_STORE);
	if (!bound)
		return auth_refuse(a, err, AUTH_ERR_FORBIDDEN, R_NOT_BOUND);
	return AUTH_OK;
}
