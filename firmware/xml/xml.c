/*
 * xml.c - KmsResponse documents with libxml2's tree API (see xml.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/parser.h>

#include "xml.h"

#define XML_U64_LEN	21	/* decimal uint64 + NUL */

static pthread_once_t	 xml_once = PTHREAD_ONCE_INIT;

/* libxml2 must be initialised once before threads use it concurrently. */
static void
xml_once_init(void)
{
	xmlInitParser();
}

/*
 * Decode one UTF-8 character of p (avail bytes).  Returns its length and
 * the code point, or 0 when the bytes are not well-formed UTF-8 (overlong
 * forms and surrogates included).
 */
static size_t
utf8_char(const unsigned char *p, size_t avail, uint32_t *cp)
{
	uint32_t	 c;
	size_t		 n, i;

	if (avail == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		c = p[0] & 0x1f;
		n = 2;
	} else if ((p[0] & 0xf0) == 0xe0) {
		c = p[0] & 0x0f;
		n = 3;
	} else if ((p[0] & 0xf8) == 0xf0) {
		c = p[0] & 0x07;
		n = 4;
	} else
		return 0;
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* The Char production of XML 1.0. */
static bool
is_xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd ||
	    (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) ||
	    (c >= 0x10000 && c <= 0x10ffff);
}

/* see xml.h */
bool
xml_is_text(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len, n;
	uint32_t		 c;

	if (s == NULL)
		return false;
	len = strnlen(s, XML_STR_MAX + 1);
	if (len > XML_STR_MAX)
		return false;
	while (len > 0) {
		n = utf8_char(p, len, &c);
		if (n == 0 || !is_xml_char(c))
			return false;
		p += n;
		len -= n;
	}
	return true;
}

/*
 * Copy msg into out (out_size bytes) as XML-safe, one-line text: invalid
 * bytes and control characters become '?'; cut at a character boundary.
 */
static void
sanitize_msg(const char *msg, char *out, size_t out_size)
{
	const unsigned char	*p = (const unsigned char *)msg;
	size_t			 len, n, o = 0;
	uint32_t		 c;

	len = strlen(msg);
	while (len > 0) {
		n = utf8_char(p, len, &c);
		if (n == 0 || !is_xml_char(c) || c < 0x20 || c == 0x7f) {
			if (o + 1 >= out_size)
				break;
			out[o++] = '?';
			n = n == 0 ? 1 : n;
		} else {
			if (o + n >= out_size)
				break;
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		len -= n;
	}
	out[o] = '\0';
}

/* Civil date from days since 1970-01-01 (H. Hinnant's algorithm). */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t		 era;
	unsigned	 doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* see xml.h */
int
xml_format_time(int64_t t, char *out, size_t out_size)
{
	int64_t		 days, secs, y;
	unsigned	 m, d;
	int		 n;

	/* 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z */
	if (out == NULL || out_size < XML_TIME_LEN ||
	    t < INT64_C(-62135596800) || t > INT64_C(253402300799))
		return XML_ERR_ARGS;
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	n = snprintf(out, out_size, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02uZ",
	    y, m, d, (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60),
	    (unsigned)(secs % 60));
	if (n != XML_TIME_LEN - 1)
		return XML_ERR_ARGS;
	return XML_OK;
}

/* Append an element with escaped text content. */
static int
add_text(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
	if (xmlNewTextChild(parent, ns, BAD_CAST name, BAD_CAST text) == NULL)
		return XML_ERR_MEMORY;
	return XML_OK;
}

static int
add_u64(xmlNodePtr parent, xmlNsPtr ns, const char *name, uint64_t v)
{
	char	 num[XML_U64_LEN];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	return add_text(parent, ns, name, num);
}

static int
add_time(xmlNodePtr parent, xmlNsPtr ns, const char *name, int64_t t)
{
	char	 ts[XML_TIME_LEN];
	int	 rc;

	rc = xml_format_time(t, ts, sizeof(ts));
	if (rc != XML_OK)
		return rc;
	return add_text(parent, ns, name, ts);
}

/* Upper-case hex (xsd:hexBinary, as in the 33.180 and vendor examples). */
static int
add_hex(xmlNodePtr parent, xmlNsPtr ns, const char *name, const uint8_t *v,
    size_t len)
{
	static const char	 digits[] = "0123456789ABCDEF";
	char			 hex[2 * SAKKE_POINT_LEN + 1];
	size_t			 i;

	if (2 * len >= sizeof(hex))
		return XML_ERR_ARGS;
	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[v[i] >> 4];
		hex[2 * i + 1] = digits[v[i] & 0x0f];
	}
	hex[2 * len] = '\0';
	return add_text(parent, ns, name, hex);
}

