/*
 * CREATE_CHILD_SA (RFC 7296 1.3): rekeying the Child SA, both roles.
 *
 * The original initiator of the IKE SA rekeys at the Child SA's soft
 * lifetime (salifetime - rekeymargin); the original responder only at
 * salifetime - rekeymargin/2, should the initiator not have done it
 * (ikev2_info.c), so the two rarely start at once.  When they do, both
 * rekeys complete and the new Child SA whose exchange holds the lowest
 * of the four nonces is deleted by its initiator (2.8.1).  The new
 * Child SA keeps the reqid and therefore the policies; the old one is
 * deleted with an INFORMATIONAL DELETE right after (2.8), its inbound
 * SA lingering a little for packets in flight.  With pfs=yes both
 * sides do a fresh key exchange (1.3.1) in the esp= proposals' groups,
 * else the IKE SA's group; a responder with pfs=yes refuses a rekey
 * without one.  IKE SA rekeys arrive here too and go to
 * ikev2_rekey_ike.c.  Requests for additional Child SAs get
 * NO_ADDITIONAL_SAS: an IKE SA carries one Child SA.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "oe_log.h"
#include "ikev2.h"
#include "iked.h"
#include "ikev2_child.h"
#include "ikev2_exchange.h"
#include "ikev2_proposal.h"
#include "ikev2_sa.h"
#include "crypto.h"
#include "crypto_dh.h"
#include "kernel.h"
#include "oe_addr.h"

#include <pk11pub.h>
#include <systemd/sd-event.h>

#define REKEY_NONCE_LEN		32
#define REKEY_MAX_PAYLOADS	9
#define REKEY_MAX_GROUPS	8
#define REKEY_MAX_KE_RETRIES	2
#define REKEY_BACKOFF_USEC	(30 * 1000000ULL)	/* after a refusal */
/*
 * How long the replaced Child SA's inbound SA outlives the DELETE
 * exchange: the peer may have sent under it just before it switched,
 * and such packets can arrive after the DELETE's answer.
 */
#define REKEY_OLD_INBOUND_GRACE_USEC	(2 * 1000000ULL)
/*
 * A rekey responder installs the new outbound SA only when the
 * initiator's DELETE of the old Child SA shows it has the new inbound
 * one (it sends that DELETE after installing it); sending under the new
 * SA at once would lose what arrives before the initiator's install.
 * Without that DELETE, after this long.
 */
#define REKEY_OUT_FALLBACK_USEC		(5 * 1000000ULL)

/*
 * The inputs to re-derive the waiting outbound SA's keys (nonces and
 * the PFS secret, not the keys themselves).  Owned by its floating
 * timer; the IKE SA points at it and is found again by SPI and serial.
 */
struct rekey_out_pending {
	struct iked	*iked;
	uint64_t	 spi;
	uint64_t	 serial;
	uint32_t	 child_spi_in;
	uint8_t		 ni[IKEV2_NONCE_MAX], nr[IKEV2_NONCE_MAX];
	size_t		 ni_len, nr_len;
	PK11SymKey	*gir;		/* a reference, or NULL (no PFS) */
	sd_event_source	*src;
};

struct rekey_msg {
	struct ikev2_payload	 pl[REKEY_MAX_PAYLOADS];
	size_t			 n;
	struct ikev2_sa		 sa;
	struct ikev2_ts_list	 tsi, tsr;
	uint8_t			 spi[4];
};

static struct ikev2_payload *
rm_add(struct rekey_msg *rm, uint8_t type)
{
	struct ikev2_payload *p = &rm->pl[rm->n++];

	memset(p, 0, sizeof(*p));
	p->type = type;
	return p;
}

/* ---- initiator ------------------------------------------------------- */

