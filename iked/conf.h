/*
 * oe-iked configuration model: what /etc/oe/iked.conf (ipsec.conf
 * style) means once parsed, plus the load / free / diff entry points.
 *
 * Ownership: conf_load() returns a new struct iked_conf that the caller
 * owns and releases with conf_free().  A failed load returns no
 * configuration at all, so a daemon reloading keeps its current one and
 * swaps only on success.
 *
 * Every typed field below that is written by a configuration key is
 * listed in the options table (conf_options.c) with its offset; the
 * parser, the man page and conf_diff() all walk that table.
 */
#ifndef IKED_CONF_H
#define IKED_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oe_addr.h"
#include "conf_proposal.h"

#define CONF_NAME_MAX		64	/* conn names */
#define CONF_STR_MAX		256	/* ids, certificate nicknames, ... */
#define CONF_PATH_MAX		256	/* paths in config setup */
#define CONF_SIGKEY_MAX		1040	/* RFC 3110 key: 8192-bit modulus */
#define CONF_LISTEN_MAX		8
#define CONF_CONNS_MAX		1024
#define CONF_MSGS_MAX		64	/* messages kept per load */
#define CONF_MSG_LEN		400

/* ---- messages (errors and warnings) of one load ---------------------- */

enum conf_severity {
	CONF_SEV_ERROR,		/* the load fails */
	CONF_SEV_WARNING,	/* loaded; something is disabled or ignored */
};

struct conf_msg {
	enum conf_severity	 sev;
	char			 text[CONF_MSG_LEN];	/* "FILE:LINE: ..." */
};

/* Caller-owned (stack or heap); conf_msgs_init() before use. */
struct conf_msgs {
	size_t		 n;		/* kept, <= CONF_MSGS_MAX */
	size_t		 nerrors;	/* counted, including dropped ones */
	size_t		 nwarnings;
	size_t		 dropped;	/* not kept: the list was full */
	struct conf_msg	 msg[CONF_MSGS_MAX];
};