static bool
is_set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

static int
add_opt_text(xmlNodePtr parent, xmlNsPtr ns, const char *name,
    const char *text)
{
	if (!is_set(text))
		return XML_OK;
	return add_text(parent, ns, name, text);
}

static int
check_meta(const struct kms_resp_meta *meta)
{
	if (meta == NULL || !xml_is_text(meta->user_uri) ||
	    !xml_is_text(meta->kms_uri) ||
	    !xml_is_text(meta->client_req_url) ||
	    (meta->kms_id != NULL && !xml_is_text(meta->kms_id)))
		return XML_ERR_ARGS;
	return XML_OK;
}

/*
 * Start a KmsResponse document with the envelope of meta.  On success
 * *docp, *rootp and *nsp are set and the caller frees *docp.
 */
static int
resp_begin(const struct kms_resp_meta *meta, xmlDocPtr *docp,
    xmlNodePtr *rootp, xmlNsPtr *nsp)
{
	xmlDocPtr	 doc = NULL;
	xmlNodePtr	 root;
	xmlNsPtr	 ns;
	int		 status = XML_ERR_GENERAL, rc;

	rc = check_meta(meta);
	if (rc != XML_OK) {
		status = rc;
		goto fail;
	}
	pthread_once(&xml_once, xml_once_init);
	status = XML_ERR_MEMORY;
	doc = xmlNewDoc(BAD_CAST "1.0");
	if (doc == NULL)
		goto fail;
	root = xmlNewDocNode(doc, NULL, BAD_CAST "KmsResponse", NULL);
	if (root == NULL)
		goto fail;
	xmlDocSetRootElement(doc, root);
	ns = xmlNewNs(root, BAD_CAST XML_NS_KMS, NULL);
	if (ns == NULL)
		goto fail;
	xmlSetNs(root, ns);
	if (xmlNewProp(root, BAD_CAST "Version",
	    BAD_CAST XML_VER_RESPONSE) == NULL)
		goto fail;
	/* Order of the merged XSD (spec/mcx-kms.md 3.2, 3.11). */
	rc = add_text(root, ns, "UserUri", meta->user_uri);
	if (rc == XML_OK)
		rc = add_text(root, ns, "KmsUri", meta->kms_uri);
	if (rc == XML_OK)
		rc = add_time(root, ns, "Time", meta->time);
	if (rc == XML_OK)
		rc = add_opt_text(root, ns, "KmsId", meta->kms_id);
	if (rc == XML_OK)
		rc = add_text(root, ns, "ClientReqUrl", meta->client_req_url);
	if (rc != XML_OK) {
		status = rc;
		goto fail;
	}
	*docp = doc;
	*rootp = root;
	*nsp = ns;
	return XML_OK;
fail:
	xmlFreeDoc(doc);
	return status;
}

/* Serialise doc (UTF-8, with declaration, indented) onto out. */
static int
resp_finish(xmlDocPtr doc, struct buf *out)
{
	xmlChar		*mem = NULL;
	int		 len = 0, rc;
	int		 status = XML_ERR_GENERAL;

	xmlDocDumpFormatMemoryEnc(doc, &mem, &len, "UTF-8", 1);
	if (mem == NULL || len <= 0) {
		status = XML_ERR_MEMORY;
		goto fail;
	}
	/* buf_add is all or nothing: out is unchanged when it fails. */
	rc = buf_add(out, mem, (size_t)len);
	if (rc == -E2BIG) {
		status = XML_ERR_SPACE;
		goto fail;
	}
	if (rc != 0) {
		status = XML_ERR_MEMORY;
		goto fail;
	}
	status = XML_OK;
fail:
	xmlFree(mem);
	return status;
}

