/*
 * ims-client - an IMS UE pair for the MIKEY-TICKET KMS (TS 33.328, RFC
 * 6043 mode 1), initiator and responder in one process:
 *
 *	ims-client --url http://HOST:PORT --kms-id ID
 *	    --alice ID,B-TID,PSKFILE --bob ID,B-TID,PSKFILE [CASE]
 *
 * CASE flow (default): alice asks the KMS for a ticket for bob
 * (ticketrequest), hands it to bob in a TRANSFER_INIT (in process), bob
 * resolves it (ticketresolve) and checks the TRANSFER_INIT with the MPKi
 * he got; both derive the TEK from the TGK and compare.  Prints what it
 * verified, one "ok ..." line per check.
 *
 * CASE fork (with --bob2, a second device of bob's identity with its own
 * B-TID and PSK): a forking ticket (TP flag I) resolved by both devices;
 * each gets its own MPKr' and TGK', alice checks each TRANSFER_RESP and
 * derives the same TGK' (RFC 6043 5.1.1); the devices' keys differ.
 *
 * Refusal cases, each printing "status <http> mikey-error <n|none>"
 * for the answer under test: unknown-key, bad-mac, replay, stale,
 * expired, lifetime (no TRe asked: waits out the KMS's lifetime),
 * not-responder, bad-ticket, pk (a REQUEST_INIT_PK), mode3 (a ticket
 * with D = 0, as an initiator would make it), foreign-ticket (IDRkms of
 * the ticket changed); request sends a REQUEST_INIT only.  peer-spoof:
 * with --bob-kms-id, a resolve at alice's KMS claiming to come from bob's
 * KMS, without its TLS client certificate.
 * --time-offset shifts the T of the request (skew tests).
 *
 * PSKFILE holds the 64 hex digits kms-provision mikey-psk printed.
 * Exit: 0 done (and, for flow, every check passed), 1 failed, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "ticket.h"
#include "ue.h"

#define HTTP_MAX	(64 * 1024)

struct http_ans {
	int		 status;
	char		 retry_after[16];
	char		 why[96];	/* a refusal's body, first line */
	uint8_t		 mikey[MK_MSG_MAX];
	size_t		 mikey_len;
};

/* A KMS: where it is, and the CA of its HTTPS certificate. */
struct ep {
	char		 host[256];
	char		 port[8];
	bool		 tls;
	const char	*ca;
};

static struct ep	 ep_a;		/* alice's KMS (--url) */
static struct ep	 ep_b;		/* bob's KMS (--bob-url, or ep_a) */
static struct ep	*ep_force;	/* send everything here when set */
static struct ep	*ep_cur;

/* "http[s]://HOST:PORT" into *e; 0 or -1. */
static int
parse_ep(const char *url, const char *ca, struct ep *e)
{
	const char	*h, *c;

	memset(e, 0, sizeof(*e));
	if (strncmp(url, "https://", 8) == 0) {
		e->tls = true;
		h = url + 8;
	} else if (strncmp(url, "http://", 7) == 0)
		h = url + 7;
	else
		return -1;
	if ((c = strrchr(h, ':')) == NULL || (size_t)(c - h) >=
	    sizeof(e->host) || strlen(c + 1) >= sizeof(e->port))
		return -1;
	memcpy(e->host, h, (size_t)(c - h));
	snprintf(e->port, sizeof(e->port), "%s", c + 1);
	e->ca = ca;
	return e->tls && ca == NULL ? -1 : 0;
}

/* I/O on the connection: TLS when ssl is set. */
static int
io_write(int fd, SSL *ssl, const void *d, size_t len)
{
	size_t	 w;

	if (ssl == NULL)
		return write(fd, d, len) == (ssize_t)len ? 0 : -1;
	return SSL_write_ex(ssl, d, len, &w) == 1 && w == len ? 0 : -1;
}

