/*
 * crypto_floor: the CPU time NSS itself needs for the public-key work
 * one side of one IKEv2 handshake does, so the daemon's CPU per
 * handshake can be compared with it.
 *
 * Per side and handshake: one ephemeral key pair (X25519 or P-256),
 * one key agreement with the peer's public value (plus reading the
 * shared secret out, as the daemon does), and with signatures one
 * RSA PKCS#1 v1.5 SHA-256 signature (RFC 7427, what oe-iked signs
 * with) and one verification of the peer's.  Key generation for the
 * long-term RSA key is not per handshake and is not counted.
 *
 * usage: crypto_floor x25519|p256 [rsa3072] [ITERATIONS]
 * Output (one line, key=value): keygen_ms= agree_ms= sign_ms= verify_ms=
 * floor_ms= (sum per side) iterations=
 * CPU time is CLOCK_PROCESS_CPUTIME_ID; every loop is bounded by
 * ITERATIONS (default 400, at most 100000) and by 20 s of CPU per phase.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cryptohi.h>
#include <keyhi.h>
#include <nss.h>
#include <pk11pub.h>
#include <secerr.h>
#include <secoid.h>

#define PHASE_CPU_LIMIT	20.0	/* seconds */

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* DER OID parameters for SECKEY_CreateECPrivateKey; caller frees. */
static SECItem *
curve_params(SECOidTag tag)
{
	const SECOidData *oid = SECOID_FindOIDByTag(tag);

	if (oid == NULL)
		return NULL;
	return SEC_ASN1EncodeItem(NULL, NULL, &oid->oid,
	    SEC_ASN1_GET(SEC_ObjectIDTemplate));
}

/* One agreement: our private key with the peer's public value. */
static int
agree(SECKEYPrivateKey *priv, SECKEYPublicKey *peer)
{
	PK11SymKey *k;
	int r = -1;

	k = PK11_PubDeriveWithKDF(priv, peer, PR_FALSE, NULL, NULL,
	    CKM_ECDH1_DERIVE, CKM_GENERIC_SECRET_KEY_GEN, CKA_DERIVE, 0,
	    CKD_NULL, NULL, NULL);
	if (k == NULL)
		return -1;
	/* The daemon reads the secret (zero check, PRF input). */
	if (PK11_ExtractKeyValue(k) == SECSuccess && PK11_GetKeyData(k) != NULL)
		r = 0;
	PK11_FreeSymKey(k);
	return r;
}

static void
usage(void)
{
	fprintf(stderr, "usage: crypto_floor x25519|p256 [rsa3072] "
	    "[ITERATIONS]\n");
}

