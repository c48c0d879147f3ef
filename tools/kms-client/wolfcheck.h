/*
 * wolfcheck.h - the wolfSSL oracle of kms-client (wolfcheck.c): checks
 * of issued keys and of received MIKEY-SAKKE messages done by a
 * third-party implementation (wolfSSL's ECCSI and SAKKE), independent of
 * firmware/crypto and of ucheck.c's OpenSSL code.  Without wolfSSL (or
 * with a wolfSSL built without ECCSI/SAKKE) each returns KC_WOLF_NONE.
 * Sizes are ucheck.h's (the same values as crypto.h's, by the RFCs).
 */
#ifndef WOLFCHECK_H
#define WOLFCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "ucheck.h"

#define KC_SSV_LEN		16	/* RFC 6509: n = 128 */
#define KC_SED_LEN		(UCHECK_SAKKE_POINT_LEN + KC_SSV_LEN)
#define KC_SIG_LEN		(2 * UCHECK_P256_FP_LEN + UCHECK_P256_POINT_LEN)

enum kc_wolf {
	KC_WOLF_OK	=  1,	/* verified by wolfSSL */
	KC_WOLF_BAD	=  0,	/* wolfSSL says the check fails */
	KC_WOLF_NONE	= -1,	/* no wolfSSL ECCSI/SAKKE in this build */
	KC_WOLF_ERR	= -2,	/* wolfSSL call failed (not a verdict) */
};

/* "wolfSSL 5.5.4" or "no wolfSSL ECCSI/SAKKE". */
const char	*kc_wolf_version(void);

/* RFC 6508 6.1.2: <[b]P + Z, RSK> = g (wc_ValidateSakkeRsk). */
enum kc_wolf	 kc_wolf_rsk_valid(const uint8_t z[UCHECK_SAKKE_POINT_LEN],
		    const uint8_t *id, size_t id_len,
		    const uint8_t rsk[UCHECK_SAKKE_POINT_LEN]);

/* RFC 6507 5.1.2: [SSK]G = KPAK + [HS]PVT (wc_ValidateEccsiPair). */
enum kc_wolf	 kc_wolf_eccsi_valid(const uint8_t kpak[UCHECK_P256_POINT_LEN],
		    const uint8_t *id, size_t id_len,
		    const uint8_t ssk[UCHECK_SSK_LEN],
		    const uint8_t pvt[UCHECK_P256_POINT_LEN]);

/*
 * RFC 6508 6.2.1 by wolfSSL: sed = R_(b,S) || H, the SSV encapsulated to
 * id under Z (wc_MakeSakkeEncapsulatedSSV; deterministic in ssv and id).
 */
enum kc_wolf	 kc_wolf_encapsulate(const uint8_t z[UCHECK_SAKKE_POINT_LEN],
		    const uint8_t *id, size_t id_len,
		    const uint8_t ssv[KC_SSV_LEN], uint8_t sed[KC_SED_LEN]);

/*
 * RFC 6508 6.2.2 by wolfSSL with the RSK (wc_DecodeSakkeRsk +
 * wc_SetSakkeRsk + wc_DeriveSakkeSSV): the SSV of sed for id, or
 * KC_WOLF_BAD if wolfSSL refuses it.
 */
enum kc_wolf	 kc_wolf_decapsulate(const uint8_t z[UCHECK_SAKKE_POINT_LEN],
		    const uint8_t *id, size_t id_len,
		    const uint8_t rsk[UCHECK_SAKKE_POINT_LEN],
		    const uint8_t sed[KC_SED_LEN], uint8_t ssv[KC_SSV_LEN]);

/* RFC 6507 5.2.2 by wolfSSL: sig (r || s || PVT) over msg by id. */
enum kc_wolf	 kc_wolf_eccsi_verify(const uint8_t kpak[UCHECK_P256_POINT_LEN],
		    const uint8_t *id, size_t id_len, const uint8_t *msg,
		    size_t msg_len, const uint8_t sig[KC_SIG_LEN]);

#endif /* WOLFCHECK_H */
