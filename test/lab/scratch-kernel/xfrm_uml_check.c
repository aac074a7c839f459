/*
 * Ad-hoc check of the XFRM backend against a kernel with real ESP (the
 * user-mode Linux guest, see run-uml.sh).  Expects two network
 * namespaces "west" (198.51.100.1, 2001:db8::1) and "east"
 * (198.51.100.2, 2001:db8::2) joined by a veth pair.  Prints one
 * "PASS name" or "FAIL name: why" line per check.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/xfrm.h>
#include <libmnl/libmnl.h>

#include "kernel.h"
#include "xfrm_msg.h"

static int failures;

#define CHECK(name, cond, ...) do {					\
	if (cond)							\
		printf("PASS %s\n", name);				\
	else {								\
		printf("FAIL %s: ", name);				\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		failures++;						\
	}								\
	fflush(stdout);							\
} while (0)

struct events {
	int			 nacquire;
	struct kernel_acquire	 acquire;
	int			 nsoft, nhard;
	struct kernel_expire	 expire;
};

static void
on_acquire(void *arg, const struct kernel_acquire *a)
{
	struct events *ev = arg;

	ev->nacquire++;
	ev->acquire = *a;
}

static void
on_expire(void *arg, const struct kernel_expire *e)
{
	struct events *ev = arg;

	if (e->hard)
		ev->nhard++;
	else
		ev->nsoft++;
	ev->expire = *e;
}

static int
enter_ns(const char *name)
{
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	ret = setns(fd, CLONE_NEWNET);
	close(fd);
	return ret == 0 ? 0 : -errno;
}

static struct kernel *
open_in(const char *ns, struct events *ev)
{
	struct kernel_callbacks cb = { on_acquire, on_expire, NULL, ev };
	struct kernel *k;
	int ret;

	if ((ret = enter_ns(ns)) != 0 ||
	    (ret = kernel_xfrm_open(&k, NULL, &cb)) != 0) {
		printf("FAIL open %s: %s\n", ns, strerror(-ret));
		exit(1);
	}
	return k;
}

static void
addr(struct kernel_addr *a, const char *s)
{
	if (kernel_addr_from_string(a, s) != 0)
		abort();
}

static uint8_t keybuf[64];
static uint8_t integbuf[64];

struct transform {
	const char		*name;
	enum kernel_enc		 enc;
	size_t			 enc_len;
	enum kernel_integ	 integ;
	bool			 esn;
	uint32_t		 window;
	bool			 encap;
	bool			 v6;
	bool			 tunnel;
};

static const struct transform transforms[] = {
	{ "aes-gcm-128", KERNEL_ENC_AES_GCM_16, 20, KERNEL_INTEG_NONE, false, 32, false, false, false },
	{ "aes-gcm-256-esn", KERNEL_ENC_AES_GCM_16, 36, KERNEL_INTEG_NONE, true, 128, false, false, false },
	{ "chacha20-poly1305", KERNEL_ENC_CHACHA20_POLY1305, 36, KERNEL_INTEG_NONE, true, 64, false, false, false },
	{ "aes-cbc-128-sha256", KERNEL_ENC_AES_CBC, 16, KERNEL_INTEG_HMAC_SHA2_256_128, false, 32, false, false, false },
	{ "aes-cbc-256-sha384", KERNEL_ENC_AES_CBC, 32, KERNEL_INTEG_HMAC_SHA2_384_192, true, 256, false, false, false },
	{ "aes-cbc-256-sha512-encap", KERNEL_ENC_AES_CBC, 32, KERNEL_INTEG_HMAC_SHA2_512_256, false, 0, true, false, false },
	{ "aes-gcm-256-esn-out-window0", KERNEL_ENC_AES_GCM_16, 36, KERNEL_INTEG_NONE, true, 0, false, false, false },
	{ "ipv6-aes-gcm-128-esn", KERNEL_ENC_AES_GCM_16, 20, KERNEL_INTEG_NONE, true, 64, false, true, false },
	{ "ipv6-tunnel-chacha20", KERNEL_ENC_CHACHA20_POLY1305, 36, KERNEL_INTEG_NONE, false, 32, false, true, true },
	{ "ipv4-tunnel-encap-gcm", KERNEL_ENC_AES_GCM_16, 36, KERNEL_INTEG_NONE, false, 32, true, false, true },
};

static void
fill_sa(struct kernel_sa *sa, const struct transform *t, const char *src,
    const char *dst, uint32_t spi)
{
	size_t i;

	for (i = 0; i < sizeof(keybuf); i++) {
		keybuf[i] = (uint8_t)(spi + i);
		integbuf[i] = (uint8_t)(0x80 + spi + i);
	}
	memset(sa, 0, sizeof(*sa));
	addr(&sa->src, src);
	addr(&sa->dst, dst);
	sa->spi = spi;
	sa->mode = KERNEL_MODE_TRANSPORT;
	sa->reqid = KERNEL_REQID_MIN_DEFAULT + 1;
	sa->enc = t->enc;
	sa->enc_key = keybuf;
	sa->enc_key_len = t->enc_len;
	sa->integ = t->integ;
	if (t->integ != KERNEL_INTEG_NONE) {
		sa->integ_key = integbuf;
		sa->integ_key_len = kernel_integ_key_len(t->integ);
	}
	sa->esn = t->esn;
	sa->replay_window = t->window;
	if (t->encap) {
		sa->encap.enabled = true;
		sa->encap.sport = 4500;
		sa->encap.dport = 4500;
	}
	sa->lifetime.soft_bytes = 1u << 30;
	sa->lifetime.hard_bytes = 1u << 31;
	sa->lifetime.soft_seconds = 3000;
	sa->lifetime.hard_seconds = 3600;
}

/* Dumps the SAs of the current namespace and finds `spi`. */
struct find_sa {
	uint32_t		 spi;
	bool			 found;
	struct kernel_sa	 sa;
	uint8_t			 enc_key[64];
	uint8_t			 integ_key[64];
	uint32_t		 icv_bits, trunc_bits;
	int			 parse_ret;
};