static ssize_t
io_read(int fd, SSL *ssl, void *d, size_t len)
{
	size_t	 r;

	if (ssl == NULL)
		return read(fd, d, len);
	return SSL_read_ex(ssl, d, len, &r) == 1 ? (ssize_t)r : 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ims-client --url http://HOST:PORT --kms-id ID"
	    " --alice ID,B-TID,PSKFILE\n"
	    "           --bob ID,B-TID,PSKFILE [flow | unknown-key | bad-mac |"
	    " replay |\n"
	    "           stale | expired | lifetime | not-responder | bad-ticket]\n"
	    "           [--time-offset SECONDS] [--bob2 ID,B-TID,PSKFILE fork]\n"
	    "           [--cacert CA] [--bob-url URL --bob-kms-id ID"
	    " [--bob-cacert CA]]\n"
	    "           [--save DIR] [pk | mode3 | foreign-ticket | peer-spoof]\n");
	exit(2);
}

/* "ID,B-TID,PSKFILE" into *u (strings point into s, which is modified). */
static int
parse_user(char *s, struct ue *u)
{
	char	*id, *keyid, *file, hex[80];
	FILE	*f;
	size_t	 i;

	if ((id = strtok(s, ",")) == NULL || (keyid = strtok(NULL, ",")) ==
	    NULL || (file = strtok(NULL, ",")) == NULL)
		return -1;
	u->id = id;
	u->keyid = keyid;
	if ((f = fopen(file, "r")) == NULL) {
		fprintf(stderr, "ims-client: %s: %s\n", file, strerror(errno));
		return -1;
	}
	if (fgets(hex, sizeof(hex), f) == NULL) {
		fclose(f);
		return -1;
	}
	fclose(f);
	for (i = 0; i < TK_KEY_LEN; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		u->psk[i] = (uint8_t)v;
	}
	/* wipe: the PSK text */
	OPENSSL_cleanse(hex, sizeof(hex));
	return 0;
}

/* POSTs body with content type ct to path?query; fills *a. */
static int
http_post(const char *path_query, const char *ct, const char *body,
    size_t body_len, struct http_ans *a)
{
	struct addrinfo	 hints, *ai = NULL;
	static char	 buf[HTTP_MAX];
	const struct ep	*e = ep_cur;
	SSL_CTX		*ctx = NULL;
	SSL		*ssl = NULL;
	char		*hdr_end, *p, *b;
	size_t		 n = 0, clen = 0;
	ssize_t		 r;
	int		 fd = -1, rc = -1;

	memset(a, 0, sizeof(*a));
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(e->host, e->port, &hints, &ai) != 0)
		return -1;
	if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)
		goto out;
	if (e->tls) {
		/* TLS 1.3, the KMS verified against its CA and host name. */
		if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
		    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
		    SSL_CTX_load_verify_locations(ctx, e->ca, NULL) != 1)
			goto out;
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1 ||
		    SSL_set1_host(ssl, e->host) != 1 || SSL_connect(ssl) != 1) {
			fprintf(stderr, "ims-client: TLS to %s:%s failed\n",
			    e->host, e->port);
			goto out;
		}
	}
	n = (size_t)snprintf(buf, sizeof(buf), "POST %s HTTP/1.1\r\n"
	    "Host: %s:%s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "User-Agent: KMSAgent; Release-9 3gpp-gba\r\n"
	    "Connection: close\r\n\r\n", path_query, e->host, e->port, ct,
	    body_len);
	if (io_write(fd, ssl, buf, n) != 0 ||
	    io_write(fd, ssl, body, body_len) != 0)
		goto out;
	n = 0;
	while (n < sizeof(buf) - 1 &&
	    (r = io_read(fd, ssl, buf + n, sizeof(buf) - 1 - n)) > 0) {
		n += (size_t)r;
		buf[n] = '\0';
		if ((hdr_end = strstr(buf, "\r\n\r\n")) != NULL) {
			p = strcasestr(buf, "\r\nContent-Length:");
			clen = p != NULL && p < hdr_end ?
			    strtoul(p + 17, NULL, 10) : 0;
			if (n >= (size_t)(hdr_end + 4 - buf) + clen)
				break;
		}
	}
	buf[n] = '\0';
	if (sscanf(buf, "HTTP/1.1 %d", &a->status) != 1 ||
	    (hdr_end = strstr(buf, "\r\n\r\n")) == NULL)
		goto out;
	*hdr_end = '\0';
	if ((p = strcasestr(buf, "\r\nRetry-After:")) != NULL)
		(void)sscanf(p + 14, " %15s", a->retry_after);
	b = hdr_end + 4;
	if (a->status != 200) {		/* for reports: printable, one line */
		for (n = 0; n + 1 < sizeof(a->why) && b[n] != '\0' &&
		    b[n] != '\n'; n++)
			a->why[n] = b[n] >= 0x20 && b[n] < 0x7f ? b[n] : '?';
		a->why[n] = '\0';
	}
	if (a->status == 200 && clen > 0 &&
	    tk_b64_decode(b, clen, a->mikey, sizeof(a->mikey), &a->mikey_len)
	    != 0)
		goto out;
	rc = 0;
 out:
	if (ssl != NULL)
		SSL_shutdown(ssl);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return rc;
}

