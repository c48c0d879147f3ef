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
 * The last section of this header (tk_, tf_, tkms_) is the MIKEY-TICKET
 * KMS built on the codec; it does use OpenSSL, the HSM and the store
 * (docs/ticket.md).  The codec files (mikey.c, mikey_enc.c) stay pure.
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

/* ------------------------------------------------------------------------
 * The MIKEY-TICKET KMS (TS 33.328, RFC 6043 mode 1): PRF and key
 * protection (tprf.c), the ticket format behind one boundary (tformat.c),
 * the KMS exchanges (tkms.c) and the HTTP binding of TS 33.328 Annex A
 * (thttp.c).  Names: tk_, tf_ (ticket format), tkms_.  docs/ticket.md.
 *
 * Profile: PRF-HMAC-SHA-256 (HDR PRF 1), AES-CM-256 KEMACs, HMAC-SHA-256-256
 * V payloads, 256-bit keys (RFC 6043 12.1: Ks_NAF is 256 bits).
 */
#define TK_KEY_LEN		32	/* PSK, MPK, TGK, TEK, derived keys */
#define TK_SALT_LEN		14	/* AES-CM salt_key, 112 bits */
#define TK_MAC_LEN		32	/* HMAC-SHA-256-256 */
#define TK_RAND_LEN		32	/* RANDs the KMS makes */
#define TK_RAND_MIN		16	/* shortest RANDRi/RANDRr taken */
#define TK_SPI_LEN		4	/* SPI/MKI of a TGK */
#define TK_LABEL_MAX		(11 + 2 * 256)
#define TK_NTP_UNIX_OFFSET	2208988800LL	/* 1900 -> 1970, seconds */
#define TK_ID_MAX		255	/* identities, key ids (bytes) */

/* PRF constants (RFC 3830 4.1.3/4.1.4, RFC 6043 5.1.1, A.2.2). */
#define TK_C_TEK		0x2AD01C64u
#define TK_C_ENCR		0x150533E1u
#define TK_C_AUTH		0x2D22AC75u
#define TK_C_SALT		0x29B88916u
#define TK_C_MPKI		0x220E99A2u
#define TK_C_MPKR		0x1F4D675Bu
#define TK_C_MPKR_FORK		0x2B288856u	/* MPKr' (RFC 6043 5.1.1) */
#define TK_C_TGK_FORK		0x1512B54Au	/* TGK' */

/* Label type bytes (RFC 6043 5.1, A.2). */
#define TK_L_INIT		0x01	/* keys of an initial message */
#define TK_L_RESP		0x02	/* keys of a response */
#define TK_L_TEK		0x03	/* TEK from TGK */
#define TK_L_TPK		0x05	/* keys from the ticket key */
#define TK_L_MPK		0x06	/* MPKi / MPKr from MPK */
#define TK_L_FORK		0x00	/* forked MPKr' / TGK' */
#define TK_L_VR			0x04	/* Vr of Initiator Data, from MPKr */

/*
 * A key the PRF runs on: either hmac != NULL (HMAC-SHA-256 with a key held
 * elsewhere, e.g. the HSM: one 256-bit block) or raw bytes.
 */
struct tk_key {
	int		(*hmac)(const struct tk_key *k, const uint8_t *d,
			    size_t len, uint8_t out[TK_MAC_LEN]);
	void		*ctx;
	uintptr_t	 id;		/* for hmac's use (a key id) */
	const uint8_t	*raw;
	size_t		 raw_len;
};

/* The keys a PRF label gives: encr_key, salt_key, auth_key. */
struct tk_keyset {
	uint8_t		 encr[TK_KEY_LEN];
	uint8_t		 salt[TK_SALT_LEN];
	uint8_t		 auth[TK_KEY_LEN];
};

/* PRF(k, label) into out[0..out_len), out_len <= 64.  0 or -1. */
int		 tk_prf(const struct tk_key *k, const uint8_t *label,
		    size_t label_len, uint8_t *out, size_t out_len);
