/*
 * kms-load - drive kmsd with concurrent clients and print requests per
 * second and latency percentiles.  A benchmark program, never a test.
 *
 * usage: kms-load --url URL [--conns N] [--seconds S] [--requests N]
 *                 [--new-conn] [--path PATH] [--cacert FILE] [--token T]
 *        kms-load --url URL --ticket R:S --kms-id ID --alice ID,B-TID,PSKFILE
 *                 --bob ID,B-TID,PSKFILE [--conns N] [--seconds S] ...
 *
 * --ticket R:S: MIKEY-TICKET (docs/ticket.md) instead of --path: each
 * connection asks for one ticket, then repeats R ticketrequests (alice)
 * and S ticketresolves (bob, of its ticket) in turn, every message fresh
 * (T, RAND, CSB ID); an answer counts as ok only if it is a 200 whose
 * MIKEY response verifies with the user's PSK (ue.c).  The KMS's replay
 * cache holds every message for 2 x skew: size [ticket] replay_cache to
 * the run.
 *
 * Each connection is one thread with one libcurl handle, kept alive unless
 * --new-conn.  Connections start 20 ms apart: slirp's host forward has a
 * listen backlog of 1 (notes/platform.md).  The run stops after S seconds
 * (default 5) or N requests in all, whichever comes first.
 */
#include <getopt.h>
#include <pthread.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ticket.h"
#include "ue.h"

#define LOAD_CONNS_MAX		256
#define LOAD_SAMPLES_MAX	(4 * 1000 * 1000)
#define LOAD_RAMP_MS		20
#define LOAD_URL_MAX		2048

struct load {
	char		 url[LOAD_URL_MAX];
	const char	*cacert;
	const char	*token;
	bool		 new_conn;
	double		 seconds;
	long		 requests;
	_Atomic long	 issued;
	_Atomic long	 ok;
	_Atomic long	 failed;
	_Atomic long	 nsamples;
	uint32_t	*samples;	/* latency in microseconds */
	double		 t0;
	/* --ticket R:S */
	long		 t_req, t_res;
	struct ue	 alice, bob;
	char		 base[LOAD_URL_MAX];
};

/* One MIKEY exchange's buffers (per thread). */
struct tx {
	uint8_t		 msg[MK_MSG_MAX];
	size_t		 msg_len;
	char		 b64[TKMS_BODY_MAX];
	char		 ans[TKMS_BODY_MAX];
	size_t		 ans_len;
	uint8_t		 mikey[MK_MSG_MAX];
	size_t		 mikey_len;
	struct ue_result r;
};

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
sink(char *p, size_t size, size_t n, void *arg)
{
	return size * n;
}

static size_t
keep(char *p, size_t size, size_t n, void *arg)
{
	struct tx	*x = arg;

	if (size * n > sizeof(x->ans) - 1 - x->ans_len)
		return 0;
	memcpy(x->ans + x->ans_len, p, size * n);
	x->ans_len += size * n;
	return size * n;
}

/*
 * One ticketrequest (u = alice) or ticketresolve (u = bob, of ticket):
 * builds the message, POSTs it, checks the answer.  Returns 0 when the
 * KMS answered 200 with a response that verified and opened.
 */
static int
ticket_tx(struct load *ld, CURL *c, struct tx *x, bool resolve,
    const struct mk_payload *ticket)
{
	uint8_t		 rnd[32];
	uint32_t	 csb;
	size_t		 n;
	long		 code;
	char		 url[LOAD_URL_MAX + 64];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    RAND_bytes((uint8_t *)&csb, sizeof(csb)) != 1)
		return -1;
	if (resolve ? ue_resolve_init(&ld->bob, ticket, csb, (int64_t)time(NULL),
	    rnd, sizeof(rnd), x->msg, sizeof(x->msg), &x->msg_len) :
	    ue_request_init(&ld->alice, ld->bob.id, csb, (int64_t)time(NULL),
	    0, rnd, sizeof(rnd), x->msg, sizeof(x->msg), &x->msg_len))
		return -1;
	if ((n = tk_b64_encode(x->msg, x->msg_len, x->b64, sizeof(x->b64))) ==
	    0)
		return -1;
	snprintf(url, sizeof(url), "%s%s?requesttype=%s", ld->base, TKMS_PATH,
	    resolve ? "ticketresolve" : "ticketrequest");
	x->ans_len = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)n);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, x->b64);
	if (curl_easy_perform(c) != CURLE_OK ||
	    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK ||
	    code != 200 ||
	    tk_b64_decode(x->ans, x->ans_len, x->mikey, sizeof(x->mikey),
	    &x->mikey_len) != 0 ||
	    ue_response(resolve ? &ld->bob : &ld->alice, x->msg, x->msg_len,
	    x->mikey, x->mikey_len, &x->r) != 0 ||
	    x->r.mikey_err != TKMS_NO_ERR)
		return -1;
	return 0;
}

