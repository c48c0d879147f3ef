/*
 * mikey.c - the MIKEY decoder (RFC 3830 section 6, RFC 6043 section 6)
 * and the tables shared with the encoder.
 *
 * MIKEY has no generic payload length (RFC 3830 section 6): the length of
 * each payload follows from its type, its length fields and the algorithm
 * fields that imply lengths.  So an unknown payload type or an unknown
 * length-setting value ends parsing with an error; nothing is skipped.
 * Every read is preceded by a check of the bytes left (struct mk_rd).
 */
#include <string.h>

#include "ticket_local.h"

static enum mk_status parse_hdr(struct mk_rd *, struct mk_payload *);
static size_t	 fixed_len(uint8_t);
static enum mk_status parse_payload(struct mk_rd *, uint8_t,
		    struct mk_payload *);
static enum mk_status parse_chain(struct mk_rd *, uint8_t,
		    struct mk_payload *, size_t, size_t *, size_t *);
static enum mk_status parse_tp(struct mk_rd *, struct mk_payload *,
		    bool);
static enum mk_status take16(struct mk_rd *, const uint8_t **,
		    size_t *);
static enum mk_status take8(struct mk_rd *, const uint8_t **,
		    size_t *);
static enum mk_status take_fixed(struct mk_rd *, int, const uint8_t **,
		    size_t *);

/* see ticket_local.h */
int
mk_ts_len(uint8_t ts_type)
{
	switch (ts_type) {
	case MK_TS_NTP_UTC:
	case MK_TS_NTP:
		return 8;
	case MK_TS_COUNTER:
	case MK_TS_NTP_UTC_32:
		return 4;
	default:
		return -1;
	}
}

/* see ticket_local.h */
int
mk_hash_len(uint8_t hash_func)
{
	switch (hash_func) {
	case MK_HASH_SHA1:
		return 20;
	case MK_HASH_MD5:
		return 16;
	case MK_HASH_SHA256:
		return 32;
	default:
		return -1;
	}
}

/* see ticket.h */
int
mk_mac_len(uint8_t alg)
{
	switch (alg) {
	case MK_MAC_NULL:
		return 0;
	case MK_MAC_HMAC_SHA1_160:
		return 20;
	case MK_MAC_HMAC_SHA256_256:
		return 32;
	default:
		return -1;
	}
}

/*
 * see ticket_local.h
 *
 * DH (3) is not used by RFC 6043 and SAKKE (26) belongs to RFC 6509;
 * Key data (20) lives only inside KEMAC.  All three are refused here.
 */
bool
mk_is_chain_type(uint8_t t)
{
	switch (t) {
	case MK_PT_KEMAC:
	case MK_PT_PKE:
	case MK_PT_SIGN:
	case MK_PT_T:
	case MK_PT_ID:
	case MK_PT_CERT:
	case MK_PT_CHASH:
	case MK_PT_V:
	case MK_PT_SP:
	case MK_PT_RAND:
	case MK_PT_ERR:
	case MK_PT_TR:
	case MK_PT_IDR:
	case MK_PT_RANDR:
	case MK_PT_TP:
	case MK_PT_TICKET:
	case MK_PT_GENEXT:
		return true;
	default:
		return false;
	}
}

