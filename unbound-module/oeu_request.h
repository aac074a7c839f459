/*
 * The module's side of the trigger protocol (shared/oe_trigger.h): fill
 * a struct oe_trigger_request from the pieces of a validated answer,
 * encode it, decode the daemon's reply.  No Unbound dependency: the
 * caller hands over raw RDATA, so all of it is unit tested on its own.
 *
 * The JSON form itself is shared/oe_trigger.c's, the protocol's only
 * codec (doc/trigger-protocol.md).
 */
#ifndef OEU_REQUEST_H
#define OEU_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "oe_trigger.h"

/* RRSIG RDATA fixed part before the signer name (RFC 4034 3.1). */
#define OEU_RRSIG_FIXED		18

/*
 * Start a request: cookie, owner name (uncompressed wire), qtype,
 * address TTL; no addresses, "ipseckey": null.  Returns false if the
 * name is malformed.
 */
bool oeu_request_init(struct oe_trigger_request *req, uint64_t cookie,
    const uint8_t *name, size_t name_len, uint16_t qtype, uint32_t addr_ttl);

/*
 * Add one address from A (4 octets) or AAAA (16 octets) RDATA; a repeat
 * is skipped.  Returns false if the RDATA length does not fit the qtype
 * or the list is full.
 */
bool oeu_request_add_addr(struct oe_trigger_request *req,
    const uint8_t *rdata, size_t len);

/*
 * Add one IPSECKEY RDATA as a record, keeping the records in order of
 * precedence (marks the key set present and secure).  Returns false, with the reason in err, for a record that is
 * malformed, has an unknown algorithm or a key that fails its check, or
 * when OE_TRIGGER_RECORDS_MAX are already there; the caller skips it.
 */
bool oeu_request_add_ipseckey(struct oe_trigger_request *req,
    const uint8_t *rdata, size_t len, char *err, size_t errlen);

/*
 * Read inception and expiration from RRSIG RDATA.  Returns false if the
 * RDATA is shorter than its fixed part.
 */
bool oeu_rrsig_times(const uint8_t *rdata, size_t len, uint32_t *inception,
    uint32_t *expiration);

/* The UNIX time nearest `now` that a 32-bit RRSIG time denotes. */
int64_t oeu_serial_to_unix(uint32_t t, time_t now);

/*
 * Encode; returns the length or -1 with err.  If the message would not
 * fit (16 KiB, or cap), the records with the worst precedence are
 * dropped from req until it does, as the protocol asks.
 */
ssize_t oeu_request_encode(struct oe_trigger_request *req, char *buf,
    size_t cap, char *err, size_t errlen);

/* Decode one reply message (not NUL-terminated); 0 or -1 with err. */
int oeu_reply_decode(struct oe_trigger_reply *rep, const char *msg,
    size_t len, char *err, size_t errlen);

#endif /* OEU_REQUEST_H */
