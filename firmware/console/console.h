/*
 * console.h - the operator console: one static command table shared by the
 * serial console (board console UART) and, later, the front panel.
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
 * The front panel (panel.c): a console session of its own behind the
 * board's panel (board.h panel_read / panel_show), on its own thread.
 * Its menus map onto the same command table: "up"/"down" move through
 * CONSOLE_PANEL_MENU, "ok" runs the item's command line, "back" returns
 * to the menu, "enter TEXT" types TEXT as a command line (the keypad:
 * login NAME, the password, ...).  Output is word-wrapped onto display
 * lines 1..3 (line 0 is the state line); "up"/"down" scroll it.  Same
 * roles, login, lockout and audit as the serial console.  Returns 0 or
 * -errno; panel_stop ends it and joins the thread.
 */
int		 panel_start(const struct console_conf *conf);
void		 panel_stop(void);

#endif /* CONSOLE_H */
