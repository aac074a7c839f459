/*
 * Settings of oe-unbound.so.  Unbound's own configuration cannot carry
 * options for a dynlib module, so they live in a small file of their own
 * (default /etc/oe/unbound-module.conf, override OE_UNBOUND_MODULE_CONF).
 *
 * Format: one "key: value" per line, '#' starts a comment, blank lines
 * ignored.  Every error names file:line so a bad file stops Unbound from
 * starting with a message that says where.
 *
 * This file has no Unbound dependency, so it is unit tested on its own.
 */
#ifndef OEU_CONF_H
#define OEU_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OEU_CONF_DEFAULT_PATH	OE_SYSCONFDIR "/unbound-module.conf"
#define OEU_CONF_ENV		"OE_UNBOUND_MODULE_CONF"
#define OEU_SOCKET_DEFAULT	OE_RUNDIR "/trigger.sock"

/*
 * Default hold deadline: two IKE round trips (IKE_SA_INIT, IKE_AUTH) on a
 * slow link of about 600 ms RTT (geostationary satellite), plus ~300 ms
 * for DH and signature work on both ends.  Well under the 5 s a stub
 * resolver waits before it retries.
 */
#define OEU_DEADLINE_MS_DEFAULT	1500
#define OEU_MAX_TTL_DEFAULT	3600
#define OEU_MAX_SUFFIXES	64
#define OEU_MAX_NAME		255	/* presentation form, without NUL */

enum oeu_bogus_action {
	OEU_BOGUS_SERVFAIL,	/* answer SERVFAIL (default) */
	OEU_BOGUS_IGNORE,	/* answer as if there were no IPSECKEY */
};

/* A domain suffix in lowercase wire form, so matching is a byte compare. */
struct oeu_suffix {
	uint8_t		 wire[256];
	size_t		 len;
};

struct oeu_conf {
	char			 socket_path[108];	/* sun_path size */
	unsigned int		 deadline_ms;
	uint32_t		 max_ttl;
	enum oeu_bogus_action	 bogus;
	bool			 prefetch;	/* IPSECKEY in parallel */
	bool			 trigger_insecure; /* unkeyed request */
	struct oeu_suffix	 include[OEU_MAX_SUFFIXES];
	size_t			 n_include;
	struct oeu_suffix	 exclude[OEU_MAX_SUFFIXES];
	size_t			 n_exclude;
};

void oeu_conf_defaults(struct oeu_conf *conf);

/*
 * Parse the text of a settings file (NUL-terminated) into `conf`, which
 * must hold the defaults.  On error returns false and writes
 * "FILE:LINE: reason" into err.
 */
bool oeu_conf_parse(struct oeu_conf *conf, const char *text,
    const char *fname, char *err, size_t errlen);

/*
 * Read and parse a file.  A missing file is not an error when
 * `missing_ok` (the default path: defaults apply).
 */
bool oeu_conf_load(struct oeu_conf *conf, const char *path, bool missing_ok,
    char *err, size_t errlen);

/*
 * Convert a presentation-form name ("Example.COM." or "example.com") to
 * lowercase wire form.  Returns false on a malformed name.
 */
bool oeu_name_to_wire(const char *name, uint8_t *wire, size_t wirecap,
    size_t *wirelen);

/*
 * Whether a query name (wire form, any case) may use OE: not under an
 * exclude suffix, and under an include suffix when any is configured.
 */
bool oeu_conf_name_allowed(const struct oeu_conf *conf, const uint8_t *qname,
    size_t qname_len);

#endif /* OEU_CONF_H */
