/*
 * The control socket server (see control.h): listening socket, per
 * client non-blocking state with bounded buffers, peer credential
 * check, line framing, the command table and the reply codec.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "oe_log.h"
#include "control.h"

#define CONTROL_MAX_SECTIONS	16
#define CONTROL_MAX_WATCH_TYPES	8
#define CONTROL_TICK_USEC	(1000000ULL)
#define CONTROL_GROUP_MEMBERS	64
/* Stop reading a client's requests while this much output waits. */
#define CONTROL_READ_PAUSE	(1u << 20)

struct control_cmd {
	char			 name[CONTROL_COMMAND_MAX];
	control_handler_fn	 fn;
	void			*arg;
};

struct control_section {
	char			 name[CONTROL_COMMAND_MAX];
	control_section_fn	 fn;
	void			*arg;
};

struct control_counter {
	char			 name[64];
	uint64_t		 value;
};

struct control_client {
	struct control_client	*next;
	struct control		*ctl;
	int			 fd;
	sd_event_source		*io;
	uint64_t		 id;
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;
	char			 in[CONTROL_REQ_MAX];
	size_t			 inlen;
	char			*out;		/* owned */
	size_t			 outlen, outoff, outcap;
	uint64_t		 progress_usec;	/* last read/write/connect */
	bool			 deferred;	/* a reply is outstanding */
	bool			 read_eof;
	bool			 closing;	/* close once out is flushed */
	bool			 dead;		/* free at the next safe point */
	bool			 kick;		/* process buffered input */
	bool			 watching;
	size_t			 nwatch;	/* 0: every event type */
	char			 watch[CONTROL_MAX_WATCH_TYPES][CONTROL_COMMAND_MAX];
	uint64_t		 lost;
};

struct control {
	sd_event		*event;		/* a reference */
	int			 fd;
	sd_event_source		*listen_src;
	sd_event_source		*reap_src;	/* defer: reap dead, kick */
	sd_event_source		*tick_src;	/* idle clients */
	sd_event_source		*notify_src;	/* STATUS= refresh */
	control_line_fn		 line_fn;
	void			*line_arg;
	char			 last_status[256];
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool			 have_group;
	gid_t			 group_gid;
	char			 group_name[64];
	size_t			 nmembers;
	char			 members[CONTROL_GROUP_MEMBERS][64];
	struct control_cmd	 cmds[CONTROL_MAX_COMMANDS];
	size_t			 ncmds;
	struct control_section	 sections[CONTROL_MAX_SECTIONS];
	size_t			 nsections;
	struct control_counter	 counters[CONTROL_MAX_COUNTERS];
	size_t			 ncounters;
	struct control_client	*clients;
	size_t			 nclients;
	uint64_t		 next_id;
	uint64_t		 idle_usec;
	uint64_t		 started_usec;	/* monotonic */
	time_t			 started_wall;
	struct control_stats	 stats;
};

static void client_update_events(struct control_client *c);
static void client_process_input(struct control_client *c);

static uint64_t
ctl_now(const struct control *ctl)
{
	uint64_t now = 0;

	(void)sd_event_now(ctl->event, CLOCK_MONOTONIC, &now);
	return now;
}

static bool
valid_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= CONTROL_COMMAND_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_'))
			return false;
	}
	return true;
}

static int
on_reap(sd_event_source *s, void *userdata);
static int
on_tick(sd_event_source *s, uint64_t usec, void *userdata);

struct control *
control_new(sd_event *event)
{
	struct control *ctl;

	ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL)
		return NULL;
	ctl->event = sd_event_ref(event);
	ctl->fd = -1;
	ctl->next_id = 1;
	ctl->idle_usec = CONTROL_IDLE_USEC;
	ctl->started_usec = ctl_now(ctl);
	ctl->started_wall = time(NULL);
	if (sd_event_add_defer(event, &ctl->reap_src, on_reap, ctl) < 0 ||
	    sd_event_source_set_enabled(ctl->reap_src, SD_EVENT_OFF) < 0) {
		control_free(ctl);
		return NULL;
	}
	if (control_events_register(ctl) < 0) {
		control_free(ctl);
		return NULL;
	}
	return ctl;
}

static void
client_free(struct control_client *c)
{
	struct control *ctl = c->ctl;
	struct control_client **pp;

	for (pp = &ctl->clients; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			ctl->nclients--;
			break;
		}
	}
	sd_event_source_disable_unref(c->io);
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	free(c);
}

