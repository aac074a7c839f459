/*
 * Unit tests: building a trigger request from answer RDATA, its
 * encoder, and the reply decoder.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "oeu_request.h"

/* east.oe.test. */
static const uint8_t east[] = { 4, 'e', 'a', 's', 't', 2, 'o', 'e',
    4, 't', 'e', 's', 't', 0 };

/* IPSECKEY RDATA: prec 10, IPv4 gateway 198.51.100.2, RSA 1024-bit key. */
static size_t
rsa_rdata(uint8_t *rd)
{
	size_t n = 0;

	rd[n++] = 10; rd[n++] = 1; rd[n++] = 2;
	rd[n++] = 198; rd[n++] = 51; rd[n++] = 100; rd[n++] = 2;
	rd[n++] = 3; rd[n++] = 1; rd[n++] = 0; rd[n++] = 1;	/* e=65537 */
	rd[n++] = 0xc5;
	memset(rd + n, 0x5a, 126);
	n += 126;
	rd[n++] = 0x01;						/* odd */
	return n;
}

/* IPSECKEY RDATA: prec 20, no gateway, Ed25519 key. */
static size_t
ed_rdata(uint8_t *rd)
{
	rd[0] = 20; rd[1] = 0; rd[2] = 4;
	memset(rd + 3, 0x42, 32);
	return 35;
}

static struct oe_trigger_request *
new_request(uint16_t qtype)
{
	struct oe_trigger_request *req = malloc(sizeof(*req));

	assert_non_null(req);
	assert_true(oeu_request_init(req, 42, east, sizeof(east), qtype, 300));
	return req;
}

static json_t *
encode_and_load(struct oe_trigger_request *req)
{
	char buf[OE_TRIGGER_MSG_MAX];
	char err[128];
	ssize_t len;
	json_t *root;

	len = oeu_request_encode(req, buf, sizeof(buf), err, sizeof(err));
	assert_true(len > 0);
	root = json_loadb(buf, (size_t)len, 0, NULL);
	assert_non_null(root);
	return root;
}

static void
request_encodes_keyed_trigger_fields(void **state)
{
	static const uint8_t a[] = { 198, 51, 100, 2 };
	struct oe_trigger_request *req = new_request(OE_QTYPE_A);
	uint8_t rd[200];
	size_t rdlen = rsa_rdata(rd);
	char err[128], *b64;
	json_t *root, *ipk, *rec;

	assert_true(oeu_request_add_addr(req, a, sizeof(a)));
	assert_true(oeu_request_add_ipseckey(req, rd, rdlen, err, sizeof(err)));
	req->ipseckey.ttl = 300;
	req->ipseckey.rrsig_inception = 1700000000;
	req->ipseckey.rrsig_expiration = 1702592000;
	root = encode_and_load(req);

	assert_int_equal(json_integer_value(json_object_get(root, "v")), 1);
	assert_string_equal(json_string_value(json_object_get(root, "type")),
	    "trigger");
	assert_int_equal(json_integer_value(json_object_get(root, "cookie")),
	    42);
	assert_string_equal(json_string_value(json_object_get(root, "name")),
	    "east.oe.test.");
	assert_string_equal(json_string_value(json_object_get(root, "qtype")),
	    "A");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(root, "addrs"), 0)), "198.51.100.2");
	assert_int_equal(json_integer_value(json_object_get(root, "addr_ttl")),
	    300);
	ipk = json_object_get(root, "ipseckey");
	assert_true(json_is_true(json_object_get(ipk, "secure")));
	assert_int_equal(json_integer_value(json_object_get(ipk, "ttl")), 300);
	assert_int_equal(json_integer_value(json_object_get(ipk,
	    "rrsig_inception")), 1700000000);
	assert_int_equal(json_integer_value(json_object_get(ipk,
	    "rrsig_expiration")), 1702592000);
	assert_int_equal(json_array_size(json_object_get(ipk, "records")), 1);
	rec = json_array_get(json_object_get(ipk, "records"), 0);
	assert_int_equal(json_integer_value(json_object_get(rec,
	    "precedence")), 10);
	assert_int_equal(json_integer_value(json_object_get(rec,
	    "gateway_type")), 1);
	assert_string_equal(json_string_value(json_object_get(rec, "gateway")),
	    "198.51.100.2");
	assert_int_equal(json_integer_value(json_object_get(rec, "algorithm")),
	    2);
	/* the key field is the RDATA after the gateway, base64 */
	b64 = strdup(json_string_value(json_object_get(rec, "key")));
	assert_non_null(b64);
	assert_int_equal(strncmp(b64, "AwEAAcVa", 8), 0);
	assert_int_equal(strlen(b64), 4 * ((rdlen - 7 + 2) / 3));
	free(b64);
	json_decref(root);
	free(req);
}

