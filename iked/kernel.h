/*
 * The kernel interface: everything the IKE engine decides about IPsec
 * SAs and policies goes through this ops table, so the engine never
 * knows whether it talks to Linux XFRM or to the in-memory `none`
 * backend used by tests and loopback runs.
 *
 * Conventions
 *  - Every call returns 0 on success or a negative errno value.
 *  - Only ESP is supported (the project never needs AH or IPComp).
 *  - SPIs and ports are host byte order in these structs; the backend
 *    converts.  Addresses are struct kernel_addr (family + bytes).
 *  - Key material: the caller owns the buffers it passes in.  Backends
 *    copy what they need and zero every copy they made (including the
 *    netlink message buffer) before freeing or reusing it.
 *  - The backend never owns the event loop: the daemon polls
 *    kernel_event_fd() for input and calls kernel_process(), which
 *    delivers events to the callbacks given at open time.
 *
 * Ownership marking (how a restarted daemon recognises what its
 * predecessor installed, see kernel_list_owned()):
 *  - SAs: the reqid lies in [reqid_min, reqid_max] of the config.
 *  - Policies: the priority lies in [prio_min, prio_max] of the config
 *    and, when the policy has a template, its reqid is in our range.
 *    Pass/drop policies have no template, so the priority band is the
 *    only mark they can carry.
 *  Marks (XFRMA_MARK) cannot serve: a policy's mark takes part in
 *  matching (packet mark & mask must equal value), so tagging with a
 *  mark would change which packets the policy applies to.  Policy
 *  indexes are assigned by the kernel and are not stable across
 *  replacement.  The reqid and the priority are inert for matching
 *  (the priority only orders our own policies), so they are the tags.
 */
#ifndef OE_KERNEL_H
#define OE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

struct kernel_addr {
	sa_family_t	 family;	/* AF_INET, AF_INET6, or AF_UNSPEC = any */
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
		uint8_t		 bytes[16];
	} u;
};

/* Traffic selector; prefix 0 and address family AF_UNSPEC mean "any". */
struct kernel_selector {
	sa_family_t		 family;	/* AF_INET or AF_INET6 */
	struct kernel_addr	 src;
	struct kernel_addr	 dst;
	uint8_t			 src_plen;
	uint8_t			 dst_plen;
	uint8_t			 proto;		/* 0 = any */
	uint16_t		 sport;		/* 0 = any; ICMP: type */
	uint16_t		 dport;		/* 0 = any; ICMP: code */
};

enum kernel_dir {
	KERNEL_DIR_IN = 0,
	KERNEL_DIR_OUT = 1,
	KERNEL_DIR_FWD = 2,
};

enum kernel_mode {
	KERNEL_MODE_TRANSPORT = 0,
	KERNEL_MODE_TUNNEL = 1,
};

/* ESP encryption transforms (names as IKEv2 negotiates them). */
enum kernel_enc {
	KERNEL_ENC_AES_GCM_16 = 1,		/* rfc4106(gcm(aes)), ICV 128 */
	KERNEL_ENC_CHACHA20_POLY1305,		/* rfc7539esp(chacha20,poly1305), ICV 128 */
	KERNEL_ENC_AES_CBC,			/* cbc(aes), needs integrity */
};

/* ESP integrity transforms, truncated per RFC 4868. */
enum kernel_integ {
	KERNEL_INTEG_NONE = 0,			/* AEAD only */
	KERNEL_INTEG_HMAC_SHA2_256_128,
	KERNEL_INTEG_HMAC_SHA2_384_192,
	KERNEL_INTEG_HMAC_SHA2_512_256,
};

/* Zero in any field means "no limit". */
struct kernel_lifetime {
	uint64_t	 soft_bytes;
	uint64_t	 hard_bytes;
	uint64_t	 soft_packets;
	uint64_t	 hard_packets;
	uint64_t	 soft_seconds;	/* since the SA was added */
	uint64_t	 hard_seconds;
};

/* mask == 0 means "no mark". */
struct kernel_mark {
	uint32_t	 value;
	uint32_t	 mask;
};

struct kernel_encap {
	bool		 enabled;	/* ESP in UDP (RFC 3948), after NAT-D */
	uint16_t	 sport;
	uint16_t	 dport;
	struct kernel_addr oa;		/* original address (optional, AF_UNSPEC) */
};