/* see ticket_local.h */
enum mk_status
mk_map_info_len(uint8_t map_type, uint8_t cs_count, const uint8_t *b,
    size_t avail, size_t *len)
{
	struct mk_rd	 r = { b, avail, 0 };
	size_t		 i, n;

	switch (map_type) {
	case MK_MAP_SRTP_ID:
		/* Policy_no (8), SSRC (32), ROC (32) per CS (RFC 3830 6.1). */
		n = (size_t)cs_count * MK_SRTP_ID_LEN;
		if (n > avail)
			return MK_ERR_TRUNC;
		*len = n;
		return MK_OK;
	case MK_MAP_EMPTY:
		/* RFC 4563 section 4: no map info. */
		*len = 0;
		return MK_OK;
	case MK_MAP_GENERIC_ID:
		break;
	default:
		return MK_ERR_VALUE;
	}
	/*
	 * GENERIC-ID (RFC 6043 section 6.1.1), per CS: CS ID (8), Prot type
	 * (8), S (1) | #P (7), #P policy numbers, Session Data Length (16),
	 * Session Data, SPI Length (8), SPI.
	 */
	for (i = 0; i < cs_count; i++) {
		if (!rd_has(&r, 3))
			return MK_ERR_TRUNC;
		r.pos += 2;
		n = rd_u8(&r) & 0x7f;
		if (!rd_has(&r, n + 2))
			return MK_ERR_TRUNC;
		r.pos += n;
		n = rd_u16(&r);
		if (!rd_has(&r, n + 1))
			return MK_ERR_TRUNC;
		r.pos += n;
		n = rd_u8(&r);
		if (!rd_has(&r, n))
			return MK_ERR_TRUNC;
		r.pos += n;
	}
	*len = r.pos;
	return MK_OK;
}

/* see ticket_local.h */
enum mk_status
mk_sp_check(const uint8_t *b, size_t len)
{
	struct mk_rd	r = { b, len, 0 };
	size_t		n;

	/* Policy param: Type (8), Length (8), Value (RFC 3830 6.10). */
	while (r.pos < r.len) {
		if (!rd_has(&r, 2))
			return MK_ERR_FORMAT;
		r.pos++;
		n = rd_u8(&r);
		if (!rd_has(&r, n))
			return MK_ERR_FORMAT;
		r.pos += n;
	}
	return MK_OK;
}

/* see ticket.h */
size_t
mk_sp_params(const struct mk_sp *sp, struct mk_sp_param *out,
    size_t max)
{
	struct mk_rd	r;
	size_t		n = 0;
	uint8_t		type, len;

	if (sp == NULL || sp->params == NULL)
		return 0;
	r.b = sp->params;
	r.len = sp->params_len;
	r.pos = 0;
	while (rd_has(&r, 2) && r.pos < r.len) {
		type = rd_u8(&r);
		len = rd_u8(&r);
		if (!rd_has(&r, len))
			break;
		if (out != NULL && n < max) {
			out[n].type = type;
			out[n].len = len;
			out[n].value = r.b + r.pos;
		}
		r.pos += len;
		n++;
	}
	return n;
}

/* Takes a 16-bit length and that many bytes. */
static enum mk_status
take16(struct mk_rd *r, const uint8_t **p, size_t *n)
{
	if (!rd_has(r, 2))
		return MK_ERR_TRUNC;
	return take_fixed(r, (int)rd_u16(r), p, n);
}

/*
 * Takes len bytes, len being what an algorithm byte fixes (a table
 * lookup; negative for an unknown algorithm).
 */
static enum mk_status
take_fixed(struct mk_rd *r, int len, const uint8_t **p, size_t *n)
{
	if (len < 0)
		return MK_ERR_VALUE;
	if (!rd_has(r, (size_t)len))
		return MK_ERR_TRUNC;
	*n = (size_t)len;
	*p = rd_bytes(r, *n);
	return MK_OK;
}

/* Takes an 8-bit length and that many bytes. */
static enum mk_status
take8(struct mk_rd *r, const uint8_t **p, size_t *n)
{
	if (!rd_has(r, 1))
		return MK_ERR_TRUNC;
	return take_fixed(r, (int)rd_u8(r), p, n);
}

/*
 * see ticket_local.h
 *
 * RFC 3830 section 6.13: Next Payload (8), Type (4) | KV (4), Key data len
 * (16), Key data, [Salt len (16), Salt data] for the +SALT types, then KV
 * data: SPI/MKI as length (8) and bytes, or Valid From and Valid To each
 * as length (8) and bytes (6.14).
 */
