/*
 * test_xml.c - unit tests of firmware/xml: every document is parsed back,
 * validated against tests/schema/kms-interface.xsd and checked field by
 * field (exact values, element order, escaping, limits).
 *
 * Usage: test_xml [test-name]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <cmocka.h>

#include <libxml/parser.h>

#include "xml.h"
#include "xsd_check.h"

/* RFC 6508 Appendix A Z_S and RFC 6507 Appendix A KPAK (upper-case hex). */
static const char	 zs_hex[] =
    "045958EF1B1679BF099B3A030DF255AA6A23C1D8F143D4D23F753E69BD27A832F3"
    "8CB4AD53DDEF4260B0FE8BB45C4C1FF510EFFE300367A37B61F701D914AEF09724"
    "825FA0707D61A6DFF4FBD7273566CDDE352A0B04B7C16A78309BE640697DE74761"
    "3A5FC195E8B9F328852A579DB8F99B1D0034479EA9C5595F47C4B2F54FF21508D3"
    "7514DCF7A8E143A6058C09A6BF2C9858CA37C258065AE6BF7532BC8B5B63383866"
    "E0753C5AC0E72709F8445F2E6178E065857E0EDA10F68206B63505ED87E534FB28"
    "31FF957FB7DC619DAE61301EEACC2FDA3680EA4999258A833CEA8FC67C6D19487F"
    "B449059F26CC8AAB655AB58B7CC796E24E9A394095754F5F8BAE";
static const char	 kpak_hex[] =
    "0450D4670BDE75244F28D2838A0D25558A7A72686D4522D4C8273FB6442AEBFA93"
    "DBDD37551AFD263B5DFD617F3960C65A8C298850FF99F20366DCE7D4367217F4";

#define RESP_MAX	(1024 * 1024)

