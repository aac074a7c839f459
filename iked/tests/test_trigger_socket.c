/*
 * The trigger socket server against real SOCK_SEQPACKET clients: the
 * socket file's mode and owner, SO_PEERCRED refusals, malformed,
 * cookie-less and oversized messages, pipelined requests, the reply
 * queue of a client that never reads, the connection limit, stale and
 * live socket files, and initiations joined, failed and abandoned.
 * The daemon runs with the `none` kernel and a wire that drops
 * everything, so initiations stay pending until a test ends them.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "oe_log.h"
#include "conf.h"
#include "iked.h"
#include "ikev2_sa.h"
#include "crypto.h"
#include "trigger.h"

static struct crypto_nss *nss;

struct fx {
	char		 dir[64];
	char		 sock[96];
	sd_event	*ev;
	struct iked	*d;
	struct trigger_server *srv;
};

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
no_send(void *arg, const struct ikev2_path *path, const uint8_t *buf,
    size_t len)
{
	(void)arg;
	(void)path;
	(void)buf;
	(void)len;
	return 0;
}

/* A daemon whose policy: 198.51.100.0/24 private (keys required),
 * 203.0.113.0/24 private-or-clear (anonymous), the rest clear. */
static struct fx *
fx_new_cfg(const struct trigger_cfg *cfg_in)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct iked_opts o;
	struct trigger_cfg cfg;
	char conf[2048], path[128];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/oe-test-trigsock.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/trigger.sock", f->dir);
	snprintf(conf, sizeof(conf), "config setup\n    policies-dir=%s\n"
	    "conn private\n    left=%%defaultroute\n    leftid=%%null\n"
	    "    leftauth=null\n    right=%%opportunisticgroup\n"
	    "    rightid=%%any\n    rightauth=rsasig\n"
	    "    rightrsasigkey=%%dnsondemand\n    auto=ondemand\n"
	    "conn private-or-clear\n    left=%%defaultroute\n"
	    "    leftid=%%null\n    rightid=%%null\n"
	    "    right=%%opportunisticgroup\n    authby=null\n"
	    "    auto=ondemand\n", f->dir);
	write_file(f->dir, "iked.conf", conf);
	write_file(f->dir, "private", "198.51.100.0/24\n");
	write_file(f->dir, "private-or-clear", "203.0.113.0/24\n");
	snprintf(path, sizeof(path), "%s/iked.conf", f->dir);
	assert_int_equal(sd_event_new(&f->ev), 0);
	memset(&o, 0, sizeof(o));
	o.config = path;
	o.kernel = "none";
	o.log_level = LOG_CRIT;
	o.no_nss = true;
	f->d = iked_new(f->ev, &o);
	assert_non_null(f->d);
	f->d->send = no_send;
	assert_int_equal(iked_setup(f->d), 0);
	cfg = *cfg_in;
	cfg.path = f->sock;
	f->srv = trigger_server_new(f->d, &cfg);
	assert_non_null(f->srv);
	return f;
}

static struct fx *
fx_new(void)
{
	struct trigger_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.allow_root = true;
	cfg.have_uid = true;
	cfg.uid = getuid();
	cfg.gid = (gid_t)-1;
	return fx_new_cfg(&cfg);
}

static void
fx_free(struct fx *f)
{
	char path[256];

	trigger_server_free(f->srv);
	iked_free(f->d);
	sd_event_unref(f->ev);
	snprintf(path, sizeof(path), "%s/iked.conf", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/private", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/private-or-clear", f->dir);
	unlink(path);
	unlink(f->sock);
	rmdir(f->dir);
	free(f);
}

