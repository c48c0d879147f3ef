/*
 * test_kcert.c - the pure logic of firmware/kcert on a struct kmsd with
 * hand-made generations (no token): kcert_for picks the generation of a
 * key period start, kcert_find by CertUri, kcert_info cuts ValidTo at the
 * next generation, kcert_earliest follows keyprov_future_periods and the
 * newest generation, kcert_rotate refuses bad arguments before it
 * touches anything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "board.h"
#include "conf.h"
#include "kcert.h"
#include "store.h"

#define NTP_UNIX	2208988800LL	/* NTP seconds - Unix seconds */
#define P		100		/* seconds per key period */

static struct kms_conf	 conf;

/* A new store in a new directory dir (a mkdtemp template). */
static struct store *
open_store(char *dir)
{
	struct store_conf	 sc;
	struct store		*st = NULL;

	assert_non_null(mkdtemp(dir));
	memset(&sc, 0, sizeof(sc));
	sc.sc_data_dir = dir;
	assert_int_equal(store_open(&sc, &st), STORE_OK);
	return st;
}

/* Remove a test's store directory. */
static void
rm_dir(const char *dir)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}
static struct kmsd	 kmsd;

/* Unix time of the start of NTP key period n (offset 0). */
static int64_t
start_of(int64_t n)
{
	return n * P - NTP_UNIX;
}

static void
add_gen(unsigned no, const char *uri, int64_t from, int64_t to)
{
	struct kmsd_gen	*g = &kmsd.gens[atomic_load(&kmsd.ngens)];

	memset(g, 0, sizeof(*g));
	g->g_no = no;
	snprintf(g->g_cert_uri, sizeof(g->g_cert_uri), "%s", uri);
	g->g_from = from;
	g->g_valid_from = no == 1 ? conf.valid_from : from;
	g->g_valid_to = to;
	g->g_pub_enc[0] = g->g_pub_auth[0] = 0x04;
	g->g_pub_enc[1] = g->g_pub_auth[1] = (uint8_t)no;
	atomic_store(&kmsd.ngens, atomic_load(&kmsd.ngens) + 1);
}

static int
setup(void **state)
{
	(void)state;
	conf_defaults(&conf);
	snprintf(conf.kms_uri, sizeof(conf.kms_uri), "kms.example.org");
	snprintf(conf.cert_uri, sizeof(conf.cert_uri), "cert1.kms.example.org");
	conf.user_key_period = P;
	conf.user_key_offset = 0;
	conf.keyprov_future = 1;
	conf.valid_from = start_of(24000000);
	conf.valid_to = start_of(27000000);
	memset(&kmsd, 0, sizeof(kmsd));
	kmsd.conf = &conf;
	add_gen(1, conf.cert_uri, INT64_MIN, conf.valid_to);
	return 0;
}

static void
test_for(void **state)
{
	int64_t	 s2 = start_of(25000010), s3 = start_of(25000020);

	(void)state;
	assert_null(kcert_for(&(struct kmsd){ 0 }, 0));
	add_gen(2, "cert2.kms.example.org", s2, s2 + 1000);
	add_gen(4, "cert4.kms.example.org", s3, s3 + 1000);
	assert_int_equal(kcert_count(&kmsd), 3);
	assert_int_equal(kcert_for(&kmsd, s2 - 1)->g_no, 1);
	assert_int_equal(kcert_for(&kmsd, s2)->g_no, 2);
	assert_int_equal(kcert_for(&kmsd, s3 - 1)->g_no, 2);
	assert_int_equal(kcert_for(&kmsd, s3)->g_no, 4);
	assert_int_equal(kcert_for(&kmsd, INT64_MAX)->g_no, 4);
	assert_int_equal(kcert_for(&kmsd, INT64_MIN)->g_no, 1);
	assert_ptr_equal(kcert_get(&kmsd, 1), &kmsd.gens[1]);
	assert_null(kcert_get(&kmsd, 3));
	/* Unpublished entries are not seen. */
	atomic_store(&kmsd.ngens, 2);
	assert_int_equal(kcert_for(&kmsd, s3)->g_no, 2);
}

static void
test_find(void **state)
{
	(void)state;
	add_gen(2, "cert2.kms.example.org", start_of(25000010),
	    start_of(18000100));
	assert_int_equal(kcert_find(&kmsd, "cert2.kms.example.org")->g_no, 2);
	assert_int_equal(kcert_find(&kmsd, "cert1.kms.example.org")->g_no, 1);
	assert_null(kcert_find(&kmsd, "cert3.kms.example.org"));
	assert_null(kcert_find(&kmsd, ""));
	assert_null(kcert_find(&kmsd, NULL));
}

