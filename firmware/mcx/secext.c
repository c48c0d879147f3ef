/*
 * secext.c - the security extension in the handlers (TS 33.180 D.3.5;
 * docs/security-extension.md "In the handlers").
 *
 * Which keys a user has: the store names the current TrK and InK of a
 * user (store_key_current; set by kms-admin keys, or by a rotation here),
 * the HSM holds them (hsm_key_find: the source of truth for existence).
 * A user whose current key the store names but the token does not hold
 * is refused with 503, never answered in plaintext.
 *
 * Responses to a user with a TrK: key material wrapped under the TrK
 * (keyprov.c builds the doc), then here: NewTransportKey /
 * NewIntegrityKey when the rotation policy says so, the optional
 * AES-128-GCM of the KmsMessage, and the HMAC signature by the InK, else
 * the TrK.
 *
 * Requests: a SignedKmsRequest is checked by xml_verify_request with a
 * lookup that accepts only a key the store records for the request's
 * UserUri (any generation: a request signed during a rotation still
 * verifies), and, when the user has an InK, only an InK.
 *
 * The rotation counters (responses signed under each current key) live
 * in memory: a restart of kmsd starts them again, which delays a
 * rotation and never brings one forward.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "hsm.h"
#include "mcx_local.h"

#define SEC_COUNTERS	256	/* slots of the rotation counters */
#define SEC_ROT_TRIES	4	/* generations tried when a name is taken */

struct sec_counter {
	char		 sc_label[STORE_LABEL_MAX + 1];
	uint64_t	 sc_count;
};

static pthread_mutex_t		 sec_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct sec_counter	 sec_counters[SEC_COUNTERS];

/* FNV-1a of a label: its counter slot. */
static size_t
sec_slot(const char *label)
{
	uint32_t	 h = 2166136261u;

	for (; *label != '\0'; label++) {
		h ^= (uint8_t)*label;
		h *= 16777619u;
	}
	return h % SEC_COUNTERS;
}

/*
 * Count one more response under label and say whether after responses
 * have now been made (after 0: never).  A slot taken by another label
 * is reused: that label's count starts again (a later rotation, never an
 * earlier one).  Called with sec_mtx held.
 */
static bool
sec_count(const char *label, uint64_t after)
{
	struct sec_counter	*c = &sec_counters[sec_slot(label)];

	if (after == 0)
		return false;
	if (strcmp(c->sc_label, label) != 0) {
		snprintf(c->sc_label, sizeof(c->sc_label), "%s", label);
		c->sc_count = 0;
	}
	c->sc_count++;
	return c->sc_count >= after;
}

/* Forget label's counter (the key is no longer current). */
static void
sec_forget(const char *label)
{
	struct sec_counter	*c = &sec_counters[sec_slot(label)];

	if (strcmp(c->sc_label, label) == 0)
		memset(c, 0, sizeof(*c));
}

static enum hsm_key_class
sec_class(enum store_key_kind kind)
{
	return kind == STORE_KEY_TRK ? HSM_KC_TRK : HSM_KC_INK;
}

/*
 * The current key of kind for user into name/id: 0 found, 1 none,
 * -1 store failure, -2 the store names a key the token does not hold.
 */
static int
sec_current(const struct kmsd *k, const char *user, enum store_key_kind kind,
    char *name, size_t name_size, hsm_key_id *id)
{
	struct store_key	 sk;
	enum hsm_status		 st;
	int			 rc;

	rc = store_key_current(k->store, user, kind, &sk);
	if (rc == STORE_ERR_NOTFOUND || rc == STORE_ERR_ARGS)
		return 1;
	if (rc != STORE_OK)
		return -1;
	snprintf(name, name_size, "%s", sk.sk_label);
	st = hsm_key_find(k->hsm, sec_class(kind), sk.sk_label, id);
	if (st != HSM_OK) {
		log_warnx("mcx: the store's current %s of a user is not in "
		    "the token: %s", kind == STORE_KEY_TRK ? "TrK" : "InK",
		    hsm_strerror(st));
		return -2;
	}
	return 0;
}

/* see mcx_local.h */
int
mcx_sec_keys(const struct kmsd *k, const char *user, struct mcx_sec *s)
{
	int	 rc;

	memset(s, 0, sizeof(*s));
	if (k->hsm == NULL || user == NULL)
		return 0;
	snprintf(s->ms_user, sizeof(s->ms_user), "%s", user);
	rc = sec_current(k, user, STORE_KEY_TRK, s->ms_trk_name,
	    sizeof(s->ms_trk_name), &s->ms_trk.xk_id);
	if (rc == 1)
		return 0;
	if (rc != 0)
		return rc;
	rc = sec_current(k, user, STORE_KEY_INK, s->ms_ink_name,
	    sizeof(s->ms_ink_name), &s->ms_ink.xk_id);
	if (rc < 0)
		return rc;
	s->ms_trk.xk_hsm = k->hsm;
	s->ms_trk.xk_name = s->ms_trk_name;
	if (rc == 0) {
		s->ms_has_ink = true;
		s->ms_ink.xk_hsm = k->hsm;
		s->ms_ink.xk_name = s->ms_ink_name;
	}
	s->ms_on = true;
	return 0;
}

