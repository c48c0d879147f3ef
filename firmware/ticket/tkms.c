/*
 * tkms.c - the KMS side of MIKEY-TICKET mode 1 (RFC 6043 4.1.1; TS
 * 33.328 6.2.3): REQUEST_INIT_PSK -> REQUEST_RESP and RESOLVE_INIT_PSK ->
 * RESOLVE_RESP, with the checks of notes 7.1 / 7.2 in this order:
 * parse, data type, PRF and algorithms, timestamp window, replay cache,
 * user key, MAC, identities, policy / ticket.  docs/ticket.md 4.
 *
 * Nothing is kept per ticket; the only state is the replay cache (RFC
 * 3830 5.4): one entry per authenticated initial message, keyed on data
 * type, timestamp and RAND, kept until the timestamp leaves the window.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "ticket.h"
#include "ticket_local.h"

#define REPLAY_ID_LEN	16
#define KEMAC_PLAIN_MAX	192	/* MPKi, MPKr('), TGK('): 3 x (4+32+1+4) */

struct replay_ent {
	uint8_t		 re_id[REPLAY_ID_LEN];	/* SHA-256(dt|T|RAND) prefix */
	int64_t		 re_until;		/* 0: free */
};

struct tkms {
	char			 k_id[TK_ID_MAX + 1];
	size_t			 k_id_len;
	unsigned		 k_skew;
	unsigned		 k_lifetime;
	struct tkms_keys	 k_keys;
	pthread_mutex_t		 k_mtx;
	struct replay_ent	*k_replay;
	size_t			 k_replay_max;
	int64_t			 k_start;	/* cache empty since; 0 unset */
	char			 k_peer_id[TK_ID_MAX + 1];	/* or "" */
	size_t			 k_peer_id_len;
};

/* What an initial message gave, once parsed and checked. */
struct init_msg {
	struct mk_msg			 m;
	const struct mk_payload		*t, *rand, *idu, *idkms, *idpsk;
	const struct mk_payload		*tp, *v;
	const uint8_t			*kms_id;	/* IDRkms data or ours */
	bool				 from_peer;	/* K2K: the peer's key */
	size_t				 kms_id_len;
	struct tk_keyset		 ks;		/* its message keys */
	struct tk_key			 psk;
	int64_t				 t_unix;
};

/* see ticket.h */
int
tkms_new(const struct tkms_conf *conf, const struct tkms_keys *keys,
    struct tkms **out)
{
	struct tkms	*k;

	if (out != NULL)
		*out = NULL;
	if (conf == NULL || keys == NULL || out == NULL ||
	    conf->kms_id == NULL || conf->kms_id[0] == '\0' ||
	    strlen(conf->kms_id) > TK_ID_MAX || keys->psk == NULL ||
	    keys->tpk == NULL || keys->random == NULL)
		return -1;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return -1;
	k->k_id_len = strlen(conf->kms_id);
	memcpy(k->k_id, conf->kms_id, k->k_id_len + 1);
	k->k_skew = conf->skew ? conf->skew : TKMS_SKEW_DEFAULT;
	k->k_lifetime = conf->lifetime ? conf->lifetime :
	    TKMS_LIFETIME_DEFAULT;
	k->k_replay_max = conf->replay_max ? conf->replay_max :
	    TKMS_REPLAY_MAX;
	k->k_keys = *keys;
	k->k_start = conf->start;
	if (conf->peer_id != NULL) {
		if (strlen(conf->peer_id) > TK_ID_MAX) {
			free(k);
			return -1;
		}
		k->k_peer_id_len = strlen(conf->peer_id);
		memcpy(k->k_peer_id, conf->peer_id, k->k_peer_id_len + 1);
	}
	if ((k->k_replay = calloc(k->k_replay_max, sizeof(*k->k_replay))) ==
	    NULL) {
		free(k);
		return -1;
	}
	pthread_mutex_init(&k->k_mtx, NULL);
	*out = k;
	return 0;
}

/* see ticket.h */
void
tkms_free(struct tkms *k)
{
	if (k == NULL)
		return;
	pthread_mutex_destroy(&k->k_mtx);
	free(k->k_replay);
	free(k);
}

/* The replay id of an initial message: data type, T, RAND. */
static void
replay_id(const struct init_msg *im, uint8_t id[REPLAY_ID_LEN])
{
	uint8_t		 b[2 + 8 + 256], dig[SHA256_DIGEST_LENGTH];
	uint64_t	 v = im->t->u.ts.value;
	size_t		 n = 0, i;

	b[n++] = im->m.p[0].u.hdr.data_type;
	b[n++] = im->t->u.ts.ts_type;
	for (i = 0; i < 8; i++)
		b[n++] = (uint8_t)(v >> (56 - 8 * i));
	memcpy(b + n, im->rand->u.rand.rand, im->rand->u.rand.rand_len);
	n += im->rand->u.rand.rand_len;
	SHA256(b, n, dig);
	memcpy(id, dig, REPLAY_ID_LEN);
}

/*
 * Looks id up in the replay cache; with add, inserts it until until.
 * 0 fresh (added), 1 seen before, -1 the cache is full of live entries
 * (the KMS cannot tell: refuse until they age out, RFC 3830 5.4).
 */
static int
replay_check(struct tkms *k, const uint8_t id[REPLAY_ID_LEN], int64_t now,
    int64_t until, bool add)
{
	struct replay_ent	*free_ent = NULL;
	size_t			 i;
	int			 rc = 0;

	pthread_mutex_lock(&k->k_mtx);
	for (i = 0; i < k->k_replay_max; i++) {
		struct replay_ent *e = &k->k_replay[i];

		if (e->re_until != 0 && e->re_until < now)
			e->re_until = 0;
		if (e->re_until == 0) {
			if (free_ent == NULL)
				free_ent = e;
			continue;
		}
		if (memcmp(e->re_id, id, REPLAY_ID_LEN) == 0) {
			rc = 1;
			goto out;
		}
	}
	if (add) {
		if (free_ent == NULL) {
			rc = -1;
			goto out;
		}
		memcpy(free_ent->re_id, id, REPLAY_ID_LEN);
		free_ent->re_until = until;
	}
 out:
	pthread_mutex_unlock(&k->k_mtx);
	return rc;
}

