/*
 * console.h - the operator console: one static command table shared by the
 * serial console (board console UART) and the front panel (panel.c).
 *
 * The console does not know its transport: output goes through a small
 * struct console_io (write + arg), input comes either from console_run()
 * (which reads lines through io.read) or from console_line() (one line at
 * a time: tests and the front panel).  docs/console.md lists every
 * command, the roles, login, lockout and idle logout.
 *
 * Operators log in with "login NAME" and then give the password on the
 * next line.  Accounts live in <data_dir>/operators (mode 0600), one
 * "name:role:salt:hash" line each, hash = scrypt (op_auth.c).  Every
 * command is written to the store's audit trail with the operator.
 *
 * Threads: a struct console belongs to one thread.  console_start() runs
 * one on its own thread for kmsd -C.  Passwords are never echoed, logged
 * or audited, and are wiped after use.
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kmsd;
struct kms_conf;
struct console;

/* Limits. */
#if !defined CONSOLE_LINE_MAX
#define CONSOLE_LINE_MAX	512	/* bytes in one input line */
#endif
#if !defined CONSOLE_ARGS_MAX
#define CONSOLE_ARGS_MAX	16	/* words in one command line */
#endif
#define CONSOLE_OUT_MAX		1024	/* bytes in one console_printf */
#define CONSOLE_NAME_MAX	32	/* operator name: [a-z0-9_.-] */
#define CONSOLE_PASS_MIN	8	/* shortest operator password */
#define CONSOLE_PASS_MAX	128	/* longest operator password */
#define CONSOLE_OPERATORS_MAX	64	/* lines in the operators file */
#define CONSOLE_AUDIT_SHOW_DEF	20	/* audit show without N */
#define CONSOLE_AUDIT_SHOW_MAX	200	/* audit show N, at most */

/* Session rules (named compile-time defaults; docs/console.md). */
#if !defined CONSOLE_LOGIN_FAILS_MAX
#define CONSOLE_LOGIN_FAILS_MAX	5	/* failed logins before a lockout */
#endif
#if !defined CONSOLE_LOCKOUT_S
#define CONSOLE_LOCKOUT_S	60	/* lockout, seconds */
#endif
#if !defined CONSOLE_IDLE_S
#define CONSOLE_IDLE_S		300	/* idle logout, seconds */
#endif

/* Password hashing: scrypt N = 2^CONSOLE_SCRYPT_LOG2N, r, p. */
#define CONSOLE_SCRYPT_LOG2N	15
#define CONSOLE_SCRYPT_R	8
#define CONSOLE_SCRYPT_P	1
#define CONSOLE_SALT_LEN	16
#define CONSOLE_HASH_LEN	32
#define CONSOLE_OPERATORS_FILE	"operators"	/* in the data directory */

/* Roles, as a bit mask in the command table. */
enum console_role {
	CONSOLE_ROLE_NONE	= 0,
	CONSOLE_ROLE_AUDITOR	= 0x1,
	CONSOLE_ROLE_OPERATOR	= 0x2,
	CONSOLE_ROLE_ADMIN	= 0x4,
};

/*
 * The command table, public so that the front panel can map its menus
 * onto the same commands and tests can walk it.
 */
/*
 * Handler: argv[0] is the command's own name, argv[1..argc-1] its
 * arguments (already counted against min_args/max_args).  Returns 0 on
 * success, 1 on refusal or failure (after writing a message).
 */
typedef int	 console_handler(struct console *c, int argc, char **argv);

/*
 * The values an argument may take, for the front panel's pick lists
 * (panel.c): fn calls cb(cb_arg, value) once per value, in the order to
 * offer them, and stops early when cb returns non-zero.  argv[0..argc-1]
 * are the words given so far (argv[0] the command's own name), so a list
 * may depend on an earlier argument (the bindings of the chosen user).
 * Returns 0, or -errno when the values cannot be read (the panel then
 * takes the argument from the keypad only).  Values are never secrets.
 */
typedef int	 console_value_cb(void *cb_arg, const char *value);
typedef int	 console_values_fn(struct console *c, int argc, char **argv,
		    console_value_cb *cb, void *cb_arg);
#define CONSOLE_CMD_VALUES_MAX	4	/* arguments with a values list */

/*
 * One command.  Either handler or sub (a table ending with a NULL name).
 * min_args/max_args count the words after the name.  roles: who may run
 * it (a mask of enum console_role); 0 = anyone, logged in or not.
 */
