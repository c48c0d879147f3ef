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

/*
 * Write t (Unix seconds) as UTC xsd:dateTime "YYYY-MM-DDThh:mm:ssZ" into
 * out (at least XML_TIME_LEN bytes).  Years 0001..9999 only.  Returns
 * XML_OK or XML_ERR_ARGS.
 */
int	 xml_format_time(int64_t t, char *out, size_t out_size);

/* True when s is valid UTF-8 made only of XML 1.0 characters (no controls
 * other than TAB, LF, CR) and at most XML_STR_MAX bytes long. */
bool	 xml_is_text(const char *s);

#endif /* XML_H */
