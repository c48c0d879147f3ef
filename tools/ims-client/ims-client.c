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
 * Refusal cases, each printing "status <http> mikey-error <n|none>"
 * for the answer under test: unknown-key, bad-mac, replay, stale,
 * expired, not-responder, bad-ticket.
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

#include "ticket.h"
#include "ue.h"

#define HTTP_MAX	(64 * 1024)

struct http_ans {
	int		 status;
	char		 retry_after[16];
	uint8_t		 mikey[MK_MSG_MAX];
	size_t		 mikey_len;
};

static const char	*url_host = "127.0.0.1";
static char		 url_port[8] = "80";

static void
usage(void)
{
	fprintf(stderr, "usage: ims-client --url http://HOST:PORT --kms-id ID"
	    " --alice ID,B-TID,PSKFILE\n"
	    "           --bob ID,B-TID,PSKFILE [flow | unknown-key | bad-mac |"
	    " replay |\n"
	    "           stale | expired | not-responder | bad-ticket]\n");
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
	char		*hdr_end, *p, *b;
	size_t		 n = 0, clen = 0;
	ssize_t		 r;
	int		 fd = -1, rc = -1;

	memset(a, 0, sizeof(*a));
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(url_host, url_port, &hints, &ai) != 0)
		return -1;
	if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)
		goto out;
	n = (size_t)snprintf(buf, sizeof(buf), "POST %s HTTP/1.1\r\n"
	    "Host: %s:%s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "User-Agent: KMSAgent; Release-9 3gpp-gba\r\n"
	    "Connection: close\r\n\r\n", path_query, url_host, url_port, ct,
	    body_len);
	if (write(fd, buf, n) != (ssize_t)n ||
	    write(fd, body, body_len) != (ssize_t)body_len)
		goto out;
	n = 0;
	while (n < sizeof(buf) - 1 &&
	    (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0) {
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
	if (a->status == 200 && clen > 0 &&
	    tk_b64_decode(b, clen, a->mikey, sizeof(a->mikey), &a->mikey_len)
	    != 0)
		goto out;
	rc = 0;
 out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return rc;
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
	snprintf(pq, sizeof(pq), "/keymanagement?requesttype=%s", rt);
	return http_post(pq, TKMS_CONTENT_TYPE, b64, n, a);
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

int
main(int argc, char *argv[])
{
	static struct ue_result	 ra, rb;
	static uint8_t		 req[MK_MSG_MAX], res[MK_MSG_MAX];
	static uint8_t		 tr[MK_MSG_MAX];
	static struct http_ans	 a;
	struct ue		 alice, bob;
	const char		*kcase = "flow", *url = NULL, *kms = NULL;
	char			*as = NULL, *bs = NULL, *c;
	uint8_t			 ri[32], rr[32], rt[32], tek_a[16], tek_b[16];
	uint32_t		 csb;
	size_t			 rlen, reslen, trlen;
	int64_t			 now = (int64_t)time(NULL), valid_to = 0;
	int			 i, fail = 0;

	memset(&alice, 0, sizeof(alice));
	memset(&bob, 0, sizeof(bob));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strcmp(argv[i], "--kms-id") == 0 && i + 1 < argc)
			kms = argv[++i];
		else if (strcmp(argv[i], "--alice") == 0 && i + 1 < argc)
			as = argv[++i];
		else if (strcmp(argv[i], "--bob") == 0 && i + 1 < argc)
			bs = argv[++i];
		else if (argv[i][0] != '-' && i == argc - 1)
			kcase = argv[i];
		else
			usage();
	}
	if (url == NULL || kms == NULL || as == NULL || bs == NULL ||
	    strncmp(url, "http://", 7) != 0)
		usage();
	url_host = url + 7;
	if ((c = strrchr(url + 7, ':')) != NULL) {
		snprintf(url_port, sizeof(url_port), "%s", c + 1);
		*c = '\0';
	}
	if (parse_user(as, &alice) != 0 || parse_user(bs, &bob) != 0) {
		fprintf(stderr, "ims-client: bad --alice or --bob\n");
		return 2;
	}
	alice.kms_id = kms;
	bob.kms_id = kms;
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
	    strcmp(kcase, "stale") == 0)
		return report(&alice, req, rlen, &a);
	if (a.status != 200 || ue_response(&alice, req, rlen, a.mikey,
	    a.mikey_len, &ra) != 0 || ra.mikey_err != TKMS_NO_ERR) {
		fprintf(stderr, "ims-client: ticketrequest refused: %d\n",
		    a.status);
		(void)report(&alice, req, rlen, &a);
		return 1;
	}
	printf("ok REQUEST_RESP MAC verified with alice's PSK\n");
	printf("ok ticket type %u/%u/%u flags 0x%03x\n",
	    ra.ticket->u.tp.ticket_type, ra.ticket->u.tp.subtype,
	    ra.ticket->u.tp.version, ra.flags);

	/* 2. Ticket transfer: alice -> bob, in process. */
	if (ue_transfer_init(&alice, bob.id, ra.mpki, ra.ticket, csb ^ 1, now,
	    rt, sizeof(rt), tr, sizeof(tr), &trlen) != 0)
		return 1;
	while (strcmp(kcase, "expired") == 0 &&
	    (int64_t)time(NULL) <= valid_to)
		sleep(1);
	if (strcmp(kcase, "bad-ticket") == 0)	/* a KEMAC byte */
		ra.buf[ra.ticket->off + ra.ticket->len - 40] ^= 0x01;

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
