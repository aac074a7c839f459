/*
 * Hostile-input tests for oe-ipseckey's parsers: TSIG key files, public
 * key exchange files, numbers and durations, zone files (errors name
 * file:line, nothing is written half-way), zone editing and signing,
 * and the DNS UPDATE message.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "ipk_record.h"
#include "ipk_tsig.h"
#include "ipk_update.h"
#include "ipk_util.h"
#include "ipk_zone.h"
#include "ipk_test_util.h"

#define SECRET32 "YpOcjmEQ8ty1BbCgsU7Nsn/gEvgZz+fNFJEgC02WGBY="

/* Parse `text` as a TSIG file; returns the captured log (caller frees). */
static char *
tsig_try(const char *text, bool want_ok, struct ipk_tsig *t)
{
	char *log;
	bool ok;

	tu_capture_begin();
	ok = ipk_tsig_parse_buf("k.conf", text, t);
	log = tu_capture_end();
	assert_int_equal(ok, want_ok);
	return log;
}

static void
tsig_bind_form_parses(void **state)
{
	struct ipk_tsig t;

	(void)state;
	free(tsig_try("# made by tsig-keygen\nkey \"oe-update\" {\n"
	    "\talgorithm hmac-sha256;\n\tsecret \"" SECRET32 "\";\n};\n",
	    true, &t));
	assert_string_equal(t.name, "oe-update.");
	assert_string_equal(t.algorithm, "hmac-sha256.");
	assert_string_equal(t.secret, SECRET32);
	ipk_tsig_clear(&t);
	assert_int_equal(t.secret[0], 0);
}

static void
tsig_knot_form_parses(void **state)
{
	struct ipk_tsig t;

	(void)state;
	free(tsig_try("# hmac-sha512:k1:" SECRET32 "\nkey:\n  - id: k1\n"
	    "    algorithm: hmac-sha512\n    secret: " SECRET32 "\n", true,
	    &t));
	assert_string_equal(t.name, "k1.");
	assert_string_equal(t.algorithm, "hmac-sha512.");
}

static void
tsig_one_line_form_parses_with_and_without_algorithm(void **state)
{
	struct ipk_tsig t;

	(void)state;
	free(tsig_try("hmac-sha384:key.name:" SECRET32 "\n", true, &t));
	assert_string_equal(t.algorithm, "hmac-sha384.");
	assert_string_equal(t.name, "key.name.");
	free(tsig_try("key.name:" SECRET32, true, &t));
	assert_string_equal(t.algorithm, "hmac-sha256.");
}

static void
tsig_rejects_unknown_algorithm_with_line(void **state)
{
	struct ipk_tsig t;
	char *log;

	(void)state;
	log = tsig_try("key \"k\" {\n algorithm hmac-sha3;\n secret \""
	    SECRET32 "\";\n};\n", false, &t);
	assert_non_null(strstr(log, "k.conf:2:"));
	assert_non_null(strstr(log, "hmac-sha3"));
	free(log);
}

static void
tsig_rejects_bad_base64_and_short_secret(void **state)
{
	struct ipk_tsig t;
	char *log;

	(void)state;
	log = tsig_try("key \"k\" {\n algorithm hmac-sha256;\n\n secret "
	    "\"not*base64\";\n};\n", false, &t);
	assert_non_null(strstr(log, "k.conf:4:"));
	free(log);
	log = tsig_try("k:c2hvcnQ=\n", false, &t);
	assert_non_null(strstr(log, "shorter than 16"));
	free(log);
	/* Secret wiped on failure. */
	assert_int_equal(t.secret[0], 0);
}

