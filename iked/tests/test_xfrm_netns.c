/*
 * The XFRM backend against the running kernel, inside a private network
 * namespace this test creates for itself (unshare(CLONE_NEWNET)), so
 * the host's own XFRM state is never touched.  Policies, SPI allocation,
 * ownership listing and flushing, and the ACQUIRE and POLEXPIRE events
 * (produced by loopback traffic) are checked end to end.  SAs with keys
 * need ESP in the kernel: they are exercised in the UML lab
 * (test/lab/scratch-kernel/), not here.
 *
 * Without root or namespaces every case is skipped with the reason.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "kernel.h"

struct netns_env {
	bool		 ok;
	char		 why[128];
};

struct events {
	int			 nacquire;
	struct kernel_acquire	 acquire;
	int			 npolexpire;
	struct kernel_polexpire	 polexpire;
};

static void
on_acquire(void *arg, const struct kernel_acquire *a)
{
	struct events *ev = arg;

	ev->nacquire++;
	ev->acquire = *a;
}

static void
on_polexpire(void *arg, const struct kernel_polexpire *p)
{
	struct events *ev = arg;

	ev->npolexpire++;
	ev->polexpire = *p;
}

static int
write_proc(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

static int
loopback_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		ret = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (ret == 0 && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		ret = -errno;
	close(s);
	return ret;
}

static int
group_setup(void **state)
{
	static struct netns_env env;
	struct kernel *k;
	int ret;

	memset(&env, 0, sizeof(env));
	*state = &env;
	if (unshare(CLONE_NEWNET) != 0) {
		snprintf(env.why, sizeof(env.why),
		    "cannot create a network namespace (%s): needs root",
		    strerror(errno));
		return 0;
	}
	if ((ret = loopback_up()) != 0) {
		snprintf(env.why, sizeof(env.why), "cannot bring lo up: %s",
		    strerror(-ret));
		return 0;
	}
	/* IPv4 loopback skips XFRM unless told otherwise */
	if (write_proc("/proc/sys/net/ipv4/conf/lo/disable_xfrm", "0") != 0 ||
	    write_proc("/proc/sys/net/ipv4/conf/lo/disable_policy", "0") != 0) {
		snprintf(env.why, sizeof(env.why), "cannot enable XFRM on lo");
		return 0;
	}
	if ((ret = kernel_xfrm_open(&k, NULL, NULL)) != 0) {
		snprintf(env.why, sizeof(env.why), "no XFRM netlink: %s",
		    strerror(-ret));
		return 0;
	}
	kernel_close(k);
	env.ok = true;
	return 0;
}

#define REQUIRE_NETNS(state) do {					\
	struct netns_env *e_ = *(state);				\
	if (!e_->ok) {							\
		print_message("skipped: %s\n", e_->why);		\
		skip();							\
	}								\
} while (0)

static void
addr(struct kernel_addr *a, const char *s)
{
	assert_int_equal(kernel_addr_from_string(a, s), 0);
}

static void
policy(struct kernel_policy *p, const char *src, const char *dst, uint8_t plen,
    enum kernel_policy_action action, uint32_t prio_off)
{
	memset(p, 0, sizeof(*p));
	addr(&p->sel.src, src);
	addr(&p->sel.dst, dst);
	p->sel.family = p->sel.src.family;
	p->sel.src_plen = p->sel.dst_plen = plen;
	p->dir = KERNEL_DIR_OUT;
	p->action = action;
	p->priority = KERNEL_PRIO_MIN_DEFAULT + prio_off;
	p->reqid = KERNEL_REQID_MIN_DEFAULT + prio_off;
	p->mode = KERNEL_MODE_TRANSPORT;
}

#define MAX_SEEN 16
struct seen {
	int			 nsa;
	struct kernel_entry	 sa[MAX_SEEN];
	int			 npolicy;
	struct kernel_policy	 policy[MAX_SEEN];
};

static void
collect(void *arg, const struct kernel_entry *e)
{
	struct seen *s = arg;

	if (e->is_policy && s->npolicy < MAX_SEEN)
		s->policy[s->npolicy++] = e->policy;
	else if (!e->is_policy && s->nsa < MAX_SEEN)
		s->sa[s->nsa++] = *e;
}

