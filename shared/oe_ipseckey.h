/*
 * IPSECKEY resource record data (RFC 4025): one codec for the wire
 * RDATA and the presentation form, plus checks and conversions for the
 * public-key field (RSA per RFC 3110, ECDSA per RFC 6605, EdDSA per
 * RFC 9373), and the uncompressed wire domain names the gateway field
 * and the trigger protocol carry.
 *
 * All structs are plain values with fixed-size buffers: nothing to free.
 * Parsers zero the whole output struct first, so two parses of the same
 * input compare equal with memcmp().
 *
 * Errors: 0 (or a length) on success, -1 on failure with a reason in
 * `err` (if not NULL; `errlen` bytes, always NUL-terminated).
 */
#ifndef OE_IPSECKEY_H
#define OE_IPSECKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oe_addr.h"

/* Domain names (RFC 1035): wire form without compression. */
#define OE_DNAME_MAX		255	/* wire octets, root label included */
#define OE_DNAME_LABEL_MAX	63
/* Presentation form: every octet may need "\DDD"; plus dots and NUL. */
#define OE_DNAME_STRLEN		1024

/*
 * Presentation -> wire.  The name must be absolute (trailing dot; "."
 * is the root).  Escapes "\X" and "\DDD" are understood.  Empty labels,
 * labels over 63 octets and names over 255 octets are rejected.
 * Returns the wire length.
 */
int	 oe_dname_from_text(uint8_t *wire, size_t wirelen, const char *text,
	    char *err, size_t errlen);
/*
 * Wire -> presentation, with a trailing dot.  Letters, digits, '-'
 * and '_' are printed as is, other printable octets with a backslash,
 * the rest as "\DDD".  Returns the text length.
 */
int	 oe_dname_to_text(const uint8_t *wire, size_t len, char *buf,
	    size_t buflen, char *err, size_t errlen);
/*
 * Validates an uncompressed wire name at the start of buf[0..len) and
 * returns its length (the name may be followed by other data).
 * Compression pointers and extended label types are rejected.
 */
int	 oe_dname_wire_len(const uint8_t *buf, size_t len, char *err,
	    size_t errlen);

enum oe_ipseckey_gw_type {
	OE_IPSECKEY_GW_NONE	= 0,
	OE_IPSECKEY_GW_IPV4	= 1,
	OE_IPSECKEY_GW_IPV6	= 2,
	OE_IPSECKEY_GW_NAME	= 3,
};

enum oe_ipseckey_alg {
	OE_IPSECKEY_ALG_NONE	= 0,	/* no key present */
	OE_IPSECKEY_ALG_DSA	= 1,
	OE_IPSECKEY_ALG_RSA	= 2,	/* RFC 3110 */
	OE_IPSECKEY_ALG_ECDSA	= 3,	/* RFC 6605: x || y */
	OE_IPSECKEY_ALG_EDDSA	= 4,	/* RFC 9373 */
};

/*
 * Largest public-key field we accept: an RSA key of 8192 bits with an
 * exponent as long as the modulus, in RFC 3110 form, fits.
 */
#define OE_IPSECKEY_KEY_MAX	2100
/* RDATA header (3) + IPv6 gateway or longest name + key. */
#define OE_IPSECKEY_RDATA_MAX	(3 + OE_DNAME_MAX + OE_IPSECKEY_KEY_MAX)
/* Presentation form: numbers, gateway, base64 key, separators. */
#define OE_IPSECKEY_TEXT_MAX	(16 + OE_DNAME_STRLEN + \
				 4 * ((OE_IPSECKEY_KEY_MAX + 2) / 3) + 1)

struct oe_ipseckey {
	uint8_t		 precedence;
	uint8_t		 gateway_type;	/* enum oe_ipseckey_gw_type */
	uint8_t		 algorithm;	/* enum oe_ipseckey_alg or other */
	bool		 alg_known;	/* algorithm is one of the above */
	/* gateway_type 1 or 2: */
	struct oe_addr	 gw_addr;
	/* gateway_type 3: uncompressed wire name */
	uint8_t		 gw_name[OE_DNAME_MAX];
	size_t		 gw_name_len;
	size_t		 key_len;
	uint8_t		 key[OE_IPSECKEY_KEY_MAX];
};

/*
 * Parse one RDATA of exactly `len` octets.  Rejects truncation, excess
 * octets, gateway types above 3, compressed or malformed gateway names,
 * a key with algorithm 0, a known algorithm with no key, and keys over
 * OE_IPSECKEY_KEY_MAX.  An unknown algorithm is kept with alg_known
 * false; the key field itself is not checked here (oe_ipseckey_key_check).
 */
