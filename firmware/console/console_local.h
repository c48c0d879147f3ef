/*
 * console_local.h - private to firmware/console: the session, the command
 * table shape and the helpers the command files share.
 */
#ifndef CONSOLE_LOCAL_H
#define CONSOLE_LOCAL_H

#include <stdbool.h>
#include <stdint.h>

#include "console.h"

struct store;

#define R_ANY	(CONSOLE_ROLE_AUDITOR | CONSOLE_ROLE_OPERATOR | \
		    CONSOLE_ROLE_ADMIN)
#define R_OPS	(CONSOLE_ROLE_OPERATOR | CONSOLE_ROLE_ADMIN)
#define R_AUD	(CONSOLE_ROLE_AUDITOR | CONSOLE_ROLE_ADMIN)
#define R_ADM	CONSOLE_ROLE_ADMIN

/* Directories of the board's data directory the console reads. */
#define CONSOLE_BACKUP_DIR	"backup"	/* backup files */
#define CONSOLE_BACKUP_SUFFIX	".kbk"		/* ... their name ends so */
#define CONSOLE_IMPORT_DIR	"import"	/* files placed for import */

/* What the next input line is. */
enum console_pending {
	PEND_NONE,
	PEND_LOGIN,		/* the password of pend_name */
	PEND_OPADD1,		/* a new operator's password */
	PEND_OPADD2,		/* the same again */
	PEND_HSMPIN,		/* the token's user PIN (hsm login) */
	PEND_PASSWD_OLD,	/* passwd: the current password */
	PEND_PASSWD_NEW1,	/* passwd: the new one */
	PEND_PASSWD_NEW2,	/* passwd: the new one again */
};

struct console {
	struct console_conf	 conf;
	unsigned		 role;		/* 0: nobody logged in */
	char			 name[CONSOLE_NAME_MAX + 1];
	uint64_t		 last_ms;	/* last input */
	unsigned		 fails;		/* failed logins in a row */
	uint64_t		 locked_until_ms;
	enum console_pending	 pending;
	char			 pend_name[CONSOLE_NAME_MAX + 1];
	unsigned		 pend_role;
	bool			 pend_bootstrap;
	char			 pend_pass[CONSOLE_PASS_MAX + 1]; /* wiped */
	unsigned		 pin_fails;	/* hsm login: refused PINs */
	uint64_t		 pin_locked_until_ms;
};

/* The command tables (one per file). */
extern const struct console_cmd cmd_hsm_sub[];		/* cmd_hsm.c */
extern const struct console_cmd cmd_period_sub[];
extern const struct console_cmd cmd_config_sub[];	/* cmd_config.c */
extern const struct console_cmd cmd_network_sub[];
extern const struct console_cmd cmd_user_sub[];	/* cmd_user.c */
extern const struct console_cmd cmd_operator_sub[];
extern const struct console_cmd cmd_audit_sub[];	/* cmd_audit.c */
extern const struct console_cmd cmd_firmware_sub[];	/* cmd_update.c */
console_handler	 cmd_update;
extern const struct console_cmd cmd_backup_sub[];	/* cmd_backup.c */
console_handler	 cmd_restore;				/* cmd_backup.c */
extern const struct console_cmd cmd_certcache_sub[];	/* cmd_cert.c */
extern const struct console_cmd cmd_cert_sub[];		/* cmd_cert.c */
extern const struct console_cmd cmd_trk_sub[];		/* cmd_trk.c */
console_handler	 cmd_passwd;				/* cmd_passwd.c */

console_handler	 cmd_status, cmd_hsm_status, cmd_period_show,
		    cmd_config_show, cmd_selftest, cmd_network_show,
		    cmd_reboot, cmd_zeroize;

/* Output. */
int		 console_printf(struct console *c, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
uint64_t	 console_now_ms(const struct console *c);
int64_t		 console_now_wall(const struct console *c);
/* "YYYY-MM-DDThh:mm:ssZ" of Unix time t into out (size >= 21); out. */
const char	*console_utc(int64_t t, char *out, size_t size);
struct store	*console_store(const struct console *c);
const char	*console_role_name(unsigned role);
int		 console_role_parse(const char *s, unsigned *role);

/* Audit one event: outcome "ok", "failed", "denied"; what has no secret. */
void		 console_audit(struct console *c, const char *outcome,
		    const char *what);

/* op_auth.c: the operators file. */
bool		 op_file_exists(const struct console *c);
bool		 op_name_valid(const char *name);
/* 0 and *role when name/pass match; 1 when not (always spends a KDF). */
int		 op_verify(const struct console *c, const char *name,
		    const char *pass, unsigned *role);
/* 0 added; 1 exists / invalid (message written); -errno on I/O. */
int		 op_add(struct console *c, const char *name, unsigned role,
		    const char *pass);
int		 op_list(struct console *c);
int		 op_delete(struct console *c, const char *name);
/* A new password for name: 0; 1 no such operator (message written);
   -errno on I/O.  The same KDF and a fresh salt. */
int		 op_set_password(struct console *c, const char *name,
		    const char *pass);

/* The password steps of hsm login and passwd (console.c calls them for
   the pending line).  0 done, 1 refused or failed (message written),
   -1 the next line is asked for (pending stays set). */
int		 cmd_hsm_pin_line(struct console *c, const char *pin);
int		 cmd_passwd_line(struct console *c, const char *pass);

/* op_auth.c: cb(cb_arg, name) for every operator, in file order. */
int		 op_names(const struct console *c, console_value_cb *cb,
		    void *cb_arg);

/* values.c: the values providers of the tables (console.h). */
console_values_fn values_users, values_bindings, values_operators,
		    values_certuris, values_config_keys, values_backups,
		    values_imports;

/* Session steps (console.c) used by the commands. */
void		 console_begin_login(struct console *c, const char *name);
void		 console_begin_opadd(struct console *c, const char *name,
		    unsigned role, bool bootstrap);

#endif /* CONSOLE_LOCAL_H */
