/*
 * thttp.c - the HTTP binding of the MIKEY-TICKET KMS (TS 33.328 Annex A;
 * status codes of seed 004's table) and the HSM behind it.
 *
 *   POST /keymanagement?requesttype=ticketrequest | ticketresolve
 *   Content-Type: application/mikey, body base64 of one MIKEY message
 *
 * Failures of the HTTP procedure get a 4xx/5xx status (docs/ticket.md 2):
 * wrong method 405 (net/ from the route table), no or unknown requesttype
 * 404, wrong content type, bad base64, unparseable MIKEY or a data type
 * that does not match requesttype 400, a body over TKMS_BODY_MAX or a
 * message over MK_MSG_MAX 413, HSM trouble or an unreachable peer KMS 503
 * with Retry-After.  MIKEY-level refusals (PK variants included: error
 * 11) are a MIKEY Error message in a 200.  [ticket] sets skew, lifetime,
 * replay cache and the peer KMS (tpeer.c); a resolve over TLS whose client
 * certificate names the peer gets the peer's key (tkms_handle_peer).
 * Every refusal and every release is audited (store), never with keys.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "board.h"
#include "hsm.h"
#include "kmsd.h"
#include "net.h"
#include "store.h"
#include "ticket.h"
#include "ticket_local.h"

#define RETRY_AFTER	"5"
#define PSK_GEN		1	/* psk.1.<B-TID>|<identity> */

static pthread_once_t	 tkms_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t	 tkms_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct tkms	*tkms_g;
static struct hsm	*tkms_hsm;
static const struct kms_conf *tkms_cf;
static struct tpeer	*tkms_peer;	/* [ticket] peer KMS, or NULL */

/* tk_key hmac callback: HMAC-SHA-256 in the token with key k->id. */
static int
hsm_key_hmac(const struct tk_key *k, const uint8_t *d, size_t len,
    uint8_t out[TK_MAC_LEN])
{
	size_t	 ol = 0;

	if (hsm_hmac(k->ctx, (hsm_key_id)k->id, d, len, out, TK_MAC_LEN, &ol)
	    != HSM_OK || ol != TK_MAC_LEN)
		return -1;
	return 0;
}

static void
hsm_tk_key(struct hsm *h, hsm_key_id id, struct tk_key *out)
{
	memset(out, 0, sizeof(*out));
	out->hmac = hsm_key_hmac;
	out->ctx = h;
	out->id = id;
}

/* tkms_keys.psk: the label "psk.1.<keyid>|<identity>" (hsm.h). */
static int
keys_psk(void *ctx, const uint8_t *keyid, size_t keyid_len,
    const uint8_t *ident, size_t ident_len, struct tk_key *out)
{
	struct hsm	*h = ctx;
	char		 label[HSM_LABEL_MAX + 1];
	hsm_key_id	 id;
	enum hsm_status	 st;
	size_t		 i, n;
	int		 len;

	/* Only printable, space-free bytes can be part of a label. */
	for (i = 0; i < keyid_len + ident_len; i++) {
		uint8_t c = i < keyid_len ? keyid[i] : ident[i - keyid_len];

		if (c <= 0x20 || c >= 0x7f)
			return 1;
	}
	len = snprintf(label, sizeof(label), "%s%d.%.*s|%.*s", HSM_PSK_PREFIX,
	    PSK_GEN, (int)keyid_len, (const char *)keyid, (int)ident_len,
	    (const char *)ident);
	n = (size_t)len;
	if (len < 0 || n >= sizeof(label))
		return 1;
	st = hsm_key_find(h, HSM_KC_MIKEY_PSK, label, &id);
	if (st == HSM_ERR_NOT_FOUND || st == HSM_ERR_ARGS)
		return 1;
	if (st != HSM_OK)
		return -1;
	hsm_tk_key(h, id, out);
	return 0;
}