/*
 * Writes const || id8 || csb || type || len r1 || r1 [|| len r2 || r2]
 * (two = true) into out (TK_LABEL_MAX bytes); returns its length.
 * Message keys: id8 0xFF, csb the CSB ID; TEK: id8 the CS ID, csb
 * 0xFFFFFFFF; ticket labels: 0xFF, 0xFFFFFFFF, one RAND (two = false).
 */
size_t		 tk_label(uint8_t *out, uint32_t cnst, uint8_t id8,
		    uint32_t csb, uint8_t type, const uint8_t *r1, size_t r1_len,
		    const uint8_t *r2, size_t r2_len, bool two);
/* encr_key, salt_key and auth_key of one label shape.  0 or -1. */
int		 tk_derive_keys(const struct tk_key *k, uint8_t id8,
		    uint32_t csb, uint8_t type, const uint8_t *r1, size_t r1_len,
		    const uint8_t *r2, size_t r2_len, bool two,
		    struct tk_keyset *out);
/*
 * Key forking (RFC 6043 5.1.1): out = PRF(key, cnst || 0xFF || 0xFFFFFFFF
 * || 0x00 || len ID (16 bits) || ID || len RANDRkms (8 bits) || RANDRkms),
 * 256 bits; cnst TK_C_MPKR_FORK (MPKr') or TK_C_TGK_FORK (TGK').  id is
 * the ID Data of the IDRr of RESOLVE_RESP / TRANSFER_RESP.  0 or -1.
 */
int		 tk_fork(const uint8_t key[TK_KEY_LEN], uint32_t cnst,
		    const uint8_t *id, size_t id_len, const uint8_t *rkms,
		    size_t rkms_len, uint8_t out[TK_KEY_LEN]);
/*
 * The auth_key of Vr in Initiator Data (RFC 6043 6.10): PRF(MPKr,
 * 0x2D22AC75 || 0xFF || 0xFFFFFFFF || 0x04), 256 bits.  0 or -1.
 */
int		 tk_vr_key(const uint8_t mpkr[TK_KEY_LEN],
		    uint8_t auth[TK_KEY_LEN]);
/*
 * MPKi (cnst TK_C_MPKI) or MPKr (TK_C_MPKR) of a base-ticket MPK and
 * ticket RAND (RFC 6043 A.2.2).  0 or -1.
 */
int		 tk_mpk_derive(const uint8_t mpk[TK_KEY_LEN], uint32_t cnst,
		    const uint8_t *rand, size_t rand_len,
		    uint8_t out[TK_KEY_LEN]);
/* AES-CM-256 (RFC 3830 4.2.3), IV from salt, CSB ID and T.  0 or -1. */
int		 tk_aes_cm(const uint8_t key[TK_KEY_LEN],
		    const uint8_t salt[TK_SALT_LEN], uint32_t csb, uint64_t t,
		    const uint8_t *in, size_t len, uint8_t *out);
/* HMAC-SHA-256 under key over a || b || c.  0 or -1. */
int		 tk_mac(const uint8_t key[TK_KEY_LEN], const uint8_t *a,
		    size_t a_len, const uint8_t *b, size_t b_len,
		    const uint8_t *c, size_t c_len, uint8_t out[TK_MAC_LEN]);
/* NTP-UTC (64 bits) of Unix seconds; Unix seconds of a T value. */
uint64_t	 tk_ntp_from_unix(int64_t t);
int64_t		 tk_unix_from_ts(uint8_t ts_type, uint64_t v);

/*
 * The ticket format (tformat.c): the only code that knows the layout of
 * Ticket Data of ticket type 2, subtype 0, version 0.  Interim layout
 * (notes 9.3, docs/ticket.md): THDR(format 1, key generation), T (issue),
 * RAND, KEMAC (AES-CM-256 of MPK and TGK under keys from the ticket key,
 * label type 0x05), V (HMAC-SHA-256-256 over the policy part of the
 * TICKET payload and the Ticket Data before the MAC).
 */
#define TF_TYPE			MK_TICKET_3GPP
#define TF_SUBTYPE		0
#define TF_VERSION		0
#define TF_DATA_MAX		512	/* Ticket Data we write */

