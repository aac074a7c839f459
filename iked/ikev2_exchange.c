/*
 * Requests, responses, retransmission, SK protection and the receive
 * dispatcher (see ikev2_exchange.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oe_log.h"
#include "ikev2.h"
#include "iked.h"
#include "ikev2_exchange.h"
#include "ikev2_auth.h"
#include "crypto.h"
#include "crypto_sk.h"
#include "control.h"

#define USEC_PER_MSEC	1000ULL
#define USEC_PER_SEC	1000000ULL

/* ---- sending --------------------------------------------------------- */

int
ikev2_send_raw(struct iked *d, const struct ikev2_path *path,
    const uint8_t *buf, size_t len)
{
	int r;

	r = d->send(d->send_arg, path, buf, len);
	if (r < 0)
		oe_debug("send: %s", strerror(-r));
	else
		d->stats.tx_packets++;
	return r;
}

static size_t
sk_body_len(void *arg, size_t plain_len)
{
	return crypto_sk_body_len(arg, plain_len);
}

static int
sk_encrypt(void *arg, const uint8_t *aad, size_t aad_len,
    const uint8_t *plain, size_t plain_len, uint8_t *out, size_t out_cap,
    size_t *out_len)
{
	return crypto_sk_encrypt(arg, aad, aad_len, plain, plain_len, out,
	    out_cap, out_len);
}

void
ikev2_sk_cipher(struct ikev2_ike_sa *sa, struct ikev2_sk_cipher *c)
{
	c->arg = sa->sk_out;
	c->body_len = sk_body_len;
	c->encrypt = sk_encrypt;
}

/* One message as it goes on the wire: one datagram or RFC 7383 fragments. */
struct wire_msg {
	uint8_t		*buf;		/* fragments back to back */
	size_t		 len;
	uint8_t		 nfrags;	/* 0: one datagram */
	uint16_t	 frag_len[IKEV2_MAX_FRAGMENTS];
};

/* The largest datagram we send unfragmented on sa's path (RFC 7383 2.5.1). */
static size_t
frag_max(const struct ikev2_ike_sa *sa)
{
	size_t ip = sa->path.local.family == AF_INET6 ? 1280 - 40 - 8 :
	    576 - 20 - 8;

	if (sa->iked->frag_mtu != 0)
		ip = sa->iked->frag_mtu;
	return sa->path.natt ? ip - 4 : ip;	/* the non-ESP marker */
}

/*
 * Re-emit an SK message as SKF fragments (RFC 7383 2.5): the inner
 * payloads cut so that every datagram fits frag_max().
 */
static int
fragment(struct ikev2_ike_sa *sa, const struct ikev2_header *h,
    const struct ikev2_payload *pl, size_t n, struct wire_msg *w)
{
	struct ikev2_sk_cipher c;
	struct ikev2_frag_plan plan;
	struct ikev2_error err;
	uint8_t *inner = NULL, *buf = NULL, first;
	size_t ilen, max = frag_max(sa), cap, off = 0, flen;
	uint16_t k;
	int ret = -1;

	inner = malloc(IKEV2_EMIT_MAX);
	if (inner == NULL)
		return -1;
	ikev2_sk_cipher(sa, &c);
	if (ikev2_inner_emit(pl, n, inner, IKEV2_EMIT_MAX, &ilen, &first,
	    &err) != IKEV2_OK ||
	    ikev2_frag_plan(ilen, max, &c, &plan, &err) != IKEV2_OK ||
	    plan.total > IKEV2_MAX_FRAGMENTS) {
		oe_err("fragmenting: %s", err.reason);
		goto out;
	}
	cap = (size_t)plan.total * (max + 64);
	buf = malloc(cap);
	if (buf == NULL)
		goto out;
	for (k = 1; k <= plan.total; k++) {
		if (ikev2_message_emit_skf(h, first, &plan, k, inner, ilen, &c,
		    buf + off, cap - off, &flen, &err) != IKEV2_OK) {
			oe_err("fragment %u/%u: %s", k, plan.total, err.reason);
			goto out;
		}
		w->frag_len[k - 1] = (uint16_t)flen;
		off += flen;
	}
	w->buf = buf;
	buf = NULL;
	w->len = off;
	w->nfrags = (uint8_t)plan.total;
	ret = 0;
out:
	explicit_bzero(inner, IKEV2_EMIT_MAX);
	free(inner);
	free(buf);
	return ret;
}

