/*
 * test_mcx.c - unit tests of firmware/mcx: the route table, the KMS
 * Initialize handler, the 501 answers of the resources not implemented,
 * keyprov/certcache/cert without [auth] (503),
 * and mcx_error_body for every status net/ may give it.  Every body is
 * validated against tests/schema/kms-interface.xsd.
 *
 * The handlers are called directly with a made-up request, as net/ would
 * call them (no network).
 *
 * Usage: test_mcx [test-name]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <libxml/parser.h>

#include <unistd.h>

#include "kmsd.h"
#include "mcx.h"
#include "store.h"
#include "xml.h"
#include "xsd_check.h"

#define INIT_PATH	MCX_ROOT "/init"

static struct kms_conf	 conf;
static struct kmsd	 kmsd;

static int
setup(void **state)
{
	struct kmsd_gen	*g;
	size_t		 i;

	conf_defaults(&conf);
	snprintf(conf.kms_uri, sizeof(conf.kms_uri), "kms.example.org");
	snprintf(conf.cert_uri, sizeof(conf.cert_uri), "cert1.kms.example.org");
	snprintf(conf.kms_id, sizeof(conf.kms_id), "KMSProvider12345");
	snprintf(conf.domains[0], sizeof(conf.domains[0]), "example.org");
	conf.domain_count = 1;
	memset(&kmsd, 0, sizeof(kmsd));
	kmsd.conf = &conf;
	/* Not points of the curves, but what mcx copies: a pattern. */
	g = &kmsd.gens[0];
	for (i = 0; i < sizeof(g->g_pub_enc); i++)
		g->g_pub_enc[i] = (uint8_t)i;
	for (i = 0; i < sizeof(g->g_pub_auth); i++)
		g->g_pub_auth[i] = (uint8_t)(0xff - i);
	g->g_pub_enc[0] = g->g_pub_auth[0] = 0x04;
	/* One certificate generation, as kcert_load makes it from conf. */
	g->g_no = 1;
	snprintf(g->g_cert_uri, sizeof(g->g_cert_uri), "%s", conf.cert_uri);
	g->g_from = INT64_MIN;
	g->g_valid_from = conf.valid_from;
	g->g_valid_to = conf.valid_to;
	atomic_store(&kmsd.ngens, 1);
	return 0;
}

