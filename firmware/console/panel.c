/*
 * panel.c - the front panel: a console session of its own behind the
 * board's panel display and buttons (see console.h), with menus derived
 * from the console's command table.
 *
 * The top menu lists the commands and groups the session's role may run
 * (console_cmd_shown); a group opens a submenu of its subcommands.  A
 * command's arguments come from its usage string (console_usage_args):
 * each one is asked for on the display, taken from the keypad ("enter
 * TEXT" is one argument) or picked from a list (the literal words of the
 * usage and the table's values provider), an optional one may be skipped
 * with ok.  A CONSOLE_CMD_CONFIRM entry asks "NAME? ok=yes" and then
 * appends the word confirm.  The finished line runs through console_line
 * like a typed one: same roles, audit and messages.  Nothing here knows a
 * particular command.
 *
 * Display line 0 is the state line (kmsd's); the panel draws lines 1..3.
 * While the console waits for a password or PIN (a pending line), "enter
 * TEXT" goes to it as that line, the display keeps the prompt and the
 * text is never shown.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "board.h"

#include "console.h"
#include "console_local.h"

#define PANEL_OUT_MAX		4096	/* bytes of one command's output */
#define PANEL_ROWS		(BOARD_PANEL_LINES - 1)	/* lines 1..3 */
#define PANEL_READ_TICK_MS	100	/* how often the panel thread sees stop */
#define PANEL_ENTER		"enter "
#define PANEL_DEPTH_MAX		4	/* menu levels (the table has 2) */
#define PANEL_ITEMS_MAX		64	/* entries of one menu */
#define PANEL_PICK_MAX		32	/* values of one pick list */
#define PANEL_VALUE_MAX		BOARD_PANEL_IN_MAX	/* bytes of a value */
#define PANEL_GROUP_MARK	"..."	/* after a group's name */
#define PANEL_SKIP		"(skip)"	/* first pick, optional args */
#define PANEL_CONFIRM		"confirm"	/* appended after "ok=yes" */
#define PANEL_TIMEOUT		"idle: the prompt was cancelled\n"

enum panel_mode {
	PANEL_MENU,		/* the menu of the current level */
	PANEL_OUTPUT,		/* the last command's output */
	PANEL_ARG,		/* asking for an argument */
	PANEL_ASK,		/* "NAME? ok=yes" before a confirm command */
};

static struct {
	pthread_t		 thread;
	struct console		*c;
	_Atomic bool		 stop;
	bool			 running;
	char			 out[PANEL_OUT_MAX];	/* the last output */
	size_t			 outlen;
	size_t			 top;		/* first output row shown */
	enum panel_mode		 mode;
	unsigned		 role;		/* the role the menu is for */
	/* the menu: the groups opened, outermost first */
	const struct console_cmd *open[PANEL_DEPTH_MAX];
	int			 depth;
	size_t			 item;		/* cursor */
	/* the command being prepared */
	const struct console_cmd *cmd;
	char			 line[CONSOLE_LINE_MAX + 1];
	char			 words[CONSOLE_USAGE_ARGS_MAX + 1]
				    [PANEL_VALUE_MAX + 1];
	int			 nwords;	/* words[0] = cmd->name */
	struct console_arg	 args[CONSOLE_USAGE_ARGS_MAX];
	int			 nargs;
	int			 argi;		/* the argument asked for */
	char			 pick[PANEL_PICK_MAX][PANEL_VALUE_MAX + 1];
	size_t			 npick;
	size_t			 pcur;
	bool			 pick_skip;	/* pick[0] is PANEL_SKIP */
	bool			 awake;		/* the menu was shown */
} pn;

/* console_io.write: collect the output (the rest is cut). */
static int
panel_write(void *arg, const char *buf, size_t len)
{
	(void)arg;
	if (len > sizeof(pn.out) - pn.outlen)
		len = sizeof(pn.out) - pn.outlen;
	memcpy(pn.out + pn.outlen, buf, len);
	pn.outlen += len;
	return 0;
}

