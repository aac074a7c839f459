/*
 * iked.conf loader: reads the main file and its includes into raw
 * sections (key, value, file, line), checks every key and value
 * against the options table, then resolves each conn (its own keys,
 * then also= conns depth first, then conn %default; the first value
 * found wins) into a fresh struct iked_conf.  Errors are collected (up
 * to CONF_MSGS_MAX kept) rather than stopping at the first.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_lex.h"
#include "conf_options.h"
#include "conf_validate.h"
#include "conf_value.h"
#include "policy_group.h"

#define CONF_FILE_MAX		(1u << 20)	/* bytes per file */
#define CONF_FILES_MAX		256
#define CONF_INCLUDE_DEPTH	8
#define CONF_ALSO_DEPTH		16
#define CONF_ALSO_MAX		32	/* also= lines per conn */
#define CONF_KV_MAX		(1u << 16)	/* per section */

enum sec_kind { SEC_SETUP, SEC_DEFAULT, SEC_CONN };

struct raw_kv {
	const struct conf_option *opt;
	char			*value;		/* owned */
	const char		*file;		/* ctx->files */
	unsigned		 line;
};

struct raw_sec {
	enum sec_kind	 kind;
	char		 name[CONF_NAME_MAX];
	const char	*file;
	unsigned	 line;
	struct raw_kv	*kv;
	size_t		 nkv, cap;
};

struct parse_ctx {
	struct conf_msgs *msgs;
	struct raw_sec	*secs;
	size_t		 nsecs, cap;
	char		*files[CONF_FILES_MAX];	/* owned names, as opened */
	size_t		 nfiles;
	char		*stack[CONF_INCLUDE_DEPTH + 1];	/* realpaths being read */
	size_t		 depth;
	struct conf_conn *scratch_conn;		/* value checks */
	struct conf_setup scratch_setup;
	bool		 oom;
};

static void parse_file(struct parse_ctx *ctx, const char *path,
    const char *from_file, unsigned from_line);

static const char *
sec_describe(const struct raw_sec *s, char *buf, size_t len)
{
	if (s->kind == SEC_SETUP)
		snprintf(buf, len, "config setup");
	else
		snprintf(buf, len, "conn \"%s\"", s->name);
	return buf;
}

static int
sec_find(struct parse_ctx *ctx, enum sec_kind kind, const char *name)
{
	size_t i;

	for (i = 0; i < ctx->nsecs; i++)
		if (ctx->secs[i].kind == kind &&
		    (kind != SEC_CONN || strcmp(ctx->secs[i].name, name) == 0))
			return (int)i;
	return -1;
}

static int
sec_new(struct parse_ctx *ctx, enum sec_kind kind, const char *name,
    const char *file, unsigned line)
{
	struct raw_sec *n;
	size_t ncap;

	if (ctx->nsecs == ctx->cap) {
		ncap = ctx->cap ? ctx->cap * 2 : 16;
		if ((n = realloc(ctx->secs, ncap * sizeof(*n))) == NULL) {
			ctx->oom = true;
			return -1;
		}
		ctx->secs = n;
		ctx->cap = ncap;
	}
	n = &ctx->secs[ctx->nsecs];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	(void)conf_strlcpy(n->name, name, sizeof(n->name));	/* lexer bounds it */
	n->file = file;
	n->line = line;
	return (int)ctx->nsecs++;
}

static const struct raw_kv *
sec_get(const struct raw_sec *s, const struct conf_option *opt)
{
	size_t i;

	for (i = 0; i < s->nkv; i++)
		if (s->kv[i].opt == opt)
			return &s->kv[i];
	return NULL;
}

static size_t
count_also(const struct raw_sec *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->nkv; i++)
		n += s->kv[i].opt->type == CONF_V_ALSO;
	return n;
}

