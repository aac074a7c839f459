/*
 * libFuzzer target for the IPSECKEY codec (shared/oe_ipseckey.c).
 *
 * The input is tried as wire RDATA: if it parses, emitting it must give
 * the same octets and re-parsing the same struct, and the presentation
 * form must parse back to the same struct.  It is also tried as
 * presentation text, as an RFC 3110 / ECDSA / EdDSA key, as a wire
 * domain name and as an address prefix (the gateway field's parser),
 * each with its round trip.
 *
 * Build (from the top of the tree, after configure in .build/h-shared,
 * which provides config.h):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -fno-sanitize-recover=undefined -I shared -I .build/h-shared \
 *     test/fuzz/fuzz_ipseckey.c shared/oe_ipseckey.c shared/oe_addr.c \
 *     shared/oe_base64.c -o fuzz_ipseckey
 * Run: ./fuzz_ipseckey -max_total_time=60 NEWDIR test/fuzz/corpus/ipseckey
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oe_ipseckey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Big structs live outside the stack; each run overwrites them. */
static struct oe_ipseckey k1, k2;
static uint8_t wire[OE_IPSECKEY_RDATA_MAX];
static char text[OE_IPSECKEY_TEXT_MAX];
static char input_text[OE_IPSECKEY_TEXT_MAX + 1];

static void
check_wire(const uint8_t *data, size_t size)
{
	char err[256];
	int n;

	if (oe_ipseckey_parse_wire(&k1, data, size, err, sizeof(err)) != 0)
		return;
	n = oe_ipseckey_emit_wire(&k1, wire, sizeof(wire), err, sizeof(err));
	if (n < 0 || (size_t)n != size || memcmp(wire, data, size) != 0)
		abort();
	if (oe_ipseckey_parse_wire(&k2, wire, (size_t)n, err, sizeof(err)) != 0 ||
	    memcmp(&k1, &k2, sizeof(k1)) != 0)
		abort();
	if (oe_ipseckey_to_text(&k1, text, sizeof(text), err, sizeof(err)) < 0)
		abort();
	if (oe_ipseckey_from_text(&k2, text, err, sizeof(err)) != 0 ||
	    memcmp(&k1, &k2, sizeof(k1)) != 0)
		abort();
	(void)oe_ipseckey_key_check(&k1, err, sizeof(err));
}

static void
check_text(const uint8_t *data, size_t size)
{
	char err[256];

	if (size > OE_IPSECKEY_TEXT_MAX)
		return;
	memcpy(input_text, data, size);
	input_text[size] = '\0';
	if (oe_ipseckey_from_text(&k1, input_text, err, sizeof(err)) != 0)
		return;
	if (oe_ipseckey_to_text(&k1, text, sizeof(text), err, sizeof(err)) < 0 ||
	    oe_ipseckey_from_text(&k2, text, err, sizeof(err)) != 0 ||
	    memcmp(&k1, &k2, sizeof(k1)) != 0)
		abort();
}

static void
check_keys(const uint8_t *data, size_t size)
{
	static uint8_t key[OE_IPSECKEY_KEY_MAX + 8];
	struct oe_rsa_pub pub;
	enum oe_ec_curve c;
	char err[256];
	int n;

	if (oe_rsa_key_from_rfc3110(&pub, data, size, err, sizeof(err)) == 0) {
		/* the builder must give back exactly the same octets */
		n = oe_rsa_key_to_rfc3110(key, sizeof(key), pub.modulus,
		    pub.modulus_len, pub.exponent, pub.exponent_len, err,
		    sizeof(err));
		if (n < 0 || (size_t)n != size || memcmp(key, data, size) != 0)
			abort();
	}
	(void)oe_ecdsa_key_check(data, size, &c, err, sizeof(err));
	(void)oe_eddsa_key_check(data, size, &c, err, sizeof(err));
}

static void
check_dname(const uint8_t *data, size_t size)
{
	static uint8_t w2[OE_DNAME_MAX];
	static char t[OE_DNAME_STRLEN];
	char err[256];
	int n, m;

	n = oe_dname_wire_len(data, size, err, sizeof(err));
	if (n < 0)
		return;
	if (oe_dname_to_text(data, (size_t)n, t, sizeof(t), err, sizeof(err)) < 0)
		abort();
	m = oe_dname_from_text(w2, sizeof(w2), t, err, sizeof(err));
	if (m != n || memcmp(w2, data, (size_t)n) != 0)
		abort();
}

static void
check_cidr(const uint8_t *data, size_t size)
{
	char in[OE_CIDR_STRLEN + 8], out[OE_CIDR_STRLEN];
	struct oe_cidr c1, c2;
	char err[256];

	if (size >= sizeof(in))
		return;
	memcpy(in, data, size);
	in[size] = '\0';
	if (oe_cidr_parse(&c1, in, AF_UNSPEC, OE_CIDR_ALLOW_HOST_BITS, err,
	    sizeof(err)) != 0)
		return;
	if (oe_cidr_format(&c1, out, sizeof(out)) == NULL ||
	    oe_cidr_parse(&c2, out, AF_UNSPEC, OE_CIDR_ALLOW_HOST_BITS |
	    OE_CIDR_REQUIRE_PREFIX, err, sizeof(err)) != 0 ||
	    oe_cidr_cmp(&c1, &c2) != 0 || !oe_cidr_contains_addr(&c1, &c2.addr))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_wire(data, size);
	check_text(data, size);
	check_keys(data, size);
	check_dname(data, size);
	check_cidr(data, size);
	return 0;
}