static void
unhex(const char *hex, uint8_t *out, size_t len)
{
	size_t		 i;
	unsigned	 v;

	assert_int_equal(strlen(hex), 2 * len);
	for (i = 0; i < len; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void
fill_cert(struct kms_cert_info *c)
{
	memset(c, 0, sizeof(*c));
	c->cert_uri = "cert1.kms.example.org";
	c->kms_uri = "kms.example.org";
	c->issuer = "www.example.org";
	c->valid_from = 1767225600;		/* 2026-01-01T00:00:00Z */
	c->valid_to = 2082758399;		/* 2035-12-31T23:59:59Z */
	c->revoked = false;
	c->user_id_format = XML_USER_ID_FORMAT;
	c->user_key_period = 2592000;
	c->user_key_offset = 432000;
	unhex(zs_hex, c->pub_enc_key, sizeof(c->pub_enc_key));
	unhex(kpak_hex, c->pub_auth_key, sizeof(c->pub_auth_key));
	c->parameter_set = SAKKE_PARAMETER_SET;
	c->domains[0] = "sec1.example.org";
	c->domains[1] = "sip:sec2.example.org";
	c->domain_count = 2;
	c->is_root = true;
}

static void
fill_meta(struct kms_resp_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->user_uri = "sip:user@example.org";
	m->kms_uri = "kms.example.org";
	m->kms_id = "KMSProvider12345";
	m->time = 1714564800;			/* 2024-05-01T12:00:00Z */
	m->client_req_url =
	    "http://kms.example.org/keymanagement/identity/v1/init";
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
test_init_fields(void **state)
{
	struct kms_resp_meta	 meta;
	struct kms_cert_info	 cert;
	struct buf		 out;
	xmlDocPtr		 doc;
	char			 order[512];

	fill_meta(&meta);
	fill_cert(&cert);
	buf_init(&out, RESP_MAX);
	assert_int_equal(xml_init_response(&meta, &cert, &out), XML_OK);
	assert_true(strncmp(out.b_data,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0);
	assert_non_null(strstr(out.b_data,
	    "<KmsResponse xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\" "
	    "Version=\"1.0.0\">"));
	doc = xsd_parse_valid(out.b_data, out.b_len);

	xp_children(doc, "/k:KmsResponse", order, sizeof(order));
	assert_string_equal(order,
	    "UserUri,KmsUri,Time,KmsId,ClientReqUrl,KmsMessage");
	expect_str(doc, "/k:KmsResponse/@Version", "1.0.0");
	expect_str(doc, "/k:KmsResponse/k:UserUri", "sip:user@example.org");
	expect_str(doc, "/k:KmsResponse/k:KmsUri", "kms.example.org");
	expect_str(doc, "/k:KmsResponse/k:Time", "2024-05-01T12:00:00Z");
	expect_str(doc, "/k:KmsResponse/k:KmsId", "KMSProvider12345");
	expect_str(doc, "/k:KmsResponse/k:ClientReqUrl",
	    "http://kms.example.org/keymanagement/identity/v1/init");
	assert_int_equal(xp_count(doc, "/k:KmsResponse/k:KmsError"), 0);
	xp_children(doc, "/k:KmsResponse/k:KmsMessage", order, sizeof(order));
	assert_string_equal(order, "KmsInit");
	expect_str(doc, "//k:KmsInit/@Version", "1.0.0");
	xp_children(doc, "//k:KmsInit", order, sizeof(order));
	assert_string_equal(order, "KmsCertificate");

	xp_children(doc, "//k:KmsCertificate", order, sizeof(order));
	assert_string_equal(order, "CertUri,KmsUri,Issuer,ValidFrom,ValidTo,"
	    "Revoked,UserIdFormat,UserKeyPeriod,UserKeyOffset,PubEncKey,"
	    "PubAuthKey,ParameterSet,KmsDomainList");
	expect_str(doc, "//k:KmsCertificate/@Version", "1.1.0");
	expect_str(doc, "//k:KmsCertificate/@Role", "Root");
	expect_str(doc, "//k:KmsCertificate/k:CertUri",
	    "cert1.kms.example.org");
	expect_str(doc, "//k:KmsCertificate/k:KmsUri", "kms.example.org");
	expect_str(doc, "//k:KmsCertificate/k:Issuer", "www.example.org");
	expect_str(doc, "//k:KmsCertificate/k:ValidFrom",
	    "2026-01-01T00:00:00Z");
	expect_str(doc, "//k:KmsCertificate/k:ValidTo",
	    "2035-12-31T23:59:59Z");
	expect_str(doc, "//k:KmsCertificate/k:Revoked", "false");
	expect_str(doc, "//k:KmsCertificate/k:UserIdFormat", "2");
	expect_str(doc, "//k:KmsCertificate/k:UserKeyPeriod", "2592000");
	expect_str(doc, "//k:KmsCertificate/k:UserKeyOffset", "432000");
	expect_str(doc, "//k:KmsCertificate/k:PubEncKey", zs_hex);
	expect_str(doc, "//k:KmsCertificate/k:PubAuthKey", kpak_hex);
	expect_str(doc, "//k:KmsCertificate/k:ParameterSet", "1");
	assert_int_equal(xp_count(doc, "//k:KmsDomainList/k:KmsDomain"), 2);
	expect_str(doc, "//k:KmsDomainList/k:KmsDomain[1]",
	    "sec1.example.org");
	expect_str(doc, "//k:KmsDomainList/k:KmsDomain[2]",
	    "sip:sec2.example.org");
	/* No xsi or other namespace is declared when none is used. */
	assert_null(strstr(out.b_data, "xmlns:"));
	xmlFreeDoc(doc);
	buf_free(&out);
}

/* Optional fields left out: still valid, and really absent. */
static void
test_init_optional(void **state)
{
	struct kms_resp_meta	 meta;
	struct kms_cert_info	 cert;
	struct buf		 out;
	xmlDocPtr		 doc;
	char			 order[512];

	fill_meta(&meta);
	fill_cert(&cert);
	meta.kms_id = NULL;
	cert.cert_uri = "";
	cert.issuer = NULL;
	cert.domain_count = 0;
	cert.revoked = true;
	cert.is_root = false;
	buf_init(&out, RESP_MAX);
	assert_int_equal(xml_init_response(&meta, &cert, &out), XML_OK);
	doc = xsd_parse_valid(out.b_data, out.b_len);
	xp_children(doc, "/k:KmsResponse", order, sizeof(order));
	assert_string_equal(order, "UserUri,KmsUri,Time,ClientReqUrl,"
	    "KmsMessage");
	xp_children(doc, "//k:KmsCertificate", order, sizeof(order));
	assert_string_equal(order, "KmsUri,ValidFrom,ValidTo,Revoked,"
	    "UserIdFormat,UserKeyPeriod,UserKeyOffset,PubEncKey,PubAuthKey,"
	    "ParameterSet");
	expect_str(doc, "//k:KmsCertificate/k:Revoked", "true");
	expect_str(doc, "//k:KmsCertificate/@Role", "External");
	xmlFreeDoc(doc);

	/* Empty KmsId is the same as none. */
	meta.kms_id = "";
	buf_reset(&out);
	assert_int_equal(xml_init_response(&meta, &cert, &out), XML_OK);
	doc = xsd_parse_valid(out.b_data, out.b_len);
	assert_int_equal(xp_count(doc, "//k:KmsId"), 0);
	xmlFreeDoc(doc);
	buf_free(&out);
}

/* The certificate made from a configuration carries its values. */
static void
test_cert_from_conf(void **state)
{
	struct kms_conf		*conf;
	struct kms_cert_info	 cert, want;
	uint8_t			 zs[SAKKE_POINT_LEN], kpak[ECCSI_POINT_LEN];

	conf = calloc(1, sizeof(*conf));
	assert_non_null(conf);
	conf_defaults(conf);
	snprintf(conf->kms_uri, sizeof(conf->kms_uri), "kms.example.org");
	snprintf(conf->cert_uri, sizeof(conf->cert_uri), "c.example.org");
	snprintf(conf->domains[0], sizeof(conf->domains[0]), "d.example.org");
	conf->domain_count = 1;
	conf->user_key_offset = 7;
	fill_cert(&want);
	memcpy(zs, want.pub_enc_key, sizeof(zs));
	memcpy(kpak, want.pub_auth_key, sizeof(kpak));
	assert_int_equal(xml_cert_from_conf(conf, zs, kpak, &cert), XML_OK);
	assert_string_equal(cert.kms_uri, "kms.example.org");
	assert_string_equal(cert.cert_uri, "c.example.org");
	assert_string_equal(cert.issuer, "");
	assert_int_equal(cert.valid_from, conf->valid_from);
	assert_int_equal(cert.valid_to, conf->valid_to);
	assert_int_equal(cert.user_key_period, 2592000);
	assert_int_equal(cert.user_key_offset, 7);
	assert_int_equal(cert.user_id_format, 2);
	assert_int_equal(cert.parameter_set, 1);
	assert_int_equal(cert.domain_count, 1);
	assert_string_equal(cert.domains[0], "d.example.org");
	assert_true(cert.is_root);
	assert_false(cert.revoked);
	assert_memory_equal(cert.pub_enc_key, zs, sizeof(zs));
	assert_memory_equal(cert.pub_auth_key, kpak, sizeof(kpak));
	assert_int_equal(xml_cert_from_conf(NULL, zs, kpak, &cert),
	    XML_ERR_ARGS);
	free(conf);
}

static void
test_error_response(void **state)
{
	struct kms_resp_meta	 meta;
	struct buf		 out;
	xmlDocPtr		 doc;
	char			 order[256];

	fill_meta(&meta);
	meta.user_uri = "sip:anonymous@anonymous.invalid";
	buf_init(&out, RESP_MAX);
	assert_int_equal(xml_error_response(&meta, 404, "no such resource",
	    &out), XML_OK);
	doc = xsd_parse_valid(out.b_data, out.b_len);
	xp_children(doc, "/k:KmsResponse", order, sizeof(order));
	assert_string_equal(order,
	    "UserUri,KmsUri,Time,KmsId,ClientReqUrl,KmsError");
	xp_children(doc, "/k:KmsResponse/k:KmsError", order, sizeof(order));
	assert_string_equal(order, "ErrorCode,ErrorMsg");
	expect_str(doc, "//k:KmsError/k:ErrorCode", "404");
	expect_str(doc, "//k:KmsError/k:ErrorMsg", "no such resource");
	expect_str(doc, "/k:KmsResponse/k:UserUri",
	    "sip:anonymous@anonymous.invalid");
	assert_int_equal(xp_count(doc, "//k:KmsMessage"), 0);
	xmlFreeDoc(doc);
	buf_free(&out);
}

/* Markup in text is escaped and comes back byte for byte. */
static void
test_escaping(void **state)
{
	static const char	 msg[] = "<b>&amp; \"q\" 'a' ]]> </KmsError>"
				    " \xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91";
	struct kms_resp_meta	 meta;
	struct buf		 out;
	xmlDocPtr		 doc;

	fill_meta(&meta);
	meta.kms_id = "<KmsId>&\"'";
	buf_init(&out, RESP_MAX);
	assert_int_equal(xml_error_response(&meta, 400, msg, &out), XML_OK);
	assert_null(strstr(out.b_data, "<b>"));
	assert_null(strstr(out.b_data, "]]>"));
	doc = xsd_parse_valid(out.b_data, out.b_len);
	expect_str(doc, "//k:KmsError/k:ErrorMsg", msg);
	expect_str(doc, "//k:KmsId", "<KmsId>&\"'");
	assert_int_equal(xp_count(doc, "//k:KmsError"), 1);
	assert_int_equal(xp_count(doc, "//k:b"), 0);
	xmlFreeDoc(doc);
	buf_free(&out);
}

/* What XML cannot carry is replaced in ErrorMsg, refused elsewhere. */
static void
test_odd_bytes(void **state)
{
	struct kms_resp_meta	 meta;
	struct buf		 out;
	xmlDocPtr		 doc;

	fill_meta(&meta);
	buf_init(&out, RESP_MAX);
	assert_int_equal(xml_error_response(&meta, 400,
	    "a\x01" "b\x7f" "c\n\xff\xc3(\xed\xa0\x80\xef\xbf\xbe" "d", &out),
	    XML_OK);
	doc = xsd_parse_valid(out.b_data, out.b_len);
	/* \x7f is an XML character but not a message one; \xed\xa0\x80 is
	 * a surrogate (3 bytes, one '?' each), \xef\xbf\xbe is U+FFFE. */
	expect_str(doc, "//k:KmsError/k:ErrorMsg", "a?b?c\?\?\?(\?\?\?\?d");
	xmlFreeDoc(doc);

	buf_reset(&out);
	meta.user_uri = "sip:a\x01@example.org";
	assert_int_equal(xml_error_response(&meta, 400, "x", &out),
	    XML_ERR_ARGS);
	fill_meta(&meta);
	meta.kms_id = "\xc0\xaf";
	assert_int_equal(xml_error_response(&meta, 400, "x", &out),
	    XML_ERR_ARGS);
	fill_meta(&meta);
	meta.client_req_url = NULL;
	assert_int_equal(xml_error_response(&meta, 400, "x", &out),
	    XML_ERR_ARGS);
	assert_int_equal(xml_error_response(NULL, 400, "x", &out),
	    XML_ERR_ARGS);
	fill_meta(&meta);
	assert_int_equal(xml_error_response(&meta, 400, NULL, &out),
	    XML_ERR_ARGS);
	assert_int_equal(out.b_len, 0);
	buf_free(&out);
}

/* Long strings: ErrorMsg is cut at a character boundary; long URIs are
 * refused past XML_STR_MAX. */
static void
test_large(void **state)
{
	struct kms_resp_meta	 meta;
	struct kms_cert_info	 cert;
	struct buf		 out;
	xmlDocPtr		 doc;
	char			*big, *got;
	size_t			 i;

	big = malloc(3 * XML_STR_MAX);
	assert_non_null(big);
	/* 'x' then 2-byte characters, so the cut falls inside one. */
	big[0] = 'x';
	for (i = 1; i + 2 < 3 * XML_STR_MAX; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[i] = '\0';
	fill_meta(&meta);
	buf_init(&out, RESP_MAX);
	assert_int_equal(xml_error_response(&meta, 500, big, &out), XML_OK);
	doc = xsd_parse_valid(out.b_data, out.b_len);
	got = xp_str(doc, "//k:KmsError/k:ErrorMsg");
	assert_non_null(got);
	assert_int_equal(strlen(got), XML_ERRMSG_MAX - 1);
	assert_memory_equal(got, big, strlen(got));
	xmlFree(got);
	xmlFreeDoc(doc);

	/* A URI of exactly XML_STR_MAX bytes passes; one more is refused. */
	memset(big, 'a', XML_STR_MAX + 1);
	memcpy(big, "sip:", 4);
	big[XML_STR_MAX] = '\0';
	meta.user_uri = big;
	buf_reset(&out);
	assert_int_equal(xml_error_response(&meta, 500, "x", &out), XML_OK);
	doc = xsd_parse_valid(out.b_data, out.b_len);
	xmlFreeDoc(doc);
	big[XML_STR_MAX] = 'a';
	big[XML_STR_MAX + 1] = '\0';
	buf_reset(&out);
	assert_int_equal(xml_error_response(&meta, 500, "x", &out),
	    XML_ERR_ARGS);

	/* Too many domains. */
	fill_meta(&meta);
	fill_cert(&cert);
	cert.domain_count = XML_DOMAINS_MAX + 1;
	assert_int_equal(xml_init_response(&meta, &cert, &out), XML_ERR_ARGS);
	cert.domain_count = 1;
	cert.domains[0] = "";
	assert_int_equal(xml_init_response(&meta, &cert, &out), XML_ERR_ARGS);
	free(big);
	buf_free(&out);
}

/* A buffer that cannot take the document is left as it was. */
static void
test_space(void **state)
{
	struct kms_resp_meta	 meta;
	struct kms_cert_info	 cert;
	struct buf		 out;

	fill_meta(&meta);
	fill_cert(&cert);
	buf_init(&out, 1024);
	assert_int_equal(buf_add(&out, "keep", 4), 0);
	assert_int_equal(xml_init_response(&meta, &cert, &out),
	    XML_ERR_SPACE);
	assert_int_equal(out.b_len, 4);
	assert_string_equal(out.b_data, "keep");
	/* An error response fits, and is appended. */
	assert_int_equal(xml_error_response(&meta, 404, "x", &out), XML_OK);
	assert_true(strncmp(out.b_data, "keep<?xml", 9) == 0);
	buf_free(&out);
}

static void
test_time_format(void **state)
{
	static const struct {
		int64_t		 t;
		const char	*s;
	} v[] = {
		{ 0,				"1970-01-01T00:00:00Z" },
		{ -1,				"1969-12-31T23:59:59Z" },
		{ 951782400,			"2000-02-29T00:00:00Z" },
		{ 1393144754,			"2014-02-23T08:39:14Z" },
		{ -2208988800LL,		"1900-01-01T00:00:00Z" },
		{ 253402300799LL,		"9999-12-31T23:59:59Z" },
		{ -62135596800LL,		"0001-01-01T00:00:00Z" },
	};
	char	 s[XML_TIME_LEN];
	size_t	 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(xml_format_time(v[i].t, s, sizeof(s)),
		    XML_OK);
		assert_string_equal(s, v[i].s);
	}
	assert_int_equal(xml_format_time(253402300800LL, s, sizeof(s)),
	    XML_ERR_ARGS);
	assert_int_equal(xml_format_time(-62135596801LL, s, sizeof(s)),
	    XML_ERR_ARGS);
	assert_int_equal(xml_format_time(0, s, XML_TIME_LEN - 1),
	    XML_ERR_ARGS);
	assert_int_equal(xml_format_time(0, NULL, 0), XML_ERR_ARGS);
}

static void
test_is_text(void **state)
{
	assert_true(xml_is_text(""));
	assert_true(xml_is_text("a\tb\r\nc \xc3\xa9\xf4\x8f\xbf\xbd"));
	assert_false(xml_is_text(NULL));
	assert_false(xml_is_text("\x01"));
	assert_false(xml_is_text("\xc3"));		/* truncated */
	assert_false(xml_is_text("\xc1\x81"));		/* overlong */
	assert_false(xml_is_text("\xed\xb0\x80"));	/* surrogate */
	assert_false(xml_is_text("\xef\xbf\xbf"));	/* U+FFFF */
	assert_false(xml_is_text("\xf4\x90\x80\x80"));	/* > U+10FFFF */
}

/* Builders run on several worker threads at once. */
static void *
build_many(void *arg)
{
	struct kms_resp_meta	 meta;
	struct kms_cert_info	 cert;
	struct buf		 out;
	int			 i, *bad = arg;

	fill_meta(&meta);
	fill_cert(&cert);
	buf_init(&out, RESP_MAX);
	for (i = 0; i < 200; i++) {
		buf_reset(&out);
		if (xml_init_response(&meta, &cert, &out) != XML_OK ||
		    strstr(out.b_data, zs_hex) == NULL)
			(*bad)++;
	}
	buf_free(&out);
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t	 th[4];
	int		 bad[4] = { 0 };
	size_t		 i;

	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, build_many,
		    &bad[i]), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(bad[i], 0);
	}
}

/* The validator is live: it refuses what the XSD forbids. */
static void
test_xsd_rejects(void **state)
{
	static const char *const bad[] = {
		/* KmsUri before UserUri (the 33.179 order). */
		"<KmsResponse xmlns=\"" XML_NS_KMS "\" Version=\"1.0.0\">"
		"<KmsUri>k</KmsUri><UserUri>u</UserUri>"
		"<Time>2024-05-01T12:00:00Z</Time>"
		"<ClientReqUrl>http://k/</ClientReqUrl></KmsResponse>",
		/* No ClientReqUrl. */
		"<KmsResponse xmlns=\"" XML_NS_KMS "\" Version=\"1.0.0\">"
		"<UserUri>u</UserUri><KmsUri>k</KmsUri>"
		"<Time>2024-05-01T12:00:00Z</Time></KmsResponse>",
		/* Wrong Version. */
		"<KmsResponse xmlns=\"" XML_NS_KMS "\" Version=\"1.1.0\">"
		"<UserUri>u</UserUri><KmsUri>k</KmsUri>"
		"<Time>2024-05-01T12:00:00Z</Time>"
		"<ClientReqUrl>http://k/</ClientReqUrl></KmsResponse>",
		/* Not a dateTime. */
		"<KmsResponse xmlns=\"" XML_NS_KMS "\" Version=\"1.0.0\">"
		"<UserUri>u</UserUri><KmsUri>k</KmsUri><Time>today</Time>"
		"<ClientReqUrl>http://k/</ClientReqUrl></KmsResponse>",
	};
	xmlDocPtr	 doc;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		doc = xsd_parse(bad[i], strlen(bad[i]));
		assert_non_null(doc);
		assert_int_not_equal(xsd_validate(doc), 0);
		xmlFreeDoc(doc);
	}
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_fields),
		cmocka_unit_test(test_init_optional),
		cmocka_unit_test(test_cert_from_conf),
		cmocka_unit_test(test_error_response),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_odd_bytes),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_space),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_is_text),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_xsd_rejects),
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
	rc = _cmocka_run_group_tests("xml", run, n, NULL, NULL);
	xmlCleanupParser();
	return rc;
}
