/*
 * mk_enc.c - the MIKEY encoder (RFC 3830 section 6, RFC 6043 section
 * 6) and the Error message builder (RFC 3830 section 5.1.2, RFC 6043
 * section 5.4).
 *
 * The encoder checks every field as the decoder would, so whatever it
 * writes decodes, and writes nothing it could not read back: a value that
 * does not fit its wire field is MK_ERR_ARGS, a length-setting value
 * the decoder does not know is MK_ERR_VALUE.
 */
#include <string.h>

#include "ticket_local.h"

/* A bounded writer; the first overflow sticks and nothing more is put. */
struct mk_wr {
	uint8_t	*b;
	size_t	 size;
	size_t	 pos;
	bool	 full;
};

static void	 wr_u8(struct mk_wr *, unsigned);
static void	 wr_u16(struct mk_wr *, unsigned);
static void	 wr_be(struct mk_wr *, uint64_t, size_t);
static void	 wr_bytes(struct mk_wr *, const uint8_t *, size_t);
static enum mk_status put_hdr(struct mk_wr *, struct mk_payload *);
static enum mk_status put_payload(struct mk_wr *,
		    struct mk_payload *);
static enum mk_status put_chain(struct mk_wr *, struct mk_payload *,
		    size_t);
static enum mk_status put_var16(struct mk_wr *, const uint8_t *,
		    size_t);
static enum mk_status put_var8(struct mk_wr *, const uint8_t *, size_t);
static enum mk_status put_fixed(struct mk_wr *, const uint8_t *, size_t,
		    int);

static void
wr_u8(struct mk_wr *w, unsigned v)
{
	if (w->full || w->size - w->pos < 1) {
		w->full = true;
		return;
	}
	w->b[w->pos++] = (uint8_t)v;
}

static void
wr_u16(struct mk_wr *w, unsigned v)
{
	wr_u8(w, (v >> 8) & 0xff);
	wr_u8(w, v & 0xff);
}

static void
wr_be(struct mk_wr *w, uint64_t v, size_t n)
{
	while (n-- > 0)
		wr_u8(w, (unsigned)(v >> (8 * n)) & 0xff);
}

/* Writes n bytes of p, or n zero bytes when p is NULL. */
static void
wr_bytes(struct mk_wr *w, const uint8_t *p, size_t n)
{
	if (w->full || w->size - w->pos < n) {
		w->full = true;
		return;
	}
	if (p != NULL)
		memcpy(w->b + w->pos, p, n);
	else
		memset(w->b + w->pos, 0, n);
	w->pos += n;
}

/* A 16-bit length and the bytes; p may be NULL only when n is 0. */
static enum mk_status
put_var16(struct mk_wr *w, const uint8_t *p, size_t n)
{
	if (n > MK_U16_MAX || (p == NULL && n > 0))
		return MK_ERR_ARGS;
	wr_u16(w, (unsigned)n);
	wr_bytes(w, p, n);
	return MK_OK;
}

/* An 8-bit length and the bytes. */
static enum mk_status
put_var8(struct mk_wr *w, const uint8_t *p, size_t n)
{
	if (n > MK_U8_MAX || (p == NULL && n > 0))
		return MK_ERR_ARGS;
	wr_u8(w, (unsigned)n);
	wr_bytes(w, p, n);
	return MK_OK;
}

/*
 * Bytes whose length an algorithm sets (want; -1 = unknown algorithm).
 * A NULL p writes zeros: a MAC the caller fills in after encoding.
 */
static enum mk_status
put_fixed(struct mk_wr *w, const uint8_t *p, size_t n, int want)
{
	if (want < 0)
		return MK_ERR_VALUE;
	if (n != (size_t)want)
		return MK_ERR_ARGS;
	wr_bytes(w, p, n);
	return MK_OK;
}

