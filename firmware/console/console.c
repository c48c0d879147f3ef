/*
 * console.c - the console core: line input, the tokenizer, dispatch
 * through the static command tables with role and argument-count checks,
 * help and usage, the login / password steps, idle logout and the audit
 * of every command.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "board.h"
#include "kmsd.h"
#include "state.h"
#include "store.h"

#include "console.h"
#include "console_local.h"

#define CONSOLE_READ_TICK_MS	1000	/* console_run's read timeout */
#define CONSOLE_PROMPT		"kms> "

static console_handler	 cmd_help, cmd_login, cmd_logout;

/* The root table: every command the console knows. */
const struct console_cmd console_cmds[] = {
	{ .name = "help", .help = "list commands, or describe one",
	  .usage = "help [COMMAND [SUBCOMMAND]]", .min_args = 0,
	  .max_args = 2, .roles = 0, .handler = cmd_help },
	{ .name = "login", .help = "log in; the password is asked next",
	  .usage = "login NAME", .min_args = 1, .max_args = 1, .roles = 0,
	  .handler = cmd_login },
	{ .name = "logout", .help = "end the operator session",
	  .usage = "logout", .min_args = 0, .max_args = 0, .roles = 0,
	  .handler = cmd_logout },
	{ .name = "status", .help = "appliance state, HSM, KMS URI, "
	  "traffic, uptime", .usage = "status", .min_args = 0,
	  .max_args = 0, .roles = R_ANY, .handler = cmd_status },
	{ .name = "hsm", .help = "the HSM token", .usage = "hsm status|login",
	  .roles = R_ANY, .sub = cmd_hsm_sub },
	{ .name = "trk", .help = "users' transport keys",
	  .usage = "trk bootstrap-export USER", .roles = R_ADM,
	  .sub = cmd_trk_sub },
	{ .name = "passwd", .help = "change your own password (asked "
	  "next)", .usage = "passwd", .min_args = 0, .max_args = 0,
	  .roles = R_ANY, .handler = cmd_passwd },
	{ .name = "user", .help = "MC users, bindings and revocations",
	  .usage = "user add|delete|list|show|bind|unbind|revoke|unrevoke",
	  .roles = R_ANY, .sub = cmd_user_sub },
	{ .name = "operator", .help = "console operator accounts",
	  .usage = "operator add|delete|list", .roles = R_ADM,
	  .sub = cmd_operator_sub, .flags = CONSOLE_CMD_BOOTSTRAP },
	{ .name = "period", .help = "the user key period",
	  .usage = "period show", .roles = R_ANY, .sub = cmd_period_sub },
	{ .name = "audit", .help = "the audit trail",
	  .usage = "audit show|verify", .roles = R_AUD, .sub = cmd_audit_sub },
	{ .name = "backup", .help = "encrypted backups of the store and the "
	  "master secrets", .usage = "backup create|verify", .roles = R_ADM,
	  .sub = cmd_backup_sub },
	{ .name = "cert", .help = "this KMS's certificate",
	  .usage = "cert show", .roles = R_ANY, .sub = cmd_cert_sub },
	{ .name = "certcache", .help = "external KMS certificates served in "
	  "the certificate cache", .usage = "certcache add|remove|list",
	  .roles = R_ANY, .sub = cmd_certcache_sub },
	{ .name = "restore", .help = "restore a backup onto this fresh "
	  "token (key ceremony first)", .usage = "restore NAME confirm",
	  .min_args = 1, .max_args = 2, .roles = R_ADM,
	  .handler = cmd_restore, .flags = CONSOLE_CMD_CONFIRM,
	  .values = { values_backups } },
	{ .name = "config", .help = "the configuration (no secrets)",
	  .usage = "config show|set", .roles = R_ANY, .sub = cmd_config_sub },
	{ .name = "selftest", .help = "run the crypto known-answer tests "
	  "and ask the HSM", .usage = "selftest", .min_args = 0,
	  .max_args = 0, .roles = R_OPS, .handler = cmd_selftest },
	{ .name = "network", .help = "addresses, the forwarded port, "
	  "counters", .usage = "network show", .roles = R_ANY,
	  .sub = cmd_network_sub },
	{ .name = "reboot", .help = "restart the appliance (orderly "
	  "shutdown, then the power-on sequence)", .usage = "reboot confirm",
	  .min_args = 0, .max_args = 1, .roles = R_ADM,
	  .handler = cmd_reboot, .flags = CONSOLE_CMD_CONFIRM },
	{ .name = "zeroize", .help = "destroy every secret in the token and "
	  "memory; serving needs a new provisioning", .usage =
	  "zeroize confirm", .min_args = 0, .max_args = 1, .roles = R_ADM,
	  .handler = cmd_zeroize, .flags = CONSOLE_CMD_CONFIRM },
	{ .name = "update", .help = "install a signed firmware image into "
	  "the inactive slot (tried at the next boot)",
	  .usage = "update PATH confirm", .min_args = 1, .max_args = 2,
	  .roles = R_ADM, .handler = cmd_update,
	  .flags = CONSOLE_CMD_CONFIRM },
	{ .name = "firmware", .help = "the firmware slots and versions",
	  .usage = "firmware show", .roles = R_ANY,
	  .sub = cmd_firmware_sub },
	{ .name = NULL }
};