struct kernel_sa {
	struct kernel_addr	 src;	/* outer addresses */
	struct kernel_addr	 dst;
	uint32_t		 spi;
	enum kernel_mode	 mode;
	uint32_t		 reqid;	/* must be in the backend's range */
	enum kernel_enc		 enc;
	const uint8_t		*enc_key;	/* AEAD: key || 4-byte salt */
	size_t			 enc_key_len;
	enum kernel_integ	 integ;
	const uint8_t		*integ_key;
	size_t			 integ_key_len;
	uint32_t		 replay_window;	/* packets; 0 = no replay check */
	bool			 esn;
	/*
	 * Direction of the SA.  XFRM (Linux < 6.10) has no SA direction, but
	 * refuses ESN with a zero window: an outbound ESN SA then gets a
	 * window of 1 (unused on output), an inbound one is refused.
	 */
	bool			 inbound;
	struct kernel_encap	 encap;
	struct kernel_lifetime	 lifetime;
	struct kernel_mark	 mark;
	struct kernel_selector	 sel;	/* optional: family 0 = none */
};

/* Identifies one SA. */
struct kernel_sa_id {
	struct kernel_addr	 dst;
	uint32_t		 spi;
	struct kernel_mark	 mark;
};

struct kernel_sa_stats {
	uint64_t	 bytes;
	uint64_t	 packets;
	uint64_t	 add_time;	/* seconds since the epoch */
	uint64_t	 use_time;	/* 0 = never used; else epoch seconds */
	uint32_t	 replay_errors;
	uint32_t	 integrity_errors;
};

enum kernel_policy_action {
	KERNEL_POLICY_PASS = 1,	/* allow in clear, no template */
	KERNEL_POLICY_DROP,	/* block; also the "hold" negotiation shunt */
	KERNEL_POLICY_IPSEC,	/* ESP template, level required: SA must exist */
	/*
	 * Trap: an out policy with an ESP template whose SA does not exist
	 * yet.  The kernel then sends ACQUIRE (carrying the template's reqid
	 * and the policy index) and, with level required, holds/drops the
	 * packet: fail closed ("private").  TRAP_OPTIONAL uses level "use":
	 * the kernel still sends ACQUIRE but lets packets out in clear while
	 * no SA exists ("clear-or-private"), and uses the SA once it does.
	 * On the wire TRAP equals IPSEC; the difference is only intent.
	 */
	KERNEL_POLICY_TRAP,
	KERNEL_POLICY_TRAP_OPTIONAL,
};

struct kernel_policy {
	struct kernel_selector	 sel;
	enum kernel_dir		 dir;
	enum kernel_policy_action action;
	uint32_t		 priority;	/* lower wins; must be in band */
	struct kernel_mark	 mark;
	/* the ESP template, for IPSEC and TRAP* only */
	enum kernel_mode	 mode;
	uint32_t		 reqid;
	struct kernel_addr	 tmpl_src;	/* tunnel endpoints; ignored in transport */
	struct kernel_addr	 tmpl_dst;
	/* optional timeout (polexpire), e.g. for failure shunts; 0 = none */
	uint64_t		 soft_seconds;
	uint64_t		 hard_seconds;
	uint32_t		 index;		/* out: kernel-assigned index */
};

/* Events -------------------------------------------------------------- */

struct kernel_acquire {
	struct kernel_selector	 sel;		/* the packet's flow */
	struct kernel_addr	 src;		/* SA endpoints the kernel wants */
	struct kernel_addr	 dst;
	uint32_t		 reqid;		/* template reqid (0 if absent) */
	uint32_t		 policy_index;
	enum kernel_dir		 dir;
	uint32_t		 seq;		/* acquire sequence number */
};

struct kernel_expire {
	bool			 hard;
	struct kernel_addr	 src;
	struct kernel_addr	 dst;
	uint32_t		 spi;
	uint32_t		 reqid;
	struct kernel_mark	 mark;
	struct kernel_sa_stats	 stats;		/* bytes/packets at expiry */
};

struct kernel_polexpire {
	bool			 hard;
	struct kernel_selector	 sel;
	enum kernel_dir		 dir;
	uint32_t		 index;
	uint32_t		 priority;
};

struct kernel_callbacks {
	void	(*acquire)(void *arg, const struct kernel_acquire *ev);
	void	(*expire)(void *arg, const struct kernel_expire *ev);
	void	(*polexpire)(void *arg, const struct kernel_polexpire *ev);
	void	 *arg;
};

struct kernel_config {
	uint32_t	 reqid_min;	/* our reqid range (ownership mark) */
	uint32_t	 reqid_max;
	uint32_t	 prio_min;	/* our policy priority band */
	uint32_t	 prio_max;
	uint32_t	 spi_min;	/* range for allocated SPIs */
	uint32_t	 spi_max;
};

