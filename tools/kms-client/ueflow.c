/*
 * ueflow.c - kms-client ue-flow: the complete UE flow of issue 6 item 7
 * against one KMS, for a GMS and two users (docs/kms-client.md).
 *
 *   1. init: the Root certificate (KmsUri, key period, Z_S, KPAK).
 *   2. keyprov for each of GMS, A, B with its own token (and TrK: the key
 *      elements unwrapped): every key set checked by ucheck (XSD, UID
 *      recomputed, SSK/PVT by OpenSSL, RSK of order q) and by wolfSSL
 *      (RSK pairing, SSK/PVT pair, SAKKE round trip); the GMS's response
 *      must hold the group's key set (the GMS is bound to the group).
 *   3. certcache.
 *   4. As the GMS: a GMK distribution I_MESSAGE to A and to B (33.180
 *      E.2/E.6): GMK and GMK-ID (purpose GMK) random, the CSB ID the
 *      receiver's GUK-ID, GENERIC-ID CS map with SPI = GMK-ID || GUK-ID,
 *      associated parameters (key type GMK, the group URI) sealed under
 *      the GMK, SAKKE to the receiver's UID under Z_S, signed with the
 *      GMS's SSK/PVT.  Built with firmware/crypto (by design of the
 *      issue: the I_MESSAGE code under test is ours).
 *   5. As A and as B: parse, identities from T and the KMS values, the
 *      signature by the GMS's UID under KPAK (firmware/crypto and
 *      wolfSSL), the GMK by the receiver's RSK (firmware/crypto and
 *      wolfSSL), GMK-ID from GUK-ID, associated parameters opened; both
 *      hold the GMS's GMK.  The other user's RSK does not open it.
 *   6. A sends a PCK to B (purpose PCK, CSB ID = PCK-ID, empty CS map);
 *      B recovers it the same way.
 *
 * One line per verified step on stdout; 0 only if every step verified.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto.h"
#include "kc_local.h"
#include "ucheck.h"

_Static_assert(UCHECK_SAKKE_POINT_LEN == SAKKE_POINT_LEN, "SAKKE point");
_Static_assert(UCHECK_P256_POINT_LEN == ECCSI_POINT_LEN, "P-256 point");
_Static_assert(UCHECK_SSK_LEN == ECCSI_SCALAR_LEN, "SSK");
_Static_assert(UCHECK_UID_LEN == UID_LEN, "UID");
_Static_assert(KC_SIG_LEN == ECCSI_SIG_LEN, "ECCSI signature");
_Static_assert(KC_SED_LEN == MIKEY_SAKKE_DATA_LEN, "SAKKE data");

#define UF_KEY_LEN	16		/* GMK, PCK (33.180) */
#define UF_RAND_LEN	16		/* MIKEY RAND */
#define UF_CS_GROUP	4		/* CS ID of the interop GMK vector */
#define UF_AP_MSG_TYPE	0x43		/* as observed (notes 7.4) */
#define UF_40BITS	((1ULL << 40) - 1)

static const char *const role_name[KC_ROLES] = { "gms", "a", "b" };

struct uf_role {
	char			 uri[UCHECK_URI_LEN];
	struct ucheck		*uc;
	struct ucheck_keyset	*sets;		/* UCHECK_SETS_MAX */
	size_t			 n;
	const struct ucheck_keyset *own;	/* the role's own key set */
	uint8_t			 hs[ECCSI_HASH_LEN];	/* of own */
	bool			 trk;
	bool			 ink;
	struct ucheck_sec	 sec;		/* of its keyprov answer */
};

/* What a receiver got out of one I_MESSAGE. */
struct uf_got {
	uint8_t			 key[UF_KEY_LEN];
	uint32_t		 key_id;	/* GMK-ID or PCK-ID */
};

struct uf {
	const struct opts	*o;
	struct ucheck_init	 cert;
	struct uf_role		 r[KC_ROLES];
	int			 steps;
	bool			 wolf;		/* wolfSSL ran its checks */
};

static int	 uf_rand(void *, uint8_t *, size_t);
static void	 hex32(const uint8_t *, size_t, char *, size_t);
static int	 uf_setup(struct uf *);
static int	 uf_init(struct uf *);
static int	 uf_keyprov(struct uf *, enum kc_role);
static int	 uf_certcache(struct uf *);
static int	 uf_send(struct uf *, enum kc_role, enum kc_role,
		    enum key_purpose, const uint8_t *, uint32_t,
		    uint8_t *, size_t, size_t *, uint32_t *);
static int	 uf_receive(struct uf *, enum kc_role, enum kc_role,
		    enum key_purpose, const uint8_t *, size_t,
		    struct uf_got *);
static int	 uf_save_imsg(const struct uf *, const char *,
		    const uint8_t *, size_t);
static int	 uf_manifest(const struct uf *, uint32_t, const uint32_t *,
		    uint32_t);
static void	 uf_free(struct uf *);

