/*
 * Kernel ACQUIRE -> opportunistic negotiation, and the daemon glue of
 * the policy engine (see acquire.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>

#include "oe_log.h"
#include "iked.h"
#include "control.h"
#include "ikev2_sa.h"
#include "policy_group.h"
#include "policy.h"
#include "shunt.h"
#include "acquire.h"

/* One negotiation started by an ACQUIRE; owned by the engine's callback. */
struct acquire_ctx {
	struct iked	*d;
	struct oe_addr	 local;
	struct oe_addr	 peer;
	struct shunt_flow flow;		/* the trap's protocol and ports */
	char		 conn[CONF_NAME_MAX];
};

uint32_t
acquire_failure_lifetime(const struct iked *d)
{
	uint32_t v = d->conf != NULL ? d->conf->setup.shuntlifetime : 0;

	/* The options table bounds it; a zeroed setup means the default. */
	if (v == 0)
		return SHUNT_FAILURE_LIFETIME_DEFAULT;
	return v > SHUNT_LIFETIME_MAX ? SHUNT_LIFETIME_MAX : v;
}

/* True if `a` is configured on one of this host's interfaces. */
static bool
addr_is_local(const struct oe_addr *a)
{
	struct ifaddrs *ifa, *i;
	struct oe_addr x;
	bool found = false;

	if (getifaddrs(&ifa) < 0)
		return false;
	for (i = ifa; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != a->family)
			continue;
		if (oe_addr_from_sockaddr(&x, i->ifa_addr,
		    i->ifa_addr->sa_family == AF_INET ?
		    sizeof(struct sockaddr_in) :
		    sizeof(struct sockaddr_in6)) == 0 && oe_addr_eq(&x, a))
			found = true;
	}
	freeifaddrs(ifa);
	return found;
}

/* A traffic selector's port as a selector port: one port, or 0 (all). */
static uint16_t
ts_port(const struct ikev2_ts *ts)
{
	return ts->start_port == ts->end_port ? ts->start_port : 0;
}

/*
 * Did the engine's Child SA policy take the shunt's place?  It did when
 * its outbound selector equals the shunt's: same addresses, and traffic
 * selectors of the shunt's protocol and ports (none for a plain entry).
 */
static bool
engine_replaced_shunt(struct iked *d, const struct acquire_ctx *c,
    uint32_t spi_in)
{
	struct ikev2_ike_sa *sa;

	/* An SA of another peer with that SPI would not match either. */
	for (sa = ikev2_sa_first_peer(d->sas, &c->peer); sa != NULL;
	    sa = ikev2_sa_next_peer(sa))
		if (sa->child.installed && sa->child.spi_in == spi_in &&
		    oe_addr_eq(&sa->path.remote, &c->peer))
			return oe_addr_eq(&sa->path.local, &c->local) &&
			    sa->child.ts_remote.ip_proto == c->flow.proto &&
			    (c->flow.proto == 0 ||
			    (ts_port(&sa->child.ts_local) == c->flow.sport &&
			    ts_port(&sa->child.ts_remote) == c->flow.dport));
	return false;
}

static void
acquire_done(void *arg, const struct ikev2_initiate_result *res)
{
	struct acquire_ctx *c = arg;
	struct iked *d = c->d;
	const struct conf_conn *conn;
	enum kernel_policy_action act = 0;
	char p[OE_ADDR_STRLEN];

	/* The daemon is stopping: the tables are gone or going. */
	if (d->shunts == NULL || d->stopping)
		goto out;
	/*
	 * The kernel's larval SA of this ACQUIRE would keep the trap
	 * silent for the flow once the shunt is gone (policy.h).  Shunts
	 * cover every flow still negotiating, so all of them can go.
	 */
	(void)policy_flush_larval(d->kernel);
	(void)oe_addr_format(&c->peer, p, sizeof(p));
	if (res->ok) {
		oe_info("OE %s: up with %s (Child SA in 0x%08x out 0x%08x)",
		    c->conn, p, res->spi_in, res->spi_out);
		if (engine_replaced_shunt(d, c, res->spi_in))
			(void)shunt_forget_flow(d->shunts, &c->local, &c->peer,
			    &c->flow);
		else
			(void)shunt_remove_flow(d->shunts, &c->local, &c->peer,
			    &c->flow);
		goto out;
	}
	oe_info("OE %s: negotiation with %s failed: %s", c->conn, p,
	    res->error != NULL ? res->error : "unknown");
	conn = conf_find_conn(d->conf, c->conn);
	if (conn != NULL)
		act = shunt_action_for(conn->failureshunt);
	if (act == 0) {
		/* failureshunt=none (or the conn is gone): the trap again. */
		(void)shunt_remove_flow(d->shunts, &c->local, &c->peer,
		    &c->flow);
		goto out;
	}
	/* Replace in place: `private` goes from drop to drop, never open. */
	if (shunt_install_flow(d->shunts, SHUNT_FAILURE, act, &c->local,
	    &c->peer, &c->flow, c->conn, acquire_failure_lifetime(d),
	    res->error, iked_now_usec(d)) < 0)
		(void)shunt_remove_flow(d->shunts, &c->local, &c->peer,
		    &c->flow);
out:
	free(c);
}

