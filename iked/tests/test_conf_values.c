/*
 * Typed values, proposal strings, the lexer and the options table.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_lex.h"
#include "conf_options.h"
#include "conf_proposal.h"
#include "conf_value.h"

static char err[CONF_MSG_LEN];

/* ---- durations and numbers ------------------------------------------- */

static void
durations_accept_units_and_bare_numbers(void **state)
{
	uint32_t v;

	(void)state;
	assert_int_equal(conf_parse_duration(&v, "90", 1000, 0, 86400, err, sizeof(err)), 0);
	assert_int_equal(v, 90);
	assert_int_equal(conf_parse_duration(&v, "2m", 1000, 0, 86400, err, sizeof(err)), 0);
	assert_int_equal(v, 120);
	assert_int_equal(conf_parse_duration(&v, "8h", 1000, 0, 86400, err, sizeof(err)), 0);
	assert_int_equal(v, 28800);
	assert_int_equal(conf_parse_duration(&v, "1d", 1000, 0, 86400, err, sizeof(err)), 0);
	assert_int_equal(v, 86400);
	assert_int_equal(conf_parse_duration(&v, "2000ms", 1000, 0, 86400, err, sizeof(err)), 0);
	assert_int_equal(v, 2);
	/* Millisecond keys: a bare number is milliseconds. */
	assert_int_equal(conf_parse_duration(&v, "500", 1, 0, 30000, err, sizeof(err)), 0);
	assert_int_equal(v, 500);
	assert_int_equal(conf_parse_duration(&v, "2s", 1, 0, 30000, err, sizeof(err)), 0);
	assert_int_equal(v, 2000);
}

static void
durations_reject_bad_units_range_and_overflow(void **state)
{
	uint32_t v = 7;

	(void)state;
	assert_int_equal(conf_parse_duration(&v, "3w", 1000, 0, 86400, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown unit \"w\""));
	assert_int_equal(conf_parse_duration(&v, "25h", 1000, 0, 86400, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "out of range (expected 0..86400 seconds)"));
	assert_int_equal(conf_parse_duration(&v, "1500ms", 1000, 0, 86400, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "finer than"));
	assert_int_equal(conf_parse_duration(&v, "99999999999999", 1000, 0, 86400, err,
	    sizeof(err)), -1);
	assert_int_equal(conf_parse_duration(&v, "4294967295d", 1000, 0, 86400, err,
	    sizeof(err)), -1);
	assert_int_equal(conf_parse_duration(&v, "", 1000, 0, 86400, err, sizeof(err)), -1);
	assert_int_equal(conf_parse_duration(&v, "h", 1000, 0, 86400, err, sizeof(err)), -1);
	assert_int_equal(conf_parse_duration(&v, "-5s", 1000, 0, 86400, err, sizeof(err)), -1);
	assert_int_equal(v, 7);
}

static void
uints_reject_leading_zero_sign_and_range(void **state)
{
	uint32_t v;

	(void)state;
	assert_int_equal(conf_parse_uint(&v, "0", 0, 10, err, sizeof(err)), 0);
	assert_int_equal(conf_parse_uint(&v, "010", 0, 100, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "leading zero"));
	assert_int_equal(conf_parse_uint(&v, "+1", 0, 10, err, sizeof(err)), -1);
	assert_int_equal(conf_parse_uint(&v, "11", 0, 10, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "out of range (expected 0..10)"));
	assert_int_equal(conf_parse_uint(&v, "4294967296", 0, UINT32_MAX, err,
	    sizeof(err)), -1);
}

/* ---- addresses, CIDRs, ids, hosts, pools ------------------------------ */

