/* Unit tests for the stderr side of oe_log (the journal side needs
 * systemd and is exercised by the daemon's integration tests). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "oe_log.h"

struct capture {
	FILE	*tmp;
	int	 saved_fd;
};

/* Points fd 2 at a temporary file until capture_end(). */
static void
capture_begin(struct capture *c)
{
	fflush(stderr);
	c->tmp = tmpfile();
	assert_non_null(c->tmp);
	c->saved_fd = dup(2);
	assert_true(c->saved_fd >= 0);
	assert_int_equal(dup2(fileno(c->tmp), 2), 2);
}

/* Restores stderr and returns what was written (caller frees). */
static char *
capture_end(struct capture *c)
{
	char *buf;
	long n;

	fflush(stderr);
	assert_int_equal(dup2(c->saved_fd, 2), 2);
	close(c->saved_fd);
	n = ftell(c->tmp);
	assert_true(n >= 0);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	rewind(c->tmp);
	assert_int_equal(fread(buf, 1, (size_t)n, c->tmp), (size_t)n);
	fclose(c->tmp);
	return buf;
}

static int
setup_stderr_logging(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	oe_log_init("oe-test", LOG_DEBUG);
	return 0;
}

static void
log_neutralises_control_characters_from_peers(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	capture_begin(&c);
	oe_notice("bad name %s", "evil.\noe-iked[error]: forged\x1b[2J");
	out = capture_end(&c);
	assert_string_equal(out,
	    "oe-test[notice]: bad name evil. oe-iked[error]: forged [2J\n");
	free(out);
}

static void
log_writes_ident_priority_and_message(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	assert_false(oe_log_to_journal());
	capture_begin(&c);
	oe_warn("peer %s sent %d bad packets", "198.51.100.2", 3);
	out = capture_end(&c);
	assert_string_equal(out,
	    "oe-test[warning]: peer 198.51.100.2 sent 3 bad packets\n");
	free(out);
}

static void
log_appends_fields_as_key_value(void **state)
{
	static const char *const fields[] = { "OE_PEER=198.51.100.2",
	    "OE_CONN=private", NULL };
	struct capture c;
	char *out;

	(void)state;
	capture_begin(&c);
	oe_log_fields(LOG_INFO, fields, "SA up");
	out = capture_end(&c);
	assert_string_equal(out,
	    "oe-test[info]: SA up OE_PEER=198.51.100.2 OE_CONN=private\n");
	free(out);
}

static void
log_drops_lines_above_max_priority(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	oe_log_set_priority(LOG_NOTICE);
	capture_begin(&c);
	oe_debug("not shown");
	oe_info("not shown either");
	oe_notice("shown");
	oe_log_fields(LOG_DEBUG, NULL, "hidden");
	out = capture_end(&c);
	oe_log_set_priority(LOG_DEBUG);
	assert_string_equal(out, "oe-test[notice]: shown\n");
	free(out);
}

static void
log_preserves_errno(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	capture_begin(&c);
	errno = EPROTO;
	oe_err("failure: %s", strerror(errno));
	assert_int_equal(errno, EPROTO);
	out = capture_end(&c);
	free(out);
}

static void
log_ignores_journal_stream_of_another_file(void **state)
{
	(void)state;
	/* a JOURNAL_STREAM inherited from a parent must not divert stderr */
	setenv("JOURNAL_STREAM", "1:2", 1);
	oe_log_init("oe-test", LOG_DEBUG);
	assert_false(oe_log_to_journal());
	setenv("JOURNAL_STREAM", "garbage", 1);
	oe_log_init("oe-test", LOG_DEBUG);
	assert_false(oe_log_to_journal());
	unsetenv("JOURNAL_STREAM");
	oe_log_init("oe-test", LOG_DEBUG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(log_writes_ident_priority_and_message),
		cmocka_unit_test(log_neutralises_control_characters_from_peers),
		cmocka_unit_test(log_appends_fields_as_key_value),
		cmocka_unit_test(log_drops_lines_above_max_priority),
		cmocka_unit_test(log_preserves_errno),
		cmocka_unit_test(log_ignores_journal_stream_of_another_file),
	};

	return cmocka_run_group_tests_name("log", tests, setup_stderr_logging,
	    NULL);
}
