/*
 * Typed values of configuration keys: one strict parser per value kind.
 * Each returns 0, or -1 with "what was wrong, what was expected" in err.
 * Pure functions; shared by the conf parser and the policy group reader.
 */
#ifndef IKED_CONF_VALUE_H
#define IKED_CONF_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oe_addr.h"
#include "conf.h"

int	 conf_parse_addr(struct oe_addr *out, const char *s, char *err,
	    size_t errlen);
/* "ADDR/LEN" or a bare address (host prefix); host bits set are an error. */
int	 conf_parse_cidr(struct oe_cidr *out, const char *s, char *err,
	    size_t errlen);
bool	 conf_cidr_contains(const struct oe_cidr *c, const struct oe_addr *a);
int	 conf_cidr_format(const struct oe_cidr *c, char *buf, size_t len);

/* Decimal, no sign, no leading zeros (except "0"), within [min, max]. */
int	 conf_parse_uint(uint32_t *out, const char *s, uint32_t min,
	    uint32_t max, char *err, size_t errlen);
/*
 * Duration: a number with an optional unit (ms, s, m, h, d).  A bare
 * number is in `unit_ms` milliseconds (1000: seconds, 1: milliseconds).
 * The result is in the same unit, within [min, max] of that unit.
 */
int	 conf_parse_duration(uint32_t *out, const char *s, uint32_t unit_ms,
	    uint32_t min, uint32_t max, char *err, size_t errlen);
/* "NN%" or "NN", within [min, max]. */
int	 conf_parse_percent(uint32_t *out, const char *s, uint32_t min,
	    uint32_t max, char *err, size_t errlen);

int	 conf_parse_host(struct conf_host *out, const char *s, char *err,
	    size_t errlen);
int	 conf_parse_id(struct conf_id *out, const char *s, char *err,
	    size_t errlen);
/* %cert, %dnsondemand, %dns, or 0s<base64> / 0x<hex> RFC 3110 key. */
int	 conf_parse_sigkey(struct conf_sigkey *out, const char *s, char *err,
	    size_t errlen);
/* "LO-HI" (same family, LO <= HI) or a CIDR. */
int	 conf_parse_pool(struct conf_pool *out, const char *s, char *err,
	    size_t errlen);

/*
 * Bounded text helpers (return -1 when the result would not fit; dst is
 * then truncated but NUL-terminated): copy, append, and "dir/name".
 */
int	 conf_strlcpy(char *dst, const char *src, size_t len);
int	 conf_strlcat(char *dst, const char *src, size_t len);
int	 conf_path_join(char *dst, size_t len, const char *dir, const char *name);

/* Strict standard base64 with padding; returns bytes or -1. */
int	 conf_base64_decode(const char *s, uint8_t *buf, size_t buflen);

#endif /* IKED_CONF_VALUE_H */
