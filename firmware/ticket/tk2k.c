/*
 * tk2k.c - KMS to KMS (TS 33.328 6.2.3.8, RFC 6043 section 10), KMS_R's
 * messages: the one place that knows how KMS_R asks KMS_I and what it
 * accepts back (docs/ticket.md 9).  The 3GPP text on re-encoding (TS
 * 33.328 Annex B) was not available; the choices here are ours:
 *
 *   RESOLVE_INIT_PSK = HDR (the user's CSB ID, PRF 1), T (now), RANDRr
 *       (fresh, 32 bytes), IDRr (the user's, copied: RFC 6043 10),
 *       IDRkms (KMS_I), TICKET (the user's, copied, Initiator Data
 *       included), IDRpsk (type 2: KMS_R's identity), V
 *   PSK = 32 bytes exported from the mutually authenticated TLS session
 *       (RFC 8446 7.5, label TK2K_EXPORTER_LABEL, no context): only the
 *       two ends of that session know it, so the MIKEY exchange is bound
 *       to the channel whose certificates were checked.
 *   MAC identities: Identity_r = the user's IDRr data, Identity_kms =
 *       KMS_I's identity (RFC 6043 5.5 with the copied IDRr).
 *
 * KMS_I answers RESOLVE_RESP (keys under the response keys of that PSK
 * with KMS_R's RANDRr) or an Error; tk2k_open checks the V (over answer ||
 * KMS_R's message) and opens the KEMAC.  KMS_R re-encodes the keys, IDRr
 * and RANDRkms for its user in tkms.c.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ticket.h"
#include "ticket_local.h"

#define TK2K_KEYDATA_MAX	256	/* a forwarded answer's KEMAC plaintext */

/* see ticket_local.h */
int
tk2k_build(void *bctx, const uint8_t key[TK_KEY_LEN], uint8_t *out,
    size_t out_size, size_t *out_len)
{
	struct tk2k_req		*rq = bctx;
	struct mk_payload	 p[9];
	struct tk_keyset	 ks;
	struct tk_key		 psk;
	size_t			 n = 0, mac_off;
	int			 rc = -1;

	if (rq == NULL || key == NULL || out == NULL || out_len == NULL)
		return -1;
	memcpy(rq->key, key, TK_KEY_LEN);
	memset(&psk, 0, sizeof(psk));
	psk.raw = rq->key;
	psk.raw_len = TK_KEY_LEN;
	memset(p, 0, sizeof(p));
	p[n].type = MK_PT_HDR;
	p[n].u.hdr.version = MK_VERSION;
	p[n].u.hdr.data_type = MK_DT_RESOLVE_INIT_PSK;
	p[n].u.hdr.v = true;
	p[n].u.hdr.prf = MK_PRF_HMAC_SHA256;
	p[n].u.hdr.csb_id = rq->user_hdr->csb_id;
	p[n++].u.hdr.map_type = MK_MAP_EMPTY;
	p[n].type = MK_PT_T;
	p[n].u.ts.ts_type = MK_TS_NTP_UTC;
	p[n++].u.ts.value = tk_ntp_from_unix(rq->now);
	p[n].type = MK_PT_RANDR;
	p[n].u.rand.role = MK_RANDR_R;
	p[n].u.rand.rand = rq->randr;
	p[n++].u.rand.rand_len = TK_RAND_LEN;
	p[n] = *rq->idr;
	p[n++].type = MK_PT_IDR;
	p[n].type = MK_PT_IDR;
	p[n].u.id.role = MK_ROLE_KMS;
	p[n].u.id.id_type = MK_ID_URI;
	p[n].u.id.data = (const uint8_t *)rq->peer_id;
	p[n++].u.id.data_len = strlen(rq->peer_id);
	p[n] = *rq->ticket;
	p[n++].type = MK_PT_TICKET;
	p[n].type = MK_PT_IDR;
	p[n].u.id.role = MK_ROLE_PSK;
	p[n].u.id.id_type = MK_ID_BYTES;
	p[n].u.id.data = (const uint8_t *)rq->own_id;
	p[n++].u.id.data_len = strlen(rq->own_id);
	p[n].type = MK_PT_V;
	p[n].u.v.auth_alg = MK_MAC_HMAC_SHA256_256;
	p[n++].u.v.mac_len = TK_MAC_LEN;
	if (mk_encode(p, n, out, out_size, out_len) != MK_OK ||
	    *out_len > sizeof(rq->msg) ||
	    tk_derive_keys(&psk, 0xff, rq->user_hdr->csb_id, TK_L_INIT, NULL,
	    0, rq->randr, TK_RAND_LEN, true, &ks) != 0)
		goto out;
	mac_off = *out_len - TK_MAC_LEN;
	if (tk_mac(ks.auth, out, mac_off, rq->idr->u.id.data,
	    rq->idr->u.id.data_len, (const uint8_t *)rq->peer_id,
	    strlen(rq->peer_id), out + mac_off) != 0)
		goto out;
	memcpy(rq->msg, out, *out_len);
	rq->msg_len = *out_len;
	rc = 0;
 out:
	/* wipe: message keys of the channel key */
	OPENSSL_cleanse(&ks, sizeof(ks));
	return rc;
}

