/*
 * snapshot.c - a consistent copy of kms.db for backups, through SQLite's
 * online backup API (see store.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store_local.h"

/* see store.h */
int
store_snapshot(struct store *st, const char *path)
{
	struct store_conn	*cn = NULL;
	sqlite3			*dst = NULL;
	sqlite3_backup		*b = NULL;
	int			 fd, rc, status = STORE_ERR_GENERAL;
	bool			 made = false;

	if (st == NULL || path == NULL || path[0] == '\0')
		return STORE_ERR_ARGS;
	/* 0600 from the start; refuse to overwrite anything. */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0) {
		log_warn("%s: %s", __func__, path);
		return errno == EEXIST ? STORE_ERR_EXISTS : STORE_ERR_GENERAL;
	}
	close(fd);
	made = true;
	rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		status = store_status_of(rc);
		goto fail;
	}
	cn = store_conn_get(st);
	b = sqlite3_backup_init(dst, "main", cn->cn_db, "main");
	if (b == NULL) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(dst));
		goto fail;
	}
	/* One step over every page: one read snapshot of the source. */
	rc = sqlite3_backup_step(b, -1);
	if (rc != SQLITE_DONE) {
		status = store_status_of(rc);
		goto fail;
	}
	rc = sqlite3_backup_finish(b);
	b = NULL;
	if (rc != SQLITE_OK) {
		status = store_status_of(rc);
		goto fail;
	}
	/* A single file: fold the copy's WAL back in before closing. */
	rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL,
	    NULL);
	if (rc != SQLITE_OK) {
		status = store_status_of(rc);
		goto fail;
	}
	status = STORE_OK;
 fail:
	if (b != NULL)
		sqlite3_backup_finish(b);
	if (cn != NULL)
		store_conn_put(st, cn);
	if (dst != NULL && sqlite3_close(dst) != SQLITE_OK && status == 0)
		status = STORE_ERR_GENERAL;
	if (status != STORE_OK && made)
		(void)unlink(path);
	return status;
}

/* see store.h */
int
store_restore_write(const char *dir, const uint8_t *db, size_t len)
{
	char	 path[BOARD_PATH_MAX];
	size_t	 off = 0;
	ssize_t	 w;
	int	 fd, dfd, n, status = STORE_ERR_GENERAL;

	if (dir == NULL || db == NULL || len == 0)
		return STORE_ERR_ARGS;
	n = snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_NAME);
	if (n < 0 || (size_t)n >= sizeof(path))
		return STORE_ERR_ARGS;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0) {
		log_warn("%s: %s", __func__, path);
		return errno == EEXIST ? STORE_ERR_EXISTS : STORE_ERR_GENERAL;
	}
	while (off < len) {
		w = write(fd, db + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_warn("%s: %s", __func__, path);
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		log_warn("%s: %s", __func__, path);
		goto fail;
	}
	/* the new name is durable too */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	status = STORE_OK;
 fail:
	close(fd);
	if (status != STORE_OK)
		(void)unlink(path);
	return status;
}
