/*
 * tprf.c - the MIKEY PRF (RFC 3830 4.1.2 with PRF-HMAC-SHA-256, RFC 6043
 * 6.1), the MIKEY-TICKET labels (RFC 6043 5.1, A.2), AES-CM key
 * encryption (RFC 3830 4.2.3) and HMAC-SHA-256 MACs.  The PRF runs on a
 * struct tk_key: raw bytes (the UE, MPK, TGK) or a callback into the HSM
 * (PSK, ticket key), so a key held in the token never leaves it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ticket.h"
#include "ticket_local.h"

#define PRF_BLOCK	32	/* SHA-256 output, the inkey split too */
#define PRF_OUT_MAX	64	/* longest PRF output we ask for */

/* HMAC-SHA-256 of d[0..len) under raw key bytes. */
static int
raw_hmac(const uint8_t *key, size_t key_len, const uint8_t *d, size_t len,
    uint8_t out[TK_MAC_LEN])
{
	unsigned int	 ol = 0;

	if (HMAC(EVP_sha256(), key, (int)key_len, d, len, out, &ol) == NULL ||
	    ol != TK_MAC_LEN)
		return -1;
	return 0;
}

/* One HMAC with key k over d: the callback, or the raw block s. */
static int
key_hmac(const struct tk_key *k, const uint8_t *s, size_t s_len,
    const uint8_t *d, size_t len, uint8_t out[TK_MAC_LEN])
{
	if (k->hmac != NULL)
		return k->hmac(k, d, len, out);
	return raw_hmac(s, s_len, d, len, out);
}

/*
 * P(s, label, m) of RFC 3830 4.1.2 with HMAC-SHA-256, XORed into out
 * (out_len bytes, m blocks).
 */
static int
prf_p(const struct tk_key *k, const uint8_t *s, size_t s_len,
    const uint8_t *label, size_t label_len, uint8_t *out, size_t out_len)
{
	uint8_t	*buf;
	uint8_t	 a[TK_MAC_LEN], blk[TK_MAC_LEN];
	size_t	 done, i, n;
	int	 rc = -1;

	if ((buf = malloc(TK_MAC_LEN + label_len)) == NULL)
		return -1;
	/* A_1 = HMAC(s, A_0), A_0 = label */
	if (key_hmac(k, s, s_len, label, label_len, a) != 0)
		goto out;
	for (done = 0; done < out_len; done += n) {
		memcpy(buf, a, TK_MAC_LEN);
		memcpy(buf + TK_MAC_LEN, label, label_len);
		if (key_hmac(k, s, s_len, buf, TK_MAC_LEN + label_len, blk)
		    != 0)
			goto out;
		n = out_len - done < TK_MAC_LEN ? out_len - done : TK_MAC_LEN;
		for (i = 0; i < n; i++)
			out[done + i] ^= blk[i];
		if (done + n < out_len &&
		    key_hmac(k, s, s_len, a, TK_MAC_LEN, a) != 0)
			goto out;
	}
	rc = 0;
 out:
	/* wipe: PRF state derived from the key */
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(blk, sizeof(blk));
	OPENSSL_cleanse(buf, TK_MAC_LEN + label_len);
	free(buf);
	return rc;
}

/* see ticket.h */
int
tk_prf(const struct tk_key *k, const uint8_t *label, size_t label_len,
    uint8_t *out, size_t out_len)
{
	size_t	 off, n;

	if (k == NULL || label == NULL || out == NULL || out_len == 0 ||
	    out_len > PRF_OUT_MAX)
		return -1;
	memset(out, 0, out_len);
	if (k->hmac != NULL) {
		/* A key in the token is one 256-bit block (n = 1). */
		if (prf_p(k, NULL, 0, label, label_len, out, out_len) != 0)
			goto fail;
		return 0;
	}
	if (k->raw == NULL || k->raw_len == 0)
		return -1;
	for (off = 0; off < k->raw_len; off += n) {
		n = k->raw_len - off < PRF_BLOCK ? k->raw_len - off : PRF_BLOCK;
		if (prf_p(k, k->raw + off, n, label, label_len, out, out_len)
		    != 0)
			goto fail;
	}
	return 0;
 fail:
	OPENSSL_cleanse(out, out_len);
	return -1;
}

