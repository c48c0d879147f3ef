/*
 * ucheck.c - the UE-side checks of kms-client (see ucheck.h).
 *
 * The curve constants below are this tool's own copy of RFC 6509
 * Appendix A, so that a mistake in firmware/crypto cannot hide itself.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "ucheck.h"
#include "ucheck_local.h"

/* RFC 6509 Appendix A, SAKKE parameter set 1. */
static const char sakke_p_hex[] =
    "997ABB1F0A563FDA65C61198DAD0657A416C0CE19CB48261BE9AE358B3E01A2E"
    "F40AAB27E2FC0F1B228730D531A59CB0E791B39FF7C88A19356D27F4A666A6D0"
    "E26C6487326B4CD4512AC5CD65681CE1B6AFF4A831852A82A7CF3C521C3C09AA"
    "9F94D6AF56971F1FFCE3E82389857DB080C5DF10AC7ACE87666D807AFEA85FEB";
static const char sakke_q_hex[] =
    "265EAEC7C2958FF69971846636B4195E905B0338672D20986FA6B8D62CF8068B"
    "BD02AAC9F8BF03C6C8A1CC354C69672C39E46CE7FDF222864D5B49FD2999A9B4"
    "389B1921CC9AD335144AB173595A07386DABFD2A0C614AA0A9F3CF14870F026A"
    "A7E535ABD5A5C7C7FF38FA08E2615F6C203177C42B1EB3A1D99B601EBFAA17FB";
static const char sakke_px_hex[] =
    "53FC09EE332C29AD0A7990053ED9B52A2B1A2FD60AEC69C698B2F204B6FF7CBF"
    "B5EDB6C0F6CE2308AB10DB9030B09E1043D5F22CDB9DFA55718BD9E7406CE890"
    "9760AF765DD5BCCB337C86548B72F2E1A702C3397A60DE74A7C1514DBA66910D"
    "D5CFB4CC80728D87EE9163A5B63F73EC80EC46C4967E0979880DC8ABEAE63895";
static const char sakke_py_hex[] =
    "0A8249063F6009F1F9F1F0533634A135D3E82016029906963D778D821E141178"
    "F5EA69F4654EC2B9E7F7F5E5F0DE55F66B598CCF9A140B2E416CFF0CA9E032B9"
    "70DAE117AD547C6CCAD696B5B7652FE0AC6F1E80164AA989492D979FC5A4D5F2"
    "13515AD7E9CB99A980BDAD5AD5BB4636ADB9B5706A67DCDE75573FD71BEF16D7";
#define SAKKE_COFACTOR	4	/* (p + 1) / q */


/* The first libxml2 error of one operation. */
struct xmlerr_capture {
	char	 xc_msg[UCHECK_MSG_LEN];
	int	 xc_line;
	int	 xc_set;
};

static void		 xmlerr_capture(void *, xmlErrorPtr);
static EC_GROUP		*sakke_group_new(BIGNUM *, BIGNUM *, BN_CTX *);
static enum ucheck_status point_check(const EC_GROUP *, const BIGNUM *,
			    const BIGNUM *, const uint8_t *, size_t, size_t);
static enum ucheck_status key_check(const struct ucheck *, xmlNodePtr,
			    const char *, bool, char *, size_t);
static int		 ull_of(xmlNodePtr, unsigned long long *);

