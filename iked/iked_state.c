/*
 * The --state-file JSON view (see iked_state.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oe_log.h"
#include "ikev2.h"
#include "iked.h"
#include "iked_state.h"
#include "ikev2_sa.h"
#include "kernel.h"

static json_t *
addr_json(const struct oe_addr *a)
{
	char s[OE_ADDR_STRLEN];

	if (oe_addr_format(a, s, sizeof(s)) == NULL)
		return json_null();
	return json_string(s);
}

static json_t *
hex64(uint64_t v)
{
	char s[19];

	snprintf(s, sizeof(s), "%016" PRIx64, v);
	return json_string(s);
}

static json_t *
hex32(uint32_t v)
{
	char s[11];

	snprintf(s, sizeof(s), "%08" PRIx32, v);
	return json_string(s);
}

static json_t *
name_json(enum ikev2_registry reg, unsigned v)
{
	struct ikev2_namebuf nb;

	return json_string(ikev2_name_or_number(reg, v, &nb));
}

static json_t *
ts_json(const struct ikev2_ts *ts)
{
	struct oe_addr s, e;
	int fam = ts->type == IKEV2_TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6;
	size_t len = fam == AF_INET ? 4 : 16;

	(void)oe_addr_from_bytes(&s, fam, ts->start_addr, len);
	(void)oe_addr_from_bytes(&e, fam, ts->end_addr, len);
	return json_pack("{s:o s:o s:i s:i s:i}", "start", addr_json(&s),
	    "end", addr_json(&e), "protocol", ts->ip_proto,
	    "start_port", ts->start_port, "end_port", ts->end_port);
}

/* For the `none` backend: whether both SAs are really recorded there. */
static json_t *
kernel_json(struct iked *d, const struct ikev2_ike_sa *sa)
{
	struct kernel_sa_id id;
	json_t *o;
	bool in, out;

	if (d->kernel == NULL || strcmp(d->kernel->ops->name, "none") != 0)
		return json_null();
	memset(&id, 0, sizeof(id));
	id.dst.family = sa->path.local.family;
	memcpy(id.dst.u.bytes, oe_addr_bytes(&sa->path.local),
	    oe_addr_len(&sa->path.local));
	id.spi = sa->child.spi_in;
	in = kernel_none_find_sa(d->kernel, &id) != NULL &&
	    !kernel_none_sa_is_larval(d->kernel, &id);
	id.dst.family = sa->path.remote.family;
	memcpy(id.dst.u.bytes, oe_addr_bytes(&sa->path.remote),
	    oe_addr_len(&sa->path.remote));
	id.spi = sa->child.spi_out;
	out = kernel_none_find_sa(d->kernel, &id) != NULL;
	o = json_object();
	json_object_set_new(o, "backend", json_string("none"));
	json_object_set_new(o, "sa_in_installed", json_boolean(in));
	json_object_set_new(o, "sa_out_installed", json_boolean(out));
	json_object_set_new(o, "spi_in", hex32(sa->child.spi_in));
	json_object_set_new(o, "spi_out", hex32(sa->child.spi_out));
	return o;
}

static json_t *
child_json(struct iked *d, const struct ikev2_ike_sa *sa)
{
	const struct ikev2_child_sa *c = &sa->child;
	json_t *o;

	if (!c->present)
		return json_null();
	o = json_object();
	json_object_set_new(o, "installed", json_boolean(c->installed));
	json_object_set_new(o, "mode", json_string(c->transport ? "transport" :
	    "tunnel"));
	json_object_set_new(o, "spi_in", hex32(c->spi_in));
	json_object_set_new(o, "spi_out", hex32(c->spi_out));
	json_object_set_new(o, "reqid", json_integer(c->reqid));
	if (c->installed) {
		json_object_set_new(o, "encr", name_json(IKEV2_REG_ENCR,
		    c->alg.encr));
		json_object_set_new(o, "encr_bits", json_integer(c->alg.encr_bits));
		json_object_set_new(o, "integ", name_json(IKEV2_REG_INTEG,
		    c->alg.integ));
		json_object_set_new(o, "pfs_group", c->alg.dh != 0 ?
		    name_json(IKEV2_REG_DH, c->alg.dh) : json_null());
		json_object_set_new(o, "ts_local", ts_json(&c->ts_local));
		json_object_set_new(o, "ts_remote", ts_json(&c->ts_remote));
		json_object_set_new(o, "key_fp_in", json_string(c->fp_in));
		json_object_set_new(o, "key_fp_out", json_string(c->fp_out));
		json_object_set_new(o, "lifetime", json_integer(c->lifetime));
		json_object_set_new(o, "kernel", kernel_json(d, sa));
	}
	return o;
}

