/*
 * cmd_passwd.c - passwd: a logged-in operator changes its own password.
 * The current password is asked first (a wrong one counts like a failed
 * login: CONSOLE_LOGIN_FAILS_MAX of them log the operator out and lock
 * login), then the new one twice; the operators file gets a fresh salt
 * and the same scrypt hash (op_auth.c).  No password is echoed, logged
 * or audited; every copy is wiped.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "console.h"
#include "console_local.h"

int
cmd_passwd(struct console *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	snprintf(c->pend_name, sizeof(c->pend_name), "%s", c->name);
	c->pending = PEND_PASSWD_OLD;
	console_printf(c, "current password:\n");
	return 0;
}

/* see console_local.h */
int
cmd_passwd_line(struct console *c, const char *pass)
{
	unsigned	 role = 0;
	int		 rc;

	/* the operator may have been logged out meanwhile (idle) */
	if (c->role == 0 || strcmp(c->pend_name, c->name) != 0) {
		console_printf(c, "passwd: not logged in\n");
		return 1;
	}
	switch (c->pending) {
	case PEND_PASSWD_OLD:
		if (op_verify(c, c->name, pass, &role) != 0) {
			console_printf(c, "passwd: wrong password; nothing "
			    "changed\n");
			console_audit(c, "failed", "passwd (wrong password)");
			if (++c->fails >= CONSOLE_LOGIN_FAILS_MAX) {
				c->fails = 0;
				c->locked_until_ms = console_now_ms(c) +
				    (uint64_t)CONSOLE_LOCKOUT_S * 1000;
				console_printf(c, "logged out %s; login "
				    "locked for %d s after %d failed "
				    "attempts\n", c->name, CONSOLE_LOCKOUT_S,
				    CONSOLE_LOGIN_FAILS_MAX);
				console_audit(c, "denied", "login lockout");
				c->role = 0;
				c->name[0] = '\0';
			}
			return 1;
		}
		c->fails = 0;
		c->pending = PEND_PASSWD_NEW1;
		console_printf(c, "new password (at least %d characters):\n",
		    CONSOLE_PASS_MIN);
		return -1;
	case PEND_PASSWD_NEW1:
		if (strlen(pass) < CONSOLE_PASS_MIN ||
		    strlen(pass) > CONSOLE_PASS_MAX) {
			console_printf(c, "passwd: the password must have %d "
			    "to %d characters; nothing changed\n",
			    CONSOLE_PASS_MIN, CONSOLE_PASS_MAX);
			return 1;
		}
		snprintf(c->pend_pass, sizeof(c->pend_pass), "%s", pass);
		c->pending = PEND_PASSWD_NEW2;
		console_printf(c, "again:\n");
		return -1;
	case PEND_PASSWD_NEW2:
		if (strcmp(pass, c->pend_pass) != 0) {
			console_printf(c, "passwd: the passwords differ; "
			    "nothing changed\n");
			console_audit(c, "failed", "passwd (passwords "
			    "differ)");
			return 1;
		}
		rc = op_set_password(c, c->name, pass);
		if (rc < 0)
			console_printf(c, "passwd: %s; nothing changed\n",
			    strerror(-rc));
		else if (rc == 0)
			console_printf(c, "password of %s changed\n",
			    c->name);
		console_audit(c, rc == 0 ? "ok" : "failed", "passwd");
		return rc == 0 ? 0 : 1;
	default:
		return 1;
	}
}