/*
 * Make the next generation of old (class kc) for s's user, wrapped under
 * s's TrK, add it to payload and record it as current.  0 done, 1 not
 * done (logged; the response goes out without it), -1 the response must
 * not go out (the store did not record a key the payload announces).
 */
static int
sec_rotate(const struct kmsd *k, const struct mcx_sec *s, xmlNodePtr payload,
    enum hsm_key_class kc, const char *old, int64_t now)
{
	char		 name[HSM_LABEL_MAX + 1];
	uint8_t		 w[HSM_WRAPPED_KEY_LEN];
	enum hsm_key_class pkc;
	unsigned long	 n;
	size_t		 off, len = 0, i;
	hsm_key_id	 nid;
	enum hsm_status	 st = HSM_ERR_ARGS;
	int		 rc;

	if (hsm_user_key_name_parse(old, &pkc, &n, &off) != HSM_OK ||
	    pkc != kc) {
		log_warnx("mcx: rotation: current key name not of the form "
		    "tk.<n>.<user> / ik.<n>.<user>");
		return 1;
	}
	for (i = 1; i <= SEC_ROT_TRIES; i++) {
		if (hsm_user_key_name(kc, n + i, old + off, name,
		    sizeof(name)) != HSM_OK)
			return 1;
		st = hsm_user_key_wrap_new(k->hsm, s->ms_trk.xk_id, kc, name,
		    &nid, w, sizeof(w), &len);
		if (st != HSM_ERR_EXISTS)
			break;
	}
	if (st != HSM_OK) {
		log_warnx("mcx: rotation: new %s not made: %s",
		    kc == HSM_KC_TRK ? "TrK" : "InK", hsm_strerror(st));
		return 1;
	}
	if (xml_sec_add_new_key(payload, kc, s->ms_trk_name, w, len, name) !=
	    XML_OK) {
		explicit_bzero(w, sizeof(w));
		log_warnx("mcx: rotation: new key not added to the response");
		return -1;
	}
	explicit_bzero(w, sizeof(w));	/* wipe: wrapped key */
	rc = store_key_set(k->store, s->ms_user, kc == HSM_KC_TRK ?
	    STORE_KEY_TRK : STORE_KEY_INK, n + i, name, now);
	if (rc != STORE_OK) {
		log_warnx("mcx: rotation: new key not recorded: %s",
		    store_strerror(rc));
		return -1;
	}
	log_info("mcx: rotation: %s generation %lu is current",
	    kc == HSM_KC_TRK ? "TrK" : "InK", n + i);
	return 0;
}

/*
 * The rotation policy for one response: count it under the current keys
 * and rotate those that are due.  Rotates only when s's keys are still
 * the store's current ones (a concurrent request may have rotated).
 */
static int
sec_policy(const struct kmsd *k, const struct mcx_sec *s, xmlNodePtr payload,
    int64_t now)
{
	const struct kms_conf	*c = k->conf;
	struct store_key	 sk;
	bool			 trk_due, ink_due = false;
	int			 rc = 0, r2;

	if (c->sec_rotate_trk == 0 && c->sec_rotate_ink == 0)
		return 0;
	pthread_mutex_lock(&sec_mtx);
	if (store_key_current(k->store, s->ms_user, STORE_KEY_TRK, &sk) !=
	    STORE_OK || strcmp(sk.sk_label, s->ms_trk_name) != 0)
		goto out;
	trk_due = sec_count(s->ms_trk_name, c->sec_rotate_trk);
	if (s->ms_has_ink)
		ink_due = sec_count(s->ms_ink_name, c->sec_rotate_ink);
	if (trk_due) {
		rc = sec_rotate(k, s, payload, HSM_KC_TRK, s->ms_trk_name,
		    now);
		if (rc == 0)
			sec_forget(s->ms_trk_name);
	}
	if (ink_due && rc >= 0) {
		r2 = sec_rotate(k, s, payload, HSM_KC_INK, s->ms_ink_name,
		    now);
		if (r2 == 0)
			sec_forget(s->ms_ink_name);
		if (r2 < 0)
			rc = r2;
	}
out:
	pthread_mutex_unlock(&sec_mtx);
	return rc < 0 ? -1 : 0;
}