int
ikev2_rekey_child_start(struct ikev2_ike_sa *sa)
{
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	struct ikev2_child_sa *nc = &sa->rekey_child;
	uint16_t groups[REKEY_MAX_GROUPS];
	size_t ngroups, g;
	struct rekey_msg *rm;
	struct ikev2_payload *p;
	const uint8_t *pub;
	size_t pub_len;
	char tag[80];
	int ret = -1;

	if (c == NULL || sa->state != IKEV2_SA_ESTABLISHED || sa->rekeying ||
	    sa->req.active || !sa->child.installed)
		return -1;
	rm = calloc(1, sizeof(*rm));
	if (rm == NULL)
		return -1;
	memset(nc, 0, sizeof(*nc));
	nc->role_swapped = !sa->initiator;	/* we initiate this exchange */
	nc->reqid = sa->child.reqid;
	nc->transport = sa->child.transport;
	nc->ts_local = sa->child.ts_local;
	nc->ts_remote = sa->child.ts_remote;
	sa->rekey_ni_len = REKEY_NONCE_LEN;
	if (crypto_random(sa->rekey_ni, sa->rekey_ni_len) < 0 ||
	    ikev2_child_alloc_spi(sa, nc, false) < 0)
		goto out;
	ikev2_notify_make_rekey_sa(rm_add(rm, IKEV2_PL_NOTIFY), IKEV2_PROTO_ESP,
	    sa->child.spi_in);
	if (nc->transport)
		ikev2_notify_make(rm_add(rm, IKEV2_PL_NOTIFY),
		    IKEV2_N_USE_TRANSPORT_MODE, NULL, 0);
	ikev2_spi_be(nc->spi_in, rm->spi);
	ngroups = ikev2_pfs_groups(&c->esp, c->pfs, sa->alg.dh, groups,
	    REKEY_MAX_GROUPS);
	/* After INVALID_KE_PAYLOAD the group the peer named goes first. */
	for (g = 1; g < ngroups && sa->rekey_group != 0; g++)
		if (groups[g] == sa->rekey_group) {
			groups[g] = groups[0];
			groups[0] = sa->rekey_group;
		}
	if (ikev2_proposals_build_pfs(&c->esp, rm->spi, 4, groups, ngroups,
	    &rm->sa) == 0)
		goto out;
	p = rm_add(rm, IKEV2_PL_SA);
	p->u.sa = &rm->sa;
	p = rm_add(rm, IKEV2_PL_NONCE);
	p->u.nonce.ptr = sa->rekey_ni;
	p->u.nonce.len = sa->rekey_ni_len;
	if (sa->rekey_dh != NULL)
		crypto_dh_free(sa->rekey_dh);
	sa->rekey_dh = NULL;
	if (ngroups > 0) {
		sa->rekey_dh = crypto_dh_new(groups[0]);
		if (sa->rekey_dh == NULL)
			goto out;
		pub = crypto_dh_public(sa->rekey_dh, &pub_len);
		p = rm_add(rm, IKEV2_PL_KE);
		p->u.ke.group = groups[0];
		p->u.ke.data.ptr = pub;
		p->u.ke.data.len = pub_len;
	}
	rm->tsi.count = rm->tsr.count = 1;
	rm->tsi.ts[0] = nc->ts_local;
	rm->tsr.ts[0] = nc->ts_remote;
	p = rm_add(rm, IKEV2_PL_TSI);
	p->u.ts = &rm->tsi;
	p = rm_add(rm, IKEV2_PL_TSR);
	p->u.ts = &rm->tsr;
	if (ikev2_request_send(sa, IKEV2_EXCH_CREATE_CHILD_SA, rm->pl, rm->n) < 0)
		goto out;
	sa->rekeying = true;
	oe_info("%s: rekeying the Child SA (SPI in 0x%08x)",
	    ikev2_sa_tag(sa, tag, sizeof(tag)), sa->child.spi_in);
	ret = 0;
out:
	if (ret < 0) {
		ikev2_child_uninstall(sa, nc, false);
		memset(nc, 0, sizeof(*nc));
		if (sa->rekey_dh != NULL)
			crypto_dh_free(sa->rekey_dh);
		sa->rekey_dh = NULL;
	}
	free(rm);
	return ret;
}

/*
 * Forget an unfinished rekey of ours: the old Child SA runs on, and we
 * try again only after a pause (the peer said no; asking at once would
 * only repeat that), at the latest as the old one expires.
 */
static void
rekey_abandon(struct ikev2_ike_sa *sa)
{
	sa->rekey_not_before_usec = iked_now_usec(sa->iked) +
	    REKEY_BACKOFF_USEC;
	/* A collision's other rekey (already in place) is then the one. */
	sa->rekey_collided = false;
	ikev2_child_uninstall(sa, &sa->rekey_child, false);
	memset(&sa->rekey_child, 0, sizeof(sa->rekey_child));
	if (sa->rekey_dh != NULL)
		crypto_dh_free(sa->rekey_dh);
	sa->rekey_dh = NULL;
	ikev2_sa_arm_timer(sa);
}

/* RFC 7296 1.3: the responder wants another group; retry once or twice. */
static bool
rekey_retry_group(struct ikev2_ike_sa *sa, const struct conf_conn *c,
    const struct ikev2_message *m)
{
	const struct ikev2_payload *p;
	struct ikev2_error err;
	uint16_t groups[REKEY_MAX_GROUPS], group;
	size_t n, i;

	p = ikev2_message_find_notify(m, IKEV2_N_INVALID_KE_PAYLOAD);
	/* After a collision the peer's rekey already replaced the SA. */
	if (p == NULL || c == NULL || sa->rekey_collided ||
	    sa->rekey_ke_retries >= REKEY_MAX_KE_RETRIES ||
	    ikev2_notify_invalid_ke(&p->u.notify, &group, &err) != IKEV2_OK)
		return false;
	n = ikev2_pfs_groups(&c->esp, c->pfs, sa->alg.dh, groups,
	    REKEY_MAX_GROUPS);
	for (i = 0; i < n && groups[i] != group; i++)
		;
	if (i == n)
		return false;
	sa->rekey_ke_retries++;
	sa->rekey_group = group;
	rekey_abandon(sa);
	return ikev2_rekey_child_start(sa) == 0;
}

/*
 * The grace timer names its IKE SA by SPI and serial, not by pointer:
 * the SA may be gone (or replaced by an IKE SA rekey) when it fires.
 * The timer is a floating event source; this is its userdata, freed
 * by its destroy callback.
 */