static int
client_connect(const struct fx *f)
{
	struct sockaddr_un sun;
	int fd;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* Run the daemon's loop for about `ms` milliseconds. */
static void
pump(struct fx *f, int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		(void)sd_event_run(f->ev, 5000);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 +
	    (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

/*
 * Pump until the client has a message or EOF.  Returns the length (0 on
 * EOF, -1 on a connection error, -2 when nothing came within `ms`).
 */
static ssize_t
client_recv(struct fx *f, int fd, char *buf, size_t cap, int ms)
{
	int waited;
	ssize_t n;

	for (waited = 0; waited <= ms; waited += 5) {
		n = recv(fd, buf, cap, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		pump(f, 5);
	}
	return -2;
}

static struct oe_trigger_reply
recv_reply(struct fx *f, int fd)
{
	struct oe_trigger_reply rep;
	char buf[OE_TRIGGER_MSG_MAX + 1], err[256];
	ssize_t n;

	n = client_recv(f, fd, buf, sizeof(buf), 2000);
	assert_true(n > 0);
	memset(&rep, 0, sizeof(rep));
	if (oe_trigger_reply_decode(&rep, buf, (size_t)n, err, sizeof(err)) < 0)
		fail_msg("reply does not decode: %s: %.*s", err, (int)n, buf);
	return rep;
}

/* A structurally valid RSA key (RFC 3110, 1024-bit modulus). */
static void
rsa_record(struct oe_ipseckey *r, uint8_t tag)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->precedence = 10;
	r->algorithm = OE_IPSECKEY_ALG_RSA;
	r->alg_known = true;
	r->key[0] = 3;
	r->key[1] = 1;
	r->key[2] = 0;
	r->key[3] = 1;
	for (i = 0; i < 128; i++)
		r->key[4 + i] = (uint8_t)(0x33 ^ (i * 13) ^ tag);
	r->key[4] = 0xd1;
	r->key[131] |= 1;
	r->key_len = 132;
}

static void
send_request(int fd, uint64_t cookie, const char *name, const char *addr,
    bool keyed)
{
	struct oe_trigger_request req;
	char buf[OE_TRIGGER_MSG_MAX + 1], err[256];
	ssize_t n;
	time_t now = time(NULL);

	memset(&req, 0, sizeof(req));
	req.cookie = cookie;
	snprintf(req.name, sizeof(req.name), "%s", name);
	req.qtype = strchr(addr, ':') ? OE_QTYPE_AAAA : OE_QTYPE_A;
	assert_int_equal(oe_addr_parse(&req.addrs[0], addr, AF_UNSPEC, NULL,
	    0), 0);
	req.naddrs = 1;
	req.addr_ttl = 300;
	if (keyed) {
		req.ipseckey.present = true;
		req.ipseckey.secure = true;
		req.ipseckey.ttl = 300;
		req.ipseckey.rrsig_inception = now - 3600;
		req.ipseckey.rrsig_expiration = now + 86400;
		req.ipseckey.nrecords = 1;
		rsa_record(&req.ipseckey.records[0], 1);
	}
	n = oe_trigger_request_encode(&req, buf, sizeof(buf), err, sizeof(err));
	if (n < 0)
		fail_msg("encode: %s", err);
	assert_int_equal(send(fd, buf, (size_t)n, 0), n);
}

static void
send_raw(int fd, const char *msg)
{
	assert_int_equal(send(fd, msg, strlen(msg), 0), (ssize_t)strlen(msg));
}

static struct trigger_stats
stats(const struct fx *f)
{
	struct trigger_stats st;

	trigger_server_stats(f->srv, &st);
	return st;
}

/* ---- the socket file -------------------------------------------------- */

static void
socket_file_is_0600_when_only_root_may_connect(void **state)
{
	struct trigger_cfg cfg;
	struct stat st;
	struct fx *f;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.allow_root = true;
	cfg.gid = (gid_t)-1;
	f = fx_new_cfg(&cfg);
	assert_int_equal(lstat(f->sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	fx_free(f);
}

static void
socket_file_is_0660_in_the_resolver_group(void **state)
{
	struct trigger_cfg cfg;
	struct stat st;
	struct fx *f;

	(void)state;
	if (geteuid() != 0)
		skip();
	memset(&cfg, 0, sizeof(cfg));
	cfg.allow_root = true;
	cfg.have_uid = true;
	cfg.uid = 4242;
	cfg.gid = 4243;
	f = fx_new_cfg(&cfg);
	assert_int_equal(lstat(f->sock, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_gid, 4243);
	fx_free(f);
}

static void
trigger_user_names_and_numbers_resolve_and_unknown_names_fail(void **state)
{
	struct trigger_cfg cfg;
	char err[160];

	(void)state;
	assert_int_equal(trigger_cfg_for_user(&cfg, "/x", "root", err,
	    sizeof(err)), 0);
	assert_true(cfg.have_uid);
	assert_int_equal(cfg.uid, 0);
	assert_int_equal(trigger_cfg_for_user(&cfg, "/x", "4242", err,
	    sizeof(err)), 0);
	assert_true(cfg.have_uid);
	assert_int_equal(cfg.uid, 4242);
	assert_true(cfg.allow_root);
	assert_int_equal(trigger_cfg_for_user(&cfg, "/x",
	    "no-such-user-oe-test", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no-such-user-oe-test"));
	assert_int_equal(trigger_cfg_for_user(&cfg, "/x", "12ab", err,
	    sizeof(err)), -1);
}

static void
live_socket_is_not_replaced_stale_one_is(void **state)
{
	struct fx *f = fx_new();
	struct trigger_cfg cfg;
	struct trigger_server *s2;
	struct sockaddr_un sun;
	int fd;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.allow_root = true;
	cfg.gid = (gid_t)-1;
	cfg.path = f->sock;
	/* a second daemon must not steal a live socket */
	assert_null(trigger_server_new(f->d, &cfg));
	trigger_server_free(f->srv);
	f->srv = NULL;
	/* freeing removed the file */
	assert_int_equal(access(f->sock, F_OK), -1);
	/* a stale socket file (its owner died) is replaced */
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	s2 = trigger_server_new(f->d, &cfg);
	assert_non_null(s2);
	f->srv = s2;
	/* and a regular file is never deleted */
	trigger_server_free(f->srv);
	write_file(f->dir, "trigger.sock", "not a socket\n");
	f->srv = trigger_server_new(f->d, &cfg);
	assert_null(f->srv);
	assert_int_equal(access(f->sock, F_OK), 0);
	f->srv = trigger_server_new(f->d, &(struct trigger_cfg){ .path =
	    "/nonexistent-dir-oe/x.sock", .allow_root = true, .gid = (gid_t)-1 });
	assert_null(f->srv);
	unlink(f->sock);
	f->srv = trigger_server_new(f->d, &cfg);
	assert_non_null(f->srv);
	fx_free(f);
}

/* ---- credentials ------------------------------------------------------ */

static void
peer_uid_not_allowed_is_disconnected_unanswered(void **state)
{
	struct trigger_cfg cfg;
	struct fx *f;
	char buf[256];
	int fd;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.allow_root = false;
	cfg.have_uid = true;
	cfg.uid = getuid() + 1;
	cfg.gid = (gid_t)-1;
	f = fx_new_cfg(&cfg);
	fd = client_connect(f);
	send_request(fd, 9, "east.oe.test.", "100.64.0.1", false);
	/* EOF (or a reset), never a reply */
	assert_true(client_recv(f, fd, buf, sizeof(buf), 2000) <= 0);
	assert_int_equal(stats(f).refused, 1);
	assert_int_equal(stats(f).requests, 0);
	close(fd);
	fx_free(f);
}

static void
other_user_refused_by_peercred_even_with_socket_permission(void **state)
{
	struct trigger_cfg cfg;
	struct fx *f;
	pid_t pid;
	int status = -1, i;

	(void)state;
	if (geteuid() != 0)
		skip();
	/* the file lets group 65534 in; SO_PEERCRED must still say no */
	memset(&cfg, 0, sizeof(cfg));
	cfg.allow_root = true;
	cfg.have_uid = true;
	cfg.uid = 4242;
	cfg.gid = 65534;
	f = fx_new_cfg(&cfg);
	assert_int_equal(chmod(f->dir, 0755), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* no cmocka asserts in the child: plain exit codes */
		static const char msg[] = "{\"v\":1,\"type\":\"trigger\","
		    "\"cookie\":11,\"name\":\"east.oe.test.\",\"qtype\":\"A\","
		    "\"addrs\":[\"100.64.0.1\"],\"addr_ttl\":300,"
		    "\"ipseckey\":null}";
		struct sockaddr_un sun;
		struct pollfd pfd;
		char buf[256];
		int fd, n;

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(3);
		fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path, f->sock, strlen(f->sock) + 1);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sun,
		    sizeof(sun)) < 0)
			_exit(5);	/* the file mode should have let us in */
		/* the daemon may close us before or after this send */
		(void)send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL);
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 3000) <= 0)
			_exit(4);
		n = (int)recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		_exit(n > 0 ? 1 : 0);	/* 0: EOF/reset, 1: answered */
	}
	for (i = 0; i < 1000; i++) {
		pump(f, 5);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(stats(f).refused, 1);
	assert_int_equal(stats(f).requests, 0);
	fx_free(f);
}

/* ---- requests and replies --------------------------------------------- */

static void
address_without_policy_is_answered_clear(void **state)
{
	struct fx *f = fx_new();
	struct oe_trigger_reply rep;
	int fd;

	(void)state;
	fd = client_connect(f);
	send_request(fd, 42, "east.oe.test.", "100.64.0.1", true);
	rep = recv_reply(f, fd);
	assert_int_equal(rep.cookie, 42);
	assert_int_equal(rep.status, OE_TRIGGER_CLEAR);
	close(fd);
	fx_free(f);
}

static void
private_address_without_key_is_answered_failed(void **state)
{
	struct fx *f = fx_new();
	struct oe_trigger_reply rep;
	int fd;

	(void)state;
	fd = client_connect(f);
	send_request(fd, 43, "east.plain.test.", "198.51.100.2", false);
	rep = recv_reply(f, fd);
	assert_int_equal(rep.cookie, 43);
	assert_int_equal(rep.status, OE_TRIGGER_FAILED);
	/* nothing was started */
	assert_int_equal(stats(f).initiated, 0);
	assert_int_equal(ikev2_sa_count(f->d->sas), 0);
	close(fd);
	fx_free(f);
}

static void
malformed_request_with_readable_cookie_is_answered_error(void **state)
{
	struct fx *f = fx_new();
	struct oe_trigger_reply rep;
	int fd;

	(void)state;
	fd = client_connect(f);
	send_raw(fd, "{\"v\":1,\"type\":\"trigger\",\"cookie\":77,"
	    "\"name\":\"east.oe.test.\",\"qtype\":\"MX\",\"addrs\":"
	    "[\"198.51.100.2\"],\"addr_ttl\":300,\"ipseckey\":null}");
	rep = recv_reply(f, fd);
	assert_int_equal(rep.cookie, 77);
	assert_int_equal(rep.status, OE_TRIGGER_ERROR);
	assert_non_null(strstr(rep.error, "qtype"));
	/* an address of the wrong family for the qtype */
	send_raw(fd, "{\"v\":1,\"type\":\"trigger\",\"cookie\":78,"
	    "\"name\":\"east.oe.test.\",\"qtype\":\"A\",\"addrs\":"
	    "[\"2001:db8::1\"],\"addr_ttl\":300,\"ipseckey\":null}");
	rep = recv_reply(f, fd);
	assert_int_equal(rep.cookie, 78);
	assert_int_equal(rep.status, OE_TRIGGER_ERROR);
	assert_int_equal(stats(f).malformed, 2);
	assert_int_equal(stats(f).initiated, 0);
	close(fd);
	fx_free(f);
}

static void
garbage_without_cookie_is_not_answered_and_the_connection_survives(void **state)
{
	static const char *const junk[] = { "", "x", "{", "[1,2]", "null",
	    "{\"v\":2}", "{\"cookie\":-1}", "\xff\xfe{}",
	    "{\"v\":1,\"cookie\":1.5}" };
	struct fx *f = fx_new();
	struct oe_trigger_reply rep;
	size_t i;
	int fd;

	(void)state;
	fd = client_connect(f);
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		if (junk[i][0] != '\0')
			send_raw(fd, junk[i]);
	send_request(fd, 5, "east.oe.test.", "100.64.0.1", false);
	/* the first reply is the valid request's */
	rep = recv_reply(f, fd);
	assert_int_equal(rep.cookie, 5);
	assert_int_equal(rep.status, OE_TRIGGER_CLEAR);
	assert_int_equal(stats(f).malformed, sizeof(junk) / sizeof(junk[0]) - 1);
	close(fd);
	fx_free(f);
}

static void
oversized_message_is_refused_before_parsing(void **state)
{
	struct fx *f = fx_new();
	struct oe_trigger_reply rep;
	char *big;
	int fd, sz = 64 * 1024;

	(void)state;
	fd = client_connect(f);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)), 0);
	big = malloc(OE_TRIGGER_MSG_MAX + 100);
	assert_non_null(big);
	/* a valid-looking start with its cookie: still no answer */
	memset(big, ' ', OE_TRIGGER_MSG_MAX + 100);
	memcpy(big, "{\"v\":1,\"cookie\":99,", 19);
	assert_int_equal(send(fd, big, OE_TRIGGER_MSG_MAX + 1, 0),
	    OE_TRIGGER_MSG_MAX + 1);
	send_request(fd, 6, "east.oe.test.", "100.64.0.1", false);
	rep = recv_reply(f, fd);
	assert_int_equal(rep.cookie, 6);
	assert_int_equal(stats(f).oversize, 1);
	assert_int_equal(stats(f).malformed, 0);
	free(big);
	close(fd);
	fx_free(f);
}

