/*
 * xml_sec.c - the security extension of TS 33.180 Annex D on libxml2
 * trees: hardened parsing, HMAC-SHA256 XML signatures, RFC 5649 key
 * wrapping and AES-128-GCM of the KmsMessage, every key operation inside
 * hsm/ (see xml.h and docs/security-extension.md).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlIO.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "xml.h"

#define SHA256_LEN	32
#define B64_LEN(n)	(4 * (((n) + 2) / 3) + 1)	/* with NUL */

static pthread_once_t	 sec_once = PTHREAD_ONCE_INIT;

static void
sec_once_init(void)
{
	xmlInitParser();
}

/* see xml.h */
const char *
xml_strerror(int status)
{
	switch (status) {
	case XML_OK:		return "ok";
	case XML_ERR_GENERAL:	return "XML library failure";
	case XML_ERR_ARGS:	return "bad argument";
	case XML_ERR_MEMORY:	return "out of memory";
	case XML_ERR_SPACE:	return "output too large";
	case XML_ERR_TOO_BIG:	return "document too large";
	case XML_ERR_TOO_DEEP:	return "document nested too deeply";
	case XML_ERR_DOCTYPE:	return "DOCTYPE not allowed";
	case XML_ERR_ENTITY:	return "entity declarations not allowed";
	case XML_ERR_EXT_ENTITY: return "external entities not allowed";
	case XML_ERR_MALFORMED:	return "malformed XML";
	case XML_ERR_STRUCTURE:	return "XML does not match the KMS schema";
	case XML_ERR_SIG_KEY:	return "unknown signing key";
	case XML_ERR_SIG:	return "signature verification failed";
	case XML_ERR_KMS_URI:	return "KmsUri is not this KMS";
	case XML_ERR_TIME:	return "request Time outside the window";
	case XML_ERR_REQ_URL:	return "ClientReqUrl does not match the "
				    "request URL";
	case XML_ERR_HSM:	return "key store failure";
	default:		return "unknown error";
	}
}

/* --- hardened parsing ----------------------------------------------- */

struct parse_state {
	int		 ps_depth;
	bool		 ps_doctype;
	bool		 ps_entity;
	bool		 ps_ext_entity;
	bool		 ps_too_deep;
};

static struct parse_state *
pstate(void *ctx)
{
	return ((xmlParserCtxtPtr)ctx)->_private;
}

/* <!DOCTYPE ...>: note it, build no DTD node, load nothing. */
static void
sax_internal_subset(void *ctx, const xmlChar *name, const xmlChar *ext_id,
    const xmlChar *sys_id)
{
	pstate(ctx)->ps_doctype = true;
}

static void
sax_external_subset(void *ctx, const xmlChar *name, const xmlChar *ext_id,
    const xmlChar *sys_id)
{
	pstate(ctx)->ps_doctype = true;
}

/* An entity declaration stops the parser before any use of it. */
static void
sax_entity_decl(void *ctx, const xmlChar *name, int type,
    const xmlChar *public_id, const xmlChar *system_id, xmlChar *content)
{
	struct parse_state	*ps = pstate(ctx);

	ps->ps_doctype = true;
	if (system_id != NULL || public_id != NULL ||
	    type == XML_EXTERNAL_GENERAL_PARSED_ENTITY ||
	    type == XML_EXTERNAL_GENERAL_UNPARSED_ENTITY ||
	    type == XML_EXTERNAL_PARAMETER_ENTITY)
		ps->ps_ext_entity = true;
	else
		ps->ps_entity = true;
	xmlStopParser(ctx);
}

static xmlEntityPtr
sax_get_entity(void *ctx, const xmlChar *name)
{
	return NULL;
}

static xmlParserInputPtr
sax_resolve_entity(void *ctx, const xmlChar *public_id,
    const xmlChar *system_id)
{
	pstate(ctx)->ps_ext_entity = true;
	xmlStopParser(ctx);
	return NULL;
}

static void
sax_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
    int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	struct parse_state	*ps = pstate(ctx);

	if (++ps->ps_depth > XML_DEPTH_MAX) {
		ps->ps_too_deep = true;
		xmlStopParser(ctx);
		return;
	}
	xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces,
	    namespaces, nb_attributes, nb_defaulted, attributes);
}

static void
sax_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri)
{
	struct parse_state	*ps = pstate(ctx);

	if (ps->ps_too_deep)
		return;
	ps->ps_depth--;
	xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

/* see xml.h */
int
xml_parse_safe(const uint8_t *data, size_t len, xmlDocPtr *out)
{
	xmlParserCtxtPtr	 ctxt = NULL;
	struct parse_state	 ps;
	xmlDocPtr		 doc = NULL;
	int			 status = XML_ERR_GENERAL;

	if (out != NULL)
		*out = NULL;
	if (data == NULL || out == NULL || len == 0)
		return XML_ERR_ARGS;
	if (len > XML_DOC_MAX)
		return XML_ERR_TOO_BIG;
	pthread_once(&sec_once, sec_once_init);
	memset(&ps, 0, sizeof(ps));
	ctxt = xmlCreateMemoryParserCtxt((const char *)data, (int)len);
	if (ctxt == NULL)
		return XML_ERR_MEMORY;
	/*
	 * Options first (xmlCtxtUseOptions edits the SAX table), then our
	 * handlers.  Absent on purpose: NOENT, DTDLOAD, DTDATTR, DTDVALID,
	 * XINCLUDE, HUGE.
	 */
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR |
	    XML_PARSE_NOWARNING | XML_PARSE_NOXINCNODE);
	ctxt->_private = &ps;
	ctxt->replaceEntities = 0;
	ctxt->loadsubset = 0;
	ctxt->sax->internalSubset = sax_internal_subset;
	ctxt->sax->externalSubset = sax_external_subset;
	ctxt->sax->entityDecl = sax_entity_decl;
	ctxt->sax->getEntity = sax_get_entity;
	ctxt->sax->getParameterEntity = sax_get_entity;
	ctxt->sax->resolveEntity = sax_resolve_entity;
	ctxt->sax->startElementNs = sax_start;
	ctxt->sax->endElementNs = sax_end;
	ctxt->sax->serror = NULL;
	ctxt->sax->error = NULL;
	ctxt->sax->warning = NULL;
	ctxt->sax->fatalError = NULL;
	ctxt->vctxt.error = NULL;
	ctxt->vctxt.warning = NULL;

	(void)xmlParseDocument(ctxt);
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	if (ps.ps_ext_entity)
		status = XML_ERR_EXT_ENTITY;
	else if (ps.ps_entity)
		status = XML_ERR_ENTITY;
	else if (ps.ps_doctype)
		status = XML_ERR_DOCTYPE;
	else if (ps.ps_too_deep)
		status = XML_ERR_TOO_DEEP;
	else if (!ctxt->wellFormed || !ctxt->nsWellFormed || doc == NULL ||
	    xmlDocGetRootElement(doc) == NULL || doc->intSubset != NULL)
		status = XML_ERR_MALFORMED;
	else {
		*out = doc;
		doc = NULL;
		status = XML_OK;
	}
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return status;
}