/*
 * The conn that trapped this flow, or NULL (logged); *rule is the
 * trap's entry, whose protocol and ports the instance takes.
 */
static const struct conf_conn *
acquire_conn(struct iked *d, const struct kernel_acquire *ev,
    const struct oe_addr *peer, const struct policy_rule **rule)
{
	const struct policy_rule *r;
	const struct conf_conn *c;

	r = policy_engine_find_trap(d->policy, ev->reqid);
	if (r == NULL && ev->reqid != 0 &&
	    kernel_reqid_owned(d->kernel, ev->reqid) &&
	    !policy_reqid_is_trap(&d->kernel->cfg, ev->reqid)) {
		/*
		 * One of our Child SAs' policies lacks its SA for a moment
		 * (a rekey, a deletion): the engine's business, not a new
		 * opportunistic flow.  Answering it would replace that
		 * policy with a shunt.  (A trap-band reqid we no longer
		 * know, e.g. across a reload, is looked up below instead.)
		 */
		oe_debug("ACQUIRE for Child SA reqid %u ignored", ev->reqid);
		return NULL;
	}
	if (r == NULL) {
		/* Not our template: use what would govern the flow. */
		r = policy_engine_lookup(d->policy, peer, ev->sel.proto,
		    ev->sel.sport, ev->sel.dport);
		if (r == NULL || r->kind != POLICY_RULE_TRAP)
			return NULL;
	}
	c = conf_find_conn(d->conf, r->conn);
	if (c == NULL || c->disabled || !conf_conn_is_ike(c) ||
	    c->autostart != CONF_AUTO_ONDEMAND)
		return NULL;
	*rule = r;
	return c;
}