static int
find_sa_cb(const struct nlmsghdr *nlh, void *data)
{
	struct find_sa *f = data;
	struct xfrm_sa_report r;
	int ret;

	ret = xfrm_msg_parse_sa(nlh, nlh->nlmsg_len, &r);
	if (r.sa.spi != f->spi)
		return MNL_CB_OK;
	f->found = true;
	f->parse_ret = ret;
	f->sa = r.sa;
	memcpy(f->enc_key, r.sa.enc_key, r.sa.enc_key_len);
	if (r.sa.integ_key_len > 0)
		memcpy(f->integ_key, r.sa.integ_key, r.sa.integ_key_len);
	f->icv_bits = r.icv_bits;
	f->trunc_bits = r.trunc_bits;
	return MNL_CB_OK;
}

static int
dump_find(struct find_sa *f)
{
	static uint64_t buf[XFRM_MSG_BUFSIZE / 8];
	static uint8_t rbuf[65536];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_XFRM);
	struct nlmsghdr *nlh;
	ssize_t n;
	int ret = -1;

	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	nlh = xfrm_msg_dump(buf, 77, XFRM_MSG_GETSA);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	while ((n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf))) > 0) {
		ret = mnl_cb_run(rbuf, (size_t)n, 77, mnl_socket_get_portid(nl),
		    find_sa_cb, f);
		if (ret <= MNL_CB_STOP)
			break;
	}
out:
	if (nl != NULL)
		mnl_socket_close(nl);
	return ret;
}

