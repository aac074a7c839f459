/*
 * The backend-independent part of kernel.h: dispatch through the ops
 * table, ownership bands, and validation shared by the XFRM and `none`
 * backends, so both refuse exactly the same requests.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "oe_log.h"
#include "kernel.h"

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

int
kernel_selector_validate(const struct kernel_selector *s, bool required)
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
	return kernel_selector_validate(&sa->sel, false);
}

int
kernel_policy_validate(const struct kernel *k, const struct kernel_policy *p)
{
	if (kernel_selector_validate(&p->sel, true) != 0)
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

