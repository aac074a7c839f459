/*
 * Line lexer for the ipsec.conf style: each physical line is one token
 * (blank/comment, section header, include, indented key=value).  No
 * line continuation.  The lexer knows the syntax only; key names and
 * values are checked by the parser against the options table.
 */
#ifndef IKED_CONF_LEX_H
#define IKED_CONF_LEX_H

#include <stdbool.h>
#include <stddef.h>

#define CONF_LEX_LINE_MAX	4096
#define CONF_LEX_WORD_MAX	64
#define CONF_LEX_VALUE_MAX	2048

enum conf_tok_kind {
	CONF_TOK_BLANK,		/* empty, whitespace or a comment */
	CONF_TOK_SECTION,	/* "conn NAME" or "config setup" at column 0 */
	CONF_TOK_INCLUDE,	/* "include PATTERN" at column 0 */
	CONF_TOK_KV,		/* indented "key=value" */
	CONF_TOK_VERSION,	/* "version 2" (accepted, ignored) */
};

struct conf_token {
	enum conf_tok_kind	 kind;
	char			 word[CONF_LEX_WORD_MAX];	/* "conn", "config", key */
	char			 arg[CONF_LEX_VALUE_MAX];	/* name, pattern, value */
};

/*
 * Lex one line (without its newline; a trailing '\r' is ignored).
 * Returns 0, or -1 with what was wrong and what was expected in err.
 */
int	 conf_lex_line(const char *line, struct conf_token *tok, char *err,
	    size_t errlen);

#endif /* IKED_CONF_LEX_H */
