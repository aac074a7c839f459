/*
 * The event stream: the "watch" command subscribes a control client;
 * SA events are published to watchers and logged with structured
 * journal fields (OE_PEER, OE_NAME, OE_SA_ID, OE_CONN, OE_EVENT,
 * OE_OUTCOME) so `journalctl OE_PEER=198.51.100.2` finds them.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "oe_log.h"
#include "oe_addr.h"
#include "iked.h"
#include "ikev2_sa.h"
#include "control.h"

static json_t *
str_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

/* Event types a watcher may ask for (others are refused). */
static const char *const event_types[] = {
	"sa-up", "sa-rekey", "sa-down", "sa-failed", "trigger",
};
#define NEVENT_TYPES (sizeof(event_types) / sizeof(event_types[0]))

static bool
known_type(const char *t)
{
	size_t i;

	for (i = 0; i < NEVENT_TYPES; i++)
		if (strcmp(event_types[i], t) == 0)
			return true;
	return false;
}

/*
 * args: {"events": ["sa-up", ...]} (optional; absent: every type).
 * result: {"watching": true, "events": [...]}; events follow as lines.
 */
static int
cmd_watch(struct control_call *call, void *arg)
{
	const char *types[NEVENT_TYPES];
	json_t *ev, *v, *list;
	size_t i, n = 0;

	(void)arg;
	ev = json_object_get(call->args, "events");
	if (ev != NULL && !json_is_array(ev))
		return control_fail(call, "bad-argument",
		    "\"events\" must be an array of event types");
	json_array_foreach(ev, i, v) {
		if (!json_is_string(v) || !known_type(json_string_value(v)))
			return control_fail(call, "bad-argument",
			    "unknown event type (known: sa-up sa-rekey sa-down "
			    "sa-failed trigger)");
		if (n >= NEVENT_TYPES)
			return control_fail(call, "bad-argument",
			    "too many event types");
		types[n++] = json_string_value(v);
	}
	if (control_watch(call, types, n) < 0)
		return control_fail(call, "internal", "cannot subscribe");
	list = json_array();
	for (i = 0; i < (n ? n : NEVENT_TYPES); i++)
		(void)json_array_append_new(list, json_string(n ? types[i] :
		    event_types[i]));
	return control_ok(call, json_pack("{s:b, s:o}", "watching", 1,
	    "events", list));
}

int
control_events_register(struct control *ctl)
{
	return control_register(ctl, "watch", cmd_watch, NULL);
}

/* "peer refused the Child SA" -> "peer-refused-the-child-sa" */
static void
reason_slug(const char *why, char *buf, size_t len)
{
	size_t i, n = 0;
	bool dash = false;

	for (i = 0; why != NULL && why[i] != '\0' && n + 2 < len; i++) {
		char ch = why[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
			if (dash && n > 0)
				buf[n++] = '-';
			buf[n++] = ch;
			dash = false;
		} else
			dash = true;
	}
	if (n == 0)
		n = (size_t)snprintf(buf, len, "unknown");
	buf[n] = '\0';
}

void
control_count_reason(struct control *ctl, const char *group,
    const char *reason)
{
	char slug[48], name[64];

	if (ctl == NULL)
		return;
	reason_slug(reason, slug, sizeof(slug));
	if (snprintf(name, sizeof(name), "%.15s.%s", group, slug) > 0)
		control_count(ctl, name, 1);
}

