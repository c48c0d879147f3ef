/*
 * test_mikey.c - MIKEY-SAKKE I_MESSAGE (RFC 6509, TS 33.180 Annex E):
 * the two interop messages of mcx-kms.md 7.5 / Appendix A (GMK and PCK,
 * Streamwide): parse, UIDs from the T payload, ECCSI signature under the
 * vector's KPAK, key recovery with the vector's RSK (when sakke.c has
 * sakke_decapsulate: KMS_HAVE_SAKKE_DECAP), associated parameters
 * decrypted; byte-exact rebuild; every truncation and random mutations
 * rejected (run the suite with -DKMS_SANITIZE=ON for over-reads).
 *
 * Usage: test_mikey [test-name-filter]
 */
#include <stdlib.h>

#include "tid.h"
#include "vectors.h"

#define N_MUTATIONS	3000

static uint8_t	 gmk_msg[1024], pck_msg[1024];
static size_t	 gmk_len, pck_len;

static void
load(void)
{
	gmk_len = tid_b64(sw_gmk_msg_b64, gmk_msg, sizeof(gmk_msg));
	pck_len = tid_b64(sw_pck_msg_b64, pck_msg, sizeof(pck_msg));
	assert_int_equal(gmk_len, 701);
	assert_int_equal(pck_len, 683);
}

/* UID of a Streamwide user for the key period of NTP time t (T payload). */
static void
sw_uid(size_t user, uint64_t t_ntp64, uint8_t uid[32])
{
	uint64_t	 no;

	assert_int_equal(key_period_no(t_ntp64 >> 32, SW_PERIOD, SW_OFFSET,
	    &no), CRYPTO_OK);
	assert_int_equal(no, SW_PERIOD_NO);
	assert_int_equal(uid_derive((const uint8_t *)sw_users[user].uri,
	    strlen(sw_users[user].uri), (const uint8_t *)SW_KMS_URI,
	    strlen(SW_KMS_URI), SW_PERIOD, SW_OFFSET, no, uid), CRYPTO_OK);
}

static void
assert_idr(const struct mikey_imsg *m, uint8_t role, const uint8_t *want,
    size_t len)
{
	const struct mikey_idr	*idr = mikey_imsg_idr(m, role);

	assert_non_null(idr);
	assert_int_equal(idr->type, MIKEY_ID_URI);
	assert_int_equal(idr->id.len, len);
	assert_memory_equal(idr->id.p, want, len);
}

/*
 * What a receiving client does with one message (notes 7.3-7.6): UIDs
 * from T and IDRkmsi/IDRkmsr, signature by the initiator, key recovery
 * by the responder, associated parameters under the recovered key.
 */