/* see ticket.h */
size_t
tk_label(uint8_t *out, uint32_t cnst, uint8_t id8, uint32_t csb,
    uint8_t type, const uint8_t *r1, size_t r1_len, const uint8_t *r2,
    size_t r2_len, bool two)
{
	size_t	 n = 0;

	out[n++] = (uint8_t)(cnst >> 24);
	out[n++] = (uint8_t)(cnst >> 16);
	out[n++] = (uint8_t)(cnst >> 8);
	out[n++] = (uint8_t)cnst;
	out[n++] = id8;
	out[n++] = (uint8_t)(csb >> 24);
	out[n++] = (uint8_t)(csb >> 16);
	out[n++] = (uint8_t)(csb >> 8);
	out[n++] = (uint8_t)csb;
	out[n++] = type;
	out[n++] = (uint8_t)r1_len;
	if (r1_len > 0)
		memcpy(out + n, r1, r1_len);
	n += r1_len;
	if (two) {
		out[n++] = (uint8_t)r2_len;
		if (r2_len > 0)
			memcpy(out + n, r2, r2_len);
		n += r2_len;
	}
	return n;
}

/* see ticket.h */
int
tk_derive_keys(const struct tk_key *k, uint8_t id8, uint32_t csb,
    uint8_t type, const uint8_t *r1, size_t r1_len, const uint8_t *r2,
    size_t r2_len, bool two, struct tk_keyset *out)
{
	uint8_t	 label[TK_LABEL_MAX];
	size_t	 n;

	if (r1_len > UINT8_MAX || r2_len > UINT8_MAX)
		return -1;
	n = tk_label(label, TK_C_ENCR, id8, csb, type, r1, r1_len, r2, r2_len,
	    two);
	if (tk_prf(k, label, n, out->encr, sizeof(out->encr)) != 0)
		goto fail;
	(void)tk_label(label, TK_C_SALT, id8, csb, type, r1, r1_len, r2,
	    r2_len, two);
	if (tk_prf(k, label, n, out->salt, sizeof(out->salt)) != 0)
		goto fail;
	(void)tk_label(label, TK_C_AUTH, id8, csb, type, r1, r1_len, r2,
	    r2_len, two);
	if (tk_prf(k, label, n, out->auth, sizeof(out->auth)) != 0)
		goto fail;
	return 0;
 fail:
	OPENSSL_cleanse(out, sizeof(*out));
	return -1;
}

/* PRF of a raw 256-bit key over label[0..n) into out (256 bits). */
static int
raw_prf(const uint8_t key[TK_KEY_LEN], const uint8_t *label, size_t n,
    uint8_t out[TK_KEY_LEN])
{
	struct tk_key	 k;

	memset(&k, 0, sizeof(k));
	k.raw = key;
	k.raw_len = TK_KEY_LEN;
	return tk_prf(&k, label, n, out, TK_KEY_LEN);
}

static size_t
put_u32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
	return 4;
}

/* see ticket.h */
int
tk_fork(const uint8_t key[TK_KEY_LEN], uint32_t cnst, const uint8_t *id,
    size_t id_len, const uint8_t *rkms, size_t rkms_len,
    uint8_t out[TK_KEY_LEN])
{
	uint8_t	 label[4 + 1 + 4 + 1 + 2 + TK_ID_MAX + 1 + 255];
	size_t	 n = 0;

	if (id_len > TK_ID_MAX || rkms_len > 255 ||
	    (id_len > 0 && id == NULL) || (rkms_len > 0 && rkms == NULL))
		return -1;
	n += put_u32(label + n, cnst);
	label[n++] = 0xff;
	n += put_u32(label + n, 0xffffffffu);
	label[n++] = TK_L_FORK;
	label[n++] = (uint8_t)(id_len >> 8);
	label[n++] = (uint8_t)id_len;
	if (id_len > 0)
		memcpy(label + n, id, id_len);
	n += id_len;
	label[n++] = (uint8_t)rkms_len;
	if (rkms_len > 0)
		memcpy(label + n, rkms, rkms_len);
	n += rkms_len;
	return raw_prf(key, label, n, out);
}

