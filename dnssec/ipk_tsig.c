/*
 * TSIG key file parsing.  The secret never leaves this struct except
 * into libldns's resolver, and is zeroed after use.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oe_log.h"
#include "ipk_record.h"
#include "ipk_tsig.h"
#include "ipk_util.h"

static const char *const algorithms[] = {
	"hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256",
	"hmac-sha384", "hmac-sha512",
};

static bool
set_algorithm(const char *label, unsigned line, const char *alg,
    struct ipk_tsig *t)
{
	char lower[32];
	size_t i, len = strlen(alg);

	if (len > 0 && alg[len - 1] == '.')
		len--;
	if (len == 0 || len >= sizeof(lower))
		goto bad;
	for (i = 0; i < len; i++)
		lower[i] = (char)tolower((unsigned char)alg[i]);
	lower[len] = '\0';
	if (strcmp(lower, "hmac-md5.sig-alg.reg.int") == 0)
		strcpy(lower, "hmac-md5");
	for (i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++) {
		if (strcmp(lower, algorithms[i]) == 0) {
			snprintf(t->algorithm, sizeof(t->algorithm), "%s.%s",
			    lower, strcmp(lower, "hmac-md5") == 0 ?
			    "sig-alg.reg.int." : "");
			return true;
		}
	}
bad:
	oe_err("%s:%u: unknown TSIG algorithm \"%s\" (hmac-sha256 and "
	    "friends)", label, line, alg);
	return false;
}

static bool
set_name(const char *label, unsigned line, const char *name,
    struct ipk_tsig *t)
{
	const char *why = NULL;

	if (!ipk_name_normalize(name, t->name, sizeof(t->name), &why)) {
		oe_err("%s:%u: TSIG key name \"%s\": %s", label, line, name,
		    why);
		return false;
	}
	return true;
}

static bool
set_secret(const char *label, unsigned line, const char *secret,
    struct ipk_tsig *t)
{
	uint8_t *raw;
	size_t len = 0;

	if (strlen(secret) > IPK_TSIG_SECRET_MAX ||
	    (raw = ipk_b64_decode(secret, &len)) == NULL) {
		oe_err("%s:%u: TSIG secret is not base64 (at most %d "
		    "characters)", label, line, IPK_TSIG_SECRET_MAX);
		return false;
	}
	explicit_bzero(raw, len);
	free(raw);
	if (len < 16) {
		oe_err("%s:%u: TSIG secret shorter than 16 octets", label,
		    line);
		return false;
	}
	memcpy(t->secret, secret, strlen(secret) + 1);
	return true;
}

/* --- BIND form: a tiny tokenizer ---------------------------------- */

struct lexer {
	const char	*p;
	unsigned	 line;
	char		 tok[IPK_TSIG_SECRET_MAX + 8];
	bool		 quoted;
};

/* Next token into lx->tok; false at end of input or on error. */
static bool
lex_next(struct lexer *lx)
{
	size_t n = 0;

	for (;;) {
		while (isspace((unsigned char)*lx->p)) {
			if (*lx->p == '\n')
				lx->line++;
			lx->p++;
		}
		if (*lx->p == '#' || (lx->p[0] == '/' && lx->p[1] == '/')) {
			while (*lx->p && *lx->p != '\n')
				lx->p++;
			continue;
		}
		break;
	}
	lx->quoted = false;
	if (*lx->p == '\0')
		return false;
	if (strchr("{};", *lx->p) != NULL) {
		lx->tok[0] = *lx->p++;
		lx->tok[1] = '\0';
		return true;
	}
	if (*lx->p == '"') {
		lx->quoted = true;
		lx->p++;
		while (*lx->p && *lx->p != '"' && *lx->p != '\n') {
			if (n + 1 >= sizeof(lx->tok))
				return false;
			lx->tok[n++] = *lx->p++;
		}
		if (*lx->p != '"')
			return false;
		lx->p++;
	} else {
		while (*lx->p && !isspace((unsigned char)*lx->p) &&
		    strchr("{};\"", *lx->p) == NULL) {
			if (n + 1 >= sizeof(lx->tok))
				return false;
			lx->tok[n++] = *lx->p++;
		}
	}
	lx->tok[n] = '\0';
	return true;
}

