/*
 * cmd_user.c - user add / delete / list / show / bind / unbind / revoke /
 * unrevoke on the store (the operations of tools/kms-admin), and operator
 * add / delete / list on the operators file (op_auth.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#include "console.h"
#include "console_local.h"

#define USER_LIST_CHUNK	64	/* users per store_user_list */

static console_handler	 user_add, user_delete, user_list, user_show,
			    user_bind, user_unbind, user_revoke, user_unrevoke,
			    op_add_cmd, op_delete_cmd, op_list_cmd;

const struct console_cmd cmd_user_sub[] = {
	{ .name = "add", .help = "add an MC user (or GMS)",
	  .usage = "user add URI [NAME]", .min_args = 1, .max_args = 2,
	  .roles = R_OPS, .handler = user_add },
	{ .name = "delete", .help = "remove a user with its bindings",
	  .usage = "user delete URI confirm", .min_args = 2, .max_args = 2,
	  .roles = R_OPS, .handler = user_delete,
	  .flags = CONSOLE_CMD_CONFIRM, .values = { values_users } },
	{ .name = "list", .help = "every user", .usage = "user list",
	  .min_args = 0, .max_args = 0, .roles = R_ANY,
	  .handler = user_list },
	{ .name = "show", .help = "one user and its bound identities",
	  .usage = "user show URI", .min_args = 1, .max_args = 1,
	  .roles = R_ANY, .handler = user_show,
	  .values = { values_users } },
	{ .name = "bind", .help = "let a user key an identity (created if "
	  "new; kind pseudonym by default)",
	  .usage = "user bind USER IDENTITY [pseudonym|group|user]",
	  .min_args = 2, .max_args = 3, .roles = R_OPS, .handler = user_bind,
	  .values = { values_users } },
	{ .name = "unbind", .help = "remove a binding",
	  .usage = "user unbind USER IDENTITY", .min_args = 2, .max_args = 2,
	  .roles = R_OPS, .handler = user_unbind,
	  .values = { values_users, values_bindings } },
	{ .name = "revoke", .help = "revoke an identity for one period or "
	  "all", .usage = "user revoke IDENTITY [PERIOD|all] [REASON]",
	  .min_args = 1, .max_args = 3, .roles = R_OPS,
	  .handler = user_revoke, .values = { values_users } },
	{ .name = "unrevoke", .help = "remove a revocation",
	  .usage = "user unrevoke IDENTITY [PERIOD|all]", .min_args = 1,
	  .max_args = 2, .roles = R_OPS, .handler = user_unrevoke,
	  .values = { values_users } },
	{ .name = NULL }
};

const struct console_cmd cmd_operator_sub[] = {
	{ .name = "add", .help = "add a console operator; the password is "
	  "asked twice (first boot: the first administrator)",
	  .usage = "operator add NAME administrator|operator|auditor",
	  .min_args = 2, .max_args = 2, .roles = R_ADM,
	  .handler = op_add_cmd, .flags = CONSOLE_CMD_BOOTSTRAP },
	{ .name = "delete", .help = "remove a console operator",
	  .usage = "operator delete NAME confirm", .min_args = 2,
	  .max_args = 2, .roles = R_ADM, .handler = op_delete_cmd,
	  .flags = CONSOLE_CMD_CONFIRM, .values = { values_operators } },
	{ .name = "list", .help = "console operators and roles",
	  .usage = "operator list", .min_args = 0, .max_args = 0,
	  .roles = R_ADM, .handler = op_list_cmd },
	{ .name = NULL }
};

static int
fail(struct console *c, const char *what, int rc)
{
	console_printf(c, "%s: %s\n", what, store_strerror(rc));
	return 1;
}

static bool
confirmed(struct console *c, const char *cmd, const char *word)
{
	if (strcmp(word, "confirm") == 0)
		return true;
	console_printf(c, "%s: type the word confirm as the last argument\n",
	    cmd);
	return false;
}

