/*
 * The responder's DNS key lookup (dns_keys.c) against a fake resolver:
 * a UDP socket on 127.0.0.1 in the same sd-event loop that answers
 * each query as the test says (AD bit or not, which addresses, which
 * IPSECKEY records, silence), built with libldns.
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
#include <sys/socket.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <ldns/ldns.h>

#include "oe_log.h"
#include "crypto.h"
#include "dns_keys.h"

#define NAME		"west.oe.test."
/* An RSA key (RFC 3110): east's in test/data/dnssec/oe.test.zone. */
#define KEY_B64		"AwEAAc1aeGI4xQlpDA2ZUXeQqTHJZ+8/HAXuo4UoWTJxM7R0tH89+EXC" \
			"YGq7/nFcLMqVmTvnB0hdL0v+MDbcNx5RHDzMr6AgLUOTEGZYpqYZILxH" \
			"EtLbftXz0vCEdZ+RYKNYkUcxtVG4H3EYJ9cuo0dM4m5dhzEqkGkrE3FK" \
			"0mEvZtnlTqVzkuMIfxeNKNgGRA1DXvZ/9Fd0NR2SwF9xOz9mNAztyNDr" \
			"ExylZKxyaq2Ze0DvmC2DlOj6T71mIQWRAIUMhUaPJp9xaRN6qgLK7ZI5" \
			"OLcqS89TSzxZq0TFBdUGeuyQj/2q8hmqrp6Rc+I5aZQ7J6rfE3bWpUYu" \
			"UnLO8LTvKbJp"

struct fake {
	int		 fd;
	sd_event_source	*io;
	bool		 ad;		/* set the AD bit */
	bool		 silent;	/* answer nothing */
	const char	*a;		/* the A answer's address; NULL: none */
	const char	*ipseckey;	/* rdata text; NULL: no record */
	/* answer records put before the data (CNAMEs), NULL-terminated */
	const char *const *chain;
	const char	*owner;		/* the data's owner; NULL: the name */
	int		 queries;
	char		 asked[128];	/* the last name asked for */
};

struct outcome {
	int		 calls;
	bool		 ok;
	size_t		 nkeys;
	char		 why[128];
	uint8_t		 alg;
};

static struct crypto_nss *nss;

static void
add_rr(ldns_pkt *pkt, const char *text)
{
	ldns_rr *rr = NULL;

	assert_int_equal(ldns_rr_new_frm_str(&rr, text, 300, NULL, NULL),
	    LDNS_STATUS_OK);
	assert_true(ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr));
}

static int
fake_read(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct fake *f = userdata;
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	uint8_t buf[4096], *wire = NULL;
	ldns_pkt *q = NULL, *a;
	const ldns_rr *qrr;
	char text[1024], *owner;
	size_t len, i;
	ssize_t n;

	(void)s;
	(void)revents;
	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	if (n <= 0)
		return 0;
	f->queries++;
	if (f->silent)
		return 0;
	assert_int_equal(ldns_wire2pkt(&q, buf, (size_t)n), LDNS_STATUS_OK);
	/* the lookup asks for DNSSEC: DO set, AD requested */
	assert_true(ldns_pkt_edns_do(q));
	qrr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	a = ldns_pkt_new();
	assert_non_null(a);
	ldns_pkt_set_id(a, ldns_pkt_id(q));
	ldns_pkt_set_qr(a, true);
	ldns_pkt_set_rd(a, true);
	ldns_pkt_set_ra(a, true);
	ldns_pkt_set_ad(a, f->ad);
	ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION, ldns_rr_clone(qrr));
	/* records of the name asked for (NAME, or a reverse name) */
	owner = ldns_rdf2str(ldns_rr_owner(qrr));
	assert_non_null(owner);
	snprintf(f->asked, sizeof(f->asked), "%s", owner);
	for (i = 0; f->chain != NULL && f->chain[i] != NULL; i++)
		add_rr(a, f->chain[i]);
	if (f->owner != NULL) {
		free(owner);
		owner = strdup(f->owner);
		assert_non_null(owner);
	}
	if (ldns_rr_get_type(qrr) == LDNS_RR_TYPE_A && f->a != NULL) {
		snprintf(text, sizeof(text), "%s 300 IN A %s", owner, f->a);
		add_rr(a, text);
	}
	if (ldns_rr_get_type(qrr) == LDNS_RR_TYPE_IPSECKEY &&
	    f->ipseckey != NULL) {
		snprintf(text, sizeof(text), "%s 300 IN IPSECKEY %s", owner,
		    f->ipseckey);
		add_rr(a, text);
		/* a record of another name in the same answer is not used */
		snprintf(text, sizeof(text), "other.oe.test. 300 IN IPSECKEY "
		    "%s", f->ipseckey);
		add_rr(a, text);
	}
	free(owner);
	assert_int_equal(ldns_pkt2wire(&wire, a, &len), LDNS_STATUS_OK);
	assert_true(sendto(fd, wire, len, 0, (struct sockaddr *)&from,
	    flen) == (ssize_t)len);
	free(wire);
	ldns_pkt_free(a);
	ldns_pkt_free(q);
	return 0;
}

