/*
 * values.c - the values providers the command tables name for their
 * arguments (console.h console_values_fn): what the front panel offers
 * as a pick list.  Each one reads the same source the command acts on:
 * the store's users and bindings, the operators file, the certificate
 * cache, the configuration's keys.  None of them lists a secret.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "board.h"
#include "conf.h"
#include "store.h"

#include "console.h"
#include "console_local.h"

#define VALUES_USER_CHUNK	64	/* users per store_user_list */
#define VALUES_KEY_MAX		64	/* "section.name" of a config key */
#define VALUES_FILES_MAX	64	/* file names listed, sorted */
#define VALUES_FILE_NAME_MAX	64	/* longer names are not listed */
/* The directories the commands read (cmd_backup.c BACKUP_DIR and
   BACKUP_SUFFIX, cmd_cert.c CERT_IMPORT_DIR). */

/* The store status as -errno (the panel only needs "failed"). */
static int
store_errno(int rc)
{
	return rc == STORE_OK ? 0 : rc == STORE_ERR_MEMORY ? -ENOMEM : -EIO;
}

/* see console_local.h: every user's URI, in id order */
int
values_users(struct console *c, int argc, char **argv, console_value_cb *cb,
    void *cb_arg)
{
	struct store_user	*u;
	int64_t			 after = 0;
	size_t			 n, i;
	int			 rc = STORE_ERR_GENERAL;

	(void)argc;
	(void)argv;
	if ((u = calloc(VALUES_USER_CHUNK, sizeof(*u))) == NULL)
		return -ENOMEM;
	do {
		rc = store_user_list(console_store(c), after, u,
		    VALUES_USER_CHUNK, &n);
		if (rc != STORE_OK)
			break;
		for (i = 0; i < n; i++) {
			if (cb(cb_arg, u[i].su_uri) != 0)
				goto done;
			after = u[i].su_id;
		}
	} while (n == VALUES_USER_CHUNK);
done:
	free(u);
	return store_errno(rc);
}

/* see console_local.h: the identities bound to the user in argv[1] */
int
values_bindings(struct console *c, int argc, char **argv,
    console_value_cb *cb, void *cb_arg)
{
	struct store_identity	*ids;
	size_t			 n = 0, i;
	int			 rc = STORE_ERR_GENERAL;

	if (argc < 2)
		return -EINVAL;
	if ((ids = calloc(STORE_BINDINGS_MAX, sizeof(*ids))) == NULL)
		return -ENOMEM;
	rc = store_bindings(console_store(c), argv[1], ids,
	    STORE_BINDINGS_MAX, &n);
	if (rc == STORE_OK)
		for (i = 0; i < n; i++)
			if (cb(cb_arg, ids[i].si_uri) != 0)
				break;
	free(ids);
	return store_errno(rc);
}

/* see console_local.h: the console operators' names */
int
values_operators(struct console *c, int argc, char **argv,
    console_value_cb *cb, void *cb_arg)
{
	(void)argc;
	(void)argv;
	return op_names(c, cb, cb_arg);
}

struct cert_walk {
	console_value_cb	*cb;
	void			*cb_arg;
};

static int
cert_one(void *arg, const struct store_cert *cert)
{
	struct cert_walk	*w = arg;

	return w->cb(w->cb_arg, cert->sc_cert_uri) != 0 ? 1 : 0;
}

/* see console_local.h: the CertUris of the external certificates */
int
values_certuris(struct console *c, int argc, char **argv,
    console_value_cb *cb, void *cb_arg)
{
	struct cert_walk	 w = { cb, cb_arg };
	uint64_t		 version;
	int			 rc;

	(void)argc;
	(void)argv;
	rc = store_cert_foreach(console_store(c), &version, cert_one, &w);
	return rc == 1 ? 0 : store_errno(rc);
}

/* see console_local.h: the keys config set may change */
int
values_config_keys(struct console *c, int argc, char **argv,
    console_value_cb *cb, void *cb_arg)
{
	char	 key[VALUES_KEY_MAX];
	size_t	 i;
	bool	 list;

	(void)c;
	(void)argc;
	(void)argv;
	for (i = 0; conf_key_name(i, key, sizeof(key), &list) == 0; i++)
		if (!list && cb(cb_arg, key) != 0)
			break;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * The regular files of <data>/<sub> whose name ends in suffix ("" for
 * any), not hidden, at most VALUES_FILE_NAME_MAX bytes, sorted; the
 * first VALUES_FILES_MAX.  A missing directory lists nothing.
 */
static int
dir_files(const struct console *c, const char *sub, const char *suffix,
    console_value_cb *cb, void *cb_arg)
{
	char		 dir[BOARD_PATH_MAX + 16], path[sizeof(dir) + 256];
	char		(*names)[VALUES_FILE_NAME_MAX + 1] = NULL;
	struct dirent	*e;
	struct stat	 sb;
	size_t		 n = 0, i, len, sl = strlen(suffix);
	DIR		*d = NULL;
	int		 rc = 0;

	len = (size_t)snprintf(dir, sizeof(dir), "%s/%s", c->conf.data_dir,
	    sub);
	if (len >= sizeof(dir))		/* (size_t)-1 too */
		return -ENAMETOOLONG;
	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : -errno;
	if ((names = calloc(VALUES_FILES_MAX, sizeof(*names))) == NULL) {
		rc = -ENOMEM;
		goto done;
	}
	while (n < VALUES_FILES_MAX && (e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len > VALUES_FILE_NAME_MAX ||
		    len <= sl || strcmp(e->d_name + len - sl, suffix) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
	}
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++)
		if (cb(cb_arg, names[i]) != 0)
			break;
done:
	free(names);
	closedir(d);
	return rc;
}

/* see console_local.h: the backup files (backup verify, restore) */
int
values_backups(struct console *c, int argc, char **argv,
    console_value_cb *cb, void *cb_arg)
{
	(void)argc;
	(void)argv;
	return dir_files(c, CONSOLE_BACKUP_DIR, CONSOLE_BACKUP_SUFFIX, cb,
	    cb_arg);
}

/* see console_local.h: the files to import (certcache add) */
int
values_imports(struct console *c, int argc, char **argv,
    console_value_cb *cb, void *cb_arg)
{
	(void)argc;
	(void)argv;
	return dir_files(c, CONSOLE_IMPORT_DIR, "", cb, cb_arg);
}
