/*
 * SA payload proposals (see ikev2_proposal.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ikev2.h"
#include "ikev2_proposal.h"
#include "crypto.h"
#include "crypto_dh.h"

/* The Key Length the crypto table knows for (id, bits), or -1. */
static int
encr_bits(uint16_t id, uint16_t bits)
{
	if (crypto_encr_lookup(id, bits) != NULL)
		return bits;
	/* ChaCha20-Poly1305 has a fixed key and no Key Length attribute. */
	if (crypto_encr_lookup(id, 0) != NULL)
		return 0;
	return -1;
}

static void
add_xf(struct ikev2_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	struct ikev2_transform *t;

	if (p->ntransforms >= IKEV2_MAX_TRANSFORMS)
		return;
	t = &p->transforms[p->ntransforms++];
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->id = id;
	t->keylen = keylen;
}

static bool
proposal_is_aead(const struct conf_proposal *c)
{
	const struct crypto_encr *e;
	int b;

	if (c->nencr == 0)
		return false;
	b = encr_bits(c->encr[0].id, c->encr[0].keylen);
	e = b < 0 ? NULL : crypto_encr_lookup(c->encr[0].id, (uint16_t)b);
	return e != NULL && e->aead;
}

int
ikev2_proposals_build(const struct conf_proposals *cp, bool esp,
    const uint8_t *spi, uint8_t spi_len, struct ikev2_sa *out)
{
	uint32_t i;
	uint8_t j;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < cp->n && out->nproposals < IKEV2_MAX_PROPOSALS; i++) {
		const struct conf_proposal *c = &cp->p[i];
		struct ikev2_proposal *p = &out->proposals[out->nproposals];
		bool aead = proposal_is_aead(c);
		size_t nencr = 0, nprf = 0, nke = 0, ninteg = 0;

		memset(p, 0, sizeof(*p));
		p->num = (uint8_t)(out->nproposals + 1);
		p->protocol = esp ? IKEV2_PROTO_ESP : IKEV2_PROTO_IKE;
		p->spi_len = spi_len;
		if (spi_len > 0)
			memcpy(p->spi, spi, spi_len);
		for (j = 0; j < c->nencr; j++) {
			int b = encr_bits(c->encr[j].id, c->encr[j].keylen);
			const struct crypto_encr *e;

			if (b < 0)
				continue;
			e = crypto_encr_lookup(c->encr[j].id, (uint16_t)b);
			/* One proposal cannot mix AEAD and non-AEAD ciphers. */
			if (e == NULL || e->aead != aead)
				continue;
			add_xf(p, IKEV2_XF_ENCR, c->encr[j].id, (uint16_t)b);
			nencr++;
		}
		if (!esp)
			for (j = 0; j < c->nprf; j++)
				if (crypto_prf_lookup(c->prf[j]) != NULL) {
					add_xf(p, IKEV2_XF_PRF, c->prf[j], 0);
					nprf++;
				}
		if (!aead)
			for (j = 0; j < c->ninteg; j++)
				if (crypto_integ_lookup(c->integ[j]) != NULL) {
					add_xf(p, IKEV2_XF_INTEG, c->integ[j], 0);
					ninteg++;
				}
		if (!aead && !esp && ninteg == 0)
			/* IKE with CBC and no integ= list: integ follows the PRFs. */
			for (j = 0; j < c->nprf; j++) {
				uint16_t ig = c->prf[j] == IKEV2_PRF_HMAC_SHA2_256 ?
				    IKEV2_INTEG_HMAC_SHA2_256_128 :
				    c->prf[j] == IKEV2_PRF_HMAC_SHA2_384 ?
				    IKEV2_INTEG_HMAC_SHA2_384_192 :
				    IKEV2_INTEG_HMAC_SHA2_512_256;

				add_xf(p, IKEV2_XF_INTEG, ig, 0);
				ninteg++;
			}
		if (!esp) {
			for (j = 0; j < c->nke; j++)
				if (crypto_dh_group_lookup(c->ke[j]) != NULL) {
					add_xf(p, IKEV2_XF_DH, c->ke[j], 0);
					nke++;
				}
		} else {
			add_xf(p, IKEV2_XF_ESN, IKEV2_ESN_NO, 0);
		}
		if (nencr == 0 || (!esp && (nprf == 0 || nke == 0)) ||
		    (!aead && ninteg == 0))
			continue;	/* nothing usable in this one */
		out->nproposals++;
	}
	return out->nproposals;
}

/* Whether transform (type, id, keylen) is in `ours` (one built proposal). */
static bool
ours_has(const struct ikev2_proposal *ours, uint8_t type, uint16_t id,
    uint16_t keylen)
{
	uint8_t i;

	for (i = 0; i < ours->ntransforms; i++) {
		const struct ikev2_transform *t = &ours->transforms[i];

		if (t->type == type && t->id == id && t->keylen == keylen)
			return true;
	}
	return false;
}

