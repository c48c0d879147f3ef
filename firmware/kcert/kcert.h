/*
 * kcert.h - the generations of the KMS's own certificate (docs/rotation.md).
 *
 * The KMS certificate (TS 33.180 D.3.2) carries the public keys Z_S and
 * KPAK of the master secrets z_S and KSAK.  Rotating them means a new
 * certificate, with a new CertUri, while clients still hold key sets of
 * the old one.  So the appliance keeps several generations (struct
 * kmsd_gen in kmsd.h) and each key period belongs to exactly one: the
 * generation with the latest start (g_from, a key period start) at or
 * before the period's start.  A key set carries the CertUri of its
 * generation; init returns the generation serving now; the CertCache
 * and cert/<CertUri> carry the other generations (Role="Root").
 *
 * A new generation may only start at a key period no client can have
 * fetched keys for and the precompute thread has not derived yet:
 * kcert_earliest.  So the generation of a period never changes once
 * anything of it was released.
 *
 * Token labels: generation 1 is HSM_LABEL_SAKKE / HSM_LABEL_ECCSI;
 * generation n >= 2 is KCERT_LABEL_SAKKE "<n>" / KCERT_LABEL_ECCSI "<n>".
 * The store (kms_gens) keeps a generation's CertUri and validity; the
 * token its master secrets.
 *
 * Threads: kcert_load runs at boot or `hsm login` before the appliance
 * is operational; kcert_rotate runs on the console, one at a time, and
 * only appends; the look-ups run on any thread.
 */
#ifndef KCERT_H
#define KCERT_H

#include <stddef.h>
#include <stdint.h>

#include "kmsd.h"
#include "xml.h"

#define KCERT_LABEL_SAKKE	HSM_LABEL_SAKKE "."	/* + generation */
#define KCERT_LABEL_ECCSI	HSM_LABEL_ECCSI "."

/* Status codes.  Start a status variable at KCERT_ERR_GENERAL. */
enum kcert_status {
	KCERT_OK		= 0,
	KCERT_ERR_GENERAL	= -1,
	KCERT_ERR_ARGS		= -2,	/* bad CertUri or times */
	KCERT_ERR_UNPROVISIONED	= -3,	/* generation 1 is not in the token */
	KCERT_ERR_HSM		= -4,	/* the token failed */
	KCERT_ERR_STORE		= -5,	/* the store failed */
	KCERT_ERR_KEYS		= -6,	/* a generation's keys are missing or
					   its public keys do not validate */
	KCERT_ERR_EXISTS	= -7,	/* the CertUri is in use */
	KCERT_ERR_LIMIT		= -8,	/* KMSD_GENS_MAX generations */
	KCERT_ERR_TIME		= -9,	/* not a key period start, too early,
					   or the validity is empty */
};

const char	*kcert_strerror(int status);

/*
 * Find every generation's master secrets in the token (k->hsm open, the
 * store k->store open), compute and validate its public keys, and
 * publish them in k->gens.  Generation 1 from [kms] and the fixed
 * labels, the later ones from the store.  On failure nothing is
 * published (k->ngens 0) and why (size bytes) says what, for the log and
 * the state line.  The HSM status of the failure goes to *hst (may be
 * NULL).
 */
enum kcert_status kcert_load(struct kmsd *k, enum hsm_status *hst,
		    char *why, size_t size);

/*
 * The generation whose keys serve the key period starting at t (Unix
 * seconds); the one in force at time t.  NULL when none is published.
 */
const struct kmsd_gen *kcert_for(const struct kmsd *k, int64_t t);

/* The generation with that CertUri (not ""), or NULL. */
const struct kmsd_gen *kcert_find(const struct kmsd *k, const char *cert_uri);

/* The published generations: how many, and the i-th (NULL past the end). */
size_t		 kcert_count(const struct kmsd *k);
const struct kmsd_gen *kcert_get(const struct kmsd *k, size_t i);

/*
 * The KmsCertificate of generation g as a Root certificate (its strings
 * point into k and g: both must outlive cert).  Its ValidTo is the one
 * set for g, cut to the second before the next generation starts.
 */
int		 kcert_info(const struct kmsd *k, const struct kmsd_gen *g,
		    struct kms_cert_info *cert);

/*
 * The earliest start of a new generation at time now: the start of the
 * first key period after both the last keyprov may serve ([kms]
 * keyprov_future periods ahead) and the next one (precomputed), and
 * after the start of the newest generation.  KCERT_ERR_TIME when the
 * clock is before the key period offset.
 */
enum kcert_status kcert_earliest(const struct kmsd *k, int64_t now,
		    int64_t *out);

/*
 * cert rotate: a new generation with cert_uri (non-empty, unused by any
 * generation) whose keys serve key periods from valid_from and whose
 * certificate is valid until valid_to.  valid_from must be a key period
 * start at or after kcert_earliest(now); valid_to > valid_from.  Draws
 * the master secrets in the token (sealed under the KEK), records the
 * generation in the store (which bumps the CertCache version), computes
 * and validates the public keys, then publishes.  Only one rotation runs
 * at a time.  On success *out (may be NULL) is the new generation.
 * A failure after the token objects were made leaves them unused (the
 * next rotation takes the next number; zeroize destroys them).
 */
enum kcert_status kcert_rotate(struct kmsd *k, const char *cert_uri,
		    int64_t valid_from, int64_t valid_to, int64_t now,
		    const struct kmsd_gen **out);

/* Forget every generation (zeroize; after the state left operational). */
void		 kcert_forget(struct kmsd *k);

#endif /* KCERT_H */
