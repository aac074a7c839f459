/*
 * The opportunistic policy set: build it from the configuration, diff
 * it against what is installed, reconcile a predecessor's leftovers,
 * remove it on stop (see policy.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <linux/xfrm.h>
#include <sys/socket.h>

#include "oe_log.h"
#include "policy_group.h"
#include "policy.h"

struct policy_engine {
	struct kernel		*k;		/* borrowed */
	struct policy_set	 installed;	/* owned */
	struct policy_set	 pinned;	/* owned; unsorted, <= POLICY_PIN_MAX */
};

/* ---- addresses -------------------------------------------------------- */

void
policy_kaddr(const struct oe_addr *a, struct kernel_addr *k)
{
	memset(k, 0, sizeof(*k));
	if (a->family != AF_INET && a->family != AF_INET6)
		return;
	k->family = a->family;
	memcpy(k->u.bytes, oe_addr_bytes(a), oe_addr_len(a));
}

void
policy_oaddr(const struct kernel_addr *k, struct oe_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (k->family == AF_INET)
		(void)oe_addr_from_bytes(a, AF_INET, k->u.bytes, 4);
	else if (k->family == AF_INET6)
		(void)oe_addr_from_bytes(a, AF_INET6, k->u.bytes, 16);
}

/* ---- priorities and reqids ------------------------------------------- */

static uint32_t
band_clamp(const struct kernel_config *kcfg, uint64_t prio)
{
	if (prio < kcfg->prio_min)
		return kcfg->prio_min;
	if (prio > kcfg->prio_max)
		return kcfg->prio_max;
	return (uint32_t)prio;
}

uint32_t
policy_rule_priority(const struct kernel_config *kcfg,
    const struct conf_conn *c, const struct policy_entry *e)
{
	uint64_t off;
	uint32_t score = policy_entry_score(c, e);

	if (c->priority != 0)
		off = c->priority;	/* the user's order, inside our band */
	else
		off = POLICY_SCORE_MAX - (score > POLICY_SCORE_MAX ?
		    POLICY_SCORE_MAX : score);
	return band_clamp(kcfg, (uint64_t)kcfg->prio_min + POLICY_BAND_GROUP +
	    off);
}

/* The highest Child SA reqid, or 0 if the range is too narrow for both bands. */
static uint32_t
child_reqid_max(const struct kernel_config *kcfg)
{
	if (kcfg->reqid_max < kcfg->reqid_min ||
	    kcfg->reqid_max - kcfg->reqid_min < CONF_CONNS_MAX)
		return 0;
	return kcfg->reqid_max - CONF_CONNS_MAX;
}

uint32_t
policy_trap_reqid(const struct kernel_config *kcfg, size_t i)
{
	if (i >= CONF_CONNS_MAX || child_reqid_max(kcfg) == 0)
		return 0;
	return kcfg->reqid_max - (uint32_t)i;
}

bool
policy_reqid_is_trap(const struct kernel_config *kcfg, uint32_t reqid)
{
	uint32_t top = child_reqid_max(kcfg);

	return top != 0 && reqid > top && reqid <= kcfg->reqid_max;
}

uint32_t
policy_child_reqid(const struct kernel_config *kcfg, uint32_t *next,
    bool (*in_use)(void *arg, uint32_t reqid), void *arg)
{
	uint32_t lo = kcfg->reqid_min, hi = child_reqid_max(kcfg), r;
	uint64_t tries;

	if (hi == 0)
		return 0;
	for (tries = 0; tries <= (uint64_t)(hi - lo); tries++) {
		if (*next < lo || *next > hi)
			*next = lo;
		r = (*next)++;
		if (in_use == NULL || !in_use(arg, r))
			return r;
	}
	return 0;
}

uint32_t
policy_shunt_priority(const struct kernel_config *kcfg)
{
	return kcfg->prio_min + POLICY_BAND_SHUNT;
}

uint32_t
policy_host_priority(const struct kernel_config *kcfg)
{
	return kcfg->prio_min + POLICY_BAND_HOST;
}

