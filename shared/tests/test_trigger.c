/* Unit tests for the trigger protocol codec (module <-> oe-iked). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "oe_trigger.h"

#define KEY_B64	"AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ=="

static const char spec_example[] =
    "{\"v\":1,\"type\":\"trigger\",\"cookie\":42,\"name\":\"east.oe.test.\","
    "\"qtype\":\"A\",\"addrs\":[\"198.51.100.2\"],\"addr_ttl\":300,"
    "\"ipseckey\":{\"secure\":true,\"ttl\":300,\"rrsig_inception\":1700000000,"
    "\"rrsig_expiration\":1702592000,\"records\":[{\"precedence\":10,"
    "\"gateway_type\":1,\"gateway\":\"198.51.100.2\",\"algorithm\":2,"
    "\"key\":\"" KEY_B64 "\"}]}}";

/* Decode `msg`; expect failure with `what` in the error text. */
static void
expect_request_error(const char *msg, const char *what)
{
	struct oe_trigger_request req;
	char err[256];

	err[0] = '\0';
	if (oe_trigger_request_decode(&req, msg, strlen(msg), err,
	    sizeof(err)) != -1)
		fail_msg("accepted: %s", msg);
	if (strstr(err, what) == NULL)
		fail_msg("expected \"%s\" in \"%s\" for %s", what, err, msg);
}

static void
expect_reply_error(const char *msg, const char *what)
{
	struct oe_trigger_reply rep;
	char err[256];

	err[0] = '\0';
	if (oe_trigger_reply_decode(&rep, msg, strlen(msg), err,
	    sizeof(err)) != -1)
		fail_msg("accepted: %s", msg);
	if (strstr(err, what) == NULL)
		fail_msg("expected \"%s\" in \"%s\" for %s", what, err, msg);
}

/* The spec example with one substring replaced. */
static void
variant(char *out, size_t outlen, const char *from, const char *to)
{
	const char *p = strstr(spec_example, from);
	int n;

	assert_non_null(p);
	n = snprintf(out, outlen, "%.*s%s%s", (int)(p - spec_example),
	    spec_example, to, p + strlen(from));
	assert_true(n > 0 && (size_t)n < outlen);
}

static void
trigger_request_decodes_spec_example(void **state)
{
	static struct oe_trigger_request req;
	char err[256], a[OE_ADDR_STRLEN];

	(void)state;
	assert_int_equal(oe_trigger_request_decode(&req, spec_example,
	    strlen(spec_example), err, sizeof(err)), 0);
	assert_true(req.has_cookie);
	assert_int_equal(req.cookie, 42);
	assert_string_equal(req.name, "east.oe.test.");
	assert_int_equal(req.name_wire_len, 14);
	assert_memory_equal(req.name_wire, "\4east\2oe\4test\0", 14);
	assert_int_equal(req.qtype, OE_QTYPE_A);
	assert_int_equal(req.naddrs, 1);
	assert_string_equal(oe_addr_format(&req.addrs[0], a, sizeof(a)),
	    "198.51.100.2");
	assert_int_equal(req.addr_ttl, 300);
	assert_true(req.ipseckey.present);
	assert_true(req.ipseckey.secure);
	assert_int_equal(req.ipseckey.ttl, 300);
	assert_int_equal(req.ipseckey.rrsig_inception, 1700000000);
	assert_int_equal(req.ipseckey.rrsig_expiration, 1702592000);
	assert_int_equal(req.ipseckey.nrecords, 1);
	assert_int_equal(req.ipseckey.records[0].precedence, 10);
	assert_int_equal(req.ipseckey.records[0].gateway_type, 1);
	assert_int_equal(req.ipseckey.records[0].algorithm, 2);
	assert_int_equal(req.ipseckey.records[0].key_len, 34);
	assert_int_equal(req.ipseckey.records[0].key[0], 0x01);
}

static void
trigger_request_round_trips_byte_for_byte(void **state)
{
	static struct oe_trigger_request req, req2;
	char buf[OE_TRIGGER_MSG_MAX], err[256];
	ssize_t n;

	(void)state;
	assert_int_equal(oe_trigger_request_decode(&req, spec_example,
	    strlen(spec_example), err, sizeof(err)), 0);
	n = oe_trigger_request_encode(&req, buf, sizeof(buf), err, sizeof(err));
	assert_int_equal(n, strlen(spec_example));
	assert_string_equal(buf, spec_example);
	assert_int_equal(oe_trigger_request_decode(&req2, buf, (size_t)n, err,
	    sizeof(err)), 0);
	assert_memory_equal(&req, &req2, sizeof(req));
}

