/*
 * kms-client - the UE side of the TS 33.180 Annex D KMS interface, used
 * as an independent verifier of kmsd.
 *
 *	kms-client --url URL [options] init
 *	kms-client --url URL [options] raw METHOD PATH
 *
 * init POSTs an empty body to URL/keymanagement/identity/v1/init and
 * verifies every answer completely (ucheck.h).  raw sends one request
 * and prints its HTTP status; with --expect-status and --expect-kms-error
 * it also verifies the status and that the body is an XSD-valid
 * KmsResponse carrying a KmsError.
 *
 * Exit status: 0 if every request verified, 1 if one did not, 2 on a
 * usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "ucheck.h"

#ifndef KC_DEFAULT_XSD
#define KC_DEFAULT_XSD		"tests/schema/kms-interface.xsd"
#endif

#define KC_INIT_PATH		"/keymanagement/identity/v1/init"
#define KC_MAX_BODY		(1024 * 1024)	/* largest response kept */
#define KC_MAX_REQ_BODY		(64 * 1024 * 1024) /* largest --body file */
#define KC_MAX_COUNT		1000000		/* --count ceiling */
#define KC_MAX_HEADERS		32		/* --header occurrences */
#define KC_MAX_REPORTED		20		/* failure messages shown */
#define KC_DEFAULT_TIMEOUT	30		/* seconds per request */
#define KC_CONNECT_TIMEOUT	10		/* seconds to connect */
#define KC_URL_LEN		2048

struct opts {
	const char	*o_url;
	const char	*o_xsd;
	const char	*o_save;
	const char	*o_token;
	const char	*o_expect_uri;
	const char	*o_body_file;
	const char	*o_cacert;	/* HTTPS: trust only this CA */
	const char	*o_headers[KC_MAX_HEADERS];
	size_t		 o_nheaders;
	long		 o_count;
	long		 o_timeout;
	long		 o_expect_status;	/* -1: not checked */
	bool		 o_expect_error;
	bool		 o_new_conn;
	bool		 o_quiet;
};

struct body {
	char		*b_data;
	size_t		 b_len;
	size_t		 b_cap;
	bool		 b_overflow;
};

/* One finished exchange. */
struct answer {
	long		 a_status;
	long		 a_new_conns;
	char		 a_ctype[128];
};

static const char	*progname = "kms-client";
static long		 nreported;

static void		 usage(void) __attribute__((noreturn));
static void		 fail_req(const char *, long, const char *, ...)
			    __attribute__((format(printf, 3, 4)));
static long		 num_arg(const char *, const char *, long, long);
static size_t		 body_write(char *, size_t, size_t, void *);
static bool		 is_xml_ctype(const char *);
static int		 read_file(const char *, char **, size_t *);
static int		 save_body(const char *, const char *, long,
			    const struct body *);
static CURL		*easy_new(const struct opts *, const char *,
			    struct curl_slist *, struct body *);
static int		 exchange(CURL *, struct body *, struct answer *,
			    const char *, long);
static int		 run_init(const struct opts *, const struct ucheck *);
static int		 run_raw(const struct opts *, const struct ucheck *,
			    const char *, const char *);

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s --url URL [--xsd PATH] [--save DIR] [--count N]\n"
	    "\t[--keepalive | --new-conn] [--token BEARER]\n"
	    "\t[--expect-kms-uri URI] [--timeout SEC] [--cacert CA.pem] [-q] init\n"
	    "       %s --url URL [options] raw METHOD PATH [--body FILE]\n"
	    "\t[--header 'H: v'] [--expect-status N] [--expect-kms-error]\n",
	    progname, progname);
	exit(2);
}

/* A failure of request number n (0: not tied to one request). */
static void
fail_req(const char *what, long n, const char *fmt, ...)
{
	va_list	 ap;

	if (++nreported > KC_MAX_REPORTED) {
		if (nreported == KC_MAX_REPORTED + 1)
			fprintf(stderr, "%s: %s: further failures not shown\n",
			    progname, what);
		return;
	}
	if (n > 0)
		fprintf(stderr, "%s: %s #%ld: ", progname, what, n);
	else
		fprintf(stderr, "%s: %s: ", progname, what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static long
num_arg(const char *name, const char *s, long min, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
		fprintf(stderr, "%s: %s: %s is not in [%ld, %ld]\n", progname,
		    name, s, min, max);
		exit(2);
	}
	return v;
}

/* libcurl write callback: keeps at most KC_MAX_BODY octets. */
static size_t
body_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body	*b = arg;
	size_t		 n = size * nmemb, cap;
	char		*p;

	if (b->b_len + n > KC_MAX_BODY) {
		b->b_overflow = true;
		return 0;
	}
	if (b->b_len + n + 1 > b->b_cap) {
		cap = b->b_cap == 0 ? 16384 : b->b_cap;
		while (cap < b->b_len + n + 1)
			cap *= 2;
		if ((p = realloc(b->b_data, cap)) == NULL)
			return 0;
		b->b_data = p;
		b->b_cap = cap;
	}
	memcpy(b->b_data + b->b_len, data, n);
	b->b_len += n;
	b->b_data[b->b_len] = '\0';
	return n;
}

