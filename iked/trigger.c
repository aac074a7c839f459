/*
 * The DNS trigger socket server (see trigger.h): a SOCK_SEQPACKET Unix
 * socket, SO_PEERCRED checked at accept(), one JSON request per
 * message, replies queued per connection without ever blocking the
 * daemon.  Decisions are in trigger_plan.c.
 *
 * Replies travel back through a connection id, never a pointer: a
 * connection that goes away while its requests are being negotiated
 * simply makes those replies unroutable, and they are dropped.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "oe_log.h"
#include "iked.h"
#include "ikev2_sa.h"
#include "control.h"
#include "trigger.h"

#define USEC_PER_SEC	1000000ULL
#define USEC_PER_MSEC	1000ULL

struct trigger_msg {
	size_t		 len;
	char		 buf[];		/* one encoded reply */
};

struct trigger_client {
	bool		 in_use;
	struct trigger_server *srv;
	uint64_t	 id;		/* never 0; never reused */
	int		 fd;
	sd_event_source	*src;		/* owned */
	uid_t		 uid;
	pid_t		 pid;
	/* replies the socket did not take yet: a ring of owned messages */
	struct trigger_msg *outq[TRIGGER_OUTQ_MAX];
	size_t		 out_head, out_n;
};

/* A request waiting for an initiation. */
struct trigger_waiter {
	uint64_t	 client_id;
	uint64_t	 cookie;
	uint64_t	 start_usec;
	char		 name[OE_DNAME_STRLEN];
	uint16_t	 qtype;
};

/* One initiation we started for DNS triggers, with who waits for it. */
struct trigger_attempt {
	bool		 in_use;
	struct trigger_server *srv;
	struct oe_addr	 peer;
	char		 conn[64];
	bool		 keyed;
	size_t		 nkeys;
	struct ikev2_peer_key keys[IKEV2_MAX_PEER_KEYS];
	uint64_t	 start_usec;
	size_t		 nwaiters;
	struct trigger_waiter waiters[TRIGGER_WAITERS_MAX];
	/*
	 * Joined to an initiation someone else started: the SA's previous
	 * completion callback, called first (see attempt_joined_done()).
	 */
	bool		 joined;
	ikev2_initiate_cb prev_done;
	void		*prev_arg;
};

/* A finished request, for the `triggers` query. */
struct trigger_recent {
	int64_t		 time;		/* UNIX seconds */
	char		 name[OE_DNAME_STRLEN];
	uint16_t	 qtype;
	struct oe_addr	 peer;		/* AF_UNSPEC: none chosen */
	char		 conn[64];
	bool		 keyed;
	enum oe_trigger_status status;
	const char	*how;		/* static: "reused", "initiated", ... */
	char		 why[OE_TRIGGER_ERROR_MAX + 1];
	uint32_t	 sa_lifetime;
	uint64_t	 ms;
};

struct trigger_server {
	struct iked	*d;
	struct trigger_cfg cfg;
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int		 lfd;
	sd_event_source	*lsrc;
	uint64_t	 next_client_id;
	struct trigger_client clients[TRIGGER_CLIENTS_MAX];
	struct trigger_attempt *attempts;	/* TRIGGER_ATTEMPTS_MAX, owned */
	struct trigger_recent recent[TRIGGER_RECENT_MAX];
	size_t		 recent_next, recent_n;
	struct trigger_stats st;
	struct oe_ratelimit rl;
	char		 rbuf[OE_TRIGGER_MSG_MAX + 1];
};

static uint64_t
now_usec(const struct trigger_server *s)
{
	return iked_now_usec(s->d);
}

/* ---- configuration ----------------------------------------------------- */

int
trigger_cfg_for_user(struct trigger_cfg *cfg, const char *path,
    const char *user, char *err, size_t errlen)
{
	struct passwd *pw;
	char *end;
	unsigned long v;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = path;
	cfg->allow_root = true;
	cfg->gid = (gid_t)-1;
	if (user == NULL) {
		/* The default resolver user, if this system has one. */
		pw = getpwnam(TRIGGER_DEFAULT_USER);
		if (pw != NULL) {
			cfg->have_uid = true;
			cfg->uid = pw->pw_uid;
			cfg->gid = pw->pw_gid;
		}
		return 0;
	}
	pw = getpwnam(user);
	if (pw == NULL && user[0] >= '0' && user[0] <= '9') {
		errno = 0;
		v = strtoul(user, &end, 10);
		if (errno == 0 && *end == '\0' && v < UINT_MAX) {
			cfg->have_uid = true;
			cfg->uid = (uid_t)v;
			pw = getpwuid(cfg->uid);
			if (pw != NULL)
				cfg->gid = pw->pw_gid;
			return 0;
		}
	}
	if (pw == NULL) {
		snprintf(err, errlen, "trigger user \"%s\" does not exist", user);
		return -1;
	}
	cfg->have_uid = true;
	cfg->uid = pw->pw_uid;
	cfg->gid = pw->pw_gid;
	return 0;
}

