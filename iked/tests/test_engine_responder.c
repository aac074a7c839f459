/*
 * Responder-side authentication, in process: three daemon contexts,
 * "west" (127.0.0.1), "east" (127.0.0.2) and "mallory", a second
 * host at west's address (127.0.0.1), over the fake wire of
 * engine_harness.h; the kernel backend is `none`, whose recorded
 * policies the tests read.  Datagrams
 * to 127.0.0.1 go to whichever of west and mallory holds the IKE SA
 * they name (as the one host there would), to west otherwise.
 *
 * Keys: one temporary NSS database shared by the three contexts holds
 * an RSA key that west and east both sign with and know as the
 * other's (leftrsasigkey/rightrsasigkey=0x...), and a second RSA key
 * that nobody configures (a wrong key "from DNS").
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
#include <ldns/ldns.h>

#include "engine_harness.h"
#include "ikev2_auth.h"
#include "ikev2_child.h"
#include "ikev2_message.h"
#include "dns_keys.h"
#include "oe_ipseckey.h"

#define WEST		0
#define EAST		1
#define MALLORY		2
#define RSA_HEX_MAX	(2 * 600)

static const char *const eng_addr[HARNESS_MAX] = {
	"127.0.0.1", "127.0.0.2", "127.0.0.1",
};

struct keys {
	char		 dir[64];
	struct crypto_nss *nss;
	char		 rsa_hex[RSA_HEX_MAX + 3];	/* "0x" + RFC 3110 */
	uint8_t		 rsa[600];			/* the same, raw */
	size_t		 rsa_len;
	struct ikev2_peer_key rsa_other;		/* nobody's */
};

static struct keys K;

/* ---- the wire ------------------------------------------------------- */

/* Which context at the destination address takes this datagram. */
static int
receiver(struct harness *h, const struct pkt *p)
{
	struct ikev2_header hdr;
	struct ikev2_error err;
	char as[OE_ADDR_STRLEN];

	oe_addr_format(&p->path.remote, as, sizeof(as));
	if (strcmp(as, eng_addr[EAST]) == 0)
		return EAST;
	memset(&err, 0, sizeof(err));
	if (ikev2_header_parse(p->buf, p->len, &hdr, &err) == IKEV2_OK &&
	    (ikev2_sa_find(h->d[MALLORY]->sas, hdr.ispi) != NULL ||
	    ikev2_sa_find(h->d[MALLORY]->sas, hdr.rspi) != NULL))
		return MALLORY;
	return WEST;
}

/* ---- contexts --------------------------------------------------------- */

#define SETUP_FMT	"config setup\n\tlisten=%s\n\tprotostack=none\n" \
			"\tpolicies-dir=%s\n\n"
#define CONN_COMMON	"\ttype=transport\n\tretransmit-interval=50\n" \
			"\tretransmit-timeout=1s\n"

/* west: keyed both ways; "peer-dns" takes east's key from the request. */
static void
conf_west(char *buf, size_t cap, const char *pol)
{
	snprintf(buf, cap, SETUP_FMT
	    "conn peer\n\tleft=127.0.0.1\n\tright=127.0.0.2\n" CONN_COMMON
	    "\tauto=add\n\tleftauth=rsasig\n\tleftrsasigkey=%s\n"
	    "\tleftid=@west.oe.test\n"
	    "\trightauth=rsasig\n\trightrsasigkey=%s\n\n"
	    "conn peer-dns\n\tleft=127.0.0.1\n\tright=127.0.0.2\n" CONN_COMMON
	    "\tauto=add\n\tleftauth=rsasig\n\tleftrsasigkey=%s\n"
	    "\trightauth=rsasig\n\trightrsasigkey=%%dnsondemand\n",
	    eng_addr[WEST], pol, K.rsa_hex, K.rsa_hex, K.rsa_hex);
}

