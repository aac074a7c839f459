/*
 * IKE_AUTH, both roles (RFC 7296 1.2, 2.15): identities, AUTH with
 * NULL authentication (RFC 7619), the first Child SA with its traffic
 * selectors and USE_TRANSPORT_MODE, installed through kernel_ops.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oe_log.h"
#include "ikev2.h"
#include "iked.h"
#include "ikev2_auth.h"
#include "ikev2_child.h"
#include "ikev2_exchange.h"
#include "ikev2_proposal.h"
#include "ikev2_sa.h"
#include "crypto.h"
#include "crypto_auth.h"
#include "crypto_prf.h"
#include "dns_keys.h"
#include "kernel.h"

#include <pk11pub.h>

#define AUTH_MAX_PAYLOADS	10

/* Everything one IKE_AUTH message of ours refers to while it is emitted. */
struct auth_msg {
	struct ikev2_payload	 pl[AUTH_MAX_PAYLOADS];
	size_t			 n;
	uint8_t			 id_data[256];
	uint8_t			 auth[IKEV2_AUTH_DATA_MAX];
	size_t			 auth_len;
	struct ikev2_sa		 sa;
	struct ikev2_ts_list	 tsi, tsr;
	uint8_t			 spi[4];
};

static struct ikev2_payload *
am_add(struct auth_msg *am, uint8_t type)
{
	struct ikev2_payload *p = &am->pl[am->n++];

	memset(p, 0, sizeof(*p));
	p->type = type;
	return p;
}

/* ---- identities and AUTH data ---------------------------------------- */

/* Our ID for conn c on path (RFC 7619: ID_NULL with NULL auth). */
static void
local_id(const struct conf_conn *c, const struct ikev2_path *path,
    struct ikev2_id *id, uint8_t *store, size_t cap)
{
	const struct oe_addr *a = &path->local;
	size_t len;

	memset(id, 0, sizeof(*id));
	switch (c->left.id.kind) {
	case CONF_ID_NULL:
		id->type = IKEV2_ID_NULL;
		return;
	case CONF_ID_FQDN:
		len = strnlen(c->left.id.name, sizeof(c->left.id.name));
		if (len > cap)
			len = cap;
		memcpy(store, c->left.id.name, len);
		id->type = IKEV2_ID_FQDN;
		id->data.ptr = store;
		id->data.len = len;
		return;
	case CONF_ID_ADDR:
		a = &c->left.id.addr;
		break;
	default:
		if (c->left.auth == CONF_AUTH_NULL) {
			id->type = IKEV2_ID_NULL;
			return;
		}
		break;
	}
	len = oe_addr_len(a);
	memcpy(store, oe_addr_bytes(a), len);
	id->type = a->family == AF_INET ? IKEV2_ID_IPV4_ADDR : IKEV2_ID_IPV6_ADDR;
	id->data.ptr = store;
	id->data.len = len;
}

void
ikev2_auth_local_id(const struct conf_conn *c, const struct ikev2_path *path,
    struct ikev2_id *id, uint8_t *store, size_t cap)
{
	local_id(c, path, id, store, cap);
}

int
ikev2_auth_octets(struct ikev2_ike_sa *sa, bool ours, const uint8_t *id_body,
    size_t id_len, uint8_t **out, size_t *out_len)
{
	/* The initiator signs its request, the responder its response. */
	bool signer_is_initiator = ours ? sa->initiator : !sa->initiator;

	if (sa->init_req == NULL || sa->init_resp == NULL)
		return -1;
	return crypto_auth_signed_octets(sa->prf, signer_is_initiator ?
	    sa->keys.sk_pi : sa->keys.sk_pr,
	    signer_is_initiator ? sa->init_req : sa->init_resp,
	    signer_is_initiator ? sa->init_req_len : sa->init_resp_len,
	    signer_is_initiator ? sa->nr : sa->ni,
	    signer_is_initiator ? sa->nr_len : sa->ni_len, id_body, id_len,
	    out, out_len);
}

/* SK_pi or SK_pr: the key of whoever computes this NULL-auth MIC. */
static PK11SymKey *
null_key(struct ikev2_ike_sa *sa, bool ours)
{
	bool signer_is_initiator = ours ? sa->initiator : !sa->initiator;

	return signer_is_initiator ? sa->keys.sk_pi : sa->keys.sk_pr;
}

