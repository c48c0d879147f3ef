/*
 * tformat.c - Ticket Data of ticket type 2 / subtype 0 / version 0, the
 * interim layout (docs/ticket.md 3).  The one place that knows it: when
 * the TS 33.328 layout is available it replaces this file, nothing else.
 *
 *   THDR    Next Payload (T) | THDR Data length (16) = 5 |
 *           format (1) | ticket key generation (32)
 *   T       NTP-UTC time of issue
 *   RAND    32 bytes from the HSM
 *   KEMAC   AES-CM-256, MAC alg NULL: Key data MPK (type 6, SPI 0x00),
 *           TGK (type 0, SPI 4 bytes), keys from the ticket key with label
 *           0x150533E1 / 0x29B88916 || 0xFF || 0xFFFFFFFF || 0x05 ||
 *           len RAND || RAND; IV with CSB ID 0xFFFFFFFF and the T above
 *   V       HMAC-SHA-256-256 with the auth_key of the same label, over
 *           the policy bytes (TICKET bytes 1..TP Data end: type, subtype,
 *           version, PRF|D, flags, TP Data length, TP Data) and the Ticket
 *           Data before the MAC
 */
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ticket.h"
#include "ticket_local.h"

#define TF_FORMAT	1		/* THDR Data format byte */
#define THDR_DATA_LEN	5
#define THDR_LEN	(3 + THDR_DATA_LEN)
#define POLICY_MAX	(9 + 65535)
#define TPK_CSB		0xffffffffu

/* The policy bytes covered by the ticket MAC, into out; the length. */
static size_t
policy_bytes(const struct mk_tp *tp, uint8_t *out)
{
	size_t	 n = 0;

	out[n++] = (uint8_t)(tp->ticket_type >> 8);
	out[n++] = (uint8_t)tp->ticket_type;
	out[n++] = tp->subtype;
	out[n++] = tp->version;
	out[n++] = (uint8_t)(tp->prf << 1 | ((tp->flags & MK_TP_D) ? 1 : 0));
	out[n++] = (uint8_t)(tp->flags >> 3);		/* E..L */
	out[n++] = (uint8_t)((tp->flags & 0x7) << 5 | tp->reserved);
	out[n++] = (uint8_t)(tp->tp_data_len >> 8);
	out[n++] = (uint8_t)tp->tp_data_len;
	if (tp->tp_data_len > 0)
		memcpy(out + n, tp->tp_data, tp->tp_data_len);
	return n + tp->tp_data_len;
}

/* The ticket MAC: auth_key over policy || data[0..len). */
static int
ticket_mac(const uint8_t auth[TK_KEY_LEN], const struct mk_tp *tp,
    const uint8_t *data, size_t len, uint8_t out[TK_MAC_LEN])
{
	static _Thread_local uint8_t	 pol[POLICY_MAX];
	size_t				 n;

	if (tp->tp_data_len > 65535)
		return -1;
	n = policy_bytes(tp, pol);
	return tk_mac(auth, pol, n, data, len, NULL, 0, out);
}

static int
tpk_keys(const struct tk_key *tpk, const uint8_t rand[TK_RAND_LEN],
    struct tk_keyset *ks)
{
	return tk_derive_keys(tpk, 0xff, TPK_CSB, TK_L_TPK, rand, TK_RAND_LEN,
	    NULL, 0, false, ks);
}

