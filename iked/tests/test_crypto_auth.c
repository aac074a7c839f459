/*
 * AUTH: NULL authentication (RFC 7619), signed octets (RFC 7296 §2.15),
 * signatures for methods 1, 9-11 and 14 (RFC 7427) with keys generated
 * in a temporary NSS database, verified with raw public keys; negative
 * cases for every scheme.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

#include "test_crypto_util.h"

#include <keyhi.h>
#include <pk11pub.h>
#include <secasn1.h>
#include <secoid.h>
#include <secitem.h>
#include <secerr.h>

#include "crypto.h"
#include "crypto_auth.h"
#include "crypto_dh.h"
#include "crypto_prf.h"

static struct crypto_nss *nss;
static char dbdir[64];

/* Generated once per run: two RSA keys and one key per curve. */
static SECKEYPrivateKey *rsa_a, *rsa_b, *ec256, *ec384, *ec521, *ec256_b;
static SECKEYPublicKey *rsa_a_pub, *rsa_b_pub, *ec256_pub, *ec384_pub,
    *ec521_pub, *ec256_b_pub;

static SECKEYPrivateKey *
gen_rsa(SECKEYPublicKey **pub)
{
	PK11SlotInfo *slot = PK11_GetInternalKeySlot();
	PK11RSAGenParams p = { 2048, 65537 };
	SECKEYPrivateKey *k;

	k = PK11_GenerateKeyPair(slot, CKM_RSA_PKCS_KEY_PAIR_GEN, &p, pub,
	    PR_TRUE, PR_TRUE, NULL);
	PK11_FreeSlot(slot);
	return k;
}

static SECKEYPrivateKey *
gen_ec(SECOidTag curve, SECKEYPublicKey **pub)
{
	PK11SlotInfo *slot = PK11_GetInternalKeySlot();
	const SECOidData *oid = SECOID_FindOIDByTag(curve);
	SECItem *params = SEC_ASN1EncodeItem(NULL, NULL, &oid->oid,
	    SEC_ASN1_GET(SEC_ObjectIDTemplate));
	SECKEYPrivateKey *k;

	k = PK11_GenerateKeyPair(slot, CKM_EC_KEY_PAIR_GEN, params, pub,
	    PR_TRUE, PR_TRUE, NULL);
	SECITEM_FreeItem(params, PR_TRUE);
	PK11_FreeSlot(slot);
	return k;
}

static int
setup(void **state)
{
	PK11SlotInfo *slot;
	char spec[96];

	(void)state;
	snprintf(dbdir, sizeof(dbdir), "/tmp/oe-crypto-auth-XXXXXX");
	if (mkdtemp(dbdir) == NULL)
		return -1;
	snprintf(spec, sizeof(spec), "sql:%s", dbdir);
	nss = crypto_nss_init(spec, true);
	if (nss == NULL)
		return -1;
	slot = PK11_GetInternalKeySlot();
	if (PK11_NeedUserInit(slot) && PK11_InitPin(slot, "", "") != SECSuccess)
		return -1;
	PK11_FreeSlot(slot);
	rsa_a = gen_rsa(&rsa_a_pub);
	rsa_b = gen_rsa(&rsa_b_pub);
	ec256 = gen_ec(SEC_OID_ANSIX962_EC_PRIME256V1, &ec256_pub);
	ec256_b = gen_ec(SEC_OID_ANSIX962_EC_PRIME256V1, &ec256_b_pub);
	ec384 = gen_ec(SEC_OID_SECG_EC_SECP384R1, &ec384_pub);
	ec521 = gen_ec(SEC_OID_SECG_EC_SECP521R1, &ec521_pub);
	if (rsa_a == NULL || rsa_b == NULL || ec256 == NULL ||
	    ec256_b == NULL || ec384 == NULL || ec521 == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	SECKEYPrivateKey *priv[] = { rsa_a, rsa_b, ec256, ec256_b, ec384, ec521 };
	SECKEYPublicKey *pub[] = { rsa_a_pub, rsa_b_pub, ec256_pub,
	    ec256_b_pub, ec384_pub, ec521_pub };
	struct dirent *de;
	DIR *d;
	size_t i;
	char path[512];

	(void)state;
	for (i = 0; i < 6; i++) {
		SECKEY_DestroyPrivateKey(priv[i]);
		SECKEY_DestroyPublicKey(pub[i]);
	}
	crypto_nss_shutdown(nss);
	d = opendir(dbdir);
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dbdir, de->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dbdir);
	return 0;
}

/* The peer's view of a generated key: rebuilt from raw numbers. */
static SECKEYPublicKey *
raw_copy(SECKEYPublicKey *pub)
{
	if (pub->keyType == rsaKey)
		return crypto_pubkey_rsa(pub->u.rsa.modulus.data,
		    pub->u.rsa.modulus.len, pub->u.rsa.publicExponent.data,
		    pub->u.rsa.publicExponent.len);
	/* NSS keeps 0x04 || x || y; IPSECKEY and RFC 6605 carry x || y. */
	assert_int_equal(pub->u.ec.publicValue.data[0], 0x04);
	return crypto_pubkey_ecdsa_raw(pub->u.ec.publicValue.data + 1,
	    pub->u.ec.publicValue.len - 1);
}

