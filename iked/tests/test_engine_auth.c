/*
 * IKE_AUTH with keys from DNS, in process: the opportunistic shape
 * where the initiator learned the responder's raw public key from a
 * secure IPSECKEY (handed to ikev2_initiate()) and the responder
 * proves itself with an RFC 7427 signature while the initiator stays
 * anonymous (NULL authentication).  Two daemon contexts share one
 * temporary NSS database holding the responder's host key (nickname
 * "oe-hostkey", as oe-ipseckey makes it); datagrams go over the fake
 * wire of engine_harness.h; the kernel backend is `none`.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keyhi.h>
#include <pk11pub.h>
#include <secoid.h>

#include "engine_harness.h"

struct keys {
	char		 dir[64];
	struct crypto_nss *nss;
	struct ikev2_peer_key ec;	/* IPSECKEY algorithm 3: x || y */
	struct ikev2_peer_key ec_other;	/* a key nobody holds */
};

static struct keys K;

/* a (127.0.0.1) and b (127.0.0.2): conn "peer" and its auth lines. */
static void
auth_conf(struct harness *h, int i, const char *pol, char *buf, size_t cap,
    void *arg)
{
	const char *const *conn = arg;
	int n;

	n = snprintf(buf, cap, "config setup\n\tlisten=%s\n\tprotostack=none\n"
	    "\tpolicies-dir=%s\n\nconn peer\n\tleft=%s\n\tright=%s\n"
	    "\ttype=transport\n\tauto=add\n\tretransmit-timeout=1s\n%s",
	    h->addr[i], pol, h->addr[i], h->addr[1 - i], conn[i]);
	assert_true(n > 0 && (size_t)n < cap);
}

static struct harness *
auth_pair(const char *conn_a, const char *conn_b)
{
	static const char *const addr[2] = { "127.0.0.1", "127.0.0.2" };
	const char *conn[2] = { conn_a, conn_b };
	struct harness *h = harness_empty();

	harness_engines(h, 2, addr, auth_conf, conn);
	return h;
}

/* a initiates to east.oe.test. with the keys "from DNS", to the end. */
static void
initiate_with(struct harness *h, const struct ikev2_peer_key *keys, size_t n)
{
	struct ikev2_initiate_req req;

	memset(&req, 0, sizeof(req));
	req.conn = "peer";
	req.name = "east.oe.test.";
	req.keys = keys;
	req.nkeys = n;
	harness_initiate(h, 0, &req);
	pump(h);
}

/* ---- tests ------------------------------------------------------------- */

/* a: anonymous, checks b's ECDSA signature against the key from DNS */
#define CONN_A_OE	"\tleftauth=null\n\tleftid=%null\n\trightauth=ecdsa\n"
#define CONN_B_OE	"\tleftauth=ecdsa\n\trightauth=null\n\trightid=%null\n"

static void
auth_dns_key_authenticates_responder_anonymous_initiator(void **state)
{
	struct harness *h;
	struct ikev2_ike_sa *a, *b;

	(void)state;
	h = auth_pair(CONN_A_OE, CONN_B_OE);
	initiate_with(h, &K.ec, 1);
	assert_int_equal(h->r[0].ndone, 1);
	assert_true(h->r[0].res.ok);
	a = ikev2_sa_first(h->d[0]->sas);
	b = ikev2_sa_first(h->d[1]->sas);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->auth_local, IKEV2_AUTH_NULL);
	assert_int_equal(a->auth_peer, IKEV2_AUTH_DIGITAL_SIGNATURE);
	assert_int_equal(b->auth_local, IKEV2_AUTH_DIGITAL_SIGNATURE);
	assert_int_equal(b->auth_peer, IKEV2_AUTH_NULL);
	assert_string_equal(a->peer_name, "east.oe.test.");
	assert_true(a->child.installed && b->child.installed);
	harness_free(h);
}

static void
auth_signature_by_another_key_than_dns_is_refused(void **state)
{
	struct harness *h;

	(void)state;
	h = auth_pair(CONN_A_OE, CONN_B_OE);
	initiate_with(h, &K.ec_other, 1);
	assert_int_equal(h->r[0].ndone, 1);
	assert_false(h->r[0].res.ok);
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 0);
	harness_free(h);
}

static void
auth_no_dns_key_means_no_proof(void **state)
{
	struct harness *h;

	(void)state;
	h = auth_pair(CONN_A_OE, CONN_B_OE);
	initiate_with(h, NULL, 0);
	assert_int_equal(h->r[0].ndone, 1);
	assert_false(h->r[0].res.ok);
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 0);
	harness_free(h);
}

static void
auth_responder_cannot_downgrade_to_null(void **state)
{
	struct harness *h;

	/* b answers with NULL auth although a requires a signature */
	(void)state;
	h = auth_pair(CONN_A_OE,
	    "\tauthby=null\n\tleftid=%null\n\trightid=%null\n");
	initiate_with(h, &K.ec, 1);
	assert_int_equal(h->r[0].ndone, 1);
	assert_false(h->r[0].res.ok);
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 0);
	harness_free(h);
}

/* ---- keys -------------------------------------------------------------- */

/* A P-256 key pair in the database; its public value as x || y. */
static int
make_ec_key(const char *nickname, struct ikev2_peer_key *out)
{
	SECOidData *oid = SECOID_FindOIDByTag(SEC_OID_ANSIX962_EC_PRIME256V1);
	SECKEYPublicKey *pub = NULL;
	uint8_t der[16];
	SECItem params;
	int ret = -1;

	if (oid == NULL || oid->oid.len + 2 > sizeof(der))
		goto out;
	der[0] = 0x06;			/* OBJECT IDENTIFIER */
	der[1] = (uint8_t)oid->oid.len;
	memcpy(der + 2, oid->oid.data, oid->oid.len);
	params.type = siBuffer;
	params.data = der;
	params.len = oid->oid.len + 2;
	if (harness_keypair(CKM_EC_KEY_PAIR_GEN, &params, nickname, &pub) < 0)
		goto out;
	/* uncompressed point 04 || x || y: IPSECKEY wants x || y */
	if (pub->u.ec.publicValue.len != 65 ||
	    pub->u.ec.publicValue.data[0] != 0x04)
		goto out;
	out->algorithm = 3;
	out->len = 64;
	memcpy(out->key, pub->u.ec.publicValue.data + 1, 64);
	ret = 0;
out:
	if (pub != NULL)
		SECKEY_DestroyPublicKey(pub);
	return ret;
}

static int
group_setup(void **state)
{
	(void)state;
	oe_log_init("test_engine_auth", LOG_ERR);
	snprintf(K.dir, sizeof(K.dir), "/tmp/oe-test-auth.XXXXXX");
	K.nss = harness_nss_db_new(K.dir);
	if (K.nss == NULL)
		return -1;
	if (make_ec_key("oe-hostkey", &K.ec) < 0 ||
	    make_ec_key(NULL, &K.ec_other) < 0)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	return harness_nss_db_free(K.nss, K.dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(auth_dns_key_authenticates_responder_anonymous_initiator),
		cmocka_unit_test(auth_signature_by_another_key_than_dns_is_refused),
		cmocka_unit_test(auth_no_dns_key_means_no_proof),
		cmocka_unit_test(auth_responder_cannot_downgrade_to_null),
	};

	return cmocka_run_group_tests_name("engine_auth", tests, group_setup,
	    group_teardown);
}
