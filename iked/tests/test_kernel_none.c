/* Unit tests for the in-memory `none` kernel backend and the shared
 * validation helpers of kernel.h. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <poll.h>
#include <cmocka.h>

#include "kernel.h"

struct events {
	int			 nacquire;
	struct kernel_acquire	 acquire;
	int			 nexpire;
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

	ev->nexpire++;
	ev->expire = *e;
}

struct fixture {
	struct kernel	*k;
	struct events	 ev;
};

static int
setup(void **state)
{
	static struct fixture f;
	struct kernel_callbacks cb = { on_acquire, on_expire, NULL, NULL };

	memset(&f, 0, sizeof(f));
	cb.arg = &f.ev;
	if (kernel_open("none", &f.k, NULL, &cb) != 0)
		return -1;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	kernel_close(f->k);
	return 0;
}

static const uint8_t gcm_key[20] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0xca, 0xfe, 0xba, 0xbe,
};
static const uint8_t cbc_key[16] = { 0x11, 0x22, 0x33 };
static const uint8_t sha256_key[32] = { 0x44, 0x55, 0x66 };

static void
addr(struct kernel_addr *a, const char *s)
{
	assert_int_equal(kernel_addr_from_string(a, s), 0);
}

static void
gcm_sa(struct kernel_sa *sa, const char *src, const char *dst, uint32_t spi)
{
	memset(sa, 0, sizeof(*sa));
	addr(&sa->src, src);
	addr(&sa->dst, dst);
	sa->spi = spi;
	sa->mode = KERNEL_MODE_TRANSPORT;
	sa->reqid = KERNEL_REQID_MIN_DEFAULT + 1;
	sa->enc = KERNEL_ENC_AES_GCM_16;
	sa->enc_key = gcm_key;
	sa->enc_key_len = sizeof(gcm_key);
	sa->replay_window = 128;
	sa->esn = true;
}

static void
host_sel(struct kernel_selector *s, const char *src, const char *dst)
{
	memset(s, 0, sizeof(*s));
	addr(&s->src, src);
	addr(&s->dst, dst);
	s->family = s->src.family;
	s->src_plen = s->dst_plen = s->family == AF_INET ? 32 : 128;
}

static void
trap_policy(struct kernel_policy *p, const char *src, const char *dst)
{
	memset(p, 0, sizeof(*p));
	host_sel(&p->sel, src, dst);
	p->dir = KERNEL_DIR_OUT;
	p->action = KERNEL_POLICY_TRAP;
	p->priority = KERNEL_PRIO_MIN_DEFAULT + 100;
	p->mode = KERNEL_MODE_TRANSPORT;
	p->reqid = KERNEL_REQID_MIN_DEFAULT + 1;
}

static void
none_installs_sa_and_reports_its_keys(void **state)
{
	struct fixture *f = *state;
	struct kernel_sa sa;
	struct kernel_sa_id id;
	const struct kernel_sa *got;
	uint8_t key[20];

	memcpy(key, gcm_key, sizeof(key));
	gcm_sa(&sa, "198.51.100.1", "198.51.100.2", 0x1234);
	sa.enc_key = key;
	assert_int_equal(kernel_add_sa(f->k, &sa), 0);
	/* the backend keeps its own copy: the caller may wipe its buffer */
	memset(key, 0, sizeof(key));
	memset(&id, 0, sizeof(id));
	id.dst = sa.dst;
	id.spi = 0x1234;
	got = kernel_none_find_sa(f->k, &id);
	assert_non_null(got);
	assert_int_equal(got->enc, KERNEL_ENC_AES_GCM_16);
	assert_int_equal(got->enc_key_len, 20);
	assert_memory_equal(got->enc_key, gcm_key, 20);
	assert_int_equal(got->reqid, KERNEL_REQID_MIN_DEFAULT + 1);
	assert_true(got->esn);
	assert_int_equal(got->replay_window, 128);
	assert_true(kernel_addr_equal(&got->src, &sa.src));
	assert_false(kernel_none_sa_is_larval(f->k, &id));
	/* a second add of the same SA is refused, update is accepted */
	assert_int_equal(kernel_add_sa(f->k, &sa), -EEXIST);
	sa.enc_key = gcm_key;
	assert_int_equal(kernel_update_sa(f->k, &sa), 0);
	assert_int_equal(kernel_del_sa(f->k, &id), 0);
	assert_null(kernel_none_find_sa(f->k, &id));
	assert_int_equal(kernel_del_sa(f->k, &id), -ESRCH);
}

