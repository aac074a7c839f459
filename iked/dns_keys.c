/*
 * Responder-side DNS keys (see dns_keys.h): two DNSSEC-validated
 * queries to the loopback resolver on the event loop, the answers
 * decoded with libldns, the keys chosen by the trigger path's rule.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "oe_log.h"
#include "oe_trigger.h"
#include "crypto.h"
#include "dns_keys.h"
#include "trigger.h"

#define DNS_MSG_MAX	4096
#define DNS_EDNS_SIZE	1232	/* no fragmentation on the loopback path either */
#define DNS_CNAME_LINKS_MAX	8	/* CNAMEs followed within one answer */

struct dns_keys_query {
	sd_event_source		*io;
	sd_event_source		*timer;
	int			 fd;
	bool			 done;
	char			 name[OE_DNAME_STRLEN];
	ldns_rdf		*qname;		/* owned */
	struct oe_addr		 peer;
	uint16_t		 id_key, id_addr;
	bool			 have_key, have_addr;
	bool			 reverse;	/* the address's own reverse name */
	/* what the answers proved; owned, freed with the query */
	struct oe_trigger_request *req;
	const char		*why;		/* first reason for failure */
	dns_keys_cb		 cb;
	void			*arg;
};

static bool
is_loopback(const struct oe_addr *a)
{
	static const uint8_t v6[16] = { [15] = 1 };
	const uint8_t *b = oe_addr_bytes(a);

	if (a->family == AF_INET)
		return b[0] == 127;
	return a->family == AF_INET6 && memcmp(b, v6, 16) == 0;
}

static void
finish(struct dns_keys_query *q, const char *why)
{
	struct dns_keys_result *r = NULL;
	struct trigger_plan *p = NULL;
	size_t i;
	bool in_answer = false;

	if (q->done)
		return;
	q->done = true;
	/* none without a loop (dns_keys_query_new() alone) */
	if (q->io != NULL)
		(void)sd_event_source_set_enabled(q->io, SD_EVENT_OFF);
	if (q->timer != NULL)
		(void)sd_event_source_set_enabled(q->timer, SD_EVENT_OFF);
	r = calloc(1, sizeof(*r));
	p = calloc(1, sizeof(*p));
	if (r == NULL || p == NULL) {
		static struct dns_keys_result oom = { .why = "out of memory" };

		q->cb(q->arg, &oom);
		goto out;
	}
	r->why = why;
	if (why == NULL) {
		for (i = 0; i < q->req->naddrs; i++)
			if (oe_addr_eq(&q->req->addrs[i], &q->peer))
				in_answer = true;
		if (!in_answer)
			r->why = "the initiator's address is not in the name's "
			    "secure address answer";
	}
	if (r->why == NULL) {
		trigger_plan_keys(q->req, p);
		r->nkeys = p->nkeys;
		memcpy(r->keys, p->keys, p->nkeys * sizeof(p->keys[0]));
		r->ok = r->nkeys > 0;
		if (!r->ok)
			r->why = "no usable IPSECKEY record";
	}
	q->cb(q->arg, r);
out:
	if (p != NULL) {
		explicit_bzero(p, sizeof(*p));
		free(p);
	}
	free(r);
}

/* One query of `type` for the name, id `id`; 0 or -1. */
static int
send_query(struct dns_keys_query *q, ldns_rr_type type, uint16_t id)
{
	ldns_pkt *pkt;
	uint8_t *wire = NULL;
	size_t len = 0;
	int ret = -1;

	pkt = ldns_pkt_query_new(ldns_rdf_clone(q->qname), type,
	    LDNS_RR_CLASS_IN, LDNS_RD);
	if (pkt == NULL)
		return -1;
	ldns_pkt_set_id(pkt, id);
	/* RFC 6840 5.7: ask for the AD bit; DO for a validating answer. */
	ldns_pkt_set_ad(pkt, true);
	ldns_pkt_set_edns_do(pkt, true);
	ldns_pkt_set_edns_udp_size(pkt, DNS_EDNS_SIZE);
	if (ldns_pkt2wire(&wire, pkt, &len) == LDNS_STATUS_OK &&
	    send(q->fd, wire, len, 0) == (ssize_t)len)
		ret = 0;
	free(wire);
	ldns_pkt_free(pkt);
	return ret;
}