static void
step(struct uf *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
step(struct uf *u, const char *fmt, ...)
{
	va_list	 ap;

	u->steps++;
	if (u->o->o_quiet)
		return;
	fputs("ue-flow: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/* crypto_rand_fn over OpenSSL's DRBG (ECCSI j, in eccsi_sign). */
static int
uf_rand(void *arg, uint8_t *out, size_t len)
{
	(void)arg;
	return len <= 0x7fffffff && RAND_bytes(out, (int)len) == 1 ? 0 : -1;
}

/*
 * The "sub" claim of a JWT (not verified: the KMS does that; this only
 * names the identity the token is for).  0, or -1 if there is none.
 */
int
jwt_sub(const char *tok, char *out, size_t size)
{
	const char	*a, *b, *p, *q;
	char		*b64 = NULL;
	unsigned char	*js = NULL;
	size_t		 n, i, m;
	int		 len, ret = -1;

	if ((a = strchr(tok, '.')) == NULL || (b = strchr(a + 1, '.')) ==
	    NULL)
		return -1;
	a++;
	n = (size_t)(b - a);
	if (n == 0 || n > 8192 || (b64 = malloc(n + 4)) == NULL ||
	    (js = malloc(n + 4)) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		b64[i] = a[i] == '-' ? '+' : a[i] == '_' ? '/' : a[i];
	while (i % 4 != 0)
		b64[i++] = '=';
	b64[i] = '\0';
	if ((len = EVP_DecodeBlock(js, (unsigned char *)b64, (int)i)) < 0)
		goto out;
	js[len] = '\0';
	if ((p = strstr((char *)js, "\"sub\"")) == NULL)
		goto out;
	p += 5;
	while (*p == ' ' || *p == ':')
		p++;
	if (*p++ != '"' || (q = strchr(p, '"')) == NULL)
		goto out;
	m = (size_t)(q - p);
	if (m == 0 || m >= size || memchr(p, '\\', m) != NULL)
		goto out;
	memcpy(out, p, m);
	out[m] = '\0';
	ret = 0;
 out:
	free(b64);
	free(js);
	return ret;
}

/* The first octets of p as hex, for the output (public values only). */
static void
hex32(const uint8_t *p, size_t n, char *out, size_t size)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n && 2 * i + 2 < size; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 0x0f];
	}
	out[2 * i] = '\0';
}

/* Options, identities, one ucheck (with its TrK) per role. */
static int
uf_setup(struct uf *u)
{
	const struct opts	*o = u->o;
	char			 msg[UCHECK_MSG_LEN], name[32];
	int			 i, j;

	if (o->o_group == NULL) {
		fprintf(stderr, "%s: ue-flow needs --group URI\n", progname);
		return 2;
	}
	for (i = 0; i < KC_ROLES; i++) {
		if (o->o_role_token[i] == NULL) {
			fprintf(stderr, "%s: ue-flow needs --token-%s\n",
			    progname, role_name[i]);
			return 2;
		}
		if (o->o_role_uri[i] != NULL) {
			if (strlen(o->o_role_uri[i]) >= sizeof(u->r[i].uri))
				return 2;
			snprintf(u->r[i].uri, sizeof(u->r[i].uri), "%s",
			    o->o_role_uri[i]);
		} else if (jwt_sub(o->o_role_token[i], u->r[i].uri,
		    sizeof(u->r[i].uri)) != 0) {
			fprintf(stderr, "%s: --token-%s has no sub claim; "
			    "give --uri-%s\n", progname, role_name[i],
			    role_name[i]);
			return 2;
		}
		for (j = 0; j < i; j++)
			if (strcmp(u->r[i].uri, u->r[j].uri) == 0) {
				fprintf(stderr, "%s: ue-flow: %s and %s are "
				    "the same identity\n", progname,
				    role_name[j], role_name[i]);
				return 2;
			}
		if ((u->r[i].uc = ucheck_new(o->o_xsd, msg, sizeof(msg))) ==
		    NULL) {
			fprintf(stderr, "%s: %s\n", progname, msg);
			return 1;
		}
		if ((u->r[i].sets = calloc(UCHECK_SETS_MAX,
		    sizeof(*u->r[i].sets))) == NULL)
			return 1;
		if (o->o_role_trk[i] == NULL && o->o_role_ink[i] == NULL)
			continue;
		snprintf(name, sizeof(name), "trk-%s.bin", role_name[i]);
		if (load_keys(u->r[i].uc, o, o->o_role_trk[i], NULL,
		    o->o_role_ink[i], NULL, name) != 0)
			return 1;
		u->r[i].trk = o->o_role_trk[i] != NULL;
		u->r[i].ink = o->o_role_ink[i] != NULL;
	}
	return 0;
}

static int
uf_init(struct uf *u)
{
	struct opts	 o = *u->o;
	struct body	 b;
	struct answer	 a;
	char		 msg[UCHECK_MSG_LEN];
	int		 ret = 1;

	memset(&b, 0, sizeof(b));
	o.o_token = NULL;
	if (post_once(&o, KC_INIT_PATH, "ue-flow init", 0, &b, &a) != 0)
		goto out;
	if (o.o_save != NULL && save_body(o.o_save, "init", 1, &b) != 0)
		goto out;
	if (a.a_status != 200 || !is_xml_ctype(a.a_ctype)) {
		fail_req("ue-flow init", 0, "HTTP status %ld, Content-Type "
		    "'%s'", a.a_status, a.a_ctype);
		goto out;
	}
	if (ucheck_init_response(u->r[KC_GMS].uc, b.b_data, b.b_len,
	    o.o_expect_uri, &u->cert, msg, sizeof(msg)) != UCHECK_OK) {
		fail_req("ue-flow init", 0, "%s", msg);
		goto out;
	}
	step(u, "init: Root certificate of %s verified (XSD valid, Z_S of "
	    "order q, KPAK on P-256, key period %llu s, offset %llu)",
	    u->cert.ui_kms_uri, u->cert.ui_period, u->cert.ui_offset);
	ret = 0;
 out:
	free(b.b_data);
	return ret;
}

static int
uf_keyprov(struct uf *u, enum kc_role who)
{
	struct uf_role		*r = &u->r[who];
	struct opts		 o = *u->o;
	struct body		 b;
	struct answer		 a;
	char			 msg[UCHECK_MSG_LEN], what[32], dig[33];
	const struct ucheck_keyset *grp = NULL;
	struct ucheck_init	 ic;
	struct opts		 io;
	char			*op = NULL, init_sig[UCHECK_URI_LEN + 64];
	size_t			 opl = 0;
	long long		 want;
	size_t			 i;
	int			 w = 0, ret = 1;

	memset(&b, 0, sizeof(b));
	init_sig[0] = '\0';
	o.o_token = o.o_role_token[who];
	snprintf(what, sizeof(what), "keyprov-%s", role_name[who]);
	/* A device with keys: init with its token first; the answer is
	 * signed by its key, which names the key for its signed requests. */
	if (r->trk || r->ink) {
		io = o;
		io.o_sign = false;
		if (device_post(&io, r->uc, r->uri, NULL, KC_INIT_PATH, what,
		    0, &b, &a, &op, &opl, &r->sec) != 0)
			goto out;
		if (a.a_status != 200 || ucheck_init_response(r->uc, op, opl,
		    o.o_expect_uri, &ic, msg, sizeof(msg)) != UCHECK_OK) {
			fail_req(what, 0, "init with the token: HTTP status "
			    "%ld: %s", a.a_status, a.a_status == 200 ? msg :
			    "");
			goto out;
		}
		free_opened(op, opl);
		op = NULL;
		snprintf(init_sig, sizeof(init_sig), "; init signed by %s",
		    r->sec.us_key);
	}
	if (device_post(&o, r->uc, r->uri, u->cert.ui_kms_uri,
	    KC_ROOT_PATH "/keyprov", what, 0, &b, &a, &op, &opl,
	    &r->sec) != 0) {
		if (o.o_save != NULL)
			save_body(o.o_save, what, 1, &b);
		goto out;
	}
	if (o.o_save != NULL && save_body(o.o_save, what, 1, &b) != 0)
		goto out;
	if (a.a_status != 200 || !is_xml_ctype(a.a_ctype)) {
		fail_req(what, 0, "HTTP status %ld, Content-Type '%s'",
		    a.a_status, a.a_ctype);
		goto out;
	}
	want = period_of(&u->cert, NULL);
	if (ucheck_keyprov_response(r->uc, op, opl, &u->cert, 1, want,
	    "/keyprov", r->sets, UCHECK_SETS_MAX, &r->n, NULL, 0, msg,
	    sizeof(msg)) != UCHECK_OK) {
		fail_req(what, 0, "%s", msg);
		goto out;
	}
	for (i = 0; i < r->n; i++) {
		if (strcmp(r->sets[i].uk_uri, r->uri) == 0)
			r->own = &r->sets[i];
		if (who == KC_GMS && strcmp(r->sets[i].uk_uri,
		    o.o_group) == 0)
			grp = &r->sets[i];
		if ((w = keyset_wolf(&u->cert, &r->sets[i], msg,
		    sizeof(msg))) < 0) {
			fail_req(what, 0, "%s", msg);
			goto out;
		}
		u->wolf = w == 1;
	}
	if (r->own == NULL) {
		fail_req(what, 0, "no key set of %s", r->uri);
		goto out;
	}
	if (who == KC_GMS && grp == NULL) {
		fail_req(what, 0, "no key set of the group %s: is the GMS "
		    "bound to it?", o.o_group);
		goto out;
	}
	/* The HS the signer needs (and one more check of the pair). */
	if (eccsi_ssk_validate(u->cert.ui_kpak, r->own->uk_uid, UID_LEN,
	    r->own->uk_ssk, r->own->uk_pvt, r->hs) != CRYPTO_OK) {
		fail_req(what, 0, "firmware/crypto: SSK/PVT of %s invalid",
		    r->uri);
		goto out;
	}
	keyset_digest(r->own, dig);
	step(u, "keyprov %s %s: %zu key set%s (%s), each XSD valid with its "
	    "UID recomputed, SSK/PVT valid (OpenSSL%s), RSK valid (order "
	    "q%s)%s%s%s%s%s%s; period %llu keys sha256:%s", role_name[who],
	    r->uri, r->n, r->n == 1 ? "" : "s", r->trk ?
	    "unwrapped with the TrK" : "plaintext", w == 1 ? ", wolfSSL" : "",
	    w == 1 ? ", wolfSSL pairing, SAKKE round trip wolfSSL -> wolfSSL "
	    "and firmware" : "; no wolfSSL in this build", who == KC_GMS ?
	    ", the group's among them" : "", init_sig, o.o_sign ?
	    "; signed request accepted" : "", r->sec.us_signed ?
	    "; response signature by " : "", r->sec.us_signed ?
	    r->sec.us_key : "", r->sec.us_signed ? " verified" : "",
	    r->own->uk_period_no, dig);
	ret = 0;
 out:
	free_opened(op, opl);
	if (b.b_data != NULL)
		OPENSSL_cleanse(b.b_data, b.b_cap);
	free(b.b_data);
	return ret;
}

static int
uf_certcache(struct uf *u)
{
	struct opts		 o = *u->o;
	struct body		 b;
	struct answer		 a;
	char			 msg[UCHECK_MSG_LEN];
	unsigned long long	 cache = 0;
	struct ucheck_sec	 sec;
	char			*op = NULL;
	size_t			 ncerts = 0, opl = 0;
	int			 ret = 1;

	memset(&b, 0, sizeof(b));
	o.o_token = o.o_role_token[KC_GMS];
	if (device_post(&o, u->r[KC_GMS].uc, u->r[KC_GMS].uri,
	    u->cert.ui_kms_uri, KC_ROOT_PATH "/certcache", "certcache", 0,
	    &b, &a, &op, &opl, &sec) != 0)
		goto out;
	if (o.o_save != NULL && save_body(o.o_save, "certcache", 1, &b) != 0)
		goto out;
	if (a.a_status != 200) {
		fail_req("certcache", 0, "HTTP status %ld", a.a_status);
		goto out;
	}
	if (ucheck_certcache_response(u->r[KC_GMS].uc, op, opl, false,
	    &cache, &ncerts, msg, sizeof(msg)) != UCHECK_OK) {
		fail_req("certcache", 0, "%s", msg);
		goto out;
	}
	step(u, "certcache: CacheNum %llu, %zu certificate%s, XSD valid%s%s%s",
	    cache, ncerts, ncerts == 1 ? "" : "s", sec.us_signed ?
	    "; signature by " : "", sec.us_signed ? sec.us_key : "",
	    sec.us_signed ? " verified" : "");
	ret = 0;
 out:
	free_opened(op, opl);
	free(b.b_data);
	return ret;
}

/*
 * from sends key (purpose GMK or PCK, id its GMK-ID or PCK-ID) to to:
 * builds and signs the I_MESSAGE into out (*len octets); *csb gets its
 * CSB ID (the receiver's GUK-ID for a GMK, the PCK-ID for a PCK).
 */
static int
uf_send(struct uf *u, enum kc_role from, enum kc_role to,
    enum key_purpose purpose, const uint8_t *key, uint32_t id, uint8_t *out,
    size_t size, size_t *len, uint32_t *csb)
{
	const struct uf_role	*s = &u->r[from], *d = &u->r[to];
	const char		*kms = u->cert.ui_kms_uri, *grp = u->o->o_group;
	struct mikey_imsg	 m;
	struct mikey_ap		 ap;
	uint8_t			 rnd[UF_RAND_LEN], sed[SAKKE_SED_LEN];
	uint8_t			 spi[8], gext[MIKEY_AP_HDR_LEN +
				    MIKEY_AP_PT_MAX + MIKEY_AP_TAG_LEN];
	uint64_t		 now, from_ntp, to_ntp;
	size_t			 glen;
	enum crypto_status	 c;

	now = ntp_from_unix((int64_t)time(NULL));
	if (purpose == KEY_PURPOSE_GMK) {
		if (guk_id_derive(key, UF_KEY_LEN, id, (const uint8_t *)d->uri,
		    strlen(d->uri), csb) != CRYPTO_OK)
			return -1;
	} else
		*csb = id;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	/* SAKKE to the receiver's UID under the KMS's Z_S. */
	if ((c = sakke_encapsulate(key, d->own->uk_uid, UID_LEN, u->cert.ui_z,
	    sed)) != CRYPTO_OK) {
		fail_req("ue-flow", 0, "sakke_encapsulate: %d", (int)c);
		return -1;
	}
	/* Associated parameters under the key, DPPK-ID = CSB ID (E.6). */
	memset(&ap, 0, sizeof(ap));
	ap.msg_type = UF_AP_MSG_TYPE;
	ap.date_time = now & UF_40BITS;
	ap.dppk_id = *csb;
	ap.key_type = (uint8_t)purpose;
	ap.status = 1;			/* [SW]: not revoked */
	if (key_period_bounds(d->own->uk_period_no, u->cert.ui_period,
	    u->cert.ui_offset, &from_ntp, &to_ntp) != CRYPTO_OK ||
	    RAND_bytes(ap.iv, sizeof(ap.iv)) != 1 ||
	    RAND_bytes((uint8_t *)&ap.payload_id, sizeof(ap.payload_id)) != 1)
		return -1;
	ap.activation = now & UF_40BITS;
	ap.expiry = to_ntp & UF_40BITS;
	if (purpose == KEY_PURPOSE_GMK) {
		ap.groups.p = (const uint8_t *)grp;
		ap.groups.len = strlen(grp);
	}
	if ((c = mikey_ap_seal(&ap, key, gext, sizeof(gext), &glen)) !=
	    CRYPTO_OK) {
		fail_req("ue-flow", 0, "mikey_ap_seal: %d", (int)c);
		return -1;
	}

	memset(&m, 0, sizeof(m));
	m.prf = MIKEY_PRF_HMAC_SHA256;
	m.csb_id = *csb;
	if (purpose == KEY_PURPOSE_GMK) {
		/* GENERIC-ID, SPI = GMK-ID || GUK-ID (33.180 E.2). */
		spi[0] = (uint8_t)(id >> 24);
		spi[1] = (uint8_t)(id >> 16);
		spi[2] = (uint8_t)(id >> 8);
		spi[3] = (uint8_t)id;
		spi[4] = (uint8_t)(*csb >> 24);
		spi[5] = (uint8_t)(*csb >> 16);
		spi[6] = (uint8_t)(*csb >> 8);
		spi[7] = (uint8_t)*csb;
		m.map_type = MIKEY_MAP_GENERIC;
		m.ncs = 1;
		m.cs[0].cs_id = UF_CS_GROUP;
		m.cs[0].prot = 0;
		m.cs[0].spi.p = spi;
		m.cs[0].spi.len = sizeof(spi);
	} else
		m.map_type = MIKEY_MAP_EMPTY;
	m.t_ntp64 = now << 32;
	m.rand.p = rnd;
	m.rand.len = sizeof(rnd);
	m.nidr = 4;
	m.idr[0] = (struct mikey_idr){ MIKEY_IDR_UIDI, MIKEY_ID_URI,
	    { s->own->uk_uid, UID_LEN } };
	m.idr[1] = (struct mikey_idr){ MIKEY_IDR_UIDR, MIKEY_ID_URI,
	    { d->own->uk_uid, UID_LEN } };
	m.idr[2] = (struct mikey_idr){ MIKEY_IDR_KMSI, MIKEY_ID_URI,
	    { (const uint8_t *)kms, strlen(kms) } };
	m.idr[3] = (struct mikey_idr){ MIKEY_IDR_KMSR, MIKEY_ID_URI,
	    { (const uint8_t *)kms, strlen(kms) } };
	m.sakke_params = SAKKE_PARAMETER_SET;
	m.sakke_scheme = MIKEY_SAKKE_SCHEME_UID;
	m.sakke_data = sed;
	m.ngext = 1;
	m.gext[0].type = MIKEY_GEXT_AP;
	m.gext[0].data.p = gext;
	m.gext[0].data.len = glen;
	if ((c = mikey_imsg_build(&m, s->own->uk_ssk, s->own->uk_pvt, s->hs,
	    uf_rand, NULL, out, size, len)) != CRYPTO_OK) {
		fail_req("ue-flow", 0, "mikey_imsg_build: %d", (int)c);
		return -1;
	}
	return 0;
}

/*
 * to receives msg from from: everything a UE checks before it uses the
 * key.  got holds the key and its ID (GMK-ID or PCK-ID).
 */
static int
uf_receive(struct uf *u, enum kc_role from, enum kc_role to,
    enum key_purpose purpose, const uint8_t *msg, size_t len,
    struct uf_got *got)
{
	const struct uf_role	*d = &u->r[to];
	const struct ucheck_init *ci = &u->cert;
	const char		*kms = ci->ui_kms_uri, *grp = u->o->o_group;
	const struct mikey_idr	*idr;
	const struct mikey_gext	*gx;
	struct mikey_imsg	 m;
	struct mikey_ap		 ap;
	uint8_t			 uid_i[UID_LEN], wssv[SAKKE_SSV_LEN];
	uint8_t			 pt[MIKEY_AP_PT_MAX], spi[8];
	uint64_t		 t, no;
	char			 what[48];
	enum kc_wolf		 w;
	enum crypto_status	 c;
	int			 ret = -1;

	snprintf(what, sizeof(what), "ue-flow %s <- %s", role_name[to],
	    role_name[from]);
	memset(got, 0, sizeof(*got));
	if ((c = mikey_imsg_parse(msg, len, &m)) != CRYPTO_OK) {
		fail_req(what, 0, "mikey_imsg_parse: %d", (int)c);
		return -1;
	}
	/* Identities: the KMS, and both UIDs for the period of T. */
	t = m.t_ntp64 >> 32;
	if (t < ci->ui_offset) {
		fail_req(what, 0, "T before the key offset");
		return -1;
	}
	no = (t - ci->ui_offset) / ci->ui_period;
	if ((idr = mikey_imsg_idr(&m, MIKEY_IDR_KMSI)) == NULL ||
	    idr->id.len != strlen(kms) || memcmp(idr->id.p, kms,
	    idr->id.len) != 0 || (idr = mikey_imsg_idr(&m,
	    MIKEY_IDR_KMSR)) == NULL || idr->id.len != strlen(kms) ||
	    memcmp(idr->id.p, kms, idr->id.len) != 0) {
		fail_req(what, 0, "IDRkmsi/IDRkmsr are not %s", kms);
		return -1;
	}
	if (no != d->own->uk_period_no || (idr = mikey_imsg_idr(&m,
	    MIKEY_IDR_UIDR)) == NULL || idr->id.len != UID_LEN ||
	    memcmp(idr->id.p, d->own->uk_uid, UID_LEN) != 0) {
		fail_req(what, 0, "IDRuidr is not my UID for period %llu",
		    (unsigned long long)no);
		return -1;
	}
	/* The sender's UID, recomputed by ucheck (not taken from IDR). */
	if (ucheck_uid(u->r[from].uri, kms, ci->ui_period, ci->ui_offset, no,
	    uid_i) != UCHECK_OK || (idr = mikey_imsg_idr(&m,
	    MIKEY_IDR_UIDI)) == NULL || idr->id.len != UID_LEN ||
	    memcmp(idr->id.p, uid_i, UID_LEN) != 0) {
		fail_req(what, 0, "IDRuidi is not the UID of %s",
		    u->r[from].uri);
		return -1;
	}
	/* Signature by the sender under KPAK: ours and wolfSSL's. */
	if ((c = mikey_imsg_verify(&m, msg, ci->ui_kpak, uid_i, UID_LEN)) !=
	    CRYPTO_OK) {
		fail_req(what, 0, "signature: %d", (int)c);
		return -1;
	}
	w = kc_wolf_eccsi_verify(ci->ui_kpak, uid_i, UID_LEN, msg,
	    m.signed_len, m.sig);
	if (w != KC_WOLF_OK && w != KC_WOLF_NONE) {
		fail_req(what, 0, "wolfSSL: the ECCSI signature fails");
		return -1;
	}
	if (mikey_imsg_verify(&m, msg, ci->ui_kpak, d->own->uk_uid,
	    UID_LEN) == CRYPTO_OK) {
		fail_req(what, 0, "the signature verifies as the receiver's");
		return -1;
	}
	/* The key with my RSK: ours and wolfSSL's. */
	if (m.sakke_params != SAKKE_PARAMETER_SET ||
	    m.sakke_scheme != MIKEY_SAKKE_SCHEME_UID ||
	    (c = sakke_decapsulate(m.sakke_data, d->own->uk_uid, UID_LEN,
	    d->own->uk_rsk, ci->ui_z, got->key)) != CRYPTO_OK) {
		fail_req(what, 0, "SAKKE: the key not recovered");
		goto out;
	}
	w = kc_wolf_decapsulate(ci->ui_z, d->own->uk_uid, UID_LEN,
	    d->own->uk_rsk, m.sakke_data, wssv);
	if (w == KC_WOLF_OK ? CRYPTO_memcmp(wssv, got->key,
	    sizeof(wssv)) != 0 : w != KC_WOLF_NONE) {
		fail_req(what, 0, "wolfSSL recovers another key, or none");
		goto out;
	}
	/* Key ID: GMK-ID from the GUK-ID (CSB ID), or the PCK-ID. */
	if (purpose == KEY_PURPOSE_GMK) {
		if (guk_id_derive(got->key, UF_KEY_LEN, m.csb_id,
		    (const uint8_t *)d->uri, strlen(d->uri), &got->key_id) !=
		    CRYPTO_OK)
			goto out;
		spi[0] = (uint8_t)(got->key_id >> 24);
		spi[1] = (uint8_t)(got->key_id >> 16);
		spi[2] = (uint8_t)(got->key_id >> 8);
		spi[3] = (uint8_t)got->key_id;
		spi[4] = (uint8_t)(m.csb_id >> 24);
		spi[5] = (uint8_t)(m.csb_id >> 16);
		spi[6] = (uint8_t)(m.csb_id >> 8);
		spi[7] = (uint8_t)m.csb_id;
		if (m.map_type != MIKEY_MAP_GENERIC || m.ncs != 1 ||
		    m.cs[0].spi.len != 8 || memcmp(m.cs[0].spi.p, spi, 8) !=
		    0) {
			fail_req(what, 0, "SPI is not GMK-ID || GUK-ID");
			goto out;
		}
	} else
		got->key_id = m.csb_id;
	if (KEY_ID_PURPOSE(got->key_id) != (unsigned)purpose ||
	    KEY_ID_PURPOSE(m.csb_id) != (unsigned)purpose) {
		fail_req(what, 0, "purpose tag %u, want %u",
		    KEY_ID_PURPOSE(got->key_id), (unsigned)purpose);
		goto out;
	}
	/* Associated parameters under the key. */
	if ((gx = mikey_imsg_gext(&m, MIKEY_GEXT_AP)) == NULL ||
	    (c = mikey_ap_open(gx->data.p, gx->data.len, got->key, m.csb_id,
	    &ap, pt, sizeof(pt))) != CRYPTO_OK) {
		fail_req(what, 0, "associated parameters not opened");
		goto out;
	}
	if (ap.key_type != (uint8_t)purpose || (ap.status & 1) == 0 ||
	    (purpose == KEY_PURPOSE_GMK && (ap.groups.len != strlen(grp) ||
	    memcmp(ap.groups.p, grp, ap.groups.len) != 0))) {
		fail_req(what, 0, "associated parameters: key type %u, status "
		    "%u, group block of %zu octets", ap.key_type, ap.status,
		    ap.groups.len);
		goto out;
	}
	u->wolf = u->wolf && w == KC_WOLF_OK;
	ret = 0;
 out:
	OPENSSL_cleanse(wssv, sizeof(wssv));		/* wipe: key */
	OPENSSL_cleanse(pt, sizeof(pt));
	if (ret != 0)
		OPENSSL_cleanse(got, sizeof(*got));
	return ret;
}

static int
uf_save_imsg(const struct uf *u, const char *name, const uint8_t *msg,
    size_t len)
{
	if (u->o->o_save == NULL)
		return 0;
	return save_bin(u->o->o_save, name, msg, len);
}

/*
 * DIR/ue-flow.txt: the public values a third party needs to check the
 * saved files (identities, UIDs, key IDs; never a key).
 */
static int
uf_manifest(const struct uf *u, uint32_t gmk_id, const uint32_t *guk,
    uint32_t pck_id)
{
	char	 path[KC_URL_LEN], h[2 * UID_LEN + 1];
	FILE	*f;
	int	 i, ok;

	if (u->o->o_save == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/ue-flow.txt", u->o->o_save);
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
		    strerror(errno));
		return -1;
	}
	fprintf(f, "# kms-client ue-flow: public values of this run\n"
	    "KmsUri %s\nUserKeyPeriod %llu\nUserKeyOffset %llu\n"
	    "KeyPeriodNo %llu\nGroup %s\n", u->cert.ui_kms_uri,
	    u->cert.ui_period, u->cert.ui_offset,
	    u->r[KC_GMS].own->uk_period_no, u->o->o_group);
	for (i = 0; i < KC_ROLES; i++) {
		hex32(u->r[i].own->uk_uid, UID_LEN, h, sizeof(h));
		fprintf(f, "Role %s %s UID %s %s\n", role_name[i],
		    u->r[i].uri, h, u->r[i].trk ? "trk" : "plaintext");
	}
	fprintf(f, "IMessage imsg-gmk-a.bin gms a GMK-ID %08x CSB-ID %08x\n"
	    "IMessage imsg-gmk-b.bin gms b GMK-ID %08x CSB-ID %08x\n"
	    "IMessage imsg-pck-a-b.bin a b PCK-ID %08x CSB-ID %08x\n",
	    gmk_id, guk[0], gmk_id, guk[1], pck_id, pck_id);
	ok = !ferror(f);
	if (fclose(f) != 0 || !ok) {
		fprintf(stderr, "%s: %s: write failed\n", progname, path);
		return -1;
	}
	return 0;
}

