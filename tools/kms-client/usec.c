/*
 * usec.c - the security extension on the device side (TS 33.180 D.3.5):
 * verifying SignedKmsResponses, decrypting an encrypted KmsMessage,
 * adopting rotated keys, and signing SignedKmsRequests.
 *
 * Independent of kmsd by construction: it shares no code with
 * firmware/xml (xml_sec.c); C14N is libxml2's xmlC14NExecute with a
 * visibility callback over the signed node set (the XMLDSig node-set
 * model), the cryptography is OpenSSL's.  The tests check its verdicts
 * against xmlsec1 on the same documents (it_client_signed).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlIO.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ucheck.h"
#include "ucheck_local.h"

#define DS_NS		"http://www.w3.org/2000/09/xmldsig#"
#define XENC_NS		"http://www.w3.org/2001/04/xmlenc#"
#define SECEXT_NS	"urn:3gpp:ns:mcsecKMSSecExt:1.0"
#define ALG_C14N	"http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
#define ALG_ENVELOPED	DS_NS "enveloped-signature"
#define ALG_HMAC	"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
#define ALG_SHA256	XENC_NS "sha256"
#define ALG_KW256	XENC_NS "kw-aes256"
#define ALG_GCM128	"http://www.w3.org/2009/xmlenc11#aes128-gcm"
#define TYPE_CONTENT	XENC_NS "Content"

#define US_REQ_ID	"xmldoc"	/* Id of our SignedKmsRequest */
#define US_BITS_MIN	128		/* shortest HMAC accepted */
#define US_BITS_MAX	256
#define US_DIGEST_LEN	32		/* SHA-256 */
#define US_CEK_LEN	16		/* AES-128-GCM content key */
#define US_WRAPPED_LEN	40		/* RFC 3394 of a 256-bit key */
#define US_GCM_IV_LEN	12
#define US_GCM_TAG_LEN	16
#define US_B64_MAX	(1024 * 1024)	/* longest base64 value read */
#define US_ID_MAX	8		/* elements carrying one Id checked */

/* The node set one C14N covers: apex's subtree without skip's. */
struct c14n_set {
	xmlNodePtr	 cs_apex;
	xmlNodePtr	 cs_skip;	/* or NULL */
};

static int	 c14n_visible(void *, xmlNodePtr, xmlNodePtr);
static int	 c14n(xmlDocPtr, xmlNodePtr, xmlNodePtr, uint8_t **,
		    size_t *);
static int	 b64_dec(xmlNodePtr, uint8_t **, size_t *);
static char	*b64_enc(const uint8_t *, size_t);
static bool	 is_ns(xmlNodePtr, const char *, const char *);
static bool	 is_iface(xmlNodePtr, const char *);
static xmlNodePtr ds_kid(xmlNodePtr, const char *);
static xmlNodePtr next_elem(xmlNodePtr);
static bool	 alg_is(xmlNodePtr, const char *);
static size_t	 id_count(xmlNodePtr, const xmlChar *);
static void	 adopt_pending(struct ucheck *);
static enum ucheck_status verify_sig(struct ucheck *, xmlDocPtr,
		    struct ucheck_sec *, char *, size_t);
static enum ucheck_status unwrap_3394(const struct ucheck *, xmlNodePtr,
		    const char *, uint8_t *, size_t, char *, size_t);
static enum ucheck_status decrypt_msg(struct ucheck *, xmlNodePtr,
		    struct ucheck_sec *, char *, size_t);
static enum ucheck_status new_keys(struct ucheck *, xmlNodePtr,
		    struct ucheck_sec *, char *, size_t);

/* see ucheck_local.h */
void
uc_wipe_keys(struct ucheck *uc)
{
	OPENSSL_cleanse(uc->uc_trk, sizeof(uc->uc_trk));	/* wipe: TrK */
	OPENSSL_cleanse(&uc->uc_ink, sizeof(uc->uc_ink));	/* wipe: InK */
	OPENSSL_cleanse(&uc->uc_next_trk, sizeof(uc->uc_next_trk));
	OPENSSL_cleanse(&uc->uc_next_ink, sizeof(uc->uc_next_ink));
}

/* see ucheck.h */
enum ucheck_status
ucheck_set_ink(struct ucheck *uc, const uint8_t *ink, size_t len,
    const char *name)
{
	if (uc == NULL || ink == NULL || len != UCHECK_TRK_LEN ||
	    (name != NULL && strlen(name) >= sizeof(uc->uc_ink.k_name)))
		return UCHECK_ERR_LENGTH;
	memcpy(uc->uc_ink.k_bytes, ink, len);
	snprintf(uc->uc_ink.k_name, sizeof(uc->uc_ink.k_name), "%s",
	    name != NULL ? name : "");
	uc->uc_ink.k_set = true;
	return UCHECK_OK;
}

/* see ucheck.h */
bool
ucheck_has_key(const struct ucheck *uc)
{
	return uc->uc_has_trk || uc->uc_ink.k_set;
}