/* Sets the result of a refusal by HTTP status. */
static int
refuse_http(struct tkms_result *res, int status, const char *reason)
{
	res->http = status;
	res->mikey_err = TKMS_NO_ERR;
	res->reason = reason;
	return 0;
}

/*
 * Answers 200 with a MIKEY Error message (RFC 6043 5.4).  With keys (an
 * authenticated message) it carries a V under that message's auth_key;
 * without, none (RFC 3830 5.1.2: no MAC for a failed authentication).
 */
static int
refuse_mikey(struct tkms *k, const struct mk_hdr *hdr,
    const struct tk_keyset *ks, uint8_t err, int64_t now, uint8_t *out,
    size_t out_size, size_t *out_len, struct tkms_result *res,
    const char *reason)
{
	struct mk_ts_view	 t;
	size_t			 mac_off = 0;

	(void)k;
	memset(&t, 0, sizeof(t));
	t.ts_type = MK_TS_NTP_UTC;
	t.value = tk_ntp_from_unix(now);
	res->reason = reason;
	if (mk_error_build(hdr, &t, &err, 1, ks != NULL ?
	    MK_MAC_HMAC_SHA256_256 : MK_MAC_NULL, out, out_size, out_len,
	    &mac_off) != MK_OK)
		return refuse_http(res, 500, "error message not built");
	if (ks != NULL && tk_mac(ks->auth, out, mac_off, NULL, 0, NULL, 0,
	    out + mac_off) != 0)
		return refuse_http(res, 500, "error message not built");
	res->http = 200;
	res->mikey_err = err;
	return 0;
}

/* The one IDR of role in m, or NULL; *dup when there are two. */
static const struct mk_payload *
find_idr(const struct mk_msg *m, uint8_t role, bool *dup)
{
	const struct mk_payload	*p = NULL, *f = NULL;

	while ((p = mk_find(m, MK_PT_IDR, p)) != NULL) {
		if (p->u.id.role != role)
			continue;
		if (f != NULL)
			*dup = true;
		f = p;
	}
	return f;
}

static const struct mk_payload *
find_randr(const struct mk_msg *m, uint8_t role)
{
	const struct mk_payload	*p = NULL;

	while ((p = mk_find(m, MK_PT_RANDR, p)) != NULL) {
		if (p->u.rand.role == role)
			return p;
	}
	return NULL;
}

/*
 * Parses and authenticates an initial message (steps 1-7 of notes 7.1 and
 * 7.2).  Returns 1 when it passed (im filled, keys derived), 0 when *res
 * holds the refusal (and out the Error message).
 */
