/*
 * http.c - the HTTP/1.1 server on lwIP sockets (see net.h).
 *
 * Each listener (struct http_server: the KMS port, the admin port) has
 * one acceptor thread and a fixed pool of worker threads.  The acceptor
 * hands each new connection to an idle worker; when none is idle it
 * answers 503 itself and keeps the socket in its linger set until the
 * peer closes.  A worker reads with lwip_poll deadlines, feeds
 * libhttp-parser, checks the named limits in the parser callbacks,
 * dispatches the route table and writes the response.  After a final
 * response it waits for the peer to close (notes/platform.md: lwIP must
 * be the passive closer over slirp).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>

#include "lwip/sockets.h"

#include "net.h"
#include "net_local.h"

#define HTTP_RBUF_SIZE		16384	/* bytes read from the socket at once */
#define HTTP_POLL_SLICE_MS	250	/* how often blocked threads see stop */
#define HTTP_SEND_TIMEOUT_MS	10000	/* a client that does not read */
#define HTTP_LISTEN_BACKLOG	64
#define HTTP_HEAD_MAX		2048	/* response status line and headers */
#define HTTP_ALLOW_MAX		64	/* the Allow header of a 405 */
#define HTTP_RETRY_AFTER	"1"	/* seconds, on 503 */

/* One client connection, owned by one worker. */
struct conn {
	struct http_server	*c_srv;		/* the listener it came from */
	int			 c_fd;
	SSL			*c_ssl;		/* TLS, or NULL */
	char			 c_peer[48];
	uint8_t			 c_rbuf[HTTP_RBUF_SIZE];
	size_t			 c_rlen;	/* bytes in c_rbuf */
	size_t			 c_roff;	/* bytes already parsed */

	http_parser		 c_parser;
	char			*c_arena;	/* URL and headers, NUL separated */
	size_t			 c_arena_used;
	struct http_header	 c_hdr[NET_HEADER_COUNT_MAX];
	size_t			 c_nhdr;
	char			*c_url;
	bool			 c_in_value;	/* last header callback: value */
	bool			 c_started;	/* first byte of a request seen */
	bool			 c_complete;
	int			 c_error;	/* status to answer, or 0 */
	struct buf		 c_body;
	char			 c_allow[HTTP_ALLOW_MAX];
	uint64_t		 c_deadline;	/* monotonic ms */
	uint64_t		 c_begin_us;	/* first byte of the request */
	int			 c_route;	/* matched route, or -1 */
};


static uint64_t
now_ms(void)
{
	return board_get()->time_mono_ms();
}