struct retire_ref {
	struct iked	*iked;
	uint64_t	 spi;
	uint64_t	 serial;
	uint32_t	 child_spi_in;	/* which old Child SA */
	/*
	 * Or, for the redundant Child SA of a collision, which has no
	 * place in the IKE SA: just its inbound kernel SA.
	 */
	bool		 detached;
	struct kernel_sa_id in_id;
};

/*
 * The grace period: REKEY_OLD_INBOUND_GRACE_USEC, but never more than a
 * quarter of the replaced Child SA's life (the time between rekeys, as
 * whichever side drives them sets it), so that a grace ends before the
 * next rekey.
 */
static uint64_t
retire_grace_usec(const struct ikev2_ike_sa *sa)
{
	uint64_t now = iked_now_usec(sa->iked), age;

	if (!sa->old_child.present || sa->old_child.established_usec == 0 ||
	    sa->old_child.established_usec >= now)
		return REKEY_OLD_INBOUND_GRACE_USEC;
	age = (now - sa->old_child.established_usec) / 4;
	if (age < REKEY_OLD_INBOUND_GRACE_USEC / 100)
		age = REKEY_OLD_INBOUND_GRACE_USEC / 100;
	return age < REKEY_OLD_INBOUND_GRACE_USEC ? age :
	    REKEY_OLD_INBOUND_GRACE_USEC;
}

/* A retiring old Child SA: present, with its outbound SA already gone. */
static bool
old_retiring(const struct ikev2_ike_sa *sa)
{
	return sa->old_child.present && !sa->old_child.installed;
}

static int
retire_fire(sd_event_source *s, uint64_t usec, void *arg)
{
	struct retire_ref *r = arg;
	struct ikev2_ike_sa *sa = ikev2_sa_find(r->iked->sas, r->spi);

	(void)s;
	(void)usec;
	if (r->detached) {
		if (r->iked->kernel != NULL)
			(void)kernel_del_sa(r->iked->kernel, &r->in_id);
		return 0;
	}
	/* A newer old Child SA (still waiting for its DELETE) is not ours. */
	if (sa == NULL || sa->serial != r->serial || !old_retiring(sa) ||
	    sa->old_child.spi_in != r->child_spi_in)
		return 0;
	ikev2_child_uninstall(sa, &sa->old_child, false);
	memset(&sa->old_child, 0, sizeof(sa->old_child));
	iked_state_changed(sa->iked);
	return 0;
}

static void
kernel_id(const struct oe_addr *dst, uint32_t spi, struct kernel_sa_id *id)
{
	memset(id, 0, sizeof(*id));
	id->dst.family = dst->family;
	memcpy(id->dst.u.bytes, oe_addr_bytes(dst), oe_addr_len(dst));
	id->spi = spi;
}

/* Delete ch's outbound SA (nothing of ours sends under it any more). */
static void
drop_outbound(struct ikev2_ike_sa *sa, struct ikev2_child_sa *ch)
{
	struct kernel_sa_id id;

	if (ch->installed && sa->iked->kernel != NULL) {
		kernel_id(&sa->path.remote, ch->spi_out, &id);
		(void)kernel_del_sa(sa->iked->kernel, &id);
	}
	ch->installed = false;		/* from now on: inbound only */
	ikev2_sa_index_child(sa);	/* if ch was sa->child: unfiled */
}

/*
 * Arm the grace timer for r (taken over: freed here or by the timer).
 * 0, or -1 when it could not be armed.
 */
static int
retire_arm(struct ikev2_ike_sa *sa, struct retire_ref *r)
{
	sd_event_source *s = NULL;
	uint64_t grace = retire_grace_usec(sa);

	if (sd_event_add_time(sa->iked->event, &s, CLOCK_MONOTONIC,
	    iked_now_usec(sa->iked) + grace, grace / 10, retire_fire, r) < 0) {
		free(r);
		return -1;
	}
	if (sd_event_source_set_destroy_callback(s, free) < 0) {
		sd_event_source_disable_unref(s);
		free(r);
		return -1;
	}
	/* Floating: the event loop owns the source, also at shutdown. */
	if (sd_event_source_set_floating(s, 1) < 0) {
		sd_event_source_disable_unref(s);	/* frees r */
		return -1;
	}
	sd_event_source_unref(s);
	return 0;
}

void
ikev2_rekey_retire_old(struct ikev2_ike_sa *sa)
{
	struct ikev2_child_sa *old = &sa->old_child;
	struct retire_ref *r;

	if (!old->present)
		return;
	/* The peer's DELETE of the old one: it has the new one's inbound. */
	ikev2_rekey_out_flush(sa);
	drop_outbound(sa, old);
	r = calloc(1, sizeof(*r));
	if (r != NULL) {
		r->iked = sa->iked;
		r->spi = ikev2_sa_local_spi(sa);
		r->serial = sa->serial;
		r->child_spi_in = old->spi_in;
	}
	if (r == NULL || retire_arm(sa, r) < 0) {
		ikev2_child_uninstall(sa, old, false);
		memset(old, 0, sizeof(*old));
	}
}

/*
 * The redundant Child SA of a collision: its outbound SA goes now, its
 * inbound one after the grace period (the peer may have sent under it
 * before it learned the outcome).  ch is cleared.
 */