const char *
policy_rule_kind_name(int kind)
{
	switch (kind) {
	case POLICY_RULE_TRAP:
		return "trap";
	case POLICY_RULE_PASS:
		return "pass";
	case POLICY_RULE_DROP:
		return "drop";
	case POLICY_RULE_BYPASS:
		return "bypass";
	}
	return "?";
}

/* ---- building the set -------------------------------------------------- */

/* What the conn's entries become, or -1 if the conn installs nothing. */
static int
conn_rule_kind(const struct conf_conn *c)
{
	if (c->group == NULL || c->disabled ||
	    c->autostart == CONF_AUTO_IGNORE)
		return -1;
	switch (c->type) {
	case CONF_TYPE_PASSTHROUGH:
		return POLICY_RULE_PASS;
	case CONF_TYPE_DROP:
	case CONF_TYPE_REJECT:
		return POLICY_RULE_DROP;
	default:
		break;
	}
	if (!conf_conn_is_ike(c))
		return -1;
	/* Responder only (clear-or-private): clear until the peer asks. */
	if (c->autostart == CONF_AUTO_ADD)
		return POLICY_RULE_PASS;
	return POLICY_RULE_TRAP;
}

static int
selector_cmp(const struct kernel_selector *a, const struct kernel_selector *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->dst_plen != b->dst_plen)
		return a->dst_plen < b->dst_plen ? -1 : 1;
	if (a->src_plen != b->src_plen)
		return a->src_plen < b->src_plen ? -1 : 1;
	r = memcmp(a->dst.u.bytes, b->dst.u.bytes, sizeof(a->dst.u.bytes));
	if (r != 0)
		return r < 0 ? -1 : 1;
	r = memcmp(a->src.u.bytes, b->src.u.bytes, sizeof(a->src.u.bytes));
	if (r != 0)
		return r < 0 ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->sport != b->sport)
		return a->sport < b->sport ? -1 : 1;
	if (a->dport != b->dport)
		return a->dport < b->dport ? -1 : 1;
	return 0;
}

static int
rule_key_cmp(const struct policy_rule *a, const struct policy_rule *b)
{
	if (a->kp.dir != b->kp.dir)
		return a->kp.dir < b->kp.dir ? -1 : 1;
	return selector_cmp(&a->kp.sel, &b->kp.sel);
}

static int
rule_qsort_cmp(const void *x, const void *y)
{
	const struct policy_rule *a = x, *b = y;
	int r = rule_key_cmp(a, b);

	if (r != 0)
		return r;
	/* Same selector: the better rule first; dedup keeps it. */
	if (a->kp.priority != b->kp.priority)
		return a->kp.priority < b->kp.priority ? -1 : 1;
	if (a->kp.index != b->kp.index)	/* build order (conn order) */
		return a->kp.index < b->kp.index ? -1 : 1;
	return 0;
}

static void
entry_rule(const struct kernel_config *kcfg, const struct conf_conn *c,
    size_t ci, const struct policy_entry *e, int kind, struct policy_rule *r)
{
	struct kernel_policy *p = &r->kp;
	struct oe_cidr dst = e->dst;

	memset(r, 0, sizeof(*r));
	oe_cidr_mask(&dst);
	p->sel.family = dst.addr.family;
	p->sel.src.family = dst.addr.family;	/* any: zero bytes, plen 0 */
	policy_kaddr(&dst.addr, &p->sel.dst);
	p->sel.dst_plen = dst.plen;
	p->sel.proto = e->proto;
	p->sel.sport = e->sport;
	p->sel.dport = e->dport;
	p->dir = KERNEL_DIR_OUT;
	p->priority = policy_rule_priority(kcfg, c, e);
	switch (kind) {
	case POLICY_RULE_TRAP:
		p->action = KERNEL_POLICY_TRAP;
		/*
		 * OE instances are host-to-host: a transport template lets
		 * the kernel report the flow's own addresses in the ACQUIRE.
		 */
		p->mode = KERNEL_MODE_TRANSPORT;
		p->reqid = policy_trap_reqid(kcfg, ci);
		break;
	case POLICY_RULE_PASS:
		p->action = KERNEL_POLICY_PASS;
		break;
	default:
		p->action = KERNEL_POLICY_DROP;
		break;
	}
	p->index = (uint32_t)ci;	/* build order, cleared before install */
	r->kind = kind;
	(void)snprintf(r->conn, sizeof(r->conn), "%s", c->name);
	r->group_kind = c->group->kind;
	r->line = e->line;
	r->score = policy_entry_score(c, e);
}

