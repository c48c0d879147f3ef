/*
 * hsm_policy.c - the usage policy: which key class may do which operation.
 * Every entry point of hsm/ asks hsm_policy_permits (through hsm_key_get)
 * before it touches the token.
 */
#include <stddef.h>

#include "hsm_local.h"

#define OP(x)	(1U << (x))

/*
 * One row per key class: the operations it may do.  Everything not listed
 * is refused with HSM_ERR_DENIED before the token is touched.  The same
 * table, as a class x operation grid, is in docs/hsm.md and is tested
 * cell by cell (tests/unit/hsm/test_hsm_user.c, policy_matrix_full).
 */
static const struct {
	enum hsm_key_class	 kc;
	const char		*name;
	unsigned int		 ops;
} policy[] = {
	{ HSM_KC_KEK,		"kek",
	    OP(HSM_OP_SEAL) | OP(HSM_OP_UNSEAL) },
	{ HSM_KC_MASTER_SAKKE,	"master-sakke",
	    OP(HSM_OP_USE_SECRET) },
	{ HSM_KC_MASTER_ECCSI,	"master-eccsi",
	    OP(HSM_OP_USE_SECRET) },
	{ HSM_KC_KMS_SIGN,	"kms-sign",
	    OP(HSM_OP_SIGN) | OP(HSM_OP_PUBKEY) },
	{ HSM_KC_TRK,		"trk",
	    OP(HSM_OP_HMAC) | OP(HSM_OP_WRAP_MATERIAL) | OP(HSM_OP_GCM_SEAL) |
	    OP(HSM_OP_WRAP_NEW_TRK) | OP(HSM_OP_WRAP_NEW_INK) |
	    OP(HSM_OP_EXPORT_ONCE) },
	{ HSM_KC_INK,		"ink",
	    OP(HSM_OP_HMAC) | OP(HSM_OP_WRAP_NEW_INK) },
	{ HSM_KC_TLS,		"tls",
	    OP(HSM_OP_TLS_SIGN) | OP(HSM_OP_PUBKEY) },
	{ HSM_KC_BACKUP,	"backup",
	    OP(HSM_OP_BACKUP_WRAP) | OP(HSM_OP_BACKUP_UNWRAP) },
	{ HSM_KC_MIKEY_PSK,	"mikey-psk",
	    OP(HSM_OP_HMAC) | OP(HSM_OP_EXPORT_ONCE) },
	{ HSM_KC_TICKET,	"ticket",
	    OP(HSM_OP_HMAC) },
};

#define POLICY_LEN	(sizeof(policy) / sizeof(policy[0]))

/* see hsm_local.h */
bool
hsm_policy_permits(enum hsm_key_class kc, enum hsm_op op)
{
	size_t	 i;

	if (op < HSM_OP_FIRST || op > HSM_OP_LAST)
		return false;
	for (i = 0; i < POLICY_LEN; i++) {
		if (policy[i].kc == kc)
			return (policy[i].ops & OP(op)) != 0;
	}
	return false;
}

/* see hsm_local.h */
bool
hsm_class_is_valid(int kc)
{
	size_t	 i;

	for (i = 0; i < POLICY_LEN; i++) {
		if ((int)policy[i].kc == kc)
			return true;
	}
	return false;
}

/* see hsm_local.h */
bool
hsm_class_is_master(enum hsm_key_class kc)
{
	return hsm_policy_permits(kc, HSM_OP_USE_SECRET);
}

/* see hsm.h */
const char *
hsm_class_name(enum hsm_key_class kc)
{
	size_t	 i;

	for (i = 0; i < POLICY_LEN; i++) {
		if (policy[i].kc == kc)
			return policy[i].name;
	}
	return "unknown";
}
