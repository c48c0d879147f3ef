/*
 * kms-client - the UE side of the TS 33.180 Annex D KMS interface, used
 * as an independent verifier of kmsd.
 *
 *	kms-client --url URL [options] init
 *	kms-client --url URL [options] --token T keyprov [URI [NTPHEX]]
 *	kms-client --url URL [options] --token T certcache [N]
 *	kms-client --url URL [options] raw METHOD PATH
 *	kms-client [--trk F] [--ink F] verify FILE
 *	kms-client --url URL [options] --token-gms T --token-a T --token-b T
 *	    --group URI [--trk-gms F --trk-a F --trk-b F] ue-flow
 *	(any of them) --trk FILE [--trk-name NAME]
 *	(any of them) --save DIR [--demo-save-trk]
 *
 * With --trk (the 32-byte TrK a device holds, security extension), key
 * elements of xsi:type EncKeyContentType are unwrapped with OpenSSL's
 * EVP_aes_256_wrap_pad (RFC 5649) and validated like plaintext keys.  A
 * device with a key (--trk, --ink) verifies every SignedKmsResponse
 * itself (HMAC-SHA256 under the InK, else the TrK), decrypts an
 * encrypted KmsMessage and adopts rotated keys before any other check,
 * and refuses unsigned answers (usec.c); --sign makes it send
 * SignedKmsRequests.  verify FILE does the same on a saved answer.
 *
 * keyprov runs init (to learn the Root certificate: KmsUri, key period,
 * Z_S, KPAK), then POSTs keyprov, keyprov/<pct-encoded URI> or
 * keyprov/<URI>/<NTPHEX> --count times and verifies every key set on its
 * own: XSD, UserID against this tool's own UID derivation, ValidFrom/
 * ValidTo/KeyPeriodNo, SSK/PVT with OpenSSL's P-256 ([SSK]G = KPAK +
 * [HS]PVT), the RSK a point of order q and, when built with wolfSSL's
 * ECCSI and SAKKE (wolfcheck.c), the pairing check <[b]P + Z_S, RSK> = g
 * (wc_ValidateSakkeRsk), the SSK/PVT pair (wc_ValidateEccsiPair) and a
 * SAKKE round trip (an SSV encapsulated by wolfSSL to the UID under Z_S,
 * decapsulated with the issued RSK by wolfSSL and by firmware/crypto);
 * every response must carry the same key sets.  It prints one line per
 * key set with a digest of its keys (never the keys).  certcache
 * verifies a KmsCertCache and prints its CacheNum; cert CERTURI the same
 * for one certificate (KMS Cert).
 * init POSTs an empty body to URL/keymanagement/identity/v1/init and
 * verifies every answer completely (ucheck.h).  raw sends one request
 * and prints its HTTP status; with --expect-status and --expect-kms-error
 * it also verifies the status and that the body is an XSD-valid
 * KmsResponse carrying a KmsError.
 *
 * ue-flow (ueflow.c) runs the complete UE flow for a GMS and two users:
 * init, keyprov for each, certcache, a GMK distributed by the GMS to both
 * users and a PCK from A to B as MIKEY-SAKKE I_MESSAGEs (built and read
 * by firmware/crypto, their signatures and SAKKE also checked by
 * wolfSSL).  --save DIR keeps every response (and the I_MESSAGEs); with
 * --demo-save-trk (demo mode) also the TrKs used.  docs/kms-client.md.
 *
 * Exit status: 0 if every request verified, 1 if one did not, 2 on a
 * usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include <curl/curl.h>
#include <libxml/parser.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto.h"
#include "kc_local.h"
#include "ucheck.h"

const char		*progname = "kms-client";
static long		 nreported;

static void		 usage(void) __attribute__((noreturn));
static long		 num_arg(const char *, const char *, long, long);
static size_t		 body_write(char *, size_t, size_t, void *);
static int		 read_file(const char *, char **, size_t *);
static CURL		*easy_new(const struct opts *, const char *,
			    struct curl_slist *, struct body *);
static int		 exchange(CURL *, struct body *, struct answer *,
			    const char *, long);
static int		 post_req(const struct opts *, const char *,
			    const char *, long, const char *, size_t,
			    struct body *, struct answer *);
static int		 run_init(const struct opts *, struct ucheck *);
static const char	*kms_error(const struct body *);
static int		 run_verify(const struct opts *, struct ucheck *,
			    const char *);
static int		 init_cert(const struct opts *, struct ucheck *,
			    struct ucheck_init *);
static int		 run_raw(const struct opts *, const struct ucheck *,
			    const char *, const char *);
static int		 run_keyprov(const struct opts *, struct ucheck *,
			    const char *, const char *);
static int		 run_certcache(const struct opts *, struct ucheck *,
			    const char *);
static int		 run_cache(const struct opts *, struct ucheck *,
			    const char *, const char *);

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s --url URL [--xsd PATH] [--save DIR] [--count N]\n"
	    "\t[--keepalive | --new-conn] [--token BEARER]\n"
	    "\t[--expect-kms-uri URI] [--timeout SEC] [--cacert CA.pem] [-q] init\n"
	    "       %s --url URL [options] --token T [--expect-sets N] keyprov "
	    "[URI [NTPHEX]]\n"
	    "       %s --url URL [options] --token T [--expect-cache-num N]\n"
	    "\t[--expect-certs N] certcache [N] | cert CERTURI\n"
	    "       %s --url URL [options] raw METHOD PATH [--body FILE]\n"
	    "\t[--header 'H: v'] [--expect-status N] [--expect-kms-error]\n"
	    "       %s --url URL [options] --token-gms T --token-a T "
	    "--token-b T\n"
	    "\t--group URI [--trk-gms F] [--trk-a F] [--trk-b F]\n"
	    "\t[--ink-gms F] [--ink-a F] [--ink-b F]\n"
	    "\t[--uri-gms U] [--uri-a U] [--uri-b U] ue-flow\n"
	    "       (any command) [--trk FILE [--trk-name NAME]]: unwrap\n"
	    "\tEncKeyContentType keys with the 32-byte TrK in FILE\n"
	    "       [--ink FILE [--ink-name NAME]]: the device's InK; signed\n"
	    "\tresponses must verify under the InK, else the TrK\n"
	    "       [--sign [--sign-bits N] [--user URI]]: send "
	    "SignedKmsRequests\n\t(keyprov, certcache, cert, ue-flow)\n"
	    "       %s [--trk F] [--ink F] [--xsd P] verify FILE: a saved "
	    "response\n"
	    "       --save DIR [--demo-save-trk]: keep every response (and, "
	    "DEMO MODE,\n\tthe TrK used) in DIR\n",
	    progname, progname, progname, progname, progname, progname);
	exit(2);
}

/* A TrK file: exactly UCHECK_TRK_LEN bytes into k (wiped on failure). */
int
load_trk_file(const char *path, uint8_t k[UCHECK_TRK_LEN])
{
	uint8_t	 buf[UCHECK_TRK_LEN + 1];
	FILE	*f;
	size_t	 n;
	int	 ret = -1;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
		    strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n != UCHECK_TRK_LEN)
		fprintf(stderr, "%s: %s: not %d bytes\n", progname, path,
		    UCHECK_TRK_LEN);
	else {
		memcpy(k, buf, UCHECK_TRK_LEN);
		ret = 0;
	}
	OPENSSL_cleanse(buf, sizeof(buf));		/* wipe: TrK */
	return ret;
}

