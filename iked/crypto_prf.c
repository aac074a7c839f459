/*
 * IKEv2 key derivation through NSS's IKE PRF mechanisms.
 */
#include "config.h"

#include <string.h>

#include <pk11pub.h>
#include <pkcs11n.h>
#include <secitem.h>

#include "oe_log.h"
#include "crypto.h"
#include "crypto_prf.h"

/* NSS refuses more than 255 prf+ blocks (RFC 7296 §2.13 counter byte). */
#define PRF_PLUS_MAX_BLOCKS	255

PK11SymKey *
crypto_symkey_import(const uint8_t *data, size_t len)
{
	PK11SlotInfo *slot;
	PK11SymKey *key;
	SECItem item;

	if (len == 0 || len > UINT32_MAX)
		return NULL;
	slot = PK11_GetInternalSlot();
	if (slot == NULL)
		return NULL;
	item.type = siBuffer;
	item.data = (unsigned char *)(uintptr_t)data;
	item.len = (unsigned int)len;
	key = PK11_ImportSymKeyWithFlags(slot, CKM_GENERIC_SECRET_KEY_GEN,
	    PK11_OriginUnwrap, CKA_DERIVE, &item,
	    CKF_SIGN | CKF_VERIFY | CKF_DERIVE | CKF_ENCRYPT | CKF_DECRYPT,
	    PR_FALSE, NULL);
	if (key == NULL)
		oe_debug("%s: %s", __func__, crypto_nss_errstr());
	PK11_FreeSlot(slot);
	return key;
}

int
crypto_symkey_extract(PK11SymKey *key, uint8_t *out, size_t cap, size_t *len)
{
	SECItem *data;

	if (PK11_ExtractKeyValue(key) != SECSuccess) {
		oe_debug("%s: %s", __func__, crypto_nss_errstr());
		return -1;
	}
	data = PK11_GetKeyData(key);	/* borrowed from the key */
	if (data == NULL || data->len > cap)
		return -1;
	memcpy(out, data->data, data->len);
	*len = data->len;
	return 0;
}

static bool
nonce_ok(size_t len)
{
	return len >= CRYPTO_KDF_NONCE_MIN && len <= CRYPTO_NONCE_MAX;
}

