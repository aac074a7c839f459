/*
 * The control socket's view of the DNS trigger socket: the `triggers`
 * command (pending and recent requests, counters) and a `triggers`
 * section in `status`.  The handlers find the server through the
 * daemon context, so they stay safe if the trigger socket is closed
 * or never opened.
 */
#include "config.h"

#include "iked.h"
#include "control.h"
#include "trigger.h"

static int
ctl_triggers(struct control_call *call, void *arg)
{
	struct iked *d = arg;
	json_t *j;

	if (d->trigger == NULL)
		return control_fail(call, "not-found", "the trigger socket is "
		    "not open (see the daemon's log)");
	j = trigger_server_json(d->trigger);
	if (j == NULL)
		return control_fail(call, "internal", "out of memory");
	return control_ok(call, j);
}

static json_t *
status_triggers(void *arg)
{
	struct iked *d = arg;
	json_t *j, *st;

	if (d->trigger == NULL)
		return json_pack("{s:b}", "open", 0);
	j = trigger_server_json(d->trigger);
	if (j == NULL)
		return NULL;
	st = json_incref(json_object_get(j, "stats"));
	json_decref(j);
	if (st == NULL)
		return NULL;
	json_object_set_new(st, "open", json_true());
	return st;
}

int
trigger_ctl_register(struct iked *d)
{
	if (d->control == NULL)
		return 0;
	if (control_register(d->control, "triggers", ctl_triggers, d) < 0 ||
	    control_add_status_section(d->control, "triggers", status_triggers,
	    d) < 0)
		return -1;
	return 0;
}