static uint16_t
fake_open(sd_event *ev, struct fake *f)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);

	f->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(f->fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(f->fd, (struct sockaddr *)&sin, &slen), 0);
	assert_int_equal(sd_event_add_io(ev, &f->io, f->fd, EPOLLIN, fake_read,
	    f), 0);
	return ntohs(sin.sin_port);
}

static void
on_result(void *arg, const struct dns_keys_result *r)
{
	struct outcome *o = arg;

	o->calls++;
	o->ok = r->ok;
	o->nkeys = r->nkeys;
	o->alg = r->nkeys > 0 ? r->keys[0].algorithm : 0;
	snprintf(o->why, sizeof(o->why), "%s", r->why != NULL ? r->why : "");
}

/*
 * Run one lookup for an initiator at `peer` to its end (by NAME, or
 * with `by_addr` by the peer's reverse name); the outcome.
 */
static struct outcome
lookup_as(struct fake *f, const char *peer, uint64_t timeout_usec,
    bool by_addr)
{
	struct dns_keys_query *q;
	struct oe_addr res, pa;
	struct outcome o;
	sd_event *ev = NULL;
	uint16_t port;
	int i;

	memset(&o, 0, sizeof(o));
	assert_int_equal(sd_event_new(&ev), 0);
	port = fake_open(ev, f);
	assert_int_equal(oe_addr_parse(&res, "127.0.0.1", AF_INET, NULL, 0), 0);
	assert_int_equal(oe_addr_parse(&pa, peer, AF_INET, NULL, 0), 0);
	q = by_addr ? dns_keys_lookup_addr(ev, &res, port, &pa, timeout_usec,
	    on_result, &o) : dns_keys_lookup(ev, &res, port, NAME, &pa,
	    timeout_usec, on_result, &o);
	assert_non_null(q);
	for (i = 0; i < 200 && !dns_keys_done(q); i++)
		assert_true(sd_event_run(ev, 50 * 1000) >= 0);
	assert_true(dns_keys_done(q));
	dns_keys_cancel(q);
	sd_event_source_disable_unref(f->io);
	close(f->fd);
	sd_event_unref(ev);
	return o;
}

static struct outcome
lookup(struct fake *f, const char *peer, uint64_t timeout_usec)
{
	return lookup_as(f, peer, timeout_usec, false);
}

/* ---- tests ------------------------------------------------------------- */