/* "application/xml", any case, optionally followed by parameters. */
static bool
is_xml_ctype(const char *ct)
{
	static const char	 want[] = "application/xml";
	size_t			 n = sizeof(want) - 1;

	if (ct == NULL)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, n) != 0)
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

static int
read_file(const char *path, char **datap, size_t *lenp)
{
	FILE	*f;
	char	*data = NULL;
	long	 len;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
		    strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "%s: %s: cannot size\n", progname, path);
		goto fail;
	}
	if (len > KC_MAX_REQ_BODY) {
		fprintf(stderr, "%s: %s: larger than %d octets\n", progname,
		    path, KC_MAX_REQ_BODY);
		goto fail;
	}
	if ((data = malloc((size_t)len + 1)) == NULL ||
	    fread(data, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "%s: %s: cannot read\n", progname, path);
		goto fail;
	}
	fclose(f);
	*datap = data;
	*lenp = (size_t)len;
	return 0;
 fail:
	free(data);
	fclose(f);
	return -1;
}

/* Writes the body to dir/<what>-<n>.xml. */
static int
save_body(const char *dir, const char *what, long n, const struct body *b)
{
	char	 path[KC_URL_LEN];
	FILE	*f;
	int	 ok;

	if (snprintf(path, sizeof(path), "%s/%s-%ld.xml", dir, what, n) >=
	    (int)sizeof(path)) {
		fprintf(stderr, "%s: --save path too long\n", progname);
		return -1;
	}
	if ((f = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
		    strerror(errno));
		return -1;
	}
	ok = b->b_len == 0 || fwrite(b->b_data, 1, b->b_len, f) == b->b_len;
	if (fclose(f) != 0 || !ok) {
		fprintf(stderr, "%s: %s: write failed\n", progname, path);
		return -1;
	}
	return 0;
}

/* An easy handle for url with the common options. */
static CURL *
easy_new(const struct opts *o, const char *url, struct curl_slist *hdrs,
    struct body *b)
{
	CURL	*c;

	if ((c = curl_easy_init()) == NULL)
		return NULL;
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT, o->o_timeout) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	    (long)KC_CONNECT_TIMEOUT) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, b) != CURLE_OK) {
		curl_easy_cleanup(c);
		return NULL;
	}
	if (o->o_cacert != NULL &&
	    (curl_easy_setopt(c, CURLOPT_CAINFO, o->o_cacert) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CAPATH, NULL) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSLVERSION,
	    (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK)) {
		curl_easy_cleanup(c);
		return NULL;
	}
	if (o->o_new_conn &&
	    (curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK)) {
		curl_easy_cleanup(c);
		return NULL;
	}
	return c;
}

/*
 * Performs one request.  A transport error after a complete status line
 * (a server answering 413 before reading the whole body, then closing)
 * still counts as an answer.  Returns 0 if there is an answer.
 */
static int
exchange(CURL *c, struct body *b, struct answer *a, const char *what,
    long n)
{
	CURLcode	 rc;
	char		*ct = NULL;

	b->b_len = 0;
	b->b_overflow = false;
	if (b->b_data != NULL)
		b->b_data[0] = '\0';
	memset(a, 0, sizeof(*a));
	rc = curl_easy_perform(c);
	if (b->b_overflow) {
		fail_req(what, n, "response body larger than %d octets",
		    KC_MAX_BODY);
		return -1;
	}
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->a_status) !=
	    CURLE_OK)
		a->a_status = 0;
	if (rc != CURLE_OK && a->a_status == 0) {
		fail_req(what, n, "%s", curl_easy_strerror(rc));
		return -1;
	}
	if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &a->a_new_conns) !=
	    CURLE_OK)
		a->a_new_conns = 0;
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK &&
	    ct != NULL)
		snprintf(a->a_ctype, sizeof(a->a_ctype), "%s", ct);
	return 0;
}

