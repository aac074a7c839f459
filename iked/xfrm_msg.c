/*
 * XFRM netlink message codec (see xfrm_msg.h).  Builders map the
 * backend-neutral descriptions of kernel.h onto the uapi structs of
 * <linux/xfrm.h>; parsers do the reverse for what the kernel reports.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <libmnl/libmnl.h>

#include "oe_log.h"
#include "xfrm_msg.h"

#define XFRM_ICV_BITS	128u
/* XFRM_INF is ~0ULL: "no limit" in xfrm_lifetime_cfg */
#define LFT(v)		((v) == 0 ? XFRM_INF : (uint64_t)(v))
#define UNLFT(v)	((v) == XFRM_INF ? 0 : (uint64_t)(v))

const char *
xfrm_enc_name(enum kernel_enc enc)
{
	switch (enc) {
	case KERNEL_ENC_AES_GCM_16:
		return "rfc4106(gcm(aes))";
	case KERNEL_ENC_CHACHA20_POLY1305:
		return "rfc7539esp(chacha20,poly1305)";
	case KERNEL_ENC_AES_CBC:
		return "cbc(aes)";
	}
	return NULL;
}

const char *
xfrm_integ_name(enum kernel_integ integ)
{
	switch (integ) {
	case KERNEL_INTEG_NONE:
		return NULL;
	case KERNEL_INTEG_HMAC_SHA2_256_128:
		return "hmac(sha256)";
	case KERNEL_INTEG_HMAC_SHA2_384_192:
		return "hmac(sha384)";
	case KERNEL_INTEG_HMAC_SHA2_512_256:
		return "hmac(sha512)";
	}
	return NULL;
}

/* RFC 4868: the ICV is half the hash output. */
static uint32_t
integ_trunc_bits(enum kernel_integ integ)
{
	switch (integ) {
	case KERNEL_INTEG_HMAC_SHA2_256_128:
		return 128;
	case KERNEL_INTEG_HMAC_SHA2_384_192:
		return 192;
	case KERNEL_INTEG_HMAC_SHA2_512_256:
		return 256;
	case KERNEL_INTEG_NONE:
		break;
	}
	return 0;
}

void
xfrm_msg_wipe(void *buf, size_t len)
{
	explicit_bzero(buf, len);
}

/* Address conversion ------------------------------------------------- */

