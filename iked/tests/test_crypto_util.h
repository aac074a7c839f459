/*
 * Helpers shared by the crypto unit tests: hex decoding of published
 * vectors and NSS set-up.  Header-only so each test stays one program.
 */
#ifndef OE_TEST_CRYPTO_UTIL_H
#define OE_TEST_CRYPTO_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

static inline int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode hex (whitespace ignored) into a new buffer; aborts the test on junk. */
static inline uint8_t *
unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex), i, o = 0;
	uint8_t *out = malloc(n / 2 + 1);
	int hi = -1;

	assert_non_null(out);
	for (i = 0; i < n; i++) {
		int v;

		if (hex[i] == ' ' || hex[i] == '\n')
			continue;
		v = hexval(hex[i]);
		assert_true(v >= 0);
		if (hi < 0) {
			hi = v;
		} else {
			out[o++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	assert_true(hi < 0);
	*len = o;
	return out;
}

#endif