/* see ucheck_local.h */
void
uc_say(char *msg, size_t size, const char *fmt, ...)
{
	va_list	 ap;

	if (msg == NULL || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
}

static void
xmlerr_capture(void *arg, xmlErrorPtr e)
{
	struct xmlerr_capture	*xc = arg;
	size_t			 n;

	if (xc->xc_set || e == NULL)
		return;
	xc->xc_set = 1;
	xc->xc_line = e->line;
	snprintf(xc->xc_msg, sizeof(xc->xc_msg), "%s",
	    e->message != NULL ? e->message : "unknown error");
	n = strlen(xc->xc_msg);
	while (n > 0 && xc->xc_msg[n - 1] == '\n')
		xc->xc_msg[--n] = '\0';
}

/* see ucheck_local.h */
bool
uc_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* see ucheck.h */
const char *
ucheck_strerror(enum ucheck_status s)
{
	switch (s) {
	case UCHECK_OK:
		return "ok";
	case UCHECK_ERR_GENERAL:
		return "internal error";
	case UCHECK_ERR_LENGTH:
		return "wrong length";
	case UCHECK_ERR_HEX:
		return "not hexadecimal";
	case UCHECK_ERR_PREFIX:
		return "not an uncompressed point (04 prefix)";
	case UCHECK_ERR_RANGE:
		return "coordinate not below p";
	case UCHECK_ERR_CURVE:
		return "point not on the curve";
	case UCHECK_ERR_INFINITY:
		return "point at infinity";
	case UCHECK_ERR_ORDER:
		return "point not of order q";
	case UCHECK_ERR_XML:
		return "not well-formed XML";
	case UCHECK_ERR_SCHEMA:
		return "not valid against the XSD";
	case UCHECK_ERR_CONTENT:
		return "unexpected content";
	case UCHECK_ERR_SIG:
		return "signature verification failed";
	case UCHECK_ERR_DECRYPT:
		return "decryption failed";
	case UCHECK_ERR_CERT:
		return "a key set of an unknown certificate";
	}
	return "unknown status";
}

/*
 * E: y^2 = x^3 - 3x over F_p (RFC 6508 section 2.1), a = p - 3, b = 0,
 * with generator P of order q and cofactor 4 (RFC 6509 Appendix A).
 */
static EC_GROUP *
sakke_group_new(BIGNUM *p, BIGNUM *q, BN_CTX *ctx)
{
	EC_GROUP	*g = NULL;
	EC_POINT	*gen = NULL, *r = NULL;
	BIGNUM		*a = NULL, *b = NULL, *x = NULL, *y = NULL, *h = NULL;
	BIGNUM		*t = NULL;

	if (!BN_hex2bn(&p, sakke_p_hex) || !BN_hex2bn(&q, sakke_q_hex) ||
	    !BN_hex2bn(&x, sakke_px_hex) || !BN_hex2bn(&y, sakke_py_hex))
		goto fail;
	if ((a = BN_new()) == NULL || (b = BN_new()) == NULL ||
	    (h = BN_new()) == NULL || (t = BN_new()) == NULL)
		goto fail;
	/* Self-check of the constants: p + 1 = 4q (RFC 6509 App. A). */
	if (!BN_set_word(h, SAKKE_COFACTOR) || !BN_mul(t, q, h, ctx) ||
	    !BN_sub_word(t, 1) || BN_cmp(t, p) != 0)
		goto fail;
	if (!BN_copy(a, p) || !BN_sub_word(a, 3))
		goto fail;
	BN_zero(b);
	if ((g = EC_GROUP_new_curve_GFp(p, a, b, ctx)) == NULL ||
	    (gen = EC_POINT_new(g)) == NULL || (r = EC_POINT_new(g)) == NULL)
		goto fail;
	if (!EC_POINT_set_affine_coordinates(g, gen, x, y, ctx) ||
	    EC_POINT_is_on_curve(g, gen, ctx) != 1 ||
	    !EC_GROUP_set_generator(g, gen, q, h))
		goto fail;
	/* [q]P = O. */
	if (!EC_POINT_mul(g, r, NULL, gen, q, ctx) ||
	    EC_POINT_is_at_infinity(g, r) != 1)
		goto fail;
	goto done;
 fail:
	EC_GROUP_free(g);
	g = NULL;
 done:
	EC_POINT_free(gen);
	EC_POINT_free(r);
	BN_free(a);
	BN_free(b);
	BN_free(x);
	BN_free(y);
	BN_free(h);
	BN_free(t);
	return g;
}

/* see ucheck.h */
struct ucheck *
ucheck_new(const char *xsd_path, char *msg, size_t msg_size)
{
	struct ucheck		*uc;
	struct xmlerr_capture	 xc;
	xmlSchemaParserCtxtPtr	 pctx = NULL;
	BN_CTX			*ctx = NULL;

	if ((uc = calloc(1, sizeof(*uc))) == NULL) {
		uc_say(msg, msg_size, "out of memory");
		return NULL;
	}
	if ((ctx = BN_CTX_new()) == NULL ||
	    (uc->uc_sakke_p = BN_new()) == NULL ||
	    (uc->uc_sakke_q = BN_new()) == NULL ||
	    (uc->uc_p256_p = BN_new()) == NULL)
		goto fail_crypto;
	uc->uc_sakke = sakke_group_new(uc->uc_sakke_p, uc->uc_sakke_q, ctx);
	if (uc->uc_sakke == NULL)
		goto fail_crypto;
	uc->uc_p256 = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	if (uc->uc_p256 == NULL || !EC_GROUP_get_curve(uc->uc_p256,
	    uc->uc_p256_p, NULL, NULL, ctx))
		goto fail_crypto;
	BN_CTX_free(ctx);
	ctx = NULL;

	if (xsd_path == NULL)
		return uc;
	memset(&xc, 0, sizeof(xc));
	if ((pctx = xmlSchemaNewParserCtxt(xsd_path)) == NULL) {
		uc_say(msg, msg_size, "%s: cannot read schema", xsd_path);
		goto fail;
	}
	xmlSchemaSetParserStructuredErrors(pctx, xmlerr_capture, &xc);
	if ((uc->uc_schema = xmlSchemaParse(pctx)) == NULL) {
		uc_say(msg, msg_size, "%s: bad schema: %s", xsd_path,
		    xc.xc_set ? xc.xc_msg : "cannot parse");
		goto fail;
	}
	xmlSchemaFreeParserCtxt(pctx);
	pctx = NULL;
	if ((uc->uc_valid = xmlSchemaNewValidCtxt(uc->uc_schema)) == NULL) {
		uc_say(msg, msg_size, "out of memory");
		goto fail;
	}
	return uc;

 fail_crypto:
	uc_say(msg, msg_size, "cannot set up the SAKKE or P-256 group");
 fail:
	xmlSchemaFreeParserCtxt(pctx);
	BN_CTX_free(ctx);
	ucheck_free(uc);
	return NULL;
}

/* see ucheck.h */
void
ucheck_free(struct ucheck *uc)
{
	if (uc == NULL)
		return;
	EC_GROUP_free(uc->uc_sakke);
	EC_GROUP_free(uc->uc_p256);
	BN_free(uc->uc_sakke_p);
	BN_free(uc->uc_sakke_q);
	BN_free(uc->uc_p256_p);
	if (uc->uc_valid != NULL)
		xmlSchemaFreeValidCtxt(uc->uc_valid);
	if (uc->uc_schema != NULL)
		xmlSchemaFree(uc->uc_schema);
	uc_wipe_keys(uc);		/* wipe: TrK, InK */
	free(uc);
}

/* see ucheck.h */
enum ucheck_status
ucheck_set_trk(struct ucheck *uc, const uint8_t *trk, size_t len,
    const char *name)
{
	if (uc == NULL || trk == NULL || len != UCHECK_TRK_LEN ||
	    (name != NULL && strlen(name) >= sizeof(uc->uc_trk_name)))
		return UCHECK_ERR_LENGTH;
	memcpy(uc->uc_trk, trk, len);
	snprintf(uc->uc_trk_name, sizeof(uc->uc_trk_name), "%s",
	    name != NULL ? name : "");
	uc->uc_has_trk = true;
	return UCHECK_OK;
}

/* see ucheck.h */
enum ucheck_status
ucheck_hex(const char *hex, uint8_t *out, size_t want)
{
	size_t	 len, i;
	int	 hi, lo;

	while (uc_is_space((unsigned char)*hex))
		hex++;
	len = strlen(hex);
	while (len > 0 && uc_is_space((unsigned char)hex[len - 1]))
		len--;
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)hex[i]))
			return UCHECK_ERR_HEX;
	if (len != 2 * want)
		return UCHECK_ERR_LENGTH;
	for (i = 0; i < want; i++) {
		hi = OPENSSL_hexchar2int((unsigned char)hex[2 * i]);
		lo = OPENSSL_hexchar2int((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return UCHECK_ERR_HEX;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return UCHECK_OK;
}

/*
 * SEC 1 section 2.3.4 for the uncompressed form: 04, then x and y of
 * fld_len octets each, both field elements; the point is on the curve
 * and not O; and with q given, [q]Pt = O.
 */
static enum ucheck_status
point_check(const EC_GROUP *g, const BIGNUM *p, const BIGNUM *q,
    const uint8_t *pt, size_t len, size_t fld_len)
{
	enum ucheck_status	 status = UCHECK_ERR_GENERAL;
	BN_CTX			*ctx = NULL;
	BIGNUM			*x = NULL, *y = NULL;
	EC_POINT		*a = NULL, *r = NULL;

	if (len != 1 + 2 * fld_len)
		return UCHECK_ERR_LENGTH;
	if (pt[0] != 0x04)
		return UCHECK_ERR_PREFIX;
	if ((ctx = BN_CTX_new()) == NULL ||
	    (x = BN_bin2bn(pt + 1, (int)fld_len, NULL)) == NULL ||
	    (y = BN_bin2bn(pt + 1 + fld_len, (int)fld_len, NULL)) == NULL ||
	    (a = EC_POINT_new(g)) == NULL || (r = EC_POINT_new(g)) == NULL)
		goto fail;
	if (BN_cmp(x, p) >= 0 || BN_cmp(y, p) >= 0) {
		status = UCHECK_ERR_RANGE;
		goto fail;
	}
	if (!EC_POINT_set_affine_coordinates(g, a, x, y, ctx) ||
	    EC_POINT_is_on_curve(g, a, ctx) != 1) {
		status = UCHECK_ERR_CURVE;
		goto fail;
	}
	if (EC_POINT_is_at_infinity(g, a)) {
		status = UCHECK_ERR_INFINITY;
		goto fail;
	}
	if (q != NULL) {
		if (!EC_POINT_mul(g, r, NULL, a, q, ctx))
			goto fail;
		if (EC_POINT_is_at_infinity(g, r) != 1) {
			status = UCHECK_ERR_ORDER;
			goto fail;
		}
	}
	status = UCHECK_OK;
 fail:
	ERR_clear_error();
	EC_POINT_free(a);
	EC_POINT_free(r);
	BN_free(x);
	BN_free(y);
	BN_CTX_free(ctx);
	return status;
}

/* see ucheck.h */
enum ucheck_status
ucheck_sakke_point(const struct ucheck *uc, const uint8_t *pt, size_t len)
{
	return point_check(uc->uc_sakke, uc->uc_sakke_p, uc->uc_sakke_q, pt,
	    len, UCHECK_SAKKE_FP_LEN);
}

/* see ucheck.h */
enum ucheck_status
ucheck_p256_point(const struct ucheck *uc, const uint8_t *pt, size_t len)
{
	return point_check(uc->uc_p256, uc->uc_p256_p, NULL, pt, len,
	    UCHECK_P256_FP_LEN);
}

/*
 * Parses with no network access, no entity substitution and no DTD
 * loading, refuses any DTD, and validates against the schema.
 */
enum ucheck_status
uc_parse_validate(const struct ucheck *uc, const char *body, size_t len,
    xmlDocPtr *docp, char *msg, size_t msg_size)
{
	struct xmlerr_capture	 xc;
	xmlParserCtxtPtr	 pctx;
	xmlDocPtr		 doc;
	xmlErrorPtr		 e;

	*docp = NULL;
	if (len == 0) {
		uc_say(msg, msg_size, "empty body");
		return UCHECK_ERR_XML;
	}
	if (len > INT32_MAX) {
		uc_say(msg, msg_size, "body too large");
		return UCHECK_ERR_XML;
	}
	if ((pctx = xmlNewParserCtxt()) == NULL) {
		uc_say(msg, msg_size, "out of memory");
		return UCHECK_ERR_GENERAL;
	}
	doc = xmlCtxtReadMemory(pctx, body, (int)len, "response.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		e = xmlCtxtGetLastError(pctx);
		if (e != NULL && e->message != NULL)
			uc_say(msg, msg_size, "not well-formed XML: line %d: %.*s",
			    e->line, (int)strcspn(e->message, "\n"),
			    e->message);
		else
			uc_say(msg, msg_size, "not well-formed XML");
		xmlFreeParserCtxt(pctx);
		return UCHECK_ERR_XML;
	}
	xmlFreeParserCtxt(pctx);
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		uc_say(msg, msg_size, "document has a DTD (refused)");
		xmlFreeDoc(doc);
		return UCHECK_ERR_XML;
	}
	if (uc->uc_valid != NULL) {
		memset(&xc, 0, sizeof(xc));
		xmlSchemaSetValidStructuredErrors(uc->uc_valid, xmlerr_capture,
		    &xc);
		if (xmlSchemaValidateDoc(uc->uc_valid, doc) != 0) {
			uc_say(msg, msg_size, "XSD invalid: line %d: %s",
			    xc.xc_line, xc.xc_set ? xc.xc_msg : "invalid");
			xmlFreeDoc(doc);
			return UCHECK_ERR_SCHEMA;
		}
	}
	*docp = doc;
	return UCHECK_OK;
}

/* The first element child named name in the interface namespace. */
xmlNodePtr
uc_kid(xmlNodePtr parent, const char *name)
{
	xmlNodePtr	 n;

	if (parent == NULL)
		return NULL;
	for (n = parent->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && n->ns != NULL &&
		    xmlStrEqual(n->ns->href, BAD_CAST UCHECK_NS) &&
		    xmlStrEqual(n->name, BAD_CAST name))
			return n;
	return NULL;
}

/* The first element child with local name name, any namespace. */
xmlNodePtr
uc_kid_any(xmlNodePtr parent, const char *name)
{
	xmlNodePtr	 n;

	if (parent == NULL)
		return NULL;
	for (n = parent->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrEqual(n->name, BAD_CAST name))
			return n;
	return NULL;
}

/* The text of n without leading and trailing XML space; free() it. */
char *
uc_text_trim(xmlNodePtr n)
{
	xmlChar	*c;
	char	*s, *b, *e;

	if (n == NULL || (c = xmlNodeGetContent(n)) == NULL)
		return NULL;
	for (b = (char *)c; uc_is_space((unsigned char)*b); b++)
		;
	e = b + strlen(b);
	while (e > b && uc_is_space((unsigned char)e[-1]))
		e--;
	s = strndup(b, (size_t)(e - b));
	xmlFree(c);
	return s;
}

/* A non-negative decimal element value. */
static int
ull_of(xmlNodePtr n, unsigned long long *out)
{
	char	*s, *end;
	int	 rc = -1;

	if ((s = uc_text_trim(n)) == NULL)
		return -1;
	errno = 0;
	if (s[0] >= '0' && s[0] <= '9') {
		*out = strtoull(s, &end, 10);
		if (*end == '\0' && errno == 0)
			rc = 0;
	}
	free(s);
	return rc;
}

/* PubEncKey (SAKKE, 257 octets) or PubAuthKey (P-256, 65 octets). */
static enum ucheck_status
key_check(const struct ucheck *uc, xmlNodePtr cert, const char *name,
    bool sakke, char *msg, size_t msg_size)
{
	uint8_t			 pt[UCHECK_SAKKE_POINT_LEN];
	size_t			 len;
	enum ucheck_status	 s;
	char			*hex;

	len = sakke ? UCHECK_SAKKE_POINT_LEN : UCHECK_P256_POINT_LEN;
	if ((hex = uc_text_trim(uc_kid(cert, name))) == NULL) {
		uc_say(msg, msg_size, "%s missing", name);
		return UCHECK_ERR_CONTENT;
	}
	s = ucheck_hex(hex, pt, len);
	if (s == UCHECK_ERR_LENGTH)
		uc_say(msg, msg_size, "%s: %zu hex digits, want %zu (%zu octets)",
		    name, strlen(hex), 2 * len, len);
	free(hex);
	if (s == UCHECK_OK)
		s = sakke ? ucheck_sakke_point(uc, pt, len) :
		    ucheck_p256_point(uc, pt, len);
	if (s != UCHECK_OK && s != UCHECK_ERR_LENGTH)
		uc_say(msg, msg_size, "%s: %s", name, ucheck_strerror(s));
	return s;
}

static int	 parse_time(const char *, long long *);

/*
 * The fields of a Root KmsCertificate every generation shares the checks
 * of: UserIdFormat 2, ParameterSet 1 if present, valid public keys; into
 * info (may be NULL) with its KmsUri and CertUri.
 */
static enum ucheck_status
cert_fields(const struct ucheck *uc, xmlNodePtr cert,
    struct ucheck_init *info, char *msg, size_t msg_size)
{
	enum ucheck_status	 status = UCHECK_ERR_CONTENT;
	xmlNodePtr		 n;
	char			*s = NULL, *end;
	long long		 v;

	/* UserIdFormat 2: the TS 33.180 F.2.1 UID. */
	s = uc_text_trim(uc_kid(cert, "UserIdFormat"));
	if (s == NULL || strcmp(s, "2") != 0) {
		uc_say(msg, msg_size, "UserIdFormat %s, want 2",
		    s != NULL ? s : "(absent)");
		goto fail;
	}
	free(s);
	s = NULL;

	/* ParameterSet, if present, is 1 (RFC 6509 Appendix A). */
	if ((n = uc_kid(cert, "ParameterSet")) != NULL) {
		s = uc_text_trim(n);
		errno = 0;
		v = s != NULL ? strtoll(s, &end, 10) : 0;
		if (s == NULL || *s == '\0' || *end != '\0' || errno != 0 ||
		    v != 1) {
			uc_say(msg, msg_size, "ParameterSet %s, want 1",
			    s != NULL ? s : "");
			goto fail;
		}
		free(s);
		s = NULL;
	}

	if ((status = key_check(uc, cert, "PubEncKey", true, msg,
	    msg_size)) != UCHECK_OK)
		goto fail;
	if ((status = key_check(uc, cert, "PubAuthKey", false, msg,
	    msg_size)) != UCHECK_OK)
		goto fail;
	if (info != NULL) {
		memset(info, 0, sizeof(*info));
		free(s);
		s = uc_text_trim(uc_kid(cert, "KmsUri"));
		snprintf(info->ui_kms_uri, sizeof(info->ui_kms_uri), "%s",
		    s != NULL ? s : "");
		free(s);
		s = uc_text_trim(uc_kid(cert, "CertUri"));
		snprintf(info->ui_cert_uri, sizeof(info->ui_cert_uri), "%s",
		    s != NULL ? s : "");
		free(s);
		s = NULL;
		info->ui_valid_from = LLONG_MIN;
		info->ui_valid_to = LLONG_MAX;
		status = UCHECK_ERR_CONTENT;
		if ((n = uc_kid(cert, "ValidFrom")) != NULL &&
		    ((s = uc_text_trim(n)) == NULL ||
		    parse_time(s, &info->ui_valid_from) != 0)) {
			uc_say(msg, msg_size, "certificate ValidFrom %s",
			    s != NULL ? s : "(empty)");
			goto fail;
		}
		free(s);
		s = NULL;
		if ((n = uc_kid(cert, "ValidTo")) != NULL &&
		    ((s = uc_text_trim(n)) == NULL ||
		    parse_time(s, &info->ui_valid_to) != 0)) {
			uc_say(msg, msg_size, "certificate ValidTo %s",
			    s != NULL ? s : "(empty)");
			goto fail;
		}
		free(s);
		s = NULL;
		status = UCHECK_ERR_CONTENT;
		if (ull_of(uc_kid(cert, "UserKeyPeriod"), &info->ui_period) != 0 ||
		    ull_of(uc_kid(cert, "UserKeyOffset"), &info->ui_offset) != 0 ||
		    info->ui_period == 0 ||
		    info->ui_offset >= info->ui_period) {
			uc_say(msg, msg_size, "UserKeyPeriod/UserKeyOffset "
			    "unusable");
			goto fail;
		}
		if ((s = uc_text_trim(uc_kid(cert, "PubEncKey"))) == NULL ||
		    ucheck_hex(s, info->ui_z, sizeof(info->ui_z)) !=
		    UCHECK_OK)
			goto fail;
		free(s);
		if ((s = uc_text_trim(uc_kid(cert, "PubAuthKey"))) == NULL ||
		    ucheck_hex(s, info->ui_kpak, sizeof(info->ui_kpak)) !=
		    UCHECK_OK)
			goto fail;
	}
	status = UCHECK_OK;
 fail:
	free(s);
	return status;
}

/* see ucheck.h */
enum ucheck_status
ucheck_init_response(const struct ucheck *uc, const char *body, size_t len,
    const char *expect_kms_uri, struct ucheck_init *info, char *msg,
    size_t msg_size)
{
	enum ucheck_status	 status;
	xmlDocPtr		 doc;
	xmlNodePtr		 root, init, cert;
	xmlChar			*role = NULL;
	char			*uri = NULL, *cert_uri = NULL, *s = NULL;
	size_t			 l;

	if ((status = uc_parse_validate(uc, body, len, &doc, msg,
	    msg_size)) != UCHECK_OK)
		return status;
	status = UCHECK_ERR_CONTENT;
	root = xmlDocGetRootElement(doc);
	if (root != NULL && root->ns != NULL &&
	    xmlStrEqual(root->ns->href, BAD_CAST UCHECK_NS) &&
	    xmlStrEqual(root->name, BAD_CAST "SignedKmsResponse"))
		root = uc_kid(root, "KmsResponse");	/* see ucheck_set_trk */
	if (root == NULL || root->ns == NULL ||
	    !xmlStrEqual(root->ns->href, BAD_CAST UCHECK_NS) ||
	    !xmlStrEqual(root->name, BAD_CAST "KmsResponse")) {
		uc_say(msg, msg_size, "root is not KmsResponse in %s", UCHECK_NS);
		goto fail;
	}
	if (uc_kid(root, "KmsError") != NULL) {
		s = uc_text_trim(uc_kid(uc_kid(root, "KmsError"), "ErrorMsg"));
		uc_say(msg, msg_size, "KmsError present: %s",
		    s != NULL ? s : "(no ErrorMsg)");
		goto fail;
	}
	if ((init = uc_kid(uc_kid(root, "KmsMessage"), "KmsInit")) == NULL) {
		uc_say(msg, msg_size, "no KmsMessage/KmsInit");
		goto fail;
	}
	if ((cert = uc_kid(init, "KmsCertificate")) == NULL &&
	    (cert = uc_kid(uc_kid(init, "SignedKmsCertificate"),
	    "KmsCertificate")) == NULL) {
		uc_say(msg, msg_size, "no KmsInit/KmsCertificate");
		goto fail;
	}
	role = xmlGetNoNsProp(cert, BAD_CAST "Role");
	if (role == NULL || !xmlStrEqual(role, BAD_CAST "Root")) {
		uc_say(msg, msg_size, "KmsCertificate Role is %s, want Root",
		    role != NULL ? (char *)role : "absent");
		goto fail;
	}

	/* ClientReqUrl names the resource that was asked (D.3.1). */
	s = uc_text_trim(uc_kid(root, "ClientReqUrl"));
	if (s == NULL || (l = strlen(s)) < 5 ||
	    strcmp(s + l - 5, "/init") != 0) {
		uc_say(msg, msg_size, "ClientReqUrl %s does not end in /init",
		    s != NULL ? s : "(absent)");
		goto fail;
	}
	free(s);
	s = NULL;

	/* The root certificate is the responding KMS's own. */
	uri = uc_text_trim(uc_kid(root, "KmsUri"));
	cert_uri = uc_text_trim(uc_kid(cert, "KmsUri"));
	if (uri == NULL || cert_uri == NULL || strcmp(uri, cert_uri) != 0) {
		uc_say(msg, msg_size, "KmsCertificate KmsUri %s differs from the "
		    "response's KmsUri %s", cert_uri != NULL ? cert_uri : "",
		    uri != NULL ? uri : "");
		goto fail;
	}
	if (expect_kms_uri != NULL && strcmp(cert_uri, expect_kms_uri) != 0) {
		uc_say(msg, msg_size, "KmsUri %s, want %s", cert_uri,
		    expect_kms_uri);
		goto fail;
	}

	if ((status = cert_fields(uc, cert, info, msg, msg_size)) !=
	    UCHECK_OK)
		goto fail;
	status = UCHECK_OK;
 fail:
	free(s);
	free(uri);
	free(cert_uri);
	xmlFree(role);
	xmlFreeDoc(doc);
	return status;
}

/* see ucheck.h */
enum ucheck_status
ucheck_error_response(const struct ucheck *uc, const char *body,
    size_t len, char *msg, size_t msg_size)
{
	enum ucheck_status	 status;
	xmlDocPtr		 doc;
	xmlNodePtr		 root, err;
	char			*code = NULL;

	if ((status = uc_parse_validate(uc, body, len, &doc, msg,
	    msg_size)) != UCHECK_OK)
		return status;
	status = UCHECK_ERR_CONTENT;
	root = xmlDocGetRootElement(doc);
	if (root == NULL || root->ns == NULL ||
	    !xmlStrEqual(root->ns->href, BAD_CAST UCHECK_NS) ||
	    !xmlStrEqual(root->name, BAD_CAST "KmsResponse")) {
		uc_say(msg, msg_size, "root is not KmsResponse in %s", UCHECK_NS);
		goto fail;
	}
	if ((err = uc_kid(root, "KmsError")) == NULL) {
		uc_say(msg, msg_size, "no KmsError");
		goto fail;
	}
	if (uc_kid(root, "KmsMessage") != NULL) {
		uc_say(msg, msg_size, "KmsMessage next to KmsError");
		goto fail;
	}
	if ((code = uc_text_trim(uc_kid(err, "ErrorCode"))) == NULL) {
		uc_say(msg, msg_size, "KmsError without ErrorCode");
		goto fail;
	}
	status = UCHECK_OK;
 fail:
	free(code);
	xmlFreeDoc(doc);
	return status;
}

/* ---------------------------------------------------------------------
 * Key provisioning and the certificate cache.
 */

#define NTP_UNIX	2208988800ULL	/* 1900-01-01 to 1970-01-01, s */

/* Append P || L(P) (TS 33.220 Annex B) to s (room checked by caller). */
static size_t
s_param(uint8_t *s, size_t at, const uint8_t *p, size_t len)
{
	memcpy(s + at, p, len);
	s[at + len] = (uint8_t)(len >> 8);
	s[at + len + 1] = (uint8_t)len;
	return at + len + 2;
}

/* An integer in the fewest big-endian octets, 0 as one octet. */
static size_t
min_octets(unsigned long long v, uint8_t out[8])
{
	uint8_t	 b[8];
	size_t	 n = 0, i;

	do {
		b[n++] = (uint8_t)v;
		v >>= 8;
	} while (v != 0);
	for (i = 0; i < n; i++)
		out[i] = b[n - 1 - i];
	return n;
}

/* see ucheck.h */
enum ucheck_status
ucheck_uid(const char *uri, const char *kms_uri, unsigned long long period,
    unsigned long long offset, unsigned long long period_no,
    uint8_t uid[UCHECK_UID_LEN])
{
	static const char	 p0[] = "MIKEY-SAKKE-UID";
	uint8_t			*s, num[8];
	size_t			 ul = strlen(uri), kl = strlen(kms_uri), at = 0;
	size_t			 n, cap;
	unsigned int		 olen = 0;
	int			 ok;

	if (ul == 0 || kl == 0 || ul > 65535 || kl > 65535)
		return UCHECK_ERR_LENGTH;
	cap = 1 + (sizeof(p0) - 1) + ul + kl + 3 * 8 + 6 * 2;
	if ((s = malloc(cap)) == NULL)
		return UCHECK_ERR_GENERAL;
	s[at++] = 0x00;				/* FC */
	at = s_param(s, at, (const uint8_t *)p0, sizeof(p0) - 1);
	at = s_param(s, at, (const uint8_t *)uri, ul);
	at = s_param(s, at, (const uint8_t *)kms_uri, kl);
	n = min_octets(period, num);
	at = s_param(s, at, num, n);
	n = min_octets(offset, num);
	at = s_param(s, at, num, n);
	n = min_octets(period_no, num);
	at = s_param(s, at, num, n);
	ok = EVP_Digest(s, at, uid, &olen, EVP_sha256(), NULL) == 1 &&
	    olen == UCHECK_UID_LEN;
	free(s);
	return ok ? UCHECK_OK : UCHECK_ERR_GENERAL;
}

/* see ucheck.h */
enum ucheck_status
ucheck_eccsi_keys(const struct ucheck *uc,
    const uint8_t kpak[UCHECK_P256_POINT_LEN],
    const uint8_t uid[UCHECK_UID_LEN], const uint8_t ssk[UCHECK_SSK_LEN],
    const uint8_t pvt[UCHECK_P256_POINT_LEN])
{
	const EC_GROUP		*g = uc->uc_p256;
	enum ucheck_status	 status;
	EVP_MD_CTX		*md = NULL;
	BN_CTX			*ctx = NULL;
	BIGNUM			*bs = NULL, *bh = NULL;
	EC_POINT		*K = NULL, *V = NULL, *l = NULL, *r = NULL;
	uint8_t			 gen[UCHECK_P256_POINT_LEN], hs[32];
	unsigned int		 hl = 0;

	if ((status = ucheck_p256_point(uc, pvt, UCHECK_P256_POINT_LEN)) !=
	    UCHECK_OK)
		return status;
	if ((status = ucheck_p256_point(uc, kpak, UCHECK_P256_POINT_LEN)) !=
	    UCHECK_OK)
		return status;
	status = UCHECK_ERR_GENERAL;
	if ((ctx = BN_CTX_new()) == NULL || (md = EVP_MD_CTX_new()) == NULL ||
	    (K = EC_POINT_new(g)) == NULL || (V = EC_POINT_new(g)) == NULL ||
	    (l = EC_POINT_new(g)) == NULL || (r = EC_POINT_new(g)) == NULL)
		goto fail;
	/* HS = SHA-256(G || KPAK || ID || PVT) (RFC 6507 5.1.1). */
	if (EC_POINT_point2oct(g, EC_GROUP_get0_generator(g),
	    POINT_CONVERSION_UNCOMPRESSED, gen, sizeof(gen), ctx) !=
	    sizeof(gen))
		goto fail;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, gen, sizeof(gen)) != 1 ||
	    EVP_DigestUpdate(md, kpak, UCHECK_P256_POINT_LEN) != 1 ||
	    EVP_DigestUpdate(md, uid, UCHECK_UID_LEN) != 1 ||
	    EVP_DigestUpdate(md, pvt, UCHECK_P256_POINT_LEN) != 1 ||
	    EVP_DigestFinal_ex(md, hs, &hl) != 1 || hl != sizeof(hs))
		goto fail;
	if ((bs = BN_bin2bn(ssk, UCHECK_SSK_LEN, NULL)) == NULL ||
	    (bh = BN_bin2bn(hs, sizeof(hs), NULL)) == NULL ||
	    EC_POINT_oct2point(g, K, kpak, UCHECK_P256_POINT_LEN, ctx) != 1 ||
	    EC_POINT_oct2point(g, V, pvt, UCHECK_P256_POINT_LEN, ctx) != 1)
		goto fail;
	/* [SSK]G = KPAK + [HS]PVT (RFC 6507 5.1.2). */
	if (EC_POINT_mul(g, l, bs, NULL, NULL, ctx) != 1 ||
	    EC_POINT_mul(g, r, NULL, V, bh, ctx) != 1 ||
	    EC_POINT_add(g, r, r, K, ctx) != 1)
		goto fail;
	status = EC_POINT_cmp(g, l, r, ctx) == 0 ? UCHECK_OK :
	    UCHECK_ERR_CONTENT;
 fail:
	ERR_clear_error();
	BN_clear_free(bs);
	BN_free(bh);
	EC_POINT_free(K);
	EC_POINT_free(V);
	EC_POINT_free(l);
	EC_POINT_free(r);
	EVP_MD_CTX_free(md);
	BN_CTX_free(ctx);
	return status;
}

