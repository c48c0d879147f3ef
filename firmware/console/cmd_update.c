/*
 * cmd_update.c - the console's firmware commands: "update PATH confirm"
 * installs a signed firmware image into the inactive A/B slot, "firmware
 * show" lists the slots (docs/operator-guide.md "Update").
 *
 * Rules: the image must verify (firmware/image: the release key's
 * signature over the manifest, every file's SHA-256); its version must be
 * strictly newer than the running slot's (a downgrade and a reinstall of
 * the same version are refused: there is no force); kmsd must run from a
 * confirmed slot started by the boot stage.  The new slot is marked to be
 * tried at the next boot; the boot stage falls back to the running slot
 * if it fails its self-tests.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "image.h"

#include "console.h"
#include "console_local.h"

#define UPDATE_AUDIT_MAX	160	/* an audit text (cut to fit) */

static console_handler	 cmd_firmware_show;

const struct console_cmd cmd_firmware_sub[] = {
	{ .name = "show", .help = "the running slot, both slots' versions, "
	  "the next boot", .usage = "firmware show", .min_args = 0,
	  .max_args = 0, .roles = R_ANY, .handler = cmd_firmware_show },
	{ .name = NULL }
};

/* The version installed in slot, verified, or a word saying why not. */
static void
slot_line(struct console *c, int slot)
{
	char	 dir[BOARD_PATH_MAX + 32], v[IMAGE_VERSION_MAX + 1];
	char	 err[IMAGE_ERR_MAX];

	if (board_slot_dir(slot, dir, sizeof(dir)) != 0)
		return;
	if (image_verify_dir(dir, v, err, sizeof(err)) == IMAGE_OK)
		console_printf(c, "slot %c:   %s (verified)\n",
		    board_slot_name(slot), v);
	else
		console_printf(c, "slot %c:   does not verify (%s)\n",
		    board_slot_name(slot), err);
}

static int
cmd_firmware_show(struct console *c, int argc, char **argv)
{
	struct board_bootctl	 bc;
	int			 rc, run = board_slot_running();

	(void)argc;
	(void)argv;
	if (image_key_is_test())
		console_printf(c, "release key: TEST key (development build: "
		    "images signed by anyone holding the build's test key "
		    "install)\n");
	if ((rc = board_bootctl_read(&bc)) != 0) {
		console_printf(c, "firmware: no A/B slots (%s): kmsd runs "
		    "outside the boot stage\n", rc == -ENOENT ?
		    "never flashed" : strerror(-rc));
		return 0;
	}
	console_printf(c, "running:  slot %c\n", board_slot_name(run));
	slot_line(c, BOARD_SLOT_A);
	slot_line(c, BOARD_SLOT_B);
	console_printf(c, "active:   slot %c%s\n", board_slot_name(
	    bc.bc_active), bc.bc_confirmed ? "" : " (trial)");
	if (bc.bc_next != BOARD_SLOT_NONE)
		console_printf(c, "next boot: slot %c (trial, falls back to "
		    "slot %c)\n", board_slot_name(bc.bc_next),
		    board_slot_name(bc.bc_active));
	if (bc.bc_failed != BOARD_SLOT_NONE)
		console_printf(c, "failed:   slot %c (its last trial)\n",
		    board_slot_name(bc.bc_failed));
	return 0;
}

/* Refuse with a message, an audit record and a log line. */
static int
refuse(struct console *c, const char *msg)
{
	char	 what[UPDATE_AUDIT_MAX];

	console_printf(c, "update: %s\n", msg);
	snprintf(what, sizeof(what), "update refused: %.*s",
	    (int)(sizeof(what) - sizeof("update refused: ")), msg);
	console_audit(c, "failed", what);
	log_warnx("update: %s", msg);
	return 1;
}

