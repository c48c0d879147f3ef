/*
 * xml.h - the KMS XML model of TS 33.180 Annex D: builds the KmsResponse
 * documents that the mcx/ handlers send.
 *
 * Documents are built with libxml2's tree API, so every text value is
 * escaped by the library; this module additionally refuses (or, for error
 * messages, replaces) what XML 1.0 cannot carry at all: invalid UTF-8 and
 * control characters.  Output is UTF-8 with an XML declaration, the
 * interface namespace (XML_NS_KMS) as the default namespace, elements in
 * the order of the merged 3GPP XSD (spec/mcx-kms.md 3.11) and times as
 * UTC xsd:dateTime with "Z".
 *
 * Callers: mcx/ handlers on net/ worker threads.  Every function is
 * thread safe (no state besides libxml2's one-time initialisation, which
 * this module does itself).  Caller owns every input and the output
 * buffer; nothing is kept after a call returns.
 */
#ifndef XML_H
#define XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "conf.h"
#include "crypto.h"

/* Namespaces and versions (spec/mcx-kms.md 3.1-3.4). */
#define XML_NS_KMS		"urn:3gpp:ns:mcsecKMSInterface:1.0"
#define XML_NS_XSI		"http://www.w3.org/2001/XMLSchema-instance"
#define XML_VER_RESPONSE	"1.0.0"	/* KmsResponse Version (fixed) */
#define XML_VER_INIT		"1.0.0"	/* KmsInit Version */
#define XML_VER_CERT		"1.1.0"	/* KmsCertificate Version */

/* Values this release always emits. */
#define XML_USER_ID_FORMAT	2	/* TS 33.180 F.2.1 UID */

/* Limits. */
#define XML_STR_MAX		4096	/* a URI or other string field, bytes */
#define XML_ERRMSG_MAX		512	/* ErrorMsg, bytes; longer is cut */
#define XML_DOMAINS_MAX		CONF_DOMAINS_MAX /* KmsDomain elements */
#define XML_TIME_LEN		21	/* "YYYY-MM-DDThh:mm:ssZ" + NUL */

/* Status codes.  Start a status variable at XML_ERR_GENERAL. */
enum xml_status {
	XML_OK			=  0,
	XML_ERR_GENERAL		= -1,	/* libxml2 failed */
	XML_ERR_ARGS		= -2,	/* NULL, too long, not XML text, time */
	XML_ERR_MEMORY		= -3,	/* allocation failed */
	XML_ERR_SPACE		= -4,	/* the output buffer's max is reached */
};

/*
 * The envelope fields of a KmsResponse (Table D.3.1-1).  Strings are UTF-8,
 * NUL terminated, at most XML_STR_MAX bytes, without control characters.
 * user_uri, kms_uri and client_req_url are required; kms_id is optional
 * (NULL or "" leaves KmsId out).  time is Unix seconds (UTC).
 */
struct kms_resp_meta {
	const char	*user_uri;
	const char	*kms_uri;
	const char	*kms_id;
	int64_t		 time;
	const char	*client_req_url;
};

/*
 * A KMS certificate (KmsCertificate, D.3.2; spec/mcx-kms.md 3.4).  Optional
 * strings (cert_uri, issuer) are left out when NULL or "".  Times are Unix
 * seconds.  The public keys are uncompressed points (04 || x || y) and are
 * written as upper-case hex.  domains[0..domain_count) become KmsDomain
 * elements; with no domain, KmsDomainList is left out (the XSD wants 1..n).
 */
struct kms_cert_info {
	const char	*cert_uri;
	const char	*kms_uri;		/* required */
	const char	*issuer;
	int64_t		 valid_from;
	int64_t		 valid_to;
	bool		 revoked;
	unsigned	 user_id_format;	/* XML_USER_ID_FORMAT */
	uint64_t	 user_key_period;	/* seconds */
	uint64_t	 user_key_offset;	/* seconds */
	uint8_t		 pub_enc_key[SAKKE_POINT_LEN];	/* Z_S */
	uint8_t		 pub_auth_key[ECCSI_POINT_LEN];	/* KPAK */
	unsigned	 parameter_set;		/* SAKKE_PARAMETER_SET */
	const char	*domains[XML_DOMAINS_MAX];
	size_t		 domain_count;
	bool		 is_root;	/* Role="Root", else "External" */
};