enum mk_status
mk_keydata_one(struct mk_rd *r, struct mk_keydata *k, uint8_t *next)
{
	enum mk_status	status = MK_ERR_TRUNC;
	uint8_t		b;

	memset(k, 0, sizeof(*k));
	if (!rd_has(r, MK_KEY_FIXED - 2))
		goto fail;
	*next = rd_u8(r);
	b = rd_u8(r);
	k->key_type = b >> 4;
	k->kv = b & 0x0f;
	status = MK_ERR_VALUE;
	if (k->key_type > MK_KEY_MPK || k->kv > MK_KV_INTERVAL)
		goto fail;
	status = take16(r, &k->key, &k->key_len);
	if (status != MK_OK)
		goto fail;
	if (k->key_type == MK_KEY_TGK_SALT ||
	    k->key_type == MK_KEY_TEK_SALT ||
	    k->key_type == MK_KEY_GTGK_SALT) {
		status = take16(r, &k->salt, &k->salt_len);
		if (status != MK_OK)
			goto fail;
	}
	if (k->kv == MK_KV_SPI) {
		status = take8(r, &k->spi, &k->spi_len);
	} else if (k->kv == MK_KV_INTERVAL) {
		status = take8(r, &k->valid_from, &k->valid_from_len);
		if (status == MK_OK)
			status = take8(r, &k->valid_to, &k->valid_to_len);
	}
	if (status != MK_OK)
		goto fail;
	return MK_OK;
fail:
	return status;
}

/* see ticket.h */
enum mk_status
mk_decode_keydata(const uint8_t *buf, size_t len,
    struct mk_keydata *out, size_t out_max, size_t *count)
{
	enum mk_status		 status = MK_ERR_ARGS;
	struct mk_rd		 r = { buf, len, 0 };
	struct mk_keydata	 tmp;
	uint8_t			 next = MK_PT_KEYDATA;
	size_t			 n = 0;

	if (buf == NULL || count == NULL || (out == NULL && out_max > 0))
		goto fail;
	/* A KEMAC holds at least one key (RFC 3830 section 6.2). */
	while (next == MK_PT_KEYDATA) {
		status = MK_ERR_LIMIT;
		if (n == MK_KEYS_MAX)
			goto fail;
		status = mk_keydata_one(&r, n < out_max ? &out[n] : &tmp,
		    &next);
		if (status != MK_OK)
			goto fail;
		n++;
	}
	status = MK_ERR_TYPE;
	if (next != MK_PT_LAST)
		goto fail;
	status = MK_ERR_FORMAT;
	if (r.pos != r.len)
		goto fail;
	status = MK_ERR_SPACE;
	if (n > out_max)
		goto fail;
	*count = n;
	return MK_OK;
fail:
	if (count != NULL)
		*count = 0;
	return status;
}

/* HDR (RFC 3830 section 6.1; RFC 6043 section 6.1). */
static enum mk_status
parse_hdr(struct mk_rd *r, struct mk_payload *p)
{
	struct mk_hdr	*h = &p->u.hdr;
	enum mk_status	 status = MK_ERR_TRUNC;
	uint8_t		 b;

	memset(p, 0, sizeof(*p));
	p->type = MK_PT_HDR;
	p->off = r->pos;
	if (!rd_has(r, MK_HDR_LEN))
		goto fail;
	h->version = rd_u8(r);
	h->data_type = rd_u8(r);
	p->next = rd_u8(r);
	b = rd_u8(r);
	h->v = (b & 0x80) != 0;
	h->prf = b & MK_PRF_MAX;
	h->csb_id = (uint32_t)rd_be(r, 4);
	h->cs_count = rd_u8(r);
	h->map_type = rd_u8(r);
	status = MK_ERR_VERSION;
	if (h->version != MK_VERSION)
		goto fail;
	status = mk_map_info_len(h->map_type, h->cs_count, r->b + r->pos,
	    r->len - r->pos, &h->map_info_len);
	if (status != MK_OK)
		goto fail;
	h->map_info = rd_bytes(r, h->map_info_len);
	p->len = r->pos - p->off;
	return MK_OK;
fail:
	return status;
}

