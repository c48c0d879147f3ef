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

/* The backup key ceremony and the restore (ceremony.c). */
#define CEREMONY_COMP_MIN	2	/* key components (custodians) */
#define CEREMONY_COMP_MAX	9

struct ceremony_opts {
	const char	*co_out;	/* backup-key: component files go here */
	unsigned	 co_components;	/* backup-key: how many */
	const char	*co_comp[CEREMONY_COMP_MAX];	/* backup-key-import */
	size_t		 co_ncomp;
	const char	*co_in;		/* restore: the backup file */
	const char	*co_data;	/* restore: the new data directory */
};

/*
 * backup-key: draw co_components key components in the token, write one
 * file per custodian into co_out (component-<i>.txt, 0600), import their
 * XOR as the backup key and print "BackupKeyCheck <hex>".
 * backup-key-import: combine the components in co_comp[] (each checked
 * against its own check value and the key check) and import the key.
 * restore: open the backup file co_in with the token's backup key, seal
 * its master secrets into this token, write the store into co_data
 * (which must hold no kms.db), make the KMS signing key if missing and
 * record the restore in the audit trail.
 * Each returns 0 or 1 (message on stderr).
 */
int	 prov_backup_key(struct hsm *h, const struct ceremony_opts *co);
int	 prov_backup_key_import(struct hsm *h, const struct ceremony_opts *co);
int	 prov_restore(struct hsm *h, const struct ceremony_opts *co);

#endif /* PROV_LOCAL_H */