struct tk_ticket {			/* what a ticket carries, in clear */
	uint32_t	 key_gen;	/* generation of the ticket key */
	uint64_t	 issued;	/* NTP-UTC */
	uint8_t		 rand[TK_RAND_LEN];
	uint8_t		 mpk[TK_KEY_LEN];
	uint8_t		 tgk[TK_KEY_LEN];
	uint8_t		 tgk_spi[TK_SPI_LEN];
};

enum tf_status {
	TF_OK		=  0,
	TF_ERR		= -1,	/* arguments, crypto or space */
	TF_ERR_FORMAT	= -2,	/* not our layout, or not type 2/0/0 */
	TF_ERR_KEY	= -3,	/* no ticket key of that generation */
	TF_ERR_MAC	= -4,	/* integrity check failed */
	TF_ERR_DEVICE	= -5,	/* the key store failed */
};

/* Finds the ticket key of generation gen: 0 found, 1 none, -1 device. */
typedef int	 tf_key_fn(void *ctx, uint32_t gen, struct tk_key *out);

/*
 * Writes the Ticket Data for policy tp (ticket type, flags, TP Data set)
 * protecting *t under tpk into out.  tf_open checks and opens it.
 */
enum tf_status	 tf_seal(const struct tk_key *tpk, const struct mk_tp *tp,
		    const struct tk_ticket *t, uint8_t *out, size_t out_size,
		    size_t *out_len);
enum tf_status	 tf_open(tf_key_fn *find, void *ctx, const struct mk_tp *tp,
		    struct tk_ticket *out);

/*
 * The KMS (tkms.c).  Keys come through struct tkms_keys so that tests can
 * run it on software keys and kmsd on the HSM (thttp.c).
 */
#define TKMS_SKEW_DEFAULT	300	/* seconds of allowed clock skew */
#define TKMS_LIFETIME_DEFAULT	3600	/* longest ticket validity, s */
#define TKMS_REPLAY_MAX		4096	/* replay cache entries */

/*
 * KMS to KMS (TS 33.328 6.2.3.8, RFC 6043 section 10; tk2k.c, docs/ticket.md
 * 9).  KMS_R forwards the resolve of a ticket whose TP Data names the peer
 * KMS (IDRkms) in a RESOLVE_INIT_PSK of its own over mutual TLS; its PSK
 * is keying material exported from that TLS session (RFC 8446 7.5, label
 * TK2K_EXPORTER_LABEL), so the MIKEY exchange is bound to the
 * authenticated channel.  KMS_R then re-encodes KMS_I's RESOLVE_RESP for
 * its own user.
 */
#define TK2K_EXPORTER_LABEL	"EXPORTER-3GPP-33328-KMS-TICKET-RESOLVE"

/* A resolve that came from the peer KMS over mutual TLS (KMS_I side). */
struct tkms_peer_in {
	const char	*peer_id;	/* the peer's KMS identity (verified) */
	uint8_t		 key[TK_KEY_LEN];	/* exported from the session */
};

/*
 * Builds KMS_R's RESOLVE_INIT_PSK once the channel key is known; called by
 * tkms_keys.peer_resolve.  0 or -1.
 */
typedef int	 tkms_k2k_build_fn(void *bctx, const uint8_t key[TK_KEY_LEN],
		    uint8_t *out, size_t out_size, size_t *out_len);

struct tkms_keys {
	/* The PSK with key identifier keyid bound to identity: 0, 1 none,
	 * -1 device. */
	int		(*psk)(void *ctx, const uint8_t *keyid, size_t keyid_len,
			    const uint8_t *ident, size_t ident_len,
			    struct tk_key *out);
	/* The ticket key of generation gen (0: the newest, *gen_out set). */
	int		(*tpk)(void *ctx, uint32_t gen, struct tk_key *out,
			    uint32_t *gen_out);
	int		(*random)(void *ctx, uint8_t *out, size_t len);
	void		*ctx;
	/*
	 * Resolve at the peer KMS (may be NULL): open the mutually
	 * authenticated channel, export its key, call build for the message,
	 * send it as a ticketresolve and put the MIKEY answer (HTTP 200) in
	 * ans.  0, or -1 (unreachable, TLS refused, not 200, bad answer).
	 */
	int		(*peer_resolve)(void *ctx, tkms_k2k_build_fn *build,
			    void *bctx, uint8_t *ans, size_t ans_size,
			    size_t *ans_len);
};

