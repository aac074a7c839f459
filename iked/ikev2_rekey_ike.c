/*
 * Rekeying the IKE SA (RFC 7296 1.3.2, 2.18): a CREATE_CHILD_SA on the
 * old IKE SA carrying an IKE proposal with the new SPI, a nonce and a
 * fresh key exchange.  The new IKE SA takes over the Child SAs (their
 * kernel state does not change), then the old one is deleted.
 *
 * The original initiator rekeys at ikelifetime - rekeymargin, the
 * responder at half the margin should the initiator not have done it
 * (ikev2_info.c).  If both rekey at once, both exchanges complete and
 * the new IKE SA of the exchange with the lowest of the four nonces is
 * deleted by its initiator, the initiator of the other deleting the
 * old one (2.8.2).  While a Child SA rekey of ours is out, a request
 * to rekey the IKE SA gets TEMPORARY_FAILURE (2.25.2).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "oe_log.h"
#include "ikev2.h"
#include "iked.h"
#include "ikev2_exchange.h"
#include "ikev2_proposal.h"
#include "ikev2_sa.h"
#include "crypto.h"
#include "crypto_dh.h"

#define IKE_REKEY_NONCE_LEN	32
/* After a refusal: 30 s, doubling, at most 5 times (then the lifetime). */
#define IKE_REKEY_BACKOFF_USEC	(30 * 1000000ULL)
#define IKE_REKEY_MAX_REFUSALS	5

static void
spi64_be(uint64_t spi, uint8_t out[8])
{
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (uint8_t)spi;
		spi >>= 8;
	}
}

static uint64_t
spi64_from(const uint8_t *b)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* Nonces compare as unsigned numbers of their length (2.8.2). */
static int
nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r != 0 || alen == blen)
		return r;
	return alen < blen ? -1 : 1;
}

/* Does nsa's exchange hold a lower nonce than other's? */
static bool
lower_exchange(const struct ikev2_ike_sa *nsa, const struct ikev2_ike_sa *other)
{
	const uint8_t *a = nsa->ni, *b = other->ni;
	size_t alen = nsa->ni_len, blen = other->ni_len;

	if (nonce_cmp(nsa->nr, nsa->nr_len, a, alen) < 0) {
		a = nsa->nr;
		alen = nsa->nr_len;
	}
	if (nonce_cmp(other->nr, other->nr_len, b, blen) < 0) {
		b = other->nr;
		blen = other->nr_len;
	}
	return nonce_cmp(a, alen, b, blen) < 0;
}

bool
ikev2_rekey_ike_is_request(const struct ikev2_message *m)
{
	const struct ikev2_payload *p = ikev2_message_find(m, IKEV2_PL_SA, NULL);

	return p != NULL && p->u.sa->nproposals > 0 &&
	    p->u.sa->proposals[0].protocol == IKEV2_PROTO_IKE;
}

/*
 * The new IKE SA inherits everything that is not keys or exchange
 * state: conn, path, identities, NAT state, and the Child SAs, which
 * leave the old SA so that deleting it removes nothing from the kernel.
 */