/* Fill am's AUTH data for our ID body. */
static int
make_auth(struct ikev2_ike_sa *sa, const struct conf_conn *c,
    const uint8_t *id_body, size_t id_len, struct auth_msg *am,
    uint8_t *method)
{
	uint8_t *octets = NULL;
	size_t olen = 0;
	int ret = -1;

	if (ikev2_auth_octets(sa, true, id_body, id_len, &octets, &olen) < 0)
		return -1;
	if (c->left.auth == CONF_AUTH_NULL) {
		if (crypto_auth_null_compute(sa->prf, null_key(sa, true), octets,
		    olen, am->auth, sizeof(am->auth), &am->auth_len) < 0)
			goto out;
		*method = IKEV2_AUTH_NULL;
		ret = 0;
	} else {
		ret = ikev2_auth_sig_make(sa, c, octets, olen, am->auth,
		    sizeof(am->auth), &am->auth_len, method);
	}
out:
	free(octets);
	return ret;
}

/* Check the peer's ID against the conn's rightid=. */
static bool
peer_id_ok(const struct conf_conn *c, const struct ikev2_id *id)
{
	switch (c->right.id.kind) {
	case CONF_ID_FQDN:
		return id->type == IKEV2_ID_FQDN &&
		    id->data.len == strnlen(c->right.id.name,
		    sizeof(c->right.id.name)) &&
		    memcmp(id->data.ptr, c->right.id.name, id->data.len) == 0;
	case CONF_ID_ADDR:
		return ((id->type == IKEV2_ID_IPV4_ADDR &&
		    c->right.id.addr.family == AF_INET) ||
		    (id->type == IKEV2_ID_IPV6_ADDR &&
		    c->right.id.addr.family == AF_INET6)) &&
		    id->data.len == oe_addr_len(&c->right.id.addr) &&
		    memcmp(id->data.ptr, oe_addr_bytes(&c->right.id.addr),
		    id->data.len) == 0;
	case CONF_ID_NULL:
		return id->type == IKEV2_ID_NULL;
	default:
		return true;
	}
}

/* ---- which conn, now that the peer's ID and AUTH method are known ---- */

struct conn_want {
	const struct ikev2_id	*id;
	uint8_t			 method;	/* the peer's AUTH method */
};

/* ikev2_conn_accepts_fn: rightid= and rightauth= against the peer's. */
static int
conn_accepts(const struct conf_conn *c, void *arg)
{
	const struct conn_want *w = arg;

	if (!peer_id_ok(c, w->id))
		return -1;
	if ((w->method == IKEV2_AUTH_NULL) != (c->right.auth == CONF_AUTH_NULL))
		return -1;
	return c->right.id.kind == CONF_ID_FQDN ||
	    c->right.id.kind == CONF_ID_ADDR ? 1 : 0;
}

/* Whether conn c would have accepted the IKE SA's algorithms. */
static bool
conn_takes_ike_alg(const struct conf_conn *c, const struct ikev2_ike_sa *sa)
{
	const struct ikev2_proposal *prop;
	struct ikev2_proto_choice ch;
	struct ikev2_sa *one;
	bool ok;

	one = calloc(1, sizeof(*one));
	if (one == NULL)
		return false;
	ikev2_proposal_answer(&sa->alg, false, 1, NULL, 0, one);
	ok = ikev2_proposals_accept(&c->ike, false, one, &ch, &prop) == 0;
	free(one);
	return ok;
}

/*
 * Responder: IKE_SA_INIT chose the conn by address alone.  With the
 * peer's ID and AUTH method known, the most specific conn that accepts
 * them governs (ikev2_conn_for_peer()), if it takes the IKE SA's
 * algorithms; else the first choice stays (and verify_peer() decides).
 */
static const struct conf_conn *
refine_conn(struct ikev2_ike_sa *sa, const struct conf_conn *c,
    const struct ikev2_payload *pid, const struct ikev2_payload *pauth)
{
	struct conn_want w = { &pid->u.id, pauth->u.auth.method };
	const struct conf_conn *nc;
	char tag[80];

	nc = ikev2_conn_for_peer(sa->iked->conf, &sa->path.local,
	    &sa->path.remote, conn_accepts, &w);
	if (nc == NULL || nc == c || !conn_takes_ike_alg(nc, sa))
		return c;
	oe_info("%s: peer's ID and AUTH select conn %s instead of %s",
	    ikev2_sa_tag(sa, tag, sizeof(tag)), nc->name, c->name);
	snprintf(sa->conn, sizeof(sa->conn), "%s", nc->name);
	sa->lifetime = nc->ikelifetime;
	return nc;
}

