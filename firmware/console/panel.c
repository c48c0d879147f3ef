/*
 * panel.c - the front panel: menus mapped onto the console's command
 * table, a console session of its own, the board's panel display and
 * buttons (see console.h).  Display line 0 is the state line (kmsd's);
 * the panel draws lines 1..3.
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

/*
 * The menu: what each item runs.  An item with a confirm line asks for a
 * second "ok" and then runs that line instead (reboot, zeroize).
 */
static const struct {
	const char	*label;
	const char	*line;
	const char	*confirm;
} panel_menu[] = {
	{ "status", "status", NULL },
	{ "hsm status", "hsm status", NULL },
	{ "network", "network show", NULL },
	{ "key period", "period show", NULL },
	{ "selftest", "selftest", NULL },
	{ "audit", "audit show 5", NULL },
	{ "logout", "logout", NULL },
	{ "reboot", "reboot", "reboot confirm" },
	{ "zeroize", "zeroize", "zeroize confirm" },
};
#define PANEL_MENU_N	(sizeof(panel_menu) / sizeof(panel_menu[0]))

static struct {
	pthread_t	 thread;
	struct console	*c;
	_Atomic bool	 stop;
	bool		 running;
	char		 out[PANEL_OUT_MAX];	/* the last command's output */
	size_t		 outlen;
	size_t		 top;		/* first output row shown */
	size_t		 item;		/* menu cursor */
	bool		 in_output;	/* showing output, not the menu */
	bool		 confirming;	/* the next "ok" confirms item */
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

static void
render(void)
{
	const struct board	*bd = board_get();
	char			 row[BOARD_PANEL_COLS + 1];
	size_t			 i;

	for (i = 0; i < PANEL_ROWS; i++) {
		if (pn.in_output) {
			if (!output_row(pn.top + i, row, sizeof(row)))
				row[0] = '\0';
		} else if (i == 0 && pn.confirming)
			snprintf(row, sizeof(row), "%s? ok=yes",
			    panel_menu[pn.item].label);
		else
			snprintf(row, sizeof(row), "%c %s", i == 0 ? '>' : ' ',
			    panel_menu[(pn.item + i) % PANEL_MENU_N].label);
		bd->panel_show((unsigned)(i + 1), row);
	}
}

/* Run one command line on the panel's session and show its output. */
static void
run_line(const char *line)
{
	pn.outlen = 0;
	(void)console_line(pn.c, line);
	pn.in_output = true;
	pn.confirming = false;
	pn.top = 0;
	render();	/* the output stays for scrolling (no secrets in it) */
}

static void
button(const char *in)
{
	char	 row[BOARD_PANEL_COLS + 1];

	if (strncmp(in, PANEL_ENTER, strlen(PANEL_ENTER)) == 0) {
		run_line(in + strlen(PANEL_ENTER));
		return;
	}
	if (strcmp(in, "ok") == 0 && !pn.in_output) {
		if (pn.confirming)
			run_line(panel_menu[pn.item].confirm);
		else if (panel_menu[pn.item].confirm != NULL) {
			pn.confirming = true;
			render();
		} else
			run_line(panel_menu[pn.item].line);
		return;
	}
	pn.confirming = false;
	if (strcmp(in, "back") == 0)
		pn.in_output = false;
	else if (strcmp(in, "down") == 0 && pn.in_output) {
		if (output_row(pn.top + PANEL_ROWS, row, sizeof(row)))
			pn.top++;
	} else if (strcmp(in, "up") == 0 && pn.in_output) {
		if (pn.top > 0)
			pn.top--;
	} else if (strcmp(in, "down") == 0)
		pn.item = (pn.item + 1) % PANEL_MENU_N;
	else if (strcmp(in, "up") == 0)
		pn.item = (pn.item + PANEL_MENU_N - 1) % PANEL_MENU_N;
	else if (strcmp(in, "ok") != 0)
		log_debug("panel: unknown input ignored");
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
			console_idle_check(pn.c);
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