/* PERIOD or "all" (absent: all).  -1 on a bad value (message written). */
static int
period_arg(struct console *c, int argc, char **argv, int64_t *period)
{
	char		*end;
	long long	 v;

	*period = STORE_PERIOD_ALL;
	if (argc < 3 || strcmp(argv[2], "all") == 0)
		return 0;
	errno = 0;
	v = strtoll(argv[2], &end, 10);
	if (errno != 0 || *end != '\0' || v < 0) {
		console_printf(c, "%s: PERIOD is a number >= 0 or all\n",
		    argv[0]);
		return -1;
	}
	*period = v;
	return 0;
}

static int
user_add(struct console *c, int argc, char **argv)
{
	int	 rc;

	rc = store_user_add(console_store(c), argv[1], argc == 3 ? argv[2] :
	    NULL, console_now_wall(c));
	if (rc != STORE_OK)
		return fail(c, "user add", rc);
	console_printf(c, "user %s added\n", argv[1]);
	return 0;
}

static int
user_delete(struct console *c, int argc, char **argv)
{
	int	 rc;

	(void)argc;
	if (!confirmed(c, "user delete", argv[2]))
		return 1;
	if ((rc = store_user_remove(console_store(c), argv[1])) != STORE_OK)
		return fail(c, "user delete", rc);
	console_printf(c, "user %s deleted\n", argv[1]);
	return 0;
}

static int
user_list(struct console *c, int argc, char **argv)
{
	struct store_user	*u;
	int64_t			 after = 0;
	size_t			 n, i, total = 0;
	int			 rc;

	(void)argc;
	(void)argv;
	if ((u = calloc(USER_LIST_CHUNK, sizeof(*u))) == NULL)
		return fail(c, "user list", STORE_ERR_MEMORY);
	do {
		rc = store_user_list(console_store(c), after, u,
		    USER_LIST_CHUNK, &n);
		if (rc != STORE_OK)
			break;
		for (i = 0; i < n; i++) {
			console_printf(c, "%s\t%s\t%s\n", u[i].su_uri,
			    u[i].su_name[0] != '\0' ? u[i].su_name : "-",
			    u[i].su_revoked ? "revoked" : "active");
			after = u[i].su_id;
		}
		total += n;
	} while (n == USER_LIST_CHUNK);
	free(u);
	if (rc != STORE_OK)
		return fail(c, "user list", rc);
	console_printf(c, "%zu users\n", total);
	return 0;
}

static int
user_show(struct console *c, int argc, char **argv)
{
	static const char	*kinds[] = { "?", "user", "pseudonym",
				    "group" };
	struct store_user	 u;
	struct store_identity	*ids;
	size_t			 n, i;
	int			 rc;

	(void)argc;
	if ((rc = store_user_get(console_store(c), argv[1], &u)) != STORE_OK)
		return fail(c, "user show", rc);
	console_printf(c, "user:     %s\nname:     %s\nstate:    %s\n",
	    u.su_uri, u.su_name[0] != '\0' ? u.su_name : "-",
	    u.su_revoked ? "revoked" : "active");
	if ((ids = calloc(STORE_BINDINGS_MAX, sizeof(*ids))) == NULL)
		return fail(c, "user show", STORE_ERR_MEMORY);
	rc = store_bindings(console_store(c), argv[1], ids,
	    STORE_BINDINGS_MAX, &n);
	if (rc == STORE_OK)
		for (i = 0; i < n; i++)
			console_printf(c, "bound:    %s (%s)\n", ids[i].si_uri,
			    ids[i].si_kind >= 1 && ids[i].si_kind <= 3 ?
			    kinds[ids[i].si_kind] : "?");
	free(ids);
	return rc == STORE_OK ? 0 : fail(c, "user show", rc);
}