/* ---- the initiator's key from DNS (responder) ------------------------- */

/* dns_keys_cb: keep the keys for the next copy of the IKE_AUTH request. */
static void
dns_keys_answer(void *arg, const struct dns_keys_result *r)
{
	struct ikev2_ike_sa *sa = arg;
	char tag[80];

	sa->iked->dns_lookups--;
	ikev2_sa_tag(sa, tag, sizeof(tag));
	if (!r->ok) {
		oe_info("%s: no key from DNS for %s: %s", tag, sa->peer_name,
		    r->why);
		sa->peer_name[0] = '\0';
		return;
	}
	free(sa->peer_keys);
	sa->npeer_keys = 0;
	sa->peer_keys = calloc(r->nkeys, sizeof(*sa->peer_keys));
	if (sa->peer_keys == NULL)
		return;
	memcpy(sa->peer_keys, r->keys, r->nkeys * sizeof(*sa->peer_keys));
	sa->npeer_keys = r->nkeys;
	oe_info("%s: %zu key%s for %s from DNS (validated)", tag, r->nkeys,
	    r->nkeys == 1 ? "" : "s", sa->peer_name);
}

/* An ID_FQDN body as a DNS name with the final dot; false if unfit. */
static bool
fqdn_name(const struct ikev2_id *id, char *out, size_t cap)
{
	size_t i, len = id->data.len;

	if (id->type != IKEV2_ID_FQDN || len == 0 || len + 2 > cap)
		return false;
	for (i = 0; i < len; i++) {
		uint8_t ch = id->data.ptr[i];

		/* host names only: letters, digits, '-', '.', '_' */
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_'))
			return false;
	}
	memcpy(out, id->data.ptr, len);
	if (out[len - 1] != '.')
		out[len++] = '.';
	out[len] = '\0';
	return true;
}

/* An address ID that is the very address the initiator talks from. */
static bool
id_is_path_addr(const struct ikev2_ike_sa *sa, const struct ikev2_id *id)
{
	const struct oe_addr *a = &sa->path.remote;

	return ((id->type == IKEV2_ID_IPV4_ADDR && a->family == AF_INET) ||
	    (id->type == IKEV2_ID_IPV6_ADDR && a->family == AF_INET6)) &&
	    id->data.len == oe_addr_len(a) &&
	    memcmp(id->data.ptr, oe_addr_bytes(a), id->data.len) == 0;
}

/*
 * Responder: an initiator that signs with an ID_FQDN (or with the
 * address it talks from as its ID), under a conn whose peer keys come
 * from DNS (rightrsasigkey=%dnsondemand, %dns, or unset on an
 * opportunistic group conn), and no key known: ask the resolver
 * (dns-resolver=) for the name's (or the reverse name's) IPSECKEY.
 * True while the answer is pending: this copy of the request goes
 * unanswered, and a retransmission finds the keys (or none) in place;
 * one lookup per IKE SA.
 */
