/*
 * Encrypted payload protection (RFC 7296 §3.14) on NSS.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <pk11pub.h>
#include <pkcs11n.h>
#include <secport.h>

#include "oe_log.h"
#include "crypto.h"
#include "crypto_sk.h"

/* IKE messages are far smaller; bound arithmetic well below UINT_MAX. */
#define SK_MAX_LEN	(1u << 20)
#define AEAD_TAG_LEN	16

struct crypto_sk {
	const struct crypto_encr	*encr;
	const struct crypto_integ	*integ;	/* NULL for AEAD */
	PK11SymKey			*enc_key;
	PK11SymKey			*integ_key;
	/* parked: enc_key/integ_key are NULL between calls */
	PK11SymKey			*wrapkey;	/* referenced */
	struct crypto_parked		 enc_parked, integ_parked;
	uint8_t				 salt[CRYPTO_SALT_MAX_LEN];
	uint64_t			 iv_base;	/* AEAD only */
	uint64_t			 iv_used;	/* IVs handed out */
};

PK11SymKey *
crypto_sk_import_key(const struct crypto_encr *encr, const uint8_t *key,
    size_t len)
{
	PK11SlotInfo *slot;
	PK11SymKey *k;
	SECItem item = { siBuffer, (unsigned char *)(uintptr_t)key,
	    (unsigned int)len };

	if (len != encr->key_len)
		return NULL;
	slot = PK11_GetBestSlot(encr->mech, NULL);
	if (slot == NULL)
		return NULL;
	k = PK11_ImportSymKeyWithFlags(slot, encr->mech, PK11_OriginUnwrap,
	    CKA_ENCRYPT, &item, CKF_ENCRYPT | CKF_DECRYPT, PR_FALSE, NULL);
	PK11_FreeSlot(slot);
	return k;
}

struct crypto_sk *
crypto_sk_new(const struct crypto_encr *encr, const struct crypto_integ *integ,
    PK11SymKey *enc_key, PK11SymKey *integ_key, const uint8_t *salt,
    size_t salt_len)
{
	struct crypto_sk *sk;

	if (encr == NULL || enc_key == NULL ||
	    encr->aead != (integ == NULL) ||
	    (integ != NULL) != (integ_key != NULL) ||
	    salt_len != encr->salt_len ||
	    salt_len > CRYPTO_SALT_MAX_LEN || (salt_len > 0 && salt == NULL)) {
		oe_err("%s: inconsistent transforms or keys", __func__);
		return NULL;
	}
	sk = calloc(1, sizeof(*sk));
	if (sk == NULL)
		return NULL;
	sk->encr = encr;
	sk->integ = integ;
	sk->enc_key = PK11_ReferenceSymKey(enc_key);
	sk->integ_key = integ_key != NULL ? PK11_ReferenceSymKey(integ_key) :
	    NULL;
	if (salt_len > 0)
		memcpy(sk->salt, salt, salt_len);
	/*
	 * The counter starts at a random point: should a caller ever
	 * (wrongly) make two encrypting contexts for one key, their IVs
	 * still do not collide in practice.
	 */
	if (encr->aead && crypto_random((uint8_t *)&sk->iv_base,
	    sizeof(sk->iv_base)) != 0) {
		crypto_sk_free(sk);
		return NULL;
	}
	return sk;
}

void
crypto_sk_free(struct crypto_sk *sk)
{
	if (sk == NULL)
		return;
	if (sk->enc_key != NULL)
		PK11_FreeSymKey(sk->enc_key);
	if (sk->integ_key != NULL)
		PK11_FreeSymKey(sk->integ_key);
	if (sk->wrapkey != NULL)
		PK11_FreeSymKey(sk->wrapkey);
	explicit_bzero(sk, sizeof(*sk));
	free(sk);
}

bool
crypto_sk_parked(const struct crypto_sk *sk)
{
	return sk->wrapkey != NULL;
}

int
crypto_sk_park(struct crypto_sk *sk, PK11SymKey *wrapkey)
{
	struct crypto_parked e, a;

	if (sk->wrapkey != NULL)
		return 0;
	memset(&a, 0, sizeof(a));
	if (crypto_key_park(wrapkey, sk->enc_key, sk->encr->mech,
	    CKF_ENCRYPT | CKF_DECRYPT, &e) != 0 ||
	    (sk->integ_key != NULL && crypto_key_park(wrapkey, sk->integ_key,
	    sk->integ->hmac_mech, CKF_SIGN | CKF_VERIFY, &a) != 0)) {
		explicit_bzero(&e, sizeof(e));
		return -1;
	}
	sk->enc_parked = e;
	sk->integ_parked = a;
	sk->wrapkey = PK11_ReferenceSymKey(wrapkey);
	PK11_FreeSymKey(sk->enc_key);
	sk->enc_key = NULL;
	if (sk->integ_key != NULL) {
		PK11_FreeSymKey(sk->integ_key);
		sk->integ_key = NULL;
	}
	return 0;
}

