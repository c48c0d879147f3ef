/*
 * test_panel.c - the pure logic of the front panel's menus
 * (firmware/console/panel_menu.c): usage strings into argument prompts,
 * every entry of the real command table, which entries a role sees, and
 * quoting a typed argument so that console_tokenize reads it back whole.
 * The panel itself runs on the real kmsd in tests/integration/it_panel.sh.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "console.h"

static const struct console_cmd *
find(const struct console_cmd *t, const char *name)
{
	for (; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static const struct console_cmd *
path(const char *group, const char *name)
{
	const struct console_cmd	*g = find(console_cmds, group);

	assert_non_null(g);
	if (name == NULL)
		return g;
	assert_non_null(g->sub);
	assert_non_null(find(g->sub, name));
	return find(g->sub, name);
}

/* A usage of a made-up entry, parsed at depth 1. */
static int
parse(const char *usage, unsigned flags, struct console_arg *a, int max)
{
	struct console_cmd	 t = { .name = "cmd", .usage = usage,
				    .flags = flags };

	return console_usage_args(&t, 1, a, max);
}

static void
test_usage(void **state)
{
	struct console_arg	 a[CONSOLE_USAGE_ARGS_MAX];

	(void)state;
	/* the real entries */
	assert_int_equal(console_usage_args(path("user", "add"), 2, a,
	    CONSOLE_USAGE_ARGS_MAX), 2);
	assert_string_equal(a[0].name, "URI");
	assert_false(a[0].optional);
	assert_int_equal(a[0].nchoices, 0);
	assert_string_equal(a[1].name, "NAME");
	assert_true(a[1].optional);

	assert_int_equal(console_usage_args(path("user", "revoke"), 2, a,
	    CONSOLE_USAGE_ARGS_MAX), 3);
	assert_string_equal(a[0].name, "IDENTITY");
	assert_string_equal(a[1].name, "PERIOD");
	assert_true(a[1].optional);
	assert_int_equal(a[1].nchoices, 1);
	assert_string_equal(a[1].choices[0], "all");
	assert_string_equal(a[2].name, "REASON");
	assert_true(a[2].optional);

	assert_int_equal(console_usage_args(path("operator", "add"), 2, a,
	    CONSOLE_USAGE_ARGS_MAX), 2);
	assert_string_equal(a[1].name, CONSOLE_ARG_NONAME);
	assert_false(a[1].optional);
	assert_int_equal(a[1].nchoices, 3);
	assert_string_equal(a[1].choices[0], "administrator");
	assert_string_equal(a[1].choices[2], "auditor");

	/* confirm entries: the word is not an argument */
	assert_int_equal(console_usage_args(path("zeroize", NULL), 1, a,
	    CONSOLE_USAGE_ARGS_MAX), 0);
	assert_int_equal(console_usage_args(path("user", "delete"), 2, a,
	    CONSOLE_USAGE_ARGS_MAX), 1);
	assert_string_equal(a[0].name, "URI");
	/* ... but it is one without the flag */
	assert_int_equal(parse("cmd X confirm", 0, a, 4), 2);
	assert_int_equal(a[1].nchoices, 1);
	assert_int_equal(parse("cmd X confirm", CONSOLE_CMD_CONFIRM, a, 4),
	    1);

	/* nested brackets: both optional */
	assert_int_equal(console_usage_args(path("help", NULL), 1, a,
	    CONSOLE_USAGE_ARGS_MAX), 2);
	assert_string_equal(a[0].name, "COMMAND");
	assert_true(a[0].optional);
	assert_string_equal(a[1].name, "SUBCOMMAND");
	assert_true(a[1].optional);

	/* refusals */
	assert_int_equal(parse("other X", 0, a, 4), -EINVAL);
	assert_int_equal(parse("", 0, a, 4), -EINVAL);
	assert_int_equal(parse("cmd A B C", 0, a, 2), -EINVAL);
	assert_int_equal(parse("cmd ABCDEFGHIJKLMNOPQRSTUVWXYZ", 0, a, 4),
	    -EINVAL);
	assert_int_equal(parse("cmd a|b|c|d|e", 0, a, 4), -EINVAL);
	assert_int_equal(parse("cmd []", 0, a, 4), -EINVAL);
	assert_int_equal(parse("cmd A||B", 0, a, 4), -EINVAL);
	assert_int_equal(parse("cmd", 0, a, 4), 0);
}

/*
 * Every entry of the real table: its usage parses, the arguments match
 * min_args / max_args, the confirm flag matches a final word confirm,
 * and a values provider is named only for an argument that exists.
 */
static void
check_table(const struct console_cmd *t, int depth)
{
	struct console_arg	 a[CONSOLE_USAGE_ARGS_MAX];
	const char		*end;
	int			 n, req, i;
	bool			 confirm;

	for (; t->name != NULL; t++) {
		if (t->sub != NULL) {
			for (i = 0; i < CONSOLE_CMD_VALUES_MAX; i++)
				assert_null(t->values[i]);
			check_table(t->sub, depth + 1);
			continue;
		}
		n = console_usage_args(t, depth, a, CONSOLE_USAGE_ARGS_MAX);
		if (n < 0)
			fail_msg("%s: usage '%s' not understood", t->name,
			    t->usage);
		end = strrchr(t->usage, ' ');
		confirm = end != NULL && strcmp(end, " confirm") == 0;
		if (confirm != ((t->flags & CONSOLE_CMD_CONFIRM) != 0))
			fail_msg("%s: the confirm flag and '%s' differ",
			    t->name, t->usage);
		for (req = 0, i = 0; i < n; i++)
			if (!a[i].optional)
				req++;
		if (n + (confirm ? 1 : 0) != t->max_args)
			fail_msg("%s: usage '%s' has %d words, max_args %d",
			    t->name, t->usage, n, t->max_args);
		if (req != t->min_args && !(confirm &&
		    req + 1 == t->min_args))
			fail_msg("%s: usage '%s' requires %d, min_args %d",
			    t->name, t->usage, req, t->min_args);
		for (i = n; i < CONSOLE_CMD_VALUES_MAX; i++)
			if (t->values[i] != NULL)
				fail_msg("%s: values for argument %d of %d",
				    t->name, i, n);
	}
}

