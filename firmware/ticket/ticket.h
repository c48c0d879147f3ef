/*
 * ticket.h - the MIKEY codec (RFC 3830, RFC 6043 MIKEY-TICKET) of the
 * IMS media plane security KMS (TS 33.328).
 *
 * The codec is pure: no I/O, no allocation, no secret handling, nothing
 * but libc.  Any thread may call it; it keeps no state.  Decoded views
 * point into the caller's input buffer, which must outlive them.  Encoders
 * write into caller buffers given as (out, out_size, *out_len).
 *
 * A message is the common header HDR followed by a chain of payloads
 * (RFC 3830 section 6).  mk_decode() turns a message into an array of
 * payload views (type, offset, length, parsed fields) so the KMS can
 * compute and check MACs over exact byte ranges; mk_encode() writes the
 * same array back.  decode -> encode is byte-identical for every message
 * the decoder accepts.
 *
 * Decoding is strict: every length is checked against the bytes left,
 * nothing is read past the input, unknown Next Payload values and unknown
 * values of fields that decide a length (TS type, MAC and auth alg, hash
 * function, CS ID map type, key data type and KV) are errors, and bytes
 * after the last payload are an error.  Values that do not change the
 * layout (data type, PRF, ID role and type, error numbers, encryption
 * algorithm, reserved bits) are reported, not judged: policy belongs to
 * the caller.  See docs/mikey.md.
 *
 * Names: mk_ and MK_ (MIKEY codec).  crypto.h keeps mikey_ and MIKEY_ for
 * its MIKEY-SAKKE I_MESSAGE, so both headers can be included together.
 *
 * Returns: MK_OK (0) or a negative enum mk_status.
 */
#ifndef TICKET_H
#define TICKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits. */
#define MK_MSG_MAX		16384	/* bytes in a message, HDR included */
#define MK_PAYLOADS_MAX		32	/* payloads per message, HDR too */
#define MK_KEYS_MAX		16	/* Key data sub-payloads per KEMAC */
#define MK_VERSION		1	/* HDR version (RFC 3830 section 6.1) */

/* Fixed sizes (RFC 3830 section 6). */
#define MK_HDR_LEN		10	/* HDR without CS ID map info */
#define MK_SRTP_ID_LEN		9	/* SRTP-ID map info per CS */
#define MK_ERR_LEN		4	/* ERR payload */
#define MK_MAC_MAX		32	/* longest MAC / Ver data */

enum mk_status {
	MK_OK			=  0,
	MK_ERR_ARGS		= -1,	/* NULL pointer, field value that does
					   not fit its wire field */
	MK_ERR_TRUNC		= -2,	/* a field runs past the input's end */
	MK_ERR_TYPE		= -3,	/* unknown/unsupported payload type */
	MK_ERR_VALUE		= -4,	/* unknown value of a field that sets
					   a length (TS type, MAC alg, ...) */
	MK_ERR_VERSION		= -5,	/* HDR version is not 1 */
	MK_ERR_FORMAT		= -6,	/* inner structure inconsistent: SP
					   parameters, map info, key data,
					   bytes after the last payload */
	MK_ERR_LIMIT		= -7,	/* MK_MSG_MAX, MK_PAYLOADS_MAX or
					   MK_KEYS_MAX exceeded */
	MK_ERR_SPACE		= -8,	/* output buffer too small */
};

/*
 * Payload types: the Next Payload values (RFC 3830 section 6.1 table
 * 6.1.b, RFC 6043 section 6 table 6.2).  MK_PT_HDR is not a wire value:
 * it marks the view of the common header.
 */
enum mk_pt {
	MK_PT_LAST		= 0,	/* Next Payload of the last payload */
	MK_PT_KEMAC		= 1,
	MK_PT_PKE		= 2,
	MK_PT_DH		= 3,	/* not used by RFC 6043: rejected */
	MK_PT_SIGN		= 4,
	MK_PT_T			= 5,
	MK_PT_ID		= 6,
	MK_PT_CERT		= 7,
	MK_PT_CHASH		= 8,
	MK_PT_V			= 9,
	MK_PT_SP		= 10,
	MK_PT_RAND		= 11,
	MK_PT_ERR		=  12,
	MK_PT_TR		= 13,	/* RFC 6043 section 6.4 */
	MK_PT_IDR		= 14,	/* RFC 6043 section 6.6 */
	MK_PT_RANDR		= 15,	/* RFC 6043 section 6.8 */
	MK_PT_TP		= 16,	/* RFC 6043 section 6.10 */
	MK_PT_TICKET		= 17,	/* RFC 6043 section 6.10 */
	MK_PT_KEYDATA		= 20,	/* only inside KEMAC encrypted data */
	MK_PT_GENEXT		= 21,
	MK_PT_SAKKE		= 26,	/* RFC 6509, not used here: rejected */
	MK_PT_HDR		= 255,
};