static int
init_check(struct tkms *k, enum tkms_req rq, const uint8_t *msg,
    size_t len, int64_t now, const struct tkms_peer_in *peer,
    struct init_msg *im, uint8_t *out,
    size_t out_size, size_t *out_len, struct tkms_result *res)
{
	const struct mk_hdr	*hdr;
	uint8_t			 want_dt, pk_dt, urole, rrole;
	uint8_t			 rid[REPLAY_ID_LEN];
	bool			 dup = false, old;
	size_t			 mac_off;
	int			 rc;
	uint8_t			 mac[TK_MAC_LEN];

	if (mk_decode(msg, len, &im->m) != MK_OK)
		return refuse_http(res, 400, "malformed MIKEY message"), 0;
	hdr = &im->m.p[0].u.hdr;
	if (rq == TKMS_TICKET_REQUEST) {
		want_dt = MK_DT_REQUEST_INIT_PSK;
		pk_dt = MK_DT_REQUEST_INIT_PK;
		urole = MK_ROLE_I;
		rrole = MK_RANDR_I;
	} else {
		want_dt = MK_DT_RESOLVE_INIT_PSK;
		pk_dt = MK_DT_RESOLVE_INIT_PK;
		urole = MK_ROLE_R;
		rrole = MK_RANDR_R;
	}
	/* The public-key variants (RFC 6043 4.2.1.3, 4.2.3.3) are not
	 * offered: MIKEY error 11, unauthenticated (docs/ticket.md 1). */
	if (hdr->data_type == pk_dt)
		return refuse_mikey(k, hdr, NULL, MK_E_DT, now, out, out_size,
		    out_len, res, "public-key variant not offered"), 0;
	if (hdr->data_type != want_dt)
		return refuse_http(res, 400, "data type does not match "
		    "requesttype"), 0;
	if (hdr->prf != MK_PRF_HMAC_SHA256)
		return refuse_mikey(k, hdr, NULL, MK_E_PRF, now, out,
		    out_size, out_len, res, "PRF not supported"), 0;
	if (hdr->cs_count != 0 || hdr->map_type != MK_MAP_EMPTY)
		return refuse_http(res, 400, "crypto sessions in an initial "
		    "message"), 0;

	im->t = mk_find(&im->m, MK_PT_T, NULL);
	im->rand = find_randr(&im->m, rrole);
	im->idu = find_idr(&im->m, urole, &dup);
	im->idkms = find_idr(&im->m, MK_ROLE_KMS, &dup);
	im->idpsk = find_idr(&im->m, MK_ROLE_PSK, &dup);
	im->tp = mk_find(&im->m, rq == TKMS_TICKET_REQUEST ? MK_PT_TP :
	    MK_PT_TICKET, NULL);
	im->v = mk_find(&im->m, MK_PT_V, NULL);
	if (im->t == NULL || im->rand == NULL || im->tp == NULL ||
	    im->v == NULL || dup || im->v != &im->m.p[im->m.count - 1])
		return refuse_http(res, 400, "mandatory payload missing"), 0;
	if (im->v->u.v.auth_alg != MK_MAC_HMAC_SHA256_256)
		return refuse_mikey(k, hdr, NULL, MK_E_MAC, now, out, out_size,
		    out_len, res, "MAC algorithm not supported"), 0;
	if (im->rand->u.rand.rand_len < TK_RAND_MIN)
		return refuse_http(res, 400, "RAND too short"), 0;

	/* Timestamp window and replay: cheap, before any key is used. */
	im->t_unix = tk_unix_from_ts(im->t->u.ts.ts_type, im->t->u.ts.value);
	if (im->t_unix == INT64_MIN)
		return refuse_mikey(k, hdr, NULL, MK_E_TS, now, out, out_size,
		    out_len, res, "timestamp type not accepted"), 0;
	if (im->t_unix < now - (int64_t)k->k_skew ||
	    im->t_unix > now + (int64_t)k->k_skew)
		return refuse_mikey(k, hdr, NULL, MK_E_TS, now, out, out_size,
		    out_len, res, "stale timestamp"), 0;
	pthread_mutex_lock(&k->k_mtx);
	if (k->k_start == 0)
		k->k_start = now;
	old = im->t_unix < k->k_start - 1;
	pthread_mutex_unlock(&k->k_mtx);
	if (old)
		return refuse_mikey(k, hdr, NULL, MK_E_TS, now, out, out_size,
		    out_len, res, "timestamp before the replay cache started"),
		    0;
	replay_id(im, rid);
	if (replay_check(k, rid, now, 0, false) != 0)
		return refuse_mikey(k, hdr, NULL, MK_E_TS, now, out, out_size,
		    out_len, res, "replayed message"), 0;

	/* Who: the user's identity and key identifier are both required. */
	if (im->idu == NULL || im->idpsk == NULL ||
	    im->idu->u.id.data_len == 0 ||
	    im->idu->u.id.data_len > TK_ID_MAX ||
	    im->idpsk->u.id.id_type != MK_ID_BYTES ||
	    im->idpsk->u.id.data_len == 0 ||
	    im->idpsk->u.id.data_len > TK_ID_MAX)
		return refuse_mikey(k, hdr, NULL, MK_E_ID, now, out, out_size,
		    out_len, res, "user identity or key identifier missing"),
		    0;
	memcpy(res->identity, im->idu->u.id.data, im->idu->u.id.data_len);
	res->identity[im->idu->u.id.data_len] = '\0';
	/* The peer KMS over mutual TLS names itself in IDRpsk; its key is
	 * the one exported from that session (tk2k.c). */
	if (rq == TKMS_TICKET_RESOLVE && peer != NULL &&
	    k->k_peer_id_len > 0 && strcmp(peer->peer_id, k->k_peer_id) == 0 &&
	    im->idpsk->u.id.data_len == k->k_peer_id_len &&
	    memcmp(im->idpsk->u.id.data, k->k_peer_id, k->k_peer_id_len) == 0) {
		memset(&im->psk, 0, sizeof(im->psk));
		im->psk.raw = peer->key;
		im->psk.raw_len = TK_KEY_LEN;
		im->from_peer = true;
		rc = 0;
	} else
		rc = k->k_keys.psk(k->k_keys.ctx, im->idpsk->u.id.data,
		    im->idpsk->u.id.data_len, im->idu->u.id.data,
		    im->idu->u.id.data_len, &im->psk);
	if (rc < 0)
		return refuse_http(res, 503, "key store unavailable"), 0;
	if (rc > 0)
		return refuse_mikey(k, hdr, NULL, MK_E_AUTH, now, out,
		    out_size, out_len, res, "unknown user key"), 0;

	/* The MAC: msg || Identity_user || Identity_kms (RFC 6043 5.5). */
	if (im->idkms != NULL) {
		im->kms_id = im->idkms->u.id.data;
		im->kms_id_len = im->idkms->u.id.data_len;
	} else {
		im->kms_id = (const uint8_t *)k->k_id;
		im->kms_id_len = k->k_id_len;
	}
	if (tk_derive_keys(&im->psk, 0xff, hdr->csb_id, TK_L_INIT,
	    rq == TKMS_TICKET_REQUEST ? im->rand->u.rand.rand : NULL,
	    rq == TKMS_TICKET_REQUEST ? im->rand->u.rand.rand_len : 0,
	    rq == TKMS_TICKET_RESOLVE ? im->rand->u.rand.rand : NULL,
	    rq == TKMS_TICKET_RESOLVE ? im->rand->u.rand.rand_len : 0, true,
	    &im->ks) != 0)
		return refuse_http(res, 503, "key store unavailable"), 0;
	mac_off = im->v->off + im->v->len - TK_MAC_LEN;
	if (tk_mac(im->ks.auth, msg, mac_off, im->idu->u.id.data,
	    im->idu->u.id.data_len, im->kms_id, im->kms_id_len, mac) != 0)
		return refuse_http(res, 500, "MAC not computed"), 0;
	if (CRYPTO_memcmp(mac, msg + mac_off, TK_MAC_LEN) != 0)
		return refuse_mikey(k, hdr, NULL, MK_E_AUTH, now, out,
		    out_size, out_len, res, "bad MAC"), 0;

	/* Authenticated: remember it, refuse a second copy. */
	rc = replay_check(k, rid, now, im->t_unix + (int64_t)k->k_skew + 1,
	    true);
	if (rc > 0)
		return refuse_mikey(k, hdr, NULL, MK_E_TS, now, out, out_size,
		    out_len, res, "replayed message"), 0;
	if (rc < 0)
		return refuse_http(res, 503, "replay cache full"), 0;
	if (im->kms_id_len != k->k_id_len ||
	    memcmp(im->kms_id, k->k_id, k->k_id_len) != 0)
		return refuse_mikey(k, hdr, &im->ks, MK_E_ID, now, out,
		    out_size, out_len, res, "IDRkms is not this KMS"), 0;
	return 1;
}

/* The response HDR: copied from the request (RFC 6043 4.2.1.1). */
static void
resp_hdr(struct mk_payload *p, const struct mk_hdr *req, uint8_t dt)
{
	memset(p, 0, sizeof(*p));
	p->type = MK_PT_HDR;
	p->u.hdr.version = MK_VERSION;
	p->u.hdr.data_type = dt;
	p->u.hdr.prf = req->prf;
	p->u.hdr.csb_id = req->csb_id;
	p->u.hdr.cs_count = 0;
	p->u.hdr.map_type = MK_MAP_EMPTY;
}

static void
set_idr(struct mk_payload *p, uint8_t role, uint8_t type, const void *d,
    size_t len)
{
	memset(p, 0, sizeof(*p));
	p->type = MK_PT_IDR;
	p->u.id.role = role;
	p->u.id.id_type = type;
	p->u.id.data = d;
	p->u.id.data_len = len;
}

static void
set_tr(struct mk_payload *p, uint8_t role, uint64_t v)
{
	memset(p, 0, sizeof(*p));
	p->type = MK_PT_TR;
	p->u.ts.role = role;
	p->u.ts.ts_type = MK_TS_NTP_UTC;
	p->u.ts.value = v;
}

