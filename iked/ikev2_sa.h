/*
 * IKE SA and Child SA objects and the table that finds them.
 *
 * An IKE SA is found by our own SPI (the initiator SPI when we
 * initiated, the responder SPI otherwise); a half-open responder SA
 * is also found by (peer address, initiator SPI) so that a
 * retransmitted IKE_SA_INIT request gets the cached response instead
 * of a second SA.  The table counts half-open SAs (for COOKIE and the
 * max-halfopen limit) and bounds the total number of SAs.
 *
 * Ownership: the table owns every SA in it; ikev2_sa_free() (through
 * ikev2_sa_destroy()) releases the keys, the DH key pair, the cached
 * messages and the timers.  Child SAs are embedded in their IKE SA.
 */
#ifndef OE_IKEV2_SA_H
#define OE_IKEV2_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pk11pub.h>
#include <keyhi.h>
#include <systemd/sd-event.h>

#include "ikev2.h"
#include "ikev2_payload.h"
#include "ikev2_message.h"
#include "ikev2_net.h"
#include "crypto.h"
#include "crypto_prf.h"
#include "oe_addr.h"

struct iked;
struct crypto_dh;
struct crypto_sk;
struct rekey_out_pending;
struct dns_keys_query;

#define IKEV2_SA_TABLE_BUCKETS	4096	/* by SPI, by the peer's SPI, by
					 * the Child SA's selectors */
#define IKEV2_SA_MAX_TOTAL	100000	/* hard bound on SAs of all states */
#define IKEV2_MAX_PEER_KEYS	8	/* raw public keys (IPSECKEY records) */
#define IKEV2_PEER_KEY_MAX	1040

enum ikev2_sa_state {
	IKEV2_SA_INIT_SENT,	/* initiator: IKE_SA_INIT request out */
	IKEV2_SA_INIT_DONE,	/* responder: answered IKE_SA_INIT (half-open) */
	IKEV2_SA_AUTH_SENT,	/* initiator: IKE_AUTH request out */
	IKEV2_SA_ESTABLISHED,
	IKEV2_SA_DELETING,	/* our DELETE is out */
	IKEV2_SA_DEAD,		/* to be freed */
};

const char *ikev2_sa_state_name(enum ikev2_sa_state s);

/* Result of one initiation (see ikev2_initiate()). */
struct ikev2_initiate_result {
	bool		 ok;
	const char	*error;		/* when !ok: why (static text) */
	struct oe_addr	 peer;
	uint32_t	 spi_in;	/* the Child SA, when ok */
	uint32_t	 spi_out;
	uint32_t	 lifetime;	/* seconds the Child SA stays up */
};

typedef void (*ikev2_initiate_cb)(void *arg,
    const struct ikev2_initiate_result *res);

/* A raw public key from an IPSECKEY record (algorithm 2 RSA, 3 ECDSA). */
struct ikev2_peer_key {
	uint8_t		 algorithm;
	uint16_t	 len;
	uint8_t		 key[IKEV2_PEER_KEY_MAX];
};

/*
 * What a caller asks for.  Exactly one of `conn` (a conn name) or
 * `peer` (an address matched against the configuration) is needed;
 * with both, the conn is used towards that peer.  `keys` are the
 * peer's authenticated public keys (from a secure IPSECKEY), if any.
 * `done` is called exactly once, unless ikev2_initiate() returns -1.
 */
struct ikev2_initiate_req {
	const char		*conn;
	struct oe_addr		 peer;		/* AF_UNSPEC: the conn's right= */
	const char		*name;		/* DNS name the keys belong to */
	size_t			 nkeys;
	const struct ikev2_peer_key *keys;
	ikev2_initiate_cb	 done;
	void			*arg;
	/* Only this flow (an OE group entry's protocol and ports); 0: any */
	uint8_t			 proto;
	uint16_t		 sport;		/* our port */
	uint16_t		 dport;		/* the peer's port */
};

/*
 * The one entry point that starts an IKE SA with its first Child SA:
 * --initiate and auto=start today; DNS triggers, kernel ACQUIREs and
 * the control socket later.  Returns 0 when the IKE_SA_INIT request is
 * out (req->done is then called exactly once, from the event loop), or
 * -1 when nothing was started (no matching conn, table full, ...;
 * req->done is not called).  The request is copied.
 */
int	ikev2_initiate(struct iked *d, const struct ikev2_initiate_req *req);

struct ikev2_proto_choice {
	uint16_t	 encr;
	uint16_t	 encr_bits;
	uint16_t	 prf;		/* IKE only */
	uint16_t	 integ;		/* 0 for AEAD */
	uint16_t	 dh;		/* IKE: the KE group; ESP: 0 (no PFS) */
};

