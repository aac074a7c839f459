/*
 * SK payload protection: AEAD known answers (McGrew-Viega GCM test
 * cases 4 and 16, RFC 8439 §2.8.2), round trips for every supported
 * transform, and tampering/truncation/padding failures.
 */
#include "config.h"

#include "test_crypto_util.h"

#include "crypto.h"
#include "crypto_prf.h"
#include "crypto_sk.h"

static struct crypto_nss *nss;

static int
setup(void **state)
{
	(void)state;
	nss = crypto_nss_init(NULL, false);
	return nss != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	crypto_nss_shutdown(nss);
	return 0;
}

struct aead_kat {
	uint16_t	 id, bits;
	const char	*key, *nonce, *aad, *pt, *ct, *tag;
};

/* "The Galois/Counter Mode of Operation (GCM)", McGrew & Viega, App. B. */
static const char gcm_pt[] =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
static const struct aead_kat gcm_tc4 = {
	IKEV2_ENCR_AES_GCM_16, 128,
	"feffe9928665731c6d6a8f9467308308",
	"cafebabefacedbaddecaf888",
	"feedfacedeadbeeffeedfacedeadbeefabaddad2",
	gcm_pt,
	"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	"21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	"5bc94fbc3221a5db94fae95ae7121a47",
};
static const struct aead_kat gcm_tc16 = {
	IKEV2_ENCR_AES_GCM_16, 256,
	"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	"cafebabefacedbaddecaf888",
	"feedfacedeadbeeffeedfacedeadbeefabaddad2",
	gcm_pt,
	"522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	"76fc6ece0f4e1768cddf8853bb2d551b",
};
/* RFC 8439 §2.8.2 ("Ladies and Gentlemen of the class of '99 ..."). */
static const struct aead_kat chacha_rfc8439 = {
	IKEV2_ENCR_CHACHA20_POLY1305, 0,
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	"070000004041424344454647",
	"50515253c0c1c2c3c4c5c6c7",
	"4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
	"73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
	"6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
	"637265656e20776f756c642062652069742e",
	"d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	"3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	"92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	"3ff4def08e4b7a9de576d26586cec64b6116",
	"1ae10b594f09e26a7e902ecbd0600691",
};

static void
check_aead_kat(const struct aead_kat *v)
{
	const struct crypto_encr *encr = crypto_encr_lookup(v->id, v->bits);
	size_t klen, nlen, alen, plen, clen, tlen, olen = 0;
	uint8_t *key = unhex(v->key, &klen), *nonce = unhex(v->nonce, &nlen);
	uint8_t *aad = unhex(v->aad, &alen), *pt = unhex(v->pt, &plen);
	uint8_t *ct = unhex(v->ct, &clen), *tag = unhex(v->tag, &tlen);
	uint8_t out[256], back[256];
	PK11SymKey *k;

	assert_non_null(encr);
	assert_int_equal(nlen, CRYPTO_AEAD_NONCE_LEN);
	k = crypto_sk_import_key(encr, key, klen);
	assert_non_null(k);
	assert_int_equal(crypto_aead_seal(encr, k, nonce, aad, alen, pt, plen,
	    out, sizeof(out), &olen), 0);
	assert_int_equal(olen, clen + tlen);
	assert_memory_equal(out, ct, clen);
	assert_memory_equal(out + clen, tag, tlen);

	assert_int_equal(crypto_aead_open(encr, k, nonce, aad, alen, out, olen,
	    back, sizeof(back), &olen), 0);
	assert_int_equal(olen, plen);
	assert_memory_equal(back, pt, plen);

	/* A flipped tag bit, ciphertext bit or AAD bit is refused. */
	out[clen] ^= 0x01;
	assert_int_equal(crypto_aead_open(encr, k, nonce, aad, alen, out,
	    clen + tlen, back, sizeof(back), &olen), -1);
	out[clen] ^= 0x01;
	out[3] ^= 0x80;
	assert_int_equal(crypto_aead_open(encr, k, nonce, aad, alen, out,
	    clen + tlen, back, sizeof(back), &olen), -1);
	out[3] ^= 0x80;
	aad[0] ^= 0x01;
	assert_int_equal(crypto_aead_open(encr, k, nonce, aad, alen, out,
	    clen + tlen, back, sizeof(back), &olen), -1);

	PK11_FreeSymKey(k);
	free(key); free(nonce); free(aad); free(pt); free(ct); free(tag);
}

