/*
 * state.h - the appliance's state: one word that the console, the front
 * panel, the health endpoint and the audit trail all show.
 *
 *   unprovisioned  the token holds no KEK / master secrets / signing key
 *   locked         secrets not available: HSM not open, not logged in,
 *                  or not answering (the initial state while booting)
 *   operational    the power-on self-tests passed and the HSM answers:
 *                  the only state in which the KMS interface serves
 *   error          a power-on self-test failed; sticky until a restart
 *   zeroized       every secret was destroyed (operator or tamper);
 *                  sticky: serving needs a new provisioning and a restart
 *
 * Every change is logged, written to the audit trail (when a store is
 * attached) and passed to one notify function (the front panel).  The
 * KMS routes are gated here too: state_routes() wraps the application's
 * route table so that it answers 503 unless the state is operational, and
 * adds GET /health, which always answers (200 when operational, 503
 * otherwise, the state word as the body).
 *
 * Threads: every function may be called from any thread after
 * state_init (main thread, once).  The state is an atomic; changes are
 * serialised by a mutex so that audit records come in order.
 */
#ifndef STATE_H
#define STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net.h"

struct store;
struct kmsd;

enum kms_state {
	KMS_STATE_UNPROVISIONED = 1,
	KMS_STATE_LOCKED,
	KMS_STATE_OPERATIONAL,
	KMS_STATE_ERROR,
	KMS_STATE_ZEROIZED,
};

#define STATE_WHY_MAX		96	/* bytes of a reason in the audit */
#define STATE_HEALTH_PATH	"/health"
#define STATE_ROUTES_MAX	32	/* application routes state_routes
					   can wrap */

/* Called after every change, outside the state lock. */
typedef void	 state_notify_fn(enum kms_state from, enum kms_state to,
		    void *arg);

/*
 * Start in KMS_STATE_LOCKED.  store (may be NULL: log only) receives an
 * audit record per change; notify (may be NULL) is called after each.
 * Both must outlive the state (state_detach before closing the store).
 */
void		 state_init(struct store *store, state_notify_fn *notify,
		    void *arg);
void		 state_detach(void);

enum kms_state	 state_get(void);
bool		 state_is_operational(void);

/* The fixed word of a state ("operational", ...); "unknown" otherwise. */
const char	*state_word(enum kms_state st);

/*
 * Move to state to.  who: the operator (console) or "" for kmsd itself;
 * why: a short reason without secrets (truncated to STATE_WHY_MAX).
 * error and zeroized are sticky: leaving them is refused (-EPERM), except
 * error -> zeroized (a tamper or an operator may still zeroize).  Returns
 * 0 when the state changed, 1 when it already was to (nothing written),
 * -EPERM when refused, -EINVAL for an unknown state.
 */
int		 state_set(enum kms_state to, const char *who,
		    const char *why);

/*
 * One more audit record about the state (kind operator, subject
 * "console:WHO", or "kmsd" when who is ""):
 * tag becomes the request id (e.g. "zeroize:ok"), what the reason.  No
 * secrets.  Logged when no store is attached or the write fails.
 */
void		 state_audit(const char *who, const char *tag,
		    const char *what);

/*
 * Zeroize the appliance (state_zeroize.c): enter zeroized first (the KMS
 * interface stops serving at once), then hsm_zeroize (every object in
 * the token destroyed, logout, PIN and locked memory wiped), forget the
 * key ids in k, and write the audit record of the result.  who and why as
 * for state_set ("tamper" for the tamper line).  Returns 0 when the token
 * was zeroized completely, -EIO when the token could not be (no HSM open,
 * or objects left; the state is zeroized all the same).
 */
int		 state_zeroize(struct kmsd *k, const char *who,
		    const char *why);

/*
 * Build the route table for net_start: GET STATE_HEALTH_PATH first, then
 * app[0..n) each gated (answered 503 through error_body, with
 * Retry-After, unless the state is operational).  app and error_body
 * must outlive the server; out gets n + 1 entries.  Returns 0, or
 * -E2BIG when n > STATE_ROUTES_MAX or out_size < n + 1.
 */
int		 state_routes(const struct http_route *app, size_t n,
		    void (*error_body)(int status, struct http_response *res,
		    void *arg), struct http_route *out, size_t out_size,
		    size_t *out_n);

/*
 * The request-path probe (state_probe.c): GET STATE_HEALTH_PATH on
 * 127.0.0.1:port (through TLS when tls, without checking the
 * certificate).  0 when an HTTP status line arrived within timeout_ms,
 * whatever the status; -ETIMEDOUT or -errno otherwise.
 */
#define STATE_PROBE_TIMEOUT_MS	2000
int		 state_probe(uint16_t port, bool tls, unsigned timeout_ms);

#endif /* STATE_H */