static void
dns_keys_reverse_name_of_an_address_identity_gives_the_key(void **state)
{
	/* no address query: the reverse name names that address only */
	struct fake f = { .ad = true, .ipseckey = "10 0 2 . " KEY_B64 };
	struct outcome o;

	(void)state;
	o = lookup_as(&f, "192.0.2.7", DNS_KEYS_TIMEOUT_USEC, true);
	assert_int_equal(o.calls, 1);
	assert_true(o.ok);
	assert_int_equal(o.nkeys, 1);
	assert_int_equal(f.queries, 1);
	assert_string_equal(f.asked, "7.2.0.192.in-addr.arpa.");
}

static void
dns_keys_reverse_name_answer_without_ad_bit_is_not_trusted(void **state)
{
	struct fake f = { .ad = false, .ipseckey = "10 0 2 . " KEY_B64 };
	struct outcome o;

	(void)state;
	o = lookup_as(&f, "192.0.2.7", DNS_KEYS_TIMEOUT_USEC, true);
	assert_false(o.ok);
	assert_int_equal(o.nkeys, 0);
}

static void
dns_keys_validated_answer_with_initiators_address_gives_the_key(void **state)
{
	struct fake f = { .ad = true, .a = "192.0.2.7",
	    .ipseckey = "10 0 2 . " KEY_B64 };
	struct outcome o;

	(void)state;
	o = lookup(&f, "192.0.2.7", DNS_KEYS_TIMEOUT_USEC);
	assert_int_equal(o.calls, 1);
	assert_true(o.ok);
	assert_int_equal(o.nkeys, 1);
	assert_int_equal(o.alg, 2);
	assert_int_equal(f.queries, 2);
}

static void
dns_keys_answer_without_ad_bit_is_not_trusted(void **state)
{
	struct fake f = { .ad = false, .a = "192.0.2.7",
	    .ipseckey = "10 0 2 . " KEY_B64 };
	struct outcome o;

	(void)state;
	o = lookup(&f, "192.0.2.7", DNS_KEYS_TIMEOUT_USEC);
	assert_int_equal(o.calls, 1);
	assert_false(o.ok);
	assert_int_equal(o.nkeys, 0);
	assert_non_null(strstr(o.why, "AD bit"));
}

static void
dns_keys_initiator_not_in_the_names_addresses_gets_no_key(void **state)
{
	struct fake f = { .ad = true, .a = "192.0.2.8",
	    .ipseckey = "10 0 2 . " KEY_B64 };
	struct outcome o;

	(void)state;
	o = lookup(&f, "192.0.2.7", DNS_KEYS_TIMEOUT_USEC);
	assert_false(o.ok);
	assert_int_equal(o.nkeys, 0);
	assert_non_null(strstr(o.why, "address"));
}

static void
dns_keys_gateway_elsewhere_is_not_used(void **state)
{
	/* the trigger path's rule: a gateway outside the answer is refused */
	struct fake f = { .ad = true, .a = "192.0.2.7",
	    .ipseckey = "10 1 2 198.51.100.9 " KEY_B64 };
	struct outcome o;

	(void)state;
	o = lookup(&f, "192.0.2.7", DNS_KEYS_TIMEOUT_USEC);
	assert_false(o.ok);
	assert_int_equal(o.nkeys, 0);
}

static void
dns_keys_no_ipseckey_means_no_key(void **state)
{
	struct fake f = { .ad = true, .a = "192.0.2.7", .ipseckey = NULL };
	struct outcome o;

	(void)state;
	o = lookup(&f, "192.0.2.7", DNS_KEYS_TIMEOUT_USEC);
	assert_int_equal(o.calls, 1);
	assert_false(o.ok);
}

static void
dns_keys_silent_resolver_times_out_once(void **state)
{
	struct fake f = { .silent = true };
	struct outcome o;

	(void)state;
	o = lookup(&f, "192.0.2.7", 200 * 1000);
	assert_int_equal(o.calls, 1);
	assert_false(o.ok);
	assert_non_null(strstr(o.why, "in time"));
}

