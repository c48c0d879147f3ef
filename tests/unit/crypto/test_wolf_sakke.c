/*
 * test_wolf_sakke.c - SAKKE cross-check against wolfSSL (test-only
 * oracle; never linked into kms_crypto or kmsd), over random master
 * secrets z_S and random 32-octet identities (UIDs):
 *
 *   pubkey     Z_S = [z_S]P: ours equals wolfSSL's for the same z_S, and
 *              for master keys wolfSSL generates itself;
 *   rsk        every RSK we derive equals wolfSSL's (wc_MakeSakkeRsk)
 *              octet for octet and validates in wolfSSL
 *              (wc_ValidateSakkeRsk); another identity does not;
 *   theirs     an SSV wolfSSL encapsulates to the identity
 *              (wc_MakeSakkeEncapsulatedSSV) decapsulates with our RSK,
 *              and our encapsulation of the same SSV is the same SED
 *              (both are deterministic, RFC 6508 6.2.1);
 *   ours       an SSV we encapsulate is derived by wolfSSL with our RSK
 *              (wc_ImportSakkeRsk + wc_DeriveSakkeSSV);
 *   tampered   a changed H, an off-curve R, another point as R and
 *              another identity are rejected by both;
 *   rfc6508    RFC 6508 Appendix A and the mcx-kms.md 6.10 UID vector
 *              through wolfSSL (sanity of the oracle itself).
 *
 * Representations: ours are 04 || x || y (257 octets) for Z_S, the RSK
 * and R_(b,S); wolfSSL encodes with raw = 0 in the same form (raw = 1
 * would be x || y, 256 octets) and decodes both.  The SED is
 * R_(b,S) || H: wolfSSL's "auth" is R_(b,S), its in-place "ssv" buffer
 * is H.  SSV length 16 (n = 128), hash SHA-256, identity octets as given.
 *
 * CRYPTO_WOLF_N (environment) sets the number of random keys per test
 * (default WOLF_N_DEFAULT; e.g. CRYPTO_WOLF_N=1000 for a long run).
 * Exits 77 (ctest SKIP_RETURN_CODE) if libwolfssl lacks SAKKE.
 *
 * Usage: test_wolf_sakke [test-name]
 */
#include <stdlib.h>

#include <wolfssl/options.h>

#include "tid.h"

#ifndef WOLFCRYPT_HAVE_SAKKE

int
main(void)
{
	fprintf(stderr, "test_wolf_sakke: libwolfssl built without SAKKE "
	    "(WOLFCRYPT_HAVE_SAKKE), skipped\n");
	return 77;
}

#else /* WOLFCRYPT_HAVE_SAKKE */

#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sakke.h>

#include <openssl/bn.h>

#define WOLF_N_DEFAULT	64
#define ID_LEN		32

/* RFC 6508 Appendix A (mcx-kms.md 6.9), as in test_sakke.c. */
static const char v_z_s[] = "AFF429D35F84B110D094803B3595A6E2998BC99F";
static const char v_ssv[] = "123456789ABCDEF0123456789ABCDEF0";
static const char v_H[] = "89E0BC661AA1E91638E6ACC84E496507";
static const uint8_t v_id[] = "2011-02\0tel:+447700900123";	/* + NUL */
#define V_ID_LEN	26
static const char v_rfc_rsk[] =
    "0493AF67E5007BA6E6A80DA793DA300FA4B52D0A74E25E6E7B2B3D6EE9D18A"
    "9B5C5023597BD82D8062D34019563BA1D25C0DC56B7B979D74AA50F29FBF11CC"
    "2C93F5DFCA615E609279F6175CEADB00B58C6BEE1E7A2A47C4F0C456F05259A6"
    "FA94A634A40DAE1DF593D4FECF688D5FC678BE7EFC6DF3D6835325B83B2C6E69"
    "036B155F0A27241094B04BFB0BDFAC6C670A65C325D39A069F03659D44CA27D3"
    "BE8DF311172B554160181CBE94A2A783320CED590BC42644702CF371271E496B"
    "F20F588B78A1BC01ECBB6559934BDD2FB65D2884318A33D1A42ADF5E33CC5800"
    "280B28356497F87135BAB9612A17260424409AC15FEE996B744C332151235DEC"
    "B0F5";