static bool
peer_allowed(const struct trigger_cfg *cfg, uid_t uid)
{
	if (uid == 0 && cfg->allow_root)
		return true;
	return cfg->have_uid && uid == cfg->uid;
}

/* ---- recent table ------------------------------------------------------ */

/* The journal line, the counter and the `watch` event (control.h). */
static void
publish(struct trigger_server *s, const struct trigger_recent *r)
{
	struct control_trigger_info t;

	memset(&t, 0, sizeof(t));
	t.name = r->name;
	t.qtype = oe_trigger_qtype_name(r->qtype);
	t.peer = r->peer.family != AF_UNSPEC ? &r->peer : NULL;
	t.conn = r->conn;
	t.keyed = r->keyed;
	t.status = oe_trigger_status_name(r->status);
	t.how = r->how;
	t.why = r->why;
	t.sa_lifetime = r->sa_lifetime;
	t.ms = r->ms;
	control_trigger_event(s->d, &t);
}

static void
remember(struct trigger_server *s, const char *name, uint16_t qtype,
    const struct oe_addr *peer, const char *conn, bool keyed,
    enum oe_trigger_status st, const char *how, const char *why,
    uint32_t lifetime, uint64_t start_usec)
{
	struct trigger_recent *r = &s->recent[s->recent_next];
	uint64_t now = now_usec(s);

	memset(r, 0, sizeof(*r));
	r->time = (int64_t)time(NULL);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->qtype = qtype;
	if (peer != NULL)
		r->peer = *peer;
	snprintf(r->conn, sizeof(r->conn), "%s", conn != NULL ? conn : "");
	r->keyed = keyed;
	r->status = st;
	r->how = how;
	snprintf(r->why, sizeof(r->why), "%s", why != NULL ? why : "");
	r->sa_lifetime = lifetime;
	r->ms = now > start_usec ? (now - start_usec) / USEC_PER_MSEC : 0;
	s->recent_next = (s->recent_next + 1) % TRIGGER_RECENT_MAX;
	if (s->recent_n < TRIGGER_RECENT_MAX)
		s->recent_n++;
	publish(s, r);
}

/* ---- connections and replies ------------------------------------------- */

static struct trigger_client *
client_by_id(struct trigger_server *s, uint64_t id)
{
	size_t i;

	for (i = 0; i < TRIGGER_CLIENTS_MAX; i++)
		if (s->clients[i].in_use && s->clients[i].id == id)
			return &s->clients[i];
	return NULL;
}

