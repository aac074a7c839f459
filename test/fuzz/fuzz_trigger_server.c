/*
 * libFuzzer target for the daemon side of the DNS trigger socket
 * (iked/trigger.c, trigger_plan.c), beyond the codec that fuzz_trigger
 * covers: what the server does with each message.
 *
 * The input is a sequence of SOCK_SEQPACKET messages separated by the
 * byte 0x1e (at most MSGS_MAX; empty ones are not sent).  Each input
 * gets a fresh daemon (fuzz_daemon.h: iked_setup() with the `none` kernel and a wire
 * that drops every datagram, so initiations stay pending and nothing
 * leaves the process) whose policy has a private group (keys
 * required), a private-or-clear group (anonymous) and clear for the
 * rest, and a trigger server on a socket in a private tmpfs directory.
 * A real client sends the messages and reads the replies.
 *
 * Properties checked, message by message, against the codec and the
 * planner run here on the same message:
 *  - every reply decodes (oe_trigger_reply_decode) and answers a
 *    message that was sent: no reply is invented;
 *  - a message that does not decode gets "error" with its cookie if
 *    the cookie was readable, and no reply otherwise; an oversized
 *    one gets none;
 *  - a request the planner says is clear gets "clear", one it says
 *    fails gets "failed" (both at once, nothing else); one that needs
 *    an initiation gets no reply (pending), or "failed"/"busy";
 *    a request whose plan depends on the second it is made in (RRSIG
 *    window boundaries) may get any of these;
 *  - the server frees cleanly with initiations pending.
 *
 * Built by test/fuzz/run (test/Makefile.am: fuzz/fuzz_trigger_server).
 * To see the replies for one input: OE_FUZZ_VERBOSE=1 fuzz_trigger_server FILE
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "oe_trigger.h"
#include "iked.h"
#include "trigger.h"
#include "fuzz_daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define INPUT_MAX	(64 * 1024)
#define MSGS_MAX	32	/* below TRIGGER_OUTQ_MAX: we read anyway */
#define LOOP_ROUNDS	200
#define IDLE_ROUNDS	2	/* of 1 ms without an event: done */
#define SEPARATOR	0x1e

enum expect_kind {
	EXPECT_NONE,		/* no reply may answer it */
	EXPECT_MUST,		/* exactly this status */
	EXPECT_INITIATE,	/* nothing yet, or failed/busy */
	EXPECT_ANY,		/* plan changed with the clock */
};

struct expect {
	enum expect_kind	 kind;
	uint64_t		 cookie;
	enum oe_trigger_status	 status;	/* EXPECT_MUST */
	bool			 answered;
};

static char sock_path[128];

static const char conf_text[] =
    "config setup\n"
    "    policies-dir=.\n"
    "    protostack=none\n"
    "conn private\n"
    "    left=%defaultroute\n    leftid=%null\n    leftauth=null\n"
    "    right=%opportunisticgroup\n    rightid=%any\n"
    "    rightauth=rsasig\n    rightrsasigkey=%dnsondemand\n"
    "    auto=ondemand\n"
    "conn private-or-clear\n"
    "    left=%defaultroute\n    leftid=%null\n    rightid=%null\n"
    "    right=%opportunisticgroup\n    authby=null\n    auto=ondemand\n";

static const struct fuzz_file group_files[] = {
	{ "private", "198.51.100.0/24\n2001:db8:1::/48\n" },
	{ "private-or-clear", "203.0.113.0/24\n2001:db8:2::/48\n" },
	{ NULL, NULL },
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_daemon_init("oe-fuzz-trig", conf_text, group_files,
	    "trigger.sock");
	fuzz_daemon_path("trigger.sock", sock_path, sizeof(sock_path));
	return 0;
}

/* What the server must answer to one message, by the codec and planner. */
static void
expect_for(const struct iked_conf *conf, const uint8_t *msg, size_t len,
    int64_t t0, struct expect *e)
{
	static struct oe_trigger_request req;
	static struct trigger_plan p0, p1;
	char err[OE_TRIGGER_ERROR_MAX + 1];

	memset(e, 0, sizeof(*e));
	if (len > OE_TRIGGER_MSG_MAX) {
		e->kind = EXPECT_NONE;
		return;
	}
	memset(&req, 0, sizeof(req));
	if (oe_trigger_request_decode(&req, (const char *)msg, len, err,
	    sizeof(err)) < 0) {
		e->kind = req.has_cookie ? EXPECT_MUST : EXPECT_NONE;
		e->cookie = req.cookie;
		e->status = OE_TRIGGER_ERROR;
		return;
	}
	e->cookie = req.cookie;
	trigger_plan(conf, &req, t0, &p0);
	/* The server plans at its own time(NULL), up to a second later. */
	trigger_plan(conf, &req, t0 + 1, &p1);
	if (p0.action != p1.action) {
		e->kind = EXPECT_ANY;
		return;
	}
	switch (p0.action) {
	case TRIGGER_ACT_CLEAR:
		e->kind = EXPECT_MUST;
		e->status = OE_TRIGGER_CLEAR;
		break;
	case TRIGGER_ACT_FAIL:
		e->kind = EXPECT_MUST;
		e->status = OE_TRIGGER_FAILED;
		break;
	case TRIGGER_ACT_INITIATE:
		e->kind = EXPECT_INITIATE;
		break;
	}
}

