/*
 * Reqid bands (policy.h): trap reqids and Child SA reqids never meet,
 * whatever the conn index or however often the Child SA counter wraps,
 * and a wrapped counter skips reqids that live SAs still hold.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "oe_log.h"
#include "conf.h"
#include "kernel.h"
#include "policy.h"

/* Reqids a test marks as held by live SAs: [lo, lo + n) with bit set. */
struct held {
	uint32_t	 lo;
	uint8_t		 bit[64];
};

static bool
held_in_use(void *arg, uint32_t reqid)
{
	const struct held *h = arg;

	return reqid >= h->lo && reqid - h->lo < sizeof(h->bit) &&
	    h->bit[reqid - h->lo];
}

static void
default_bands_are_disjoint_and_cover_every_conn(void **state)
{
	struct kernel_config k;
	uint32_t next = 0, r, top;
	size_t i;

	(void)state;
	kernel_config_defaults(&k);
	top = k.reqid_max - CONF_CONNS_MAX;
	for (i = 0; i < CONF_CONNS_MAX; i++) {
		r = policy_trap_reqid(&k, i);
		assert_true(r > top && r <= k.reqid_max);
		assert_true(policy_reqid_is_trap(&k, r));
		assert_true(r >= k.reqid_min);
	}
	assert_int_equal(policy_trap_reqid(&k, CONF_CONNS_MAX), 0);
	/* the whole Child SA band, then the wrap back to its start */
	for (i = 0; i <= (size_t)(top - k.reqid_min); i++) {
		r = policy_child_reqid(&k, &next, NULL, NULL);
		assert_int_equal(r, k.reqid_min + (uint32_t)i);
		assert_false(policy_reqid_is_trap(&k, r));
	}
	assert_int_equal(r, top);
	assert_int_equal(policy_child_reqid(&k, &next, NULL, NULL), k.reqid_min);
}

static void
wrapped_counter_skips_reqids_in_use(void **state)
{
	struct kernel_config k;
	struct held h;
	uint32_t next = 0;

	(void)state;
	kernel_config_defaults(&k);
	/* a Child SA band of five: 1000..1004 */
	k.reqid_min = 1000;
	k.reqid_max = 1004 + CONF_CONNS_MAX;
	memset(&h, 0, sizeof(h));
	h.lo = 1000;
	h.bit[0] = h.bit[2] = 1;
	assert_int_equal(policy_child_reqid(&k, &next, held_in_use, &h), 1001);
	assert_int_equal(policy_child_reqid(&k, &next, held_in_use, &h), 1003);
	assert_int_equal(policy_child_reqid(&k, &next, held_in_use, &h), 1004);
	/* wrapped: 1000 and 1002 are still held */
	assert_int_equal(policy_child_reqid(&k, &next, held_in_use, &h), 1001);
	h.bit[1] = h.bit[3] = h.bit[4] = 1;
	assert_int_equal(policy_child_reqid(&k, &next, held_in_use, &h), 0);
	h.bit[2] = 0;
	assert_int_equal(policy_child_reqid(&k, &next, held_in_use, &h), 1002);
	assert_false(policy_reqid_is_trap(&k, 1004));
	assert_true(policy_reqid_is_trap(&k, 1005));
}

static void
range_without_a_child_band_gives_no_reqids(void **state)
{
	struct kernel_config k;
	uint32_t next = 0;

	(void)state;
	kernel_config_defaults(&k);
	k.reqid_max = k.reqid_min + CONF_CONNS_MAX - 1;
	assert_int_equal(policy_child_reqid(&k, &next, NULL, NULL), 0);
	assert_int_equal(policy_trap_reqid(&k, 0), 0);
	assert_false(policy_reqid_is_trap(&k, k.reqid_max));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_bands_are_disjoint_and_cover_every_conn),
		cmocka_unit_test(wrapped_counter_skips_reqids_in_use),
		cmocka_unit_test(range_without_a_child_band_gives_no_reqids),
	};

	oe_log_init("test_reqid", LOG_WARNING);
	return cmocka_run_group_tests_name("reqid", tests, NULL, NULL);
}
