/*
 * test_ucheck.c - kms-client's own checks (tools/kms-client/ucheck.c):
 * hex decoding, SAKKE and P-256 point validation, and the init and error
 * response verifiers, run on tests/schema/examples and mutations of them.
 *
 * Vectors: RFC 6508 Appendix A Z_S, RFC 6507 Appendix A KPAK, RFC 6509
 * Appendix A P and p (mcx-kms.md 6.1, 6.8, 6.9).
 *
 * Usage: test_ucheck [test-name]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <libxml/parser.h>
#include <openssl/bn.h>

#include "ucheck.h"

#ifndef KMS_SOURCE_DIR
#error KMS_SOURCE_DIR must name the source tree
#endif
#define EXAMPLES	KMS_SOURCE_DIR "/tests/schema/examples"
#define XSD		KMS_SOURCE_DIR "/tests/schema/kms-interface.xsd"

/* RFC 6508 Appendix A (mcx-kms.md 6.9). */
static const char rfc6508_Z_S[] =
    "045958EF1B1679BF099B3A030DF255AA6A23C1D8F143D4D23F753E69BD27A832"
    "F38CB4AD53DDEF4260B0FE8BB45C4C1FF510EFFE300367A37B61F701D914AEF0"
    "9724825FA0707D61A6DFF4FBD7273566CDDE352A0B04B7C16A78309BE640697D"
    "E747613A5FC195E8B9F328852A579DB8F99B1D0034479EA9C5595F47C4B2F54F"
    "F21508D37514DCF7A8E143A6058C09A6BF2C9858CA37C258065AE6BF7532BC8B"
    "5B63383866E0753C5AC0E72709F8445F2E6178E065857E0EDA10F68206B63505"
    "ED87E534FB2831FF957FB7DC619DAE61301EEACC2FDA3680EA4999258A833CEA"
    "8FC67C6D19487FB449059F26CC8AAB655AB58B7CC796E24E9A394095754F5F8B"
    "AE";

/* RFC 6507 Appendix A (mcx-kms.md 6.8). */
static const char rfc6507_kpak[] =
    "0450D4670BDE75244F28D2838A0D25558A7A72686D4522D4C8273FB6442AEBFA"
    "93DBDD37551AFD263B5DFD617F3960C65A8C298850FF99F20366DCE7D4367217"
    "F4";

/* RFC 6509 Appendix A: P = (Px, Py) and p. */
static const char set1_px[] =
    "53FC09EE332C29AD0A7990053ED9B52A2B1A2FD60AEC69C698B2F204B6FF7CBF"
    "B5EDB6C0F6CE2308AB10DB9030B09E1043D5F22CDB9DFA55718BD9E7406CE890"
    "9760AF765DD5BCCB337C86548B72F2E1A702C3397A60DE74A7C1514DBA66910D"
    "D5CFB4CC80728D87EE9163A5B63F73EC80EC46C4967E0979880DC8ABEAE63895";
static const char set1_py[] =
    "0A8249063F6009F1F9F1F0533634A135D3E82016029906963D778D821E141178"
    "F5EA69F4654EC2B9E7F7F5E5F0DE55F66B598CCF9A140B2E416CFF0CA9E032B9"
    "70DAE117AD547C6CCAD696B5B7652FE0AC6F1E80164AA989492D979FC5A4D5F2"
    "13515AD7E9CB99A980BDAD5AD5BB4636ADB9B5706A67DCDE75573FD71BEF16D7";
static const char set1_p[] =
    "997ABB1F0A563FDA65C61198DAD0657A416C0CE19CB48261BE9AE358B3E01A2E"
    "F40AAB27E2FC0F1B228730D531A59CB0E791B39FF7C88A19356D27F4A666A6D0"
    "E26C6487326B4CD4512AC5CD65681CE1B6AFF4A831852A82A7CF3C521C3C09AA"
    "9F94D6AF56971F1FFCE3E82389857DB080C5DF10AC7ACE87666D807AFEA85FEB";

/* x = 1 lies on E with [q]Q != O ([2q]Q = O): computed with OpenSSL. */
#define ORDER_2Q_X	1

static struct ucheck	*uc;

static int	 setup(void **);
static int	 teardown(void **);
static void	 hex2bin(const char *, uint8_t *, size_t);
static char	*slurp(const char *, size_t *);
static char	*replace(const char *, const char *, const char *);
static enum ucheck_status init_of(const char *, const char *, char *,
		    size_t);

static int
setup(void **state)
{
	char	 msg[UCHECK_MSG_LEN];

	xmlInitParser();
	uc = ucheck_new(XSD, msg, sizeof(msg));
	if (uc == NULL)
		fprintf(stderr, "ucheck_new: %s\n", msg);
	return uc == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	ucheck_free(uc);
	uc = NULL;
	xmlCleanupParser();
	return 0;
}