static void
pipelined_requests_get_one_reply_each_by_cookie(void **state)
{
	struct fx *f = fx_new();
	struct oe_trigger_reply rep;
	bool seen[40];
	int fd, i;

	(void)state;
	memset(seen, 0, sizeof(seen));
	fd = client_connect(f);
	for (i = 0; i < 40; i++)
		send_request(fd, 1000 + (uint64_t)i, "east.oe.test.",
		    i % 2 ? "100.64.0.1" : "198.51.100.2", false);
	for (i = 0; i < 40; i++) {
		rep = recv_reply(f, fd);
		assert_true(rep.cookie >= 1000 && rep.cookie < 1040);
		assert_false(seen[rep.cookie - 1000]);
		seen[rep.cookie - 1000] = true;
		assert_int_equal(rep.status, rep.cookie % 2 ? OE_TRIGGER_CLEAR :
		    OE_TRIGGER_FAILED);
	}
	assert_int_equal(stats(f).requests, 40);
	close(fd);
	fx_free(f);
}

static void
client_that_never_reads_is_dropped_and_others_still_served(void **state)
{
	struct fx *f = fx_new();
	struct oe_trigger_reply rep;
	const char *msg = "{\"v\":1,\"cookie\":7}";	/* an error reply each */
	int fd, fd2, i;
	ssize_t n;

	(void)state;
	fd = client_connect(f);
	for (i = 0; i < 100000 && stats(f).dropped_clients == 0; i++) {
		n = send(fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN)
			break;		/* the daemon closed us */
		if (n < 0 || i % 64 == 0)
			pump(f, 1);
	}
	pump(f, 20);
	assert_int_equal(stats(f).dropped_clients, 1);
	fd2 = client_connect(f);
	send_request(fd2, 8, "east.oe.test.", "100.64.0.1", false);
	rep = recv_reply(f, fd2);
	assert_int_equal(rep.cookie, 8);
	close(fd);
	close(fd2);
	fx_free(f);
}