struct console_cmd {
	const char		*name;
	const char		*help;
	const char		*usage;
	int			 min_args;
	int			 max_args;
	unsigned		 roles;
	console_handler		*handler;
	const struct console_cmd *sub;
	unsigned		 flags;
#define CONSOLE_CMD_BOOTSTRAP	0x1	/* allowed to anyone while no operators
				   file exists (first boot) */
#define CONSOLE_CMD_CONFIRM	0x2	/* the usage ends in the word confirm:
				   the panel asks "NAME? ok=yes" and then
				   appends it */
	/* values[i]: the values of argument i (0 = the first word after
	   the name) for the panel's pick lists; NULL: typed on the keypad
	   (literal words of the usage, "a|b|c", are offered anyway) */
	console_values_fn	*values[CONSOLE_CMD_VALUES_MAX];
};

/* The root table, ending with a NULL name. */
extern const struct console_cmd console_cmds[];

/*
 * Split line into words: blanks separate; '...' keeps everything
 * literally; "..." and bare words take a backslash escape of the next
 * character.  argv[] points into buf (bufsz > CONSOLE_LINE_MAX).  Returns
 * the word count, -E2BIG (longer than CONSOLE_LINE_MAX or more than
 * argv_max words) or -EINVAL (open quote, trailing backslash).
 */
int		 console_tokenize(const char *line, char *buf, size_t bufsz,
		    char **argv, int argv_max);

/*
 * panel_menu.c: the front panel's menus derived from the command table
 * (pure logic, public for tests/unit/console/test_panel.c).
 *
 * One argument of a usage string: a placeholder word (upper case: URI,
 * NAME), optional when in brackets ("[NAME]"), with the literal words of
 * its alternatives ("[PERIOD|all]": name PERIOD, choice all;
 * "administrator|operator|auditor": name CHOICE and three choices).
 */
#define CONSOLE_ARG_WORD_MAX	24	/* an argument's name or choice */
#define CONSOLE_ARG_CHOICES_MAX	4	/* literal alternatives */
#define CONSOLE_USAGE_ARGS_MAX	8	/* arguments of one usage */
#define CONSOLE_ARG_NONAME	"CHOICE"	/* name when only literals */
struct console_arg {
	char		 name[CONSOLE_ARG_WORD_MAX + 1];
	bool		 optional;
	size_t		 nchoices;
	char		 choices[CONSOLE_ARG_CHOICES_MAX]
			    [CONSOLE_ARG_WORD_MAX + 1];
};
/*
 * The arguments of t from its usage, whose first depth words are the
 * command's path ("user add URI [NAME]": depth 2).  The last word
 * "confirm" of a CONSOLE_CMD_CONFIRM entry is not an argument.  Returns
 * the count (<= max), or -EINVAL when the usage does not start with the
 * path's last word or a word does not fit (named limits above).
 */
int		 console_usage_args(const struct console_cmd *t, int depth,
		    struct console_arg *args, int max);
/*
 * Whether the panel shows t: its roles allow role, or it is a first-boot
 * command (boot: nobody is logged in, no operators file exists and every
 * group above is flagged CONSOLE_CMD_BOOTSTRAP too; pass true at the top
 * level).  A group is shown when at least one of its entries is.  The
 * same rule as the console's dispatch.
 */
bool		 console_cmd_shown(const struct console_cmd *t, unsigned role,
		    bool boot);
/*
 * Append word to the command line line (size bytes, NUL-terminated) as
 * one quoted word that console_tokenize reads back as word: "...", with
 * a backslash before each " and \.  -E2BIG when it does not fit (line
 * unchanged).
 */
int		 console_quote_append(char *line, size_t size,
		    const char *word);

/*
 * The transport.  write: all of len bytes, 0 or -errno.  read (only for
 * console_run; may be NULL otherwise): as board.h console_read: up to
 * size bytes within timeout_ms, the count, 0 on timeout, -EPIPE at end of
 * input, -errno on error.
 */
struct console_io {
	int		(*write)(void *arg, const char *buf, size_t len);
	int		(*read)(void *arg, char *buf, size_t size,
			    int timeout_ms);
	void		*arg;
};

