/*
 * Responder-side DNS keys: an initiator that signs with an ID_FQDN (or
 * with its own address as ID) we hold no key for may be authenticated
 * with the IPSECKEY records of that name (or of the address's reverse
 * name), looked up through the local validating resolver
 * (config setup dns-resolver=).  Rules:
 *  - the resolver must be on loopback (the AD bit is only worth what
 *    the path to the resolver is worth), and its answers must carry
 *    the AD bit: DNSSEC-validated;
 *  - a CNAME chain in an answer is followed within that answer only:
 *    from the name asked for, at most 8 links, no loop; the records
 *    used are the chain end's, and a broken chain means no data;
 *  - the name's secure A (or AAAA) answer must hold the initiator's
 *    address, and the records are then chosen exactly as for a DNS
 *    trigger (trigger_plan_keys(): no gateway elsewhere, known
 *    algorithms, keys that check);
 *  - everything runs on the sd-event loop: one UDP socket, two
 *    queries (IPSECKEY and A/AAAA), one timeout; nothing blocks.
 *
 * Ownership: dns_keys_lookup() returns a query the caller owns; it is
 * freed by dns_keys_cancel(), which the caller must call exactly once,
 * also after the callback has run (the callback never frees it).
 */
#ifndef OE_IKED_DNS_KEYS_H
#define OE_IKED_DNS_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "ikev2_sa.h"
#include "oe_addr.h"

#define DNS_KEYS_TIMEOUT_USEC	(3 * 1000000ULL)
/*
 * Lookups running at once, daemon-wide.  Each holds a socket for up to
 * the timeout, and any initiator that completed IKE_SA_INIT can ask for
 * one; beyond this its IKE_AUTH waits for its own retransmission.
 */
#define DNS_KEYS_RUNNING_MAX	64

struct dns_keys_query;

struct dns_keys_result {
	bool			 ok;		/* nkeys > 0 */
	const char		*why;		/* !ok: static text */
	size_t			 nkeys;
	struct ikev2_peer_key	 keys[IKEV2_MAX_PEER_KEYS];
};

/* Called once from the event loop; `r` is valid during the call only. */
typedef void (*dns_keys_cb)(void *arg, const struct dns_keys_result *r);

/*
 * Look up `name`'s keys for an initiator at `peer` through the
 * resolver at resolver:port.  NULL (logged) when nothing was started:
 * a resolver not on loopback, a bad name, no socket.
 */
struct dns_keys_query *dns_keys_lookup(sd_event *ev,
    const struct oe_addr *resolver, uint16_t port, const char *name,
    const struct oe_addr *peer, uint64_t timeout_usec, dns_keys_cb cb,
    void *arg);

/*
 * The same for an initiator whose identity is its address `peer`: the
 * IPSECKEY of its reverse name (in-addr.arpa. or ip6.arpa.), which
 * names that one address only, so no address query is needed.
 */
struct dns_keys_query *dns_keys_lookup_addr(sd_event *ev,
    const struct oe_addr *resolver, uint16_t port, const struct oe_addr *peer,
    uint64_t timeout_usec, dns_keys_cb cb, void *arg);

/*
 * The answer-parsing step on its own, without socket or event loop
 * (the fuzz target and the tests drive it with raw datagrams).
 *
 * dns_keys_query_new() makes the context of a lookup of `name` (NULL:
 * the reverse name of `peer`) whose two queries carry the ids id_key
 * (IPSECKEY) and id_addr (A or AAAA); nothing is sent.  The caller
 * owns it and frees it with dns_keys_cancel().  NULL on a bad name or
 * no memory.
 */
struct dns_keys_query *dns_keys_query_new(const char *name,
    const struct oe_addr *peer, uint16_t id_key, uint16_t id_addr,
    dns_keys_cb cb, void *arg);

enum dns_keys_answer_kind {
	DNS_KEYS_ANSWER_DROPPED,	/* undecodable, or answers neither
					   question (still open): ignored */
	DNS_KEYS_ANSWER_KEY,		/* the IPSECKEY question's answer */
	DNS_KEYS_ANSWER_ADDR,		/* the address question's answer */
};

/*
 * One datagram `buf` of `len` octets from the resolver (hostile: any
 * bytes): which question it answers; what it proves is kept in q.
 * Once both questions are answered the callback runs, once, with the
 * result (after that every datagram is DNS_KEYS_ANSWER_DROPPED).
 */
enum dns_keys_answer_kind dns_keys_parse_answer(struct dns_keys_query *q,
    const uint8_t *buf, size_t len);

/* The name asked for (absolute, presentation form). */
const char *dns_keys_name(const struct dns_keys_query *q);

/* Stop (if still running) and free q.  NULL is fine. */
void	dns_keys_cancel(struct dns_keys_query *q);

/* Whether the lookup has reported (the callback ran). */
bool	dns_keys_done(const struct dns_keys_query *q);

#endif /* OE_IKED_DNS_KEYS_H */
