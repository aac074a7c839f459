/*
 * Configuration model helpers: load messages, freeing, lookups.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "policy_group.h"

void
conf_msgs_init(struct conf_msgs *m)
{
	memset(m, 0, sizeof(*m));
}

void
conf_msg_add(struct conf_msgs *m, enum conf_severity sev, const char *file,
    unsigned line, const char *fmt, ...)
{
	struct conf_msg *msg;
	va_list ap;
	size_t used = 0;
	int n;

	if (sev == CONF_SEV_ERROR)
		m->nerrors++;
	else
		m->nwarnings++;
	if (m->n >= CONF_MSGS_MAX) {
		m->dropped++;
		return;
	}
	msg = &m->msg[m->n++];
	msg->sev = sev;
	msg->text[0] = '\0';
	if (file && line)
		n = snprintf(msg->text, sizeof(msg->text), "%s:%u: ", file, line);
	else if (file)
		n = snprintf(msg->text, sizeof(msg->text), "%s: ", file);
	else
		n = 0;
	if (n > 0)
		used = (size_t)n < sizeof(msg->text) ? (size_t)n : sizeof(msg->text) - 1;
	va_start(ap, fmt);
	vsnprintf(msg->text + used, sizeof(msg->text) - used, fmt, ap);
	va_end(ap);
}

const struct conf_msg *
conf_msgs_find(const struct conf_msgs *m, const char *needle)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strstr(m->msg[i].text, needle) != NULL)
			return &m->msg[i];
	return NULL;
}

void
conf_free(struct iked_conf *conf)
{
	size_t i;

	if (conf == NULL)
		return;
	for (i = 0; i < conf->nconns; i++) {
		policy_group_free(conf->conns[i].group);
		/* Raw keys are public, but do not leave them lying around. */
		memset(&conf->conns[i].left.sigkey, 0, sizeof(struct conf_sigkey));
		memset(&conf->conns[i].right.sigkey, 0, sizeof(struct conf_sigkey));
	}
	free(conf->conns);
	free(conf);
}

const struct conf_conn *
conf_find_conn(const struct iked_conf *conf, const char *name)
{
	size_t i;

	for (i = 0; conf && i < conf->nconns; i++)
		if (strcmp(conf->conns[i].name, name) == 0)
			return &conf->conns[i];
	return NULL;
}

bool
conf_conn_is_ike(const struct conf_conn *c)
{
	return c->type == CONF_TYPE_TUNNEL || c->type == CONF_TYPE_TRANSPORT;
}

bool
conf_conn_is_authenticated(const struct conf_conn *c)
{
	return conf_conn_is_ike(c) && c->right.auth != CONF_AUTH_NULL &&
	    c->right.auth != CONF_AUTH_NEVER && c->right.auth != CONF_AUTH_UNSET;
}

int
conf_conn_disabled_shunt(const struct conf_conn *c)
{
	switch (c->failureshunt) {
	case CONF_SHUNT_PASSTHROUGH:
	case CONF_SHUNT_REJECT:
		return c->failureshunt;
	default:
		/* none, hold, drop: fail closed. */
		return CONF_SHUNT_DROP;
	}
}