static bool
expect(struct lexer *lx, const char *label, const char *what)
{
	if (!lex_next(lx) || lx->quoted || strcmp(lx->tok, what) != 0) {
		oe_err("%s:%u: expected \"%s\"", label, lx->line, what);
		return false;
	}
	return true;
}

static bool
parse_bind(const char *label, const char *buf, struct ipk_tsig *t)
{
	struct lexer lx = { .p = buf, .line = 1 };
	bool have_alg = false, have_secret = false, ok = false;

	if (!expect(&lx, label, "key"))
		goto out;
	if (!lex_next(&lx)) {
		oe_err("%s:%u: expected the key name (unterminated quote?)",
		    label, lx.line);
		goto out;
	}
	if (!set_name(label, lx.line, lx.tok, t))
		goto out;
	if (!expect(&lx, label, "{"))
		goto out;
	for (;;) {
		char word[32];
		unsigned line;

		if (!lex_next(&lx)) {
			oe_err("%s:%u: unterminated key clause", label,
			    lx.line);
			goto out;
		}
		if (!lx.quoted && strcmp(lx.tok, "}") == 0)
			break;
		line = lx.line;
		if (strlen(lx.tok) >= sizeof(word)) {
			oe_err("%s:%u: unexpected \"%.20s...\"", label, line,
			    lx.tok);
			goto out;
		}
		strcpy(word, lx.tok);
		if (!lex_next(&lx)) {
			oe_err("%s:%u: \"%s\" needs a value", label, line,
			    word);
			goto out;
		}
		if (strcmp(word, "algorithm") == 0 && !have_alg) {
			if (!set_algorithm(label, line, lx.tok, t))
				goto out;
			have_alg = true;
		} else if (strcmp(word, "secret") == 0 && !have_secret) {
			if (!set_secret(label, line, lx.tok, t))
				goto out;
			have_secret = true;
		} else {
			oe_err("%s:%u: unexpected or repeated \"%s\"", label,
			    line, word);
			goto out;
		}
		if (!expect(&lx, label, ";"))
			goto out;
	}
	if (!have_alg || !have_secret) {
		oe_err("%s:%u: key clause lacks %s", label, lx.line,
		    have_alg ? "secret" : "algorithm");
		goto out;
	}
	/* The closing "};" and nothing after it. */
	if (!expect(&lx, label, ";"))
		goto out;
	if (lex_next(&lx)) {
		oe_err("%s:%u: more than one key in the file", label, lx.line);
		goto out;
	}
	ok = true;
out:
	explicit_bzero(lx.tok, sizeof(lx.tok));
	return ok;
}

/* --- Knot YAML form (only what keymgr -t prints) ------------------- */

static bool
parse_knot(const char *label, char *copy, struct ipk_tsig *t)
{
	bool have[3] = { false, false, false };
	char *line, *next;
	unsigned lineno = 0;

	for (line = copy; line != NULL; line = next) {
		char *s, *val;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		s = ipk_trim(line);
		if (s[0] == '\0' || s[0] == '#' || strcmp(s, "key:") == 0)
			continue;
		if (strncmp(s, "- ", 2) == 0)
			s = ipk_trim(s + 2);
		val = strchr(s, ':');
		if (val == NULL) {
			oe_err("%s:%u: expected \"field: value\"", label,
			    lineno);
			return false;
		}
		*val++ = '\0';
		val = ipk_trim(val);
		if (strcmp(s, "id") == 0 && !have[0]) {
			if (!set_name(label, lineno, val, t))
				return false;
			have[0] = true;
		} else if (strcmp(s, "algorithm") == 0 && !have[1]) {
			if (!set_algorithm(label, lineno, val, t))
				return false;
			have[1] = true;
		} else if (strcmp(s, "secret") == 0 && !have[2]) {
			if (!set_secret(label, lineno, val, t))
				return false;
			have[2] = true;
		} else {
			oe_err("%s:%u: unexpected or repeated \"%s\"", label,
			    lineno, s);
			return false;
		}
	}
	if (!have[0] || !have[1] || !have[2]) {
		oe_err("%s: key needs id, algorithm and secret", label);
		return false;
	}
	return true;
}

