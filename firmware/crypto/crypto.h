/*
 * crypto.h - the KMS's mathematics: SAKKE (RFC 6508, parameter set 1 of
 * RFC 6509) and ECCSI (RFC 6507 on P-256).
 *
 * Pure math: no I/O, no allocation visible to the caller, caller-provided
 * buffers of the fixed sizes below.  Depends on nothing but OpenSSL's
 * bignum, EC and hash primitives.
 *
 * Secret/public contract: arguments named secret_* are secret.  Functions
 * that take one run in time independent of its value and never index
 * memory by it (OpenSSL's constant-time ladder with BN_FLG_CONSTTIME and
 * secure-heap bignums; for SAKKE, the fixed-width arithmetic of fp1024.c,
 * proven with valgrind, docs/crypto.md).  Everything else is public.
 *
 * Returns: CRYPTO_OK (0) or a negative enum crypto_status.  Outputs are
 * wiped on failure.
 */
#ifndef CRYPTO_H
#define CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum crypto_status {
	CRYPTO_OK		=  0,
	CRYPTO_ERR_GENERAL	= -1,	/* library failure */
	CRYPTO_ERR_ARGS		= -2,	/* value out of range, bad length */
	CRYPTO_ERR_POINT	= -3,	/* not a valid point of the group */
	/* SAKKE (docs/crypto.md): */
	CRYPTO_ERR_FAULT	= -10,	/* a self-check of a secret derivation
					   failed; nothing was released */
	/* ECCSI, identities, MIKEY-SAKKE (docs/identities.md): */
	CRYPTO_ERR_VERIFY	= -20,	/* signature or key check failed */
	CRYPTO_ERR_RANDOM	= -21,	/* random source failed */
	CRYPTO_ERR_FORMAT	= -22,	/* malformed message or field */
	CRYPTO_ERR_SPACE	= -23,	/* output buffer too small */
	CRYPTO_ERR_DECRYPT	= -24,	/* AEAD tag mismatch */
};

/* SAKKE parameter set 1. */
#define SAKKE_FP_LEN		128	/* an element of F_p, big endian */
#define SAKKE_SCALAR_LEN	128	/* an integer mod q, big endian */
#define SAKKE_POINT_LEN		257	/* 04 || x || y */
#define SAKKE_PARAMETER_SET	1

/* ECCSI on P-256. */
#define ECCSI_SCALAR_LEN	32
#define ECCSI_POINT_LEN		65	/* 04 || x || y */

/* The group orders, big endian (public; used to draw master secrets). */
extern const uint8_t sakke_q[SAKKE_SCALAR_LEN];
extern const uint8_t eccsi_q[ECCSI_SCALAR_LEN];

/*
 * Z_S = [z_S]P, the KMS public encryption key (RFC 6508 section 2.2).
 * secret_z is in [1, q-1].
 */
enum crypto_status sakke_pubkey(const uint8_t secret_z[SAKKE_SCALAR_LEN],
		    uint8_t out[SAKKE_POINT_LEN]);

/* KPAK = [KSAK]G, the KMS public authentication key (RFC 6507 section 4.2). */
enum crypto_status eccsi_kpak(const uint8_t secret_ksak[ECCSI_SCALAR_LEN],
		    uint8_t out[ECCSI_POINT_LEN]);

/*
 * Public-point checks: the encoding is 04||x||y, the point is on the curve,
 * is not the point at infinity, and (SAKKE) has order q.
 */
bool		 sakke_point_is_valid(const uint8_t pt[SAKKE_POINT_LEN]);
bool		 eccsi_point_is_valid(const uint8_t pt[ECCSI_POINT_LEN]);

/*
 * Power-on known-answer tests: [q]P = O for parameter set 1, Z_S of
 * RFC 6508 Appendix A and KPAK of RFC 6507 Appendix A, and that both
 * pass the point checks.  Also builds the shared groups, so calling it
 * once at boot, before any thread starts, moves that cost out of the
 * first request.  Returns CRYPTO_OK or CRYPTO_ERR_GENERAL.
 */