/* see ticket.h */
enum tf_status
tf_seal(const struct tk_key *tpk, const struct mk_tp *tp,
    const struct tk_ticket *t, uint8_t *out, size_t out_size,
    size_t *out_len)
{
	struct tk_keyset	 ks;
	struct mk_keydata	 kd[2];
	struct mk_payload	 p[4];
	uint8_t			 plain[128], enc[128], chain[TF_DATA_MAX];
	uint8_t			 mpk_spi = 0;
	size_t			 plen, clen, n;
	enum tf_status		 st = TF_ERR;

	if (out_len != NULL)
		*out_len = 0;
	if (tpk == NULL || tp == NULL || t == NULL || out == NULL ||
	    out_len == NULL)
		return TF_ERR;
	if (tpk_keys(tpk, t->rand, &ks) != 0)
		return TF_ERR_DEVICE;

	memset(kd, 0, sizeof(kd));
	kd[0].key_type = MK_KEY_MPK;
	kd[0].kv = MK_KV_SPI;
	kd[0].key = t->mpk;
	kd[0].key_len = TK_KEY_LEN;
	kd[0].spi = &mpk_spi;
	kd[0].spi_len = 1;
	kd[1].key_type = MK_KEY_TGK;
	kd[1].kv = MK_KV_SPI;
	kd[1].key = t->tgk;
	kd[1].key_len = TK_KEY_LEN;
	kd[1].spi = t->tgk_spi;
	kd[1].spi_len = TK_SPI_LEN;
	if (mk_encode_keydata(kd, 2, plain, sizeof(plain), &plen) != MK_OK ||
	    tk_aes_cm(ks.encr, ks.salt, TPK_CSB, t->issued, plain, plen, enc)
	    != 0)
		goto out;

	memset(p, 0, sizeof(p));
	p[0].type = MK_PT_T;
	p[0].u.ts.ts_type = MK_TS_NTP_UTC;
	p[0].u.ts.value = t->issued;
	p[1].type = MK_PT_RAND;
	p[1].u.rand.rand = t->rand;
	p[1].u.rand.rand_len = TK_RAND_LEN;
	p[2].type = MK_PT_KEMAC;
	p[2].u.kemac.encr_alg = MK_ENCR_AES_CM_256;
	p[2].u.kemac.encr_data = enc;
	p[2].u.kemac.encr_len = plen;
	p[2].u.kemac.mac_alg = MK_MAC_NULL;
	p[3].type = MK_PT_V;
	p[3].u.v.auth_alg = MK_MAC_HMAC_SHA256_256;
	p[3].u.v.mac_len = TK_MAC_LEN;
	if (mk_encode_embedded(p, 4, chain, sizeof(chain), &clen) != MK_OK ||
	    clen < 1 + TK_MAC_LEN || THDR_LEN + clen - 1 > out_size)
		goto out;
	/* THDR: its Next Payload is the chain's First Payload byte. */
	n = 0;
	out[n++] = chain[0];
	out[n++] = 0;
	out[n++] = THDR_DATA_LEN;
	out[n++] = TF_FORMAT;
	out[n++] = (uint8_t)(t->key_gen >> 24);
	out[n++] = (uint8_t)(t->key_gen >> 16);
	out[n++] = (uint8_t)(t->key_gen >> 8);
	out[n++] = (uint8_t)t->key_gen;
	memcpy(out + n, chain + 1, clen - 1);
	n += clen - 1;
	if (ticket_mac(ks.auth, tp, out, n - TK_MAC_LEN,
	    out + n - TK_MAC_LEN) != 0)
		goto out;
	*out_len = n;
	st = TF_OK;
 out:
	/* wipe: ticket keys and the key data in clear */
	OPENSSL_cleanse(&ks, sizeof(ks));
	OPENSSL_cleanse(plain, sizeof(plain));
	if (st != TF_OK)
		OPENSSL_cleanse(out, out_size);
	return st;
}

/* see ticket.h */
enum tf_status
tf_open(tf_key_fn *find, void *ctx, const struct mk_tp *tp,
    struct tk_ticket *out)
{
	struct tk_keyset	 ks;
	struct tk_key		 tpk;
	struct mk_payload	 p[8];
	struct mk_keydata	 kd[MK_KEYS_MAX];
	uint8_t			 chain[TF_DATA_MAX], plain[TF_DATA_MAX];
	uint8_t			 mac[TK_MAC_LEN];
	const uint8_t		*d;
	size_t			 len, n, nk, i;
	int			 rc;
	enum tf_status		 st = TF_ERR_FORMAT;

