/*
 * IKEv2 authentication (RFC 7296 §2.15): the signed octets, NULL
 * authentication (RFC 7619), digital signatures (RFC 7427, method 14),
 * RSA PKCS#1 v1.5 with SHA-1 (method 1) and ECDSA methods 9/10/11
 * (RFC 4754), with raw public keys as found in IPSECKEY records.
 */
#ifndef OE_IKED_CRYPTO_AUTH_H
#define OE_IKED_CRYPTO_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keyhi.h>
#include <pk11pub.h>

#include "crypto.h"

/* IKEv2 Authentication Method (RFC 7296 §3.8, IANA). */
#define IKEV2_AUTH_METHOD_RSA_SIG		1
#define IKEV2_AUTH_METHOD_ECDSA_SHA256_P256	9
#define IKEV2_AUTH_METHOD_ECDSA_SHA384_P384	10
#define IKEV2_AUTH_METHOD_ECDSA_SHA512_P521	11
#define IKEV2_AUTH_METHOD_NULL			13
#define IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE	14

/* Signature schemes.  SHA-1 only exists for method 1. */
enum crypto_sig {
	CRYPTO_SIG_RSA_PKCS1_SHA1,
	CRYPTO_SIG_RSA_PKCS1_SHA256,
	CRYPTO_SIG_RSA_PKCS1_SHA384,
	CRYPTO_SIG_RSA_PKCS1_SHA512,
	CRYPTO_SIG_RSA_PSS_SHA256,
	CRYPTO_SIG_RSA_PSS_SHA384,
	CRYPTO_SIG_RSA_PSS_SHA512,
	CRYPTO_SIG_ECDSA_SHA256,
	CRYPTO_SIG_ECDSA_SHA384,
	CRYPTO_SIG_ECDSA_SHA512,
	CRYPTO_SIG_COUNT
};
#define CRYPTO_SIG_BIT(s)	(1u << (s))
/* What verification accepts by default: everything but SHA-1. */
#define CRYPTO_SIG_DEFAULT_ALLOWED \
	(((1u << CRYPTO_SIG_COUNT) - 1) & ~CRYPTO_SIG_BIT(CRYPTO_SIG_RSA_PKCS1_SHA1))

const char *crypto_sig_name(enum crypto_sig sig);

/* The RFC 7427 AlgorithmIdentifier (DER) of a scheme; NULL for SHA-1. */
const uint8_t *crypto_sig_algid(enum crypto_sig sig, size_t *len);

/* Upper bound of an AUTH payload's data for any key we handle. */
#define CRYPTO_AUTH_MAX_LEN	(1 + 80 + 1024)

/*
 * InitiatorSignedOctets / ResponderSignedOctets (RFC 7296 §2.15):
 *   message | peer's nonce | prf(SK_p, RestOfIDPayload)
 * `id_body` is the ID payload after its generic header (ID type, three
 * reserved bytes, identification data).  *out is malloc'd; the caller
 * frees it.  0 or -1.
 */
int crypto_auth_signed_octets(const struct crypto_prf *prf, PK11SymKey *sk_p,
    const uint8_t *msg, size_t msg_len, const uint8_t *nonce,
    size_t nonce_len, const uint8_t *id_body, size_t id_len,
    uint8_t **out, size_t *out_len);

/*
 * NULL authentication (RFC 7619 §3): the AUTH data is computed like a
 * shared-key MIC with SK_pi (initiator) or SK_pr (responder) as the
 * shared secret: prf(prf(SK_p, "Key Pad for IKEv2"), signed octets).
 * Verify compares in constant time.  0 or -1.
 */
int crypto_auth_null_compute(const struct crypto_prf *prf, PK11SymKey *sk_p,
    const uint8_t *octets, size_t len, uint8_t *out, size_t cap,
    size_t *out_len);
int crypto_auth_null_verify(const struct crypto_prf *prf, PK11SymKey *sk_p,
    const uint8_t *octets, size_t len, const uint8_t *auth, size_t auth_len);

/*
 * Sign `octets` for AUTH method `method` with scheme `sig` (which must
 * fit the method and the key: method 1 = RSA_PKCS1_SHA1, 9/10/11 =
 * ECDSA_SHA256/384/512 on P-256/384/521, 14 = any but SHA-1).  For
 * method 14 the output is the RFC 7427 form: length byte,
 * AlgorithmIdentifier, signature (ECDSA as DER Ecdsa-Sig-Value); for
 * methods 9-11 ECDSA is r || s.  0 or -1.
 */
int crypto_auth_sign(uint8_t method, enum crypto_sig sig,
    SECKEYPrivateKey *key, const uint8_t *octets, size_t len,
    uint8_t *out, size_t cap, size_t *out_len);

/*
 * Verify AUTH data `auth` for `method` against `octets` with the peer's
 * public key.  `allowed` is a CRYPTO_SIG_BIT mask of acceptable schemes
 * (method 1 needs CRYPTO_SIG_RSA_PKCS1_SHA1 in it); *used (if not NULL)
 * says which one verified.  0 or -1 (logged at debug level).
 */
int crypto_auth_verify(uint8_t method, SECKEYPublicKey *key,
    const uint8_t *octets, size_t len, const uint8_t *auth, size_t auth_len,
    uint32_t allowed, enum crypto_sig *used);

/*
 * Raw public keys.  Both return a new key the caller frees with
 * SECKEY_DestroyPublicKey(), or NULL.
 * RSA: big-endian modulus and exponent; modulus 2048..8192 bits, odd
 * exponent >= 3.  ECDSA: x || y for the curve of DH group 19, 20 or 21.
 */
SECKEYPublicKey *crypto_pubkey_rsa(const uint8_t *mod, size_t mod_len,
    const uint8_t *exp, size_t exp_len);
SECKEYPublicKey *crypto_pubkey_ec(uint16_t dh_group, const uint8_t *xy,
    size_t len);

/*
 * An RSA key in RFC 3110 §2 form (IPSECKEY algorithm 2, DNSKEY):
 * exponent length (1 byte, or 0 then 2 bytes), exponent, modulus.
 */
SECKEYPublicKey *crypto_pubkey_rsa_rfc3110(const uint8_t *data, size_t len);

/* ECDSA key for IPSECKEY algorithm 3 (RFC 6605 form: x || y), by length. */
SECKEYPublicKey *crypto_pubkey_ecdsa_raw(const uint8_t *xy, size_t len);

/*
 * The private key in the NSS database for a public key: looked up by
 * CKA_ID (NSS derives it from the modulus or EC point), or by
 * nickname.  New reference for SECKEY_DestroyPrivateKey(), or NULL.
 */
SECKEYPrivateKey *crypto_privkey_find_by_pubkey(SECKEYPublicKey *pub);
SECKEYPrivateKey *crypto_privkey_find_by_ckaid(const uint8_t *id, size_t len);
SECKEYPrivateKey *crypto_privkey_find_by_nickname(const char *nickname);

/*
 * SIGNATURE_HASH_ALGORITHMS notify (RFC 7427 §4): our list as notify
 * data (2-byte IDs), and the peer's list parsed into a mask of
 * IKEV2_HASH_* bits we share (bit n = hash ID n).  Odd lengths are
 * malformed; unknown IDs are ignored.  0 or -1.
 */
int crypto_sig_hash_notify(uint8_t *out, size_t cap, size_t *out_len);
int crypto_sig_hash_parse(const uint8_t *data, size_t len, uint32_t *mask);

#endif /* OE_IKED_CRYPTO_AUTH_H */