static void
check_vector(const uint8_t *msg, size_t len, size_t from, size_t to,
    const char *key_hex, uint32_t csb, const char *rand_hex, uint8_t ktype)
{
	struct mikey_imsg	 m;
	struct mikey_ap		 ap;
	const struct mikey_gext	*gx;
	uint8_t			 uid_i[32], uid_r[32], kpak[65], key[16];
	uint8_t			 want[64], pt[256];
	size_t			 n;

	assert_int_equal(mikey_imsg_parse(msg, len, &m), CRYPTO_OK);
	assert_int_equal(m.prf, MIKEY_PRF_HMAC_SHA256);
	assert_int_equal(m.csb_id, csb);
	assert_int_equal(m.t_ntp64, 0xec898da800000000ULL);
	n = tid_hex(rand_hex, want, sizeof(want));
	assert_int_equal(m.rand.len, n);
	assert_memory_equal(m.rand.p, want, n);
	/* Identity hiding (33.180 E.7): IDRuidi/IDRuidr carry the UIDs. */
	sw_uid(from, m.t_ntp64, uid_i);
	sw_uid(to, m.t_ntp64, uid_r);
	assert_idr(&m, MIKEY_IDR_UIDI, uid_i, 32);
	assert_idr(&m, MIKEY_IDR_UIDR, uid_r, 32);
	assert_idr(&m, MIKEY_IDR_KMSI, (const uint8_t *)SW_KMS_URI,
	    strlen(SW_KMS_URI));
	assert_idr(&m, MIKEY_IDR_KMSR, (const uint8_t *)SW_KMS_URI,
	    strlen(SW_KMS_URI));
	assert_int_equal(m.nidr, 4);
	assert_int_equal(m.nsp, 1);
	assert_int_equal(m.sakke_params, 1);
	assert_int_equal(m.sakke_scheme, MIKEY_SAKKE_SCHEME_UID);
	assert_ptr_equal(m.sig, msg + len - ECCSI_SIG_LEN);
	assert_int_equal(m.signed_len, len - ECCSI_SIG_LEN);

	/* Signature (7.3): initiator UID under the KMS's KPAK. */
	tid_hex(sw_pub_auth_key, kpak, 65);
	assert_int_equal(mikey_imsg_verify(&m, msg, kpak, uid_i, 32),
	    CRYPTO_OK);
	/* Not over the message without the SIGN header, nor as responder. */
	assert_int_equal(eccsi_verify(kpak, uid_i, 32, msg, m.signed_len - 2,
	    m.sig), CRYPTO_ERR_VERIFY);
	assert_int_equal(mikey_imsg_verify(&m, msg, kpak, uid_r, 32),
	    CRYPTO_ERR_VERIFY);

	/* Key recovery with the responder's RSK (RFC 6508 6.2.2). */
	tid_hex(key_hex, key, 16);
#ifdef KMS_HAVE_SAKKE_DECAP
	{
		uint8_t	 rsk[257], z[257], ssv[16];

		tid_hex(sw_users[to].rsk, rsk, sizeof(rsk));
		tid_hex(sw_pub_enc_key, z, sizeof(z));
		assert_int_equal(sakke_decapsulate(m.sakke_data, uid_r, 32,
		    rsk, z, ssv), CRYPTO_OK);
		assert_memory_equal(ssv, key, 16);
		/* The sender's RSK does not recover it. */
		tid_hex(sw_users[from].rsk, rsk, sizeof(rsk));
		assert_int_not_equal(sakke_decapsulate(m.sakke_data, uid_r,
		    32, rsk, z, ssv), CRYPTO_OK);
	}
#endif

	/* Associated parameters under the key (7.4). */
	assert_non_null(gx = mikey_imsg_gext(&m, MIKEY_GEXT_AP));
	assert_int_equal(mikey_ap_open(gx->data.p, gx->data.len, key, csb, &ap,
	    pt, sizeof(pt)), CRYPTO_OK);
	assert_int_equal(ap.dppk_id, csb);
	assert_int_equal(ap.key_type, ktype);
	assert_int_equal(ap.status, 1);
	assert_int_equal(ap.msg_type, 0x43);
	assert_int_equal(ap.text.len, 0);
	/* The wrong key is refused by the tag. */
	key[0] ^= 1;
	assert_int_equal(mikey_ap_open(gx->data.p, gx->data.len, key, csb, &ap,
	    pt, sizeof(pt)), CRYPTO_ERR_DECRYPT);
}

/* GMK message, GMS -> alice (7.5). */
static void
test_mikey_gmk_vector(void **state)
{
	struct mikey_imsg	 m;
	uint8_t			 gmk[16], want[8];
	uint32_t		 guk, gmk_id;
	const char		*alice = sw_users[SW_ALICE].uri;

	(void)state;
	load();
	check_vector(gmk_msg, gmk_len, SW_GMS, SW_ALICE, SW_GMK, SW_GUK_ID,
	    SW_GMK_RAND, KEY_PURPOSE_GMK);
	assert_int_equal(mikey_imsg_parse(gmk_msg, gmk_len, &m), CRYPTO_OK);
	/* HDR: GENERIC-ID, CS 4 (MCPTT group call), SPI GMK-ID || GUK-ID. */
	assert_int_equal(m.map_type, MIKEY_MAP_GENERIC);
	assert_int_equal(m.ncs, 1);
	assert_int_equal(m.cs[0].cs_id, 4);
	assert_int_equal(m.cs[0].prot, 0);
	tid_hex("0df9bc3906a12aea", want, 8);
	assert_int_equal(m.cs[0].spi.len, 8);
	assert_memory_equal(m.cs[0].spi.p, want, 8);
	/* The CSB ID is the GUK-ID of alice (5.3), and maps back. */
	tid_hex(SW_GMK, gmk, 16);
	assert_int_equal(guk_id_derive(gmk, 16, SW_GMK_ID,
	    (const uint8_t *)alice, strlen(alice), &guk), CRYPTO_OK);
	assert_int_equal(guk, m.csb_id);
	assert_int_equal(guk_id_derive(gmk, 16, m.csb_id,
	    (const uint8_t *)alice, strlen(alice), &gmk_id), CRYPTO_OK);
	assert_int_equal(gmk_id, SW_GMK_ID);
	assert_int_equal(m.ngext, 1);
	assert_int_equal(m.gext[0].data.len, 71);
}