/* Defaults: reqids 0x6f650000.. ("oe"), priorities 0x6f6000..0x6f6fff. */
#define KERNEL_REQID_MIN_DEFAULT	0x6f650000u
#define KERNEL_REQID_MAX_DEFAULT	0x6f65ffffu
#define KERNEL_PRIO_MIN_DEFAULT		0x006f6000u
#define KERNEL_PRIO_MAX_DEFAULT		0x006f6fffu
#define KERNEL_SPI_MIN_DEFAULT		0x00000100u
#define KERNEL_SPI_MAX_DEFAULT		0xffffffffu

void kernel_config_defaults(struct kernel_config *cfg);

/* What kernel_list_owned() reports: one SA or one policy. */
struct kernel_entry {
	bool			 is_policy;
	struct kernel_sa_id	 sa;		/* if !is_policy */
	uint32_t		 sa_reqid;
	struct kernel_addr	 sa_src;
	struct kernel_policy	 policy;	/* if is_policy (no keys) */
};

typedef void (*kernel_list_cb)(void *arg, const struct kernel_entry *e);

struct kernel;

struct kernel_ops {
	const char	*name;
	void	(*close)(struct kernel *k);
	int	(*event_fd)(struct kernel *k);
	int	(*process)(struct kernel *k);
	int	(*alloc_spi)(struct kernel *k, const struct kernel_addr *src,
		    const struct kernel_addr *dst, uint32_t reqid, uint32_t *spi);
	int	(*add_sa)(struct kernel *k, const struct kernel_sa *sa, bool update);
	int	(*del_sa)(struct kernel *k, const struct kernel_sa_id *id);
	int	(*get_sa_stats)(struct kernel *k, const struct kernel_sa_id *id,
		    struct kernel_sa_stats *st);
	int	(*add_policy)(struct kernel *k, struct kernel_policy *pol, bool replace);
	int	(*del_policy)(struct kernel *k, const struct kernel_selector *sel,
		    enum kernel_dir dir, const struct kernel_mark *mark);
	int	(*list_owned)(struct kernel *k, kernel_list_cb cb, void *arg);
};

/* Common head of every backend's context. */
struct kernel {
	const struct kernel_ops	*ops;
	struct kernel_config	 cfg;
	struct kernel_callbacks	 cb;
};

/*
 * Constructors.  `cfg` may be NULL for the defaults; `cb` may be NULL
 * (events are then read and dropped).  The caller owns the returned
 * context and releases it with kernel_close().  kernel_close() does not
 * remove installed entries: call kernel_flush_owned() first on stop.
 */
int	kernel_none_open(struct kernel **out, const struct kernel_config *cfg,
	    const struct kernel_callbacks *cb);
int	kernel_xfrm_open(struct kernel **out, const struct kernel_config *cfg,
	    const struct kernel_callbacks *cb);
/* Pick a backend by name ("xfrm" or "none"). */
int	kernel_open(const char *backend, struct kernel **out,
	    const struct kernel_config *cfg, const struct kernel_callbacks *cb);

void	kernel_close(struct kernel *k);
/* fd to poll for input, or -1 when the backend has no events to read. */
int	kernel_event_fd(struct kernel *k);
/*
 * Read every pending event and deliver it; never blocks.  Callbacks run
 * inside this call and may call the other kernel_* functions.  Returns
 * -ENOBUFS when the kernel dropped events because the queue overflowed
 * (the others were still delivered): the caller should then reconcile
 * with kernel_list_owned().
 */
int	kernel_process(struct kernel *k);

/* Reserve an inbound SPI (a larval SA) from src to dst (dst = us). */
int	kernel_alloc_spi(struct kernel *k, const struct kernel_addr *src,
	    const struct kernel_addr *dst, uint32_t reqid, uint32_t *spi);
/*
 * Add an SA (-EEXIST if the SPI exists, including a larval one from
 * kernel_alloc_spi()).  Update fills in the larval SA that
 * kernel_alloc_spi() reserved: that is the responder's/inbound path.
 * Verified on Linux 6.1: UPDSA on an SA that already has keys answers 0
 * but keeps its keys and algorithms (only lifetimes/encapsulation
 * change), so rekeying always installs a new SA under a new SPI.
 */
int	kernel_add_sa(struct kernel *k, const struct kernel_sa *sa);
int	kernel_update_sa(struct kernel *k, const struct kernel_sa *sa);
int	kernel_del_sa(struct kernel *k, const struct kernel_sa_id *id);
int	kernel_get_sa_stats(struct kernel *k, const struct kernel_sa_id *id,
	    struct kernel_sa_stats *st);