static size_t
addr_len(sa_family_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static void
addr_to_xfrm(xfrm_address_t *x, const struct kernel_addr *a)
{
	memset(x, 0, sizeof(*x));
	memcpy(x, a->u.bytes, addr_len(a->family));
}

static void
addr_from_xfrm(struct kernel_addr *a, const xfrm_address_t *x, uint16_t family)
{
	memset(a, 0, sizeof(*a));
	if (addr_len(family) == 0)
		return;
	a->family = family;
	memcpy(a->u.bytes, x, addr_len(family));
}

static void
sel_to_xfrm(struct xfrm_selector *x, const struct kernel_selector *s)
{
	memset(x, 0, sizeof(*x));
	if (s->family == 0)
		return;
	x->family = s->family;
	addr_to_xfrm(&x->saddr, &s->src);
	addr_to_xfrm(&x->daddr, &s->dst);
	x->prefixlen_s = s->src_plen;
	x->prefixlen_d = s->dst_plen;
	x->proto = s->proto;
	if (s->sport != 0) {
		x->sport = htons(s->sport);
		x->sport_mask = 0xffff;
	}
	if (s->dport != 0) {
		x->dport = htons(s->dport);
		x->dport_mask = 0xffff;
	}
}

static void
sel_from_xfrm(struct kernel_selector *s, const struct xfrm_selector *x)
{
	memset(s, 0, sizeof(*s));
	if (addr_len(x->family) == 0)
		return;
	s->family = x->family;
	addr_from_xfrm(&s->src, &x->saddr, x->family);
	addr_from_xfrm(&s->dst, &x->daddr, x->family);
	s->src_plen = x->prefixlen_s;
	s->dst_plen = x->prefixlen_d;
	s->proto = x->proto;
	s->sport = x->sport_mask != 0 ? ntohs(x->sport) : 0;
	s->dport = x->dport_mask != 0 ? ntohs(x->dport) : 0;
}

static int
sel_check(const struct kernel_selector *s)
{
	size_t bits = addr_len(s->family) * 8;

	if (s->family == 0)
		return 0;
	if (bits == 0 || s->src_plen > bits || s->dst_plen > bits)
		return -EINVAL;
	if ((s->src.family != 0 && s->src.family != s->family) ||
	    (s->dst.family != 0 && s->dst.family != s->family))
		return -EINVAL;
	return 0;
}

static void
lft_to_xfrm(struct xfrm_lifetime_cfg *c, const struct kernel_lifetime *l)
{
	c->soft_byte_limit = LFT(l->soft_bytes);
	c->hard_byte_limit = LFT(l->hard_bytes);
	c->soft_packet_limit = LFT(l->soft_packets);
	c->hard_packet_limit = LFT(l->hard_packets);
	c->soft_add_expires_seconds = l->soft_seconds;
	c->hard_add_expires_seconds = l->hard_seconds;
	c->soft_use_expires_seconds = 0;
	c->hard_use_expires_seconds = 0;
}

static void
lft_from_xfrm(struct kernel_lifetime *l, const struct xfrm_lifetime_cfg *c)
{
	l->soft_bytes = UNLFT(c->soft_byte_limit);
	l->hard_bytes = UNLFT(c->hard_byte_limit);
	l->soft_packets = UNLFT(c->soft_packet_limit);
	l->hard_packets = UNLFT(c->hard_packet_limit);
	l->soft_seconds = c->soft_add_expires_seconds;
	l->hard_seconds = c->hard_add_expires_seconds;
}

static void
put_mark(struct nlmsghdr *nlh, const struct kernel_mark *m)
{
	struct xfrm_mark xm;

	if (m == NULL || m->mask == 0)
		return;
	xm.v = m->value;
	xm.m = m->mask;
	mnl_attr_put(nlh, XFRMA_MARK, sizeof(xm), &xm);
}

static struct nlmsghdr *
put_header(void *buf, uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, XFRM_MSG_BUFSIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	return nlh;
}

/* Builders ---------------------------------------------------------- */

struct nlmsghdr *
xfrm_msg_alloc_spi(void *buf, uint32_t seq, const struct kernel_addr *src,
    const struct kernel_addr *dst, uint32_t reqid, uint32_t spi_min,
    uint32_t spi_max, int *err)
{
	struct nlmsghdr *nlh;
	struct xfrm_userspi_info spi;

	if (addr_len(dst->family) == 0 || src->family != dst->family ||
	    spi_min < 256 || spi_min > spi_max) {
		*err = -EINVAL;
		return NULL;
	}
	nlh = put_header(buf, XFRM_MSG_ALLOCSPI, 0, seq);
	memset(&spi, 0, sizeof(spi));
	addr_to_xfrm(&spi.info.id.daddr, dst);
	addr_to_xfrm(&spi.info.saddr, src);
	spi.info.id.proto = IPPROTO_ESP;
	spi.info.family = dst->family;
	spi.info.reqid = reqid;
	spi.info.mode = XFRM_MODE_TRANSPORT;
	spi.min = spi_min;
	spi.max = spi_max;
	mnl_nlmsg_put_extra_header(nlh, sizeof(spi));
	memcpy(mnl_nlmsg_get_payload(nlh), &spi, sizeof(spi));
	*err = 0;
	return nlh;
}

/* Puts the algorithm attributes; keys are copied into the message. */
static int
put_algs(struct nlmsghdr *nlh, const struct kernel_sa *sa)
{
	const char *ename = xfrm_enc_name(sa->enc);
	const char *iname = xfrm_integ_name(sa->integ);
	/* the largest key we accept (64 bytes, SHA-512) + struct headers */
	uint8_t tmp[sizeof(struct xfrm_algo_auth) + 64];
	int ret = -EINVAL;

	if (ename == NULL || sa->enc_key_len > 64 || sa->integ_key_len > 64)
		goto out;
	memset(tmp, 0, sizeof(tmp));
	if (sa->enc == KERNEL_ENC_AES_GCM_16 ||
	    sa->enc == KERNEL_ENC_CHACHA20_POLY1305) {
		struct xfrm_algo_aead a;

		if (sa->integ != KERNEL_INTEG_NONE)
			goto out;
		memset(&a, 0, sizeof(a));
		strncpy(a.alg_name, ename, sizeof(a.alg_name) - 1);
		a.alg_key_len = (unsigned int)sa->enc_key_len * 8;
		a.alg_icv_len = XFRM_ICV_BITS;
		memcpy(tmp, &a, sizeof(a));
		memcpy(tmp + sizeof(a), sa->enc_key, sa->enc_key_len);
		mnl_attr_put(nlh, XFRMA_ALG_AEAD, sizeof(a) + sa->enc_key_len, tmp);
	} else {
		struct xfrm_algo c;
		struct xfrm_algo_auth i;

		if (iname == NULL)
			goto out;
		memset(&c, 0, sizeof(c));
		strncpy(c.alg_name, ename, sizeof(c.alg_name) - 1);
		c.alg_key_len = (unsigned int)sa->enc_key_len * 8;
		memcpy(tmp, &c, sizeof(c));
		memcpy(tmp + sizeof(c), sa->enc_key, sa->enc_key_len);
		mnl_attr_put(nlh, XFRMA_ALG_CRYPT, sizeof(c) + sa->enc_key_len, tmp);

		memset(&i, 0, sizeof(i));
		strncpy(i.alg_name, iname, sizeof(i.alg_name) - 1);
		i.alg_key_len = (unsigned int)sa->integ_key_len * 8;
		i.alg_trunc_len = integ_trunc_bits(sa->integ);
		memcpy(tmp, &i, sizeof(i));
		memcpy(tmp + sizeof(i), sa->integ_key, sa->integ_key_len);
		mnl_attr_put(nlh, XFRMA_ALG_AUTH_TRUNC, sizeof(i) + sa->integ_key_len, tmp);
	}
	ret = 0;
out:
	explicit_bzero(tmp, sizeof(tmp));
	return ret;
}

/*
 * Replay state.  The u8 replay_window of xfrm_usersa_info is too small
 * for the windows IKE negotiates and cannot express ESN, so a window
 * above 32 or ESN uses XFRMA_REPLAY_ESN_VAL (the kernel then requires
 * the u8 field to be zero).
 */
static void
put_replay(struct nlmsghdr *nlh, struct xfrm_usersa_info *info,
    const struct kernel_sa *sa)
{
	struct xfrm_replay_state_esn esn;
	uint32_t words, window = sa->replay_window;
	uint8_t tmp[sizeof(esn) + 4096 / 8];

	if (!sa->esn && window <= 32) {
		info->replay_window = (uint8_t)window;
		return;
	}
	/*
	 * Linux (checked on 6.1) refuses ESN with a zero window.  An
	 * outbound SA never checks replay, so any window will do there;
	 * xfrm_msg_new_sa() refuses the inbound case.
	 */
	if (sa->esn && window == 0)
		window = 1;
	info->replay_window = 0;
	if (sa->esn)
		info->flags |= XFRM_STATE_ESN;
	words = (window + 31) / 32;
	memset(&esn, 0, sizeof(esn));
	esn.bmp_len = words;
	esn.replay_window = window;
	memset(tmp, 0, sizeof(tmp));
	memcpy(tmp, &esn, sizeof(esn));
	mnl_attr_put(nlh, XFRMA_REPLAY_ESN_VAL, sizeof(esn) + words * 4, tmp);
}

struct nlmsghdr *
xfrm_msg_new_sa(void *buf, uint32_t seq, const struct kernel_sa *sa,
    bool update, int *err)
{
	struct nlmsghdr *nlh;
	struct xfrm_usersa_info info;

	*err = -EINVAL;
	if (addr_len(sa->dst.family) == 0 || sa->src.family != sa->dst.family ||
	    sa->replay_window > 4096 || sel_check(&sa->sel) != 0)
		return NULL;
	/* inbound ESN without anti-replay cannot be expressed (see put_replay) */
	if (sa->esn && sa->inbound && sa->replay_window == 0)
		return NULL;
	nlh = put_header(buf, update ? XFRM_MSG_UPDSA : XFRM_MSG_NEWSA, 0, seq);
	memset(&info, 0, sizeof(info));
	sel_to_xfrm(&info.sel, &sa->sel);
	addr_to_xfrm(&info.id.daddr, &sa->dst);
	info.id.spi = htonl(sa->spi);
	info.id.proto = IPPROTO_ESP;
	addr_to_xfrm(&info.saddr, &sa->src);
	lft_to_xfrm(&info.lft, &sa->lifetime);
	info.reqid = sa->reqid;
	info.family = sa->dst.family;
	info.mode = sa->mode == KERNEL_MODE_TUNNEL ? XFRM_MODE_TUNNEL :
	    XFRM_MODE_TRANSPORT;
	/* the replay attribute must follow the fixed header: reserve it */
	mnl_nlmsg_put_extra_header(nlh, sizeof(info));
	put_replay(nlh, &info, sa);
	memcpy(mnl_nlmsg_get_payload(nlh), &info, sizeof(info));
	if ((*err = put_algs(nlh, sa)) != 0) {
		xfrm_msg_wipe(buf, XFRM_MSG_BUFSIZE);
		return NULL;
	}
	if (sa->encap.enabled) {
		struct xfrm_encap_tmpl e;

		memset(&e, 0, sizeof(e));
		e.encap_type = UDP_ENCAP_ESPINUDP;
		e.encap_sport = htons(sa->encap.sport);
		e.encap_dport = htons(sa->encap.dport);
		if (sa->encap.oa.family == sa->dst.family)
			addr_to_xfrm(&e.encap_oa, &sa->encap.oa);
		mnl_attr_put(nlh, XFRMA_ENCAP, sizeof(e), &e);
	}
	put_mark(nlh, &sa->mark);
	*err = 0;
	return nlh;
}

struct nlmsghdr *
xfrm_msg_sa_id(void *buf, uint32_t seq, const struct kernel_sa_id *id,
    bool get, int *err)
{
	struct nlmsghdr *nlh;
	struct xfrm_usersa_id x;

	if (addr_len(id->dst.family) == 0) {
		*err = -EINVAL;
		return NULL;
	}
	nlh = put_header(buf, get ? XFRM_MSG_GETSA : XFRM_MSG_DELSA, 0, seq);
	memset(&x, 0, sizeof(x));
	addr_to_xfrm(&x.daddr, &id->dst);
	x.spi = htonl(id->spi);
	x.family = id->dst.family;
	x.proto = IPPROTO_ESP;
	mnl_nlmsg_put_extra_header(nlh, sizeof(x));
	memcpy(mnl_nlmsg_get_payload(nlh), &x, sizeof(x));
	put_mark(nlh, &id->mark);
	*err = 0;
	return nlh;
}

static bool
action_has_tmpl(enum kernel_policy_action a)
{
	return a == KERNEL_POLICY_IPSEC || a == KERNEL_POLICY_TRAP ||
	    a == KERNEL_POLICY_TRAP_OPTIONAL;
}

struct nlmsghdr *
xfrm_msg_new_policy(void *buf, uint32_t seq, const struct kernel_policy *pol,
    bool replace, int *err)
{
	struct nlmsghdr *nlh;
	struct xfrm_userpolicy_info info;
	struct kernel_lifetime lt;

	*err = -EINVAL;
	if (addr_len(pol->sel.family) == 0 || sel_check(&pol->sel) != 0 ||
	    pol->dir > KERNEL_DIR_FWD || pol->action < KERNEL_POLICY_PASS ||
	    pol->action > KERNEL_POLICY_TRAP_OPTIONAL)
		return NULL;
	if (action_has_tmpl(pol->action) && pol->mode == KERNEL_MODE_TUNNEL &&
	    (addr_len(pol->tmpl_dst.family) == 0 ||
	    pol->tmpl_src.family != pol->tmpl_dst.family))
		return NULL;
	nlh = put_header(buf, replace ? XFRM_MSG_UPDPOLICY : XFRM_MSG_NEWPOLICY,
	    0, seq);
	memset(&info, 0, sizeof(info));
	sel_to_xfrm(&info.sel, &pol->sel);
	memset(&lt, 0, sizeof(lt));
	lt.soft_seconds = pol->soft_seconds;
	lt.hard_seconds = pol->hard_seconds;
	lft_to_xfrm(&info.lft, &lt);
	info.priority = pol->priority;
	info.dir = (uint8_t)pol->dir;
	info.action = pol->action == KERNEL_POLICY_DROP ? XFRM_POLICY_BLOCK :
	    XFRM_POLICY_ALLOW;
	info.share = XFRM_SHARE_ANY;
	mnl_nlmsg_put_extra_header(nlh, sizeof(info));
	memcpy(mnl_nlmsg_get_payload(nlh), &info, sizeof(info));
	if (action_has_tmpl(pol->action)) {
		struct xfrm_user_tmpl t;

		memset(&t, 0, sizeof(t));
		t.id.proto = IPPROTO_ESP;
		t.reqid = pol->reqid;
		t.share = XFRM_SHARE_ANY;
		t.optional = pol->action == KERNEL_POLICY_TRAP_OPTIONAL;
		t.aalgos = t.ealgos = t.calgos = ~0u;
		if (pol->mode == KERNEL_MODE_TUNNEL) {
			t.mode = XFRM_MODE_TUNNEL;
			t.family = pol->tmpl_dst.family;
			addr_to_xfrm(&t.id.daddr, &pol->tmpl_dst);
			addr_to_xfrm(&t.saddr, &pol->tmpl_src);
		} else {
			t.mode = XFRM_MODE_TRANSPORT;
			t.family = pol->sel.family;
		}
		mnl_attr_put(nlh, XFRMA_TMPL, sizeof(t), &t);
	}
	put_mark(nlh, &pol->mark);
	*err = 0;
	return nlh;
}

struct nlmsghdr *
xfrm_msg_del_policy(void *buf, uint32_t seq, const struct kernel_selector *sel,
    enum kernel_dir dir, const struct kernel_mark *mark, int *err)
{
	struct nlmsghdr *nlh;
	struct xfrm_userpolicy_id id;

	if (addr_len(sel->family) == 0 || sel_check(sel) != 0 ||
	    dir > KERNEL_DIR_FWD) {
		*err = -EINVAL;
		return NULL;
	}
	nlh = put_header(buf, XFRM_MSG_DELPOLICY, 0, seq);
	memset(&id, 0, sizeof(id));
	sel_to_xfrm(&id.sel, sel);
	id.dir = (uint8_t)dir;
	mnl_nlmsg_put_extra_header(nlh, sizeof(id));
	memcpy(mnl_nlmsg_get_payload(nlh), &id, sizeof(id));
	put_mark(nlh, mark);
	*err = 0;
	return nlh;
}

struct nlmsghdr *
xfrm_msg_dump(void *buf, uint32_t seq, uint16_t type)
{
	struct nlmsghdr *nlh;

	nlh = put_header(buf, type, NLM_F_DUMP, seq);
	/*
	 * GETSA dumps accept an empty body; GETPOLICY dumps too.  Reserve
	 * nothing so the kernel applies no filter.
	 */
	return nlh;
}

/* Parsers ----------------------------------------------------------- */

/* Attribute table filled by mnl_attr_parse(); lengths checked later. */
struct attrs {
	const struct nlattr *a[XFRMA_MAX + 1];
};

static int
attr_cb(const struct nlattr *attr, void *data)
{
	struct attrs *t = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= XFRMA_MAX)
		t->a[type] = attr;
	return MNL_CB_OK;
}

