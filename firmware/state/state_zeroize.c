/*
 * state_zeroize.c - zeroize the appliance: stop serving, destroy every
 * secret in the token, wipe locked memory, leave an audit record (see
 * state.h).
 */
#include <errno.h>
#include <stdio.h>

#include "board.h"
#include "hsm.h"
#include "kcert.h"
#include "kmsd.h"

#include "state.h"

/* see state.h */
int
state_zeroize(struct kmsd *k, const char *who, const char *why)
{
	enum hsm_status	 st = HSM_ERR_NOT_FOUND;
	char		 what[STATE_WHY_MAX];
	int		 rc = -EIO;

	/* First stop serving: the gate reads the state on every request. */
	atomic_store(&k->hsm_up, false);
	(void)state_set(KMS_STATE_ZEROIZED, who, why);
	if (k->hsm != NULL)
		st = hsm_zeroize(k->hsm);
	kcert_forget(k);
	k->key_sign = HSM_KEY_NONE;
	if (k->hsm == NULL) {
		snprintf(what, sizeof(what), "zeroize (%s): HSM not open, "
		    "token NOT zeroized", why);
		log_err("zeroize: the HSM is not open: the token's objects "
		    "were NOT destroyed");
	} else if (st != HSM_OK) {
		snprintf(what, sizeof(what), "zeroize (%s): token: %s", why,
		    hsm_strerror(st));
		log_err("zeroize: the token was not zeroized completely: %s",
		    hsm_strerror(st));
	} else {
		snprintf(what, sizeof(what), "zeroize (%s): token objects "
		    "destroyed, memory wiped", why);
		rc = 0;
	}
	state_audit(who, rc == 0 ? "zeroize:ok" : "zeroize:failed", what);
	return rc;
}