/* HDR data type (RFC 3830 section 6.1, RFC 6043 section 6.1). */
enum mk_dt {
	MK_DT_PSK_INIT		= 0,
	MK_DT_PSK_RESP		= 1,
	MK_DT_PK_INIT		= 2,
	MK_DT_PK_RESP		= 3,
	MK_DT_DH_INIT		= 4,
	MK_DT_DH_RESP		= 5,
	MK_DT_ERROR		= 6,
	MK_DT_REQUEST_INIT_PSK	= 11,
	MK_DT_REQUEST_INIT_PK	= 12,
	MK_DT_REQUEST_RESP	= 13,
	MK_DT_TRANSFER_INIT	= 14,
	MK_DT_TRANSFER_RESP	= 15,
	MK_DT_RESOLVE_INIT_PSK	= 16,
	MK_DT_RESOLVE_INIT_PK	= 17,
	MK_DT_RESOLVE_RESP	= 18,
};

/* HDR PRF func (RFC 3830 section 6.1, RFC 6043 section 6.1). */
enum mk_prf {
	MK_PRF_MIKEY_1		= 0,	/* HMAC-SHA-1 */
	MK_PRF_HMAC_SHA256	= 1,
};

/* CS ID map type (RFC 3830 section 6.1, RFC 4563, RFC 6043 6.1.1). */
enum mk_map {
	MK_MAP_SRTP_ID		= 0,	/* 9 bytes per CS */
	MK_MAP_EMPTY		= 1,	/* no map info */
	MK_MAP_GENERIC_ID	= 2,	/* variable, per CS */
};

/* KEMAC encryption algorithm (RFC 3830 section 6.2, RFC 6043 6.2). */
enum mk_encr {
	MK_ENCR_NULL		= 0,
	MK_ENCR_AES_CM_128	= 1,
	MK_ENCR_AES_KW_128	= 2,
	MK_ENCR_AES_CM_256	= 3,
};

/* KEMAC MAC alg and V auth alg (RFC 3830 6.2, 6.9, RFC 6043 6.2). */
enum mk_mac {
	MK_MAC_NULL		= 0,	/* 0 bytes */
	MK_MAC_HMAC_SHA1_160	= 1,	/* 20 bytes */
	MK_MAC_HMAC_SHA256_256	= 2,	/* 32 bytes */
};

/* TS type of T and TR (RFC 3830 section 6.6, RFC 6043 section 6.4). */
enum mk_ts {
	MK_TS_NTP_UTC		= 0,	/* 64 bits */
	MK_TS_NTP		= 1,	/* 64 bits */
	MK_TS_COUNTER		= 2,	/* 32 bits */
	MK_TS_NTP_UTC_32	= 3,	/* 32 bits */
};

/* TS role of TR (RFC 6043 section 6.4). */
enum mk_ts_role {
	MK_TSR_ISSUE		= 1,	/* TRi: time of issue */
	MK_TSR_START		= 2,	/* TRs: start of validity */
	MK_TSR_END		= 3,	/* TRe: end of validity */
	MK_TSR_REKEY		= 4,	/* TRr: rekeying interval */
};

/* ID / CERT type (RFC 3830 section 6.7, RFC 6043 section 6.6). */
enum mk_id_type {
	MK_ID_NAI		= 0,
	MK_ID_URI		= 1,
	MK_ID_BYTES		= 2,	/* byte string (RFC 6043) */
	MK_CERT_X509		= 0,
	MK_CERT_X509_URL	= 1,
	MK_CERT_X509_SIGN	= 2,
	MK_CERT_X509_ENCR	= 3,
};

