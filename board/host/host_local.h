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

#endif /* HOST_LOCAL_H */
