/*
 * Control socket server tests: a real Unix socket in a temporary
 * directory, the server driven by its own sd-event loop, clients as
 * plain sockets.  Covers the framing, every error reply, the size and
 * output bounds, a client that never reads, deferred replies, the
 * event stream, credentials (root only / group) and registration.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "control.h"
#include "control_schema.h"

struct fixture {
	sd_event	*ev;
	struct control	*ctl;
	char		 dir[64];
	char		 path[128];
	uint64_t	 ticket;
	int		 ndeferred;
	json_t		*schema;
};

struct conn {
	int		 fd;
	char		*buf;
	size_t		 len, cap;
	bool		 eof;
};

static void
set_sun(struct sockaddr_un *sun, const char *path)
{
	size_t n = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	assert_true(n < sizeof(sun->sun_path));
	memcpy(sun->sun_path, path, n);
}

/* ---- handlers ---- */

static int
h_echo(struct control_call *call, void *arg)
{
	(void)arg;
	return control_ok(call, json_pack("{s:O}", "args", call->args));
}

/* {"size": N} -> a string of N bytes */
static int
h_big(struct control_call *call, void *arg)
{
	json_int_t n = json_integer_value(json_object_get(call->args, "size"));
	char *s;
	json_t *r;

	(void)arg;
	s = malloc((size_t)n + 1);
	if (s == NULL)
		return control_fail(call, "internal", "out of memory");
	memset(s, 'x', (size_t)n);
	s[n] = '\0';
	r = json_pack("{s:s}", "blob", s);
	free(s);
	return control_ok(call, r);
}

static int
h_defer(struct control_call *call, void *arg)
{
	struct fixture *f = arg;

	f->ndeferred++;
	return control_defer(call, &f->ticket);
}

static int
h_fail(struct control_call *call, void *arg)
{
	(void)arg;
	return control_fail(call, "not-found", "nothing called %s", "x");
}

static int
h_silent(struct control_call *call, void *arg)
{
	(void)call;
	(void)arg;
	return CONTROL_OK;	/* forgot control_ok(): must not crash */
}

/* ---- plumbing ---- */

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/oe-test-control.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(chmod(f->dir, 0755), 0);
	snprintf(f->path, sizeof(f->path), "%s/ctl.sock", f->dir);
	assert_int_equal(sd_event_new(&f->ev), 0);
	f->ctl = control_new(f->ev);
	assert_non_null(f->ctl);
	assert_int_equal(control_register(f->ctl, "echo", h_echo, f), 0);
	assert_int_equal(control_register(f->ctl, "big", h_big, f), 0);
	assert_int_equal(control_register(f->ctl, "defer", h_defer, f), 0);
	assert_int_equal(control_register(f->ctl, "fail", h_fail, f), 0);
	assert_int_equal(control_register(f->ctl, "silent", h_silent, f), 0);
	assert_int_equal(control_listen(f->ctl, f->path, NULL), 0);
	f->schema = schema_load(NULL);
	assert_non_null(f->schema);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	control_free(f->ctl);
	sd_event_unref(f->ev);
	json_decref(f->schema);
	(void)unlink(f->path);
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

/* Run the server's loop for about `ms` milliseconds. */
static void
spin(struct fixture *f, int ms)
{
	int i;

	for (i = 0; i < ms; i++)
		(void)sd_event_run(f->ev, 1000);
}

