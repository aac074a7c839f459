/* Unit tests for oe_addr: strict address/prefix parsing, formatting,
 * ordering and containment. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "oe_addr.h"

static void
addr_parses_and_formats_ipv4(void **state)
{
	struct oe_addr a;
	char buf[OE_ADDR_STRLEN], err[128];

	(void)state;
	assert_int_equal(oe_addr_parse(&a, "198.51.100.2", AF_UNSPEC, err,
	    sizeof(err)), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(oe_addr_len(&a), 4);
	assert_memory_equal(oe_addr_bytes(&a), "\xc6\x33\x64\x02", 4);
	assert_string_equal(oe_addr_format(&a, buf, sizeof(buf)), "198.51.100.2");
	assert_int_equal(oe_addr_parse(&a, "0.0.0.0", AF_INET, err, sizeof(err)), 0);
	assert_true(oe_addr_is_unspecified(&a));
	assert_int_equal(oe_addr_parse(&a, "255.255.255.255", AF_INET, NULL, 0), 0);
	assert_false(oe_addr_is_unspecified(&a));
}

static void
addr_parses_and_formats_ipv6_canonically(void **state)
{
	struct oe_addr a;
	char buf[OE_ADDR_STRLEN];

	(void)state;
	assert_int_equal(oe_addr_parse(&a, "2001:DB8:0:0::1", AF_UNSPEC, NULL, 0), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(oe_addr_maxplen(&a), 128);
	assert_string_equal(oe_addr_format(&a, buf, sizeof(buf)), "2001:db8::1");
	assert_int_equal(oe_addr_parse(&a, "::", AF_INET6, NULL, 0), 0);
	assert_true(oe_addr_is_unspecified(&a));
	assert_int_equal(oe_addr_parse(&a, "::ffff:192.0.2.1", AF_INET6, NULL, 0), 0);
	assert_string_equal(oe_addr_format(&a, buf, sizeof(buf)), "::ffff:192.0.2.1");
}

static void
addr_rejects_malformed_text(void **state)
{
	static const char *const bad[] = {
		"", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4x", "1.2.3", "1.2.3.4.5",
		"256.1.1.1", "01.2.3.4", "1.2.3.04", "1.2.3.00", "0x1.2.3.4",
		"1..2.3", "-1.2.3.4", "+1.2.3.4", "fe80::1%eth0", "2001:db8::1::2",
		"2001:db8:::1", "12345::", "1.2.3.4/32", "g::1", ":::",
		"1:2:3:4:5:6:7:8:9",
		"0000000000000000000000000000000000000000000000000000001.2.3.4",
	};
	struct oe_addr a;
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (oe_addr_parse(&a, bad[i], AF_UNSPEC, err, sizeof(err)) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(strlen(err) > 0);
		assert_int_equal(a.family, AF_UNSPEC);
	}
	assert_int_equal(oe_addr_parse(&a, NULL, AF_UNSPEC, err, sizeof(err)), -1);
}

static void
addr_rejects_wrong_family(void **state)
{
	struct oe_addr a;
	char err[128];

	(void)state;
	assert_int_equal(oe_addr_parse(&a, "2001:db8::1", AF_INET, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not an IPv4"));
	assert_int_equal(oe_addr_parse(&a, "192.0.2.1", AF_INET6, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not an IPv6"));
	assert_int_equal(oe_addr_parse(&a, "192.0.2.1", AF_UNIX, err,
	    sizeof(err)), -1);
}

static void
addr_error_text_is_truncated_safely(void **state)
{
	struct oe_addr a;
	char err[8];

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_int_equal(oe_addr_parse(&a, "999.1.1.1", AF_INET, err,
	    sizeof(err)), -1);
	assert_int_equal(strlen(err), sizeof(err) - 1);
}

static void
addr_orders_ipv4_before_ipv6_then_by_bytes(void **state)
{
	struct oe_addr a, b, c, d;

	(void)state;
	assert_int_equal(oe_addr_parse(&a, "10.0.0.1", AF_UNSPEC, NULL, 0), 0);
	assert_int_equal(oe_addr_parse(&b, "10.0.0.2", AF_UNSPEC, NULL, 0), 0);
	assert_int_equal(oe_addr_parse(&c, "::1", AF_UNSPEC, NULL, 0), 0);
	assert_int_equal(oe_addr_parse(&d, "::2", AF_UNSPEC, NULL, 0), 0);
	assert_true(oe_addr_cmp(&a, &b) < 0);
	assert_true(oe_addr_cmp(&b, &a) > 0);
	assert_true(oe_addr_cmp(&b, &c) < 0);
	assert_true(oe_addr_cmp(&c, &d) < 0);
	assert_int_equal(oe_addr_cmp(&d, &d), 0);
	assert_true(oe_addr_eq(&a, &a));
	assert_false(oe_addr_eq(&a, &b));
}

static void
addr_converts_to_and_from_sockaddr(void **state)
{
	struct oe_addr a, b;
	struct sockaddr_storage ss;
	socklen_t sl;

	(void)state;
	assert_int_equal(oe_addr_parse(&a, "2001:db8::7", AF_UNSPEC, NULL, 0), 0);
	sl = oe_addr_to_sockaddr(&a, 500, &ss);
	assert_int_equal(sl, sizeof(struct sockaddr_in6));
	assert_int_equal(oe_addr_from_sockaddr(&b, (struct sockaddr *)&ss, sl), 0);
	assert_true(oe_addr_eq(&a, &b));
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 500);
	assert_int_equal(oe_addr_parse(&a, "192.0.2.9", AF_UNSPEC, NULL, 0), 0);
	sl = oe_addr_to_sockaddr(&a, 4500, &ss);
	assert_int_equal(sl, sizeof(struct sockaddr_in));
	assert_int_equal(oe_addr_from_sockaddr(&b, (struct sockaddr *)&ss, sl), 0);
	assert_true(oe_addr_eq(&a, &b));
	/* too short for its family */
	assert_int_equal(oe_addr_from_sockaddr(&b, (struct sockaddr *)&ss, 4), -1);
	assert_int_equal(oe_addr_from_bytes(&b, AF_INET, "\1\2\3", 3), -1);
}