/* Parked context: the keys for one call (sk_keys_put() after it). */
static int
sk_keys_get(struct crypto_sk *sk)
{
	if (sk->wrapkey == NULL)
		return 0;
	sk->enc_key = crypto_key_unpark(sk->wrapkey, &sk->enc_parked);
	if (sk->enc_key == NULL)
		return -1;
	if (sk->integ != NULL) {
		sk->integ_key = crypto_key_unpark(sk->wrapkey,
		    &sk->integ_parked);
		if (sk->integ_key == NULL) {
			PK11_FreeSymKey(sk->enc_key);
			sk->enc_key = NULL;
			return -1;
		}
	}
	return 0;
}

static void
sk_keys_put(struct crypto_sk *sk)
{
	if (sk->wrapkey == NULL)
		return;
	if (sk->enc_key != NULL)
		PK11_FreeSymKey(sk->enc_key);
	if (sk->integ_key != NULL)
		PK11_FreeSymKey(sk->integ_key);
	sk->enc_key = sk->integ_key = NULL;
}

/* Padding so that (len + pad + 1) is a multiple of the block size. */
static size_t
sk_pad_len(const struct crypto_sk *sk, size_t plain_len)
{
	size_t b = sk->encr->block_len;

	return (b - (plain_len + 1) % b) % b;
}

size_t
crypto_sk_body_len(const struct crypto_sk *sk, size_t plain_len)
{
	const struct crypto_encr *e = sk->encr;
	size_t icv = e->aead ? e->icv_len : sk->integ->icv_len;

	if (plain_len > SK_MAX_LEN)
		return 0;
	return e->iv_len + plain_len + sk_pad_len(sk, plain_len) + 1 + icv;
}

/* Mechanism parameters for one AEAD operation; `p` backs `item`. */
union aead_params {
	CK_GCM_PARAMS_V3	gcm;
	CK_NSS_AEAD_PARAMS	chacha;
};

static int
aead_param(const struct crypto_encr *encr, const uint8_t *nonce,
    const uint8_t *aad, size_t aad_len, union aead_params *p, SECItem *item)
{
	memset(p, 0, sizeof(*p));
	if (!encr->aead || encr->icv_len != AEAD_TAG_LEN || aad_len > SK_MAX_LEN)
		return -1;
	item->type = siBuffer;
	if (encr->mech == CKM_AES_GCM) {
		p->gcm.pIv = (CK_BYTE_PTR)(uintptr_t)nonce;
		p->gcm.ulIvLen = CRYPTO_AEAD_NONCE_LEN;
		p->gcm.ulIvBits = CRYPTO_AEAD_NONCE_LEN * 8;
		p->gcm.pAAD = (CK_BYTE_PTR)(uintptr_t)aad;
		p->gcm.ulAADLen = aad_len;
		p->gcm.ulTagBits = AEAD_TAG_LEN * 8;
		item->data = (unsigned char *)&p->gcm;
		item->len = sizeof(p->gcm);
	} else {
		p->chacha.pNonce = (CK_BYTE_PTR)(uintptr_t)nonce;
		p->chacha.ulNonceLen = CRYPTO_AEAD_NONCE_LEN;
		p->chacha.pAAD = (CK_BYTE_PTR)(uintptr_t)aad;
		p->chacha.ulAADLen = aad_len;
		p->chacha.ulTagLen = AEAD_TAG_LEN;
		item->data = (unsigned char *)&p->chacha;
		item->len = sizeof(p->chacha);
	}
	return 0;
}

int
crypto_aead_seal(const struct crypto_encr *encr, PK11SymKey *key,
    const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], const uint8_t *aad,
    size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
    size_t cap, size_t *out_len)
{
	union aead_params p;
	SECItem param;
	unsigned int olen = 0;

	if (len > SK_MAX_LEN || cap < len + AEAD_TAG_LEN ||
	    aead_param(encr, nonce, aad, aad_len, &p, &param) != 0)
		return -1;
	if (PK11_Encrypt(key, encr->mech, &param, out, &olen,
	    (unsigned int)cap, in, (unsigned int)len) != SECSuccess ||
	    olen != len + AEAD_TAG_LEN) {
		oe_err("%s: %s: %s", __func__, encr->name, crypto_nss_errstr());
		return -1;
	}
	*out_len = olen;
	return 0;
}