static const uint8_t octets[] = "InitiatorSignedOctets: message | Nr | prf(SK_pi, IDi)";

struct sig_case {
	uint8_t			 method;
	enum crypto_sig		 sig;
	SECKEYPrivateKey	**key;
	SECKEYPublicKey		**pub;
	SECKEYPublicKey		**other;	/* same type, wrong key */
};

static void
check_sign_verify(const struct sig_case *c)
{
	uint8_t auth[CRYPTO_AUTH_MAX_LEN], msg[sizeof(octets)];
	size_t alen = 0;
	SECKEYPublicKey *peer = raw_copy(*c->pub);
	SECKEYPublicKey *wrong = raw_copy(*c->other);
	uint32_t all = CRYPTO_SIG_DEFAULT_ALLOWED |
	    CRYPTO_SIG_BIT(CRYPTO_SIG_RSA_PKCS1_SHA1);
	enum crypto_sig used = CRYPTO_SIG_COUNT;

	assert_non_null(peer);
	assert_non_null(wrong);
	memcpy(msg, octets, sizeof(msg));
	assert_int_equal(crypto_auth_sign(c->method, c->sig, *c->key, msg,
	    sizeof(msg), auth, sizeof(auth), &alen), 0);
	assert_int_equal(crypto_auth_verify(c->method, peer, msg, sizeof(msg),
	    auth, alen, all, &used), 0);
	assert_int_equal(used, c->sig);

	/* Flipped bit in the signed octets. */
	msg[5] ^= 0x01;
	assert_int_equal(crypto_auth_verify(c->method, peer, msg, sizeof(msg),
	    auth, alen, all, NULL), -1);
	msg[5] ^= 0x01;
	/* Flipped bit in the signature's last byte. */
	auth[alen - 1] ^= 0x01;
	assert_int_equal(crypto_auth_verify(c->method, peer, msg, sizeof(msg),
	    auth, alen, all, NULL), -1);
	auth[alen - 1] ^= 0x01;
	/* Another key of the same type. */
	assert_int_equal(crypto_auth_verify(c->method, wrong, msg, sizeof(msg),
	    auth, alen, all, NULL), -1);
	/* Truncated. */
	assert_int_equal(crypto_auth_verify(c->method, peer, msg, sizeof(msg),
	    auth, alen - 1, all, NULL), -1);
	/* Not allowed by policy. */
	assert_int_equal(crypto_auth_verify(c->method, peer, msg, sizeof(msg),
	    auth, alen, all & ~CRYPTO_SIG_BIT(c->sig), NULL), -1);
	/* Still fine after all that. */
	assert_int_equal(crypto_auth_verify(c->method, peer, msg, sizeof(msg),
	    auth, alen, all, NULL), 0);
	SECKEY_DestroyPublicKey(peer);
	SECKEY_DestroyPublicKey(wrong);
}

static void
digital_signature_rsa_pkcs1_sign_verify_round_trips(void **state)
{
	enum crypto_sig s;

	(void)state;
	for (s = CRYPTO_SIG_RSA_PKCS1_SHA256; s <= CRYPTO_SIG_RSA_PKCS1_SHA512; s++) {
		struct sig_case c = { IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE, s,
		    &rsa_a, &rsa_a_pub, &rsa_b_pub };

		check_sign_verify(&c);
	}
}

static void
digital_signature_rsa_pss_sign_verify_round_trips(void **state)
{
	enum crypto_sig s;

	(void)state;
	for (s = CRYPTO_SIG_RSA_PSS_SHA256; s <= CRYPTO_SIG_RSA_PSS_SHA512; s++) {
		struct sig_case c = { IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE, s,
		    &rsa_a, &rsa_a_pub, &rsa_b_pub };

		check_sign_verify(&c);
	}
}