/* What east's configuration holds besides the keyed group conn. */
#define EAST_OE		0x1	/* "oe": anonymous group conn, 127.0.0.0/24 */
#define EAST_ANY	0x2	/* "roadwarrior": keyed, right=%any */
#define EAST_EXACT	0x4	/* "west": keyed, right=127.0.0.1 */
#define EAST_DNS	0x8	/* "private" takes keys from DNS (dns-resolver=) */

/*
 * east: a keyed opportunistic conn "private" for 127.0.0.0/8 and, as
 * `with` says, an anonymous one for the narrower 127.0.0.0/24 (a
 * NULL-auth exception holding west's address), a keyed right=%any conn
 * and a keyed conn naming west's address.  The conns come in the
 * order least specific first, so that config order decides nothing.
 */
static void
conf_east(char *buf, size_t cap, const char *pol, unsigned with,
    uint16_t dns_port)
{
	char dns[96] = "";
	int n;

	if (with & EAST_DNS)
		snprintf(dns, sizeof(dns), "\tdns-resolver=127.0.0.1\n"
		    "\tdns-resolver-port=%u\n\n", dns_port);
	n = snprintf(buf, cap, SETUP_FMT "%s"
	    "conn private\n\tleft=127.0.0.2\n\tright=%%opportunisticgroup\n"
	    CONN_COMMON "\tauto=ondemand\n\tleftauth=rsasig\n"
	    "\tleftrsasigkey=%s\n\trightauth=rsasig\n\trightrsasigkey=%s\n\n",
	    eng_addr[EAST], pol, dns, K.rsa_hex,
	    (with & EAST_DNS) ? "%dnsondemand" : K.rsa_hex);
	assert_true(n > 0 && (size_t)n < cap);
	if (with & EAST_OE)
		n += snprintf(buf + n, cap - (size_t)n,
		    "conn oe\n\tleft=127.0.0.2\n\tright=%%opportunisticgroup\n"
		    CONN_COMMON "\tauto=ondemand\n\tauthby=null\n"
		    "\tleftid=%%null\n\trightid=%%null\n\n");
	assert_true((size_t)n < cap);
	if (with & EAST_ANY)
		n += snprintf(buf + n, cap - (size_t)n,
		    "conn roadwarrior\n\tleft=127.0.0.2\n\tright=%%any\n"
		    CONN_COMMON "\tauto=add\n\tleftauth=rsasig\n"
		    "\tleftrsasigkey=%s\n\trightauth=rsasig\n"
		    "\trightrsasigkey=%s\n\n", K.rsa_hex, K.rsa_hex);
	assert_true((size_t)n < cap);
	if (with & EAST_EXACT)
		n += snprintf(buf + n, cap - (size_t)n,
		    "conn west\n\tleft=127.0.0.2\n\tright=127.0.0.1\n"
		    CONN_COMMON "\tauto=add\n\tleftauth=rsasig\n"
		    "\tleftrsasigkey=%s\n\trightauth=rsasig\n"
		    "\trightrsasigkey=%s\n\n", K.rsa_hex, K.rsa_hex);
	assert_true((size_t)n < cap);
}

/* mallory: anonymous, from west's address. */
static void
conf_mallory(char *buf, size_t cap, const char *pol)
{
	snprintf(buf, cap, SETUP_FMT
	    "conn peer\n\tleft=127.0.0.1\n\tright=127.0.0.2\n" CONN_COMMON
	    "\tauto=add\n\tauthby=null\n\tleftid=%%null\n\trightid=%%null\n",
	    eng_addr[MALLORY], pol);
}

/*
 * The fake resolver's records: for west.oe.test., an A record 127.0.0.1
 * and an IPSECKEY with west's key (the AD bit is h->dns.ad).
 */
