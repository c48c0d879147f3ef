/*
 * mcx.c - the Annex D resource handlers and error bodies (see mcx.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "board.h"
#include "kmsd.h"
#include "mcx.h"
#include "net.h"
#include "xml.h"

static http_handler_fn	 mcx_init, mcx_unimplemented;

/* see mcx.h */
const struct http_route mcx_routes[] = {
	{ HTTP_M_POST,	MCX_ROOT "/init",	false,	mcx_init },
	{ HTTP_M_POST,	MCX_ROOT "/keyprov",	true,	mcx_unimplemented },
	{ HTTP_M_POST,	MCX_ROOT "/certcache",	true,	mcx_unimplemented },
	{ HTTP_M_POST,	MCX_ROOT "/cert",	true,	mcx_unimplemented },
	{ HTTP_M_POST,	MCX_ROOT "/lookup",	true,	mcx_unimplemented },
	{ HTTP_M_POST,	MCX_ROOT "/redirect",	false,	mcx_unimplemented },
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
static int64_t
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
static int
request_url(const struct kms_conf *conf, const struct http_request *req,
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

/* The envelope of a response of this KMS. */
static void
resp_meta(const struct kms_conf *conf, const char *url,
    struct kms_resp_meta *meta)
{
	memset(meta, 0, sizeof(*meta));
	meta->user_uri = MCX_ANON_USER_URI;
	meta->kms_uri = conf->kms_uri;
	meta->kms_id = conf->kms_id;
	meta->time = mcx_now();
	meta->client_req_url = url;
}

/* KmsResponse + KmsError for status into res; 0 or -1. */
static int
error_response(const struct kms_conf *conf, const struct http_request *req,
    int status, struct http_response *res)
{
	struct kms_resp_meta	 meta;
	char			 url[MCX_URL_MAX];
	int			 rc;

	if (request_url(conf, req, url, sizeof(url)) != 0)
		return -1;
	resp_meta(conf, url, &meta);
	buf_reset(&res->body);
	rc = xml_error_response(&meta, status, mcx_error_msg(status),
	    &res->body);
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
	struct kms_cert_info	 cert;
	struct kms_resp_meta	 meta;
	char			 url[MCX_URL_MAX];
	int			 status = -1, rc;

	if (kmsd == NULL || kmsd->conf == NULL) {
		log_warnx("%s: no process context", __func__);
		goto fail;
	}
	rc = xml_cert_from_conf(kmsd->conf, kmsd->pub_enc_key,
	    kmsd->pub_auth_key, &cert);
	if (rc != XML_OK) {
		log_warnx("%s: certificate: xml error %d", __func__, rc);
		goto fail;
	}
	if (request_url(kmsd->conf, req, url, sizeof(url)) != 0) {
		log_warnx("%s: ClientReqUrl does not fit", __func__);
		goto fail;
	}
	resp_meta(kmsd->conf, url, &meta);
	rc = xml_init_response(&meta, &cert, &res->body);
	if (rc != XML_OK) {
		log_warnx("%s: KmsInit: xml error %d", __func__, rc);
		goto fail;
	}
	res->status = 200;
	res->content_type = MCX_CONTENT_TYPE;
	log_debug("%s: KmsInit to %s", __func__, req->peer);
	status = 0;
fail:
	return status;
}

/* The resources this release routes but does not implement: 501. */
static int
mcx_unimplemented(const struct http_request *req, struct http_response *res,
    void *arg)
{
	const struct kmsd	*kmsd = arg;

	if (kmsd == NULL || kmsd->conf == NULL) {
		log_warnx("%s: no process context", __func__);
		return -1;
	}
	return error_response(kmsd->conf, req, 501, res);
}

/* see mcx.h */
void
mcx_error_body(int status, struct http_response *res, void *arg)
{
	const struct kmsd	*kmsd = arg;

	if (res == NULL || kmsd == NULL || kmsd->conf == NULL)
		return;
	/* On failure the body stays empty: the status alone still answers. */
	(void)error_response(kmsd->conf, NULL, status, res);
}