static int
run_init(const struct opts *o, const struct ucheck *uc)
{
	struct ucheck_init	 info;
	struct curl_slist	*hdrs = NULL, *h;
	struct body		 b;
	struct answer		 a;
	char			 url[KC_URL_LEN], auth[KC_URL_LEN];
	char			 msg[UCHECK_MSG_LEN];
	CURL			*c = NULL;
	long			 i, ok = 0, conns = 0, want_conns;
	enum ucheck_status	 s;
	int			 ret = 1;

	memset(&b, 0, sizeof(b));
	memset(&info, 0, sizeof(info));
	if (snprintf(url, sizeof(url), "%s%s", o->o_url, KC_INIT_PATH) >=
	    (int)sizeof(url)) {
		fprintf(stderr, "%s: URL too long\n", progname);
		return 2;
	}
	if ((h = curl_slist_append(hdrs, "Accept: application/xml")) == NULL)
		goto fail;
	hdrs = h;
	if ((h = curl_slist_append(hdrs, "Expect:")) == NULL)
		goto fail;
	hdrs = h;
	if (o->o_token != NULL) {
		if (snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
		    o->o_token) >= (int)sizeof(auth)) {
			fprintf(stderr, "%s: token too long\n", progname);
			goto fail;
		}
		if ((h = curl_slist_append(hdrs, auth)) == NULL)
			goto fail;
		hdrs = h;
	}
	if ((c = easy_new(o, url, hdrs, &b)) == NULL ||
	    curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L) != CURLE_OK) {
		fprintf(stderr, "%s: cannot set up libcurl\n", progname);
		goto fail;
	}

	for (i = 1; i <= o->o_count; i++) {
		if (exchange(c, &b, &a, "init", i) != 0)
			continue;
		conns += a.a_new_conns;
		if (o->o_save != NULL && save_body(o->o_save, "init", i,
		    &b) != 0)
			goto fail;
		if (a.a_status != 200) {
			fail_req("init", i, "HTTP status %ld, want 200",
			    a.a_status);
			continue;
		}
		if (!is_xml_ctype(a.a_ctype)) {
			fail_req("init", i, "Content-Type '%s', want "
			    "application/xml", a.a_ctype);
			continue;
		}
		s = ucheck_init_response(uc, b.b_data, b.b_len,
		    o->o_expect_uri, &info, msg, sizeof(msg));
		if (s != UCHECK_OK) {
			fail_req("init", i, "%s", msg);
			continue;
		}
		ok++;
	}

	/* One connection for all with keep-alive; one each without. */
	want_conns = o->o_new_conn ? o->o_count : 1;
	if (ok == o->o_count && conns != want_conns) {
		fail_req("init", 0, "%ld new connections for %ld requests, "
		    "want %ld (%s)", conns, o->o_count, want_conns,
		    o->o_new_conn ? "--new-conn" : "keep-alive");
		ok = 0;
	}
	if (ok == o->o_count) {
		ret = 0;
		if (!o->o_quiet)
			printf("init: %ld/%ld verified (KmsUri %s, PubEncKey "
			    "valid order-q point, PubAuthKey valid P-256 "
			    "point, XSD valid, %ld connection%s)\n", ok,
			    o->o_count, info.ui_kms_uri, conns,
			    conns == 1 ? "" : "s");
	} else if (!o->o_quiet)
		printf("init: %ld/%ld verified, %ld failed "
		    "(%ld connection%s)\n", ok, o->o_count,
		    o->o_count - ok, conns, conns == 1 ? "" : "s");
 fail:
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	free(b.b_data);
	return ret;
}