static int
west_records(void *arg, const ldns_rr *q, char *rr, size_t cap)
{
	struct oe_ipseckey k;
	char err[96];

	(void)arg;
	if (ldns_rr_get_type(q) == LDNS_RR_TYPE_A)
		snprintf(rr, cap, "west.oe.test. 60 IN A 127.0.0.1");
	if (ldns_rr_get_type(q) == LDNS_RR_TYPE_IPSECKEY) {
		memset(&k, 0, sizeof(k));
		k.precedence = 10;
		k.algorithm = 2;
		k.alg_known = true;
		k.key_len = K.rsa_len;
		memcpy(k.key, K.rsa, K.rsa_len);
		assert_true(cap > 29);
		memcpy(rr, "west.oe.test. 60 IN IPSECKEY ", 29);
		assert_true(oe_ipseckey_to_text(&k, rr + 29, cap - 29, err,
		    sizeof(err)) > 0);
	}
	return 0;
}

/* Each context's group files (both 127.0.0.0/8 and /24) and conns. */
static void
responder_conf(struct harness *h, int i, const char *pol, char *buf,
    size_t cap, void *arg)
{
	const unsigned *east = arg;
	char path[160];

	snprintf(path, sizeof(path), "%s/private", pol);
	harness_write_file(path, "127.0.0.0/8\n");
	snprintf(path, sizeof(path), "%s/oe", pol);
	harness_write_file(path, "127.0.0.0/24\n");
	if (i == WEST)
		conf_west(buf, cap, pol);
	else if (i == EAST)
		conf_east(buf, cap, pol, *east, h->dns.port);
	else
		conf_mallory(buf, cap, pol);
}

/* west, east (its conns as `east` says) and mallory; routed by receiver. */
static struct harness *
responder_harness(unsigned east)
{
	struct harness *h = harness_empty();

	if (east & EAST_DNS)
		harness_resolver_open(h, west_records, NULL);
	h->route = receiver;
	harness_engines(h, HARNESS_MAX, eng_addr, responder_conf, &east);
	return h;
}

/* east initiates to west through its keyed group conn (a DNS trigger). */
static struct ikev2_ike_sa *
east_keyed_to_west(struct harness *h)
{
	struct ikev2_ike_sa *sa;

	initiate_from(h, EAST, "private", "127.0.0.1", NULL, 0);
	pump(h);
	assert_int_equal(h->r[EAST].ndone, 1);
	assert_true(h->r[EAST].res.ok);
	sa = only_sa(h->d[EAST]);
	assert_int_not_equal(sa->auth_peer, IKEV2_AUTH_NULL);
	assert_policies_held_by(h, EAST, "127.0.0.1", sa);
	return sa;
}

/* ---- tests ------------------------------------------------------------- */

static void
responder_null_initiator_from_keyed_peers_address_gets_no_policies(void **state)
{
	struct harness *h = responder_harness(EAST_OE);
	struct ikev2_ike_sa *keyed, *sa;
	size_t nsa, npol, nsa2, npol2;

	(void)state;
	keyed = east_keyed_to_west(h);
	kernel_none_count(h->d[EAST]->kernel, &nsa, &npol);
	/* mallory, from west's address, lands on east's NULL conn */
	initiate_from(h, MALLORY, "peer", NULL, NULL, 0);
	pump(h);
	assert_int_equal(h->r[MALLORY].ndone, 1);
	assert_false(h->r[MALLORY].res.ok);
	/* east: the keyed SA keeps the policies and its kernel SAs */
	assert_policies_held_by(h, EAST, "127.0.0.1", keyed);
	assert_int_equal(keyed->state, IKEV2_SA_ESTABLISHED);
	for (sa = ikev2_sa_first(h->d[EAST]->sas); sa != NULL;
	    sa = ikev2_sa_next(sa))
		if (sa != keyed)
			assert_false(sa->child.installed);
	kernel_none_count(h->d[EAST]->kernel, &nsa2, &npol2);
	assert_int_equal(nsa2, nsa);
	assert_int_equal(npol2, npol);
	/* west was not involved and still holds its side */
	assert_policies_held_by(h, WEST, "127.0.0.2", only_sa(h->d[WEST]));
	harness_free(h);
}