/* see ticket.h */
int
tk_vr_key(const uint8_t mpkr[TK_KEY_LEN], uint8_t auth[TK_KEY_LEN])
{
	uint8_t	 label[10];
	size_t	 n = 0;

	n += put_u32(label + n, TK_C_AUTH);
	label[n++] = 0xff;
	n += put_u32(label + n, 0xffffffffu);
	label[n++] = TK_L_VR;
	return raw_prf(mpkr, label, n, auth);
}

/* see ticket.h */
int
tk_mpk_derive(const uint8_t mpk[TK_KEY_LEN], uint32_t cnst,
    const uint8_t *rand, size_t rand_len, uint8_t out[TK_KEY_LEN])
{
	uint8_t	 label[TK_LABEL_MAX];
	size_t	 n;

	if (rand_len > 255)
		return -1;
	n = tk_label(label, cnst, 0xff, 0xffffffffu, TK_L_MPK, rand, rand_len,
	    NULL, 0, false);
	return raw_prf(mpk, label, n, out);
}

/* see ticket.h */
int
tk_aes_cm(const uint8_t key[TK_KEY_LEN], const uint8_t salt[TK_SALT_LEN],
    uint32_t csb, uint64_t t, const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX	*ctx;
	uint8_t		 iv[16];
	int		 ol = 0, fl = 0, rc = -1;
	size_t		 i;

	/* IV = (S XOR (0x0000 || CSB ID || T)) || 0x0000 (RFC 3830 4.2.3) */
	memset(iv, 0, sizeof(iv));
	iv[2] = (uint8_t)(csb >> 24);
	iv[3] = (uint8_t)(csb >> 16);
	iv[4] = (uint8_t)(csb >> 8);
	iv[5] = (uint8_t)csb;
	for (i = 0; i < 8; i++)
		iv[6 + i] = (uint8_t)(t >> (56 - 8 * i));
	for (i = 0; i < TK_SALT_LEN; i++)
		iv[i] ^= salt[i];
	if (len > INT32_MAX || (ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), NULL, key, iv) == 1 &&
	    EVP_EncryptUpdate(ctx, out, &ol, in, (int)len) == 1 &&
	    EVP_EncryptFinal_ex(ctx, out + ol, &fl) == 1 &&
	    (size_t)(ol + fl) == len)
		rc = 0;
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* see ticket.h */
int
tk_mac(const uint8_t key[TK_KEY_LEN], const uint8_t *a, size_t a_len,
    const uint8_t *b, size_t b_len, const uint8_t *c, size_t c_len,
    uint8_t out[TK_MAC_LEN])
{
	uint8_t	*buf;
	size_t	 n = a_len + b_len + c_len;
	int	 rc;

	if ((buf = malloc(n > 0 ? n : 1)) == NULL)
		return -1;
	if (a_len > 0)
		memcpy(buf, a, a_len);
	if (b_len > 0)
		memcpy(buf + a_len, b, b_len);
	if (c_len > 0)
		memcpy(buf + a_len + b_len, c, c_len);
	rc = raw_hmac(key, TK_KEY_LEN, buf, n, out);
	free(buf);
	return rc;
}

/* see ticket.h */
uint64_t
tk_ntp_from_unix(int64_t t)
{
	return (uint64_t)(t + TK_NTP_UNIX_OFFSET) << 32;
}

/* see ticket.h */
int64_t
tk_unix_from_ts(uint8_t ts_type, uint64_t v)
{
	switch (ts_type) {
	case MK_TS_NTP_UTC:
	case MK_TS_NTP:
		return (int64_t)(v >> 32) - TK_NTP_UNIX_OFFSET;
	case MK_TS_NTP_UTC_32:
		return (int64_t)(v & 0xffffffffu) - TK_NTP_UNIX_OFFSET;
	default:
		return INT64_MIN;
	}
}
