/*
 * Per-worker connection to the daemon and held-query table: see oeu_conn.h.
 */
#include "oeu_unbound.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "oeu_conn.h"
#include "oeu_request.h"

#define OEU_BACKOFF_MIN		1	/* seconds */
#define OEU_BACKOFF_MAX		30
#define OEU_OWN_ADDR_MAX	64
#define OEU_OWN_ADDR_REFRESH	30	/* seconds */
#define OEU_LOG_INTERVAL	10	/* seconds between lines of one kind */

struct oeu_pending {
	struct oeu_pending	*next, *prev;
	struct oeu_worker	*w;
	uint64_t		 cookie;
	/* valid until oeu_forget (clear) or resume: the mesh owns it */
	struct module_qstate	*qstate;
	struct ub_event		*timer;		/* owned */
	bool			 closing;	/* daemon gone: resume soon */
};

struct oeu_own_addr {
	int			 family;
	uint8_t			 bytes[16];
};

struct oeu_worker {
	const struct oeu_conf	*conf;		/* owned by the module env */
	struct oeu_shared	*shared;	/* owned by the module env */
	struct module_env	*env;		/* the worker's env */
	int			 id;		/* module id */
	int			 thread;
	oeu_resume_fn		 resume;
	int			 fd;		/* -1: not connected */
	struct ub_event		*rev;		/* owned; only while holding */
	time_t			 retry_at;	/* no connect before this */
	time_t			 backoff;
	bool			 in_read;	/* inside the read callback */
	uint64_t		 next_cookie;
	struct oeu_pending	*pending;	/* list head, owned */
	size_t			 n_pending;
	struct oeu_stats	 st;
	time_t			 rl_last[OEU_RL_MAX];
	struct oeu_own_addr	 own[OEU_OWN_ADDR_MAX];
	size_t			 n_own;
	time_t			 own_at;
	char			 buf[OE_TRIGGER_MSG_MAX + 1];
};

/*
 * Unbound's ub_event_free() only frees the memory: an event still added
 * would stay in libevent's lists.  Delete first, always.
 */
static void
event_release(struct ub_event **evp)
{
	if (*evp == NULL)
		return;
	(void)ub_event_del(*evp);
	ub_event_free(*evp);
	*evp = NULL;
}

static time_t
worker_now(const struct oeu_worker *w)
{
	return *w->env->now;
}

bool
oeu_log_allowed(struct oeu_worker *w, enum oeu_rl_reason why)
{
	time_t now = worker_now(w);

	if (w->rl_last[why] != 0 && now - w->rl_last[why] < OEU_LOG_INTERVAL)
		return false;
	w->rl_last[why] = now;
	return true;
}

struct oeu_stats *
oeu_worker_stats(struct oeu_worker *w)
{
	return &w->st;
}

struct oeu_worker *
oeu_worker_new(const struct oeu_conf *conf, struct oeu_shared *shared,
    struct module_env *env, int id, int thread, oeu_resume_fn resume)
{
	struct oeu_worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->conf = conf;
	w->shared = shared;
	w->env = env;
	w->id = id;
	w->thread = thread;
	w->resume = resume;
	w->fd = -1;
	/* cookies differ across threads and restarts, to make stray
	 * replies unlikely to match */
	w->next_cookie = ((uint64_t)time(NULL) << 20 ^
	    (uint64_t)thread << 12) & OE_TRIGGER_COOKIE_MAX;
	return w;
}

uint64_t
oeu_worker_cookie(struct oeu_worker *w)
{
	w->next_cookie = (w->next_cookie + 1) & OE_TRIGGER_COOKIE_MAX;
	if (w->next_cookie == 0)
		w->next_cookie = 1;
	return w->next_cookie;
}

bool
oeu_worker_may_hold(const struct oeu_worker *w)
{
	return !atomic_load(&w->shared->stalled);
}

static void
conn_close(struct oeu_worker *w)
{
	event_release(&w->rev);
	if (w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
	}
}

static void
conn_fail(struct oeu_worker *w)
{
	conn_close(w);
	w->backoff = w->backoff == 0 ? OEU_BACKOFF_MIN :
	    (w->backoff * 2 > OEU_BACKOFF_MAX ? OEU_BACKOFF_MAX : w->backoff * 2);
	w->retry_at = worker_now(w) + w->backoff;
}

static bool
conn_open(struct oeu_worker *w)
{
	struct sockaddr_un sun;
	int fd;

	if (w->fd >= 0)
		return true;
	if (worker_now(w) < w->retry_at)
		return false;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	/* the settings parser bounds the path to sun_path */
	memcpy(sun.sun_path, w->conf->socket_path,
	    strlen(w->conf->socket_path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		conn_fail(w);
		return false;
	}
	/* a Unix-domain connect completes or fails at once */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int err = errno;
		close(fd);
		conn_fail(w);
		if (oeu_log_allowed(w, OEU_RL_UNAVAILABLE))
			log_warn("oe-unbound[%d]: cannot connect to %s: %s "
			    "(answers go out without waiting; retry in %lld s)",
			    w->thread, w->conf->socket_path, strerror(err),
			    (long long)w->backoff);
		return false;
	}
	w->fd = fd;
	w->backoff = 0;
	verbose(VERB_OPS, "oe-unbound[%d]: connected to %s", w->thread,
	    w->conf->socket_path);
	return true;
}