static void
none_update_of_missing_sa_fails(void **state)
{
	struct fixture *f = *state;
	struct kernel_sa sa;

	gcm_sa(&sa, "198.51.100.1", "198.51.100.2", 0x999);
	assert_int_equal(kernel_update_sa(f->k, &sa), -ESRCH);
}

static void
sa_validation_rejects_bad_descriptions(void **state)
{
	struct fixture *f = *state;
	struct kernel_sa sa;

	gcm_sa(&sa, "198.51.100.1", "198.51.100.2", 0x1000);
	sa.enc_key_len = 16;	/* GCM needs the 4-byte salt */
	assert_int_equal(kernel_add_sa(f->k, &sa), -EINVAL);

	gcm_sa(&sa, "198.51.100.1", "198.51.100.2", 0x1000);
	sa.reqid = 7;		/* outside our ownership range */
	assert_int_equal(kernel_add_sa(f->k, &sa), -EINVAL);

	gcm_sa(&sa, "198.51.100.1", "198.51.100.2", 0x1000);
	sa.spi = 200;		/* reserved SPI */
	assert_int_equal(kernel_add_sa(f->k, &sa), -EINVAL);

	gcm_sa(&sa, "198.51.100.1", "2001:db8::2", 0x1000);
	assert_int_equal(kernel_add_sa(f->k, &sa), -EINVAL);

	gcm_sa(&sa, "198.51.100.1", "198.51.100.2", 0x1000);
	sa.integ = KERNEL_INTEG_HMAC_SHA2_256_128;	/* AEAD takes no integ */
	sa.integ_key = sha256_key;
	sa.integ_key_len = sizeof(sha256_key);
	assert_int_equal(kernel_add_sa(f->k, &sa), -EINVAL);

	gcm_sa(&sa, "198.51.100.1", "198.51.100.2", 0x1000);
	sa.enc = KERNEL_ENC_AES_CBC;	/* CBC needs integrity */
	sa.enc_key = cbc_key;
	sa.enc_key_len = sizeof(cbc_key);
	assert_int_equal(kernel_add_sa(f->k, &sa), -EINVAL);
	sa.integ = KERNEL_INTEG_HMAC_SHA2_256_128;
	sa.integ_key = sha256_key;
	sa.integ_key_len = 20;	/* SHA-256 HMAC key is 32 bytes */
	assert_int_equal(kernel_add_sa(f->k, &sa), -EINVAL);
	sa.integ_key_len = 32;
	assert_int_equal(kernel_add_sa(f->k, &sa), 0);

	gcm_sa(&sa, "198.51.100.1", "198.51.100.2", 0x1001);
	sa.encap.enabled = true;	/* UDP encapsulation needs ports */
	assert_int_equal(kernel_add_sa(f->k, &sa), -EINVAL);
	sa.encap.sport = sa.encap.dport = 4500;
	assert_int_equal(kernel_add_sa(f->k, &sa), 0);
}

static void
none_alloc_spi_reserves_larval_sa_in_range(void **state)
{
	struct fixture *f = *state;
	struct kernel_addr src, dst;
	struct kernel_sa_id id;
	struct kernel_sa sa;
	uint32_t spi1 = 0, spi2 = 0;

	addr(&src, "2001:db8::1");
	addr(&dst, "2001:db8::2");
	assert_int_equal(kernel_alloc_spi(f->k, &src, &dst,
	    KERNEL_REQID_MIN_DEFAULT + 5, &spi1), 0);
	assert_int_equal(kernel_alloc_spi(f->k, &src, &dst,
	    KERNEL_REQID_MIN_DEFAULT + 5, &spi2), 0);
	assert_true(spi1 >= KERNEL_SPI_MIN_DEFAULT);
	assert_true(spi2 >= KERNEL_SPI_MIN_DEFAULT);
	assert_int_not_equal(spi1, spi2);
	memset(&id, 0, sizeof(id));
	id.dst = dst;
	id.spi = spi1;
	assert_true(kernel_none_sa_is_larval(f->k, &id));
	/* the negotiated SA fills in the larval one */
	gcm_sa(&sa, "2001:db8::1", "2001:db8::2", spi1);
	assert_int_equal(kernel_add_sa(f->k, &sa), -EEXIST);
	assert_int_equal(kernel_update_sa(f->k, &sa), 0);
	assert_false(kernel_none_sa_is_larval(f->k, &id));
	/* reqids outside our range are refused */
	assert_int_equal(kernel_alloc_spi(f->k, &src, &dst, 1, &spi1), -EINVAL);
}

