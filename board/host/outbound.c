/*
 * outbound.c - the host board's outbound TCP (board_nic_outbound).
 *
 * The slirp NIC runs in restricted mode: slirp drops every connection the
 * appliance opens to the outside.  What restricted mode still allows is a
 * guest forward: a virtual address:port inside the appliance's network
 * whose connections slirp hands to the host.  For each outside endpoint
 * host:port the firmware asks for, this board
 *
 *   - picks a virtual address in the NIC's network (.100 up, skipping the
 *     appliance's own address) and keeps port as the guest port,
 *   - listens on a unix socket <data>/nic-out-<i>.sock and tells slirp to
 *     connect that socket for every connection to address:port
 *     (slirp_add_unix: one unix connection per guest connection),
 *   - relays: one thread accepts those unix connections, opens the real
 *     TCP connection to host:port (the addresses resolved when the
 *     firmware last asked) and moves bytes both ways through two bounded
 *     buffers, passing each end-of-stream on as a half close.
 *
 * The appliance's side of the connection (its TCP, TLS and HTTP) is all
 * lwIP; only this relay, which stands for the wire and the router, uses
 * the host kernel.  A board whose NIC routes has no relay: the firmware's
 * connection goes out of the NIC as it is.
 *
 * Threads: board_nic_outbound runs on any firmware thread (it resolves
 * the name there, not on the relay thread); the relay thread owns every
 * relay connection.  ob.mtx guards the endpoint table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "board.h"
#include "host_local.h"

#define OUT_ADDRS_MAX		4	/* resolved addresses per endpoint */
#define OUT_CONNS_MAX		16	/* relayed connections at once */
#define OUT_POLL_RETRY_MS	100	/* after a failed poll */
#define OUT_BUF			16384	/* bytes buffered per direction */
#define OUT_CONNECT_MS		5000	/* the outside connect */
#define OUT_IDLE_MS		60000	/* a connection with no traffic */
#define OUT_ADDR_FIRST		100	/* host part of the first address */
#define OUT_BACKLOG		8
#define OUT_PATH_MAX		108	/* sockaddr_un.sun_path on Linux */

struct out_ep {
	bool			 e_used;
	char			 e_host[BOARD_NIC_OUT_HOST_MAX + 1];
	uint16_t		 e_port;
	uint32_t		 e_gaddr;	/* guest side, host order */
	int			 e_lfd;		/* unix listener */
	char			 e_path[OUT_PATH_MAX];
	struct sockaddr_storage	 e_addr[OUT_ADDRS_MAX];
	socklen_t		 e_alen[OUT_ADDRS_MAX];
	unsigned		 e_naddr;
};

/* One direction of a relayed connection: bytes read from one fd, not yet
 * written to the other. */
struct out_dir {
	uint8_t		 d_buf[OUT_BUF];
	size_t		 d_off, d_len;
	bool		 d_eof;		/* the source ended */
	bool		 d_shut;	/* passed on (shutdown of the sink) */
};

struct out_conn {
	bool		 c_used;
	bool		 c_connecting;	/* the outside connect is pending */
	bool		 c_uhup, c_thup;	/* that end hung up */
	unsigned	 c_ep;
	unsigned	 c_try;		/* index into the endpoint's addresses */
	int		 c_ufd;		/* slirp's unix connection */
	int		 c_tfd;		/* TCP to the outside */
	uint64_t	 c_deadline;	/* connect, then idle */
	struct out_dir	 c_up;		/* appliance -> outside */
	struct out_dir	 c_down;	/* outside -> appliance */
};

static struct {
	pthread_mutex_t	 mtx;
	bool		 started;	/* the NIC is up */
	bool		 running;	/* the relay thread exists */
	volatile bool	 stop;
	pthread_t	 thread;
	int		 evfd;
	uint32_t	 net, mask, nic_addr, gw;
	struct out_ep	 ep[BOARD_NIC_OUT_MAX];
	struct out_conn	 conn[OUT_CONNS_MAX];	/* relay thread only */
	struct pollfd	 pfd[BOARD_NIC_OUT_MAX + 2 * OUT_CONNS_MAX + 1];
} ob = { .mtx = PTHREAD_MUTEX_INITIALIZER, .evfd = -1 };

static uint64_t
now_ms(void)
{
	return board_get()->time_mono_ms();
}

static void
ob_wake(void)
{
	uint64_t	 one = 1;

	if (write(ob.evfd, &one, sizeof(one)) < 0) {
		/* The counter is full: the thread is awake anyway. */
	}
}