/* HDR (RFC 3830 section 6.1). */
static enum mk_status
put_hdr(struct mk_wr *w, struct mk_payload *p)
{
	const struct mk_hdr	*h = &p->u.hdr;
	enum mk_status		 status = MK_ERR_VERSION;
	size_t			 n;

	if (h->version != MK_VERSION)
		goto fail;
	status = MK_ERR_ARGS;
	if (h->prf > MK_PRF_MAX ||
	    (h->map_info == NULL && h->map_info_len > 0))
		goto fail;
	/* The map info must be exactly what the decoder would take. */
	status = mk_map_info_len(h->map_type, h->cs_count, h->map_info,
	    h->map_info_len, &n);
	if (status == MK_ERR_TRUNC || (status == MK_OK &&
	    n != h->map_info_len))
		status = MK_ERR_FORMAT;
	if (status != MK_OK)
		goto fail;
	wr_u8(w, MK_VERSION);
	wr_u8(w, h->data_type);
	wr_u8(w, p->next);
	wr_u8(w, (h->v ? 0x80u : 0) | h->prf);
	wr_be(w, h->csb_id, 4);
	wr_u8(w, h->cs_count);
	wr_u8(w, h->map_type);
	wr_bytes(w, h->map_info, h->map_info_len);
	return MK_OK;
fail:
	return status;
}