static void
none_alloc_spi_honours_configured_range(void **state)
{
	struct kernel_config cfg;
	struct kernel *k;
	struct kernel_addr src, dst;
	uint32_t spi;
	int i;

	(void)state;
	kernel_config_defaults(&cfg);
	cfg.spi_min = 0x1000;
	cfg.spi_max = 0x1003;
	assert_int_equal(kernel_none_open(&k, &cfg, NULL), 0);
	addr(&src, "198.51.100.1");
	addr(&dst, "198.51.100.2");
	for (i = 0; i < 3; i++) {
		assert_int_equal(kernel_alloc_spi(k, &src, &dst,
		    cfg.reqid_min, &spi), 0);
		assert_in_range(spi, 0x1000, 0x1003);
	}
	kernel_close(k);

	cfg.spi_min = 5;	/* reserved SPIs cannot be configured */
	assert_int_equal(kernel_none_open(&k, &cfg, NULL), -EINVAL);
	assert_null(k);
}

static void
none_policy_replace_keeps_index_and_delete_removes(void **state)
{
	struct fixture *f = *state;
	struct kernel_policy p, q;
	const struct kernel_policy *got;
	uint32_t index;

	trap_policy(&p, "198.51.100.1", "198.51.100.2");
	assert_int_equal(kernel_add_policy(f->k, &p), 0);
	index = p.index;
	assert_int_not_equal(index, 0);
	assert_int_equal(index & 7, KERNEL_DIR_OUT);
	assert_int_equal(kernel_add_policy(f->k, &p), -EEXIST);
	q = p;
	q.action = KERNEL_POLICY_IPSEC;
	assert_int_equal(kernel_replace_policy(f->k, &q), 0);
	assert_int_equal(q.index, index);
	got = kernel_none_find_policy(f->k, &p.sel, KERNEL_DIR_OUT, NULL);
	assert_non_null(got);
	assert_int_equal(got->action, KERNEL_POLICY_IPSEC);
	/* the same selector in another direction is another policy */
	assert_null(kernel_none_find_policy(f->k, &p.sel, KERNEL_DIR_IN, NULL));
	assert_int_equal(kernel_del_policy(f->k, &p.sel, KERNEL_DIR_OUT, NULL), 0);
	assert_null(kernel_none_find_policy(f->k, &p.sel, KERNEL_DIR_OUT, NULL));
	assert_int_equal(kernel_del_policy(f->k, &p.sel, KERNEL_DIR_OUT, NULL),
	    -ENOENT);
}

static void
policy_validation_rejects_foreign_priority_and_bad_prefix(void **state)
{
	struct fixture *f = *state;
	struct kernel_policy p;

	trap_policy(&p, "198.51.100.1", "198.51.100.2");
	p.priority = 10;	/* outside our band: would not be recognised */
	assert_int_equal(kernel_add_policy(f->k, &p), -EINVAL);
	trap_policy(&p, "198.51.100.1", "198.51.100.2");
	p.sel.dst_plen = 33;
	assert_int_equal(kernel_add_policy(f->k, &p), -EINVAL);
	trap_policy(&p, "198.51.100.1", "198.51.100.2");
	p.reqid = 3;		/* template reqid outside our range */
	assert_int_equal(kernel_add_policy(f->k, &p), -EINVAL);
	trap_policy(&p, "198.51.100.1", "198.51.100.2");
	p.mode = KERNEL_MODE_TUNNEL;	/* tunnel needs endpoints */
	assert_int_equal(kernel_add_policy(f->k, &p), -EINVAL);
}