void	 conf_msgs_init(struct conf_msgs *m);
void	 conf_msg_add(struct conf_msgs *m, enum conf_severity sev,
	    const char *file, unsigned line, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* First kept message containing `needle`, or NULL (for tests and oectl). */
const struct conf_msg *conf_msgs_find(const struct conf_msgs *m,
	    const char *needle);

/* ---- one end of a conn (left or right) ------------------------------- */

enum conf_host_kind {
	CONF_HOST_UNSET = 0,
	CONF_HOST_ADDR,		/* a literal address */
	CONF_HOST_DEFAULTROUTE,	/* %defaultroute: our address towards the default route */
	CONF_HOST_ANY,		/* %any: whoever connects */
	CONF_HOST_OPPOGROUP,	/* %opportunisticgroup: the conn's policy group, OE */
	CONF_HOST_GROUP,	/* %group: the conn's policy group, no OE (shunts) */
};

struct conf_host {
	int		 kind;		/* enum conf_host_kind */
	struct oe_addr	 addr;		/* CONF_HOST_ADDR only */
};

enum conf_id_kind {
	CONF_ID_UNSET = 0,	/* default: the end's address */
	CONF_ID_NULL,		/* %null: RFC 7619 ID_NULL */
	CONF_ID_FROMCERT,	/* %fromcert: subject of the end's certificate */
	CONF_ID_ANY,		/* %any: accept any peer id */
	CONF_ID_FQDN,		/* @host.example */
	CONF_ID_ADDR,		/* an address */
	CONF_ID_DN,		/* "C=CA, O=..., CN=..." (needs certificates) */
};

struct conf_id {
	int		 kind;		/* enum conf_id_kind */
	struct oe_addr	 addr;		/* CONF_ID_ADDR */
	char		 name[CONF_STR_MAX];	/* FQDN without '@', or DN */
};

enum conf_auth {
	CONF_AUTH_UNSET = 0,
	CONF_AUTH_NULL,		/* RFC 7619 NULL authentication */
	CONF_AUTH_RSASIG,	/* RSA signature (RFC 7427 digital signature) */
	CONF_AUTH_ECDSA,	/* ECDSA signature */
	CONF_AUTH_NEVER,	/* no IKE at all (shunt conns) */
};

/* authby= is a list; these bits record it. */
#define CONF_AUTHBY_NULL	0x01
#define CONF_AUTHBY_RSASIG	0x02
#define CONF_AUTHBY_ECDSA	0x04
#define CONF_AUTHBY_RSA_SHA2	0x08	/* RSA, SHA-2 digital signature only */
#define CONF_AUTHBY_NEVER	0x10

enum conf_sigkey_kind {
	CONF_SIGKEY_UNSET = 0,	/* default: from DNS when the peer is OE */
	CONF_SIGKEY_CERT,	/* %cert: from the peer's certificate */
	CONF_SIGKEY_DNSONDEMAND,/* %dnsondemand: IPSECKEY, looked up when needed */
	CONF_SIGKEY_DNS,	/* %dns: IPSECKEY (we only do on-demand) */
	CONF_SIGKEY_RAW,	/* 0s.../0x... RFC 3110 public key */
};

struct conf_sigkey {
	int		 kind;		/* enum conf_sigkey_kind */
	uint16_t	 len;		/* RAW: bytes used in key[] */
	uint8_t		 key[CONF_SIGKEY_MAX];	/* RFC 3110 RDATA form */
};

struct conf_pool {
	bool		 set;
	struct oe_addr	 lo, hi;	/* inclusive, same family, lo <= hi */
};

struct conf_end {
	struct conf_host	 host;
	struct conf_id		 id;
	struct oe_cidr		 subnet;	/* family AF_UNSPEC: the host itself */
	int			 auth;		/* enum conf_auth; UNSET: from authby */
	struct conf_sigkey	 sigkey;
	char			 cert[CONF_STR_MAX];	/* NSS nickname; "" unset */
	char			 ca[CONF_STR_MAX];	/* "%same" or a CA nickname/DN */
	bool			 modecfgclient;
	struct conf_pool	 pool;
	bool			 cat;
	char			 updown[CONF_STR_MAX];	/* accepted, never run */
};

/* ---- a conn ------------------------------------------------------------ */

enum conf_type {
	CONF_TYPE_TUNNEL = 0,
	CONF_TYPE_TRANSPORT,
	CONF_TYPE_PASSTHROUGH,	/* shunt: traffic passes in clear */
	CONF_TYPE_DROP,		/* shunt: traffic silently dropped */
	CONF_TYPE_REJECT,	/* shunt: dropped with ICMP unreachable */
};

enum conf_ikev2 { CONF_IKEV2_INSIST = 0 };	/* all else is refused */

enum conf_auto {
	CONF_AUTO_IGNORE = 0,	/* not loaded into the engine */
	CONF_AUTO_ADD,		/* responder only */
	CONF_AUTO_ONDEMAND,	/* trap policies; negotiate on traffic/trigger */
	CONF_AUTO_START,	/* negotiate at load */
};

enum conf_shunt {
	CONF_SHUNT_NONE = 0,	/* failureshunt=none: keep the trap, retry */
	CONF_SHUNT_HOLD,	/* hold packets (kernel caches the last one) */
	CONF_SHUNT_PASSTHROUGH,
	CONF_SHUNT_DROP,
	CONF_SHUNT_REJECT,
};

enum conf_dpdaction { CONF_DPD_HOLD = 0, CONF_DPD_CLEAR, CONF_DPD_RESTART };
enum conf_encaps { CONF_ENCAPS_AUTO = 0, CONF_ENCAPS_YES, CONF_ENCAPS_NO };
enum conf_sendca { CONF_SENDCA_NONE = 0, CONF_SENDCA_ISSUER, CONF_SENDCA_ALL };

struct policy_group;

struct conf_conn {
	/* Not keys: identity, origin and validation result. */
	char			 name[CONF_NAME_MAX];
	char			 file[CONF_PATH_MAX];	/* where "conn NAME" is */
	unsigned		 line;
	/*
	 * Needs a feature not built yet (reason in disabled_reason).  The
	 * daemon must not negotiate for it, yet must keep its destinations
	 * where a failure would put them, never clearer:
	 * conf_conn_disabled_shunt() says which shunt that is (a disabled
	 * "private" conn fails closed).
	 */
	bool			 disabled;
	char			 disabled_reason[CONF_MSG_LEN];
	struct policy_group	*group;		/* owned; right=%group/%opportunisticgroup */

	/* Keys (see conf_options.c for names, defaults and meaning). */
	struct conf_end		 left, right;
	int			 authby;	/* CONF_AUTHBY_* bits */
	int			 type;		/* enum conf_type */
	int			 ikev2;		/* enum conf_ikev2 */
	int			 autostart;	/* enum conf_auto */
	int			 negotiationshunt;	/* enum conf_shunt */
	int			 failureshunt;	/* enum conf_shunt */
	bool			 narrowing;
	bool			 pfs;
	struct conf_proposals	 ike;
	struct conf_proposals	 esp;
	uint32_t		 ikelifetime;	/* seconds */
	uint32_t		 salifetime;	/* seconds */
	uint32_t		 rekeymargin;	/* seconds */
	uint32_t		 rekeyfuzz;	/* percent of rekeymargin */
	uint32_t		 retransmit_timeout;	/* seconds */
	uint32_t		 retransmit_interval;	/* milliseconds */
	uint32_t		 dpddelay;	/* seconds, 0: no liveness checks */
	uint32_t		 dpdtimeout;	/* seconds */
	int			 dpdaction;	/* enum conf_dpdaction */
	uint32_t		 priority;	/* 0: computed from the policy group */
	uint32_t		 idletimeout;	/* seconds, 0: never (ours) */
	uint32_t		 replay_window;	/* packets, 0: off */
	int			 encapsulation;	/* enum conf_encaps */
	int			 sendca;	/* enum conf_sendca */
	bool			 nat_keepalive;
	uint32_t		 keyingtries;	/* 0: forever */
};

/* ---- config setup ------------------------------------------------------ */

enum conf_protostack { CONF_STACK_XFRM = 0, CONF_STACK_NONE };

struct conf_addrlist {
	uint32_t	 n;
	struct oe_addr	 a[CONF_LISTEN_MAX];
};

struct conf_setup {
	int			 loglevel;	/* syslog priority, LOG_ERR..LOG_DEBUG */
	char			 nssdb[CONF_PATH_MAX];
	struct conf_addrlist	 listen;	/* n == 0: all addresses */
	uint32_t		 ikeport;
	uint32_t		 nat_ikeport;
	char			 trigger_socket[CONF_PATH_MAX];
	char			 ctl_socket[CONF_PATH_MAX];
	char			 ctl_group[CONF_NAME_MAX];	/* "" root only */
	uint32_t		 max_halfopen;
	uint32_t		 ddos_threshold;	/* half-open IKE SAs before cookies */
	int			 protostack;	/* enum conf_protostack */
	char			 policies_dir[CONF_PATH_MAX];
	uint32_t		 shuntlifetime;	/* seconds a failure shunt stays */
	struct conf_addrlist	 dns_resolver;	/* n == 0: no responder lookups */
	uint32_t		 dns_resolver_port;
};

/* ---- the whole configuration ------------------------------------------ */

struct iked_conf {
	char			 path[CONF_PATH_MAX];	/* main file */
	struct conf_setup	 setup;
	struct conf_conn	*conns;		/* nconns, in file order */
	size_t			 nconns;
};

/* Optional overrides for a load (tests, --nssdb); NULL fields: none. */
struct conf_load_opts {
	const char	*policies_dir;	/* overrides config setup policies-dir */
	bool		 no_groups;	/* do not read policy group files */
};

/*
 * Load `path` and everything it includes.  Returns 0 and *out (caller
 * frees with conf_free()) when there is no error; warnings may still be
 * in `msgs`.  Returns -1 with *out = NULL and the errors (up to
 * CONF_MSGS_MAX kept, all counted) in `msgs` otherwise.
 */
int	 conf_load(const char *path, const struct conf_load_opts *opts,
	    struct iked_conf **out, struct conf_msgs *msgs);
void	 conf_free(struct iked_conf *conf);

const struct conf_conn *conf_find_conn(const struct iked_conf *conf,
	    const char *name);
/* True if the end's peer authenticates (not NULL auth, not a shunt). */
bool	 conf_conn_is_authenticated(const struct conf_conn *c);
/* True if `c` negotiates IKE at all (not a passthrough/drop/reject shunt). */
bool	 conf_conn_is_ike(const struct conf_conn *c);
/*
 * The shunt (enum conf_shunt: PASSTHROUGH, DROP or REJECT) for the
 * destinations of a disabled conn: its failureshunt, and DROP when that
 * is "none" (keep trying), since there is nothing to keep trying with.
 */
int	 conf_conn_disabled_shunt(const struct conf_conn *c);

/* ---- reload: what changed between two loads --------------------------- */

enum conf_change {
	CONF_CHANGE_ADDED,
	CONF_CHANGE_REMOVED,
	CONF_CHANGE_MODIFIED,
};

struct conf_diff_conn {
	char		 name[CONF_NAME_MAX];
	int		 change;	/* enum conf_change */
	/*
	 * MODIFIED only: true if established SAs stay acceptable under the
	 * new settings, because every changed key only affects future
	 * negotiations, timers, shunts or kernel policies (lifetimes,
	 * rekey and DPD timers, shunts, pfs, priority, replay window,
	 * encapsulation, keyingtries); re-install policies and timers but
	 * keep the SAs.  False (ids, auth, keys, addresses, subnets, type,
	 * proposals, narrowing, auto, disabled): delete and re-add.
	 */
	bool		 sa_safe;
	bool		 group_changed;	/* policy group entries differ */
	char		 keys[CONF_MSG_LEN];	/* changed keys, comma separated */
};

struct conf_diff {
	struct conf_diff_conn	*conns;		/* owned */
	size_t			 nconns;
	bool			 setup_changed;
	bool			 setup_needs_restart;	/* e.g. ikeport, nssdb */
	char			 setup_keys[CONF_MSG_LEN];
};

/*
 * Differences from `old` to `new` (either may be NULL: empty).  Lists
 * only conns that differ, removed ones first, then in `new`'s order.
 * Returns 0, or -1 on allocation failure.  Free with conf_diff_free().
 */
int	 conf_diff(const struct iked_conf *old, const struct iked_conf *new_conf,
	    struct conf_diff *out);
void	 conf_diff_free(struct conf_diff *d);

#endif /* IKED_CONF_H */