/* ID role of IDR (RFC 6043 section 6.6; 6 and 7 from RFC 6509). */
enum mk_id_role {
	MK_ROLE_I		= 1,	/* IDRi: initiator */
	MK_ROLE_R		= 2,	/* IDRr: responder */
	MK_ROLE_KMS		= 3,	/* IDRkms */
	MK_ROLE_PSK		= 4,	/* IDRpsk: pre-shared key */
	MK_ROLE_APP		= 5,	/* IDRapp: application */
	MK_ROLE_KMS_I		= 6,	/* IDRkmsi: initiator's KMS */
	MK_ROLE_KMS_R		= 7,	/* IDRkmsr: responder's KMS */
};

/* RAND role of RANDR (RFC 6043 section 6.8). */
enum mk_rand_role {
	MK_RANDR_I		= 1,	/* RANDRi */
	MK_RANDR_R		= 2,	/* RANDRr */
	MK_RANDR_KMS		= 3,	/* RANDRkms */
};

/* CHASH hash function (RFC 3830 section 6.8). */
enum mk_hash {
	MK_HASH_SHA1		= 0,	/* 20 bytes */
	MK_HASH_MD5		= 1,	/* 16 bytes */
	MK_HASH_SHA256		= 2,	/* 32 bytes */
};

/* Error no (RFC 3830 section 6.12, RFC 6043 section 6.12). */
enum mk_errno {
	MK_E_AUTH		= 0,	/* authentication failure */
	MK_E_TS			= 1,	/* invalid timestamp */
	MK_E_PRF		= 2,	/* PRF function not supported */
	MK_E_MAC		= 3,	/* MAC algorithm not supported */
	MK_E_EA			= 4,	/* encryption algorithm not supported */
	MK_E_HA			= 5,	/* hash function not supported */
	MK_E_DH			= 6,	/* DH group not supported */
	MK_E_ID			= 7,	/* ID not supported */
	MK_E_CERT		= 8,	/* certificate not supported */
	MK_E_SP			= 9,	/* SP type not supported */
	MK_E_SPPAR		= 10,	/* SP parameters not supported */
	MK_E_DT			= 11,	/* data type not supported */
	MK_E_UNSPEC		= 12,	/* unspecified error */
	MK_E_TICKET		= 14,	/* ticket type not supported */
	MK_E_TPPAR		= 15,	/* TP parameters not supported */
};

/* Key data sub-payload type and KV (RFC 3830 6.13, RFC 6043 6.13). */
enum mk_key_type {
	MK_KEY_TGK		= 0,
	MK_KEY_TGK_SALT		= 1,
	MK_KEY_TEK		= 2,
	MK_KEY_TEK_SALT		= 3,
	MK_KEY_GTGK		= 4,
	MK_KEY_GTGK_SALT	= 5,
	MK_KEY_MPK		= 6,
};
enum mk_kv {
	MK_KV_NULL		= 0,
	MK_KV_SPI		= 1,	/* SPI/MKI */
	MK_KV_INTERVAL		= 2,	/* valid from / valid to */
};

/* SP protocol type and SRTP parameter types (RFC 3830 6.10, 6.10.1). */
#define MK_SP_PROT_SRTP		0
enum mk_srtp_param {
	MK_SRTP_ENCR_ALG	= 0,
	MK_SRTP_ENCR_KEY_LEN	= 1,
	MK_SRTP_AUTH_ALG	= 2,
	MK_SRTP_AUTH_KEY_LEN	= 3,
	MK_SRTP_SALT_LEN	= 4,
	MK_SRTP_PRF		= 5,
	MK_SRTP_KDR		= 6,
	MK_SRTP_ENCR		= 7,
	MK_SRTP_SRTCP_ENCR	= 8,
	MK_SRTP_FEC		= 9,
	MK_SRTP_AUTH		= 10,
	MK_SRTP_TAG_LEN		= 11,
	MK_SRTP_PREFIX_LEN	= 12,
};

/* General extension type (RFC 3830 section 6.15). */
#define MK_EXT_VENDOR		0
#define MK_EXT_SDP_IDS		1

/* Ticket type (RFC 6043 section 6.10 table 6.15, TS 33.328 6.2.3.4.2). */
#define MK_TICKET_MIKEY_BASE	1	/* RFC 6043 Appendix A */
#define MK_TICKET_3GPP		2	/* TS 33.328: subtype 0, version 0 */

