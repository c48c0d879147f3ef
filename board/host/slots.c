/*
 * slots.c - the host board's A/B firmware slots and boot-control record
 * (see board.h): <data>/slots/a, <data>/slots/b and <data>/slots/bootctl.
 *
 * The record is six "key=value" lines (active, next, previous, confirmed,
 * tries, failed), each once; slots are written "a", "b" or "-".  It is
 * replaced atomically (temporary file, fsync, rename, fsync of the
 * directory), so a power loss leaves either the old or the new record.
 * The boot stage passes the slot it started in the environment variable
 * KMS_BOOT_SLOT ("a" or "b"); a process without it was not booted from a
 * slot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board.h"
#include "host_local.h"

#define SLOTS_DIR		"slots"
#define SLOTS_BOOTCTL		"bootctl"
#define SLOTS_ENV		"KMS_BOOT_SLOT"
#define SLOTS_RECORD_MAX	256	/* bytes of a bootctl record */
#define SLOTS_TRIES_MAX		9	/* one digit in the record */

/* see board.h */
char
board_slot_name(int slot)
{
	return slot == BOARD_SLOT_A ? 'a' : slot == BOARD_SLOT_B ? 'b' : '-';
}

static int
slot_parse(const char *v, int *out)
{
	if (strcmp(v, "a") == 0)
		*out = BOARD_SLOT_A;
	else if (strcmp(v, "b") == 0)
		*out = BOARD_SLOT_B;
	else if (strcmp(v, "-") == 0)
		*out = BOARD_SLOT_NONE;
	else
		return -EINVAL;
	return 0;
}

static int
slots_path(const char *name, char *out, size_t size)
{
	int	 n;

	n = snprintf(out, size, "%s/%s%s%s", board_get()->data_dir(),
	    SLOTS_DIR, name != NULL ? "/" : "", name != NULL ? name : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* see board.h */
int
board_slot_dir(int slot, char *out, size_t size)
{
	char	 name[2] = { board_slot_name(slot), '\0' };
	char	 dir[BOARD_PATH_MAX + 32];
	int	 rc;

	if (slot != BOARD_SLOT_A && slot != BOARD_SLOT_B)
		return -EINVAL;
	if ((rc = slots_path(NULL, dir, sizeof(dir))) != 0)
		return rc;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	return slots_path(name, out, size);
}

/* see board.h */
int
board_bootctl_read(struct board_bootctl *out)
{
	char	 path[BOARD_PATH_MAX + 32], rec[SLOTS_RECORD_MAX + 1];
	char	*line, *save = NULL, *eq;
	unsigned seen = 0, bit;
	ssize_t	 n;
	int	 fd, rc;

	if ((rc = slots_path(SLOTS_BOOTCTL, path, sizeof(path))) != 0)
		return rc;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, rec, sizeof(rec));
	close(fd);
	if (n < 0)
		return -EIO;
	if ((size_t)n > SLOTS_RECORD_MAX)
		return -EINVAL;
	rec[n] = '\0';
	memset(out, 0, sizeof(*out));
	for (line = strtok_r(rec, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((eq = strchr(line, '=')) == NULL)
			return -EINVAL;
		*eq++ = '\0';
		rc = 0;
		if (strcmp(line, "active") == 0) {
			bit = 0x1;
			rc = slot_parse(eq, &out->bc_active);
		} else if (strcmp(line, "next") == 0) {
			bit = 0x2;
			rc = slot_parse(eq, &out->bc_next);
		} else if (strcmp(line, "previous") == 0) {
			bit = 0x4;
			rc = slot_parse(eq, &out->bc_previous);
		} else if (strcmp(line, "failed") == 0) {
			bit = 0x8;
			rc = slot_parse(eq, &out->bc_failed);
		} else if (strcmp(line, "confirmed") == 0) {
			bit = 0x10;
			if (strcmp(eq, "0") != 0 && strcmp(eq, "1") != 0)
				return -EINVAL;
			out->bc_confirmed = eq[0] == '1';
		} else if (strcmp(line, "tries") == 0) {
			bit = 0x20;
			if (eq[0] < '0' || eq[0] > '9' || eq[1] != '\0')
				return -EINVAL;
			out->bc_tries = (unsigned)(eq[0] - '0');
		} else
			return -EINVAL;
		if (rc != 0 || (seen & bit) != 0)
			return -EINVAL;
		seen |= bit;
	}
	if (seen != 0x3f || out->bc_active == BOARD_SLOT_NONE)
		return -EINVAL;
	return 0;
}

/* see board.h */
int
board_bootctl_write(const struct board_bootctl *bc)
{
	char	 dir[BOARD_PATH_MAX + 32], path[BOARD_PATH_MAX + 32];
	char	 tmp[BOARD_PATH_MAX + 40], rec[SLOTS_RECORD_MAX];
	int	 fd = -1, dfd = -1, n, rc;

	if ((bc->bc_active != BOARD_SLOT_A && bc->bc_active != BOARD_SLOT_B) ||
	    bc->bc_tries > SLOTS_TRIES_MAX)
		return -EINVAL;
	if ((rc = slots_path(NULL, dir, sizeof(dir))) != 0 ||
	    (rc = slots_path(SLOTS_BOOTCTL, path, sizeof(path))) != 0)
		return rc;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	n = snprintf(rec, sizeof(rec), "active=%c\nnext=%c\nprevious=%c\n"
	    "confirmed=%d\ntries=%u\nfailed=%c\n",
	    board_slot_name(bc->bc_active), board_slot_name(bc->bc_next),
	    board_slot_name(bc->bc_previous), bc->bc_confirmed ? 1 : 0,
	    bc->bc_tries, board_slot_name(bc->bc_failed));
	rc = -EIO;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0) {
		rc = -errno;
		goto fail;
	}
	if (write(fd, rec, (size_t)n) != n || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = -errno;
		goto fail;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
 fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

/* see board.h */
int
board_slot_running(void)
{
	const char	*v = getenv(SLOTS_ENV);
	int		 slot;

	if (v == NULL || slot_parse(v, &slot) != 0)
		return BOARD_SLOT_NONE;
	return slot;
}

/* see board.h */
int
board_slot_confirm(void)
{
	struct board_bootctl	 bc;
	int			 slot, rc;

	if ((slot = board_slot_running()) == BOARD_SLOT_NONE)
		return 0;
	if ((rc = board_bootctl_read(&bc)) != 0)
		return rc;
	if (bc.bc_active != slot) {
		log_warnx("boot: running slot %c is not the active slot %c",
		    board_slot_name(slot), board_slot_name(bc.bc_active));
		return -ESTALE;
	}
	if (bc.bc_confirmed)
		return 0;
	bc.bc_confirmed = true;
	bc.bc_previous = BOARD_SLOT_NONE;
	bc.bc_tries = 0;
	if ((rc = board_bootctl_write(&bc)) != 0)
		return rc;
	log_info("boot: slot %c confirmed (self-tests passed, serving)",
	    board_slot_name(slot));
	return 0;
}