/*
 * TP and TICKET after the Next Payload byte (RFC 6043 section 6.10); the
 * caller checked the 7 fixed bytes.
 */
static enum mk_status
parse_tp(struct mk_rd *r, struct mk_payload *p, bool ticket)
{
	struct mk_tp	*tp = &p->u.tp;
	enum mk_status	 status;
	uint8_t		 b5, b6, b7;

	tp->ticket_type = rd_u16(r);
	tp->subtype = rd_u8(r);
	tp->version = rd_u8(r);
	/* PRF Func (7) | D, then E..L, then M N O and 5 reserved bits. */
	b5 = rd_u8(r);
	b6 = rd_u8(r);
	b7 = rd_u8(r);
	tp->prf = b5 >> 1;
	tp->flags = (uint16_t)((b5 & 1) << 11 | b6 << 3 | b7 >> 5);
	tp->reserved = b7 & MK_TP_RES_MAX;
	status = take16(r, &tp->tp_data, &tp->tp_data_len);
	if (status != MK_OK)
		goto fail;
	if (ticket) {
		status = take16(r, &tp->ticket_data, &tp->ticket_data_len);
		if (status != MK_OK)
			goto fail;
		tp->init_off = r->pos;
		status = take16(r, &tp->init_data, &tp->init_data_len);
		if (status != MK_OK)
			goto fail;
	}
	return MK_OK;
fail:
	return status;
}

/*
 * Bytes every payload of a chain type has before its first length-checked
 * variable part, Next Payload included (RFC 3830 section 6, RFC 6043
 * section 6).  Reads within them need no further check.
 */
static size_t
fixed_len(uint8_t type)
{
	switch (type) {
	case MK_PT_PKE:
		return MK_PKE_FIXED;
	case MK_PT_SIGN:
		return MK_SIGN_FIXED;
	case MK_PT_TR:
	case MK_PT_IDR:
	case MK_PT_SP:
		return 3;	/* next, role or policy no, type */
	case MK_PT_RAND:
		return 1;	/* next; RAND len is read by take8 */
	case MK_PT_ERR:
		return MK_ERR_LEN;
	case MK_PT_TP:
	case MK_PT_TICKET:
		return MK_TP_FIXED - 2;	/* TP Data len by take16 */
	default:
		return 2;	/* next and one type/alg/role byte */
	}
}

/*
 * Parses one payload of type at r into *p.  The caller checked that the
 * type is a chain type.
 */
