/*
 * The engine tests' harness: two or three complete daemon contexts
 * (struct iked) in one process and one event loop, exchanging datagrams
 * over a fake wire the test controls (deliver, drop, duplicate, tamper,
 * reorder), with the in-memory `none` kernel backend whose state the
 * tests read.  Everything else is the code the daemon runs:
 * configuration loading, the codec, NSS crypto, the SA table, the
 * exchange handlers.  Every context runs with selfcheck on.
 *
 * Ownership: the harness owns its contexts, its event loop, its
 * temporary folder (configurations, policies folders and whatever a
 * test puts there: all removed by harness_free) and the copies of
 * datagrams on the wire and in its log.
 */
#ifndef OE_TEST_ENGINE_HARNESS_H
#define OE_TEST_ENGINE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keyhi.h>
#include <pk11pub.h>
#include <ldns/ldns.h>
#include <systemd/sd-event.h>

#include "iked.h"
#include "ikev2.h"
#include "ikev2_exchange.h"
#include "ikev2_sa.h"
#include "crypto.h"
#include "kernel.h"

#define HARNESS_MAX	3	/* contexts */
#define HARNESS_MAXQ	64	/* datagrams on the wire; copies in the log */
#define NAT_PORT_SHIFT	30000	/* the simulated NAT maps port P to P+30000 */

/* One datagram as its sender handed it to the socket layer. */
struct pkt {
	int		 from;		/* index of the sending context */
	struct ikev2_path path;
	uint8_t		*buf;		/* owned by the queue or the log */
	size_t		 len;
};

struct harness;

struct harness_endpoint {
	struct harness	*h;
	int		 idx;
};

/* What ikev2_initiate() reported to context idx (harness_initiate*). */
struct harness_result {
	int		 ndone;
	struct ikev2_initiate_result res;
};

/*
 * The answer of a fake resolver to one question: one RR in zone file
 * text into `rr` (empty: no answer record).  0, or -1 to drop the query.
 */
typedef int	(*harness_dns_answer_fn)(void *arg, const ldns_rr *question,
		    char *rr, size_t cap);

/* A resolver on a loopback UDP socket in the harness's event loop. */
struct harness_resolver {
	int		 fd;		/* -1: none */
	uint16_t	 port;
	sd_event_source	*io;
	bool		 ad;		/* answers carry the AD bit */
	int		 queries;
	harness_dns_answer_fn answer;
	void		*arg;
};

/* Which context receives p (default: the other one of two). */
typedef int	(*harness_route_fn)(struct harness *h, const struct pkt *p);

/*
 * Context i's configuration text into buf (cap bytes).  pol is its
 * policies folder, made and empty: group files may be written there.
 */
typedef void	(*harness_conf_fn)(struct harness *h, int i, const char *pol,
		    char *buf, size_t cap, void *arg);

struct harness {
	sd_event	*ev;
	int		 n;
	struct iked	*d[HARNESS_MAX];
	struct harness_endpoint ep[HARNESS_MAX];
	char		 addr[HARNESS_MAX][48];	/* each context's listen= */
	char		 dir[64];		/* the temporary folder */
	char		 conf[HARNESS_MAX][128];	/* dir/eN.conf */
	char		 pol[HARNESS_MAX][128];		/* dir/polN */
	struct pkt	 q[HARNESS_MAXQ];	/* the wire, oldest first */
	size_t		 nq;
	struct pkt	 log[HARNESS_MAXQ];	/* every datagram sent */
	size_t		 nlog;
	bool		 drop_all;	/* sent datagrams are lost */
	bool		 nat_a;		/* context 0 behind a port-mapping NAT */
	harness_route_fn route;
	struct harness_result r[HARNESS_MAX];
	struct harness_resolver dns;
};

/* ---- making and freeing ------------------------------------------------ */

/* An event loop and a temporary folder, no context yet. */
struct harness	*harness_empty(void);
/*
 * n contexts at the given addresses, each configured by conf(), with
 * the `none` kernel, set up and sending on the fake wire.
 */
void		 harness_engines(struct harness *h, int n,
		    const char *const addr[], harness_conf_fn conf, void *arg);
