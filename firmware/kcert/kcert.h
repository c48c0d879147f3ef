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
 * generation; init returns the generation serving now; cert/<CertUri>
 * returns any generation (Role="Root").  The CertCache stays what it is
 * for, other KMSs' certificates.
 *
 * A new generation may only start at a key period no key set was ever
 * released for and none can be yet (keyprov's window ahead, the
 * precomputed period): kcert_earliest.  So the generation of a period
 * never changes once anything of it was released.
 *
 * Token labels: generation 1 is HSM_LABEL_SAKKE / HSM_LABEL_ECCSI;
 * generation n >= 2 is KCERT_LABEL_SAKKE "<n>" / KCERT_LABEL_ECCSI "<n>".
 * The store (kms_gens) keeps a generation's CertUri and validity; the
 * token its master secrets.
 *
 * Threads: kcert_load runs at boot before the appliance is operational;
 * kcert_rotate (the console or the panel) appends a generation and
 * kcert_forget (zeroize) removes them all, one at a time under one
 * mutex (kcert_lock); the look-ups run on any thread, lock-free.
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
	KCERT_ERR_NO_URI	= -10,	/* generation 1 has no CertUri */
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
 * point into k and g: both must outlive cert).  ValidFrom: [kms]
 * valid_from for generation 1, the time of the rotation for the others
 * (a client may fetch it before it serves); ValidTo: the one set for g,
 * cut to the second before the next generation starts.
 */
int		 kcert_info(const struct kmsd *k, const struct kmsd_gen *g,
		    struct kms_cert_info *cert);

/*
 * The earliest start of a new generation at time now: the start of the
 * first key period after the last keyprov may serve now ([kms]
 * keyprov_future periods ahead), after the next one (precomputed), after
 * the highest period the audit trail shows key sets released for (so a
 * window that was wider before still counts), and after the start of
 * the newest generation.  KCERT_ERR_TIME when the clock is before the
 * key period offset, KCERT_ERR_STORE when the trail cannot be read.
 */
enum kcert_status kcert_earliest(const struct kmsd *k, int64_t now,
		    int64_t *out);

/*
 * cert rotate: a new generation with cert_uri (conf_uri_ok, used by no
 * generation and no external certificate; generation 1 must have a
 * CertUri, else KCERT_ERR_NO_URI) whose keys serve the key periods from
 * serves_from, valid until valid_to.  serves_from must be a key period
 * start at or after kcert_earliest(now); valid_to > serves_from.  In
 * order: draws the master secrets in the token (sealed under the KEK),
 * computes and validates the public keys, checks the start against the
 * clock again (the token work takes time), publishes the generation and
 * records it in the store (a failed write unpublishes it: no period of
 * it could be asked for yet).  The clock is the board's.  On success
 * *out (may be NULL) is the new generation.  A failure after the token
 * objects were made leaves them unused (the next rotation skips their
 * number; zeroize destroys them).
 */
enum kcert_status kcert_rotate(struct kmsd *k, const char *cert_uri,
		    int64_t serves_from, int64_t valid_to,
		    const struct kmsd_gen **out);

/*
 * Forget every generation (zeroize, after the state left operational);
 * waits for a rotation under way.
 */
void		 kcert_forget(struct kmsd *k);

/*
 * Hold off rotations (and kcert_forget) while the caller reads the store
 * and the generations as one (backup create).
 */
void		 kcert_lock(void);
void		 kcert_unlock(void);

#endif /* KCERT_H */