/*
 * --demo-save-trk: the TrK this run used, written to DIR/NAME so that
 * third-party tools can unwrap what the KMS sent (demo mode only: a
 * device never writes its TrK out).
 */
int
demo_save_trk(const struct opts *o, const char *name, const uint8_t *k)
{
	if (!o->o_demo_save_trk || o->o_save == NULL)
		return 0;
	fprintf(stderr, "%s: DEMO MODE: writing the TrK to %s/%s\n",
	    progname, o->o_save, name);
	return save_bin(o->o_save, name, k, UCHECK_TRK_LEN);
}

/*
 * The device's keys: --trk FILE and --ink FILE, exactly 32 bytes each,
 * handed to ucheck and wiped here.  demo_name: the --demo-save-trk file
 * of the TrK.
 */
int
load_keys(struct ucheck *uc, const struct opts *o, const char *trk,
    const char *trk_name, const char *ink, const char *ink_name,
    const char *demo_name)
{
	uint8_t	 k[UCHECK_TRK_LEN];
	int	 ret = -1;

	if (trk != NULL) {
		if (load_trk_file(trk, k) != 0)
			return -1;
		if (ucheck_set_trk(uc, k, sizeof(k), trk_name) != UCHECK_OK)
			fprintf(stderr, "%s: TrK name too long\n", progname);
		else if (demo_save_trk(o, demo_name, k) == 0)
			ret = 0;
		OPENSSL_cleanse(k, sizeof(k));		/* wipe: TrK */
		if (ret != 0)
			return -1;
	}
	ret = -1;
	if (ink != NULL) {
		if (load_trk_file(ink, k) != 0)
			return -1;
		if (ucheck_set_ink(uc, k, sizeof(k), ink_name) != UCHECK_OK)
			fprintf(stderr, "%s: InK name too long\n", progname);
		else
			ret = 0;
		OPENSSL_cleanse(k, sizeof(k));		/* wipe: InK */
		return ret;
	}
	return 0;
}

/* A failure of request number n (0: not tied to one request). */
void
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
bool
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
int
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

/* Writes len octets to dir/name (mode 0600). */
int
save_bin(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	char	 path[KC_URL_LEN];
	FILE	*f;
	int	 ok, fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path)) {
		fprintf(stderr, "%s: --save path too long\n", progname);
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    (f = fdopen(fd, "wb")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	ok = len == 0 || fwrite(p, 1, len, f) == len;
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
run_init(const struct opts *o, struct ucheck *uc)
{
	struct ucheck_init	 info;
	struct ucheck_sec	 sec;
	char			*op = NULL;
	size_t			 opl = 0;
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
		if (ucheck_open_response(uc, b.b_data, b.b_len,
		    ucheck_has_key(uc) && o->o_token != NULL, &op, &opl, &sec,
		    msg, sizeof(msg)) != UCHECK_OK) {
			fail_req("init", i, "response rejected: %s", msg);
			continue;
		}
		s = ucheck_init_response(uc, op, opl, o->o_expect_uri, &info,
		    msg, sizeof(msg));
		free_opened(op, opl);
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
			printf("init: %ld/%ld verified (KmsUri %s, CertUri "
			    "%s, PubEncKey valid order-q point, PubAuthKey "
			    "valid P-256 point, XSD valid, %ld connection%s)"
			    "%s%s%s\n", ok, o->o_count, info.ui_kms_uri,
			    info.ui_cert_uri[0] != '\0' ? info.ui_cert_uri :
			    "-", conns,
			    conns == 1 ? "" : "s", sec.us_signed ?
			    "; signature by " : "", sec.us_signed ?
			    sec.us_key : "", sec.us_signed ?
			    " verified (HMAC-SHA256)" : "");
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

/*
 * One POST of an empty body to the resource path (with the token when
 * given).  Returns 0 when there was an answer.
 */
int
post_once(const struct opts *o, const char *path, const char *what, long n,
    struct body *b, struct answer *a)
{
	return post_req(o, path, what, n, NULL, 0, b, a);
}

/* The same with req (reqlen octets) as an application/xml body. */
static int
post_req(const struct opts *o, const char *path, const char *what, long n,
    const char *req, size_t reqlen, struct body *b, struct answer *a)
{
	struct curl_slist	*hdrs = NULL, *h;
	char			 url[KC_URL_LEN], auth[KC_URL_LEN];
	CURL			*c = NULL;
	int			 ret = -1;

	if (snprintf(url, sizeof(url), "%s%s", o->o_url, path) >=
	    (int)sizeof(url)) {
		fail_req(what, n, "URL too long");
		return -1;
	}
	if ((h = curl_slist_append(hdrs, "Accept: application/xml")) == NULL)
		goto fail;
	hdrs = h;
	if ((h = curl_slist_append(hdrs, "Expect:")) == NULL)
		goto fail;
	hdrs = h;
	if (req != NULL) {
		if ((h = curl_slist_append(hdrs,
		    "Content-Type: application/xml")) == NULL)
			goto fail;
		hdrs = h;
	}
	if (o->o_token != NULL) {
		if (snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
		    o->o_token) >= (int)sizeof(auth))
			goto fail;
		if ((h = curl_slist_append(hdrs, auth)) == NULL)
			goto fail;
		hdrs = h;
	}
	if ((c = easy_new(o, url, hdrs, b)) == NULL ||
	    curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req != NULL ? req : "")
	    != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)reqlen) !=
	    CURLE_OK) {
		fail_req(what, n, "cannot set up libcurl");
		goto fail;
	}
	ret = exchange(c, b, a, what, n);
 fail:
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	return ret;
}

