/*
 * Policy group files, the five standard groups, lookup precedence and
 * the XFRM priorities derived from it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_value.h"
#include "policy_group.h"

#ifndef TEST_DATA
#define TEST_DATA "test/data"
#endif

static char data_dir[1024];
static struct conf_msgs msgs;

static const char *
data(const char *rel)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf), "%s/conf/%s", data_dir, rel);
	return buf;
}

static void
dump_msgs(void)
{
	size_t i;

	for (i = 0; i < msgs.n; i++)
		print_message("  %s\n", msgs.msg[i].text);
}

static bool
has_msg_at(const char *rel, unsigned line, const char *what)
{
	char prefix[2100];
	size_t i;

	snprintf(prefix, sizeof(prefix), "%s:%u: ", data(rel), line);
	for (i = 0; i < msgs.n; i++)
		if (strncmp(msgs.msg[i].text, prefix, strlen(prefix)) == 0 &&
		    strstr(msgs.msg[i].text, what) != NULL)
			return true;
	dump_msgs();
	return false;
}

static void
group_parses_v4_v6_protocols_ports_and_comments(void **state)
{
	struct policy_group *g = NULL;

	(void)state;
	conf_msgs_init(&msgs);
	assert_int_equal(policy_group_load("mixed", data("groups/mixed"), &g, &msgs), 0);
	assert_non_null(g);
	assert_int_equal(g->n, 7);
	assert_int_equal(g->kind, POLICY_GROUP_OTHER);
	assert_int_equal(g->entries[0].dst.addr.family, AF_INET);
	assert_int_equal(g->entries[0].dst.plen, 8);
	assert_int_equal(g->entries[0].line, 3);
	assert_int_equal(g->entries[1].dst.addr.family, AF_INET6);
	assert_int_equal(g->entries[1].dst.plen, 32);
	assert_int_equal(g->entries[2].proto, 6);
	assert_int_equal(g->entries[2].dport, 0);
	assert_int_equal(g->entries[3].proto, 6);
	assert_int_equal(g->entries[3].sport, 0);
	assert_int_equal(g->entries[3].dport, 443);
	assert_int_equal(g->entries[4].proto, 17);
	assert_int_equal(g->entries[4].sport, 5353);
	assert_int_equal(g->entries[4].dport, 53);
	assert_int_equal(g->entries[5].proto, 58);
	/* Line 9 repeats line 3: a warning, not an error. */
	assert_int_equal(msgs.nerrors, 0);
	assert_int_equal(msgs.nwarnings, 1);
	assert_true(has_msg_at("groups/mixed", 9, "duplicate entry in policy group "
	    "\"mixed\" (first at line 3)"));
	policy_group_free(g);
}

static void
group_errors_carry_file_and_line_and_are_all_reported(void **state)
{
	struct policy_group *g = (struct policy_group *)&msgs;

	(void)state;
	conf_msgs_init(&msgs);
	assert_int_equal(policy_group_load("broken", data("groups/broken"), &g, &msgs), -1);
	assert_null(g);
	assert_true(has_msg_at("groups/broken", 2, "host bits set"));
	assert_true(has_msg_at("groups/broken", 3, "unknown protocol \"carrier-pigeon\""));
	assert_true(has_msg_at("groups/broken", 4, "ports given for protocol \"icmp\""));
	assert_true(has_msg_at("groups/broken", 5, "bad destination port"));
	assert_true(has_msg_at("groups/broken", 6, "too many fields"));
	assert_true(has_msg_at("groups/broken", 7, "bad CIDR"));
	assert_true(has_msg_at("groups/broken", 8, "unknown protocol \"256\""));
	assert_int_equal(msgs.nerrors, 7);
}