/*
 * Row n of the output cut into rows of BOARD_PANEL_COLS at newlines and
 * at the width; false past the end.
 */
static bool
output_row(size_t n, char *row, size_t size)
{
	size_t	 i = 0, start = 0, col = 0, r = 0;

	for (i = 0; i <= pn.outlen; i++) {
		if (i == pn.outlen || pn.out[i] == '\n' ||
		    col == BOARD_PANEL_COLS) {
			if (r == n) {
				snprintf(row, size, "%.*s", (int)(i - start),
				    pn.out + start);
				return true;
			}
			if (i == pn.outlen)
				break;
			r++;
			if (pn.out[i] == '\n') {
				start = i + 1;
				col = 0;
			} else {
				start = i;
				col = 1;
			}
			continue;
		}
		col++;
	}
	return false;
}

/*
 * The entries of the current menu level the session may run, into
 * items[PANEL_ITEMS_MAX]; the count.  A level that shows nothing any more
 * (the role changed, the first operator was added) closes.
 */
static size_t
menu_items(const struct console_cmd **items)
{
	const struct console_cmd	*t;
	unsigned			 role = pn.c->role;
	bool				 boot;
	size_t				 n;
	int				 i;

	for (;;) {
		boot = role == 0 && !op_file_exists(pn.c);
		for (i = 0; i < pn.depth; i++)
			boot = boot && (pn.open[i]->flags &
			    CONSOLE_CMD_BOOTSTRAP);
		t = pn.depth == 0 ? console_cmds : pn.open[pn.depth - 1]->sub;
		for (n = 0; t->name != NULL && n < PANEL_ITEMS_MAX; t++)
			if (console_cmd_shown(t, role, boot))
				items[n++] = t;
		if (n > 0 || pn.depth == 0)
			break;
		pn.depth--;
		pn.item = 0;
	}
	if (n > 0)
		pn.item %= n;
	return n;
}

/* The end of the command line so far (the newest argument shows). */
static void
line_tail(char *row, size_t size)
{
	size_t	 len = strlen(pn.line);

	snprintf(row, size, "%.*s", BOARD_PANEL_COLS, pn.line +
	    (len > BOARD_PANEL_COLS ? len - BOARD_PANEL_COLS : 0));
}

static void
render(void)
{
	const struct board		*bd = board_get();
	const struct console_cmd	*items[PANEL_ITEMS_MAX];
	const struct console_arg	*a;
	const char			*v;
	char				 wide[64];
	char				 row[PANEL_ROWS][BOARD_PANEL_COLS + 1];
	size_t				 i, n;

	memset(row, 0, sizeof(row));
	switch (pn.mode) {
	case PANEL_OUTPUT:
		for (i = 0; i < PANEL_ROWS; i++)
			if (!output_row(pn.top + i, row[i], sizeof(row[i])))
				row[i][0] = '\0';
		break;
	case PANEL_ASK:
		snprintf(row[0], sizeof(row[0]), "%s? ok=yes", pn.cmd->name);
		line_tail(row[1], sizeof(row[1]));
		break;
	case PANEL_ARG:
		a = &pn.args[pn.argi];
		if (pn.npick > 0) {	/* one value, over rows 2 and 3 */
			snprintf(wide, sizeof(wide), "pick %s %zu/%zu",
			    a->name, pn.pcur + 1, pn.npick);
			snprintf(row[0], sizeof(row[0]), "%.*s",
			    BOARD_PANEL_COLS, wide);
			v = pn.pick[pn.pcur];
			snprintf(row[1], sizeof(row[1]), "> %.*s",
			    BOARD_PANEL_COLS - 2, v);
			if (strlen(v) > BOARD_PANEL_COLS - 2)
				snprintf(row[2], sizeof(row[2]), "%.*s",
				    BOARD_PANEL_COLS,
				    v + BOARD_PANEL_COLS - 2);
			break;
		}
		snprintf(row[0], sizeof(row[0]), "enter %s%s", a->name,
		    a->optional ? " ok=skip" : "");
		line_tail(row[1], sizeof(row[1]));
		snprintf(row[2], sizeof(row[2]), "back=cancel");
		break;
	case PANEL_MENU:
	default:
		n = menu_items(items);
		for (i = 0; i < PANEL_ROWS && i < n; i++)
			snprintf(row[i], sizeof(row[i]), "%c %s%s",
			    i == 0 ? '>' : ' ', items[(pn.item + i) % n]->name,
			    items[(pn.item + i) % n]->sub != NULL ?
			    PANEL_GROUP_MARK : "");
		break;
	}
	for (i = 0; i < PANEL_ROWS; i++)
		bd->panel_show((unsigned)(i + 1), row[i]);
}