PK11SymKey *
crypto_skeyseed(const struct crypto_prf *prf, const uint8_t *ni,
    size_t ni_len, const uint8_t *nr, size_t nr_len, PK11SymKey *gir)
{
	CK_NSS_IKE_PRF_DERIVE_PARAMS p;
	SECItem param;
	PK11SymKey *key;

	if (!nonce_ok(ni_len) || !nonce_ok(nr_len)) {
		oe_debug("%s: nonce lengths %zu/%zu outside %d..%d", __func__,
		    ni_len, nr_len, CRYPTO_KDF_NONCE_MIN, CRYPTO_NONCE_MAX);
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	p.prfMechanism = prf->hmac_mech;
	p.bDataAsKey = CK_TRUE;		/* key = Ni | Nr, data = g^ir */
	p.bRekey = CK_FALSE;
	p.pNi = (CK_BYTE_PTR)(uintptr_t)ni;
	p.ulNiLen = ni_len;
	p.pNr = (CK_BYTE_PTR)(uintptr_t)nr;
	p.ulNrLen = nr_len;
	param.type = siBuffer;
	param.data = (unsigned char *)&p;
	param.len = sizeof(p);
	key = PK11_DeriveWithFlags(gir, CKM_NSS_IKE_PRF_DERIVE, &param,
	    CKM_NSS_IKE_PRF_PLUS_DERIVE, CKA_DERIVE, 0, CKF_DERIVE);
	if (key == NULL)
		oe_err("%s: %s", __func__, crypto_nss_errstr());
	return key;
}

PK11SymKey *
crypto_skeyseed_rekey(const struct crypto_prf *prf, PK11SymKey *old_sk_d,
    PK11SymKey *gir_new, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len)
{
	CK_NSS_IKE_PRF_DERIVE_PARAMS p;
	SECItem param;
	PK11SymKey *key;

	if (!nonce_ok(ni_len) || !nonce_ok(nr_len) || gir_new == NULL)
		return NULL;
	memset(&p, 0, sizeof(p));
	p.prfMechanism = prf->hmac_mech;
	p.bDataAsKey = CK_FALSE;	/* key = SK_d, data = g^ir|Ni|Nr */
	p.bRekey = CK_TRUE;
	p.pNi = (CK_BYTE_PTR)(uintptr_t)ni;
	p.ulNiLen = ni_len;
	p.pNr = (CK_BYTE_PTR)(uintptr_t)nr;
	p.ulNrLen = nr_len;
	p.hNewKey = PK11_GetSymKeyHandle(gir_new);
	param.type = siBuffer;
	param.data = (unsigned char *)&p;
	param.len = sizeof(p);
	key = PK11_DeriveWithFlags(old_sk_d, CKM_NSS_IKE_PRF_DERIVE, &param,
	    CKM_NSS_IKE_PRF_PLUS_DERIVE, CKA_DERIVE, 0, CKF_DERIVE);
	if (key == NULL)
		oe_err("%s: %s", __func__, crypto_nss_errstr());
	return key;
}

PK11SymKey *
crypto_prf_plus(const struct crypto_prf *prf, PK11SymKey *key,
    PK11SymKey *seed_key, const uint8_t *seed, size_t seed_len,
    size_t out_len)
{
	CK_NSS_IKE_PRF_PLUS_DERIVE_PARAMS p;
	SECItem param;
	PK11SymKey *out;

	if (out_len == 0 || out_len > PRF_PLUS_MAX_BLOCKS * prf->out_len ||
	    out_len > INT32_MAX || seed_len > 0xffff ||
	    (seed_key == NULL && seed_len == 0)) {
		oe_debug("%s: bad sizes: out %zu seed %zu", __func__, out_len,
		    seed_len);
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	p.prfMechanism = prf->hmac_mech;
	p.bHasSeedKey = seed_key != NULL ? CK_TRUE : CK_FALSE;
	p.hSeedKey = seed_key != NULL ? PK11_GetSymKeyHandle(seed_key) : 0;
	p.pSeedData = (CK_BYTE_PTR)(uintptr_t)seed;
	p.ulSeedDataLen = seed_len;
	param.type = siBuffer;
	param.data = (unsigned char *)&p;
	param.len = sizeof(p);
	out = PK11_DeriveWithFlags(key, CKM_NSS_IKE_PRF_PLUS_DERIVE, &param,
	    CKM_EXTRACT_KEY_FROM_KEY, CKA_DERIVE, (int)out_len, CKF_DERIVE);
	if (out == NULL)
		oe_err("%s: %s", __func__, crypto_nss_errstr());
	return out;
}

PK11SymKey *
crypto_prf_to_key(const struct crypto_prf *prf, PK11SymKey *key,
    const uint8_t *data, size_t len)
{
	CK_NSS_IKE_PRF_DERIVE_PARAMS p;
	SECItem param;
	PK11SymKey *out;

	if (len == 0 || len > 0xffff)
		return NULL;
	/* Mode "prf(inKey, Ni | Nr)" with Nr empty is exactly prf(K, data). */
	memset(&p, 0, sizeof(p));
	p.prfMechanism = prf->hmac_mech;
	p.bDataAsKey = CK_FALSE;
	p.bRekey = CK_FALSE;
	p.pNi = (CK_BYTE_PTR)(uintptr_t)data;
	p.ulNiLen = len;
	p.pNr = NULL;
	p.ulNrLen = 0;
	param.type = siBuffer;
	param.data = (unsigned char *)&p;
	param.len = sizeof(p);
	out = PK11_DeriveWithFlags(key, CKM_NSS_IKE_PRF_DERIVE, &param,
	    prf->hmac_mech, CKA_SIGN, 0, CKF_SIGN | CKF_VERIFY | CKF_DERIVE);
	if (out == NULL)
		oe_err("%s: %s", __func__, crypto_nss_errstr());
	return out;
}

int
crypto_prf_bytes(const struct crypto_prf *prf, PK11SymKey *key,
    const uint8_t *data, size_t len, uint8_t *out, size_t cap)
{
	PK11Context *ctx = NULL;
	SECItem noparam = { siBuffer, NULL, 0 };
	unsigned int outlen = 0;
	int rc = -1;

	if (cap < prf->out_len || len > UINT32_MAX)
		return -1;
	ctx = PK11_CreateContextBySymKey(prf->hmac_mech, CKA_SIGN, key,
	    &noparam);
	if (ctx == NULL)
		goto out;
	if (PK11_DigestBegin(ctx) != SECSuccess ||
	    PK11_DigestOp(ctx, data, (unsigned int)len) != SECSuccess ||
	    PK11_DigestFinal(ctx, out, &outlen, (unsigned int)cap) !=
	    SECSuccess || outlen != prf->out_len)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		oe_err("%s: %s failed: %s", __func__, prf->name,
		    crypto_nss_errstr());
	if (ctx != NULL)
		PK11_DestroyContext(ctx, PR_TRUE);
	return rc;
}

PK11SymKey *
crypto_symkey_slice(PK11SymKey *base, size_t offset, size_t len,
    CK_MECHANISM_TYPE target, CK_FLAGS flags)
{
	CK_EXTRACT_PARAMS bit_offset;
	SECItem param;
	CK_ATTRIBUTE_TYPE op;
	PK11SymKey *key;

	if (len == 0 || len > INT32_MAX || offset > (SIZE_MAX / 8))
		return NULL;
	bit_offset = (CK_EXTRACT_PARAMS)(offset * 8);
	param.type = siBuffer;
	param.data = (unsigned char *)&bit_offset;
	param.len = sizeof(bit_offset);
	op = (flags & CKF_ENCRYPT) ? CKA_ENCRYPT :
	    (flags & CKF_SIGN) ? CKA_SIGN : CKA_DERIVE;
	key = PK11_DeriveWithFlags(base, CKM_EXTRACT_KEY_FROM_KEY, &param,
	    target, op, (int)len, flags);
	if (key == NULL)
		oe_err("%s: [%zu,+%zu): %s", __func__, offset, len,
		    crypto_nss_errstr());
	return key;
}

void
crypto_ike_keys_clear(struct crypto_ike_keys *keys)
{
	PK11SymKey **all[] = { &keys->sk_d, &keys->sk_ai, &keys->sk_ar,
	    &keys->sk_ei, &keys->sk_er, &keys->sk_pi, &keys->sk_pr };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (*all[i] != NULL)
			PK11_FreeSymKey(*all[i]);
		*all[i] = NULL;
	}
	if (keys->wrapkey != NULL)
		PK11_FreeSymKey(keys->wrapkey);
	explicit_bzero(keys, sizeof(*keys));
}

int
crypto_ike_keys_park(struct crypto_ike_keys *keys, PK11SymKey *wrapkey)
{
	PK11SymKey **others[] = { &keys->sk_ai, &keys->sk_ar, &keys->sk_ei,
	    &keys->sk_er, &keys->sk_pi, &keys->sk_pr };
	size_t i;

	if (keys->wrapkey != NULL)
		return 0;
	if (keys->sk_d == NULL || crypto_key_park(wrapkey, keys->sk_d,
	    PK11_GetMechanism(keys->sk_d), CKF_DERIVE, &keys->sk_d_parked) != 0)
		return -1;
	keys->wrapkey = PK11_ReferenceSymKey(wrapkey);
	PK11_FreeSymKey(keys->sk_d);
	keys->sk_d = NULL;
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		if (*others[i] != NULL)
			PK11_FreeSymKey(*others[i]);
		*others[i] = NULL;
	}
	return 0;
}

