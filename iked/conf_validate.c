/*
 * Cross-key checks of a resolved conn (see conf_validate.h).
 *
 * Features not built yet (certificates, address pools, client address
 * translation) are accepted by the parser; a conn that sets them is
 * loaded but disabled, with a warning naming the keys.  It is a warning
 * and not an error because the file is valid and other conns must keep
 * working; the conn never runs without what it asked for: it negotiates
 * nothing, and its destinations get the shunt conf_conn_disabled_shunt()
 * names (a disabled "private" conn drops, it never sends in clear).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf_validate.h"

#define FEATURES_MAX	4

struct feature_use {
	const char	*feature;
	char		 keys[CONF_MSG_LEN / 2];
};

static size_t
opt_index(const char *name)
{
	const struct conf_option *o = conf_option_find(name, CONF_SEC_CONN);

	return o ? (size_t)(o - conf_options) : 0;
}

/* Cite the line that set `key`, or the conn header if it was a default. */
static void
at_key(const struct conf_conn *c, const struct conf_origin *origin,
    const char *key, const char **file, unsigned *line)
{
	const struct conf_origin *o = &origin[opt_index(key)];

	*file = o->file ? o->file : c->file;
	*line = o->file ? o->line : c->line;
}

static void
key_error(const struct conf_conn *c, const struct conf_origin *origin,
    struct conf_msgs *msgs, const char *key, const char *text)
{
	const char *file;
	unsigned line;

	at_key(c, origin, key, &file, &line);
	conf_msg_add(msgs, CONF_SEV_ERROR, file, line, "conn \"%s\": %s", c->name,
	    text);
}

static void
note_feature(struct feature_use *uses, size_t *n, const char *feature,
    const char *key)
{
	size_t i, len;

	for (i = 0; i < *n; i++)
		if (strcmp(uses[i].feature, feature) == 0)
			break;
	if (i == *n) {
		if (*n >= FEATURES_MAX)
			return;
		uses[i].feature = feature;
		uses[i].keys[0] = '\0';
		(*n)++;
	}
	len = strlen(uses[i].keys);
	snprintf(uses[i].keys + len, sizeof(uses[i].keys) - len, "%s%s",
	    len ? ", " : "", key);
}

static void
end_auth_default(struct conf_end *e, int authby)
{
	if (e->auth != CONF_AUTH_UNSET)
		return;
	if (authby & CONF_AUTHBY_NEVER)
		e->auth = CONF_AUTH_NEVER;
	else if (authby & (CONF_AUTHBY_RSASIG | CONF_AUTHBY_RSA_SHA2))
		e->auth = CONF_AUTH_RSASIG;
	else if (authby & CONF_AUTHBY_ECDSA)
		e->auth = CONF_AUTH_ECDSA;
	else
		e->auth = CONF_AUTH_NULL;
}

static void
check_features(struct conf_conn *c, const struct conf_conn *defaults,
    const struct conf_origin *origin, struct conf_msgs *msgs)
{
	struct feature_use uses[FEATURES_MAX];
	size_t i, n = 0, used = 0;
	const char *file;
	unsigned line;
	int w;

	for (i = 0; i < conf_noptions; i++) {
		const struct conf_option *o = &conf_options[i];

		if (o->section != CONF_SEC_CONN || o->feature == NULL)
			continue;
		if (memcmp((const char *)c + o->off, (const char *)defaults + o->off,
		    o->size) != 0)
			note_feature(uses, &n, o->feature, o->name);
	}
	if (c->left.id.kind == CONF_ID_FROMCERT || c->left.id.kind == CONF_ID_DN)
		note_feature(uses, &n, "certificates", "leftid");
	if (c->right.id.kind == CONF_ID_FROMCERT || c->right.id.kind == CONF_ID_DN)
		note_feature(uses, &n, "certificates", "rightid");
	if (c->left.sigkey.kind == CONF_SIGKEY_CERT)
		note_feature(uses, &n, "certificates", "leftrsasigkey=%cert");
	if (c->right.sigkey.kind == CONF_SIGKEY_CERT)
		note_feature(uses, &n, "certificates", "rightrsasigkey=%cert");
	if (n == 0)
		return;
	c->disabled = true;
	for (i = 0; i < n; i++) {
		w = snprintf(c->disabled_reason + used, sizeof(c->disabled_reason) - used,
		    "%sneeds %s (%s): not yet supported", i ? "; " : "",
		    uses[i].feature, uses[i].keys);
		if (w < 0 || (size_t)w >= sizeof(c->disabled_reason) - used)
			break;
		used += (size_t)w;
	}
	(void)origin;
	file = c->file;
	line = c->line;
	conf_msg_add(msgs, CONF_SEV_WARNING, file, line, "conn \"%s\" is loaded but "
	    "disabled: %s", c->name, c->disabled_reason);
}

