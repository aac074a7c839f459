/*
 * DNS UPDATE of the host's IPSECKEY through libldns.  The reply's TSIG
 * is verified by libldns (the resolver holds the key); the result is
 * then read back without TSIG, as any resolver would see it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oe_log.h"
#include "ipk_update.h"

ldns_pkt *
ipk_update_build(const char *zone, const struct ipk_record *rec)
{
	ldns_rdf *zone_rdf = NULL, *owner = NULL;
	ldns_rr_list *up = NULL;
	ldns_rr *del = NULL, *add = NULL;
	ldns_pkt *pkt = NULL;

	if (ldns_str2rdf_dname(&zone_rdf, zone) != LDNS_STATUS_OK ||
	    ldns_str2rdf_dname(&owner, rec->name) != LDNS_STATUS_OK)
		goto out;
	if (ldns_dname_compare(owner, zone_rdf) != 0 &&
	    !ldns_dname_is_subdomain(owner, zone_rdf)) {
		oe_err("--name %s is not inside --zone %s", rec->name, zone);
		goto out;
	}
	/* RFC 2136 2.5.2: delete an RRset = class ANY, TTL 0, no RDATA. */
	del = ldns_rr_new();
	add = ipk_record_to_rr(rec);
	up = ldns_rr_list_new();
	if (del == NULL || add == NULL || up == NULL)
		goto out;
	ldns_rr_set_owner(del, owner);
	owner = NULL;
	ldns_rr_set_type(del, LDNS_RR_TYPE_IPSECKEY);
	ldns_rr_set_class(del, LDNS_RR_CLASS_ANY);
	ldns_rr_set_ttl(del, 0);
	ldns_rr_set_question(del, false);
	if (!ldns_rr_list_push_rr(up, del))
		goto out;
	del = NULL;
	if (!ldns_rr_list_push_rr(up, add))
		goto out;
	add = NULL;
	pkt = ldns_update_pkt_new(zone_rdf, LDNS_RR_CLASS_IN, NULL, up, NULL);
	/* The packet owns zone_rdf (its question); it copied `up`. */
	if (pkt != NULL)
		zone_rdf = NULL;
out:
	ldns_rdf_deep_free(zone_rdf);
	ldns_rdf_deep_free(owner);
	ldns_rr_free(del);
	ldns_rr_free(add);
	ldns_rr_list_deep_free(up);
	return pkt;
}

static ldns_resolver *
resolver_for(const struct ipk_update_opts *opts)
{
	ldns_resolver *res = ldns_resolver_new();
	ldns_rdf *addr;
	uint8_t buf[16];

	if (res == NULL)
		return NULL;
	if (inet_pton(AF_INET, opts->server, buf) == 1)
		addr = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, buf);
	else if (inet_pton(AF_INET6, opts->server, buf) == 1)
		addr = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16, buf);
	else {
		oe_err("--server %s: not an IPv4 or IPv6 address",
		    opts->server);
		ldns_resolver_deep_free(res);
		return NULL;
	}
	if (addr == NULL || ldns_resolver_push_nameserver(res, addr) !=
	    LDNS_STATUS_OK) {
		ldns_rdf_deep_free(addr);
		ldns_resolver_deep_free(res);
		return NULL;
	}
	ldns_rdf_deep_free(addr);	/* pushed as a copy */
	ldns_resolver_set_port(res, opts->port);
	ldns_resolver_set_recursive(res, false);
	ldns_resolver_set_retry(res, 2);
	ldns_resolver_set_timeout(res, (struct timeval){ .tv_sec = 3 });
	ldns_resolver_set_random(res, false);
	return res;
}

