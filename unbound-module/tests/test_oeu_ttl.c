/*
 * Unit tests: TTL clamping of triggered answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "oeu_ttl.h"

#define NOW	((time_t)1700000000)

static struct oeu_ttl_input
base_input(void)
{
	struct oeu_ttl_input in = {
		.answer_ttl = 300, .max_ttl = 3600, .keyed = true,
		.key_ttl = 600, .sig_expiration = (uint32_t)NOW + 86400,
		.now = NOW, .sa_up = false, .sa_lifetime = 0,
	};
	return in;
}

static void
ttl_keeps_answer_ttl_when_smallest(void **state)
{
	struct oeu_ttl_input in = base_input();

	assert_int_equal(oeu_ttl_clamp(&in), 300);
}

static void
ttl_clamped_to_configured_max(void **state)
{
	struct oeu_ttl_input in = base_input();

	in.max_ttl = 60;
	assert_int_equal(oeu_ttl_clamp(&in), 60);
	in.keyed = false;
	assert_int_equal(oeu_ttl_clamp(&in), 60);
}

static void
ttl_clamped_to_ipseckey_ttl(void **state)
{
	struct oeu_ttl_input in = base_input();

	in.key_ttl = 120;
	assert_int_equal(oeu_ttl_clamp(&in), 120);
	/* an unkeyed answer ignores the key's TTL */
	in.keyed = false;
	assert_int_equal(oeu_ttl_clamp(&in), 300);
}

static void
ttl_clamped_to_rrsig_expiration(void **state)
{
	struct oeu_ttl_input in = base_input();

	in.sig_expiration = (uint32_t)NOW + 45;
	assert_int_equal(oeu_ttl_clamp(&in), 45);
	in.sig_expiration = (uint32_t)NOW - 1;
	assert_int_equal(oeu_ttl_clamp(&in), 0);
}

static void
ttl_clamped_below_sa_lifetime(void **state)
{
	struct oeu_ttl_input in = base_input();

	in.sa_up = true;
	in.sa_lifetime = 100;
	assert_int_equal(oeu_ttl_clamp(&in), 100 - OEU_SA_MARGIN);
	in.sa_lifetime = 1;
	assert_int_equal(oeu_ttl_clamp(&in), 0);
	in.sa_lifetime = 100000;
	assert_int_equal(oeu_ttl_clamp(&in), 300);
}

static void
sig_remaining_uses_serial_arithmetic(void **state)
{
	/* expiration after 2106 wraps the 32-bit field: still the future */
	time_t late = (time_t)0xfffffff0;

	assert_int_equal(oeu_sig_remaining(0x00000010, late), 0x20);
	assert_int_equal(oeu_sig_remaining((uint32_t)NOW + 10, NOW), 10);
	assert_int_equal(oeu_sig_remaining((uint32_t)NOW, NOW), 0);
	/* more than 2^31 ahead reads as the past */
	assert_int_equal(oeu_sig_remaining((uint32_t)NOW + 0x80000001u, NOW),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ttl_keeps_answer_ttl_when_smallest),
		cmocka_unit_test(ttl_clamped_to_configured_max),
		cmocka_unit_test(ttl_clamped_to_ipseckey_ttl),
		cmocka_unit_test(ttl_clamped_to_rrsig_expiration),
		cmocka_unit_test(ttl_clamped_below_sa_lifetime),
		cmocka_unit_test(sig_remaining_uses_serial_arithmetic),
	};

	return cmocka_run_group_tests_name("oe-unbound TTL clamping", tests,
	    NULL, NULL);
}