static void
digital_signature_ecdsa_sign_verify_round_trips(void **state)
{
	struct sig_case cases[] = {
		{ IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE, CRYPTO_SIG_ECDSA_SHA256,
		  &ec256, &ec256_pub, &ec256_b_pub },
		{ IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE, CRYPTO_SIG_ECDSA_SHA384,
		  &ec384, &ec384_pub, &ec256_pub },
		{ IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE, CRYPTO_SIG_ECDSA_SHA512,
		  &ec521, &ec521_pub, &ec384_pub },
		/* Method 14 does not tie the hash to the curve. */
		{ IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE, CRYPTO_SIG_ECDSA_SHA512,
		  &ec256, &ec256_pub, &ec256_b_pub },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_sign_verify(&cases[i]);
}

static void
rsa_method_1_sha1_sign_verify_round_trips(void **state)
{
	struct sig_case c = { IKEV2_AUTH_METHOD_RSA_SIG,
	    CRYPTO_SIG_RSA_PKCS1_SHA1, &rsa_b, &rsa_b_pub, &rsa_a_pub };
	uint8_t auth[CRYPTO_AUTH_MAX_LEN];
	size_t alen;
	SECKEYPublicKey *peer;

	(void)state;
	check_sign_verify(&c);
	/* A bare PKCS #1 signature: exactly the modulus length. */
	assert_int_equal(crypto_auth_sign(IKEV2_AUTH_METHOD_RSA_SIG,
	    CRYPTO_SIG_RSA_PKCS1_SHA1, rsa_b, octets, sizeof(octets), auth,
	    sizeof(auth), &alen), 0);
	assert_int_equal(alen, 256);
	/* SHA-1 is refused unless the policy allows it explicitly. */
	peer = raw_copy(rsa_b_pub);
	assert_int_equal(crypto_auth_verify(IKEV2_AUTH_METHOD_RSA_SIG, peer,
	    octets, sizeof(octets), auth, alen, CRYPTO_SIG_DEFAULT_ALLOWED,
	    NULL), -1);
	SECKEY_DestroyPublicKey(peer);
	/* And method 14 never signs with SHA-1. */
	assert_int_equal(crypto_auth_sign(IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE,
	    CRYPTO_SIG_RSA_PKCS1_SHA1, rsa_b, octets, sizeof(octets), auth,
	    sizeof(auth), &alen), -1);
}

static void
ecdsa_methods_9_10_11_sign_verify_round_trips(void **state)
{
	struct sig_case cases[] = {
		{ IKEV2_AUTH_METHOD_ECDSA_SHA256_P256, CRYPTO_SIG_ECDSA_SHA256,
		  &ec256, &ec256_pub, &ec256_b_pub },
		{ IKEV2_AUTH_METHOD_ECDSA_SHA384_P384, CRYPTO_SIG_ECDSA_SHA384,
		  &ec384, &ec384_pub, &ec256_pub },
		{ IKEV2_AUTH_METHOD_ECDSA_SHA512_P521, CRYPTO_SIG_ECDSA_SHA512,
		  &ec521, &ec521_pub, &ec256_pub },
	};
	uint8_t auth[CRYPTO_AUTH_MAX_LEN];
	size_t i, alen;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_sign_verify(&cases[i]);
	/* RFC 4754: r || s, fixed length. */
	assert_int_equal(crypto_auth_sign(IKEV2_AUTH_METHOD_ECDSA_SHA256_P256,
	    CRYPTO_SIG_ECDSA_SHA256, ec256, octets, sizeof(octets), auth,
	    sizeof(auth), &alen), 0);
	assert_int_equal(alen, 64);
	/* The method fixes the curve: a P-384 key cannot do method 9. */
	assert_int_equal(crypto_auth_sign(IKEV2_AUTH_METHOD_ECDSA_SHA256_P256,
	    CRYPTO_SIG_ECDSA_SHA256, ec384, octets, sizeof(octets), auth,
	    sizeof(auth), &alen), -1);
	/* ... nor the hash: method 9 with SHA-384 is refused. */
	assert_int_equal(crypto_auth_sign(IKEV2_AUTH_METHOD_ECDSA_SHA256_P256,
	    CRYPTO_SIG_ECDSA_SHA384, ec256, octets, sizeof(octets), auth,
	    sizeof(auth), &alen), -1);
}

/* Swap the AlgorithmIdentifier for another hash: must not verify. */
static void
digital_signature_rejects_wrong_hash_algorithm_identifier(void **state)
{
	static const enum crypto_sig pairs[][2] = {
		{ CRYPTO_SIG_RSA_PKCS1_SHA256, CRYPTO_SIG_RSA_PKCS1_SHA384 },
		{ CRYPTO_SIG_RSA_PSS_SHA256, CRYPTO_SIG_RSA_PSS_SHA512 },
		{ CRYPTO_SIG_RSA_PSS_SHA384, CRYPTO_SIG_RSA_PKCS1_SHA384 },
		{ CRYPTO_SIG_ECDSA_SHA256, CRYPTO_SIG_ECDSA_SHA384 },
	};
	uint8_t auth[CRYPTO_AUTH_MAX_LEN], forged[CRYPTO_AUTH_MAX_LEN];
	size_t i, alen, l1, l2;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		bool ec = pairs[i][0] == CRYPTO_SIG_ECDSA_SHA256;
		SECKEYPrivateKey *k = ec ? ec256 : rsa_a;
		SECKEYPublicKey *peer = raw_copy(ec ? ec256_pub : rsa_a_pub);
		const uint8_t *a1 = crypto_sig_algid(pairs[i][0], &l1);
		const uint8_t *a2 = crypto_sig_algid(pairs[i][1], &l2);

		assert_int_equal(crypto_auth_sign(
		    IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE, pairs[i][0], k,
		    octets, sizeof(octets), auth, sizeof(auth), &alen), 0);
		assert_int_equal(auth[0], l1);
		assert_memory_equal(auth + 1, a1, l1);
		forged[0] = (uint8_t)l2;
		memcpy(forged + 1, a2, l2);
		memcpy(forged + 1 + l2, auth + 1 + l1, alen - 1 - l1);
		assert_int_equal(crypto_auth_verify(
		    IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE, peer, octets,
		    sizeof(octets), forged, alen - l1 + l2,
		    CRYPTO_SIG_DEFAULT_ALLOWED, NULL), -1);
		SECKEY_DestroyPublicKey(peer);
	}
}