static const struct kernel_policy *
seen_policy(const struct seen *s, const struct kernel_policy *want)
{
	int i;

	for (i = 0; i < s->npolicy; i++)
		if (s->policy[i].dir == want->dir &&
		    kernel_selector_equal(&s->policy[i].sel, &want->sel))
			return &s->policy[i];
	return NULL;
}

static void
xfrm_policies_round_trip_through_kernel(void **state)
{
	struct kernel *k;
	struct kernel_policy p[5];
	const struct kernel_policy *got;
	struct seen s;
	int i;

	REQUIRE_NETNS(state);
	assert_int_equal(kernel_xfrm_open(&k, NULL, NULL), 0);
	policy(&p[0], "198.51.100.1", "198.51.100.0", 24, KERNEL_POLICY_TRAP, 1);
	p[0].sel.src_plen = 32;
	p[0].sel.proto = IPPROTO_TCP;
	p[0].sel.dport = 443;
	policy(&p[1], "2001:db8::1", "2001:db8::", 64,
	    KERNEL_POLICY_TRAP_OPTIONAL, 2);
	policy(&p[2], "203.0.113.0", "203.0.113.0", 24, KERNEL_POLICY_PASS, 3);
	p[2].dir = KERNEL_DIR_IN;
	policy(&p[3], "203.0.113.0", "198.51.100.0", 24, KERNEL_POLICY_DROP, 4);
	p[3].hard_seconds = 600;
	policy(&p[4], "2001:db8:1::", "2001:db8:2::", 48, KERNEL_POLICY_IPSEC, 5);
	p[4].dir = KERNEL_DIR_FWD;
	p[4].mode = KERNEL_MODE_TUNNEL;
	addr(&p[4].tmpl_src, "203.0.113.1");
	addr(&p[4].tmpl_dst, "203.0.113.2");
	for (i = 0; i < 5; i++) {
		assert_int_equal(kernel_add_policy(k, &p[i]), 0);
		assert_int_not_equal(p[i].index, 0);
		assert_int_equal(p[i].index & 7, (uint32_t)p[i].dir);
	}

	memset(&s, 0, sizeof(s));
	assert_int_equal(kernel_list_owned(k, collect, &s), 0);
	assert_int_equal(s.npolicy, 5);
	for (i = 0; i < 5; i++) {
		enum kernel_policy_action want = p[i].action == KERNEL_POLICY_TRAP ?
		    KERNEL_POLICY_IPSEC : p[i].action;

		got = seen_policy(&s, &p[i]);
		assert_non_null(got);
		assert_int_equal(got->action, want);
		assert_int_equal(got->priority, p[i].priority);
		assert_int_equal(got->index, p[i].index);
		assert_int_equal(got->hard_seconds, p[i].hard_seconds);
		if (want == KERNEL_POLICY_PASS || want == KERNEL_POLICY_DROP)
			continue;
		assert_int_equal(got->reqid, p[i].reqid);
		assert_int_equal(got->mode, p[i].mode);
		if (p[i].mode == KERNEL_MODE_TUNNEL) {
			assert_true(kernel_addr_equal(&got->tmpl_src, &p[i].tmpl_src));
			assert_true(kernel_addr_equal(&got->tmpl_dst, &p[i].tmpl_dst));
		}
	}
	assert_int_equal(kernel_flush_owned(k), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(kernel_list_owned(k, collect, &s), 0);
	assert_int_equal(s.npolicy, 0);
	kernel_close(k);
}

static void
xfrm_add_existing_policy_fails_and_replace_keeps_index(void **state)
{
	struct kernel *k;
	struct kernel_policy p, q;
	struct seen s;

	REQUIRE_NETNS(state);
	assert_int_equal(kernel_xfrm_open(&k, NULL, NULL), 0);
	policy(&p, "198.51.100.1", "198.51.100.2", 32, KERNEL_POLICY_TRAP, 7);
	assert_int_equal(kernel_add_policy(k, &p), 0);
	assert_int_equal(kernel_add_policy(k, &p), -EEXIST);
	/* negotiation failed: replace the trap by a drop shunt */
	q = p;
	q.action = KERNEL_POLICY_DROP;
	assert_int_equal(kernel_replace_policy(k, &q), 0);
	assert_int_equal(q.index, p.index);
	memset(&s, 0, sizeof(s));
	assert_int_equal(kernel_list_owned(k, collect, &s), 0);
	assert_int_equal(s.npolicy, 1);
	assert_int_equal(s.policy[0].action, KERNEL_POLICY_DROP);
	assert_int_equal(kernel_del_policy(k, &p.sel, p.dir, NULL), 0);
	assert_int_equal(kernel_del_policy(k, &p.sel, p.dir, NULL), -ENOENT);
	kernel_close(k);
}

static void
xfrm_flush_owned_leaves_foreign_entries(void **state)
{
	struct kernel *mine, *other;
	struct kernel_config cfg;
	struct kernel_policy p, q;
	struct kernel_addr src, dst;
	struct kernel_sa_id id;
	uint32_t spi;
	struct seen s;

	REQUIRE_NETNS(state);
	assert_int_equal(kernel_xfrm_open(&mine, NULL, NULL), 0);
	kernel_config_defaults(&cfg);
	cfg.reqid_min = 1000;
	cfg.reqid_max = 1999;
	cfg.prio_min = 50000;
	cfg.prio_max = 50999;
	assert_int_equal(kernel_xfrm_open(&other, &cfg, NULL), 0);

	policy(&p, "198.51.100.1", "198.51.100.3", 32, KERNEL_POLICY_TRAP, 9);
	assert_int_equal(kernel_add_policy(mine, &p), 0);
	policy(&q, "198.51.100.1", "198.51.100.4", 32, KERNEL_POLICY_TRAP, 0);
	q.priority = 50001;
	q.reqid = 1001;
	assert_int_equal(kernel_add_policy(other, &q), 0);
	/* the other owner's priority band is refused to us */
	q.priority = 50002;
	assert_int_equal(kernel_add_policy(mine, &q), -EINVAL);
	addr(&src, "198.51.100.4");
	addr(&dst, "198.51.100.1");
	assert_int_equal(kernel_alloc_spi(other, &src, &dst, 1001, &spi), 0);

	assert_int_equal(kernel_flush_owned(mine), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(kernel_list_owned(mine, collect, &s), 0);
	assert_int_equal(s.npolicy + s.nsa, 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(kernel_list_owned(other, collect, &s), 0);
	assert_int_equal(s.npolicy, 1);
	assert_int_equal(s.nsa, 1);
	assert_int_equal(s.sa[0].sa.spi, spi);
	assert_int_equal(s.sa[0].sa_reqid, 1001);

	assert_int_equal(kernel_flush_owned(other), 0);
	memset(&id, 0, sizeof(id));
	id.dst = dst;
	id.spi = spi;
	assert_int_equal(kernel_del_sa(other, &id), -ESRCH);
	kernel_close(mine);
	kernel_close(other);
}

static void
xfrm_policies_differing_only_by_mark_coexist(void **state)
{
	struct kernel *k;
	struct kernel_policy a, b;
	struct seen s;
	int i, marked = 0;

	REQUIRE_NETNS(state);
	assert_int_equal(kernel_xfrm_open(&k, NULL, NULL), 0);
	policy(&a, "198.51.100.1", "198.51.100.2", 32, KERNEL_POLICY_DROP, 11);
	b = a;
	b.action = KERNEL_POLICY_PASS;
	b.mark.value = 0x10;
	b.mark.mask = 0xf0;
	assert_int_equal(kernel_add_policy(k, &a), 0);
	assert_int_equal(kernel_add_policy(k, &b), 0);
	assert_int_not_equal(a.index, b.index);
	memset(&s, 0, sizeof(s));
	assert_int_equal(kernel_list_owned(k, collect, &s), 0);
	assert_int_equal(s.npolicy, 2);
	for (i = 0; i < s.npolicy; i++) {
		if (s.policy[i].mark.mask == 0xf0) {
			marked++;
			assert_int_equal(s.policy[i].mark.value, 0x10);
			assert_int_equal(s.policy[i].action, KERNEL_POLICY_PASS);
		}
	}
	assert_int_equal(marked, 1);
	/* deleting by mark removes only the marked one */
	assert_int_equal(kernel_del_policy(k, &b.sel, b.dir, &b.mark), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(kernel_list_owned(k, collect, &s), 0);
	assert_int_equal(s.npolicy, 1);
	assert_int_equal(s.policy[0].mark.mask, 0);
	assert_int_equal(kernel_flush_owned(k), 0);
	kernel_close(k);
}

static void
xfrm_alloc_spi_creates_owned_larval_sa(void **state)
{
	struct kernel *k;
	struct kernel_config cfg;
	struct kernel_addr src, dst;
	struct kernel_sa_id id;
	uint32_t spi1, spi2;
	struct seen s;

	REQUIRE_NETNS(state);
	kernel_config_defaults(&cfg);
	cfg.spi_min = 0x10000;
	cfg.spi_max = 0x1ffff;
	assert_int_equal(kernel_xfrm_open(&k, &cfg, NULL), 0);
	addr(&src, "2001:db8::2");
	addr(&dst, "2001:db8::1");
	assert_int_equal(kernel_alloc_spi(k, &src, &dst, cfg.reqid_min + 1,
	    &spi1), 0);
	assert_int_equal(kernel_alloc_spi(k, &src, &dst, cfg.reqid_min + 2,
	    &spi2), 0);
	assert_in_range(spi1, 0x10000, 0x1ffff);
	assert_in_range(spi2, 0x10000, 0x1ffff);
	assert_int_not_equal(spi1, spi2);
	memset(&s, 0, sizeof(s));
	assert_int_equal(kernel_list_owned(k, collect, &s), 0);
	assert_int_equal(s.nsa, 2);
	memset(&id, 0, sizeof(id));
	id.dst = dst;
	id.spi = spi1;
	assert_int_equal(kernel_del_sa(k, &id), 0);
	assert_int_equal(kernel_del_sa(k, &id), -ESRCH);
	assert_int_equal(kernel_flush_owned(k), 0);
	kernel_close(k);
}

static int
wait_event(struct kernel *k, int *counter, int want, int timeout_ms)
{
	struct pollfd pfd = { kernel_event_fd(k), POLLIN, 0 };
	int waited = 0;

	while (*counter < want && waited < timeout_ms) {
		if (poll(&pfd, 1, 100) > 0)
			assert_int_equal(kernel_process(k), 0);
		waited += 100;
	}
	return *counter >= want ? 0 : -ETIMEDOUT;
}

static void
send_udp(int family, const char *src, uint16_t sport, const char *dst,
    uint16_t dport)
{
	struct sockaddr_storage a, b;
	socklen_t len;
	int s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (family == AF_INET) {
		struct sockaddr_in *x = (struct sockaddr_in *)&a;
		struct sockaddr_in *y = (struct sockaddr_in *)&b;

		x->sin_family = y->sin_family = AF_INET;
		x->sin_port = htons(sport);
		y->sin_port = htons(dport);
		inet_pton(AF_INET, src, &x->sin_addr);
		inet_pton(AF_INET, dst, &y->sin_addr);
		len = sizeof(*x);
	} else {
		struct sockaddr_in6 *x = (struct sockaddr_in6 *)&a;
		struct sockaddr_in6 *y = (struct sockaddr_in6 *)&b;

		x->sin6_family = y->sin6_family = AF_INET6;
		x->sin6_port = htons(sport);
		y->sin6_port = htons(dport);
		inet_pton(AF_INET6, src, &x->sin6_addr);
		inet_pton(AF_INET6, dst, &y->sin6_addr);
		len = sizeof(*x);
	}
	assert_int_equal(bind(s, (struct sockaddr *)&a, len), 0);
	/* the trap holds the packet: the send itself may fail */
	(void)sendto(s, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&b, len);
	close(s);
}

static void
xfrm_trap_policy_delivers_acquire(void **state)
{
	struct kernel *k;
	struct events ev;
	struct kernel_callbacks cb = { on_acquire, NULL, on_polexpire, NULL };
	struct kernel_policy p4, p6;
	struct kernel_addr want;

	REQUIRE_NETNS(state);
	memset(&ev, 0, sizeof(ev));
	cb.arg = &ev;
	assert_int_equal(kernel_xfrm_open(&k, NULL, &cb), 0);
	policy(&p4, "127.0.0.1", "127.0.0.2", 32, KERNEL_POLICY_TRAP, 20);
	p4.sel.proto = IPPROTO_UDP;
	p4.sel.dport = 9;
	assert_int_equal(kernel_add_policy(k, &p4), 0);
	policy(&p6, "::1", "::1", 128, KERNEL_POLICY_TRAP, 21);
	p6.sel.proto = IPPROTO_UDP;
	p6.sel.dport = 10;
	assert_int_equal(kernel_add_policy(k, &p6), 0);

	send_udp(AF_INET, "127.0.0.1", 40001, "127.0.0.2", 9);
	assert_int_equal(wait_event(k, &ev.nacquire, 1, 3000), 0);
	assert_int_equal(ev.acquire.reqid, p4.reqid);
	assert_int_equal(ev.acquire.policy_index, p4.index);
	assert_int_equal(ev.acquire.dir, KERNEL_DIR_OUT);
	assert_int_equal(ev.acquire.sel.proto, IPPROTO_UDP);
	assert_int_equal(ev.acquire.sel.sport, 40001);
	assert_int_equal(ev.acquire.sel.dport, 9);
	addr(&want, "127.0.0.2");
	assert_true(kernel_addr_equal(&ev.acquire.dst, &want));

	send_udp(AF_INET6, "::1", 40002, "::1", 10);
	assert_int_equal(wait_event(k, &ev.nacquire, 2, 3000), 0);
	assert_int_equal(ev.acquire.reqid, p6.reqid);
	assert_int_equal(ev.acquire.sel.family, AF_INET6);
	assert_int_equal(ev.acquire.sel.sport, 40002);
	assert_int_equal(ev.acquire.policy_index, p6.index);

	/* traffic the policies do not select raises nothing */
	send_udp(AF_INET, "127.0.0.1", 40003, "127.0.0.2", 11);
	assert_int_equal(wait_event(k, &ev.nacquire, 3, 300), -ETIMEDOUT);
	assert_int_equal(kernel_flush_owned(k), 0);
	kernel_close(k);
}

static void
xfrm_policy_timeout_delivers_polexpire(void **state)
{
	struct kernel *k;
	struct events ev;
	struct kernel_callbacks cb = { on_acquire, NULL, on_polexpire, NULL };
	struct kernel_policy p;
	struct seen s;

	REQUIRE_NETNS(state);
	memset(&ev, 0, sizeof(ev));
	cb.arg = &ev;
	assert_int_equal(kernel_xfrm_open(&k, NULL, &cb), 0);
	/* a failure shunt that lapses by itself after a second */
	policy(&p, "198.51.100.1", "198.51.100.9", 32, KERNEL_POLICY_DROP, 30);
	p.hard_seconds = 1;
	assert_int_equal(kernel_add_policy(k, &p), 0);
	assert_int_equal(wait_event(k, &ev.npolexpire, 1, 4000), 0);
	assert_true(ev.polexpire.hard);
	assert_int_equal(ev.polexpire.index, p.index);
	assert_int_equal(ev.polexpire.priority, p.priority);
	assert_true(kernel_selector_equal(&ev.polexpire.sel, &p.sel));
	/* a hard policy expiry removes the policy */
	memset(&s, 0, sizeof(s));
	assert_int_equal(kernel_list_owned(k, collect, &s), 0);
	assert_int_equal(s.npolicy, 0);
	kernel_close(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(xfrm_policies_round_trip_through_kernel),
		cmocka_unit_test(xfrm_add_existing_policy_fails_and_replace_keeps_index),
		cmocka_unit_test(xfrm_flush_owned_leaves_foreign_entries),
		cmocka_unit_test(xfrm_policies_differing_only_by_mark_coexist),
		cmocka_unit_test(xfrm_alloc_spi_creates_owned_larval_sa),
		cmocka_unit_test(xfrm_trap_policy_delivers_acquire),
		cmocka_unit_test(xfrm_policy_timeout_delivers_polexpire),
	};

	return cmocka_run_group_tests_name("xfrm_netns", tests, group_setup, NULL);
}