static int
run_raw(const struct opts *o, const struct ucheck *uc, const char *method,
    const char *path)
{
	struct curl_slist	*hdrs = NULL, *h;
	struct body		 b;
	struct answer		 a;
	char			 url[KC_URL_LEN], auth[KC_URL_LEN];
	char			 msg[UCHECK_MSG_LEN];
	char			*req = NULL;
	size_t			 req_len = 0, i;
	CURL			*c = NULL;
	long			 n, ok = 0;
	enum ucheck_status	 s;
	bool			 good;
	int			 ret = 1;

	memset(&b, 0, sizeof(b));
	if (path[0] != '/' || snprintf(url, sizeof(url), "%s%s", o->o_url,
	    path) >= (int)sizeof(url)) {
		fprintf(stderr, "%s: PATH must start with / and fit in %d "
		    "octets\n", progname, KC_URL_LEN);
		return 2;
	}
	if (o->o_body_file != NULL && read_file(o->o_body_file, &req,
	    &req_len) != 0)
		return 2;
	if (o->o_token != NULL) {
		if (snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
		    o->o_token) >= (int)sizeof(auth)) {
			fprintf(stderr, "%s: token too long\n", progname);
			goto fail;
		}
		if ((h = curl_slist_append(hdrs, auth)) == NULL)
			goto fail;
		hdrs = h;
	}
	if ((h = curl_slist_append(hdrs, "Expect:")) == NULL)
		goto fail;
	hdrs = h;
	for (i = 0; i < o->o_nheaders; i++) {
		if ((h = curl_slist_append(hdrs, o->o_headers[i])) == NULL)
			goto fail;
		hdrs = h;
	}
	if ((c = easy_new(o, url, hdrs, &b)) == NULL)
		goto fail_curl;
	if (strcmp(method, "GET") == 0 && req == NULL) {
		if (curl_easy_setopt(c, CURLOPT_HTTPGET, 1L) != CURLE_OK)
			goto fail_curl;
	} else if (strcmp(method, "HEAD") == 0 && req == NULL) {
		if (curl_easy_setopt(c, CURLOPT_NOBODY, 1L) != CURLE_OK)
			goto fail_curl;
	} else {
		/* POST semantics (a body, maybe empty) under any verb. */
		if (curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
		    curl_easy_setopt(c, CURLOPT_POSTFIELDS,
		    req != NULL ? req : "") != CURLE_OK ||
		    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req_len) != CURLE_OK)
			goto fail_curl;
		if (strcmp(method, "POST") != 0 &&
		    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method) !=
		    CURLE_OK)
			goto fail_curl;
	}

	for (n = 1; n <= o->o_count; n++) {
		if (exchange(c, &b, &a, "raw", n) != 0) {
			printf("000\n");	/* no answer, as curl writes it */
			fflush(stdout);
			continue;
		}
		printf("%ld\n", a.a_status);
		fflush(stdout);
		if (o->o_save != NULL && save_body(o->o_save, "raw", n,
		    &b) != 0)
			goto fail;
		good = true;
		if (o->o_expect_status >= 0 &&
		    a.a_status != o->o_expect_status) {
			fail_req("raw", n, "HTTP status %ld, want %ld",
			    a.a_status, o->o_expect_status);
			good = false;
		}
		if (good && o->o_expect_error) {
			if (!is_xml_ctype(a.a_ctype)) {
				fail_req("raw", n, "Content-Type '%s', want "
				    "application/xml", a.a_ctype);
				good = false;
			} else if ((s = ucheck_error_response(uc, b.b_data,
			    b.b_len, msg, sizeof(msg))) != UCHECK_OK) {
				fail_req("raw", n, "%s", msg);
				good = false;
			}
		}
		if (good)
			ok++;
	}
	if (!o->o_quiet && (o->o_expect_status >= 0 || o->o_expect_error))
		fprintf(stderr, "raw %s %s: %ld/%ld verified (%s%s%s)\n",
		    method, path, ok, o->o_count,
		    o->o_expect_status >= 0 ? "status" : "",
		    o->o_expect_status >= 0 && o->o_expect_error ? ", " : "",
		    o->o_expect_error ? "KmsError, XSD valid" : "");
	if (ok == o->o_count)
		ret = 0;
	goto fail;
 fail_curl:
	fprintf(stderr, "%s: cannot set up libcurl\n", progname);
 fail:
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	free(b.b_data);
	free(req);
	return ret;
}

