/*
 * log.c - one-line log records to the log file in the data directory and,
 * if asked, to stderr, and to one sink (net/'s syslog sender) if one is
 * set (see board.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "board_local.h"

#define LOG_LINE_MAX	1024

static pthread_mutex_t	 log_mtx = PTHREAD_MUTEX_INITIALIZER;
static enum log_level	 log_lvl = LOG_LVL_INFO;
static int		 log_fd = -1;
static bool		 log_to_stderr = true;
static const char *const log_names[] = { "err", "warn", "info", "debug" };
static pthread_rwlock_t	 log_sink_lock = PTHREAD_RWLOCK_INITIALIZER;
static log_sink_fn	*log_sink;
static void		*log_sink_arg;

/* see board.h */
void
log_set_sink(log_sink_fn *fn, void *arg)
{
	pthread_rwlock_wrlock(&log_sink_lock);
	log_sink = fn;
	log_sink_arg = arg;
	pthread_rwlock_unlock(&log_sink_lock);
}

/* see board_local.h */
void
log_open(int fd, bool to_stderr)
{
	pthread_mutex_lock(&log_mtx);
	log_fd = fd;
	log_to_stderr = to_stderr;
	pthread_mutex_unlock(&log_mtx);
}

/* see board.h */
void
log_setlevel(enum log_level lvl)
{
	log_lvl = lvl;
}

static void
log_write(enum log_level lvl, const char *msg)
{
	char		 line[LOG_LINE_MAX + 64];
	struct timespec	 ts;
	struct tm	 tm;
	int		 n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ kmsd %s: %s\n",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L, log_names[lvl], msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	pthread_mutex_lock(&log_mtx);
	if (log_fd >= 0 && write(log_fd, line, (size_t)n) < 0) {
		/* Nothing better to do: stderr below still gets it. */
	}
	if (log_to_stderr && write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* ignore */
	}
	pthread_mutex_unlock(&log_mtx);
	pthread_rwlock_rdlock(&log_sink_lock);
	if (log_sink != NULL)
		log_sink(lvl, (int64_t)ts.tv_sec, ts.tv_nsec, msg,
		    log_sink_arg);
	pthread_rwlock_unlock(&log_sink_lock);
}

/* see board.h */
void
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	char	 msg[LOG_LINE_MAX];
	size_t	 i;

	if (lvl > log_lvl)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One record per line: no control characters from callers' data. */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	log_write(lvl, msg);
}

/* see board.h */
void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

/* see board.h */
void
log_warn(const char *fmt, ...)
{
	char	 msg[LOG_LINE_MAX];
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(LOG_LVL_WARN, "%s: %s", msg, strerror(saved));
}

/* see board.h */
_Noreturn void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	_exit(70);
}