/*
 * Build one message for sa into w (w->buf is new; the caller frees).
 * `response` sets the R flag; the I flag follows our role.  An SK
 * message larger than frag_max() goes out as fragments when the peer
 * announced IKEV2_FRAGMENTATION_SUPPORTED.
 */
static int
build_message(struct ikev2_ike_sa *sa, uint8_t exchange, uint32_t msgid,
    bool response, const struct ikev2_payload *pl, size_t n,
    struct wire_msg *w)
{
	struct ikev2_header h;
	struct ikev2_error err;
	struct ikev2_sk_cipher c;
	enum ikev2_err e;
	uint8_t *buf;
	size_t len;

	memset(w, 0, sizeof(*w));
	memset(&h, 0, sizeof(h));
	h.ispi = sa->ispi;
	h.rspi = sa->rspi;
	h.exchange = exchange;
	h.msgid = msgid;
	h.flags = (sa->initiator ? IKEV2_FLAG_INITIATOR : 0) |
	    (response ? IKEV2_FLAG_RESPONSE : 0);
	buf = malloc(IKEV2_EMIT_MAX);
	if (buf == NULL)
		return -1;
	if (exchange == IKEV2_EXCH_IKE_SA_INIT) {
		e = ikev2_message_emit(&h, pl, n, buf, IKEV2_EMIT_MAX, &len,
		    &err);
	} else {
		if (sa->sk_out == NULL) {
			free(buf);
			return -1;
		}
		ikev2_sk_cipher(sa, &c);
		e = ikev2_message_emit_sk(&h, pl, n, &c, buf, IKEV2_EMIT_MAX,
		    &len, &err);
	}
	if (e != IKEV2_OK) {
		oe_err("emit %s: %s: %s", ikev2_name(IKEV2_REG_EXCHANGE,
		    exchange), ikev2_err_str(e), err.reason);
		free(buf);
		return -1;
	}
	if (exchange != IKEV2_EXCH_IKE_SA_INIT && sa->peer_frag &&
	    len > frag_max(sa)) {
		/* The whole message was only a measurement: send pieces. */
		free(buf);
		return fragment(sa, &h, pl, n, w);
	}
	/*
	 * The message may be kept (request until answered, response until
	 * the next request): keep its size, not IKEV2_EMIT_MAX per SA.
	 */
	w->buf = malloc(len);
	if (w->buf == NULL) {
		free(buf);
		return -1;
	}
	memcpy(w->buf, buf, len);
	free(buf);
	w->len = len;
	return 0;
}

/* Send a stored message: its one datagram or every fragment. */
static void
send_stored(struct ikev2_ike_sa *sa, const uint8_t *buf, size_t len,
    uint8_t nfrags, const uint16_t *frag_len)
{
	size_t off = 0;
	uint8_t k;

	if (nfrags == 0) {
		(void)ikev2_send_raw(sa->iked, &sa->path, buf, len);
		return;
	}
	for (k = 0; k < nfrags && off + frag_len[k] <= len; k++) {
		(void)ikev2_send_raw(sa->iked, &sa->path, buf + off,
		    frag_len[k]);
		off += frag_len[k];
	}
}

static void
retransmit_params(struct ikev2_ike_sa *sa, uint64_t *interval_usec,
    uint64_t *timeout_usec)
{
	const struct conf_conn *c = NULL;

	if (sa->iked->conf != NULL)
		c = conf_find_conn(sa->iked->conf, sa->conn);
	*interval_usec = (c != NULL ? c->retransmit_interval :
	    IKEV2_RETRANSMIT_INTERVAL_MS) * USEC_PER_MSEC;
	*timeout_usec = (uint64_t)(c != NULL ? c->retransmit_timeout :
	    IKEV2_RETRANSMIT_TIMEOUT_S) * USEC_PER_SEC;
}

static int retransmit_fire(sd_event_source *s, uint64_t usec, void *userdata);

