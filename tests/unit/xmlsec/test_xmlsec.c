/*
 * test_xmlsec.c - the security extension of firmware/xml (xml_sec.c):
 * hardened parsing, response signatures, RFC 5649 key wrapping, AES-128-GCM
 * of the KmsMessage, NewTransportKey/NewIntegrityKey and the five checks
 * of a SignedKmsRequest.
 *
 * Oracles: xmlsec1 (verify, decrypt, sign a request template), OpenSSL
 * (HMAC, EVP_aes_256_wrap[_pad]) and tests/schema/kms-interface.xsd for
 * every document we emit.  Keys live in a fresh SoftHSMv2 token per test
 * (tests/lib/hsm_token.sh); the tests learn a TrK's bytes the way a device
 * does, by hsm_trk_bootstrap_export.  Run one test: test_xmlsec NAME
 * (XMLSEC_KEEP=1 keeps its directory: trk.bin and every document).
 */
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "hsm.h"
#include "tfile.h"
#include "xml.h"
#include "xsd_check.h"

#ifndef HSM_TOKEN_SH
#error "HSM_TOKEN_SH must name tests/lib/hsm_token.sh"
#endif
#define MODULE		"/usr/lib/softhsm/libsofthsm2.so"
#define TOKEN		"xmlsec-test"
#define PIN		"4321"
#define USER		"sip:alice@example.org"
#define TRK1		"tk.1.alice@example.org"
#define TRK2		"tk.2.alice@example.org"
#define INK1		"ik.1.alice@example.org"
#define TRK_BOB		"tk.1.bob@example.org"
#define KMS_URI		"kms.example.org"
#define REQ_URL		"https://kms.example.org/keymanagement/identity/v1/" \
			"keyprov"
#define ID_RESP		"--id-attr:Id " XML_NS_KMS ":SignedKmsResponse"
#define ID_REQ		"--id-attr:Id " XML_NS_KMS ":SignedKmsRequest"
#define DOC_MAX		(64 * 1024)

struct tctx {
	char		 dir[PATH_MAX];
	struct hsm	*h;
	hsm_key_id	 trk;
	uint8_t		 trk_key[32];
};