/* ICMPv6 router/neighbour solicitation/advertisement, both ways. */
static const uint8_t nd_types[] = {
	ND_ROUTER_SOLICIT, ND_ROUTER_ADVERT, ND_NEIGHBOR_SOLICIT,
	ND_NEIGHBOR_ADVERT,
};
#define ND_RULES	(2 * sizeof(nd_types))

static void
nd_rules(const struct kernel_config *kcfg, struct policy_rule *r)
{
	size_t i, d;

	for (d = 0; d < 2; d++)
		for (i = 0; i < sizeof(nd_types); i++, r++) {
			memset(r, 0, sizeof(*r));
			r->kp.sel.family = AF_INET6;
			r->kp.sel.src.family = AF_INET6;
			r->kp.sel.dst.family = AF_INET6;
			r->kp.sel.proto = IPPROTO_ICMPV6;
			r->kp.sel.sport = nd_types[i];	/* ICMP type */
			r->kp.dir = d == 0 ? KERNEL_DIR_OUT : KERNEL_DIR_IN;
			r->kp.action = KERNEL_POLICY_PASS;
			r->kp.priority = kcfg->prio_min + POLICY_BAND_BYPASS;
			r->kind = POLICY_RULE_BYPASS;
		}
}

int
policy_set_build(const struct iked_conf *conf,
    const struct kernel_config *kcfg, struct policy_set *out)
{
	struct policy_rule *rules = NULL;
	size_t total = 0, n = 0, i, j, w;
	bool v6 = false;
	int kind;

	memset(out, 0, sizeof(*out));
	if (kcfg->prio_max < kcfg->prio_min ||
	    kcfg->prio_max - kcfg->prio_min < POLICY_BAND_NEEDED ||
	    kcfg->reqid_max - kcfg->reqid_min < CONF_CONNS_MAX) {
		oe_err("%s: kernel priority band or reqid range too narrow",
		    __func__);
		return -1;
	}
	for (i = 0; conf != NULL && i < conf->nconns; i++)
		if (conn_rule_kind(&conf->conns[i]) >= 0)
			total += conf->conns[i].group->n;
	if (total > POLICY_SET_MAX) {
		oe_err("%s: %zu group entries, at most %u kernel policies",
		    __func__, total, POLICY_SET_MAX);
		return -1;
	}
	rules = calloc(total + ND_RULES, sizeof(*rules));
	if (rules == NULL)
		return -1;
	for (i = 0; conf != NULL && i < conf->nconns &&
	    i < CONF_CONNS_MAX; i++) {
		const struct conf_conn *c = &conf->conns[i];

		if ((kind = conn_rule_kind(c)) < 0)
			continue;
		for (j = 0; j < c->group->n; j++) {
			const struct policy_entry *e = &c->group->entries[j];

			if (e->dst.addr.family != AF_INET &&
			    e->dst.addr.family != AF_INET6)
				continue;
			if (e->dst.addr.family == AF_INET6)
				v6 = true;
			entry_rule(kcfg, c, i, e, kind, &rules[n++]);
		}
	}
	/*
	 * Without the ND bypass, a trap or drop on an on-link IPv6 prefix
	 * would hold neighbour discovery itself.
	 */
	if (v6) {
		nd_rules(kcfg, &rules[n]);
		n += ND_RULES;
	}
	qsort(rules, n, sizeof(*rules), rule_qsort_cmp);
	/* Keep the first (best) rule of every run of equal selectors. */
	for (i = 0, w = 0; i < n; i++) {
		if (w > 0 && rule_key_cmp(&rules[w - 1], &rules[i]) == 0)
			continue;
		if (w != i)
			rules[w] = rules[i];
		w++;
	}
	for (i = 0; i < w; i++)
		rules[i].kp.index = 0;
	out->rules = rules;
	out->n = w;
	return 0;
}

