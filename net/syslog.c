/*
 * syslog.c - log records to a syslog collector: RFC 5424 messages, one per
 * UDP datagram (RFC 5426), sent from the appliance's own stack (see
 * net.h).
 *
 * The log sink runs on whatever thread logged: it formats the message
 * into a slot of a bounded ring and signals the sender thread, which
 * owns the lwIP socket.  The sink never blocks on the network and never
 * logs; when the ring is full the record is dropped and counted, and the
 * sender reports the count in a message of its own once it has room.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lwip/sockets.h"

#include "net.h"
#include "net_local.h"

#define SYSLOG_MSGID_MAX	32	/* RFC 5424 MSGID: 1*32PRINTUSASCII */
#define SYSLOG_APP_NAME		"kmsd"
#define SYSLOG_NOTE_MAX		64	/* the "records dropped" note */

struct syslog_slot {
	size_t	 len;
	char	 msg[NET_SYSLOG_MSG_MAX];
};

static struct {
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cv;
	pthread_t		 thread;
	bool			 running;
	bool			 stop;
	int			 fd;
	struct sockaddr_in	 dst;
	char			 host[INET_ADDRSTRLEN];
	long			 pid;
	struct syslog_slot	 ring[NET_SYSLOG_QUEUE];
	unsigned		 head, len;
	uint64_t		 dropped;	/* since the last report */
} sl = { .mtx = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
    .fd = -1 };

/* RFC 5424 6.2.1: severity of each enum log_level. */
static const int syslog_severity[] = { 3, 4, 6, 7 };

/*
 * MSGID: the message's leading word when it ends in ':' and is printable
 * ASCII without spaces (the module prefix: "boot", "http", "hsm"), else
 * "-".  Writes a NUL-terminated string of at most SYSLOG_MSGID_MAX.
 */
static void
msgid_of(const char *msg, char out[SYSLOG_MSGID_MAX + 1])
{
	size_t	 n;

	for (n = 0; n < SYSLOG_MSGID_MAX && msg[n] > 0x20 && msg[n] < 0x7f &&
	    msg[n] != ':'; n++)
		;
	if (n == 0 || msg[n] != ':') {
		snprintf(out, SYSLOG_MSGID_MAX + 1, "-");
		return;
	}
	memcpy(out, msg, n);
	out[n] = '\0';
}

/* Format one RFC 5424 message into slot; the text is cut to fit. */
static void
format(struct syslog_slot *slot, enum log_level lvl, int64_t sec,
    long nsec, const char *msg)
{
	char		 msgid[SYSLOG_MSGID_MAX + 1];
	struct tm	 tm;
	time_t		 t = (time_t)sec;
	int		 n;

	gmtime_r(&t, &tm);
	msgid_of(msg, msgid);
	/* <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG */
	n = snprintf(slot->msg, sizeof(slot->msg),
	    "<%d>1 %04d-%02d-%02dT%02d:%02d:%02d.%06ldZ %s %s %ld %s - %s",
	    NET_SYSLOG_FACILITY * 8 + syslog_severity[lvl],
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, nsec / 1000, sl.host, SYSLOG_APP_NAME,
	    sl.pid, msgid, msg);
	if (n < 0)
		n = 0;
	slot->len = (size_t)n < sizeof(slot->msg) ? (size_t)n :
	    sizeof(slot->msg) - 1;
}

/* The log sink (board.h log_set_sink): queue, never block. */
static void
syslog_sink(enum log_level lvl, int64_t sec, long nsec, const char *msg,
    void *arg)
{
	if ((unsigned)lvl >= sizeof(syslog_severity) /
	    sizeof(syslog_severity[0]))
		return;
	pthread_mutex_lock(&sl.mtx);
	if (sl.len == NET_SYSLOG_QUEUE) {
		sl.dropped++;
	} else {
		format(&sl.ring[(sl.head + sl.len) % NET_SYSLOG_QUEUE], lvl,
		    sec, nsec, msg);
		sl.len++;
		pthread_cond_signal(&sl.cv);
	}
	pthread_mutex_unlock(&sl.mtx);
}

static void
send_slot(const struct syslog_slot *slot)
{
	/* A lost datagram is lost: UDP syslog has no delivery (RFC 5426). */
	(void)lwip_sendto(sl.fd, slot->msg, slot->len, 0,
	    (const struct sockaddr *)&sl.dst, sizeof(sl.dst));
}

static void *
sender_main(void *arg)
{
	struct syslog_slot	 slot, note;
	struct timespec		 ts;
	uint64_t		 dropped;
	char			 text[SYSLOG_NOTE_MAX];

	pthread_mutex_lock(&sl.mtx);
	for (;;) {
		while (sl.len == 0 && !sl.stop)
			pthread_cond_wait(&sl.cv, &sl.mtx);
		if (sl.len == 0)
			break;		/* stopping, and everything sent */
		slot = sl.ring[sl.head];
		sl.head = (sl.head + 1) % NET_SYSLOG_QUEUE;
		sl.len--;
		dropped = sl.dropped;
		sl.dropped = 0;
		pthread_mutex_unlock(&sl.mtx);
		send_slot(&slot);
		if (dropped > 0) {
			clock_gettime(CLOCK_REALTIME, &ts);
			snprintf(text, sizeof(text), "syslog: %llu records "
			    "dropped (queue full)",
			    (unsigned long long)dropped);
			pthread_mutex_lock(&sl.mtx);
			format(&note, LOG_LVL_WARN, (int64_t)ts.tv_sec,
			    ts.tv_nsec, text);
			pthread_mutex_unlock(&sl.mtx);
			send_slot(&note);
		}
		pthread_mutex_lock(&sl.mtx);
	}
	pthread_mutex_unlock(&sl.mtx);
	return NULL;
}

/* see net_local.h */
int
net_syslog_start(const struct net_syslog_conf *conf, uint32_t nic_addr)
{
	struct in_addr	 a;
	char		 dst[INET_ADDRSTRLEN];
	int		 rc;

	if (sl.running)
		return -EALREADY;
	if ((sl.fd = lwip_socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return -errno;
	memset(&sl.dst, 0, sizeof(sl.dst));
	sl.dst.sin_family = AF_INET;
	sl.dst.sin_port = htons(conf->port);
	sl.dst.sin_addr.s_addr = htonl(conf->addr);
	a.s_addr = htonl(nic_addr);
	inet_ntop(AF_INET, &a, sl.host, sizeof(sl.host));
	sl.pid = (long)getpid();
	sl.stop = false;
	sl.head = sl.len = 0;
	sl.dropped = 0;
	if ((rc = pthread_create(&sl.thread, NULL, sender_main, NULL)) != 0) {
		lwip_close(sl.fd);
		sl.fd = -1;
		return -rc;
	}
	sl.running = true;
	log_set_sink(syslog_sink, NULL);
	a.s_addr = htonl(conf->addr);
	inet_ntop(AF_INET, &a, dst, sizeof(dst));
	log_info("syslog: RFC 5424 over UDP to %s:%u", dst,
	    (unsigned)conf->port);
	return 0;
}

/* see net_local.h */
void
net_syslog_stop(void)
{
	if (!sl.running)
		return;
	log_set_sink(NULL, NULL);
	pthread_mutex_lock(&sl.mtx);
	sl.stop = true;
	pthread_cond_signal(&sl.cv);
	pthread_mutex_unlock(&sl.mtx);
	pthread_join(sl.thread, NULL);
	lwip_close(sl.fd);
	sl.fd = -1;
	sl.running = false;
}