/* see net.h */
const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* see net.h */
const char *
http_header_get(const struct http_request *req, const char *name)
{
	size_t	 i;

	for (i = 0; i < req->header_count; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

/* see net.h */
int
http_response_header(struct http_response *res, const char *name,
    const char *value)
{
	if (res->extra_count >= HTTP_EXTRA_HEADERS_MAX)
		return -E2BIG;
	res->extra[res->extra_count].name = name;
	res->extra[res->extra_count].value = value;
	res->extra_count++;
	return 0;
}

/*
 * Parser callbacks.  Each returns non-zero to stop the parser, with
 * c_error set to the status to answer.
 */
static int
arena_add(struct conn *c, const char *at, size_t len, bool terminate)
{
	size_t	 need = len + (terminate ? 1 : 0);

	if (need > c->c_srv->conf.header_bytes_max - c->c_arena_used) {
		c->c_error = 431;
		return -1;
	}
	memcpy(c->c_arena + c->c_arena_used, at, len);
	c->c_arena_used += len;
	if (terminate)
		c->c_arena[c->c_arena_used++] = '\0';
	return 0;
}

static int
on_message_begin(http_parser *p)
{
	struct conn	*c = p->data;

	c->c_started = true;
	c->c_begin_us = http_now_us();
	/* The whole request must arrive within the read timeout. */
	c->c_deadline = now_ms() + c->c_srv->conf.read_timeout_ms;
	return 0;
}

static int
on_url(http_parser *p, const char *at, size_t len)
{
	struct conn	*c = p->data;

	if (c->c_url == NULL)
		c->c_url = c->c_arena + c->c_arena_used;
	if ((size_t)(c->c_arena + c->c_arena_used - c->c_url) + len >
	    NET_URL_BYTES_MAX) {
		c->c_error = 414;
		return -1;
	}
	return arena_add(c, at, len, false);
}

static int
on_header_field(http_parser *p, const char *at, size_t len)
{
	struct conn	*c = p->data;

	if (c->c_nhdr == 0 || c->c_in_value) {
		/* A new field: end the previous string (URL or value). */
		if (c->c_nhdr >= c->c_srv->conf.header_count_max) {
			c->c_error = 431;
			return -1;
		}
		if (arena_add(c, "", 0, true) != 0)
			return -1;
		c->c_hdr[c->c_nhdr].name = c->c_arena + c->c_arena_used;
		c->c_hdr[c->c_nhdr].value = "";
		c->c_nhdr++;
		c->c_in_value = false;
	}
	return arena_add(c, at, len, false);
}

static int
on_header_value(http_parser *p, const char *at, size_t len)
{
	struct conn	*c = p->data;

	if (c->c_nhdr == 0)
		return -1;
	if (!c->c_in_value) {
		if (arena_add(c, "", 0, true) != 0)
			return -1;
		c->c_hdr[c->c_nhdr - 1].value = c->c_arena + c->c_arena_used;
		c->c_in_value = true;
	}
	return arena_add(c, at, len, false);
}

static int
on_headers_complete(http_parser *p)
{
	struct conn	*c = p->data;

	if (arena_add(c, "", 0, true) != 0)	/* end the last string */
		return -1;
	if (c->c_url == NULL) {
		c->c_error = 400;
		return -1;
	}
	if (p->http_major != 1) {
		c->c_error = 505;
		return -1;
	}
	if ((p->flags & F_CONTENTLENGTH) &&
	    p->content_length > c->c_srv->conf.body_bytes_max) {
		c->c_error = 413;
		return -1;
	}
	return 0;
}

static int
on_body(http_parser *p, const char *at, size_t len)
{
	struct conn	*c = p->data;

	if (buf_add(&c->c_body, at, len) != 0) {
		c->c_error = 413;
		return -1;
	}
	return 0;
}

static int
on_message_complete(http_parser *p)
{
	struct conn	*c = p->data;

	c->c_complete = true;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings parser_settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

static void
request_reset(struct conn *c)
{
	http_parser_init(&c->c_parser, HTTP_REQUEST);
	c->c_parser.data = c;
	c->c_arena_used = 0;
	c->c_nhdr = 0;
	c->c_url = NULL;
	c->c_in_value = false;
	c->c_started = false;
	c->c_complete = false;
	c->c_error = 0;
	c->c_route = -1;
	c->c_begin_us = http_now_us();
	buf_reset(&c->c_body);
}

static int
send_all(int fd, SSL *ssl, const void *data, size_t len)
{
	const uint8_t	*p = data;
	ssize_t		 n;

	if (ssl != NULL)
		return tls_write_all(ssl, data, len,
		    now_ms() + HTTP_SEND_TIMEOUT_MS);
	while (len > 0) {
		n = lwip_send(fd, p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write res on fd (through ssl if not NULL); close_after adds
 * "Connection: close". */
static int
response_write(int fd, SSL *ssl, const struct http_response *res,
    bool close_after)
{
	struct buf	 out;
	size_t		 i;
	int		 rc;

	buf_init(&out, HTTP_HEAD_MAX + res->body.b_len);
	rc = buf_printf(&out, "HTTP/1.1 %d %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "Connection: %s\r\n",
	    res->status, http_reason(res->status), res->body.b_len,
	    close_after ? "close" : "keep-alive");
	if (rc == 0 && res->content_type != NULL && res->body.b_len > 0)
		rc = buf_printf(&out, "Content-Type: %s\r\n",
		    res->content_type);
	for (i = 0; rc == 0 && i < res->extra_count; i++)
		rc = buf_printf(&out, "%s: %s\r\n", res->extra[i].name,
		    res->extra[i].value);
	if (rc == 0)
		rc = buf_add(&out, "\r\n", 2);
	if (rc == 0 && res->body.b_len > 0)
		rc = buf_add(&out, res->body.b_data, res->body.b_len);
	if (rc == 0)
		rc = send_all(fd, ssl, out.b_data, out.b_len);
	buf_free(&out);
	return rc;
}

/* An error answer from net/ itself: status, body by the application. */
static void
error_response(const struct http_server *s, struct http_response *res,
    int status)
{
	res->status = status;
	res->content_type = NULL;
	buf_reset(&res->body);
	res->extra_count = 0;
	if (s->conf.error_body != NULL)
		s->conf.error_body(status, res, s->conf.arg);
	res->status = status;
	if (status == 503)
		http_response_header(res, "Retry-After", HTTP_RETRY_AFTER);
}

static enum http_req_method
method_of(unsigned m)
{
	switch (m) {
	case HTTP_GET: return HTTP_M_GET;
	case HTTP_HEAD: return HTTP_M_HEAD;
	case HTTP_POST: return HTTP_M_POST;
	case HTTP_PUT: return HTTP_M_PUT;
	case HTTP_DELETE: return HTTP_M_DELETE;
	default: return HTTP_M_OTHER;
	}
}

static const char *
method_name(enum http_req_method m)
{
	switch (m) {
	case HTTP_M_GET: return "GET";
	case HTTP_M_HEAD: return "HEAD";
	case HTTP_M_POST: return "POST";
	case HTTP_M_PUT: return "PUT";
	case HTTP_M_DELETE: return "DELETE";
	default: return "OTHER";
	}
}

static bool
path_matches(const struct http_route *r, const char *path)
{
	size_t	 n = strlen(r->path);

	if (strcmp(path, r->path) == 0)
		return true;
	return r->prefix && strncmp(path, r->path, n) == 0 && path[n] == '/';
}

/* Route the complete request in c and fill res. */
static void
dispatch(struct conn *c, struct http_response *res)
{
	struct http_request	 req;
	const struct http_route	*r;
	char			*q;
	size_t			 i;
	bool			 path_seen = false;

	memset(&req, 0, sizeof(req));
	req.method = method_of(c->c_parser.method);
	req.method_name = http_method_str(c->c_parser.method);
	req.path = c->c_url;
	if ((q = strchr(c->c_url, '?')) != NULL) {
		*q = '\0';
		req.query = q + 1;
	}
	req.headers = c->c_hdr;
	req.header_count = c->c_nhdr;
	req.body = (const uint8_t *)c->c_body.b_data;
	req.body_len = c->c_body.b_len;
	memcpy(req.peer, c->c_peer, sizeof(req.peer));
	req.tls = c->c_ssl;

	if (c->c_srv->conf.ready != NULL &&
	    !c->c_srv->conf.ready(c->c_srv->conf.arg)) {
		error_response(c->c_srv, res, 503);
		return;
	}
	c->c_allow[0] = '\0';
	for (i = 0; i < c->c_srv->conf.route_count; i++) {
		r = &c->c_srv->conf.routes[i];
		if (!path_matches(r, req.path))
			continue;
		path_seen = true;
		if (r->method == req.method) {
			c->c_route = (int)i;
			res->status = 200;
			if (r->handler(&req, res, c->c_srv->conf.arg) != 0) {
				log_warnx("http: %s %s %s: handler failed",
				    c->c_peer, req.method_name, req.path);
				error_response(c->c_srv, res, 500);
			}
			return;
		}
		if (strstr(c->c_allow, method_name(r->method)) == NULL) {
			size_t	 len = strlen(c->c_allow);

			snprintf(c->c_allow + len, sizeof(c->c_allow) - len,
			    "%s%s", len ? ", " : "", method_name(r->method));
		}
	}
	error_response(c->c_srv, res, path_seen ? 405 : 404);
	if (path_seen)
		http_response_header(res, "Allow", c->c_allow);
}

/*
 * Wait for the peer to close (reading and dropping what it sends) for at
 * most NET_LINGER_TIMEOUT_MS, so that lwIP's end is the passive close.
 */
static void
linger_close(int fd)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	uint8_t		 sink[512];
	uint64_t	 end = now_ms() + NET_LINGER_TIMEOUT_MS;
	uint64_t	 t;
	ssize_t		 n;

	while ((t = now_ms()) < end) {
		if (lwip_poll(&pfd, 1, (int)(end - t)) <= 0)
			break;
		n = lwip_recv(fd, sink, sizeof(sink), 0);
		if (n <= 0)
			break;
	}
	lwip_close(fd);
}

/*
 * Read more bytes into c->c_rbuf before c->c_deadline.  Returns the count,
 * 0 at the peer's close, -ETIMEDOUT, or another -errno.
 */
static int
conn_read(struct conn *c)
{
	struct pollfd	 pfd = { .fd = c->c_fd, .events = POLLIN };
	uint64_t	 t;
	ssize_t		 n;
	int		 rc, slice;

	if (c->c_roff == c->c_rlen)
		c->c_roff = c->c_rlen = 0;
	if (c->c_rlen == sizeof(c->c_rbuf)) {
		memmove(c->c_rbuf, c->c_rbuf + c->c_roff,
		    c->c_rlen - c->c_roff);
		c->c_rlen -= c->c_roff;
		c->c_roff = 0;
	}
	for (;;) {
		if (atomic_load(&c->c_srv->stop))
			return -ECANCELED;
		if ((t = now_ms()) >= c->c_deadline)
			return -ETIMEDOUT;
		if (c->c_ssl == NULL || SSL_pending(c->c_ssl) == 0) {
			slice = (int)(c->c_deadline - t);
			if (slice > HTTP_POLL_SLICE_MS)
				slice = HTTP_POLL_SLICE_MS;
			rc = lwip_poll(&pfd, 1, slice);
			if (rc < 0 && errno != EINTR)
				return -errno;
			if (rc <= 0)
				continue;
		}
		if (c->c_ssl == NULL) {
			n = lwip_recv(c->c_fd, c->c_rbuf + c->c_rlen,
			    sizeof(c->c_rbuf) - c->c_rlen, 0);
			if (n < 0)
				return -errno;
		} else {
			n = tls_read(c->c_ssl, c->c_rbuf + c->c_rlen,
			    sizeof(c->c_rbuf) - c->c_rlen);
			if (n == -EAGAIN)
				continue;	/* a partial record */
			if (n < 0)
				return (int)n;
		}
		c->c_rlen += (size_t)n;
		return (int)n;
	}
}

static void
conn_peer(struct conn *c)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	char			 ip[INET_ADDRSTRLEN] = "?";

	memset(&sin, 0, sizeof(sin));
	if (lwip_getpeername(c->c_fd, (struct sockaddr *)&sin, &slen) == 0)
		inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip));
	snprintf(c->c_peer, sizeof(c->c_peer), "%s:%u", ip,
	    (unsigned)ntohs(sin.sin_port));
}

/* Serve one connection until it ends; closes c->c_fd. */
static void
conn_serve(struct conn *c)
{
	struct http_response	 res;
	enum http_errno		 perr;
	unsigned		 served = 0;
	size_t			 n;
	bool			 keep;
	int			 rc;

	memset(&res, 0, sizeof(res));
	buf_init(&res.body, NET_RESPONSE_BYTES_MAX);
	request_reset(c);
	c->c_deadline = now_ms() + c->c_srv->conf.idle_timeout_ms;

	for (;;) {
		if (c->c_roff == c->c_rlen) {
			rc = conn_read(c);
			if (rc == 0 || rc == -ECONNRESET || rc == -ECANCELED)
				goto done;	/* the peer closed: passive */
			if (rc == -ETIMEDOUT) {
				atomic_fetch_add(&c->c_srv->ctr.timeouts, 1);
				if (!c->c_started)
					goto done;	/* idle keep-alive */
				log_info("http: %s: request not complete in "
				    "%u ms", c->c_peer,
				    c->c_srv->conf.read_timeout_ms);
				error_response(c->c_srv, &res, 408);
				goto answer_close;
			}
			if (rc < 0)
				goto done;
			continue;
		}
		n = http_parser_execute(&c->c_parser, &parser_settings,
		    (const char *)c->c_rbuf + c->c_roff, c->c_rlen - c->c_roff);
		c->c_roff += n;
		perr = HTTP_PARSER_ERRNO(&c->c_parser);
		if (c->c_complete) {
			atomic_fetch_add(&c->c_srv->ctr.requests, 1);
			served++;
			keep = http_should_keep_alive(&c->c_parser) &&
			    served < NET_REQUESTS_PER_CONN &&
			    !atomic_load(&c->c_srv->stop);
			res.extra_count = 0;
			res.content_type = NULL;
			buf_reset(&res.body);
			dispatch(c, &res);
			rc = response_write(c->c_fd, c->c_ssl, &res, !keep);
			http_metrics_record(c->c_srv, c->c_route, res.status,
			    http_now_us() - c->c_begin_us);
			if (rc != 0)
				goto done;
			if (!keep)
				goto linger;
			request_reset(c);
			c->c_deadline = now_ms() +
			    c->c_srv->conf.idle_timeout_ms;
			continue;
		}
		if (perr != HPE_OK) {
			if (c->c_error == 0)
				c->c_error = perr == HPE_INVALID_VERSION ?
				    505 : 400;
			atomic_fetch_add(&c->c_srv->ctr.bad_requests, 1);
			log_info("http: %s: bad request (%d, %s)", c->c_peer,
			    c->c_error, http_errno_name(perr));
			error_response(c->c_srv, &res, c->c_error);
			goto answer_close;
		}
	}
 answer_close:
	rc = response_write(c->c_fd, c->c_ssl, &res, true);
	http_metrics_record(c->c_srv, -1, res.status,
	    http_now_us() - c->c_begin_us);
	if (rc != 0)
		goto done;
 linger:
	buf_free(&res.body);
	tls_conn_free(c->c_ssl, true);
	c->c_ssl = NULL;
	linger_close(c->c_fd);
	return;
 done:
	buf_free(&res.body);
	tls_conn_free(c->c_ssl, false);
	c->c_ssl = NULL;
	lwip_close(c->c_fd);
}

/* With TLS, make the SSL and complete the handshake; 0 or -1 (closed). */
static int
conn_tls_start(struct conn *c)
{
	int	 rc;

	c->c_ssl = NULL;
	if (c->c_srv->conf.tls == NULL)
		return 0;
	if ((c->c_ssl = tls_conn_new(c->c_srv->conf.tls, c->c_fd)) == NULL) {
		log_warnx("http: %s: cannot make a TLS session", c->c_peer);
		goto fail;
	}
	rc = tls_handshake(c->c_ssl, now_ms() + c->c_srv->conf.read_timeout_ms);
	if (rc == 0)
		return 0;
	atomic_fetch_add(&c->c_srv->ctr.bad_requests, 1);
	log_info("http: %s: TLS handshake %s", c->c_peer,
	    rc == -ETIMEDOUT ? "timed out" : "failed");
 fail:
	tls_conn_free(c->c_ssl, false);
	c->c_ssl = NULL;
	lwip_close(c->c_fd);
	return -1;
}

static void *
worker_main(void *arg)
{
	struct http_server	*s = arg;
	struct conn		*c;
	int			 fd;
	bool			 counted = false;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->c_arena = malloc(s->conf.header_bytes_max)) == NULL)
		fatalx("http: out of memory for a worker");
	buf_init(&c->c_body, s->conf.body_bytes_max);
	c->c_srv = s;
	c->c_fd = -1;

	for (;;) {
		pthread_mutex_lock(&s->mtx);
		/*
		 * A worker stops counting as active in the same critical
		 * section that makes it idle, so a reader that sees
		 * ns_active == 0 knows the acceptor will find it free.
		 */
		if (c->c_fd >= 0)
			atomic_fetch_sub(&s->ctr.active, 1);
		c->c_fd = -1;
		s->idle++;
		/* Idle for the first time: the server may start accepting. */
		if (!counted) {
			counted = true;
			if (++s->started == s->nworkers)
				pthread_cond_signal(&s->started_cv);
		}
		while (s->qlen == 0 && !atomic_load(&s->stop))
			pthread_cond_wait(&s->cv, &s->mtx);
		s->idle--;
		if (s->qlen == 0) {
			pthread_mutex_unlock(&s->mtx);
			break;
		}
		fd = s->queue[s->qhead];
		s->qhead = (s->qhead + 1) % s->nworkers;
		s->qlen--;
		pthread_mutex_unlock(&s->mtx);

		atomic_fetch_add(&s->ctr.active, 1);
		c->c_fd = fd;
		conn_peer(c);
		c->c_rlen = c->c_roff = 0;
		if (conn_tls_start(c) == 0)
			conn_serve(c);
	}
	buf_free(&c->c_body);
	free(c->c_arena);
	free(c);
	return NULL;
}

