/*
 * state_probe.c - the request-path probe of the health loop: one GET
 * /health through the host side of the KMS port, the way a client comes
 * in (slirp, lwIP, the HTTP workers, TLS when configured).  Any HTTP
 * status line counts as alive: the probe asks whether requests are
 * answered at all, not what the state is.  The board opens the connection
 * (board.h nic_probe_dial); firmware/ makes no kernel socket calls.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "board.h"

#include "state.h"

#define PROBE_REQUEST	"GET " STATE_HEALTH_PATH " HTTP/1.1\r\n" \
			"Host: localhost\r\nConnection: close\r\n\r\n"
#define PROBE_STATUS	"HTTP/1.1 "
#define PROBE_BUF	64

static uint64_t
now_ms(void)
{
	return board_get()->time_mono_ms();
}

/* Wait until fd is ready for events or the deadline passes. */
static bool
wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd	 pfd = { .fd = fd, .events = events };
	uint64_t	 t = now_ms();

	if (t >= deadline)
		return false;
	return poll(&pfd, 1, (int)(deadline - t)) == 1;
}

/* The TLS half: handshake, request, the first bytes of the answer. */
static int
probe_tls(int fd, uint64_t deadline, char *got, size_t size)
{
	SSL_CTX	*ctx = NULL;
	SSL	*ssl = NULL;
	size_t	 len = 0;
	int	 rc = -EIO, n, e;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    (ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1)
		goto fail;
	/* The probe checks liveness, not the certificate (ours anyway). */
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	while ((n = SSL_connect(ssl)) != 1) {
		e = SSL_get_error(ssl, n);
		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
		    !wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
		    deadline))
			goto fail;
	}
	if (SSL_write(ssl, PROBE_REQUEST, (int)strlen(PROBE_REQUEST)) <= 0)
		goto fail;
	while (len < size - 1) {
		n = SSL_read(ssl, got + len, (int)(size - 1 - len));
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		e = SSL_get_error(ssl, n);
		if (e != SSL_ERROR_WANT_READ || !wait_fd(fd, POLLIN, deadline))
			break;
	}
	got[len] = '\0';
	rc = 0;
 fail:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/* see state.h */
int
state_probe(uint16_t port, bool tls, unsigned timeout_ms)
{
	const struct board	*bd = board_get();
	uint64_t		 deadline = now_ms() + timeout_ms;
	char			 got[PROBE_BUF];
	size_t			 len = 0;
	ssize_t			 n;
	int			 fd, rc = -ETIMEDOUT;

	if (bd->nic_probe_dial == NULL)
		return -ENOTSUP;
	if ((fd = bd->nic_probe_dial(port, timeout_ms)) < 0)
		return fd;
	got[0] = '\0';
	if (tls) {
		if (probe_tls(fd, deadline, got, sizeof(got)) != 0) {
			rc = -EIO;
			goto fail;
		}
	} else {
		if (send(fd, PROBE_REQUEST, strlen(PROBE_REQUEST),
		    MSG_NOSIGNAL) != (ssize_t)strlen(PROBE_REQUEST)) {
			rc = -EIO;
			goto fail;
		}
		while (len < sizeof(got) - 1 && wait_fd(fd, POLLIN, deadline)) {
			n = recv(fd, got + len, sizeof(got) - 1 - len, 0);
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		got[len] = '\0';
	}
	rc = strncmp(got, PROBE_STATUS, strlen(PROBE_STATUS)) == 0 ? 0 :
	    -ETIMEDOUT;
 fail:
	close(fd);
	return rc;
}
