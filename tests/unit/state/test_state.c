/*
 * test_state.c - firmware/state: the words, the transition rules (error
 * and zeroized sticky), the audit record of every change, the notify
 * call, GET /health and the gate in front of the application's routes;
 * firmware/post: the math known-answer tests pass.
 *
 * Usage: test_state [test-name-filter]
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "post.h"
#include "state.h"
#include "store.h"

static void
test_words(void **state)
{
	(void)state;
	assert_string_equal(state_word(KMS_STATE_UNPROVISIONED),
	    "unprovisioned");
	assert_string_equal(state_word(KMS_STATE_LOCKED), "locked");
	assert_string_equal(state_word(KMS_STATE_OPERATIONAL), "operational");
	assert_string_equal(state_word(KMS_STATE_ERROR), "error");
	assert_string_equal(state_word(KMS_STATE_ZEROIZED), "zeroized");
	assert_string_equal(state_word((enum kms_state)0), "unknown");
	assert_string_equal(state_word((enum kms_state)99), "unknown");
}

static void
test_transitions(void **state)
{
	(void)state;
	state_init(NULL, NULL, NULL);
	assert_int_equal(state_get(), KMS_STATE_LOCKED);
	assert_false(state_is_operational());
	assert_int_equal(state_set(KMS_STATE_UNPROVISIONED, "", "a"), 0);
	assert_int_equal(state_set(KMS_STATE_OPERATIONAL, "", "b"), 0);
	assert_true(state_is_operational());
	assert_int_equal(state_set(KMS_STATE_OPERATIONAL, "", "c"), 1);
	assert_int_equal(state_set(KMS_STATE_LOCKED, NULL, NULL), 0);
	assert_int_equal(state_set((enum kms_state)42, "", ""), -EINVAL);
	/* error is kept, except for a zeroize */
	assert_int_equal(state_set(KMS_STATE_ERROR, "", "kat"), 0);
	assert_int_equal(state_set(KMS_STATE_OPERATIONAL, "", ""), -EPERM);
	assert_int_equal(state_set(KMS_STATE_LOCKED, "", ""), -EPERM);
	assert_int_equal(state_get(), KMS_STATE_ERROR);
	assert_int_equal(state_set(KMS_STATE_ZEROIZED, "", "tamper"), 0);
	/* zeroized is kept whatever comes */
	assert_int_equal(state_set(KMS_STATE_OPERATIONAL, "", ""), -EPERM);
	assert_int_equal(state_set(KMS_STATE_ERROR, "", ""), -EPERM);
	assert_int_equal(state_set(KMS_STATE_UNPROVISIONED, "", ""), -EPERM);
	assert_int_equal(state_get(), KMS_STATE_ZEROIZED);
	/* only a new process (state_init) starts over */
	state_init(NULL, NULL, NULL);
	assert_int_equal(state_get(), KMS_STATE_LOCKED);
}

