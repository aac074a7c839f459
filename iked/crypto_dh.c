/*
 * Key exchange: MODP (RFC 3526), ECP (RFC 5903) and X25519 (RFC 8031)
 * through NSS.  The private key is a SECKEYPrivateKey in the internal
 * token; g^ir comes back as a PK11SymKey and is never copied out here
 * except for the X25519 all-zero check.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <keyhi.h>
#include <pk11pub.h>
#include <secitem.h>
#include <secoid.h>
#include <secasn1.h>

#include "oe_log.h"
#include "crypto.h"
#include "crypto_dh.h"

enum dh_kind { DH_MODP, DH_ECP, DH_X25519 };

struct dh_desc {
	struct crypto_dh_group	 pub;
	enum dh_kind		 kind;
	SECOidTag		 curve;		/* ECP, X25519 */
	const uint8_t		*prime;		/* MODP */
};

/*
 * RFC 3526 MODP primes (generator 2), big-endian.  Generated from the
 * RFC's definition p = 2^N - 2^(N-64) - 1 + 2^64 * (floor(2^(N-130) pi) + c)
 * and checked against it.
 */
static const uint8_t modp2048_prime[256] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc9, 0x0f, 0xda, 0xa2,
	0x21, 0x68, 0xc2, 0x34, 0xc4, 0xc6, 0x62, 0x8b, 0x80, 0xdc, 0x1c, 0xd1,
	0x29, 0x02, 0x4e, 0x08, 0x8a, 0x67, 0xcc, 0x74, 0x02, 0x0b, 0xbe, 0xa6,
	0x3b, 0x13, 0x9b, 0x22, 0x51, 0x4a, 0x08, 0x79, 0x8e, 0x34, 0x04, 0xdd,
	0xef, 0x95, 0x19, 0xb3, 0xcd, 0x3a, 0x43, 0x1b, 0x30, 0x2b, 0x0a, 0x6d,
	0xf2, 0x5f, 0x14, 0x37, 0x4f, 0xe1, 0x35, 0x6d, 0x6d, 0x51, 0xc2, 0x45,
	0xe4, 0x85, 0xb5, 0x76, 0x62, 0x5e, 0x7e, 0xc6, 0xf4, 0x4c, 0x42, 0xe9,
	0xa6, 0x37, 0xed, 0x6b, 0x0b, 0xff, 0x5c, 0xb6, 0xf4, 0x06, 0xb7, 0xed,
	0xee, 0x38, 0x6b, 0xfb, 0x5a, 0x89, 0x9f, 0xa5, 0xae, 0x9f, 0x24, 0x11,
	0x7c, 0x4b, 0x1f, 0xe6, 0x49, 0x28, 0x66, 0x51, 0xec, 0xe4, 0x5b, 0x3d,
	0xc2, 0x00, 0x7c, 0xb8, 0xa1, 0x63, 0xbf, 0x05, 0x98, 0xda, 0x48, 0x36,
	0x1c, 0x55, 0xd3, 0x9a, 0x69, 0x16, 0x3f, 0xa8, 0xfd, 0x24, 0xcf, 0x5f,
	0x83, 0x65, 0x5d, 0x23, 0xdc, 0xa3, 0xad, 0x96, 0x1c, 0x62, 0xf3, 0x56,
	0x20, 0x85, 0x52, 0xbb, 0x9e, 0xd5, 0x29, 0x07, 0x70, 0x96, 0x96, 0x6d,
	0x67, 0x0c, 0x35, 0x4e, 0x4a, 0xbc, 0x98, 0x04, 0xf1, 0x74, 0x6c, 0x08,
	0xca, 0x18, 0x21, 0x7c, 0x32, 0x90, 0x5e, 0x46, 0x2e, 0x36, 0xce, 0x3b,
	0xe3, 0x9e, 0x77, 0x2c, 0x18, 0x0e, 0x86, 0x03, 0x9b, 0x27, 0x83, 0xa2,
	0xec, 0x07, 0xa2, 0x8f, 0xb5, 0xc5, 0x5d, 0xf0, 0x6f, 0x4c, 0x52, 0xc9,
	0xde, 0x2b, 0xcb, 0xf6, 0x95, 0x58, 0x17, 0x18, 0x39, 0x95, 0x49, 0x7c,
	0xea, 0x95, 0x6a, 0xe5, 0x15, 0xd2, 0x26, 0x18, 0x98, 0xfa, 0x05, 0x10,
	0x15, 0x72, 0x8e, 0x5a, 0x8a, 0xac, 0xaa, 0x68, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff,
};
static const uint8_t modp3072_prime[384] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc9, 0x0f, 0xda, 0xa2,
	0x21, 0x68, 0xc2, 0x34, 0xc4, 0xc6, 0x62, 0x8b, 0x80, 0xdc, 0x1c, 0xd1,
	0x29, 0x02, 0x4e, 0x08, 0x8a, 0x67, 0xcc, 0x74, 0x02, 0x0b, 0xbe, 0xa6,
	0x3b, 0x13, 0x9b, 0x22, 0x51, 0x4a, 0x08, 0x79, 0x8e, 0x34, 0x04, 0xdd,
	0xef, 0x95, 0x19, 0xb3, 0xcd, 0x3a, 0x43, 0x1b, 0x30, 0x2b, 0x0a, 0x6d,
	0xf2, 0x5f, 0x14, 0x37, 0x4f, 0xe1, 0x35, 0x6d, 0x6d, 0x51, 0xc2, 0x45,
	0xe4, 0x85, 0xb5, 0x76, 0x62, 0x5e, 0x7e, 0xc6, 0xf4, 0x4c, 0x42, 0xe9,
	0xa6, 0x37, 0xed, 0x6b, 0x0b, 0xff, 0x5c, 0xb6, 0xf4, 0x06, 0xb7, 0xed,
	0xee, 0x38, 0x6b, 0xfb, 0x5a, 0x89, 0x9f, 0xa5, 0xae, 0x9f, 0x24, 0x11,
	0x7c, 0x4b, 0x1f, 0xe6, 0x49, 0x28, 0x66, 0x51, 0xec, 0xe4, 0x5b, 0x3d,
	0xc2, 0x00, 0x7c, 0xb8, 0xa1, 0x63, 0xbf, 0x05, 0x98, 0xda, 0x48, 0x36,
	0x1c, 0x55, 0xd3, 0x9a, 0x69, 0x16, 0x3f, 0xa8, 0xfd, 0x24, 0xcf, 0x5f,
	0x83, 0x65, 0x5d, 0x23, 0xdc, 0xa3, 0xad, 0x96, 0x1c, 0x62, 0xf3, 0x56,
	0x20, 0x85, 0x52, 0xbb, 0x9e, 0xd5, 0x29, 0x07, 0x70, 0x96, 0x96, 0x6d,
	0x67, 0x0c, 0x35, 0x4e, 0x4a, 0xbc, 0x98, 0x04, 0xf1, 0x74, 0x6c, 0x08,
	0xca, 0x18, 0x21, 0x7c, 0x32, 0x90, 0x5e, 0x46, 0x2e, 0x36, 0xce, 0x3b,
	0xe3, 0x9e, 0x77, 0x2c, 0x18, 0x0e, 0x86, 0x03, 0x9b, 0x27, 0x83, 0xa2,
	0xec, 0x07, 0xa2, 0x8f, 0xb5, 0xc5, 0x5d, 0xf0, 0x6f, 0x4c, 0x52, 0xc9,
	0xde, 0x2b, 0xcb, 0xf6, 0x95, 0x58, 0x17, 0x18, 0x39, 0x95, 0x49, 0x7c,
	0xea, 0x95, 0x6a, 0xe5, 0x15, 0xd2, 0x26, 0x18, 0x98, 0xfa, 0x05, 0x10,
	0x15, 0x72, 0x8e, 0x5a, 0x8a, 0xaa, 0xc4, 0x2d, 0xad, 0x33, 0x17, 0x0d,
	0x04, 0x50, 0x7a, 0x33, 0xa8, 0x55, 0x21, 0xab, 0xdf, 0x1c, 0xba, 0x64,
	0xec, 0xfb, 0x85, 0x04, 0x58, 0xdb, 0xef, 0x0a, 0x8a, 0xea, 0x71, 0x57,
	0x5d, 0x06, 0x0c, 0x7d, 0xb3, 0x97, 0x0f, 0x85, 0xa6, 0xe1, 0xe4, 0xc7,
	0xab, 0xf5, 0xae, 0x8c, 0xdb, 0x09, 0x33, 0xd7, 0x1e, 0x8c, 0x94, 0xe0,
	0x4a, 0x25, 0x61, 0x9d, 0xce, 0xe3, 0xd2, 0x26, 0x1a, 0xd2, 0xee, 0x6b,
	0xf1, 0x2f, 0xfa, 0x06, 0xd9, 0x8a, 0x08, 0x64, 0xd8, 0x76, 0x02, 0x73,
	0x3e, 0xc8, 0x6a, 0x64, 0x52, 0x1f, 0x2b, 0x18, 0x17, 0x7b, 0x20, 0x0c,
	0xbb, 0xe1, 0x17, 0x57, 0x7a, 0x61, 0x5d, 0x6c, 0x77, 0x09, 0x88, 0xc0,
	0xba, 0xd9, 0x46, 0xe2, 0x08, 0xe2, 0x4f, 0xa0, 0x74, 0xe5, 0xab, 0x31,
	0x43, 0xdb, 0x5b, 0xfc, 0xe0, 0xfd, 0x10, 0x8e, 0x4b, 0x82, 0xd1, 0x20,
	0xa9, 0x3a, 0xd2, 0xca, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