PK11SymKey *
crypto_ike_keys_sk_d(const struct crypto_ike_keys *keys)
{
	if (keys->sk_d != NULL)
		return PK11_ReferenceSymKey(keys->sk_d);
	if (keys->wrapkey == NULL)
		return NULL;
	return crypto_key_unpark(keys->wrapkey, &keys->sk_d_parked);
}

/* Extract the salt bytes at `offset` of the key material. */
static int
salt_extract(PK11SymKey *keymat, size_t offset, uint8_t *salt, size_t len)
{
	PK11SymKey *k;
	size_t got = 0;
	int rc;

	k = crypto_symkey_slice(keymat, offset, len, CKM_GENERIC_SECRET_KEY_GEN,
	    CKF_DERIVE);
	if (k == NULL)
		return -1;
	rc = crypto_symkey_extract(k, salt, len, &got);
	PK11_FreeSymKey(k);
	return (rc == 0 && got == len) ? 0 : -1;
}

int
crypto_ike_keys_derive(const struct crypto_prf *prf,
    const struct crypto_encr *encr, const struct crypto_integ *integ,
    PK11SymKey *skeyseed, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len,
    const uint8_t spi_i[CRYPTO_SPI_LEN], const uint8_t spi_r[CRYPTO_SPI_LEN],
    struct crypto_ike_keys *keys)
{
	uint8_t seed[2 * CRYPTO_NONCE_MAX + 2 * CRYPTO_SPI_LEN];
	size_t seed_len, off = 0, d_len, a_len, e_len, p_len, total;
	PK11SymKey *keymat = NULL;
	const CK_FLAGS mac = CKF_SIGN | CKF_VERIFY | CKF_DERIVE;
	const CK_FLAGS cipher = CKF_ENCRYPT | CKF_DECRYPT;
	int rc = -1;

	memset(keys, 0, sizeof(*keys));
	if (!nonce_ok(ni_len) || !nonce_ok(nr_len))
		return -1;
	/* AEAD needs no integrity transform; CBC requires one. */
	if (encr->aead != (integ == NULL)) {
		oe_err("%s: %s with%s integrity transform", __func__,
		    encr->name, integ == NULL ? "out" : "");
		return -1;
	}
	memcpy(seed, ni, ni_len);
	memcpy(seed + ni_len, nr, nr_len);
	memcpy(seed + ni_len + nr_len, spi_i, CRYPTO_SPI_LEN);
	memcpy(seed + ni_len + nr_len + CRYPTO_SPI_LEN, spi_r, CRYPTO_SPI_LEN);
	seed_len = ni_len + nr_len + 2 * CRYPTO_SPI_LEN;