/* The ErrorMsg text of an error body, for reports ("" if none). */
static const char *
kms_error(const struct body *b)
{
	static char	 e[128];
	const char	*p, *q;

	e[0] = '\0';
	if (b->b_data == NULL || (p = strstr(b->b_data, "<ErrorMsg>")) ==
	    NULL || (q = strstr(p, "</ErrorMsg>")) == NULL)
		return e;
	p += strlen("<ErrorMsg>");
	snprintf(e, sizeof(e), "%.*s", (int)(q - p), p);
	return e;
}

/* see kc_local.h */
void
free_opened(char *p, size_t len)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, len);		/* wipe: may hold keys */
	free(p);
}

/* see kc_local.h */
int
device_post(const struct opts *o, struct ucheck *uc, const char *user,
    const char *kms_uri, const char *path, const char *what, long n,
    struct body *b, struct answer *a, char **opened, size_t *opened_len,
    struct ucheck_sec *sec)
{
	struct body	 rb;
	char		 url[KC_URL_LEN], msg[UCHECK_MSG_LEN], sub[UCHECK_URI_LEN];
	char		 name[64], *req = NULL;
	size_t		 reqlen = 0;
	int		 ret = -1;

	*opened = NULL;
	*opened_len = 0;
	memset(sec, 0, sizeof(*sec));
	if (o->o_sign) {
		if (user == NULL && o->o_token != NULL && jwt_sub(o->o_token,
		    sub, sizeof(sub)) == 0)
			user = sub;
		if (user == NULL || kms_uri == NULL) {
			fail_req(what, n, "--sign: no UserUri (give --user) "
			    "or no KmsUri");
			return -1;
		}
		snprintf(url, sizeof(url), "%s%s", o->o_url, path);
		if (ucheck_sign_request(uc, user, kms_uri, url,
		    (unsigned)o->o_sign_bits, &req, &reqlen, msg,
		    sizeof(msg)) != UCHECK_OK) {
			fail_req(what, n, "cannot sign the request: %s", msg);
			return -1;
		}
		if (o->o_save != NULL) {
			rb.b_data = req;
			rb.b_len = reqlen;
			snprintf(name, sizeof(name), "request-%s", what);
			if (save_body(o->o_save, name, n > 0 ? n : 1, &rb) !=
			    0)
				goto out;
		}
	}
	if (post_req(o, path, what, n, req, reqlen, b, a) != 0)
		goto out;
	if (a->a_status != 200) {
		ret = 0;
		goto out;
	}
	if (ucheck_open_response(uc, b->b_data, b->b_len,
	    ucheck_has_key(uc) && o->o_token != NULL, opened, opened_len,
	    sec, msg, sizeof(msg)) != UCHECK_OK) {
		fail_req(what, n, "response rejected: %s", msg);
		goto out;
	}
	ret = 0;
 out:
	free(req);
	return ret;
}

/* Percent-encode every octet of s but RFC 3986's unreserved ones. */
int
pct_encode(const char *s, char *out, size_t out_size)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 o = 0;

	for (; *p != '\0'; p++) {
		if (o + 4 > out_size)
			return -1;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL)
			out[o++] = (char)*p;
		else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 0x0f];
		}
	}
	out[o] = '\0';
	return 0;
}

/* The key period of NTPHEX (era nearest to now) or of now. */
long long
period_of(const struct ucheck_init *cert, const char *ntphex)
{
	unsigned long long	 now, t, secs, era = 1ULL << 32;
	char			*end;

	now = (unsigned long long)time(NULL) + KC_NTP_UNIX;
	t = now;
	if (ntphex != NULL) {
		errno = 0;
		secs = strtoull(ntphex, &end, 16) >> 32;
		if (strlen(ntphex) != 16 || *end != '\0' || errno != 0)
			return -1;
		t = (now & ~(era - 1)) | secs;
		if (t > now && t - now > era / 2 && t >= era)
			t -= era;
		else if (t < now && now - t > era / 2)
			t += era;
	}
	if (t < cert->ui_offset)
		return -1;
	return (long long)((t - cert->ui_offset) / cert->ui_period);
}