static void
tsig_rejects_truncated_and_repeated_clauses(void **state)
{
	struct ipk_tsig t;
	char *log;

	(void)state;
	free(tsig_try("key \"k\" {\n algorithm hmac-sha256;\n", false, &t));
	free(tsig_try("key \"k\" { algorithm hmac-sha256; algorithm "
	    "hmac-sha1; secret \"" SECRET32 "\"; };", false, &t));
	free(tsig_try("key \"k\" { algorithm hmac-sha256; secret \""
	    SECRET32 "\"; };\nkey \"j\" { };", false, &t));
	free(tsig_try("key \"k\" { secret \"" SECRET32 "\"; };", false, &t));
	log = tsig_try("key \"unterminated { };", false, &t);
	assert_non_null(strstr(log, "k.conf:1: expected the key name"));
	free(log);
	free(tsig_try("", false, &t));
	free(tsig_try("# only a comment\n", false, &t));
	free(tsig_try("a:b:c:d", false, &t));
	free(tsig_try("key:\n  - id: k\n    secret: " SECRET32 "\n", false,
	    &t));
	free(tsig_try("key \"bad..name\" { algorithm hmac-sha256; secret \""
	    SECRET32 "\"; };", false, &t));
}

static void
tsig_file_missing_names_the_path(void **state)
{
	struct ipk_tsig t;
	char *log;

	(void)state;
	tu_capture_begin();
	assert_false(ipk_tsig_parse_file("/nonexistent/oe.key", &t));
	log = tu_capture_end();
	assert_non_null(strstr(log, "/nonexistent/oe.key"));
	free(log);
}

/* --- public key files ---------------------------------------------- */

/* A valid P-256 key field: 64 octets of small coordinates. */
static char *
p256_b64(void)
{
	uint8_t k[64];

	memset(k, 0x11, sizeof(k));
	return ipk_b64_encode(k, sizeof(k));
}

static char *
pub_try(const char *text, bool want_ok, struct ipk_record *rec)
{
	char *log;
	bool ok;

	memset(rec, 0, sizeof(*rec));
	tu_capture_begin();
	ok = ipk_pubfile_parse_buf("east.pub", text, rec);
	log = tu_capture_end();
	assert_int_equal(ok, want_ok);
	return log;
}

static void
pubfile_parses_key_gateway_and_precedence(void **state)
{
	struct ipk_record rec;
	char *b64 = p256_b64(), *text;

	(void)state;
	assert_true(asprintf(&text, "# c\nalgorithm 3\nkey %s\ngateway "
	    "2001:db8::1\nprecedence 5\n", b64) > 0);
	free(pub_try(text, true, &rec));
	assert_int_equal(rec.key.algorithm, 3);
	assert_int_equal(rec.key.key_len, 64);
	assert_int_equal(rec.gateway_type, IPK_GW_IPV6);
	assert_string_equal(rec.gateway, "2001:db8::1");
	assert_int_equal(rec.precedence, 5);
	free(text);
	/* Round trip through the formatter. */
	text = ipk_pubfile_format(&rec.key, "east.oe.test.");
	free(pub_try(text, true, &rec));
	assert_int_equal(rec.gateway_type, IPK_GW_NONE);
	assert_int_equal(rec.precedence, 10);
	free(text);
	free(b64);
}

static void
pubfile_rejects_bad_lines_with_file_line(void **state)
{
	struct ipk_record rec;
	char *b64 = p256_b64(), *text, *log;

	(void)state;
	assert_true(asprintf(&text, "algorithm 3\nkey %s\ncolour blue\n",
	    b64) > 0);
	log = pub_try(text, false, &rec);
	assert_non_null(strstr(log, "east.pub:3: unknown keyword"));
	free(log);
	free(text);
	assert_true(asprintf(&text, "algorithm 3\n\ngateway 300.1.1.1\nkey "
	    "%s\n", b64) > 0);
	log = pub_try(text, false, &rec);
	assert_non_null(strstr(log, "east.pub:3:"));
	free(log);
	free(text);
	log = pub_try("algorithm 9\nkey AAAA\n", false, &rec);
	assert_non_null(strstr(log, "east.pub:1:"));
	free(log);
	log = pub_try("algorithm 3\nkey A===\n", false, &rec);
	assert_non_null(strstr(log, "east.pub:2:"));
	free(log);
	log = pub_try("algorithm 3\n", false, &rec);
	assert_non_null(strstr(log, "missing \"key\""));
	free(log);
	free(b64);
}

