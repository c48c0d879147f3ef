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
#define BOARD_PANEL_IN_MAX	256	/* bytes of one panel input line */
#define BOARD_NIC_FWD_MAX	4	/* more TCP host forwards (admin) */
#define BOARD_NIC_UDP_MAX	4	/* UDP ports delivered to the host */
#define BOARD_NIC_OUT_MAX	4	/* outside TCP endpoints (outbound) */
#define BOARD_NIC_OUT_HOST_MAX	253	/* a DNS name or address literal */

/*
 * Where the NIC puts the appliance on the wire.  Addresses are IPv4 in host
 * byte order.  On the host board the KMS port of the guest is forwarded from
 * 127.0.0.1:host_port; host_port 0 asks the board to pick a free port and
 * report it back through board_nic_conf.host_port.
 */
struct board_nic_fwd {
	uint16_t	 guest_port;
	uint16_t	 host_port;	/* in: wanted (0 = any); out: bound */
};

struct board_nic_conf {
	uint32_t	 nic_addr;	/* the appliance's address */
	uint32_t	 nic_mask;
	uint32_t	 nic_gw;
	uint16_t	 guest_port;	/* port the HTTP server listens on */
	uint16_t	 host_port;	/* in: wanted (0 = any); out: bound */
	const char	*host_addr;	/* host side of the forward, "127.0.0.1" */
	const char	*kind;		/* "slirp" (default) or "tap" */
	const char	*tap_name;	/* tap device when kind is "tap" */
	/* More TCP forwards from host_addr, each like the one above. */
	struct board_nic_fwd fwd[BOARD_NIC_FWD_MAX];
	unsigned	 fwd_count;
	/*
	 * UDP the appliance sends to the gateway address on these ports is
	 * delivered to host_addr on the same port (on the host board: the
	 * way slirp maps its gateway to the host, e.g. syslog to a collector
	 * on the host).  Every other outbound datagram is dropped.
	 */
	uint16_t	 udp_gw_port[BOARD_NIC_UDP_MAX];
	unsigned	 udp_gw_count;
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
	 * A connection to this appliance's own host_port the way a client
	 * reaches it (for the health loop's request-path probe): a connected
	 * non-blocking descriptor within timeout_ms, or -errno.  The caller
	 * reads, writes and closes it.  On the host board: 127.0.0.1 through
	 * slirp's host forward.
	 */
	int		(*nic_probe_dial)(uint16_t host_port, unsigned timeout_ms);

	/*
	 * Console UART.  read: up to size bytes, waits at most timeout_ms
	 * (-1 = forever); returns the count, 0 on timeout, -errno on error,
	 * -EPIPE at end of input.  write: all of len bytes, 0 or -errno.
	 */
	int		(*console_read)(char *buf, size_t size, int timeout_ms);
	int		(*console_write)(const char *buf, size_t len);

	/*
	 * Front panel: show text on line (0-based, cut to BOARD_PANEL_COLS).
	 * panel_read: the next input line of the panel without its newline,
	 * NUL terminated in buf: a button ("up", "down", "ok", "back") or
	 * "enter TEXT" from the keypad; waits at most timeout_ms.  Returns
	 * the length, 0 on timeout (also while no panel is attached),
	 * -errno on error.  One reader thread.
	 */
	int		(*panel_show)(unsigned line, const char *text);
	int		(*panel_read)(char *buf, size_t size, int timeout_ms);

	/* Wall-clock seconds since the Unix epoch; monotonic milliseconds. */
	int64_t		(*time_wall)(void);
	uint64_t	(*time_mono_ms)(void);

	/*
	 * Watchdog: after wdt_start, the board resets (on the host: ends the
	 * process) unless wdt_kick is called every timeout_ms.
	 */
	int		(*wdt_start)(unsigned timeout_ms);
	void		(*wdt_kick)(void);
	/* Disarm for an orderly shutdown (the host board only). */
	void		(*wdt_stop)(void);

	/*
	 * Restart the appliance after an orderly shutdown; does not return
	 * (on the host: kmsd executes itself again with the same arguments,
	 * same process id; the process ends with 70 if that fails).
	 */
	void		(*reset)(void);

	/* True once a tamper event was seen. */
	bool		(*tamper)(void);

	/* The data directory: persistent state lives below it (mode 0700). */
	const char	*(*data_dir)(void);
};

/* Settings the host board takes from the command line. */
struct board_conf {
	const char	*data_dir;	/* created 0700 if missing */
	bool		 log_stderr;	/* also log to stderr */
	char *const	*argv;		/* for reset: the command line */
};

/*
 * Initialise the board: storage, console, clocks, logging to
 * <data_dir>/kmsd.log.  Returns 0 or -errno.  After this board_get() is
 * valid for the life of the process.
 */
int		 board_init(const struct board_conf *conf);
const struct board *board_get(void);

/*
 * Outbound TCP from the appliance's stack to the outside endpoint
 * host:port (a name or an address literal, at most
 * BOARD_NIC_OUT_HOST_MAX bytes): *addr (IPv4, host order) and
 * *guest_port are where lwIP connects to reach it.  A board whose NIC
 * routes answers -ENOTSUP and the caller connects to host:port itself.
 * The host board's slirp NIC is restricted (no routing): it maps each
 * endpoint to a virtual address of the NIC's network (.100 up) whose
 * connections slirp hands, through a unix socket <data>/nic-out-N.sock,
 * to a relay in the board that opens the TCP connection to host:port
 * (resolved on each call, on the caller's thread).  At most
 * BOARD_NIC_OUT_MAX endpoints; the same endpoint keeps its address.
 * Any thread, after nic_start.  Returns 0, -EINVAL, -EHOSTUNREACH (the
 * name does not resolve), -ENOSPC (table full), -ENETDOWN, -errno.
 */
int		 board_nic_outbound(const char *host, uint16_t port,
		    uint32_t *addr, uint16_t *guest_port);

/*
 * Firmware slots (A/B).  The board's storage holds two installed firmware
 * images, each in a directory of its own, and a boot-control record that
 * the boot stage (tools/kms-boot) and kmsd share:
 *   active     the slot booted (or to boot)
 *   next       a slot to try at the next boot (an update), or none
 *   previous   the slot to fall back to while active is on trial
 *   confirmed  active passed its self-tests and served; until then a boot
 *              of active that ends is a failure and the boot stage falls
 *              back to previous
 *   tries      boots of an unconfirmed active left before the fallback
 *   failed     the last slot that failed its trial, or none (status)
 * On the host board the slots are <data>/slots/a and <data>/slots/b and the
 * record is <data>/slots/bootctl (text, replaced atomically: written to a
 * temporary file, synced, renamed, directory synced).  kms-boot tells the
 * kmsd it starts which slot it runs from (board_slot_running).
 * Returns 0 or -errno; board_bootctl_read gives -ENOENT when no image was
 * ever flashed and -EINVAL for a malformed record.
 */
#define BOARD_SLOT_NONE		(-1)
#define BOARD_SLOT_A		0
#define BOARD_SLOT_B		1
#define BOARD_SLOT_TRIES	1	/* boots of a new slot, then fallback */
#define BOARD_EXIT_RESET	75	/* kmsd's exit status asking the boot
					   stage to boot again (an update
					   waits in next) */

struct board_bootctl {
	int		 bc_active;	/* BOARD_SLOT_A or _B */
	int		 bc_next;	/* or BOARD_SLOT_NONE */
	int		 bc_previous;	/* or BOARD_SLOT_NONE */
	bool		 bc_confirmed;
	unsigned	 bc_tries;
	int		 bc_failed;	/* or BOARD_SLOT_NONE */
};

int		 board_bootctl_read(struct board_bootctl *out);
int		 board_bootctl_write(const struct board_bootctl *bc);
/* The directory of slot (out, size bytes), its parent made if missing;
 * -EINVAL for a bad slot. */
int		 board_slot_dir(int slot, char *out, size_t size);
/* 'a', 'b', or '-' for BOARD_SLOT_NONE. */
char		 board_slot_name(int slot);
/* The slot this process was booted from, or BOARD_SLOT_NONE. */
int		 board_slot_running(void);
/*
 * kmsd calls this once it passed its self-tests and serves: the running
 * slot, when on trial, becomes confirmed (and stays the one booted).
 * 0 also when not booted from a slot or already confirmed.
 */
int		 board_slot_confirm(void);

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
/*
 * A second destination for log records (net/'s syslog sender).  fn is
 * called for every record that passes the level, after it was written
 * to the console and the log file, with the record's wall time and its
 * one-line message.  fn runs on the logging thread: it must not block and
 * must not log.  NULL removes it; log_set_sink returns once no call of
 * the previous fn is running.
 */
typedef void	 log_sink_fn(enum log_level lvl, int64_t sec, long nsec,
		    const char *msg, void *arg);
void		 log_set_sink(log_sink_fn *fn, void *arg);

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