static void
aead_aes_gcm_128_matches_gcm_spec_test_case_4(void **state)
{
	(void)state;
	check_aead_kat(&gcm_tc4);
}

static void
aead_aes_gcm_256_matches_gcm_spec_test_case_16(void **state)
{
	(void)state;
	check_aead_kat(&gcm_tc16);
}

static void
aead_chacha20_poly1305_matches_rfc8439_2_8_2(void **state)
{
	(void)state;
	check_aead_kat(&chacha_rfc8439);
}

/* A context with fixed, distinct keys for one transform pair. */
static struct crypto_sk *
make_sk(uint16_t encr_id, uint16_t bits, uint16_t integ_id)
{
	const struct crypto_encr *encr = crypto_encr_lookup(encr_id, bits);
	const struct crypto_integ *integ = crypto_integ_lookup(integ_id);
	uint8_t kbytes[65], salt[4] = { 1, 2, 3, 4 };
	PK11SymKey *ek, *ik = NULL;
	struct crypto_sk *sk;
	size_t i;

	for (i = 0; i < sizeof(kbytes); i++)
		kbytes[i] = (uint8_t)(0x30 + i);
	ek = crypto_sk_import_key(encr, kbytes, encr->key_len);
	assert_non_null(ek);
	if (integ != NULL) {
		ik = crypto_symkey_import(kbytes + 1, integ->key_len);
		assert_non_null(ik);
	}
	sk = crypto_sk_new(encr, integ, ek, ik, encr->aead ? salt : NULL,
	    encr->salt_len);
	assert_non_null(sk);
	PK11_FreeSymKey(ek);
	if (ik != NULL)
		PK11_FreeSymKey(ik);
	return sk;
}

static const struct {
	uint16_t encr, bits, integ;
} suites[] = {
	{ IKEV2_ENCR_AES_GCM_16, 128, IKEV2_INTEG_NONE },
	{ IKEV2_ENCR_AES_GCM_16, 256, IKEV2_INTEG_NONE },
	{ IKEV2_ENCR_CHACHA20_POLY1305, 0, IKEV2_INTEG_NONE },
	{ IKEV2_ENCR_AES_CBC, 128, IKEV2_INTEG_HMAC_SHA2_256_128 },
	{ IKEV2_ENCR_AES_CBC, 256, IKEV2_INTEG_HMAC_SHA2_384_192 },
	{ IKEV2_ENCR_AES_CBC, 256, IKEV2_INTEG_HMAC_SHA2_512_256 },
};
#define NSUITES (sizeof(suites) / sizeof(suites[0]))

/* 28-byte IKE header + 4-byte SK header stand-in. */
static const uint8_t aad32[32] = "IKE-header-28-bytes-----SKhd";

static void
sk_round_trip_every_suite_and_length(void **state)
{
	static const size_t lens[] = { 0, 1, 14, 15, 16, 17, 31, 200 };
	uint8_t plain[256], body[512], back[512];
	size_t s, l, blen, plen;

	(void)state;
	for (s = 0; s < NSUITES; s++) {
		struct crypto_sk *tx = make_sk(suites[s].encr, suites[s].bits,
		    suites[s].integ);
		struct crypto_sk *rx = make_sk(suites[s].encr, suites[s].bits,
		    suites[s].integ);

		for (l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			memset(plain, (int)(0xa0 + l), lens[l]);
			assert_int_equal(crypto_sk_encrypt(tx, aad32,
			    sizeof(aad32), plain, lens[l], body, sizeof(body),
			    &blen), 0);
			assert_int_equal(blen, crypto_sk_body_len(tx, lens[l]));
			assert_int_equal(crypto_sk_decrypt(rx, aad32,
			    sizeof(aad32), body, blen, back, sizeof(back),
			    &plen), 0);
			assert_int_equal(plen, lens[l]);
			if (plen > 0)
				assert_memory_equal(back, plain, plen);
		}
		crypto_sk_free(tx);
		crypto_sk_free(rx);
	}
}

/*
 * A parked context (keys wrapped, unwrapped per call) talks to a live
 * one both ways, still rejects a flipped bit, and its AEAD IV counter
 * carries on from before parking.
 */