/* Match one reply to the earliest message it can answer. */
static void
match_reply(const struct oe_trigger_reply *r, struct expect *ex, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct expect *e = &ex[i];

		if (e->answered || e->cookie != r->cookie)
			continue;
		if ((e->kind == EXPECT_MUST && e->status == r->status) ||
		    (e->kind == EXPECT_INITIATE &&
		    (r->status == OE_TRIGGER_FAILED ||
		    r->status == OE_TRIGGER_BUSY)) ||
		    e->kind == EXPECT_ANY) {
			e->answered = true;
			return;
		}
	}
	fprintf(stderr, "reply %s to cookie %llu answers no message sent\n",
	    oe_trigger_status_name(r->status), (unsigned long long)r->cookie);
	abort();
}

/* Split the input into messages; returns how many. */
static size_t
split(const uint8_t *data, size_t size, const uint8_t **msg, size_t *len)
{
	const uint8_t *p = data, *end = data + size, *sep;
	size_t n = 0;

	while (p <= end && n < MSGS_MAX) {
		sep = memchr(p, SEPARATOR, (size_t)(end - p));
		if ((sep ? sep : end) > p) {
			msg[n] = p;
			len[n] = (size_t)((sep ? sep : end) - p);
			n++;
		}
		if (sep == NULL)
			break;
		p = sep + 1;
	}
	return n;
}

/* Send every message, run the loop, check each reply as it comes. */
static void
converse(sd_event *ev, int fd, const uint8_t **msg, const size_t *len,
    size_t nmsg, struct expect *ex)
{
	static char buf[OE_TRIGGER_MSG_MAX + 1];
	struct oe_trigger_reply r;
	char err[256];
	size_t sent = 0;
	ssize_t n;
	int round, idle = 0;
	bool verbose = getenv("OE_FUZZ_VERBOSE") != NULL;

	for (round = 0; round < LOOP_ROUNDS && idle < IDLE_ROUNDS; round++) {
		while (sent < nmsg) {
			n = send(fd, msg[sent], len[sent], MSG_NOSIGNAL);
			/* A message over the socket's limit: the kernel refuses. */
			if (n < 0 && errno == EMSGSIZE) {
				ex[sent].kind = EXPECT_NONE;
				sent++;
				continue;
			}
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				fprintf(stderr, "the server hung up: %s\n",
				    strerror(errno));
				abort();
			}
			if (n < 0)
				break;
			sent++;
		}
		if (sd_event_run(ev, 1000) == 0 && sent == nmsg)
			idle++;
		else
			idle = 0;
		while ((n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
			if (verbose)
				fprintf(stderr, "reply: %.*s\n", (int)n, buf);
			if (oe_trigger_reply_decode(&r, buf, (size_t)n, err,
			    sizeof(err)) != 0) {
				fprintf(stderr, "undecodable reply (%s): %.*s\n",
				    err, (int)n, buf);
				abort();
			}
			match_reply(&r, ex, nmsg);
		}
		if (n == 0) {
			fprintf(stderr, "the server closed the connection\n");
			abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct expect ex[MSGS_MAX];
	const uint8_t *msg[MSGS_MAX];
	size_t len[MSGS_MAX], nmsg, i;
	struct trigger_server *srv = NULL;
	struct trigger_cfg cfg;
	struct fuzz_daemon fd;
	int64_t t0;
	int cfd = -1;

	if (size > INPUT_MAX || (nmsg = split(data, size, msg, len)) == 0)
		return 0;
	fuzz_daemon_new(&fd);
	memset(&cfg, 0, sizeof(cfg));
	cfg.path = sock_path;
	cfg.allow_root = true;
	cfg.have_uid = true;
	cfg.uid = getuid();
	cfg.gid = (gid_t)-1;
	if ((srv = trigger_server_new(fd.d, &cfg)) == NULL ||
	    (cfd = fuzz_daemon_connect(SOCK_SEQPACKET)) < 0) {
		fprintf(stderr, "daemon set-up failed\n");
		abort();
	}
	t0 = (int64_t)time(NULL);
	for (i = 0; i < nmsg; i++)
		expect_for(fd.d->conf, msg[i], len[i], t0, &ex[i]);
	converse(fd.ev, cfd, msg, len, nmsg, ex);
	for (i = 0; i < nmsg; i++)
		if (ex[i].kind == EXPECT_MUST && !ex[i].answered) {
			fprintf(stderr, "message %zu (cookie %llu) got no %s "
			    "reply\n", i, (unsigned long long)ex[i].cookie,
			    oe_trigger_status_name(ex[i].status));
			abort();
		}
	close(cfd);
	trigger_server_free(srv);
	fuzz_daemon_free(&fd);
	return 0;
}
