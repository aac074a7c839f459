/*
 * conf_diff(): what oectl reload must apply between two loads.
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
#include <sys/stat.h>

#include "conf.h"

static char tmpdir[64];

static const char base_text[] =
    "config setup\n"
    "    ikeport=500\n"
    "    loglevel=info\n"
    "    policies-dir=pol\n"
    "conn timers\n    left=192.0.2.1\n    right=192.0.2.2\n    authby=null\n"
    "    auto=add\n    dpddelay=10s\n"
    "conn crypto\n    left=192.0.2.1\n    right=192.0.2.3\n    authby=null\n"
    "    auto=add\n"
    "conn gone\n    left=192.0.2.1\n    right=192.0.2.4\n    authby=null\n"
    "    auto=add\n"
    "conn same\n    left=192.0.2.1\n    right=192.0.2.5\n    authby=null\n"
    "    auto=add\n"
    "conn private-or-clear\n    left=%defaultroute\n    right=%opportunisticgroup\n"
    "    authby=null\n    auto=ondemand\n";

/* Same conns in a different layout, with some real changes. */
static const char new_text[] =
    "config setup\n"
    "    ikeport=1500\n"
    "    loglevel=debug\n"
    "    policies-dir=pol2\n"
    "conn %default\n    authby=null\n    auto=add\n"
    "conn same\n    left=192.0.2.1\n    right=192.0.2.5\n    # only a comment\n"
    "conn timers\n    left=192.0.2.1\n    right=192.0.2.2\n"
    "    dpddelay=20s\n    keyingtries=3\n"
    "conn crypto\n    left=192.0.2.1\n    right=192.0.2.3\n"
    "    esp=aes_gcm128\n"
    "conn fresh\n    left=192.0.2.1\n    right=192.0.2.6\n"
    "conn private-or-clear\n    left=%defaultroute\n    right=%opportunisticgroup\n"
    "    auto=ondemand\n";

static void
write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct iked_conf *
load(const char *name)
{
	struct conf_msgs msgs;
	struct iked_conf *conf = NULL;
	char path[256];
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	conf_msgs_init(&msgs);
	if (conf_load(path, NULL, &conf, &msgs) != 0)
		for (i = 0; i < msgs.n; i++)
			print_message("  %s\n", msgs.msg[i].text);
	assert_non_null(conf);
	return conf;
}

static const struct conf_diff_conn *
entry(const struct conf_diff *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nconns; i++)
		if (strcmp(d->conns[i].name, name) == 0)
			return &d->conns[i];
	return NULL;
}

static int
setup(void **state)
{
	char path[128];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/oe-test-diff-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/pol", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/pol2", tmpdir);
	mkdir(path, 0700);
	write_file("old.conf", base_text);
	write_file("new.conf", new_text);
	write_file("pol/private-or-clear", "0.0.0.0/0\n");
	/* Same entries, other comments and lines: not a change. */
	write_file("pol2/private-or-clear", "# everything\n\n0.0.0.0/0\n");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
diff_lists_added_removed_and_modified_conns(void **state)
{
	struct iked_conf *a = load("old.conf"), *b = load("new.conf");
	struct conf_diff d;
	const struct conf_diff_conn *e;

	(void)state;
	assert_int_equal(conf_diff(a, b, &d), 0);
	assert_int_equal(d.nconns, 4);
	/* Removed ones first. */
	assert_string_equal(d.conns[0].name, "gone");
	assert_int_equal(d.conns[0].change, CONF_CHANGE_REMOVED);
	assert_non_null(e = entry(&d, "fresh"));
	assert_int_equal(e->change, CONF_CHANGE_ADDED);
	assert_null(entry(&d, "same"));		/* layout changed, meaning did not */
	assert_null(entry(&d, "private-or-clear"));	/* group text differs, entries do not */
	conf_diff_free(&d);
	conf_free(a);
	conf_free(b);
}

static void
diff_timer_changes_keep_established_sas(void **state)
{
	struct iked_conf *a = load("old.conf"), *b = load("new.conf");
	struct conf_diff d;
	const struct conf_diff_conn *e;

	(void)state;
	assert_int_equal(conf_diff(a, b, &d), 0);
	assert_non_null(e = entry(&d, "timers"));
	assert_int_equal(e->change, CONF_CHANGE_MODIFIED);
	assert_true(e->sa_safe);
	assert_string_equal(e->keys, "dpddelay,keyingtries");
	conf_diff_free(&d);
	conf_free(a);
	conf_free(b);
}