/* A digest naming a key set's keys in the output (never the keys). */
void
keyset_digest(const struct ucheck_keyset *ks, char out[33])
{
	static const char	 hex[] = "0123456789abcdef";
	EVP_MD_CTX		*md;
	uint8_t			 d[32];
	unsigned int		 dl = 0;
	int			 i;

	out[0] = '\0';
	if ((md = EVP_MD_CTX_new()) == NULL)
		return;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, ks->uk_uid, sizeof(ks->uk_uid)) == 1 &&
	    EVP_DigestUpdate(md, ks->uk_rsk, sizeof(ks->uk_rsk)) == 1 &&
	    EVP_DigestUpdate(md, ks->uk_ssk, sizeof(ks->uk_ssk)) == 1 &&
	    EVP_DigestUpdate(md, ks->uk_pvt, sizeof(ks->uk_pvt)) == 1 &&
	    EVP_DigestFinal_ex(md, d, &dl) == 1)
		for (i = 0; i < 16; i++) {
			out[2 * i] = hex[d[i] >> 4];
			out[2 * i + 1] = hex[d[i] & 0x0f];
		}
	out[32] = '\0';
	EVP_MD_CTX_free(md);
}

/*
 * The wolfSSL oracle on one key set (kc_local.h): the RSK's pairing
 * <[b]P + Z_S, RSK> = g (wc_ValidateSakkeRsk), the SSK/PVT pair
 * (wc_ValidateEccsiPair), and a SAKKE round trip: a random SSV
 * encapsulated to the UID under Z_S by wolfSSL, decapsulated with the
 * issued RSK by wolfSSL and by firmware/crypto (sakke_decapsulate), and
 * firmware/crypto's encapsulation of the same SSV is the same SED (both
 * are deterministic, RFC 6508 6.2.1).  Returns 1 if all verified, 0 if
 * this build has no wolfSSL ECCSI/SAKKE, -1 (reason in msg) otherwise.
 */
int
keyset_wolf(const struct ucheck_init *cert, const struct ucheck_keyset *ks,
    char *msg, size_t msg_size)
{
	uint8_t		 ssv[KC_SSV_LEN], got[KC_SSV_LEN], fw[KC_SSV_LEN];
	uint8_t		 sed[KC_SED_LEN], sed2[SAKKE_SED_LEN];
	enum kc_wolf	 w;
	int		 ret = -1;

	_Static_assert(KC_SED_LEN == SAKKE_SED_LEN, "SED length");
	_Static_assert(UCHECK_SAKKE_POINT_LEN == SAKKE_POINT_LEN, "point");
	w = kc_wolf_rsk_valid(cert->ui_z, ks->uk_uid, sizeof(ks->uk_uid),
	    ks->uk_rsk);
	if (w == KC_WOLF_NONE)
		return 0;
	if (w != KC_WOLF_OK) {
		snprintf(msg, msg_size, "%s: wolfSSL: RSK fails "
		    "<[b]P + Z, RSK> = g", ks->uk_uri);
		return -1;
	}
	if (kc_wolf_eccsi_valid(cert->ui_kpak, ks->uk_uid, sizeof(ks->uk_uid),
	    ks->uk_ssk, ks->uk_pvt) != KC_WOLF_OK) {
		snprintf(msg, msg_size, "%s: wolfSSL: SSK/PVT fail "
		    "[SSK]G = KPAK + [HS]PVT", ks->uk_uri);
		return -1;
	}
	if (RAND_bytes(ssv, sizeof(ssv)) != 1 ||
	    kc_wolf_encapsulate(cert->ui_z, ks->uk_uid, sizeof(ks->uk_uid),
	    ssv, sed) != KC_WOLF_OK) {
		snprintf(msg, msg_size, "%s: wolfSSL cannot encapsulate to "
		    "the UID", ks->uk_uri);
		goto out;
	}
	if (kc_wolf_decapsulate(cert->ui_z, ks->uk_uid, sizeof(ks->uk_uid),
	    ks->uk_rsk, sed, got) != KC_WOLF_OK ||
	    CRYPTO_memcmp(got, ssv, sizeof(ssv)) != 0) {
		snprintf(msg, msg_size, "%s: wolfSSL: the RSK does not "
		    "decapsulate wolfSSL's SED", ks->uk_uri);
		goto out;
	}
	if (sakke_decapsulate(sed, ks->uk_uid, sizeof(ks->uk_uid), ks->uk_rsk,
	    cert->ui_z, fw) != CRYPTO_OK ||
	    CRYPTO_memcmp(fw, ssv, sizeof(ssv)) != 0) {
		snprintf(msg, msg_size, "%s: firmware/crypto: the RSK does not "
		    "decapsulate wolfSSL's SED", ks->uk_uri);
		goto out;
	}
	if (sakke_encapsulate(ssv, ks->uk_uid, sizeof(ks->uk_uid), cert->ui_z,
	    sed2) != CRYPTO_OK || memcmp(sed, sed2, sizeof(sed)) != 0) {
		snprintf(msg, msg_size, "%s: firmware/crypto's SED differs "
		    "from wolfSSL's", ks->uk_uri);
		goto out;
	}
	ret = 1;
 out:
	OPENSSL_cleanse(ssv, sizeof(ssv));	/* wipe: SSV */
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_cleanse(fw, sizeof(fw));
	return ret;
}

/*
 * init as the device (with the token when given): the Root certificate,
 * the response opened (signature) first.  0, or -1 (reported).
 */