/*
 * Fill cert from the [kms] settings of conf and the KMS public keys
 * (pub_enc: SAKKE_POINT_LEN bytes, pub_auth: ECCSI_POINT_LEN bytes) as a
 * Root certificate.  The strings of cert point into conf: conf must outlive
 * cert.  Returns XML_OK or XML_ERR_ARGS.
 */
int	 xml_cert_from_conf(const struct kms_conf *conf,
	    const uint8_t *pub_enc, const uint8_t *pub_auth,
	    struct kms_cert_info *cert);

/*
 * Append a KMS Initialize response to out:
 *   KmsResponse(Version 1.0.0): UserUri, KmsUri, Time, [KmsId],
 *   ClientReqUrl, KmsMessage/KmsInit(Version 1.0.0)/KmsCertificate
 *   (Version 1.1.0, Role): [CertUri], KmsUri, [Issuer], ValidFrom,
 *   ValidTo, Revoked, UserIdFormat, UserKeyPeriod, UserKeyOffset,
 *   PubEncKey, PubAuthKey, ParameterSet, [KmsDomainList/KmsDomain...].
 * out is initialised by the caller (buf_init) and may hold data already;
 * on failure it is cut back to its length on entry.  Returns XML_OK or a
 * negative enum xml_status.
 */
int	 xml_init_response(const struct kms_resp_meta *meta,
	    const struct kms_cert_info *cert, struct buf *out);

/*
 * Append an error response to out: KmsResponse with the envelope of meta
 * and KmsError(ErrorCode = error_code, ErrorMsg = error_msg), no
 * KmsMessage.  error_msg is text for people: bytes that XML cannot carry
 * are replaced by '?', and it is cut to XML_ERRMSG_MAX bytes (at a
 * character boundary).  Output buffer rules as xml_init_response.
 */
int	 xml_error_response(const struct kms_resp_meta *meta, int error_code,
	    const char *error_msg, struct buf *out);

/* ---------------------------------------------------------------------
 * Key provisioning and the certificate cache (D.3.3, D.3.4; notes 3.3,
 * 3.5, 3.6).
 */
#define XML_VER_KEYPROV		"1.0.0"	/* KmsKeyProv Version (fixed) */
#define XML_VER_KEYSET		"1.1.0"	/* KmsKeySet Version (fixed) */
#define XML_VER_CERTCACHE	"1.0.0"	/* KmsCertCache Version (fixed) */
#define XML_KEYSETS_MAX		65	/* key sets in one KmsKeyProv */
#define XML_UID_LEN		32	/* UserID octets (UID_LEN) */

/*
 * One KmsKeySet with plaintext keys (KeyContentType, xsi:type given).
 * Strings as in struct kms_resp_meta; cert_uri and issuer are optional.
 * Times are Unix seconds.  rsk (SAKKE_RSK_LEN), ssk (ECCSI_SCALAR_LEN)
 * and pvt (ECCSI_POINT_LEN) are read only while the call runs; the
 * secret ones are never copied into libxml2's memory (see
 * xml_keyprov_response).
 */
struct kms_keyset_info {
	const char	*kms_uri;
	const char	*cert_uri;
	const char	*issuer;
	const char	*user_uri;
	uint8_t		 user_id[XML_UID_LEN];
	int64_t		 valid_from;
	int64_t		 valid_to;
	uint64_t	 key_period_no;
	bool		 revoked;
	const uint8_t	*rsk;
	const uint8_t	*ssk;
	const uint8_t	*pvt;
};

/*
 * Append a KMS KeyProvision response to out:
 *   KmsResponse: envelope, KmsMessage/KmsKeyProv(Version 1.0.0)/
 *   KmsKeySet(Version 1.1.0)*: KmsUri, [CertUri], [Issuer], UserUri,
 *   UserID (64 upper-case hex digits), ValidFrom, ValidTo, KeyPeriodNo,
 *   Revoked, UserDecryptKey, UserSigningKeySSK, UserPubTokenPVT (each
 *   xsi:type="KeyContentType", upper-case hex).
 * The document is built and serialised by libxml2 with a placeholder in
 * each key element; the key hex is written straight into out while the
 * serialised text is copied, so key bytes exist only in out (struct buf
 * wipes what it releases) and in a wiped stack buffer.  n is
 * 0..XML_KEYSETS_MAX.  Output buffer rules as xml_init_response (on
 * failure the appended bytes are wiped and out is cut back).
 */
int	 xml_keyprov_response(const struct kms_resp_meta *meta,
	    const struct kms_keyset_info *sets, size_t n, struct buf *out);