/* see xml.h */
int
xml_doc_write(xmlDocPtr doc, struct buf *out)
{
	xmlChar		*mem = NULL;
	int		 len = 0, rc;
	int		 status = XML_ERR_GENERAL;

	if (doc == NULL || out == NULL)
		return XML_ERR_ARGS;
	xmlDocDumpFormatMemoryEnc(doc, &mem, &len, "UTF-8", 0);
	if (mem == NULL || len <= 0) {
		status = XML_ERR_MEMORY;
		goto fail;
	}
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

/* --- small tree helpers ---------------------------------------------- */

static bool
is_ns(const xmlNode *n, const char *href)
{
	if (href == NULL)
		return n->ns == NULL;
	return n->ns != NULL && n->ns->href != NULL &&
	    strcmp((const char *)n->ns->href, href) == 0;
}

/* An element of ours: the interface namespace, Rel-14's, or none. */
static bool
is_kms(const xmlNode *n, const char *name)
{
	if (n == NULL || n->type != XML_ELEMENT_NODE ||
	    strcmp((const char *)n->name, name) != 0)
		return false;
	return n->ns == NULL || is_ns(n, XML_NS_KMS) ||
	    is_ns(n, XML_NS_SECEXT);
}

static bool
is_el(const xmlNode *n, const char *href, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0 && is_ns(n, href);
}

/* The only element child of parent named (href, name); NULL if none or
 * several. */
static xmlNodePtr
only_child(xmlNodePtr parent, const char *href, const char *name)
{
	xmlNodePtr	 c, found = NULL;

	for (c = parent->children; c != NULL; c = c->next) {
		if (!is_el(c, href, name))
			continue;
		if (found != NULL)
			return NULL;
		found = c;
	}
	return found;
}

static xmlNsPtr
get_ns(xmlNodePtr el, const char *href, const char *prefix)
{
	xmlNsPtr	 ns;

	ns = xmlSearchNsByHref(el->doc, el, BAD_CAST href);
	if (ns != NULL)
		return ns;
	return xmlNewNs(el, BAD_CAST href, BAD_CAST prefix);
}

/* A new last child of parent in namespace href (declared if needed). */
static xmlNodePtr
add_el(xmlNodePtr parent, const char *href, const char *prefix,
    const char *name, const char *text)
{
	xmlNodePtr	 el;
	xmlNsPtr	 ns;

	el = xmlNewDocNode(parent->doc, NULL, BAD_CAST name, NULL);
	if (el == NULL)
		return NULL;
	if (xmlAddChild(parent, el) == NULL) {
		xmlFreeNode(el);
		return NULL;
	}
	ns = get_ns(el, href, prefix);
	if (ns == NULL)
		return NULL;	/* freed with the tree */
	xmlSetNs(el, ns);
	if (text != NULL) {
		xmlNodeAddContent(el, BAD_CAST text);
		if (text[0] != '\0' && el->children == NULL)
			return NULL;
	}
	return el;
}

static xmlNodePtr
add_alg(xmlNodePtr parent, const char *href, const char *prefix,
    const char *name, const char *alg)
{
	xmlNodePtr	 el;

	el = add_el(parent, href, prefix, name, NULL);
	if (el == NULL ||
	    xmlNewProp(el, BAD_CAST "Algorithm", BAD_CAST alg) == NULL)
		return NULL;
	return el;
}

/* base64 of in into a new NUL-terminated string (free()). */
static char *
b64_encode(const uint8_t *in, size_t len)
{
	char	*s;

	if (len > INT32_MAX / 2)
		return NULL;
	s = malloc(B64_LEN(len));
	if (s == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)s, in, (int)len);
	return s;
}

/*
 * Decode base64 text (whitespace allowed, as xmlsec1 writes lines) into
 * out (out_size bytes).  -1 when it is not base64 or does not fit.
 */
static int
b64_decode(const char *in, uint8_t *out, size_t out_size, size_t *out_len)
{
	char		*t;
	size_t		 i, n = 0, pad = 0, len = strlen(in);
	int		 dl;
	uint8_t		*tmp;

	*out_len = 0;
	t = malloc(len + 1);
	if (t == NULL)
		return -1;
	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)in[i]))
			t[n++] = in[i];
	t[n] = '\0';
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > out_size + 2) {
		free(t);
		return -1;
	}
	if (t[n - 1] == '=')
		pad++;
	if (t[n - 2] == '=')
		pad++;
	tmp = malloc(n / 4 * 3);
	if (tmp == NULL) {
		free(t);
		return -1;
	}
	dl = EVP_DecodeBlock(tmp, (unsigned char *)t, (int)n);
	free(t);
	if (dl < 0 || (size_t)dl != n / 4 * 3 || (size_t)dl - pad > out_size) {
		OPENSSL_cleanse(tmp, n / 4 * 3);
		free(tmp);
		return -1;
	}
	memcpy(out, tmp, (size_t)dl - pad);
	*out_len = (size_t)dl - pad;
	OPENSSL_cleanse(tmp, n / 4 * 3);
	free(tmp);
	return 0;
}

/* --- canonicalisation ----------------------------------------------- */

/* The node set of a canonicalisation: the subtree of apex, with or
 * without apex itself, minus the subtree of exclude. */
struct c14n_set {
	xmlNodePtr	 cs_apex;
	xmlNodePtr	 cs_exclude;
	bool		 cs_no_apex;
};

static bool
in_subtree(xmlNodePtr n, xmlNodePtr top)
{
	for (; n != NULL; n = n->parent)
		if (n == top)
			return true;
	return false;
}

/*
 * libxml2 asks about element, text and comment nodes with their parent,
 * and about attribute and namespace nodes with the element that holds
 * them; those belong to the set when that element does.
 */
static int
c14n_visible(void *user, xmlNodePtr node, xmlNodePtr parent)
{
	struct c14n_set	*cs = user;
	xmlNodePtr	 n = node;

	if (node == NULL)
		return 0;
	if (node->type == XML_NAMESPACE_DECL ||
	    node->type == XML_ATTRIBUTE_NODE)
		n = parent;
	if (n == NULL || !in_subtree(n, cs->cs_apex))
		return 0;
	if (cs->cs_no_apex && n == cs->cs_apex)
		return 0;
	if (cs->cs_exclude != NULL && in_subtree(n, cs->cs_exclude))
		return 0;
	return 1;
}

/* Canonical form of the node set into *out (xmlFree) and *out_len. */
static int
c14n(xmlDocPtr doc, const struct c14n_set *cs, int mode, int comments,
    xmlChar **out, size_t *out_len)
{
	xmlOutputBufferPtr	 ob;
	const xmlChar		*content;
	size_t			 size;
	int			 status = XML_ERR_GENERAL;

	*out = NULL;
	*out_len = 0;
	ob = xmlAllocOutputBuffer(NULL);
	if (ob == NULL)
		return XML_ERR_MEMORY;
	if (xmlC14NExecute(doc, c14n_visible, (void *)cs, mode, NULL,
	    comments, ob) < 0)
		goto fail;
	if (xmlOutputBufferFlush(ob) < 0)
		goto fail;
	content = xmlOutputBufferGetContent(ob);
	size = xmlOutputBufferGetSize(ob);
	if (content == NULL)
		goto fail;
	*out = xmlMalloc(size + 1);
	if (*out == NULL) {
		status = XML_ERR_MEMORY;
		goto fail;
	}
	memcpy(*out, content, size);
	(*out)[size] = '\0';
	*out_len = size;
	status = XML_OK;
 fail:
	xmlOutputBufferClose(ob);
	return status;
}

/* The C14N method of an Algorithm URI; -1 when we do not accept it. */
static int
c14n_mode(const char *alg, int *comments)
{
	*comments = 0;
	if (strcmp(alg, XML_ALG_C14N) == 0)
		return XML_C14N_1_0;
	if (strcmp(alg, XML_ALG_EXC_C14N) == 0)
		return XML_C14N_EXCLUSIVE_1_0;
	*comments = 1;
	if (strcmp(alg, XML_ALG_C14N_WC) == 0)
		return XML_C14N_1_0;
	if (strcmp(alg, XML_ALG_EXC_C14N_WC) == 0)
		return XML_C14N_EXCLUSIVE_1_0;
	return -1;
}

/* --- key wrapping ----------------------------------------------------- */

static bool
key_ok(const struct xml_sec_key *k)
{
	return k != NULL && k->xk_hsm != NULL && k->xk_id != HSM_KEY_NONE &&
	    xml_is_text(k->xk_name) && k->xk_name[0] != '\0';
}

/*
 * Append an xenc:EncryptedKey to parent: EncryptionMethod alg,
 * ds:KeyInfo/ds:KeyName key_name, CipherValue base64(cv), and
 * CarriedKeyName when carried is not NULL.
 */
