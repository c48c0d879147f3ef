/*
 * kcert.c - the generations of the KMS's own certificate (see kcert.h,
 * docs/rotation.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "board.h"
#include "conf.h"
#include "crypto.h"
#include "hsm.h"
#include "kcert.h"
#include "store.h"

/* Rotations, kcert_forget and kcert_lock: one at a time. */
static pthread_mutex_t	 kc_mtx = PTHREAD_MUTEX_INITIALIZER;

/* see kcert.h */
const char *
kcert_strerror(int status)
{
	switch (status) {
	case KCERT_OK:			return "ok";
	case KCERT_ERR_ARGS:		return "invalid argument";
	case KCERT_ERR_UNPROVISIONED:	return "the master secrets are not "
					    "in the token";
	case KCERT_ERR_HSM:		return "HSM failure";
	case KCERT_ERR_STORE:		return "store failure";
	case KCERT_ERR_KEYS:		return "a generation's keys are "
					    "missing or invalid";
	case KCERT_ERR_EXISTS:		return "that CertUri is in use";
	case KCERT_ERR_LIMIT:		return "no room for another generation";
	case KCERT_ERR_TIME:		return "not a usable key period start";
	case KCERT_ERR_NO_URI:		return "the first certificate has no "
					    "CertUri ([kms] cert_uri)";
	default:			return "general failure";
	}
}

static int
compute_zs(const uint8_t *secret, size_t len, void *arg)
{
	if (len != SAKKE_SCALAR_LEN)
		return -1;
	return sakke_pubkey(secret, arg) == CRYPTO_OK ? 0 : -1;
}

static int
compute_kpak(const uint8_t *secret, size_t len, void *arg)
{
	if (len != ECCSI_SCALAR_LEN)
		return -1;
	return eccsi_kpak(secret, arg) == CRYPTO_OK ? 0 : -1;
}

/* The token labels of generation n (1: the fixed labels). */
static int
gen_labels(unsigned n, char sakke[HSM_LABEL_MAX + 1],
    char eccsi[HSM_LABEL_MAX + 1])
{
	int	 a, b;

	if (n == 1) {
		a = snprintf(sakke, HSM_LABEL_MAX + 1, "%s", HSM_LABEL_SAKKE);
		b = snprintf(eccsi, HSM_LABEL_MAX + 1, "%s", HSM_LABEL_ECCSI);
	} else {
		a = snprintf(sakke, HSM_LABEL_MAX + 1, "%s%u",
		    KCERT_LABEL_SAKKE, n);
		b = snprintf(eccsi, HSM_LABEL_MAX + 1, "%s%u",
		    KCERT_LABEL_ECCSI, n);
	}
	return a > 0 && a <= HSM_LABEL_MAX && b > 0 && b <= HSM_LABEL_MAX ?
	    0 : -1;
}

/*
 * Find g's master secrets (g_no set) and compute its public keys.
 * KCERT_OK, KCERT_ERR_UNPROVISIONED (not found; *hst HSM_ERR_NOT_FOUND),
 * KCERT_ERR_HSM or KCERT_ERR_KEYS.
 */
static enum kcert_status
gen_keys(struct hsm *h, struct kmsd_gen *g, enum hsm_status *hst)
{
	char		 ls[HSM_LABEL_MAX + 1], le[HSM_LABEL_MAX + 1];
	enum hsm_status	 st;

	if (gen_labels(g->g_no, ls, le) != 0)
		return KCERT_ERR_ARGS;
	st = hsm_key_find(h, HSM_KC_MASTER_SAKKE, ls, &g->g_sakke);
	if (st == HSM_OK)
		st = hsm_key_find(h, HSM_KC_MASTER_ECCSI, le, &g->g_eccsi);
	if (st != HSM_OK) {
		*hst = st;
		return st == HSM_ERR_NOT_FOUND ? KCERT_ERR_UNPROVISIONED :
		    KCERT_ERR_HSM;
	}
	st = hsm_master_use(h, g->g_sakke, compute_zs, g->g_pub_enc);
	if (st == HSM_OK)
		st = hsm_master_use(h, g->g_eccsi, compute_kpak,
		    g->g_pub_auth);
	if (st != HSM_OK) {
		*hst = st;
		return st == HSM_ERR_DEVICE || st == HSM_ERR_LOCKED ?
		    KCERT_ERR_HSM : KCERT_ERR_KEYS;
	}
	if (!sakke_point_is_valid(g->g_pub_enc) ||
	    !eccsi_point_is_valid(g->g_pub_auth))
		return KCERT_ERR_KEYS;
	return KCERT_OK;
}