/*
 * TP / TICKET flags D..O (RFC 6043 section 6.10), as bits of
 * mk_tp.flags.  On the wire D is the low bit of byte 5, E..L are
 * byte 6 (E first) and M, N, O the top three bits of byte 7.
 */
#define MK_TP_D			0x0800	/* ticket made by the KMS */
#define MK_TP_E			0x0400	/* ticket resolve mandatory */
#define MK_TP_F			0x0200	/* TRANSFER_RESP shall be sent */
#define MK_TP_G			0x0100	/* responder generates RANDRr */
#define MK_TP_H			0x0080	/* RANDRi used in TGK/GTGK derivation */
#define MK_TP_I			0x0040	/* key forking */
#define MK_TP_J			0x0020	/* ticket may be reused */
#define MK_TP_K			0x0010	/* KMS changed the desired policy */
#define MK_TP_L			0x0008	/* initiator may supply session keys */
#define MK_TP_M			0x0004	/* responder may supply session keys */
#define MK_TP_N			0x0002	/* plain RFC 6043 initiator ok */
#define MK_TP_O			0x0001	/* plain RFC 6043 responder ok */
#define MK_TP_FLAGS		0x0fff

/*
 * Parsed fields.  Byte strings are (pointer, length) views into the
 * decoded buffer, or, for encoding, into the caller's data.  Fields marked
 * "preserved" are kept so that re-encoding is byte-identical; the decoder
 * does not judge them.
 */
struct mk_hdr {			/* RFC 3830 section 6.1 */
	uint8_t		 version;	/* MK_VERSION */
	uint8_t		 data_type;	/* enum mk_dt */
	bool		 v;		/* V flag */
	uint8_t		 prf;		/* 7 bits, enum mk_prf */
	uint32_t	 csb_id;
	uint8_t		 cs_count;	/* #CS */
	uint8_t		 map_type;	/* enum mk_map */
	const uint8_t	*map_info;	/* CS ID map info, checked against */
	size_t		 map_info_len;	/* map_type and cs_count */
};

struct mk_kemac {			/* RFC 3830 section 6.2 */
	uint8_t		 encr_alg;	/* enum mk_encr, not judged */
	const uint8_t	*encr_data;	/* Key data sub-payloads, encrypted */
	size_t		 encr_len;	/* unless encr_alg is NULL; < 2^16 */
	uint8_t		 mac_alg;	/* enum mk_mac */
	const uint8_t	*mac;		/* MAC, its length set by mac_alg */
	size_t		 mac_len;
};

struct mk_pke {			/* RFC 3830 section 6.3 */
	uint8_t		 c;		/* cache indicator, 2 bits */
	const uint8_t	*data;		/* envelope key, < 2^14 bytes */
	size_t		 data_len;
};

struct mk_sign {			/* RFC 3830 section 6.5 */
	uint8_t		 s_type;	/* 4 bits */
	const uint8_t	*sig;		/* < 2^12 bytes */
	size_t		 sig_len;
};

struct mk_ts_view {			/* T (3830 6.6), TR (6043 6.4) */
	uint8_t		 role;		/* TR only: enum mk_ts_role */
	uint8_t		 ts_type;	/* enum mk_ts */
	uint64_t	 value;		/* 64 or 32 bits by ts_type */
};

struct mk_id_view {			/* ID, CERT: 3830 6.7; IDR: 6043 6.6 */
	uint8_t		 role;		/* IDR only: enum mk_id_role */
	uint8_t		 id_type;	/* enum mk_id_type */
	const uint8_t	*data;		/* < 2^16 bytes */
	size_t		 data_len;
};

struct mk_chash {			/* RFC 3830 section 6.8 */
	uint8_t		 hash_func;	/* enum mk_hash */
	const uint8_t	*hash;
	size_t		 hash_len;
};

struct mk_v {			/* RFC 3830 section 6.9 */
	uint8_t		 auth_alg;	/* enum mk_mac */
	const uint8_t	*mac;		/* Ver data, length set by auth_alg; */
	size_t		 mac_len;	/* the last mac_len bytes of the view */
};

struct mk_sp {			/* RFC 3830 section 6.10 */
	uint8_t	 policy_no;
	uint8_t	 prot_type;
	const uint8_t	*params;	/* Type(8) Length(8) Value TLVs that */
	size_t		 params_len;	/* exactly fill params_len; < 2^16 */
};