/* Section header line: returns the section index to fill, or -1 (skip). */
static int
on_section(struct parse_ctx *ctx, const struct conf_token *tok,
    const char *file, unsigned line)
{
	size_t nconns = 0, i;
	int idx;

	if (strcmp(tok->word, "config") == 0) {
		idx = sec_find(ctx, SEC_SETUP, NULL);
		return idx >= 0 ? idx : sec_new(ctx, SEC_SETUP, "setup", file, line);
	}
	if (strcmp(tok->arg, "%default") == 0) {
		idx = sec_find(ctx, SEC_DEFAULT, NULL);
		return idx >= 0 ? idx : sec_new(ctx, SEC_DEFAULT, "%default", file, line);
	}
	if (tok->arg[0] == '%' || tok->arg[0] == '.' || strchr(tok->arg, '%')) {
		conf_msg_add(ctx->msgs, CONF_SEV_ERROR, file, line, "bad conn name "
		    "\"%s\" (expected letters, digits, '.', '_' or '-', not starting "
		    "with '.'; only %%default is special)", tok->arg);
		return -1;
	}
	if ((idx = sec_find(ctx, SEC_CONN, tok->arg)) >= 0) {
		conf_msg_add(ctx->msgs, CONF_SEV_ERROR, file, line, "duplicate conn "
		    "\"%s\" (first defined at %s:%u)", tok->arg, ctx->secs[idx].file,
		    ctx->secs[idx].line);
		return -1;
	}
	for (i = 0; i < ctx->nsecs; i++)
		nconns += ctx->secs[i].kind == SEC_CONN;
	if (nconns >= CONF_CONNS_MAX) {
		conf_msg_add(ctx->msgs, CONF_SEV_ERROR, file, line, "too many conns "
		    "(at most %d)", CONF_CONNS_MAX);
		return -1;
	}
	return sec_new(ctx, SEC_CONN, tok->arg, file, line);
}

static void
on_kv(struct parse_ctx *ctx, struct raw_sec *s, const struct conf_token *tok,
    const char *file, unsigned line)
{
	enum conf_section section = s->kind == SEC_SETUP ? CONF_SEC_SETUP :
	    CONF_SEC_CONN;
	const struct conf_option *opt = conf_option_find(tok->word, section);
	const struct raw_kv *prev;
	const char *hint;
	char what[CONF_NAME_MAX + 16], err[CONF_MSG_LEN];
	struct raw_kv *n;
	size_t ncap;
	void *scratch;

	sec_describe(s, what, sizeof(what));
	if (opt == NULL) {
		if (conf_option_in_other_section(tok->word, section))
			conf_msg_add(ctx->msgs, CONF_SEV_ERROR, file, line, "key \"%s\" "
			    "belongs in %s, not in %s", tok->word, section ==
			    CONF_SEC_SETUP ? "a conn" : "config setup", what);
		else if ((hint = conf_option_suggest(tok->word, section)) != NULL)
			conf_msg_add(ctx->msgs, CONF_SEV_ERROR, file, line, "unknown key "
			    "\"%s\" in %s (did you mean \"%s\"?)", tok->word, what, hint);
		else
			conf_msg_add(ctx->msgs, CONF_SEV_ERROR, file, line, "unknown key "
			    "\"%s\" in %s (see iked.conf(5) for the keys)", tok->word, what);
		return;
	}
	if (!(opt->flags & CONF_F_MULTI) && (prev = sec_get(s, opt)) != NULL) {
		conf_msg_add(ctx->msgs, CONF_SEV_ERROR, file, line, "duplicate key "
		    "\"%s\" in %s (first set at %s:%u)", opt->name, what, prev->file,
		    prev->line);
		return;
	}
	scratch = section == CONF_SEC_SETUP ? (void *)&ctx->scratch_setup :
	    (void *)ctx->scratch_conn;
	if (conf_option_apply(opt, scratch, tok->arg, err, sizeof(err)) == -1) {
		conf_msg_add(ctx->msgs, CONF_SEV_ERROR, file, line, "bad value for %s "
		    "in %s: %s", opt->name, what, err);
		return;
	}
	if (opt->type == CONF_V_ALSO && s->kind != SEC_CONN) {
		conf_msg_add(ctx->msgs, CONF_SEV_ERROR, file, line, "also= is not "
		    "allowed in conn %%default");
		return;
	}
	if (opt->type == CONF_V_ALSO && count_also(s) >= CONF_ALSO_MAX) {
		conf_msg_add(ctx->msgs, CONF_SEV_ERROR, file, line, "too many also= "
		    "in %s (at most %d)", what, CONF_ALSO_MAX);
		return;
	}
	if (s->nkv >= CONF_KV_MAX) {
		conf_msg_add(ctx->msgs, CONF_SEV_ERROR, file, line, "too many keys "
		    "in %s (at most %u)", what, CONF_KV_MAX);
		return;
	}
	if (s->nkv == s->cap) {
		ncap = s->cap ? s->cap * 2 : 16;
		if ((n = realloc(s->kv, ncap * sizeof(*n))) == NULL) {
			ctx->oom = true;
			return;
		}
		s->kv = n;
		s->cap = ncap;
	}
	n = &s->kv[s->nkv];
	if ((n->value = strdup(tok->arg)) == NULL) {
		ctx->oom = true;
		return;
	}
	n->opt = opt;
	n->file = file;
	n->line = line;
	s->nkv++;
}