static void
check_hosts(struct conf_conn *c, const struct conf_origin *origin,
    struct conf_msgs *msgs)
{
	int lk = c->left.host.kind, rk = c->right.host.kind;
	bool group = rk == CONF_HOST_OPPOGROUP || rk == CONF_HOST_GROUP;

	if (c->autostart != CONF_AUTO_IGNORE) {
		if (lk == CONF_HOST_UNSET)
			key_error(c, origin, msgs, "left", "left= is missing (expected "
			    "an address or %defaultroute)");
		if (rk == CONF_HOST_UNSET)
			key_error(c, origin, msgs, "right", "right= is missing "
			    "(expected an address, %any or %opportunisticgroup)");
	}
	if (c->autostart == CONF_AUTO_START && rk != CONF_HOST_ADDR &&
	    rk != CONF_HOST_UNSET)
		key_error(c, origin, msgs, "auto", "auto=start needs right= to be "
		    "an address (a group or %any has no peer to start with; use "
		    "ondemand or add)");
	if (c->autostart == CONF_AUTO_ONDEMAND && (rk == CONF_HOST_ANY ||
	    rk == CONF_HOST_DEFAULTROUTE))
		key_error(c, origin, msgs, "auto", "auto=ondemand needs right= to be "
		    "an address or a group (there is no traffic to %any to trap)");
	if (lk == CONF_HOST_OPPOGROUP || lk == CONF_HOST_GROUP)
		key_error(c, origin, msgs, "left", "a group belongs on right=, "
		    "left= is this host");
	if (rk == CONF_HOST_OPPOGROUP && !conf_conn_is_ike(c))
		key_error(c, origin, msgs, "right", "right=%opportunisticgroup needs "
		    "type=tunnel or transport (use right=%group for shunts)");
	if (rk == CONF_HOST_GROUP && conf_conn_is_ike(c))
		key_error(c, origin, msgs, "right", "right=%group is for shunt conns "
		    "(type=passthrough, drop or reject); OE conns use "
		    "right=%opportunisticgroup");
	if (group && c->right.subnet.addr.family != AF_UNSPEC)
		key_error(c, origin, msgs, "rightsubnet", "rightsubnet= cannot be "
		    "combined with a group: the group file lists the destinations");
	if (c->type == CONF_TYPE_TRANSPORT &&
	    (c->left.subnet.addr.family != AF_UNSPEC ||
	    c->right.subnet.addr.family != AF_UNSPEC))
		key_error(c, origin, msgs, c->left.subnet.addr.family != AF_UNSPEC ?
		    "leftsubnet" : "rightsubnet", "type=transport protects the hosts "
		    "themselves: leftsubnet/rightsubnet need type=tunnel");
	if (lk == CONF_HOST_ADDR && c->left.subnet.addr.family != AF_UNSPEC &&
	    c->left.subnet.addr.family != c->left.host.addr.family)
		key_error(c, origin, msgs, "leftsubnet", "leftsubnet= and left= "
		    "are of different address families");
	if (rk == CONF_HOST_ADDR && c->right.subnet.addr.family != AF_UNSPEC &&
	    c->right.subnet.addr.family != c->right.host.addr.family)
		key_error(c, origin, msgs, "rightsubnet", "rightsubnet= and right= "
		    "are of different address families");
}

