/*
 * Control commands over the engine's SA table: `sas`, `initiate`,
 * `delete`.  The JSON written here is the `sas` schema of
 * doc/control-protocol.md; change both together.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oe_log.h"
#include "oe_addr.h"
#include "ikev2.h"
#include "iked.h"
#include "ikev2_sa.h"
#include "ikev2_exchange.h"
#include "ikev2_auth.h"
#include "kernel.h"
#include "control.h"

#define USEC_PER_SEC	1000000ULL

static json_t *
addr_json(const struct oe_addr *a)
{
	char s[OE_ADDR_STRLEN];

	if (a->family == 0 || oe_addr_format(a, s, sizeof(s)) == NULL)
		return json_null();
	return json_string(s);
}

static json_t *
hex_json(uint64_t v, int width)
{
	char s[24];

	snprintf(s, sizeof(s), "%0*" PRIx64, width, v);
	return json_string(s);
}

static json_t *
reg_json(enum ikev2_registry reg, unsigned v)
{
	struct ikev2_namebuf nb;

	if (v == 0)
		return json_null();
	return json_string(ikev2_name_or_number(reg, v, &nb));
}

/* Monotonic usec of the event loop -> seconds since the epoch. */
static json_t *
wall_json(struct iked *d, uint64_t mono_usec)
{
	uint64_t now = iked_now_usec(d);
	time_t wall = time(NULL);

	if (mono_usec == 0)
		return json_null();
	if (mono_usec > now)
		return json_integer((json_int_t)wall);
	return json_integer((json_int_t)wall -
	    (json_int_t)((now - mono_usec) / USEC_PER_SEC));
}

/* Seconds from now until `start + secs`, at least 0; null if unknown. */
static json_t *
remaining_json(struct iked *d, uint64_t start_usec, uint64_t secs)
{
	uint64_t now = iked_now_usec(d), end;

	if (start_usec == 0 || secs == 0)
		return json_null();
	end = start_usec + secs * USEC_PER_SEC;
	return json_integer(end > now ? (json_int_t)((end - now) /
	    USEC_PER_SEC) : 0);
}

static json_t *
alg_json(const struct ikev2_proto_choice *alg, bool ike)
{
	json_t *o = json_object();

	(void)json_object_set_new(o, "encr", reg_json(IKEV2_REG_ENCR,
	    alg->encr));
	(void)json_object_set_new(o, "encr_bits", alg->encr_bits ?
	    json_integer(alg->encr_bits) : json_null());
	(void)json_object_set_new(o, "integ", reg_json(IKEV2_REG_INTEG,
	    alg->integ));
	if (ike)
		(void)json_object_set_new(o, "prf", reg_json(IKEV2_REG_PRF,
		    alg->prf));
	(void)json_object_set_new(o, "dh", reg_json(IKEV2_REG_DH, alg->dh));
	return o;
}

static json_t *
ts_json(const struct ikev2_ts *ts)
{
	struct oe_addr s, e;
	int fam;
	size_t len;

	if (ts->type != IKEV2_TS_IPV4_ADDR_RANGE &&
	    ts->type != IKEV2_TS_IPV6_ADDR_RANGE)
		return json_null();
	fam = ts->type == IKEV2_TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6;
	len = fam == AF_INET ? 4 : 16;
	if (oe_addr_from_bytes(&s, fam, ts->start_addr, len) < 0 ||
	    oe_addr_from_bytes(&e, fam, ts->end_addr, len) < 0)
		return json_null();
	return json_pack("{s:o, s:o, s:i, s:i, s:i}", "start", addr_json(&s),
	    "end", addr_json(&e), "protocol", ts->ip_proto,
	    "start_port", ts->start_port, "end_port", ts->end_port);
}

/* An identity as text: addresses and names readable, else hex. */
static json_t *
id_json(uint8_t type, const uint8_t *data, size_t len)
{
	struct ikev2_namebuf nb;
	char text[2 * 256 + 1];
	struct oe_addr a;
	json_t *value = NULL;
	size_t i;

	if (type == 0)
		return json_null();
	if (len > 256)
		len = 256;
	switch (type) {
	case IKEV2_ID_IPV4_ADDR:
	case IKEV2_ID_IPV6_ADDR:
		if (oe_addr_from_bytes(&a, type == IKEV2_ID_IPV4_ADDR ?
		    AF_INET : AF_INET6, data, len) == 0)
			value = addr_json(&a);
		break;
	case IKEV2_ID_FQDN:
	case IKEV2_ID_RFC822_ADDR:
		/* Peer text: printable ASCII only. */
		for (i = 0; i < len; i++)
			text[i] = data[i] >= 0x20 && data[i] < 0x7f ?
			    (char)data[i] : '?';
		text[len] = '\0';
		value = json_string(text);
		break;
	case IKEV2_ID_NULL:
		value = json_null();
		break;
	default:
		for (i = 0; i < len; i++)
			snprintf(text + 2 * i, 3, "%02x", data[i]);
		text[2 * len] = '\0';
		value = json_string(text);
		break;
	}
	if (value == NULL)
		value = json_null();
	return json_pack("{s:s, s:o}", "type",
	    ikev2_name_or_number(IKEV2_REG_ID, type, &nb), "value", value);
}