static void
digital_signature_rejects_malformed_auth_data(void **state)
{
	SECKEYPublicKey *peer = raw_copy(rsa_a_pub);
	uint8_t auth[300];
	size_t l;
	const uint8_t *algid = crypto_sig_algid(CRYPTO_SIG_RSA_PKCS1_SHA256, &l);

	(void)state;
	memset(auth, 0, sizeof(auth));
	/* Length byte pointing past the end. */
	auth[0] = 200;
	assert_int_equal(crypto_auth_verify(IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE,
	    peer, octets, sizeof(octets), auth, 100, CRYPTO_SIG_DEFAULT_ALLOWED,
	    NULL), -1);
	/* Zero-length AlgorithmIdentifier; empty data. */
	auth[0] = 0;
	assert_int_equal(crypto_auth_verify(IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE,
	    peer, octets, sizeof(octets), auth, 100, CRYPTO_SIG_DEFAULT_ALLOWED,
	    NULL), -1);
	assert_int_equal(crypto_auth_verify(IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE,
	    peer, octets, sizeof(octets), auth, 0, CRYPTO_SIG_DEFAULT_ALLOWED,
	    NULL), -1);
	/* A valid AlgorithmIdentifier and no signature after it. */
	auth[0] = (uint8_t)l;
	memcpy(auth + 1, algid, l);
	assert_int_equal(crypto_auth_verify(IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE,
	    peer, octets, sizeof(octets), auth, 1 + l, CRYPTO_SIG_DEFAULT_ALLOWED,
	    NULL), -1);
	/* An ECDSA AlgorithmIdentifier against an RSA key. */
	algid = crypto_sig_algid(CRYPTO_SIG_ECDSA_SHA256, &l);
	auth[0] = (uint8_t)l;
	memcpy(auth + 1, algid, l);
	assert_int_equal(crypto_auth_verify(IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE,
	    peer, octets, sizeof(octets), auth, 1 + l + 64,
	    CRYPTO_SIG_DEFAULT_ALLOWED, NULL), -1);
	/* Not a signature method. */
	assert_int_equal(crypto_auth_verify(IKEV2_AUTH_METHOD_NULL, peer,
	    octets, sizeof(octets), auth, 64, CRYPTO_SIG_DEFAULT_ALLOWED,
	    NULL), -1);
	SECKEY_DestroyPublicKey(peer);
}

/* NSS's own DER decoder agrees with the AlgorithmIdentifier table. */
static void
algorithm_identifiers_decode_to_the_right_oids(void **state)
{
	static const struct { enum crypto_sig sig; SECOidTag tag; } want[] = {
		{ CRYPTO_SIG_RSA_PKCS1_SHA256, SEC_OID_PKCS1_SHA256_WITH_RSA_ENCRYPTION },
		{ CRYPTO_SIG_RSA_PKCS1_SHA384, SEC_OID_PKCS1_SHA384_WITH_RSA_ENCRYPTION },
		{ CRYPTO_SIG_RSA_PKCS1_SHA512, SEC_OID_PKCS1_SHA512_WITH_RSA_ENCRYPTION },
		{ CRYPTO_SIG_RSA_PSS_SHA256, SEC_OID_PKCS1_RSA_PSS_SIGNATURE },
		{ CRYPTO_SIG_RSA_PSS_SHA384, SEC_OID_PKCS1_RSA_PSS_SIGNATURE },
		{ CRYPTO_SIG_RSA_PSS_SHA512, SEC_OID_PKCS1_RSA_PSS_SIGNATURE },
		{ CRYPTO_SIG_ECDSA_SHA256, SEC_OID_ANSIX962_ECDSA_SHA256_SIGNATURE },
		{ CRYPTO_SIG_ECDSA_SHA384, SEC_OID_ANSIX962_ECDSA_SHA384_SIGNATURE },
		{ CRYPTO_SIG_ECDSA_SHA512, SEC_OID_ANSIX962_ECDSA_SHA512_SIGNATURE },
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const uint8_t *der = crypto_sig_algid(want[i].sig, &len);
		PLArenaPool *arena = PORT_NewArena(1024);
		SECAlgorithmID alg;
		SECItem item = { siBuffer, (unsigned char *)(uintptr_t)der,
		    (unsigned int)len };

		assert_non_null(der);
		memset(&alg, 0, sizeof(alg));
		assert_int_equal(SEC_QuickDERDecodeItem(arena, &alg,
		    SEC_ASN1_GET(SECOID_AlgorithmIDTemplate), &item),
		    SECSuccess);
		assert_int_equal(SECOID_GetAlgorithmTag(&alg), want[i].tag);
		PORT_FreeArena(arena, PR_FALSE);
	}
	assert_null(crypto_sig_algid(CRYPTO_SIG_RSA_PKCS1_SHA1, &len));
}