void
policy_set_free(struct policy_set *s)
{
	if (s == NULL)
		return;
	free(s->rules);
	s->rules = NULL;
	s->n = 0;
}

/* ---- the engine --------------------------------------------------------- */

static int repin(struct policy_engine *pe);
static bool in_pinned(const struct policy_engine *pe,
    const struct kernel_policy *p);
static bool prefix_match(const uint8_t *net, const uint8_t *a, unsigned plen);

struct policy_engine *
policy_engine_new(struct kernel *k)
{
	struct policy_engine *pe;

	if (k == NULL)
		return NULL;
	pe = calloc(1, sizeof(*pe));
	if (pe == NULL)
		return NULL;
	pe->k = k;
	return pe;
}

void
policy_engine_free(struct policy_engine *pe)
{
	if (pe == NULL)
		return;
	policy_set_free(&pe->installed);
	policy_set_free(&pe->pinned);
	free(pe);
}

const struct policy_set *
policy_engine_installed(const struct policy_engine *pe)
{
	return &pe->installed;
}

/* Equal for the kernel: nothing to do when a rule did not change. */
static bool
rule_same_kernel(const struct policy_rule *a, const struct policy_rule *b)
{
	return a->kp.action == b->kp.action &&
	    a->kp.priority == b->kp.priority && a->kp.reqid == b->kp.reqid &&
	    a->kp.mode == b->kp.mode;
}

static void
log_rule(int prio, const char *what, const struct policy_rule *r, int err)
{
	char dst[OE_CIDR_STRLEN];
	struct oe_cidr c;

	policy_oaddr(&r->kp.sel.dst, &c.addr);
	c.plen = r->kp.sel.dst_plen;
	if (c.addr.family == AF_UNSPEC)
		(void)snprintf(dst, sizeof(dst), "any");
	else
		(void)oe_cidr_format(&c, dst, sizeof(dst));
	oe_log(prio, "policy %s %s %s%s%s proto %u ports %u/%u prio %u%s%s",
	    what, policy_rule_kind_name(r->kind), dst,
	    r->conn[0] ? " conn " : "", r->conn, r->kp.sel.proto,
	    r->kp.sel.sport, r->kp.sel.dport, r->kp.priority,
	    err != 0 ? ": " : "", err != 0 ? strerror(-err) : "");
}

static int
install_rule(struct policy_engine *pe, struct policy_rule *r)
{
	/* Replace = add or update in one step (UPDPOLICY). */
	return kernel_replace_policy(pe->k, &r->kp);
}

static int
remove_rule(struct policy_engine *pe, const struct policy_rule *r)
{
	int e = kernel_del_policy(pe->k, &r->kp.sel, r->kp.dir, &r->kp.mark);

	return e == -ENOENT ? 0 : e;
}

/* Merge `want` into the kernel against pe->installed; takes `want`. */
static int
apply_set(struct policy_engine *pe, struct policy_set *want,
    struct policy_apply_stats *st)
{
	struct policy_set *have = &pe->installed;
	size_t i = 0, j = 0;
	int ret = 0, e, c;