struct mk_sp_param {
	uint8_t		 type;
	uint8_t		 len;
	const uint8_t	*value;
};

struct mk_rand_view {		/* RAND (RFC 3830 6.11), RANDR (6043 6.8) */
	uint8_t		 role;		/* RANDR only: enum mk_rand_role */
	const uint8_t	*rand;		/* < 256 bytes; length not judged */
	size_t		 rand_len;
};

struct mk_err {			/* RFC 3830 section 6.12 */
	uint8_t		 err_no;	/* enum mk_errno */
	uint16_t	 reserved;	/* preserved */
};

struct mk_genext {			/* RFC 3830 section 6.15 */
	uint8_t	 ext_type;
	const uint8_t	*data;		/* < 2^16 bytes */
	size_t		 data_len;
};

/*
 * TP and TICKET (RFC 6043 section 6.10).  TP stops after TP Data.
 * TP Data and Initiator Data are a First Payload byte and a payload chain:
 * decode them with mk_decode_embedded().  Ticket Data is ticket-type
 * specific and left to the ticket layer.
 */
struct mk_tp {
	uint16_t	 ticket_type;
	uint8_t		 subtype;
	uint8_t		 version;
	uint8_t		 prf;		/* 7 bits */
	uint16_t	 flags;		/* MK_TP_D .. MK_TP_O */
	uint8_t		 reserved;	/* low 5 bits of byte 7, preserved */
	const uint8_t	*tp_data;
	size_t		 tp_data_len;
	const uint8_t	*ticket_data;	/* TICKET only */
	size_t		 ticket_data_len;
	const uint8_t	*init_data;	/* TICKET only; Initiator Data */
	size_t		 init_data_len;
	size_t		 init_off;	/* decode: offset in the message of the
					   Initiator Data length field (RFC
					   6043 5.5: TRANSFER_INIT MACs skip
					   it and the data) */
};

/*
 * One payload: its type, where it is, and its fields.  For the header
 * type is MK_PT_HDR and u.hdr is used; otherwise the union member by
 * type: KEMAC kemac, PKE pke, SIGN sign, T/TR ts, ID/CERT/IDR id, CHASH
 * chash, V v, SP sp, RAND/RANDR rand, ERR err, GENEXT ext, TP/TICKET tp.
 */
struct mk_payload {
	uint8_t		 type;		/* enum mk_pt */
	uint8_t		 next;		/* its Next Payload field (SIGN: 0) */
	size_t		 off;		/* offset of its first byte */
	size_t		 len;		/* its length in bytes */
	union {
		struct mk_hdr		hdr;
		struct mk_kemac		kemac;
		struct mk_pke		pke;
		struct mk_sign		sign;
		struct mk_ts_view	ts;
		struct mk_id_view	id;
		struct mk_chash		chash;
		struct mk_v		v;
		struct mk_sp		sp;
		struct mk_rand_view	rand;
		struct mk_err		err;
		struct mk_genext	ext;
		struct mk_tp		tp;
	} u;
};

/* A decoded message: p[0] is the HDR, p[1..count-1] the payloads. */
struct mk_msg {
	const uint8_t	*buf;		/* the input, not copied */
	size_t		 len;
	size_t		 count;
	size_t		 err_off;	/* on failure: where decoding stopped */
	struct mk_payload p[MK_PAYLOADS_MAX];
};

/* A Key data sub-payload (RFC 3830 section 6.13, RFC 6043 6.13). */
struct mk_keydata {
	uint8_t		 key_type;	/* enum mk_key_type, 4 bits */
	uint8_t		 kv;		/* enum mk_kv, 4 bits */
	const uint8_t	*key;		/* < 2^16 bytes */
	size_t		 key_len;
	const uint8_t	*salt;		/* only for the +SALT key types */
	size_t		 salt_len;
	const uint8_t	*spi;		/* KV SPI: SPI/MKI, < 256 bytes */
	size_t		 spi_len;
	const uint8_t	*valid_from;	/* KV interval, each < 256 bytes */
	size_t		 valid_from_len;
	const uint8_t	*valid_to;
	size_t		 valid_to_len;
};

/*
 * Decodes the message buf[0..len) into *msg.  On failure msg->count views
 * are still valid (so an Error reply can copy the HDR when count >= 1)
 * and msg->err_off is the offset of the offending field.  len above
 * MK_MSG_MAX is MK_ERR_LIMIT.  KEMACs with NULL encryption have
 * their key data checked with mk_decode_keydata().
 */
