/*
 * kmsd.h - the process context of kmsd, shared by the firmware modules
 * (like httpd's struct httpd).  Built by main.c at boot; read-only while
 * the appliance is operational, so every worker thread may read it.  Two
 * writers run outside that state, while the state gate refuses requests:
 * the console's `hsm login` (locked -> operational: the HSM handle, key
 * ids, TLS context, set before the state changes), zeroize (the key
 * ids, after the state left operational; hsm_zeroize waits for
 * derivations under way) and `cert rotate`, which only appends a
 * certificate generation (struct kmsd_gen, published atomically).
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

#define KMSD_GENS_MAX	8	/* KMS certificate generations held */

/*
 * One generation of the KMS's own certificate (firmware/kcert): its
 * master secrets in the token and its public keys.  Generation 1 is the
 * provisioned one (HSM_LABEL_SAKKE / HSM_LABEL_ECCSI, [kms] cert_uri and
 * validity); each `cert rotate` adds the next.  Its keys serve the key
 * periods that start in [g_from, the next generation's g_from).
 * Written once, before it is published (kmsd.ngens).
 */
struct kmsd_gen {
	unsigned		 g_no;		/* 1, 2, ... */
	char			 g_cert_uri[CONF_STR_MAX];
	int64_t			 g_from;	/* gen 1: INT64_MIN */
	int64_t			 g_valid_from;	/* certificate ValidFrom */
	int64_t			 g_valid_to;	/* ... ValidTo as set */
	hsm_key_id		 g_sakke;	/* sealed z_S */
	hsm_key_id		 g_eccsi;	/* sealed KSAK */
	uint8_t			 g_pub_enc[SAKKE_POINT_LEN];	/* Z_S */
	uint8_t			 g_pub_auth[ECCSI_POINT_LEN];	/* KPAK */
};

struct kmsd {
	const struct kms_conf	*conf;
	struct hsm		*hsm;
	hsm_key_id		 key_sign;	/* KMS ECDSA signing key */
	/*
	 * The certificate generations, by g_from ascending: gens[0 ..
	 * ngens) are published (acquire/release).  `cert rotate` (the
	 * console, while operational) fills gens[ngens] and then publishes
	 * it; zeroize sets ngens to 0 after the state left operational.
	 */
	struct kmsd_gen		 gens[KMSD_GENS_MAX];
	_Atomic size_t		 ngens;
	struct ssl_ctx_st	*tls;		/* HTTPS, or NULL */
	_Atomic bool		 hsm_up;	/* the token answers; else 503 */
	struct store		*store;		/* kms.db (mcx_open) */
	struct auth		*auth;		/* [auth], or NULL: off */
};

#endif /* KMSD_H */