/*
 * Checks that nlh is a whole message of `type` inside `len` bytes with a
 * fixed header of `hdrlen`, copies that header into `hdr` and collects
 * the attributes that follow.
 */
static int
open_msg(const struct nlmsghdr *nlh, size_t len, uint16_t type, void *hdr,
    size_t hdrlen, struct attrs *t)
{
	struct nlmsghdr h;

	memset(t, 0, sizeof(*t));
	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, nlh, sizeof(h));
	/*
	 * libmnl walks the attributes up to the aligned end of the message:
	 * the buffer must hold the padding too, or the last attribute could
	 * reach past it (the kernel's messages are aligned).
	 */
	if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len ||
	    MNL_ALIGN((size_t)h.nlmsg_len) > len)
		return -EINVAL;
	if (h.nlmsg_type != type)
		return -EINVAL;
	if (h.nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(hdrlen)) {
		/* the kernel pads the fixed header; accept an unpadded one */
		if (h.nlmsg_len < MNL_NLMSG_HDRLEN + hdrlen)
			return -EINVAL;
		memcpy(hdr, (const uint8_t *)nlh + MNL_NLMSG_HDRLEN, hdrlen);
		return 0;
	}
	memcpy(hdr, (const uint8_t *)nlh + MNL_NLMSG_HDRLEN, hdrlen);
	if (mnl_attr_parse(nlh, (unsigned int)MNL_ALIGN(hdrlen), attr_cb, t) < 0)
		return -EINVAL;
	return 0;
}