struct ikev2_child_sa {
	bool		 present;
	bool		 installed;
	bool		 rekeyed;	/* replaced an older one: shares its
					 * reqid and policies */
	struct ikev2_proto_choice alg;
	uint32_t	 spi_in;	/* host order; we chose it */
	uint32_t	 spi_out;	/* the peer chose it */
	uint32_t	 reqid;
	struct ikev2_ts	 ts_local;	/* one selector each (transport) */
	struct ikev2_ts	 ts_remote;
	bool		 transport;
	bool		 out_later;	/* outbound SA not in the kernel yet: a
					 * rekey responder's (ikev2_rekey.c) */
	bool		 role_swapped;	/* made by a CREATE_CHILD_SA the IKE SA's
					 * responder initiated: KEYMAT's
					 * initiator is the other side (2.17) */
	uint64_t	 established_usec;
	uint32_t	 lifetime;	/* seconds */
	/* fingerprints of the keys (for the state file; never the keys) */
	char		 fp_in[17], fp_out[17];
};

/* The pending request of window size 1, with its retransmission state. */
struct ikev2_request {
	bool		 active;
	uint32_t	 msgid;
	uint8_t		 exchange;
	uint8_t		*buf;		/* owned; fragments back to back */
	size_t		 len;
	uint8_t		 nfrags;	/* 0: one datagram */
	uint16_t	 frag_len[IKEV2_MAX_FRAGMENTS];
	unsigned	 tries;
	uint64_t	 deadline_usec;
	sd_event_source	*timer;
};

/* Our last response, replayed when the request comes again. */
struct ikev2_response_cache {
	bool		 valid;
	uint32_t	 msgid;
	uint8_t		*buf;		/* owned; fragments back to back */
	size_t		 len;
	uint8_t		 nfrags;	/* 0: one datagram */
	uint16_t	 frag_len[IKEV2_MAX_FRAGMENTS];
};

struct ikev2_ike_sa {
	struct ikev2_ike_sa	*next_spi;	/* table bucket by our SPI */
	struct ikev2_ike_sa	*next_all;	/* table list */
	struct ikev2_ike_sa	*next_init;	/* responder: bucket by peer's SPI */
	struct ikev2_ike_sa	*prev_all;	/* table list (O(1) unlink) */
	/* bucket by path.remote; pprev: the link to us (O(1) unlink) */
	struct ikev2_ike_sa	*next_peer, **pprev_peer;
	uint16_t		 peer_bucket;
	/* bucket by the Child SA's selectors (ikev2_sa_index_child());
	 * pprev_sel is NULL when not filed */
	struct ikev2_ike_sa	*next_sel, **pprev_sel;
	uint16_t		 sel_bucket;
	uint8_t			 sel_kind;	/* enum ikev2_sel_kind */
	struct iked		*iked;
	uint64_t		 serial;	/* for logs */
	enum ikev2_sa_state	 state;
	bool			 initiator;
	uint64_t		 ispi, rspi;
	struct ikev2_path	 path;
	char			 conn[64];	/* the conn that governs it */
	/* initiator: the flow the Child SA is for (ikev2_initiate_req) */
	uint8_t			 flow_proto;
	uint16_t		 flow_sport, flow_dport;
	uint64_t		 created_usec;
	uint64_t		 established_usec;
	uint32_t		 lifetime;	/* seconds (ikelifetime) */

	/* IKE_SA_INIT */
	struct ikev2_proto_choice alg;
	struct crypto_dh	*dh;
	uint8_t			 ni[IKEV2_NONCE_MAX], nr[IKEV2_NONCE_MAX];
	size_t			 ni_len, nr_len;
	uint8_t			*init_req;	/* IKE_SA_INIT request as sent/received */
	size_t			 init_req_len;
	uint8_t			*init_resp;
	size_t			 init_resp_len;
	uint8_t			 cookie[IKEV2_COOKIE_MAX];
	size_t			 cookie_len;
	unsigned		 ke_retries;	/* INVALID_KE_PAYLOAD and COOKIE */
	bool			 peer_frag;	/* IKEV2_FRAGMENTATION_SUPPORTED */
	uint32_t		 peer_sig_hashes;	/* bit n: hash ID n */
	bool			 nat_local, nat_remote;	/* NAT detected */

	/* keys */
	const struct crypto_prf	*prf;
	const struct crypto_encr *encr;
	const struct crypto_integ *integ;
	struct crypto_ike_keys	 keys;
	bool			 have_keys;
	struct crypto_sk	*sk_out, *sk_in;
	struct ikev2_frag_reasm	 frag;

