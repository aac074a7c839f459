/*
 * IKE's UDP sockets (see ikev2_net.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include "oe_log.h"
#include "ikev2_net.h"
#include "policy.h"

#ifndef UDP_ENCAP
#define UDP_ENCAP 100
#endif
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif

#define NATT_MARKER_LEN	4

struct ikev2_sock {
	struct ikev2_net	*net;
	int			 fd;
	sd_event_source		*src;
	struct oe_addr		 bound;		/* may be the wildcard */
	uint16_t		 port;
	bool			 natt;
};

struct ikev2_net {
	size_t			 nsocks;
	struct ikev2_sock	 socks[IKEV2_NET_MAX_SOCKETS];
	uint16_t		 ike_port;
	uint16_t		 natt_port;
	ikev2_net_rx_fn		 rx;
	void			*arg;
	uint8_t			*buf;		/* one receive buffer, reused */
};

const uint8_t *
ikev2_net_natt_strip(const uint8_t *dgram, size_t dlen, size_t *len)
{
	static const uint8_t marker[NATT_MARKER_LEN];

	/* A keepalive is one 0xff byte; ESP starts with a non-zero SPI. */
	if (dlen < NATT_MARKER_LEN + IKEV2_NET_MIN_DGRAM)
		return NULL;
	if (memcmp(dgram, marker, NATT_MARKER_LEN) != 0)
		return NULL;
	*len = dlen - NATT_MARKER_LEN;
	return dgram + NATT_MARKER_LEN;
}

static int
sock_enable_pktinfo(int fd, int family)
{
	int one = 1;

	if (family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
}

static int
sock_open(struct ikev2_sock *s, bool udp_encap)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	int fd, one = 1, family = s->bound.family;

	slen = oe_addr_to_sockaddr(&s->bound, s->port, &ss);
	if (slen == 0)
		return -EINVAL;
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	/*
	 * No SO_REUSEADDR: on Linux it lets a second UDP socket bind the
	 * same port, and a second daemon would then steal half the IKE
	 * traffic silently instead of failing to start.
	 */
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto fail;
	if (sock_enable_pktinfo(fd, family) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, slen) < 0)
		goto fail;
	/* IKE must never be caught by the traps it negotiates for. */
	if (udp_encap && policy_socket_bypass(fd, family) < 0)
		oe_warn("ikev2_net: IPsec bypass on port %u: %s", s->port,
		    strerror(errno));
	if (s->natt && udp_encap) {
		int encap = UDP_ENCAP_ESPINUDP;

		/* Only the XFRM backend wants ESP-in-UDP from this socket. */
		if (setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &encap,
		    sizeof(encap)) < 0)
			oe_warn("ikev2_net: UDP_ENCAP on port %u: %s", s->port,
			    strerror(errno));
	}
	s->fd = fd;
	return 0;
fail:
	{
		int e = -errno;

		close(fd);
		return e;
	}
}

/* The local address from the IP_PKTINFO / IPV6_PKTINFO control message. */
static void
cmsg_local(struct msghdr *mh, struct oe_addr *local)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			(void)oe_addr_from_bytes(local, AF_INET, &pi.ipi_addr, 4);
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			(void)oe_addr_from_bytes(local, AF_INET6, &pi.ipi6_addr, 16);
		}
	}
}

static int
sock_readable(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct ikev2_sock *s = userdata;
	struct ikev2_net *net = s->net;
	struct sockaddr_storage from;
	union {
		struct cmsghdr	align;
		uint8_t		buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				    CMSG_SPACE(sizeof(struct in_pktinfo))];
	} cbuf;
	struct iovec iov;
	struct msghdr mh;
	struct ikev2_path path;
	const uint8_t *msg;
	size_t len;
	ssize_t n;
	int i;

	(void)src;
	(void)revents;
	/* Bounded batch so one busy socket cannot starve the others. */
	for (i = 0; i < 32; i++) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = net->buf;
		iov.iov_len = IKEV2_NET_MAX_DGRAM;
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				oe_debug("ikev2_net: recvmsg: %s", strerror(errno));
			break;
		}
		if (mh.msg_flags & MSG_TRUNC)
			continue;	/* larger than any IKE message */
		memset(&path, 0, sizeof(path));
		if (oe_addr_from_sockaddr(&path.remote, (struct sockaddr *)&from,
		    mh.msg_namelen) < 0)
			continue;
		path.rport = ntohs(from.ss_family == AF_INET ?
		    ((struct sockaddr_in *)&from)->sin_port :
		    ((struct sockaddr_in6 *)&from)->sin6_port);
		path.local = s->bound;
		cmsg_local(&mh, &path.local);
		path.lport = s->port;
		path.natt = s->natt;
		msg = net->buf;
		len = (size_t)n;
		if (s->natt) {
			msg = ikev2_net_natt_strip(net->buf, len, &len);
			if (msg == NULL)
				continue;
		}
		if (len < IKEV2_NET_MIN_DGRAM)
			continue;
		net->rx(net->arg, &path, msg, len);
	}
	return 0;
}

