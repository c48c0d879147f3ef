/*
 * precompute.c - the next key period's key sets, derived ahead in the
 * background (docs/identities.md "Precomputed key sets").
 *
 * With [kms] precompute_lead = L > 0, a thread of the lowest priority
 * (SCHED_IDLE) wakes every PC_TICK_MS; when the current key period ends
 * in L seconds or less, it walks the store's users (not revoked) and the
 * identities bound to them, and for each derives the key set of the next
 * period exactly as keyprov does (uid_derive, hsm_derive_rsk,
 * hsm_derive_ssk_pvt: the same deterministic derivations, so the same
 * bytes), seals RSK || SSK || PVT under the HSM's cache key
 * (hsm_cache_seal, AES-256-GCM in the token, AAD = UID || period) and
 * keeps only the sealed blob, in process memory: plaintext key material
 * exists only on this thread's stack while it is sealed, and on the
 * keyprov handler's stack after hsm_cache_open, as for an on-demand
 * derivation.  Nothing is written to disk.
 *
 * keyprov asks mcx_precompute_get first; a miss (no entry, another
 * period, a blob that no longer opens because the cache key went with
 * its token session) falls back to on-demand derivation, so the cache
 * can never change an answer, only its cost.
 *
 * Bounded: at most [kms] precompute_max key sets (one period's; the
 * table is wiped when the target period changes); identities beyond are
 * counted and logged, and derived on demand.  Every pass logs its counts.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board.h"
#include "crypto.h"
#include "hsm.h"
#include "mcx_local.h"

#define PC_TICK_MS	1000		/* how often the thread looks */
#define PC_RESCAN_S	60		/* a finished period: look for new users */
#define PC_RETRY_S	10		/* after an HSM or store failure */
#define PC_USER_BATCH	64		/* users read from the store at once */
#define PC_PLAIN_LEN	(SAKKE_RSK_LEN + ECCSI_SCALAR_LEN + ECCSI_POINT_LEN)
#define PC_BLOB_LEN	HSM_CACHE_BLOB_LEN(PC_PLAIN_LEN)
#define PC_AAD_LEN	(UID_LEN + 8)

struct pc_entry {
	uint8_t		 pe_uid[UID_LEN];
	uint8_t		 pe_blob[PC_BLOB_LEN];
};

/* The cache: one period's sealed key sets, an open-addressing index. */
struct pc_cache {
	pthread_mutex_t	 pc_mtx;
	pthread_cond_t	 pc_cond;		/* wakes the thread to stop */
	bool		 pc_stop;
	bool		 pc_running;
	pthread_t	 pc_thread;
	struct kmsd	*pc_kmsd;
	struct pc_entry	*pc_entries;		/* pc_max */
	uint32_t	*pc_index;		/* pc_slots: entry + 1, 0 free */
	size_t		 pc_max;
	size_t		 pc_slots;		/* power of two >= 2 * pc_max */
	size_t		 pc_n;
	uint64_t	 pc_period;		/* the period the entries are of */
	bool		 pc_have_period;
	int64_t		 pc_next_pass;		/* Unix s of the next pass */
};

static struct pc_cache	 pc = {
	.pc_mtx = PTHREAD_MUTEX_INITIALIZER,
	.pc_cond = PTHREAD_COND_INITIALIZER,
};
static _Atomic uint64_t	 pc_passes, pc_sealed, pc_hits, pc_misses;

static void	*pc_main(void *);
static void	 pc_pass(struct kmsd *);
static size_t	 pc_slot(const uint8_t uid[UID_LEN], size_t slots);
static int	 pc_find(const uint8_t uid[UID_LEN]);
static void	 pc_aad(const uint8_t uid[UID_LEN], uint64_t period,
		    uint8_t aad[PC_AAD_LEN]);
static int	 pc_one(struct kmsd *, const struct kmsd_gen *, const char *,
		    uint64_t, size_t *, size_t *, size_t *);

/* The first index slot to probe for uid (UIDs are SHA-256 outputs). */
static size_t
pc_slot(const uint8_t uid[UID_LEN], size_t slots)
{
	uint32_t	 h;

	h = (uint32_t)uid[0] << 24 | (uint32_t)uid[1] << 16 |
	    (uint32_t)uid[2] << 8 | uid[3];
	return h & (slots - 1);
}

/* The entry of uid, or -1 (pc_mtx held). */
static int
pc_find(const uint8_t uid[UID_LEN])
{
	size_t		 i, s;
	uint32_t	 e;

	if (pc.pc_slots == 0)
		return -1;
	s = pc_slot(uid, pc.pc_slots);
	for (i = 0; i < pc.pc_slots; i++) {
		e = pc.pc_index[(s + i) & (pc.pc_slots - 1)];
		if (e == 0)
			return -1;
		if (memcmp(pc.pc_entries[e - 1].pe_uid, uid, UID_LEN) == 0)
			return (int)(e - 1);
	}
	return -1;
}

