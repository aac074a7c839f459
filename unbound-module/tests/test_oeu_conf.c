/*
 * Unit tests: settings file parser and name suffix matching.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "oeu_conf.h"

static bool
parse(struct oeu_conf *conf, const char *text, char *err, size_t errlen)
{
	oeu_conf_defaults(conf);
	return oeu_conf_parse(conf, text, "t.conf", err, errlen);
}

static bool
allowed(const struct oeu_conf *conf, const char *name)
{
	uint8_t wire[256];
	size_t len;

	assert_true(oeu_name_to_wire(name, wire, sizeof(wire), &len));
	/* queries arrive in any case */
	if (len > 1)
		wire[1] = (uint8_t)(wire[1] == 'e' ? 'E' : wire[1]);
	return oeu_conf_name_allowed(conf, wire, len);
}

static void
conf_defaults_when_file_is_empty(void **state)
{
	struct oeu_conf conf;
	char err[256];

	assert_true(parse(&conf, "# nothing\n\n   \n", err, sizeof(err)));
	assert_string_equal(conf.socket_path, OE_RUNDIR "/trigger.sock");
	assert_int_equal(conf.deadline_ms, OEU_DEADLINE_MS_DEFAULT);
	assert_int_equal(conf.max_ttl, OEU_MAX_TTL_DEFAULT);
	assert_int_equal(conf.bogus, OEU_BOGUS_SERVFAIL);
	assert_true(conf.prefetch);
	assert_true(conf.trigger_insecure);
}

static void
conf_parses_every_setting(void **state)
{
	struct oeu_conf conf;
	char err[256];

	assert_true(parse(&conf,
	    "socket: \"/tmp/x/trigger.sock\"  # quoted\n"
	    "deadline-ms: 250\n"
	    "max-ttl: 60\r\n"
	    "bogus-ipseckey: ignore\n"
	    "ipseckey-prefetch: no\n"
	    "trigger-insecure: no\n"
	    "include-suffix: oe.test.\n"
	    "exclude-suffix: Private.OE.test\n",
	    err, sizeof(err)));
	assert_string_equal(conf.socket_path, "/tmp/x/trigger.sock");
	assert_int_equal(conf.deadline_ms, 250);
	assert_int_equal(conf.max_ttl, 60);
	assert_int_equal(conf.bogus, OEU_BOGUS_IGNORE);
	assert_false(conf.prefetch);
	assert_false(conf.trigger_insecure);
	assert_int_equal(conf.n_include, 1);
	assert_int_equal(conf.n_exclude, 1);
}

static void
conf_errors_name_file_and_line(void **state)
{
	struct oeu_conf conf;
	char err[256];

	assert_false(parse(&conf, "max-ttl: 60\n\nfrobnicate: yes\n", err,
	    sizeof(err)));
	assert_string_equal(err, "t.conf:3: unknown setting \"frobnicate\"");
	assert_false(parse(&conf, "deadline-ms: 5\n", err, sizeof(err)));
	assert_non_null(strstr(err, "t.conf:1: deadline-ms"));
	assert_false(parse(&conf, "deadline-ms: 12abc\n", err, sizeof(err)));
	assert_false(parse(&conf, "max-ttl: -1\n", err, sizeof(err)));
	assert_false(parse(&conf, "\nsocket: relative.sock\n", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "t.conf:2: socket"));
	assert_false(parse(&conf, "bogus-ipseckey: maybe\n", err, sizeof(err)));
	assert_false(parse(&conf, "ipseckey-prefetch: 1\n", err, sizeof(err)));
	assert_false(parse(&conf, "no colon here\n", err, sizeof(err)));
	assert_false(parse(&conf, "max-ttl:\n", err, sizeof(err)));
	assert_non_null(strstr(err, "missing value"));
	assert_false(parse(&conf, "exclude-suffix: a..b\n", err, sizeof(err)));
}

static void
conf_rejects_overlong_lines_and_too_many_suffixes(void **state)
{
	struct oeu_conf conf;
	char err[256];
	char *text = malloc(64 * (OEU_MAX_SUFFIXES + 2));
	size_t o = 0;

	assert_non_null(text);
	memset(text, 'x', 2000);
	text[2000] = '\0';
	assert_false(parse(&conf, text, err, sizeof(err)));
	assert_non_null(strstr(err, "t.conf:1: line longer"));
	for (int i = 0; i <= OEU_MAX_SUFFIXES; i++)
		o += (size_t)sprintf(text + o, "exclude-suffix: n%d.test.\n", i);
	assert_false(parse(&conf, text, err, sizeof(err)));
	assert_non_null(strstr(err, "t.conf:65:"));
	free(text);
}

