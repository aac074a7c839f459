/*
 * Control protocol schema tests: two daemon contexts (a at 127.0.0.1,
 * b at 127.0.0.2) over a fake wire with the `none` kernel backend, a's
 * control socket on a temporary path, and every command's reply and
 * every event checked against doc/control-schema.json while real SAs
 * exist.  Also checks that the validator itself refuses what the
 * schema forbids.
 *
 * With "--check COMMAND" it is the host tests' checker instead: every
 * line on stdin must be a valid reply to COMMAND or a valid event.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "ikev2.h"
#include "iked.h"
#include "ikev2_exchange.h"
#include "ikev2_sa.h"
#include "control.h"
#include "control_schema.h"
#include "crypto.h"

#define MAXQ	64

struct pkt {
	int		 from;
	struct ikev2_path path;
	uint8_t		*buf;
	size_t		 len;
};

struct harness;

struct endpoint {
	struct harness	*h;
	int		 idx;
};

struct harness {
	sd_event	*ev;
	struct iked	*d[2];
	struct endpoint	 ep[2];
	struct pkt	 q[MAXQ];
	size_t		 nq;
	char		 dir[64];
	char		 sock[128];
	char		 conf[2][128];
	json_t		*schema;
};

struct conn {
	int		 fd;
	char		 buf[1 << 20];
	size_t		 len;
};

static int
fake_send(void *arg, const struct ikev2_path *path, const uint8_t *buf,
    size_t len)
{
	struct endpoint *ep = arg;
	struct harness *h = ep->h;
	struct pkt *p;

	if (h->nq >= MAXQ)
		return 0;
	p = &h->q[h->nq++];
	p->from = ep->idx;
	p->path = *path;
	p->len = len;
	p->buf = malloc(len);
	assert_non_null(p->buf);
	memcpy(p->buf, buf, len);
	return 0;
}

/* Deliver queued datagrams to the other side, as its socket would. */
static void
pump(struct harness *h)
{
	struct ikev2_path rp;
	int rounds;

	for (rounds = 0; rounds < 100 && h->nq > 0; rounds++) {
		struct pkt p = h->q[0];

		memmove(&h->q[0], &h->q[1], (h->nq - 1) * sizeof(h->q[0]));
		h->nq--;
		rp.local = p.path.remote;
		rp.remote = p.path.local;
		rp.lport = p.path.rport;
		rp.rport = p.path.lport;
		rp.natt = p.path.natt;
		ikev2_recv(h->d[1 - p.from], &rp, p.buf, p.len);
		free(p.buf);
	}
}

static void
write_conf(const char *path, const char *me, const char *peer,
    const char *pol)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "config setup\n\tlisten=%s\n\tprotostack=none\n"
	    "\tpolicies-dir=%s\n\nconn peer\n\tleft=%s\n\tright=%s\n"
	    "\tleftid=%%null\n\trightid=%%null\n\tauthby=null\n"
	    "\ttype=transport\n\tauto=add\n\tretransmit-interval=50\n"
	    "\tretransmit-timeout=1s\n", me, pol, me, peer);
	/* a (only) blocks a policy group: `policies` and `why` have rules */
	if (strcmp(me, "127.0.0.1") == 0)
		fprintf(f, "\nconn blockgrp\n\tleft=%s\n\tright=%%group\n"
		    "\ttype=reject\n\tauthby=never\n\tauto=ondemand\n", me);
	fclose(f);
}