/* "YYYY-MM-DDThh:mm:ssZ" (or without Z) -> Unix seconds. */
static int
parse_time(const char *s, long long *out)
{
	struct tm	 tm;
	char		*e;

	memset(&tm, 0, sizeof(tm));
	e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (e == NULL || !(*e == '\0' || (e[0] == 'Z' && e[1] == '\0')))
		return -1;
	*out = (long long)timegm(&tm);
	return 0;
}

/*
 * An EncKeyContentType key element (security extension): the
 * EncryptedKey's CipherValue, base64, unwrapped with the TrK by OpenSSL
 * (RFC 5649, EVP_aes_256_wrap_pad) into want octets; KeyName must be
 * the TrK's name when one was given.
 */
static enum ucheck_status
enc_key(const struct ucheck *uc, xmlNodePtr n, const char *name,
    uint8_t *out, size_t want, char *msg, size_t msg_size)
{
	enum ucheck_status	 s = UCHECK_ERR_CONTENT;
	EVP_CIPHER_CTX		*cx = NULL;
	xmlNodePtr		 ek;
	char			*b64 = NULL, *kn = NULL;
	uint8_t			*w = NULL, *p = NULL;
	size_t			 bl, i, j;
	int			 wl, l1 = 0, l2 = 0;

	if (!uc->uc_has_trk) {
		uc_say(msg, msg_size, "%s: wrapped (EncKeyContentType); give "
		    "--trk", name);
		return UCHECK_ERR_CONTENT;
	}
	ek = uc_kid_any(n, "EncryptedKey");
	kn = uc_text_trim(uc_kid_any(uc_kid_any(ek, "KeyInfo"), "KeyName"));
	if (uc->uc_trk_name[0] != '\0' &&
	    (kn == NULL || strcmp(kn, uc->uc_trk_name) != 0)) {
		uc_say(msg, msg_size, "%s: wrapped under %s, want %s", name,
		    kn != NULL ? kn : "(no KeyName)", uc->uc_trk_name);
		goto fail;
	}
	b64 = uc_text_trim(uc_kid_any(uc_kid_any(ek, "CipherData"), "CipherValue"));
	if (b64 == NULL) {
		uc_say(msg, msg_size, "%s: no EncryptedKey CipherValue", name);
		goto fail;
	}
	for (i = j = 0; b64[i] != '\0'; i++)	/* drop XML space */
		if (!uc_is_space((unsigned char)b64[i]))
			b64[j++] = b64[i];
	b64[j] = '\0';
	bl = j;
	if (bl == 0 || bl % 4 != 0 || bl > 4096 ||
	    (w = malloc(bl / 4 * 3)) == NULL || (p = malloc(bl)) == NULL) {
		uc_say(msg, msg_size, "%s: CipherValue is not base64", name);
		goto fail;
	}
	wl = EVP_DecodeBlock(w, (const unsigned char *)b64, (int)bl);
	if (wl < 0) {
		uc_say(msg, msg_size, "%s: CipherValue is not base64", name);
		goto fail;
	}
	wl -= (b64[bl - 1] == '=') + (b64[bl - 2] == '=');
	if ((cx = EVP_CIPHER_CTX_new()) == NULL) {
		s = UCHECK_ERR_GENERAL;
		goto fail;
	}
	EVP_CIPHER_CTX_set_flags(cx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (EVP_DecryptInit_ex(cx, EVP_aes_256_wrap_pad(), NULL, uc->uc_trk,
	    NULL) != 1 || EVP_DecryptUpdate(cx, p, &l1, w, wl) != 1 ||
	    EVP_DecryptFinal_ex(cx, p + l1, &l2) != 1) {
		uc_say(msg, msg_size, "%s: does not unwrap with the TrK "
		    "(RFC 5649)", name);
		goto fail;
	}
	if ((size_t)(l1 + l2) != want) {
		uc_say(msg, msg_size, "%s: unwrapped %d octets, want %zu", name,
		    l1 + l2, want);
		goto fail;
	}
	memcpy(out, p, want);
	s = UCHECK_OK;
 fail:
	EVP_CIPHER_CTX_free(cx);
	if (p != NULL) {
		OPENSSL_cleanse(p, bl);		/* wipe: key material */
		free(p);
	}
	free(w);
	free(b64);
	free(kn);
	return s;
}

/*
 * A key element: xsi:type KeyContentType (want octets of hex) or, with
 * a TrK, EncKeyContentType (enc_key).
 */
static enum ucheck_status
key_elem(const struct ucheck *uc, xmlNodePtr set, const char *name,
    uint8_t *out, size_t want, char *msg, size_t msg_size)
{
	static const char	 xsi[] =
	    "http://www.w3.org/2001/XMLSchema-instance";
	xmlNodePtr		 n;
	xmlChar			*type;
	enum ucheck_status	 s;
	char			*hex;
	const char		*local;

	if ((n = uc_kid(set, name)) == NULL) {
		uc_say(msg, msg_size, "%s missing", name);
		return UCHECK_ERR_CONTENT;
	}
	type = xmlGetNsProp(n, BAD_CAST "type", BAD_CAST xsi);
	local = type != NULL ? strchr((char *)type, ':') : NULL;
	local = local != NULL ? local + 1 : (const char *)type;
	if (local != NULL && strcmp(local, "EncKeyContentType") == 0) {
		xmlFree(type);
		return enc_key(uc, n, name, out, want, msg, msg_size);
	}
	if (local == NULL || strcmp(local, "KeyContentType") != 0) {
		uc_say(msg, msg_size, "%s: xsi:type %s, want KeyContentType "
		    "(plaintext)", name, type != NULL ? (char *)type :
		    "absent");
		xmlFree(type);
		return UCHECK_ERR_CONTENT;
	}
	xmlFree(type);
	if ((hex = uc_text_trim(n)) == NULL)
		return UCHECK_ERR_CONTENT;
	s = ucheck_hex(hex, out, want);
	OPENSSL_cleanse(hex, strlen(hex));
	free(hex);
	if (s != UCHECK_OK)
		uc_say(msg, msg_size, "%s: %s", name, ucheck_strerror(s));
	return s;
}

/*
 * One KmsKeySet against the Root certificate its CertUri names among
 * certs[0 .. ncerts) (certs[0] without one); an unknown CertUri:
 * UCHECK_ERR_CERT with it in need.
 */
static enum ucheck_status
keyset_check(const struct ucheck *uc, xmlNodePtr set,
    const struct ucheck_init *certs, size_t ncerts, long long want_period,
    struct ucheck_keyset *ks, char *need, size_t need_size, char *msg,
    size_t msg_size)
{
	enum ucheck_status	 s = UCHECK_ERR_CONTENT;
	const struct ucheck_init *cert = &certs[0];
	char			*kms = NULL, *uri = NULL, *id = NULL, *t = NULL;
	uint8_t			 uid[UCHECK_UID_LEN], got[UCHECK_UID_LEN];
	long long		 from, to;
	unsigned long long	 start;
	size_t			 i;

	memset(ks, 0, sizeof(*ks));
	if ((t = uc_text_trim(uc_kid(set, "CertUri"))) != NULL &&
	    t[0] != '\0') {
		for (i = 0; i < ncerts; i++)
			if (strcmp(certs[i].ui_cert_uri, t) == 0)
				break;
		if (i == ncerts) {
			uc_say(msg, msg_size, "a key set of certificate %s, "
			    "which this device does not know", t);
			if (need != NULL)
				snprintf(need, need_size, "%s", t);
			s = UCHECK_ERR_CERT;
			goto fail;
		}
		cert = &certs[i];
		ks->uk_cert = i;
	}
	free(t);
	t = NULL;
	kms = uc_text_trim(uc_kid(set, "KmsUri"));
	uri = uc_text_trim(uc_kid(set, "UserUri"));
	if (kms == NULL || strcmp(kms, cert->ui_kms_uri) != 0) {
		uc_say(msg, msg_size, "KmsKeySet KmsUri %s, want %s",
		    kms != NULL ? kms : "(absent)", cert->ui_kms_uri);
		goto fail;
	}
	if (uri == NULL || strlen(uri) >= sizeof(ks->uk_uri)) {
		uc_say(msg, msg_size, "KmsKeySet UserUri missing or too long");
		goto fail;
	}
	snprintf(ks->uk_uri, sizeof(ks->uk_uri), "%s", uri);
	if (ull_of(uc_kid(set, "KeyPeriodNo"), &ks->uk_period_no) != 0) {
		uc_say(msg, msg_size, "%s: KeyPeriodNo not a number", uri);
		goto fail;
	}
	if (want_period >= 0 &&
	    ks->uk_period_no != (unsigned long long)want_period) {
		uc_say(msg, msg_size, "%s: KeyPeriodNo %llu, want %lld", uri,
		    ks->uk_period_no, want_period);
		goto fail;
	}
	/* ValidFrom/ValidTo: the period's bounds, NTP epoch (notes 2). */
	start = cert->ui_offset + ks->uk_period_no * cert->ui_period;
	/* ... and the period belongs to its certificate's validity. */
	if ((long long)(start - NTP_UNIX) < cert->ui_valid_from ||
	    (long long)(start - NTP_UNIX) > cert->ui_valid_to) {
		uc_say(msg, msg_size, "%s: key period %llu starts outside the "
		    "validity of certificate %s", uri, ks->uk_period_no,
		    cert->ui_cert_uri[0] != '\0' ? cert->ui_cert_uri : "-");
		goto fail;
	}
	if ((t = uc_text_trim(uc_kid(set, "ValidFrom"))) == NULL ||
	    parse_time(t, &from) != 0 ||
	    (unsigned long long)from + NTP_UNIX != start) {
		uc_say(msg, msg_size, "%s: ValidFrom %s is not the start of key "
		    "period %llu", uri, t != NULL ? t : "(absent)",
		    ks->uk_period_no);
		goto fail;
	}
	free(t);
	if ((t = uc_text_trim(uc_kid(set, "ValidTo"))) == NULL ||
	    parse_time(t, &to) != 0 ||
	    (unsigned long long)to + NTP_UNIX != start + cert->ui_period - 1) {
		uc_say(msg, msg_size, "%s: ValidTo %s is not the end of key "
		    "period %llu", uri, t != NULL ? t : "(absent)",
		    ks->uk_period_no);
		goto fail;
	}
	free(t);
	if ((t = uc_text_trim(uc_kid(set, "Revoked"))) != NULL &&
	    strcmp(t, "false") != 0 && strcmp(t, "0") != 0) {
		uc_say(msg, msg_size, "%s: Revoked %s", uri, t);
		goto fail;
	}
	/* UserID = our own UID of (UserUri, KmsUri, period, offset, no). */
	if ((s = ucheck_uid(uri, cert->ui_kms_uri, cert->ui_period,
	    cert->ui_offset, ks->uk_period_no, uid)) != UCHECK_OK)
		goto fail;
	s = UCHECK_ERR_CONTENT;
	if ((id = uc_text_trim(uc_kid(set, "UserID"))) == NULL ||
	    ucheck_hex(id, got, sizeof(got)) != UCHECK_OK ||
	    memcmp(got, uid, sizeof(uid)) != 0) {
		uc_say(msg, msg_size, "%s: UserID %s differs from the UID we "
		    "compute", uri, id != NULL ? id : "(absent)");
		goto fail;
	}
	memcpy(ks->uk_uid, uid, sizeof(uid));
	if ((s = key_elem(uc, set, "UserDecryptKey", ks->uk_rsk,
	    sizeof(ks->uk_rsk), msg, msg_size)) != UCHECK_OK ||
	    (s = key_elem(uc, set, "UserSigningKeySSK", ks->uk_ssk,
	    sizeof(ks->uk_ssk), msg, msg_size)) != UCHECK_OK ||
	    (s = key_elem(uc, set, "UserPubTokenPVT", ks->uk_pvt,
	    sizeof(ks->uk_pvt), msg, msg_size)) != UCHECK_OK)
		goto fail;
	if ((s = ucheck_sakke_point(uc, ks->uk_rsk, sizeof(ks->uk_rsk))) !=
	    UCHECK_OK) {
		uc_say(msg, msg_size, "%s: RSK: %s", uri, ucheck_strerror(s));
		goto fail;
	}
	if ((s = ucheck_eccsi_keys(uc, cert->ui_kpak, uid, ks->uk_ssk,
	    ks->uk_pvt)) != UCHECK_OK) {
		uc_say(msg, msg_size, "%s: SSK/PVT: [SSK]G != KPAK + [HS]PVT "
		    "(%s)", uri, ucheck_strerror(s));
		goto fail;
	}
	s = UCHECK_OK;
 fail:
	if (s != UCHECK_OK)
		OPENSSL_cleanse(ks, sizeof(*ks));
	free(kms);
	free(uri);
	free(id);
	free(t);
	return s;
}

/* Root KmsResponse without KmsError, ClientReqUrl ending in suffix. */
static xmlNodePtr
response_root(xmlDocPtr doc, const char *suffix, char *msg, size_t msg_size)
{
	xmlNodePtr	 root = xmlDocGetRootElement(doc);
	char		*s;
	size_t		 l, sl;

	/* A SignedKmsResponse: its KmsResponse (the signature was
	 * checked by ucheck_open_response, usec.c, before). */
	if (root != NULL && root->ns != NULL &&
	    xmlStrEqual(root->ns->href, BAD_CAST UCHECK_NS) &&
	    xmlStrEqual(root->name, BAD_CAST "SignedKmsResponse"))
		root = uc_kid(root, "KmsResponse");

	if (root == NULL || root->ns == NULL ||
	    !xmlStrEqual(root->ns->href, BAD_CAST UCHECK_NS) ||
	    !xmlStrEqual(root->name, BAD_CAST "KmsResponse")) {
		uc_say(msg, msg_size, "root is not KmsResponse in %s", UCHECK_NS);
		return NULL;
	}
	if (uc_kid(root, "KmsError") != NULL) {
		s = uc_text_trim(uc_kid(uc_kid(root, "KmsError"), "ErrorMsg"));
		uc_say(msg, msg_size, "KmsError present: %s",
		    s != NULL ? s : "(no ErrorMsg)");
		free(s);
		return NULL;
	}
	if (suffix != NULL) {
		s = uc_text_trim(uc_kid(root, "ClientReqUrl"));
		l = s != NULL ? strlen(s) : 0;
		sl = strlen(suffix);
		if (s == NULL || l < sl || strcmp(s + l - sl, suffix) != 0) {
			uc_say(msg, msg_size, "ClientReqUrl %s does not end in "
			    "%s", s != NULL ? s : "(absent)", suffix);
			free(s);
			return NULL;
		}
		free(s);
	}
	return root;
}

/*
 * The KmsMessage/<what> element of a response body: parsed, XSD valid,
 * KmsResponse without KmsError, ClientReqUrl ending in suffix (NULL: any).
 * On UCHECK_OK the caller frees *doc; on failure nothing is left.
 */
static enum ucheck_status
uc_message(const struct ucheck *uc, const char *body, size_t len,
    const char *suffix, const char *what, xmlDocPtr *doc, xmlNodePtr *root,
    xmlNodePtr *out, char *msg, size_t msg_size)
{
	enum ucheck_status	 status;

	status = uc_parse_validate(uc, body, len, doc, msg, msg_size);
	if (status != UCHECK_OK)
		return status;
	*root = response_root(*doc, suffix, msg, msg_size);
	*out = *root != NULL ? uc_kid(uc_kid(*root, "KmsMessage"), what) :
	    NULL;
	if (*out == NULL) {
		if (*root != NULL)
			uc_say(msg, msg_size, "no KmsMessage/%s", what);
		xmlFreeDoc(*doc);
		*doc = NULL;
		return UCHECK_ERR_CONTENT;
	}
	return UCHECK_OK;
}

/* see ucheck.h */
enum ucheck_status
ucheck_keyprov_response(const struct ucheck *uc, const char *body,
    size_t len, const struct ucheck_init *certs, size_t ncerts,
    long long want_period, const char *req_suffix,
    struct ucheck_keyset *sets, size_t max, size_t *n, char *need,
    size_t need_size, char *msg, size_t msg_size)
{
	enum ucheck_status	 status;
	xmlDocPtr		 doc;
	xmlNodePtr		 root, kp, c;

	*n = 0;
	if (certs == NULL || ncerts == 0)
		return UCHECK_ERR_GENERAL;
	status = uc_message(uc, body, len, req_suffix, "KmsKeyProv", &doc,
	    &root, &kp, msg, msg_size);
	if (status != UCHECK_OK)
		return status;
	status = UCHECK_ERR_CONTENT;
	for (c = kp->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || c->ns == NULL ||
		    !xmlStrEqual(c->ns->href, BAD_CAST UCHECK_NS) ||
		    !xmlStrEqual(c->name, BAD_CAST "KmsKeySet"))
			continue;
		if (*n == max) {
			uc_say(msg, msg_size, "more than %zu key sets", max);
			goto fail;
		}
		if ((status = keyset_check(uc, c, certs, ncerts, want_period,
		    &sets[*n], need, need_size, msg, msg_size)) != UCHECK_OK)
			goto fail;
		(*n)++;
	}
	status = UCHECK_ERR_CONTENT;
	if (*n == 0) {
		uc_say(msg, msg_size, "no KmsKeySet");
		goto fail;
	}
	status = UCHECK_OK;
 fail:
	if (status != UCHECK_OK) {
		OPENSSL_cleanse(sets, max * sizeof(*sets));
		*n = 0;
	}
	xmlFreeDoc(doc);
	return status;
}