/*
 * The owner of the answer's final RRset: the name asked for, or the
 * end of the CNAME chain that starts there (the resolver sends the
 * chain with the final RRset, and the AD bit covers them all).  Every
 * link must be in the answer, at most DNS_CNAME_LINKS_MAX of them, no
 * name twice, one CNAME per name.  NULL when the chain breaks one of
 * these: no data.  The result points into `an` or is q->qname.
 */
static const ldns_rdf *
chain_end(const struct dns_keys_query *q, const ldns_rr_list *an)
{
	const ldns_rdf *seen[DNS_CNAME_LINKS_MAX + 1];
	const ldns_rdf *at = q->qname, *next;
	size_t nseen = 0, i;

	seen[nseen++] = at;
	for (;;) {
		next = NULL;
		for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(an, i);

			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME ||
			    ldns_dname_compare(ldns_rr_owner(rr), at) != 0)
				continue;
			if (next != NULL || ldns_rr_rd_count(rr) != 1 ||
			    ldns_rdf_get_type(ldns_rr_rdf(rr, 0)) !=
			    LDNS_RDF_TYPE_DNAME)
				return NULL;	/* two CNAMEs, or a bad one */
			next = ldns_rr_rdf(rr, 0);
		}
		if (next == NULL)
			return at;
		if (nseen > DNS_CNAME_LINKS_MAX)
			return NULL;	/* one link too many */
		for (i = 0; i < nseen; i++)
			if (ldns_dname_compare(seen[i], next) == 0)
				return NULL;	/* a loop */
		seen[nseen++] = next;
		at = next;
	}
}

/* The answer's IPSECKEY RRs owned by `owner` (the chain's end). */
static void
take_ipseckeys(struct dns_keys_query *q, const ldns_rr_list *an,
    const ldns_rdf *owner)
{
	struct oe_trigger_ipseckeys *k = &q->req->ipseckey;
	ldns_buffer *b = ldns_buffer_new(DNS_MSG_MAX);
	char err[128];
	size_t i;

	if (b == NULL)
		return;
	k->present = k->secure = true;
	for (i = 0; i < ldns_rr_list_rr_count(an) &&
	    k->nrecords < OE_TRIGGER_RECORDS_MAX; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_IPSECKEY ||
		    ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
			continue;
		ldns_buffer_clear(b);
		if (ldns_rr_rdata2buffer_wire(b, rr) != LDNS_STATUS_OK)
			continue;
		if (oe_ipseckey_parse_wire(&k->records[k->nrecords],
		    ldns_buffer_begin(b), ldns_buffer_position(b), err,
		    sizeof(err)) < 0) {
			oe_debug("dns keys %s: IPSECKEY record not parsed: %s",
			    q->name, err);
			continue;
		}
		k->nrecords++;
	}
	ldns_buffer_free(b);
}

/* The answer's A or AAAA RRs owned by `owner` (the chain's end). */
static void
take_addrs(struct dns_keys_query *q, const ldns_rr_list *an, ldns_rr_type type,
    const ldns_rdf *owner)
{
	struct oe_trigger_request *req = q->req;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(an) &&
	    req->naddrs < OE_TRIGGER_ADDRS_MAX; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		const ldns_rdf *rd;
		int fam = type == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;

		if (ldns_rr_get_type(rr) != type || ldns_rr_rd_count(rr) != 1 ||
		    ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
			continue;
		rd = ldns_rr_rdf(rr, 0);
		if (oe_addr_from_bytes(&req->addrs[req->naddrs], fam,
		    ldns_rdf_data(rd), ldns_rdf_size(rd)) == 0)
			req->naddrs++;
	}
}