static const char v_rfc_R[] =
    "0444E8AD44AB8592A6A5A3DDCA5CF896C718043606A01D650DEF37A01F37C2"
    "28C332FC317354E2C274D4DAF8AD001054C76CE57971C6F4486D5723043261C5"
    "06EBF5BE438F53DE04F067C776E0DD3B71A6290133283725A532F21AF145126D"
    "C1D777ECC27BE50835BD28098B8A73D9F801D893793A41FF5C49B87E79F2BE4D"
    "56CE557E134AD85BB1D4B9CE4F8BE4B08A12BABF55B1D6F1D7A638019EA28E15"
    "AB1C9F76375FDD1210D4F4351B9A009486B7F3ED46C965DED2D80DADE4F38C67"
    "21D52C3AD103A10EBD2959248B4EF006836BF097448E6107C9EDEE9FB704823D"
    "F199F832C905AE45F8A247A072D8EF729EABC5E27574B07739B34BE74A532F74"
    "7B86";
/* mcx-kms.md 6.10: the UID of sip:user@example.org, its RSK and SED. */
static const char v_uid[] =
    "74E2AF803AB5D72841BBCED0CE319FFE64F6FE23C88A2D258AABCF6AC5658EF4";
static const char v_uid_rsk[] =
    "049668289CEF69541FA6DCD148E96E9F1ABC7813A57790DC9E80B5F61ED3FD15"
    "5AFC7DEE7F6C69E2B1AA987157A9CFA2EE926F97679BFBBE4C6E9DCD7B811C7C"
    "B1DDD5814E3CD6C58E89E7FF7F46F024BBE1176C0A811CCA8BD5A8FD58CAA6C8"
    "67320D32DAF434287B98759EAAB0F37F49A6DE21A5D84EDFD361667FF11C2AFA"
    "D968E5397DCC064B595C5BBBAC0E947AE3CA80F1A93B61485F993437ED6133B5"
    "42B226B092B9CD7CA1DAB794D580160420852F7B5754E7675149262FA48D0F27"
    "DD72C094A1B4E5CAD5B26D74240841D860C7BBCDDE74BD51C20F9B68F6A7C519"
    "8032CD10F7AA672CE323D948A5A0AABB74F507F986E5BCE2E3EDAFFBE2C0F4AE"
    "7F";
static const char v_uid_sed[] =
    "044EC2F805AB8BDBE52BEB412ECB7A6227E6D809ADB5750BF79E1323D85DB44D"
    "879AD7843C3995A4B6CB438BD72F351ED587ABC964EB2873F69C6539567381E9"
    "87A66057C820B7861614E2C0447CFEAE1D803F54E6DF6D2BF2EE556FED97EE01"
    "D1D877FD605ACE8CFB7A8EBA0109865EE4B865A213B6A77EDCBDBE976EC58060"
    "A6943B35136E46A7430BC8FAF465D4D411CB84E6A48EAA7DE41F3614AE83D518"
    "14DBCF78CCA9F39EA5C892A17E85AA20C7CE58900A2C48387DA8EFE69E01C730"
    "5E3A7FB846E58B4C76B201F72FBD9BF093796F51C0E8170603C13516BD5093FD"
    "234B5E838746BADAADA48CCB2474576CE4CED8A108B26D6939AB34065A41B435"
    "45CAF35F3B195892804E0C0FFED24520F2";

/*
 * One KMS key on both sides: z_S and our Z_S; wolfSSL's KMS key (z_S
 * only) and a client key holding only wolfSSL's Z_S, as a real client.
 * Two objects because of wolfSSL 5.5.4 (Debian 12): wc_ValidateSakkeRsk
 * overwrites the private key stored in its SakkeKey, so an RSK or Z_S
 * derived from that object afterwards is wrong (seen: z_S exported after
 * a validation differs from the one imported).
 */
