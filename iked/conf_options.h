/*
 * THE table of configuration keys.  Every key of iked.conf is one row:
 * its name, section, value type, where it lands in struct conf_conn /
 * struct conf_setup, default, allowed values and a one-line help.  The
 * parser, its error messages ("did you mean"), the man page generator
 * (conf_doc) and conf_diff() all read this table; nothing else knows
 * the key names.
 */
#ifndef IKED_CONF_OPTIONS_H
#define IKED_CONF_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum conf_section {
	CONF_SEC_SETUP = 1,	/* config setup */
	CONF_SEC_CONN = 2,	/* conn NAME, conn %default */
};

enum conf_vtype {
	CONF_V_STRING,		/* bounded text */
	CONF_V_PATH,		/* a file system path (or sql:PATH for nssdb) */
	CONF_V_BOOL,		/* yes | no */
	CONF_V_ENUM,		/* one name of `enums` */
	CONF_V_AUTHBY,		/* comma list of `enums`, stored as bits */
	CONF_V_UINT,		/* decimal in [min, max] */
	CONF_V_SECONDS,		/* duration, bare number in seconds */
	CONF_V_MSEC,		/* duration, bare number in milliseconds */
	CONF_V_PERCENT,
	CONF_V_HOST,
	CONF_V_ID,
	CONF_V_CIDR,
	CONF_V_SIGKEY,
	CONF_V_POOL,
	CONF_V_IKE,		/* ike= proposals */
	CONF_V_ESP,		/* esp= proposals */
	CONF_V_ADDRLIST,	/* comma-separated addresses */
	CONF_V_ALSO,		/* also=: conn inheritance, handled by the parser */
};

struct conf_enum {
	const char	*name;
	int		 value;
	const char	*refused;	/* non-NULL: recognised but refused, why */
};

/* Row flags. */
#define CONF_F_OURS	0x01	/* not a libreswan key (or different meaning) */
#define CONF_F_SA_SAFE	0x02	/* a change leaves established SAs alone */
#define CONF_F_RESTART	0x04	/* setup: takes effect only on restart */
#define CONF_F_IGNORED	0x08	/* accepted for compatibility, no effect */
#define CONF_F_MULTI	0x10	/* may appear more than once (also=) */
#define CONF_F_RELDIR	0x20	/* PATH may be relative (to iked.conf's directory) */
#define CONF_F_LOOPBACK	0x40	/* ADDRLIST: loopback addresses only */

struct conf_option {
	const char		*name;
	enum conf_section	 section;
	enum conf_vtype		 type;
	size_t			 off;	/* into conf_conn or conf_setup */
	size_t			 size;
	const char		*def;	/* default as text; NULL: unset */
	const struct conf_enum	*enums;	/* ENUM, AUTHBY */
	uint32_t		 min, max;	/* UINT, durations (key's unit), PERCENT */
	unsigned		 flags;
	/* Non-NULL: setting this key needs a feature not built yet. */
	const char		*feature;
	const char		*help;
};

extern const struct conf_option conf_options[];
extern const size_t conf_noptions;

/* Row for `name` in `section`, NULL if unknown there. */
const struct conf_option *conf_option_find(const char *name,
	    enum conf_section section);
/* Closest known key in `section` (edit distance <= 2), NULL if none. */
const char *conf_option_suggest(const char *name, enum conf_section section);
/* Is `name` a key of the other section? (for "belongs in ..." errors) */
bool	 conf_option_in_other_section(const char *name, enum conf_section section);

/*
 * Parse `value` as the row's type and store it at `base + opt->off`.
 * Returns 0, or -1 with "what was wrong, what was expected" in err.
 */
int	 conf_option_apply(const struct conf_option *opt, void *base,
	    const char *value, char *err, size_t errlen);
/* Store every default of `section` into base (zeroed first). */
int	 conf_options_defaults(enum conf_section section, void *base,
	    char *err, size_t errlen);
/* "a|b|c" (enums without refused ones) or a description of the type. */
void	 conf_option_allowed(const struct conf_option *opt, char *buf,
	    size_t len);

#endif /* IKED_CONF_OPTIONS_H */