static int
setup(void **state)
{
	struct harness *h = calloc(1, sizeof(*h));
	struct iked_opts o;
	int i;

	assert_non_null(h);
	snprintf(h->dir, sizeof(h->dir), "/tmp/oe-test-ctlschema.XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	snprintf(h->conf[0], sizeof(h->conf[0]), "%s/a.conf", h->dir);
	snprintf(h->conf[1], sizeof(h->conf[1]), "%s/b.conf", h->dir);
	snprintf(h->sock, sizeof(h->sock), "%s/ctl", h->dir);
	{
		char grp[160];
		FILE *g;

		snprintf(grp, sizeof(grp), "%s/blockgrp", h->dir);
		g = fopen(grp, "w");
		assert_non_null(g);
		fprintf(g, "192.0.2.66/32\n");
		fclose(g);
	}
	write_conf(h->conf[0], "127.0.0.1", "127.0.0.2", h->dir);
	write_conf(h->conf[1], "127.0.0.2", "127.0.0.1", h->dir);
	assert_int_equal(sd_event_new(&h->ev), 0);
	for (i = 0; i < 2; i++) {
		memset(&o, 0, sizeof(o));
		o.config = h->conf[i];
		o.kernel = "none";
		o.log_level = LOG_ERR;
		o.no_nss = true;
		h->d[i] = iked_new(h->ev, &o);
		assert_non_null(h->d[i]);
		h->ep[i].h = h;
		h->ep[i].idx = i;
		h->d[i]->send = fake_send;
		h->d[i]->send_arg = &h->ep[i];
		assert_int_equal(iked_setup(h->d[i]), 0);
		/* the fake wire opens no sockets; the control one we want */
		assert_non_null(h->d[i]->control);
	}
	assert_int_equal(control_listen(h->d[0]->control, h->sock, NULL), 0);
	h->schema = schema_load(NULL);
	assert_non_null(h->schema);
	*state = h;
	return 0;
}

static int
teardown(void **state)
{
	struct harness *h = *state;
	char p[160];
	size_t i;
	int k;

	for (k = 0; k < 2; k++)
		iked_free(h->d[k]);
	for (i = 0; i < h->nq; i++)
		free(h->q[i].buf);
	sd_event_unref(h->ev);
	json_decref(h->schema);
	snprintf(p, sizeof(p), "%s/a.conf", h->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/b.conf", h->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/blockgrp", h->dir);
	unlink(p);
	unlink(h->sock);
	rmdir(h->dir);
	free(h);
	return 0;
}

/* Run the loop and the wire for about `ms` milliseconds. */
static void
spin(struct harness *h, int ms)
{
	int i;

	for (i = 0; i < ms; i++) {
		(void)sd_event_run(h->ev, 1000);
		pump(h);
	}
}

static void
conn_open(struct harness *h, struct conn *c)
{
	struct sockaddr_un sun;
	size_t n = strlen(h->sock);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(n < sizeof(sun.sun_path));
	memcpy(sun.sun_path, h->sock, n);
	c->len = 0;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	spin(h, 2);
}

static json_t *
conn_line(struct harness *h, struct conn *c, int ms)
{
	json_error_t jerr;
	char *nl;
	json_t *j;
	ssize_t r;
	int i;

	for (i = 0; i <= ms; i++) {
		r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len - 1,
		    MSG_DONTWAIT);
		if (r > 0)
			c->len += (size_t)r;
		nl = memchr(c->buf, '\n', c->len);
		if (nl != NULL) {
			size_t n = (size_t)(nl - c->buf);

			j = json_loadb(c->buf, n, 0, &jerr);
			assert_non_null(j);
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return j;
		}
		if (r == 0)
			return NULL;
		spin(h, 1);
	}
	return NULL;
}

/* Send a request, wait for the reply, check it against the schema. */
static json_t *
call(struct harness *h, struct conn *c, const char *command, const char *args)
{
	char line[512], err[512];
	json_t *r;

	snprintf(line, sizeof(line), "{\"v\":1,\"command\":\"%s\",\"args\":%s}\n",
	    command, args != NULL ? args : "{}");
	assert_int_equal(send(c->fd, line, strlen(line), MSG_NOSIGNAL),
	    (ssize_t)strlen(line));
	r = conn_line(h, c, 3000);
	assert_non_null(r);
	if (schema_check_reply(h->schema, command, r, err, sizeof(err)) < 0)
		fail_msg("reply to %s: %s", command, err);
	return r;
}

static json_t *
result(json_t *reply)
{
	assert_true(json_is_true(json_object_get(reply, "ok")));
	return json_object_get(reply, "result");
}

static json_t *
next_event(struct harness *h, struct conn *c, const char *type)
{
	char err[512];
	json_t *ev;

	ev = conn_line(h, c, 3000);
	assert_non_null(ev);
	if (schema_check_event(h->schema, ev, err, sizeof(err)) < 0)
		fail_msg("event: %s", err);
	assert_string_equal(json_string_value(json_object_get(ev, "event")),
	    type);
	return ev;
}