static void
pubfile_rejects_wrong_key_shapes(void **state)
{
	struct ipk_record rec;
	uint8_t rsa[1 + 3 + 128];
	char *b64, *text;

	(void)state;
	/* ECDSA key of 63 octets. */
	memset(rsa, 0x11, sizeof(rsa));
	b64 = ipk_b64_encode(rsa, 63);
	assert_true(asprintf(&text, "algorithm 3\nkey %s\n", b64) > 0);
	free(pub_try(text, false, &rec));
	free(text);
	free(b64);
	/* RSA-1024: valid shape, below our publishing minimum. */
	rsa[0] = 3;
	rsa[1] = 1; rsa[2] = 0; rsa[3] = 1;
	rsa[4] = 0xc1;
	rsa[sizeof(rsa) - 1] = 0x13;
	b64 = ipk_b64_encode(rsa, sizeof(rsa));
	assert_true(asprintf(&text, "algorithm 2\nkey %s\n", b64) > 0);
	free(pub_try(text, false, &rec));
	free(text);
	free(b64);
	/* Exponent length past the end. */
	rsa[0] = 200;
	b64 = ipk_b64_encode(rsa, 100);
	assert_true(asprintf(&text, "algorithm 2\nkey %s\n", b64) > 0);
	free(pub_try(text, false, &rec));
	free(text);
	free(b64);
}

static void
gateway_parse_classifies_and_rejects(void **state)
{
	struct ipk_record rec;
	const char *why;

	(void)state;
	assert_true(ipk_gateway_parse(".", &rec, &why));
	assert_int_equal(rec.gateway_type, 0);
	assert_true(ipk_gateway_parse("192.0.2.1", &rec, &why));
	assert_int_equal(rec.gateway_type, 1);
	assert_true(ipk_gateway_parse("2001:DB8::1", &rec, &why));
	assert_string_equal(rec.gateway, "2001:db8::1");
	assert_true(ipk_gateway_parse("gw.example", &rec, &why));
	assert_int_equal(rec.gateway_type, 3);
	assert_string_equal(rec.gateway, "gw.example.");
	assert_false(ipk_gateway_parse("192.0.2.256", &rec, &why));
	assert_false(ipk_gateway_parse("2001:db8::g", &rec, &why));
	assert_false(ipk_gateway_parse("a..b", &rec, &why));
}

static void
numbers_and_durations_are_strict(void **state)
{
	uint64_t v;
	uint32_t d;
	enum ipk_serial ser;

	(void)state;
	assert_true(ipk_serial_parse("unixtime", &ser));
	assert_int_equal(ser, IPK_SERIAL_UNIXTIME);
	assert_false(ipk_serial_parse("bump", &ser));
	assert_true(ipk_parse_uint("255", 0, 255, &v));
	assert_false(ipk_parse_uint("256", 0, 255, &v));
	assert_false(ipk_parse_uint("-1", 0, 255, &v));
	assert_false(ipk_parse_uint("+1", 0, 255, &v));
	assert_false(ipk_parse_uint("1x", 0, 255, &v));
	assert_false(ipk_parse_uint("", 0, 255, &v));
	assert_false(ipk_parse_uint("99999999999999999999999", 0, 255, &v));
	assert_true(ipk_parse_duration("30d", &d));
	assert_int_equal(d, 30 * 86400);
	assert_true(ipk_parse_duration("90", &d));
	assert_int_equal(d, 90);
	assert_true(ipk_parse_duration("2w", &d));
	assert_int_equal(d, 14 * 86400);
	assert_false(ipk_parse_duration("0d", &d));
	assert_false(ipk_parse_duration("d", &d));
	assert_false(ipk_parse_duration("5y", &d));
	assert_false(ipk_parse_duration("100000d", &d));
	assert_false(ipk_parse_duration("1.5d", &d));
}

