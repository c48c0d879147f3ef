/*
 * keyprov.c - KMS KeyProvision (TS 33.180 D.2, D.3.3; spec/mcx-kms.md
 * 1.2, 2, 3.6, 5.1, 6.3).
 *
 *   POST .../keyprov                   the token's identity and every
 *                                      identity bound to it, now
 *   POST .../keyprov/<URI>             that identity, now
 *   POST .../keyprov/<URI>/<NTP time>  that identity, the key period of
 *                                      the time (within the window)
 *
 * For each identity and key period: UID = uid_derive (F.2.1), RSK from
 * z_S (checked by sakke_rsk_check before release), SSK/PVT from KSAK,
 * both whole operations of hsm/ (hsm_derive.c): the master secrets never
 * reach this file.  Every
 * key set is audited before any is released: if an audit record cannot
 * be written, nothing is released (503).
 *
 * The same identity and period always get the same key set.  The RSK is
 * deterministic by definition; ECCSI's v is derived, RFC 6979 style
 * (computed in hsm/hsm_derive.c):
 *
 *   v = the first candidate in [1, q-1] of
 *       HMAC-SHA-256(KSAK, 0xFE || "kmsd-ECCSI-v" || L || UID || L ||
 *       counter || L)    (kdf_33220 with FC 0xFE, counter 0, 1, ...)
 *
 * so nothing is stored and nothing is random at issue time.  Why this is
 * safe (docs/identities.md): v must be secret, uniform and never shared
 * by two different IDs (two SSKs under one v reveal KSAK).  HMAC keyed by
 * the secret KSAK is a PRF, so v is indistinguishable from random to
 * anyone without KSAK; distinct UIDs (which already bind the KMS URI and
 * the period) give independent v; the same UID gives the same v, the
 * same PVT, the same HS and so the same SSK, which reveals nothing new.
 * Using the signing secret as the PRF key is the construction of
 * RFC 6979 (deterministic DSA/ECDSA nonces).  FC 0xFE is a private
 * value outside the ones TS 33.220/33.180 assign.
 */
#include <assert.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "crypto.h"
#include "hsm.h"
#include "mcx_local.h"

#define KP_PREFIX	MCX_ROOT "/keyprov"
#define KP_SETS_MAX	XML_KEYSETS_MAX	/* own + STORE_BINDINGS_MAX */
#define KP_TIME_HEX	16		/* NTP timestamp: 16 hex digits */

/* The key material of one key set: lives on the handler's stack only. */
struct kp_keys {
	uint8_t		 kk_rsk[SAKKE_RSK_LEN];
	uint8_t		 kk_ssk[ECCSI_SCALAR_LEN];
	uint8_t		 kk_pvt[ECCSI_POINT_LEN];
};

static_assert(XML_UID_LEN == UID_LEN, "UserID is the UID");
static_assert(KP_SETS_MAX >= 1 + STORE_BINDINGS_MAX, "room for bindings");

/*
 * The key set of one UID.  Returns HSM_OK, HSM_ERR_DEVICE when the token
 * failed or HSM_ERR_LOCKED when it was logged out meanwhile (both answer
 * 503), or another status (500).  keys is wiped on failure.
 */
static enum hsm_status
kp_derive(const struct kmsd *k, const struct kmsd_gen *g,
    const uint8_t uid[UID_LEN], uint64_t period, struct kp_keys *keys,
    size_t *cached)
{
	enum hsm_status		 st;
	size_t			 len;

	/* Derived ahead and sealed (precompute.c): the same bytes. */
	if (mcx_precompute_get(k, uid, period, keys->kk_rsk, keys->kk_ssk,
	    keys->kk_pvt) == 0) {
		(*cached)++;
		return HSM_OK;
	}
	st = hsm_derive_rsk(k->hsm, g->g_sakke, uid, UID_LEN, keys->kk_rsk,
	    sizeof(keys->kk_rsk), &len);
	if (st == HSM_OK)
		st = hsm_derive_ssk_pvt(k->hsm, g->g_eccsi, g->g_pub_auth,
		    uid, UID_LEN, keys->kk_ssk, keys->kk_pvt);
	if (st != HSM_OK)
		explicit_bzero(keys, sizeof(*keys));	/* wipe: partial keys */
	return st;
}

/*
 * The full NTP seconds of a 32-bit NTP seconds field: the era that puts
 * it nearest to now (RFC 5905 section 6; the field wraps in 2036).
 */