void
control_free(struct control *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->clients != NULL)
		client_free(ctl->clients);
	sd_event_source_disable_unref(ctl->listen_src);
	sd_event_source_disable_unref(ctl->reap_src);
	sd_event_source_disable_unref(ctl->tick_src);
	sd_event_source_disable_unref(ctl->notify_src);
	if (ctl->fd >= 0) {
		close(ctl->fd);
		/* Only remove the file if it is still ours (a socket). */
		if (ctl->path[0] != '\0') {
			struct stat st;

			if (lstat(ctl->path, &st) == 0 && S_ISSOCK(st.st_mode))
				(void)unlink(ctl->path);
		}
	}
	sd_event_unref(ctl->event);
	free(ctl);
}

void
control_set_idle_timeout(struct control *ctl, uint64_t usec)
{
	ctl->idle_usec = usec > 0 ? usec : CONTROL_IDLE_USEC;
}

/* Check for idle clients a few times per timeout, at least every second. */
static uint64_t
tick_usec(const struct control *ctl)
{
	uint64_t t = ctl->idle_usec / 4;

	return t < CONTROL_TICK_USEC ? (t > 0 ? t : 1) : CONTROL_TICK_USEC;
}

const char *
control_path(const struct control *ctl)
{
	return ctl->path;
}

int
control_set_group(struct control *ctl, const char *group)
{
	struct group grbuf, *gr = NULL;
	char buf[16384];
	size_t i;
	int r;

	ctl->have_group = false;
	ctl->nmembers = 0;
	ctl->group_name[0] = '\0';
	if (group == NULL || group[0] == '\0')
		return 0;
	if (strlen(group) >= sizeof(ctl->group_name)) {
		oe_err("control: group name too long");
		return -1;
	}
	r = getgrnam_r(group, &grbuf, buf, sizeof(buf), &gr);
	if (r != 0 || gr == NULL) {
		oe_err("control: unknown group %s%s%s", group,
		    r != 0 ? ": " : "", r != 0 ? strerror(r) : "");
		return -1;
	}
	ctl->have_group = true;
	ctl->group_gid = gr->gr_gid;
	snprintf(ctl->group_name, sizeof(ctl->group_name), "%s", group);
	/* Supplementary members, by name, looked up at accept(). */
	for (i = 0; gr->gr_mem != NULL && gr->gr_mem[i] != NULL; i++) {
		if (ctl->nmembers >= CONTROL_GROUP_MEMBERS) {
			oe_warn("control: group %s: only the first %d members "
			    "are allowed (use it as primary group instead)",
			    group, CONTROL_GROUP_MEMBERS);
			break;
		}
		if (strlen(gr->gr_mem[i]) >= sizeof(ctl->members[0]))
			continue;
		snprintf(ctl->members[ctl->nmembers++],
		    sizeof(ctl->members[0]), "%s", gr->gr_mem[i]);
	}
	return 0;
}

/* Root, the group as primary group, or a listed member of it. */
static bool
peer_allowed(const struct control *ctl, uid_t uid, gid_t gid)
{
	struct passwd pwbuf, *pw = NULL;
	char buf[4096];
	size_t i;

	if (uid == 0)
		return true;
	if (!ctl->have_group)
		return false;
	if (gid == ctl->group_gid)
		return true;
	if (ctl->nmembers == 0)
		return false;
	if (getpwuid_r(uid, &pwbuf, buf, sizeof(buf), &pw) != 0 || pw == NULL)
		return false;
	for (i = 0; i < ctl->nmembers; i++)
		if (strcmp(ctl->members[i], pw->pw_name) == 0)
			return true;
	return false;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents,
    void *userdata);

static bool
socket_is_live(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	bool live;

	if (fd < 0)
		return false;
	/* Non-blocking: a full backlog (EAGAIN) also means alive. */
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
	    errno == EAGAIN;
	close(fd);
	return live;
}

