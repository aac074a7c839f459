/*
 * What a DNS trigger request turns into (trigger_plan.c): the conn from
 * the policy groups, the peer address, which IPSECKEY records may be
 * used, and when an existing SA may answer a request.  The hostile-zone
 * rules are checked here: a gateway never becomes the peer, keys are
 * used only inside the RRSIG window, an SA proven with one key never
 * answers for another.
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
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "oe_log.h"
#include "conf.h"
#include "iked.h"
#include "ikev2_sa.h"
#include "crypto.h"
#include "trigger.h"

#define NOW	1700000000LL

static struct crypto_nss *nss;

/* A world: iked.conf with the five standard conns and their groups. */
struct world {
	char		 dir[64];
	struct iked_conf *conf;
};

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char conns[] =
    "conn private\n"
    "    left=%defaultroute\n    leftid=%null\n    leftauth=null\n"
    "    right=%opportunisticgroup\n    rightid=%any\n    rightauth=rsasig\n"
    "    rightrsasigkey=%dnsondemand\n    negotiationshunt=hold\n"
    "    failureshunt=drop\n    auto=ondemand\n"
    "conn private-or-clear\n"
    "    left=%defaultroute\n    leftid=%null\n    rightid=%null\n"
    "    right=%opportunisticgroup\n    authby=null\n"
    "    failureshunt=passthrough\n    auto=ondemand\n"
    "conn clear-or-private\n"
    "    left=%defaultroute\n    leftid=%null\n    rightid=%null\n"
    "    right=%opportunisticgroup\n    authby=null\n    auto=add\n"
    "conn clear\n"
    "    left=%defaultroute\n    right=%group\n    type=passthrough\n"
    "    authby=never\n    auto=ondemand\n"
    "conn block\n"
    "    left=%defaultroute\n    right=%group\n    type=reject\n"
    "    authby=never\n    auto=ondemand\n";

static struct world *
world_new(void)
{
	struct world *w = calloc(1, sizeof(*w));
	struct conf_msgs *msgs = calloc(1, sizeof(*msgs));
	char conf[4096], path[128];
	size_t i;

	assert_non_null(w);
	assert_non_null(msgs);
	snprintf(w->dir, sizeof(w->dir), "/tmp/oe-test-trigger.XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	snprintf(conf, sizeof(conf), "config setup\n    policies-dir=%s\n%s",
	    w->dir, conns);
	write_file(w->dir, "iked.conf", conf);
	write_file(w->dir, "private", "198.51.100.0/24\n2001:db8:1::/48\n");
	write_file(w->dir, "private-or-clear", "203.0.113.0/25\n");
	write_file(w->dir, "clear-or-private", "203.0.113.128/26\n");
	write_file(w->dir, "clear", "198.51.100.53/32\n");
	write_file(w->dir, "block", "198.51.100.66/32\n");
	snprintf(path, sizeof(path), "%s/iked.conf", w->dir);
	conf_msgs_init(msgs);
	if (conf_load(path, NULL, &w->conf, msgs) < 0)
		for (i = 0; i < msgs->n; i++)
			print_message("%s\n", msgs->msg[i].text);
	free(msgs);
	assert_non_null(w->conf);
	return w;
}

static void
world_free(struct world *w)
{
	static const char *const files[] = { "iked.conf", "private",
	    "private-or-clear", "clear-or-private", "clear", "block" };
	char path[256];
	size_t i;

	conf_free(w->conf);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", w->dir, files[i]);
		unlink(path);
	}
	rmdir(w->dir);
	free(w);
}

/* A structurally valid RFC 3110 RSA key (1024-bit modulus); `tag`
 * makes keys differ. */
static void
rsa_record(struct oe_ipseckey *r, uint8_t prec, uint8_t tag)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->precedence = prec;
	r->gateway_type = OE_IPSECKEY_GW_NONE;
	r->algorithm = OE_IPSECKEY_ALG_RSA;
	r->alg_known = true;
	r->key[0] = 3;
	r->key[1] = 0x01;
	r->key[2] = 0x00;
	r->key[3] = 0x01;
	for (i = 0; i < 128; i++)
		r->key[4 + i] = (uint8_t)(0x5a ^ (i * 7) ^ tag);
	r->key[4] = 0xc3;
	r->key[4 + 127] |= 1;
	r->key_len = 4 + 128;
}

static void
gateway(struct oe_ipseckey *r, const char *addr)
{
	assert_int_equal(oe_ipseckey_gateway_from_text(r, strchr(addr, ':') ?
	    OE_IPSECKEY_GW_IPV6 : OE_IPSECKEY_GW_IPV4, addr, NULL, 0), 0);
}