/* tkms_keys.tpk: "tpk.<gen>.ticket"; gen 0 the newest generation. */
static int
keys_tpk(void *ctx, uint32_t gen, struct tk_key *out, uint32_t *gen_out)
{
	struct hsm		*h = ctx;
	struct hsm_key_info	 ki;
	enum hsm_key_class	 kc;
	char			 label[HSM_LABEL_MAX + 1];
	unsigned long		 n, best = 0;
	hsm_key_id		 i, id = HSM_KEY_NONE;
	enum hsm_status		 st;

	if (gen == 0) {
		for (i = 1; hsm_key_info(h, i, &ki) == HSM_OK; i++) {
			if (ki.hki_class != HSM_KC_TICKET ||
			    hsm_user_key_name_parse(ki.hki_label, &kc, &n,
			    NULL) != HSM_OK || n > UINT32_MAX)
				continue;
			if (n > best) {
				best = n;
				id = i;
			}
		}
		if (id == HSM_KEY_NONE)
			return 1;
		*gen_out = (uint32_t)best;
		hsm_tk_key(h, id, out);
		return 0;
	}
	if (hsm_user_key_name(HSM_KC_TICKET, gen, "ticket", label,
	    sizeof(label)) != HSM_OK)
		return 1;
	st = hsm_key_find(h, HSM_KC_TICKET, label, &id);
	if (st == HSM_ERR_NOT_FOUND)
		return 1;
	if (st != HSM_OK)
		return -1;
	*gen_out = gen;
	hsm_tk_key(h, id, out);
	return 0;
}

static int
keys_random(void *ctx, uint8_t *out, size_t len)
{
	return hsm_random(ctx, out, len) == HSM_OK ? 0 : -1;
}

/* tkms_keys.peer_resolve: through the link of tpeer.c. */
static int
keys_peer_resolve(void *ctx, tkms_k2k_build_fn *build, void *bctx,
    uint8_t *ans, size_t ans_size, size_t *ans_len)
{
	(void)ctx;
	return tpeer_resolve(tkms_peer, build, bctx, ans, ans_size, ans_len);
}

/* The client side of the peer link: our TLS certificate and HSM key. */
static void
peer_init(void)
{
	struct evp_pkey_st	*pk = NULL;
	hsm_key_id		 id;

	if (tkms_cf->ticket_peer_id[0] == '\0')
		return;
	if (hsm_key_find(tkms_hsm, HSM_KC_TLS, tkms_cf->tls_key_label, &id) !=
	    HSM_OK || hsm_tls_pkey(tkms_hsm, id, &pk) != HSM_OK) {
		log_warnx("ticket: no TLS key '%s' for the peer KMS link",
		    tkms_cf->tls_key_label);
		return;
	}
	if (tpeer_new(tkms_cf->ticket_peer_url, tkms_cf->ticket_peer_id,
	    tkms_cf->ticket_peer_ca, tkms_cf->tls_cert, pk, &tkms_peer) != 0)
		log_warnx("ticket: the peer KMS link did not start");
	else
		log_info("ticket: peer KMS %s at %s", tkms_cf->ticket_peer_id,
		    tkms_cf->ticket_peer_url);
	EVP_PKEY_free(pk);	/* the TLS context keeps its reference */
}

static void
tkms_init(void)
{
	struct tkms_keys	 keys;
	struct tkms_conf	 conf;

	memset(&keys, 0, sizeof(keys));
	keys.psk = keys_psk;
	keys.tpk = keys_tpk;
	keys.random = keys_random;
	keys.ctx = tkms_hsm;
	memset(&conf, 0, sizeof(conf));
	conf.kms_id = tkms_cf->kms_uri;
	conf.skew = tkms_cf->ticket_skew;
	conf.lifetime = tkms_cf->ticket_lifetime;
	conf.replay_max = tkms_cf->ticket_replay;
	peer_init();
	if (tkms_cf->ticket_peer_id[0] != '\0')
		conf.peer_id = tkms_cf->ticket_peer_id;
	if (tkms_peer != NULL)
		keys.peer_resolve = keys_peer_resolve;
	if (tkms_new(&conf, &keys, &tkms_g) != 0)
		log_warnx("ticket: the MIKEY-TICKET KMS did not start");
	else
		log_info("ticket: MIKEY-TICKET KMS %s: skew %u s, lifetime %u s,"
		    " replay cache %u", conf.kms_id, conf.skew, conf.lifetime,
		    (unsigned)conf.replay_max);
}

/* The value of query parameter name, into out; 0 found, -1 not. */
static int
query_param(const char *q, const char *name, char *out, size_t out_size)
{
	size_t	 nlen = strlen(name), vlen;
	const char *p, *e;

	for (p = q; p != NULL && *p != '\0'; p = *e ? e + 1 : e) {
		if ((e = strchr(p, '&')) == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			vlen = (size_t)(e - p) - nlen - 1;
			if (vlen >= out_size)
				return -1;
			memcpy(out, p + nlen + 1, vlen);
			out[vlen] = '\0';
			return 0;
		}
	}
	return -1;
}