int	 oe_ipseckey_parse_wire(struct oe_ipseckey *out, const uint8_t *rdata,
	    size_t len, char *err, size_t errlen);
/* Emit RDATA into buf; returns its length (OE_IPSECKEY_RDATA_MAX suffices). */
int	 oe_ipseckey_emit_wire(const struct oe_ipseckey *k, uint8_t *buf,
	    size_t buflen, char *err, size_t errlen);
/*
 * Presentation form "PREC GWTYPE ALG GATEWAY BASE64KEY", gateway "."
 * for type 0, no key field for algorithm 0.  Returns the text length.
 */
int	 oe_ipseckey_to_text(const struct oe_ipseckey *k, char *buf,
	    size_t buflen, char *err, size_t errlen);
/*
 * Parse the presentation form above (any blanks between fields; the
 * base64 key may be split by blanks as in zone files; no parentheses
 * or comments).  Same validity rules as the wire parser.
 */
int	 oe_ipseckey_from_text(struct oe_ipseckey *out, const char *text,
	    char *err, size_t errlen);

/* Consistency of a filled-in struct (the parsers' rules); 0 or -1. */
int	 oe_ipseckey_validate(const struct oe_ipseckey *k, char *err,
	    size_t errlen);
/* Gateway alone, as text ("." for none); returns the text length. */
int	 oe_ipseckey_gateway_to_text(const struct oe_ipseckey *k, char *buf,
	    size_t buflen, char *err, size_t errlen);
/* Sets gateway_type and the gateway from text ("." or NULL for type 0). */
int	 oe_ipseckey_gateway_from_text(struct oe_ipseckey *k, uint8_t type,
	    const char *text, char *err, size_t errlen);
/* Checks the key field for k->algorithm (RSA, ECDSA, EdDSA; others fail). */
int	 oe_ipseckey_key_check(const struct oe_ipseckey *k, char *err,
	    size_t errlen);
/* "none", "RSA", "ECDSA", ..., or NULL for an unknown number. */
const char *oe_ipseckey_alg_name(uint8_t alg);
/* True for the key algorithms 1..4 (what alg_known records). */
bool	 oe_ipseckey_alg_is_known(uint8_t alg);

/* RSA public keys in RFC 3110 form. */
#define OE_RSA_MIN_BITS		1024
#define OE_RSA_MAX_BITS		8192

struct oe_rsa_pub {
	/* Borrowed: point into the key buffer given to the parser. */
	const uint8_t	*modulus;
	size_t		 modulus_len;
	const uint8_t	*exponent;
	size_t		 exponent_len;
	unsigned	 bits;		/* modulus size in bits */
};

/*
 * Split an RFC 3110 key.  Rules: exponent length in one octet (1..255)
 * or, if that octet is 0, in the next two (256..65535: the long form
 * for a short exponent is refused as non-canonical); exponent and
 * modulus without leading zero octets; exponent odd and > 1; modulus
 * odd, OE_RSA_MIN_BITS..OE_RSA_MAX_BITS bits.
 */
int	 oe_rsa_key_from_rfc3110(struct oe_rsa_pub *out, const uint8_t *key,
	    size_t len, char *err, size_t errlen);
/*
 * Build an RFC 3110 key from big-endian modulus and exponent (leading
 * zero octets, as NSS often gives them, are stripped first).  The same
 * rules as the parser apply.  Returns the length written.
 */
int	 oe_rsa_key_to_rfc3110(uint8_t *buf, size_t buflen,
	    const uint8_t *modulus, size_t modulus_len,
	    const uint8_t *exponent, size_t exponent_len,
	    char *err, size_t errlen);

enum oe_ec_curve {
	OE_EC_NONE = 0,
	OE_EC_P256,	/* 64-octet key */
	OE_EC_P384,	/* 96-octet key */
	OE_EC_ED25519,	/* 32-octet key */
};

/*
 * ECDSA key per RFC 6605: x || y, 64 octets for P-256, 96 for P-384.
 * Rejects other lengths, the all-zero point and coordinates not below
 * the field prime (on-curve checking is left to the crypto library).
 */
int	 oe_ecdsa_key_check(const uint8_t *key, size_t len,
	    enum oe_ec_curve *curve, char *err, size_t errlen);
/* SEC1 uncompressed point 0x04 || x || y, as NSS wants it; returns length. */
int	 oe_ecdsa_key_to_sec1(const uint8_t *key, size_t len, uint8_t *buf,
	    size_t buflen, char *err, size_t errlen);
/* EdDSA key per RFC 9373: Ed25519 only (32 octets); Ed448 is refused. */
int	 oe_eddsa_key_check(const uint8_t *key, size_t len,
	    enum oe_ec_curve *curve, char *err, size_t errlen);

#endif /* OE_IPSECKEY_H */