static void
drain(struct kernel *k)
{
	struct pollfd pfd = { kernel_event_fd(k), POLLIN, 0 };

	assert_true(pfd.fd >= 0);
	assert_int_equal(poll(&pfd, 1, 0), 1);
	assert_int_equal(kernel_process(k), 0);
}

static void
none_trap_raises_one_acquire_until_sa_exists(void **state)
{
	struct fixture *f = *state;
	struct kernel_policy p;
	struct kernel_selector flow;
	struct kernel_sa sa;
	struct pollfd pfd;

	trap_policy(&p, "198.51.100.1", "198.51.100.0");
	p.sel.dst_plen = 24;
	assert_int_equal(kernel_add_policy(f->k, &p), 0);
	host_sel(&flow, "198.51.100.1", "198.51.100.7");
	flow.proto = IPPROTO_UDP;
	flow.dport = 53;
	assert_int_equal(kernel_none_packet_out(f->k, &flow), KERNEL_POLICY_TRAP);
	/* a second packet while negotiating raises no second ACQUIRE */
	assert_int_equal(kernel_none_packet_out(f->k, &flow), KERNEL_POLICY_TRAP);
	drain(f->k);
	assert_int_equal(f->ev.nacquire, 1);
	assert_true(kernel_selector_equal(&f->ev.acquire.sel, &flow));
	assert_int_equal(f->ev.acquire.reqid, p.reqid);
	assert_int_equal(f->ev.acquire.policy_index, p.index);
	assert_int_equal(f->ev.acquire.dir, KERNEL_DIR_OUT);
	assert_true(kernel_addr_equal(&f->ev.acquire.dst, &flow.dst));
	/* nothing left to read */
	pfd.fd = kernel_event_fd(f->k);
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 0), 0);

	/* once the SA exists, packets go through it: no ACQUIRE */
	gcm_sa(&sa, "198.51.100.1", "198.51.100.7", 0x4000);
	sa.reqid = p.reqid;
	assert_int_equal(kernel_add_sa(f->k, &sa), 0);
	assert_int_equal(kernel_none_packet_out(f->k, &flow), KERNEL_POLICY_TRAP);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	assert_int_equal(f->ev.nacquire, 1);
}

static void
none_packet_uses_lowest_priority_number(void **state)
{
	struct fixture *f = *state;
	struct kernel_policy wide, narrow;
	struct kernel_selector flow;

	trap_policy(&wide, "198.51.100.0", "198.51.100.0");
	wide.sel.src_plen = wide.sel.dst_plen = 24;
	wide.action = KERNEL_POLICY_DROP;
	wide.priority = KERNEL_PRIO_MIN_DEFAULT + 500;
	assert_int_equal(kernel_add_policy(f->k, &wide), 0);
	trap_policy(&narrow, "198.51.100.1", "198.51.100.9");
	narrow.action = KERNEL_POLICY_PASS;
	narrow.priority = KERNEL_PRIO_MIN_DEFAULT + 10;
	assert_int_equal(kernel_add_policy(f->k, &narrow), 0);

	host_sel(&flow, "198.51.100.1", "198.51.100.9");
	assert_int_equal(kernel_none_packet_out(f->k, &flow), KERNEL_POLICY_PASS);
	host_sel(&flow, "198.51.100.1", "198.51.100.8");
	assert_int_equal(kernel_none_packet_out(f->k, &flow), KERNEL_POLICY_DROP);
	host_sel(&flow, "203.0.113.1", "203.0.113.8");
	assert_int_equal(kernel_none_packet_out(f->k, &flow), 0);
	/* an IPv6 flow never matches an IPv4 policy */
	host_sel(&flow, "2001:db8::1", "2001:db8::9");
	assert_int_equal(kernel_none_packet_out(f->k, &flow), 0);
}