static int
add_enc_key(xmlNodePtr parent, const char *type, const char *alg,
    const char *key_name, const uint8_t *cv, size_t cv_len,
    const char *carried)
{
	xmlNodePtr	 ek, ki, cd;
	char		*b64 = NULL;
	int		 status = XML_ERR_MEMORY;

	b64 = b64_encode(cv, cv_len);
	if (b64 == NULL)
		goto fail;
	ek = add_el(parent, XML_NS_XENC, "xenc", "EncryptedKey", NULL);
	if (ek == NULL)
		goto fail;
	if (type != NULL &&
	    xmlNewProp(ek, BAD_CAST "Type", BAD_CAST type) == NULL)
		goto fail;
	if (add_alg(ek, XML_NS_XENC, "xenc", "EncryptionMethod", alg) == NULL)
		goto fail;
	ki = add_el(ek, XML_NS_DSIG, "ds", "KeyInfo", NULL);
	if (ki == NULL ||
	    add_el(ki, XML_NS_DSIG, "ds", "KeyName", key_name) == NULL)
		goto fail;
	cd = add_el(ek, XML_NS_XENC, "xenc", "CipherData", NULL);
	if (cd == NULL ||
	    add_el(cd, XML_NS_XENC, "xenc", "CipherValue", b64) == NULL)
		goto fail;
	if (carried != NULL && add_el(ek, XML_NS_XENC, "xenc",
	    "CarriedKeyName", carried) == NULL)
		goto fail;
	status = XML_OK;
 fail:
	free(b64);
	return status;
}

/* xsi:type="<prefix:>type" on el, type in el's namespace. */
static int
set_xsi_type(xmlNodePtr el, const char *type)
{
	char		 v[128];
	xmlNsPtr	 xsi;

	if (el->ns != NULL && el->ns->prefix != NULL)
		snprintf(v, sizeof(v), "%s:%s", (const char *)el->ns->prefix,
		    type);
	else
		snprintf(v, sizeof(v), "%s", type);
	xsi = get_ns(el, XML_NS_XSI, "xsi");
	if (xsi == NULL || xmlSetNsProp(el, xsi, BAD_CAST "type",
	    BAD_CAST v) == NULL)
		return XML_ERR_MEMORY;
	return XML_OK;
}

static int
hsm_to_xml(enum hsm_status st)
{
	switch (st) {
	case HSM_OK:		return XML_OK;
	case HSM_ERR_MEMORY:	return XML_ERR_MEMORY;
	case HSM_ERR_ARGS:	return XML_ERR_ARGS;
	default:		return XML_ERR_HSM;
	}
}

/* see xml.h */
int
xml_sec_add_wrapped(xmlNodePtr parent, const char *name,
    const struct xml_sec_key *trk, const char *alg_uri,
    const uint8_t *material, size_t len)
{
	uint8_t		 w[HSM_KWP_LEN(HSM_WRAP_MATERIAL_MAX)];
	size_t		 wlen = 0;
	xmlNodePtr	 el = NULL;
	enum hsm_status	 st;
	int		 status = XML_ERR_ARGS;

	if (parent == NULL || parent->type != XML_ELEMENT_NODE ||
	    name == NULL || !key_ok(trk) || material == NULL || len == 0 ||
	    len > HSM_WRAP_MATERIAL_MAX)
		return XML_ERR_ARGS;
	if (alg_uri == NULL)
		alg_uri = XML_ALG_KW_AES256;
	if (!xml_is_text(alg_uri))
		return XML_ERR_ARGS;
	pthread_once(&sec_once, sec_once_init);
	st = hsm_wrap_material(trk->xk_hsm, trk->xk_id, material, len, w,
	    sizeof(w), &wlen);
	if (st != HSM_OK) {
		status = hsm_to_xml(st);
		goto fail;
	}
	status = XML_ERR_MEMORY;
	el = xmlNewDocNode(parent->doc, parent->ns, BAD_CAST name, NULL);
	if (el == NULL)
		goto fail;
	if (xmlAddChild(parent, el) == NULL) {
		xmlFreeNode(el);
		el = NULL;
		goto fail;
	}
	status = set_xsi_type(el, "EncKeyContentType");
	if (status == XML_OK)
		status = add_enc_key(el, NULL, alg_uri, trk->xk_name, w, wlen,
		    NULL);
 fail:
	if (status != XML_OK && el != NULL) {
		xmlUnlinkNode(el);
		xmlFreeNode(el);
	}
	OPENSSL_cleanse(w, sizeof(w));
	return status;
}

/* A text child in parent's namespace. */
static int
add_kms_text(xmlNodePtr parent, const char *name, const char *text)
{
	if (text == NULL || !xml_is_text(text))
		return XML_ERR_ARGS;
	if (xmlNewTextChild(parent, parent->ns, BAD_CAST name,
	    BAD_CAST text) == NULL)
		return XML_ERR_MEMORY;
	return XML_OK;
}

static int
add_kms_time(xmlNodePtr parent, const char *name, int64_t t)
{
	char	 ts[XML_TIME_LEN];

	if (xml_format_time(t, ts, sizeof(ts)) != XML_OK)
		return XML_ERR_ARGS;
	return add_kms_text(parent, name, ts);
}

static int
add_keyset(xmlNodePtr kp, const struct kms_keyset_info *k,
    const struct xml_sec_key *trk, const char *alg_uri)
{
	static const char hexd[] = "0123456789ABCDEF";
	char		 uid[2 * XML_UID_LEN + 1], num[24];
	xmlNodePtr	 ks;
	size_t		 i;
	int		 rc;

	if (k->rsk == NULL || k->ssk == NULL || k->pvt == NULL)
		return XML_ERR_ARGS;
	ks = xmlNewChild(kp, kp->ns, BAD_CAST "KmsKeySet", NULL);
	if (ks == NULL || xmlNewProp(ks, BAD_CAST "Version",
	    BAD_CAST XML_VER_KEYSET) == NULL)
		return XML_ERR_MEMORY;
	for (i = 0; i < XML_UID_LEN; i++) {
		uid[2 * i] = hexd[k->user_id[i] >> 4];
		uid[2 * i + 1] = hexd[k->user_id[i] & 0xf];
	}
	uid[2 * XML_UID_LEN] = '\0';
	snprintf(num, sizeof(num), "%" PRIu64, k->key_period_no);
	rc = add_kms_text(ks, "KmsUri", k->kms_uri);
	if (rc == XML_OK && k->cert_uri != NULL && k->cert_uri[0] != '\0')
		rc = add_kms_text(ks, "CertUri", k->cert_uri);
	if (rc == XML_OK && k->issuer != NULL && k->issuer[0] != '\0')
		rc = add_kms_text(ks, "Issuer", k->issuer);
	if (rc == XML_OK)
		rc = add_kms_text(ks, "UserUri", k->user_uri);
	if (rc == XML_OK)
		rc = add_kms_text(ks, "UserID", uid);
	if (rc == XML_OK)
		rc = add_kms_time(ks, "ValidFrom", k->valid_from);
	if (rc == XML_OK)
		rc = add_kms_time(ks, "ValidTo", k->valid_to);
	if (rc == XML_OK)
		rc = add_kms_text(ks, "KeyPeriodNo", num);
	if (rc == XML_OK)
		rc = add_kms_text(ks, "Revoked", k->revoked ? "true" : "false");
	if (rc == XML_OK)
		rc = xml_sec_add_wrapped(ks, "UserDecryptKey", trk, alg_uri,
		    k->rsk, SAKKE_RSK_LEN);
	if (rc == XML_OK)
		rc = xml_sec_add_wrapped(ks, "UserSigningKeySSK", trk, alg_uri,
		    k->ssk, ECCSI_SCALAR_LEN);
	if (rc == XML_OK)
		rc = xml_sec_add_wrapped(ks, "UserPubTokenPVT", trk, alg_uri,
		    k->pvt, ECCSI_POINT_LEN);
	return rc;
}