static void
pc_aad(const uint8_t uid[UID_LEN], uint64_t period, uint8_t aad[PC_AAD_LEN])
{
	int	 i;

	memcpy(aad, uid, UID_LEN);
	for (i = 0; i < 8; i++)
		aad[UID_LEN + i] = (uint8_t)(period >> (56 - 8 * i));
}

/* see mcx_local.h */
int
mcx_precompute_get(const struct kmsd *k, const uint8_t uid[UID_LEN],
    uint64_t period, uint8_t *rsk, uint8_t *ssk, uint8_t *pvt)
{
	uint8_t		 blob[PC_BLOB_LEN], aad[PC_AAD_LEN];
	uint8_t		 plain[PC_PLAIN_LEN];
	int		 e, ret = -1;
	bool		 running;

	pthread_mutex_lock(&pc.pc_mtx);
	running = pc.pc_running;
	if (!running || !pc.pc_have_period || pc.pc_period != period ||
	    (e = pc_find(uid)) < 0) {
		pthread_mutex_unlock(&pc.pc_mtx);
		if (running)
			atomic_fetch_add(&pc_misses, 1);
		return -1;
	}
	memcpy(blob, pc.pc_entries[e].pe_blob, sizeof(blob));
	pthread_mutex_unlock(&pc.pc_mtx);

	pc_aad(uid, period, aad);
	if (k->hsm != NULL && hsm_cache_open(k->hsm, aad, sizeof(aad), blob,
	    sizeof(blob), plain, sizeof(plain)) == HSM_OK) {
		memcpy(rsk, plain, SAKKE_RSK_LEN);
		memcpy(ssk, plain + SAKKE_RSK_LEN, ECCSI_SCALAR_LEN);
		memcpy(pvt, plain + SAKKE_RSK_LEN + ECCSI_SCALAR_LEN,
		    ECCSI_POINT_LEN);
		atomic_fetch_add(&pc_hits, 1);
		ret = 0;
	} else
		atomic_fetch_add(&pc_misses, 1);
	explicit_bzero(plain, sizeof(plain));	/* wipe: RSK, SSK, PVT */
	return ret;
}

/*
 * One identity for period: derive, seal, insert unless present.
 * Counts into *sealed, *cached, *over.  0, or -1 on an HSM failure.
 */
static int
pc_one(struct kmsd *k, const struct kmsd_gen *g, const char *uri,
    uint64_t period, size_t *sealed,
    size_t *cached, size_t *over)
{
	const struct kms_conf	*c = k->conf;
	uint8_t			 uid[UID_LEN], aad[PC_AAD_LEN];
	uint8_t			 plain[PC_PLAIN_LEN], blob[PC_BLOB_LEN];
	size_t			 len, i, s;
	enum hsm_status		 st;
	int			 ret = -1;

	if (uid_derive((const uint8_t *)uri, strlen(uri),
	    (const uint8_t *)c->kms_uri, strlen(c->kms_uri),
	    c->user_key_period, c->user_key_offset, period, uid) != CRYPTO_OK)
		return 0;			/* not usable: keyprov says so */
	pthread_mutex_lock(&pc.pc_mtx);
	i = pc_find(uid) >= 0 ? 1 : pc.pc_n >= pc.pc_max ? 2 : 0;
	pthread_mutex_unlock(&pc.pc_mtx);
	if (i == 1) {
		(*cached)++;
		return 0;
	}
	if (i == 2) {
		(*over)++;
		return 0;
	}
	st = hsm_derive_rsk(k->hsm, g->g_sakke, uid, UID_LEN, plain,
	    SAKKE_RSK_LEN, &len);
	if (st == HSM_OK)
		st = hsm_derive_ssk_pvt(k->hsm, g->g_eccsi, g->g_pub_auth,
		    uid, UID_LEN, plain + SAKKE_RSK_LEN,
		    plain + SAKKE_RSK_LEN + ECCSI_SCALAR_LEN);
	pc_aad(uid, period, aad);
	if (st == HSM_OK)
		st = hsm_cache_seal(k->hsm, aad, sizeof(aad), plain,
		    sizeof(plain), blob, sizeof(blob));
	explicit_bzero(plain, sizeof(plain));	/* wipe: RSK, SSK, PVT */
	if (st != HSM_OK) {
		log_warnx("precompute: %s: %s", uri, hsm_strerror(st));
		goto out;
	}
	pthread_mutex_lock(&pc.pc_mtx);
	if (pc.pc_period == period && pc_find(uid) < 0 &&
	    pc.pc_n < pc.pc_max) {
		memcpy(pc.pc_entries[pc.pc_n].pe_uid, uid, UID_LEN);
		memcpy(pc.pc_entries[pc.pc_n].pe_blob, blob, sizeof(blob));
		s = pc_slot(uid, pc.pc_slots);
		while (pc.pc_index[s] != 0)
			s = (s + 1) & (pc.pc_slots - 1);
		pc.pc_index[s] = (uint32_t)(++pc.pc_n);
		(*sealed)++;
		atomic_fetch_add(&pc_sealed, 1);
	}
	pthread_mutex_unlock(&pc.pc_mtx);
	ret = 0;
 out:
	explicit_bzero(blob, sizeof(blob));
	return ret;
}