static void
unlink_dir(const char *dir)
{
	static const char	*files[] = { "kms.db", "kms.db-wal",
				    "kms.db-shm" };
	char			 p[256];
	size_t			 i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

static const struct http_route *
route_for(enum http_req_method m, const char *path)
{
	size_t	 i, n;

	for (i = 0; i < mcx_route_count; i++) {
		n = strlen(mcx_routes[i].path);
		if (mcx_routes[i].method == m &&
		    (strcmp(path, mcx_routes[i].path) == 0 ||
		    (mcx_routes[i].prefix &&
		    strncmp(path, mcx_routes[i].path, n) == 0 &&
		    path[n] == '/')))
			return &mcx_routes[i];
	}
	return NULL;
}

/* Run the handler of path as net/ would; res is initialised here. */
static int
call(const char *path, const char *host, struct http_response *res,
    void *arg)
{
	const struct http_route	*r;
	struct http_request	 req;
	struct http_header	 hdr[2];

	memset(&req, 0, sizeof(req));
	req.method = HTTP_M_POST;
	req.method_name = "POST";
	req.path = path;
	hdr[0].name = "Content-Length";
	hdr[0].value = "0";
	hdr[1].name = "hOsT";
	hdr[1].value = host;
	req.headers = hdr;
	req.header_count = host != NULL ? 2 : 1;
	snprintf(req.peer, sizeof(req.peer), "127.0.0.1:40000");
	memset(res, 0, sizeof(*res));
	buf_init(&res->body, NET_RESPONSE_BYTES_MAX);
	res->status = 200;
	r = route_for(HTTP_M_POST, path);
	assert_non_null(r);
	return r->handler(&req, res, arg);
}

static void
expect_str(xmlDocPtr doc, const char *expr, const char *want)
{
	char	*got;

	got = xp_str(doc, expr);
	if (got == NULL)
		fail_msg("%s: missing", expr);
	if (strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", expr, got, want);
	xmlFree(got);
}

static void
hex_upper(const uint8_t *v, size_t len, char *out)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02X", v[i]);
}

/*
 * Every route is a POST under the tree root, but the last: the exact
 * MIKEY-TICKET path of TS 33.328 Annex A (docs/ticket.md); init is exact.
 */
static void
test_routes(void **state)
{
	size_t	 i;

	assert_int_equal(mcx_route_count, 7);
	for (i = 0; i < mcx_route_count; i++) {
		assert_int_equal(mcx_routes[i].method, HTTP_M_POST);
		assert_non_null(mcx_routes[i].handler);
		if (i == mcx_route_count - 1) {
			assert_string_equal(mcx_routes[i].path,
			    "/keymanagement");
			assert_false(mcx_routes[i].prefix);
			continue;
		}
		assert_true(strncmp(mcx_routes[i].path, MCX_ROOT "/",
		    strlen(MCX_ROOT) + 1) == 0);
	}
	assert_non_null(route_for(HTTP_M_POST, "/keymanagement"));
	assert_null(route_for(HTTP_M_POST, "/keymanagement/x"));
	assert_non_null(route_for(HTTP_M_POST, INIT_PATH));
	assert_null(route_for(HTTP_M_POST, INIT_PATH "/x"));
	assert_null(route_for(HTTP_M_GET, INIT_PATH));
	assert_non_null(route_for(HTTP_M_POST, MCX_ROOT "/keyprov"));
	assert_non_null(route_for(HTTP_M_POST,
	    MCX_ROOT "/keyprov/sip%3Auser%40example.org/D6B4323200000000"));
	assert_non_null(route_for(HTTP_M_POST, MCX_ROOT "/certcache/12345"));
	assert_null(route_for(HTTP_M_POST, MCX_ROOT "/keyprovx"));
	assert_null(route_for(HTTP_M_POST, MCX_ROOT));
}

static void
test_init(void **state)
{
	struct http_response	 res;
	xmlDocPtr		 doc;
	char			 hex[2 * SAKKE_POINT_LEN + 1], *t;
	char			 now_s[XML_TIME_LEN], after_s[XML_TIME_LEN];
	time_t			 before, after;

	before = time(NULL);
	assert_int_equal(call(INIT_PATH, "kms.example.org:8080", &res, &kmsd),
	    0);
	after = time(NULL);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.content_type, "application/xml; charset=UTF-8");
	doc = xsd_parse_valid(res.body.b_data, res.body.b_len);
	expect_str(doc, "/k:KmsResponse/k:UserUri",
	    "sip:anonymous@anonymous.invalid");
	expect_str(doc, "/k:KmsResponse/k:KmsUri", "kms.example.org");
	expect_str(doc, "/k:KmsResponse/k:KmsId", "KMSProvider12345");
	expect_str(doc, "/k:KmsResponse/k:ClientReqUrl",
	    "http://kms.example.org:8080/keymanagement/identity/v1/init");
	t = xp_str(doc, "/k:KmsResponse/k:Time");
	assert_non_null(t);
	assert_int_equal(xml_format_time(before, now_s, sizeof(now_s)), 0);
	assert_int_equal(xml_format_time(after, after_s, sizeof(after_s)), 0);
	assert_true(strcmp(t, now_s) >= 0 && strcmp(t, after_s) <= 0);
	xmlFree(t);
	expect_str(doc, "//k:KmsCertificate/@Role", "Root");
	expect_str(doc, "//k:KmsCertificate/k:CertUri",
	    "cert1.kms.example.org");
	expect_str(doc, "//k:KmsCertificate/k:KmsUri", "kms.example.org");
	expect_str(doc, "//k:KmsCertificate/k:ValidFrom",
	    "2026-01-01T00:00:00Z");
	expect_str(doc, "//k:KmsCertificate/k:ValidTo",
	    "2036-01-01T00:00:00Z");
	expect_str(doc, "//k:KmsCertificate/k:UserKeyPeriod", "2592000");
	expect_str(doc, "//k:KmsCertificate/k:UserKeyOffset", "0");
	expect_str(doc, "//k:KmsCertificate/k:UserIdFormat", "2");
	expect_str(doc, "//k:KmsCertificate/k:ParameterSet", "1");
	hex_upper(kmsd.gens[0].g_pub_enc, sizeof(kmsd.gens[0].g_pub_enc), hex);
	expect_str(doc, "//k:KmsCertificate/k:PubEncKey", hex);
	hex_upper(kmsd.gens[0].g_pub_auth, sizeof(kmsd.gens[0].g_pub_auth), hex);
	expect_str(doc, "//k:KmsCertificate/k:PubAuthKey", hex);
	expect_str(doc, "//k:KmsDomainList/k:KmsDomain", "example.org");
	assert_int_equal(xp_count(doc, "//k:KmsError"), 0);
	xmlFreeDoc(doc);
	buf_free(&res.body);
}