static void
connections_beyond_the_limit_are_refused(void **state)
{
	struct fx *f = fx_new();
	int fds[TRIGGER_CLIENTS_MAX + 1], i;
	char buf[64];

	(void)state;
	for (i = 0; i <= TRIGGER_CLIENTS_MAX; i++) {
		fds[i] = client_connect(f);
		pump(f, 2);
	}
	assert_true(client_recv(f, fds[TRIGGER_CLIENTS_MAX], buf,
	    sizeof(buf), 1000) <= 0);
	assert_int_equal(stats(f).accepted, TRIGGER_CLIENTS_MAX);
	assert_int_equal(stats(f).refused, 1);
	/* a slot frees when a client leaves */
	close(fds[0]);
	pump(f, 20);
	fds[0] = client_connect(f);
	send_request(fds[0], 3, "east.oe.test.", "100.64.0.1", false);
	assert_int_equal(recv_reply(f, fds[0]).cookie, 3);
	for (i = 0; i <= TRIGGER_CLIENTS_MAX; i++)
		close(fds[i]);
	fx_free(f);
}

/* ---- initiations ------------------------------------------------------ */

static struct ikev2_ike_sa *
only_sa(struct fx *f)
{
	assert_int_equal(ikev2_sa_count(f->d->sas), 1);
	return ikev2_sa_first(f->d->sas);
}