static void
dns_keys_resolver_off_loopback_is_refused(void **state)
{
	struct oe_addr res, pa;
	struct outcome o;
	sd_event *ev = NULL;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(sd_event_new(&ev), 0);
	assert_int_equal(oe_addr_parse(&res, "192.0.2.53", AF_INET, NULL, 0), 0);
	assert_int_equal(oe_addr_parse(&pa, "192.0.2.7", AF_INET, NULL, 0), 0);
	assert_null(dns_keys_lookup(ev, &res, 53, NAME, &pa,
	    DNS_KEYS_TIMEOUT_USEC, on_result, &o));
	assert_int_equal(o.calls, 0);
	sd_event_unref(ev);
}

/* The links west.oe.test. -> c1 -> ... -> c<n>.oe.test. as answer RRs. */
static const char *const *
cname_chain(size_t n)
{
	static char text[10][96];
	static const char *chain[11];
	size_t i;

	assert_true(n < 11);
	for (i = 0; i < n; i++) {
		if (i == 0)
			snprintf(text[i], sizeof(text[i]), NAME " 300 IN CNAME "
			    "c1.oe.test.");
		else
			snprintf(text[i], sizeof(text[i]), "c%zu.oe.test. 300 "
			    "IN CNAME c%zu.oe.test.", i, i + 1);
		chain[i] = text[i];
	}
	chain[n] = NULL;
	return chain;
}

static void
dns_keys_keyed_name_through_a_cname_chain_gives_the_key(void **state)
{
	static const char *const chain[] = {
		NAME " 300 IN CNAME alias.oe.test.",
		"alias.oe.test. 300 IN CNAME host.oe.test.",
		NULL,
	};
	struct fake f = { .ad = true, .a = "192.0.2.7",
	    .ipseckey = "10 0 2 . " KEY_B64, .chain = chain,
	    .owner = "host.oe.test." };
	struct outcome o;

	(void)state;
	o = lookup(&f, "192.0.2.7", DNS_KEYS_TIMEOUT_USEC);
	assert_int_equal(o.calls, 1);
	assert_true(o.ok);
	assert_int_equal(o.nkeys, 1);
	assert_string_equal(f.asked, NAME);
}

static void
dns_keys_records_beside_a_cname_are_not_the_chain_end(void **state)
{
	/* the name's own records do not count once it is an alias */
	static const char *const chain[] = {
		NAME " 300 IN CNAME host.oe.test.",
		NULL,
	};
	struct fake f = { .ad = true, .a = "192.0.2.7",
	    .ipseckey = "10 0 2 . " KEY_B64, .chain = chain };
	struct outcome o;

	(void)state;
	o = lookup(&f, "192.0.2.7", DNS_KEYS_TIMEOUT_USEC);
	assert_int_equal(o.calls, 1);
	assert_false(o.ok);
	assert_int_equal(o.nkeys, 0);
}

static void
dns_keys_cname_loop_gives_no_key(void **state)
{
	/* the data is at the name itself: only the loop check refuses it */
	static const char *const chain[] = {
		NAME " 300 IN CNAME b.oe.test.",
		"b.oe.test. 300 IN CNAME " NAME,
		NULL,
	};
	struct fake f = { .ad = true, .a = "192.0.2.7",
	    .ipseckey = "10 0 2 . " KEY_B64, .chain = chain };
	struct outcome o;

	(void)state;
	o = lookup(&f, "192.0.2.7", DNS_KEYS_TIMEOUT_USEC);
	assert_int_equal(o.calls, 1);
	assert_false(o.ok);
	assert_int_equal(o.nkeys, 0);
	assert_non_null(strstr(o.why, "CNAME"));
}

static void
dns_keys_cname_chain_of_8_links_gives_the_key(void **state)
{
	struct fake f = { .ad = true, .a = "192.0.2.7",
	    .ipseckey = "10 0 2 . " KEY_B64, .chain = cname_chain(8),
	    .owner = "c8.oe.test." };
	struct outcome o;

	(void)state;
	o = lookup(&f, "192.0.2.7", DNS_KEYS_TIMEOUT_USEC);
	assert_true(o.ok);
	assert_int_equal(o.nkeys, 1);
}