static void
conn_close(struct out_conn *c, const char *why)
{
	if (why != NULL)
		log_info("nic: outbound relay to %s:%u closed (%s)",
		    ob.ep[c->c_ep].e_host, (unsigned)ob.ep[c->c_ep].e_port,
		    why);
	if (c->c_ufd >= 0)
		close(c->c_ufd);
	if (c->c_tfd >= 0)
		close(c->c_tfd);
	memset(c, 0, sizeof(*c));
	c->c_ufd = c->c_tfd = -1;
}

/*
 * Start a non-blocking connect of c to its endpoint's address c_try and
 * the ones after it.  0 (connected or pending) or -errno of the last.
 */
static int
conn_dial(struct out_conn *c)
{
	struct out_ep	*e = &ob.ep[c->c_ep];
	int		 rc = -EHOSTUNREACH;

	for (; c->c_try < e->e_naddr; c->c_try++) {
		if (c->c_tfd >= 0)
			close(c->c_tfd);
		c->c_tfd = socket(e->e_addr[c->c_try].ss_family, SOCK_STREAM |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->c_tfd < 0) {
			rc = -errno;
			continue;
		}
		if (connect(c->c_tfd, (struct sockaddr *)&e->e_addr[c->c_try],
		    e->e_alen[c->c_try]) == 0 || errno == EINPROGRESS) {
			c->c_connecting = true;
			c->c_deadline = now_ms() + OUT_CONNECT_MS;
			return 0;
		}
		rc = -errno;
	}
	return rc;
}

