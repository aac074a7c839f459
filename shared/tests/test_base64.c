/* Unit tests for the strict base64 codec. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "oe_base64.h"

static void
base64_encodes_rfc4648_vectors(void **state)
{
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	char buf[16];
	uint8_t out[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		size_t n = strlen(vec[i][0]);

		assert_int_equal(oe_base64_encode((const uint8_t *)vec[i][0], n,
		    buf, sizeof(buf)), strlen(vec[i][1]));
		assert_string_equal(buf, vec[i][1]);
		assert_int_equal(oe_base64_decode(vec[i][1], strlen(vec[i][1]),
		    out, sizeof(out)), n);
		assert_memory_equal(out, vec[i][0], n);
	}
}

static void
base64_round_trips_all_byte_values(void **state)
{
	uint8_t data[256], back[256];
	char text[OE_BASE64_LEN(256) + 1];
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(data); n++)
		data[n] = (uint8_t)(255 - n);
	for (n = 0; n <= sizeof(data); n++) {
		int t = oe_base64_encode(data, n, text, sizeof(text));

		assert_int_equal(t, OE_BASE64_LEN(n));
		assert_int_equal(oe_base64_decode(text, (size_t)t, back,
		    sizeof(back)), n);
		assert_memory_equal(back, data, n);
	}
}

static void
base64_rejects_malformed_text(void **state)
{
	static const char *const bad[] = {
		"Zg=", "Zg", "Z===", "====", "Zm9v\n", " Zm9v", "Zm 9v",
		"Zm9=v", "Zh==", "Zm9=", "Zm-v", "Zm_v", "=Zm9", "Zg==Zg==",
		"Zm9vYg=\x00",
	};
	uint8_t out[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = strlen(bad[i]);

		if (i == sizeof(bad) / sizeof(bad[0]) - 1)
			n = 8;	/* embedded NUL */
		if (oe_base64_decode(bad[i], n, out, sizeof(out)) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

static void
base64_refuses_small_buffers(void **state)
{
	uint8_t out[2];
	char text[8];

	(void)state;
	assert_int_equal(oe_base64_decode("Zm9v", 4, out, sizeof(out)), -1);
	assert_int_equal(oe_base64_decode("Zm8=", 4, out, sizeof(out)), 2);
	assert_int_equal(oe_base64_encode((const uint8_t *)"foob", 4, text,
	    sizeof(text)), -1);	/* 8 characters + NUL */
	assert_int_equal(oe_base64_encode((const uint8_t *)"foo", 3, text, 4), -1);
	assert_int_equal(oe_base64_encode((const uint8_t *)"foo", 3, text, 5), 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(base64_encodes_rfc4648_vectors),
		cmocka_unit_test(base64_round_trips_all_byte_values),
		cmocka_unit_test(base64_rejects_malformed_text),
		cmocka_unit_test(base64_refuses_small_buffers),
	};

	return cmocka_run_group_tests_name("base64", tests, NULL, NULL);
}
