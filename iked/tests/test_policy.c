/*
 * The kernel policy set built from conns and policy groups, installed
 * on the `none` backend: priorities (longest prefix, specificity,
 * authentication), trap reqids, diff on reload, reconcile of a
 * predecessor's leftovers, removal on stop.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "oe_log.h"
#include "conf.h"
#include "kernel.h"
#include "policy_group.h"
#include "policy.h"
#include "shunt.h"
#include "iked.h"
#include "acquire.h"

/* The five standard conns, as conf/iked.d has them (private with NULL). */
static const char conf_text[] =
    "conn block\n    left=%defaultroute\n    right=%group\n"
    "    type=reject\n    authby=never\n    auto=ondemand\n"
    "conn clear\n    left=%defaultroute\n    right=%group\n"
    "    type=passthrough\n    authby=never\n    auto=ondemand\n"
    "conn clear-or-private\n    left=%defaultroute\n    leftid=%null\n"
    "    rightid=%null\n    right=%opportunisticgroup\n    authby=null\n"
    "    failureshunt=passthrough\n    negotiationshunt=passthrough\n"
    "    auto=add\n"
    "conn private-or-clear\n    left=%defaultroute\n    leftid=%null\n"
    "    rightid=%null\n    right=%opportunisticgroup\n    authby=null\n"
    "    failureshunt=passthrough\n    negotiationshunt=hold\n"
    "    auto=ondemand\n"
    "conn private\n    left=%defaultroute\n    leftid=%null\n"
    "    rightid=%null\n    right=%opportunisticgroup\n    authby=null\n"
    "    failureshunt=drop\n    negotiationshunt=hold\n    auto=ondemand\n";

struct fixture {
	char		 dir[64];
	struct kernel	*k;
	struct iked_conf *conf;
	int		 nacquire;
	struct kernel_acquire acq;
};

static void
on_acquire(void *arg, const struct kernel_acquire *a)
{
	struct fixture *f = arg;

	f->nacquire++;
	f->acq = *a;
}

static void
write_file(const struct fixture *f, const char *name, const char *text)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* Groups: block, clear, clear-or-private, private-or-clear, private. */
static void
load(struct fixture *f, const char *g_block, const char *g_clear,
    const char *g_cop, const char *g_poc, const char *g_private)
{
	struct conf_load_opts o = { .policies_dir = f->dir, .no_groups = false };
	struct conf_msgs msgs;
	char path[128];
	size_t i;

	write_file(f, "block", g_block);
	write_file(f, "clear", g_clear);
	write_file(f, "clear-or-private", g_cop);
	write_file(f, "private-or-clear", g_poc);
	write_file(f, "private", g_private);
	snprintf(path, sizeof(path), "%s/iked.conf", f->dir);
	conf_free(f->conf);
	f->conf = NULL;
	conf_msgs_init(&msgs);
	if (conf_load(path, &o, &f->conf, &msgs) != 0)
		for (i = 0; i < msgs.n; i++)
			print_message("  %s\n", msgs.msg[i].text);
	assert_non_null(f->conf);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct kernel_callbacks cb = { on_acquire, NULL, NULL, NULL };

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/oe-test-policy-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	cb.arg = f;
	if (kernel_open("none", &f->k, NULL, &cb) != 0)
		return -1;
	write_file(f, "iked.conf", conf_text);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	conf_free(f->conf);
	kernel_close(f->k);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* An outbound flow from 192.0.2.1 (or 2001:db8::1) to dst. */
static void
flow(struct kernel_selector *s, const char *dst, uint8_t proto,
    uint16_t dport)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(kernel_addr_from_string(&s->dst, dst), 0);
	assert_int_equal(kernel_addr_from_string(&s->src,
	    s->dst.family == AF_INET ? "192.0.2.1" : "2001:db8::1"), 0);
	s->family = s->dst.family;
	s->src_plen = s->dst_plen = s->family == AF_INET ? 32 : 128;
	s->proto = proto;
	s->dport = dport;
}

static int
packet(struct fixture *f, const char *dst, uint8_t proto, uint16_t dport)
{
	struct kernel_selector s;

	flow(&s, dst, proto, dport);
	return kernel_none_packet_out(f->k, &s);
}

