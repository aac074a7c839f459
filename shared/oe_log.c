#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "oe_log.h"

/*
 * Process-wide, written once at start-up: the ident and where lines go.
 * Not protocol state, so it does not belong in the daemon's context.
 */
static struct {
	const char	*ident;
	int		 max_priority;
	bool		 journal;
} log_conf = { "oe", LOG_INFO, false };

static const char *const prio_names[] = {
	"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"
};

/* stderr is the journal iff JOURNAL_STREAM names its device and inode. */
static bool
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(2, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
oe_log_init(const char *ident, int max_priority)
{
	log_conf.ident = ident;
	log_conf.max_priority = max_priority;
	log_conf.journal = stderr_is_journal();
}

void
oe_log_set_priority(int max_priority)
{
	log_conf.max_priority = max_priority;
}

bool
oe_log_to_journal(void)
{
	return log_conf.journal;
}

static void
log_emit(int priority, const char *const *fields, const char *msg)
{
	size_t nf = 0, i;

	if (fields != NULL)
		while (fields[nf] != NULL)
			nf++;

	if (log_conf.journal) {
		struct iovec iov[3 + 16];
		char mbuf[2048], pbuf[32], ibuf[128];

		snprintf(mbuf, sizeof(mbuf), "MESSAGE=%s", msg);
		snprintf(pbuf, sizeof(pbuf), "PRIORITY=%d", priority);
		snprintf(ibuf, sizeof(ibuf), "SYSLOG_IDENTIFIER=%s", log_conf.ident);
		iov[0] = (struct iovec){ mbuf, strlen(mbuf) };
		iov[1] = (struct iovec){ pbuf, strlen(pbuf) };
		iov[2] = (struct iovec){ ibuf, strlen(ibuf) };
		for (i = 0; i < nf && i < 16; i++)
			iov[3 + i] = (struct iovec){ (void *)(uintptr_t)fields[i],
			    strlen(fields[i]) };
		if (sd_journal_sendv(iov, (int)(3 + i)) >= 0)
			return;
		/* journal gone: fall through to stderr */
	}

	fprintf(stderr, "%s[%s]: %s", log_conf.ident,
	    prio_names[priority & 7], msg);
	for (i = 0; i < nf; i++)
		fprintf(stderr, " %s", fields[i]);
	fputc('\n', stderr);
}

/*
 * Messages quote what peers send (names, error texts): a newline or an
 * escape sequence in them must not forge a log line or a terminal.
 */
static void
sanitize(char *msg)
{
	for (; *msg != '\0'; msg++)
		if ((unsigned char)*msg < 0x20 || *msg == 0x7f)
			*msg = ' ';
}

void
oe_vlog(int priority, const char *fmt, va_list ap)
{
	char msg[1536];
	int saved = errno;

	if (priority > log_conf.max_priority)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	sanitize(msg);
	log_emit(priority, NULL, msg);
	errno = saved;
}

void
oe_log(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	oe_vlog(priority, fmt, ap);
	va_end(ap);
}

void
oe_log_fields(int priority, const char *const *fields, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;
	int saved = errno;

	if (priority > log_conf.max_priority)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sanitize(msg);
	log_emit(priority, fields, msg);
	errno = saved;
}

void
oe_ratelimit_init(struct oe_ratelimit *rl, double per_sec, double burst)
{
	rl->tokens = burst;
	rl->per_sec = per_sec;
	rl->burst = burst;
	rl->last_usec = 0;
	rl->suppressed = 0;
}

bool
oe_ratelimit_allow(struct oe_ratelimit *rl, uint64_t now_usec)
{
	if (rl->last_usec != 0 && now_usec > rl->last_usec) {
		rl->tokens += (double)(now_usec - rl->last_usec) / 1e6 * rl->per_sec;
		if (rl->tokens > rl->burst)
			rl->tokens = rl->burst;
	}
	rl->last_usec = now_usec;
	if (rl->tokens >= 1.0) {
		rl->tokens -= 1.0;
		return true;
	}
	rl->suppressed++;
	return false;
}