static void
retransmit_arm(struct ikev2_ike_sa *sa)
{
	struct iked *d = sa->iked;
	uint64_t interval, timeout, delay, at;
	unsigned shift;

	retransmit_params(sa, &interval, &timeout);
	/* Exponential back-off: interval, 2x, 4x, ... until the deadline. */
	shift = sa->req.tries < 16 ? sa->req.tries : 16;
	delay = interval << shift;
	at = iked_now_usec(d) + delay;
	if (at > sa->req.deadline_usec)
		at = sa->req.deadline_usec;
	if (sa->req.timer == NULL) {
		if (sd_event_add_time(d->event, &sa->req.timer, CLOCK_MONOTONIC,
		    at, 10 * USEC_PER_MSEC, retransmit_fire, sa) < 0)
			sa->req.timer = NULL;
	} else {
		(void)sd_event_source_set_time(sa->req.timer, at);
		(void)sd_event_source_set_enabled(sa->req.timer, SD_EVENT_ONESHOT);
	}
}

static int
retransmit_fire(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ikev2_ike_sa *sa = userdata;
	char tag[80];

	(void)s;
	if (!sa->req.active)
		return 0;
	if (usec >= sa->req.deadline_usec) {
		oe_info("%s: %s request (msgid %u) unanswered after %u "
		    "transmissions; giving up", ikev2_sa_tag(sa, tag, sizeof(tag)),
		    ikev2_name(IKEV2_REG_EXCHANGE, sa->req.exchange),
		    sa->req.msgid, sa->req.tries + 1);
		ikev2_sa_fail(sa, "peer did not answer");
		return 0;
	}
	sa->req.tries++;
	sa->iked->stats.retransmits++;
	oe_debug("%s: retransmitting %s (msgid %u, try %u)",
	    ikev2_sa_tag(sa, tag, sizeof(tag)),
	    ikev2_name(IKEV2_REG_EXCHANGE, sa->req.exchange), sa->req.msgid,
	    sa->req.tries + 1);
	send_stored(sa, sa->req.buf, sa->req.len, sa->req.nfrags,
	    sa->req.frag_len);
	retransmit_arm(sa);
	return 0;
}

void
ikev2_request_clear(struct ikev2_ike_sa *sa)
{
	sa->req.active = false;
	free(sa->req.buf);
	sa->req.buf = NULL;
	sa->req.len = 0;
	sa->req.nfrags = 0;
	if (sa->req.timer != NULL)
		(void)sd_event_source_set_enabled(sa->req.timer, SD_EVENT_OFF);
}

int
ikev2_request_send(struct ikev2_ike_sa *sa, uint8_t exchange,
    const struct ikev2_payload *pl, size_t n)
{
	uint64_t interval, timeout;
	struct wire_msg w;

	if (sa->req.active) {
		oe_err("request_send: a request is already in flight");
		return -1;
	}
	if (build_message(sa, exchange, sa->msgid_out, false, pl, n, &w) < 0)
		return -1;
	sa->req.active = true;
	sa->req.msgid = sa->msgid_out++;
	sa->req.exchange = exchange;
	sa->req.buf = w.buf;
	sa->req.len = w.len;
	sa->req.nfrags = w.nfrags;
	memcpy(sa->req.frag_len, w.frag_len, sizeof(sa->req.frag_len));
	sa->req.tries = 0;
	retransmit_params(sa, &interval, &timeout);
	sa->req.deadline_usec = iked_now_usec(sa->iked) + timeout;
	send_stored(sa, sa->req.buf, sa->req.len, sa->req.nfrags,
	    sa->req.frag_len);
	retransmit_arm(sa);
	return 0;
}

int
ikev2_response_send(struct ikev2_ike_sa *sa, uint8_t exchange, uint32_t msgid,
    const struct ikev2_payload *pl, size_t n)
{
	struct wire_msg w;

	if (build_message(sa, exchange, msgid, true, pl, n, &w) < 0)
		return -1;
	free(sa->resp.buf);
	sa->resp.valid = true;
	sa->resp.msgid = msgid;
	sa->resp.buf = w.buf;
	sa->resp.len = w.len;
	sa->resp.nfrags = w.nfrags;
	memcpy(sa->resp.frag_len, w.frag_len, sizeof(sa->resp.frag_len));
	send_stored(sa, sa->resp.buf, sa->resp.len, sa->resp.nfrags,
	    sa->resp.frag_len);
	return 0;
}