/* After a login, a logout or an idle logout: the new role's top menu. */
static void
role_check(void)
{
	if (pn.c->role == pn.role)
		return;
	pn.role = pn.c->role;
	pn.depth = 0;
	pn.item = 0;
}

/* Run one command line on the panel's session and show its output. */
static void
run_line(const char *line)
{
	pn.outlen = 0;
	(void)console_line(pn.c, line);
	pn.mode = PANEL_OUTPUT;
	pn.top = 0;
	pn.cmd = NULL;
	OPENSSL_cleanse(pn.line, sizeof(pn.line));
	role_check();
	render();	/* the output stays for scrolling (no secrets in it) */
}

/* A panel message in the output area (not a command's). */
static void
show_message(const char *msg)
{
	pn.outlen = 0;
	panel_write(NULL, msg, strlen(msg));
	pn.mode = PANEL_OUTPUT;
	pn.top = 0;
	pn.cmd = NULL;
	render();
}

/* console_value_cb: one value into the pick list. */
static int
add_pick(void *arg, const char *value)
{
	(void)arg;
	if (pn.npick == PANEL_PICK_MAX)
		return 1;	/* the first PANEL_PICK_MAX only */
	if (strlen(value) > PANEL_VALUE_MAX || value[0] == '\0')
		return 0;
	snprintf(pn.pick[pn.npick++], sizeof(pn.pick[0]), "%s", value);
	return 0;
}

/* Everything asked for: ask "NAME? ok=yes" or run the line. */
static void
finish(void)
{
	if (pn.cmd->flags & CONSOLE_CMD_CONFIRM) {
		pn.mode = PANEL_ASK;
		render();
		return;
	}
	run_line(pn.line);
}

/* Ask for argument pn.argi, or finish. */
static void
next_arg(void)
{
	const struct console_arg	*a;
	char				*argv[CONSOLE_USAGE_ARGS_MAX + 1];
	console_values_fn		*fn = NULL;
	size_t				 i;
	int				 w, rc;

	if (pn.argi >= pn.nargs) {
		finish();
		return;
	}
	a = &pn.args[pn.argi];
	pn.npick = 0;
	pn.pcur = 0;
	pn.pick_skip = a->optional;
	if (a->optional)
		add_pick(NULL, PANEL_SKIP);
	for (i = 0; i < a->nchoices; i++)
		add_pick(NULL, a->choices[i]);
	if (pn.argi < CONSOLE_CMD_VALUES_MAX)
		fn = pn.cmd->values[pn.argi];
	if (fn != NULL) {
		for (w = 0; w < pn.nwords; w++)
			argv[w] = pn.words[w];
		if ((rc = fn(pn.c, pn.nwords, argv, add_pick, NULL)) != 0)
			log_warnx("panel: %s: the values of %s: %s",
			    pn.cmd->name, a->name, strerror(-rc));
	}
	if (pn.pick_skip && pn.npick == 1) {	/* only "(skip)": typed */
		pn.npick = 0;
		pn.pick_skip = false;
	}
	pn.mode = PANEL_ARG;
	render();
}

/* The current argument is value. */
static void
give_arg(const char *value)
{
	if (strlen(value) > PANEL_VALUE_MAX ||
	    console_quote_append(pn.line, sizeof(pn.line), value) != 0) {
		show_message("too long for a command line; nothing was run\n");
		return;
	}
	snprintf(pn.words[pn.nwords++], sizeof(pn.words[0]), "%s", value);
	pn.argi++;
	next_arg();
}