/*
 * The response KEMAC: MPKi, [MPKr or MPKr' (mpk2, forking)], TGK or TGK'
 * under the response keys of the request's PSK, IV with the response's
 * T (notes 6.6).  enc gets the ciphertext.
 */
static int
resp_kemac(const struct init_msg *im, enum tkms_req rq, uint64_t t,
    const uint8_t mpki[TK_KEY_LEN], const uint8_t *mpk2,
    const uint8_t tgk[TK_KEY_LEN], const uint8_t tgk_spi[TK_SPI_LEN],
    struct tk_keyset *rks, uint8_t *enc, size_t enc_size, size_t *enc_len,
    struct mk_payload *p)
{
	struct mk_keydata	 kd[3];
	uint8_t			 plain[KEMAC_PLAIN_MAX];
	uint8_t			 spi0 = 0, spi1 = 1;
	size_t			 n, nk = 0;
	const struct mk_hdr	*hdr = &im->m.p[0].u.hdr;
	int			 rc = -1;

	if (tk_derive_keys(&im->psk, 0xff, hdr->csb_id, TK_L_RESP,
	    rq == TKMS_TICKET_REQUEST ? im->rand->u.rand.rand : NULL,
	    rq == TKMS_TICKET_REQUEST ? im->rand->u.rand.rand_len : 0,
	    rq == TKMS_TICKET_RESOLVE ? im->rand->u.rand.rand : NULL,
	    rq == TKMS_TICKET_RESOLVE ? im->rand->u.rand.rand_len : 0, true,
	    rks) != 0)
		return -1;
	memset(kd, 0, sizeof(kd));
	kd[nk].key_type = MK_KEY_MPK;
	kd[nk].kv = MK_KV_SPI;
	kd[nk].key = mpki;
	kd[nk].key_len = TK_KEY_LEN;
	kd[nk].spi = &spi0;
	kd[nk++].spi_len = 1;
	if (mpk2 != NULL) {
		kd[nk].key_type = MK_KEY_MPK;
		kd[nk].kv = MK_KV_SPI;
		kd[nk].key = mpk2;
		kd[nk].key_len = TK_KEY_LEN;
		kd[nk].spi = &spi1;
		kd[nk++].spi_len = 1;
	}
	kd[nk].key_type = MK_KEY_TGK;
	kd[nk].kv = MK_KV_SPI;
	kd[nk].key = tgk;
	kd[nk].key_len = TK_KEY_LEN;
	kd[nk].spi = tgk_spi;
	kd[nk++].spi_len = TK_SPI_LEN;
	if (mk_encode_keydata(kd, nk, plain, sizeof(plain), &n) != MK_OK ||
	    n > enc_size ||
	    tk_aes_cm(rks->encr, rks->salt, hdr->csb_id, t, plain, n, enc) != 0)
		goto out;
	memset(p, 0, sizeof(*p));
	p->type = MK_PT_KEMAC;
	p->u.kemac.encr_alg = MK_ENCR_AES_CM_256;
	p->u.kemac.encr_data = enc;
	p->u.kemac.encr_len = n;
	p->u.kemac.mac_alg = MK_MAC_NULL;
	*enc_len = n;
	rc = 0;
 out:
	/* wipe: key data in clear */
	OPENSSL_cleanse(plain, sizeof(plain));
	return rc;
}

/* MPKi / MPKr = PRF(MPK, const || 0xFF || 0xFFFFFFFF || 0x06 || RAND). */
static int
mpk_of(const struct tk_ticket *tk, uint32_t cnst, uint8_t out[TK_KEY_LEN])
{
	return tk_mpk_derive(tk->mpk, cnst, tk->rand, TK_RAND_LEN, out);
}

/* Signs response out[0..len) (V last): MAC over resp || initial msg. */
static int
resp_sign(const struct tk_keyset *rks, const uint8_t *msg, size_t msg_len,
    uint8_t *out, size_t len)
{
	return tk_mac(rks->auth, out, len - TK_MAC_LEN, msg, msg_len, NULL, 0,
	    out + len - TK_MAC_LEN);
}

/* The policy the KMS grants: D E H N O, K when it differs from asked. */
#define GRANTED_FLAGS	(MK_TP_D | MK_TP_E | MK_TP_H | MK_TP_N | MK_TP_O)

static int
ticket_request(struct tkms *k, struct init_msg *im, const uint8_t *msg,
    size_t len, int64_t now, uint8_t *out, size_t out_size, size_t *out_len,
    struct tkms_result *res)
{
	const struct mk_hdr	*hdr = &im->m.p[0].u.hdr;
	const struct mk_tp	*rtp = &im->tp->u.tp;
	struct mk_payload	 tpd[MK_PAYLOADS_MAX], gp[MK_PAYLOADS_MAX];
	struct mk_payload	 rp[8];
	struct tk_ticket	 tk;
	struct tk_keyset	 rks;
	struct tk_key		 tpk;
	struct mk_tp		 gtp;
	uint8_t			 tpdata[2048], tdata[TF_DATA_MAX];
	uint8_t			 enc[KEMAC_PLAIN_MAX];
	uint8_t			 mpki[TK_KEY_LEN], mpkr[TK_KEY_LEN];
	uint16_t		 granted;
	size_t			 ntpd, i, ng = 0, nr = 0, n, elen;
	uint64_t		 te = 0, ts_now = tk_ntp_from_unix(now);
	int64_t			 te_unix;
	bool			 have_r = false;
	int			 rc = 0;

