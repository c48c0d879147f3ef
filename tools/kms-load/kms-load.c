/*
 * kms-load - drive kmsd with concurrent clients and print requests per
 * second and latency percentiles.  A benchmark program, never a test.
 *
 * usage: kms-load --url URL [--conns N] [--seconds S] [--requests N]
 *                 [--new-conn] [--path PATH] [--cacert FILE] [--token T]
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
	    "[--token T]\n");
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
		{ NULL, 0, NULL, 0 }
	};
	static struct load	 ld;
	pthread_t		 th[LOAD_CONNS_MAX];
	const char		*base = NULL, *path =
	    "/keymanagement/identity/v1/init";
	long			 conns = 1, i, n;
	double			 el;
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
		default: usage();
		}
	}
	if (base == NULL || conns < 1 || conns > LOAD_CONNS_MAX ||
	    ld.seconds <= 0 || ld.seconds > 600 || ld.requests < 1)
		usage();
	snprintf(ld.url, sizeof(ld.url), "%s%s", base, path);
	if ((ld.samples = calloc(LOAD_SAMPLES_MAX, sizeof(uint32_t))) == NULL)
		return 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ld.t0 = now_s();
	for (i = 0; i < conns; i++) {
		if (pthread_create(&th[i], NULL, client, &ld) != 0)
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
	printf("kms-load %s conns=%ld %s: %ld ok, %ld failed in %.2f s = "
	    "%.0f req/s; latency ms p50 %.3f p99 %.3f max %.3f\n",
	    path, conns, ld.new_conn ? "new-conn" : "keep-alive",
	    atomic_load(&ld.ok), atomic_load(&ld.failed), el,
	    (double)atomic_load(&ld.ok) / el,
	    n ? ld.samples[n / 2] / 1e3 : 0.0,
	    n ? ld.samples[(size_t)((double)n * 0.99)] / 1e3 : 0.0,
	    n ? ld.samples[n - 1] / 1e3 : 0.0);
	free(ld.samples);
	curl_global_cleanup();
	return atomic_load(&ld.failed) == 0 ? 0 : 1;
}