/*
 * libxml2 C14N visibility: a node is in the set if, walking up, apex is
 * met before skip.  Namespace nodes are judged by their element.
 */
static int
c14n_visible(void *arg, xmlNodePtr node, xmlNodePtr parent)
{
	const struct c14n_set	*cs = arg;
	xmlNodePtr		 n;

	n = (node == NULL || node->type == XML_NAMESPACE_DECL) ? parent :
	    node;
	for (; n != NULL; n = n->parent) {
		if (n == cs->cs_skip)
			return 0;
		if (n == cs->cs_apex)
			return 1;
	}
	return 0;
}

/* Inclusive C14N 1.0 (no comments) of apex's subtree minus skip's. */
static int
c14n(xmlDocPtr doc, xmlNodePtr apex, xmlNodePtr skip, uint8_t **out,
    size_t *out_len)
{
	struct c14n_set		 cs = { apex, skip };
	xmlOutputBufferPtr	 ob;
	const xmlChar		*c;
	size_t			 n;
	int			 ret = -1;

	*out = NULL;
	if ((ob = xmlAllocOutputBuffer(NULL)) == NULL)
		return -1;
	if (xmlC14NExecute(doc, c14n_visible, &cs, XML_C14N_1_0, NULL, 0,
	    ob) < 0)
		goto fail;
	xmlOutputBufferFlush(ob);
	c = xmlOutputBufferGetContent(ob);
	n = xmlOutputBufferGetSize(ob);
	if (c == NULL || (*out = malloc(n + 1)) == NULL)
		goto fail;
	memcpy(*out, c, n);
	(*out)[n] = '\0';
	*out_len = n;
	ret = 0;
 fail:
	xmlOutputBufferClose(ob);
	return ret;
}

/* The base64 text of n (XML space ignored) decoded; free() *out. */
static int
b64_dec(xmlNodePtr n, uint8_t **out, size_t *out_len)
{
	char	*s;
	size_t	 i, j;
	int	 l, ret = -1;

	*out = NULL;
	if ((s = uc_text_trim(n)) == NULL)
		return -1;
	for (i = j = 0; s[i] != '\0'; i++)
		if (!uc_is_space((unsigned char)s[i]))
			s[j++] = s[i];
	s[j] = '\0';
	if (j == 0 || j % 4 != 0 || j > US_B64_MAX ||
	    (*out = malloc(j / 4 * 3 + 1)) == NULL)
		goto fail;
	if ((l = EVP_DecodeBlock(*out, (unsigned char *)s, (int)j)) < 0)
		goto fail;
	l -= (s[j - 1] == '=') + (s[j - 2] == '=');
	*out_len = (size_t)l;
	ret = 0;
 fail:
	if (ret != 0) {
		free(*out);
		*out = NULL;
	}
	free(s);
	return ret;
}

/* base64 of p; free() it.  NULL on failure. */
static char *
b64_enc(const uint8_t *p, size_t len)
{
	char	*s;

	if (len > US_B64_MAX || (s = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)s, p, (int)len);
	return s;
}

static bool
is_ns(xmlNodePtr n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    xmlStrEqual(n->ns->href, BAD_CAST ns) &&
	    xmlStrEqual(n->name, BAD_CAST name);
}

/* The interface namespace, or the Rel-14 SecExt one (spec 3.1). */
static bool
is_iface(xmlNodePtr n, const char *name)
{
	return is_ns(n, UCHECK_NS, name) || is_ns(n, SECEXT_NS, name);
}

/* The first element child of p in the ds namespace named name. */
static xmlNodePtr
ds_kid(xmlNodePtr p, const char *name)
{
	xmlNodePtr	 n;

	for (n = p != NULL ? p->children : NULL; n != NULL; n = n->next)
		if (is_ns(n, DS_NS, name))
			return n;
	return NULL;
}

