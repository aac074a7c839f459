/*
 * The host key in the NSS database that oe-iked uses.
 *
 * The key is a permanent, sensitive private key in the database's
 * internal key slot, with nickname IPK_HOSTKEY_NICKNAME (default).
 * Its CKA_ID is the one NSS assigns at generation: the SHA-1 of the
 * RSA modulus or of the EC public point (04||x||y); oe-iked may look
 * the key up by nickname or by that CKA_ID.
 */
#ifndef IPK_HOSTKEY_H
#define IPK_HOSTKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipk_record.h"

#define IPK_HOSTKEY_NICKNAME	"oe-hostkey"
#define IPK_NSSDB_DEFAULT	"sql:" OE_LOCALSTATEDIR "/nss"

enum ipk_keytype { IPK_KEY_RSA, IPK_KEY_EC_P256, IPK_KEY_EC_P384 };

/*
 * Database directory from --nssdb, then $OE_NSSDB, then the default;
 * the result has no "sql:" prefix.  Returns a new string.
 */
char *ipk_nssdb_dir(const char *arg);

/*
 * Create the database in `dir` (mode 0700, files 0600, empty password).
 * It is built in a temporary directory beside `dir` and renamed into
 * place, so `dir` either does not exist or is a complete database.  An
 * existing database is checked and left as it is.
 */
bool ipk_nssdb_init(const char *dir);

/*
 * Generate the host key: RSA of `bits` (2048..8192, multiple of 8) or
 * an EC key.  Refuses if a key with `nickname` already exists.
 * Fills `pub` and `ckaid` (SHA-1, 20 octets).
 */
bool ipk_hostkey_generate(const char *dir, const char *nickname,
    enum ipk_keytype type, unsigned bits, struct ipk_pubkey *pub,
    uint8_t ckaid[20]);

/* Read the host key's public part and CKA_ID. */
bool ipk_hostkey_load(const char *dir, const char *nickname,
    struct ipk_pubkey *pub, uint8_t ckaid[20]);

#endif /* IPK_HOSTKEY_H */