static void
retire_redundant(struct ikev2_ike_sa *sa, struct ikev2_child_sa *ch)
{
	struct retire_ref *r;

	drop_outbound(sa, ch);
	r = calloc(1, sizeof(*r));
	if (r != NULL) {
		r->iked = sa->iked;
		r->detached = true;
		kernel_id(&sa->path.local, ch->spi_in, &r->in_id);
	}
	if (r == NULL || retire_arm(sa, r) < 0)
		ikev2_child_uninstall(sa, ch, false);
	memset(ch, 0, sizeof(*ch));
}

/* Nonces compare as unsigned numbers of their length (2.8.1). */
static int
nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r != 0 || alen == blen)
		return r;
	return alen < blen ? -1 : 1;
}

/* The lower of an exchange's two nonces. */
static void
nonce_min(const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    const uint8_t **out, size_t *out_len)
{
	bool i_low = nonce_cmp(ni, ni_len, nr, nr_len) <= 0;

	*out = i_low ? ni : nr;
	*out_len = i_low ? ni_len : nr_len;
}

static struct ikev2_ike_sa *
out_pending_sa(struct rekey_out_pending *p)
{
	struct ikev2_ike_sa *sa = ikev2_sa_find(p->iked->sas, p->spi);

	return sa != NULL && sa->serial == p->serial && sa->rekey_out == p ?
	    sa : NULL;
}

/* Install the waiting outbound SA if its Child SA is still current. */
static void
out_pending_install(struct ikev2_ike_sa *sa, struct rekey_out_pending *p)
{
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	char tag[80];

	if (c == NULL || !sa->child.out_later ||
	    sa->child.spi_in != p->child_spi_in)
		return;
	if (ikev2_child_install_out(sa, &sa->child, c, p->ni, p->ni_len,
	    p->nr, p->nr_len, p->gir) < 0)
		oe_err("%s: installing the outbound SA 0x%08x failed",
		    ikev2_sa_tag(sa, tag, sizeof(tag)), sa->child.spi_out);
}

static int
out_pending_fire(sd_event_source *s, uint64_t usec, void *arg)
{
	struct rekey_out_pending *p = arg;
	struct ikev2_ike_sa *sa = out_pending_sa(p);

	(void)usec;
	if (sa != NULL) {
		out_pending_install(sa, p);
		sa->rekey_out = NULL;
	}
	sd_event_source_disable_unref(s);	/* frees p */
	return 0;
}

static void
out_pending_free(void *arg)
{
	struct rekey_out_pending *p = arg;
	struct ikev2_ike_sa *sa = out_pending_sa(p);

	if (sa != NULL)
		sa->rekey_out = NULL;
	if (p->gir != NULL)
		PK11_FreeSymKey(p->gir);
	explicit_bzero(p, sizeof(*p));
	free(p);
}

void
ikev2_rekey_out_flush(struct ikev2_ike_sa *sa)
{
	struct rekey_out_pending *p = sa->rekey_out;

	if (p == NULL)
		return;
	out_pending_install(sa, p);
	sa->rekey_out = NULL;
	sd_event_source_disable_unref(p->src);	/* frees p */
}

/*
 * Make the outbound SA of our answered rekey wait (see
 * REKEY_OUT_FALLBACK_USEC); 0, or -1 when it cannot wait (install it).
 */
static int
out_pending_new(struct ikev2_ike_sa *sa, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len, PK11SymKey *gir)
{
	struct rekey_out_pending *p;
	sd_event_source *s = NULL;

	if (ni_len > IKEV2_NONCE_MAX || nr_len > IKEV2_NONCE_MAX)
		return -1;
	ikev2_rekey_out_flush(sa);	/* an older one: now or never */
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -1;
	p->iked = sa->iked;
	p->spi = ikev2_sa_local_spi(sa);
	p->serial = sa->serial;
	p->child_spi_in = sa->child.spi_in;
	memcpy(p->ni, ni, ni_len);
	p->ni_len = ni_len;
	memcpy(p->nr, nr, nr_len);
	p->nr_len = nr_len;
	if (sd_event_add_time(sa->iked->event, &s, CLOCK_MONOTONIC,
	    iked_now_usec(sa->iked) + REKEY_OUT_FALLBACK_USEC,
	    REKEY_OUT_FALLBACK_USEC / 50, out_pending_fire, p) < 0) {
		explicit_bzero(p, sizeof(*p));
		free(p);
		return -1;
	}
	p->gir = gir != NULL ? PK11_ReferenceSymKey(gir) : NULL;
	p->src = s;
	sa->rekey_out = p;
	if (sd_event_source_set_destroy_callback(s, out_pending_free) < 0) {
		sa->rekey_out = NULL;
		sd_event_source_disable_unref(s);
		if (p->gir != NULL)
			PK11_FreeSymKey(p->gir);
		explicit_bzero(p, sizeof(*p));
		free(p);
		return -1;
	}
	/* Floating: the event loop owns it; p->src stays valid until p goes. */
	if (sd_event_source_set_floating(s, 1) < 0) {
		sd_event_source_disable_unref(s);	/* frees p */
		return -1;
	}
	sd_event_source_unref(s);
	return 0;
}

