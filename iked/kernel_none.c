/*
 * The `none` kernel backend: SAs and policies live in memory only.  Two
 * daemons can then negotiate over loopback without privileges, and tests
 * can ask what was installed (kernel_none_find_sa() returns the keys).
 * It allocates SPIs itself and can simulate outbound packets so trap
 * policies produce ACQUIRE events through the same callbacks as XFRM.
 *
 * This file also holds the backend-independent part of kernel.h (the
 * dispatch wrappers and validation helpers).
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

/* Backend-independent helpers ---------------------------------------- */

void
kernel_config_defaults(struct kernel_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->reqid_min = KERNEL_REQID_MIN_DEFAULT;
	cfg->reqid_max = KERNEL_REQID_MAX_DEFAULT;
	cfg->prio_min = KERNEL_PRIO_MIN_DEFAULT;
	cfg->prio_max = KERNEL_PRIO_MAX_DEFAULT;
	cfg->spi_min = KERNEL_SPI_MIN_DEFAULT;
	cfg->spi_max = KERNEL_SPI_MAX_DEFAULT;
}

static int
config_check(const struct kernel_config *cfg)
{
	if (cfg->reqid_min == 0 || cfg->reqid_min > cfg->reqid_max ||
	    cfg->prio_min > cfg->prio_max || cfg->spi_min < 256 ||
	    cfg->spi_min > cfg->spi_max)
		return -EINVAL;
	return 0;
}

int
kernel_head_init(struct kernel *k, const struct kernel_ops *ops,
    const struct kernel_config *cfg, const struct kernel_callbacks *cb)
{
	k->ops = ops;
	if (cfg != NULL)
		k->cfg = *cfg;
	else
		kernel_config_defaults(&k->cfg);
	if (cb != NULL)
		k->cb = *cb;
	else
		memset(&k->cb, 0, sizeof(k->cb));
	return config_check(&k->cfg);
}

int
kernel_open(const char *backend, struct kernel **out,
    const struct kernel_config *cfg, const struct kernel_callbacks *cb)
{
	if (backend == NULL || strcmp(backend, "xfrm") == 0)
		return kernel_xfrm_open(out, cfg, cb);
	if (strcmp(backend, "none") == 0)
		return kernel_none_open(out, cfg, cb);
	oe_err("%s: unknown kernel backend \"%s\" (want xfrm or none)",
	    __func__, backend);
	return -EINVAL;
}

void
kernel_close(struct kernel *k)
{
	if (k != NULL)
		k->ops->close(k);
}

int
kernel_event_fd(struct kernel *k)
{
	return k->ops->event_fd(k);
}

int
kernel_process(struct kernel *k)
{
	return k->ops->process(k);
}

int
kernel_alloc_spi(struct kernel *k, const struct kernel_addr *src,
    const struct kernel_addr *dst, uint32_t reqid, uint32_t *spi)
{
	if (!kernel_reqid_owned(k, reqid) || src->family != dst->family ||
	    (dst->family != AF_INET && dst->family != AF_INET6))
		return -EINVAL;
	return k->ops->alloc_spi(k, src, dst, reqid, spi);
}

int
kernel_add_sa(struct kernel *k, const struct kernel_sa *sa)
{
	int ret;

	if ((ret = kernel_sa_validate(k, sa)) != 0)
		return ret;
	return k->ops->add_sa(k, sa, false);
}

int
kernel_update_sa(struct kernel *k, const struct kernel_sa *sa)
{
	int ret;

	if ((ret = kernel_sa_validate(k, sa)) != 0)
		return ret;
	return k->ops->add_sa(k, sa, true);
}

int
kernel_del_sa(struct kernel *k, const struct kernel_sa_id *id)
{
	return k->ops->del_sa(k, id);
}

int
kernel_get_sa_stats(struct kernel *k, const struct kernel_sa_id *id,
    struct kernel_sa_stats *st)
{
	return k->ops->get_sa_stats(k, id, st);
}

int
kernel_add_policy(struct kernel *k, struct kernel_policy *pol)
{
	int ret;

	if ((ret = kernel_policy_validate(k, pol)) != 0)
		return ret;
	return k->ops->add_policy(k, pol, false);
}

