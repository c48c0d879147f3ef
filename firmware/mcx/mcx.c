/*
 * mcx.c - the Annex D resource handlers and error bodies (see mcx.h).
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "board.h"
#include "mcx_local.h"
#include "net.h"
#include "ticket.h"

static http_handler_fn	 mcx_init, mcx_unimplemented;
static void		 audit_refusal(struct store *, const struct mcx_req *,
			    const char *, const char *, int64_t, int64_t);

/* Request ids: "<boot time hex>-<sequence>", unique per appliance run. */
static int64_t			 mcx_boot_time;
static atomic_uint_fast64_t	 mcx_seq;

/* WWW-Authenticate of the answer being built on this worker thread. */
static _Thread_local char	 mcx_www[AUTH_WWW_MAX];

/* see mcx.h */
const struct http_route mcx_routes[] = {
	{ HTTP_M_POST,	MCX_ROOT "/init",	false,	mcx_init },
	{ HTTP_M_POST,	MCX_ROOT "/keyprov",	true,	mcx_keyprov },
	{ HTTP_M_POST,	MCX_ROOT "/certcache",	true,	mcx_certcache },
	{ HTTP_M_POST,	MCX_ROOT "/cert",	true,	mcx_cert },
	{ HTTP_M_POST,	MCX_ROOT "/lookup",	true,	mcx_unimplemented },
	{ HTTP_M_POST,	MCX_ROOT "/redirect",	false,	mcx_unimplemented },
	/* MIKEY-TICKET (TS 33.328 Annex A): ?requesttype=ticket... */
	{ HTTP_M_POST,	TKMS_PATH,		false,	ticket_http },
};

/* see mcx.h */
const size_t mcx_route_count = sizeof(mcx_routes) / sizeof(mcx_routes[0]);

/* ErrorMsg per HTTP status: fixed text, never request bytes. */
static const struct {
	int		 status;
	const char	*msg;
} mcx_errors[] = {
	{ 400, "malformed request" },
	{ 401, "authentication required" },
	{ 403, "request refused" },
	{ 404, "no such resource" },
	{ 405, "method not allowed: use POST" },
	{ 408, "request not received in time" },
	{ 411, "length required" },
	{ 413, "request body too large" },
	{ 414, "request target too long" },
	{ 415, "unsupported media type" },
	{ 431, "request header fields too large" },
	{ 500, "internal error" },
	{ 501, "not implemented in this release" },
	{ 503, "service unavailable: retry later" },
	{ 505, "HTTP version not supported: use HTTP/1.1" },
};

/* see mcx.h */
const char *
mcx_error_msg(int status)
{
	size_t	 i;

	for (i = 0; i < sizeof(mcx_errors) / sizeof(mcx_errors[0]); i++)
		if (mcx_errors[i].status == status)
			return mcx_errors[i].msg;
	return status >= 500 ? "server error" : "client error";
}

/* Wall-clock time from the board; the C library's before board_init. */
int64_t
mcx_now(void)
{
	const struct board	*bd = board_get();

	if (bd != NULL && bd->time_wall != NULL)
		return bd->time_wall();
	return (int64_t)time(NULL);
}

/* RFC 3986 host [":" port], IP literals and pct-encoding included. */
static bool
is_host(const char *s)
{
	size_t	 len;

	if (s == NULL)
		return false;
	len = strnlen(s, MCX_HOST_MAX + 1);
	if (len == 0 || len > MCX_HOST_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') ||
		    strchr("-._~!$&'()*+,;=:[]%", *s) != NULL))
			return false;
	return true;
}

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Write the scheme and authority of the KMS into out: from the request's
 * Host header when it is a well-formed host, else from kms_uri (used as
 * is when it has a scheme).  Returns the length, or -1 when out is short.
 */