/* Send an INFORMATIONAL DELETE for the Child SA of inbound SPI spi. */
static int
send_delete_child(struct ikev2_ike_sa *sa, uint32_t spi)
{
	struct ikev2_payload p;
	uint8_t b[4];

	memset(&p, 0, sizeof(p));
	p.type = IKEV2_PL_DELETE;
	p.u.del.protocol = IKEV2_PROTO_ESP;
	p.u.del.spi_len = 4;
	p.u.del.nspi = 1;
	ikev2_spi_be(spi, b);
	p.u.del.spis.ptr = b;
	p.u.del.spis.len = 4;
	return ikev2_request_send(sa, IKEV2_EXCH_INFORMATIONAL, &p, 1);
}

/* Send DELETE for the replaced Child SA (its inbound SPI, 1.4.1). */
static void
delete_old_child(struct ikev2_ike_sa *sa)
{
	if (send_delete_child(sa, sa->old_child.spi_in) == 0) {
		sa->deleting_old = true;
	} else {
		/* Cannot tell the peer: at least stop using it here. */
		ikev2_rekey_retire_old(sa);
	}
}

/* The new Child SA replaces the current one, which becomes old_child. */
static void
swap_in(struct ikev2_ike_sa *sa, struct ikev2_child_sa *nc)
{
	if (sa->old_child.present)
		ikev2_child_uninstall(sa, &sa->old_child, false);
	sa->old_child = sa->child;
	sa->child = *nc;
	ikev2_sa_index_child(sa);
	memset(nc, 0, sizeof(*nc));
	sa->rekeys++;
}

/*
 * Both rekeys of a collision are done (2.8.1): the peer's new Child SA
 * is sa->child already (it came first), ours is nc.  The one whose
 * exchange holds the lowest of the four nonces is redundant and its
 * initiator deletes it; the initiator of the other deletes the old one.
 */
static void
resolve_collision(struct ikev2_ike_sa *sa, struct ikev2_child_sa *nc,
    const uint8_t *nr, size_t nr_len)
{
	const uint8_t *low;
	size_t low_len;
	char tag[80];

	ikev2_sa_tag(sa, tag, sizeof(tag));
	sa->rekey_collided = false;
	nonce_min(sa->rekey_ni, sa->rekey_ni_len, nr, nr_len, &low, &low_len);
	if (nonce_cmp(low, low_len, sa->rekey_peer_nmin,
	    sa->rekey_peer_nmin_len) < 0) {
		/* Ours is redundant: we delete it; the peer deletes the old. */
		oe_info("%s: rekey collision: ours (SPI in 0x%08x) has the "
		    "lowest nonce, deleting it; keeping the peer's (SPI in "
		    "0x%08x)", tag, nc->spi_in, sa->child.spi_in);
		if (send_delete_child(sa, nc->spi_in) < 0)
			oe_info("%s: cannot send the DELETE; the peer's SA "
			    "expires by itself", tag);
		retire_redundant(sa, nc);
		return;
	}
	/* The peer's is redundant (it deletes it): ours replaces it. */
	oe_info("%s: rekey collision: the peer's (SPI in 0x%08x) has the "
	    "lowest nonce; keeping ours (SPI in 0x%08x)", tag,
	    sa->child.spi_in, nc->spi_in);
	retire_redundant(sa, &sa->child);
	sa->child = *nc;
	ikev2_sa_index_child(sa);
	memset(nc, 0, sizeof(*nc));
	delete_old_child(sa);
}

bool
ikev2_rekey_collision_delete(struct ikev2_ike_sa *sa, uint32_t msgid)
{
	struct ikev2_payload p;
	uint8_t b[4];
	char tag[80];

	if (!sa->rekey_collided || !sa->rekeying || !sa->old_child.present)
		return false;
	/* Answer with our inbound SPI of that pair (1.4.1). */
	memset(&p, 0, sizeof(p));
	p.type = IKEV2_PL_DELETE;
	p.u.del.protocol = IKEV2_PROTO_ESP;
	p.u.del.spi_len = 4;
	p.u.del.nspi = 1;
	ikev2_spi_be(sa->child.spi_in, b);
	p.u.del.spis.ptr = b;
	p.u.del.spis.len = 4;
	(void)ikev2_response_send(sa, IKEV2_EXCH_INFORMATIONAL, msgid, &p, 1);
	oe_info("%s: rekey collision: the peer deleted its redundant Child SA "
	    "(SPI in 0x%08x) first; ours will replace the old one",
	    ikev2_sa_tag(sa, tag, sizeof(tag)), sa->child.spi_in);
	/* Back to before its rekey: our answer then completes a plain one. */
	retire_redundant(sa, &sa->child);
	sa->child = sa->old_child;
	ikev2_sa_index_child(sa);
	memset(&sa->old_child, 0, sizeof(sa->old_child));
	sa->rekey_collided = false;
	sa->rekeys--;
	iked_state_changed(sa->iked);
	return true;
}

