/*
 * wolfcheck.c - the wolfSSL oracle of kms-client (wolfcheck.h): issued
 * RSKs, SSK/PVT pairs, SAKKE encapsulation/decapsulation and ECCSI
 * signatures checked by a third-party implementation, independent of
 * firmware/crypto and of ucheck.c (OpenSSL).
 *
 * wolfSSL 5.5.4 (Debian 12) has two bugs worked around here, as in
 * tests/unit/crypto/test_wolf_sakke.c:
 *  - wc_ValidateSakkeRsk overwrites the private key held in its SakkeKey,
 *    so every operation below uses a fresh SakkeKey;
 *  - wc_ImportSakkeRsk returns 0 but leaves the "RSK set" flag clear (and
 *    wc_DeriveSakkeSSV then fails with BAD_STATE_E), so the RSK is set
 *    with wc_DecodeSakkeRsk + wc_SetSakkeRsk.
 */
#include <stdio.h>
#include <string.h>

#include "wolfcheck.h"

#ifdef KC_HAVE_WOLF
#include <wolfssl/options.h>
#if !defined(WOLFCRYPT_HAVE_SAKKE) || !defined(WOLFCRYPT_HAVE_ECCSI)
#undef KC_HAVE_WOLF
#endif
#endif

#ifdef KC_HAVE_WOLF
#include <wolfssl/version.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/eccsi.h>
#include <wolfssl/wolfcrypt/sakke.h>

/* A SakkeKey holding only the KMS's public key Z (validated import). */
static int
sakke_pub(SakkeKey *k, const uint8_t z[UCHECK_SAKKE_POINT_LEN])
{
	if (wc_InitSakkeKey(k, NULL, INVALID_DEVID) != 0)
		return -1;
	if (wc_ImportSakkePublicKey(k, z, UCHECK_SAKKE_POINT_LEN, 0) != 0) {
		wc_FreeSakkeKey(k);
		return -1;
	}
	return 0;
}

const char *
kc_wolf_version(void)
{
	return "wolfSSL " LIBWOLFSSL_VERSION_STRING;
}

enum kc_wolf
kc_wolf_rsk_valid(const uint8_t z[UCHECK_SAKKE_POINT_LEN], const uint8_t *id,
    size_t id_len, const uint8_t rsk[UCHECK_SAKKE_POINT_LEN])
{
	SakkeKey	 key;
	ecc_point	*pt;
	int		 valid = 0;
	enum kc_wolf	 ret = KC_WOLF_ERR;

	if (id_len > 0xffff || sakke_pub(&key, z) != 0)
		return KC_WOLF_ERR;
	if ((pt = wc_ecc_new_point()) == NULL) {
		wc_FreeSakkeKey(&key);
		return KC_WOLF_ERR;
	}
	if (wc_DecodeSakkeRsk(&key, rsk, UCHECK_SAKKE_POINT_LEN, pt) != 0)
		ret = KC_WOLF_BAD;
	else if (wc_ValidateSakkeRsk(&key, id, (word16)id_len, pt,
	    &valid) == 0)
		ret = valid == 1 ? KC_WOLF_OK : KC_WOLF_BAD;
	wc_ecc_del_point(pt);
	wc_FreeSakkeKey(&key);
	return ret;
}

enum kc_wolf
kc_wolf_eccsi_valid(const uint8_t kpak[UCHECK_P256_POINT_LEN],
    const uint8_t *id, size_t id_len, const uint8_t ssk[UCHECK_SSK_LEN],
    const uint8_t pvt[UCHECK_P256_POINT_LEN])
{
	EccsiKey	 key;
	mp_int		 s;
	ecc_point	*pt;
	int		 valid = 0;
	enum kc_wolf	 ret = KC_WOLF_ERR;

	if (wc_InitEccsiKey(&key, NULL, INVALID_DEVID) != 0)
		return KC_WOLF_ERR;
	if (mp_init(&s) != 0) {
		wc_FreeEccsiKey(&key);
		return KC_WOLF_ERR;
	}
	if ((pt = wc_ecc_new_point()) == NULL)
		goto out;
	if (wc_ImportEccsiPublicKey(&key, kpak, UCHECK_P256_POINT_LEN,
	    0) != 0)
		goto out;
	if (wc_DecodeEccsiSsk(&key, ssk, UCHECK_SSK_LEN, &s) != 0 ||
	    wc_DecodeEccsiPvt(&key, pvt, UCHECK_P256_POINT_LEN, pt) != 0) {
		ret = KC_WOLF_BAD;
		goto out;
	}
	if (wc_ValidateEccsiPair(&key, WC_HASH_TYPE_SHA256, id, (word32)id_len,
	    &s, pt, &valid) == 0)
		ret = valid == 1 ? KC_WOLF_OK : KC_WOLF_BAD;
 out:
	if (pt != NULL)
		wc_ecc_del_point(pt);
	mp_forcezero(&s);		/* wipe: SSK */
	mp_free(&s);
	wc_FreeEccsiKey(&key);
	return ret;
}