/* see ticket_local.h */
int
tk2k_open(const struct tk2k_req *rq, const uint8_t *ans, size_t ans_len,
    struct tk2k_ans *out)
{
	static _Thread_local struct mk_msg	 m;
	const struct mk_payload	*t, *kemac, *v, *p = NULL;
	struct mk_keydata	 kd[MK_KEYS_MAX];
	struct tk_keyset	 ks;
	struct tk_key		 psk;
	uint8_t			 mac[TK_MAC_LEN], plain[TK2K_KEYDATA_MAX];
	size_t			 nk;
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&ks, 0, sizeof(ks));
	out->err = TKMS_NO_ERR;
	if (mk_decode(ans, ans_len, &m) != MK_OK ||
	    m.p[0].u.hdr.csb_id != rq->user_hdr->csb_id)
		return -1;
	memset(&psk, 0, sizeof(psk));
	psk.raw = rq->key;
	psk.raw_len = TK_KEY_LEN;
	v = mk_find(&m, MK_PT_V, NULL);
	if (m.p[0].u.hdr.data_type == MK_DT_ERROR) {
		/* Relayed as is; an authenticated one must verify (its V
		 * under the auth_key of our message, RFC 6043 5.4). */
		if ((p = mk_find(&m, MK_PT_ERR, NULL)) == NULL)
			return -1;
		if (v != NULL) {
			if (v->u.v.auth_alg != MK_MAC_HMAC_SHA256_256 ||
			    tk_derive_keys(&psk, 0xff, rq->user_hdr->csb_id,
			    TK_L_INIT, NULL, 0, rq->randr, TK_RAND_LEN, true,
			    &ks) != 0 ||
			    tk_mac(ks.auth, ans, ans_len - TK_MAC_LEN, NULL, 0,
			    NULL, 0, mac) != 0 ||
			    CRYPTO_memcmp(mac, ans + ans_len - TK_MAC_LEN,
			    TK_MAC_LEN) != 0)
				goto out;
		}
		out->err = p->u.err.err_no;
		rc = 0;
		goto out;
	}
	t = mk_find(&m, MK_PT_T, NULL);
	kemac = mk_find(&m, MK_PT_KEMAC, NULL);
	if (m.p[0].u.hdr.data_type != MK_DT_RESOLVE_RESP || t == NULL ||
	    kemac == NULL || v == NULL || v != &m.p[m.count - 1] ||
	    v->u.v.auth_alg != MK_MAC_HMAC_SHA256_256 ||
	    kemac->u.kemac.encr_alg != MK_ENCR_AES_CM_256 ||
	    kemac->u.kemac.encr_len > sizeof(plain))
		return -1;
	if (tk_derive_keys(&psk, 0xff, rq->user_hdr->csb_id, TK_L_RESP, NULL,
	    0, rq->randr, TK_RAND_LEN, true, &ks) != 0 ||
	    tk_mac(ks.auth, ans, ans_len - TK_MAC_LEN, rq->msg, rq->msg_len,
	    NULL, 0, mac) != 0 ||
	    CRYPTO_memcmp(mac, ans + ans_len - TK_MAC_LEN, TK_MAC_LEN) != 0)
		goto out;
	if (tk_aes_cm(ks.encr, ks.salt, rq->user_hdr->csb_id, t->u.ts.value,
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
	memcpy(out->mpki, kd[0].key, TK_KEY_LEN);
	if (nk == 3) {
		out->has_mpk2 = true;
		memcpy(out->mpk2, kd[1].key, TK_KEY_LEN);
	}
	memcpy(out->tgk, kd[nk - 1].key, TK_KEY_LEN);
	memcpy(out->tgk_spi, kd[nk - 1].spi, TK_SPI_LEN);
	while ((p = mk_find(&m, MK_PT_IDR, p)) != NULL)
		if (p->u.id.role == MK_ROLE_R && p->u.id.data_len > 0 &&
		    p->u.id.data_len <= sizeof(out->idr)) {
			memcpy(out->idr, p->u.id.data, p->u.id.data_len);
			out->idr_len = p->u.id.data_len;
			out->idr_type = p->u.id.id_type;
		}
	p = NULL;
	while ((p = mk_find(&m, MK_PT_RANDR, p)) != NULL)
		if (p->u.rand.role == MK_RANDR_KMS &&
		    p->u.rand.rand_len <= sizeof(out->rkms)) {
			memcpy(out->rkms, p->u.rand.rand, p->u.rand.rand_len);
			out->rkms_len = p->u.rand.rand_len;
		}
	/* The modifier comes with forked keys, and only then. */
	if (out->idr_len == 0 || out->has_mpk2 != (out->rkms_len > 0))
		goto out;
	rc = 0;
 out:
	/* wipe: channel message keys, key data in clear */
	OPENSSL_cleanse(&ks, sizeof(ks));
	OPENSSL_cleanse(plain, sizeof(plain));
	OPENSSL_cleanse(kd, sizeof(kd));
	if (rc != 0)
		OPENSSL_cleanse(out, sizeof(*out));
	return rc;
}