	/* RFC 7296 §2.14: SK_d and SK_p have the PRF's preferred key length. */
	d_len = prf->out_len;
	p_len = prf->out_len;
	a_len = integ != NULL ? integ->key_len : 0;
	e_len = encr->key_len + encr->salt_len;
	total = d_len + 2 * a_len + 2 * e_len + 2 * p_len;

	keymat = crypto_prf_plus(prf, skeyseed, NULL, seed, seed_len, total);
	if (keymat == NULL)
		goto out;

	keys->sk_d = crypto_symkey_slice(keymat, off, d_len, prf->hmac_mech,
	    CKF_DERIVE);
	off += d_len;
	if (integ != NULL) {
		keys->sk_ai = crypto_symkey_slice(keymat, off, a_len,
		    integ->hmac_mech, mac);
		keys->sk_ar = crypto_symkey_slice(keymat, off + a_len, a_len,
		    integ->hmac_mech, mac);
		if (keys->sk_ai == NULL || keys->sk_ar == NULL)
			goto out;
		off += 2 * a_len;
	}
	keys->sk_ei = crypto_symkey_slice(keymat, off, encr->key_len,
	    encr->mech, cipher);
	keys->sk_er = crypto_symkey_slice(keymat, off + e_len, encr->key_len,
	    encr->mech, cipher);
	if (keys->sk_d == NULL || keys->sk_ei == NULL || keys->sk_er == NULL)
		goto out;
	if (encr->salt_len > 0) {
		keys->salt_len = encr->salt_len;
		if (salt_extract(keymat, off + encr->key_len, keys->salt_i,
		    encr->salt_len) != 0 ||
		    salt_extract(keymat, off + e_len + encr->key_len,
		    keys->salt_r, encr->salt_len) != 0)
			goto out;
	}
	off += 2 * e_len;
	keys->sk_pi = crypto_symkey_slice(keymat, off, p_len, prf->hmac_mech,
	    mac);
	keys->sk_pr = crypto_symkey_slice(keymat, off + p_len, p_len,
	    prf->hmac_mech, mac);
	if (keys->sk_pi == NULL || keys->sk_pr == NULL)
		goto out;
	rc = 0;
out:
	if (keymat != NULL)
		PK11_FreeSymKey(keymat);
	if (rc != 0)
		crypto_ike_keys_clear(keys);
	return rc;
}

int
crypto_child_keymat(const struct crypto_prf *prf, PK11SymKey *sk_d,
    PK11SymKey *gir_new, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len, uint8_t *out, size_t len)
{
	uint8_t seed[2 * CRYPTO_NONCE_MAX];
	PK11SymKey *keymat;
	size_t got = 0;
	int rc;

	if (!nonce_ok(ni_len) || !nonce_ok(nr_len))
		return -1;
	memcpy(seed, ni, ni_len);
	memcpy(seed + ni_len, nr, nr_len);
	keymat = crypto_prf_plus(prf, sk_d, gir_new, seed, ni_len + nr_len,
	    len);
	if (keymat == NULL)
		return -1;
	rc = crypto_symkey_extract(keymat, out, len, &got);
	PK11_FreeSymKey(keymat);
	if (rc != 0 || got != len) {
		explicit_bzero(out, len);
		return -1;
	}
	return 0;
}

size_t
crypto_child_keymat_len(const struct crypto_encr *encr,
    const struct crypto_integ *integ)
{
	size_t one = encr->key_len + encr->salt_len +
	    (integ != NULL ? integ->key_len : 0);

	return 2 * one;
}

int
crypto_child_keys_split(const struct crypto_encr *encr,
    const struct crypto_integ *integ, const uint8_t *keymat, size_t len,
    struct crypto_child_keys *keys)
{
	size_t e = encr->key_len + encr->salt_len;
	size_t a = integ != NULL ? integ->key_len : 0;

	memset(keys, 0, sizeof(*keys));
	if (encr->aead != (integ == NULL) || len < 2 * (e + a))
		return -1;
	keys->enc_len = e;
	keys->integ_len = a;
	keys->enc_i = keymat;
	keys->integ_i = a > 0 ? keymat + e : NULL;
	keys->enc_r = keymat + e + a;
	keys->integ_r = a > 0 ? keymat + 2 * e + a : NULL;
	return 0;
}