static const struct dh_desc dh_table[] = {
	{ { IKEV2_DH_MODP2048, "MODP_2048", 256, 256 }, DH_MODP,
	  SEC_OID_UNKNOWN, modp2048_prime },
	{ { IKEV2_DH_MODP3072, "MODP_3072", 384, 384 }, DH_MODP,
	  SEC_OID_UNKNOWN, modp3072_prime },
	{ { IKEV2_DH_ECP256, "ECP_256", 64, 32 }, DH_ECP,
	  SEC_OID_ANSIX962_EC_PRIME256V1, NULL },
	{ { IKEV2_DH_ECP384, "ECP_384", 96, 48 }, DH_ECP,
	  SEC_OID_SECG_EC_SECP384R1, NULL },
	{ { IKEV2_DH_ECP521, "ECP_521", 132, 66 }, DH_ECP,
	  SEC_OID_SECG_EC_SECP521R1, NULL },
	{ { IKEV2_DH_CURVE25519, "CURVE25519", 32, 32 }, DH_X25519,
	  SEC_OID_CURVE25519, NULL },
};

struct crypto_dh {
	const struct dh_desc	*desc;
	SECKEYPrivateKey	*priv;
	SECItem			*ec_params;	/* DER OID, ECP/X25519 */
	uint8_t			*pub;		/* KE form, desc->pub.ke_len */
};