/* A keyed request for `name` with addresses `a1` (and `a2`). */
static void
request(struct oe_trigger_request *req, const char *name, const char *a1,
    const char *a2, size_t nrecords)
{
	memset(req, 0, sizeof(*req));
	req->cookie = 1;
	req->has_cookie = true;
	snprintf(req->name, sizeof(req->name), "%s", name);
	req->qtype = strchr(a1, ':') ? OE_QTYPE_AAAA : OE_QTYPE_A;
	assert_int_equal(oe_addr_parse(&req->addrs[0], a1, AF_UNSPEC, NULL, 0), 0);
	req->naddrs = 1;
	if (a2 != NULL) {
		assert_int_equal(oe_addr_parse(&req->addrs[1], a2, AF_UNSPEC,
		    NULL, 0), 0);
		req->naddrs = 2;
	}
	req->addr_ttl = 300;
	if (nrecords > 0) {
		req->ipseckey.present = true;
		req->ipseckey.secure = true;
		req->ipseckey.ttl = 300;
		req->ipseckey.rrsig_inception = NOW - 3600;
		req->ipseckey.rrsig_expiration = NOW + 86400;
		req->ipseckey.nrecords = nrecords;
		for (size_t i = 0; i < nrecords; i++)
			rsa_record(&req->ipseckey.records[i], 10, (uint8_t)i);
	}
}

static void
assert_peer(const struct trigger_plan *p, const char *want)
{
	char a[OE_ADDR_STRLEN];

	assert_string_equal(oe_addr_format(&p->peer, a, sizeof(a)), want);
}

/* ---- plans ---------------------------------------------------------- */

static void
plan_keyed_record_without_gateway_initiates_to_the_answer_address(void **state)
{
	struct world *w = world_new();
	struct oe_trigger_request req;
	struct trigger_plan p;

	(void)state;
	request(&req, "east.oe.test.", "198.51.100.2", NULL, 1);
	trigger_plan(w->conf, &req, NOW, &p);
	assert_int_equal(p.action, TRIGGER_ACT_INITIATE);
	assert_true(p.keyed);
	assert_int_equal(p.nkeys, 1);
	assert_int_equal(p.keys[0].algorithm, OE_IPSECKEY_ALG_RSA);
	assert_int_equal(p.keys[0].len, req.ipseckey.records[0].key_len);
	assert_memory_equal(p.keys[0].key, req.ipseckey.records[0].key,
	    p.keys[0].len);
	assert_string_equal(p.conn->name, "private");
	assert_peer(&p, "198.51.100.2");
	world_free(w);
}

static void
plan_aaaa_answer_uses_the_ipv6_address(void **state)
{
	struct world *w = world_new();
	struct oe_trigger_request req;
	struct trigger_plan p;

	(void)state;
	request(&req, "east.oe.test.", "2001:db8:1::2", NULL, 1);
	gateway(&req.ipseckey.records[0], "2001:db8:1::2");
	trigger_plan(w->conf, &req, NOW, &p);
	assert_int_equal(p.action, TRIGGER_ACT_INITIATE);
	assert_true(p.keyed);
	assert_peer(&p, "2001:db8:1::2");
	world_free(w);
}

static void
plan_gateway_outside_the_answer_is_never_the_peer_nor_its_key_used(void **state)
{
	struct world *w = world_new();
	struct oe_trigger_request req;
	struct trigger_plan p;

	(void)state;
	/* hostile zone: the victim's address, a key and a gateway elsewhere */
	request(&req, "victim.evil.test.", "198.51.100.2", NULL, 1);
	gateway(&req.ipseckey.records[0], "203.0.113.66");
	trigger_plan(w->conf, &req, NOW, &p);
	assert_int_equal(p.ignored, 1);
	assert_int_equal(p.nkeys, 0);
	assert_false(p.keyed);
	/* private needs a key: fail closed, and the peer is the victim */
	assert_int_equal(p.action, TRIGGER_ACT_FAIL);
	assert_peer(&p, "198.51.100.2");
	world_free(w);
}