int
main(int argc, char *argv[])
{
	enum {
		OPT_XSD = 256, OPT_SAVE, OPT_COUNT, OPT_KEEPALIVE,
		OPT_NEWCONN, OPT_TOKEN, OPT_EXPECT_URI, OPT_BODY, OPT_HEADER,
		OPT_EXPECT_STATUS, OPT_EXPECT_ERROR, OPT_TIMEOUT, OPT_CACERT
	};
	static const struct option longopts[] = {
		{ "url",		required_argument, NULL, 'u' },
		{ "xsd",		required_argument, NULL, OPT_XSD },
		{ "save",		required_argument, NULL, OPT_SAVE },
		{ "count",		required_argument, NULL, OPT_COUNT },
		{ "keepalive",		no_argument, NULL, OPT_KEEPALIVE },
		{ "new-conn",		no_argument, NULL, OPT_NEWCONN },
		{ "token",		required_argument, NULL, OPT_TOKEN },
		{ "expect-kms-uri",	required_argument, NULL,
		    OPT_EXPECT_URI },
		{ "body",		required_argument, NULL, OPT_BODY },
		{ "header",		required_argument, NULL, OPT_HEADER },
		{ "expect-status",	required_argument, NULL,
		    OPT_EXPECT_STATUS },
		{ "expect-kms-error",	no_argument, NULL, OPT_EXPECT_ERROR },
		{ "timeout",		required_argument, NULL, OPT_TIMEOUT },
		{ "cacert",		required_argument, NULL, OPT_CACERT },
		{ "quiet",		no_argument, NULL, 'q' },
		{ "help",		no_argument, NULL, 'h' },
		{ NULL,			0, NULL, 0 }
	};
	struct opts	 o;
	struct ucheck	*uc = NULL;
	char		 msg[UCHECK_MSG_LEN], *url = NULL;
	size_t		 len;
	struct stat	 st;
	int		 ch, ret = 2;

	memset(&o, 0, sizeof(o));
	o.o_xsd = KC_DEFAULT_XSD;
	o.o_count = 1;
	o.o_timeout = KC_DEFAULT_TIMEOUT;
	o.o_expect_status = -1;
	while ((ch = getopt_long(argc, argv, "u:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			o.o_url = optarg;
			break;
		case OPT_XSD:
			o.o_xsd = optarg;
			break;
		case OPT_SAVE:
			o.o_save = optarg;
			break;
		case OPT_COUNT:
			o.o_count = num_arg("--count", optarg, 1,
			    KC_MAX_COUNT);
			break;
		case OPT_KEEPALIVE:
			o.o_new_conn = false;
			break;
		case OPT_NEWCONN:
			o.o_new_conn = true;
			break;
		case OPT_TOKEN:
			o.o_token = optarg;
			break;
		case OPT_EXPECT_URI:
			o.o_expect_uri = optarg;
			break;
		case OPT_BODY:
			o.o_body_file = optarg;
			break;
		case OPT_HEADER:
			if (o.o_nheaders == KC_MAX_HEADERS) {
				fprintf(stderr, "%s: more than %d --header\n",
				    progname, KC_MAX_HEADERS);
				return 2;
			}
			o.o_headers[o.o_nheaders++] = optarg;
			break;
		case OPT_EXPECT_STATUS:
			o.o_expect_status = num_arg("--expect-status", optarg,
			    100, 599);
			break;
		case OPT_EXPECT_ERROR:
			o.o_expect_error = true;
			break;
		case OPT_TIMEOUT:
			o.o_timeout = num_arg("--timeout", optarg, 1, 3600);
			break;
		case OPT_CACERT:
			o.o_cacert = optarg;
			break;
		case 'q':
			o.o_quiet = true;
			break;
		default:
			usage();
			/* NOTREACHED */
		}
	}
	argc -= optind;
	argv += optind;
	if (o.o_url == NULL || argc < 1)
		usage();
	/* --save DIR is created if missing (its parent must exist). */
	if (o.o_save != NULL && stat(o.o_save, &st) != 0 && errno == ENOENT &&
	    mkdir(o.o_save, 0700) != 0) {
		fprintf(stderr, "%s: --save %s: %s\n", progname, o.o_save,
		    strerror(errno));
		return 2;
	}
	if (o.o_save != NULL && (stat(o.o_save, &st) != 0 ||
	    !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "%s: --save %s: not a directory\n", progname,
		    o.o_save);
		return 2;
	}
	/* The resource paths are appended to the URL without its last /. */
	if ((url = strdup(o.o_url)) == NULL)
		return 2;
	len = strlen(url);
	while (len > 0 && url[len - 1] == '/')
		url[--len] = '\0';
	o.o_url = url;

	xmlInitParser();
	xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "%s: cannot initialise libcurl\n", progname);
		goto out;
	}
	if ((uc = ucheck_new(o.o_xsd, msg, sizeof(msg))) == NULL) {
		fprintf(stderr, "%s: %s\n", progname, msg);
		goto out_curl;
	}
	if (strcmp(argv[0], "init") == 0 && argc == 1)
		ret = run_init(&o, uc);
	else if (strcmp(argv[0], "raw") == 0 && argc == 3)
		ret = run_raw(&o, uc, argv[1], argv[2]);
	else {
		ucheck_free(uc);
		curl_global_cleanup();
		free(url);
		usage();
	}
	ucheck_free(uc);
 out_curl:
	curl_global_cleanup();
 out:
	xmlCleanupParser();
	free(url);
	return ret;
}