static size_t
conn_index(const struct iked_conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->nconns; i++)
		if (strcmp(conf->conns[i].name, name) == 0)
			return i;
	fail_msg("no conn %s", name);
	return 0;
}

static size_t
npolicies(struct fixture *f)
{
	size_t nsa, npol;

	kernel_none_count(f->k, &nsa, &npol);
	return npol;
}

static void
each_group_installs_its_action(void **state)
{
	struct fixture *f = *state;
	struct policy_engine *pe;
	const struct policy_rule *r;
	struct oe_addr a;
	char err[64];

	load(f, "203.0.113.0/24\n", "198.51.100.53/32\n", "10.3.0.0/16\n",
	    "10.4.0.0/16\n", "10.5.0.0/16\n");
	assert_non_null(pe = policy_engine_new(f->k));
	assert_int_equal(policy_engine_apply(pe, f->conf, NULL), 0);
	assert_int_equal(policy_engine_installed(pe)->n, 5);
	assert_int_equal(npolicies(f), 5);
	assert_int_equal(packet(f, "203.0.113.9", 0, 0), KERNEL_POLICY_DROP);
	assert_int_equal(packet(f, "198.51.100.53", 0, 0), KERNEL_POLICY_PASS);
	/* clear-or-private only answers: clear, and no ACQUIRE */
	assert_int_equal(packet(f, "10.3.1.1", 0, 0), KERNEL_POLICY_PASS);
	assert_int_equal(packet(f, "10.4.1.1", 0, 0), KERNEL_POLICY_TRAP);
	assert_int_equal(packet(f, "10.5.1.1", 0, 0), KERNEL_POLICY_TRAP);
	assert_int_equal(packet(f, "192.0.2.77", 0, 0), 0);
	/* the ACQUIRE names the conn through the template reqid */
	assert_int_equal(kernel_process(f->k), 0);
	assert_int_equal(f->nacquire, 2);
	r = policy_engine_find_trap(pe, f->acq.reqid);
	assert_non_null(r);
	assert_string_equal(r->conn, "private");
	assert_int_equal(f->acq.reqid, policy_trap_reqid(&f->k->cfg,
	    conn_index(f->conf, "private")));
	assert_int_equal(oe_addr_parse(&a, "10.4.7.7", AF_UNSPEC, err,
	    sizeof(err)), 0);
	r = policy_engine_lookup(pe, &a, 0, 0, 0);
	assert_non_null(r);
	assert_string_equal(r->conn, "private-or-clear");
	assert_int_equal(r->kind, POLICY_RULE_TRAP);
	policy_engine_free(pe);
}

static void
longest_prefix_wins_clear_host_inside_private_net(void **state)
{
	struct fixture *f = *state;
	struct policy_engine *pe;

	load(f, "", "10.5.9.9/32\n", "", "", "10.5.0.0/16\n10.0.0.0/8\n");
	assert_non_null(pe = policy_engine_new(f->k));
	assert_int_equal(policy_engine_apply(pe, f->conf, NULL), 0);
	assert_int_equal(packet(f, "10.5.9.9", 0, 0), KERNEL_POLICY_PASS);
	assert_int_equal(packet(f, "10.5.9.8", 0, 0), KERNEL_POLICY_TRAP);
	assert_int_equal(packet(f, "10.6.0.1", 0, 0), KERNEL_POLICY_TRAP);
	policy_engine_free(pe);
}

static void
port_specific_entry_beats_the_same_prefix(void **state)
{
	struct fixture *f = *state;
	struct policy_engine *pe;

	/* private for the /24, but DNS to it in clear, and TCP 25 blocked */
	load(f, "10.7.0.0/24 tcp 0 25\n", "10.7.0.0/24 udp 0 53\n", "", "",
	    "10.7.0.0/24\n");
	assert_non_null(pe = policy_engine_new(f->k));
	assert_int_equal(policy_engine_apply(pe, f->conf, NULL), 0);
	assert_int_equal(packet(f, "10.7.0.5", IPPROTO_UDP, 53),
	    KERNEL_POLICY_PASS);
	assert_int_equal(packet(f, "10.7.0.5", IPPROTO_TCP, 25),
	    KERNEL_POLICY_DROP);
	assert_int_equal(packet(f, "10.7.0.5", IPPROTO_TCP, 443),
	    KERNEL_POLICY_TRAP);
	policy_engine_free(pe);
}