/*
 * The identifying fields of a stored KMS certificate document (a
 * KmsCertificate or SignedKmsCertificate root in XML_NS_KMS).
 */
struct kms_cert_ref {
	char		 cr_cert_uri[XML_STR_MAX + 1];
	char		 cr_kms_uri[XML_STR_MAX + 1];
	char		 cr_role[16];		/* "Root", "External" or "" */
	bool		 cr_signed;		/* SignedKmsCertificate */
};

/*
 * Parse a certificate document (len bytes, at most XML_DOC_MAX) with the
 * hardened parser (no network, no DTD, no entities, depth limit) and
 * check its shape: root KmsCertificate, or SignedKmsCertificate holding
 * one, in XML_NS_KMS, with non-empty CertUri and KmsUri.  Fills ref.
 * Returns XML_OK or XML_ERR_ARGS.
 */
int	 xml_cert_parse(const char *xml, size_t len, struct kms_cert_ref *ref);

/*
 * A KMS CertCache (or KMS Cert) response under construction:
 *   KmsResponse: envelope, KmsMessage/KmsCertCache(Version 1.0.0,
 *   CacheNum = cache_num): SignedKmsCertificate*, KmsCertificate*.
 * xml_certcache_add copies one stored certificate document (checked as
 * by xml_cert_parse) into it, keeping the XSD order (signed ones first).
 * xml_certcache_finish appends the document to out (rules as
 * xml_init_response).  xml_certcache_free(NULL) is a no-op.
 */
struct xml_certcache;
int	 xml_certcache_new(const struct kms_resp_meta *meta,
	    uint64_t cache_num, struct xml_certcache **out);
int	 xml_certcache_add(struct xml_certcache *cc, const char *xml,
	    size_t len);
/* Add a KmsCertificate built from cert (the KMS's own generations). */
int	 xml_certcache_add_info(struct xml_certcache *cc,
	    const struct kms_cert_info *cert);
int	 xml_certcache_finish(struct xml_certcache *cc, struct buf *out);
void	 xml_certcache_free(struct xml_certcache *cc);

/*
 * What a request body is (xml_parse_safe; len at most XML_DOC_MAX):
 * XML_REQ_EMPTY (no body, or only XML white space), XML_REQ_PLAIN (a
 * KmsRequest in XML_NS_KMS), XML_REQ_SIGNED (a SignedKmsRequest).
 * Anything else, a DTD, or nesting deeper than XML_DEPTH_MAX:
 * XML_ERR_ARGS.
 */
enum xml_req_kind {
	XML_REQ_EMPTY		= 1,
	XML_REQ_PLAIN		= 2,
	XML_REQ_SIGNED		= 3,
};
int	 xml_request_kind(const uint8_t *body, size_t len);

/*
 * Write t (Unix seconds) as UTC xsd:dateTime "YYYY-MM-DDThh:mm:ssZ" into
 * out (at least XML_TIME_LEN bytes).  Years 0001..9999 only.  Returns
 * XML_OK or XML_ERR_ARGS.
 */
int	 xml_format_time(int64_t t, char *out, size_t out_size);

/* True when s is valid UTF-8 made only of XML 1.0 characters (no controls
 * other than TAB, LF, CR) and at most XML_STR_MAX bytes long. */
bool	 xml_is_text(const char *s);

/* Security extension (TS 33.180 D.3.5, seeds 000-002) */

/*
 * Hardened parsing, XML signatures (HMAC-SHA256 with a TrK or InK), key
 * wrapping (EncKeyContentType) and KmsMessage confidentiality, all on
 * libxml2 trees with every key operation inside hsm/.  xml_sec.c;
 * docs/security-extension.md has the wire format and the choices made
 * where the spec is silent or wrong.
 *
 * Threads: as above (no state; libxml2 is initialised once here).  A doc
 * is owned by one thread at a time.  Key bytes never pass through this
 * module except user key material handed to xml_sec_add_wrapped, which
 * the caller wipes.
 */
#include <libxml/tree.h>

#include "hsm.h"

/* Namespaces (spec/mcx-kms.md 3.1). */
#define XML_NS_DSIG	"http://www.w3.org/2000/09/xmldsig#"
#define XML_NS_XENC	"http://www.w3.org/2001/04/xmlenc#"
#define XML_NS_SECEXT	"urn:3gpp:ns:mcsecKMSSecExt:1.0" /* Rel-14; input */