static void
test_audit(void **state)
{
	struct store_conf	 sc = { 0 };
	struct store		*st;
	struct store_audit	 a[16];
	char			 dir[] = "/tmp/test_state.XXXXXX", cmd[64];
	size_t			 n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	sc.sc_data_dir = dir;
	assert_int_equal(store_open(&sc, &st), STORE_OK);
	state_init(st, NULL, NULL);
	assert_int_equal(state_set(KMS_STATE_OPERATIONAL, "", "post ok"), 0);
	assert_int_equal(state_set(KMS_STATE_OPERATIONAL, "", "again"), 1);
	assert_int_equal(state_set(KMS_STATE_ZEROIZED, "admin", "console"),
	    0);
	assert_int_equal(state_set(KMS_STATE_LOCKED, "", "refused"), -EPERM);
	state_audit("admin", "zeroize:ok", "zeroize (console): done");
	assert_int_equal(store_audit_read(st, 0, a, 16, &n), STORE_OK);
	assert_int_equal(n, 3);		/* no record for no change/refusal */
	assert_int_equal(a[0].sa_kind, STORE_AUDIT_OPERATOR);
	assert_string_equal(a[0].sa_subject, "kmsd");
	assert_string_equal(a[0].sa_operator, "");
	assert_string_equal(a[0].sa_request_id, "state:operational");
	assert_string_equal(a[0].sa_reason,
	    "state: locked -> operational: post ok");
	assert_int_equal(a[0].sa_period_no, -1);
	assert_string_equal(a[1].sa_subject, "console:admin");
	assert_string_equal(a[1].sa_operator, "admin");
	assert_string_equal(a[1].sa_request_id, "state:zeroized");
	assert_string_equal(a[1].sa_reason,
	    "state: operational -> zeroized: console");
	assert_string_equal(a[2].sa_request_id, "zeroize:ok");
	assert_string_equal(a[2].sa_reason, "zeroize (console): done");
	state_detach();
	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static enum kms_state	 seen_from, seen_to;
static int		 seen_calls;

static void
notify(enum kms_state from, enum kms_state to, void *arg)
{
	assert_ptr_equal(arg, &seen_calls);
	seen_from = from;
	seen_to = to;
	seen_calls++;
}

static void
test_notify(void **state)
{
	(void)state;
	seen_calls = 0;
	state_init(NULL, notify, &seen_calls);
	assert_int_equal(state_set(KMS_STATE_OPERATIONAL, "", ""), 0);
	assert_int_equal(seen_calls, 1);
	assert_int_equal(seen_from, KMS_STATE_LOCKED);
	assert_int_equal(seen_to, KMS_STATE_OPERATIONAL);
	assert_int_equal(state_set(KMS_STATE_OPERATIONAL, "", ""), 1);
	assert_int_equal(seen_calls, 1);	/* no change, no call */
	state_detach();
	assert_int_equal(state_set(KMS_STATE_LOCKED, "", ""), 0);
	assert_int_equal(seen_calls, 1);	/* detached */
}

/* The fake application: one route, and its error bodies. */
static int	 app_calls, body_calls, body_status;

static int
app_handler(const struct http_request *req, struct http_response *res,
    void *arg)
{
	(void)req;
	(void)arg;
	app_calls++;
	res->status = 200;
	return buf_printf(&res->body, "app") == 0 ? 0 : -1;
}

static void
app_error_body(int status, struct http_response *res, void *arg)
{
	(void)arg;
	body_calls++;
	body_status = status;
	(void)buf_printf(&res->body, "error %d", status);
}

static const struct http_route app_routes[] = {
	{ HTTP_M_POST, "/app", true, app_handler },
};

static void
call(const struct http_route *r, enum http_req_method m, const char *path,
    struct http_response *res)
{
	struct http_request	 req;

	memset(&req, 0, sizeof(req));
	req.method = m;
	req.path = path;
	memset(res, 0, sizeof(*res));
	buf_init(&res->body, 4096);
	assert_int_equal(r->handler(&req, res, NULL), 0);
}

static const char *
header(const struct http_response *res, const char *name)
{
	size_t	 i;

	for (i = 0; i < res->extra_count; i++)
		if (strcmp(res->extra[i].name, name) == 0)
			return res->extra[i].value;
	return NULL;
}

static void
test_health_gate(void **state)
{
	struct http_route	 out[4];
	struct http_response	 res;
	size_t			 n;

	(void)state;
	state_init(NULL, NULL, NULL);
	assert_int_equal(state_routes(app_routes, 1, app_error_body, out, 1,
	    &n), -E2BIG);
	assert_int_equal(state_routes(app_routes, STATE_ROUTES_MAX + 1,
	    app_error_body, out, 4, &n), -E2BIG);
	assert_int_equal(state_routes(app_routes, 1, app_error_body, out, 4,
	    &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].method, HTTP_M_GET);
	assert_string_equal(out[0].path, STATE_HEALTH_PATH);
	assert_string_equal(out[1].path, "/app");
	assert_true(out[1].prefix);
	assert_int_equal(out[1].method, HTTP_M_POST);

	/* locked: /health 503 "locked", the app 503 through error_body */
	call(&out[0], HTTP_M_GET, "/health", &res);
	assert_int_equal(res.status, 503);
	assert_string_equal(res.body.b_data, "locked\n");
	assert_string_equal(res.content_type, "text/plain");
	assert_non_null(header(&res, "Retry-After"));
	buf_free(&res.body);
	app_calls = body_calls = 0;
	call(&out[1], HTTP_M_POST, "/app/x", &res);
	assert_int_equal(res.status, 503);
	assert_int_equal(app_calls, 0);
	assert_int_equal(body_calls, 1);
	assert_int_equal(body_status, 503);
	assert_string_equal(res.body.b_data, "error 503");
	assert_non_null(header(&res, "Retry-After"));
	buf_free(&res.body);

	/* operational: 200 "operational", the app's own handler */
	assert_int_equal(state_set(KMS_STATE_OPERATIONAL, "", ""), 0);
	call(&out[0], HTTP_M_GET, "/health", &res);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.body.b_data, "operational\n");
	assert_null(header(&res, "Retry-After"));
	buf_free(&res.body);
	call(&out[1], HTTP_M_POST, "/app/x", &res);
	assert_int_equal(res.status, 200);
	assert_int_equal(app_calls, 1);
	assert_string_equal(res.body.b_data, "app");
	buf_free(&res.body);

	/* every other state word comes out as it is */
	assert_int_equal(state_set(KMS_STATE_ERROR, "", ""), 0);
	call(&out[0], HTTP_M_GET, "/health", &res);
	assert_int_equal(res.status, 503);
	assert_string_equal(res.body.b_data, "error\n");
	buf_free(&res.body);
	state_init(NULL, NULL, NULL);
	assert_int_equal(state_set(KMS_STATE_UNPROVISIONED, "", ""), 0);
	call(&out[0], HTTP_M_GET, "/health", &res);
	assert_string_equal(res.body.b_data, "unprovisioned\n");
	buf_free(&res.body);
}

/* The math tests need no token; they all pass and are all reported. */
static void
test_post_crypto(void **state)
{
	struct post_report	 r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(post_crypto(&r), 0);
	assert_int_equal(r.pr_count, 3);
	assert_string_equal(r.pr_kat[0].name, "sakke");
	assert_string_equal(r.pr_kat[1].name, "eccsi");
	assert_string_equal(r.pr_kat[2].name, "uid");
	assert_true(r.pr_kat[0].pass && r.pr_kat[1].pass && r.pr_kat[2].pass);
	/* without a token every token test fails, none is skipped */
	assert_int_equal(post_hsm(NULL, &r), -1);
	assert_int_equal(r.pr_count, 7);
	assert_false(r.pr_kat[3].pass || r.pr_kat[4].pass ||
	    r.pr_kat[5].pass || r.pr_kat[6].pass);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_audit),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_health_gate),
		cmocka_unit_test(test_post_crypto),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