/* see console_local.h */
int
console_printf(struct console *c, const char *fmt, ...)
{
	char	 out[CONSOLE_OUT_MAX];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(out, sizeof(out), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(out)) {		/* truncated: keep the EOL */
		n = (int)sizeof(out) - 1;
		out[n - 1] = '\n';
	}
	return c->conf.io.write(c->conf.io.arg, out, (size_t)n);
}

uint64_t
console_now_ms(const struct console *c)
{
	return c->conf.mono_ms != NULL ? c->conf.mono_ms() :
	    board_get()->time_mono_ms();
}

int64_t
console_now_wall(const struct console *c)
{
	return c->conf.wall != NULL ? c->conf.wall() :
	    board_get()->time_wall();
}

const char *
console_utc(int64_t t, char *out, size_t size)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, size, "%lld", (long long)t);
	return out;
}

struct store *
console_store(const struct console *c)
{
	return c->conf.kmsd->store;
}

const char *
console_role_name(unsigned role)
{
	switch (role) {
	case CONSOLE_ROLE_ADMIN:
		return "administrator";
	case CONSOLE_ROLE_OPERATOR:
		return "operator";
	case CONSOLE_ROLE_AUDITOR:
		return "auditor";
	default:
		return "none";
	}
}

int
console_role_parse(const char *s, unsigned *role)
{
	if (strcmp(s, "administrator") == 0)
		*role = CONSOLE_ROLE_ADMIN;
	else if (strcmp(s, "operator") == 0)
		*role = CONSOLE_ROLE_OPERATOR;
	else if (strcmp(s, "auditor") == 0)
		*role = CONSOLE_ROLE_AUDITOR;
	else
		return -1;
	return 0;
}

/* see console.h */
const char *
console_state(const struct kmsd *k)
{
	(void)k;
	return state_word(state_get());
}

/*
 * Words split on blanks; '...' keeps everything literally; "..." and bare
 * words take a backslash escape of the next character.
 */
int
console_tokenize(const char *line, char *buf, size_t bufsz, char **argv,
    int argv_max)
{
	const char	*p = line;
	char		*o = buf, *end = buf + bufsz - 1;
	int		 argc = 0;
	char		 q;

	if (strlen(line) > CONSOLE_LINE_MAX || strlen(line) >= bufsz)
		return -E2BIG;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (argc == argv_max)
			return -E2BIG;
		argv[argc++] = o;
		q = '\0';
		while (*p != '\0') {
			if (q == '\0' && (*p == ' ' || *p == '\t'))
				break;
			if (q == '\0' && (*p == '"' || *p == '\'')) {
				q = *p++;
				continue;
			}
			if (q != '\0' && *p == q) {
				q = '\0';
				p++;
				continue;
			}
			if (*p == '\\' && q != '\'') {
				if (p[1] == '\0')
					return -EINVAL;
				p++;
			}
			if (o >= end)
				return -E2BIG;
			*o++ = *p++;
		}
		if (q != '\0')
			return -EINVAL;
		*o++ = '\0';
	}
	return argc;
}