/* True if the Content-Type names application/mikey (parameters allowed). */
static bool
is_mikey_type(const char *ct)
{
	size_t	 n = strlen(TKMS_CONTENT_TYPE);

	if (ct == NULL)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, TKMS_CONTENT_TYPE, n) != 0)
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

static void
audit(const struct kmsd *k, const struct http_request *req,
    const struct tkms_result *r, bool refused, int64_t now)
{
	struct store_audit	 a;

	if (k->store == NULL)
		return;
	memset(&a, 0, sizeof(a));
	a.sa_kind = refused ? STORE_AUDIT_REFUSED : STORE_AUDIT_ISSUED;
	a.sa_time = now;
	a.sa_period_no = -1;
	snprintf(a.sa_identity, sizeof(a.sa_identity), "%s", r->identity);
	snprintf(a.sa_request_id, sizeof(a.sa_request_id), "mikey-%s",
	    req->peer);
	if (refused && r->mikey_err != TKMS_NO_ERR)
		snprintf(a.sa_reason, sizeof(a.sa_reason),
		    "MIKEY-TICKET: %s (MIKEY error %u)", r->reason,
		    r->mikey_err);
	else
		snprintf(a.sa_reason, sizeof(a.sa_reason), "MIKEY-TICKET: %s"
		    " (HTTP %d)", r->reason, r->http);
	if (store_audit_add(k->store, &a) != STORE_OK)
		log_warnx("ticket: audit record not written");
}

/* A refusal of the HTTP procedure: status, audit, Retry-After on 503. */
static int
http_refuse(const struct kmsd *k, const struct http_request *req,
    struct http_response *res, struct tkms_result *r, int status,
    const char *reason, int64_t now)
{
	r->http = status;
	if (reason != NULL)
		r->reason = reason;
	r->mikey_err = TKMS_NO_ERR;
	audit(k, req, r, true, now);
	log_info("ticket: %s: %d %s", req->peer, status, r->reason);
	res->status = status;
	res->content_type = "text/plain";
	(void)buf_printf(&res->body, "%s\n", r->reason);
	if (status == 503)
		(void)http_response_header(res, "Retry-After", RETRY_AFTER);
	return 0;
}

