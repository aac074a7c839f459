/*
 * IKEv2 payload codec (RFC 7296 section 3, RFC 7383 for SKF).
 *
 * Every payload is decoded from a bounded reader into a typed struct
 * and encoded from that struct into a bounded writer; a payload that
 * was parsed and emitted again yields the same bytes.
 *
 * Ownership.  Byte fields are `struct ikev2_chunk` views: after parsing
 * they point into the buffer the parser was given (in practice the copy
 * owned by struct ikev2_message), so they live as long as that buffer.
 * When emitting, they point to the caller's memory and are only read.
 * The SA and TS payloads are larger than the rest and are allocated:
 * a parsed payload owns them and ikev2_payload_clear() frees them (the
 * message free function does this for every payload); for emitting the
 * caller points them at its own structs and keeps ownership.
 */
#ifndef OE_IKEV2_PAYLOAD_H
#define OE_IKEV2_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ikev2.h"

/* Limits.  Anything above is rejected as IKEV2_ERR_LIMIT. */
#define IKEV2_MAX_MESSAGE	65535	/* IKE length field of one datagram or
					 * a reassembled message (UDP bound) */
#define IKEV2_MAX_PAYLOADS	64	/* outer + inner payloads per message */
#define IKEV2_MAX_PROPOSALS	16	/* per SA payload */
#define IKEV2_MAX_TRANSFORMS	64	/* per proposal: generous for peers
					 * that offer every algorithm at once */
#define IKEV2_MAX_TS		16	/* selectors per TS payload */
#define IKEV2_MAX_SPI_LEN	8
#define IKEV2_NONCE_MIN		16	/* RFC 7296 2.10 */
#define IKEV2_NONCE_MAX		256
#define IKEV2_COOKIE_MAX	64	/* RFC 7296 2.6: 1..64 octets */
#define IKEV2_FQDN_MAX		255
#define IKEV2_NATD_LEN		20	/* SHA-1 digest, RFC 7296 2.23 */
#define IKEV2_MAX_SIG_HASHES	16

/* ---- errors --------------------------------------------------------- */

enum ikev2_err {
	IKEV2_OK = 0,
	IKEV2_ERR_TRUNCATED,	/* a length runs past the data */
	IKEV2_ERR_LENGTH,	/* a length is below its minimum / inconsistent */
	IKEV2_ERR_SYNTAX,	/* a field holds an invalid value */
	IKEV2_ERR_LIMIT,	/* a count is above one of the limits above */
	IKEV2_ERR_VERSION,	/* IKE major version is not 2 */
	IKEV2_ERR_UNSUPPORTED_CRITICAL, /* unknown payload with critical bit */
	IKEV2_ERR_ILLEGAL,	/* payload not allowed/missing in this exchange */
	IKEV2_ERR_UNSUPPORTED,	/* well formed but not something we handle */
	IKEV2_ERR_NOSPACE,	/* emit: output buffer too small */
	IKEV2_ERR_ARG,		/* emit: caller passed an inconsistent struct */
	IKEV2_ERR_CRYPTO,	/* emit: encrypt callback failed */
	IKEV2_ERR_NOMEM,
};

/*
 * An error with a short reason for a (rate-limited) log line, e.g.
 * "IKE_AUTH request: AUTH outside SK".  `payload` is the payload type
 * concerned (for UNSUPPORTED_CRITICAL_PAYLOAD: the type to report).
 */
struct ikev2_error {
	enum ikev2_err	code;
	uint8_t		payload;
	char		reason[120];
};

const char *ikev2_err_str(enum ikev2_err code);
/*
 * The notify to answer a request that failed with `code` (RFC 7296
 * 2.5, 2.21), or 0 when none should be sent (e.g. a truncated packet,
 * which is dropped silently).
 */