static void
group_text_with_nul_or_long_line_is_rejected(void **state)
{
	static const char nul[] = "10.0.0.0/8\n10.\0.0.0/8\n";
	char longl[600];
	struct policy_group *g = NULL;

	(void)state;
	conf_msgs_init(&msgs);
	assert_int_equal(policy_group_parse("x", "mem", nul, sizeof(nul) - 1, &g, &msgs), -1);
	assert_non_null(conf_msgs_find(&msgs, "mem:2: NUL byte"));
	memset(longl, '1', sizeof(longl));
	conf_msgs_init(&msgs);
	assert_int_equal(policy_group_parse("x", "mem", longl, sizeof(longl), &g, &msgs), -1);
	assert_non_null(conf_msgs_find(&msgs, "mem:1: line too long"));
	/* Without a final newline the last line still counts. */
	conf_msgs_init(&msgs);
	assert_int_equal(policy_group_parse("x", "mem", "10.0.0.0/8\n::/0", 15, &g,
	    &msgs), 0);
	assert_int_equal(g->n, 2);
	policy_group_free(g);
}

static void
missing_group_file_is_an_empty_group(void **state)
{
	struct policy_group *g = NULL;

	(void)state;
	conf_msgs_init(&msgs);
	assert_int_equal(policy_group_load("private", "/nonexistent/private", &g, &msgs), 0);
	assert_non_null(g);
	assert_true(g->missing);
	assert_int_equal(g->n, 0);
	assert_int_equal(g->kind, POLICY_GROUP_PRIVATE);
	policy_group_free(g);
}

static void
five_standard_group_names_and_meanings(void **state)
{
	(void)state;
	assert_int_equal(policy_group_kind_from_name("block"), POLICY_GROUP_BLOCK);
	assert_int_equal(policy_group_kind_from_name("clear"), POLICY_GROUP_CLEAR);
	assert_int_equal(policy_group_kind_from_name("clear-or-private"),
	    POLICY_GROUP_CLEAR_OR_PRIVATE);
	assert_int_equal(policy_group_kind_from_name("private-or-clear"),
	    POLICY_GROUP_PRIVATE_OR_CLEAR);
	assert_int_equal(policy_group_kind_from_name("private"), POLICY_GROUP_PRIVATE);
	assert_int_equal(policy_group_kind_from_name("Private"), POLICY_GROUP_OTHER);
	assert_non_null(strstr(policy_group_kind_describe(POLICY_GROUP_PRIVATE),
	    "never send in clear"));
	assert_non_null(strstr(policy_group_kind_describe(POLICY_GROUP_CLEAR_OR_PRIVATE),
	    "only if the peer initiates"));
}

/* ---- lookup over good/iked.conf with its groups ---------------------- */

static struct iked_conf *
load_with_groups(void)
{
	struct iked_conf *conf = NULL;

	conf_msgs_init(&msgs);
	if (conf_load(data("good/iked.conf"), NULL, &conf, &msgs) != 0)
		dump_msgs();
	assert_non_null(conf);
	return conf;
}

static const char *
lookup(const struct iked_conf *conf, const char *dst, uint8_t proto, uint16_t dport,
    struct policy_match *m)
{
	struct oe_addr a;
	char err[128];

	assert_int_equal(conf_parse_addr(&a, dst, err, sizeof(err)), 0);
	if (policy_lookup(conf, &a, proto, 0, dport, m) != 0)
		return "(none)";
	return m->conn->name;
}

static void
conf_load_attaches_groups_to_group_conns_only(void **state)
{
	struct iked_conf *conf = load_with_groups();

	(void)state;
	assert_null(conf_find_conn(conf, "oe-base")->group);	/* auto=ignore, no file */
	assert_non_null(conf_find_conn(conf, "private")->group);
	assert_int_equal(conf_find_conn(conf, "private")->group->n, 6);
	assert_int_equal(conf_find_conn(conf, "private-or-clear")->group->n, 3);
	assert_int_equal(conf_find_conn(conf, "clear")->group->n, 2);
	conf_free(conf);
}