static void
keyed_request_initiates_once_and_a_second_one_joins(void **state)
{
	struct fx *f = fx_new();
	struct ikev2_ike_sa *sa;
	char buf[256];
	json_t *j;
	int fd;

	(void)state;
	fd = client_connect(f);
	send_request(fd, 20, "east.oe.test.", "198.51.100.2", true);
	send_request(fd, 21, "www.east.oe.test.", "198.51.100.2", true);
	pump(f, 50);
	assert_int_equal(stats(f).initiated, 1);
	assert_int_equal(stats(f).joined, 1);
	sa = only_sa(f);
	/* labelled with the name whose keys it carries, to the address */
	assert_string_equal(sa->peer_name, "east.oe.test.");
	assert_int_equal(sa->npeer_keys, 1);
	assert_string_equal(sa->conn, "private");
	/* no reply before the Child SA is there */
	assert_int_equal(client_recv(f, fd, buf, sizeof(buf), 50), -2);
	j = trigger_server_json(f->srv);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "pending")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "pending"), 0), "peer")), "198.51.100.2");
	json_decref(j);
	close(fd);
	fx_free(f);
}

static void
anonymous_initiation_carries_no_name(void **state)
{
	struct fx *f = fx_new();
	struct ikev2_ike_sa *sa;
	int fd;

	(void)state;
	fd = client_connect(f);
	send_request(fd, 30, "x.evil.test.", "203.0.113.5", true);
	pump(f, 50);
	sa = only_sa(f);
	assert_string_equal(sa->peer_name, "");
	assert_int_equal(sa->npeer_keys, 0);
	assert_string_equal(sa->conn, "private-or-clear");
	close(fd);
	fx_free(f);
}

