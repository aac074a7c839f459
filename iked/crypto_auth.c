/*
 * AUTH payload computation and verification on NSS.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cryptohi.h>
#include <keyhi.h>
#include <pk11pub.h>
#include <secasn1.h>
#include <secder.h>
#include <secitem.h>
#include <secoid.h>
#include <secport.h>

#include "oe_log.h"
#include "crypto.h"
#include "crypto_auth.h"
#include "crypto_prf.h"

/* RFC 7296 §2.15: the pad string of the shared-key MIC. */
static const char key_pad[] = "Key Pad for IKEv2";

#define HASH_MAX_LEN	64

/*
 * RFC 7427 Appendix A AlgorithmIdentifiers (DER).  RSASSA-PSS carries
 * RFC 4055 parameters: hash, MGF1 with the same hash, salt = hash
 * length; the default trailer field is omitted as DER requires.
 */
#define PSS_ALGID(h, salt) {						\
	0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,	\
	0x01, 0x01, 0x0a, 0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06,	\
	0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, (h),	\
	0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86,	\
	0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06,	\
	0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, (h),	\
	0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, (salt) }
#define RSA_ALGID(o) {							\
	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,	\
	0x01, 0x01, (o), 0x05, 0x00 }
#define ECDSA_ALGID(o) {						\
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04,	\
	0x03, (o) }

#define ALGID_MAX_LEN	67

enum sig_kind { SIG_PKCS1, SIG_PSS, SIG_ECDSA };

struct sig_desc {
	enum crypto_sig		 sig;
	const char		*name;
	enum sig_kind		 kind;
	SECOidTag		 hash;
	CK_MECHANISM_TYPE	 hash_mech;	/* PSS */
	CK_RSA_PKCS_MGF_TYPE	 mgf;		/* PSS */
	size_t			 hash_len;
	uint16_t		 ike_hash;	/* RFC 7427 hash ID, 0 = none */
	uint8_t			 algid[ALGID_MAX_LEN];
	size_t			 algid_len;
};

static const struct sig_desc sig_table[CRYPTO_SIG_COUNT] = {
	{ CRYPTO_SIG_RSA_PKCS1_SHA1, "RSA-PKCS1-SHA1", SIG_PKCS1,
	  SEC_OID_SHA1, CKM_SHA_1, 0, 20, 0, { 0 }, 0 },
	{ CRYPTO_SIG_RSA_PKCS1_SHA256, "RSA-PKCS1-SHA256", SIG_PKCS1,
	  SEC_OID_SHA256, CKM_SHA256, 0, 32, IKEV2_HASH_SHA2_256,
	  RSA_ALGID(0x0b), 15 },
	{ CRYPTO_SIG_RSA_PKCS1_SHA384, "RSA-PKCS1-SHA384", SIG_PKCS1,
	  SEC_OID_SHA384, CKM_SHA384, 0, 48, IKEV2_HASH_SHA2_384,
	  RSA_ALGID(0x0c), 15 },
	{ CRYPTO_SIG_RSA_PKCS1_SHA512, "RSA-PKCS1-SHA512", SIG_PKCS1,
	  SEC_OID_SHA512, CKM_SHA512, 0, 64, IKEV2_HASH_SHA2_512,
	  RSA_ALGID(0x0d), 15 },
	{ CRYPTO_SIG_RSA_PSS_SHA256, "RSA-PSS-SHA256", SIG_PSS,
	  SEC_OID_SHA256, CKM_SHA256, CKG_MGF1_SHA256, 32, IKEV2_HASH_SHA2_256,
	  PSS_ALGID(0x01, 0x20), 67 },
	{ CRYPTO_SIG_RSA_PSS_SHA384, "RSA-PSS-SHA384", SIG_PSS,
	  SEC_OID_SHA384, CKM_SHA384, CKG_MGF1_SHA384, 48, IKEV2_HASH_SHA2_384,
	  PSS_ALGID(0x02, 0x30), 67 },
	{ CRYPTO_SIG_RSA_PSS_SHA512, "RSA-PSS-SHA512", SIG_PSS,
	  SEC_OID_SHA512, CKM_SHA512, CKG_MGF1_SHA512, 64, IKEV2_HASH_SHA2_512,
	  PSS_ALGID(0x03, 0x40), 67 },
	{ CRYPTO_SIG_ECDSA_SHA256, "ECDSA-SHA256", SIG_ECDSA,
	  SEC_OID_SHA256, CKM_SHA256, 0, 32, IKEV2_HASH_SHA2_256,
	  ECDSA_ALGID(0x02), 12 },
	{ CRYPTO_SIG_ECDSA_SHA384, "ECDSA-SHA384", SIG_ECDSA,
	  SEC_OID_SHA384, CKM_SHA384, 0, 48, IKEV2_HASH_SHA2_384,
	  ECDSA_ALGID(0x03), 12 },
	{ CRYPTO_SIG_ECDSA_SHA512, "ECDSA-SHA512", SIG_ECDSA,
	  SEC_OID_SHA512, CKM_SHA512, 0, 64, IKEV2_HASH_SHA2_512,
	  ECDSA_ALGID(0x04), 12 },
};