static void
take_over(struct ikev2_ike_sa *old, struct ikev2_ike_sa *nsa)
{
	/* A waiting outbound SA is keyed from old's SK_d: in it goes. */
	ikev2_rekey_out_flush(old);
	nsa->replaced = false;	/* a collision's waiting SA, now chosen */
	memcpy(nsa->conn, old->conn, sizeof(nsa->conn));
	ikev2_sa_set_path(nsa, &old->path);
	nsa->lifetime = old->lifetime;
	nsa->auth_local = old->auth_local;
	nsa->auth_peer = old->auth_peer;
	nsa->peer_id = old->peer_id;
	memcpy(nsa->peer_id_data, old->peer_id_data, sizeof(nsa->peer_id_data));
	nsa->peer_id.data.ptr = nsa->peer_id_data;
	memcpy(nsa->peer_name, old->peer_name, sizeof(nsa->peer_name));
	nsa->npeer_keys = old->npeer_keys;
	nsa->peer_keys = old->peer_keys;
	old->peer_keys = NULL;
	old->npeer_keys = 0;
	nsa->peer_frag = old->peer_frag;
	nsa->peer_sig_hashes = old->peer_sig_hashes;
	nsa->nat_local = old->nat_local;
	nsa->nat_remote = old->nat_remote;
	nsa->child = old->child;
	/* Not yet confirmed (ikev2_child_confirm()) stays so. */
	nsa->child_policies_deferred = old->child_policies_deferred;
	ikev2_sa_index_child(nsa);	/* the policies' holder moves on */
	nsa->old_child = old->old_child;
	nsa->rekeys = old->rekeys;
	/* idletimeout keeps counting from the packets it last saw move */
	nsa->idle_spi_in = old->idle_spi_in;
	nsa->idle_spi_out = old->idle_spi_out;
	nsa->idle_pkts_in = old->idle_pkts_in;
	nsa->idle_pkts_out = old->idle_pkts_out;
	nsa->idle_active_usec = old->idle_active_usec;
	memset(&old->child, 0, sizeof(old->child));
	memset(&old->old_child, 0, sizeof(old->old_child));
	ikev2_sa_index_child(old);	/* no Child SA: unfiled */
	nsa->established_usec = iked_now_usec(nsa->iked);
	nsa->last_heard_usec = nsa->established_usec;
	/* A replaced Child SA in its grace period: its timer names old. */
	if (nsa->old_child.present && !nsa->old_child.installed)
		ikev2_rekey_retire_old(nsa);
	old->replaced = true;
	old->replaced_usec = nsa->established_usec;
	ikev2_sa_arm_timer(old);
	ikev2_sa_set_state(nsa, IKEV2_SA_ESTABLISHED);
	ikev2_sa_arm_timer(nsa);
	ikev2_sa_compact(nsa);
}

/* ---- initiator ------------------------------------------------------- */

int
ikev2_rekey_ike_start(struct ikev2_ike_sa *sa)
{
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	struct ikev2_ike_sa *nsa;
	struct ikev2_payload pl[3];
	struct ikev2_sa *prop = NULL;
	uint8_t spi[8];
	const uint8_t *pub;
	size_t pub_len;
	char tag[80];

	if (c == NULL || sa->state != IKEV2_SA_ESTABLISHED || sa->req.active ||
	    sa->rekey_ike != NULL || sa->rekeying)
		return -1;
	nsa = ikev2_sa_create(sa->iked, true, &sa->path);
	if (nsa == NULL)
		return -1;
	prop = calloc(1, sizeof(*prop));
	if (prop == NULL)
		goto fail;
	/* The same algorithms again: a fresh key, not a renegotiation. */
	nsa->alg = sa->alg;
	nsa->dh = crypto_dh_new(sa->alg.dh);
	nsa->ni_len = IKE_REKEY_NONCE_LEN;
	if (nsa->dh == NULL || crypto_random(nsa->ni, nsa->ni_len) < 0)
		goto fail;
	spi64_be(nsa->ispi, spi);
	ikev2_proposal_answer(&sa->alg, false, 1, spi, 8, prop);
	memset(pl, 0, sizeof(pl));
	pl[0].type = IKEV2_PL_SA;
	pl[0].u.sa = prop;
	pl[1].type = IKEV2_PL_NONCE;
	pl[1].u.nonce.ptr = nsa->ni;
	pl[1].u.nonce.len = nsa->ni_len;
	pub = crypto_dh_public(nsa->dh, &pub_len);
	pl[2].type = IKEV2_PL_KE;
	pl[2].u.ke.group = sa->alg.dh;
	pl[2].u.ke.data.ptr = pub;
	pl[2].u.ke.data.len = pub_len;
	if (ikev2_request_send(sa, IKEV2_EXCH_CREATE_CHILD_SA, pl, 3) < 0)
		goto fail;
	sa->rekey_ike = nsa;
	free(prop);
	oe_info("%s: rekeying the IKE SA", ikev2_sa_tag(sa, tag, sizeof(tag)));
	return 0;
fail:
	free(prop);
	ikev2_sa_destroy(nsa, "IKE SA rekey failed");
	return -1;
}

