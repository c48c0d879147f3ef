/*
 * test_https.c - the HTTP server over TLS on lwIP and slirp: an OpenSSL
 * client on the kernel's TCP stack verifies the server's certificate
 * against its CA, completes TLS 1.3 and gets answers on one connection;
 * a plain-HTTP client and a stalled handshake do not disturb the server.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "board.h"
#include "net.h"

#define TEST_READ_MS	1500

static uint16_t	 port;
static char	 ca_path[256];

static int
h_hello(const struct http_request *req, struct http_response *res, void *arg)
{
	res->status = 200;
	res->content_type = "text/plain";
	return buf_printf(&res->body, "hello over tls");
}

static const struct http_route routes[] = {
	{ HTTP_M_POST, "/hello", false, h_hello },
};

/* A self-signed certificate for key with SANs localhost and 127.0.0.1. */
static X509 *
make_cert(EVP_PKEY *key)
{
	X509		*x = X509_new();
	X509_NAME	*name;
	X509_EXTENSION	*ext;
	X509V3_CTX	 v3;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	    "DNS:localhost,IP:127.0.0.1");
	assert_non_null(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	return x;
}

static int
dial(void)
{
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	int			 fd;

	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static void
test_tls13_keepalive(void **state)
{
	SSL_CTX	*ctx = SSL_CTX_new(TLS_client_method());
	SSL	*ssl;
	char	 out[4096];
	int	 fd, i, n;

	assert_non_null(ctx);
	assert_int_equal(SSL_CTX_load_verify_locations(ctx, ca_path, NULL), 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	ssl = SSL_new(ctx);
	fd = dial();
	SSL_set_fd(ssl, fd);
	SSL_set1_host(ssl, "localhost");
	assert_int_equal(SSL_connect(ssl), 1);
	assert_int_equal(SSL_get_verify_result(ssl), X509_V_OK);
	assert_int_equal(SSL_version(ssl), TLS1_3_VERSION);
	for (i = 0; i < 20; i++) {
		const char *req = "POST /hello HTTP/1.1\r\nHost: x\r\n\r\n";

		assert_int_equal(SSL_write(ssl, req, (int)strlen(req)),
		    (int)strlen(req));
		n = 0;
		memset(out, 0, sizeof(out));
		while (strstr(out, "hello over tls") == NULL) {
			int	 r = SSL_read(ssl, out + n,
			    (int)sizeof(out) - 1 - n);

			assert_true(r > 0);
			n += r;
		}
		assert_non_null(strstr(out, "HTTP/1.1 200 OK"));
	}
	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
	SSL_CTX_free(ctx);
}

static void
test_plain_http_on_tls_port(void **state)
{
	const char	*req = "POST /hello HTTP/1.1\r\n\r\n";
	struct pollfd	 pfd;
	char		 b[512];
	int		 fd = dial();
	ssize_t		 n;

	assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL),
	    (ssize_t)strlen(req));
	/* The server refuses the handshake and closes; no HTTP answer. */
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	assert_true(poll(&pfd, 1, 5000) > 0);
	n = recv(fd, b, sizeof(b) - 1, 0);
	if (n > 0) {
		b[n] = '\0';
		assert_null(strstr(b, "hello over tls"));
	}
	close(fd);
	/* And still serves TLS. */
	test_tls13_keepalive(state);
}

static void
test_stalled_handshake(void **state)
{
	struct pollfd	 pfd;
	char		 b[64];
	int		 fd = dial();

	/* Connect, send nothing: the handshake times out and we are closed. */
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	assert_true(poll(&pfd, 1, TEST_READ_MS + 3000) > 0);
	assert_true(recv(fd, b, sizeof(b), 0) <= 0);
	close(fd);
	test_tls13_keepalive(state);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls13_keepalive),
		cmocka_unit_test(test_plain_http_on_tls_port),
		cmocka_unit_test(test_stalled_handshake),
	};
	char			 dir[] = "/tmp/kms-tls-XXXXXX";
	char			 cert_path[256];
	struct board_conf	 bc = { .log_stderr = getenv("TEST_VERBOSE") != NULL };
	struct net_conf		 nc;
	EVP_PKEY		*key;
	X509			*cert;
	FILE			*f;

	if (mkdtemp(dir) == NULL)
		return 1;
	bc.data_dir = dir;
	if (board_init(&bc) != 0)
		return 1;
	key = EVP_EC_gen("P-256");
	if (key == NULL)
		return 1;
	cert = make_cert(key);
	snprintf(cert_path, sizeof(cert_path), "%s/tls.pem", dir);
	snprintf(ca_path, sizeof(ca_path), "%s/tls.pem", dir);
	if ((f = fopen(cert_path, "w")) == NULL)
		return 1;
	PEM_write_X509(f, cert);
	fclose(f);
	X509_free(cert);

	memset(&nc, 0, sizeof(nc));
	if (net_tls_ctx_new(cert_path, key, &nc.tls) != 0)
		return 1;
	EVP_PKEY_free(key);	/* the context holds its own reference */
	nc.nic.nic_addr = 0xc612000f;
	nc.nic.nic_mask = 0xffffff00;
	nc.nic.nic_gw = 0xc6120002;
	nc.nic.guest_port = 443;
	nc.nic.host_addr = "127.0.0.1";
	nc.conns = 4;
	nc.read_timeout_ms = TEST_READ_MS;
	nc.idle_timeout_ms = TEST_READ_MS;
	nc.routes = routes;
	nc.route_count = 1;
	if (net_start(&nc) != 0)
		return 1;
	port = nc.nic.host_port;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