static void
uf_free(struct uf *u)
{
	int	 i;

	for (i = 0; i < KC_ROLES; i++) {
		if (u->r[i].sets != NULL)
			OPENSSL_cleanse(u->r[i].sets, UCHECK_SETS_MAX *
			    sizeof(*u->r[i].sets));
		free(u->r[i].sets);
		ucheck_free(u->r[i].uc);
	}
}

int
run_ue_flow(const struct opts *o)
{
	static uint8_t		 msg[2][MIKEY_MSG_MAX], pmsg[MIKEY_MSG_MAX];
	struct uf		 u;
	struct uf_got		 got[2], pgot;
	uint8_t			 gmk[UF_KEY_LEN], pck[UF_KEY_LEN], x[4];
	uint8_t			 ssv[SAKKE_SSV_LEN];
	size_t			 len[2], plen;
	uint32_t		 gmk_id, pck_id, guk[2], csb;
	char			 uidh[2][17], name[40];
	enum kc_role		 to;
	int			 i, ret;

	memset(&u, 0, sizeof(u));
	memset(got, 0, sizeof(got));
	memset(&pgot, 0, sizeof(pgot));
	u.o = o;
	u.wolf = true;
	if ((ret = uf_setup(&u)) != 0)
		goto out;
	ret = 1;
	if (uf_init(&u) != 0)
		goto out;
	for (i = 0; i < KC_ROLES; i++)
		if (uf_keyprov(&u, (enum kc_role)i) != 0)
			goto out;
	if (uf_certcache(&u) != 0)
		goto out;

	/* The GMS distributes a GMK to A and B. */
	if (RAND_bytes(gmk, sizeof(gmk)) != 1 || RAND_bytes(x, 4) != 1)
		goto out;
	gmk_id = KEY_ID_MAKE(KEY_PURPOSE_GMK, (uint32_t)x[0] << 24 |
	    (uint32_t)x[1] << 16 | (uint32_t)x[2] << 8 | x[3]);
	for (i = 0; i < 2; i++) {
		to = i == 0 ? KC_A : KC_B;
		if (uf_send(&u, KC_GMS, to, KEY_PURPOSE_GMK, gmk, gmk_id,
		    msg[i], sizeof(msg[i]), &len[i], &guk[i]) != 0)
			goto out;
		snprintf(name, sizeof(name), "imsg-gmk-%s.bin", role_name[to]);
		if (uf_save_imsg(&u, name, msg[i], len[i]) != 0)
			goto out;
		hex32(u.r[to].own->uk_uid, 8, uidh[i], sizeof(uidh[i]));
		step(&u, "gms -> %s: GMK I_MESSAGE built by firmware/crypto "
		    "(%zu octets, GMK-ID 0x%08x, CSB ID = GUK-ID 0x%08x, "
		    "SAKKE to UID %s..., associated parameters for %s sealed "
		    "under the GMK, signed with the GMS's SSK)",
		    role_name[to], len[i], gmk_id, guk[i], uidh[i],
		    o->o_group);
	}
	for (i = 0; i < 2; i++) {
		to = i == 0 ? KC_A : KC_B;
		if (uf_receive(&u, KC_GMS, to, KEY_PURPOSE_GMK, msg[i], len[i],
		    &got[i]) != 0)
			goto out;
		if (CRYPTO_memcmp(got[i].key, gmk, sizeof(gmk)) != 0 ||
		    got[i].key_id != gmk_id) {
			fail_req("ue-flow", 0, "%s recovered another GMK",
			    role_name[to]);
			goto out;
		}
		step(&u, "%s <- gms: signature by UID(%s) under KPAK verified "
		    "(firmware/crypto%s), GMK recovered with %s's RSK "
		    "(firmware/crypto%s), GMK-ID 0x%08x from GUK-ID 0x%08x, "
		    "associated parameters opened (key type GMK, group %s)",
		    role_name[to], u.r[KC_GMS].uri, u.wolf ? ", wolfSSL" : "",
		    role_name[to], u.wolf ? ", wolfSSL" : "", got[i].key_id,
		    guk[i], o->o_group);
	}
	/* Each message is for its receiver only. */
	for (i = 0; i < 2; i++) {
		struct mikey_imsg	 m;
		const struct uf_role	*other = &u.r[i == 0 ? KC_B : KC_A];

		if (mikey_imsg_parse(msg[i], len[i], &m) != CRYPTO_OK ||
		    sakke_decapsulate(m.sakke_data, other->own->uk_uid,
		    UID_LEN, other->own->uk_rsk, u.cert.ui_z, ssv) ==
		    CRYPTO_OK || sakke_decapsulate(m.sakke_data,
		    u.r[i == 0 ? KC_A : KC_B].own->uk_uid, UID_LEN,
		    other->own->uk_rsk, u.cert.ui_z, ssv) == CRYPTO_OK) {
			fail_req("ue-flow", 0, "another user's RSK opens the "
			    "GMK message to %s", role_name[i == 0 ? KC_A :
			    KC_B]);
			goto out;
		}
	}
	step(&u, "a and b hold the GMS's GMK under GMK-ID 0x%08x (GUK-IDs "
	    "0x%08x, 0x%08x differ per user); neither's RSK opens the "
	    "other's message", gmk_id, guk[0], guk[1]);

	/* A sends a PCK to B. */
	if (RAND_bytes(pck, sizeof(pck)) != 1 || RAND_bytes(x, 4) != 1)
		goto out;
	pck_id = KEY_ID_MAKE(KEY_PURPOSE_PCK, (uint32_t)x[0] << 24 |
	    (uint32_t)x[1] << 16 | (uint32_t)x[2] << 8 | x[3]);
	if (uf_send(&u, KC_A, KC_B, KEY_PURPOSE_PCK, pck, pck_id, pmsg,
	    sizeof(pmsg), &plen, &csb) != 0 ||
	    uf_save_imsg(&u, "imsg-pck-a-b.bin", pmsg, plen) != 0)
		goto out;
	step(&u, "a -> b: PCK I_MESSAGE built by firmware/crypto (%zu octets, "
	    "CSB ID = PCK-ID 0x%08x, SAKKE to UID %s..., signed with a's SSK)",
	    plen, pck_id, uidh[1]);
	if (uf_receive(&u, KC_A, KC_B, KEY_PURPOSE_PCK, pmsg, plen,
	    &pgot) != 0)
		goto out;
	if (CRYPTO_memcmp(pgot.key, pck, sizeof(pck)) != 0 ||
	    pgot.key_id != pck_id) {
		fail_req("ue-flow", 0, "b recovered another PCK");
		goto out;
	}
	step(&u, "b <- a: signature by UID(%s) verified (firmware/crypto%s), "
	    "PCK recovered with b's RSK (firmware/crypto%s), PCK-ID 0x%08x, "
	    "associated parameters opened (key type PCK)", u.r[KC_A].uri,
	    u.wolf ? ", wolfSSL" : "", u.wolf ? ", wolfSSL" : "", pck_id);
	if (uf_manifest(&u, gmk_id, guk, pck_id) != 0)
		goto out;
	if (!o->o_quiet)
		printf("ue-flow: all %d steps verified (%s)\n", u.steps,
		    u.wolf ? "independent checks by OpenSSL and wolfSSL" :
		    "no wolfSSL in this build: keys checked by OpenSSL, "
		    "I_MESSAGEs by firmware/crypto only");
	ret = 0;
 out:
	if (ret == 1 && !o->o_quiet)
		printf("ue-flow: FAILED after %d verified steps\n", u.steps);
	OPENSSL_cleanse(gmk, sizeof(gmk));		/* wipe: keys */
	OPENSSL_cleanse(pck, sizeof(pck));
	OPENSSL_cleanse(ssv, sizeof(ssv));
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_cleanse(&pgot, sizeof(pgot));
	uf_free(&u);
	return ret;
}