int
control_listen(struct control *ctl, const char *path, const char *group)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd = -1;

	if (ctl->fd >= 0) {
		oe_err("control: already listening on %s", ctl->path);
		return -1;
	}
	if (control_set_group(ctl, group) < 0)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (path == NULL || path[0] == '\0' ||
	    strlen(path) >= sizeof(sun.sun_path)) {
		oe_err("control: socket path empty or longer than %zu bytes",
		    sizeof(sun.sun_path) - 1);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	/*
	 * A stale socket from a previous run is replaced; a live one (some
	 * other daemon answers) or anything that is not a socket is not.
	 */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			oe_err("control: %s exists and is not a socket", path);
			return -1;
		}
		if (socket_is_live(&sun)) {
			oe_err("control: %s is in use by another process", path);
			return -1;
		}
		(void)unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		oe_err("control: socket: %s", strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		oe_err("control: bind %s: %s", path, strerror(errno));
		goto fail;
	}
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	/* The credential check is the real gate; the mode is a second one. */
	if (chmod(path, ctl->have_group ? 0660 : 0600) < 0 ||
	    (ctl->have_group && chown(path, 0, ctl->group_gid) < 0 &&
	    geteuid() == 0)) {
		oe_err("control: permissions of %s: %s", path, strerror(errno));
		goto fail;
	}
	if (listen(fd, 16) < 0) {
		oe_err("control: listen %s: %s", path, strerror(errno));
		goto fail;
	}
	if (sd_event_add_io(ctl->event, &ctl->listen_src, fd, EPOLLIN,
	    on_accept, ctl) < 0 ||
	    sd_event_add_time_relative(ctl->event, &ctl->tick_src,
	    CLOCK_MONOTONIC, tick_usec(ctl), 0, on_tick, ctl) < 0) {
		oe_err("control: cannot watch %s", path);
		goto fail;
	}
	ctl->fd = fd;
	oe_info("control socket %s (root%s%s)", path,
	    ctl->have_group ? " and group " : " only",
	    ctl->have_group ? ctl->group_name : "");
	return 0;
fail:
	ctl->listen_src = sd_event_source_disable_unref(ctl->listen_src);
	ctl->tick_src = sd_event_source_disable_unref(ctl->tick_src);
	if (fd >= 0)
		close(fd);
	if (ctl->path[0] != '\0') {
		(void)unlink(ctl->path);
		ctl->path[0] = '\0';
	}
	return -1;
}

int
control_register(struct control *ctl, const char *name,
    control_handler_fn fn, void *arg)
{
	size_t i;

	if (name == NULL || fn == NULL || !valid_name(name)) {
		oe_err("control: invalid command name");
		return -1;
	}
	for (i = 0; i < ctl->ncmds; i++) {
		if (strcmp(ctl->cmds[i].name, name) == 0) {
			oe_err("control: command %s registered twice", name);
			return -1;
		}
	}
	if (ctl->ncmds >= CONTROL_MAX_COMMANDS) {
		oe_err("control: command table full (%s)", name);
		return -1;
	}
	snprintf(ctl->cmds[ctl->ncmds].name, CONTROL_COMMAND_MAX, "%s", name);
	ctl->cmds[ctl->ncmds].fn = fn;
	ctl->cmds[ctl->ncmds].arg = arg;
	ctl->ncmds++;
	return 0;
}

int
control_add_status_section(struct control *ctl, const char *name,
    control_section_fn fn, void *arg)
{
	size_t i;

	if (name == NULL || fn == NULL || !valid_name(name))
		return -1;
	for (i = 0; i < ctl->nsections; i++)
		if (strcmp(ctl->sections[i].name, name) == 0)
			return -1;
	if (ctl->nsections >= CONTROL_MAX_SECTIONS)
		return -1;
	snprintf(ctl->sections[ctl->nsections].name, CONTROL_COMMAND_MAX,
	    "%s", name);
	ctl->sections[ctl->nsections].fn = fn;
	ctl->sections[ctl->nsections].arg = arg;
	ctl->nsections++;
	return 0;
}

/* Used by `status` (control_status.c): every registered section. */
void
control_status_sections(struct control *ctl, json_t *result)
{
	size_t i;

	for (i = 0; i < ctl->nsections; i++) {
		json_t *v = ctl->sections[i].fn(ctl->sections[i].arg);

		if (v != NULL)
			(void)json_object_set_new(result, ctl->sections[i].name,
			    v);
	}
}

/* Used by `status`: the registered command names. */
json_t *
control_command_names(const struct control *ctl)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < ctl->ncmds; i++)
		(void)json_array_append_new(a, json_string(ctl->cmds[i].name));
	return a;
}

