/*
 * The opportunistic policy set: what the kernel must hold so that the
 * loaded conns and their policy groups take effect.
 *
 * Every entry of every group becomes one outbound kernel policy whose
 * selector is (any source -> entry CIDR [proto [sport [dport]]]):
 *   - an on-demand IKE conn (private, private-or-clear): a TRAP, an ESP
 *     template with level required whose reqid names the conn, so an
 *     ACQUIRE says which conn wants the flow (see acquire.c);
 *   - an IKE conn that only responds (auto=add, clear-or-private): PASS,
 *     so a less specific trap does not catch its destinations;
 *   - type=passthrough: PASS; type=drop|reject: DROP.
 * Besides, the set holds bypass policies for IPv6 neighbour discovery
 * (a trap on an on-link prefix would otherwise break ND).
 *
 * Priorities (lower wins) sit inside the kernel's ownership band:
 *   prio_min + POLICY_BAND_BYPASS   ND bypass
 *   prio_min + POLICY_BAND_PIN +    pinned exceptions (policy_engine_pin_peer):
 *        (3 - specificity)          port-specific clear/block for one peer
 *   prio_min + POLICY_BAND_HOST     the engine's host-to-host ipsec policies
 *   prio_min + POLICY_BAND_SHUNT    negotiation and failure shunts (shunt.h)
 *   prio_min + POLICY_BAND_GROUP +  group entries: 1031 - score, so the
 *        (1031 - score)            longest prefix, then the more specific
 *                                  entry, then authenticated conns win
 * A conn's priority= is used as the offset above POLICY_BAND_GROUP
 * instead, clamped into the band.
 *
 * Reqids come in two disjoint bands of our range [reqid_min, reqid_max]:
 *   traps      [reqid_max - CONF_CONNS_MAX + 1, reqid_max]: reqid_max -
 *              conn index (conns are bounded by CONF_CONNS_MAX);
 *   Child SAs  [reqid_min, reqid_max - CONF_CONNS_MAX]: handed out by
 *              policy_child_reqid(), which never leaves its band and,
 *              after wrapping, skips reqids still in use.
 *
 * Ownership: struct policy_engine is owned by the daemon (struct iked);
 * it owns its installed set.  Kernel entries are removed only by
 * policy_engine_remove_all() (stop) and by the diff on reload.
 */
#ifndef IKED_POLICY_H
#define IKED_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oe_addr.h"
#include "conf.h"
#include "kernel.h"
#include "policy_group.h"

#define POLICY_BAND_BYPASS	0u
#define POLICY_BAND_PIN		1u	/* .. +3 */
#define POLICY_BAND_HOST	4u
#define POLICY_BAND_SHUNT	8u
#define POLICY_PIN_MAX		4096	/* pinned exceptions, all peers */
#define POLICY_BAND_GROUP	64u
#define POLICY_SCORE_MAX	1031u	/* policy_entry_score(): 128 * 8 + 3 * 2 + 1 */
/* Band width the layout above needs; kernel bands narrower are refused. */
#define POLICY_BAND_NEEDED	(POLICY_BAND_GROUP + POLICY_SCORE_MAX + 1)
/* At most this many kernel policies in one set (groups are bounded too). */
#define POLICY_SET_MAX		200000

enum policy_rule_kind {
	POLICY_RULE_TRAP,	/* on-demand IKE */
	POLICY_RULE_PASS,	/* clear */
	POLICY_RULE_DROP,	/* block */
	POLICY_RULE_BYPASS,	/* built in (ND), not from a group */
};

/* One kernel policy of the set and where it comes from. */
struct policy_rule {
	struct kernel_policy	 kp;
	int			 kind;		/* enum policy_rule_kind */
	char			 conn[CONF_NAME_MAX];	/* "" for BYPASS */
	int			 group_kind;	/* enum policy_group_kind */
	unsigned		 line;		/* in the group file */
	uint32_t		 score;
};

/* A set, sorted by (dir, selector) so diffs are a merge. */
struct policy_set {
	struct policy_rule	*rules;		/* owned */
	size_t			 n;
};

/*
 * Compute the set for `conf` within the kernel config's band.  Entries
 * with the same selector in two groups keep the better one (lower
 * priority, then the earlier conn).  Disabled and auto=ignore conns
 * contribute nothing.  Returns 0 and *out (free with
 * policy_set_free()), or -1 (no memory, band too narrow, too many).
 */
int	 policy_set_build(const struct iked_conf *conf,
	    const struct kernel_config *kcfg, struct policy_set *out);
void	 policy_set_free(struct policy_set *s);

/* The band priority for an entry of conn c (see above). */
uint32_t policy_rule_priority(const struct kernel_config *kcfg,
	    const struct conf_conn *c, const struct policy_entry *e);
