/*
 * mikey.c - the MIKEY-SAKKE I_MESSAGE (RFC 3830, RFC 6043, RFC 6509,
 * TS 33.180 Annex E; notes mcx-kms.md section 7): a strict, bounded
 * parser, a builder that signs with ECCSI, signature verification, and
 * the 33.180 associated-parameters payload (AES-128-GCM under a key
 * derived from the GMK/PCK).
 *
 * Secrets in this file: the SSK handed to eccsi_sign, the DPPK (GMK,
 * PCK) and the DPCK derived from it, and the associated-parameter
 * plaintext.  Message parsing is on public data and may branch.
 *
 * Every read goes through struct rd, whose functions check the length
 * left before touching an octet; every write through struct wr, which
 * checks the space left.  No arithmetic on an untrusted length can wrap:
 * comparisons are of the form "n > len - off" with off <= len.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto_local.h"

/* Payload types (RFC 3830 section 6, RFC 6043, RFC 6509 section 4). */
#define PT_LAST		0
#define PT_SIGN		4
#define PT_T		5
#define PT_CERT		7
#define PT_SP		10
#define PT_RAND		11
#define PT_IDR		14
#define PT_GEXT		21
#define PT_SAKKE	26

#define HDR_FIXED_LEN	10	/* version .. CS ID map type */
#define RAND_MIN_LEN	16	/* RFC 3830 section 5.1: at least 128 bits */
#define IDR_ROLE_MAX	9	/* 33.180 E.7: IDRuidr */
#define IDR_TYPE_MAX	2	/* RFC 6043 6.6: NAI, URI, byte string */
#define SAKKE_SCHEME_TEL 1	/* RFC 6509 section 4.2: tel URI, monthly */
#define SIGN_HDR_LEN	2	/* S type (4 bits) || length (12 bits) */
#define AP_AAD_LEN	32	/* message type .. DPPK-ID (notes 7.4) */
#define AP_FIXED_PT_LEN	17	/* key type .. text length */
#define DPCK_FC		0x53	/* notes 5.5: DPCK = KDF(DPPK, 0x53, ID) */
#define DPCK_LEN	16

struct rd {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
};

struct wr {
	uint8_t		*p;
	size_t		 size;
	size_t		 off;
	bool		 err;
};

static bool	 rd_u8(struct rd *, uint8_t *);
static bool	 rd_u16(struct rd *, uint16_t *);
static bool	 rd_u32(struct rd *, uint32_t *);
static bool	 rd_uint(struct rd *, size_t, uint64_t *);
static bool	 rd_bytes(struct rd *, size_t, struct mikey_bytes *);
static void	 wr_u8(struct wr *, uint8_t);
static void	 wr_u16(struct wr *, uint16_t);
static void	 wr_uint(struct wr *, uint64_t, size_t);
static void	 wr_bytes(struct wr *, const uint8_t *, size_t);
static bool	 parse_hdr(struct rd *, struct mikey_imsg *, uint8_t *);
static bool	 sp_params_ok(const struct mikey_bytes *);
static bool	 build_check(const struct mikey_imsg *);
static int	 dpck(const uint8_t *, uint32_t, uint8_t *);
static int	 gcm(bool, const uint8_t *, const uint8_t *, const uint8_t *,
		    const uint8_t *, size_t, uint8_t *, uint8_t *);

static bool
rd_u8(struct rd *r, uint8_t *v)
{
	if (r->len - r->off < 1)
		return false;
	*v = r->p[r->off++];
	return true;
}

static bool
rd_u16(struct rd *r, uint16_t *v)
{
	uint64_t	 x;

	if (!rd_uint(r, 2, &x))
		return false;
	*v = (uint16_t)x;
	return true;
}

static bool
rd_u32(struct rd *r, uint32_t *v)
{
	uint64_t	 x;

	if (!rd_uint(r, 4, &x))
		return false;
	*v = (uint32_t)x;
	return true;
}

/* An n-octet (n <= 8) big-endian unsigned integer. */
static bool
rd_uint(struct rd *r, size_t n, uint64_t *v)
{
	size_t	 i;

	if (n > 8 || r->len - r->off < n)
		return false;
	*v = 0;
	for (i = 0; i < n; i++)
		*v = (*v << 8) | r->p[r->off + i];
	r->off += n;
	return true;
}

