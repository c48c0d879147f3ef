/*
 * uid.c - identities of TS 33.180 Annex F: the TS 33.220 Annex B KDF,
 * the MIKEY-SAKKE UID (format 2, F.2.1), key period numbers on the NTP
 * epoch, User Salt and GUK-ID (F.1.3, 7.3.1).  Vectors and sources:
 * shared/spec/mcx-kms.md sections 2 and 5.
 *
 * Secrets in this file: the GMK given to user_salt/guk_id_derive (only
 * used as an HMAC key, which OpenSSL processes in constant time) and the
 * KDF key.  The identities, periods and UIDs are public.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto_local.h"

/* P0 of the UID (TS 33.180 F.2.1). */
static const uint8_t uid_p0[] = "MIKEY-SAKKE-UID";
#define UID_P0_LEN	(sizeof(uid_p0) - 1)	/* 15 octets */
#define UID_FC		0x00			/* F.2.1: FC = 0x00 */
#define SALT_FC		0x50			/* F.1.3: FC = 0x50 */

static size_t	 int_min_octets(uint64_t, uint8_t *);
static int	 s_build(uint8_t, const struct kdf_param *, size_t, uint8_t *,
		    size_t *);

/*
 * Writes v big endian in the minimum number of octets, zero as one 0x00
 * octet (TS 33.220 B.2.1 as used by 33.180 F.2.1, notes 5.1); returns
 * the count (1..8).
 */
static size_t
int_min_octets(uint64_t v, uint8_t *out)
{
	size_t	 n = 1, i;

	while (n < 8 && (v >> (8 * n)) != 0)
		n++;
	for (i = 0; i < n; i++)
		out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return n;
}

/*
 * S = FC || P0 || L0 || ... (TS 33.220 Annex B.2), into s of KDF_S_MAX
 * octets.  Returns 0 if it does not fit or a parameter is too long.
 */
static int
s_build(uint8_t fc, const struct kdf_param *pp, size_t n, uint8_t *s,
    size_t *s_len)
{
	size_t	 off = 0, i;

	if (n > KDF_PARAM_MAX)
		return 0;
	s[off++] = fc;
	for (i = 0; i < n; i++) {
		if (pp[i].len > 0xffff || (pp[i].p == NULL && pp[i].len > 0) ||
		    pp[i].len > KDF_S_MAX - off - 2)
			return 0;
		if (pp[i].len > 0)
			memcpy(s + off, pp[i].p, pp[i].len);
		off += pp[i].len;
		s[off++] = (uint8_t)(pp[i].len >> 8);
		s[off++] = (uint8_t)pp[i].len;
	}
	*s_len = off;
	return 1;
}

/* see crypto.h */
enum crypto_status
kdf_33220(const uint8_t *key, size_t key_len, uint8_t fc,
    const struct kdf_param *params, size_t n, uint8_t out[KDF_OUT_LEN])
{
	enum crypto_status	 status = CRYPTO_ERR_ARGS;
	uint8_t			 s[KDF_S_MAX];
	size_t			 s_len;
	unsigned int		 md_len = KDF_OUT_LEN;

	if (key == NULL || key_len == 0 || key_len > 1024 || out == NULL ||
	    (params == NULL && n > 0))
		goto fail;
	if (!s_build(fc, params, n, s, &s_len))
		goto fail;
	status = CRYPTO_ERR_GENERAL;
	/* TS 33.220 B.2: derived key = HMAC-SHA-256(Key, S). */
	if (HMAC(EVP_sha256(), key, (int)key_len, s, s_len, out,
	    &md_len) == NULL || md_len != KDF_OUT_LEN)
		goto fail;
	status = CRYPTO_OK;
 fail:
	if (status != CRYPTO_OK && out != NULL)
		OPENSSL_cleanse(out, KDF_OUT_LEN);
	/* wipe: S may hold secret parameters */
	OPENSSL_cleanse(s, sizeof(s));
	return status;
}

/*
 * see crypto.h
 *
 * TS 33.180 F.2.1 (33.179 F.2.1): UID = SHA-256(S), S built as in
 * TS 33.220 B.2 with FC 0x00 and P0..P5 (notes 5.1; the 68-octet S of
 * notes 6.10 is the first UID vector).
 */
enum crypto_status
uid_derive(const uint8_t *uri, size_t uri_len, const uint8_t *kms_uri,
    size_t kms_uri_len, uint64_t period, uint64_t offset, uint64_t period_no,
    uint8_t uid[UID_LEN])
{
	enum crypto_status	 status = CRYPTO_ERR_ARGS;
	struct kdf_param	 pp[6];
	uint8_t			 s[KDF_S_MAX], i3[8], i4[8], i5[8];
	size_t			 s_len;

	if (uid == NULL || uri == NULL || kms_uri == NULL || uri_len == 0 ||
	    uri_len > UID_URI_MAX || kms_uri_len == 0 ||
	    kms_uri_len > UID_URI_MAX)
		goto fail;
	pp[0].p = uid_p0;
	pp[0].len = UID_P0_LEN;
	pp[1].p = uri;
	pp[1].len = uri_len;
	pp[2].p = kms_uri;
	pp[2].len = kms_uri_len;
	pp[3].p = i3;
	pp[3].len = int_min_octets(period, i3);
	pp[4].p = i4;
	pp[4].len = int_min_octets(offset, i4);
	pp[5].p = i5;
	pp[5].len = int_min_octets(period_no, i5);
	if (!s_build(UID_FC, pp, 6, s, &s_len))
		goto fail;
	status = CRYPTO_ERR_GENERAL;
	if (EVP_Digest(s, s_len, uid, NULL, EVP_sha256(), NULL) != 1)
		goto fail;
	status = CRYPTO_OK;
 fail:
	if (status != CRYPTO_OK && uid != NULL)
		memset(uid, 0, UID_LEN);
	return status;
}

