/*
 * ucheck.h - the UE-side checks of kms-client: hex decoding, SAKKE and
 * P-256 point validation, and verification of KMS XML responses.
 *
 * This is an independent verifier: it shares no code or constants with
 * firmware/crypto or firmware/xml, and uses OpenSSL and libxml2 directly.
 *
 * Checks return UCHECK_OK (0) or a negative enum ucheck_status, and fill
 * a caller-provided message buffer with the reason on failure.
 */
#ifndef UCHECK_H
#define UCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UCHECK_NS		"urn:3gpp:ns:mcsecKMSInterface:1.0"

#define UCHECK_SAKKE_FP_LEN	128	/* RFC 6509 App. A: p is 1024 bits */
#define UCHECK_SAKKE_POINT_LEN	257	/* 04 || x || y (RFC 6508 s. 4) */
#define UCHECK_P256_FP_LEN	32
#define UCHECK_P256_POINT_LEN	65	/* 04 || x || y (RFC 6507 s. 3.3) */
#define UCHECK_MSG_LEN		256	/* room for one failure message */
#define UCHECK_URI_LEN		512	/* longest KmsUri kept for reports */

enum ucheck_status {
	UCHECK_OK		=  0,
	UCHECK_ERR_GENERAL	= -1,	/* library or allocation failure */
	UCHECK_ERR_LENGTH	= -2,	/* wrong length */
	UCHECK_ERR_HEX		= -3,	/* not hexadecimal */
	UCHECK_ERR_PREFIX	= -4,	/* not the 04 uncompressed form */
	UCHECK_ERR_RANGE	= -5,	/* a coordinate is >= p */
	UCHECK_ERR_CURVE	= -6,	/* not on the curve */
	UCHECK_ERR_INFINITY	= -7,	/* the point at infinity */
	UCHECK_ERR_ORDER	= -8,	/* [q]Pt != O */
	UCHECK_ERR_XML		= -9,	/* not well-formed, or has a DTD */
	UCHECK_ERR_SCHEMA	= -10,	/* not valid against the XSD */
	UCHECK_ERR_CONTENT	= -11,	/* valid XML, wrong content */
	UCHECK_ERR_SIG		= -12,	/* signature missing or wrong */
	UCHECK_ERR_DECRYPT	= -13,	/* encrypted content not opened */
	UCHECK_ERR_CERT		= -14,	/* a key set of a certificate not
					   among those given */
};

/* Curves and the schema, set up once; read-only afterwards. */
struct ucheck;

/*
 * Builds the SAKKE parameter-set-1 group (RFC 6509 Appendix A) and the
 * P-256 group, checks that P is on E with [q]P = O, and compiles the XSD
 * at xsd_path (NULL: no schema checks).  Returns NULL on failure with a
 * message in msg.
 */
struct ucheck	*ucheck_new(const char *xsd_path, char *msg, size_t msg_size);
void		 ucheck_free(struct ucheck *);

/*
 * The TrK a device holds (UCHECK_TRK_LEN octets, copied; wiped by
 * ucheck_free): keys of xsi:type EncKeyContentType are then unwrapped
 * with it (RFC 5649, OpenSSL EVP_aes_256_wrap_pad) and checked like
 * plaintext ones; name, when not NULL, must be their KeyName.  The
 * response checks below read a SignedKmsResponse as the KmsResponse it
 * holds: run ucheck_open_response (signature, decryption) first.
 */
#define UCHECK_TRK_LEN		32
enum ucheck_status ucheck_set_trk(struct ucheck *, const uint8_t *trk,
		    size_t len, const char *name);

/* A short text for a status, e.g. "point not of order q". */
const char	*ucheck_strerror(enum ucheck_status);

/*
 * Decodes hex (either case; leading and trailing XML whitespace is
 * ignored) into exactly want octets.
 */
enum ucheck_status ucheck_hex(const char *hex, uint8_t *out, size_t want);

/* 04||x||y, x, y < p, on y^2 = x^3 - 3x, not O, and [q]Pt = O. */
enum ucheck_status ucheck_sakke_point(const struct ucheck *,
		    const uint8_t *pt, size_t len);

/* 04||x||y, x, y < p, on P-256, not O (cofactor 1). */
enum ucheck_status ucheck_p256_point(const struct ucheck *,
		    const uint8_t *pt, size_t len);

#define UCHECK_UID_LEN		32	/* SHA-256 (TS 33.180 F.2.1) */
#define UCHECK_SSK_LEN		32
#define UCHECK_SETS_MAX		128	/* key sets kept from one response */

