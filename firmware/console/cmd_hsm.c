/*
 * cmd_hsm.c - the hsm commands: status (cmd_sys.c), login and logout.
 *
 * hsm login: while the appliance is locked because the token could not
 * be opened at boot (no PIN, or the PIN was refused), the administrator
 * types the token's user PIN at the password prompt (never echoed,
 * logged or audited; the console's line buffer is wiped) and kmsd runs
 * the rest of the boot (console_conf.hsm_login: open the token, which
 * keeps its PIN copy in OpenSSL's secure heap, find the keys, the
 * token's power-on self-tests, the public keys) and moves to
 * operational when they pass.  A refused PIN is audited; after
 * CONSOLE_LOGIN_FAILS_MAX refusals in a row the console refuses hsm
 * login for CONSOLE_LOCKOUT_S seconds, on top of whatever lockout the
 * token itself keeps (its CKR_PIN_LOCKED is a refusal like the others).
 *
 * hsm logout: the administrator takes the token's login away from a
 * running appliance (console_conf.hsm_logout): the state moves to locked
 * (KMS requests get 503), then the token is logged out and hsm/'s copy of
 * the PIN is wiped; the token stays open (threads keep their handle) and
 * every HSM operation fails closed until hsm login, which then logs in
 * again, runs the token's power-on self-tests and moves to operational.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hsm.h"
#include "kmsd.h"
#include "state.h"

#include "console.h"
#include "console_local.h"

static console_handler	 login_cmd, logout_cmd, status_cmd;

const struct console_cmd cmd_hsm_sub[] = {
	{ .name = "status", .help = "token, login, health, key objects",
	  .usage = "hsm status", .min_args = 0, .max_args = 0,
	  .roles = R_ANY, .handler = status_cmd },
	{ .name = "login", .help = "give the token's user PIN (asked next) "
	  "and finish the boot of a locked appliance",
	  .usage = "hsm login", .min_args = 0, .max_args = 0,
	  .roles = R_ADM, .handler = login_cmd },
	{ .name = "logout", .help = "lock the appliance and log the token "
	  "out (hsm login serves again)",
	  .usage = "hsm logout", .min_args = 0, .max_args = 0,
	  .roles = R_ADM, .handler = logout_cmd },
	{ .name = NULL }
};

/* hsm status: whether the token is logged in, then cmd_sys.c's part. */
static int
status_cmd(struct console *c, int argc, char **argv)
{
	struct kmsd	*k = c->conf.kmsd;

	if (k->hsm == NULL)
		console_printf(c, "login:    not open\n");
	else if (hsm_is_logged_in(k->hsm))
		console_printf(c, "login:    logged in\n");
	else
		console_printf(c, "login:    logged out (hsm logout; hsm login "
		    "to serve again)\n");
	return cmd_hsm_status(c, argc, argv);
}

static int
logout_cmd(struct console *c, int argc, char **argv)
{
	struct kmsd	*k = c->conf.kmsd;
	int		 st;

	(void)argc;
	(void)argv;
	if (c->conf.hsm_logout == NULL) {
		console_printf(c, "hsm logout: not possible from this "
		    "console\n");
		return 1;
	}
	if (k->hsm == NULL) {
		console_printf(c, "hsm logout: no token is open (state %s)\n",
		    state_word(state_get()));
		return 1;
	}
	if (!hsm_is_logged_in(k->hsm)) {
		console_printf(c, "hsm logout: the token '%s' is logged out "
		    "already (state %s)\n", k->conf->hsm_token,
		    state_word(state_get()));
		return 1;
	}
	if (state_get() != KMS_STATE_OPERATIONAL) {
		console_printf(c, "hsm logout: only while the appliance is "
		    "operational (state %s)\n", state_word(state_get()));
		return 1;
	}
	st = c->conf.hsm_logout(c->conf.hsm_login_arg, c->name);
	if (st == HSM_ERR_DENIED) {
		console_printf(c, "hsm logout: not with HTTPS: the TLS key "
		    "is in the token and would not work again after a "
		    "logout; nothing changed (state %s)\n",
		    state_word(state_get()));
		return 1;
	}
	if (st == HSM_ERR_EXISTS) {
		console_printf(c, "hsm logout: the appliance is no longer "
		    "operational with the token logged in (state %s)\n",
		    state_word(state_get()));
		return 1;
	}
	console_printf(c, "hsm logout: token '%s' logged out; state %s; "
	    "KMS requests get 503 until hsm login\n", k->conf->hsm_token,
	    state_word(state_get()));
	if (st != HSM_OK)
		console_printf(c, "hsm logout: the token reported: %s (it is "
		    "treated as logged out)\n",
		    hsm_strerror((enum hsm_status)st));
	return 0;
}