/* Copies a fixed-size attribute; false if absent or too short. */
static bool
attr_copy(const struct nlattr *a, void *dst, size_t size)
{
	if (a == NULL || mnl_attr_get_payload_len(a) < size)
		return false;
	memcpy(dst, mnl_attr_get_payload(a), size);
	return true;
}

static void
mark_from_attr(struct kernel_mark *m, const struct nlattr *a)
{
	struct xfrm_mark xm;

	memset(m, 0, sizeof(*m));
	if (attr_copy(a, &xm, sizeof(xm))) {
		m->value = xm.v;
		m->mask = xm.m;
	}
}

static int
enc_from_name(const char *name, enum kernel_enc *e)
{
	enum kernel_enc all[] = { KERNEL_ENC_AES_GCM_16,
	    KERNEL_ENC_CHACHA20_POLY1305, KERNEL_ENC_AES_CBC };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(name, xfrm_enc_name(all[i])) == 0) {
			*e = all[i];
			return 0;
		}
	}
	return -ENOTSUP;
}

static int
integ_from_name(const char *name, enum kernel_integ *i)
{
	enum kernel_integ all[] = { KERNEL_INTEG_HMAC_SHA2_256_128,
	    KERNEL_INTEG_HMAC_SHA2_384_192, KERNEL_INTEG_HMAC_SHA2_512_256 };
	size_t k;

	for (k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		if (strcmp(name, xfrm_integ_name(all[k])) == 0) {
			*i = all[k];
			return 0;
		}
	}
	return -ENOTSUP;
}

