/*
 * ue.c - the UE side of MIKEY-TICKET mode 1 (see ue.h).
 */
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ticket.h"
#include "ue.h"

#define UE_FLAGS	(MK_TP_D | MK_TP_E | MK_TP_H | MK_TP_N | MK_TP_O)

static void
p_idr(struct mk_payload *p, uint8_t role, uint8_t type, const void *d,
    size_t len)
{
	memset(p, 0, sizeof(*p));
	p->type = MK_PT_IDR;
	p->u.id.role = role;
	p->u.id.id_type = type;
	p->u.id.data = d;
	p->u.id.data_len = len;
}

static void
p_hdr(struct mk_payload *p, uint8_t dt, uint32_t csb)
{
	memset(p, 0, sizeof(*p));
	p->type = MK_PT_HDR;
	p->u.hdr.version = MK_VERSION;
	p->u.hdr.data_type = dt;
	p->u.hdr.v = true;
	p->u.hdr.prf = MK_PRF_HMAC_SHA256;
	p->u.hdr.csb_id = csb;
	p->u.hdr.map_type = MK_MAP_EMPTY;
}

static void
p_t(struct mk_payload *p, int64_t t)
{
	memset(p, 0, sizeof(*p));
	p->type = MK_PT_T;
	p->u.ts.ts_type = MK_TS_NTP_UTC;
	p->u.ts.value = tk_ntp_from_unix(t);
}

static void
p_randr(struct mk_payload *p, uint8_t role, const uint8_t *r, size_t len)
{
	memset(p, 0, sizeof(*p));
	p->type = MK_PT_RANDR;
	p->u.rand.role = role;
	p->u.rand.rand = r;
	p->u.rand.rand_len = len;
}

static void
p_v(struct mk_payload *p)
{
	memset(p, 0, sizeof(*p));
	p->type = MK_PT_V;
	p->u.v.auth_alg = MK_MAC_HMAC_SHA256_256;
	p->u.v.mac_len = TK_MAC_LEN;
}

static struct tk_key
raw_key(const uint8_t *k)
{
	struct tk_key	 key;

	memset(&key, 0, sizeof(key));
	key.raw = k;
	key.raw_len = TK_KEY_LEN;
	return key;
}

/* Encodes p[0..n) and MACs it (V last) with b || c appended. */
static int
encode_mac(struct mk_payload *p, size_t n, const uint8_t auth[TK_KEY_LEN],
    const void *b, size_t b_len, const void *c, size_t c_len, uint8_t *out,
    size_t out_size, size_t *out_len)
{
	if (mk_encode(p, n, out, out_size, out_len) != MK_OK)
		return -1;
	return tk_mac(auth, out, *out_len - TK_MAC_LEN, b, b_len, c, c_len,
	    out + *out_len - TK_MAC_LEN);
}

/* see ue.h */
int
ue_request_init(const struct ue *u, const char *responder, uint32_t csb,
    int64_t t, int64_t valid_to, const uint8_t *rand, size_t rand_len,
    uint8_t *out, size_t out_size, size_t *out_len)
{
	struct mk_payload	 p[10], tpd[2];
	struct tk_keyset	 ks;
	struct tk_key		 psk = raw_key(u->psk);
	uint8_t			 tpdata[512];
	size_t			 n = 0, nt = 0, tlen;
	const char		*kms = u->kms_id != NULL ? u->kms_id : "";
	int			 rc = -1;

	p_idr(&tpd[nt++], MK_ROLE_R, MK_ID_URI, responder, strlen(responder));
	if (valid_to != 0) {
		memset(&tpd[nt], 0, sizeof(tpd[nt]));
		tpd[nt].type = MK_PT_TR;
		tpd[nt].u.ts.role = MK_TSR_END;
		tpd[nt].u.ts.ts_type = MK_TS_NTP_UTC;
		tpd[nt++].u.ts.value = tk_ntp_from_unix(valid_to);
	}
	if (mk_encode_embedded(tpd, nt, tpdata, sizeof(tpdata), &tlen) !=
	    MK_OK)
		return -1;
	p_hdr(&p[n++], MK_DT_REQUEST_INIT_PSK, csb);
	p_t(&p[n++], t);
	p_randr(&p[n++], MK_RANDR_I, rand, rand_len);
	p_idr(&p[n++], MK_ROLE_I, MK_ID_URI, u->id, strlen(u->id));
	if (u->kms_id != NULL)
		p_idr(&p[n++], MK_ROLE_KMS, MK_ID_URI, kms, strlen(kms));
	memset(&p[n], 0, sizeof(p[n]));
	p[n].type = MK_PT_TP;
	p[n].u.tp.ticket_type = MK_TICKET_3GPP;
	p[n].u.tp.prf = MK_PRF_HMAC_SHA256;
	p[n].u.tp.flags = UE_FLAGS | (u->fork ? MK_TP_I | MK_TP_F : 0);
	p[n].u.tp.tp_data = tpdata;
	p[n++].u.tp.tp_data_len = tlen;
	p_idr(&p[n++], MK_ROLE_PSK, MK_ID_BYTES, u->keyid, strlen(u->keyid));
	p_v(&p[n++]);
	if (tk_derive_keys(&psk, 0xff, csb, TK_L_INIT, rand, rand_len, NULL, 0,
	    true, &ks) == 0)
		rc = encode_mac(p, n, ks.auth, u->id, strlen(u->id), kms,
		    strlen(kms), out, out_size, out_len);
	OPENSSL_cleanse(&ks, sizeof(ks));
	return rc;
}

