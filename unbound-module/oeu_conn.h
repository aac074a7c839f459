/*
 * Per-worker-thread state of oe-unbound.so: the connection to the
 * daemon's trigger socket, the table of held queries (matched to replies
 * by cookie, never by a pointer the reply carries), their deadline
 * timers, counters and log rate limits.
 *
 * One struct oeu_worker per Unbound worker thread, touched only by that
 * thread, so it needs no lock; the only state the threads share is the
 * atomic flag in struct oeu_shared.  Events are raw ub_events on the
 * worker's libevent base (comm_timer/comm_point would trip Unbound's
 * function-pointer whitelist).  No event outlives the last held query:
 * Unbound deletes a worker's mesh (clearing every held query) before its
 * event base, and deinit runs after that.
 */
#ifndef OEU_CONN_H
#define OEU_CONN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "oeu_unbound.h"
#include "oeu_conf.h"
#include "oe_trigger.h"

struct oeu_worker;
struct oeu_pending;

/*
 * The one piece of state all worker threads share: whether the daemon
 * let a deadline pass without replying since.  Atomic, so no lock; a
 * silent daemon then costs the deadline once, not once per thread.
 */
struct oeu_shared {
	atomic_bool	 stalled;
};

/*
 * Called when a held query may go on.  `reply` is NULL when the deadline
 * passed or the daemon went away.  The pending entry is already gone.
 */
typedef void (*oeu_resume_fn)(struct module_qstate *qstate, int id,
    const struct oe_trigger_reply *reply);

enum oeu_send_result {
	OEU_SENT,
	OEU_UNAVAILABLE,	/* no daemon (or backing off after failure) */
	OEU_FULL,		/* socket buffer full */
};

struct oeu_stats {
	uint64_t	 requests;	/* sent to the daemon */
	uint64_t	 keyed;		/* ... with a secure IPSECKEY */
	uint64_t	 held;		/* answers held for a reply */
	uint64_t	 replies[OE_TRIGGER_ERROR + 1];	/* by status */
	uint64_t	 timeouts;	/* deadline passed */
	uint64_t	 late;		/* reply for a forgotten query */
	uint64_t	 bad_replies;
	uint64_t	 unavailable;	/* daemon absent */
	uint64_t	 full;		/* socket full */
	uint64_t	 bogus;		/* bogus IPSECKEY */
	uint64_t	 subqueries;	/* IPSECKEY lookups attached */
	uint64_t	 prefetches;	/* IPSECKEY lookups started early */
};

enum oeu_rl_reason {
	OEU_RL_UNAVAILABLE,
	OEU_RL_FULL,
	OEU_RL_BOGUS,
	OEU_RL_BADREPLY,
	OEU_RL_TIMEOUT,
	OEU_RL_MAX
};

/* Allocated by the module for its worker thread; freed by oeu_worker_free. */
struct oeu_worker *oeu_worker_new(const struct oeu_conf *conf,
    struct oeu_shared *shared, struct module_env *env, int id, int thread,
    oeu_resume_fn resume);
void oeu_worker_free(struct oeu_worker *w);

/* A fresh cookie (never 0, below 2^63). */
uint64_t oeu_worker_cookie(struct oeu_worker *w);

/* Send one request; connects (with back-off) if needed. */
enum oeu_send_result oeu_worker_send(struct oeu_worker *w, const char *msg,
    size_t len);

/*
 * False after a deadline passed without any reply since: the daemon is
 * up but not answering, so answers are not held again until it answers.
 */
bool oeu_worker_may_hold(const struct oeu_worker *w);

/*
 * Hold `qstate` until the reply with `cookie` or the deadline.  Returns
 * the entry (owned by the worker) or NULL on failure (answer at once).
 */
struct oeu_pending *oeu_hold(struct oeu_worker *w,
    struct module_qstate *qstate, uint64_t cookie);

/* Forget a held query (the mesh dropped it); frees the entry. */
void oeu_forget(struct oeu_pending *p);

/* True if the address is this host's own, loopback, unspecified or multicast. */
bool oeu_addr_is_local(struct oeu_worker *w, int family, const uint8_t *addr);

struct oeu_stats *oeu_worker_stats(struct oeu_worker *w);

/* At most one log line per reason every 10 seconds. */
bool oeu_log_allowed(struct oeu_worker *w, enum oeu_rl_reason why);

#endif /* OEU_CONN_H */