enum crypto_status crypto_selftest(void);

/* ---------------------------------------------------------------------
 * SAKKE (RFC 6508) keys and client operations: sakke_ct.c, sakke_pair.c,
 * fp1024.c (docs/crypto.md).  sakke_pubkey above runs on the same
 * constant-time fixed-base path as sakke_rsk.
 */
#define SAKKE_RSK_LEN		SAKKE_POINT_LEN	/* K_(b,S), 04 || x || y */
#define SAKKE_SSV_LEN		16	/* n = 128 bits (RFC 6509 s. 2.1) */
#define SAKKE_SED_LEN		(SAKKE_POINT_LEN + SAKKE_SSV_LEN)
					/* R_(b,S) || H (RFC 6508 s. 4) */

/*
 * RSK = K_(b,S) = [(b + z_S)^-1 mod q]P (RFC 6508 section 6.1.1), b the
 * identity octets id as a big-endian integer (reduced mod q).  Constant
 * time in secret_z (no branch or memory index on it or on any value
 * derived from it).  Cheap fault checks run before the RSK is released:
 * t * t^-1 = 1 mod q, t - z_S = b mod q, RSK on E; the full check is
 * sakke_rsk_check() or sakke_rsk_validate().  CRYPTO_ERR_ARGS if z_S is
 * not in [1, q-1], id is empty or b + z_S = 0 mod q; CRYPTO_ERR_FAULT if a
 * check failed.  out is zero on failure.
 */
enum crypto_status sakke_rsk(const uint8_t secret_z[SAKKE_SCALAR_LEN],
		    const uint8_t *id, size_t id_len,
		    uint8_t out[SAKKE_RSK_LEN]);

/*
 * KMS-side check of an RSK before release: [b + z_S]RSK = P, one
 * constant-time variable-base multiplication (rsk and secret_z are
 * secret).  CRYPTO_OK or CRYPTO_ERR_VERIFY (or _ARGS).
 */
enum crypto_status sakke_rsk_check(const uint8_t secret_z[SAKKE_SCALAR_LEN],
		    const uint8_t *id, size_t id_len,
		    const uint8_t rsk[SAKKE_RSK_LEN]);

/*
 * Client-side RSK validation (RFC 6508 section 6.1.2): RSK and Z are
 * points of E, and <[b]P + Z, RSK> = g.  Constant time in rsk.
 * CRYPTO_OK, CRYPTO_ERR_POINT or CRYPTO_ERR_VERIFY.
 */
enum crypto_status sakke_rsk_validate(const uint8_t rsk[SAKKE_RSK_LEN],
		    const uint8_t *id, size_t id_len,
		    const uint8_t Z[SAKKE_POINT_LEN]);

/*
 * Sender (RFC 6508 section 6.2.1): r = HashToIntegerRange(SSV || b, q),
 * R_(b,S) = [r]([b]P + Z), H = SSV xor HashToIntegerRange(g^r, 2^n);
 * out = R_(b,S) || H.  Constant time in ssv and r.
 */
enum crypto_status sakke_encapsulate(const uint8_t ssv[SAKKE_SSV_LEN],
		    const uint8_t *id, size_t id_len,
		    const uint8_t Z[SAKKE_POINT_LEN],
		    uint8_t out[SAKKE_SED_LEN]);

/*
 * Receiver (RFC 6508 section 6.2.2): w = <R_(b,S), RSK>,
 * SSV = H xor HashToIntegerRange(w, 2^n), accepted only if
 * [HashToIntegerRange(SSV || b, q)]([b]P + Z) = R_(b,S).  Constant time in
 * rsk and the SSV.  CRYPTO_ERR_VERIFY (ssv_out zeroed) if the check fails.
 */