/* PCK message, alice -> bob (Appendix A.2). */
static void
test_mikey_pck_vector(void **state)
{
	struct mikey_imsg	 m;

	(void)state;
	load();
	check_vector(pck_msg, pck_len, SW_ALICE, SW_BOB, SW_PCK, SW_PCK_ID,
	    SW_PCK_RAND, KEY_PURPOSE_PCK);
	assert_int_equal(mikey_imsg_parse(pck_msg, pck_len, &m), CRYPTO_OK);
	assert_int_equal(m.map_type, MIKEY_MAP_EMPTY);
	assert_int_equal(m.ncs, 0);
	assert_int_equal(KEY_ID_PURPOSE(m.csb_id), KEY_PURPOSE_PCK);
}

/* The vector's AP payload is reproduced byte for byte by mikey_ap_seal. */
static void
test_mikey_ap_reseal(void **state)
{
	const uint8_t		*msgs[2];
	size_t			 lens[2], i, n;
	const char		*keys[2] = { SW_GMK, SW_PCK };
	struct mikey_imsg	 m;
	struct mikey_ap		 ap;
	const struct mikey_gext	*gx;
	uint8_t			 key[16], pt[256], out[512];

	(void)state;
	load();
	msgs[0] = gmk_msg;
	msgs[1] = pck_msg;
	lens[0] = gmk_len;
	lens[1] = pck_len;
	for (i = 0; i < 2; i++) {
		assert_int_equal(mikey_imsg_parse(msgs[i], lens[i], &m),
		    CRYPTO_OK);
		gx = mikey_imsg_gext(&m, MIKEY_GEXT_AP);
		tid_hex(keys[i], key, 16);
		assert_int_equal(mikey_ap_open(gx->data.p, gx->data.len, key,
		    m.csb_id, &ap, pt, sizeof(pt)), CRYPTO_OK);
		assert_int_equal(mikey_ap_seal(&ap, key, out, sizeof(out),
		    &n), CRYPTO_OK);
		assert_int_equal(n, gx->data.len);
		assert_memory_equal(out, gx->data.p, n);
		/* Too little room, at every size. */
		for (; n-- > 0;)
			assert_int_not_equal(mikey_ap_seal(&ap, key, out, n,
			    &n), CRYPTO_OK);
	}
}