	/* Pass 1: add and replace; nothing is removed before its successor. */
	while (i < want->n) {
		c = j < have->n ? rule_key_cmp(&want->rules[i],
		    &have->rules[j]) : -1;
		if (c > 0) {
			j++;
			continue;
		}
		if (c == 0 && rule_same_kernel(&want->rules[i], &have->rules[j])) {
			want->rules[i].kp.index = have->rules[j].kp.index;
			st->unchanged++;
		} else if ((e = install_rule(pe, &want->rules[i])) < 0) {
			log_rule(LOG_ERR, c == 0 ? "replace" : "add",
			    &want->rules[i], e);
			st->failed++;
			ret = -1;
		} else {
			log_rule(LOG_DEBUG, c == 0 ? "replace" : "add",
			    &want->rules[i], 0);
			if (c == 0)
				st->replaced++;
			else
				st->added++;
		}
		if (c == 0)
			j++;
		i++;
	}
	/* Pass 2: remove what the new set no longer has. */
	for (i = 0, j = 0; j < have->n; j++) {
		while (i < want->n &&
		    rule_key_cmp(&want->rules[i], &have->rules[j]) < 0)
			i++;
		if (i < want->n &&
		    rule_key_cmp(&want->rules[i], &have->rules[j]) == 0)
			continue;
		if ((e = remove_rule(pe, &have->rules[j])) < 0) {
			log_rule(LOG_ERR, "remove", &have->rules[j], e);
			st->failed++;
			ret = -1;
		} else {
			log_rule(LOG_DEBUG, "remove", &have->rules[j], 0);
			st->removed++;
		}
	}
	policy_set_free(have);
	*have = *want;
	memset(want, 0, sizeof(*want));
	return ret;
}

int
policy_engine_apply(struct policy_engine *pe, const struct iked_conf *conf,
    struct policy_apply_stats *st)
{
	struct policy_apply_stats local;
	struct policy_set want;
	int r;

	if (st == NULL)
		st = &local;
	memset(st, 0, sizeof(*st));
	if (policy_set_build(conf, &pe->k->cfg, &want) < 0)
		return -1;
	r = apply_set(pe, &want, st);
	if (repin(pe) < 0)
		r = -1;
	oe_info("policies: %zu installed (%zu added, %zu replaced, %zu removed, "
	    "%zu unchanged, %zu failed)", pe->installed.n, st->added,
	    st->replaced, st->removed, st->unchanged, st->failed);
	return r;
}

/* ---- reconcile ------------------------------------------------------------ */

struct stale_list {
	struct kernel_entry	*v;
	size_t			 n, cap;
	bool			 nomem;
};