static int
rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
setup(void **state)
{
	struct tctx	*t;
	struct hsm_conf	 c = { MODULE, TOKEN, PIN };
	const char	*tmp;
	char		 cmd[PATH_MAX * 2];
	char		 conf[PATH_MAX + 32];
	size_t		 len;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	if ((tmp = getenv("TMPDIR")) == NULL)
		tmp = "/tmp";
	snprintf(t->dir, sizeof(t->dir), "%s/xmlsec-XXXXXX", tmp);
	if (mkdtemp(t->dir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s' '%s'", HSM_TOKEN_SH,
	    t->dir, TOKEN, PIN);
	if (system(cmd) != 0)
		return -1;
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", t->dir);
	setenv("SOFTHSM2_CONF", conf, 1);
	if (hsm_open(&c, &t->h) != HSM_OK)
		return -1;
	/* The user's TrK, shared with the "device" (this test). */
	if (hsm_trk_bootstrap_create(t->h, TRK1, &t->trk) != HSM_OK ||
	    hsm_trk_bootstrap_export(t->h, t->trk, t->trk_key,
	    sizeof(t->trk_key), &len) != HSM_OK || len != 32)
		return -1;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tctx	*t = *state;

	hsm_close(t->h);
	assert_int_equal(hsm_secmem_used(), 0);
	OPENSSL_cleanse(t->trk_key, sizeof(t->trk_key));
	/* XMLSEC_KEEP=1 keeps the token and the files for a look. */
	if (getenv("XMLSEC_KEEP") == NULL)
		nftw(t->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

/* --- files and xmlsec1 ---------------------------------------------- */

#define write_file(t, name, d, len)	tfile_write((t)->dir, name, d, len)
#define read_file(t, name, d, size)	tfile_read((t)->dir, name, d, size)
#define xmlsec(t, ...)			txmlsec((t)->dir, __VA_ARGS__)

static void
b64(const uint8_t *in, size_t len, char *out, size_t out_size)
{
	assert_true(out_size >= 4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

static size_t
unb64(const char *in, uint8_t *out, size_t out_size)
{
	size_t	 n = strlen(in), pad = 0;
	int	 dl;

	assert_true(n % 4 == 0 && n / 4 * 3 <= out_size);
	if (n > 0 && in[n - 1] == '=')
		pad++;
	if (n > 1 && in[n - 2] == '=')
		pad++;
	dl = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
	assert_true(dl >= 0);
	return (size_t)dl - pad;
}

/* OpenSSL key unwrap (EVP_aes_256_wrap[_pad]); length or -1. */
static int
ossl_unwrap(const EVP_CIPHER *c, const uint8_t *kek, const uint8_t *in,
    size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX	*ctx;
	int		 ol = 0, fl = 0;

	ctx = EVP_CIPHER_CTX_new();
	assert_non_null(ctx);
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	assert_int_equal(EVP_CipherInit_ex(ctx, c, NULL, kek, NULL, 0), 1);
	if (EVP_CipherUpdate(ctx, out, &ol, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + ol, &fl) != 1)
		ol = -1;
	EVP_CIPHER_CTX_free(ctx);
	return ol < 0 ? -1 : ol + fl;
}


/* XPath with the prefixes k (interface), ds, xenc and xsi. */
static xmlXPathObjectPtr
xq(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr	 ctx;
	xmlXPathObjectPtr	 o;

	ctx = xmlXPathNewContext(doc);
	assert_non_null(ctx);
	assert_int_equal(xmlXPathRegisterNs(ctx, BAD_CAST "k",
	    BAD_CAST XML_NS_KMS), 0);
	assert_int_equal(xmlXPathRegisterNs(ctx, BAD_CAST "ds",
	    BAD_CAST XML_NS_DSIG), 0);
	assert_int_equal(xmlXPathRegisterNs(ctx, BAD_CAST "xenc",
	    BAD_CAST XML_NS_XENC), 0);
	assert_int_equal(xmlXPathRegisterNs(ctx, BAD_CAST "xsi",
	    BAD_CAST XML_NS_XSI), 0);
	o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	xmlXPathFreeContext(ctx);
	if (o == NULL)
		fail_msg("bad XPath %s", expr);
	return o;
}

/* The string value of expr (xmlFree), NULL for an empty node set. */
static char *
xq_str(xmlDocPtr doc, const char *expr)
{
	xmlXPathObjectPtr	 o = xq(doc, expr);
	char			*v = NULL;

	if (o->type == XPATH_STRING)
		v = (char *)xmlStrdup(o->stringval);
	else if (o->type == XPATH_NODESET && o->nodesetval != NULL &&
	    o->nodesetval->nodeNr > 0)
		v = (char *)xmlNodeGetContent(o->nodesetval->nodeTab[0]);
	xmlXPathFreeObject(o);
	return v;
}

static int
xq_count(xmlDocPtr doc, const char *expr)
{
	xmlXPathObjectPtr	 o = xq(doc, expr);
	int			 n = 0;

	if (o->type == XPATH_NODESET && o->nodesetval != NULL)
		n = o->nodesetval->nodeNr;
	xmlXPathFreeObject(o);
	return n;
}

/* --- documents -------------------------------------------------------- */

static void
fill_cert(struct kms_cert_info *c)
{
	size_t	 i;

	memset(c, 0, sizeof(*c));
	c->cert_uri = "cert1.kms.example.org";
	c->kms_uri = KMS_URI;
	c->valid_from = 1767225600;
	c->valid_to = 2082758399;
	c->user_id_format = XML_USER_ID_FORMAT;
	c->user_key_period = 2592000;
	c->user_key_offset = 0;
	for (i = 0; i < sizeof(c->pub_enc_key); i++)
		c->pub_enc_key[i] = (uint8_t)(i * 7 + 4);
	for (i = 0; i < sizeof(c->pub_auth_key); i++)
		c->pub_auth_key[i] = (uint8_t)(i * 3 + 4);
	c->pub_enc_key[0] = c->pub_auth_key[0] = 0x04;
	c->parameter_set = SAKKE_PARAMETER_SET;
	c->is_root = true;
}

static void
fill_meta(struct kms_resp_meta *m, const char *url)
{
	memset(m, 0, sizeof(*m));
	m->user_uri = USER;
	m->kms_uri = KMS_URI;
	m->kms_id = "KMSProvider12345";
	m->time = 1767225600;
	m->client_req_url = url;
}

/* An init response as kmsd writes it today (xml_init_response). */
static void
init_response(struct buf *b)
{
	struct kms_resp_meta	 m;
	struct kms_cert_info	 c;

	fill_meta(&m, "https://kms.example.org/keymanagement/identity/v1/init");
	fill_cert(&c);
	buf_init(b, DOC_MAX);
	assert_int_equal(xml_init_response(&m, &c, b), XML_OK);
}

static xmlDocPtr
parse_ok(const struct buf *b)
{
	xmlDocPtr	 doc = NULL;

	assert_int_equal(xml_parse_safe((const uint8_t *)b->b_data, b->b_len,
	    &doc), XML_OK);
	return doc;
}

static void
write_doc(xmlDocPtr doc, struct buf *b)
{
	buf_init(b, DOC_MAX);
	assert_int_equal(xml_doc_write(doc, b), XML_OK);
}

/* Validate text against the XSD; fails the test when invalid. */
static void
valid(const struct buf *b)
{
	xmlFreeDoc(xsd_parse_valid(b->b_data, b->b_len));
}

static void
expect(const struct buf *b, const char *expr, const char *want)
{
	xmlDocPtr	 doc;
	char		*v;

	doc = xsd_parse(b->b_data, b->b_len);
	assert_non_null(doc);
	v = xq_str(doc, expr);
	if (v == NULL || strcmp(v, want) != 0)
		fail_msg("%s: got %s, want %s", expr, v ? v : "(none)", want);
	xmlFree(v);
	xmlFreeDoc(doc);
}

/* --- 1. hardened parsing ---------------------------------------------- */

static int
parse_str(const char *s)
{
	xmlDocPtr	 doc = NULL;
	int		 rc;

	rc = xml_parse_safe((const uint8_t *)s, strlen(s), &doc);
	if (rc == XML_OK)
		assert_non_null(doc);
	else
		assert_null(doc);
	xmlFreeDoc(doc);
	return rc;
}

static void
parse_ok_doc(void **state)
{
	assert_int_equal(parse_str("<?xml version=\"1.0\"?>\n"
	    "<KmsRequest xmlns=\"" XML_NS_KMS "\"><UserUri>a</UserUri>"
	    "</KmsRequest>"), XML_OK);
	assert_int_equal(parse_str("<a>&amp;&lt;&#65;</a>"), XML_OK);
}

static void
parse_xxe(void **state)
{
	char	 s[512];

	assert_int_equal(parse_str("<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	    "<r>&x;</r>"), XML_ERR_EXT_ENTITY);
	assert_int_equal(parse_str("<!DOCTYPE r [<!ENTITY x PUBLIC \"-//x\" "
	    "\"http://198.18.0.1/x\">]><r>&x;</r>"), XML_ERR_EXT_ENTITY);
	assert_int_equal(parse_str("<!DOCTYPE r [<!ENTITY % p SYSTEM "
	    "\"http://198.18.0.1/p.dtd\"> %p;]><r/>"), XML_ERR_EXT_ENTITY);
	/* The file was not read: a document that would show it. */
	snprintf(s, sizeof(s), "<!DOCTYPE r [<!ENTITY x SYSTEM "
	    "\"file:///etc/hostname\">]><r>&x;</r>");
	assert_int_equal(parse_str(s), XML_ERR_EXT_ENTITY);
}

static void
parse_laughs(void **state)
{
	assert_int_equal(parse_str("<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	    "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
	    "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
	    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
	    "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
	    "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
	    "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
	    "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
	    "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
	    "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
	    "]><lolz>&lol9;</lolz>"), XML_ERR_ENTITY);
}

static void
parse_doctype(void **state)
{
	assert_int_equal(parse_str("<!DOCTYPE r><r/>"), XML_ERR_DOCTYPE);
	assert_int_equal(parse_str("<!DOCTYPE r SYSTEM "
	    "\"http://198.18.0.1/r.dtd\"><r/>"), XML_ERR_DOCTYPE);
	assert_int_equal(parse_str("<!DOCTYPE r [<!ELEMENT r ANY>"
	    "<!ATTLIST r Id ID #IMPLIED>]><r Id=\"a\"/>"), XML_ERR_DOCTYPE);
}

static void
parse_big(void **state)
{
	size_t		 n = XML_DOC_MAX + 1, i;
	char		*s;
	xmlDocPtr	 doc = NULL;

	s = malloc(n);
	assert_non_null(s);
	memcpy(s, "<a>", 3);
	for (i = 3; i < n - 4; i++)
		s[i] = 'x';
	memcpy(s + n - 4, "</a>", 4);
	assert_int_equal(xml_parse_safe((uint8_t *)s, n, &doc),
	    XML_ERR_TOO_BIG);
	assert_null(doc);
	/* One byte less parses. */
	memcpy(s + n - 5, "</a>", 4);
	assert_int_equal(xml_parse_safe((uint8_t *)s, n - 1, &doc), XML_OK);
	xmlFreeDoc(doc);
	free(s);
}

static void
parse_deep(void **state)
{
	char	 s[4096];
	size_t	 o = 0;
	int	 i, depth;

	for (depth = XML_DEPTH_MAX; depth <= XML_DEPTH_MAX + 1; depth++) {
		o = 0;
		for (i = 0; i < depth; i++)
			o += (size_t)snprintf(s + o, sizeof(s) - o, "<e>");
		for (i = 0; i < depth; i++)
			o += (size_t)snprintf(s + o, sizeof(s) - o, "</e>");
		assert_int_equal(parse_str(s), depth <= XML_DEPTH_MAX ?
		    XML_OK : XML_ERR_TOO_DEEP);
	}
	/* Far deeper than libxml2's own limit still says "too deep". */
	o = 0;
	for (i = 0; i < 600; i++)
		o += (size_t)snprintf(s + o, sizeof(s) - o, "<e>");
	assert_int_equal(parse_str(s), XML_ERR_TOO_DEEP);
}

static void
parse_malformed(void **state)
{
	xmlDocPtr	 doc = NULL;

	assert_int_equal(parse_str("<a><b></a>"), XML_ERR_MALFORMED);
	assert_int_equal(parse_str("<a>&undefined;</a>"), XML_ERR_MALFORMED);
	assert_int_equal(parse_str("just text"), XML_ERR_MALFORMED);
	assert_int_equal(parse_str("<a/><b/>"), XML_ERR_MALFORMED);
	assert_int_equal(parse_str("<a xmlns:p=\"u\"><q:b/></a>"),
	    XML_ERR_MALFORMED);
	assert_int_equal(xml_parse_safe((const uint8_t *)"<a>\xff</a>", 8,
	    &doc), XML_ERR_MALFORMED);
	assert_int_equal(xml_parse_safe(NULL, 3, &doc), XML_ERR_ARGS);
	assert_int_equal(xml_parse_safe((const uint8_t *)"<a/>", 0, &doc),
	    XML_ERR_ARGS);
	/* Every code has its own text. */
	assert_string_not_equal(xml_strerror(XML_ERR_DOCTYPE),
	    xml_strerror(XML_ERR_ENTITY));
	assert_string_equal(xml_strerror(12345), "unknown error");
}

/* --- 2. signed responses ---------------------------------------------- */

/* Sign an init response with key at bits; the text into out. */
static void
signed_init(struct tctx *t, const struct xml_sec_key *enc,
    const struct xml_sec_key *key, unsigned bits, struct buf *out)
{
	struct buf	 in;

	init_response(&in);
	buf_init(out, DOC_MAX);
	assert_int_equal(xml_sec_protect(in.b_data, in.b_len, enc, key, bits,
	    out), XML_OK);
	buf_free(&in);
}

static void
sign_response(void **state)
{
	struct tctx		*t = *state;
	struct xml_sec_key	 k = { t->h, t->trk, TRK1 };
	struct buf		 b;
	char			*p;
	unsigned		 bits[] = { 128, 256 };
	size_t			 i;

	write_file(t, "trk.bin", t->trk_key, 32);
	for (i = 0; i < 2; i++) {
		signed_init(t, NULL, &k, bits[i], &b);
		valid(&b);
		expect(&b, "/k:SignedKmsResponse/@Id", XML_SIGN_ID);
		expect(&b, "//k:KmsResponse/k:Signature-ID", TRK1);
		expect(&b, "//ds:KeyInfo/ds:KeyName", TRK1);
		write_file(t, "signed.xml", b.b_data, b.b_len);
		assert_int_equal(xmlsec(t, "--verify --hmackey:%s trk.bin %s "
		    "signed.xml", TRK1, ID_RESP), 0);
		buf_free(&b);
	}
	/* 128 bits: a 16-byte SignatureValue (24 base64 characters). */
	signed_init(t, NULL, &k, 128, &b);
	p = strstr(b.b_data, "SignatureValue>");
	assert_non_null(p);
	assert_int_equal(strcspn(p + 15, "<"), 24);
	assert_non_null(strstr(b.b_data,
	    "<ds:HMACOutputLength>128</ds:HMACOutputLength>"));
	assert_non_null(strstr(b.b_data, XML_ALG_ENVELOPED));

	/* A changed byte of the signed content: FAIL. */
	p = strstr(b.b_data, "KMSProvider12345");
	assert_non_null(p);
	*p = 'X';
	write_file(t, "tampered.xml", b.b_data, b.b_len);
	assert_int_not_equal(xmlsec(t, "--verify --hmackey:%s trk.bin %s "
	    "tampered.xml", TRK1, ID_RESP), 0);
	*p = 'K';
	/* The Signature-ID is signed too. */
	p = strstr(b.b_data, "<Signature-ID>tk.1");
	assert_non_null(p);
	p[strlen("<Signature-ID>tk.")] = '7';
	write_file(t, "tampered2.xml", b.b_data, b.b_len);
	assert_int_not_equal(xmlsec(t, "--verify --hmackey:%s trk.bin %s "
	    "tampered2.xml", TRK1, ID_RESP), 0);
	buf_free(&b);

	/* A wrong key under the right name: FAIL. */
	signed_init(t, NULL, &k, 256, &b);
	write_file(t, "signed.xml", b.b_data, b.b_len);
	t->trk_key[0] ^= 1;
	write_file(t, "wrong.bin", t->trk_key, 32);
	t->trk_key[0] ^= 1;
	assert_int_not_equal(xmlsec(t, "--verify --hmackey:%s wrong.bin %s "
	    "signed.xml", TRK1, ID_RESP), 0);
	buf_free(&b);
}

static void
sign_args(void **state)
{
	struct tctx		*t = *state;
	struct xml_sec_key	 k = { t->h, t->trk, TRK1 };
	struct xml_sec_key	 bad = { t->h, t->trk, "" };
	struct buf		 in;
	xmlDocPtr		 doc;

	init_response(&in);
	doc = parse_ok(&in);
	assert_int_equal(xml_sec_sign(doc, &k, NULL, 64), XML_ERR_ARGS);
	assert_int_equal(xml_sec_sign(doc, &k, NULL, 120), XML_ERR_ARGS);
	assert_int_equal(xml_sec_sign(doc, &k, NULL, 129), XML_ERR_ARGS);
	assert_int_equal(xml_sec_sign(doc, &k, NULL, 512), XML_ERR_ARGS);
	assert_int_equal(xml_sec_sign(doc, &bad, NULL, 128), XML_ERR_ARGS);
	assert_int_equal(xml_sec_sign(doc, &k, "a#b", 128), XML_ERR_ARGS);
	assert_int_equal(xml_sec_sign(doc, &k, "resp1", 128), XML_OK);
	/* Signed twice, or encrypted after signing: refused. */
	assert_int_equal(xml_sec_sign(doc, &k, NULL, 128), XML_ERR_ARGS);
	assert_int_equal(xml_sec_encrypt(doc, &k, false), XML_ERR_ARGS);
	xmlFreeDoc(doc);
	buf_free(&in);
}

/* The InK signs when the user has one; the token computes the HMAC. */
static void
sign_ink(void **state)
{
	struct tctx		*t = *state;
	hsm_key_id		 ink;
	struct xml_sec_key	 k;
	struct buf		 b;

	assert_int_equal(hsm_user_key_create(t->h, HSM_KC_INK, INK1, &ink),
	    HSM_OK);
	k.xk_hsm = t->h;
	k.xk_id = ink;
	k.xk_name = INK1;
	signed_init(t, NULL, &k, 256, &b);
	valid(&b);
	expect(&b, "//k:KmsResponse/k:Signature-ID", INK1);
	expect(&b, "//ds:KeyInfo/ds:KeyName", INK1);
	assert_null(strstr(b.b_data, "HMACOutputLength"));
	buf_free(&b);
}

/* --- 4. wrapped key material ------------------------------------------ */

static xmlNodePtr
add_text(xmlNodePtr parent, const char *name, const char *text)
{
	xmlNodePtr	 n;

	n = xmlNewTextChild(parent, parent->ns, BAD_CAST name, BAD_CAST text);
	assert_non_null(n);
	return n;
}

/*
 * A KmsKeyProv response built with the tree API (as a keyprov handler
 * would), keys wrapped by xml_sec_add_wrapped.  Returns the KmsKeyProv.
 */
static xmlNodePtr
keyprov_doc(struct tctx *t, xmlDocPtr *docp, const uint8_t *rsk,
    const uint8_t *ssk, const uint8_t *pvt, const char *alg)
{
	struct xml_sec_key	 k = { t->h, t->trk, TRK1 };
	xmlDocPtr		 doc;
	xmlNodePtr		 root, msg, kp, ks;
	xmlNsPtr		 ns;

	doc = xmlNewDoc(BAD_CAST "1.0");
	root = xmlNewDocNode(doc, NULL, BAD_CAST "KmsResponse", NULL);
	xmlDocSetRootElement(doc, root);
	ns = xmlNewNs(root, BAD_CAST XML_NS_KMS, NULL);
	xmlSetNs(root, ns);
	xmlNewProp(root, BAD_CAST "Version", BAD_CAST "1.0.0");
	add_text(root, "UserUri", USER);
	add_text(root, "KmsUri", KMS_URI);
	add_text(root, "Time", "2026-01-01T00:00:00Z");
	add_text(root, "ClientReqUrl", REQ_URL);
	msg = add_text(root, "KmsMessage", NULL);
	kp = add_text(msg, "KmsKeyProv", NULL);
	xmlNewProp(kp, BAD_CAST "Version", BAD_CAST "1.0.0");
	ks = add_text(kp, "KmsKeySet", NULL);
	xmlNewProp(ks, BAD_CAST "Version", BAD_CAST "1.1.0");
	add_text(ks, "KmsUri", KMS_URI);
	add_text(ks, "UserUri", USER);
	add_text(ks, "UserID", "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff");
	add_text(ks, "KeyPeriodNo", "1514");
	assert_int_equal(xml_sec_add_wrapped(ks, "UserDecryptKey", &k, alg,
	    rsk, 257), XML_OK);
	assert_int_equal(xml_sec_add_wrapped(ks, "UserSigningKeySSK", &k, alg,
	    ssk, 32), XML_OK);
	assert_int_equal(xml_sec_add_wrapped(ks, "UserPubTokenPVT", &k, alg,
	    pvt, 65), XML_OK);
	*docp = doc;
	return kp;
}

/* Unwrap the CipherValue at expr with RFC 5649 under the TrK. */
static void
check_unwrap(struct tctx *t, xmlDocPtr doc, const char *expr,
    const uint8_t *want, size_t want_len)
{
	char		*v;
	uint8_t		 w[400], p[400];
	size_t		 wl;
	int		 pl;

	v = xq_str(doc, expr);
	assert_non_null(v);
	wl = unb64(v, w, sizeof(w));
	xmlFree(v);
	assert_int_equal(wl, HSM_KWP_LEN(want_len));
	pl = ossl_unwrap(EVP_aes_256_wrap_pad(), t->trk_key, w, wl, p);
	assert_int_equal(pl, (int)want_len);
	assert_memory_equal(p, want, want_len);
	/* RFC 3394 (plain kw-aes256) does not take it. */
	assert_int_equal(ossl_unwrap(EVP_aes_256_wrap(), t->trk_key, w, wl,
	    p), -1);
}

static void
wrap_material(void **state)
{
	struct tctx		*t = *state;
	struct xml_sec_key	 k = { t->h, t->trk, TRK1 };
	uint8_t			 rsk[257], ssk[32], pvt[65];
	xmlDocPtr		 doc, vd;
	xmlNodePtr		 kp;
	struct buf		 b;
	hsm_key_id		 ink;

	RAND_bytes(rsk, sizeof(rsk));
	RAND_bytes(ssk, sizeof(ssk));
	RAND_bytes(pvt, sizeof(pvt));
	kp = keyprov_doc(t, &doc, rsk, ssk, pvt, NULL);
	write_doc(doc, &b);
	valid(&b);
	vd = xsd_parse(b.b_data, b.b_len);
	check_unwrap(t, vd, "//k:UserDecryptKey/xenc:EncryptedKey/"
	    "xenc:CipherData/xenc:CipherValue", rsk, sizeof(rsk));
	check_unwrap(t, vd, "//k:UserSigningKeySSK/xenc:EncryptedKey/"
	    "xenc:CipherData/xenc:CipherValue", ssk, sizeof(ssk));
	check_unwrap(t, vd, "//k:UserPubTokenPVT/xenc:EncryptedKey/"
	    "xenc:CipherData/xenc:CipherValue", pvt, sizeof(pvt));
	assert_int_equal(xq_count(vd, "//xenc:EncryptionMethod[@Algorithm='"
	    XML_ALG_KW_AES256 "']"), 3);
	assert_int_equal(xq_count(vd, "//xenc:EncryptedKey/ds:KeyInfo/"
	    "ds:KeyName[.='" TRK1 "']"), 3);
	assert_int_equal(xq_count(vd, "//k:KmsKeySet/*[@xsi:type="
	    "'EncKeyContentType']"), 3);
	xmlFreeDoc(vd);
	buf_free(&b);

	/* The plaintext appears nowhere in the document. */
	write_doc(doc, &b);
	assert_null(memmem(b.b_data, b.b_len, ssk, 8));
	buf_free(&b);
	xmlFreeDoc(doc);

	/* The algorithm URI is configurable. */
	kp = keyprov_doc(t, &doc, rsk, ssk, pvt, XML_ALG_KW_AES256_PAD);
	write_doc(doc, &b);
	valid(&b);
	vd = xsd_parse(b.b_data, b.b_len);
	assert_int_equal(xq_count(vd, "//xenc:EncryptionMethod[@Algorithm='"
	    XML_ALG_KW_AES256_PAD "']"), 3);
	xmlFreeDoc(vd);
	buf_free(&b);

	/* Refusals: no material, too much, a key that is not a TrK. */
	assert_int_equal(xml_sec_add_wrapped(kp, "X", &k, NULL, ssk, 0),
	    XML_ERR_ARGS);
	assert_int_equal(xml_sec_add_wrapped(kp, "X", &k, NULL, ssk,
	    HSM_WRAP_MATERIAL_MAX + 1), XML_ERR_ARGS);
	assert_int_equal(hsm_user_key_create(t->h, HSM_KC_INK, INK1, &ink),
	    HSM_OK);
	k.xk_id = ink;
	assert_int_equal(xml_sec_add_wrapped(kp, "X", &k, NULL, ssk, 32),
	    XML_ERR_HSM);
	xmlFreeDoc(doc);
	OPENSSL_cleanse(rsk, sizeof(rsk));
	OPENSSL_cleanse(ssk, sizeof(ssk));
	OPENSSL_cleanse(pvt, sizeof(pvt));
}

/* --- 5. confidentiality ----------------------------------------------- */

static void
encrypt_content(void **state)
{
	struct tctx		*t = *state;
	struct xml_sec_key	 k = { t->h, t->trk, TRK1 };
	struct buf		 b;
	char			 dec[DOC_MAX], *p;
	size_t			 n;

	write_file(t, "trk.bin", t->trk_key, 32);
	signed_init(t, &k, NULL, 0, &b);
	valid(&b);
	expect(&b, "/k:KmsResponse/k:TrK-ID", TRK1);
	expect(&b, "/k:KmsResponse/k:KmsMessage/xenc:EncryptedData/@Type",
	    XML_ENC_CONTENT);
	expect(&b, "//xenc:EncryptedData/xenc:EncryptionMethod/@Algorithm",
	    XML_ALG_AES128_GCM);
	expect(&b, "//xenc:EncryptedData/ds:KeyInfo/xenc:EncryptedKey/"
	    "ds:KeyInfo/ds:KeyName", TRK1);
	assert_null(strstr(b.b_data, "KmsCertificate"));
	write_file(t, "enc.xml", b.b_data, b.b_len);
	assert_int_equal(xmlsec(t, "--decrypt --aeskey:%s trk.bin "
	    "--output dec.xml enc.xml", TRK1), 0);
	memset(dec, 0, sizeof(dec));
	n = read_file(t, "dec.xml", dec, sizeof(dec) - 1);
	assert_true(n > 0);
	assert_null(strstr(dec, "EncryptedData"));
	assert_non_null(strstr(dec, "<PubAuthKey>"));
	assert_non_null(strstr(dec, "<KmsInit xmlns=\"" XML_NS_KMS "\""));
	/* What xmlsec1 restored is a valid KmsResponse again. */
	xmlFreeDoc(xsd_parse_valid(dec, n));

	/* A flipped bit of the ciphertext: xmlsec1 refuses it. */
	p = strstr(b.b_data, "</xenc:CipherValue></xenc:CipherData>"
	    "</xenc:EncryptedData>");
	assert_non_null(p);
	p[-8] = p[-8] == 'A' ? 'B' : 'A';
	write_file(t, "bad.xml", b.b_data, b.b_len);
	assert_int_not_equal(xmlsec(t, "--decrypt --aeskey:%s trk.bin "
	    "--output bad.out bad.xml", TRK1), 0);
	buf_free(&b);
}

static void
encrypt_element(void **state)
{
	struct tctx		*t = *state;
	struct xml_sec_key	 k = { t->h, t->trk, TRK1 };
	struct buf		 in, b;
	xmlDocPtr		 doc;
	char			 dec[DOC_MAX];
	size_t			 n;

	write_file(t, "trk.bin", t->trk_key, 32);
	init_response(&in);
	doc = parse_ok(&in);
	assert_int_equal(xml_sec_encrypt(doc, &k, true), XML_OK);
	write_doc(doc, &b);
	expect(&b, "/k:KmsResponse/xenc:EncryptedData/@Type",
	    XML_ENC_ELEMENT);
	assert_null(strstr(b.b_data, "KmsMessage"));
	write_file(t, "enc.xml", b.b_data, b.b_len);
	assert_int_equal(xmlsec(t, "--decrypt --aeskey:%s trk.bin "
	    "--output dec.xml enc.xml", TRK1), 0);
	memset(dec, 0, sizeof(dec));
	n = read_file(t, "dec.xml", dec, sizeof(dec) - 1);
	assert_null(strstr(dec, "EncryptedData"));
	assert_non_null(strstr(dec, "<KmsMessage xmlns=\"" XML_NS_KMS "\">"));
	assert_non_null(strstr(dec, "<PubAuthKey>"));
	xmlFreeDoc(xsd_parse_valid(dec, n));
	xmlFreeDoc(doc);
	buf_free(&b);
	buf_free(&in);
}

/*
 * The whole keyprov pipeline of spec/mcx-kms.md 4.5: wrap keys, encrypt
 * the KmsMessage, sign.  xmlsec1 verifies, then decrypts; OpenSSL unwraps
 * what came out.
 */
static void
keyprov_pipeline(void **state)
{
	struct tctx		*t = *state;
	struct xml_sec_key	 k = { t->h, t->trk, TRK1 };
	uint8_t			 rsk[257], ssk[32], pvt[65];
	xmlDocPtr		 doc, dd;
	struct buf		 b;
	char			 dec[DOC_MAX];
	size_t			 n;

	RAND_bytes(rsk, sizeof(rsk));
	RAND_bytes(ssk, sizeof(ssk));
	RAND_bytes(pvt, sizeof(pvt));
	(void)keyprov_doc(t, &doc, rsk, ssk, pvt, NULL);
	assert_int_equal(xml_sec_encrypt(doc, &k, false), XML_OK);
	assert_int_equal(xml_sec_sign(doc, &k, NULL, 128), XML_OK);
	write_doc(doc, &b);
	valid(&b);
	expect(&b, "//k:KmsResponse/k:TrK-ID", TRK1);
	expect(&b, "//k:KmsResponse/k:Signature-ID", TRK1);
	write_file(t, "trk.bin", t->trk_key, 32);
	write_file(t, "kp.xml", b.b_data, b.b_len);
	assert_int_equal(xmlsec(t, "--verify --hmackey:%s trk.bin %s kp.xml",
	    TRK1, ID_RESP), 0);
	assert_int_equal(xmlsec(t, "--decrypt --aeskey:%s trk.bin "
	    "--output kp.dec kp.xml", TRK1), 0);
	memset(dec, 0, sizeof(dec));
	n = read_file(t, "kp.dec", dec, sizeof(dec) - 1);
	dd = xsd_parse_valid(dec, n);
	check_unwrap(t, dd, "//k:UserDecryptKey/xenc:EncryptedKey/"
	    "xenc:CipherData/xenc:CipherValue", rsk, sizeof(rsk));
	check_unwrap(t, dd, "//k:UserPubTokenPVT/xenc:EncryptedKey/"
	    "xenc:CipherData/xenc:CipherValue", pvt, sizeof(pvt));
	xmlFreeDoc(dd);
	xmlFreeDoc(doc);
	buf_free(&b);
}

/*
 * xml_sec_keyprov_doc: the same KmsKeySet fields and order as
 * xml_keyprov_response, keys wrapped; plus a new TrK, GCM and signature.
 */
static void
keyprov_builder(void **state)
{
	struct tctx		*t = *state;
	struct xml_sec_key	 k = { t->h, t->trk, TRK1 };
	struct kms_resp_meta	 m;
	struct kms_keyset_info	 ks[2];
	uint8_t			 rsk[2][257], ssk[2][32], pvt[2][65];
	uint8_t			 w[64];
	size_t			 i, wl;
	hsm_key_id		 trk2;
	xmlDocPtr		 doc, dd, pd;
	struct buf		 b, plain;
	char			 dec[DOC_MAX], *a, *c, e[96];
	size_t			 n;

	fill_meta(&m, REQ_URL);
	memset(ks, 0, sizeof(ks));
	for (i = 0; i < 2; i++) {
		RAND_bytes(rsk[i], 257);
		RAND_bytes(ssk[i], 32);
		RAND_bytes(pvt[i], 65);
		RAND_bytes(ks[i].user_id, sizeof(ks[i].user_id));
		ks[i].kms_uri = KMS_URI;
		ks[i].cert_uri = i == 0 ? "cert1.kms.example.org" : NULL;
		ks[i].user_uri = USER;
		ks[i].valid_from = 1767225600 + (int64_t)i * 2592000;
		ks[i].valid_to = ks[i].valid_from + 2592000 - 1;
		ks[i].key_period_no = 1514 + i;
		ks[i].rsk = rsk[i];
		ks[i].ssk = ssk[i];
		ks[i].pvt = pvt[i];
	}
	assert_int_equal(xml_sec_keyprov_doc(&m, ks, 2, &k, NULL, &doc),
	    XML_OK);
	write_doc(doc, &b);
	valid(&b);
	/* Element names in the same order as the plaintext builder's. */
	buf_init(&plain, DOC_MAX);
	assert_int_equal(xml_keyprov_response(&m, ks, 2, &plain), XML_OK);
	pd = xsd_parse(plain.b_data, plain.b_len);
	dd = xsd_parse(b.b_data, b.b_len);
	for (i = 1; i <= 12; i++) {
		snprintf(e, sizeof(e), "local-name(//k:KmsKeySet[1]/*[%zu])",
		    i);
		a = xq_str(dd, e);
		c = xq_str(pd, e);
		assert_non_null(a);
		assert_non_null(c);
		assert_string_equal(a, c);
		xmlFree(a);
		xmlFree(c);
	}
	xmlFreeDoc(pd);
	check_unwrap(t, dd, "//k:KmsKeySet[2]/k:UserDecryptKey/"
	    "xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue", rsk[1], 257);
	check_unwrap(t, dd, "//k:KmsKeySet[1]/k:UserSigningKeySSK/"
	    "xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue", ssk[0], 32);
	xmlFreeDoc(dd);
	buf_free(&b);
	buf_free(&plain);

	/* A new TrK, then confidentiality and the signature. */
	assert_int_equal(hsm_user_key_wrap_new(t->h, t->trk, HSM_KC_TRK, TRK2,
	    &trk2, w, sizeof(w), &wl), HSM_OK);
	assert_int_equal(xml_sec_add_new_key(xml_sec_payload(doc), HSM_KC_TRK,
	    TRK1, w, wl, TRK2), XML_OK);
	assert_int_equal(xml_sec_encrypt(doc, &k, false), XML_OK);
	assert_int_equal(xml_sec_sign(doc, &k, NULL, 128), XML_OK);
	assert_null(xml_sec_payload(doc));	/* encrypted now */
	write_doc(doc, &b);
	valid(&b);
	write_file(t, "trk.bin", t->trk_key, 32);
	write_file(t, "kp.xml", b.b_data, b.b_len);
	assert_int_equal(xmlsec(t, "--verify --hmackey:%s trk.bin %s kp.xml",
	    TRK1, ID_RESP), 0);
	assert_int_equal(xmlsec(t, "--decrypt --aeskey:%s trk.bin "
	    "--output kp.dec kp.xml", TRK1), 0);
	memset(dec, 0, sizeof(dec));
	n = read_file(t, "kp.dec", dec, sizeof(dec) - 1);
	dd = xsd_parse_valid(dec, n);
	check_unwrap(t, dd, "//k:KmsKeySet[1]/k:UserPubTokenPVT/"
	    "xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue", pvt[0], 65);
	a = xq_str(dd, "//k:KmsKeyProv/k:NewTransportKey/xenc:EncryptedKey/"
	    "xenc:CarriedKeyName");
	assert_string_equal(a, TRK2);
	xmlFree(a);
	xmlFreeDoc(dd);
	xmlFreeDoc(doc);
	buf_free(&b);
	OPENSSL_cleanse(rsk, sizeof(rsk));
	OPENSSL_cleanse(ssk, sizeof(ssk));
	OPENSSL_cleanse(pvt, sizeof(pvt));
}

/* --- 6. NewTransportKey / NewIntegrityKey ----------------------------- */

static void
new_keys(void **state)
{
	struct tctx	*t = *state;
	struct buf	 in, b;
	xmlDocPtr	 doc, vd;
	xmlNodePtr	 init;
	hsm_key_id	 trk2, ink;
	uint8_t		 w[64], w2[64], key2[64], mac[32], mac2[32];
	size_t		 wl, wl2, len;
	unsigned int	 ml = 0;
	char		*v, xml[1024];
	int		 kl, nw;

	/* A new TrK and a new InK, both wrapped under the current TrK. */
	assert_int_equal(hsm_user_key_wrap_new(t->h, t->trk, HSM_KC_TRK, TRK2,
	    &trk2, w, sizeof(w), &wl), HSM_OK);
	assert_int_equal(hsm_user_key_wrap_new(t->h, t->trk, HSM_KC_INK, INK1,
	    &ink, w2, sizeof(w2), &wl2), HSM_OK);
	init_response(&in);
	doc = parse_ok(&in);
	init = xmlDocGetRootElement(doc);
	init = xmlFirstElementChild(xmlLastElementChild(init));
	assert_string_equal((const char *)init->name, "KmsInit");
	/* InK first: NewTransportKey must still come out first. */
	assert_int_equal(xml_sec_add_new_key(init, HSM_KC_INK, TRK1, w2, wl2,
	    INK1), XML_OK);
	assert_int_equal(xml_sec_add_new_key(init, HSM_KC_TRK, TRK1, w, wl,
	    TRK2), XML_OK);
	assert_int_equal(xml_sec_add_new_key(init, HSM_KC_KMS_SIGN, TRK1, w,
	    wl, TRK2), XML_ERR_ARGS);
	write_doc(doc, &b);
	valid(&b);
	vd = xsd_parse(b.b_data, b.b_len);
	v = xq_str(vd, "local-name(//k:KmsInit/*[last()-1])");
	assert_string_equal(v, "NewTransportKey");
	xmlFree(v);
	v = xq_str(vd, "//k:KmsInit/@xsi:type");
	assert_string_equal(v, "KmsInitTkIkType");
	xmlFree(v);
	v = xq_str(vd, "//k:NewTransportKey/xenc:EncryptedKey/"
	    "xenc:CarriedKeyName");
	assert_string_equal(v, TRK2);
	xmlFree(v);
	v = xq_str(vd, "//k:NewIntegrityKey/xenc:EncryptedKey/ds:KeyInfo/"
	    "ds:KeyName");
	assert_string_equal(v, TRK1);
	xmlFree(v);

	/* OpenSSL (RFC 3394) unwraps the new TrK; it is the token's key. */
	v = xq_str(vd, "//k:NewTransportKey/xenc:EncryptedKey/"
	    "xenc:CipherData/xenc:CipherValue");
	len = unb64(v, w, sizeof(w));
	kl = ossl_unwrap(EVP_aes_256_wrap(), t->trk_key, w, len, key2);
	assert_int_equal(kl, 32);
	assert_int_equal(hsm_hmac(t->h, trk2, "abc", 3, mac, sizeof(mac),
	    &len), HSM_OK);
	assert_non_null(HMAC(EVP_sha256(), key2, 32, (const uint8_t *)"abc",
	    3, mac2, &ml));
	assert_memory_equal(mac, mac2, 32);

	/* xmlsec1 too, with the EncryptedKey renamed to EncryptedData. */
	nw = snprintf(xml, sizeof(xml),
	    "<EncryptedData xmlns=\"" XML_NS_XENC "\">"
	    "<EncryptionMethod Algorithm=\"" XML_ALG_KW_AES256 "\"/>"
	    "<CipherData><CipherValue>%s</CipherValue></CipherData>"
	    "</EncryptedData>\n", v);
	xmlFree(v);
	write_file(t, "newtrk.xml", xml, (size_t)nw);
	write_file(t, "trk.bin", t->trk_key, 32);
	assert_int_equal(xmlsec(t, "--decrypt --aeskey:%s trk.bin "
	    "--output newtrk.bin newtrk.xml", TRK1), 0);
	memset(w2, 0, sizeof(w2));
	assert_int_equal(read_file(t, "newtrk.bin", w2, sizeof(w2)), 32);
	assert_memory_equal(w2, key2, 32);
	OPENSSL_cleanse(key2, sizeof(key2));
	OPENSSL_cleanse(w2, sizeof(w2));
	xmlFreeDoc(vd);
	xmlFreeDoc(doc);
	buf_free(&b);
	buf_free(&in);
}

/* --- 3. SignedKmsRequest ---------------------------------------------- */

struct lk_entry {
	const char	*le_user;
	const char	*le_name;
	hsm_key_id	 le_id;
};

struct lk {
	struct hsm		*lk_hsm;
	struct lk_entry		 lk_keys[4];
	size_t			 lk_n;
};

static int
lookup(void *arg, const char *user, const char *name,
    struct xml_sec_key *out)
{
	struct lk	*l = arg;
	size_t		 i;

	for (i = 0; i < l->lk_n; i++)
		if (strcmp(l->lk_keys[i].le_user, user) == 0 &&
		    strcmp(l->lk_keys[i].le_name, name) == 0) {
			out->xk_hsm = l->lk_hsm;
			out->xk_id = l->lk_keys[i].le_id;
			out->xk_name = l->lk_keys[i].le_name;
			return 0;
		}
	return -1;
}

struct req_spec {
	const char	*rs_user;
	const char	*rs_kms;
	int64_t		 rs_time;
	const char	*rs_url;
	const char	*rs_key_name;
	const char	*rs_sig_id;	/* NULL: none */
	unsigned	 rs_bits;
};

static void
req_default(struct req_spec *r)
{
	r->rs_user = USER;
	r->rs_kms = KMS_URI;
	r->rs_time = (int64_t)time(NULL);
	r->rs_url = REQ_URL;
	r->rs_key_name = TRK1;
	r->rs_sig_id = TRK1;
	r->rs_bits = 128;
}

/*
 * A SignedKmsRequest signed by a test signer: written directly in
 * canonical form (so the referenced KmsRequest's canonical text is a
 * substring of the document), Reference to the KmsRequest's Id, HMAC by
 * OpenSSL with key (32 bytes) or, when key is NULL, by the token with id.
 */
static void
make_req(struct tctx *t, const struct req_spec *r, const uint8_t *key,
    hsm_key_id id, char *out, size_t out_size)
{
	char		 kr[2048], si[2048], ts[XML_TIME_LEN], sid[256];
	char		 hml[64], d64[64], s64[64];
	uint8_t		 dig[32], mac[32];
	unsigned int	 ml = 0;
	size_t		 len;
	int		 n;

	assert_int_equal(xml_format_time(r->rs_time, ts, sizeof(ts)), XML_OK);
	sid[0] = '\0';
	if (r->rs_sig_id != NULL)
		snprintf(sid, sizeof(sid), "<Signature-ID>%s</Signature-ID>",
		    r->rs_sig_id);
	n = snprintf(kr, sizeof(kr), "<KmsRequest xmlns=\"" XML_NS_KMS "\" "
	    "Id=\"req1\" Version=\"1.1.0\"><UserUri>%s</UserUri>"
	    "<KmsUri>%s</KmsUri><Time>%s</Time>"
	    "<ClientId>client-7</ClientId>"
	    "<ClientReqUrl>%s</ClientReqUrl>%s</KmsRequest>",
	    r->rs_user, r->rs_kms, ts, r->rs_url, sid);
	assert_true(n > 0 && (size_t)n < sizeof(kr));
	SHA256((const uint8_t *)kr, (size_t)n, dig);
	b64(dig, 32, d64, sizeof(d64));
	hml[0] = '\0';
	if (r->rs_bits != 256)
		snprintf(hml, sizeof(hml),
		    "<HMACOutputLength>%u</HMACOutputLength>", r->rs_bits);
	n = snprintf(si, sizeof(si), "<SignedInfo xmlns=\"" XML_NS_DSIG "\">"
	    "<CanonicalizationMethod Algorithm=\"" XML_ALG_C14N "\">"
	    "</CanonicalizationMethod>"
	    "<SignatureMethod Algorithm=\"" XML_ALG_HMAC_SHA256 "\">%s"
	    "</SignatureMethod><Reference URI=\"#req1\">"
	    "<DigestMethod Algorithm=\"" XML_ALG_SHA256 "\"></DigestMethod>"
	    "<DigestValue>%s</DigestValue></Reference></SignedInfo>",
	    hml, d64);
	assert_true(n > 0 && (size_t)n < sizeof(si));
	if (key != NULL)
		assert_non_null(HMAC(EVP_sha256(), key, 32, (uint8_t *)si,
		    (size_t)n, mac, &ml));
	else
		assert_int_equal(hsm_hmac(t->h, id, si, (size_t)n, mac,
		    sizeof(mac), &len), HSM_OK);
	b64(mac, r->rs_bits / 8, s64, sizeof(s64));
	/* In the document SignedInfo inherits the namespace. */
	memmove(si + strlen("<SignedInfo"),
	    si + strlen("<SignedInfo xmlns=\"" XML_NS_DSIG "\""),
	    strlen(si + strlen("<SignedInfo xmlns=\"" XML_NS_DSIG "\"")) + 1);
	n = snprintf(out, out_size, "<SignedKmsRequest xmlns=\"" XML_NS_KMS
	    "\">%s<Signature xmlns=\"" XML_NS_DSIG "\">%s"
	    "<SignatureValue>%s</SignatureValue>"
	    "<KeyInfo><KeyName>%s</KeyName></KeyInfo></Signature>"
	    "</SignedKmsRequest>\n", kr, si, s64, r->rs_key_name);
	assert_true(n > 0 && (size_t)n < out_size);
}

static int
verify(struct lk *l, const char *doc, const char *url, struct xml_req *req)
{
	struct xml_req_policy	 pol;
	struct xml_req		 tmp;
	int			 rc;

	memset(&pol, 0, sizeof(pol));
	pol.rp_kms_uri = KMS_URI;
	pol.rp_req_url = url != NULL ? url : REQ_URL;
	pol.rp_now = (int64_t)time(NULL);
	pol.rp_window = 30;
	rc = xml_verify_request((const uint8_t *)doc, strlen(doc), &pol,
	    lookup, l, req != NULL ? req : &tmp);
	if (req == NULL)
		xml_req_free(&tmp);
	return rc;
}

static void
lk_init(struct tctx *t, struct lk *l)
{
	hsm_key_id	 bob;

	memset(l, 0, sizeof(*l));
	l->lk_hsm = t->h;
	l->lk_keys[0] = (struct lk_entry){ USER, TRK1, t->trk };
	assert_int_equal(hsm_user_key_create(t->h, HSM_KC_TRK, TRK_BOB, &bob),
	    HSM_OK);
	l->lk_keys[1] = (struct lk_entry){ "sip:bob@example.org", TRK_BOB,
	    bob };
	l->lk_n = 2;
}

static void
req_ok(void **state)
{
	struct tctx	*t = *state;
	struct lk	 l;
	struct req_spec	 r;
	struct xml_req	 req;
	char		 doc[8192];
	struct buf	 b;

	lk_init(t, &l);
	req_default(&r);
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	b.b_data = doc;
	b.b_len = strlen(doc);
	valid(&b);
	assert_int_equal(verify(&l, doc, NULL, &req), XML_OK);
	assert_string_equal(req.xr_user_uri, USER);
	assert_string_equal(req.xr_kms_uri, KMS_URI);
	assert_string_equal(req.xr_client_req_url, REQ_URL);
	assert_string_equal(req.xr_key_name, TRK1);
	assert_string_equal(req.xr_sig_id, TRK1);
	assert_string_equal(req.xr_client_id, "client-7");
	assert_null(req.xr_device_id);
	assert_int_equal(req.xr_time, r.rs_time);
	assert_int_equal(req.xr_hmac_bits, 128);
	xml_req_free(&req);
	xml_req_free(&req);

	/* Full-length HMAC, no Signature-ID (KeyName alone names it). */
	r.rs_bits = 256;
	r.rs_sig_id = NULL;
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	assert_int_equal(verify(&l, doc, NULL, &req), XML_OK);
	assert_int_equal(req.xr_hmac_bits, 256);
	assert_null(req.xr_sig_id);
	xml_req_free(&req);

	/* ClientReqUrl compared after normalisation. */
	req_default(&r);
	r.rs_url = "HTTPS://KMS.Example.ORG:443/keymanagement/identity/v1/"
	    "%6beyprov";
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	assert_int_equal(verify(&l, doc, NULL, NULL), XML_OK);
	xml_req_free(&req);
}

/* Signed with the InK (by the token): verifies when the lookup has it. */
static void
req_ink(void **state)
{
	struct tctx	*t = *state;
	struct lk	 l;
	struct req_spec	 r;
	struct xml_req	 req;
	char		 doc[8192];
	hsm_key_id	 ink;

	lk_init(t, &l);
	assert_int_equal(hsm_user_key_create(t->h, HSM_KC_INK, INK1, &ink),
	    HSM_OK);
	req_default(&r);
	r.rs_key_name = r.rs_sig_id = INK1;
	make_req(t, &r, NULL, ink, doc, sizeof(doc));
	assert_int_equal(verify(&l, doc, NULL, NULL), XML_ERR_SIG_KEY);
	l.lk_keys[l.lk_n++] = (struct lk_entry){ USER, INK1, ink };
	assert_int_equal(verify(&l, doc, NULL, &req), XML_OK);
	assert_string_equal(req.xr_key_name, INK1);
	xml_req_free(&req);
}

/* A request signed by xmlsec1 from a template (enveloped, root Id). */
static void
req_xmlsec(void **state)
{
	struct tctx	*t = *state;
	struct lk	 l;
	struct xml_req	 req;
	char		 tmpl[4096], ts[XML_TIME_LEN], doc[8192], *p;
	size_t		 n;
	int		 k;

	lk_init(t, &l);
	assert_int_equal(xml_format_time((int64_t)time(NULL), ts, sizeof(ts)),
	    XML_OK);
	k = snprintf(tmpl, sizeof(tmpl),
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<SignedKmsRequest xmlns=\"" XML_NS_KMS "\" Id=\"xmldoc\">\n"
	    "  <KmsRequest Version=\"1.1.0\">\n"
	    "    <UserUri>" USER "</UserUri>\n"
	    "    <KmsUri>" KMS_URI "</KmsUri>\n"
	    "    <Time>%s</Time>\n"
	    "    <ClientReqUrl>" REQ_URL "</ClientReqUrl>\n"
	    "    <Signature-ID>" TRK1 "</Signature-ID>\n"
	    "  </KmsRequest>\n"
	    "  <ds:Signature xmlns:ds=\"" XML_NS_DSIG "\">\n"
	    "    <ds:SignedInfo>\n"
	    "      <ds:CanonicalizationMethod Algorithm=\"" XML_ALG_C14N
	    "\"/>\n"
	    "      <ds:SignatureMethod Algorithm=\"" XML_ALG_HMAC_SHA256 "\">"
	    "<ds:HMACOutputLength>128</ds:HMACOutputLength>"
	    "</ds:SignatureMethod>\n"
	    "      <ds:Reference URI=\"#xmldoc\">\n"
	    "        <ds:Transforms><ds:Transform Algorithm=\""
	    XML_ALG_ENVELOPED "\"/></ds:Transforms>\n"
	    "        <ds:DigestMethod Algorithm=\"" XML_ALG_SHA256 "\"/>\n"
	    "        <ds:DigestValue/>\n"
	    "      </ds:Reference>\n"
	    "    </ds:SignedInfo>\n"
	    "    <ds:SignatureValue/>\n"
	    "    <ds:KeyInfo><ds:KeyName>" TRK1 "</ds:KeyName></ds:KeyInfo>\n"
	    "  </ds:Signature>\n"
	    "</SignedKmsRequest>\n", ts);
	assert_true(k > 0 && (size_t)k < sizeof(tmpl));
	write_file(t, "req-tmpl.xml", tmpl, (size_t)k);
	write_file(t, "trk.bin", t->trk_key, 32);
	assert_int_equal(xmlsec(t, "--sign --hmackey:%s trk.bin %s "
	    "--output req.xml req-tmpl.xml", TRK1, ID_REQ), 0);
	memset(doc, 0, sizeof(doc));
	n = read_file(t, "req.xml", doc, sizeof(doc) - 1);
	assert_true(n > 0);
	assert_int_equal(verify(&l, doc, NULL, &req), XML_OK);
	assert_string_equal(req.xr_user_uri, USER);
	assert_int_equal(req.xr_hmac_bits, 128);
	xml_req_free(&req);

	/* Tampered after signing: FAIL. */
	p = strstr(doc, "<ClientReqUrl>https");
	assert_non_null(p);
	p[strlen("<ClientReqUrl>http")] = 'x';
	assert_int_equal(verify(&l, doc, NULL, NULL), XML_ERR_SIG);
}

static void
req_failures(void **state)
{
	struct tctx	*t = *state;
	struct lk	 l;
	struct req_spec	 r;
	char		 doc[8192], *p;

	lk_init(t, &l);

	/* 1. Signature: a wrong HMAC. */
	req_default(&r);
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	p = strstr(doc, "<SignatureValue>");
	assert_non_null(p);
	p[16] = p[16] == 'A' ? 'B' : 'A';
	assert_int_equal(verify(&l, doc, NULL, NULL), XML_ERR_SIG);
	/* Content changed after signing (digest). */
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	p = strstr(doc, "client-7");
	*p = 'C';
	assert_int_equal(verify(&l, doc, NULL, NULL), XML_ERR_SIG);
	/* Signed with another key under the user's TrK name. */
	t->trk_key[3] ^= 0x40;
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	t->trk_key[3] ^= 0x40;
	assert_int_equal(verify(&l, doc, NULL, NULL), XML_ERR_SIG);
	/* Too short an HMAC (xmlsec1's floor is 80; ours 128). */
	r.rs_bits = 96;
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	assert_int_equal(verify(&l, doc, NULL, NULL), XML_ERR_SIG);

	/* 1. The key: unknown, another user's, Signature-ID mismatch. */
	req_default(&r);
	r.rs_key_name = r.rs_sig_id = "tk.9.alice@example.org";
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	assert_int_equal(verify(&l, doc, NULL, NULL), XML_ERR_SIG_KEY);
	req_default(&r);
	r.rs_key_name = r.rs_sig_id = TRK_BOB;
	make_req(t, &r, NULL, l.lk_keys[1].le_id, doc, sizeof(doc));
	assert_int_equal(verify(&l, doc, NULL, NULL), XML_ERR_SIG_KEY);
	req_default(&r);
	r.rs_sig_id = TRK_BOB;
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	assert_int_equal(verify(&l, doc, NULL, NULL), XML_ERR_SIG_KEY);

	/* 3. Not our KmsUri. */
	req_default(&r);
	r.rs_kms = "kms.other.example.org";
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	assert_int_equal(verify(&l, doc, NULL, NULL), XML_ERR_KMS_URI);

	/* 4. Time outside the window, either side. */
	req_default(&r);
	r.rs_time -= 31;
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	assert_int_equal(verify(&l, doc, NULL, NULL), XML_ERR_TIME);
	r.rs_time += 62;
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	assert_int_equal(verify(&l, doc, NULL, NULL), XML_ERR_TIME);

	/* 5. ClientReqUrl is not the URL the POST went to. */
	req_default(&r);
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	assert_int_equal(verify(&l, doc, "https://kms.example.org/"
	    "keymanagement/identity/v1/init", NULL), XML_ERR_REQ_URL);
	assert_int_equal(verify(&l, doc, "https://kms.example.org:8443/"
	    "keymanagement/identity/v1/keyprov", NULL), XML_ERR_REQ_URL);

	/* 2. Not valid XML for us. */
	assert_int_equal(verify(&l, "<KmsRequest xmlns=\"" XML_NS_KMS "\"/>",
	    NULL, NULL), XML_ERR_STRUCTURE);
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	p = strstr(doc, "<Time>");
	memcpy(p + 1, "Tame", 4);
	p = strstr(doc, "</Time>");
	memcpy(p + 2, "Tame", 4);
	assert_int_equal(verify(&l, doc, NULL, NULL), XML_ERR_STRUCTURE);
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	p = strstr(doc, "<Time>");
	p[8] = 'x';
	assert_int_equal(verify(&l, doc, NULL, NULL), XML_ERR_STRUCTURE);
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	p = strstr(doc, "</SignedKmsRequest>");
	memcpy(p, "<x/>", 4);
	strcpy(p + 4, "</SignedKmsRequest>");
	assert_int_equal(verify(&l, doc, NULL, NULL), XML_ERR_STRUCTURE);
	assert_int_equal(verify(&l, "<!DOCTYPE r [<!ENTITY x SYSTEM "
	    "\"file:///etc/passwd\">]><SignedKmsRequest>&x;"
	    "</SignedKmsRequest>", NULL, NULL), XML_ERR_EXT_ENTITY);
	assert_int_equal(verify(&l, "<SignedKmsRequest", NULL, NULL),
	    XML_ERR_MALFORMED);
}

/*
 * Signature wrapping: a second element carrying the signed Id, or the
 * signed KmsRequest moved away from where the fields are read.
 */
static void
req_wrapping(void **state)
{
	struct tctx	*t = *state;
	struct lk	 l;
	struct req_spec	 r;
	char		 doc[8192], doc2[16384], *p, *q;

	lk_init(t, &l);
	req_default(&r);
	make_req(t, &r, t->trk_key, 0, doc, sizeof(doc));
	/* A foreign element with the same Id inside the KmsRequest. */
	p = strstr(doc, "</KmsRequest>");
	snprintf(doc2, sizeof(doc2), "%.*s<x:e xmlns:x=\"urn:x\" "
	    "Id=\"req1\"/>%s", (int)(p - doc), doc, p);
	assert_int_equal(verify(&l, doc2, NULL, NULL), XML_ERR_SIG);
	/* The signed KmsRequest hidden in an extension of a forged one. */
	p = strstr(doc, "<KmsRequest");
	q = strstr(doc, "</KmsRequest>") + strlen("</KmsRequest>");
	snprintf(doc2, sizeof(doc2), "%.*s<KmsRequest Version=\"1.1.0\">"
	    "<UserUri>" USER "</UserUri><KmsUri>" KMS_URI "</KmsUri>"
	    "<Time>2026-01-01T00:00:00</Time>"
	    "<ClientReqUrl>" REQ_URL "</ClientReqUrl>"
	    "<x:w xmlns:x=\"urn:x\">%.*s</x:w></KmsRequest>%s",
	    (int)(p - doc), doc, (int)(q - p), p, q);
	assert_int_equal(verify(&l, doc2, NULL, NULL), XML_ERR_SIG);
}

static void
time_parse(void **state)
{
	int64_t	 v;

	assert_int_equal(xml_parse_time("2026-01-01T00:00:00Z", &v), XML_OK);
	assert_int_equal(v, 1767225600);
	assert_int_equal(xml_parse_time("2026-01-01T00:00:00", &v), XML_OK);
	assert_int_equal(v, 1767225600);
	assert_int_equal(xml_parse_time("2026-01-01T01:30:00.250+01:30", &v),
	    XML_OK);
	assert_int_equal(v, 1767225600);
	assert_int_equal(xml_parse_time("2025-12-31T23:00:00-01:00", &v),
	    XML_OK);
	assert_int_equal(v, 1767225600);
	assert_int_equal(xml_parse_time("1970-01-01T00:00:00Z", &v), XML_OK);
	assert_int_equal(v, 0);
	assert_int_equal(xml_parse_time("2024-02-29T00:00:00Z", &v), XML_OK);
	assert_int_equal(xml_parse_time("2023-02-29T00:00:00Z", &v),
	    XML_ERR_ARGS);
	assert_int_equal(xml_parse_time("2026-13-01T00:00:00Z", &v),
	    XML_ERR_ARGS);
	assert_int_equal(xml_parse_time("2026-01-01 00:00:00Z", &v),
	    XML_ERR_ARGS);
	assert_int_equal(xml_parse_time("2026-01-01T00:00:00Zx", &v),
	    XML_ERR_ARGS);
	assert_int_equal(xml_parse_time("2026-01-01T24:00:00", &v),
	    XML_ERR_ARGS);
	assert_int_equal(xml_parse_time("2026-01-01T00:00:00+1:00", &v),
	    XML_ERR_ARGS);
}

int
main(int argc, char *argv[])
{
#define TK(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_ok_doc),
		cmocka_unit_test(parse_xxe),
		cmocka_unit_test(parse_laughs),
		cmocka_unit_test(parse_doctype),
		cmocka_unit_test(parse_big),
		cmocka_unit_test(parse_deep),
		cmocka_unit_test(parse_malformed),
		cmocka_unit_test(time_parse),
		TK(sign_response),
		TK(sign_args),
		TK(sign_ink),
		TK(wrap_material),
		TK(encrypt_content),
		TK(encrypt_element),
		TK(keyprov_pipeline),
		TK(keyprov_builder),
		TK(new_keys),
		TK(req_ok),
		TK(req_ink),
		TK(req_xmlsec),
		TK(req_failures),
		TK(req_wrapping),
	};
#undef TK
	struct CMUnitTest	 run[sizeof(tests) / sizeof(tests[0])];
	size_t			 i, n = 0;
	int			 rc;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (argc < 2 || strcmp(argv[1], tests[i].name) == 0)
			run[n++] = tests[i];
	if (n == 0) {
		fprintf(stderr, "%s: no test named %s\n", argv[0], argv[1]);
		return 2;
	}
	rc = _cmocka_run_group_tests("xmlsec", run, n, NULL, NULL);
	xmlCleanupParser();
	return rc;
}