static void
diff_crypto_changes_require_new_sas(void **state)
{
	struct iked_conf *a = load("old.conf"), *b = load("new.conf");
	struct conf_diff d;
	const struct conf_diff_conn *e;

	(void)state;
	assert_int_equal(conf_diff(a, b, &d), 0);
	assert_non_null(e = entry(&d, "crypto"));
	assert_int_equal(e->change, CONF_CHANGE_MODIFIED);
	assert_false(e->sa_safe);
	assert_string_equal(e->keys, "esp");
	conf_diff_free(&d);
	conf_free(a);
	conf_free(b);
}

static void
diff_setup_changes_flag_restart_keys(void **state)
{
	struct iked_conf *a = load("old.conf"), *b = load("new.conf");
	struct conf_diff d;

	(void)state;
	assert_int_equal(conf_diff(a, b, &d), 0);
	assert_true(d.setup_changed);
	assert_true(d.setup_needs_restart);	/* ikeport */
	assert_non_null(strstr(d.setup_keys, "ikeport"));
	assert_non_null(strstr(d.setup_keys, "loglevel"));
	conf_diff_free(&d);
	/* loglevel alone applies live. */
	write_file("log.conf", "config setup\n    loglevel=debug\n    ikeport=500\n");
	write_file("log0.conf", "config setup\n    loglevel=info\n");
	conf_free(a);
	conf_free(b);
	a = load("log0.conf");
	b = load("log.conf");
	assert_int_equal(conf_diff(a, b, &d), 0);
	assert_true(d.setup_changed);
	assert_false(d.setup_needs_restart);
	assert_string_equal(d.setup_keys, "loglevel");
	conf_diff_free(&d);
	conf_free(a);
	conf_free(b);
}

static void
diff_detects_policy_group_entry_changes(void **state)
{
	struct iked_conf *a = load("old.conf"), *b;
	struct conf_diff d;
	const struct conf_diff_conn *e;

	(void)state;
	write_file("pol2/private-or-clear", "0.0.0.0/0\n::/0\n");
	b = load("new.conf");
	assert_int_equal(conf_diff(a, b, &d), 0);
	assert_non_null(e = entry(&d, "private-or-clear"));
	assert_int_equal(e->change, CONF_CHANGE_MODIFIED);
	assert_true(e->group_changed);
	assert_true(e->sa_safe);	/* policies change, keys do not */
	assert_string_equal(e->keys, "");
	conf_diff_free(&d);
	conf_free(a);
	conf_free(b);
	write_file("pol2/private-or-clear", "# everything\n\n0.0.0.0/0\n");
}

static void
diff_from_nothing_adds_all_and_to_nothing_removes_all(void **state)
{
	struct iked_conf *a = load("old.conf");
	struct conf_diff d;
	size_t i;

	(void)state;
	assert_int_equal(conf_diff(NULL, a, &d), 0);
	assert_int_equal(d.nconns, a->nconns);
	for (i = 0; i < d.nconns; i++)
		assert_int_equal(d.conns[i].change, CONF_CHANGE_ADDED);
	conf_diff_free(&d);
	assert_int_equal(conf_diff(a, NULL, &d), 0);
	assert_int_equal(d.nconns, a->nconns);
	for (i = 0; i < d.nconns; i++)
		assert_int_equal(d.conns[i].change, CONF_CHANGE_REMOVED);
	conf_diff_free(&d);
	assert_int_equal(conf_diff(a, a, &d), 0);
	assert_int_equal(d.nconns, 0);
	assert_false(d.setup_changed);
	conf_diff_free(&d);
	conf_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(diff_lists_added_removed_and_modified_conns),
		cmocka_unit_test(diff_timer_changes_keep_established_sas),
		cmocka_unit_test(diff_crypto_changes_require_new_sas),
		cmocka_unit_test(diff_setup_changes_flag_restart_keys),
		cmocka_unit_test(diff_detects_policy_group_entry_changes),
		cmocka_unit_test(diff_from_nothing_adds_all_and_to_nothing_removes_all),
	};

	return cmocka_run_group_tests_name("conf_diff", tests, setup, teardown);
}