static bool
dns_keys_pending(struct ikev2_ike_sa *sa, const struct conf_conn *c,
    const struct ikev2_payload *pid, const struct ikev2_payload *pauth)
{
	const struct conf_setup *st = &sa->iked->conf->setup;
	char name[256];
	bool from_dns, by_name;

	if (sa->dns_query != NULL)
		return !dns_keys_done(sa->dns_query);
	from_dns = c->right.sigkey.kind == CONF_SIGKEY_DNSONDEMAND ||
	    c->right.sigkey.kind == CONF_SIGKEY_DNS ||
	    (c->right.sigkey.kind == CONF_SIGKEY_UNSET &&
	    c->right.host.kind == CONF_HOST_OPPOGROUP);
	if (!from_dns || st->dns_resolver.n == 0 || sa->npeer_keys > 0 ||
	    pauth->u.auth.method == IKEV2_AUTH_NULL ||
	    c->right.auth == CONF_AUTH_NULL)
		return false;
	by_name = fqdn_name(&pid->u.id, name, sizeof(name));
	if (!by_name && !id_is_path_addr(sa, &pid->u.id))
		return false;
	if (sa->iked->dns_lookups >= DNS_KEYS_RUNNING_MAX) {
		/* unanswered: the initiator's retransmission asks again */
		oe_log_ratelimited(&sa->iked->rl.misc, iked_now_usec(sa->iked),
		    LOG_NOTICE, "DNS key lookups: %u running, the most at "
		    "once; IKE_AUTH from %s waits for its retransmission",
		    sa->iked->dns_lookups, sa->peer_name);
		return true;
	}
	sa->dns_query = by_name ? dns_keys_lookup(sa->iked->event,
	    &st->dns_resolver.a[0], (uint16_t)st->dns_resolver_port, name,
	    &sa->path.remote, DNS_KEYS_TIMEOUT_USEC, dns_keys_answer, sa) :
	    dns_keys_lookup_addr(sa->iked->event, &st->dns_resolver.a[0],
	    (uint16_t)st->dns_resolver_port, &sa->path.remote,
	    DNS_KEYS_TIMEOUT_USEC, dns_keys_answer, sa);
	if (sa->dns_query == NULL)
		return false;
	sa->iked->dns_lookups++;
	snprintf(sa->peer_name, sizeof(sa->peer_name), "%s",
	    dns_keys_name(sa->dns_query));
	return true;
}

/*
 * Verify the peer's AUTH payload for its ID payload (raw body as
 * received).  Returns 0 when it proves what the conn requires.
 */
static int
verify_peer(struct ikev2_ike_sa *sa, const struct conf_conn *c,
    const struct ikev2_payload *pid, const struct ikev2_payload *pauth,
    const char **why)
{
	const struct ikev2_auth *a = &pauth->u.auth;
	uint8_t *octets = NULL;
	size_t olen = 0;
	int ret = -1;

	if (!peer_id_ok(c, &pid->u.id)) {
		*why = "peer ID does not match the conn";
		return -1;
	}
	if (ikev2_auth_octets(sa, false, pid->raw.ptr, pid->raw.len, &octets,
	    &olen) < 0) {
		*why = "internal error computing AUTH octets";
		return -1;
	}
	if (a->method == IKEV2_AUTH_NULL) {
		/* NULL authentication proves nothing: only if the conn allows. */
		if (c->right.auth != CONF_AUTH_NULL) {
			*why = "peer used NULL authentication; conn requires "
			    "a signature";
			goto out;
		}
		if (crypto_auth_null_verify(sa->prf, null_key(sa, false), octets,
		    olen, a->data.ptr, a->data.len) < 0) {
			*why = "NULL authentication MIC mismatch";
			goto out;
		}
		ret = 0;
	} else if (c->right.auth == CONF_AUTH_NULL) {
		*why = "conn expects NULL authentication";
	} else {
		ret = ikev2_auth_sig_check(sa, c, a, octets, olen, why);
	}
	if (ret == 0) {
		sa->auth_peer = a->method;
		sa->peer_id.type = pid->u.id.type;
		sa->peer_id.data.len = pid->u.id.data.len < sizeof(sa->peer_id_data) ?
		    pid->u.id.data.len : sizeof(sa->peer_id_data);
		if (sa->peer_id.data.len > 0)	/* ID_NULL has no data */
			memcpy(sa->peer_id_data, pid->u.id.data.ptr,
			    sa->peer_id.data.len);
		sa->peer_id.data.ptr = sa->peer_id_data;
	}
out:
	free(octets);
	return ret;
}

/* ---- INITIAL_CONTACT (RFC 7296 2.4) ------------------------------------ */

/* Whether another IKE SA with sa's peer address exists (any state). */
static bool
other_sa_with_peer(struct ikev2_ike_sa *sa)
{
	struct ikev2_ike_sa *o;

	for (o = ikev2_sa_first_peer(sa->iked->sas, &sa->path.remote);
	    o != NULL; o = ikev2_sa_next_peer(o))
		if (o != sa && oe_addr_eq(&o->path.remote, &sa->path.remote))
			return true;
	return false;
}

