/*
 * nic_slirp.c - the host board's NIC: an lwIP netif whose wire is libslirp
 * (user-mode networking, as QEMU's -netdev user), in restricted mode: the
 * appliance cannot open connections to the outside, and the only ways in
 * are the host forwards 127.0.0.1:host_port -> nic_addr:guest_port (the
 * KMS port, the admin port).  The one way out is UDP to the gateway on
 * the ports the caller names (syslog), which this board picks off the
 * wire and delivers to the same port on 127.0.0.1 (udp_to_host).  Outbound
 * TCP goes through slirp's guest forwards to the relay of outbound.c
 * (board_nic_outbound).
 *
 * Threads (notes/platform.md section 3):
 * - lwIP's tcpip thread calls nic_linkoutput with the core lock held; it
 *   copies the frame into a queue and wakes the slirp thread (eventfd).
 * - The slirp thread owns every libslirp call: it drains the queue into
 *   slirp_input, polls slirp's sockets, and delivers frames from slirp to
 *   lwIP with ethernet_input under the core lock (never the tcpip mbox,
 *   which drops frames in bursts).
 * - ns.sl_mtx is held around every libslirp call (not around the poll),
 *   so that another thread may add a guest forward (nic_slirp_add_unix).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libslirp.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

#include "board.h"
#include "host_local.h"

#define SLIRP_POLLFDS_MAX	1024	/* host sockets slirp may watch */
#define SLIRP_TIMERS_MAX	8	/* timers slirp may create */
#define SLIRP_QUEUE_MAX		4096	/* frames waiting for slirp */
#define SLIRP_FRAME_MAX		1600	/* MTU 1500 + Ethernet header */
#define SLIRP_PORT_TRIES	16	/* attempts to find a free host port */
#define SLIRP_MTU		1500
#define SLIRP_ETH_HLEN		14	/* Ethernet header, no VLAN tag */

struct frame {
	struct frame	*f_next;
	size_t		 f_len;
	uint8_t		 f_data[];
};

struct slirp_timer {
	bool		 st_used;
	bool		 st_armed;
	int64_t		 st_expire_ms;
	SlirpTimerId	 st_id;
	void		*st_cb_opaque;
};

static struct {
	Slirp		*sl;
	struct netif	*nif;
	pthread_t	 thread;
	bool		 running;
	volatile bool	 stop;
	pthread_mutex_t	 sl_mtx;		/* around libslirp calls */
	int		 evfd;

	pthread_mutex_t	 q_mtx;
	struct frame	*q_head, *q_tail;
	size_t		 q_len;
	uint64_t	 q_drops;

	struct pollfd	 pfd[SLIRP_POLLFDS_MAX];
	int		 npfd;
	struct slirp_timer timers[SLIRP_TIMERS_MAX];

	/* UDP to the gateway delivered to the host (udp_to_host). */
	int		 udp_fd;
	struct in_addr	 udp_host;
	uint32_t	 udp_gw;		/* network byte order */
	uint16_t	 udp_port[BOARD_NIC_UDP_MAX];
	unsigned	 udp_count;
	uint64_t	 udp_drops;
} ns = { .evfd = -1, .udp_fd = -1, .q_mtx = PTHREAD_MUTEX_INITIALIZER,
    .sl_mtx = PTHREAD_MUTEX_INITIALIZER };

static int64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
wake(void)
{
	uint64_t	 one = 1;

	if (write(ns.evfd, &one, sizeof(one)) < 0) {
		/* The counter is full: the thread is awake anyway. */
	}
}

static bool	 udp_to_host(const uint8_t *f, size_t len);

/* slirp -> lwIP, on the slirp thread. */
static ssize_t
cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct pbuf	*p;

	if (len > SLIRP_FRAME_MAX || len > UINT16_MAX)
		return (ssize_t)len;	/* drop; TCP retransmits */
	/* PBUF_RAM: one contiguous block (pool pbufs overflowed here). */
	if ((p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM)) == NULL)
		return (ssize_t)len;
	pbuf_take(p, buf, (u16_t)len);
	LOCK_TCPIP_CORE();
	if (ns.nif->input(p, ns.nif) != ERR_OK)
		pbuf_free(p);
	UNLOCK_TCPIP_CORE();
	return (ssize_t)len;
}

