/*
 * oectl: the operator's client of oe-iked's control socket
 * (doc/control-protocol.md).  Sends one JSON request line, prints the
 * reply as aligned tables (or raw with --json); `watch` prints events
 * until interrupted.
 *
 * Exit status: 0 success, 1 the daemon answered with an error,
 * 2 usage, 3 the daemon is not running or not answering,
 * 4 permission denied.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#ifndef OE_RUNDIR
#define OE_RUNDIR "/run/oe"
#endif

#define EX_OK		0
#define EX_REPLY	1
#define EX_USAGE	2
#define EX_NOTRUNNING	3
#define EX_PERM		4

#define REPLY_MAX	(64u << 20)	/* bytes of one reply line */
#define TABLE_ROWS_MAX	100000
#define TABLE_COLS_MAX	24
#define CELL_MAX	80

struct opts {
	const char	*socket;
	bool		 json;
	int		 timeout_ms;	/* per reply; watch waits forever */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: oectl [--socket PATH] [--json] [--timeout SEC] COMMAND [ARGS]\n"
	    "commands:\n"
	    "  status                 version, uptime, counters\n"
	    "  sas                    IKE SAs with their Child SAs\n"
	    "  shunts                 negotiation and failure shunts\n"
	    "  policies               policy groups and what is installed\n"
	    "  triggers               DNS triggers pending and recent\n"
	    "  why ADDRESS            what happens to traffic to ADDRESS\n"
	    "  initiate ADDRESS [--no-wait]\n"
	    "                         negotiate with ADDRESS (waits for the outcome)\n"
	    "  delete ID              delete the IKE SA ID (see `sas`)\n"
	    "  reload                 reread the configuration\n"
	    "  flush-shunts           remove every shunt\n"
	    "  watch [TYPE...]        print events (sa-up sa-rekey sa-down\n"
	    "                         sa-failed trigger) until interrupted\n"
	    "  call COMMAND [JSON]    any other command, args as a JSON object\n"
	    "options:\n"
	    "  --socket PATH          control socket (default $OE_CTL_SOCKET or\n"
	    "                         %s/iked.ctl)\n"
	    "  --json                 print the raw JSON reply\n"
	    "  --timeout SEC          wait at most SEC for a reply (default 30)\n",
	    OE_RUNDIR);
}

/* ---- connection ---- */

static int
connect_socket(const char *path)
{
	struct sockaddr_un sun;
	int fd, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "oectl: socket path too long: %s\n", path);
		return -EX_USAGE;
	}
	memcpy(sun.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "oectl: socket: %s\n", strerror(errno));
		return -EX_NOTRUNNING;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	e = errno;
	close(fd);
	if (e == ENOENT || e == ECONNREFUSED) {
		fprintf(stderr, "oectl: oe-iked is not running (nothing listens "
		    "on %s)\n", path);
		return -EX_NOTRUNNING;
	}
	if (e == EACCES || e == EPERM) {
		fprintf(stderr, "oectl: permission denied on %s: run as root or "
		    "as a member of the group set by ctl-group\n", path);
		return -EX_PERM;
	}
	fprintf(stderr, "oectl: connect %s: %s\n", path, strerror(e));
	return -EX_NOTRUNNING;
}

static int
send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Line reader with a growing, bounded buffer. */
struct reader {
	int	 fd;
	char	*buf;
	size_t	 len, cap;
	size_t	 consumed;	/* the line handed out last */
};

/*
 * Next line (NUL-terminated, without '\n') into *line (owned by the
 * reader until the next call).  1 a line, 0 EOF, -1 error/timeout.
 */
