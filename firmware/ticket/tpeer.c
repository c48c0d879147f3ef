/*
 * tpeer.c - the link between two KMSs for ticket resolves (TS 33.328
 * 6.2.3.8: mutually authenticated, integrity and confidentiality
 * protected): TLS 1.3 with certificates on both sides, the private keys
 * in each appliance's HSM (kms-provision tls-key; the certificate has
 * serverAuth and clientAuth), each side trusting the CA in [ticket]
 * peer_ca, and the peer's certificate naming [ticket] peer_id.
 *
 * Client (KMS_R).  The connection is the appliance's own: an lwIP socket
 * and the TLS client of net/ (net_tls_connect), the connect, handshake
 * and each read and write bounded by TPEER_TIMEOUT_MS.  Where it leaves
 * the NIC is the board's business (docs/ticket.md 9: the host board
 * relays it through slirp, a real NIC routes it).  One connection per
 * resolve ("Connection: close"), no session resumption.
 *
 * Both ends derive the MIKEY key of the exchange from the session with
 * the TLS exporter (RFC 8446 7.5, TK2K_EXPORTER_LABEL, no context).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "board.h"
#include "net.h"
#include "ticket.h"
#include "ticket_local.h"

#define TPEER_HOST_MAX	256
#define TPEER_PORT_MAX	8
#define TPEER_REQ_HDR_MAX	512	/* the forwarded request's header */

struct tpeer {
	SSL_CTX		*ctx;
	char		 host[TPEER_HOST_MAX];
	char		 port[TPEER_PORT_MAX];
	uint16_t	 port_num;
	char		 peer_id[TK_ID_MAX + 1];
};

/* "https://HOST:PORT[/]" into host and port; 0 or -1. */
static int
parse_url(const char *url, struct tpeer *p)
{
	const char	*h, *c, *e;
	size_t		 hl, pl;
	unsigned long	 n;

	if (strncmp(url, "https://", 8) != 0)
		return -1;
	h = url + 8;
	if ((c = strrchr(h, ':')) == NULL)
		return -1;
	e = c + 1 + strcspn(c + 1, "/");
	hl = (size_t)(c - h);
	pl = (size_t)(e - c - 1);
	if (hl == 0 || hl >= sizeof(p->host) || pl == 0 ||
	    pl >= sizeof(p->port) || strspn(c + 1, "0123456789") != pl)
		return -1;
	memcpy(p->host, h, hl);
	p->host[hl] = '\0';
	memcpy(p->port, c + 1, pl);
	p->port[pl] = '\0';
	n = strtoul(p->port, NULL, 10);
	if (n == 0 || n > UINT16_MAX)
		return -1;
	p->port_num = (uint16_t)n;
	return 0;
}