/* The start (Unix s) of the key period that holds t, with its number. */
static int
period_of(const struct kms_conf *c, int64_t t, uint64_t *no, int64_t *start)
{
	uint64_t	 from, to;

	if (t < 0 || key_period_no(ntp_from_unix(t), c->user_key_period,
	    c->user_key_offset, no) != CRYPTO_OK ||
	    key_period_bounds(*no, c->user_key_period, c->user_key_offset,
	    &from, &to) != CRYPTO_OK)
		return -1;
	*start = unix_from_ntp(from);
	return 0;
}

/* The start (Unix s) of key period no. */
static int
period_start(const struct kms_conf *c, uint64_t no, int64_t *start)
{
	uint64_t	 from, to;

	if (key_period_bounds(no, c->user_key_period, c->user_key_offset,
	    &from, &to) != CRYPTO_OK)
		return -1;
	*start = unix_from_ntp(from);
	return 0;
}

/* The board's wall clock (Unix seconds). */
static int64_t
wall_now(void)
{
	const struct board	*bd = board_get();

	return bd != NULL && bd->time_wall != NULL ? bd->time_wall() :
	    (int64_t)time(NULL);
}

/* What kcert_load reads from the store. */
struct load {
	struct kmsd		*l_k;
	size_t			 l_n;
	enum kcert_status	 l_status;
	enum hsm_status		 l_hst;
	char			*l_why;
	size_t			 l_size;
};

/* One kms_gens row: the next generation of l. */
static int
load_row(void *arg, const struct store_gen *sg)
{
	struct load	*l = arg;
	struct kmsd_gen	*g, *prev;
	uint64_t	 no;
	int64_t		 start;

	if (l->l_n >= KMSD_GENS_MAX) {
		snprintf(l->l_why, l->l_size, "more than %d certificate "
		    "generations in the store", KMSD_GENS_MAX);
		l->l_status = KCERT_ERR_LIMIT;
		return -1;
	}
	g = &l->l_k->gens[l->l_n];
	prev = &l->l_k->gens[l->l_n - 1];
	memset(g, 0, sizeof(*g));
	g->g_no = sg->sg_gen;
	g->g_from = sg->sg_serves_from;
	g->g_valid_from = sg->sg_created;
	g->g_valid_to = sg->sg_valid_to;
	if (g->g_no <= prev->g_no || g->g_from <= prev->g_from ||
	    strlen(sg->sg_cert_uri) >= sizeof(g->g_cert_uri)) {
		snprintf(l->l_why, l->l_size, "certificate generation %u in "
		    "the store is out of order", g->g_no);
		l->l_status = KCERT_ERR_KEYS;
		return -1;
	}
	memcpy(g->g_cert_uri, sg->sg_cert_uri, strlen(sg->sg_cert_uri) + 1);
	if (period_of(l->l_k->conf, g->g_from, &no, &start) != 0 ||
	    start != g->g_from)
		log_warnx("kcert: generation %u (%s) starts inside a key period "
		    "([kms] user_key_period or user_key_offset changed since "
		    "the rotation): that period's keys come from the previous "
		    "generation", g->g_no, g->g_cert_uri);
	l->l_status = gen_keys(l->l_k->hsm, g, &l->l_hst);
	if (l->l_status != KCERT_OK) {
		snprintf(l->l_why, l->l_size, "certificate generation %u (%s): "
		    "%s (%s)", g->g_no, g->g_cert_uri,
		    kcert_strerror(l->l_status), hsm_strerror(l->l_hst));
		if (l->l_status == KCERT_ERR_UNPROVISIONED)
			l->l_status = KCERT_ERR_KEYS;	/* gen 1 is there */
		return -1;
	}
	l->l_n++;
	return 0;
}