static enum mk_status
parse_payload(struct mk_rd *r, uint8_t type, struct mk_payload *p)
{
	enum mk_status	status = MK_ERR_TRUNC;
	size_t		n, cnt;
	int		l;
	uint16_t	w;

	memset(p, 0, sizeof(*p));
	p->type = type;
	p->off = r->pos;
	if (!rd_has(r, fixed_len(type)))
		goto fail;
	/* SIGN has no Next Payload (RFC 3830 section 6.5). */
	if (type != MK_PT_SIGN)
		p->next = rd_u8(r);
	switch (type) {
	case MK_PT_KEMAC:
		p->u.kemac.encr_alg = rd_u8(r);
		status = take16(r, &p->u.kemac.encr_data,
		    &p->u.kemac.encr_len);
		if (status != MK_OK)
			goto fail;
		status = MK_ERR_TRUNC;
		if (!rd_has(r, 1))
			goto fail;
		p->u.kemac.mac_alg = rd_u8(r);
		status = take_fixed(r, mk_mac_len(p->u.kemac.mac_alg),
		    &p->u.kemac.mac, &p->u.kemac.mac_len);
		if (status != MK_OK)
			goto fail;
		/* NULL encryption: the key data are plaintext, check them. */
		if (p->u.kemac.encr_alg == MK_ENCR_NULL) {
			status = mk_decode_keydata(p->u.kemac.encr_data,
			    p->u.kemac.encr_len, NULL, 0, &cnt);
			if (status == MK_ERR_SPACE)
				status = MK_OK;
			if (status != MK_OK)
				goto fail;
		}
		break;
	case MK_PT_PKE:
		/* C (2) | Data len (14) (RFC 3830 section 6.3). */
		w = rd_u16(r);
		p->u.pke.c = (uint8_t)(w >> 14);
		n = w & MK_PKE_LEN_MAX;
		if (!rd_has(r, n))
			goto fail;
		p->u.pke.data_len = n;
		p->u.pke.data = rd_bytes(r, n);
		break;
	case MK_PT_SIGN:
		/* S type (4) | Signature len (12) (RFC 3830 section 6.5). */
		w = rd_u16(r);
		p->u.sign.s_type = (uint8_t)(w >> 12);
		n = w & MK_SIGN_LEN_MAX;
		if (!rd_has(r, n))
			goto fail;
		p->u.sign.sig_len = n;
		p->u.sign.sig = rd_bytes(r, n);
		break;
	case MK_PT_T:
	case MK_PT_TR:
		if (type == MK_PT_TR)
			p->u.ts.role = rd_u8(r);
		p->u.ts.ts_type = rd_u8(r);
		l = mk_ts_len(p->u.ts.ts_type);
		status = MK_ERR_VALUE;
		if (l < 0)
			goto fail;
		status = MK_ERR_TRUNC;
		if (!rd_has(r, (size_t)l))
			goto fail;
		p->u.ts.value = rd_be(r, (size_t)l);
		break;
	case MK_PT_ID:
	case MK_PT_CERT:
	case MK_PT_IDR:
		if (type == MK_PT_IDR)
			p->u.id.role = rd_u8(r);
		p->u.id.id_type = rd_u8(r);
		status = take16(r, &p->u.id.data, &p->u.id.data_len);
		if (status != MK_OK)
			goto fail;
		break;
	case MK_PT_CHASH:
		p->u.chash.hash_func = rd_u8(r);
		status = take_fixed(r, mk_hash_len(p->u.chash.hash_func),
		    &p->u.chash.hash, &p->u.chash.hash_len);
		if (status != MK_OK)
			goto fail;
		break;
	case MK_PT_V:
		p->u.v.auth_alg = rd_u8(r);
		status = take_fixed(r, mk_mac_len(p->u.v.auth_alg),
		    &p->u.v.mac, &p->u.v.mac_len);
		if (status != MK_OK)
			goto fail;
		break;
	case MK_PT_SP:
		p->u.sp.policy_no = rd_u8(r);
		p->u.sp.prot_type = rd_u8(r);
		status = take16(r, &p->u.sp.params, &p->u.sp.params_len);
		if (status != MK_OK)
			goto fail;
		status = mk_sp_check(p->u.sp.params, p->u.sp.params_len);
		if (status != MK_OK)
			goto fail;
		break;
	case MK_PT_RAND:
	case MK_PT_RANDR:
		if (type == MK_PT_RANDR)
			p->u.rand.role = rd_u8(r);
		status = take8(r, &p->u.rand.rand, &p->u.rand.rand_len);
		if (status != MK_OK)
			goto fail;
		break;
	case MK_PT_ERR:
		p->u.err.err_no = rd_u8(r);
		p->u.err.reserved = rd_u16(r);
		break;
	case MK_PT_GENEXT:
		p->u.ext.ext_type = rd_u8(r);
		status = take16(r, &p->u.ext.data, &p->u.ext.data_len);
		if (status != MK_OK)
			goto fail;
		break;
	case MK_PT_TP:
	case MK_PT_TICKET:
		status = parse_tp(r, p, type == MK_PT_TICKET);
		if (status != MK_OK)
			goto fail;
		break;
	default:
		status = MK_ERR_TYPE;
		goto fail;
	}
	p->len = r->pos - p->off;
	return MK_OK;
fail:
	return status;
}

