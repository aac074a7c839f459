/*
 * libFuzzer target for the control socket (iked/control*.c): the input
 * is the byte stream one client sends to oe-iked's control socket.
 *
 * Request decoding is not separable from dispatch (control.c parses a
 * line and calls the handler at once), so each input goes through a
 * whole daemon context (fuzz_daemon.h): iked_setup() with the in-memory
 * `none` kernel backend and a wire that drops every datagram (nothing
 * leaves the process), the control socket listening in a private
 * directory on tmpfs, and a real SOCK_STREAM client that writes the input, closes
 * its sending side and reads every reply.  The daemon is built fresh
 * for every input, so inputs do not depend on each other; `initiate`,
 * `delete`, `reload`, `watch` and the policy engine's commands run
 * for real against it.
 *
 * Properties checked:
 *  - every line the daemon writes is one JSON object with "v":1: a
 *    reply ({"ok":true,"command":S,"result":...} or {"ok":false,
 *    "error":{"code":C,"message":S}} with C one of the stable codes),
 *    or an event ({"event":S,"time":N,"data":...}, only after a
 *    "watch" command was sent);
 *  - at most one reply per request line;
 *  - the daemon closes the connection after the client's end of input
 *    unless a reply is deferred (initiate waiting for a peer that never
 *    answers), and it frees cleanly with such a reply outstanding.
 *
 * Built by test/fuzz/run (test/Makefile.am: fuzz/fuzz_control).  To see
 * the conversation for one input: OE_FUZZ_VERBOSE=1 fuzz_control FILE
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <systemd/sd-event.h>

#include "control.h"
#include "iked.h"
#include "fuzz_daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define INPUT_MAX	(32 * 1024)
#define OUTPUT_MAX	(4u << 20)
#define LOOP_ROUNDS	400	/* event loop iterations per input */
#define IDLE_ROUNDS	3	/* of 2 ms without an event: done */

static char sock_path[128];

static const char *const error_codes[] = {
	"bad-request", "too-large", "unknown-command", "bad-argument",
	"not-found", "failed", "busy", "permission-denied", "internal",
};

/*
 * A responder conn on loopback and an OE group, so `initiate`,
 * `policies`, `why` and `reload` have something to work on.
 */
static const char conf_text[] =
    "config setup\n"
    "\tlisten=127.0.0.1\n"
    "\tprotostack=none\n"
    "\tpolicies-dir=.\n"
    "\nconn peer\n"
    "\tleft=127.0.0.1\n\tright=127.0.0.2\n"
    "\tleftid=%null\n\trightid=%null\n\tauthby=null\n"
    "\ttype=transport\n\tauto=add\n"
    "\tretransmit-interval=50\n\tretransmit-timeout=1s\n"
    "\nconn private-or-clear\n"
    "\tleft=%defaultroute\n\tright=%opportunisticgroup\n"
    "\tleftid=%null\n\trightid=%null\n\tauthby=null\n"
    "\tfailureshunt=passthrough\n\tauto=ondemand\n"
    "\tretransmit-interval=50\n\tretransmit-timeout=1s\n";

static const struct fuzz_file group_files[] = {
	{ "private-or-clear",
	    "127.0.0.0/8\n192.0.2.0/24 tcp 0 443\n198.51.100.0/24\n" },
	{ NULL, NULL },
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_daemon_init("oe-fuzz-ctl", conf_text, group_files, "iked.ctl");
	fuzz_daemon_path("iked.ctl", sock_path, sizeof(sock_path));
	return 0;
}

static bool
known_code(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(error_codes) / sizeof(error_codes[0]); i++)
		if (strcmp(code, error_codes[i]) == 0)
			return true;
	return false;
}