/* see mcx_local.h */
int
mcx_sec_finish(const struct kmsd *k, const struct mcx_sec *s, xmlDocPtr doc,
    int64_t now, struct buf *out)
{
	xmlNodePtr	 payload;
	const char	*pname;
	int		 rc;

	payload = xml_sec_payload(doc);
	if (payload != NULL) {
		pname = (const char *)payload->name;
		if ((strcmp(pname, "KmsInit") == 0 ||
		    strcmp(pname, "KmsKeyProv") == 0) &&
		    sec_policy(k, s, payload, now) != 0)
			goto fail;
	}
	if (k->conf->sec_encrypt &&
	    (rc = xml_sec_encrypt(doc, &s->ms_trk, false)) != XML_OK) {
		log_warnx("mcx: KmsMessage not encrypted: %s",
		    xml_strerror(rc));
		goto fail;
	}
	rc = xml_sec_sign(doc, s->ms_has_ink ? &s->ms_ink : &s->ms_trk, NULL,
	    k->conf->sec_hmac_bits);
	if (rc != XML_OK) {
		log_warnx("mcx: response not signed: %s", xml_strerror(rc));
		goto fail;
	}
	buf_reset(out);
	if ((rc = xml_doc_write(doc, out)) != XML_OK) {
		log_warnx("mcx: signed response not written: %s",
		    xml_strerror(rc));
		buf_reset(out);
		goto fail;
	}
	xmlFreeDoc(doc);
	return 0;
fail:
	xmlFreeDoc(doc);
	return -1;
}

/* see mcx_local.h */
int
mcx_sec_protect_body(const struct kmsd *k, const struct mcx_sec *s,
    int64_t now, struct buf *body)
{
	xmlDocPtr	 doc = NULL;
	int		 rc;

	rc = xml_parse_safe((const uint8_t *)body->b_data, body->b_len, &doc);
	if (rc != XML_OK) {
		log_warnx("mcx: own response not parsed: %s",
		    xml_strerror(rc));
		return -1;
	}
	return mcx_sec_finish(k, s, doc, now, body);
}

/* The lookup of xml_verify_request (see the top of this file). */
struct sec_lookup {
	const struct kmsd	*sl_kmsd;
	char			 sl_name[STORE_LABEL_MAX + 1];
};

static int
sec_lookup(void *arg, const char *user_uri, const char *key_name,
    struct xml_sec_key *out)
{
	struct sec_lookup	*sl = arg;
	struct store_key	 sk, ink;
	int			 rc;

	if (store_key_by_label(sl->sl_kmsd->store, key_name, &sk) !=
	    STORE_OK || strcmp(sk.sk_user, user_uri) != 0)
		return -1;
	if (sk.sk_kind == STORE_KEY_TRK) {
		rc = store_key_current(sl->sl_kmsd->store, user_uri,
		    STORE_KEY_INK, &ink);
		if (rc == STORE_OK)
			return -1;	/* the user has an InK: use it */
		if (rc != STORE_ERR_NOTFOUND)
			return -1;
	}
	snprintf(sl->sl_name, sizeof(sl->sl_name), "%s", sk.sk_label);
	if (hsm_key_find(sl->sl_kmsd->hsm, sec_class(sk.sk_kind), sl->sl_name,
	    &out->xk_id) != HSM_OK)
		return -1;
	out->xk_hsm = sl->sl_kmsd->hsm;
	out->xk_name = sl->sl_name;
	return 0;
}

/* HTTP status of a failed check (docs/security-extension.md). */
static int
sec_status(int rc)
{
	switch (rc) {
	case XML_ERR_TOO_BIG:
		return 413;
	case XML_ERR_SIG_KEY:
	case XML_ERR_SIG:
		return 401;
	case XML_ERR_KMS_URI:
	case XML_ERR_TIME:
	case XML_ERR_REQ_URL:
		return 403;
	case XML_ERR_HSM:
		return 503;
	default:
		return 400;
	}
}

/* see mcx_local.h */
int
mcx_sec_verify(struct mcx_req *r)
{
	const struct kmsd	*k = r->mr_kmsd;
	struct xml_req_policy	 pol;
	struct xml_req		 xr;
	struct sec_lookup	 sl;
	char			 msg[96];
	int			 rc, ret;

	if (k->hsm == NULL || !atomic_load(&k->hsm_up))
		return mcx_refuse(r, 503, "HSM unavailable", NULL, NULL, -1) ==
		    0 ? 1 : -1;
	memset(&pol, 0, sizeof(pol));
	pol.rp_kms_uri = k->conf->kms_uri;
	pol.rp_req_url = r->mr_url;
	pol.rp_now = r->mr_now;
	pol.rp_window = (int64_t)k->conf->sec_req_window;
	pol.rp_min_bits = XML_HMAC_BITS_MIN;
	memset(&sl, 0, sizeof(sl));
	sl.sl_kmsd = k;
	memset(&xr, 0, sizeof(xr));
	rc = xml_verify_request(r->mr_http->body, r->mr_http->body_len, &pol,
	    sec_lookup, &sl, &xr);
	if (rc != XML_OK) {
		snprintf(msg, sizeof(msg), "SignedKmsRequest: %s",
		    xml_strerror(rc));
		return mcx_refuse(r, sec_status(rc), msg, NULL, NULL, -1) ==
		    0 ? 1 : -1;
	}
	ret = 0;
	if (strcmp(xr.xr_user_uri, r->mr_subj.as_uri) != 0)
		ret = mcx_refuse(r, 403, "SignedKmsRequest: UserUri is not the "
		    "access token's identity", NULL, NULL, -1) == 0 ? 1 : -1;
	else
		log_debug("mcx: SignedKmsRequest verified (request %s)",
		    r->mr_id);
	xml_req_free(&xr);
	return ret;
}