/* The next element sibling of n (n itself if it is one). */
static xmlNodePtr
next_elem(xmlNodePtr n)
{
	while (n != NULL && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

static bool
alg_is(xmlNodePtr n, const char *alg)
{
	xmlChar	*a;
	bool	 eq;

	if (n == NULL || (a = xmlGetProp(n, BAD_CAST "Algorithm")) == NULL)
		return false;
	eq = xmlStrEqual(a, BAD_CAST alg);
	xmlFree(a);
	return eq;
}

/* Elements in n's subtree with an Id attribute equal to id. */
static size_t
id_count(xmlNodePtr n, const xmlChar *id)
{
	xmlNodePtr	 c;
	xmlChar		*v;
	size_t		 k = 0;

	if (n == NULL || n->type != XML_ELEMENT_NODE)
		return 0;
	if ((v = xmlGetNoNsProp(n, BAD_CAST "Id")) != NULL) {
		k += xmlStrEqual(v, id);
		xmlFree(v);
	}
	for (c = n->children; c != NULL && k <= US_ID_MAX; c = c->next)
		k += id_count(c, id);
	return k;
}

/* A key delivered by the previous response becomes current. */
static void
adopt_pending(struct ucheck *uc)
{
	if (uc->uc_next_trk.k_set) {
		memcpy(uc->uc_trk, uc->uc_next_trk.k_bytes,
		    sizeof(uc->uc_trk));
		snprintf(uc->uc_trk_name, sizeof(uc->uc_trk_name), "%s",
		    uc->uc_next_trk.k_name);
		uc->uc_has_trk = true;
	}
	if (uc->uc_next_ink.k_set)
		uc->uc_ink = uc->uc_next_ink;
	OPENSSL_cleanse(&uc->uc_next_trk, sizeof(uc->uc_next_trk));
	OPENSSL_cleanse(&uc->uc_next_ink, sizeof(uc->uc_next_ink));
}

/*
 * The enveloped signature of a SignedKmsResponse (root of doc), under
 * the InK if the device has one, else the TrK.
 */
static enum ucheck_status
verify_sig(struct ucheck *uc, xmlDocPtr doc, struct ucheck_sec *info,
    char *msg, size_t msg_size)
{
	enum ucheck_status	 s = UCHECK_ERR_SIG;
	xmlNodePtr		 root = xmlDocGetRootElement(doc);
	xmlNodePtr		 resp, sig, si, sm, ref, tr, t, n;
	xmlChar			*id = NULL, *uri = NULL;
	char			*kn = NULL, *sid = NULL, *bits_s = NULL;
	uint8_t			*dv = NULL, *sv = NULL, *c = NULL;
	uint8_t			 md[EVP_MAX_MD_SIZE];
	const uint8_t		*key;
	char			*want_name;
	size_t			 dvl = 0, svl = 0, cl = 0;
	unsigned		 mdl = 0, bits = US_BITS_MAX;
	bool			 ink = uc->uc_ink.k_set;

	/* SignedKmsResponse = KmsResponse, ds:Signature, nothing else. */
	resp = next_elem(root->children);
	sig = resp != NULL ? next_elem(resp->next) : NULL;
	if (!is_iface(resp, "KmsResponse") || !is_ns(sig, DS_NS,
	    "Signature") || next_elem(sig->next) != NULL) {
		uc_say(msg, msg_size, "SignedKmsResponse is not KmsResponse "
		    "followed by ds:Signature");
		return UCHECK_ERR_CONTENT;
	}
	if (!ucheck_has_key(uc)) {
		uc_say(msg, msg_size, "signed response, but this device holds "
		    "no TrK or InK to verify it (give --trk / --ink)");
		return UCHECK_ERR_SIG;
	}
	key = ink ? uc->uc_ink.k_bytes : uc->uc_trk;
	want_name = ink ? uc->uc_ink.k_name : uc->uc_trk_name;
	kn = uc_text_trim(ds_kid(ds_kid(sig, "KeyInfo"), "KeyName"));
	sid = uc_text_trim(uc_kid(resp, "Signature-ID"));
	if (kn == NULL || sid == NULL || strcmp(kn, sid) != 0) {
		uc_say(msg, msg_size, "KeyName '%s' and Signature-ID '%s' "
		    "missing or different", kn != NULL ? kn : "",
		    sid != NULL ? sid : "");
		goto fail;
	}
	if (want_name[0] != '\0' && strcmp(kn, want_name) != 0) {
		uc_say(msg, msg_size, "signed by '%s', but this device's %s "
		    "is '%s'", kn, ink ? "InK" : "TrK", want_name);
		goto fail;
	}
	/* SignedInfo: C14N 1.0, HMAC-SHA256 >= 128 bits, one Reference. */
	si = ds_kid(sig, "SignedInfo");
	sm = ds_kid(si, "SignatureMethod");
	if (!alg_is(ds_kid(si, "CanonicalizationMethod"), ALG_C14N) ||
	    !alg_is(sm, ALG_HMAC)) {
		uc_say(msg, msg_size, "SignedInfo: not C14N 1.0 with "
		    "HMAC-SHA256");
		goto fail;
	}
	if ((n = ds_kid(sm, "HMACOutputLength")) != NULL) {
		bits_s = uc_text_trim(n);
		if (bits_s == NULL || strspn(bits_s, "0123456789") !=
		    strlen(bits_s) || strlen(bits_s) > 3 ||
		    (bits = (unsigned)strtoul(bits_s, NULL, 10)) < US_BITS_MIN ||
		    bits > US_BITS_MAX || bits % 8 != 0) {
			uc_say(msg, msg_size, "HMACOutputLength '%s' (want "
			    "%d..%d, whole octets)", bits_s != NULL ? bits_s :
			    "", US_BITS_MIN, US_BITS_MAX);
			goto fail;
		}
	}
	ref = ds_kid(si, "Reference");
	for (n = ref != NULL ? ref->next : NULL; n != NULL; n = n->next)
		if (is_ns(n, DS_NS, "Reference"))
			break;
	id = xmlGetNoNsProp(root, BAD_CAST "Id");
	uri = ref != NULL ? xmlGetNoNsProp(ref, BAD_CAST "URI") : NULL;
	if (ref == NULL || n != NULL || id == NULL || uri == NULL ||
	    uri[0] != '#' || !xmlStrEqual(uri + 1, id)) {
		uc_say(msg, msg_size, "the signature must have one Reference "
		    "to the root's Id");
		goto fail;
	}
	if (id_count(root, id) != 1) {
		uc_say(msg, msg_size, "Id '%s' is not unique", (char *)id);
		goto fail;
	}
	/* Transforms: enveloped-signature (required), then C14N 1.0. */
	tr = ds_kid(ref, "Transforms");
	t = next_elem(tr != NULL ? tr->children : NULL);
	if (!is_ns(t, DS_NS, "Transform") || !alg_is(t, ALG_ENVELOPED) ||
	    ((t = next_elem(t->next)) != NULL && (!is_ns(t, DS_NS,
	    "Transform") || !alg_is(t, ALG_C14N) ||
	    next_elem(t->next) != NULL))) {
		uc_say(msg, msg_size, "Transforms: want enveloped-signature "
		    "[, C14N 1.0] and nothing else");
		goto fail;
	}
	if (!alg_is(ds_kid(ref, "DigestMethod"), ALG_SHA256) ||
	    b64_dec(ds_kid(ref, "DigestValue"), &dv, &dvl) != 0 ||
	    dvl != US_DIGEST_LEN) {
		uc_say(msg, msg_size, "Reference: want a SHA-256 DigestValue");
		goto fail;
	}
	if (c14n(doc, root, sig, &c, &cl) != 0 ||
	    EVP_Digest(c, cl, md, &mdl, EVP_sha256(), NULL) != 1) {
		s = UCHECK_ERR_GENERAL;
		goto fail;
	}
	if (mdl != US_DIGEST_LEN || CRYPTO_memcmp(md, dv, mdl) != 0) {
		uc_say(msg, msg_size, "digest mismatch: the signed content "
		    "was changed");
		goto fail;
	}
	free(c);
	c = NULL;
	if (b64_dec(ds_kid(sig, "SignatureValue"), &sv, &svl) != 0 ||
	    svl != bits / 8) {
		uc_say(msg, msg_size, "SignatureValue is not %u bits", bits);
		goto fail;
	}
	if (c14n(doc, si, NULL, &c, &cl) != 0 || HMAC(EVP_sha256(), key,
	    UCHECK_TRK_LEN, c, cl, md, &mdl) == NULL) {
		s = UCHECK_ERR_GENERAL;
		goto fail;
	}
	if (CRYPTO_memcmp(md, sv, svl) != 0) {
		uc_say(msg, msg_size, "HMAC-SHA256 does not verify under the "
		    "%s '%s'", ink ? "InK" : "TrK", kn);
		goto fail;
	}
	/* Verified under our key: that is its name from now on. */
	if (want_name[0] == '\0')
		snprintf(want_name, UCHECK_URI_LEN, "%s", kn);
	info->us_signed = true;
	info->us_bits = bits;
	snprintf(info->us_key, sizeof(info->us_key), "%s", kn);
	s = UCHECK_OK;
 fail:
	OPENSSL_cleanse(md, sizeof(md));
	xmlFree(id);
	xmlFree(uri);
	free(kn);
	free(sid);
	free(bits_s);
	free(dv);
	free(sv);
	free(c);
	return s;
}

/*
 * An xenc:EncryptedKey under ek: kw-aes256 (RFC 3394) by the TrK named
 * in its KeyName (when the TrK's name is known), want octets.
 */
static enum ucheck_status
unwrap_3394(const struct ucheck *uc, xmlNodePtr ek, const char *what,
    uint8_t *out, size_t want, char *msg, size_t msg_size)
{
	enum ucheck_status	 s = UCHECK_ERR_DECRYPT;
	EVP_CIPHER_CTX		*cx = NULL;
	uint8_t			*w = NULL, p[US_WRAPPED_LEN];
	size_t			 wl = 0;
	char			*kn = NULL;
	int			 l1 = 0, l2 = 0;

	if (!uc->uc_has_trk) {
		uc_say(msg, msg_size, "%s: wrapped under a TrK; give --trk",
		    what);
		return UCHECK_ERR_DECRYPT;
	}
	kn = uc_text_trim(ds_kid(ds_kid(ek, "KeyInfo"), "KeyName"));
	if (uc->uc_trk_name[0] != '\0' && (kn == NULL ||
	    strcmp(kn, uc->uc_trk_name) != 0)) {
		uc_say(msg, msg_size, "%s: wrapped under '%s', this device's "
		    "TrK is '%s'", what, kn != NULL ? kn : "", uc->uc_trk_name);
		goto fail;
	}
	if (!alg_is(uc_kid_any(ek, "EncryptionMethod"), ALG_KW256) ||
	    b64_dec(uc_kid_any(uc_kid_any(ek, "CipherData"), "CipherValue"),
	    &w, &wl) != 0 || wl != want + 8 || wl > sizeof(p)) {
		uc_say(msg, msg_size, "%s: not a kw-aes256 wrap of %zu "
		    "octets", what, want);
		goto fail;
	}
	if ((cx = EVP_CIPHER_CTX_new()) == NULL) {
		s = UCHECK_ERR_GENERAL;
		goto fail;
	}
	EVP_CIPHER_CTX_set_flags(cx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (EVP_DecryptInit_ex(cx, EVP_aes_256_wrap(), NULL, uc->uc_trk,
	    NULL) != 1 || EVP_DecryptUpdate(cx, p, &l1, w, (int)wl) != 1 ||
	    EVP_DecryptFinal_ex(cx, p + l1, &l2) != 1 ||
	    (size_t)(l1 + l2) != want) {
		uc_say(msg, msg_size, "%s: does not unwrap with the TrK (RFC "
		    "3394)", what);
		goto fail;
	}
	memcpy(out, p, want);
	s = UCHECK_OK;
 fail:
	OPENSSL_cleanse(p, sizeof(p));		/* wipe: unwrapped key */
	EVP_CIPHER_CTX_free(cx);
	free(w);
	free(kn);
	return s;
}

/*
 * KmsMessage holding an xenc:EncryptedData (#Content): decrypt with the
 * content key unwrapped by the TrK and put the plaintext in its place.
 */
static enum ucheck_status
decrypt_msg(struct ucheck *uc, xmlNodePtr resp, struct ucheck_sec *info,
    char *msg, size_t msg_size)
{
	enum ucheck_status	 s = UCHECK_ERR_DECRYPT;
	EVP_CIPHER_CTX		*cx = NULL;
	xmlNodePtr		 km, ed, list = NULL;
	xmlChar			*type = NULL;
	char			*trk_id = NULL, *kn = NULL;
	uint8_t			 cek[US_CEK_LEN], *ct = NULL, *pt = NULL;
	size_t			 ctl = 0, n;
	int			 l1 = 0, l2 = 0;

	km = uc_kid(resp, "KmsMessage");
	ed = next_elem(km != NULL ? km->children : NULL);
	if (!is_ns(ed, XENC_NS, "EncryptedData"))
		return UCHECK_OK;			/* not encrypted */
	if (next_elem(ed->next) != NULL ||
	    (type = xmlGetNoNsProp(ed, BAD_CAST "Type")) == NULL ||
	    !xmlStrEqual(type, BAD_CAST TYPE_CONTENT) ||
	    !alg_is(uc_kid_any(ed, "EncryptionMethod"), ALG_GCM128)) {
		uc_say(msg, msg_size, "KmsMessage: want one EncryptedData of "
		    "Type #Content with aes128-gcm");
		goto fail;
	}
	kn = uc_text_trim(ds_kid(ds_kid(uc_kid_any(ds_kid(ed, "KeyInfo"),
	    "EncryptedKey"), "KeyInfo"), "KeyName"));
	trk_id = uc_text_trim(uc_kid(resp, "TrK-ID"));
	if (trk_id == NULL || kn == NULL || strcmp(trk_id, kn) != 0) {
		uc_say(msg, msg_size, "TrK-ID '%s' does not name the key "
		    "encryption key '%s'", trk_id != NULL ? trk_id : "",
		    kn != NULL ? kn : "");
		goto fail;
	}
	if ((s = unwrap_3394(uc, uc_kid_any(ds_kid(ed, "KeyInfo"),
	    "EncryptedKey"), "content key", cek, sizeof(cek), msg,
	    msg_size)) != UCHECK_OK)
		goto fail;
	s = UCHECK_ERR_DECRYPT;
	if (b64_dec(uc_kid_any(uc_kid_any(ed, "CipherData"), "CipherValue"),
	    &ct, &ctl) != 0 || ctl < US_GCM_IV_LEN + US_GCM_TAG_LEN + 1 ||
	    ctl > INT32_MAX) {
		uc_say(msg, msg_size, "EncryptedData: CipherValue is not IV, "
		    "ciphertext and tag in base64");
		goto fail;
	}
	n = ctl - US_GCM_IV_LEN - US_GCM_TAG_LEN;
	if ((pt = malloc(n + 1)) == NULL || (cx = EVP_CIPHER_CTX_new()) ==
	    NULL) {
		s = UCHECK_ERR_GENERAL;
		goto fail;
	}
	if (EVP_DecryptInit_ex(cx, EVP_aes_128_gcm(), NULL, NULL, NULL) !=
	    1 || EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_IVLEN,
	    US_GCM_IV_LEN, NULL) != 1 || EVP_DecryptInit_ex(cx, NULL, NULL,
	    cek, ct) != 1 || EVP_DecryptUpdate(cx, pt, &l1,
	    ct + US_GCM_IV_LEN, (int)n) != 1 || EVP_CIPHER_CTX_ctrl(cx,
	    EVP_CTRL_GCM_SET_TAG, US_GCM_TAG_LEN, ct + ctl -
	    US_GCM_TAG_LEN) != 1 || EVP_DecryptFinal_ex(cx, pt + l1,
	    &l2) != 1) {
		uc_say(msg, msg_size, "EncryptedData: AES-128-GCM "
		    "authentication failed");
		goto fail;
	}
	n = (size_t)(l1 + l2);
	/* The plaintext is KmsMessage's content: parse it in place. */
	if (xmlParseInNodeContext(km, (const char *)pt, (int)n,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING,
	    &list) != XML_ERR_OK || list == NULL) {
		uc_say(msg, msg_size, "decrypted KmsMessage is not "
		    "well-formed XML");
		goto fail;
	}
	xmlUnlinkNode(ed);
	xmlFreeNode(ed);
	xmlAddChildList(km, list);
	list = NULL;
	info->us_encrypted = true;
	s = UCHECK_OK;
 fail:
	OPENSSL_cleanse(cek, sizeof(cek));	/* wipe: content key */
	if (pt != NULL) {
		OPENSSL_cleanse(pt, n);		/* wipe: key material */
		free(pt);
	}
	if (list != NULL)
		xmlFreeNodeList(list);
	EVP_CIPHER_CTX_free(cx);
	xmlFree(type);
	free(ct);
	free(kn);
	free(trk_id);
	return s;
}

/* NewTransportKey / NewIntegrityKey of KmsInit or KmsKeyProv. */
static enum ucheck_status
new_keys(struct ucheck *uc, xmlNodePtr resp, struct ucheck_sec *info,
    char *msg, size_t msg_size)
{
	enum ucheck_status	 s;
	xmlNodePtr		 pl, n, ek;
	struct uc_key		*k;
	char			*name;
	bool			 trk;

	pl = next_elem(uc_kid(resp, "KmsMessage") != NULL ?
	    uc_kid(resp, "KmsMessage")->children : NULL);
	if (!is_iface(pl, "KmsInit") && !is_iface(pl, "KmsKeyProv"))
		return UCHECK_OK;
	for (n = pl->children; n != NULL; n = n->next) {
		if (!(trk = is_iface(n, "NewTransportKey")) &&
		    !is_iface(n, "NewIntegrityKey"))
			continue;
		k = trk ? &uc->uc_next_trk : &uc->uc_next_ink;
		if (k->k_set) {
			uc_say(msg, msg_size, "more than one %s",
			    (const char *)n->name);
			return UCHECK_ERR_CONTENT;
		}
		ek = uc_kid_any(n, "EncryptedKey");
		name = uc_text_trim(uc_kid_any(ek, "CarriedKeyName"));
		if (name == NULL || name[0] == '\0' ||
		    strlen(name) >= sizeof(k->k_name)) {
			uc_say(msg, msg_size, "%s without CarriedKeyName",
			    (const char *)n->name);
			free(name);
			return UCHECK_ERR_CONTENT;
		}
		snprintf(k->k_name, sizeof(k->k_name), "%s", name);
		free(name);
		if ((s = unwrap_3394(uc, ek, (const char *)n->name,
		    k->k_bytes, sizeof(k->k_bytes), msg, msg_size)) !=
		    UCHECK_OK)
			return s;
		k->k_set = true;
		info->us_new_keys++;
	}
	return UCHECK_OK;
}

/* see ucheck.h */
enum ucheck_status
ucheck_open_response(struct ucheck *uc, const char *body, size_t len,
    bool need_sig, char **out, size_t *out_len, struct ucheck_sec *info,
    char *msg, size_t msg_size)
{
	enum ucheck_status	 s;
	xmlDocPtr		 doc = NULL;
	xmlNodePtr		 root;
	xmlSchemaValidCtxtPtr	 valid;
	xmlChar			*txt = NULL;
	int			 tl = 0;

	*out = NULL;
	*out_len = 0;
	memset(info, 0, sizeof(*info));
	adopt_pending(uc);
	/* Well-formed, no DTD (the XSD is checked on the opened text). */
	valid = uc->uc_valid;
	uc->uc_valid = NULL;
	s = uc_parse_validate(uc, body, len, &doc, msg, msg_size);
	uc->uc_valid = valid;
	if (s != UCHECK_OK)
		return s;
	root = xmlDocGetRootElement(doc);
	if (is_iface(root, "KmsResponse")) {
		if (need_sig) {
			uc_say(msg, msg_size, "response not signed, but this "
			    "device holds a %s: kmsd signs every answer to it",
			    uc->uc_ink.k_set ? "InK" : "TrK");
			s = UCHECK_ERR_SIG;
			goto fail;
		}
		if ((*out = malloc(len + 1)) == NULL) {
			s = UCHECK_ERR_GENERAL;
			goto fail;
		}
		memcpy(*out, body, len);
		(*out)[len] = '\0';
		*out_len = len;
		s = UCHECK_OK;
		goto fail;
	}
	if (!is_iface(root, "SignedKmsResponse")) {
		uc_say(msg, msg_size, "root is neither KmsResponse nor "
		    "SignedKmsResponse");
		s = UCHECK_ERR_CONTENT;
		goto fail;
	}
	if ((s = verify_sig(uc, doc, info, msg, msg_size)) != UCHECK_OK)
		goto fail;
	root = next_elem(root->children);
	if ((s = decrypt_msg(uc, root, info, msg, msg_size)) != UCHECK_OK ||
	    (s = new_keys(uc, root, info, msg, msg_size)) != UCHECK_OK)
		goto fail;
	xmlDocDumpMemory(doc, &txt, &tl);
	if (txt == NULL || tl <= 0 || (*out = malloc((size_t)tl + 1)) ==
	    NULL) {
		s = UCHECK_ERR_GENERAL;
		goto fail;
	}
	memcpy(*out, txt, (size_t)tl);
	(*out)[tl] = '\0';
	*out_len = (size_t)tl;
	s = UCHECK_OK;
 fail:
	if (s != UCHECK_OK) {
		/* a failed response delivers no key */
		OPENSSL_cleanse(&uc->uc_next_trk, sizeof(uc->uc_next_trk));
		OPENSSL_cleanse(&uc->uc_next_ink, sizeof(uc->uc_next_ink));
	}
	if (txt != NULL) {
		OPENSSL_cleanse(txt, (size_t)tl);	/* wipe: keys */
		xmlFree(txt);
	}
	xmlFreeDoc(doc);
	return s;
}

/* see ucheck.h */
enum ucheck_status
ucheck_sign_request(struct ucheck *uc, const char *user_uri,
    const char *kms_uri, const char *req_url, unsigned bits, char **out,
    size_t *out_len, char *msg, size_t msg_size)
{
	enum ucheck_status	 s = UCHECK_ERR_GENERAL;
	xmlDocPtr		 doc = NULL;
	xmlNsPtr		 ns, ds;
	xmlNodePtr		 root, req, sig, si, sm, ref, tr, t, dvn, svn;
	xmlNodePtr		 ki;
	xmlChar			*txt = NULL;
	uint8_t			*c = NULL, md[EVP_MAX_MD_SIZE];
	const uint8_t		*key;
	const char		*name;
	char			 now[32], nbits[8], *b64 = NULL;
	size_t			 cl = 0;
	unsigned		 mdl = 0;
	struct tm		 tm;
	time_t			 tt = time(NULL);
	int			 tl = 0;

	*out = NULL;
	adopt_pending(uc);
	if (!ucheck_has_key(uc)) {
		uc_say(msg, msg_size, "--sign needs the device's --ink or "
		    "--trk");
		return UCHECK_ERR_CONTENT;
	}
	key = uc->uc_ink.k_set ? uc->uc_ink.k_bytes : uc->uc_trk;
	name = uc->uc_ink.k_set ? uc->uc_ink.k_name : uc->uc_trk_name;
	if (name[0] == '\0') {
		uc_say(msg, msg_size, "the name of the signing %s is not "
		    "known: give --%s-name", uc->uc_ink.k_set ? "InK" : "TrK",
		    uc->uc_ink.k_set ? "ink" : "trk");
		return UCHECK_ERR_CONTENT;
	}
	if (bits < US_BITS_MIN || bits > US_BITS_MAX || bits % 8 != 0) {
		uc_say(msg, msg_size, "HMAC length %u", bits);
		return UCHECK_ERR_LENGTH;
	}
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return UCHECK_ERR_GENERAL;
	snprintf(nbits, sizeof(nbits), "%u", bits);

	/* The document, built by libxml2 (it escapes the values). */
	if ((doc = xmlNewDoc(BAD_CAST "1.0")) == NULL ||
	    (root = xmlNewDocNode(doc, NULL, BAD_CAST "SignedKmsRequest",
	    NULL)) == NULL)
		goto fail;
	xmlDocSetRootElement(doc, root);
	if ((ns = xmlNewNs(root, BAD_CAST UCHECK_NS, NULL)) == NULL)
		goto fail;
	xmlSetNs(root, ns);
	if (xmlNewProp(root, BAD_CAST "Id", BAD_CAST US_REQ_ID) == NULL ||
	    (req = xmlNewChild(root, ns, BAD_CAST "KmsRequest", NULL)) ==
	    NULL || xmlNewProp(req, BAD_CAST "Version", BAD_CAST "1.1.0") ==
	    NULL ||
	    xmlNewTextChild(req, ns, BAD_CAST "UserUri", BAD_CAST user_uri)
	    == NULL ||
	    xmlNewTextChild(req, ns, BAD_CAST "KmsUri", BAD_CAST kms_uri) ==
	    NULL ||
	    xmlNewTextChild(req, ns, BAD_CAST "Time", BAD_CAST now) == NULL ||
	    xmlNewTextChild(req, ns, BAD_CAST "ClientReqUrl",
	    BAD_CAST req_url) == NULL ||
	    xmlNewTextChild(req, ns, BAD_CAST "Signature-ID", BAD_CAST name)
	    == NULL)
		goto fail;
	if ((sig = xmlNewChild(root, NULL, BAD_CAST "Signature", NULL)) ==
	    NULL || (ds = xmlNewNs(sig, BAD_CAST DS_NS, BAD_CAST "ds")) ==
	    NULL)
		goto fail;
	xmlSetNs(sig, ds);
	if ((si = xmlNewChild(sig, ds, BAD_CAST "SignedInfo", NULL)) ==
	    NULL || (t = xmlNewChild(si, ds,
	    BAD_CAST "CanonicalizationMethod", NULL)) == NULL ||
	    xmlNewProp(t, BAD_CAST "Algorithm", BAD_CAST ALG_C14N) == NULL ||
	    (sm = xmlNewChild(si, ds, BAD_CAST "SignatureMethod", NULL)) ==
	    NULL || xmlNewProp(sm, BAD_CAST "Algorithm", BAD_CAST ALG_HMAC)
	    == NULL || (bits != US_BITS_MAX && xmlNewTextChild(sm, ds,
	    BAD_CAST "HMACOutputLength", BAD_CAST nbits) == NULL) ||
	    (ref = xmlNewChild(si, ds, BAD_CAST "Reference", NULL)) == NULL ||
	    xmlNewProp(ref, BAD_CAST "URI", BAD_CAST "#" US_REQ_ID) == NULL ||
	    (tr = xmlNewChild(ref, ds, BAD_CAST "Transforms", NULL)) ==
	    NULL || (t = xmlNewChild(tr, ds, BAD_CAST "Transform", NULL)) ==
	    NULL || xmlNewProp(t, BAD_CAST "Algorithm",
	    BAD_CAST ALG_ENVELOPED) == NULL ||
	    (t = xmlNewChild(tr, ds, BAD_CAST "Transform", NULL)) == NULL ||
	    xmlNewProp(t, BAD_CAST "Algorithm", BAD_CAST ALG_C14N) == NULL ||
	    (t = xmlNewChild(ref, ds, BAD_CAST "DigestMethod", NULL)) ==
	    NULL || xmlNewProp(t, BAD_CAST "Algorithm", BAD_CAST ALG_SHA256)
	    == NULL ||
	    (dvn = xmlNewChild(ref, ds, BAD_CAST "DigestValue", NULL)) ==
	    NULL ||
	    (svn = xmlNewChild(sig, ds, BAD_CAST "SignatureValue", NULL)) ==
	    NULL ||
	    (ki = xmlNewChild(sig, ds, BAD_CAST "KeyInfo", NULL)) == NULL ||
	    xmlNewTextChild(ki, ds, BAD_CAST "KeyName", BAD_CAST name) ==
	    NULL)
		goto fail;

	/* Digest of the root without the Signature (enveloped). */
	if (c14n(doc, root, sig, &c, &cl) != 0 ||
	    EVP_Digest(c, cl, md, &mdl, EVP_sha256(), NULL) != 1 ||
	    (b64 = b64_enc(md, mdl)) == NULL)
		goto fail;
	xmlNodeSetContent(dvn, BAD_CAST b64);
	free(b64);
	b64 = NULL;
	free(c);
	c = NULL;
	/* HMAC over the canonical SignedInfo, truncated. */
	if (c14n(doc, si, NULL, &c, &cl) != 0 || HMAC(EVP_sha256(), key,
	    UCHECK_TRK_LEN, c, cl, md, &mdl) == NULL ||
	    (b64 = b64_enc(md, bits / 8)) == NULL)
		goto fail;
	xmlNodeSetContent(svn, BAD_CAST b64);
	if (uc->uc_valid != NULL && xmlSchemaValidateDoc(uc->uc_valid, doc)
	    != 0) {
		uc_say(msg, msg_size, "own SignedKmsRequest not XSD-valid");
		s = UCHECK_ERR_SCHEMA;
		goto fail;
	}
	xmlDocDumpMemory(doc, &txt, &tl);
	if (txt == NULL || tl <= 0 || (*out = malloc((size_t)tl + 1)) ==
	    NULL)
		goto fail;
	memcpy(*out, txt, (size_t)tl);
	(*out)[tl] = '\0';
	*out_len = (size_t)tl;
	s = UCHECK_OK;
 fail:
	if (s == UCHECK_ERR_GENERAL)
		uc_say(msg, msg_size, "cannot build the SignedKmsRequest");
	OPENSSL_cleanse(md, sizeof(md));
	xmlFree(txt);
	free(b64);
	free(c);
	xmlFreeDoc(doc);
	return s;
}

/* see ucheck.h */
enum ucheck_status
ucheck_valid_doc(const struct ucheck *uc, const char *body, size_t len,
    char *msg, size_t msg_size)
{
	enum ucheck_status	 s;
	xmlDocPtr		 doc = NULL;

	s = uc_parse_validate(uc, body, len, &doc, msg, msg_size);
	xmlFreeDoc(doc);
	return s;
}