static void
check_transforms(struct kernel *k)
{
	size_t i;
	char name[96];

	for (i = 0; i < sizeof(transforms) / sizeof(transforms[0]); i++) {
		const struct transform *t = &transforms[i];
		struct kernel_sa sa;
		struct kernel_sa_id id;
		struct find_sa f;
		int ret;

		fill_sa(&sa, t, t->v6 ? "2001:db8::1" : "198.51.100.1",
		    t->v6 ? "2001:db8::2" : "198.51.100.2", 0x1000 + (uint32_t)i);
		if (t->tunnel)
			sa.mode = KERNEL_MODE_TUNNEL;
		ret = kernel_add_sa(k, &sa);
		snprintf(name, sizeof(name), "sa-add-%s", t->name);
		CHECK(name, ret == 0, "kernel_add_sa: %s", strerror(-ret));
		if (ret != 0)
			continue;
		memset(&f, 0, sizeof(f));
		f.spi = sa.spi;
		enter_ns("west");
		dump_find(&f);
		snprintf(name, sizeof(name), "sa-readback-%s", t->name);
		CHECK(name, f.found && f.parse_ret == 0 &&
		    f.sa.enc == t->enc && f.sa.integ == t->integ &&
		    f.sa.enc_key_len == t->enc_len &&
		    memcmp(f.enc_key, keybuf, t->enc_len) == 0 &&
		    (t->integ == KERNEL_INTEG_NONE ||
		    (f.sa.integ_key_len == kernel_integ_key_len(t->integ) &&
		    memcmp(f.integ_key, integbuf, f.sa.integ_key_len) == 0)) &&
		    f.sa.esn == t->esn &&
		    f.sa.replay_window == (t->esn && t->window == 0 ? 1 : t->window) &&
		    f.sa.encap.enabled == t->encap &&
		    f.sa.reqid == sa.reqid && f.sa.mode == sa.mode &&
		    kernel_addr_equal(&f.sa.dst, &sa.dst) &&
		    kernel_addr_equal(&f.sa.src, &sa.src) &&
		    f.sa.lifetime.hard_seconds == 3600 &&
		    f.sa.lifetime.soft_bytes == (1u << 30) &&
		    (t->integ != KERNEL_INTEG_NONE || f.icv_bits == 128),
		    "found %d parse %d enc %d integ %d keylen %zu esn %d win %u encap %d icv %u trunc %u",
		    f.found, f.parse_ret, f.sa.enc, f.sa.integ, f.sa.enc_key_len,
		    f.sa.esn, f.sa.replay_window, f.sa.encap.enabled,
		    f.icv_bits, f.trunc_bits);
		/* update replaces the keys of an existing SA */
		fill_sa(&sa, t, t->v6 ? "2001:db8::1" : "198.51.100.1",
		    t->v6 ? "2001:db8::2" : "198.51.100.2", 0x1000 + (uint32_t)i);
		if (t->tunnel)
			sa.mode = KERNEL_MODE_TUNNEL;
		keybuf[0] ^= 0xff;
		ret = kernel_update_sa(k, &sa);
		snprintf(name, sizeof(name), "sa-update-%s", t->name);
		/*
		 * UPDSA on a mature SA: Linux answers 0 but keeps the old keys
		 * (only larval SAs from ALLOCSPI are filled in).  Record it.
		 */
		memset(&f, 0, sizeof(f));
		f.spi = sa.spi;
		dump_find(&f);
		CHECK(name, ret == 0 && f.found && f.enc_key[0] != keybuf[0],
		    "update %d found %d: keys %s", ret, f.found,
		    f.enc_key[0] == keybuf[0] ? "replaced" : "kept");
		memset(&id, 0, sizeof(id));
		id.dst = sa.dst;
		id.spi = sa.spi;
		ret = kernel_del_sa(k, &id);
		snprintf(name, sizeof(name), "sa-del-%s", t->name);
		CHECK(name, ret == 0, "kernel_del_sa: %s", strerror(-ret));
	}
}