struct wolf {
	SakkeKey	 kms;
	SakkeKey	 cli;
	ecc_point	*pt;
	uint8_t		 z[SAKKE_SCALAR_LEN];
	uint8_t		 zs[SAKKE_POINT_LEN];	/* ours */
};

static int	wolf_n(void);
static void	random_z(uint8_t *);
static void	wolf_init(struct wolf *);
static void	wolf_free(struct wolf *);
static void	wolf_kms(struct wolf *);
static void	wolf_rsk(struct wolf *, const uint8_t *, size_t, uint8_t *);
static void	wolf_encap(struct wolf *, const uint8_t *, const uint8_t *,
		    size_t, uint8_t *);
static int	wolf_derive(struct wolf *, const uint8_t *, const uint8_t *,
		    size_t, const uint8_t *, uint8_t *);

static int
wolf_n(void)
{
	const char	*s = getenv("CRYPTO_WOLF_N");
	long		 n;

	if (s == NULL || (n = strtol(s, NULL, 10)) <= 0 || n > 1000000)
		return WOLF_N_DEFAULT;
	return (int)n;
}

/* A uniform z_S in [1, q-1], 128 octets big endian. */
static void
random_z(uint8_t *z)
{
	BIGNUM	*q = BN_bin2bn(sakke_q, SAKKE_SCALAR_LEN, NULL);
	BIGNUM	*k = BN_new();

	assert_non_null(q);
	assert_non_null(k);
	do {
		assert_int_equal(BN_rand_range(k, q), 1);
	} while (BN_is_zero(k));
	assert_int_equal(BN_bn2binpad(k, z, SAKKE_SCALAR_LEN),
	    SAKKE_SCALAR_LEN);
	BN_free(k);
	BN_free(q);
}

static void
wolf_init(struct wolf *w)
{
	memset(w, 0, sizeof(*w));
	assert_int_equal(wc_InitSakkeKey(&w->kms, NULL, INVALID_DEVID), 0);
	assert_int_equal(wc_InitSakkeKey(&w->cli, NULL, INVALID_DEVID), 0);
	assert_non_null(w->pt = wc_ecc_new_point());
}

static void
wolf_free(struct wolf *w)
{
	wc_ecc_del_point(w->pt);
	wc_FreeSakkeKey(&w->cli);
	wc_FreeSakkeKey(&w->kms);
}

/*
 * w->z set: our Z_S = sakke_pubkey(z_S); wolfSSL's from the imported
 * private key (wc_MakeSakkePublicKey, encoded 04 || x || y); they must
 * be equal.  wolfSSL's Z_S is then the client key's public key
 * (validated import, trusted = 0).
 */
static void
wolf_kms(struct wolf *w)
{
	uint8_t	 wz[SAKKE_POINT_LEN + 8];
	word32	 sz = sizeof(wz);

	assert_int_equal(sakke_pubkey(w->z, w->zs), CRYPTO_OK);
	assert_int_equal(wc_ImportSakkePrivateKey(&w->kms, w->z,
	    SAKKE_SCALAR_LEN), 0);
	assert_int_equal(wc_MakeSakkePublicKey(&w->kms, w->pt), 0);
	/* The RSK encoder is wolfSSL's only public encoder of a point. */
	assert_int_equal(wc_EncodeSakkeRsk(&w->kms, w->pt, wz, &sz, 0), 0);
	assert_int_equal(sz, SAKKE_POINT_LEN);
	assert_memory_equal(wz, w->zs, SAKKE_POINT_LEN);
	assert_int_equal(wc_ImportSakkePublicKey(&w->cli, wz, sz, 0), 0);
}

