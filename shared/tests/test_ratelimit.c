/* Unit tests for the log rate limiter. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oe_log.h"

static void
ratelimit_allows_burst_then_suppresses(void **state)
{
	struct oe_ratelimit rl;
	int i, allowed = 0;

	(void)state;
	oe_ratelimit_init(&rl, 1.0, 5.0);
	for (i = 0; i < 100; i++)
		allowed += oe_ratelimit_allow(&rl, 1000000);
	assert_int_equal(allowed, 5);
	assert_int_equal(rl.suppressed, 95);
}

static void
ratelimit_refills_with_time(void **state)
{
	struct oe_ratelimit rl;
	uint64_t t = 1000000;
	int i;

	(void)state;
	oe_ratelimit_init(&rl, 2.0, 2.0);
	assert_true(oe_ratelimit_allow(&rl, t));
	assert_true(oe_ratelimit_allow(&rl, t));
	assert_false(oe_ratelimit_allow(&rl, t));
	/* half a second at 2/s buys exactly one more line */
	t += 500000;
	assert_true(oe_ratelimit_allow(&rl, t));
	assert_false(oe_ratelimit_allow(&rl, t));
	/* a long silence refills only up to the burst */
	t += 60 * 1000000ULL;
	for (i = 0; i < 2; i++)
		assert_true(oe_ratelimit_allow(&rl, t));
	assert_false(oe_ratelimit_allow(&rl, t));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ratelimit_allows_burst_then_suppresses),
		cmocka_unit_test(ratelimit_refills_with_time),
	};

	return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