static int
check_cert(const struct kms_cert_info *cert)
{
	size_t	 i;

	if (cert == NULL || !xml_is_text(cert->kms_uri) ||
	    cert->kms_uri[0] == '\0' ||
	    (cert->cert_uri != NULL && !xml_is_text(cert->cert_uri)) ||
	    (cert->issuer != NULL && !xml_is_text(cert->issuer)) ||
	    cert->domain_count > XML_DOMAINS_MAX)
		return XML_ERR_ARGS;
	for (i = 0; i < cert->domain_count; i++)
		if (!xml_is_text(cert->domains[i]) ||
		    cert->domains[i][0] == '\0')
			return XML_ERR_ARGS;
	return XML_OK;
}

/* KmsCertificate (D.3.2) under parent, element order of spec 3.4. */
static int
add_certificate(xmlNodePtr parent, xmlNsPtr ns,
    const struct kms_cert_info *c)
{
	xmlNodePtr	 cert, list;
	size_t		 i;
	int		 rc;

	cert = xmlNewChild(parent, ns, BAD_CAST "KmsCertificate", NULL);
	if (cert == NULL)
		return XML_ERR_MEMORY;
	if (xmlNewProp(cert, BAD_CAST "Version", BAD_CAST XML_VER_CERT) ==
	    NULL || xmlNewProp(cert, BAD_CAST "Role",
	    BAD_CAST (c->is_root ? "Root" : "External")) == NULL)
		return XML_ERR_MEMORY;
	rc = add_opt_text(cert, ns, "CertUri", c->cert_uri);
	if (rc == XML_OK)
		rc = add_text(cert, ns, "KmsUri", c->kms_uri);
	if (rc == XML_OK)
		rc = add_opt_text(cert, ns, "Issuer", c->issuer);
	if (rc == XML_OK)
		rc = add_time(cert, ns, "ValidFrom", c->valid_from);
	if (rc == XML_OK)
		rc = add_time(cert, ns, "ValidTo", c->valid_to);
	if (rc == XML_OK)
		rc = add_text(cert, ns, "Revoked",
		    c->revoked ? "true" : "false");
	if (rc == XML_OK)
		rc = add_u64(cert, ns, "UserIdFormat", c->user_id_format);
	if (rc == XML_OK)
		rc = add_u64(cert, ns, "UserKeyPeriod", c->user_key_period);
	if (rc == XML_OK)
		rc = add_u64(cert, ns, "UserKeyOffset", c->user_key_offset);
	if (rc == XML_OK)
		rc = add_hex(cert, ns, "PubEncKey", c->pub_enc_key,
		    sizeof(c->pub_enc_key));
	if (rc == XML_OK)
		rc = add_hex(cert, ns, "PubAuthKey", c->pub_auth_key,
		    sizeof(c->pub_auth_key));
	if (rc == XML_OK)
		rc = add_u64(cert, ns, "ParameterSet", c->parameter_set);
	if (rc != XML_OK || c->domain_count == 0)
		return rc;
	list = xmlNewChild(cert, ns, BAD_CAST "KmsDomainList", NULL);
	if (list == NULL)
		return XML_ERR_MEMORY;
	for (i = 0; i < c->domain_count && rc == XML_OK; i++)
		rc = add_text(list, ns, "KmsDomain", c->domains[i]);
	return rc;
}

/* see xml.h */
int
xml_cert_from_conf(const struct kms_conf *conf, const uint8_t *pub_enc,
    const uint8_t *pub_auth, struct kms_cert_info *cert)
{
	size_t	 i;

	if (conf == NULL || pub_enc == NULL || pub_auth == NULL ||
	    cert == NULL || conf->domain_count > XML_DOMAINS_MAX)
		return XML_ERR_ARGS;
	memset(cert, 0, sizeof(*cert));
	cert->cert_uri = conf->cert_uri;
	cert->kms_uri = conf->kms_uri;
	cert->issuer = conf->issuer;
	cert->valid_from = conf->valid_from;
	cert->valid_to = conf->valid_to;
	cert->revoked = false;
	cert->user_id_format = XML_USER_ID_FORMAT;
	cert->user_key_period = conf->user_key_period;
	cert->user_key_offset = conf->user_key_offset;
	memcpy(cert->pub_enc_key, pub_enc, sizeof(cert->pub_enc_key));
	memcpy(cert->pub_auth_key, pub_auth, sizeof(cert->pub_auth_key));
	cert->parameter_set = SAKKE_PARAMETER_SET;
	for (i = 0; i < conf->domain_count; i++)
		cert->domains[i] = conf->domains[i];
	cert->domain_count = conf->domain_count;
	cert->is_root = true;
	return XML_OK;
}