static void
request_encodes_null_ipseckey_and_null_gateway(void **state)
{
	static const uint8_t a[] = { 198, 51, 100, 3 };
	struct oe_trigger_request *req = new_request(OE_QTYPE_A);
	uint8_t rd[64];
	char err[128];
	json_t *root, *rec;

	assert_true(oeu_request_add_addr(req, a, sizeof(a)));
	root = encode_and_load(req);
	assert_true(json_is_null(json_object_get(root, "ipseckey")));
	json_decref(root);

	assert_true(oeu_request_add_ipseckey(req, rd, ed_rdata(rd), err,
	    sizeof(err)));
	req->ipseckey.rrsig_inception = 1;
	req->ipseckey.rrsig_expiration = 2;
	root = encode_and_load(req);
	rec = json_array_get(json_object_get(json_object_get(root, "ipseckey"),
	    "records"), 0);
	assert_true(json_is_null(json_object_get(rec, "gateway")));
	assert_int_equal(json_integer_value(json_object_get(rec, "algorithm")),
	    4);
	json_decref(root);
	free(req);
}

static void
request_encodes_aaaa_addresses(void **state)
{
	struct oe_trigger_request *req = new_request(OE_QTYPE_AAAA);
	uint8_t v6[16];
	json_t *root, *addrs;

	assert_int_equal(inet_pton(AF_INET6, "2001:db8::2", v6), 1);
	assert_true(oeu_request_add_addr(req, v6, sizeof(v6)));
	v6[15] = 3;
	assert_true(oeu_request_add_addr(req, v6, sizeof(v6)));
	/* an A-sized RDATA in an AAAA request is refused */
	assert_false(oeu_request_add_addr(req, v6, 4));
	root = encode_and_load(req);
	assert_string_equal(json_string_value(json_object_get(root, "qtype")),
	    "AAAA");
	addrs = json_object_get(root, "addrs");
	assert_int_equal(json_array_size(addrs), 2);
	assert_string_equal(json_string_value(json_array_get(addrs, 1)),
	    "2001:db8::3");
	json_decref(root);
	free(req);
}