static bool
has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
on_include(struct parse_ctx *ctx, const char *pattern, const char *file,
    unsigned line)
{
	char full[PATH_MAX], dir[PATH_MAX], *slash;
	glob_t g;
	size_t i;
	int n, r;

	if (pattern[0] == '/')
		n = conf_strlcpy(full, pattern, sizeof(full));
	else {
		(void)conf_strlcpy(dir, file, sizeof(dir));
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		n = slash ? conf_path_join(full, sizeof(full), dir, pattern) :
		    conf_strlcpy(full, pattern, sizeof(full));
	}
	if (n == -1) {
		conf_msg_add(ctx->msgs, CONF_SEV_ERROR, file, line, "include path too long");
		return;
	}
	if (!has_glob(full)) {
		parse_file(ctx, full, file, line);
		return;
	}
	memset(&g, 0, sizeof(g));
	/* Sorted with strcmp below, not by locale: same order everywhere. */
	r = glob(full, GLOB_NOSORT, NULL, &g);
	if (r == GLOB_NOMATCH) {
		globfree(&g);
		return;		/* an empty conf.d is fine */
	}
	if (r != 0) {
		conf_msg_add(ctx->msgs, CONF_SEV_ERROR, file, line, "include \"%s\": "
		    "cannot expand the pattern", pattern);
		globfree(&g);
		return;
	}
	qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_str);
	for (i = 0; i < g.gl_pathc; i++)
		parse_file(ctx, g.gl_pathv[i], file, line);
	globfree(&g);
}

/* Read a whole regular file of at most CONF_FILE_MAX bytes. */
static char *
read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t r;
	int fd;

	/* O_NONBLOCK: a FIFO named by an include must not hang the load. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size > CONF_FILE_MAX) {
		snprintf(err, errlen, "file larger than %u bytes", CONF_FILE_MAX);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	*len = got;
out:
	close(fd);
	return buf;
}

static void
parse_lines(struct parse_ctx *ctx, const char *name, char *text, size_t len)
{
	struct conf_token *tok;
	char err[CONF_MSG_LEN], *cur = text, *nl;
	unsigned lineno = 0;
	int sec = -1;		/* current section index, -1: none */
	bool skipping = false;	/* inside a section we refused */

	if ((tok = malloc(sizeof(*tok))) == NULL) {
		ctx->oom = true;
		return;
	}
	while (cur < text + len) {
		lineno++;
		nl = memchr(cur, '\n', (size_t)(text + len - cur));
		if (nl)
			*nl = '\0';
		if (strlen(cur) != (size_t)((nl ? nl : text + len) - cur)) {
			conf_msg_add(ctx->msgs, CONF_SEV_ERROR, name, lineno,
			    "NUL byte in line (expected text)");
		} else if (conf_lex_line(cur, tok, err, sizeof(err)) == -1) {
			conf_msg_add(ctx->msgs, CONF_SEV_ERROR, name, lineno, "%s", err);
		} else switch (tok->kind) {
		case CONF_TOK_BLANK:
		case CONF_TOK_VERSION:
			break;
		case CONF_TOK_SECTION:
			sec = on_section(ctx, tok, name, lineno);
			skipping = sec < 0;
			break;
		case CONF_TOK_INCLUDE:
			on_include(ctx, tok->arg, name, lineno);
			sec = -1;	/* an include ends the current section */
			skipping = false;
			break;
		case CONF_TOK_KV:
			if (sec >= 0)
				on_kv(ctx, &ctx->secs[sec], tok, name, lineno);
			else if (!skipping)
				conf_msg_add(ctx->msgs, CONF_SEV_ERROR, name, lineno,
				    "\"%s=\" outside a section (expected \"conn NAME\" "
				    "or \"config setup\" before it)", tok->word);
			break;
		}
		if (nl == NULL)
			break;
		cur = nl + 1;
	}
	free(tok);
}