static void
client_close(struct trigger_server *s, struct trigger_client *c)
{
	size_t i;

	(void)s;
	sd_event_source_disable_unref(c->src);
	if (c->fd >= 0)
		close(c->fd);
	for (i = 0; i < c->out_n; i++)
		free(c->outq[(c->out_head + i) % TRIGGER_OUTQ_MAX]);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static int
client_update_events(struct trigger_client *c)
{
	return sd_event_source_set_io_events(c->src,
	    EPOLLIN | (c->out_n > 0 ? EPOLLOUT : 0));
}

/* Write queued replies while the socket takes them.  -1: drop client. */
static int
client_flush(struct trigger_client *c)
{
	struct trigger_msg *m;
	ssize_t n;

	while (c->out_n > 0) {
		m = c->outq[c->out_head];
		n = send(c->fd, m->buf, m->len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		free(m);
		c->outq[c->out_head] = NULL;
		c->out_head = (c->out_head + 1) % TRIGGER_OUTQ_MAX;
		c->out_n--;
	}
	return client_update_events(c) < 0 ? -1 : 0;
}

/* Queue one encoded reply (send at once if nothing is queued). */
static void
client_send(struct trigger_server *s, struct trigger_client *c,
    const char *buf, size_t len)
{
	struct trigger_msg *m;

	if (c->out_n >= TRIGGER_OUTQ_MAX) {
		oe_log_ratelimited(&s->rl, now_usec(s), LOG_WARNING,
		    "trigger: client pid %ld does not read its replies; "
		    "dropping the connection", (long)c->pid);
		s->st.dropped_clients++;
		client_close(s, c);
		return;
	}
	m = malloc(sizeof(*m) + len);
	if (m == NULL) {
		client_close(s, c);
		return;
	}
	m->len = len;
	memcpy(m->buf, buf, len);
	c->outq[(c->out_head + c->out_n) % TRIGGER_OUTQ_MAX] = m;
	c->out_n++;
	if (client_flush(c) < 0)
		client_close(s, c);
}

/* Encode and send a reply to (client id, cookie); silently dropped if
 * the client is gone (the module's deadline released its answer). */
static void
reply(struct trigger_server *s, uint64_t client_id, uint64_t cookie,
    enum oe_trigger_status st, uint32_t lifetime, const char *error)
{
	struct trigger_client *c = client_by_id(s, client_id);
	struct oe_trigger_reply rep;
	char buf[OE_TRIGGER_ERROR_MAX * 6 + 128], err[128];
	ssize_t n;

	if (st <= OE_TRIGGER_ERROR)
		s->st.replies[st]++;
	if (c == NULL)
		return;
	memset(&rep, 0, sizeof(rep));
	if (st == OE_TRIGGER_ERROR) {
		oe_trigger_reply_set_error(&rep, cookie, error != NULL &&
		    error[0] != '\0' ? error : "error");
	} else {
		rep.cookie = cookie;
		rep.status = st;
		rep.sa_lifetime = st == OE_TRIGGER_UP ? lifetime : 0;
	}
	n = oe_trigger_reply_encode(&rep, buf, sizeof(buf), err, sizeof(err));
	if (n < 0) {
		oe_err("trigger: cannot encode a reply: %s", err);
		return;
	}
	client_send(s, c, buf, (size_t)n);
}

/* ---- initiations ------------------------------------------------------- */

static struct trigger_attempt *
attempt_find(struct trigger_server *s, const struct trigger_plan *p)
{
	struct trigger_attempt *a;
	size_t i, j;

	for (i = 0; i < TRIGGER_ATTEMPTS_MAX; i++) {
		a = &s->attempts[i];
		if (!a->in_use || !oe_addr_eq(&a->peer, &p->peer) ||
		    strcmp(a->conn, p->conn->name) != 0 || a->keyed != p->keyed ||
		    a->nkeys != p->nkeys)
			continue;
		/* the very same key set, or the waiter would be answered
		 * for keys it never named */
		for (j = 0; j < p->nkeys; j++)
			if (a->keys[j].algorithm != p->keys[j].algorithm ||
			    a->keys[j].len != p->keys[j].len ||
			    memcmp(a->keys[j].key, p->keys[j].key,
			    p->keys[j].len) != 0)
				break;
		if (j == p->nkeys)
			return a;
	}
	return NULL;
}

static struct trigger_attempt *
attempt_new(struct trigger_server *s, const struct trigger_plan *p)
{
	struct trigger_attempt *a;
	size_t i;

	for (i = 0; i < TRIGGER_ATTEMPTS_MAX; i++) {
		a = &s->attempts[i];
		if (a->in_use)
			continue;
		memset(a, 0, sizeof(*a));
		a->in_use = true;
		a->srv = s;
		a->peer = p->peer;
		snprintf(a->conn, sizeof(a->conn), "%s", p->conn->name);
		a->keyed = p->keyed;
		a->nkeys = p->nkeys;
		memcpy(a->keys, p->keys, p->nkeys * sizeof(p->keys[0]));
		a->start_usec = now_usec(s);
		return a;
	}
	return NULL;
}

static void
attempt_release(struct trigger_attempt *a)
{
	explicit_bzero(a, sizeof(*a));
}

static void
attempt_add_waiter(struct trigger_attempt *a, uint64_t client_id,
    const struct oe_trigger_request *req, uint64_t start_usec)
{
	struct trigger_waiter *w = &a->waiters[a->nwaiters++];

	w->client_id = client_id;
	w->cookie = req->cookie;
	w->start_usec = start_usec;
	w->qtype = req->qtype;
	snprintf(w->name, sizeof(w->name), "%s", req->name);
}

/* The engine's completion callback: answer every waiter. */
static void
attempt_done(void *arg, const struct ikev2_initiate_result *res)
{
	struct trigger_attempt *a = arg;
	struct trigger_server *s = a->srv;
	enum oe_trigger_status st = res->ok ? OE_TRIGGER_UP : OE_TRIGGER_FAILED;
	char as[OE_ADDR_STRLEN];
	size_t i;

	oe_info("trigger: %s %s (conn %s, %s): %s%s",
	    res->ok ? "SA up to" : "no SA to",
	    oe_addr_format(&a->peer, as, sizeof(as)), a->conn,
	    a->keyed ? "keyed" : "unkeyed", res->ok ? "answering up" :
	    "answering failed: ", res->ok ? "" : res->error);
	for (i = 0; i < a->nwaiters; i++) {
		struct trigger_waiter *w = &a->waiters[i];

		reply(s, w->client_id, w->cookie, st, res->lifetime, NULL);
		remember(s, w->name, w->qtype, &a->peer, a->conn, a->keyed, st,
		    a->joined ? "joined" : "initiated", res->ok ? NULL :
		    res->error, res->lifetime, w->start_usec);
	}
	attempt_release(a);
}

/*
 * Completion of an initiation we joined: its owner (an ACQUIRE, say)
 * hears first, exactly as if we were not there, then our waiters.
 */
static void
attempt_joined_done(void *arg, const struct ikev2_initiate_result *res)
{
	struct trigger_attempt *a = arg;

	if (a->prev_done != NULL)
		a->prev_done(a->prev_arg, res);
	attempt_done(a, res);
}

/*
 * Wait for sa, an initiation in flight to the plan's peer, instead of
 * starting a second IKE SA to the same host.  The attempt chains itself
 * in front of the SA's completion callback.
 */
static struct trigger_attempt *
attempt_join(struct trigger_server *s, const struct trigger_plan *p,
    struct ikev2_ike_sa *sa)
{
	struct trigger_attempt *a = attempt_new(s, p);

	if (a == NULL)
		return NULL;
	snprintf(a->conn, sizeof(a->conn), "%s", sa->conn);
	a->joined = true;
	a->prev_done = sa->done;
	a->prev_arg = sa->done_arg;
	sa->done = attempt_joined_done;
	sa->done_arg = a;
	return a;
}

/* ---- one request ------------------------------------------------------- */

static void
handle_request(struct trigger_server *s, struct trigger_client *c,
    const struct oe_trigger_request *req, uint64_t start)
{
	struct trigger_plan *p;
	struct ikev2_initiate_req ir;
	struct ikev2_ike_sa *sa;
	struct trigger_attempt *a;
	char as[OE_ADDR_STRLEN];
	uint32_t left;
	uint64_t cid = c->id;

	/* ~8 KiB of keys: not on the event loop's stack */
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		reply(s, cid, req->cookie, OE_TRIGGER_BUSY, 0, NULL);
		return;
	}
	trigger_plan(s->d->conf, req, (int64_t)time(NULL), p);
	oe_addr_format(&p->peer, as, sizeof(as));
	oe_debug("trigger %s %s cookie %llu from pid %ld: %s %s (%s)",
	    req->name, oe_trigger_qtype_name(req->qtype),
	    (unsigned long long)req->cookie, (long)c->pid,
	    p->action == TRIGGER_ACT_INITIATE ? "initiate to" :
	    p->action == TRIGGER_ACT_CLEAR ? "clear for" : "fail for", as,
	    p->why);
	if (p->action != TRIGGER_ACT_INITIATE) {
		enum oe_trigger_status st = p->action == TRIGGER_ACT_CLEAR ?
		    OE_TRIGGER_CLEAR : OE_TRIGGER_FAILED;

		reply(s, cid, req->cookie, st, 0, NULL);
		remember(s, req->name, req->qtype, &p->peer, NULL, false, st,
		    "policy", p->why, 0, start);
		goto out;
	}
	sa = s->d->sas != NULL ? trigger_find_sa(s->d->sas, p) : NULL;
	left = sa != NULL ? trigger_sa_remaining(sa, now_usec(s)) : 0;
	if (sa != NULL && left > 0) {
		/* Reuse; the SA keeps the name it was authenticated for. */
		s->st.reused++;
		reply(s, cid, req->cookie, OE_TRIGGER_UP, left, NULL);
		remember(s, req->name, req->qtype, &p->peer, sa->conn, p->keyed,
		    OE_TRIGGER_UP, "reused", NULL, left, start);
		goto out;
	}
	sa = s->d->sas != NULL ? trigger_find_conflict(s->d->sas, p) : NULL;
	if (sa != NULL) {
		oe_info("trigger %s: %s already has an SA authenticated %s%s; "
		    "not negotiating with this name's other key: failed",
		    req->name, as, sa->peer_name[0] != '\0' ? "for " :
		    "without a key", sa->peer_name);
		reply(s, cid, req->cookie, OE_TRIGGER_FAILED, 0, NULL);
		remember(s, req->name, req->qtype, &p->peer, p->conn->name,
		    p->keyed, OE_TRIGGER_FAILED, "conflict", "the address "
		    "has an SA authenticated with another key", 0, start);
		goto out;
	}
	a = attempt_find(s, p);
	if (a != NULL && a->nwaiters < TRIGGER_WAITERS_MAX) {
		s->st.joined++;
		attempt_add_waiter(a, cid, req, start);
		goto out;
	}
	sa = a == NULL && s->d->sas != NULL ?
	    trigger_find_inflight(s->d->sas, p) : NULL;
	if (sa != NULL && (a = attempt_join(s, p, sa)) != NULL) {
		s->st.joined++;
		attempt_add_waiter(a, cid, req, start);
		oe_info("trigger %s %s: joining the negotiation with %s "
		    "already in flight (SA #%llu, conn %s)", req->name,
		    oe_trigger_qtype_name(req->qtype), as,
		    (unsigned long long)sa->serial, sa->conn);
		goto out;
	}
	a = a == NULL ? attempt_new(s, p) : NULL;
	if (a == NULL) {
		oe_log_ratelimited(&s->rl, now_usec(s), LOG_WARNING,
		    "trigger %s: too many initiations in flight: busy",
		    req->name);
		reply(s, cid, req->cookie, OE_TRIGGER_BUSY, 0, NULL);
		remember(s, req->name, req->qtype, &p->peer, p->conn->name,
		    p->keyed, OE_TRIGGER_BUSY, "busy", "too many in flight", 0,
		    start);
		goto out;
	}
	attempt_add_waiter(a, cid, req, start);
	memset(&ir, 0, sizeof(ir));
	ir.conn = p->conn->name;
	ir.peer = p->peer;
	/* The name labels the SA only when its keys authenticate it. */
	ir.name = p->keyed ? req->name : NULL;
	ir.nkeys = p->keyed ? p->nkeys : 0;
	ir.keys = p->keyed ? p->keys : NULL;
	ir.done = attempt_done;
	ir.arg = a;
	if (ikev2_initiate(s->d, &ir) < 0) {
		oe_info("trigger %s: cannot start IKE to %s: failed", req->name,
		    as);
		reply(s, cid, req->cookie, OE_TRIGGER_FAILED, 0, NULL);
		remember(s, req->name, req->qtype, &p->peer, p->conn->name,
		    p->keyed, OE_TRIGGER_FAILED, "initiated",
		    "initiation not started", 0, start);
		attempt_release(a);
		goto out;
	}
	s->st.initiated++;
	oe_info("trigger %s %s: initiating to %s, conn %s, %s", req->name,
	    oe_trigger_qtype_name(req->qtype), as, p->conn->name,
	    p->keyed ? "keyed by the name's IPSECKEY" : "unkeyed");
out:
	explicit_bzero(p, sizeof(*p));
	free(p);
}

/* One message from a client. */
static void
handle_message(struct trigger_server *s, struct trigger_client *c,
    const char *msg, size_t len)
{
	struct oe_trigger_request *req;
	char err[OE_TRIGGER_ERROR_MAX + 1];
	uint64_t start = now_usec(s);

	s->st.requests++;
	req = calloc(1, sizeof(*req));
	if (req == NULL)
		return;		/* the module's deadline answers */
	if (oe_trigger_request_decode(req, msg, len, err, sizeof(err)) < 0) {
		s->st.malformed++;
		oe_log_ratelimited(&s->rl, start, LOG_WARNING,
		    "trigger: malformed request from pid %ld: %s%s",
		    (long)c->pid, err, req->has_cookie ? "" :
		    " (no cookie: not answered)");
		if (req->has_cookie)
			reply(s, c->id, req->cookie, OE_TRIGGER_ERROR, 0, err);
		goto out;
	}
	if (s->d->conf == NULL || s->d->stopping) {
		reply(s, c->id, req->cookie, OE_TRIGGER_BUSY, 0, NULL);
		goto out;
	}
	handle_request(s, c, req, start);
out:
	explicit_bzero(req, sizeof(*req));
	free(req);
}

/* ---- event callbacks --------------------------------------------------- */

/* Read what is there (at most TRIGGER_BATCH_MAX messages per wake-up, so
 * one busy client cannot starve the IKE sockets). */
static void
client_read(struct trigger_server *s, struct trigger_client *c)
{
	struct msghdr mh;
	struct iovec iov;
	uint64_t id = c->id;
	ssize_t n;
	int i;

	for (i = 0; i < TRIGGER_BATCH_MAX; i++) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = s->rbuf;
		iov.iov_len = sizeof(s->rbuf);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		/* MSG_TRUNC: the real length of an oversized message */
		n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			/* EOF (the module closed or restarted) or an error */
			oe_debug("trigger: client pid %ld gone", (long)c->pid);
			client_close(s, c);
			return;
		}
		if ((size_t)n > OE_TRIGGER_MSG_MAX || (mh.msg_flags & MSG_TRUNC)) {
			/* refused before parsing; its cookie is unreadable */
			s->st.requests++;
			s->st.oversize++;
			oe_log_ratelimited(&s->rl, now_usec(s), LOG_WARNING,
			    "trigger: %zd-octet message from pid %ld refused "
			    "(limit %d)", n, (long)c->pid, OE_TRIGGER_MSG_MAX);
			continue;
		}
		handle_message(s, c, s->rbuf, (size_t)n);
		/* a reply may have overflowed and closed the client */
		if (client_by_id(s, id) != c)
			return;
	}
}

