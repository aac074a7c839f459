/*
 * INFORMATIONAL exchanges (RFC 7296 1.4): DELETE of the IKE SA or of
 * the Child SA, liveness checks (2.4), and the per-SA timer that
 * drives half-open expiry, liveness and the IKE SA lifetime.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "oe_log.h"
#include "ikev2.h"
#include "iked.h"
#include "ikev2_child.h"
#include "ikev2_exchange.h"
#include "ikev2_net.h"
#include "ikev2_sa.h"
#include "kernel.h"

#define USEC_PER_SEC		1000000ULL
#define DEAD_LINGER_SEC		5	/* keep a refused SA to replay our answer */
#define NAT_KEEPALIVE_SEC	20	/* RFC 3948 4: keep NAT mappings alive */
#define REPLACED_LINGER_SEC	30	/* a rekeyed-away SA waits for its DELETE */

void
ikev2_sa_fail(struct ikev2_ike_sa *sa, const char *why)
{
	struct iked *d = sa->iked;

	if (sa->state != IKEV2_SA_ESTABLISHED && sa->state != IKEV2_SA_DELETING)
		d->stats.ike_failed++;
	ikev2_child_remove(sa);
	ikev2_sa_destroy(sa, why);
	iked_state_changed(d);
}

/* ---- sending ---------------------------------------------------------- */

int
ikev2_info_send_delete(struct ikev2_ike_sa *sa)
{
	struct ikev2_payload p;
	char tag[80];

	if (sa->state != IKEV2_SA_ESTABLISHED)
		return -1;
	memset(&p, 0, sizeof(p));
	p.type = IKEV2_PL_DELETE;
	p.u.del.protocol = IKEV2_PROTO_IKE;
	/* Deleting the IKE SA deletes its Child SAs too (1.4.1). */
	ikev2_child_remove(sa);
	if (sa->req.active)
		ikev2_request_clear(sa);
	if (ikev2_request_send(sa, IKEV2_EXCH_INFORMATIONAL, &p, 1) < 0)
		return -1;
	ikev2_sa_set_state(sa, IKEV2_SA_DELETING);
	oe_info("%s: deleting IKE SA", ikev2_sa_tag(sa, tag, sizeof(tag)));
	iked_state_changed(sa->iked);
	return 0;
}

int
ikev2_info_send_liveness(struct ikev2_ike_sa *sa)
{
	if (sa->state != IKEV2_SA_ESTABLISHED || sa->req.active)
		return -1;
	return ikev2_request_send(sa, IKEV2_EXCH_INFORMATIONAL, NULL, 0);
}

/* ---- receiving -------------------------------------------------------- */