/* ok on a menu item: open the group, or prepare the command. */
static void
choose(const struct console_cmd *t)
{
	int	 i, n;

	if (t->sub != NULL) {
		if (pn.depth < PANEL_DEPTH_MAX) {
			pn.open[pn.depth++] = t;
			pn.item = 0;
		}
		render();
		return;
	}
	pn.cmd = t;
	pn.line[0] = '\0';
	for (i = 0; i < pn.depth; i++)
		snprintf(pn.line + strlen(pn.line), sizeof(pn.line) -
		    strlen(pn.line), "%s ", pn.open[i]->name);
	snprintf(pn.line + strlen(pn.line), sizeof(pn.line) -
	    strlen(pn.line), "%s", t->name);
	snprintf(pn.words[0], sizeof(pn.words[0]), "%s", t->name);
	pn.nwords = 1;
	n = console_usage_args(t, pn.depth + 1, pn.args,
	    CONSOLE_USAGE_ARGS_MAX);
	if (n < 0) {	/* a table bug (test_panel checks every entry) */
		log_warnx("panel: %s: usage '%s' not understood", t->name,
		    t->usage);
		n = 0;
	}
	pn.nargs = n;
	pn.argi = 0;
	next_arg();
}

/* back on a menu: close the group, the cursor on it. */
static void
menu_back(void)
{
	const struct console_cmd	*items[PANEL_ITEMS_MAX];
	const struct console_cmd	*g;
	size_t				 i, n;

	if (pn.depth == 0)
		return;
	g = pn.open[--pn.depth];
	pn.item = 0;
	n = menu_items(items);
	for (i = 0; i < n; i++)
		if (items[i] == g)
			pn.item = i;
}

static void
menu_button(const char *in)
{
	const struct console_cmd	*items[PANEL_ITEMS_MAX];
	size_t				 n = menu_items(items);

	if (strcmp(in, "ok") == 0 && n > 0) {
		choose(items[pn.item]);
		return;
	}
	if (strcmp(in, "down") == 0 && n > 0)
		pn.item = (pn.item + 1) % n;
	else if (strcmp(in, "up") == 0 && n > 0)
		pn.item = (pn.item + n - 1) % n;
	else if (strcmp(in, "back") == 0)
		menu_back();
	render();
}

static void
arg_button(const char *in)
{
	if (strcmp(in, "back") == 0) {	/* cancel: nothing runs */
		pn.cmd = NULL;
		pn.mode = PANEL_MENU;
		OPENSSL_cleanse(pn.line, sizeof(pn.line));
		render();
		return;
	}
	if (strcmp(in, "ok") == 0) {
		if (pn.npick > 0 && !(pn.pick_skip && pn.pcur == 0)) {
			give_arg(pn.pick[pn.pcur]);
			return;
		}
		if (pn.args[pn.argi].optional) {	/* skip the rest */
			pn.argi = pn.nargs;
			finish();
			return;
		}
	} else if (strcmp(in, "down") == 0 && pn.npick > 0)
		pn.pcur = (pn.pcur + 1) % pn.npick;
	else if (strcmp(in, "up") == 0 && pn.npick > 0)
		pn.pcur = (pn.pcur + pn.npick - 1) % pn.npick;
	render();
}

static void
output_button(const char *in)
{
	char	 row[BOARD_PANEL_COLS + 1];

	if (strcmp(in, "down") == 0) {
		if (output_row(pn.top + PANEL_ROWS, row, sizeof(row)))
			pn.top++;
	} else if (strcmp(in, "up") == 0) {
		if (pn.top > 0)
			pn.top--;
	} else if (strcmp(in, "back") == 0 &&
	    pn.c->pending == PEND_NONE)
		pn.mode = PANEL_MENU;
	render();
}