/* wolfSSL's RSK for id (wc_MakeSakkeRsk), 04 || x || y. */
static void
wolf_rsk(struct wolf *w, const uint8_t *id, size_t id_len, uint8_t *out)
{
	word32	 sz = SAKKE_RSK_LEN;

	assert_int_equal(wc_MakeSakkeRsk(&w->kms, id, (word16)id_len, w->pt),
	    0);
	assert_int_equal(wc_EncodeSakkeRsk(&w->kms, w->pt, out, &sz, 0), 0);
	assert_int_equal(sz, SAKKE_RSK_LEN);
}

/* wolfSSL encapsulates ssv to id under its public key: sed = R || H. */
static void
wolf_encap(struct wolf *w, const uint8_t *ssv, const uint8_t *id,
    size_t id_len, uint8_t *sed)
{
	word16	 auth_sz = SAKKE_POINT_LEN;

	assert_int_equal(wc_SetSakkeIdentity(&w->cli, id, (word16)id_len), 0);
	memcpy(sed + SAKKE_POINT_LEN, ssv, SAKKE_SSV_LEN);
	assert_int_equal(wc_MakeSakkeEncapsulatedSSV(&w->cli,
	    WC_HASH_TYPE_SHA256, sed + SAKKE_POINT_LEN, SAKKE_SSV_LEN, sed,
	    &auth_sz), 0);
	assert_int_equal(auth_sz, SAKKE_POINT_LEN);
}

/*
 * wolfSSL derives the SSV of sed for id with rsk (ours): returns
 * wolfSSL's status (0 or its error), the SSV in ssv on 0.  The RSK is
 * set with wc_DecodeSakkeRsk + wc_SetSakkeRsk: in wolfSSL 5.5.4
 * wc_ImportSakkeRsk returns 0 but leaves the key's "RSK set" flag clear,
 * and wc_DeriveSakkeSSV then fails with BAD_STATE_E.
 */
static int
wolf_derive(struct wolf *w, const uint8_t *rsk, const uint8_t *id,
    size_t id_len, const uint8_t *sed, uint8_t *ssv)
{
	assert_int_equal(wc_DecodeSakkeRsk(&w->cli, rsk, SAKKE_RSK_LEN,
	    w->pt), 0);
	assert_int_equal(wc_SetSakkeRsk(&w->cli, w->pt, NULL, 0), 0);
	assert_int_equal(wc_SetSakkeIdentity(&w->cli, id, (word16)id_len), 0);
	memcpy(ssv, sed + SAKKE_POINT_LEN, SAKKE_SSV_LEN);
	return wc_DeriveSakkeSSV(&w->cli, WC_HASH_TYPE_SHA256, ssv,
	    SAKKE_SSV_LEN, sed, SAKKE_POINT_LEN);
}

/* Z_S: random z_S through both; master keys wolfSSL makes itself. */
static void
test_wolf_sakke_pubkey(void **state)
{
	struct wolf	 w;
	WC_RNG		 rng;
	uint8_t		 wz[SAKKE_POINT_LEN];
	word32		 sz;
	int		 i, n = wolf_n();

	(void)state;
	for (i = 0; i < 4 * n; i++) {
		wolf_init(&w);
		random_z(w.z);
		wolf_kms(&w);
		wolf_free(&w);
	}
	assert_int_equal(wc_InitRng(&rng), 0);
	for (i = 0; i < n; i++) {
		wolf_init(&w);
		assert_int_equal(wc_MakeSakkeKey(&w.kms, &rng), 0);
		sz = sizeof(w.z);
		assert_int_equal(wc_ExportSakkePrivateKey(&w.kms, w.z, &sz),
		    0);
		assert_int_equal(sz, SAKKE_SCALAR_LEN);
		sz = sizeof(wz);
		assert_int_equal(wc_ExportSakkePublicKey(&w.kms, wz, &sz, 0),
		    0);
		assert_int_equal(sz, SAKKE_POINT_LEN);
		assert_int_equal(sakke_pubkey(w.z, w.zs), CRYPTO_OK);
		assert_memory_equal(w.zs, wz, SAKKE_POINT_LEN);
		wolf_free(&w);
	}
	wc_FreeRng(&rng);
}

