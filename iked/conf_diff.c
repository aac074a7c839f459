/*
 * What changed between two loaded configurations, for oectl reload:
 * conns added, removed and modified (with the changed keys, and
 * whether established SAs may stay), and setup changes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_options.h"
#include "conf_value.h"
#include "policy_group.h"

/* A long list is cut; the flags, not the text, drive the reload. */
static void
append_key(char *buf, size_t len, const char *key)
{
	if (buf[0] != '\0')
		(void)conf_strlcat(buf, ",", len);
	(void)conf_strlcat(buf, key, len);
}

static bool
groups_equal(const struct policy_group *a, const struct policy_group *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		const struct policy_entry *x = &a->entries[i], *y = &b->entries[i];

		/* Line numbers alone (a comment added) are no change. */
		if (memcmp(&x->dst, &y->dst, sizeof(x->dst)) != 0 ||
		    x->proto != y->proto || x->sport != y->sport ||
		    x->dport != y->dport)
			return false;
	}
	return true;
}

/* Fills d (MODIFIED) and returns true if a and b differ. */
static bool
conn_compare(const struct conf_conn *a, const struct conf_conn *b,
    struct conf_diff_conn *d)
{
	size_t i;
	bool differ = false;

	d->sa_safe = true;
	for (i = 0; i < conf_noptions; i++) {
		const struct conf_option *o = &conf_options[i];

		if (o->section != CONF_SEC_CONN || o->size == 0)
			continue;
		if (memcmp((const char *)a + o->off, (const char *)b + o->off,
		    o->size) == 0)
			continue;
		differ = true;
		append_key(d->keys, sizeof(d->keys), o->name);
		if (!(o->flags & CONF_F_SA_SAFE))
			d->sa_safe = false;
	}
	if (a->disabled != b->disabled) {
		differ = true;
		d->sa_safe = false;
		append_key(d->keys, sizeof(d->keys), "(disabled)");
	}
	if (!groups_equal(a->group, b->group)) {
		differ = true;
		d->group_changed = true;
	}
	return differ;
}

static void
setup_compare(const struct conf_setup *a, const struct conf_setup *b,
    struct conf_diff *out)
{
	size_t i;

	for (i = 0; i < conf_noptions; i++) {
		const struct conf_option *o = &conf_options[i];

		if (o->section != CONF_SEC_SETUP)
			continue;
		if (memcmp((const char *)a + o->off, (const char *)b + o->off,
		    o->size) == 0)
			continue;
		out->setup_changed = true;
		if (o->flags & CONF_F_RESTART)
			out->setup_needs_restart = true;
		append_key(out->setup_keys, sizeof(out->setup_keys), o->name);
	}
}

int
conf_diff(const struct iked_conf *old, const struct iked_conf *new_conf,
    struct conf_diff *out)
{
	size_t nold = old ? old->nconns : 0, nnew = new_conf ? new_conf->nconns : 0;
	struct conf_diff_conn *d;
	const struct conf_conn *o;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->conns = calloc(nold + nnew + 1, sizeof(*out->conns));
	if (out->conns == NULL)
		return -1;
	for (i = 0; i < nold; i++) {
		if (conf_find_conn(new_conf, old->conns[i].name) != NULL)
			continue;
		d = &out->conns[out->nconns++];
		(void)conf_strlcpy(d->name, old->conns[i].name, sizeof(d->name));
		d->change = CONF_CHANGE_REMOVED;
	}
	for (i = 0; i < nnew; i++) {
		d = &out->conns[out->nconns];
		memset(d, 0, sizeof(*d));
		(void)conf_strlcpy(d->name, new_conf->conns[i].name, sizeof(d->name));
		if ((o = conf_find_conn(old, new_conf->conns[i].name)) == NULL) {
			d->change = CONF_CHANGE_ADDED;
			out->nconns++;
		} else if (conn_compare(o, &new_conf->conns[i], d)) {
			d->change = CONF_CHANGE_MODIFIED;
			out->nconns++;
		}
	}
	if (old && new_conf)
		setup_compare(&old->setup, &new_conf->setup, out);
	return 0;
}

void
conf_diff_free(struct conf_diff *d)
{
	free(d->conns);
	memset(d, 0, sizeof(*d));
}