/* A --ticket R:S connection. */
static void *
ticket_client(void *arg)
{
	struct load		*ld = arg;
	struct curl_slist	*hdrs = NULL;
	struct tx		*x = NULL, *tk = NULL;
	CURL			*c;
	double			 t;
	long			 i, k, cycle = ld->t_req + ld->t_res, seq = 0;

	if ((c = curl_easy_init()) == NULL ||
	    (x = calloc(1, sizeof(*x))) == NULL ||
	    (tk = calloc(1, sizeof(*tk))) == NULL)
		goto out;
	hdrs = curl_slist_append(hdrs, "Content-Type: " TKMS_CONTENT_TYPE);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (ld->cacert != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, ld->cacert);
	if (ld->new_conn) {
		curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	}
	/* The ticket this connection's resolves use (not timed). */
	curl_easy_setopt(c, CURLOPT_WRITEDATA, tk);
	if (ticket_tx(ld, c, tk, false, NULL) != 0) {
		atomic_fetch_add(&ld->failed, 1);
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	for (;;) {
		if (now_s() - ld->t0 >= ld->seconds)
			break;
		if ((i = atomic_fetch_add(&ld->issued, 1)) >= ld->requests)
			break;
		t = now_s();
		if (ticket_tx(ld, c, x, seq++ % cycle >= ld->t_req,
		    tk->r.ticket) == 0) {
			k = atomic_fetch_add(&ld->nsamples, 1);
			atomic_fetch_add(&ld->ok, 1);
			if (k < LOAD_SAMPLES_MAX)
				ld->samples[k] = (uint32_t)((now_s() - t) * 1e6);
		} else
			atomic_fetch_add(&ld->failed, 1);
	}
 out:
	/* wipe: keys opened from the answers */
	if (x != NULL)
		OPENSSL_cleanse(&x->r, sizeof(x->r));
	if (tk != NULL)
		OPENSSL_cleanse(&tk->r, sizeof(tk->r));
	free(x);
	free(tk);
	curl_slist_free_all(hdrs);
	if (c != NULL)
		curl_easy_cleanup(c);
	return NULL;
}

/* "ID,B-TID,PSKFILE" into *u; 0 or -1. */
static int
load_user(char *s, struct ue *u)
{
	char	*keyid, *file, hex[80];
	FILE	*f;
	size_t	 i;
	int	 rc = -1;

	if ((keyid = strchr(s, ',')) == NULL ||
	    (file = strchr(keyid + 1, ',')) == NULL)
		return -1;
	*keyid++ = '\0';
	*file++ = '\0';
	u->id = s;
	u->keyid = keyid;
	if ((f = fopen(file, "r")) == NULL)
		return -1;
	if (fgets(hex, sizeof(hex), f) != NULL && strlen(hex) >= 64) {
		rc = 0;
		for (i = 0; i < TK_KEY_LEN; i++) {
			unsigned int v;

			if (sscanf(hex + 2 * i, "%2x", &v) != 1)
				rc = -1;
			u->psk[i] = (uint8_t)v;
		}
	}
	fclose(f);
	/* wipe: the PSK text */
	OPENSSL_cleanse(hex, sizeof(hex));
	return rc;
}

static void *
client(void *arg)
{
	struct load		*ld = arg;
	struct curl_slist	*hdrs = NULL;
	char			 auth[4096];
	CURL			*c;
	double			 t;
	long			 code, i;

	if ((c = curl_easy_init()) == NULL)
		return NULL;
	hdrs = curl_slist_append(hdrs, "Accept: application/xml");
	if (ld->token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
		    ld->token);
		hdrs = curl_slist_append(hdrs, auth);
	}
	curl_easy_setopt(c, CURLOPT_URL, ld->url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (ld->cacert != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, ld->cacert);
	if (ld->new_conn) {
		curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	}
	for (;;) {
		if (now_s() - ld->t0 >= ld->seconds)
			break;
		if ((i = atomic_fetch_add(&ld->issued, 1)) >= ld->requests)
			break;
		t = now_s();
		if (curl_easy_perform(c) == CURLE_OK &&
		    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) ==
		    CURLE_OK && code == 200) {
			long	 k = atomic_fetch_add(&ld->nsamples, 1);

			atomic_fetch_add(&ld->ok, 1);
			if (k < LOAD_SAMPLES_MAX)
				ld->samples[k] = (uint32_t)((now_s() - t) * 1e6);
		} else
			atomic_fetch_add(&ld->failed, 1);
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return NULL;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
usage(void)
{
	fprintf(stderr, "usage: kms-load --url URL [--conns N] [--seconds S] "
	    "[--requests N] [--new-conn] [--path PATH] [--cacert FILE] "
	    "[--token T]\n"
	    "       kms-load --url URL --ticket R:S --kms-id ID "
	    "--alice ID,B-TID,PSKFILE --bob ID,B-TID,PSKFILE [options]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "conns", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 's' },
		{ "requests", required_argument, NULL, 'n' },
		{ "new-conn", no_argument, NULL, 'N' },
		{ "path", required_argument, NULL, 'p' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "token", required_argument, NULL, 't' },
		{ "ticket", required_argument, NULL, 'T' },
		{ "kms-id", required_argument, NULL, 'K' },
		{ "alice", required_argument, NULL, 'A' },
		{ "bob", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 }
	};
	static struct load	 ld;
	pthread_t		 th[LOAD_CONNS_MAX];
	const char		*base = NULL, *path =
	    "/keymanagement/identity/v1/init";
	long			 conns = 1, i, n;
	double			 el;
	char			 mix[LOAD_URL_MAX];
	int			 ch;

	ld.seconds = 5;
	ld.requests = LONG_MAX;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': base = optarg; break;
		case 'c': conns = strtol(optarg, NULL, 10); break;
		case 's': ld.seconds = strtod(optarg, NULL); break;
		case 'n': ld.requests = strtol(optarg, NULL, 10); break;
		case 'N': ld.new_conn = true; break;
		case 'p': path = optarg; break;
		case 'C': ld.cacert = optarg; break;
		case 't': ld.token = optarg; break;
		case 'T':
			if (sscanf(optarg, "%ld:%ld", &ld.t_req, &ld.t_res) !=
			    2 || ld.t_req < 0 || ld.t_res < 0 ||
			    ld.t_req + ld.t_res < 1)
				usage();
			break;
		case 'K': ld.alice.kms_id = ld.bob.kms_id = optarg; break;
		case 'A':
			if (load_user(optarg, &ld.alice) != 0)
				usage();
			break;
		case 'B':
			if (load_user(optarg, &ld.bob) != 0)
				usage();
			break;
		default: usage();
		}
	}
	if (base == NULL || conns < 1 || conns > LOAD_CONNS_MAX ||
	    ld.seconds <= 0 || ld.seconds > 600 || ld.requests < 1)
		usage();
	if (ld.t_req + ld.t_res > 0 && (ld.alice.id == NULL ||
	    ld.bob.id == NULL || ld.alice.kms_id == NULL))
		usage();
	snprintf(ld.url, sizeof(ld.url), "%s%s", base, path);
	snprintf(ld.base, sizeof(ld.base), "%s", base);
	if ((ld.samples = calloc(LOAD_SAMPLES_MAX, sizeof(uint32_t))) == NULL)
		return 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ld.t0 = now_s();
	for (i = 0; i < conns; i++) {
		if (pthread_create(&th[i], NULL, ld.t_req + ld.t_res > 0 ?
		    ticket_client : client, &ld) != 0)
			return 1;
		usleep(LOAD_RAMP_MS * 1000);
	}
	for (i = 0; i < conns; i++)
		pthread_join(th[i], NULL);
	el = now_s() - ld.t0;
	n = atomic_load(&ld.nsamples);
	if (n > LOAD_SAMPLES_MAX)
		n = LOAD_SAMPLES_MAX;
	qsort(ld.samples, (size_t)n, sizeof(uint32_t), cmp_u32);
	if (ld.t_req + ld.t_res > 0)
		snprintf(mix, sizeof(mix), "ticket %ld:%ld", ld.t_req,
		    ld.t_res);
	else
		snprintf(mix, sizeof(mix), "%s", path);
	printf("kms-load %s conns=%ld %s: %ld ok, %ld failed in %.2f s = "
	    "%.0f req/s; latency ms p50 %.3f p99 %.3f max %.3f\n",
	    mix, conns, ld.new_conn ? "new-conn" : "keep-alive",
	    atomic_load(&ld.ok), atomic_load(&ld.failed), el,
	    (double)atomic_load(&ld.ok) / el,
	    n ? ld.samples[n / 2] / 1e3 : 0.0,
	    n ? ld.samples[(size_t)((double)n * 0.99)] / 1e3 : 0.0,
	    n ? ld.samples[n - 1] / 1e3 : 0.0);
	free(ld.samples);
	curl_global_cleanup();
	return atomic_load(&ld.failed) == 0 ? 0 : 1;
}