static json_int_t
jget_int(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	if (b != NULL)
		v = json_object_get(v, b);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* ---- tests ---- */

static void
schema_every_query_with_an_sa_up_matches(void **state)
{
	struct harness *h = *state;
	struct conn *c = calloc(1, sizeof(*c)), *w = calloc(1, sizeof(*w));
	json_t *r, *res, *sa, *child, *ev;

	assert_non_null(c);
	assert_non_null(w);
	conn_open(h, c);
	conn_open(h, w);
	r = call(h, w, "watch", NULL);
	json_decref(r);
	/* before any SA */
	r = call(h, c, "sas", NULL);
	assert_int_equal(jget_int(result(r), "count", NULL), 0);
	json_decref(r);
	/* initiate waits for the outcome */
	r = call(h, c, "initiate", "{\"address\":\"127.0.0.2\"}");
	res = result(r);
	assert_string_equal(json_string_value(json_object_get(res, "status")),
	    "up");
	assert_true(jget_int(res, "sa_lifetime", NULL) > 0);
	json_decref(r);
	ev = next_event(h, w, "sa-up");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(ev, "data"), "peer"), "address")), "127.0.0.2");
	json_decref(ev);
	/* sas: one IKE SA with one Child SA, every field per the schema */
	r = call(h, c, "sas", NULL);
	res = result(r);
	assert_int_equal(jget_int(res, "count", NULL), 1);
	sa = json_array_get(json_object_get(res, "sas"), 0);
	assert_string_equal(json_string_value(json_object_get(sa, "state")),
	    "ESTABLISHED");
	assert_string_equal(json_string_value(json_object_get(sa, "role")),
	    "initiator");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    sa, "auth"), "peer")), "NULL");
	assert_true(json_is_integer(json_object_get(sa, "established")));
	/* leftid=%null / rightid=%null on both sides */
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    sa, "local_id"), "type")), "ID_NULL");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    sa, "peer_id"), "type")), "ID_NULL");
	child = json_array_get(json_object_get(sa, "children"), 0);
	assert_non_null(child);
	assert_true(json_is_true(json_object_get(child, "installed")));
	assert_string_equal(json_string_value(json_object_get(child, "mode")),
	    "transport");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    child, "ts_remote"), "start")), "127.0.0.2");
	json_decref(r);
	/* status counts it */
	r = call(h, c, "status", NULL);
	res = result(r);
	assert_int_equal(jget_int(res, "ike_sas", "established"), 1);
	assert_int_equal(jget_int(json_object_get(res, "counters"),
	    "handshakes", "completed"), 1);
	assert_int_equal(jget_int(res, "control", "watchers"), 1);
	json_decref(r);
	/* reload */
	r = call(h, c, "reload", NULL);
	assert_true(json_is_true(json_object_get(result(r), "reloaded")));
	json_decref(r);
	/* delete by id: DELETE goes out, the SA disappears, sa-down */
	r = call(h, c, "delete", "{\"id\":1}");
	assert_string_equal(json_string_value(json_object_get(result(r),
	    "action")), "delete-sent");
	json_decref(r);
	spin(h, 50);
	ev = next_event(h, w, "sa-down");
	json_decref(ev);
	r = call(h, c, "sas", NULL);
	assert_int_equal(jget_int(result(r), "count", NULL), 0);
	json_decref(r);
	close(c->fd);
	close(w->fd);
	free(c);
	free(w);
}

static void
schema_errors_of_the_daemon_commands_match(void **state)
{
	struct harness *h = *state;
	struct conn *c = calloc(1, sizeof(*c));
	json_t *r;

	assert_non_null(c);
	conn_open(h, c);
	r = call(h, c, "delete", "{\"id\":999}");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    r, "error"), "code")), "not-found");
	json_decref(r);
	r = call(h, c, "delete", "{\"id\":\"one\"}");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    r, "error"), "code")), "bad-argument");
	json_decref(r);
	r = call(h, c, "initiate", "{\"address\":\"not-an-address\"}");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    r, "error"), "code")), "bad-argument");
	json_decref(r);
	/* no conn covers this peer */
	r = call(h, c, "initiate", "{\"address\":\"198.51.100.77\"}");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    r, "error"), "code")), "failed");
	json_decref(r);
	r = call(h, c, "initiate", "{}");
	assert_false(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	close(c->fd);
	free(c);
}