static int
client_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct trigger_client *c = userdata;
	struct trigger_server *s = c->srv;

	(void)src;
	(void)fd;
	if (revents & EPOLLOUT) {
		if (client_flush(c) < 0) {
			client_close(s, c);
			return 0;
		}
	}
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(s, c);
	return 0;
}

static int
listen_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct trigger_server *s = userdata;
	struct trigger_client *c = NULL;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int cfd;
	size_t i;

	(void)src;
	(void)revents;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return 0;
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 ||
	    clen != sizeof(cred)) {
		oe_warn("trigger: no peer credentials: %s", strerror(errno));
		s->st.refused++;
		close(cfd);
		return 0;
	}
	if (!peer_allowed(&s->cfg, cred.uid)) {
		oe_log_ratelimited(&s->rl, now_usec(s), LOG_WARNING,
		    "trigger: connection from uid %lu (pid %ld) refused: "
		    "not the resolver's user", (unsigned long)cred.uid,
		    (long)cred.pid);
		s->st.refused++;
		close(cfd);
		return 0;
	}
	for (i = 0; i < TRIGGER_CLIENTS_MAX && c == NULL; i++)
		if (!s->clients[i].in_use)
			c = &s->clients[i];
	if (c == NULL) {
		oe_log_ratelimited(&s->rl, now_usec(s), LOG_WARNING,
		    "trigger: %d connections already: pid %ld refused",
		    TRIGGER_CLIENTS_MAX, (long)cred.pid);
		s->st.refused++;
		close(cfd);
		return 0;
	}
	memset(c, 0, sizeof(*c));
	c->in_use = true;
	c->srv = s;
	c->id = ++s->next_client_id;
	c->fd = cfd;
	c->uid = cred.uid;
	c->pid = cred.pid;
	if (sd_event_add_io(s->d->event, &c->src, cfd, EPOLLIN, client_io,
	    c) < 0) {
		client_close(s, c);
		return 0;
	}
	s->st.accepted++;
	oe_debug("trigger: client pid %ld uid %lu connected", (long)cred.pid,
	    (unsigned long)cred.uid);
	return 0;
}