/*
 * Two contexts, "a" (index 0) at addr_a and "b" at addr_b, each with a
 * NULL-authenticated transport conn "peer" to the other (auto=add,
 * 50 ms retransmissions given up after 1 s) plus the extra conn lines.
 */
struct harness	*harness_new_addrs(const char *addr_a, const char *addr_b,
		    const char *extra_a, const char *extra_b);
/* The same at 127.0.0.1 and 127.0.0.2. */
struct harness	*harness_new(const char *extra_a, const char *extra_b);
void		 harness_free(struct harness *h);

/* Write text to path (a group file, say), replacing it. */
void		 harness_write_file(const char *path, const char *text);

/* ---- the wire and the loop ---------------------------------------------- */

/* Hand p (with buf/len instead of its own bytes) to its receiver. */
void		 deliver(struct harness *h, const struct pkt *p,
		    const uint8_t *buf, size_t len);
/* Take the queued datagram at index i off the wire and deliver it. */
void		 deliver_at(struct harness *h, size_t i);
/* Deliver at most n queued datagrams in order; how many were. */
int		 pump_n(struct harness *h, int n);
/* Deliver until the wire is quiet (which it must be within 200). */
void		 pump(struct harness *h);
/* Timers and the wire in 50 ms steps for up to ms, or until cond(h). */
void		 run_for(struct harness *h, int ms,
		    bool (*cond)(struct harness *));
/* Timers and the wire in 10 ms steps until context idx's initiation is
 * done (at most 3 s). */
void		 run_until_done(struct harness *h, int idx);
/* Index in h->log of the n-th datagram (0-based) sent by `from`. */
size_t		 sent_by(struct harness *h, int from, int n);

/* ---- initiating --------------------------------------------------------- */

/* ikev2_initiate() on context `from` with req (its done/arg replaced). */
void		 harness_initiate(struct harness *h, int from,
		    const struct ikev2_initiate_req *req);
/* The same with conn, peer address (NULL: the conn's) and peer keys. */
void		 initiate_from(struct harness *h, int from, const char *conn,
		    const char *peer, const struct ikev2_peer_key *keys,
		    size_t nkeys);
/* Context 0 initiates its conn "peer". */
void		 initiate(struct harness *h);

/* ---- the SA table and the kernel --------------------------------------- */

/* The one IKE SA of d (fails unless there is exactly one). */
struct ikev2_ike_sa *only_sa(struct iked *d);
/* d's kernel holds a complete (not larval) SA dst/spi. */
bool		 kernel_has_sa(struct iked *d, const char *dst, uint32_t spi);
/* reqid of d's IPsec host-to-host policy src -> dst in dir; 0: none. */
uint32_t	 policy_reqid(struct iked *d, int dir, const char *src,
		    const char *dst);
/*
 * Context idx's policies both ways with peer point at sa's Child SA
 * and its kernel holds both of that Child SA's SAs.
 */
void		 assert_policies_held_by(struct harness *h, int idx,
		    const char *peer, const struct ikev2_ike_sa *sa);
/*
 * Two contexts: 0 rekeyed its Child SA at least once, neither holds an
 * old Child SA any more, no request or datagram is in flight.
 */
bool		 rekey_done(struct harness *h);

/* ---- DNS ------------------------------------------------------------------ */

/* A resolver on 127.0.0.1 (port in h->dns.port), AD set; before engines. */
void		 harness_resolver_open(struct harness *h,
		    harness_dns_answer_fn answer, void *arg);

/* ---- NSS ------------------------------------------------------------------ */

/* cmocka group fixtures: logging and NSS without a database (*state). */
int		 harness_nss_setup(void **state);
int		 harness_nss_teardown(void **state);
/*
 * A new NSS database in a new folder made from tmpl ("/tmp/...XXXXXX",
 * rewritten in place by mkdtemp).  NULL on failure.
 */
struct crypto_nss *harness_nss_db_new(char *tmpl);
/* Shut NSS down, remove the database and its folder.  0 or -1. */
int		 harness_nss_db_free(struct crypto_nss *nss, const char *dir);
/*
 * A key pair in the internal slot (kept there, under nickname unless
 * NULL); its public key in *pub, which the caller destroys.  0 or -1.
 */
int		 harness_keypair(CK_MECHANISM_TYPE mech, void *params,
		    const char *nickname, SECKEYPublicKey **pub);

#endif