void
control_sa_event(struct iked *d, const struct ikev2_ike_sa *sa,
    const char *type, const char *why)
{
	char peer[64], f_peer[80], f_name[300], f_id[40], f_conn[80];
	char f_event[40], f_outcome[300];
	const char *fields[8];
	size_t n = 0;
	json_t *data;
	bool failed = strcmp(type, "sa-failed") == 0;

	oe_addr_format(&sa->path.remote, peer, sizeof(peer));
	snprintf(f_peer, sizeof(f_peer), "OE_PEER=%s", peer);
	fields[n++] = f_peer;
	snprintf(f_id, sizeof(f_id), "OE_SA_ID=%llu",
	    (unsigned long long)sa->serial);
	fields[n++] = f_id;
	snprintf(f_event, sizeof(f_event), "OE_EVENT=%s", type);
	fields[n++] = f_event;
	snprintf(f_outcome, sizeof(f_outcome), "OE_OUTCOME=%s",
	    why != NULL ? why : (failed ? "failed" : "ok"));
	fields[n++] = f_outcome;
	if (sa->conn[0] != '\0') {
		snprintf(f_conn, sizeof(f_conn), "OE_CONN=%s", sa->conn);
		fields[n++] = f_conn;
	}
	if (sa->peer_name[0] != '\0') {
		snprintf(f_name, sizeof(f_name), "OE_NAME=%s", sa->peer_name);
		fields[n++] = f_name;
	}
	fields[n] = NULL;
	oe_log_fields(failed ? LOG_NOTICE : LOG_INFO, fields,
	    "SA #%llu %s %s%s%s%s%s%s", (unsigned long long)sa->serial, peer,
	    type, sa->peer_name[0] ? " " : "", sa->peer_name,
	    why != NULL ? " (" : "", why != NULL ? why : "",
	    why != NULL ? ")" : "");
	if (d == NULL || d->control == NULL)
		return;
	if (strcmp(type, "sa-up") == 0)
		control_count(d->control, "handshakes.completed", 1);
	else if (failed) {
		control_count(d->control, "handshakes.failed", 1);
		control_count_reason(d->control, "failed", why);
	}
	/* An SA's JSON costs more than its handshake's symmetric crypto. */
	if (!control_watched(d->control, type))
		return;
	data = control_sa_json(d, sa);
	if (data == NULL)
		return;
	if (why != NULL)
		(void)json_object_set_new(data, "reason", json_string(why));
	control_event(d->control, type, data);
}

void
control_trigger_event(struct iked *d, const struct control_trigger_info *t)
{
	char peer[OE_ADDR_STRLEN] = "", f_name[300], f_peer[80], f_conn[80];
	char f_outcome[300];
	const char *fields[8];
	size_t n = 0;
	bool bad = t->status != NULL && strcmp(t->status, "up") != 0 &&
	    strcmp(t->status, "clear") != 0;
	json_t *data;

	if (t->peer != NULL && oe_addr_format(t->peer, peer, sizeof(peer)) ==
	    NULL)
		peer[0] = '\0';
	fields[n++] = "OE_EVENT=trigger";
	snprintf(f_name, sizeof(f_name), "OE_NAME=%s", t->name != NULL ?
	    t->name : "");
	fields[n++] = f_name;
	if (peer[0] != '\0') {
		snprintf(f_peer, sizeof(f_peer), "OE_PEER=%s", peer);
		fields[n++] = f_peer;
	}
	if (t->conn != NULL && t->conn[0] != '\0') {
		snprintf(f_conn, sizeof(f_conn), "OE_CONN=%s", t->conn);
		fields[n++] = f_conn;
	}
	snprintf(f_outcome, sizeof(f_outcome), "OE_OUTCOME=%s%s%s",
	    t->status != NULL ? t->status : "?", t->why != NULL &&
	    t->why[0] != '\0' ? ": " : "", t->why != NULL ? t->why : "");
	fields[n++] = f_outcome;
	fields[n] = NULL;
	oe_log_fields(bad ? LOG_NOTICE : LOG_INFO, fields,
	    "trigger %s %s: %s%s%s%s%s (%llu ms)", t->name != NULL ? t->name :
	    "?", t->qtype != NULL ? t->qtype : "?", t->status != NULL ?
	    t->status : "?", peer[0] ? " " : "", peer,
	    t->why != NULL && t->why[0] ? ": " : "", t->why != NULL ? t->why :
	    "", (unsigned long long)t->ms);
	if (d == NULL || d->control == NULL)
		return;
	control_count(d->control, "triggers.dns", 1);
	if (!control_watched(d->control, "trigger"))
		return;
	data = json_object();
	if (data == NULL)
		return;
	(void)json_object_set_new(data, "name", str_or_null(t->name));
	(void)json_object_set_new(data, "qtype", str_or_null(t->qtype));
	(void)json_object_set_new(data, "peer", str_or_null(peer));
	(void)json_object_set_new(data, "conn", str_or_null(t->conn));
	(void)json_object_set_new(data, "keyed", json_boolean(t->keyed));
	(void)json_object_set_new(data, "status", str_or_null(t->status));
	(void)json_object_set_new(data, "how", str_or_null(t->how));
	(void)json_object_set_new(data, "reason", str_or_null(t->why));
	(void)json_object_set_new(data, "sa_lifetime",
	    json_integer((json_int_t)t->sa_lifetime));
	(void)json_object_set_new(data, "ms", json_integer((json_int_t)t->ms));
	control_event(d->control, "trigger", data);
}