static int
init_cert(const struct opts *o, struct ucheck *uc, struct ucheck_init *cert)
{
	struct ucheck_sec	 sec;
	struct body		 b;
	struct answer		 a;
	char			 msg[UCHECK_MSG_LEN], *op = NULL;
	size_t			 opl = 0;
	int			 ret = -1;

	memset(&b, 0, sizeof(b));
	if (device_post(o, uc, NULL, NULL, KC_INIT_PATH, "init", 0, &b, &a,
	    &op, &opl, &sec) != 0) {
		if (o->o_save != NULL)
			save_body(o->o_save, "init", 1, &b);
		goto out;
	}
	if (o->o_save != NULL && save_body(o->o_save, "init", 1, &b) != 0)
		goto out;
	if (a.a_status != 200 || ucheck_init_response(uc, op, opl,
	    o->o_expect_uri, cert, msg, sizeof(msg)) != UCHECK_OK) {
		fail_req("init", 0, "status %ld: %s", a.a_status,
		    a.a_status == 200 ? msg : "not 200");
		goto out;
	}
	ret = 0;
 out:
	free_opened(op, opl);
	free(b.b_data);
	return ret;
}

/*
 * cert/<cert_uri> as the device: another generation of the KMS's own
 * certificate (a key set named it), checked by ucheck_cert_response into
 * cert.  0, or -1 (reported).
 */
static int
fetch_cert(const struct opts *o, struct ucheck *uc,
    const struct ucheck_init *root, const char *cert_uri,
    struct ucheck_init *cert)
{
	struct ucheck_sec	 sec;
	struct body		 b;
	struct answer		 a;
	char			 path[KC_URL_LEN], enc[KC_URL_LEN];
	char			 msg[UCHECK_MSG_LEN], *op = NULL;
	size_t			 opl = 0;
	int			 ret = -1;

	memset(&b, 0, sizeof(b));
	if (pct_encode(cert_uri, enc, sizeof(enc) - 64) != 0 ||
	    snprintf(path, sizeof(path), "%s/cert/%s", KC_ROOT_PATH, enc) >=
	    (int)sizeof(path)) {
		fail_req("cert", 0, "CertUri %s too long", cert_uri);
		return -1;
	}
	if (device_post(o, uc, o->o_user, root->ui_kms_uri, path, "cert", 0,
	    &b, &a, &op, &opl, &sec) != 0)
		goto out;
	if (o->o_save != NULL && save_body(o->o_save, "cert", 0, &b) != 0)
		goto out;
	if (a.a_status != 200 || ucheck_cert_response(uc, op, opl, root,
	    cert_uri, cert, msg, sizeof(msg)) != UCHECK_OK) {
		fail_req("cert", 0, "%s: status %ld: %s", cert_uri,
		    a.a_status, a.a_status == 200 ? msg : kms_error(&b));
		goto out;
	}
	ret = 0;
 out:
	free_opened(op, opl);
	free(b.b_data);
	return ret;
}

