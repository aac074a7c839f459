/*
 * ike= / esp= proposal strings to transform lists (see conf_proposal.h
 * for the syntax).  Algorithms RFC 8247 / RFC 8221 call weak are known
 * by name so the error can say why they are refused.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf_proposal.h"

#define ITEM_MAX	128	/* one comma-separated item */

enum alg_class { ALG_ENCR, ALG_HASH, ALG_KE, ALG_NONE };

struct alg {
	const char	*name;
	enum alg_class	 cls;
	uint16_t	 id;		/* encr / prf / ke id */
	uint16_t	 keylen;	/* encr: bits */
	uint16_t	 integ;		/* hash: matching integrity id */
	const char	*refused;	/* non-NULL: known, refused, why */
};

static const struct alg algs[] = {
	{ "aes", ALG_ENCR, CONF_ENCR_AES_CBC, 128, 0, NULL },
	{ "aes128", ALG_ENCR, CONF_ENCR_AES_CBC, 128, 0, NULL },
	{ "aes256", ALG_ENCR, CONF_ENCR_AES_CBC, 256, 0, NULL },
	{ "aes_cbc", ALG_ENCR, CONF_ENCR_AES_CBC, 128, 0, NULL },
	{ "aes_cbc128", ALG_ENCR, CONF_ENCR_AES_CBC, 128, 0, NULL },
	{ "aes_cbc256", ALG_ENCR, CONF_ENCR_AES_CBC, 256, 0, NULL },
	{ "aes_gcm", ALG_ENCR, CONF_ENCR_AES_GCM_16, 256, 0, NULL },
	{ "aes_gcm128", ALG_ENCR, CONF_ENCR_AES_GCM_16, 128, 0, NULL },
	{ "aes_gcm256", ALG_ENCR, CONF_ENCR_AES_GCM_16, 256, 0, NULL },
	{ "aes_gcm16_128", ALG_ENCR, CONF_ENCR_AES_GCM_16, 128, 0, NULL },
	{ "aes_gcm16_256", ALG_ENCR, CONF_ENCR_AES_GCM_16, 256, 0, NULL },
	{ "chacha20poly1305", ALG_ENCR, CONF_ENCR_CHACHA20_POLY1305, 256, 0, NULL },
	{ "chacha20_poly1305", ALG_ENCR, CONF_ENCR_CHACHA20_POLY1305, 256, 0, NULL },
	{ "3des", ALG_ENCR, 0, 0, 0, "3DES is not allowed (RFC 8247, RFC 8221)" },
	{ "des", ALG_ENCR, 0, 0, 0, "DES is not allowed (RFC 8247, RFC 8221)" },
	{ "aes_gcm8", ALG_ENCR, 0, 0, 0, "8-octet ICV AES-GCM is not allowed (RFC 8247)" },
	{ "aes_gcm12", ALG_ENCR, 0, 0, 0, "12-octet ICV AES-GCM is not supported; use aes_gcm (16-octet ICV)" },

	{ "sha2", ALG_HASH, CONF_PRF_HMAC_SHA2_256, 0, CONF_INTEG_HMAC_SHA2_256_128, NULL },
	{ "sha256", ALG_HASH, CONF_PRF_HMAC_SHA2_256, 0, CONF_INTEG_HMAC_SHA2_256_128, NULL },
	{ "sha2_256", ALG_HASH, CONF_PRF_HMAC_SHA2_256, 0, CONF_INTEG_HMAC_SHA2_256_128, NULL },
	{ "sha384", ALG_HASH, CONF_PRF_HMAC_SHA2_384, 0, CONF_INTEG_HMAC_SHA2_384_192, NULL },
	{ "sha2_384", ALG_HASH, CONF_PRF_HMAC_SHA2_384, 0, CONF_INTEG_HMAC_SHA2_384_192, NULL },
	{ "sha512", ALG_HASH, CONF_PRF_HMAC_SHA2_512, 0, CONF_INTEG_HMAC_SHA2_512_256, NULL },
	{ "sha2_512", ALG_HASH, CONF_PRF_HMAC_SHA2_512, 0, CONF_INTEG_HMAC_SHA2_512_256, NULL },
	{ "null", ALG_NONE, 0, 0, 0, NULL },
	{ "none", ALG_NONE, 0, 0, 0, NULL },
	{ "sha1", ALG_HASH, 0, 0, 0, "SHA-1 is not allowed (RFC 8247)" },
	{ "md5", ALG_HASH, 0, 0, 0, "MD5 is not allowed (RFC 8247)" },

	{ "dh14", ALG_KE, CONF_KE_MODP2048, 0, 0, NULL },
	{ "modp2048", ALG_KE, CONF_KE_MODP2048, 0, 0, NULL },
	{ "dh15", ALG_KE, CONF_KE_MODP3072, 0, 0, NULL },
	{ "modp3072", ALG_KE, CONF_KE_MODP3072, 0, 0, NULL },
	{ "dh16", ALG_KE, CONF_KE_MODP4096, 0, 0, NULL },
	{ "modp4096", ALG_KE, CONF_KE_MODP4096, 0, 0, NULL },
	{ "dh19", ALG_KE, CONF_KE_ECP256, 0, 0, NULL },
	{ "ecp256", ALG_KE, CONF_KE_ECP256, 0, 0, NULL },
	{ "dh20", ALG_KE, CONF_KE_ECP384, 0, 0, NULL },
	{ "ecp384", ALG_KE, CONF_KE_ECP384, 0, 0, NULL },
	{ "dh21", ALG_KE, CONF_KE_ECP521, 0, 0, NULL },
	{ "ecp521", ALG_KE, CONF_KE_ECP521, 0, 0, NULL },
	{ "dh31", ALG_KE, CONF_KE_CURVE25519, 0, 0, NULL },
	{ "curve25519", ALG_KE, CONF_KE_CURVE25519, 0, 0, NULL },
	{ "x25519", ALG_KE, CONF_KE_CURVE25519, 0, 0, NULL },
	{ "dh1", ALG_KE, 0, 0, 0, "768-bit MODP is not allowed (RFC 8247)" },
	{ "dh2", ALG_KE, 0, 0, 0, "1024-bit MODP is not allowed (RFC 8247)" },
	{ "modp1024", ALG_KE, 0, 0, 0, "1024-bit MODP is not allowed (RFC 8247)" },
	{ "dh5", ALG_KE, 0, 0, 0, "1536-bit MODP is not allowed (RFC 8247)" },
	{ "modp1536", ALG_KE, 0, 0, 0, "1536-bit MODP is not allowed (RFC 8247)" },
	{ "dh22", ALG_KE, 0, 0, 0, "MODP groups with prime-order subgroups are not allowed (RFC 8247)" },
	{ "dh23", ALG_KE, 0, 0, 0, "MODP groups with prime-order subgroups are not allowed (RFC 8247)" },
	{ "dh24", ALG_KE, 0, 0, 0, "MODP groups with prime-order subgroups are not allowed (RFC 8247)" },
};

