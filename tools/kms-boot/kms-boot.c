/*
 * kms-boot - the boot stage of the KMS appliance on the host board: what
 * the bootloader does on the hardware.
 *
 * usage: kms-boot -d DATA --flash IMAGE
 *            factory programming: verify IMAGE (signature, hashes) and
 *            install it into slot a of a data directory never flashed
 *        kms-boot -d DATA [-- KMSD-ARGS...]
 *            boot: pick the slot from the boot-control record, verify the
 *            slot (signature of its manifest, every file's SHA-256), and
 *            run its bin/kmsd -d DATA KMSD-ARGS with KMS_BOOT_SLOT set
 *
 * A/B rules (board.h "Firmware slots"): a slot marked next (the console's
 * update) becomes active on trial, with previous the slot it replaces
 * and BOARD_SLOT_TRIES boots.  kmsd confirms the slot once its self-tests
 * passed and it serves.  kmsd ending with BOARD_EXIT_RESET (restarted in
 * place while an update waits) asks for a new boot.  When a trial kmsd
 * ends otherwise before confirming (a
 * failed self-test, a crash), or a trial slot has no tries left at boot
 * (power lost during the trial), or the trial slot does not verify, the
 * boot stage falls back to previous and boots it.  A stop signal (TERM,
 * INT, HUP) is passed to kmsd, and kms-boot ends with kmsd's status.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "board.h"
#include "image.h"

#define BOOT_ARGS_MAX	32	/* kmsd arguments passed through */
#define BOOT_FAILS_MAX	4	/* failed trial boots in one run */

static volatile sig_atomic_t	 child_pid;
static volatile sig_atomic_t	 stop_sig;

static void
usage(void)
{
	fprintf(stderr, "usage: kms-boot -d DATA --flash IMAGE\n"
	    "       kms-boot -d DATA [-- KMSD-ARGS...]\n");
	exit(2);
}

