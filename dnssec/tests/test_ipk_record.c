/*
 * IPSECKEY encoding of known keys, checked independently: the expected
 * key fields were computed from OpenSSL's output (test/data/dnssec),
 * records are parsed back with libldns and with ldns-read-zone, and
 * host keys made in NSS are compared with NSS's own public export.
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

#include <nss.h>
#include <pk11pub.h>
#include <keyhi.h>
#include <cryptohi.h>

#include "ipk_hostkey.h"
#include "ipk_record.h"
#include "ipk_util.h"
#include "ipk_test_util.h"
#include "oe_ipseckey.h"

static char *
data_path(const char *name)
{
	const char *dir = getenv("OE_TEST_DATA");
	char *p = NULL;

	if (dir != NULL)
		assert_true(asprintf(&p, "%s/dnssec/%s", dir, name) > 0);
	else
		assert_true(asprintf(&p, "%s/%s", IPK_TEST_DATA, name) > 0);
	return p;
}

/* The expected key field (independently computed), decoded. */
static uint8_t *
expected_key(const char *name, size_t *len)
{
	char *path = data_path(name), *text = tu_read(path);
	uint8_t *key;

	assert_non_null(text);
	text[strcspn(text, "\n")] = '\0';
	key = ipk_b64_decode(text, len);
	assert_non_null(key);
	free(text);
	free(path);
	return key;
}

/* Public key from an SPKI DER file, through NSS (no database needed). */
static SECKEYPublicKey *
spki_pubkey(const char *name)
{
	char *path = data_path(name);
	SECKEYPublicKey *pk = NULL;
	CERTSubjectPublicKeyInfo *spki;
	uint8_t der[1024];
	SECItem item;
	FILE *fp = fopen(path, "rb");
	size_t n;

	assert_non_null(fp);
	n = fread(der, 1, sizeof(der), fp);
	fclose(fp);
	free(path);
	item.type = siBuffer;
	item.data = der;
	item.len = (unsigned)n;
	spki = SECKEY_DecodeDERSubjectPublicKeyInfo(&item);
	assert_non_null(spki);
	pk = SECKEY_ExtractPublicKey(spki);
	SECKEY_DestroySubjectPublicKeyInfo(spki);
	assert_non_null(pk);
	return pk;
}

/* A database-less NSS context per test, like the host key tests use. */
static int
nss_up(void **state)
{
	NSSInitContext *ctx = NSS_InitContext("", "", "", "", NULL,
	    NSS_INIT_NOCERTDB | NSS_INIT_NOMODDB | NSS_INIT_NOROOTINIT);

	*state = ctx;
	return ctx != NULL ? 0 : -1;
}

static int
nss_down(void **state)
{
	NSS_ShutdownContext(*state);
	return 0;
}

static void
ipseckey_rsa2048_key_matches_openssl_vector(void **state)
{
	SECKEYPublicKey *pk = spki_pubkey("rsa2048.spki.der");
	struct ipk_pubkey key;
	size_t want_len;
	uint8_t *want = expected_key("rsa2048.ipseckey-key.b64", &want_len);
	char err[128];

	(void)state;
	assert_true(ipk_rsa_rfc3110(pk->u.rsa.publicExponent.data,
	    pk->u.rsa.publicExponent.len, pk->u.rsa.modulus.data,
	    pk->u.rsa.modulus.len, &key));
	assert_int_equal(key.algorithm, 2);
	assert_int_equal(key.key_len, want_len);
	assert_memory_equal(key.key, want, want_len);
	assert_true(ipk_pubkey_check(&key, err, sizeof(err)));
	assert_int_equal(ipk_pubkey_bits(&key), 2048);
	free(want);
	SECKEY_DestroyPublicKey(pk);
}

static void
check_ec_vector(const char *spki, const char *vec, unsigned bits)
{
	SECKEYPublicKey *pk = spki_pubkey(spki);
	struct ipk_pubkey key;
	size_t want_len;
	uint8_t *want = expected_key(vec, &want_len);
	char err[128];

	assert_true(ipk_ecdsa_point(pk->u.ec.publicValue.data,
	    pk->u.ec.publicValue.len, &key));
	assert_int_equal(key.algorithm, 3);
	assert_int_equal(key.key_len, want_len);
	assert_memory_equal(key.key, want, want_len);
	assert_true(ipk_pubkey_check(&key, err, sizeof(err)));
	assert_int_equal(ipk_pubkey_bits(&key), bits);
	free(want);
	SECKEY_DestroyPublicKey(pk);
}