static void
responder_null_initiator_gets_policies_when_nobody_holds_them(void **state)
{
	/* the rule refuses only a takeover: alone, NULL auth still works */
	struct harness *h = responder_harness(EAST_OE);

	(void)state;
	initiate_from(h, MALLORY, "peer", NULL, NULL, 0);
	pump(h);
	assert_true(h->r[MALLORY].res.ok);
	assert_string_equal(only_sa(h->d[EAST])->conn, "oe");
	assert_policies_held_by(h, EAST, "127.0.0.1", only_sa(h->d[EAST]));
	harness_free(h);
}

static void
responder_keyed_reestablishment_after_restart_replaces_cleanly(void **state)
{
	struct harness *h = responder_harness(0);
	struct ikev2_ike_sa *old, *sa;
	uint32_t old_in, old_out;
	size_t nsa, npol;

	(void)state;
	initiate_from(h, WEST, "peer", NULL, NULL, 0);
	pump(h);
	assert_true(h->r[WEST].res.ok);
	old = only_sa(h->d[EAST]);
	old_in = old->child.spi_in;
	old_out = old->child.spi_out;
	/* west restarts: its state vanishes without a word to east */
	sa = only_sa(h->d[WEST]);
	ikev2_child_remove(sa);
	ikev2_sa_destroy(sa, "test: crash");
	initiate_from(h, WEST, "peer", NULL, NULL, 0);
	pump(h);
	assert_true(h->r[WEST].res.ok);
	/* INITIAL_CONTACT: east dropped the stale SA, the new one holds */
	sa = only_sa(h->d[EAST]);
	assert_int_not_equal(sa->child.spi_in, old_in);
	assert_false(sa->child_policies_deferred);
	assert_policies_held_by(h, EAST, "127.0.0.1", sa);
	assert_false(kernel_has_sa(h->d[EAST], "127.0.0.2", old_in));
	assert_false(kernel_has_sa(h->d[EAST], "127.0.0.1", old_out));
	kernel_none_count(h->d[EAST]->kernel, &nsa, &npol);
	assert_int_equal(nsa, 2);
	assert_policies_held_by(h, WEST, "127.0.0.2", only_sa(h->d[WEST]));
	harness_free(h);
}

static void
responder_keyed_duplicate_takes_policies_when_initiator_confirms(void **state)
{
	struct harness *h = responder_harness(0);
	struct ikev2_ike_sa *first, *second, *wsecond;

	(void)state;
	initiate_from(h, WEST, "peer", NULL, NULL, 0);
	pump(h);
	first = only_sa(h->d[EAST]);
	/* a second IKE SA while west holds the first: no INITIAL_CONTACT */
	initiate_from(h, WEST, "peer", NULL, NULL, 0);
	/* IKE_SA_INIT and IKE_AUTH, request and response each */
	assert_int_equal(pump_n(h, 4), 4);
	assert_int_equal(h->r[WEST].ndone, 1);
	assert_true(h->r[WEST].res.ok);
	assert_int_equal(ikev2_sa_count(h->d[EAST]->sas), 2);
	second = ikev2_sa_first(h->d[EAST]->sas);	/* newest first */
	assert_ptr_not_equal(second, first);
	/* east answered but has no word yet that west accepted its AUTH */
	assert_true(second->child.installed);
	assert_true(second->child_policies_deferred);
	assert_policies_held_by(h, EAST, "127.0.0.1", first);
	/* west's empty INFORMATIONAL on the new SA confirms it */
	assert_true(h->nq > 0);
	pump(h);
	assert_false(second->child_policies_deferred);
	assert_policies_held_by(h, EAST, "127.0.0.1", second);
	wsecond = ikev2_sa_first(h->d[WEST]->sas);
	assert_policies_held_by(h, WEST, "127.0.0.2", wsecond);
	/* both kept; the first's kernel SAs remain until it is deleted */
	assert_int_equal(first->state, IKEV2_SA_ESTABLISHED);
	assert_true(kernel_has_sa(h->d[EAST], "127.0.0.2", first->child.spi_in));
	harness_free(h);
}