static void
null_auth_verifies_and_rejects_wrong_key_or_octets(void **state)
{
	const struct crypto_prf *prf = crypto_prf_lookup(IKEV2_PRF_HMAC_SHA2_256);
	uint8_t k1[32], k2[32], mac[CRYPTO_PRF_MAX_LEN], msg[sizeof(octets)];
	PK11SymKey *ski, *skr;
	size_t mlen;

	(void)state;
	memset(k1, 0x61, sizeof(k1));
	memset(k2, 0x62, sizeof(k2));
	ski = crypto_symkey_import(k1, sizeof(k1));
	skr = crypto_symkey_import(k2, sizeof(k2));
	memcpy(msg, octets, sizeof(msg));
	assert_int_equal(crypto_auth_null_compute(prf, ski, msg, sizeof(msg),
	    mac, sizeof(mac), &mlen), 0);
	assert_int_equal(mlen, 32);
	assert_int_equal(crypto_auth_null_verify(prf, ski, msg, sizeof(msg),
	    mac, mlen), 0);
	/* SK_pr instead of SK_pi: the responder cannot replay the initiator's. */
	assert_int_equal(crypto_auth_null_verify(prf, skr, msg, sizeof(msg),
	    mac, mlen), -1);
	msg[0] ^= 1;
	assert_int_equal(crypto_auth_null_verify(prf, ski, msg, sizeof(msg),
	    mac, mlen), -1);
	msg[0] ^= 1;
	assert_int_equal(crypto_auth_null_verify(prf, ski, msg, sizeof(msg),
	    mac, mlen - 1), -1);
	mac[31] ^= 0x80;
	assert_int_equal(crypto_auth_null_verify(prf, ski, msg, sizeof(msg),
	    mac, mlen), -1);
	PK11_FreeSymKey(ski);
	PK11_FreeSymKey(skr);
}

/*
 * RFC 7619 §3 / RFC 7296 §2.15: AUTH = prf(prf(SK_p, "Key Pad for
 * IKEv2"), octets).  Recompute it with the plain HMAC byte path, which
 * test_crypto_prf checks against RFC 4231.
 */
static void
null_auth_is_prf_of_prf_keypad(void **state)
{
	const struct crypto_prf *prf = crypto_prf_lookup(IKEV2_PRF_HMAC_SHA2_512);
	uint8_t k[64], inner[64], expect[64], got[64];
	PK11SymKey *sk, *ik;
	size_t glen;

	(void)state;
	memset(k, 0x5c, sizeof(k));
	sk = crypto_symkey_import(k, sizeof(k));
	assert_int_equal(crypto_prf_bytes(prf, sk,
	    (const uint8_t *)"Key Pad for IKEv2", 17, inner, sizeof(inner)), 0);
	ik = crypto_symkey_import(inner, sizeof(inner));
	assert_int_equal(crypto_prf_bytes(prf, ik, octets, sizeof(octets),
	    expect, sizeof(expect)), 0);
	assert_int_equal(crypto_auth_null_compute(prf, sk, octets,
	    sizeof(octets), got, sizeof(got), &glen), 0);
	assert_int_equal(glen, 64);
	assert_memory_equal(got, expect, 64);
	PK11_FreeSymKey(ik);
	PK11_FreeSymKey(sk);
}

static void
signed_octets_are_message_nonce_prf_of_id(void **state)
{
	const struct crypto_prf *prf = crypto_prf_lookup(IKEV2_PRF_HMAC_SHA2_384);
	uint8_t msg[40], nonce[32], id[8] = { 1, 0, 0, 0, 192, 0, 2, 1 };
	uint8_t k[48], mac[48], *out = NULL;
	PK11SymKey *sk;
	size_t olen = 0;

	(void)state;
	memset(msg, 0x11, sizeof(msg));
	memset(nonce, 0x22, sizeof(nonce));
	memset(k, 0x33, sizeof(k));
	sk = crypto_symkey_import(k, sizeof(k));
	assert_int_equal(crypto_auth_signed_octets(prf, sk, msg, sizeof(msg),
	    nonce, sizeof(nonce), id, sizeof(id), &out, &olen), 0);
	assert_int_equal(olen, 40 + 32 + 48);
	assert_memory_equal(out, msg, 40);
	assert_memory_equal(out + 40, nonce, 32);
	assert_int_equal(crypto_prf_bytes(prf, sk, id, sizeof(id), mac,
	    sizeof(mac)), 0);
	assert_memory_equal(out + 72, mac, 48);
	free(out);
	/* A nonce shorter than 16 bytes or an ID without its header. */
	assert_int_equal(crypto_auth_signed_octets(prf, sk, msg, sizeof(msg),
	    nonce, 15, id, sizeof(id), &out, &olen), -1);
	assert_int_equal(crypto_auth_signed_octets(prf, sk, msg, sizeof(msg),
	    nonce, 16, id, 3, &out, &olen), -1);
	assert_null(out);
	PK11_FreeSymKey(sk);
}

