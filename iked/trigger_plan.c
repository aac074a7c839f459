/*
 * What a DNS trigger request means under the configuration: which conn,
 * which peer address, which keys (see trigger.h for the rules).  No
 * sockets, no event loop: the unit tests call these directly.
 */
#include "config.h"

#include <string.h>

#include "oe_log.h"
#include "conf.h"
#include "policy_group.h"
#include "trigger.h"

#define USEC_PER_SEC	1000000ULL

/* Is `a` one of the answer's own addresses? */
static bool
answer_has_addr(const struct oe_trigger_request *req, const struct oe_addr *a)
{
	size_t i;

	for (i = 0; i < req->naddrs; i++)
		if (oe_addr_eq(&req->addrs[i], a))
			return true;
	return false;
}

/*
 * A record's key may be used if the record sends us nowhere but the
 * answer's addresses: no gateway, or a gateway address of the answer.
 * A gateway name (type 3) could be anything, so it is not used.
 * `*gw` is set when the record names one of the answer's addresses.
 */
static bool
record_usable(const struct oe_trigger_request *req, const struct oe_ipseckey *r,
    const struct oe_addr **gw, const char **why)
{
	char err[128];

	*gw = NULL;
	switch (r->gateway_type) {
	case OE_IPSECKEY_GW_NONE:
		break;
	case OE_IPSECKEY_GW_IPV4:
	case OE_IPSECKEY_GW_IPV6:
		if (!answer_has_addr(req, &r->gw_addr)) {
			*why = "gateway is not one of the answer's addresses";
			return false;
		}
		*gw = &r->gw_addr;
		break;
	default:
		*why = "gateway is a name";
		return false;
	}
	if (r->algorithm != OE_IPSECKEY_ALG_RSA &&
	    r->algorithm != OE_IPSECKEY_ALG_ECDSA) {
		*why = "key algorithm not supported";
		return false;
	}
	if (r->key_len == 0 || r->key_len > IKEV2_PEER_KEY_MAX) {
		*why = "key too long";
		return false;
	}
	if (oe_ipseckey_key_check(r, err, sizeof(err)) < 0) {
		*why = "key does not check";
		return false;
	}
	return true;
}

/*
 * Collect the usable keys, best precedence (lowest) first.  The peer is
 * the gateway address of the best usable record that names one, else
 * the answer's first address.
 */
static void
collect_keys(const struct oe_trigger_request *req, struct trigger_plan *p)
{
	const struct oe_trigger_ipseckeys *k = &req->ipseckey;
	const struct oe_addr *gw, *best_gw = NULL;
	unsigned best_prec = 256;
	bool used[OE_TRIGGER_RECORDS_MAX];
	const char *why = NULL;
	size_t i, n;

	memset(used, 0, sizeof(used));
	for (n = 0; n < k->nrecords && p->nkeys < IKEV2_MAX_PEER_KEYS; n++) {
		size_t pick = k->nrecords;

		/* the lowest precedence not yet taken; ties in record order */
		for (i = 0; i < k->nrecords; i++)
			if (!used[i] && (pick == k->nrecords ||
			    k->records[i].precedence < k->records[pick].precedence))
				pick = i;
		used[pick] = true;
		if (!record_usable(req, &k->records[pick], &gw, &why)) {
			oe_debug("trigger %s: IPSECKEY record %zu not used: %s",
			    req->name, pick, why);
			p->ignored++;
			continue;
		}
		if (gw != NULL && k->records[pick].precedence < best_prec) {
			best_prec = k->records[pick].precedence;
			best_gw = gw;
		}
		p->keys[p->nkeys].algorithm = k->records[pick].algorithm;
		p->keys[p->nkeys].len = (uint16_t)k->records[pick].key_len;
		memcpy(p->keys[p->nkeys].key, k->records[pick].key,
		    k->records[pick].key_len);
		p->nkeys++;
	}
	p->peer = best_gw != NULL ? *best_gw : req->addrs[0];
}

void
trigger_plan_keys(const struct oe_trigger_request *req, struct trigger_plan *out)
{
	memset(out, 0, sizeof(*out));
	if (req->naddrs > 0)
		collect_keys(req, out);
}

static void
plan_end(struct trigger_plan *p, enum trigger_action a, const char *why)
{
	p->action = a;
	p->why = why;
	if (a != TRIGGER_ACT_INITIATE) {
		explicit_bzero(p->keys, sizeof(p->keys));
		p->nkeys = 0;
		p->keyed = false;
		p->conn = NULL;
	}
}

