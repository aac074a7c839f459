/*
 * The daemon side of the policy engine: set-up, reload and stop of the
 * kernel policy set and the shunt table, and the handling of kernel
 * ACQUIREs (acquire.c).
 *
 * ACQUIRE -> the trap's conn (by the template reqid, else by the best
 * matching installed rule) -> host-to-host instance (our address from
 * the ACQUIRE, the packet's destination as peer) -> negotiation shunt
 * -> ikev2_initiate().  On success the engine's outbound ipsec policy
 * replaces the negotiation shunt in one kernel operation; on failure
 * the negotiation shunt is replaced by the failure shunt.
 *
 * Ownership: struct iked owns `policy` and `shunts` (iked.h); these
 * functions create and free them.
 */
#ifndef IKED_ACQUIRE_H
#define IKED_ACQUIRE_H

#include <stdint.h>

#include <jansson.h>

#include "kernel.h"

struct iked;

/* After the kernel is open and the configuration loaded: 0 or -1. */
int	 policy_daemon_start(struct iked *d);
/* After a successful reload swapped d->conf. */
void	 policy_daemon_reload(struct iked *d);
/* Remove shunts and policies, free both tables (safe to call twice). */
void	 policy_daemon_stop(struct iked *d);
/*
 * The engine installed a Child SA's host policies towards `peer` (any
 * role): pin the port-specific clear/block entries above them
 * (policy_engine_pin_peer()).
 */
struct oe_addr;
void	 policy_daemon_child_up(struct iked *d, const struct oe_addr *peer);
/* The kernel callback's body. */
void	 acquire_handle(struct iked *d, const struct kernel_acquire *ev);
/*
 * The failure shunt lifetime in effect (seconds): config setup
 * shuntlifetime= of the loaded configuration (default 15m).
 */
uint32_t acquire_failure_lifetime(const struct iked *d);

/*
 * Control socket (policy_ctl.c): registers `policies`, `shunts`,
 * `why` {"address", "proto"?, "sport"?, "dport"?} and `flush-shunts`
 * {"conn"?}, and a `policy` status section.  0 or -1.
 */
int	 policy_ctl_register(struct iked *d);
/* JSON views (new references; NULL on allocation failure). */
struct policy_set;
struct shunt_table;
json_t	*policy_set_json(const struct policy_set *s);
json_t	*shunt_table_json(const struct shunt_table *t, uint64_t now_usec);
json_t	*policy_why_json(struct iked *d, const struct oe_addr *dst,
	    uint8_t proto, uint16_t sport, uint16_t dport);

#endif /* IKED_ACQUIRE_H */