static void
priorities_stay_in_the_ownership_band_and_order_by_score(void **state)
{
	struct fixture *f = *state;
	const struct kernel_config *kc = &f->k->cfg;
	struct policy_set s;
	size_t i;
	uint32_t p32 = 0, p16 = 0, p16port = 0, p0 = 0;

	load(f, "", "", "", "0.0.0.0/0\n10.0.0.0/16 tcp\n",
	    "10.0.0.0/16\n10.0.0.1/32\n");
	assert_int_equal(policy_set_build(f->conf, kc, &s), 0);
	assert_int_equal(s.n, 4);
	for (i = 0; i < s.n; i++) {
		const struct kernel_policy *p = &s.rules[i].kp;

		assert_true(p->priority >= kc->prio_min + POLICY_BAND_GROUP);
		assert_true(p->priority <= kc->prio_max);
		assert_true(kernel_policy_owned(f->k, p));
		if (p->sel.dst_plen == 32)
			p32 = p->priority;
		else if (p->sel.dst_plen == 16 && p->sel.proto != 0)
			p16port = p->priority;
		else if (p->sel.dst_plen == 16)
			p16 = p->priority;
		else
			p0 = p->priority;
	}
	assert_true(p32 < p16port);
	assert_true(p16port < p16);
	assert_true(p16 < p0);
	/* shunts and the engine's host policies beat every group entry */
	assert_true(policy_shunt_priority(kc) < p32);
	assert_true(policy_host_priority(kc) < policy_shunt_priority(kc));
	policy_set_free(&s);
}

static void
authenticated_conn_beats_null_auth_on_equal_entries(void **state)
{
	struct fixture *f = *state;
	struct iked_conf *conf;
	struct policy_set s;
	size_t pi, poc;

	load(f, "", "", "", "10.9.0.0/16\n", "10.9.0.0/16\n");
	conf = f->conf;
	pi = conn_index(conf, "private");
	poc = conn_index(conf, "private-or-clear");
	/* make `private` authenticate its peer with a signature */
	conf->conns[pi].right.auth = CONF_AUTH_RSASIG;
	assert_true(conf_conn_is_authenticated(&conf->conns[pi]));
	assert_false(conf_conn_is_authenticated(&conf->conns[poc]));
	assert_int_equal(policy_set_build(conf, &f->k->cfg, &s), 0);
	/* one selector, one kernel policy: the authenticated conn's */
	assert_int_equal(s.n, 1);
	assert_string_equal(s.rules[0].conn, "private");
	policy_set_free(&s);
}