static void
cidr_parses_prefixes_and_bare_hosts(void **state)
{
	struct oe_cidr c;
	char buf[OE_CIDR_STRLEN];

	(void)state;
	assert_int_equal(oe_cidr_parse(&c, "10.0.0.0/8", AF_UNSPEC, 0, NULL, 0), 0);
	assert_int_equal(c.plen, 8);
	assert_string_equal(oe_cidr_format(&c, buf, sizeof(buf)), "10.0.0.0/8");
	assert_int_equal(oe_cidr_parse(&c, "0.0.0.0/0", AF_INET, 0, NULL, 0), 0);
	assert_int_equal(c.plen, 0);
	assert_int_equal(oe_cidr_parse(&c, "2001:db8::/32", AF_UNSPEC, 0, NULL, 0), 0);
	assert_string_equal(oe_cidr_format(&c, buf, sizeof(buf)), "2001:db8::/32");
	assert_int_equal(oe_cidr_parse(&c, "192.0.2.5", AF_UNSPEC, 0, NULL, 0), 0);
	assert_int_equal(c.plen, 32);
	assert_true(oe_cidr_is_host(&c));
	assert_string_equal(oe_cidr_format(&c, buf, sizeof(buf)), "192.0.2.5/32");
	assert_int_equal(oe_cidr_parse(&c, "::1/128", AF_UNSPEC, 0, NULL, 0), 0);
	assert_true(oe_cidr_is_host(&c));
	assert_int_equal(oe_cidr_parse(&c, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128",
	    AF_UNSPEC, 0, NULL, 0), 0);
	assert_false(oe_cidr_format(&c, buf, 10) != NULL);
}

