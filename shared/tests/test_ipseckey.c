/* Unit tests for the IPSECKEY RDATA codec, domain names and key helpers. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "oe_ipseckey.h"

/* RFC 4025 section 3.1 example key (too short for real use). */
#define RFC_KEY "AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ=="

/* A plausible RSA public key: odd modulus of `bits` bits, exponent 65537. */
static size_t
make_rsa(uint8_t *buf, unsigned bits)
{
	size_t modlen = (bits + 7) / 8, i;

	buf[0] = 3;
	buf[1] = 0x01;
	buf[2] = 0x00;
	buf[3] = 0x01;
	for (i = 0; i < modlen; i++)
		buf[4 + i] = (uint8_t)(0x5a ^ (i * 7));
	/* exactly `bits` bits: top bit of the first octet set */
	buf[4] = (uint8_t)(1u << ((bits - 1) % 8));
	buf[4 + modlen - 1] |= 1;
	return 4 + modlen;
}

static void
ipseckey_parses_ipv4_gateway_rsa_record(void **state)
{
	uint8_t rdata[OE_IPSECKEY_RDATA_MAX], back[OE_IPSECKEY_RDATA_MAX];
	struct oe_ipseckey k;
	char err[128], gw[64];
	size_t keylen, n;

	(void)state;
	rdata[0] = 10;
	rdata[1] = 1;
	rdata[2] = 2;
	memcpy(rdata + 3, "\xc6\x33\x64\x02", 4);
	keylen = make_rsa(rdata + 7, 2048);
	n = 7 + keylen;
	assert_int_equal(oe_ipseckey_parse_wire(&k, rdata, n, err, sizeof(err)), 0);
	assert_int_equal(k.precedence, 10);
	assert_int_equal(k.gateway_type, OE_IPSECKEY_GW_IPV4);
	assert_int_equal(k.algorithm, OE_IPSECKEY_ALG_RSA);
	assert_true(k.alg_known);
	assert_int_equal(k.key_len, keylen);
	assert_int_equal(oe_ipseckey_gateway_to_text(&k, gw, sizeof(gw), err,
	    sizeof(err)), 12);
	assert_string_equal(gw, "198.51.100.2");
	assert_int_equal(oe_ipseckey_key_check(&k, err, sizeof(err)), 0);
	assert_int_equal(oe_ipseckey_emit_wire(&k, back, sizeof(back), err,
	    sizeof(err)), n);
	assert_memory_equal(back, rdata, n);
}

static void
ipseckey_text_round_trips_rfc4025_examples(void **state)
{
	static const char *const ex[][2] = {
		{ "10 1 2 192.0.2.38 " RFC_KEY, NULL },
		{ "10 0 2 . " RFC_KEY, NULL },
		{ "10 3 2 mygateway.example.com. " RFC_KEY, NULL },
		{ "10 2 2 2001:0DB8:0:8002::2000:1 " RFC_KEY,
		  "10 2 2 2001:db8:0:8002::2000:1 " RFC_KEY },
		{ "  10\t1   0  192.0.2.1 ", "10 1 0 192.0.2.1" },
	};
	struct oe_ipseckey k, k2;
	uint8_t wire[OE_IPSECKEY_RDATA_MAX];
	char text[OE_IPSECKEY_TEXT_MAX], err[128];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		const char *want = ex[i][1] ? ex[i][1] : ex[i][0];

		if (oe_ipseckey_from_text(&k, ex[i][0], err, sizeof(err)) != 0)
			fail_msg("\"%s\": %s", ex[i][0], err);
		n = oe_ipseckey_to_text(&k, text, sizeof(text), err, sizeof(err));
		assert_int_equal(n, strlen(want));
		assert_string_equal(text, want);
		/* wire round trip gives the same struct */
		n = oe_ipseckey_emit_wire(&k, wire, sizeof(wire), err, sizeof(err));
		assert_true(n > 0);
		assert_int_equal(oe_ipseckey_parse_wire(&k2, wire, (size_t)n, err,
		    sizeof(err)), 0);
		assert_memory_equal(&k, &k2, sizeof(k));
	}
}

