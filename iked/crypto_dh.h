/*
 * IKEv2 key exchange on NSS: MODP groups 14 and 15 (RFC 3526), NIST
 * ECP groups 19/20/21 (RFC 5903: KE data is x || y, no 0x04 prefix)
 * and Curve25519 (RFC 8031).
 */
#ifndef OE_IKED_CRYPTO_DH_H
#define OE_IKED_CRYPTO_DH_H

#include <stddef.h>
#include <stdint.h>

#include <pk11pub.h>

struct crypto_dh_group {
	uint16_t	 id;		/* IKEV2_DH_* */
	const char	*name;
	size_t		 ke_len;	/* KE payload data length */
	size_t		 secret_len;	/* g^ir length */
};

/* NULL if the group is not implemented. */
const struct crypto_dh_group *crypto_dh_group_lookup(uint16_t id);

/* The RFC 3526 prime of a MODP group (big-endian), NULL for other groups. */
const uint8_t *crypto_dh_modp_prime(uint16_t id, size_t *len);

/*
 * One local key pair.  Created by crypto_dh_new() (fresh random key)
 * and owned by the caller, who frees it with crypto_dh_free(); the
 * private key never leaves NSS.
 */
struct crypto_dh;

struct crypto_dh *crypto_dh_new(uint16_t group);
void crypto_dh_free(struct crypto_dh *dh);

const struct crypto_dh_group *crypto_dh_get_group(const struct crypto_dh *dh);

/*
 * The local public value in KE payload form (ke_len bytes), borrowed
 * from `dh`: valid until crypto_dh_free().
 */
const uint8_t *crypto_dh_public(const struct crypto_dh *dh, size_t *len);

/*
 * g^ir from the peer's KE data.  The peer value is validated: exact
 * length, MODP 1 < y < p-1, ECP point on the curve (NSS checks when
 * importing), X25519 result not all-zero.  Returns a new PK11SymKey
 * (caller frees with PK11_FreeSymKey) usable as a derive base, or NULL
 * (logged at debug level: a peer can provoke it).
 */
PK11SymKey *crypto_dh_shared(struct crypto_dh *dh, const uint8_t *peer,
    size_t peer_len);

/*
 * For known-answer tests only: a key pair from a fixed private value
 * (big-endian scalar for ECP/MODP, RFC 7748 little-endian for X25519)
 * and its public value in KE form.  NULL on error.
 */
struct crypto_dh *crypto_dh_new_fixed(uint16_t group, const uint8_t *priv,
    size_t priv_len, const uint8_t *pub, size_t pub_len);

#endif /* OE_IKED_CRYPTO_DH_H */