static int
net_add_socket(struct ikev2_net *net, sd_event *event, const struct oe_addr *a,
    uint16_t port, bool natt, bool udp_encap)
{
	struct ikev2_sock *s;
	char as[OE_ADDR_STRLEN];
	int r;

	if (net->nsocks >= IKEV2_NET_MAX_SOCKETS)
		return -ENOSPC;
	s = &net->socks[net->nsocks];
	memset(s, 0, sizeof(*s));
	s->net = net;
	s->bound = *a;
	s->port = port;
	s->natt = natt;
	s->fd = -1;
	r = sock_open(s, udp_encap);
	if (r < 0) {
		oe_err("ikev2_net: cannot bind %s port %u: %s",
		    oe_addr_format(a, as, sizeof(as)), port, strerror(-r));
		return r;
	}
	r = sd_event_add_io(event, &s->src, s->fd, EPOLLIN, sock_readable, s);
	if (r < 0) {
		close(s->fd);
		return r;
	}
	net->nsocks++;
	oe_info("listening on %s port %u%s", oe_addr_format(a, as, sizeof(as)),
	    port, natt ? " (NAT-T)" : "");
	return 0;
}

struct ikev2_net *
ikev2_net_open(sd_event *event, const struct oe_addr *addrs, size_t n,
    uint16_t ike_port, uint16_t natt_port, bool udp_encap,
    ikev2_net_rx_fn rx, void *arg)
{
	struct ikev2_net *net;
	struct oe_addr any[2];
	size_t i;

	net = calloc(1, sizeof(*net));
	if (net == NULL)
		return NULL;
	net->buf = malloc(IKEV2_NET_MAX_DGRAM);
	if (net->buf == NULL)
		goto fail;
	net->rx = rx;
	net->arg = arg;
	net->ike_port = ike_port;
	net->natt_port = natt_port;
	if (n == 0) {
		memset(any, 0, sizeof(any));
		any[0].family = AF_INET;
		any[1].family = AF_INET6;
		addrs = any;
		n = 2;
	}
	for (i = 0; i < n; i++) {
		if (net_add_socket(net, event, &addrs[i], ike_port, false,
		    udp_encap) < 0)
			goto fail;
		if (natt_port != ike_port && net_add_socket(net, event,
		    &addrs[i], natt_port, true, udp_encap) < 0)
			goto fail;
	}
	return net;
fail:
	ikev2_net_free(net);
	return NULL;
}

void
ikev2_net_free(struct ikev2_net *net)
{
	size_t i;

	if (net == NULL)
		return;
	for (i = 0; i < net->nsocks; i++) {
		sd_event_source_disable_unref(net->socks[i].src);
		if (net->socks[i].fd >= 0)
			close(net->socks[i].fd);
	}
	free(net->buf);
	free(net);
}

uint16_t
ikev2_net_ike_port(const struct ikev2_net *net)
{
	return net->ike_port;
}

/* The socket for a path: same family and port, bound to local or wildcard. */
static struct ikev2_sock *
net_pick(struct ikev2_net *net, const struct ikev2_path *path)
{
	struct ikev2_sock *wild = NULL;
	size_t i;

	for (i = 0; i < net->nsocks; i++) {
		struct ikev2_sock *s = &net->socks[i];

		if (s->bound.family != path->local.family ||
		    s->natt != path->natt)
			continue;
		if (oe_addr_eq(&s->bound, &path->local))
			return s;
		if (oe_addr_is_unspecified(&s->bound))
			wild = s;
	}
	return wild;
}

int
ikev2_net_send(struct ikev2_net *net, const struct ikev2_path *path,
    const uint8_t *msg, size_t len)
{
	static const uint8_t marker[NATT_MARKER_LEN];
	struct ikev2_sock *s;
	struct sockaddr_storage to;
	union {
		struct cmsghdr	align;
		uint8_t		buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct iovec iov[2];
	struct msghdr mh;
	socklen_t tolen;

	s = net_pick(net, path);
	if (s == NULL)
		return -EADDRNOTAVAIL;
	tolen = oe_addr_to_sockaddr(&path->remote, path->rport, &to);
	if (tolen == 0)
		return -EINVAL;
	memset(&mh, 0, sizeof(mh));
	memset(&cbuf, 0, sizeof(cbuf));
	mh.msg_name = &to;
	mh.msg_namelen = tolen;
	iov[0].iov_base = (void *)(uintptr_t)marker;
	iov[0].iov_len = NATT_MARKER_LEN;
	iov[1].iov_base = (void *)(uintptr_t)msg;
	iov[1].iov_len = len;
	mh.msg_iov = path->natt ? iov : iov + 1;
	mh.msg_iovlen = path->natt ? 2 : 1;
	if (oe_addr_is_unspecified(&s->bound) &&
	    !oe_addr_is_unspecified(&path->local)) {
		/* Leave from the address the peer talked to. */
		struct cmsghdr *c;

		mh.msg_control = cbuf.buf;
		if (path->local.family == AF_INET) {
			struct in_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			memcpy(&pi.ipi_spec_dst, oe_addr_bytes(&path->local), 4);
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			memcpy(&pi.ipi6_addr, oe_addr_bytes(&path->local), 16);
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	if (sendmsg(s->fd, &mh, MSG_DONTWAIT) < 0)
		return -errno;
	return 0;
}

int
ikev2_net_send_keepalive(struct ikev2_net *net, const struct ikev2_path *path)
{
	static const uint8_t ka = 0xff;
	struct sockaddr_storage to;
	struct ikev2_sock *s;
	socklen_t tolen;

	if (!path->natt)
		return -EINVAL;
	s = net_pick(net, path);
	if (s == NULL)
		return -EADDRNOTAVAIL;
	tolen = oe_addr_to_sockaddr(&path->remote, path->rport, &to);
	if (tolen == 0)
		return -EINVAL;
	if (sendto(s->fd, &ka, 1, MSG_DONTWAIT, (struct sockaddr *)&to,
	    tolen) < 0)
		return -errno;
	return 0;
}