const char *
crypto_sig_name(enum crypto_sig sig)
{
	if ((unsigned)sig >= CRYPTO_SIG_COUNT)
		return "unknown";
	return sig_table[sig].name;
}

const uint8_t *
crypto_sig_algid(enum crypto_sig sig, size_t *len)
{
	if ((unsigned)sig >= CRYPTO_SIG_COUNT || sig_table[sig].algid_len == 0)
		return NULL;
	*len = sig_table[sig].algid_len;
	return sig_table[sig].algid;
}

/* ---- signed octets and NULL authentication ---- */

int
crypto_auth_signed_octets(const struct crypto_prf *prf, PK11SymKey *sk_p,
    const uint8_t *msg, size_t msg_len, const uint8_t *nonce,
    size_t nonce_len, const uint8_t *id_body, size_t id_len,
    uint8_t **out, size_t *out_len)
{
	uint8_t *buf;
	size_t total;

	*out = NULL;
	/* Message size is bounded by the transport; 1 MiB is far beyond it. */
	if (msg_len > (1u << 20) || nonce_len < CRYPTO_NONCE_MIN ||
	    nonce_len > CRYPTO_NONCE_MAX || id_len < 4 || id_len > 0xffff) {
		oe_debug("%s: bad sizes: message %zu nonce %zu id %zu",
		    __func__, msg_len, nonce_len, id_len);
		return -1;
	}
	total = msg_len + nonce_len + prf->out_len;
	buf = malloc(total);
	if (buf == NULL)
		return -1;
	memcpy(buf, msg, msg_len);
	memcpy(buf + msg_len, nonce, nonce_len);
	if (crypto_prf_bytes(prf, sk_p, id_body, id_len,
	    buf + msg_len + nonce_len, prf->out_len) != 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	*out_len = total;
	return 0;
}

int
crypto_auth_null_compute(const struct crypto_prf *prf, PK11SymKey *sk_p,
    const uint8_t *octets, size_t len, uint8_t *out, size_t cap,
    size_t *out_len)
{
	PK11SymKey *padkey;
	int rc;

	if (cap < prf->out_len)
		return -1;
	padkey = crypto_prf_to_key(prf, sk_p, (const uint8_t *)key_pad,
	    sizeof(key_pad) - 1);
	if (padkey == NULL)
		return -1;
	rc = crypto_prf_bytes(prf, padkey, octets, len, out, cap);
	PK11_FreeSymKey(padkey);
	if (rc == 0)
		*out_len = prf->out_len;
	return rc;
}

int
crypto_auth_null_verify(const struct crypto_prf *prf, PK11SymKey *sk_p,
    const uint8_t *octets, size_t len, const uint8_t *auth, size_t auth_len)
{
	uint8_t mine[CRYPTO_PRF_MAX_LEN];
	size_t mine_len = 0;
	int rc = -1;

	if (auth_len != prf->out_len) {
		oe_debug("%s: AUTH data is %zu bytes, %s gives %zu", __func__,
		    auth_len, prf->name, prf->out_len);
		return -1;
	}
	if (crypto_auth_null_compute(prf, sk_p, octets, len, mine,
	    sizeof(mine), &mine_len) == 0 &&
	    NSS_SecureMemcmp(mine, auth, auth_len) == 0)
		rc = 0;
	else
		oe_debug("%s: NULL authentication MIC mismatch", __func__);
	explicit_bzero(mine, sizeof(mine));
	return rc;
}

/* ---- signatures ---- */

static int
hash_octets(const struct sig_desc *d, const uint8_t *octets, size_t len,
    uint8_t *digest)
{
	if (len > INT32_MAX ||
	    PK11_HashBuf(d->hash, digest, octets, (PRInt32)len) != SECSuccess) {
		oe_err("%s: %s", __func__, crypto_nss_errstr());
		return -1;
	}
	return 0;
}

/* The DER curve OID NSS keeps in an EC key, as a SECOidTag. */
static SECOidTag
ec_key_curve(const SECItem *params)
{
	SECItem oid;

	/* params is an OBJECT IDENTIFIER: 0x06, short length, value. */
	if (params->len < 2 || params->data[0] != 0x06 ||
	    params->data[1] != params->len - 2)
		return SEC_OID_UNKNOWN;
	oid.type = siBuffer;
	oid.data = params->data + 2;
	oid.len = params->len - 2;
	return SECOID_FindOIDTag(&oid);
}

static SECOidTag
method_curve(uint8_t method)
{
	switch (method) {
	case IKEV2_AUTH_METHOD_ECDSA_SHA256_P256:
		return SEC_OID_ANSIX962_EC_PRIME256V1;
	case IKEV2_AUTH_METHOD_ECDSA_SHA384_P384:
		return SEC_OID_SECG_EC_SECP384R1;
	case IKEV2_AUTH_METHOD_ECDSA_SHA512_P521:
		return SEC_OID_SECG_EC_SECP521R1;
	}
	return SEC_OID_UNKNOWN;
}

static enum crypto_sig
method_fixed_sig(uint8_t method)
{
	switch (method) {
	case IKEV2_AUTH_METHOD_RSA_SIG:
		return CRYPTO_SIG_RSA_PKCS1_SHA1;
	case IKEV2_AUTH_METHOD_ECDSA_SHA256_P256:
		return CRYPTO_SIG_ECDSA_SHA256;
	case IKEV2_AUTH_METHOD_ECDSA_SHA384_P384:
		return CRYPTO_SIG_ECDSA_SHA384;
	case IKEV2_AUTH_METHOD_ECDSA_SHA512_P521:
		return CRYPTO_SIG_ECDSA_SHA512;
	}
	return CRYPTO_SIG_COUNT;
}

/* Does scheme `sig` fit AUTH method `method`?  (Key checked later.) */
static bool
method_allows(uint8_t method, enum crypto_sig sig)
{
	if (method == IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE)
		return sig != CRYPTO_SIG_RSA_PKCS1_SHA1 && sig < CRYPTO_SIG_COUNT;
	return method_fixed_sig(method) == sig;
}

static bool
key_fits(const struct sig_desc *d, KeyType kt)
{
	return d->kind == SIG_ECDSA ? kt == ecKey : kt == rsaKey;
}

/* Sign `digest` with one scheme; *sig is allocated (SECITEM_FreeItem). */
static int
sign_digest(const struct sig_desc *d, uint8_t method, SECKEYPrivateKey *key,
    SECItem *digest, SECItem *sig)
{
	CK_RSA_PKCS_PSS_PARAMS pss;
	SECItem param, raw = { siBuffer, NULL, 0 };
	int siglen;

	memset(sig, 0, sizeof(*sig));
	switch (d->kind) {
	case SIG_PKCS1:
		/* SGN_Digest wraps the digest in a DigestInfo (PKCS #1 v1.5). */
		if (SGN_Digest(key, d->hash, sig, digest) != SECSuccess)
			return -1;
		return 0;
	case SIG_PSS:
		pss.hashAlg = d->hash_mech;
		pss.mgf = d->mgf;
		pss.sLen = d->hash_len;
		param.type = siBuffer;
		param.data = (unsigned char *)&pss;
		param.len = sizeof(pss);
		siglen = PK11_SignatureLen(key);
		if (siglen <= 0 || SECITEM_AllocItem(NULL, sig,
		    (unsigned)siglen) == NULL)
			return -1;
		if (PK11_SignWithMechanism(key, CKM_RSA_PKCS_PSS, &param, sig,
		    digest) != SECSuccess) {
			SECITEM_FreeItem(sig, PR_FALSE);
			return -1;
		}
		return 0;
	case SIG_ECDSA:
		siglen = PK11_SignatureLen(key);
		if (siglen <= 0 || SECITEM_AllocItem(NULL, &raw,
		    (unsigned)siglen) == NULL)
			return -1;
		if (PK11_Sign(key, &raw, digest) != SECSuccess) {
			SECITEM_FreeItem(&raw, PR_FALSE);
			return -1;
		}
		if (method != IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE) {
			*sig = raw;	/* RFC 4754: r || s */
			return 0;
		}
		/* RFC 7427 §3: DER Ecdsa-Sig-Value. */
		if (DSAU_EncodeDerSigWithLen(sig, &raw, raw.len) != SECSuccess) {
			SECITEM_FreeItem(&raw, PR_FALSE);
			return -1;
		}
		SECITEM_FreeItem(&raw, PR_FALSE);
		return 0;
	}
	return -1;
}

int
crypto_auth_sign(uint8_t method, enum crypto_sig sig, SECKEYPrivateKey *key,
    const uint8_t *octets, size_t len, uint8_t *out, size_t cap,
    size_t *out_len)
{
	const struct sig_desc *d;
	uint8_t hash[HASH_MAX_LEN];
	SECItem digest, s = { siBuffer, NULL, 0 };
	size_t off = 0;
	int rc = -1;

	if ((unsigned)sig >= CRYPTO_SIG_COUNT || !method_allows(method, sig)) {
		oe_err("%s: %s does not fit AUTH method %u", __func__,
		    crypto_sig_name(sig), method);
		return -1;
	}
	d = &sig_table[sig];
	if (!key_fits(d, SECKEY_GetPrivateKeyType(key))) {
		oe_err("%s: key type does not fit %s", __func__, d->name);
		return -1;
	}
	if (d->kind == SIG_ECDSA && method != IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE) {
		SECKEYPublicKey *pub = SECKEY_ConvertToPublicKey(key);
		bool ok = pub != NULL && ec_key_curve(
		    &pub->u.ec.DEREncodedParams) == method_curve(method);

		if (pub != NULL)
			SECKEY_DestroyPublicKey(pub);
		if (!ok) {
			oe_err("%s: key curve does not fit AUTH method %u",
			    __func__, method);
			return -1;
		}
	}
	if (hash_octets(d, octets, len, hash) != 0)
		return -1;
	digest.type = siBuffer;
	digest.data = hash;
	digest.len = (unsigned)d->hash_len;
	if (sign_digest(d, method, key, &digest, &s) != 0) {
		oe_err("%s: %s signing failed: %s", __func__, d->name,
		    crypto_nss_errstr());
		goto out;
	}
	if (method == IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE) {
		if (cap < 1 + d->algid_len + s.len)
			goto out;
		out[0] = (uint8_t)d->algid_len;
		memcpy(out + 1, d->algid, d->algid_len);
		off = 1 + d->algid_len;
	}
	if (cap - off < s.len)
		goto out;
	memcpy(out + off, s.data, s.len);
	*out_len = off + s.len;
	rc = 0;
out:
	if (s.data != NULL)
		SECITEM_FreeItem(&s, PR_FALSE);
	return rc;
}

static int
verify_digest(const struct sig_desc *d, uint8_t method, SECKEYPublicKey *key,
    SECItem *digest, const uint8_t *sigdata, size_t siglen)
{
	CK_RSA_PKCS_PSS_PARAMS pss;
	SECItem param, sig, *raw;
	SECStatus st;

	sig.type = siBuffer;
	sig.data = (unsigned char *)(uintptr_t)sigdata;
	sig.len = (unsigned int)siglen;
	switch (d->kind) {
	case SIG_PKCS1:
		return VFY_VerifyDigestDirect(digest, key, &sig,
		    SEC_OID_PKCS1_RSA_ENCRYPTION, d->hash, NULL) == SECSuccess ?
		    0 : -1;
	case SIG_PSS:
		pss.hashAlg = d->hash_mech;
		pss.mgf = d->mgf;
		pss.sLen = d->hash_len;
		param.type = siBuffer;
		param.data = (unsigned char *)&pss;
		param.len = sizeof(pss);
		return PK11_VerifyWithMechanism(key, CKM_RSA_PKCS_PSS, &param,
		    &sig, digest, NULL) == SECSuccess ? 0 : -1;
	case SIG_ECDSA:
		if (method != IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE)
			return PK11_Verify(key, &sig, digest, NULL) ==
			    SECSuccess ? 0 : -1;
		/* To r || s, each padded to the group order's length. */
		raw = DSAU_DecodeDerSigToLen(&sig,
		    (unsigned int)SECKEY_SignatureLen(key));
		if (raw == NULL)
			return -1;
		st = PK11_Verify(key, raw, digest, NULL);
		SECITEM_FreeItem(raw, PR_TRUE);
		return st == SECSuccess ? 0 : -1;
	}
	return -1;
}

/* Match the AlgorithmIdentifier of a method-14 AUTH payload. */
static const struct sig_desc *
algid_lookup(const uint8_t *algid, size_t len)
{
	size_t i;

	for (i = 0; i < CRYPTO_SIG_COUNT; i++) {
		const struct sig_desc *d = &sig_table[i];

		if (d->algid_len > 0 && d->algid_len == len &&
		    memcmp(d->algid, algid, len) == 0)
			return d;
	}
	return NULL;
}

int
crypto_auth_verify(uint8_t method, SECKEYPublicKey *key, const uint8_t *octets,
    size_t len, const uint8_t *auth, size_t auth_len, uint32_t allowed,
    enum crypto_sig *used)
{
	const struct sig_desc *d;
	const uint8_t *sig;
	size_t siglen, alen;
	uint8_t hash[HASH_MAX_LEN];
	SECItem digest;

	if (auth_len == 0 || auth_len > CRYPTO_AUTH_MAX_LEN) {
		oe_debug("%s: AUTH data length %zu out of range", __func__,
		    auth_len);
		return -1;
	}
	if (method == IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE) {
		alen = auth[0];
		if (alen == 0 || 1 + alen >= auth_len) {
			oe_debug("%s: AlgorithmIdentifier length %zu does not "
			    "fit AUTH data of %zu", __func__, alen, auth_len);
			return -1;
		}
		d = algid_lookup(auth + 1, alen);
		if (d == NULL) {
			oe_debug("%s: unsupported signature AlgorithmIdentifier "
			    "(%zu bytes)", __func__, alen);
			return -1;
		}
		sig = auth + 1 + alen;
		siglen = auth_len - 1 - alen;
	} else {
		enum crypto_sig s = method_fixed_sig(method);

		if (s == CRYPTO_SIG_COUNT) {
			oe_debug("%s: AUTH method %u is not a signature method",
			    __func__, method);
			return -1;
		}
		d = &sig_table[s];
		sig = auth;
		siglen = auth_len;
	}
	if (!(allowed & CRYPTO_SIG_BIT(d->sig))) {
		oe_debug("%s: %s not allowed by policy", __func__, d->name);
		return -1;
	}
	if (!key_fits(d, SECKEY_GetPublicKeyType(key))) {
		oe_debug("%s: %s does not fit the peer's key type", __func__,
		    d->name);
		return -1;
	}
	if (d->kind == SIG_ECDSA && method != IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE &&
	    ec_key_curve(&key->u.ec.DEREncodedParams) != method_curve(method)) {
		oe_debug("%s: peer key curve does not fit AUTH method %u",
		    __func__, method);
		return -1;
	}
	if (hash_octets(d, octets, len, hash) != 0)
		return -1;
	digest.type = siBuffer;
	digest.data = hash;
	digest.len = (unsigned)d->hash_len;
	if (verify_digest(d, method, key, &digest, sig, siglen) != 0) {
		oe_debug("%s: %s signature does not verify", __func__, d->name);
		return -1;
	}
	if (used != NULL)
		*used = d->sig;
	return 0;
}

/* ---- raw public keys ---- */

static SECKEYPublicKey *
pubkey_alloc(KeyType type)
{
	PLArenaPool *arena = PORT_NewArena(DER_DEFAULT_CHUNKSIZE);
	SECKEYPublicKey *pub;

	if (arena == NULL)
		return NULL;
	pub = PORT_ArenaZNew(arena, SECKEYPublicKey);
	if (pub == NULL) {
		PORT_FreeArena(arena, PR_FALSE);
		return NULL;
	}
	pub->arena = arena;
	pub->keyType = type;
	pub->pkcs11Slot = NULL;
	pub->pkcs11ID = CK_INVALID_HANDLE;
	return pub;
}

/* Skip leading zero bytes of a big-endian integer. */
static void
strip_zeros(const uint8_t **p, size_t *len)
{
	while (*len > 0 && (*p)[0] == 0) {
		(*p)++;
		(*len)--;
	}
}

SECKEYPublicKey *
crypto_pubkey_rsa(const uint8_t *mod, size_t mod_len, const uint8_t *exp,
    size_t exp_len)
{
	SECKEYPublicKey *pub;
	size_t bits;

	strip_zeros(&mod, &mod_len);
	strip_zeros(&exp, &exp_len);
	if (mod_len == 0 || exp_len == 0 || exp_len > 8) {
		oe_debug("%s: empty modulus or exponent over 64 bits", __func__);
		return NULL;
	}
	bits = mod_len * 8;
	for (uint8_t top = mod[0]; !(top & 0x80); top <<= 1)
		bits--;
	if (bits < 2048 || bits > 8192 || !(mod[mod_len - 1] & 1) ||
	    !(exp[exp_len - 1] & 1) || (exp_len == 1 && exp[0] < 3)) {
		oe_debug("%s: unacceptable RSA key (%zu-bit modulus, even "
		    "modulus or exponent, or exponent < 3)", __func__, bits);
		return NULL;
	}
	pub = pubkey_alloc(rsaKey);
	if (pub == NULL)
		return NULL;
	if (SECITEM_AllocItem(pub->arena, &pub->u.rsa.modulus,
	    (unsigned)mod_len) == NULL ||
	    SECITEM_AllocItem(pub->arena, &pub->u.rsa.publicExponent,
	    (unsigned)exp_len) == NULL) {
		SECKEY_DestroyPublicKey(pub);
		return NULL;
	}
	memcpy(pub->u.rsa.modulus.data, mod, mod_len);
	memcpy(pub->u.rsa.publicExponent.data, exp, exp_len);
	return pub;
}

SECKEYPublicKey *
crypto_pubkey_rsa_rfc3110(const uint8_t *data, size_t len)
{
	size_t elen, off;

	if (len < 1)
		return NULL;
	if (data[0] != 0) {
		elen = data[0];
		off = 1;
	} else {
		if (len < 3)
			return NULL;
		elen = (size_t)data[1] << 8 | data[2];
		off = 3;
	}
	if (elen == 0 || elen >= len - off) {
		oe_debug("%s: exponent length %zu leaves no modulus in %zu "
		    "bytes", __func__, elen, len);
		return NULL;
	}
	return crypto_pubkey_rsa(data + off + elen, len - off - elen,
	    data + off, elen);
}

SECKEYPublicKey *
crypto_pubkey_ec(uint16_t dh_group, const uint8_t *xy, size_t len)
{
	SECOidTag curve;
	const SECOidData *oid;
	SECKEYPublicKey *pub;
	size_t coord;

	switch (dh_group) {
	case IKEV2_DH_ECP256:
		curve = SEC_OID_ANSIX962_EC_PRIME256V1;
		coord = 32;
		break;
	case IKEV2_DH_ECP384:
		curve = SEC_OID_SECG_EC_SECP384R1;
		coord = 48;
		break;
	case IKEV2_DH_ECP521:
		curve = SEC_OID_SECG_EC_SECP521R1;
		coord = 66;
		break;
	default:
		return NULL;
	}
	if (len != 2 * coord) {
		oe_debug("%s: EC key is %zu bytes, curve needs %zu", __func__,
		    len, 2 * coord);
		return NULL;
	}
	oid = SECOID_FindOIDByTag(curve);
	pub = pubkey_alloc(ecKey);
	if (oid == NULL || pub == NULL)
		goto fail;
	if (SEC_ASN1EncodeItem(pub->arena, &pub->u.ec.DEREncodedParams,
	    &oid->oid, SEC_ASN1_GET(SEC_ObjectIDTemplate)) == NULL ||
	    SECITEM_AllocItem(pub->arena, &pub->u.ec.publicValue,
	    (unsigned)(1 + len)) == NULL)
		goto fail;
	pub->u.ec.publicValue.data[0] = 0x04;	/* uncompressed point */
	memcpy(pub->u.ec.publicValue.data + 1, xy, len);
	pub->u.ec.size = (unsigned)(coord == 66 ? 521 : coord * 8);
	pub->u.ec.encoding = ECPoint_Uncompressed;
	return pub;
fail:
	if (pub != NULL)
		SECKEY_DestroyPublicKey(pub);
	return NULL;
}

SECKEYPublicKey *
crypto_pubkey_ecdsa_raw(const uint8_t *xy, size_t len)
{
	switch (len) {
	case 64:
		return crypto_pubkey_ec(IKEV2_DH_ECP256, xy, len);
	case 96:
		return crypto_pubkey_ec(IKEV2_DH_ECP384, xy, len);
	case 132:
		return crypto_pubkey_ec(IKEV2_DH_ECP521, xy, len);
	}
	return NULL;
}

/* ---- private keys in the database ---- */

SECKEYPrivateKey *
crypto_privkey_find_by_ckaid(const uint8_t *id, size_t len)
{
	PK11SlotInfo *slot;
	SECKEYPrivateKey *key;
	SECItem item = { siBuffer, (unsigned char *)(uintptr_t)id,
	    (unsigned int)len };

	if (len == 0 || len > 64)
		return NULL;
	slot = PK11_GetInternalKeySlot();
	if (slot == NULL)
		return NULL;
	key = PK11_FindKeyByKeyID(slot, &item, NULL);
	PK11_FreeSlot(slot);
	return key;
}

SECKEYPrivateKey *
crypto_privkey_find_by_pubkey(SECKEYPublicKey *pub)
{
	SECItem *id = NULL;
	SECKEYPrivateKey *key;

	/* NSS sets CKA_ID to SHA-1 of the modulus (RSA) or point (EC). */
	switch (pub->keyType) {
	case rsaKey:
		id = PK11_MakeIDFromPubKey(&pub->u.rsa.modulus);
		break;
	case ecKey:
		id = PK11_MakeIDFromPubKey(&pub->u.ec.publicValue);
		break;
	default:
		return NULL;
	}
	if (id == NULL)
		return NULL;
	key = crypto_privkey_find_by_ckaid(id->data, id->len);
	SECITEM_FreeItem(id, PR_TRUE);
	return key;
}

SECKEYPrivateKey *
crypto_privkey_find_by_nickname(const char *nickname)
{
	PK11SlotInfo *slot;
	SECKEYPrivateKeyList *list;
	SECKEYPrivateKeyListNode *node;
	SECKEYPrivateKey *key = NULL;

	slot = PK11_GetInternalKeySlot();
	if (slot == NULL)
		return NULL;
	list = PK11_ListPrivKeysInSlot(slot, (char *)(uintptr_t)nickname, NULL);
	PK11_FreeSlot(slot);
	if (list == NULL)
		return NULL;
	node = PRIVKEY_LIST_HEAD(list);
	if (!PRIVKEY_LIST_END(node, list))
		key = SECKEY_CopyPrivateKey(node->key);
	SECKEY_DestroyPrivateKeyList(list);
	return key;
}

/* ---- SIGNATURE_HASH_ALGORITHMS ---- */

int
crypto_sig_hash_notify(uint8_t *out, size_t cap, size_t *out_len)
{
	static const uint16_t ours[] = { IKEV2_HASH_SHA2_256,
	    IKEV2_HASH_SHA2_384, IKEV2_HASH_SHA2_512 };
	size_t i;

	if (cap < 2 * sizeof(ours) / sizeof(ours[0]))
		return -1;
	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		out[2 * i] = (uint8_t)(ours[i] >> 8);
		out[2 * i + 1] = (uint8_t)ours[i];
	}
	*out_len = 2 * i;
	return 0;
}

int
crypto_sig_hash_parse(const uint8_t *data, size_t len, uint32_t *mask)
{
	size_t i;

	*mask = 0;
	if (len % 2 != 0 || len > 512) {
		oe_debug("%s: SIGNATURE_HASH_ALGORITHMS data of %zu bytes",
		    __func__, len);
		return -1;
	}
	for (i = 0; i < len; i += 2) {
		uint16_t id = (uint16_t)(data[i] << 8 | data[i + 1]);

		if (id == IKEV2_HASH_SHA2_256 || id == IKEV2_HASH_SHA2_384 ||
		    id == IKEV2_HASH_SHA2_512)
			*mask |= 1u << id;
	}
	return 0;
}