static void
ipseckey_p256_key_matches_openssl_vector(void **state)
{
	(void)state;
	check_ec_vector("p256.spki.der", "p256.ipseckey-key.b64", 256);
}

static void
ipseckey_p384_key_matches_openssl_vector(void **state)
{
	(void)state;
	check_ec_vector("p384.spki.der", "p384.ipseckey-key.b64", 384);
}

static void
ipseckey_rsa_rfc3110_strips_leading_zeros_and_refuses_empty(void **state)
{
	static const uint8_t exp[] = { 0x00, 0x01, 0x00, 0x01 };
	uint8_t mod[257];
	struct ipk_pubkey key;

	(void)state;
	memset(mod, 0xab, sizeof(mod));
	mod[0] = 0;		/* NSS often gives a sign octet */
	mod[256] = 0xad;	/* odd */
	assert_true(ipk_rsa_rfc3110(exp, sizeof(exp), mod, sizeof(mod), &key));
	assert_int_equal(key.key[0], 3);
	assert_int_equal(key.key_len, 1 + 3 + 256);
	assert_int_equal(key.key[4], 0xab);
	assert_false(ipk_rsa_rfc3110(exp, sizeof(exp), mod, 1, &key));
}

static void
ipseckey_ec_point_rejects_compressed_and_odd_sizes(void **state)
{
	uint8_t pt[97];
	struct ipk_pubkey key;

	(void)state;
	memset(pt, 1, sizeof(pt));
	pt[0] = 0x02;
	assert_false(ipk_ecdsa_point(pt, 65, &key));
	pt[0] = 0x04;
	assert_false(ipk_ecdsa_point(pt, 64, &key));
	assert_false(ipk_ecdsa_point(pt, 33, &key));
	assert_true(ipk_ecdsa_point(pt, 97, &key));
	assert_int_equal(key.key_len, 96);
}

static void
fill_record(struct ipk_record *rec, const char *vec, uint8_t alg)
{
	size_t len;
	uint8_t *k = expected_key(vec, &len);

	memset(rec, 0, sizeof(*rec));
	strcpy(rec->name, "east.oe.test.");
	rec->ttl = 300;
	rec->precedence = 10;
	rec->key.algorithm = alg;
	rec->key.key_len = len;
	memcpy(rec->key.key, k, len);
	free(k);
}

static void
record_rdata_from_ldns_matches_key_for_every_gateway_type(void **state)
{
	static const char *const gws[] = { "", "192.0.2.7", "2001:db8::7",
	    "gw.oe.test." };
	struct ipk_record rec;
	struct oe_ipseckey parsed;
	const char *why;
	uint8_t wire[4096];
	size_t i;

	(void)state;
	fill_record(&rec, "p256.ipseckey-key.b64", 3);
	for (i = 0; i < 4; i++) {
		ldns_rr *rr;
		ldns_buffer *buf = ldns_buffer_new(4096);
		size_t rdlen;

		assert_true(ipk_gateway_parse(gws[i], &rec, &why));
		assert_int_equal(rec.gateway_type, i);
		rr = ipk_record_to_rr(&rec);
		assert_non_null(rr);
		assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_IPSECKEY);
		assert_int_equal(ldns_rr_ttl(rr), 300);
		/* RDATA as libldns serialises it, parsed by the shared codec. */
		assert_int_equal(ldns_rr_rdata2buffer_wire(buf, rr),
		    LDNS_STATUS_OK);
		rdlen = ldns_buffer_position(buf);
		assert_true(rdlen < sizeof(wire));
		memcpy(wire, ldns_buffer_begin(buf), rdlen);
		assert_int_equal(oe_ipseckey_parse_wire(&parsed, wire, rdlen,
		    NULL, 0), 0);
		assert_int_equal(parsed.precedence, 10);
		assert_int_equal(parsed.gateway_type, i);
		assert_int_equal(parsed.algorithm, 3);
		assert_int_equal(parsed.key_len, rec.key.key_len);
		assert_memory_equal(parsed.key, rec.key.key, rec.key.key_len);
		ldns_buffer_free(buf);
		ldns_rr_free(rr);
	}
}

