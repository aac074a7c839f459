/*
 * NSS initialisation and the IKEv2 algorithm tables.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <nss.h>
#include <pk11pub.h>
#include <prerror.h>
#include <secerr.h>

#include "oe_log.h"
#include "crypto.h"

struct crypto_nss {
	NSSInitContext		*ctx;
};

/*
 * Sizes: RFC 5282 (GCM: 8-byte IV, 4-byte salt, 16-byte ICV), RFC 7634
 * (ChaCha20-Poly1305: 8-byte IV, 4-byte salt, 16-byte ICV, no block
 * alignment beyond 1), RFC 3602 (AES-CBC: 16-byte IV and block).
 */
static const struct crypto_encr encr_table[] = {
	{ IKEV2_ENCR_AES_GCM_16, 128, "AES_GCM_16_128", true, 16, 4, 8, 16, 1,
	  CKM_AES_GCM },
	{ IKEV2_ENCR_AES_GCM_16, 256, "AES_GCM_16_256", true, 32, 4, 8, 16, 1,
	  CKM_AES_GCM },
	{ IKEV2_ENCR_CHACHA20_POLY1305, 0, "CHACHA20_POLY1305", true, 32, 4, 8,
	  16, 1, CKM_NSS_CHACHA20_POLY1305 },
	{ IKEV2_ENCR_AES_CBC, 128, "AES_CBC_128", false, 16, 0, 16, 0, 16,
	  CKM_AES_CBC },
	{ IKEV2_ENCR_AES_CBC, 256, "AES_CBC_256", false, 32, 0, 16, 0, 16,
	  CKM_AES_CBC },
};

static const struct crypto_prf prf_table[] = {
	{ IKEV2_PRF_HMAC_SHA2_256, "PRF_HMAC_SHA2_256", 32, CKM_SHA256_HMAC,
	  SEC_OID_SHA256 },
	{ IKEV2_PRF_HMAC_SHA2_384, "PRF_HMAC_SHA2_384", 48, CKM_SHA384_HMAC,
	  SEC_OID_SHA384 },
	{ IKEV2_PRF_HMAC_SHA2_512, "PRF_HMAC_SHA2_512", 64, CKM_SHA512_HMAC,
	  SEC_OID_SHA512 },
};