/* see kcert.h */
enum kcert_status
kcert_load(struct kmsd *k, enum hsm_status *hst, char *why, size_t size)
{
	const struct kms_conf	*c;
	struct kmsd_gen		*g;
	struct load		 l;
	int			 rc;

	if (k == NULL || k->conf == NULL || k->hsm == NULL ||
	    k->store == NULL || why == NULL || size == 0)
		return KCERT_ERR_ARGS;
	c = k->conf;
	atomic_store(&k->ngens, 0);
	memset(&l, 0, sizeof(l));
	l.l_k = k;
	l.l_hst = HSM_OK;
	l.l_why = why;
	l.l_size = size;
	why[0] = '\0';

	g = &k->gens[0];
	memset(g, 0, sizeof(*g));
	g->g_no = 1;
	snprintf(g->g_cert_uri, sizeof(g->g_cert_uri), "%s", c->cert_uri);
	g->g_from = INT64_MIN;
	g->g_valid_from = c->valid_from;
	g->g_valid_to = c->valid_to;
	l.l_status = gen_keys(k->hsm, g, &l.l_hst);
	if (l.l_status != KCERT_OK) {
		snprintf(why, size, "master secrets: %s (%s)",
		    kcert_strerror(l.l_status), hsm_strerror(l.l_hst));
		goto done;
	}
	l.l_n = 1;
	rc = store_gen_foreach(k->store, load_row, &l);
	if (rc != STORE_OK && l.l_status == KCERT_OK) {
		snprintf(why, size, "certificate generations: %s",
		    store_strerror(rc));
		l.l_status = KCERT_ERR_STORE;
	}
done:
	if (hst != NULL)
		*hst = l.l_hst;
	if (l.l_status != KCERT_OK) {
		explicit_bzero(k->gens, sizeof(k->gens));
		return l.l_status;
	}
	atomic_store_explicit(&k->ngens, l.l_n, memory_order_release);
	log_info("kcert: %zu certificate generation%s, the newest %u (%s)",
	    l.l_n, l.l_n == 1 ? "" : "s", k->gens[l.l_n - 1].g_no,
	    k->gens[l.l_n - 1].g_cert_uri[0] != '\0' ?
	    k->gens[l.l_n - 1].g_cert_uri : "no CertUri");
	return KCERT_OK;
}

/* see kcert.h */
size_t
kcert_count(const struct kmsd *k)
{
	return k == NULL ? 0 : atomic_load_explicit(&((struct kmsd *)k)->ngens,
	    memory_order_acquire);
}

/* see kcert.h */
const struct kmsd_gen *
kcert_get(const struct kmsd *k, size_t i)
{
	return i < kcert_count(k) ? &k->gens[i] : NULL;
}

/* see kcert.h */
const struct kmsd_gen *
kcert_for(const struct kmsd *k, int64_t t)
{
	size_t	 n = kcert_count(k);

	while (n > 0) {
		n--;
		if (k->gens[n].g_from <= t)
			return &k->gens[n];
	}
	return NULL;
}

/* see kcert.h */
const struct kmsd_gen *
kcert_find(const struct kmsd *k, const char *cert_uri)
{
	size_t	 i, n = kcert_count(k);

	if (cert_uri == NULL || cert_uri[0] == '\0')
		return NULL;
	for (i = 0; i < n; i++)
		if (strcmp(k->gens[i].g_cert_uri, cert_uri) == 0)
			return &k->gens[i];
	return NULL;
}

/* see kcert.h */
int
kcert_info(const struct kmsd *k, const struct kmsd_gen *g,
    struct kms_cert_info *cert)
{
	size_t	 i, n = kcert_count(k);
	int	 rc;

	if (k == NULL || g == NULL || cert == NULL)
		return XML_ERR_ARGS;
	rc = xml_cert_from_conf(k->conf, g->g_pub_enc, g->g_pub_auth, cert);
	if (rc != XML_OK)
		return rc;
	cert->cert_uri = g->g_cert_uri;
	cert->valid_from = g->g_valid_from;
	cert->valid_to = g->g_valid_to;
	for (i = 0; i + 1 < n; i++)
		if (&k->gens[i] == g && k->gens[i + 1].g_from - 1 <
		    cert->valid_to)
			cert->valid_to = k->gens[i + 1].g_from - 1;
	return XML_OK;
}

/*
 * kcert_earliest with the highest released period already read (issued,
 * -1 for none): the audit trail is read once per rotation, not per check.
 */
static enum kcert_status
earliest_at(const struct kmsd *k, int64_t now, int64_t issued, int64_t *out)
{
	const struct kms_conf	*c = k->conf;
	const struct kmsd_gen	*last;
	uint64_t		 cur, ahead, no;
	int64_t			 start, s;
	size_t			 n;

	if (period_of(c, now, &cur, &start) != 0)
		return KCERT_ERR_TIME;
	/* keyprov serves up to keyprov_future periods ahead; precompute
	   derives the next one. */
	ahead = c->keyprov_future > 1 ? c->keyprov_future : 1;
	if (period_start(c, cur + ahead + 1, &start) != 0)
		return KCERT_ERR_TIME;
	/* Whatever was released, under any window setting. */
	if (issued >= 0 && (uint64_t)issued >= cur + ahead + 1) {
		if (period_start(c, (uint64_t)issued + 1, &start) != 0)
			return KCERT_ERR_TIME;
	}
	n = kcert_count(k);
	last = n > 0 ? &k->gens[n - 1] : NULL;
	if (last != NULL && last->g_no > 1 && start <= last->g_from) {
		if (period_of(c, last->g_from, &no, &s) != 0 ||
		    period_start(c, no + 1, &start) != 0)
			return KCERT_ERR_TIME;
	}
	*out = start;
	return KCERT_OK;
}