int
control_ok(struct control_call *call, json_t *result)
{
	json_decref(call->result);
	call->result = result != NULL ? result : json_object();
	call->err_code[0] = '\0';
	return CONTROL_OK;
}

int
control_fail(struct control_call *call, const char *code, const char *fmt,
    ...)
{
	va_list ap;

	json_decref(call->result);
	call->result = NULL;
	snprintf(call->err_code, sizeof(call->err_code), "%s",
	    code != NULL ? code : "failed");
	va_start(ap, fmt);
	vsnprintf(call->err_msg, sizeof(call->err_msg), fmt, ap);
	va_end(ap);
	return CONTROL_ERROR;
}

int
control_defer(struct control_call *call, uint64_t *ticket)
{
	json_decref(call->result);
	call->result = NULL;
	*ticket = call->client_id;
	return CONTROL_DEFERRED;
}

const char *
control_arg_string(const struct control_call *call, const char *key)
{
	json_t *v = json_object_get(call->args, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

void
control_get_stats(const struct control *ctl, struct control_stats *st)
{
	const struct control_client *c;

	*st = ctl->stats;
	st->clients = ctl->nclients;
	st->watchers = 0;
	for (c = ctl->clients; c != NULL; c = c->next)
		if (c->watching)
			st->watchers++;
	st->started = (uint64_t)ctl->started_wall;
	st->uptime = (ctl_now(ctl) - ctl->started_usec) / 1000000ULL;
}

/* ---- systemd ---- */

static int
on_notify(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct control *ctl = userdata;
	char line[sizeof(ctl->last_status)], msg[sizeof(line) + 8];

	ctl->line_fn(ctl->line_arg, line, sizeof(line));
	if (strcmp(line, ctl->last_status) != 0) {
		snprintf(ctl->last_status, sizeof(ctl->last_status), "%s",
		    line);
		snprintf(msg, sizeof(msg), "STATUS=%s", line);
		(void)sd_notify(0, msg);
	}
	(void)sd_event_source_set_time(s, usec + CONTROL_STATUS_USEC);
	(void)sd_event_source_set_enabled(s, SD_EVENT_ON);
	return 0;
}

int
control_notify_start(struct control *ctl, control_line_fn fn, void *arg)
{
	int r;

	if (ctl->notify_src != NULL || fn == NULL)
		return -1;
	/* sd-event sends WATCHDOG=1 itself when $WATCHDOG_USEC asks for it. */
	r = sd_event_set_watchdog(ctl->event, 1);
	if (r < 0)
		oe_warn("control: systemd watchdog: %s", strerror(-r));
	else if (r > 0)
		oe_info("systemd watchdog enabled");
	ctl->line_fn = fn;
	ctl->line_arg = arg;
	if (sd_event_add_time_relative(ctl->event, &ctl->notify_src,
	    CLOCK_MONOTONIC, 0, 0, on_notify, ctl) < 0)
		return -1;
	return 0;
}

/* ---- named counters ---- */

static bool
valid_counter_name(const char *name)
{
	const char *dot = strchr(name, '.');
	size_t i, n = strlen(name);

	if (dot == NULL || dot == name || dot[1] == '\0' || n >= 64)
		return false;
	for (i = 0; i < n; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || (ch == '.' && name + i == dot)))
			return false;
	}
	return true;
}

static struct control_counter *
counter_find(struct control *ctl, const char *name)
{
	size_t i;

	for (i = 0; i < ctl->ncounters; i++)
		if (strcmp(ctl->counters[i].name, name) == 0)
			return &ctl->counters[i];
	return NULL;
}

void
control_count(struct control *ctl, const char *name, uint64_t n)
{
	struct control_counter *c;
	char other[64];
	const char *dot;
	size_t glen, nlen;

	if (ctl == NULL || name == NULL || !valid_counter_name(name))
		return;
	c = counter_find(ctl, name);
	if (c == NULL && ctl->ncounters >= CONTROL_MAX_COUNTERS - 8) {
		/* Keep the last slots for GROUP.other. */
		dot = strchr(name, '.');
		glen = (size_t)(dot - name);
		if (glen > sizeof(other) - sizeof(".other"))
			glen = sizeof(other) - sizeof(".other");
		memcpy(other, name, glen);
		memcpy(other + glen, ".other", sizeof(".other"));
		name = other;
		c = counter_find(ctl, name);
	}
	if (c == NULL) {
		if (ctl->ncounters >= CONTROL_MAX_COUNTERS)
			return;
		c = &ctl->counters[ctl->ncounters++];
		nlen = strlen(name);	/* < 64: checked above */
		memcpy(c->name, name, nlen + 1);
	}
	c->value += n;
}