static void
sk_parked_context_interoperates_with_live_one(void **state)
{
	uint8_t plain[40], body[256], back[256];
	size_t s, blen, plen;
	PK11SymKey *wrap = crypto_wrapkey_new();

	(void)state;
	assert_non_null(wrap);
	memset(plain, 0x3c, sizeof(plain));
	for (s = 0; s < NSUITES; s++) {
		struct crypto_sk *live = make_sk(suites[s].encr, suites[s].bits,
		    suites[s].integ);
		struct crypto_sk *parked = make_sk(suites[s].encr,
		    suites[s].bits, suites[s].integ);
		uint8_t iv1[8];

		assert_false(crypto_sk_parked(parked));
		assert_int_equal(crypto_sk_encrypt(parked, aad32,
		    sizeof(aad32), plain, sizeof(plain), body, sizeof(body),
		    &blen), 0);
		memcpy(iv1, body, sizeof(iv1));
		assert_int_equal(crypto_sk_park(parked, wrap), 0);
		assert_true(crypto_sk_parked(parked));
		assert_int_equal(crypto_sk_park(parked, wrap), 0);

		assert_int_equal(crypto_sk_encrypt(parked, aad32,
		    sizeof(aad32), plain, sizeof(plain), body, sizeof(body),
		    &blen), 0);
		if (suites[s].integ == IKEV2_INTEG_NONE) {
			uint64_t a = 0, b = 0;
			int i;

			/* the counter went on: IV = previous + 1 */
			for (i = 0; i < 8; i++) {
				a = a << 8 | iv1[i];
				b = b << 8 | body[i];
			}
			assert_true(b == a + 1);
		}
		assert_int_equal(crypto_sk_decrypt(live, aad32, sizeof(aad32),
		    body, blen, back, sizeof(back), &plen), 0);
		assert_int_equal(plen, sizeof(plain));
		assert_memory_equal(back, plain, plen);

		assert_int_equal(crypto_sk_encrypt(live, aad32, sizeof(aad32),
		    plain, sizeof(plain), body, sizeof(body), &blen), 0);
		assert_int_equal(crypto_sk_decrypt(parked, aad32,
		    sizeof(aad32), body, blen, back, sizeof(back), &plen), 0);
		assert_memory_equal(back, plain, sizeof(plain));
		body[blen - 1] ^= 0x01;
		assert_int_equal(crypto_sk_decrypt(parked, aad32,
		    sizeof(aad32), body, blen, back, sizeof(back), &plen), -1);
		crypto_sk_free(live);
		crypto_sk_free(parked);
	}
	PK11_FreeSymKey(wrap);
}

/* Without a wrapping key parking fails and the context works on. */
static void
sk_park_without_wrapping_key_leaves_context_live(void **state)
{
	struct crypto_sk *sk = make_sk(IKEV2_ENCR_AES_GCM_16, 128,
	    IKEV2_INTEG_NONE);
	uint8_t plain[8] = { 0 }, body[64], back[64];
	size_t blen, plen;

	(void)state;
	assert_int_equal(crypto_sk_park(sk, NULL), -1);
	assert_false(crypto_sk_parked(sk));
	assert_int_equal(crypto_sk_encrypt(sk, aad32, sizeof(aad32), plain,
	    sizeof(plain), body, sizeof(body), &blen), 0);
	assert_int_equal(crypto_sk_decrypt(sk, aad32, sizeof(aad32), body,
	    blen, back, sizeof(back), &plen), 0);
	crypto_sk_free(sk);
}

static void
sk_cbc_body_is_iv_blocks_and_truncated_icv(void **state)
{
	struct crypto_sk *sk = make_sk(IKEV2_ENCR_AES_CBC, 128,
	    IKEV2_INTEG_HMAC_SHA2_256_128);

	(void)state;
	/* 16 IV + roundup(len+1, 16) + 16 ICV */
	assert_int_equal(crypto_sk_body_len(sk, 0), 16 + 16 + 16);
	assert_int_equal(crypto_sk_body_len(sk, 15), 16 + 16 + 16);
	assert_int_equal(crypto_sk_body_len(sk, 16), 16 + 32 + 16);
	crypto_sk_free(sk);
	sk = make_sk(IKEV2_ENCR_AES_GCM_16, 256, IKEV2_INTEG_NONE);
	/* 8 IV + len + 1 pad-length byte + 16 ICV */
	assert_int_equal(crypto_sk_body_len(sk, 10), 8 + 11 + 16);
	crypto_sk_free(sk);
}