static const char	*save_dir;	/* --save: the KMS's answers */

/*
 * --save DIR: writes a MIKEY answer of the KMS to DIR/<kind>.bin (kind:
 * request_resp, resolve_resp, error, by its data type; the last one of a
 * kind wins) and what this client's decoder read from it to
 * DIR/<kind>.txt ("csb 0x..." and "t <Unix seconds>"), for an
 * independent decoder (tshark in it_ticket) to compare.
 */
static void
save_answer(const struct http_ans *a)
{
	static struct mk_msg	 m;
	const struct mk_payload	*t;
	const char		*kind;
	char			 path[1024];
	FILE			*f;

	if (save_dir == NULL || a->status != 200 ||
	    mk_decode(a->mikey, a->mikey_len, &m) != MK_OK ||
	    (t = mk_find(&m, MK_PT_T, NULL)) == NULL)
		return;
	switch (m.p[0].u.hdr.data_type) {
	case MK_DT_REQUEST_RESP: kind = "request_resp"; break;
	case MK_DT_RESOLVE_RESP: kind = "resolve_resp"; break;
	case MK_DT_ERROR: kind = "error"; break;
	default: return;
	}
	snprintf(path, sizeof(path), "%s/%s.bin", save_dir, kind);
	if ((f = fopen(path, "wb")) != NULL) {
		(void)fwrite(a->mikey, 1, a->mikey_len, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/%s.txt", save_dir, kind);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "csb 0x%08x\nt %lld\n", m.p[0].u.hdr.csb_id,
		    (long long)tk_unix_from_ts(t->u.ts.ts_type,
		    t->u.ts.value));
		fclose(f);
	}
}

/* Sends MIKEY msg as requesttype rt; the answer in *a. */
static int
send_mikey(const char *rt, const uint8_t *msg, size_t len,
    struct http_ans *a)
{
	static char	 b64[MK_MSG_MAX * 2];
	char		 pq[128];
	size_t		 n;

	if ((n = tk_b64_encode(msg, len, b64, sizeof(b64))) == 0)
		return -1;
	/* Requests go to alice's KMS, resolves to bob's. */
	ep_cur = ep_force != NULL ? ep_force :
	    strcmp(rt, "ticketrequest") == 0 ? &ep_a : &ep_b;
	snprintf(pq, sizeof(pq), "/keymanagement?requesttype=%s", rt);
	if (http_post(pq, TKMS_CONTENT_TYPE, b64, n, a) != 0)
		return -1;
	save_answer(a);
	return 0;
}

static void
print_hex(const char *what, const uint8_t *v, size_t len)
{
	size_t	 i;

	printf("%s ", what);
	for (i = 0; i < len; i++)
		printf("%02x", v[i]);
	printf("\n");
}