/*
 * The authenticated peer says it holds no other SA with us: ours with
 * it are stale (it restarted), and their Child SAs would swallow its
 * new traffic.  Remove them without a DELETE: nobody would answer.
 * Only SAs of the same conn and peer identity type count, so a peer
 * cannot remove another conn's SAs.
 */
static void
initial_contact(struct ikev2_ike_sa *sa)
{
	struct ikev2_ike_sa *o, *next;
	char tag[80];
	int n = 0;

	for (o = ikev2_sa_first_peer(sa->iked->sas, &sa->path.remote);
	    o != NULL; o = next) {
		next = ikev2_sa_next_peer(o);
		if (o == sa || o == sa->rekey_ike ||
		    !oe_addr_eq(&o->path.remote, &sa->path.remote) ||
		    strcmp(o->conn, sa->conn) != 0 ||
		    o->state != IKEV2_SA_ESTABLISHED ||
		    o->auth_peer != sa->auth_peer)
			continue;
		ikev2_child_remove(o);
		ikev2_sa_destroy(o, "peer restarted (INITIAL_CONTACT)");
		n++;
		/* o's pending rekey went with it: start over */
		next = ikev2_sa_first_peer(sa->iked->sas, &sa->path.remote);
	}
	if (n > 0)
		oe_info("%s: INITIAL_CONTACT: removed %d stale IKE SA%s",
		    ikev2_sa_tag(sa, tag, sizeof(tag)), n, n == 1 ? "" : "s");
}

/* ---- initiator ------------------------------------------------------- */

int
ikev2_auth_send_request(struct ikev2_ike_sa *sa)
{
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	struct auth_msg *am;
	struct ikev2_payload *pid, *p;
	uint8_t body[300];
	size_t blen;
	int ret = -1;

	if (c == NULL)
		return -1;
	am = calloc(1, sizeof(*am));
	if (am == NULL)
		return -1;
	pid = am_add(am, IKEV2_PL_IDI);
	local_id(c, &sa->path, &pid->u.id, am->id_data, sizeof(am->id_data));
	if (ikev2_id_body(&pid->u.id, body, sizeof(body), &blen) != IKEV2_OK)
		goto out;
	p = am_add(am, IKEV2_PL_AUTH);
	if (make_auth(sa, c, body, blen, am, &sa->auth_local) < 0) {
		oe_err("conn %s: cannot compute our AUTH", c->name);
		goto out;
	}
	p->u.auth.method = sa->auth_local;
	p->u.auth.data.ptr = am->auth;
	p->u.auth.data.len = am->auth_len;
	if (!other_sa_with_peer(sa))
		/* RFC 7296 2.4: we hold nothing with this peer (restart?) */
		ikev2_notify_make(am_add(am, IKEV2_PL_NOTIFY),
		    IKEV2_N_INITIAL_CONTACT, NULL, 0);
	if (ikev2_child_alloc_spi(sa, &sa->child, true) < 0)
		goto out;
	sa->child.transport = c->type == CONF_TYPE_TRANSPORT;
	if (sa->child.transport)
		ikev2_notify_make(am_add(am, IKEV2_PL_NOTIFY),
		    IKEV2_N_USE_TRANSPORT_MODE, NULL, 0);
	ikev2_spi_be(sa->child.spi_in, am->spi);
	if (ikev2_proposals_build(&c->esp, true, am->spi, 4, &am->sa) == 0) {
		oe_err("conn %s: no usable ESP proposal", c->name);
		goto out;
	}
	p = am_add(am, IKEV2_PL_SA);
	p->u.sa = &am->sa;
	am->tsi.count = am->tsr.count = 1;
	ikev2_conn_ts(c, sa, &am->tsi.ts[0], &am->tsr.ts[0]);
	p = am_add(am, IKEV2_PL_TSI);
	p->u.ts = &am->tsi;
	p = am_add(am, IKEV2_PL_TSR);
	p->u.ts = &am->tsr;
	if (ikev2_request_send(sa, IKEV2_EXCH_IKE_AUTH, am->pl, am->n) < 0)
		goto out;
	ikev2_sa_set_state(sa, IKEV2_SA_AUTH_SENT);
	ret = 0;
out:
	explicit_bzero(am->auth, sizeof(am->auth));
	free(am);
	return ret;
}