static int
base_url(const struct kms_conf *conf, const struct http_request *req,
    char *out, size_t out_size)
{
	const char	*host = NULL;
	const char	*scheme = conf->tls_cert[0] != '\0' ?
	    MCX_SCHEME_HTTPS : MCX_SCHEME_HTTP;
	size_t		 len;
	int		 n;

	if (req != NULL)
		host = http_header_get(req, "Host");
	if (is_host(host))
		n = snprintf(out, out_size, "%s%s", scheme, host);
	else if (strstr(conf->kms_uri, "://") != NULL)
		n = snprintf(out, out_size, "%s", conf->kms_uri);
	else
		n = snprintf(out, out_size, "%s%s", scheme, conf->kms_uri);
	if (n < 0 || (size_t)n >= out_size)
		return -1;
	len = (size_t)n;
	while (len > 0 && out[len - 1] == '/')
		out[--len] = '\0';
	return (int)len;
}

/*
 * Append path to out (which holds len bytes) with every byte that is not
 * a path character of RFC 3986 percent-encoded.  Returns 0, or -1 when out
 * is short.
 */
static int
append_path(char *out, size_t out_size, size_t len, const char *path)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)path;
	unsigned char		 c;

	for (; *p != '\0'; p++) {
		c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ||
		    strchr("-._~!$&'()*+,;=:@/", c) != NULL ||
		    (c == '%' && is_hex((char)p[1]) && is_hex((char)p[2]))) {
			if (len + 1 >= out_size)
				return -1;
			out[len++] = (char)c;
		} else {
			if (len + 3 >= out_size)
				return -1;
			out[len++] = '%';
			out[len++] = hex[c >> 4];
			out[len++] = hex[c & 0x0f];
		}
	}
	out[len] = '\0';
	return 0;
}

/*
 * ClientReqUrl: the URL the client posted to, scheme + Host + path
 * (docs/api.md).  Without a request (error answers of net/), or when the
 * request's URL does not fit, the resource tree root is used instead.
 */
int
mcx_request_url(const struct kms_conf *conf, const struct http_request *req,
    char *out, size_t out_size)
{
	int	 n;

	n = base_url(conf, req, out, out_size);
	if (n < 0)
		return -1;
	if (req != NULL && req->path != NULL &&
	    append_path(out, out_size, (size_t)n, req->path) == 0)
		return 0;
	return append_path(out, out_size, (size_t)n, MCX_ROOT);
}

/* The envelope of a response of this KMS (user_uri NULL: anonymous). */
void
mcx_resp_meta(const struct kms_conf *conf, const char *user_uri,
    const char *url, struct kms_resp_meta *meta)
{
	memset(meta, 0, sizeof(*meta));
	meta->user_uri = user_uri != NULL ? user_uri : MCX_ANON_USER_URI;
	meta->kms_uri = conf->kms_uri;
	meta->kms_id = conf->kms_id;
	meta->time = mcx_now();
	meta->client_req_url = url;
}

/*
 * KmsResponse + KmsError for status into res (msg NULL: the fixed text of
 * the status); 0 or -1.
 */
int
mcx_error_response(const struct kms_conf *conf,
    const struct http_request *req, const char *user_uri, int status,
    const char *msg, struct http_response *res)
{
	struct kms_resp_meta	 meta;
	char			 url[MCX_URL_MAX];
	int			 rc;

	if (mcx_request_url(conf, req, url, sizeof(url)) != 0)
		return -1;
	mcx_resp_meta(conf, user_uri, url, &meta);
	buf_reset(&res->body);
	rc = xml_error_response(&meta, status, msg != NULL ? msg :
	    mcx_error_msg(status), &res->body);
	if (rc != XML_OK) {
		log_warnx("%s: KmsError for %d: xml error %d", __func__,
		    status, rc);
		buf_reset(&res->body);
		return -1;
	}
	res->status = status;
	res->content_type = MCX_CONTENT_TYPE;
	return 0;
}