enum mk_status mk_decode(const uint8_t *buf, size_t len,
		    struct mk_msg *msg);

/*
 * Decodes an embedded chain: a First Payload byte, then payloads chained
 * as in a message, the last with Next Payload 0 (TP Data, Initiator Data;
 * RFC 6043 section 6.10).  Views go to out[0..*count); offsets are from
 * buf.  A First Payload of 0 with len 1 is an empty chain.
 */
enum mk_status mk_decode_embedded(const uint8_t *buf, size_t len,
		    struct mk_payload *out, size_t out_max, size_t *count);

/*
 * Encodes p[0..n): p[0] must be the HDR.  Next Payload fields are written
 * from the types that follow (the caller's next values are ignored); a
 * SIGN must be last.  On success sets every p[i].off, .len and .next to
 * what was written, so that a caller can place a MAC: for a V payload the
 * MAC field is out[p.off + p.len - p.u.v.mac_len ..).  A NULL MAC (V,
 * KEMAC) or hash (CHASH) of the right length is written as zeros, to be
 * filled in afterwards.  Every field is checked as the decoder would check
 * it, so what is written decodes; the message is at most MK_MSG_MAX.
 */
enum mk_status mk_encode(struct mk_payload *p, size_t n,
		    uint8_t *out, size_t out_size, size_t *out_len);

/* Encodes an embedded chain: First Payload byte, then p[0..n). */
enum mk_status mk_encode_embedded(struct mk_payload *p, size_t n,
		    uint8_t *out, size_t out_size, size_t *out_len);

/*
 * Decodes Key data sub-payloads (the plaintext of a KEMAC) into
 * out[0..*count): Next Payload 20 chains them, 0 ends them.
 */
enum mk_status mk_decode_keydata(const uint8_t *buf, size_t len,
		    struct mk_keydata *out, size_t out_max, size_t *count);

/* Encodes k[0..n) as a chain of Key data sub-payloads. */
enum mk_status mk_encode_keydata(const struct mk_keydata *k,
		    size_t n, uint8_t *out, size_t out_size, size_t *out_len);

/*
 * Lists the parameters of a decoded SP payload into out[0..min(max, n)),
 * n being the return value (the number of parameters).
 */
size_t		 mk_sp_params(const struct mk_sp *sp,
		    struct mk_sp_param *out, size_t max);

/* Encodes SP parameters p[0..n) as TLVs (the params of a struct mk_sp). */
enum mk_status mk_encode_sp_params(const struct mk_sp_param *p,
		    size_t n, uint8_t *out, size_t out_size, size_t *out_len);

/*
 * The next payload view of type after *after (or from the start when
 * after is NULL), or NULL.
 */
const struct mk_payload *mk_find(const struct mk_msg *msg,
		    uint8_t type, const struct mk_payload *after);

/* Length of a MAC / Ver data for enum mk_mac alg, or -1 if unknown. */
int		 mk_mac_len(uint8_t alg);

/*
 * Builds a MIKEY Error message (RFC 3830 section 5.1.2, RFC 6043 section
 * 5.4): HDR, T, ERR..., [V].  The HDR copies version, PRF, CSB ID, #CS and
 * the CS ID map of the offending message's header (hdr; NULL when it could
 * not be read: then PRF 0, CSB ID 0, #CS 0, Empty map); data type Error,
 * V flag 0.  t is the timestamp (fresh for NTP types).  errs[0..nerr) are
 * the error numbers, one ERR each, nerr >= 1.  auth_alg MK_MAC_NULL
 * means no V payload; otherwise a V with that auth alg is added with a
 * zero MAC and *mac_off is set to its offset: the caller computes the MAC
 * over out[0..*mac_off) with the auth_key of the offending message and
 * writes mk_mac_len(auth_alg) bytes there.
 */
enum mk_status mk_error_build(const struct mk_hdr *hdr,
		    const struct mk_ts_view *t, const uint8_t *errs,
		    size_t nerr, uint8_t auth_alg, uint8_t *out,
		    size_t out_size, size_t *out_len, size_t *mac_off);

/* A short English name of a status, for logs. */
const char	*mk_strerror(enum mk_status status);

#endif /* TICKET_H */