static void
suffix_exclude_wins_over_include(void **state)
{
	struct oeu_conf conf;
	char err[256];

	assert_true(parse(&conf, "include-suffix: oe.test\n"
	    "exclude-suffix: private.oe.test.\n", err, sizeof(err)));
	assert_true(allowed(&conf, "east.oe.test."));
	assert_true(allowed(&conf, "oe.test."));
	assert_false(allowed(&conf, "db.private.oe.test."));
	assert_false(allowed(&conf, "private.oe.test."));
	assert_false(allowed(&conf, "example.com."));
	/* a label boundary is needed: "xoe.test." is not under "oe.test." */
	assert_false(allowed(&conf, "xoe.test."));
}

static void
suffix_empty_include_list_allows_all_but_excluded(void **state)
{
	struct oeu_conf conf;
	char err[256];

	assert_true(parse(&conf, "exclude-suffix: corp.\n", err, sizeof(err)));
	assert_true(allowed(&conf, "example.com."));
	assert_false(allowed(&conf, "mail.corp."));
	assert_true(parse(&conf, "exclude-suffix: .\n", err, sizeof(err)));
	assert_false(allowed(&conf, "example.com."));
}

static void
conf_load_reports_missing_file_unless_optional(void **state)
{
	struct oeu_conf conf;
	char err[256];
	char path[] = "/tmp/oeu-conf-XXXXXX";
	int fd;

	oeu_conf_defaults(&conf);
	assert_true(oeu_conf_load(&conf, "/nonexistent/oe.conf", true, err,
	    sizeof(err)));
	assert_false(oeu_conf_load(&conf, "/nonexistent/oe.conf", false, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/oe.conf: cannot open"));

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "max-ttl: 30\nbad line\n", 21), 21);
	close(fd);
	assert_false(oeu_conf_load(&conf, path, false, err, sizeof(err)));
	assert_non_null(strstr(err, ":2: want \"key: value\""));
	unlink(path);
}

/* The example files in test/data/module, as shipped. */
static void
conf_loads_shipped_example_and_rejects_bad_files(void **state)
{
	const char *dir = getenv("OE_TEST_DATA");
	struct oeu_conf conf;
	char path[512], err[512];

	if (dir == NULL)
		dir = "../../test/data";
	snprintf(path, sizeof(path), "%s/module/unbound-module.conf", dir);
	oeu_conf_defaults(&conf);
	assert_true(oeu_conf_load(&conf, path, false, err, sizeof(err)));
	assert_string_equal(conf.socket_path, "/run/oe-test/trigger.sock");
	assert_int_equal(conf.deadline_ms, 2000);
	assert_int_equal(conf.max_ttl, 600);
	assert_int_equal(conf.bogus, OEU_BOGUS_IGNORE);
	assert_false(conf.prefetch);
	assert_false(conf.trigger_insecure);
	assert_int_equal(conf.n_include, 2);
	assert_int_equal(conf.n_exclude, 1);

	snprintf(path, sizeof(path), "%s/module/bad-unknown-key.conf", dir);
	oeu_conf_defaults(&conf);
	assert_false(oeu_conf_load(&conf, path, false, err, sizeof(err)));
	assert_non_null(strstr(err, "bad-unknown-key.conf:4: unknown setting "
	    "\"deadline\""));
	snprintf(path, sizeof(path), "%s/module/bad-deadline.conf", dir);
	assert_false(oeu_conf_load(&conf, path, false, err, sizeof(err)));
	assert_non_null(strstr(err, "bad-deadline.conf:1: deadline-ms"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(conf_defaults_when_file_is_empty),
		cmocka_unit_test(conf_parses_every_setting),
		cmocka_unit_test(conf_errors_name_file_and_line),
		cmocka_unit_test(conf_rejects_overlong_lines_and_too_many_suffixes),
		cmocka_unit_test(suffix_exclude_wins_over_include),
		cmocka_unit_test(suffix_empty_include_list_allows_all_but_excluded),
		cmocka_unit_test(conf_load_reports_missing_file_unless_optional),
		cmocka_unit_test(conf_loads_shipped_example_and_rejects_bad_files),
	};

	return cmocka_run_group_tests_name("oe-unbound settings", tests,
	    NULL, NULL);
}