static void
established(struct ikev2_ike_sa *sa)
{
	char tag[80];

	ikev2_sa_set_state(sa, IKEV2_SA_ESTABLISHED);
	sa->established_usec = iked_now_usec(sa->iked);
	sa->iked->stats.ike_established++;
	ikev2_sa_arm_timer(sa);
	oe_info("%s: IKE SA established (conn %s, we %s, auth %s/%s)",
	    ikev2_sa_tag(sa, tag, sizeof(tag)), sa->conn,
	    sa->initiator ? "initiated" : "responded",
	    ikev2_name(IKEV2_REG_AUTH, sa->auth_local),
	    ikev2_name(IKEV2_REG_AUTH, sa->auth_peer));
}

void
ikev2_auth_recv_response(struct ikev2_ike_sa *sa, const struct ikev2_message *m)
{
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	const struct ikev2_payload *pid, *pauth, *psa, *ptsi, *ptsr, *p;
	const struct ikev2_proposal *prop;
	struct ikev2_proto_choice ch;
	struct ikev2_ts want_l, want_r;
	const char *why = NULL;
	char tag[80];

	ikev2_sa_tag(sa, tag, sizeof(tag));
	if (sa->state != IKEV2_SA_AUTH_SENT || c == NULL)
		return;
	pid = ikev2_message_find(m, IKEV2_PL_IDR, NULL);
	pauth = ikev2_message_find(m, IKEV2_PL_AUTH, NULL);
	if (pid == NULL || pauth == NULL) {
		p = ikev2_message_find(m, IKEV2_PL_NOTIFY, NULL);
		oe_info("%s: IKE_AUTH refused: %s", tag, p != NULL &&
		    ikev2_name(IKEV2_REG_NOTIFY, p->u.notify.type) ?
		    ikev2_name(IKEV2_REG_NOTIFY, p->u.notify.type) :
		    "no AUTH payload");
		ikev2_sa_fail(sa, "peer refused IKE_AUTH");
		return;
	}
	if (verify_peer(sa, c, pid, pauth, &why) < 0) {
		oe_info("%s: peer authentication failed: %s", tag, why);
		ikev2_sa_fail(sa, "peer authentication failed");
		return;
	}
	established(sa);
	psa = ikev2_message_find(m, IKEV2_PL_SA, NULL);
	ptsi = ikev2_message_find(m, IKEV2_PL_TSI, NULL);
	ptsr = ikev2_message_find(m, IKEV2_PL_TSR, NULL);
	if (psa == NULL || ptsi == NULL || ptsr == NULL) {
		oe_info("%s: no Child SA in IKE_AUTH response", tag);
		ikev2_child_remove(sa);
		ikev2_sa_complete(sa, false, "peer refused the Child SA");
		/* An IKE SA without its Child SA serves no traffic here. */
		(void)ikev2_info_send_delete(sa);
		return;
	}
	ikev2_conn_ts(c, sa, &want_l, &want_r);
	if (ikev2_proposals_accept(&c->esp, true, psa->u.sa, &ch, &prop) < 0 ||
	    ikev2_ts_narrow_to(ptsi->u.ts, &want_l, &sa->child.ts_local) < 0 ||
	    ikev2_ts_narrow_to(ptsr->u.ts, &want_r, &sa->child.ts_remote) < 0 ||
	    (sa->child.transport && ikev2_message_find_notify(m,
	    IKEV2_N_USE_TRANSPORT_MODE) == NULL)) {
		oe_info("%s: unacceptable Child SA in IKE_AUTH response", tag);
		ikev2_child_remove(sa);
		ikev2_sa_complete(sa, false, "unacceptable Child SA");
		(void)ikev2_info_send_delete(sa);
		return;
	}
	sa->child.alg = ch;
	sa->child.spi_out = ikev2_spi_from(prop->spi);
	sa->child.lifetime = c->salifetime;
	if (ikev2_child_install(sa, &sa->child, c, sa->ni, sa->ni_len,
	    sa->nr, sa->nr_len, NULL) < 0) {
		ikev2_child_remove(sa);
		ikev2_sa_complete(sa, false, "kernel refused the Child SA");
		(void)ikev2_info_send_delete(sa);
		return;
	}
	/* The Child SA's rekey and expiry times are known only now. */
	ikev2_sa_arm_timer(sa);
	ikev2_sa_compact(sa);
	/*
	 * Without INITIAL_CONTACT the responder keeps its policies with
	 * our other SA until we show we accepted its AUTH: an empty
	 * INFORMATIONAL does (ikev2_child_confirm() on its side).
	 */
	if (other_sa_with_peer(sa))
		(void)ikev2_info_send_liveness(sa);
	ikev2_sa_complete(sa, true, NULL);
	iked_state_changed(sa->iked);
}