static void
ipseckey_name_gateway_has_uncompressed_wire_form(void **state)
{
	static const uint8_t want[] = {
		10, 3, 2,
		9, 'm', 'y', 'g', 'a', 't', 'e', 'w', 'a', 'y',
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0x01, 0x03, 0x51, 0x53, 0x79, 0x86, 0xed, 0x35, 0x53, 0x3b,
		0x60, 0x64, 0x47, 0x8e, 0xee, 0xb2, 0x7b, 0x5b, 0xd7, 0x4d,
		0xae, 0x14, 0x9b, 0x6e, 0x81, 0xba, 0x3a, 0x05, 0x21, 0xaf,
		0x82, 0xab, 0x78, 0x01,
	};
	struct oe_ipseckey k;
	uint8_t wire[OE_IPSECKEY_RDATA_MAX];
	char err[128];

	(void)state;
	assert_int_equal(oe_ipseckey_from_text(&k, "10 3 2 mygateway.example.com. "
	    RFC_KEY, err, sizeof(err)), 0);
	assert_int_equal(oe_ipseckey_emit_wire(&k, wire, sizeof(wire), err,
	    sizeof(err)), sizeof(want));
	assert_memory_equal(wire, want, sizeof(want));
}

static void
ipseckey_rejects_truncated_rdata(void **state)
{
	uint8_t v4[] = { 10, 1, 2, 192, 0, 2, 1 };
	uint8_t v6[3 + 16];
	uint8_t nm[] = { 10, 3, 0, 3, 'f', 'o', 'o', 0 };
	struct oe_ipseckey k;
	char err[128];
	size_t n;

	(void)state;
	memset(v6, 0x20, sizeof(v6));
	v6[0] = 1;
	v6[1] = 2;
	v6[2] = 0;
	for (n = 0; n < sizeof(v4); n++) {
		err[0] = '\0';
		assert_int_equal(oe_ipseckey_parse_wire(&k, v4, n, err,
		    sizeof(err)), -1);
		assert_true(strstr(err, "truncated") != NULL);
	}
	/* algorithm 2 with an empty key is refused too */
	assert_int_equal(oe_ipseckey_parse_wire(&k, v4, sizeof(v4), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "empty key"));
	for (n = 0; n < sizeof(v6); n++)
		assert_int_equal(oe_ipseckey_parse_wire(&k, v6, n, err,
		    sizeof(err)), -1);
	assert_int_equal(oe_ipseckey_parse_wire(&k, v6, sizeof(v6), err,
	    sizeof(err)), 0);
	for (n = 0; n < sizeof(nm); n++)
		assert_int_equal(oe_ipseckey_parse_wire(&k, nm, n, err,
		    sizeof(err)), -1);
	assert_int_equal(oe_ipseckey_parse_wire(&k, nm, sizeof(nm), err,
	    sizeof(err)), 0);
	assert_int_equal(k.gw_name_len, 5);
}

static void
ipseckey_rejects_unknown_gateway_type(void **state)
{
	uint8_t rd[] = { 10, 4, 2, 1, 1, 2, 3 };
	struct oe_ipseckey k;
	char err[128];

	(void)state;
	assert_int_equal(oe_ipseckey_parse_wire(&k, rd, sizeof(rd), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "gateway type 4"));
	rd[1] = 255;
	assert_int_equal(oe_ipseckey_parse_wire(&k, rd, sizeof(rd), err,
	    sizeof(err)), -1);
	assert_int_equal(oe_ipseckey_from_text(&k, "10 4 2 . " RFC_KEY, err,
	    sizeof(err)), -1);
}

static void
ipseckey_rejects_compressed_gateway_name(void **state)
{
	uint8_t ptr[] = { 10, 3, 2, 0xc0, 0x0c, 1, 3, 1, 0, 1 };
	uint8_t ext[] = { 10, 3, 2, 0x41, 0x00, 1, 3, 1, 0, 1 };
	struct oe_ipseckey k;
	char err[128];

	(void)state;
	assert_int_equal(oe_ipseckey_parse_wire(&k, ptr, sizeof(ptr), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "compression"));
	assert_int_equal(oe_ipseckey_parse_wire(&k, ext, sizeof(ext), err,
	    sizeof(err)), -1);
}