static void
schema_failed_handshake_is_an_sa_failed_event_and_counted(void **state)
{
	struct harness *h = *state;
	struct conn *c = calloc(1, sizeof(*c)), *w = calloc(1, sizeof(*w));
	json_t *r, *ev, *reasons;
	char line[128];
	size_t i;

	assert_non_null(c);
	assert_non_null(w);
	conn_open(h, c);
	conn_open(h, w);
	r = call(h, w, "watch", "{\"events\":[\"sa-failed\"]}");
	json_decref(r);
	/* b never hears a: the requests go unanswered until the timeout */
	snprintf(line, sizeof(line), "{\"v\":1,\"command\":\"initiate\","
	    "\"args\":{\"address\":\"127.0.0.2\",\"wait\":false}}\n");
	assert_int_equal(send(c->fd, line, strlen(line), MSG_NOSIGNAL),
	    (ssize_t)strlen(line));
	/* drop everything on the wire while the deadline runs out */
	for (i = 0; i < 1500; i++) {
		size_t k;

		(void)sd_event_run(h->ev, 1000);
		for (k = 0; k < h->nq; k++)
			free(h->q[k].buf);
		h->nq = 0;
	}
	r = conn_line(h, c, 10);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    r, "result"), "status")), "started");
	json_decref(r);
	ev = next_event(h, w, "sa-failed");
	assert_non_null(json_object_get(json_object_get(ev, "data"),
	    "reason"));
	json_decref(ev);
	r = call(h, c, "status", NULL);
	assert_int_equal(jget_int(json_object_get(result(r), "counters"),
	    "handshakes", "failed"), 1);
	reasons = json_object_get(json_object_get(json_object_get(result(r),
	    "counters"), "handshakes"), "failed_by_reason");
	assert_int_equal(json_object_size(reasons), 1);
	json_decref(r);
	close(c->fd);
	close(w->fd);
	free(c);
	free(w);
}

static const char *
verdict_of(struct harness *h, struct conn *c, const char *addr)
{
	static char v[32];
	char args[96];
	json_t *r;

	snprintf(args, sizeof(args), "{\"address\":\"%s\"}", addr);
	r = call(h, c, "why", args);
	snprintf(v, sizeof(v), "%s", json_string_value(json_object_get(
	    result(r), "verdict")));
	json_decref(r);
	return v;
}

