/*
 * The control socket's view of the policy engine: `policies` (the
 * installed group policies), `shunts` (negotiation and failure shunts
 * with their remaining lifetime), `why` (what governs traffic to an
 * address, and why) and `flush-shunts` (remove shunts: the traps apply
 * again).  The handlers find the tables through the daemon context, so
 * they stay safe while the tables are gone (stop).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "iked.h"
#include "control.h"
#include "ikev2_sa.h"
#include "policy.h"
#include "shunt.h"
#include "acquire.h"

#define USEC_PER_SEC	1000000ULL

static const char *
action_name(enum kernel_policy_action a)
{
	switch (a) {
	case KERNEL_POLICY_PASS:
		return "pass";
	case KERNEL_POLICY_DROP:
		return "drop";
	case KERNEL_POLICY_IPSEC:
		return "ipsec";
	case KERNEL_POLICY_TRAP:
		return "trap";
	case KERNEL_POLICY_TRAP_OPTIONAL:
		return "trap-optional";
	}
	return "?";
}

static json_t *
rule_json(const struct policy_rule *r)
{
	char dst[OE_CIDR_STRLEN];
	struct oe_cidr c;

	policy_oaddr(&r->kp.sel.dst, &c.addr);
	c.plen = r->kp.sel.dst_plen;
	if (c.addr.family == AF_UNSPEC) {
		c.addr.family = r->kp.sel.family;
		if (c.addr.family == AF_UNSPEC ||
		    oe_cidr_format(&c, dst, sizeof(dst)) == NULL)
			(void)snprintf(dst, sizeof(dst), "any");
	} else if (oe_cidr_format(&c, dst, sizeof(dst)) == NULL)
		(void)snprintf(dst, sizeof(dst), "?");
	return json_pack("{s:s, s:s, s:s, s:s?, s:i, s:i, s:i, s:i, s:I, s:I}",
	    "dst", dst,
	    "kind", policy_rule_kind_name(r->kind),
	    "direction", r->kp.dir == KERNEL_DIR_OUT ? "out" :
	    r->kp.dir == KERNEL_DIR_IN ? "in" : "fwd",
	    "conn", r->conn[0] != '\0' ? r->conn : NULL,
	    "line", (int)r->line,
	    "proto", (int)r->kp.sel.proto,
	    "sport", (int)r->kp.sel.sport,
	    "dport", (int)r->kp.sel.dport,
	    "priority", (json_int_t)r->kp.priority,
	    "reqid", (json_int_t)r->kp.reqid);
}

json_t *
policy_set_json(const struct policy_set *s)
{
	json_t *a = json_array(), *j;
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; s != NULL && i < s->n; i++) {
		j = rule_json(&s->rules[i]);
		if (j == NULL || json_array_append_new(a, j) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *
shunt_json(const struct shunt *s, uint64_t now_usec)
{
	char l[OE_ADDR_STRLEN], p[OE_ADDR_STRLEN];
	json_t *j;

	(void)oe_addr_format(&s->local, l, sizeof(l));
	(void)oe_addr_format(&s->peer, p, sizeof(p));
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}",
	    "kind", shunt_kind_name(s->kind),
	    "action", action_name(s->action),
	    "local", l, "peer", p, "conn", s->conn,
	    "age", (json_int_t)(now_usec > s->created_usec ?
	    (now_usec - s->created_usec) / USEC_PER_SEC : 0));
	if (j == NULL)
		return NULL;
	if (s->expires_usec != 0)
		json_object_set_new(j, "expires_in", json_integer(
		    (json_int_t)(s->expires_usec > now_usec ?
		    (s->expires_usec - now_usec + USEC_PER_SEC - 1) /
		    USEC_PER_SEC : 0)));
	if (s->reason[0] != '\0')
		json_object_set_new(j, "reason", json_string(s->reason));
	if (s->flow.proto != 0) {
		/* a port-specific entry's shunt: its flow only */
		json_object_set_new(j, "proto", json_integer(s->flow.proto));
		json_object_set_new(j, "sport", json_integer(s->flow.sport));
		json_object_set_new(j, "dport", json_integer(s->flow.dport));
	}
	return j;
}