static void
cb_guest_error(const char *msg, void *opaque)
{
	log_warnx("nic: slirp: %s", msg);
}

static int64_t
cb_clock_get_ns(void *opaque)
{
	return now_ns();
}

static void *
cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	int	 i;

	for (i = 0; i < SLIRP_TIMERS_MAX; i++) {
		if (!ns.timers[i].st_used) {
			ns.timers[i] = (struct slirp_timer){ .st_used = true,
			    .st_id = id, .st_cb_opaque = cb_opaque };
			return &ns.timers[i];
		}
	}
	log_warnx("nic: slirp wants more than %d timers", SLIRP_TIMERS_MAX);
	return NULL;
}

static void
cb_timer_free(void *timer, void *opaque)
{
	struct slirp_timer	*t = timer;

	if (t != NULL)
		memset(t, 0, sizeof(*t));
}

static void
cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct slirp_timer	*t = timer;

	if (t == NULL)
		return;
	t->st_armed = true;
	t->st_expire_ms = expire_ms;
}

static void
cb_register_poll_fd(int fd, void *opaque)
{
}

static void
cb_unregister_poll_fd(int fd, void *opaque)
{
}

static void
cb_notify(void *opaque)
{
	wake();
}

static int
cb_add_poll(int fd, int events, void *opaque)
{
	struct pollfd	*p;
	short		 ev = 0;

	if (ns.npfd >= SLIRP_POLLFDS_MAX)
		return -1;
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	p = &ns.pfd[ns.npfd];
	p->fd = fd;
	p->events = ev;
	p->revents = 0;
	return ns.npfd++;
}