uint64_t
control_counter(const struct control *ctl, const char *name)
{
	size_t i;

	for (i = 0; ctl != NULL && i < ctl->ncounters; i++)
		if (strcmp(ctl->counters[i].name, name) == 0)
			return ctl->counters[i].value;
	return 0;
}

json_t *
control_counter_group(const struct control *ctl, const char *group)
{
	json_t *o = json_object();
	size_t i, glen = strlen(group);

	for (i = 0; o != NULL && ctl != NULL && i < ctl->ncounters; i++) {
		const struct control_counter *c = &ctl->counters[i];

		if (strncmp(c->name, group, glen) == 0 && c->name[glen] == '.')
			(void)json_object_set_new(o, c->name + glen + 1,
			    json_integer((json_int_t)c->value));
	}
	return o;
}

/* ---- output ---- */

static void
schedule_reap(struct control *ctl)
{
	(void)sd_event_source_set_enabled(ctl->reap_src, SD_EVENT_ONESHOT);
}

static void
client_kill(struct control_client *c, const char *why)
{
	if (c->dead)
		return;
	oe_debug("control: client %llu (uid %u pid %d) dropped: %s",
	    (unsigned long long)c->id, (unsigned)c->uid, (int)c->pid, why);
	c->dead = true;
	schedule_reap(c->ctl);
}

/* Write as much as the socket takes now. */
static void
client_flush(struct control_client *c)
{
	while (!c->dead && c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff,
		    c->outlen - c->outoff, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			client_kill(c, strerror(errno));
			return;
		}
		c->outoff += (size_t)n;
		c->progress_usec = ctl_now(c->ctl);
	}
	if (c->outoff == c->outlen) {
		c->outoff = c->outlen = 0;
		if (c->closing)
			client_kill(c, "done");
	}
	if (!c->dead)
		client_update_events(c);
}

