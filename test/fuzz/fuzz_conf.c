/*
 * libFuzzer target for the iked.conf loader (iked/conf_parse.c and the
 * lexer, options table, validation and policy groups under it).
 *
 * conf_load() reads files, so each input is written into a private
 * directory on tmpfs (/dev/shm).  The input holds up to three files,
 * separated by a line "%%":
 *   iked.conf          the main file;
 *   inc.conf           what "include inc.conf" (or "include *.conf") reads;
 *   policies/private   the policy group of a conn named "private".
 * Includes must not leave that directory: inputs whose include lines
 * hold '/' or ".." are skipped, and the policies directory is forced
 * with conf_load_opts.
 *
 * Properties checked:
 *  - a failed load returns no configuration and at least one error;
 *  - a load that succeeds frees cleanly (ASan/LSan), and a second load
 *    of the same files is identical as conf_diff() sees it (no changed
 *    conn, no changed setup key);
 *  - conf_diff() from nothing lists every conn as added, and to
 *    nothing every conn as removed;
 *  - every conn is found by its own name, and a disabled conn's shunt
 *    is passthrough, drop or reject;
 *  - a policy lookup for the first address of every group entry (with
 *    its protocol and ports) finds an entry that contains it.
 *
 * Built by test/fuzz/run (test/Makefile.am: fuzz/fuzz_conf).
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "oe_log.h"
#include "conf.h"
#include "policy_group.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define INPUT_MAX	(64 * 1024)
#define NPARTS		3

static char dir[64];
static char paths[NPARTS][128];
static char policies[128];
static const char *const names[NPARTS] = {
	"iked.conf", "inc.conf", "policies/private",
};

static void
cleanup(void)
{
	size_t i;

	for (i = 0; i < NPARTS; i++)
		(void)unlink(paths[i]);
	(void)rmdir(policies);
	(void)rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	oe_log_set_priority(LOG_CRIT);
	snprintf(dir, sizeof(dir), "/dev/shm/oe-fuzz-conf.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp /dev/shm");
		exit(1);
	}
	snprintf(policies, sizeof(policies), "%s/policies", dir);
	if (mkdir(policies, 0700) != 0) {
		perror("mkdir policies");
		exit(1);
	}
	for (i = 0; i < NPARTS; i++)
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, names[i]);
	atexit(cleanup);
	return 0;
}

/* True if some "include" line could name a file outside `dir`. */
static bool
include_escapes(const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	size_t n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n >= 7 && memcmp(p, "include", 7) == 0 &&
		    (memchr(p, '/', n) != NULL || memmem(p, n, "..", 2) != NULL))
			return true;
		p += n + 1;
	}
	return false;
}

static bool
write_file(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, text, len) == (ssize_t)len;
	close(fd);
	return ok;
}

/* Split at lines "%%" and write the parts; absent parts: no file. */
static bool
write_parts(const char *text, size_t len)
{
	const char *p = text, *end = text + len, *sep;
	size_t i, n;

	for (i = 0; i < NPARTS; i++)
		(void)unlink(paths[i]);
	for (i = 0; i < NPARTS && p <= end; i++) {
		sep = i + 1 < NPARTS ? memmem(p, (size_t)(end - p), "\n%%\n", 4) :
		    NULL;
		n = sep ? (size_t)(sep - p) + 1 : (size_t)(end - p);
		if (!write_file(paths[i], p, n))
			return false;
		if (sep == NULL)
			break;
		p = sep + 4;
	}
	return true;
}

static void
check_lookups(const struct iked_conf *conf)
{
	struct policy_match m;
	size_t i, j;

	for (i = 0; i < conf->nconns; i++) {
		const struct policy_group *g = conf->conns[i].group;

		for (j = 0; g != NULL && j < g->n && j < 16; j++) {
			const struct policy_entry *e = &g->entries[j];

			/* Groups are loaded only for conns that are not
			 * auto=ignore, so the entry itself must match. */
			if (policy_lookup(conf, &e->dst.addr, e->proto, e->sport,
			    e->dport, &m) != 0 || m.entry == NULL || m.conn ==
			    NULL || !oe_cidr_contains_addr(&m.entry->dst,
			    &e->dst.addr))
				abort();
		}
	}
}

static void
check_diffs(const struct iked_conf *a, const struct iked_conf *b)
{
	struct conf_diff d;
	size_t i;

	if (conf_diff(a, b, &d) != 0)
		return;
	if (d.nconns != 0 || d.setup_changed) {
		fprintf(stderr, "same files loaded twice differ: %zu conns "
		    "(first %s: %s), setup %d (%s)\n", d.nconns, d.nconns ?
		    d.conns[0].name : "-", d.nconns ? d.conns[0].keys : "-",
		    d.setup_changed, d.setup_keys);
		abort();
	}
	conf_diff_free(&d);
	if (conf_diff(NULL, a, &d) != 0)
		return;
	if (d.nconns != a->nconns)
		abort();
	for (i = 0; i < d.nconns; i++)
		if (d.conns[i].change != CONF_CHANGE_ADDED)
			abort();
	conf_diff_free(&d);
	if (conf_diff(a, NULL, &d) != 0)
		return;
	if (d.nconns != a->nconns)
		abort();
	for (i = 0; i < d.nconns; i++)
		if (d.conns[i].change != CONF_CHANGE_REMOVED)
			abort();
	conf_diff_free(&d);
}

static void
check_conf(const struct iked_conf *conf)
{
	size_t i;
	int s;

	if (conf->nconns > CONF_CONNS_MAX || (conf->nconns > 0 &&
	    conf->conns == NULL))
		abort();
	for (i = 0; i < conf->nconns; i++) {
		const struct conf_conn *c = &conf->conns[i];

		if (conf_find_conn(conf, c->name) != c)
			abort();
		s = conf_conn_disabled_shunt(c);
		if (s != CONF_SHUNT_PASSTHROUGH && s != CONF_SHUNT_DROP &&
		    s != CONF_SHUNT_REJECT)
			abort();
		(void)conf_conn_is_authenticated(c);
		(void)conf_conn_is_ike(c);
	}
	check_lookups(conf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_load_opts opts = { .policies_dir = policies };
	struct iked_conf *conf = NULL, *again = NULL;
	struct conf_msgs *msgs = NULL;
	int rc;

	if (size > INPUT_MAX || include_escapes((const char *)data, size) ||
	    !write_parts((const char *)data, size) ||
	    (msgs = malloc(sizeof(*msgs))) == NULL)
		goto out;
	conf_msgs_init(msgs);
	rc = conf_load(paths[0], &opts, &conf, msgs);
	if (rc != 0) {
		if (conf != NULL || msgs->nerrors == 0)
			abort();
		goto out;
	}
	if (conf == NULL || msgs->nerrors != 0)
		abort();
	check_conf(conf);
	conf_msgs_init(msgs);
	if (conf_load(paths[0], &opts, &again, msgs) != 0 || again == NULL)
		abort();
	check_diffs(conf, again);
out:
	conf_free(again);
	conf_free(conf);
	free(msgs);
	return 0;
}