static int
cb_get_revents(int idx, void *opaque)
{
	short	 re;
	int	 ev = 0;

	if (idx < 0 || idx >= ns.npfd)
		return 0;
	re = ns.pfd[idx].revents;
	if (re & POLLIN)
		ev |= SLIRP_POLL_IN;
	if (re & POLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (re & POLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (re & POLLERR)
		ev |= SLIRP_POLL_ERR;
	if (re & POLLHUP)
		ev |= SLIRP_POLL_HUP;
	return ev;
}

static const SlirpCb slirp_cbs = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_register_poll_fd,
	.unregister_poll_fd = cb_unregister_poll_fd,
	.notify = cb_notify,
	.timer_new_opaque = cb_timer_new_opaque,
};

/* lwIP -> slirp, on the tcpip thread with the core lock held. */
static err_t
nic_linkoutput(struct netif *nif, struct pbuf *p)
{
	struct frame	*f;

	if (p->tot_len > SLIRP_FRAME_MAX)
		return ERR_BUF;
	if (ns.udp_count > 0) {
		uint8_t	 fb[SLIRP_FRAME_MAX];
		u16_t	 n = pbuf_copy_partial(p, fb, p->tot_len, 0);

		if (udp_to_host(fb, n))
			return ERR_OK;
	}
	pthread_mutex_lock(&ns.q_mtx);
	if (ns.q_len >= SLIRP_QUEUE_MAX) {
		ns.q_drops++;
		pthread_mutex_unlock(&ns.q_mtx);
		return ERR_MEM;
	}
	pthread_mutex_unlock(&ns.q_mtx);
	if ((f = malloc(sizeof(*f) + p->tot_len)) == NULL)
		return ERR_MEM;
	f->f_next = NULL;
	f->f_len = pbuf_copy_partial(p, f->f_data, p->tot_len, 0);
	pthread_mutex_lock(&ns.q_mtx);
	if (ns.q_tail != NULL)
		ns.q_tail->f_next = f;
	else
		ns.q_head = f;
	ns.q_tail = f;
	ns.q_len++;
	pthread_mutex_unlock(&ns.q_mtx);
	wake();
	return ERR_OK;
}

static err_t
nic_netif_init(struct netif *nif)
{
	static const uint8_t	 mac[6] = { 0x02, 0x4b, 0x4d, 0x53, 0x00, 0x01 };

	nif->name[0] = 's';
	nif->name[1] = 'l';
	nif->output = etharp_output;
	nif->output_ip6 = ethip6_output;
	nif->linkoutput = nic_linkoutput;
	nif->mtu = SLIRP_MTU;
	nif->hwaddr_len = sizeof(mac);
	memcpy(nif->hwaddr, mac, sizeof(mac));
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
	    NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP;
	return ERR_OK;
}

static void
drain_queue(void)
{
	struct frame	*f, *next;

	pthread_mutex_lock(&ns.q_mtx);
	f = ns.q_head;
	ns.q_head = ns.q_tail = NULL;
	ns.q_len = 0;
	pthread_mutex_unlock(&ns.q_mtx);
	for (; f != NULL; f = next) {
		next = f->f_next;
		slirp_input(ns.sl, f->f_data, (int)f->f_len);
		free(f);
	}
}

static void
fire_timers(void)
{
	int64_t	 now_ms = now_ns() / 1000000;
	int	 i;

	for (i = 0; i < SLIRP_TIMERS_MAX; i++) {
		struct slirp_timer *t = &ns.timers[i];

		if (t->st_used && t->st_armed && t->st_expire_ms <= now_ms) {
			t->st_armed = false;
			slirp_handle_timer(ns.sl, t->st_id, t->st_cb_opaque);
		}
	}
}

static void *
slirp_thread(void *arg)
{
	uint64_t	 cnt;
	uint32_t	 timeout;
	int		 rc, evidx;

	while (!ns.stop) {
		pthread_mutex_lock(&ns.sl_mtx);
		drain_queue();
		ns.npfd = 0;
		timeout = 500;
		evidx = cb_add_poll(ns.evfd, SLIRP_POLL_IN, NULL);
		slirp_pollfds_fill(ns.sl, &timeout, cb_add_poll, NULL);
		pthread_mutex_unlock(&ns.sl_mtx);
		if (timeout > 500)
			timeout = 500;
		rc = poll(ns.pfd, (nfds_t)ns.npfd, (int)timeout);
		if (rc > 0 && (ns.pfd[evidx].revents & POLLIN) &&
		    read(ns.evfd, &cnt, sizeof(cnt)) < 0) {
			/* EAGAIN: someone else read it. */
		}
		pthread_mutex_lock(&ns.sl_mtx);
		slirp_pollfds_poll(ns.sl, rc < 0, cb_get_revents, NULL);
		fire_timers();
		pthread_mutex_unlock(&ns.sl_mtx);
	}
	return NULL;
}

/*
 * Add one host forward host:*host_port -> guest:guest_port.  With port 0,
 * find a free port on the host address by binding port 0 there, then
 * forward that port (the window between the two is small and a collision
 * is retried).
 */
static int
add_forward(struct in_addr host, struct in_addr guest, uint16_t guest_port,
    uint16_t *host_port)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen;
	int			 fd, try;
	uint16_t		 port;

	for (try = 0; try < SLIRP_PORT_TRIES; try++) {
		port = *host_port;
		if (port == 0) {
			if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
				return -errno;
			memset(&sin, 0, sizeof(sin));
			sin.sin_family = AF_INET;
			sin.sin_addr = host;
			slen = sizeof(sin);
			if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
			    getsockname(fd, (struct sockaddr *)&sin, &slen) < 0) {
				close(fd);
				return -errno;
			}
			close(fd);
			port = ntohs(sin.sin_port);
		}
		if (slirp_add_hostfwd(ns.sl, 0, host, port, guest,
		    guest_port) == 0) {
			*host_port = port;
			return 0;
		}
		if (*host_port != 0)
			break;
	}
	return -EADDRINUSE;
}