/* Busy: answer 503 from the acceptor and linger in its poll set. */
static int
reject_busy(struct http_server *s, int fd, const char *peer)
{
	struct http_response	 res;
	int			 rc;

	atomic_fetch_add(&s->ctr.rejected_busy, 1);
	log_info("http: %s: all %u connections busy, 503", peer,
	    s->nworkers);
	memset(&res, 0, sizeof(res));
	buf_init(&res.body, NET_RESPONSE_BYTES_MAX);
	error_response(s, &res, 503);
	rc = response_write(fd, NULL, &res, true);
	http_metrics_record(s, -1, 503, 0);
	buf_free(&res.body);
	return rc;
}

struct linger_slot {
	int		 fd;
	uint64_t	 until;
};

static void *
acceptor_main(void *arg)
{
	struct http_server	*s = arg;
	struct linger_slot	 lg[NET_CONNS_MAX];
	struct pollfd		 pfd[1 + NET_CONNS_MAX];
	struct sockaddr_in	 sin;
	socklen_t		 slen;
	char			 peer[48], ip[INET_ADDRSTRLEN];
	uint8_t			 sink[512];
	unsigned		 nlg = 0, i;
	int			 fd, one = 1, rc;
	struct timeval		 tv = { .tv_sec = HTTP_SEND_TIMEOUT_MS / 1000 };

	while (!atomic_load(&s->stop)) {
		pfd[0] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		for (i = 0; i < nlg; i++)
			pfd[1 + i] = (struct pollfd){ .fd = lg[i].fd,
			    .events = POLLIN };
		rc = lwip_poll(pfd, 1 + nlg, HTTP_POLL_SLICE_MS);
		if (rc < 0 && errno != EINTR) {
			log_warn("http: poll");
			continue;
		}
		/* Lingering rejected connections: close at EOF or timeout. */
		for (i = nlg; i-- > 0;) {
			bool	 gone = now_ms() >= lg[i].until;

			if (!gone && rc > 0 && pfd[1 + i].revents != 0)
				gone = lwip_recv(lg[i].fd, sink,
				    sizeof(sink), MSG_DONTWAIT) <= 0;
			if (gone) {
				lwip_close(lg[i].fd);
				lg[i] = lg[--nlg];
			}
		}
		if (rc <= 0 || (pfd[0].revents & POLLIN) == 0)
			continue;

		slen = sizeof(sin);
		if ((fd = lwip_accept(s->lfd, (struct sockaddr *)&sin,
		    &slen)) < 0) {
			if (errno != EWOULDBLOCK && errno != EAGAIN)
				log_warn("http: accept");
			continue;
		}
		atomic_fetch_add(&s->ctr.accepted, 1);
		inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip));
		snprintf(peer, sizeof(peer), "%s:%u", ip,
		    (unsigned)ntohs(sin.sin_port));
		lwip_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		lwip_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

		pthread_mutex_lock(&s->mtx);
		if (s->idle > s->qlen) {
			s->queue[(s->qhead + s->qlen) % s->nworkers] = fd;
			s->qlen++;
			pthread_cond_signal(&s->cv);
			fd = -1;
		}
		pthread_mutex_unlock(&s->mtx);
		if (fd < 0)
			continue;
		/*
		 * Busy.  Over TLS a 503 would need a handshake here, which
		 * would stall the acceptor: close instead (documented).
		 */
		if (s->conf.tls != NULL) {
			atomic_fetch_add(&s->ctr.rejected_busy, 1);
			log_info("http: %s: all %u connections busy, closed",
			    peer, s->nworkers);
			lwip_close(fd);
			continue;
		}
		if (reject_busy(s, fd, peer) != 0 || nlg == NET_CONNS_MAX) {
			lwip_close(fd);
			continue;
		}
		lg[nlg].fd = fd;
		lg[nlg].until = now_ms() + NET_LINGER_TIMEOUT_MS;
		nlg++;
	}
	for (i = 0; i < nlg; i++)
		lwip_close(lg[i].fd);
	return NULL;
}

