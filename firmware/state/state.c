/*
 * state.c - the appliance state machine, its audit records, and the
 * gate in front of the KMS routes with GET /health (see state.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "store.h"

#include "state.h"

#define STATE_RETRY_AFTER	"1"	/* seconds, on a gated 503 */

static const char *const state_words[] = {
	[KMS_STATE_UNPROVISIONED] = "unprovisioned",
	[KMS_STATE_LOCKED] = "locked",
	[KMS_STATE_OPERATIONAL] = "operational",
	[KMS_STATE_ERROR] = "error",
	[KMS_STATE_ZEROIZED] = "zeroized",
};

static _Atomic int		 st_cur = KMS_STATE_LOCKED;
static pthread_mutex_t		 st_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct store		*st_store;
static state_notify_fn		*st_notify;
static void			*st_notify_arg;

/* The gate: the application's routes and its error bodies. */
static const struct http_route	*st_app;
static size_t			 st_napp;
static void			(*st_error_body)(int, struct http_response *,
				    void *);

/* see state.h */
void
state_init(struct store *store, state_notify_fn *notify, void *arg)
{
	pthread_mutex_lock(&st_mtx);
	st_store = store;
	st_notify = notify;
	st_notify_arg = arg;
	atomic_store(&st_cur, KMS_STATE_LOCKED);
	pthread_mutex_unlock(&st_mtx);
}

/* see state.h */
void
state_detach(void)
{
	pthread_mutex_lock(&st_mtx);
	st_store = NULL;
	st_notify = NULL;
	st_notify_arg = NULL;
	pthread_mutex_unlock(&st_mtx);
}

/* see state.h */
enum kms_state
state_get(void)
{
	return (enum kms_state)atomic_load(&st_cur);
}

/* see state.h */
bool
state_is_operational(void)
{
	return atomic_load(&st_cur) == KMS_STATE_OPERATIONAL;
}

/* see state.h */
const char *
state_word(enum kms_state st)
{
	if (st < KMS_STATE_UNPROVISIONED || st > KMS_STATE_ZEROIZED)
		return "unknown";
	return state_words[st];
}

static bool
is_allowed(enum kms_state from, enum kms_state to)
{
	if (from == KMS_STATE_ZEROIZED)
		return false;
	if (from == KMS_STATE_ERROR)
		return to == KMS_STATE_ZEROIZED;
	return true;
}

/* One operator-kind audit record (st_mtx held). */
static void
audit_locked(const char *who, const char *tag, const char *what)
{
	struct store_audit	 rec;
	int			 rc;

	if (st_store == NULL)
		return;
	memset(&rec, 0, sizeof(rec));
	rec.sa_kind = STORE_AUDIT_OPERATOR;
	rec.sa_time = board_get()->time_wall();
	/* Readable without the operator column too: who acted, or kmsd. */
	if (who[0] != '\0')
		snprintf(rec.sa_subject, sizeof(rec.sa_subject), "console:%s",
		    who);
	else
		snprintf(rec.sa_subject, sizeof(rec.sa_subject), "kmsd");
	snprintf(rec.sa_operator, sizeof(rec.sa_operator), "%s", who);
	rec.sa_period_no = -1;
	snprintf(rec.sa_request_id, sizeof(rec.sa_request_id), "%s", tag);
	snprintf(rec.sa_reason, sizeof(rec.sa_reason), "%s", what);
	if ((rc = store_audit_add(st_store, &rec)) != STORE_OK)
		log_err("state: audit record '%s' not written: %s", tag,
		    store_strerror(rc));
}

/* see state.h */
void
state_audit(const char *who, const char *tag, const char *what)
{
	pthread_mutex_lock(&st_mtx);
	audit_locked(who != NULL ? who : "", tag, what);
	pthread_mutex_unlock(&st_mtx);
}