static void
trigger_request_without_ipseckey_round_trips(void **state)
{
	static struct oe_trigger_request req, req2;
	char buf[OE_TRIGGER_MSG_MAX], err[256];
	ssize_t n;
	int i;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.cookie = OE_TRIGGER_COOKIE_MAX;
	strcpy(req.name, "WWW.Example.org.");
	req.qtype = OE_QTYPE_AAAA;
	req.naddrs = OE_TRIGGER_ADDRS_MAX;
	for (i = 0; i < OE_TRIGGER_ADDRS_MAX; i++) {
		char a[32];

		(void)snprintf(a, sizeof(a), "2001:db8::%x", i + 1);
		assert_int_equal(oe_addr_parse(&req.addrs[i], a, AF_INET6, NULL,
		    0), 0);
	}
	req.addr_ttl = OE_TRIGGER_TTL_MAX;
	n = oe_trigger_request_encode(&req, buf, sizeof(buf), err, sizeof(err));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "\"ipseckey\":null"));
	assert_non_null(strstr(buf, "\"cookie\":9223372036854775807"));
	assert_int_equal(oe_trigger_request_decode(&req2, buf, (size_t)n, err,
	    sizeof(err)), 0);
	assert_false(req2.ipseckey.present);
	assert_int_equal(req2.naddrs, OE_TRIGGER_ADDRS_MAX);
	assert_string_equal(req2.name, "WWW.Example.org.");	/* case kept */
	assert_int_equal(req2.cookie, OE_TRIGGER_COOKIE_MAX);
}

static void
trigger_request_encode_prefers_wire_name(void **state)
{
	static struct oe_trigger_request req;
	char buf[OE_TRIGGER_MSG_MAX], err[256];

	(void)state;
	assert_int_equal(oe_trigger_request_decode(&req, spec_example,
	    strlen(spec_example), err, sizeof(err)), 0);
	/* the module fills only the wire form it has from the query */
	memset(req.name, 0, sizeof(req.name));
	memcpy(req.name_wire, "\3a.b\4test\0", 10);
	req.name_wire_len = 10;
	assert_true(oe_trigger_request_encode(&req, buf, sizeof(buf), err,
	    sizeof(err)) > 0);
	assert_non_null(strstr(buf, "\"name\":\"a\\\\.b.test.\""));
	/* a broken wire name is refused, not sent */
	req.name_wire[0] = 0xc0;
	assert_int_equal(oe_trigger_request_encode(&req, buf, sizeof(buf), err,
	    sizeof(err)), -1);
}