struct tkms_conf {
	const char	*kms_id;	/* IDRkms: our identity */
	unsigned	 skew;		/* 0 = TKMS_SKEW_DEFAULT */
	unsigned	 lifetime;	/* 0 = TKMS_LIFETIME_DEFAULT */
	size_t		 replay_max;	/* 0 = TKMS_REPLAY_MAX */
	/*
	 * When the replay cache started empty (Unix s; 0: the time of the
	 * first message).  Messages timestamped more than one second before
	 * it are refused as stale: the KMS cannot know whether it saw them
	 * before a restart (RFC 3830 5.4).
	 */
	int64_t		 start;
	/* The peer KMS's identity (IDRkms of its tickets), or NULL. */
	const char	*peer_id;
};

enum tkms_req {
	TKMS_TICKET_REQUEST = 1,	/* requesttype=ticketrequest */
	TKMS_TICKET_RESOLVE,		/* requesttype=ticketresolve */
};

#define TKMS_NO_ERR		0xff	/* tkms_result.mikey_err: none */

/* The outcome of one exchange. */
struct tkms_result {
	int		 http;		/* 200, or 400, 501, 503 */
	uint8_t		 mikey_err;	/* Error no sent in a 200, or none */
	bool		 released;	/* keys went out */
	const char	*reason;	/* fixed text for audit and logs */
	char		 identity[TK_ID_MAX + 1];	/* asserted user */
};

struct tkms;

int		 tkms_new(const struct tkms_conf *conf,
		    const struct tkms_keys *keys, struct tkms **out);
void		 tkms_free(struct tkms *k);
/*
 * Handles one MIKEY message msg of the kind rq received at Unix time now.
 * Always fills *res.  With res->http 200, out[0..*out_len) is the MIKEY
 * answer (a response or an Error message).  Thread safe.  0, or -1 when
 * the arguments are unusable.
 */
int		 tkms_handle(struct tkms *k, enum tkms_req rq,
		    const uint8_t *msg, size_t len, int64_t now, uint8_t *out,
		    size_t out_size, size_t *out_len, struct tkms_result *res);
/*
 * tkms_handle for a message that came over mutual TLS from a client whose
 * certificate verified: when peer names the configured peer KMS and the
 * message's IDRpsk is that identity, its key is peer->key (the K2K
 * resolve); otherwise as tkms_handle.  peer may be NULL.
 */
int		 tkms_handle_peer(struct tkms *k, enum tkms_req rq,
		    const uint8_t *msg, size_t len, int64_t now,
		    const struct tkms_peer_in *peer, uint8_t *out,
		    size_t out_size, size_t *out_len, struct tkms_result *res);

/*
 * The HTTP binding (thttp.c): POST /keymanagement?requesttype=... for
 * net/'s route table; arg is kmsd's struct kmsd.  TKMS_PATH is the route.
 */
#define TKMS_PATH		"/keymanagement"
#define TKMS_CONTENT_TYPE	"application/mikey"
#define TKMS_BODY_MAX		((MK_MSG_MAX + 2) / 3 * 4 + 2048)
struct http_request;
struct http_response;
int		 ticket_http(const struct http_request *req,
		    struct http_response *res, void *arg);

/* Base64 (standard alphabet; CR, LF, space and tab skipped on decoding). */
int		 tk_b64_decode(const char *in, size_t in_len, uint8_t *out,
		    size_t out_size, size_t *out_len);
size_t		 tk_b64_encode(const uint8_t *in, size_t len, char *out,
		    size_t out_size);

#endif /* TICKET_H */