/* Append one line; false if it does not fit under `limit`. */
static bool
client_queue(struct control_client *c, const char *s, size_t len,
    size_t limit)
{
	size_t need;

	if (c->dead)
		return false;
	/* Compact the consumed prefix before growing. */
	if (c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	need = c->outlen + len + 1;
	if (need > limit)
		return false;
	if (need > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;
		char *p;

		while (cap < need)
			cap *= 2;
		if (cap > limit)
			cap = limit;
		p = realloc(c->out, cap);
		if (p == NULL)
			return false;
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, s, len);
	c->out[c->outlen + len] = '\n';
	c->outlen += len + 1;
	return true;
}

/* Serialise `msg` (borrowed) as one line; false if it does not fit. */
static bool
client_send_json(struct control_client *c, const json_t *msg, size_t limit)
{
	char *s;
	bool ok;

	s = json_dumps(msg, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (s == NULL)
		return false;
	ok = client_queue(c, s, strlen(s), limit);
	free(s);
	return ok;
}

static json_t *
make_error(const char *command, const char *code, const char *message)
{
	json_t *msg;

	msg = json_pack("{s:i, s:b, s:{s:s, s:s}}", "v", CONTROL_PROTO_VERSION,
	    "ok", 0, "error", "code", code, "message", message);
	if (msg != NULL && command != NULL)
		(void)json_object_set_new(msg, "command", json_string(command));
	return msg;
}

static void
client_send_error(struct control_client *c, const char *command,
    const char *code, const char *message)
{
	json_t *msg = make_error(command, code, message);

	c->ctl->stats.errors++;
	if (msg == NULL || !client_send_json(c, msg, CONTROL_OUT_MAX))
		client_kill(c, "cannot queue an error reply");
	json_decref(msg);
}

/* The reply to one finished call; the result is consumed. */
static void
client_reply(struct control_client *c, const char *command, json_t *result,
    const char *code, const char *message)
{
	json_t *msg;
	char buf[96];

	if (result == NULL) {
		client_send_error(c, command, code != NULL && code[0] != '\0' ?
		    code : "internal", message != NULL ? message :
		    "handler gave no answer");
		return;
	}
	msg = json_pack("{s:i, s:b, s:s, s:o}", "v", CONTROL_PROTO_VERSION,
	    "ok", 1, "command", command, "result", result);
	if (msg == NULL) {
		client_send_error(c, command, "internal", "out of memory");
		return;
	}
	if (!client_send_json(c, msg, CONTROL_OUT_MAX)) {
		snprintf(buf, sizeof(buf), "reply larger than %u bytes",
		    CONTROL_OUT_MAX);
		client_send_error(c, command, "too-large", buf);
	}
	json_decref(msg);
}

/* ---- input ---- */

static const struct control_cmd *
find_cmd(const struct control *ctl, const char *name)
{
	size_t i;

	for (i = 0; i < ctl->ncmds; i++)
		if (strcmp(ctl->cmds[i].name, name) == 0)
			return &ctl->cmds[i];
	return NULL;
}

/* Parse and answer one request line (not NUL-terminated). */
static void
client_request(struct control_client *c, const char *line, size_t len)
{
	struct control *ctl = c->ctl;
	struct control_call call;
	const struct control_cmd *cmd;
	json_error_t jerr;
	json_t *req = NULL, *v, *args;
	const char *name;
	char msg[256];
	int rc;

	ctl->stats.requests++;
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		snprintf(msg, sizeof(msg), "not JSON: %s (column %d)",
		    jerr.text, jerr.column);
		client_send_error(c, NULL, "bad-request", msg);
		goto out;
	}
	if (!json_is_object(req)) {
		client_send_error(c, NULL, "bad-request",
		    "a request is a JSON object");
		goto out;
	}
	v = json_object_get(req, "v");
	if (!json_is_integer(v) ||
	    json_integer_value(v) != CONTROL_PROTO_VERSION) {
		client_send_error(c, NULL, "bad-request",
		    "\"v\" must be 1");
		goto out;
	}
	v = json_object_get(req, "command");
	if (!json_is_string(v)) {
		client_send_error(c, NULL, "bad-request",
		    "\"command\" (a string) is missing");
		goto out;
	}
	name = json_string_value(v);
	cmd = valid_name(name) ? find_cmd(ctl, name) : NULL;
	if (cmd == NULL) {
		snprintf(msg, sizeof(msg), "unknown command \"%.*s\"", 40,
		    name);
		client_send_error(c, NULL, "unknown-command", msg);
		goto out;
	}
	args = json_object_get(req, "args");
	if (args != NULL && !json_is_object(args)) {
		client_send_error(c, cmd->name, "bad-request",
		    "\"args\" must be an object");
		goto out;
	}
	memset(&call, 0, sizeof(call));
	call.ctl = ctl;
	call.command = cmd->name;
	call.args = args != NULL ? json_incref(args) : json_object();
	call.uid = c->uid;
	call.gid = c->gid;
	call.pid = c->pid;
	call.client_id = c->id;
	rc = cmd->fn(&call, cmd->arg);
	json_decref(call.args);
	switch (rc) {
	case CONTROL_DEFERRED:
		json_decref(call.result);
		c->deferred = true;
		break;
	case CONTROL_OK:
		client_reply(c, cmd->name, call.result, NULL, NULL);
		break;
	default:
		json_decref(call.result);
		client_reply(c, cmd->name, NULL, call.err_code[0] != '\0' ?
		    call.err_code : "internal", call.err_code[0] != '\0' ?
		    call.err_msg : "handler failed without a reason");
		break;
	}
out:
	json_decref(req);
}

/* Answer every complete line buffered, until a reply is deferred. */
static void
client_process_input(struct control_client *c)
{
	char *nl;
	size_t linelen, reqlen;

	c->kick = false;
	while (!c->dead && !c->deferred && !c->closing &&
	    (nl = memchr(c->in, '\n', c->inlen)) != NULL) {
		linelen = (size_t)(nl - c->in);
		/*
		 * Tolerate CRLF and blank lines (interactive use with nc);
		 * a CRLF blank line is blank too, not a bad request.
		 */
		reqlen = linelen > 0 && c->in[linelen - 1] == '\r' ?
		    linelen - 1 : linelen;
		if (reqlen > 0)
			client_request(c, c->in, reqlen);
		memmove(c->in, nl + 1, c->inlen - linelen - 1);
		c->inlen -= linelen + 1;
	}
	if (!c->dead && !c->deferred && !c->closing &&
	    c->inlen == sizeof(c->in)) {
		char msg[96];

		snprintf(msg, sizeof(msg), "request longer than %d bytes",
		    CONTROL_REQ_MAX - 1);
		client_send_error(c, NULL, "too-large", msg);
		c->closing = true;
		c->inlen = 0;
	}
	if (!c->dead && !c->deferred && c->read_eof && c->inlen > 0) {
		/* A last request without its newline: answer it anyway. */
		reqlen = c->in[c->inlen - 1] == '\r' ? c->inlen - 1 : c->inlen;
		if (reqlen > 0)
			client_request(c, c->in, reqlen);
		c->inlen = 0;
	}
	if (!c->dead && c->read_eof && !c->deferred)
		c->closing = true;
	if (!c->dead)
		client_flush(c);
}

static void
client_read(struct control_client *c)
{
	ssize_t n;

	if (c->inlen >= sizeof(c->in))
		return;
	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen,
	    MSG_DONTWAIT);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			client_kill(c, strerror(errno));
		return;
	}
	if (n == 0) {
		c->read_eof = true;
		return;
	}
	c->inlen += (size_t)n;
	c->progress_usec = ctl_now(c->ctl);
}