/* see xml.h */
int
xml_sec_keyprov_doc(const struct kms_resp_meta *meta,
    const struct kms_keyset_info *sets, size_t n,
    const struct xml_sec_key *trk, const char *alg_uri, xmlDocPtr *out)
{
	xmlDocPtr	 doc = NULL;
	xmlNodePtr	 root, msg, kp;
	xmlNsPtr	 ns;
	size_t		 i;
	int		 status = XML_ERR_MEMORY;

	if (out != NULL)
		*out = NULL;
	if (meta == NULL || out == NULL || (n > 0 && sets == NULL) ||
	    n > XML_KEYSETS_MAX || !key_ok(trk))
		return XML_ERR_ARGS;
	pthread_once(&sec_once, sec_once_init);
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
	status = add_kms_text(root, "UserUri", meta->user_uri);
	if (status == XML_OK)
		status = add_kms_text(root, "KmsUri", meta->kms_uri);
	if (status == XML_OK)
		status = add_kms_time(root, "Time", meta->time);
	if (status == XML_OK && meta->kms_id != NULL &&
	    meta->kms_id[0] != '\0')
		status = add_kms_text(root, "KmsId", meta->kms_id);
	if (status == XML_OK)
		status = add_kms_text(root, "ClientReqUrl",
		    meta->client_req_url);
	if (status != XML_OK)
		goto fail;
	status = XML_ERR_MEMORY;
	msg = xmlNewChild(root, ns, BAD_CAST "KmsMessage", NULL);
	kp = msg == NULL ? NULL :
	    xmlNewChild(msg, ns, BAD_CAST "KmsKeyProv", NULL);
	if (kp == NULL || xmlNewProp(kp, BAD_CAST "Version",
	    BAD_CAST XML_VER_KEYPROV) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		status = add_keyset(kp, &sets[i], trk, alg_uri);
		if (status != XML_OK)
			goto fail;
	}
	*out = doc;
	return XML_OK;
 fail:
	xmlFreeDoc(doc);
	return status;
}

/* see xml.h */
xmlNodePtr
xml_sec_payload(xmlDocPtr doc)
{
	xmlNodePtr	 n, msg = NULL, c;

	if (doc == NULL)
		return NULL;
	n = xmlDocGetRootElement(doc);
	if (is_kms(n, "SignedKmsResponse"))
		for (n = n->children; n != NULL && !is_kms(n, "KmsResponse");
		    n = n->next)
			;
	if (!is_kms(n, "KmsResponse"))
		return NULL;
	for (c = n->children; c != NULL; c = c->next)
		if (is_kms(c, "KmsMessage"))
			msg = c;
	if (msg == NULL)
		return NULL;
	for (c = msg->children; c != NULL; c = c->next)
		if (is_kms(c, "KmsInit") || is_kms(c, "KmsKeyProv") ||
		    is_kms(c, "KmsCertCache"))
			return c;
	return NULL;
}

/* see xml.h */
int
xml_sec_add_new_key(xmlNodePtr payload, enum hsm_key_class kc,
    const char *kek_name, const uint8_t *wrapped, size_t wrapped_len,
    const char *carried_name)
{
	const char	*name, *type;
	xmlNodePtr	 el, c;
	int		 status;

	if (payload == NULL || kek_name == NULL || !xml_is_text(kek_name) ||
	    carried_name == NULL || !xml_is_text(carried_name) ||
	    wrapped == NULL || wrapped_len == 0 ||
	    wrapped_len > HSM_KWP_LEN(HSM_WRAP_MATERIAL_MAX))
		return XML_ERR_ARGS;
	if (kc == HSM_KC_TRK)
		name = "NewTransportKey";
	else if (kc == HSM_KC_INK)
		name = "NewIntegrityKey";
	else
		return XML_ERR_ARGS;
	if (is_kms(payload, "KmsInit"))
		type = "KmsInitTkIkType";
	else if (is_kms(payload, "KmsKeyProv"))
		type = "KmsKeyProvTkIkType";
	else
		return XML_ERR_ARGS;
	pthread_once(&sec_once, sec_once_init);
	status = set_xsi_type(payload, type);
	if (status != XML_OK)
		return status;
	el = xmlNewDocNode(payload->doc, payload->ns, BAD_CAST name, NULL);
	if (el == NULL)
		return XML_ERR_MEMORY;
	/* NewTransportKey elements go before any NewIntegrityKey. */
	c = NULL;
	if (kc == HSM_KC_TRK)
		for (c = payload->children; c != NULL; c = c->next)
			if (is_kms(c, "NewIntegrityKey"))
				break;
	if ((c != NULL ? xmlAddPrevSibling(c, el) :
	    xmlAddChild(payload, el)) == NULL) {
		xmlFreeNode(el);
		return XML_ERR_MEMORY;
	}
	status = add_enc_key(el, XML_ENC_KEY_TYPE, XML_ALG_KW_AES256, kek_name,
	    wrapped, wrapped_len, carried_name);
	if (status != XML_OK) {
		xmlUnlinkNode(el);
		xmlFreeNode(el);
	}
	return status;
}

/* --- confidentiality ------------------------------------------------- */

static xmlNodePtr
kms_response(xmlDocPtr doc)
{
	xmlNodePtr	 root;

	if (doc == NULL)
		return NULL;
	root = xmlDocGetRootElement(doc);
	return is_kms(root, "KmsResponse") ? root : NULL;
}

/* A new element of the interface namespace (as sibling's) after sibling. */
static xmlNodePtr
add_after(xmlNodePtr sibling, xmlNsPtr ns, const char *name,
    const char *text)
{
	xmlNodePtr	 el;

	el = xmlNewDocNode(sibling->doc, ns, BAD_CAST name, NULL);
	if (el == NULL)
		return NULL;
	if (text != NULL)
		xmlNodeAddContent(el, BAD_CAST text);
	if (xmlAddNextSibling(sibling, el) == NULL) {
		xmlFreeNode(el);
		return NULL;
	}
	return el;
}