/* Match one peer proposal against one of ours; 0 and *ch on success. */
static int
match(const struct ikev2_proposal *ours, bool esp,
    const struct ikev2_proposal *p, struct ikev2_proto_choice *ch)
{
	bool have_encr = false, have_prf = false, have_integ = false;
	bool have_dh = false, have_esn = false, aead = false;
	uint8_t i;

	memset(ch, 0, sizeof(*ch));
	if (p->protocol != (esp ? IKEV2_PROTO_ESP : IKEV2_PROTO_IKE))
		return -1;
	for (i = 0; i < p->ntransforms; i++) {
		const struct ikev2_transform *t = &p->transforms[i];

		if (t->unknown_attr)
			continue;
		switch (t->type) {
		case IKEV2_XF_ENCR:
			if (!have_encr && ours_has(ours, t->type, t->id,
			    t->keylen)) {
				const struct crypto_encr *e;

				e = crypto_encr_lookup(t->id, t->keylen);
				have_encr = true;
				aead = e != NULL && e->aead;
				ch->encr = t->id;
				ch->encr_bits = t->keylen;
			}
			break;
		case IKEV2_XF_PRF:
			if (!esp && !have_prf && ours_has(ours, t->type, t->id, 0)) {
				have_prf = true;
				ch->prf = t->id;
			}
			break;
		case IKEV2_XF_INTEG:
			if (!have_integ && ours_has(ours, t->type, t->id, 0)) {
				have_integ = true;
				ch->integ = t->id;
			}
			break;
		case IKEV2_XF_DH:
			if (!esp && !have_dh && ours_has(ours, t->type, t->id, 0)) {
				have_dh = true;
				ch->dh = t->id;
			}
			break;
		case IKEV2_XF_ESN:
			if (t->id == IKEV2_ESN_NO)
				have_esn = true;
			break;
		default:
			break;
		}
	}
	if (!have_encr)
		return -1;
	if (aead)
		ch->integ = 0;
	else if (!have_integ)
		return -1;
	if (!esp && (!have_prf || !have_dh))
		return -1;
	if (esp && !have_esn)
		return -1;
	return 0;
}

int
ikev2_proposals_choose(const struct conf_proposals *cp, bool esp,
    const struct ikev2_sa *peer, struct ikev2_proto_choice *choice,
    const struct ikev2_proposal **chosen_prop)
{
	struct ikev2_sa *ours;
	uint8_t i, j;
	int ret = -1;

	/* Built once: matching then costs only comparisons per transform. */
	ours = malloc(sizeof(*ours));
	if (ours == NULL)
		return -1;
	(void)ikev2_proposals_build(cp, esp, NULL, 0, ours);
	for (i = 0; i < ours->nproposals && ret < 0; i++)
		for (j = 0; j < peer->nproposals; j++) {
			const struct ikev2_proposal *p = &peer->proposals[j];

			if (esp && p->spi_len != 4)
				continue;
			if (!esp && p->spi_len != 0 && p->spi_len != 8)
				continue;
			if (match(&ours->proposals[i], esp, p, choice) == 0) {
				*chosen_prop = p;
				ret = 0;
				break;
			}
		}
	free(ours);
	return ret;
}

int
ikev2_proposals_accept(const struct conf_proposals *cp, bool esp,
    const struct ikev2_sa *resp, struct ikev2_proto_choice *choice,
    const struct ikev2_proposal **chosen_prop)
{
	const struct ikev2_proposal *p;
	unsigned counts[6] = { 0 };
	uint8_t i;

	/* RFC 7296 3.3.6: exactly one proposal, one transform per type. */
	if (resp->nproposals != 1)
		return -1;
	p = &resp->proposals[0];
	for (i = 0; i < p->ntransforms; i++)
		if (p->transforms[i].type < 6 && ++counts[p->transforms[i].type] > 1)
			return -1;
	return ikev2_proposals_choose(cp, esp, resp, choice, chosen_prop);
}

void
ikev2_proposal_answer(const struct ikev2_proto_choice *choice, bool esp,
    uint8_t num, const uint8_t *spi, uint8_t spi_len, struct ikev2_sa *out)
{
	struct ikev2_proposal *p;

	memset(out, 0, sizeof(*out));
	out->nproposals = 1;
	p = &out->proposals[0];
	p->num = num;
	p->protocol = esp ? IKEV2_PROTO_ESP : IKEV2_PROTO_IKE;
	p->spi_len = spi_len;
	if (spi_len > 0)
		memcpy(p->spi, spi, spi_len);
	add_xf(p, IKEV2_XF_ENCR, choice->encr, choice->encr_bits);
	if (!esp)
		add_xf(p, IKEV2_XF_PRF, choice->prf, 0);
	if (choice->integ != 0)
		add_xf(p, IKEV2_XF_INTEG, choice->integ, 0);
	if (!esp || choice->dh != 0)
		add_xf(p, IKEV2_XF_DH, choice->dh, 0);
	if (esp)
		add_xf(p, IKEV2_XF_ESN, IKEV2_ESN_NO, 0);
}