static void
hex2bin(const char *hex, uint8_t *out, size_t len)
{
	assert_int_equal(ucheck_hex(hex, out, len), UCHECK_OK);
}

/* The whole file, NUL-terminated; free() it. */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE	*f;
	char	*s;
	long	 n;

	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	if (lenp != NULL)
		*lenp = (size_t)n;
	return s;
}

/* src with its first occurrence of from (which must exist) made to. */
static char *
replace(const char *src, const char *from, const char *to)
{
	const char	*at;
	char		*out;
	size_t		 pre, fl = strlen(from), tl = strlen(to);

	at = strstr(src, from);
	assert_non_null(at);
	pre = (size_t)(at - src);
	out = malloc(strlen(src) - fl + tl + 1);
	assert_non_null(out);
	memcpy(out, src, pre);
	memcpy(out + pre, to, tl);
	memcpy(out + pre + tl, at + fl, strlen(at + fl) + 1);
	return out;
}

/* Runs the init verifier on the example with from replaced by to. */
static enum ucheck_status
init_of(const char *from, const char *to, char *msg, size_t size)
{
	enum ucheck_status	 s;
	char			*doc, *m;

	doc = slurp(EXAMPLES "/init-response.xml", NULL);
	m = replace(doc, from, to);
	s = ucheck_init_response(uc, m, strlen(m), NULL, NULL, msg, size);
	free(m);
	free(doc);
	return s;
}

static void
test_hex(void **state)
{
	uint8_t	 b[3];

	assert_int_equal(ucheck_hex("0aFf10", b, 3), UCHECK_OK);
	assert_int_equal(b[0], 0x0a);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(b[2], 0x10);
	assert_int_equal(ucheck_hex(" \n\t0AfF10\r\n ", b, 3), UCHECK_OK);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(ucheck_hex("0aFf1", b, 3), UCHECK_ERR_LENGTH);
	assert_int_equal(ucheck_hex("0aFf1011", b, 3), UCHECK_ERR_LENGTH);
	assert_int_equal(ucheck_hex("0aFg10", b, 3), UCHECK_ERR_HEX);
	assert_int_equal(ucheck_hex("0a F10", b, 3), UCHECK_ERR_HEX);
	assert_int_equal(ucheck_hex("", b, 3), UCHECK_ERR_LENGTH);
}

static void
test_sakke_point(void **state)
{
	uint8_t	 pt[UCHECK_SAKKE_POINT_LEN];

	hex2bin(rfc6508_Z_S, pt, sizeof(pt));
	assert_int_equal(ucheck_sakke_point(uc, pt, sizeof(pt)), UCHECK_OK);
	assert_int_equal(ucheck_sakke_point(uc, pt, sizeof(pt) - 1),
	    UCHECK_ERR_LENGTH);
	pt[0] = 0x03;
	assert_int_equal(ucheck_sakke_point(uc, pt, sizeof(pt)),
	    UCHECK_ERR_PREFIX);

	/* P itself. */
	pt[0] = 0x04;
	hex2bin(set1_px, pt + 1, UCHECK_SAKKE_FP_LEN);
	hex2bin(set1_py, pt + 1 + UCHECK_SAKKE_FP_LEN, UCHECK_SAKKE_FP_LEN);
	assert_int_equal(ucheck_sakke_point(uc, pt, sizeof(pt)), UCHECK_OK);

	/* x = p. */
	hex2bin(set1_p, pt + 1, UCHECK_SAKKE_FP_LEN);
	assert_int_equal(ucheck_sakke_point(uc, pt, sizeof(pt)),
	    UCHECK_ERR_RANGE);

	/* One bit of y flipped. */
	hex2bin(rfc6508_Z_S, pt, sizeof(pt));
	pt[sizeof(pt) - 1] ^= 0x01;
	assert_int_equal(ucheck_sakke_point(uc, pt, sizeof(pt)),
	    UCHECK_ERR_CURVE);

	/* (0, 0): on E, order 2. */
	memset(pt, 0, sizeof(pt));
	pt[0] = 0x04;
	assert_int_equal(ucheck_sakke_point(uc, pt, sizeof(pt)),
	    UCHECK_ERR_ORDER);
}