static void
plan_gateway_among_the_answer_addresses_becomes_the_peer(void **state)
{
	struct world *w = world_new();
	struct oe_trigger_request req;
	struct trigger_plan p;

	(void)state;
	request(&req, "east.oe.test.", "198.51.100.2", "198.51.100.3", 2);
	req.ipseckey.records[0].precedence = 20;
	gateway(&req.ipseckey.records[0], "198.51.100.2");
	req.ipseckey.records[1].precedence = 5;
	gateway(&req.ipseckey.records[1], "198.51.100.3");
	trigger_plan(w->conf, &req, NOW, &p);
	assert_int_equal(p.action, TRIGGER_ACT_INITIATE);
	assert_peer(&p, "198.51.100.3");
	assert_int_equal(p.nkeys, 2);
	/* best precedence first */
	assert_memory_equal(p.keys[0].key, req.ipseckey.records[1].key,
	    p.keys[0].len);
	world_free(w);
}

static void
plan_keys_outside_the_rrsig_window_are_not_used(void **state)
{
	struct world *w = world_new();
	struct oe_trigger_request req;
	struct trigger_plan p;

	(void)state;
	request(&req, "east.oe.test.", "198.51.100.2", NULL, 1);
	trigger_plan(w->conf, &req, req.ipseckey.rrsig_expiration, &p);
	assert_int_equal(p.action, TRIGGER_ACT_FAIL);
	assert_int_equal(p.nkeys, 0);
	trigger_plan(w->conf, &req, req.ipseckey.rrsig_inception - 1, &p);
	assert_int_equal(p.action, TRIGGER_ACT_FAIL);
	trigger_plan(w->conf, &req, req.ipseckey.rrsig_inception, &p);
	assert_int_equal(p.action, TRIGGER_ACT_INITIATE);
	world_free(w);
}

static void
plan_name_gateway_and_unsupported_algorithms_are_ignored(void **state)
{
	struct world *w = world_new();
	struct oe_trigger_request req;
	struct trigger_plan p;
	uint8_t wire[64];
	int n;

	(void)state;
	request(&req, "east.oe.test.", "198.51.100.2", NULL, 3);
	/* a gateway name could point anywhere */
	n = oe_dname_from_text(wire, sizeof(wire), "gw.evil.test.", NULL, 0);
	assert_true(n > 0);
	req.ipseckey.records[0].gateway_type = OE_IPSECKEY_GW_NAME;
	memcpy(req.ipseckey.records[0].gw_name, wire, (size_t)n);
	req.ipseckey.records[0].gw_name_len = (size_t)n;
	/* DSA is not supported */
	req.ipseckey.records[1].algorithm = OE_IPSECKEY_ALG_DSA;
	/* a key that does not check (modulus too short) */
	req.ipseckey.records[2].key_len = 4 + 16;
	trigger_plan(w->conf, &req, NOW, &p);
	assert_int_equal(p.ignored, 3);
	assert_int_equal(p.nkeys, 0);
	assert_int_equal(p.action, TRIGGER_ACT_FAIL);
	world_free(w);
}

static void
plan_private_without_ipseckey_fails_closed(void **state)
{
	struct world *w = world_new();
	struct oe_trigger_request req;
	struct trigger_plan p;

	(void)state;
	request(&req, "east.plain.test.", "198.51.100.2", NULL, 0);
	trigger_plan(w->conf, &req, NOW, &p);
	assert_int_equal(p.action, TRIGGER_ACT_FAIL);
	assert_null(p.conn);
	world_free(w);
}

static void
plan_anonymous_conn_initiates_without_keys_or_name(void **state)
{
	struct world *w = world_new();
	struct oe_trigger_request req;
	struct trigger_plan p;

	(void)state;
	request(&req, "x.oe.test.", "203.0.113.5", NULL, 1);
	trigger_plan(w->conf, &req, NOW, &p);
	assert_int_equal(p.action, TRIGGER_ACT_INITIATE);
	assert_string_equal(p.conn->name, "private-or-clear");
	/* NULL auth proves no key: the SA must not carry the name */
	assert_false(p.keyed);
	assert_int_equal(p.nkeys, 0);
	request(&req, "x.plain.test.", "203.0.113.5", NULL, 0);
	trigger_plan(w->conf, &req, NOW, &p);
	assert_int_equal(p.action, TRIGGER_ACT_INITIATE);
	assert_false(p.keyed);
	world_free(w);
}

static void
plan_clear_block_responder_only_and_unlisted_addresses_are_clear(void **state)
{
	static const char *const addrs[] = { "198.51.100.53", "198.51.100.66",
	    "203.0.113.130", "100.64.0.1" };
	struct world *w = world_new();
	struct oe_trigger_request req;
	struct trigger_plan p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		request(&req, "x.oe.test.", addrs[i], NULL, 1);
		trigger_plan(w->conf, &req, NOW, &p);
		assert_int_equal(p.action, TRIGGER_ACT_CLEAR);
		assert_int_equal(p.nkeys, 0);
		assert_non_null(p.why);
	}
	world_free(w);
}