static void
request_refuses_no_address_and_bounds_lists(void **state)
{
	uint8_t a[] = { 198, 51, 100, 2 };
	struct oe_trigger_request *req = new_request(OE_QTYPE_A);
	char buf[OE_TRIGGER_MSG_MAX], err[128];
	uint8_t rd[64];
	size_t rdlen = ed_rdata(rd);

	assert_int_equal(oeu_request_encode(req, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	for (int i = 0; i < OE_TRIGGER_ADDRS_MAX; i++) {
		a[3] = (uint8_t)(10 + i);
		assert_true(oeu_request_add_addr(req, a, sizeof(a)));
	}
	a[3] = 200;
	assert_false(oeu_request_add_addr(req, a, sizeof(a)));
	assert_int_equal(req->naddrs, OE_TRIGGER_ADDRS_MAX);
	for (int i = 0; i < OE_TRIGGER_RECORDS_MAX; i++)
		assert_true(oeu_request_add_ipseckey(req, rd, rdlen, err,
		    sizeof(err)));
	assert_false(oeu_request_add_ipseckey(req, rd, rdlen, err,
	    sizeof(err)));
	/* a key set whose RRSIG window is empty is not sent */
	assert_int_equal(oeu_request_encode(req, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	free(req);
}

static void
request_keeps_best_precedence_records_that_fit_16k(void **state)
{
	static const uint8_t a[] = { 198, 51, 100, 2 };
	struct oe_trigger_request *req = new_request(OE_QTYPE_A);
	char *buf = malloc(4 * OE_TRIGGER_MSG_MAX);
	char err[128];
	uint8_t rd[OE_IPSECKEY_RDATA_MAX];
	size_t n = 0, nrec;
	ssize_t len;
	json_t *root, *recs;

	assert_non_null(buf);
	assert_true(oeu_request_add_addr(req, a, sizeof(a)));
	/* RSA 8192-bit key with a 1024-octet exponent (long form), no
	 * gateway: 2051 octets, 8 of them exceed 16 KiB as base64 */
	rd[n++] = 0; rd[n++] = 0; rd[n++] = 2;
	rd[n++] = 0; rd[n++] = 0x04; rd[n++] = 0x00;
	rd[n++] = 0xc1;
	memset(rd + n, 0x77, 1022);
	n += 1022;
	rd[n++] = 0x03;
	rd[n++] = 0xc1;
	memset(rd + n, 0x77, 1022);
	n += 1022;
	rd[n++] = 0x03;
	/* added in the order of precedence 80, 70, ..., 10 */
	for (int i = OE_TRIGGER_RECORDS_MAX; i > 0; i--) {
		rd[0] = (uint8_t)(10 * i);
		assert_true(oeu_request_add_ipseckey(req, rd, n, err,
		    sizeof(err)));
	}
	assert_int_equal(req->ipseckey.records[0].precedence, 10);
	assert_int_equal(req->ipseckey.records[7].precedence, 80);
	req->ipseckey.rrsig_inception = 1;
	req->ipseckey.rrsig_expiration = 2;
	len = oeu_request_encode(req, buf, 4 * OE_TRIGGER_MSG_MAX, err,
	    sizeof(err));
	assert_true(len > 0 && len <= OE_TRIGGER_MSG_MAX);
	nrec = req->ipseckey.nrecords;
	assert_true(nrec >= 1 && nrec < OE_TRIGGER_RECORDS_MAX);
	root = json_loadb(buf, (size_t)len, 0, NULL);
	assert_non_null(root);
	recs = json_object_get(json_object_get(root, "ipseckey"), "records");
	assert_int_equal(json_array_size(recs), nrec);
	/* the best ones survived, in order */
	for (size_t i = 0; i < nrec; i++)
		assert_int_equal(json_integer_value(json_object_get(
		    json_array_get(recs, i), "precedence")), 10 * (i + 1));
	json_decref(root);
	/* a buffer too small even for one record is refused */
	assert_int_equal(oeu_request_encode(req, buf, 64, err, sizeof(err)),
	    -1);
	free(buf);
	free(req);
}

static void
request_skips_repeated_addresses(void **state)
{
	static const uint8_t a[] = { 198, 51, 100, 2 };
	static const uint8_t b[] = { 198, 51, 100, 3 };
	struct oe_trigger_request *req = new_request(OE_QTYPE_A);

	assert_true(oeu_request_add_addr(req, a, sizeof(a)));
	assert_true(oeu_request_add_addr(req, b, sizeof(b)));
	assert_true(oeu_request_add_addr(req, a, sizeof(a)));
	assert_int_equal(req->naddrs, 2);
	free(req);
}

static void
request_init_rejects_bad_name_qtype_and_cookie(void **state)
{
	static const uint8_t trunc[] = { 4, 'e', 'a' };
	static const uint8_t ptr[] = { 0xc0, 0x0c };
	struct oe_trigger_request *req = malloc(sizeof(*req));

	assert_non_null(req);
	assert_false(oeu_request_init(req, 1, trunc, sizeof(trunc),
	    OE_QTYPE_A, 1));
	assert_false(oeu_request_init(req, 1, ptr, sizeof(ptr), OE_QTYPE_A, 1));
	/* trailing octets after the root label */
	assert_false(oeu_request_init(req, 1, east, sizeof(east) - 1,
	    OE_QTYPE_A, 1));
	assert_false(oeu_request_init(req, 1, east, sizeof(east), 16, 1));
	assert_false(oeu_request_init(req, (uint64_t)INT64_MAX + 1, east,
	    sizeof(east), OE_QTYPE_A, 1));
	free(req);
}

static void
ipseckey_record_rejects_malformed_and_unusable(void **state)
{
	static const uint8_t trunc_gw[] = { 10, 1, 2, 198, 51, 100 };
	static const uint8_t bad_type[] = { 10, 7, 2, 1, 2, 3, 4 };
	static const uint8_t alg0[] = { 10, 0, 0 };
	static const uint8_t alg9[] = { 10, 0, 9, 1, 2, 3, 4 };
	static const uint8_t short_ed[] = { 10, 0, 4, 1, 2, 3, 4 };
	struct oe_trigger_request *req = new_request(OE_QTYPE_A);
	char err[128];

	assert_false(oeu_request_add_ipseckey(req, trunc_gw, sizeof(trunc_gw),
	    err, sizeof(err)));
	assert_false(oeu_request_add_ipseckey(req, bad_type, sizeof(bad_type),
	    err, sizeof(err)));
	assert_false(oeu_request_add_ipseckey(req, alg0, sizeof(alg0), err,
	    sizeof(err)));
	assert_false(oeu_request_add_ipseckey(req, alg9, sizeof(alg9), err,
	    sizeof(err)));
	assert_false(oeu_request_add_ipseckey(req, short_ed, sizeof(short_ed),
	    err, sizeof(err)));
	assert_int_equal(req->ipseckey.nrecords, 0);
	assert_false(req->ipseckey.present);
	free(req);
}

static void
rrsig_times_read_and_bounded(void **state)
{
	uint8_t rd[OEU_RRSIG_FIXED + 1] = { 0, 45, 13, 3, 0, 0, 1, 44,
	    0x65, 0x77, 0x6e, 0x00,	/* expiration 1702325760 */
	    0x65, 0x4f, 0xe1, 0x00 };	/* inception 1699734784 */
	uint32_t inc = 0, exp = 0;

	assert_true(oeu_rrsig_times(rd, sizeof(rd), &inc, &exp));
	assert_int_equal(exp, 0x65776e00u);
	assert_int_equal(inc, 0x654fe100u);
	assert_false(oeu_rrsig_times(rd, OEU_RRSIG_FIXED - 1, &inc, &exp));
}

static void
serial_time_maps_to_nearest_unix_time(void **state)
{
	time_t now = 1700000000;

	assert_int_equal(oeu_serial_to_unix(1700000100u, now), 1700000100);
	assert_int_equal(oeu_serial_to_unix(1699999000u, now), 1699999000);
	/* after 2106 the 32-bit field wraps; the mapping does not */
	now = (time_t)0xfffffff0;
	assert_int_equal(oeu_serial_to_unix(0x10u, now),
	    (int64_t)0x100000010);
}

static void
reply_decodes_up_busy_and_error(void **state)
{
	static const char up[] =
	    "{\"v\":1,\"cookie\":7,\"status\":\"up\",\"sa_lifetime\":3600}";
	static const char busy[] = "{\"v\":1,\"cookie\":8,\"status\":\"busy\"}";
	static const char error[] =
	    "{\"v\":1,\"cookie\":9,\"status\":\"error\",\"error\":\"no\"}";
	struct oe_trigger_reply rep;
	char err[128];

	assert_int_equal(oeu_reply_decode(&rep, up, strlen(up), err,
	    sizeof(err)), 0);
	assert_int_equal(rep.cookie, 7);
	assert_int_equal(rep.status, OE_TRIGGER_UP);
	assert_int_equal(rep.sa_lifetime, 3600);
	assert_int_equal(oeu_reply_decode(&rep, busy, strlen(busy), err,
	    sizeof(err)), 0);
	assert_int_equal(rep.cookie, 8);
	assert_int_equal(rep.status, OE_TRIGGER_BUSY);
	assert_int_equal(oeu_reply_decode(&rep, error, strlen(error), err,
	    sizeof(err)), 0);
	assert_int_equal(rep.status, OE_TRIGGER_ERROR);
	assert_string_equal(rep.error, "no");
}

static void
reply_rejects_malformed_messages(void **state)
{
	static const char *bad[] = {
		"not json",
		"[1,2]",
		"{\"v\":2,\"cookie\":1,\"status\":\"up\",\"sa_lifetime\":1}",
		"{\"v\":1,\"status\":\"clear\"}",
		"{\"v\":1,\"cookie\":-1,\"status\":\"clear\"}",
		"{\"v\":1,\"cookie\":1,\"status\":\"maybe\"}",
		"{\"v\":1,\"cookie\":1,\"status\":\"up\"}",
		"{\"v\":1,\"cookie\":1,\"status\":\"up\",\"sa_lifetime\":-5}",
		"{\"v\":1,\"cookie\":1,\"cookie\":2,\"status\":\"clear\"}",
	};
	static const char ok[] = "{\"v\":1,\"cookie\":1,\"status\":\"clear\"}";
	struct oe_trigger_reply rep;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(oeu_reply_decode(&rep, bad[i], strlen(bad[i]),
		    err, sizeof(err)), -1);
	/* a length that cuts a valid message short is malformed */
	assert_int_equal(oeu_reply_decode(&rep, ok, 20, err, sizeof(err)), -1);
	assert_int_equal(oeu_reply_decode(&rep, ok, strlen(ok), err,
	    sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_encodes_keyed_trigger_fields),
		cmocka_unit_test(request_encodes_null_ipseckey_and_null_gateway),
		cmocka_unit_test(request_encodes_aaaa_addresses),
		cmocka_unit_test(request_refuses_no_address_and_bounds_lists),
		cmocka_unit_test(request_keeps_best_precedence_records_that_fit_16k),
		cmocka_unit_test(request_skips_repeated_addresses),
		cmocka_unit_test(request_init_rejects_bad_name_qtype_and_cookie),
		cmocka_unit_test(ipseckey_record_rejects_malformed_and_unusable),
		cmocka_unit_test(rrsig_times_read_and_bounded),
		cmocka_unit_test(serial_time_maps_to_nearest_unix_time),
		cmocka_unit_test(reply_decodes_up_busy_and_error),
		cmocka_unit_test(reply_rejects_malformed_messages),
	};

	return cmocka_run_group_tests_name("oe-unbound trigger request", tests,
	    NULL, NULL);
}