/* see ticket.h */
int
ticket_http(const struct http_request *req, struct http_response *res,
    void *arg)
{
	const struct kmsd	*k = arg;
	const struct board	*bd = board_get();
	struct tkms_result	 r;
	enum tkms_req		 rq;
	char			 rt[32], *b64 = NULL;
	uint8_t			*msg = NULL, *out = NULL;
	struct tkms_peer_in	 pin;
	size_t			 mlen, olen = 0, blen;
	int64_t			 now;
	int			 rc = -1, pst = 1;

	if (k == NULL || k->conf == NULL || req == NULL || res == NULL)
		return -1;
	memset(&r, 0, sizeof(r));
	r.mikey_err = TKMS_NO_ERR;
	now = bd != NULL && bd->time_wall != NULL ? bd->time_wall() :
	    (int64_t)time(NULL);

	if (query_param(req->query, "requesttype", rt, sizeof(rt)) != 0)
		return http_refuse(k, req, res, &r, 404, "no requesttype",
		    now);
	if (strcmp(rt, "ticketrequest") == 0)
		rq = TKMS_TICKET_REQUEST;
	else if (strcmp(rt, "ticketresolve") == 0)
		rq = TKMS_TICKET_RESOLVE;
	else
		return http_refuse(k, req, res, &r, 404, "unknown requesttype",
		    now);
	if (!is_mikey_type(http_header_get(req, "Content-Type")))
		return http_refuse(k, req, res, &r, 400,
		    "content type is not application/mikey", now);
	if (req->body_len > TKMS_BODY_MAX)
		return http_refuse(k, req, res, &r, 413, "body too large",
		    now);
	if (req->body_len == 0)
		return http_refuse(k, req, res, &r, 400, "empty body", now);

	pthread_mutex_lock(&tkms_mtx);
	if (tkms_hsm == NULL) {
		tkms_hsm = k->hsm;
		tkms_cf = k->conf;
	}
	pthread_mutex_unlock(&tkms_mtx);
	(void)pthread_once(&tkms_once, tkms_init);
	if (tkms_g == NULL)
		return http_refuse(k, req, res, &r, 503, "KMS not started",
		    now);

	if ((msg = malloc(MK_MSG_MAX + 1)) == NULL ||
	    (out = malloc(MK_MSG_MAX)) == NULL ||
	    (b64 = malloc(MK_MSG_MAX / 3 * 4 + 8)) == NULL) {
		http_refuse(k, req, res, &r, 503, "out of memory", now);
		rc = 0;
		goto out;
	}
	if (tk_b64_decode((const char *)req->body, req->body_len, msg,
	    MK_MSG_MAX + 1, &mlen) != 0) {
		http_refuse(k, req, res, &r, 400, "body is not base64", now);
		rc = 0;
		goto out;
	}
	if (mlen > MK_MSG_MAX) {
		http_refuse(k, req, res, &r, 413, "MIKEY message too long",
		    now);
		rc = 0;
		goto out;
	}
	/* A resolve over mutual TLS from the peer KMS (tpeer.c). */
	if (rq == TKMS_TICKET_RESOLVE && tkms_cf->ticket_peer_id[0] != '\0')
		pst = tpeer_from_request(req->tls, tkms_cf->ticket_peer_id,
		    &pin);
	if (pst < 0) {
		http_refuse(k, req, res, &r, 503, "TLS keying material not "
		    "exported", now);
		rc = 0;
		goto out;
	}
	if (tkms_handle_peer(tkms_g, rq, msg, mlen, now, pst == 0 ? &pin :
	    NULL, out, MK_MSG_MAX, &olen, &r) != 0 || r.http != 200) {
		http_refuse(k, req, res, &r, r.http ? r.http : 500, NULL, now);
		rc = 0;
		goto out;
	}
	blen = tk_b64_encode(out, olen, b64, MK_MSG_MAX / 3 * 4 + 8);
	if (blen == 0 || buf_add(&res->body, b64, blen) != 0)
		goto out;
	res->status = 200;
	res->content_type = TKMS_CONTENT_TYPE;
	audit(k, req, &r, !r.released, now);
	if (!r.released)
		log_info("ticket: %s: MIKEY error %u: %s", req->peer,
		    r.mikey_err, r.reason);
	else
		log_info("ticket: %s: %s", req->peer, r.reason);
	rc = 0;
 out:
	/* wipe: the channel key; the answer carries encrypted keys only */
	OPENSSL_cleanse(&pin, sizeof(pin));
	if (out != NULL)
		OPENSSL_cleanse(out, MK_MSG_MAX);
	free(out);
	free(msg);
	free(b64);
	return rc;
}

/* see ticket.h */
int
tk_b64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_size,
    size_t *out_len)
{
	static const char	 al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t		 acc = 0;
	size_t			 i, n = 0, q = 0, pad = 0;
	const char		*p;

	*out_len = 0;
	for (i = 0; i < in_len; i++) {
		char c = in[i];

		if (c == '\r' || c == '\n' || c == ' ' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			acc <<= 6;
			q++;
		} else {
			if (pad > 0 || c == '\0' || (p = strchr(al, c)) == NULL)
				return -1;
			acc = acc << 6 | (uint32_t)(p - al);
			q++;
		}
		if (q == 4) {
			if (pad > 2 || n + 3 - pad > out_size)
				return -1;
			out[n++] = (uint8_t)(acc >> 16);
			if (pad < 2)
				out[n++] = (uint8_t)(acc >> 8);
			if (pad < 1)
				out[n++] = (uint8_t)acc;
			acc = 0;
			q = 0;
			if (pad > 0)
				break;
		}
	}
	/* Nothing may follow the padding; the input is whole quanta. */
	for (i = i + (i < in_len ? 1 : 0); i < in_len; i++) {
		if (in[i] != '\r' && in[i] != '\n' && in[i] != ' ' &&
		    in[i] != '\t')
			return -1;
	}
	if (q != 0 || n == 0)
		return -1;
	*out_len = n;
	return 0;
}

/* see ticket.h */
size_t
tk_b64_encode(const uint8_t *in, size_t len, char *out, size_t out_size)
{
	static const char	 al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t			 i, n = 0;
	uint32_t		 v;

	if ((len + 2) / 3 * 4 + 1 > out_size)
		return 0;
	for (i = 0; i < len; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[n++] = al[v >> 18 & 63];
		out[n++] = al[v >> 12 & 63];
		out[n++] = i + 1 < len ? al[v >> 6 & 63] : '=';
		out[n++] = i + 2 < len ? al[v & 63] : '=';
	}
	out[n] = '\0';
	return n;
}