static void
none_hard_expire_removes_sa_and_reports_counters(void **state)
{
	struct fixture *f = *state;
	struct kernel_sa sa;
	struct kernel_sa_id id;
	struct kernel_sa_stats st;

	gcm_sa(&sa, "198.51.100.1", "198.51.100.2", 0x5000);
	assert_int_equal(kernel_add_sa(f->k, &sa), 0);
	memset(&id, 0, sizeof(id));
	id.dst = sa.dst;
	id.spi = sa.spi;
	assert_int_equal(kernel_none_account(f->k, &id, 1500, 3, 1700000000), 0);
	assert_int_equal(kernel_get_sa_stats(f->k, &id, &st), 0);
	assert_int_equal(st.bytes, 1500);
	assert_int_equal(st.packets, 3);
	assert_int_equal(st.use_time, 1700000000);

	assert_int_equal(kernel_none_inject_expire(f->k, &id, false), 0);
	drain(f->k);
	assert_int_equal(f->ev.nexpire, 1);
	assert_false(f->ev.expire.hard);
	assert_non_null(kernel_none_find_sa(f->k, &id));

	assert_int_equal(kernel_none_inject_expire(f->k, &id, true), 0);
	drain(f->k);
	assert_int_equal(f->ev.nexpire, 2);
	assert_true(f->ev.expire.hard);
	assert_int_equal(f->ev.expire.spi, 0x5000);
	assert_int_equal(f->ev.expire.stats.packets, 3);
	assert_null(kernel_none_find_sa(f->k, &id));
	assert_int_equal(kernel_get_sa_stats(f->k, &id, &st), -ESRCH);
}

static void
none_lifetimes_expire_soft_once_then_hard(void **state)
{
	struct fixture *f = *state;
	struct kernel_sa sa;
	struct kernel_sa_id id;
	uint64_t t0 = 1800000000;

	assert_int_equal(kernel_none_set_time(f->k, t0), 0);
	gcm_sa(&sa, "198.51.100.1", "198.51.100.2", 0x7000);
	sa.lifetime.soft_seconds = 100;
	sa.lifetime.hard_seconds = 120;
	sa.lifetime.hard_packets = 1000;
	assert_int_equal(kernel_add_sa(f->k, &sa), 0);
	memset(&id, 0, sizeof(id));
	id.dst = sa.dst;
	id.spi = sa.spi;

	assert_int_equal(kernel_none_set_time(f->k, t0 + 99), 0);
	assert_int_equal(kernel_process(f->k), 0);
	assert_int_equal(f->ev.nexpire, 0);
	assert_int_equal(kernel_none_set_time(f->k, t0 + 100), 0);
	assert_int_equal(kernel_none_set_time(f->k, t0 + 101), 0);
	drain(f->k);
	assert_int_equal(f->ev.nexpire, 1);	/* soft exactly once */
	assert_false(f->ev.expire.hard);
	assert_non_null(kernel_none_find_sa(f->k, &id));
	assert_int_equal(kernel_none_set_time(f->k, t0 + 120), 0);
	drain(f->k);
	assert_int_equal(f->ev.nexpire, 2);
	assert_true(f->ev.expire.hard);
	assert_null(kernel_none_find_sa(f->k, &id));
	/* time does not run backwards */
	assert_int_equal(kernel_none_set_time(f->k, t0), -EINVAL);
}

static void
none_packet_limit_expires_sa_as_traffic_flows(void **state)
{
	struct fixture *f = *state;
	struct kernel_sa sa;
	struct kernel_sa_id id;

	gcm_sa(&sa, "198.51.100.1", "198.51.100.2", 0x7001);
	sa.lifetime.soft_packets = 10;
	sa.lifetime.hard_packets = 20;
	assert_int_equal(kernel_add_sa(f->k, &sa), 0);
	memset(&id, 0, sizeof(id));
	id.dst = sa.dst;
	id.spi = sa.spi;
	assert_int_equal(kernel_none_account(f->k, &id, 900, 9, 0), 0);
	assert_int_equal(kernel_process(f->k), 0);
	assert_int_equal(f->ev.nexpire, 0);
	assert_int_equal(kernel_none_account(f->k, &id, 100, 1, 0), 0);
	drain(f->k);
	assert_int_equal(f->ev.nexpire, 1);
	assert_false(f->ev.expire.hard);
	assert_int_equal(f->ev.expire.stats.packets, 10);
	assert_int_equal(kernel_none_account(f->k, &id, 1000, 10, 0), 0);
	drain(f->k);
	assert_int_equal(f->ev.nexpire, 2);
	assert_true(f->ev.expire.hard);
	assert_int_equal(kernel_none_account(f->k, &id, 1, 1, 0), -ESRCH);
}