/* RSK: ours equals wolfSSL's octet for octet and validates in wolfSSL. */
static void
test_wolf_sakke_rsk(void **state)
{
	struct wolf	 w;
	uint8_t		 id[ID_LEN], rsk[SAKKE_RSK_LEN], wrsk[SAKKE_RSK_LEN];
	int		 i, j, valid, n = wolf_n();

	(void)state;
	for (i = 0; i < n; i++) {
		wolf_init(&w);
		random_z(w.z);
		wolf_kms(&w);
		for (j = 0; j < 4; j++) {
			assert_int_equal(RAND_bytes(id, sizeof(id)), 1);
			assert_int_equal(sakke_rsk(w.z, id, sizeof(id), rsk),
			    CRYPTO_OK);
			wolf_rsk(&w, id, sizeof(id), wrsk);
			assert_memory_equal(rsk, wrsk, SAKKE_RSK_LEN);
			if (j > 0)	/* one pairing per key is enough */
				continue;
			assert_int_equal(wc_DecodeSakkeRsk(&w.cli, rsk,
			    SAKKE_RSK_LEN, w.pt), 0);
			valid = 0;
			assert_int_equal(wc_ValidateSakkeRsk(&w.cli, id,
			    sizeof(id), w.pt, &valid), 0);
			assert_int_equal(valid, 1);
			/* Not another identity's. */
			id[ID_LEN - 1] ^= 1;
			valid = 1;
			assert_int_equal(wc_ValidateSakkeRsk(&w.cli, id,
			    sizeof(id), w.pt, &valid), 0);
			assert_int_equal(valid, 0);
		}
		wolf_free(&w);
	}
}

/*
 * wolfSSL encapsulates to the identity: our RSK decapsulates it, and our
 * own encapsulation of the same SSV is the same SED.
 */
static void
test_wolf_sakke_theirs(void **state)
{
	struct wolf	 w;
	uint8_t		 id[ID_LEN], rsk[SAKKE_RSK_LEN];
	uint8_t		 ssv[SAKKE_SSV_LEN], got[SAKKE_SSV_LEN];
	uint8_t		 sed[SAKKE_SED_LEN], ours[SAKKE_SED_LEN];
	int		 i, n = wolf_n();

	(void)state;
	for (i = 0; i < n; i++) {
		wolf_init(&w);
		random_z(w.z);
		wolf_kms(&w);
		assert_int_equal(RAND_bytes(id, sizeof(id)), 1);
		assert_int_equal(RAND_bytes(ssv, sizeof(ssv)), 1);
		assert_int_equal(sakke_rsk(w.z, id, sizeof(id), rsk),
		    CRYPTO_OK);
		wolf_encap(&w, ssv, id, sizeof(id), sed);
		assert_int_equal(sakke_decapsulate(sed, id, sizeof(id), rsk,
		    w.zs, got), CRYPTO_OK);
		assert_memory_equal(got, ssv, sizeof(ssv));
		assert_int_equal(sakke_encapsulate(ssv, id, sizeof(id), w.zs,
		    ours), CRYPTO_OK);
		assert_memory_equal(ours, sed, SAKKE_SED_LEN);
		wolf_free(&w);
	}
}

/* We encapsulate: wolfSSL derives the SSV with our RSK. */
static void
test_wolf_sakke_ours(void **state)
{
	struct wolf	 w;
	uint8_t		 id[ID_LEN], rsk[SAKKE_RSK_LEN];
	uint8_t		 ssv[SAKKE_SSV_LEN], got[SAKKE_SSV_LEN];
	uint8_t		 sed[SAKKE_SED_LEN];
	int		 i, n = wolf_n();

	(void)state;
	for (i = 0; i < n; i++) {
		wolf_init(&w);
		random_z(w.z);
		wolf_kms(&w);
		assert_int_equal(RAND_bytes(id, sizeof(id)), 1);
		assert_int_equal(RAND_bytes(ssv, sizeof(ssv)), 1);
		assert_int_equal(sakke_rsk(w.z, id, sizeof(id), rsk),
		    CRYPTO_OK);
		assert_int_equal(sakke_encapsulate(ssv, id, sizeof(id), w.zs,
		    sed), CRYPTO_OK);
		assert_int_equal(wolf_derive(&w, rsk, id, sizeof(id), sed,
		    got), 0);
		assert_memory_equal(got, ssv, sizeof(ssv));
		wolf_free(&w);
	}
}