/* Add (fails with -EEXIST if present) or replace a policy. */
int	kernel_add_policy(struct kernel *k, struct kernel_policy *pol);
int	kernel_replace_policy(struct kernel *k, struct kernel_policy *pol);
int	kernel_del_policy(struct kernel *k, const struct kernel_selector *sel,
	    enum kernel_dir dir, const struct kernel_mark *mark);

/*
 * Report every SA and policy carrying our ownership mark (SAs include
 * larval ones from ALLOCSPI or ACQUIRE).  The callback must not call
 * kernel_* functions (XFRM: a dump is in progress); collect, then act,
 * as kernel_flush_owned() does.
 */
int	kernel_list_owned(struct kernel *k, kernel_list_cb cb, void *arg);
/* Delete everything kernel_list_owned() reports; returns the first error. */
int	kernel_flush_owned(struct kernel *k);

/* Helpers shared by backends and callers. */
/* Fills the common head of a backend context; -EINVAL for a bad config. */
int	kernel_head_init(struct kernel *k, const struct kernel_ops *ops,
	    const struct kernel_config *cfg, const struct kernel_callbacks *cb);
bool	kernel_reqid_owned(const struct kernel *k, uint32_t reqid);
bool	kernel_policy_owned(const struct kernel *k, const struct kernel_policy *p);
/* Checks a SA description for consistency (algorithms vs key lengths...). */
/* A selector's family, prefixes and ports; `required`: no wildcard family. */
int	kernel_selector_validate(const struct kernel_selector *s, bool required);
int	kernel_sa_validate(const struct kernel *k, const struct kernel_sa *sa);
int	kernel_policy_validate(const struct kernel *k, const struct kernel_policy *p);
/* Key length expected for an algorithm (bytes; AEAD includes the salt). */
bool	kernel_enc_key_len_ok(enum kernel_enc enc, size_t len);
size_t	kernel_integ_key_len(enum kernel_integ integ);
bool	kernel_addr_equal(const struct kernel_addr *a, const struct kernel_addr *b);
bool	kernel_selector_equal(const struct kernel_selector *a,
	    const struct kernel_selector *b);
/* Parse "198.51.100.2" / "2001:db8::1" into an address; 0 or -EINVAL. */
int	kernel_addr_from_string(struct kernel_addr *a, const char *s);

/*
 * The `none` backend keeps everything in memory: two daemons can
 * negotiate over loopback and tests can inspect what was "installed".
 * Its event fd (an eventfd) is readable while injected events wait for
 * kernel_process().  These calls are valid only on a `none` context
 * (they return NULL / -EINVAL otherwise).
 */
/* The SA as installed (keys point into the backend's copy); NULL if none. */
const struct kernel_sa *kernel_none_find_sa(struct kernel *k,
	    const struct kernel_sa_id *id);
/* True if the SA exists only as an allocated SPI (no keys yet). */
bool	kernel_none_sa_is_larval(struct kernel *k, const struct kernel_sa_id *id);
const struct kernel_policy *kernel_none_find_policy(struct kernel *k,
	    const struct kernel_selector *sel, enum kernel_dir dir,
	    const struct kernel_mark *mark);
void	kernel_none_count(struct kernel *k, size_t *nsa, size_t *npolicy);
/*
 * The none backend's clock (epoch seconds; starts at time(NULL)).  SAs
 * record it as add_time; moving it forward queues soft/hard expire
 * events for SAs whose seconds (since add), bytes or packets limits are
 * reached (soft once; hard also removes the SA, as XFRM does).  The
 * clock cannot go back (-EINVAL).
 */
int	kernel_none_set_time(struct kernel *k, uint64_t now);
/*
 * Account traffic on an SA at time `now` (sets use_time for idle
 * detection; reaching a byte/packet limit queues the expire event).
 */
int	kernel_none_account(struct kernel *k, const struct kernel_sa_id *id,
	    uint64_t bytes, uint64_t packets, uint64_t now);
/*
 * Simulate an outbound packet of `flow` (addresses with full prefixes,
 * ports 0 when not relevant): finds the best (lowest priority number)
 * matching out policy and returns its action, or 0 if none matches.
 * For TRAP/TRAP_OPTIONAL without an SA of the template's reqid it queues
 * an ACQUIRE, once per policy until an SA with that reqid is added.
 */
int	kernel_none_packet_out(struct kernel *k, const struct kernel_selector *flow);
/* Queue an expire event (as if a lifetime had run out); the SA must exist. */
int	kernel_none_inject_expire(struct kernel *k, const struct kernel_sa_id *id,
	    bool hard);

#endif /* OE_KERNEL_H */
