/*
 * ipsec.conf line lexer (see conf_lex.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "conf_lex.h"

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *
skip_blank(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

/* Rest of the line is only blanks or a comment. */
static bool
rest_empty(const char *p)
{
	p = skip_blank(p);
	return *p == '\0' || *p == '#';
}

static bool
is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* Section names: conns name policy group files, so keep them path-safe. */
static bool
is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' ||
	    c == '%';
}

/*
 * A value: "quoted" (no escapes; the quote ends it) or a run of
 * non-blank characters ending at a blank-led comment or the line end.
 */
static int
lex_value(const char *p, char *out, size_t outlen, char *err, size_t errlen)
{
	const char *end;
	size_t n;

	if (*p == '"') {
		end = strchr(p + 1, '"');
		if (end == NULL) {
			snprintf(err, errlen, "unterminated quoted value (expected a "
			    "closing \")");
			return -1;
		}
		if (!rest_empty(end + 1)) {
			snprintf(err, errlen, "text after the closing quote (expected "
			    "the end of the line or a # comment)");
			return -1;
		}
		p++;
	} else {
		end = p;
		while (*end && !is_blank(*end))
			end++;
		if (!rest_empty(end)) {
			snprintf(err, errlen, "value contains blanks (put it in "
			    "double quotes)");
			return -1;
		}
	}
	n = (size_t)(end - p);
	if (n >= outlen) {
		snprintf(err, errlen, "value too long (at most %zu characters)",
		    outlen - 1);
		return -1;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int
lex_word(const char **pp, char *out, size_t outlen, bool (*ok)(char),
    char *err, size_t errlen)
{
	const char *p = *pp;
	size_t n = 0;

	while (ok(p[n]))
		n++;
	if (n == 0) {
		snprintf(err, errlen, "expected a name");
		return -1;
	}
	if (n >= outlen) {
		snprintf(err, errlen, "name too long (at most %zu characters)",
		    outlen - 1);
		return -1;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	*pp = p + n;
	return 0;
}

static int
lex_kv(const char *p, struct conf_token *tok, char *err, size_t errlen)
{
	if (strncmp(p, "conn", 4) == 0 && is_blank(p[4])) {
		snprintf(err, errlen, "section header is indented (\"conn NAME\" "
		    "must start at the beginning of the line)");
		return -1;
	}
	if (lex_word(&p, tok->word, sizeof(tok->word), is_word_char, err,
	    errlen) == -1) {
		snprintf(err, errlen, "expected key=value");
		return -1;
	}
	p = skip_blank(p);
	if (*p != '=') {
		snprintf(err, errlen, "expected \"=\" after \"%s\" (key=value)",
		    tok->word);
		return -1;
	}
	p = skip_blank(p + 1);
	if (rest_empty(p)) {
		snprintf(err, errlen, "empty value for %s (remove the line to get "
		    "the default)", tok->word);
		return -1;
	}
	tok->kind = CONF_TOK_KV;
	return lex_value(p, tok->arg, sizeof(tok->arg), err, errlen);
}

static int
lex_top(const char *p, struct conf_token *tok, char *err, size_t errlen)
{
	const char *start = p;

	if (lex_word(&p, tok->word, sizeof(tok->word), is_word_char, err,
	    errlen) == -1 || (!is_blank(*p) && *p != '\0')) {
		if (strchr(start, '=') != NULL)
			goto unindented_kv;
		snprintf(err, errlen, "expected \"conn NAME\", \"config setup\" or "
		    "\"include FILE\" at the start of a line");
		return -1;
	}
	p = skip_blank(p);
	if (strcmp(tok->word, "include") == 0) {
		if (rest_empty(p)) {
			snprintf(err, errlen, "include needs a file name or pattern");
			return -1;
		}
		tok->kind = CONF_TOK_INCLUDE;
		return lex_value(p, tok->arg, sizeof(tok->arg), err, errlen);
	}
	if (strcmp(tok->word, "version") == 0) {
		tok->kind = CONF_TOK_VERSION;
		return 0;
	}
	if (strcmp(tok->word, "conn") == 0 || strcmp(tok->word, "config") == 0) {
		if (lex_word(&p, tok->arg, CONF_LEX_WORD_MAX, is_name_char, err,
		    errlen) == -1 || !rest_empty(p)) {
			snprintf(err, errlen, "bad section name after \"%s\" (expected "
			    "letters, digits, '.', '_' or '-', then the line end)",
			    tok->word);
			return -1;
		}
		if (strcmp(tok->word, "config") == 0 && strcmp(tok->arg, "setup") != 0) {
			snprintf(err, errlen, "unknown section \"config %s\" (expected "
			    "\"config setup\")", tok->arg);
			return -1;
		}
		tok->kind = CONF_TOK_SECTION;
		return 0;
	}
	if (strchr(start, '=') != NULL)
		goto unindented_kv;
	snprintf(err, errlen, "unknown keyword \"%s\" (expected \"conn NAME\", "
	    "\"config setup\" or \"include FILE\")", tok->word);
	return -1;
unindented_kv:
	snprintf(err, errlen, "\"%.40s\" is not indented (keys of a section must "
	    "be indented with blanks)", start);
	return -1;
}

int
conf_lex_line(const char *line, struct conf_token *tok, char *err,
    size_t errlen)
{
	char buf[CONF_LEX_LINE_MAX];
	size_t n = strlen(line);
	const char *p;

	memset(tok, 0, sizeof(*tok));
	if (n >= sizeof(buf)) {
		snprintf(err, errlen, "line too long (at most %zu characters)",
		    sizeof(buf) - 1);
		return -1;
	}
	memcpy(buf, line, n + 1);
	if (n > 0 && buf[n - 1] == '\r')
		buf[n - 1] = '\0';
	p = skip_blank(buf);
	if (*p == '\0' || *p == '#') {
		tok->kind = CONF_TOK_BLANK;
		return 0;
	}
	if (p != buf)
		return lex_kv(p, tok, err, errlen);
	return lex_top(p, tok, err, errlen);
}
