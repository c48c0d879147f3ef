/*
 * test_console.c - firmware/console through a capturing console_io, a
 * temporary data directory with a real store, and an injected clock.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "board.h"
#include "conf.h"
#include "hsm.h"
#include "kmsd.h"
#include "state.h"
#include "store.h"

#include "console.h"

#define PASS_ADMIN	"admin-pass-1"
#define PASS_OPS	"oper-pass-22"
#define PASS_AUD	"audit-pass-333"

static char		 out[65536];
static size_t		 out_len;
static uint64_t		 now_ms = 1000000;
static int64_t		 now_wall = 1780000000;	/* 2026-05-28 */

static int
cap_write(void *arg, const char *buf, size_t len)
{
	(void)arg;
	if (out_len + len >= sizeof(out))
		return -ENOSPC;
	memcpy(out + out_len, buf, len);
	out_len += len;
	out[out_len] = '\0';
	return 0;
}

static unsigned	 reboots;	/* calls of the fake reboot */
static void	 fake_reboot(void *arg) { (void)arg; reboots++; }
static uint64_t	 clock_ms(void) { return now_ms; }
static int64_t	 clock_wall(void) { return now_wall; }

struct fix {
	char		 dir[64];
	struct kms_conf	 conf;
	struct kmsd	 k;
	struct console	*c;
};

static void
clear(void)
{
	out_len = 0;
	out[0] = '\0';
}

/* Run one line; return its status; the output is in out. */
static int
run(struct fix *f, const char *line)
{
	clear();
	return console_line(f->c, line);
}

#define HAS(s)	do { if (strstr(out, (s)) == NULL) \
		fail_msg("output lacks \"%s\":\n%s", (s), out); } while (0)
#define LACKS(s) do { if (strstr(out, (s)) != NULL) \
		fail_msg("output has \"%s\":\n%s", (s), out); } while (0)