/* see ticket_local.h */
int
tpeer_new(const char *url, const char *peer_id, const char *ca_file,
    const char *cert_file, struct evp_pkey_st *key, struct tpeer **out)
{
	struct tpeer	*p;

	*out = NULL;
	if (url == NULL || peer_id == NULL || ca_file == NULL ||
	    cert_file == NULL || key == NULL || strlen(peer_id) > TK_ID_MAX)
		return -1;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	snprintf(p->peer_id, sizeof(p->peer_id), "%s", peer_id);
	if (parse_url(url, p) != 0) {
		log_warnx("ticket: peer_url %s: want https://HOST:PORT", url);
		goto fail;
	}
	if ((p->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(p->ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_load_verify_locations(p->ctx, ca_file, NULL) != 1) {
		log_warnx("ticket: peer CA %s cannot be loaded", ca_file);
		goto fail;
	}
	SSL_CTX_set_verify(p->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_session_cache_mode(p->ctx, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_use_certificate_chain_file(p->ctx, cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey(p->ctx, key) != 1 ||
	    SSL_CTX_check_private_key(p->ctx) != 1) {
		log_warnx("ticket: client certificate %s and the TLS key do "
		    "not fit", cert_file);
		goto fail;
	}
	ERR_clear_error();
	*out = p;
	return 0;
 fail:
	ERR_clear_error();
	tpeer_free(p);
	return -1;
}

/* see ticket_local.h */
void
tpeer_free(struct tpeer *p)
{
	if (p == NULL)
		return;
	SSL_CTX_free(p->ctx);
	free(p);
}

/*
 * Reads an HTTP/1.1 response (Content-Length, or up to the close) into
 * buf; sets the status and the body.  0 or -1.
 */
static int
read_response(struct net_tls_client *c, char *buf, size_t size, int *status,
    const char **body, size_t *body_len)
{
	size_t	 n = 0, hl = 0, clen = 0;
	char	*e, *cl, *v, *end;
	bool	 have_len = false;
	int	 r;

	for (;;) {
		if (n + 1 >= size)
			return -1;
		if ((r = net_tls_client_read(c, buf + n, size - 1 - n)) <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		if (hl == 0 && (e = strstr(buf, "\r\n\r\n")) != NULL) {
			hl = (size_t)(e - buf) + 4;
			*e = '\0';
			if ((cl = strcasestr(buf, "\r\nContent-Length:")) !=
			    NULL) {
				/* digits only, and it must fit what is left */
				v = cl + 17 + strspn(cl + 17, " \t");
				errno = 0;
				clen = strtoul(v, &end, 10);
				if (errno != 0 || end == v || *v == '-' ||
				    (*end != '\0' && *end != '\r') ||
				    clen > size - 1 - hl)
					return -1;
				have_len = true;
			}
			*e = '\r';
		}
		if (hl != 0 && have_len && n >= hl + clen)
			break;
	}
	if (hl == 0 || sscanf(buf, "HTTP/1.1 %d", status) != 1)
		return -1;
	*body = buf + hl;
	*body_len = have_len ? clen : n - hl;
	if (hl + *body_len > n)
		return -1;
	return 0;
}

/* see ticket_local.h */
int
tpeer_resolve(void *ctx, tkms_k2k_build_fn *build, void *bctx, uint8_t *ans,
    size_t ans_size, size_t *ans_len)
{
	struct tpeer	*p = ctx;
	struct net_tls_client *c = NULL;
	SSL		*ssl;
	uint8_t		 key[TK_KEY_LEN];
	uint8_t		*msg = NULL;
	char		*b64 = NULL, *rbuf = NULL, hdr[TPEER_REQ_HDR_MAX];
	const char	*body;
	size_t		 mlen, blen, bl;
	int		 status = 0, n, rc = -1;

	*ans_len = 0;
	memset(key, 0, sizeof(key));
	if (p == NULL || build == NULL)
		return -1;
	if ((msg = malloc(MK_MSG_MAX)) == NULL ||
	    (b64 = malloc(TKMS_BODY_MAX)) == NULL ||
	    (rbuf = malloc(TPEER_HTTP_MAX)) == NULL)
		goto out;
	/* The appliance's own stack: lwIP and net/'s TLS client. */
	if ((n = net_tls_connect(p->ctx, p->host, p->port_num, p->peer_id,
	    TPEER_TIMEOUT_MS, &c)) != 0) {
		log_warnx("ticket: peer KMS %s:%s: %s", p->host, p->port,
		    n == -EPROTO || n == -ECONNRESET ? "TLS handshake failed" :
		    n == -ETIMEDOUT ? "timed out" : "cannot connect");
		goto out;
	}
	ssl = net_tls_client_ssl(c);
	if (SSL_get_verify_result(ssl) != X509_V_OK) {
		log_warnx("ticket: peer KMS %s:%s: TLS handshake failed (%s)",
		    p->host, p->port, X509_verify_cert_error_string(
		    SSL_get_verify_result(ssl)));
		goto out;
	}
	log_info("ticket: peer KMS %s:%s: %s %s, certificate of %s verified",
	    p->host, p->port, SSL_get_version(ssl), SSL_get_cipher_name(ssl),
	    p->peer_id);
	if (SSL_export_keying_material(ssl, key, sizeof(key),
	    TK2K_EXPORTER_LABEL, strlen(TK2K_EXPORTER_LABEL), NULL, 0, 0) != 1 ||
	    build(bctx, key, msg, MK_MSG_MAX, &mlen) != 0 ||
	    (blen = tk_b64_encode(msg, mlen, b64, TKMS_BODY_MAX)) == 0)
		goto out;
	n = snprintf(hdr, sizeof(hdr), "POST %s?requesttype=ticketresolve "
	    "HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nUser-Agent: kmsd peer KMS\r\n"
	    "Connection: close\r\n\r\n", TKMS_PATH, p->host, p->port,
	    TKMS_CONTENT_TYPE, blen);
	if (n < 0 || (size_t)n >= sizeof(hdr) ||
	    net_tls_client_write(c, hdr, (size_t)n) != 0 ||
	    net_tls_client_write(c, b64, blen) != 0 ||
	    read_response(c, rbuf, TPEER_HTTP_MAX, &status, &body, &bl) != 0) {
		log_warnx("ticket: peer KMS %s:%s: no answer", p->host,
		    p->port);
		goto out;
	}
	if (status != 200) {
		log_warnx("ticket: peer KMS %s:%s: HTTP %d", p->host, p->port,
		    status);
		goto out;
	}
	if (tk_b64_decode(body, bl, ans, ans_size, ans_len) != 0)
		goto out;
	rc = 0;
 out:
	net_tls_client_close(c);
	ERR_clear_error();
	/* wipe: the channel key and the message it keyed */
	OPENSSL_cleanse(key, sizeof(key));
	if (msg != NULL)
		OPENSSL_cleanse(msg, MK_MSG_MAX);
	if (rbuf != NULL)
		OPENSSL_cleanse(rbuf, TPEER_HTTP_MAX);
	free(msg);
	free(b64);
	free(rbuf);
	return rc;
}

/* see ticket_local.h */
int
tpeer_from_request(struct ssl_st *ssl, const char *peer_id,
    struct tkms_peer_in *out)
{
	X509	*c;
	int	 ok;

	if (ssl == NULL || peer_id == NULL || peer_id[0] == '\0')
		return 1;
	if ((c = SSL_get1_peer_certificate(ssl)) == NULL)
		return 1;
	ok = SSL_get_verify_result(ssl) == X509_V_OK &&
	    X509_check_host(c, peer_id, 0, 0, NULL) == 1;
	X509_free(c);
	if (!ok)
		return 1;
	out->peer_id = peer_id;
	if (SSL_export_keying_material(ssl, out->key, sizeof(out->key),
	    TK2K_EXPORTER_LABEL, strlen(TK2K_EXPORTER_LABEL), NULL, 0, 0) !=
	    1) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}
