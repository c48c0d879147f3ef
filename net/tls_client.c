/*
 * tls_client.c - outbound connections from the appliance's own stack:
 * net_dial (TCP on an lwIP socket) and a TLS client over it through the
 * lwIP BIO of tls.c.  The firmware never touches the host's sockets; where
 * the connection leaves the NIC is the board's business
 * (board_nic_outbound: the host board relays it through slirp, a board
 * whose NIC routes sends it out as it is).
 *
 * Every step is bounded by the caller's timeout: the connect (non-blocking
 * connect and lwip_poll), the handshake and each read and write (the
 * socket's SO_RCVTIMEO slice of tls.c, SO_SNDTIMEO).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "lwip/def.h"
#include "lwip/inet.h"
#include "lwip/sockets.h"

#include "net.h"
#include "net_local.h"

struct net_tls_client {
	int		 tc_fd;
	SSL		*tc_ssl;
	unsigned	 tc_timeout_ms;
};

static uint64_t
now_ms(void)
{
	return board_get()->time_mono_ms();
}

/* The address lwIP connects to for host:port (see board_nic_outbound). */
static int
dial_addr(const char *host, uint16_t port, struct sockaddr_in *sin)
{
	uint32_t	 addr;
	uint16_t	 gport;
	int		 rc;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	rc = board_nic_outbound(host, port, &addr, &gport);
	if (rc == 0) {
		sin->sin_addr.s_addr = lwip_htonl(addr);
		sin->sin_port = lwip_htons(gport);
		return 0;
	}
	if (rc != -ENOTSUP)
		return rc;
	/* The NIC routes: an address literal (this lwIP has no DNS). */
	if (lwip_inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -EHOSTUNREACH;
	sin->sin_port = lwip_htons(port);
	return 0;
}

/* see net.h */
int
net_dial(const char *host, uint16_t port, unsigned timeout_ms, int *out)
{
	struct sockaddr_in	 sin, loc;
	struct pollfd		 pfd;
	struct timeval		 tv;
	socklen_t		 sl;
	char			 la[16], ra[16];
	int			 fd = -1, err = 0, rc;

	*out = -1;
	if (host == NULL || port == 0 || timeout_ms == 0)
		return -EINVAL;
	if ((rc = dial_addr(host, port, &sin)) != 0)
		goto fail;
	if ((fd = lwip_socket(AF_INET, SOCK_STREAM, 0)) < 0) {
		rc = -ENOMEM;
		goto fail;
	}
	/* Non-blocking connect, bounded by lwip_poll. */
	if (lwip_fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
		rc = -EIO;
		goto fail;
	}
	if (lwip_connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		if (errno != EINPROGRESS) {
			rc = -errno;
			goto fail;
		}
		pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
		if ((rc = lwip_poll(&pfd, 1, timeout_ms > INT32_MAX ?
		    INT32_MAX : (int)timeout_ms)) == 0) {
			rc = -ETIMEDOUT;
			goto fail;
		}
		sl = sizeof(err);
		if (rc < 0 || lwip_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
		    &sl) != 0 || err != 0 || !(pfd.revents & POLLOUT)) {
			rc = err != 0 ? -err : -ECONNREFUSED;
			goto fail;
		}
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (long)(timeout_ms % 1000) * 1000;
	if (lwip_fcntl(fd, F_SETFL, 0) != 0 ||
	    lwip_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) !=
	    0) {
		rc = -EIO;
		goto fail;
	}
	sl = sizeof(loc);
	memset(&loc, 0, sizeof(loc));
	(void)lwip_getsockname(fd, (struct sockaddr *)&loc, &sl);
	if (lwip_inet_ntop(AF_INET, &loc.sin_addr, la, sizeof(la)) == NULL ||
	    lwip_inet_ntop(AF_INET, &sin.sin_addr, ra, sizeof(ra)) == NULL)
		la[0] = ra[0] = '\0';
	log_info("net: outbound %s:%u connected on lwIP %s:%u -> %s:%u", host,
	    (unsigned)port, la, (unsigned)lwip_ntohs(loc.sin_port), ra,
	    (unsigned)lwip_ntohs(sin.sin_port));
	*out = fd;
	return 0;
 fail:
	if (fd >= 0)
		lwip_close(fd);
	return rc;
}