/* Read while we may; write while there is output. */
static void
client_update_events(struct control_client *c)
{
	uint32_t ev = 0;

	if (!c->read_eof && !c->deferred && !c->closing &&
	    c->outlen - c->outoff < CONTROL_READ_PAUSE &&
	    c->inlen < sizeof(c->in))
		ev |= EPOLLIN;
	if (c->outoff < c->outlen)
		ev |= EPOLLOUT;
	(void)sd_event_source_set_io_events(c->io, ev);
	/* Nothing to wait for: stop polling so a HUP does not spin. */
	(void)sd_event_source_set_enabled(c->io, ev ? SD_EVENT_ON :
	    SD_EVENT_OFF);
}

static int
on_client(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct control_client *c = userdata;

	(void)s;
	(void)fd;
	if (revents & EPOLLIN)
		client_read(c);
	else if (revents & (EPOLLERR | EPOLLHUP) && !(revents & EPOLLOUT))
		c->read_eof = true;
	if (!c->dead)
		client_process_input(c);
	if (c->dead)
		client_free(c);
	return 0;
}

static int
on_reap(sd_event_source *s, void *userdata)
{
	struct control *ctl = userdata;
	struct control_client *c, *next;

	(void)s;
	for (c = ctl->clients; c != NULL; c = next) {
		next = c->next;
		if (!c->dead && c->kick)
			client_process_input(c);
	}
	for (c = ctl->clients; c != NULL; c = next) {
		next = c->next;
		if (c->dead)
			client_free(c);
	}
	return 0;
}

/* A client that makes no progress for CONTROL_IDLE_USEC is dropped. */
static int
on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct control *ctl = userdata;
	struct control_client *c;
	bool stuck;

	for (c = ctl->clients; c != NULL; c = c->next) {
		if (c->dead || c->progress_usec + ctl->idle_usec > usec)
			continue;
		/* Waiting for our deferred answer or for events is fine. */
		stuck = c->outoff < c->outlen ||
		    (!c->deferred && !c->watching);
		if (stuck) {
			ctl->stats.dropped++;
			client_kill(c, c->outoff < c->outlen ?
			    "not reading its replies" : "idle");
		}
	}
	(void)sd_event_source_set_time(s, usec + tick_usec(ctl));
	(void)sd_event_source_set_enabled(s, SD_EVENT_ON);
	return 0;
}