/* ClientReqUrl: Host when well-formed, else kms_uri. */
static void
test_client_req_url(void **state)
{
	static const struct {
		const char	*host;
		const char	*kms_uri;
		const char	*want;
	} v[] = {
		{ "198.18.0.15", "kms.example.org",
		    "http://198.18.0.15" INIT_PATH },
		{ "[::1]:8080", "kms.example.org",
		    "http://[::1]:8080" INIT_PATH },
		{ NULL, "kms.example.org", "http://kms.example.org" INIT_PATH },
		{ "", "kms.example.org", "http://kms.example.org" INIT_PATH },
		{ "evil.org/<x>", "kms.example.org",
		    "http://kms.example.org" INIT_PATH },
		{ "a b", "kms.example.org",
		    "http://kms.example.org" INIT_PATH },
		{ "h\xc3\xa9", "kms.example.org",
		    "http://kms.example.org" INIT_PATH },
		{ NULL, "https://kms.example.org/",
		    "https://kms.example.org" INIT_PATH },
	};
	struct http_response	 res;
	xmlDocPtr		 doc;
	size_t			 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(conf.kms_uri, sizeof(conf.kms_uri), "%s",
		    v[i].kms_uri);
		assert_int_equal(call(INIT_PATH, v[i].host, &res, &kmsd), 0);
		doc = xsd_parse_valid(res.body.b_data, res.body.b_len);
		expect_str(doc, "/k:KmsResponse/k:ClientReqUrl", v[i].want);
		xmlFreeDoc(doc);
		buf_free(&res.body);
	}
}

/* The routed but missing resources answer 501 + KmsError. */
static void
test_unimplemented(void **state)
{
	static const struct {
		const char	*path;
		const char	*url;
		const char	*msg;
	} v[] = {
		{ MCX_ROOT "/lookup/x", "http://h" MCX_ROOT "/lookup/x",
		    MCX_MSG_LOOKUP },
		{ MCX_ROOT "/lookup", "http://h" MCX_ROOT "/lookup",
		    MCX_MSG_LOOKUP },
		{ MCX_ROOT "/redirect", "http://h" MCX_ROOT "/redirect",
		    MCX_MSG_REDIRECT },
		/* Raw bytes of the path are percent-encoded, not copied. */
		{ MCX_ROOT "/lookup/<a>\"&\xff %zz",
		    "http://h" MCX_ROOT "/lookup/%3Ca%3E%22&%FF%20%25zz",
		    MCX_MSG_LOOKUP },
	};
	struct http_response	 res;
	xmlDocPtr		 doc;
	size_t			 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(call(v[i].path, "h", &res, &kmsd), 0);
		assert_int_equal(res.status, 501);
		assert_string_equal(res.content_type, MCX_CONTENT_TYPE);
		doc = xsd_parse_valid(res.body.b_data, res.body.b_len);
		expect_str(doc, "//k:KmsError/k:ErrorCode", "501");
		expect_str(doc, "//k:KmsError/k:ErrorMsg", v[i].msg);
		expect_str(doc, "/k:KmsResponse/k:ClientReqUrl", v[i].url);
		assert_int_equal(xp_count(doc, "//k:KmsMessage"), 0);
		xmlFreeDoc(doc);
		buf_free(&res.body);
	}
}

/*
 * keyprov, certcache and cert without [auth]: 503 + Retry-After + a
 * valid KmsError, and an audit record of the refusal.
 */