static void
failed_initiation_answers_every_joined_request_failed(void **state)
{
	struct fx *f = fx_new();
	struct oe_trigger_reply r1, r2;
	json_t *j, *recent;
	int fd;

	(void)state;
	fd = client_connect(f);
	send_request(fd, 50, "east.oe.test.", "198.51.100.2", true);
	send_request(fd, 51, "east.oe.test.", "198.51.100.2", true);
	pump(f, 50);
	ikev2_sa_destroy(only_sa(f), "test: peer never answered");
	r1 = recv_reply(f, fd);
	r2 = recv_reply(f, fd);
	assert_int_equal(r1.status, OE_TRIGGER_FAILED);
	assert_int_equal(r2.status, OE_TRIGGER_FAILED);
	assert_int_equal(r1.cookie + r2.cookie, 101);
	j = trigger_server_json(f->srv);
	recent = json_object_get(j, "recent");
	assert_int_equal(json_array_size(recent), 2);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(recent, 0), "status")), "failed");
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_array_get(recent, 0), "why")), "never answered"));
	json_decref(j);
	/* a new request starts a new attempt */
	send_request(fd, 52, "east.oe.test.", "198.51.100.2", true);
	pump(f, 50);
	assert_int_equal(stats(f).initiated, 2);
	close(fd);
	fx_free(f);
}

static void
existing_sa_answers_up_with_its_remaining_life(void **state)
{
	struct fx *f = fx_new();
	struct oe_trigger_reply rep;
	struct ikev2_ike_sa *sa;
	int fd;

	(void)state;
	fd = client_connect(f);
	send_request(fd, 60, "x.oe.test.", "203.0.113.7", false);
	pump(f, 50);
	/* pretend the peer answered: established, Child SA in */
	sa = only_sa(f);
	sa->state = IKEV2_SA_ESTABLISHED;
	sa->auth_peer = IKEV2_AUTH_NULL;
	sa->child.installed = true;
	ikev2_sa_index_child(sa);	/* as ikev2_child_install() does */
	sa->child.lifetime = 1800;
	sa->child.established_usec = iked_now_usec(f->d);
	ikev2_sa_complete(sa, true, NULL);
	rep = recv_reply(f, fd);
	assert_int_equal(rep.cookie, 60);
	assert_int_equal(rep.status, OE_TRIGGER_UP);
	assert_int_equal(rep.sa_lifetime, 1800);
	send_request(fd, 61, "y.oe.test.", "203.0.113.7", false);
	rep = recv_reply(f, fd);
	assert_int_equal(rep.cookie, 61);
	assert_int_equal(rep.status, OE_TRIGGER_UP);
	assert_true(rep.sa_lifetime > 1790 && rep.sa_lifetime <= 1800);
	assert_int_equal(stats(f).reused, 1);
	assert_int_equal(stats(f).initiated, 1);
	close(fd);
	fx_free(f);
}