static void
check_end_auth(struct conf_conn *c, struct conf_end *e, const char *side,
    const struct conf_origin *origin, struct conf_msgs *msgs)
{
	char key[32], text[CONF_MSG_LEN];
	const char *file;
	unsigned line;

	snprintf(key, sizeof(key), "%sid", side);
	if (e->id.kind == CONF_ID_NULL && e->auth != CONF_AUTH_NULL) {
		snprintf(text, sizeof(text), "%sid=%%null needs %sauth=null (or "
		    "authby=null)", side, side);
		key_error(c, origin, msgs, key, text);
	}
	if (e->auth == CONF_AUTH_NULL && e->id.kind != CONF_ID_NULL &&
	    e->id.kind != CONF_ID_UNSET) {
		at_key(c, origin, key, &file, &line);
		conf_msg_add(msgs, CONF_SEV_WARNING, file, line, "conn \"%s\": %sid "
		    "is sent with NULL authentication and proves nothing", c->name,
		    side);
	}
	snprintf(key, sizeof(key), "%srsasigkey", side);
	if (e->sigkey.kind == CONF_SIGKEY_RAW && e->auth != CONF_AUTH_RSASIG) {
		snprintf(text, sizeof(text), "%srsasigkey is an RSA key but %sauth "
		    "is not rsasig", side, side);
		key_error(c, origin, msgs, key, text);
	}
}

static void
check_timers(struct conf_conn *c, const struct conf_origin *origin,
    struct conf_msgs *msgs)
{
	char text[CONF_MSG_LEN];
	uint32_t shortest = c->salifetime < c->ikelifetime ? c->salifetime :
	    c->ikelifetime;

	if (c->rekeymargin >= shortest) {
		snprintf(text, sizeof(text), "rekeymargin (%us) must be shorter than "
		    "salifetime and ikelifetime (%us)", c->rekeymargin, shortest);
		key_error(c, origin, msgs, "rekeymargin", text);
	}
	if (c->dpddelay != 0 && c->dpdtimeout < c->dpddelay) {
		snprintf(text, sizeof(text), "dpdtimeout (%us) must be at least "
		    "dpddelay (%us)", c->dpdtimeout, c->dpddelay);
		key_error(c, origin, msgs, "dpdtimeout", text);
	}
}

static void
check_ignored(const struct conf_conn *c, const struct conf_conn *defaults,
    const struct conf_origin *origin, struct conf_msgs *msgs)
{
	size_t i;

	for (i = 0; i < conf_noptions; i++) {
		const struct conf_option *o = &conf_options[i];

		if (o->section != CONF_SEC_CONN || !(o->flags & CONF_F_IGNORED))
			continue;
		if (memcmp((const char *)c + o->off, (const char *)defaults + o->off,
		    o->size) == 0)
			continue;
		conf_msg_add(msgs, CONF_SEV_WARNING, origin[i].file ? origin[i].file :
		    c->file, origin[i].file ? origin[i].line : c->line,
		    "conn \"%s\": %s is accepted but ignored: %s", c->name, o->name,
		    o->help);
	}
}

void
conf_validate_conn(struct conf_conn *c, const struct conf_conn *defaults,
    const struct conf_origin *origin, struct conf_msgs *msgs)
{
	const char *file;
	unsigned line;

	if (!conf_conn_is_ike(c)) {
		/* Shunts never negotiate: nothing to authenticate. */
		c->left.auth = c->right.auth = CONF_AUTH_NEVER;
	} else {
		if (c->authby == CONF_AUTHBY_NEVER)
			key_error(c, origin, msgs, "authby", "authby=never is for shunt "
			    "conns (type=passthrough, drop or reject)");
		end_auth_default(&c->left, c->authby);
		end_auth_default(&c->right, c->authby);
		check_end_auth(c, &c->left, "left", origin, msgs);
		check_end_auth(c, &c->right, "right", origin, msgs);
		check_timers(c, origin, msgs);
	}
	check_hosts(c, origin, msgs);
	if (conf_conn_is_ike(c) && c->negotiationshunt == CONF_SHUNT_PASSTHROUGH &&
	    (c->failureshunt == CONF_SHUNT_DROP || c->failureshunt == CONF_SHUNT_REJECT)) {
		at_key(c, origin, "negotiationshunt", &file, &line);
		conf_msg_add(msgs, CONF_SEV_WARNING, file, line, "conn \"%s\": traffic "
		    "passes in clear while negotiating but is dropped after a failure; "
		    "negotiationshunt=hold keeps it private", c->name);
	}
	check_ignored(c, defaults, origin, msgs);
	check_features(c, defaults, origin, msgs);
}