/* see xml.h */
int
xml_init_response(const struct kms_resp_meta *meta,
    const struct kms_cert_info *cert, struct buf *out)
{
	xmlDocPtr	 doc = NULL;
	xmlNodePtr	 root, msg, init;
	xmlNsPtr	 ns;
	int		 status = XML_ERR_GENERAL, rc;

	if (out == NULL || check_cert(cert) != XML_OK) {
		status = XML_ERR_ARGS;
		goto fail;
	}
	rc = resp_begin(meta, &doc, &root, &ns);
	if (rc != XML_OK) {
		status = rc;
		goto fail;
	}
	status = XML_ERR_MEMORY;
	msg = xmlNewChild(root, ns, BAD_CAST "KmsMessage", NULL);
	if (msg == NULL)
		goto fail;
	init = xmlNewChild(msg, ns, BAD_CAST "KmsInit", NULL);
	if (init == NULL)
		goto fail;
	if (xmlNewProp(init, BAD_CAST "Version", BAD_CAST XML_VER_INIT) ==
	    NULL)
		goto fail;
	rc = add_certificate(init, ns, cert);
	if (rc != XML_OK) {
		status = rc;
		goto fail;
	}
	status = resp_finish(doc, out);
fail:
	xmlFreeDoc(doc);
	return status;
}

/* see xml.h */
int
xml_error_response(const struct kms_resp_meta *meta, int error_code,
    const char *error_msg, struct buf *out)
{
	xmlDocPtr	 doc = NULL;
	xmlNodePtr	 root, err;
	xmlNsPtr	 ns;
	char		 msg[XML_ERRMSG_MAX + 1];
	char		 code[16];
	int		 status = XML_ERR_GENERAL, rc;

	if (out == NULL || error_msg == NULL) {
		status = XML_ERR_ARGS;
		goto fail;
	}
	sanitize_msg(error_msg, msg, sizeof(msg));
	snprintf(code, sizeof(code), "%d", error_code);
	rc = resp_begin(meta, &doc, &root, &ns);
	if (rc != XML_OK) {
		status = rc;
		goto fail;
	}
	status = XML_ERR_MEMORY;
	err = xmlNewChild(root, ns, BAD_CAST "KmsError", NULL);
	if (err == NULL)
		goto fail;
	rc = add_text(err, ns, "ErrorCode", code);
	if (rc == XML_OK)
		rc = add_text(err, ns, "ErrorMsg", msg);
	if (rc != XML_OK) {
		status = rc;
		goto fail;
	}
	status = resp_finish(doc, out);
fail:
	xmlFreeDoc(doc);
	return status;
}

/* ---------------------------------------------------------------------
 * Key provisioning, the certificate cache, request bodies.
 */

#define KEY_MARK	"KMSKEY "	/* placeholder comment text */
#define KEY_MARK_OPEN	"<!--" KEY_MARK
#define KEYS_PER_SET	3		/* RSK, SSK, PVT */

/*
 * A key element with a placeholder: a comment "KMSKEY <i>" and an empty
 * text node (a text child keeps libxml2's indenting out of the element,
 * so the hex later written in place of the comment stands alone).  No
 * text of a request or of the store can serialise as "<!--": libxml2
 * escapes '<' in text and attribute values.
 */