static void
test_info(void **state)
{
	struct kms_cert_info	 ci;
	int64_t			 s2 = start_of(25000010);

	(void)state;
	add_gen(2, "cert2.kms.example.org", s2, s2 + 5000);
	/* Generation 1: [kms]'s ValidFrom, ValidTo cut before generation 2. */
	assert_int_equal(kcert_info(&kmsd, &kmsd.gens[0], &ci), XML_OK);
	assert_string_equal(ci.cert_uri, "cert1.kms.example.org");
	assert_int_equal(ci.valid_from, conf.valid_from);
	assert_int_equal(ci.valid_to, s2 - 1);
	assert_true(ci.is_root);
	assert_int_equal(ci.pub_enc_key[1], 1);
	/* Generation 2: its own validity and keys. */
	assert_int_equal(kcert_info(&kmsd, &kmsd.gens[1], &ci), XML_OK);
	assert_string_equal(ci.cert_uri, "cert2.kms.example.org");
	assert_int_equal(ci.valid_from, s2);
	assert_int_equal(ci.valid_to, s2 + 5000);
	assert_int_equal(ci.pub_auth_key[1], 2);
	/* A ValidTo before the next start is not extended. */
	kmsd.gens[0].g_valid_to = s2 - 500;
	assert_int_equal(kcert_info(&kmsd, &kmsd.gens[0], &ci), XML_OK);
	assert_int_equal(ci.valid_to, s2 - 500);
	assert_int_equal(kcert_info(&kmsd, NULL, &ci), XML_ERR_ARGS);
}

static void
test_earliest(void **state)
{
	int64_t	 now = start_of(25000000) + 37, t;

	(void)state;
	/* keyprov_future 1: past period cur + 1, so cur + 2; the same at
	   the period's first and last second. */
	assert_int_equal(kcert_earliest(&kmsd, now, &t), KCERT_OK);
	assert_int_equal(t, start_of(25000002));
	assert_int_equal(kcert_earliest(&kmsd, start_of(25000000), &t),
	    KCERT_OK);
	assert_int_equal(t, start_of(25000002));
	assert_int_equal(kcert_earliest(&kmsd, start_of(25000001) - 1, &t),
	    KCERT_OK);
	assert_int_equal(t, start_of(25000002));
	assert_int_equal(kcert_earliest(&kmsd, start_of(25000001), &t),
	    KCERT_OK);
	assert_int_equal(t, start_of(25000003));
	/* keyprov_future 0: still past the precomputed period cur + 1. */
	conf.keyprov_future = 0;
	assert_int_equal(kcert_earliest(&kmsd, now, &t), KCERT_OK);
	assert_int_equal(t, start_of(25000002));
	conf.keyprov_future = 3;
	assert_int_equal(kcert_earliest(&kmsd, now, &t), KCERT_OK);
	assert_int_equal(t, start_of(25000004));
	/* After the newest generation's start. */
	add_gen(2, "cert2.kms.example.org", start_of(25000009),
	    start_of(18000100));
	assert_int_equal(kcert_earliest(&kmsd, now, &t), KCERT_OK);
	assert_int_equal(t, start_of(25000010));
	/* A clock before NTP's key period offset. */
	conf.user_key_offset = 50;
	assert_int_equal(kcert_earliest(&kmsd, -NTP_UNIX, &t), KCERT_ERR_TIME);
	assert_int_equal(kcert_earliest(NULL, now, &t), KCERT_ERR_ARGS);
}

/*
 * kcert_rotate's refusals before the token is touched: the hsm pointer
 * is a dummy that must never be used, the store a real one.
 */