static void
on_signal(int sig)
{
	stop_sig = sig;
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

static int
flash(const char *path)
{
	struct board_bootctl	 bc;
	struct image		*img;
	char			 err[IMAGE_ERR_MAX], dir[BOARD_PATH_MAX + 32];
	enum image_status	 st;

	if (board_bootctl_read(&bc) != -ENOENT) {
		log_err("kms-boot: already flashed (slots/bootctl exists); "
		    "update through the console");
		return 1;
	}
	if ((st = image_open(path, &img, err, sizeof(err))) != IMAGE_OK) {
		log_err("kms-boot: %s refused: %s", path, err);
		return 1;
	}
	if (board_slot_dir(BOARD_SLOT_A, dir, sizeof(dir)) != 0 ||
	    image_install(img, dir, err, sizeof(err)) != IMAGE_OK) {
		log_err("kms-boot: flash: %s", err);
		image_free(img);
		return 1;
	}
	bc = (struct board_bootctl){ .bc_active = BOARD_SLOT_A,
	    .bc_next = BOARD_SLOT_NONE, .bc_previous = BOARD_SLOT_NONE,
	    .bc_confirmed = true, .bc_failed = BOARD_SLOT_NONE };
	if (board_bootctl_write(&bc) != 0) {
		log_err("kms-boot: cannot write the boot-control record");
		image_free(img);
		return 1;
	}
	log_info("kms-boot: flashed version %s into slot a",
	    image_version(img));
	image_free(img);
	return 0;
}

/* The trial slot failed: boot previous instead.  0, or -1: none left. */
static int
fall_back(struct board_bootctl *bc, const char *why)
{
	int	 failed = bc->bc_active;

	if (bc->bc_previous == BOARD_SLOT_NONE) {
		log_err("kms-boot: slot %c %s and there is no slot to fall "
		    "back to", board_slot_name(failed), why);
		return -1;
	}
	bc->bc_failed = failed;
	bc->bc_active = bc->bc_previous;
	bc->bc_previous = BOARD_SLOT_NONE;
	bc->bc_next = BOARD_SLOT_NONE;
	bc->bc_confirmed = true;
	bc->bc_tries = 0;
	if (board_bootctl_write(bc) != 0) {
		log_err("kms-boot: cannot write the boot-control record");
		return -1;
	}
	log_err("kms-boot: slot %c %s: falling back to slot %c",
	    board_slot_name(failed), why, board_slot_name(bc->bc_active));
	return 0;
}

/*
 * Choose the slot to boot and update the record.  Returns 0 with *slot
 * and *trial, or -1 (nothing bootable; logged).
 */
static int
choose(int *slot, bool *trial, char *version)
{
	struct board_bootctl	 bc;
	char			 dir[BOARD_PATH_MAX + 32], err[IMAGE_ERR_MAX];
	int			 rc;

	if ((rc = board_bootctl_read(&bc)) != 0) {
		log_err("kms-boot: no boot-control record (%s): flash an "
		    "image first (kms-boot --flash)", strerror(-rc));
		return -1;
	}
	if (bc.bc_next != BOARD_SLOT_NONE && bc.bc_next != bc.bc_active) {
		bc.bc_previous = bc.bc_active;
		bc.bc_active = bc.bc_next;
		bc.bc_confirmed = false;
		bc.bc_tries = BOARD_SLOT_TRIES;
		log_info("kms-boot: trying slot %c (update), slot %c stays "
		    "as the fallback", board_slot_name(bc.bc_active),
		    board_slot_name(bc.bc_previous));
	}
	bc.bc_next = BOARD_SLOT_NONE;
	if (!bc.bc_confirmed && bc.bc_tries == 0 &&
	    fall_back(&bc, "did not confirm in its tries") != 0)
		return -1;
	for (;;) {
		if (board_slot_dir(bc.bc_active, dir, sizeof(dir)) != 0)
			return -1;
		if (image_verify_dir(dir, version, err, sizeof(err)) ==
		    IMAGE_OK)
			break;
		log_err("kms-boot: slot %c does not verify: %s",
		    board_slot_name(bc.bc_active), err);
		if (fall_back(&bc, "does not verify") != 0)
			return -1;
	}
	if (!bc.bc_confirmed)
		bc.bc_tries--;
	if (board_bootctl_write(&bc) != 0) {
		log_err("kms-boot: cannot write the boot-control record");
		return -1;
	}
	*slot = bc.bc_active;
	*trial = !bc.bc_confirmed;
	return 0;
}

/* Run the slot's kmsd and wait; returns its wait status. */
static int
run(int slot, int argc, char **argv, const char *data)
{
	char	 dir[BOARD_PATH_MAX + 32], path[BOARD_PATH_MAX + 48];
	char	*av[BOOT_ARGS_MAX + 4], name[2] = { board_slot_name(slot) };
	pid_t	 pid;
	int	 i, status;

	board_slot_dir(slot, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/bin/kmsd", dir);
	av[0] = path;
	av[1] = "-d";
	av[2] = (char *)data;
	for (i = 0; i < argc; i++)
		av[3 + i] = argv[i];
	av[3 + argc] = NULL;
	if ((pid = fork()) < 0) {
		log_warn("kms-boot: fork");
		return -1;
	}
	if (pid == 0) {
		setenv("KMS_BOOT_SLOT", name, 1);
		execv(path, av);
		_exit(127);
	}
	child_pid = pid;
	/* A stop that came between fork and here was not passed on. */
	if (stop_sig != 0)
		kill(pid, (int)stop_sig);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	child_pid = 0;
	return status;
}

int
main(int argc, char *argv[])
{
	static const struct option	 opts[] = {
		{ "flash", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct board_conf		 bc = { .log_stderr = true };
	struct board_bootctl		 rec;
	struct sigaction		 sa;
	const char			*image = NULL;
	char				 version[IMAGE_VERSION_MAX + 1];
	bool				 trial;
	int				 ch, rc, slot, status = 0, fails = 0;

	while ((ch = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			bc.data_dir = optarg;
			break;
		case 'f':
			image = optarg;
			break;
		default:
			usage();
		}
	}
	if (bc.data_dir == NULL || argc - optind > BOOT_ARGS_MAX ||
	    (image != NULL && optind != argc))
		usage();
	if ((rc = board_init(&bc)) != 0) {
		fprintf(stderr, "kms-boot: %s: %s\n", bc.data_dir,
		    strerror(-rc));
		return 1;
	}
	if (image != NULL)
		return flash(image);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	while (stop_sig == 0) {
		if (choose(&slot, &trial, version) != 0)
			return 1;
		log_info("kms-boot: booting slot %c, version %s%s",
		    board_slot_name(slot), version, trial ? " (trial)" : "");
		if ((status = run(slot, argc - optind, argv + optind,
		    bc.data_dir)) < 0)
			return 1;
		if (stop_sig != 0)
			break;
		if (WIFEXITED(status) &&
		    WEXITSTATUS(status) == BOARD_EXIT_RESET) {
			log_info("kms-boot: slot %c asked for a new boot",
			    board_slot_name(slot));
			continue;
		}
		if (!trial)
			break;
		if (board_bootctl_read(&rec) == 0 && rec.bc_active == slot &&
		    rec.bc_confirmed)
			break;		/* confirmed, then stopped */
		if (WIFEXITED(status))
			log_err("kms-boot: slot %c exited %d before it "
			    "confirmed", board_slot_name(slot),
			    WEXITSTATUS(status));
		else
			log_err("kms-boot: slot %c ended by signal %d before "
			    "it confirmed", board_slot_name(slot),
			    WTERMSIG(status));
		if (board_bootctl_read(&rec) != 0 ||
		    fall_back(&rec, "failed its trial boot") != 0)
			return 1;
		if (++fails == BOOT_FAILS_MAX) {
			log_err("kms-boot: %d trial boots failed",
			    BOOT_FAILS_MAX);
			return 1;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