static void
equal_entries_keep_the_earlier_conn(void **state)
{
	struct fixture *f = *state;
	struct policy_set s;

	/* block comes before clear in the file */
	load(f, "10.8.0.0/16\n", "10.8.0.0/16\n", "", "", "");
	assert_int_equal(policy_set_build(f->conf, &f->k->cfg, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.rules[0].conn, "block");
	assert_int_equal(s.rules[0].kp.action, KERNEL_POLICY_DROP);
	policy_set_free(&s);
}

static void
ipv6_entries_get_traps_and_the_neighbour_discovery_bypass(void **state)
{
	struct fixture *f = *state;
	struct policy_engine *pe;
	struct kernel_selector s;

	load(f, "", "", "", "", "2001:db8:5::/48\n");
	assert_non_null(pe = policy_engine_new(f->k));
	assert_int_equal(policy_engine_apply(pe, f->conf, NULL), 0);
	/* 1 trap + 4 ICMPv6 types x 2 directions */
	assert_int_equal(policy_engine_installed(pe)->n, 9);
	assert_int_equal(packet(f, "2001:db8:5::2", IPPROTO_TCP, 80),
	    KERNEL_POLICY_TRAP);
	flow(&s, "2001:db8:5::2", IPPROTO_ICMPV6, 0);
	s.sport = 135;	/* neighbour solicitation */
	assert_int_equal(kernel_none_packet_out(f->k, &s), KERNEL_POLICY_PASS);
	s.sport = 128;	/* echo request: trapped */
	assert_int_equal(kernel_none_packet_out(f->k, &s), KERNEL_POLICY_TRAP);
	policy_engine_free(pe);
}

static void
reload_diff_adds_replaces_and_removes_only_changes(void **state)
{
	struct fixture *f = *state;
	struct policy_engine *pe;
	struct policy_apply_stats st;

	load(f, "", "10.1.1.1/32\n", "", "10.2.0.0/16\n",
	    "10.5.0.0/16\n10.6.0.0/16\n");
	assert_non_null(pe = policy_engine_new(f->k));
	assert_int_equal(policy_engine_apply(pe, f->conf, &st), 0);
	assert_int_equal(st.added, 4);
	/* same config again: nothing to do */
	assert_int_equal(policy_engine_apply(pe, f->conf, &st), 0);
	assert_int_equal(st.unchanged, 4);
	assert_int_equal(st.added + st.replaced + st.removed, 0);
	/*
	 * 10.6/16 moves from private to private-or-clear (replaced in
	 * place), 10.1.1.1 leaves clear (removed), 10.7/16 is new.
	 */
	load(f, "", "", "", "10.2.0.0/16\n10.6.0.0/16\n",
	    "10.5.0.0/16\n10.7.0.0/16\n");
	assert_int_equal(policy_engine_apply(pe, f->conf, &st), 0);
	assert_int_equal(st.added, 1);
	assert_int_equal(st.replaced, 1);
	assert_int_equal(st.removed, 1);
	assert_int_equal(st.unchanged, 2);
	assert_int_equal(npolicies(f), 4);
	assert_int_equal(packet(f, "10.1.1.1", 0, 0), 0);
	assert_int_equal(packet(f, "10.7.0.1", 0, 0), KERNEL_POLICY_TRAP);
	assert_int_equal(kernel_process(f->k), 0);
	assert_non_null(policy_engine_find_trap(pe, f->acq.reqid));
	assert_string_equal(policy_engine_find_trap(pe, f->acq.reqid)->conn,
	    "private");
	assert_int_equal(packet(f, "10.6.0.1", 0, 0), KERNEL_POLICY_TRAP);
	assert_int_equal(kernel_process(f->k), 0);
	assert_string_equal(policy_engine_find_trap(pe, f->acq.reqid)->conn,
	    "private-or-clear");
	/* stop: nothing of ours is left */
	assert_int_equal(policy_engine_remove_all(pe), 0);
	assert_int_equal(npolicies(f), 0);
	assert_int_equal(policy_engine_installed(pe)->n, 0);
	policy_engine_free(pe);
}

static const uint8_t gcm_key[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	13, 14, 15, 16, 17, 18, 19, 20 };

static void
reconcile_removes_a_predecessors_leftovers_and_keeps_traps(void **state)
{
	struct fixture *f = *state;
	struct policy_engine *pe;
	struct policy_apply_stats st;
	struct kernel_policy p;
	struct kernel_sa sa;
	struct kernel_selector s;
	size_t nsa, npol;

	/*
	 * What a crashed predecessor left: a trap for a group since
	 * removed, a shunt, a Child SA's policy and SA, and a trap that
	 * the new configuration has too.
	 */
	memset(&p, 0, sizeof(p));
	flow(&p.sel, "10.99.0.0", 0, 0);
	p.sel.src_plen = 0;
	memset(&p.sel.src.u, 0, sizeof(p.sel.src.u));
	p.sel.dst_plen = 16;
	p.dir = KERNEL_DIR_OUT;
	p.action = KERNEL_POLICY_TRAP;
	p.priority = f->k->cfg.prio_min + POLICY_BAND_GROUP + 100;
	p.reqid = f->k->cfg.reqid_max - 3;
	assert_int_equal(kernel_add_policy(f->k, &p), 0);
	p.sel.dst.u.bytes[1] = 5;	/* 10.5.0.0/16: in the new set */
	assert_int_equal(kernel_add_policy(f->k, &p), 0);
	memset(&p, 0, sizeof(p));
	flow(&p.sel, "10.5.3.3", 0, 0);
	p.dir = KERNEL_DIR_OUT;
	p.action = KERNEL_POLICY_DROP;
	p.priority = policy_shunt_priority(&f->k->cfg);
	assert_int_equal(kernel_add_policy(f->k, &p), 0);
	flow(&p.sel, "10.5.4.4", 0, 0);
	p.action = KERNEL_POLICY_IPSEC;
	p.priority = policy_host_priority(&f->k->cfg);
	p.reqid = f->k->cfg.reqid_min + 7;
	assert_int_equal(kernel_add_policy(f->k, &p), 0);
	memset(&sa, 0, sizeof(sa));
	assert_int_equal(kernel_addr_from_string(&sa.src, "192.0.2.1"), 0);
	assert_int_equal(kernel_addr_from_string(&sa.dst, "10.5.4.4"), 0);
	sa.spi = 0x1234;
	sa.reqid = f->k->cfg.reqid_min + 7;
	sa.enc = KERNEL_ENC_AES_GCM_16;
	sa.enc_key = gcm_key;
	sa.enc_key_len = sizeof(gcm_key);
	assert_int_equal(kernel_add_sa(f->k, &sa), 0);
	kernel_none_count(f->k, &nsa, &npol);
	assert_int_equal(nsa, 1);
	assert_int_equal(npol, 4);

	load(f, "", "", "", "", "10.5.0.0/16\n");
	assert_non_null(pe = policy_engine_new(f->k));
	assert_int_equal(policy_engine_reconcile(pe, f->conf, &st), 0);
	assert_int_equal(st.stale_policies, 3);
	assert_int_equal(st.stale_sas, 1);
	kernel_none_count(f->k, &nsa, &npol);
	assert_int_equal(nsa, 0);
	assert_int_equal(npol, 1);
	/* the surviving trap is ours now: our reqid for `private` */
	flow(&s, "10.5.4.4", 0, 0);
	assert_int_equal(kernel_none_packet_out(f->k, &s), KERNEL_POLICY_TRAP);
	assert_int_equal(kernel_process(f->k), 0);
	assert_int_equal(f->acq.reqid, policy_trap_reqid(&f->k->cfg,
	    conn_index(f->conf, "private")));
	assert_int_equal(packet(f, "10.99.0.1", 0, 0), 0);
	policy_engine_free(pe);
}

static void
disabled_and_ignored_conns_install_nothing(void **state)
{
	struct fixture *f = *state;
	struct policy_set s;

	load(f, "", "", "", "10.4.0.0/16\n", "10.5.0.0/16\n");
	f->conf->conns[conn_index(f->conf, "private")].disabled = true;
	f->conf->conns[conn_index(f->conf, "private-or-clear")].autostart =
	    CONF_AUTO_IGNORE;
	assert_int_equal(policy_set_build(f->conf, &f->k->cfg, &s), 0);
	assert_int_equal(s.n, 0);
	policy_set_free(&s);
}

static void
narrow_priority_band_is_refused(void **state)
{
	struct fixture *f = *state;
	struct kernel_config kc = f->k->cfg;
	struct policy_set s;

	load(f, "", "", "", "", "10.5.0.0/16\n");
	kc.prio_max = kc.prio_min + 100;
	assert_int_equal(policy_set_build(f->conf, &kc, &s), -1);
	assert_int_equal(s.n, 0);
}

static void
conn_priority_is_kept_inside_the_band(void **state)
{
	struct fixture *f = *state;
	const struct kernel_config *kc = &f->k->cfg;
	struct conf_conn *c;

	load(f, "", "", "", "", "10.5.0.0/16\n");
	c = &f->conf->conns[conn_index(f->conf, "private")];
	c->priority = 10;
	assert_int_equal(policy_rule_priority(kc, c, &c->group->entries[0]),
	    kc->prio_min + POLICY_BAND_GROUP + 10);
	c->priority = 0xffffffu;
	assert_int_equal(policy_rule_priority(kc, c, &c->group->entries[0]),
	    kc->prio_max);
}

static void
pinned_port_entries_still_beat_the_peers_ipsec_policy(void **state)
{
	struct fixture *f = *state;
	struct policy_engine *pe;
	struct kernel_policy p;
	struct oe_addr peer;
	char err[64];

	/* private /24, but DNS to it in clear and SMTP blocked */
	load(f, "10.7.0.0/24 tcp 0 25\n", "10.7.0.0/24 udp 0 53\n"
	    "10.7.0.5/32 tcp 0 80\n", "", "", "10.7.0.0/24\n10.7.0.5/32 udp\n");
	assert_non_null(pe = policy_engine_new(f->k));
	assert_int_equal(policy_engine_apply(pe, f->conf, NULL), 0);
	/* what the engine installs when the OE instance with 10.7.0.5 is up */
	memset(&p, 0, sizeof(p));
	flow(&p.sel, "10.7.0.5", 0, 0);
	p.dir = KERNEL_DIR_OUT;
	p.action = KERNEL_POLICY_IPSEC;
	p.priority = policy_host_priority(&f->k->cfg);
	p.reqid = f->k->cfg.reqid_min;
	assert_int_equal(kernel_replace_policy(f->k, &p), 0);
	/* without pins the port entries lose to it */
	assert_int_equal(packet(f, "10.7.0.5", IPPROTO_UDP, 53),
	    KERNEL_POLICY_IPSEC);
	assert_int_equal(oe_addr_parse(&peer, "10.7.0.5", AF_UNSPEC, err,
	    sizeof(err)), 0);
	/*
	 * udp/53 clear and tcp/25 block beat the /24 trap; tcp/80 clear is
	 * a /32 entry that beats it too.  The /32 udp private entry (score
	 * above all of them) is not a clear/block entry: nothing to pin.
	 */
	assert_int_equal(policy_engine_pin_peer(pe, &peer), 5);
	assert_int_equal(policy_engine_pin_peer(pe, &peer), 0);
	assert_int_equal(policy_engine_pinned(pe)->n, 5);
	/* the clear entries' answers get in: udp from port 53 */
	memset(&p.sel, 0, sizeof(p.sel));
	flow(&p.sel, "10.7.0.5", IPPROTO_UDP, 0);
	p.sel.src = p.sel.dst;
	memset(&p.sel.dst.u, 0, sizeof(p.sel.dst.u));
	p.sel.dst_plen = 0;
	p.sel.sport = 53;
	assert_non_null(kernel_none_find_policy(f->k, &p.sel, KERNEL_DIR_IN,
	    NULL));
	assert_int_equal(kernel_none_find_policy(f->k, &p.sel, KERNEL_DIR_IN,
	    NULL)->action, KERNEL_POLICY_PASS);
	assert_int_equal(packet(f, "10.7.0.5", IPPROTO_UDP, 53),
	    KERNEL_POLICY_PASS);
	assert_int_equal(packet(f, "10.7.0.5", IPPROTO_TCP, 25),
	    KERNEL_POLICY_DROP);
	assert_int_equal(packet(f, "10.7.0.5", IPPROTO_TCP, 80),
	    KERNEL_POLICY_PASS);
	assert_int_equal(packet(f, "10.7.0.5", IPPROTO_TCP, 443),
	    KERNEL_POLICY_IPSEC);
	/* other hosts of the /24 are not affected */
	assert_int_equal(packet(f, "10.7.0.6", IPPROTO_UDP, 53),
	    KERNEL_POLICY_PASS);
	/* a reload without the DNS entry drops its pin, keeps the others */
	load(f, "10.7.0.0/24 tcp 0 25\n", "10.7.0.5/32 tcp 0 80\n", "", "",
	    "10.7.0.0/24\n");
	assert_int_equal(policy_engine_apply(pe, f->conf, NULL), 0);
	assert_int_equal(policy_engine_pinned(pe)->n, 3);
	assert_int_equal(packet(f, "10.7.0.5", IPPROTO_UDP, 53),
	    KERNEL_POLICY_IPSEC);
	assert_int_equal(packet(f, "10.7.0.5", IPPROTO_TCP, 25),
	    KERNEL_POLICY_DROP);
	/* stop removes pins too: only the engine's policy is left */
	assert_int_equal(policy_engine_remove_all(pe), 0);
	assert_int_equal(npolicies(f), 1);
	policy_engine_free(pe);
}

static const char *
why_verdict(struct iked *d, const char *addr_s, json_t **out)
{
	struct oe_addr a;
	char err[64];
	json_t *j;

	assert_int_equal(oe_addr_parse(&a, addr_s, AF_UNSPEC, err,
	    sizeof(err)), 0);
	j = policy_why_json(d, &a, 0, 0, 0);
	assert_non_null(j);
	*out = j;
	return json_string_value(json_object_get(j, "verdict"));
}

static void
why_explains_trap_clear_block_and_shunt(void **state)
{
	struct fixture *f = *state;
	struct iked d;
	struct oe_addr me, peer;
	char err[64];
	json_t *j, *list;

	load(f, "203.0.113.0/24\n", "10.5.9.9/32\n", "", "", "10.5.0.0/16\n");
	memset(&d, 0, sizeof(d));
	d.kernel = f->k;
	assert_non_null(d.policy = policy_engine_new(f->k));
	assert_non_null(d.shunts = shunt_table_new(f->k, NULL,
	    policy_shunt_priority(&f->k->cfg)));
	assert_int_equal(policy_engine_apply(d.policy, f->conf, NULL), 0);

	assert_string_equal(why_verdict(&d, "10.5.1.1", &j), "trap");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(j, "policy"), "conn")), "private");
	assert_int_equal(json_integer_value(json_object_get(
	    json_object_get(j, "policy"), "line")), 1);
	json_decref(j);
	assert_string_equal(why_verdict(&d, "10.5.9.9", &j), "clear");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(j, "policy"), "conn")), "clear");
	json_decref(j);
	assert_string_equal(why_verdict(&d, "203.0.113.7", &j), "drop");
	json_decref(j);
	assert_string_equal(why_verdict(&d, "192.0.2.200", &j), "clear");
	assert_true(json_is_null(json_object_get(j, "policy")));
	json_decref(j);

	/* a failure shunt overrides the trap, and says so */
	assert_int_equal(oe_addr_parse(&me, "192.0.2.1", AF_UNSPEC, err,
	    sizeof(err)), 0);
	assert_int_equal(oe_addr_parse(&peer, "10.5.1.1", AF_UNSPEC, err,
	    sizeof(err)), 0);
	assert_int_equal(shunt_install(d.shunts, SHUNT_FAILURE,
	    KERNEL_POLICY_DROP, &me, &peer, "private", 900, "peer did not "
	    "answer", 0), 0);
	assert_string_equal(why_verdict(&d, "10.5.1.1", &j), "drop");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(j, "shunt"), "kind")), "failure");
	json_decref(j);
	list = shunt_table_json(d.shunts, 0);
	assert_int_equal(json_array_size(list), 1);
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(list, 0), "expires_in")), 900);
	json_decref(list);
	list = policy_set_json(policy_engine_installed(d.policy));
	assert_int_equal(json_array_size(list), 3);
	json_decref(list);

	assert_int_equal(shunt_flush(d.shunts, NULL), 1);
	shunt_table_free(d.shunts);
	policy_engine_free(d.policy);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(each_group_installs_its_action,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    longest_prefix_wins_clear_host_inside_private_net, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    port_specific_entry_beats_the_same_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    priorities_stay_in_the_ownership_band_and_order_by_score,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    authenticated_conn_beats_null_auth_on_equal_entries, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    equal_entries_keep_the_earlier_conn, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    ipv6_entries_get_traps_and_the_neighbour_discovery_bypass,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    reload_diff_adds_replaces_and_removes_only_changes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    reconcile_removes_a_predecessors_leftovers_and_keeps_traps,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    disabled_and_ignored_conns_install_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    narrow_priority_band_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    conn_priority_is_kept_inside_the_band, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    why_explains_trap_clear_block_and_shunt, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    pinned_port_entries_still_beat_the_peers_ipsec_policy, setup,
		    teardown),
	};

	oe_log_init("test_policy", LOG_WARNING);
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