/* see net_local.h */
int
http_server_start(const struct net_conf *conf, const char *name,
    struct http_server **out)
{
	struct http_server	*s;
	struct sockaddr_in	 sin;
	unsigned		 i;
	int			 one = 1, rc = -ENOMEM;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->lfd = -1;
	s->name = name;
	s->conf = *conf;
	pthread_mutex_init(&s->mtx, NULL);
	pthread_cond_init(&s->cv, NULL);
	pthread_cond_init(&s->started_cv, NULL);
	if (s->conf.conns == 0)
		s->conf.conns = NET_CONNS_DEFAULT;
	if (s->conf.conns > NET_CONNS_MAX) {
		rc = -EINVAL;
		goto fail;
	}
	if (s->conf.header_bytes_max == 0)
		s->conf.header_bytes_max = NET_HEADER_BYTES_MAX;
	if (s->conf.header_count_max == 0 ||
	    s->conf.header_count_max > NET_HEADER_COUNT_MAX)
		s->conf.header_count_max = NET_HEADER_COUNT_MAX;
	if (s->conf.body_bytes_max == 0)
		s->conf.body_bytes_max = NET_BODY_BYTES_MAX;
	if (s->conf.read_timeout_ms == 0)
		s->conf.read_timeout_ms = NET_READ_TIMEOUT_MS;
	if (s->conf.idle_timeout_ms == 0)
		s->conf.idle_timeout_ms = NET_IDLE_TIMEOUT_MS;
	if ((s->rctr = calloc(s->conf.route_count + 1,
	    sizeof(*s->rctr))) == NULL)
		goto fail;