/* POST .../init: the KMS's Root certificate (D.2, spec 3.2-3.4). */
static int
mcx_init(const struct http_request *req, struct http_response *res,
    void *arg)
{
	const struct kmsd	*kmsd = arg;
	const struct kmsd_gen	*gen;
	struct kms_cert_info	 cert;
	struct kms_resp_meta	 meta;
	struct auth_subject	 subj;
	struct auth_error	 err;
	struct mcx_sec		 sec;
	const char		*authz, *user = NULL;
	char			 url[MCX_URL_MAX];
	int			 status = -1, rc;

	if (kmsd == NULL || kmsd->conf == NULL) {
		log_warnx("%s: no process context", __func__);
		goto fail;
	}
	/* The certificate generation in force now (kcert.h). */
	gen = kcert_for(kmsd, mcx_now());
	if (gen == NULL)
		return mcx_error_response(kmsd->conf, req, NULL, 503,
		    "HSM unavailable", res);
	rc = kcert_info(kmsd, gen, &cert);
	if (rc != XML_OK) {
		log_warnx("%s: certificate: xml error %d", __func__, rc);
		goto fail;
	}
	if (mcx_request_url(kmsd->conf, req, url, sizeof(url)) != 0) {
		log_warnx("%s: ClientReqUrl does not fit", __func__);
		goto fail;
	}
	/*
	 * init is public.  With a valid access token the answer is for
	 * its user, and signed when the user has a TrK (security
	 * extension); without one, or with an invalid one, it is the
	 * anonymous unsigned answer (docs/api.md).
	 */
	memset(&sec, 0, sizeof(sec));
	authz = http_header_get(req, "Authorization");
	if (authz != NULL && kmsd->auth != NULL && kmsd->store != NULL) {
		memset(&err, 0, sizeof(err));
		if (auth_check_bearer(kmsd->auth, authz, mcx_now(), &subj,
		    &err) == AUTH_OK) {
			user = subj.as_uri;
			rc = mcx_sec_keys(kmsd, user, &sec);
			if (rc != 0)
				return mcx_error_response(kmsd->conf, req,
				    user, 503, rc == -1 ? "store unavailable" :
				    "transport key unavailable", res);
		}
	}
	mcx_resp_meta(kmsd->conf, user, url, &meta);
	rc = xml_init_response(&meta, &cert, &res->body);
	if (rc != XML_OK) {
		log_warnx("%s: KmsInit: xml error %d", __func__, rc);
		goto fail;
	}
	if (sec.ms_on && mcx_sec_protect_body(kmsd, &sec, meta.time,
	    &res->body) != 0) {
		buf_reset(&res->body);
		goto fail;
	}
	res->status = 200;
	res->content_type = MCX_CONTENT_TYPE;
	log_debug("%s: KmsInit to %s", __func__, req->peer);
	status = 0;
fail:
	return status;
}

/*
 * The resources this release routes but does not implement: 501 with a
 * KmsError that says which function and why (docs/api.md "KMS Discovery
 * Lookup and Redirect Upload").  Nothing of the request is read.
 */
static int
mcx_unimplemented(const struct http_request *req, struct http_response *res,
    void *arg)
{
	const struct kmsd	*kmsd = arg;
	const char		*msg;

	if (kmsd == NULL || kmsd->conf == NULL) {
		log_warnx("%s: no process context", __func__);
		return -1;
	}
	msg = strncmp(req->path, MCX_ROOT "/lookup", strlen(MCX_ROOT
	    "/lookup")) == 0 ? MCX_MSG_LOOKUP : MCX_MSG_REDIRECT;
	log_info("%s: %s: %s", __func__, req->peer, msg);
	return mcx_error_response(kmsd->conf, req, NULL, 501, msg, res);
}

/* see mcx.h */
void
mcx_error_body(int status, struct http_response *res, void *arg)
{
	const struct kmsd	*kmsd = arg;

	if (res == NULL || kmsd == NULL || kmsd->conf == NULL)
		return;
	/* On failure the body stays empty: the status alone still answers. */
	(void)mcx_error_response(kmsd->conf, NULL, NULL, status, NULL, res);
	/* A malformed or oversized request is audited (no subject known). */
	if (kmsd->store != NULL && (status == 400 || status == 413 ||
	    status == 414 || status == 431))
		audit_refusal(kmsd->store, NULL, mcx_error_msg(status), NULL,
		    -1, mcx_now());
}