static void
responder_auth_rejected_by_initiator_leaves_old_sa_working(void **state)
{
	struct harness *h = responder_harness(0);
	struct ikev2_ike_sa *first, *wfirst, *sa;

	(void)state;
	initiate_from(h, WEST, "peer", NULL, NULL, 0);
	pump(h);
	first = only_sa(h->d[EAST]);
	wfirst = only_sa(h->d[WEST]);
	/* west now expects another key for east (DNS says so): east's AUTH fails */
	initiate_from(h, WEST, "peer-dns", NULL, &K.rsa_other, 1);
	pump(h);
	assert_int_equal(h->r[WEST].ndone, 1);
	assert_false(h->r[WEST].res.ok);
	assert_ptr_equal(only_sa(h->d[WEST]), wfirst);
	/* east verified west and answered; the new SA must not hold */
	assert_int_equal(ikev2_sa_count(h->d[EAST]->sas), 2);
	sa = ikev2_sa_first(h->d[EAST]->sas);
	assert_ptr_not_equal(sa, first);
	assert_true(sa->child_policies_deferred);
	assert_policies_held_by(h, EAST, "127.0.0.1", first);
	assert_policies_held_by(h, WEST, "127.0.0.2", wfirst);
	/* and the old SA still works: a liveness check is answered */
	assert_int_equal(ikev2_info_send_liveness(first), 0);
	pump(h);
	assert_false(first->req.active);
	assert_int_equal(first->state, IKEV2_SA_ESTABLISHED);
	harness_free(h);
}

/* ---- which conn governs a peer ------------------------------------------ */

static const char *
conn_name_for(struct harness *h, const char *peer)
{
	const struct conf_conn *c;
	struct oe_addr a, local;

	assert_int_equal(oe_addr_parse(&a, peer, AF_UNSPEC, NULL, 0), 0);
	assert_int_equal(oe_addr_parse(&local, eng_addr[EAST], AF_INET, NULL,
	    0), 0);
	c = ikev2_conn_for_peer(h->d[EAST]->conf, &local, &a, NULL, NULL);
	return c != NULL ? c->name : "(none)";
}

static void
conn_order_exact_then_any_then_longest_group_prefix(void **state)
{
	struct harness *h;

	(void)state;
	/* all three kinds (config order: groups, %any, exact) */
	h = responder_harness(EAST_OE | EAST_ANY | EAST_EXACT);
	assert_string_equal(conn_name_for(h, "127.0.0.1"), "west");
	assert_string_equal(conn_name_for(h, "127.0.0.3"), "roadwarrior");
	assert_string_equal(conn_name_for(h, "127.1.0.1"), "roadwarrior");
	harness_free(h);
	/* without the %any conn: the longest group prefix */
	h = responder_harness(EAST_OE | EAST_EXACT);
	assert_string_equal(conn_name_for(h, "127.0.0.1"), "west");
	assert_string_equal(conn_name_for(h, "127.0.0.3"), "oe");
	assert_string_equal(conn_name_for(h, "127.1.0.1"), "private");
	assert_string_equal(conn_name_for(h, "192.0.2.1"), "(none)");
	harness_free(h);
}

/* The conn east's IKE SA with a peer at 127.0.0.1 ended up with. */
static const char *
east_conn_of(struct harness *h, int peer_ctx)
{
	struct ikev2_ike_sa *sa;

	for (sa = ikev2_sa_first(h->d[EAST]->sas); sa != NULL;
	    sa = ikev2_sa_next(sa))
		if (sa->state == IKEV2_SA_ESTABLISHED &&
		    (peer_ctx == MALLORY) == (sa->auth_peer == IKEV2_AUTH_NULL))
			return sa->conn;
	return "(none)";
}