	memset(&tk, 0, sizeof(tk));
	memset(&rks, 0, sizeof(rks));
	if (rtp->ticket_type != TF_TYPE || rtp->subtype != TF_SUBTYPE ||
	    rtp->version != TF_VERSION)
		return refuse_mikey(k, hdr, &im->ks, MK_E_TICKET, now, out,
		    out_size, out_len, res, "ticket type not supported");
	if (mk_decode_embedded(rtp->tp_data, rtp->tp_data_len, tpd,
	    MK_PAYLOADS_MAX, &ntpd) != MK_OK)
		return refuse_mikey(k, hdr, &im->ks, MK_E_TPPAR, now, out,
		    out_size, out_len, res, "TP Data malformed");
	/* Granted TP Data: IDRkms, IDRi, TRs, TRe, (IDRr) (RFC 6043 6.10). */
	set_idr(&gp[ng++], MK_ROLE_KMS, MK_ID_URI, k->k_id, k->k_id_len);
	set_idr(&gp[ng++], MK_ROLE_I, im->idu->u.id.id_type,
	    im->idu->u.id.data, im->idu->u.id.data_len);
	set_tr(&gp[ng++], MK_TSR_START, ts_now);
	te_unix = now + (int64_t)k->k_lifetime;
	for (i = 0; i < ntpd; i++) {
		if (tpd[i].type == MK_PT_TR && tpd[i].u.ts.role == MK_TSR_END) {
			int64_t want = tk_unix_from_ts(tpd[i].u.ts.ts_type,
			    tpd[i].u.ts.value);

			if (want == INT64_MIN || want <= now)
				return refuse_mikey(k, hdr, &im->ks,
				    MK_E_TPPAR, now, out, out_size, out_len,
				    res, "requested validity not acceptable");
			if (want < te_unix)
				te_unix = want;
		}
	}
	te = tk_ntp_from_unix(te_unix);
	set_tr(&gp[ng++], MK_TSR_END, te);
	for (i = 0; i < ntpd && ng < MK_PAYLOADS_MAX; i++) {
		if (tpd[i].type == MK_PT_IDR && tpd[i].u.id.role == MK_ROLE_R) {
			gp[ng] = tpd[i];
			ng++;
			have_r = true;
		}
	}
	if (!have_r)
		return refuse_mikey(k, hdr, &im->ks, MK_E_TPPAR, now, out,
		    out_size, out_len, res, "no responder in the ticket policy");
	if (mk_encode_embedded(gp, ng, tpdata, sizeof(tpdata), &n) != MK_OK)
		return refuse_mikey(k, hdr, &im->ks, MK_E_TPPAR, now, out,
		    out_size, out_len, res, "ticket policy too large");

	memset(&gtp, 0, sizeof(gtp));
	gtp.ticket_type = TF_TYPE;
	gtp.subtype = TF_SUBTYPE;
	gtp.version = TF_VERSION;
	gtp.prf = MK_PRF_HMAC_SHA256;
	/* Forking when asked (RFC 6043 12.4 recommends it): I, and F
	 * (I with a TGK in the ticket needs a TRANSFER_RESP). */
	granted = GRANTED_FLAGS;
	if (rtp->flags & MK_TP_I)
		granted |= MK_TP_I | MK_TP_F;
	gtp.flags = granted;
	if ((rtp->flags & ~MK_TP_K) != granted ||
	    rtp->prf != MK_PRF_HMAC_SHA256)
		gtp.flags |= MK_TP_K;
	gtp.tp_data = tpdata;
	gtp.tp_data_len = n;

	/* Keys: MPK, TGK, SPI and ticket RAND from the HSM's generator. */
	rc = k->k_keys.tpk(k->k_keys.ctx, 0, &tpk, &tk.key_gen);
	if (rc != 0) {
		refuse_http(res, 503, rc > 0 ? "no ticket key provisioned" :
		    "key store unavailable");
		goto out;
	}
	tk.issued = ts_now;
	if (k->k_keys.random(k->k_keys.ctx, tk.rand, TK_RAND_LEN) != 0 ||
	    k->k_keys.random(k->k_keys.ctx, tk.mpk, TK_KEY_LEN) != 0 ||
	    k->k_keys.random(k->k_keys.ctx, tk.tgk, TK_KEY_LEN) != 0 ||
	    k->k_keys.random(k->k_keys.ctx, tk.tgk_spi, TK_SPI_LEN) != 0) {
		refuse_http(res, 503, "random generator unavailable");
		goto out;
	}
	if (tf_seal(&tpk, &gtp, &tk, tdata, sizeof(tdata), &elen) != TF_OK) {
		refuse_http(res, 503, "ticket not sealed");
		goto out;
	}
	gtp.ticket_data = tdata;
	gtp.ticket_data_len = elen;
	if (mpk_of(&tk, TK_C_MPKI, mpki) != 0 ||
	    mpk_of(&tk, TK_C_MPKR, mpkr) != 0) {
		refuse_http(res, 500, "MPKi not derived");
		goto out;
	}

	/* REQUEST_RESP = HDR, T, IDRkms, TICKET, KEMAC, V (RFC 6043 5.1). */
	resp_hdr(&rp[nr++], hdr, MK_DT_REQUEST_RESP);
	memset(&rp[nr], 0, sizeof(rp[nr]));
	rp[nr].type = MK_PT_T;
	rp[nr].u.ts.ts_type = MK_TS_NTP_UTC;
	rp[nr++].u.ts.value = ts_now;
	set_idr(&rp[nr++], MK_ROLE_KMS, MK_ID_URI, k->k_id, k->k_id_len);
	memset(&rp[nr], 0, sizeof(rp[nr]));
	rp[nr].type = MK_PT_TICKET;
	rp[nr++].u.tp = gtp;
	if (resp_kemac(im, TKMS_TICKET_REQUEST, ts_now, mpki,
	    (granted & MK_TP_I) ? mpkr : NULL, tk.tgk, tk.tgk_spi, &rks, enc,
	    sizeof(enc), &elen, &rp[nr++]) != 0) {
		refuse_http(res, 503, "response keys not derived");
		goto out;
	}
	memset(&rp[nr], 0, sizeof(rp[nr]));
	rp[nr].type = MK_PT_V;
	rp[nr].u.v.auth_alg = MK_MAC_HMAC_SHA256_256;
	rp[nr++].u.v.mac_len = TK_MAC_LEN;
	if (mk_encode(rp, nr, out, out_size, out_len) != MK_OK ||
	    resp_sign(&rks, msg, len, out, *out_len) != 0) {
		*out_len = 0;
		refuse_http(res, 500, "response not encoded");
		goto out;
	}
	res->http = 200;
	res->mikey_err = TKMS_NO_ERR;
	res->released = true;
	res->reason = "ticket issued";
 out:
	/* wipe: ticket secrets and response keys */
	OPENSSL_cleanse(&tk, sizeof(tk));
	OPENSSL_cleanse(&rks, sizeof(rks));
	OPENSSL_cleanse(mpki, sizeof(mpki));
	OPENSSL_cleanse(mpkr, sizeof(mpkr));
	return 0;
}

