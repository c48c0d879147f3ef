/*
 * board.h - the board support package: the only view of the hardware.
 *
 * A board is one table of functions (struct board): the NIC that lwIP runs
 * on, the console UART, the front panel, clocks, the watchdog, the tamper
 * line and the storage paths.  board/host fills the table for a Linux PC;
 * a second board is a new folder under board/ and nothing else changes.
 *
 * board/ is the bottom layer.  Every other folder may include this header;
 * it includes nothing of ours.  It also carries the two runtime basics that
 * every layer needs: logging (log_*) and a bounded growable buffer (buf_*).
 *
 * Threads: board_init() runs once on the main thread before anything else.
 * The log and buf functions are thread safe (buf per object: one owner).
 */
#ifndef BOARD_H
#define BOARD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netif;			/* lwIP's; only net/ and board/ look inside */

/* Limits. */
#define BOARD_PATH_MAX		512	/* longest storage path */
#define BOARD_PANEL_COLS	20	/* characters per front-panel line */
#define BOARD_PANEL_LINES	4	/* lines on the front panel */

/*
 * Where the NIC puts the appliance on the wire.  Addresses are IPv4 in host
 * byte order.  On the host board the KMS port of the guest is forwarded from
 * 127.0.0.1:host_port; host_port 0 asks the board to pick a free port and
 * report it back through board_nic_conf.host_port.
 */
struct board_nic_conf {
	uint32_t	 nic_addr;	/* the appliance's address */
	uint32_t	 nic_mask;
	uint32_t	 nic_gw;
	uint16_t	 guest_port;	/* port the HTTP server listens on */
	uint16_t	 host_port;	/* in: wanted (0 = any); out: bound */
	const char	*host_addr;	/* host side of the forward, "127.0.0.1" */
	const char	*kind;		/* "slirp" (default) or "tap" */
	const char	*tap_name;	/* tap device when kind is "tap" */
};

struct board {
	const char	*name;

	/*
	 * Bring up the NIC as lwIP netif nif and start moving frames.  Called
	 * once, after lwIP's tcpip thread runs, without the core lock held;
	 * the board takes it where lwIP needs it.  Returns 0 or -errno.
	 */
	int		(*nic_start)(struct netif *nif, struct board_nic_conf *conf);
	/* Stop moving frames; the netif is removed by the caller. */
	void		(*nic_stop)(void);

	/*
	 * Console UART.  read: up to size bytes, waits at most timeout_ms
	 * (-1 = forever); returns the count, 0 on timeout, -errno on error,
	 * -EPIPE at end of input.  write: all of len bytes, 0 or -errno.
	 */
	int		(*console_read)(char *buf, size_t size, int timeout_ms);
	int		(*console_write)(const char *buf, size_t len);

	/* Front panel: show text on line (0-based); buttons are not wired yet. */
	int		(*panel_show)(unsigned line, const char *text);

	/* Wall-clock seconds since the Unix epoch; monotonic milliseconds. */
	int64_t		(*time_wall)(void);
	uint64_t	(*time_mono_ms)(void);

	/*
	 * Watchdog: after wdt_start, the board resets (on the host: ends the
	 * process) unless wdt_kick is called every timeout_ms.
	 */
	int		(*wdt_start)(unsigned timeout_ms);
	void		(*wdt_kick)(void);

	/* True once a tamper event was seen. */
	bool		(*tamper)(void);

	/* The data directory: persistent state lives below it (mode 0700). */
	const char	*(*data_dir)(void);
};

/* Settings the host board takes from the command line. */
struct board_conf {
	const char	*data_dir;	/* created 0700 if missing */
	bool		 log_stderr;	/* also log to stderr */
};

/*
 * Initialise the board: storage, console, clocks, logging to
 * <data_dir>/kmsd.log.  Returns 0 or -errno.  After this board_get() is
 * valid for the life of the process.
 */
int		 board_init(const struct board_conf *conf);
const struct board *board_get(void);

/*
 * Logging.  Messages are single lines, printf format; they never contain a
 * secret.  log_warn appends strerror(errno); log_warnx does not.  fatal
 * logs and ends the process (after wiping what the board can).
 */
enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void		 log_setlevel(enum log_level lvl);
void		 log_msg(enum log_level lvl, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		 log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
		    __attribute__((format(printf, 2, 0)));
void		 log_warn(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
_Noreturn void	 fatalx(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warnx(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/*
 * A bounded growable byte buffer (curl's dynbuf idea).  buf_add fails with
 * -E2BIG rather than grow past max; the content is always NUL terminated
 * so text can be used as a C string.  buf_free wipes before freeing.
 */
struct buf {
	char	*b_data;
	size_t	 b_len;
	size_t	 b_cap;
	size_t	 b_max;
};

void		 buf_init(struct buf *b, size_t max);
int		 buf_add(struct buf *b, const void *data, size_t len);
int		 buf_printf(struct buf *b, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		 buf_reset(struct buf *b);
void		 buf_free(struct buf *b);

#endif /* BOARD_H */
