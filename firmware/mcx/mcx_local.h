/*
 * mcx_local.h - what the files of firmware/mcx share: the request context
 * of an authenticated resource, error answers, audit of refusals.
 */
#ifndef MCX_LOCAL_H
#define MCX_LOCAL_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "crypto.h"
#include "kcert.h"
#include "kmsd.h"
#include "mcx.h"
#include "store.h"
#include "xml.h"

#define MCX_REQID_LEN		32	/* request id text, incl. NUL */
#define MCX_RETRY_AFTER		"5"	/* seconds, with every 503 */

/* One request to an authenticated resource (keyprov, certcache, cert). */
struct mcx_req {
	const struct kmsd		*mr_kmsd;
	const struct http_request	*mr_http;
	struct http_response		*mr_res;
	int64_t				 mr_now;	/* Unix seconds */
	char				 mr_id[MCX_REQID_LEN];
	bool				 mr_authed;	/* mr_subj is valid */
	struct auth_subject		 mr_subj;
	char				 mr_url[MCX_URL_MAX]; /* ClientReqUrl */
};

/* mcx.c */
int64_t	 mcx_now(void);
int	 mcx_request_url(const struct kms_conf *, const struct http_request *,
	    char *, size_t);
void	 mcx_resp_meta(const struct kms_conf *, const char *user_uri,
	    const char *url, struct kms_resp_meta *);
int	 mcx_error_response(const struct kms_conf *,
	    const struct http_request *, const char *user_uri, int status,
	    const char *msg, struct http_response *);
/*
 * Start an authenticated request: fill r, check the request body (empty,
 * or a KmsRequest; the security-extension hook) and the bearer token.
 * Returns 0 when the request may go on, 1 when it has been answered
 * (a refusal, audited), -1 on an internal failure.
 */
int	 mcx_begin(struct mcx_req *r, const struct http_request *req,
	    struct http_response *res, void *arg);
/*
 * Refuse r: audit (kind REFUSED, with the subject when known, identity
 * and period_no, -1 when none), then answer status with KmsError(msg)
 * and, when not NULL, WWW-Authenticate: www (copied to thread-local
 * storage: net/ writes the response on this thread).  503 gets
 * Retry-After.  Returns 0 (answered: the handler returns 0) or -1.
 */
int	 mcx_refuse(struct mcx_req *r, int status, const char *msg,
	    const char *www, const char *identity, int64_t period_no);
/* Only the audit record of a refusal (nothing answered). */
void	 mcx_audit_refusal(const struct mcx_req *r, const char *reason,
	    const char *identity, int64_t period_no);
/*
 * Percent-decode one path segment (src up to src_len bytes) into out
 * (out_size bytes, NUL terminated).  Returns 0, or -1 when empty, on a
 * bad escape, an encoded NUL, text XML cannot carry, or no room.
 */
int	 mcx_pct_decode(const char *src, size_t src_len, char *out,
	    size_t out_size);

/*
 * secext.c: the security extension (docs/security-extension.md, "In the
 * handlers").  The keys of one user for one response; names live here.
 */
struct mcx_sec {
	bool			 ms_on;		/* the user has a TrK */
	bool			 ms_has_ink;
	char			 ms_user[STORE_URI_MAX + 1];
	char			 ms_trk_name[STORE_LABEL_MAX + 1];
	char			 ms_ink_name[STORE_LABEL_MAX + 1];
	struct xml_sec_key	 ms_trk;
	struct xml_sec_key	 ms_ink;
};
/*
 * The current TrK (and InK) of user into s: 0 (s->ms_on says whether the
 * user has a TrK), -1 the store failed, -2 the store names a key the
 * token does not hold (both: answer 503, never plaintext).
 */
int	 mcx_sec_keys(const struct kmsd *k, const char *user,
	    struct mcx_sec *s);
/*
 * Protect doc (root KmsResponse, keys already wrapped) for s->ms_on:
 * NewTransportKey / NewIntegrityKey when the rotation policy says so
 * (KmsInit and KmsKeyProv only), encryption when [security] encrypt,
 * the signature (InK, else TrK), written into out (reset first).  Frees
 * doc.  0, or -1 (answer 500).
 */
int	 mcx_sec_finish(const struct kmsd *k, const struct mcx_sec *s,
	    xmlDocPtr doc, int64_t now, struct buf *out);
/* mcx_sec_finish on a response already serialised into body. */
int	 mcx_sec_protect_body(const struct kmsd *k, const struct mcx_sec *s,
	    int64_t now, struct buf *body);
/*
 * Check r's SignedKmsRequest body (xml_verify_request, the user's keys
 * only) and that its UserUri is the token's identity.  0 verified; 1
 * refused and answered (400/401/403/413/503, audited); -1 internal.
 */
int	 mcx_sec_verify(struct mcx_req *r);

/*
 * precompute.c: the precomputed key set of uid for period (sealed in the
 * cache, opened by the HSM) into rsk, ssk, pvt: 0, or -1 on a miss (the
 * caller derives on demand; outputs untouched).
 */
int	 mcx_precompute_get(const struct kmsd *k, const uint8_t uid[UID_LEN],
	    uint64_t period, uint8_t *rsk, uint8_t *ssk, uint8_t *pvt);

/* keyprov.c, certcache.c: the handlers. */
http_handler_fn	 mcx_keyprov, mcx_certcache, mcx_cert;

#endif /* MCX_LOCAL_H */
