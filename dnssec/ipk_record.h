/*
 * The host's public key as published in an IPSECKEY record (RFC 4025):
 * the key itself, the exchange file that carries it from a host to the
 * zone owner ("<host>.pub"), and the record in presentation, wire
 * (through libldns) and JSON form.
 */
#ifndef IPK_RECORD_H
#define IPK_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "oe_ipseckey.h"

#define IPK_ALG_RSA		2	/* RFC 4025 / RFC 3110 key */
#define IPK_ALG_ECDSA		3	/* RFC 9373: x || y */
#define IPK_KEY_MAX		OE_IPSECKEY_KEY_MAX

#define IPK_GW_NONE		0
#define IPK_GW_IPV4		1
#define IPK_GW_IPV6		2
#define IPK_GW_NAME		3

/* Public key field of an IPSECKEY record. */
struct ipk_pubkey {
	uint8_t		 algorithm;
	size_t		 key_len;
	uint8_t		 key[IPK_KEY_MAX];
};

/* Everything in one IPSECKEY RDATA, plus owner and TTL. */
struct ipk_record {
	char		 name[LDNS_MAX_DOMAINLEN + 2];	/* absolute */
	uint32_t	 ttl;
	uint8_t		 precedence;
	uint8_t		 gateway_type;
	char		 gateway[LDNS_MAX_DOMAINLEN + 2]; /* "" for none */
	struct ipk_pubkey key;
};

/*
 * RFC 3110 RSA key field from big-endian exponent and modulus (leading
 * zero bytes are stripped).  False if it does not fit or is degenerate.
 */
bool ipk_rsa_rfc3110(const uint8_t *exp, size_t exp_len, const uint8_t *mod,
    size_t mod_len, struct ipk_pubkey *out);
/* ECDSA key field from an uncompressed point 04||x||y (P-256/P-384). */
bool ipk_ecdsa_point(const uint8_t *point, size_t len, struct ipk_pubkey *out);
/*
 * Check an (algorithm, key) pair with the shared codec's rules, plus
 * our publishing policy (RSA >= 2048 bits); reason in `err`.
 */
bool ipk_pubkey_check(const struct ipk_pubkey *key, char *err,
    size_t errlen);
/* Key size in bits (RSA modulus, or EC field size); 0 if unknown. */
unsigned ipk_pubkey_bits(const struct ipk_pubkey *key);

/*
 * Owner name: absolute presentation form with trailing dot, at most
 * 255 octets on the wire.  A name without a trailing dot is taken as
 * absolute.  False (with `why`) for anything libldns cannot parse.
 */
bool ipk_name_normalize(const char *in, char *out, size_t outlen,
    const char **why);
/* Gateway argument: "" or "." (none), IPv4, IPv6, or a domain name. */
bool ipk_gateway_parse(const char *in, struct ipk_record *rec,
    const char **why);

/* The record as an ldns_rr (caller frees with ldns_rr_free). */
ldns_rr *ipk_record_to_rr(const struct ipk_record *rec);
/* One zone-file line (caller frees). */
char *ipk_record_to_text(const struct ipk_record *rec);
/* JSON object (caller frees the string); `ckaid_hex` may be NULL. */
char *ipk_record_to_json(const struct ipk_record *rec, const char *ckaid_hex);
/* Libreswan style "0s<base64>" of the key field (caller frees). */
char *ipk_pubkey_to_0s(const struct ipk_pubkey *key);

/*
 * Public key exchange file ("<host>.pub"): '#' comments and lines
 *	algorithm 2|3
 *	key <base64 of the IPSECKEY public key field>
 *	gateway <address or name.>	(optional, default: none)
 *	precedence <0..255>		(optional, default 10)
 * Parsing fills rec->key, rec->gateway*, rec->precedence; errors are
 * logged as "file:line: reason".
 */
bool ipk_pubfile_parse(const char *path, struct ipk_record *rec);
bool ipk_pubfile_parse_buf(const char *label, const char *buf,
    struct ipk_record *rec);
/* The exchange file text for `key` (caller frees). */
char *ipk_pubfile_format(const struct ipk_pubkey *key, const char *comment);

#endif /* IPK_RECORD_H */