static bool
send_update(const struct ipk_update_opts *opts, const struct ipk_tsig *tsig,
    const struct ipk_record *rec)
{
	ldns_resolver *res = resolver_for(opts);
	ldns_pkt *pkt = NULL, *reply = NULL;
	ldns_status st;
	bool ok = false;

	if (res == NULL)
		return false;
	/* libldns keeps its own copies, freed with the resolver. */
	ldns_resolver_set_tsig_keyname(res, tsig->name);
	ldns_resolver_set_tsig_algorithm(res, tsig->algorithm);
	ldns_resolver_set_tsig_keydata(res, tsig->secret);
	pkt = ipk_update_build(opts->zone, rec);
	if (pkt == NULL)
		goto out;
	st = ldns_update_pkt_tsig_add(pkt, res);
	if (st != LDNS_STATUS_OK) {
		oe_err("cannot TSIG-sign the update: %s",
		    ldns_get_errorstr_by_id(st));
		goto out;
	}
	st = ldns_resolver_send_pkt(&reply, res, pkt);
	if (st != LDNS_STATUS_OK || reply == NULL) {
		oe_err("update to %s port %u failed: %s", opts->server,
		    opts->port, ldns_get_errorstr_by_id(st));
		goto out;
	}
	if (ldns_pkt_get_rcode(reply) != LDNS_RCODE_NOERROR) {
		char *rc = ldns_pkt_rcode2str(ldns_pkt_get_rcode(reply));
		oe_err("%s refused the update of %s: rcode %s", opts->server,
		    rec->name, rc ? rc : "?");
		free(rc);
		goto out;
	}
	ok = true;
out:
	/* Overwrite libldns's copy of the secret before it is freed. */
	if (ldns_resolver_tsig_keydata(res) != NULL)
		explicit_bzero((char *)(uintptr_t)ldns_resolver_tsig_keydata(res),
		    strlen(ldns_resolver_tsig_keydata(res)));
	ldns_pkt_free(pkt);
	ldns_pkt_free(reply);
	ldns_resolver_deep_free(res);
	return ok;
}

/* 1: published as expected, 0: not (yet), -1: query failed. */
static int
check_published(ldns_resolver *res, const ldns_rr *want, bool require_rrsig)
{
	ldns_pkt *reply = NULL;
	ldns_rr_list *set = NULL, *sigs = NULL;
	int result = -1;
	ldns_status st;

	st = ldns_resolver_query_status(&reply, res, ldns_rr_owner(want),
	    LDNS_RR_TYPE_IPSECKEY, LDNS_RR_CLASS_IN, 0);
	if (st != LDNS_STATUS_OK || reply == NULL)
		goto out;
	result = 0;
	set = ldns_pkt_rr_list_by_type(reply, LDNS_RR_TYPE_IPSECKEY,
	    LDNS_SECTION_ANSWER);
	sigs = ldns_pkt_rr_list_by_type(reply, LDNS_RR_TYPE_RRSIG,
	    LDNS_SECTION_ANSWER);
	if (set == NULL || ldns_rr_list_rr_count(set) != 1 ||
	    ldns_rr_compare(ldns_rr_list_rr(set, 0), want) != 0)
		goto out;
	if (require_rrsig && sigs == NULL)
		goto out;
	result = 1;
out:
	ldns_rr_list_deep_free(set);
	ldns_rr_list_deep_free(sigs);
	ldns_pkt_free(reply);
	return result;
}

static bool
verify(const struct ipk_update_opts *opts, const struct ipk_record *rec)
{
	ldns_resolver *res = resolver_for(opts);
	ldns_rr *want = ipk_record_to_rr(rec);
	uint32_t waited = 0;
	int r = -1;

	if (res == NULL || want == NULL)
		goto out;
	ldns_resolver_set_dnssec(res, true);
	ldns_resolver_set_edns_udp_size(res, 4096);
	for (;;) {
		r = check_published(res, want, opts->require_rrsig);
		if (r == 1 || waited >= opts->wait)
			break;
		/* Inline signing may lag the UPDATE by a moment. */
		sleep(1);
		waited++;
	}
	if (r == 1)
		oe_info("%s now publishes the new IPSECKEY of %s%s",
		    opts->server, rec->name, opts->require_rrsig ?
		    ", signed" : "");
	else
		oe_err("%s does not publish the new IPSECKEY of %s%s after "
		    "%u s", opts->server, rec->name, opts->require_rrsig ?
		    " with an RRSIG" : "", opts->wait);
out:
	ldns_rr_free(want);
	if (res != NULL)
		ldns_resolver_deep_free(res);
	return r == 1;
}

bool
ipk_update_run(const struct ipk_update_opts *opts,
    const struct ipk_tsig *tsig, const struct ipk_record *rec)
{
	if (!send_update(opts, tsig, rec))
		return false;
	return verify(opts, rec);
}
