/*
 * mcx.h - the TS 33.180 Annex D resources of the KMS interface
 * (/keymanagement/identity/v1/...), as a route table for net/.
 *
 * main.c hands mcx_routes to net_start() with net_conf.arg set to the
 * process context (struct kmsd *) and net_conf.error_body set to
 * mcx_error_body, so every answer of the KMS interface, success or error,
 * carries a KmsResponse body (docs/api.md).
 *
 * This release implements KMS Initialize (public, no token), KMS
 * KeyProvision (keyprov, keyprov/<URI>, keyprov/<URI>/<NTP time>), KMS
 * CertCache (certcache, certcache/<N>) and KMS Cert (cert/<CertUri>);
 * the last three need an IdMS access token (firmware/auth) and every
 * refusal and every released key set is audited in the store.  lookup and
 * redirect are routed and answered 501 with a KmsError, so a client learns
 * precisely that the function is missing rather than getting a 404.
 * docs/api.md has every status and KmsError.
 *
 * Threads: handlers run on net/ worker threads, several at once; they only
 * read struct kmsd and keep no state of their own (the store and the HSM
 * are thread safe).  Responses to unauthenticated requests name the user
 * MCX_ANON_USER_URI; the others the token's subject.
 */
#ifndef MCX_H
#define MCX_H

#include <stddef.h>

#include "net.h"

struct kmsd;

/* The resource tree root (spec/mcx-kms.md 1.2). */
#define MCX_ROOT		"/keymanagement/identity/v1"

/* Content-Type of every KmsResponse body. */
#define MCX_CONTENT_TYPE	"application/xml; charset=UTF-8"

/*
 * UserUri of responses to unauthenticated requests: the anonymous SIP URI
 * of RFC 3261/3323, a valid absolute URI that no real user can hold.
 */
#define MCX_ANON_USER_URI	"sip:anonymous@anonymous.invalid"

/* Scheme used in ClientReqUrl: https:// when [tls] cert is set. */
#define MCX_SCHEME_HTTP		"http://"
#define MCX_SCHEME_HTTPS	"https://"

/*
 * The ErrorMsg of the two resources answered 501 (spec/mcx-kms.md 1.2,
 * 3.10, 10: the request path and KmsLookup content of KMS Discovery
 * Lookup, the KRR schema and what a KMS does with uploaded KRRs are not
 * in the specification text available).
 */
#define MCX_MSG_LOOKUP		"KMS Discovery Lookup not supported: " \
	"its request path and KmsLookup content are not specified"
#define MCX_MSG_REDIRECT	"KMS Redirect Upload not supported: " \
	"the KRR schema and the KMS's use of KRRs are not specified"

/* Limits. */
#define MCX_HOST_MAX		255	/* Host header used in ClientReqUrl */
#define MCX_URL_MAX		4096	/* ClientReqUrl, bytes incl. NUL */

/*
 * The route table: POST only.
 *   MCX_ROOT "/init"         KMS Initialize: 200 + KmsResponse/KmsInit
 *   MCX_ROOT "/keyprov"[/<URI>[/<time>]]  KmsKeyProv (token required)
 *   MCX_ROOT "/certcache"[/<N>]           KmsCertCache (token required)
 *   MCX_ROOT "/cert/<CertUri>"            KmsCertCache, one certificate
 *   MCX_ROOT "/lookup"[/..], "/redirect"  not implemented: 501 + KmsError
 * The handlers' arg is the struct kmsd * of the process (not NULL); a NULL
 * arg makes a handler fail (net/ answers 500).
 */
extern const struct http_route	mcx_routes[];
extern const size_t		mcx_route_count;

/*
 * net_conf.error_body: give an error answer of net/ (res->status already
 * set, res->body empty) a KmsResponse body with KmsError, ErrorCode =
 * the HTTP status and a short fixed ErrorMsg (docs/api.md), and set
 * res->content_type.  Works for any status.  arg is the struct kmsd *;
 * with a NULL arg (or on an internal failure) the body is left empty.
 * Never copies request bytes into the body.
 */
void	 mcx_error_body(int status, struct http_response *res, void *arg);

/* The fixed ErrorMsg for an HTTP status (never NULL). */
const char *mcx_error_msg(int status);

/*
 * Boot: open the store (<data_dir>/kms.db, created and migrated on first
 * boot) into k->store and, when [auth] issuer is set, the access-token
 * checker into k->auth (NULL otherwise: the authenticated resources then
 * answer 503).  Returns 0, or -1 with a log line (kmsd stops).
 * mcx_close frees both; call it after net_stop.
 */
int	 mcx_open(struct kmsd *k, const char *data_dir);
void	 mcx_close(struct kmsd *k);

/*
 * The next key period's key sets derived ahead (precompute.c,
 * docs/identities.md "Precomputed key sets"): with [kms] precompute_lead
 * > 0, start the background thread (lowest priority) that, within that
 * many seconds of a period's end, derives and seals under the HSM the
 * next period's key set of every user and bound identity in the store
 * (at most [kms] precompute_max), for keyprov to serve.  Returns 0 (also
 * when off), or -1 with a log line (kmsd goes on without the cache).
 * mcx_precompute_stop joins the thread and wipes the cache; call it
 * after net_stop, before the HSM is closed.
 */
int	 mcx_precompute_start(struct kmsd *k);
void	 mcx_precompute_stop(void);

#endif /* MCX_H */