/*
 * An audit record of a refusal; a failure to write it is logged (the
 * refusal is answered anyway: nothing is released).
 */
static void
audit_refusal(struct store *st, const struct mcx_req *r, const char *reason,
    const char *identity, int64_t period_no, int64_t now)
{
	struct store_audit	 a;
	int			 rc;

	memset(&a, 0, sizeof(a));
	a.sa_kind = STORE_AUDIT_REFUSED;
	a.sa_time = now;
	a.sa_period_no = period_no;
	if (r != NULL) {
		snprintf(a.sa_request_id, sizeof(a.sa_request_id), "%s",
		    r->mr_id);
		if (r->mr_authed) {
			snprintf(a.sa_subject, sizeof(a.sa_subject), "%s",
			    r->mr_subj.as_uri);
			snprintf(a.sa_token_id, sizeof(a.sa_token_id), "%s",
			    r->mr_subj.as_token_id);
		}
	}
	if (identity != NULL)
		snprintf(a.sa_identity, sizeof(a.sa_identity), "%s", identity);
	snprintf(a.sa_reason, sizeof(a.sa_reason), "%s",
	    reason != NULL ? reason : "refused");
	if ((rc = store_audit_add(st, &a)) != STORE_OK)
		log_warnx("%s: audit record not written: %s", __func__,
		    store_strerror(rc));
}

/* see mcx_local.h */
int
mcx_refuse(struct mcx_req *r, int status, const char *msg, const char *www,
    const char *identity, int64_t period_no)
{
	const struct kmsd	*k = r->mr_kmsd;

	if (msg == NULL)
		msg = mcx_error_msg(status);
	audit_refusal(k->store, r, msg, identity, period_no, r->mr_now);
	log_info("%s: %s: %d %s (request %s)", __func__, r->mr_http->peer,
	    status, msg, r->mr_id);
	if (mcx_error_response(k->conf, r->mr_http, r->mr_authed ?
	    r->mr_subj.as_uri : NULL, status, msg, r->mr_res) != 0)
		return -1;
	if (www != NULL && www[0] != '\0') {
		snprintf(mcx_www, sizeof(mcx_www), "%s", www);
		(void)http_response_header(r->mr_res, "WWW-Authenticate",
		    mcx_www);
	}
	if (status == 503)
		(void)http_response_header(r->mr_res, "Retry-After",
		    MCX_RETRY_AFTER);
	return 0;
}

/* see mcx_local.h */
void
mcx_audit_refusal(const struct mcx_req *r, const char *reason,
    const char *identity, int64_t period_no)
{
	audit_refusal(r->mr_kmsd->store, r, reason, identity, period_no,
	    r->mr_now);
}

/* see mcx_local.h */
int
mcx_begin(struct mcx_req *r, const struct http_request *req,
    struct http_response *res, void *arg)
{
	const struct kmsd	*k = arg;
	struct auth_error	 err;
	int			 rc, kind;

	memset(r, 0, sizeof(*r));
	if (k == NULL || k->conf == NULL || k->store == NULL || req == NULL) {
		log_warnx("%s: no process context", __func__);
		return -1;
	}
	r->mr_kmsd = k;
	r->mr_http = req;
	r->mr_res = res;
	r->mr_now = mcx_now();
	snprintf(r->mr_id, sizeof(r->mr_id), "%llx-%llu",
	    (unsigned long long)mcx_boot_time,
	    (unsigned long long)atomic_fetch_add(&mcx_seq, 1) + 1);
	if (mcx_request_url(k->conf, req, r->mr_url, sizeof(r->mr_url)) != 0)
		return -1;
	if (k->auth == NULL)
		return mcx_refuse(r, 503, "access tokens not configured",
		    NULL, NULL, -1) == 0 ? 1 : -1;