/* see ue.h */
int
ue_resolve_init(const struct ue *u, const struct mk_payload *ticket,
    uint32_t csb, int64_t t, const uint8_t *rand, size_t rand_len,
    uint8_t *out, size_t out_size, size_t *out_len)
{
	struct mk_payload	 p[10];
	struct tk_keyset	 ks;
	struct tk_key		 psk = raw_key(u->psk);
	size_t			 n = 0;
	const char		*kms = u->kms_id != NULL ? u->kms_id : "";
	int			 rc = -1;

	p_hdr(&p[n++], MK_DT_RESOLVE_INIT_PSK, csb);
	p_t(&p[n++], t);
	p_randr(&p[n++], MK_RANDR_R, rand, rand_len);
	p_idr(&p[n++], MK_ROLE_R, MK_ID_URI, u->id, strlen(u->id));
	if (u->kms_id != NULL)
		p_idr(&p[n++], MK_ROLE_KMS, MK_ID_URI, kms, strlen(kms));
	p[n] = *ticket;
	p[n++].type = MK_PT_TICKET;
	p_idr(&p[n++], MK_ROLE_PSK, MK_ID_BYTES, u->keyid, strlen(u->keyid));
	p_v(&p[n++]);
	if (tk_derive_keys(&psk, 0xff, csb, TK_L_INIT, NULL, 0, rand,
	    rand_len, true, &ks) == 0)
		rc = encode_mac(p, n, ks.auth, u->id, strlen(u->id), kms,
		    strlen(kms), out, out_size, out_len);
	OPENSSL_cleanse(&ks, sizeof(ks));
	return rc;
}