	if ((s->lfd = lwip_socket(AF_INET, SOCK_STREAM, 0)) < 0) {
		rc = -errno;
		goto fail;
	}
	lwip_setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(conf->nic.guest_port);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (lwip_bind(s->lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    lwip_listen(s->lfd, HTTP_LISTEN_BACKLOG) != 0) {
		rc = -errno;
		goto fail;
	}

	s->nworkers = s->conf.conns;
	s->queue = calloc(s->nworkers, sizeof(*s->queue));
	s->workers = calloc(s->nworkers, sizeof(*s->workers));
	if (s->queue == NULL || s->workers == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	atomic_store(&s->stop, false);
	for (i = 0; i < s->nworkers; i++) {
		if ((rc = pthread_create(&s->workers[i], NULL, worker_main,
		    s)) != 0)
			fatalx("http: cannot start worker %u: %s", i,
			    strerror(rc));
	}
	/*
	 * Accept only once every worker can take a connection: before its
	 * first wait a worker is not counted idle, and the acceptor would
	 * answer the first clients 503.
	 */
	pthread_mutex_lock(&s->mtx);
	while (s->started < s->nworkers)
		pthread_cond_wait(&s->started_cv, &s->mtx);
	pthread_mutex_unlock(&s->mtx);
	if ((rc = pthread_create(&s->acceptor, NULL, acceptor_main,
	    s)) != 0)
		fatalx("http: cannot start acceptor: %s", strerror(rc));
	*out = s;
	return 0;
 fail:
	free(s->queue);
	free(s->workers);
	free(s->rctr);
	if (s->lfd >= 0)
		lwip_close(s->lfd);
	pthread_mutex_destroy(&s->mtx);
	pthread_cond_destroy(&s->cv);
	pthread_cond_destroy(&s->started_cv);
	free(s);
	return rc;
}

/* see net_local.h */
void
http_server_signal(struct http_server *s)
{
	if (s == NULL)
		return;
	atomic_store(&s->stop, true);
	pthread_mutex_lock(&s->mtx);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mtx);
}

/* see net_local.h */
void
http_server_stop(struct http_server *s)
{
	unsigned	 i;

	if (s == NULL)
		return;
	http_server_signal(s);
	pthread_join(s->acceptor, NULL);
	for (i = 0; i < s->nworkers; i++)
		pthread_join(s->workers[i], NULL);
	while (s->qlen > 0) {
		lwip_close(s->queue[s->qhead]);
		s->qhead = (s->qhead + 1) % s->nworkers;
		s->qlen--;
	}
	lwip_close(s->lfd);
	free(s->queue);
	free(s->workers);
	free(s->rctr);
	pthread_mutex_destroy(&s->mtx);
	pthread_cond_destroy(&s->cv);
	pthread_cond_destroy(&s->started_cv);
	free(s);
}