static void
too_many_initiations_in_flight_answer_busy(void **state)
{
	struct fx *f = fx_new();
	struct oe_trigger_reply rep;
	char addr[32];
	int fd, i;

	(void)state;
	fd = client_connect(f);
	for (i = 0; i < TRIGGER_ATTEMPTS_MAX; i++) {
		snprintf(addr, sizeof(addr), "203.0.113.%d", i + 1);
		send_request(fd, 100 + (uint64_t)i, "x.oe.test.", addr, false);
		if (i % 16 == 15)
			pump(f, 5);
	}
	pump(f, 50);
	assert_int_equal(stats(f).initiated, TRIGGER_ATTEMPTS_MAX);
	send_request(fd, 7, "x.oe.test.", "203.0.113.200", false);
	rep = recv_reply(f, fd);
	assert_int_equal(rep.cookie, 7);
	assert_int_equal(rep.status, OE_TRIGGER_BUSY);
	close(fd);
	fx_free(f);
}

static void
server_freed_while_negotiating_leaves_no_callback_behind(void **state)
{
	struct fx *f = fx_new();
	int fd;

	(void)state;
	fd = client_connect(f);
	send_request(fd, 70, "east.oe.test.", "198.51.100.2", true);
	pump(f, 50);
	assert_non_null(only_sa(f)->done);
	trigger_server_free(f->srv);
	f->srv = NULL;
	/* the engine must not call into the freed server (ASan checks) */
	assert_null(only_sa(f)->done);
	ikev2_sa_destroy(only_sa(f), "test");
	close(fd);
	fx_free(f);
}

/* What the owner of an initiation (an ACQUIRE, say) heard. */
struct owner {
	int		 calls;
	bool		 ok;
};

static void
owner_done(void *arg, const struct ikev2_initiate_result *res)
{
	struct owner *o = arg;

	o->calls++;
	o->ok = res->ok;
}

static void
owner_initiate(struct fx *f, struct owner *o, const char *conn,
    const char *peer)
{
	struct ikev2_initiate_req ir;

	memset(&ir, 0, sizeof(ir));
	ir.conn = conn;
	assert_int_equal(oe_addr_parse(&ir.peer, peer, AF_UNSPEC, NULL, 0), 0);
	ir.done = owner_done;
	ir.arg = o;
	assert_int_equal(ikev2_initiate(f->d, &ir), 0);
	pump(f, 20);
}

static void
unkeyed_request_joins_an_initiation_already_in_flight(void **state)
{
	struct fx *f = fx_new();
	struct owner o = { 0 };
	struct oe_trigger_reply rep;
	struct ikev2_ike_sa *sa;
	char buf[256];
	int fd;

	(void)state;
	owner_initiate(f, &o, "private-or-clear", "203.0.113.9");
	fd = client_connect(f);
	send_request(fd, 80, "x.oe.test.", "203.0.113.9", false);
	pump(f, 50);
	/* no second IKE SA to the same host */
	assert_int_equal(stats(f).initiated, 0);
	assert_int_equal(stats(f).joined, 1);
	sa = only_sa(f);
	assert_int_equal(client_recv(f, fd, buf, sizeof(buf), 50), -2);
	sa->state = IKEV2_SA_ESTABLISHED;
	sa->auth_peer = IKEV2_AUTH_NULL;
	sa->child.installed = true;
	ikev2_sa_index_child(sa);	/* as ikev2_child_install() does */
	sa->child.lifetime = 600;
	sa->child.established_usec = iked_now_usec(f->d);
	ikev2_sa_complete(sa, true, NULL);
	/* the owner hears exactly once, and so does the request */
	assert_int_equal(o.calls, 1);
	assert_true(o.ok);
	rep = recv_reply(f, fd);
	assert_int_equal(rep.cookie, 80);
	assert_int_equal(rep.status, OE_TRIGGER_UP);
	assert_int_equal(rep.sa_lifetime, 600);
	close(fd);
	fx_free(f);
}

static void
joined_initiation_that_fails_answers_failed_and_its_owner_hears(void **state)
{
	struct fx *f = fx_new();
	struct owner o = { 0 };
	struct oe_trigger_reply rep;
	int fd;

	(void)state;
	owner_initiate(f, &o, "private-or-clear", "203.0.113.9");
	fd = client_connect(f);
	send_request(fd, 81, "x.oe.test.", "203.0.113.9", false);
	send_request(fd, 82, "y.oe.test.", "203.0.113.9", false);
	pump(f, 50);
	assert_int_equal(stats(f).joined, 2);
	ikev2_sa_destroy(only_sa(f), "test: peer never answered");
	assert_int_equal(o.calls, 1);
	assert_false(o.ok);
	rep = recv_reply(f, fd);
	assert_int_equal(rep.status, OE_TRIGGER_FAILED);
	rep = recv_reply(f, fd);
	assert_int_equal(rep.status, OE_TRIGGER_FAILED);
	close(fd);
	fx_free(f);
}

