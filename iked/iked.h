/*
 * The oe-iked daemon context.  ONE struct owns everything the daemon
 * runs on: the event loop, the UDP sockets, the IKE SA table, the
 * configuration, the kernel backend and the counters.  It is passed
 * explicitly to every engine function; there is no other global
 * mutable state, so tests can run two daemons in one process.
 *
 * Ownership: iked_new() allocates the struct and nothing else;
 * iked_setup() loads configuration and opens everything; iked_free()
 * releases everything the struct points to, in reverse order.
 */
#ifndef OE_IKED_H
#define OE_IKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "oe_log.h"
#include "conf.h"
#include "kernel.h"

struct ikev2_net;
struct ikev2_sa_table;
struct crypto_nss;
struct ikev2_ike_sa;
struct control;
struct policy_engine;
struct shunt_table;
struct trigger_server;

/* Command-line options (main.c); strings are borrowed from argv. */
struct iked_opts {
	const char	*config;	/* -f */
	const char	*nssdb;		/* --nssdb, NULL: conf/env/default */
	const char	*kernel;	/* --kernel none|xfrm, NULL: conf */
	const char	*state_file;	/* --state-file, NULL: none */
	const char	*trigger_user;	/* --trigger-user, NULL: default */
	const char	*initiate[8];	/* --initiate ADDR (repeatable) */
	size_t		 ninitiate;
	int		 log_level;	/* -1: from the configuration */
	bool		 foreground;
	bool		 no_nss;	/* tests: NSS already initialised */
};

/* Counters shown in the state file (and later by oectl). */
struct iked_counters {
	uint64_t	 rx_packets;
	uint64_t	 rx_dropped;	/* malformed, unknown SPI, ... */
	uint64_t	 tx_packets;
	uint64_t	 retransmits;
	uint64_t	 ike_established;
	uint64_t	 ike_failed;
	uint64_t	 child_installed;
	uint64_t	 cookies_sent;
	uint64_t	 invalid_ke_sent;
};

/* One rate limiter per kind of bad input (see oe_log.h). */
struct iked_ratelimits {
	struct oe_ratelimit	 malformed;
	struct oe_ratelimit	 unknown_spi;
	struct oe_ratelimit	 auth;
	struct oe_ratelimit	 misc;
};

/*
 * Where outgoing datagrams go.  The default sends through ikev2_net;
 * the in-process engine tests replace it with a fake wire.
 */
struct ikev2_path;
typedef int (*iked_send_fn)(void *arg, const struct ikev2_path *path,
    const uint8_t *buf, size_t len);

struct iked {
	sd_event		*event;		/* owned (a reference) */
	struct iked_opts	 opts;
	struct iked_conf	*conf;		/* owned; swapped on reload */
	struct crypto_nss	*nss;		/* owned */
	struct kernel		*kernel;	/* owned */
	sd_event_source		*kernel_src;
	struct ikev2_net	*net;		/* owned */
	struct ikev2_sa_table	*sas;		/* owned */
	struct control		*control;	/* owned; oectl socket (control.h) */
	struct policy_engine	*policy;	/* owned; group policies (policy.h) */
	struct shunt_table	*shunts;	/* owned; shunts (shunt.h) */
	struct trigger_server	*trigger;	/* owned; DNS trigger socket (trigger.h) */
	sd_event_source		*sig_term, *sig_int, *sig_hup;
	sd_event_source		*stop_timer;
	uint64_t		 stop_deadline_usec;
	iked_send_fn		 send;
	void			*send_arg;
	uint32_t		 next_reqid;	/* within the kernel's range */
	uint32_t		 max_reqid;	/* highest one handed out yet */
	unsigned		 dns_lookups;	/* responder DNS key lookups running */
	/*
	 * Largest IKE datagram before an SK message is sent as RFC 7383
	 * fragments; 0: 576 (IPv4) or 1280 (IPv6) less IP/UDP headers.
	 * Tests lower it.
	 */
	uint16_t		 frag_mtu;
	uint8_t			 cookie_secret[32];	/* for COOKIE (RFC 7296 2.6) */
	bool			 stopping;
	/*
	 * Tests and the lab ($OE_IKED_SELFCHECK): check each index lookup
	 * against a walk of the whole SA table and abort on a difference.
	 */
	bool			 selfcheck;
	struct iked_counters	 stats;
	struct iked_ratelimits	 rl;
};

struct iked	*iked_new(sd_event *event, const struct iked_opts *opts);
/* Load configuration, NSS, kernel backend, sockets.  0 or -1 (logged). */
int		 iked_setup(struct iked *d);
/* Start the configured auto=start conns and --initiate peers. */
void		 iked_start_initiations(struct iked *d);
/* SIGHUP: parse again, log the differences, swap on success. */
int		 iked_reload(struct iked *d);
/*
 * Orderly stop: INFORMATIONAL DELETE to every established peer, then
 * exit the event loop when they answered or after a short grace time.
 */
void		 iked_stop(struct iked *d);
void		 iked_free(struct iked *d);

/* Monotonic time in microseconds from the event loop. */
uint64_t	 iked_now_usec(const struct iked *d);
/*
 * The next Child SA reqid: policy_child_reqid()'s band, not held by
 * one of our SAs; 0 if none is free.
 */
uint32_t	 iked_alloc_reqid(struct iked *d);
/* Rewrite the --state-file (no-op without one).  Called after SA changes. */
void		 iked_state_changed(struct iked *d);

#endif /* OE_IKED_H */
