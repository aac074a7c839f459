/*
 * The DNS trigger socket of oe-iked: the resolver module
 * (oe-unbound.so) sends one request per secure-enough answer
 * (doc/trigger-protocol.md, codec shared/oe_trigger.h) and holds the
 * answer until we reply.  This file turns a request into one of:
 *
 *   clear   policy has no IKE conn for the address (or only a
 *           responder one);
 *   failed  the conn needs an authenticated peer and the answer has
 *           no usable key, or the negotiation failed;
 *   up      an SA to the address already protects it, or the one we
 *           start here got its Child SA installed (sa_lifetime: the
 *           Child SA's remaining life);
 *   busy    a bound below was reached;
 *   error   the request did not decode (only if its cookie did).
 *
 * Security rules (ARCHITECTURE.md, "Security shape"):
 *  - the peer is always one of the answer's own addresses: an
 *    IPSECKEY gateway never redirects traffic.  A record whose gateway
 *    is not one of those addresses is not used at all;
 *  - keys are used only inside the RRSIG validity window the module
 *    reported, and only RSA/ECDSA keys that pass oe_ipseckey_key_check;
 *  - the SA is labelled with the name only when the name's keys are
 *    what authenticates it; an existing SA is reused for a keyed
 *    request only if it was authenticated with one of the very same
 *    keys, and it is never relabelled.
 *
 * Bounds: TRIGGER_CLIENTS_MAX connections, TRIGGER_OUTQ_MAX queued
 * replies per connection (a client that does not read is dropped),
 * TRIGGER_ATTEMPTS_MAX initiations in flight, TRIGGER_WAITERS_MAX
 * requests joined to one initiation, TRIGGER_RECENT_MAX finished
 * requests remembered for the control socket's `triggers` query.
 *
 * Ownership: trigger_server_new() returns a server the caller frees
 * with trigger_server_free(), which closes every socket, unlinks the
 * socket file it created and detaches its callbacks from SAs still
 * negotiating.  Nothing here keeps a pointer into a request.
 */
#ifndef OE_IKED_TRIGGER_H
#define OE_IKED_TRIGGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "oe_trigger.h"
#include "ikev2_sa.h"

struct iked;
struct iked_conf;
struct conf_conn;

#define TRIGGER_CLIENTS_MAX	16
#define TRIGGER_OUTQ_MAX	64
#define TRIGGER_ATTEMPTS_MAX	128
#define TRIGGER_WAITERS_MAX	32
#define TRIGGER_RECENT_MAX	64
#define TRIGGER_BATCH_MAX	32	/* messages read per wake-up */
/* Debian's unbound package runs as this user. */
#define TRIGGER_DEFAULT_USER	"unbound"

struct trigger_cfg {
	const char	*path;		/* socket file; its directory must exist */
	bool		 allow_root;	/* uid 0 may connect */
	bool		 have_uid;	/* `uid` may connect */
	uid_t		 uid;
	gid_t		 gid;		/* socket file group; (gid_t)-1: keep */
};

/*
 * Fill cfg for `user` (a name or a number; NULL: TRIGGER_DEFAULT_USER if
 * that user exists, else root only).  Root is always allowed.  0, or -1
 * when an explicitly named user does not exist (err filled).
 */
int	 trigger_cfg_for_user(struct trigger_cfg *cfg, const char *path,
	    const char *user, char *err, size_t errlen);

/* ---- decision, without sockets (unit-tested) --------------------------- */

enum trigger_action {
	TRIGGER_ACT_CLEAR,	/* reply "clear" */
	TRIGGER_ACT_FAIL,	/* reply "failed" */
	TRIGGER_ACT_INITIATE,	/* reuse or start an SA to `peer` with `conn` */
};

struct trigger_plan {
	enum trigger_action	 action;
	const char		*why;		/* static text, for logs */
	const struct conf_conn	*conn;		/* INITIATE: borrowed from conf */
	struct oe_addr		 peer;		/* INITIATE: one of req->addrs */
	bool			 keyed;		/* the name's keys authenticate */
	size_t			 nkeys;
	struct ikev2_peer_key	 keys[IKEV2_MAX_PEER_KEYS];
	size_t			 ignored;	/* records not usable (logged) */
};

