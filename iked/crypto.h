/*
 * IKEv2 cryptography on NSS: database initialisation and the tables
 * that map IKEv2 transform IDs (RFC 7296 §3.3.2, IANA "IKEv2
 * Parameters") to NSS mechanisms and sizes.
 *
 * Every other crypto_*.c file looks its algorithm up here, so the
 * numbers and sizes live in one place.
 */
#ifndef OE_IKED_CRYPTO_H
#define OE_IKED_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nss.h>
#include <pkcs11t.h>
#include <pk11pub.h>
#include <secoidt.h>

#include "ikev2.h"

/* Default NSS database (ARCHITECTURE: /var/lib/oe/nss). */
#define CRYPTO_NSSDB_DEFAULT	"sql:" OE_LOCALSTATEDIR "/nss"
#define CRYPTO_NSSDB_ENV	"OE_NSSDB"

/* Transform, group and hash IDs are ikev2.h's, the one table of numbers. */

/* The largest PRF output (SHA-512) and AEAD/ICV sizes we handle. */
#define CRYPTO_PRF_MAX_LEN		64
#define CRYPTO_ICV_MAX_LEN		32
#define CRYPTO_IV_MAX_LEN		16
#define CRYPTO_SALT_MAX_LEN		4

struct crypto_encr {
	uint16_t		 id;		/* IKEV2_ENCR_* */
	uint16_t		 key_bits;	/* Key Length attribute */
	const char		*name;
	bool			 aead;
	size_t			 key_len;	/* cipher key, bytes */
	size_t			 salt_len;	/* AEAD nonce salt from keymat */
	size_t			 iv_len;	/* explicit IV on the wire */
	size_t			 icv_len;	/* AEAD tag (0 for CBC) */
	size_t			 block_len;	/* padding alignment */
	CK_MECHANISM_TYPE	 mech;
};

struct crypto_prf {
	uint16_t		 id;		/* IKEV2_PRF_* */
	const char		*name;
	size_t			 out_len;	/* = preferred key length */
	CK_MECHANISM_TYPE	 hmac_mech;
	SECOidTag		 hash_oid;
};

struct crypto_integ {
	uint16_t		 id;		/* IKEV2_AUTH_* */
	const char		*name;
	size_t			 key_len;
	size_t			 icv_len;	/* truncated output */
	CK_MECHANISM_TYPE	 hmac_mech;
};

/*
 * Lookups return a pointer into a constant table, or NULL for an
 * algorithm (or key length) we do not implement.  key_bits 0 means the
 * transform carries no Key Length attribute (ChaCha20-Poly1305), which
 * is an error for AES.
 */
const struct crypto_encr	*crypto_encr_lookup(uint16_t id, uint16_t key_bits);
const struct crypto_prf		*crypto_prf_lookup(uint16_t id);
const struct crypto_integ	*crypto_integ_lookup(uint16_t id);

/*
 * The NSS database directory to use: `override` if not NULL, else
 * $OE_NSSDB if set and non-empty, else CRYPTO_NSSDB_DEFAULT.  The
 * result is borrowed (argument, environment or constant).
 */
const char *crypto_nssdb_path(const char *override);

/*
 * NSS initialisation.  The handle keeps NSS up until
 * crypto_nss_shutdown(); the caller owns it.  `readwrite` opens the
 * database for key generation/import (the ipseckey tool, tests);
 * the daemon opens it read-only.  Returns NULL (and logs why) when the
 * database cannot be opened.
 */
struct crypto_nss;
struct crypto_nss *crypto_nss_init(const char *dbdir, bool readwrite);
void crypto_nss_shutdown(struct crypto_nss *nss);

/*
 * Parked keys.  Every live PK11SymKey is a softoken session object
 * (about 5 KB: a fixed array of 45 attributes) with its own PKCS#11
 * session, and the softoken finds sessions and objects by walking hash
 * chains, so each live key also slows every later operation.  An
 * established IKE SA uses its keys for a few messages an hour, so it
 * keeps them wrapped (AES key wrap with padding, RFC 5649) under one
 * wrapping key of its table, and unwraps a key for the operation that
 * needs it.  The wrapping key is generated in the token and never
 * leaves it; keys are never in our memory in the clear.
 */
#define CRYPTO_PARKED_MAX	(CRYPTO_PRF_MAX_LEN + 16)

struct crypto_parked {
	CK_MECHANISM_TYPE	 mech;	/* the key's mechanism when unwrapped */
	CK_FLAGS		 flags;	/* its CKF_* usage */
	uint16_t		 key_len;
	uint16_t		 len;	/* of blob */
	uint8_t			 blob[CRYPTO_PARKED_MAX];
};

/* A new AES-256 wrapping key (caller frees with PK11_FreeSymKey), or NULL. */
PK11SymKey *crypto_wrapkey_new(void);

/*
 * Wrap `key` (borrowed; the caller still frees it) under `wrapkey` into
 * *out, to be unwrapped as a `mech` key with usage `flags`.  0 or -1.
 */
int crypto_key_park(PK11SymKey *wrapkey, PK11SymKey *key,
    CK_MECHANISM_TYPE mech, CK_FLAGS flags, struct crypto_parked *out);

/* The parked key as a new PK11SymKey (caller frees), or NULL. */
PK11SymKey *crypto_key_unpark(PK11SymKey *wrapkey,
    const struct crypto_parked *p);

/* Last NSS error as text, for log lines. */
const char *crypto_nss_errstr(void);

/* Fill `buf` with `len` random bytes from NSS's DRBG.  0 or -1. */
int crypto_random(uint8_t *buf, size_t len);

#endif /* OE_IKED_CRYPTO_H */