/* see xml.h */
int
xml_sec_encrypt(xmlDocPtr doc, const struct xml_sec_key *trk, bool element)
{
	struct c14n_set	 cs;
	xmlNodePtr	 resp, msg, ed, ki, cd, c, next, anchor;
	xmlChar		*pt = NULL;
	size_t		 pt_len = 0, ct_len = 0, wlen = 0;
	uint8_t		*ct = NULL, wcek[HSM_GCM_WRAPPED_CEK_LEN];
	char		*b64 = NULL;
	enum hsm_status	 st;
	int		 status = XML_ERR_ARGS;

	resp = kms_response(doc);
	if (resp == NULL || !key_ok(trk))
		return XML_ERR_ARGS;
	msg = only_child(resp, resp->ns != NULL ?
	    (const char *)resp->ns->href : NULL, "KmsMessage");
	if (msg == NULL)
		return XML_ERR_ARGS;
	for (c = resp->children; c != NULL; c = c->next)
		if (is_kms(c, "TrK-ID") || is_kms(c, "Signature-ID"))
			return XML_ERR_ARGS;	/* protected already */
	pthread_once(&sec_once, sec_once_init);

	/* The plaintext: KmsMessage, or its content, canonical. */
	cs.cs_apex = msg;
	cs.cs_exclude = NULL;
	cs.cs_no_apex = !element;
	status = c14n(doc, &cs, XML_C14N_1_0, 0, &pt, &pt_len);
	if (status != XML_OK)
		goto fail;
	if (pt_len == 0 || pt_len > HSM_GCM_MAX) {
		status = XML_ERR_ARGS;
		goto fail;
	}
	status = XML_ERR_MEMORY;
	ct = malloc(HSM_GCM_LEN(pt_len));
	if (ct == NULL)
		goto fail;
	st = hsm_gcm_seal(trk->xk_hsm, trk->xk_id, pt, pt_len, NULL, 0, ct,
	    HSM_GCM_LEN(pt_len), &ct_len, wcek, sizeof(wcek), &wlen);
	if (st != HSM_OK) {
		status = hsm_to_xml(st);
		goto fail;
	}
	b64 = b64_encode(ct, ct_len);
	if (b64 == NULL)
		goto fail;

	/* EncryptedData, built beside the KmsMessage, then swapped in. */
	ed = xmlNewDocNode(doc, NULL, BAD_CAST "EncryptedData", NULL);
	if (ed == NULL)
		goto fail;
	if (xmlAddNextSibling(msg, ed) == NULL) {
		xmlFreeNode(ed);
		goto fail;
	}
	xmlSetNs(ed, xmlNewNs(ed, BAD_CAST XML_NS_XENC, BAD_CAST "xenc"));
	if (ed->ns == NULL || xmlNewProp(ed, BAD_CAST "Type",
	    BAD_CAST (element ? XML_ENC_ELEMENT : XML_ENC_CONTENT)) == NULL)
		goto fail;
	if (add_alg(ed, XML_NS_XENC, "xenc", "EncryptionMethod",
	    XML_ALG_AES128_GCM) == NULL)
		goto fail;
	ki = add_el(ed, XML_NS_DSIG, "ds", "KeyInfo", NULL);
	if (ki == NULL)
		goto fail;
	status = add_enc_key(ki, NULL, XML_ALG_KW_AES256, trk->xk_name, wcek,
	    wlen, NULL);
	if (status != XML_OK)
		goto fail;
	status = XML_ERR_MEMORY;
	cd = add_el(ed, XML_NS_XENC, "xenc", "CipherData", NULL);
	if (cd == NULL ||
	    add_el(cd, XML_NS_XENC, "xenc", "CipherValue", b64) == NULL)
		goto fail;
	xmlUnlinkNode(ed);
	if (element) {
		if (xmlAddNextSibling(msg, ed) == NULL) {
			xmlFreeNode(ed);
			goto fail;
		}
		xmlUnlinkNode(msg);
		xmlFreeNode(msg);
		anchor = ed;
	} else {
		for (c = msg->children; c != NULL; c = next) {
			next = c->next;
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
		if (xmlAddChild(msg, ed) == NULL) {
			xmlFreeNode(ed);
			goto fail;
		}
		anchor = msg;
	}
	if (add_after(anchor, resp->ns, "TrK-ID", trk->xk_name) == NULL)
		goto fail;
	status = XML_OK;
 fail:
	if (pt != NULL) {
		OPENSSL_cleanse(pt, pt_len);
		xmlFree(pt);
	}
	free(ct);
	free(b64);
	OPENSSL_cleanse(wcek, sizeof(wcek));
	return status;
}

/* --- signing ---------------------------------------------------------- */

/* Signature-ID goes after the last of these (XSD order). */
static bool
before_sig_id(const xmlNode *n)
{
	static const char *const names[] = { "UserUri", "KmsUri", "Time",
	    "KmsId", "ClientReqUrl", "KmsMessage", "TrK-ID" };
	size_t	 i;

	if (is_el(n, XML_NS_XENC, "EncryptedData"))
		return true;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (is_kms(n, names[i]))
			return true;
	return false;
}

static int
digest_b64(const xmlChar *data, size_t len, char out[B64_LEN(SHA256_LEN)])
{
	uint8_t	 d[SHA256_LEN];

	if (SHA256(data, len, d) == NULL)
		return XML_ERR_GENERAL;
	EVP_EncodeBlock((unsigned char *)out, d, SHA256_LEN);
	return XML_OK;
}

/* see xml.h */
int
xml_sec_sign(xmlDocPtr doc, const struct xml_sec_key *key, const char *id,
    unsigned hmac_bits)
{
	struct c14n_set	 cs;
	xmlNodePtr	 resp, c, last = NULL, sroot, sig, si, sm, ref, tr, dv;
	xmlNodePtr	 ki;
	xmlNsPtr	 ns;
	xmlChar		*data = NULL;
	size_t		 len = 0, mlen = 0;
	uint8_t		 mac[HSM_HMAC_LEN];
	char		 dig[B64_LEN(SHA256_LEN)], sv[B64_LEN(HSM_HMAC_LEN)];
	char		 bits[16], uri[XML_STR_MAX + 2];
	enum hsm_status	 st;
	int		 status = XML_ERR_ARGS;

	if (id == NULL)
		id = XML_SIGN_ID;
	resp = kms_response(doc);
	if (resp == NULL || !key_ok(key) || !xml_is_text(id) ||
	    id[0] == '\0' || strchr(id, '#') != NULL ||
	    hmac_bits < XML_HMAC_BITS_MIN || hmac_bits > XML_HMAC_BITS_MAX ||
	    hmac_bits % 8 != 0)
		return XML_ERR_ARGS;
	for (c = resp->children; c != NULL; c = c->next) {
		if (is_kms(c, "Signature-ID"))
			return XML_ERR_ARGS;	/* signed already */
		if (before_sig_id(c))
			last = c;
	}
	if (last == NULL)
		return XML_ERR_ARGS;
	pthread_once(&sec_once, sec_once_init);
	status = XML_ERR_MEMORY;
	if (add_after(last, resp->ns, "Signature-ID", key->xk_name) == NULL)
		goto fail;

	/* SignedKmsResponse(Id) around the KmsResponse. */
	sroot = xmlNewDocNode(doc, NULL, BAD_CAST "SignedKmsResponse", NULL);
	if (sroot == NULL)
		goto fail;
	ns = xmlNewNs(sroot, BAD_CAST XML_NS_KMS, NULL);
	if (ns == NULL) {
		xmlFreeNode(sroot);
		goto fail;
	}
	xmlSetNs(sroot, ns);
	(void)xmlDocSetRootElement(doc, sroot);	/* unlinks resp */
	if (xmlAddChild(sroot, resp) == NULL) {
		xmlFreeNode(resp);
		goto fail;
	}
	if (xmlNewProp(sroot, BAD_CAST "Id", BAD_CAST id) == NULL)
		goto fail;

	/* The Signature template. */
	sig = add_el(sroot, XML_NS_DSIG, "ds", "Signature", NULL);
	if (sig == NULL)
		goto fail;
	si = add_el(sig, XML_NS_DSIG, "ds", "SignedInfo", NULL);
	if (si == NULL || add_alg(si, XML_NS_DSIG, "ds",
	    "CanonicalizationMethod", XML_ALG_C14N) == NULL)
		goto fail;
	sm = add_alg(si, XML_NS_DSIG, "ds", "SignatureMethod",
	    XML_ALG_HMAC_SHA256);
	if (sm == NULL)
		goto fail;
	if (hmac_bits != XML_HMAC_BITS_MAX) {
		snprintf(bits, sizeof(bits), "%u", hmac_bits);
		if (add_el(sm, XML_NS_DSIG, "ds", "HMACOutputLength",
		    bits) == NULL)
			goto fail;
	}
	ref = add_el(si, XML_NS_DSIG, "ds", "Reference", NULL);
	snprintf(uri, sizeof(uri), "#%s", id);
	if (ref == NULL ||
	    xmlNewProp(ref, BAD_CAST "URI", BAD_CAST uri) == NULL)
		goto fail;
	tr = add_el(ref, XML_NS_DSIG, "ds", "Transforms", NULL);
	if (tr == NULL || add_alg(tr, XML_NS_DSIG, "ds", "Transform",
	    XML_ALG_ENVELOPED) == NULL || add_alg(tr, XML_NS_DSIG, "ds",
	    "Transform", XML_ALG_C14N) == NULL)
		goto fail;
	if (add_alg(ref, XML_NS_DSIG, "ds", "DigestMethod",
	    XML_ALG_SHA256) == NULL)
		goto fail;
	dv = add_el(ref, XML_NS_DSIG, "ds", "DigestValue", NULL);
	if (dv == NULL)
		goto fail;

	/* DigestValue: the root without the Signature (enveloped). */
	cs.cs_apex = sroot;
	cs.cs_exclude = sig;
	cs.cs_no_apex = false;
	status = c14n(doc, &cs, XML_C14N_1_0, 0, &data, &len);
	if (status == XML_OK)
		status = digest_b64(data, len, dig);
	xmlFree(data);
	data = NULL;
	if (status != XML_OK)
		goto fail;
	xmlNodeSetContent(dv, BAD_CAST dig);

	/* SignatureValue: HMAC of the canonical SignedInfo, in the token. */
	cs.cs_apex = si;
	cs.cs_exclude = NULL;
	status = c14n(doc, &cs, XML_C14N_1_0, 0, &data, &len);
	if (status != XML_OK)
		goto fail;
	st = hsm_hmac(key->xk_hsm, key->xk_id, data, len, mac, sizeof(mac),
	    &mlen);
	if (st != HSM_OK || mlen != HSM_HMAC_LEN) {
		status = st != HSM_OK ? hsm_to_xml(st) : XML_ERR_HSM;
		goto fail;
	}
	EVP_EncodeBlock((unsigned char *)sv, mac, (int)(hmac_bits / 8));
	status = XML_ERR_MEMORY;
	if (add_el(sig, XML_NS_DSIG, "ds", "SignatureValue", sv) == NULL)
		goto fail;
	ki = add_el(sig, XML_NS_DSIG, "ds", "KeyInfo", NULL);
	if (ki == NULL ||
	    add_el(ki, XML_NS_DSIG, "ds", "KeyName", key->xk_name) == NULL)
		goto fail;
	status = XML_OK;
 fail:
	xmlFree(data);
	OPENSSL_cleanse(mac, sizeof(mac));
	return status;
}

/* see xml.h */
int
xml_sec_protect(const char *resp, size_t len, const struct xml_sec_key *enc,
    const struct xml_sec_key *sign, unsigned hmac_bits, struct buf *out)
{
	xmlDocPtr	 doc = NULL;
	int		 status;

	if (resp == NULL || out == NULL)
		return XML_ERR_ARGS;
	status = xml_parse_safe((const uint8_t *)resp, len, &doc);
	if (status != XML_OK)
		return status;
	if (enc != NULL)
		status = xml_sec_encrypt(doc, enc, false);
	if (status == XML_OK && sign != NULL)
		status = xml_sec_sign(doc, sign, NULL, hmac_bits);
	if (status == XML_OK)
		status = xml_doc_write(doc, out);
	xmlFreeDoc(doc);
	return status;
}

/* --- time ------------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		 era;
	unsigned	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* n decimal digits of s as a number; -1 if not all digits. */
static long
digits(const char *s, int n)
{
	long	 v = 0;
	int	 i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* see xml.h */
int
xml_parse_time(const char *s, int64_t *out)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	long		 y, mo, d, h, mi, se, zh, zm;
	int64_t		 t;
	const char	*p;

	if (s == NULL || out == NULL)
		return XML_ERR_ARGS;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':')
		return XML_ERR_ARGS;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	se = digits(s + 17, 2);
	if (y < 1 || mo < 1 || mo > 12 || d < 1 ||
	    d > (long)mdays[mo - 1] || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || se < 0 || se > 59)
		return XML_ERR_ARGS;
	if (mo == 2 && d == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return XML_ERR_ARGS;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return XML_ERR_ARGS;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + se;
	if (*p == 'Z')
		p++;
	else if (*p == '+' || *p == '-') {
		if (strlen(p) < 6 || p[3] != ':')
			return XML_ERR_ARGS;
		zh = digits(p + 1, 2);
		zm = digits(p + 4, 2);
		if (zh < 0 || zh > 14 || zm < 0 || zm > 59 ||
		    (zh == 14 && zm != 0))
			return XML_ERR_ARGS;
		/* local = UTC + offset */
		t += (*p == '+' ? -1 : 1) * (zh * 3600 + zm * 60);
		p += 6;
	}
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p != '\0')
		return XML_ERR_ARGS;
	*out = t;
	return XML_OK;
}