enum crypto_status sakke_decapsulate(const uint8_t sed[SAKKE_SED_LEN],
		    const uint8_t *id, size_t id_len,
		    const uint8_t rsk[SAKKE_RSK_LEN],
		    const uint8_t Z[SAKKE_POINT_LEN],
		    uint8_t ssv_out[SAKKE_SSV_LEN]);

/*
 * The pairing <R, Q> of RFC 6508 section 3.2 in its 128-octet
 * representation (mcx-kms.md 6.4); <P, P> = g.  Both points must be on E
 * (CRYPTO_ERR_POINT otherwise).  Constant time in Q.
 */
enum crypto_status sakke_pairing(const uint8_t R[SAKKE_POINT_LEN],
		    const uint8_t Q[SAKKE_POINT_LEN],
		    uint8_t out[SAKKE_FP_LEN]);

/*
 * HashToIntegerRange(s, n) with SHA-256 (RFC 6508 section 5.1) for the
 * two ranges SAKKE uses: n = q (out_len = SAKKE_SCALAR_LEN) and n = 2^128
 * (out_len = SAKKE_SSV_LEN).  Big-endian output.  CRYPTO_ERR_ARGS for any
 * other out_len.
 */
enum crypto_status sakke_hash_to_range(const uint8_t *s, size_t s_len,
		    uint8_t *out, size_t out_len);

/* ---------------------------------------------------------------------
 * ECCSI (RFC 6507): per-identity keys, sign, verify.  eccsi_ssk.c.
 * docs/identities.md has the design notes.
 */
#define ECCSI_HASH_LEN		32	/* SHA-256 (RFC 6509 section 2.1) */
#define ECCSI_SIG_LEN		129	/* r (32) || s (32) || PVT (65) */
#define ECCSI_DRAW_MAX		16	/* draws of v or j before giving up */

/*
 * A random source: fills out with len octets from a cryptographic
 * generator (in kmsd, the HSM's).  Returns 0, or negative on failure.
 * Called once per candidate; candidates outside [1, q-1] are drawn again
 * (at most ECCSI_DRAW_MAX times, each rejected with probability ~2^-32).
 * The octets it writes are secret.
 */
typedef int	(*crypto_rand_fn)(void *arg, uint8_t *out, size_t len);

/*
 * KMS side, RFC 6507 section 5.1.1: draws v from rnd, PVT = [v]G,
 * HS = SHA-256(G || KPAK || ID || PVT), SSK = (KSAK + HS*v) mod q, and
 * before returning checks [SSK]G = KPAK + [HS]PVT (section 5.1.2).  kpak
 * must be [KSAK]G (a mismatch fails that check: CRYPTO_ERR_VERIFY).
 * id is the octet string ID (for 33.180, the 32-octet UID).  Constant
 * time in secret_ksak and v (v lives only on this function's stack and
 * in secure-heap bignums, wiped before return).  On failure every
 * output is wiped.
 */
enum crypto_status eccsi_ssk_pvt(const uint8_t secret_ksak[ECCSI_SCALAR_LEN],
		    const uint8_t kpak[ECCSI_POINT_LEN], const uint8_t *id,
		    size_t id_len, crypto_rand_fn rnd, void *rnd_arg,
		    uint8_t secret_ssk[ECCSI_SCALAR_LEN],
		    uint8_t pvt[ECCSI_POINT_LEN], uint8_t hs[ECCSI_HASH_LEN]);

/*
 * Client side, RFC 6507 section 5.1.2: PVT is a valid point, HS is
 * recomputed into hs (may be NULL) and [SSK]G = KPAK + [HS]PVT.
 * Constant time in secret_ssk.  CRYPTO_OK or CRYPTO_ERR_VERIFY/_POINT.
 */
enum crypto_status eccsi_ssk_validate(const uint8_t kpak[ECCSI_POINT_LEN],
		    const uint8_t *id, size_t id_len,
		    const uint8_t secret_ssk[ECCSI_SCALAR_LEN],
		    const uint8_t pvt[ECCSI_POINT_LEN], uint8_t hs[ECCSI_HASH_LEN]);