static void
collect_owned(void *arg, const struct kernel_entry *e)
{
	struct stale_list *l = arg;
	struct kernel_entry *nv;
	size_t ncap;

	if (l->nomem)
		return;
	if (l->n == l->cap) {
		ncap = l->cap == 0 ? 64 : l->cap * 2;
		if (ncap > 4 * (size_t)POLICY_SET_MAX ||
		    (nv = reallocarray(l->v, ncap, sizeof(*nv))) == NULL) {
			l->nomem = true;
			return;
		}
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = *e;
}

static bool
in_set(const struct policy_set *s, const struct kernel_policy *p)
{
	struct policy_rule key;
	size_t lo = 0, hi = s->n, mid;
	int c;

	memset(&key, 0, sizeof(key));
	key.kp.sel = p->sel;
	key.kp.dir = p->dir;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = rule_key_cmp(&key, &s->rules[mid]);
		if (c == 0)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/*
 * A larval SA the kernel made for an ACQUIRE has SPI 0 and cannot be
 * found by SPI, so DELSA misses it; while it lives, our trap sends no
 * new ACQUIRE for that flow (up to xfrm_acq_expires, 30 s).  ALLOCSPI
 * with its addresses and reqid finds it and gives it an SPI, by which
 * it can then be deleted.
 */
static int
delete_larval(struct kernel *k, const struct kernel_entry *e)
{
	struct kernel_sa_id id = e->sa;
	int r;

	r = kernel_alloc_spi(k, &e->sa_src, &e->sa.dst, e->sa_reqid, &id.spi);
	if (r < 0)
		return r;
	return kernel_del_sa(k, &id);
}

int
policy_flush_larval(struct kernel *k)
{
	struct stale_list l;
	size_t i;
	int e, ret = 0;

	memset(&l, 0, sizeof(l));
	e = kernel_list_owned(k, collect_owned, &l);
	if (e < 0 || l.nomem) {
		free(l.v);
		return e < 0 ? e : -ENOMEM;
	}
	for (i = 0; i < l.n; i++)
		if (!l.v[i].is_policy && l.v[i].sa.spi == 0 &&
		    (e = delete_larval(k, &l.v[i])) < 0 && e != -ENOENT &&
		    ret == 0)
			ret = e;
	free(l.v);
	return ret;
}

int
policy_engine_reconcile(struct policy_engine *pe, const struct iked_conf *conf,
    struct policy_apply_stats *st)
{
	struct policy_apply_stats local;
	struct stale_list l;
	size_t i;
	int ret, e, pass;

	if (st == NULL)
		st = &local;
	memset(&l, 0, sizeof(l));
	/*
	 * First the new traps (replacing a predecessor's policies with the
	 * same selectors in place), so `private` stays covered throughout.
	 */
	ret = policy_engine_apply(pe, conf, st);
	e = kernel_list_owned(pe->k, collect_owned, &l);
	if (e < 0 || l.nomem) {
		oe_err("%s: listing the kernel's entries: %s", __func__,
		    l.nomem ? "out of memory" : strerror(-e));
		ret = -1;
		goto out;
	}
	/*
	 * Pass 0 removes policies not in our set (the predecessor's shunts
	 * and Child SA policies: traffic falls back to the traps), pass 1
	 * the SAs, which nothing of ours refers to any more.
	 */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < l.n; i++) {
			const struct kernel_entry *k = &l.v[i];

			if (k->is_policy != (pass == 0))
				continue;
			if (k->is_policy) {
				if (in_set(&pe->installed, &k->policy) ||
				    in_pinned(pe, &k->policy))
					continue;
				e = kernel_del_policy(pe->k, &k->policy.sel,
				    k->policy.dir, &k->policy.mark);
				if (e == 0)
					st->stale_policies++;
			} else {
				e = k->sa.spi == 0 ? delete_larval(pe->k, k) :
				    kernel_del_sa(pe->k, &k->sa);
				if (e == 0)
					st->stale_sas++;
			}
			/* ESRCH: a larval SA the kernel has no SPI for */
			if (e < 0 && e != -ENOENT && e != -ESRCH) {
				oe_err("%s: removing a stale %s: %s", __func__,
				    k->is_policy ? "policy" : "SA",
				    strerror(-e));
				ret = -1;
			}
		}
	if (st->stale_policies > 0 || st->stale_sas > 0)
		oe_info("reconciled: removed %zu policies and %zu SAs left by "
		    "a previous run", st->stale_policies, st->stale_sas);
out:
	free(l.v);
	return ret;
}

int
policy_engine_remove_all(struct policy_engine *pe)
{
	size_t i;
	int ret = 0, e;

	if (pe == NULL)
		return 0;
	for (i = 0; i < pe->pinned.n; i++) {
		e = remove_rule(pe, &pe->pinned.rules[i]);
		if (e < 0 && ret == 0)
			ret = e;
	}
	policy_set_free(&pe->pinned);
	for (i = 0; i < pe->installed.n; i++) {
		e = remove_rule(pe, &pe->installed.rules[i]);
		if (e < 0 && ret == 0)
			ret = e;
	}
	policy_set_free(&pe->installed);
	return ret;
}

/* ---- queries --------------------------------------------------------------- */

const struct policy_rule *
policy_engine_find_trap(const struct policy_engine *pe, uint32_t reqid)
{
	size_t i;

	for (i = 0; i < pe->installed.n; i++)
		if (pe->installed.rules[i].kind == POLICY_RULE_TRAP &&
		    pe->installed.rules[i].kp.reqid == reqid)
			return &pe->installed.rules[i];
	return NULL;
}

static bool
prefix_match(const uint8_t *net, const uint8_t *a, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;
	uint8_t mask;

	if (memcmp(net, a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (net[full] & mask) == (a[full] & mask);
}

const struct policy_rule *
policy_engine_lookup(const struct policy_engine *pe, const struct oe_addr *dst,
    uint8_t proto, uint16_t sport, uint16_t dport)
{
	const struct policy_rule *best = NULL, *r;
	struct kernel_addr a;
	size_t i;

	policy_kaddr(dst, &a);
	for (i = 0; i < pe->installed.n; i++) {
		r = &pe->installed.rules[i];
		if (r->kp.dir != KERNEL_DIR_OUT || r->kp.sel.family != a.family ||
		    !prefix_match(r->kp.sel.dst.u.bytes, a.u.bytes,
		    r->kp.sel.dst_plen))
			continue;
		if ((r->kp.sel.proto != 0 && r->kp.sel.proto != proto) ||
		    (r->kp.sel.sport != 0 && r->kp.sel.sport != sport) ||
		    (r->kp.sel.dport != 0 && r->kp.sel.dport != dport))
			continue;
		if (best == NULL || r->kp.priority < best->kp.priority)
			best = r;
	}
	return best;
}

/* ---- pinned exceptions ---------------------------------------------------- */

static bool
rule_matches_addr(const struct policy_rule *r, const struct kernel_addr *a)
{
	return r->kp.sel.family == a->family &&
	    prefix_match(r->kp.sel.dst.u.bytes, a->u.bytes, r->kp.sel.dst_plen);
}

static bool
in_pinned(const struct policy_engine *pe, const struct kernel_policy *p)
{
	size_t i;

	for (i = 0; i < pe->pinned.n; i++)
		if (pe->pinned.rules[i].kp.dir == p->dir &&
		    kernel_selector_equal(&pe->pinned.rules[i].kp.sel, &p->sel))
			return true;
	return false;
}

/* Install one pin unless present: 1 added, 0 present, -1 error. */
static int
pin_one(struct policy_engine *pe, struct policy_rule *pin)
{
	struct policy_rule *nv;
	int e;

	if (in_pinned(pe, &pin->kp))
		return 0;
	if (pe->pinned.n >= POLICY_PIN_MAX)
		return -1;
	nv = reallocarray(pe->pinned.rules, pe->pinned.n + 1, sizeof(*nv));
	if (nv == NULL)
		return -1;
	pe->pinned.rules = nv;
	if ((e = kernel_replace_policy(pe->k, &pin->kp)) < 0) {
		log_rule(LOG_ERR, "pin", pin, e);
		return -1;
	}
	log_rule(LOG_DEBUG, "pin", pin, 0);
	pe->pinned.rules[pe->pinned.n++] = *pin;
	return 1;
}

int
policy_engine_pin_peer(struct policy_engine *pe, const struct oe_addr *peer)
{
	const struct policy_rule *gov = NULL, *r;
	struct policy_rule pin;
	struct kernel_addr a;
	size_t i;
	int added = 0, e, spec;

	policy_kaddr(peer, &a);
	if (a.family == AF_UNSPEC)
		return -1;
	/* What governs protocol-0 traffic to the peer: the trap, usually. */
	for (i = 0; i < pe->installed.n; i++) {
		r = &pe->installed.rules[i];
		if (r->kp.dir == KERNEL_DIR_OUT && r->kind != POLICY_RULE_BYPASS &&
		    r->kp.sel.proto == 0 && rule_matches_addr(r, &a) &&
		    (gov == NULL || r->kp.priority < gov->kp.priority))
			gov = r;
	}
	for (i = 0; i < pe->installed.n; i++) {
		r = &pe->installed.rules[i];
		if (r->kp.dir != KERNEL_DIR_OUT || r->kp.sel.proto == 0 ||
		    (r->kind != POLICY_RULE_PASS && r->kind != POLICY_RULE_DROP) ||
		    !rule_matches_addr(r, &a) ||
		    (gov != NULL && r->kp.priority >= gov->kp.priority))
			continue;
		pin = *r;
		pin.kp.sel.dst = a;
		pin.kp.sel.dst_plen = (uint8_t)oe_addr_maxplen(peer);
		spec = (r->kp.sel.proto != 0) + (r->kp.sel.sport != 0) +
		    (r->kp.sel.dport != 0);
		/* more specific first, as in the group order */
		pin.kp.priority = pe->k->cfg.prio_min + POLICY_BAND_PIN +
		    (uint32_t)(3 - spec);
		if ((e = pin_one(pe, &pin)) < 0)
			return -1;
		added += e;
		if (r->kind != POLICY_RULE_PASS)
			continue;
		/*
		 * Clear traffic must also be let in past the instance's
		 * inbound ipsec policy: the mirror of the entry (from the
		 * peer, ports swapped) for the answers.
		 */
		memset(&pin.kp.sel.dst.u, 0, sizeof(pin.kp.sel.dst.u));
		pin.kp.sel.dst_plen = 0;
		pin.kp.sel.src = a;
		pin.kp.sel.src_plen = (uint8_t)oe_addr_maxplen(peer);
		pin.kp.sel.sport = r->kp.sel.dport;
		pin.kp.sel.dport = r->kp.sel.sport;
		pin.kp.dir = KERNEL_DIR_IN;
		if ((e = pin_one(pe, &pin)) < 0)
			return -1;
		added += e;
	}
	return added;
}

const struct policy_set *
policy_engine_pinned(const struct policy_engine *pe)
{
	return &pe->pinned;
}

/* After an apply: drop every pin, then pin the same peers again. */
static int
repin(struct policy_engine *pe)
{
	struct policy_set old = pe->pinned;
	struct oe_addr peer;
	size_t i, j;
	int ret = 0;

	memset(&pe->pinned, 0, sizeof(pe->pinned));
	for (i = 0; i < old.n; i++) {
		if (old.rules[i].kp.dir != KERNEL_DIR_OUT)
			continue;	/* the mirror of an out pin */
		for (j = 0; j < i; j++)
			if (old.rules[j].kp.dir == KERNEL_DIR_OUT &&
			    kernel_addr_equal(&old.rules[j].kp.sel.dst,
			    &old.rules[i].kp.sel.dst))
				break;
		if (j < i)
			continue;	/* peer done already */
		policy_oaddr(&old.rules[i].kp.sel.dst, &peer);
		if (policy_engine_pin_peer(pe, &peer) < 0)
			ret = -1;
	}
	/* Remove old pins that the new set no longer implies. */
	for (i = 0; i < old.n; i++)
		if (!in_pinned(pe, &old.rules[i].kp) &&
		    remove_rule(pe, &old.rules[i]) < 0)
			ret = -1;
	policy_set_free(&old);
	return ret;
}

/* ---- IKE socket bypass -------------------------------------------------------- */

int
policy_socket_bypass(int fd, int family)
{
	struct xfrm_userpolicy_info pol;
	int level, opt, dir;

	if (family == AF_INET) {
		level = IPPROTO_IP;
		opt = IP_XFRM_POLICY;
	} else if (family == AF_INET6) {
		level = IPPROTO_IPV6;
		opt = IPV6_XFRM_POLICY;
	} else
		return -EAFNOSUPPORT;
	for (dir = XFRM_POLICY_IN; dir <= XFRM_POLICY_OUT; dir++) {
		memset(&pol, 0, sizeof(pol));
		pol.action = XFRM_POLICY_ALLOW;
		pol.sel.family = (uint16_t)family;
		pol.dir = (uint8_t)dir;
		/* Without infinite limits the socket policy expires at once. */
		pol.lft.soft_byte_limit = XFRM_INF;
		pol.lft.hard_byte_limit = XFRM_INF;
		pol.lft.soft_packet_limit = XFRM_INF;
		pol.lft.hard_packet_limit = XFRM_INF;
		if (setsockopt(fd, level, opt, &pol, sizeof(pol)) < 0)
			return -errno;
	}
	return 0;
}
