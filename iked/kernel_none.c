/*
 * The `none` kernel backend: SAs and policies live in memory only.  Two
 * daemons can then negotiate over loopback without privileges, and tests
 * can ask what was installed (kernel_none_find_sa() returns the keys).
 * It allocates SPIs itself and can simulate outbound packets so trap
 * policies produce ACQUIRE events through the same callbacks as XFRM.
 *
 * The backend-independent part of kernel.h is in kernel.c.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/eventfd.h>
#include <sys/random.h>

#include "oe_log.h"
#include "kernel.h"

/* Bounds memory if a caller loops; far above what a host needs. */
#define NONE_MAX_ENTRIES	65536
#define NONE_SA_BUCKETS		4096	/* SPIs are random */

static bool
mark_equal(const struct kernel_mark *a, const struct kernel_mark *b)
{
	struct kernel_mark z = { 0, 0 };

	if (a == NULL)
		a = &z;
	if (b == NULL)
		b = &z;
	return a->value == b->value && a->mask == b->mask;
}

/* The none backend --------------------------------------------------- */

struct none_sa {
	struct none_sa		*next;
	struct none_sa		*hnext;	/* bucket by SPI: lookups stay O(1) */
	struct kernel_sa	 sa;	/* enc_key/integ_key point below */
	uint8_t			 enc_key[64];
	uint8_t			 integ_key[64];
	bool			 larval;
	bool			 soft_sent;	/* soft expire already queued */
	struct kernel_sa_stats	 stats;
};

struct none_policy {
	struct none_policy	*next;
	struct kernel_policy	 p;
	bool			 acquired;	/* ACQUIRE sent, no SA yet */
};

enum none_event_type { NONE_EV_ACQUIRE, NONE_EV_EXPIRE };

struct none_event {
	struct none_event	*next;
	enum none_event_type	 type;
	struct kernel_acquire	 acquire;
	struct kernel_expire	 expire;
};

struct kernel_none {
	struct kernel		 k;	/* must be first */
	struct none_sa		*sas;
	struct none_sa		*sa_bucket[NONE_SA_BUCKETS];
	struct none_policy	*policies;
	struct none_event	*ev_head;
	struct none_event	**ev_tail;
	size_t			 nentries;
	uint32_t		 next_index;
	uint32_t		 acquire_seq;
	uint64_t		 now;		/* simulated clock, epoch seconds */
	int			 evfd;
};

static const struct kernel_ops none_ops;

static struct kernel_none *
to_none(struct kernel *k)
{
	if (k == NULL || k->ops != &none_ops)
		return NULL;
	return (struct kernel_none *)k;
}

static void
none_sa_free(struct none_sa *s)
{
	explicit_bzero(s, sizeof(*s));
	free(s);
}

static void
none_close(struct kernel *k)
{
	struct kernel_none *n = to_none(k);
	struct none_sa *s;
	struct none_policy *p;
	struct none_event *e;

	while ((s = n->sas) != NULL) {
		n->sas = s->next;
		none_sa_free(s);
	}
	while ((p = n->policies) != NULL) {
		n->policies = p->next;
		free(p);
	}
	while ((e = n->ev_head) != NULL) {
		n->ev_head = e->next;
		free(e);
	}
	if (n->evfd >= 0)
		close(n->evfd);
	free(n);
}

static int
none_event_fd(struct kernel *k)
{
	return to_none(k)->evfd;
}

static void
none_queue(struct kernel_none *n, struct none_event *e)
{
	uint64_t one = 1;

	e->next = NULL;
	*n->ev_tail = e;
	n->ev_tail = &e->next;
	/* an eventfd counter only overflows after 2^64-2 writes */
	if (write(n->evfd, &one, sizeof(one)) != sizeof(one))
		oe_warn("%s: eventfd write failed", __func__);
}

