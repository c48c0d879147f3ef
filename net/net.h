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
 * A second listener, the admin port, serves read-only management routes
 * (GET /metrics in the Prometheus text format, net_metrics) over plain
 * HTTP with its own small pool; it is never gated, so a scrape still
 * answers while the KMS interface says 503.  Log records can also go to
 * a syslog collector (RFC 5424 over UDP, RFC 5426) from the appliance's
 * own stack.
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

struct ssl_st;			/* OpenSSL's SSL */

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
	/* The TLS session (OpenSSL's SSL) of an HTTPS request, or NULL:
	 * handlers may read the verified client certificate and export
	 * keying material (RFC 8446 7.5) from it; nothing else. */
	struct ssl_st		*tls;
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

/* The admin listener (net_conf.admin). */
#define NET_ADMIN_CONNS		2	/* worker threads of the admin port */

struct net_admin_conf {
	uint16_t		 guest_port;	/* 0 = no admin listener */
	uint16_t		 host_port;	/* in: wanted (0 = any); out */
	/* The admin routes; NULL = GET /metrics (net_metrics_handler). */
	const struct http_route	*routes;
	size_t			 route_count;
	/* The appliance's state word for kms_state (may be NULL). */
	const char		*(*state)(void *arg);
};

/*
 * Syslog (net_conf.syslog): every log record from net_start on is sent as
 * one RFC 5424 message in one UDP datagram (RFC 5426) from the
 * appliance's stack to addr:port.  Facility daemon (3); severity from the
 * level (err 3, warn 4, info 6, debug 7); HOSTNAME the appliance's
 * address; APP-NAME kmsd; PROCID the process id; MSGID the record's
 * leading "word:" (boot, http, hsm ...) or "-".  Records wait in a
 * bounded queue (NET_SYSLOG_QUEUE); when it is full they are dropped and
 * counted, and the count is sent once there is room again.
 */
#define NET_SYSLOG_QUEUE	256	/* records waiting to be sent */
#define NET_SYSLOG_MSG_MAX	1400	/* bytes of one message (one frame) */
#define NET_SYSLOG_FACILITY	3	/* daemon */

struct net_syslog_conf {
	uint32_t		 addr;	/* collector IPv4 (host order), 0 off */
	uint16_t		 port;
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
	struct net_admin_conf	 admin;
	struct net_syslog_conf	 syslog;
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
 * Start lwIP, the NIC, the KMS server, the admin listener (when
 * conf->admin.guest_port is set) and the syslog sender (when
 * conf->syslog.addr is set).  conf->nic.host_port and
 * conf->admin.host_port are updated with the ports actually bound.
 * Returns 0 or -errno.  One net_start per process.
 */
int		 net_start(struct net_conf *conf);
void		 net_stop(void);
void		 net_stats(struct net_stats *out);

/*
 * The metrics of the running appliance in the Prometheus text exposition
 * format 0.0.4, appended to out: requests by listener, method, route and
 * status; a request latency histogram per route (fixed buckets); the
 * connection counters; HSM token operations and errors (hsm_stats); the
 * locked-memory use; the appliance state (net_admin_conf.state).
 * Returns 0 or -E2BIG (out's limit).  Any thread.
 */
int		 net_metrics(struct buf *out);
#define NET_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A route handler serving net_metrics (GET /metrics on the admin port). */
http_handler_fn	 net_metrics_handler;

/*
 * A TLS server context (TLS 1.2 and 1.3) for net_conf.tls: the
 * certificate chain from a PEM file and the private key as an EVP_PKEY,
 * which may live in an HSM (pkcs11 engine).  Returns 0 or -errno.
 */
int		 net_tls_ctx_new(const char *cert_chain_file,
		    struct evp_pkey_st *key, struct ssl_ctx_st **out);
void		 net_tls_ctx_free(struct ssl_ctx_st *ctx);
/*
 * Asks every TLS client for a certificate and verifies one that is sent
 * against the CA certificates in ca_file (PEM); a client with a
 * certificate that does not verify fails the handshake, a client without
 * one is served (handlers decide, http_request.tls).  0 or -errno.
 */
int		 net_tls_ctx_verify_clients(struct ssl_ctx_st *ctx,
		    const char *ca_file);

/*
 * Outbound connections (tls_client.c), all on the appliance's own lwIP
 * stack.  net_dial connects to the outside endpoint host:port (a name or
 * an address literal) wherever the board's NIC reaches it
 * (board_nic_outbound; a board whose NIC routes takes an IPv4 literal,
 * this lwIP has no resolver): a blocking lwIP socket in *fd, with
 * SO_SNDTIMEO timeout_ms; the connect itself waits at most timeout_ms.
 * Returns 0, -EINVAL, -EHOSTUNREACH, -ECONNREFUSED, -ETIMEDOUT, -errno.
 * net_close closes such a socket (-1 is a no-op).  Any thread; after
 * net_start.
 */
int		 net_dial(const char *host, uint16_t port,
		    unsigned timeout_ms, int *fd);
void		 net_close(int fd);

/*
 * A TLS client over net_dial.  net_tls_connect dials host:port and runs
 * the handshake with ctx (the caller's SSL_CTX: versions, CA, client
 * certificate and verify mode are its business); with peer_name the
 * server's certificate must name it (SSL_set1_host) and it is sent as
 * SNI.  Each step (connect, handshake, and then each read and write)
 * waits at most timeout_ms.  Returns 0 and *out, a net_dial error,
 * -EPROTO (alert, certificate refused), -ECONNRESET (closed during the
 * handshake: on the host board also an endpoint that is down),
 * -ETIMEDOUT, -ENOMEM.
 *   net_tls_client_ssl    the session (OpenSSL's SSL), for the caller's
 *                         checks and RFC 8446 7.5 exports; not for I/O
 *   net_tls_client_write  all of len: 0, -ETIMEDOUT, -EPIPE
 *   net_tls_client_read   bytes read (> 0), 0 at close_notify,
 *                         -ETIMEDOUT, -ECONNRESET
 *   net_tls_client_close  close_notify when the handshake was done,
 *                         closes, frees; NULL is a no-op
 * One thread per client.
 */
struct net_tls_client;

int		 net_tls_connect(struct ssl_ctx_st *ctx, const char *host,
		    uint16_t port, const char *peer_name, unsigned timeout_ms,
		    struct net_tls_client **out);
struct ssl_st	*net_tls_client_ssl(const struct net_tls_client *c);
int		 net_tls_client_write(struct net_tls_client *c,
		    const void *data, size_t len);
int		 net_tls_client_read(struct net_tls_client *c, void *data,
		    size_t size);
void		 net_tls_client_close(struct net_tls_client *c);

/* The reason phrase for an HTTP status ("Not Found"). */
const char	*http_reason(int status);

#endif /* NET_H */
