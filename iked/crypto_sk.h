/*
 * Protection of the IKEv2 Encrypted payload (SK, RFC 7296 §3.14):
 * AES-GCM-16 (RFC 5282), ChaCha20-Poly1305 (RFC 7634) and AES-CBC with
 * HMAC-SHA2 (RFC 3602, RFC 4868).
 *
 * One struct crypto_sk protects one direction of one IKE SA: the
 * sender's context encrypts with SK_ei (initiator) or SK_er
 * (responder); the receiver's decrypts with the same key.
 */
#ifndef OE_IKED_CRYPTO_SK_H
#define OE_IKED_CRYPTO_SK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pk11pub.h>

#include "crypto.h"

#define CRYPTO_AEAD_NONCE_LEN	12	/* salt(4) || IV(8) */

struct crypto_sk;

/*
 * enc_key: SK_e; integ_key: SK_a (NULL for AEAD); salt: the 4 bytes
 * that follow SK_e in the key material (AEAD only, else NULL/0).
 * The context takes its own references to the keys; the caller keeps
 * its own.  Free with crypto_sk_free().  NULL on a mismatch (AEAD with
 * an integrity key, CBC without, wrong salt length).
 */
struct crypto_sk *crypto_sk_new(const struct crypto_encr *encr,
    const struct crypto_integ *integ, PK11SymKey *enc_key,
    PK11SymKey *integ_key, const uint8_t *salt, size_t salt_len);
void crypto_sk_free(struct crypto_sk *sk);

/*
 * Park the context's keys (crypto.h): wrap them under `wrapkey`, of
 * which the context keeps a reference, and release them, so that an
 * idle IKE SA holds no live key object.  Encrypt and decrypt then
 * unwrap them for the duration of each call.  0 or -1 (keys still
 * live).  Parking twice is a no-op.
 */
int crypto_sk_park(struct crypto_sk *sk, PK11SymKey *wrapkey);
bool crypto_sk_parked(const struct crypto_sk *sk);

/*
 * Size of the SK payload body (IV || ciphertext || ICV) for `plain_len`
 * bytes of inner payloads, including IKE padding and the pad length
 * byte.  The caller needs it before encrypting: the IKE header and the
 * SK payload header (both in the AAD / integrity input) carry lengths
 * that include it.  0 if too large.
 */
size_t crypto_sk_body_len(const struct crypto_sk *sk, size_t plain_len);

/*
 * Encrypt `plain` (inner payloads).  `aad` is the message from the IKE
 * header up to and including the SK payload header, with final
 * lengths.  Writes IV || ciphertext || ICV to `out` and sets *out_len
 * (= crypto_sk_body_len()).  For CBC the ICV is computed over
 * aad || IV || ciphertext, i.e. the whole message before the ICV.
 * IVs: a per-context counter for AEAD (starts at a random value,
 * never repeats under one key, refuses to wrap), random for CBC.
 * Make exactly one encrypting context per key.  0 or -1.
 */
int crypto_sk_encrypt(struct crypto_sk *sk, const uint8_t *aad,
    size_t aad_len, const uint8_t *plain, size_t len, uint8_t *out,
    size_t out_cap, size_t *out_len);

/*
 * Verify the ICV of `body` (IV || ciphertext || ICV, the SK payload
 * content) with `aad` as above, then decrypt and strip the padding.
 * `plain_out` needs room for the ciphertext length; *plain_len is the
 * inner payloads' length.  Nothing is written on an ICV failure.
 * 0 or -1 (logged at debug level: a peer can provoke it).
 */
int crypto_sk_decrypt(struct crypto_sk *sk, const uint8_t *aad,
    size_t aad_len, const uint8_t *body, size_t body_len,
    uint8_t *plain_out, size_t cap, size_t *plain_len);

/*
 * Raw AEAD (AES-GCM-16 or ChaCha20-Poly1305 with a 16-byte tag) under
 * a 12-byte nonce; seal writes ciphertext || tag, open checks the tag.
 * Used by the SK code and by known-answer tests.  0 or -1.
 */
int crypto_aead_seal(const struct crypto_encr *encr, PK11SymKey *key,
    const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], const uint8_t *aad,
    size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
    size_t cap, size_t *out_len);
int crypto_aead_open(const struct crypto_encr *encr, PK11SymKey *key,
    const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], const uint8_t *aad,
    size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
    size_t cap, size_t *out_len);

/* A raw key for `encr` (tests; the daemon derives its keys). */
PK11SymKey *crypto_sk_import_key(const struct crypto_encr *encr,
    const uint8_t *key, size_t len);

#endif /* OE_IKED_CRYPTO_SK_H */