static json_t *
ike_json(struct iked *d, const struct ikev2_ike_sa *sa)
{
	json_t *o = json_object();

	json_object_set_new(o, "serial", json_integer((json_int_t)sa->serial));
	json_object_set_new(o, "conn", json_string(sa->conn));
	json_object_set_new(o, "state", json_string(
	    ikev2_sa_state_name(sa->state)));
	json_object_set_new(o, "role", json_string(sa->initiator ?
	    "initiator" : "responder"));
	json_object_set_new(o, "local", addr_json(&sa->path.local));
	json_object_set_new(o, "local_port", json_integer(sa->path.lport));
	json_object_set_new(o, "peer", addr_json(&sa->path.remote));
	json_object_set_new(o, "peer_port", json_integer(sa->path.rport));
	json_object_set_new(o, "natt", json_boolean(sa->path.natt));
	json_object_set_new(o, "ispi", hex64(sa->ispi));
	json_object_set_new(o, "rspi", hex64(sa->rspi));
	if (sa->have_keys) {
		json_object_set_new(o, "encr", name_json(IKEV2_REG_ENCR,
		    sa->alg.encr));
		json_object_set_new(o, "encr_bits", json_integer(sa->alg.encr_bits));
		json_object_set_new(o, "prf", name_json(IKEV2_REG_PRF, sa->alg.prf));
		json_object_set_new(o, "integ", name_json(IKEV2_REG_INTEG,
		    sa->alg.integ));
		json_object_set_new(o, "dh", name_json(IKEV2_REG_DH, sa->alg.dh));
	}
	if (sa->state == IKEV2_SA_ESTABLISHED) {
		json_object_set_new(o, "auth_local", name_json(IKEV2_REG_AUTH,
		    sa->auth_local));
		json_object_set_new(o, "auth_peer", name_json(IKEV2_REG_AUTH,
		    sa->auth_peer));
		json_object_set_new(o, "peer_id_type", name_json(IKEV2_REG_ID,
		    sa->peer_id.type));
	}
	if (sa->peer_name[0] != '\0')
		json_object_set_new(o, "peer_name", json_string(sa->peer_name));
	json_object_set_new(o, "nat_detected", json_boolean(sa->nat_local ||
	    sa->nat_remote));
	json_object_set_new(o, "peer_fragmentation", json_boolean(sa->peer_frag));
	json_object_set_new(o, "child", child_json(d, sa));
	json_object_set_new(o, "child_rekeys", json_integer((json_int_t)sa->rekeys));
	return o;
}

json_t *
iked_state_json(struct iked *d)
{
	struct ikev2_ike_sa *sa;
	json_t *root, *arr, *st;

	root = json_object();
	arr = json_array();
	if (root == NULL || arr == NULL) {
		json_decref(root);
		json_decref(arr);
		return NULL;
	}
	if (d->sas != NULL)
		for (sa = ikev2_sa_first(d->sas); sa != NULL;
		    sa = ikev2_sa_next(sa))
			json_array_append_new(arr, ike_json(d, sa));
	json_object_set_new(root, "pid", json_integer(getpid()));
	json_object_set_new(root, "stopping", json_boolean(d->stopping));
	json_object_set_new(root, "ike_sas", arr);
	st = json_pack("{s:I s:I s:I s:I s:I s:I s:I s:I s:I}",
	    "rx_packets", (json_int_t)d->stats.rx_packets,
	    "rx_dropped", (json_int_t)d->stats.rx_dropped,
	    "tx_packets", (json_int_t)d->stats.tx_packets,
	    "retransmits", (json_int_t)d->stats.retransmits,
	    "ike_established", (json_int_t)d->stats.ike_established,
	    "ike_failed", (json_int_t)d->stats.ike_failed,
	    "child_installed", (json_int_t)d->stats.child_installed,
	    "cookies_sent", (json_int_t)d->stats.cookies_sent,
	    "invalid_ke_sent", (json_int_t)d->stats.invalid_ke_sent);
	json_object_set_new(root, "counters", st);
	return root;
}

int
iked_state_write(struct iked *d, const char *path)
{
	char tmp[4096];
	json_t *root;
	int fd = -1, ret = -1;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -1;
	root = iked_state_json(d);
	if (root == NULL)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		oe_warn("state file %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (json_dumpfd(root, fd, JSON_INDENT(1) | JSON_SORT_KEYS) < 0 ||
	    write(fd, "\n", 1) != 1) {
		oe_warn("state file %s: write failed", tmp);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	/* rename() makes the new view appear whole or not at all. */
	if (rename(tmp, path) < 0) {
		oe_warn("state file %s: %s", path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		(void)unlink(tmp);
	json_decref(root);
	return ret;
}