static void
dns_keys_cname_chain_longer_than_8_gives_no_key(void **state)
{
	struct fake f = { .ad = true, .a = "192.0.2.7",
	    .ipseckey = "10 0 2 . " KEY_B64, .chain = cname_chain(9),
	    .owner = "c9.oe.test." };
	struct outcome o;

	(void)state;
	o = lookup(&f, "192.0.2.7", DNS_KEYS_TIMEOUT_USEC);
	assert_int_equal(o.calls, 1);
	assert_false(o.ok);
	assert_int_equal(o.nkeys, 0);
	assert_non_null(strstr(o.why, "CNAME"));
}

static void
dns_keys_cname_chain_leaving_the_answer_gives_no_key(void **state)
{
	/* the target's records are not in the answer: no data, no crash */
	static const char *const chain[] = {
		NAME " 300 IN CNAME elsewhere.oe.test.",
		NULL,
	};
	struct fake f = { .ad = true, .a = NULL, .ipseckey = NULL,
	    .chain = chain };
	struct outcome o;

	(void)state;
	o = lookup(&f, "192.0.2.7", DNS_KEYS_TIMEOUT_USEC);
	assert_int_equal(o.calls, 1);
	assert_false(o.ok);
	assert_int_equal(o.nkeys, 0);
}

static void
dns_keys_cname_answer_without_ad_bit_gives_no_key(void **state)
{
	static const char *const chain[] = {
		NAME " 300 IN CNAME host.oe.test.",
		NULL,
	};
	struct fake f = { .ad = false, .a = "192.0.2.7",
	    .ipseckey = "10 0 2 . " KEY_B64, .chain = chain,
	    .owner = "host.oe.test." };
	struct outcome o;

	(void)state;
	o = lookup(&f, "192.0.2.7", DNS_KEYS_TIMEOUT_USEC);
	assert_int_equal(o.calls, 1);
	assert_false(o.ok);
	assert_int_equal(o.nkeys, 0);
	assert_non_null(strstr(o.why, "AD bit"));
}

static int
group_setup(void **state)
{
	(void)state;
	oe_log_init("test_dns_keys", LOG_ERR);
	nss = crypto_nss_init(NULL, false);
	return nss != NULL ? 0 : -1;
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
		cmocka_unit_test(dns_keys_validated_answer_with_initiators_address_gives_the_key),
		cmocka_unit_test(dns_keys_answer_without_ad_bit_is_not_trusted),
		cmocka_unit_test(dns_keys_initiator_not_in_the_names_addresses_gets_no_key),
		cmocka_unit_test(dns_keys_gateway_elsewhere_is_not_used),
		cmocka_unit_test(dns_keys_no_ipseckey_means_no_key),
		cmocka_unit_test(dns_keys_silent_resolver_times_out_once),
		cmocka_unit_test(dns_keys_resolver_off_loopback_is_refused),
		cmocka_unit_test(dns_keys_reverse_name_of_an_address_identity_gives_the_key),
		cmocka_unit_test(dns_keys_reverse_name_answer_without_ad_bit_is_not_trusted),
		cmocka_unit_test(dns_keys_keyed_name_through_a_cname_chain_gives_the_key),
		cmocka_unit_test(dns_keys_records_beside_a_cname_are_not_the_chain_end),
		cmocka_unit_test(dns_keys_cname_loop_gives_no_key),
		cmocka_unit_test(dns_keys_cname_chain_of_8_links_gives_the_key),
		cmocka_unit_test(dns_keys_cname_chain_longer_than_8_gives_no_key),
		cmocka_unit_test(dns_keys_cname_chain_leaving_the_answer_gives_no_key),
		cmocka_unit_test(dns_keys_cname_answer_without_ad_bit_gives_no_key),
	};

	return cmocka_run_group_tests_name("dns_keys", tests, group_setup,
	    group_teardown);
}