void
ikev2_info_recv_request(struct ikev2_ike_sa *sa, const struct ikev2_message *m)
{
	const struct ikev2_payload *p;
	struct ikev2_payload resp;
	uint32_t spi;
	uint16_t i;
	bool delete_ike = false, delete_child = false, delete_old = false;
	struct iked *d = sa->iked;
	uint8_t b[4];
	char tag[80];

	ikev2_sa_tag(sa, tag, sizeof(tag));
	if (sa->state != IKEV2_SA_ESTABLISHED && sa->state != IKEV2_SA_DELETING)
		return;
	sa->msgid_in++;
	for (p = NULL; (p = ikev2_message_find(m, IKEV2_PL_DELETE, p)) != NULL;) {
		if (p->u.del.protocol == IKEV2_PROTO_IKE) {
			delete_ike = true;
			continue;
		}
		if (p->u.del.protocol != IKEV2_PROTO_ESP)
			continue;
		for (i = 0; i < p->u.del.nspi; i++) {
			if (!ikev2_delete_spi(&p->u.del, i, &spi))
				continue;
			if (sa->child.installed && spi == sa->child.spi_out)
				delete_child = true;
			if (sa->old_child.present &&
			    spi == sa->old_child.spi_out)
				delete_old = true;
		}
	}
	if (delete_ike) {
		oe_info("%s: peer deleted the IKE SA", tag);
		(void)ikev2_response_send(sa, IKEV2_EXCH_INFORMATIONAL,
		    m->hdr.msgid, NULL, 0);
		ikev2_child_remove(sa);
		ikev2_sa_destroy(sa, "peer deleted the IKE SA");
		iked_state_changed(d);
		return;
	}
	if (delete_old && !delete_child) {
		/* The peer retires the Child SA a rekey replaced (2.8). */
		spi = sa->old_child.spi_in;
		memset(&resp, 0, sizeof(resp));
		resp.type = IKEV2_PL_DELETE;
		resp.u.del.protocol = IKEV2_PROTO_ESP;
		resp.u.del.spi_len = 4;
		resp.u.del.nspi = 1;
		ikev2_spi_be(spi, b);
		resp.u.del.spis.ptr = b;
		resp.u.del.spis.len = 4;
		(void)ikev2_response_send(sa, IKEV2_EXCH_INFORMATIONAL,
		    m->hdr.msgid, &resp, 1);
		ikev2_rekey_retire_old(sa);
		iked_state_changed(d);
		return;
	}
	/* The peer's redundant SA of a rekey collision (ikev2_rekey.c). */
	if (delete_child && ikev2_rekey_collision_delete(sa, m->hdr.msgid))
		return;
	if (delete_child) {
		/* Answer with our inbound SPI of the same pair (1.4.1). */
		spi = sa->child.spi_in;
		memset(&resp, 0, sizeof(resp));
		resp.type = IKEV2_PL_DELETE;
		resp.u.del.protocol = IKEV2_PROTO_ESP;
		resp.u.del.spi_len = 4;
		resp.u.del.nspi = 1;
		b[0] = (uint8_t)(spi >> 24);
		b[1] = (uint8_t)(spi >> 16);
		b[2] = (uint8_t)(spi >> 8);
		b[3] = (uint8_t)spi;
		resp.u.del.spis.ptr = b;
		resp.u.del.spis.len = 4;
		(void)ikev2_response_send(sa, IKEV2_EXCH_INFORMATIONAL,
		    m->hdr.msgid, &resp, 1);
		oe_info("%s: peer deleted the Child SA", tag);
		ikev2_child_remove(sa);
		iked_state_changed(d);
		ikev2_rekey_childless(sa);	/* may free sa */
		return;
	}
	/* Liveness check or notifies we do not act on: an empty answer. */
	(void)ikev2_response_send(sa, IKEV2_EXCH_INFORMATIONAL, m->hdr.msgid,
	    NULL, 0);
}

void
ikev2_info_recv_response(struct ikev2_ike_sa *sa, const struct ikev2_message *m)
{
	struct iked *d = sa->iked;

	(void)m;
	if (sa->state == IKEV2_SA_DELETING) {
		ikev2_sa_destroy(sa, "deleted");
		iked_state_changed(d);
		return;
	}
	if (sa->deleting_old) {
		/* The peer confirmed the DELETE of the replaced Child SA. */
		sa->deleting_old = false;
		ikev2_rekey_retire_old(sa);
		iked_state_changed(d);
	}
	/* Otherwise a liveness answer: last_heard_usec is already updated. */
}

/* ---- kernel lifetime events ------------------------------------------ */

void
ikev2_kernel_expire(struct iked *d, const struct kernel_expire *ev)
{
	struct ikev2_ike_sa *sa;
	char tag[80];

	for (sa = ikev2_sa_first(d->sas); sa != NULL; sa = ikev2_sa_next(sa)) {
		if (sa->state != IKEV2_SA_ESTABLISHED || !sa->child.installed ||
		    (ev->spi != sa->child.spi_in && ev->spi != sa->child.spi_out))
			continue;
		ikev2_sa_tag(sa, tag, sizeof(tag));
		if (!ev->hard) {
			oe_info("%s: kernel soft expire of SPI 0x%08x", tag,
			    ev->spi);
			if (sa->initiator && !sa->req.active)
				(void)ikev2_rekey_child_start(sa);
			return;
		}
		oe_info("%s: kernel hard expire of SPI 0x%08x: deleting", tag,
		    ev->spi);
		if (ikev2_info_send_delete(sa) < 0)
			ikev2_sa_fail(sa, "Child SA expired");
		return;
	}
	/* The old SA of a rekey, or not ours: nothing to do. */
	oe_debug("kernel %s expire of SPI 0x%08x", ev->hard ? "hard" : "soft",
	    ev->spi);
}

