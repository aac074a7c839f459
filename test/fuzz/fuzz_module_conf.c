/*
 * libFuzzer target for the settings file parser of oe-unbound.so
 * (unbound-module/oeu_conf.c, no Unbound dependency, compiled in).
 *
 * A bad settings file must stop Unbound with a message, never crash
 * it.  Properties checked:
 *  - a failed parse says why, as "FILE:LINE: ...";
 *  - a parsed file, written back in canonical form (every value
 *    quoted, names in wire-derived presentation form with a trailing
 *    dot), parses to the same settings;
 *  - every suffix is a well-formed lowercase wire name of at most 255
 *    octets, and suffix matching agrees with the lists: an excluded
 *    suffix is never allowed, an included one is allowed unless an
 *    exclude covers it (checked only without excludes).
 *
 * Built by test/fuzz/run (test/Makefile.am: fuzz/fuzz_module_conf).
 * No config.h here: oeu_conf.c, like the module, gets OE_RUNDIR on the
 * command line.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oeu_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX	(64 * 1024)
/* One "include-suffix: NAME." line: key, 255-octet name as text. */
#define LINE_MAX_OUT	(32 + 4 * 256)

static void
check_suffix(const struct oeu_suffix *s)
{
	size_t off = 0;

	if (s->len == 0 || s->len > 255)
		abort();
	while (off < s->len && s->wire[off] != 0) {
		if (s->wire[off] > 63 || off + 1 + s->wire[off] >= s->len)
			abort();
		for (size_t i = 1; i <= s->wire[off]; i++)
			if (isupper(s->wire[off + i]))
				abort();
		off += 1 + (size_t)s->wire[off];
	}
	if (off != s->len - 1)
		abort();
}

/* Text of a wire name (labels are printable, no dots: the parser's rule). */
static void
suffix_text(const struct oeu_suffix *s, char *out, size_t outlen)
{
	size_t off = 0, n = 0;

	if (s->len == 1) {
		snprintf(out, outlen, ".");
		return;
	}
	while (s->wire[off] != 0) {
		if (n + s->wire[off] + 2 > outlen)
			abort();
		memcpy(out + n, s->wire + off + 1, s->wire[off]);
		n += s->wire[off];
		out[n++] = '.';
		off += 1 + (size_t)s->wire[off];
	}
	out[n] = '\0';
}

static char *
emit(const struct oeu_conf *c)
{
	size_t cap = 512 + (c->n_include + c->n_exclude) * LINE_MAX_OUT, n;
	char name[4 * 256], *buf;
	size_t i;

	if ((buf = malloc(cap)) == NULL)
		return NULL;
	n = (size_t)snprintf(buf, cap, "socket: \"%s\"\ndeadline-ms: %u\n"
	    "max-ttl: %u\nbogus-ipseckey: %s\nipseckey-prefetch: %s\n"
	    "trigger-insecure: %s\n", c->socket_path, c->deadline_ms,
	    (unsigned)c->max_ttl, c->bogus == OEU_BOGUS_IGNORE ? "ignore" :
	    "servfail", c->prefetch ? "yes" : "no", c->trigger_insecure ?
	    "yes" : "no");
	for (i = 0; i < c->n_include + c->n_exclude; i++) {
		bool inc = i < c->n_include;

		suffix_text(inc ? &c->include[i] : &c->exclude[i - c->n_include],
		    name, sizeof(name));
		n += (size_t)snprintf(buf + n, cap - n, "%s-suffix: %s\n",
		    inc ? "include" : "exclude", name);
		if (n >= cap)
			abort();
	}
	return buf;
}

static bool
suffixes_eq(const struct oeu_suffix *a, const struct oeu_suffix *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].len != b[i].len || memcmp(a[i].wire, b[i].wire,
		    a[i].len) != 0)
			return false;
	return true;
}

static void
check_conf(const struct oeu_conf *c)
{
	static struct oeu_conf c2;
	char err[512], *text;
	size_t i;

	if (c->socket_path[0] != '/' || memchr(c->socket_path, '\0',
	    sizeof(c->socket_path)) == NULL)
		abort();
	if (c->deadline_ms < 10 || c->deadline_ms > 30000 ||
	    c->max_ttl > 604800 || c->n_include > OEU_MAX_SUFFIXES ||
	    c->n_exclude > OEU_MAX_SUFFIXES)
		abort();
	for (i = 0; i < c->n_include; i++)
		check_suffix(&c->include[i]);
	for (i = 0; i < c->n_exclude; i++) {
		check_suffix(&c->exclude[i]);
		if (oeu_conf_name_allowed(c, c->exclude[i].wire,
		    c->exclude[i].len))
			abort();
	}
	if (c->n_exclude == 0)
		for (i = 0; i < c->n_include; i++)
			if (!oeu_conf_name_allowed(c, c->include[i].wire,
			    c->include[i].len))
				abort();
	if ((text = emit(c)) == NULL)
		return;
	oeu_conf_defaults(&c2);
	err[0] = '\0';
	if (!oeu_conf_parse(&c2, text, "re-emitted", err, sizeof(err))) {
		fprintf(stderr, "re-emitted settings refused: %s\n%s", err, text);
		abort();
	}
	if (strcmp(c->socket_path, c2.socket_path) != 0 ||
	    c->deadline_ms != c2.deadline_ms || c->max_ttl != c2.max_ttl ||
	    c->bogus != c2.bogus || c->prefetch != c2.prefetch ||
	    c->trigger_insecure != c2.trigger_insecure ||
	    c->n_include != c2.n_include || c->n_exclude != c2.n_exclude ||
	    !suffixes_eq(c->include, c2.include, c->n_include) ||
	    !suffixes_eq(c->exclude, c2.exclude, c->n_exclude))
		abort();
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct oeu_conf conf;
	static char text[INPUT_MAX + 1];
	char err[512];

	if (size > INPUT_MAX)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	oeu_conf_defaults(&conf);
	err[0] = '\0';
	if (oeu_conf_parse(&conf, text, "fuzz", err, sizeof(err)))
		check_conf(&conf);
	else if (strncmp(err, "fuzz:", 5) != 0)
		abort();
	return 0;
}