int
ikev2_response_send_stateless(struct iked *d, const struct ikev2_path *path,
    const struct ikev2_header *req, const struct ikev2_payload *pl, size_t n)
{
	struct ikev2_header h;
	struct ikev2_error err;
	uint8_t buf[1024];
	size_t len;

	memset(&h, 0, sizeof(h));
	h.ispi = req->ispi;
	h.rspi = 0;
	h.exchange = req->exchange;
	h.msgid = req->msgid;
	h.flags = IKEV2_FLAG_RESPONSE;
	if (ikev2_message_emit(&h, pl, n, buf, sizeof(buf), &len, &err) !=
	    IKEV2_OK) {
		oe_err("emit stateless response: %s", err.reason);
		return -1;
	}
	return ikev2_send_raw(d, path, buf, len);
}

/* ---- receiving ------------------------------------------------------- */

static void
drop(struct iked *d, struct oe_ratelimit *rl, const struct ikev2_path *path,
    const char *why, const char *detail)
{
	char a[OE_ADDR_STRLEN];

	d->stats.rx_dropped++;
	control_count_reason(d->control, "dropped", why);	/* oectl status */
	oe_log_ratelimited(rl, iked_now_usec(d), LOG_INFO,
	    "dropped IKE message from %s port %u: %s%s%s",
	    oe_addr_format(&path->remote, a, sizeof(a)) ? a : "?", path->rport,
	    why, detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

/*
 * Decrypt the SK (or reassemble SKF) payload of m and parse the inner
 * payloads.  Returns 1 when m is complete, 0 when more fragments are
 * needed, -1 when m must be dropped (why in *why).
 */
static int
decrypt_inner(struct ikev2_ike_sa *sa, struct ikev2_message *m,
    const char **why, struct ikev2_error *err)
{
	const struct ikev2_sk *sk = &m->sk->u.sk;
	uint8_t *plain = NULL, *whole = NULL;
	size_t plain_len = 0, whole_len = 0;
	uint8_t first = sk->first;
	int ret = -1;

	if (sa->sk_in == NULL) {
		*why = "protected message before keys exist";
		return -1;
	}
	plain = malloc(sk->body.len + 1);
	if (plain == NULL) {
		*why = "out of memory";
		return -1;
	}
	if (crypto_sk_decrypt(sa->sk_in, sk->aad.ptr, sk->aad.len, sk->body.ptr,
	    sk->body.len, plain, sk->body.len + 1, &plain_len) < 0) {
		*why = "integrity check failed";
		goto out;
	}
	if (m->sk->type == IKEV2_PL_SKF) {
		enum ikev2_frag_status st;

		st = ikev2_frag_add(&sa->frag, m->hdr.msgid, sk, plain,
		    plain_len, err);
		if (st == IKEV2_FRAG_ERROR) {
			*why = "bad fragment";
			goto out;
		}
		if (st != IKEV2_FRAG_DONE) {
			ret = 0;
			goto out;
		}
		if (ikev2_frag_take(&sa->frag, &whole, &whole_len, &first,
		    err) != IKEV2_OK) {
			*why = "fragment reassembly";
			goto out;
		}
		if (ikev2_parse_inner(m, first, whole, whole_len, err) !=
		    IKEV2_OK) {
			*why = "malformed inner payloads";
			goto out;
		}
	} else if (ikev2_parse_inner(m, first, plain, plain_len, err) !=
	    IKEV2_OK) {
		*why = "malformed inner payloads";
		goto out;
	}
	ret = 1;
out:
	if (plain != NULL) {
		explicit_bzero(plain, sk->body.len + 1);
		free(plain);
	}
	if (whole != NULL) {
		explicit_bzero(whole, whole_len);
		free(whole);
	}
	return ret;
}

static void
dispatch_request(struct ikev2_ike_sa *sa, const struct ikev2_message *m)
{
	switch (m->hdr.exchange) {
	case IKEV2_EXCH_IKE_AUTH:
		ikev2_auth_recv_request(sa, m);
		break;
	case IKEV2_EXCH_INFORMATIONAL:
		ikev2_info_recv_request(sa, m);
		break;
	case IKEV2_EXCH_CREATE_CHILD_SA:
		ikev2_rekey_recv_request(sa, m);
		break;
	default:
		drop(sa->iked, &sa->iked->rl.misc, &sa->path,
		    "unsupported exchange",
		    ikev2_name(IKEV2_REG_EXCHANGE, m->hdr.exchange));
		break;
	}
}

static void
dispatch_response(struct ikev2_ike_sa *sa, const struct ikev2_message *m)
{
	switch (m->hdr.exchange) {
	case IKEV2_EXCH_IKE_SA_INIT:
		ikev2_init_recv_response(sa, m);
		break;
	case IKEV2_EXCH_IKE_AUTH:
		ikev2_auth_recv_response(sa, m);
		break;
	case IKEV2_EXCH_INFORMATIONAL:
		ikev2_info_recv_response(sa, m);
		break;
	case IKEV2_EXCH_CREATE_CHILD_SA:
		ikev2_rekey_recv_response(sa, m);
		break;
	default:
		break;
	}
}

/*
 * RFC 7296 2.23: with a NAT between us, the peer's address and port
 * are those of its latest authenticated request (NAT mappings change;
 * the initiator moves to the NAT-T port).  Without a NAT, never: a
 * changed address then means an attacker replaying our traffic.
 */
static void
follow_peer(struct ikev2_ike_sa *sa, const struct ikev2_path *path)
{
	char tag[80], a[OE_ADDR_STRLEN];

	if (!sa->nat_local && !sa->nat_remote && !path->natt)
		return;
	if (oe_addr_eq(&sa->path.remote, &path->remote) &&
	    sa->path.rport == path->rport && sa->path.natt == path->natt &&
	    oe_addr_eq(&sa->path.local, &path->local) &&
	    sa->path.lport == path->lport)
		return;
	oe_debug("%s: peer now at %s port %u%s", ikev2_sa_tag(sa, tag,
	    sizeof(tag)), oe_addr_format(&path->remote, a, sizeof(a)) ? a : "?",
	    path->rport, path->natt ? " (NAT-T)" : "");
	ikev2_sa_set_path(sa, path);
}

/* A request for an SA we know: replay, process, or drop. */
static void
recv_request(struct ikev2_ike_sa *sa, const struct ikev2_path *path,
    struct ikev2_message *m)
{
	struct iked *d = sa->iked;
	struct ikev2_error err;
	const char *why = NULL;
	int r;

	if (sa->resp.valid && m->hdr.msgid == sa->resp.msgid &&
	    m->hdr.msgid + 1 == sa->msgid_in) {
		/*
		 * A retransmission: the peer lost our answer.  Of a
		 * fragmented request only fragment 1 asks for the answer
		 * again (RFC 7383 2.6.1), not each of its fragments.
		 */
		if (m->sk != NULL && m->sk->type == IKEV2_PL_SKF &&
		    m->sk->u.sk.frag_num != 1)
			return;
		send_stored(sa, sa->resp.buf, sa->resp.len, sa->resp.nfrags,
		    sa->resp.frag_len);
		return;
	}
	if (m->hdr.msgid != sa->msgid_in) {
		drop(d, &d->rl.misc, path, "unexpected message ID", NULL);
		return;
	}
	if (m->hdr.exchange == IKEV2_EXCH_IKE_SA_INIT) {
		drop(d, &d->rl.misc, path, "IKE_SA_INIT on an existing SA",
		    NULL);
		return;
	}
	if (m->sk == NULL) {
		drop(d, &d->rl.malformed, path, "request without SK payload",
		    NULL);
		return;
	}
	memset(&err, 0, sizeof(err));
	r = decrypt_inner(sa, m, &why, &err);
	if (r < 0) {
		drop(d, &d->rl.malformed, path, why, err.reason[0] ? err.reason :
		    NULL);
		return;
	}
	if (r == 0)
		return;		/* more fragments to come */
	sa->last_heard_usec = iked_now_usec(d);
	follow_peer(sa, path);
	ikev2_auth_peer_request(sa, m);
	dispatch_request(sa, m);
}

static void
recv_response(struct ikev2_ike_sa *sa, const struct ikev2_path *path,
    struct ikev2_message *m)
{
	struct iked *d = sa->iked;
	struct ikev2_error err;
	const char *why = NULL;
	int r;

	if (!sa->req.active || m->hdr.msgid != sa->req.msgid ||
	    m->hdr.exchange != sa->req.exchange) {
		drop(d, &d->rl.misc, path, "response to no request of ours",
		    NULL);
		return;
	}
	if (m->hdr.exchange != IKEV2_EXCH_IKE_SA_INIT) {
		if (m->sk == NULL) {
			drop(d, &d->rl.malformed, path,
			    "response without SK payload", NULL);
			return;
		}
		memset(&err, 0, sizeof(err));
		r = decrypt_inner(sa, m, &why, &err);
		if (r < 0) {
			drop(d, &d->rl.malformed, path, why,
			    err.reason[0] ? err.reason : NULL);
			return;
		}
		if (r == 0)
			return;
	}
	sa->last_heard_usec = iked_now_usec(d);
	/*
	 * An IKE_SA_INIT answer may be stale (to a request we already
	 * replaced after INVALID_KE_PAYLOAD or COOKIE, with the same
	 * message ID 0): its handler decides whether our request is done.
	 */
	if (m->hdr.exchange != IKEV2_EXCH_IKE_SA_INIT)
		ikev2_request_clear(sa);
	dispatch_response(sa, m);
}

/*
 * Which of our SAs a message belongs to.  The I flag says whether the
 * sender is the original initiator: then our SPI is the responder SPI.
 */
static struct ikev2_ike_sa *
lookup_sa(struct iked *d, const struct ikev2_header *h,
    const struct ikev2_path *path)
{
	struct ikev2_ike_sa *sa;

	if (h->flags & IKEV2_FLAG_INITIATOR) {
		sa = ikev2_sa_find(d->sas, h->rspi);
		if (sa != NULL && (sa->initiator || sa->ispi != h->ispi))
			return NULL;
		return sa;
	}
	sa = ikev2_sa_find(d->sas, h->ispi);
	if (sa == NULL || !sa->initiator)
		return NULL;
	/* Our IKE_SA_INIT response carries the peer's new SPI. */
	if (sa->state != IKEV2_SA_INIT_SENT && sa->rspi != h->rspi)
		return NULL;
	(void)path;
	return sa;
}

void
ikev2_recv(struct iked *d, const struct ikev2_path *path, const uint8_t *msg,
    size_t len)
{
	struct ikev2_header h;
	struct ikev2_error err;
	struct ikev2_message *m = NULL;
	struct ikev2_ike_sa *sa;
	bool response;

	d->stats.rx_packets++;
	memset(&err, 0, sizeof(err));
	if (ikev2_header_parse(msg, len, &h, &err) != IKEV2_OK) {
		drop(d, &d->rl.malformed, path, "bad IKE header", err.reason);
		return;
	}
	response = (h.flags & IKEV2_FLAG_RESPONSE) != 0;
	/* While stopping, only the answers to our DELETEs matter. */
	if (d->stopping && !response)
		return;
	if (h.exchange == IKEV2_EXCH_IKE_SA_INIT && !response &&
	    h.rspi == 0) {
		sa = ikev2_sa_find_init(d->sas, &path->remote, h.ispi);
		if (sa != NULL) {
			/* Retransmitted IKE_SA_INIT: replay our answer. */
			if (sa->resp.valid && sa->resp.msgid == 0)
				send_stored(sa, sa->resp.buf, sa->resp.len,
				    sa->resp.nfrags, sa->resp.frag_len);
			return;
		}
		if (ikev2_message_parse(msg, len, &m, &err) != IKEV2_OK) {
			drop(d, &d->rl.malformed, path, "malformed IKE_SA_INIT",
			    err.reason);
			return;
		}
		ikev2_init_recv_request(d, path, m);
		goto out;
	}
	sa = lookup_sa(d, &h, path);
	if (sa == NULL) {
		drop(d, &d->rl.unknown_spi, path, "no IKE SA for these SPIs",
		    NULL);
		return;
	}
	if (ikev2_message_parse(msg, len, &m, &err) != IKEV2_OK) {
		drop(d, &d->rl.malformed, path, "malformed message",
		    err.reason);
		return;
	}
	if (response)
		recv_response(sa, path, m);
	else
		recv_request(sa, path, m);
out:
	ikev2_message_free(m);
}