/*
 * Checks the Initiator Data of a forking ticket (RFC 6043 4.2.3.4, 6.10):
 * First Payload, Vi, Vr; Vr's MAC over the Initiator Data before it,
 * with the auth_key of the unforked MPKr.  0 authentic, -1 not.
 */
static int
check_initiator_data(const struct mk_tp *ttp, const uint8_t mpkr[TK_KEY_LEN])
{
	struct mk_payload	 p[4];
	uint8_t			 auth[TK_KEY_LEN], mac[TK_MAC_LEN];
	size_t			 n;
	int			 rc = -1;

	if (ttp->init_data == NULL || ttp->init_data_len <= TK_MAC_LEN ||
	    mk_decode_embedded(ttp->init_data, ttp->init_data_len, p, 4, &n) !=
	    MK_OK || n != 2 || p[0].type != MK_PT_V || p[1].type != MK_PT_V ||
	    p[0].u.v.auth_alg != MK_MAC_HMAC_SHA256_256 ||
	    p[1].u.v.auth_alg != MK_MAC_HMAC_SHA256_256)
		return -1;
	if (tk_vr_key(mpkr, auth) == 0 &&
	    tk_mac(auth, ttp->init_data, ttp->init_data_len - TK_MAC_LEN, NULL,
	    0, NULL, 0, mac) == 0 &&
	    CRYPTO_memcmp(mac, ttp->init_data + ttp->init_data_len -
	    TK_MAC_LEN, TK_MAC_LEN) == 0)
		rc = 0;
	/* wipe: the Vr key */
	OPENSSL_cleanse(auth, sizeof(auth));
	return rc;
}

/* tf_key_fn over struct tkms_keys. */
static int
find_tpk(void *ctx, uint32_t gen, struct tk_key *out)
{
	const struct tkms_keys	*keys = ctx;
	uint32_t		 g;

	if (gen == 0)
		return 1;
	return keys->tpk(keys->ctx, gen, out, &g);
}

/* The keys and modifier a RESOLVE_RESP carries. */
struct resolved {
	const uint8_t	*mpki;
	const uint8_t	*mpk2;		/* MPKr' or NULL */
	const uint8_t	*tgk;		/* TGK or TGK' */
	const uint8_t	*tgk_spi;
	uint8_t		 idr_type;
	const uint8_t	*idr;
	size_t		 idr_len;
	const uint8_t	*rkms;		/* RANDRkms or NULL */
	size_t		 rkms_len;
};

/*
 * RESOLVE_RESP = HDR, T, IDRkms, KEMAC, IDRr, [RANDRkms], V for the user
 * of im (RFC 6043 4.2.3.5): keys under the response keys of its PSK, V
 * over resp || msg.  0 (res: 200), -1 (res holds the refusal).
 */
static int
resolve_resp(struct tkms *k, const struct init_msg *im, const uint8_t *msg,
    size_t len, int64_t now, const struct resolved *rk, uint8_t *out,
    size_t out_size, size_t *out_len, struct tkms_result *res)
{
	const struct mk_hdr	*hdr = &im->m.p[0].u.hdr;
	struct mk_payload	 rp[8];
	struct tk_keyset	 rks;
	uint8_t			 enc[KEMAC_PLAIN_MAX];
	uint64_t		 ts_now = tk_ntp_from_unix(now);
	size_t			 nr = 0, elen;
	int			 rc = -1;

	memset(&rks, 0, sizeof(rks));
	resp_hdr(&rp[nr++], hdr, MK_DT_RESOLVE_RESP);
	memset(&rp[nr], 0, sizeof(rp[nr]));
	rp[nr].type = MK_PT_T;
	rp[nr].u.ts.ts_type = MK_TS_NTP_UTC;
	rp[nr++].u.ts.value = ts_now;
	set_idr(&rp[nr++], MK_ROLE_KMS, MK_ID_URI, k->k_id, k->k_id_len);
	if (resp_kemac(im, TKMS_TICKET_RESOLVE, ts_now, rk->mpki, rk->mpk2,
	    rk->tgk, rk->tgk_spi, &rks, enc, sizeof(enc), &elen, &rp[nr++]) !=
	    0) {
		refuse_http(res, 503, "response keys not derived");
		goto out;
	}
	set_idr(&rp[nr++], MK_ROLE_R, rk->idr_type, rk->idr, rk->idr_len);
	if (rk->rkms != NULL) {
		memset(&rp[nr], 0, sizeof(rp[nr]));
		rp[nr].type = MK_PT_RANDR;
		rp[nr].u.rand.role = MK_RANDR_KMS;
		rp[nr].u.rand.rand = rk->rkms;
		rp[nr++].u.rand.rand_len = rk->rkms_len;
	}
	memset(&rp[nr], 0, sizeof(rp[nr]));
	rp[nr].type = MK_PT_V;
	rp[nr].u.v.auth_alg = MK_MAC_HMAC_SHA256_256;
	rp[nr++].u.v.mac_len = TK_MAC_LEN;
	if (mk_encode(rp, nr, out, out_size, out_len) != MK_OK ||
	    resp_sign(&rks, msg, len, out, *out_len) != 0) {
		*out_len = 0;
		refuse_http(res, 500, "response not encoded");
		goto out;
	}
	res->http = 200;
	res->mikey_err = TKMS_NO_ERR;
	res->released = true;
	rc = 0;
 out:
	/* wipe: response keys */
	OPENSSL_cleanse(&rks, sizeof(rks));
	return rc;
}

/*
 * Where a ticket resolves (RFC 6043 10): 0 here (no IDRkms in its TP Data,
 * or ours), 1 at the peer KMS (its IDRkms; not for a message that came
 * from the peer itself), -1 nowhere we know.
 */
static int
ticket_route(const struct tkms *k, const struct init_msg *im)
{
	const struct mk_tp	*ttp = &im->tp->u.tp;
	struct mk_payload	 tpd[MK_PAYLOADS_MAX];
	const struct mk_id_view	*id = NULL;
	size_t			 n, i;

	if (mk_decode_embedded(ttp->tp_data, ttp->tp_data_len, tpd,
	    MK_PAYLOADS_MAX, &n) != MK_OK)
		return 0;	/* tf_open refuses it */
	for (i = 0; i < n; i++)
		if (tpd[i].type == MK_PT_IDR && tpd[i].u.id.role == MK_ROLE_KMS)
			id = &tpd[i].u.id;
	if (id == NULL || (id->data_len == k->k_id_len &&
	    memcmp(id->data, k->k_id, k->k_id_len) == 0))
		return 0;
	if (!im->from_peer && k->k_peer_id_len > 0 &&
	    id->data_len == k->k_peer_id_len &&
	    memcmp(id->data, k->k_peer_id, k->k_peer_id_len) == 0)
		return 1;
	return -1;
}

