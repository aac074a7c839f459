/*
 * Signature authentication with raw public keys (RFC 7296 2.15,
 * RFC 7427 digital signatures, RSA method 1 only when the peer sent no
 * SIGNATURE_HASH_ALGORITHMS): our private key from the NSS database,
 * the peer's public keys from a secure IPSECKEY (given to
 * ikev2_initiate()) or from the conn's rightrsasigkey=.
 */
#include "config.h"

#include <string.h>

#include "oe_log.h"
#include "ikev2.h"
#include "ikev2_auth.h"
#include "crypto.h"
#include "crypto_auth.h"

#include <keyhi.h>

/* oe-ipseckey's default nickname for the host key. */
#define HOSTKEY_NICKNAME	"oe-hostkey"
/* IPSECKEY algorithm numbers (RFC 4025, RFC 6605 form for ECDSA). */
#define IPSECKEY_ALG_RSA	2
#define IPSECKEY_ALG_ECDSA	3

/* Our private key: the one matching leftrsasigkey=, else by nickname. */
static SECKEYPrivateKey *
local_key(const struct conf_conn *c)
{
	SECKEYPublicKey *pub;
	SECKEYPrivateKey *key = NULL;

	if (c->left.sigkey.kind == CONF_SIGKEY_RAW) {
		pub = crypto_pubkey_rsa_rfc3110(c->left.sigkey.key,
		    c->left.sigkey.len);
		if (pub == NULL)
			return NULL;
		key = crypto_privkey_find_by_pubkey(pub);
		SECKEY_DestroyPublicKey(pub);
		return key;
	}
	return crypto_privkey_find_by_nickname(c->left.cert[0] != '\0' ?
	    c->left.cert : HOSTKEY_NICKNAME);
}

int
ikev2_auth_sig_make(struct ikev2_ike_sa *sa, const struct conf_conn *c,
    const uint8_t *octets, size_t len, uint8_t *out, size_t cap,
    size_t *out_len, uint8_t *method)
{
	SECKEYPrivateKey *key;
	enum crypto_sig sig;
	KeyType kt;
	int r;

	key = local_key(c);
	if (key == NULL) {
		oe_err("conn %s: no private key for signature authentication "
		    "in the NSS database", c->name);
		return -1;
	}
	kt = SECKEY_GetPrivateKeyType(key);
	if (kt == rsaKey && !(sa->peer_sig_hashes &
	    (1u << IKEV2_HASH_SHA2_256))) {
		/* A peer without RFC 7427 only knows method 1 (SHA-1). */
		*method = IKEV2_AUTH_METHOD_RSA_SIG;
		sig = CRYPTO_SIG_RSA_PKCS1_SHA1;
	} else {
		*method = IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE;
		sig = kt == rsaKey ? CRYPTO_SIG_RSA_PKCS1_SHA256 :
		    CRYPTO_SIG_ECDSA_SHA256;
	}
	r = crypto_auth_sign(*method, sig, key, octets, len, out, cap, out_len);
	SECKEY_DestroyPrivateKey(key);
	return r;
}

/* Try one public key; 0 if it verifies. */
static int
try_key(SECKEYPublicKey *pub, const struct ikev2_auth *a,
    const uint8_t *octets, size_t len)
{
	int r;

	if (pub == NULL)
		return -1;
	r = crypto_auth_verify(a->method, pub, octets, len, a->data.ptr,
	    a->data.len, CRYPTO_SIG_DEFAULT_ALLOWED, NULL);
	SECKEY_DestroyPublicKey(pub);
	return r;
}

int
ikev2_auth_sig_check(struct ikev2_ike_sa *sa, const struct conf_conn *c,
    const struct ikev2_auth *a, const uint8_t *octets, size_t len,
    const char **why)
{
	size_t i;
	bool tried = false;

	if (a->method != IKEV2_AUTH_METHOD_DIGITAL_SIGNATURE &&
	    a->method != IKEV2_AUTH_METHOD_RSA_SIG) {
		*why = "unsupported AUTH method";
		return -1;
	}
	/* Keys from DNS first: they name this very peer. */
	for (i = 0; i < sa->npeer_keys; i++) {
		const struct ikev2_peer_key *k = &sa->peer_keys[i];
		SECKEYPublicKey *pub = NULL;

		if (k->algorithm == IPSECKEY_ALG_RSA &&
		    c->right.auth == CONF_AUTH_RSASIG)
			pub = crypto_pubkey_rsa_rfc3110(k->key, k->len);
		else if (k->algorithm == IPSECKEY_ALG_ECDSA &&
		    c->right.auth == CONF_AUTH_ECDSA)
			pub = crypto_pubkey_ecdsa_raw(k->key, k->len);
		if (pub == NULL)
			continue;
		tried = true;
		if (try_key(pub, a, octets, len) == 0)
			return 0;
	}
	if (c->right.sigkey.kind == CONF_SIGKEY_RAW) {
		tried = true;
		if (try_key(crypto_pubkey_rsa_rfc3110(c->right.sigkey.key,
		    c->right.sigkey.len), a, octets, len) == 0)
			return 0;
	}
	*why = tried ? "signature does not verify with the peer's keys" :
	    "no public key known for the peer";
	return -1;
}
