/*
 * net.c - lwIP bring-up: the tcpip thread, the board's NIC as the default
 * netif, then the HTTP listeners (the KMS port, the admin port) and the
 * syslog sender (see net.h).
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

struct http_server	*net_kms_srv;
struct http_server	*net_admin_srv;
const char		*(*net_state_fn)(void *arg);
void			*net_state_arg;

static struct netif	 net_nif;
static bool		 net_running;

/* The admin port's routes when the application gives none. */
static const struct http_route net_admin_routes[] = {
	{ HTTP_M_GET, "/metrics", false, net_metrics_handler },
};

static void
tcpip_ready(void *arg)
{
	sem_post(arg);
}

/* The NIC's forwards: the admin port, UDP to the syslog collector. */
static int
nic_forwards(struct net_conf *conf)
{
	struct board_nic_conf	*nic = &conf->nic;

	nic->fwd_count = 0;
	nic->udp_gw_count = 0;
	if (conf->admin.guest_port != 0) {
		if (conf->admin.guest_port == nic->guest_port)
			return -EINVAL;
		nic->fwd[0].guest_port = conf->admin.guest_port;
		nic->fwd[0].host_port = conf->admin.host_port;
		nic->fwd_count = 1;
	}
	if (conf->syslog.addr != 0) {
		if (conf->syslog.port == 0)
			return -EINVAL;
		if (conf->syslog.addr == nic->nic_gw) {
			nic->udp_gw_port[0] = conf->syslog.port;
			nic->udp_gw_count = 1;
		} else
			log_warnx("net: syslog collector is not the gateway: "
			    "the host board delivers only datagrams to the "
			    "gateway, so none will arrive");
	}
	return 0;
}

/* The admin listener: plain HTTP, NET_ADMIN_CONNS workers, no gate. */
static int
admin_start(struct net_conf *conf)
{
	struct net_conf	 ac;

	memset(&ac, 0, sizeof(ac));
	ac.nic = conf->nic;
	ac.nic.guest_port = conf->admin.guest_port;
	ac.conns = NET_ADMIN_CONNS;
	ac.routes = conf->admin.routes;
	ac.route_count = conf->admin.route_count;
	if (ac.routes == NULL) {
		ac.routes = net_admin_routes;
		ac.route_count = sizeof(net_admin_routes) /
		    sizeof(net_admin_routes[0]);
	}
	ac.arg = conf->arg;
	return http_server_start(&ac, "admin", &net_admin_srv);
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
	if ((rc = nic_forwards(conf)) != 0)
		return rc;
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
	net_state_fn = conf->admin.state;
	net_state_arg = conf->arg;
	if ((rc = http_server_start(conf, "kms", &net_kms_srv)) != 0)
		goto fail;
	if (conf->admin.guest_port != 0) {
		if ((rc = admin_start(conf)) != 0)
			goto fail;
		conf->admin.host_port = conf->nic.fwd[0].host_port;
	}
	if (conf->syslog.addr != 0 && (rc = net_syslog_start(&conf->syslog,
	    conf->nic.nic_addr)) != 0)
		goto fail;
	net_running = true;
	log_info("net: lwIP %s up, HTTP on port %u", LWIP_VERSION_STRING,
	    (unsigned)conf->nic.guest_port);
	if (net_admin_srv != NULL)
		log_info("net: admin (metrics) on port %u",
		    (unsigned)conf->admin.guest_port);
	return 0;
 fail:
	http_server_stop(net_admin_srv);
	http_server_stop(net_kms_srv);
	net_admin_srv = net_kms_srv = NULL;
	bd->nic_stop();
	return rc;
}

/* see net.h */
void
net_stop(void)
{
	if (!net_running)
		return;
	net_syslog_stop();
	/* Both servers see the stop within one poll slice, not two. */
	http_server_signal(net_admin_srv);
	http_server_signal(net_kms_srv);
	http_server_stop(net_admin_srv);
	http_server_stop(net_kms_srv);
	net_admin_srv = net_kms_srv = NULL;
	board_get()->nic_stop();
	net_running = false;
}

/* see net.h */
void
net_stats(struct net_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (net_kms_srv == NULL)
		return;
	out->ns_accepted = atomic_load(&net_kms_srv->ctr.accepted);
	out->ns_requests = atomic_load(&net_kms_srv->ctr.requests);
	out->ns_rejected_busy = atomic_load(&net_kms_srv->ctr.rejected_busy);
	out->ns_timeouts = atomic_load(&net_kms_srv->ctr.timeouts);
	out->ns_bad_requests = atomic_load(&net_kms_srv->ctr.bad_requests);
	out->ns_active = atomic_load(&net_kms_srv->ctr.active);
}