	/* Who is asking: the IdMS access token (RFC 6750). */
	memset(&err, 0, sizeof(err));
	rc = auth_check_bearer(k->auth, http_header_get(req, "Authorization"),
	    r->mr_now, &r->mr_subj, &err);
	if (rc != AUTH_OK)
		return mcx_refuse(r, err.ae_status, err.ae_reason,
		    err.ae_www, NULL, -1) == 0 ? 1 : -1;
	r->mr_authed = true;

	/*
	 * The body: empty, an unsigned KmsRequest (its content is not
	 * used) or a SignedKmsRequest, which must pass the five checks of
	 * seed 000 with a key of its UserUri, and that UserUri must be the
	 * token's identity (secext.c; docs/security-extension.md).
	 */
	kind = xml_request_kind(req->body, req->body_len);
	if (kind == XML_REQ_SIGNED)
		return mcx_sec_verify(r);
	if (kind != XML_REQ_EMPTY && kind != XML_REQ_PLAIN)
		return mcx_refuse(r, 400, "malformed request body", NULL,
		    NULL, -1) == 0 ? 1 : -1;
	return 0;
}

/* see mcx_local.h */
int
mcx_pct_decode(const char *src, size_t src_len, char *out, size_t out_size)
{
	size_t	 i, o = 0;
	int	 hi, lo;
	char	 c;

	for (i = 0; i < src_len; i++) {
		c = src[i];
		if (c == '%') {
			if (i + 2 >= src_len)
				return -1;
			hi = hexval(src[i + 1]);
			lo = hexval(src[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0' || o + 1 >= out_size)
			return -1;
		out[o++] = c;
	}
	if (o == 0)
		return -1;
	out[o] = '\0';
	return xml_is_text(out) ? 0 : -1;
}

/* see mcx.h */
int
mcx_open(struct kmsd *k, const char *data_dir)
{
	const struct kms_conf	*c;
	struct store_conf	 sc;
	struct auth_conf	 ac;
	size_t			 i;
	int			 rc;

	if (k == NULL || k->conf == NULL || data_dir == NULL)
		return -1;
	c = k->conf;
	mcx_boot_time = mcx_now();
	memset(&sc, 0, sizeof(sc));
	sc.sc_data_dir = data_dir;
	sc.sc_alarm_free_mb = c->store_alarm_mb;
	sc.sc_reserve_mb = c->store_reserve_mb;
	if ((rc = store_open(&sc, &k->store)) != STORE_OK) {
		log_warnx("boot: store %s/%s: %s", data_dir, STORE_DB_NAME,
		    store_strerror(rc));
		return -1;
	}
	if (c->auth_issuer[0] == '\0') {
		log_warnx("boot: no [auth] issuer: keyprov, certcache and cert "
		    "answer 503 until access tokens are configured");
		return 0;
	}
	memset(&ac, 0, sizeof(ac));
	ac.ac_issuer = c->auth_issuer;
	ac.ac_audience = c->auth_audience;
	ac.ac_scope = c->auth_scope;
	ac.ac_subject_claim = c->auth_claim;
	ac.ac_realm = c->auth_realm;
	for (i = 0; i < c->auth_key_count && i < AUTH_KEYS_MAX; i++)
		ac.ac_key_files[i] = c->auth_keys[i];
	ac.ac_hs256_secret_file = c->auth_hs256[0] != '\0' ? c->auth_hs256 :
	    NULL;
	ac.ac_leeway = c->auth_leeway;
	ac.ac_require_user = c->auth_require_user;
	if ((rc = auth_new(&ac, &k->auth)) != AUTH_OK) {
		log_warnx("boot: [auth]: %s", auth_strerror(rc));
		store_close(k->store);
		k->store = NULL;
		return -1;
	}
	log_info("boot: store open, access tokens from %s", c->auth_issuer);
	return 0;
}

/* see mcx.h */
void
mcx_close(struct kmsd *k)
{
	if (k == NULL)
		return;
	auth_free(k->auth);
	k->auth = NULL;
	store_close(k->store);
	k->store = NULL;
}
