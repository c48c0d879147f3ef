/*
 * board_host.c - the host board: the appliance as a Linux process (the
 * idea of Zephyr's native_sim).  Console on stdin/stdout, front panel as a
 * text file of its lines in the data directory and as a unix socket
 * (panel.sock: display lines out, button presses in; docs/console.md),
 * storage in the data directory, watchdog as a thread that ends the
 * process when not kicked, tamper as a file named TAMPER appearing in the
 * data directory, reset as kmsd executing itself again.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "board_local.h"
#include "host_local.h"

#define HOST_LOG_FILE		"kmsd.log"
#define HOST_PANEL_FILE		"panel.txt"
#define HOST_TAMPER_FILE	"TAMPER"
#define HOST_PANEL_SOCK		"panel.sock"
#define HOST_WDT_MIN_MS		100
#define HOST_SELF_EXE		"/proc/self/exe"

static char		 host_data_dir[BOARD_PATH_MAX];
static char		 panel_lines[BOARD_PANEL_LINES][BOARD_PANEL_COLS + 1];
static pthread_mutex_t	 panel_mtx = PTHREAD_MUTEX_INITIALIZER;
static _Atomic uint64_t	 wdt_last_ms;
static unsigned		 wdt_timeout_ms;
static bool		 wdt_running;
static _Atomic bool	 wdt_stopped;
static char *const	*host_argv;

/*
 * The panel socket: one client at a time (a new one replaces it).  The
 * listener and the client are read by the one panel_read thread; writes
 * (panel_show, any thread) go to the client under panel_mtx.
 */
static int		 panel_lfd = -1;
static int		 panel_cfd = -1;
static char		 panel_in[BOARD_PANEL_IN_MAX + 1];
static size_t		 panel_inlen;
static bool		 panel_skip;	/* discarding an over-long line */

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

/* Send "line N TEXT\n" to the panel client, if any (panel_mtx held). */
static void
panel_send_line(unsigned line)
{
	char	 out[BOARD_PANEL_COLS + 16];
	int	 n;

	if (panel_cfd < 0)
		return;
	n = snprintf(out, sizeof(out), "line %u %s\n", line,
	    panel_lines[line]);
	/* A stuck client loses lines rather than block the appliance. */
	if (n > 0)
		(void)send(panel_cfd, out, (size_t)n, MSG_NOSIGNAL |
		    MSG_DONTWAIT);
}

/*
 * The panel's lines, rewritten whole to <data>/panel.txt on each change
 * and sent to the panel socket's client.
 */
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
	panel_send_line(line);
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

