/*
 * Shunts on the `none` backend: negotiation and failure shunts override
 * a trap for one peer, turn into each other in place, expire so the
 * trap applies again, give way to the engine's ipsec policy without a
 * gap, are bounded, and can be listed and flushed.
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
#include <unistd.h>

#include "oe_log.h"
#include "conf.h"
#include "iked.h"
#include "acquire.h"
#include "kernel.h"
#include "policy.h"
#include "shunt.h"

#define SEC	1000000ULL

struct fixture {
	struct kernel		*k;
	struct shunt_table	*t;
	struct oe_addr		 me, peer, peer2;
};

static void
addr(struct oe_addr *a, const char *s)
{
	char err[64];

	assert_int_equal(oe_addr_parse(a, s, AF_UNSPEC, err, sizeof(err)), 0);
}

/* A trap for 10.5.0.0/16, as policy.c installs for `private`. */
static void
add_trap(struct kernel *k)
{
	struct kernel_policy p;

	memset(&p, 0, sizeof(p));
	p.sel.family = AF_INET;
	p.sel.src.family = AF_INET;
	assert_int_equal(kernel_addr_from_string(&p.sel.dst, "10.5.0.0"), 0);
	p.sel.dst_plen = 16;
	p.dir = KERNEL_DIR_OUT;
	p.action = KERNEL_POLICY_TRAP;
	p.priority = k->cfg.prio_min + POLICY_BAND_GROUP + 500;
	p.reqid = k->cfg.reqid_max;
	assert_int_equal(kernel_add_policy(k, &p), 0);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || kernel_open("none", &f->k, NULL, NULL) != 0)
		return -1;
	f->t = shunt_table_new(f->k, NULL, policy_shunt_priority(&f->k->cfg));
	if (f->t == NULL)
		return -1;
	add_trap(f->k);
	addr(&f->me, "192.0.2.1");
	addr(&f->peer, "10.5.0.2");
	addr(&f->peer2, "10.5.0.3");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	shunt_table_free(f->t);
	kernel_close(f->k);
	free(f);
	return 0;
}

static int
packet(struct fixture *f, const struct oe_addr *dst)
{
	struct kernel_selector s;

	shunt_selector(&f->me, dst, &s);
	return kernel_none_packet_out(f->k, &s);
}

static void
negotiation_hold_drops_then_failure_pass_opens_then_expiry_restores_trap(
    void **state)
{
	struct fixture *f = *state;
	const struct shunt *s;

	assert_int_equal(packet(f, &f->peer), KERNEL_POLICY_TRAP);
	assert_int_equal(shunt_install(f->t, SHUNT_NEGOTIATION,
	    KERNEL_POLICY_DROP, &f->me, &f->peer, "private-or-clear", 0, NULL,
	    100 * SEC), 0);
	assert_int_equal(packet(f, &f->peer), KERNEL_POLICY_DROP);
	/* other peers of the group are still trapped */
	assert_int_equal(packet(f, &f->peer2), KERNEL_POLICY_TRAP);
	/* a negotiation shunt has no lifetime */
	assert_int_equal(shunt_expire(f->t, 1000000 * SEC), 0);
	assert_int_equal(packet(f, &f->peer), KERNEL_POLICY_DROP);

	assert_int_equal(shunt_install(f->t, SHUNT_FAILURE, KERNEL_POLICY_PASS,
	    &f->me, &f->peer, "private-or-clear", 60, "timeout",
	    1000000 * SEC), 0);
	assert_int_equal(shunt_count(f->t), 1);
	assert_non_null(s = shunt_find(f->t, &f->me, &f->peer));
	assert_int_equal(s->kind, SHUNT_FAILURE);
	assert_string_equal(s->reason, "timeout");
	assert_int_equal(s->expires_usec, 1000060 * SEC);
	assert_int_equal(packet(f, &f->peer), KERNEL_POLICY_PASS);
	assert_int_equal(shunt_expire(f->t, 1000059 * SEC), 0);
	assert_int_equal(packet(f, &f->peer), KERNEL_POLICY_PASS);
	assert_int_equal(shunt_expire(f->t, 1000060 * SEC), 1);
	assert_int_equal(shunt_count(f->t), 0);
	assert_int_equal(packet(f, &f->peer), KERNEL_POLICY_TRAP);
}

static void
private_failure_shunt_drops_until_its_lifetime_ends(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(shunt_install(f->t, SHUNT_NEGOTIATION,
	    KERNEL_POLICY_DROP, &f->me, &f->peer, "private", 0, NULL, 0), 0);
	assert_int_equal(shunt_install(f->t, SHUNT_FAILURE, KERNEL_POLICY_DROP,
	    &f->me, &f->peer, "private", SHUNT_FAILURE_LIFETIME_DEFAULT,
	    "no answer", 5 * SEC), 0);
	assert_int_equal(packet(f, &f->peer), KERNEL_POLICY_DROP);
	assert_int_equal(shunt_expire(f->t, (5 + 899) * SEC), 0);
	assert_int_equal(packet(f, &f->peer), KERNEL_POLICY_DROP);
	assert_int_equal(shunt_expire(f->t, (5 + 900) * SEC), 1);
	/* back to the trap: held, never clear */
	assert_int_equal(packet(f, &f->peer), KERNEL_POLICY_TRAP);
}