/* The responder's path: ALLOCSPI, then fill the larval SA with UPDSA. */
static void
check_allocspi_then_update(struct kernel *east)
{
	struct kernel_addr src, dst;
	struct kernel_sa sa;
	struct find_sa f;
	uint32_t spi = 0;
	int ret;

	addr(&src, "198.51.100.1");
	addr(&dst, "198.51.100.2");
	ret = kernel_alloc_spi(east, &src, &dst, KERNEL_REQID_MIN_DEFAULT + 3, &spi);
	CHECK("allocspi", ret == 0 && spi >= 0x100, "%s spi %#x", strerror(-ret), spi);
	fill_sa(&sa, &transforms[2], "198.51.100.1", "198.51.100.2", spi);
	sa.reqid = KERNEL_REQID_MIN_DEFAULT + 3;
	sa.inbound = true;
	ret = kernel_add_sa(east, &sa);
	CHECK("allocspi-add-refused", ret == -EEXIST, "add on larval: %d", ret);
	ret = kernel_update_sa(east, &sa);
	memset(&f, 0, sizeof(f));
	f.spi = spi;
	enter_ns("east");
	dump_find(&f);
	CHECK("allocspi-update-fills-larval", ret == 0 && f.found &&
	    f.sa.enc == KERNEL_ENC_CHACHA20_POLY1305 &&
	    memcmp(f.enc_key, keybuf, 36) == 0 && f.sa.esn,
	    "update %d found %d enc %d", ret, f.found, f.sa.enc);
}

static int
wait_for(struct kernel *k, int *counter, int want, int ms)
{
	struct pollfd pfd = { kernel_event_fd(k), POLLIN, 0 };
	int waited = 0;

	while (*counter < want && waited < ms) {
		if (poll(&pfd, 1, 100) > 0)
			kernel_process(k);
		waited += 100;
	}
	return *counter >= want ? 0 : -ETIMEDOUT;
}

static int
udp_send(const char *ns, const char *src, const char *dst, uint16_t dport,
    int count)
{
	struct sockaddr_in a, b;
	int s, i, sent = 0;

	if (enter_ns(ns) != 0)
		return -1;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.sin_family = b.sin_family = AF_INET;
	a.sin_port = htons(40000);
	b.sin_port = htons(dport);
	inet_pton(AF_INET, src, &a.sin_addr);
	inet_pton(AF_INET, dst, &b.sin_addr);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(s);
		return -1;
	}
	for (i = 0; i < count; i++) {
		if (sendto(s, "0123456789", 10, 0, (struct sockaddr *)&b,
		    sizeof(b)) == 10)
			sent++;
		usleep(20000);
	}
	close(s);
	return sent;
}

static void
trap_policy(struct kernel_policy *p, const char *src, const char *dst,
    enum kernel_dir dir, enum kernel_policy_action action)
{
	memset(p, 0, sizeof(*p));
	addr(&p->sel.src, src);
	addr(&p->sel.dst, dst);
	p->sel.family = AF_INET;
	p->sel.src_plen = p->sel.dst_plen = 32;
	p->sel.proto = IPPROTO_UDP;
	p->dir = dir;
	p->action = action;
	p->priority = KERNEL_PRIO_MIN_DEFAULT + 10;
	p->reqid = KERNEL_REQID_MIN_DEFAULT + 2;
	p->mode = KERNEL_MODE_TRANSPORT;
}

static int udp_listen(const char *ns, const char *a, uint16_t port);
static int udp_count(int s);

static void
check_acquire_and_traffic(struct kernel *west, struct events *wev,
    struct kernel *east, struct events *eev)
{
	struct kernel_policy wout, ein;
	struct kernel_sa sa;
	struct kernel_sa_id id;
	struct kernel_sa_stats ws, es;
	int ret, sent, rs, got;

