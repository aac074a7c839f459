/*
 * The control socket (oectl <-> oe-iked).
 *
 * Transport: a Unix SOCK_STREAM socket (default /run/oe/iked.ctl).
 * Stream, not SEQPACKET, because a reply (`sas` with thousands of SAs)
 * can exceed the largest datagram the kernel accepts, and the event
 * stream is a stream; framing is one compact JSON object per line
 * (JSON_COMPACT never emits a raw newline, strings escape it).  Peers
 * are checked with SO_PEERCRED at accept(): uid 0 or a member of the
 * configured ctl-group (primary group of the peer process or, via
 * its uid's supplementary groups); anybody else gets one
 * "permission-denied" error line and the connection is closed.
 *
 * Every client has bounded buffers: a request line longer than
 * CONTROL_REQ_MAX is answered with "too-large" and the connection
 * closed; replies are queued up to CONTROL_OUT_MAX and written as the
 * socket accepts them (non-blocking), so a client that never reads
 * only costs its own buffer and is dropped when that overflows, or
 * after CONTROL_IDLE_USEC without progress.
 *
 * Request:  {"v":1,"command":"NAME","args":{...}}      ("args" optional)
 * Reply:    {"v":1,"ok":true,"command":"NAME","result":{...}}
 *      or   {"v":1,"ok":false,"command":"NAME","error":{"code":"CODE","message":"text"}}
 * Event:    {"v":1,"event":"TYPE","time":UNIX_SECONDS,"data":{...}}
 *           (only after a "watch" request; see control_event()).
 * The schemas of every command's result are in doc/control-protocol.md
 * and doc/control-schema.json.
 *
 * Error codes (stable): "bad-request" (not JSON / not an object / wrong
 * "v" / missing command), "too-large", "unknown-command",
 * "bad-argument", "not-found", "failed", "busy", "permission-denied",
 * "internal".
 *
 * In the daemon the one instance is `d->control` (struct iked).  It
 * is created at the very start of iked_setup(), before any other
 * part's set-up, so register handlers from your own set-up function;
 * the socket is bound at the end of iked_setup() (after the kernel
 * policies), so no request arrives before every part is ready.
 *
 * Ownership: control_new() allocates; control_free() closes the
 * listening socket, every client and frees the handler table.  JSON
 * values passed to the control_* functions are stolen (the caller gives
 * up its reference) unless documented as borrowed.
 */
#ifndef OE_CONTROL_H
#define OE_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <systemd/sd-event.h>

#define CONTROL_PROTO_VERSION	1
#define CONTROL_REQ_MAX		4096		/* bytes, one request line */
#define CONTROL_OUT_MAX		(16u << 20)	/* queued reply bytes per client */
#define CONTROL_EVENT_OUT_MAX	(1u << 20)	/* watchers: lagging beyond this drops events */
#define CONTROL_MAX_CLIENTS	64
#define CONTROL_MAX_COMMANDS	64
#define CONTROL_COMMAND_MAX	32		/* command name length */
#define CONTROL_IDLE_USEC	(30ULL * 1000000ULL)	/* no progress: drop */

struct control;

/* One request being answered.  Valid only during the handler call. */
struct control_call {
	struct control	*ctl;
	const char	*command;	/* the registered name */
	json_t		*args;		/* borrowed; always an object */
	uid_t		 uid;		/* the peer's credentials */
	gid_t		 gid;
	pid_t		 pid;
	uint64_t	 client_id;	/* for control_defer() */
	/* Outputs, set through control_ok()/control_fail(). */
	json_t		*result;	/* owned by the call until the reply */
	char		 err_code[32];
	char		 err_msg[256];
};

enum control_rc {
	CONTROL_ERROR = -1,	/* control_fail() was called */
	CONTROL_OK = 0,		/* control_ok() was called */
	CONTROL_DEFERRED = 1,	/* control_defer() was called */
};

/*
 * A command handler.  Return control_ok(call, result),
 * control_fail(call, code, fmt, ...) or control_defer(call, &ticket).
 * Returning without calling one of them answers "internal".
 */