/* One chain payload, p->next already set. */
static enum mk_status
put_payload(struct mk_wr *w, struct mk_payload *p)
{
	enum mk_status		 status = MK_ERR_ARGS;
	const struct mk_tp	*tp;
	size_t			 cnt;

	if (p->type != MK_PT_SIGN)
		wr_u8(w, p->next);
	switch (p->type) {
	case MK_PT_KEMAC:
		if (p->u.kemac.encr_alg == MK_ENCR_NULL) {
			status = mk_decode_keydata(p->u.kemac.encr_data,
			    p->u.kemac.encr_len, NULL, 0, &cnt);
			if (status == MK_ERR_SPACE)
				status = MK_OK;
			if (status != MK_OK)
				goto fail;
		}
		wr_u8(w, p->u.kemac.encr_alg);
		status = put_var16(w, p->u.kemac.encr_data,
		    p->u.kemac.encr_len);
		if (status != MK_OK)
			goto fail;
		wr_u8(w, p->u.kemac.mac_alg);
		status = put_fixed(w, p->u.kemac.mac, p->u.kemac.mac_len,
		    mk_mac_len(p->u.kemac.mac_alg));
		break;
	case MK_PT_PKE:
		if (p->u.pke.c > MK_PKE_C_MAX ||
		    p->u.pke.data_len > MK_PKE_LEN_MAX ||
		    (p->u.pke.data == NULL && p->u.pke.data_len > 0))
			goto fail;
		wr_u16(w, (unsigned)p->u.pke.c << 14 |
		    (unsigned)p->u.pke.data_len);
		wr_bytes(w, p->u.pke.data, p->u.pke.data_len);
		status = MK_OK;
		break;
	case MK_PT_SIGN:
		if (p->u.sign.s_type > MK_SIGN_TYPE_MAX ||
		    p->u.sign.sig_len > MK_SIGN_LEN_MAX ||
		    (p->u.sign.sig == NULL && p->u.sign.sig_len > 0))
			goto fail;
		wr_u16(w, (unsigned)p->u.sign.s_type << 12 |
		    (unsigned)p->u.sign.sig_len);
		wr_bytes(w, p->u.sign.sig, p->u.sign.sig_len);
		status = MK_OK;
		break;
	case MK_PT_T:
	case MK_PT_TR:
		if (p->type == MK_PT_TR)
			wr_u8(w, p->u.ts.role);
		wr_u8(w, p->u.ts.ts_type);
		status = MK_ERR_VALUE;
		if (mk_ts_len(p->u.ts.ts_type) < 0)
			goto fail;
		status = MK_ERR_ARGS;
		if (mk_ts_len(p->u.ts.ts_type) == 4 &&
		    p->u.ts.value > 0xffffffffu)
			goto fail;
		wr_be(w, p->u.ts.value, (size_t)mk_ts_len(p->u.ts.ts_type));
		status = MK_OK;
		break;
	case MK_PT_ID:
	case MK_PT_CERT:
	case MK_PT_IDR:
		if (p->type == MK_PT_IDR)
			wr_u8(w, p->u.id.role);
		wr_u8(w, p->u.id.id_type);
		status = put_var16(w, p->u.id.data, p->u.id.data_len);
		break;
	case MK_PT_CHASH:
		wr_u8(w, p->u.chash.hash_func);
		status = put_fixed(w, p->u.chash.hash, p->u.chash.hash_len,
		    mk_hash_len(p->u.chash.hash_func));
		break;
	case MK_PT_V:
		wr_u8(w, p->u.v.auth_alg);
		status = put_fixed(w, p->u.v.mac, p->u.v.mac_len,
		    mk_mac_len(p->u.v.auth_alg));
		break;
	case MK_PT_SP:
		if (p->u.sp.params == NULL && p->u.sp.params_len > 0)
			goto fail;
		status = MK_ERR_FORMAT;
		if (p->u.sp.params != NULL &&
		    mk_sp_check(p->u.sp.params, p->u.sp.params_len) !=
		    MK_OK)
			goto fail;
		wr_u8(w, p->u.sp.policy_no);
		wr_u8(w, p->u.sp.prot_type);
		status = put_var16(w, p->u.sp.params, p->u.sp.params_len);
		break;
	case MK_PT_RAND:
	case MK_PT_RANDR:
		if (p->type == MK_PT_RANDR)
			wr_u8(w, p->u.rand.role);
		status = put_var8(w, p->u.rand.rand, p->u.rand.rand_len);
		break;
	case MK_PT_ERR:
		wr_u8(w, p->u.err.err_no);
		wr_u16(w, p->u.err.reserved);
		status = MK_OK;
		break;
	case MK_PT_GENEXT:
		wr_u8(w, p->u.ext.ext_type);
		status = put_var16(w, p->u.ext.data, p->u.ext.data_len);
		break;
	case MK_PT_TP:
	case MK_PT_TICKET:
		/* RFC 6043 section 6.10; layout as in parse_tp(). */
		tp = &p->u.tp;
		if (tp->prf > MK_PRF_MAX || (tp->flags & ~MK_TP_FLAGS) ||
		    tp->reserved > MK_TP_RES_MAX)
			goto fail;
		wr_u16(w, tp->ticket_type);
		wr_u8(w, tp->subtype);
		wr_u8(w, tp->version);
		wr_u8(w, (unsigned)tp->prf << 1 | (tp->flags >> 11 & 1));
		wr_u8(w, tp->flags >> 3 & 0xff);
		wr_u8(w, (unsigned)(tp->flags & 7) << 5 | tp->reserved);
		status = put_var16(w, tp->tp_data, tp->tp_data_len);
		if (status != MK_OK || p->type == MK_PT_TP)
			break;
		status = put_var16(w, tp->ticket_data, tp->ticket_data_len);
		if (status != MK_OK)
			break;
		p->u.tp.init_off = w->pos;
		status = put_var16(w, tp->init_data, tp->init_data_len);
		break;
	default:
		status = MK_ERR_TYPE;
		break;
	}
fail:
	return status;
}

/*
 * Writes p[0..n) as a chain: each Next Payload names the type of the
 * following payload, the last is 0.  A SIGN must be last.
 */
static enum mk_status
put_chain(struct mk_wr *w, struct mk_payload *p, size_t n)
{
	enum mk_status	status = MK_OK;
	size_t		i;

	for (i = 0; i < n; i++) {
		status = MK_ERR_TYPE;
		if (!mk_is_chain_type(p[i].type))
			goto fail;
		status = MK_ERR_FORMAT;
		if (p[i].type == MK_PT_SIGN && i + 1 != n)
			goto fail;
		p[i].next = i + 1 < n ? p[i + 1].type : MK_PT_LAST;
		if (p[i].type == MK_PT_SIGN)
			p[i].next = MK_PT_LAST;
		p[i].off = w->pos;
		status = put_payload(w, &p[i]);
		if (status != MK_OK)
			goto fail;
		p[i].len = w->pos - p[i].off;
	}
	return MK_OK;
fail:
	return status;
}