static void
engine_policy_replaces_the_shunt_without_a_gap(void **state)
{
	struct fixture *f = *state;
	struct kernel_policy p;
	const struct kernel_policy *kp;

	assert_int_equal(shunt_install(f->t, SHUNT_NEGOTIATION,
	    KERNEL_POLICY_DROP, &f->me, &f->peer, "private", 0, NULL, 0), 0);
	/* what the engine does on success: replace, same selector */
	memset(&p, 0, sizeof(p));
	shunt_selector(&f->me, &f->peer, &p.sel);
	p.dir = KERNEL_DIR_OUT;
	p.action = KERNEL_POLICY_IPSEC;
	p.priority = policy_host_priority(&f->k->cfg);
	p.reqid = f->k->cfg.reqid_min;
	assert_int_equal(kernel_replace_policy(f->k, &p), 0);
	assert_int_equal(shunt_forget(f->t, &f->me, &f->peer), 0);
	assert_int_equal(shunt_count(f->t), 0);
	kp = kernel_none_find_policy(f->k, &p.sel, KERNEL_DIR_OUT, NULL);
	assert_non_null(kp);
	assert_int_equal(kp->action, KERNEL_POLICY_IPSEC);
	/* flushing shunts must not touch it */
	assert_int_equal(shunt_flush(f->t, NULL), 0);
	assert_non_null(kernel_none_find_policy(f->k, &p.sel, KERNEL_DIR_OUT,
	    NULL));
	assert_int_equal(shunt_forget(f->t, &f->me, &f->peer), -ENOENT);
}

static void
flush_by_conn_and_all_removes_kernel_policies(void **state)
{
	struct fixture *f = *state;
	size_t nsa, npol;

	assert_int_equal(shunt_install(f->t, SHUNT_FAILURE, KERNEL_POLICY_PASS,
	    &f->me, &f->peer, "private-or-clear", 900, "x", 0), 0);
	assert_int_equal(shunt_install(f->t, SHUNT_FAILURE, KERNEL_POLICY_DROP,
	    &f->me, &f->peer2, "private", 900, "y", 0), 0);
	kernel_none_count(f->k, &nsa, &npol);
	assert_int_equal(npol, 3);
	assert_int_equal(shunt_flush(f->t, "private"), 1);
	assert_null(shunt_find(f->t, &f->me, &f->peer2));
	assert_non_null(shunt_find(f->t, &f->me, &f->peer));
	assert_int_equal(packet(f, &f->peer2), KERNEL_POLICY_TRAP);
	assert_int_equal(shunt_flush(f->t, NULL), 1);
	kernel_none_count(f->k, &nsa, &npol);
	assert_int_equal(npol, 1);	/* the trap only */
	assert_int_equal(shunt_remove(f->t, &f->me, &f->peer), -ENOENT);
}

static void
shunt_table_is_bounded(void **state)
{
	struct fixture *f = *state;
	struct oe_addr p;
	size_t i;

	p = f->peer;
	for (i = 0; i < SHUNT_MAX; i++) {
		p.u.v4.s_addr = htonl(0x0a050000u + (uint32_t)i + 1);
		assert_int_equal(shunt_install(f->t, SHUNT_NEGOTIATION,
		    KERNEL_POLICY_DROP, &f->me, &p, "private", 0, NULL, 0), 0);
	}
	p.u.v4.s_addr = htonl(0x0a06ffffu);
	assert_int_equal(shunt_install(f->t, SHUNT_NEGOTIATION,
	    KERNEL_POLICY_DROP, &f->me, &p, "private", 0, NULL, 0), -ENOSPC);
	assert_int_equal(shunt_count(f->t), SHUNT_MAX);
	/* an existing peer can still change in place */
	p.u.v4.s_addr = htonl(0x0a050001u);
	assert_int_equal(shunt_install(f->t, SHUNT_FAILURE, KERNEL_POLICY_DROP,
	    &f->me, &p, "private", 5, NULL, 0), 0);
	assert_int_equal(shunt_flush(f->t, NULL), SHUNT_MAX);
}