	trap_policy(&wout, "198.51.100.1", "198.51.100.2", KERNEL_DIR_OUT,
	    KERNEL_POLICY_TRAP);
	ret = kernel_add_policy(west, &wout);
	CHECK("trap-policy-add", ret == 0, "%s", strerror(-ret));
	udp_send("west", "198.51.100.1", "198.51.100.2", 7777, 1);
	ret = wait_for(west, &wev->nacquire, 1, 3000);
	CHECK("acquire-received", ret == 0 && wev->acquire.reqid == wout.reqid &&
	    wev->acquire.policy_index == wout.index &&
	    wev->acquire.sel.dport == 7777 && wev->acquire.sel.sport == 40000,
	    "n=%d reqid %#x index %u/%u dport %u", wev->nacquire,
	    wev->acquire.reqid, wev->acquire.policy_index, wout.index,
	    wev->acquire.sel.dport);

	/* "negotiation" done: SAs on both sides, then east's inbound policy */
	fill_sa(&sa, &transforms[1], "198.51.100.1", "198.51.100.2", 0x2000);
	sa.reqid = wout.reqid;
	ret = kernel_add_sa(west, &sa);
	CHECK("west-out-sa", ret == 0, "%s", strerror(-ret));
	fill_sa(&sa, &transforms[1], "198.51.100.1", "198.51.100.2", 0x2000);
	sa.reqid = wout.reqid;
	sa.inbound = true;
	ret = kernel_add_sa(east, &sa);
	CHECK("east-in-sa", ret == 0, "%s", strerror(-ret));
	trap_policy(&ein, "198.51.100.1", "198.51.100.2", KERNEL_DIR_IN,
	    KERNEL_POLICY_IPSEC);
	ein.sel.dport = 7777;
	ret = kernel_add_policy(east, &ein);
	CHECK("east-in-policy", ret == 0, "%s", strerror(-ret));

	rs = udp_listen("east", "198.51.100.2", 7777);
	sent = udp_send("west", "198.51.100.1", "198.51.100.2", 7777, 5);
	/* east's inbound policy requires ESP: arrival proves decryption */
	got = udp_count(rs);
	close(rs);
	CHECK("esp-delivered-to-east", got == 5, "received %d of %d", got, sent);
	memset(&id, 0, sizeof(id));
	addr(&id.dst, "198.51.100.2");
	id.spi = 0x2000;
	memset(&ws, 0, sizeof(ws));
	memset(&es, 0, sizeof(es));
	kernel_get_sa_stats(west, &id, &ws);
	kernel_get_sa_stats(east, &id, &es);
	CHECK("esp-counters", sent == 5 && ws.packets >= 5 && es.packets >= 5 &&
	    ws.bytes > 0 && ws.use_time != 0 && es.use_time != 0,
	    "sent %d west %llu pkts %llu bytes use %llu; east %llu pkts use %llu",
	    sent, (unsigned long long)ws.packets, (unsigned long long)ws.bytes,
	    (unsigned long long)ws.use_time, (unsigned long long)es.packets,
	    (unsigned long long)es.use_time);
	printf("INFO counters west packets=%llu bytes=%llu add=%llu use=%llu\n",
	    (unsigned long long)ws.packets, (unsigned long long)ws.bytes,
	    (unsigned long long)ws.add_time, (unsigned long long)ws.use_time);
	(void)eev;
}

/* A UDP receiver in namespace `ns`; returns the socket. */
static int
udp_listen(const char *ns, const char *a, uint16_t port)
{
	struct sockaddr_in sin;
	int s;

	if (enter_ns(ns) != 0)
		return -1;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, a, &sin.sin_addr);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(s);
		return -1;
	}
	return s;
}

static int
udp_count(int s)
{
	char buf[64];
	int n = 0;

	usleep(200000);
	while (recv(s, buf, sizeof(buf), 0) > 0)
		n++;
	return n;
}

/*
 * The two trap flavours on a kernel with ESP: "required" holds the
 * packet (fail closed), "use" (TRAP_OPTIONAL) lets it out in clear;
 * both raise an ACQUIRE.
 */
