/*
 * net.h - lwIP bring-up and the HTTP/1.1 server of the KMS interface.
 *
 * net_start() starts lwIP's tcpip thread, attaches the board's NIC as the
 * default netif and serves HTTP/1.1 on lwIP sockets (never the kernel's).
 * A fixed pool of worker threads serves one connection each; when all are
 * busy a new connection gets 503 with Retry-After.  Requests are parsed by
 * libhttp-parser under the named limits below; a request that breaks one is
 * answered (400, 413, 431, 505) and the server keeps serving.
 *
 * Handlers run on worker threads, several at once: they must be thread
 * safe.  A handler fills struct http_response and returns; net/ writes it.
 *
 * The server never closes a connection first unless the peer misbehaves:
 * after a final response it waits for the peer's close (or a timeout), so
 * lwIP's end is the passive close (notes/platform.md: slirp passes the
 * client's port through and lwIP's TIME_WAIT would otherwise wedge it).
 */
#ifndef NET_H
#define NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"

/* Limits (defaults; struct net_conf may lower or raise them). */
#define NET_HEADER_BYTES_MAX	8192	/* request line + headers */
#define NET_HEADER_COUNT_MAX	64	/* header fields per request */
#define NET_BODY_BYTES_MAX	65536	/* request body */
#define NET_URL_BYTES_MAX	2048	/* request target */
#define NET_RESPONSE_BYTES_MAX	(1024 * 1024)
#define NET_CONNS_DEFAULT	16	/* worker threads = connections */
#define NET_CONNS_MAX		256
#define NET_READ_TIMEOUT_MS	10000	/* a whole request must arrive in this */
#define NET_IDLE_TIMEOUT_MS	30000	/* keep-alive idle time */
#define NET_LINGER_TIMEOUT_MS	2000	/* wait for the peer's close */
#define NET_REQUESTS_PER_CONN	100000	/* keep-alive requests per connection */

enum http_req_method {
	HTTP_M_OTHER = 0,
	HTTP_M_GET,
	HTTP_M_HEAD,
	HTTP_M_POST,
	HTTP_M_PUT,
	HTTP_M_DELETE,
};

struct http_header {
	const char	*name;		/* as received, NUL terminated */
	const char	*value;
};

/* A parsed request: valid during the handler call only. */
struct http_request {
	enum http_req_method	 method;
	const char		*method_name;
	const char		*path;		/* decoded? no: raw, no query */
	const char		*query;		/* after '?', or NULL */
	const struct http_header *headers;
	size_t			 header_count;
	const uint8_t		*body;
	size_t			 body_len;
	char			 peer[48];	/* "a.b.c.d:port" */
};

/* Returns the value of header name (case-insensitive), or NULL. */
const char	*http_header_get(const struct http_request *req,
		    const char *name);

#define HTTP_EXTRA_HEADERS_MAX	4

/* What a handler answers.  body is initialised (empty) by net/. */
struct http_response {
	int		 status;
	const char	*content_type;	/* static string, or NULL */
	struct buf	 body;
	struct http_header extra[HTTP_EXTRA_HEADERS_MAX]; /* static strings */
	size_t		 extra_count;
};

/* Adds a header with static name and value; returns 0 or -E2BIG. */
int		 http_response_header(struct http_response *res,
		    const char *name, const char *value);

/*
 * A handler: fills res (status, content type, body) and returns 0.  A
 * non-zero return means "internal error": net/ answers 500 and logs it.
 */
typedef int	 http_handler_fn(const struct http_request *req,
		    struct http_response *res, void *arg);

/*
 * One entry of the route table.  path is matched exactly, or as a prefix
 * followed by '/' when prefix is true.  A path that matches an entry but
 * not its method gets 405 with an Allow header; no match gets 404; both
 * through the not_found/not_allowed handlers if given (for bodies).
 */
struct http_route {
	enum http_req_method	 method;
	const char		*path;
	bool			 prefix;
	http_handler_fn		*handler;
};

struct ssl_ctx_st;		/* OpenSSL's SSL_CTX */
struct evp_pkey_st;		/* OpenSSL's EVP_PKEY */

struct net_conf {
	struct board_nic_conf	 nic;
	struct ssl_ctx_st	*tls;		/* HTTPS when not NULL */
	unsigned		 conns;		/* 0 = NET_CONNS_DEFAULT */
	size_t			 header_bytes_max;	/* 0 = default */
	size_t			 header_count_max;
	size_t			 body_bytes_max;
	unsigned		 read_timeout_ms;
	unsigned		 idle_timeout_ms;
	const struct http_route	*routes;
	size_t			 route_count;
	/* Error answers (404, 405, 4xx from the parser) go through this, so
	 * the application can give them its own body.  May be NULL. */
	void			(*error_body)(int status,
				    struct http_response *res, void *arg);
	void			*arg;		/* passed to every handler */
	/*
	 * The appliance gate: when given and it returns false, every request
	 * is answered 503 with Retry-After (through error_body) instead of
	 * being routed, e.g. while the HSM is unavailable.  Called on worker
	 * threads; must be cheap.
	 */
	bool			(*ready)(void *arg);
};

/* Counters for status and tests; read with net_stats(). */
struct net_stats {
	uint64_t	 ns_accepted;
	uint64_t	 ns_requests;
	uint64_t	 ns_rejected_busy;	/* 503: pool full */
	uint64_t	 ns_timeouts;
	uint64_t	 ns_bad_requests;	/* 4xx from the parser */
	unsigned	 ns_active;
};

/*
 * Start lwIP, the NIC and the server.  conf->nic.host_port is updated with
 * the port actually bound.  Returns 0 or -errno.  One server per process.
 */
int		 net_start(struct net_conf *conf);
void		 net_stop(void);
void		 net_stats(struct net_stats *out);

/*
 * A TLS server context (TLS 1.2 and 1.3) for net_conf.tls: the
 * certificate chain from a PEM file and the private key as an EVP_PKEY,
 * which may live in an HSM (pkcs11 engine).  Returns 0 or -errno.
 */
int		 net_tls_ctx_new(const char *cert_chain_file,
		    struct evp_pkey_st *key, struct ssl_ctx_st **out);
void		 net_tls_ctx_free(struct ssl_ctx_st *ctx);

/* The reason phrase for an HTTP status ("Not Found"). */
const char	*http_reason(int status);

#endif /* NET_H */