/* The audit record of a change (st_mtx held). */
static void
audit_change(enum kms_state from, enum kms_state to, const char *who,
    const char *why)
{
	char	 tag[32], what[STORE_REASON_MAX + 1];

	snprintf(tag, sizeof(tag), "state:%s", state_word(to));
	snprintf(what, sizeof(what), "state: %s -> %s: %.*s",
	    state_word(from), state_word(to), STATE_WHY_MAX, why);
	audit_locked(who, tag, what);
}

/* see state.h */
int
state_set(enum kms_state to, const char *who, const char *why)
{
	enum kms_state	 from;
	state_notify_fn	*fn;
	void		*arg;

	if (to < KMS_STATE_UNPROVISIONED || to > KMS_STATE_ZEROIZED)
		return -EINVAL;
	if (who == NULL)
		who = "";
	if (why == NULL)
		why = "";
	pthread_mutex_lock(&st_mtx);
	from = (enum kms_state)atomic_load(&st_cur);
	if (from == to) {
		pthread_mutex_unlock(&st_mtx);
		return 1;
	}
	if (!is_allowed(from, to)) {
		pthread_mutex_unlock(&st_mtx);
		log_warnx("state: %s -> %s refused (%s is kept until a "
		    "restart)", state_word(from), state_word(to),
		    state_word(from));
		return -EPERM;
	}
	atomic_store(&st_cur, to);
	if (to == KMS_STATE_OPERATIONAL)
		log_info("state: %s -> %s: %s", state_word(from),
		    state_word(to), why);
	else
		log_err("state: %s -> %s: %s", state_word(from),
		    state_word(to), why);
	audit_change(from, to, who, why);
	fn = st_notify;
	arg = st_notify_arg;
	pthread_mutex_unlock(&st_mtx);
	if (fn != NULL)
		fn(from, to, arg);
	return 0;
}

/* GET /health: the state word; 200 only when operational. */
static int
health(const struct http_request *req, struct http_response *res,
    void *arg)
{
	enum kms_state	 st = state_get();

	(void)req;
	(void)arg;
	res->status = st == KMS_STATE_OPERATIONAL ? 200 : 503;
	res->content_type = "text/plain";
	buf_reset(&res->body);
	if (buf_printf(&res->body, "%s\n", state_word(st)) != 0)
		return -1;
	if (st != KMS_STATE_OPERATIONAL)
		http_response_header(res, "Retry-After", STATE_RETRY_AFTER);
	return 0;
}

/* As net/ matches: exact, or a prefix followed by '/'. */
static bool
path_matches(const struct http_route *r, const char *path)
{
	size_t	 n = strlen(r->path);

	if (strcmp(r->path, path) == 0)
		return true;
	return r->prefix && strncmp(path, r->path, n) == 0 && path[n] == '/';
}

/*
 * Every application route points here: 503 unless operational, else the
 * application's handler for this path and method (net/ found one, so
 * this finds the same one).
 */
static int
gated(const struct http_request *req, struct http_response *res, void *arg)
{
	size_t	 i;

	if (state_is_operational()) {
		for (i = 0; i < st_napp; i++)
			if (st_app[i].method == req->method &&
			    path_matches(&st_app[i], req->path))
				return st_app[i].handler(req, res, arg);
	}
	res->status = 503;
	res->content_type = NULL;
	buf_reset(&res->body);
	res->extra_count = 0;
	if (st_error_body != NULL)
		st_error_body(503, res, arg);
	res->status = 503;
	http_response_header(res, "Retry-After", STATE_RETRY_AFTER);
	return 0;
}

/* see state.h */
int
state_routes(const struct http_route *app, size_t n,
    void (*error_body)(int, struct http_response *, void *),
    struct http_route *out, size_t out_size, size_t *out_n)
{
	size_t	 i;

	if (n > STATE_ROUTES_MAX || out_size < n + 1)
		return -E2BIG;
	st_app = app;
	st_napp = n;
	st_error_body = error_body;
	out[0] = (struct http_route){ HTTP_M_GET, STATE_HEALTH_PATH, false,
	    health };
	for (i = 0; i < n; i++) {
		out[i + 1] = app[i];
		out[i + 1].handler = gated;
	}
	*out_n = n + 1;
	return 0;
}
