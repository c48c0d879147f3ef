/*
 * ticket_local.h - private helpers of firmware/ticket shared by mikey.c
 * (decoder, tables) and mk_enc.c (encoder, Error builder).  Not for use
 * outside this folder.
 */
#ifndef TICKET_LOCAL_H
#define TICKET_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ticket.h"

/* Field limits fixed by the wire format (RFC 3830 section 6). */
#define MK_U8_MAX		0xffu
#define MK_U16_MAX		0xffffu
#define MK_PKE_LEN_MAX		0x3fffu	/* 14-bit Data len (6.3) */
#define MK_PKE_C_MAX		3	/* 2-bit C (6.3) */
#define MK_SIGN_LEN_MAX		0x0fffu	/* 12-bit Signature len (6.5) */
#define MK_SIGN_TYPE_MAX	15	/* 4-bit S type (6.5) */
#define MK_PRF_MAX		0x7f	/* 7-bit PRF func (6.1, 6043 6.10) */
#define MK_TP_RES_MAX		0x1f	/* 5 reserved bits of TP byte 7 */

/* Fixed parts of the payloads, Next Payload byte included. */
#define MK_PKE_FIXED		3	/* next, C | data len */
#define MK_SIGN_FIXED		2	/* S type | signature len */
#define MK_TP_FIXED		10	/* next .. TP Data length */
#define MK_KEY_FIXED		4	/* next, type | KV, key data len */

/* A bounded reader: every get checks the bytes left first. */
struct mk_rd {
	const uint8_t	*b;
	size_t		 len;
	size_t		 pos;
};

static inline bool
rd_has(const struct mk_rd *r, size_t n)
{
	return n <= r->len - r->pos;
}

static inline uint8_t
rd_u8(struct mk_rd *r)
{
	return r->b[r->pos++];
}

static inline uint16_t
rd_u16(struct mk_rd *r)
{
	uint16_t v;

	v = (uint16_t)((unsigned)r->b[r->pos] << 8 | r->b[r->pos + 1]);
	r->pos += 2;
	return v;
}

static inline uint64_t
rd_be(struct mk_rd *r, size_t n)
{
	uint64_t v = 0;
	size_t	 i;

	for (i = 0; i < n; i++)
		v = v << 8 | r->b[r->pos + i];
	r->pos += n;
	return v;
}

/* Takes n bytes as a view; the caller checked rd_has(r, n). */
static inline const uint8_t *
rd_bytes(struct mk_rd *r, size_t n)
{
	const uint8_t *p = r->b + r->pos;

	r->pos += n;
	return p;
}

/* Length in bytes of a TS value, CHASH hash; -1 when unknown. */
int		 mk_ts_len(uint8_t ts_type);
int		 mk_hash_len(uint8_t hash_func);

/* Whether payload type t may appear in a chain (decoder and encoder). */
bool		 mk_is_chain_type(uint8_t t);

/*
 * Walks CS ID map info of map_type for cs_count sessions in b[0..avail)
 * and sets *len to its length (RFC 3830 6.1, RFC 6043 6.1.1).
 */
enum mk_status mk_map_info_len(uint8_t map_type, uint8_t cs_count,
		    const uint8_t *b, size_t avail, size_t *len);

/* Checks that b[0..len) is a sequence of SP TLVs exactly filling it. */
enum mk_status mk_sp_check(const uint8_t *b, size_t len);

/* Reads one Key data sub-payload at r; sets *next to its Next Payload. */
enum mk_status mk_keydata_one(struct mk_rd *r,
		    struct mk_keydata *k, uint8_t *next);

/*
 * tk2k.c: the KMS-to-KMS resolve (docs/ticket.md 9), KMS_R's side.  One
 * forwarded resolve: tk2k_build (a tkms_k2k_build_fn on struct tk2k_req)
 * writes KMS_R's RESOLVE_INIT_PSK under the channel key; tk2k_open
 * checks and opens KMS_I's answer.  Nothing else knows these layouts.
 */
struct tk2k_req {
	const struct mk_hdr	*user_hdr;	/* the user's RESOLVE_INIT */
	const struct mk_payload	*idr;		/* its IDRr (copied) */
	const struct mk_payload	*ticket;	/* its TICKET (copied) */
	const char		*own_id;	/* our IDRkms (IDRpsk there) */
	const char		*peer_id;	/* KMS_I (IDRkms there) */
	int64_t			 now;
	uint8_t			 randr[TK_RAND_LEN];	/* fresh */
	uint8_t			 key[TK_KEY_LEN];	/* set by tk2k_build */
	uint8_t			 msg[MK_MSG_MAX];	/* what was sent */
	size_t			 msg_len;
};

/* What KMS_I answered, opened. */
struct tk2k_ans {
	uint8_t		 err;		/* TKMS_NO_ERR, or its Error no */
	bool		 has_mpk2;	/* forking: MPKr' */
	uint8_t		 mpki[TK_KEY_LEN];
	uint8_t		 mpk2[TK_KEY_LEN];
	uint8_t		 tgk[TK_KEY_LEN];	/* TGK or TGK' */
	uint8_t		 tgk_spi[TK_SPI_LEN];
	uint8_t		 idr_type;
	uint8_t		 idr[TK_ID_MAX];	/* IDRr KMS_I returned */
	size_t		 idr_len;
	uint8_t		 rkms[TK_RAND_LEN];	/* RANDRkms, forking */
	size_t		 rkms_len;
};

int		 tk2k_build(void *bctx, const uint8_t key[TK_KEY_LEN],
		    uint8_t *out, size_t out_size, size_t *out_len);
/* 0 (ans filled: keys, or err), -1 the answer is not acceptable. */
int		 tk2k_open(const struct tk2k_req *rq, const uint8_t *ans,
		    size_t ans_len, struct tk2k_ans *out);

/*
 * tpeer.c: the mutually authenticated TLS link to the peer KMS (docs/
 * ticket.md 9).  Client side (KMS_R): tpeer_new from [ticket] peer_url,
 * peer_id, peer_ca and our [tls] certificate chain and HSM key;
 * tpeer_resolve is a tkms_keys.peer_resolve.  Server side (KMS_I):
 * tpeer_from_request tells whether an HTTPS request came from the peer
 * (a client certificate that verified and names peer_id) and exports the
 * channel key.
 */
#define TPEER_TIMEOUT_MS	5000	/* connect, each read and write */
#define TPEER_HTTP_MAX		(64 * 1024)	/* the peer's answer */

struct tpeer;
struct ssl_st;
struct evp_pkey_st;

int		 tpeer_new(const char *url, const char *peer_id,
		    const char *ca_file, const char *cert_file,
		    struct evp_pkey_st *key, struct tpeer **out);
void		 tpeer_free(struct tpeer *p);
int		 tpeer_resolve(void *ctx, tkms_k2k_build_fn *build,
		    void *bctx, uint8_t *ans, size_t ans_size, size_t *ans_len);
/* 0 from the peer (out set), 1 not the peer, -1 no key exported. */
int		 tpeer_from_request(struct ssl_st *ssl, const char *peer_id,
		    struct tkms_peer_in *out);

#endif /* TICKET_LOCAL_H */