static void
conn_open(struct fixture *f, struct conn *c)
{
	struct sockaddr_un sun;

	memset(c, 0, sizeof(*c));
	set_sun(&sun, f->path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	spin(f, 2);	/* accept */
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
}

static void
conn_send(struct conn *c, const char *s)
{
	size_t len = strlen(s);

	assert_int_equal(send(c->fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

/*
 * The next line from the server as JSON, running the loop meanwhile;
 * NULL on EOF or after `ms`.  *eof tells which.
 */
static json_t *
conn_line(struct fixture *f, struct conn *c, int ms, bool *eof)
{
	json_error_t jerr;
	char *nl;
	json_t *j;
	int i;

	if (eof != NULL)
		*eof = false;
	for (i = 0; i <= ms; i++) {
		nl = c->len > 0 ? memchr(c->buf, '\n', c->len) : NULL;
		if (nl != NULL) {
			size_t n = (size_t)(nl - c->buf);

			j = json_loadb(c->buf, n, 0, &jerr);
			assert_non_null(j);
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return j;
		}
		if (c->eof) {
			if (eof != NULL)
				*eof = true;
			return NULL;
		}
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 131072;
			c->buf = realloc(c->buf, c->cap);
			assert_non_null(c->buf);
		}
		for (;;) {
			ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len,
			    MSG_DONTWAIT);

			if (r == 0) {
				c->eof = true;
				break;
			}
			if (r < 0)
				break;
			c->len += (size_t)r;
			if (c->cap - c->len < 65536)
				break;
		}
		if (c->eof || (c->len > 0 && memchr(c->buf, '\n', c->len) != NULL))
			continue;
		spin(f, 1);
	}
	return NULL;
}

static json_t *
request(struct fixture *f, struct conn *c, const char *line)
{
	json_t *j;

	conn_send(c, line);
	j = conn_line(f, c, 2000, NULL);
	assert_non_null(j);
	return j;
}

static void
assert_error(json_t *reply, const char *code)
{
	json_t *err = json_object_get(reply, "error");

	assert_true(json_is_false(json_object_get(reply, "ok")));
	assert_non_null(err);
	assert_string_equal(json_string_value(json_object_get(err, "code")),
	    code);
	assert_true(strlen(json_string_value(json_object_get(err,
	    "message"))) > 0);
}

static void
assert_schema_reply(struct fixture *f, const char *command, json_t *reply)
{
	char err[512];

	if (schema_check_reply(f->schema, command, reply, err,
	    sizeof(err)) < 0)
		fail_msg("reply to %s does not match the schema: %s", command,
		    err);
}

/* ---- tests ---- */

static void
control_answers_registered_command_with_ok_envelope(void **state)
{
	struct fixture *f = *state;
	struct conn c;
	json_t *r;

	conn_open(f, &c);
	r = request(f, &c, "{\"v\":1,\"command\":\"echo\",\"args\":{\"a\":7}}\n");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(r, "command")),
	    "echo");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_object_get(r, "result"), "args"), "a")), 7);
	assert_schema_reply(f, "echo", r);
	json_decref(r);
	/* args may be left out: handlers then see an empty object */
	r = request(f, &c, "{\"v\":1,\"command\":\"echo\"}\n");
	assert_int_equal(json_object_size(json_object_get(json_object_get(r,
	    "result"), "args")), 0);
	json_decref(r);
	conn_close(&c);
}

static void
control_truncated_json_gets_bad_request_and_connection_survives(void **state)
{
	struct fixture *f = *state;
	struct conn c;
	json_t *r;

	conn_open(f, &c);
	r = request(f, &c, "{\"v\":1,\"command\":\"ec\n");
	assert_error(r, "bad-request");
	assert_schema_reply(f, "echo", r);
	json_decref(r);
	r = request(f, &c, "{\"v\":1,\"command\":\"echo\"}\n");
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	conn_close(&c);
}

static void
control_wrong_shapes_are_bad_request(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"[1,2,3]\n",				/* not an object */
		"\"status\"\n",
		"{\"command\":\"echo\"}\n",		/* no version */
		"{\"v\":2,\"command\":\"echo\"}\n",	/* unknown version */
		"{\"v\":\"1\",\"command\":\"echo\"}\n",
		"{\"v\":1}\n",				/* no command */
		"{\"v\":1,\"command\":7}\n",
		"{\"v\":1,\"command\":\"echo\",\"args\":[1]}\n",
		"{\"v\":1,\"v\":1,\"command\":\"echo\"}\n",	/* duplicate key */
	};
	struct conn c;
	size_t i;
	json_t *r;

	conn_open(f, &c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = request(f, &c, bad[i]);
		assert_error(r, "bad-request");
		assert_schema_reply(f, "echo", r);
		json_decref(r);
	}
	conn_close(&c);
}

static void
control_unknown_command_gets_unknown_command(void **state)
{
	struct fixture *f = *state;
	struct conn c;
	json_t *r;

	conn_open(f, &c);
	r = request(f, &c, "{\"v\":1,\"command\":\"self-destruct\"}\n");
	assert_error(r, "unknown-command");
	json_decref(r);
	/* names outside [a-z0-9_-] or too long are not looked up at all */
	r = request(f, &c, "{\"v\":1,\"command\":\"ECHO\"}\n");
	assert_error(r, "unknown-command");
	json_decref(r);
	r = request(f, &c, "{\"v\":1,\"command\":\"echoechoechoechoechoechoechoechoecho\"}\n");
	assert_error(r, "unknown-command");
	json_decref(r);
	conn_close(&c);
}