static const uint8_t modp_generator = 2;

static const struct dh_desc *
dh_desc_lookup(uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(dh_table) / sizeof(dh_table[0]); i++) {
		if (dh_table[i].pub.id == id)
			return &dh_table[i];
	}
	return NULL;
}

const struct crypto_dh_group *
crypto_dh_group_lookup(uint16_t id)
{
	const struct dh_desc *d = dh_desc_lookup(id);

	return d != NULL ? &d->pub : NULL;
}

const uint8_t *
crypto_dh_modp_prime(uint16_t id, size_t *len)
{
	const struct dh_desc *d = dh_desc_lookup(id);

	if (d == NULL || d->kind != DH_MODP)
		return NULL;
	*len = d->pub.ke_len;
	return d->prime;
}

const struct crypto_dh_group *
crypto_dh_get_group(const struct crypto_dh *dh)
{
	return &dh->desc->pub;
}

const uint8_t *
crypto_dh_public(const struct crypto_dh *dh, size_t *len)
{
	*len = dh->desc->pub.ke_len;
	return dh->pub;
}

void
crypto_dh_free(struct crypto_dh *dh)
{
	if (dh == NULL)
		return;
	if (dh->priv != NULL)
		SECKEY_DestroyPrivateKey(dh->priv);
	if (dh->ec_params != NULL)
		SECITEM_FreeItem(dh->ec_params, PR_TRUE);
	free(dh->pub);
	free(dh);
}