struct console_conf {
	struct kmsd	*kmsd;		/* conf and store required; hsm may
					   be NULL (shown as "not open") */
	const char	*data_dir;	/* where the operators file lives */
	struct console_io io;
	uint64_t	(*mono_ms)(void);	/* NULL: the board's clock */
	int64_t		(*wall)(void);		/* NULL: the board's clock */
	uint64_t	 boot_ms;	/* mono_ms at boot, for the uptime */
	uint16_t	 port;		/* the KMS port forwarded on the host */
	unsigned	 scrypt_log2n;	/* 0 = CONSOLE_SCRYPT_LOG2N (tests
					   use a small value) */
	unsigned	 idle_s;	/* idle logout, seconds; 0 =
					   CONSOLE_IDLE_S ([console]
					   idle_logout) */
	/* reboot confirm: ask for an orderly restart (kmsd: main takes
	   it); NULL: the command answers that it cannot */
	void		(*reboot)(void *arg);
	void		*reboot_arg;
	/* hsm login (cmd_hsm.c): open the token with pin and run the rest
	   of the boot (kmsd: main.c) while the appliance is locked with no
	   token open.  who: the operator.  Returns an enum hsm_status
	   (HSM_OK: logged in; the state tells the rest; HSM_ERR_PIN: the
	   token refused the PIN; HSM_ERR_EXISTS: not locked or a token is
	   open).  NULL: the command answers that it cannot. */
	int		(*hsm_login)(void *arg, const char *who,
			    const char *pin);
	void		*hsm_login_arg;
	/* hsm logout (cmd_hsm.c): move to locked and log the token out,
	   keeping the handle for the next hsm login (kmsd: main.c; arg is
	   hsm_login_arg).  Returns an enum hsm_status (HSM_OK: logged out;
	   HSM_ERR_EXISTS: no token open, logged out already, or a state
	   that is not operational or locked).  NULL: the command answers
	   that it cannot. */
	int		(*hsm_logout)(void *arg, const char *who);
	/* config set (cmd_config.c): the file to rewrite and the running
	   configuration that live keys are applied to (the one k->conf
	   points at).  NULL: config set answers that it cannot. */
	const char	*conf_path;
	struct kms_conf	*conf_live;
};

/*
 * A console session.  conf is copied (the pointers in it must outlive the
 * console).  Returns 0 and *out, or -ENOMEM / -EINVAL.
 */
int		 console_new(const struct console_conf *conf,
		    struct console **out);
/* Wipe and free; console_free(NULL) is a no-op. */
void		 console_free(struct console *c);

/*
 * Handle one input line (without its newline): a command, or the
 * password the console asked for.  Output goes through io.write.
 * Returns 0 when the command (or login step) succeeded, 1 when it was
 * refused or failed (a message was written), -errno on an output error.
 */
int		 console_line(struct console *c, const char *line);

/* Log out an operator idle for conf.idle_s; console_run calls it. */
void		 console_idle_check(struct console *c);

/* The logged-in operator's name, or NULL. */
const char	*console_operator(const struct console *c);

/*
 * Read lines through io.read and handle them until end of input or *stop
 * becomes true (checked about once a second).  Returns 0 or -errno.
 */
int		 console_run(struct console *c, const _Atomic bool *stop);

/*
 * The appliance state, the same words everywhere (console, panel, health,
 * audit): state_word(state_get()) of firmware/state (state.h).
 */
const char	*console_state(const struct kmsd *k);

/*
 * Sign the audit trail's checkpoints with the KMS signing key (the store's
 * signer, store_audit_signer; cmd_audit.c).  Call once at boot after the
 * HSM is open and k->key_sign is known.  0, or -1 (logged) when the key
 * cannot be used: the trail is then chained but not signed.
 */
int		 console_audit_signer(struct kmsd *k);

/*
 * kmsd -C: run a console on the board's console UART on its own thread.
 * console_stop ends it and joins the thread.  Returns 0 or -errno.
 */
int		 console_start(const struct console_conf *conf);
void		 console_stop(void);

/*
 * The front panel (panel.c, panel_menu.c): a console session of its own
 * behind the board's panel (board.h panel_read / panel_show), on its own
 * thread.  Its menus are derived from the command table: the top menu
 * lists the commands and groups the session's role may run (before
 * login: help, login, logout and, on first boot, the bootstrap entries),
 * a group opens a submenu of its subcommands, "back" goes up.  "up" /
 * "down" move, "ok" chooses.  A command's arguments (from its usage) are
 * asked for one by one: "enter TEXT" gives one (quoted, blanks kept), a
 * pick list (the usage's literal words, the entry's values[] provider)
 * is walked with up/down/ok, "ok" skips an optional one, "back" cancels
 * (nothing runs).  CONSOLE_CMD_CONFIRM entries ask "NAME? ok=yes" and
 * append confirm.  Outside an argument prompt "enter TEXT" types TEXT as
 * a command line, or as the password / PIN the console asked for (never
 * shown).  Output is cut into rows on display lines 1..3 (line 0 is the
 * state line); "up"/"down" scroll it.  Same roles, login, lockout, idle
 * logout and audit as the serial console.  Returns 0 or -errno;
 * panel_stop ends it and joins the thread.
 */
int		 panel_start(const struct console_conf *conf);
void		 panel_stop(void);

#endif /* CONSOLE_H */