/* The KMS forward, then the extra ones (the admin port). */
static int
add_forwards(struct board_nic_conf *conf)
{
	struct in_addr	 host, guest;
	unsigned	 i;
	int		 rc;

	if (inet_pton(AF_INET, conf->host_addr ? conf->host_addr :
	    "127.0.0.1", &host) != 1)
		return -EINVAL;
	guest.s_addr = htonl(conf->nic_addr);
	if (conf->fwd_count > BOARD_NIC_FWD_MAX ||
	    conf->udp_gw_count > BOARD_NIC_UDP_MAX)
		return -EINVAL;
	if ((rc = add_forward(host, guest, conf->guest_port,
	    &conf->host_port)) != 0)
		return rc;
	for (i = 0; i < conf->fwd_count; i++)
		if ((rc = add_forward(host, guest, conf->fwd[i].guest_port,
		    &conf->fwd[i].host_port)) != 0)
			return rc;
	ns.udp_host = host;
	ns.udp_gw = htonl(conf->nic_gw);
	ns.udp_count = conf->udp_gw_count;
	memcpy(ns.udp_port, conf->udp_gw_port, sizeof(ns.udp_port));
	if (ns.udp_count > 0 && (ns.udp_fd = socket(AF_INET,
	    SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -errno;
	return 0;
}

/*
 * A UDP datagram from the appliance to the gateway on one of the
 * udp_gw_port ports: send its payload to the host on the same port and
 * return true.  Anything else (fragments, other addresses and ports)
 * returns false and goes to slirp, which in restricted mode drops
 * outbound UDP.  Runs on the tcpip thread; the send does not block.
 */
static bool
udp_to_host(const uint8_t *f, size_t len)
{
	struct sockaddr_in	 sin;
	size_t			 ihl, ulen;
	uint32_t		 dst;
	uint16_t		 dport, frag;
	unsigned		 i;

	if (ns.udp_count == 0 || len < SLIRP_ETH_HLEN + 20 + 8 ||
	    f[12] != 0x08 || f[13] != 0x00)		/* IPv4 */
		return false;
	f += SLIRP_ETH_HLEN;
	len -= SLIRP_ETH_HLEN;
	ihl = (size_t)(f[0] & 0x0f) * 4;
	frag = (uint16_t)(((f[6] & 0x3f) << 8) | f[7]);	/* MF + offset */
	if ((f[0] >> 4) != 4 || ihl < 20 || f[9] != 17 || frag != 0 ||
	    len < ihl + 8)
		return false;
	memcpy(&dst, f + 16, sizeof(dst));
	if (dst != ns.udp_gw)
		return false;
	dport = (uint16_t)((f[ihl + 2] << 8) | f[ihl + 3]);
	ulen = (size_t)((f[ihl + 4] << 8) | f[ihl + 5]);
	for (i = 0; i < ns.udp_count && ns.udp_port[i] != dport; i++)
		;
	if (i == ns.udp_count || ulen < 8 || ulen > len - ihl)
		return false;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = ns.udp_host;
	sin.sin_port = htons(dport);
	if (sendto(ns.udp_fd, f + ihl + 8, ulen - 8, MSG_DONTWAIT,
	    (struct sockaddr *)&sin, sizeof(sin)) < 0)
		ns.udp_drops++;		/* no collector: a datagram is lost */
	return true;
}

/* see host_local.h */
int
nic_slirp_add_unix(const char *path, uint32_t addr, uint16_t port)
{
	struct in_addr	 a = { .s_addr = htonl(addr) };
	int		 rc;

	pthread_mutex_lock(&ns.sl_mtx);
	rc = ns.sl == NULL ? -ENETDOWN :
	    slirp_add_unix(ns.sl, path, &a, port) == 0 ? 0 : -EADDRINUSE;
	pthread_mutex_unlock(&ns.sl_mtx);
	wake();
	return rc;
}

/* see host_local.h */
int
nic_slirp_start(struct netif *nif, struct board_nic_conf *conf)
{
	SlirpConfig	 cfg;
	ip4_addr_t	 addr, mask, gw;
	unsigned	 i;
	int		 rc;

	if (ns.running)
		return -EALREADY;
	if ((ns.evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		return -errno;

	memset(&cfg, 0, sizeof(cfg));
	cfg.version = 4;
	cfg.restricted = 1;
	cfg.in_enabled = true;
	cfg.vnetwork.s_addr = htonl(conf->nic_addr & conf->nic_mask);
	cfg.vnetmask.s_addr = htonl(conf->nic_mask);
	cfg.vhost.s_addr = htonl(conf->nic_gw);
	cfg.vdhcp_start.s_addr = htonl((conf->nic_addr & conf->nic_mask) | 16);
	cfg.vnameserver.s_addr = htonl((conf->nic_addr & conf->nic_mask) | 3);
	cfg.in6_enabled = false;
	cfg.disable_dns = true;
	cfg.disable_dhcp = true;
	cfg.if_mtu = SLIRP_MTU;
	cfg.if_mru = SLIRP_MTU;
	if ((ns.sl = slirp_new(&cfg, &slirp_cbs, NULL)) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = add_forwards(conf)) != 0 ||
	    (rc = outbound_start(conf->nic_addr, conf->nic_mask,
	    conf->nic_gw)) != 0)
		goto fail;

	ns.nif = nif;
	ip4_addr_set_u32(&addr, htonl(conf->nic_addr));
	ip4_addr_set_u32(&mask, htonl(conf->nic_mask));
	ip4_addr_set_u32(&gw, htonl(conf->nic_gw));
	LOCK_TCPIP_CORE();
	if (netif_add(nif, &addr, &mask, &gw, NULL, nic_netif_init,
	    ethernet_input) == NULL) {
		UNLOCK_TCPIP_CORE();
		rc = -EIO;
		goto fail;
	}
	netif_set_default(nif);
	netif_set_link_up(nif);
	netif_set_up(nif);
	UNLOCK_TCPIP_CORE();

	ns.stop = false;
	if ((rc = pthread_create(&ns.thread, NULL, slirp_thread, NULL)) != 0) {
		rc = -rc;
		goto fail;
	}
	ns.running = true;
	log_info("nic: slirp (restricted) %s:%u -> guest port %u",
	    conf->host_addr ? conf->host_addr : "127.0.0.1",
	    (unsigned)conf->host_port, (unsigned)conf->guest_port);
	for (i = 0; i < conf->fwd_count; i++)
		log_info("nic: slirp %s:%u -> guest port %u",
		    conf->host_addr ? conf->host_addr : "127.0.0.1",
		    (unsigned)conf->fwd[i].host_port,
		    (unsigned)conf->fwd[i].guest_port);
	for (i = 0; i < conf->udp_gw_count; i++)
		log_info("nic: UDP to the gateway port %u goes to the host",
		    (unsigned)conf->udp_gw_port[i]);
	return 0;
 fail:
	if (ns.udp_fd >= 0) {
		close(ns.udp_fd);
		ns.udp_fd = -1;
	}
	ns.udp_count = 0;
	outbound_stop();
	pthread_mutex_lock(&ns.sl_mtx);
	if (ns.sl != NULL) {
		slirp_cleanup(ns.sl);
		ns.sl = NULL;
	}
	pthread_mutex_unlock(&ns.sl_mtx);
	close(ns.evfd);
	ns.evfd = -1;
	return rc;
}

/* see host_local.h */
void
nic_slirp_stop(void)
{
	if (!ns.running)
		return;
	outbound_stop();
	ns.stop = true;
	wake();
	pthread_join(ns.thread, NULL);
	ns.running = false;
	pthread_mutex_lock(&ns.sl_mtx);
	drain_queue();	/* frees what is queued (slirp still exists) */
	slirp_cleanup(ns.sl);
	ns.sl = NULL;
	pthread_mutex_unlock(&ns.sl_mtx);
	close(ns.evfd);
	ns.evfd = -1;
	ns.udp_count = 0;
	if (ns.udp_fd >= 0) {
		close(ns.udp_fd);
		ns.udp_fd = -1;
	}
}