static void
cidr_rejects_bad_prefix_lengths(void **state)
{
	static const char *const bad[] = {
		"1.2.3.4/33", "1.2.3.4/", "1.2.3.4//32", "1.2.3.4/032",
		"1.2.3.4/+8", "1.2.3.4/-1", "1.2.3.4/8 ", "1.2.3.4/ 8",
		"1.2.3.4/8x", "1.2.3.4/1000", "::/129", "::/00", "/8",
		"1.2.3.4/32/32", "1.2.3.4/0x8",
	};
	struct oe_cidr c;
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (oe_cidr_parse(&c, bad[i], AF_UNSPEC, OE_CIDR_ALLOW_HOST_BITS,
		    err, sizeof(err)) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(strlen(err) > 0);
	}
	assert_int_equal(oe_cidr_parse(&c, "1.2.3.4/33", AF_UNSPEC, 0, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "33 exceeds 32"));
}

static void
cidr_rejects_host_bits_unless_allowed(void **state)
{
	struct oe_cidr c;
	char err[128];

	(void)state;
	assert_int_equal(oe_cidr_parse(&c, "10.1.2.3/8", AF_UNSPEC, 0, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "10.0.0.0/8"));
	assert_int_equal(oe_cidr_parse(&c, "2001:db8::1/64", AF_UNSPEC, 0, err,
	    sizeof(err)), -1);
	assert_int_equal(oe_cidr_parse(&c, "10.1.2.3/8", AF_UNSPEC,
	    OE_CIDR_ALLOW_HOST_BITS, err, sizeof(err)), 0);
	assert_true(oe_cidr_has_host_bits(&c));
	oe_cidr_mask(&c);
	assert_false(oe_cidr_has_host_bits(&c));
	assert_int_equal(c.addr.u.v4.s_addr, htonl(0x0a000000));
	/* /7 keeps only the top seven bits of the first octet */
	assert_int_equal(oe_cidr_parse(&c, "11.0.0.0/7", AF_INET, 0, err,
	    sizeof(err)), -1);
	assert_int_equal(oe_cidr_parse(&c, "10.0.0.0/7", AF_INET, 0, err,
	    sizeof(err)), 0);
}

static void
cidr_require_prefix_refuses_bare_address(void **state)
{
	struct oe_cidr c;
	char err[128];

	(void)state;
	assert_int_equal(oe_cidr_parse(&c, "192.0.2.1", AF_UNSPEC,
	    OE_CIDR_REQUIRE_PREFIX, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "missing"));
	assert_int_equal(oe_cidr_parse(&c, "192.0.2.1/32", AF_UNSPEC,
	    OE_CIDR_REQUIRE_PREFIX, err, sizeof(err)), 0);
	assert_int_equal(oe_cidr_parse(&c, "192.0.2.0/24", AF_INET6, 0, err,
	    sizeof(err)), -1);
}