/* RFC 4868 §2.1: key length = hash output, ICV = half of it. */
static const struct crypto_integ integ_table[] = {
	{ IKEV2_INTEG_HMAC_SHA2_256_128, "AUTH_HMAC_SHA2_256_128", 32, 16,
	  CKM_SHA256_HMAC },
	{ IKEV2_INTEG_HMAC_SHA2_384_192, "AUTH_HMAC_SHA2_384_192", 48, 24,
	  CKM_SHA384_HMAC },
	{ IKEV2_INTEG_HMAC_SHA2_512_256, "AUTH_HMAC_SHA2_512_256", 64, 32,
	  CKM_SHA512_HMAC },
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

const struct crypto_encr *
crypto_encr_lookup(uint16_t id, uint16_t key_bits)
{
	size_t i;

	for (i = 0; i < NITEMS(encr_table); i++) {
		if (encr_table[i].id == id && encr_table[i].key_bits == key_bits)
			return &encr_table[i];
	}
	return NULL;
}

const struct crypto_prf *
crypto_prf_lookup(uint16_t id)
{
	size_t i;

	for (i = 0; i < NITEMS(prf_table); i++) {
		if (prf_table[i].id == id)
			return &prf_table[i];
	}
	return NULL;
}

const struct crypto_integ *
crypto_integ_lookup(uint16_t id)
{
	size_t i;

	for (i = 0; i < NITEMS(integ_table); i++) {
		if (integ_table[i].id == id)
			return &integ_table[i];
	}
	return NULL;
}

const char *
crypto_nssdb_path(const char *override)
{
	const char *env;

	if (override != NULL)
		return override;
	env = getenv(CRYPTO_NSSDB_ENV);
	if (env != NULL && env[0] != '\0')
		return env;
	return CRYPTO_NSSDB_DEFAULT;
}

const char *
crypto_nss_errstr(void)
{
	PRErrorCode code = PR_GetError();
	const char *name = PR_ErrorToName(code);

	return name != NULL ? name : "unknown NSS error";
}

/*
 * dbdir NULL: no database at all (pure computation, unit tests of the
 * vectors).  NSS_InitContext lets several owners (the Unbound module
 * has none, but a test might) share the one NSS instance safely.
 */
struct crypto_nss *
crypto_nss_init(const char *dbdir, bool readwrite)
{
	struct crypto_nss *nss = NULL;
	PRUint32 flags = NSS_INIT_NOROOTINIT | NSS_INIT_OPTIMIZESPACE;

	nss = calloc(1, sizeof(*nss));
	if (nss == NULL) {
		oe_err("%s: out of memory", __func__);
		return NULL;
	}
	if (dbdir == NULL) {
		flags |= NSS_INIT_NOCERTDB | NSS_INIT_NOMODDB |
		    NSS_INIT_FORCEOPEN;
		dbdir = "";
	} else if (!readwrite) {
		flags |= NSS_INIT_READONLY;
	}
	nss->ctx = NSS_InitContext(dbdir, "", "", "", NULL, flags);
	if (nss->ctx == NULL) {
		oe_err("%s: cannot open NSS database \"%s\": %s", __func__,
		    dbdir, crypto_nss_errstr());
		free(nss);
		return NULL;
	}
	return nss;
}

void
crypto_nss_shutdown(struct crypto_nss *nss)
{
	if (nss == NULL)
		return;
	if (NSS_ShutdownContext(nss->ctx) != SECSuccess)
		oe_warn("%s: NSS shutdown: %s (objects still referenced)",
		    __func__, crypto_nss_errstr());
	free(nss);
}

int
crypto_random(uint8_t *buf, size_t len)
{
	if (len > INT32_MAX)
		return -1;
	if (PK11_GenerateRandom(buf, (int)len) != SECSuccess) {
		oe_err("%s: %s", __func__, crypto_nss_errstr());
		return -1;
	}
	return 0;
}

/* RFC 5649: any key length, integrity-checked on unwrap. */
#define PARK_MECH	CKM_AES_KEY_WRAP_KWP
#define WRAPKEY_LEN	32

PK11SymKey *
crypto_wrapkey_new(void)
{
	PK11SlotInfo *slot;
	PK11SymKey *k;

	slot = PK11_GetInternalSlot();
	if (slot == NULL)
		return NULL;
	/* A session key that cannot be read out of the token. */
	k = PK11_TokenKeyGenWithFlags(slot, CKM_AES_KEY_GEN, NULL, WRAPKEY_LEN,
	    NULL, CKF_WRAP | CKF_UNWRAP, PK11_ATTR_SESSION |
	    PK11_ATTR_SENSITIVE | PK11_ATTR_UNEXTRACTABLE, NULL);
	if (k == NULL)
		oe_err("%s: %s", __func__, crypto_nss_errstr());
	PK11_FreeSlot(slot);
	return k;
}

static CK_ATTRIBUTE_TYPE
park_operation(CK_FLAGS flags)
{
	return (flags & CKF_ENCRYPT) ? CKA_ENCRYPT :
	    (flags & CKF_SIGN) ? CKA_SIGN : CKA_DERIVE;
}

int
crypto_key_park(PK11SymKey *wrapkey, PK11SymKey *key, CK_MECHANISM_TYPE mech,
    CK_FLAGS flags, struct crypto_parked *out)
{
	SECItem blob;
	unsigned int key_len;

	memset(out, 0, sizeof(*out));
	if (wrapkey == NULL || key == NULL)
		return -1;
	key_len = PK11_GetKeyLength(key);
	if (key_len == 0 || key_len > CRYPTO_PRF_MAX_LEN)
		return -1;
	blob.type = siBuffer;
	blob.data = out->blob;
	blob.len = sizeof(out->blob);
	if (PK11_WrapSymKey(PARK_MECH, NULL, wrapkey, key, &blob) !=
	    SECSuccess || blob.len > sizeof(out->blob)) {
		oe_err("%s: %s", __func__, crypto_nss_errstr());
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->mech = mech;
	out->flags = flags;
	out->key_len = (uint16_t)key_len;
	out->len = (uint16_t)blob.len;
	return 0;
}

PK11SymKey *
crypto_key_unpark(PK11SymKey *wrapkey, const struct crypto_parked *p)
{
	SECItem blob;
	PK11SymKey *k;

	if (wrapkey == NULL || p->len == 0 || p->len > sizeof(p->blob))
		return NULL;
	blob.type = siBuffer;
	blob.data = (unsigned char *)(uintptr_t)p->blob;
	blob.len = p->len;
	k = PK11_UnwrapSymKeyWithFlags(wrapkey, PARK_MECH, NULL, &blob,
	    p->mech, park_operation(p->flags), p->key_len, p->flags);
	if (k == NULL)
		oe_err("%s: %s", __func__, crypto_nss_errstr());
	return k;
}
