/*
 * IPv4/IPv6 addresses and CIDR prefixes: strict parsing, formatting,
 * ordering and containment.  Used by the policy engine, the trigger
 * codec and the IPSECKEY codec; everything here is pure (no state).
 *
 * Errors: functions that can fail return 0 on success and -1 on
 * failure, and write a human-readable reason into `err` (if not NULL,
 * `errlen` bytes, always NUL-terminated).
 */
#ifndef OE_ADDR_H
#define OE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* Text buffers big enough for any address / prefix this file formats. */
#define OE_ADDR_STRLEN	INET6_ADDRSTRLEN		/* 46 */
#define OE_CIDR_STRLEN	(INET6_ADDRSTRLEN + 4)		/* + "/128" */

struct oe_addr {
	sa_family_t	 family;	/* AF_INET or AF_INET6 (AF_UNSPEC: unset) */
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	} u;
};

struct oe_cidr {
	struct oe_addr	 addr;
	uint8_t		 plen;		/* 0..32 or 0..128 */
};

/* Flags for oe_cidr_parse(). */
#define OE_CIDR_ALLOW_HOST_BITS	0x1	/* "10.0.0.1/8" accepted, bits kept */
#define OE_CIDR_REQUIRE_PREFIX	0x2	/* a bare address is an error */

/*
 * Parse one address, nothing before or after it.  `family` is AF_INET,
 * AF_INET6 or AF_UNSPEC (either).  Rejects leading zeros in IPv4
 * octets, IPv6 zone ids ("%eth0"), whitespace and trailing junk.
 */
int	 oe_addr_parse(struct oe_addr *out, const char *s, int family,
	    char *err, size_t errlen);
/* Formats into buf (OE_ADDR_STRLEN bytes suffice); returns buf or NULL. */
char	*oe_addr_format(const struct oe_addr *a, char *buf, size_t buflen);

/* Build from raw network-order bytes: 4 for AF_INET, 16 for AF_INET6. */
int	 oe_addr_from_bytes(struct oe_addr *out, int family,
	    const void *bytes, size_t len);
/* Bytes of the address for its family: 4, 16, or 0 if unset. */
size_t	 oe_addr_len(const struct oe_addr *a);
/* Pointer to the network-order bytes (oe_addr_len() of them). */
const uint8_t *oe_addr_bytes(const struct oe_addr *a);
/* 32 or 128, 0 if unset. */
unsigned oe_addr_maxplen(const struct oe_addr *a);

int	 oe_addr_from_sockaddr(struct oe_addr *out, const struct sockaddr *sa,
	    socklen_t salen);
/* Fills a sockaddr_in/sockaddr_in6 with `port` (host order); returns its length, 0 if unset. */
socklen_t oe_addr_to_sockaddr(const struct oe_addr *a, uint16_t port,
	    struct sockaddr_storage *ss);

/* Total order: AF_INET before AF_INET6, then by bytes.  <0, 0, >0. */
int	 oe_addr_cmp(const struct oe_addr *a, const struct oe_addr *b);
bool	 oe_addr_eq(const struct oe_addr *a, const struct oe_addr *b);
bool	 oe_addr_is_unspecified(const struct oe_addr *a);	/* 0.0.0.0, :: */

/*
 * Parse "ADDR/LEN" (or "ADDR" meaning a host prefix unless
 * OE_CIDR_REQUIRE_PREFIX).  The length is decimal without sign or
 * leading zeros and at most 32/128.  Host bits set below the prefix are
 * an error unless OE_CIDR_ALLOW_HOST_BITS.
 */
int	 oe_cidr_parse(struct oe_cidr *out, const char *s, int family,
	    unsigned flags, char *err, size_t errlen);
/* "ADDR/LEN" always with the length; OE_CIDR_STRLEN bytes suffice. */
char	*oe_cidr_format(const struct oe_cidr *c, char *buf, size_t buflen);
/* A host prefix (/32 or /128) holding `a`. */
void	 oe_cidr_from_addr(struct oe_cidr *out, const struct oe_addr *a);
/* Clears the host bits below the prefix length. */
void	 oe_cidr_mask(struct oe_cidr *c);
bool	 oe_cidr_is_host(const struct oe_cidr *c);
bool	 oe_cidr_has_host_bits(const struct oe_cidr *c);
/* False when families differ. */
bool	 oe_cidr_contains_addr(const struct oe_cidr *c, const struct oe_addr *a);
/* True if every address of `inner` is in `outer`. */
bool	 oe_cidr_contains_cidr(const struct oe_cidr *outer, const struct oe_cidr *inner);
/* Order: family, then address, then shorter prefix first. */
int	 oe_cidr_cmp(const struct oe_cidr *a, const struct oe_cidr *b);

#endif /* OE_ADDR_H */