static void
record_text_equals_ldns_read_zone_output(void **state)
{
	struct ipk_record rec;
	char *dir = tu_tmpdir(), *text, *zone, *path, *cmd = NULL;
	char line[4096];
	const char *why;
	FILE *p;

	(void)state;
	if (system("command -v ldns-read-zone >/dev/null 2>&1") != 0) {
		tu_rmtree(dir);
		free(dir);
		skip();
	}
	fill_record(&rec, "rsa2048.ipseckey-key.b64", 2);
	assert_true(ipk_gateway_parse("198.51.100.2", &rec, &why));
	text = ipk_record_to_text(&rec);
	assert_non_null(text);
	assert_true(asprintf(&zone, "%s\n", text) > 0);
	path = tu_write(dir, "rec.zone", zone);
	assert_non_null(path);
	assert_true(asprintf(&cmd, "ldns-read-zone -c '%s'", path) > 0);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	assert_int_equal(pclose(p), 0);
	line[strcspn(line, "\n")] = '\0';
	/* Canonical output of an independent parser equals our line. */
	assert_string_equal(line, text);
	free(cmd);
	free(path);
	free(zone);
	free(text);
	tu_rmtree(dir);
	free(dir);
}

static void
record_json_has_trigger_protocol_fields(void **state)
{
	struct ipk_record rec;
	char *json;
	const char *why;

	(void)state;
	fill_record(&rec, "p384.ipseckey-key.b64", 3);
	assert_true(ipk_gateway_parse("gw.oe.test", &rec, &why));
	json = ipk_record_to_json(&rec, "00ff");
	assert_non_null(json);
	assert_non_null(strstr(json, "\"gateway_type\": 3"));
	assert_non_null(strstr(json, "\"gateway\": \"gw.oe.test.\""));
	assert_non_null(strstr(json, "\"algorithm\": 3"));
	assert_non_null(strstr(json, "\"key_bits\": 384"));
	assert_non_null(strstr(json, "\"ckaid\": \"00ff\""));
	free(json);
}

/* --- NSS database and host keys ------------------------------------ */

struct nssdb_state {
	char	*tmp;
	char	*db;
};

static int
db_setup(void **state)
{
	struct nssdb_state *s = calloc(1, sizeof(*s));

	s->tmp = tu_tmpdir();
	if (s->tmp == NULL || asprintf(&s->db, "%s/nss", s->tmp) < 0)
		return -1;
	*state = s;
	return 0;
}

static int
db_teardown(void **state)
{
	struct nssdb_state *s = *state;

	tu_rmtree(s->tmp);
	free(s->tmp);
	free(s->db);
	free(s);
	return 0;
}

/* SHA-1 through NSS of `data`, to check the CKA_ID rule. */
static void
sha1(const uint8_t *data, size_t len, uint8_t out[20])
{
	NSSInitContext *ctx = NSS_InitContext("", "", "", "", NULL,
	    NSS_INIT_NOCERTDB | NSS_INIT_NOMODDB | NSS_INIT_NOROOTINIT);

	assert_non_null(ctx);
	assert_int_equal(PK11_HashBuf(SEC_OID_SHA1, out, data, (PRInt32)len),
	    SECSuccess);
	NSS_ShutdownContext(ctx);
}

