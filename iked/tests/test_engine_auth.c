/*
 * IKE_AUTH with keys from DNS, in process: the opportunistic shape
 * where the initiator learned the responder's raw public key from a
 * secure IPSECKEY (handed to ikev2_initiate()) and the responder
 * proves itself with an RFC 7427 signature while the initiator stays
 * anonymous (NULL authentication).  Two daemon contexts share one
 * temporary NSS database holding the responder's host key (nickname
 * "oe-hostkey", as oe-ipseckey makes it); datagrams go over a fake
 * wire; the kernel backend is `none`.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <keyhi.h>
#include <pk11pub.h>
#include <secoid.h>

#include "ikev2.h"
#include "iked.h"
#include "ikev2_exchange.h"
#include "ikev2_sa.h"
#include "crypto.h"

#define MAXQ	32

struct pkt {
	int		 to;
	struct ikev2_path path;
	uint8_t		*buf;
	size_t		 len;
};

struct harness {
	sd_event	*ev;
	struct iked	*d[2];
	int		 idx[2];
	struct pkt	 q[MAXQ];
	size_t		 nq;
	int		 ndone;
	struct ikev2_initiate_result res;
};

struct keys {
	char		 dir[64];
	struct crypto_nss *nss;
	struct ikev2_peer_key ec;	/* IPSECKEY algorithm 3: x || y */
	struct ikev2_peer_key ec_other;	/* a key nobody holds */
};

static struct keys K;
static struct harness *H;

static int
fake_send(void *arg, const struct ikev2_path *path, const uint8_t *buf,
    size_t len)
{
	int from = *(int *)arg;
	struct pkt *p;

	if (H->nq >= MAXQ)
		return 0;
	p = &H->q[H->nq++];
	p->to = 1 - from;
	p->path.local = path->remote;
	p->path.remote = path->local;
	p->path.lport = path->rport;
	p->path.rport = path->lport;
	p->len = len;
	p->buf = malloc(len);
	assert_non_null(p->buf);
	memcpy(p->buf, buf, len);
	return 0;
}

static void
pump(void)
{
	int rounds;

	for (rounds = 0; rounds < 50 && H->nq > 0; rounds++) {
		struct pkt p = H->q[0];

		memmove(&H->q[0], &H->q[1], (H->nq - 1) * sizeof(H->q[0]));
		H->nq--;
		ikev2_recv(H->d[p.to], &p.path, p.buf, p.len);
		free(p.buf);
	}
}

static void
write_conf(const char *path, const char *me, const char *peer,
    const char *conn)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "config setup\n\tlisten=%s\n\tprotostack=none\n"
	    "\tpolicies-dir=%s\n\nconn peer\n\tleft=%s\n\tright=%s\n"
	    "\ttype=transport\n\tauto=add\n\tretransmit-timeout=1s\n%s",
	    me, K.dir, me, peer, conn);
	fclose(f);
}

static void
harness_new(const char *conn_a, const char *conn_b)
{
	struct iked_opts o;
	char conf[2][128];
	int i;

	H = calloc(1, sizeof(*H));
	assert_non_null(H);
	snprintf(conf[0], sizeof(conf[0]), "%s/a.conf", K.dir);
	snprintf(conf[1], sizeof(conf[1]), "%s/b.conf", K.dir);
	write_conf(conf[0], "127.0.0.1", "127.0.0.2", conn_a);
	write_conf(conf[1], "127.0.0.2", "127.0.0.1", conn_b);
	assert_int_equal(sd_event_new(&H->ev), 0);
	for (i = 0; i < 2; i++) {
		memset(&o, 0, sizeof(o));
		o.config = conf[i];
		o.kernel = "none";
		o.log_level = LOG_ERR;
		o.no_nss = true;
		H->d[i] = iked_new(H->ev, &o);
		assert_non_null(H->d[i]);
		H->idx[i] = i;
		H->d[i]->send = fake_send;
		H->d[i]->send_arg = &H->idx[i];
		assert_int_equal(iked_setup(H->d[i]), 0);
	}
}