int
main(int argc, char **argv)
{
	SECItem *params = NULL, digest, sig = { siBuffer, NULL, 0 };
	SECKEYPublicKey *peer_pub = NULL, *pub = NULL, *rsa_pub = NULL;
	SECKEYPrivateKey *peer_priv = NULL, *priv = NULL, *rsa_priv = NULL;
	PK11SlotInfo *slot = NULL;
	PK11RSAGenParams rp;
	SECOidTag curve;
	unsigned char hash[32];
	double t0, keygen = 0, agreet = 0, sign = 0, verify = 0;
	long iters = 400, i, n;
	int rc = 1, argi = 2;
	int rsa = 0;

	if (argc < 2 || argc > 4) {
		usage();
		return 1;
	}
	if (strcmp(argv[1], "x25519") == 0)
		curve = SEC_OID_CURVE25519;
	else if (strcmp(argv[1], "p256") == 0)
		curve = SEC_OID_ANSIX962_EC_PRIME256V1;
	else {
		usage();
		return 1;
	}
	if (argi < argc && strcmp(argv[argi], "rsa3072") == 0) {
		rsa = 1;
		argi++;
	}
	if (argi < argc) {
		iters = strtol(argv[argi], NULL, 10);
		if (iters < 1 || iters > 100000) {
			usage();
			return 1;
		}
	}
	if (NSS_NoDB_Init(NULL) != SECSuccess) {
		fprintf(stderr, "crypto_floor: NSS_NoDB_Init failed\n");
		return 1;
	}
	slot = PK11_GetInternalSlot();
	params = curve_params(curve);
	if (slot == NULL || params == NULL)
		goto out;
	/* The peer's key pair: its public value is what we agree with. */
	peer_priv = SECKEY_CreateECPrivateKey(params, &peer_pub, NULL);
	if (peer_priv == NULL)
		goto out;

	/* Phase 1: ephemeral key generation (the KE payload). */
	t0 = cpu_now();
	for (n = 0; n < iters && cpu_now() - t0 < PHASE_CPU_LIMIT; n++) {
		priv = SECKEY_CreateECPrivateKey(params, &pub, NULL);
		if (priv == NULL)
			goto out;
		SECKEY_DestroyPrivateKey(priv);
		SECKEY_DestroyPublicKey(pub);
		priv = NULL;
		pub = NULL;
	}
	keygen = (cpu_now() - t0) / (double)n;

	/* Phase 2: agreement with the peer's value. */
	priv = SECKEY_CreateECPrivateKey(params, &pub, NULL);
	if (priv == NULL)
		goto out;
	t0 = cpu_now();
	for (n = 0; n < iters && cpu_now() - t0 < PHASE_CPU_LIMIT; n++)
		if (agree(priv, peer_pub) < 0) {
			fprintf(stderr, "crypto_floor: key agreement failed\n");
			goto out;
		}
	agreet = (cpu_now() - t0) / (double)n;

	if (rsa) {
		memset(&rp, 0, sizeof(rp));
		rp.keySizeInBits = 3072;
		rp.pe = 65537;
		rsa_priv = PK11_GenerateKeyPair(slot, CKM_RSA_PKCS_KEY_PAIR_GEN,
		    &rp, &rsa_pub, PR_FALSE, PR_FALSE, NULL);
		if (rsa_priv == NULL)
			goto out;
		for (i = 0; i < (long)sizeof(hash); i++)
			hash[i] = (unsigned char)i;
		digest.type = siBuffer;
		digest.data = hash;
		digest.len = sizeof(hash);
		/* Phase 3: our AUTH signature. */
		t0 = cpu_now();
		for (n = 0; n < iters && cpu_now() - t0 < PHASE_CPU_LIMIT;
		    n++) {
			SECITEM_FreeItem(&sig, PR_FALSE);
			if (SGN_Digest(rsa_priv, SEC_OID_SHA256, &sig,
			    &digest) != SECSuccess)
				goto out;
		}
		sign = (cpu_now() - t0) / (double)n;
		/* Phase 4: the peer's AUTH verified with its public key. */
		t0 = cpu_now();
		for (n = 0; n < iters && cpu_now() - t0 < PHASE_CPU_LIMIT;
		    n++)
			if (VFY_VerifyDigestDirect(&digest, rsa_pub, &sig,
			    SEC_OID_PKCS1_RSA_ENCRYPTION, SEC_OID_SHA256,
			    NULL) != SECSuccess) {
				fprintf(stderr, "crypto_floor: signature does "
				    "not verify\n");
				goto out;
			}
		verify = (cpu_now() - t0) / (double)n;
	}
	printf("keygen_ms=%.4f agree_ms=%.4f sign_ms=%.4f verify_ms=%.4f "
	    "floor_ms=%.4f iterations=%ld\n", keygen * 1e3, agreet * 1e3,
	    sign * 1e3, verify * 1e3, (keygen + agreet + sign + verify) * 1e3,
	    iters);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "crypto_floor: NSS error %d\n", PORT_GetError());
	SECITEM_FreeItem(&sig, PR_FALSE);
	if (rsa_priv != NULL)
		SECKEY_DestroyPrivateKey(rsa_priv);
	if (rsa_pub != NULL)
		SECKEY_DestroyPublicKey(rsa_pub);
	if (priv != NULL)
		SECKEY_DestroyPrivateKey(priv);
	if (pub != NULL)
		SECKEY_DestroyPublicKey(pub);
	if (peer_priv != NULL)
		SECKEY_DestroyPrivateKey(peer_priv);
	if (peer_pub != NULL)
		SECKEY_DestroyPublicKey(peer_pub);
	if (params != NULL)
		SECITEM_FreeItem(params, PR_TRUE);
	if (slot != NULL)
		PK11_FreeSlot(slot);
	(void)NSS_Shutdown();
	return rc;
}