/*
 * An algorithm attribute: fixed struct `hdrlen` whose first 64 bytes are
 * the name and whose key length (bits) is at `keylen_off`, then the key.
 * Validates the declared key length against the attribute's length.
 */
static int
alg_attr(const struct nlattr *a, size_t hdrlen, size_t keylen_off,
    char name[64], const uint8_t **key, size_t *keylen, void *hdr)
{
	uint32_t bits;
	size_t plen;

	if (a == NULL)
		return -ENOENT;
	plen = mnl_attr_get_payload_len(a);
	if (plen < hdrlen)
		return -EINVAL;
	memcpy(hdr, mnl_attr_get_payload(a), hdrlen);
	memcpy(name, hdr, 64);
	name[63] = '\0';
	memcpy(&bits, (const uint8_t *)hdr + keylen_off, sizeof(bits));
	if (bits % 8 != 0 || bits / 8 > plen - hdrlen)
		return -EINVAL;
	*keylen = bits / 8;
	*key = (const uint8_t *)mnl_attr_get_payload(a) + hdrlen;
	return 0;
}

static int
sa_algs_from_attrs(struct xfrm_sa_report *r, const struct attrs *t)
{
	int ret;

	if (t->a[XFRMA_ALG_AEAD] != NULL) {
		struct xfrm_algo_aead h;

		ret = alg_attr(t->a[XFRMA_ALG_AEAD], sizeof(h),
		    offsetof(struct xfrm_algo_aead, alg_key_len), r->enc_name,
		    &r->sa.enc_key, &r->sa.enc_key_len, &h);
		if (ret != 0)
			return ret;
		r->icv_bits = h.alg_icv_len;
		return enc_from_name(r->enc_name, &r->sa.enc);
	}
	if (t->a[XFRMA_ALG_CRYPT] != NULL) {
		struct xfrm_algo c;
		struct xfrm_algo_auth i;

		ret = alg_attr(t->a[XFRMA_ALG_CRYPT], sizeof(c),
		    offsetof(struct xfrm_algo, alg_key_len), r->enc_name,
		    &r->sa.enc_key, &r->sa.enc_key_len, &c);
		if (ret != 0)
			return ret;
		ret = alg_attr(t->a[XFRMA_ALG_AUTH_TRUNC], sizeof(i),
		    offsetof(struct xfrm_algo_auth, alg_key_len), r->integ_name,
		    &r->sa.integ_key, &r->sa.integ_key_len, &i);
		if (ret != 0)
			return ret == -ENOENT ? -ENOTSUP : ret;
		r->trunc_bits = i.alg_trunc_len;
		if ((ret = enc_from_name(r->enc_name, &r->sa.enc)) != 0)
			return ret;
		return integ_from_name(r->integ_name, &r->sa.integ);
	}
	/* a larval SA (ALLOCSPI) has no algorithms yet */
	return 0;
}