/*
 * Parses a chain starting with a payload of type first, into
 * out[*count..max), until Next Payload 0 or a SIGN; then requires the end
 * of the input.  On failure *err_off is where the failing payload starts.
 */
static enum mk_status
parse_chain(struct mk_rd *r, uint8_t first, struct mk_payload *out,
    size_t max, size_t *count, size_t *err_off)
{
	enum mk_status	status = MK_OK;
	uint8_t		type = first;

	while (type != MK_PT_LAST) {
		*err_off = r->pos;
		status = MK_ERR_TYPE;
		if (!mk_is_chain_type(type))
			goto fail;
		status = MK_ERR_LIMIT;
		if (*count >= max)
			goto fail;
		status = parse_payload(r, type, &out[*count]);
		if (status != MK_OK)
			goto fail;
		(*count)++;
		/* SIGN has no Next Payload and is always last (6.5). */
		if (type == MK_PT_SIGN)
			break;
		type = out[*count - 1].next;
	}
	*err_off = r->pos;
	status = MK_ERR_FORMAT;
	if (r->pos != r->len)
		goto fail;
	return MK_OK;
fail:
	return status;
}

/* see ticket.h */
enum mk_status
mk_decode(const uint8_t *buf, size_t len, struct mk_msg *msg)
{
	enum mk_status	status = MK_ERR_ARGS;
	struct mk_rd	r = { buf, len, 0 };

	if (msg == NULL)
		goto fail;
	msg->buf = buf;
	msg->len = len;
	msg->count = 0;
	msg->err_off = 0;
	if (buf == NULL)
		goto fail;
	status = MK_ERR_LIMIT;
	if (len > MK_MSG_MAX)
		goto fail;
	status = parse_hdr(&r, &msg->p[0]);
	if (status != MK_OK)
		goto fail;
	msg->count = 1;
	status = parse_chain(&r, msg->p[0].next, msg->p, MK_PAYLOADS_MAX,
	    &msg->count, &msg->err_off);
	if (status != MK_OK)
		goto fail;
	return MK_OK;
fail:
	return status;
}

/* see ticket.h */
enum mk_status
mk_decode_embedded(const uint8_t *buf, size_t len,
    struct mk_payload *out, size_t out_max, size_t *count)
{
	enum mk_status	status = MK_ERR_ARGS;
	struct mk_rd	r = { buf, len, 0 };
	size_t		err_off;
	uint8_t		first;

	if (count != NULL)
		*count = 0;
	if (buf == NULL || count == NULL || (out == NULL && out_max > 0))
		goto fail;
	status = MK_ERR_TRUNC;
	if (!rd_has(&r, 1))
		goto fail;
	first = rd_u8(&r);
	status = parse_chain(&r, first, out, out_max, count, &err_off);
fail:
	return status;
}

/* see ticket.h */
const struct mk_payload *
mk_find(const struct mk_msg *msg, uint8_t type,
    const struct mk_payload *after)
{
	size_t i = 0;

	if (msg == NULL)
		return NULL;
	if (after != NULL) {
		if (after < msg->p || after >= msg->p + msg->count)
			return NULL;
		i = (size_t)(after - msg->p) + 1;
	}
	for (; i < msg->count; i++)
		if (msg->p[i].type == type)
			return &msg->p[i];
	return NULL;
}

/* see ticket.h */
const char *
mk_strerror(enum mk_status status)
{
	switch (status) {
	case MK_OK:
		return "ok";
	case MK_ERR_ARGS:
		return "bad argument";
	case MK_ERR_TRUNC:
		return "truncated";
	case MK_ERR_TYPE:
		return "unknown or unsupported payload type";
	case MK_ERR_VALUE:
		return "unknown length-setting value";
	case MK_ERR_VERSION:
		return "unsupported version";
	case MK_ERR_FORMAT:
		return "malformed";
	case MK_ERR_LIMIT:
		return "limit exceeded";
	case MK_ERR_SPACE:
		return "output buffer too small";
	}
	return "unknown status";
}