/* Algorithm URIs (spec/mcx-kms.md 4.2-4.4). */
#define XML_ALG_C14N	"http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
#define XML_ALG_C14N_WC	XML_ALG_C14N "#WithComments"
#define XML_ALG_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define XML_ALG_EXC_C14N_WC XML_ALG_EXC_C14N "WithComments"
#define XML_ALG_ENVELOPED XML_NS_DSIG "enveloped-signature"
#define XML_ALG_HMAC_SHA256 "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
#define XML_ALG_SHA256	XML_NS_XENC "sha256"
#define XML_ALG_KW_AES256 XML_NS_XENC "kw-aes256"
#define XML_ALG_KW_AES256_PAD "http://www.w3.org/2009/xmlenc11#kw-aes-256-pad"
#define XML_ALG_AES128_GCM "http://www.w3.org/2009/xmlenc11#aes128-gcm"
#define XML_ENC_ELEMENT	XML_NS_XENC "Element"
#define XML_ENC_CONTENT	XML_NS_XENC "Content"
#define XML_ENC_KEY_TYPE XML_NS_XENC "EncryptedKey"

/* Limits and defaults. */
#define XML_DOC_MAX		(256 * 1024)	/* most bytes to parse */
#define XML_DEPTH_MAX		32	/* deepest element nesting */
#define XML_SIGN_ID		"xmldoc"	/* default Id to sign */
#define XML_HMAC_BITS		128	/* default HMACOutputLength */
#define XML_HMAC_BITS_MIN	128	/* shortest we make or accept */
#define XML_HMAC_BITS_MAX	256	/* full HMAC-SHA256 */
#define XML_REQ_WINDOW		5	/* default request Time window, s */

/*
 * More status codes (enum xml_status continues here).  Each refusal of
 * xml_parse_safe and of xml_verify_request has its own code so that a
 * handler can answer 400/401/403 with a precise KmsError.
 */
enum xml_sec_status {
	XML_ERR_TOO_BIG		= -10,	/* document over XML_DOC_MAX bytes */
	XML_ERR_TOO_DEEP	= -11,	/* nesting over XML_DEPTH_MAX */
	XML_ERR_DOCTYPE		= -12,	/* a DOCTYPE (DTD) is present */
	XML_ERR_ENTITY		= -13,	/* an internal entity declaration */
	XML_ERR_EXT_ENTITY	= -14,	/* an external entity (XXE) */
	XML_ERR_MALFORMED	= -15,	/* not well-formed XML */
	XML_ERR_STRUCTURE	= -16,	/* well-formed, not our model */
	XML_ERR_SIG_KEY		= -17,	/* key unknown or not the user's */
	XML_ERR_SIG		= -18,	/* signature or digest is wrong */
	XML_ERR_KMS_URI		= -19,	/* KmsUri is not ours */
	XML_ERR_TIME		= -20,	/* Time outside the window */
	XML_ERR_REQ_URL		= -21,	/* ClientReqUrl is not our URL */
	XML_ERR_HSM		= -22,	/* hsm/ failed, not the data */
};

/* A short fixed English text for an xml_status or xml_sec_status. */
const char	*xml_strerror(int status);

/*
 * Parse data (len bytes) into *out, refusing before any expansion: no
 * network, no DTD loading, no entity substitution, no XInclude, and a
 * document with a DOCTYPE at all is refused (XML_ERR_DOCTYPE; with an
 * entity declaration XML_ERR_ENTITY, XML_ERR_EXT_ENTITY for SYSTEM or
 * PUBLIC entities).  len over XML_DOC_MAX: XML_ERR_TOO_BIG, checked before
 * parsing; elements nested deeper than XML_DEPTH_MAX: XML_ERR_TOO_DEEP,
 * checked while parsing.  Otherwise not well-formed: XML_ERR_MALFORMED.
 * Whitespace is kept (signatures cover it).  The caller frees *out with
 * xmlFreeDoc; on failure *out is NULL.
 */
int	 xml_parse_safe(const uint8_t *data, size_t len, xmlDocPtr *out);

/*
 * Append doc to out as UTF-8 with an XML declaration and no added
 * whitespace (never re-indent a signed document).  Buffer rules as
 * xml_init_response.
 */
int	 xml_doc_write(xmlDocPtr doc, struct buf *out);

/* A TrK or InK as this module uses it: the token, its id and its name
 * (the KeyName, "tk.<n>.<user>" / "ik.<n>.<user>"). */
struct xml_sec_key {
	struct hsm	*xk_hsm;
	hsm_key_id	 xk_id;
	const char	*xk_name;
};