/* The highest released key period (-1: none; no store: none known). */
static enum kcert_status
issued_max(const struct kmsd *k, int64_t *issued)
{
	*issued = -1;
	if (k->store != NULL && store_issued_max(k->store, issued) !=
	    STORE_OK)
		return KCERT_ERR_STORE;
	return KCERT_OK;
}

/* see kcert.h */
enum kcert_status
kcert_earliest(const struct kmsd *k, int64_t now, int64_t *out)
{
	enum kcert_status	 status;
	int64_t			 issued;

	if (k == NULL || k->conf == NULL || out == NULL)
		return KCERT_ERR_ARGS;
	status = issued_max(k, &issued);
	if (status != KCERT_OK)
		return status;
	return earliest_at(k, now, issued, out);
}

/* serves_from is a key period start, at or after the earliest at now. */
static enum kcert_status
check_start(const struct kmsd *k, int64_t serves_from, int64_t valid_to,
    int64_t now, int64_t issued)
{
	enum kcert_status	 status;
	uint64_t		 no;
	int64_t			 earliest, start;

	status = earliest_at(k, now, issued, &earliest);
	if (status != KCERT_OK)
		return status;
	if (serves_from < earliest || valid_to <= serves_from ||
	    period_of(k->conf, serves_from, &no, &start) != 0 ||
	    start != serves_from)
		return KCERT_ERR_TIME;
	return KCERT_OK;
}

/*
 * Whether cert_uri is free: no generation, not [kms] cert_uri, no
 * external certificate.  KCERT_OK, KCERT_ERR_EXISTS or KCERT_ERR_STORE.
 */
static enum kcert_status
uri_free(const struct kmsd *k, const char *cert_uri)
{
	struct buf	 xml;
	int		 rc;

	if (kcert_find(k, cert_uri) != NULL ||
	    strcmp(k->conf->cert_uri, cert_uri) == 0)
		return KCERT_ERR_EXISTS;
	buf_init(&xml, STORE_CERT_XML_MAX + 1);
	rc = store_cert_get(k->store, cert_uri, &xml, NULL);
	buf_free(&xml);
	if (rc == STORE_OK)
		return KCERT_ERR_EXISTS;
	return rc == STORE_ERR_NOTFOUND ? KCERT_OK : KCERT_ERR_STORE;
}

/*
 * The first generation number from after from whose labels are free in
 * the token (a rotation that failed after making its objects leaves its
 * number taken).  KCERT_OK, KCERT_ERR_LIMIT or KCERT_ERR_HSM.
 */
static enum kcert_status
free_number(struct hsm *h, unsigned from, unsigned *out,
    enum hsm_status *hst)
{
	char		 ls[HSM_LABEL_MAX + 1], le[HSM_LABEL_MAX + 1];
	hsm_key_id	 id;
	enum hsm_status	 a, b;
	unsigned	 gen;

	for (gen = from + 1; gen <= STORE_GENS_MAX; gen++) {
		if (gen_labels(gen, ls, le) != 0)
			return KCERT_ERR_ARGS;
		a = hsm_key_find(h, HSM_KC_MASTER_SAKKE, ls, &id);
		b = hsm_key_find(h, HSM_KC_MASTER_ECCSI, le, &id);
		if (a == HSM_ERR_NOT_FOUND && b == HSM_ERR_NOT_FOUND) {
			*out = gen;
			return KCERT_OK;
		}
		if ((a != HSM_OK && a != HSM_ERR_NOT_FOUND) ||
		    (b != HSM_OK && b != HSM_ERR_NOT_FOUND)) {
			*hst = a != HSM_OK && a != HSM_ERR_NOT_FOUND ? a : b;
			return KCERT_ERR_HSM;
		}
	}
	return KCERT_ERR_LIMIT;
}