/* see ucheck.h */
enum ucheck_status
ucheck_certcache_response(const struct ucheck *uc, const char *body,
    size_t len, bool own_root, unsigned long long *cache_num, size_t *ncerts,
    char *msg, size_t msg_size)
{
	enum ucheck_status	 status;
	xmlDocPtr		 doc;
	xmlNodePtr		 root, cc, c, cert;
	xmlChar			*num = NULL, *role;
	char			*end, *own, *kms;
	bool			 ok;

	*ncerts = 0;
	status = uc_message(uc, body, len, NULL, "KmsCertCache", &doc, &root,
	    &cc, msg, msg_size);
	if (status != UCHECK_OK)
		return status;
	status = UCHECK_ERR_CONTENT;
	num = xmlGetNoNsProp(cc, BAD_CAST "CacheNum");
	errno = 0;
	if (num == NULL || !(num[0] >= '0' && num[0] <= '9') ||
	    (*cache_num = strtoull((char *)num, &end, 10), *end != '\0') ||
	    errno != 0) {
		uc_say(msg, msg_size, "KmsCertCache CacheNum missing or bad");
		goto fail;
	}
	for (c = cc->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || c->ns == NULL ||
		    !xmlStrEqual(c->ns->href, BAD_CAST UCHECK_NS))
			continue;
		cert = xmlStrEqual(c->name, BAD_CAST "SignedKmsCertificate") ?
		    uc_kid(c, "KmsCertificate") : c;
		if (cert == NULL ||
		    !xmlStrEqual(cert->name, BAD_CAST "KmsCertificate"))
			continue;
		role = xmlGetNoNsProp(cert, BAD_CAST "Role");
		ok = role != NULL && xmlStrEqual(role, BAD_CAST "External");
		if (!ok && own_root && role != NULL &&
		    xmlStrEqual(role, BAD_CAST "Root")) {
			own = uc_text_trim(uc_kid(root, "KmsUri"));
			kms = uc_text_trim(uc_kid(cert, "KmsUri"));
			ok = own != NULL && kms != NULL &&
			    strcmp(own, kms) == 0;
			free(own);
			free(kms);
		}
		if (!ok) {
			uc_say(msg, msg_size, "cached certificate Role %s, want "
			    "External%s", role != NULL ? (char *)role : "absent",
			    own_root ? " or Root of this KMS" : "");
			xmlFree(role);
			goto fail;
		}
		xmlFree(role);
		if ((status = key_check(uc, cert, "PubEncKey", true, msg,
		    msg_size)) != UCHECK_OK ||
		    (status = key_check(uc, cert, "PubAuthKey", false, msg,
		    msg_size)) != UCHECK_OK)
			goto fail;
		status = UCHECK_ERR_CONTENT;
		(*ncerts)++;
	}
	status = UCHECK_OK;
 fail:
	xmlFree(num);
	xmlFreeDoc(doc);
	return status;
}