static void
names_are_normalized_or_rejected(void **state)
{
	char out[300];
	const char *why;
	char longname[400];

	(void)state;
	assert_true(ipk_name_normalize("East.OE.test", out, sizeof(out), &why));
	assert_string_equal(out, "East.OE.test.");
	assert_false(ipk_name_normalize("", out, sizeof(out), &why));
	assert_false(ipk_name_normalize("a..b", out, sizeof(out), &why));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(ipk_name_normalize(longname, out, sizeof(out), &why));
}

/* --- zones ---------------------------------------------------------- */

static const char zone_text[] =
	"$ORIGIN oe.test.\n"
	"$TTL 300\n"
	"@ SOA ns1 hostmaster 1 3600 900 1209600 300\n"
	"@ NS ns1\n"
	"ns1 A 127.0.0.53\n"
	"east A 198.51.100.2\n"
	"sub NS ns.sub\n"
	"ns.sub A 198.51.100.9\n"
	"alias CNAME east\n";

struct zone_state {
	char	*dir;
	char	*zone;
	char	*pub;
};

static int
zone_setup(void **state)
{
	struct zone_state *s = calloc(1, sizeof(*s));
	char *b64, *text;

	s->dir = tu_tmpdir();
	s->zone = tu_write(s->dir, "oe.test.zone", zone_text);
	b64 = p256_b64();
	if (asprintf(&text, "algorithm 3\nkey %s\n", b64) < 0)
		return -1;
	s->pub = tu_write(s->dir, "east.pub", text);
	free(text);
	free(b64);
	*state = s;
	return s->dir && s->zone && s->pub ? 0 : -1;
}

static int
zone_teardown(void **state)
{
	struct zone_state *s = *state;

	tu_rmtree(s->dir);
	free(s->dir);
	free(s->zone);
	free(s->pub);
	free(s);
	return 0;
}

static char *
zone_load_fails(const char *dir, const char *text)
{
	ldns_zone *z;
	ldns_rdf *o;
	char *path = tu_write(dir, "bad.zone", text), *log;

	tu_capture_begin();
	assert_false(ipk_zone_load(path, NULL, &z, &o));
	log = tu_capture_end();
	free(path);
	return log;
}

static void
zone_load_reports_syntax_error_with_file_line(void **state)
{
	struct zone_state *s = *state;
	char *log;

	log = zone_load_fails(s->dir, "$ORIGIN oe.test.\n$TTL 300\n"
	    "@ SOA ns1 hostmaster 1 3600 900 1209600 300\n\n"
	    "east A 198.51.100.300\n");
	assert_non_null(strstr(log, "bad.zone:5:"));
	free(log);
	/* Blank lines after it, and no final newline, do not move it. */
	log = zone_load_fails(s->dir, "$ORIGIN oe.test.\n$TTL 300\n"
	    "@ SOA ns1 hostmaster 1 3600 900 1209600 300\n\n"
	    "east A 198.51.100.300\n\n\nwest A 192.0.2.1\n");
	assert_non_null(strstr(log, "bad.zone:5:"));
	free(log);
	log = zone_load_fails(s->dir, "$ORIGIN oe.test.\n$TTL 300\n"
	    "@ SOA ns1 hostmaster 1 3600 900 1209600 300\n\n"
	    "east A 198.51.100.300");
	assert_non_null(strstr(log, "bad.zone:5:"));
	free(log);
	log = zone_load_fails(s->dir, "$ORIGIN oe.test.\n$TTL 300\n"
	    "@ SOA ns1 hostmaster 1 3600 900 1209600 300\n"
	    "east IPSECKEY 10 1 2 192.0.2.1 !!notbase64\n");
	assert_non_null(strstr(log, "bad.zone:4:"));
	free(log);
	log = zone_load_fails(s->dir, "$ORIGIN oe.test.\n@ 300 NS ns1\n");
	assert_non_null(strstr(log, "no SOA"));
	free(log);
	log = zone_load_fails(s->dir, "$ORIGIN oe.test.\n$TTL 300\n"
	    "@ SOA ns1 hostmaster 1 3600 900 1209600 300\n"
	    "www.other.test. A 192.0.2.1\n");
	assert_non_null(strstr(log, "outside the zone"));
	free(log);
}