static void
sk_decrypt_rejects_any_flipped_bit(void **state)
{
	uint8_t plain[40], body[256], back[256], aad[32];
	size_t s, i, blen, plen;

	(void)state;
	memset(plain, 0x5a, sizeof(plain));
	for (s = 0; s < NSUITES; s++) {
		struct crypto_sk *sk = make_sk(suites[s].encr, suites[s].bits,
		    suites[s].integ);

		memcpy(aad, aad32, sizeof(aad));
		assert_int_equal(crypto_sk_encrypt(sk, aad, sizeof(aad), plain,
		    sizeof(plain), body, sizeof(body), &blen), 0);
		/* Every byte of IV, ciphertext and ICV is covered. */
		for (i = 0; i < blen; i++) {
			body[i] ^= 0x04;
			assert_int_equal(crypto_sk_decrypt(sk, aad, sizeof(aad),
			    body, blen, back, sizeof(back), &plen), -1);
			body[i] ^= 0x04;
		}
		/* So is the IKE header and SK payload header. */
		aad[17] ^= 0x01;
		assert_int_equal(crypto_sk_decrypt(sk, aad, sizeof(aad), body,
		    blen, back, sizeof(back), &plen), -1);
		aad[17] ^= 0x01;
		assert_int_equal(crypto_sk_decrypt(sk, aad, sizeof(aad), body,
		    blen, back, sizeof(back), &plen), 0);
		crypto_sk_free(sk);
	}
}

static void
sk_decrypt_rejects_truncated_or_misaligned_body(void **state)
{
	uint8_t plain[20] = { 0 }, body[256], back[256];
	size_t s, blen, plen;

	(void)state;
	for (s = 0; s < NSUITES; s++) {
		struct crypto_sk *sk = make_sk(suites[s].encr, suites[s].bits,
		    suites[s].integ);

		assert_int_equal(crypto_sk_encrypt(sk, aad32, sizeof(aad32),
		    plain, sizeof(plain), body, sizeof(body), &blen), 0);
		assert_int_equal(crypto_sk_decrypt(sk, aad32, sizeof(aad32),
		    body, blen - 1, back, sizeof(back), &plen), -1);
		assert_int_equal(crypto_sk_decrypt(sk, aad32, sizeof(aad32),
		    body, 0, back, sizeof(back), &plen), -1);
		assert_int_equal(crypto_sk_decrypt(sk, aad32, sizeof(aad32),
		    body, 8, back, sizeof(back), &plen), -1);
		/* Output buffer smaller than the ciphertext. */
		assert_int_equal(crypto_sk_decrypt(sk, aad32, sizeof(aad32),
		    body, blen, back, 4, &plen), -1);
		/* Output buffer too small when encrypting. */
		assert_int_equal(crypto_sk_encrypt(sk, aad32, sizeof(aad32),
		    plain, sizeof(plain), body, blen - 1, &plen), -1);
		crypto_sk_free(sk);
	}
}

/* A pad length byte larger than the decrypted data must be refused. */
static void
sk_decrypt_rejects_pad_length_beyond_plaintext(void **state)
{
	const struct crypto_encr *encr =
	    crypto_encr_lookup(IKEV2_ENCR_AES_GCM_16, 128);
	struct crypto_sk *sk = make_sk(IKEV2_ENCR_AES_GCM_16, 128,
	    IKEV2_INTEG_NONE);
	uint8_t kbytes[16], nonce[12] = { 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 9 };
	uint8_t inner[4] = { 0, 0, 0, 4 };	/* pad length 4 > 3 bytes */
	uint8_t body[64], back[64];
	PK11SymKey *k;
	size_t i, clen, plen;

	(void)state;
	for (i = 0; i < sizeof(kbytes); i++)
		kbytes[i] = (uint8_t)(0x30 + i);
	k = crypto_sk_import_key(encr, kbytes, sizeof(kbytes));
	memcpy(body, nonce + 4, 8);
	assert_int_equal(crypto_aead_seal(encr, k, nonce, aad32, sizeof(aad32),
	    inner, sizeof(inner), body + 8, sizeof(body) - 8, &clen), 0);
	assert_int_equal(crypto_sk_decrypt(sk, aad32, sizeof(aad32), body,
	    8 + clen, back, sizeof(back), &plen), -1);
	/* Pad length 3 (exactly everything before it) is valid: empty. */
	inner[3] = 3;
	assert_int_equal(crypto_aead_seal(encr, k, nonce, aad32, sizeof(aad32),
	    inner, sizeof(inner), body + 8, sizeof(body) - 8, &clen), 0);
	assert_int_equal(crypto_sk_decrypt(sk, aad32, sizeof(aad32), body,
	    8 + clen, back, sizeof(back), &plen), 0);
	assert_int_equal(plen, 0);
	PK11_FreeSymKey(k);
	crypto_sk_free(sk);
}