static void
harness_free(void)
{
	size_t i;
	char p[160];

	iked_free(H->d[0]);
	iked_free(H->d[1]);
	for (i = 0; i < H->nq; i++)
		free(H->q[i].buf);
	sd_event_unref(H->ev);
	free(H);
	H = NULL;
	snprintf(p, sizeof(p), "%s/a.conf", K.dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/b.conf", K.dir);
	unlink(p);
}

static void
on_done(void *arg, const struct ikev2_initiate_result *res)
{
	(void)arg;
	H->ndone++;
	H->res = *res;
}

static void
initiate_with(const struct ikev2_peer_key *keys, size_t n)
{
	struct ikev2_initiate_req req;

	memset(&req, 0, sizeof(req));
	req.conn = "peer";
	req.name = "east.oe.test.";
	req.keys = keys;
	req.nkeys = n;
	req.done = on_done;
	assert_int_equal(ikev2_initiate(H->d[0], &req), 0);
	pump();
}

/* ---- tests ------------------------------------------------------------- */

/* a: anonymous, checks b's ECDSA signature against the key from DNS */
#define CONN_A_OE	"\tleftauth=null\n\tleftid=%null\n\trightauth=ecdsa\n"
#define CONN_B_OE	"\tleftauth=ecdsa\n\trightauth=null\n\trightid=%null\n"

static void
auth_dns_key_authenticates_responder_anonymous_initiator(void **state)
{
	struct ikev2_ike_sa *a, *b;

	(void)state;
	harness_new(CONN_A_OE, CONN_B_OE);
	initiate_with(&K.ec, 1);
	assert_int_equal(H->ndone, 1);
	assert_true(H->res.ok);
	a = ikev2_sa_first(H->d[0]->sas);
	b = ikev2_sa_first(H->d[1]->sas);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->auth_local, IKEV2_AUTH_NULL);
	assert_int_equal(a->auth_peer, IKEV2_AUTH_DIGITAL_SIGNATURE);
	assert_int_equal(b->auth_local, IKEV2_AUTH_DIGITAL_SIGNATURE);
	assert_int_equal(b->auth_peer, IKEV2_AUTH_NULL);
	assert_string_equal(a->peer_name, "east.oe.test.");
	assert_true(a->child.installed && b->child.installed);
	harness_free();
}

static void
auth_signature_by_another_key_than_dns_is_refused(void **state)
{
	(void)state;
	harness_new(CONN_A_OE, CONN_B_OE);
	initiate_with(&K.ec_other, 1);
	assert_int_equal(H->ndone, 1);
	assert_false(H->res.ok);
	assert_int_equal(ikev2_sa_count(H->d[0]->sas), 0);
	harness_free();
}

static void
auth_no_dns_key_means_no_proof(void **state)
{
	(void)state;
	harness_new(CONN_A_OE, CONN_B_OE);
	initiate_with(NULL, 0);
	assert_int_equal(H->ndone, 1);
	assert_false(H->res.ok);
	assert_int_equal(ikev2_sa_count(H->d[0]->sas), 0);
	harness_free();
}

static void
auth_responder_cannot_downgrade_to_null(void **state)
{
	/* b answers with NULL auth although a requires a signature */
	(void)state;
	harness_new(CONN_A_OE,
	    "\tauthby=null\n\tleftid=%null\n\trightid=%null\n");
	initiate_with(&K.ec, 1);
	assert_int_equal(H->ndone, 1);
	assert_false(H->res.ok);
	assert_int_equal(ikev2_sa_count(H->d[0]->sas), 0);
	harness_free();
}

/* ---- keys -------------------------------------------------------------- */

/* A P-256 key pair in the database; its public value as x || y. */
static int
make_ec_key(const char *nickname, struct ikev2_peer_key *out)
{
	SECOidData *oid = SECOID_FindOIDByTag(SEC_OID_ANSIX962_EC_PRIME256V1);
	PK11SlotInfo *slot = PK11_GetInternalKeySlot();
	SECKEYPrivateKey *priv = NULL;
	SECKEYPublicKey *pub = NULL;
	uint8_t der[16];
	SECItem params;
	int ret = -1;

	if (oid == NULL || slot == NULL || oid->oid.len + 2 > sizeof(der))
		goto out;
	/* A new database has no password yet: set the empty one. */
	if (PK11_NeedUserInit(slot) &&
	    PK11_InitPin(slot, NULL, "") != SECSuccess)
		goto out;
	der[0] = 0x06;			/* OBJECT IDENTIFIER */
	der[1] = (uint8_t)oid->oid.len;
	memcpy(der + 2, oid->oid.data, oid->oid.len);
	params.type = siBuffer;
	params.data = der;
	params.len = oid->oid.len + 2;
	priv = PK11_GenerateKeyPair(slot, CKM_EC_KEY_PAIR_GEN, &params, &pub,
	    PR_TRUE, PR_TRUE, NULL);
	if (priv == NULL || pub == NULL)
		goto out;
	if (nickname != NULL &&
	    PK11_SetPrivateKeyNickname(priv, nickname) != SECSuccess)
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
	if (priv != NULL)
		SECKEY_DestroyPrivateKey(priv);
	if (pub != NULL)
		SECKEY_DestroyPublicKey(pub);
	if (slot != NULL)
		PK11_FreeSlot(slot);
	return ret;
}

static int
group_setup(void **state)
{
	char db[96];

	(void)state;
	oe_log_init("test_engine_auth", LOG_ERR);
	snprintf(K.dir, sizeof(K.dir), "/tmp/oe-test-auth.XXXXXX");
	if (mkdtemp(K.dir) == NULL)
		return -1;
	snprintf(db, sizeof(db), "sql:%s", K.dir);
	K.nss = crypto_nss_init(db, true);
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
	static const char *const files[] = { "cert9.db", "key4.db",
	    "pkcs11.txt" };
	char p[128];
	size_t i;

	(void)state;
	crypto_nss_shutdown(K.nss);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", K.dir, files[i]);
		(void)unlink(p);
	}
	return rmdir(K.dir) == 0 ? 0 : -1;
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