/* AP: text and group IDs round trip; every tampering is refused. */
static void
test_mikey_ap(void **state)
{
	struct mikey_ap		 ap, got;
	uint8_t			 key[16], out[512], pt[512];
	uint8_t			 groups[] = { 0x01, 0x7b, 0x00, 0x03, 'g',
				    '@', 'x' };
	size_t			 n, i;
	const char		*text = "Group sip:g@x, GMK for October";

	(void)state;
	memset(&ap, 0, sizeof(ap));
	ap.msg_type = 0x43;
	ap.date_time = 0x0123456789ULL;
	ap.payload_id = 7;
	ap.iv[0] = 9;
	ap.dppk_id = 0x0aabbccd;
	ap.key_type = KEY_PURPOSE_GMK;
	ap.status = 1;
	ap.activation = 0xec898da8ULL;
	ap.expiry = 0xed898da8ULL;
	ap.text.p = (const uint8_t *)text;
	ap.text.len = strlen(text);
	ap.groups.p = groups;
	ap.groups.len = sizeof(groups);
	tid_hex(SW_GMK, key, 16);
	assert_int_equal(mikey_ap_seal(&ap, key, out, sizeof(out), &n),
	    CRYPTO_OK);
	assert_int_equal(n, MIKEY_AP_HDR_LEN + 17 + strlen(text) + 2 +
	    sizeof(groups) + MIKEY_AP_TAG_LEN);
	assert_int_equal(mikey_ap_open(out, n, key, ap.dppk_id, &got, pt,
	    sizeof(pt)), CRYPTO_OK);
	assert_int_equal(got.activation, ap.activation);
	assert_int_equal(got.expiry, ap.expiry);
	assert_int_equal(got.date_time, ap.date_time);
	assert_int_equal(got.text.len, strlen(text));
	assert_memory_equal(got.text.p, text, strlen(text));
	assert_int_equal(got.groups.len, sizeof(groups));
	assert_memory_equal(got.groups.p, groups, sizeof(groups));
	/*
	 * Each octet flipped: the header is AAD or checked, the rest MAC'd,
	 * except the payload-type octet (offset 32), which the deployed
	 * format leaves outside the AAD (notes 7.4): it is reported as is.
	 */
	for (i = 0; i < n; i++) {
		if (i == 32)
			continue;
		out[i] ^= 0x10;
		assert_int_not_equal(mikey_ap_open(out, n, key, ap.dppk_id,
		    &got, pt, sizeof(pt)), CRYPTO_OK);
		out[i] ^= 0x10;
	}
	/* Truncated, extended, wrong DPPK-ID, small plaintext buffer. */
	for (i = 0; i < n; i++)
		assert_int_not_equal(mikey_ap_open(out, i, key, ap.dppk_id,
		    &got, pt, sizeof(pt)), CRYPTO_OK);
	assert_int_equal(mikey_ap_open(out, n + 1, key, ap.dppk_id, &got, pt,
	    sizeof(pt)), CRYPTO_ERR_FORMAT);
	assert_int_equal(mikey_ap_open(out, n, key, ap.dppk_id ^ 1, &got, pt,
	    sizeof(pt)), CRYPTO_ERR_FORMAT);
	assert_int_equal(mikey_ap_open(out, n, key, ap.dppk_id, &got, pt, 10),
	    CRYPTO_ERR_SPACE);
	/* Out-of-range fields are not sealed. */
	ap.activation = 1ULL << 40;
	assert_int_equal(mikey_ap_seal(&ap, key, out, sizeof(out), &n),
	    CRYPTO_ERR_ARGS);
}

/* Our SSK for a Streamwide user, as the RFC's KSAK would issue it. */
static void
our_keys(const uint8_t *uid, uint8_t *kpak, uint8_t *ssk, uint8_t *pvt,
    uint8_t *hs)
{
	uint8_t	 ksak[32];

	memset(ksak, 0, sizeof(ksak));
	ksak[29] = 0x01;
	ksak[30] = 0x23;
	ksak[31] = 0x45;
	assert_int_equal(eccsi_kpak(ksak, kpak), CRYPTO_OK);
	assert_int_equal(eccsi_ssk_pvt(ksak, kpak, uid, 32, tid_rand, NULL,
	    ssk, pvt, hs), CRYPTO_OK);
}

/*
 * Build from the parsed vectors: byte-identical up to the signature, and
 * our signature verifies (with our KPAK) while theirs does not apply.
 */
static void
test_mikey_rebuild(void **state)
{
	const uint8_t		*msgs[2];
	size_t			 lens[2], i, n, k;
	struct mikey_imsg	 m, m2;
	uint8_t			 uid[32], kpak[65], ssk[32], pvt[65], hs[32];
	uint8_t			 out[1024];

	(void)state;
	load();
	msgs[0] = gmk_msg;
	msgs[1] = pck_msg;
	lens[0] = gmk_len;
	lens[1] = pck_len;
	for (i = 0; i < 2; i++) {
		assert_int_equal(mikey_imsg_parse(msgs[i], lens[i], &m),
		    CRYPTO_OK);
		memcpy(uid, mikey_imsg_idr(&m, MIKEY_IDR_UIDI)->id.p, 32);
		our_keys(uid, kpak, ssk, pvt, hs);
		assert_int_equal(mikey_imsg_build(&m, ssk, pvt, hs, tid_rand,
		    NULL, out, sizeof(out), &n), CRYPTO_OK);
		assert_int_equal(n, lens[i]);
		assert_memory_equal(out, msgs[i], m.signed_len);
		assert_int_equal(mikey_imsg_parse(out, n, &m2), CRYPTO_OK);
		assert_int_equal(mikey_imsg_verify(&m2, out, kpak, uid, 32),
		    CRYPTO_OK);
		/* Smaller buffers: CRYPTO_ERR_SPACE, never a write past. */
		for (k = 0; k < n; k += (k < 40 || n - k < 140) ? 1 : 37)
			assert_int_equal(mikey_imsg_build(&m, ssk, pvt, hs,
			    tid_rand, NULL, out, k, &n), CRYPTO_ERR_SPACE);
	}
}