static int
add_key_mark(xmlNodePtr parent, xmlNsPtr ns, xmlNsPtr xsi, const char *name,
    unsigned idx)
{
	xmlNodePtr	 el, c, t;
	char		 mark[32];

	el = xmlNewChild(parent, ns, BAD_CAST name, NULL);
	if (el == NULL || xmlNewNsProp(el, xsi, BAD_CAST "type",
	    BAD_CAST "KeyContentType") == NULL)
		return XML_ERR_MEMORY;
	snprintf(mark, sizeof(mark), KEY_MARK "%u", idx);
	if ((c = xmlNewComment(BAD_CAST mark)) == NULL)
		return XML_ERR_MEMORY;
	if (xmlAddChild(el, c) == NULL) {
		xmlFreeNode(c);
		return XML_ERR_MEMORY;
	}
	if ((t = xmlNewText(BAD_CAST "")) == NULL)
		return XML_ERR_MEMORY;
	if (xmlAddChild(el, t) == NULL) {
		xmlFreeNode(t);
		return XML_ERR_MEMORY;
	}
	return XML_OK;
}

static int
check_keyset(const struct kms_keyset_info *k)
{
	if (!xml_is_text(k->kms_uri) || k->kms_uri[0] == '\0' ||
	    !xml_is_text(k->user_uri) || k->user_uri[0] == '\0' ||
	    (k->cert_uri != NULL && !xml_is_text(k->cert_uri)) ||
	    (k->issuer != NULL && !xml_is_text(k->issuer)) ||
	    k->rsk == NULL || k->ssk == NULL || k->pvt == NULL)
		return XML_ERR_ARGS;
	return XML_OK;
}

/* KmsKeySet number i (D.3.3, element order of notes 3.6). */
static int
add_keyset(xmlNodePtr parent, xmlNsPtr ns, xmlNsPtr xsi,
    const struct kms_keyset_info *k, unsigned i)
{
	xmlNodePtr	 set;
	int		 rc;

	set = xmlNewChild(parent, ns, BAD_CAST "KmsKeySet", NULL);
	if (set == NULL || xmlNewProp(set, BAD_CAST "Version",
	    BAD_CAST XML_VER_KEYSET) == NULL)
		return XML_ERR_MEMORY;
	rc = add_text(set, ns, "KmsUri", k->kms_uri);
	if (rc == XML_OK)
		rc = add_opt_text(set, ns, "CertUri", k->cert_uri);
	if (rc == XML_OK)
		rc = add_opt_text(set, ns, "Issuer", k->issuer);
	if (rc == XML_OK)
		rc = add_text(set, ns, "UserUri", k->user_uri);
	if (rc == XML_OK)
		rc = add_hex(set, ns, "UserID", k->user_id,
		    sizeof(k->user_id));
	if (rc == XML_OK)
		rc = add_time(set, ns, "ValidFrom", k->valid_from);
	if (rc == XML_OK)
		rc = add_time(set, ns, "ValidTo", k->valid_to);
	if (rc == XML_OK)
		rc = add_u64(set, ns, "KeyPeriodNo", k->key_period_no);
	if (rc == XML_OK)
		rc = add_text(set, ns, "Revoked",
		    k->revoked ? "true" : "false");
	if (rc == XML_OK)
		rc = add_key_mark(set, ns, xsi, "UserDecryptKey",
		    KEYS_PER_SET * i);
	if (rc == XML_OK)
		rc = add_key_mark(set, ns, xsi, "UserSigningKeySSK",
		    KEYS_PER_SET * i + 1);
	if (rc == XML_OK)
		rc = add_key_mark(set, ns, xsi, "UserPubTokenPVT",
		    KEYS_PER_SET * i + 2);
	return rc;
}

/* Append len key octets as upper-case hex to out through a wiped buffer. */
static int
put_key_hex(struct buf *out, const uint8_t *v, size_t len)
{
	static const char	 digits[] = "0123456789ABCDEF";
	char			 hex[2 * SAKKE_POINT_LEN];
	size_t			 i;
	int			 rc;

	if (2 * len > sizeof(hex))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[v[i] >> 4];
		hex[2 * i + 1] = digits[v[i] & 0x0f];
	}
	rc = buf_add(out, hex, 2 * len);
	explicit_bzero(hex, sizeof(hex));	/* wipe: key hex */
	return rc;
}