static void
schema_policy_engine_queries_match(void **state)
{
	struct harness *h = *state;
	struct conn *c = calloc(1, sizeof(*c));
	json_t *r, *rules, *rule;
	size_t i;
	bool drop = false;

	assert_non_null(c);
	conn_open(h, c);
	r = call(h, c, "policies", NULL);
	rules = json_object_get(result(r), "policies");
	json_array_foreach(rules, i, rule)
		if (strcmp(json_string_value(json_object_get(rule, "kind")),
		    "drop") == 0 && strcmp(json_string_value(json_object_get(
		    rule, "dst")), "192.0.2.66/32") == 0)
			drop = true;
	assert_true(drop);
	json_decref(r);
	assert_string_equal(verdict_of(h, c, "192.0.2.66"), "drop");
	assert_string_equal(verdict_of(h, c, "203.0.113.5"), "clear");
	r = call(h, c, "initiate", "{\"address\":\"127.0.0.2\"}");
	json_decref(r);
	assert_string_equal(verdict_of(h, c, "127.0.0.2"), "ipsec");
	r = call(h, c, "shunts", NULL);
	assert_true(json_is_array(json_object_get(result(r), "shunts")));
	json_decref(r);
	r = call(h, c, "flush-shunts", NULL);
	assert_int_equal(jget_int(result(r), "flushed", NULL), 0);
	json_decref(r);
	/* the fake wire opens no trigger socket: a schema-valid error */
	r = call(h, c, "triggers", NULL);
	assert_false(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	r = call(h, c, "why", "{\"address\":\"nonsense\"}");
	assert_false(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	close(c->fd);
	free(c);
}

static void
schema_trigger_outcomes_are_events_and_counted(void **state)
{
	struct harness *h = *state;
	struct conn *c = calloc(1, sizeof(*c)), *w = calloc(1, sizeof(*w));
	struct control_trigger_info t;
	struct oe_addr peer;
	json_t *r, *ev, *data;

	assert_non_null(c);
	assert_non_null(w);
	conn_open(h, c);
	conn_open(h, w);
	r = call(h, w, "watch", "{\"events\":[\"trigger\"]}");
	json_decref(r);
	assert_int_equal(oe_addr_parse(&peer, "198.51.100.2", AF_INET, NULL,
	    0), 0);
	memset(&t, 0, sizeof(t));
	t.name = "east.oe.test.";
	t.qtype = "A";
	t.peer = &peer;
	t.conn = "private";
	t.keyed = true;
	t.status = "up";
	t.how = "initiated";
	t.sa_lifetime = 3600;
	t.ms = 42;
	control_trigger_event(h->d[0], &t);
	/* an outcome without peer and conn: nulls, still valid */
	memset(&t, 0, sizeof(t));
	t.name = "plain.test.";
	t.qtype = "AAAA";
	t.status = "failed";
	t.why = "no key";
	control_trigger_event(h->d[0], &t);
	ev = next_event(h, w, "trigger");
	data = json_object_get(ev, "data");
	assert_string_equal(json_string_value(json_object_get(data, "name")),
	    "east.oe.test.");
	assert_string_equal(json_string_value(json_object_get(data, "peer")),
	    "198.51.100.2");
	assert_true(json_is_true(json_object_get(data, "keyed")));
	json_decref(ev);
	ev = next_event(h, w, "trigger");
	data = json_object_get(ev, "data");
	assert_true(json_is_null(json_object_get(data, "peer")));
	assert_string_equal(json_string_value(json_object_get(data, "reason")),
	    "no key");
	json_decref(ev);
	r = call(h, c, "status", NULL);
	assert_int_equal(jget_int(json_object_get(result(r), "counters"),
	    "triggers", "dns"), 2);
	json_decref(r);
	close(c->fd);
	close(w->fd);
	free(c);
	free(w);
}

static void
schema_dropped_packets_are_counted_by_reason(void **state)
{
	struct harness *h = *state;
	struct conn *c = calloc(1, sizeof(*c));
	static const uint8_t garbage[] = "certainly not IKE";
	struct ikev2_path path;
	json_t *r, *by;

	assert_non_null(c);
	memset(&path, 0, sizeof(path));
	assert_int_equal(oe_addr_parse(&path.local, "127.0.0.1", AF_INET,
	    NULL, 0), 0);
	assert_int_equal(oe_addr_parse(&path.remote, "127.0.0.9", AF_INET,
	    NULL, 0), 0);
	path.lport = path.rport = 500;
	ikev2_recv(h->d[0], &path, garbage, sizeof(garbage));
	ikev2_recv(h->d[0], &path, garbage, sizeof(garbage));
	conn_open(h, c);
	r = call(h, c, "status", NULL);
	by = json_object_get(json_object_get(json_object_get(result(r),
	    "counters"), "packets"), "dropped_by_reason");
	assert_int_equal(jget_int(json_object_get(result(r), "counters"),
	    "packets", "dropped"), 2);
	assert_int_equal(json_object_size(by), 1);
	assert_int_equal(json_integer_value(json_object_iter_value(
	    json_object_iter(by))), 2);
	json_decref(r);
	close(c->fd);
	free(c);
}

static void
schema_validator_refuses_what_the_schema_forbids(void **state)
{
	struct harness *h = *state;
	static const char *const bad[] = {
		/* missing member */
		"{\"v\":1,\"ok\":true,\"command\":\"delete\",\"result\":{\"id\":1}}",
		/* wrong type */
		"{\"v\":1,\"ok\":true,\"command\":\"delete\",\"result\":"
		    "{\"id\":\"1\",\"action\":\"removed\"}}",
		/* not in the enum */
		"{\"v\":1,\"ok\":true,\"command\":\"delete\",\"result\":"
		    "{\"id\":1,\"action\":\"exploded\"}}",
		/* a member the schema does not have */
		"{\"v\":1,\"ok\":true,\"command\":\"delete\",\"result\":"
		    "{\"id\":1,\"action\":\"removed\",\"extra\":1}}",
		/* below the minimum */
		"{\"v\":1,\"ok\":true,\"command\":\"delete\",\"result\":"
		    "{\"id\":0,\"action\":\"removed\"}}",
		/* error code not in the list */
		"{\"v\":1,\"ok\":false,\"error\":{\"code\":\"oops\","
		    "\"message\":\"x\"}}",
		/* envelope without a version */
		"{\"ok\":true,\"command\":\"delete\",\"result\":"
		    "{\"id\":1,\"action\":\"removed\"}}",
	};
	json_t *j, *s;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_loads(bad[i], 0, NULL);
		assert_non_null(j);
		if (schema_check_reply(h->schema, "delete", j, err,
		    sizeof(err)) == 0)
			fail_msg("accepted: %s", bad[i]);
		json_decref(j);
	}
	j = json_loads("{\"v\":1,\"ok\":true,\"command\":\"delete\",\"result\":"
	    "{\"id\":1,\"action\":\"removed\"}}", 0, NULL);
	assert_int_equal(schema_check_reply(h->schema, "delete", j, err,
	    sizeof(err)), 0);
	json_decref(j);
	/* a pattern mismatch: an SPI that is not 8 hex digits */
	s = json_loads("{\"$ref\":\"#/definitions/spi32\"}", 0, NULL);
	j = json_string("12345");
	assert_int_equal(schema_validate(h->schema, s, j, err, sizeof(err)),
	    -1);
	json_decref(j);
	json_decref(s);
	/* keywords the validator does not know are an error, not ignored */
	s = json_loads("{\"oneOf\":[]}", 0, NULL);
	j = json_integer(1);
	assert_int_equal(schema_validate(h->schema, s, j, err, sizeof(err)),
	    -1);
	json_decref(j);
	json_decref(s);
}

/* Host tests: validate stdin lines as replies to argv[2] (or events). */
static int
check_mode(const char *command)
{
	json_t *root = schema_load(NULL), *j;
	char *line = NULL, err[512];
	size_t cap = 0, n = 0;
	ssize_t len;
	int rc = 0;

	if (root == NULL)
		return 2;
	while ((len = getline(&line, &cap, stdin)) > 0) {
		n++;
		j = json_loadb(line, (size_t)len, 0, NULL);
		if (j == NULL) {
			printf("line %zu: not JSON\n", n);
			rc = 1;
			continue;
		}
		if ((json_object_get(j, "event") != NULL ?
		    schema_check_event(root, j, err, sizeof(err)) :
		    schema_check_reply(root, command, j, err,
		    sizeof(err))) < 0) {
			printf("line %zu: %s\n", n, err);
			rc = 1;
		}
		json_decref(j);
	}
	free(line);
	json_decref(root);
	if (n == 0) {
		printf("no input\n");
		rc = 1;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
		T(schema_every_query_with_an_sa_up_matches),
		T(schema_errors_of_the_daemon_commands_match),
		T(schema_failed_handshake_is_an_sa_failed_event_and_counted),
		T(schema_policy_engine_queries_match),
		T(schema_trigger_outcomes_are_events_and_counted),
		T(schema_dropped_packets_are_counted_by_reason),
		T(schema_validator_refuses_what_the_schema_forbids),
#undef T
	};
	struct crypto_nss *nss;
	int rc;

	if (argc == 3 && strcmp(argv[1], "--check") == 0)
		return check_mode(argv[2]);
	signal(SIGPIPE, SIG_IGN);
	nss = crypto_nss_init(NULL, false);
	if (nss == NULL)
		return 1;
	rc = cmocka_run_group_tests_name("control schema", tests, NULL, NULL);
	crypto_nss_shutdown(nss);
	return rc;
}