static void
cidr_parses_v4_v6_and_bare_hosts(void **state)
{
	struct oe_cidr c;
	char buf[64];

	(void)state;
	assert_int_equal(conf_parse_cidr(&c, "10.0.0.0/8", err, sizeof(err)), 0);
	assert_int_equal(c.addr.family, AF_INET);
	assert_int_equal(c.plen, 8);
	assert_int_equal(conf_parse_cidr(&c, "2001:db8::/32", err, sizeof(err)), 0);
	assert_int_equal(c.addr.family, AF_INET6);
	assert_int_equal(c.plen, 32);
	conf_cidr_format(&c, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::/32");
	assert_int_equal(conf_parse_cidr(&c, "192.0.2.7", err, sizeof(err)), 0);
	assert_int_equal(c.plen, 32);
	assert_int_equal(conf_parse_cidr(&c, "0.0.0.0/0", err, sizeof(err)), 0);
	assert_int_equal(c.plen, 0);
}

static void
cidr_rejects_host_bits_long_prefix_and_junk(void **state)
{
	struct oe_cidr c;

	(void)state;
	assert_int_equal(conf_parse_cidr(&c, "10.0.0.1/8", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "(did you mean 10.0.0.0/8?)"));
	assert_int_equal(conf_parse_cidr(&c, "10.0.0.0/33", err, sizeof(err)), -1);
	assert_int_equal(conf_parse_cidr(&c, "::/129", err, sizeof(err)), -1);
	assert_int_equal(conf_parse_cidr(&c, "10.0.0.0/08", err, sizeof(err)), -1);
	assert_int_equal(conf_parse_cidr(&c, "10.0.0.0/", err, sizeof(err)), -1);
	assert_int_equal(conf_parse_cidr(&c, "10.0.0/8", err, sizeof(err)), -1);
	assert_int_equal(conf_parse_cidr(&c, "fe80::1%eth0/64", err, sizeof(err)), -1);
	assert_int_equal(conf_parse_cidr(&c, "10.0.0.0/8 ", err, sizeof(err)), -1);
}

static void
cidr_containment_respects_prefix_and_family(void **state)
{
	struct oe_cidr c;
	struct oe_addr a;

	(void)state;
	assert_int_equal(conf_parse_cidr(&c, "10.1.2.0/23", err, sizeof(err)), 0);
	assert_int_equal(conf_parse_addr(&a, "10.1.3.255", err, sizeof(err)), 0);
	assert_true(conf_cidr_contains(&c, &a));
	assert_int_equal(conf_parse_addr(&a, "10.1.4.0", err, sizeof(err)), 0);
	assert_false(conf_cidr_contains(&c, &a));
	assert_int_equal(conf_parse_addr(&a, "::ffff:10.1.2.1", err, sizeof(err)), 0);
	assert_false(conf_cidr_contains(&c, &a));
	assert_int_equal(conf_parse_cidr(&c, "::/0", err, sizeof(err)), 0);
	assert_true(conf_cidr_contains(&c, &a));
}

static void
host_keywords_and_addresses(void **state)
{
	struct conf_host h;

	(void)state;
	assert_int_equal(conf_parse_host(&h, "%defaultroute", err, sizeof(err)), 0);
	assert_int_equal(h.kind, CONF_HOST_DEFAULTROUTE);
	assert_int_equal(conf_parse_host(&h, "%opportunisticgroup", err, sizeof(err)), 0);
	assert_int_equal(h.kind, CONF_HOST_OPPOGROUP);
	assert_int_equal(conf_parse_host(&h, "%group", err, sizeof(err)), 0);
	assert_int_equal(h.kind, CONF_HOST_GROUP);
	assert_int_equal(conf_parse_host(&h, "%any", err, sizeof(err)), 0);
	assert_int_equal(h.kind, CONF_HOST_ANY);
	assert_int_equal(conf_parse_host(&h, "2001:db8::1", err, sizeof(err)), 0);
	assert_int_equal(h.kind, CONF_HOST_ADDR);
	assert_int_equal(conf_parse_host(&h, "%opportunistic", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown keyword"));
	assert_int_equal(conf_parse_host(&h, "east.example", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "host names are not supported"));
}

static void
ids_of_every_kind(void **state)
{
	struct conf_id id;

	(void)state;
	assert_int_equal(conf_parse_id(&id, "%null", err, sizeof(err)), 0);
	assert_int_equal(id.kind, CONF_ID_NULL);
	assert_int_equal(conf_parse_id(&id, "%fromcert", err, sizeof(err)), 0);
	assert_int_equal(id.kind, CONF_ID_FROMCERT);
	assert_int_equal(conf_parse_id(&id, "@east.oe.test", err, sizeof(err)), 0);
	assert_int_equal(id.kind, CONF_ID_FQDN);
	assert_string_equal(id.name, "east.oe.test");
	assert_int_equal(conf_parse_id(&id, "198.51.100.2", err, sizeof(err)), 0);
	assert_int_equal(id.kind, CONF_ID_ADDR);
	assert_int_equal(conf_parse_id(&id, "C=CA, O=Example, CN=east", err, sizeof(err)), 0);
	assert_int_equal(id.kind, CONF_ID_DN);
	assert_int_equal(conf_parse_id(&id, "@", err, sizeof(err)), -1);
	assert_int_equal(conf_parse_id(&id, "@bad host", err, sizeof(err)), -1);
	assert_int_equal(conf_parse_id(&id, "%nul", err, sizeof(err)), -1);
	assert_int_equal(conf_parse_id(&id, "plainword", err, sizeof(err)), -1);
}

static void
pools_as_range_or_cidr(void **state)
{
	struct conf_pool p;
	struct oe_addr hi;

	(void)state;
	assert_int_equal(conf_parse_pool(&p, "100.64.0.1-100.64.255.254", err,
	    sizeof(err)), 0);
	assert_true(p.set);
	assert_int_equal(conf_parse_pool(&p, "100.64.0.0/10", err, sizeof(err)), 0);
	assert_int_equal(conf_parse_addr(&hi, "100.127.255.255", err, sizeof(err)), 0);
	assert_memory_equal(&p.hi, &hi, sizeof(hi));
	assert_int_equal(conf_parse_pool(&p, "10.0.0.9-10.0.0.1", err, sizeof(err)), -1);
	assert_int_equal(conf_parse_pool(&p, "10.0.0.1-::1", err, sizeof(err)), -1);
}

/* ---- RSA keys -------------------------------------------------------------- */

static void
b64(const uint8_t *in, size_t n, char *out)
{
	static const char t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = t[in[i] >> 2];
		out[o++] = t[(in[i] & 3) << 4 | in[i + 1] >> 4];
		out[o++] = t[(in[i + 1] & 15) << 2 | in[i + 2] >> 6];
		out[o++] = t[in[i + 2] & 63];
	}
	if (n - i == 1) {
		out[o++] = t[in[i] >> 2];
		out[o++] = t[(in[i] & 3) << 4];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		out[o++] = t[in[i] >> 2];
		out[o++] = t[(in[i] & 3) << 4 | in[i + 1] >> 4];
		out[o++] = t[(in[i + 1] & 15) << 2];
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* RFC 3110: exponent length 3, exponent 65537, `bits`-bit modulus. */
static void
make_key(char *text, size_t bits)
{
	uint8_t key[4 + 1024];
	size_t n = 4 + bits / 8, i;

	key[0] = 3;
	key[1] = 0x01; key[2] = 0x00; key[3] = 0x01;
	for (i = 4; i < n; i++)
		key[i] = (uint8_t)(0x80 | i);
	text[0] = '0';
	text[1] = 's';
	b64(key, n, text + 2);
}

static void
rsasigkey_raw_rfc3110_and_keywords(void **state)
{
	struct conf_sigkey k;
	char text[2000];

	(void)state;
	make_key(text, 2048);
	assert_int_equal(conf_parse_sigkey(&k, text, err, sizeof(err)), 0);
	assert_int_equal(k.kind, CONF_SIGKEY_RAW);
	assert_int_equal(k.len, 4 + 256);
	assert_int_equal(k.key[0], 3);
	make_key(text, 1024);
	assert_int_equal(conf_parse_sigkey(&k, text, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too short"));
	assert_int_equal(conf_parse_sigkey(&k, "0sAwEAAQ==", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated"));
	assert_int_equal(conf_parse_sigkey(&k, "0sAwEAAQ=", err, sizeof(err)), -1);
	assert_int_equal(conf_parse_sigkey(&k, "0s!!!!", err, sizeof(err)), -1);
	assert_int_equal(conf_parse_sigkey(&k, "%dnsondemand", err, sizeof(err)), 0);
	assert_int_equal(k.kind, CONF_SIGKEY_DNSONDEMAND);
	assert_int_equal(conf_parse_sigkey(&k, "%cert", err, sizeof(err)), 0);
	assert_int_equal(k.kind, CONF_SIGKEY_CERT);
	assert_int_equal(conf_parse_sigkey(&k, "%dnssec", err, sizeof(err)), -1);
	assert_int_equal(conf_parse_sigkey(&k, "AwEAAQ", err, sizeof(err)), -1);
}

static void
base64_is_strict(void **state)
{
	uint8_t buf[8];

	(void)state;
	assert_int_equal(conf_base64_decode("Zm9v", buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "foo", 3);
	assert_int_equal(conf_base64_decode("Zm8=", buf, sizeof(buf)), 2);
	assert_int_equal(conf_base64_decode("Zg==", buf, sizeof(buf)), 1);
	assert_int_equal(conf_base64_decode("Zh==", buf, sizeof(buf)), -1);	/* bits */
	assert_int_equal(conf_base64_decode("Z===", buf, sizeof(buf)), -1);
	assert_int_equal(conf_base64_decode("Zg=a", buf, sizeof(buf)), -1);
	assert_int_equal(conf_base64_decode("Zm9vYmFyYmF6", buf, 8), -1);	/* room */
}

/* ---- proposals ----------------------------------------------------------- */

static void
proposal_semicolon_groups_continue_over_commas(void **state)
{
	struct conf_proposals p;

	(void)state;
	assert_int_equal(conf_proposals_parse(&p, "aes_gcm256-sha2_512;dh19,dh31",
	    CONF_PROP_IKE, err, sizeof(err)), 0);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.p[0].encr[0].id, CONF_ENCR_AES_GCM_16);
	assert_int_equal(p.p[0].encr[0].keylen, 256);
	assert_int_equal(p.p[0].nprf, 1);
	assert_int_equal(p.p[0].prf[0], CONF_PRF_HMAC_SHA2_512);
	assert_int_equal(p.p[0].ninteg, 0);
	assert_int_equal(p.p[0].nke, 2);
	assert_int_equal(p.p[0].ke[0], CONF_KE_ECP256);
	assert_int_equal(p.p[0].ke[1], CONF_KE_CURVE25519);
}

static void
proposal_lists_and_defaults_fill_missing_parts(void **state)
{
	struct conf_proposals p;

	(void)state;
	assert_int_equal(conf_proposals_parse(&p, "aes256+aes128-sha2_256-dh14,"
	    "chacha20poly1305", CONF_PROP_IKE, err, sizeof(err)), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.p[0].nencr, 2);
	assert_int_equal(p.p[0].encr[1].keylen, 128);
	assert_int_equal(p.p[0].ninteg, 1);	/* CBC: integrity from the PRF */
	assert_int_equal(p.p[0].integ[0], CONF_INTEG_HMAC_SHA2_256_128);
	assert_int_equal(p.p[0].nke, 1);
	assert_int_equal(p.p[1].nprf, 2);	/* default PRFs */
	assert_int_equal(p.p[1].nke, 4);	/* default groups */
	assert_int_equal(conf_proposals_parse(&p, "chacha20poly1305", CONF_PROP_ESP,
	    err, sizeof(err)), 0);
	assert_int_equal(p.p[0].ninteg, 0);
	assert_int_equal(p.p[0].nke, 0);
	assert_int_equal(conf_proposals_parse(&p, "aes256-sha2_512;dh31",
	    CONF_PROP_ESP, err, sizeof(err)), 0);
	assert_int_equal(p.p[0].integ[0], CONF_INTEG_HMAC_SHA2_512_256);
	assert_int_equal(p.p[0].ke[0], CONF_KE_CURVE25519);
	assert_int_equal(conf_proposals_parse(&p, "aes_gcm128-null", CONF_PROP_ESP,
	    err, sizeof(err)), 0);
	assert_int_equal(p.p[0].ninteg, 0);
}

static void
proposal_rejects_weak_and_malformed(void **state)
{
	struct conf_proposals p;

	(void)state;
	assert_int_equal(conf_proposals_parse(&p, "3des-sha1", CONF_PROP_IKE, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "3DES is not allowed"));
	assert_int_equal(conf_proposals_parse(&p, "aes256-sha1", CONF_PROP_ESP, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "SHA-1"));
	assert_int_equal(conf_proposals_parse(&p, "aes256-sha2_256-modp1024",
	    CONF_PROP_IKE, err, sizeof(err)), -1);
	assert_int_equal(conf_proposals_parse(&p, "aes_gcm256-sha2_256", CONF_PROP_ESP,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "AEAD cipher takes no integrity"));
	assert_int_equal(conf_proposals_parse(&p, "aes_gcm256+aes256", CONF_PROP_IKE,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "separate proposals"));
	assert_int_equal(conf_proposals_parse(&p, "sha2_256-aes256", CONF_PROP_IKE,
	    err, sizeof(err)), -1);
	assert_int_equal(conf_proposals_parse(&p, "aes256-dh19-sha2_256",
	    CONF_PROP_IKE, err, sizeof(err)), -1);
	assert_int_equal(conf_proposals_parse(&p, "aes256,,aes128", CONF_PROP_IKE,
	    err, sizeof(err)), -1);
	assert_int_equal(conf_proposals_parse(&p, "", CONF_PROP_IKE, err, sizeof(err)), -1);
	assert_int_equal(conf_proposals_parse(&p, "aes256-sha2+sha2", CONF_PROP_IKE,
	    err, sizeof(err)), -1);
	assert_int_equal(conf_proposals_parse(&p, "rot13", CONF_PROP_ESP, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown algorithm \"rot13\""));
	assert_int_equal(conf_proposals_parse(&p, "aes,aes,aes,aes,aes,aes,aes,aes,aes",
	    CONF_PROP_ESP, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too many proposals"));
}

/* ---- lexer ----------------------------------------------------------------- */

static void
lexer_quotes_comments_and_spaces_around_equals(void **state)
{
	struct conf_token t;

	(void)state;
	assert_int_equal(conf_lex_line("    leftid=\"C=CA, CN=a#b\"  # c", &t, err,
	    sizeof(err)), 0);
	assert_int_equal(t.kind, CONF_TOK_KV);
	assert_string_equal(t.word, "leftid");
	assert_string_equal(t.arg, "C=CA, CN=a#b");
	assert_int_equal(conf_lex_line("\tauto = add\r", &t, err, sizeof(err)), 0);
	assert_string_equal(t.arg, "add");
	assert_int_equal(conf_lex_line("conn private-or-clear   # x", &t, err,
	    sizeof(err)), 0);
	assert_int_equal(t.kind, CONF_TOK_SECTION);
	assert_string_equal(t.arg, "private-or-clear");
	assert_int_equal(conf_lex_line("include \"a b/*.conf\"", &t, err, sizeof(err)), 0);
	assert_int_equal(t.kind, CONF_TOK_INCLUDE);
	assert_string_equal(t.arg, "a b/*.conf");
	assert_int_equal(conf_lex_line("   # only a comment", &t, err, sizeof(err)), 0);
	assert_int_equal(t.kind, CONF_TOK_BLANK);
	assert_int_equal(conf_lex_line("version 2", &t, err, sizeof(err)), 0);
	assert_int_equal(t.kind, CONF_TOK_VERSION);
}

static void
lexer_rejects_malformed_lines_with_reason(void **state)
{
	struct conf_token t;

	(void)state;
	assert_int_equal(conf_lex_line("    leftid=\"open", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unterminated"));
	assert_int_equal(conf_lex_line("    leftid=a b", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "double quotes"));
	assert_int_equal(conf_lex_line("    conn x", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "indented"));
	assert_int_equal(conf_lex_line("auto=add", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not indented"));
	assert_int_equal(conf_lex_line("config nosetup", &t, err, sizeof(err)), -1);
	assert_int_equal(conf_lex_line("conn a/b", &t, err, sizeof(err)), -1);
	assert_int_equal(conf_lex_line("    auto=", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty value"));
	assert_int_equal(conf_lex_line("    auto", &t, err, sizeof(err)), -1);
	assert_int_equal(conf_lex_line("    \"x\"=1", &t, err, sizeof(err)), -1);
	assert_int_equal(conf_lex_line("frobnicate", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown keyword \"frobnicate\""));
}

/* ---- options table ------------------------------------------------------- */

static void
options_table_defaults_parse_and_rows_are_documented(void **state)
{
	struct conf_conn *c = calloc(1, sizeof(*c));
	struct conf_setup s;
	size_t i, j;

	(void)state;
	assert_non_null(c);
	assert_int_equal(conf_options_defaults(CONF_SEC_CONN, c, err, sizeof(err)), 0);
	assert_int_equal(conf_options_defaults(CONF_SEC_SETUP, &s, err, sizeof(err)), 0);
	assert_int_equal(c->type, CONF_TYPE_TUNNEL);
	assert_int_equal(c->autostart, CONF_AUTO_IGNORE);
	assert_int_equal(c->authby, CONF_AUTHBY_RSASIG | CONF_AUTHBY_ECDSA);
	assert_int_equal(c->retransmit_interval, 500);
	assert_int_equal(s.ikeport, 500);
	assert_int_equal(s.nat_ikeport, 4500);
	for (i = 0; i < conf_noptions; i++) {
		const struct conf_option *o = &conf_options[i];

		assert_non_null(o->help);
		assert_true(strlen(o->help) > 10);
		if (o->type != CONF_V_ALSO)
			assert_true(o->size > 0);
		if (o->type == CONF_V_ENUM || o->type == CONF_V_BOOL)
			assert_non_null(o->enums);
		for (j = i + 1; j < conf_noptions; j++)
			assert_false(o->section == conf_options[j].section &&
			    strcmp(o->name, conf_options[j].name) == 0);
	}
	free(c);
}

static void
options_suggest_near_names_only(void **state)
{
	(void)state;
	assert_string_equal(conf_option_suggest("leftsubnett", CONF_SEC_CONN), "leftsubnet");
	assert_string_equal(conf_option_suggest("lefrtrsasigkey", CONF_SEC_CONN),
	    "leftrsasigkey");
	assert_string_equal(conf_option_suggest("failureshunts", CONF_SEC_CONN),
	    "failureshunt");
	assert_null(conf_option_suggest("completelydifferent", CONF_SEC_CONN));
	assert_true(conf_option_in_other_section("nssdb", CONF_SEC_CONN));
	assert_false(conf_option_in_other_section("nssdb", CONF_SEC_SETUP));
}

static void
options_apply_refuses_with_reason_and_accepts_aliases(void **state)
{
	const struct conf_option *o = conf_option_find("auto", CONF_SEC_CONN);
	struct conf_conn *c = calloc(1, sizeof(*c));

	(void)state;
	assert_non_null(o);
	assert_non_null(c);
	assert_int_equal(conf_option_apply(o, c, "route", err, sizeof(err)), 0);
	assert_int_equal(c->autostart, CONF_AUTO_ONDEMAND);
	o = conf_option_find("authby", CONF_SEC_CONN);
	assert_int_equal(conf_option_apply(o, c, "rsasig,null", err, sizeof(err)), 0);
	assert_int_equal(c->authby, CONF_AUTHBY_RSASIG | CONF_AUTHBY_NULL);
	assert_int_equal(conf_option_apply(o, c, "never,null", err, sizeof(err)), -1);
	assert_int_equal(conf_option_apply(o, c, "rsasig,,null", err, sizeof(err)), -1);
	assert_int_equal(conf_option_apply(o, c, "rsasig,", err, sizeof(err)), -1);
	assert_int_equal(conf_option_apply(o, c, "rsasig,secret", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "pre-shared keys are not supported"));
	o = conf_option_find("leftauth", CONF_SEC_CONN);
	assert_int_equal(conf_option_apply(o, c, "secret", err, sizeof(err)), -1);
	o = conf_option_find("nssdb", CONF_SEC_SETUP);
	assert_non_null(o);
	assert_int_equal(conf_option_apply(o, c, "relative/dir", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "absolute path"));
	o = conf_option_find("listen", CONF_SEC_SETUP);
	assert_int_equal(conf_option_apply(o, c, ",127.0.0.1", err, sizeof(err)), -1);
	assert_int_equal(conf_option_apply(o, c, "127.0.0.1,,::1", err, sizeof(err)), -1);
	assert_int_equal(conf_option_apply(o, c,
	    "127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,"
	    "127.0.0.8,127.0.0.9", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too many addresses"));
	o = conf_option_find("leftcert", CONF_SEC_CONN);
	{
		char longv[400];

		memset(longv, 'x', sizeof(longv) - 1);
		longv[sizeof(longv) - 1] = '\0';
		assert_int_equal(conf_option_apply(o, c, longv, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "too long"));
	}
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(durations_accept_units_and_bare_numbers),
		cmocka_unit_test(durations_reject_bad_units_range_and_overflow),
		cmocka_unit_test(uints_reject_leading_zero_sign_and_range),
		cmocka_unit_test(cidr_parses_v4_v6_and_bare_hosts),
		cmocka_unit_test(cidr_rejects_host_bits_long_prefix_and_junk),
		cmocka_unit_test(cidr_containment_respects_prefix_and_family),
		cmocka_unit_test(host_keywords_and_addresses),
		cmocka_unit_test(ids_of_every_kind),
		cmocka_unit_test(pools_as_range_or_cidr),
		cmocka_unit_test(rsasigkey_raw_rfc3110_and_keywords),
		cmocka_unit_test(base64_is_strict),
		cmocka_unit_test(proposal_semicolon_groups_continue_over_commas),
		cmocka_unit_test(proposal_lists_and_defaults_fill_missing_parts),
		cmocka_unit_test(proposal_rejects_weak_and_malformed),
		cmocka_unit_test(lexer_quotes_comments_and_spaces_around_equals),
		cmocka_unit_test(lexer_rejects_malformed_lines_with_reason),
		cmocka_unit_test(options_table_defaults_parse_and_rows_are_documented),
		cmocka_unit_test(options_suggest_near_names_only),
		cmocka_unit_test(options_apply_refuses_with_reason_and_accepts_aliases),
	};

	return cmocka_run_group_tests_name("conf_values", tests, NULL, NULL);
}
