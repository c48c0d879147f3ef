/*
 * hsm_health.c - noticing that the token is gone and getting it back.
 *
 * hsm_health asks the token two cheap questions (is it there, is our
 * session still logged in).  hsm_recover repairs what can be repaired
 * without restarting the module: sessions the module closed are reopened
 * (hsm_session_put does that), a lost login is redone with the PIN kept in
 * locked memory, and the cached key handles are checked against their
 * labels.  A module that must be finalised and initialised again (a
 * different token inserted, handles renumbered) stays unavailable: kmsd
 * then needs a restart, and says so.
 */
#include <string.h>

#include "board.h"
#include "hsm.h"
#include "hsm_local.h"

/* A borrowed session's state, or the CK_RV that stopped us. */
static CK_RV
session_state(struct hsm *h, CK_STATE *state)
{
	struct hsm_session	 s;
	CK_SESSION_INFO		 si;
	CK_RV			 rv;

	hsm_session_get(h, &s);
	rv = h->h_p11->C_GetSessionInfo(s.hs_sess, &si);
	hsm_session_put(h, &s, rv);	/* reopens an invalid session */
	if (rv == CKR_OK)
		*state = si.state;
	return rv;
}

static bool
logged_in(CK_STATE st)
{
	return st == CKS_RW_USER_FUNCTIONS || st == CKS_RO_USER_FUNCTIONS;
}

/* see hsm.h */
enum hsm_status
hsm_health(struct hsm *h)
{
	CK_TOKEN_INFO	 ti;
	CK_STATE	 st;
	CK_RV		 rv;

	if (h == NULL)
		return HSM_ERR_ARGS;
	if (hsm_gate(h) != HSM_OK)	/* hsm_logout: on purpose */
		return HSM_ERR_LOCKED;
	rv = h->h_p11->C_GetTokenInfo(h->h_slot, &ti);
	hsm_stats_count(rv);
	if (rv != CKR_OK)
		return HSM_ERR_DEVICE;
	if ((rv = session_state(h, &st)) != CKR_OK)
		return HSM_ERR_DEVICE;
	return logged_in(st) ? HSM_OK : HSM_ERR_DEVICE;
}

/* The cached handle of every key still names an object with its label. */
static enum hsm_status
keys_intact(struct hsm *h)
{
	enum hsm_status		 status = HSM_OK;
	struct hsm_session	 s;
	char			 label[HSM_LABEL_MAX + 1];
	CK_ATTRIBUTE		 a;
	CK_RV			 rv = CKR_OK;
	size_t			 i;

	hsm_session_get(h, &s);
	pthread_rwlock_rdlock(&h->h_keys_lock);
	for (i = 1; i < h->h_nkeys && status == HSM_OK; i++) {
		memset(label, 0, sizeof(label));
		a.type = CKA_LABEL;
		a.pValue = label;
		a.ulValueLen = HSM_LABEL_MAX;
		rv = h->h_p11->C_GetAttributeValue(s.hs_sess,
		    h->h_keys[i].hk_obj, &a, 1);
		if (rv != CKR_OK ||
		    strcmp(label, h->h_keys[i].hk_label) != 0) {
			log_warnx("hsm: key '%s' is no longer where it was",
			    h->h_keys[i].hk_label);
			status = HSM_ERR_DEVICE;
		}
	}
	pthread_rwlock_unlock(&h->h_keys_lock);
	hsm_session_put(h, &s, rv);
	return status;
}

/* see hsm.h */
enum hsm_status
hsm_recover(struct hsm *h)
{
	struct hsm_session	 s;
	CK_TOKEN_INFO		 ti;
	CK_STATE		 st;
	CK_RV			 rv;

	if (h == NULL)
		return HSM_ERR_ARGS;
	if (hsm_gate(h) != HSM_OK)	/* never log in behind hsm_logout */
		return HSM_ERR_LOCKED;
	if (h->h_p11->C_GetTokenInfo(h->h_slot, &ti) != CKR_OK)
		return HSM_ERR_DEVICE;
	/* Twice: the first look may only replace a dead session. */
	if ((rv = session_state(h, &st)) != CKR_OK &&
	    (rv = session_state(h, &st)) != CKR_OK)
		return HSM_ERR_DEVICE;
	if (!logged_in(st)) {
		hsm_session_get(h, &s);
		rv = h->h_p11->C_Login(s.hs_sess, CKU_USER,
		    (CK_UTF8CHAR_PTR)h->h_pin, (CK_ULONG)h->h_pinlen);
		hsm_session_put(h, &s, rv);
		if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
			log_warnx("hsm: login again: 0x%lx", rv);
			return hsm_ckr(rv, false);
		}
		log_info("hsm: logged in again");
	}
	return keys_intact(h);
}