/* One line the daemon wrote; returns 1 for a reply, 0 for an event. */
static int
check_line(const char *line, size_t len, bool watched)
{
	json_error_t jerr;
	json_t *m, *v, *e;
	int reply = 1;

	if ((m = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		fprintf(stderr, "daemon wrote a line that is not JSON: %.*s\n",
		    (int)len, line);
		abort();
	}
	v = json_object_get(m, "v");
	if (!json_is_object(m) || !json_is_integer(v) ||
	    json_integer_value(v) != CONTROL_PROTO_VERSION)
		abort();
	if (json_object_get(m, "event") != NULL) {
		if (!watched || !json_is_string(json_object_get(m, "event")) ||
		    !json_is_integer(json_object_get(m, "time")) ||
		    json_object_get(m, "data") == NULL)
			abort();
		reply = 0;
	} else if (json_is_true(json_object_get(m, "ok"))) {
		if (!json_is_string(json_object_get(m, "command")) ||
		    json_object_get(m, "result") == NULL)
			abort();
	} else if (json_is_false(json_object_get(m, "ok"))) {
		e = json_object_get(m, "error");
		if (!json_is_object(e) ||
		    !json_is_string(json_object_get(e, "code")) ||
		    !known_code(json_string_value(json_object_get(e, "code"))) ||
		    !json_is_string(json_object_get(e, "message"))) {
			fprintf(stderr, "bad error reply: %.*s\n", (int)len, line);
			abort();
		}
	} else {
		abort();
	}
	json_decref(m);
	return reply;
}

/* Request lines the daemon may answer: non-blank, CR LF tolerated. */
static size_t
count_requests(const uint8_t *data, size_t size)
{
	size_t n = 0, i, start = 0;

	for (i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		if (i > start && !(i - start == 1 && data[start] == '\r'))
			n++;
		start = i + 1;
	}
	return n;
}

static void
check_output(const char *out, size_t len, const uint8_t *data, size_t size)
{
	const char *p = out, *nl;
	size_t replies = 0;
	bool watched = memmem(data, size, "watch", 5) != NULL;

	while (p < out + len) {
		nl = memchr(p, '\n', (size_t)(out + len - p));
		if (nl == NULL) {
			/* Only a reply cut by our own read limit ends so. */
			if (len < OUTPUT_MAX)
				abort();
			break;
		}
		replies += (size_t)check_line(p, (size_t)(nl - p), watched);
		p = nl + 1;
	}
	/* +1: a request over CONTROL_REQ_MAX is answered "too-large". */
	if (replies > count_requests(data, size) + 1) {
		fprintf(stderr, "%zu replies to %zu requests\n", replies,
		    count_requests(data, size));
		abort();
	}
}

/*
 * Write the input, run the daemon's loop, collect its output until it
 * closes.  Returns true when the daemon closed the connection.
 */
static bool
converse(sd_event *ev, int fd, const uint8_t *data, size_t size, char *out,
    size_t *outlen)
{
	size_t sent = 0;
	bool closed = false, shut = false;
	ssize_t n;
	int round, idle = 0;

	for (round = 0; round < LOOP_ROUNDS && !closed && idle < IDLE_ROUNDS;
	    round++) {
		if (sent < size) {
			n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN && errno != EINTR)
				sent = size;	/* the daemon hung up */
		}
		if (sent == size && !shut) {
			(void)shutdown(fd, SHUT_WR);
			shut = true;
		}
		/* Nothing dispatched for a while: only timers are left. */
		if (sd_event_run(ev, 2000) == 0 && shut)
			idle++;
		else
			idle = 0;
		for (;;) {
			n = recv(fd, out + *outlen, OUTPUT_MAX - *outlen, 0);
			if (n > 0) {
				*outlen += (size_t)n;
				if (*outlen == OUTPUT_MAX)
					return true;
				continue;
			}
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				closed = true;
			break;
		}
	}
	return closed;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[OUTPUT_MAX];
	struct fuzz_daemon fd;
	size_t outlen = 0;
	bool closed;
	int cfd = -1;

	if (size > INPUT_MAX)
		return 0;
	fuzz_daemon_new(&fd);
	if (control_listen(fd.d->control, sock_path, NULL) != 0 ||
	    (cfd = fuzz_daemon_connect(SOCK_STREAM)) < 0) {
		fprintf(stderr, "daemon set-up failed\n");
		abort();
	}
	closed = converse(fd.ev, cfd, data, size, out, &outlen);
	if (getenv("OE_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "daemon %s, wrote:\n%.*s\n", closed ? "closed" :
		    "kept the connection open", (int)outlen, out);
	check_output(out, outlen, data, size);
	/* A deferred reply (initiate, wait) may keep it open; else not. */
	if (!closed && memmem(data, size, "initiate", 8) == NULL) {
		fprintf(stderr, "daemon kept the connection open after the "
		    "client's end of input\n");
		abort();
	}
	close(cfd);
	fuzz_daemon_free(&fd);
	return 0;
}
