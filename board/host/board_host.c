/*
 * board_host.c - the host board: the appliance as a Linux process (the
 * idea of Zephyr's native_sim).  Console on stdin/stdout, front panel as a
 * text file of its lines in the data directory, storage in the data
 * directory, watchdog as a thread that ends the process when not kicked,
 * tamper as a file named TAMPER appearing in the data directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "board_local.h"
#include "host_local.h"

#define HOST_LOG_FILE		"kmsd.log"
#define HOST_PANEL_FILE		"panel.txt"
#define HOST_TAMPER_FILE	"TAMPER"
#define HOST_WDT_MIN_MS		100

static char		 host_data_dir[BOARD_PATH_MAX];
static char		 panel_lines[BOARD_PANEL_LINES][BOARD_PANEL_COLS + 1];
static pthread_mutex_t	 panel_mtx = PTHREAD_MUTEX_INITIALIZER;
static _Atomic uint64_t	 wdt_last_ms;
static unsigned		 wdt_timeout_ms;
static bool		 wdt_running;

static uint64_t
host_time_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int64_t
host_time_wall(void)
{
	return (int64_t)time(NULL);
}

static int
host_console_read(char *buf, size_t size, int timeout_ms)
{
	struct pollfd	 pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	ssize_t		 n;
	int		 rc;

	rc = poll(&pfd, 1, timeout_ms);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return 0;
	n = read(STDIN_FILENO, buf, size);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	return (int)n;
}

static int
host_console_write(const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(STDOUT_FILENO, buf, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The panel's lines, rewritten whole to <data>/panel.txt on each change. */
static int
host_panel_show(unsigned line, const char *text)
{
	char	 path[BOARD_PATH_MAX + 32], tmp[BOARD_PATH_MAX + 40];
	FILE	*f;
	int	 i, rc = -EIO;

	if (line >= BOARD_PANEL_LINES)
		return -EINVAL;
	pthread_mutex_lock(&panel_mtx);
	snprintf(panel_lines[line], sizeof(panel_lines[line]), "%s", text);
	snprintf(path, sizeof(path), "%s/%s", host_data_dir, HOST_PANEL_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		goto fail;
	for (i = 0; i < BOARD_PANEL_LINES; i++)
		fprintf(f, "%s\n", panel_lines[i]);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		goto fail;
	rc = 0;
 fail:
	pthread_mutex_unlock(&panel_mtx);
	return rc;
}

static void *
wdt_thread(void *arg)
{
	for (;;) {
		usleep(wdt_timeout_ms * 1000 / 4);
		if (host_time_mono_ms() - atomic_load(&wdt_last_ms) >
		    wdt_timeout_ms)
			fatalx("watchdog: not kicked for %u ms, resetting",
			    wdt_timeout_ms);
	}
	return NULL;
}

static int
host_wdt_start(unsigned timeout_ms)
{
	pthread_t	 t;
	int		 rc;

	if (wdt_running)
		return -EALREADY;
	if (timeout_ms < HOST_WDT_MIN_MS)
		return -EINVAL;
	wdt_timeout_ms = timeout_ms;
	atomic_store(&wdt_last_ms, host_time_mono_ms());
	if ((rc = pthread_create(&t, NULL, wdt_thread, NULL)) != 0)
		return -rc;
	pthread_detach(t);
	wdt_running = true;
	return 0;
}

static void
host_wdt_kick(void)
{
	atomic_store(&wdt_last_ms, host_time_mono_ms());
}

static bool
host_tamper(void)
{
	char	 path[BOARD_PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", host_data_dir, HOST_TAMPER_FILE);
	return access(path, F_OK) == 0;
}

static const char *
host_data_dir_get(void)
{
	return host_data_dir;
}

/* slirp is the host board's NIC; a TAP NIC is not wired yet. */
static int
host_nic_start(struct netif *nif, struct board_nic_conf *conf)
{
	if (conf->kind != NULL && strcmp(conf->kind, "slirp") != 0) {
		log_err("nic: kind '%s' is not supported on this board "
		    "(slirp only)", conf->kind);
		return -ENOTSUP;
	}
	return nic_slirp_start(nif, conf);
}

static const struct board host_board = {
	.name = "host",
	.nic_start = host_nic_start,
	.nic_stop = nic_slirp_stop,
	.console_read = host_console_read,
	.console_write = host_console_write,
	.panel_show = host_panel_show,
	.time_wall = host_time_wall,
	.time_mono_ms = host_time_mono_ms,
	.wdt_start = host_wdt_start,
	.wdt_kick = host_wdt_kick,
	.tamper = host_tamper,
	.data_dir = host_data_dir_get,
};

/* see board.h */
const struct board *
board_get(void)
{
	return &host_board;
}

/* see board.h */
int
board_init(const struct board_conf *conf)
{
	char		 path[BOARD_PATH_MAX + 32];
	struct stat	 st;
	int		 fd;

	if (conf->data_dir == NULL ||
	    strlen(conf->data_dir) >= sizeof(host_data_dir))
		return -ENAMETOOLONG;
	snprintf(host_data_dir, sizeof(host_data_dir), "%s", conf->data_dir);
	if (mkdir(host_data_dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	if (stat(host_data_dir, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if ((st.st_mode & 077) != 0 && chmod(host_data_dir, 0700) != 0)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s", host_data_dir, HOST_LOG_FILE);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	log_open(fd, conf->log_stderr);
	return 0;
}