int
kernel_replace_policy(struct kernel *k, struct kernel_policy *pol)
{
	int ret;

	if ((ret = kernel_policy_validate(k, pol)) != 0)
		return ret;
	return k->ops->add_policy(k, pol, true);
}

int
kernel_del_policy(struct kernel *k, const struct kernel_selector *sel,
    enum kernel_dir dir, const struct kernel_mark *mark)
{
	return k->ops->del_policy(k, sel, dir, mark);
}

int
kernel_list_owned(struct kernel *k, kernel_list_cb cb, void *arg)
{
	return k->ops->list_owned(k, cb, arg);
}

/*
 * Flushing collects first and deletes afterwards: deleting while a dump
 * or a list walk is running would disturb it.
 */
struct flush_list {
	struct kernel_entry	*v;
	size_t			 n;
	size_t			 cap;
	int			 err;
};

static void
flush_collect(void *arg, const struct kernel_entry *e)
{
	struct flush_list *l = arg;
	struct kernel_entry *nv;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;

		nv = reallocarray(l->v, cap, sizeof(*nv));
		if (nv == NULL) {
			l->err = -ENOMEM;
			return;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = *e;
}

int
kernel_flush_owned(struct kernel *k)
{
	struct flush_list l = { NULL, 0, 0, 0 };
	size_t i;
	int ret, first = 0;

	if ((ret = kernel_list_owned(k, flush_collect, &l)) != 0)
		first = ret;
	else if (l.err != 0)
		first = l.err;
	for (i = 0; i < l.n; i++) {
		const struct kernel_entry *e = &l.v[i];

		if (e->is_policy)
			ret = kernel_del_policy(k, &e->policy.sel, e->policy.dir,
			    &e->policy.mark);
		else
			ret = kernel_del_sa(k, &e->sa);
		/* already gone (e.g. expired meanwhile) is fine */
		if (ret != 0 && ret != -ENOENT && ret != -ESRCH && first == 0)
			first = ret;
	}
	free(l.v);
	return first;
}

bool
kernel_reqid_owned(const struct kernel *k, uint32_t reqid)
{
	return reqid >= k->cfg.reqid_min && reqid <= k->cfg.reqid_max;
}

static bool
policy_has_tmpl(enum kernel_policy_action a)
{
	return a == KERNEL_POLICY_IPSEC || a == KERNEL_POLICY_TRAP ||
	    a == KERNEL_POLICY_TRAP_OPTIONAL;
}

bool
kernel_policy_owned(const struct kernel *k, const struct kernel_policy *p)
{
	if (p->priority < k->cfg.prio_min || p->priority > k->cfg.prio_max)
		return false;
	if (policy_has_tmpl(p->action) && !kernel_reqid_owned(k, p->reqid))
		return false;
	return true;
}

bool
kernel_enc_key_len_ok(enum kernel_enc enc, size_t len)
{
	switch (enc) {
	case KERNEL_ENC_AES_GCM_16:
		/* AES-128/192/256 + 4-byte salt (RFC 4106) */
		return len == 20 || len == 28 || len == 36;
	case KERNEL_ENC_CHACHA20_POLY1305:
		/* 256-bit key + 4-byte salt (RFC 7634) */
		return len == 36;
	case KERNEL_ENC_AES_CBC:
		return len == 16 || len == 24 || len == 32;
	}
	return false;
}

size_t
kernel_integ_key_len(enum kernel_integ integ)
{
	switch (integ) {
	case KERNEL_INTEG_NONE:
		return 0;
	case KERNEL_INTEG_HMAC_SHA2_256_128:
		return 32;
	case KERNEL_INTEG_HMAC_SHA2_384_192:
		return 48;
	case KERNEL_INTEG_HMAC_SHA2_512_256:
		return 64;
	}
	return 0;
}

static size_t
family_bits(sa_family_t f)
{
	return f == AF_INET ? 32 : f == AF_INET6 ? 128 : 0;
}

static int
selector_validate(const struct kernel_selector *s, bool required)
{
	size_t bits = family_bits(s->family);

	if (s->family == 0)
		return required ? -EINVAL : 0;
	if (bits == 0 || s->src_plen > bits || s->dst_plen > bits)
		return -EINVAL;
	if (s->src.family != s->family || s->dst.family != s->family)
		return -EINVAL;
	return 0;
}

int
kernel_sa_validate(const struct kernel *k, const struct kernel_sa *sa)
{
	bool aead = sa->enc == KERNEL_ENC_AES_GCM_16 ||
	    sa->enc == KERNEL_ENC_CHACHA20_POLY1305;

	if (family_bits(sa->dst.family) == 0 || sa->src.family != sa->dst.family)
		return -EINVAL;
	if (sa->spi < 256)	/* 1..255 are reserved by IANA, 0 is invalid */
		return -EINVAL;
	if (!kernel_reqid_owned(k, sa->reqid))
		return -EINVAL;
	if (sa->mode != KERNEL_MODE_TRANSPORT && sa->mode != KERNEL_MODE_TUNNEL)
		return -EINVAL;
	if (sa->enc_key == NULL || !kernel_enc_key_len_ok(sa->enc, sa->enc_key_len))
		return -EINVAL;
	if (aead != (sa->integ == KERNEL_INTEG_NONE))
		return -EINVAL;
	if (!aead && (sa->integ_key == NULL ||
	    sa->integ_key_len != kernel_integ_key_len(sa->integ)))
		return -EINVAL;
	if (sa->replay_window > 4096)
		return -EINVAL;
	if (sa->encap.enabled && (sa->encap.sport == 0 || sa->encap.dport == 0))
		return -EINVAL;
	return selector_validate(&sa->sel, false);
}

int
kernel_policy_validate(const struct kernel *k, const struct kernel_policy *p)
{
	if (selector_validate(&p->sel, true) != 0)
		return -EINVAL;
	if (p->dir != KERNEL_DIR_IN && p->dir != KERNEL_DIR_OUT &&
	    p->dir != KERNEL_DIR_FWD)
		return -EINVAL;
	if (p->action < KERNEL_POLICY_PASS ||
	    p->action > KERNEL_POLICY_TRAP_OPTIONAL)
		return -EINVAL;
	if (!kernel_policy_owned(k, p))
		return -EINVAL;
	if (policy_has_tmpl(p->action) && p->mode == KERNEL_MODE_TUNNEL &&
	    (family_bits(p->tmpl_dst.family) == 0 ||
	    p->tmpl_src.family != p->tmpl_dst.family))
		return -EINVAL;
	return 0;
}

static size_t
addr_bytes(sa_family_t f)
{
	return family_bits(f) / 8;
}

bool
kernel_addr_equal(const struct kernel_addr *a, const struct kernel_addr *b)
{
	return a->family == b->family &&
	    memcmp(a->u.bytes, b->u.bytes, addr_bytes(a->family)) == 0;
}

bool
kernel_selector_equal(const struct kernel_selector *a,
    const struct kernel_selector *b)
{
	return a->family == b->family && a->src_plen == b->src_plen &&
	    a->dst_plen == b->dst_plen && a->proto == b->proto &&
	    a->sport == b->sport && a->dport == b->dport &&
	    kernel_addr_equal(&a->src, &b->src) &&
	    kernel_addr_equal(&a->dst, &b->dst);
}

int
kernel_addr_from_string(struct kernel_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->u.v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->u.v6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

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

	for (s = n->sas; s != NULL; s = s->next)
		if (s->sa.spi == spi && kernel_addr_equal(&s->sa.dst, dst) &&
		    mark_equal(&s->sa.mark, mark))
			return s;
	return NULL;
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
	s->next = n->sas;
	n->sas = s;
	n->nentries++;
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
		s->next = n->sas;
		n->sas = s;
		n->nentries++;
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
	struct none_sa **pp, *s;

	for (pp = &n->sas; (s = *pp) != NULL; pp = &s->next) {
		if (s->sa.spi == id->spi && kernel_addr_equal(&s->sa.dst, &id->dst) &&
		    mark_equal(&s->sa.mark, &id->mark)) {
			*pp = s->next;
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

	if (n == NULL || selector_validate(flow, true) != 0)
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