/* --- request URL comparison ----------------------------------------- */

static bool
is_unreserved(int c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * A comparable form of url (RFC 3986 6.2.2-6.2.3): scheme and host in
 * lower case, the scheme's default port dropped, percent-escapes in upper
 * case and unreserved characters decoded, an empty path as "/".  NULL on
 * allocation failure.
 */
static char *
url_norm(const char *url)
{
	const char	*p, *auth, *auth_end, *port;
	char		*o, *out;
	size_t		 len = strlen(url), slen = 0, i;
	int		 hi, lo;

	out = malloc(len + 2);
	if (out == NULL)
		return NULL;
	o = out;
	p = strstr(url, "://");
	if (p == NULL) {
		memcpy(out, url, len + 1);
		return out;
	}
	slen = (size_t)(p - url);
	for (i = 0; i < slen; i++)
		*o++ = (char)tolower((unsigned char)url[i]);
	memcpy(o, "://", 3);
	o += 3;
	auth = p + 3;
	auth_end = auth + strcspn(auth, "/?#");
	/* host[:port], userinfo kept as it is */
	p = memchr(auth, '@', (size_t)(auth_end - auth));
	if (p != NULL) {
		memcpy(o, auth, (size_t)(p + 1 - auth));
		o += p + 1 - auth;
		auth = p + 1;
	}
	port = NULL;
	for (p = auth_end; p > auth; p--)
		if (p[-1] == ':') {
			port = p - 1;
			break;
		} else if (p[-1] == ']')
			break;
	for (p = auth; p < (port != NULL ? port : auth_end); p++)
		*o++ = (char)tolower((unsigned char)*p);
	if (port != NULL) {
		size_t	 pl = (size_t)(auth_end - port);
		bool	 dflt;

		dflt = (slen == 4 && strncasecmp(url, "http", 4) == 0 &&
		    pl == 3 && strncmp(port, ":80", 3) == 0) ||
		    (slen == 5 && strncasecmp(url, "https", 5) == 0 &&
		    pl == 4 && strncmp(port, ":443", 4) == 0) || pl == 1;
		if (!dflt) {
			memcpy(o, port, pl);
			o += pl;
		}
	}
	p = auth_end;
	if (*p != '/')
		*o++ = '/';
	for (; *p != '\0'; p++) {
		if (*p == '%' && (hi = hexval((unsigned char)p[1])) >= 0 &&
		    (lo = hexval((unsigned char)p[2])) >= 0) {
			int	 c = hi * 16 + lo;

			if (is_unreserved(c))
				*o++ = (char)c;
			else {
				*o++ = '%';
				*o++ = (char)toupper((unsigned char)p[1]);
				*o++ = (char)toupper((unsigned char)p[2]);
			}
			p += 2;
		} else
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

static bool
url_equal(const char *a, const char *b)
{
	char	*na, *nb;
	bool	 eq;

	if (strcmp(a, b) == 0)
		return true;
	na = url_norm(a);
	nb = url_norm(b);
	eq = na != NULL && nb != NULL && strcmp(na, nb) == 0;
	free(na);
	free(nb);
	return eq;
}

/* --- verifying a SignedKmsRequest ------------------------------------ */

/* see xml.h */
void
xml_req_free(struct xml_req *req)
{
	if (req == NULL)
		return;
	xmlFree(req->xr_user_uri);
	xmlFree(req->xr_kms_uri);
	xmlFree(req->xr_client_req_url);
	xmlFree(req->xr_key_name);
	xmlFree(req->xr_sig_id);
	xmlFree(req->xr_trk_id);
	xmlFree(req->xr_client_id);
	xmlFree(req->xr_device_id);
	xmlFreeDoc(req->xr_doc);
	memset(req, 0, sizeof(*req));
}

/* The text of a simple element (text children only), checked. */
static int
simple_text(xmlNodePtr el, char **out)
{
	xmlNodePtr	 c;
	char		*s;

	if (*out != NULL)
		return XML_ERR_STRUCTURE;	/* given twice */
	for (c = el->children; c != NULL; c = c->next)
		if (c->type != XML_TEXT_NODE &&
		    c->type != XML_CDATA_SECTION_NODE &&
		    c->type != XML_COMMENT_NODE)
			return XML_ERR_STRUCTURE;
	s = (char *)xmlNodeGetContent(el);
	if (s == NULL)
		s = (char *)xmlStrdup(BAD_CAST "");
	if (s == NULL)
		return XML_ERR_MEMORY;
	*out = s;
	if (!xml_is_text(s))
		return XML_ERR_STRUCTURE;
	return XML_OK;
}

/* Whitespace only (between elements). */
static bool
is_blank_text(const xmlNode *n)
{
	const xmlChar	*p;

	if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE)
		return true;
	if (n->type != XML_TEXT_NODE)
		return false;
	for (p = n->content; p != NULL && *p != '\0'; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return false;
	return true;
}

/* The KmsRequest fields (Table D.2.2-1), by local name. */
static int
read_request(xmlNodePtr kr, struct xml_req *req)
{
	xmlNodePtr	 c;
	xmlChar		*v;
	char		*tmp = NULL;
	bool		 krr = false, cerr = false, have_time = false;
	int		 rc;

	v = xmlGetProp(kr, BAD_CAST "Version");
	if (v != NULL) {
		rc = strcmp((const char *)v, "1.1.0") == 0 ? XML_OK :
		    XML_ERR_STRUCTURE;
		xmlFree(v);
		if (rc != XML_OK)
			return rc;
	}
	for (c = kr->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE) {
			if (!is_blank_text(c))
				return XML_ERR_STRUCTURE;
			continue;
		}
		if (!is_kms(c, (const char *)c->name))
			continue;	/* foreign extension: ignored */
		rc = XML_ERR_STRUCTURE;
		if (is_kms(c, "UserUri"))
			rc = simple_text(c, &req->xr_user_uri);
		else if (is_kms(c, "KmsUri"))
			rc = simple_text(c, &req->xr_kms_uri);
		else if (is_kms(c, "Time")) {
			rc = have_time ? XML_ERR_STRUCTURE :
			    simple_text(c, &tmp);
			if (rc == XML_OK && xml_parse_time(tmp,
			    &req->xr_time) != XML_OK)
				rc = XML_ERR_STRUCTURE;
			xmlFree(tmp);
			tmp = NULL;
			have_time = true;
		} else if (is_kms(c, "ClientId"))
			rc = simple_text(c, &req->xr_client_id);
		else if (is_kms(c, "DeviceId"))
			rc = simple_text(c, &req->xr_device_id);
		else if (is_kms(c, "ClientReqUrl"))
			rc = simple_text(c, &req->xr_client_req_url);
		else if (is_kms(c, "TrK-ID"))
			rc = simple_text(c, &req->xr_trk_id);
		else if (is_kms(c, "Signature-ID"))
			rc = simple_text(c, &req->xr_sig_id);
		else if (is_kms(c, "KrrList")) {
			rc = krr ? XML_ERR_STRUCTURE : XML_OK;
			krr = true;
		} else if (is_kms(c, "ClientError")) {
			rc = cerr ? XML_ERR_STRUCTURE : XML_OK;
			cerr = true;
		}
		if (rc != XML_OK)
			return rc;
	}
	if (req->xr_user_uri == NULL || req->xr_kms_uri == NULL ||
	    !have_time || req->xr_client_req_url == NULL ||
	    req->xr_user_uri[0] == '\0')
		return XML_ERR_STRUCTURE;
	return XML_OK;
}

/* Elements of the document whose Id attribute is id: count, and one. */
static int
count_id(xmlNodePtr n, const char *id, xmlNodePtr *found)
{
	xmlAttrPtr	 a;
	xmlNodePtr	 c;
	int		 k = 0;

	if (n->type != XML_ELEMENT_NODE)
		return 0;
	for (a = n->properties; a != NULL; a = a->next) {
		if (a->ns != NULL || strcmp((const char *)a->name, "Id") != 0 ||
		    a->children == NULL)
			continue;
		if (a->children->next == NULL &&
		    a->children->type == XML_TEXT_NODE &&
		    strcmp((const char *)a->children->content, id) == 0) {
			*found = n;
			k++;
		}
	}
	for (c = n->children; c != NULL; c = c->next)
		k += count_id(c, id, found);
	return k;
}

/* The Algorithm attribute of el (xmlFree) or NULL. */
static char *
alg_of(xmlNodePtr el)
{
	if (el == NULL)
		return NULL;
	return (char *)xmlGetNoNsProp(el, BAD_CAST "Algorithm");
}

static bool
alg_is(xmlNodePtr el, const char *alg)
{
	char	*a = alg_of(el);
	bool	 eq;

	eq = a != NULL && strcmp(a, alg) == 0;
	xmlFree(a);
	return eq;
}

/* Element children of el other than the names listed: any is an error. */
static bool
only_children(xmlNodePtr el, const char *const *names, size_t n)
{
	xmlNodePtr	 c;
	size_t		 i;

	for (c = el->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE) {
			if (!is_blank_text(c))
				return false;
			continue;
		}
		for (i = 0; i < n; i++)
			if (is_el(c, XML_NS_DSIG, names[i]))
				break;
		if (i == n)
			return false;
	}
	return true;
}

/*
 * Check the ds:Signature sig of the document (root, KmsRequest kr)
 * with key: the Reference (digest) and the SignedInfo HMAC.
 */
static int
check_signature(xmlDocPtr doc, xmlNodePtr root, xmlNodePtr kr,
    xmlNodePtr sig, const struct xml_sec_key *key, unsigned min_bits,
    unsigned *bits_out)
{
	static const char *const si_names[] = { "CanonicalizationMethod",
	    "SignatureMethod", "Reference" };
	static const char *const ref_names[] = { "Transforms",
	    "DigestMethod", "DigestValue" };
	struct c14n_set	 cs;
	xmlNodePtr	 si, cm, sm, ref, trs, tr, dm, dv, svn, hl, target;
	xmlChar		*uri = NULL, *data = NULL, *txt = NULL;
	char		*alg = NULL;
	uint8_t		 dig[SHA256_LEN], want[SHA256_LEN + 8];
	uint8_t		 sv[HSM_HMAC_LEN + 8];
	size_t		 len = 0, wlen = 0, svlen = 0;
	unsigned long	 bits = XML_HMAC_BITS_MAX;
	bool		 enveloped = false;
	int		 mode = XML_C14N_1_0, comments = 0, si_mode, si_com;
	enum hsm_status	 st;
	int		 status = XML_ERR_SIG;
	char		*end;

	si = only_child(sig, XML_NS_DSIG, "SignedInfo");
	svn = only_child(sig, XML_NS_DSIG, "SignatureValue");
	if (si == NULL || svn == NULL ||
	    !only_children(si, si_names, 3))
		goto fail;
	cm = only_child(si, XML_NS_DSIG, "CanonicalizationMethod");
	sm = only_child(si, XML_NS_DSIG, "SignatureMethod");
	ref = only_child(si, XML_NS_DSIG, "Reference");
	if (cm == NULL || sm == NULL || ref == NULL ||
	    !alg_is(sm, XML_ALG_HMAC_SHA256) ||
	    !only_children(ref, ref_names, 3))
		goto fail;
	alg = alg_of(cm);
	if (alg == NULL || (si_mode = c14n_mode(alg, &si_com)) < 0)
		goto fail;
	/* A c14n method with children (InclusiveNamespaces) is refused. */
	if (cm->children != NULL && xmlFirstElementChild(cm) != NULL)
		goto fail;

	/* HMACOutputLength: absent = 256 bits. */
	hl = xmlFirstElementChild(sm);
	if (hl != NULL) {
		if (!is_el(hl, XML_NS_DSIG, "HMACOutputLength") ||
		    xmlNextElementSibling(hl) != NULL)
			goto fail;
		txt = xmlNodeGetContent(hl);
		if (txt == NULL)
			goto fail;
		errno = 0;
		bits = strtoul((const char *)txt, &end, 10);
		if (errno != 0 || end == (char *)txt || *end != '\0')
			goto fail;
	}
	if (bits % 8 != 0 || bits < min_bits || bits > XML_HMAC_BITS_MAX ||
	    bits / 8 < HSM_HMAC_MIN_LEN)
		goto fail;

	/* Reference: "#id", to the KmsRequest or (enveloped) the root. */
	uri = xmlGetNoNsProp(ref, BAD_CAST "URI");
	if (uri == NULL || uri[0] != '#' || uri[1] == '\0')
		goto fail;
	target = NULL;
	if (count_id(root, (const char *)uri + 1, &target) != 1 ||
	    (target != root && target != kr))
		goto fail;
	trs = only_child(ref, XML_NS_DSIG, "Transforms");
	if (trs != NULL) {
		for (tr = trs->children; tr != NULL; tr = tr->next) {
			if (tr->type != XML_ELEMENT_NODE) {
				if (!is_blank_text(tr))
					goto fail;
				continue;
			}
			if (!is_el(tr, XML_NS_DSIG, "Transform") ||
			    xmlFirstElementChild(tr) != NULL)
				goto fail;
			xmlFree(alg);
			alg = alg_of(tr);
			if (alg == NULL)
				goto fail;
			if (strcmp(alg, XML_ALG_ENVELOPED) == 0)
				enveloped = true;
			else if ((mode = c14n_mode(alg, &comments)) < 0)
				goto fail;
		}
	}
	if (target == root && !enveloped)
		goto fail;
	dm = only_child(ref, XML_NS_DSIG, "DigestMethod");
	dv = only_child(ref, XML_NS_DSIG, "DigestValue");
	if (dm == NULL || dv == NULL || !alg_is(dm, XML_ALG_SHA256))
		goto fail;
	xmlFree(txt);
	txt = xmlNodeGetContent(dv);
	if (txt == NULL || b64_decode((const char *)txt, want, sizeof(want),
	    &wlen) != 0 || wlen != SHA256_LEN)
		goto fail;

	/* The digest of the referenced node set. */
	cs.cs_apex = target;
	cs.cs_exclude = enveloped ? sig : NULL;
	cs.cs_no_apex = false;
	if (c14n(doc, &cs, mode, comments, &data, &len) != XML_OK) {
		status = XML_ERR_MEMORY;
		goto fail;
	}
	if (SHA256(data, len, dig) == NULL ||
	    CRYPTO_memcmp(dig, want, SHA256_LEN) != 0)
		goto fail;
	xmlFree(data);
	data = NULL;

	/* The HMAC of the canonical SignedInfo, checked in the token. */
	xmlFree(txt);
	txt = xmlNodeGetContent(svn);
	if (txt == NULL || b64_decode((const char *)txt, sv, sizeof(sv),
	    &svlen) != 0 || svlen != bits / 8)
		goto fail;
	cs.cs_apex = si;
	cs.cs_exclude = NULL;
	if (c14n(doc, &cs, si_mode, si_com, &data, &len) != XML_OK) {
		status = XML_ERR_MEMORY;
		goto fail;
	}
	st = hsm_hmac_verify(key->xk_hsm, key->xk_id, data, len, sv, svlen);
	if (st == HSM_ERR_DENIED || st == HSM_ERR_NOT_FOUND) {
		status = XML_ERR_SIG_KEY;
		goto fail;
	}
	if (st != HSM_OK) {
		status = st == HSM_ERR_INTEGRITY ? XML_ERR_SIG : XML_ERR_HSM;
		goto fail;
	}
	*bits_out = (unsigned)bits;
	status = XML_OK;
 fail:
	xmlFree(uri);
	xmlFree(data);
	xmlFree(txt);
	xmlFree(alg);
	return status;
}

/* see xml.h */
int
xml_verify_request(const uint8_t *body, size_t len,
    const struct xml_req_policy *pol, xml_key_lookup_fn *lookup, void *arg,
    struct xml_req *req)
{
	struct xml_sec_key	 key;
	xmlNodePtr		 root, c, kr = NULL, sig = NULL, ki, kn;
	char			*name = NULL;
	unsigned		 min_bits, bits = 0;
	int64_t			 dt;
	int			 status;

	if (req == NULL)
		return XML_ERR_ARGS;
	memset(req, 0, sizeof(*req));
	if (body == NULL || pol == NULL || lookup == NULL ||
	    pol->rp_kms_uri == NULL || pol->rp_req_url == NULL ||
	    pol->rp_window < 0)
		return XML_ERR_ARGS;
	min_bits = pol->rp_min_bits == 0 ? XML_HMAC_BITS_MIN :
	    pol->rp_min_bits;
	if (min_bits < XML_HMAC_BITS_MIN)
		min_bits = XML_HMAC_BITS_MIN;
	status = xml_parse_safe(body, len, &req->xr_doc);
	if (status != XML_OK)
		goto fail;

	/* 2. Structure: SignedKmsRequest(KmsRequest, ds:Signature). */
	status = XML_ERR_STRUCTURE;
	root = xmlDocGetRootElement(req->xr_doc);
	if (!is_kms(root, "SignedKmsRequest"))
		goto fail;
	for (c = root->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE) {
			if (!is_blank_text(c))
				goto fail;
		} else if (kr == NULL && sig == NULL &&
		    is_kms(c, "KmsRequest"))
			kr = c;
		else if (kr != NULL && sig == NULL &&
		    is_el(c, XML_NS_DSIG, "Signature"))
			sig = c;
		else
			goto fail;
	}
	if (kr == NULL || sig == NULL)
		goto fail;
	status = read_request(kr, req);
	if (status != XML_OK)
		goto fail;

	/* 1. The key: KeyName, else Signature-ID; both must agree. */
	status = XML_ERR_SIG_KEY;
	ki = only_child(sig, XML_NS_DSIG, "KeyInfo");
	kn = ki != NULL ? only_child(ki, XML_NS_DSIG, "KeyName") : NULL;
	if (kn != NULL) {
		name = (char *)xmlNodeGetContent(kn);
		if (name == NULL) {
			status = XML_ERR_MEMORY;
			goto fail;
		}
	} else if (req->xr_sig_id != NULL)
		name = (char *)xmlStrdup(BAD_CAST req->xr_sig_id);
	if (name == NULL || name[0] == '\0' || !xml_is_text(name))
		goto fail;
	if (req->xr_sig_id != NULL && strcmp(req->xr_sig_id, name) != 0)
		goto fail;
	memset(&key, 0, sizeof(key));
	if (lookup(arg, req->xr_user_uri, name, &key) != 0 ||
	    key.xk_hsm == NULL || key.xk_id == HSM_KEY_NONE)
		goto fail;
	req->xr_key_name = name;
	name = NULL;
	status = check_signature(req->xr_doc, root, kr, sig, &key, min_bits,
	    &bits);
	if (status != XML_OK)
		goto fail;
	req->xr_hmac_bits = bits;

	/* 3. KmsUri, 4. Time, 5. ClientReqUrl. */
	if (strcmp(req->xr_kms_uri, pol->rp_kms_uri) != 0) {
		status = XML_ERR_KMS_URI;
		goto fail;
	}
	dt = req->xr_time - pol->rp_now;
	if (dt > pol->rp_window || dt < -pol->rp_window) {
		status = XML_ERR_TIME;
		goto fail;
	}
	if (!url_equal(req->xr_client_req_url, pol->rp_req_url)) {
		status = XML_ERR_REQ_URL;
		goto fail;
	}
	return XML_OK;
 fail:
	xmlFree(name);
	xml_req_free(req);
	return status;
}