int
crypto_aead_open(const struct crypto_encr *encr, PK11SymKey *key,
    const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], const uint8_t *aad,
    size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
    size_t cap, size_t *out_len)
{
	union aead_params p;
	SECItem param;
	unsigned int olen = 0;

	if (len < AEAD_TAG_LEN || len > SK_MAX_LEN ||
	    cap < len - AEAD_TAG_LEN ||
	    aead_param(encr, nonce, aad, aad_len, &p, &param) != 0)
		return -1;
	/* NSS checks the tag before it releases any plaintext. */
	if (PK11_Decrypt(key, encr->mech, &param, out, &olen,
	    (unsigned int)cap, in, (unsigned int)len) != SECSuccess ||
	    olen != len - AEAD_TAG_LEN) {
		oe_debug("%s: %s: authentication failed: %s", __func__,
		    encr->name, crypto_nss_errstr());
		return -1;
	}
	*out_len = olen;
	return 0;
}

/* HMAC over aad || body, truncated to the integrity transform's ICV. */
static int
sk_icv(const struct crypto_sk *sk, const uint8_t *aad, size_t aad_len,
    const uint8_t *body, size_t body_len, uint8_t icv[CRYPTO_ICV_MAX_LEN])
{
	PK11Context *ctx;
	SECItem noparam = { siBuffer, NULL, 0 };
	uint8_t full[CRYPTO_PRF_MAX_LEN];
	unsigned int flen = 0;
	int rc = -1;

	ctx = PK11_CreateContextBySymKey(sk->integ->hmac_mech, CKA_SIGN,
	    sk->integ_key, &noparam);
	if (ctx == NULL)
		goto out;
	if (PK11_DigestBegin(ctx) != SECSuccess ||
	    PK11_DigestOp(ctx, aad, (unsigned int)aad_len) != SECSuccess ||
	    PK11_DigestOp(ctx, body, (unsigned int)body_len) != SECSuccess ||
	    PK11_DigestFinal(ctx, full, &flen, sizeof(full)) != SECSuccess ||
	    flen < sk->integ->icv_len)
		goto out;
	memcpy(icv, full, sk->integ->icv_len);
	rc = 0;
out:
	if (rc != 0)
		oe_err("%s: %s: %s", __func__, sk->integ->name,
		    crypto_nss_errstr());
	if (ctx != NULL)
		PK11_DestroyContext(ctx, PR_TRUE);
	explicit_bzero(full, sizeof(full));
	return rc;
}

static int
sk_encrypt_live(struct crypto_sk *sk, const uint8_t *aad, size_t aad_len,
    const uint8_t *plain, size_t len, uint8_t *out, size_t out_cap,
    size_t *out_len)
{
	const struct crypto_encr *e = sk->encr;
	size_t pad, padded, body, clen = 0;
	uint8_t *buf = NULL, nonce[CRYPTO_AEAD_NONCE_LEN];
	unsigned int olen = 0;
	SECItem ivitem;
	int rc = -1, i;

	body = crypto_sk_body_len(sk, len);
	if (body == 0 || aad_len > SK_MAX_LEN || out_cap < body) {
		oe_err("%s: output %zu bytes too small for %zu (or oversized)",
		    __func__, out_cap, body);
		return -1;
	}
	pad = sk_pad_len(sk, len);
	padded = len + pad + 1;
	buf = malloc(padded);
	if (buf == NULL)
		return -1;
	memcpy(buf, plain, len);
	memset(buf + len, 0, pad);
	buf[padded - 1] = (uint8_t)pad;

	if (e->aead) {
		uint64_t iv;

		if (sk->iv_used == UINT64_MAX) {
			oe_err("%s: IV counter exhausted; rekey", __func__);
			goto out;
		}
		/* IV = 64-bit big-endian counter: unique under this key. */
		iv = sk->iv_base + sk->iv_used++;
		for (i = 0; i < 8; i++)
			out[i] = (uint8_t)(iv >> (56 - 8 * i));
		memcpy(nonce, sk->salt, 4);
		memcpy(nonce + 4, out, 8);
		if (crypto_aead_seal(e, sk->enc_key, nonce, aad, aad_len, buf,
		    padded, out + e->iv_len, out_cap - e->iv_len, &clen) != 0)
			goto out;
	} else {
		if (crypto_random(out, e->iv_len) != 0)
			goto out;
		ivitem.type = siBuffer;
		ivitem.data = out;
		ivitem.len = (unsigned int)e->iv_len;
		if (PK11_Encrypt(sk->enc_key, e->mech, &ivitem, out + e->iv_len,
		    &olen, (unsigned int)(out_cap - e->iv_len), buf,
		    (unsigned int)padded) != SECSuccess || olen != padded) {
			oe_err("%s: %s: %s", __func__, e->name,
			    crypto_nss_errstr());
			goto out;
		}
		if (sk_icv(sk, aad, aad_len, out, e->iv_len + padded,
		    out + e->iv_len + padded) != 0)
			goto out;
	}
	*out_len = body;
	rc = 0;
out:
	explicit_bzero(buf, padded);
	free(buf);
	return rc;
}