static void
test_table(void **state)
{
	(void)state;
	check_table(console_cmds, 1);
	/* the pick lists the issue asks for have a provider */
	assert_non_null(path("user", "delete")->values[0]);
	assert_non_null(path("user", "revoke")->values[0]);
	assert_non_null(path("user", "bind")->values[0]);
	assert_non_null(path("user", "unbind")->values[1]);
	assert_ptr_not_equal(path("user", "unbind")->values[1],
	    path("user", "unbind")->values[0]);
	assert_non_null(path("operator", "delete")->values[0]);
	assert_non_null(path("certcache", "remove")->values[0]);
	assert_non_null(path("config", "set")->values[0]);
	assert_null(path("config", "set")->values[1]);
}

/* The names of the top-level entries role sees, space-separated. */
static void
shown_top(unsigned role, bool boot, char *out, size_t size)
{
	const struct console_cmd	*t;

	out[0] = '\0';
	for (t = console_cmds; t->name != NULL; t++)
		if (console_cmd_shown(t, role, boot))
			snprintf(out + strlen(out), size - strlen(out),
			    "%s%s", out[0] != '\0' ? " " : "", t->name);
}

static void
test_shown(void **state)
{
	const struct console_cmd	*s;
	char				 names[512];

	(void)state;
	/* before login: the role-less commands; first boot: operator too */
	shown_top(0, false, names, sizeof(names));
	assert_string_equal(names, "help login logout");
	shown_top(0, true, names, sizeof(names));
	assert_string_equal(names, "help login logout operator");
	s = path("operator", NULL)->sub;
	assert_true(console_cmd_shown(find(s, "add"), 0, true));
	assert_false(console_cmd_shown(find(s, "delete"), 0, true));
	assert_false(console_cmd_shown(find(s, "add"), 0, false));
	/* a logged-in role ignores boot */
	shown_top(CONSOLE_ROLE_AUDITOR, true, names, sizeof(names));
	assert_null(strstr(names, "operator"));

	/* an auditor: no user add, no zeroize, the user group still */
	assert_false(console_cmd_shown(path("user", "add"),
	    CONSOLE_ROLE_AUDITOR, false));
	assert_true(console_cmd_shown(path("user", "list"),
	    CONSOLE_ROLE_AUDITOR, false));
	assert_true(console_cmd_shown(path("user", NULL),
	    CONSOLE_ROLE_AUDITOR, false));
	assert_false(console_cmd_shown(path("zeroize", NULL),
	    CONSOLE_ROLE_AUDITOR, false));
	assert_false(console_cmd_shown(path("backup", NULL),
	    CONSOLE_ROLE_AUDITOR, false));
	/* an admin sees them */
	assert_true(console_cmd_shown(path("user", "add"),
	    CONSOLE_ROLE_ADMIN, false));
	assert_true(console_cmd_shown(path("zeroize", NULL),
	    CONSOLE_ROLE_ADMIN, false));

	/* a group none of whose entries the role may run is hidden */
	{
		static const struct console_cmd sub[] = {
			{ .name = "x", .usage = "g x",
			  .roles = CONSOLE_ROLE_ADMIN },
			{ .name = NULL }
		};
		struct console_cmd g = { .name = "g", .usage = "g x",
		    .roles = CONSOLE_ROLE_ADMIN |
		    CONSOLE_ROLE_OPERATOR, .sub = sub };

		assert_false(console_cmd_shown(&g, CONSOLE_ROLE_OPERATOR,
		    false));
		assert_true(console_cmd_shown(&g, CONSOLE_ROLE_ADMIN, false));
	}
}

static void
test_quote(void **state)
{
	static const char	*words[] = { "plain", "two words", "a\"b",
				    "back\\slash", "it's", "", "\\\"'\t" };
	char			 line[CONSOLE_LINE_MAX + 1], buf[sizeof(line)];
	char			*argv[CONSOLE_ARGS_MAX];
	size_t			 i;
	char			 big[CONSOLE_LINE_MAX];

	(void)state;
	snprintf(line, sizeof(line), "user add");
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		assert_int_equal(console_quote_append(line, sizeof(line),
		    words[i]), 0);
	assert_int_equal(console_tokenize(line, buf, sizeof(buf), argv,
	    CONSOLE_ARGS_MAX), 2 + (int)(sizeof(words) / sizeof(words[0])));
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		assert_string_equal(argv[2 + i], words[i]);

	/* too long: -E2BIG and the line as it was */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(line, sizeof(line), "user add");
	assert_int_equal(console_quote_append(line, sizeof(line), big),
	    -E2BIG);
	assert_string_equal(line, "user add");
	/* the longest that fits, exactly */
	big[sizeof(line) - strlen("user add") - 4] = '\0';
	assert_int_equal(console_quote_append(line, sizeof(line), big), 0);
	assert_int_equal(strlen(line), sizeof(line) - 1);
	assert_int_equal(console_tokenize(line, buf, sizeof(buf), argv,
	    CONSOLE_ARGS_MAX), 3);
	assert_string_equal(argv[2], big);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_shown),
		cmocka_unit_test(test_quote),
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
	return _cmocka_run_group_tests("panel", run_, n, NULL, NULL);
}