json_t *
shunt_table_json(const struct shunt_table *t, uint64_t now_usec)
{
	json_t *a = json_array(), *j;
	const struct shunt *s;
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; (s = shunt_at(t, i)) != NULL; i++) {
		j = shunt_json(s, now_usec);
		if (j == NULL || json_array_append_new(a, j) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The established IKE SA with a Child SA towards `peer`, or NULL. */
static const struct ikev2_ike_sa *
sa_for(struct iked *d, const struct oe_addr *peer)
{
	struct ikev2_ike_sa *sa;

	if (d->sas == NULL)
		return NULL;
	for (sa = ikev2_sa_first(d->sas); sa != NULL; sa = ikev2_sa_next(sa))
		if (sa->state == IKEV2_SA_ESTABLISHED && sa->child.installed &&
		    oe_addr_eq(&sa->path.remote, peer))
			return sa;
	return NULL;
}

json_t *
policy_why_json(struct iked *d, const struct oe_addr *dst, uint8_t proto,
    uint16_t sport, uint16_t dport)
{
	const struct policy_rule *r = NULL;
	const struct shunt *s = NULL;
	const struct ikev2_ike_sa *sa;
	const struct shunt *cand;
	const char *verdict = "none", *reason;
	char a[OE_ADDR_STRLEN];
	json_t *j;
	size_t i;

	(void)oe_addr_format(dst, a, sizeof(a));
	if (d->policy != NULL)
		r = policy_engine_lookup(d->policy, dst, proto, sport, dport);
	for (i = 0; (cand = shunt_at(d->shunts, i)) != NULL; i++)
		if (oe_addr_eq(&cand->peer, dst) && (cand->flow.proto == 0 ||
		    (cand->flow.proto == proto &&
		    (cand->flow.sport == 0 || cand->flow.sport == sport) &&
		    (cand->flow.dport == 0 || cand->flow.dport == dport)))) {
			s = cand;
			break;
		}
	sa = sa_for(d, dst);
	/* The kernel's order: host policies, then shunts, then groups. */
	if (sa != NULL) {
		verdict = "ipsec";
		reason = "an established Child SA covers this peer";
	} else if (s != NULL) {
		verdict = s->action == KERNEL_POLICY_PASS ? "clear" : "drop";
		reason = s->kind == SHUNT_NEGOTIATION ?
		    "IKE is being negotiated (negotiation shunt)" :
		    "IKE failed; the failure shunt is in force";
	} else if (r == NULL) {
		reason = "no policy group holds this address: clear, no IKE";
		verdict = "clear";
	} else {
		switch (r->kind) {
		case POLICY_RULE_TRAP:
			verdict = "trap";
			reason = "the first packet starts IKE (ACQUIRE)";
			break;
		case POLICY_RULE_DROP:
			verdict = "drop";
			reason = "the group blocks it";
			break;
		default:
			verdict = "clear";
			reason = "the group sends it in clear";
			break;
		}
	}
	j = json_pack("{s:s, s:s, s:s}", "address", a, "verdict", verdict,
	    "reason", reason);
	if (j == NULL)
		return NULL;
	json_object_set_new(j, "policy", r != NULL ? rule_json(r) : json_null());
	json_object_set_new(j, "shunt", s != NULL ?
	    shunt_json(s, iked_now_usec(d)) : json_null());
	if (sa != NULL)
		json_object_set_new(j, "sa", json_pack("{s:s, s:I, s:s}",
		    "conn", sa->conn, "serial", (json_int_t)sa->serial,
		    "state", ikev2_sa_state_name(sa->state)));
	else
		json_object_set_new(j, "sa", json_null());
	return j;
}

static int
ctl_policies(struct control_call *call, void *arg)
{
	struct iked *d = arg;
	json_t *j;

	if (d->policy == NULL)
		return control_fail(call, "not-found", "no policy engine");
	j = policy_set_json(policy_engine_installed(d->policy));
	if (j == NULL)
		return control_fail(call, "internal", "out of memory");
	return control_ok(call, json_pack("{s:o}", "policies", j));
}

static int
ctl_shunts(struct control_call *call, void *arg)
{
	struct iked *d = arg;
	json_t *j;

	j = shunt_table_json(d->shunts, iked_now_usec(d));
	if (j == NULL)
		return control_fail(call, "internal", "out of memory");
	return control_ok(call, json_pack("{s:o}", "shunts", j));
}

static int
ctl_flush_shunts(struct control_call *call, void *arg)
{
	struct iked *d = arg;
	const char *conn = control_arg_string(call, "conn");
	size_t n;

	if (d->shunts == NULL)
		return control_fail(call, "not-found", "no shunt table");
	n = shunt_flush(d->shunts, conn);
	return control_ok(call, json_pack("{s:I}", "flushed", (json_int_t)n));
}

static int
arg_port(const struct control_call *call, const char *key, long max,
    long *out)
{
	json_t *v = json_object_get(call->args, key);

	*out = 0;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > max)
		return -1;
	*out = (long)json_integer_value(v);
	return 0;
}

static int
ctl_why(struct control_call *call, void *arg)
{
	struct iked *d = arg;
	const char *s = control_arg_string(call, "address");
	struct oe_addr a;
	char err[96];
	long proto, sport, dport;
	json_t *j;

	if (s == NULL)
		return control_fail(call, "bad-argument", "\"address\" missing");
	if (oe_addr_parse(&a, s, AF_UNSPEC, err, sizeof(err)) < 0)
		return control_fail(call, "bad-argument", "address: %s", err);
	if (arg_port(call, "proto", 255, &proto) < 0 ||
	    arg_port(call, "sport", 65535, &sport) < 0 ||
	    arg_port(call, "dport", 65535, &dport) < 0)
		return control_fail(call, "bad-argument",
		    "proto 0..255, sport/dport 0..65535");
	j = policy_why_json(d, &a, (uint8_t)proto, (uint16_t)sport,
	    (uint16_t)dport);
	if (j == NULL)
		return control_fail(call, "internal", "out of memory");
	return control_ok(call, j);
}

static json_t *
status_policy(void *arg)
{
	struct iked *d = arg;

	return json_pack("{s:I, s:I}",
	    "policies", (json_int_t)(d->policy != NULL ?
	    policy_engine_installed(d->policy)->n : 0),
	    "shunts", (json_int_t)shunt_count(d->shunts));
}

int
policy_ctl_register(struct iked *d)
{
	if (d->control == NULL)
		return 0;
	if (control_register(d->control, "policies", ctl_policies, d) < 0 ||
	    control_register(d->control, "shunts", ctl_shunts, d) < 0 ||
	    control_register(d->control, "why", ctl_why, d) < 0 ||
	    control_register(d->control, "flush-shunts", ctl_flush_shunts,
	    d) < 0 ||
	    control_add_status_section(d->control, "policy", status_policy,
	    d) < 0)
		return -1;
	return 0;
}