/* What an init response told us: the Root certificate's values. */
struct ucheck_init {
	char		 ui_kms_uri[UCHECK_URI_LEN];
	char		 ui_cert_uri[UCHECK_URI_LEN];	/* CertUri, or "" */
	long long	 ui_valid_from;	/* Unix s; LLONG_MIN when absent */
	long long	 ui_valid_to;	/* Unix s; LLONG_MAX when absent */
	unsigned long long ui_period;		/* UserKeyPeriod */
	unsigned long long ui_offset;		/* UserKeyOffset */
	uint8_t		 ui_z[UCHECK_SAKKE_POINT_LEN];	/* PubEncKey */
	uint8_t		 ui_kpak[UCHECK_P256_POINT_LEN];	/* PubAuthKey */
};

/* One verified key set (the caller wipes it: it holds the keys). */
struct ucheck_keyset {
	char		 uk_uri[UCHECK_URI_LEN];
	unsigned long long uk_period_no;
	uint8_t		 uk_uid[UCHECK_UID_LEN];
	uint8_t		 uk_rsk[UCHECK_SAKKE_POINT_LEN];
	uint8_t		 uk_ssk[UCHECK_SSK_LEN];
	uint8_t		 uk_pvt[UCHECK_P256_POINT_LEN];
	size_t		 uk_cert;	/* index of its certificate */
};

/*
 * This tool's own UID (TS 33.180 F.2.1, spec/mcx-kms.md 5.1): SHA-256
 * of 0x00 || "MIKEY-SAKKE-UID" || L || uri || L || kms_uri || L ||
 * period || L || offset || L || period_no || L, integers big endian in
 * the fewest octets (0 as one octet), L two octets.
 */
enum ucheck_status ucheck_uid(const char *uri, const char *kms_uri,
		    unsigned long long period, unsigned long long offset,
		    unsigned long long period_no, uint8_t uid[UCHECK_UID_LEN]);

/* RFC 6507 5.1.2: PVT on P-256 and [SSK]G = KPAK + [HS]PVT. */
enum ucheck_status ucheck_eccsi_keys(const struct ucheck *,
		    const uint8_t kpak[UCHECK_P256_POINT_LEN],
		    const uint8_t uid[UCHECK_UID_LEN],
		    const uint8_t ssk[UCHECK_SSK_LEN],
		    const uint8_t pvt[UCHECK_P256_POINT_LEN]);

/*
 * Verifies a KMS KeyProvision response against the Root certificates the
 * device knows, certs[0 .. ncerts) (certs[0]: the one init gave): XSD
 * valid, KmsKeyProv with at least one KmsKeySet, each checked against
 * the certificate its CertUri names (certs[0] when it has none), its key
 * period starting within that certificate's ValidFrom..ValidTo: our
 * KmsUri, UserID = ucheck_uid(...), ValidFrom/ValidTo the bounds of
 * KeyPeriodNo (NTP epoch), KeyPeriodNo = want_period unless that is
 * negative, Revoked false, the three keys xsi:type KeyContentType, the
 * RSK a point of order q, SSK/PVT by ucheck_eccsi_keys under that
 * certificate's KPAK.  sets[max] gets the key sets (uk_cert: the index
 * of each one's certificate), *n their count.  ClientReqUrl must end in
 * req_suffix.  A CertUri none of certs has: UCHECK_ERR_CERT, and that
 * CertUri in need (need_size bytes; may be NULL) for the caller to fetch
 * (cert/<CertUri>) and try again.
 */
enum ucheck_status ucheck_keyprov_response(const struct ucheck *,
		    const char *body, size_t len,
		    const struct ucheck_init *certs, size_t ncerts,
		    long long want_period, const char *req_suffix,
		    struct ucheck_keyset *sets, size_t max, size_t *n,
		    char *need, size_t need_size, char *msg, size_t msg_size);

/*
 * Verifies a KMS Cert response (cert/<CertUri>) for another generation of
 * the KMS's own certificate: XSD valid, a KmsCertCache holding exactly
 * one KmsCertificate, Role="Root", CertUri = cert_uri, the KmsUri,
 * UserKeyPeriod and UserKeyOffset of root (the certificate init gave:
 * a generation never changes them), UserIdFormat 2, ParameterSet 1 if
 * present, valid public keys; fills info as ucheck_init_response does.
 */
enum ucheck_status ucheck_cert_response(const struct ucheck *,
		    const char *body, size_t len,
		    const struct ucheck_init *root, const char *cert_uri,
		    struct ucheck_init *info, char *msg, size_t msg_size);

/*
 * Verifies a KMS CertCache response: XSD valid, KmsCertCache with a
 * CacheNum, every certificate Role="External" with valid public keys.
 * With own_root (the answer to cert/<CertUri>), a Role="Root"
 * certificate of the answering KMS (its KmsUri = the response's) is
 * accepted too: a generation of that KMS's own certificate.
 */