int
xfrm_msg_parse_sa(const struct nlmsghdr *nlh, size_t len,
    struct xfrm_sa_report *r)
{
	struct xfrm_usersa_info info;
	struct attrs t;
	int ret;

	memset(r, 0, sizeof(*r));
	if ((ret = open_msg(nlh, len, XFRM_MSG_NEWSA, &info, sizeof(info),
	    &t)) != 0 && (ret = open_msg(nlh, len, XFRM_MSG_UPDSA, &info,
	    sizeof(info), &t)) != 0)
		return ret;
	if (addr_len(info.family) == 0 || info.id.proto != IPPROTO_ESP)
		return -ENOTSUP;
	addr_from_xfrm(&r->sa.dst, &info.id.daddr, info.family);
	addr_from_xfrm(&r->sa.src, &info.saddr, info.family);
	sel_from_xfrm(&r->sa.sel, &info.sel);
	r->sa.spi = ntohl(info.id.spi);
	r->sa.reqid = info.reqid;
	r->sa.mode = info.mode == XFRM_MODE_TUNNEL ? KERNEL_MODE_TUNNEL :
	    KERNEL_MODE_TRANSPORT;
	r->sa.esn = (info.flags & XFRM_STATE_ESN) != 0;
	r->sa.replay_window = info.replay_window;
	lft_from_xfrm(&r->sa.lifetime, &info.lft);
	r->stats.bytes = info.curlft.bytes;
	r->stats.packets = info.curlft.packets;
	r->stats.add_time = info.curlft.add_time;
	r->stats.use_time = info.curlft.use_time;
	r->stats.replay_errors = info.stats.replay;
	r->stats.integrity_errors = info.stats.integrity_failed;
	if (t.a[XFRMA_REPLAY_ESN_VAL] != NULL) {
		struct xfrm_replay_state_esn esn;

		if (!attr_copy(t.a[XFRMA_REPLAY_ESN_VAL], &esn, sizeof(esn)))
			return -EINVAL;
		r->sa.replay_window = esn.replay_window;
		r->oseq = esn.oseq;
		r->seq = esn.seq;
	} else if (t.a[XFRMA_REPLAY_VAL] != NULL) {
		struct xfrm_replay_state rs;

		if (!attr_copy(t.a[XFRMA_REPLAY_VAL], &rs, sizeof(rs)))
			return -EINVAL;
		r->oseq = rs.oseq;
		r->seq = rs.seq;
	}
	if (t.a[XFRMA_ENCAP] != NULL) {
		struct xfrm_encap_tmpl e;

		if (!attr_copy(t.a[XFRMA_ENCAP], &e, sizeof(e)))
			return -EINVAL;
		r->sa.encap.enabled = e.encap_type == UDP_ENCAP_ESPINUDP;
		r->sa.encap.sport = ntohs(e.encap_sport);
		r->sa.encap.dport = ntohs(e.encap_dport);
		addr_from_xfrm(&r->sa.encap.oa, &e.encap_oa, info.family);
		if (memcmp(&r->sa.encap.oa.u, &(struct in6_addr){ 0 }, 16) == 0)
			r->sa.encap.oa.family = 0;
	}
	mark_from_attr(&r->sa.mark, t.a[XFRMA_MARK]);
	return sa_algs_from_attrs(r, &t);
}