static void
keyed_request_does_not_join_an_initiation_without_its_keys(void **state)
{
	struct fx *f = fx_new();
	struct owner o = { 0 };
	struct ikev2_ike_sa *sa;
	size_t n = 0;
	int fd;

	(void)state;
	/* an anonymous attempt to the host cannot prove the name's key */
	owner_initiate(f, &o, "private-or-clear", "198.51.100.2");
	fd = client_connect(f);
	send_request(fd, 83, "east.oe.test.", "198.51.100.2", true);
	pump(f, 50);
	assert_int_equal(stats(f).joined, 0);
	assert_int_equal(stats(f).initiated, 1);
	for (sa = ikev2_sa_first(f->d->sas); sa != NULL; sa = ikev2_sa_next(sa))
		n++;
	assert_int_equal(n, 2);
	close(fd);
	fx_free(f);
	/* fx_free() destroyed both SAs: the owner heard once */
	assert_int_equal(o.calls, 1);
}

static void
server_freed_hands_a_joined_initiation_back_to_its_owner(void **state)
{
	struct fx *f = fx_new();
	struct owner o = { 0 };
	int fd;

	(void)state;
	owner_initiate(f, &o, "private-or-clear", "203.0.113.9");
	fd = client_connect(f);
	send_request(fd, 84, "x.oe.test.", "203.0.113.9", false);
	pump(f, 50);
	assert_int_equal(stats(f).joined, 1);
	trigger_server_free(f->srv);
	f->srv = NULL;
	assert_ptr_equal(only_sa(f)->done, owner_done);
	assert_ptr_equal(only_sa(f)->done_arg, &o);
	ikev2_sa_destroy(only_sa(f), "test");
	assert_int_equal(o.calls, 1);
	close(fd);
	fx_free(f);
}

static int
group_setup(void **state)
{
	(void)state;
	oe_log_init("test_trigger_socket", LOG_CRIT);
	nss = crypto_nss_init(NULL, false);
	return nss == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	crypto_nss_shutdown(nss);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(socket_file_is_0600_when_only_root_may_connect),
		cmocka_unit_test(socket_file_is_0660_in_the_resolver_group),
		cmocka_unit_test(trigger_user_names_and_numbers_resolve_and_unknown_names_fail),
		cmocka_unit_test(live_socket_is_not_replaced_stale_one_is),
		cmocka_unit_test(peer_uid_not_allowed_is_disconnected_unanswered),
		cmocka_unit_test(other_user_refused_by_peercred_even_with_socket_permission),
		cmocka_unit_test(address_without_policy_is_answered_clear),
		cmocka_unit_test(private_address_without_key_is_answered_failed),
		cmocka_unit_test(malformed_request_with_readable_cookie_is_answered_error),
		cmocka_unit_test(garbage_without_cookie_is_not_answered_and_the_connection_survives),
		cmocka_unit_test(oversized_message_is_refused_before_parsing),
		cmocka_unit_test(pipelined_requests_get_one_reply_each_by_cookie),
		cmocka_unit_test(client_that_never_reads_is_dropped_and_others_still_served),
		cmocka_unit_test(connections_beyond_the_limit_are_refused),
		cmocka_unit_test(keyed_request_initiates_once_and_a_second_one_joins),
		cmocka_unit_test(anonymous_initiation_carries_no_name),
		cmocka_unit_test(failed_initiation_answers_every_joined_request_failed),
		cmocka_unit_test(existing_sa_answers_up_with_its_remaining_life),
		cmocka_unit_test(too_many_initiations_in_flight_answer_busy),
		cmocka_unit_test(server_freed_while_negotiating_leaves_no_callback_behind),
		cmocka_unit_test(unkeyed_request_joins_an_initiation_already_in_flight),
		cmocka_unit_test(joined_initiation_that_fails_answers_failed_and_its_owner_hears),
		cmocka_unit_test(keyed_request_does_not_join_an_initiation_without_its_keys),
		cmocka_unit_test(server_freed_hands_a_joined_initiation_back_to_its_owner),
	};

	return cmocka_run_group_tests_name("trigger_socket", tests, group_setup,
	    group_teardown);
}
