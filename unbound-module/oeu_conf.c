/*
 * Settings file of oe-unbound.so: parser and name matching.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oeu_conf.h"

#define OEU_CONF_MAX_SIZE	(256 * 1024)	/* a settings file, not a zone */

void
oeu_conf_defaults(struct oeu_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	snprintf(conf->socket_path, sizeof(conf->socket_path), "%s",
	    OEU_SOCKET_DEFAULT);
	conf->deadline_ms = OEU_DEADLINE_MS_DEFAULT;
	conf->max_ttl = OEU_MAX_TTL_DEFAULT;
	conf->bogus = OEU_BOGUS_SERVFAIL;
	conf->prefetch = true;
	conf->trigger_insecure = true;
}

bool
oeu_name_to_wire(const char *name, uint8_t *wire, size_t wirecap,
    size_t *wirelen)
{
	size_t n = 0, lablen;
	const char *p = name, *dot;

	if (wirecap < 1)
		return false;
	/* the root: "." */
	if (strcmp(name, ".") == 0) {
		wire[0] = 0;
		*wirelen = 1;
		return true;
	}
	while (*p != '\0') {
		dot = strchr(p, '.');
		lablen = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (lablen == 0 || lablen > 63)
			return false;
		/* one length byte, the label, and room for the root */
		if (n + 1 + lablen + 1 > wirecap || n + 1 + lablen + 1 > 255)
			return false;
		wire[n++] = (uint8_t)lablen;
		for (size_t i = 0; i < lablen; i++) {
			unsigned char c = (unsigned char)p[i];
			/* no escapes: suffixes are host names */
			if (c <= ' ' || c == '\\' || c >= 0x7f)
				return false;
			wire[n++] = (uint8_t)tolower(c);
		}
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	wire[n++] = 0;
	*wirelen = n;
	return true;
}

/* True if `name` (wire, any case) equals or is below `suffix` (lowercase). */
static bool
name_under(const uint8_t *name, size_t name_len, const struct oeu_suffix *sfx)
{
	size_t off = 0;

	/* walk the labels of name; compare the tail at each label start */
	while (off < name_len) {
		if (name_len - off == sfx->len) {
			for (size_t i = 0; i < sfx->len; i++)
				if (tolower(name[off + i]) != sfx->wire[i])
					return false;
			return true;
		}
		if (name[off] == 0 || name[off] > 63)
			return false;
		off += 1 + (size_t)name[off];
	}
	return false;
}

static bool
suffix_list_match(const struct oeu_suffix *list, size_t n,
    const uint8_t *qname, size_t qname_len)
{
	for (size_t i = 0; i < n; i++)
		if (name_under(qname, qname_len, &list[i]))
			return true;
	return false;
}

bool
oeu_conf_name_allowed(const struct oeu_conf *conf, const uint8_t *qname,
    size_t qname_len)
{
	if (suffix_list_match(conf->exclude, conf->n_exclude, qname, qname_len))
		return false;
	if (conf->n_include == 0)
		return true;
	return suffix_list_match(conf->include, conf->n_include, qname,
	    qname_len);
}

static void __attribute__((format(printf, 5, 6)))
conf_error(char *err, size_t errlen, const char *fname, unsigned int line,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s:%u: ", fname, line);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static bool
parse_uint(const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool
parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "yes") == 0) {
		*out = true;
		return true;
	}
	if (strcmp(s, "no") == 0) {
		*out = false;
		return true;
	}
	return false;
}

/* Strip surrounding blanks and one pair of double quotes, in place. */
static char *
trim_value(char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\r'))
		s[--len] = '\0';
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s[len - 1] = '\0';
		s++;
	}
	return s;
}

static bool
add_suffix(struct oeu_suffix *list, size_t *n, const char *value)
{
	if (*n >= OEU_MAX_SUFFIXES)
		return false;
	if (!oeu_name_to_wire(value, list[*n].wire, sizeof(list[*n].wire),
	    &list[*n].len))
		return false;
	(*n)++;
	return true;
}