/*
 * Append to parent (a KmsKeySet) the element name (UserDecryptKey,
 * UserSigningKeySSK or UserPubTokenPVT) as
 *   <name xsi:type="EncKeyContentType"><xenc:EncryptedKey>
 *     <xenc:EncryptionMethod Algorithm="alg_uri"/>
 *     <ds:KeyInfo><ds:KeyName>trk->xk_name</ds:KeyName></ds:KeyInfo>
 *     <xenc:CipherData><xenc:CipherValue>base64(RFC 5649 wrap)
 *   </xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></name>
 * with material (1..HSM_WRAP_MATERIAL_MAX bytes: SSK 32, PVT 65, RSK 257)
 * wrapped by hsm_wrap_material under trk.  alg_uri NULL means
 * XML_ALG_KW_AES256 (the label clients expect; the wrap is RFC 5649
 * whatever the label, see docs/security-extension.md).  name is in
 * parent's namespace.  The caller wipes material.  XML_ERR_HSM when the
 * token refuses (HSM_ERR_DENIED for a key that is not a TrK).
 */
int	 xml_sec_add_wrapped(xmlNodePtr parent, const char *name,
	    const struct xml_sec_key *trk, const char *alg_uri,
	    const uint8_t *material, size_t len);

/*
 * A KMS KeyProvision response as a tree, keys wrapped: the envelope of
 * meta and KmsMessage/KmsKeyProv/KmsKeySet* in the order of
 * xml_keyprov_response, but each of UserDecryptKey, UserSigningKeySSK and
 * UserPubTokenPVT made by xml_sec_add_wrapped under trk (alg_uri as
 * there).  Plaintext keys never enter libxml2's memory.  *out (root
 * KmsResponse) is ready for xml_sec_add_new_key (on xml_sec_payload),
 * xml_sec_encrypt, xml_sec_sign and xml_doc_write; the caller frees it
 * with xmlFreeDoc.  n is 0..XML_KEYSETS_MAX.
 */
int	 xml_sec_keyprov_doc(const struct kms_resp_meta *meta,
	    const struct kms_keyset_info *sets, size_t n,
	    const struct xml_sec_key *trk, const char *alg_uri,
	    xmlDocPtr *out);

/* The KmsInit / KmsKeyProv / KmsCertCache element of a KmsResponse doc
 * (signed or not), or NULL. */
xmlNodePtr xml_sec_payload(xmlDocPtr doc);

/*
 * Append a NewTransportKey (kc HSM_KC_TRK) or NewIntegrityKey (HSM_KC_INK)
 * to payload (a KmsInit or KmsKeyProv element), from the output of
 * hsm_user_key_wrap_new: an EncryptedKey (Type ...#EncryptedKey, kw-aes256
 * = RFC 3394) naming the wrapping key kek_name in KeyInfo/KeyName and the
 * new key in CarriedKeyName.  Sets xsi:type KmsInitTkIkType or
 * KmsKeyProvTkIkType on payload and keeps NewTransportKey elements before
 * NewIntegrityKey elements (XSD order).
 */
int	 xml_sec_add_new_key(xmlNodePtr payload, enum hsm_key_class kc,
	    const char *kek_name, const uint8_t *wrapped, size_t wrapped_len,
	    const char *carried_name);

/*
 * Confidentiality of the KmsMessage of doc (root KmsResponse; seed 001,
 * spec/mcx-kms.md 4.4): the canonical form (inclusive C14N 1.0) of the
 * KmsMessage's content (element = false: Type ...#Content, the
 * EncryptedData becomes KmsMessage's only child; the default, valid per
 * our XSD) or of the KmsMessage element itself (element = true: Type
 * ...#Element, the EncryptedData replaces it) is sealed by hsm_gcm_seal
 * under trk: xenc:EncryptedData, EncryptionMethod aes128-gcm,
 * ds:KeyInfo/xenc:EncryptedKey (kw-aes256, KeyName trk->xk_name, the
 * wrapped 128-bit content key), CipherValue base64(IV || ct || tag).  A
 * TrK-ID element (trk->xk_name) follows.  Call before xml_sec_sign.
 */
int	 xml_sec_encrypt(xmlDocPtr doc, const struct xml_sec_key *trk,
	    bool element);