/* ---- server life ------------------------------------------------------- */

/* Does somebody accept connections on this socket file? */
static bool
socket_alive(const struct sockaddr_un *sun)
{
	int fd, r;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	return r == 0;
}

static int
bind_socket(struct trigger_server *s)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t mode;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(s->path) >= sizeof(sun.sun_path)) {
		oe_err("trigger socket %s: path too long", s->path);
		return -1;
	}
	memcpy(sun.sun_path, s->path, strlen(s->path) + 1);
	/* Replace a stale socket of an earlier run, but nothing else. */
	if (lstat(s->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			oe_err("trigger socket %s: exists and is not a socket",
			    s->path);
			return -1;
		}
		if (socket_alive(&sun)) {
			oe_err("trigger socket %s: another daemon listens there",
			    s->path);
			return -1;
		}
		(void)unlink(s->path);
	}
	s->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (s->lfd < 0) {
		oe_err("trigger socket: %s", strerror(errno));
		return -1;
	}
	/* Nobody may connect before the mode and owner are right. */
	mode = umask(0177);
	if (bind(s->lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		umask(mode);
		oe_err("trigger socket %s: bind: %s", s->path, strerror(errno));
		return -1;
	}
	umask(mode);
	if (s->cfg.have_uid && s->cfg.uid != 0 && s->cfg.gid != (gid_t)-1) {
		/* The resolver's group may connect; SO_PEERCRED still
		 * checks the user. */
		if (chown(s->path, (uid_t)-1, s->cfg.gid) < 0 ||
		    chmod(s->path, 0660) < 0) {
			oe_err("trigger socket %s: chown/chmod: %s", s->path,
			    strerror(errno));
			return -1;
		}
	}
	if (listen(s->lfd, 16) < 0) {
		oe_err("trigger socket %s: listen: %s", s->path, strerror(errno));
		return -1;
	}
	return 0;
}