void
acquire_handle(struct iked *d, const struct kernel_acquire *ev)
{
	struct ikev2_initiate_req req;
	struct acquire_ctx *ctx = NULL;
	const struct conf_conn *c;
	const struct policy_rule *rule = NULL;
	struct shunt_flow flow;
	struct oe_addr local, peer;
	enum kernel_policy_action neg;
	char l[OE_ADDR_STRLEN], p[OE_ADDR_STRLEN];
	int r;

	if (d->policy == NULL || d->shunts == NULL || d->stopping)
		return;
	/* Transport templates: the SA endpoints are the flow's addresses. */
	policy_oaddr(ev->dst.family != AF_UNSPEC ? &ev->dst : &ev->sel.dst,
	    &peer);
	policy_oaddr(ev->src.family != AF_UNSPEC ? &ev->src : &ev->sel.src,
	    &local);
	if (ev->dir != KERNEL_DIR_OUT || peer.family == AF_UNSPEC ||
	    local.family != peer.family) {
		if (oe_ratelimit_allow(&d->rl.misc, iked_now_usec(d)))
			oe_debug("%s: ACQUIRE without usable addresses ignored",
			    __func__);
		return;
	}
	(void)oe_addr_format(&local, l, sizeof(l));
	(void)oe_addr_format(&peer, p, sizeof(p));
	control_count(d->control, "triggers.acquire", 1);
	if (addr_is_local(&peer)) {
		oe_debug("ACQUIRE for %s, one of our own addresses: ignored", p);
		return;
	}
	c = acquire_conn(d, ev, &peer, &rule);
	if (c == NULL) {
		if (oe_ratelimit_allow(&d->rl.misc, iked_now_usec(d)))
			oe_info("ACQUIRE %s -> %s (reqid %u): no on-demand conn "
			    "covers it; ignored", l, p, ev->reqid);
		return;
	}
	/* A port-specific entry: shunts and the tunnel for its flow only. */
	memset(&flow, 0, sizeof(flow));
	flow.proto = rule->kp.sel.proto;
	flow.sport = rule->kp.sel.sport;
	flow.dport = rule->kp.sel.dport;
	if (shunt_find_flow(d->shunts, &local, &peer, &flow) != NULL) {
		/* Negotiating already, or a failure shunt is in force. */
		oe_debug("ACQUIRE %s -> %s: shunt in place, ignored", l, p);
		return;
	}
	neg = shunt_action_for(c->negotiationshunt);
	if (neg == 0)
		neg = KERNEL_POLICY_DROP;	/* none: hold */
	oe_info("ACQUIRE %s -> %s: conn %s, negotiating (%s meanwhile)", l, p,
	    c->name, neg == KERNEL_POLICY_PASS ? "pass" : "hold");
	r = shunt_install_flow(d->shunts, SHUNT_NEGOTIATION, neg, &local,
	    &peer, &flow, c->name, 0, NULL, iked_now_usec(d));
	if (r < 0) {
		oe_err("ACQUIRE %s -> %s: no negotiation shunt (%s); not "
		    "negotiating", l, p, strerror(-r));
		return;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		goto fail;
	ctx->d = d;
	ctx->local = local;
	ctx->peer = peer;
	ctx->flow = flow;
	(void)snprintf(ctx->conn, sizeof(ctx->conn), "%s", c->name);
	memset(&req, 0, sizeof(req));
	req.conn = c->name;
	req.peer = peer;
	req.done = acquire_done;
	req.arg = ctx;
	req.proto = flow.proto;
	req.sport = flow.sport;
	req.dport = flow.dport;
	if (ikev2_initiate(d, &req) == 0)
		return;		/* acquire_done() owns ctx now */
fail:
	{
		struct ikev2_initiate_result res;

		memset(&res, 0, sizeof(res));
		res.ok = false;
		res.error = "could not start IKE";
		res.peer = peer;
		if (ctx == NULL) {
			(void)shunt_remove_flow(d->shunts, &local, &peer,
			    &flow);
			return;
		}
		acquire_done(ctx, &res);	/* failure shunt; frees ctx */
	}
}

/* ---- daemon glue ------------------------------------------------------- */

void
policy_daemon_child_up(struct iked *d, const struct oe_addr *peer)
{
	char p[OE_ADDR_STRLEN];

	if (d->policy == NULL || d->stopping)
		return;
	if (policy_engine_pin_peer(d->policy, peer) < 0)
		oe_warn("could not pin the port-specific entries for %s",
		    oe_addr_format(peer, p, sizeof(p)));
}

int
policy_daemon_start(struct iked *d)
{
	struct policy_apply_stats st;

	d->policy = policy_engine_new(d->kernel);
	d->shunts = shunt_table_new(d->kernel, d->event,
	    policy_shunt_priority(&d->kernel->cfg));
	if (d->policy == NULL || d->shunts == NULL) {
		oe_err("%s: out of memory", __func__);
		return -1;
	}
	if (policy_ctl_register(d) < 0) {
		oe_err("%s: cannot register the control commands", __func__);
		return -1;
	}
	/* A failed policy is logged; the daemon runs with the rest. */
	(void)policy_engine_reconcile(d->policy, d->conf, &st);
	return 0;
}

void
policy_daemon_reload(struct iked *d)
{
	if (d->policy == NULL)
		return;
	(void)policy_engine_apply(d->policy, d->conf, NULL);
}

void
policy_daemon_stop(struct iked *d)
{
	size_t n;

	if (d->shunts != NULL) {
		n = shunt_flush(d->shunts, NULL);
		if (n > 0)
			oe_info("removed %zu shunts", n);
		shunt_table_free(d->shunts);
		d->shunts = NULL;
	}
	if (d->policy != NULL) {
		(void)policy_engine_remove_all(d->policy);
		policy_engine_free(d->policy);
		d->policy = NULL;
		/*
		 * What is left in our band: Child SAs the engine removes
		 * next anyway, and the kernel's larval SAs of our ACQUIREs.
		 */
		if (d->kernel != NULL) {
			(void)kernel_flush_owned(d->kernel);
			(void)policy_flush_larval(d->kernel);
		}
	}
}
