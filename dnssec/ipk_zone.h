/*
 * `oe-ipseckey zone`: put the hosts' IPSECKEY records into a zone file
 * and sign it with libldns.
 */
#ifndef IPK_ZONE_H
#define IPK_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <ldns/ldns.h>

#include "ipk_record.h"

#define IPK_ZONE_MAX_HOSTS	1024

enum ipk_serial { IPK_SERIAL_KEEP, IPK_SERIAL_INCREMENT, IPK_SERIAL_UNIXTIME,
	IPK_SERIAL_DATECOUNTER };

struct ipk_zone_opts {
	const char	*in_path;	/* unsigned zone file */
	const char	*out_path;	/* NULL: "<in_path>.signed" */
	const char	*origin;	/* NULL: from $ORIGIN / the SOA */
	const char	*keys_dir;	/* "<host>.pub" files, may be NULL */
	const char	*host_args[IPK_ZONE_MAX_HOSTS];	/* "NAME=FILE" */
	size_t		 n_host_args;
	const char	*ksk_path;	/* ldns .private files, or NULL */
	const char	*zsk_path;
	bool		 nsec3;
	uint32_t	 valid;		/* signature validity, seconds */
	uint32_t	 ttl;		/* IPSECKEY TTL */
	enum ipk_serial	 serial;	/* what to do with the SOA serial */
	time_t		 now;		/* 0: time(NULL) */
};

/*
 * Read a zone file; errors are logged as "file:line: reason".  Checks
 * there is one SOA, and every name is inside the zone.  The origin is
 * returned in *origin_out (caller frees both).
 */
bool ipk_zone_load(const char *path, const char *origin_arg,
    ldns_zone **zone_out, ldns_rdf **origin_out);

/* Drop RRSIG, NSEC, NSEC3, NSEC3PARAM and DNSKEY: we sign afresh. */
void ipk_zone_strip_dnssec(ldns_zone *zone);

/*
 * Hosts from `--keys DIR` and `--host NAME=FILE`; names relative to
 * `origin` unless they end with a dot.  *recs is malloc'd (caller
 * frees); each name must be inside the zone and not below a cut.
 */
bool ipk_zone_collect_hosts(const struct ipk_zone_opts *opts,
    const ldns_zone *zone, const ldns_rdf *origin, struct ipk_record **recs,
    size_t *n_recs);

/* Replace the IPSECKEY RRsets of these names by the given records. */
bool ipk_zone_set_ipseckeys(ldns_zone *zone, const struct ipk_record *recs,
    size_t n_recs);

/* "keep", "increment", "unixtime" or "datecounter". */
bool ipk_serial_parse(const char *s, enum ipk_serial *out);

/* The whole command; prints the DS of the KSK on stdout. */
bool ipk_zone_run(const struct ipk_zone_opts *opts);

#endif /* IPK_ZONE_H */