/* see ue.h */
int
ue_response(const struct ue *u, const uint8_t *init, size_t init_len,
    const uint8_t *resp, size_t resp_len, struct ue_result *r)
{
	struct mk_msg		 im;
	struct tk_keyset	 ks;
	struct tk_key		 psk = raw_key(u->psk);
	struct mk_keydata	 kd[MK_KEYS_MAX];
	const struct mk_payload	*t, *kemac, *v, *rr, *p = NULL;
	uint8_t			 mac[TK_MAC_LEN], plain[256];
	uint8_t			 want;
	size_t			 nk;
	int			 rc = -1;

	memset(r, 0, sizeof(*r));
	r->mikey_err = TKMS_NO_ERR;
	memset(&ks, 0, sizeof(ks));
	if (resp_len > sizeof(r->buf) || mk_decode(init, init_len, &im) !=
	    MK_OK)
		return -1;
	memcpy(r->buf, resp, resp_len);
	if (mk_decode(r->buf, resp_len, &r->m) != MK_OK ||
	    r->m.p[0].u.hdr.csb_id != im.p[0].u.hdr.csb_id)
		return -1;
	if (r->m.p[0].u.hdr.data_type == MK_DT_ERROR) {
		if ((p = mk_find(&r->m, MK_PT_ERR, NULL)) == NULL)
			return -1;
		r->mikey_err = p->u.err.err_no;
		r->err_has_v = mk_find(&r->m, MK_PT_V, NULL) != NULL;
		return 0;
	}
	if (im.p[0].u.hdr.data_type == MK_DT_REQUEST_INIT_PSK)
		want = MK_DT_REQUEST_RESP;
	else if (im.p[0].u.hdr.data_type == MK_DT_RESOLVE_INIT_PSK)
		want = MK_DT_RESOLVE_RESP;
	else
		return -1;
	rr = NULL;
	while ((p = mk_find(&im, MK_PT_RANDR, p)) != NULL)
		rr = p;
	t = mk_find(&r->m, MK_PT_T, NULL);
	kemac = mk_find(&r->m, MK_PT_KEMAC, NULL);
	v = mk_find(&r->m, MK_PT_V, NULL);
	if (r->m.p[0].u.hdr.data_type != want || rr == NULL || t == NULL ||
	    kemac == NULL || v == NULL ||
	    v->u.v.auth_alg != MK_MAC_HMAC_SHA256_256 ||
	    kemac->u.kemac.encr_alg != MK_ENCR_AES_CM_256 ||
	    kemac->u.kemac.encr_len > sizeof(plain))
		return -1;
	if (tk_derive_keys(&psk, 0xff, im.p[0].u.hdr.csb_id, TK_L_RESP,
	    want == MK_DT_REQUEST_RESP ? rr->u.rand.rand : NULL,
	    want == MK_DT_REQUEST_RESP ? rr->u.rand.rand_len : 0,
	    want == MK_DT_RESOLVE_RESP ? rr->u.rand.rand : NULL,
	    want == MK_DT_RESOLVE_RESP ? rr->u.rand.rand_len : 0, true,
	    &ks) != 0)
		goto out;
	if (tk_mac(ks.auth, r->buf, resp_len - TK_MAC_LEN, init, init_len,
	    NULL, 0, mac) != 0 ||
	    CRYPTO_memcmp(mac, r->buf + resp_len - TK_MAC_LEN, TK_MAC_LEN) != 0)
		goto out;
	if (tk_aes_cm(ks.encr, ks.salt, r->m.p[0].u.hdr.csb_id, t->u.ts.value,
	    kemac->u.kemac.encr_data, kemac->u.kemac.encr_len, plain) != 0 ||
	    mk_decode_keydata(plain, kemac->u.kemac.encr_len, kd, MK_KEYS_MAX,
	    &nk) != MK_OK || (nk != 2 && nk != 3) ||
	    kd[0].key_type != MK_KEY_MPK || kd[0].key_len != TK_KEY_LEN ||
	    kd[nk - 1].key_type != MK_KEY_TGK ||
	    kd[nk - 1].key_len != TK_KEY_LEN ||
	    kd[nk - 1].spi_len != TK_SPI_LEN ||
	    (nk == 3 && (kd[1].key_type != MK_KEY_MPK ||
	    kd[1].key_len != TK_KEY_LEN)))
		goto out;
	memcpy(r->mpki, kd[0].key, TK_KEY_LEN);
	if (nk == 3) {
		r->has_mpkr = true;
		memcpy(r->mpkr, kd[1].key, TK_KEY_LEN);
	}
	memcpy(r->tgk, kd[nk - 1].key, TK_KEY_LEN);
	memcpy(r->tgk_spi, kd[nk - 1].spi, TK_SPI_LEN);
	p = NULL;
	while ((p = mk_find(&r->m, MK_PT_IDR, p)) != NULL)
		if (p->u.id.role == MK_ROLE_R && p->u.id.data_len <= TK_ID_MAX) {
			memcpy(r->idr, p->u.id.data, p->u.id.data_len);
			r->idr[p->u.id.data_len] = '\0';
		} else if (p->u.id.role == MK_ROLE_KMS &&
		    p->u.id.data_len <= TK_ID_MAX) {
			memcpy(r->kms, p->u.id.data, p->u.id.data_len);
			r->kms[p->u.id.data_len] = '\0';
		}
	p = NULL;
	while ((p = mk_find(&r->m, MK_PT_RANDR, p)) != NULL)
		if (p->u.rand.role == MK_RANDR_KMS &&
		    p->u.rand.rand_len <= sizeof(r->rkms)) {
			memcpy(r->rkms, p->u.rand.rand, p->u.rand.rand_len);
			r->rkms_len = p->u.rand.rand_len;
		}
	/* A forked resolve carries its modifier; an unforked one none. */
	if (want == MK_DT_RESOLVE_RESP && r->has_mpkr != (r->rkms_len > 0))
		goto out;
	if (want == MK_DT_REQUEST_RESP) {
		if ((r->ticket = mk_find(&r->m, MK_PT_TICKET, NULL)) == NULL)
			goto out;
		r->flags = r->ticket->u.tp.flags;
	}
	rc = 0;
 out:
	/* wipe: response keys and key data in clear */
	OPENSSL_cleanse(&ks, sizeof(ks));
	OPENSSL_cleanse(plain, sizeof(plain));
	return rc;
}