/*
 * Sign doc (root KmsResponse): add Signature-ID (key->xk_name, after
 * KmsMessage / TrK-ID), make a SignedKmsResponse root (interface
 * namespace, Id = id, NULL for XML_SIGN_ID) holding the KmsResponse and
 * append an enveloped ds:Signature: C14N 1.0, hmac-sha256 with
 * HMACOutputLength hmac_bits (XML_HMAC_BITS_MIN..MAX, multiple of 8; 256
 * leaves the element out), Reference URI="#id" with the
 * enveloped-signature and C14N transforms, sha256 digest, KeyInfo/KeyName
 * key->xk_name; the HMAC is made by hsm_hmac with key (the user's InK if
 * there is one, else the TrK: the caller chooses).  On failure of
 * xml_sec_encrypt or xml_sec_sign the doc is half changed: free it.
 */
int	 xml_sec_sign(xmlDocPtr doc, const struct xml_sec_key *key,
	    const char *id, unsigned hmac_bits);

/*
 * The usual path for a handler: parse resp (a KmsResponse as
 * xml_*_response wrote it), encrypt when enc is not NULL (Content mode),
 * sign when sign is not NULL, append the result to out.
 */
int	 xml_sec_protect(const char *resp, size_t len,
	    const struct xml_sec_key *enc, const struct xml_sec_key *sign,
	    unsigned hmac_bits, struct buf *out);

/*
 * Verifying a SignedKmsRequest (seed 000, spec/mcx-kms.md 4.6).
 *
 * lookup: find key_name (the ds:KeyName, else Signature-ID) among the
 * TrKs and InKs of user_uri and fill out; return 0, or non-zero when the
 * user has no such key (another user's key must fail too).  The policy
 * "an InK, when the user has one, must be the key used" belongs there.
 */
typedef int	 xml_key_lookup_fn(void *arg, const char *user_uri,
		    const char *key_name, struct xml_sec_key *out);

struct xml_req_policy {
	const char	*rp_kms_uri;	/* our KMS URI, compared exactly */
	const char	*rp_req_url;	/* the URL the POST was sent to */
	int64_t		 rp_now;	/* Unix seconds */
	int64_t		 rp_window;	/* |Time - now| <= window, seconds */
	unsigned	 rp_min_bits;	/* 0: XML_HMAC_BITS_MIN */
};

/* What a verified request says; strings live until xml_req_free. */
struct xml_req {
	xmlDocPtr	 xr_doc;
	char		*xr_user_uri;
	char		*xr_kms_uri;
	char		*xr_client_req_url;
	char		*xr_key_name;	/* the key that verified */
	char		*xr_sig_id;	/* Signature-ID or NULL */
	char		*xr_trk_id;	/* TrK-ID or NULL */
	char		*xr_client_id;	/* or NULL */
	char		*xr_device_id;	/* or NULL */
	int64_t		 xr_time;	/* Unix seconds */
	unsigned	 xr_hmac_bits;
};

/*
 * Check body (len bytes) as a SignedKmsRequest in this order, stopping at
 * the first failure: parse (xml_parse_safe codes); structure
 * (XML_ERR_STRUCTURE: root SignedKmsRequest holding one KmsRequest with
 * UserUri, KmsUri, Time (xsd:dateTime, no zone = UTC), ClientReqUrl, each
 * once, and one ds:Signature after it; Signature-ID, if present, equal to
 * KeyName); key (XML_ERR_SIG_KEY: lookup refused); signature (XML_ERR_SIG:
 * exactly one Reference, to the KmsRequest's Id or, with the enveloped
 * transform, the root's Id, and no other element with that Id; C14N 1.0 /
 * exclusive C14N with or without comments; sha256; hmac-sha256 of at
 * least rp_min_bits, compared in the token in constant time); KmsUri
 * (XML_ERR_KMS_URI); Time (XML_ERR_TIME); ClientReqUrl (XML_ERR_REQ_URL:
 * equal after lower-casing scheme and host, dropping a default port and
 * normalising percent-escapes).  On XML_OK *req is filled and the caller
 * calls xml_req_free; on failure *req is empty.
 */
int	 xml_verify_request(const uint8_t *body, size_t len,
	    const struct xml_req_policy *pol, xml_key_lookup_fn *lookup,
	    void *arg, struct xml_req *req);
void	 xml_req_free(struct xml_req *req);	/* empty req is a no-op */

/*
 * Parse an xsd:dateTime ("YYYY-MM-DDThh:mm:ss[.frac][Z|(+|-)hh:mm]", no
 * zone = UTC; fractions are dropped) into Unix seconds.  XML_OK or
 * XML_ERR_ARGS.
 */
int	 xml_parse_time(const char *s, int64_t *out);

#endif /* XML_H */