static struct ipk_zone_opts
zone_opts(const struct zone_state *s, const char *out)
{
	struct ipk_zone_opts o = { 0 };

	o.in_path = s->zone;
	o.out_path = out;
	o.valid = 86400;
	o.ttl = 120;
	return o;
}

static void
zone_hosts_rejects_delegated_cname_outside_and_duplicate(void **state)
{
	struct zone_state *s = *state;
	static const char *const bad[] = { "x.sub", "alias", "east.other.test.",
	    "sub" };
	ldns_zone *z;
	ldns_rdf *origin;
	struct ipk_record *recs;
	size_t n, i;
	char *out = NULL;
	struct ipk_zone_opts o = zone_opts(s, NULL);
	char args[4][256];

	assert_true(ipk_zone_load(s->zone, NULL, &z, &origin));
	for (i = 0; i < 4; i++) {
		snprintf(args[i], sizeof(args[i]), "%s=%s", bad[i], s->pub);
		o.host_args[0] = args[i];
		o.n_host_args = 1;
		tu_capture_begin();
		assert_false(ipk_zone_collect_hosts(&o, z, origin, &recs, &n));
		free(tu_capture_end());
	}
	snprintf(args[0], sizeof(args[0]), "east=%s", s->pub);
	o.host_args[0] = args[0];
	o.host_args[1] = args[0];
	o.n_host_args = 2;
	tu_capture_begin();
	assert_false(ipk_zone_collect_hosts(&o, z, origin, &recs, &n));
	out = tu_capture_end();
	assert_non_null(strstr(out, "given twice"));
	free(out);
	o.host_args[0] = "east";	/* no '=' */
	o.n_host_args = 1;
	tu_capture_begin();
	assert_false(ipk_zone_collect_hosts(&o, z, origin, &recs, &n));
	out = tu_capture_end();
	assert_non_null(strstr(out, "NAME=PUBKEYFILE"));
	free(out);
	ldns_zone_deep_free(z);
	ldns_rdf_deep_free(origin);
}

/* Count RRs of `type` at `owner` in a zone file (parsed by libldns). */
static size_t
count_rrs(const char *path, const char *owner, ldns_rr_type type,
    ldns_rr_type covered)
{
	ldns_zone *z = NULL;
	ldns_rdf *o = NULL;
	FILE *fp = fopen(path, "r");
	size_t i, n = 0;
	ldns_rr_list *rrs;

	assert_non_null(fp);
	assert_int_equal(ldns_zone_new_frm_fp(&z, fp, NULL, 0,
	    LDNS_RR_CLASS_IN), LDNS_STATUS_OK);
	fclose(fp);
	assert_int_equal(ldns_str2rdf_dname(&o, owner), LDNS_STATUS_OK);
	rrs = ldns_zone_rrs(z);
	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		ldns_rr *rr = ldns_rr_list_rr(rrs, i);

		if (ldns_dname_compare(ldns_rr_owner(rr), o) != 0 ||
		    ldns_rr_get_type(rr) != type)
			continue;
		if (type == LDNS_RR_TYPE_RRSIG && ldns_rdf2rr_type(
		    ldns_rr_rrsig_typecovered(rr)) != covered)
			continue;
		n++;
	}
	ldns_rdf_deep_free(o);
	ldns_zone_deep_free(z);
	return n;
}