static uint64_t
kp_ntp_near(uint64_t now_ntp, uint32_t secs)
{
	const uint64_t	 era = UINT64_C(1) << 32;
	uint64_t	 t = (now_ntp & ~(era - 1)) | secs;

	if (t > now_ntp && t - now_ntp > era / 2 && t >= era)
		t -= era;
	else if (t < now_ntp && now_ntp - t > era / 2)
		t += era;
	return t;
}

/* Exactly KP_TIME_HEX hex digits, either case, into the seconds field. */
static int
kp_parse_time(const char *s, size_t len, uint32_t *secs)
{
	uint64_t	 v = 0;
	size_t		 i;
	char		 c;
	int		 d;

	if (len != KP_TIME_HEX)
		return -1;
	for (i = 0; i < len; i++) {
		c = s[i];
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	*secs = (uint32_t)(v >> 32);	/* the fraction is not needed */
	return 0;
}

/*
 * The response body: plaintext keys (KeyContentType) for a user without
 * a TrK; for a user with one (sec->ms_on), the keys wrapped under the
 * TrK (EncKeyContentType, [security] wrap_alg label), then rotation,
 * optional encryption and the signature (mcx_sec_finish).
 */
static int
kp_body(struct mcx_req *r, const struct kms_keyset_info *sets, size_t n,
    const struct mcx_sec *sec)
{
	const struct kms_conf	*c = r->mr_kmsd->conf;
	struct kms_resp_meta	 meta;
	xmlDocPtr		 doc = NULL;
	int			 rc;

	mcx_resp_meta(c, r->mr_subj.as_uri, r->mr_url, &meta);
	meta.time = r->mr_now;
	buf_reset(&r->mr_res->body);
	if (sec->ms_on) {
		rc = xml_sec_keyprov_doc(&meta, sets, n, &sec->ms_trk,
		    c->sec_wrap_alg, &doc);
		if (rc != XML_OK) {
			log_warnx("%s: wrapped KmsKeyProv: %s", __func__,
			    xml_strerror(rc));
			return -1;
		}
		if (mcx_sec_finish(r->mr_kmsd, sec, doc, r->mr_now,
		    &r->mr_res->body) != 0)
			return -1;
	} else {
		rc = xml_keyprov_response(&meta, sets, n, &r->mr_res->body);
		if (rc != XML_OK) {
			log_warnx("%s: KmsKeyProv: xml error %d", __func__,
			    rc);
			return -1;
		}
	}
	r->mr_res->status = 200;
	r->mr_res->content_type = MCX_CONTENT_TYPE;
	return 0;
}

/* An issuance record, durable before the key set is released. */
static int
kp_audit(const struct mcx_req *r, const char *identity, uint64_t period_no)
{
	struct store_audit	 a;

	memset(&a, 0, sizeof(a));
	a.sa_kind = STORE_AUDIT_ISSUED;
	a.sa_time = r->mr_now;
	snprintf(a.sa_subject, sizeof(a.sa_subject), "%s", r->mr_subj.as_uri);
	snprintf(a.sa_identity, sizeof(a.sa_identity), "%s", identity);
	a.sa_period_no = (int64_t)period_no;
	snprintf(a.sa_request_id, sizeof(a.sa_request_id), "%s", r->mr_id);
	snprintf(a.sa_token_id, sizeof(a.sa_token_id), "%s",
	    r->mr_subj.as_token_id);
	return store_audit_add(r->mr_kmsd->store, &a);
}

/*
 * Whether identity may be keyed for period_no: 0 yes; 1 no, audited only
 * (a bound identity left out of a plural answer, !answer); 2 refused and
 * answered; -1 internal failure.
 */
static int
kp_revoked(struct mcx_req *r, const char *identity, uint64_t period_no,
    bool answer)
{
	bool	 revoked = true;
	int	 rc;

	rc = store_is_revoked(r->mr_kmsd->store, identity, (int64_t)period_no,
	    &revoked);
	if (rc != STORE_OK && rc != STORE_ERR_ARGS)
		return mcx_refuse(r, 503, "store unavailable", NULL, identity,
		    (int64_t)period_no) == 0 ? 2 : -1;
	if (!revoked)
		return 0;
	if (answer)
		return mcx_refuse(r, 403, "identity revoked", NULL, identity,
		    (int64_t)period_no) == 0 ? 2 : -1;
	/* Left out of the answer; the refusal is audited all the same. */
	mcx_audit_refusal(r, "identity revoked", identity,
	    (int64_t)period_no);
	return 1;
}

/* see mcx_local.h */
int
mcx_keyprov(const struct http_request *req, struct http_response *res,
    void *arg)
{
	struct mcx_req		 r;
	struct auth_error	 err;
	struct store_identity	*bound = NULL;
	const struct kms_conf	*c;
	const char		*rest, *seg2 = NULL, *ids[KP_SETS_MAX];
	struct kp_keys		 keys[KP_SETS_MAX];
	struct kms_keyset_info	 sets[KP_SETS_MAX];
	struct mcx_sec		 sec;
	const struct kmsd_gen	*gen;
	uint8_t			 uids[KP_SETS_MAX][UID_LEN];
	char			 identity[STORE_URI_MAX + 1];
	uint64_t		 now_ntp, t, cur, want, from, to;
	uint32_t		 secs;
	size_t			 n = 0, nb = 0, i, len1, cached = 0;
	enum hsm_status		 st;
	bool			 named = false;
	int			 status = -1, rc;

	rc = mcx_begin(&r, req, res, arg);
	if (rc != 0)
		return rc > 0 ? 0 : -1;
	c = r.mr_kmsd->conf;
	memset(keys, 0, sizeof(keys));

	/* The path: "", "/<URI>" or "/<URI>/<time>"; nothing else. */
	rest = req->path + strlen(KP_PREFIX);
	if (*rest != '\0') {
		rest++;			/* the '/' (a prefix route) */
		seg2 = strchr(rest, '/');
		len1 = seg2 != NULL ? (size_t)(seg2 - rest) : strlen(rest);
		if (seg2 != NULL)
			seg2++;
		if (len1 == 0 || (seg2 != NULL && strchr(seg2, '/') != NULL)) {
			status = mcx_refuse(&r, 404, NULL, NULL, NULL, -1);
			goto done;
		}
		if (mcx_pct_decode(rest, len1, identity, sizeof(identity)) !=
		    0) {
			status = mcx_refuse(&r, 400, "malformed identity URI",
			    NULL, NULL, -1);
			goto done;
		}
		named = true;
	}

	/* The key period: now's, or the given time's within the window. */
	now_ntp = ntp_from_unix(r.mr_now);
	if (key_period_no(now_ntp, c->user_key_period, c->user_key_offset,
	    &cur) != CRYPTO_OK) {
		log_warnx("%s: no key period for now", __func__);
		goto done;
	}
	want = cur;
	if (seg2 != NULL) {
		if (kp_parse_time(seg2, strlen(seg2), &secs) != 0) {
			status = mcx_refuse(&r, 400, "malformed NTP time",
			    NULL, identity, -1);
			goto done;
		}
		t = kp_ntp_near(now_ntp, secs);
		if (key_period_no(t, c->user_key_period, c->user_key_offset,
		    &want) != CRYPTO_OK || want + c->keyprov_past < cur ||
		    want > cur + c->keyprov_future) {
			status = mcx_refuse(&r, 403, "time outside the key "
			    "period window", NULL, identity, -1);
			goto done;
		}
	}

	/* Which identities: the named one, or the subject's and bound. */
	if (named) {
		rc = auth_may_key(r.mr_kmsd->auth, &r.mr_subj, identity,
		    r.mr_kmsd->store, &err);
		if (rc != AUTH_OK) {
			status = mcx_refuse(&r, err.ae_status, err.ae_reason,
			    NULL, identity, (int64_t)want);
			goto done;
		}
		rc = kp_revoked(&r, identity, want, true);
		if (rc != 0) {
			status = rc < 0 ? -1 : 0;
			goto done;
		}
		ids[n++] = identity;
	} else {
		rc = auth_may_key(r.mr_kmsd->auth, &r.mr_subj,
		    r.mr_subj.as_uri, r.mr_kmsd->store, &err);
		if (rc != AUTH_OK) {
			status = mcx_refuse(&r, err.ae_status, err.ae_reason,
			    NULL, r.mr_subj.as_uri, (int64_t)want);
			goto done;
		}
		if ((bound = calloc(STORE_BINDINGS_MAX, sizeof(*bound))) ==
		    NULL)
			goto done;
		rc = store_bindings(r.mr_kmsd->store, r.mr_subj.as_uri, bound,
		    STORE_BINDINGS_MAX, &nb);
		if (rc == STORE_ERR_NOTFOUND || rc == STORE_ERR_ARGS)
			nb = 0;
		else if (rc != STORE_OK) {
			status = mcx_refuse(&r, 503, "store unavailable", NULL,
			    NULL, (int64_t)want);
			goto done;
		}
		rc = kp_revoked(&r, r.mr_subj.as_uri, want, false);
		if (rc < 0 || rc > 1) {
			status = rc < 0 ? -1 : 0;
			goto done;
		}
		if (rc == 0)
			ids[n++] = r.mr_subj.as_uri;
		for (i = 0; i < nb && n < KP_SETS_MAX; i++) {
			rc = kp_revoked(&r, bound[i].si_uri, want, false);
			if (rc < 0 || rc > 1) {
				status = rc < 0 ? -1 : 0;
				goto done;
			}
			if (rc == 0)
				ids[n++] = bound[i].si_uri;
		}
		if (n == 0) {
			status = mcx_refuse(&r, 403, "identity revoked", NULL,
			    r.mr_subj.as_uri, (int64_t)want);
			goto done;
		}
	}

	/* Derive every key set before anything is released. */
	if (r.mr_kmsd->hsm == NULL || !atomic_load(&r.mr_kmsd->hsm_up)) {
		status = mcx_refuse(&r, 503, "HSM unavailable", NULL, NULL,
		    (int64_t)want);
		goto done;
	}

	/* The caller's TrK / InK (security extension), if any. */
	rc = mcx_sec_keys(r.mr_kmsd, r.mr_subj.as_uri, &sec);
	if (rc != 0) {
		status = mcx_refuse(&r, 503, rc == -1 ? "store unavailable" :
		    "transport key unavailable", NULL, NULL, (int64_t)want);
		goto done;
	}
	if (!sec.ms_on && c->sec_require_trk) {
		status = mcx_refuse(&r, 403, "no transport key for this user",
		    NULL, NULL, (int64_t)want);
		goto done;
	}
	if (key_period_bounds(want, c->user_key_period, c->user_key_offset,
	    &from, &to) != CRYPTO_OK)
		goto done;
	/* The certificate generation of the period (kcert.h). */
	gen = kcert_for(r.mr_kmsd, unix_from_ntp(from));
	if (gen == NULL) {
		status = mcx_refuse(&r, 503, "HSM unavailable", NULL, NULL,
		    (int64_t)want);
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (uid_derive((const uint8_t *)ids[i], strlen(ids[i]),
		    (const uint8_t *)c->kms_uri, strlen(c->kms_uri),
		    c->user_key_period, c->user_key_offset, want, uids[i]) !=
		    CRYPTO_OK) {
			status = mcx_refuse(&r, 400, "identity URI not usable",
			    NULL, ids[i], (int64_t)want);
			goto done;
		}
		st = kp_derive(r.mr_kmsd, gen, uids[i], want, &keys[i],
		    &cached);
		/* The token failed, or `hsm logout` came in between. */
		if (st == HSM_ERR_DEVICE || st == HSM_ERR_LOCKED) {
			status = mcx_refuse(&r, 503, "HSM unavailable", NULL,
			    ids[i], (int64_t)want);
			goto done;
		}
		if (st != HSM_OK) {
			log_warnx("%s: key derivation failed: %s (request %s)",
			    __func__, hsm_strerror(st), r.mr_id);
			status = mcx_refuse(&r, 500, "key derivation failed",
			    NULL, ids[i], (int64_t)want);
			goto done;
		}
		memset(&sets[i], 0, sizeof(sets[i]));
		sets[i].kms_uri = c->kms_uri;
		sets[i].cert_uri = gen->g_cert_uri;
		sets[i].issuer = c->issuer;
		sets[i].user_uri = ids[i];
		memcpy(sets[i].user_id, uids[i], UID_LEN);
		sets[i].valid_from = unix_from_ntp(from);
		sets[i].valid_to = unix_from_ntp(to);
		sets[i].key_period_no = want;
		sets[i].revoked = false;
		sets[i].rsk = keys[i].kk_rsk;
		sets[i].ssk = keys[i].kk_ssk;
		sets[i].pvt = keys[i].kk_pvt;
	}

	/* Fail closed: no durable issuance record, no keys. */
	for (i = 0; i < n; i++)
		if ((rc = kp_audit(&r, ids[i], want)) != STORE_OK) {
			log_warnx("%s: issuance not audited: %s (request %s)",
			    __func__, store_strerror(rc), r.mr_id);
			status = mcx_refuse(&r, 503, "audit unavailable", NULL,
			    ids[i], (int64_t)want);
			goto done;
		}

	if (kp_body(&r, sets, n, &sec) != 0) {
		buf_reset(&res->body);
		goto done;
	}
	log_info("%s: %s: %zu key set%s (%zu precomputed), period %llu "
	    "(request %s)", __func__, req->peer, n, n == 1 ? "" : "s", cached,
	    (unsigned long long)want, r.mr_id);
	status = 0;
done:
	explicit_bzero(keys, sizeof(keys));	/* wipe: RSK, SSK, PVT */
	explicit_bzero(sets, sizeof(sets));
	free(bound);
	return status;
}