/* One look: is the next period near, and if so, fill its cache. */
static void
pc_pass(struct kmsd *k)
{
	const struct kms_conf	*c = k->conf;
	struct store_user	*users = NULL;
	struct store_identity	*ids = NULL;
	const struct kmsd_gen	*gen;
	uint64_t		 now_ntp, cur, from, to, next;
	int64_t			 now = mcx_now(), t0, ms;
	int64_t			 after = 0;
	size_t			 nu, ni, i, j, sealed = 0, cached = 0, over = 0;
	size_t			 idents = 0;
	bool			 fail = false;

	if (now < pc.pc_next_pass || k->hsm == NULL ||
	    !atomic_load(&k->hsm_up) || k->store == NULL)
		return;
	now_ntp = ntp_from_unix(now);
	if (key_period_no(now_ntp, c->user_key_period, c->user_key_offset,
	    &cur) != CRYPTO_OK || key_period_bounds(cur, c->user_key_period,
	    c->user_key_offset, &from, &to) != CRYPTO_OK)
		return;
	if (to + 1 - now_ntp > c->precompute_lead)
		return;				/* not yet */
	next = cur + 1;
	gen = kcert_for(k, unix_from_ntp(to + 1));
	if (gen == NULL)
		return;				/* no keys (zeroized) */
	pthread_mutex_lock(&pc.pc_mtx);
	if (!pc.pc_have_period || pc.pc_period != next) {
		explicit_bzero(pc.pc_entries, pc.pc_max *
		    sizeof(*pc.pc_entries));
		memset(pc.pc_index, 0, pc.pc_slots * sizeof(*pc.pc_index));
		pc.pc_n = 0;
		pc.pc_period = next;
		pc.pc_have_period = true;
		pthread_mutex_unlock(&pc.pc_mtx);
		log_info("precompute: period %llu ends in %llu s (lead %llu "
		    "s): deriving the key sets of period %llu",
		    (unsigned long long)cur,
		    (unsigned long long)(to + 1 - now_ntp),
		    (unsigned long long)c->precompute_lead,
		    (unsigned long long)next);
	} else
		pthread_mutex_unlock(&pc.pc_mtx);

	if ((users = calloc(PC_USER_BATCH, sizeof(*users))) == NULL ||
	    (ids = calloc(STORE_BINDINGS_MAX, sizeof(*ids))) == NULL) {
		fail = true;
		goto out;
	}
	t0 = (int64_t)board_get()->time_mono_ms();
	for (;;) {
		if (store_user_list(k->store, after, users, PC_USER_BATCH,
		    &nu) != STORE_OK) {
			fail = true;
			break;
		}
		if (nu == 0)
			break;
		for (i = 0; i < nu && !fail; i++) {
			after = users[i].su_id;
			if (users[i].su_revoked)
				continue;
			if (store_bindings(k->store, users[i].su_uri, ids,
			    STORE_BINDINGS_MAX, &ni) != STORE_OK)
				ni = 0;
			for (j = 0; j <= ni && !fail; j++) {
				pthread_mutex_lock(&pc.pc_mtx);
				fail = pc.pc_stop;
				pthread_mutex_unlock(&pc.pc_mtx);
				if (fail)
					break;
				idents++;
				if (pc_one(k, gen, j == 0 ? users[i].su_uri :
				    ids[j - 1].si_uri, next, &sealed, &cached,
				    &over) != 0)
					fail = true;
			}
		}
		if (fail)
			break;
	}
	ms = (int64_t)board_get()->time_mono_ms() - t0;
	atomic_fetch_add(&pc_passes, 1);
	if (sealed > 0 || over > 0 || fail)
		log_info("precompute: period %llu: %zu key sets derived and "
		    "sealed in %lld ms, %zu already cached, %zu over the limit "
		    "of %u (%zu identities)%s", (unsigned long long)next,
		    sealed, (long long)ms, cached, over, c->precompute_max,
		    idents, fail ? "; pass cut short" : "");
 out:
	pc.pc_next_pass = now + (fail ? PC_RETRY_S : PC_RESCAN_S);
	explicit_bzero(ids, ids != NULL ? STORE_BINDINGS_MAX * sizeof(*ids) :
	    0);
	free(users);
	free(ids);
}

