/*
 * ike_driver: drive N IKE_SA_INIT+IKE_AUTH handshakes through an
 * oe-iked control socket, keeping at most P requests in flight.
 *
 * Each of P connections sends {"command":"initiate","args":{"address":A}}
 * (wait: true, so the reply is the outcome) and, when the answer comes,
 * sends the next one until N were issued.  The control socket answers a
 * client's requests in order, one at a time, so P connections are P
 * handshakes in flight.
 *
 * Output (one line, key=value, for test/bench/ike-handshakes):
 *   ok=N failed=N elapsed_ms=F rate=F lat_p50_ms=F lat_p99_ms=F
 *   first_error="..."
 * Exits 1 if the run could not be made (no socket, bad arguments) or
 * the time limit ran out; failed handshakes are counted, not fatal.
 */
#include <errno.h>
#include <poll.h>
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

#define MAX_PARALLEL	48	/* the daemon takes at most 64 clients */
#define MAX_COUNT	200000
#define LINE_MAX_BYTES	65536

struct conn {
	int	 fd;
	bool	 busy;		/* a request is out */
	double	 sent_at;	/* seconds, CLOCK_MONOTONIC */
	size_t	 len;		/* bytes in buf */
	char	 buf[LINE_MAX_BYTES];
};

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
connect_ctl(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "ike_driver: socket path too long\n");
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "ike_driver: connect %s: %s\n", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, s, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* Parse one reply line: true if the SA came up; else the reason in err. */
static bool
reply_ok(const char *line, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *o = json_loads(line, 0, &jerr), *res, *e;
	const char *status = NULL, *msg = NULL;
	bool ok = false;

	if (o == NULL) {
		snprintf(err, errlen, "reply is not JSON");
		return false;
	}
	if (json_is_true(json_object_get(o, "ok"))) {
		res = json_object_get(o, "result");
		status = json_string_value(json_object_get(res, "status"));
		ok = status != NULL && strcmp(status, "up") == 0;
		if (!ok)
			snprintf(err, errlen, "status %s",
			    status != NULL ? status : "(none)");
	} else {
		e = json_object_get(o, "error");
		msg = json_string_value(json_object_get(e, "message"));
		snprintf(err, errlen, "%s", msg != NULL ? msg : "error");
	}
	json_decref(o);
	return ok;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ike_driver SOCKET ADDRESS COUNT PARALLEL "
	    "TIMEOUT_SECONDS\n");
}

int
main(int argc, char **argv)
{
	const char *sock, *addr;
	long count, parallel, limit;
	struct conn *cs = NULL;
	struct pollfd *pfd = NULL;
	double *lat = NULL, start, deadline, elapsed;
	long issued = 0, done = 0, ok = 0, failed = 0, i;
	char req[256], first_err[256] = "", err[256], *nl;
	int reqlen, rc = 1;
	ssize_t n;

	if (argc != 6) {
		usage();
		return 1;
	}
	sock = argv[1];
	addr = argv[2];
	count = strtol(argv[3], NULL, 10);
	parallel = strtol(argv[4], NULL, 10);
	limit = strtol(argv[5], NULL, 10);
	if (count < 1 || count > MAX_COUNT || parallel < 1 ||
	    parallel > MAX_PARALLEL || limit < 1 || limit > 3600 ||
	    strlen(addr) > 64) {
		usage();
		return 1;
	}
	if (parallel > count)
		parallel = count;
	reqlen = snprintf(req, sizeof(req), "{\"v\":1,\"command\":\"initiate\","
	    "\"args\":{\"address\":\"%s\"}}\n", addr);
	cs = calloc((size_t)parallel, sizeof(*cs));
	pfd = calloc((size_t)parallel, sizeof(*pfd));
	lat = calloc((size_t)count, sizeof(*lat));
	if (cs == NULL || pfd == NULL || lat == NULL)
		goto out;
	for (i = 0; i < parallel; i++)
		cs[i].fd = -1;
	for (i = 0; i < parallel; i++)
		if ((cs[i].fd = connect_ctl(sock)) < 0)
			goto out;
	start = now_sec();
	deadline = start + (double)limit;
	while (done < count) {
		double t = now_sec();
		int r, timeout_ms;

		if (t >= deadline) {
			fprintf(stderr, "ike_driver: time limit: %ld of %ld "
			    "answered\n", done, count);
			goto report;
		}
		for (i = 0; i < parallel; i++) {
			if (!cs[i].busy && issued < count) {
				if (send_all(cs[i].fd, req, (size_t)reqlen) < 0) {
					fprintf(stderr, "ike_driver: write: %s\n",
					    strerror(errno));
					goto out;
				}
				cs[i].busy = true;
				cs[i].sent_at = now_sec();
				issued++;
			}
			pfd[i].fd = cs[i].busy ? cs[i].fd : -1;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		timeout_ms = (int)((deadline - t) * 1000) + 1;
		r = poll(pfd, (nfds_t)parallel, timeout_ms);
		if (r < 0 && errno != EINTR)
			goto out;
		for (i = 0; i < parallel && r > 0; i++) {
			struct conn *c = &cs[i];

			if (pfd[i].revents == 0)
				continue;
			n = read(c->fd, c->buf + c->len,
			    sizeof(c->buf) - 1 - c->len);
			if (n <= 0) {
				fprintf(stderr, "ike_driver: control socket "
				    "closed the connection\n");
				goto out;
			}
			c->len += (size_t)n;
			c->buf[c->len] = '\0';
			nl = strchr(c->buf, '\n');
			if (nl == NULL) {
				if (c->len >= sizeof(c->buf) - 1) {
					fprintf(stderr, "ike_driver: reply "
					    "line too long\n");
					goto out;
				}
				continue;
			}
			*nl = '\0';
			if (reply_ok(c->buf, err, sizeof(err))) {
				ok++;
			} else {
				failed++;
				if (first_err[0] == '\0')
					snprintf(first_err, sizeof(first_err),
					    "%s", err);
			}
			lat[done++] = now_sec() - c->sent_at;
			/* One request in flight: nothing follows the line. */
			c->len = 0;
			c->busy = false;
		}
	}
	rc = 0;
report:
	elapsed = now_sec() - start;
	qsort(lat, (size_t)done, sizeof(*lat), cmp_double);
	printf("ok=%ld failed=%ld elapsed_ms=%.1f rate=%.1f lat_p50_ms=%.2f "
	    "lat_p99_ms=%.2f first_error=\"%s\"\n", ok, failed, elapsed * 1e3,
	    elapsed > 0 ? (double)ok / elapsed : 0.0,
	    done > 0 ? lat[done / 2] * 1e3 : 0.0,
	    done > 0 ? lat[(size_t)((double)done * 0.99)] * 1e3 : 0.0,
	    first_err);
out:
	if (cs != NULL)
		for (i = 0; i < parallel; i++)
			if (cs[i].fd >= 0)
				close(cs[i].fd);
	free(cs);
	free(pfd);
	free(lat);
	return rc;
}