/*
 * After a collision, the peer's new IKE SA (already keyed, waiting) is
 * the one: it takes everything over; the peer deletes the old one.
 */
static void
adopt_peers(struct ikev2_ike_sa *sa, struct ikev2_ike_sa *peer,
    const char *tag)
{
	take_over(sa, peer);
	oe_info("%s: IKE SA rekeyed by the peer: new SPIs %016llx/%016llx", tag,
	    (unsigned long long)peer->ispi, (unsigned long long)peer->rspi);
	iked_state_changed(sa->iked);
}

/*
 * The peer refused our IKE SA rekey (or answered what we cannot use).
 * TEMPORARY_FAILURE and the like pass (2.25): ask again after a
 * growing pause.  Proposals it does not accept will not change: stop
 * asking, and let the lifetime end the SA.
 */
static void
rekey_refused(struct ikev2_ike_sa *sa, const struct ikev2_payload *notify,
    const char *tag)
{
	uint16_t type = notify != NULL ? notify->u.notify.type : 0;
	const char *name = type != 0 ? ikev2_name(IKEV2_REG_NOTIFY, type) : NULL;
	uint64_t pause;

	if (type == IKEV2_N_NO_PROPOSAL_CHOSEN ||
	    sa->ike_rekey_refusals >= IKE_REKEY_MAX_REFUSALS) {
		oe_info("%s: IKE SA rekey refused or unacceptable%s%s; the SA "
		    "ends at its lifetime", tag, name != NULL ? ": " : "",
		    name != NULL ? name : "");
		sa->ike_rekey_disabled = true;	/* do not ask again */
	} else {
		pause = IKE_REKEY_BACKOFF_USEC << sa->ike_rekey_refusals;
		sa->ike_rekey_refusals++;
		sa->ike_rekey_not_before_usec = iked_now_usec(sa->iked) + pause;
		oe_info("%s: IKE SA rekey refused%s%s; asking again in %llu s",
		    tag, name != NULL ? ": " : "", name != NULL ? name : "",
		    (unsigned long long)(pause / 1000000));
	}
	ikev2_sa_arm_timer(sa);
}