static void
parse_file(struct parse_ctx *ctx, const char *path, const char *from_file,
    unsigned from_line)
{
	char real[PATH_MAX], err[160], *text = NULL, *name;
	size_t len = 0, i;

	if (ctx->depth > CONF_INCLUDE_DEPTH) {
		conf_msg_add(ctx->msgs, CONF_SEV_ERROR, from_file, from_line,
		    "includes nested deeper than %d levels", CONF_INCLUDE_DEPTH);
		return;
	}
	if (realpath(path, real) == NULL) {
		if (from_file)
			conf_msg_add(ctx->msgs, CONF_SEV_ERROR, from_file, from_line,
			    "cannot include \"%s\": %s", path, strerror(errno));
		else
			conf_msg_add(ctx->msgs, CONF_SEV_ERROR, path, 0, "cannot read "
			    "configuration: %s", strerror(errno));
		return;
	}
	for (i = 0; i < ctx->depth; i++)
		if (strcmp(ctx->stack[i], real) == 0) {
			conf_msg_add(ctx->msgs, CONF_SEV_ERROR, from_file, from_line,
			    "include loop: \"%s\" is already being read", path);
			return;
		}
	if (ctx->nfiles >= CONF_FILES_MAX) {
		conf_msg_add(ctx->msgs, CONF_SEV_ERROR, from_file, from_line,
		    "too many configuration files (at most %d)", CONF_FILES_MAX);
		return;
	}
	if ((text = read_file(path, &len, err, sizeof(err))) == NULL) {
		conf_msg_add(ctx->msgs, CONF_SEV_ERROR, from_file ? from_file : path,
		    from_file ? from_line : 0, "cannot read \"%s\": %s", path, err);
		return;
	}
	if ((name = strdup(path)) == NULL || (ctx->stack[ctx->depth] =
	    strdup(real)) == NULL) {
		free(name);
		free(text);
		ctx->oom = true;
		return;
	}
	ctx->files[ctx->nfiles++] = name;
	ctx->depth++;
	parse_lines(ctx, name, text, len);
	ctx->depth--;
	free(ctx->stack[ctx->depth]);
	ctx->stack[ctx->depth] = NULL;
	free(text);
}

/* ---- resolution: own keys, also= (depth first), %default ---------- */

struct resolve {
	struct parse_ctx	*ctx;
	struct conf_conn	*conn;
	struct conf_origin	*origin;	/* conf_noptions */
	bool			*set;		/* conf_noptions */
	/*
	 * Sections already applied to this conn: applying one again cannot
	 * change anything (the first value wins), and skipping it keeps a
	 * diamond of also= conns linear instead of exponential.
	 */
	bool			*applied;	/* ctx->nsecs */
	int			 path[CONF_ALSO_DEPTH];
	size_t			 depth;
};

static void
apply_section(struct resolve *r, const struct raw_sec *s)
{
	char err[CONF_MSG_LEN];
	size_t i, idx;

	for (i = 0; i < s->nkv; i++) {
		const struct raw_kv *kv = &s->kv[i];

		idx = (size_t)(kv->opt - conf_options);
		if (kv->opt->type == CONF_V_ALSO || r->set[idx])
			continue;
		r->set[idx] = true;
		r->origin[idx].file = kv->file;
		r->origin[idx].line = kv->line;
		/* Values were checked when read; a failure here is a bug. */
		if (conf_option_apply(kv->opt, r->conn, kv->value, err,
		    sizeof(err)) == -1)
			conf_msg_add(r->ctx->msgs, CONF_SEV_ERROR, kv->file, kv->line,
			    "%s", err);
	}
}