/* Accept a panel client (replacing the old one) and show it everything. */
static void
panel_accept(void)
{
	unsigned	 i;
	int		 fd;

	if ((fd = accept4(panel_lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return;
	pthread_mutex_lock(&panel_mtx);
	if (panel_cfd >= 0)
		close(panel_cfd);
	panel_cfd = fd;
	explicit_bzero(panel_in, sizeof(panel_in));	/* the old client's */
	panel_inlen = 0;
	panel_skip = false;
	for (i = 0; i < BOARD_PANEL_LINES; i++)
		panel_send_line(i);
	pthread_mutex_unlock(&panel_mtx);
	log_info("panel: a panel attached");
}

static void
panel_drop(void)
{
	pthread_mutex_lock(&panel_mtx);
	if (panel_cfd >= 0)
		close(panel_cfd);
	panel_cfd = -1;
	pthread_mutex_unlock(&panel_mtx);
	/* wipe: a half-typed line goes with the client */
	explicit_bzero(panel_in, sizeof(panel_in));
	panel_inlen = 0;
	log_info("panel: the panel detached");
}

/*
 * The next complete, non-empty line buffered in panel_in into buf (NUL
 * terminated, without CR LF); its length, or 0 when there is none.  A
 * line that does not fit panel_in or buf is dropped whole.
 */
static int
panel_take_line(char *buf, size_t size)
{
	char	*nl;
	size_t	 n, old;
	bool	 ok;

	while ((nl = memchr(panel_in, '\n', panel_inlen)) != NULL) {
		n = (size_t)(nl - panel_in);
		ok = !panel_skip && n < size;
		if (ok) {
			memcpy(buf, panel_in, n);
			buf[n] = '\0';
			if (n > 0 && buf[n - 1] == '\r')
				buf[--n] = '\0';
		}
		panel_skip = false;
		old = panel_inlen;
		memmove(panel_in, nl + 1, panel_inlen - (size_t)(nl - panel_in)
		    - 1);
		panel_inlen -= (size_t)(nl - panel_in) + 1;
		/* wipe: a consumed line may be a password typed on the keypad */
		explicit_bzero(panel_in + panel_inlen, old - panel_inlen);
		if (ok && n > 0)
			return (int)n;
	}
	if (panel_inlen == sizeof(panel_in) - 1) {	/* over-long: drop */
		explicit_bzero(panel_in, sizeof(panel_in));
		panel_inlen = 0;
		panel_skip = true;
	}
	return 0;
}

static int
host_panel_read(char *buf, size_t size, int timeout_ms)
{
	struct pollfd	 pfd[2];
	uint64_t	 end = host_time_mono_ms() + (uint64_t)timeout_ms;
	uint64_t	 t;
	ssize_t		 n;
	int		 rc, cfd;

	if (size == 0)
		return -EINVAL;
	while ((t = host_time_mono_ms()) <= end) {
		if ((rc = panel_take_line(buf, size)) > 0)
			return rc;
		pthread_mutex_lock(&panel_mtx);
		cfd = panel_cfd;
		pthread_mutex_unlock(&panel_mtx);
		pfd[0] = (struct pollfd){ .fd = panel_lfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = cfd, .events = POLLIN };
		rc = poll(pfd, 2, (int)(end - t));
		if (rc < 0 && errno != EINTR)
			return -errno;
		if (rc <= 0)
			continue;
		if (pfd[0].revents & POLLIN)
			panel_accept();
		if (cfd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP))) {
			n = read(cfd, panel_in + panel_inlen,
			    sizeof(panel_in) - 1 - panel_inlen);
			if (n <= 0) {
				panel_drop();
				continue;
			}
			panel_inlen += (size_t)n;
		}
	}
	return 0;
}

/* The panel socket <data>/panel.sock, mode 0600; none if it cannot be. */
static void
panel_listen(void)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s",
	    host_data_dir, HOST_PANEL_SOCK) >= sizeof(sun.sun_path)) {
		log_warnx("panel: %s/%s: path too long for a socket; no "
		    "panel", host_data_dir, HOST_PANEL_SOCK);
		return;
	}
	(void)unlink(sun.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		log_warn("panel: socket");
		return;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    chmod(sun.sun_path, 0600) != 0 || listen(fd, 1) != 0) {
		log_warn("panel: %s", sun.sun_path);
		close(fd);
		return;
	}
	panel_lfd = fd;
}

static void *
wdt_thread(void *arg)
{
	for (;;) {
		usleep(wdt_timeout_ms * 1000 / 4);
		if (atomic_load(&wdt_stopped))
			break;
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

static void
host_wdt_stop(void)
{
	atomic_store(&wdt_stopped, true);
}

/* Reset: the same program with the same arguments, in this process. */
static void
host_reset(void)
{
	if (host_argv == NULL || host_argv[0] == NULL)
		fatalx("reset: no command line to restart with");
	log_info("reset: restarting %s", host_argv[0]);
	if (panel_lfd >= 0)
		close(panel_lfd);
	execv(HOST_SELF_EXE, host_argv);
	/* /proc may be missing or closed to us: the program by its name */
	log_warn("reset: %s", HOST_SELF_EXE);
	execvp(host_argv[0], host_argv);
	fatalx("reset: %s: %s", host_argv[0], strerror(errno));
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

/* see board.h: a kernel TCP connection to 127.0.0.1:host_port. */
static int
host_nic_probe_dial(uint16_t host_port, unsigned timeout_ms)
{
	struct sockaddr_in	 sin;
	struct pollfd		 pfd;
	socklen_t		 elen = sizeof(int);
	int			 fd, err = 0, rc;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(host_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		return fd;
	rc = -errno;
	if (rc != -EINPROGRESS)
		goto fail;
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	rc = -ETIMEDOUT;
	if (poll(&pfd, 1, (int)timeout_ms) != 1)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
		err = errno;
	if (err == 0)
		return fd;
	rc = -err;
 fail:
	close(fd);
	return rc;
}

static const struct board host_board = {
	.name = "host",
	.nic_start = host_nic_start,
	.nic_stop = nic_slirp_stop,
	.nic_probe_dial = host_nic_probe_dial,
	.console_read = host_console_read,
	.console_write = host_console_write,
	.panel_show = host_panel_show,
	.panel_read = host_panel_read,
	.time_wall = host_time_wall,
	.time_mono_ms = host_time_mono_ms,
	.wdt_start = host_wdt_start,
	.wdt_kick = host_wdt_kick,
	.wdt_stop = host_wdt_stop,
	.reset = host_reset,
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
	host_argv = conf->argv;
	panel_listen();
	return 0;
}