/* Prints the outcome line of a refusal case. */
static int
report(const struct ue *u, const uint8_t *init, size_t init_len,
    const struct http_ans *a)
{
	static struct ue_result	 r;

	if (a->status != 200) {
		printf("status %d mikey-error none%s%s\n", a->status,
		    a->retry_after[0] ? " retry-after " : "", a->retry_after);
		return 0;
	}
	if (ue_response(u, init, init_len, a->mikey, a->mikey_len, &r) != 0) {
		printf("status 200 unverifiable-answer\n");
		return 1;
	}
	if (r.mikey_err == TKMS_NO_ERR)
		printf("status 200 mikey-error none\n");
	else
		printf("status 200 mikey-error %u%s\n", r.mikey_err,
		    r.err_has_v ? " authenticated" : "");
	return 0;
}

/*
 * Changes one byte of the IDRkms in the TP Data of r's ticket: a ticket
 * that names a KMS nobody knows (the issuer's MAC no longer holds either,
 * but the KMS routes on IDRkms first).
 */
static int
rename_ticket_kms(struct ue_result *r)
{
	struct mk_payload	 tpd[MK_PAYLOADS_MAX];
	size_t			 n, i, off;

	if (mk_decode_embedded(r->ticket->u.tp.tp_data,
	    r->ticket->u.tp.tp_data_len, tpd, MK_PAYLOADS_MAX, &n) != MK_OK)
		return -1;
	for (i = 0; i < n; i++) {
		if (tpd[i].type != MK_PT_IDR || tpd[i].u.id.role != MK_ROLE_KMS ||
		    tpd[i].u.id.data_len < 3)
			continue;
		off = (size_t)(tpd[i].u.id.data - r->buf) + 2;
		r->buf[off] = r->buf[off] == 'x' ? 'y' : 'x';
		return 0;
	}
	return -1;
}

/* TRs and TRe of a granted ticket (its TP Data), Unix seconds. */
static int
granted_window(const struct mk_payload *ticket, int64_t *trs, int64_t *tre)
{
	struct mk_payload	 tpd[MK_PAYLOADS_MAX];
	size_t			 n, i;

	if (mk_decode_embedded(ticket->u.tp.tp_data, ticket->u.tp.tp_data_len,
	    tpd, MK_PAYLOADS_MAX, &n) != MK_OK)
		return -1;
	for (i = 0; i < n; i++) {
		if (tpd[i].type != MK_PT_TR)
			continue;
		if (tpd[i].u.ts.role == MK_TSR_START)
			*trs = tk_unix_from_ts(tpd[i].u.ts.ts_type,
			    tpd[i].u.ts.value);
		if (tpd[i].u.ts.role == MK_TSR_END)
			*tre = tk_unix_from_ts(tpd[i].u.ts.ts_type,
			    tpd[i].u.ts.value);
	}
	return *trs != 0 && *tre != 0 ? 0 : -1;
}

/*
 * Key forking (RFC 6043 5.1.1, 12.2): alice's forking ticket goes in one
 * TRANSFER_INIT to two devices of bob (same identity, own B-TID and PSK);
 * each resolves it and answers a TRANSFER_RESP with its modifier; alice
 * checks each with the MPKr' she derives and gets that device's TGK'.
 */