/* Apply one "key: value" line.  Returns false with err filled. */
static bool
conf_apply(struct oeu_conf *conf, const char *key, const char *value,
    const char *fname, unsigned int line, char *err, size_t errlen)
{
	unsigned long v;

	if (strcmp(key, "socket") == 0) {
		size_t len = strlen(value);
		if (len == 0 || len >= sizeof(conf->socket_path) ||
		    value[0] != '/') {
			conf_error(err, errlen, fname, line,
			    "socket: want an absolute path shorter than %zu bytes",
			    sizeof(conf->socket_path));
			return false;
		}
		memcpy(conf->socket_path, value, len + 1);
	} else if (strcmp(key, "deadline-ms") == 0) {
		if (!parse_uint(value, 10, 30000, &v)) {
			conf_error(err, errlen, fname, line,
			    "deadline-ms: want milliseconds in 10..30000, got \"%s\"",
			    value);
			return false;
		}
		conf->deadline_ms = (unsigned int)v;
	} else if (strcmp(key, "max-ttl") == 0) {
		if (!parse_uint(value, 0, 604800, &v)) {
			conf_error(err, errlen, fname, line,
			    "max-ttl: want seconds in 0..604800, got \"%s\"",
			    value);
			return false;
		}
		conf->max_ttl = (uint32_t)v;
	} else if (strcmp(key, "bogus-ipseckey") == 0) {
		if (strcmp(value, "servfail") == 0)
			conf->bogus = OEU_BOGUS_SERVFAIL;
		else if (strcmp(value, "ignore") == 0)
			conf->bogus = OEU_BOGUS_IGNORE;
		else {
			conf_error(err, errlen, fname, line,
			    "bogus-ipseckey: want servfail or ignore, got \"%s\"",
			    value);
			return false;
		}
	} else if (strcmp(key, "ipseckey-prefetch") == 0 ||
	    strcmp(key, "trigger-insecure") == 0) {
		bool *dst = key[0] == 'i' ? &conf->prefetch :
		    &conf->trigger_insecure;
		if (!parse_bool(value, dst)) {
			conf_error(err, errlen, fname, line,
			    "%s: want yes or no, got \"%s\"", key, value);
			return false;
		}
	} else if (strcmp(key, "include-suffix") == 0 ||
	    strcmp(key, "exclude-suffix") == 0) {
		bool inc = key[0] == 'i';
		if (!add_suffix(inc ? conf->include : conf->exclude,
		    inc ? &conf->n_include : &conf->n_exclude, value)) {
			conf_error(err, errlen, fname, line,
			    "%s: bad domain name \"%s\" or more than %d entries",
			    key, value, OEU_MAX_SUFFIXES);
			return false;
		}
	} else {
		conf_error(err, errlen, fname, line, "unknown setting \"%s\"",
		    key);
		return false;
	}
	return true;
}

bool
oeu_conf_parse(struct oeu_conf *conf, const char *text, const char *fname,
    char *err, size_t errlen)
{
	char linebuf[1024];
	const char *p = text;
	unsigned int line = 0;

	while (*p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t len = eol != NULL ? (size_t)(eol - p) : strlen(p);
		char *s, *colon, *hash, *key, *value;

		line++;
		if (len >= sizeof(linebuf)) {
			conf_error(err, errlen, fname, line,
			    "line longer than %zu bytes", sizeof(linebuf) - 1);
			return false;
		}
		memcpy(linebuf, p, len);
		linebuf[len] = '\0';
		p = eol != NULL ? eol + 1 : p + len;

		hash = strchr(linebuf, '#');
		if (hash != NULL)
			*hash = '\0';
		s = trim_value(linebuf);
		if (*s == '\0')
			continue;
		colon = strchr(s, ':');
		if (colon == NULL) {
			conf_error(err, errlen, fname, line,
			    "want \"key: value\", got \"%s\"", s);
			return false;
		}
		*colon = '\0';
		key = trim_value(s);
		value = trim_value(colon + 1);
		if (*value == '\0') {
			conf_error(err, errlen, fname, line,
			    "%s: missing value", key);
			return false;
		}
		if (!conf_apply(conf, key, value, fname, line, err, errlen))
			return false;
	}
	return true;
}

bool
oeu_conf_load(struct oeu_conf *conf, const char *path, bool missing_ok,
    char *err, size_t errlen)
{
	FILE *f;
	char *text = NULL;
	size_t n;
	bool ok = false;

	f = fopen(path, "re");
	if (f == NULL) {
		if (errno == ENOENT && missing_ok)
			return true;
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return false;
	}
	text = malloc(OEU_CONF_MAX_SIZE + 1);
	if (text == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	n = fread(text, 1, OEU_CONF_MAX_SIZE + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	if (n > OEU_CONF_MAX_SIZE) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    OEU_CONF_MAX_SIZE);
		goto out;
	}
	text[n] = '\0';
	if (strlen(text) != n) {
		snprintf(err, errlen, "%s: NUL byte in file", path);
		goto out;
	}
	ok = oeu_conf_parse(conf, text, path, err, errlen);
out:
	free(text);	/* owned here */
	fclose(f);
	return ok;
}