/* Wipe what was appended to out since start and cut it back. */
static void
buf_cut(struct buf *out, size_t start)
{
	if (out->b_data == NULL || out->b_len <= start)
		return;
	explicit_bzero(out->b_data + start, out->b_len - start);
	out->b_len = start;
	out->b_data[start] = '\0';
}

/*
 * Copy the serialised text onto out, writing the hex of key number i
 * (sets[i / 3], RSK, SSK, PVT) in place of each placeholder comment.
 */
static int
splice_keys(const char *text, size_t len, const struct kms_keyset_info *sets,
    size_t n, struct buf *out)
{
	const char	*p = text, *end = text + len, *m, *c;
	size_t		 start = out->b_len;
	unsigned long	 idx;
	char		*e;
	int		 rc = 0, status = XML_ERR_GENERAL;

	while (p < end) {
		m = memmem(p, (size_t)(end - p), KEY_MARK_OPEN,
		    sizeof(KEY_MARK_OPEN) - 1);
		if (m == NULL) {
			rc = buf_add(out, p, (size_t)(end - p));
			break;
		}
		if ((rc = buf_add(out, p, (size_t)(m - p))) != 0)
			break;
		c = m + sizeof(KEY_MARK_OPEN) - 1;
		idx = strtoul(c, &e, 10);
		if (e == c || (size_t)(end - e) < 3 ||
		    memcmp(e, "-->", 3) != 0 || idx >= KEYS_PER_SET * n)
			goto fail;
		switch (idx % KEYS_PER_SET) {
		case 0:
			rc = put_key_hex(out, sets[idx / 3].rsk,
			    SAKKE_RSK_LEN);
			break;
		case 1:
			rc = put_key_hex(out, sets[idx / 3].ssk,
			    ECCSI_SCALAR_LEN);
			break;
		default:
			rc = put_key_hex(out, sets[idx / 3].pvt,
			    ECCSI_POINT_LEN);
			break;
		}
		if (rc != 0)
			break;
		p = e + 3;
	}
	if (rc == -E2BIG) {
		status = XML_ERR_SPACE;
		goto fail;
	}
	if (rc != 0) {
		status = XML_ERR_MEMORY;
		goto fail;
	}
	return XML_OK;
fail:
	buf_cut(out, start);
	return status;
}

/* see xml.h */
int
xml_keyprov_response(const struct kms_resp_meta *meta,
    const struct kms_keyset_info *sets, size_t n, struct buf *out)
{
	xmlDocPtr	 doc = NULL;
	xmlNodePtr	 root, msg, kp;
	xmlNsPtr	 ns, xsi;
	xmlChar		*mem = NULL;
	size_t		 i;
	int		 len = 0, status = XML_ERR_GENERAL, rc;

	if (out == NULL || n > XML_KEYSETS_MAX || (n > 0 && sets == NULL)) {
		status = XML_ERR_ARGS;
		goto fail;
	}
	for (i = 0; i < n; i++)
		if (check_keyset(&sets[i]) != XML_OK) {
			status = XML_ERR_ARGS;
			goto fail;
		}
	rc = resp_begin(meta, &doc, &root, &ns);
	if (rc != XML_OK) {
		status = rc;
		goto fail;
	}
	status = XML_ERR_MEMORY;
	if ((xsi = xmlNewNs(root, BAD_CAST XML_NS_XSI, BAD_CAST "xsi")) ==
	    NULL)
		goto fail;
	msg = xmlNewChild(root, ns, BAD_CAST "KmsMessage", NULL);
	if (msg == NULL)
		goto fail;
	kp = xmlNewChild(msg, ns, BAD_CAST "KmsKeyProv", NULL);
	if (kp == NULL || xmlNewProp(kp, BAD_CAST "Version",
	    BAD_CAST XML_VER_KEYPROV) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		rc = add_keyset(kp, ns, xsi, &sets[i], (unsigned)i);
		if (rc != XML_OK) {
			status = rc;
			goto fail;
		}
	}
	xmlDocDumpFormatMemoryEnc(doc, &mem, &len, "UTF-8", 1);
	if (mem == NULL || len <= 0)
		goto fail;
	status = splice_keys((const char *)mem, (size_t)len, sets, n, out);
fail:
	xmlFree(mem);
	xmlFreeDoc(doc);
	return status;
}

