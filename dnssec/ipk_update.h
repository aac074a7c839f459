/*
 * `oe-ipseckey update`: replace a host's IPSECKEY RRset at a primary
 * server by a TSIG-signed DNS UPDATE (RFC 2136), then query it back.
 */
#ifndef IPK_UPDATE_H
#define IPK_UPDATE_H

#include <stdbool.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "ipk_record.h"
#include "ipk_tsig.h"

struct ipk_update_opts {
	const char	*server;	/* IPv4/IPv6 address */
	uint16_t	 port;
	const char	*zone;		/* absolute */
	uint32_t	 wait;		/* seconds to wait for the signed result */
	bool		 require_rrsig;	/* the primary signs inline */
};

/*
 * The UPDATE message: zone section `zone`, update section "delete the
 * IPSECKEY RRset of rec->name" then "add rec".  Caller frees.
 */
ldns_pkt *ipk_update_build(const char *zone, const struct ipk_record *rec);

/* Send, check the reply, query back until it matches or `wait` ends. */
bool ipk_update_run(const struct ipk_update_opts *opts,
    const struct ipk_tsig *tsig, const struct ipk_record *rec);

#endif /* IPK_UPDATE_H */
