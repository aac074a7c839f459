/*
 * Negotiation and failure shunts (see shunt.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oe_log.h"
#include "policy.h"
#include "shunt.h"

#define USEC_PER_SEC	1000000ULL

struct shunt_table {
	struct kernel	*k;		/* borrowed */
	sd_event	*event;		/* a reference, or NULL */
	sd_event_source	*timer;		/* owned, NULL without event */
	uint32_t	 priority;
	struct shunt	*v;		/* owned, n used of cap */
	size_t		 n, cap;
};

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata);

struct shunt_table *
shunt_table_new(struct kernel *k, sd_event *event, uint32_t priority)
{
	struct shunt_table *t;

	if (k == NULL)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->k = k;
	t->priority = priority;
	if (event != NULL) {
		t->event = sd_event_ref(event);
		if (sd_event_add_time(event, &t->timer, CLOCK_MONOTONIC,
		    UINT64_MAX, USEC_PER_SEC, on_timer, t) < 0) {
			shunt_table_free(t);
			return NULL;
		}
		(void)sd_event_source_set_enabled(t->timer, SD_EVENT_OFF);
	}
	return t;
}

void
shunt_table_free(struct shunt_table *t)
{
	if (t == NULL)
		return;
	sd_event_source_disable_unref(t->timer);
	if (t->event != NULL)
		sd_event_unref(t->event);
	free(t->v);
	free(t);
}

enum kernel_policy_action
shunt_action_for(int conf_shunt)
{
	switch (conf_shunt) {
	case CONF_SHUNT_PASSTHROUGH:
		return KERNEL_POLICY_PASS;
	case CONF_SHUNT_HOLD:	/* the kernel has no "hold": drop meanwhile */
	case CONF_SHUNT_DROP:
	case CONF_SHUNT_REJECT:
		return KERNEL_POLICY_DROP;
	default:
		return 0;
	}
}

const char *
shunt_kind_name(int kind)
{
	return kind == SHUNT_NEGOTIATION ? "negotiation" :
	    kind == SHUNT_FAILURE ? "failure" : "?";
}

void
shunt_flow_selector(const struct oe_addr *local, const struct oe_addr *peer,
    const struct shunt_flow *flow, struct kernel_selector *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->family = peer->family;
	policy_kaddr(local, &sel->src);
	policy_kaddr(peer, &sel->dst);
	sel->src_plen = sel->dst_plen = (uint8_t)oe_addr_maxplen(peer);
	if (flow != NULL && flow->proto != 0) {
		sel->proto = flow->proto;
		sel->sport = flow->sport;
		sel->dport = flow->dport;
	}
}

void
shunt_selector(const struct oe_addr *local, const struct oe_addr *peer,
    struct kernel_selector *sel)
{
	shunt_flow_selector(local, peer, NULL, sel);
}

/* `flow` as stored: NULL and a protocol-0 flow are both "any". */
static struct shunt_flow
flow_norm(const struct shunt_flow *flow)
{
	struct shunt_flow f;

	memset(&f, 0, sizeof(f));
	if (flow != NULL && flow->proto != 0)
		f = *flow;
	return f;
}

static ssize_t
find_index(const struct shunt_table *t, const struct oe_addr *local,
    const struct oe_addr *peer, const struct shunt_flow *flow)
{
	struct shunt_flow f = flow_norm(flow);
	size_t i;

	for (i = 0; i < t->n; i++)
		if (oe_addr_eq(&t->v[i].peer, peer) &&
		    oe_addr_eq(&t->v[i].local, local) &&
		    t->v[i].flow.proto == f.proto &&
		    t->v[i].flow.sport == f.sport &&
		    t->v[i].flow.dport == f.dport)
			return (ssize_t)i;
	return -1;
}