static void
nssdb_init_creates_private_dir_and_is_idempotent(void **state)
{
	struct nssdb_state *s = *state;
	struct stat st;
	char *key4 = NULL;

	assert_true(ipk_nssdb_init(s->db));
	assert_int_equal(stat(s->db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_true(asprintf(&key4, "%s/key4.db", s->db) > 0);
	assert_int_equal(stat(key4, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	assert_true(ipk_nssdb_init(s->db));	/* second run: unchanged */
	free(key4);
}

static void
nssdb_init_refuses_a_file_in_the_way(void **state)
{
	struct nssdb_state *s = *state;
	char *f = tu_write(s->tmp, "nss", "not a directory\n");

	assert_false(ipk_nssdb_init(f));
	free(f);
}

static void
newkey_rsa_key_matches_nss_export_and_ckaid_rule(void **state)
{
	struct nssdb_state *s = *state;
	struct ipk_pubkey made, loaded;
	uint8_t id1[20], id2[20], want[20];
	size_t eoff, elen;

	assert_true(ipk_nssdb_init(s->db));
	assert_true(ipk_hostkey_generate(s->db, IPK_HOSTKEY_NICKNAME,
	    IPK_KEY_RSA, 2048, &made, id1));
	/* The public key NSS returned at generation equals the one read
	 * back later from the stored private key. */
	assert_true(ipk_hostkey_load(s->db, IPK_HOSTKEY_NICKNAME, &loaded,
	    id2));
	assert_int_equal(made.key_len, loaded.key_len);
	assert_memory_equal(made.key, loaded.key, made.key_len);
	assert_memory_equal(id1, id2, 20);
	assert_int_equal(ipk_pubkey_bits(&loaded), 2048);
	/* CKA_ID = SHA-1 of the modulus. */
	elen = loaded.key[0];
	eoff = 1;
	sha1(loaded.key + eoff + elen, loaded.key_len - eoff - elen, want);
	assert_memory_equal(id2, want, 20);
}

static void
newkey_ecdsa_ckaid_is_sha1_of_ec_point(void **state)
{
	struct nssdb_state *s = *state;
	struct ipk_pubkey made, loaded;
	uint8_t id[20], want[20], point[97];

	assert_true(ipk_nssdb_init(s->db));
	assert_true(ipk_hostkey_generate(s->db, IPK_HOSTKEY_NICKNAME,
	    IPK_KEY_EC_P384, 0, &made, id));
	assert_int_equal(made.key_len, 96);
	assert_true(ipk_hostkey_load(s->db, IPK_HOSTKEY_NICKNAME, &loaded,
	    id));
	assert_memory_equal(made.key, loaded.key, 96);
	point[0] = 0x04;
	memcpy(point + 1, loaded.key, 96);
	sha1(point, sizeof(point), want);
	assert_memory_equal(id, want, 20);
}

static void
newkey_refuses_rsa_below_2048_bits(void **state)
{
	struct nssdb_state *s = *state;
	struct ipk_pubkey pub;
	uint8_t id[20];

	assert_true(ipk_nssdb_init(s->db));
	assert_false(ipk_hostkey_generate(s->db, IPK_HOSTKEY_NICKNAME,
	    IPK_KEY_RSA, 1024, &pub, id));
	assert_false(ipk_hostkey_generate(s->db, IPK_HOSTKEY_NICKNAME,
	    IPK_KEY_RSA, 2047, &pub, id));
	/* Nothing was stored. */
	assert_false(ipk_hostkey_load(s->db, IPK_HOSTKEY_NICKNAME, &pub, id));
}

static void
newkey_refuses_a_second_host_key(void **state)
{
	struct nssdb_state *s = *state;
	struct ipk_pubkey a, b;
	uint8_t id[20];

	assert_true(ipk_nssdb_init(s->db));
	assert_true(ipk_hostkey_generate(s->db, IPK_HOSTKEY_NICKNAME,
	    IPK_KEY_EC_P256, 0, &a, id));
	assert_false(ipk_hostkey_generate(s->db, IPK_HOSTKEY_NICKNAME,
	    IPK_KEY_EC_P256, 0, &b, id));
	/* The first key is still the one found. */
	assert_true(ipk_hostkey_load(s->db, IPK_HOSTKEY_NICKNAME, &b, id));
	assert_memory_equal(a.key, b.key, a.key_len);
}

static void
hostkey_load_reports_missing_database(void **state)
{
	struct nssdb_state *s = *state;
	struct ipk_pubkey pub;
	uint8_t id[20];
	char *log;

	tu_capture_begin();
	assert_false(ipk_hostkey_load(s->db, IPK_HOSTKEY_NICKNAME, &pub, id));
	log = tu_capture_end();
	assert_non_null(strstr(log, "run oe-ipseckey init"));
	free(log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ipseckey_rsa2048_key_matches_openssl_vector, nss_up, nss_down),
		cmocka_unit_test_setup_teardown(ipseckey_p256_key_matches_openssl_vector, nss_up, nss_down),
		cmocka_unit_test_setup_teardown(ipseckey_p384_key_matches_openssl_vector, nss_up, nss_down),
		cmocka_unit_test(ipseckey_rsa_rfc3110_strips_leading_zeros_and_refuses_empty),
		cmocka_unit_test(ipseckey_ec_point_rejects_compressed_and_odd_sizes),
		cmocka_unit_test(record_rdata_from_ldns_matches_key_for_every_gateway_type),
		cmocka_unit_test(record_text_equals_ldns_read_zone_output),
		cmocka_unit_test(record_json_has_trigger_protocol_fields),
		cmocka_unit_test_setup_teardown(nssdb_init_creates_private_dir_and_is_idempotent, db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(nssdb_init_refuses_a_file_in_the_way, db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(newkey_rsa_key_matches_nss_export_and_ckaid_rule, db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(newkey_ecdsa_ckaid_is_sha1_of_ec_point, db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(newkey_refuses_rsa_below_2048_bits, db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(newkey_refuses_a_second_host_key, db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(hostkey_load_reports_missing_database, db_setup, db_teardown),
	};

	return cmocka_run_group_tests_name("ipseckey_encoding_and_hostkey",
	    tests, NULL, NULL);
}