struct listing {
	int	nsa;
	int	npolicy;
};

static void
count_entry(void *arg, const struct kernel_entry *e)
{
	struct listing *l = arg;

	if (e->is_policy)
		l->npolicy++;
	else
		l->nsa++;
}

static void
none_list_owned_skips_foreign_entries_and_flush_removes_ours(void **state)
{
	struct fixture *f = *state;
	struct kernel_sa sa;
	struct kernel_policy p;
	struct listing l = { 0, 0 };
	struct kernel_config mine = f->k->cfg;
	size_t nsa, npol;

	gcm_sa(&sa, "198.51.100.1", "198.51.100.2", 0x6000);
	assert_int_equal(kernel_add_sa(f->k, &sa), 0);
	trap_policy(&p, "198.51.100.1", "198.51.100.2");
	assert_int_equal(kernel_add_policy(f->k, &p), 0);

	/* entries of another owner: same store, other ranges */
	f->k->cfg.reqid_min = 100;
	f->k->cfg.reqid_max = 200;
	f->k->cfg.prio_min = 1000;
	f->k->cfg.prio_max = 2000;
	gcm_sa(&sa, "198.51.100.1", "198.51.100.3", 0x6001);
	sa.reqid = 150;
	assert_int_equal(kernel_add_sa(f->k, &sa), 0);
	trap_policy(&p, "198.51.100.1", "198.51.100.3");
	p.reqid = 150;
	p.priority = 1500;
	assert_int_equal(kernel_add_policy(f->k, &p), 0);
	f->k->cfg = mine;

	assert_int_equal(kernel_list_owned(f->k, count_entry, &l), 0);
	assert_int_equal(l.nsa, 1);
	assert_int_equal(l.npolicy, 1);
	assert_int_equal(kernel_flush_owned(f->k), 0);
	kernel_none_count(f->k, &nsa, &npol);
	assert_int_equal(nsa, 1);
	assert_int_equal(npol, 1);
	l.nsa = l.npolicy = 0;
	assert_int_equal(kernel_list_owned(f->k, count_entry, &l), 0);
	assert_int_equal(l.nsa + l.npolicy, 0);
}

static void
kernel_open_rejects_unknown_backend(void **state)
{
	struct kernel *k = (struct kernel *)1;

	(void)state;
	assert_int_equal(kernel_open("pfkey", &k, NULL, NULL), -EINVAL);
}

static void
none_inspection_refuses_other_backends_context(void **state)
{
	struct kernel fake;
	struct kernel_sa_id id;

	(void)state;
	memset(&fake, 0, sizeof(fake));
	memset(&id, 0, sizeof(id));
	assert_null(kernel_none_find_sa(&fake, &id));
	assert_int_equal(kernel_none_inject_expire(&fake, &id, true), -EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(none_installs_sa_and_reports_its_keys),
		T(none_update_of_missing_sa_fails),
		T(sa_validation_rejects_bad_descriptions),
		T(none_alloc_spi_reserves_larval_sa_in_range),
		cmocka_unit_test(none_alloc_spi_honours_configured_range),
		T(none_policy_replace_keeps_index_and_delete_removes),
		T(policy_validation_rejects_foreign_priority_and_bad_prefix),
		T(none_trap_raises_one_acquire_until_sa_exists),
		T(none_packet_uses_lowest_priority_number),
		T(none_hard_expire_removes_sa_and_reports_counters),
		T(none_lifetimes_expire_soft_once_then_hard),
		T(none_packet_limit_expires_sa_as_traffic_flows),
		T(none_list_owned_skips_foreign_entries_and_flush_removes_ours),
		cmocka_unit_test(kernel_open_rejects_unknown_backend),
		cmocka_unit_test(none_inspection_refuses_other_backends_context),
	};

	return cmocka_run_group_tests_name("kernel_none", tests, NULL, NULL);
}
