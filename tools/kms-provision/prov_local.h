/*
 * prov_local.h - private to tools/kms-provision.
 */
#ifndef PROV_LOCAL_H
#define PROV_LOCAL_H

#include <stdbool.h>

#include "hsm.h"

#define PROV_LABEL_TLS		"kms.tls"	/* kmsd's [tls] key_label */
#define PROV_LABEL_TLS_CA	"kms.tls-ca"

struct tls_opts {
	const char	*t_out;		/* directory for ca.pem and tls.pem */
	const char	*t_cn;		/* server certificate subject CN */
	const char	*t_sans;	/* subjectAltName, OpenSSL syntax */
	const char	*t_ca_name;	/* CA subject CN */
	int		 t_days;	/* validity */
};

/*
 * tls-key: make the TLS and TLS CA key pairs in the token if missing, and
 * issue the CA and server certificates into t->t_out.  0 or 1 (message on
 * stderr).
 */
int	 prov_tls_key(struct hsm *h, const struct tls_opts *t);

#endif /* PROV_LOCAL_H */