static const uint16_t default_prf[] = { CONF_PRF_HMAC_SHA2_512, CONF_PRF_HMAC_SHA2_256 };
static const uint16_t default_integ[] = {
	CONF_INTEG_HMAC_SHA2_512_256, CONF_INTEG_HMAC_SHA2_256_128 };
static const uint16_t default_ke[] = {
	CONF_KE_CURVE25519, CONF_KE_ECP256, CONF_KE_ECP384, CONF_KE_MODP2048 };

static const struct alg *
alg_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(algs[i].name, name) == 0)
			return &algs[i];
	return NULL;
}

static bool
encr_is_aead(uint16_t id)
{
	return id == CONF_ENCR_AES_GCM_16 || id == CONF_ENCR_CHACHA20_POLY1305;
}

static uint16_t
prf_to_integ(uint16_t prf)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].cls == ALG_HASH && algs[i].id == prf)
			return algs[i].integ;
	return CONF_INTEG_NONE;
}

/* Class of a "+"-list, from its first name; NULL alg: unknown. */
static int
segment_class(const char *seg, const struct alg **first)
{
	char name[ITEM_MAX];
	size_t n = strcspn(seg, "+");

	if (n == 0 || n >= sizeof(name))
		return -1;
	memcpy(name, seg, n);
	name[n] = '\0';
	*first = alg_lookup(name);
	return *first ? (int)(*first)->cls : -1;
}

static int
add_u16(uint16_t *v, uint8_t *n, size_t max, uint16_t id, const char *what,
    char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (v[i] == id) {
			snprintf(err, errlen, "%s listed twice in one proposal", what);
			return -1;
		}
	if (*n >= max) {
		snprintf(err, errlen, "too many %s algorithms in one proposal (at most %zu)",
		    what, max);
		return -1;
	}
	v[(*n)++] = id;
	return 0;
}