/* see kcert.h */
enum kcert_status
kcert_rotate(struct kmsd *k, const char *cert_uri, int64_t serves_from,
    int64_t valid_to, const struct kmsd_gen **out)
{
	enum kcert_status	 status = KCERT_ERR_GENERAL;
	struct store_gen	 sg;
	struct kmsd_gen		*g;
	hsm_key_id		 kek, id;
	enum hsm_status		 st = HSM_OK;
	char			 ls[HSM_LABEL_MAX + 1], le[HSM_LABEL_MAX + 1];
	int64_t			 now, issued;
	unsigned		 gen = 0;
	size_t			 n;
	int			 rc;

	if (out != NULL)
		*out = NULL;
	if (k == NULL || k->conf == NULL || k->hsm == NULL ||
	    k->store == NULL || !conf_uri_ok(cert_uri) ||
	    strlen(cert_uri) >= sizeof(k->gens[0].g_cert_uri))
		return KCERT_ERR_ARGS;
	if (k->conf->cert_uri[0] == '\0')
		return KCERT_ERR_NO_URI;
	pthread_mutex_lock(&kc_mtx);
	n = kcert_count(k);
	if (n == 0) {
		status = KCERT_ERR_KEYS;
		goto done;
	}
	if (n >= KMSD_GENS_MAX) {
		status = KCERT_ERR_LIMIT;
		goto done;
	}
	status = uri_free(k, cert_uri);
	if (status != KCERT_OK)
		goto done;
	status = issued_max(k, &issued);
	if (status != KCERT_OK)
		goto done;
	now = wall_now();
	status = check_start(k, serves_from, valid_to, now, issued);
	if (status != KCERT_OK)
		goto done;

	status = KCERT_ERR_HSM;
	st = hsm_key_find(k->hsm, HSM_KC_KEK, HSM_LABEL_KEK, &kek);
	if (st != HSM_OK)
		goto done;
	status = free_number(k->hsm, k->gens[n - 1].g_no, &gen, &st);
	if (status != KCERT_OK || gen_labels(gen, ls, le) != 0)
		goto done;
	status = KCERT_ERR_HSM;
	st = hsm_master_create(k->hsm, HSM_KC_MASTER_SAKKE, ls, kek, sakke_q,
	    sizeof(sakke_q), &id);
	if (st == HSM_OK)
		st = hsm_master_create(k->hsm, HSM_KC_MASTER_ECCSI, le, kek,
		    eccsi_q, sizeof(eccsi_q), &id);
	if (st != HSM_OK)
		goto done;

	g = &k->gens[n];
	memset(g, 0, sizeof(*g));
	g->g_no = gen;
	memcpy(g->g_cert_uri, cert_uri, strlen(cert_uri) + 1);
	g->g_from = serves_from;
	g->g_valid_from = now;
	g->g_valid_to = valid_to;
	status = gen_keys(k->hsm, g, &st);
	if (status != KCERT_OK)
		goto done;

	/* The token work took a while: is the start still safe?  The trail
	   can only have grown by periods inside keyprov's window, which the
	   clock term checks again. */
	status = check_start(k, serves_from, valid_to, wall_now(), issued);
	if (status != KCERT_OK)
		goto done;
	atomic_store_explicit(&k->ngens, n + 1, memory_order_release);
	memset(&sg, 0, sizeof(sg));
	sg.sg_gen = gen;
	memcpy(sg.sg_cert_uri, cert_uri, strlen(cert_uri) + 1);
	sg.sg_serves_from = serves_from;
	sg.sg_valid_to = valid_to;
	sg.sg_created = now;
	rc = store_gen_add(k->store, &sg);
	if (rc != STORE_OK) {
		atomic_store_explicit(&k->ngens, n, memory_order_release);
		log_warnx("%s: generation %u not recorded: %s", __func__, gen,
		    store_strerror(rc));
		status = rc == STORE_ERR_EXISTS ? KCERT_ERR_EXISTS :
		    KCERT_ERR_STORE;
		goto done;
	}
	log_info("kcert: certificate generation %u (%s) serves key periods "
	    "from %" PRId64, gen, cert_uri, serves_from);
	if (out != NULL)
		*out = g;
	status = KCERT_OK;
done:
	if (status == KCERT_ERR_HSM)
		log_warnx("%s: %s", __func__, hsm_strerror(st));
	pthread_mutex_unlock(&kc_mtx);
	return status;
}

/* see kcert.h */
void
kcert_forget(struct kmsd *k)
{
	if (k == NULL)
		return;
	pthread_mutex_lock(&kc_mtx);
	atomic_store(&k->ngens, 0);
	explicit_bzero(k->gens, sizeof(k->gens));	/* key ids, public keys */
	pthread_mutex_unlock(&kc_mtx);
}

/* see kcert.h */
void
kcert_lock(void)
{
	pthread_mutex_lock(&kc_mtx);
}

/* see kcert.h */
void
kcert_unlock(void)
{
	pthread_mutex_unlock(&kc_mtx);
}