void
ikev2_rekey_ike_recv_response(struct ikev2_ike_sa *sa,
    const struct ikev2_message *m)
{
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	struct ikev2_ike_sa *nsa = sa->rekey_ike, *peer = NULL;
	const struct ikev2_payload *psa, *pn, *pke;
	const struct ikev2_proposal *prop;
	struct ikev2_proto_choice ch;
	char tag[80];

	ikev2_sa_tag(sa, tag, sizeof(tag));
	sa->rekey_ike = NULL;
	if (sa->rekey_ike_peer != 0)
		peer = ikev2_sa_find(sa->iked->sas, sa->rekey_ike_peer);
	sa->rekey_ike_peer = 0;
	psa = ikev2_message_find(m, IKEV2_PL_SA, NULL);
	pn = ikev2_message_find(m, IKEV2_PL_NONCE, NULL);
	pke = ikev2_message_find(m, IKEV2_PL_KE, NULL);
	if (c == NULL || psa == NULL || pn == NULL || pke == NULL ||
	    ikev2_proposals_accept(&c->ike, false, psa->u.sa, &ch, &prop) < 0 ||
	    prop->spi_len != 8 || spi64_from(prop->spi) == 0 ||
	    ch.dh != nsa->alg.dh || pke->u.ke.group != ch.dh) {
		ikev2_sa_destroy(nsa, "IKE SA rekey refused");
		if (peer != NULL) {
			adopt_peers(sa, peer, tag);
			return;
		}
		rekey_refused(sa, ikev2_message_find(m, IKEV2_PL_NOTIFY,
		    NULL), tag);
		return;
	}
	nsa->alg = ch;
	nsa->rspi = spi64_from(prop->spi);
	memcpy(nsa->nr, pn->u.nonce.ptr, pn->u.nonce.len);
	nsa->nr_len = pn->u.nonce.len;
	if (ikev2_init_derive_keys(nsa, pke->u.ke.data.ptr, pke->u.ke.data.len,
	    sa) < 0) {
		oe_info("%s: IKE SA rekey: key derivation failed", tag);
		ikev2_sa_destroy(nsa, "IKE SA rekey failed");
		if (peer != NULL) {
			adopt_peers(sa, peer, tag);
			return;
		}
		sa->ike_rekey_disabled = true;
		ikev2_sa_arm_timer(sa);
		return;
	}
	if (peer != NULL && lower_exchange(nsa, peer)) {
		/* 2.8.2: ours is redundant; we delete it, the peer the old. */
		oe_info("%s: IKE SA rekey collision: ours has the lowest "
		    "nonce, deleting it", tag);
		ikev2_sa_set_state(nsa, IKEV2_SA_ESTABLISHED);
		nsa->replaced = true;	/* never took anything over */
		if (ikev2_info_send_delete(nsa) < 0)
			ikev2_sa_destroy(nsa, "redundant");
		adopt_peers(sa, peer, tag);
		return;
	}
	if (peer != NULL)
		/* The peer's is redundant: it deletes it; it waits inert. */
		oe_info("%s: IKE SA rekey collision: the peer's has the lowest "
		    "nonce; keeping ours", tag);
	take_over(sa, nsa);
	oe_info("%s: IKE SA rekeyed: new SPIs %016llx/%016llx", tag,
	    (unsigned long long)nsa->ispi, (unsigned long long)nsa->rspi);
	/* The old SA goes; the Child SAs live on in the new one. */
	if (ikev2_info_send_delete(sa) < 0)
		ikev2_sa_destroy(sa, "replaced");
	iked_state_changed(nsa->iked);
}

/* ---- responder ------------------------------------------------------- */

static void
respond_notify(struct ikev2_ike_sa *sa, uint32_t msgid, uint16_t type,
    const uint8_t *data, size_t len)
{
	struct ikev2_payload n;

	ikev2_notify_make(&n, type, data, len);
	(void)ikev2_response_send(sa, IKEV2_EXCH_CREATE_CHILD_SA, msgid, &n, 1);
}

