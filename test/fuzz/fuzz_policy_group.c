/*
 * libFuzzer target for the policy group file parser
 * (iked/policy_group.c: policy_group_parse()).
 *
 * Group files are written by administrators, but a daemon that trusts
 * a file is one typo away from a crash.  Properties checked on every
 * input that parses:
 *  - every entry's line number is inside the input and increasing;
 *  - ports only on protocols that have them, prefixes within the family;
 *  - the entries written back as text (numbers, no names) parse to the
 *    same entries in the same order (the parser and the meaning agree);
 *  - the precedence functions stay inside their documented range;
 *  - a failed parse returns no group and at least one error.
 *
 * Built by test/fuzz/run (test/Makefile.am: fuzz/fuzz_policy_group).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "policy_group.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longest line of the re-emitted text: CIDR, "255", two ports. */
#define ENTRY_TEXT_MAX	(OE_CIDR_STRLEN + 32)

static size_t
count_lines(const uint8_t *data, size_t size)
{
	size_t n = 0, i;

	for (i = 0; i < size; i++)
		n += data[i] == '\n';
	return n + 1;
}

static bool
entry_eq(const struct policy_entry *a, const struct policy_entry *b)
{
	return oe_cidr_cmp(&a->dst, &b->dst) == 0 && a->proto == b->proto &&
	    a->sport == b->sport && a->dport == b->dport;
}

/* The group as text the parser must read back to the same entries. */
static char *
emit_group(const struct policy_group *g, size_t *len)
{
	char cidr[OE_CIDR_STRLEN];
	char *buf, *p;
	size_t i;
	int n;

	if ((buf = malloc(g->n * ENTRY_TEXT_MAX + 1)) == NULL)
		return NULL;
	p = buf;
	for (i = 0; i < g->n; i++) {
		const struct policy_entry *e = &g->entries[i];

		if (oe_cidr_format(&e->dst, cidr, sizeof(cidr)) == NULL)
			abort();
		if (e->sport != 0 || e->dport != 0)
			n = snprintf(p, ENTRY_TEXT_MAX, "%s %u %u %u\n", cidr,
			    e->proto, e->sport, e->dport);
		else if (e->proto != 0)
			n = snprintf(p, ENTRY_TEXT_MAX, "%s %u\n", cidr, e->proto);
		else
			n = snprintf(p, ENTRY_TEXT_MAX, "%s\n", cidr);
		if (n < 0 || n >= ENTRY_TEXT_MAX)
			abort();
		p += n;
	}
	*len = (size_t)(p - buf);
	return buf;
}

static void
check_group(const struct policy_group *g, size_t nlines)
{
	struct policy_group *g2 = NULL;
	struct conf_conn conn;
	struct conf_msgs *msgs;
	unsigned last = 0;
	size_t i, len = 0;
	char *text;

	if (g->n > POLICY_GROUP_ENTRIES_MAX || (g->n > 0 && g->entries == NULL))
		abort();
	memset(&conn, 0, sizeof(conn));
	conn.authby = CONF_AUTHBY_RSASIG;
	for (i = 0; i < g->n; i++) {
		const struct policy_entry *e = &g->entries[i];
		uint32_t prio;

		if (e->line <= last || e->line > nlines)
			abort();
		last = e->line;
		if (e->dst.plen > oe_addr_maxplen(&e->dst.addr))
			abort();
		if ((e->sport != 0 || e->dport != 0) && policy_proto_name(e->proto) ==
		    NULL)
			abort();
		prio = policy_entry_priority(&conn, e);
		if (prio > POLICY_PRIO_BASE || prio < POLICY_PRIO_BASE - 1031)
			abort();
	}
	if ((text = emit_group(g, &len)) == NULL ||
	    (msgs = malloc(sizeof(*msgs))) == NULL) {
		free(text);
		return;
	}
	conf_msgs_init(msgs);
	if (policy_group_parse(g->name, "re-emitted", text, len, &g2, msgs) != 0 ||
	    g2 == NULL || g2->n != g->n)
		abort();
	for (i = 0; i < g->n; i++)
		if (!entry_eq(&g->entries[i], &g2->entries[i]) ||
		    g2->entries[i].line != i + 1)
			abort();
	policy_group_free(g2);
	free(msgs);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_group *g = NULL;
	struct conf_msgs *msgs;

	/* Far below POLICY_GROUP_FILE_MAX: speed, not a different path. */
	if (size > 65536 || (msgs = malloc(sizeof(*msgs))) == NULL)
		return 0;
	conf_msgs_init(msgs);
	if (policy_group_parse("private", "fuzz", (const char *)data, size, &g,
	    msgs) == 0) {
		if (g == NULL || msgs->nerrors != 0)
			abort();
		check_group(g, count_lines(data, size));
		policy_group_free(g);
	} else if (g != NULL || msgs->nerrors == 0) {
		abort();
	}
	free(msgs);
	return 0;
}