/* A connection from slirp on endpoint i's listener. */
static void
conn_accept(unsigned i)
{
	struct out_conn	*c = NULL;
	unsigned	 k;
	int		 fd, rc;

	if ((fd = accept4(ob.ep[i].e_lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) < 0)
		return;
	for (k = 0; k < OUT_CONNS_MAX; k++)
		if (!ob.conn[k].c_used) {
			c = &ob.conn[k];
			break;
		}
	if (c == NULL) {
		log_warnx("nic: outbound relay: more than %d connections, "
		    "one to %s:%u refused", OUT_CONNS_MAX, ob.ep[i].e_host,
		    (unsigned)ob.ep[i].e_port);
		close(fd);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->c_used = true;
	c->c_ep = i;
	c->c_ufd = fd;
	c->c_tfd = -1;
	pthread_mutex_lock(&ob.mtx);
	rc = conn_dial(c);
	pthread_mutex_unlock(&ob.mtx);
	if (rc != 0) {
		errno = -rc;
		log_warn("nic: outbound relay to %s:%u: connect",
		    ob.ep[i].e_host, (unsigned)ob.ep[i].e_port);
		conn_close(c, NULL);
	}
}

/* The pending outside connect of c finished (or failed): go on. */
static void
conn_connected(struct out_conn *c)
{
	struct out_ep	*e = &ob.ep[c->c_ep];
	socklen_t	 sl = sizeof(int);
	int		 err = 0, rc;

	if (getsockopt(c->c_tfd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0)
		err = errno;
	if (err == 0) {
		c->c_connecting = false;
		c->c_deadline = now_ms() + OUT_IDLE_MS;
		log_info("nic: outbound relay %u.%u.%u.%u:%u -> %s:%u "
		    "connected", (unsigned)(e->e_gaddr >> 24),
		    (unsigned)(e->e_gaddr >> 16 & 0xff),
		    (unsigned)(e->e_gaddr >> 8 & 0xff),
		    (unsigned)(e->e_gaddr & 0xff), (unsigned)e->e_port,
		    e->e_host, (unsigned)e->e_port);
		return;
	}
	c->c_try++;
	pthread_mutex_lock(&ob.mtx);
	rc = conn_dial(c);
	pthread_mutex_unlock(&ob.mtx);
	if (rc != 0) {
		errno = err;
		log_warn("nic: outbound relay to %s:%u: connect", e->e_host,
		    (unsigned)e->e_port);
		conn_close(c, NULL);
	}
}

/*
 * Move what can be moved in direction d from fd src to fd dst.  Returns
 * 0, or -1 when the connection is broken.
 */
static int
dir_pump(struct out_dir *d, int src, short src_re, int dst, short dst_re)
{
	ssize_t	 n;

	if ((src_re & (POLLIN | POLLHUP | POLLERR)) && !d->d_eof &&
	    d->d_off + d->d_len < sizeof(d->d_buf)) {
		n = recv(src, d->d_buf + d->d_off + d->d_len,
		    sizeof(d->d_buf) - d->d_off - d->d_len, 0);
		if (n > 0)
			d->d_len += (size_t)n;
		else if (n == 0)
			d->d_eof = true;
		else if (errno != EAGAIN && errno != EINTR)
			return -1;
	}
	if ((dst_re & (POLLOUT | POLLERR)) && d->d_len > 0) {
		n = send(dst, d->d_buf + d->d_off, d->d_len, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0) {
			d->d_off += (size_t)n;
			d->d_len -= (size_t)n;
			if (d->d_len == 0)
				d->d_off = 0;
		}
	}
	if (d->d_eof && d->d_len == 0 && !d->d_shut) {
		(void)shutdown(dst, SHUT_WR);
		d->d_shut = true;
	}
	return 0;
}

/* The sink of d hung up: what waits for it is dropped, d is done. */
static void
dir_hangup(struct out_dir *d, bool *hup)
{
	d->d_off = d->d_len = 0;
	d->d_eof = d->d_shut = true;
	*hup = true;
}

/* Events to wait for on a relay fd: read when d_in has room, write when
 * d_out has bytes. */
static short
dir_events(const struct out_dir *in, const struct out_dir *out)
{
	short	 ev = 0;

	if (!in->d_eof && in->d_off + in->d_len < sizeof(in->d_buf))
		ev |= POLLIN;
	if (out->d_len > 0)
		ev |= POLLOUT;
	return ev;
}

static void *
relay_thread(void *arg)
{
	struct out_conn	*c;
	struct pollfd	*p;
	uint64_t	 cnt, now, next;
	int		 cidx[OUT_CONNS_MAX], lidx[BOARD_NIC_OUT_MAX];
	int		 np, timeout, i;

	while (!ob.stop) {
		np = 0;
		ob.pfd[np++] = (struct pollfd){ .fd = ob.evfd,
		    .events = POLLIN };
		pthread_mutex_lock(&ob.mtx);
		for (i = 0; i < BOARD_NIC_OUT_MAX; i++) {
			lidx[i] = -1;
			if (ob.ep[i].e_used && ob.ep[i].e_lfd >= 0) {
				lidx[i] = np;
				ob.pfd[np++] = (struct pollfd){
				    .fd = ob.ep[i].e_lfd, .events = POLLIN };
			}
		}
		pthread_mutex_unlock(&ob.mtx);
		next = UINT64_MAX;
		for (i = 0; i < OUT_CONNS_MAX; i++) {
			c = &ob.conn[i];
			cidx[i] = -1;
			if (!c->c_used)
				continue;
			cidx[i] = np;
			/* An end that hung up is not polled (it would report
			 * POLLHUP for ever). */
			ob.pfd[np++] = (struct pollfd){
			    .fd = c->c_uhup ? -1 : c->c_ufd,
			    .events = c->c_connecting ? 0 :
			    dir_events(&c->c_up, &c->c_down) };
			ob.pfd[np++] = (struct pollfd){
			    .fd = c->c_thup ? -1 : c->c_tfd,
			    .events = c->c_connecting ? POLLOUT :
			    dir_events(&c->c_down, &c->c_up) };
			if (c->c_deadline < next)
				next = c->c_deadline;
		}
		now = now_ms();
		timeout = next == UINT64_MAX ? -1 : next <= now ? 0 :
		    next - now > INT32_MAX ? INT32_MAX : (int)(next - now);
		if (poll(ob.pfd, (nfds_t)np, timeout) < 0 && errno != EINTR) {
			/* Keep relaying: a stopped relay would be silent. */
			log_warn("nic: outbound relay: poll");
			usleep(OUT_POLL_RETRY_MS * 1000);
			continue;
		}
		if ((ob.pfd[0].revents & POLLIN) &&
		    read(ob.evfd, &cnt, sizeof(cnt)) < 0) {
			/* EAGAIN: nothing to read after all. */
		}
		now = now_ms();
		for (i = 0; i < OUT_CONNS_MAX; i++) {
			short	 ure, tre;

			c = &ob.conn[i];
			if (!c->c_used || cidx[i] < 0)
				continue;
			p = &ob.pfd[cidx[i]];
			ure = p[0].revents;
			tre = p[1].revents;
			if (c->c_connecting) {
				if (ure & (POLLHUP | POLLERR))
					conn_close(c, "the appliance left");
				else if (tre != 0)
					conn_connected(c);
				else if (now >= c->c_deadline)
					conn_close(c, "connect timed out");
				continue;
			}
			if (ure != 0 || tre != 0)
				c->c_deadline = now + OUT_IDLE_MS;
			if ((ure | tre) & POLLERR ||
			    dir_pump(&c->c_up, c->c_ufd, ure, c->c_tfd,
			    tre) != 0 || dir_pump(&c->c_down, c->c_tfd, tre,
			    c->c_ufd, ure) != 0) {
				conn_close(c, "connection reset");
				continue;
			}
			/* A hang-up: that end takes nothing more either. */
			if ((ure & POLLHUP) && c->c_up.d_eof)
				dir_hangup(&c->c_down, &c->c_uhup);
			if ((tre & POLLHUP) && c->c_down.d_eof)
				dir_hangup(&c->c_up, &c->c_thup);
			if (c->c_up.d_shut && c->c_down.d_shut)
				conn_close(c, NULL);
			else if (now >= c->c_deadline)
				conn_close(c, "idle");
		}
		for (i = 0; i < BOARD_NIC_OUT_MAX; i++)
			if (lidx[i] >= 0 && (ob.pfd[lidx[i]].revents & POLLIN))
				conn_accept((unsigned)i);
	}
	return NULL;
}

/* The unix listener of endpoint i at <data>/nic-out-<i>.sock. */
static int
ep_listen(unsigned i, struct out_ep *e)
{
	struct sockaddr_un	 sun;
	int			 n, fd;

	n = snprintf(e->e_path, sizeof(e->e_path), "%s/nic-out-%u.sock",
	    board_get()->data_dir(), i);
	if (n < 0 || (size_t)n >= sizeof(e->e_path))
		return -ENAMETOOLONG;
	_Static_assert(OUT_PATH_MAX <= sizeof(sun.sun_path), "sun_path");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, e->e_path, (size_t)n + 1);
	(void)unlink(e->e_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(fd, OUT_BACKLOG) != 0) {
		n = -errno;
		close(fd);
		return n;
	}
	e->e_lfd = fd;
	return 0;
}

/* Resolve e's host and port into its address list (numeric or a name). */
static int
ep_resolve(const char *host, uint16_t port, struct out_ep *e)
{
	struct addrinfo	 hints, *ai = NULL, *a;
	char		 serv[8];
	unsigned	 n = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(serv, sizeof(serv), "%u", (unsigned)port);
	if (getaddrinfo(host, serv, &hints, &ai) != 0)
		return -EHOSTUNREACH;
	for (a = ai; a != NULL && n < OUT_ADDRS_MAX; a = a->ai_next) {
		if (a->ai_addrlen > sizeof(e->e_addr[n]))
			continue;
		memcpy(&e->e_addr[n], a->ai_addr, a->ai_addrlen);
		e->e_alen[n++] = a->ai_addrlen;
	}
	freeaddrinfo(ai);
	if (n == 0)
		return -EHOSTUNREACH;
	e->e_naddr = n;
	return 0;
}

/* The guest address of endpoint slot i: .100 up, never the NIC's own. */
static uint32_t
ep_gaddr(unsigned i)
{
	uint32_t	 a = ob.net | (OUT_ADDR_FIRST + i);

	if (a >= ob.nic_addr && ob.nic_addr >= (ob.net | OUT_ADDR_FIRST))
		a++;
	return a;
}

/* see board.h */
int
board_nic_outbound(const char *host, uint16_t port, uint32_t *addr,
    uint16_t *guest_port)
{
	struct out_ep	 tmp, *e = NULL;
	unsigned	 i;
	int		 rc;

	if (host == NULL || host[0] == '\0' || port == 0 ||
	    strlen(host) > BOARD_NIC_OUT_HOST_MAX)
		return -EINVAL;
	/* Name resolution on the caller's thread, outside the lock. */
	memset(&tmp, 0, sizeof(tmp));
	if ((rc = ep_resolve(host, port, &tmp)) != 0)
		return rc;
	pthread_mutex_lock(&ob.mtx);
	if (!ob.started) {
		rc = -ENETDOWN;
		goto out;
	}
	for (i = 0; i < BOARD_NIC_OUT_MAX; i++)
		if (ob.ep[i].e_used && ob.ep[i].e_port == port &&
		    strcmp(ob.ep[i].e_host, host) == 0) {
			e = &ob.ep[i];
			break;
		}
	if (e == NULL) {
		for (i = 0; i < BOARD_NIC_OUT_MAX && ob.ep[i].e_used; i++)
			;
		if (i == BOARD_NIC_OUT_MAX) {
			rc = -ENOSPC;
			goto out;
		}
		e = &ob.ep[i];
		memset(e, 0, sizeof(*e));
		e->e_lfd = -1;
		snprintf(e->e_host, sizeof(e->e_host), "%s", host);
		e->e_port = port;
		e->e_gaddr = ep_gaddr(i);
		if ((ob.gw != 0 && e->e_gaddr == ob.gw) ||
		    (e->e_gaddr & ob.mask) != ob.net) {
			rc = -ENOSPC;
			goto out;
		}
		if ((rc = ep_listen(i, e)) != 0 ||
		    (rc = nic_slirp_add_unix(e->e_path, e->e_gaddr, port)) !=
		    0) {
			if (e->e_lfd >= 0) {
				close(e->e_lfd);
				(void)unlink(e->e_path);
			}
			e->e_lfd = -1;
			goto out;
		}
		e->e_used = true;
		log_info("nic: outbound %s:%u mapped to %u.%u.%u.%u:%u "
		    "(slirp guest forward, relay %s)", host, (unsigned)port,
		    (unsigned)(e->e_gaddr >> 24),
		    (unsigned)(e->e_gaddr >> 16 & 0xff),
		    (unsigned)(e->e_gaddr >> 8 & 0xff),
		    (unsigned)(e->e_gaddr & 0xff), (unsigned)port, e->e_path);
		ob_wake();
	}
	/* The relay, started on the first dial (again if that failed). */
	if (!ob.running) {
		ob.stop = false;
		if ((rc = -pthread_create(&ob.thread, NULL, relay_thread,
		    NULL)) != 0) {
			log_warnx("nic: outbound relay: cannot start: %s",
			    strerror(-rc));
			goto out;
		}
		ob.running = true;
	}
	/* The name's current addresses for the next relayed connect. */
	memcpy(e->e_addr, tmp.e_addr, sizeof(e->e_addr));
	memcpy(e->e_alen, tmp.e_alen, sizeof(e->e_alen));
	e->e_naddr = tmp.e_naddr;
	*addr = e->e_gaddr;
	*guest_port = port;
	rc = 0;
 out:
	pthread_mutex_unlock(&ob.mtx);
	return rc;
}

/* see host_local.h */
int
outbound_start(uint32_t nic_addr, uint32_t nic_mask, uint32_t gw)
{
	unsigned	 i;

	pthread_mutex_lock(&ob.mtx);
	if (ob.evfd < 0 &&
	    (ob.evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		pthread_mutex_unlock(&ob.mtx);
		return -errno;
	}
	ob.net = nic_addr & nic_mask;
	ob.mask = nic_mask;
	ob.nic_addr = nic_addr;
	ob.gw = gw;
	for (i = 0; i < OUT_CONNS_MAX; i++)
		ob.conn[i].c_ufd = ob.conn[i].c_tfd = -1;
	ob.started = true;
	pthread_mutex_unlock(&ob.mtx);
	return 0;
}

/* see host_local.h */
void
outbound_stop(void)
{
	unsigned	 i;
	bool		 join;

	pthread_mutex_lock(&ob.mtx);
	ob.started = false;
	join = ob.running;
	ob.stop = true;
	pthread_mutex_unlock(&ob.mtx);
	if (join) {
		ob_wake();
		pthread_join(ob.thread, NULL);
		ob.running = false;
	}
	for (i = 0; i < OUT_CONNS_MAX; i++)
		if (ob.conn[i].c_used)
			conn_close(&ob.conn[i], NULL);
	pthread_mutex_lock(&ob.mtx);
	for (i = 0; i < BOARD_NIC_OUT_MAX; i++) {
		if (ob.ep[i].e_used && ob.ep[i].e_lfd >= 0) {
			close(ob.ep[i].e_lfd);
			(void)unlink(ob.ep[i].e_path);
		}
		memset(&ob.ep[i], 0, sizeof(ob.ep[i]));
	}
	if (ob.evfd >= 0)
		close(ob.evfd);
	ob.evfd = -1;
	pthread_mutex_unlock(&ob.mtx);
}