/* ---- the per-SA timer ------------------------------------------------- */

static uint64_t
ike_expiry(const struct ikev2_ike_sa *sa)
{
	return sa->lifetime > 0 ? sa->established_usec +
	    (uint64_t)sa->lifetime * USEC_PER_SEC : UINT64_MAX;
}

static uint64_t
child_expiry(const struct ikev2_ike_sa *sa)
{
	return sa->child.installed && sa->child.lifetime > 0 ?
	    sa->child.established_usec +
	    (uint64_t)sa->child.lifetime * USEC_PER_SEC : UINT64_MAX;
}

/*
 * When we rekey the Child SA: the initiator at its soft lifetime, the
 * responder at half the margin before its end, should the initiator
 * not have done it (collisions stay rare; ikev2_rekey.c resolves them).
 */
static uint64_t
child_rekey_at(const struct ikev2_ike_sa *sa, const struct conf_conn *c)
{
	uint64_t at, margin;

	if (c == NULL || !sa->child.installed ||
	    sa->rekeying || sa->child.lifetime <= c->rekeymargin)
		return UINT64_MAX;
	margin = sa->initiator ? c->rekeymargin : c->rekeymargin / 2;
	at = sa->child.established_usec +
	    (uint64_t)(sa->child.lifetime - margin) * USEC_PER_SEC;
	return at > sa->rekey_not_before_usec ? at : sa->rekey_not_before_usec;
}

/* Behind a NAT, a keepalive is due this long after the last one. */
static uint64_t
keepalive_at(const struct ikev2_ike_sa *sa, const struct conf_conn *c)
{
	if (!sa->nat_local || !sa->path.natt || c == NULL || !c->nat_keepalive)
		return UINT64_MAX;
	return (sa->last_keepalive_usec > sa->established_usec ?
	    sa->last_keepalive_usec : sa->established_usec) +
	    NAT_KEEPALIVE_SEC * USEC_PER_SEC;
}

/* idletimeout= (ours): when to look at the Child SA's traffic next. */
static uint64_t
idle_at(const struct ikev2_ike_sa *sa, const struct conf_conn *c)
{
	if (c == NULL || c->idletimeout == 0 || !sa->child.installed)
		return UINT64_MAX;
	if (sa->idle_check_usec == 0)
		return sa->established_usec +
		    (uint64_t)c->idletimeout * USEC_PER_SEC;
	return sa->idle_check_usec;
}

/* Packet counters of one direction of `ch`: 0, or -1 if the kernel cannot say. */
static int
child_packets(struct ikev2_ike_sa *sa, const struct ikev2_child_sa *ch,
    bool inbound, uint64_t *packets)
{
	const struct oe_addr *dst = inbound ? &sa->path.local : &sa->path.remote;
	struct kernel_sa_stats st;
	struct kernel_sa_id id;

	memset(&id, 0, sizeof(id));
	id.dst.family = dst->family;
	memcpy(id.dst.u.bytes, oe_addr_bytes(dst), oe_addr_len(dst));
	id.spi = inbound ? ch->spi_in : ch->spi_out;
	memset(&st, 0, sizeof(st));
	if (kernel_get_sa_stats(sa->iked->kernel, &id, &st) < 0)
		return -1;
	*packets = st.packets;
	return 0;
}

/*
 * Did the Child SA carry a packet, in either direction, since the last
 * check?  The kernel's use_time cannot tell: XFRM sets it at an SA's
 * first packet only.  Its counters can.  A rekey starts new counters
 * at zero: the replaced pair, while it lingers, is read against the
 * values recorded for it.  -1 if the kernel cannot say.
 */