uint16_t ikev2_err_notify(enum ikev2_err code);
void ikev2_error_set(struct ikev2_error *e, enum ikev2_err code,
    uint8_t payload, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- bounded reader and writer -------------------------------------- */

struct ikev2_chunk {
	const uint8_t	*ptr;
	size_t		 len;
};

/* Reads only through these functions; each checks the remaining length. */
struct ikev2_rd {
	const uint8_t	*buf;
	size_t		 len;
	size_t		 off;
};

void	ikev2_rd_init(struct ikev2_rd *r, const uint8_t *buf, size_t len);
size_t	ikev2_rd_left(const struct ikev2_rd *r);
bool	ikev2_rd_u8(struct ikev2_rd *r, uint8_t *v);
bool	ikev2_rd_u16(struct ikev2_rd *r, uint16_t *v);
bool	ikev2_rd_u32(struct ikev2_rd *r, uint32_t *v);
bool	ikev2_rd_u64(struct ikev2_rd *r, uint64_t *v);
bool	ikev2_rd_copy(struct ikev2_rd *r, void *dst, size_t n);
bool	ikev2_rd_skip(struct ikev2_rd *r, size_t n);
/* A view of the next n bytes, consumed. */
bool	ikev2_rd_chunk(struct ikev2_rd *r, size_t n, struct ikev2_chunk *c);
/* A sub-reader over the next n bytes, consumed from r. */
bool	ikev2_rd_sub(struct ikev2_rd *r, size_t n, struct ikev2_rd *sub);

struct ikev2_wr {
	uint8_t	*buf;
	size_t	 cap;
	size_t	 off;
	bool	 overflow;	/* sticky: a write did not fit */
};

void	ikev2_wr_init(struct ikev2_wr *w, uint8_t *buf, size_t cap);
bool	ikev2_wr_u8(struct ikev2_wr *w, uint8_t v);
bool	ikev2_wr_u16(struct ikev2_wr *w, uint16_t v);
bool	ikev2_wr_u32(struct ikev2_wr *w, uint32_t v);
bool	ikev2_wr_u64(struct ikev2_wr *w, uint64_t v);
bool	ikev2_wr_bytes(struct ikev2_wr *w, const void *src, size_t n);
bool	ikev2_wr_zero(struct ikev2_wr *w, size_t n);
/* Overwrite a u16/u32 written earlier at offset `at` (lengths). */
bool	ikev2_wr_put_u16(struct ikev2_wr *w, size_t at, uint16_t v);
bool	ikev2_wr_put_u32(struct ikev2_wr *w, size_t at, uint32_t v);

/* ---- payload structs ------------------------------------------------ */

struct ikev2_transform {
	uint8_t		type;		/* enum ikev2_transform_type */
	uint16_t	id;
	uint16_t	keylen;		/* key length attribute in bits, 0: none */
	bool		unknown_attr;	/* had an attribute we do not know;
					 * RFC 7296 3.3.6: do not select it */
};

struct ikev2_proposal {
	uint8_t		num;
	uint8_t		protocol;	/* enum ikev2_protocol_id */
	uint8_t		spi_len;	/* 0, 4 or 8 */
	uint8_t		spi[IKEV2_MAX_SPI_LEN];
	uint8_t		ntransforms;
	struct ikev2_transform transforms[IKEV2_MAX_TRANSFORMS];
};

struct ikev2_sa {
	uint8_t		nproposals;
	struct ikev2_proposal proposals[IKEV2_MAX_PROPOSALS];
};

struct ikev2_ke {
	uint16_t	group;		/* enum ikev2_dh_id */
	struct ikev2_chunk data;
};

struct ikev2_id {
	uint8_t		type;		/* enum ikev2_id_type */
	struct ikev2_chunk data;	/* IPv4: 4 bytes, IPv6: 16, NULL: 0 */
};

struct ikev2_auth {
	uint8_t		method;		/* enum ikev2_auth_method */
	struct ikev2_chunk data;
};

struct ikev2_notify {
	uint8_t		protocol;	/* 0 for IKE SA notifies */
	uint8_t		spi_len;	/* 0, 4 or 8 */
	uint8_t		spi[IKEV2_MAX_SPI_LEN];
	uint16_t	type;		/* enum ikev2_notify_type */
	struct ikev2_chunk data;
};

struct ikev2_delete {
	uint8_t		protocol;	/* IKE: no SPIs; AH/ESP: 4-byte SPIs */
	uint8_t		spi_len;
	uint16_t	nspi;
	struct ikev2_chunk spis;	/* nspi * spi_len bytes */
};

struct ikev2_ts {
	uint8_t		type;		/* IPV4 or IPV6_ADDR_RANGE */
	uint8_t		ip_proto;	/* 0: any */
	uint16_t	start_port;
	uint16_t	end_port;
	uint8_t		start_addr[16];	/* first 4 bytes used for IPv4 */
	uint8_t		end_addr[16];
};

struct ikev2_ts_list {
	uint8_t		count;
	struct ikev2_ts	ts[IKEV2_MAX_TS];
};

struct ikev2_cp {
	uint8_t		cfg_type;	/* enum ikev2_cp_type */
	struct ikev2_chunk attrs;	/* attribute TLVs, checked well formed */
};

struct ikev2_cert {			/* CERT and CERTREQ */
	uint8_t		encoding;
	struct ikev2_chunk data;
};

/*
 * SK (RFC 7296 3.14) and SKF (RFC 7383 2.5).  `first` is the generic
 * header's next-payload field: the type of the first inner payload
 * (in SKF only fragment 1 carries it; others have 0).  `body` is
 * IV || ciphertext || ICV as one range; `aad` (set by the message codec)
 * is the IKE header through the end of this payload's fixed header, the
 * associated data of RFC 5282.
 */
struct ikev2_sk {
	uint8_t		first;
	uint16_t	frag_num;	/* SKF only; 1-based */
	uint16_t	frag_total;	/* SKF only */
	struct ikev2_chunk aad;
	struct ikev2_chunk body;
};

struct ikev2_payload {
	uint8_t		type;		/* enum ikev2_payload_type */
	bool		critical;	/* as received / to send */
	bool		inner;		/* decoded from inside SK/SKF */
	/*
	 * The payload body after the generic header, as parsed: AUTH
	 * computations need the exact IDi/IDr body (RFC 7296 2.15).
	 * Not used for emitting.
	 */
	struct ikev2_chunk raw;
	union {
		struct ikev2_sa		*sa;	/* SA */
		struct ikev2_ke		 ke;	/* KE */
		struct ikev2_id		 id;	/* IDi, IDr */
		struct ikev2_cert	 cert;	/* CERT, CERTREQ */
		struct ikev2_auth	 auth;	/* AUTH */
		struct ikev2_chunk	 nonce;	/* Ni, Nr */
		struct ikev2_notify	 notify; /* N */
		struct ikev2_delete	 del;	/* D */
		struct ikev2_chunk	 vendor; /* V */
		struct ikev2_ts_list	*ts;	/* TSi, TSr */
		struct ikev2_cp		 cp;	/* CP */
		struct ikev2_chunk	 opaque; /* EAP */
		struct ikev2_sk		 sk;	/* SK, SKF */
	} u;
};

/* Whether `type` is a payload type this codec decodes. */
bool	ikev2_payload_known(uint8_t type);

/*
 * Parse one payload from r.  `type` is the type announced by the
 * previous next-payload field; *next receives this payload's
 * next-payload field.  The generic header is checked (length >= 4 and
 * within r) before the body is read; the body is then parsed with a
 * reader bounded to exactly the declared length and must be consumed
 * in full.  For an unknown type p->type is set and only p->raw filled;
 * the caller decides (critical bit) what to do.
 * On error, p holds nothing that needs freeing.
 */
enum ikev2_err ikev2_payload_parse(struct ikev2_rd *r, uint8_t type,
    struct ikev2_payload *p, uint8_t *next, struct ikev2_error *err);

/* Free what a parsed payload owns (SA, TS); p can be reused after. */
void	ikev2_payload_clear(struct ikev2_payload *p);

/*
 * Emit one payload: generic header (with `next` as next-payload and
 * the computed length) and body.  SK/SKF cannot be emitted here (the
 * message codec does it).
 */
enum ikev2_err ikev2_payload_emit(struct ikev2_wr *w,
    const struct ikev2_payload *p, uint8_t next, struct ikev2_error *err);

/*
 * Emit a chain of payloads; the last one's next-payload is `last_next`
 * (IKEV2_PL_NONE, or IKEV2_PL_SK when an SK payload follows).
 */
enum ikev2_err ikev2_payloads_emit(struct ikev2_wr *w,
    const struct ikev2_payload *pl, size_t n, uint8_t last_next,
    struct ikev2_error *err);

/*
 * Body parsers and emitters, one per payload kind.  `r` is bounded to
 * the payload body exactly; parsers reject trailing bytes.
 * ikev2_sa_parse and ikev2_ts_parse fill a caller-provided struct.
 */
enum ikev2_err ikev2_sa_parse(struct ikev2_rd *r, struct ikev2_sa *sa,
    struct ikev2_error *err);
enum ikev2_err ikev2_sa_emit(struct ikev2_wr *w, const struct ikev2_sa *sa,
    struct ikev2_error *err);
enum ikev2_err ikev2_ke_parse(struct ikev2_rd *r, struct ikev2_ke *ke,
    struct ikev2_error *err);
enum ikev2_err ikev2_ke_emit(struct ikev2_wr *w, const struct ikev2_ke *ke,
    struct ikev2_error *err);
enum ikev2_err ikev2_id_parse(struct ikev2_rd *r, struct ikev2_id *id,
    struct ikev2_error *err);
enum ikev2_err ikev2_id_emit(struct ikev2_wr *w, const struct ikev2_id *id,
    struct ikev2_error *err);
enum ikev2_err ikev2_auth_parse(struct ikev2_rd *r, struct ikev2_auth *a,
    struct ikev2_error *err);
enum ikev2_err ikev2_auth_emit(struct ikev2_wr *w, const struct ikev2_auth *a,
    struct ikev2_error *err);
enum ikev2_err ikev2_nonce_parse(struct ikev2_rd *r, struct ikev2_chunk *n,
    struct ikev2_error *err);
enum ikev2_err ikev2_nonce_emit(struct ikev2_wr *w, const struct ikev2_chunk *n,
    struct ikev2_error *err);
enum ikev2_err ikev2_notify_parse(struct ikev2_rd *r, struct ikev2_notify *n,
    struct ikev2_error *err);
enum ikev2_err ikev2_notify_emit(struct ikev2_wr *w,
    const struct ikev2_notify *n, struct ikev2_error *err);
enum ikev2_err ikev2_delete_parse(struct ikev2_rd *r, struct ikev2_delete *d,
    struct ikev2_error *err);
enum ikev2_err ikev2_delete_emit(struct ikev2_wr *w,
    const struct ikev2_delete *d, struct ikev2_error *err);
enum ikev2_err ikev2_ts_parse(struct ikev2_rd *r, struct ikev2_ts_list *ts,
    struct ikev2_error *err);
enum ikev2_err ikev2_ts_emit(struct ikev2_wr *w,
    const struct ikev2_ts_list *ts, struct ikev2_error *err);
enum ikev2_err ikev2_cp_parse(struct ikev2_rd *r, struct ikev2_cp *cp,
    struct ikev2_error *err);
enum ikev2_err ikev2_cp_emit(struct ikev2_wr *w, const struct ikev2_cp *cp,
    struct ikev2_error *err);
enum ikev2_err ikev2_cert_parse(struct ikev2_rd *r, struct ikev2_cert *c,
    struct ikev2_error *err);
enum ikev2_err ikev2_cert_emit(struct ikev2_wr *w, const struct ikev2_cert *c,
    struct ikev2_error *err);

/* ---- helpers for the state machine ---------------------------------- */

/* The ID body (type, 3 reserved, data): what AUTH signs (RFC 7296 2.15). */
enum ikev2_err ikev2_id_body(const struct ikev2_id *id, uint8_t *buf,
    size_t cap, size_t *len);

/* i-th SPI of an ESP/AH delete (host order). */
bool	ikev2_delete_spi(const struct ikev2_delete *d, uint16_t i,
	    uint32_t *spi);

/*
 * RFC 7427 Digital Signature AUTH data: 1-byte length, ASN.1
 * AlgorithmIdentifier, signature.  Splits and checks the bounds.
 */
enum ikev2_err ikev2_auth_sig_split(const struct ikev2_auth *a,
    struct ikev2_chunk *alg_id, struct ikev2_chunk *sig,
    struct ikev2_error *err);

/*
 * Notify helpers: each checks the notify type and the data length the
 * RFC prescribes, then decodes the data.
 */
enum ikev2_err ikev2_notify_cookie(const struct ikev2_notify *n,
    struct ikev2_chunk *cookie, struct ikev2_error *err);
enum ikev2_err ikev2_notify_invalid_ke(const struct ikev2_notify *n,
    uint16_t *group, struct ikev2_error *err);
/* NAT_DETECTION_SOURCE_IP or _DESTINATION_IP: a 20-byte SHA-1 digest. */
enum ikev2_err ikev2_notify_natd(const struct ikev2_notify *n,
    struct ikev2_chunk *digest, struct ikev2_error *err);
enum ikev2_err ikev2_notify_sig_hashes(const struct ikev2_notify *n,
    uint16_t *algs, size_t max, size_t *count, struct ikev2_error *err);
/* REKEY_SA: protocol AH/ESP with the 4-byte SPI of the SA rekeyed. */
enum ikev2_err ikev2_notify_rekey_sa(const struct ikev2_notify *n,
    uint8_t *protocol, uint32_t *spi, struct ikev2_error *err);
/* UNSUPPORTED_CRITICAL_PAYLOAD: one byte, the payload type. */
enum ikev2_err ikev2_notify_unsupported_critical(const struct ikev2_notify *n,
    uint8_t *type, struct ikev2_error *err);
/* Whether n is an error notify (RFC 7296 3.10.1: type < 16384). */
bool	ikev2_notify_is_error(const struct ikev2_notify *n);

/*
 * Fill p as a notify payload for emitting.  `data` is referenced, not
 * copied; it must outlive p.  ikev2_notify_make_u16 stores the value
 * in `store` (caller memory, 2 bytes) for INVALID_KE_PAYLOAD.
 */
void	ikev2_notify_make(struct ikev2_payload *p, uint16_t type,
	    const uint8_t *data, size_t len);
void	ikev2_notify_make_u16(struct ikev2_payload *p, uint16_t type,
	    uint16_t value, uint8_t store[2]);
void	ikev2_notify_make_rekey_sa(struct ikev2_payload *p, uint8_t protocol,
	    uint32_t spi);

#endif /* OE_IKEV2_PAYLOAD_H */