enum kc_wolf
kc_wolf_encapsulate(const uint8_t z[UCHECK_SAKKE_POINT_LEN], const uint8_t *id,
    size_t id_len, const uint8_t ssv[KC_SSV_LEN], uint8_t sed[KC_SED_LEN])
{
	SakkeKey	 key;
	word16		 auth_sz = UCHECK_SAKKE_POINT_LEN;
	enum kc_wolf	 ret = KC_WOLF_ERR;

	if (id_len > 0xffff || sakke_pub(&key, z) != 0)
		return KC_WOLF_ERR;
	/* wolfSSL's "auth" is R_(b,S); its in-place "ssv" becomes H. */
	memcpy(sed + UCHECK_SAKKE_POINT_LEN, ssv, KC_SSV_LEN);
	if (wc_SetSakkeIdentity(&key, id, (word16)id_len) == 0 &&
	    wc_MakeSakkeEncapsulatedSSV(&key, WC_HASH_TYPE_SHA256,
	    sed + UCHECK_SAKKE_POINT_LEN, KC_SSV_LEN, sed, &auth_sz) == 0 &&
	    auth_sz == UCHECK_SAKKE_POINT_LEN)
		ret = KC_WOLF_OK;
	else
		memset(sed, 0, KC_SED_LEN);
	wc_FreeSakkeKey(&key);
	return ret;
}

enum kc_wolf
kc_wolf_decapsulate(const uint8_t z[UCHECK_SAKKE_POINT_LEN], const uint8_t *id,
    size_t id_len, const uint8_t rsk[UCHECK_SAKKE_POINT_LEN],
    const uint8_t sed[KC_SED_LEN], uint8_t ssv[KC_SSV_LEN])
{
	SakkeKey	 key;
	ecc_point	*pt;
	enum kc_wolf	 ret = KC_WOLF_ERR;

	if (id_len > 0xffff || sakke_pub(&key, z) != 0)
		return KC_WOLF_ERR;
	if ((pt = wc_ecc_new_point()) == NULL) {
		wc_FreeSakkeKey(&key);
		return KC_WOLF_ERR;
	}
	memcpy(ssv, sed + UCHECK_SAKKE_POINT_LEN, KC_SSV_LEN);
	if (wc_DecodeSakkeRsk(&key, rsk, UCHECK_SAKKE_POINT_LEN, pt) != 0 ||
	    wc_SetSakkeRsk(&key, pt, NULL, 0) != 0 ||
	    wc_SetSakkeIdentity(&key, id, (word16)id_len) != 0)
		ret = KC_WOLF_ERR;
	else if (wc_DeriveSakkeSSV(&key, WC_HASH_TYPE_SHA256, ssv, KC_SSV_LEN,
	    sed, UCHECK_SAKKE_POINT_LEN) == 0)
		ret = KC_WOLF_OK;
	else
		ret = KC_WOLF_BAD;
	if (ret != KC_WOLF_OK)
		explicit_bzero(ssv, KC_SSV_LEN);
	wc_ecc_del_point(pt);
	wc_FreeSakkeKey(&key);		/* wolfSSL wipes the RSK it held */
	return ret;
}