static void
pending_unlink(struct oeu_pending *p)
{
	struct oeu_worker *w = p->w;

	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		w->pending = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	w->n_pending--;
	event_release(&p->timer);
	free(p);
}

/* Stop watching the socket when nothing is held (see oeu_conn.h). */
static void
maybe_disarm(struct oeu_worker *w)
{
	if (w->pending == NULL && !w->in_read)
		event_release(&w->rev);
}

void
oeu_forget(struct oeu_pending *p)
{
	struct oeu_worker *w = p->w;

	pending_unlink(p);
	maybe_disarm(w);
}

static struct oeu_pending *
pending_find(struct oeu_worker *w, uint64_t cookie)
{
	for (struct oeu_pending *p = w->pending; p != NULL; p = p->next)
		if (p->cookie == cookie)
			return p;
	return NULL;
}

/* Unlink p and let the module continue its query. */
static void
pending_resume(struct oeu_pending *p, const struct oe_trigger_reply *rep)
{
	struct oeu_worker *w = p->w;
	struct module_qstate *q = p->qstate;

	pending_unlink(p);
	/* our callbacks do not pass through comm_base: update its clock */
	ub_comm_base_now(w->env->worker_base);
	w->resume(q, w->id, rep);
}

static void
handle_reply(struct oeu_worker *w, const char *msg, size_t len)
{
	struct oe_trigger_reply rep;
	struct oeu_pending *p;
	char err[256];

	if (oeu_reply_decode(&rep, msg, len, err, sizeof(err)) != 0) {
		w->st.bad_replies++;
		if (oeu_log_allowed(w, OEU_RL_BADREPLY))
			log_err("oe-unbound[%d]: bad reply from %s: %s",
			    w->thread, w->conf->socket_path, err);
		return;
	}
	atomic_store(&w->shared->stalled, false);
	w->st.replies[rep.status]++;
	p = pending_find(w, rep.cookie);
	if (p == NULL) {
		/* the deadline passed or the mesh dropped the query */
		w->st.late++;
		verbose(VERB_ALGO, "oe-unbound[%d]: late reply, cookie %llu "
		    "status %s ignored", w->thread,
		    (unsigned long long)rep.cookie, oe_trigger_status_name(rep.status));
		return;
	}
	pending_resume(p, &rep);
}

/*
 * The daemon went away: every held answer goes out now.  Through each
 * entry's own timer, fired at once, so the queries resume from the event
 * loop and never inside another query's processing.
 */
static void
fire_all_now(struct oeu_worker *w)
{
	struct timeval zero = { 0, 0 };

	for (struct oeu_pending *p = w->pending; p != NULL; p = p->next) {
		p->closing = true;
		ub_event_del(p->timer);
		if (ub_event_add(p->timer, &zero) != 0)
			log_err("oe-unbound[%d]: cannot reschedule a held "
			    "answer; it waits for its deadline", w->thread);
	}
}

/* After recv() returned 0: the end of the connection, or an empty message? */
static bool
peer_closed(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDHUP };

	if (poll(&pfd, 1, 0) < 0)
		return true;
	return (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR)) != 0;
}

/* Read every queued message; returns false if the connection ended. */
static bool
drain(struct oeu_worker *w)
{
	for (;;) {
		ssize_t n = recv(w->fd, w->buf, sizeof(w->buf), MSG_DONTWAIT);

		if (n > 0) {
			if ((size_t)n > OE_TRIGGER_MSG_MAX) {
				w->st.bad_replies++;
				continue;
			}
			handle_reply(w, w->buf, (size_t)n);
			if (w->fd < 0)
				return false;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && !peer_closed(w->fd)) {
			/* an empty message reads like end of file */
			w->st.bad_replies++;
			continue;
		}
		return false;
	}
}

static void
read_cb(int fd, short bits, void *arg)
{
	struct oeu_worker *w = arg;
	bool alive;

	(void)fd;
	(void)bits;
	w->in_read = true;
	alive = drain(w);
	w->in_read = false;
	if (!alive) {
		log_warn("oe-unbound[%d]: daemon closed %s; held answers go "
		    "out now", w->thread, w->conf->socket_path);
		conn_close(w);
		fire_all_now(w);
	}
	maybe_disarm(w);
}

static void
timer_cb(int fd, short bits, void *arg)
{
	struct oeu_pending *p = arg;
	struct oeu_worker *w = p->w;

	(void)fd;
	(void)bits;
	if (p->closing) {
		pending_resume(p, NULL);
		maybe_disarm(w);
		return;
	}
	w->st.timeouts++;
	/* costs the deadline once: no more holding until a reply comes */
	atomic_store(&w->shared->stalled, true);
	if (oeu_log_allowed(w, OEU_RL_TIMEOUT))
		log_warn("oe-unbound[%d]: no reply from %s within %u ms; not "
		    "holding answers until it replies", w->thread,
		    w->conf->socket_path, w->conf->deadline_ms);
	pending_resume(p, NULL);
	maybe_disarm(w);
}