/*
 * RFC 6507 section 5.2.1: SIG = r || s || PVT over msg, with j drawn from
 * rnd (tests pass a source that returns the RFC's j).  hs is the HS of
 * (KPAK, ID, PVT) from eccsi_ssk_pvt or eccsi_ssk_validate.  Constant
 * time in secret_ssk and j.
 */
enum crypto_status eccsi_sign(const uint8_t secret_ssk[ECCSI_SCALAR_LEN],
		    const uint8_t pvt[ECCSI_POINT_LEN],
		    const uint8_t hs[ECCSI_HASH_LEN], const uint8_t *msg,
		    size_t msg_len, crypto_rand_fn rnd, void *rnd_arg,
		    uint8_t sig[ECCSI_SIG_LEN]);

/*
 * RFC 6507 section 5.2.2: CRYPTO_OK iff sig is a valid signature of msg
 * by identity id under kpak; otherwise CRYPTO_ERR_VERIFY (or _POINT for
 * a bad PVT or KPAK).  All inputs public; variable time.
 */
enum crypto_status eccsi_verify(const uint8_t kpak[ECCSI_POINT_LEN],
		    const uint8_t *id, size_t id_len, const uint8_t *msg,
		    size_t msg_len, const uint8_t sig[ECCSI_SIG_LEN]);

/* ---------------------------------------------------------------------
 * Identities (TS 33.180 Annex F; notes mcx-kms.md sections 2 and 5).
 * uid.c.
 */
#define UID_LEN			32	/* SHA-256 output, used raw */
#define UID_URI_MAX		2048	/* P1, P2: identity and KMS URIs */
#define NTP_UNIX_DELTA		2208988800ULL	/* 1900-01-01 to 1970-01-01, s */
#define KDF_OUT_LEN		32	/* TS 33.220 Annex B, HMAC-SHA-256 */
#define KDF_PARAM_MAX		8	/* P0..P7 */
#define KDF_S_MAX		4608	/* octets of S; fits two UID_URI_MAX */

/* 4-bit purpose tags, the top nibble of a 32-bit key ID (33.180 5.2.2). */
enum key_purpose {
	KEY_PURPOSE_GMK		= 0,	/* group master key */
	KEY_PURPOSE_PCK		= 1,	/* private call key */
	KEY_PURPOSE_CSK		= 2,	/* client-server key */
	KEY_PURPOSE_SPK		= 3,	/* signalling protection key */
	KEY_PURPOSE_MKFC	= 4,	/* multicast floor control key */
	KEY_PURPOSE_MSCCK	= 5,	/* MBMS subchannel control key */
	KEY_PURPOSE_MUSIK	= 6,	/* multicast signalling key */
};
#define KEY_ID_PURPOSE(id)	((unsigned)((uint32_t)(id) >> 28))
#define KEY_ID_MAKE(purpose, rnd) \
	((((uint32_t)(purpose) & 0xfU) << 28) | ((uint32_t)(rnd) & 0x0fffffffU))

/* One TS 33.220 Annex B parameter P_i (L_i is written by the KDF). */
struct kdf_param {
	const uint8_t	*p;
	size_t		 len;		/* at most 65535 */
};

/*
 * TS 33.220 Annex B.2: out = HMAC-SHA-256(key, FC || P0 || L0 || ... ||
 * Pn-1 || Ln-1), Li two octets big endian.  key may be secret (HMAC is
 * constant time in it).  n <= KDF_PARAM_MAX, S <= KDF_S_MAX octets.
 */
enum crypto_status kdf_33220(const uint8_t *key, size_t key_len, uint8_t fc,
		    const struct kdf_param *params, size_t n,
		    uint8_t out[KDF_OUT_LEN]);