static json_t *
peer_id_json(const struct ikev2_ike_sa *sa)
{
	size_t len = sa->peer_id.data.len;

	if (len > sizeof(sa->peer_id_data))
		len = sizeof(sa->peer_id_data);
	return id_json(sa->peer_id.type, sa->peer_id_data, len);
}

/* Ours, as IKE_AUTH sends it for the SA's conn (null without the conn). */
static json_t *
local_id_json(const struct ikev2_ike_sa *sa, const struct conf_conn *conn)
{
	struct ikev2_id id;
	uint8_t store[256];

	if (conn == NULL)
		return json_null();
	ikev2_auth_local_id(conn, &sa->path, &id, store, sizeof(store));
	return id_json(id.type, store, id.data.len);
}

/* Bytes and packets of one kernel SA; nulls when the backend cannot say. */
static void
traffic(struct iked *d, const struct oe_addr *dst, uint32_t spi,
    json_t *o, const char *bytes_key, const char *packets_key)
{
	struct kernel_sa_id id;
	struct kernel_sa_stats st;
	bool ok = false;

	memset(&id, 0, sizeof(id));
	memset(&st, 0, sizeof(st));
	if (d->kernel != NULL && spi != 0 && oe_addr_len(dst) > 0) {
		id.dst.family = (sa_family_t)dst->family;
		memcpy(id.dst.u.bytes, oe_addr_bytes(dst), oe_addr_len(dst));
		id.spi = spi;
		ok = kernel_get_sa_stats(d->kernel, &id, &st) == 0;
	}
	(void)json_object_set_new(o, bytes_key, ok ?
	    json_integer((json_int_t)st.bytes) : json_null());
	(void)json_object_set_new(o, packets_key, ok ?
	    json_integer((json_int_t)st.packets) : json_null());
}

static json_t *
child_json(struct iked *d, const struct ikev2_ike_sa *sa,
    const struct conf_conn *conn)
{
	const struct ikev2_child_sa *c = &sa->child;
	json_t *o = json_object();
	uint64_t rekey = 0;

	(void)json_object_set_new(o, "spi_in", hex_json(c->spi_in, 8));
	(void)json_object_set_new(o, "spi_out", hex_json(c->spi_out, 8));
	(void)json_object_set_new(o, "reqid", json_integer(c->reqid));
	(void)json_object_set_new(o, "mode", json_string(c->transport ?
	    "transport" : "tunnel"));
	(void)json_object_set_new(o, "installed", json_boolean(c->installed));
	(void)json_object_set_new(o, "algorithms", alg_json(&c->alg, false));
	(void)json_object_set_new(o, "ts_local", ts_json(&c->ts_local));
	(void)json_object_set_new(o, "ts_remote", ts_json(&c->ts_remote));
	(void)json_object_set_new(o, "established", wall_json(d,
	    c->established_usec));
	(void)json_object_set_new(o, "lifetime", json_integer(c->lifetime));
	(void)json_object_set_new(o, "expires_in", remaining_json(d,
	    c->established_usec, c->lifetime));
	/* The kernel's soft expiry (lifetime - rekeymargin) asks for rekey. */
	if (conn != NULL && c->lifetime > conn->rekeymargin)
		rekey = c->lifetime - conn->rekeymargin;
	(void)json_object_set_new(o, "rekey_in", remaining_json(d,
	    c->established_usec, rekey));
	traffic(d, &sa->path.local, c->installed ? c->spi_in : 0, o,
	    "bytes_in", "packets_in");
	traffic(d, &sa->path.remote, c->installed ? c->spi_out : 0, o,
	    "bytes_out", "packets_out");
	return o;
}