void
ikev2_rekey_recv_response(struct ikev2_ike_sa *sa, const struct ikev2_message *m)
{
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	struct ikev2_child_sa *nc = &sa->rekey_child;
	const struct ikev2_payload *psa, *pn, *ptsi, *ptsr, *pke, *p;
	const struct ikev2_proposal *prop;
	struct ikev2_proto_choice ch;
	const struct crypto_dh_group *dg;
	PK11SymKey *gir = NULL;
	uint16_t sent = 0;
	char tag[80];

	ikev2_sa_tag(sa, tag, sizeof(tag));
	if (sa->rekey_ike != NULL) {
		ikev2_rekey_ike_recv_response(sa, m);
		return;
	}
	if (!sa->rekeying)
		return;
	sa->rekeying = false;
	if (rekey_retry_group(sa, c, m))
		return;
	if (sa->rekey_dh != NULL) {
		dg = crypto_dh_get_group(sa->rekey_dh);
		sent = dg != NULL ? dg->id : 0;
	}
	pke = ikev2_message_find(m, IKEV2_PL_KE, NULL);
	psa = ikev2_message_find(m, IKEV2_PL_SA, NULL);
	pn = ikev2_message_find(m, IKEV2_PL_NONCE, NULL);
	ptsi = ikev2_message_find(m, IKEV2_PL_TSI, NULL);
	ptsr = ikev2_message_find(m, IKEV2_PL_TSR, NULL);
	if (c == NULL || psa == NULL || pn == NULL || ptsi == NULL ||
	    ptsr == NULL || psa->u.sa->nproposals != 1 ||
	    ikev2_proposals_choose_pfs(&c->esp, &sent, sent != 0 ? 1 : 0,
	    psa->u.sa, &ch, &prop) < 0 ||
	    (sent != 0) != (pke != NULL) ||
	    (pke != NULL && pke->u.ke.group != sent) ||
	    ikev2_ts_narrow_to(ptsi->u.ts, &sa->child.ts_local, &nc->ts_local) < 0 ||
	    ikev2_ts_narrow_to(ptsr->u.ts, &sa->child.ts_remote, &nc->ts_remote) < 0 ||
	    (nc->transport && ikev2_message_find_notify(m,
	    IKEV2_N_USE_TRANSPORT_MODE) == NULL)) {
		p = ikev2_message_find(m, IKEV2_PL_NOTIFY, NULL);
		oe_info("%s: Child SA rekey refused or unacceptable%s%s", tag,
		    p != NULL ? ": " : "", p != NULL &&
		    ikev2_name(IKEV2_REG_NOTIFY, p->u.notify.type) ?
		    ikev2_name(IKEV2_REG_NOTIFY, p->u.notify.type) : "");
		/* The old Child SA runs on until its lifetime ends. */
		rekey_abandon(sa);
		return;
	}
	if (pke != NULL) {
		gir = crypto_dh_shared(sa->rekey_dh, pke->u.ke.data.ptr,
		    pke->u.ke.data.len);
		if (gir == NULL) {
			oe_info("%s: Child SA rekey: bad KE from the peer", tag);
			rekey_abandon(sa);
			return;
		}
	}
	nc->alg = ch;
	nc->spi_out = ikev2_spi_from(prop->spi);
	nc->lifetime = c->salifetime;
	nc->rekeyed = true;
	if (ikev2_child_install(sa, nc, c, sa->rekey_ni, sa->rekey_ni_len,
	    pn->u.nonce.ptr, pn->u.nonce.len, gir) < 0) {
		if (gir != NULL)
			PK11_FreeSymKey(gir);
		rekey_abandon(sa);
		return;
	}
	if (gir != NULL)
		PK11_FreeSymKey(gir);
	if (sa->rekey_dh != NULL)
		crypto_dh_free(sa->rekey_dh);
	sa->rekey_dh = NULL;
	sa->rekey_group = 0;
	sa->rekey_ke_retries = 0;
	if (sa->rekey_collided)
		resolve_collision(sa, nc, pn->u.nonce.ptr, pn->u.nonce.len);
	else {
		swap_in(sa, nc);
		delete_old_child(sa);
	}
	explicit_bzero(sa->rekey_ni, sizeof(sa->rekey_ni));
	ikev2_sa_arm_timer(sa);
	iked_state_changed(sa->iked);
}

/*
 * An IKE SA without a Child SA carries nothing, and we never ask for a
 * new Child SA on it: kept, it would sit silent until its lifetime,
 * while packets to the peer find no SA.  That happens when a peer lets
 * its Child SA expire after we refused its rekey (a rekey without the
 * key exchange pfs=yes demands, 1.3.3): it then deletes the Child SA.
 * Deleting the IKE SA lets the next packet (a trap, a DNS trigger, the
 * peer's own policy) negotiate a new one, with a fresh key exchange.
 */
void
ikev2_rekey_childless(struct ikev2_ike_sa *sa)
{
	char tag[80];

	if (sa->state != IKEV2_SA_ESTABLISHED || sa->replaced ||
	    sa->child.installed || sa->rekey_child.present)
		return;
	oe_info("%s: no Child SA left: deleting the IKE SA",
	    ikev2_sa_tag(sa, tag, sizeof(tag)));
	if (ikev2_info_send_delete(sa) < 0)
		ikev2_sa_fail(sa, "no Child SA left");
}