static int
run_keyprov(const struct opts *o, struct ucheck *uc, const char *uri,
    const char *ntphex)
{
	struct ucheck_init	 certs[KC_CERTS_MAX], *cert = &certs[0];
	struct ucheck_sec	 sec, sec1;
	struct opts		 io = *o;
	char			*op = NULL;
	size_t			 opl = 0;
	struct ucheck_keyset	*sets = NULL, *first = NULL;
	struct body		 b;
	struct answer		 a;
	char			 path[KC_URL_LEN], enc[KC_URL_LEN];
	char			 msg[UCHECK_MSG_LEN], dig[33];
	char			 need[UCHECK_URI_LEN];
	size_t			 n = 0, nfirst = 0, i, ncerts = 1;
	enum ucheck_status	 us;
	long long		 want;
	long			 k, ok = 0;
	int			 w, wolf = -1, ret = 1;

	memset(&b, 0, sizeof(b));
	memset(certs, 0, sizeof(certs));
	if (ntphex != NULL && uri == NULL)
		usage();
	/* The UE learns the Root certificate first (D.2: init; never a
	 * signed request: init is public). */
	memset(&sec1, 0, sizeof(sec1));
	io.o_sign = false;
	if (init_cert(&io, uc, cert) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/keyprov", KC_ROOT_PATH);
	if (uri != NULL) {
		if (pct_encode(uri, enc, sizeof(enc)) != 0 ||
		    strlen(path) + strlen(enc) + 20 >= sizeof(path)) {
			fprintf(stderr, "%s: URI too long\n", progname);
			ret = 2;
			goto out;
		}
		strncat(path, "/", sizeof(path) - strlen(path) - 1);
		strncat(path, enc, sizeof(path) - strlen(path) - 1);
		if (ntphex != NULL) {
			strncat(path, "/", sizeof(path) - strlen(path) - 1);
			strncat(path, ntphex, sizeof(path) - strlen(path) - 1);
		}
	}
	want = period_of(cert, ntphex);
	if ((sets = calloc(UCHECK_SETS_MAX, sizeof(*sets))) == NULL ||
	    (first = calloc(UCHECK_SETS_MAX, sizeof(*first))) == NULL)
		goto out;

	for (k = 1; k <= o->o_count; k++) {
		free_opened(op, opl);
		op = NULL;
		if (device_post(o, uc, o->o_user, cert->ui_kms_uri, path,
		    "keyprov", k, &b, &a, &op, &opl, &sec) != 0) {
			if (o->o_save != NULL)
				save_body(o->o_save, "keyprov", k, &b);
			continue;
		}
		if (o->o_save != NULL && save_body(o->o_save, "keyprov", k,
		    &b) != 0)
			goto out;
		if (a.a_status != 200) {
			fail_req("keyprov", k, "HTTP status %ld, want 200 "
			    "(KmsError: %s)", a.a_status, kms_error(&b));
			continue;
		}
		if (!is_xml_ctype(a.a_ctype)) {
			fail_req("keyprov", k, "Content-Type '%s'",
			    a.a_ctype);
			continue;
		}
		/* A key set of a certificate generation the device does
		   not know yet: fetch it (cert/<CertUri>) and check again. */
		while ((us = ucheck_keyprov_response(uc, op, opl, certs,
		    ncerts, want, strrchr(path, '/'), sets, UCHECK_SETS_MAX,
		    &n, need, sizeof(need), msg, sizeof(msg))) ==
		    UCHECK_ERR_CERT && ncerts < KC_CERTS_MAX &&
		    fetch_cert(o, uc, cert, need, &certs[ncerts]) == 0) {
			if (!o->o_quiet)
				printf("keyprov: fetched certificate %s "
				    "(PubEncKey %02x%02x%02x%02x...)\n", need,
				    certs[ncerts].ui_z[1],
				    certs[ncerts].ui_z[2],
				    certs[ncerts].ui_z[3],
				    certs[ncerts].ui_z[4]);
			ncerts++;
		}
		if (us != UCHECK_OK) {
			fail_req("keyprov", k, "%s", msg);
			continue;
		}
		if (o->o_expect_sets >= 0 && (long)n != o->o_expect_sets) {
			fail_req("keyprov", k, "%zu key sets, want %ld", n,
			    o->o_expect_sets);
			continue;
		}
		if (uri != NULL && (n != 1 || strcmp(sets[0].uk_uri, uri) !=
		    0)) {
			fail_req("keyprov", k, "want exactly the key set of "
			    "%s", uri);
			continue;
		}
		for (i = 0; i < n; i++) {
			w = keyset_wolf(&certs[sets[i].uk_cert], &sets[i],
			    msg, sizeof(msg));
			if (w < 0) {
				fail_req("keyprov", k, "%s", msg);
				break;
			}
			wolf = w;
		}
		if (i < n)
			continue;
		/* The same identity and period: the same key set. */
		if (k == 1) {
			sec1 = sec;
			memcpy(first, sets, n * sizeof(*sets));
			nfirst = n;
		} else if (n != nfirst || memcmp(first, sets,
		    n * sizeof(*sets)) != 0) {
			fail_req("keyprov", k, "key sets differ from the first "
			    "response's");
			continue;
		}
		ok++;
	}
	if (ok == o->o_count) {
		ret = 0;
		if (!o->o_quiet) {
			for (i = 0; i < nfirst; i++) {
				keyset_digest(&first[i], dig);
				printf("keyprov: keyset %s period %llu: UID "
				    "recomputed, SSK/PVT valid (%s), RSK "
				    "valid (%s) keys sha256:%s cert %s\n",
				    first[i].uk_uri, first[i].uk_period_no,
				    wolf == 1 ? "OpenSSL, wolfSSL" : "OpenSSL",
				    wolf == 1 ? "order q, wolfSSL pairing, "
				    "SAKKE round trip wolfSSL -> wolfSSL and "
				    "firmware" : "order q; no wolfSSL in this "
				    "build", dig,
				    certs[first[i].uk_cert].ui_cert_uri[0] !=
				    '\0' ? certs[first[i].uk_cert].ui_cert_uri :
				    "-");
			}
			printf("keyprov: %ld/%ld verified (%zu key set%s, XSD "
			    "valid, identical in every response)\n", ok,
			    o->o_count, nfirst, nfirst == 1 ? "" : "s");
			if (sec1.us_signed)
				printf("keyprov: %srequest%s; every response "
				    "signed, HMAC-SHA256/%u by %s verified by "
				    "kms-client%s\n", o->o_sign ? "signed " :
				    "unsigned ", o->o_sign ? "s accepted" : "s",
				    sec1.us_bits, sec1.us_key,
				    sec1.us_encrypted ? ", KmsMessage "
				    "decrypted (AES-128-GCM)" : "");
		}
	} else if (!o->o_quiet)
		printf("keyprov: %ld/%ld verified, %ld failed\n", ok,
		    o->o_count, o->o_count - ok);
 out:
	free_opened(op, opl);
	if (sets != NULL)
		OPENSSL_cleanse(sets, UCHECK_SETS_MAX * sizeof(*sets));
	if (first != NULL)
		OPENSSL_cleanse(first, UCHECK_SETS_MAX * sizeof(*first));
	if (b.b_data != NULL)
		OPENSSL_cleanse(b.b_data, b.b_cap);
	free(sets);
	free(first);
	free(b.b_data);
	return ret;
}

/*
 * verify FILE: a saved response opened as a device would (signature
 * under --ink, else --trk; decryption), then XSD-checked.  For tests
 * that feed a response with one octet changed.
 */
static int
run_verify(const struct opts *o, struct ucheck *uc, const char *file)
{
	struct ucheck_sec	 sec;
	char			 msg[UCHECK_MSG_LEN], *data = NULL, *op = NULL;
	size_t			 len = 0, opl = 0;
	int			 ret = 1;

	if (read_file(file, &data, &len) != 0)
		return 2;
	if (ucheck_open_response(uc, data, len, ucheck_has_key(uc), &op, &opl,
	    &sec, msg, sizeof(msg)) != UCHECK_OK) {
		fail_req("verify", 0, "%s: response rejected: %s", file, msg);
		goto out;
	}
	if (ucheck_valid_doc(uc, op, opl, msg, sizeof(msg)) != UCHECK_OK) {
		fail_req("verify", 0, "%s: %s", file, msg);
		goto out;
	}
	if (!o->o_quiet)
		printf("verify: %s: %s%s%s%s%s, XSD valid\n", file,
		    sec.us_signed ? "signature by " : "not signed",
		    sec.us_signed ? sec.us_key : "", sec.us_signed ?
		    " verified (HMAC-SHA256)" : "", sec.us_encrypted ?
		    ", KmsMessage decrypted (AES-128-GCM)" : "",
		    sec.us_new_keys > 0 ? ", new key(s) unwrapped" : "");
	ret = 0;
 out:
	free_opened(op, opl);
	free(data);
	return ret;
}

static int
run_certcache(const struct opts *o, struct ucheck *uc, const char *num)
{
	return run_cache(o, uc, num, NULL);
}

/*
 * certcache [N] (num) or cert CERTURI (cert_uri): verify a KmsCertCache
 * answer --count times.
 */
static int
run_cache(const struct opts *o, struct ucheck *uc, const char *num,
    const char *cert_uri)
{
	struct ucheck_init	 cert;
	struct ucheck_sec	 sec;
	struct opts		 io = *o;
	char			*op = NULL;
	size_t			 opl = 0;
	struct body		 b;
	struct answer		 a;
	char			 path[KC_URL_LEN], msg[UCHECK_MSG_LEN];
	char			 enc[KC_URL_LEN];
	unsigned long long	 cache = 0;
	size_t			 ncerts = 0;
	long			 k, ok = 0;
	int			 ret = 1;

	memset(&b, 0, sizeof(b));
	if (num != NULL && (strspn(num, "0123456789") != strlen(num) ||
	    strlen(num) > 20 || *num == '\0'))
		usage();
	if (cert_uri != NULL) {
		if (pct_encode(cert_uri, enc, sizeof(enc) - 64) != 0)
			usage();
		if (snprintf(path, sizeof(path), "%s/cert/%s", KC_ROOT_PATH,
		    enc) >= (int)sizeof(path))
			usage();
	} else
		snprintf(path, sizeof(path), "%s/certcache%s%s", KC_ROOT_PATH,
		    num != NULL ? "/" : "", num != NULL ? num : "");
	/* A signed request needs the KmsUri (and the key's name): init. */
	memset(&cert, 0, sizeof(cert));
	io.o_sign = false;
	if (o->o_sign && init_cert(&io, uc, &cert) != 0)
		goto out;
	for (k = 1; k <= o->o_count; k++) {
		free_opened(op, opl);
		op = NULL;
		if (device_post(o, uc, o->o_user, cert.ui_kms_uri, path,
		    "certcache", k, &b, &a, &op, &opl, &sec) != 0)
			continue;
		if (o->o_save != NULL && save_body(o->o_save, "certcache", k,
		    &b) != 0)
			goto out;
		if (a.a_status != 200) {
			fail_req("certcache", k, "HTTP status %ld, want 200 "
			    "(KmsError: %s)", a.a_status, kms_error(&b));
			continue;
		}
		if (ucheck_certcache_response(uc, op, opl, cert_uri != NULL,
		    &cache, &ncerts, msg, sizeof(msg)) != UCHECK_OK) {
			fail_req("certcache", k, "%s", msg);
			continue;
		}
		if (o->o_expect_cache >= 0 &&
		    cache != (unsigned long long)o->o_expect_cache) {
			fail_req("certcache", k, "CacheNum %llu, want %lld",
			    cache, o->o_expect_cache);
			continue;
		}
		if (o->o_expect_certs >= 0 &&
		    (long)ncerts != o->o_expect_certs) {
			fail_req("certcache", k, "%zu certificates, want %ld",
			    ncerts, o->o_expect_certs);
			continue;
		}
		ok++;
	}
	if (ok == o->o_count) {
		ret = 0;
		if (!o->o_quiet)
			printf("%s: %ld/%ld verified (CacheNum %llu, %zu "
			    "certificate%s, XSD valid)%s%s%s\n", cert_uri !=
			    NULL ? "cert" : "certcache", ok, o->o_count, cache,
			    ncerts, ncerts == 1 ? "" : "s", sec.us_signed ?
			    "; signature by " : "", sec.us_signed ?
			    sec.us_key : "", sec.us_signed ? " verified" : "");
	}
 out:
	free_opened(op, opl);
	free(b.b_data);
	return ret;
}

int
main(int argc, char *argv[])
{
	enum {
		OPT_XSD = 256, OPT_SAVE, OPT_COUNT, OPT_KEEPALIVE,
		OPT_NEWCONN, OPT_TOKEN, OPT_EXPECT_URI, OPT_BODY, OPT_HEADER,
		OPT_EXPECT_STATUS, OPT_EXPECT_ERROR, OPT_TIMEOUT, OPT_CACERT,
		OPT_EXPECT_SETS, OPT_EXPECT_CERTS, OPT_EXPECT_CACHE,
		OPT_TRK, OPT_TRK_NAME, OPT_DEMO_SAVE_TRK, OPT_GROUP,
		OPT_TOKEN_GMS, OPT_TOKEN_A, OPT_TOKEN_B,
		OPT_TRK_GMS, OPT_TRK_A, OPT_TRK_B,
		OPT_URI_GMS, OPT_URI_A, OPT_URI_B,
		OPT_INK, OPT_INK_NAME, OPT_SIGN, OPT_SIGN_BITS, OPT_USER,
		OPT_INK_GMS, OPT_INK_A, OPT_INK_B
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
		{ "expect-sets",	required_argument, NULL,
		    OPT_EXPECT_SETS },
		{ "expect-certs",	required_argument, NULL,
		    OPT_EXPECT_CERTS },
		{ "expect-cache-num",	required_argument, NULL,
		    OPT_EXPECT_CACHE },
		{ "trk",		required_argument, NULL, OPT_TRK },
		{ "trk-name",		required_argument, NULL, OPT_TRK_NAME },
		{ "demo-save-trk",	no_argument, NULL, OPT_DEMO_SAVE_TRK },
		{ "group",		required_argument, NULL, OPT_GROUP },
		{ "token-gms",		required_argument, NULL, OPT_TOKEN_GMS },
		{ "token-a",		required_argument, NULL, OPT_TOKEN_A },
		{ "token-b",		required_argument, NULL, OPT_TOKEN_B },
		{ "trk-gms",		required_argument, NULL, OPT_TRK_GMS },
		{ "trk-a",		required_argument, NULL, OPT_TRK_A },
		{ "trk-b",		required_argument, NULL, OPT_TRK_B },
		{ "uri-gms",		required_argument, NULL, OPT_URI_GMS },
		{ "uri-a",		required_argument, NULL, OPT_URI_A },
		{ "uri-b",		required_argument, NULL, OPT_URI_B },
		{ "ink",		required_argument, NULL, OPT_INK },
		{ "ink-name",		required_argument, NULL, OPT_INK_NAME },
		{ "sign",		no_argument, NULL, OPT_SIGN },
		{ "sign-bits",		required_argument, NULL, OPT_SIGN_BITS },
		{ "user",		required_argument, NULL, OPT_USER },
		{ "ink-gms",		required_argument, NULL, OPT_INK_GMS },
		{ "ink-a",		required_argument, NULL, OPT_INK_A },
		{ "ink-b",		required_argument, NULL, OPT_INK_B },
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
	o.o_expect_sets = -1;
	o.o_expect_certs = -1;
	o.o_expect_cache = -1;
	o.o_sign_bits = KC_SIGN_BITS;
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
		case OPT_TRK:
			o.o_trk_file = optarg;
			break;
		case OPT_TRK_NAME:
			o.o_trk_name = optarg;
			break;
		case OPT_DEMO_SAVE_TRK:
			o.o_demo_save_trk = true;
			break;
		case OPT_GROUP:
			o.o_group = optarg;
			break;
		case OPT_TOKEN_GMS:
		case OPT_TOKEN_A:
		case OPT_TOKEN_B:
			o.o_role_token[ch - OPT_TOKEN_GMS] = optarg;
			break;
		case OPT_TRK_GMS:
		case OPT_TRK_A:
		case OPT_TRK_B:
			o.o_role_trk[ch - OPT_TRK_GMS] = optarg;
			break;
		case OPT_URI_GMS:
		case OPT_URI_A:
		case OPT_URI_B:
			o.o_role_uri[ch - OPT_URI_GMS] = optarg;
			break;
		case OPT_INK:
			o.o_ink_file = optarg;
			break;
		case OPT_INK_NAME:
			o.o_ink_name = optarg;
			break;
		case OPT_SIGN:
			o.o_sign = true;
			break;
		case OPT_SIGN_BITS:
			o.o_sign_bits = num_arg("--sign-bits", optarg, 128,
			    256);
			if (o.o_sign_bits % 8 != 0)
				usage();
			break;
		case OPT_USER:
			o.o_user = optarg;
			break;
		case OPT_INK_GMS:
		case OPT_INK_A:
		case OPT_INK_B:
			o.o_role_ink[ch - OPT_INK_GMS] = optarg;
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
		case OPT_EXPECT_SETS:
			o.o_expect_sets = num_arg("--expect-sets", optarg, 0,
			    UCHECK_SETS_MAX);
			break;
		case OPT_EXPECT_CERTS:
			o.o_expect_certs = num_arg("--expect-certs", optarg, 0,
			    100000);
			break;
		case OPT_EXPECT_CACHE:
			o.o_expect_cache = num_arg("--expect-cache-num",
			    optarg, 0, 2000000000);
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
	if (argc < 1 || (o.o_url == NULL && strcmp(argv[0], "verify") != 0))
		usage();
	if (o.o_url == NULL)
		o.o_url = "";
	if (o.o_demo_save_trk && o.o_save == NULL) {
		fprintf(stderr, "%s: --demo-save-trk needs --save DIR\n",
		    progname);
		return 2;
	}
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
	if (load_keys(uc, &o, o.o_trk_file, o.o_trk_name, o.o_ink_file,
	    o.o_ink_name, "trk.bin") != 0) {
		ret = 1;
		goto out_uc;
	}
	if (strcmp(argv[0], "init") == 0 && argc == 1)
		ret = run_init(&o, uc);
	else if (strcmp(argv[0], "raw") == 0 && argc == 3)
		ret = run_raw(&o, uc, argv[1], argv[2]);
	else if (strcmp(argv[0], "keyprov") == 0 && argc <= 3)
		ret = run_keyprov(&o, uc, argc > 1 ? argv[1] : NULL,
		    argc > 2 ? argv[2] : NULL);
	else if (strcmp(argv[0], "certcache") == 0 && argc <= 2)
		ret = run_certcache(&o, uc, argc > 1 ? argv[1] : NULL);
	else if (strcmp(argv[0], "cert") == 0 && argc == 2)
		ret = run_cache(&o, uc, NULL, argv[1]);
	else if (strcmp(argv[0], "verify") == 0 && argc == 2)
		ret = run_verify(&o, uc, argv[1]);
	else if (strcmp(argv[0], "ue-flow") == 0 && argc == 1)
		ret = run_ue_flow(&o);
	else {
		ucheck_free(uc);
		curl_global_cleanup();
		free(url);
		usage();
	}
 out_uc:
	ucheck_free(uc);
 out_curl:
	curl_global_cleanup();
 out:
	xmlCleanupParser();
	free(url);
	return ret;
}