/*
 * see crypto.h
 *
 * RFC 5905 section 6: NTP era 0 starts 1900-01-01; Unix time 0 is NTP
 * 2208988800.  Times before 1900 map to 0.
 */
uint64_t
ntp_from_unix(int64_t unix_s)
{
	if (unix_s < -(int64_t)NTP_UNIX_DELTA)
		return 0;
	return (uint64_t)(unix_s + (int64_t)NTP_UNIX_DELTA);
}

/* see crypto.h; saturates at INT64_MAX. */
int64_t
unix_from_ntp(uint64_t ntp_s)
{
	if (ntp_s > (uint64_t)INT64_MAX)
		return INT64_MAX - (int64_t)NTP_UNIX_DELTA;
	return (int64_t)ntp_s - (int64_t)NTP_UNIX_DELTA;
}

/*
 * see crypto.h
 *
 * TS 33.179/33.180 F.2.1: "Current Key Period No. since 0h on 1 January
 * 1900"; KeyPeriodNo = floor((T - UserKeyOffset) / UserKeyPeriod)
 * (notes section 2; offset < period as kmsd's configuration requires).
 */
enum crypto_status
key_period_no(uint64_t t_ntp, uint64_t period, uint64_t offset,
    uint64_t *period_no)
{
	if (period_no == NULL || period == 0 || offset >= period ||
	    t_ntp < offset)
		return CRYPTO_ERR_ARGS;
	*period_no = (t_ntp - offset) / period;
	return CRYPTO_OK;
}

/* see crypto.h */
enum crypto_status
key_period_bounds(uint64_t period_no, uint64_t period, uint64_t offset,
    uint64_t *from_ntp, uint64_t *to_ntp)
{
	uint64_t	 from;

	if (from_ntp == NULL || to_ntp == NULL || period == 0)
		return CRYPTO_ERR_ARGS;
	if (period_no > (UINT64_MAX - offset) / period)
		return CRYPTO_ERR_ARGS;
	from = offset + period_no * period;
	if (from > UINT64_MAX - (period - 1))
		return CRYPTO_ERR_ARGS;
	*from_ntp = from;
	*to_ntp = from + (period - 1);
	return CRYPTO_OK;
}

/*
 * see crypto.h
 *
 * TS 33.180 F.1.3: User Salt = KDF(GMK, FC 0x50, P0 = MC service user
 * ID of the receiver); the 28 least significant bits of the output.
 */
enum crypto_status
user_salt(const uint8_t *secret_gmk, size_t gmk_len, const uint8_t *mc_id,
    size_t mc_id_len, uint32_t *salt)
{
	enum crypto_status	 status = CRYPTO_ERR_ARGS;
	struct kdf_param	 p0;
	uint8_t			 out[KDF_OUT_LEN];

	if (salt == NULL || mc_id == NULL || mc_id_len == 0 ||
	    mc_id_len > UID_URI_MAX)
		goto fail;
	p0.p = mc_id;
	p0.len = mc_id_len;
	if ((status = kdf_33220(secret_gmk, gmk_len, SALT_FC, &p0, 1,
	    out)) != CRYPTO_OK)
		goto fail;
	*salt = (((uint32_t)out[28] << 24) | ((uint32_t)out[29] << 16) |
	    ((uint32_t)out[30] << 8) | out[31]) & 0x0fffffffU;
	status = CRYPTO_OK;
 fail:
	/* wipe: */
	OPENSSL_cleanse(out, sizeof(out));
	return status;
}

/*
 * see crypto.h
 *
 * TS 33.180 7.3.1 / F.1.3: GUK-ID = purpose tag of GMK-ID (4 MSBs,
 * kept) || 28 LSBs of (GMK-ID XOR User Salt).
 */
enum crypto_status
guk_id_derive(const uint8_t *secret_gmk, size_t gmk_len, uint32_t gmk_id,
    const uint8_t *mc_id, size_t mc_id_len, uint32_t *guk_id)
{
	enum crypto_status	 status;
	uint32_t		 salt = 0;

	if (guk_id == NULL)
		return CRYPTO_ERR_ARGS;
	if ((status = user_salt(secret_gmk, gmk_len, mc_id, mc_id_len,
	    &salt)) != CRYPTO_OK)
		return status;
	*guk_id = (gmk_id & 0xf0000000U) | ((gmk_id ^ salt) & 0x0fffffffU);
	return CRYPTO_OK;
}