/* Arm the timer for the earliest lifetime, or disable it. */
static void
rearm(struct shunt_table *t)
{
	uint64_t first = UINT64_MAX;
	size_t i;

	if (t->timer == NULL)
		return;
	for (i = 0; i < t->n; i++)
		if (t->v[i].expires_usec != 0 && t->v[i].expires_usec < first)
			first = t->v[i].expires_usec;
	if (first == UINT64_MAX) {
		(void)sd_event_source_set_enabled(t->timer, SD_EVENT_OFF);
		return;
	}
	(void)sd_event_source_set_time(t->timer, first);
	(void)sd_event_source_set_enabled(t->timer, SD_EVENT_ONESHOT);
}

static int
on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct shunt_table *t = userdata;

	(void)s;
	(void)shunt_expire(t, usec);
	return 0;
}

static void
drop_index(struct shunt_table *t, size_t i)
{
	t->v[i] = t->v[t->n - 1];
	t->n--;
}

static void
log_shunt(int prio, const char *what, const struct shunt *s, int err)
{
	char l[OE_ADDR_STRLEN], p[OE_ADDR_STRLEN], f[40] = "";

	(void)oe_addr_format(&s->local, l, sizeof(l));
	(void)oe_addr_format(&s->peer, p, sizeof(p));
	if (s->flow.proto != 0)
		(void)snprintf(f, sizeof(f), " proto %u ports %u/%u",
		    s->flow.proto, s->flow.sport, s->flow.dport);
	oe_log(prio, "%s %s shunt %s %s -> %s%s (conn %s)%s%s", what,
	    shunt_kind_name(s->kind),
	    s->action == KERNEL_POLICY_PASS ? "pass" : "drop", l, p, f, s->conn,
	    err != 0 ? ": " : "", err != 0 ? strerror(-err) : "");
}

int
shunt_install(struct shunt_table *t, int kind, enum kernel_policy_action action,
    const struct oe_addr *local, const struct oe_addr *peer, const char *conn,
    uint32_t lifetime, const char *reason, uint64_t now_usec)
{
	return shunt_install_flow(t, kind, action, local, peer, NULL, conn,
	    lifetime, reason, now_usec);
}