/* see ucheck.h */
enum ucheck_status
ucheck_cert_response(const struct ucheck *uc, const char *body, size_t len,
    const struct ucheck_init *rc, const char *cert_uri,
    struct ucheck_init *info, char *msg, size_t msg_size)
{
	enum ucheck_status	 status;
	xmlDocPtr		 doc;
	xmlNodePtr		 root, cc, c, cert = NULL;
	xmlChar			*role = NULL;
	size_t			 n = 0;

	if (rc == NULL || cert_uri == NULL || info == NULL)
		return UCHECK_ERR_GENERAL;
	status = uc_message(uc, body, len, NULL, "KmsCertCache", &doc, &root,
	    &cc, msg, msg_size);
	if (status != UCHECK_OK)
		return status;
	status = UCHECK_ERR_CONTENT;
	for (c = cc->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || c->ns == NULL ||
		    !xmlStrEqual(c->ns->href, BAD_CAST UCHECK_NS))
			continue;
		cert = xmlStrEqual(c->name, BAD_CAST "SignedKmsCertificate") ?
		    uc_kid(c, "KmsCertificate") : c;
		n++;
	}
	if (n != 1 || cert == NULL ||
	    !xmlStrEqual(cert->name, BAD_CAST "KmsCertificate")) {
		uc_say(msg, msg_size, "%zu certificates, want one", n);
		goto fail;
	}
	role = xmlGetNoNsProp(cert, BAD_CAST "Role");
	if (role == NULL || !xmlStrEqual(role, BAD_CAST "Root")) {
		uc_say(msg, msg_size, "KmsCertificate Role is %s, want Root",
		    role != NULL ? (char *)role : "absent");
		goto fail;
	}
	if ((status = cert_fields(uc, cert, info, msg, msg_size)) !=
	    UCHECK_OK)
		goto fail;
	status = UCHECK_ERR_CONTENT;
	if (strcmp(info->ui_kms_uri, rc->ui_kms_uri) != 0 ||
	    strcmp(info->ui_cert_uri, cert_uri) != 0) {
		uc_say(msg, msg_size, "certificate %s of KMS %s, want %s of %s",
		    info->ui_cert_uri, info->ui_kms_uri, cert_uri,
		    rc->ui_kms_uri);
		goto fail;
	}
	if (info->ui_period != rc->ui_period ||
	    info->ui_offset != rc->ui_offset) {
		uc_say(msg, msg_size, "certificate %s: UserKeyPeriod/Offset "
		    "%llu/%llu differ from the Root certificate's %llu/%llu",
		    cert_uri, info->ui_period, info->ui_offset,
		    rc->ui_period, rc->ui_offset);
		goto fail;
	}
	status = UCHECK_OK;
 fail:
	xmlFree(role);
	xmlFreeDoc(doc);
	return status;
}