/* A view of the next n octets. */
static bool
rd_bytes(struct rd *r, size_t n, struct mikey_bytes *b)
{
	if (r->len - r->off < n)
		return false;
	b->p = r->p + r->off;
	b->len = n;
	r->off += n;
	return true;
}

static void
wr_u8(struct wr *w, uint8_t v)
{
	wr_uint(w, v, 1);
}

static void
wr_u16(struct wr *w, uint16_t v)
{
	wr_uint(w, v, 2);
}

static void
wr_uint(struct wr *w, uint64_t v, size_t n)
{
	size_t	 i;

	if (w->err || w->size - w->off < n) {
		w->err = true;
		return;
	}
	for (i = 0; i < n; i++)
		w->p[w->off + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	w->off += n;
}

static void
wr_bytes(struct wr *w, const uint8_t *b, size_t n)
{
	if (w->err || w->size - w->off < n || (b == NULL && n > 0)) {
		w->err = true;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->off, b, n);
	w->off += n;
}

/*
 * Common header, RFC 3830 section 6.1, with the CS ID maps of RFC 3830
 * 6.1.1 (SRTP-ID), RFC 6043 6.1.1 (GENERIC-ID) and 33.180 E.1.2 (empty
 * map, #CS = 0).  Returns the first payload type in *next.
 */
static bool
parse_hdr(struct rd *r, struct mikey_imsg *m, uint8_t *next)
{
	uint8_t		 ver, type, vprf, ncs, sp, b;
	uint16_t	 l16;
	size_t		 i;
	struct mikey_cs	*cs;

	if (!rd_u8(r, &ver) || !rd_u8(r, &type) || !rd_u8(r, next) ||
	    !rd_u8(r, &vprf) || !rd_u32(r, &m->csb_id) || !rd_u8(r, &ncs) ||
	    !rd_u8(r, &m->map_type))
		return false;
	/* Version 1; data type 26 = SAKKE I_MESSAGE (RFC 6509 4.1). */
	if (ver != MIKEY_VERSION || type != MIKEY_TYPE_SAKKE)
		return false;
	/* V = 0 (no verification message); PRF 0 (MIKEY-1) or 1. */
	if ((vprf & 0x80) != 0 || (vprf & 0x7f) > MIKEY_PRF_HMAC_SHA256)
		return false;
	m->prf = vprf & 0x7f;
	if (ncs > MIKEY_CS_MAX)
		return false;
	m->ncs = ncs;
	for (i = 0; i < ncs; i++) {
		cs = &m->cs[i];
		switch (m->map_type) {
		case MIKEY_MAP_SRTP:
			/* Policy_no (8) || SSRC (32) || ROC (32). */
			if (!rd_u8(r, &cs->cs_id) || !rd_u32(r, &cs->ssrc) ||
			    !rd_u32(r, &cs->roc))
				return false;
			break;
		case MIKEY_MAP_GENERIC:
			/* CS ID || Prot || S, #P || policies (RFC 6043). */
			if (!rd_u8(r, &cs->cs_id) || !rd_u8(r, &cs->prot) ||
			    !rd_u8(r, &sp) ||
			    !rd_bytes(r, sp & 0x7f, &cs->policies) ||
			    !rd_u16(r, &l16) ||
			    !rd_bytes(r, l16, &cs->session) ||
			    !rd_u8(r, &b) || !rd_bytes(r, b, &cs->spi))
				return false;
			cs->s = (sp & 0x80) != 0;
			break;
		default:
			return false;
		}
	}
	/* The empty map carries no CS (33.180 E.1.2); others need #CS. */
	if (m->map_type == MIKEY_MAP_EMPTY && ncs != 0)
		return false;
	if (m->map_type > MIKEY_MAP_GENERIC)
		return false;
	return true;
}

/* SP policy parameters: a whole number of type (8) || len (8) || value. */
static bool
sp_params_ok(const struct mikey_bytes *b)
{
	struct rd		 r = { b->p, b->len, 0 };
	struct mikey_bytes	 v;
	uint8_t			 t, l;

	while (r.off < r.len) {
		if (!rd_u8(&r, &t) || !rd_u8(&r, &l) || !rd_bytes(&r, l, &v))
			return false;
	}
	return true;
}

/* see crypto.h */
enum crypto_status
mikey_imsg_parse(const uint8_t *msg, size_t len, struct mikey_imsg *m)
{
	struct rd		 r;
	struct mikey_bytes	 b;
	uint8_t			 next, cur, u8, seen[IDR_ROLE_MAX + 1];
	uint16_t		 l16;
	bool			 have_sakke = false;
	struct mikey_idr	*idr;

	if (m == NULL)
		return CRYPTO_ERR_ARGS;
	memset(m, 0, sizeof(*m));
	memset(seen, 0, sizeof(seen));
	if (msg == NULL || len > MIKEY_MSG_MAX)
		return CRYPTO_ERR_FORMAT;
	r.p = msg;
	r.len = len;
	r.off = 0;
	if (!parse_hdr(&r, m, &next))
		goto fail;

	/* T first (RFC 6509 section 4.1 order), NTP-UTC 64-bit. */
	if (next != PT_T || !rd_u8(&r, &next) || !rd_u8(&r, &u8) ||
	    u8 != MIKEY_TS_NTP_UTC || !rd_uint(&r, 8, &m->t_ntp64))
		goto fail;
	/* Then RAND. */
	if (next != PT_RAND || !rd_u8(&r, &next) || !rd_u8(&r, &u8) ||
	    u8 < RAND_MIN_LEN || !rd_bytes(&r, u8, &m->rand))
		goto fail;

	/* Then IDR, CERT, SP, GEXT, SAKKE in any order, until SIGN. */
	while (next != PT_SIGN) {
		cur = next;
		if (!rd_u8(&r, &next))
			goto fail;
		switch (cur) {
		case PT_IDR:
			if (m->nidr == MIKEY_IDR_MAX)
				goto fail;
			idr = &m->idr[m->nidr];
			if (!rd_u8(&r, &idr->role) || !rd_u8(&r, &idr->type) ||
			    !rd_u16(&r, &l16) || l16 == 0 ||
			    !rd_bytes(&r, l16, &idr->id))
				goto fail;
			if (idr->role == 0 || idr->role > IDR_ROLE_MAX ||
			    seen[idr->role] || idr->type > IDR_TYPE_MAX)
				goto fail;
			seen[idr->role] = 1;
			m->nidr++;
			break;
		case PT_CERT:
			if (m->ncert == MIKEY_CERT_MAX)
				goto fail;
			if (!rd_u8(&r, &m->cert[m->ncert].type) ||
			    !rd_u16(&r, &l16) || l16 == 0 ||
			    !rd_bytes(&r, l16, &m->cert[m->ncert].data))
				goto fail;
			m->ncert++;
			break;
		case PT_SP:
			if (m->nsp == MIKEY_SP_MAX)
				goto fail;
			if (!rd_u8(&r, &m->sp[m->nsp].policy_no) ||
			    !rd_u8(&r, &m->sp[m->nsp].prot) ||
			    !rd_u16(&r, &l16) ||
			    !rd_bytes(&r, l16, &m->sp[m->nsp].params) ||
			    !sp_params_ok(&m->sp[m->nsp].params))
				goto fail;
			m->nsp++;
			break;
		case PT_GEXT:
			if (m->ngext == MIKEY_GEXT_MAX)
				goto fail;
			if (!rd_u8(&r, &m->gext[m->ngext].type) ||
			    !rd_u16(&r, &l16) ||
			    !rd_bytes(&r, l16, &m->gext[m->ngext].data))
				goto fail;
			m->ngext++;
			break;
		case PT_SAKKE:
			/* RFC 6509 section 4.2; parameter set 1 only. */
			if (have_sakke || !rd_u8(&r, &m->sakke_params) ||
			    !rd_u8(&r, &m->sakke_scheme) ||
			    !rd_u16(&r, &l16) || l16 != MIKEY_SAKKE_DATA_LEN ||
			    !rd_bytes(&r, l16, &b))
				goto fail;
			if (m->sakke_params != SAKKE_PARAMETER_SET ||
			    (m->sakke_scheme != SAKKE_SCHEME_TEL &&
			    m->sakke_scheme != MIKEY_SAKKE_SCHEME_UID))
				goto fail;
			m->sakke_data = b.p;
			have_sakke = true;
			break;
		default:
			/* T/RAND again, PT_LAST before SIGN, unknown. */
			goto fail;
		}
	}
	if (!have_sakke)
		goto fail;

	/* SIGN (RFC 6509 section 4.3): no next-payload octet; last. */
	if (!rd_u16(&r, &l16) || (l16 >> 12) != MIKEY_SIGN_ECCSI ||
	    (l16 & 0x0fff) != ECCSI_SIG_LEN)
		goto fail;
	m->signed_len = r.off;
	if (!rd_bytes(&r, ECCSI_SIG_LEN, &b) || r.off != r.len)
		goto fail;
	m->sig = b.p;
	return CRYPTO_OK;
 fail:
	memset(m, 0, sizeof(*m));
	return CRYPTO_ERR_FORMAT;
}

/* see crypto.h */
const struct mikey_idr *
mikey_imsg_idr(const struct mikey_imsg *m, uint8_t role)
{
	size_t	 i;

	for (i = 0; i < m->nidr && i < MIKEY_IDR_MAX; i++)
		if (m->idr[i].role == role)
			return &m->idr[i];
	return NULL;
}

/* see crypto.h */
const struct mikey_gext *
mikey_imsg_gext(const struct mikey_imsg *m, uint8_t type)
{
	size_t	 i;

	for (i = 0; i < m->ngext && i < MIKEY_GEXT_MAX; i++)
		if (m->gext[i].type == type)
			return &m->gext[i];
	return NULL;
}

/*
 * see crypto.h
 *
 * Notes 7.3 (RFC 3830 section 5.2): the signature covers the message
 * from the first octet of the common header through the SIGN payload's
 * S type/length field.
 */
enum crypto_status
mikey_imsg_verify(const struct mikey_imsg *m, const uint8_t *msg,
    const uint8_t kpak[ECCSI_POINT_LEN], const uint8_t *id, size_t id_len)
{
	if (m == NULL || msg == NULL || m->sig == NULL ||
	    m->sig != msg + m->signed_len)
		return CRYPTO_ERR_ARGS;
	return eccsi_verify(kpak, id, id_len, msg, m->signed_len, m->sig);
}

/* What the builder refuses to write (the parser would refuse it too). */
static bool
build_check(const struct mikey_imsg *m)
{
	size_t	 i;
	uint8_t	 seen[IDR_ROLE_MAX + 1];

	memset(seen, 0, sizeof(seen));
	if (m->prf > MIKEY_PRF_HMAC_SHA256 || m->ncs > MIKEY_CS_MAX ||
	    m->map_type > MIKEY_MAP_GENERIC ||
	    (m->map_type == MIKEY_MAP_EMPTY && m->ncs != 0))
		return false;
	for (i = 0; i < m->ncs; i++)
		if (m->cs[i].policies.len > 0x7f ||
		    m->cs[i].session.len > 0xffff || m->cs[i].spi.len > 0xff)
			return false;
	if (m->rand.len < RAND_MIN_LEN || m->rand.len > 0xff ||
	    m->nidr > MIKEY_IDR_MAX || m->ncert > MIKEY_CERT_MAX ||
	    m->nsp > MIKEY_SP_MAX || m->ngext > MIKEY_GEXT_MAX ||
	    m->sakke_data == NULL ||
	    m->sakke_params != SAKKE_PARAMETER_SET ||
	    (m->sakke_scheme != SAKKE_SCHEME_TEL &&
	    m->sakke_scheme != MIKEY_SAKKE_SCHEME_UID))
		return false;
	for (i = 0; i < m->nidr; i++) {
		if (m->idr[i].role == 0 || m->idr[i].role > IDR_ROLE_MAX ||
		    seen[m->idr[i].role] || m->idr[i].type > IDR_TYPE_MAX ||
		    m->idr[i].id.len == 0 || m->idr[i].id.len > 0xffff)
			return false;
		seen[m->idr[i].role] = 1;
	}
	for (i = 0; i < m->ncert; i++)
		if (m->cert[i].data.len == 0 || m->cert[i].data.len > 0xffff)
			return false;
	for (i = 0; i < m->nsp; i++)
		if (m->sp[i].params.len > 0xffff ||
		    !sp_params_ok(&m->sp[i].params))
			return false;
	for (i = 0; i < m->ngext; i++)
		if (m->gext[i].data.len > 0xffff)
			return false;
	return true;
}

/*
 * see crypto.h
 *
 * The order of notes 7.1 as sent by deployed clients: HDR, T, RAND,
 * IDR..., CERT..., SP..., SAKKE, GEXT..., SIGN.
 */
enum crypto_status
mikey_imsg_build(const struct mikey_imsg *m,
    const uint8_t secret_ssk[ECCSI_SCALAR_LEN],
    const uint8_t pvt[ECCSI_POINT_LEN], const uint8_t hs[ECCSI_HASH_LEN],
    crypto_rand_fn rnd, void *rnd_arg, uint8_t *out, size_t out_size,
    size_t *out_len)
{
	enum crypto_status	 status = CRYPTO_ERR_ARGS;
	uint8_t			 types[2 + MIKEY_IDR_MAX + MIKEY_CERT_MAX +
				    MIKEY_SP_MAX + 1 + MIKEY_GEXT_MAX + 1];
	size_t			 nt = 0, k = 0, i;
	struct wr		 w;
	const struct mikey_cs	*cs;

	if (m == NULL || out == NULL || out_len == NULL || !build_check(m))
		goto fail;
	*out_len = 0;
	w.p = out;
	w.size = out_size < MIKEY_MSG_MAX ? out_size : MIKEY_MSG_MAX;
	w.off = 0;
	w.err = false;

	/* The payload chain, so each payload can name the next one. */
	types[nt++] = PT_T;
	types[nt++] = PT_RAND;
	for (i = 0; i < m->nidr; i++)
		types[nt++] = PT_IDR;
	for (i = 0; i < m->ncert; i++)
		types[nt++] = PT_CERT;
	for (i = 0; i < m->nsp; i++)
		types[nt++] = PT_SP;
	types[nt++] = PT_SAKKE;
	for (i = 0; i < m->ngext; i++)
		types[nt++] = PT_GEXT;
	types[nt++] = PT_SIGN;

	/* HDR (RFC 3830 6.1): V = 0. */
	wr_u8(&w, MIKEY_VERSION);
	wr_u8(&w, MIKEY_TYPE_SAKKE);
	wr_u8(&w, types[0]);
	wr_u8(&w, m->prf);
	wr_uint(&w, m->csb_id, 4);
	wr_u8(&w, (uint8_t)m->ncs);
	wr_u8(&w, m->map_type);
	for (i = 0; i < m->ncs; i++) {
		cs = &m->cs[i];
		if (m->map_type == MIKEY_MAP_SRTP) {
			wr_u8(&w, cs->cs_id);
			wr_uint(&w, cs->ssrc, 4);
			wr_uint(&w, cs->roc, 4);
			continue;
		}
		wr_u8(&w, cs->cs_id);
		wr_u8(&w, cs->prot);
		wr_u8(&w, (uint8_t)((cs->s ? 0x80 : 0) | cs->policies.len));
		wr_bytes(&w, cs->policies.p, cs->policies.len);
		wr_u16(&w, (uint16_t)cs->session.len);
		wr_bytes(&w, cs->session.p, cs->session.len);
		wr_u8(&w, (uint8_t)cs->spi.len);
		wr_bytes(&w, cs->spi.p, cs->spi.len);
	}
	/* T (RFC 3830 6.6), NTP-UTC. */
	wr_u8(&w, types[++k]);
	wr_u8(&w, MIKEY_TS_NTP_UTC);
	wr_uint(&w, m->t_ntp64, 8);
	/* RAND (RFC 3830 6.11). */
	wr_u8(&w, types[++k]);
	wr_u8(&w, (uint8_t)m->rand.len);
	wr_bytes(&w, m->rand.p, m->rand.len);
	/* IDR (RFC 6043 6.6). */
	for (i = 0; i < m->nidr; i++) {
		wr_u8(&w, types[++k]);
		wr_u8(&w, m->idr[i].role);
		wr_u8(&w, m->idr[i].type);
		wr_u16(&w, (uint16_t)m->idr[i].id.len);
		wr_bytes(&w, m->idr[i].id.p, m->idr[i].id.len);
	}
	/* CERT (RFC 3830 6.7). */
	for (i = 0; i < m->ncert; i++) {
		wr_u8(&w, types[++k]);
		wr_u8(&w, m->cert[i].type);
		wr_u16(&w, (uint16_t)m->cert[i].data.len);
		wr_bytes(&w, m->cert[i].data.p, m->cert[i].data.len);
	}
	/* SP (RFC 3830 6.10). */
	for (i = 0; i < m->nsp; i++) {
		wr_u8(&w, types[++k]);
		wr_u8(&w, m->sp[i].policy_no);
		wr_u8(&w, m->sp[i].prot);
		wr_u16(&w, (uint16_t)m->sp[i].params.len);
		wr_bytes(&w, m->sp[i].params.p, m->sp[i].params.len);
	}
	/* SAKKE (RFC 6509 4.2). */
	wr_u8(&w, types[++k]);
	wr_u8(&w, m->sakke_params);
	wr_u8(&w, m->sakke_scheme);
	wr_u16(&w, MIKEY_SAKKE_DATA_LEN);
	wr_bytes(&w, m->sakke_data, MIKEY_SAKKE_DATA_LEN);
	/* General Extension (RFC 3830 6.15). */
	for (i = 0; i < m->ngext; i++) {
		wr_u8(&w, types[++k]);
		wr_u8(&w, m->gext[i].type);
		wr_u16(&w, (uint16_t)m->gext[i].data.len);
		wr_bytes(&w, m->gext[i].data.p, m->gext[i].data.len);
	}
	/* SIGN (RFC 6509 4.3): S type || length, then the signature. */
	wr_u16(&w, (uint16_t)(MIKEY_SIGN_ECCSI << 12 | ECCSI_SIG_LEN));
	status = CRYPTO_ERR_SPACE;
	if (w.err || w.size - w.off < ECCSI_SIG_LEN)
		goto fail;
	/* Notes 7.3: sign everything up to here. */
	if ((status = eccsi_sign(secret_ssk, pvt, hs, out, w.off, rnd,
	    rnd_arg, out + w.off)) != CRYPTO_OK)
		goto fail;
	*out_len = w.off + ECCSI_SIG_LEN;
	status = CRYPTO_OK;
 fail:
	return status;
}

/* DPCK = the last 16 octets of KDF(DPPK, FC 0x53, P0 = DPPK-ID). */
static int
dpck(const uint8_t *secret_dppk, uint32_t dppk_id, uint8_t *key)
{
	struct kdf_param	 p0;
	uint8_t			 id[4], out[KDF_OUT_LEN];
	int			 ok;

	id[0] = (uint8_t)(dppk_id >> 24);
	id[1] = (uint8_t)(dppk_id >> 16);
	id[2] = (uint8_t)(dppk_id >> 8);
	id[3] = (uint8_t)dppk_id;
	p0.p = id;
	p0.len = sizeof(id);
	ok = kdf_33220(secret_dppk, DPCK_LEN, DPCK_FC, &p0, 1, out) ==
	    CRYPTO_OK;
	if (ok)
		memcpy(key, out + KDF_OUT_LEN - DPCK_LEN, DPCK_LEN);
	/* wipe: */
	OPENSSL_cleanse(out, sizeof(out));
	return ok;
}

/*
 * AES-128-GCM with a 16-octet IV and AP_AAD_LEN octets of AAD.  Encrypt:
 * in -> out and the tag into tag.  Decrypt: in -> out, checking tag;
 * returns 0 on a mismatch.
 */
static int
gcm(bool enc, const uint8_t *key, const uint8_t *iv, const uint8_t *aad,
    const uint8_t *in, size_t n, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX	*c;
	int		 l, ok = 0;

	if (n > MIKEY_AP_PT_MAX || (c = EVP_CIPHER_CTX_new()) == NULL)
		return 0;
	if (!EVP_CipherInit_ex(c, EVP_aes_128_gcm(), NULL, NULL, NULL,
	    enc ? 1 : 0) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, MIKEY_AP_IV_LEN,
	    NULL) ||
	    !EVP_CipherInit_ex(c, NULL, NULL, key, iv, enc ? 1 : 0) ||
	    !EVP_CipherUpdate(c, NULL, &l, aad, AP_AAD_LEN))
		goto fail;
	if (n > 0 && (!EVP_CipherUpdate(c, out, &l, in, (int)n) ||
	    (size_t)l != n))
		goto fail;
	if (!enc && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG,
	    MIKEY_AP_TAG_LEN, tag))
		goto fail;
	if (EVP_CipherFinal_ex(c, out + n, &l) <= 0 || l != 0)
		goto fail;
	if (enc && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG,
	    MIKEY_AP_TAG_LEN, tag))
		goto fail;
	ok = 1;
 fail:
	EVP_CIPHER_CTX_free(c);
	return ok;
}