static void
ipseckey_rejects_oversized_key_and_rdata(void **state)
{
	static uint8_t rd[OE_IPSECKEY_RDATA_MAX + 10];
	struct oe_ipseckey k;
	char err[128];

	(void)state;
	memset(rd, 0x33, sizeof(rd));
	rd[0] = 1;
	rd[1] = 0;
	rd[2] = 2;
	assert_int_equal(oe_ipseckey_parse_wire(&k, rd, 3 + OE_IPSECKEY_KEY_MAX,
	    err, sizeof(err)), 0);
	assert_int_equal(oe_ipseckey_parse_wire(&k, rd, 4 + OE_IPSECKEY_KEY_MAX,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exceeds"));
	assert_int_equal(oe_ipseckey_parse_wire(&k, rd, sizeof(rd), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "exceeds"));
	/* a refused parse leaves nothing behind */
	assert_int_equal(k.key_len, 0);
	assert_int_equal(k.precedence, 0);
}

static void
ipseckey_rejects_key_with_algorithm_zero(void **state)
{
	uint8_t rd[] = { 10, 0, 0, 1, 2, 3 };
	struct oe_ipseckey k;
	char err[128];

	(void)state;
	assert_int_equal(oe_ipseckey_parse_wire(&k, rd, sizeof(rd), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "algorithm 0"));
	/* no key, algorithm 0: a gateway-only record is fine */
	assert_int_equal(oe_ipseckey_parse_wire(&k, rd, 3, err, sizeof(err)), 0);
	assert_false(k.alg_known);
	assert_int_equal(oe_ipseckey_key_check(&k, err, sizeof(err)), -1);
}

static void
ipseckey_keeps_unknown_algorithm_flagged(void **state)
{
	uint8_t rd[] = { 5, 0, 200, 0xde, 0xad, 0xbe, 0xef };
	uint8_t back[16];
	struct oe_ipseckey k, k2;
	char text[128], err[128];

	(void)state;
	assert_int_equal(oe_ipseckey_parse_wire(&k, rd, sizeof(rd), err,
	    sizeof(err)), 0);
	assert_false(k.alg_known);
	assert_int_equal(k.algorithm, 200);
	assert_int_equal(k.key_len, 4);
	assert_null(oe_ipseckey_alg_name(200));
	assert_int_equal(oe_ipseckey_key_check(&k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown key algorithm 200"));
	assert_int_equal(oe_ipseckey_emit_wire(&k, back, sizeof(back), err,
	    sizeof(err)), sizeof(rd));
	assert_memory_equal(back, rd, sizeof(rd));
	assert_true(oe_ipseckey_to_text(&k, text, sizeof(text), err,
	    sizeof(err)) > 0);
	assert_string_equal(text, "5 0 200 . 3q2+7w==");
	assert_int_equal(oe_ipseckey_from_text(&k2, text, err, sizeof(err)), 0);
	assert_memory_equal(&k, &k2, sizeof(k));
}

static void
ipseckey_validate_catches_gateway_type_mismatch(void **state)
{
	struct oe_ipseckey k;
	char err[128];
	uint8_t buf[64];

	(void)state;
	assert_int_equal(oe_ipseckey_from_text(&k, "10 1 2 192.0.2.1 " RFC_KEY,
	    err, sizeof(err)), 0);
	k.gateway_type = OE_IPSECKEY_GW_IPV6;
	assert_int_equal(oe_ipseckey_validate(&k, err, sizeof(err)), -1);
	assert_int_equal(oe_ipseckey_emit_wire(&k, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	k.gateway_type = OE_IPSECKEY_GW_NAME;
	assert_int_equal(oe_ipseckey_validate(&k, err, sizeof(err)), -1);
	k.gateway_type = OE_IPSECKEY_GW_IPV4;
	k.alg_known = false;	/* inconsistent flag */
	assert_int_equal(oe_ipseckey_validate(&k, err, sizeof(err)), -1);
}

static void
ipseckey_text_rejects_malformed_records(void **state)
{
	static const char *const bad[] = {
		"", "10", "10 1", "10 1 2", "10 1 2 192.0.2.1",
		"256 1 2 192.0.2.1 " RFC_KEY, "010 1 2 192.0.2.1 " RFC_KEY,
		"-1 1 2 192.0.2.1 " RFC_KEY, "10 1 2x 192.0.2.1 " RFC_KEY,
		"10 1 2 2001:db8::1 " RFC_KEY, "10 2 2 192.0.2.1 " RFC_KEY,
		"10 0 2 192.0.2.1 " RFC_KEY, "10 3 2 relative.name " RFC_KEY,
		"10 3 2 . " RFC_KEY "x", "10 1 2 192.0.2.1 !!!!",
		"10 0 0 . " RFC_KEY, "10 1 2 192.0.2.1 AQNRU3mG7",
		"10 1 2 192.0.2.01 " RFC_KEY, "10 4 2 . " RFC_KEY,
		"(10 1 2 192.0.2.1 " RFC_KEY ")",
	};
	struct oe_ipseckey k;
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (oe_ipseckey_from_text(&k, bad[i], err, sizeof(err)) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(strlen(err) > 0);
	}
	assert_int_equal(oe_ipseckey_from_text(&k, NULL, err, sizeof(err)), -1);
}

static void
ipseckey_text_accepts_key_split_by_blanks(void **state)
{
	struct oe_ipseckey a, b;
	char err[128];

	(void)state;
	assert_int_equal(oe_ipseckey_from_text(&a, "10 1 2 192.0.2.1 " RFC_KEY,
	    err, sizeof(err)), 0);
	assert_int_equal(oe_ipseckey_from_text(&b, "10 1 2 192.0.2.1 AQNRU3mG "
	    "7TVTO2BkR47usntb\n102uFJtugbo6BSGvgqt4AQ==\n", err, sizeof(err)), 0);
	assert_memory_equal(&a, &b, sizeof(a));
}

static void
ipseckey_text_handles_8192_bit_rsa_key(void **state)
{
	static struct oe_ipseckey k, k2;
	static char text[OE_IPSECKEY_TEXT_MAX];
	uint8_t rsa[1100];
	size_t n;
	char err[128];

	(void)state;
	memset(&k, 0, sizeof(k));
	k.precedence = 1;
	k.algorithm = OE_IPSECKEY_ALG_RSA;
	k.alg_known = true;
	n = make_rsa(rsa, 8192);
	memcpy(k.key, rsa, n);
	k.key_len = n;
	assert_int_equal(oe_ipseckey_key_check(&k, err, sizeof(err)), 0);
	assert_true(oe_ipseckey_to_text(&k, text, sizeof(text), err,
	    sizeof(err)) > 1300);
	assert_int_equal(oe_ipseckey_from_text(&k2, text, err, sizeof(err)), 0);
	assert_memory_equal(&k, &k2, sizeof(k));
	/* too small an output buffer is an error, not a truncation */
	assert_int_equal(oe_ipseckey_to_text(&k, text, 100, err, sizeof(err)), -1);
	assert_string_equal(text, "");
}

static void
ipseckey_emit_refuses_small_buffer(void **state)
{
	struct oe_ipseckey k;
	uint8_t buf[OE_IPSECKEY_RDATA_MAX];
	char err[128];
	int n;

	(void)state;
	assert_int_equal(oe_ipseckey_from_text(&k, "10 2 2 2001:db8::1 " RFC_KEY,
	    err, sizeof(err)), 0);
	n = oe_ipseckey_emit_wire(&k, buf, sizeof(buf), err, sizeof(err));
	assert_int_equal(n, 3 + 16 + 34);
	assert_int_equal(oe_ipseckey_emit_wire(&k, buf, (size_t)n - 1, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "needs 53"));
}

static void
dname_text_round_trips_escapes(void **state)
{
	static const uint8_t want[] = { 3, 'a', '.', 'b', 3, 0, ' ', 0xff,
	    7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0 };
	uint8_t wire[OE_DNAME_MAX];
	char text[OE_DNAME_STRLEN], err[128];
	int n;

	(void)state;
	n = oe_dname_from_text(wire, sizeof(wire), "a\\.b.\\000\\ \\255.example.",
	    err, sizeof(err));
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(wire, want, sizeof(want));
	/* a space comes back in the \DDD form, which has no blank in it */
	assert_int_equal(oe_dname_to_text(wire, (size_t)n, text, sizeof(text),
	    err, sizeof(err)), strlen("a\\.b.\\000\\032\\255.example."));
	assert_string_equal(text, "a\\.b.\\000\\032\\255.example.");
	assert_int_equal(oe_dname_from_text(wire, sizeof(wire), ".", err,
	    sizeof(err)), 1);
	assert_int_equal(wire[0], 0);
	assert_int_equal(oe_dname_to_text(wire, 1, text, sizeof(text), err,
	    sizeof(err)), 1);
	assert_string_equal(text, ".");
	/* "\X" for a plain letter reads as the letter */
	assert_int_equal(oe_dname_from_text(wire, sizeof(wire), "\\east.", err,
	    sizeof(err)), 6);
	assert_int_equal(oe_dname_to_text(wire, 6, text, sizeof(text), err,
	    sizeof(err)), 5);
	assert_string_equal(text, "east.");
}

static void
dname_rejects_malformed_text(void **state)
{
	static const char *const bad[] = {
		"", "example", "example.com", "a..b.", ".a.", "..", "a b.",
		"\\25.", "\\256.", "a\\", "\\", "caf\xc3\xa9.", "a\tb.",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.",
	};
	uint8_t wire[OE_DNAME_MAX];
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (oe_dname_from_text(wire, sizeof(wire), bad[i], err,
		    sizeof(err)) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(strlen(err) > 0);
	}
	assert_int_equal(oe_dname_from_text(wire, sizeof(wire), NULL, err,
	    sizeof(err)), -1);
	/* a 63-octet label is the limit, not an error */
	assert_int_equal(oe_dname_from_text(wire, sizeof(wire),
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.",
	    err, sizeof(err)), 65);
}

static void
dname_limits_names_to_255_octets(void **state)
{
	char text[400], err[128];
	uint8_t wire[OE_DNAME_MAX];
	size_t o = 0;
	int i;

	(void)state;
	/* three 63-octet labels + one of 61: 3*64 + 62 + 1 = 255 octets */
	for (i = 0; i < 3; i++) {
		memset(text + o, 'a', 63);
		o += 63;
		text[o++] = '.';
	}
	memset(text + o, 'b', 61);
	o += 61;
	text[o++] = '.';
	text[o] = '\0';
	assert_int_equal(oe_dname_from_text(wire, sizeof(wire), text, err,
	    sizeof(err)), 255);
	assert_int_equal(oe_dname_wire_len(wire, 255, err, sizeof(err)), 255);
	/* one octet more is too long */
	memmove(text + 2, text, o + 1);
	text[0] = 'c';
	text[1] = '.';
	assert_int_equal(oe_dname_from_text(wire, sizeof(wire), text, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 255"));
	/* a small output buffer is refused */
	assert_int_equal(oe_dname_from_text(wire, 4, "abcd.", err,
	    sizeof(err)), -1);
}

static void
dname_wire_len_rejects_bad_wire_names(void **state)
{
	static const uint8_t ok[] = { 1, 'a', 0, 0xff, 0xff };
	static const uint8_t ptr[] = { 1, 'a', 0xc0, 0x00 };
	static const uint8_t trunc[] = { 5, 'a', 'b' };
	static const uint8_t noroot[] = { 1, 'a', 1, 'b' };
	uint8_t longname[300];
	char text[8], err[128];
	size_t i;

	(void)state;
	assert_int_equal(oe_dname_wire_len(ok, sizeof(ok), err, sizeof(err)), 3);
	assert_int_equal(oe_dname_wire_len(ptr, sizeof(ptr), err, sizeof(err)), -1);
	assert_int_equal(oe_dname_wire_len(trunc, sizeof(trunc), err,
	    sizeof(err)), -1);
	assert_int_equal(oe_dname_wire_len(noroot, sizeof(noroot), err,
	    sizeof(err)), -1);
	assert_int_equal(oe_dname_wire_len(ok, 0, err, sizeof(err)), -1);
	/* 128 one-octet labels = 256 octets before the root */
	for (i = 0; i < 256; i += 2) {
		longname[i] = 1;
		longname[i + 1] = 'x';
	}
	longname[256] = 0;
	assert_int_equal(oe_dname_wire_len(longname, 257, err, sizeof(err)), -1);
	/* trailing data is not part of a name given to to_text */
	assert_int_equal(oe_dname_to_text(ok, sizeof(ok), text, sizeof(text),
	    err, sizeof(err)), -1);
	assert_int_equal(oe_dname_to_text(ok, 3, text, 2, err, sizeof(err)), -1);
}

static void
rsa_key_round_trips_rfc3110_short_exponent(void **state)
{
	uint8_t mod[257], key[300];
	static const uint8_t e[] = { 0x00, 0x01, 0x00, 0x01 };
	struct oe_rsa_pub pub;
	char err[128];
	int n;

	(void)state;
	/* NSS style: a sign octet in front of the modulus and exponent */
	memset(mod, 0xa7, sizeof(mod));
	mod[0] = 0;
	n = oe_rsa_key_to_rfc3110(key, sizeof(key), mod, sizeof(mod), e,
	    sizeof(e), err, sizeof(err));
	assert_int_equal(n, 1 + 3 + 256);
	assert_int_equal(key[0], 3);
	assert_memory_equal(key + 1, "\x01\x00\x01", 3);
	assert_int_equal(oe_rsa_key_from_rfc3110(&pub, key, (size_t)n, err,
	    sizeof(err)), 0);
	assert_int_equal(pub.bits, 2048);
	assert_int_equal(pub.exponent_len, 3);
	assert_int_equal(pub.modulus_len, 256);
	assert_ptr_equal(pub.exponent, key + 1);
	assert_memory_equal(pub.modulus, mod + 1, 256);
	assert_int_equal(oe_rsa_key_to_rfc3110(key, (size_t)n - 1, mod,
	    sizeof(mod), e, sizeof(e), err, sizeof(err)), -1);
}

static void
rsa_key_uses_three_octet_form_for_long_exponent(void **state)
{
	static uint8_t mod[512], exp[300], key[1024];
	struct oe_rsa_pub pub;
	char err[128];
	int n;

	(void)state;
	memset(mod, 0xc5, sizeof(mod));
	memset(exp, 0x11, sizeof(exp));
	n = oe_rsa_key_to_rfc3110(key, sizeof(key), mod, sizeof(mod), exp,
	    sizeof(exp), err, sizeof(err));
	assert_int_equal(n, 3 + 300 + 512);
	assert_memory_equal(key, "\x00\x01\x2c", 3);
	assert_int_equal(oe_rsa_key_from_rfc3110(&pub, key, (size_t)n, err,
	    sizeof(err)), 0);
	assert_int_equal(pub.exponent_len, 300);
	assert_int_equal(pub.bits, 4096);
}

static void
rsa_key_rejects_malformed_rfc3110(void **state)
{
	uint8_t good[300], k[300];
	struct oe_rsa_pub pub;
	char err[128];
	size_t n;

	(void)state;
	n = make_rsa(good, 1024);
	assert_int_equal(oe_rsa_key_from_rfc3110(&pub, good, n, err,
	    sizeof(err)), 0);
#define EXPECT_BAD(buf, len, what) do {					\
	err[0] = '\0';							\
	assert_int_equal(oe_rsa_key_from_rfc3110(&pub, buf, len, err,	\
	    sizeof(err)), -1);						\
	if (strstr(err, what) == NULL)					\
		fail_msg("expected \"%s\", got \"%s\"", what, err);	\
	assert_null(pub.modulus);					\
} while (0)
	EXPECT_BAD(good, 0, "empty");
	EXPECT_BAD((const uint8_t *)"\x00\x01", 2, "truncated exponent length");
	EXPECT_BAD((const uint8_t *)"\x00\x00\x03\x01\x00\x01", 6, "3-octet form");
	EXPECT_BAD(good, 3, "truncated");
	EXPECT_BAD(good, 4, "empty modulus");
	/* 1023 bits: drop the top bit */
	memcpy(k, good, n);
	k[4] = 0x7f;
	EXPECT_BAD(k, n, "1023 bits");
	memcpy(k, good, n);
	k[4] = 0;
	EXPECT_BAD(k, n, "modulus has a leading zero");
	memcpy(k, good, n);
	k[1] = 0;
	EXPECT_BAD(k, n, "exponent has a leading zero");
	memcpy(k, good, n);
	k[n - 1] &= 0xfe;
	EXPECT_BAD(k, n, "modulus is even");
	memcpy(k, good, n);
	k[3] = 0x02;
	EXPECT_BAD(k, n, "exponent must be odd");
#undef EXPECT_BAD
	assert_int_equal(oe_rsa_key_to_rfc3110(k, sizeof(k), good + 4, n - 4,
	    (const uint8_t *)"\x01", 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exponent must be odd and above 1"));
}

static void
rsa_key_bounds_modulus_size(void **state)
{
	static uint8_t key[1200], mod[1030];
	struct oe_rsa_pub pub;
	char err[128];
	size_t n;

	(void)state;
	n = make_rsa(key, 8192);
	assert_int_equal(oe_rsa_key_from_rfc3110(&pub, key, n, err, sizeof(err)), 0);
	assert_int_equal(pub.bits, 8192);
	n = make_rsa(key, 8193);
	assert_int_equal(oe_rsa_key_from_rfc3110(&pub, key, n, err, sizeof(err)), -1);
	n = make_rsa(key, 1000);
	assert_int_equal(oe_rsa_key_from_rfc3110(&pub, key, n, err, sizeof(err)), -1);
	/* the builder refuses what the parser refuses */
	memset(mod, 0xff, sizeof(mod));
	assert_int_equal(oe_rsa_key_to_rfc3110(key, sizeof(key), mod, sizeof(mod),
	    (const uint8_t *)"\x03", 1, err, sizeof(err)), -1);
	assert_int_equal(oe_rsa_key_to_rfc3110(key, sizeof(key), mod, 128,
	    (const uint8_t *)"\x00", 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty exponent"));
	assert_int_equal(oe_rsa_key_to_rfc3110(key, sizeof(key), mod, 0,
	    (const uint8_t *)"\x03", 1, err, sizeof(err)), -1);
	assert_int_equal(oe_rsa_key_to_rfc3110(key, sizeof(key), mod, 128,
	    mod, 129, err, sizeof(err)), -1);
}

static void
ecdsa_key_check_accepts_p256_and_p384_only(void **state)
{
	uint8_t k[96], sec1[97];
	enum oe_ec_curve c;
	char err[128];

	(void)state;
	memset(k, 0x42, sizeof(k));
	assert_int_equal(oe_ecdsa_key_check(k, 64, &c, err, sizeof(err)), 0);
	assert_int_equal(c, OE_EC_P256);
	assert_int_equal(oe_ecdsa_key_check(k, 96, &c, err, sizeof(err)), 0);
	assert_int_equal(c, OE_EC_P384);
	assert_int_equal(oe_ecdsa_key_check(k, 65, &c, err, sizeof(err)), -1);
	assert_int_equal(c, OE_EC_NONE);
	assert_int_equal(oe_ecdsa_key_check(k, 0, &c, err, sizeof(err)), -1);
	assert_int_equal(oe_ecdsa_key_check(k, 32, &c, err, sizeof(err)), -1);
	assert_int_equal(oe_ecdsa_key_to_sec1(k, 64, sec1, sizeof(sec1), err,
	    sizeof(err)), 65);
	assert_int_equal(sec1[0], 4);
	assert_memory_equal(sec1 + 1, k, 64);
	assert_int_equal(oe_ecdsa_key_to_sec1(k, 64, sec1, 64, err,
	    sizeof(err)), -1);
}

static void
ecdsa_key_check_rejects_infinity_and_out_of_field(void **state)
{
	uint8_t k[96];
	char err[128];

	(void)state;
	memset(k, 0, sizeof(k));
	assert_int_equal(oe_ecdsa_key_check(k, 64, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "infinity"));
	/* x = p (P-256) */
	memset(k, 0x42, sizeof(k));
	memcpy(k, "\xff\xff\xff\xff\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00"
	    "\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	    "\xff\xff", 32);
	assert_int_equal(oe_ecdsa_key_check(k, 64, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "field prime"));
	/* p - 1 is fine */
	k[31] = 0xfe;
	assert_int_equal(oe_ecdsa_key_check(k, 64, NULL, err, sizeof(err)), 0);
	/* y all ones is above p (P-384) */
	memset(k, 0x42, sizeof(k));
	memset(k + 48, 0xff, 48);
	assert_int_equal(oe_ecdsa_key_check(k, 96, NULL, err, sizeof(err)), -1);
}

static void
eddsa_key_check_accepts_ed25519_only(void **state)
{
	uint8_t k[57];
	enum oe_ec_curve c;
	char err[128];

	(void)state;
	memset(k, 9, sizeof(k));
	assert_int_equal(oe_eddsa_key_check(k, 32, &c, err, sizeof(err)), 0);
	assert_int_equal(c, OE_EC_ED25519);
	assert_int_equal(oe_eddsa_key_check(k, 57, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Ed448"));
	assert_int_equal(oe_eddsa_key_check(k, 31, &c, err, sizeof(err)), -1);
	assert_int_equal(oe_eddsa_key_check(k, 33, &c, err, sizeof(err)), -1);
}

static void
ipseckey_key_check_dispatches_on_algorithm(void **state)
{
	struct oe_ipseckey k;
	char err[128];

	(void)state;
	memset(&k, 0, sizeof(k));
	k.algorithm = OE_IPSECKEY_ALG_EDDSA;
	k.alg_known = true;
	k.key_len = 32;
	memset(k.key, 7, 32);
	assert_int_equal(oe_ipseckey_key_check(&k, err, sizeof(err)), 0);
	k.algorithm = OE_IPSECKEY_ALG_ECDSA;
	assert_int_equal(oe_ipseckey_key_check(&k, err, sizeof(err)), -1);
	k.key_len = 64;
	memset(k.key, 7, 64);
	assert_int_equal(oe_ipseckey_key_check(&k, err, sizeof(err)), 0);
	k.algorithm = OE_IPSECKEY_ALG_RSA;
	assert_int_equal(oe_ipseckey_key_check(&k, err, sizeof(err)), -1);
	k.algorithm = OE_IPSECKEY_ALG_DSA;
	assert_int_equal(oe_ipseckey_key_check(&k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "DSA"));
	assert_string_equal(oe_ipseckey_alg_name(OE_IPSECKEY_ALG_EDDSA), "EdDSA");
	assert_true(oe_ipseckey_alg_is_known(OE_IPSECKEY_ALG_DSA));
	assert_true(oe_ipseckey_alg_is_known(OE_IPSECKEY_ALG_EDDSA));
	assert_false(oe_ipseckey_alg_is_known(OE_IPSECKEY_ALG_NONE));
	assert_false(oe_ipseckey_alg_is_known(5));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipseckey_parses_ipv4_gateway_rsa_record),
		cmocka_unit_test(ipseckey_text_round_trips_rfc4025_examples),
		cmocka_unit_test(ipseckey_name_gateway_has_uncompressed_wire_form),
		cmocka_unit_test(ipseckey_rejects_truncated_rdata),
		cmocka_unit_test(ipseckey_rejects_unknown_gateway_type),
		cmocka_unit_test(ipseckey_rejects_compressed_gateway_name),
		cmocka_unit_test(ipseckey_rejects_oversized_key_and_rdata),
		cmocka_unit_test(ipseckey_rejects_key_with_algorithm_zero),
		cmocka_unit_test(ipseckey_keeps_unknown_algorithm_flagged),
		cmocka_unit_test(ipseckey_validate_catches_gateway_type_mismatch),
		cmocka_unit_test(ipseckey_text_rejects_malformed_records),
		cmocka_unit_test(ipseckey_text_accepts_key_split_by_blanks),
		cmocka_unit_test(ipseckey_text_handles_8192_bit_rsa_key),
		cmocka_unit_test(ipseckey_emit_refuses_small_buffer),
		cmocka_unit_test(dname_text_round_trips_escapes),
		cmocka_unit_test(dname_rejects_malformed_text),
		cmocka_unit_test(dname_limits_names_to_255_octets),
		cmocka_unit_test(dname_wire_len_rejects_bad_wire_names),
		cmocka_unit_test(rsa_key_round_trips_rfc3110_short_exponent),
		cmocka_unit_test(rsa_key_uses_three_octet_form_for_long_exponent),
		cmocka_unit_test(rsa_key_rejects_malformed_rfc3110),
		cmocka_unit_test(rsa_key_bounds_modulus_size),
		cmocka_unit_test(ecdsa_key_check_accepts_p256_and_p384_only),
		cmocka_unit_test(ecdsa_key_check_rejects_infinity_and_out_of_field),
		cmocka_unit_test(eddsa_key_check_accepts_ed25519_only),
		cmocka_unit_test(ipseckey_key_check_dispatches_on_algorithm),
	};

	return cmocka_run_group_tests_name("ipseckey", tests, NULL, NULL);
}