size_t
ikev2_pfs_groups(const struct conf_proposals *esp, bool pfs,
    uint16_t ike_group, uint16_t *groups, size_t max)
{
	size_t n = 0, k;
	uint32_t i;
	uint8_t j;

	if (!pfs || max == 0)
		return 0;
	for (i = 0; i < esp->n; i++)
		for (j = 0; j < esp->p[i].nke; j++) {
			uint16_t g = esp->p[i].ke[j];

			if (crypto_dh_group_lookup(g) == NULL)
				continue;
			for (k = 0; k < n && groups[k] != g; k++)
				;
			if (k == n && n < max)
				groups[n++] = g;
		}
	if (n == 0 && ike_group != 0 && crypto_dh_group_lookup(ike_group))
		groups[n++] = ike_group;
	return n;
}

int
ikev2_proposals_build_pfs(const struct conf_proposals *cp, const uint8_t *spi,
    uint8_t spi_len, const uint16_t *groups, size_t ngroups,
    struct ikev2_sa *out)
{
	uint8_t i;
	size_t g;
	int n;

	n = ikev2_proposals_build(cp, true, spi, spi_len, out);
	for (i = 0; i < out->nproposals; i++)
		for (g = 0; g < ngroups; g++)
			add_xf(&out->proposals[i], IKEV2_XF_DH, groups[g], 0);
	return n;
}

/* The DH group of ours that p offers (0: p offers no key exchange). */
static int
pfs_pick(const struct ikev2_proposal *p, const uint16_t *groups,
    size_t ngroups, uint16_t *dh)
{
	bool offers = false;
	size_t g;
	uint8_t i;

	for (i = 0; i < p->ntransforms; i++)
		if (p->transforms[i].type == IKEV2_XF_DH &&
		    p->transforms[i].id != IKEV2_DH_NONE)
			offers = true;
	*dh = 0;
	if (ngroups == 0)
		return offers ? -1 : 0;
	for (g = 0; g < ngroups; g++)
		for (i = 0; i < p->ntransforms; i++)
			if (p->transforms[i].type == IKEV2_XF_DH &&
			    p->transforms[i].id == groups[g]) {
				*dh = groups[g];
				return 0;
			}
	return -1;
}

int
ikev2_proposals_choose_pfs(const struct conf_proposals *cp,
    const uint16_t *groups, size_t ngroups, const struct ikev2_sa *peer,
    struct ikev2_proto_choice *choice,
    const struct ikev2_proposal **chosen_prop)
{
	struct ikev2_sa *ours;
	uint16_t dh;
	uint8_t i, j;
	int ret = -1;

	ours = malloc(sizeof(*ours));
	if (ours == NULL)
		return -1;
	(void)ikev2_proposals_build(cp, true, NULL, 0, ours);
	for (i = 0; i < ours->nproposals && ret < 0; i++)
		for (j = 0; j < peer->nproposals; j++) {
			const struct ikev2_proposal *p = &peer->proposals[j];

			if (p->spi_len != 4 ||
			    match(&ours->proposals[i], true, p, choice) < 0 ||
			    pfs_pick(p, groups, ngroups, &dh) < 0)
				continue;
			choice->dh = dh;
			*chosen_prop = p;
			ret = 0;
			break;
		}
	free(ours);
	return ret;
}

uint16_t
ikev2_proposals_first_group(const struct conf_proposals *cp)
{
	uint32_t i;
	uint8_t j;

	for (i = 0; i < cp->n; i++)
		for (j = 0; j < cp->p[i].nke; j++)
			if (crypto_dh_group_lookup(cp->p[i].ke[j]) != NULL)
				return cp->p[i].ke[j];
	return 0;
}

bool
ikev2_proposals_has_group(const struct conf_proposals *cp, uint16_t group)
{
	uint32_t i;
	uint8_t j;

	if (crypto_dh_group_lookup(group) == NULL)
		return false;
	for (i = 0; i < cp->n; i++)
		for (j = 0; j < cp->p[i].nke; j++)
			if (cp->p[i].ke[j] == group)
				return true;
	return false;
}

int
ikev2_kernel_enc(uint16_t encr, enum kernel_enc *out)
{
	switch (encr) {
	case IKEV2_ENCR_AES_GCM_16:
		*out = KERNEL_ENC_AES_GCM_16;
		return 0;
	case IKEV2_ENCR_CHACHA20_POLY1305:
		*out = KERNEL_ENC_CHACHA20_POLY1305;
		return 0;
	case IKEV2_ENCR_AES_CBC:
		*out = KERNEL_ENC_AES_CBC;
		return 0;
	default:
		return -1;
	}
}

int
ikev2_kernel_integ(uint16_t integ, enum kernel_integ *out)
{
	switch (integ) {
	case IKEV2_INTEG_NONE:
		*out = KERNEL_INTEG_NONE;
		return 0;
	case IKEV2_INTEG_HMAC_SHA2_256_128:
		*out = KERNEL_INTEG_HMAC_SHA2_256_128;
		return 0;
	case IKEV2_INTEG_HMAC_SHA2_384_192:
		*out = KERNEL_INTEG_HMAC_SHA2_384_192;
		return 0;
	case IKEV2_INTEG_HMAC_SHA2_512_256:
		*out = KERNEL_INTEG_HMAC_SHA2_512_256;
		return 0;
	default:
		return -1;
	}
}