/* see console_local.h */
void
console_audit(struct console *c, const char *outcome, const char *what)
{
	struct store_audit	 rec;
	int			 rc;

	if (console_store(c) == NULL)
		return;
	memset(&rec, 0, sizeof(rec));
	rec.sa_kind = STORE_AUDIT_OPERATOR;	/* see docs/console.md */
	rec.sa_time = console_now_wall(c);
	snprintf(rec.sa_subject, sizeof(rec.sa_subject), "console:%s",
	    c->role != 0 ? c->name : "-");
	if (c->role != 0)
		snprintf(rec.sa_operator, sizeof(rec.sa_operator), "%s",
		    c->name);
	rec.sa_period_no = -1;
	snprintf(rec.sa_request_id, sizeof(rec.sa_request_id), "console:%s",
	    outcome);
	snprintf(rec.sa_reason, sizeof(rec.sa_reason), "console: %s", what);
	if ((rc = store_audit_add(console_store(c), &rec)) != STORE_OK)
		log_err("console: audit record not written: %s",
		    store_strerror(rc));
}

static const struct console_cmd *
find(const struct console_cmd *t, const char *name)
{
	for (; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static void
print_subs(struct console *c, const char *prefix,
    const struct console_cmd *t)
{
	for (; t->name != NULL; t++)
		console_printf(c, "  %-28s %s\n", t->usage, t->help);
	(void)prefix;
}

static int
cmd_help(struct console *c, int argc, char **argv)
{
	const struct console_cmd	*t, *s;

	if (argc == 1) {
		console_printf(c, "commands (help COMMAND for more):\n");
		for (t = console_cmds; t->name != NULL; t++)
			console_printf(c, "  %-10s %s\n", t->name, t->help);
		return 0;
	}
	if ((t = find(console_cmds, argv[1])) == NULL) {
		console_printf(c, "help: unknown command '%s'\n", argv[1]);
		return 1;
	}
	if (argc == 3) {
		if (t->sub == NULL || (s = find(t->sub, argv[2])) == NULL) {
			console_printf(c, "help: '%s' has no subcommand "
			    "'%s'\n", t->name, argv[2]);
			return 1;
		}
		console_printf(c, "usage: %s\n  %s\n", s->usage, s->help);
		return 0;
	}
	console_printf(c, "%s: %s\n", t->name, t->help);
	if (t->sub != NULL)
		print_subs(c, t->name, t->sub);
	else
		console_printf(c, "usage: %s\n", t->usage);
	return 0;
}

static int
cmd_login(struct console *c, int argc, char **argv)
{
	uint64_t	 now = console_now_ms(c);

	(void)argc;
	if (now < c->locked_until_ms) {
		console_printf(c, "login: locked after %d failed attempts; "
		    "try again in %" PRIu64 " s\n", CONSOLE_LOGIN_FAILS_MAX,
		    (c->locked_until_ms - now + 999) / 1000);
		console_audit(c, "denied", "login (locked out)");
		return 1;
	}
	if (!op_file_exists(c)) {
		console_printf(c, "login: no operators yet; create the first "
		    "administrator with: operator add NAME administrator\n");
		return 1;
	}
	console_begin_login(c, argv[1]);
	return 0;
}

static int
cmd_logout(struct console *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (c->role == 0) {
		console_printf(c, "logout: not logged in\n");
		return 1;
	}
	console_printf(c, "logged out %s\n", c->name);
	c->role = 0;
	c->name[0] = '\0';
	return 0;
}

void
console_begin_login(struct console *c, const char *name)
{
	snprintf(c->pend_name, sizeof(c->pend_name), "%s", name);
	c->pending = PEND_LOGIN;
	console_printf(c, "password:\n");
}

void
console_begin_opadd(struct console *c, const char *name, unsigned role,
    bool bootstrap)
{
	snprintf(c->pend_name, sizeof(c->pend_name), "%s", name);
	c->pend_role = role;
	c->pend_bootstrap = bootstrap;
	c->pending = PEND_OPADD1;
	console_printf(c, "new password for %s (at least %d characters):\n",
	    name, CONSOLE_PASS_MIN);
}

static void
clear_pending(struct console *c)
{
	c->pending = PEND_NONE;
	OPENSSL_cleanse(c->pend_pass, sizeof(c->pend_pass));
	c->pend_name[0] = '\0';
	c->pend_role = 0;
	c->pend_bootstrap = false;
}

/* The line is a password the console asked for.  It is never echoed. */
static int
password_line(struct console *c, const char *pass)
{
	char		 what[96];
	unsigned	 role = 0;
	int		 rc;

	switch (c->pending) {
	case PEND_LOGIN:
		snprintf(what, sizeof(what), "login %s", c->pend_name);
		if (op_verify(c, c->pend_name, pass, &role) == 0) {
			c->role = role;
			snprintf(c->name, sizeof(c->name), "%s", c->pend_name);
			c->fails = 0;
			console_printf(c, "logged in as %s (%s)\n", c->name,
			    console_role_name(role));
			console_audit(c, "ok", what);
			rc = 0;
			break;
		}
		console_printf(c, "login failed\n");
		console_audit(c, "failed", what);
		if (++c->fails >= CONSOLE_LOGIN_FAILS_MAX) {
			c->fails = 0;
			c->locked_until_ms = console_now_ms(c) +
			    (uint64_t)CONSOLE_LOCKOUT_S * 1000;
			console_printf(c, "login locked for %d s after %d "
			    "failed attempts\n", CONSOLE_LOCKOUT_S,
			    CONSOLE_LOGIN_FAILS_MAX);
			console_audit(c, "denied", "login lockout");
		}
		rc = 1;
		break;
	case PEND_OPADD1:
		if (strlen(pass) < CONSOLE_PASS_MIN ||
		    strlen(pass) > CONSOLE_PASS_MAX) {
			console_printf(c, "operator add: the password must "
			    "have %d to %d characters\n", CONSOLE_PASS_MIN,
			    CONSOLE_PASS_MAX);
			rc = 1;
			break;
		}
		snprintf(c->pend_pass, sizeof(c->pend_pass), "%s", pass);
		c->pending = PEND_OPADD2;
		console_printf(c, "again:\n");
		return 0;
	case PEND_OPADD2:
		snprintf(what, sizeof(what), "operator add %s %s",
		    c->pend_name, console_role_name(c->pend_role));
		if (strcmp(pass, c->pend_pass) != 0) {
			console_printf(c, "operator add: the passwords "
			    "differ; nothing changed\n");
			console_audit(c, "failed", what);
			rc = 1;
			break;
		}
		if (c->pend_bootstrap && op_file_exists(c)) {
			console_printf(c, "operator add: not logged in\n");
			rc = 1;
			break;
		}
		rc = op_add(c, c->pend_name, c->pend_role, pass);
		if (rc == 0)
			console_printf(c, "operator %s added (%s)\n",
			    c->pend_name, console_role_name(c->pend_role));
		else if (rc < 0)
			console_printf(c, "operator add: %s\n",
			    strerror(-rc));
		console_audit(c, rc == 0 ? "ok" : "failed", what);
		rc = rc == 0 ? 0 : 1;
		break;
	case PEND_HSMPIN:
		rc = cmd_hsm_pin_line(c, pass);
		break;
	case PEND_PASSWD_OLD:
	case PEND_PASSWD_NEW1:
	case PEND_PASSWD_NEW2:
		if ((rc = cmd_passwd_line(c, pass)) < 0)
			return 0;	/* the next line is asked for */
		break;
	default:
		rc = 1;
		break;
	}
	clear_pending(c);
	return rc;
}

/* Join argv[0..argc-1] for the audit record (no secrets are words). */
static void
join_words(char *out, size_t size, int argc, char **argv)
{
	size_t	 len = 0;
	int	 i, n;

	out[0] = '\0';
	for (i = 0; i < argc && len < size; i++) {
		n = snprintf(out + len, size - len, "%s%s", i > 0 ? " " : "",
		    argv[i]);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

static int
dispatch(struct console *c, const struct console_cmd *table, int argc,
    char **argv, bool bootstrap_ok, const char *prefix)
{
	const struct console_cmd	*t;
	char				 path[64];
	int				 nargs;

	if ((t = find(table, argv[0])) == NULL) {
		if (table == console_cmds)
			console_printf(c, "unknown command '%s' (try help)\n",
			    argv[0]);
		else
			console_printf(c, "%s: unknown subcommand '%s'\n",
			    prefix, argv[0]);
		return 1;
	}
	snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? " " : "",
	    t->name);
	/* first boot: only commands flagged at every level (operator add) */
	bootstrap_ok = c->role == 0 && (t->flags & CONSOLE_CMD_BOOTSTRAP) &&
	    (table == console_cmds || bootstrap_ok) && !op_file_exists(c);
	if (t->roles != 0 && (c->role & t->roles) == 0 && !bootstrap_ok) {
		if (c->role == 0)
			console_printf(c, "%s: not logged in (login NAME)\n",
			    path);
		else
			console_printf(c, "%s: permission denied for role "
			    "%s\n", path, console_role_name(c->role));
		return 2;
	}
	if (t->sub != NULL) {
		if (argc < 2) {
			console_printf(c, "usage: %s\n", t->usage);
			return 1;
		}
		return dispatch(c, t->sub, argc - 1, argv + 1, bootstrap_ok,
		    path);
	}
	nargs = argc - 1;
	if (nargs < t->min_args || nargs > t->max_args) {
		console_printf(c, "usage: %s\n", t->usage);
		return 1;
	}
	return t->handler(c, argc, argv) == 0 ? 0 : 1;
}

/* see console.h */
void
console_idle_check(struct console *c)
{
	uint64_t	 now = console_now_ms(c);
	unsigned	 idle = c->conf.idle_s != 0 ? c->conf.idle_s :
			    CONSOLE_IDLE_S;

	if ((c->role == 0 && c->pending == PEND_NONE) ||
	    now - c->last_ms < (uint64_t)idle * 1000)
		return;
	if (c->role != 0) {
		console_printf(c, "idle for %u s: logged out %s\n", idle,
		    c->name);
		console_audit(c, "ok", "idle logout");
	}
	c->role = 0;
	c->name[0] = '\0';
	clear_pending(c);
}

/* see console.h */
int
console_line(struct console *c, const char *line)
{
	char	 buf[CONSOLE_LINE_MAX + 1], what[STORE_REASON_MAX];
	char	*argv[CONSOLE_ARGS_MAX];
	int	 argc, rc;
	bool	 was_in;

	console_idle_check(c);
	c->last_ms = console_now_ms(c);
	if (c->pending != PEND_NONE)
		return password_line(c, line);

	argc = console_tokenize(line, buf, sizeof(buf), argv,
	    CONSOLE_ARGS_MAX);
	if (argc == -E2BIG) {
		console_printf(c, "line too long or more than %d words "
		    "(at most %d bytes)\n", CONSOLE_ARGS_MAX,
		    CONSOLE_LINE_MAX);
		return 1;
	}
	if (argc < 0) {
		console_printf(c, "unterminated quote or escape\n");
		return 1;
	}
	if (argc == 0)
		return 0;
	was_in = c->role != 0;
	join_words(what, sizeof(what) - 16, argc, argv);
	rc = dispatch(c, console_cmds, argc, argv, false, "");
	/* login's own outcome is audited with the password step */
	if (strcmp(argv[0], "login") != 0 && (was_in || rc == 2 ||
	    strcmp(argv[0], "operator") == 0))
		console_audit(c, rc == 0 ? "ok" : rc == 2 ? "denied" :
		    "failed", what);
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc == 0 ? 0 : 1;
}

/* see console.h */
int
console_new(const struct console_conf *conf, struct console **out)
{
	struct console	*c;

	if (conf == NULL || conf->kmsd == NULL || conf->kmsd->conf == NULL ||
	    conf->data_dir == NULL || conf->io.write == NULL || out == NULL)
		return -EINVAL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	c->conf = *conf;
	if (c->conf.scrypt_log2n == 0)
		c->conf.scrypt_log2n = CONSOLE_SCRYPT_LOG2N;
	c->last_ms = console_now_ms(c);
	*out = c;
	return 0;
}

/* see console.h */
void
console_free(struct console *c)
{
	if (c == NULL)
		return;
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

/* see console.h */
const char *
console_operator(const struct console *c)
{
	return c->role != 0 ? c->name : NULL;
}

/* see console.h */
int
console_run(struct console *c, const _Atomic bool *stop)
{
	char	 line[CONSOLE_LINE_MAX + 1], ch;
	size_t	 len = 0;
	bool	 skip = false, prompt = true;
	int	 n, rc = 0;

	if (c->conf.io.read == NULL)
		return -EINVAL;
	while (stop == NULL || !atomic_load(stop)) {
		if (prompt && c->pending == PEND_NONE) {
			console_printf(c, "%s", CONSOLE_PROMPT);
			prompt = false;
		}
		n = c->conf.io.read(c->conf.io.arg, &ch, 1,
		    CONSOLE_READ_TICK_MS);
		if (n == 0) {
			console_idle_check(c);
			continue;
		}
		if (n < 0) {
			rc = n == -EPIPE ? 0 : n;
			break;
		}
		if (ch == '\r')
			continue;
		if (ch != '\n') {
			if (len < CONSOLE_LINE_MAX)
				line[len++] = ch;
			else
				skip = true;
			continue;
		}
		line[len] = '\0';
		if (skip) {
			console_printf(c, "line too long (at most %d bytes)\n",
			    CONSOLE_LINE_MAX);
			if (c->pending != PEND_NONE)
				clear_pending(c);
		} else
			console_line(c, line);
		OPENSSL_cleanse(line, sizeof(line));	/* may be a password */
		len = 0;
		skip = false;
		prompt = true;
	}
	OPENSSL_cleanse(line, sizeof(line));
	return rc;
}

/* kmsd -C: one console on the board's UART, on its own thread. */
static struct {
	pthread_t	 thread;
	struct console	*c;
	_Atomic bool	 stop;
	bool		 running;
} uart;

static int
uart_write(void *arg, const char *buf, size_t len)
{
	(void)arg;
	return board_get()->console_write(buf, len);
}

static int
uart_read(void *arg, char *buf, size_t size, int timeout_ms)
{
	(void)arg;
	return board_get()->console_read(buf, size, timeout_ms);
}

static void *
uart_main(void *arg)
{
	int	 rc;

	(void)arg;
	if ((rc = console_run(uart.c, &uart.stop)) != 0)
		log_err("console: %s", strerror(-rc));
	log_info("console: end of input");
	return NULL;
}

/* see console.h */
int
console_start(const struct console_conf *conf)
{
	struct console_conf	 cc = *conf;
	int			 rc;

	cc.io.write = uart_write;
	cc.io.read = uart_read;
	cc.io.arg = NULL;
	if ((rc = console_new(&cc, &uart.c)) != 0)
		return rc;
	atomic_store(&uart.stop, false);
	if ((rc = pthread_create(&uart.thread, NULL, uart_main, NULL)) != 0) {
		console_free(uart.c);
		uart.c = NULL;
		return -rc;
	}
	uart.running = true;
	return 0;
}

/* see console.h */
void
console_stop(void)
{
	if (!uart.running)
		return;
	atomic_store(&uart.stop, true);
	pthread_join(uart.thread, NULL);
	console_free(uart.c);
	uart.c = NULL;
	uart.running = false;
}
