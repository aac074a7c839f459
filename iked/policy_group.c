/*
 * Policy group files and destination lookup (see policy_group.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_value.h"
#include "policy_group.h"

#define GROUP_LINE_MAX	256
#define GROUP_FIELDS	4

struct proto_name {
	const char	*name;
	uint8_t		 num;
	bool		 ports;		/* has ports */
};

/* Own table: /etc/protocols differs between hosts, configs must not. */
static const struct proto_name protos[] = {
	{ "icmp", 1, false }, { "tcp", 6, true }, { "udp", 17, true },
	{ "gre", 47, false }, { "esp", 50, false }, { "ah", 51, false },
	{ "icmpv6", 58, false }, { "ipv6-icmp", 58, false },
	{ "sctp", 132, true }, { "udplite", 136, true },
};

static const struct {
	const char	*name;
	int		 kind;
	const char	*meaning;
} std_groups[] = {
	{ "block", POLICY_GROUP_BLOCK, "drop all traffic, never negotiate" },
	{ "clear", POLICY_GROUP_CLEAR, "always send in clear, never negotiate" },
	{ "clear-or-private", POLICY_GROUP_CLEAR_OR_PRIVATE,
	    "send in clear; encrypt only if the peer initiates IKE" },
	{ "private-or-clear", POLICY_GROUP_PRIVATE_OR_CLEAR,
	    "try to encrypt; send in clear if negotiation fails" },
	{ "private", POLICY_GROUP_PRIVATE,
	    "encrypt or drop: never send in clear" },
};

int
policy_group_kind_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(std_groups) / sizeof(std_groups[0]); i++)
		if (strcmp(std_groups[i].name, name) == 0)
			return std_groups[i].kind;
	return POLICY_GROUP_OTHER;
}

const char *
policy_group_kind_describe(int kind)
{
	size_t i;

	for (i = 0; i < sizeof(std_groups) / sizeof(std_groups[0]); i++)
		if (std_groups[i].kind == kind)
			return std_groups[i].meaning;
	return "as its conn says";
}

const char *
policy_proto_name(uint8_t proto)
{
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].num == proto)
			return protos[i].name;
	return NULL;
}

static bool
proto_has_ports(uint8_t proto)
{
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].num == proto)
			return protos[i].ports;
	return false;
}

static int
parse_proto(const char *s, uint8_t *out, char *err, size_t errlen)
{
	uint32_t v;
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (strcmp(protos[i].name, s) == 0) {
			*out = protos[i].num;
			return 0;
		}
	if (conf_parse_uint(&v, s, 0, 255, err, errlen) == -1) {
		snprintf(err, errlen, "unknown protocol \"%s\" (expected tcp, udp, "
		    "icmp, icmpv6, sctp, ... or a number 0..255)", s);
		return -1;
	}
	*out = (uint8_t)v;
	return 0;
}

/* Split on blanks into at most GROUP_FIELDS fields; -1 if more. */
static int
split_fields(char *line, char *f[GROUP_FIELDS])
{
	int n = 0;
	char *save = NULL, *tok;

	for (tok = strtok_r(line, " \t", &save); tok;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (n == GROUP_FIELDS)
			return -1;
		f[n++] = tok;
	}
	return n;
}

static int
parse_entry(char *line, struct policy_entry *e, char *err, size_t errlen)
{
	char *f[GROUP_FIELDS] = { NULL }, perr[160];
	uint32_t port;
	int n;

	memset(e, 0, sizeof(*e));
	n = split_fields(line, f);
	if (n <= 0) {
		snprintf(err, errlen, n == 0 ? "empty entry" : "too many fields (expected CIDR [PROTO "
		    "[SOURCEPORT [DESTPORT]]])");
		return -1;
	}
	if (conf_parse_cidr(&e->dst, f[0], perr, sizeof(perr)) == -1) {
		snprintf(err, errlen, "bad CIDR: %s", perr);
		return -1;
	}
	if (n >= 2 && parse_proto(f[1], &e->proto, err, errlen) == -1)
		return -1;
	if (n >= 3 && !proto_has_ports(e->proto)) {
		snprintf(err, errlen, "ports given for protocol \"%s\" which has none "
		    "(expected tcp, udp, sctp or udplite)", f[1]);
		return -1;
	}
	if (n >= 3) {
		if (conf_parse_uint(&port, f[2], 0, 65535, perr, sizeof(perr)) == -1) {
			snprintf(err, errlen, "bad source port: %s", perr);
			return -1;
		}
		e->sport = (uint16_t)port;
	}
	if (n >= 4) {
		if (conf_parse_uint(&port, f[3], 0, 65535, perr, sizeof(perr)) == -1) {
			snprintf(err, errlen, "bad destination port: %s", perr);
			return -1;
		}
		e->dport = (uint16_t)port;
	}
	return 0;
}