static int
user_bind(struct console *c, int argc, char **argv)
{
	enum store_id_kind	 kind = STORE_ID_PSEUDONYM;
	int64_t			 now = console_now_wall(c);
	int			 rc;

	if (argc == 4) {
		if (strcmp(argv[3], "pseudonym") == 0)
			kind = STORE_ID_PSEUDONYM;
		else if (strcmp(argv[3], "group") == 0)
			kind = STORE_ID_GROUP;
		else if (strcmp(argv[3], "user") == 0)
			kind = STORE_ID_USER;
		else {
			console_printf(c, "usage: user bind USER IDENTITY "
			    "[pseudonym|group|user]\n");
			return 1;
		}
	}
	rc = store_identity_add(console_store(c), argv[2], kind, now);
	if (rc != STORE_OK && rc != STORE_ERR_EXISTS)
		return fail(c, "user bind", rc);
	if ((rc = store_bind(console_store(c), argv[1], argv[2], now)) !=
	    STORE_OK)
		return fail(c, "user bind", rc);
	console_printf(c, "%s bound to %s\n", argv[2], argv[1]);
	return 0;
}

static int
user_unbind(struct console *c, int argc, char **argv)
{
	int	 rc;

	(void)argc;
	if ((rc = store_unbind(console_store(c), argv[1], argv[2])) !=
	    STORE_OK)
		return fail(c, "user unbind", rc);
	console_printf(c, "%s unbound from %s\n", argv[2], argv[1]);
	return 0;
}

static int
user_revoke(struct console *c, int argc, char **argv)
{
	int64_t	 period;
	int	 rc;

	if (period_arg(c, argc, argv, &period) != 0)
		return 1;
	rc = store_revoke(console_store(c), argv[1], period, argc == 4 ?
	    argv[3] : NULL, console_now_wall(c));
	if (rc != STORE_OK)
		return fail(c, "user revoke", rc);
	if (period == STORE_PERIOD_ALL)
		console_printf(c, "%s revoked for every period\n", argv[1]);
	else
		console_printf(c, "%s revoked for period %" PRId64 "\n",
		    argv[1], period);
	return 0;
}

static int
user_unrevoke(struct console *c, int argc, char **argv)
{
	int64_t	 period;
	int	 rc;

	if (period_arg(c, argc, argv, &period) != 0)
		return 1;
	if ((rc = store_unrevoke(console_store(c), argv[1], period)) !=
	    STORE_OK)
		return fail(c, "user unrevoke", rc);
	console_printf(c, "revocation of %s removed\n", argv[1]);
	return 0;
}

static int
op_add_cmd(struct console *c, int argc, char **argv)
{
	unsigned	 role;
	bool		 bootstrap = c->role == 0;

	(void)argc;
	if (!op_name_valid(argv[1])) {
		console_printf(c, "operator add: NAME is 1..%d of a-z 0-9 "
		    "_ . -\n", CONSOLE_NAME_MAX);
		return 1;
	}
	if (console_role_parse(argv[2], &role) != 0) {
		console_printf(c, "usage: operator add NAME "
		    "administrator|operator|auditor\n");
		return 1;
	}
	if (bootstrap && role != CONSOLE_ROLE_ADMIN) {
		console_printf(c, "operator add: the first operator must be "
		    "an administrator\n");
		return 1;
	}
	console_begin_opadd(c, argv[1], role, bootstrap);
	return 0;
}

static int
op_delete_cmd(struct console *c, int argc, char **argv)
{
	int	 rc;

	(void)argc;
	if (!confirmed(c, "operator delete", argv[2]))
		return 1;
	if ((rc = op_delete(c, argv[1])) < 0)
		console_printf(c, "operator delete: %s\n", strerror(-rc));
	else if (rc == 0)
		console_printf(c, "operator %s deleted\n", argv[1]);
	return rc == 0 ? 0 : 1;
}

static int
op_list_cmd(struct console *c, int argc, char **argv)
{
	int	 rc;

	(void)argc;
	(void)argv;
	if ((rc = op_list(c)) != 0)
		console_printf(c, "operator list: %s\n", strerror(-rc));
	return rc == 0 ? 0 : 1;
}
