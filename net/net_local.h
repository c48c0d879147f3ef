/*
 * net_local.h - private to net/.
 */
#ifndef NET_LOCAL_H
#define NET_LOCAL_H

#include <stdatomic.h>

#include <openssl/ssl.h>

#include "net.h"

/* The server's counters (http.c), read by net_stats(). */
struct net_counters {
	_Atomic uint64_t	 accepted;
	_Atomic uint64_t	 requests;
	_Atomic uint64_t	 rejected_busy;
	_Atomic uint64_t	 timeouts;
	_Atomic uint64_t	 bad_requests;
	_Atomic unsigned	 active;
};

extern struct net_counters net_ctr;

/* http.c: start the listener and the worker pool on lwIP sockets. */
int	 http_server_start(const struct net_conf *conf);
void	 http_server_stop(void);

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