static void
lookup_longest_prefix_wins(void **state)
{
	struct iked_conf *conf = load_with_groups();
	struct policy_match m;

	(void)state;
	assert_string_equal(lookup(conf, "8.8.8.8", 17, 53, &m), "private-or-clear");
	assert_int_equal(m.entry->dst.plen, 0);
	assert_string_equal(lookup(conf, "10.9.9.9", 6, 80, &m), "private");
	assert_int_equal(m.entry->dst.plen, 8);
	/* 10.1.2.0/24 (clear) is longer than 10.0.0.0/8 (private). */
	assert_string_equal(lookup(conf, "10.1.2.5", 17, 1000, &m), "clear");
	assert_string_equal(lookup(conf, "2001:db8::1", 6, 22, &m), "private");
	assert_string_equal(lookup(conf, "2001:db9::1", 6, 22, &m), "private-or-clear");
	conf_free(conf);
}

static void
lookup_more_specific_protocol_and_port_wins(void **state)
{
	struct iked_conf *conf = load_with_groups();
	struct policy_match m;

	(void)state;
	/* Same /24: "tcp" in private beats the bare entry in clear. */
	assert_string_equal(lookup(conf, "10.1.2.5", 6, 80, &m), "private");
	assert_int_equal(m.entry->proto, 6);
	assert_int_equal(m.entry->dport, 0);
	assert_string_equal(lookup(conf, "10.1.2.5", 6, 443, &m), "private");
	assert_int_equal(m.entry->dport, 443);
	/* udp/53 to the resolver stays clear; other ports follow the /16. */
	assert_string_equal(lookup(conf, "192.168.0.53", 17, 53, &m), "clear");
	assert_string_equal(lookup(conf, "192.168.0.53", 17, 54, &m), "private");
	/* Unknown port (0): entries that need a port do not match. */
	assert_string_equal(lookup(conf, "192.168.0.53", 17, 0, &m), "private");
	conf_free(conf);
}

static void
lookup_equal_specificity_authenticated_beats_null(void **state)
{
	struct iked_conf *conf = load_with_groups();
	struct policy_match m;

	(void)state;
	/* 172.16.0.0/12 is in private-or-clear (first in file, NULL auth)
	 * and in private (rsasig): the authenticated conn wins. */
	assert_string_equal(lookup(conf, "172.16.1.1", 6, 80, &m), "private");
	assert_int_equal(msgs.nwarnings, 0);	/* not a tie: no warning */
	conf_free(conf);
}

static void
priorities_order_like_lookup_lower_wins(void **state)
{
	struct iked_conf *conf = load_with_groups();
	const struct conf_conn *p = conf_find_conn(conf, "private");
	const struct conf_conn *poc = conf_find_conn(conf, "private-or-clear");
	const struct conf_conn *clr = conf_find_conn(conf, "clear");
	const struct policy_entry *p8 = &p->group->entries[0];	/* 10.0.0.0/8 */
	const struct policy_entry *p24tcp = &p->group->entries[2];
	const struct policy_entry *p24tcp443 = &p->group->entries[3];
	const struct policy_entry *p12 = &p->group->entries[5];
	const struct policy_entry *poc0 = &poc->group->entries[0];
	const struct policy_entry *poc12 = &poc->group->entries[2];
	const struct policy_entry *c24 = &clr->group->entries[1];

	(void)state;
	assert_int_equal(p12->dst.plen, 12);
	assert_int_equal(poc12->dst.plen, 12);
	assert_true(policy_entry_priority(p, p8) < policy_entry_priority(poc, poc0));
	assert_true(policy_entry_priority(clr, c24) < policy_entry_priority(p, p8));
	assert_true(policy_entry_priority(p, p24tcp) < policy_entry_priority(clr, c24));
	assert_true(policy_entry_priority(p, p24tcp443) < policy_entry_priority(p, p24tcp));
	assert_true(policy_entry_priority(p, p12) < policy_entry_priority(poc, poc12));
	assert_true(policy_entry_priority(poc, poc0) <= POLICY_PRIO_BASE);
	assert_true(policy_entry_priority(p, p24tcp443) > POLICY_PRIO_BASE - 1100);
	conf_free(conf);
}