static void
control_handler_errors_are_passed_on_and_silence_is_internal(void **state)
{
	struct fixture *f = *state;
	struct conn c;
	json_t *r;

	conn_open(f, &c);
	r = request(f, &c, "{\"v\":1,\"command\":\"fail\"}\n");
	assert_error(r, "not-found");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    r, "error"), "message")), "nothing called x");
	assert_string_equal(json_string_value(json_object_get(r, "command")),
	    "fail");
	json_decref(r);
	r = request(f, &c, "{\"v\":1,\"command\":\"silent\"}\n");
	assert_error(r, "internal");
	json_decref(r);
	conn_close(&c);
}

static void
control_request_over_the_limit_gets_too_large_and_is_closed(void **state)
{
	struct fixture *f = *state;
	char *huge = malloc(CONTROL_REQ_MAX * 4);
	struct conn c;
	bool eof = false;
	json_t *r;

	assert_non_null(huge);
	memset(huge, ' ', CONTROL_REQ_MAX * 4 - 1);
	huge[CONTROL_REQ_MAX * 4 - 1] = '\0';
	conn_open(f, &c);
	(void)send(c.fd, huge, strlen(huge), MSG_NOSIGNAL | MSG_DONTWAIT);
	r = conn_line(f, &c, 2000, NULL);
	assert_non_null(r);
	assert_error(r, "too-large");
	json_decref(r);
	r = conn_line(f, &c, 2000, &eof);
	assert_null(r);
	assert_true(eof);
	conn_close(&c);
	free(huge);
}

static void
control_client_that_never_reads_is_dropped_and_others_served(void **state)
{
	struct fixture *f = *state;
	struct control_stats st;
	struct conn stuck, other;
	json_t *r;
	int i;

	control_set_idle_timeout(f->ctl, 1000000);
	conn_open(f, &stuck);
	/* 8 MiB of replies queued; the socket buffer takes far less. */
	for (i = 0; i < 8; i++)
		conn_send(&stuck, "{\"v\":1,\"command\":\"big\","
		    "\"args\":{\"size\":1048576}}\n");
	spin(f, 50);
	conn_open(f, &other);
	r = request(f, &other, "{\"v\":1,\"command\":\"echo\"}\n");
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	control_get_stats(f->ctl, &st);
	assert_int_equal(st.clients, 2);
	/* `other` keeps asking (idle clients are dropped too) */
	for (i = 0; i < 25; i++) {
		spin(f, 100);
		r = request(f, &other, "{\"v\":1,\"command\":\"echo\"}\n");
		json_decref(r);
	}
	control_get_stats(f->ctl, &st);
	assert_int_equal(st.dropped, 1);
	/* the reader is still there; only the stuck one went */
	r = request(f, &other, "{\"v\":1,\"command\":\"echo\"}\n");
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	control_get_stats(f->ctl, &st);
	assert_int_equal(st.clients, 1);
	conn_close(&stuck);
	conn_close(&other);
}

static void
control_reply_over_the_output_bound_is_answered_too_large(void **state)
{
	struct fixture *f = *state;
	char req[128];
	struct conn c;
	json_t *r;

	conn_open(f, &c);
	snprintf(req, sizeof(req), "{\"v\":1,\"command\":\"big\","
	    "\"args\":{\"size\":%u}}\n", CONTROL_OUT_MAX + 1);
	conn_send(&c, req);
	r = conn_line(f, &c, 5000, NULL);
	assert_non_null(r);
	assert_error(r, "too-large");
	json_decref(r);
	conn_close(&c);
}

static void
control_deferred_reply_comes_later_and_next_request_waits(void **state)
{
	struct fixture *f = *state;
	struct conn c;
	json_t *r;

	conn_open(f, &c);
	/* Both requests in one write: the second must wait for the first. */
	conn_send(&c, "{\"v\":1,\"command\":\"defer\"}\n"
	    "{\"v\":1,\"command\":\"echo\",\"args\":{\"n\":2}}\n");
	r = conn_line(f, &c, 100, NULL);
	assert_null(r);
	assert_int_equal(f->ndeferred, 1);
	control_finish(f->ctl, f->ticket, json_pack("{s:s}", "status", "up"),
	    NULL, NULL);
	r = conn_line(f, &c, 2000, NULL);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    r, "result"), "status")), "up");
	json_decref(r);
	r = conn_line(f, &c, 2000, NULL);
	assert_non_null(r);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_object_get(r, "result"), "args"), "n")), 2);
	json_decref(r);
	/* a deferred failure */
	conn_send(&c, "{\"v\":1,\"command\":\"defer\"}\n");
	spin(f, 20);
	control_finish(f->ctl, f->ticket, NULL, "failed", "peer refused");
	r = conn_line(f, &c, 2000, NULL);
	assert_non_null(r);
	assert_error(r, "failed");
	json_decref(r);
	conn_close(&c);
}