static bool
entry_same(const struct policy_entry *a, const struct policy_entry *b)
{
	return a->dst.plen == b->dst.plen && a->proto == b->proto &&
	    a->sport == b->sport && a->dport == b->dport &&
	    conf_cidr_contains(&a->dst, &b->dst.addr);
}

/* Index sorted by entry so duplicates are adjacent: O(n log n). */
static int
entry_cmp(const struct policy_entry *a, const struct policy_entry *b)
{
	if (a->dst.addr.family != b->dst.addr.family)
		return a->dst.addr.family < b->dst.addr.family ? -1 : 1;
	{
		int c = memcmp(&a->dst.addr.u, &b->dst.addr.u,
		    a->dst.addr.family == AF_INET ? 4 : 16);
		if (c != 0)
			return c;
	}
	if (a->dst.plen != b->dst.plen)
		return a->dst.plen < b->dst.plen ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->sport != b->sport)
		return a->sport < b->sport ? -1 : 1;
	if (a->dport != b->dport)
		return a->dport < b->dport ? -1 : 1;
	return 0;
}

static int
entry_ptr_cmp(const void *a, const void *b)
{
	const struct policy_entry *const *x = a, *const *y = b;
	int c = entry_cmp(*x, *y);

	if (c != 0)
		return c;
	return (*x)->line < (*y)->line ? -1 : (*x)->line > (*y)->line;
}

static int
report_duplicates(const struct policy_group *g, struct conf_msgs *msgs)
{
	const struct policy_entry **idx;
	size_t i;

	if (g->n < 2)
		return 0;
	idx = calloc(g->n, sizeof(*idx));
	if (idx == NULL)
		return -1;
	for (i = 0; i < g->n; i++)
		idx[i] = &g->entries[i];
	qsort(idx, g->n, sizeof(*idx), entry_ptr_cmp);
	for (i = 1; i < g->n; i++)
		if (entry_same(idx[i - 1], idx[i]))
			conf_msg_add(msgs, CONF_SEV_WARNING, g->file, idx[i]->line,
			    "duplicate entry in policy group \"%s\" (first at line %u)",
			    g->name, idx[i - 1]->line);
	free(idx);
	return 0;
}

static int
group_add(struct policy_group *g, size_t *cap, const struct policy_entry *e)
{
	struct policy_entry *n;
	size_t ncap;

	if (g->n == *cap) {
		ncap = *cap ? *cap * 2 : 16;
		n = realloc(g->entries, ncap * sizeof(*n));
		if (n == NULL)
			return -1;
		g->entries = n;
		*cap = ncap;
	}
	g->entries[g->n++] = *e;
	return 0;
}

static struct policy_group *
group_new(const char *name, const char *file)
{
	struct policy_group *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	(void)conf_strlcpy(g->name, name, sizeof(g->name));
	(void)conf_strlcpy(g->file, file, sizeof(g->file));
	g->kind = policy_group_kind_from_name(name);
	return g;
}