static void
resolve_conn(struct resolve *r, int idx)
{
	const struct raw_sec *s = &r->ctx->secs[idx];
	char chain[CONF_MSG_LEN];
	size_t i, j;
	int target;

	r->path[r->depth++] = idx;
	r->applied[idx] = true;
	apply_section(r, s);
	for (i = 0; i < s->nkv; i++) {
		const struct raw_kv *kv = &s->kv[i];

		if (kv->opt->type != CONF_V_ALSO)
			continue;
		target = sec_find(r->ctx, SEC_CONN, kv->value);
		if (target < 0) {
			conf_msg_add(r->ctx->msgs, CONF_SEV_ERROR, kv->file, kv->line,
			    "also=%s in conn \"%s\": no such conn", kv->value, s->name);
			continue;
		}
		for (j = 0; j < r->depth; j++)
			if (r->path[j] == target)
				break;
		if (j < r->depth) {
			chain[0] = '\0';
			for (j = 0; j < r->depth; j++) {
				(void)conf_strlcat(chain, r->ctx->secs[r->path[j]].name,
				    sizeof(chain));
				(void)conf_strlcat(chain, " -> ", sizeof(chain));
			}
			conf_msg_add(r->ctx->msgs, CONF_SEV_ERROR, kv->file, kv->line,
			    "also= loop: %s%s", chain, kv->value);
			continue;
		}
		if (r->applied[target])
			continue;
		if (r->depth >= CONF_ALSO_DEPTH) {
			conf_msg_add(r->ctx->msgs, CONF_SEV_ERROR, kv->file, kv->line,
			    "also= nested deeper than %d conns", CONF_ALSO_DEPTH);
			continue;
		}
		resolve_conn(r, target);
	}
	r->depth--;
}

static int
build_setup(struct parse_ctx *ctx, struct iked_conf *conf, const char *path,
    const struct conf_load_opts *opts)
{
	char err[CONF_MSG_LEN], dir[CONF_PATH_MAX], *slash;
	int idx = sec_find(ctx, SEC_SETUP, NULL);
	size_t i;

	if (conf_options_defaults(CONF_SEC_SETUP, &conf->setup, err,
	    sizeof(err)) == -1) {
		conf_msg_add(ctx->msgs, CONF_SEV_ERROR, NULL, 0, "%s", err);
		return -1;
	}
	for (i = 0; idx >= 0 && i < ctx->secs[idx].nkv; i++) {
		const struct raw_kv *kv = &ctx->secs[idx].kv[i];

		if (conf_option_apply(kv->opt, &conf->setup, kv->value, err,
		    sizeof(err)) == -1)
			conf_msg_add(ctx->msgs, CONF_SEV_ERROR, kv->file, kv->line,
			    "%s", err);
	}
	if (opts && opts->policies_dir && conf_strlcpy(conf->setup.policies_dir,
	    opts->policies_dir, sizeof(conf->setup.policies_dir)) == -1) {
		conf_msg_add(ctx->msgs, CONF_SEV_ERROR, NULL, 0,
		    "policies directory path too long");
		return -1;
	}
	if (conf->setup.policies_dir[0] != '/') {
		(void)conf_strlcpy(dir, path, sizeof(dir));
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			(void)conf_strlcpy(dir, ".", sizeof(dir));
		if (conf_path_join(err, sizeof(err), dir, conf->setup.policies_dir) == -1 ||
		    conf_strlcpy(conf->setup.policies_dir, err,
		    sizeof(conf->setup.policies_dir)) == -1) {
			conf_msg_add(ctx->msgs, CONF_SEV_ERROR, path, 0,
			    "policies-dir path too long");
			return -1;
		}
	}
	return 0;
}

static int
load_group(struct parse_ctx *ctx, const struct iked_conf *conf,
    struct conf_conn *c)
{
	char path[CONF_PATH_MAX + CONF_NAME_MAX + 1];

	(void)conf_path_join(path, sizeof(path), conf->setup.policies_dir, c->name);
	if (policy_group_load(c->name, path, &c->group, ctx->msgs) == -1)
		return -1;
	if (c->group->missing)
		conf_msg_add(ctx->msgs, CONF_SEV_WARNING, c->file, c->line,
		    "conn \"%s\": policy group file %s does not exist: the group "
		    "is empty", c->name, path);
	return 0;
}