static void
button(const char *in)
{
	char	 line[CONSOLE_LINE_MAX + 1];

	if (strncmp(in, PANEL_ENTER, strlen(PANEL_ENTER)) == 0) {
		in += strlen(PANEL_ENTER);
		pn.awake = true;
		if (pn.c->pending == PEND_NONE && pn.mode == PANEL_ARG)
			give_arg(in);	/* one argument */
		else
			run_line(in);	/* a command line, or the password */
		return;
	}
	if (strcmp(in, "up") != 0 && strcmp(in, "down") != 0 &&
	    strcmp(in, "ok") != 0 && strcmp(in, "back") != 0) {
		log_debug("panel: unknown input ignored");
		return;
	}
	if (!pn.awake) {	/* the first press shows the menu */
		pn.awake = true;
		render();
		return;
	}
	if (pn.c->pending != PEND_NONE) {	/* the console asks a secret */
		output_button(in);
		return;
	}
	switch (pn.mode) {
	case PANEL_ASK:
		if (strcmp(in, "ok") == 0) {
			if (strlen(pn.line) + 1 + strlen(PANEL_CONFIRM) >=
			    sizeof(line)) {
				show_message("too long for a command line; "
				    "nothing was run\n");
				return;
			}
			snprintf(line, sizeof(line), "%s %s", pn.line,
			    PANEL_CONFIRM);
			run_line(line);
			return;
		}
		pn.cmd = NULL;		/* any other button cancels */
		pn.mode = PANEL_MENU;
		if (strcmp(in, "back") == 0)
			render();
		else
			menu_button(in);
		break;
	case PANEL_ARG:
		arg_button(in);
		break;
	case PANEL_OUTPUT:
		output_button(in);
		break;
	case PANEL_MENU:
	default:
		menu_button(in);
		break;
	}
}

/*
 * An idle logout on the panel's session, or a password prompt given up:
 * show it (a password typed next must not run as a command unawares),
 * back to the top.
 */
static void
idle_check(void)
{
	size_t	 mark = pn.outlen;
	bool	 pending = pn.c->pending != PEND_NONE;

	console_idle_check(pn.c);
	if (pending && pn.c->pending == PEND_NONE)	/* not silently */
		panel_write(NULL, PANEL_TIMEOUT, strlen(PANEL_TIMEOUT));
	if (pn.outlen == mark && pn.c->role == pn.role)
		return;
	memmove(pn.out, pn.out + mark, pn.outlen - mark);
	pn.outlen -= mark;
	pn.mode = PANEL_OUTPUT;
	pn.top = 0;
	pn.cmd = NULL;
	role_check();
	render();
}

static void *
panel_main(void *arg)
{
	const struct board	*bd = board_get();
	char			 in[BOARD_PANEL_IN_MAX + 1];
	int			 n;

	(void)arg;
	while (!atomic_load(&pn.stop)) {
		n = bd->panel_read(in, sizeof(in), PANEL_READ_TICK_MS);
		if (n < 0) {
			log_err("panel: %s", strerror(-n));
			break;
		}
		if (n == 0) {
			idle_check();
			continue;
		}
		button(in);
		OPENSSL_cleanse(in, sizeof(in));	/* may be a password */
	}
	return NULL;
}

/* see console.h */
int
panel_start(const struct console_conf *conf)
{
	struct console_conf	 cc = *conf;
	int			 rc;

	if (board_get()->panel_read == NULL)
		return -ENOTSUP;
	cc.io.write = panel_write;
	cc.io.read = NULL;
	cc.io.arg = NULL;
	if ((rc = console_new(&cc, &pn.c)) != 0)
		return rc;
	pn.mode = PANEL_MENU;
	pn.awake = false;
	pn.role = 0;
	pn.depth = 0;
	pn.item = 0;
	atomic_store(&pn.stop, false);
	if ((rc = pthread_create(&pn.thread, NULL, panel_main, NULL)) != 0) {
		console_free(pn.c);
		pn.c = NULL;
		return -rc;
	}
	pn.running = true;
	return 0;
}

/* see console.h */
void
panel_stop(void)
{
	if (!pn.running)
		return;
	atomic_store(&pn.stop, true);
	pthread_join(pn.thread, NULL);
	console_free(pn.c);
	pn.c = NULL;
	pn.running = false;
}