/* see ticket.h */
enum mk_status
mk_encode(struct mk_payload *p, size_t n, uint8_t *out,
    size_t out_size, size_t *out_len)
{
	enum mk_status	status = MK_ERR_ARGS;
	struct mk_wr	w = { out, out_size, 0, false };

	if (out_len != NULL)
		*out_len = 0;
	if (p == NULL || n == 0 || out == NULL || out_len == NULL ||
	    p[0].type != MK_PT_HDR)
		goto fail;
	status = MK_ERR_LIMIT;
	if (n > MK_PAYLOADS_MAX)
		goto fail;
	p[0].next = n > 1 ? p[1].type : MK_PT_LAST;
	p[0].off = 0;
	status = put_hdr(&w, &p[0]);
	if (status != MK_OK)
		goto fail;
	p[0].len = w.pos;
	status = put_chain(&w, p + 1, n - 1);
	if (status != MK_OK)
		goto fail;
	status = MK_ERR_SPACE;
	if (w.full)
		goto fail;
	status = MK_ERR_LIMIT;
	if (w.pos > MK_MSG_MAX)
		goto fail;
	*out_len = w.pos;
	return MK_OK;
fail:
	return status;
}

/* see ticket.h */
enum mk_status
mk_encode_embedded(struct mk_payload *p, size_t n, uint8_t *out,
    size_t out_size, size_t *out_len)
{
	enum mk_status	status = MK_ERR_ARGS;
	struct mk_wr	w = { out, out_size, 0, false };

	if (out_len != NULL)
		*out_len = 0;
	if ((p == NULL && n > 0) || out == NULL || out_len == NULL)
		goto fail;
	wr_u8(&w, n > 0 ? p[0].type : MK_PT_LAST);
	status = put_chain(&w, p, n);
	if (status != MK_OK)
		goto fail;
	status = MK_ERR_SPACE;
	if (w.full)
		goto fail;
	*out_len = w.pos;
	return MK_OK;
fail:
	return status;
}

/* see ticket.h */
enum mk_status
mk_encode_keydata(const struct mk_keydata *k, size_t n, uint8_t *out,
    size_t out_size, size_t *out_len)
{
	enum mk_status	 status = MK_ERR_ARGS;
	struct mk_wr	 w = { out, out_size, 0, false };
	size_t		 i;
	bool		 salted;

	if (out_len != NULL)
		*out_len = 0;
	if (k == NULL || n == 0 || out == NULL || out_len == NULL)
		goto fail;
	status = MK_ERR_LIMIT;
	if (n > MK_KEYS_MAX)
		goto fail;
	/* RFC 3830 section 6.13; layout as in mk_keydata_one(). */
	for (i = 0; i < n; i++) {
		status = MK_ERR_VALUE;
		if (k[i].key_type > MK_KEY_MPK || k[i].kv > MK_KV_INTERVAL)
			goto fail;
		salted = k[i].key_type == MK_KEY_TGK_SALT ||
		    k[i].key_type == MK_KEY_TEK_SALT ||
		    k[i].key_type == MK_KEY_GTGK_SALT;
		wr_u8(&w, i + 1 < n ? MK_PT_KEYDATA : MK_PT_LAST);
		wr_u8(&w, (unsigned)k[i].key_type << 4 | k[i].kv);
		status = put_var16(&w, k[i].key, k[i].key_len);
		if (status == MK_OK && salted)
			status = put_var16(&w, k[i].salt, k[i].salt_len);
		if (status == MK_OK && k[i].kv == MK_KV_SPI)
			status = put_var8(&w, k[i].spi, k[i].spi_len);
		if (status == MK_OK && k[i].kv == MK_KV_INTERVAL) {
			status = put_var8(&w, k[i].valid_from,
			    k[i].valid_from_len);
			if (status == MK_OK)
				status = put_var8(&w, k[i].valid_to,
				    k[i].valid_to_len);
		}
		if (status != MK_OK)
			goto fail;
	}
	status = MK_ERR_SPACE;
	if (w.full)
		goto fail;
	*out_len = w.pos;
	return MK_OK;
fail:
	return status;
}