/* The MAC input of a TRANSFER_INIT minus Initiator Data (RFC 6043 5.5). */
static int
transfer_mac(const uint8_t *msg, const struct mk_msg *m,
    const uint8_t auth[TK_KEY_LEN], size_t mac_off, uint8_t out[TK_MAC_LEN])
{
	const struct mk_payload	*tk, *ii = NULL, *ir = NULL, *p = NULL;
	uint8_t			 ids[2 * TK_ID_MAX];
	size_t			 a, b, n = 0;

	tk = mk_find(m, MK_PT_TICKET, NULL);
	while ((p = mk_find(m, MK_PT_IDR, p)) != NULL) {
		if (p->u.id.role == MK_ROLE_I)
			ii = p;
		else if (p->u.id.role == MK_ROLE_R)
			ir = p;
	}
	if (tk == NULL || ii == NULL || ir == NULL ||
	    ii->u.id.data_len > TK_ID_MAX || ir->u.id.data_len > TK_ID_MAX ||
	    tk->u.tp.init_off == 0 || mac_off < tk->u.tp.init_off + 2 +
	    tk->u.tp.init_data_len)
		return -1;
	a = tk->u.tp.init_off;
	b = a + 2 + tk->u.tp.init_data_len;
	memcpy(ids, ii->u.id.data, ii->u.id.data_len);
	n = ii->u.id.data_len;
	memcpy(ids + n, ir->u.id.data, ir->u.id.data_len);
	n += ir->u.id.data_len;
	/* msg[0..a) || msg[b..mac_off) || ID_i || ID_r */
	return tk_mac(auth, msg, a, msg + b, mac_off - b, ids, n, out);
}

/* Encodes TRANSFER_INIT p[0..n) and writes its V MAC (MPKi keys). */
static int
transfer_encode(struct mk_payload *p, size_t n, const uint8_t auth[TK_KEY_LEN],
    uint8_t *out, size_t out_size, size_t *out_len)
{
	static _Thread_local struct mk_msg m;

	if (mk_encode(p, n, out, out_size, out_len) != MK_OK ||
	    mk_decode(out, *out_len, &m) != MK_OK)
		return -1;
	return transfer_mac(out, &m, auth, *out_len - TK_MAC_LEN,
	    out + *out_len - TK_MAC_LEN);
}

/* see ue.h */
int
ue_transfer_init(const struct ue *u, const char *responder,
    const uint8_t mpki[TK_KEY_LEN], const uint8_t *mpkr,
    const struct mk_payload *ticket, uint32_t csb, int64_t t,
    const uint8_t *rand, size_t rand_len, uint8_t *out, size_t out_size,
    size_t *out_len)
{
	struct mk_payload	 p[8], iv[2];
	struct tk_keyset	 ks;
	struct tk_key		 k = raw_key(mpki);
	uint8_t			 vi[TK_MAC_LEN], vr_key[TK_KEY_LEN];
	uint8_t			 idata[2 + 2 * (2 + TK_MAC_LEN)];
	size_t			 n = 0, tk_i, ilen;
	int			 rc = -1;

	memset(&ks, 0, sizeof(ks));
	memset(vr_key, 0, sizeof(vr_key));
	p_hdr(&p[n++], MK_DT_TRANSFER_INIT, csb);
	p_t(&p[n++], t);
	p_randr(&p[n++], MK_RANDR_I, rand, rand_len);
	p_idr(&p[n++], MK_ROLE_I, MK_ID_URI, u->id, strlen(u->id));
	p_idr(&p[n++], MK_ROLE_R, MK_ID_URI, responder, strlen(responder));
	tk_i = n;
	p[n] = *ticket;
	p[n].type = MK_PT_TICKET;
	p[n].u.tp.init_data = NULL;
	p[n++].u.tp.init_data_len = 0;
	p_v(&p[n++]);
	if (tk_derive_keys(&k, 0xff, csb, TK_L_INIT, rand, rand_len, NULL, 0,
	    true, &ks) != 0 ||
	    transfer_encode(p, n, ks.auth, out, out_size, out_len) != 0)
		goto out;
	if (mpkr == NULL) {
		rc = 0;
		goto out;
	}
	/* Initiator Data = First Payload, Vi (the V), Vr (RFC 6043 6.10);
	 * the V does not cover it, so the V stays the same. */
	memcpy(vi, out + *out_len - TK_MAC_LEN, TK_MAC_LEN);
	p_v(&iv[0]);
	iv[0].u.v.mac = vi;
	p_v(&iv[1]);
	if (mk_encode_embedded(iv, 2, idata, sizeof(idata), &ilen) != MK_OK ||
	    tk_vr_key(mpkr, vr_key) != 0 ||
	    tk_mac(vr_key, idata, ilen - TK_MAC_LEN, NULL, 0, NULL, 0,
	    idata + ilen - TK_MAC_LEN) != 0)
		goto out;
	p[tk_i].u.tp.init_data = idata;
	p[tk_i].u.tp.init_data_len = ilen;
	p_v(&p[n - 1]);
	if (transfer_encode(p, n, ks.auth, out, out_size, out_len) != 0 ||
	    CRYPTO_memcmp(vi, out + *out_len - TK_MAC_LEN, TK_MAC_LEN) != 0)
		goto out;
	rc = 0;
 out:
	OPENSSL_cleanse(&ks, sizeof(ks));
	OPENSSL_cleanse(vr_key, sizeof(vr_key));
	return rc;
}