static void
control_deferred_reply_to_a_vanished_client_is_discarded(void **state)
{
	struct fixture *f = *state;
	struct control_stats st;
	struct conn c;

	conn_open(f, &c);
	conn_send(&c, "{\"v\":1,\"command\":\"defer\"}\n");
	spin(f, 20);
	assert_int_equal(f->ndeferred, 1);
	conn_close(&c);
	spin(f, 20);
	/* the result is freed (ASan would see a leak), nothing is written */
	control_finish(f->ctl, f->ticket, json_pack("{s:s}", "x", "y"), NULL,
	    NULL);
	control_finish(f->ctl, f->ticket + 1000, json_object(), NULL, NULL);
	spin(f, 20);
	control_get_stats(f->ctl, &st);
	assert_true(st.clients <= 1);
}

static void
control_watchers_get_the_event_types_they_asked_for(void **state)
{
	struct fixture *f = *state;
	struct conn all, up;
	json_t *r;
	char err[256];

	conn_open(f, &all);
	conn_open(f, &up);
	r = request(f, &all, "{\"v\":1,\"command\":\"watch\"}\n");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_schema_reply(f, "watch", r);
	json_decref(r);
	r = request(f, &up, "{\"v\":1,\"command\":\"watch\","
	    "\"args\":{\"events\":[\"sa-up\"]}}\n");
	assert_int_equal(json_array_size(json_object_get(json_object_get(r,
	    "result"), "events")), 1);
	json_decref(r);
	control_event(f->ctl, "sa-down", json_pack("{s:i}", "id", 3));
	control_event(f->ctl, "sa-up", json_pack("{s:i}", "id", 4));
	r = conn_line(f, &all, 1000, NULL);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "event")),
	    "sa-down");
	assert_int_equal(schema_validate(f->schema, json_object_get(f->schema,
	    "event"), r, err, sizeof(err)), 0);
	json_decref(r);
	r = conn_line(f, &all, 1000, NULL);
	assert_string_equal(json_string_value(json_object_get(r, "event")),
	    "sa-up");
	json_decref(r);
	r = conn_line(f, &up, 1000, NULL);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "event")),
	    "sa-up");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r,
	    "data"), "id")), 4);
	json_decref(r);
	/* unknown event types are refused */
	r = request(f, &up, "{\"v\":1,\"command\":\"watch\","
	    "\"args\":{\"events\":[\"everything\"]}}\n");
	assert_error(r, "bad-argument");
	json_decref(r);
	conn_close(&all);
	conn_close(&up);
}

static void
control_lagging_watcher_loses_events_and_is_told_how_many(void **state)
{
	struct fixture *f = *state;
	struct conn w;
	json_t *r, *data;
	char *blob = malloc(65537);
	int i, lines = 0;
	json_int_t lost = 0;

	assert_non_null(blob);
	memset(blob, 'e', 65536);
	blob[65536] = '\0';
	conn_open(f, &w);
	r = request(f, &w, "{\"v\":1,\"command\":\"watch\"}\n");
	json_decref(r);
	/* 64 events of 64 KiB: more than the 1 MiB queue plus socket buffer */
	for (i = 0; i < 64; i++) {
		data = json_pack("{s:i, s:s}", "id", i + 1, "blob", blob);
		control_event(f->ctl, "sa-up", data);
	}
	while ((r = conn_line(f, &w, 200, NULL)) != NULL) {
		lines++;
		json_decref(r);
	}
	assert_true(lines > 0);
	assert_true(lines < 64);
	control_event(f->ctl, "sa-down", json_pack("{s:i}", "id", 99));
	r = conn_line(f, &w, 1000, NULL);
	assert_non_null(r);
	lost = json_integer_value(json_object_get(r, "lost"));
	assert_int_equal(lost, 64 - lines);
	json_decref(r);
	/* after that the count starts again */
	control_event(f->ctl, "sa-down", json_pack("{s:i}", "id", 100));
	r = conn_line(f, &w, 1000, NULL);
	assert_null(json_object_get(r, "lost"));
	json_decref(r);
	conn_close(&w);
	free(blob);
}