/*
 * Tampered SEDs (ours and wolfSSL's): a bit of H, a bit of R (off the
 * curve), R replaced by another point of the group (Z_S), and the right
 * SED under another identity.  Both sides reject every one: ours with
 * CRYPTO_ERR_VERIFY or CRYPTO_ERR_POINT (SSV zeroed), wolfSSL with
 * SAKKE_VERIFY_FAIL_E (or another error for the off-curve R).
 */
static void
test_wolf_sakke_tampered(void **state)
{
	struct wolf	 w;
	uint8_t		 id[ID_LEN], id2[ID_LEN], rsk[SAKKE_RSK_LEN];
	uint8_t		 ssv[SAKKE_SSV_LEN], got[SAKKE_SSV_LEN];
	uint8_t		 zero[SAKKE_SSV_LEN], sed[SAKKE_SED_LEN];
	uint8_t		 bad[SAKKE_SED_LEN];
	int		 i, k, rc, n = wolf_n() / 5 + 2;

	(void)state;
	memset(zero, 0, sizeof(zero));
	for (i = 0; i < n; i++) {
		wolf_init(&w);
		random_z(w.z);
		wolf_kms(&w);
		assert_int_equal(RAND_bytes(id, sizeof(id)), 1);
		assert_int_equal(RAND_bytes(ssv, sizeof(ssv)), 1);
		memcpy(id2, id, sizeof(id2));
		id2[0] ^= 0x80;
		assert_int_equal(sakke_rsk(w.z, id, sizeof(id), rsk),
		    CRYPTO_OK);
		if (i & 1)
			wolf_encap(&w, ssv, id, sizeof(id), sed);
		else
			assert_int_equal(sakke_encapsulate(ssv, id, sizeof(id),
			    w.zs, sed), CRYPTO_OK);
		/* The untouched SED passes both. */
		assert_int_equal(wolf_derive(&w, rsk, id, sizeof(id), sed,
		    got), 0);
		assert_memory_equal(got, ssv, sizeof(ssv));
		for (k = 0; k < 4; k++) {
			const uint8_t	*bid = k == 3 ? id2 : id;
			int		 want = k == 1 ? CRYPTO_ERR_POINT :
			    CRYPTO_ERR_VERIFY;

			memcpy(bad, sed, sizeof(bad));
			if (k == 0)		/* H */
				bad[SAKKE_POINT_LEN + (size_t)i %
				    SAKKE_SSV_LEN] ^= 0x01;
			else if (k == 1)	/* R off the curve */
				bad[1 + (size_t)i % (2 * SAKKE_FP_LEN)] ^=
				    0x10;
			else if (k == 2)	/* R another group point */
				memcpy(bad, w.zs, SAKKE_POINT_LEN);
			memset(got, 0xa5, sizeof(got));
			assert_int_equal(sakke_decapsulate(bad, bid, ID_LEN,
			    rsk, w.zs, got), want);
			assert_memory_equal(got, zero, sizeof(zero));
			rc = wolf_derive(&w, rsk, bid, ID_LEN, bad, got);
			if (k != 1)
				assert_int_equal(rc, SAKKE_VERIFY_FAIL_E);
			else
				assert_int_not_equal(rc, 0);
		}
		wolf_free(&w);
	}
}

/*
 * RFC 6508 Appendix A and the mcx-kms.md 6.10 UID vector through
 * wolfSSL: its RSKs and SEDs are the published ones, it derives the
 * SSV, validates the RSKs, and our decapsulation takes its SEDs.
 */