/* see ue.h */
int
ue_transfer_verify(const uint8_t *msg, size_t len,
    const uint8_t mpki[TK_KEY_LEN])
{
	static _Thread_local struct mk_msg m;
	const struct mk_payload	*rr = NULL, *p = NULL, *v;
	struct tk_keyset	 ks;
	struct tk_key		 k = raw_key(mpki);
	uint8_t			 mac[TK_MAC_LEN];
	int			 rc = -1;

	if (mk_decode(msg, len, &m) != MK_OK ||
	    m.p[0].u.hdr.data_type != MK_DT_TRANSFER_INIT ||
	    (v = mk_find(&m, MK_PT_V, NULL)) == NULL ||
	    v->u.v.auth_alg != MK_MAC_HMAC_SHA256_256)
		return -1;
	while ((p = mk_find(&m, MK_PT_RANDR, p)) != NULL)
		if (p->u.rand.role == MK_RANDR_I)
			rr = p;
	if (rr == NULL || tk_derive_keys(&k, 0xff, m.p[0].u.hdr.csb_id,
	    TK_L_INIT, rr->u.rand.rand, rr->u.rand.rand_len, NULL, 0, true,
	    &ks) != 0)
		return -1;
	if (transfer_mac(msg, &m, ks.auth, len - TK_MAC_LEN, mac) == 0 &&
	    CRYPTO_memcmp(mac, msg + len - TK_MAC_LEN, TK_MAC_LEN) == 0)
		rc = 0;
	/* Forking: Vi must be the V (RFC 6043 4.2.3.6). */
	if (rc == 0 && (p = mk_find(&m, MK_PT_TICKET, NULL)) != NULL &&
	    p->u.tp.init_data_len > 0) {
		struct mk_payload	 iv[4];
		size_t			 ni;

		if (mk_decode_embedded(p->u.tp.init_data,
		    p->u.tp.init_data_len, iv, 4, &ni) != MK_OK || ni != 2 ||
		    iv[0].type != MK_PT_V || iv[0].u.v.mac_len != TK_MAC_LEN ||
		    CRYPTO_memcmp(iv[0].u.v.mac, msg + len - TK_MAC_LEN,
		    TK_MAC_LEN) != 0)
			rc = -1;
	}
	OPENSSL_cleanse(&ks, sizeof(ks));
	return rc;
}

/* The RANDRi of a TRANSFER_INIT m, or NULL. */
static const struct mk_payload *
randri_of(const struct mk_msg *m)
{
	const struct mk_payload	*p = NULL;

	while ((p = mk_find(m, MK_PT_RANDR, p)) != NULL)
		if (p->u.rand.role == MK_RANDR_I)
			return p;
	return NULL;
}

