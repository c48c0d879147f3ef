/*
 * hsm_derive.c - the derivations as whole operations: "the RSK for this
 * UID", "the SSK and PVT for this UID".  Each unseals its master secret
 * into hsm_master_use's locked scope, runs firmware/crypto on it and wipes
 * it; callers never see z_S or KSAK.  An HSM with a vendor SAKKE/ECCSI
 * mechanism replaces the bodies of these two functions, nothing else.
 *
 * firmware/crypto is pure math that depends on nothing but OpenSSL, so
 * hsm/ may call it (tools/checksrc allows crypto.h here and nowhere else
 * below firmware/).
 *
 * ECCSI's v (RFC 6507 5.1.1) is derived, not drawn: v = KDF(KSAK, "kmsd-
 * ECCSI-v" || UID || counter) with the TS 33.220 KDF and a private FC
 * (0xFE), the construction of RFC 6979.  The same UID therefore always
 * gets the same PVT and SSK (a repeated request does not invalidate what
 * a client signed), different UIDs get independent v, and nothing secret
 * is stored (docs/identities.md).
 */
#include <string.h>

#include "board.h"
#include "crypto.h"
#include "hsm.h"
#include "hsm_local.h"

#define DERIVE_V_FC	0xfe		/* kdf_33220 FC of the v derivation */
#define DERIVE_V_LABEL	"kmsd-ECCSI-v"

struct rsk_arg {
	const uint8_t	*ra_id;
	size_t		 ra_id_len;
	uint8_t		*ra_rsk;
};

struct ssk_arg {
	const uint8_t	*sa_kpak;
	const uint8_t	*sa_id;
	size_t		 sa_id_len;
	uint8_t		*sa_ssk;
	uint8_t		*sa_pvt;
};

struct v_arg {
	const uint8_t	*va_ksak;
	const uint8_t	*va_id;
	size_t		 va_id_len;
	uint32_t	 va_ctr;
};

/* RSK for one identity, checked ([t]RSK = P) before release. */
static int
rsk_fn(const uint8_t *secret_z, size_t len, void *arg)
{
	struct rsk_arg	*ra = arg;

	if (len != SAKKE_SCALAR_LEN)
		return -1;
	if (sakke_rsk(secret_z, ra->ra_id, ra->ra_id_len, ra->ra_rsk) !=
	    CRYPTO_OK)
		return -1;
	if (sakke_rsk_check(secret_z, ra->ra_id, ra->ra_id_len,
	    ra->ra_rsk) != CRYPTO_OK) {
		explicit_bzero(ra->ra_rsk, SAKKE_RSK_LEN);	/* wipe: RSK */
		log_warnx("%s: RSK self-check failed; not released",
		    __func__);
		return -1;
	}
	return 0;
}

/* crypto_rand_fn: the deterministic candidates of v, 32 octets a call. */
static int
v_rand(void *arg, uint8_t *out, size_t len)
{
	struct v_arg		*va = arg;
	struct kdf_param	 p[3];
	uint8_t			 ctr[4];

	if (len != KDF_OUT_LEN)
		return -1;
	ctr[0] = (uint8_t)(va->va_ctr >> 24);
	ctr[1] = (uint8_t)(va->va_ctr >> 16);
	ctr[2] = (uint8_t)(va->va_ctr >> 8);
	ctr[3] = (uint8_t)va->va_ctr;
	va->va_ctr++;
	p[0].p = (const uint8_t *)DERIVE_V_LABEL;
	p[0].len = sizeof(DERIVE_V_LABEL) - 1;
	p[1].p = va->va_id;
	p[1].len = va->va_id_len;
	p[2].p = ctr;
	p[2].len = sizeof(ctr);
	return kdf_33220(va->va_ksak, ECCSI_SCALAR_LEN, DERIVE_V_FC, p, 3,
	    out) == CRYPTO_OK ? 0 : -1;
}

/* SSK and PVT for one identity (RFC 6507 5.1.1), checked by crypto. */
static int
ssk_fn(const uint8_t *secret_ksak, size_t len, void *arg)
{
	struct ssk_arg		*sa = arg;
	struct v_arg		 va;
	uint8_t			 hs[ECCSI_HASH_LEN];
	enum crypto_status	 cst;

	if (len != ECCSI_SCALAR_LEN)
		return -1;
	va.va_ksak = secret_ksak;
	va.va_id = sa->sa_id;
	va.va_id_len = sa->sa_id_len;
	va.va_ctr = 0;
	cst = eccsi_ssk_pvt(secret_ksak, sa->sa_kpak, sa->sa_id,
	    sa->sa_id_len, v_rand, &va, sa->sa_ssk, sa->sa_pvt, hs);
	explicit_bzero(&va, sizeof(va));	/* wipe: holds KSAK's address */
	explicit_bzero(hs, sizeof(hs));
	return cst == CRYPTO_OK ? 0 : -1;
}

/* see hsm.h */
enum hsm_status
hsm_derive_rsk(struct hsm *h, hsm_key_id z_id, const uint8_t *id,
    size_t id_len, uint8_t *out, size_t out_size, size_t *out_len)
{
	struct rsk_arg	 ra;
	enum hsm_status	 st;

	if (out_len != NULL)
		*out_len = 0;
	if (h == NULL || id == NULL || id_len == 0 || out == NULL ||
	    out_len == NULL)
		return HSM_ERR_ARGS;
	if (out_size < SAKKE_RSK_LEN)
		return HSM_ERR_BUFFER;
	ra.ra_id = id;
	ra.ra_id_len = id_len;
	ra.ra_rsk = out;
	if ((st = hsm_master_use(h, z_id, rsk_fn, &ra)) != HSM_OK) {
		explicit_bzero(out, out_size);	/* wipe: partial RSK */
		return st;
	}
	*out_len = SAKKE_RSK_LEN;
	return HSM_OK;
}

/* see hsm.h */
enum hsm_status
hsm_derive_ssk_pvt(struct hsm *h, hsm_key_id ksak_id,
    const uint8_t kpak[HSM_EC_POINT_LEN], const uint8_t *id, size_t id_len,
    uint8_t ssk[32], uint8_t pvt[HSM_EC_POINT_LEN])
{
	struct ssk_arg	 sa;
	enum hsm_status	 st;

	if (h == NULL || kpak == NULL || id == NULL || id_len == 0 ||
	    ssk == NULL || pvt == NULL)
		return HSM_ERR_ARGS;
	sa.sa_kpak = kpak;
	sa.sa_id = id;
	sa.sa_id_len = id_len;
	sa.sa_ssk = ssk;
	sa.sa_pvt = pvt;
	if ((st = hsm_master_use(h, ksak_id, ssk_fn, &sa)) != HSM_OK) {
		explicit_bzero(ssk, 32);		/* wipe: partial SSK */
		explicit_bzero(pvt, HSM_EC_POINT_LEN);
	}
	return st;
}
