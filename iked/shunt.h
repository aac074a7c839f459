/*
 * Shunts: host-to-host kernel policies (our address -> the peer,
 * outbound; any protocol, or the protocol and ports of a port-specific
 * group entry) that override a group's trap for one peer.
 *
 *   negotiation shunt  while IKE runs: DROP (negotiationshunt=hold,
 *                      nothing leaks) or PASS (negotiationshunt=
 *                      passthrough); no lifetime, it ends with the
 *                      negotiation;
 *   failure shunt      after IKE failed: PASS (private-or-clear) or DROP
 *                      (private) for a bounded lifetime, then it is
 *                      deleted and the group's trap applies again.
 *
 * The selector is exactly the one the engine gives the Child SA's
 * outbound policy (host-to-host, the flow's protocol and ports, which
 * the instance negotiated as its traffic selectors), so on success the
 * engine's kernel_replace_policy() swaps shunt for ipsec policy in one
 * kernel operation: for `private` no packet can pass in between.  The
 * table then forgets the shunt without touching the kernel
 * (shunt_forget()).
 *
 * Lifetimes run on the caller's monotonic clock (microseconds).  With
 * an sd-event loop the table arms one timer for the earliest expiry;
 * without (tests), call shunt_expire() with any clock value.
 *
 * Ownership: the daemon owns the table; the table owns its entries and
 * borrows the kernel context.  shunt_table_free() frees memory only;
 * shunt_flush() removes the kernel policies.
 */
#ifndef IKED_SHUNT_H
#define IKED_SHUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "oe_addr.h"
#include "conf.h"
#include "kernel.h"

#define SHUNT_MAX		4096	/* bounds memory under an ACQUIRE flood */
#define SHUNT_FAILURE_LIFETIME_DEFAULT	900	/* seconds (15 minutes) */
#define SHUNT_LIFETIME_MAX	86400	/* seconds */

enum shunt_kind {
	SHUNT_NEGOTIATION = 1,
	SHUNT_FAILURE,
};

/* The flow of a port-specific entry; all zero: any protocol and port. */
struct shunt_flow {
	uint8_t			 proto;
	uint16_t		 sport;		/* our port, 0: any */
	uint16_t		 dport;		/* the peer's port, 0: any */
};

struct shunt {
	int			 kind;		/* enum shunt_kind */
	enum kernel_policy_action action;	/* PASS or DROP */
	struct oe_addr		 local;
	struct oe_addr		 peer;
	struct shunt_flow	 flow;
	char			 conn[CONF_NAME_MAX];
	uint64_t		 created_usec;
	uint64_t		 expires_usec;	/* 0: no lifetime */
	char			 reason[96];	/* failure: why IKE failed */
};

struct shunt_table;

/*
 * `event` may be NULL (no timer: the caller runs shunt_expire()).
 * `priority` is the kernel priority of shunt policies.
 */
struct shunt_table *shunt_table_new(struct kernel *k, sd_event *event,
	    uint32_t priority);
void	 shunt_table_free(struct shunt_table *t);

/* The conn's shunt setting as a kernel action: 0 = no shunt (none). */
enum kernel_policy_action shunt_action_for(int conf_shunt);

/*
 * Install (or replace in place) the shunt for local -> peer.  lifetime
 * in seconds (0: none; clamped to SHUNT_LIFETIME_MAX).  Returns 0,
 * -ENOSPC when the table is full, or the kernel's -errno (the table is
 * then unchanged).
 */
int	 shunt_install(struct shunt_table *t, int kind,
	    enum kernel_policy_action action, const struct oe_addr *local,
	    const struct oe_addr *peer, const char *conn, uint32_t lifetime,
	    const char *reason, uint64_t now_usec);
const struct shunt *shunt_find(const struct shunt_table *t,
	    const struct oe_addr *local, const struct oe_addr *peer);
/* Drop the entry only (its kernel policy was replaced by someone else). */
int	 shunt_forget(struct shunt_table *t, const struct oe_addr *local,
	    const struct oe_addr *peer);
/* Delete the kernel policy and the entry; -ENOENT if not in the table. */
int	 shunt_remove(struct shunt_table *t, const struct oe_addr *local,
	    const struct oe_addr *peer);
/*
 * The same for the shunt of one flow (a port-specific entry); `flow`
 * NULL or all zero is the any-protocol shunt of the calls above.  A
 * flow's shunt and the any-protocol one are separate entries.
 */
int	 shunt_install_flow(struct shunt_table *t, int kind,
	    enum kernel_policy_action action, const struct oe_addr *local,
	    const struct oe_addr *peer, const struct shunt_flow *flow,
	    const char *conn, uint32_t lifetime, const char *reason,
	    uint64_t now_usec);
const struct shunt *shunt_find_flow(const struct shunt_table *t,
	    const struct oe_addr *local, const struct oe_addr *peer,
	    const struct shunt_flow *flow);
int	 shunt_forget_flow(struct shunt_table *t, const struct oe_addr *local,
	    const struct oe_addr *peer, const struct shunt_flow *flow);
int	 shunt_remove_flow(struct shunt_table *t, const struct oe_addr *local,
	    const struct oe_addr *peer, const struct shunt_flow *flow);
/* Remove the shunts whose lifetime ended by now_usec; returns how many. */
size_t	 shunt_expire(struct shunt_table *t, uint64_t now_usec);
/* Remove every shunt (or only those of `conn` when non-NULL); count. */
size_t	 shunt_flush(struct shunt_table *t, const char *conn);

size_t	 shunt_count(const struct shunt_table *t);
/* The i-th shunt (0 <= i < count), order unspecified; NULL past the end. */
const struct shunt *shunt_at(const struct shunt_table *t, size_t i);
const char *shunt_kind_name(int kind);

/* The selector of the shunt local -> peer (also the engine's). */
void	 shunt_selector(const struct oe_addr *local, const struct oe_addr *peer,
	    struct kernel_selector *sel);
/* ... and of the shunt of `flow` (NULL: any protocol). */
void	 shunt_flow_selector(const struct oe_addr *local,
	    const struct oe_addr *peer, const struct shunt_flow *flow,
	    struct kernel_selector *sel);

#endif /* IKED_SHUNT_H */