/*
 * A new PCK from alice to bob with alice's real Streamwide SSK: verifies
 * under the Streamwide KPAK; with SAKKE encapsulation available the PCK
 * goes to bob's UID and comes back with bob's RSK.
 */
static void
test_mikey_pck_roundtrip(void **state)
{
	struct mikey_imsg	 m, p;
	struct mikey_ap		 ap, got;
	uint8_t			 ua[32], ub[32], kpak[65], ssk[32], pvt[65];
	uint8_t			 hs[32], pck[16], rnd[16], sed[273];
	uint8_t			 gext[256], out[1024], pt[256], z[257];
	size_t			 n, glen;
	uint64_t		 t = (uint64_t)ntp_from_unix(1759448872) << 32;
	const char		*kms = SW_KMS_URI;

	(void)state;
	load();
	tid_hex(sw_pub_auth_key, kpak, 65);
	tid_hex(sw_pub_enc_key, z, sizeof(z));
	sw_uid(SW_ALICE, t, ua);
	sw_uid(SW_BOB, t, ub);
	tid_hex(sw_users[SW_ALICE].ssk, ssk, 32);
	tid_hex(sw_users[SW_ALICE].pvt, pvt, 65);
	assert_int_equal(eccsi_ssk_validate(kpak, ua, 32, ssk, pvt, hs),
	    CRYPTO_OK);
	assert_int_equal(RAND_bytes(pck, 16), 1);
	assert_int_equal(RAND_bytes(rnd, 16), 1);
#ifdef KMS_HAVE_SAKKE_DECAP
	assert_int_equal(sakke_encapsulate(pck, ub, 32, z, sed), CRYPTO_OK);
#else
	assert_int_equal(mikey_imsg_parse(pck_msg, pck_len, &p), CRYPTO_OK);
	memcpy(sed, p.sakke_data, sizeof(sed));
	tid_hex(SW_PCK, pck, 16);
#endif
	memset(&m, 0, sizeof(m));
	m.prf = MIKEY_PRF_HMAC_SHA256;
	m.csb_id = KEY_ID_MAKE(KEY_PURPOSE_PCK, 0x0badcafe);
	m.map_type = MIKEY_MAP_EMPTY;
	m.t_ntp64 = t;
	m.rand.p = rnd;
	m.rand.len = sizeof(rnd);
	m.nidr = 4;
	m.idr[0] = (struct mikey_idr){ MIKEY_IDR_UIDI, MIKEY_ID_URI,
	    { ua, 32 } };
	m.idr[1] = (struct mikey_idr){ MIKEY_IDR_UIDR, MIKEY_ID_URI,
	    { ub, 32 } };
	m.idr[2] = (struct mikey_idr){ MIKEY_IDR_KMSI, MIKEY_ID_URI,
	    { (const uint8_t *)kms, strlen(kms) } };
	m.idr[3] = (struct mikey_idr){ MIKEY_IDR_KMSR, MIKEY_ID_URI,
	    { (const uint8_t *)kms, strlen(kms) } };
	m.sakke_params = 1;
	m.sakke_scheme = MIKEY_SAKKE_SCHEME_UID;
	m.sakke_data = sed;
	memset(&ap, 0, sizeof(ap));
	ap.msg_type = 0x43;
	ap.dppk_id = m.csb_id;
	ap.key_type = KEY_PURPOSE_PCK;
	ap.status = 1;
	assert_int_equal(RAND_bytes(ap.iv, sizeof(ap.iv)), 1);
	assert_int_equal(mikey_ap_seal(&ap, pck, gext, sizeof(gext), &glen),
	    CRYPTO_OK);
	m.ngext = 1;
	m.gext[0].type = MIKEY_GEXT_AP;
	m.gext[0].data.p = gext;
	m.gext[0].data.len = glen;
	assert_int_equal(mikey_imsg_build(&m, ssk, pvt, hs, tid_rand, NULL,
	    out, sizeof(out), &n), CRYPTO_OK);

	/* Bob's side. */
	assert_int_equal(mikey_imsg_parse(out, n, &p), CRYPTO_OK);
	assert_int_equal(mikey_imsg_verify(&p, out, kpak,
	    mikey_imsg_idr(&p, MIKEY_IDR_UIDI)->id.p, 32), CRYPTO_OK);
#ifdef KMS_HAVE_SAKKE_DECAP
	{
		uint8_t	 rsk[257], ssv[16];

		tid_hex(sw_users[SW_BOB].rsk, rsk, sizeof(rsk));
		assert_int_equal(sakke_decapsulate(p.sakke_data, ub, 32, rsk,
		    z, ssv), CRYPTO_OK);
		assert_memory_equal(ssv, pck, 16);
	}
#endif
	assert_int_equal(mikey_ap_open(p.gext[0].data.p, p.gext[0].data.len,
	    pck, p.csb_id, &got, pt, sizeof(pt)), CRYPTO_OK);
	assert_int_equal(got.key_type, KEY_PURPOSE_PCK);
	/* A changed octet anywhere breaks the signature (or the parse). */
	out[n / 2] ^= 1;
	if (mikey_imsg_parse(out, n, &p) == CRYPTO_OK)
		assert_int_equal(mikey_imsg_verify(&p, out, kpak, ua, 32),
		    CRYPTO_ERR_VERIFY);
}

