/*
 * net.c - lwIP bring-up: the tcpip thread, the board's NIC as the default
 * netif, then the HTTP server (see net.h).
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"

#include "net.h"
#include "net_local.h"

struct net_counters	 net_ctr;

static struct netif	 net_nif;
static bool		 net_running;

static void
tcpip_ready(void *arg)
{
	sem_post(arg);
}

/* see net.h */
int
net_start(struct net_conf *conf)
{
	const struct board	*bd = board_get();
	sem_t			 ready;
	int			 rc;

	if (net_running)
		return -EALREADY;
	if (conf->routes == NULL || conf->route_count == 0)
		return -EINVAL;
	if (sem_init(&ready, 0, 0) != 0)
		return -errno;
	tcpip_init(tcpip_ready, &ready);
	while (sem_wait(&ready) != 0 && errno == EINTR)
		;
	sem_destroy(&ready);

	if ((rc = bd->nic_start(&net_nif, &conf->nic)) != 0) {
		log_warnx("net: NIC start failed: %s", strerror(-rc));
		return rc;
	}
	if ((rc = http_server_start(conf)) != 0) {
		bd->nic_stop();
		return rc;
	}
	net_running = true;
	log_info("net: lwIP %s up, HTTP on port %u", LWIP_VERSION_STRING,
	    (unsigned)conf->nic.guest_port);
	return 0;
}

/* see net.h */
void
net_stop(void)
{
	if (!net_running)
		return;
	http_server_stop();
	board_get()->nic_stop();
	net_running = false;
}

/* see net.h */
void
net_stats(struct net_stats *out)
{
	out->ns_accepted = atomic_load(&net_ctr.accepted);
	out->ns_requests = atomic_load(&net_ctr.requests);
	out->ns_rejected_busy = atomic_load(&net_ctr.rejected_busy);
	out->ns_timeouts = atomic_load(&net_ctr.timeouts);
	out->ns_bad_requests = atomic_load(&net_ctr.bad_requests);
	out->ns_active = atomic_load(&net_ctr.active);
}