/*
 * Reads the (first) template of a policy.  We only install policies
 * with a single ESP template; anything else is not ours to interpret.
 */
static int
tmpl_from_attr(const struct nlattr *a, struct xfrm_user_tmpl *tmpl)
{
	if (a == NULL)
		return -ENOENT;
	if (!attr_copy(a, tmpl, sizeof(*tmpl)))
		return -EINVAL;
	return 0;
}

static int
policy_from_info(struct kernel_policy *p, const struct xfrm_userpolicy_info *info,
    const struct attrs *t)
{
	struct xfrm_user_tmpl tmpl;
	int ret;

	memset(p, 0, sizeof(*p));
	if (info->dir > XFRM_POLICY_FWD)
		return -ENOTSUP;
	sel_from_xfrm(&p->sel, &info->sel);
	p->dir = (enum kernel_dir)info->dir;
	p->priority = info->priority;
	p->index = info->index;
	p->soft_seconds = info->lft.soft_add_expires_seconds;
	p->hard_seconds = info->lft.hard_add_expires_seconds;
	mark_from_attr(&p->mark, t->a[XFRMA_MARK]);
	ret = tmpl_from_attr(t->a[XFRMA_TMPL], &tmpl);
	if (ret == -ENOENT) {
		p->action = info->action == XFRM_POLICY_BLOCK ?
		    KERNEL_POLICY_DROP : KERNEL_POLICY_PASS;
		return 0;
	}
	if (ret != 0)
		return ret;
	if (tmpl.id.proto != IPPROTO_ESP)
		return -ENOTSUP;
	p->action = tmpl.optional ? KERNEL_POLICY_TRAP_OPTIONAL :
	    KERNEL_POLICY_IPSEC;
	p->reqid = tmpl.reqid;
	p->mode = tmpl.mode == XFRM_MODE_TUNNEL ? KERNEL_MODE_TUNNEL :
	    KERNEL_MODE_TRANSPORT;
	if (p->mode == KERNEL_MODE_TUNNEL) {
		addr_from_xfrm(&p->tmpl_dst, &tmpl.id.daddr, tmpl.family);
		addr_from_xfrm(&p->tmpl_src, &tmpl.saddr, tmpl.family);
	}
	return 0;
}