static int
build_conns(struct parse_ctx *ctx, struct iked_conf *conf,
    const struct conf_load_opts *opts)
{
	struct conf_conn *defaults = NULL;
	struct resolve r;
	char err[CONF_MSG_LEN];
	int dflt = sec_find(ctx, SEC_DEFAULT, NULL);
	size_t i, n = 0;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	r.origin = calloc(conf_noptions, sizeof(*r.origin));
	r.set = calloc(conf_noptions, sizeof(*r.set));
	r.applied = calloc(ctx->nsecs ? ctx->nsecs : 1, sizeof(*r.applied));
	defaults = calloc(1, sizeof(*defaults));
	for (i = 0; i < ctx->nsecs; i++)
		n += ctx->secs[i].kind == SEC_CONN;
	conf->conns = calloc(n ? n : 1, sizeof(*conf->conns));
	if (r.origin == NULL || r.set == NULL || r.applied == NULL ||
	    defaults == NULL || conf->conns == NULL)
		goto out;
	if (conf_options_defaults(CONF_SEC_CONN, defaults, err, sizeof(err)) == -1) {
		conf_msg_add(ctx->msgs, CONF_SEV_ERROR, NULL, 0, "%s", err);
		goto out;
	}
	for (i = 0; i < ctx->nsecs; i++) {
		const struct raw_sec *s = &ctx->secs[i];
		struct conf_conn *c;

		if (s->kind != SEC_CONN)
			continue;
		c = &conf->conns[conf->nconns++];
		*c = *defaults;
		(void)conf_strlcpy(c->name, s->name, sizeof(c->name));
		(void)conf_strlcpy(c->file, s->file, sizeof(c->file));
		c->line = s->line;
		memset(r.origin, 0, conf_noptions * sizeof(*r.origin));
		memset(r.set, 0, conf_noptions * sizeof(*r.set));
		memset(r.applied, 0, ctx->nsecs * sizeof(*r.applied));
		r.conn = c;
		r.depth = 0;
		resolve_conn(&r, (int)i);
		if (dflt >= 0)
			apply_section(&r, &ctx->secs[dflt]);
		conf_validate_conn(c, defaults, r.origin, ctx->msgs);
		/* Templates (auto=ignore) have no group of their own. */
		if ((c->right.host.kind == CONF_HOST_OPPOGROUP ||
		    c->right.host.kind == CONF_HOST_GROUP) &&
		    c->autostart != CONF_AUTO_IGNORE &&
		    !(opts && opts->no_groups) && load_group(ctx, conf, c) == -1)
			continue;
	}
	rc = 0;
out:
	if (rc == -1)
		ctx->oom = true;
	free(r.origin);
	free(r.set);
	free(r.applied);
	free(defaults);
	return rc;
}

static void
ctx_free(struct parse_ctx *ctx)
{
	size_t i, j;

	for (i = 0; i < ctx->nsecs; i++) {
		for (j = 0; j < ctx->secs[i].nkv; j++)
			free(ctx->secs[i].kv[j].value);
		free(ctx->secs[i].kv);
	}
	free(ctx->secs);
	for (i = 0; i < ctx->nfiles; i++)
		free(ctx->files[i]);
	for (i = 0; i < ctx->depth; i++)
		free(ctx->stack[i]);
	free(ctx->scratch_conn);
}

int
conf_load(const char *path, const struct conf_load_opts *opts,
    struct iked_conf **out, struct conf_msgs *msgs)
{
	struct parse_ctx ctx;
	struct iked_conf *conf = NULL;
	int rc = -1;

	*out = NULL;
	memset(&ctx, 0, sizeof(ctx));
	ctx.msgs = msgs;
	if (strlen(path) >= CONF_PATH_MAX) {
		conf_msg_add(msgs, CONF_SEV_ERROR, NULL, 0, "configuration path too long");
		return -1;
	}
	if ((ctx.scratch_conn = calloc(1, sizeof(*ctx.scratch_conn))) == NULL ||
	    (conf = calloc(1, sizeof(*conf))) == NULL)
		goto out;
	(void)conf_strlcpy(conf->path, path, sizeof(conf->path));	/* checked above */
	parse_file(&ctx, path, NULL, 0);
	/* Resolve only a file set without syntax errors: fewer cascades. */
	if (msgs->nerrors || ctx.oom)
		goto out;
	if (build_setup(&ctx, conf, path, opts) == -1 ||
	    build_conns(&ctx, conf, opts) == -1)
		goto out;
	if (msgs->nerrors || ctx.oom)
		goto out;
	policy_groups_check_overlap(conf, msgs);
	*out = conf;
	conf = NULL;
	rc = 0;
out:
	if (ctx.oom)
		conf_msg_add(msgs, CONF_SEV_ERROR, path, 0, "out of memory");
	conf_free(conf);
	ctx_free(&ctx);
	return rc;
}
