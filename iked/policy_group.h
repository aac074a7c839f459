/*
 * Policy groups: /etc/oe/policies/<conn>, one destination per line,
 *     CIDR [PROTO [SOURCEPORT [DESTPORT]]]
 * with '#' comments and blank lines; IPv4 and IPv6.  A group belongs to
 * the conn of the same name whose right= is %opportunisticgroup (OE) or
 * %group (shunts).  The five standard groups (libreswan's meaning):
 *
 *   block             drop everything, no IKE            (type=reject|drop)
 *   clear             always in clear, no IKE            (type=passthrough)
 *   clear-or-private  clear unless the peer initiates IKE (auto=add)
 *   private-or-clear  try IKE, fall back to clear        (failureshunt=passthrough)
 *   private           IKE or nothing                     (failureshunt=drop)
 *
 * Precedence, for a destination that matches entries of several
 * groups (the rule the kernel priorities follow):
 *   1. the longest prefix wins;
 *   2. then the more specific entry: each of protocol, source port and
 *      destination port that is given counts one;
 *   3. then an authenticated conn beats a NULL-authenticated or clear
 *      one (so "private" with certificates beats "private-or-clear");
 *   4. then the conn that comes first in iked.conf (such ties are
 *      reported as warnings at load).
 */
#ifndef IKED_POLICY_GROUP_H
#define IKED_POLICY_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oe_addr.h"
#include "conf.h"

#define POLICY_GROUP_FILE_MAX	(4u << 20)	/* bytes */
#define POLICY_GROUP_ENTRIES_MAX 100000
/*
 * XFRM priorities: lower wins.  policy_entry_priority() returns
 * POLICY_PRIO_BASE minus a specificity score of at most 1031, so the
 * kernel backend may add its own offset above POLICY_PRIO_BASE.
 */
#define POLICY_PRIO_BASE	65536u

enum policy_group_kind {
	POLICY_GROUP_OTHER = 0,		/* any other name */
	POLICY_GROUP_BLOCK,
	POLICY_GROUP_CLEAR,
	POLICY_GROUP_CLEAR_OR_PRIVATE,
	POLICY_GROUP_PRIVATE_OR_CLEAR,
	POLICY_GROUP_PRIVATE,
};

struct policy_entry {
	struct oe_cidr	 dst;
	uint8_t		 proto;		/* IP protocol, 0: any */
	uint16_t	 sport;		/* 0: any */
	uint16_t	 dport;		/* 0: any */
	unsigned	 line;		/* in the group file */
};

struct policy_group {
	char			 name[CONF_NAME_MAX];
	char			 file[CONF_PATH_MAX];
	int			 kind;		/* enum policy_group_kind */
	bool			 missing;	/* no file: empty group */
	struct policy_entry	*entries;	/* owned, file order */
	size_t			 n;
};

/*
 * Parse group text (`len` bytes, need not be NUL-terminated) read from
 * `file` for the conn `name`.  Returns 0 and *out (free with
 * policy_group_free()), or -1 with errors "FILE:LINE: ..." in msgs and
 * *out = NULL.  Duplicate lines are warnings.
 */
int	 policy_group_parse(const char *name, const char *file,
	    const char *text, size_t len, struct policy_group **out,
	    struct conf_msgs *msgs);
/* Read and parse `path`; a missing file gives an empty group, missing=true. */
int	 policy_group_load(const char *name, const char *path,
	    struct policy_group **out, struct conf_msgs *msgs);
void	 policy_group_free(struct policy_group *g);

int	 policy_group_kind_from_name(const char *name);
/* One line: what the standard group means. */
const char *policy_group_kind_describe(int kind);
/* "tcp", "udp", ... or NULL for a number without a name. */
const char *policy_proto_name(uint8_t proto);

struct policy_match {
	const struct conf_conn		*conn;	/* conn->disabled may be set */
	const struct policy_entry	*entry;
	uint32_t			 priority;
};

/* Specificity score (higher wins), as described above. */
uint32_t policy_entry_score(const struct conf_conn *c,
	    const struct policy_entry *e);
/*
 * XFRM priority for the entry's policy: the conn's priority= if set,
 * else POLICY_PRIO_BASE - score (lower wins, as in XFRM).
 */
uint32_t policy_entry_priority(const struct conf_conn *c,
	    const struct policy_entry *e);
/*
 * Best entry for traffic to dst (proto/sport/dport 0: unknown, only
 * entries without that field match).  Conns with auto=ignore are
 * skipped.  Returns 0 and *out, or -1 if no group holds dst.
 */
int	 policy_lookup(const struct iked_conf *conf, const struct oe_addr *dst,
	    uint8_t proto, uint16_t sport, uint16_t dport,
	    struct policy_match *out);
/*
 * Warn (in msgs, against each file:line) about the same entry in two
 * groups: precedence then falls to file order, which is rarely meant.
 */
void	 policy_groups_check_overlap(const struct iked_conf *conf,
	    struct conf_msgs *msgs);

#endif /* IKED_POLICY_GROUP_H */