static int
setup(void **state)
{
	struct fix		*f = calloc(1, sizeof(*f));
	struct store_conf	 sc = { 0 };
	struct console_conf	 cc = { 0 };

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_console.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	conf_defaults(&f->conf);
	snprintf(f->conf.kms_uri, sizeof(f->conf.kms_uri),
	    "kms.example.org");
	f->k.conf = &f->conf;
	atomic_store(&f->k.hsm_up, true);
	sc.sc_data_dir = f->dir;
	assert_int_equal(store_open(&sc, &f->k.store), STORE_OK);
	state_init(f->k.store, NULL, NULL);
	assert_int_equal(state_set(KMS_STATE_OPERATIONAL, "", "test"), 0);
	reboots = 0;
	cc.kmsd = &f->k;
	cc.data_dir = f->dir;
	cc.io.write = cap_write;
	cc.mono_ms = clock_ms;
	cc.wall = clock_wall;
	cc.boot_ms = now_ms;
	cc.port = 8080;
	cc.scrypt_log2n = 10;		/* fast in tests */
	cc.reboot = fake_reboot;
	assert_int_equal(console_new(&cc, &f->c), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix	*f = *state;
	char		 cmd[128];

	console_free(f->c);
	state_detach();
	store_close(f->k.store);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Bootstrap admin, then add an operator and an auditor; end logged out. */
static void
accounts(struct fix *f)
{
	assert_int_equal(run(f, "operator add admin administrator"), 0);
	assert_int_equal(run(f, PASS_ADMIN), 0);
	assert_int_equal(run(f, PASS_ADMIN), 0);
	HAS("operator admin added (administrator)");
	assert_int_equal(run(f, "login admin"), 0);
	assert_int_equal(run(f, PASS_ADMIN), 0);
	assert_int_equal(run(f, "operator add olga operator"), 0);
	assert_int_equal(run(f, PASS_OPS), 0);
	assert_int_equal(run(f, PASS_OPS), 0);
	assert_int_equal(run(f, "operator add aud auditor"), 0);
	assert_int_equal(run(f, PASS_AUD), 0);
	assert_int_equal(run(f, PASS_AUD), 0);
	assert_int_equal(run(f, "logout"), 0);
}

static void
login(struct fix *f, const char *name, const char *pass)
{
	char	 l[64];

	snprintf(l, sizeof(l), "login %s", name);
	assert_int_equal(run(f, l), 0);
	assert_int_equal(run(f, pass), 0);
	HAS("logged in as");
}

static void
check_table(const struct console_cmd *t, const char *prefix)
{
	char	 p[64];

	for (; t->name != NULL; t++) {
		assert_non_null(t->help);
		assert_true(strlen(t->help) > 0);
		assert_non_null(t->usage);
		snprintf(p, sizeof(p), "%s%s%s", prefix, prefix[0] ? " " : "",
		    t->name);
		/* the usage line starts with the command's full name */
		assert_int_equal(strncmp(t->usage, p, strlen(p)), 0);
		assert_true((t->handler != NULL) != (t->sub != NULL));
		if (t->sub != NULL) {
			check_table(t->sub, p);
			continue;
		}
		assert_true(t->min_args >= 0);
		assert_true(t->min_args <= t->max_args);
		assert_true(t->max_args < CONSOLE_ARGS_MAX);
	}
}

static void
test_table(void **state)
{
	(void)state;
	check_table(console_cmds, "");
}

/* Every leaf command answers one argument too many with its usage. */
static void
arity_walk(struct fix *f, const struct console_cmd *t, const char *prefix)
{
	char	 line[256];
	size_t	 len;
	int	 i;

	for (; t->name != NULL; t++) {
		snprintf(line, sizeof(line), "%s%s%s", prefix,
		    prefix[0] ? " " : "", t->name);
		if (t->sub != NULL) {
			arity_walk(f, t->sub, line);
			continue;
		}
		if (strcmp(t->name, "login") == 0)	/* starts a prompt */
			continue;
		len = strlen(line);
		for (i = 0; i <= t->max_args; i++) {
			snprintf(line + len, sizeof(line) - len, " x");
			len += 2;
		}
		assert_int_equal(run(f, line), 1);
		HAS("usage: ");
		HAS(t->usage);
	}
}

static void
test_tokenizer(void **state)
{
	char	 buf[CONSOLE_LINE_MAX + 1], big[CONSOLE_LINE_MAX + 2];
	char	*argv[CONSOLE_ARGS_MAX];
	char	 many[CONSOLE_ARGS_MAX * 2 + 8];
	int	 n, i;

	(void)state;
	n = console_tokenize("  user  add\t'sip:a b' \"x \\\"y\\\"\" c\\ d ",
	    buf, sizeof(buf), argv, CONSOLE_ARGS_MAX);
	assert_int_equal(n, 5);
	assert_string_equal(argv[0], "user");
	assert_string_equal(argv[1], "add");
	assert_string_equal(argv[2], "sip:a b");
	assert_string_equal(argv[3], "x \"y\"");
	assert_string_equal(argv[4], "c d");
	/* single quotes keep backslashes; "" is an empty word */
	n = console_tokenize("a 'b\\c' \"\"", buf, sizeof(buf), argv,
	    CONSOLE_ARGS_MAX);
	assert_int_equal(n, 3);
	assert_string_equal(argv[1], "b\\c");
	assert_string_equal(argv[2], "");
	assert_int_equal(console_tokenize("", buf, sizeof(buf), argv,
	    CONSOLE_ARGS_MAX), 0);
	assert_int_equal(console_tokenize("a 'b", buf, sizeof(buf), argv,
	    CONSOLE_ARGS_MAX), -EINVAL);
	assert_int_equal(console_tokenize("a \"b", buf, sizeof(buf), argv,
	    CONSOLE_ARGS_MAX), -EINVAL);
	assert_int_equal(console_tokenize("a b\\", buf, sizeof(buf), argv,
	    CONSOLE_ARGS_MAX), -EINVAL);
	/* CONSOLE_ARGS_MAX words pass, one more does not */
	many[0] = '\0';
	for (i = 0; i < CONSOLE_ARGS_MAX; i++)
		strncat(many, "w ", sizeof(many) - strlen(many) - 1);
	assert_int_equal(console_tokenize(many, buf, sizeof(buf), argv,
	    CONSOLE_ARGS_MAX), CONSOLE_ARGS_MAX);
	strncat(many, "w", sizeof(many) - strlen(many) - 1);
	assert_int_equal(console_tokenize(many, buf, sizeof(buf), argv,
	    CONSOLE_ARGS_MAX), -E2BIG);
	/* CONSOLE_LINE_MAX bytes pass, one more does not */
	memset(big, 'a', CONSOLE_LINE_MAX);
	big[CONSOLE_LINE_MAX] = '\0';
	assert_int_equal(console_tokenize(big, buf, sizeof(buf), argv,
	    CONSOLE_ARGS_MAX), 1);
	big[CONSOLE_LINE_MAX] = 'a';
	big[CONSOLE_LINE_MAX + 1] = '\0';
	assert_int_equal(console_tokenize(big, buf, sizeof(buf), argv,
	    CONSOLE_ARGS_MAX), -E2BIG);
}

static void
test_help_unknown_arity(void **state)
{
	struct fix	*f = *state;
	char		 many[CONSOLE_ARGS_MAX * 2 + 16];
	int		 i;

	assert_int_equal(run(f, "help"), 0);
	HAS("status");
	HAS("zeroize");
	assert_int_equal(run(f, "help user"), 0);
	HAS("user add URI [NAME]");
	assert_int_equal(run(f, "help user add"), 0);
	HAS("usage: user add URI [NAME]");
	assert_int_equal(run(f, "help nothing"), 1);
	HAS("help: unknown command 'nothing'");
	assert_int_equal(run(f, "frobnicate now"), 1);
	HAS("unknown command 'frobnicate' (try help)");
	assert_int_equal(run(f, "help a b c"), 1);
	HAS("usage: help [COMMAND [SUBCOMMAND]]");
	assert_int_equal(run(f, "say 'open"), 1);
	HAS("unterminated quote");
	many[0] = '\0';
	for (i = 0; i <= CONSOLE_ARGS_MAX; i++)
		strncat(many, "w ", sizeof(many) - strlen(many) - 1);
	assert_int_equal(run(f, many), 1);
	HAS("more than 16 words");
	assert_int_equal(run(f, ""), 0);
	assert_int_equal(out_len, 0);

	accounts(f);
	login(f, "admin", PASS_ADMIN);
	assert_int_equal(run(f, "user frob"), 1);
	HAS("user: unknown subcommand 'frob'");
	assert_int_equal(run(f, "user"), 1);
	HAS("usage: user add|delete");
	assert_int_equal(run(f, "user add"), 1);
	HAS("usage: user add URI [NAME]");
	arity_walk(f, console_cmds, "");
}

static void
test_bootstrap(void **state)
{
	struct fix	*f = *state;
	char		 path[128];
	struct stat	 st;

	/* before any operator exists: only operator add administrator */
	assert_int_equal(run(f, "status"), 1);
	HAS("status: not logged in");
	assert_int_equal(run(f, "login admin"), 1);
	HAS("no operators yet");
	assert_int_equal(run(f, "operator list"), 1);
	HAS("not logged in");
	assert_int_equal(run(f, "operator add bob operator"), 1);
	HAS("the first operator must be an administrator");
	assert_int_equal(run(f, "operator add Bad! administrator"), 1);
	HAS("NAME is 1..32");
	/* a short password, then two that differ */
	assert_int_equal(run(f, "operator add admin administrator"), 0);
	assert_int_equal(run(f, "short"), 1);
	HAS("must have 8 to 128 characters");
	assert_int_equal(run(f, "operator add admin administrator"), 0);
	assert_int_equal(run(f, PASS_ADMIN), 0);
	assert_int_equal(run(f, "other-password"), 1);
	HAS("the passwords differ");
	assert_int_equal(run(f, "operator add admin administrator"), 0);
	assert_int_equal(run(f, PASS_ADMIN), 0);
	assert_int_equal(run(f, PASS_ADMIN), 0);
	HAS("operator admin added");
	snprintf(path, sizeof(path), "%s/operators", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* the bootstrap is over: a second one is refused */
	assert_int_equal(run(f, "operator add eve administrator"), 1);
	HAS("operator: not logged in");
}

static void
test_login(void **state)
{
	struct fix	*f = *state;

	accounts(f);
	assert_int_equal(run(f, "login admin"), 0);
	HAS("password:");
	assert_int_equal(run(f, "wrong-password"), 1);
	HAS("login failed");
	assert_null(console_operator(f->c));
	assert_int_equal(run(f, "login nobody"), 0);
	assert_int_equal(run(f, PASS_ADMIN), 1);
	HAS("login failed");		/* same words as a wrong password */
	login(f, "olga", PASS_OPS);
	HAS("logged in as olga (operator)");
	assert_string_equal(console_operator(f->c), "olga");
	assert_int_equal(run(f, "logout"), 0);
	HAS("logged out olga");
	assert_null(console_operator(f->c));
	assert_int_equal(run(f, "logout"), 1);
	HAS("not logged in");
}

static void
test_lockout(void **state)
{
	struct fix	*f = *state;
	int		 i;

	accounts(f);
	for (i = 0; i < CONSOLE_LOGIN_FAILS_MAX; i++) {
		assert_int_equal(run(f, "login admin"), 0);
		assert_int_equal(run(f, "bad-password"), 1);
	}
	HAS("login locked for 60 s after 5 failed attempts");
	/* even the right password is not asked for during the lockout */
	assert_int_equal(run(f, "login admin"), 1);
	HAS("login: locked after 5 failed attempts; try again in 60 s");
	now_ms += (CONSOLE_LOCKOUT_S - 1) * 1000;
	assert_int_equal(run(f, "login admin"), 1);
	HAS("try again in 1 s");
	now_ms += 1000;
	login(f, "admin", PASS_ADMIN);
	/* four failures and a success reset the count */
	assert_int_equal(run(f, "logout"), 0);
	for (i = 0; i < CONSOLE_LOGIN_FAILS_MAX - 1; i++) {
		assert_int_equal(run(f, "login aud"), 0);
		assert_int_equal(run(f, "bad-password"), 1);
	}
	login(f, "aud", PASS_AUD);
	assert_int_equal(run(f, "logout"), 0);
	assert_int_equal(run(f, "login aud"), 0);
	assert_int_equal(run(f, "bad-password"), 1);
	LACKS("locked");
}

static void
test_idle(void **state)
{
	struct fix	*f = *state;

	accounts(f);
	login(f, "olga", PASS_OPS);
	now_ms += (CONSOLE_IDLE_S - 1) * 1000;
	assert_int_equal(run(f, "status"), 0);		/* activity */
	now_ms += (CONSOLE_IDLE_S - 1) * 1000;
	clear();
	console_idle_check(f->c);
	assert_int_equal(out_len, 0);
	assert_string_equal(console_operator(f->c), "olga");
	now_ms += 1000;
	console_idle_check(f->c);
	HAS("idle for 300 s: logged out olga");
	assert_null(console_operator(f->c));
	assert_int_equal(run(f, "status"), 1);
	HAS("not logged in");
	/* a line after the idle time is handled logged out */
	login(f, "olga", PASS_OPS);
	now_ms += CONSOLE_IDLE_S * 1000;
	assert_int_equal(run(f, "user list"), 1);
	HAS("idle for 300 s: logged out olga");
	HAS("user: not logged in");
	/* a password prompt left open expires too */
	assert_int_equal(run(f, "login olga"), 0);
	now_ms += CONSOLE_IDLE_S * 1000;
	assert_int_equal(run(f, PASS_OPS), 1);
	HAS("unknown command");		/* not taken as a password */
}

static void
test_roles(void **state)
{
	struct fix	*f = *state;

	accounts(f);
	login(f, "aud", PASS_AUD);
	assert_int_equal(run(f, "user add sip:a@example.org"), 1);
	HAS("user add: permission denied for role auditor");
	assert_int_equal(run(f, "user list"), 0);
	assert_int_equal(run(f, "audit show"), 0);
	assert_int_equal(run(f, "selftest"), 1);
	HAS("permission denied");
	assert_int_equal(run(f, "operator add x operator"), 1);
	HAS("permission denied");
	assert_int_equal(run(f, "logout"), 0);
	login(f, "olga", PASS_OPS);
	assert_int_equal(run(f, "audit show"), 1);
	HAS("audit: permission denied for role operator");
	assert_int_equal(run(f, "operator list"), 1);
	HAS("permission denied");
	assert_int_equal(run(f, "user add sip:a@example.org"), 0);
	assert_int_equal(run(f, "reboot confirm"), 1);
	HAS("permission denied");
	assert_int_equal(run(f, "zeroize confirm"), 1);
	HAS("zeroize: permission denied for role operator");
	assert_int_equal(state_get(), KMS_STATE_OPERATIONAL);
	assert_int_equal(run(f, "logout"), 0);
	login(f, "aud", PASS_AUD);
	assert_int_equal(run(f, "zeroize confirm"), 1);
	HAS("zeroize: permission denied for role auditor");
	assert_int_equal(run(f, "logout"), 0);
	login(f, "admin", PASS_ADMIN);
	assert_int_equal(run(f, "operator list"), 0);
	HAS("admin\tadministrator");
	HAS("olga\toperator");
	HAS("aud\tauditor");
	assert_int_equal(run(f, "operator delete olga"), 1);
	HAS("usage: operator delete NAME confirm");
	assert_int_equal(run(f, "operator delete olga now"), 1);
	HAS("type the word confirm");
	assert_int_equal(run(f, "operator delete olga confirm"), 0);
	assert_int_equal(run(f, "operator delete admin confirm"), 1);
	HAS("the last administrator");
	assert_int_equal(run(f, "operator add aud operator"), 0);
	assert_int_equal(run(f, PASS_AUD), 0);
	assert_int_equal(run(f, PASS_AUD), 1);
	HAS("aud exists");
}

static void
test_users(void **state)
{
	struct fix	*f = *state;
	bool		 b;

	accounts(f);
	login(f, "olga", PASS_OPS);
	assert_int_equal(run(f, "user add sip:alice@example.org "
	    "'Alice A'"), 0);
	HAS("user sip:alice@example.org added");
	assert_int_equal(run(f, "user add sip:alice@example.org"), 1);
	HAS("user add: ");
	assert_int_equal(run(f, "user add sip:bob@example.org"), 0);
	assert_int_equal(run(f, "user list"), 0);
	HAS("sip:alice@example.org\tAlice A\tactive");
	HAS("sip:bob@example.org\t-\tactive");
	HAS("2 users");
	assert_int_equal(run(f, "user bind sip:alice@example.org "
	    "sip:alias@example.org"), 0);
	assert_int_equal(run(f, "user bind sip:alice@example.org "
	    "tel:+1 group"), 0);
	assert_int_equal(run(f, "user bind sip:alice@example.org x bogus"),
	    1);
	HAS("usage: user bind");
	assert_int_equal(store_is_bound(f->k.store, "sip:alice@example.org",
	    "sip:alias@example.org", &b), 0);
	assert_true(b);
	assert_int_equal(run(f, "user show sip:alice@example.org"), 0);
	HAS("bound:    sip:alias@example.org (pseudonym)");
	HAS("bound:    tel:+1 (group)");
	assert_int_equal(run(f, "user unbind sip:alice@example.org tel:+1"),
	    0);
	assert_int_equal(run(f, "user revoke sip:alias@example.org 7 "
	    "'lost phone'"), 0);
	HAS("revoked for period 7");
	assert_int_equal(store_is_revoked(f->k.store, "sip:alias@example.org",
	    7, &b), 0);
	assert_true(b);
	assert_int_equal(run(f, "user revoke sip:alias@example.org"), 0);
	HAS("revoked for every period");
	assert_int_equal(run(f, "user revoke x -3"), 1);
	HAS("PERIOD is a number");
	assert_int_equal(run(f, "user unrevoke sip:alias@example.org 7"), 0);
	assert_int_equal(run(f, "user unrevoke sip:alias@example.org 7"), 1);
	HAS("user unrevoke: ");
	assert_int_equal(run(f, "user delete sip:bob@example.org"), 1);
	HAS("usage: user delete URI confirm");
	assert_int_equal(run(f, "user delete sip:bob@example.org yes"), 1);
	HAS("type the word confirm");
	assert_int_equal(run(f, "user delete sip:bob@example.org confirm"),
	    0);
	assert_int_equal(run(f, "user show sip:bob@example.org"), 1);
	HAS("user show: ");
}

static void
test_period_config(void **state)
{
	struct fix	*f = *state;

	accounts(f);
	login(f, "aud", PASS_AUD);
	/* 30-day periods from NTP 0: (1780000000 + 2208988800) / 2592000 */
	assert_int_equal(run(f, "period show"), 0);
	HAS("period:   1538\n");
	HAS("from:     2026-04-30T00:00:00Z");
	HAS("to:       2026-05-29T23:59:59Z");
	assert_int_equal(run(f, "config show"), 0);
	HAS("kms_uri = kms.example.org");
	HAS("token = kms");
	HAS("address = 198.18.0.15");
	HAS("pin_file = (not set)");
}

static void
test_status(void **state)
{
	struct fix	*f = *state;

	now_ms += 90061 * 1000ULL;
	accounts(f);
	login(f, "aud", PASS_AUD);
	assert_int_equal(run(f, "status"), 0);
	HAS("state:    operational");
	HAS("hsm:      not open");
	HAS("kms uri:  kms.example.org");
	HAS("uptime:   1d 01:01:01");
	HAS("operator: aud (auditor)");
	atomic_store(&f->k.hsm_up, false);
	assert_int_equal(state_set(KMS_STATE_LOCKED, "", "test"), 0);
	assert_int_equal(run(f, "status"), 0);
	HAS("state:    locked");
	assert_int_equal(run(f, "hsm status"), 0);
	HAS("health:   not open");
	HAS("serving:  no (503)");
	assert_int_equal(run(f, "network show"), 0);
	HAS("forward:  127.0.0.1:8080 -> port 80 (http)");
	HAS("address:  198.18.0.15 netmask 255.255.255.0 gateway 198.18.0.2");
}

/*
 * selftest without a token: the math tests pass, the token is reported
 * and the state stays.  reboot and zeroize: confirmation, the reboot
 * request, a zeroize that cannot reach a token still stops serving and
 * says so, and is audited.
 */
static void
test_selftest_reboot_zeroize(void **state)
{
	struct fix		*f = *state;
	struct store_audit	 a[200];
	size_t			 n, i;
	bool			 seen = false;

	accounts(f);
	login(f, "admin", PASS_ADMIN);
	assert_int_equal(run(f, "selftest"), 1);	/* no HSM here */
	HAS("kat sakke  pass");
	HAS("kat eccsi  pass");
	HAS("kat uid    pass");
	LACKS("kat hmac");
	HAS("hsm: FAIL (not open; token tests not run)");
	HAS("state:    operational");
	assert_int_equal(state_get(), KMS_STATE_OPERATIONAL);

	assert_int_equal(run(f, "reboot"), 1);
	HAS("to go on, type: reboot confirm");
	assert_int_equal(run(f, "reboot now"), 1);
	HAS("usage: reboot confirm");
	assert_int_equal(reboots, 0);
	assert_int_equal(run(f, "reboot confirm"), 0);
	HAS("rebooting");
	assert_int_equal(reboots, 1);

	assert_int_equal(run(f, "zeroize"), 1);
	HAS("to go on, type: zeroize confirm");
	assert_int_equal(state_get(), KMS_STATE_OPERATIONAL);
	assert_int_equal(run(f, "zeroize confirm"), 1);	/* no token */
	HAS("zeroize: the token could NOT be zeroized completely");
	HAS("state zeroized");
	assert_int_equal(state_get(), KMS_STATE_ZEROIZED);
	/* sticky: nothing brings it back but a restart */
	assert_int_equal(state_set(KMS_STATE_OPERATIONAL, "", "x"), -EPERM);
	assert_int_equal(run(f, "status"), 0);
	HAS("state:    zeroized");

	assert_int_equal(store_audit_read(f->k.store, 0, a, 200, &n), 0);
	for (i = 0; i < n; i++)
		if (strcmp(a[i].sa_request_id, "zeroize:failed") == 0 &&
		    strcmp(a[i].sa_operator, "admin") == 0)
			seen = true;
	assert_true(seen);
	seen = false;
	for (i = 0; i < n; i++)
		if (strcmp(a[i].sa_request_id, "state:zeroized") == 0 &&
		    strstr(a[i].sa_reason, "operational -> zeroized") != NULL)
			seen = true;
	assert_true(seen);
}

static void
test_audit(void **state)
{
	struct fix		*f = *state;
	struct store_audit	 a = { .sa_kind = STORE_AUDIT_ISSUED,
	    .sa_time = 5, .sa_period_no = 3 };
	int			 i;

	snprintf(a.sa_subject, sizeof(a.sa_subject), "sip:u@example.org");
	assert_int_equal(store_audit_add(f->k.store, &a), 0);
	accounts(f);
	login(f, "olga", PASS_OPS);
	assert_int_equal(run(f, "user add sip:c@example.org"), 0);
	assert_int_equal(run(f, "audit show"), 1);	/* denied, audited */
	assert_int_equal(run(f, "logout"), 0);
	login(f, "aud", PASS_AUD);
	assert_int_equal(run(f, "audit show 200"), 0);
	HAS("issued subject=sip:u@example.org");
	HAS("console subject=console:- identity= period=-1 "
	    "request=console:ok reason=console: operator add admin "
	    "administrator");
	HAS("subject=console:olga identity= period=-1 request=console:ok "
	    "reason=console: login olga");
	HAS("subject=console:olga identity= period=-1 request=console:ok "
	    "reason=console: user add sip:c@example.org");
	HAS("subject=console:olga identity= period=-1 "
	    "request=console:denied reason=console: audit show");
	HAS("reason=console: logout");
	for (i = 0; i < 30; i++)
		assert_int_equal(run(f, "status"), 0);
	assert_int_equal(run(f, "audit show 3"), 0);
	HAS("3 of ");
	assert_int_equal(run(f, "audit show"), 0);
	HAS("20 of ");
	assert_int_equal(run(f, "audit show 0"), 1);
	HAS("N must be 1..200");
	assert_int_equal(run(f, "audit show 201"), 1);
	assert_int_equal(run(f, "audit show x"), 1);
}

/* No password reaches the output or the audit trail. */
static void
test_no_password_leak(void **state)
{
	struct fix		*f = *state;
	struct store_audit	 a[64];
	char			 path[128], file[4096];
	size_t			 n, i;
	FILE			*fp;

	accounts(f);
	login(f, "admin", PASS_ADMIN);
	LACKS(PASS_ADMIN);
	assert_int_equal(run(f, "login admin"), 0);
	assert_int_equal(run(f, "not-the-password"), 1);
	LACKS("not-the-password");
	assert_int_equal(store_audit_read(f->k.store, 0, a, 64, &n), 0);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		assert_null(strstr(a[i].sa_reason, PASS_ADMIN));
		assert_null(strstr(a[i].sa_reason, PASS_OPS));
		assert_null(strstr(a[i].sa_reason, "not-the-password"));
	}
	snprintf(path, sizeof(path), "%s/operators", f->dir);
	assert_non_null(fp = fopen(path, "r"));
	n = fread(file, 1, sizeof(file) - 1, fp);
	fclose(fp);
	file[n] = '\0';
	assert_null(strstr(file, PASS_ADMIN));
	assert_non_null(strstr(file, "admin:administrator:"));
}

/* A new console on f with the hsm login hook and config set's file. */
static void
reconsole(struct fix *f, int (*hook)(void *, const char *, const char *),
    const char *conf_path)
{
	struct console_conf	 cc = { 0 };

	console_free(f->c);
	cc.kmsd = &f->k;
	cc.data_dir = f->dir;
	cc.io.write = cap_write;
	cc.mono_ms = clock_ms;
	cc.wall = clock_wall;
	cc.boot_ms = now_ms;
	cc.scrypt_log2n = 10;
	cc.hsm_login = hook;
	cc.conf_path = conf_path;
	cc.conf_live = &f->conf;
	assert_int_equal(console_new(&cc, &f->c), 0);
}

/* Does any audit record hold s? */
static bool
audited(struct fix *f, const char *s)
{
	static struct store_audit	 a[200];
	size_t				 n, i;

	assert_int_equal(store_audit_read(f->k.store, 0, a, 200, &n), 0);
	for (i = 0; i < n; i++)
		if (strstr(a[i].sa_reason, s) != NULL ||
		    strstr(a[i].sa_request_id, s) != NULL)
			return true;
	return false;
}

#define TEST_PIN	"7391-right-pin"
static unsigned	 hook_calls;

/* The kmsd side of hsm login, faked: the PIN decides, the state moves. */
static int
fake_hsm_login(void *arg, const char *who, const char *pin)
{
	(void)arg;
	hook_calls++;
	assert_string_equal(who, "admin");
	if (strcmp(pin, TEST_PIN) != 0)
		return HSM_ERR_PIN;
	assert_int_equal(state_set(KMS_STATE_OPERATIONAL, who, "test"), 0);
	return HSM_OK;
}

static void
test_hsm_login(void **state)
{
	struct fix	*f = *state;
	int		 i;

	accounts(f);
	login(f, "admin", PASS_ADMIN);
	assert_int_equal(run(f, "hsm login"), 1);	/* no hook here */
	HAS("hsm login: not possible from this console");
	reconsole(f, fake_hsm_login, NULL);
	hook_calls = 0;
	login(f, "olga", PASS_OPS);
	assert_int_equal(run(f, "hsm login"), 1);
	HAS("hsm login: permission denied for role operator");
	assert_int_equal(run(f, "logout"), 0);
	login(f, "aud", PASS_AUD);
	assert_int_equal(run(f, "hsm login"), 1);
	HAS("hsm login: permission denied for role auditor");
	assert_int_equal(run(f, "logout"), 0);
	login(f, "admin", PASS_ADMIN);
	/* operational: nothing to unlock */
	assert_int_equal(run(f, "hsm login"), 1);
	HAS("hsm login: only while the appliance is locked (state "
	    "operational)");
	assert_int_equal(state_set(KMS_STATE_LOCKED, "", "test"), 0);
	assert_int_equal(run(f, "hsm login now"), 1);
	HAS("usage: hsm login");
	/* wrong PINs: precise, never echoed; the fifth locks hsm login */
	for (i = 0; i < CONSOLE_LOGIN_FAILS_MAX; i++) {
		assert_int_equal(run(f, "hsm login"), 0);
		HAS("user PIN of token 'kms':");
		assert_int_equal(run(f, "0000-wrong-pin"), 1);
		HAS("hsm login: the token 'kms' refused the PIN");
		HAS("state locked");
		LACKS("0000-wrong-pin");
	}
	HAS("hsm login: refused for 60 s after 5 wrong PINs");
	assert_int_equal(hook_calls, CONSOLE_LOGIN_FAILS_MAX);
	assert_int_equal(run(f, "hsm login"), 1);
	HAS("try again in 60 s");
	now_ms += CONSOLE_LOCKOUT_S * 1000;
	/* an over-long PIN never reaches the token */
	assert_int_equal(run(f, "hsm login"), 0);
	assert_int_equal(run(f, "12345678901234567890123456789012345678901"
	    "234567890123456789012345"), 1);
	HAS("a PIN has 1 to 64 characters");
	assert_int_equal(hook_calls, CONSOLE_LOGIN_FAILS_MAX);
	assert_int_equal(run(f, "hsm login"), 0);
	assert_int_equal(run(f, TEST_PIN), 0);
	HAS("hsm login: token 'kms' logged in; state operational");
	LACKS(TEST_PIN);
	assert_int_equal(state_get(), KMS_STATE_OPERATIONAL);
	assert_true(audited(f, "hsm login (PIN refused)"));
	assert_true(audited(f, "hsm login lockout"));
	assert_false(audited(f, TEST_PIN));
	assert_false(audited(f, "0000-wrong-pin"));
}

static void
test_passwd(void **state)
{
	struct fix	*f = *state;
	int		 i;

	accounts(f);
	assert_int_equal(run(f, "passwd"), 1);
	HAS("passwd: not logged in");
	login(f, "olga", PASS_OPS);
	assert_int_equal(run(f, "passwd x"), 1);
	HAS("usage: passwd");
	/* a wrong current password */
	assert_int_equal(run(f, "passwd"), 0);
	HAS("current password:");
	assert_int_equal(run(f, "not-my-password"), 1);
	HAS("passwd: wrong password; nothing changed");
	/* too short, then two that differ */
	assert_int_equal(run(f, "passwd"), 0);
	assert_int_equal(run(f, PASS_OPS), 0);
	HAS("new password (at least 8 characters):");
	assert_int_equal(run(f, "short"), 1);
	HAS("passwd: the password must have 8 to 128 characters");
	assert_int_equal(run(f, "passwd"), 0);
	assert_int_equal(run(f, PASS_OPS), 0);
	assert_int_equal(run(f, "new-pass-4444"), 0);
	HAS("again:");
	assert_int_equal(run(f, "new-pass-5555"), 1);
	HAS("passwd: the passwords differ; nothing changed");
	/* the old password still works */
	assert_int_equal(run(f, "logout"), 0);
	login(f, "olga", PASS_OPS);
	assert_int_equal(run(f, "passwd"), 0);
	assert_int_equal(run(f, PASS_OPS), 0);
	assert_int_equal(run(f, "new-pass-4444"), 0);
	assert_int_equal(run(f, "new-pass-4444"), 0);
	HAS("password of olga changed");
	LACKS("new-pass-4444");
	assert_int_equal(run(f, "logout"), 0);
	assert_int_equal(run(f, "login olga"), 0);
	assert_int_equal(run(f, PASS_OPS), 1);
	HAS("login failed");
	login(f, "olga", "new-pass-4444");
	/* others are untouched */
	assert_int_equal(run(f, "logout"), 0);
	login(f, "aud", PASS_AUD);
	/* five wrong current passwords log out and lock login */
	for (i = 0; i < CONSOLE_LOGIN_FAILS_MAX; i++) {
		assert_int_equal(run(f, "passwd"), 0);
		assert_int_equal(run(f, "wrong-one-xx"), 1);
	}
	HAS("logged out aud; login locked for 60 s");
	assert_null(console_operator(f->c));
	assert_int_equal(run(f, "login aud"), 1);
	HAS("login: locked");
	assert_true(audited(f, "console: passwd"));
	assert_true(audited(f, "passwd (wrong password)"));
	assert_false(audited(f, "new-pass-4444"));
	assert_false(audited(f, "wrong-one-xx"));
}

static const char conf_text[] =
    "; the appliance\n"
    "[kms]\n"
    "kms_uri = kms.example.org   ; our URI\n"
    "keyprov_past_periods = 1\n"
    "# network\n"
    "[net]\n"
    "connections = 8\n"
    "[log]\n"
    "level = info ; quiet\n";

static void
slurp(const char *path, char *buf, size_t size)
{
	FILE	*fp;
	size_t	 n;

	assert_non_null(fp = fopen(path, "r"));
	n = fread(buf, 1, size - 1, fp);
	fclose(fp);
	buf[n] = '\0';
}

static void
test_config_set(void **state)
{
	struct fix	*f = *state;
	struct kms_conf	 back;
	char		 path[128], before[1024], after[1024];
	char		 err[CONF_ERR_MAX];
	struct stat	 st;
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/kmsd.conf", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(conf_text, fp);
	fclose(fp);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(conf_load(path, &f->conf, err, sizeof(err)), 0);
	accounts(f);
	login(f, "admin", PASS_ADMIN);
	assert_int_equal(run(f, "config set log.level debug"), 1);
	HAS("config set: not possible from this console");
	reconsole(f, NULL, path);
	login(f, "olga", PASS_OPS);
	assert_int_equal(run(f, "config set log.level debug"), 1);
	HAS("config set: permission denied for role operator");
	assert_int_equal(run(f, "config show"), 0);	/* show stays R_ANY */
	assert_int_equal(run(f, "logout"), 0);
	login(f, "admin", PASS_ADMIN);
	assert_int_equal(run(f, "config set log.level"), 1);
	HAS("usage: config set KEY VALUE");

	/* refusals change nothing */
	slurp(path, before, sizeof(before));
	assert_int_equal(run(f, "config set log.loudness debug"), 1);
	HAS("config set: log.loudness: unknown key");
	HAS("nothing changed");
	assert_int_equal(run(f, "config set level debug"), 1);
	HAS("level: unknown key");
	assert_int_equal(run(f, "config set log.level loud"), 1);
	HAS("log.level: ");
	HAS("nothing changed");
	assert_int_equal(run(f, "config set net.connections 100000"), 1);
	HAS("net.connections");
	assert_int_equal(run(f, "config set kms.user_key_offset "
	    "2592000"), 1);
	HAS("user_key_offset must be < user_key_period");
	assert_int_equal(run(f, "config set kms.domains a.org"), 1);
	HAS("kms.domains: a list");
	assert_int_equal(run(f, "config set kms.issuer 'x ;y'"), 1);
	HAS("would start a comment");
	assert_int_equal(run(f, "config set kms.issuer ' x'"), 1);
	HAS("blanks at the start or end");
	slurp(path, after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(after, sizeof(after), "%s.tmp", path);
	assert_int_not_equal(access(after, F_OK), 0);
	assert_string_equal(f->conf.log_level, "info");

	/* a live key: applied at once, the comment on its line kept */
	assert_int_equal(run(f, "config set log.level debug"), 0);
	HAS("log.level = debug: saved and applied");
	assert_string_equal(f->conf.log_level, "debug");
	assert_int_equal(run(f, "config set kms.keyprov_past_periods 3"), 0);
	HAS("saved and applied");
	assert_int_equal(f->conf.keyprov_past, 3);
	/* a key read at boot: saved, the running value unchanged */
	assert_int_equal(run(f, "config set net.connections 32"), 0);
	HAS("net.connections = 32: saved; applies after reboot");
	assert_int_equal(f->conf.conns, 8);
	/* a key not in the file, a section not in the file */
	assert_int_equal(run(f, "config set net.body_max 4096"), 0);
	assert_int_equal(run(f, "config set ticket.skew 60"), 0);
	HAS("applies after reboot");
	slurp(path, after, sizeof(after));
	assert_non_null(strstr(after, "; the appliance\n"));
	assert_non_null(strstr(after, "kms_uri = kms.example.org   ; our "
	    "URI\n"));
	assert_non_null(strstr(after, "# network\n"));
	assert_non_null(strstr(after, "level = debug ; quiet\n"));
	assert_non_null(strstr(after, "keyprov_past_periods = 3\n"));
	assert_non_null(strstr(after, "[net]\nbody_max = 4096\n"
	    "connections = 32\n"));
	assert_non_null(strstr(after, "\n[ticket]\nskew = 60\n"));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);	/* mode kept */
	/* what the next boot reads */
	assert_int_equal(conf_load(path, &back, err, sizeof(err)), 0);
	assert_string_equal(back.log_level, "debug");
	assert_int_equal(back.conns, 32);
	assert_int_equal(back.body_max, 4096);
	assert_int_equal(back.ticket_skew, 60);
	assert_int_equal(back.keyprov_past, 3);
	assert_true(audited(f, "console: config set net.connections 32"));
	log_setlevel(LOG_LVL_INFO);
}

static void
test_trk(void **state)
{
	struct fix	*f = *state;
	char		 path[128];

	accounts(f);
	login(f, "olga", PASS_OPS);
	assert_int_equal(run(f, "trk bootstrap-export sip:a@example.org"), 1);
	HAS("trk: permission denied for role operator");
	assert_int_equal(run(f, "logout"), 0);
	login(f, "admin", PASS_ADMIN);
	assert_int_equal(run(f, "trk bootstrap-export"), 1);
	HAS("usage: trk bootstrap-export USER");
	assert_int_equal(run(f, "trk export a"), 1);
	HAS("trk: unknown subcommand 'export'");
	assert_int_equal(run(f, "trk bootstrap-export sip:a@example.org"), 1);
	HAS("trk bootstrap-export: the token is not logged in (hsm login)");
	snprintf(path, sizeof(path), "%s/export", f->dir);
	assert_int_not_equal(access(path, F_OK), 0);
}

/* console_run: reads through io.read, one byte at a time, then EOF. */
static const char	*feed;
static size_t		 feed_at;

static int
feed_read(void *arg, char *buf, size_t size, int timeout_ms)
{
	(void)arg;
	(void)timeout_ms;
	if (feed[feed_at] == '\0')
		return -EPIPE;
	if (feed[feed_at] == '\a') {		/* a read timeout */
		feed_at++;
		now_ms += CONSOLE_IDLE_S * 1000;
		return 0;
	}
	buf[0] = feed[feed_at++];
	(void)size;
	return 1;
}

static void
test_run(void **state)
{
	struct fix		*f = *state;
	struct console_conf	 cc = { 0 };
	struct console		*c;
	static char		 in[CONSOLE_LINE_MAX + 256];

	accounts(f);
	cc.kmsd = &f->k;
	cc.data_dir = f->dir;
	cc.io.write = cap_write;
	cc.io.read = feed_read;
	cc.mono_ms = clock_ms;
	cc.wall = clock_wall;
	cc.scrypt_log2n = 10;
	assert_int_equal(console_new(&cc, &c), 0);
	/* CRLF, a login, an over-long line, a timeout past the idle time */
	memset(in, 0, sizeof(in));
	snprintf(in, sizeof(in), "help\r\nlogin olga\n" PASS_OPS "\n");
	memset(in + strlen(in), 'x', CONSOLE_LINE_MAX + 5);
	snprintf(in + strlen(in), sizeof(in) - strlen(in), "\nstatus\n\a");
	feed = in;
	feed_at = 0;
	clear();
	assert_int_equal(console_run(c, NULL), 0);
	HAS("kms> commands");
	HAS("logged in as olga (operator)");
	HAS("line too long (at most 512 bytes)");
	HAS("state:    operational");
	HAS("idle for 300 s: logged out olga");
	LACKS(PASS_OPS);
	console_free(c);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_tokenizer),
#define T(x)	cmocka_unit_test_setup_teardown(x, setup, teardown)
		T(test_help_unknown_arity),
		T(test_bootstrap),
		T(test_login),
		T(test_lockout),
		T(test_idle),
		T(test_roles),
		T(test_users),
		T(test_period_config),
		T(test_status),
		T(test_selftest_reboot_zeroize),
		T(test_audit),
		T(test_no_password_leak),
		T(test_run),
		T(test_hsm_login),
		T(test_passwd),
		T(test_config_set),
		T(test_trk),
#undef T
	};
	struct CMUnitTest	 run_[sizeof(tests) / sizeof(tests[0])];
	size_t			 i, n = 0;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (argc < 2 || strcmp(argv[1], tests[i].name) == 0)
			run_[n++] = tests[i];
	if (n == 0) {
		fprintf(stderr, "%s: no test named %s\n", argv[0], argv[1]);
		return 2;
	}
	return _cmocka_run_group_tests("console", run_, n, NULL, NULL);
}