static void
bad_shunt_requests_are_refused(void **state)
{
	struct fixture *f = *state;
	struct oe_addr v6;

	addr(&v6, "2001:db8::2");
	assert_int_equal(shunt_install(f->t, SHUNT_NEGOTIATION,
	    KERNEL_POLICY_DROP, &f->me, &v6, "private", 0, NULL, 0), -EINVAL);
	assert_int_equal(shunt_install(f->t, SHUNT_NEGOTIATION,
	    KERNEL_POLICY_TRAP, &f->me, &f->peer, "private", 0, NULL, 0),
	    -EINVAL);
	assert_int_equal(shunt_install(f->t, 7, KERNEL_POLICY_DROP, &f->me,
	    &f->peer, "private", 0, NULL, 0), -EINVAL);
	assert_int_equal(shunt_count(f->t), 0);
	/* lifetimes are bounded */
	assert_int_equal(shunt_install(f->t, SHUNT_FAILURE, KERNEL_POLICY_DROP,
	    &f->me, &f->peer, "private", 0xffffffffu, NULL, 0), 0);
	assert_int_equal(shunt_find(f->t, &f->me, &f->peer)->expires_usec,
	    (uint64_t)SHUNT_LIFETIME_MAX * SEC);
}

static void
conf_shunt_settings_map_to_kernel_actions(void **state)
{
	(void)state;
	assert_int_equal(shunt_action_for(CONF_SHUNT_HOLD), KERNEL_POLICY_DROP);
	assert_int_equal(shunt_action_for(CONF_SHUNT_DROP), KERNEL_POLICY_DROP);
	assert_int_equal(shunt_action_for(CONF_SHUNT_REJECT),
	    KERNEL_POLICY_DROP);
	assert_int_equal(shunt_action_for(CONF_SHUNT_PASSTHROUGH),
	    KERNEL_POLICY_PASS);
	assert_int_equal(shunt_action_for(CONF_SHUNT_NONE), 0);
}

static void
ipv6_shunt_overrides_an_ipv6_trap(void **state)
{
	struct fixture *f = *state;
	struct kernel_policy p;
	struct oe_addr me6, peer6;
	struct kernel_selector s;

	addr(&me6, "2001:db8::1");
	addr(&peer6, "2001:db8:5::2");
	memset(&p, 0, sizeof(p));
	p.sel.family = AF_INET6;
	p.sel.src.family = AF_INET6;
	assert_int_equal(kernel_addr_from_string(&p.sel.dst, "2001:db8:5::"), 0);
	p.sel.dst_plen = 48;
	p.dir = KERNEL_DIR_OUT;
	p.action = KERNEL_POLICY_TRAP;
	p.priority = f->k->cfg.prio_min + POLICY_BAND_GROUP + 600;
	p.reqid = f->k->cfg.reqid_max;
	assert_int_equal(kernel_add_policy(f->k, &p), 0);
	assert_int_equal(shunt_install(f->t, SHUNT_FAILURE, KERNEL_POLICY_DROP,
	    &me6, &peer6, "private", 30, NULL, 0), 0);
	shunt_selector(&me6, &peer6, &s);
	assert_int_equal(s.dst_plen, 128);
	assert_int_equal(kernel_none_packet_out(f->k, &s), KERNEL_POLICY_DROP);
	assert_int_equal(shunt_expire(f->t, 30 * SEC), 1);
	assert_int_equal(kernel_none_packet_out(f->k, &s), KERNEL_POLICY_TRAP);
}

/*
 * A port-specific entry's shunt covers its flow only: other flows to
 * the peer still meet the trap, and the any-protocol shunt of the same
 * peer is a separate entry with its own kernel policy.
 */
