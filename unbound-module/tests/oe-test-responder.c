/*
 * oe-test-responder: a test double for the daemon's end of the trigger
 * socket, for module-focused tests only (the end-to-end lab uses the real
 * oe-iked).  It listens on a SOCK_SEQPACKET Unix socket, appends every
 * request it receives as one line to a log file, and answers each with
 * a fixed status after a fixed delay (or never, with -m silent; or with
 * malformed replies, with -m garbage).
 *
 *   oe-test-responder -s SOCKET -o LOG
 *                     [-m up|clear|failed|busy|error|silent|garbage]
 *                     [-d DELAY_MS] [-l SA_LIFETIME]
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define MAX_CLIENTS	16
#define MAX_PENDING	1024
#define MSG_MAX		16384

struct pending {
	int		 fd;
	json_int_t	 cookie;
	uint64_t	 due_ms;
};

struct responder {
	const char	*status;	/* NULL: never answer */
	unsigned int	 delay_ms;
	unsigned int	 lifetime;
	FILE		*log;
	int		 clients[MAX_CLIENTS];
	struct pending	 pend[MAX_PENDING];
	size_t		 n_pend;
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
send_text(int fd, const char *msg, size_t len)
{
	(void)send(fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Replies a module must reject without harm. */
static void
send_garbage(int fd, json_int_t cookie)
{
	static char big[20000];
	char msg[256];
	long long c = (long long)cookie;
	int n;

	send_text(fd, "{not json", 9);
	send_text(fd, "[]", 2);
	n = snprintf(msg, sizeof(msg),
	    "{\"v\":1,\"cookie\":\"%lld\",\"status\":\"up\"}", c);
	send_text(fd, msg, (size_t)n);
	n = snprintf(msg, sizeof(msg),
	    "{\"v\":2,\"cookie\":%lld,\"status\":\"up\",\"sa_lifetime\":9}", c);
	send_text(fd, msg, (size_t)n);
	n = snprintf(msg, sizeof(msg),
	    "{\"v\":1,\"cookie\":%lld,\"status\":\"up\"}", c);
	send_text(fd, msg, (size_t)n);
	n = snprintf(msg, sizeof(msg),
	    "{\"v\":1,\"cookie\":%lld,\"status\":\"clear\",\"x\":1}", c);
	send_text(fd, msg, (size_t)n);
	memset(big, ' ', sizeof(big));
	send_text(fd, big, sizeof(big));
	send_text(fd, "", 0);
}

static void
send_reply(const struct responder *r, int fd, json_int_t cookie)
{
	char *text;
	json_t *o;

	if (strcmp(r->status, "garbage") == 0) {
		send_garbage(fd, cookie);
		return;
	}
	if (strcmp(r->status, "up") == 0)
		o = json_pack("{s:i,s:I,s:s,s:i}", "v", 1, "cookie", cookie,
		    "status", r->status, "sa_lifetime", (int)r->lifetime);
	else if (strcmp(r->status, "error") == 0)
		o = json_pack("{s:i,s:I,s:s,s:s}", "v", 1, "cookie", cookie,
		    "status", r->status, "error", "test responder error");
	else
		o = json_pack("{s:i,s:I,s:s}", "v", 1, "cookie", cookie,
		    "status", r->status);
	if (o == NULL)
		return;
	text = json_dumps(o, JSON_COMPACT);
	if (text != NULL &&
	    send(fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		fprintf(stderr, "responder: send: %s\n", strerror(errno));
	free(text);
	json_decref(o);
}

static void
handle_message(struct responder *r, int fd, const char *buf, size_t len)
{
	json_t *root, *cookie;

	fprintf(r->log, "%.*s\n", (int)len, buf);
	fflush(r->log);
	root = json_loadb(buf, len, 0, NULL);
	cookie = root != NULL ? json_object_get(root, "cookie") : NULL;
	if (json_is_integer(cookie) && r->status != NULL) {
		if (r->delay_ms == 0)
			send_reply(r, fd, json_integer_value(cookie));
		else if (r->n_pend < MAX_PENDING) {
			r->pend[r->n_pend].fd = fd;
			r->pend[r->n_pend].cookie = json_integer_value(cookie);
			r->pend[r->n_pend].due_ms = now_ms() + r->delay_ms;
			r->n_pend++;
		}
	}
	json_decref(root);
}

static void
drop_client(struct responder *r, int slot)
{
	int fd = r->clients[slot];

	/* forget replies owed to this connection */
	for (size_t i = 0; i < r->n_pend;) {
		if (r->pend[i].fd == fd)
			r->pend[i] = r->pend[--r->n_pend];
		else
			i++;
	}
	close(fd);
	r->clients[slot] = -1;
}

static void
send_due(struct responder *r)
{
	uint64_t now = now_ms();

	for (size_t i = 0; i < r->n_pend;) {
		if (r->pend[i].due_ms <= now) {
			send_reply(r, r->pend[i].fd, r->pend[i].cookie);
			r->pend[i] = r->pend[--r->n_pend];
		} else
			i++;
	}
}

static int
next_timeout(const struct responder *r)
{
	uint64_t now = now_ms(), first = UINT64_MAX;

	for (size_t i = 0; i < r->n_pend; i++)
		if (r->pend[i].due_ms < first)
			first = r->pend[i].due_ms;
	if (first == UINT64_MAX)
		return 500;
	return first <= now ? 0 : (int)(first - now);
}

static int
listen_on(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "responder: socket path too long\n");
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, 16) < 0) {
		fprintf(stderr, "responder: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
usage(void)
{
	fprintf(stderr, "usage: oe-test-responder -s SOCKET -o LOG "
	    "[-m up|clear|failed|busy|error|silent|garbage] [-d DELAY_MS] "
	    "[-l SA_LIFETIME]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct responder r;
	const char *sock = NULL, *logpath = NULL, *mode = "up";
	char *buf;
	int lfd, c;

	memset(&r, 0, sizeof(r));
	r.lifetime = 3600;
	while ((c = getopt(argc, argv, "s:o:m:d:l:")) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'o': logpath = optarg; break;
		case 'm': mode = optarg; break;
		case 'd': r.delay_ms = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'l': r.lifetime = (unsigned int)strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (sock == NULL || logpath == NULL)
		usage();
	r.status = strcmp(mode, "silent") == 0 ? NULL : mode;
	r.log = fopen(logpath, "a");
	if (r.log == NULL) {
		perror(logpath);
		return 1;
	}
	buf = malloc(MSG_MAX + 1);
	lfd = listen_on(sock);
	if (lfd < 0 || buf == NULL)
		return 1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		r.clients[i] = -1;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stop) {
		struct pollfd pfd[MAX_CLIENTS + 1];
		int map[MAX_CLIENTS + 1], n = 1;

		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (int i = 0; i < MAX_CLIENTS; i++) {
			if (r.clients[i] < 0)
				continue;
			pfd[n].fd = r.clients[i];
			pfd[n].events = POLLIN;
			map[n++] = i;
		}
		if (poll(pfd, (nfds_t)n, next_timeout(&r)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents & POLLIN) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			int slot = -1;

			for (int i = 0; i < MAX_CLIENTS && cfd >= 0; i++)
				if (r.clients[i] < 0) {
					slot = i;
					break;
				}
			if (slot >= 0)
				r.clients[slot] = cfd;
			else if (cfd >= 0)
				close(cfd);
		}
		for (int i = 1; i < n; i++) {
			ssize_t got;

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = recv(pfd[i].fd, buf, MSG_MAX + 1, 0);
			if (got <= 0)
				drop_client(&r, map[i]);
			else if (got <= MSG_MAX)
				handle_message(&r, pfd[i].fd, buf, (size_t)got);
		}
		send_due(&r);
	}
	unlink(sock);
	free(buf);
	fclose(r.log);
	return 0;
}