static void
check_trap_levels(struct kernel *west, struct events *wev)
{
	struct kernel_policy p;
	int rs, got, before, ret;

	trap_policy(&p, "198.51.100.1", "198.51.100.2", KERNEL_DIR_OUT,
	    KERNEL_POLICY_TRAP);
	p.sel.dport = 7001;
	p.reqid = KERNEL_REQID_MIN_DEFAULT + 40;
	p.priority = KERNEL_PRIO_MIN_DEFAULT + 1;
	ret = kernel_add_policy(west, &p);
	rs = udp_listen("east", "198.51.100.2", 7001);
	before = wev->nacquire;
	udp_send("west", "198.51.100.1", "198.51.100.2", 7001, 3);
	got = udp_count(rs);
	close(rs);
	wait_for(west, &wev->nacquire, before + 1, 2000);
	CHECK("trap-required-holds-clear-traffic", ret == 0 && got == 0 &&
	    wev->nacquire == before + 1 && wev->acquire.reqid == p.reqid,
	    "add %d received %d acquires %d", ret, got, wev->nacquire - before);

	trap_policy(&p, "198.51.100.1", "198.51.100.2", KERNEL_DIR_OUT,
	    KERNEL_POLICY_TRAP_OPTIONAL);
	p.sel.dport = 7002;
	p.reqid = KERNEL_REQID_MIN_DEFAULT + 41;
	p.priority = KERNEL_PRIO_MIN_DEFAULT + 1;
	ret = kernel_add_policy(west, &p);
	rs = udp_listen("east", "198.51.100.2", 7002);
	before = wev->nacquire;
	udp_send("west", "198.51.100.1", "198.51.100.2", 7002, 3);
	got = udp_count(rs);
	close(rs);
	wait_for(west, &wev->nacquire, before + 1, 2000);
	CHECK("trap-optional-passes-clear-and-acquires", ret == 0 && got == 3 &&
	    wev->nacquire == before + 1 && wev->acquire.reqid == p.reqid,
	    "add %d received %d acquires %d", ret, got, wev->nacquire - before);
}

static void
check_expire(struct kernel *west, struct events *wev)
{
	struct kernel_sa sa;
	int ret;

	/* lifetimes in seconds: soft after 1 s, hard after 2 s */
	fill_sa(&sa, &transforms[0], "198.51.100.1", "198.51.100.3", 0x3000);
	sa.lifetime.soft_seconds = 1;
	sa.lifetime.hard_seconds = 2;
	ret = kernel_add_sa(west, &sa);
	CHECK("expire-sa-add", ret == 0, "%s", strerror(-ret));
	ret = wait_for(west, &wev->nhard, 1, 6000);
	CHECK("expire-soft-and-hard", ret == 0 && wev->nsoft >= 1 &&
	    wev->expire.spi == 0x3000 && wev->expire.hard &&
	    wev->expire.reqid == sa.reqid,
	    "soft %d hard %d spi %#x", wev->nsoft, wev->nhard, wev->expire.spi);
}

static void
check_flush(struct kernel *k, const char *ns)
{
	char name[64];
	int ret = kernel_flush_owned(k);

	snprintf(name, sizeof(name), "flush-%s", ns);
	CHECK(name, ret == 0, "%s", strerror(-ret));
}

int
main(void)
{
	struct events wev, eev;
	struct kernel *west, *east;

	memset(&wev, 0, sizeof(wev));
	memset(&eev, 0, sizeof(eev));
	west = open_in("west", &wev);
	east = open_in("east", &eev);
	check_transforms(west);
	check_allocspi_then_update(east);
	check_acquire_and_traffic(west, &wev, east, &eev);
	check_trap_levels(west, &wev);
	check_expire(west, &wev);
	check_flush(west, "west");
	check_flush(east, "east");
	kernel_close(west);
	kernel_close(east);
	printf("DONE failures=%d\n", failures);
	return failures ? 1 : 0;
}