/* The named-curve parameters as NSS wants them: a DER OBJECT IDENTIFIER. */
static SECItem *
dh_ec_params(SECOidTag curve)
{
	const SECOidData *oid = SECOID_FindOIDByTag(curve);

	if (oid == NULL)
		return NULL;
	return SEC_ASN1EncodeItem(NULL, NULL, &oid->oid,
	    SEC_ASN1_GET(SEC_ObjectIDTemplate));
}

static struct crypto_dh *
dh_alloc(const struct dh_desc *desc)
{
	struct crypto_dh *dh;

	dh = calloc(1, sizeof(*dh));
	if (dh == NULL)
		return NULL;
	dh->desc = desc;
	dh->pub = calloc(1, desc->pub.ke_len);
	if (dh->pub == NULL) {
		free(dh);
		return NULL;
	}
	if (desc->kind != DH_MODP) {
		dh->ec_params = dh_ec_params(desc->curve);
		if (dh->ec_params == NULL) {
			crypto_dh_free(dh);
			return NULL;
		}
	}
	return dh;
}

/*
 * Store the public value NSS produced in KE form: MODP left-padded to
 * the prime's length (RFC 7296 §2.14), ECP without the 0x04 point
 * format byte (RFC 5903 §7), X25519 as is (RFC 8031 §2).
 */
static int
dh_store_public(struct crypto_dh *dh, const SECItem *value)
{
	size_t ke_len = dh->desc->pub.ke_len;

	switch (dh->desc->kind) {
	case DH_MODP:
		if (value->len == 0 || value->len > ke_len)
			return -1;
		memset(dh->pub, 0, ke_len - value->len);
		memcpy(dh->pub + (ke_len - value->len), value->data, value->len);
		return 0;
	case DH_ECP:
		if (value->len != ke_len + 1 || value->data[0] != 0x04)
			return -1;
		memcpy(dh->pub, value->data + 1, ke_len);
		return 0;
	case DH_X25519:
		if (value->len != ke_len)
			return -1;
		memcpy(dh->pub, value->data, ke_len);
		return 0;
	}
	return -1;
}

struct crypto_dh *
crypto_dh_new(uint16_t group)
{
	const struct dh_desc *desc = dh_desc_lookup(group);
	struct crypto_dh *dh = NULL;
	SECKEYPublicKey *pubk = NULL;
	SECKEYDHParams params;

	if (desc == NULL) {
		oe_debug("%s: key exchange method %u not supported", __func__,
		    group);
		return NULL;
	}
	dh = dh_alloc(desc);
	if (dh == NULL)
		goto fail;

	if (desc->kind == DH_MODP) {
		memset(&params, 0, sizeof(params));
		params.prime.data = (unsigned char *)(uintptr_t)desc->prime;
		params.prime.len = (unsigned int)desc->pub.ke_len;
		params.base.data = (unsigned char *)(uintptr_t)&modp_generator;
		params.base.len = 1;
		dh->priv = SECKEY_CreateDHPrivateKey(&params, &pubk, NULL);
	} else {
		dh->priv = SECKEY_CreateECPrivateKey(dh->ec_params, &pubk, NULL);
	}
	if (dh->priv == NULL || pubk == NULL) {
		oe_err("%s: %s key generation failed: %s", __func__,
		    desc->pub.name, crypto_nss_errstr());
		goto fail;
	}
	if (dh_store_public(dh, desc->kind == DH_MODP ?
	    &pubk->u.dh.publicValue : &pubk->u.ec.publicValue) != 0) {
		oe_err("%s: %s: unexpected public value form from NSS",
		    __func__, desc->pub.name);
		goto fail;
	}
	SECKEY_DestroyPublicKey(pubk);
	return dh;
fail:
	if (pubk != NULL)
		SECKEY_DestroyPublicKey(pubk);
	crypto_dh_free(dh);
	return NULL;
}