static void
test_wolf_sakke_rfc6508(void **state)
{
	struct wolf	 w;
	uint8_t		 uid[ID_LEN], want[SAKKE_SED_LEN], sed[SAKKE_SED_LEN];
	uint8_t		 rsk[SAKKE_RSK_LEN], wrsk[SAKKE_RSK_LEN];
	uint8_t		 ssv[SAKKE_SSV_LEN], got[SAKKE_SSV_LEN];
	int		 valid;

	(void)state;
	wolf_init(&w);
	memset(w.z, 0, sizeof(w.z));
	assert_int_equal(tid_hex(v_z_s, w.z + SAKKE_SCALAR_LEN -
	    strlen(v_z_s) / 2, SAKKE_SCALAR_LEN), strlen(v_z_s) / 2);
	wolf_kms(&w);
	assert_int_equal(tid_hex(v_ssv, ssv, sizeof(ssv)), SAKKE_SSV_LEN);

	/* RFC 6508: identity "2011-02\0tel:+447700900123\0". */
	assert_int_equal(tid_hex(v_rfc_rsk, rsk, sizeof(rsk)), SAKKE_RSK_LEN);
	wolf_rsk(&w, v_id, V_ID_LEN, wrsk);
	assert_memory_equal(wrsk, rsk, SAKKE_RSK_LEN);
	assert_int_equal(wc_DecodeSakkeRsk(&w.cli, rsk, SAKKE_RSK_LEN, w.pt),
	    0);
	valid = 0;
	assert_int_equal(wc_ValidateSakkeRsk(&w.cli, v_id, V_ID_LEN, w.pt,
	    &valid), 0);
	assert_int_equal(valid, 1);
	assert_int_equal(tid_hex(v_rfc_R, want, SAKKE_POINT_LEN),
	    SAKKE_POINT_LEN);
	assert_int_equal(tid_hex(v_H, want + SAKKE_POINT_LEN, SAKKE_SSV_LEN),
	    SAKKE_SSV_LEN);
	wolf_encap(&w, ssv, v_id, V_ID_LEN, sed);
	assert_memory_equal(sed, want, SAKKE_SED_LEN);
	assert_int_equal(wolf_derive(&w, rsk, v_id, V_ID_LEN, want, got), 0);
	assert_memory_equal(got, ssv, sizeof(ssv));
	assert_int_equal(sakke_decapsulate(sed, v_id, V_ID_LEN, rsk, w.zs,
	    got), CRYPTO_OK);
	assert_memory_equal(got, ssv, sizeof(ssv));

	/* mcx-kms.md 6.10: the UID of sip:user@example.org. */
	assert_int_equal(tid_hex(v_uid, uid, sizeof(uid)), ID_LEN);
	assert_int_equal(tid_hex(v_uid_rsk, rsk, sizeof(rsk)), SAKKE_RSK_LEN);
	assert_int_equal(tid_hex(v_uid_sed, want, sizeof(want)),
	    SAKKE_SED_LEN);
	wolf_rsk(&w, uid, sizeof(uid), wrsk);
	assert_memory_equal(wrsk, rsk, SAKKE_RSK_LEN);
	wolf_encap(&w, ssv, uid, sizeof(uid), sed);
	assert_memory_equal(sed, want, SAKKE_SED_LEN);
	assert_int_equal(wolf_derive(&w, rsk, uid, sizeof(uid), want, got), 0);
	assert_memory_equal(got, ssv, sizeof(ssv));
	wolf_free(&w);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wolf_sakke_rfc6508),
		cmocka_unit_test(test_wolf_sakke_pubkey),
		cmocka_unit_test(test_wolf_sakke_rsk),
		cmocka_unit_test(test_wolf_sakke_theirs),
		cmocka_unit_test(test_wolf_sakke_ours),
		cmocka_unit_test(test_wolf_sakke_tampered),
	};

	return tid_run("wolf_sakke", tests, sizeof(tests) / sizeof(tests[0]),
	    argc, argv);
}

#endif /* WOLFCRYPT_HAVE_SAKKE */