static bool
arm_read(struct oeu_worker *w)
{
	struct ub_event_base *base = comm_base_internal(w->env->worker_base);

	if (w->rev != NULL)
		return true;
	w->rev = ub_event_new(base, w->fd, UB_EV_READ | UB_EV_PERSIST,
	    read_cb, w);
	if (w->rev == NULL)
		return false;
	if (ub_event_add(w->rev, NULL) != 0) {
		ub_event_free(w->rev);	/* never added */
		w->rev = NULL;
		return false;
	}
	return true;
}

enum oeu_send_result
oeu_worker_send(struct oeu_worker *w, const char *msg, size_t len)
{
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		ssize_t n;

		if (!conn_open(w))
			return OEU_UNAVAILABLE;
		/* replies to answers we did not hold: count and drop */
		if (w->rev == NULL && !drain(w)) {
			conn_close(w);
			continue;
		}
		n = send(w->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == (ssize_t)len)
			return OEU_SENT;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS))
			return OEU_FULL;
		/* the daemon restarted: reconnect once at once */
		conn_close(w);
		fire_all_now(w);
	}
	conn_fail(w);
	return OEU_UNAVAILABLE;
}

struct oeu_pending *
oeu_hold(struct oeu_worker *w, struct module_qstate *qstate, uint64_t cookie)
{
	struct ub_event_base *base = comm_base_internal(w->env->worker_base);
	struct oeu_pending *p;
	struct timeval tv;

	if (w->fd < 0 || !arm_read(w))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		goto fail;
	p->w = w;
	p->cookie = cookie;
	p->qstate = qstate;
	p->timer = ub_event_new(base, -1, UB_EV_TIMEOUT, timer_cb, p);
	if (p->timer == NULL)
		goto fail;
	tv.tv_sec = (time_t)(w->conf->deadline_ms / 1000);
	tv.tv_usec = (suseconds_t)(w->conf->deadline_ms % 1000) * 1000;
	if (ub_event_add(p->timer, &tv) != 0)
		goto fail;
	p->next = w->pending;
	if (w->pending != NULL)
		w->pending->prev = p;
	w->pending = p;
	w->n_pending++;
	w->st.held++;
	return p;
fail:
	if (p != NULL)
		event_release(&p->timer);
	free(p);
	maybe_disarm(w);
	return NULL;
}

void
oeu_worker_free(struct oeu_worker *w)
{
	if (w == NULL)
		return;
	/*
	 * By now the mesh has cleared every held query; should one remain,
	 * its event base is gone, so free the entries without touching
	 * their events (a leak, never a use after free).
	 */
	while (w->pending != NULL) {
		struct oeu_pending *p = w->pending;
		w->pending = p->next;
		free(p);
	}
	if (w->fd >= 0)
		close(w->fd);
	free(w);
}

static void
own_refresh(struct oeu_worker *w)
{
	struct ifaddrs *ifa = NULL, *i;

	w->own_at = worker_now(w);
	w->n_own = 0;
	if (getifaddrs(&ifa) != 0)
		return;
	for (i = ifa; i != NULL && w->n_own < OEU_OWN_ADDR_MAX; i = i->ifa_next) {
		struct oeu_own_addr *o = &w->own[w->n_own];

		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *s =
			    (const struct sockaddr_in *)(const void *)i->ifa_addr;
			o->family = AF_INET;
			memcpy(o->bytes, &s->sin_addr, 4);
			w->n_own++;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct sockaddr_in6 *s =
			    (const struct sockaddr_in6 *)(const void *)i->ifa_addr;
			o->family = AF_INET6;
			memcpy(o->bytes, &s->sin6_addr, 16);
			w->n_own++;
		}
	}
	freeifaddrs(ifa);
}

bool
oeu_addr_is_local(struct oeu_worker *w, int family, const uint8_t *addr)
{
	static const uint8_t zero[16];
	size_t len = family == AF_INET ? 4 : 16;

	if (family == AF_INET) {
		if (addr[0] == 127 || addr[0] == 0 || addr[0] >= 224)
			return true;	/* loopback, "this", multicast+ */
	} else {
		static const uint8_t one[16] = { [15] = 1 };
		if (memcmp(addr, zero, 16) == 0 || memcmp(addr, one, 16) == 0 ||
		    addr[0] == 0xff)
			return true;
	}
	if (worker_now(w) - w->own_at >= OEU_OWN_ADDR_REFRESH || w->own_at == 0)
		own_refresh(w);
	for (size_t i = 0; i < w->n_own; i++)
		if (w->own[i].family == family &&
		    memcmp(w->own[i].bytes, addr, len) == 0)
			return true;
	return false;
}