/* One "+"-separated list of names of class `cls` into the proposal. */
static int
parse_list(struct conf_proposal *p, char *seg, enum alg_class cls,
    enum conf_prop_kind kind, char *err, size_t errlen)
{
	char *save = NULL, *tok;
	const struct alg *a;

	for (tok = strtok_r(seg, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
		a = alg_lookup(tok);
		if (a == NULL) {
			snprintf(err, errlen, "unknown algorithm \"%s\" (expected e.g. "
			    "aes_gcm256, chacha20poly1305, aes256, sha2_512, dh19, dh31)", tok);
			return -1;
		}
		if (a->refused) {
			snprintf(err, errlen, "\"%s\": %s", tok, a->refused);
			return -1;
		}
		if (a->cls == ALG_NONE) {
			/* "null": no integrity (AEAD) or no PFS: nothing to add. */
			if (cls == ALG_ENCR) {
				snprintf(err, errlen, "null encryption is not allowed");
				return -1;
			}
			if (cls == ALG_HASH && kind == CONF_PROP_IKE) {
				snprintf(err, errlen, "IKE needs a PRF; \"%s\" is not one", tok);
				return -1;
			}
			continue;
		}
		if (a->cls != cls) {
			snprintf(err, errlen, "\"%s\" is in the wrong place (expected "
			    "CIPHERS[-HASHES][-GROUPS])", tok);
			return -1;
		}
		switch (cls) {
		case ALG_ENCR:
			if (p->nencr >= CONF_PROP_XFORMS) {
				snprintf(err, errlen, "too many ciphers in one proposal (at most %d)",
				    CONF_PROP_XFORMS);
				return -1;
			}
			p->encr[p->nencr].id = a->id;
			p->encr[p->nencr].keylen = a->keylen;
			p->nencr++;
			break;
		case ALG_HASH:
			if (kind == CONF_PROP_IKE) {
				if (add_u16(p->prf, &p->nprf, CONF_PROP_XFORMS, a->id, tok,
				    err, errlen) == -1)
					return -1;
			} else if (add_u16(p->integ, &p->ninteg, CONF_PROP_XFORMS,
			    a->integ, tok, err, errlen) == -1)
				return -1;
			break;
		case ALG_KE:
			if (add_u16(p->ke, &p->nke, CONF_PROP_GROUPS, a->id, tok,
			    err, errlen) == -1)
				return -1;
			break;
		case ALG_NONE:
			break;
		}
	}
	return 0;
}

/* True if every "+"/","-free name in `s` is a key exchange group. */
static bool
only_groups(const char *s)
{
	char buf[ITEM_MAX], *save = NULL, *tok;
	const struct alg *a;

	if (strlen(s) >= sizeof(buf) || *s == '\0')
		return false;
	strcpy(buf, s);
	for (tok = strtok_r(buf, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
		a = alg_lookup(tok);
		if (a == NULL || a->cls != ALG_KE)
			return false;
	}
	return true;
}

static int
parse_item(struct conf_proposal *p, char *item, enum conf_prop_kind kind,
    char *err, size_t errlen)
{
	char *groups = strchr(item, ';');
	char *seg, *save = NULL;
	const struct alg *first;
	int stage = 0, cls;	/* 0: ciphers next, 1: hashes or groups, 2: groups, 3: end */

	if (groups)
		*groups++ = '\0';
	for (seg = strtok_r(item, "-", &save); seg; seg = strtok_r(NULL, "-", &save)) {
		cls = segment_class(seg, &first);
		if (cls < 0 || cls == ALG_NONE)	/* let parse_list explain */
			cls = stage == 0 ? ALG_ENCR : stage == 1 ? ALG_HASH : ALG_KE;
		if (stage == 3 || (stage == 0 && cls != ALG_ENCR) ||
		    (stage > 0 && cls == ALG_ENCR) || (stage == 2 && cls != ALG_KE)) {
			snprintf(err, errlen, "\"%s\" is in the wrong place (expected "
			    "CIPHERS[-HASHES][-GROUPS])", seg);
			return -1;
		}
		if (parse_list(p, seg, (enum alg_class)cls, kind, err, errlen) == -1)
			return -1;
		stage = cls == ALG_ENCR ? 1 : cls == ALG_HASH ? 2 : 3;
	}
	if (p->nencr == 0) {
		snprintf(err, errlen, "a proposal needs a cipher (expected e.g. aes_gcm256)");
		return -1;
	}
	if (groups) {
		if (p->nke != 0) {
			snprintf(err, errlen, "groups given twice (\"-\" and \";\")");
			return -1;
		}
		if (!only_groups(groups) && strcmp(groups, "none") != 0) {
			snprintf(err, errlen, "\"%s\" after \";\" is not a group list "
			    "(expected e.g. dh19+dh31)", groups);
			return -1;
		}
		if (parse_list(p, groups, ALG_KE, kind, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* AEAD rules and defaults for parts left out. */
static int
complete(struct conf_proposal *p, enum conf_prop_kind kind, char *err,
    size_t errlen)
{
	bool aead = encr_is_aead(p->encr[0].id);
	size_t i;

	for (i = 1; i < p->nencr; i++)
		if (encr_is_aead(p->encr[i].id) != aead) {
			snprintf(err, errlen, "AEAD and non-AEAD ciphers must be in "
			    "separate proposals (RFC 7296 section 3.3)");
			return -1;
		}
	if (kind == CONF_PROP_IKE) {
		if (p->nprf == 0) {
			memcpy(p->prf, default_prf, sizeof(default_prf));
			p->nprf = sizeof(default_prf) / sizeof(default_prf[0]);
		}
		if (!aead)
			for (i = 0; i < p->nprf; i++)
				p->integ[p->ninteg++] = prf_to_integ(p->prf[i]);
		if (p->nke == 0) {
			memcpy(p->ke, default_ke, sizeof(default_ke));
			p->nke = sizeof(default_ke) / sizeof(default_ke[0]);
		}
		return 0;
	}
	if (aead && p->ninteg != 0) {
		snprintf(err, errlen, "an AEAD cipher takes no integrity algorithm "
		    "(leave it out or write \"null\")");
		return -1;
	}
	if (!aead && p->ninteg == 0) {
		memcpy(p->integ, default_integ, sizeof(default_integ));
		p->ninteg = sizeof(default_integ) / sizeof(default_integ[0]);
	}
	return 0;
}

int
conf_proposals_parse(struct conf_proposals *out, const char *s,
    enum conf_prop_kind kind, char *err, size_t errlen)
{
	char item[ITEM_MAX];
	const char *cur = s, *end;
	size_t n;
	bool prev_semicolon = false;
	struct conf_proposal *p;

	memset(out, 0, sizeof(*out));
	if (*s == '\0') {
		snprintf(err, errlen, "empty proposal list");
		return -1;
	}
	for (;;) {
		end = strchr(cur, ',');
		n = end ? (size_t)(end - cur) : strlen(cur);
		if (n == 0 || n >= sizeof(item)) {
			snprintf(err, errlen, n == 0 ? "empty proposal between commas" :
			    "proposal too long (at most %zu characters)", sizeof(item) - 1);
			return -1;
		}
		memcpy(item, cur, n);
		item[n] = '\0';
		if (prev_semicolon && only_groups(item)) {
			/* "...;dh19,dh31": dh31 belongs to the previous proposal. */
			if (parse_list(&out->p[out->n - 1], item, ALG_KE, kind,
			    err, errlen) == -1)
				return -1;
		} else {
			if (out->n >= CONF_PROP_MAX) {
				snprintf(err, errlen, "too many proposals (at most %d)",
				    CONF_PROP_MAX);
				return -1;
			}
			if (out->n > 0 && complete(&out->p[out->n - 1], kind, err,
			    errlen) == -1)
				return -1;
			prev_semicolon = strchr(item, ';') != NULL;
			p = &out->p[out->n++];
			if (parse_item(p, item, kind, err, errlen) == -1)
				return -1;
		}
		if (end == NULL)
			break;
		cur = end + 1;
	}
	return complete(&out->p[out->n - 1], kind, err, errlen);
}

const char *
conf_encr_name(uint16_t id)
{
	switch (id) {
	case CONF_ENCR_AES_CBC:			return "AES_CBC";
	case CONF_ENCR_AES_GCM_16:		return "AES_GCM_16";
	case CONF_ENCR_CHACHA20_POLY1305:	return "CHACHA20_POLY1305";
	default:				return "?";
	}
}

const char *
conf_ke_name(uint16_t id)
{
	switch (id) {
	case CONF_KE_MODP2048:		return "MODP_2048";
	case CONF_KE_MODP3072:		return "MODP_3072";
	case CONF_KE_MODP4096:		return "MODP_4096";
	case CONF_KE_ECP256:		return "ECP_256";
	case CONF_KE_ECP384:		return "ECP_384";
	case CONF_KE_ECP521:		return "ECP_521";
	case CONF_KE_CURVE25519:	return "CURVE25519";
	default:			return "?";
	}
}