int
xfrm_msg_parse_policy(const struct nlmsghdr *nlh, size_t len,
    struct kernel_policy *out)
{
	struct xfrm_userpolicy_info info;
	struct attrs t;
	int ret;

	if ((ret = open_msg(nlh, len, XFRM_MSG_NEWPOLICY, &info, sizeof(info),
	    &t)) != 0 && (ret = open_msg(nlh, len, XFRM_MSG_UPDPOLICY, &info,
	    sizeof(info), &t)) != 0)
		return ret;
	return policy_from_info(out, &info, &t);
}

int
xfrm_msg_parse_acquire(const struct nlmsghdr *nlh, size_t len,
    struct kernel_acquire *out)
{
	struct xfrm_user_acquire acq;
	struct xfrm_user_tmpl tmpl;
	struct attrs t;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = open_msg(nlh, len, XFRM_MSG_ACQUIRE, &acq, sizeof(acq),
	    &t)) != 0)
		return ret;
	if (addr_len(acq.sel.family) == 0 || acq.policy.dir > XFRM_POLICY_FWD)
		return -EINVAL;
	sel_from_xfrm(&out->sel, &acq.sel);
	/* id/saddr carry the SA endpoints; their family is the template's */
	ret = tmpl_from_attr(t.a[XFRMA_TMPL], &tmpl);
	if (ret == -EINVAL)
		return ret;
	if (ret == 0) {
		out->reqid = tmpl.reqid;
		addr_from_xfrm(&out->dst, &acq.id.daddr,
		    addr_len(tmpl.family) ? tmpl.family : acq.sel.family);
		addr_from_xfrm(&out->src, &acq.saddr,
		    addr_len(tmpl.family) ? tmpl.family : acq.sel.family);
	} else {
		addr_from_xfrm(&out->dst, &acq.id.daddr, acq.sel.family);
		addr_from_xfrm(&out->src, &acq.saddr, acq.sel.family);
	}
	out->policy_index = acq.policy.index;
	out->dir = (enum kernel_dir)acq.policy.dir;
	out->seq = acq.seq;
	return 0;
}

int
xfrm_msg_parse_expire(const struct nlmsghdr *nlh, size_t len,
    struct kernel_expire *out)
{
	struct xfrm_user_expire exp;
	struct attrs t;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = open_msg(nlh, len, XFRM_MSG_EXPIRE, &exp, sizeof(exp),
	    &t)) != 0)
		return ret;
	if (addr_len(exp.state.family) == 0)
		return -EINVAL;
	out->hard = exp.hard != 0;
	addr_from_xfrm(&out->dst, &exp.state.id.daddr, exp.state.family);
	addr_from_xfrm(&out->src, &exp.state.saddr, exp.state.family);
	out->spi = ntohl(exp.state.id.spi);
	out->reqid = exp.state.reqid;
	out->stats.bytes = exp.state.curlft.bytes;
	out->stats.packets = exp.state.curlft.packets;
	out->stats.add_time = exp.state.curlft.add_time;
	out->stats.use_time = exp.state.curlft.use_time;
	mark_from_attr(&out->mark, t.a[XFRMA_MARK]);
	if (exp.state.id.proto != IPPROTO_ESP)
		return -ENOTSUP;
	return 0;
}

int
xfrm_msg_parse_polexpire(const struct nlmsghdr *nlh, size_t len,
    struct kernel_polexpire *out)
{
	struct xfrm_user_polexpire exp;
	struct kernel_policy p;
	struct attrs t;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = open_msg(nlh, len, XFRM_MSG_POLEXPIRE, &exp, sizeof(exp),
	    &t)) != 0)
		return ret;
	if ((ret = policy_from_info(&p, &exp.pol, &t)) != 0)
		return ret;
	out->hard = exp.hard != 0;
	out->sel = p.sel;
	out->dir = p.dir;
	out->index = p.index;
	out->priority = p.priority;
	return 0;
}

int
xfrm_msg_parse_error(const struct nlmsghdr *nlh, size_t len, int *errnum)
{
	struct nlmsghdr h;
	struct nlmsgerr e;

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, nlh, sizeof(h));
	if (h.nlmsg_type != NLMSG_ERROR || h.nlmsg_len > len ||
	    h.nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(e.error))
		return -EINVAL;
	memcpy(&e.error, (const uint8_t *)nlh + MNL_NLMSG_HDRLEN,
	    sizeof(e.error));
	/* the kernel sends a negative errno (or 0 for an ACK) */
	if (e.error > 0 || e.error < -4095)
		return -EINVAL;
	*errnum = e.error;
	return 0;
}