static void
sk_aead_ivs_are_a_counter_and_never_repeat(void **state)
{
	struct crypto_sk *sk = make_sk(IKEV2_ENCR_CHACHA20_POLY1305, 0,
	    IKEV2_INTEG_NONE);
	uint8_t plain[8] = { 0 }, b1[64], b2[64];
	size_t l1, l2;

	(void)state;
	assert_int_equal(crypto_sk_encrypt(sk, aad32, sizeof(aad32), plain,
	    sizeof(plain), b1, sizeof(b1), &l1), 0);
	assert_int_equal(crypto_sk_encrypt(sk, aad32, sizeof(aad32), plain,
	    sizeof(plain), b2, sizeof(b2), &l2), 0);
	assert_int_equal(l1, l2);
	assert_memory_not_equal(b1, b2, 8);
	/* Consecutive big-endian counter values (mod 2^64). */
	{
		uint64_t v1 = 0, v2 = 0;
		int i;

		for (i = 0; i < 8; i++) {
			v1 = v1 << 8 | b1[i];
			v2 = v2 << 8 | b2[i];
		}
		assert_true(v2 == v1 + 1);
	}
	assert_memory_not_equal(b1 + 8, b2 + 8, l1 - 8);
	crypto_sk_free(sk);
	/* A second context on the same key starts elsewhere. */
	sk = make_sk(IKEV2_ENCR_CHACHA20_POLY1305, 0, IKEV2_INTEG_NONE);
	assert_int_equal(crypto_sk_encrypt(sk, aad32, sizeof(aad32), plain,
	    sizeof(plain), b2, sizeof(b2), &l2), 0);
	assert_memory_not_equal(b1, b2, 8);
	crypto_sk_free(sk);
}

static void
sk_new_rejects_mismatched_transforms(void **state)
{
	const struct crypto_encr *gcm = crypto_encr_lookup(IKEV2_ENCR_AES_GCM_16, 128);
	const struct crypto_encr *cbc = crypto_encr_lookup(IKEV2_ENCR_AES_CBC, 128);
	const struct crypto_integ *sha = crypto_integ_lookup(IKEV2_INTEG_HMAC_SHA2_256_128);
	uint8_t kb[32] = { 7 }, salt[4] = { 0 };
	PK11SymKey *k = crypto_sk_import_key(gcm, kb, 16);
	PK11SymKey *ik = crypto_symkey_import(kb, 32);

	(void)state;
	assert_null(crypto_sk_new(gcm, sha, k, ik, salt, 4));
	assert_null(crypto_sk_new(gcm, NULL, k, NULL, salt, 3));
	assert_null(crypto_sk_new(gcm, NULL, k, NULL, NULL, 4));
	assert_null(crypto_sk_new(cbc, NULL, k, NULL, NULL, 0));
	assert_null(crypto_sk_new(cbc, sha, k, NULL, NULL, 0));
	PK11_FreeSymKey(k);
	PK11_FreeSymKey(ik);
}