enum kc_wolf
kc_wolf_eccsi_verify(const uint8_t kpak[UCHECK_P256_POINT_LEN],
    const uint8_t *id, size_t id_len, const uint8_t *msg, size_t msg_len,
    const uint8_t sig[KC_SIG_LEN])
{
	EccsiKey	 key;
	ecc_point	*pt;
	uint8_t		 hs[WC_MAX_DIGEST_SIZE];
	byte		 hs_sz = sizeof(hs);
	int		 ok = 0;
	enum kc_wolf	 ret = KC_WOLF_ERR;

	if (wc_InitEccsiKey(&key, NULL, INVALID_DEVID) != 0)
		return KC_WOLF_ERR;
	if ((pt = wc_ecc_new_point()) == NULL) {
		wc_FreeEccsiKey(&key);
		return KC_WOLF_ERR;
	}
	if (wc_ImportEccsiPublicKey(&key, kpak, UCHECK_P256_POINT_LEN,
	    0) != 0)
		goto out;
	/* HS over the PVT the signature carries (RFC 6507 5.2.2). */
	if (wc_DecodeEccsiPvtFromSig(&key, sig, KC_SIG_LEN, pt) != 0) {
		ret = KC_WOLF_BAD;
		goto out;
	}
	if (wc_HashEccsiId(&key, WC_HASH_TYPE_SHA256, id, (word32)id_len, pt,
	    hs, &hs_sz) != 0 || wc_SetEccsiHash(&key, hs, hs_sz) != 0)
		goto out;
	if (wc_VerifyEccsiHash(&key, WC_HASH_TYPE_SHA256, msg, (word32)msg_len,
	    sig, KC_SIG_LEN, &ok) == 0)
		ret = ok == 1 ? KC_WOLF_OK : KC_WOLF_BAD;
	else
		ret = KC_WOLF_BAD;
 out:
	wc_ecc_del_point(pt);
	wc_FreeEccsiKey(&key);
	return ret;
}

#else /* !KC_HAVE_WOLF */

const char *
kc_wolf_version(void)
{
	return "no wolfSSL ECCSI/SAKKE";
}

enum kc_wolf
kc_wolf_rsk_valid(const uint8_t z[UCHECK_SAKKE_POINT_LEN], const uint8_t *id,
    size_t id_len, const uint8_t rsk[UCHECK_SAKKE_POINT_LEN])
{
	(void)z; (void)id; (void)id_len; (void)rsk;
	return KC_WOLF_NONE;
}

enum kc_wolf
kc_wolf_eccsi_valid(const uint8_t kpak[UCHECK_P256_POINT_LEN],
    const uint8_t *id, size_t id_len, const uint8_t ssk[UCHECK_SSK_LEN],
    const uint8_t pvt[UCHECK_P256_POINT_LEN])
{
	(void)kpak; (void)id; (void)id_len; (void)ssk; (void)pvt;
	return KC_WOLF_NONE;
}

enum kc_wolf
kc_wolf_encapsulate(const uint8_t z[UCHECK_SAKKE_POINT_LEN], const uint8_t *id,
    size_t id_len, const uint8_t ssv[KC_SSV_LEN], uint8_t sed[KC_SED_LEN])
{
	(void)z; (void)id; (void)id_len; (void)ssv;
	memset(sed, 0, KC_SED_LEN);
	return KC_WOLF_NONE;
}

enum kc_wolf
kc_wolf_decapsulate(const uint8_t z[UCHECK_SAKKE_POINT_LEN], const uint8_t *id,
    size_t id_len, const uint8_t rsk[UCHECK_SAKKE_POINT_LEN],
    const uint8_t sed[KC_SED_LEN], uint8_t ssv[KC_SSV_LEN])
{
	(void)z; (void)id; (void)id_len; (void)rsk; (void)sed;
	memset(ssv, 0, KC_SSV_LEN);
	return KC_WOLF_NONE;
}

enum kc_wolf
kc_wolf_eccsi_verify(const uint8_t kpak[UCHECK_P256_POINT_LEN],
    const uint8_t *id, size_t id_len, const uint8_t *msg, size_t msg_len,
    const uint8_t sig[KC_SIG_LEN])
{
	(void)kpak; (void)id; (void)id_len; (void)msg; (void)msg_len;
	(void)sig;
	return KC_WOLF_NONE;
}

#endif /* KC_HAVE_WOLF */