void
ikev2_auth_peer_request(struct ikev2_ike_sa *sa, const struct ikev2_message *m)
{
	if (sa->initiator || sa->state != IKEV2_SA_ESTABLISHED ||
	    m->hdr.exchange == IKEV2_EXCH_IKE_AUTH)
		return;
	/* RFC 7296 2.21.2: an initiator that could not verify us may say so. */
	if (ikev2_message_find_notify(m, IKEV2_N_AUTHENTICATION_FAILED) != NULL)
		return;
	ikev2_child_confirm(sa);
}

/* ---- responder ------------------------------------------------------- */

/* Decide the Child SA from the request; fills am's SA/TS payloads. */
static uint16_t
respond_child(struct ikev2_ike_sa *sa, const struct conf_conn *c,
    const struct ikev2_message *m, struct auth_msg *am)
{
	const struct ikev2_payload *psa, *ptsi, *ptsr;
	const struct ikev2_proposal *prop;
	struct ikev2_proto_choice ch;
	struct ikev2_payload *p;
	struct ikev2_ts want_l, want_r;
	bool want_transport;

	psa = ikev2_message_find(m, IKEV2_PL_SA, NULL);
	ptsi = ikev2_message_find(m, IKEV2_PL_TSI, NULL);
	ptsr = ikev2_message_find(m, IKEV2_PL_TSR, NULL);
	if (psa == NULL || ptsi == NULL || ptsr == NULL)
		return IKEV2_N_NO_PROPOSAL_CHOSEN;	/* childless: not offered */
	want_transport = ikev2_message_find_notify(m,
	    IKEV2_N_USE_TRANSPORT_MODE) != NULL;
	if (want_transport != (c->type == CONF_TYPE_TRANSPORT))
		return IKEV2_N_NO_PROPOSAL_CHOSEN;
	if (ikev2_proposals_choose(&c->esp, true, psa->u.sa, &ch, &prop) < 0)
		return IKEV2_N_NO_PROPOSAL_CHOSEN;
	ikev2_conn_ts(c, sa, &want_l, &want_r);
	if (ikev2_ts_narrow_to(ptsi->u.ts, &want_r, &sa->child.ts_remote) < 0 ||
	    ikev2_ts_narrow_to(ptsr->u.ts, &want_l, &sa->child.ts_local) < 0)
		return IKEV2_N_TS_UNACCEPTABLE;
	if (ikev2_child_alloc_spi(sa, &sa->child, true) < 0)
		return IKEV2_N_TEMPORARY_FAILURE;
	sa->child.alg = ch;
	sa->child.spi_out = ikev2_spi_from(prop->spi);
	sa->child.transport = want_transport;
	sa->child.lifetime = c->salifetime;
	if (ikev2_child_install(sa, &sa->child, c, sa->ni, sa->ni_len,
	    sa->nr, sa->nr_len, NULL) < 0) {
		ikev2_child_remove(sa);
		return IKEV2_N_TEMPORARY_FAILURE;
	}
	if (want_transport)
		ikev2_notify_make(am_add(am, IKEV2_PL_NOTIFY),
		    IKEV2_N_USE_TRANSPORT_MODE, NULL, 0);
	ikev2_spi_be(sa->child.spi_in, am->spi);
	ikev2_proposal_answer(&ch, true, prop->num, am->spi, 4, &am->sa);
	p = am_add(am, IKEV2_PL_SA);
	p->u.sa = &am->sa;
	am->tsi.count = am->tsr.count = 1;
	am->tsi.ts[0] = sa->child.ts_remote;
	am->tsr.ts[0] = sa->child.ts_local;
	p = am_add(am, IKEV2_PL_TSI);
	p->u.ts = &am->tsi;
	p = am_add(am, IKEV2_PL_TSR);
	p->u.ts = &am->tsr;
	return 0;
}