static int
none_process(struct kernel *k)
{
	struct kernel_none *n = to_none(k);
	struct none_event *e;
	uint64_t cnt;

	/* drain the counter first: events queued by callbacks re-arm it */
	if (read(n->evfd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		return -errno;
	while ((e = n->ev_head) != NULL) {
		n->ev_head = e->next;
		if (n->ev_head == NULL)
			n->ev_tail = &n->ev_head;
		if (e->type == NONE_EV_ACQUIRE && k->cb.acquire != NULL)
			k->cb.acquire(k->cb.arg, &e->acquire);
		else if (e->type == NONE_EV_EXPIRE && k->cb.expire != NULL)
			k->cb.expire(k->cb.arg, &e->expire);
		free(e);
	}
	return 0;
}

static struct none_sa *
none_sa_lookup(struct kernel_none *n, const struct kernel_addr *dst,
    uint32_t spi, const struct kernel_mark *mark)
{
	struct none_sa *s;

	for (s = n->sa_bucket[spi % NONE_SA_BUCKETS]; s != NULL; s = s->hnext)
		if (s->sa.spi == spi && kernel_addr_equal(&s->sa.dst, dst) &&
		    mark_equal(&s->sa.mark, mark))
			return s;
	return NULL;
}

/* s->sa.spi set: link s into the list and its bucket. */
static void
none_sa_link(struct kernel_none *n, struct none_sa *s)
{
	struct none_sa **b = &n->sa_bucket[s->sa.spi % NONE_SA_BUCKETS];

	s->next = n->sas;
	n->sas = s;
	s->hnext = *b;
	*b = s;
	n->nentries++;
}

static int
none_alloc_spi(struct kernel *k, const struct kernel_addr *src,
    const struct kernel_addr *dst, uint32_t reqid, uint32_t *spi)
{
	struct kernel_none *n = to_none(k);
	struct none_sa *s;
	uint64_t span = (uint64_t)k->cfg.spi_max - k->cfg.spi_min + 1;
	uint32_t r, cand;
	int tries;

	if (n->nentries >= NONE_MAX_ENTRIES)
		return -ENOSPC;
	for (tries = 0; tries < 64; tries++) {
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			return -EIO;
		cand = (uint32_t)(k->cfg.spi_min + r % span);
		if (none_sa_lookup(n, dst, cand, NULL) == NULL)
			break;
	}
	if (tries == 64)
		return -ENOSPC;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->sa.src = *src;
	s->sa.dst = *dst;
	s->sa.spi = cand;
	s->sa.reqid = reqid;
	s->larval = true;
	none_sa_link(n, s);
	*spi = cand;
	return 0;
}

static void
none_sa_fill(struct none_sa *s, const struct kernel_sa *sa)
{
	s->sa = *sa;
	memset(s->enc_key, 0, sizeof(s->enc_key));
	memset(s->integ_key, 0, sizeof(s->integ_key));
	memcpy(s->enc_key, sa->enc_key, sa->enc_key_len);
	if (sa->integ_key_len > 0)
		memcpy(s->integ_key, sa->integ_key, sa->integ_key_len);
	s->sa.enc_key = s->enc_key;
	s->sa.integ_key = sa->integ_key_len > 0 ? s->integ_key : NULL;
	s->larval = false;
}

/* A new SA satisfies the trap policies waiting for its reqid. */
static void
none_clear_acquired(struct kernel_none *n, uint32_t reqid)
{
	struct none_policy *p;

	for (p = n->policies; p != NULL; p = p->next)
		if (p->p.reqid == reqid)
			p->acquired = false;
}

static int
none_add_sa(struct kernel *k, const struct kernel_sa *sa, bool update)
{
	struct kernel_none *n = to_none(k);
	struct none_sa *s;

	/* keys up to 64 bytes are guaranteed by kernel_sa_validate() */
	s = none_sa_lookup(n, &sa->dst, sa->spi, &sa->mark);
	if (s != NULL && !update)
		return -EEXIST;
	if (s == NULL && update)
		return -ESRCH;
	if (s == NULL) {
		if (n->nentries >= NONE_MAX_ENTRIES)
			return -ENOSPC;
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return -ENOMEM;
		s->sa.spi = sa->spi;
		none_sa_link(n, s);
	}
	none_sa_fill(s, sa);
	memset(&s->stats, 0, sizeof(s->stats));
	s->stats.add_time = n->now;
	s->soft_sent = false;
	none_clear_acquired(n, sa->reqid);
	return 0;
}

static int
none_del_sa(struct kernel *k, const struct kernel_sa_id *id)
{
	struct kernel_none *n = to_none(k);
	struct none_sa **pp, **bp, *s;

	for (pp = &n->sas; (s = *pp) != NULL; pp = &s->next) {
		if (s->sa.spi == id->spi && kernel_addr_equal(&s->sa.dst, &id->dst) &&
		    mark_equal(&s->sa.mark, &id->mark)) {
			*pp = s->next;
			for (bp = &n->sa_bucket[s->sa.spi % NONE_SA_BUCKETS];
			    *bp != s; bp = &(*bp)->hnext)
				;
			*bp = s->hnext;
			none_sa_free(s);
			n->nentries--;
			return 0;
		}
	}
	return -ESRCH;
}

static int
none_get_sa_stats(struct kernel *k, const struct kernel_sa_id *id,
    struct kernel_sa_stats *st)
{
	struct none_sa *s = none_sa_lookup(to_none(k), &id->dst, id->spi,
	    &id->mark);

	if (s == NULL)
		return -ESRCH;
	*st = s->stats;
	return 0;
}

static struct none_policy *
none_policy_lookup(struct kernel_none *n, const struct kernel_selector *sel,
    enum kernel_dir dir, const struct kernel_mark *mark)
{
	struct none_policy *p;

	for (p = n->policies; p != NULL; p = p->next)
		if (p->p.dir == dir && kernel_selector_equal(&p->p.sel, sel) &&
		    mark_equal(&p->p.mark, mark))
			return p;
	return NULL;
}

static int
none_add_policy(struct kernel *k, struct kernel_policy *pol, bool replace)
{
	struct kernel_none *n = to_none(k);
	struct none_policy *p;

	p = none_policy_lookup(n, &pol->sel, pol->dir, &pol->mark);
	if (p != NULL && !replace)
		return -EEXIST;
	if (p == NULL) {
		if (n->nentries >= NONE_MAX_ENTRIES)
			return -ENOSPC;
		if ((p = calloc(1, sizeof(*p))) == NULL)
			return -ENOMEM;
		/* like XFRM: the low 3 bits of an index are the direction */
		n->next_index += 8;
		pol->index = n->next_index | (uint32_t)pol->dir;
		p->next = n->policies;
		n->policies = p;
		n->nentries++;
	} else {
		/* replacing keeps the index, as XFRM does */
		pol->index = p->p.index;
	}
	p->p = *pol;
	p->acquired = false;
	return 0;
}

static int
none_del_policy(struct kernel *k, const struct kernel_selector *sel,
    enum kernel_dir dir, const struct kernel_mark *mark)
{
	struct kernel_none *n = to_none(k);
	struct none_policy **pp, *p;

	for (pp = &n->policies; (p = *pp) != NULL; pp = &p->next) {
		if (p->p.dir == dir && kernel_selector_equal(&p->p.sel, sel) &&
		    mark_equal(&p->p.mark, mark)) {
			*pp = p->next;
			free(p);
			n->nentries--;
			return 0;
		}
	}
	return -ENOENT;
}

static int
none_list_owned(struct kernel *k, kernel_list_cb cb, void *arg)
{
	struct kernel_none *n = to_none(k);
	struct none_sa *s;
	struct none_policy *p;
	struct kernel_entry e;

	for (s = n->sas; s != NULL; s = s->next) {
		if (!kernel_reqid_owned(k, s->sa.reqid))
			continue;
		memset(&e, 0, sizeof(e));
		e.sa.dst = s->sa.dst;
		e.sa.spi = s->sa.spi;
		e.sa.mark = s->sa.mark;
		e.sa_reqid = s->sa.reqid;
		e.sa_src = s->sa.src;
		cb(arg, &e);
	}
	for (p = n->policies; p != NULL; p = p->next) {
		if (!kernel_policy_owned(k, &p->p))
			continue;
		memset(&e, 0, sizeof(e));
		e.is_policy = true;
		e.policy = p->p;
		cb(arg, &e);
	}
	return 0;
}

static const struct kernel_ops none_ops = {
	.name = "none",
	.close = none_close,
	.event_fd = none_event_fd,
	.process = none_process,
	.alloc_spi = none_alloc_spi,
	.add_sa = none_add_sa,
	.del_sa = none_del_sa,
	.get_sa_stats = none_get_sa_stats,
	.add_policy = none_add_policy,
	.del_policy = none_del_policy,
	.list_owned = none_list_owned,
};

int
kernel_none_open(struct kernel **out, const struct kernel_config *cfg,
    const struct kernel_callbacks *cb)
{
	struct kernel_none *n;
	int ret;

	*out = NULL;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return -ENOMEM;
	n->evfd = -1;
	n->ev_tail = &n->ev_head;
	if ((ret = kernel_head_init(&n->k, &none_ops, cfg, cb)) != 0) {
		oe_err("%s: invalid kernel configuration (reqid/priority/SPI ranges)",
		    __func__);
		goto out;
	}
	n->now = (uint64_t)time(NULL);
	n->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (n->evfd < 0) {
		ret = -errno;
		goto out;
	}
	*out = &n->k;
	return 0;
out:
	none_close(&n->k);
	return ret;
}

/* Inspection and simulation (tests, loopback runs) -------------------- */

const struct kernel_sa *
kernel_none_find_sa(struct kernel *k, const struct kernel_sa_id *id)
{
	struct kernel_none *n = to_none(k);
	struct none_sa *s;

	if (n == NULL)
		return NULL;
	s = none_sa_lookup(n, &id->dst, id->spi, &id->mark);
	return s != NULL ? &s->sa : NULL;
}

bool
kernel_none_sa_is_larval(struct kernel *k, const struct kernel_sa_id *id)
{
	struct kernel_none *n = to_none(k);
	struct none_sa *s;

	if (n == NULL)
		return false;
	s = none_sa_lookup(n, &id->dst, id->spi, &id->mark);
	return s != NULL && s->larval;
}

const struct kernel_policy *
kernel_none_find_policy(struct kernel *k, const struct kernel_selector *sel,
    enum kernel_dir dir, const struct kernel_mark *mark)
{
	struct kernel_none *n = to_none(k);
	struct none_policy *p;

	if (n == NULL)
		return NULL;
	p = none_policy_lookup(n, sel, dir, mark);
	return p != NULL ? &p->p : NULL;
}

void
kernel_none_count(struct kernel *k, size_t *nsa, size_t *npolicy)
{
	struct kernel_none *n = to_none(k);
	struct none_sa *s;
	struct none_policy *p;

	*nsa = *npolicy = 0;
	if (n == NULL)
		return;
	for (s = n->sas; s != NULL; s = s->next)
		(*nsa)++;
	for (p = n->policies; p != NULL; p = p->next)
		(*npolicy)++;
}

int
kernel_none_account(struct kernel *k, const struct kernel_sa_id *id,
    uint64_t bytes, uint64_t packets, uint64_t now)
{
	struct kernel_none *n = to_none(k);
	struct none_sa *s;

	if (n == NULL)
		return -EINVAL;
	if ((s = none_sa_lookup(n, &id->dst, id->spi, &id->mark)) == NULL ||
	    s->larval)
		return -ESRCH;
	s->stats.bytes += bytes;
	s->stats.packets += packets;
	s->stats.use_time = now;
	/* byte/packet limits are checked as traffic flows, like the kernel */
	if (now < n->now)
		now = n->now;
	return kernel_none_set_time(k, now);
}

/* Does address `a` fall inside prefix `p`/`plen`? */
static bool
prefix_match(const struct kernel_addr *p, uint8_t plen,
    const struct kernel_addr *a)
{
	size_t full = plen / 8, rest = plen % 8;
	uint8_t m;

	if (plen == 0)
		return true;
	if (memcmp(p->u.bytes, a->u.bytes, full) != 0)
		return false;
	if (rest == 0)
		return true;
	m = (uint8_t)(0xff << (8 - rest));
	return (p->u.bytes[full] & m) == (a->u.bytes[full] & m);
}

static bool
selector_matches(const struct kernel_selector *s,
    const struct kernel_selector *flow)
{
	if (s->family != flow->family)
		return false;
	if (s->proto != 0 && s->proto != flow->proto)
		return false;
	if (s->sport != 0 && s->sport != flow->sport)
		return false;
	if (s->dport != 0 && s->dport != flow->dport)
		return false;
	return prefix_match(&s->src, s->src_plen, &flow->src) &&
	    prefix_match(&s->dst, s->dst_plen, &flow->dst);
}

static bool
none_has_sa_for_reqid(struct kernel_none *n, uint32_t reqid)
{
	struct none_sa *s;

	for (s = n->sas; s != NULL; s = s->next)
		if (!s->larval && s->sa.reqid == reqid)
			return true;
	return false;
}

int
kernel_none_packet_out(struct kernel *k, const struct kernel_selector *flow)
{
	struct kernel_none *n = to_none(k);
	struct none_policy *p, *best = NULL;
	struct none_event *e;

	if (n == NULL || kernel_selector_validate(flow, true) != 0)
		return -EINVAL;
	for (p = n->policies; p != NULL; p = p->next) {
		if (p->p.dir != KERNEL_DIR_OUT || !selector_matches(&p->p.sel, flow))
			continue;
		if (best == NULL || p->p.priority < best->p.priority)
			best = p;
	}
	if (best == NULL)
		return 0;
	if ((best->p.action == KERNEL_POLICY_TRAP ||
	    best->p.action == KERNEL_POLICY_TRAP_OPTIONAL ||
	    best->p.action == KERNEL_POLICY_IPSEC) &&
	    !best->acquired && !none_has_sa_for_reqid(n, best->p.reqid)) {
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return -ENOMEM;
		e->type = NONE_EV_ACQUIRE;
		e->acquire.sel = *flow;
		e->acquire.src = best->p.mode == KERNEL_MODE_TUNNEL ?
		    best->p.tmpl_src : flow->src;
		e->acquire.dst = best->p.mode == KERNEL_MODE_TUNNEL ?
		    best->p.tmpl_dst : flow->dst;
		e->acquire.reqid = best->p.reqid;
		e->acquire.policy_index = best->p.index;
		e->acquire.dir = KERNEL_DIR_OUT;
		e->acquire.seq = ++n->acquire_seq;
		best->acquired = true;
		none_queue(n, e);
	}
	return (int)best->p.action;
}

/* Queues an expire event for `s`; a hard one also removes the SA. */
static int
none_expire(struct kernel_none *n, struct none_sa *s, bool hard)
{
	struct none_event *e;
	struct kernel_sa_id id;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -ENOMEM;
	e->type = NONE_EV_EXPIRE;
	e->expire.hard = hard;
	e->expire.src = s->sa.src;
	e->expire.dst = s->sa.dst;
	e->expire.spi = s->sa.spi;
	e->expire.reqid = s->sa.reqid;
	e->expire.mark = s->sa.mark;
	e->expire.stats = s->stats;
	s->soft_sent = true;
	/* like XFRM, a hard expire removes the SA */
	if (hard) {
		memset(&id, 0, sizeof(id));
		id.dst = s->sa.dst;
		id.spi = s->sa.spi;
		id.mark = s->sa.mark;
		(void)none_del_sa(&n->k, &id);
	}
	none_queue(n, e);
	return 0;
}

int
kernel_none_inject_expire(struct kernel *k, const struct kernel_sa_id *id,
    bool hard)
{
	struct kernel_none *n = to_none(k);
	struct none_sa *s;

	if (n == NULL)
		return -EINVAL;
	if ((s = none_sa_lookup(n, &id->dst, id->spi, &id->mark)) == NULL)
		return -ESRCH;
	return none_expire(n, s, hard);
}

/* Has a limit (0 = none) been reached? */
static bool
reached(uint64_t value, uint64_t limit)
{
	return limit != 0 && value >= limit;
}

static bool
none_limit_reached(const struct none_sa *s, uint64_t now, bool hard)
{
	const struct kernel_lifetime *l = &s->sa.lifetime;

	if (hard)
		return reached(now - s->stats.add_time, l->hard_seconds) ||
		    reached(s->stats.bytes, l->hard_bytes) ||
		    reached(s->stats.packets, l->hard_packets);
	return reached(now - s->stats.add_time, l->soft_seconds) ||
	    reached(s->stats.bytes, l->soft_bytes) ||
	    reached(s->stats.packets, l->soft_packets);
}

int
kernel_none_set_time(struct kernel *k, uint64_t now)
{
	struct kernel_none *n = to_none(k);
	struct none_sa *s, *next;
	int ret;

	if (n == NULL || now < n->now)
		return -EINVAL;
	n->now = now;
	for (s = n->sas; s != NULL; s = next) {
		next = s->next;	/* a hard expire frees s */
		if (s->larval)
			continue;
		if (none_limit_reached(s, now, true))
			ret = none_expire(n, s, true);
		else if (!s->soft_sent && none_limit_reached(s, now, false))
			ret = none_expire(n, s, false);
		else
			ret = 0;
		if (ret != 0)
			return ret;
	}
	return 0;
}