static void
priority_key_overrides_computed_priority(void **state)
{
	struct iked_conf *conf = load_with_groups();
	struct conf_conn *p = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < conf->nconns; i++)
		if (strcmp(conf->conns[i].name, "private") == 0)
			p = &conf->conns[i];
	assert_non_null(p);
	assert_int_not_equal(policy_entry_priority(p, &p->group->entries[0]), 1234);
	p->priority = 1234;
	assert_int_equal(policy_entry_priority(p, &p->group->entries[0]), 1234);
	conf_free(conf);
}

static void
equal_entries_in_two_groups_warn_about_the_tie(void **state)
{
	static const char text[] =
	    "conn clear\n    left=%defaultroute\n    right=%group\n"
	    "    type=passthrough\n    authby=never\n    auto=ondemand\n"
	    "conn block\n    left=%defaultroute\n    right=%group\n"
	    "    type=reject\n    authby=never\n    auto=ondemand\n";
	char dir[] = "/tmp/oe-test-pg-XXXXXX", path[128], cmd[160];
	struct iked_conf *conf = NULL;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/iked.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/clear", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("198.51.100.0/24\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/block", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("# nothing else\n198.51.100.0/24\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/iked.conf", dir);
	{
		struct conf_load_opts o = { .policies_dir = dir, .no_groups = false };

		conf_msgs_init(&msgs);
		assert_int_equal(conf_load(path, &o, &conf, &msgs), 0);
	}
	snprintf(path, sizeof(path), "%s/block:2: entry also in policy group \"clear\"", dir);
	if (conf_msgs_find(&msgs, path) == NULL)
		dump_msgs();
	assert_non_null(conf_msgs_find(&msgs, path));
	conf_free(conf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void
mutated_group_text_never_crashes(void **state)
{
	static const char orig[] = "10.0.0.0/8\n2001:db8::/32 tcp 0 443\n"
	    "# c\n192.168.0.0/16 udp 53 53\n";
	static const char alphabet[] = "/:.# \t\n0123456789abcdef\x00\xff";
	char buf[128];
	struct policy_group *g;
	uint32_t s = 7;
	size_t len, k, pos;
	int round, rc;

	(void)state;
	for (round = 0; round < 5000; round++) {
		memcpy(buf, orig, sizeof(orig) - 1);
		len = sizeof(orig) - 1;
		for (k = 0; k < 3; k++) {
			s = s * 1103515245u + 12345u;
			pos = (s >> 8) % len;
			s = s * 1103515245u + 12345u;
			buf[pos] = alphabet[(s >> 8) % (sizeof(alphabet) - 1)];
		}
		g = NULL;
		conf_msgs_init(&msgs);
		rc = policy_group_parse("m", "mem", buf, len, &g, &msgs);
		assert_true((rc == 0) == (msgs.nerrors == 0));
		assert_true((rc == 0) == (g != NULL));
		if (g)
			assert_true(g->n <= 4);
		policy_group_free(g);
	}
}

int
main(void)
{
	const char *env = getenv("OE_TEST_DATA");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(group_parses_v4_v6_protocols_ports_and_comments),
		cmocka_unit_test(group_errors_carry_file_and_line_and_are_all_reported),
		cmocka_unit_test(group_text_with_nul_or_long_line_is_rejected),
		cmocka_unit_test(missing_group_file_is_an_empty_group),
		cmocka_unit_test(five_standard_group_names_and_meanings),
		cmocka_unit_test(conf_load_attaches_groups_to_group_conns_only),
		cmocka_unit_test(lookup_longest_prefix_wins),
		cmocka_unit_test(lookup_more_specific_protocol_and_port_wins),
		cmocka_unit_test(lookup_equal_specificity_authenticated_beats_null),
		cmocka_unit_test(priorities_order_like_lookup_lower_wins),
		cmocka_unit_test(priority_key_overrides_computed_priority),
		cmocka_unit_test(equal_entries_in_two_groups_warn_about_the_tie),
		cmocka_unit_test(mutated_group_text_never_crashes),
	};

	snprintf(data_dir, sizeof(data_dir), "%s", env && *env ? env : TEST_DATA);
	return cmocka_run_group_tests_name("policy_group", tests, NULL, NULL);
}