static int
child_moved(struct ikev2_ike_sa *sa)
{
	uint64_t in, out, oin, oout;
	int moved = 0;

	if (child_packets(sa, &sa->child, true, &in) < 0 ||
	    child_packets(sa, &sa->child, false, &out) < 0)
		return -1;
	if (sa->idle_spi_in != sa->child.spi_in ||
	    sa->idle_spi_out != sa->child.spi_out) {
		if (sa->old_child.installed &&
		    sa->idle_spi_in == sa->old_child.spi_in &&
		    sa->idle_spi_out == sa->old_child.spi_out &&
		    child_packets(sa, &sa->old_child, true, &oin) == 0 &&
		    child_packets(sa, &sa->old_child, false, &oout) == 0 &&
		    (oin != sa->idle_pkts_in || oout != sa->idle_pkts_out))
			moved = 1;
		sa->idle_spi_in = sa->child.spi_in;
		sa->idle_spi_out = sa->child.spi_out;
		sa->idle_pkts_in = 0;
		sa->idle_pkts_out = 0;
	}
	if (in != sa->idle_pkts_in || out != sa->idle_pkts_out)
		moved = 1;
	sa->idle_pkts_in = in;
	sa->idle_pkts_out = out;
	return moved;
}

/* True if the SA was deleted for idleness; else schedules the next look. */
static bool
idle_check(struct ikev2_ike_sa *sa, const struct conf_conn *c, uint64_t usec)
{
	uint64_t idle = (uint64_t)c->idletimeout * USEC_PER_SEC;
	/* Under traffic, look a few times per timeout to end it close to it. */
	uint64_t step = idle / 4 > USEC_PER_SEC ? idle / 4 : USEC_PER_SEC;
	char tag[80];
	int moved = child_moved(sa);

	if (sa->idle_active_usec == 0)
		sa->idle_active_usec = sa->child.established_usec;
	if (moved != 0) {
		/* Traffic seen, or the kernel cannot say: not idle. */
		sa->idle_active_usec = usec;
		sa->idle_check_usec = usec + (moved > 0 ? step : idle);
		return false;
	}
	if (usec >= sa->idle_active_usec + idle) {
		oe_info("%s: no traffic for %llu s (idletimeout): deleting",
		    ikev2_sa_tag(sa, tag, sizeof(tag)),
		    (unsigned long long)((usec - sa->idle_active_usec) /
		    USEC_PER_SEC));
		if (ikev2_info_send_delete(sa) < 0)
			ikev2_sa_fail(sa, "idle");
		return true;
	}
	sa->idle_check_usec = sa->idle_active_usec + idle;
	return false;
}

/*
 * When we rekey the IKE SA: the initiator at ikelifetime - rekeymargin,
 * the responder (if the initiator has not) at half the margin.
 */
static uint64_t
ike_rekey_at(const struct ikev2_ike_sa *sa, const struct conf_conn *c)
{
	uint64_t at;

	if (c == NULL || sa->replaced ||
	    sa->ike_rekey_disabled || sa->rekey_ike != NULL ||
	    sa->lifetime <= c->rekeymargin)
		return UINT64_MAX;
	at = sa->established_usec + (uint64_t)(sa->lifetime -
	    (sa->initiator ? c->rekeymargin : c->rekeymargin / 2)) *
	    USEC_PER_SEC;
	return at > sa->ike_rekey_not_before_usec ? at :
	    sa->ike_rekey_not_before_usec;
}

static uint64_t
sa_expiry(const struct ikev2_ike_sa *sa)
{
	uint64_t a = ike_expiry(sa), b = child_expiry(sa);

	return a < b ? a : b;
}

