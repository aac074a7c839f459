/*
 * The trigger protocol between the resolver module and oe-iked: one
 * JSON object per SOCK_SEQPACKET message (doc/trigger-protocol.md).
 * This is its only codec: the module encodes requests and decodes
 * replies, the daemon the other way round.  Decoding validates every
 * field; a decoded struct can be used without further checks.
 *
 * Structs are plain values (nothing to free).  Errors: -1 with a
 * human-readable reason in `err` (suitable for the "error" reply).
 */
#ifndef OE_TRIGGER_H
#define OE_TRIGGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oe_addr.h"
#include "oe_ipseckey.h"

#define OE_TRIGGER_VERSION	1
#define OE_TRIGGER_MSG_MAX	16384	/* octets in one message */
#define OE_TRIGGER_ADDRS_MAX	32
#define OE_TRIGGER_RECORDS_MAX	8
#define OE_TRIGGER_ERROR_MAX	255	/* octets of "error" text */
#define OE_TRIGGER_TTL_MAX	2147483647U	/* RFC 2181 */
/* jansson integers are signed 64-bit: cookies above this cannot travel. */
#define OE_TRIGGER_COOKIE_MAX	((uint64_t)INT64_MAX)

#define OE_QTYPE_A	1
#define OE_QTYPE_AAAA	28

struct oe_trigger_ipseckeys {
	bool		 present;	/* false: "ipseckey": null */
	bool		 secure;	/* always true once decoded */
	uint32_t	 ttl;
	int64_t		 rrsig_inception;	/* UNIX seconds */
	int64_t		 rrsig_expiration;	/* > inception */
	size_t		 nrecords;	/* 1..OE_TRIGGER_RECORDS_MAX */
	struct oe_ipseckey records[OE_TRIGGER_RECORDS_MAX];
};

struct oe_trigger_request {
	uint64_t	 cookie;
	bool		 has_cookie;	/* decoder: cookie was readable */
	char		 name[OE_DNAME_STRLEN];	/* presentation, trailing dot */
	uint8_t		 name_wire[OE_DNAME_MAX];
	size_t		 name_wire_len;
	uint16_t	 qtype;		/* OE_QTYPE_A or OE_QTYPE_AAAA */
	size_t		 naddrs;	/* 1..OE_TRIGGER_ADDRS_MAX */
	struct oe_addr	 addrs[OE_TRIGGER_ADDRS_MAX];
	uint32_t	 addr_ttl;
	struct oe_trigger_ipseckeys ipseckey;
};

enum oe_trigger_status {
	OE_TRIGGER_UP = 0,	/* SA established; sa_lifetime valid */
	OE_TRIGGER_CLEAR,	/* policy says send in clear */
	OE_TRIGGER_FAILED,	/* negotiation failed */
	OE_TRIGGER_BUSY,	/* daemon overloaded, try later */
	OE_TRIGGER_ERROR,	/* request rejected; error text set */
};

struct oe_trigger_reply {
	uint64_t	 cookie;
	bool		 has_cookie;	/* decoder: cookie was readable */
	enum oe_trigger_status status;
	uint32_t	 sa_lifetime;	/* only with OE_TRIGGER_UP */
	char		 error[OE_TRIGGER_ERROR_MAX + 1];	/* only with ERROR */
};

/*
 * Encode into buf (no NUL is counted; one is written if room).  Returns
 * the message length, or -1 if the struct is invalid or the message
 * would not fit in buflen or OE_TRIGGER_MSG_MAX.  The request's name is
 * taken from name_wire when name_wire_len is not 0 (the module has the
 * wire form from the query), otherwise from the text in `name`.
 * `has_cookie` is ignored.
 */
ssize_t	 oe_trigger_request_encode(const struct oe_trigger_request *req,
	    char *buf, size_t buflen, char *err, size_t errlen);
ssize_t	 oe_trigger_reply_encode(const struct oe_trigger_reply *rep,
	    char *buf, size_t buflen, char *err, size_t errlen);

/*
 * Decode one message of `len` octets (no NUL needed).  Returns 0, or -1
 * with the reason in err; even then `has_cookie`/`cookie` say whether
 * the cookie could be read, so the daemon can answer "error" to it.
 * `name` and the text forms are canonicalised (the struct re-encodes
 * to an equivalent message).
 */
int	 oe_trigger_request_decode(struct oe_trigger_request *req,
	    const char *msg, size_t len, char *err, size_t errlen);
int	 oe_trigger_reply_decode(struct oe_trigger_reply *rep,
	    const char *msg, size_t len, char *err, size_t errlen);

/* Builds an "error" reply; the text is truncated to OE_TRIGGER_ERROR_MAX
 * octets on a UTF-8 character boundary. */
void	 oe_trigger_reply_set_error(struct oe_trigger_reply *rep,
	    uint64_t cookie, const char *text);

/* "up", "clear", ...; NULL for an out-of-range value. */
const char *oe_trigger_status_name(enum oe_trigger_status st);
/* "A"/"AAAA" <-> OE_QTYPE_*; 0 / NULL when unknown. */
uint16_t oe_trigger_qtype_from_name(const char *name);
const char *oe_trigger_qtype_name(uint16_t qtype);

#endif /* OE_TRIGGER_H */