/* ---- reuse of existing SAs -------------------------------------------- */

struct daemon {
	sd_event	*ev;
	struct iked	*d;
	struct world	*w;
};

static int
no_send(void *arg, const struct ikev2_path *path, const uint8_t *buf,
    size_t len)
{
	(void)arg;
	(void)path;
	(void)buf;
	(void)len;
	return 0;
}

static struct daemon *
daemon_new(void)
{
	struct daemon *x = calloc(1, sizeof(*x));
	struct iked_opts o;
	char path[128];

	assert_non_null(x);
	x->w = world_new();
	snprintf(path, sizeof(path), "%s/iked.conf", x->w->dir);
	assert_int_equal(sd_event_new(&x->ev), 0);
	memset(&o, 0, sizeof(o));
	o.config = path;
	o.kernel = "none";
	o.log_level = LOG_ERR;
	o.no_nss = true;
	x->d = iked_new(x->ev, &o);
	assert_non_null(x->d);
	x->d->send = no_send;
	assert_int_equal(iked_setup(x->d), 0);
	/* the fake wire opens no trigger socket */
	assert_null(x->d->trigger);
	return x;
}

static void
daemon_free(struct daemon *x)
{
	iked_free(x->d);
	sd_event_unref(x->ev);
	world_free(x->w);
	free(x);
}

/* An established SA to `peer` whose peer proved `key` (NULL: NULL auth). */
static struct ikev2_ike_sa *
fake_sa(struct daemon *x, const char *peer, const struct oe_ipseckey *key,
    const char *name, uint32_t lifetime)
{
	struct ikev2_path path;
	struct ikev2_ike_sa *sa;

	memset(&path, 0, sizeof(path));
	assert_int_equal(oe_addr_parse(&path.remote, peer, AF_UNSPEC, NULL, 0), 0);
	sa = ikev2_sa_create(x->d, true, &path);
	assert_non_null(sa);
	sa->state = IKEV2_SA_ESTABLISHED;
	sa->child.present = true;
	sa->child.installed = true;
	sa->child.lifetime = lifetime;
	sa->child.established_usec = iked_now_usec(x->d);
	snprintf(sa->peer_name, sizeof(sa->peer_name), "%s", name);
	if (key != NULL) {
		sa->auth_peer = IKEV2_AUTH_DIGITAL_SIGNATURE;
		sa->peer_keys = calloc(1, sizeof(*sa->peer_keys));
		assert_non_null(sa->peer_keys);
		sa->peer_keys[0].algorithm = key->algorithm;
		sa->peer_keys[0].len = (uint16_t)key->key_len;
		memcpy(sa->peer_keys[0].key, key->key, key->key_len);
		sa->npeer_keys = 1;
	} else {
		sa->auth_peer = IKEV2_AUTH_NULL;
	}
	ikev2_sa_index_child(sa);	/* as ikev2_child_install() does */
	return sa;
}

static void
reuse_keyed_request_needs_an_sa_proven_with_the_same_key_else_conflict(void **state)
{
	struct daemon *x = daemon_new();
	struct oe_trigger_request req;
	struct oe_ipseckey victim_key;
	struct trigger_plan p;
	struct ikev2_ike_sa *sa;

	(void)state;
	rsa_record(&victim_key, 10, 0x11);
	sa = fake_sa(x, "198.51.100.2", &victim_key, "east.oe.test.", 3600);
	/* the attacker's name claims the victim's address with its own key */
	request(&req, "victim.evil.test.", "198.51.100.2", NULL, 1);
	trigger_plan(x->d->conf, &req, NOW, &p);
	assert_true(p.keyed);
	assert_null(trigger_find_sa(x->d->sas, &p));
	/* and it is a conflict: no second negotiation with that key */
	assert_ptr_equal(trigger_find_conflict(x->d->sas, &p), sa);
	/* the victim's own answer (same key) reuses it */
	request(&req, "east.oe.test.", "198.51.100.2", NULL, 1);
	req.ipseckey.records[0] = victim_key;
	trigger_plan(x->d->conf, &req, NOW, &p);
	assert_ptr_equal(trigger_find_sa(x->d->sas, &p), sa);
	assert_null(trigger_find_conflict(x->d->sas, &p));
	/* and the label stays what the key proved */
	assert_string_equal(sa->peer_name, "east.oe.test.");
	daemon_free(x);
}