void
ikev2_rekey_ike_recv_request(struct ikev2_ike_sa *sa,
    const struct ikev2_message *m)
{
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	const struct ikev2_payload *psa, *pn, *pke;
	const struct ikev2_proposal *prop;
	struct ikev2_proto_choice ch;
	struct ikev2_ike_sa *nsa = NULL;
	struct ikev2_payload pl[3];
	struct ikev2_sa *ans = NULL;
	bool answered = false;
	uint8_t spi[8], grp[2];
	const uint8_t *pub;
	size_t pub_len;
	char tag[80];

	ikev2_sa_tag(sa, tag, sizeof(tag));
	psa = ikev2_message_find(m, IKEV2_PL_SA, NULL);
	pn = ikev2_message_find(m, IKEV2_PL_NONCE, NULL);
	pke = ikev2_message_find(m, IKEV2_PL_KE, NULL);
	if (sa->rekeying || sa->rekey_ike_peer != 0) {
		/* 2.25.2: a Child SA rekey of ours is out; ask again later. */
		respond_notify(sa, m->hdr.msgid, IKEV2_N_TEMPORARY_FAILURE,
		    NULL, 0);
		return;
	}
	if (c == NULL || psa == NULL || pn == NULL || pke == NULL ||
	    sa->replaced ||
	    ikev2_proposals_choose(&c->ike, false, psa->u.sa, &ch, &prop) < 0 ||
	    prop->spi_len != 8 || spi64_from(prop->spi) == 0) {
		respond_notify(sa, m->hdr.msgid, IKEV2_N_NO_PROPOSAL_CHOSEN,
		    NULL, 0);
		return;
	}
	if (pke->u.ke.group != ch.dh) {
		grp[0] = (uint8_t)(ch.dh >> 8);
		grp[1] = (uint8_t)ch.dh;
		respond_notify(sa, m->hdr.msgid, IKEV2_N_INVALID_KE_PAYLOAD,
		    grp, 2);
		return;
	}
	nsa = ikev2_sa_create(sa->iked, false, &sa->path);
	ans = calloc(1, sizeof(*ans));
	if (nsa == NULL || ans == NULL)
		goto fail;
	/* The peer that asked is the initiator of the new IKE SA. */
	nsa->ispi = spi64_from(prop->spi);
	nsa->alg = ch;
	memcpy(nsa->ni, pn->u.nonce.ptr, pn->u.nonce.len);
	nsa->ni_len = pn->u.nonce.len;
	nsa->nr_len = IKE_REKEY_NONCE_LEN;
	nsa->dh = crypto_dh_new(ch.dh);
	if (nsa->dh == NULL || crypto_random(nsa->nr, nsa->nr_len) < 0)
		goto fail;
	spi64_be(nsa->rspi, spi);
	ikev2_proposal_answer(&ch, false, prop->num, spi, 8, ans);
	memset(pl, 0, sizeof(pl));
	pl[0].type = IKEV2_PL_SA;
	pl[0].u.sa = ans;
	pl[1].type = IKEV2_PL_NONCE;
	pl[1].u.nonce.ptr = nsa->nr;
	pl[1].u.nonce.len = nsa->nr_len;
	pub = crypto_dh_public(nsa->dh, &pub_len);
	pl[2].type = IKEV2_PL_KE;
	pl[2].u.ke.group = ch.dh;
	pl[2].u.ke.data.ptr = pub;
	pl[2].u.ke.data.len = pub_len;
	if (ikev2_response_send(sa, IKEV2_EXCH_CREATE_CHILD_SA, m->hdr.msgid,
	    pl, 3) < 0)
		goto fail;
	answered = true;
	free(ans);
	ans = NULL;
	if (ikev2_init_derive_keys(nsa, pke->u.ke.data.ptr, pke->u.ke.data.len,
	    sa) < 0)
		goto fail;
	if (sa->rekey_ike != NULL) {
		/*
		 * 2.8.2: ours is out too; decided when its answer is in.
		 * Until then this one waits, keyed (a DELETE on it can be
		 * answered) but inert; if never chosen, it goes after the
		 * replaced SAs' linger.
		 */
		ikev2_sa_set_state(nsa, IKEV2_SA_ESTABLISHED);
		nsa->replaced = true;
		nsa->replaced_usec = iked_now_usec(sa->iked);
		ikev2_sa_arm_timer(nsa);
		sa->rekey_ike_peer = ikev2_sa_local_spi(nsa);
		oe_info("%s: IKE SA rekey collision: the peer rekeys it too",
		    tag);
		return;
	}
	take_over(sa, nsa);
	oe_info("%s: IKE SA rekeyed by the peer: new SPIs %016llx/%016llx", tag,
	    (unsigned long long)nsa->ispi, (unsigned long long)nsa->rspi);
	/* The old SA stays until the peer's DELETE for it. */
	iked_state_changed(sa->iked);
	return;
fail:
	free(ans);
	if (nsa != NULL)
		ikev2_sa_destroy(nsa, "IKE SA rekey failed");
	/* Once our answer is out, the peer learns of a failure by timeout. */
	if (!answered)
		respond_notify(sa, m->hdr.msgid, IKEV2_N_TEMPORARY_FAILURE,
		    NULL, 0);
}
