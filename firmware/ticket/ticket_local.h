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

#endif /* TICKET_LOCAL_H */