static void
reuse_keyed_request_never_takes_a_null_authenticated_sa_it_conflicts(void **state)
{
	struct daemon *x = daemon_new();
	struct oe_trigger_request req;
	struct trigger_plan p;
	struct ikev2_ike_sa *sa;

	(void)state;
	sa = fake_sa(x, "198.51.100.2", NULL, "", 3600);
	request(&req, "east.oe.test.", "198.51.100.2", NULL, 1);
	trigger_plan(x->d->conf, &req, NOW, &p);
	assert_null(trigger_find_sa(x->d->sas, &p));
	assert_ptr_equal(trigger_find_conflict(x->d->sas, &p), sa);
	/* an unkeyed plan never conflicts */
	request(&req, "x.oe.test.", "203.0.113.5", NULL, 0);
	trigger_plan(x->d->conf, &req, NOW, &p);
	assert_null(trigger_find_conflict(x->d->sas, &p));
	daemon_free(x);
}

static void
reuse_unkeyed_request_takes_any_sa_to_the_address_only(void **state)
{
	struct daemon *x = daemon_new();
	struct oe_trigger_request req;
	struct trigger_plan p;
	struct ikev2_ike_sa *sa;

	(void)state;
	(void)fake_sa(x, "203.0.113.9", NULL, "", 3600);
	request(&req, "x.oe.test.", "203.0.113.5", NULL, 0);
	trigger_plan(x->d->conf, &req, NOW, &p);
	assert_int_equal(p.action, TRIGGER_ACT_INITIATE);
	assert_null(trigger_find_sa(x->d->sas, &p));
	sa = fake_sa(x, "203.0.113.5", NULL, "", 3600);
	assert_ptr_equal(trigger_find_sa(x->d->sas, &p), sa);
	/* not while the Child SA is not installed */
	sa->child.installed = false;
	ikev2_sa_index_child(sa);	/* as ikev2_child_uninstall() does */
	assert_null(trigger_find_sa(x->d->sas, &p));
	daemon_free(x);
}

static void
sa_remaining_counts_down_from_the_child_lifetime(void **state)
{
	struct daemon *x = daemon_new();
	struct ikev2_ike_sa *sa;
	uint64_t t0;

	(void)state;
	sa = fake_sa(x, "203.0.113.5", NULL, "", 600);
	t0 = sa->child.established_usec;
	assert_int_equal(trigger_sa_remaining(sa, t0), 600);
	assert_int_equal(trigger_sa_remaining(sa, t0 + 100 * 1000000ULL), 500);
	assert_int_equal(trigger_sa_remaining(sa, t0 + 600 * 1000000ULL), 0);
	assert_int_equal(trigger_sa_remaining(sa, t0 + 900 * 1000000ULL), 0);
	sa->child.installed = false;
	assert_int_equal(trigger_sa_remaining(sa, t0), 0);
	daemon_free(x);
}

static int
group_setup(void **state)
{
	(void)state;
	oe_log_init("test_trigger_plan", LOG_ERR);
	nss = crypto_nss_init(NULL, false);
	return nss == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	crypto_nss_shutdown(nss);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plan_keyed_record_without_gateway_initiates_to_the_answer_address),
		cmocka_unit_test(plan_aaaa_answer_uses_the_ipv6_address),
		cmocka_unit_test(plan_gateway_outside_the_answer_is_never_the_peer_nor_its_key_used),
		cmocka_unit_test(plan_gateway_among_the_answer_addresses_becomes_the_peer),
		cmocka_unit_test(plan_keys_outside_the_rrsig_window_are_not_used),
		cmocka_unit_test(plan_name_gateway_and_unsupported_algorithms_are_ignored),
		cmocka_unit_test(plan_private_without_ipseckey_fails_closed),
		cmocka_unit_test(plan_anonymous_conn_initiates_without_keys_or_name),
		cmocka_unit_test(plan_clear_block_responder_only_and_unlisted_addresses_are_clear),
		cmocka_unit_test(reuse_keyed_request_needs_an_sa_proven_with_the_same_key_else_conflict),
		cmocka_unit_test(reuse_keyed_request_never_takes_a_null_authenticated_sa_it_conflicts),
		cmocka_unit_test(reuse_unkeyed_request_takes_any_sa_to_the_address_only),
		cmocka_unit_test(sa_remaining_counts_down_from_the_child_lifetime),
	};

	return cmocka_run_group_tests_name("trigger_plan", tests, group_setup,
	    group_teardown);
}
