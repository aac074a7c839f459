/*
 * IKEv2 key derivation (RFC 7296 §2.13, §2.14, §2.17, §2.18) with
 * NSS's CKM_NSS_IKE_PRF_DERIVE and CKM_NSS_IKE_PRF_PLUS_DERIVE: every
 * derived key stays a PK11SymKey in the token.  Only the Child SA
 * KEYMAT, which the kernel needs, is extracted as bytes.
 *
 * Ownership: every function returning PK11SymKey * returns a new
 * reference the caller frees with PK11_FreeSymKey(); key arguments
 * are borrowed.
 */
#ifndef OE_IKED_CRYPTO_PRF_H
#define OE_IKED_CRYPTO_PRF_H

#include <stddef.h>
#include <stdint.h>

#include <pk11pub.h>

#include "crypto.h"

/*
 * Nonces are 16..256 bytes (RFC 7296 §3.9); the payload codec enforces
 * that for peers.  The KDF itself accepts from 8 bytes, the size used
 * by NIST's IKEv2 KDF validation vectors.
 */
#define CRYPTO_NONCE_MIN	16
#define CRYPTO_NONCE_MAX	256
#define CRYPTO_KDF_NONCE_MIN	8
#define CRYPTO_SPI_LEN		8

/* A raw value as a generic-secret key allowed to derive, sign and verify. */
PK11SymKey *crypto_symkey_import(const uint8_t *data, size_t len);

/*
 * Copy the value of `key` into `out` (at most `cap` bytes), set *len.
 * For the Child SA KEYMAT and for tests; 0 or -1.
 */
int crypto_symkey_extract(PK11SymKey *key, uint8_t *out, size_t cap,
    size_t *len);

/* SKEYSEED = prf(Ni | Nr, g^ir) */
PK11SymKey *crypto_skeyseed(const struct crypto_prf *prf,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    PK11SymKey *gir);

/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)   (§2.18) */
PK11SymKey *crypto_skeyseed_rekey(const struct crypto_prf *prf,
    PK11SymKey *old_sk_d, PK11SymKey *gir_new,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len);

/*
 * prf+(K, S) with S = [seed_key value] | seed, `out_len` bytes
 * (at most 255 prf blocks).  seed_key may be NULL.
 */
PK11SymKey *crypto_prf_plus(const struct crypto_prf *prf, PK11SymKey *key,
    PK11SymKey *seed_key, const uint8_t *seed, size_t seed_len,
    size_t out_len);

/* prf(K, data) as a key (e.g. prf(SK_p, "Key Pad for IKEv2")). */
PK11SymKey *crypto_prf_to_key(const struct crypto_prf *prf, PK11SymKey *key,
    const uint8_t *data, size_t len);

/* prf(K, data) as bytes: out_len = prf->out_len; `cap` must hold it. */
int crypto_prf_bytes(const struct crypto_prf *prf, PK11SymKey *key,
    const uint8_t *data, size_t len, uint8_t *out, size_t cap);

/*
 * Bytes [offset, offset+len) of `base` as a new key for `target`
 * (NSS mechanism) with the given CKF_* usage flags.
 */
PK11SymKey *crypto_symkey_slice(PK11SymKey *base, size_t offset, size_t len,
    CK_MECHANISM_TYPE target, CK_FLAGS flags);

/*
 * The seven IKE SA keys.  For AEAD (integ == NULL) SK_ai/SK_ar are
 * NULL and the 4-byte salts follow SK_e in the key material (RFC 5282
 * §7.1, RFC 7634 §2); salts are not secret enough to need the token.
 */
struct crypto_ike_keys {
	PK11SymKey	*sk_d;
	PK11SymKey	*sk_ai, *sk_ar;
	PK11SymKey	*sk_ei, *sk_er;
	PK11SymKey	*sk_pi, *sk_pr;
	uint8_t		 salt_i[CRYPTO_SALT_MAX_LEN];
	uint8_t		 salt_r[CRYPTO_SALT_MAX_LEN];
	size_t		 salt_len;
	/* after crypto_ike_keys_park(): SK_d wrapped, every key above NULL */
	PK11SymKey	*wrapkey;	/* referenced */
	struct crypto_parked sk_d_parked;
};

/*
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *     = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
 * Fills *keys (caller clears it with crypto_ike_keys_clear()).  0 or -1.
 */
int crypto_ike_keys_derive(const struct crypto_prf *prf,
    const struct crypto_encr *encr, const struct crypto_integ *integ,
    PK11SymKey *skeyseed, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len,
    const uint8_t spi_i[CRYPTO_SPI_LEN], const uint8_t spi_r[CRYPTO_SPI_LEN],
    struct crypto_ike_keys *keys);
void crypto_ike_keys_clear(struct crypto_ike_keys *keys);

/*
 * An established IKE SA needs only SK_d (for Child SAs and the IKE SA
 * rekey); SK_e/SK_a live on in its crypto_sk contexts and SK_p served
 * IKE_AUTH only.  crypto_ike_keys_park() releases all of them but
 * SK_d, which it wraps under `wrapkey` (referenced) and releases too:
 * the SA then holds no live key object here (crypto.h, "Parked keys").
 * 0 or -1 (nothing changed).  Parking twice is a no-op.
 */
int crypto_ike_keys_park(struct crypto_ike_keys *keys, PK11SymKey *wrapkey);

/* SK_d as a new reference (caller frees), live or unwrapped; NULL if none. */
PK11SymKey *crypto_ike_keys_sk_d(const struct crypto_ike_keys *keys);

/*
 * Child SA: KEYMAT = prf+(SK_d, [g^ir (new)] | Ni | Nr), `len` bytes
 * into `out` (caller zeroes it after use).  gir_new NULL without PFS.
 */
int crypto_child_keymat(const struct crypto_prf *prf, PK11SymKey *sk_d,
    PK11SymKey *gir_new, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len, uint8_t *out, size_t len);

/*
 * ESP keys from KEYMAT (RFC 7296 §2.17: initiator->responder
 * encryption then integrity, then responder->initiator).  For AEAD the
 * encryption key includes the salt (RFC 4106 §8.1, RFC 7634 §2), as
 * XFRM wants it.  Pointers borrow from the KEYMAT buffer.
 */
struct crypto_child_keys {
	const uint8_t	*enc_i, *integ_i, *enc_r, *integ_r;
	size_t		 enc_len, integ_len;
};

/* Bytes of KEYMAT the transforms need (both directions). */
size_t crypto_child_keymat_len(const struct crypto_encr *encr,
    const struct crypto_integ *integ);
int crypto_child_keys_split(const struct crypto_encr *encr,
    const struct crypto_integ *integ, const uint8_t *keymat, size_t len,
    struct crypto_child_keys *keys);

#endif /* OE_IKED_CRYPTO_PRF_H */