static void
zone_sign_adds_signed_ipseckey_and_keeps_keys(void **state)
{
	struct zone_state *s = *state;
	char *out = NULL, *ksk = NULL, *first, *second, arg[512];
	struct ipk_zone_opts o;
	struct stat st;

	assert_true(asprintf(&out, "%s/oe.test.signed", s->dir) > 0);
	o = zone_opts(s, out);
	snprintf(arg, sizeof(arg), "east=%s", s->pub);
	o.host_args[0] = arg;
	o.n_host_args = 1;
	assert_true(ipk_zone_run(&o));
	assert_int_equal(count_rrs(out, "east.oe.test.",
	    LDNS_RR_TYPE_IPSECKEY, 0), 1);
	assert_int_equal(count_rrs(out, "east.oe.test.", LDNS_RR_TYPE_RRSIG,
	    LDNS_RR_TYPE_IPSECKEY), 1);
	assert_int_equal(count_rrs(out, "oe.test.", LDNS_RR_TYPE_DNSKEY, 0), 2);
	assert_int_equal(count_rrs(out, "east.oe.test.", LDNS_RR_TYPE_NSEC, 0),
	    1);
	/* The private keys are kept beside the output, readable by root only. */
	assert_true(asprintf(&ksk, "%s.ksk.private", out) > 0);
	assert_int_equal(stat(ksk, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	/* Re-signing the already signed output uses the same keys and
	 * leaves exactly one IPSECKEY and two DNSKEYs. */
	first = tu_read(ksk);
	o.in_path = out;
	o.nsec3 = true;
	o.serial = IPK_SERIAL_INCREMENT;
	assert_true(ipk_zone_run(&o));
	assert_int_equal(count_rrs(out, "oe.test.", LDNS_RR_TYPE_DNSKEY, 0), 2);
	assert_int_equal(count_rrs(out, "east.oe.test.",
	    LDNS_RR_TYPE_IPSECKEY, 0), 1);
	assert_int_equal(count_rrs(out, "east.oe.test.", LDNS_RR_TYPE_NSEC, 0),
	    0);
	assert_int_equal(count_rrs(out, "oe.test.", LDNS_RR_TYPE_NSEC3PARAMS,
	    0), 1);
	/* --serial increment: 1 -> 2. */
	assert_non_null(strstr(second = tu_read(out), " 2 3600 900 1209600 300"));
	free(second);
	second = tu_read(ksk);
	assert_string_equal(first, second);
	free(first);
	free(second);
	free(ksk);
	free(out);
}

static void
zone_failed_run_leaves_previous_output_untouched(void **state)
{
	struct zone_state *s = *state;
	char *out, *bad, *before, *after, arg[512];
	struct ipk_zone_opts o;

	out = tu_write(s->dir, "out.signed", "previous contents\n");
	bad = tu_write(s->dir, "bad.pub", "algorithm 3\nkey !!!!\n");
	o = zone_opts(s, out);
	snprintf(arg, sizeof(arg), "east=%s", bad);
	o.host_args[0] = arg;
	o.n_host_args = 1;
	before = tu_read(out);
	tu_capture_begin();
	assert_false(ipk_zone_run(&o));
	free(tu_capture_end());
	after = tu_read(out);
	assert_string_equal(before, after);
	/* A bad --ksk file is reported with its line, too. */
	snprintf(arg, sizeof(arg), "east=%s", s->pub);
	free(bad);
	bad = tu_write(s->dir, "bad.private", "Private-key-format: v1.2\n"
	    "Algorithm: 13 (ECDSAP256SHA256)\nPrivateKey: !!!\n");
	o.ksk_path = bad;
	o.zsk_path = bad;
	tu_capture_begin();
	assert_false(ipk_zone_run(&o));
	free(after);
	after = tu_capture_end();
	assert_non_null(strstr(after, "bad.private:"));
	free(after);
	after = tu_read(out);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(bad);
	free(out);
}

/* --- DNS UPDATE message --------------------------------------------- */

static void
update_message_deletes_rrset_then_adds_record(void **state)
{
	struct ipk_record rec;
	ldns_pkt *pkt;
	ldns_rr_list *up;
	ldns_rr *del, *add;
	char *b64 = p256_b64();
	const char *why;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	strcpy(rec.name, "east.oe.test.");
	rec.ttl = 60;
	rec.precedence = 10;
	rec.key.algorithm = 3;
	rec.key.key_len = 64;
	memset(rec.key.key, 0x11, 64);
	assert_true(ipk_gateway_parse("198.51.100.2", &rec, &why));
	pkt = ipk_update_build("oe.test.", &rec);
	assert_non_null(pkt);
	assert_int_equal(ldns_pkt_get_opcode(pkt), LDNS_PACKET_UPDATE);
	assert_int_equal(ldns_update_zocount(pkt), 1);
	assert_int_equal(ldns_update_upcount(pkt), 2);
	assert_int_equal(ldns_update_prcount(pkt), 0);
	up = ldns_pkt_authority(pkt);	/* the update section */
	del = ldns_rr_list_rr(up, 0);
	add = ldns_rr_list_rr(up, 1);
	assert_int_equal(ldns_rr_get_class(del), LDNS_RR_CLASS_ANY);
	assert_int_equal(ldns_rr_get_type(del), LDNS_RR_TYPE_IPSECKEY);
	assert_int_equal(ldns_rr_ttl(del), 0);
	assert_int_equal(ldns_rr_rd_count(del), 0);
	assert_int_equal(ldns_rr_get_class(add), LDNS_RR_CLASS_IN);
	assert_int_equal(ldns_rr_ttl(add), 60);
	assert_int_equal(ldns_rr_get_type(add), LDNS_RR_TYPE_IPSECKEY);
	ldns_pkt_free(pkt);
	free(b64);
}

static void
update_message_refuses_name_outside_zone(void **state)
{
	struct ipk_record rec;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	strcpy(rec.name, "east.other.test.");
	rec.key.algorithm = 3;
	rec.key.key_len = 64;
	memset(rec.key.key, 0x11, 64);
	tu_capture_begin();
	assert_null(ipk_update_build("oe.test.", &rec));
	free(tu_capture_end());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tsig_bind_form_parses),
		cmocka_unit_test(tsig_knot_form_parses),
		cmocka_unit_test(tsig_one_line_form_parses_with_and_without_algorithm),
		cmocka_unit_test(tsig_rejects_unknown_algorithm_with_line),
		cmocka_unit_test(tsig_rejects_bad_base64_and_short_secret),
		cmocka_unit_test(tsig_rejects_truncated_and_repeated_clauses),
		cmocka_unit_test(tsig_file_missing_names_the_path),
		cmocka_unit_test(pubfile_parses_key_gateway_and_precedence),
		cmocka_unit_test(pubfile_rejects_bad_lines_with_file_line),
		cmocka_unit_test(pubfile_rejects_wrong_key_shapes),
		cmocka_unit_test(gateway_parse_classifies_and_rejects),
		cmocka_unit_test(numbers_and_durations_are_strict),
		cmocka_unit_test(names_are_normalized_or_rejected),
		cmocka_unit_test_setup_teardown(zone_load_reports_syntax_error_with_file_line, zone_setup, zone_teardown),
		cmocka_unit_test_setup_teardown(zone_hosts_rejects_delegated_cname_outside_and_duplicate, zone_setup, zone_teardown),
		cmocka_unit_test_setup_teardown(zone_sign_adds_signed_ipseckey_and_keeps_keys, zone_setup, zone_teardown),
		cmocka_unit_test_setup_teardown(zone_failed_run_leaves_previous_output_untouched, zone_setup, zone_teardown),
		cmocka_unit_test(update_message_deletes_rrset_then_adds_record),
		cmocka_unit_test(update_message_refuses_name_outside_zone),
	};

	return cmocka_run_group_tests_name("ipseckey_parsers_zone_update",
	    tests, NULL, NULL);
}