	/* IKE_AUTH */
	uint8_t			 auth_local, auth_peer;	/* IKEV2_AUTH_* used */
	struct ikev2_id		 peer_id;
	uint8_t			 peer_id_data[256];
	char			 peer_name[256];	/* DNS name of the keys */
	size_t			 npeer_keys;
	struct ikev2_peer_key	*peer_keys;		/* owned, npeer_keys */
	/* responder: the initiator's keys asked of DNS (dns_keys.h); owned */
	struct dns_keys_query	*dns_query;

	struct ikev2_child_sa	 child;
	/*
	 * Responder: child's kernel SAs are in, but the policies of its
	 * selectors stay with another authenticated Child SA until the
	 * initiator shows it completed IKE_AUTH (ikev2_child_confirm()).
	 */
	bool			 child_policies_deferred;
	/* During a rekey: the Child SA being replaced, until it is deleted. */
	struct ikev2_child_sa	 old_child;
	/* CREATE_CHILD_SA we initiated: the new Child SA and our nonce */
	struct ikev2_child_sa	 rekey_child;
	uint8_t			 rekey_ni[IKEV2_NONCE_MAX];
	size_t			 rekey_ni_len;
	bool			 rekeying;
	struct crypto_dh	*rekey_dh;	/* PFS key pair of our rekey; owned */
	uint16_t		 rekey_group;	/* named by INVALID_KE_PAYLOAD */
	unsigned		 rekey_ke_retries;
	uint64_t		 rekey_not_before_usec;	/* after a refusal */
	bool			 deleting_old;	/* our DELETE of old_child is out */
	/*
	 * Simultaneous Child SA rekeys (2.8.1): the peer's rekey came in
	 * while ours was out; the lower nonce of its exchange decides.
	 */
	bool			 rekey_collided;
	uint8_t			 rekey_peer_nmin[IKEV2_NONCE_MAX];
	size_t			 rekey_peer_nmin_len;
	/* Our answered rekey's outbound SA waiting for the peer's DELETE of
	 * the old one (ikev2_rekey.c); owned by its timer, not by us */
	struct rekey_out_pending *rekey_out;
	uint64_t		 rekeys;	/* Child SA rekeys done */
	/* IKE SA rekey (ikev2_rekey_ike.c) */
	struct ikev2_ike_sa	*rekey_ike;	/* the new SA we negotiate; in
						 * the table, destroyed with us */
	bool			 replaced;	/* a rekey moved everything on */
	uint64_t		 replaced_usec;
	bool			 ike_rekey_disabled;	/* the peer said no */
	/* After a refused IKE SA rekey: not again before this (backoff) */
	uint64_t		 ike_rekey_not_before_usec;
	unsigned		 ike_rekey_refusals;
	/*
	 * Simultaneous IKE SA rekeys (2.8.2): our SPI of the new IKE SA
	 * the peer's rekey made while ours was out (0: none).  Found by
	 * SPI, not pointer: the peer may delete it first.
	 */
	uint64_t		 rekey_ike_peer;

	/* exchanges */
	uint32_t		 msgid_out;	/* next request we send */
	uint32_t		 msgid_in;	/* next request we expect */
	struct ikev2_request	 req;
	struct ikev2_response_cache resp;
	sd_event_source		*life_timer;	/* half-open / lifetime / liveness */
	uint64_t		 last_heard_usec;
	uint64_t		 last_keepalive_usec;	/* NAT keepalives */
	uint64_t		 idle_check_usec;	/* next idletimeout check */
	/* idletimeout: the Child SA's packet counters at the last check */
	uint32_t		 idle_spi_in, idle_spi_out;	/* whose counters */
	uint64_t		 idle_pkts_in, idle_pkts_out;
	uint64_t		 idle_active_usec;	/* when they last moved */

	/* initiation result */
	ikev2_initiate_cb	 done;
	void			*done_arg;
};

struct ikev2_sa_table;

struct ikev2_sa_table *ikev2_sa_table_new(void);
/* Destroys every SA still in the table (no messages are sent). */
void	ikev2_sa_table_free(struct ikev2_sa_table *t);

/*
 * A new SA with a fresh random local SPI unique in the table, linked
 * in.  NULL when the table is full or on allocation failure.
 */
struct ikev2_ike_sa *ikev2_sa_create(struct iked *d, bool initiator,
    const struct ikev2_path *path);
/* The SA whose local SPI is `spi`, or NULL. */
struct ikev2_ike_sa *ikev2_sa_find(struct ikev2_sa_table *t, uint64_t spi);
/* A responder SA for (peer address, initiator SPI): IKE_SA_INIT replays. */
struct ikev2_ike_sa *ikev2_sa_find_init(struct ikev2_sa_table *t,
    const struct oe_addr *peer, uint64_t ispi);