/*
 * KMS_R: resolve im's ticket at the peer KMS and re-encode the answer for
 * our user (TS 33.328 6.2.3.8; tk2k.c has the messages).  An Error from
 * the peer goes to the user with the same Error no, under the user's
 * keys.
 */
static int
k2k_forward(struct tkms *k, struct init_msg *im, const uint8_t *msg,
    size_t len, int64_t now, uint8_t *out, size_t out_size, size_t *out_len,
    struct tkms_result *res)
{
	const struct mk_hdr	*hdr = &im->m.p[0].u.hdr;
	struct tk2k_req		*rq = NULL;
	struct tk2k_ans		*an = NULL;
	struct resolved		 rk;
	uint8_t			*ans = NULL;
	size_t			 alen = 0;

	if (k->k_keys.peer_resolve == NULL) {
		refuse_http(res, 503, "peer KMS link not started");
		goto out;
	}
	if ((rq = calloc(1, sizeof(*rq))) == NULL ||
	    (an = calloc(1, sizeof(*an))) == NULL ||
	    (ans = malloc(MK_MSG_MAX)) == NULL) {
		refuse_http(res, 503, "out of memory");
		goto out;
	}
	rq->user_hdr = hdr;
	rq->idr = im->idu;
	rq->ticket = im->tp;
	rq->own_id = k->k_id;
	rq->peer_id = k->k_peer_id;
	rq->now = now;
	if (k->k_keys.random(k->k_keys.ctx, rq->randr, sizeof(rq->randr)) !=
	    0) {
		refuse_http(res, 503, "random generator unavailable");
		goto out;
	}
	if (k->k_keys.peer_resolve(k->k_keys.ctx, tk2k_build, rq, ans,
	    MK_MSG_MAX, &alen) != 0) {
		refuse_http(res, 503, "peer KMS unavailable");
		goto out;
	}
	if (tk2k_open(rq, ans, alen, an) != 0) {
		refuse_http(res, 503, "peer KMS answer not acceptable");
		goto out;
	}
	if (an->err != TKMS_NO_ERR) {
		refuse_mikey(k, hdr, &im->ks, an->err, now, out, out_size,
		    out_len, res, "refused by the peer KMS");
		goto out;
	}
	memset(&rk, 0, sizeof(rk));
	rk.mpki = an->mpki;
	rk.mpk2 = an->has_mpk2 ? an->mpk2 : NULL;
	rk.tgk = an->tgk;
	rk.tgk_spi = an->tgk_spi;
	rk.idr_type = an->idr_type;
	rk.idr = an->idr;
	rk.idr_len = an->idr_len;
	rk.rkms = an->rkms_len > 0 ? an->rkms : NULL;
	rk.rkms_len = an->rkms_len;
	if (resolve_resp(k, im, msg, len, now, &rk, out, out_size, out_len,
	    res) == 0)
		res->reason = "ticket resolved through the peer KMS";
 out:
	/* wipe: channel key, keys from the peer */
	if (rq != NULL)
		OPENSSL_cleanse(rq, sizeof(*rq));
	if (an != NULL)
		OPENSSL_cleanse(an, sizeof(*an));
	if (ans != NULL)
		OPENSSL_cleanse(ans, MK_MSG_MAX);
	free(rq);
	free(an);
	free(ans);
	return 0;
}

static int
ticket_resolve(struct tkms *k, struct init_msg *im, const uint8_t *msg,
    size_t len, int64_t now, uint8_t *out, size_t out_size, size_t *out_len,
    struct tkms_result *res)
{
	const struct mk_hdr	*hdr = &im->m.p[0].u.hdr;
	const struct mk_tp	*ttp = &im->tp->u.tp;
	struct mk_payload	 tpd[MK_PAYLOADS_MAX];
	struct tk_ticket	 tk;
	struct tk_keyset	 rks;
	struct resolved		 rk;
	uint8_t			 mpki[TK_KEY_LEN];
	uint8_t			 mpkr[TK_KEY_LEN], mpkr_f[TK_KEY_LEN];
	uint8_t			 tgk_f[TK_KEY_LEN], rkms[TK_RAND_LEN];
	bool			 fork = (ttp->flags & MK_TP_I) != 0;
	size_t			 ntpd, i;
	int64_t			 trs = INT64_MIN, tre = INT64_MIN;
	bool			 authorised = false;
	enum tf_status		 st;
	int			 route;