static void
flow_shunt_covers_only_its_flow(void **state)
{
	struct fixture *f = *state;
	struct shunt_flow udp5000 = { 17, 0, 5000 };
	struct kernel_selector s5000, s6000, any;
	const struct shunt *s;
	json_t *list;
	size_t i;

	shunt_flow_selector(&f->me, &f->peer, &udp5000, &s5000);
	assert_int_equal(s5000.proto, 17);
	assert_int_equal(s5000.dport, 5000);
	s6000 = s5000;
	s6000.dport = 6000;
	shunt_selector(&f->me, &f->peer, &any);
	assert_int_equal(kernel_none_packet_out(f->k, &s5000),
	    KERNEL_POLICY_TRAP);
	assert_int_equal(shunt_install_flow(f->t, SHUNT_FAILURE,
	    KERNEL_POLICY_DROP, &f->me, &f->peer, &udp5000, "private", 30,
	    "timeout", 0), 0);
	assert_int_equal(kernel_none_packet_out(f->k, &s5000),
	    KERNEL_POLICY_DROP);
	assert_int_equal(kernel_none_packet_out(f->k, &s6000),
	    KERNEL_POLICY_TRAP);
	assert_int_equal(kernel_none_packet_out(f->k, &any),
	    KERNEL_POLICY_TRAP);
	assert_null(shunt_find(f->t, &f->me, &f->peer));
	assert_non_null(s = shunt_find_flow(f->t, &f->me, &f->peer, &udp5000));
	assert_int_equal(s->flow.proto, 17);
	assert_int_equal(s->flow.dport, 5000);
	/* the any-protocol shunt of the peer: a second entry */
	assert_int_equal(shunt_install(f->t, SHUNT_NEGOTIATION,
	    KERNEL_POLICY_PASS, &f->me, &f->peer, "private-or-clear", 0, NULL,
	    0), 0);
	assert_int_equal(shunt_count(f->t), 2);
	assert_int_equal(kernel_none_packet_out(f->k, &any), KERNEL_POLICY_PASS);
	/* oectl shunts: the flow's shunt names its flow, the other none */
	list = shunt_table_json(f->t, 0);
	assert_int_equal(json_array_size(list), 2);
	for (i = 0; i < 2; i++) {
		json_t *j = json_array_get(list, i);

		if (strcmp(json_string_value(json_object_get(j, "kind")),
		    "failure") == 0) {
			assert_int_equal(json_integer_value(json_object_get(j,
			    "proto")), 17);
			assert_int_equal(json_integer_value(json_object_get(j,
			    "dport")), 5000);
		} else
			assert_null(json_object_get(j, "proto"));
	}
	json_decref(list);
	/* removing the flow's shunt leaves the other one */
	assert_int_equal(shunt_remove_flow(f->t, &f->me, &f->peer, &udp5000),
	    0);
	assert_int_equal(shunt_count(f->t), 1);
	assert_null(kernel_none_find_policy(f->k, &s5000, KERNEL_DIR_OUT, NULL));
	assert_non_null(kernel_none_find_policy(f->k, &any, KERNEL_DIR_OUT,
	    NULL));
	assert_int_equal(shunt_remove(f->t, &f->me, &f->peer), 0);
	assert_int_equal(kernel_none_packet_out(f->k, &s5000),
	    KERNEL_POLICY_TRAP);
}

/* Loads a config setup section with `line` (NULL: none); NULL if refused. */
static struct iked_conf *
load_setup(const char *line)
{
	char path[] = "/tmp/oe-test-shuntlife.XXXXXX";
	struct conf_load_opts opts = { .policies_dir = "/nonexistent",
	    .no_groups = true };
	struct conf_msgs msgs;
	struct iked_conf *conf = NULL;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "config setup\n\tprotostack=none\n%s%s%s", line != NULL ?
	    "\t" : "", line != NULL ? line : "", line != NULL ? "\n" : "");
	fclose(f);
	conf_msgs_init(&msgs);
	if (conf_load(path, &opts, &conf, &msgs) != 0)
		conf = NULL;
	unlink(path);
	return conf;
}

/*
 * config setup shuntlifetime= (libreswan's key, default 15m) is what a
 * failure shunt gets; out-of-range values are refused at load.
 */
static void
shuntlifetime_key_sets_the_failure_shunt_lifetime(void **state)
{
	struct iked d;
	struct iked_conf *conf;

	(void)state;
	memset(&d, 0, sizeof(d));
	conf = load_setup(NULL);
	assert_non_null(conf);
	assert_int_equal(conf->setup.shuntlifetime, 900);
	d.conf = conf;
	assert_int_equal(acquire_failure_lifetime(&d), 900);
	conf_free(conf);

	conf = load_setup("shuntlifetime=20s");
	assert_non_null(conf);
	assert_int_equal(conf->setup.shuntlifetime, 20);
	d.conf = conf;
	assert_int_equal(acquire_failure_lifetime(&d), 20);
	conf_free(conf);

	conf = load_setup("shuntlifetime=2h");
	assert_non_null(conf);
	d.conf = conf;
	assert_int_equal(acquire_failure_lifetime(&d), 7200);
	conf_free(conf);

	assert_null(load_setup("shuntlifetime=0"));
	assert_null(load_setup("shuntlifetime=2d"));
	assert_null(load_setup("shuntlifetime=soon"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    negotiation_hold_drops_then_failure_pass_opens_then_expiry_restores_trap,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    private_failure_shunt_drops_until_its_lifetime_ends, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    engine_policy_replaces_the_shunt_without_a_gap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    flush_by_conn_and_all_removes_kernel_policies, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(shunt_table_is_bounded, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(bad_shunt_requests_are_refused,
		    setup, teardown),
		cmocka_unit_test(conf_shunt_settings_map_to_kernel_actions),
		cmocka_unit_test(shuntlifetime_key_sets_the_failure_shunt_lifetime),
		cmocka_unit_test_setup_teardown(flow_shunt_covers_only_its_flow,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(ipv6_shunt_overrides_an_ipv6_trap,
		    setup, teardown),
	};

	oe_log_init("test_shunt", LOG_WARNING);
	return cmocka_run_group_tests_name("shunt", tests, NULL, NULL);
}