/* Exact-size heap copy, so ASan sees any read past the end. */
static uint8_t *
dup_exact(const uint8_t *p, size_t n)
{
	uint8_t	*d = malloc(n > 0 ? n : 1);

	assert_non_null(d);
	if (n > 0)
		memcpy(d, p, n);
	return d;
}

/* Every proper prefix, and one octet more, is CRYPTO_ERR_FORMAT. */
static void
test_mikey_truncations(void **state)
{
	const uint8_t		*msgs[2];
	size_t			 lens[2], i, n;
	struct mikey_imsg	 m;
	uint8_t			*d;

	(void)state;
	load();
	msgs[0] = gmk_msg;
	msgs[1] = pck_msg;
	lens[0] = gmk_len;
	lens[1] = pck_len;
	for (i = 0; i < 2; i++) {
		for (n = 0; n < lens[i]; n++) {
			d = dup_exact(msgs[i], n);
			assert_int_equal(mikey_imsg_parse(d, n, &m),
			    CRYPTO_ERR_FORMAT);
			assert_null(m.sig);
			free(d);
		}
		d = malloc(lens[i] + 1);
		assert_non_null(d);
		memcpy(d, msgs[i], lens[i]);
		d[lens[i]] = 0;
		assert_int_equal(mikey_imsg_parse(d, lens[i] + 1, &m),
		    CRYPTO_ERR_FORMAT);
		free(d);
	}
	assert_int_equal(mikey_imsg_parse(NULL, 0, &m), CRYPTO_ERR_FORMAT);
	assert_int_equal(mikey_imsg_parse(gmk_msg, MIKEY_MSG_MAX + 1, &m),
	    CRYPTO_ERR_FORMAT);
}

/*
 * Random mutations (1-4 octets changed, or an octet inserted or
 * deleted): each gives a parse error or a signature that fails.
 */