static void
respond_error(struct ikev2_ike_sa *sa, uint32_t msgid, uint16_t type)
{
	struct ikev2_payload n;

	ikev2_notify_make(&n, type, NULL, 0);
	(void)ikev2_response_send(sa, IKEV2_EXCH_IKE_AUTH, msgid, &n, 1);
}

void
ikev2_auth_recv_request(struct ikev2_ike_sa *sa, const struct ikev2_message *m)
{
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	const struct ikev2_payload *pid, *pauth;
	struct auth_msg *am = NULL;
	struct ikev2_payload *p;
	const char *why = NULL;
	uint8_t body[300];
	size_t blen;
	uint16_t child_err;
	char tag[80];

	ikev2_sa_tag(sa, tag, sizeof(tag));
	if (sa->state != IKEV2_SA_INIT_DONE || c == NULL)
		return;
	pid = ikev2_message_find(m, IKEV2_PL_IDI, NULL);
	pauth = ikev2_message_find(m, IKEV2_PL_AUTH, NULL);
	if (pid != NULL && pauth != NULL) {
		c = refine_conn(sa, c, pid, pauth);
		/* The request stays unanswered (msgid_in too) until DNS has. */
		if (dns_keys_pending(sa, c, pid, pauth))
			return;
	}
	sa->msgid_in++;
	if (pid == NULL || pauth == NULL) {
		oe_info("%s: IKE_AUTH request without ID or AUTH "
		    "(EAP is not supported)", tag);
		respond_error(sa, m->hdr.msgid, IKEV2_N_AUTHENTICATION_FAILED);
		ikev2_sa_fail(sa, "IKE_AUTH without AUTH");
		return;
	}
	if (verify_peer(sa, c, pid, pauth, &why) < 0) {
		oe_log_ratelimited(&sa->iked->rl.auth, iked_now_usec(sa->iked),
		    LOG_INFO, "%s: peer authentication failed: %s", tag, why);
		respond_error(sa, m->hdr.msgid, IKEV2_N_AUTHENTICATION_FAILED);
		/* The answer stays cached until the SA dies with the timer. */
		ikev2_sa_set_state(sa, IKEV2_SA_DEAD);
		ikev2_sa_arm_timer(sa);
		return;
	}
	am = calloc(1, sizeof(*am));
	if (am == NULL)
		goto fail;
	p = am_add(am, IKEV2_PL_IDR);
	local_id(c, &sa->path, &p->u.id, am->id_data, sizeof(am->id_data));
	if (ikev2_id_body(&p->u.id, body, sizeof(body), &blen) != IKEV2_OK)
		goto fail;
	p = am_add(am, IKEV2_PL_AUTH);
	if (make_auth(sa, c, body, blen, am, &sa->auth_local) < 0) {
		oe_err("conn %s: cannot compute our AUTH", c->name);
		goto fail;
	}
	p->u.auth.method = sa->auth_local;
	p->u.auth.data.ptr = am->auth;
	p->u.auth.data.len = am->auth_len;
	/*
	 * The authenticated peer holds nothing else with us: its stale SAs
	 * go before the new Child SA is installed, so that it takes their
	 * policies at once (ikev2_child.c decides who holds them).
	 */
	if (ikev2_message_find_notify(m, IKEV2_N_INITIAL_CONTACT) != NULL)
		initial_contact(sa);
	child_err = respond_child(sa, c, m, am);
	if (child_err != 0) {
		oe_info("%s: Child SA refused: %s", tag,
		    ikev2_name(IKEV2_REG_NOTIFY, child_err));
		ikev2_notify_make(am_add(am, IKEV2_PL_NOTIFY), child_err,
		    NULL, 0);
	}
	if (ikev2_response_send(sa, IKEV2_EXCH_IKE_AUTH, m->hdr.msgid, am->pl,
	    am->n) < 0)
		goto fail;
	established(sa);
	ikev2_sa_compact(sa);
	explicit_bzero(am->auth, sizeof(am->auth));
	free(am);
	iked_state_changed(sa->iked);
	return;
fail:
	if (am != NULL) {
		explicit_bzero(am->auth, sizeof(am->auth));
		free(am);
	}
	ikev2_sa_fail(sa, "IKE_AUTH failed");
}