json_t *
control_sa_json(struct iked *d, const struct ikev2_ike_sa *sa)
{
	const struct conf_conn *conn = NULL;
	bool est = sa->state == IKEV2_SA_ESTABLISHED ||
	    sa->state == IKEV2_SA_DELETING;
	json_t *o, *children;

	if (d->conf != NULL && sa->conn[0] != '\0')
		conn = conf_find_conn(d->conf, sa->conn);
	o = json_object();
	children = json_array();
	if (o == NULL || children == NULL) {
		json_decref(o);
		json_decref(children);
		return NULL;
	}
	(void)json_object_set_new(o, "id", json_integer((json_int_t)sa->serial));
	(void)json_object_set_new(o, "state", json_string(
	    ikev2_sa_state_name(sa->state)));
	(void)json_object_set_new(o, "conn", sa->conn[0] ?
	    json_string(sa->conn) : json_null());
	(void)json_object_set_new(o, "role", json_string(sa->initiator ?
	    "initiator" : "responder"));
	(void)json_object_set_new(o, "local", json_pack("{s:o, s:i}",
	    "address", addr_json(&sa->path.local), "port", sa->path.lport));
	(void)json_object_set_new(o, "peer", json_pack("{s:o, s:i}",
	    "address", addr_json(&sa->path.remote), "port", sa->path.rport));
	(void)json_object_set_new(o, "name", sa->peer_name[0] ?
	    json_string(sa->peer_name) : json_null());
	(void)json_object_set_new(o, "ispi", hex_json(sa->ispi, 16));
	(void)json_object_set_new(o, "rspi", hex_json(sa->rspi, 16));
	(void)json_object_set_new(o, "local_id", local_id_json(sa, conn));
	(void)json_object_set_new(o, "peer_id", est ? peer_id_json(sa) :
	    json_null());
	(void)json_object_set_new(o, "auth", json_pack("{s:o, s:o}",
	    "local", est ? reg_json(IKEV2_REG_AUTH, sa->auth_local) :
	    json_null(), "peer", est ? reg_json(IKEV2_REG_AUTH,
	    sa->auth_peer) : json_null()));
	(void)json_object_set_new(o, "algorithms", alg_json(&sa->alg, true));
	(void)json_object_set_new(o, "nat", json_pack("{s:b, s:b}",
	    "local", sa->nat_local, "remote", sa->nat_remote));
	(void)json_object_set_new(o, "created", wall_json(d,
	    sa->created_usec));
	(void)json_object_set_new(o, "established", est ? wall_json(d,
	    sa->established_usec) : json_null());
	(void)json_object_set_new(o, "lifetime", json_integer(sa->lifetime));
	(void)json_object_set_new(o, "expires_in", est ? remaining_json(d,
	    sa->established_usec, sa->lifetime) : json_null());
	/* The original initiator rekeys the IKE SA at ikelifetime -
	 * rekeymargin, the responder (if the initiator has not) at half
	 * the margin (ikev2_info.c); null when it will not. */
	(void)json_object_set_new(o, "rekey_in", est &&
	    conn != NULL && !sa->ike_rekey_disabled && !sa->replaced &&
	    sa->lifetime > conn->rekeymargin ? remaining_json(d,
	    sa->established_usec, sa->lifetime - (sa->initiator ?
	    conn->rekeymargin : conn->rekeymargin / 2)) : json_null());
	/* No configuration payload (address lease) support. */
	(void)json_object_set_new(o, "lease", json_null());
	if (sa->child.present)
		(void)json_array_append_new(children, child_json(d, sa, conn));
	(void)json_object_set_new(o, "children", children);
	return o;
}

/* args: {} -> {"count": N, "sas": [...]} */
static int
cmd_sas(struct control_call *call, void *arg)
{
	struct iked *d = arg;
	struct ikev2_ike_sa *sa;
	json_t *arr = json_array(), *one;

	if (arr == NULL)
		return control_fail(call, "internal", "out of memory");
	if (d->sas != NULL) {
		for (sa = ikev2_sa_first(d->sas); sa != NULL;
		    sa = ikev2_sa_next(sa)) {
			if (sa->state == IKEV2_SA_DEAD)
				continue;
			one = control_sa_json(d, sa);
			if (one == NULL) {
				json_decref(arr);
				return control_fail(call, "internal",
				    "out of memory");
			}
			(void)json_array_append_new(arr, one);
		}
	}
	return control_ok(call, json_pack("{s:I, s:o}", "count",
	    (json_int_t)json_array_size(arr), "sas", arr));
}

/* Deferred `initiate`: carries the ticket to the result callback. */
struct initiate_wait {
	struct iked	*d;
	uint64_t	 ticket;
};

static void
initiate_done(void *arg, const struct ikev2_initiate_result *res)
{
	struct initiate_wait *w = arg;
	char peer[OE_ADDR_STRLEN] = "";

	(void)oe_addr_format(&res->peer, peer, sizeof(peer));
	if (w->d->control != NULL) {
		if (res->ok)
			control_finish(w->d->control, w->ticket, json_pack(
			    "{s:s, s:s, s:o, s:o, s:i}", "status", "up",
			    "peer", peer, "spi_in", hex_json(res->spi_in, 8),
			    "spi_out", hex_json(res->spi_out, 8),
			    "sa_lifetime", (int)res->lifetime), NULL, NULL);
		else
			control_finish(w->d->control, w->ticket, NULL, "failed",
			    res->error != NULL ? res->error : "failed");
	}
	free(w);
}