/*
 * RFC 7296 §2.14 / RFC 6989 §2.1: the peer's MODP value must satisfy
 * 1 < y < p-1; anything else (0, 1, p-1, >= p) leaks or forces the key.
 */
static int
dh_modp_check(const struct dh_desc *desc, const uint8_t *y)
{
	size_t len = desc->pub.ke_len, i;
	uint8_t pm1[384];
	bool gt1 = false;

	if (len > sizeof(pm1))
		return -1;
	for (i = 0; i + 1 < len; i++) {
		if (y[i] != 0) {
			gt1 = true;
			break;
		}
	}
	if (!gt1 && y[len - 1] <= 1)
		return -1;
	/* p is odd, so p-1 only differs in the last byte. */
	memcpy(pm1, desc->prime, len);
	pm1[len - 1] = (uint8_t)(pm1[len - 1] - 1);
	/* Equal-length big-endian integers compare like byte strings. */
	if (memcmp(y, pm1, len) >= 0)
		return -1;
	return 0;
}

/*
 * X25519 with a small-order peer point yields all zeros (RFC 7748 §6.1,
 * RFC 8031 §2.3): such a key must be refused.
 */
static int
dh_check_nonzero(PK11SymKey *key)
{
	SECItem *data;
	unsigned int i;
	uint8_t acc = 0;

	if (PK11_ExtractKeyValue(key) != SECSuccess)
		return -1;
	data = PK11_GetKeyData(key);
	if (data == NULL || data->len == 0)
		return -1;
	for (i = 0; i < data->len; i++)
		acc |= data->data[i];
	return acc != 0 ? 0 : -1;
}

PK11SymKey *
crypto_dh_shared(struct crypto_dh *dh, const uint8_t *peer, size_t peer_len)
{
	const struct dh_desc *desc = dh->desc;
	SECKEYPublicKey peerk;
	uint8_t point[1 + 132];
	PK11SymKey *key = NULL;

	if (peer_len != desc->pub.ke_len) {
		oe_debug("%s: %s: peer KE data is %zu bytes, expected %zu",
		    __func__, desc->pub.name, peer_len, desc->pub.ke_len);
		return NULL;
	}
	memset(&peerk, 0, sizeof(peerk));
	switch (desc->kind) {
	case DH_MODP:
		if (dh_modp_check(desc, peer) != 0) {
			oe_debug("%s: %s: peer value not in 1 < y < p-1",
			    __func__, desc->pub.name);
			return NULL;
		}
		peerk.keyType = dhKey;
		peerk.u.dh.prime.data = (unsigned char *)(uintptr_t)desc->prime;
		peerk.u.dh.prime.len = (unsigned int)desc->pub.ke_len;
		peerk.u.dh.base.data = (unsigned char *)(uintptr_t)&modp_generator;
		peerk.u.dh.base.len = 1;
		peerk.u.dh.publicValue.data = (unsigned char *)(uintptr_t)peer;
		peerk.u.dh.publicValue.len = (unsigned int)peer_len;
		key = PK11_PubDerive(dh->priv, &peerk, PR_FALSE, NULL, NULL,
		    CKM_DH_PKCS_DERIVE, CKM_GENERIC_SECRET_KEY_GEN, CKA_DERIVE,
		    (int)desc->pub.secret_len, NULL);
		break;
	case DH_ECP:
	case DH_X25519:
		peerk.keyType = ecKey;
		peerk.u.ec.DEREncodedParams = *dh->ec_params;
		if (desc->kind == DH_ECP) {
			point[0] = 0x04;	/* uncompressed (SEC 1) */
			memcpy(point + 1, peer, peer_len);
			peerk.u.ec.publicValue.data = point;
			peerk.u.ec.publicValue.len = (unsigned int)peer_len + 1;
		} else {
			peerk.u.ec.publicValue.data =
			    (unsigned char *)(uintptr_t)peer;
			peerk.u.ec.publicValue.len = (unsigned int)peer_len;
		}
		/* NSS checks the point is on the curve before deriving. */
		key = PK11_PubDeriveWithKDF(dh->priv, &peerk, PR_FALSE, NULL,
		    NULL, CKM_ECDH1_DERIVE, CKM_GENERIC_SECRET_KEY_GEN,
		    CKA_DERIVE, 0, CKD_NULL, NULL, NULL);
		break;
	}
	if (key == NULL) {
		oe_debug("%s: %s: derivation refused: %s", __func__,
		    desc->pub.name, crypto_nss_errstr());
		return NULL;
	}
	if (desc->kind == DH_X25519 && dh_check_nonzero(key) != 0) {
		oe_debug("%s: %s: all-zero shared secret (small-order peer "
		    "point) refused", __func__, desc->pub.name);
		PK11_FreeSymKey(key);
		return NULL;
	}
	return key;
}