/* Change state, keeping the half-open count. */
void	ikev2_sa_set_state(struct ikev2_ike_sa *sa, enum ikev2_sa_state st);
/* Responder: record the initiator's SPI (indexes it for INIT replays). */
void	ikev2_sa_set_peer_ispi(struct ikev2_ike_sa *sa, uint64_t ispi);
/* Our SPI of sa. */
uint64_t ikev2_sa_local_spi(const struct ikev2_ike_sa *sa);
/*
 * Remove sa from the table and free it.  If it has an initiation
 * callback still pending, that is called with failure `why` first.
 * Kernel SAs are not touched here (see ikev2_child_remove()).
 */
void	ikev2_sa_destroy(struct ikev2_ike_sa *sa, const char *why);
/* Counts: all SAs, and half-open ones (not yet ESTABLISHED). */
size_t	ikev2_sa_count(const struct ikev2_sa_table *t);
size_t	ikev2_sa_halfopen(const struct ikev2_sa_table *t);

/*
 * The selector index: installed Child SAs share kernel policies when
 * their selectors are equal, and asking who else holds a pair of
 * selectors must not walk every SA (it is asked per Child SA, and one
 * pair of hosts may have many SAs).  Each SA is filed under a hash of
 * its Child SA's selectors, in one of three lists by what the takeover
 * rule (ikev2_child.c) asks of it; an SA without an installed Child SA
 * is not filed.  ikev2_sa_index_child() files sa again; call it
 * whenever sa->child is installed, uninstalled or replaced (install,
 * uninstall, rekey swaps, IKE SA rekey) and whenever
 * child_policies_deferred changes.  A list also holds SAs with other
 * selectors (same hash): callers check each one.
 */
enum ikev2_sel_kind {
	IKEV2_SEL_KEYED,	/* holds its policies; peer proved a key */
	IKEV2_SEL_NULL,		/* holds its policies; peer used NULL auth */
	IKEV2_SEL_DEFERRED,	/* child_policies_deferred */
	IKEV2_SEL_KINDS
};

/* Whether sa's peer authenticated with a key (not NULL, not yet). */
bool	ikev2_sa_peer_keyed(const struct ikev2_ike_sa *sa);
void	ikev2_sa_index_child(struct ikev2_ike_sa *sa);
struct ikev2_ike_sa *ikev2_sa_first_sel(struct ikev2_sa_table *t,
    enum ikev2_sel_kind kind, const struct ikev2_ts *local,
    const struct ikev2_ts *remote);
struct ikev2_ike_sa *ikev2_sa_next_sel(struct ikev2_ike_sa *sa);
/*
 * With d->selfcheck: abort if an SA is not filed as its Child SA's
 * selectors and state say (a missed ikev2_sa_index_child()) or as its
 * peer address says.  Runs at each index lookup and each SA destroyed.
 */
void	ikev2_sa_selfcheck(struct iked *d);

/*
 * The peer index: the SAs with a peer address, without walking every
 * SA (triggers, ACQUIREs and INITIAL_CONTACT ask per event).  The list
 * also holds SAs of other addresses (same hash): callers compare.
 * Change an SA's path only with ikev2_sa_set_path(), which files the
 * SA again.
 */
struct ikev2_ike_sa *ikev2_sa_first_peer(struct ikev2_sa_table *t,
    const struct oe_addr *peer);
struct ikev2_ike_sa *ikev2_sa_next_peer(struct ikev2_ike_sa *sa);
void	ikev2_sa_set_path(struct ikev2_ike_sa *sa, const struct ikev2_path *path);

/* Iterate: first, then next (NULL at the end).  Do not destroy while at it. */
struct ikev2_ike_sa *ikev2_sa_first(struct ikev2_sa_table *t);
struct ikev2_ike_sa *ikev2_sa_next(struct ikev2_ike_sa *sa);

/*
 * Once the IKE SA is established: free what only IKE_AUTH needed (the
 * IKE_SA_INIT messages, SK_pi/SK_pr) and park its keys (crypto.h), so
 * that an idle SA holds no live NSS key object.
 */
void	ikev2_sa_compact(struct ikev2_ike_sa *sa);

/* Report the initiation result (once) and forget the callback. */
void	ikev2_sa_complete(struct ikev2_ike_sa *sa, bool ok, const char *error);

/* "#12 198.51.100.2" style prefix for log lines. */
const char *ikev2_sa_tag(const struct ikev2_ike_sa *sa, char *buf, size_t len);

#endif /* OE_IKEV2_SA_H */