/*
 * UID format 2 (TS 33.180 F.2.1): SHA-256 of the Annex B string S with
 * FC 0x00, P0 "MIKEY-SAKKE-UID", P1 the identity URI, P2 the KMS URI
 * (KmsUri), P3 UserKeyPeriod, P4 UserKeyOffset, P5 KeyPeriodNo; integers
 * big endian in the minimum number of octets (0 as one 0x00 octet).  A
 * plain hash, not the HMAC KDF: FC is only a separator (notes 5.1).
 * URIs are octet strings (UTF-8 as provisioned), 1..UID_URI_MAX octets.
 */
enum crypto_status uid_derive(const uint8_t *uri, size_t uri_len,
		    const uint8_t *kms_uri, size_t kms_uri_len, uint64_t period,
		    uint64_t offset, uint64_t period_no, uint8_t uid[UID_LEN]);

/* Seconds since 1900 (NTP era 0 extended to 64 bits) <-> Unix seconds. */
uint64_t	 ntp_from_unix(int64_t unix_s);
int64_t		 unix_from_ntp(uint64_t ntp_s);

/*
 * KeyPeriodNo = floor((t_ntp - offset) / period) (notes section 2).
 * CRYPTO_ERR_ARGS if period is 0, offset >= period or t_ntp < offset.
 */
enum crypto_status key_period_no(uint64_t t_ntp, uint64_t period,
		    uint64_t offset, uint64_t *period_no);

/*
 * The NTP seconds a key period covers: from = offset + no * period,
 * to = from + period - 1 (last second inclusive; ValidFrom/ValidTo).
 * CRYPTO_ERR_ARGS on period 0 or overflow.
 */
enum crypto_status key_period_bounds(uint64_t period_no, uint64_t period,
		    uint64_t offset, uint64_t *from_ntp, uint64_t *to_ntp);

/*
 * User Salt (TS 33.180 F.1.3): the 28 low bits of KDF(GMK, FC 0x50,
 * P0 = receiving user's MC service ID).  GUK-ID = GMK-ID's purpose
 * nibble || (28 low bits of GMK-ID XOR salt); the XOR is its own
 * inverse, so the same call maps a GUK-ID back to the GMK-ID.
 */
enum crypto_status user_salt(const uint8_t *secret_gmk, size_t gmk_len,
		    const uint8_t *mc_id, size_t mc_id_len, uint32_t *salt);
enum crypto_status guk_id_derive(const uint8_t *secret_gmk, size_t gmk_len,
		    uint32_t gmk_id, const uint8_t *mc_id, size_t mc_id_len,
		    uint32_t *guk_id);

/* ---------------------------------------------------------------------
 * MIKEY-SAKKE I_MESSAGE (RFC 3830, RFC 6043, RFC 6509, TS 33.180 Annex E;
 * notes mcx-kms.md section 7).  mikey.c.  The parser keeps pointers into
 * the caller's message (which must outlive the struct); it reads no
 * octet outside [msg, msg + len) and rejects anything it does not know.
 */
#define MIKEY_MSG_MAX		8192	/* octets of one I_MESSAGE */
#define MIKEY_CS_MAX		8	/* crypto sessions in the CS ID map */
#define MIKEY_IDR_MAX		8	/* IDR payloads */
#define MIKEY_SP_MAX		4	/* SP payloads */
#define MIKEY_GEXT_MAX		4	/* General Extension payloads */
#define MIKEY_CERT_MAX		4	/* CERT payloads */
#define MIKEY_SAKKE_DATA_LEN	273	/* R (257) || H (16), RFC 6508 s. 4 */