/*
 * see crypto.h
 *
 * Layout (notes 7.4, 33.180 E.6): message type (1) || date-time (5) ||
 * payload ID (4) || sequence (1) || algorithm (1) || IV (16) ||
 * DPPK-ID (4) || payload type (1) || payload length (2) || ciphertext
 * || tag (16).  Plaintext: key type (1) || status (4) || activation (5)
 * || expiry (5) || text length (2) || text || [group-ID block length (2)
 * || block].
 */
enum crypto_status
mikey_ap_open(const uint8_t *data, size_t len, const uint8_t secret_dppk[16],
    uint32_t dppk_id, struct mikey_ap *ap, uint8_t *pt, size_t pt_size)
{
	enum crypto_status	 status = CRYPTO_ERR_ARGS;
	struct rd		 r, q;
	struct mikey_bytes	 iv, ct;
	uint8_t			 key[DPCK_LEN], alg, tag[MIKEY_AP_TAG_LEN];
	uint16_t		 plen, l16;
	size_t			 n = 0;

	memset(key, 0, sizeof(key));
	if (ap == NULL || secret_dppk == NULL || pt == NULL)
		goto fail;
	memset(ap, 0, sizeof(*ap));
	status = CRYPTO_ERR_FORMAT;
	if (data == NULL)
		goto fail;
	r.p = data;
	r.len = len;
	r.off = 0;
	if (!rd_u8(&r, &ap->msg_type) || !rd_uint(&r, 5, &ap->date_time) ||
	    !rd_u32(&r, &ap->payload_id) || !rd_u8(&r, &ap->seq) ||
	    !rd_u8(&r, &alg) || !rd_bytes(&r, MIKEY_AP_IV_LEN, &iv) ||
	    !rd_u32(&r, &ap->dppk_id) || !rd_u8(&r, &ap->payload_type) ||
	    !rd_u16(&r, &plen) || plen < MIKEY_AP_TAG_LEN ||
	    !rd_bytes(&r, plen, &ct) || r.off != r.len)
		goto fail;
	memcpy(ap->iv, iv.p, MIKEY_AP_IV_LEN);
	if (alg != MIKEY_AP_ALG_AES128GCM || ap->dppk_id != dppk_id)
		goto fail;
	n = ct.len - MIKEY_AP_TAG_LEN;
	status = CRYPTO_ERR_SPACE;
	if (n > pt_size || n > MIKEY_AP_PT_MAX)
		goto fail;
	status = CRYPTO_ERR_GENERAL;
	if (!dpck(secret_dppk, dppk_id, key))
		goto fail;
	memcpy(tag, ct.p + n, MIKEY_AP_TAG_LEN);
	status = CRYPTO_ERR_DECRYPT;
	if (!gcm(false, key, ap->iv, data, ct.p, n, pt, tag))
		goto fail;

	/* The plaintext (authenticated, yet parsed strictly). */
	status = CRYPTO_ERR_FORMAT;
	q.p = pt;
	q.len = n;
	q.off = 0;
	if (!rd_u8(&q, &ap->key_type) || !rd_u32(&q, &ap->status) ||
	    !rd_uint(&q, 5, &ap->activation) ||
	    !rd_uint(&q, 5, &ap->expiry) || !rd_u16(&q, &l16) ||
	    l16 > MIKEY_AP_TEXT_MAX || !rd_bytes(&q, l16, &ap->text))
		goto fail;
	if (q.off < q.len && (!rd_u16(&q, &l16) ||
	    !rd_bytes(&q, l16, &ap->groups)))
		goto fail;
	if (q.off != q.len)
		goto fail;
	status = CRYPTO_OK;
 fail:
	if (status != CRYPTO_OK) {
		if (pt != NULL)
			OPENSSL_cleanse(pt, n < pt_size ? n : pt_size);
		if (ap != NULL) {
			ap->text.p = NULL;
			ap->groups.p = NULL;
			ap->text.len = ap->groups.len = 0;
		}
	}
	/* wipe: */
	OPENSSL_cleanse(key, sizeof(key));
	return status;
}