enum dns_keys_answer_kind
dns_keys_parse_answer(struct dns_keys_query *q, const uint8_t *buf,
    size_t len)
{
	enum dns_keys_answer_kind ret = DNS_KEYS_ANSWER_DROPPED;
	ldns_pkt *pkt = NULL;
	const ldns_rr_list *qd;
	const ldns_rdf *owner;
	ldns_rr_type want;
	bool is_key;

	if (q->done || ldns_wire2pkt(&pkt, buf, len) != LDNS_STATUS_OK)
		return DNS_KEYS_ANSWER_DROPPED;
	if (!ldns_pkt_qr(pkt))
		goto out;
	if (ldns_pkt_id(pkt) == q->id_key && !q->have_key)
		is_key = true;
	else if (ldns_pkt_id(pkt) == q->id_addr && !q->have_addr)
		is_key = false;
	else
		goto out;
	want = is_key ? LDNS_RR_TYPE_IPSECKEY : q->peer.family == AF_INET ?
	    LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA;
	qd = ldns_pkt_question(pkt);
	if (ldns_rr_list_rr_count(qd) != 1 ||
	    ldns_rr_get_type(ldns_rr_list_rr(qd, 0)) != want ||
	    ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(qd, 0)),
	    q->qname) != 0)
		goto out;	/* not our question: ignore, keep waiting */
	if (is_key)
		q->have_key = true;
	else
		q->have_addr = true;
	ret = is_key ? DNS_KEYS_ANSWER_KEY : DNS_KEYS_ANSWER_ADDR;
	if (ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR) {
		if (q->why == NULL)
			q->why = is_key ? "the name has no IPSECKEY" :
			    "the name has no address";
	} else if (!ldns_pkt_ad(pkt)) {
		if (q->why == NULL)
			q->why = "answer not DNSSEC-validated (no AD bit)";
	} else if ((owner = chain_end(q, ldns_pkt_answer(pkt))) == NULL) {
		if (q->why == NULL)
			q->why = "CNAME chain loops or is too long: no data";
	} else if (is_key) {
		take_ipseckeys(q, ldns_pkt_answer(pkt), owner);
	} else {
		take_addrs(q, ldns_pkt_answer(pkt), want, owner);
	}
	if (q->have_key && q->have_addr)
		finish(q, q->why);
out:
	ldns_pkt_free(pkt);
	return ret;
}

static int
on_read(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct dns_keys_query *q = userdata;
	uint8_t buf[DNS_MSG_MAX];
	ssize_t n;
	int i;

	(void)s;
	(void)revents;
	/* A bounded number per wakeup: a flood cannot hold the loop. */
	for (i = 0; i < 16 && !q->done; i++) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			/* ECONNREFUSED: nothing listens on the resolver port */
			finish(q, "resolver unreachable");
			break;
		}
		(void)dns_keys_parse_answer(q, buf, (size_t)n);
	}
	return 0;
}

static int
on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	finish(userdata, "resolver did not answer in time");
	return 0;
}

/* The reverse name of a (in-addr.arpa. or ip6.arpa.); NULL on failure. */
static ldns_rdf *
reverse_name(const struct oe_addr *a)
{
	ldns_rdf *addr, *rev;

	addr = ldns_rdf_new_frm_data(a->family == AF_INET ? LDNS_RDF_TYPE_A :
	    LDNS_RDF_TYPE_AAAA, oe_addr_len(a), oe_addr_bytes(a));
	if (addr == NULL)
		return NULL;
	rev = ldns_rdf_address_reverse(addr);
	ldns_rdf_deep_free(addr);
	return rev;
}

struct dns_keys_query *
dns_keys_query_new(const char *name, const struct oe_addr *peer,
    uint16_t id_key, uint16_t id_addr, dns_keys_cb cb, void *arg)
{
	struct dns_keys_query *q;
	char *text = NULL;

	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->fd = -1;
	q->cb = cb;
	q->arg = arg;
	q->peer = *peer;
	q->id_key = id_key;
	q->id_addr = id_addr;
	q->req = calloc(1, sizeof(*q->req));
	q->reverse = name == NULL;
	q->qname = q->reverse ? reverse_name(peer) :
	    ldns_dname_new_frm_str(name);
	if (q->req == NULL || q->qname == NULL ||
	    ldns_rdf_get_type(q->qname) != LDNS_RDF_TYPE_DNAME ||
	    (text = ldns_rdf2str(q->qname)) == NULL) {
		dns_keys_cancel(q);
		return NULL;
	}
	snprintf(q->name, sizeof(q->name), "%s", text);
	snprintf(q->req->name, sizeof(q->req->name), "%s", text);
	free(text);
	if (q->reverse) {
		/* The name is the address's own: it holds just that one. */
		q->req->addrs[0] = *peer;
		q->req->naddrs = 1;
		q->have_addr = true;
	}
	return q;
}