	/* Only KMS-made tickets (D = 1): mode 1.  A ticket the initiator
	 * made (mode 3) or one for mode 2/4 has no meaning here. */
	if (!(ttp->flags & MK_TP_D))
		return refuse_mikey(k, hdr, &im->ks, MK_E_TICKET, now, out,
		    out_size, out_len, res, "ticket made by the initiator "
		    "(mode 3) not supported");
	/* Whose ticket: ours, the peer KMS's (forward), or unknown. */
	if ((route = ticket_route(k, im)) != 0) {
		if (route > 0)
			return k2k_forward(k, im, msg, len, now, out, out_size,
			    out_len, res);
		return refuse_mikey(k, hdr, &im->ks, MK_E_ID, now, out,
		    out_size, out_len, res, "ticket from an unknown KMS");
	}
	memset(&rks, 0, sizeof(rks));
	memset(mpki, 0, sizeof(mpki));
	memset(mpkr, 0, sizeof(mpkr));
	memset(mpkr_f, 0, sizeof(mpkr_f));
	memset(tgk_f, 0, sizeof(tgk_f));
	st = tf_open(find_tpk, &k->k_keys, ttp, &tk);
	if (st == TF_ERR_DEVICE)
		return refuse_http(res, 503, "key store unavailable");
	if (st != TF_OK)
		return refuse_mikey(k, hdr, &im->ks, MK_E_TICKET, now, out,
		    out_size, out_len, res, st == TF_ERR_KEY ?
		    "ticket from an unknown ticket key" : "invalid ticket");
	if (mk_decode_embedded(ttp->tp_data, ttp->tp_data_len, tpd,
	    MK_PAYLOADS_MAX, &ntpd) != MK_OK) {
		refuse_mikey(k, hdr, &im->ks, MK_E_TICKET, now, out, out_size,
		    out_len, res, "invalid ticket");
		goto out;
	}
	for (i = 0; i < ntpd; i++) {
		if (tpd[i].type == MK_PT_TR && tpd[i].u.ts.role == MK_TSR_START)
			trs = tk_unix_from_ts(tpd[i].u.ts.ts_type,
			    tpd[i].u.ts.value);
		if (tpd[i].type == MK_PT_TR && tpd[i].u.ts.role == MK_TSR_END)
			tre = tk_unix_from_ts(tpd[i].u.ts.ts_type,
			    tpd[i].u.ts.value);
		if (tpd[i].type == MK_PT_IDR && tpd[i].u.id.role == MK_ROLE_R &&
		    tpd[i].u.id.data_len == im->idu->u.id.data_len &&
		    memcmp(tpd[i].u.id.data, im->idu->u.id.data,
		    tpd[i].u.id.data_len) == 0)
			authorised = true;
	}
	/* Every ticket we issue has TRs and TRe; the window is closed. */
	if (trs == INT64_MIN || tre == INT64_MIN || now > tre ||
	    now + (int64_t)k->k_skew < trs) {
		refuse_mikey(k, hdr, &im->ks, MK_E_TICKET, now, out, out_size,
		    out_len, res, "expired ticket");
		goto out;
	}
	if (!authorised) {
		refuse_mikey(k, hdr, &im->ks, MK_E_ID, now, out, out_size,
		    out_len, res, "responder not named in the ticket");
		goto out;
	}
	if (mpk_of(&tk, TK_C_MPKI, mpki) != 0 ||
	    mpk_of(&tk, TK_C_MPKR, mpkr) != 0) {
		refuse_http(res, 500, "MPKi not derived");
		goto out;
	}
	if (fork) {
		/* Only the requester (MPKr holder) made this Initiator Data;
		 * the modifier is the responder named in the ticket and a
		 * fresh RANDRkms (RFC 6043 4.2.3.5, 5.1.1). */
		if (check_initiator_data(ttp, mpkr) != 0) {
			refuse_mikey(k, hdr, &im->ks, MK_E_TICKET, now, out,
			    out_size, out_len, res,
			    "initiator data not authentic");
			goto out;
		}
		if (k->k_keys.random(k->k_keys.ctx, rkms, sizeof(rkms)) != 0) {
			refuse_http(res, 503, "random generator unavailable");
			goto out;
		}
		if (tk_fork(mpkr, TK_C_MPKR_FORK, im->idu->u.id.data,
		    im->idu->u.id.data_len, rkms, sizeof(rkms), mpkr_f) != 0 ||
		    tk_fork(tk.tgk, TK_C_TGK_FORK, im->idu->u.id.data,
		    im->idu->u.id.data_len, rkms, sizeof(rkms), tgk_f) != 0) {
			refuse_http(res, 500, "forked keys not derived");
			goto out;
		}
	}
	memset(&rk, 0, sizeof(rk));
	rk.mpki = mpki;
	rk.mpk2 = fork ? mpkr_f : NULL;
	rk.tgk = fork ? tgk_f : tk.tgk;
	rk.tgk_spi = tk.tgk_spi;
	rk.idr_type = im->idu->u.id.id_type;
	rk.idr = im->idu->u.id.data;
	rk.idr_len = im->idu->u.id.data_len;
	rk.rkms = fork ? rkms : NULL;
	rk.rkms_len = fork ? sizeof(rkms) : 0;
	if (resolve_resp(k, im, msg, len, now, &rk, out, out_size, out_len,
	    res) != 0)
		goto out;
	if (im->from_peer)
		res->reason = fork ? "ticket resolved for the peer KMS (forked "
		    "keys)" : "ticket resolved for the peer KMS";
	else
		res->reason = fork ? "ticket resolved (forked keys)" :
		    "ticket resolved";
 out:
	/* wipe: ticket secrets and response keys */
	OPENSSL_cleanse(&tk, sizeof(tk));
	OPENSSL_cleanse(&rks, sizeof(rks));
	OPENSSL_cleanse(mpki, sizeof(mpki));
	OPENSSL_cleanse(mpkr, sizeof(mpkr));
	OPENSSL_cleanse(mpkr_f, sizeof(mpkr_f));
	OPENSSL_cleanse(tgk_f, sizeof(tgk_f));
	return 0;
}

/* see ticket.h */
int
tkms_handle(struct tkms *k, enum tkms_req rq, const uint8_t *msg,
    size_t len, int64_t now, uint8_t *out, size_t out_size, size_t *out_len,
    struct tkms_result *res)
{
	return tkms_handle_peer(k, rq, msg, len, now, NULL, out, out_size,
	    out_len, res);
}

/* see ticket.h */
int
tkms_handle_peer(struct tkms *k, enum tkms_req rq, const uint8_t *msg,
    size_t len, int64_t now, const struct tkms_peer_in *peer, uint8_t *out,
    size_t out_size, size_t *out_len, struct tkms_result *res)
{
	struct init_msg	*im;
	int		 rc;

	if (res == NULL)
		return -1;
	memset(res, 0, sizeof(*res));
	res->mikey_err = TKMS_NO_ERR;
	if (out_len != NULL)
		*out_len = 0;
	if (k == NULL || msg == NULL || out == NULL || out_len == NULL ||
	    (rq != TKMS_TICKET_REQUEST && rq != TKMS_TICKET_RESOLVE)) {
		refuse_http(res, 500, "bad arguments");
		return -1;
	}
	if ((im = calloc(1, sizeof(*im))) == NULL) {
		refuse_http(res, 503, "out of memory");
		return 0;
	}
	if (init_check(k, rq, msg, len, now, peer, im, out, out_size, out_len,
	    res))
		rc = rq == TKMS_TICKET_REQUEST ?
		    ticket_request(k, im, msg, len, now, out, out_size,
		    out_len, res) :
		    ticket_resolve(k, im, msg, len, now, out, out_size,
		    out_len, res);
	else
		rc = 0;
	if (res->http != 200)
		*out_len = 0;
	/* wipe: message keys */
	OPENSSL_cleanse(&im->ks, sizeof(im->ks));
	free(im);
	return rc;
}
