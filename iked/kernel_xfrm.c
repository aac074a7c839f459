/*
 * The XFRM kernel backend: SAs and policies in the Linux kernel through
 * NETLINK_XFRM (libmnl).  Messages are built and parsed by xfrm_msg.c;
 * this file only handles the sockets.
 *
 * Two sockets: `req` carries our requests synchronously (each waits for
 * its ACK or reply, so an error belongs to the call that caused it), and
 * `ev` is subscribed to XFRMNLGRP_ACQUIRE and XFRMNLGRP_EXPIRE, is
 * non-blocking, and is what the daemon's event loop polls.  Keeping them
 * apart means an event never arrives in the middle of a request's reply.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/xfrm.h>
#include <libmnl/libmnl.h>

#include "oe_log.h"
#include "kernel.h"
#include "xfrm_msg.h"

/* Large enough for any XFRM message (one page per dump skb on x86). */
#define XFRM_RECV_BUFSIZE	32768
/* ACQUIRE bursts (many flows at once) must not overflow the queue. */
#define XFRM_EV_RCVBUF		(1024 * 1024)

struct kernel_xfrm {
	struct kernel		 k;	/* must be first */
	struct mnl_socket	*req;
	struct mnl_socket	*ev;
	uint32_t		 req_portid;
	uint32_t		 seq;
	uint64_t		 events_lost;
	struct oe_ratelimit	 bad_event_rl;
};

static struct kernel_xfrm *
to_xfrm(struct kernel *k)
{
	return (struct kernel_xfrm *)k;
}

/* Requests ---------------------------------------------------------- */

typedef int (*xfrm_reply_cb)(const struct nlmsghdr *nlh, size_t len, void *arg);

/*
 * Walks the messages of one datagram: bounded by `len`, every header
 * copied before use.  Returns 1 when the request is finished (ACK, error
 * or NLMSG_DONE), 0 to keep reading, negative errno on error.
 */
static int
walk_reply(const uint8_t *buf, size_t len, uint32_t seq, uint32_t portid,
    xfrm_reply_cb cb, void *arg)
{
	struct nlmsghdr h;
	size_t off = 0;
	int ret, err;

	while (len - off >= sizeof(h)) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)(const void *)(buf + off);

		memcpy(&h, buf + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
			return -EBADMSG;
		if (h.nlmsg_seq != seq || h.nlmsg_pid != portid)
			goto next;	/* a stale reply of an earlier request */
		if (h.nlmsg_type == NLMSG_DONE)
			return 1;
		if (h.nlmsg_type == NLMSG_ERROR) {
			if (xfrm_msg_parse_error(nlh, h.nlmsg_len, &err) != 0)
				return -EBADMSG;
			return err != 0 ? err : 1;
		}
		if (cb != NULL && (ret = cb(nlh, h.nlmsg_len, arg)) != 0)
			return ret;
next:
		off += MNL_ALIGN(h.nlmsg_len);
		if (off > len)
			break;
	}
	return 0;
}

/*
 * Sends one request and reads until its ACK/error (or, for a dump,
 * NLMSG_DONE).  The request buffer is wiped afterwards: it may hold keys.
 */