static void
trigger_request_size_limit_applies_before_parsing(void **state)
{
	static char msg[OE_TRIGGER_MSG_MAX + 2];
	static struct oe_trigger_request req;
	size_t n = strlen(spec_example);
	char err[256];

	(void)state;
	/* blanks after the object are valid JSON: only size can refuse */
	memcpy(msg, spec_example, n);
	memset(msg + n, ' ', sizeof(msg) - n);
	assert_int_equal(oe_trigger_request_decode(&req, msg, OE_TRIGGER_MSG_MAX,
	    err, sizeof(err)), 0);
	assert_int_equal(oe_trigger_request_decode(&req, msg,
	    OE_TRIGGER_MSG_MAX + 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exceeds 16384"));
	assert_false(req.has_cookie);
	assert_int_equal(oe_trigger_request_decode(&req, msg, 0, err,
	    sizeof(err)), -1);
}

static void
trigger_request_rejects_malformed_json(void **state)
{
	(void)state;
	expect_request_error("{", "invalid JSON");
	expect_request_error("[]", "not a JSON object");
	expect_request_error("\"x\"", "invalid JSON");
	expect_request_error("{} {}", "invalid JSON");
	expect_request_error("{\"v\":1}x", "invalid JSON");
	expect_request_error("{\"v\":1,\"v\":1}", "invalid JSON");
	expect_request_error("{\"v\":\"1\"}", "\"v\" must be an integer");
	expect_request_error("{\"v\":2}", "version 2");
	expect_request_error("{}", "missing \"v\"");
	expect_request_error("{\"v\":1,\"name\":\"a\\u0000b.\"}", "invalid JSON");
}

static void
trigger_request_rejects_duplicate_keys_at_every_level(void **state)
{
	char m[2048];

	(void)state;
	variant(m, sizeof(m), "\"cookie\":42,", "\"cookie\":42,\"cookie\":43,");
	expect_request_error(m, "duplicate");
	variant(m, sizeof(m), "\"ttl\":300,", "\"ttl\":300,\"ttl\":300,");
	expect_request_error(m, "duplicate");
	variant(m, sizeof(m), "\"algorithm\":2,", "\"algorithm\":2,\"algorithm\":2,");
	expect_request_error(m, "duplicate");
}

static void
trigger_request_rejects_unknown_keys(void **state)
{
	char m[2048];

	(void)state;
	variant(m, sizeof(m), "\"cookie\":42,", "\"cookie\":42,\"x\":1,");
	expect_request_error(m, "request: unknown key \"x\"");
	variant(m, sizeof(m), "\"ttl\":300,", "\"ttl\":300,\"extra\":1,");
	expect_request_error(m, "ipseckey: unknown key \"extra\"");
	variant(m, sizeof(m), "\"precedence\":10,", "\"precedence\":10,\"y\":0,");
	expect_request_error(m, "records[0]: unknown key \"y\"");
}

static void
trigger_request_rejects_missing_and_mistyped_fields(void **state)
{
	char m[2048];

	(void)state;
	variant(m, sizeof(m), "\"type\":\"trigger\"", "\"type\":\"status\"");
	expect_request_error(m, "type \"status\" unknown");
	variant(m, sizeof(m), "\"cookie\":42", "\"cookie\":\"42\"");
	expect_request_error(m, "\"cookie\" must be an integer");
	variant(m, sizeof(m), "\"cookie\":42", "\"cookie\":-1");
	expect_request_error(m, "outside");
	variant(m, sizeof(m), "\"cookie\":42", "\"cookie\":42.0");
	expect_request_error(m, "must be an integer");
	variant(m, sizeof(m), "\"cookie\":42", "\"cookie\":18446744073709551615");
	expect_request_error(m, "invalid JSON");
	variant(m, sizeof(m), "\"addr_ttl\":300,", "");
	expect_request_error(m, "missing \"addr_ttl\"");
	variant(m, sizeof(m), "\"addr_ttl\":300", "\"addr_ttl\":2147483648");
	expect_request_error(m, "outside");
	variant(m, sizeof(m), "\"qtype\":\"A\"", "\"qtype\":\"MX\"");
	expect_request_error(m, "neither A nor AAAA");
	variant(m, sizeof(m), "\"qtype\":\"A\"", "\"qtype\":1");
	expect_request_error(m, "must be a string");
	variant(m, sizeof(m), "\"addrs\":[\"198.51.100.2\"]", "\"addrs\":\"198.51.100.2\"");
	expect_request_error(m, "addrs must be an array");
	variant(m, sizeof(m), "\"ipseckey\":{", "\"ipseckey\":[],\"z\":{");
	expect_request_error(m, "unknown key");
	variant(m, sizeof(m), ",\"ipseckey\":{\"secure\"", ",\"zz\":{\"secure\"");
	expect_request_error(m, "unknown key \"zz\"");
}

static void
trigger_request_rejects_bad_names(void **state)
{
	char m[2048], name[300];
	size_t i;

	(void)state;
	variant(m, sizeof(m), "east.oe.test.", "east.oe.test");
	expect_request_error(m, "not absolute");
	variant(m, sizeof(m), "east.oe.test.", "east..test.");
	expect_request_error(m, "empty label");
	variant(m, sizeof(m), "\"east.oe.test.\"", "\"\"");
	expect_request_error(m, "empty domain name");
	variant(m, sizeof(m), "east.oe.test.", "ea st.");
	expect_request_error(m, "must be escaped");
	/* 128 labels "a." = 256 wire octets + root */
	for (i = 0; i < 256; i += 2) {
		name[i] = 'a';
		name[i + 1] = '.';
	}
	name[256] = '\0';
	variant(m, sizeof(m), "east.oe.test.", name);
	expect_request_error(m, "longer than 255");
}

static void
trigger_request_rejects_bad_address_lists(void **state)
{
	char m[4096], list[2048];
	size_t o = 0;
	int i;

	(void)state;
	variant(m, sizeof(m), "[\"198.51.100.2\"]", "[]");
	expect_request_error(m, "1..32");
	variant(m, sizeof(m), "[\"198.51.100.2\"]", "[\"2001:db8::1\"]");
	expect_request_error(m, "addrs[0]");
	variant(m, sizeof(m), "[\"198.51.100.2\"]", "[\"198.51.100.2\",\"198.51.100.2\"]");
	expect_request_error(m, "addrs[1] repeats addrs[0]");
	variant(m, sizeof(m), "[\"198.51.100.2\"]", "[\"198.51.100.02\"]");
	expect_request_error(m, "leading zero");
	variant(m, sizeof(m), "[\"198.51.100.2\"]", "[1]");
	expect_request_error(m, "addrs[0] must be a string");
	variant(m, sizeof(m), "\"qtype\":\"A\"", "\"qtype\":\"AAAA\"");
	expect_request_error(m, "is not an IPv6 address");
	list[o++] = '[';
	for (i = 0; i < 33; i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s\"10.0.0.%d\"",
		    i ? "," : "", i + 1);
	list[o++] = ']';
	list[o] = '\0';
	variant(m, sizeof(m), "[\"198.51.100.2\"]", list);
	expect_request_error(m, "1..32");
}

static void
trigger_request_rejects_bad_ipseckey_sets(void **state)
{
	char m[4096], recs[4096];
	size_t o = 0;
	int i;

	(void)state;
	variant(m, sizeof(m), "\"secure\":true", "\"secure\":false");
	expect_request_error(m, "secure must be true");
	variant(m, sizeof(m), "\"secure\":true", "\"secure\":1");
	expect_request_error(m, "\"secure\" must be true or false");
	variant(m, sizeof(m), "1702592000", "1700000000");
	expect_request_error(m, "before rrsig_expiration");
	variant(m, sizeof(m), "\"rrsig_inception\":1700000000", "\"rrsig_inception\":-5");
	expect_request_error(m, "outside");
	variant(m, sizeof(m), "\"ttl\":300", "\"ttl\":-1");
	expect_request_error(m, "outside");
	variant(m, sizeof(m), "\"records\":[{", "\"records\":[],\"q\":[{");
	expect_request_error(m, "unknown key");
	variant(m, sizeof(m), "\"gateway_type\":1", "\"gateway_type\":4");
	expect_request_error(m, "outside 0..3");
	variant(m, sizeof(m), "\"gateway_type\":1", "\"gateway_type\":2");
	expect_request_error(m, "records[0]: gateway");
	variant(m, sizeof(m), "\"gateway_type\":1", "\"gateway_type\":0");
	expect_request_error(m, "gateway must be null");
	variant(m, sizeof(m), "\"gateway_type\":1", "\"gateway_type\":3");
	expect_request_error(m, "not absolute");
	variant(m, sizeof(m), "\"gateway\":\"198.51.100.2\"", "\"gateway\":null");
	expect_request_error(m, "must be a string");
	variant(m, sizeof(m), "\"algorithm\":2", "\"algorithm\":256");
	expect_request_error(m, "outside 0..255");
	variant(m, sizeof(m), "\"algorithm\":2", "\"algorithm\":0");
	expect_request_error(m, "algorithm 0 (no key)");
	variant(m, sizeof(m), KEY_B64, "AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4A");
	expect_request_error(m, "not valid base64");
	variant(m, sizeof(m), KEY_B64, "");
	expect_request_error(m, "empty key");
	/* nine records */
	recs[o++] = '[';
	for (i = 0; i < 9; i++)
		o += (size_t)snprintf(recs + o, sizeof(recs) - o,
		    "%s{\"precedence\":%d,\"gateway_type\":0,\"gateway\":null,"
		    "\"algorithm\":4,\"key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}",
		    i ? "," : "", i);
	recs[o++] = ']';
	recs[o] = '\0';
	variant(m, sizeof(m), "[{\"precedence\":10,\"gateway_type\":1,\"gateway\":"
	    "\"198.51.100.2\",\"algorithm\":2,\"key\":\"" KEY_B64 "\"}]", recs);
	expect_request_error(m, "1..8");
}

static void
trigger_request_decode_error_keeps_cookie_for_reply(void **state)
{
	static struct oe_trigger_request req;
	char m[2048], err[256];

	(void)state;
	variant(m, sizeof(m), "\"addr_ttl\":300", "\"addr_ttl\":\"x\"");
	assert_int_equal(oe_trigger_request_decode(&req, m, strlen(m), err,
	    sizeof(err)), -1);
	assert_true(req.has_cookie);
	assert_int_equal(req.cookie, 42);
	assert_int_equal(req.naddrs, 0);	/* nothing else survives */
	assert_string_equal(req.name, "");
	variant(m, sizeof(m), "\"cookie\":42", "\"cookie\":\"42\"");
	assert_int_equal(oe_trigger_request_decode(&req, m, strlen(m), err,
	    sizeof(err)), -1);
	assert_false(req.has_cookie);
}

static void
trigger_request_encode_refuses_invalid_structs(void **state)
{
	static struct oe_trigger_request req, good;
	char buf[OE_TRIGGER_MSG_MAX], err[256];

	(void)state;
	assert_int_equal(oe_trigger_request_decode(&good, spec_example,
	    strlen(spec_example), err, sizeof(err)), 0);
	req = good;
	req.naddrs = 0;
	assert_int_equal(oe_trigger_request_encode(&req, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	req = good;
	req.cookie = (uint64_t)INT64_MAX + 1;
	assert_int_equal(oe_trigger_request_encode(&req, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	req = good;
	req.qtype = 5;
	assert_int_equal(oe_trigger_request_encode(&req, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	req = good;
	req.qtype = OE_QTYPE_AAAA;	/* IPv4 address with AAAA */
	assert_int_equal(oe_trigger_request_encode(&req, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	req = good;
	req.ipseckey.secure = false;
	assert_int_equal(oe_trigger_request_encode(&req, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	req = good;
	req.ipseckey.nrecords = 0;
	assert_int_equal(oe_trigger_request_encode(&req, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	req = good;
	req.name_wire_len = 0;
	strcpy(req.name, "relative");
	assert_int_equal(oe_trigger_request_encode(&req, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	/* too small a buffer */
	assert_int_equal(oe_trigger_request_encode(&good, buf, 50, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "exceeds the buffer"));
}

static void
trigger_request_encode_refuses_over_16384_octets(void **state)
{
	static struct oe_trigger_request req;
	static char buf[65536];
	char err[256];
	size_t i;

	(void)state;
	assert_int_equal(oe_trigger_request_decode(&req, spec_example,
	    strlen(spec_example), err, sizeof(err)), 0);
	req.ipseckey.nrecords = OE_TRIGGER_RECORDS_MAX;
	for (i = 0; i < OE_TRIGGER_RECORDS_MAX; i++) {
		req.ipseckey.records[i] = req.ipseckey.records[0];
		req.ipseckey.records[i].key_len = OE_IPSECKEY_KEY_MAX;
		memset(req.ipseckey.records[i].key, 0x55, OE_IPSECKEY_KEY_MAX);
	}
	assert_int_equal(oe_trigger_request_encode(&req, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "exceeds 16384"));
	/* eight 2048-bit keys still fit */
	for (i = 0; i < OE_TRIGGER_RECORDS_MAX; i++)
		req.ipseckey.records[i].key_len = 260;
	assert_true(oe_trigger_request_encode(&req, buf, sizeof(buf), err,
	    sizeof(err)) > 0);
}

static void
trigger_reply_round_trips_every_status(void **state)
{
	static const char *const want[] = {
		"{\"v\":1,\"cookie\":7,\"status\":\"up\",\"sa_lifetime\":3600}",
		"{\"v\":1,\"cookie\":7,\"status\":\"clear\"}",
		"{\"v\":1,\"cookie\":7,\"status\":\"failed\"}",
		"{\"v\":1,\"cookie\":7,\"status\":\"busy\"}",
		"{\"v\":1,\"cookie\":7,\"status\":\"error\",\"error\":\"no \\u00fcber key\"}",
	};
	struct oe_trigger_reply rep, rep2;
	char buf[512], err[256];
	int st;
	ssize_t n;

	(void)state;
	for (st = OE_TRIGGER_UP; st <= OE_TRIGGER_ERROR; st++) {
		memset(&rep, 0, sizeof(rep));
		rep.cookie = 7;
		rep.status = (enum oe_trigger_status)st;
		if (st == OE_TRIGGER_UP)
			rep.sa_lifetime = 3600;
		if (st == OE_TRIGGER_ERROR)
			oe_trigger_reply_set_error(&rep, 7, "no \xc3\xbc" "ber key");
		n = oe_trigger_reply_encode(&rep, buf, sizeof(buf), err,
		    sizeof(err));
		assert_true(n > 0);
		assert_int_equal(oe_trigger_reply_decode(&rep2, buf, (size_t)n,
		    err, sizeof(err)), 0);
		assert_true(rep2.has_cookie);
		rep.has_cookie = true;
		assert_memory_equal(&rep, &rep2, sizeof(rep));
		/* and the documented spelling decodes to the same */
		assert_int_equal(oe_trigger_reply_decode(&rep2, want[st],
		    strlen(want[st]), err, sizeof(err)), 0);
		assert_memory_equal(&rep, &rep2, sizeof(rep));
	}
	assert_string_equal(oe_trigger_status_name(OE_TRIGGER_BUSY), "busy");
	assert_null(oe_trigger_status_name((enum oe_trigger_status)99));
}

static void
trigger_reply_rejects_inconsistent_fields(void **state)
{
	char longtext[400];

	(void)state;
	expect_reply_error("{\"v\":1,\"cookie\":7,\"status\":\"up\"}",
	    "missing \"sa_lifetime\"");
	expect_reply_error("{\"v\":1,\"cookie\":7,\"status\":\"clear\",\"sa_lifetime\":5}",
	    "only with status \"up\"");
	expect_reply_error("{\"v\":1,\"cookie\":7,\"status\":\"error\"}",
	    "missing \"error\"");
	expect_reply_error("{\"v\":1,\"cookie\":7,\"status\":\"up\",\"sa_lifetime\":5,"
	    "\"error\":\"x\"}", "only with status \"error\"");
	expect_reply_error("{\"v\":1,\"cookie\":7,\"status\":\"error\",\"error\":\"\"}",
	    "1..255");
	expect_reply_error("{\"v\":1,\"cookie\":7,\"status\":\"error\",\"error\":\"a\\nb\"}",
	    "control");
	expect_reply_error("{\"v\":1,\"cookie\":7,\"status\":\"done\"}",
	    "status \"done\" unknown");
	expect_reply_error("{\"v\":1,\"status\":\"busy\"}", "missing \"cookie\"");
	expect_reply_error("{\"v\":1,\"cookie\":7,\"status\":\"busy\",\"type\":\"x\"}",
	    "unknown key \"type\"");
	expect_reply_error("{\"v\":1,\"cookie\":7,\"status\":\"up\",\"sa_lifetime\":-1}",
	    "outside");
	{
		static const char head[] =
		    "{\"v\":1,\"cookie\":7,\"status\":\"error\",\"error\":\"";
		size_t h = strlen(head);

		memset(longtext, 'e', sizeof(longtext));
		memcpy(longtext, head, h);
		memcpy(longtext + h + 256, "\"}", 3);	/* 256 octets of text */
	}
	expect_reply_error(longtext, "longer than 255");
}

static void
trigger_reply_set_error_truncates_on_utf8_boundary(void **state)
{
	struct oe_trigger_reply rep;
	char text[600], buf[1024], err[256];
	size_t i;

	(void)state;
	/* 127 two-octet characters fill 254 octets; the 128th does not fit */
	for (i = 0; i < 300; i += 2)
		memcpy(text + i, "\xc3\xa9", 2);
	text[300] = '\0';
	oe_trigger_reply_set_error(&rep, 9, text);
	assert_int_equal(strlen(rep.error), 254);
	assert_int_equal(rep.status, OE_TRIGGER_ERROR);
	assert_int_equal(rep.cookie, 9);
	assert_true(oe_trigger_reply_encode(&rep, buf, sizeof(buf), err,
	    sizeof(err)) > 0);
	/* broken UTF-8 and control characters are replaced, not sent */
	oe_trigger_reply_set_error(&rep, 9, "bad\xc3 line\nend\x7f");
	assert_string_equal(rep.error, "bad? line end ");
	assert_true(oe_trigger_reply_encode(&rep, buf, sizeof(buf), err,
	    sizeof(err)) > 0);
	oe_trigger_reply_set_error(&rep, 9, "");
	assert_string_equal(rep.error, "unspecified error");
	oe_trigger_reply_set_error(&rep, 9, NULL);
	assert_string_equal(rep.error, "unspecified error");
}

static void
trigger_reply_encode_refuses_invalid_structs(void **state)
{
	struct oe_trigger_reply rep;
	char buf[512], err[256];

	(void)state;
	memset(&rep, 0, sizeof(rep));
	rep.status = OE_TRIGGER_CLEAR;
	rep.sa_lifetime = 5;
	assert_int_equal(oe_trigger_reply_encode(&rep, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	rep.sa_lifetime = 0;
	strcpy(rep.error, "x");
	assert_int_equal(oe_trigger_reply_encode(&rep, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	memset(&rep, 0, sizeof(rep));
	rep.status = OE_TRIGGER_ERROR;		/* no text */
	assert_int_equal(oe_trigger_reply_encode(&rep, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	strcpy(rep.error, "bad\xff");
	assert_int_equal(oe_trigger_reply_encode(&rep, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	rep.status = (enum oe_trigger_status)17;
	assert_int_equal(oe_trigger_reply_encode(&rep, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	memset(&rep, 0, sizeof(rep));
	rep.status = OE_TRIGGER_BUSY;
	assert_int_equal(oe_trigger_reply_encode(&rep, buf, 10, err,
	    sizeof(err)), -1);
	assert_int_equal(oe_trigger_reply_encode(&rep, buf, sizeof(buf), err,
	    sizeof(err)), strlen("{\"v\":1,\"cookie\":0,\"status\":\"busy\"}"));
}

static void
trigger_qtype_names_map_both_ways(void **state)
{
	(void)state;
	assert_int_equal(oe_trigger_qtype_from_name("A"), OE_QTYPE_A);
	assert_int_equal(oe_trigger_qtype_from_name("AAAA"), OE_QTYPE_AAAA);
	assert_int_equal(oe_trigger_qtype_from_name("a"), 0);
	assert_int_equal(oe_trigger_qtype_from_name(NULL), 0);
	assert_string_equal(oe_trigger_qtype_name(OE_QTYPE_AAAA), "AAAA");
	assert_null(oe_trigger_qtype_name(15));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trigger_request_decodes_spec_example),
		cmocka_unit_test(trigger_request_round_trips_byte_for_byte),
		cmocka_unit_test(trigger_request_without_ipseckey_round_trips),
		cmocka_unit_test(trigger_request_encode_prefers_wire_name),
		cmocka_unit_test(trigger_request_size_limit_applies_before_parsing),
		cmocka_unit_test(trigger_request_rejects_malformed_json),
		cmocka_unit_test(trigger_request_rejects_duplicate_keys_at_every_level),
		cmocka_unit_test(trigger_request_rejects_unknown_keys),
		cmocka_unit_test(trigger_request_rejects_missing_and_mistyped_fields),
		cmocka_unit_test(trigger_request_rejects_bad_names),
		cmocka_unit_test(trigger_request_rejects_bad_address_lists),
		cmocka_unit_test(trigger_request_rejects_bad_ipseckey_sets),
		cmocka_unit_test(trigger_request_decode_error_keeps_cookie_for_reply),
		cmocka_unit_test(trigger_request_encode_refuses_invalid_structs),
		cmocka_unit_test(trigger_request_encode_refuses_over_16384_octets),
		cmocka_unit_test(trigger_reply_round_trips_every_status),
		cmocka_unit_test(trigger_reply_rejects_inconsistent_fields),
		cmocka_unit_test(trigger_reply_set_error_truncates_on_utf8_boundary),
		cmocka_unit_test(trigger_reply_encode_refuses_invalid_structs),
		cmocka_unit_test(trigger_qtype_names_map_both_ways),
	};

	return cmocka_run_group_tests_name("trigger", tests, NULL, NULL);
}