/* Keys as the IKE SA derives them (prf+ slices) work for SK protection. */
static void
sk_round_trip_with_keys_from_ike_keys_derive(void **state)
{
	const struct crypto_prf *prf = crypto_prf_lookup(IKEV2_PRF_HMAC_SHA2_384);
	uint8_t seed[48], ni[32], nr[32], spi_i[8] = { 1 }, spi_r[8] = { 2 };
	uint8_t plain[33], body[256], back[256];
	size_t s, blen, plen;

	(void)state;
	memset(seed, 0x11, sizeof(seed));
	memset(ni, 0x22, sizeof(ni));
	memset(nr, 0x33, sizeof(nr));
	memset(plain, 0x44, sizeof(plain));
	for (s = 0; s < NSUITES; s++) {
		const struct crypto_encr *encr = crypto_encr_lookup(suites[s].encr,
		    suites[s].bits);
		const struct crypto_integ *integ = crypto_integ_lookup(suites[s].integ);
		PK11SymKey *skeyseed = crypto_symkey_import(seed, sizeof(seed));
		struct crypto_ike_keys k;
		struct crypto_sk *i2r, *r2i, *wrong;

		assert_int_equal(crypto_ike_keys_derive(prf, encr, integ,
		    skeyseed, ni, sizeof(ni), nr, sizeof(nr), spi_i, spi_r,
		    &k), 0);
		i2r = crypto_sk_new(encr, integ, k.sk_ei, k.sk_ai, k.salt_i,
		    k.salt_len);
		r2i = crypto_sk_new(encr, integ, k.sk_ei, k.sk_ai, k.salt_i,
		    k.salt_len);
		wrong = crypto_sk_new(encr, integ, k.sk_er, k.sk_ar, k.salt_r,
		    k.salt_len);
		assert_non_null(i2r);
		assert_non_null(r2i);
		assert_non_null(wrong);
		crypto_ike_keys_clear(&k);	/* contexts hold references */
		assert_int_equal(crypto_sk_encrypt(i2r, aad32, sizeof(aad32),
		    plain, sizeof(plain), body, sizeof(body), &blen), 0);
		assert_int_equal(crypto_sk_decrypt(r2i, aad32, sizeof(aad32),
		    body, blen, back, sizeof(back), &plen), 0);
		assert_int_equal(plen, sizeof(plain));
		assert_memory_equal(back, plain, plen);
		/* The other direction's keys do not open it. */
		assert_int_equal(crypto_sk_decrypt(wrong, aad32, sizeof(aad32),
		    body, blen, back, sizeof(back), &plen), -1);
		crypto_sk_free(i2r);
		crypto_sk_free(r2i);
		crypto_sk_free(wrong);
		PK11_FreeSymKey(skeyseed);
	}
}

/* The caller may size the output exactly to the ciphertext. */
static void
sk_decrypt_into_buffer_of_exact_ciphertext_size(void **state)
{
	uint8_t plain[45], body[256], *exact;
	size_t s, blen, plen, ct_len;

	(void)state;
	memset(plain, 0x77, sizeof(plain));
	for (s = 0; s < NSUITES; s++) {
		struct crypto_sk *sk = make_sk(suites[s].encr, suites[s].bits,
		    suites[s].integ);
		const struct crypto_encr *e = crypto_encr_lookup(suites[s].encr,
		    suites[s].bits);
		size_t icv = e->aead ? e->icv_len :
		    crypto_integ_lookup(suites[s].integ)->icv_len;

		assert_int_equal(crypto_sk_encrypt(sk, aad32, sizeof(aad32),
		    plain, sizeof(plain), body, sizeof(body), &blen), 0);
		ct_len = blen - e->iv_len - icv;
		exact = malloc(ct_len);	/* ASan catches any overrun */
		assert_non_null(exact);
		assert_int_equal(crypto_sk_decrypt(sk, aad32, sizeof(aad32),
		    body, blen, exact, ct_len, &plen), 0);
		assert_int_equal(plen, sizeof(plain));
		assert_memory_equal(exact, plain, plen);
		free(exact);
		crypto_sk_free(sk);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(aead_aes_gcm_128_matches_gcm_spec_test_case_4),
		cmocka_unit_test(aead_aes_gcm_256_matches_gcm_spec_test_case_16),
		cmocka_unit_test(aead_chacha20_poly1305_matches_rfc8439_2_8_2),
		cmocka_unit_test(sk_round_trip_every_suite_and_length),
		cmocka_unit_test(sk_round_trip_with_keys_from_ike_keys_derive),
		cmocka_unit_test(sk_parked_context_interoperates_with_live_one),
		cmocka_unit_test(sk_park_without_wrapping_key_leaves_context_live),
		cmocka_unit_test(sk_cbc_body_is_iv_blocks_and_truncated_icv),
		cmocka_unit_test(sk_decrypt_rejects_any_flipped_bit),
		cmocka_unit_test(sk_decrypt_rejects_truncated_or_misaligned_body),
		cmocka_unit_test(sk_decrypt_rejects_pad_length_beyond_plaintext),
		cmocka_unit_test(sk_aead_ivs_are_a_counter_and_never_repeat),
		cmocka_unit_test(sk_new_rejects_mismatched_transforms),
		cmocka_unit_test(sk_decrypt_into_buffer_of_exact_ciphertext_size),
	};

	return cmocka_run_group_tests_name("crypto_sk", tests, setup, teardown);
}
