/*
 * tls.c - TLS for the HTTP server: OpenSSL over lwIP sockets through a BIO
 * of our own (lwIP's sockets have their own number space, so OpenSSL's
 * socket BIO cannot be used).  The private key is whatever EVP_PKEY the
 * caller passes: in kmsd, the token's key through the pkcs11 engine, so
 * the key never exists outside the HSM.
 *
 * Sockets stay blocking with SO_RCVTIMEO set to a short slice: a read that
 * finds no data returns EAGAIN, which the BIO reports as "retry", so
 * SSL_read/SSL_accept come back with WANT_READ and the caller checks its
 * deadline and the stop flag between slices.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "lwip/sockets.h"

#include "net.h"
#include "net_local.h"

static BIO_METHOD	*lwip_bio_method;
static pthread_once_t	 lwip_bio_once = PTHREAD_ONCE_INIT;

static int
bio_fd(BIO *b)
{
	return (int)(intptr_t)BIO_get_data(b);
}

static int
bio_lwip_write(BIO *b, const char *data, int len)
{
	ssize_t	 n;

	BIO_clear_retry_flags(b);
	n = lwip_send(bio_fd(b), data, (size_t)len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		BIO_set_retry_write(b);
	return (int)n;
}

static int
bio_lwip_read(BIO *b, char *data, int len)
{
	ssize_t	 n;

	BIO_clear_retry_flags(b);
	n = lwip_recv(bio_fd(b), data, (size_t)len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		BIO_set_retry_read(b);
	return (int)n;
}

static long
bio_lwip_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	default:
		return 0;
	}
}

static int
bio_lwip_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static void
lwip_bio_init(void)
{
	BIO_METHOD	*m;

	m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "lwip");
	if (m == NULL ||
	    BIO_meth_set_write(m, bio_lwip_write) != 1 ||
	    BIO_meth_set_read(m, bio_lwip_read) != 1 ||
	    BIO_meth_set_ctrl(m, bio_lwip_ctrl) != 1 ||
	    BIO_meth_set_create(m, bio_lwip_create) != 1)
		fatalx("tls: cannot make the lwIP BIO method");
	lwip_bio_method = m;
}

/* see net.h */
int
net_tls_ctx_new(const char *cert_chain_file, struct evp_pkey_st *key,
    struct ssl_ctx_st **out)
{
	SSL_CTX		*ctx;
	int		 rc = -EINVAL;

	*out = NULL;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return -ENOMEM;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		goto fail;
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_chain_file) != 1) {
		log_err("tls: cannot load certificate chain %s",
		    cert_chain_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		log_err("tls: the key does not match %s", cert_chain_file);
		goto fail;
	}
	ERR_clear_error();
	*out = ctx;
	return 0;
 fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return rc;
}

/* see net.h */
int
net_tls_ctx_verify_clients(struct ssl_ctx_st *ctx, const char *ca_file)
{
	STACK_OF(X509_NAME)	*names;

	if (ctx == NULL || ca_file == NULL)
		return -EINVAL;
	if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1 ||
	    (names = SSL_load_client_CA_file(ca_file)) == NULL) {
		log_err("tls: cannot load client CA %s", ca_file);
		ERR_clear_error();
		return -EINVAL;
	}
	SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	ERR_clear_error();
	return 0;
}

/* see net.h */
void
net_tls_ctx_free(struct ssl_ctx_st *ctx)
{
	SSL_CTX_free(ctx);
}

/* see net_local.h */
SSL *
tls_conn_new(SSL_CTX *ctx, int fd)
{
	struct timeval	 tv = { .tv_usec = TLS_READ_SLICE_MS * 1000 };
	SSL		*ssl;
	BIO		*bio;

	pthread_once(&lwip_bio_once, lwip_bio_init);
	lwip_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if ((ssl = SSL_new(ctx)) == NULL)
		return NULL;
	if ((bio = BIO_new(lwip_bio_method)) == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	BIO_set_data(bio, (void *)(intptr_t)fd);
	SSL_set_bio(ssl, bio, bio);
	return ssl;
}

/* see net_local.h */
int
tls_handshake(SSL *ssl, uint64_t deadline)
{
	int	 rc, err;

	for (;;) {
		if ((rc = SSL_accept(ssl)) == 1)
			return 0;
		err = SSL_get_error(ssl, rc);
		if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
			break;
		if (board_get()->time_mono_ms() >= deadline)
			return -ETIMEDOUT;
	}
	ERR_clear_error();
	return -EPROTO;
}

/* see net_local.h */
int
tls_read(SSL *ssl, void *data, size_t len)
{
	int	 n, err;

	n = SSL_read(ssl, data, (int)(len > INT32_MAX ? INT32_MAX : len));
	if (n > 0)
		return n;
	err = SSL_get_error(ssl, n);
	ERR_clear_error();
	switch (err) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	default:
		return -ECONNRESET;
	}
}

/* see net_local.h */
int
tls_write_all(SSL *ssl, const void *data, size_t len, uint64_t deadline)
{
	const uint8_t	*p = data;
	int		 n, err;

	while (len > 0) {
		n = SSL_write(ssl, p, (int)(len > INT32_MAX ? INT32_MAX : len));
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		err = SSL_get_error(ssl, n);
		ERR_clear_error();
		if (err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ)
			return -EPIPE;
		if (board_get()->time_mono_ms() >= deadline)
			return -ETIMEDOUT;
	}
	return 0;
}

/* see net_local.h */
void
tls_conn_free(SSL *ssl, bool shutdown)
{
	if (ssl == NULL)
		return;
	if (shutdown)
		SSL_shutdown(ssl);	/* our close_notify; no wait */
	ERR_clear_error();
	SSL_free(ssl);
}