int
policy_group_parse(const char *name, const char *file, const char *text,
    size_t len, struct policy_group **out, struct conf_msgs *msgs)
{
	struct policy_group *g;
	struct policy_entry e;
	char line[GROUP_LINE_MAX], err[CONF_MSG_LEN], *hash;
	size_t pos = 0, n, cap = 0, errors_before = msgs->nerrors;
	unsigned lineno = 0;
	const char *nl;
	int rc = -1;

	*out = NULL;
	if ((g = group_new(name, file)) == NULL)
		goto out;
	while (pos < len) {
		lineno++;
		nl = memchr(text + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		if (n >= sizeof(line) || memchr(text + pos, '\0', n) != NULL) {
			conf_msg_add(msgs, CONF_SEV_ERROR, file, lineno, n >= sizeof(line) ?
			    "line too long (at most %zu characters)" :
			    "NUL byte in line (at most %zu characters of text)",
			    sizeof(line) - 1);
			pos += n + 1;
			continue;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		if (line[strspn(line, " \t")] == '\0')
			continue;
		if (parse_entry(line, &e, err, sizeof(err)) == -1) {
			conf_msg_add(msgs, CONF_SEV_ERROR, file, lineno, "%s", err);
			continue;
		}
		if (g->n >= POLICY_GROUP_ENTRIES_MAX) {
			conf_msg_add(msgs, CONF_SEV_ERROR, file, lineno,
			    "too many entries (at most %u)", POLICY_GROUP_ENTRIES_MAX);
			break;
		}
		e.line = lineno;
		if (group_add(g, &cap, &e) == -1)
			goto out;
	}
	if (msgs->nerrors != errors_before)
		goto out;
	if (report_duplicates(g, msgs) == -1)
		goto out;
	*out = g;
	g = NULL;
	rc = 0;
out:
	policy_group_free(g);
	return rc;
}

int
policy_group_load(const char *name, const char *path, struct policy_group **out,
    struct conf_msgs *msgs)
{
	struct stat st;
	char *buf = NULL;
	ssize_t r;
	size_t got = 0;
	int fd, rc = -1;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1 && errno == ENOENT) {
		/* libreswan too treats a missing group as empty. */
		if ((*out = group_new(name, path)) == NULL)
			return -1;
		(*out)->missing = true;
		return 0;
	}
	if (fd == -1) {
		conf_msg_add(msgs, CONF_SEV_ERROR, path, 0, "cannot open policy group: %s",
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > POLICY_GROUP_FILE_MAX) {
		conf_msg_add(msgs, CONF_SEV_ERROR, path, 0, "policy group is not a "
		    "regular file of at most %u bytes", POLICY_GROUP_FILE_MAX);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	rc = policy_group_parse(name, path, buf, got, out, msgs);
out:
	free(buf);
	close(fd);
	return rc;
}

void
policy_group_free(struct policy_group *g)
{
	if (g == NULL)
		return;
	free(g->entries);
	free(g);
}

uint32_t
policy_entry_score(const struct conf_conn *c, const struct policy_entry *e)
{
	uint32_t spec = (e->proto != 0) + (e->sport != 0) + (e->dport != 0);

	return (uint32_t)e->dst.plen * 8 + spec * 2 +
	    (conf_conn_is_authenticated(c) ? 1 : 0);
}

uint32_t
policy_entry_priority(const struct conf_conn *c, const struct policy_entry *e)
{
	if (c->priority != 0)
		return c->priority;
	return POLICY_PRIO_BASE - policy_entry_score(c, e);
}

static bool
entry_matches(const struct policy_entry *e, const struct oe_addr *dst,
    uint8_t proto, uint16_t sport, uint16_t dport)
{
	if (!conf_cidr_contains(&e->dst, dst))
		return false;
	if (e->proto != 0 && e->proto != proto)
		return false;
	if (e->sport != 0 && e->sport != sport)
		return false;
	if (e->dport != 0 && e->dport != dport)
		return false;
	return true;
}

int
policy_lookup(const struct iked_conf *conf, const struct oe_addr *dst,
    uint8_t proto, uint16_t sport, uint16_t dport, struct policy_match *out)
{
	const struct conf_conn *c;
	const struct policy_entry *e;
	uint32_t score, best = 0;
	size_t i, j;
	bool found = false;

	memset(out, 0, sizeof(*out));
	for (i = 0; conf && i < conf->nconns; i++) {
		c = &conf->conns[i];
		if (c->group == NULL || c->autostart == CONF_AUTO_IGNORE)
			continue;
		for (j = 0; j < c->group->n; j++) {
			e = &c->group->entries[j];
			if (!entry_matches(e, dst, proto, sport, dport))
				continue;
			score = policy_entry_score(c, e);
			/* Strictly greater: on ties the earlier conn stays. */
			if (!found || score > best) {
				found = true;
				best = score;
				out->conn = c;
				out->entry = e;
			}
		}
	}
	if (!found)
		return -1;
	out->priority = policy_entry_priority(out->conn, out->entry);
	return 0;
}

struct owned_entry {
	const struct policy_entry	*e;
	const struct conf_conn		*c;
};

static int
owned_cmp(const void *a, const void *b)
{
	const struct owned_entry *x = a, *y = b;
	int r = entry_cmp(x->e, y->e);

	if (r != 0)
		return r;
	if (x->c != y->c)
		return x->c < y->c ? -1 : 1;
	return x->e->line < y->e->line ? -1 : x->e->line > y->e->line;
}

void
policy_groups_check_overlap(const struct iked_conf *conf, struct conf_msgs *msgs)
{
	struct owned_entry *all;
	size_t i, j, n = 0, k;

	for (i = 0; i < conf->nconns; i++)
		if (conf->conns[i].group)
			n += conf->conns[i].group->n;
	if (n < 2 || (all = calloc(n, sizeof(*all))) == NULL)
		return;
	for (i = 0, k = 0; i < conf->nconns; i++) {
		const struct policy_group *g = conf->conns[i].group;

		for (j = 0; g && j < g->n; j++, k++) {
			all[k].e = &g->entries[j];
			all[k].c = &conf->conns[i];
		}
	}
	qsort(all, n, sizeof(*all), owned_cmp);
	for (i = 1; i < n; i++) {
		if (all[i].c == all[i - 1].c || !entry_same(all[i].e, all[i - 1].e))
			continue;
		if (policy_entry_score(all[i].c, all[i].e) !=
		    policy_entry_score(all[i - 1].c, all[i - 1].e))
			continue;
		conf_msg_add(msgs, CONF_SEV_WARNING, all[i].c->group->file,
		    all[i].e->line, "entry also in policy group \"%s\" (%s:%u) with "
		    "equal precedence: the conn first in iked.conf wins",
		    all[i - 1].c->name, all[i - 1].c->group->file, all[i - 1].e->line);
	}
	free(all);
}
