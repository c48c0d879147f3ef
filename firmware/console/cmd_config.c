/*
 * cmd_config.c - config show (cmd_sys.c) and config set KEY VALUE.
 *
 * config set changes one key of the configuration file (conf_set,
 * firmware/conf): checked by the same rules as at boot on the whole new
 * file, written atomically, comments kept.  The keys read per request
 * (conf.h conf_apply_live) take effect at once; the others at the next
 * boot, and the console says so.  An unknown key or a bad value changes
 * nothing.
 */
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "conf.h"

#include "console.h"
#include "console_local.h"

static console_handler	 config_set;

const struct console_cmd cmd_config_sub[] = {
	{ .name = "show", .help = "the configuration in use (no secrets)",
	  .usage = "config show", .min_args = 0, .max_args = 0,
	  .roles = R_ANY, .handler = cmd_config_show },
	{ .name = "set", .help = "change one key (section.name) in the "
	  "configuration file; some apply at once, others after reboot",
	  .usage = "config set KEY VALUE", .min_args = 2, .max_args = 2,
	  .roles = R_ADM, .handler = config_set,
	  .values = { values_config_keys } },
	{ .name = NULL }
};

static enum log_level
level_of(const char *s)
{
	if (strcmp(s, "err") == 0)
		return LOG_LVL_ERR;
	if (strcmp(s, "warn") == 0)
		return LOG_LVL_WARN;
	if (strcmp(s, "debug") == 0)
		return LOG_LVL_DEBUG;
	return LOG_LVL_INFO;
}

static int
config_set(struct console *c, int argc, char **argv)
{
	static struct kms_conf	 fresh;	/* large; one console at a time */
	char			 err[CONF_ERR_MAX];
	bool			 live = false;

	(void)argc;
	if (c->conf.conf_path == NULL || c->conf.conf_live == NULL) {
		console_printf(c, "config set: not possible from this "
		    "console\n");
		return 1;
	}
	if (conf_set(c->conf.conf_path, argv[1], argv[2], &fresh, &live,
	    err, sizeof(err)) != 0) {
		console_printf(c, "config set: %s; nothing changed\n", err);
		log_warnx("console: config set %s refused: %s", argv[1], err);
		return 1;
	}
	if (live && conf_apply_live(c->conf.conf_live, &fresh, argv[1]) == 0) {
		if (strcmp(argv[1], "log.level") == 0)
			log_setlevel(level_of(c->conf.conf_live->log_level));
		log_info("console: config set %s = %s (applied; %s)", argv[1],
		    argv[2], c->name);
		console_printf(c, "%s = %s: saved and applied\n", argv[1],
		    argv[2]);
		return 0;
	}
	log_info("console: config set %s = %s (saved; applies after "
	    "reboot; %s)", argv[1], argv[2], c->name);
	console_printf(c, "%s = %s: saved; applies after reboot\n", argv[1],
	    argv[2]);
	return 0;
}