int
shunt_install_flow(struct shunt_table *t, int kind,
    enum kernel_policy_action action, const struct oe_addr *local,
    const struct oe_addr *peer, const struct shunt_flow *flow,
    const char *conn, uint32_t lifetime, const char *reason,
    uint64_t now_usec)
{
	struct kernel_policy kp;
	struct shunt s, *nv;
	ssize_t i;
	size_t ncap;
	int r;

	if ((action != KERNEL_POLICY_PASS && action != KERNEL_POLICY_DROP) ||
	    (kind != SHUNT_NEGOTIATION && kind != SHUNT_FAILURE) ||
	    peer->family != local->family ||
	    (peer->family != AF_INET && peer->family != AF_INET6))
		return -EINVAL;
	i = find_index(t, local, peer, flow);
	if (i < 0 && t->n == t->cap) {
		if (t->cap >= SHUNT_MAX)
			return -ENOSPC;
		ncap = t->cap == 0 ? 16 : t->cap * 2;
		if (ncap > SHUNT_MAX)
			ncap = SHUNT_MAX;
		nv = reallocarray(t->v, ncap, sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		t->v = nv;
		t->cap = ncap;
	}
	memset(&s, 0, sizeof(s));
	s.kind = kind;
	s.action = action;
	s.local = *local;
	s.peer = *peer;
	s.flow = flow_norm(flow);
	(void)snprintf(s.conn, sizeof(s.conn), "%s", conn != NULL ? conn : "");
	if (reason != NULL)
		(void)snprintf(s.reason, sizeof(s.reason), "%s", reason);
	s.created_usec = now_usec;
	if (lifetime > SHUNT_LIFETIME_MAX)
		lifetime = SHUNT_LIFETIME_MAX;
	if (lifetime > 0)
		s.expires_usec = now_usec + (uint64_t)lifetime * USEC_PER_SEC;

	memset(&kp, 0, sizeof(kp));
	shunt_flow_selector(local, peer, &s.flow, &kp.sel);
	kp.dir = KERNEL_DIR_OUT;
	kp.action = action;
	kp.priority = t->priority;
	/* Replace: a negotiation shunt turns into a failure shunt in place. */
	r = kernel_replace_policy(t->k, &kp);
	if (r < 0) {
		log_shunt(LOG_ERR, "installing", &s, r);
		return r;
	}
	if (i < 0)
		i = (ssize_t)t->n++;
	t->v[i] = s;
	log_shunt(LOG_INFO, "installed", &s, 0);
	rearm(t);
	return 0;
}

const struct shunt *
shunt_find(const struct shunt_table *t, const struct oe_addr *local,
    const struct oe_addr *peer)
{
	return shunt_find_flow(t, local, peer, NULL);
}

const struct shunt *
shunt_find_flow(const struct shunt_table *t, const struct oe_addr *local,
    const struct oe_addr *peer, const struct shunt_flow *flow)
{
	ssize_t i = find_index(t, local, peer, flow);

	return i < 0 ? NULL : &t->v[i];
}

int
shunt_forget(struct shunt_table *t, const struct oe_addr *local,
    const struct oe_addr *peer)
{
	return shunt_forget_flow(t, local, peer, NULL);
}

int
shunt_forget_flow(struct shunt_table *t, const struct oe_addr *local,
    const struct oe_addr *peer, const struct shunt_flow *flow)
{
	ssize_t i = find_index(t, local, peer, flow);

	if (i < 0)
		return -ENOENT;
	drop_index(t, (size_t)i);
	rearm(t);
	return 0;
}

static int
remove_index(struct shunt_table *t, size_t i, const char *why)
{
	struct kernel_selector sel;
	int r;

	shunt_flow_selector(&t->v[i].local, &t->v[i].peer, &t->v[i].flow,
	    &sel);
	r = kernel_del_policy(t->k, &sel, KERNEL_DIR_OUT, NULL);
	if (r == -ENOENT)
		r = 0;
	log_shunt(r < 0 ? LOG_ERR : LOG_INFO, why, &t->v[i], r);
	/* Forget it even on error: the kernel no longer has it or we cannot. */
	drop_index(t, i);
	return r;
}

int
shunt_remove(struct shunt_table *t, const struct oe_addr *local,
    const struct oe_addr *peer)
{
	return shunt_remove_flow(t, local, peer, NULL);
}

int
shunt_remove_flow(struct shunt_table *t, const struct oe_addr *local,
    const struct oe_addr *peer, const struct shunt_flow *flow)
{
	ssize_t i = find_index(t, local, peer, flow);
	int r;

	if (i < 0)
		return -ENOENT;
	r = remove_index(t, (size_t)i, "removed");
	rearm(t);
	return r;
}

size_t
shunt_expire(struct shunt_table *t, uint64_t now_usec)
{
	size_t i = 0, n = 0;

	while (i < t->n) {
		if (t->v[i].expires_usec != 0 &&
		    t->v[i].expires_usec <= now_usec) {
			(void)remove_index(t, i, "expired");
			n++;
			continue;	/* drop_index moved another entry here */
		}
		i++;
	}
	rearm(t);
	return n;
}

size_t
shunt_flush(struct shunt_table *t, const char *conn)
{
	size_t i = 0, n = 0;

	if (t == NULL)
		return 0;
	while (i < t->n) {
		if (conn == NULL || strcmp(t->v[i].conn, conn) == 0) {
			(void)remove_index(t, i, "flushed");
			n++;
			continue;
		}
		i++;
	}
	rearm(t);
	return n;
}

size_t
shunt_count(const struct shunt_table *t)
{
	return t == NULL ? 0 : t->n;
}

const struct shunt *
shunt_at(const struct shunt_table *t, size_t i)
{
	return t == NULL || i >= t->n ? NULL : &t->v[i];
}