/* ---- responder ------------------------------------------------------- */

static void
respond_notify(struct ikev2_ike_sa *sa, uint32_t msgid, uint16_t type)
{
	struct ikev2_payload n;

	ikev2_notify_make(&n, type, NULL, 0);
	(void)ikev2_response_send(sa, IKEV2_EXCH_CREATE_CHILD_SA, msgid, &n, 1);
}

/* No waiting possible: the outbound SA goes in at once. */
static void
out_now(struct ikev2_ike_sa *sa, const struct conf_conn *c,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    PK11SymKey *gir)
{
	char tag[80];

	if (ikev2_child_install_out(sa, &sa->child, c, ni, ni_len, nr, nr_len,
	    gir) < 0)
		oe_err("%s: installing the outbound SA 0x%08x failed",
		    ikev2_sa_tag(sa, tag, sizeof(tag)), sa->child.spi_out);
}

void
ikev2_rekey_recv_request(struct ikev2_ike_sa *sa, const struct ikev2_message *m)
{
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	const struct ikev2_payload *prk, *psa, *pn, *ptsi, *ptsr, *pke;
	const struct ikev2_proposal *prop;
	struct ikev2_proto_choice ch;
	struct ikev2_child_sa nc;
	struct ikev2_error err;
	struct rekey_msg *rm = NULL;
	struct ikev2_payload *p;
	struct crypto_dh *dh = NULL;
	PK11SymKey *gir = NULL;
	uint16_t groups[REKEY_MAX_GROUPS];
	size_t ngroups = 0;
	uint8_t nr[REKEY_NONCE_LEN], proto, grp[2];
	const uint8_t *pub;
	size_t pub_len;
	uint32_t spi;
	bool transport;
	char tag[80];

	ikev2_sa_tag(sa, tag, sizeof(tag));
	if (sa->state != IKEV2_SA_ESTABLISHED)
		return;
	sa->msgid_in++;
	if (ikev2_rekey_ike_is_request(m)) {
		ikev2_rekey_ike_recv_request(sa, m);
		return;
	}
	memset(&nc, 0, sizeof(nc));
	if (sa->rekey_ike != NULL) {
		/* 2.25.1: not while we rekey the IKE SA; ask again later. */
		respond_notify(sa, m->hdr.msgid, IKEV2_N_TEMPORARY_FAILURE);
		return;
	}
	prk = ikev2_message_find_notify(m, IKEV2_N_REKEY_SA);
	psa = ikev2_message_find(m, IKEV2_PL_SA, NULL);
	pn = ikev2_message_find(m, IKEV2_PL_NONCE, NULL);
	ptsi = ikev2_message_find(m, IKEV2_PL_TSI, NULL);
	ptsr = ikev2_message_find(m, IKEV2_PL_TSR, NULL);
	if (prk == NULL || ptsi == NULL || ptsr == NULL) {
		/* A new Child SA: we keep one Child SA per IKE SA. */
		respond_notify(sa, m->hdr.msgid, IKEV2_N_NO_ADDITIONAL_SAS);
		/* Without one, the IKE SA must not linger either. */
		ikev2_rekey_childless(sa);
		return;
	}
	if (ikev2_notify_rekey_sa(&prk->u.notify, &proto, &spi, &err) !=
	    IKEV2_OK || proto != IKEV2_PROTO_ESP || !sa->child.installed ||
	    spi != sa->child.spi_out) {
		respond_notify(sa, m->hdr.msgid, IKEV2_N_CHILD_SA_NOT_FOUND);
		return;
	}
	transport = ikev2_message_find_notify(m, IKEV2_N_USE_TRANSPORT_MODE) !=
	    NULL;
	pke = ikev2_message_find(m, IKEV2_PL_KE, NULL);
	if (c != NULL)
		ngroups = ikev2_pfs_groups(&c->esp, c->pfs, sa->alg.dh, groups,
		    REKEY_MAX_GROUPS);
	if (c == NULL || psa == NULL || pn == NULL ||
	    transport != sa->child.transport ||
	    ikev2_proposals_choose_pfs(&c->esp, groups, ngroups, psa->u.sa, &ch,
	    &prop) < 0 || (ch.dh == 0 && pke != NULL)) {
		/*
		 * 1.3.3: a rekey without the key exchange our pfs=yes asks
		 * for matches none of our proposals.  The old Child SA runs
		 * on; if the peer lets it expire, ikev2_rekey_childless().
		 */
		oe_info("%s: Child SA rekey refused (NO_PROPOSAL_CHOSEN)%s", tag,
		    ngroups > 0 && pke == NULL ?
		    ": no key exchange offered, pfs=yes" : "");
		respond_notify(sa, m->hdr.msgid, IKEV2_N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if (ch.dh != 0 && (pke == NULL || pke->u.ke.group != ch.dh)) {
		struct ikev2_payload n;

		/* RFC 7296 1.3: name the group we want; no state kept. */
		ikev2_notify_make_u16(&n, IKEV2_N_INVALID_KE_PAYLOAD, ch.dh, grp);
		(void)ikev2_response_send(sa, IKEV2_EXCH_CREATE_CHILD_SA,
		    m->hdr.msgid, &n, 1);
		return;
	}
	if (ch.dh != 0) {
		dh = crypto_dh_new(ch.dh);
		gir = dh == NULL ? NULL : crypto_dh_shared(dh, pke->u.ke.data.ptr,
		    pke->u.ke.data.len);
		if (gir == NULL) {
			if (dh != NULL)
				crypto_dh_free(dh);
			respond_notify(sa, m->hdr.msgid, IKEV2_N_INVALID_SYNTAX);
			return;
		}
	}
	if (ikev2_ts_narrow_to(ptsi->u.ts, &sa->child.ts_remote, &nc.ts_remote) < 0 ||
	    ikev2_ts_narrow_to(ptsr->u.ts, &sa->child.ts_local, &nc.ts_local) < 0) {
		respond_notify(sa, m->hdr.msgid, IKEV2_N_TS_UNACCEPTABLE);
		goto out;
	}
	nc.reqid = sa->child.reqid;
	nc.transport = transport;
	nc.alg = ch;
	nc.spi_out = ikev2_spi_from(prop->spi);
	nc.lifetime = c->salifetime;
	nc.rekeyed = true;
	nc.role_swapped = sa->initiator;	/* the peer initiates this one */
	nc.out_later = true;	/* see REKEY_OUT_FALLBACK_USEC */
	if (crypto_random(nr, sizeof(nr)) < 0 ||
	    ikev2_child_alloc_spi(sa, &nc, false) < 0 ||
	    ikev2_child_install(sa, &nc, c, pn->u.nonce.ptr, pn->u.nonce.len,
	    nr, sizeof(nr), gir) < 0) {
		ikev2_child_uninstall(sa, &nc, false);
		respond_notify(sa, m->hdr.msgid, IKEV2_N_TEMPORARY_FAILURE);
		goto out;
	}
	rm = calloc(1, sizeof(*rm));
	if (rm == NULL) {
		ikev2_child_uninstall(sa, &nc, false);
		respond_notify(sa, m->hdr.msgid, IKEV2_N_TEMPORARY_FAILURE);
		goto out;
	}
	if (transport)
		ikev2_notify_make(rm_add(rm, IKEV2_PL_NOTIFY),
		    IKEV2_N_USE_TRANSPORT_MODE, NULL, 0);
	ikev2_spi_be(nc.spi_in, rm->spi);
	ikev2_proposal_answer(&ch, true, prop->num, rm->spi, 4, &rm->sa);
	p = rm_add(rm, IKEV2_PL_SA);
	p->u.sa = &rm->sa;
	p = rm_add(rm, IKEV2_PL_NONCE);
	p->u.nonce.ptr = nr;
	p->u.nonce.len = sizeof(nr);
	if (dh != NULL) {
		pub = crypto_dh_public(dh, &pub_len);
		p = rm_add(rm, IKEV2_PL_KE);
		p->u.ke.group = ch.dh;
		p->u.ke.data.ptr = pub;
		p->u.ke.data.len = pub_len;
	}
	rm->tsi.count = rm->tsr.count = 1;
	rm->tsi.ts[0] = nc.ts_remote;
	rm->tsr.ts[0] = nc.ts_local;
	p = rm_add(rm, IKEV2_PL_TSI);
	p->u.ts = &rm->tsi;
	p = rm_add(rm, IKEV2_PL_TSR);
	p->u.ts = &rm->tsr;
	(void)ikev2_response_send(sa, IKEV2_EXCH_CREATE_CHILD_SA, m->hdr.msgid,
	    rm->pl, rm->n);
	free(rm);
	if (sa->rekeying && sa->rekey_ike == NULL) {
		const uint8_t *low;
		size_t low_len;

		/* Ours is out too: decided when its answer is in (2.8.1). */
		nonce_min(pn->u.nonce.ptr, pn->u.nonce.len, nr, sizeof(nr),
		    &low, &low_len);
		if (low_len > sizeof(sa->rekey_peer_nmin))
			low_len = sizeof(sa->rekey_peer_nmin);	/* codec: <= */
		memcpy(sa->rekey_peer_nmin, low, low_len);
		sa->rekey_peer_nmin_len = low_len;
		sa->rekey_collided = true;
		oe_info("%s: rekey collision: the peer rekeys the Child SA "
		    "too", tag);
	}
	/* The old one stays until the initiator's DELETE for it arrives. */
	swap_in(sa, &nc);
	if (out_pending_new(sa, pn->u.nonce.ptr, pn->u.nonce.len, nr,
	    sizeof(nr), gir) < 0)
		out_now(sa, c, pn->u.nonce.ptr, pn->u.nonce.len, nr, sizeof(nr),
		    gir);
	oe_info("%s: Child SA rekeyed: SPI in 0x%08x out 0x%08x%s", tag,
	    sa->child.spi_in, sa->child.spi_out, ch.dh != 0 ? " (PFS)" : "");
	ikev2_sa_arm_timer(sa);
	iked_state_changed(sa->iked);
out:
	explicit_bzero(nr, sizeof(nr));
	if (gir != NULL)
		PK11_FreeSymKey(gir);
	if (dh != NULL)
		crypto_dh_free(dh);
}