/* see ue.h */
int
ue_transfer_resp(const struct ue_result *r, const uint8_t *init,
    size_t init_len, int64_t t, uint8_t *out, size_t out_size,
    size_t *out_len)
{
	static _Thread_local struct mk_msg m;
	const struct mk_payload	*ri;
	struct mk_payload	 p[6];
	struct tk_keyset	 ks;
	struct tk_key		 k = raw_key(r->mpkr);
	size_t			 n = 0;
	int			 rc = -1;

	if (!r->has_mpkr || r->rkms_len == 0 ||
	    mk_decode(init, init_len, &m) != MK_OK ||
	    (ri = randri_of(&m)) == NULL)
		return -1;
	p_hdr(&p[n], MK_DT_TRANSFER_RESP, m.p[0].u.hdr.csb_id);
	p[n++].u.hdr.v = false;
	p_t(&p[n++], t);
	p_idr(&p[n++], MK_ROLE_R, MK_ID_URI, r->idr, strlen(r->idr));
	p_randr(&p[n++], MK_RANDR_KMS, r->rkms, r->rkms_len);
	p_v(&p[n++]);
	if (tk_derive_keys(&k, 0xff, m.p[0].u.hdr.csb_id, TK_L_RESP,
	    ri->u.rand.rand, ri->u.rand.rand_len, NULL, 0, true, &ks) == 0)
		rc = encode_mac(p, n, ks.auth, init, init_len, NULL, 0, out,
		    out_size, out_len);
	OPENSSL_cleanse(&ks, sizeof(ks));
	return rc;
}

/* see ue.h */
int
ue_transfer_resp_verify(const uint8_t mpkr[TK_KEY_LEN],
    const uint8_t tgk[TK_KEY_LEN], const uint8_t *init, size_t init_len,
    const uint8_t *resp, size_t resp_len, uint8_t tgk_f[TK_KEY_LEN])
{
	static _Thread_local struct mk_msg mi, mr;
	const struct mk_payload	*ri, *idr = NULL, *rk = NULL, *p = NULL, *v;
	struct tk_keyset	 ks;
	struct tk_key		 k;
	uint8_t			 mpkr_f[TK_KEY_LEN], mac[TK_MAC_LEN];
	int			 rc = -1;

	memset(&ks, 0, sizeof(ks));
	if (mk_decode(init, init_len, &mi) != MK_OK ||
	    mk_decode(resp, resp_len, &mr) != MK_OK ||
	    mr.p[0].u.hdr.data_type != MK_DT_TRANSFER_RESP ||
	    mr.p[0].u.hdr.csb_id != mi.p[0].u.hdr.csb_id ||
	    (ri = randri_of(&mi)) == NULL ||
	    (v = mk_find(&mr, MK_PT_V, NULL)) == NULL ||
	    v->u.v.auth_alg != MK_MAC_HMAC_SHA256_256)
		return -1;
	while ((p = mk_find(&mr, MK_PT_IDR, p)) != NULL)
		if (p->u.id.role == MK_ROLE_R)
			idr = p;
	p = NULL;
	while ((p = mk_find(&mr, MK_PT_RANDR, p)) != NULL)
		if (p->u.rand.role == MK_RANDR_KMS)
			rk = p;
	if (idr == NULL || rk == NULL ||
	    tk_fork(mpkr, TK_C_MPKR_FORK, idr->u.id.data, idr->u.id.data_len,
	    rk->u.rand.rand, rk->u.rand.rand_len, mpkr_f) != 0)
		goto out;
	k = raw_key(mpkr_f);
	if (tk_derive_keys(&k, 0xff, mi.p[0].u.hdr.csb_id, TK_L_RESP,
	    ri->u.rand.rand, ri->u.rand.rand_len, NULL, 0, true, &ks) != 0 ||
	    tk_mac(ks.auth, resp, resp_len - TK_MAC_LEN, init, init_len, NULL,
	    0, mac) != 0 ||
	    CRYPTO_memcmp(mac, resp + resp_len - TK_MAC_LEN, TK_MAC_LEN) != 0)
		goto out;
	rc = tk_fork(tgk, TK_C_TGK_FORK, idr->u.id.data, idr->u.id.data_len,
	    rk->u.rand.rand, rk->u.rand.rand_len, tgk_f);
 out:
	OPENSSL_cleanse(&ks, sizeof(ks));
	OPENSSL_cleanse(mpkr_f, sizeof(mpkr_f));
	return rc;
}

/* see ue.h */
int
ue_tek(const uint8_t tgk[TK_KEY_LEN], uint8_t cs_id, const uint8_t *randi,
    size_t randi_len, uint8_t tek[16])
{
	struct tk_key	 k = raw_key(tgk);
	uint8_t		 label[TK_LABEL_MAX];
	size_t		 n;

	/* H = 1, G = 0: RANDRi in, no RANDRr (RFC 6043 5.1.2). */
	n = tk_label(label, TK_C_TEK, cs_id, 0xffffffffu, TK_L_TEK, randi,
	    randi_len, NULL, 0, true);
	return tk_prf(&k, label, n, tek, 16);
}