/*
 * Known-answer tests need a private key with a given value: create it
 * as a session object with a unique CKA_ID and look it up again as a
 * SECKEYPrivateKey.
 */
struct crypto_dh *
crypto_dh_new_fixed(uint16_t group, const uint8_t *priv, size_t priv_len,
    const uint8_t *pub, size_t pub_len)
{
	const struct dh_desc *desc = dh_desc_lookup(group);
	struct crypto_dh *dh = NULL;
	PK11SlotInfo *slot = NULL;
	PK11GenericObject *obj = NULL;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE kt = CKK_EC;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	uint8_t id[16];
	SECItem iditem;
	CK_ATTRIBUTE tmpl[8];

	if (desc == NULL || desc->kind == DH_MODP || pub_len != desc->pub.ke_len)
		return NULL;
	dh = dh_alloc(desc);
	if (dh == NULL)
		return NULL;
	memcpy(dh->pub, pub, pub_len);
	if (crypto_random(id, sizeof(id)) != 0)
		goto fail;
	tmpl[0] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	tmpl[1] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &kt, sizeof(kt) };
	tmpl[2] = (CK_ATTRIBUTE){ CKA_TOKEN, &no, sizeof(no) };
	tmpl[3] = (CK_ATTRIBUTE){ CKA_DERIVE, &yes, sizeof(yes) };
	tmpl[4] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, dh->ec_params->data,
	    dh->ec_params->len };
	tmpl[5] = (CK_ATTRIBUTE){ CKA_VALUE, (void *)(uintptr_t)priv,
	    (CK_ULONG)priv_len };
	tmpl[6] = (CK_ATTRIBUTE){ CKA_ID, id, sizeof(id) };
	tmpl[7] = (CK_ATTRIBUTE){ CKA_PRIVATE, &no, sizeof(no) };
	slot = PK11_GetInternalSlot();
	if (slot == NULL)
		goto fail;
	obj = PK11_CreateGenericObject(slot, tmpl, 8, PR_FALSE);
	if (obj == NULL) {
		oe_debug("%s: import failed: %s", __func__, crypto_nss_errstr());
		goto fail;
	}
	iditem.type = siBuffer;
	iditem.data = id;
	iditem.len = sizeof(id);
	dh->priv = PK11_FindKeyByKeyID(slot, &iditem, NULL);
	if (dh->priv == NULL) {
		oe_debug("%s: lookup failed: %s", __func__, crypto_nss_errstr());
		goto fail;
	}
	/* The SECKEYPrivateKey holds its own reference to the object. */
	PK11_DestroyGenericObject(obj);
	PK11_FreeSlot(slot);
	return dh;
fail:
	if (obj != NULL) {
		PK11_DestroyTokenObject(slot, PK11_GetObjectHandle(
		    PK11_TypeGeneric, obj, NULL));
		PK11_DestroyGenericObject(obj);
	}
	if (slot != NULL)
		PK11_FreeSlot(slot);
	crypto_dh_free(dh);
	return NULL;
}
