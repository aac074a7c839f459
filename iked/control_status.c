/*
 * Control commands about the daemon as a whole: `status` and
 * `reload`, and control_register_daemon() which registers every
 * command of control_*.c over a daemon context.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "oe_log.h"
#include "iked.h"
#include "ikev2_sa.h"
#include "kernel.h"
#include "control.h"

static json_t *
jint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *
sa_counts(struct iked *d)
{
	struct ikev2_ike_sa *sa;
	uint64_t total = 0, half = 0, est = 0, children = 0;

	for (sa = d->sas != NULL ? ikev2_sa_first(d->sas) : NULL; sa != NULL;
	    sa = ikev2_sa_next(sa)) {
		if (sa->state == IKEV2_SA_DEAD)
			continue;
		total++;
		if (sa->state == IKEV2_SA_ESTABLISHED)
			est++;
		else if (sa->state != IKEV2_SA_DELETING)
			half++;
		if (sa->child.present && sa->child.installed)
			children++;
	}
	return json_pack("{s:o, s:o, s:o, s:o}", "total", jint(total),
	    "half_open", jint(half), "established", jint(est),
	    "child_sas", jint(children));
}

static json_t *
counters(struct iked *d, uint64_t half_open)
{
	struct control *ctl = d->control;
	uint64_t up = control_counter(ctl, "handshakes.completed");
	uint64_t failed = control_counter(ctl, "handshakes.failed");

	/*
	 * Every IKE SA ends up either established or failed, so "started"
	 * is those two plus the ones still negotiating.
	 */
	return json_pack("{s:{s:o, s:o, s:o, s:o}, s:{s:o, s:o},"
	    " s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o, s:o}}",
	    "handshakes",
	    "started", jint(up + failed + half_open),
	    "completed", jint(up),
	    "failed", jint(failed),
	    "failed_by_reason", control_counter_group(ctl, "failed"),
	    "triggers",
	    "dns", jint(control_counter(ctl, "triggers.dns")),
	    "acquire", jint(control_counter(ctl, "triggers.acquire")),
	    "cookies_sent", jint(d->stats.cookies_sent),
	    "invalid_ke_sent", jint(d->stats.invalid_ke_sent),
	    "child_sas_installed", jint(d->stats.child_installed),
	    "packets",
	    "received", jint(d->stats.rx_packets),
	    "sent", jint(d->stats.tx_packets),
	    "retransmits", jint(d->stats.retransmits),
	    "dropped", jint(d->stats.rx_dropped),
	    "dropped_by_reason", control_counter_group(ctl, "dropped"));
}

static void
status_line(void *arg, char *buf, size_t len)
{
	control_status_line(arg, buf, len);
}

void
control_status_line(struct iked *d, char *buf, size_t len)
{
	struct ikev2_ike_sa *sa;
	size_t est = 0, half = 0;

	for (sa = d->sas != NULL ? ikev2_sa_first(d->sas) : NULL; sa != NULL;
	    sa = ikev2_sa_next(sa)) {
		if (sa->state == IKEV2_SA_ESTABLISHED)
			est++;
		else if (sa->state != IKEV2_SA_DEAD &&
		    sa->state != IKEV2_SA_DELETING)
			half++;
	}
	snprintf(buf, len, "%zu IKE SAs up, %zu negotiating; %llu failed, "
	    "%llu DNS triggers", est, half, (unsigned long long)
	    control_counter(d->control, "handshakes.failed"),
	    (unsigned long long)control_counter(d->control, "triggers.dns"));
}

static int
cmd_status(struct control_call *call, void *arg)
{
	struct iked *d = arg;
	struct control_stats st;
	json_t *res, *sas;
	char line[160];

	control_get_stats(call->ctl, &st);
	sas = sa_counts(d);
	if (sas == NULL)
		return control_fail(call, "internal", "out of memory");
	control_status_line(d, line, sizeof(line));
	res = json_pack("{s:s, s:i, s:o, s:o, s:b, s:s, s:o, s:s}",
	    "version", PACKAGE_VERSION,
	    "pid", (int)getpid(),
	    "started", jint(st.started),
	    "uptime", jint(st.uptime),
	    "stopping", d->stopping,
	    "kernel", d->kernel != NULL ? d->kernel->ops->name : "",
	    "config", d->opts.config != NULL ? json_string(d->opts.config) :
	    json_null(),
	    "summary", line);
	if (res == NULL) {
		json_decref(sas);
		return control_fail(call, "internal", "out of memory");
	}
	(void)json_object_set_new(res, "counters", counters(d,
	    (uint64_t)json_integer_value(json_object_get(sas, "half_open"))));
	(void)json_object_set_new(res, "ike_sas", sas);
	(void)json_object_set_new(res, "control", json_pack(
	    "{s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "clients", jint(st.clients), "watchers", jint(st.watchers),
	    "accepted", jint(st.accepted), "refused", jint(st.refused),
	    "requests", jint(st.requests), "errors", jint(st.errors),
	    "dropped", jint(st.dropped)));
	(void)json_object_set_new(res, "commands",
	    control_command_names(call->ctl));
	/* Sections of other parts (policy engine, trigger socket). */
	control_status_sections(call->ctl, res);
	return control_ok(call, res);
}

int
control_reload(struct iked *d)
{
	char line[160], msg[200];
	int r;

	(void)sd_notify(0, "RELOADING=1\nSTATUS=reloading the configuration");
	r = iked_reload(d);
	control_status_line(d, line, sizeof(line));
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s%s", r < 0 ?
	    "reload refused; " : "", line);
	(void)sd_notify(0, msg);
	return r;
}

/* args: {} -> {"reloaded": true, "config": PATH}; "failed" if refused */
static int
cmd_reload(struct control_call *call, void *arg)
{
	struct iked *d = arg;

	oe_info("control: reload (uid %u)", (unsigned)call->uid);
	if (d->stopping)
		return control_fail(call, "busy", "the daemon is stopping");
	if (control_reload(d) < 0)
		return control_fail(call, "failed", "configuration %s has "
		    "errors (see the log); the running one is kept",
		    d->opts.config);
	return control_ok(call, json_pack("{s:b, s:s}", "reloaded", 1,
	    "config", d->opts.config != NULL ? d->opts.config : ""));
}

int
control_register_daemon(struct control *ctl, struct iked *d)
{
	if (control_notify_start(ctl, status_line, d) < 0 ||
	    control_register(ctl, "status", cmd_status, d) < 0 ||
	    control_register(ctl, "reload", cmd_reload, d) < 0 ||
	    control_register_sas(ctl, d) < 0)
		return -1;
	return 0;
}