#define MIKEY_VERSION		1
#define MIKEY_TYPE_SAKKE	26	/* RFC 6509 section 4.1 */
#define MIKEY_PRF_HMAC_SHA256	1	/* RFC 6043 section 6.1 */
#define MIKEY_MAP_SRTP		0	/* CS ID map types (RFC 3830, 6043) */
#define MIKEY_MAP_EMPTY		1
#define MIKEY_MAP_GENERIC	2
#define MIKEY_TS_NTP_UTC	0	/* T payload TS type (RFC 3830 6.6) */
#define MIKEY_IDR_I		1	/* IDR roles (RFC 6043 6.6, RFC 6509, */
#define MIKEY_IDR_R		2	/*   33.180 E.7) */
#define MIKEY_IDR_KMSI		6
#define MIKEY_IDR_KMSR		7
#define MIKEY_IDR_UIDI		8
#define MIKEY_IDR_UIDR		9
#define MIKEY_ID_URI		1	/* IDR ID type */
#define MIKEY_SAKKE_SCHEME_UID	2	/* SAKKE ID scheme for the 3GPP UID */
#define MIKEY_SIGN_ECCSI	2	/* SIGN S type (RFC 6509 section 4.3) */
#define MIKEY_GEXT_AP		7	/* 33.180 E.6 associated parameters */

struct mikey_bytes {
	const uint8_t	*p;
	size_t		 len;
};

struct mikey_cs {			/* one GENERIC-ID (or SRTP-ID) entry */
	uint8_t			 cs_id;
	uint8_t			 prot;	/* 0 SRTP */
	bool			 s;	/* GENERIC-ID S flag */
	struct mikey_bytes	 policies;	/* #P policy numbers */
	struct mikey_bytes	 session;
	struct mikey_bytes	 spi;
	uint32_t		 ssrc, roc;	/* SRTP-ID map only */
};

struct mikey_idr {
	uint8_t			 role;
	uint8_t			 type;
	struct mikey_bytes	 id;
};

struct mikey_sp {
	uint8_t			 policy_no;
	uint8_t			 prot;
	struct mikey_bytes	 params;	/* type (8) || len (8) || value ... */
};

struct mikey_gext {
	uint8_t			 type;
	struct mikey_bytes	 data;
};

struct mikey_imsg {
	/* Common header, RFC 3830 section 6.1. */
	uint8_t			 prf;
	uint32_t		 csb_id;
	uint8_t			 map_type;
	size_t			 ncs;
	struct mikey_cs		 cs[MIKEY_CS_MAX];
	/* T (NTP-UTC 64-bit) and RAND. */
	uint64_t		 t_ntp64;	/* seconds << 32 | fraction */
	struct mikey_bytes	 rand;
	size_t			 nidr;
	struct mikey_idr	 idr[MIKEY_IDR_MAX];
	size_t			 ncert;
	struct mikey_gext	 cert[MIKEY_CERT_MAX];	/* type = cert type */
	size_t			 nsp;
	struct mikey_sp		 sp[MIKEY_SP_MAX];
	size_t			 ngext;
	struct mikey_gext	 gext[MIKEY_GEXT_MAX];
	/* SAKKE payload, RFC 6509 section 4.2. */
	uint8_t			 sakke_params;
	uint8_t			 sakke_scheme;
	const uint8_t		*sakke_data;	/* MIKEY_SAKKE_DATA_LEN octets */
	/* SIGN, RFC 6509 section 4.3; parse only (the builder signs). */
	const uint8_t		*sig;		/* ECCSI_SIG_LEN octets */
	size_t			 signed_len;	/* octets the signature covers */
};

/*
 * Strict parse of an I_MESSAGE: HDR (version 1, type 26, V 0, PRF 0/1,
 * map type 0, 1 (with #CS 0) or 2), then T (NTP-UTC) and RAND, then in
 * any order IDR (each role at most once), CERT, SP, General Extension and
 * exactly one SAKKE payload (params 1, 273 octets), then SIGN (ECCSI,
 * 129 octets) ending exactly at len.  CRYPTO_ERR_FORMAT otherwise.
 * Does not check the signature (mikey_imsg_verify).
 */
enum crypto_status mikey_imsg_parse(const uint8_t *msg, size_t len,
		    struct mikey_imsg *m);