	if (find == NULL || tp == NULL || out == NULL)
		return TF_ERR;
	memset(out, 0, sizeof(*out));
	memset(&ks, 0, sizeof(ks));
	d = tp->ticket_data;
	len = tp->ticket_data_len;
	if (tp->ticket_type != TF_TYPE || tp->subtype != TF_SUBTYPE ||
	    tp->version != TF_VERSION || d == NULL || len <= THDR_LEN ||
	    len - THDR_LEN + 1 > sizeof(chain) || d[1] != 0 ||
	    d[2] != THDR_DATA_LEN || d[3] != TF_FORMAT)
		return TF_ERR_FORMAT;
	out->key_gen = (uint32_t)d[4] << 24 | (uint32_t)d[5] << 16 |
	    (uint32_t)d[6] << 8 | d[7];
	chain[0] = d[0];
	memcpy(chain + 1, d + THDR_LEN, len - THDR_LEN);
	if (mk_decode_embedded(chain, len - THDR_LEN + 1, p, 8, &n) != MK_OK ||
	    n != 4 || p[0].type != MK_PT_T ||
	    p[0].u.ts.ts_type != MK_TS_NTP_UTC || p[1].type != MK_PT_RAND ||
	    p[1].u.rand.rand_len != TK_RAND_LEN || p[2].type != MK_PT_KEMAC ||
	    p[2].u.kemac.encr_alg != MK_ENCR_AES_CM_256 ||
	    p[2].u.kemac.mac_alg != MK_MAC_NULL ||
	    p[2].u.kemac.encr_len > sizeof(plain) || p[3].type != MK_PT_V ||
	    p[3].u.v.auth_alg != MK_MAC_HMAC_SHA256_256)
		return TF_ERR_FORMAT;

	if ((rc = find(ctx, out->key_gen, &tpk)) != 0)
		return rc > 0 ? TF_ERR_KEY : TF_ERR_DEVICE;
	out->issued = p[0].u.ts.value;
	memcpy(out->rand, p[1].u.rand.rand, TK_RAND_LEN);
	if (tpk_keys(&tpk, out->rand, &ks) != 0) {
		st = TF_ERR_DEVICE;
		goto fail;
	}
	if (ticket_mac(ks.auth, tp, d, len - TK_MAC_LEN, mac) != 0) {
		st = TF_ERR;
		goto fail;
	}
	if (CRYPTO_memcmp(mac, d + len - TK_MAC_LEN, TK_MAC_LEN) != 0) {
		st = TF_ERR_MAC;
		goto fail;
	}
	if (tk_aes_cm(ks.encr, ks.salt, TPK_CSB, out->issued,
	    p[2].u.kemac.encr_data, p[2].u.kemac.encr_len, plain) != 0) {
		st = TF_ERR;
		goto fail;
	}
	st = TF_ERR_FORMAT;
	if (mk_decode_keydata(plain, p[2].u.kemac.encr_len, kd, MK_KEYS_MAX,
	    &nk) != MK_OK || nk != 2)
		goto fail;
	for (i = 0; i < 2; i++) {
		if (kd[i].key_len != TK_KEY_LEN || kd[i].kv != MK_KV_SPI)
			goto fail;
	}
	if (kd[0].key_type != MK_KEY_MPK || kd[1].key_type != MK_KEY_TGK ||
	    kd[1].spi_len != TK_SPI_LEN)
		goto fail;
	memcpy(out->mpk, kd[0].key, TK_KEY_LEN);
	memcpy(out->tgk, kd[1].key, TK_KEY_LEN);
	memcpy(out->tgk_spi, kd[1].spi, TK_SPI_LEN);
	st = TF_OK;
 fail:
	/* wipe: ticket keys and the key data in clear */
	OPENSSL_cleanse(&ks, sizeof(ks));
	OPENSSL_cleanse(plain, sizeof(plain));
	OPENSSL_cleanse(kd, sizeof(kd));
	if (st != TF_OK)
		OPENSSL_cleanse(out, sizeof(*out));
	return st;
}