/* Strip IKE padding: the last byte counts the padding bytes before it. */
static int
sk_unpad(uint8_t *plain, size_t padded, size_t *plain_len)
{
	size_t pad;

	if (padded == 0)
		return -1;
	pad = plain[padded - 1];
	if (pad + 1 > padded) {
		oe_debug("%s: pad length %zu exceeds decrypted %zu bytes",
		    "crypto_sk_decrypt", pad, padded);
		return -1;
	}
	*plain_len = padded - pad - 1;
	return 0;
}

static int
sk_decrypt_live(struct crypto_sk *sk, const uint8_t *aad, size_t aad_len,
    const uint8_t *body, size_t body_len, uint8_t *plain_out, size_t cap,
    size_t *plain_len)
{
	const struct crypto_encr *e = sk->encr;
	uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], icv[CRYPTO_ICV_MAX_LEN];
	size_t icv_len = e->aead ? e->icv_len : sk->integ->icv_len;
	size_t ct_len, got = 0;
	unsigned int olen = 0;
	SECItem ivitem;

	if (body_len > SK_MAX_LEN || aad_len > SK_MAX_LEN ||
	    body_len < e->iv_len + icv_len + e->block_len) {
		oe_debug("%s: SK body %zu bytes: shorter than IV+ICV+block "
		    "(%zu) or oversized", __func__, body_len,
		    e->iv_len + icv_len + e->block_len);
		return -1;
	}
	ct_len = body_len - e->iv_len - icv_len;
	if (ct_len % e->block_len != 0 || cap < ct_len) {
		oe_debug("%s: ciphertext %zu not a multiple of %zu or output "
		    "too small (%zu)", __func__, ct_len, e->block_len, cap);
		return -1;
	}
	if (e->aead) {
		memcpy(nonce, sk->salt, 4);
		memcpy(nonce + 4, body, 8);
		if (crypto_aead_open(e, sk->enc_key, nonce, aad, aad_len,
		    body + e->iv_len, ct_len + icv_len, plain_out, cap,
		    &got) != 0 || got != ct_len)
			return -1;
	} else {
		/* Integrity first: never decrypt unauthenticated data. */
		if (sk_icv(sk, aad, aad_len, body, e->iv_len + ct_len, icv) != 0)
			return -1;
		if (NSS_SecureMemcmp(icv, body + e->iv_len + ct_len,
		    icv_len) != 0) {
			oe_debug("%s: %s ICV mismatch", __func__,
			    sk->integ->name);
			return -1;
		}
		ivitem.type = siBuffer;
		ivitem.data = (unsigned char *)(uintptr_t)body;
		ivitem.len = (unsigned int)e->iv_len;
		if (PK11_Decrypt(sk->enc_key, e->mech, &ivitem, plain_out,
		    &olen, (unsigned int)cap, body + e->iv_len,
		    (unsigned int)ct_len) != SECSuccess || olen != ct_len) {
			oe_debug("%s: %s: %s", __func__, e->name,
			    crypto_nss_errstr());
			return -1;
		}
	}
	if (sk_unpad(plain_out, ct_len, plain_len) != 0) {
		explicit_bzero(plain_out, ct_len);
		return -1;
	}
	return 0;
}

int
crypto_sk_encrypt(struct crypto_sk *sk, const uint8_t *aad, size_t aad_len,
    const uint8_t *plain, size_t len, uint8_t *out, size_t out_cap,
    size_t *out_len)
{
	int rc;

	if (sk_keys_get(sk) != 0)
		return -1;
	rc = sk_encrypt_live(sk, aad, aad_len, plain, len, out, out_cap,
	    out_len);
	sk_keys_put(sk);
	return rc;
}

int
crypto_sk_decrypt(struct crypto_sk *sk, const uint8_t *aad, size_t aad_len,
    const uint8_t *body, size_t body_len, uint8_t *plain_out, size_t cap,
    size_t *plain_len)
{
	int rc;

	if (sk_keys_get(sk) != 0)
		return -1;
	rc = sk_decrypt_live(sk, aad, aad_len, body, body_len, plain_out,
	    cap, plain_len);
	sk_keys_put(sk);
	return rc;
}