static void
private_key_found_by_public_key_and_nickname(void **state)
{
	SECKEYPublicKey *peer = raw_copy(ec384_pub);
	SECKEYPrivateKey *k;
	uint8_t auth[CRYPTO_AUTH_MAX_LEN];
	size_t alen;

	(void)state;
	/* The raw key, as learned from DNS, finds our own private key. */
	k = crypto_privkey_find_by_pubkey(peer);
	assert_non_null(k);
	assert_int_equal(crypto_auth_sign(IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE,
	    CRYPTO_SIG_ECDSA_SHA384, k, octets, sizeof(octets), auth,
	    sizeof(auth), &alen), 0);
	assert_int_equal(crypto_auth_verify(IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE,
	    peer, octets, sizeof(octets), auth, alen,
	    CRYPTO_SIG_DEFAULT_ALLOWED, NULL), 0);
	SECKEY_DestroyPrivateKey(k);

	assert_int_equal(PK11_SetPrivateKeyNickname(rsa_b, "oe-test-host"),
	    SECSuccess);
	k = crypto_privkey_find_by_nickname("oe-test-host");
	assert_non_null(k);
	SECKEY_DestroyPrivateKey(k);
	assert_null(crypto_privkey_find_by_nickname("no-such-key"));
	SECKEY_DestroyPublicKey(peer);
}

static void
rfc3110_rsa_key_parses_and_rejects_bad_lengths(void **state)
{
	const SECItem *n = &rsa_a_pub->u.rsa.modulus;
	const SECItem *e = &rsa_a_pub->u.rsa.publicExponent;
	uint8_t buf[1 + 3 + 600], auth[CRYPTO_AUTH_MAX_LEN];
	size_t len, alen;
	SECKEYPublicKey *k;

	(void)state;
	assert_true(e->len < 8 && n->len <= 512);
	buf[0] = (uint8_t)e->len;
	memcpy(buf + 1, e->data, e->len);
	memcpy(buf + 1 + e->len, n->data, n->len);
	len = 1 + e->len + n->len;
	k = crypto_pubkey_rsa_rfc3110(buf, len);
	assert_non_null(k);
	assert_int_equal(crypto_auth_sign(IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE,
	    CRYPTO_SIG_RSA_PSS_SHA256, rsa_a, octets, sizeof(octets), auth,
	    sizeof(auth), &alen), 0);
	assert_int_equal(crypto_auth_verify(IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE,
	    k, octets, sizeof(octets), auth, alen, CRYPTO_SIG_DEFAULT_ALLOWED,
	    NULL), 0);
	SECKEY_DestroyPublicKey(k);
	/* Exponent length running past the data, zero, or no modulus. */
	buf[0] = 0xff;
	assert_null(crypto_pubkey_rsa_rfc3110(buf, 100));
	assert_null(crypto_pubkey_rsa_rfc3110(buf, 0));
	buf[0] = (uint8_t)e->len;
	assert_null(crypto_pubkey_rsa_rfc3110(buf, 1 + e->len));
	/* Truncated modulus: now only 1024 bits. */
	assert_null(crypto_pubkey_rsa_rfc3110(buf, 1 + e->len + 128));
	/* Long form: 0, then a 2-byte exponent length. */
	buf[0] = 0;
	buf[1] = 0;
	buf[2] = (uint8_t)e->len;
	memcpy(buf + 3, e->data, e->len);
	memcpy(buf + 3 + e->len, n->data, n->len);
	k = crypto_pubkey_rsa_rfc3110(buf, 3 + e->len + n->len);
	assert_non_null(k);
	SECKEY_DestroyPublicKey(k);
}

static void
raw_ec_key_rejects_wrong_length_and_off_curve_point(void **state)
{
	const SECItem *pv = &ec256_pub->u.ec.publicValue;
	uint8_t xy[64], auth[CRYPTO_AUTH_MAX_LEN];
	SECKEYPublicKey *k;
	size_t alen;

	(void)state;
	assert_null(crypto_pubkey_ecdsa_raw(pv->data + 1, 63));
	assert_null(crypto_pubkey_ec(IKEV2_DH_ECP384, pv->data + 1, 64));
	assert_null(crypto_pubkey_ec(IKEV2_DH_MODP2048, pv->data + 1, 64));
	memcpy(xy, pv->data + 1, 64);
	xy[63] ^= 0x01;
	assert_int_equal(crypto_auth_sign(IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE,
	    CRYPTO_SIG_ECDSA_SHA256, ec256, octets, sizeof(octets), auth,
	    sizeof(auth), &alen), 0);
	k = crypto_pubkey_ecdsa_raw(xy, sizeof(xy));
	if (k != NULL) {
		assert_int_equal(crypto_auth_verify(
		    IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE, k, octets,
		    sizeof(octets), auth, alen, CRYPTO_SIG_DEFAULT_ALLOWED,
		    NULL), -1);
		SECKEY_DestroyPublicKey(k);
	}
}