static void
cidr_containment_respects_prefix_and_family(void **state)
{
	struct oe_cidr net8, net16, host, any4, v6net, v6zero;
	struct oe_addr in, out, v6;

	(void)state;
	assert_int_equal(oe_cidr_parse(&net8, "10.0.0.0/8", AF_UNSPEC, 0, NULL, 0), 0);
	assert_int_equal(oe_cidr_parse(&net16, "10.20.0.0/16", AF_UNSPEC, 0, NULL, 0), 0);
	assert_int_equal(oe_cidr_parse(&host, "10.20.30.40", AF_UNSPEC, 0, NULL, 0), 0);
	assert_int_equal(oe_cidr_parse(&any4, "0.0.0.0/0", AF_UNSPEC, 0, NULL, 0), 0);
	assert_int_equal(oe_cidr_parse(&v6net, "2001:db8:8000::/33", AF_UNSPEC, 0, NULL, 0), 0);
	assert_int_equal(oe_cidr_parse(&v6zero, "::/0", AF_UNSPEC, 0, NULL, 0), 0);
	assert_int_equal(oe_addr_parse(&in, "10.255.0.1", AF_UNSPEC, NULL, 0), 0);
	assert_int_equal(oe_addr_parse(&out, "11.0.0.1", AF_UNSPEC, NULL, 0), 0);
	assert_int_equal(oe_addr_parse(&v6, "2001:db8:ffff::1", AF_UNSPEC, NULL, 0), 0);

	assert_true(oe_cidr_contains_addr(&net8, &in));
	assert_false(oe_cidr_contains_addr(&net8, &out));
	assert_false(oe_cidr_contains_addr(&net16, &in));
	assert_true(oe_cidr_contains_addr(&any4, &out));
	assert_false(oe_cidr_contains_addr(&any4, &v6));
	assert_true(oe_cidr_contains_addr(&v6zero, &v6));
	assert_true(oe_cidr_contains_addr(&v6net, &v6));
	assert_int_equal(oe_addr_parse(&v6, "2001:db8:7fff::1", AF_UNSPEC, NULL, 0), 0);
	assert_false(oe_cidr_contains_addr(&v6net, &v6));

	assert_true(oe_cidr_contains_cidr(&net8, &net16));
	assert_true(oe_cidr_contains_cidr(&net16, &host));
	assert_true(oe_cidr_contains_cidr(&net8, &net8));
	assert_false(oe_cidr_contains_cidr(&net16, &net8));
	assert_false(oe_cidr_contains_cidr(&v6zero, &net8));
}

static void
cidr_orders_by_address_then_shorter_prefix(void **state)
{
	struct oe_cidr a, b, c;

	(void)state;
	assert_int_equal(oe_cidr_parse(&a, "10.0.0.0/8", AF_UNSPEC, 0, NULL, 0), 0);
	assert_int_equal(oe_cidr_parse(&b, "10.0.0.0/16", AF_UNSPEC, 0, NULL, 0), 0);
	assert_int_equal(oe_cidr_parse(&c, "10.1.0.0/16", AF_UNSPEC, 0, NULL, 0), 0);
	assert_true(oe_cidr_cmp(&a, &b) < 0);
	assert_true(oe_cidr_cmp(&b, &c) < 0);
	assert_true(oe_cidr_cmp(&c, &a) > 0);
	assert_int_equal(oe_cidr_cmp(&c, &c), 0);
}

static void
cidr_from_addr_makes_host_prefix(void **state)
{
	struct oe_addr a;
	struct oe_cidr c;

	(void)state;
	assert_int_equal(oe_addr_parse(&a, "2001:db8::5", AF_UNSPEC, NULL, 0), 0);
	oe_cidr_from_addr(&c, &a);
	assert_int_equal(c.plen, 128);
	assert_true(oe_cidr_is_host(&c));
	assert_true(oe_cidr_contains_addr(&c, &a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(addr_parses_and_formats_ipv4),
		cmocka_unit_test(addr_parses_and_formats_ipv6_canonically),
		cmocka_unit_test(addr_rejects_malformed_text),
		cmocka_unit_test(addr_rejects_wrong_family),
		cmocka_unit_test(addr_error_text_is_truncated_safely),
		cmocka_unit_test(addr_orders_ipv4_before_ipv6_then_by_bytes),
		cmocka_unit_test(addr_converts_to_and_from_sockaddr),
		cmocka_unit_test(cidr_parses_prefixes_and_bare_hosts),
		cmocka_unit_test(cidr_rejects_bad_prefix_lengths),
		cmocka_unit_test(cidr_rejects_host_bits_unless_allowed),
		cmocka_unit_test(cidr_require_prefix_refuses_bare_address),
		cmocka_unit_test(cidr_containment_respects_prefix_and_family),
		cmocka_unit_test(cidr_orders_by_address_then_shorter_prefix),
		cmocka_unit_test(cidr_from_addr_makes_host_prefix),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