struct trigger_server *
trigger_server_new(struct iked *d, const struct trigger_cfg *cfg)
{
	struct trigger_server *s;
	size_t i;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->d = d;
	s->cfg = *cfg;
	s->lfd = -1;
	for (i = 0; i < TRIGGER_CLIENTS_MAX; i++)
		s->clients[i].fd = -1;
	oe_ratelimit_init(&s->rl, 1.0, 10.0);
	s->attempts = calloc(TRIGGER_ATTEMPTS_MAX, sizeof(*s->attempts));
	if (s->attempts == NULL)
		goto fail;
	if (cfg->path == NULL || snprintf(s->path, sizeof(s->path), "%s",
	    cfg->path) >= (int)sizeof(s->path)) {
		oe_err("trigger socket: no path or path too long");
		goto fail;
	}
	s->cfg.path = s->path;
	if (bind_socket(s) < 0)
		goto fail;
	if (sd_event_add_io(d->event, &s->lsrc, s->lfd, EPOLLIN, listen_io,
	    s) < 0)
		goto fail;
	oe_info("trigger socket %s: accepting %s%s%s", s->path,
	    cfg->allow_root ? "root" : "", cfg->allow_root && cfg->have_uid ?
	    " and " : "", cfg->have_uid ? "the resolver's uid" : "");
	return s;
fail:
	trigger_server_free(s);
	return NULL;
}