/*
 * A child process with uid/gid `id` connects (the socket file made
 * world-writable so only SO_PEERCRED decides) and sends one request.
 * Exit status: 0 answered ok, 10 refused with permission-denied, other
 * values for anything else.
 */
static int
child_request(struct fixture *f, uid_t uid, gid_t gid)
{
	struct sockaddr_un sun;
	char buf[4096];
	size_t len = 0;
	ssize_t n;
	pid_t pid;
	int st, fd, i;

	assert_int_equal(chmod(f->path, 0666), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(gid) < 0 ||
		    setuid(uid) < 0)
			_exit(20);
		set_sun(&sun, f->path);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sun,
		    sizeof(sun)) < 0)
			_exit(21);
		(void)send(fd, "{\"v\":1,\"command\":\"echo\"}\n", 26,
		    MSG_NOSIGNAL);
		while (len < sizeof(buf) - 1 && memchr(buf, '\n', len) == NULL &&
		    (n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0)) > 0)
			len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\"ok\":true") != NULL)
			_exit(0);
		if (strstr(buf, "permission-denied") != NULL)
			_exit(10);
		_exit(22);
	}
	for (i = 0; i < 5000; i++) {
		spin(f, 1);
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
	}
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, &st, 0);
	return 98;
}

static void
control_other_users_are_refused_unless_in_the_group(void **state)
{
	struct fixture *f = *state;
	struct control_stats st;
	struct group *gr;

	if (geteuid() != 0)
		skip();
	/* root only: nobody is refused even though the file lets it in */
	assert_int_equal(child_request(f, 65534, 65534), 10);
	control_get_stats(f->ctl, &st);
	assert_int_equal(st.refused, 1);
	/* root itself is fine */
	assert_int_equal(child_request(f, 0, 0), 0);
	/* the ctl-group as primary group admits; another group does not */
	gr = getgrgid(65534);
	if (gr == NULL)
		skip();
	assert_int_equal(control_set_group(f->ctl, gr->gr_name), 0);
	assert_int_equal(child_request(f, 65534, 65534), 0);
	assert_int_equal(child_request(f, 65534, 65533), 10);
	assert_int_equal(control_set_group(f->ctl, "no-such-group-oe"), -1);
}

static void
control_clients_beyond_the_limit_are_told_busy(void **state)
{
	struct fixture *f = *state;
	struct conn c[CONTROL_MAX_CLIENTS + 1];
	json_t *r;
	bool eof;
	int i;

	for (i = 0; i <= CONTROL_MAX_CLIENTS; i++)
		conn_open(f, &c[i]);
	r = conn_line(f, &c[CONTROL_MAX_CLIENTS], 1000, &eof);
	assert_non_null(r);
	assert_error(r, "busy");
	json_decref(r);
	r = conn_line(f, &c[0], 50, &eof);
	assert_null(r);
	assert_false(eof);
	for (i = 0; i <= CONTROL_MAX_CLIENTS; i++)
		conn_close(&c[i]);
}