enum ucheck_status ucheck_certcache_response(const struct ucheck *,
		    const char *body, size_t len, bool own_root,
		    unsigned long long *cache_num, size_t *ncerts, char *msg,
		    size_t msg_size);

/*
 * Verifies the body of a KMS Initialize response (TS 33.180 D.3):
 * well-formed with no DTD, valid against the XSD, root KmsResponse in
 * UCHECK_NS with KmsMessage/KmsInit/KmsCertificate (optionally inside
 * SignedKmsCertificate), Role="Root", UserIdFormat 2, ParameterSet 1 if
 * present, ClientReqUrl ending in /init, the certificate's KmsUri equal
 * to the response's (and to expect_kms_uri unless NULL), PubEncKey a
 * valid SAKKE point of order q and PubAuthKey a valid P-256 point.
 */
enum ucheck_status ucheck_init_response(const struct ucheck *,
		    const char *body, size_t len, const char *expect_kms_uri,
		    struct ucheck_init *info, char *msg, size_t msg_size);

/*
 * Verifies an error body: well-formed, valid against the XSD, root
 * KmsResponse in UCHECK_NS with a KmsError and no KmsMessage.
 */
enum ucheck_status ucheck_error_response(const struct ucheck *,
		    const char *body, size_t len, char *msg, size_t msg_size);

/*
 * The security extension on the device side (usec.c, TS 33.180 D.3.5,
 * docs/kms-client.md "Signed requests and responses"): the InK a device
 * may hold besides its TrK (UCHECK_TRK_LEN octets, copied, wiped by
 * ucheck_free).  name may be NULL: the name is then learnt from the
 * first response whose signature verifies under the key.
 */
enum ucheck_status ucheck_set_ink(struct ucheck *, const uint8_t *ink,
		    size_t len, const char *name);

/* True if the device holds a TrK or an InK. */
bool		 ucheck_has_key(const struct ucheck *);

/* What ucheck_open_response did to one response. */
struct ucheck_sec {
	bool		 us_signed;	/* HMAC verified */
	bool		 us_encrypted;	/* KmsMessage decrypted */
	unsigned	 us_bits;	/* HMACOutputLength */
	char		 us_key[UCHECK_URI_LEN];	/* signing key's name */
	int		 us_new_keys;	/* NewTransportKey/NewIntegrityKey */
};

/*
 * Opens one 200 response body the way a device must before using it.
 * An unsigned KmsResponse is passed through, unless need_sig (the
 * device holds a key and sent its token: kmsd signs such answers), which
 * makes it a failure.  A SignedKmsResponse must verify (XMLDSig
 * enveloped signature over the root's Id, inclusive C14N 1.0, SHA-256
 * digest, HMAC-SHA256 of at least 128 bits, one Reference, no other
 * transform, no duplicate Id) under the device's InK if it has one,
 * else its TrK; its KeyName and Signature-ID must name that key (when
 * the name is known; else it is learnt).  Then an EncryptedData
 * (#Content, aes128-gcm, content key RFC 3394-wrapped under the TrK)
 * in KmsMessage is decrypted and put in its place, TrK-ID must name the
 * TrK, and a NewTransportKey / NewIntegrityKey is unwrapped (RFC 3394)
 * and adopted for the next request and response.  *out (free() it
 * after OPENSSL_cleanse: it may hold keys) is the document to check
 * further (the ucheck_*_response functions), *out_len its length.
 * Nothing of kmsd's code is used: libxml2's C14N and OpenSSL.
 */
enum ucheck_status ucheck_open_response(struct ucheck *, const char *body,
		    size_t len, bool need_sig, char **out, size_t *out_len,
		    struct ucheck_sec *info, char *msg, size_t msg_size);

/*
 * A SignedKmsRequest (TS 33.180 D.2.2, seed 000) for a request to
 * req_url: KmsRequest Version 1.1.0 with UserUri user_uri, KmsUri
 * kms_uri, Time now (UTC), ClientReqUrl req_url and Signature-ID, in an
 * enveloped XMLDSig signature (root Id "xmldoc", enveloped-signature and
 * C14N 1.0 transforms, SHA-256, HMAC-SHA256 truncated to bits) by the
 * InK if the device has one, else the TrK; KeyName = the key's name,
 * which must be known.  XSD-valid when the schema is loaded.  *out:
 * free() it.
 */
enum ucheck_status ucheck_sign_request(struct ucheck *, const char *user_uri,
		    const char *kms_uri, const char *req_url, unsigned bits,
		    char **out, size_t *out_len, char *msg, size_t msg_size);

/* Well-formed, no DTD, valid against the XSD (when loaded). */
enum ucheck_status ucheck_valid_doc(const struct ucheck *, const char *body,
		    size_t len, char *msg, size_t msg_size);

#endif /* UCHECK_H */