/*
 * args: {"address": "198.51.100.2", "conn": "name" (optional),
 * "wait": true (default)} -> with wait: the outcome
 * {"status":"up","peer":..,"spi_in":..,"spi_out":..,"sa_lifetime":N}
 * or a "failed" error; without: {"status":"started","peer":..}.
 */
static int
cmd_initiate(struct control_call *call, void *arg)
{
	struct iked *d = arg;
	struct ikev2_initiate_req req;
	struct initiate_wait *w = NULL;
	const char *addr = control_arg_string(call, "address");
	const char *conn = control_arg_string(call, "conn");
	json_t *wait = json_object_get(call->args, "wait");
	bool waiting = wait == NULL || json_is_true(wait);
	uint64_t ticket = 0;

	if (addr == NULL && conn == NULL)
		return control_fail(call, "bad-argument",
		    "\"address\" (or \"conn\") is required");
	if (wait != NULL && !json_is_boolean(wait))
		return control_fail(call, "bad-argument",
		    "\"wait\" must be true or false");
	if (d->stopping)
		return control_fail(call, "busy", "the daemon is stopping");
	memset(&req, 0, sizeof(req));
	req.conn = conn;
	if (addr != NULL && oe_addr_parse(&req.peer, addr, AF_UNSPEC,
	    NULL, 0) < 0)
		return control_fail(call, "bad-argument",
		    "not an IP address: %.64s", addr);
	if (waiting) {
		w = calloc(1, sizeof(*w));
		if (w == NULL)
			return control_fail(call, "internal", "out of memory");
		w->d = d;
		(void)control_defer(call, &ticket);
		w->ticket = ticket;
		req.done = initiate_done;
		req.arg = w;
	}
	oe_info("control: initiate %s%s%s (uid %u)", addr ? addr : "",
	    conn ? " conn " : "", conn ? conn : "", (unsigned)call->uid);
	if (ikev2_initiate(d, &req) < 0) {
		free(w);
		return control_fail(call, "failed",
		    "cannot initiate to %.64s: no matching conn, or the SA "
		    "table is full (see the log)", addr ? addr : conn);
	}
	if (waiting)
		return CONTROL_DEFERRED;
	return control_ok(call, json_pack("{s:s, s:s}", "status", "started",
	    "peer", addr ? addr : conn));
}

/* args: {"id": N} (the "id" of `sas`) -> {"id":N,"action":"delete-sent"|"removed"} */
static int
cmd_delete(struct control_call *call, void *arg)
{
	struct iked *d = arg;
	struct ikev2_ike_sa *sa;
	json_t *idv = json_object_get(call->args, "id");
	json_int_t id;
	const char *action;

	if (!json_is_integer(idv) || json_integer_value(idv) <= 0)
		return control_fail(call, "bad-argument",
		    "\"id\" (a positive integer from `sas`) is required");
	id = json_integer_value(idv);
	for (sa = d->sas != NULL ? ikev2_sa_first(d->sas) : NULL; sa != NULL;
	    sa = ikev2_sa_next(sa))
		if ((json_int_t)sa->serial == id && sa->state != IKEV2_SA_DEAD)
			break;
	if (sa == NULL)
		return control_fail(call, "not-found", "no IKE SA with id %lld",
		    (long long)id);
	oe_info("control: delete IKE SA #%lld (uid %u)", (long long)id,
	    (unsigned)call->uid);
	if (sa->state == IKEV2_SA_ESTABLISHED) {
		if (ikev2_info_send_delete(sa) < 0)
			return control_fail(call, "failed",
			    "cannot send the DELETE to the peer");
		action = "delete-sent";
	} else {
		/* Half-open or already deleting: nothing to tell the peer. */
		ikev2_child_remove(sa);
		ikev2_sa_destroy(sa, "deleted by the operator");
		iked_state_changed(d);
		action = "removed";
	}
	return control_ok(call, json_pack("{s:I, s:s}", "id", id, "action",
	    action));
}

int
control_register_sas(struct control *ctl, struct iked *d)
{
	if (control_register(ctl, "sas", cmd_sas, d) < 0 ||
	    control_register(ctl, "initiate", cmd_initiate, d) < 0 ||
	    control_register(ctl, "delete", cmd_delete, d) < 0)
		return -1;
	return 0;
}
