/*
 * Logging for the daemon and the tools: the systemd journal with
 * structured fields when stderr is connected to it, plain stderr lines
 * otherwise.  The resolver module does not use this: inside Unbound it
 * logs through Unbound's own log functions.
 */
#ifndef OE_LOG_H
#define OE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

void oe_log_init(const char *ident, int max_priority);
void oe_log_set_priority(int max_priority);
bool oe_log_to_journal(void);

void oe_log(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void oe_vlog(int priority, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * A log line with extra journal fields ("OE_PEER=198.51.100.2", ...),
 * NULL-terminated.  On stderr the fields are appended as key=value.
 */
void oe_log_fields(int priority, const char *const *fields, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define oe_err(...)	oe_log(LOG_ERR, __VA_ARGS__)
#define oe_warn(...)	oe_log(LOG_WARNING, __VA_ARGS__)
#define oe_notice(...)	oe_log(LOG_NOTICE, __VA_ARGS__)
#define oe_info(...)	oe_log(LOG_INFO, __VA_ARGS__)
#define oe_debug(...)	oe_log(LOG_DEBUG, __VA_ARGS__)

/*
 * Token bucket for messages a peer can provoke: at most `burst` lines,
 * refilled at `per_sec` a second.  The caller owns the struct (one per
 * reason), so a flood of one kind of bad packet cannot hide another.
 */
struct oe_ratelimit {
	double		 tokens;
	double		 per_sec;
	double		 burst;
	uint64_t	 last_usec;
	uint64_t	 suppressed;
};

void oe_ratelimit_init(struct oe_ratelimit *rl, double per_sec, double burst);
/* True if a line may be logged now; `now_usec` is CLOCK_MONOTONIC. */
bool oe_ratelimit_allow(struct oe_ratelimit *rl, uint64_t now_usec);

#define oe_log_ratelimited(rl, now, prio, ...) do {			\
	if (oe_ratelimit_allow((rl), (now)))				\
		oe_log((prio), __VA_ARGS__);				\
} while (0)

#endif /* OE_LOG_H */