static int
life_fire(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ikev2_ike_sa *sa = userdata;
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	char tag[80];

	(void)s;
	ikev2_sa_tag(sa, tag, sizeof(tag));
	switch (sa->state) {
	case IKEV2_SA_INIT_DONE:
		oe_info("%s: half-open IKE SA expired", tag);
		ikev2_sa_fail(sa, "half-open expired");
		return 0;
	case IKEV2_SA_DEAD:
		ikev2_sa_fail(sa, "refused");
		return 0;
	case IKEV2_SA_ESTABLISHED:
		break;
	default:
		return 0;
	}
	if (sa->replaced) {
		struct iked *d = sa->iked;

		/* The peer rekeyed it away and never deleted it. */
		ikev2_sa_destroy(sa, "replaced");
		iked_state_changed(d);
		return 0;
	}
	if (usec >= sa_expiry(sa)) {
		/*
		 * Not rekeyed in time (refused, or the peer's job): the IKE
		 * SA ends with its own lifetime or its Child SA's, whichever
		 * comes first; the next trigger negotiates afresh.
		 */
		oe_info("%s: %s lifetime reached", tag,
		    child_expiry(sa) <= ike_expiry(sa) ? "Child SA" : "IKE SA");
		if (ikev2_info_send_delete(sa) < 0)
			ikev2_sa_fail(sa, "lifetime reached");
		return 0;
	}
	if (usec >= idle_at(sa, c) && idle_check(sa, c, usec))
		return 0;
	if (usec >= keepalive_at(sa, c)) {
		sa->last_keepalive_usec = usec;
		if (sa->iked->net != NULL)
			(void)ikev2_net_send_keepalive(sa->iked->net, &sa->path);
	}
	if (usec >= ike_rekey_at(sa, c) && !sa->req.active)
		(void)ikev2_rekey_ike_start(sa);
	if (usec >= child_rekey_at(sa, c) && !sa->req.active)
		(void)ikev2_rekey_child_start(sa);
	if (c != NULL && c->dpddelay > 0 && !sa->req.active &&
	    usec >= sa->last_heard_usec + (uint64_t)c->dpddelay * USEC_PER_SEC)
		(void)ikev2_info_send_liveness(sa);
	ikev2_sa_arm_timer(sa);
	return 0;
}

void
ikev2_sa_arm_timer(struct ikev2_ike_sa *sa)
{
	struct iked *d = sa->iked;
	const struct conf_conn *c = conf_find_conn(d->conf, sa->conn);
	uint64_t now = iked_now_usec(d), at;

	switch (sa->state) {
	case IKEV2_SA_INIT_DONE:
		at = sa->created_usec + (uint64_t)(c != NULL ?
		    c->retransmit_timeout : IKEV2_RETRANSMIT_TIMEOUT_S) *
		    USEC_PER_SEC;
		break;
	case IKEV2_SA_DEAD:
		at = now + DEAD_LINGER_SEC * USEC_PER_SEC;
		break;
	case IKEV2_SA_ESTABLISHED:
		if (sa->replaced) {
			at = sa->replaced_usec + REPLACED_LINGER_SEC * USEC_PER_SEC;
			break;
		}
		at = sa_expiry(sa);
		if (ike_rekey_at(sa, c) < at)
			at = ike_rekey_at(sa, c);
		if (child_rekey_at(sa, c) < at)
			at = child_rekey_at(sa, c);
		if (keepalive_at(sa, c) < at)
			at = keepalive_at(sa, c);
		if (idle_at(sa, c) < at)
			at = idle_at(sa, c);
		if (c != NULL && c->dpddelay > 0) {
			uint64_t live = (sa->last_heard_usec > now ? now :
			    sa->last_heard_usec) +
			    (uint64_t)c->dpddelay * USEC_PER_SEC;

			if (live <= now)
				live = now + (uint64_t)c->dpddelay * USEC_PER_SEC;
			if (live < at)
				at = live;
		}
		if (at == UINT64_MAX)
			return;
		/* Due while another request is in flight: look again soon. */
		if (at <= now)
			at = now + USEC_PER_SEC / 10;
		break;
	default:
		return;
	}
	if (sa->life_timer == NULL) {
		if (sd_event_add_time(d->event, &sa->life_timer, CLOCK_MONOTONIC,
		    at, USEC_PER_SEC / 10, life_fire, sa) < 0)
			sa->life_timer = NULL;
		return;
	}
	(void)sd_event_source_set_time(sa->life_timer, at);
	(void)sd_event_source_set_enabled(sa->life_timer, SD_EVENT_ONESHOT);
}