static int
run_fork(const struct ue *alice, const struct ue *dev[2],
    const struct ue_result *ra, uint32_t csb)
{
	static uint8_t		 tr[MK_MSG_MAX], res[MK_MSG_MAX];
	static uint8_t		 tresp[MK_MSG_MAX];
	static struct ue_result	 rd[2];
	static struct http_ans	 a;
	static struct mk_msg	 m;
	uint8_t			 rt[32], rr[32], tgk_f[TK_KEY_LEN];
	uint8_t			 ta[16], tb[2][16];
	size_t			 trlen, reslen, rlen, i;
	int64_t			 now = (int64_t)time(NULL);
	int			 fail = 0;

	if (!ra->has_mpkr || !(ra->flags & MK_TP_I)) {
		printf("FAIL the KMS did not grant forking\n");
		return 1;
	}
	printf("ok REQUEST_RESP carries MPKi, MPKr and TGK (forking)\n");
	if (RAND_bytes(rt, sizeof(rt)) != 1 ||
	    ue_transfer_init(alice, dev[0]->id, ra->mpki, ra->mpkr, ra->ticket,
	    csb ^ 1, now, rt, sizeof(rt), tr, sizeof(tr), &trlen) != 0 ||
	    mk_decode(tr, trlen, &m) != MK_OK)
		return 1;
	for (i = 0; i < 2; i++) {
		/* Each device resolves the TICKET of the TRANSFER_INIT, with
		 * its Initiator Data (Vr proves it came from alice). */
		if (RAND_bytes(rr, sizeof(rr)) != 1 ||
		    ue_resolve_init(dev[i], mk_find(&m, MK_PT_TICKET, NULL),
		    csb ^ (uint32_t)(2 + i), (int64_t)time(NULL), rr,
		    sizeof(rr), res, sizeof(res), &reslen) != 0 ||
		    send_mikey("ticketresolve", res, reslen, &a) != 0)
			return 1;
		if (a.status != 200 || ue_response(dev[i], res, reslen, a.mikey,
		    a.mikey_len, &rd[i]) != 0 || rd[i].mikey_err !=
		    TKMS_NO_ERR || !rd[i].has_mpkr || rd[i].rkms_len == 0) {
			printf("FAIL device %zu: forked resolve refused\n", i + 1);
			(void)report(dev[i], res, reslen, &a);
			return 1;
		}
		printf("ok device %zu: RESOLVE_RESP with MPKr', TGK', IDRr %s and"
		    " RANDRkms\n", i + 1, rd[i].idr);
		if (ue_transfer_verify(tr, trlen, rd[i].mpki) != 0 ||
		    CRYPTO_memcmp(rd[i].mpki, ra->mpki, TK_KEY_LEN) != 0) {
			printf("FAIL device %zu: TRANSFER_INIT / Vi\n", i + 1);
			fail = 1;
		} else
			printf("ok device %zu: TRANSFER_INIT and Vi verified with"
			    " MPKi\n", i + 1);
		if (ue_transfer_resp(&rd[i], tr, trlen, (int64_t)time(NULL),
		    tresp, sizeof(tresp), &rlen) != 0 ||
		    ue_transfer_resp_verify(ra->mpkr, ra->tgk, tr, trlen, tresp,
		    rlen, tgk_f) != 0) {
			printf("FAIL device %zu: alice cannot verify its "
			    "TRANSFER_RESP\n", i + 1);
			fail = 1;
			continue;
		}
		printf("ok device %zu: alice verified TRANSFER_RESP with the "
		    "MPKr' she derived\n", i + 1);
		if (CRYPTO_memcmp(tgk_f, rd[i].tgk, TK_KEY_LEN) != 0 ||
		    ue_tek(tgk_f, 1, rt, sizeof(rt), ta) != 0 ||
		    ue_tek(rd[i].tgk, 1, rt, sizeof(rt), tb[i]) != 0 ||
		    CRYPTO_memcmp(ta, tb[i], sizeof(ta)) != 0) {
			printf("FAIL device %zu: TGK'/TEK differ from alice's\n",
			    i + 1);
			fail = 1;
		} else
			printf("ok device %zu: alice and the device derive the "
			    "same TGK' and TEK\n", i + 1);
	}
	if (CRYPTO_memcmp(rd[0].tgk, rd[1].tgk, TK_KEY_LEN) == 0 ||
	    CRYPTO_memcmp(rd[0].mpkr, rd[1].mpkr, TK_KEY_LEN) == 0 ||
	    CRYPTO_memcmp(tb[0], tb[1], sizeof(tb[0])) == 0 ||
	    CRYPTO_memcmp(rd[0].tgk, ra->tgk, TK_KEY_LEN) == 0) {
		printf("FAIL the devices' keys are not distinct\n");
		fail = 1;
	} else
		printf("ok the two devices hold different MPKr', TGK' and TEK\n");
	/* The ticket without alice's Initiator Data does not resolve. */
	if (RAND_bytes(rr, sizeof(rr)) != 1 ||
	    ue_resolve_init(dev[0], ra->ticket, csb ^ 7, (int64_t)time(NULL),
	    rr, sizeof(rr), res, sizeof(res), &reslen) != 0 ||
	    send_mikey("ticketresolve", res, reslen, &a) != 0)
		return 1;
	printf("no initiator data: ");
	(void)report(dev[0], res, reslen, &a);
	OPENSSL_cleanse(rd, sizeof(rd));
	OPENSSL_cleanse(tgk_f, sizeof(tgk_f));
	OPENSSL_cleanse(ta, sizeof(ta));
	OPENSSL_cleanse(tb, sizeof(tb));
	return fail;
}