static void
responder_conn_follows_peer_auth_among_all_three_kinds(void **state)
{
	struct harness *h = responder_harness(EAST_OE | EAST_ANY | EAST_EXACT);

	(void)state;
	/* keyed west: the conn naming its address */
	initiate_from(h, WEST, "peer", NULL, NULL, 0);
	pump(h);
	assert_true(h->r[WEST].res.ok);
	assert_string_equal(east_conn_of(h, WEST), "west");
	harness_free(h);
	/* anonymous mallory at the same address: the keyed exact and %any
	 * conns do not accept NULL auth; the anonymous group conn does */
	h = responder_harness(EAST_OE | EAST_ANY | EAST_EXACT);
	initiate_from(h, MALLORY, "peer", NULL, NULL, 0);
	pump(h);
	assert_true(h->r[MALLORY].res.ok);
	assert_string_equal(east_conn_of(h, MALLORY), "oe");
	harness_free(h);
}

static void
responder_prefers_any_conn_over_group_conn(void **state)
{
	struct harness *h = responder_harness(EAST_OE | EAST_ANY);

	(void)state;
	/* west's address is in both groups; the %any conn is keyed too */
	initiate_from(h, WEST, "peer", NULL, NULL, 0);
	pump(h);
	assert_true(h->r[WEST].res.ok);
	assert_string_equal(east_conn_of(h, WEST), "roadwarrior");
	harness_free(h);
}

static void
responder_null_peer_refused_when_no_conn_accepts_null(void **state)
{
	/* no anonymous conn at all: mallory's NULL auth is refused */
	struct harness *h = responder_harness(EAST_ANY | EAST_EXACT);

	(void)state;
	initiate_from(h, MALLORY, "peer", NULL, NULL, 0);
	pump(h);
	assert_int_equal(h->r[MALLORY].ndone, 1);
	assert_false(h->r[MALLORY].res.ok);
	assert_string_equal(east_conn_of(h, MALLORY), "(none)");
	harness_free(h);
}

/* ---- the initiator's key from DNS --------------------------------------- */

static void
responder_verifies_initiator_with_key_from_dns(void **state)
{
	struct harness *h = responder_harness(EAST_DNS);
	struct ikev2_ike_sa *sa;

	(void)state;
	initiate_from(h, WEST, "peer", NULL, NULL, 0);
	run_until_done(h, WEST);
	assert_true(h->r[WEST].res.ok);
	sa = only_sa(h->d[EAST]);
	assert_string_equal(sa->conn, "private");
	assert_string_equal(sa->peer_name, "west.oe.test.");
	assert_int_not_equal(sa->auth_peer, IKEV2_AUTH_NULL);
	assert_int_equal(sa->npeer_keys, 1);
	/* one lookup (IPSECKEY and A) however often west retransmitted */
	assert_int_equal(h->dns.queries, 2);
	assert_policies_held_by(h, EAST, "127.0.0.1", sa);
	harness_free(h);
}

static void
responder_at_lookup_limit_leaves_ike_auth_for_the_retransmission(void **state)
{
	struct harness *h = responder_harness(EAST_DNS);
	int i;

	(void)state;
	/* as if DNS_KEYS_RUNNING_MAX other initiators were being looked up */
	h->d[EAST]->dns_lookups = DNS_KEYS_RUNNING_MAX;
	initiate_from(h, WEST, "peer", NULL, NULL, 0);
	for (i = 0; i < 10; i++) {
		assert_true(sd_event_run(h->ev, 10 * 1000) >= 0);
		(void)pump_n(h, 200);
	}
	/* no lookup started, nothing answered, nothing failed */
	assert_int_equal(h->dns.queries, 0);
	assert_int_equal(h->r[WEST].ndone, 0);
	assert_int_equal(h->d[EAST]->dns_lookups, DNS_KEYS_RUNNING_MAX);
	/* slots free again: west's next retransmission gets its lookup */
	h->d[EAST]->dns_lookups = 0;
	run_until_done(h, WEST);
	assert_true(h->r[WEST].res.ok);
	assert_int_equal(h->dns.queries, 2);
	assert_int_equal(h->d[EAST]->dns_lookups, 0);
	harness_free(h);
}