/*
 * The one hardened parser of this module (xml_parse_safe in xml_sec.c: no
 * network, no DTD, no entities, named size and depth limits), as a
 * document or NULL.
 */
static xmlDocPtr
parse_hardened(const char *data, size_t len)
{
	xmlDocPtr	 doc;

	if (xml_parse_safe((const uint8_t *)data, len, &doc) != XML_OK)
		return NULL;
	return doc;
}

static bool
is_kms_el(xmlNodePtr n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    xmlStrEqual(n->ns->href, BAD_CAST XML_NS_KMS) &&
	    xmlStrEqual(n->name, BAD_CAST name);
}

static xmlNodePtr
kms_child(xmlNodePtr parent, const char *name)
{
	xmlNodePtr	 c;

	for (c = parent->children; c != NULL; c = c->next)
		if (is_kms_el(c, name))
			return c;
	return NULL;
}

/* Trimmed text of el into out (out_size bytes); -1 when empty or long. */
static int
el_text(xmlNodePtr el, char *out, size_t out_size)
{
	xmlChar		*c;
	const char	*b, *e;
	int		 rc = -1;

	if (el == NULL || (c = xmlNodeGetContent(el)) == NULL)
		return -1;
	for (b = (const char *)c; *b == ' ' || *b == '\t' || *b == '\n' ||
	    *b == '\r'; b++)
		;
	e = b + strlen(b);
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		e--;
	if (e > b && (size_t)(e - b) < out_size) {
		memcpy(out, b, (size_t)(e - b));
		out[e - b] = '\0';
		rc = xml_is_text(out) ? 0 : -1;
	}
	xmlFree(c);
	return rc;
}

/* The KmsCertificate of a certificate document's root, or NULL. */
static xmlNodePtr
cert_of(xmlNodePtr root, bool *is_signed)
{
	if (is_kms_el(root, "KmsCertificate")) {
		*is_signed = false;
		return root;
	}
	if (is_kms_el(root, "SignedKmsCertificate")) {
		*is_signed = true;
		return kms_child(root, "KmsCertificate");
	}
	return NULL;
}

static int
cert_ref_of(xmlNodePtr root, struct kms_cert_ref *ref)
{
	xmlNodePtr	 cert;
	xmlChar		*role;

	memset(ref, 0, sizeof(*ref));
	if ((cert = cert_of(root, &ref->cr_signed)) == NULL)
		return XML_ERR_ARGS;
	if (el_text(kms_child(cert, "CertUri"), ref->cr_cert_uri,
	    sizeof(ref->cr_cert_uri)) != 0 ||
	    el_text(kms_child(cert, "KmsUri"), ref->cr_kms_uri,
	    sizeof(ref->cr_kms_uri)) != 0)
		return XML_ERR_ARGS;
	if ((role = xmlGetNoNsProp(cert, BAD_CAST "Role")) != NULL) {
		snprintf(ref->cr_role, sizeof(ref->cr_role), "%s",
		    (const char *)role);
		xmlFree(role);
	}
	return XML_OK;
}

/* see xml.h */
int
xml_cert_parse(const char *xml, size_t len, struct kms_cert_ref *ref)
{
	xmlDocPtr	 doc;
	int		 rc;

	if (ref == NULL || (doc = parse_hardened(xml, len)) == NULL)
		return XML_ERR_ARGS;
	rc = cert_ref_of(xmlDocGetRootElement(doc), ref);
	xmlFreeDoc(doc);
	return rc;
}

struct xml_certcache {
	xmlDocPtr	 cc_doc;
	xmlNodePtr	 cc_cache;	/* KmsCertCache */
	xmlNodePtr	 cc_first_plain;	/* first KmsCertificate child */
};

/* see xml.h */
int
xml_certcache_new(const struct kms_resp_meta *meta, uint64_t cache_num,
    struct xml_certcache **out)
{
	struct xml_certcache	*cc;
	xmlNodePtr		 root, msg;
	xmlNsPtr		 ns;
	char			 num[XML_U64_LEN];
	int			 rc;

