/*
 * net_local.h - private to net/.
 */
#ifndef NET_LOCAL_H
#define NET_LOCAL_H

#include <stdatomic.h>

#include "net.h"

/* The server's counters (http.c), read by net_stats(). */
struct net_counters {
	_Atomic uint64_t	 accepted;
	_Atomic uint64_t	 requests;
	_Atomic uint64_t	 rejected_busy;
	_Atomic uint64_t	 timeouts;
	_Atomic uint64_t	 bad_requests;
	_Atomic unsigned	 active;
};

extern struct net_counters net_ctr;

/* http.c: start the listener and the worker pool on lwIP sockets. */
int	 http_server_start(const struct net_conf *conf);
void	 http_server_stop(void);

#endif /* NET_LOCAL_H */