static void
rsa_raw_key_rejects_small_or_even_values(void **state)
{
	uint8_t mod[256], small[128], exp3[1] = { 3 }, exp1[1] = { 1 };
	uint8_t exp2[1] = { 2 };
	SECKEYPublicKey *k;

	(void)state;
	memset(mod, 0xc5, sizeof(mod));
	memset(small, 0xc5, sizeof(small));
	k = crypto_pubkey_rsa(mod, sizeof(mod), exp3, 1);
	assert_non_null(k);
	SECKEY_DestroyPublicKey(k);
	assert_null(crypto_pubkey_rsa(small, sizeof(small), exp3, 1));
	assert_null(crypto_pubkey_rsa(mod, sizeof(mod), exp1, 1));
	assert_null(crypto_pubkey_rsa(mod, sizeof(mod), exp2, 1));
	mod[255] = 0xc4;
	assert_null(crypto_pubkey_rsa(mod, sizeof(mod), exp3, 1));
	assert_null(crypto_pubkey_rsa(mod, 0, exp3, 1));
}

static void
signature_hash_algorithms_notify_round_trips(void **state)
{
	uint8_t buf[16], odd[3] = { 0, 2, 0 };
	uint8_t peer[8] = { 0, 1, 0, 2, 0, 5, 0, 4 };	/* SHA1 SHA256 ? SHA512 */
	size_t len;
	uint32_t mask;

	(void)state;
	assert_int_equal(crypto_sig_hash_notify(buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 6);
	assert_int_equal(crypto_sig_hash_parse(buf, len, &mask), 0);
	assert_int_equal(mask, (1u << 2) | (1u << 3) | (1u << 4));
	assert_int_equal(crypto_sig_hash_parse(peer, sizeof(peer), &mask), 0);
	assert_int_equal(mask, (1u << 2) | (1u << 4));
	assert_int_equal(crypto_sig_hash_parse(odd, sizeof(odd), &mask), -1);
	assert_int_equal(crypto_sig_hash_notify(buf, 5, &len), -1);
}

/*
 * A signature made elsewhere: Wycheproof ecdsa_secp256r1_sha256 test
 * vectors (as carried in NSS's gtests): tcID 3 is valid, tcID 4 (long
 * form length) and tcID 6 (wrong sequence length) are not DER.
 */
static const char wp_xy[] =
    "2927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838"
    "c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e";
static const char wp_sig3[] =
    "304502202ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18"
    "022100b329f479a2bbd0a5c384ee1493b1f5186a87139cac5df4087c134b49156847db";
static const char wp_sig4[] =
    "30814502202ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18"
    "022100b329f479a2bbd0a5c384ee1493b1f5186a87139cac5df4087c134b49156847db";
static const char wp_sig6[] =
    "304602202ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18"
    "022100b329f479a2bbd0a5c384ee1493b1f5186a87139cac5df4087c134b49156847db";

static int
verify_wycheproof(const char *sighex)
{
	static const uint8_t msg[] = { 0x31, 0x32, 0x33, 0x34, 0x30, 0x30 };
	size_t xylen, slen, alen;
	uint8_t *xy = unhex(wp_xy, &xylen), *sig = unhex(sighex, &slen);
	const uint8_t *algid = crypto_sig_algid(CRYPTO_SIG_ECDSA_SHA256, &alen);
	uint8_t auth[CRYPTO_AUTH_MAX_LEN];
	SECKEYPublicKey *pub = crypto_pubkey_ecdsa_raw(xy, xylen);
	int rc;

	assert_non_null(pub);
	auth[0] = (uint8_t)alen;
	memcpy(auth + 1, algid, alen);
	memcpy(auth + 1 + alen, sig, slen);
	rc = crypto_auth_verify(IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE, pub, msg,
	    sizeof(msg), auth, 1 + alen + slen, CRYPTO_SIG_DEFAULT_ALLOWED,
	    NULL);
	SECKEY_DestroyPublicKey(pub);
	free(xy);
	free(sig);
	return rc;
}

static void
ecdsa_verifies_wycheproof_p256_signature_and_rejects_bad_der(void **state)
{
	(void)state;
	assert_int_equal(verify_wycheproof(wp_sig3), 0);
	assert_int_equal(verify_wycheproof(wp_sig4), -1);
	assert_int_equal(verify_wycheproof(wp_sig6), -1);
}

/*
 * An RSA PKCS #1 v1.5 SHA-256 signature made elsewhere: Wycheproof
 * rsa_signature_2048_sha256 tcID 3 (message "Test"), as carried in
 * NSS's gtests; the modulus is the one of its SubjectPublicKeyInfo.
 */
static const char wp_rsa_n[] =
	"a2b451a07d0aa5f96e455671513550514a8a5b462ebef717094fa1fee82224e6"
	"37f9746d3f7cafd31878d80325b6ef5a1700f65903b469429e89d6eac8845097"
	"b5ab393189db92512ed8a7711a1253facd20f79c15e8247f3d3e42e46e48c98e"
	"254a2fe9765313a03eff8f17e1a029397a1fa26a8dce26f490ed81299615d981"
	"4c22da610428e09c7d9658594266f5c021d0fceca08d945a12be82de4d1ece6b"
	"4c03145b5d3495d4ed5411eb878daf05fd7afc3e09ada0f1126422f590975a19"
	"69816f48698bcbba1b4d9cae79d460d8f9f85e7975005d9bc22c4e5ac0f7c1a4"
	"5d12569a62807d3b9a02e5a530e773066f453d1f5b4c2e9cf7820283f742b9d5";
static const char wp_rsa_sig[] =
	"264491e844c119f14e425c03282139a558dcdaeb82a4628173cd407fd319f907"
	"6eaebc0dd87a1c22e4d17839096886d58a9d5b7f7aeb63efec56c45ac7bead42"
	"03b6886e1faa90e028ec0ae094d46bf3f97efdd19045cfbc25a1abda2432639f"
	"9876405c0d68f8edbf047c12a454f7681d5d5a2b54bd3723d193dbad4338baad"
	"753264006e2d08931c4b8bb79aa1c9cad10eb6605f87c5831f6e2b08e002f9c6"
	"f21141f5841d92727dd3e1d99c36bc560da3c9067df99fcaf818941f72588be3"
	"3032bad22caf6704223bb114d575b6d02d9d222b580005d930e8f40cce9f672e"
	"ebb634a20177d84351627964b83f2053d736a84ab1a005f63bd5ba943de6205c";

static void
rsa_pkcs1_verifies_wycheproof_signature_from_raw_modulus(void **state)
{
	static const uint8_t e[] = { 0x01, 0x00, 0x01 };
	static const uint8_t msg[] = "Test";
	size_t nlen, slen, alen;
	uint8_t *n = unhex(wp_rsa_n, &nlen), *sig = unhex(wp_rsa_sig, &slen);
	uint8_t auth[CRYPTO_AUTH_MAX_LEN];
	const uint8_t *algid = crypto_sig_algid(CRYPTO_SIG_RSA_PKCS1_SHA256,
	    &alen);
	SECKEYPublicKey *pub = crypto_pubkey_rsa(n, nlen, e, sizeof(e));

	(void)state;
	assert_non_null(pub);
	auth[0] = (uint8_t)alen;
	memcpy(auth + 1, algid, alen);
	memcpy(auth + 1 + alen, sig, slen);
	assert_int_equal(crypto_auth_verify(IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE,
	    pub, msg, 4, auth, 1 + alen + slen, CRYPTO_SIG_DEFAULT_ALLOWED,
	    NULL), 0);
	/* The same bytes claimed as RSA-PSS do not verify. */
	algid = crypto_sig_algid(CRYPTO_SIG_RSA_PSS_SHA256, &alen);
	auth[0] = (uint8_t)alen;
	memcpy(auth + 1, algid, alen);
	memcpy(auth + 1 + alen, sig, slen);
	assert_int_equal(crypto_auth_verify(IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE,
	    pub, msg, 4, auth, 1 + alen + slen, CRYPTO_SIG_DEFAULT_ALLOWED,
	    NULL), -1);
	/* Another message does not verify. */
	algid = crypto_sig_algid(CRYPTO_SIG_RSA_PKCS1_SHA256, &alen);
	auth[0] = (uint8_t)alen;
	memcpy(auth + 1, algid, alen);
	memcpy(auth + 1 + alen, sig, slen);
	assert_int_equal(crypto_auth_verify(IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE,
	    pub, (const uint8_t *)"Tesu", 4, auth, 1 + alen + slen,
	    CRYPTO_SIG_DEFAULT_ALLOWED, NULL), -1);
	SECKEY_DestroyPublicKey(pub);
	free(n);
	free(sig);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(null_auth_verifies_and_rejects_wrong_key_or_octets),
		cmocka_unit_test(null_auth_is_prf_of_prf_keypad),
		cmocka_unit_test(signed_octets_are_message_nonce_prf_of_id),
		cmocka_unit_test(digital_signature_rsa_pkcs1_sign_verify_round_trips),
		cmocka_unit_test(digital_signature_rsa_pss_sign_verify_round_trips),
		cmocka_unit_test(digital_signature_ecdsa_sign_verify_round_trips),
		cmocka_unit_test(rsa_method_1_sha1_sign_verify_round_trips),
		cmocka_unit_test(ecdsa_methods_9_10_11_sign_verify_round_trips),
		cmocka_unit_test(digital_signature_rejects_wrong_hash_algorithm_identifier),
		cmocka_unit_test(digital_signature_rejects_malformed_auth_data),
		cmocka_unit_test(algorithm_identifiers_decode_to_the_right_oids),
		cmocka_unit_test(private_key_found_by_public_key_and_nickname),
		cmocka_unit_test(rfc3110_rsa_key_parses_and_rejects_bad_lengths),
		cmocka_unit_test(raw_ec_key_rejects_wrong_length_and_off_curve_point),
		cmocka_unit_test(rsa_raw_key_rejects_small_or_even_values),
		cmocka_unit_test(signature_hash_algorithms_notify_round_trips),
		cmocka_unit_test(ecdsa_verifies_wycheproof_p256_signature_and_rejects_bad_der),
		cmocka_unit_test(rsa_pkcs1_verifies_wycheproof_signature_from_raw_modulus),
	};

	return cmocka_run_group_tests_name("crypto_auth", tests, setup, teardown);
}