static void
test_mikey_mutations(void **state)
{
	const uint8_t		*msgs[2];
	size_t			 lens[2], i, k, n, pos;
	struct mikey_imsg	 m;
	uint8_t			 kpak[65], uid[2][32], buf[1024], r[8];
	uint8_t			*d;
	int			 parsed = 0;

	(void)state;
	load();
	msgs[0] = gmk_msg;
	msgs[1] = pck_msg;
	lens[0] = gmk_len;
	lens[1] = pck_len;
	tid_hex(sw_pub_auth_key, kpak, 65);
	sw_uid(SW_GMS, 0xec898da800000000ULL, uid[0]);
	sw_uid(SW_ALICE, 0xec898da800000000ULL, uid[1]);
	for (k = 0; k < N_MUTATIONS; k++) {
		i = k & 1;
		n = lens[i];
		memcpy(buf, msgs[i], n);
		assert_int_equal(RAND_bytes(r, sizeof(r)), 1);
		pos = ((size_t)r[0] << 8 | r[1]) % n;
		switch (r[2] % 4) {
		case 0:		/* insert */
			memmove(buf + pos + 1, buf + pos, n - pos);
			buf[pos] = r[3];
			n++;
			break;
		case 1:		/* delete */
			memmove(buf + pos, buf + pos + 1, n - pos - 1);
			n--;
			break;
		default:	/* change 1..4 octets near pos */
			buf[pos] ^= (uint8_t)(r[3] | 1);
			if (r[4] & 1)
				buf[(pos + r[5]) % n] ^= r[6];
			if (r[4] & 2)
				buf[(pos * 7 + r[7]) % n] ^= 0x80;
			break;
		}
		d = dup_exact(buf, n);
		if (mikey_imsg_parse(d, n, &m) == CRYPTO_OK) {
			parsed++;
			if (memcmp(d, msgs[i], n) != 0 || n != lens[i])
				assert_int_not_equal(mikey_imsg_verify(&m, d,
				    kpak, uid[i], 32), CRYPTO_OK);
		}
		free(d);
	}
	print_message("mutations: %d of %d parsed, all failed verify\n",
	    parsed, N_MUTATIONS);
}

/* Hand-made malformed messages hit each check of the parser. */
static void
test_mikey_malformed(void **state)
{
	struct mikey_imsg	 m;
	uint8_t			 buf[1024];
	size_t			 n;

	(void)state;
	load();
#define TRY(off, val) do {						\
		memcpy(buf, pck_msg, pck_len);				\
		buf[(off)] = (val);					\
		assert_int_equal(mikey_imsg_parse(buf, pck_len, &m),	\
		    CRYPTO_ERR_FORMAT);					\
	} while (0)
	n = pck_len;
	TRY(0, 2);		/* version */
	TRY(1, 27);		/* data type: SAKKE response */
	TRY(2, 11);		/* first payload not T */
	TRY(3, 0x81);		/* V = 1 */
	TRY(3, 0x02);		/* PRF 2 */
	TRY(8, 1);		/* #CS 1 with the empty map */
	TRY(9, 3);		/* map type 3 */
	TRY(11, 1);		/* TS type NTP (not NTP-UTC) */
	TRY(20, 15);		/* RAND shorter than 16 */
	TRY(38 + 1, 0);		/* IDR role 0 */
	TRY(38 + 1, 10);	/* IDR role 10 */
	TRY(75 + 1, 8);		/* IDR role 8 twice */
	TRY(38 + 2, 3);		/* IDR type 3 */
	TRY(202 + 1, 2);	/* SAKKE params 2 */
	TRY(202 + 2, 3);	/* SAKKE ID scheme 3 */
	TRY(202 + 4, 0x10);	/* SAKKE data length 272 */
	TRY(552, 0x12);		/* S type 1 */
	TRY(553, 0x80);		/* signature length 128 */
	TRY(480, 99);		/* next payload unknown */
	TRY(480, 0);		/* "last" before SIGN */
	TRY(480, 26);		/* a second SAKKE payload */
	TRY(170 + 4, 0x1c);	/* SP params length off by one */
#undef TRY
	assert_int_equal(n, pck_len);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mikey_gmk_vector),
		cmocka_unit_test(test_mikey_pck_vector),
		cmocka_unit_test(test_mikey_ap_reseal),
		cmocka_unit_test(test_mikey_ap),
		cmocka_unit_test(test_mikey_rebuild),
		cmocka_unit_test(test_mikey_pck_roundtrip),
		cmocka_unit_test(test_mikey_truncations),
		cmocka_unit_test(test_mikey_mutations),
		cmocka_unit_test(test_mikey_malformed),
	};

	return tid_run("mikey", tests, sizeof(tests) / sizeof(tests[0]),
	    argc, argv);
}