/* The data of the first IDR with this role, or NULL. */
const struct mikey_idr *mikey_imsg_idr(const struct mikey_imsg *m,
		    uint8_t role);

/* The General Extension of this type, or NULL. */
const struct mikey_gext *mikey_imsg_gext(const struct mikey_imsg *m,
		    uint8_t type);

/*
 * Verifies the ECCSI signature of a parsed message (notes 7.3: it covers
 * every octet up to and including the SIGN payload's S type/length
 * field) for signer identity id (the initiator's UID) under kpak.
 */
enum crypto_status mikey_imsg_verify(const struct mikey_imsg *m,
		    const uint8_t *msg, const uint8_t kpak[ECCSI_POINT_LEN],
		    const uint8_t *id, size_t id_len);

/*
 * Builds and signs an I_MESSAGE from the fields of m (the sig and
 * signed_len fields are ignored) in the order HDR, T, RAND, IDR...,
 * CERT..., SP..., SAKKE, General Extension..., SIGN; the signature is
 * made with eccsi_sign (j from rnd).  Writes *out_len octets to out.
 */
enum crypto_status mikey_imsg_build(const struct mikey_imsg *m,
		    const uint8_t secret_ssk[ECCSI_SCALAR_LEN],
		    const uint8_t pvt[ECCSI_POINT_LEN],
		    const uint8_t hs[ECCSI_HASH_LEN], crypto_rand_fn rnd,
		    void *rnd_arg, uint8_t *out, size_t out_size,
		    size_t *out_len);

/*
 * Associated parameters (33.180 E.6, notes 7.4): a General Extension of
 * type 7 whose data is a protected payload encrypted with AES-128-GCM
 * under DPCK = the last 16 octets of KDF(DPPK, FC 0x53, P0 = DPPK-ID),
 * where DPPK is the GMK (or PCK, CSK) and DPPK-ID is the CSB ID.
 */
#define MIKEY_AP_HDR_LEN	35	/* up to and including payload length */
#define MIKEY_AP_IV_LEN		16
#define MIKEY_AP_TAG_LEN	16
#define MIKEY_AP_ALG_AES128GCM	1
#define MIKEY_AP_TEXT_MAX	1024
#define MIKEY_AP_PT_MAX		2048

struct mikey_ap {
	/* Protected-payload header (authenticated, not encrypted). */
	uint8_t			 msg_type;	/* 0x43 observed */
	uint64_t		 date_time;	/* 40 bits */
	uint32_t		 payload_id;
	uint8_t			 seq;
	uint8_t			 iv[MIKEY_AP_IV_LEN];
	uint32_t		 dppk_id;
	uint8_t			 payload_type;
	/* Decrypted parameters. */
	uint8_t			 key_type;	/* purpose tag */
	uint32_t		 status;	/* bit 0: not revoked ([SW]) */
	uint64_t		 activation;	/* 40 bits */
	uint64_t		 expiry;	/* 40 bits */
	struct mikey_bytes	 text;
	struct mikey_bytes	 groups;	/* group-ID block, may be empty */
};

/*
 * Decrypts a type-7 General Extension's data under secret_dppk (16
 * octets).  The plaintext is written to pt (pt_size >= data length); text
 * and groups then point into pt.  The DPPK-ID inside must equal
 * dppk_id (the message's CSB ID).  CRYPTO_ERR_DECRYPT on a bad tag.
 */
enum crypto_status mikey_ap_open(const uint8_t *data, size_t len,
		    const uint8_t secret_dppk[16], uint32_t dppk_id,
		    struct mikey_ap *ap, uint8_t *pt, size_t pt_size);

/*
 * Encrypts ap's parameters (ap->iv and the header fields as given) into
 * the data of a type-7 General Extension: out, *out_len octets.
 */
enum crypto_status mikey_ap_seal(const struct mikey_ap *ap,
		    const uint8_t secret_dppk[16], uint8_t *out,
		    size_t out_size, size_t *out_len);

#endif /* CRYPTO_H */