/* (1, sqrt(-2)) has order 2q: on E, outside the order-q subgroup. */
static void
test_sakke_point_order_2q(void **state)
{
	uint8_t	 pt[UCHECK_SAKKE_POINT_LEN];
	BIGNUM	*p = NULL, *rhs, *y;
	BN_CTX	*ctx;

	ctx = BN_CTX_new();
	rhs = BN_new();
	y = BN_new();
	assert_non_null(BN_hex2bn(&p, set1_p));
	/* rhs = 1 - 3 = p - 2. */
	assert_true(BN_copy(rhs, p) != NULL);
	assert_true(BN_sub_word(rhs, 2));
	assert_non_null(BN_mod_sqrt(y, rhs, p, ctx));
	memset(pt, 0, sizeof(pt));
	pt[0] = 0x04;
	pt[UCHECK_SAKKE_FP_LEN] = ORDER_2Q_X;
	assert_int_equal(BN_bn2binpad(y, pt + 1 + UCHECK_SAKKE_FP_LEN,
	    UCHECK_SAKKE_FP_LEN), UCHECK_SAKKE_FP_LEN);
	assert_int_equal(ucheck_sakke_point(uc, pt, sizeof(pt)),
	    UCHECK_ERR_ORDER);
	BN_free(p);
	BN_free(rhs);
	BN_free(y);
	BN_CTX_free(ctx);
}

static void
test_p256_point(void **state)
{
	uint8_t	 pt[UCHECK_P256_POINT_LEN];

	hex2bin(rfc6507_kpak, pt, sizeof(pt));
	assert_int_equal(ucheck_p256_point(uc, pt, sizeof(pt)), UCHECK_OK);
	assert_int_equal(ucheck_p256_point(uc, pt, 64), UCHECK_ERR_LENGTH);
	pt[0] = 0x02;
	assert_int_equal(ucheck_p256_point(uc, pt, sizeof(pt)),
	    UCHECK_ERR_PREFIX);
	pt[0] = 0x04;
	pt[40] ^= 0x80;
	assert_int_equal(ucheck_p256_point(uc, pt, sizeof(pt)),
	    UCHECK_ERR_CURVE);
	hex2bin(rfc6507_kpak, pt, sizeof(pt));
	memset(pt + 1, 0xff, UCHECK_P256_FP_LEN);
	assert_int_equal(ucheck_p256_point(uc, pt, sizeof(pt)),
	    UCHECK_ERR_RANGE);
	/* A SAKKE-sized key is not a P-256 key. */
	assert_int_equal(ucheck_p256_point(uc, pt, UCHECK_SAKKE_POINT_LEN),
	    UCHECK_ERR_LENGTH);
}

static void
test_init_example(void **state)
{
	struct ucheck_init	 info;
	char			 msg[UCHECK_MSG_LEN] = "";
	char			*doc;
	size_t			 len;

	doc = slurp(EXAMPLES "/init-response.xml", &len);
	assert_int_equal(ucheck_init_response(uc, doc, len, "kms.example.org",
	    &info, msg, sizeof(msg)), UCHECK_OK);
	assert_string_equal(info.ui_kms_uri, "kms.example.org");
	assert_int_equal(ucheck_init_response(uc, doc, len, "kms.other.org",
	    &info, msg, sizeof(msg)), UCHECK_ERR_CONTENT);
	free(doc);
	/* Lower-case hex is accepted. */
	assert_int_equal(init_of("<PubAuthKey>0450D4670B",
	    "<PubAuthKey>0450d4670b", msg, sizeof(msg)), UCHECK_OK);
}

static void
test_init_rejects_content(void **state)
{
	char	 msg[UCHECK_MSG_LEN];

	assert_int_equal(init_of("Role=\"Root\"", "Role=\"External\"", msg,
	    sizeof(msg)), UCHECK_ERR_CONTENT);
	assert_int_equal(init_of(" Role=\"Root\"", "", msg, sizeof(msg)),
	    UCHECK_ERR_CONTENT);
	assert_int_equal(init_of("<UserIdFormat>2<", "<UserIdFormat>1<",
	    msg, sizeof(msg)), UCHECK_ERR_CONTENT);
	assert_int_equal(init_of("<ParameterSet>1<", "<ParameterSet>2<",
	    msg, sizeof(msg)), UCHECK_ERR_CONTENT);
	assert_int_equal(init_of("v1/init<", "v1/keyprov<", msg,
	    sizeof(msg)), UCHECK_ERR_CONTENT);
	assert_int_equal(init_of("<KmsUri>kms.example.org</KmsUri>\n"
	    "        <Issuer>", "<KmsUri>kms2.example.org</KmsUri>\n"
	    "        <Issuer>", msg, sizeof(msg)), UCHECK_ERR_CONTENT);
	/* Off the curve, and too short. */
	assert_int_equal(init_of("F5F8BAE</PubEncKey>", "F5F8BAF</PubEncKey>",
	    msg, sizeof(msg)), UCHECK_ERR_CURVE);
	assert_int_equal(init_of("F5F8BAE</PubEncKey>", "F5F8B</PubEncKey>",
	    msg, sizeof(msg)), UCHECK_ERR_LENGTH);
	assert_int_equal(init_of("F5F8BAE</PubEncKey>", "F5F8</PubEncKey>",
	    msg, sizeof(msg)), UCHECK_ERR_SCHEMA);
	assert_int_equal(init_of("7217F4</PubAuthKey>", "7217F5</PubAuthKey>",
	    msg, sizeof(msg)), UCHECK_ERR_CURVE);
}

