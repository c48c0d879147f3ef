/*
 * panel_menu.c - the pure logic behind the front panel's menus: which
 * entries of the command table a role sees, the arguments a usage string
 * asks for, and quoting a word for console_tokenize (console_local.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "console_local.h"

#define USAGE_CONFIRM	"confirm"	/* the last word of a confirm entry */

/* see console_local.h */
bool
console_cmd_shown(const struct console_cmd *t, unsigned role, bool boot)
{
	const struct console_cmd	*s;
	bool				 sub_boot;

	boot = boot && role == 0 && (t->flags & CONSOLE_CMD_BOOTSTRAP);
	if (t->roles != 0 && (role & t->roles) == 0 && !boot)
		return false;
	if (t->sub == NULL)
		return true;
	sub_boot = boot;
	for (s = t->sub; s->name != NULL; s++)
		if (console_cmd_shown(s, role, sub_boot))
			return true;
	return false;
}

/* Copy n bytes of a word into out[CONSOLE_ARG_WORD_MAX + 1]. */
static int
word_copy(char *out, const char *w, size_t n)
{
	if (n == 0 || n > CONSOLE_ARG_WORD_MAX)
		return -EINVAL;
	memcpy(out, w, n);
	out[n] = '\0';
	return 0;
}

/* One usage word ("URI", "[PERIOD|all]", "a|b|c") into *a. */
static int
parse_word(const char *w, size_t len, struct console_arg *a)
{
	const char	*p, *end, *bar;
	size_t		 n;

	memset(a, 0, sizeof(*a));
	p = w;
	end = w + len;
	if (p < end && *p == '[') {
		a->optional = true;
		while (p < end && *p == '[')
			p++;
	}
	while (end > p && end[-1] == ']')
		end--;
	while (p < end) {
		for (bar = p; bar < end && *bar != '|'; bar++)
			;
		n = (size_t)(bar - p);
		if (*p >= 'A' && *p <= 'Z') {
			if (a->name[0] == '\0' && word_copy(a->name, p, n) != 0)
				return -EINVAL;
		} else {
			if (a->nchoices == CONSOLE_ARG_CHOICES_MAX ||
			    word_copy(a->choices[a->nchoices], p, n) != 0)
				return -EINVAL;
			a->nchoices++;
		}
		p = bar < end ? bar + 1 : end;
	}
	if (a->name[0] == '\0') {
		if (a->nchoices == 0)
			return -EINVAL;
		snprintf(a->name, sizeof(a->name), "%s", CONSOLE_ARG_NONAME);
	}
	return 0;
}

/* see console_local.h */
int
console_usage_args(const struct console_cmd *t, int depth,
    struct console_arg *args, int max)
{
	const char	*p = t->usage, *w;
	size_t		 len;
	int		 word = 0, n = 0;

	if (p == NULL || depth < 1)
		return -EINVAL;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		w = p;
		while (*p != ' ' && *p != '\0')
			p++;
		len = (size_t)(p - w);
		if (word++ < depth) {
			if (word == depth && (strlen(t->name) != len ||
			    strncmp(w, t->name, len) != 0))
				return -EINVAL;
			continue;
		}
		if ((t->flags & CONSOLE_CMD_CONFIRM) && *p == '\0' &&
		    len == strlen(USAGE_CONFIRM) &&
		    strncmp(w, USAGE_CONFIRM, len) == 0)
			break;
		if (n == max || parse_word(w, len, &args[n]) != 0)
			return -EINVAL;
		n++;
	}
	return word < depth ? -EINVAL : n;
}

/* see console_local.h */
int
console_quote_append(char *line, size_t size, const char *word)
{
	size_t		 len = strlen(line), o = len;
	const char	*p;
	bool		 esc;

	if (o + 1 >= size)
		return -E2BIG;
	if (o > 0)
		line[o++] = ' ';
	line[o++] = '"';
	for (p = word; *p != '\0'; p++) {
		esc = *p == '"' || *p == '\\';
		if (o + (esc ? 2 : 1) + 2 > size)	/* and '"', NUL */
			goto toolong;
		if (esc)
			line[o++] = '\\';
		line[o++] = *p;
	}
	if (o + 2 > size)
		goto toolong;
	line[o++] = '"';
	line[o] = '\0';
	return 0;
toolong:
	line[len] = '\0';
	return -E2BIG;
}