/* cmd_update with update_mtx held. */
static int
update_locked(struct console *c, int argc, char **argv)
{
	struct board_bootctl	 bc;
	struct image		*img = NULL;
	char			 dir[BOARD_PATH_MAX + 32];
	char			 msg[IMAGE_ERR_MAX + 128];
	char			 err[IMAGE_ERR_MAX], cur[IMAGE_VERSION_MAX + 1];
	int			 run, target, cmp, rc, status = 1;

	err[0] = '\0';
	if (argc != 3 || strcmp(argv[2], "confirm") != 0) {
		console_printf(c, "update: type the word confirm as the last "
		    "argument\n");
		return 1;
	}
	if ((run = board_slot_running()) == BOARD_SLOT_NONE)
		return refuse(c, "kmsd was not started by the boot stage "
		    "(kms-boot): there are no A/B slots");
	if ((rc = board_bootctl_read(&bc)) != 0) {
		snprintf(msg, sizeof(msg), "the boot-control record cannot be "
		    "read (%s)", strerror(-rc));
		return refuse(c, msg);
	}
	if (bc.bc_active != run || !bc.bc_confirmed)
		return refuse(c, "the running slot is not the confirmed active "
		    "slot; restart first");
	if (board_slot_dir(run, dir, sizeof(dir)) != 0 ||
	    image_verify_dir(dir, cur, err, sizeof(err)) != IMAGE_OK) {
		snprintf(msg, sizeof(msg), "the running slot does not verify "
		    "(%s)", err);
		return refuse(c, msg);
	}
	if (image_open(argv[1], &img, err, sizeof(err)) != IMAGE_OK) {
		snprintf(msg, sizeof(msg), "%.100s refused: %s", argv[1], err);
		return refuse(c, msg);
	}
	if (image_version_cmp(image_version(img), cur, &cmp) != IMAGE_OK ||
	    cmp <= 0) {
		snprintf(msg, sizeof(msg), "version %s is not newer than the "
		    "running version %s: refused (no downgrade, no reinstall)",
		    image_version(img), cur);
		status = refuse(c, msg);
		goto fail;
	}
	target = run == BOARD_SLOT_A ? BOARD_SLOT_B : BOARD_SLOT_A;
	console_printf(c, "update: version %s verified; installing into "
	    "slot %c\n", image_version(img), board_slot_name(target));
	if (board_slot_dir(target, dir, sizeof(dir)) != 0 ||
	    image_install(img, dir, err, sizeof(err)) != IMAGE_OK) {
		snprintf(msg, sizeof(msg), "install failed: %s", err);
		status = refuse(c, msg);
		goto fail;
	}
	bc.bc_next = target;
	if ((rc = board_bootctl_write(&bc)) != 0) {
		snprintf(msg, sizeof(msg), "the boot-control record cannot be "
		    "written (%s)", strerror(-rc));
		status = refuse(c, msg);
		goto fail;
	}
	console_printf(c, "update: version %s installed in slot %c; it boots "
	    "at the next restart and falls back to slot %c if it fails its "
	    "self-tests\n", image_version(img), board_slot_name(target),
	    board_slot_name(run));
	snprintf(msg, sizeof(msg), "update %s -> %s slot %c", cur,
	    image_version(img), board_slot_name(target));
	console_audit(c, "ok", msg);
	log_info("update: version %s installed in slot %c (running %s in "
	    "slot %c)", image_version(img), board_slot_name(target), cur,
	    board_slot_name(run));
	status = 0;
 fail:
	image_free(img);
	return status;
}

/*
 * see console_local.h.  One update at a time: the serial console and the
 * front panel are two sessions on the same slots.
 */
int
cmd_update(struct console *c, int argc, char **argv)
{
	static pthread_mutex_t	 update_mtx = PTHREAD_MUTEX_INITIALIZER;
	int			 status;

	if (pthread_mutex_trylock(&update_mtx) != 0)
		return refuse(c, "another update is in progress");
	status = update_locked(c, argc, argv);
	pthread_mutex_unlock(&update_mtx);
	return status;
}