/* --- one line: [alg:]name:secret ------------------------------------ */

static bool
parse_line(const char *label, char *copy, struct ipk_tsig *t)
{
	char *s = ipk_trim(copy), *f[3] = { NULL, NULL, NULL };
	unsigned n = 0;

	if (strchr(s, '\n') != NULL) {
		oe_err("%s:2: one-line form holds one line only", label);
		return false;
	}
	f[n++] = s;
	while (n < 3 && (s = strchr(s, ':')) != NULL) {
		*s++ = '\0';
		f[n++] = s;
	}
	if (n < 2 || strchr(f[n - 1], ':') != NULL) {
		oe_err("%s:1: expected [algorithm:]name:secret", label);
		return false;
	}
	if (n == 2)
		return set_algorithm(label, 1, "hmac-sha256", t) &&
		    set_name(label, 1, f[0], t) && set_secret(label, 1, f[1], t);
	return set_algorithm(label, 1, f[0], t) &&
	    set_name(label, 1, f[1], t) && set_secret(label, 1, f[2], t);
}

bool
ipk_tsig_parse_buf(const char *label, const char *buf, struct ipk_tsig *out)
{
	const char *p = buf;
	char *copy = NULL;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	/* Skip leading comments and blank lines to see the form. */
	for (;;) {
		p += strspn(p, " \t\r\n");
		if (*p != '#')
			break;
		p += strcspn(p, "\n");
	}
	if (*p == '\0') {
		oe_err("%s: empty TSIG key file", label);
		return false;
	}
	copy = strdup(buf);
	if (copy == NULL)
		return false;
	if (strncmp(p, "key", 3) == 0 && (isspace((unsigned char)p[3]) ||
	    p[3] == '"'))
		ok = parse_bind(label, buf, out);
	else if (strncmp(p, "key:", 4) == 0)
		ok = parse_knot(label, copy, out);
	else {
		/* Drop the leading comments so line 1 is the key line. */
		memmove(copy, copy + (p - buf), strlen(p) + 1);
		ok = parse_line(label, copy, out);
	}
	explicit_bzero(copy, strlen(buf));
	free(copy);
	if (!ok)
		ipk_tsig_clear(out);
	return ok;
}

bool
ipk_tsig_parse_file(const char *path, struct ipk_tsig *out)
{
	char buf[4096];
	size_t n;
	FILE *fp;
	bool ok;

	fp = fopen(path, "r");
	if (fp == NULL) {
		oe_err("--tsig %s: %s", path, strerror(errno));
		return false;
	}
	n = fread(buf, 1, sizeof(buf), fp);
	if (ferror(fp) || n == sizeof(buf) || memchr(buf, '\0', n) != NULL) {
		oe_err("--tsig %s: unreadable, larger than %zu octets or "
		    "binary", path, sizeof(buf) - 1);
		fclose(fp);
		explicit_bzero(buf, sizeof(buf));
		return false;
	}
	fclose(fp);
	buf[n] = '\0';
	ok = ipk_tsig_parse_buf(path, buf, out);
	explicit_bzero(buf, sizeof(buf));
	return ok;
}

void
ipk_tsig_clear(struct ipk_tsig *t)
{
	explicit_bzero(t, sizeof(*t));
}