/* see net.h */
void
net_close(int fd)
{
	if (fd >= 0)
		lwip_close(fd);
}

/* see net.h */
int
net_tls_connect(struct ssl_ctx_st *ctx, const char *host, uint16_t port,
    const char *peer_name, unsigned timeout_ms, struct net_tls_client **out)
{
	struct net_tls_client	*c;
	uint64_t		 deadline;
	long			 vr;
	int			 rc, n, err;

	*out = NULL;
	if (ctx == NULL || host == NULL || timeout_ms == 0)
		return -EINVAL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	c->tc_fd = -1;
	c->tc_timeout_ms = timeout_ms;
	deadline = now_ms() + timeout_ms;
	if ((rc = net_dial(host, port, timeout_ms, &c->tc_fd)) != 0)
		goto fail;
	rc = -ENOMEM;
	if ((c->tc_ssl = tls_conn_new(ctx, c->tc_fd)) == NULL)
		goto fail;
	if (peer_name != NULL && (SSL_set1_host(c->tc_ssl, peer_name) != 1 ||
	    SSL_set_tlsext_host_name(c->tc_ssl, peer_name) != 1))
		goto fail;
	for (;;) {
		if ((n = SSL_connect(c->tc_ssl)) == 1)
			break;
		err = SSL_get_error(c->tc_ssl, n);
		if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
			vr = SSL_get_verify_result(c->tc_ssl);
			/* An alert or a failed check, or the peer went away
			 * (on the host board: the relay found nobody). */
			rc = err == SSL_ERROR_SSL ? -EPROTO : -ECONNRESET;
			log_warnx("net: TLS to %s:%u: %s%s", host,
			    (unsigned)port, rc == -EPROTO ? "handshake "
			    "failed: " : "connection closed during the "
			    "handshake", rc == -EPROTO ?
			    X509_verify_cert_error_string(vr) : "");
			goto fail;
		}
		if (now_ms() >= deadline) {
			rc = -ETIMEDOUT;
			log_warnx("net: TLS to %s:%u: handshake timed out",
			    host, (unsigned)port);
			goto fail;
		}
	}
	ERR_clear_error();
	*out = c;
	return 0;
 fail:
	ERR_clear_error();
	net_tls_client_close(c);
	return rc;
}

/* see net.h */
struct ssl_st *
net_tls_client_ssl(const struct net_tls_client *c)
{
	return c != NULL ? c->tc_ssl : NULL;
}

/* see net.h */
int
net_tls_client_write(struct net_tls_client *c, const void *data, size_t len)
{
	if (c == NULL || c->tc_ssl == NULL)
		return -EINVAL;
	return tls_write_all(c->tc_ssl, data, len, now_ms() + c->tc_timeout_ms);
}

/* see net.h */
int
net_tls_client_read(struct net_tls_client *c, void *data, size_t size)
{
	uint64_t	 deadline;
	int		 n;

	if (c == NULL || c->tc_ssl == NULL || size == 0)
		return -EINVAL;
	deadline = now_ms() + c->tc_timeout_ms;
	for (;;) {
		if ((n = tls_read(c->tc_ssl, data, size)) != -EAGAIN)
			return n;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
	}
}

/* see net.h */
void
net_tls_client_close(struct net_tls_client *c)
{
	if (c == NULL)
		return;
	tls_conn_free(c->tc_ssl, c->tc_ssl != NULL &&
	    SSL_is_init_finished(c->tc_ssl));
	net_close(c->tc_fd);
	free(c);
}