static void
control_live_socket_is_kept_and_stale_one_replaced(void **state)
{
	struct fixture *f = *state;
	struct control *second;
	struct sockaddr_un sun;
	char stale[160];
	int fd;

	second = control_new(f->ev);
	assert_non_null(second);
	/* f->path is live (the fixture listens): refused, file untouched */
	assert_int_equal(control_listen(second, f->path, NULL), -1);
	/* a socket file nobody listens on is replaced */
	snprintf(stale, sizeof(stale), "%s/stale.sock", f->dir);
	set_sun(&sun, stale);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	assert_int_equal(control_listen(second, stale, NULL), 0);
	control_free(second);
	assert_int_equal(access(stale, F_OK), -1);
	/* a regular file is never removed */
	fd = open(stale, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	second = control_new(f->ev);
	assert_int_equal(control_listen(second, stale, NULL), -1);
	assert_int_equal(access(stale, F_OK), 0);
	control_free(second);
	unlink(stale);
	/* the fixture's socket still answers */
	{
		struct conn c;
		json_t *r;

		conn_open(f, &c);
		r = request(f, &c, "{\"v\":1,\"command\":\"echo\"}\n");
		assert_true(json_is_true(json_object_get(r, "ok")));
		json_decref(r);
		conn_close(&c);
	}
}

static void
control_register_refuses_duplicates_and_bad_names(void **state)
{
	struct fixture *f = *state;
	char name[16];
	int i, n = 0;

	assert_int_equal(control_register(f->ctl, "echo", h_echo, NULL), -1);
	assert_int_equal(control_register(f->ctl, "Echo", h_echo, NULL), -1);
	assert_int_equal(control_register(f->ctl, "", h_echo, NULL), -1);
	assert_int_equal(control_register(f->ctl, "a b", h_echo, NULL), -1);
	assert_int_equal(control_register(f->ctl,
	    "a-name-that-is-much-too-long-for-it", h_echo, NULL), -1);
	assert_int_equal(control_register(f->ctl, "ok", NULL, NULL), -1);
	for (i = 0; i < CONTROL_MAX_COMMANDS + 4; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		if (control_register(f->ctl, name, h_echo, NULL) == 0)
			n++;
	}
	/* watch + 5 of the fixture are already there */
	assert_int_equal(n, CONTROL_MAX_COMMANDS - 6);
}

static void
control_counters_sum_by_name_and_overflow_into_other(void **state)
{
	struct fixture *f = *state;
	char name[64];
	json_t *g;
	int i;

	control_count(f->ctl, "triggers.dns", 2);
	control_count(f->ctl, "triggers.dns", 3);
	control_count(NULL, "triggers.dns", 3);		/* no-op */
	control_count(f->ctl, "nodot", 1);		/* refused */
	control_count(f->ctl, "Bad.Name", 1);
	assert_int_equal(control_counter(f->ctl, "triggers.dns"), 5);
	assert_int_equal(control_counter(f->ctl, "nodot"), 0);
	for (i = 0; i < CONTROL_MAX_COUNTERS + 10; i++) {
		snprintf(name, sizeof(name), "dropped.reason%d", i);
		control_count(f->ctl, name, 1);
	}
	g = control_counter_group(f->ctl, "dropped");
	assert_true(json_integer_value(json_object_get(g, "other")) > 0);
	assert_int_equal(json_integer_value(json_object_get(g, "reason0")), 1);
	json_decref(g);
	/* existing names keep counting even when the table is full */
	control_count(f->ctl, "triggers.dns", 1);
	assert_int_equal(control_counter(f->ctl, "triggers.dns"), 6);
}

static void
control_pipelined_and_crlf_requests_get_one_reply_each(void **state)
{
	struct fixture *f = *state;
	struct conn c;
	json_t *r;
	int i;

	conn_open(f, &c);
	conn_send(&c, "{\"v\":1,\"command\":\"echo\",\"args\":{\"n\":1}}\r\n\n"
	    "{\"v\":1,\"command\":\"echo\",\"args\":{\"n\":2}}\n"
	    "{\"v\":1,\"command\":\"echo\",\"args\":{\"n\":3}}");
	/* the last one has no newline: answered when the client shuts down */
	spin(f, 20);
	(void)shutdown(c.fd, SHUT_WR);
	for (i = 1; i <= 3; i++) {
		r = conn_line(f, &c, 1000, NULL);
		assert_non_null(r);
		assert_int_equal(json_integer_value(json_object_get(
		    json_object_get(json_object_get(r, "result"), "args"),
		    "n")), i);
		json_decref(r);
	}
	conn_close(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
		T(control_answers_registered_command_with_ok_envelope),
		T(control_truncated_json_gets_bad_request_and_connection_survives),
		T(control_wrong_shapes_are_bad_request),
		T(control_unknown_command_gets_unknown_command),
		T(control_handler_errors_are_passed_on_and_silence_is_internal),
		T(control_request_over_the_limit_gets_too_large_and_is_closed),
		T(control_client_that_never_reads_is_dropped_and_others_served),
		T(control_reply_over_the_output_bound_is_answered_too_large),
		T(control_deferred_reply_comes_later_and_next_request_waits),
		T(control_deferred_reply_to_a_vanished_client_is_discarded),
		T(control_watchers_get_the_event_types_they_asked_for),
		T(control_lagging_watcher_loses_events_and_is_told_how_many),
		T(control_other_users_are_refused_unless_in_the_group),
		T(control_clients_beyond_the_limit_are_told_busy),
		T(control_live_socket_is_kept_and_stale_one_replaced),
		T(control_register_refuses_duplicates_and_bad_names),
		T(control_counters_sum_by_name_and_overflow_into_other),
		T(control_pipelined_and_crlf_requests_get_one_reply_each),
#undef T
	};

	signal(SIGPIPE, SIG_IGN);
	if (getenv("OE_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("OE_TEST_FILTER"));
	return cmocka_run_group_tests_name("control socket", tests, NULL,
	    NULL);
}