/* Best effort single line to a socket we are about to close. */
static void
refuse(int fd, const char *code, const char *message)
{
	json_t *msg = make_error(NULL, code, message);
	char *s = msg != NULL ? json_dumps(msg, JSON_COMPACT) : NULL;

	if (s != NULL) {
		size_t len = strlen(s);

		(void)send(fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)send(fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	free(s);
	json_decref(msg);
	close(fd);
}

static int
on_accept(sd_event_source *s, int lfd, uint32_t revents, void *userdata)
{
	struct control *ctl = userdata;
	struct control_client *c;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int fd;

	(void)s;
	(void)revents;
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			oe_warn("control: accept: %s", strerror(errno));
		return 0;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		oe_warn("control: SO_PEERCRED: %s", strerror(errno));
		close(fd);
		return 0;
	}
	if (!peer_allowed(ctl, cred.uid, cred.gid)) {
		ctl->stats.refused++;
		oe_notice("control: refused uid %u pid %d (not root%s%s)",
		    (unsigned)cred.uid, (int)cred.pid,
		    ctl->have_group ? " nor in group " : "",
		    ctl->have_group ? ctl->group_name : "");
		refuse(fd, "permission-denied", "permission denied: the "
		    "control socket is for root and the ctl-group");
		return 0;
	}
	if (ctl->nclients >= CONTROL_MAX_CLIENTS) {
		ctl->stats.dropped++;
		refuse(fd, "busy", "too many control clients");
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return 0;
	}
	c->ctl = ctl;
	c->fd = fd;
	c->id = ctl->next_id++;
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	c->progress_usec = ctl_now(ctl);
	if (sd_event_add_io(ctl->event, &c->io, fd, EPOLLIN, on_client,
	    c) < 0) {
		close(fd);
		free(c);
		return 0;
	}
	c->next = ctl->clients;
	ctl->clients = c;
	ctl->nclients++;
	ctl->stats.accepted++;
	return 0;
}

/* ---- deferred replies and events ---- */

static struct control_client *
client_by_id(struct control *ctl, uint64_t id)
{
	struct control_client *c;

	for (c = ctl->clients; c != NULL; c = c->next)
		if (c->id == id && !c->dead)
			return c;
	return NULL;
}

void
control_finish(struct control *ctl, uint64_t ticket, json_t *result,
    const char *code, const char *message)
{
	struct control_client *c = client_by_id(ctl, ticket);

	if (c == NULL || !c->deferred) {
		json_decref(result);
		return;
	}
	c->deferred = false;
	/* The command name is not kept; the reply says "deferred". */
	client_reply(c, "deferred", result, code != NULL ? code : "failed",
	    message != NULL ? message : "failed");
	client_flush(c);
	/* More requests may be buffered: answer them from the loop. */
	c->kick = true;
	schedule_reap(ctl);
}

int
control_watch(struct control_call *call, const char *const *types,
    size_t ntypes)
{
	struct control_client *c = client_by_id(call->ctl, call->client_id);
	size_t i;

	if (c == NULL)
		return -1;
	if (ntypes > CONTROL_MAX_WATCH_TYPES)
		return -1;
	for (i = 0; i < ntypes; i++) {
		if (!valid_name(types[i]))
			return -1;
		snprintf(c->watch[i], sizeof(c->watch[i]), "%s", types[i]);
	}
	c->nwatch = ntypes;
	c->watching = true;
	return 0;
}

static bool
wants(const struct control_client *c, const char *type)
{
	size_t i;

	if (!c->watching || c->dead)
		return false;
	if (c->nwatch == 0)
		return true;
	for (i = 0; i < c->nwatch; i++)
		if (strcmp(c->watch[i], type) == 0)
			return true;
	return false;
}

bool
control_watched(const struct control *ctl, const char *type)
{
	const struct control_client *c;

	for (c = ctl->clients; c != NULL; c = c->next)
		if (wants(c, type))
			return true;
	return false;
}

void
control_event(struct control *ctl, const char *type, json_t *data)
{
	struct control_client *c;
	json_t *msg;
	char *s = NULL;
	size_t len;

	if (data == NULL)
		data = json_object();
	msg = json_pack("{s:i, s:s, s:I, s:o}", "v", CONTROL_PROTO_VERSION,
	    "event", type, "time", (json_int_t)time(NULL), "data", data);
	if (msg == NULL)
		return;
	for (c = ctl->clients; c != NULL; c = c->next) {
		if (!wants(c, type))
			continue;
		if (c->lost > 0) {
			(void)json_object_set_new(msg, "lost",
			    json_integer((json_int_t)c->lost));
			free(s);
			s = NULL;
		} else if (json_object_get(msg, "lost") != NULL) {
			(void)json_object_del(msg, "lost");
			free(s);
			s = NULL;
		}
		if (s == NULL)
			s = json_dumps(msg, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (s == NULL)
			break;
		len = strlen(s);
		if (!client_queue(c, s, len, CONTROL_EVENT_OUT_MAX)) {
			c->lost++;
			continue;
		}
		c->lost = 0;
		client_flush(c);
	}
	free(s);
	json_decref(msg);
}