/*
 * Decide what a decoded request means under `conf` at UNIX time
 * `now`.  Never fails: every outcome is an action.
 */
void	 trigger_plan(const struct iked_conf *conf,
	    const struct oe_trigger_request *req, int64_t now,
	    struct trigger_plan *out);

/*
 * Only the key choice of trigger_plan() (no conn, no RRSIG window: the
 * caller vouches for both): the usable records of req's secure
 * IPSECKEY answer, best precedence first, into out->keys/nkeys, and
 * out->peer (a gateway of the answer's, else its first address).
 * Also used by the responder's DNS lookup (dns_keys.c).
 */
void	 trigger_plan_keys(const struct oe_trigger_request *req,
	    struct trigger_plan *out);

/*
 * An established SA with an installed Child SA to plan->peer that may
 * answer this plan: for a keyed plan, one whose peer proved one of the
 * plan's keys; otherwise any.  NULL if none.
 */
struct ikev2_ike_sa *trigger_find_sa(struct ikev2_sa_table *t,
	    const struct trigger_plan *plan);
/*
 * For a keyed plan: an established SA to plan->peer whose peer proved
 * none of the plan's keys (another name's key, or none).  The host at
 * that address already proved who it is; a second negotiation with
 * other keys cannot succeed against it and would only disturb the SA
 * it has (the responder installs its Child SA before we verify its
 * AUTH).  Such a request is answered "failed".  NULL if none.
 */
struct ikev2_ike_sa *trigger_find_conflict(struct ikev2_sa_table *t,
	    const struct trigger_plan *plan);
/*
 * Our own initiation to plan->peer still in flight (started by a kernel
 * ACQUIRE, `oectl initiate` or another conn) whose outcome answers this
 * plan too: any for an unkeyed plan; for a keyed plan, only one that
 * expects one of the plan's keys.  Joining it costs the request no
 * second IKE SA to the same host.  NULL if none.
 */
struct ikev2_ike_sa *trigger_find_inflight(struct ikev2_sa_table *t,
	    const struct trigger_plan *plan);
/* Seconds the Child SA of sa has left at monotonic time now_usec. */
uint32_t trigger_sa_remaining(const struct ikev2_ike_sa *sa,
	    uint64_t now_usec);

/* ---- the server -------------------------------------------------------- */

struct trigger_server;

struct trigger_stats {
	uint64_t	 accepted;	/* connections */
	uint64_t	 refused;	/* SO_PEERCRED said no, or too many */
	uint64_t	 requests;	/* messages read */
	uint64_t	 malformed;	/* decode errors (answered or not) */
	uint64_t	 oversize;	/* longer than OE_TRIGGER_MSG_MAX */
	uint64_t	 replies[OE_TRIGGER_ERROR + 1];	/* by status */
	uint64_t	 reused;	/* answered "up" from an existing SA */
	uint64_t	 joined;	/* joined an initiation in flight */
	uint64_t	 initiated;
	uint64_t	 dropped_clients;	/* reply queue overflow */
};

/* Bind, listen and start serving on d's event loop.  NULL (logged). */
struct trigger_server *trigger_server_new(struct iked *d,
	    const struct trigger_cfg *cfg);
void	 trigger_server_free(struct trigger_server *s);

void	 trigger_server_stats(const struct trigger_server *s,
	    struct trigger_stats *out);
/*
 * The `triggers` view (new reference): {"pending":[...],"recent":[...],
 * "stats":{...}}; each entry has name, qtype, peer, keyed, conn, status
 * (recent) and timing.
 */
json_t	*trigger_server_json(const struct trigger_server *s);

/*
 * Daemon glue: open d->trigger from the configuration's trigger-socket
 * and d->opts.trigger_user.  0, or -1 when the daemon must not start.
 */
int	 trigger_setup(struct iked *d);
/* Register `triggers` (command and status section) on d->control. */
int	 trigger_ctl_register(struct iked *d);

#endif /* OE_IKED_TRIGGER_H */
