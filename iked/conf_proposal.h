/*
 * ike= and esp= proposal strings, parsed into transform lists with
 * IANA IKEv2 transform ids, so the IKE engine can build SA payloads
 * without knowing the configuration syntax.
 *
 * Syntax (ours, close to libreswan's):
 *   PROPOSALS := PROPOSAL { "," PROPOSAL }
 *   PROPOSAL  := ENCRS [ "-" HASHES ] [ ( "-" | ";" ) GROUPS ]
 *   ENCRS, HASHES, GROUPS := NAME { "+" NAME }
 * After ";" the group list may also continue over commas while the
 * items are only group names: "aes_gcm256-sha2_512;dh19,dh31" is one
 * proposal offering dh19 and dh31.
 * For ike= the HASHES are PRFs (and the integrity algorithm too when
 * the cipher is not AEAD); for esp= they are integrity algorithms and
 * GROUPS are the PFS groups.
 */
#ifndef IKED_CONF_PROPOSAL_H
#define IKED_CONF_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_PROP_MAX		8	/* proposals per key */
#define CONF_PROP_XFORMS	4	/* ciphers / hashes per proposal */
#define CONF_PROP_GROUPS	8

/* IANA "Transform Type 1 - Encryption Algorithm Transform IDs" */
#define CONF_ENCR_AES_CBC		12
#define CONF_ENCR_AES_GCM_16		20
#define CONF_ENCR_CHACHA20_POLY1305	28
/* IANA "Transform Type 2 - Pseudorandom Function Transform IDs" */
#define CONF_PRF_HMAC_SHA2_256		5
#define CONF_PRF_HMAC_SHA2_384		6
#define CONF_PRF_HMAC_SHA2_512		7
/* IANA "Transform Type 3 - Integrity Algorithm Transform IDs" */
#define CONF_INTEG_NONE			0
#define CONF_INTEG_HMAC_SHA2_256_128	12
#define CONF_INTEG_HMAC_SHA2_384_192	13
#define CONF_INTEG_HMAC_SHA2_512_256	14
/* IANA "Transform Type 4 - Key Exchange Method Transform IDs" */
#define CONF_KE_MODP2048		14
#define CONF_KE_MODP3072		15
#define CONF_KE_MODP4096		16
#define CONF_KE_ECP256			19
#define CONF_KE_ECP384			20
#define CONF_KE_ECP521			21
#define CONF_KE_CURVE25519		31

enum conf_prop_kind { CONF_PROP_IKE, CONF_PROP_ESP };

struct conf_encr {
	uint16_t	 id;		/* CONF_ENCR_* */
	uint16_t	 keylen;	/* bits */
};

struct conf_proposal {
	uint8_t			 nencr, nprf, ninteg, nke;
	struct conf_encr	 encr[CONF_PROP_XFORMS];
	uint16_t		 prf[CONF_PROP_XFORMS];		/* IKE only */
	uint16_t		 integ[CONF_PROP_XFORMS];	/* empty for AEAD */
	uint16_t		 ke[CONF_PROP_GROUPS];		/* ESP: PFS groups */
};

struct conf_proposals {
	uint32_t		 n;
	struct conf_proposal	 p[CONF_PROP_MAX];
};

/*
 * Defaults, following RFC 8247 (IKEv2) and RFC 8221 (ESP): AES-GCM and
 * ChaCha20-Poly1305 first, AES-CBC with HMAC-SHA2 as fallback; SHA-2
 * PRFs; curve25519, ECP and 2048-bit MODP.  No SHA-1, no 3DES, no MODP
 * below 2048.
 */
#define CONF_IKE_DEFAULT \
	"aes_gcm256+aes_gcm128+chacha20poly1305-sha2_512+sha2_256-dh31+dh19+dh20+dh14," \
	"aes256+aes128-sha2_512+sha2_256-dh31+dh19+dh20+dh14"
#define CONF_ESP_DEFAULT \
	"aes_gcm256+aes_gcm128+chacha20poly1305,aes256+aes128-sha2_512+sha2_256"

/*
 * Parse `s` into `out` (zeroed first).  On error returns -1 and writes
 * what was wrong and what was expected into err.
 */
int	 conf_proposals_parse(struct conf_proposals *out, const char *s,
	    enum conf_prop_kind kind, char *err, size_t errlen);

/* Names for logs and oectl: "AES_GCM_16_256", "PRF_HMAC_SHA2_512", ... */
const char *conf_encr_name(uint16_t id);
const char *conf_ke_name(uint16_t id);

#endif /* IKED_CONF_PROPOSAL_H */