/* Valid XML with a PubEncKey of order 2 fails on the order check. */
static void
test_init_rejects_order2(void **state)
{
	char	 msg[UCHECK_MSG_LEN], *doc, *m, *k0, *k1;
	char	 zero[2 * UCHECK_SAKKE_POINT_LEN + 1];
	size_t	 len;

	doc = slurp(EXAMPLES "/init-response.xml", &len);
	k0 = strstr(doc, "<PubEncKey>");
	assert_non_null(k0);
	k0 += strlen("<PubEncKey>");
	k1 = strstr(k0, "</PubEncKey>");
	assert_non_null(k1);
	assert_int_equal((size_t)(k1 - k0), 2 * UCHECK_SAKKE_POINT_LEN);
	memset(zero, '0', sizeof(zero) - 1);
	zero[1] = '4';
	zero[sizeof(zero) - 1] = '\0';
	m = strdup(doc);
	assert_non_null(m);
	memcpy(m + (k0 - doc), zero, 2 * UCHECK_SAKKE_POINT_LEN);
	assert_int_equal(ucheck_init_response(uc, m, len, NULL, NULL, msg,
	    sizeof(msg)), UCHECK_ERR_ORDER);
	assert_non_null(strstr(msg, "PubEncKey"));
	free(m);
	free(doc);
}

static void
test_init_rejects_xml(void **state)
{
	char	 msg[UCHECK_MSG_LEN];
	char	*doc, *m;

	/* A DTD with an entity is refused even when unused. */
	assert_int_equal(init_of("<KmsResponse ", "<!DOCTYPE KmsResponse ["
	    "<!ENTITY e \"x\">]><KmsResponse ", msg, sizeof(msg)),
	    UCHECK_ERR_XML);
	assert_int_equal(init_of("</KmsResponse>", "</KmsRespons>", msg,
	    sizeof(msg)), UCHECK_ERR_XML);
	/* Out of the schema's order (KmsId before Time). */
	doc = slurp(EXAMPLES "/init-response.xml", NULL);
	m = replace(doc, "<KmsId>KMSProvider12345</KmsId>", "");
	free(doc);
	doc = replace(m, "<Time>", "<KmsId>x</KmsId><Time>");
	assert_int_equal(ucheck_init_response(uc, doc, strlen(doc), NULL,
	    NULL, msg, sizeof(msg)), UCHECK_ERR_SCHEMA);
	free(m);
	free(doc);
	/* Another namespace. */
	assert_int_equal(init_of("mcsecKMSInterface:1.0", "mcsecKMSInterface:9",
	    msg, sizeof(msg)), UCHECK_ERR_SCHEMA);
	assert_int_equal(ucheck_init_response(uc, "", 0, NULL, NULL, msg,
	    sizeof(msg)), UCHECK_ERR_XML);
}

static void
test_error_example(void **state)
{
	char	 msg[UCHECK_MSG_LEN], *doc, *m;
	size_t	 len;

	doc = slurp(EXAMPLES "/error-response.xml", &len);
	assert_int_equal(ucheck_error_response(uc, doc, len, msg,
	    sizeof(msg)), UCHECK_OK);
	/* An error response is not an init response. */
	assert_int_equal(ucheck_init_response(uc, doc, len, NULL, NULL, msg,
	    sizeof(msg)), UCHECK_ERR_CONTENT);
	m = replace(doc, "<ErrorCode>404</ErrorCode>", "");
	assert_int_equal(ucheck_error_response(uc, m, strlen(m), msg,
	    sizeof(msg)), UCHECK_ERR_SCHEMA);
	free(m);
	free(doc);
	doc = slurp(EXAMPLES "/init-response.xml", &len);
	assert_int_equal(ucheck_error_response(uc, doc, len, msg,
	    sizeof(msg)), UCHECK_ERR_CONTENT);
	free(doc);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_sakke_point),
		cmocka_unit_test(test_sakke_point_order_2q),
		cmocka_unit_test(test_p256_point),
		cmocka_unit_test(test_init_example),
		cmocka_unit_test(test_init_rejects_content),
		cmocka_unit_test(test_init_rejects_order2),
		cmocka_unit_test(test_init_rejects_xml),
		cmocka_unit_test(test_error_example),
	};
	struct CMUnitTest	 run[sizeof(tests) / sizeof(tests[0])];
	size_t			 i, n = 0;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (argc < 2 || strcmp(argv[1], tests[i].name) == 0)
			run[n++] = tests[i];
	if (n == 0) {
		fprintf(stderr, "%s: no test named %s\n", argv[0], argv[1]);
		return 1;
	}
	return _cmocka_run_group_tests("ucheck", run, n, setup, teardown);
}