/* Forget the callbacks we gave the engine for SAs still negotiating. */
static void
detach_attempts(struct trigger_server *s)
{
	struct ikev2_ike_sa *sa;

	if (s->d->sas == NULL)
		return;
	for (sa = ikev2_sa_first(s->d->sas); sa != NULL;
	    sa = ikev2_sa_next(sa)) {
		/* joined ones hand the SA back to the owner they chained */
		while (sa->done == attempt_joined_done) {
			struct trigger_attempt *a = sa->done_arg;

			sa->done = a->prev_done;
			sa->done_arg = a->prev_arg;
		}
		if (sa->done == attempt_done) {
			sa->done = NULL;
			sa->done_arg = NULL;
		}
	}
}

void
trigger_server_free(struct trigger_server *s)
{
	size_t i;

	if (s == NULL)
		return;
	detach_attempts(s);
	for (i = 0; i < TRIGGER_CLIENTS_MAX; i++)
		if (s->clients[i].in_use)
			client_close(s, &s->clients[i]);
	sd_event_source_disable_unref(s->lsrc);
	if (s->lfd >= 0) {
		close(s->lfd);
		(void)unlink(s->path);
	}
	if (s->attempts != NULL) {
		explicit_bzero(s->attempts, TRIGGER_ATTEMPTS_MAX *
		    sizeof(*s->attempts));
		free(s->attempts);
	}
	free(s);
}

void
trigger_server_stats(const struct trigger_server *s, struct trigger_stats *out)
{
	*out = s->st;
}

/* ---- the `triggers` view ----------------------------------------------- */

static json_t *
addr_json(const struct oe_addr *a)
{
	char as[OE_ADDR_STRLEN];

	if (a->family == AF_UNSPEC)
		return json_null();
	return json_string(oe_addr_format(a, as, sizeof(as)));
}

