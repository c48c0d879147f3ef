/*
 * host_local.h - private to board/host.
 */
#ifndef HOST_LOCAL_H
#define HOST_LOCAL_H

#include "board.h"

struct netif;

/* The slirp NIC (nic_slirp.c): board.nic_start / nic_stop. */
int	 nic_slirp_start(struct netif *nif, struct board_nic_conf *conf);
void	 nic_slirp_stop(void);
/* A slirp guest forward: connections of the appliance to addr:port (IPv4,
 * host order) go to the unix socket path, one unix connection each.  Any
 * thread.  0 or -errno. */
int	 nic_slirp_add_unix(const char *path, uint32_t addr, uint16_t port);

/* The outbound relay (outbound.c), started and stopped with the NIC. */
int	 outbound_start(uint32_t nic_addr, uint32_t nic_mask, uint32_t gw);
void	 outbound_stop(void);

#endif /* HOST_LOCAL_H */