static void
test_no_auth(void **state)
{
	static const char	*paths[] = { MCX_ROOT "/keyprov",
				    MCX_ROOT "/certcache/3",
				    MCX_ROOT "/cert/c1" };
	struct store_conf	 sc;
	struct store_audit	 a[4];
	struct http_response	 res;
	xmlDocPtr		 doc;
	char			 dir[] = "/tmp/test_mcx_XXXXXX";
	size_t			 i, n;

	assert_non_null(mkdtemp(dir));
	memset(&sc, 0, sizeof(sc));
	sc.sc_data_dir = dir;
	assert_int_equal(store_open(&sc, &kmsd.store), 0);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_int_equal(call(paths[i], "h", &res, &kmsd), 0);
		assert_int_equal(res.status, 503);
		assert_int_equal(res.extra_count, 1);
		assert_string_equal(res.extra[0].name, "Retry-After");
		doc = xsd_parse_valid(res.body.b_data, res.body.b_len);
		expect_str(doc, "//k:KmsError/k:ErrorCode", "503");
		expect_str(doc, "//k:KmsError/k:ErrorMsg",
		    "access tokens not configured");
		xmlFreeDoc(doc);
		buf_free(&res.body);
	}
	assert_int_equal(store_audit_read(kmsd.store, 0, a, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(a[0].sa_kind, STORE_AUDIT_REFUSED);
	assert_string_equal(a[0].sa_reason, "access tokens not configured");
	store_close(kmsd.store);
	kmsd.store = NULL;
	unlink_dir(dir);
}

/* Every status net/ can produce gets a valid KmsError body. */
static void
test_error_body(void **state)
{
	static const int	 statuses[] = { 400, 401, 403, 404, 405, 408,
				    411, 413, 414, 415, 431, 500, 501, 503,
				    505, 418, 599 };
	struct http_response	 res;
	xmlDocPtr		 doc;
	char			 code[16];
	size_t			 i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		memset(&res, 0, sizeof(res));
		buf_init(&res.body, NET_RESPONSE_BYTES_MAX);
		res.status = statuses[i];
		mcx_error_body(statuses[i], &res, &kmsd);
		assert_int_equal(res.status, statuses[i]);
		assert_non_null(res.content_type);
		assert_string_equal(res.content_type, MCX_CONTENT_TYPE);
		doc = xsd_parse_valid(res.body.b_data, res.body.b_len);
		snprintf(code, sizeof(code), "%d", statuses[i]);
		expect_str(doc, "//k:KmsError/k:ErrorCode", code);
		expect_str(doc, "//k:KmsError/k:ErrorMsg",
		    mcx_error_msg(statuses[i]));
		expect_str(doc, "/k:KmsResponse/k:ClientReqUrl",
		    "http://kms.example.org" MCX_ROOT);
		expect_str(doc, "/k:KmsResponse/k:UserUri", MCX_ANON_USER_URI);
		xmlFreeDoc(doc);
		buf_free(&res.body);
	}
	assert_string_equal(mcx_error_msg(404), "no such resource");
	assert_string_equal(mcx_error_msg(405), "method not allowed: use POST");
	assert_string_equal(mcx_error_msg(501),
	    "not implemented in this release");
	assert_string_equal(mcx_error_msg(418), "client error");
	assert_string_equal(mcx_error_msg(599), "server error");
}

/* No context: nothing to say, no crash; handlers fail (net/: 500). */
static void
test_null_arg(void **state)
{
	struct http_response	 res;

	memset(&res, 0, sizeof(res));
	buf_init(&res.body, NET_RESPONSE_BYTES_MAX);
	res.status = 404;
	mcx_error_body(404, &res, NULL);
	assert_int_equal(res.status, 404);
	assert_int_equal(res.body.b_len, 0);
	assert_null(res.content_type);
	mcx_error_body(404, NULL, &kmsd);
	buf_free(&res.body);

	assert_int_not_equal(call(INIT_PATH, "h", &res, NULL), 0);
	buf_free(&res.body);
	assert_int_not_equal(call(MCX_ROOT "/keyprov", "h", &res, NULL), 0);
	buf_free(&res.body);
}

/* A response buffer too small for KmsInit makes the handler fail. */
static void
test_small_buffer(void **state)
{
	const struct http_route	*r;
	struct http_request	 req;
	struct http_response	 res;

	memset(&req, 0, sizeof(req));
	req.method = HTTP_M_POST;
	req.path = INIT_PATH;
	memset(&res, 0, sizeof(res));
	buf_init(&res.body, 512);
	r = route_for(HTTP_M_POST, INIT_PATH);
	assert_non_null(r);
	assert_int_not_equal(r->handler(&req, &res, &kmsd), 0);
	assert_int_equal(res.body.b_len, 0);
	buf_free(&res.body);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_routes, setup),
		cmocka_unit_test_setup(test_init, setup),
		cmocka_unit_test_setup(test_client_req_url, setup),
		cmocka_unit_test_setup(test_unimplemented, setup),
		cmocka_unit_test_setup(test_no_auth, setup),
		cmocka_unit_test_setup(test_error_body, setup),
		cmocka_unit_test_setup(test_null_arg, setup),
		cmocka_unit_test_setup(test_small_buffer, setup),
	};
	struct CMUnitTest	 run[sizeof(tests) / sizeof(tests[0])];
	size_t			 i, n = 0;
	int			 rc;

	/* An exact name selects one test; an unknown name is an error. */
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (argc < 2 || strcmp(argv[1], tests[i].name) == 0)
			run[n++] = tests[i];
	if (n == 0) {
		fprintf(stderr, "%s: no test named %s\n", argv[0], argv[1]);
		return 2;
	}
	rc = _cmocka_run_group_tests("mcx", run, n, NULL, NULL);
	xmlCleanupParser();
	return rc;
}