static void
responder_refuses_initiator_when_dns_answer_is_not_validated(void **state)
{
	struct harness *h = responder_harness(EAST_DNS);

	(void)state;
	h->dns.ad = false;
	initiate_from(h, WEST, "peer", NULL, NULL, 0);
	run_until_done(h, WEST);
	assert_false(h->r[WEST].res.ok);
	assert_int_equal(h->dns.queries, 2);
	assert_int_equal(ikev2_sa_count(h->d[WEST]->sas), 0);
	harness_free(h);
}

/* ---- keys -------------------------------------------------------------- */

/* An RSA key pair in the database; its public key as RFC 3110. */
static int
make_rsa_key(uint8_t *out, size_t cap, size_t *out_len)
{
	PK11RSAGenParams params = { .keySizeInBits = 2048, .pe = 65537 };
	SECKEYPublicKey *pub = NULL;
	char err[128];
	int n;

	if (harness_keypair(CKM_RSA_PKCS_KEY_PAIR_GEN, &params, NULL,
	    &pub) < 0)
		return -1;
	n = oe_rsa_key_to_rfc3110(out, cap, pub->u.rsa.modulus.data,
	    pub->u.rsa.modulus.len, pub->u.rsa.publicExponent.data,
	    pub->u.rsa.publicExponent.len, err, sizeof(err));
	SECKEY_DestroyPublicKey(pub);
	if (n <= 0)
		return -1;
	*out_len = (size_t)n;
	return 0;
}

static int
group_setup(void **state)
{
	uint8_t key[600];
	size_t len = 0, i;

	(void)state;
	oe_log_init("test_engine_responder", LOG_ERR);
	snprintf(K.dir, sizeof(K.dir), "/tmp/oe-test-resp.XXXXXX");
	K.nss = harness_nss_db_new(K.dir);
	if (K.nss == NULL || make_rsa_key(key, sizeof(key), &len) < 0 ||
	    2 * len > RSA_HEX_MAX)
		return -1;
	memcpy(K.rsa, key, len);
	K.rsa_len = len;
	memcpy(K.rsa_hex, "0x", 2);
	for (i = 0; i < len; i++)
		snprintf(K.rsa_hex + 2 + 2 * i, 3, "%02x", key[i]);
	/* the wrong key: as an IPSECKEY (algorithm 2) would carry it */
	if (make_rsa_key(K.rsa_other.key, sizeof(K.rsa_other.key), &len) < 0)
		return -1;
	K.rsa_other.algorithm = 2;
	K.rsa_other.len = (uint16_t)len;
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
		cmocka_unit_test(responder_null_initiator_from_keyed_peers_address_gets_no_policies),
		cmocka_unit_test(responder_null_initiator_gets_policies_when_nobody_holds_them),
		cmocka_unit_test(responder_keyed_reestablishment_after_restart_replaces_cleanly),
		cmocka_unit_test(responder_keyed_duplicate_takes_policies_when_initiator_confirms),
		cmocka_unit_test(responder_auth_rejected_by_initiator_leaves_old_sa_working),
		cmocka_unit_test(conn_order_exact_then_any_then_longest_group_prefix),
		cmocka_unit_test(responder_conn_follows_peer_auth_among_all_three_kinds),
		cmocka_unit_test(responder_prefers_any_conn_over_group_conn),
		cmocka_unit_test(responder_null_peer_refused_when_no_conn_accepts_null),
		cmocka_unit_test(responder_verifies_initiator_with_key_from_dns),
		cmocka_unit_test(responder_refuses_initiator_when_dns_answer_is_not_validated),
		cmocka_unit_test(responder_at_lookup_limit_leaves_ike_auth_for_the_retransmission),
	};

	return cmocka_run_group_tests_name("engine_responder", tests,
	    group_setup, group_teardown);
}
