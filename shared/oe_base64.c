/*
 * Strict base64 (RFC 4648 section 4): one spelling per byte string, so
 * a key read from text and written back gives the same text.
 */
#include "config.h"

#include <stdbool.h>

#include "oe_base64.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Value of one symbol, -1 if not in the alphabet. */
static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
oe_base64_encode(const uint8_t *data, size_t len, char *buf, size_t buflen)
{
	size_t i, o = 0, need;

	if (len > (size_t)(INT32_MAX / 4 * 3 - 3))
		return -1;
	need = OE_BASE64_LEN(len) + 1;
	if (buflen < need)
		return -1;
	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16 |
		    (uint32_t)data[i + 1] << 8 | data[i + 2];

		buf[o++] = b64_alphabet[(v >> 18) & 0x3f];
		buf[o++] = b64_alphabet[(v >> 12) & 0x3f];
		buf[o++] = b64_alphabet[(v >> 6) & 0x3f];
		buf[o++] = b64_alphabet[v & 0x3f];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)data[i] << 16;

		buf[o++] = b64_alphabet[(v >> 18) & 0x3f];
		buf[o++] = b64_alphabet[(v >> 12) & 0x3f];
		buf[o++] = '=';
		buf[o++] = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8;

		buf[o++] = b64_alphabet[(v >> 18) & 0x3f];
		buf[o++] = b64_alphabet[(v >> 12) & 0x3f];
		buf[o++] = b64_alphabet[(v >> 6) & 0x3f];
		buf[o++] = '=';
	}
	buf[o] = '\0';
	return (int)o;
}

int
oe_base64_decode(const char *text, size_t len, uint8_t *buf, size_t buflen)
{
	size_t i, o = 0, pad = 0;

	if (len % 4 != 0 || len > (size_t)INT32_MAX)
		return -1;
	if (len >= 1 && text[len - 1] == '=')
		pad++;
	if (len >= 2 && text[len - 2] == '=')
		pad++;
	if (len / 4 * 3 - pad > buflen)
		return -1;
	for (i = 0; i < len; i += 4) {
		int v[4], k;
		bool last = (i + 4 == len);
		uint32_t w = 0;
		size_t q = last ? 4 - pad : 4;

		for (k = 0; k < 4; k++) {
			if ((size_t)k >= q) {
				v[k] = 0;	/* padding, checked above */
				continue;
			}
			v[k] = b64_value(text[i + (size_t)k]);
			if (v[k] < 0)
				return -1;
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
		    (uint32_t)v[2] << 6 | (uint32_t)v[3];
		/* bits below the last octet must be zero: one spelling only */
		if (last && pad == 2 && (w & 0xffff) != 0)
			return -1;
		if (last && pad == 1 && (w & 0xff) != 0)
			return -1;
		buf[o++] = (uint8_t)(w >> 16);
		if (q >= 3)
			buf[o++] = (uint8_t)(w >> 8);
		if (q == 4)
			buf[o++] = (uint8_t)w;
	}
	return (int)o;
}