	if (out == NULL)
		return XML_ERR_ARGS;
	*out = NULL;
	if ((cc = calloc(1, sizeof(*cc))) == NULL)
		return XML_ERR_MEMORY;
	rc = resp_begin(meta, &cc->cc_doc, &root, &ns);
	if (rc != XML_OK) {
		free(cc);
		return rc;
	}
	snprintf(num, sizeof(num), "%" PRIu64, cache_num);
	msg = xmlNewChild(root, ns, BAD_CAST "KmsMessage", NULL);
	if (msg == NULL || (cc->cc_cache = xmlNewChild(msg, ns,
	    BAD_CAST "KmsCertCache", NULL)) == NULL ||
	    xmlNewProp(cc->cc_cache, BAD_CAST "Version",
	    BAD_CAST XML_VER_CERTCACHE) == NULL ||
	    xmlNewProp(cc->cc_cache, BAD_CAST "CacheNum", BAD_CAST num) ==
	    NULL) {
		xml_certcache_free(cc);
		return XML_ERR_MEMORY;
	}
	*out = cc;
	return XML_OK;
}

/* see xml.h */
int
xml_certcache_add(struct xml_certcache *cc, const char *xml, size_t len)
{
	struct kms_cert_ref	 ref;
	xmlDocPtr		 doc;
	xmlNodePtr		 root, copy;
	int			 status = XML_ERR_ARGS;

	if (cc == NULL || (doc = parse_hardened(xml, len)) == NULL)
		return XML_ERR_ARGS;
	root = xmlDocGetRootElement(doc);
	if (cert_ref_of(root, &ref) != XML_OK)
		goto fail;
	status = XML_ERR_MEMORY;
	if ((copy = xmlDocCopyNode(root, cc->cc_doc, 1)) == NULL)
		goto fail;
	if (ref.cr_signed && cc->cc_first_plain != NULL)
		xmlAddPrevSibling(cc->cc_first_plain, copy);
	else
		xmlAddChild(cc->cc_cache, copy);
	if (!ref.cr_signed && cc->cc_first_plain == NULL)
		cc->cc_first_plain = copy;
	xmlReconciliateNs(cc->cc_doc, copy);
	status = XML_OK;
fail:
	xmlFreeDoc(doc);
	return status;
}

/* see xml.h */
int
xml_certcache_add_info(struct xml_certcache *cc,
    const struct kms_cert_info *cert)
{
	xmlNodePtr	 last;
	int		 rc;

	if (cc == NULL || check_cert(cert) != XML_OK)
		return XML_ERR_ARGS;
	rc = add_certificate(cc->cc_cache, cc->cc_cache->ns, cert);
	last = xmlGetLastChild(cc->cc_cache);
	if (rc == XML_OK && cc->cc_first_plain == NULL)
		cc->cc_first_plain = last;
	return rc;
}

/* see xml.h */
int
xml_certcache_finish(struct xml_certcache *cc, struct buf *out)
{
	if (cc == NULL || out == NULL)
		return XML_ERR_ARGS;
	return resp_finish(cc->cc_doc, out);
}

/* see xml.h */
void
xml_certcache_free(struct xml_certcache *cc)
{
	if (cc == NULL)
		return;
	xmlFreeDoc(cc->cc_doc);
	free(cc);
}

/* see xml.h */
int
xml_request_kind(const uint8_t *body, size_t len)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 root;
	size_t		 i;
	int		 kind = XML_ERR_ARGS;

	for (i = 0; i < len; i++)
		if (!(body[i] == ' ' || body[i] == '\t' || body[i] == '\n' ||
		    body[i] == '\r'))
			break;
	if (i == len)
		return XML_REQ_EMPTY;
	if ((doc = parse_hardened((const char *)body, len)) == NULL)
		return XML_ERR_ARGS;
	root = xmlDocGetRootElement(doc);
	if (is_kms_el(root, "KmsRequest"))
		kind = XML_REQ_PLAIN;
	else if (is_kms_el(root, "SignedKmsRequest"))
		kind = XML_REQ_SIGNED;
	xmlFreeDoc(doc);
	return kind;
}
