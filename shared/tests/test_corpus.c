/*
 * Keeps the fuzz seed corpora honest: every seed whose name says
 * "valid" must be accepted by the codec and every "invalid" one refused,
 * so the corpus keeps covering both paths as the codecs change.
 */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "oe_ipseckey.h"
#include "oe_trigger.h"

static char *
corpus_dir(const char *name)
{
	const char *data = getenv("OE_TEST_DATA");
	char *path;

	if (data == NULL)
		return NULL;
	path = malloc(strlen(data) + 64);
	assert_non_null(path);
	sprintf(path, "%s/../fuzz/corpus/%s", data, name);
	return path;
}

/* Reads a whole (small) file; returns its length, -1 if it is too big. */
static long
read_seed(const char *dir, const char *file, char *buf, size_t buflen)
{
	char path[4096];
	FILE *f;
	size_t n;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, buflen - 1, f);
	assert_int_equal(ferror(f), 0);
	if (fgetc(f) != EOF) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[n] = '\0';
	return (long)n;
}

static bool
has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static void
ipseckey_seeds_behave_as_named(void **state)
{
	static struct oe_ipseckey k;
	static char buf[OE_IPSECKEY_TEXT_MAX + 1];
	char *dir = corpus_dir("ipseckey"), err[256];
	struct dirent *de;
	DIR *d;
	int checked = 0;

	(void)state;
	if (dir == NULL)
		skip();
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		long n;
		int r;

		if (de->d_name[0] == '.')
			continue;
		n = read_seed(dir, de->d_name, buf, sizeof(buf));
		assert_true(n >= 0);
		if (has_prefix(de->d_name, "text-"))
			r = oe_ipseckey_from_text(&k, buf, err, sizeof(err));
		else if (has_prefix(de->d_name, "valid-") ||
		    has_prefix(de->d_name, "invalid-"))
			r = oe_ipseckey_parse_wire(&k, (const uint8_t *)buf,
			    (size_t)n, err, sizeof(err));
		else
			continue;	/* seeds for the other checks */
		if ((r == 0) != !has_prefix(de->d_name, "invalid-"))
			fail_msg("seed %s: result %d (%s)", de->d_name, r, err);
		checked++;
	}
	closedir(d);
	free(dir);
	assert_true(checked >= 10);
}

static void
trigger_seeds_behave_as_named(void **state)
{
	static struct oe_trigger_request req;
	static char buf[OE_TRIGGER_MSG_MAX + 1];
	struct oe_trigger_reply rep;
	char *dir = corpus_dir("trigger"), err[256];
	struct dirent *de;
	DIR *d;
	int checked = 0;

	(void)state;
	if (dir == NULL)
		skip();
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		bool want_ok = strstr(de->d_name, "invalid") == NULL;
		long n;
		int r;

		if (de->d_name[0] == '.')
			continue;
		n = read_seed(dir, de->d_name, buf, sizeof(buf));
		if (n < 0)
			continue;	/* an over-size seed: refused by size */
		if (has_prefix(de->d_name, "req-"))
			r = oe_trigger_request_decode(&req, buf, (size_t)n, err,
			    sizeof(err));
		else if (has_prefix(de->d_name, "rep-"))
			r = oe_trigger_reply_decode(&rep, buf, (size_t)n, err,
			    sizeof(err));
		else {
			/* neither: must be refused as both */
			want_ok = false;
			r = oe_trigger_request_decode(&req, buf, (size_t)n, err,
			    sizeof(err));
			if (r == -1)
				r = oe_trigger_reply_decode(&rep, buf, (size_t)n,
				    err, sizeof(err));
		}
		if ((r == 0) != want_ok)
			fail_msg("seed %s: result %d (%s)", de->d_name, r, err);
		checked++;
	}
	closedir(d);
	free(dir);
	assert_true(checked >= 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipseckey_seeds_behave_as_named),
		cmocka_unit_test(trigger_seeds_behave_as_named),
	};

	return cmocka_run_group_tests_name("fuzz-corpus", tests, NULL, NULL);
}