typedef int (*control_handler_fn)(struct control_call *call, void *arg);

/*
 * A status section: returns a new JSON value (stolen) that `status`
 * puts under result.NAME, or NULL to leave it out.
 */
typedef json_t *(*control_section_fn)(void *arg);

/* Allocate (no socket yet); handlers can be registered at once. */
struct control	*control_new(sd_event *event);
void		 control_free(struct control *ctl);

/*
 * Bind and listen on `path` (an existing socket file there is
 * replaced; the directory must exist), mode 0660, group `group` if
 * not NULL/"" (else root only).  0 or -1 (logged).
 */
int		 control_listen(struct control *ctl, const char *path,
		    const char *group);
/* The group allowed besides root; NULL or "": root only. 0 or -1. */
int		 control_set_group(struct control *ctl, const char *group);
const char	*control_path(const struct control *ctl);
/* Drop clients without progress after `usec` (default CONTROL_IDLE_USEC). */
void		 control_set_idle_timeout(struct control *ctl, uint64_t usec);

/*
 * Register `name` (at most CONTROL_COMMAND_MAX-1 bytes of [a-z0-9-]).
 * `arg` is passed to fn.  -1 if the name is taken, invalid or the
 * table is full.  Names the project uses: status sas initiate delete
 * reload watch (control_*.c), shunts policies why flush-shunts (policy
 * engine), triggers (trigger socket).
 */
int		 control_register(struct control *ctl, const char *name,
		    control_handler_fn fn, void *arg);
/* Add a section to the `status` result (e.g. "triggers" counters). */
int		 control_add_status_section(struct control *ctl,
		    const char *name, control_section_fn fn, void *arg);