static struct dns_keys_query *
lookup_start(sd_event *ev, const struct oe_addr *resolver, uint16_t port,
    const char *name, const struct oe_addr *peer, uint64_t timeout_usec,
    dns_keys_cb cb, void *arg)
{
	struct dns_keys_query *q;
	struct sockaddr_storage ss;
	socklen_t slen;
	uint8_t ids[4];
	uint16_t id_key, id_addr;

	if (!is_loopback(resolver)) {
		oe_warn("dns keys: resolver is not on loopback: its AD bit "
		    "cannot be trusted; no lookup");
		return NULL;
	}
	if (crypto_random(ids, sizeof(ids)) < 0)
		return NULL;
	id_key = (uint16_t)(ids[0] << 8 | ids[1]);
	id_addr = (uint16_t)(ids[2] << 8 | ids[3]);
	if (id_addr == id_key)
		id_addr ^= 1;
	q = dns_keys_query_new(name, peer, id_key, id_addr, cb, arg);
	if (q == NULL) {
		oe_info("dns keys %s: lookup not started", name != NULL ?
		    name : "(reverse name)");
		return NULL;
	}
	slen = oe_addr_to_sockaddr(resolver, port, &ss);
	q->fd = socket(resolver->family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (q->fd < 0 || connect(q->fd, (struct sockaddr *)&ss, slen) < 0)
		goto fail;
	if (sd_event_add_io(ev, &q->io, q->fd, EPOLLIN, on_read, q) < 0 ||
	    sd_event_add_time_relative(ev, &q->timer, CLOCK_MONOTONIC,
	    timeout_usec, 0, on_timeout, q) < 0)
		goto fail;
	if (send_query(q, LDNS_RR_TYPE_IPSECKEY, q->id_key) < 0 ||
	    (!q->reverse && send_query(q, peer->family == AF_INET ?
	    LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA, q->id_addr) < 0))
		goto fail;
	oe_debug("dns keys %s: asking the resolver", q->name);
	return q;
fail:
	oe_info("dns keys %s: lookup not started", q->name);
	dns_keys_cancel(q);
	return NULL;
}

struct dns_keys_query *
dns_keys_lookup(sd_event *ev, const struct oe_addr *resolver, uint16_t port,
    const char *name, const struct oe_addr *peer, uint64_t timeout_usec,
    dns_keys_cb cb, void *arg)
{
	if (name == NULL)
		return NULL;
	return lookup_start(ev, resolver, port, name, peer, timeout_usec, cb,
	    arg);
}

struct dns_keys_query *
dns_keys_lookup_addr(sd_event *ev, const struct oe_addr *resolver,
    uint16_t port, const struct oe_addr *peer, uint64_t timeout_usec,
    dns_keys_cb cb, void *arg)
{
	return lookup_start(ev, resolver, port, NULL, peer, timeout_usec, cb,
	    arg);
}

const char *
dns_keys_name(const struct dns_keys_query *q)
{
	return q->name;
}

void
dns_keys_cancel(struct dns_keys_query *q)
{
	if (q == NULL)
		return;
	sd_event_source_disable_unref(q->io);
	sd_event_source_disable_unref(q->timer);
	if (q->fd >= 0)
		close(q->fd);
	if (q->qname != NULL)
		ldns_rdf_deep_free(q->qname);
	if (q->req != NULL) {
		explicit_bzero(q->req, sizeof(*q->req));
		free(q->req);
	}
	free(q);
}

bool
dns_keys_done(const struct dns_keys_query *q)
{
	return q != NULL && q->done;
}