/* see crypto.h */
enum crypto_status
mikey_ap_seal(const struct mikey_ap *ap, const uint8_t secret_dppk[16],
    uint8_t *out, size_t out_size, size_t *out_len)
{
	enum crypto_status	 status = CRYPTO_ERR_ARGS;
	uint8_t			 pt[MIKEY_AP_PT_MAX], key[DPCK_LEN];
	struct wr		 w, p;
	size_t			 n = 0;

	memset(key, 0, sizeof(key));
	p.p = pt;
	p.size = sizeof(pt);
	p.off = 0;
	p.err = false;
	if (ap == NULL || secret_dppk == NULL || out == NULL ||
	    out_len == NULL || ap->text.len > MIKEY_AP_TEXT_MAX ||
	    ap->groups.len > 0xffff || ap->activation >> 40 != 0 ||
	    ap->expiry >> 40 != 0 || ap->date_time >> 40 != 0)
		goto fail;
	wr_u8(&p, ap->key_type);
	wr_uint(&p, ap->status, 4);
	wr_uint(&p, ap->activation, 5);
	wr_uint(&p, ap->expiry, 5);
	wr_u16(&p, (uint16_t)ap->text.len);
	wr_bytes(&p, ap->text.p, ap->text.len);
	if (ap->groups.len > 0) {
		wr_u16(&p, (uint16_t)ap->groups.len);
		wr_bytes(&p, ap->groups.p, ap->groups.len);
	}
	if (p.err)
		goto fail;
	n = p.off;

	w.p = out;
	w.size = out_size;
	w.off = 0;
	w.err = false;
	wr_u8(&w, ap->msg_type);
	wr_uint(&w, ap->date_time, 5);
	wr_uint(&w, ap->payload_id, 4);
	wr_u8(&w, ap->seq);
	wr_u8(&w, MIKEY_AP_ALG_AES128GCM);
	wr_bytes(&w, ap->iv, MIKEY_AP_IV_LEN);
	wr_uint(&w, ap->dppk_id, 4);
	wr_u8(&w, ap->payload_type);
	wr_u16(&w, (uint16_t)(n + MIKEY_AP_TAG_LEN));
	status = CRYPTO_ERR_SPACE;
	if (w.err || w.size - w.off < n + MIKEY_AP_TAG_LEN)
		goto fail;
	status = CRYPTO_ERR_GENERAL;
	if (!dpck(secret_dppk, ap->dppk_id, key))
		goto fail;
	if (!gcm(true, key, ap->iv, out, pt, n, out + w.off,
	    out + w.off + n))
		goto fail;
	*out_len = w.off + n + MIKEY_AP_TAG_LEN;
	status = CRYPTO_OK;
 fail:
	/* wipe: */
	OPENSSL_cleanse(pt, sizeof(pt));
	OPENSSL_cleanse(key, sizeof(key));
	return status;
}