static int
read_line(struct reader *r, char **line, int timeout_ms)
{
	char *nl;

	/* Drop the line handed out last time. */
	if (r->consumed > 0) {
		memmove(r->buf, r->buf + r->consumed, r->len - r->consumed);
		r->len -= r->consumed;
		r->consumed = 0;
	}
	for (;;) {
		struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
		ssize_t n;
		int pr;

		nl = r->len > 0 ? memchr(r->buf, '\n', r->len) : NULL;
		if (nl != NULL) {
			*nl = '\0';
			*line = r->buf;
			r->consumed = (size_t)(nl - r->buf) + 1;
			return 1;
		}
		if (r->len + 4096 > r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 65536;
			char *p;

			if (cap > REPLY_MAX + 4096) {
				fprintf(stderr, "oectl: reply longer than %u "
				    "bytes\n", REPLY_MAX);
				return -1;
			}
			p = realloc(r->buf, cap);
			if (p == NULL)
				return -1;
			r->buf = p;
			r->cap = cap;
		}
		pr = poll(&pfd, 1, timeout_ms);
		if (pr < 0 && errno == EINTR)
			return -1;
		if (pr == 0) {
			fprintf(stderr, "oectl: no reply from oe-iked within "
			    "%d s\n", timeout_ms / 1000);
			return -1;
		}
		n = recv(r->fd, r->buf + r->len, r->cap - r->len - 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				return -1;
			fprintf(stderr, "oectl: read: %s\n", strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		r->len += (size_t)n;
	}
}

/* ---- rendering ---- */

/* A scalar as text: strings bare, null as "-". */
static void
scalar_text(const json_t *v, char *buf, size_t len)
{
	char *s;

	if (v == NULL || json_is_null(v))
		snprintf(buf, len, "-");
	else if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_true(v))
		snprintf(buf, len, "yes");
	else if (json_is_false(v))
		snprintf(buf, len, "no");
	else if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%g", json_real_value(v));
	else {
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		snprintf(buf, len, "%s", s != NULL ? s : "?");
		free(s);
	}
	/* Terminal safety: no control characters from the daemon's text. */
	for (s = buf; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* Flatten nested objects to "a.b" keys (arrays stay compact JSON). */
static void
flatten(json_t *out, const char *prefix, json_t *obj)
{
	const char *k;
	json_t *v;
	char key[128];

	json_object_foreach(obj, k, v) {
		if (prefix[0] != '\0')
			snprintf(key, sizeof(key), "%s.%s", prefix, k);
		else
			snprintf(key, sizeof(key), "%s", k);
		if (json_is_object(v) && json_object_size(v) > 0)
			flatten(out, key, v);
		else
			(void)json_object_set(out, key, v);
	}
}

static void
print_kv(json_t *obj, const char *indent)
{
	json_t *flat = json_object();
	const char *k;
	json_t *v;
	size_t w = 0;
	char cell[512];

	flatten(flat, "", obj);
	json_object_foreach(flat, k, v)
		if (strlen(k) > w)
			w = strlen(k);
	json_object_foreach(flat, k, v) {
		scalar_text(v, cell, sizeof(cell));
		printf("%s%-*s  %s\n", indent, (int)w, k, cell);
	}
	json_decref(flat);
}

struct column {
	const char	*key;		/* flattened key */
	const char	*title;
};

/* Rows: array of objects; columns given, or every flattened key. */
static void
print_table(json_t *rows, const struct column *cols, size_t ncols)
{
	json_t *row, *keys = NULL;
	size_t i, j, n = json_array_size(rows);
	size_t width[TABLE_COLS_MAX];
	struct column auto_cols[TABLE_COLS_MAX];
	char cell[CELL_MAX + 1];
	json_t **flats;

	if (n > TABLE_ROWS_MAX)
		n = TABLE_ROWS_MAX;
	flats = calloc(n ? n : 1, sizeof(*flats));
	if (flats == NULL)
		return;
	for (i = 0; i < n; i++) {
		flats[i] = json_object();
		row = json_array_get(rows, i);
		if (json_is_object(row))
			flatten(flats[i], "", row);
	}
	if (cols == NULL) {
		/* Columns: keys of the first row, in order. */
		const char *k;
		json_t *v;

		keys = json_array();
		ncols = 0;
		if (n > 0)
			json_object_foreach(flats[0], k, v) {
				if (ncols >= TABLE_COLS_MAX)
					break;
				(void)json_array_append_new(keys, json_string(k));
				auto_cols[ncols].key = json_string_value(
				    json_array_get(keys, ncols));
				auto_cols[ncols].title = auto_cols[ncols].key;
				ncols++;
			}
		cols = auto_cols;
	}
	if (ncols > TABLE_COLS_MAX)
		ncols = TABLE_COLS_MAX;
	for (j = 0; j < ncols; j++)
		width[j] = strlen(cols[j].title);
	for (i = 0; i < n; i++) {
		for (j = 0; j < ncols; j++) {
			scalar_text(json_object_get(flats[i], cols[j].key), cell,
			    sizeof(cell));
			if (strlen(cell) > width[j])
				width[j] = strlen(cell);
		}
	}
	for (j = 0; j < ncols; j++) {
		char title[CELL_MAX + 1];
		size_t t;

		snprintf(title, sizeof(title), "%s", cols[j].title);
		for (t = 0; title[t] != '\0'; t++)
			if (title[t] >= 'a' && title[t] <= 'z')
				title[t] = (char)(title[t] - 'a' + 'A');
		printf("%-*s%s", j + 1 < ncols ? (int)width[j] : 0, title,
		    j + 1 < ncols ? "  " : "\n");
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < ncols; j++) {
			scalar_text(json_object_get(flats[i], cols[j].key), cell,
			    sizeof(cell));
			printf("%-*s%s", j + 1 < ncols ? (int)width[j] : 0, cell,
			    j + 1 < ncols ? "  " : "\n");
		}
		json_decref(flats[i]);
	}
	if (n == 0)
		printf("(none)\n");
	free(flats);
	json_decref(keys);
}

static void
print_sas(json_t *result)
{
	static const struct column ike_cols[] = {
		{ "id", "id" }, { "state", "state" }, { "peer.address", "peer" },
		{ "name", "name" }, { "conn", "conn" }, { "role", "role" },
		{ "auth.local", "auth-out" }, { "auth.peer", "auth-in" },
		{ "algorithms.encr", "encr" }, { "expires_in", "expires" },
	};
	static const struct column child_cols[] = {
		{ "ike", "ike" }, { "spi_in", "spi-in" }, { "spi_out", "spi-out" },
		{ "mode", "mode" }, { "ts_local.start", "local" },
		{ "ts_remote.start", "remote" }, { "bytes_in", "bytes-in" },
		{ "bytes_out", "bytes-out" }, { "packets_in", "pkts-in" },
		{ "packets_out", "pkts-out" }, { "rekey_in", "rekey" },
		{ "expires_in", "expires" },
	};
	json_t *sas = json_object_get(result, "sas"), *sa, *ch, *c, *children;
	size_t i, j;

	print_table(sas, ike_cols, sizeof(ike_cols) / sizeof(ike_cols[0]));
	children = json_array();
	json_array_foreach(sas, i, sa) {
		ch = json_object_get(sa, "children");
		json_array_foreach(ch, j, c) {
			json_t *row = json_deep_copy(c);

			(void)json_object_set(row, "ike", json_object_get(sa,
			    "id"));
			(void)json_array_append_new(children, row);
		}
	}
	if (json_array_size(children) > 0) {
		printf("\nChild SAs:\n");
		print_table(children, child_cols,
		    sizeof(child_cols) / sizeof(child_cols[0]));
	}
	json_decref(children);
}

/* Generic: scalars and objects as key/value, arrays of objects as tables. */
static void
print_generic(json_t *result)
{
	const char *k;
	json_t *v, *scalars = json_object();
	bool first = true;

	json_object_foreach(result, k, v)
		if (!json_is_array(v))
			(void)json_object_set(scalars, k, v);
	if (json_object_size(scalars) > 0) {
		print_kv(scalars, "");
		first = false;
	}
	json_decref(scalars);
	json_object_foreach(result, k, v) {
		if (!json_is_array(v))
			continue;
		printf("%s%s:\n", first ? "" : "\n", k);
		first = false;
		if (json_array_size(v) > 0 && !json_is_object(json_array_get(v,
		    0))) {
			size_t i;
			json_t *e;
			char cell[256];

			json_array_foreach(v, i, e) {
				scalar_text(e, cell, sizeof(cell));
				printf("  %s\n", cell);
			}
		} else
			print_table(v, NULL, 0);
	}
}

static void
print_event(json_t *ev)
{
	char when[32], type[64], line[512];
	time_t t = (time_t)json_integer_value(json_object_get(ev, "time"));
	struct tm tm;
	json_t *data = json_object_get(ev, "data"), *flat;
	const char *keys[] = { "id", "peer.address", "name", "conn", "state",
	    "reason", "status", "outcome" };
	size_t i;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%H:%M:%S", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	scalar_text(json_object_get(ev, "event"), type, sizeof(type));
	printf("%s %-9s", when, type);
	flat = json_object();
	if (json_is_object(data))
		flatten(flat, "", data);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(flat, keys[i]);

		if (v == NULL || json_is_null(v))
			continue;
		scalar_text(v, line, sizeof(line));
		printf(" %s=%s", keys[i], line);
	}
	if (json_object_get(ev, "lost") != NULL)
		printf(" (%" JSON_INTEGER_FORMAT " events lost before)",
		    json_integer_value(json_object_get(ev, "lost")));
	printf("\n");
	json_decref(flat);
	fflush(stdout);
}

static void
print_result(const char *command, json_t *result)
{
	if (strcmp(command, "sas") == 0)
		print_sas(result);
	else if (strcmp(command, "status") == 0) {
		json_t *sum = json_object_get(result, "summary");

		if (json_is_string(sum))
			printf("%s\n\n", json_string_value(sum));
		print_generic(result);
	} else
		print_generic(result);
}

/* ---- requests ---- */

static json_t *
build_request(int argc, char **argv, const char **command, int *err)
{
	const char *cmd = argv[0];
	json_t *args = json_object(), *req;
	json_error_t jerr;
	int i;

	*err = EX_USAGE;
	*command = cmd;
	if (strcmp(cmd, "why") == 0 || strcmp(cmd, "initiate") == 0) {
		if (argc < 2 || argc > 3 || (argc == 3 &&
		    (strcmp(cmd, "initiate") != 0 ||
		    strcmp(argv[2], "--no-wait") != 0))) {
			fprintf(stderr, "oectl: usage: oectl %s ADDRESS%s\n", cmd,
			    strcmp(cmd, "initiate") == 0 ? " [--no-wait]" : "");
			goto fail;
		}
		(void)json_object_set_new(args, "address", json_string(argv[1]));
		if (argc == 3)
			(void)json_object_set_new(args, "wait", json_false());
	} else if (strcmp(cmd, "delete") == 0) {
		char *end;
		unsigned long long id;

		errno = 0;
		id = argc == 2 ? strtoull(argv[1], &end, 10) : 0;
		if (argc != 2 || errno != 0 || *end != '\0' || id == 0 ||
		    id > (unsigned long long)INT64_MAX) {
			fprintf(stderr, "oectl: usage: oectl delete ID (the ID "
			    "column of `oectl sas`)\n");
			goto fail;
		}
		(void)json_object_set_new(args, "id", json_integer(
		    (json_int_t)id));
	} else if (strcmp(cmd, "watch") == 0) {
		json_t *types = json_array();

		for (i = 1; i < argc; i++)
			(void)json_array_append_new(types, json_string(argv[i]));
		if (argc > 1)
			(void)json_object_set_new(args, "events", types);
		else
			json_decref(types);
	} else if (strcmp(cmd, "call") == 0) {
		if (argc < 2 || argc > 3) {
			fprintf(stderr, "oectl: usage: oectl call COMMAND "
			    "['{\"key\":\"value\"}']\n");
			goto fail;
		}
		*command = argv[1];
		if (argc == 3) {
			json_decref(args);
			args = json_loads(argv[2], 0, &jerr);
			if (!json_is_object(args)) {
				fprintf(stderr, "oectl: arguments must be a JSON "
				    "object: %s\n", args == NULL ? jerr.text :
				    "not an object");
				goto fail;
			}
		}
	} else {
		static const char *const plain[] = { "status", "sas", "shunts",
		    "policies", "triggers", "reload", "flush-shunts" };
		size_t k;

		for (k = 0; k < sizeof(plain) / sizeof(plain[0]); k++)
			if (strcmp(cmd, plain[k]) == 0)
				break;
		if (k == sizeof(plain) / sizeof(plain[0])) {
			fprintf(stderr, "oectl: unknown command %s (see oectl "
			    "--help)\n", cmd);
			goto fail;
		}
		if (argc != 1) {
			fprintf(stderr, "oectl: %s takes no arguments\n", cmd);
			goto fail;
		}
	}
	req = json_pack("{s:i, s:s, s:o}", "v", 1, "command", *command,
	    "args", args);
	return req;
fail:
	json_decref(args);
	return NULL;
}

static int
handle_error(json_t *reply)
{
	json_t *err = json_object_get(reply, "error");
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *msg = json_string_value(json_object_get(err, "message"));
	char safe[512];
	json_t *tmp = json_string(msg != NULL ? msg : "(no message)");

	scalar_text(tmp, safe, sizeof(safe));
	json_decref(tmp);
	fprintf(stderr, "oectl: %s%s%s%s\n", safe, code != NULL ? " [" : "",
	    code != NULL ? code : "", code != NULL ? "]" : "");
	if (code != NULL && strcmp(code, "permission-denied") == 0)
		return EX_PERM;
	return EX_REPLY;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o;
	struct reader rd;
	const char *command;
	json_t *req = NULL, *reply = NULL;
	json_error_t jerr;
	char *s = NULL, *line;
	bool watch;
	int ch, fd = -1, rc = EX_NOTRUNNING, err, r;
	long t;
	char *end;

	memset(&o, 0, sizeof(o));
	memset(&rd, 0, sizeof(rd));
	o.socket = getenv("OE_CTL_SOCKET");
	if (o.socket == NULL || o.socket[0] == '\0')
		o.socket = OE_RUNDIR "/iked.ctl";
	o.timeout_ms = 30000;
	/* "+": stop at the command, so "initiate ADDR --no-wait" works. */
	while ((ch = getopt_long(argc, argv, "+s:jt:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o.socket = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 't':
			errno = 0;
			t = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || t < 1 || t > 3600) {
				fprintf(stderr, "oectl: --timeout: 1..3600 "
				    "seconds\n");
				return EX_USAGE;
			}
			o.timeout_ms = (int)t * 1000;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	req = build_request(argc - optind, argv + optind, &command, &err);
	if (req == NULL)
		return err;
	watch = strcmp(command, "watch") == 0;
	signal(SIGPIPE, SIG_IGN);
	fd = connect_socket(o.socket);
	if (fd < 0) {
		rc = -fd;
		goto out;
	}
	rd.fd = fd;
	s = json_dumps(req, JSON_COMPACT);
	if (s == NULL || send_all(fd, s, strlen(s)) < 0 ||
	    send_all(fd, "\n", 1) < 0) {
		/*
		 * The daemon closes at once on clients it refuses (busy,
		 * permission): its one error line may be waiting for us.
		 */
		int e = errno;

		if (s == NULL || read_line(&rd, &line, 1000) <= 0) {
			fprintf(stderr, "oectl: cannot send the request: %s\n",
			    strerror(e));
			goto out;
		}
		r = 1;
	} else
		r = read_line(&rd, &line, o.timeout_ms);
	if (r <= 0) {
		if (r == 0)
			fprintf(stderr, "oectl: oe-iked closed the connection "
			    "without answering\n");
		goto out;
	}
	reply = json_loads(line, 0, &jerr);
	if (!json_is_object(reply)) {
		fprintf(stderr, "oectl: the reply is not JSON: %s\n", jerr.text);
		goto out;
	}
	if (o.json) {
		printf("%s\n", line);
		fflush(stdout);
	}
	if (!json_is_true(json_object_get(reply, "ok"))) {
		rc = handle_error(reply);
		goto out;
	}
	if (!o.json && !watch)
		print_result(command, json_object_get(reply, "result"));
	rc = EX_OK;
	if (!watch)
		goto out;
	/* Events until the daemon goes away or we are interrupted. */
	for (;;) {
		json_t *ev;

		r = read_line(&rd, &line, -1);
		if (r <= 0) {
			if (r == 0)
				fprintf(stderr, "oectl: oe-iked closed the "
				    "connection\n");
			rc = r == 0 ? EX_NOTRUNNING : rc;
			break;
		}
		if (o.json) {
			printf("%s\n", line);
			fflush(stdout);
			continue;
		}
		ev = json_loads(line, 0, &jerr);
		if (json_is_object(ev))
			print_event(ev);
		json_decref(ev);
	}
out:
	free(s);
	free(rd.buf);
	json_decref(req);
	json_decref(reply);
	if (fd >= 0)
		close(fd);
	return rc;
}