/* see ticket.h */
enum mk_status
mk_encode_sp_params(const struct mk_sp_param *p, size_t n,
    uint8_t *out, size_t out_size, size_t *out_len)
{
	enum mk_status	status = MK_ERR_ARGS;
	struct mk_wr	w = { out, out_size, 0, false };
	size_t		i;

	if (out_len != NULL)
		*out_len = 0;
	if ((p == NULL && n > 0) || out == NULL || out_len == NULL)
		goto fail;
	/* Type (8), Length (8), Value (RFC 3830 section 6.10). */
	for (i = 0; i < n; i++) {
		if (p[i].value == NULL && p[i].len > 0)
			goto fail;
		wr_u8(&w, p[i].type);
		wr_u8(&w, p[i].len);
		wr_bytes(&w, p[i].value, p[i].len);
	}
	status = MK_ERR_SPACE;
	if (w.full)
		goto fail;
	status = MK_ERR_LIMIT;
	if (w.pos > MK_U16_MAX)
		goto fail;
	*out_len = w.pos;
	return MK_OK;
fail:
	return status;
}

/*
 * see ticket.h
 *
 * Error = HDR, T, (ERR), [V | SIGN] (RFC 6043 section 5.4).  HDR: data
 * type Error, V flag 0, version, PRF func and CSB ID of the offending
 * message (RFC 3830 section 5.1.2); #CS and the CS ID map are copied too,
 * where neither RFC says (docs/mikey.md).  The MAC covers the Error
 * message only (RFC 6043 section 5.5, table 5.2).
 */
enum mk_status
mk_error_build(const struct mk_hdr *hdr, const struct mk_ts_view *t,
    const uint8_t *errs, size_t nerr, uint8_t auth_alg, uint8_t *out,
    size_t out_size, size_t *out_len, size_t *mac_off)
{
	struct mk_payload	 p[MK_PAYLOADS_MAX];
	enum mk_status		 status = MK_ERR_ARGS;
	size_t			 i, n = 0;
	int			 l;

	if (out_len != NULL)
		*out_len = 0;
	if (t == NULL || errs == NULL || nerr == 0 || out_len == NULL ||
	    (auth_alg != MK_MAC_NULL && mac_off == NULL))
		goto fail;
	status = MK_ERR_LIMIT;
	if (nerr > MK_PAYLOADS_MAX - 3)
		goto fail;
	status = MK_ERR_VALUE;
	l = mk_mac_len(auth_alg);
	if (l < 0)
		goto fail;

	memset(p, 0, sizeof(p));
	p[n].type = MK_PT_HDR;
	if (hdr != NULL)
		p[n].u.hdr = *hdr;
	else
		p[n].u.hdr.map_type = MK_MAP_EMPTY;
	p[n].u.hdr.version = MK_VERSION;
	p[n].u.hdr.data_type = MK_DT_ERROR;
	p[n].u.hdr.v = false;
	n++;
	p[n].type = MK_PT_T;
	p[n].u.ts.ts_type = t->ts_type;
	p[n].u.ts.value = t->value;
	n++;
	for (i = 0; i < nerr; i++) {
		p[n].type = MK_PT_ERR;
		p[n].u.err.err_no = errs[i];
		n++;
	}
	if (auth_alg != MK_MAC_NULL) {
		p[n].type = MK_PT_V;
		p[n].u.v.auth_alg = auth_alg;
		p[n].u.v.mac = NULL;	/* zeros, filled in by the caller */
		p[n].u.v.mac_len = (size_t)l;
		n++;
	}
	status = mk_encode(p, n, out, out_size, out_len);
	if (status != MK_OK)
		goto fail;
	if (auth_alg != MK_MAC_NULL)
		*mac_off = p[n - 1].off + p[n - 1].len - (size_t)l;
	return MK_OK;
fail:
	return status;
}