static json_t *
pending_json(const struct trigger_server *s, uint64_t now)
{
	json_t *arr = json_array();
	size_t i, j;

	for (i = 0; arr != NULL && i < TRIGGER_ATTEMPTS_MAX; i++) {
		const struct trigger_attempt *a = &s->attempts[i];

		if (!a->in_use)
			continue;
		for (j = 0; j < a->nwaiters; j++) {
			const struct trigger_waiter *w = &a->waiters[j];

			json_array_append_new(arr, json_pack("{s:s,s:s,s:o,"
			    "s:s,s:b,s:I}", "name", w->name, "qtype",
			    oe_trigger_qtype_name(w->qtype), "peer",
			    addr_json(&a->peer), "conn", a->conn, "keyed",
			    a->keyed, "waiting_ms", (json_int_t)(now >
			    w->start_usec ? (now - w->start_usec) /
			    USEC_PER_MSEC : 0)));
		}
	}
	return arr;
}

static json_t *
recent_json(const struct trigger_server *s)
{
	json_t *arr = json_array();
	size_t i, k;

	/* oldest first */
	for (i = 0; arr != NULL && i < s->recent_n; i++) {
		const struct trigger_recent *r;

		k = (s->recent_next + TRIGGER_RECENT_MAX - s->recent_n + i) %
		    TRIGGER_RECENT_MAX;
		r = &s->recent[k];
		json_array_append_new(arr, json_pack("{s:I,s:s,s:s,s:o,s:s,"
		    "s:b,s:s,s:s,s:s,s:I,s:I}", "time", (json_int_t)r->time,
		    "name", r->name, "qtype", oe_trigger_qtype_name(r->qtype),
		    "peer", addr_json(&r->peer), "conn", r->conn, "keyed",
		    r->keyed, "status", oe_trigger_status_name(r->status),
		    "how", r->how != NULL ? r->how : "", "why", r->why,
		    "sa_lifetime", (json_int_t)r->sa_lifetime, "ms",
		    (json_int_t)r->ms));
	}
	return arr;
}

json_t *
trigger_server_json(const struct trigger_server *s)
{
	const struct trigger_stats *st = &s->st;
	size_t i, nclients = 0;

	for (i = 0; i < TRIGGER_CLIENTS_MAX; i++)
		if (s->clients[i].in_use)
			nclients++;
	return json_pack("{s:s,s:o,s:o,s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
	    "s:I,s:I,s:I,s:I,s:I,s:I,s:I}}", "socket", s->path,
	    "pending", pending_json(s, now_usec(s)), "recent", recent_json(s),
	    "stats", "clients", (json_int_t)nclients,
	    "accepted", (json_int_t)st->accepted,
	    "refused", (json_int_t)st->refused,
	    "requests", (json_int_t)st->requests,
	    "malformed", (json_int_t)st->malformed,
	    "oversize", (json_int_t)st->oversize,
	    "up", (json_int_t)st->replies[OE_TRIGGER_UP],
	    "clear", (json_int_t)st->replies[OE_TRIGGER_CLEAR],
	    "failed", (json_int_t)st->replies[OE_TRIGGER_FAILED],
	    "busy", (json_int_t)st->replies[OE_TRIGGER_BUSY],
	    "error", (json_int_t)st->replies[OE_TRIGGER_ERROR],
	    "reused", (json_int_t)st->reused,
	    "joined", (json_int_t)st->joined,
	    "initiated", (json_int_t)st->initiated,
	    "dropped_clients", (json_int_t)st->dropped_clients);
}

/* ---- daemon glue ------------------------------------------------------- */

int
trigger_setup(struct iked *d)
{
	struct trigger_cfg cfg;
	char err[160];

	if (trigger_ctl_register(d) < 0)
		oe_warn("trigger: cannot register the control commands");
	if (d->conf->setup.trigger_socket[0] == '\0')
		return 0;
	if (trigger_cfg_for_user(&cfg, d->conf->setup.trigger_socket,
	    d->opts.trigger_user, err, sizeof(err)) < 0) {
		oe_err("%s: DNS triggers disabled", err);
		return -1;
	}
	d->trigger = trigger_server_new(d, &cfg);
	if (d->trigger == NULL) {
		oe_err("trigger socket %s could not be opened: DNS triggers "
		    "disabled", d->conf->setup.trigger_socket);
		return -1;
	}
	return 0;
}