int
main(int argc, char *argv[])
{
	static struct ue_result	 ra, rb;
	static uint8_t		 req[MK_MSG_MAX], res[MK_MSG_MAX];
	static uint8_t		 tr[MK_MSG_MAX];
	static struct http_ans	 a;
	struct ue		 alice, bob, bob2;
	const struct ue		*dev[2];
	const char		*kcase = "flow", *url = NULL, *kms = NULL;
	const char		*ca = NULL, *burl = NULL, *bca = NULL;
	const char		*bkms = NULL;
	char			*as = NULL, *bs = NULL, *b2s = NULL;
	uint8_t			 ri[32], rr[32], rt[32], tek_a[16], tek_b[16];
	uint32_t		 csb;
	size_t			 rlen, reslen, trlen;
	int64_t			 now = (int64_t)time(NULL), valid_to = 0;
	int			 i, fail = 0;

	memset(&alice, 0, sizeof(alice));
	memset(&bob, 0, sizeof(bob));
	memset(&bob2, 0, sizeof(bob2));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strcmp(argv[i], "--kms-id") == 0 && i + 1 < argc)
			kms = argv[++i];
		else if (strcmp(argv[i], "--alice") == 0 && i + 1 < argc)
			as = argv[++i];
		else if (strcmp(argv[i], "--bob") == 0 && i + 1 < argc)
			bs = argv[++i];
		else if (strcmp(argv[i], "--bob2") == 0 && i + 1 < argc)
			b2s = argv[++i];
		else if (strcmp(argv[i], "--time-offset") == 0 && i + 1 < argc)
			now += strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--cacert") == 0 && i + 1 < argc)
			ca = argv[++i];
		else if (strcmp(argv[i], "--save") == 0 && i + 1 < argc)
			save_dir = argv[++i];
		else if (strcmp(argv[i], "--bob-url") == 0 && i + 1 < argc)
			burl = argv[++i];
		else if (strcmp(argv[i], "--bob-cacert") == 0 && i + 1 < argc)
			bca = argv[++i];
		else if (strcmp(argv[i], "--bob-kms-id") == 0 && i + 1 < argc)
			bkms = argv[++i];
		else if (argv[i][0] != '-' && i == argc - 1)
			kcase = argv[i];
		else
			usage();
	}
	if (url == NULL || kms == NULL || as == NULL || bs == NULL ||
	    parse_ep(url, ca, &ep_a) != 0)
		usage();
	/* Two KMSs: bob is a user of his own KMS (--bob-url). */
	if (burl != NULL) {
		if (bkms == NULL || parse_ep(burl, bca, &ep_b) != 0)
			usage();
	} else
		ep_b = ep_a;
	if (parse_user(as, &alice) != 0 || parse_user(bs, &bob) != 0) {
		fprintf(stderr, "ims-client: bad --alice or --bob\n");
		return 2;
	}
	if (strcmp(kcase, "fork") == 0 && (b2s == NULL ||
	    parse_user(b2s, &bob2) != 0)) {
		fprintf(stderr, "ims-client: fork needs --bob2\n");
		return 2;
	}
	alice.kms_id = kms;
	bob.kms_id = bkms != NULL ? bkms : kms;
	bob2.kms_id = bob.kms_id;
	alice.fork = strcmp(kcase, "fork") == 0;
	if (RAND_bytes(ri, sizeof(ri)) != 1 || RAND_bytes(rr, sizeof(rr)) != 1 ||
	    RAND_bytes(rt, sizeof(rt)) != 1 ||
	    RAND_bytes((uint8_t *)&csb, sizeof(csb)) != 1)
		return 1;

	if (strcmp(kcase, "unknown-key") == 0)
		alice.keyid = "AAAAAAAAAAAAAAAAAAAAAA==@bsf.unknown";
	if (strcmp(kcase, "stale") == 0)
		now -= 3600;
	if (strcmp(kcase, "expired") == 0)
		valid_to = now + 3;	/* room for a slow (sanitizer) KMS */

	/* 1. Ticket request: alice -> KMS. */
	if (ue_request_init(&alice, bob.id, csb, now, valid_to, ri, sizeof(ri),
	    req, sizeof(req), &rlen) != 0)
		return 1;
	if (strcmp(kcase, "bad-mac") == 0)
		req[rlen - 1] ^= 0x01;
	if (strcmp(kcase, "pk") == 0)	/* as REQUEST_INIT_PK (RFC 6043) */
		req[1] = MK_DT_REQUEST_INIT_PK;
	if (send_mikey("ticketrequest", req, rlen, &a) != 0) {
		fprintf(stderr, "ims-client: ticketrequest: no answer\n");
		return 1;
	}
	if (strcmp(kcase, "replay") == 0) {
		if (report(&alice, req, rlen, &a) != 0 ||
		    send_mikey("ticketrequest", req, rlen, &a) != 0)
			return 1;
		return report(&alice, req, rlen, &a);
	}
	if (strcmp(kcase, "unknown-key") == 0 || strcmp(kcase, "bad-mac") == 0 ||
	    strcmp(kcase, "stale") == 0 || strcmp(kcase, "request") == 0 ||
	    strcmp(kcase, "pk") == 0)
		return report(&alice, req, rlen, &a);
	if (a.status != 200 || ue_response(&alice, req, rlen, a.mikey,
	    a.mikey_len, &ra) != 0 || ra.mikey_err != TKMS_NO_ERR) {
		fprintf(stderr, "ims-client: ticketrequest refused: %d (%s)\n",
		    a.status, a.why);
		(void)report(&alice, req, rlen, &a);
		return 1;
	}
	printf("ok REQUEST_RESP MAC verified with alice's PSK\n");
	printf("ok ticket type %u/%u/%u flags 0x%03x\n",
	    ra.ticket->u.tp.ticket_type, ra.ticket->u.tp.subtype,
	    ra.ticket->u.tp.version, ra.flags);
	if (strcmp(kcase, "fork") == 0) {
		dev[0] = &bob;
		dev[1] = &bob2;
		fail = run_fork(&alice, dev, &ra, csb);
		OPENSSL_cleanse(&ra, sizeof(ra));
		return fail;
	}

	/* 2. Ticket transfer: alice -> bob, in process. */
	if (ue_transfer_init(&alice, bob.id, ra.mpki, NULL, ra.ticket, csb ^ 1, now,
	    rt, sizeof(rt), tr, sizeof(tr), &trlen) != 0)
		return 1;
	if (strcmp(kcase, "lifetime") == 0) {
		/* No TRe asked: the KMS's [ticket] lifetime sets it. */
		int64_t trs = 0, tre = 0;

		if (granted_window(ra.ticket, &trs, &tre) != 0)
			return 1;
		printf("ok granted validity %lld s\n", (long long)(tre - trs));
		valid_to = tre;
	}
	while ((strcmp(kcase, "expired") == 0 ||
	    strcmp(kcase, "lifetime") == 0) &&
	    (int64_t)time(NULL) <= valid_to)
		sleep(1);
	if (strcmp(kcase, "bad-ticket") == 0)	/* a KEMAC byte */
		ra.buf[ra.ticket->off + ra.ticket->len - 40] ^= 0x01;
	if (strcmp(kcase, "foreign-ticket") == 0 &&
	    rename_ticket_kms(&ra) != 0)
		return 1;
	if (strcmp(kcase, "peer-spoof") == 0) {
		/* A client without the peer's certificate claiming to be
		 * the peer KMS (IDRpsk = its identity) at alice's KMS. */
		struct ue spoof = bob;

		spoof.keyid = bob.kms_id;
		spoof.kms_id = kms;
		if (RAND_bytes(spoof.psk, sizeof(spoof.psk)) != 1 ||
		    ue_resolve_init(&spoof, ra.ticket, csb ^ 2,
		    (int64_t)time(NULL), rr, sizeof(rr), res, sizeof(res),
		    &reslen) != 0)
			return 1;
		ep_force = &ep_a;
		if (send_mikey("ticketresolve", res, reslen, &a) != 0)
			return 1;
		return report(&spoof, res, reslen, &a);
	}

	/* mode3: the ticket as if alice had made it (D = 0, RFC 6043 mode
	 * 3): the copy the resolve carries, flags changed. */
	if (strcmp(kcase, "mode3") == 0) {
		static struct mk_payload	 t3;

		t3 = *ra.ticket;
		t3.u.tp.flags &= (uint16_t)~MK_TP_D;
		ra.ticket = &t3;
	}
	/* 3. Ticket resolve: bob -> KMS. */
	now = (int64_t)time(NULL);
	if (ue_resolve_init(strcmp(kcase, "not-responder") == 0 ? &alice :
	    &bob, ra.ticket, csb ^ 2, now, rr, sizeof(rr), res, sizeof(res),
	    &reslen) != 0)
		return 1;
	if (send_mikey("ticketresolve", res, reslen, &a) != 0) {
		fprintf(stderr, "ims-client: ticketresolve: no answer\n");
		return 1;
	}
	if (strcmp(kcase, "flow") != 0)
		return report(&bob, res, reslen, &a);
	if (a.status != 200 || ue_response(&bob, res, reslen, a.mikey,
	    a.mikey_len, &rb) != 0 || rb.mikey_err != TKMS_NO_ERR) {
		fprintf(stderr, "ims-client: ticketresolve refused\n");
		(void)report(&bob, res, reslen, &a);
		return 1;
	}
	printf("ok RESOLVE_RESP MAC verified with bob's PSK\n");
	printf("ok RESOLVE_RESP from KMS %s\n", rb.kms);
	if (ue_transfer_verify(tr, trlen, rb.mpki) != 0) {
		printf("FAIL TRANSFER_INIT MAC under the resolved MPKi\n");
		fail = 1;
	} else
		printf("ok TRANSFER_INIT MAC verified with the MPKi bob "
		    "resolved\n");
	if (CRYPTO_memcmp(ra.mpki, rb.mpki, TK_KEY_LEN) != 0 ||
	    CRYPTO_memcmp(ra.tgk, rb.tgk, TK_KEY_LEN) != 0 ||
	    memcmp(ra.tgk_spi, rb.tgk_spi, TK_SPI_LEN) != 0) {
		printf("FAIL MPKi/TGK differ between alice and bob\n");
		fail = 1;
	} else
		printf("ok alice and bob hold the same MPKi and TGK\n");
	if (ue_tek(ra.tgk, 1, rt, sizeof(rt), tek_a) != 0 ||
	    ue_tek(rb.tgk, 1, rt, sizeof(rt), tek_b) != 0 ||
	    CRYPTO_memcmp(tek_a, tek_b, sizeof(tek_a)) != 0) {
		printf("FAIL TEKs differ\n");
		fail = 1;
	} else {
		printf("ok alice and bob derive the same TEK (CS 1)\n");
		/* the TEK itself is a secret: print only its SPI and a tag */
		print_hex("tgk-spi", ra.tgk_spi, TK_SPI_LEN);
	}
	OPENSSL_cleanse(&ra, sizeof(ra));
	OPENSSL_cleanse(&rb, sizeof(rb));
	OPENSSL_cleanse(tek_a, sizeof(tek_a));
	OPENSSL_cleanse(tek_b, sizeof(tek_b));
	return fail;
}