static void
test_rotate_args(void **state)
{
	struct store		*st;
	char			 dir[] = "/tmp/kcert-XXXXXX";
	int64_t			 now = (int64_t)time(NULL), from;

	(void)state;
	st = open_store(dir);
	kmsd.store = st;
	kmsd.hsm = (struct hsm *)(uintptr_t)1;	/* never dereferenced */
	assert_int_equal(kcert_earliest(&kmsd, now, &from), KCERT_OK);

	/* Not a URI, no token, no store, no context. */
	assert_int_equal(kcert_rotate(&kmsd, "", from, from + 10, NULL),
	    KCERT_ERR_ARGS);
	assert_int_equal(kcert_rotate(&kmsd, "cert 2", from, from + 10, NULL),
	    KCERT_ERR_ARGS);
	assert_int_equal(kcert_rotate(NULL, "x", from, from + 10, NULL),
	    KCERT_ERR_ARGS);
	/* Taken: generation 1's CertUri, an external certificate's. */
	assert_int_equal(kcert_rotate(&kmsd, "cert1.kms.example.org", from,
	    from + 10, NULL), KCERT_ERR_EXISTS);
	assert_int_equal(store_cert_put(st, "certx.kms.b.org", "kms.b.org",
	    "<KmsCertificate/>", now, NULL), STORE_OK);
	assert_int_equal(kcert_rotate(&kmsd, "certx.kms.b.org", from,
	    from + 10, NULL), KCERT_ERR_EXISTS);
	/* Too early, not a period start, an empty validity. */
	assert_int_equal(kcert_rotate(&kmsd, "cert2.kms.example.org",
	    from - P, from + 10, NULL), KCERT_ERR_TIME);
	assert_int_equal(kcert_rotate(&kmsd, "cert2.kms.example.org",
	    from + 1, from + 10, NULL), KCERT_ERR_TIME);
	assert_int_equal(kcert_rotate(&kmsd, "cert2.kms.example.org",
	    from, from, NULL), KCERT_ERR_TIME);
	/* Generation 1 without a CertUri: clients could not tell. */
	conf.cert_uri[0] = '\0';
	assert_int_equal(kcert_rotate(&kmsd, "cert2.kms.example.org", from,
	    from + 10, NULL), KCERT_ERR_NO_URI);
	snprintf(conf.cert_uri, sizeof(conf.cert_uri), "cert1.kms.example.org");
	/* No room. */
	while (kcert_count(&kmsd) < KMSD_GENS_MAX)
		add_gen((unsigned)kcert_count(&kmsd) + 1, "g", INT64_MIN, 0);
	assert_int_equal(kcert_rotate(&kmsd, "cert9.kms.example.org", from,
	    from + 10, NULL), KCERT_ERR_LIMIT);

	assert_string_equal(kcert_strerror(KCERT_ERR_TIME),
	    "not a usable key period start");
	assert_string_equal(kcert_strerror(12345), "general failure");
	kcert_forget(&kmsd);
	assert_int_equal(kcert_count(&kmsd), 0);
	assert_null(kcert_for(&kmsd, 0));
	kmsd.hsm = NULL;
	kmsd.store = NULL;
	store_close(st);
	rm_dir(dir);
}

/* The audit trail's highest issued period pushes the earliest start. */
static void
test_earliest_issued(void **state)
{
	struct store		*st;
	struct store_audit	 a;
	char			 dir[] = "/tmp/kcert-XXXXXX";
	int64_t			 now = start_of(25000000) + 5, t;

	(void)state;
	st = open_store(dir);
	kmsd.store = st;
	assert_int_equal(kcert_earliest(&kmsd, now, &t), KCERT_OK);
	assert_int_equal(t, start_of(25000002));
	/* keyprov_future was 5 once: period cur + 5 was released. */
	memset(&a, 0, sizeof(a));
	a.sa_kind = STORE_AUDIT_ISSUED;
	a.sa_time = now;
	snprintf(a.sa_subject, sizeof(a.sa_subject), "sip:a@b.org");
	snprintf(a.sa_identity, sizeof(a.sa_identity), "sip:a@b.org");
	a.sa_period_no = 25000005;
	assert_int_equal(store_audit_add(st, &a), STORE_OK);
	assert_int_equal(kcert_earliest(&kmsd, now, &t), KCERT_OK);
	assert_int_equal(t, start_of(25000006));
	kmsd.store = NULL;
	store_close(st);
	rm_dir(dir);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_for, setup),
		cmocka_unit_test_setup(test_find, setup),
		cmocka_unit_test_setup(test_info, setup),
		cmocka_unit_test_setup(test_earliest, setup),
		cmocka_unit_test_setup(test_rotate_args, setup),
		cmocka_unit_test_setup(test_earliest_issued, setup),
	};
	struct CMUnitTest	 run[sizeof(tests) / sizeof(tests[0])];
	size_t			 i, n = 0;

	log_setlevel(LOG_LVL_ERR);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (argc < 2 || strcmp(argv[1], tests[i].name) == 0)
			run[n++] = tests[i];
	if (n == 0) {
		fprintf(stderr, "no test named %s\n", argv[1]);
		return 1;
	}
	return _cmocka_run_group_tests("kcert", run, n, NULL, NULL);
}
