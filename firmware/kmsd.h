/*
 * kmsd.h - the process context of kmsd, shared by the firmware modules
 * (like httpd's struct httpd).  Built by main.c at boot; read-only while
 * the appliance is operational, so every worker thread may read it.  Two
 * writers run outside that state, while the state gate refuses requests:
 * the console's `hsm login` (locked -> operational: the HSM handle, key
 * ids, TLS context, set before the state changes) and zeroize (the key
 * ids, after the state left operational; hsm_zeroize waits for
 * derivations under way).
 */
#ifndef KMSD_H
#define KMSD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "crypto.h"
#include "hsm.h"

struct ssl_ctx_st;
struct store;
struct auth;

struct kmsd {
	const struct kms_conf	*conf;
	struct hsm		*hsm;
	hsm_key_id		 key_sakke;	/* sealed z_S */
	hsm_key_id		 key_eccsi;	/* sealed KSAK */
	hsm_key_id		 key_sign;	/* KMS ECDSA signing key */
	uint8_t			 pub_enc_key[SAKKE_POINT_LEN];	/* Z_S */
	uint8_t			 pub_auth_key[ECCSI_POINT_LEN];	/* KPAK */
	struct ssl_ctx_st	*tls;		/* HTTPS, or NULL */
	_Atomic bool		 hsm_up;	/* the token answers; else 503 */
	struct store		*store;		/* kms.db (mcx_open) */
	struct auth		*auth;		/* [auth], or NULL: off */
};

#endif /* KMSD_H */
