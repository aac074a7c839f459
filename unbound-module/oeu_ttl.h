/*
 * TTL clamping for answers that led to a trigger request.  Answers served
 * from Unbound's cache never reach the module, so the TTL the client and
 * the cache see must end before the key stops being valid (IPSECKEY TTL,
 * RRSIG expiration), before the SA the daemon promised ends, and within a
 * configured maximum.  Pure arithmetic, no Unbound dependency.
 */
#ifndef OEU_TTL_H
#define OEU_TTL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Seconds kept between the answer's end and the SA's end (clock skew,
 * time to get the packet out). */
#define OEU_SA_MARGIN	2

struct oeu_ttl_input {
	uint32_t	 answer_ttl;	/* smallest TTL in the answer now */
	uint32_t	 max_ttl;	/* configured ceiling */
	bool		 keyed;		/* a secure IPSECKEY was used */
	uint32_t	 key_ttl;	/* IPSECKEY RRset TTL (keyed) */
	uint32_t	 sig_expiration; /* RRSIG expiration, RFC 4034 serial */
	time_t		 now;		/* wall clock, seconds */
	bool		 sa_up;		/* daemon answered "up" */
	uint32_t	 sa_lifetime;	/* seconds the SA stays up (sa_up) */
};

/*
 * Seconds left until a 32-bit RRSIG time (RFC 4034 3.1.5, serial number
 * arithmetic, RFC 1982): 0 if it lies in the past.
 */
uint32_t oeu_sig_remaining(uint32_t sig_time, time_t now);

/* The TTL the answer may carry: the smallest of all applicable limits. */
uint32_t oeu_ttl_clamp(const struct oeu_ttl_input *in);

#endif /* OEU_TTL_H */
