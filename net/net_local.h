/*
 * net_local.h - private to net/.
 */
#ifndef NET_LOCAL_H
#define NET_LOCAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <openssl/ssl.h>

#include "net.h"

/* A listener's connection counters (http.c), read by net_stats(). */
struct net_counters {
	_Atomic uint64_t	 accepted;
	_Atomic uint64_t	 requests;
	_Atomic uint64_t	 rejected_busy;
	_Atomic uint64_t	 timeouts;
	_Atomic uint64_t	 bad_requests;
	_Atomic unsigned	 active;
};

/*
 * Request metrics, one set per route of a listener plus one for requests
 * that matched no route (404, parser errors, busy 503s).  Statuses are
 * counted in the slots of http_status_codes[] (metrics.c); a status not in
 * that list goes to the last slot ("other").  Latency is counted in the
 * fixed buckets of http_latency_us[] (upper bounds, microseconds), from
 * the request's first byte to its answer written; the last bucket is
 * +Inf.
 */
#define HTTP_STATUS_SLOTS	24	/* http_status_codes[] + "other" */
#define HTTP_LATENCY_BUCKETS	14	/* http_latency_us[] + +Inf */

struct http_route_ctr {
	_Atomic uint64_t	 rc_status[HTTP_STATUS_SLOTS];
	_Atomic uint64_t	 rc_bucket[HTTP_LATENCY_BUCKETS];
	_Atomic uint64_t	 rc_sum_us;
};

extern const int	 http_status_codes[HTTP_STATUS_SLOTS - 1];
extern const uint64_t	 http_latency_us[HTTP_LATENCY_BUCKETS - 1];

/* One listener (http.c): socket, acceptor, worker pool, counters. */
struct http_server {
	struct net_conf		 conf;
	const char		*name;		/* "kms", "admin": metrics */
	int			 lfd;
	pthread_t		 acceptor;
	pthread_t		*workers;
	unsigned		 nworkers;
	_Atomic bool		 stop;

	pthread_mutex_t		 mtx;
	pthread_cond_t		 cv;
	int			*queue;		/* accepted fds for workers */
	unsigned		 qhead, qlen;
	unsigned		 idle;		/* workers waiting */
	unsigned		 started;	/* workers that were idle once */
	pthread_cond_t		 started_cv;	/* started == nworkers */

	struct net_counters	 ctr;
	struct http_route_ctr	*rctr;		/* route_count + 1 unmatched */
};

/* The listeners net_start made (net.c); NULL when not running. */
extern struct http_server *net_kms_srv;
extern struct http_server *net_admin_srv;
extern const char	*(*net_state_fn)(void *arg);
extern void		*net_state_arg;

/*
 * http.c: start a listener on conf->nic.guest_port with conf's routes and
 * pool; name labels its metrics.  Returns 0 and *out, or -errno.
 * http_server_signal tells its threads to stop without waiting (so several
 * servers stop in parallel); http_server_stop stops its threads, closes and
 * frees it.  Both accept NULL (no-op).
 */
int	 http_server_start(const struct net_conf *conf, const char *name,
	    struct http_server **out);
void	 http_server_signal(struct http_server *s);
void	 http_server_stop(struct http_server *s);

/* metrics.c: count one answered request (route -1: matched none). */
void	 http_metrics_record(struct http_server *s, int route, int status,
	    uint64_t elapsed_us);
uint64_t http_now_us(void);

/*
 * syslog.c: start the sender (a UDP socket on the appliance's stack and a
 * thread) and set it as the log sink; stop removes the sink, sends what
 * is queued and joins the thread.  nic_addr (host order) is the HOSTNAME.
 */
int	 net_syslog_start(const struct net_syslog_conf *conf,
	    uint32_t nic_addr);
void	 net_syslog_stop(void);

/*
 * tls.c: TLS over one lwIP socket.  The socket's SO_RCVTIMEO is set to
 * TLS_READ_SLICE_MS so that no call blocks longer than that.
 *   tls_conn_new    an SSL for fd with the lwIP BIO, or NULL
 *   tls_handshake   0, -ETIMEDOUT after deadline, -EPROTO
 *   tls_read        bytes read, 0 at close_notify, -EAGAIN (nothing yet),
 *                   -ECONNRESET
 *   tls_write_all   0, -ETIMEDOUT, -EPIPE
 *   tls_conn_free   sends close_notify if shutdown, frees; NULL is a no-op
 */
#define TLS_READ_SLICE_MS	250

SSL	*tls_conn_new(SSL_CTX *ctx, int fd);
int	 tls_handshake(SSL *ssl, uint64_t deadline);
int	 tls_read(SSL *ssl, void *data, size_t len);
int	 tls_write_all(SSL *ssl, const void *data, size_t len,
	    uint64_t deadline);
void	 tls_conn_free(SSL *ssl, bool shutdown);

#endif /* NET_LOCAL_H */