/* The trap reqid of the conn with index i in conf->conns (0: i too big). */
uint32_t policy_trap_reqid(const struct kernel_config *kcfg, size_t i);
/* True if reqid lies in the trap band. */
bool	 policy_reqid_is_trap(const struct kernel_config *kcfg, uint32_t reqid);
/*
 * The next Child SA reqid from *next (which it advances), skipping
 * reqids in_use() reports (a Child SA keeps its reqid across rekeys,
 * so a wrapped counter can meet a live one).  0 when the range has no
 * Child SA band or all of it is in use.  in_use may be NULL.
 */
uint32_t policy_child_reqid(const struct kernel_config *kcfg, uint32_t *next,
	    bool (*in_use)(void *arg, uint32_t reqid), void *arg);
/* The priority of shunts and of the engine's host-to-host policies. */
uint32_t policy_shunt_priority(const struct kernel_config *kcfg);
uint32_t policy_host_priority(const struct kernel_config *kcfg);

struct policy_engine;

/* Counts from the last apply (for logs, tests and oectl). */
struct policy_apply_stats {
	size_t	 added;
	size_t	 replaced;
	size_t	 removed;
	size_t	 unchanged;
	size_t	 failed;
	/* reconcile only: a predecessor's entries removed */
	size_t	 stale_policies;
	size_t	 stale_sas;
};

/* Borrowed kernel context; it must outlive the engine. */
struct policy_engine *policy_engine_new(struct kernel *k);
/* Frees memory only: kernel entries stay (see policy_engine_remove_all). */
void	 policy_engine_free(struct policy_engine *pe);

/*
 * Make the kernel hold the set for `conf`: add what is new, replace
 * what changed (one atomic update per policy, never delete-then-add),
 * then delete what is gone.  On failure of single policies the rest is
 * still applied; returns 0 if every operation succeeded, else -1.
 */
int	 policy_engine_apply(struct policy_engine *pe,
	    const struct iked_conf *conf, struct policy_apply_stats *st);
/*
 * Start-up: apply the set for `conf`, then remove every other entry in
 * our ownership band left by a predecessor (its shunts, its Child SAs'
 * policies, then the SAs themselves).  Traps go in first, so traffic
 * of `private` never finds a moment without a policy.
 */
int	 policy_engine_reconcile(struct policy_engine *pe,
	    const struct iked_conf *conf, struct policy_apply_stats *st);
/*
 * An OE instance's host-to-host ipsec policy (any protocol) outranks
 * every group entry, so a port-specific clear or block entry that
 * beats the peer's trap in the group order would lose to it.  Pinning
 * installs host copies of those entries (dst peer/32, same protocol
 * and ports, same action) above the host band, and for clear entries
 * the inbound mirror (from peer/32, ports swapped) so the answers get
 * past the instance's inbound ipsec policy.  They say only what the
 * group order says for that peer anyway, so they stay until the next
 * apply (which re-pins the same peers) or stop.  Returns how many were
 * added, or -1 (kernel error, or POLICY_PIN_MAX reached).
 */
int	 policy_engine_pin_peer(struct policy_engine *pe,
	    const struct oe_addr *peer);
/* The pinned exceptions (read-only). */
const struct policy_set *policy_engine_pinned(const struct policy_engine *pe);

/*
 * Delete the kernel's larval SAs (SPI 0, made for our traps' ACQUIREs)
 * in our reqid range; without that a trap stays silent for a flow
 * until the larval SA expires.  0 or the first -errno.
 */
int	 policy_flush_larval(struct kernel *k);

/* Stop: delete every policy of the installed set.  Returns first error. */
int	 policy_engine_remove_all(struct policy_engine *pe);

/* The installed set (read-only; valid until the next apply). */
const struct policy_set *policy_engine_installed(const struct policy_engine *pe);
/* The installed trap rule with this template reqid, or NULL. */
const struct policy_rule *policy_engine_find_trap(const struct policy_engine *pe,
	    uint32_t reqid);
/*
 * The installed out rule that governs traffic to dst (proto/ports 0:
 * unknown, only entries without them match), as the kernel would pick
 * it: lowest priority among matching selectors.  NULL if none.
 */
const struct policy_rule *policy_engine_lookup(const struct policy_engine *pe,
	    const struct oe_addr *dst, uint8_t proto, uint16_t sport,
	    uint16_t dport);

const char *policy_rule_kind_name(int kind);

/* kernel_addr <-> oe_addr */
void	 policy_kaddr(const struct oe_addr *a, struct kernel_addr *k);
void	 policy_oaddr(const struct kernel_addr *k, struct oe_addr *a);

/*
 * Exempt an IKE socket from IPsec policies (both directions), so IKE
 * traffic is never trapped by the policies it negotiates for.  Needs
 * CAP_NET_ADMIN; returns 0 or -errno.
 */
int	 policy_socket_bypass(int fd, int family);

#endif /* IKED_POLICY_H */