static int
xfrm_request(struct kernel_xfrm *x, struct nlmsghdr *nlh, xfrm_reply_cb cb,
    void *arg)
{
	uint8_t *buf = NULL;
	uint32_t seq = nlh->nlmsg_seq;
	size_t msglen = nlh->nlmsg_len;
	ssize_t n;
	int ret;

	if (!(nlh->nlmsg_flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	n = mnl_socket_sendto(x->req, nlh, msglen);
	xfrm_msg_wipe(nlh, msglen);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	if ((buf = aligned_alloc(8, XFRM_RECV_BUFSIZE)) == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		n = mnl_socket_recvfrom(x->req, buf, XFRM_RECV_BUFSIZE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		ret = walk_reply(buf, (size_t)n, seq, x->req_portid, cb, arg);
		if (ret != 0)
			break;
	}
	if (ret == 1)
		ret = 0;
out:
	if (buf != NULL) {
		/* replies to GETSA/dumps carry keys */
		xfrm_msg_wipe(buf, XFRM_RECV_BUFSIZE);
		free(buf);
	}
	return ret;
}

static uint32_t
next_seq(struct kernel_xfrm *x)
{
	if (++x->seq == 0)
		x->seq = 1;
	return x->seq;
}

/* Operations -------------------------------------------------------- */

struct spi_reply {
	uint32_t	 spi;
	bool		 got;
};

static int
spi_reply_cb(const struct nlmsghdr *nlh, size_t len, void *arg)
{
	struct spi_reply *r = arg;
	struct xfrm_sa_report rep;
	int ret;

	if ((ret = xfrm_msg_parse_sa(nlh, len, &rep)) != 0)
		return ret;
	r->spi = rep.sa.spi;
	r->got = true;
	return 0;
}

static int
xfrm_alloc_spi(struct kernel *k, const struct kernel_addr *src,
    const struct kernel_addr *dst, uint32_t reqid, uint32_t *spi)
{
	struct kernel_xfrm *x = to_xfrm(k);
	uint64_t buf[XFRM_MSG_BUFSIZE / 8];
	struct spi_reply r = { 0, false };
	struct nlmsghdr *nlh;
	int ret;

	nlh = xfrm_msg_alloc_spi(buf, next_seq(x), src, dst, reqid,
	    k->cfg.spi_min, k->cfg.spi_max, &ret);
	if (nlh == NULL)
		return ret;
	if ((ret = xfrm_request(x, nlh, spi_reply_cb, &r)) != 0)
		return ret;
	if (!r.got)
		return -EBADMSG;
	*spi = r.spi;
	return 0;
}

static int
xfrm_add_sa(struct kernel *k, const struct kernel_sa *sa, bool update)
{
	struct kernel_xfrm *x = to_xfrm(k);
	uint64_t buf[XFRM_MSG_BUFSIZE / 8];
	struct nlmsghdr *nlh;
	int ret;

	nlh = xfrm_msg_new_sa(buf, next_seq(x), sa, update, &ret);
	if (nlh == NULL)
		return ret;
	ret = xfrm_request(x, nlh, NULL, NULL);
	xfrm_msg_wipe(buf, sizeof(buf));
	return ret;
}

static int
xfrm_del_sa(struct kernel *k, const struct kernel_sa_id *id)
{
	struct kernel_xfrm *x = to_xfrm(k);
	uint64_t buf[XFRM_MSG_BUFSIZE / 8];
	struct nlmsghdr *nlh;
	int ret;

	if ((nlh = xfrm_msg_sa_id(buf, next_seq(x), id, false, &ret)) == NULL)
		return ret;
	return xfrm_request(x, nlh, NULL, NULL);
}

struct stats_reply {
	struct kernel_sa_stats	*st;
	bool			 got;
};

static int
stats_reply_cb(const struct nlmsghdr *nlh, size_t len, void *arg)
{
	struct stats_reply *r = arg;
	struct xfrm_sa_report rep;
	int ret;

	ret = xfrm_msg_parse_sa(nlh, len, &rep);
	/* -ENOTSUP: an algorithm we do not map; the counters are still valid */
	if (ret != 0 && ret != -ENOTSUP)
		return ret;
	*r->st = rep.stats;
	r->got = true;
	explicit_bzero(&rep, sizeof(rep));
	return 0;
}

static int
xfrm_get_sa_stats(struct kernel *k, const struct kernel_sa_id *id,
    struct kernel_sa_stats *st)
{
	struct kernel_xfrm *x = to_xfrm(k);
	uint64_t buf[XFRM_MSG_BUFSIZE / 8];
	struct stats_reply r = { st, false };
	struct nlmsghdr *nlh;
	int ret;

	if ((nlh = xfrm_msg_sa_id(buf, next_seq(x), id, true, &ret)) == NULL)
		return ret;
	if ((ret = xfrm_request(x, nlh, stats_reply_cb, &r)) != 0)
		return ret;
	return r.got ? 0 : -EBADMSG;
}

struct policy_reply {
	struct kernel_policy	*pol;
};

/*
 * The kernel does not return the index it assigned to a new policy, so
 * after adding we read the policy back (GETPOLICY by selector).
 */
static int
getpolicy_cb(const struct nlmsghdr *nlh, size_t len, void *arg)
{
	struct policy_reply *r = arg;
	struct kernel_policy got;
	int ret;

	if ((ret = xfrm_msg_parse_policy(nlh, len, &got)) != 0)
		return ret;
	r->pol->index = got.index;
	return 0;
}

static int
xfrm_get_policy_index(struct kernel_xfrm *x, struct kernel_policy *pol)
{
	uint64_t buf[XFRM_MSG_BUFSIZE / 8];
	struct policy_reply r = { pol };
	struct nlmsghdr *nlh;
	int ret;

	nlh = xfrm_msg_del_policy(buf, next_seq(x), &pol->sel, pol->dir,
	    &pol->mark, &ret);
	if (nlh == NULL)
		return ret;
	nlh->nlmsg_type = XFRM_MSG_GETPOLICY;
	return xfrm_request(x, nlh, getpolicy_cb, &r);
}

static int
xfrm_add_policy(struct kernel *k, struct kernel_policy *pol, bool replace)
{
	struct kernel_xfrm *x = to_xfrm(k);
	uint64_t buf[XFRM_MSG_BUFSIZE / 8];
	struct nlmsghdr *nlh;
	int ret;

	nlh = xfrm_msg_new_policy(buf, next_seq(x), pol, replace, &ret);
	if (nlh == NULL)
		return ret;
	if ((ret = xfrm_request(x, nlh, NULL, NULL)) != 0)
		return ret;
	pol->index = 0;
	if ((ret = xfrm_get_policy_index(x, pol)) != 0)
		oe_warn("%s: policy added but reading back its index failed: %s",
		    __func__, strerror(-ret));
	return 0;
}

static int
xfrm_del_policy(struct kernel *k, const struct kernel_selector *sel,
    enum kernel_dir dir, const struct kernel_mark *mark)
{
	struct kernel_xfrm *x = to_xfrm(k);
	uint64_t buf[XFRM_MSG_BUFSIZE / 8];
	struct nlmsghdr *nlh;
	int ret;

	nlh = xfrm_msg_del_policy(buf, next_seq(x), sel, dir, mark, &ret);
	if (nlh == NULL)
		return ret;
	return xfrm_request(x, nlh, NULL, NULL);
}

struct list_ctx {
	struct kernel	*k;
	kernel_list_cb	 cb;
	void		*arg;
};

static int
list_sa_cb(const struct nlmsghdr *nlh, size_t len, void *arg)
{
	struct list_ctx *c = arg;
	struct xfrm_sa_report rep;
	struct kernel_entry e;
	int ret;

	ret = xfrm_msg_parse_sa(nlh, len, &rep);
	/* an SA we cannot map is not one we installed: skip it */
	if (ret == 0 && kernel_reqid_owned(c->k, rep.sa.reqid)) {
		memset(&e, 0, sizeof(e));
		e.sa.dst = rep.sa.dst;
		e.sa.spi = rep.sa.spi;
		e.sa.mark = rep.sa.mark;
		e.sa_reqid = rep.sa.reqid;
		e.sa_src = rep.sa.src;
		c->cb(c->arg, &e);
	}
	explicit_bzero(&rep, sizeof(rep));
	return ret == -EINVAL ? -EBADMSG : 0;
}

static int
list_policy_cb(const struct nlmsghdr *nlh, size_t len, void *arg)
{
	struct list_ctx *c = arg;
	struct kernel_entry e;
	int ret;

	memset(&e, 0, sizeof(e));
	ret = xfrm_msg_parse_policy(nlh, len, &e.policy);
	if (ret == 0 && kernel_policy_owned(c->k, &e.policy)) {
		e.is_policy = true;
		c->cb(c->arg, &e);
	}
	return ret == -EINVAL ? -EBADMSG : 0;
}

static int
xfrm_list_owned(struct kernel *k, kernel_list_cb cb, void *arg)
{
	struct kernel_xfrm *x = to_xfrm(k);
	uint64_t buf[XFRM_MSG_BUFSIZE / 8];
	struct list_ctx c = { k, cb, arg };
	int ret;

	ret = xfrm_request(x, xfrm_msg_dump(buf, next_seq(x), XFRM_MSG_GETSA),
	    list_sa_cb, &c);
	if (ret != 0)
		return ret;
	return xfrm_request(x, xfrm_msg_dump(buf, next_seq(x),
	    XFRM_MSG_GETPOLICY), list_policy_cb, &c);
}

/* Events ------------------------------------------------------------ */

static uint64_t
now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
dispatch_event(struct kernel_xfrm *x, const struct nlmsghdr *nlh, size_t len,
    uint16_t type)
{
	struct kernel *k = &x->k;
	int ret = 0;

	switch (type) {
	case XFRM_MSG_ACQUIRE: {
		struct kernel_acquire a;

		if ((ret = xfrm_msg_parse_acquire(nlh, len, &a)) == 0 &&
		    k->cb.acquire != NULL)
			k->cb.acquire(k->cb.arg, &a);
		break;
	}
	case XFRM_MSG_EXPIRE: {
		struct kernel_expire e;

		if ((ret = xfrm_msg_parse_expire(nlh, len, &e)) == 0 &&
		    k->cb.expire != NULL)
			k->cb.expire(k->cb.arg, &e);
		break;
	}
	case XFRM_MSG_POLEXPIRE: {
		struct kernel_polexpire p;

		if ((ret = xfrm_msg_parse_polexpire(nlh, len, &p)) == 0 &&
		    k->cb.polexpire != NULL)
			k->cb.polexpire(k->cb.arg, &p);
		break;
	}
	default:
		/* other messages of the groups (e.g. mappings) are not ours */
		break;
	}
	if (ret != 0)
		oe_log_ratelimited(&x->bad_event_rl, now_usec(), LOG_WARNING,
		    "%s: ignored malformed XFRM event type %u (%s)", __func__,
		    type, strerror(-ret));
}

static int
xfrm_event_fd(struct kernel *k)
{
	return mnl_socket_get_fd(to_xfrm(k)->ev);
}

static int
xfrm_process(struct kernel *k)
{
	struct kernel_xfrm *x = to_xfrm(k);
	uint64_t buf[XFRM_RECV_BUFSIZE / 8];
	struct sockaddr_nl from;
	socklen_t fromlen;
	struct nlmsghdr h;
	bool lost = false;
	ssize_t n;
	size_t off;

	for (;;) {
		fromlen = sizeof(from);
		n = recvfrom(mnl_socket_get_fd(x->ev), buf, sizeof(buf),
		    MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) {
				/* the queue overflowed: events were dropped */
				x->events_lost++;
				lost = true;
				oe_warn("%s: XFRM event queue overflowed, events lost",
				    __func__);
				continue;
			}
			return -errno;
		}
		if ((size_t)n > sizeof(buf)) {
			oe_warn("%s: XFRM event truncated (%zd bytes)", __func__, n);
			continue;
		}
		/* only the kernel (port 0) may speak on these groups */
		if (fromlen != sizeof(from) || from.nl_pid != 0)
			continue;
		for (off = 0; (size_t)n - off >= sizeof(h);
		    off += MNL_ALIGN(h.nlmsg_len)) {
			memcpy(&h, (uint8_t *)buf + off, sizeof(h));
			if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > (size_t)n - off)
				break;
			dispatch_event(x, (const struct nlmsghdr *)(const void *)
			    ((uint8_t *)buf + off), h.nlmsg_len, h.nlmsg_type);
		}
	}
	return lost ? -ENOBUFS : 0;
}

/* Setup ------------------------------------------------------------- */

static void
xfrm_close(struct kernel *k)
{
	struct kernel_xfrm *x = to_xfrm(k);

	if (x->req != NULL)
		mnl_socket_close(x->req);
	if (x->ev != NULL)
		mnl_socket_close(x->ev);
	free(x);
}

static const struct kernel_ops xfrm_ops = {
	.name = "xfrm",
	.close = xfrm_close,
	.event_fd = xfrm_event_fd,
	.process = xfrm_process,
	.alloc_spi = xfrm_alloc_spi,
	.add_sa = xfrm_add_sa,
	.del_sa = xfrm_del_sa,
	.get_sa_stats = xfrm_get_sa_stats,
	.add_policy = xfrm_add_policy,
	.del_policy = xfrm_del_policy,
	.list_owned = xfrm_list_owned,
};

static int
open_event_socket(struct kernel_xfrm *x)
{
	unsigned int groups[] = { XFRMNLGRP_ACQUIRE, XFRMNLGRP_EXPIRE };
	int fd, flags, sz = XFRM_EV_RCVBUF;
	size_t i;

	if ((x->ev = mnl_socket_open2(NETLINK_XFRM, SOCK_CLOEXEC)) == NULL)
		return -errno;
	if (mnl_socket_bind(x->ev, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (mnl_socket_setsockopt(x->ev, NETLINK_ADD_MEMBERSHIP,
		    &groups[i], sizeof(groups[i])) < 0)
			return -errno;
	fd = mnl_socket_get_fd(x->ev);
	/* FORCE needs CAP_NET_ADMIN, which the daemon has; else best effort */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if ((flags = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int
kernel_xfrm_open(struct kernel **out, const struct kernel_config *cfg,
    const struct kernel_callbacks *cb)
{
	const struct timeval req_timeout = { 5, 0 };
	struct kernel_xfrm *x;
	int ret;

	*out = NULL;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return -ENOMEM;
	/* the head must be valid before xfrm_close() can run on error */
	x->k.ops = &xfrm_ops;
	oe_ratelimit_init(&x->bad_event_rl, 1.0, 10.0);
	if ((ret = kernel_head_init(&x->k, &xfrm_ops, cfg, cb)) != 0) {
		oe_err("%s: invalid kernel configuration (reqid/priority/SPI ranges)",
		    __func__);
		goto out;
	}
	if ((x->req = mnl_socket_open2(NETLINK_XFRM, SOCK_CLOEXEC)) == NULL ||
	    mnl_socket_bind(x->req, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		oe_err("%s: cannot open XFRM netlink socket: %s", __func__,
		    strerror(errno));
		goto out;
	}
	x->req_portid = mnl_socket_get_portid(x->req);
	/* a request is answered at once; never hang the daemon on a lost one */
	if (setsockopt(mnl_socket_get_fd(x->req), SOL_SOCKET, SO_RCVTIMEO,
	    &req_timeout, sizeof(req_timeout)) < 0) {
		ret = -errno;
		goto out;
	}
	if ((ret = open_event_socket(x)) != 0) {
		oe_err("%s: cannot subscribe to XFRM events: %s", __func__,
		    strerror(-ret));
		goto out;
	}
	*out = &x->k;
	return 0;
out:
	xfrm_close(&x->k);
	return ret;
}