static void *
pc_main(void *arg)
{
	struct kmsd		*k = arg;
	struct sched_param	 sp;
	struct timespec		 ts;

	memset(&sp, 0, sizeof(sp));
	if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) != 0)
		log_warnx("precompute: cannot lower the thread's priority");
	pthread_mutex_lock(&pc.pc_mtx);
	while (!pc.pc_stop) {
		pthread_mutex_unlock(&pc.pc_mtx);
		pc_pass(k);
		pthread_mutex_lock(&pc.pc_mtx);
		if (pc.pc_stop)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += PC_TICK_MS / 1000;
		(void)pthread_cond_timedwait(&pc.pc_cond, &pc.pc_mtx, &ts);
	}
	pthread_mutex_unlock(&pc.pc_mtx);
	return NULL;
}

/* see mcx.h */
int
mcx_precompute_start(struct kmsd *k)
{
	const struct kms_conf	*c = k->conf;
	size_t			 slots = 1;
	int			 rc;

	if (c->precompute_lead == 0)
		return 0;
	while (slots < 2 * (size_t)c->precompute_max)
		slots <<= 1;
	pthread_mutex_lock(&pc.pc_mtx);
	pc.pc_entries = calloc(c->precompute_max, sizeof(*pc.pc_entries));
	pc.pc_index = calloc(slots, sizeof(*pc.pc_index));
	if (pc.pc_entries == NULL || pc.pc_index == NULL) {
		free(pc.pc_entries);
		free(pc.pc_index);
		pc.pc_entries = NULL;
		pc.pc_index = NULL;
		pthread_mutex_unlock(&pc.pc_mtx);
		log_warnx("precompute: out of memory for %u key sets; off",
		    c->precompute_max);
		return -1;
	}
	pc.pc_max = c->precompute_max;
	pc.pc_slots = slots;
	pc.pc_n = 0;
	pc.pc_have_period = false;
	pc.pc_stop = false;
	pc.pc_next_pass = 0;
	pc.pc_kmsd = k;
	if ((rc = pthread_create(&pc.pc_thread, NULL, pc_main, k)) != 0) {
		pthread_mutex_unlock(&pc.pc_mtx);
		log_warnx("precompute: thread: %s; off", strerror(rc));
		mcx_precompute_stop();
		return -1;
	}
	pc.pc_running = true;
	pthread_mutex_unlock(&pc.pc_mtx);
	log_info("precompute: on: the next period's key sets from %llu s "
	    "before it, at most %u (about %zu KiB of sealed blobs)",
	    (unsigned long long)c->precompute_lead, c->precompute_max,
	    (size_t)c->precompute_max * sizeof(struct pc_entry) / 1024);
	return 0;
}

/* see mcx.h */
void
mcx_precompute_stop(void)
{
	bool	 running;

	pthread_mutex_lock(&pc.pc_mtx);
	running = pc.pc_running;
	pc.pc_stop = true;
	pthread_cond_broadcast(&pc.pc_cond);
	pthread_mutex_unlock(&pc.pc_mtx);
	if (running)
		pthread_join(pc.pc_thread, NULL);
	pthread_mutex_lock(&pc.pc_mtx);
	if (pc.pc_entries != NULL)
		explicit_bzero(pc.pc_entries, pc.pc_max *
		    sizeof(*pc.pc_entries));
	free(pc.pc_entries);
	free(pc.pc_index);
	pc.pc_entries = NULL;
	pc.pc_index = NULL;
	pc.pc_max = pc.pc_slots = pc.pc_n = 0;
	pc.pc_have_period = false;
	pc.pc_running = false;
	if (pc.pc_kmsd != NULL && pc.pc_kmsd->hsm != NULL)
		hsm_cache_forget(pc.pc_kmsd->hsm);
	pc.pc_kmsd = NULL;
	pthread_mutex_unlock(&pc.pc_mtx);
	if (running)
		log_info("precompute: stopped (%llu passes, %llu sealed, %llu "
		    "served, %llu misses)",
		    (unsigned long long)atomic_load(&pc_passes),
		    (unsigned long long)atomic_load(&pc_sealed),
		    (unsigned long long)atomic_load(&pc_hits),
		    (unsigned long long)atomic_load(&pc_misses));
}