void
trigger_plan(const struct iked_conf *conf, const struct oe_trigger_request *req,
    int64_t now, struct trigger_plan *out)
{
	const struct oe_trigger_ipseckeys *k = &req->ipseckey;
	struct policy_match pm;
	const struct conf_conn *c;

	memset(out, 0, sizeof(*out));
	out->peer = req->addrs[0];
	if (k->present && k->secure) {
		/* The module's RRSIG window bounds the keys, whatever the TTL. */
		if (now < k->rrsig_inception || now >= k->rrsig_expiration) {
			oe_info("trigger %s: IPSECKEY signatures not valid now "
			    "(%lld..%lld, now %lld): keys not used", req->name,
			    (long long)k->rrsig_inception,
			    (long long)k->rrsig_expiration, (long long)now);
			out->ignored = k->nrecords;
		} else {
			collect_keys(req, out);
		}
	}
	if (policy_lookup(conf, &out->peer, 0, 0, 0, &pm) < 0 ||
	    pm.conn == NULL) {
		plan_end(out, TRIGGER_ACT_CLEAR, "no policy group holds the address");
		return;
	}
	c = pm.conn;
	if (!conf_conn_is_ike(c)) {
		plan_end(out, TRIGGER_ACT_CLEAR, c->type == CONF_TYPE_PASSTHROUGH ?
		    "policy: clear" : "policy: blocked (no IKE)");
		return;
	}
	if (c->disabled) {
		plan_end(out, TRIGGER_ACT_CLEAR, "policy conn disabled");
		return;
	}
	if (c->autostart != CONF_AUTO_ONDEMAND && c->autostart != CONF_AUTO_START) {
		/* auto=add: we only answer peers that initiate. */
		plan_end(out, TRIGGER_ACT_CLEAR, "policy conn is responder only");
		return;
	}
	out->conn = c;
	if (!conf_conn_is_authenticated(c)) {
		/* Anonymous conn: the keys prove nothing here; no label. */
		explicit_bzero(out->keys, sizeof(out->keys));
		out->nkeys = 0;
		plan_end(out, TRIGGER_ACT_INITIATE, "anonymous (NULL auth)");
		return;
	}
	if (out->nkeys > 0) {
		out->keyed = true;
		plan_end(out, TRIGGER_ACT_INITIATE, "authenticated by the "
		    "name's IPSECKEY");
		return;
	}
	if (c->right.sigkey.kind == CONF_SIGKEY_RAW) {
		plan_end(out, TRIGGER_ACT_INITIATE, "authenticated by the conn's key");
		return;
	}
	plan_end(out, TRIGGER_ACT_FAIL, k->present ? "conn requires a key and "
	    "no IPSECKEY record is usable" : "conn requires a key and the "
	    "name has no secure IPSECKEY");
}

static bool
same_key(const struct ikev2_peer_key *a, const struct ikev2_peer_key *b)
{
	return a->algorithm == b->algorithm && a->len == b->len &&
	    memcmp(a->key, b->key, a->len) == 0;
}

/* Did sa's peer prove (by signature) one of the plan's keys? */
static bool
sa_proved_plan_key(const struct ikev2_ike_sa *sa, const struct trigger_plan *p)
{
	size_t i, j;

	if (sa->auth_peer == IKEV2_AUTH_NULL || sa->auth_peer == 0)
		return false;
	for (i = 0; i < sa->npeer_keys; i++)
		for (j = 0; j < p->nkeys; j++)
			if (same_key(&sa->peer_keys[i], &p->keys[j]))
				return true;
	return false;
}

struct ikev2_ike_sa *
trigger_find_sa(struct ikev2_sa_table *t, const struct trigger_plan *plan)
{
	struct ikev2_ike_sa *sa;

	for (sa = ikev2_sa_first_peer(t, &plan->peer); sa != NULL;
	    sa = ikev2_sa_next_peer(sa)) {
		if (sa->state != IKEV2_SA_ESTABLISHED || !sa->child.installed ||
		    !oe_addr_eq(&sa->path.remote, &plan->peer))
			continue;
		if (plan->keyed && !sa_proved_plan_key(sa, plan))
			continue;
		return sa;
	}
	return NULL;
}

struct ikev2_ike_sa *
trigger_find_conflict(struct ikev2_sa_table *t, const struct trigger_plan *plan)
{
	struct ikev2_ike_sa *sa;

	if (!plan->keyed)
		return NULL;
	for (sa = ikev2_sa_first_peer(t, &plan->peer); sa != NULL;
	    sa = ikev2_sa_next_peer(sa))
		if (sa->state == IKEV2_SA_ESTABLISHED && sa->child.installed &&
		    oe_addr_eq(&sa->path.remote, &plan->peer) &&
		    !sa_proved_plan_key(sa, plan))
			return sa;
	return NULL;
}

/* Does sa expect (for its peer's AUTH) one of the plan's keys? */
static bool
sa_expects_plan_key(const struct ikev2_ike_sa *sa, const struct trigger_plan *p)
{
	size_t i, j;

	for (i = 0; i < sa->npeer_keys; i++)
		for (j = 0; j < p->nkeys; j++)
			if (same_key(&sa->peer_keys[i], &p->keys[j]))
				return true;
	return false;
}

/* Is sa the successor an IKE SA rekey is negotiating (not a new SA)? */
static bool
is_rekey_successor(struct ikev2_sa_table *t, const struct ikev2_ike_sa *sa)
{
	struct ikev2_ike_sa *o;

	/* a rekey's new SA has its parent's path */
	for (o = ikev2_sa_first_peer(t, &sa->path.remote); o != NULL;
	    o = ikev2_sa_next_peer(o))
		if (o->rekey_ike == sa)
			return true;
	return false;
}

struct ikev2_ike_sa *
trigger_find_inflight(struct ikev2_sa_table *t, const struct trigger_plan *plan)
{
	struct ikev2_ike_sa *sa;

	for (sa = ikev2_sa_first_peer(t, &plan->peer); sa != NULL;
	    sa = ikev2_sa_next_peer(sa)) {
		/* only our initiations report an outcome (ikev2_sa_complete) */
		if (!sa->initiator || !oe_addr_eq(&sa->path.remote, &plan->peer))
			continue;
		if (sa->state != IKEV2_SA_INIT_SENT &&
		    sa->state != IKEV2_SA_AUTH_SENT)
			continue;
		if (plan->keyed && !sa_expects_plan_key(sa, plan))
			continue;
		if (is_rekey_successor(t, sa))
			continue;
		return sa;
	}
	return NULL;
}

uint32_t
trigger_sa_remaining(const struct ikev2_ike_sa *sa, uint64_t now_usec)
{
	uint64_t age;

	if (!sa->child.installed || now_usec < sa->child.established_usec)
		return 0;
	age = (now_usec - sa->child.established_usec) / USEC_PER_SEC;
	return age >= sa->child.lifetime ? 0 : (uint32_t)(sa->child.lifetime - age);
}