static int
login_cmd(struct console *c, int argc, char **argv)
{
	struct kmsd	*k = c->conf.kmsd;
	uint64_t	 now = console_now_ms(c);

	(void)argc;
	(void)argv;
	if (c->conf.hsm_login == NULL) {
		console_printf(c, "hsm login: not possible from this "
		    "console\n");
		return 1;
	}
	if (k->hsm != NULL && hsm_is_logged_in(k->hsm)) {
		console_printf(c, "hsm login: the token '%s' is logged in "
		    "already (state %s)\n", k->conf->hsm_token,
		    state_word(state_get()));
		return 1;
	}
	if (state_get() != KMS_STATE_LOCKED) {
		console_printf(c, "hsm login: only while the appliance is "
		    "locked (state %s)\n", state_word(state_get()));
		return 1;
	}
	if (now < c->pin_locked_until_ms) {
		console_printf(c, "hsm login: refused after %d wrong PINs; "
		    "try again in %" PRIu64 " s\n", CONSOLE_LOGIN_FAILS_MAX,
		    (c->pin_locked_until_ms - now + 999) / 1000);
		return 1;
	}
	c->pending = PEND_HSMPIN;
	console_printf(c, "user PIN of token '%s':\n", k->conf->hsm_token);
	return 0;
}

/* see console_local.h */
int
cmd_hsm_pin_line(struct console *c, const char *pin)
{
	struct kmsd	*k = c->conf.kmsd;
	size_t		 len = strlen(pin);
	int		 st;

	if (c->role != CONSOLE_ROLE_ADMIN) {	/* idle logout meanwhile */
		console_printf(c, "hsm login: not logged in\n");
		return 1;
	}
	if (len == 0 || len > HSM_PIN_MAX) {
		console_printf(c, "hsm login: a PIN has 1 to %d characters; "
		    "state %s\n", HSM_PIN_MAX, state_word(state_get()));
		console_audit(c, "failed", "hsm login (PIN length)");
		return 1;
	}
	st = c->conf.hsm_login(c->conf.hsm_login_arg, c->name, pin);
	if (st == HSM_OK) {
		c->pin_fails = 0;
		console_printf(c, "hsm login: token '%s' logged in; state "
		    "%s\n", k->conf->hsm_token, state_word(state_get()));
		if (state_get() != KMS_STATE_OPERATIONAL)
			console_printf(c, "hsm login: the boot did not reach "
			    "operational (see the log and status)\n");
		console_audit(c, "ok", "hsm login");
		return 0;
	}
	if (st == HSM_ERR_PIN) {
		console_printf(c, "hsm login: the token '%s' refused the PIN "
		    "(wrong PIN, or the token locked its user PIN); state "
		    "%s\n", k->conf->hsm_token, state_word(state_get()));
		console_audit(c, "failed", "hsm login (PIN refused)");
		if (++c->pin_fails >= CONSOLE_LOGIN_FAILS_MAX) {
			c->pin_fails = 0;
			c->pin_locked_until_ms = console_now_ms(c) +
			    (uint64_t)CONSOLE_LOCKOUT_S * 1000;
			console_printf(c, "hsm login: refused for %d s after "
			    "%d wrong PINs\n", CONSOLE_LOCKOUT_S,
			    CONSOLE_LOGIN_FAILS_MAX);
			console_audit(c, "denied", "hsm login lockout");
		}
		return 1;
	}
	if (st == HSM_ERR_EXISTS)
		console_printf(c, "hsm login: the appliance is no longer "
		    "locked without a token (state %s)\n",
		    state_word(state_get()));
	else
		console_printf(c, "hsm login: token '%s': %s; state %s\n",
		    k->conf->hsm_token, hsm_strerror((enum hsm_status)st),
		    state_word(state_get()));
	console_audit(c, "failed", "hsm login");
	return 1;
}