/* Handler outcomes.  `result` is stolen (NULL: an empty object). */
int		 control_ok(struct control_call *call, json_t *result);
int		 control_fail(struct control_call *call, const char *code,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Answer later: stores a ticket in *ticket and returns
 * CONTROL_DEFERRED.  The client's further requests wait until
 * control_finish() is called with that ticket (exactly once).  If the
 * client went away meanwhile, control_finish() just frees `result`.
 */
int		 control_defer(struct control_call *call, uint64_t *ticket);
/* result (stolen) for success, or code+message for an error. */
void		 control_finish(struct control *ctl, uint64_t ticket,
		    json_t *result, const char *code, const char *message);

/*
 * Publish an event to every client that sent "watch" (control_events.c).
 * `type` e.g. "sa-up", "sa-down", "sa-rekey", "trigger"; `data` is
 * stolen.  A watcher whose queue exceeds CONTROL_EVENT_OUT_MAX loses
 * events; the next one it receives carries "lost":N.
 */
void		 control_event(struct control *ctl, const char *type,
		    json_t *data);
/* Whether any client watches `type` events (build the data only then). */
bool		 control_watched(const struct control *ctl, const char *type);

/*
 * Named counters shown by `status`, so any part can count without a
 * section of its own: "triggers.dns", "triggers.acquire",
 * "dropped.REASON" (packets dropped), "failed.REASON" (handshakes).
 * A name is GROUP.KEY, [a-z0-9_-] and at most 63 bytes; at most
 * CONTROL_MAX_COUNTERS names (later ones are counted under
 * GROUP.other).  ctl may be NULL (no-op), so callers need no check.
 */
#define CONTROL_MAX_COUNTERS	96
void		 control_count(struct control *ctl, const char *name,
		    uint64_t n);
/*
 * Count GROUP.SLUG where SLUG is `reason` in lower case with dashes
 * ("no IKE SA for these SPIs" -> "dropped.no-ike-sa-for-these-spis").
 */
void		 control_count_reason(struct control *ctl, const char *group,
		    const char *reason);
/* The value of a named counter (0 if never counted). */
uint64_t	 control_counter(const struct control *ctl, const char *name);
/* Every counter of GROUP as a JSON object {KEY: N} (new reference). */
json_t		*control_counter_group(const struct control *ctl,
		    const char *group);

/* Helpers for handlers: string argument (borrowed) or NULL. */
const char	*control_arg_string(const struct control_call *call,
		    const char *key);

/*
 * systemd: sd-event's watchdog keep-alive (WATCHDOG=1 at half of
 * $WATCHDOG_USEC, when set) and STATUS=<line> whenever `line_fn`'s
 * one-line summary changes (checked every CONTROL_STATUS_USEC and at
 * once).  Without $NOTIFY_SOCKET nothing is sent.  0 or -1.
 */
#define CONTROL_STATUS_USEC	(5ULL * 1000000ULL)
typedef void (*control_line_fn)(void *arg, char *buf, size_t len);
int		 control_notify_start(struct control *ctl, control_line_fn fn,
		    void *arg);

/* Statistics (for `status`). */
struct control_stats {
	uint64_t	 accepted;
	uint64_t	 refused;	/* credential check failed */
	uint64_t	 requests;
	uint64_t	 errors;	/* error replies */
	uint64_t	 dropped;	/* clients dropped: overflow, idle */
	size_t		 clients;
	size_t		 watchers;
	uint64_t	 started;	/* wall clock seconds of control_new() */
	uint64_t	 uptime;	/* seconds since then */
};
void		 control_get_stats(const struct control *ctl,
		    struct control_stats *st);

/*
 * SA events for the watchers and the journal (control_events.c); the
 * engine calls this where an SA comes up, is rekeyed, goes down or
 * fails.  `type` "sa-up", "sa-rekey", "sa-down" or "sa-failed"; `why`
 * the reason (may be NULL).  Works with d->control == NULL (journal
 * only).
 */
struct iked;
struct ikev2_ike_sa;
void		 control_sa_event(struct iked *d, const struct ikev2_ike_sa *sa,
		    const char *type, const char *why);

/*
 * Reload the configuration (iked_reload()) with systemd told about it:
 * RELOADING=1 first, READY=1 and a fresh STATUS= after (even when the
 * new configuration is refused: the old one keeps running).  For
 * SIGHUP (main.c) and the `reload` command.  Returns iked_reload()'s.
 */
int		 control_reload(struct iked *d);

/*
 * A DNS trigger's outcome (for the trigger socket): counts
 * "triggers.dns", logs with journal fields OE_EVENT=trigger, OE_NAME,
 * OE_PEER, OE_CONN, OE_OUTCOME, and publishes a "trigger" event whose
 * data is these members (null where a pointer is NULL).  Strings are
 * borrowed.  Works with d->control == NULL (journal only).
 */
struct oe_addr;
struct control_trigger_info {
	const char		*name;		/* DNS name, trailing dot */
	const char		*qtype;		/* "A" or "AAAA" */
	const struct oe_addr	*peer;		/* NULL: none chosen */
	const char		*conn;		/* NULL or "": none */
	bool			 keyed;		/* peer proved an IPSECKEY key */
	const char		*status;	/* "up" "clear" "failed" "busy" "error" */
	const char		*how;		/* e.g. "initiated", "reused" (or NULL) */
	const char		*why;		/* reason for failed/error (or NULL) */
	uint32_t		 sa_lifetime;	/* seconds, with "up" */
	uint64_t		 ms;		/* from request to outcome */
};
void		 control_trigger_event(struct iked *d,
		    const struct control_trigger_info *t);

/* ---- internal to control*.c ---- */
int		 control_events_register(struct control *ctl);
/* Mark the calling client as a watcher of `types` (none: every type). */
int		 control_watch(struct control_call *call,
		    const char *const *types, size_t ntypes);
void		 control_status_sections(struct control *ctl, json_t *result);
json_t		*control_command_names(const struct control *ctl);
/* Register status/sas/initiate/delete/reload over the daemon `d`. */
int		 control_register_daemon(struct control *ctl, struct iked *d);
int		 control_register_sas(struct control *ctl, struct iked *d);
/* One line summary for `status` and systemd's STATUS=. */
void		 control_status_line(struct iked *d, char *buf, size_t len);
/* One IKE SA as the `sas` schema describes it (control_sas.c). */
json_t		*control_sa_json(struct iked *d, const struct ikev2_ike_sa *sa);

#endif /* OE_CONTROL_H */
