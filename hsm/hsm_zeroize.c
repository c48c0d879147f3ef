/*
 * hsm_zeroize.c - zeroize: destroy the appliance's objects in the token,
 * log out, wipe the PIN and the locked arena (see hsm.h).
 */
#include <string.h>

#include <openssl/crypto.h>

#include "board.h"
#include "hsm_local.h"

/* The fixed labels that must be gone afterwards. */
static const char *const zeroize_labels[] = {
	HSM_LABEL_KEK, HSM_LABEL_SAKKE, HSM_LABEL_ECCSI, HSM_LABEL_KMS_SIGN,
	HSM_LABEL_TLS, HSM_LABEL_BACKUP,
};

/* see hsm.h */
enum hsm_status
hsm_zeroize(struct hsm *h)
{
	enum hsm_status		 status = HSM_ERR_GENERAL, st;
	struct hsm_session	 s;
	size_t			 i, left = 0;

	if (h == NULL)
		return HSM_ERR_ARGS;
	/* Wait for derivations under way; none starts until we are done. */
	pthread_rwlock_wrlock(&h->h_use_lock);
	hsm_cache_forget(h);	/* the precompute cache's session key */
	status = hsm_destroy_all(h);
	/* After hsm_logout the token's private objects are out of sight:
	 * the label check below cannot see them either. */
	if (hsm_gate(h) != HSM_OK) {
		log_err("%s: the token is logged out: its private objects "
		    "cannot be destroyed", __func__);
		status = HSM_ERR_LOCKED;
	}
	/* Every object of ours, whatever its label (kms.master.*.<n>). */
	st = hsm_ours_left(h, &left);
	if (st != HSM_OK || left != 0) {
		log_err("%s: %zu of the appliance's objects are still in the "
		    "token (%s)", __func__, left, hsm_strerror(st));
		if (status == HSM_OK)
			status = st != HSM_OK ? st : HSM_ERR_GENERAL;
	}
	for (i = 0; i < sizeof(zeroize_labels) / sizeof(zeroize_labels[0]);
	    i++) {
		st = hsm_label_in_token(h, zeroize_labels[i]);
		if (st == HSM_ERR_NOT_FOUND)
			continue;
		log_err("%s: '%s' is still in the token (%s)", __func__,
		    zeroize_labels[i], hsm_strerror(st));
		if (status == HSM_OK)
			status = st == HSM_ERR_EXISTS ? HSM_ERR_GENERAL : st;
	}

	/* Log out: the login is per application, any session will do. */
	hsm_session_get(h, &s);
	(void)h->h_p11->C_Logout(s.hs_sess);
	hsm_session_put(h, &s, CKR_OK);

	/* wipe: the PIN kept for re-login, then the whole arena */
	pthread_mutex_lock(&h->h_prov_mtx);
	if (h->h_pin != NULL)
		OPENSSL_cleanse(h->h_pin, h->h_pinlen + 1);
	h->h_pinlen = 0;
	pthread_mutex_unlock(&h->h_prov_mtx);
	hsm_secmem_wipe_all();
	pthread_rwlock_unlock(&h->h_use_lock);
	log_info("hsm: zeroized token '%s' (%s)", h->h_token,
	    status == HSM_OK ? "every object destroyed" :
	    hsm_strerror(status));
	return status;
}
