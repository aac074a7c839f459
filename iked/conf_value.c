/*
 * Strict parsers for configuration values.  Nothing here trusts the
 * input: every length is bounded and the error says what was expected.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "conf_value.h"
#include "oe_base64.h"

#define ADDR_TEXT_MAX	64

/*
 * The shared parser decides; the copy into a zeroed struct keeps the
 * unused union bytes zero, because conf_diff() compares values bytewise.
 */
static void
addr_normalize(struct oe_addr *out, const struct oe_addr *in)
{
	memset(out, 0, sizeof(*out));
	out->family = in->family;
	memcpy(&out->u, oe_addr_bytes(in), oe_addr_len(in));
}

int
conf_parse_addr(struct oe_addr *out, const char *s, char *err, size_t errlen)
{
	struct oe_addr tmp;

	memset(out, 0, sizeof(*out));
	if (oe_addr_parse(&tmp, s, AF_UNSPEC, err, errlen) == -1)
		return -1;
	addr_normalize(out, &tmp);
	return 0;
}

int
conf_parse_cidr(struct oe_cidr *out, const char *s, char *err, size_t errlen)
{
	struct oe_cidr tmp;

	memset(out, 0, sizeof(*out));
	if (oe_cidr_parse(&tmp, s, AF_UNSPEC, 0, err, errlen) == -1) {
		if (strchr(err, '(') == NULL)
			(void)conf_strlcat(err, " (expected ADDRESS/PREFIX)", errlen);
		return -1;
	}
	addr_normalize(&out->addr, &tmp.addr);
	out->plen = tmp.plen;
	return 0;
}

bool
conf_cidr_contains(const struct oe_cidr *c, const struct oe_addr *a)
{
	return oe_cidr_contains_addr(c, a);
}

int
conf_cidr_format(const struct oe_cidr *c, char *buf, size_t len)
{
	return oe_cidr_format(c, buf, len) ? 0 : -1;
}

int
conf_parse_uint(uint32_t *out, const char *s, uint32_t min, uint32_t max,
    char *err, size_t errlen)
{
	uint64_t v = 0;
	const char *p;

	if (*s == '\0') {
		snprintf(err, errlen, "empty number (expected %u..%u)", min, max);
		return -1;
	}
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9') {
			snprintf(err, errlen, "\"%s\" is not a decimal number "
			    "(expected %u..%u)", s, min, max);
			return -1;
		}
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			break;
	}
	if (s[0] == '0' && s[1] != '\0') {
		snprintf(err, errlen, "\"%s\" has a leading zero (expected %u..%u)",
		    s, min, max);
		return -1;
	}
	if (v < min || v > max) {
		snprintf(err, errlen, "%s is out of range (expected %u..%u)", s, min, max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

int
conf_parse_duration(uint32_t *out, const char *s, uint32_t unit_ms,
    uint32_t min, uint32_t max, char *err, size_t errlen)
{
	char num[16];
	size_t n = strspn(s, "0123456789");
	const char *suffix = s + n;
	uint64_t mult_ms, v;
	uint32_t raw;
	char lerr[96];

	if (n == 0 || n >= sizeof(num)) {
		snprintf(err, errlen, "\"%s\" is not a duration (expected a number "
		    "with an optional unit ms, s, m, h or d)", s);
		return -1;
	}
	memcpy(num, s, n);
	num[n] = '\0';
	if (*suffix == '\0')
		mult_ms = unit_ms;
	else if (strcmp(suffix, "ms") == 0)
		mult_ms = 1;
	else if (strcmp(suffix, "s") == 0)
		mult_ms = 1000;
	else if (strcmp(suffix, "m") == 0)
		mult_ms = 60ULL * 1000;
	else if (strcmp(suffix, "h") == 0)
		mult_ms = 3600ULL * 1000;
	else if (strcmp(suffix, "d") == 0)
		mult_ms = 86400ULL * 1000;
	else {
		snprintf(err, errlen, "unknown unit \"%s\" in \"%s\" (expected ms, s, m, "
		    "h or d)", suffix, s);
		return -1;
	}
	if (conf_parse_uint(&raw, num, 0, UINT32_MAX, lerr, sizeof(lerr)) == -1) {
		snprintf(err, errlen, "bad duration \"%s\": %s", s, lerr);
		return -1;
	}
	v = (uint64_t)raw * mult_ms;
	if (v % unit_ms != 0) {
		snprintf(err, errlen, "\"%s\" is finer than this key's unit (%s)",
		    s, unit_ms == 1000 ? "seconds" : "milliseconds");
		return -1;
	}
	v /= unit_ms;
	if (v < min || v > max) {
		snprintf(err, errlen, "duration \"%s\" is out of range (expected %u..%u %s)",
		    s, min, max, unit_ms == 1000 ? "seconds" : "milliseconds");
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

int
conf_parse_percent(uint32_t *out, const char *s, uint32_t min, uint32_t max,
    char *err, size_t errlen)
{
	char num[16];
	size_t n = strlen(s);

	if (n > 0 && s[n - 1] == '%')
		n--;
	if (n == 0 || n >= sizeof(num)) {
		snprintf(err, errlen, "\"%s\" is not a percentage (expected e.g. 100%%)", s);
		return -1;
	}
	memcpy(num, s, n);
	num[n] = '\0';
	return conf_parse_uint(out, num, min, max, err, errlen);
}

static bool
fqdn_ok(const char *s)
{
	size_t n = strlen(s);
	const char *p;

	if (n == 0 || n > 253)
		return false;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_')
			return false;
	return true;
}

int
conf_parse_host(struct conf_host *out, const char *s, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (strcmp(s, "%defaultroute") == 0)
		out->kind = CONF_HOST_DEFAULTROUTE;
	else if (strcmp(s, "%any") == 0)
		out->kind = CONF_HOST_ANY;
	else if (strcmp(s, "%opportunisticgroup") == 0)
		out->kind = CONF_HOST_OPPOGROUP;
	else if (strcmp(s, "%group") == 0)
		out->kind = CONF_HOST_GROUP;
	else if (s[0] == '%') {
		snprintf(err, errlen, "unknown keyword \"%s\" (expected an address, "
		    "%%defaultroute, %%any, %%opportunisticgroup or %%group)", s);
		return -1;
	} else {
		if (conf_parse_addr(&out->addr, s, err, errlen) == -1) {
			/* Host names would need DNS at load time: refuse clearly. */
			if (fqdn_ok(s) && s[strspn(s, "0123456789.")] != '\0')
				snprintf(err, errlen, "\"%s\": host names are not "
				    "supported here (expected an address or %%keyword)", s);
			return -1;
		}
		out->kind = CONF_HOST_ADDR;
	}
	return 0;
}

int
conf_parse_id(struct conf_id *out, const char *s, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (strcmp(s, "%null") == 0)
		out->kind = CONF_ID_NULL;
	else if (strcmp(s, "%fromcert") == 0)
		out->kind = CONF_ID_FROMCERT;
	else if (strcmp(s, "%any") == 0)
		out->kind = CONF_ID_ANY;
	else if (s[0] == '%') {
		snprintf(err, errlen, "unknown keyword \"%s\" (expected %%null, "
		    "%%fromcert, %%any, @FQDN, an address or a DN)", s);
		return -1;
	} else if (s[0] == '@') {
		if (!fqdn_ok(s + 1)) {
			snprintf(err, errlen, "\"%s\" is not a valid @FQDN id", s);
			return -1;
		}
		out->kind = CONF_ID_FQDN;
		snprintf(out->name, sizeof(out->name), "%s", s + 1);
	} else if (conf_parse_addr(&out->addr, s, err, errlen) == 0) {
		out->kind = CONF_ID_ADDR;
	} else if (strchr(s, '=') != NULL) {
		if (strlen(s) >= sizeof(out->name)) {
			snprintf(err, errlen, "DN id too long (at most %zu characters)",
			    sizeof(out->name) - 1);
			return -1;
		}
		out->kind = CONF_ID_DN;
		snprintf(out->name, sizeof(out->name), "%s", s);
	} else {
		snprintf(err, errlen, "\"%s\" is not an id (expected %%null, %%fromcert, "
		    "%%any, @FQDN, an address or a DN like \"CN=host\")", s);
		return -1;
	}
	return 0;
}

int
conf_base64_decode(const char *s, uint8_t *buf, size_t buflen)
{
	return oe_base64_decode(s, strlen(s), buf, buflen);
}

static int
hex_decode(const char *s, uint8_t *buf, size_t buflen)
{
	size_t n = strlen(s), i;
	int hi, lo;

	if (n == 0 || n % 2 != 0 || n / 2 > buflen)
		return -1;
	for (i = 0; i < n; i += 2) {
		hi = isxdigit((unsigned char)s[i]) ? (isdigit((unsigned char)s[i]) ?
		    s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10)) : -1;
		lo = isxdigit((unsigned char)s[i + 1]) ? (isdigit((unsigned char)s[i + 1]) ?
		    s[i + 1] - '0' : (tolower((unsigned char)s[i + 1]) - 'a' + 10)) : -1;
		if (hi < 0 || lo < 0)
			return -1;
		buf[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

/* RFC 3110 section 2: exponent length (1 or 3 octets), exponent, modulus. */
static int
rfc3110_check(const uint8_t *k, size_t len, char *err, size_t errlen)
{
	size_t elen, hdr;

	if (len < 1)
		goto short_key;
	if (k[0] != 0) {
		elen = k[0];
		hdr = 1;
	} else {
		if (len < 3)
			goto short_key;
		elen = (size_t)k[1] << 8 | k[2];
		hdr = 3;
	}
	if (elen == 0 || hdr + elen >= len)
		goto short_key;
	if (k[hdr] == 0 || k[hdr + elen] == 0) {
		snprintf(err, errlen, "RSA key has a leading zero in its exponent or "
		    "modulus (not RFC 3110 form)");
		return -1;
	}
	if ((len - hdr - elen) * 8 < 2048) {
		snprintf(err, errlen, "RSA modulus of %zu bits is too short (at least 2048)",
		    (len - hdr - elen) * 8);
		return -1;
	}
	return 0;
short_key:
	snprintf(err, errlen, "RSA key is truncated (expected RFC 3110 form: "
	    "exponent length, exponent, modulus)");
	return -1;
}

int
conf_parse_sigkey(struct conf_sigkey *out, const char *s, char *err,
    size_t errlen)
{
	int n;

	memset(out, 0, sizeof(*out));
	if (strcmp(s, "%cert") == 0)
		out->kind = CONF_SIGKEY_CERT;
	else if (strcmp(s, "%dnsondemand") == 0)
		out->kind = CONF_SIGKEY_DNSONDEMAND;
	else if (strcmp(s, "%dns") == 0)
		out->kind = CONF_SIGKEY_DNS;
	else if (s[0] == '%') {
		snprintf(err, errlen, "unknown keyword \"%s\" (expected %%cert, "
		    "%%dnsondemand, %%dns or a 0s... RFC 3110 key)", s);
		return -1;
	} else if (strncmp(s, "0s", 2) == 0 || strncmp(s, "0x", 2) == 0) {
		n = s[1] == 's' ? conf_base64_decode(s + 2, out->key, sizeof(out->key)) :
		    hex_decode(s + 2, out->key, sizeof(out->key));
		if (n < 0) {
			snprintf(err, errlen, "bad %s in the key (or longer than %d bytes)",
			    s[1] == 's' ? "base64" : "hex", CONF_SIGKEY_MAX);
			return -1;
		}
		if (rfc3110_check(out->key, (size_t)n, err, errlen) == -1)
			return -1;
		out->len = (uint16_t)n;
		out->kind = CONF_SIGKEY_RAW;
	} else {
		snprintf(err, errlen, "\"%.32s\" is not a key (expected %%cert, "
		    "%%dnsondemand, %%dns, 0s<base64> or 0x<hex>)", s);
		return -1;
	}
	return 0;
}

int
conf_parse_pool(struct conf_pool *out, const char *s, char *err, size_t errlen)
{
	char lo[ADDR_TEXT_MAX];
	const char *dash = strchr(s, '-');
	struct oe_cidr c;
	size_t n;
	unsigned i, bits;

	memset(out, 0, sizeof(*out));
	if (dash == NULL) {
		if (conf_parse_cidr(&c, s, err, errlen) == -1)
			return -1;
		out->lo = c.addr;
		out->hi = c.addr;
		bits = oe_addr_maxplen(&c.addr);
		for (i = c.plen; i < bits; i++) {
			uint8_t *b = out->hi.family == AF_INET ? (uint8_t *)&out->hi.u.v4 :
			    (uint8_t *)&out->hi.u.v6;
			b[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		}
		out->set = true;
		return 0;
	}
	n = (size_t)(dash - s);
	if (n >= sizeof(lo)) {
		snprintf(err, errlen, "address too long (expected LOW-HIGH or a CIDR)");
		return -1;
	}
	memcpy(lo, s, n);
	lo[n] = '\0';
	if (conf_parse_addr(&out->lo, lo, err, errlen) == -1 ||
	    conf_parse_addr(&out->hi, dash + 1, err, errlen) == -1)
		return -1;
	if (out->lo.family != out->hi.family || oe_addr_cmp(&out->lo, &out->hi) > 0) {
		snprintf(err, errlen, "\"%s\" is not a range (expected LOW-HIGH, same "
		    "family, LOW <= HIGH)", s);
		return -1;
	}
	out->set = true;
	return 0;
}

int
conf_strlcpy(char *dst, const char *src, size_t len)
{
	size_t n = strlen(src);

	if (len == 0)
		return -1;
	if (n >= len) {
		memcpy(dst, src, len - 1);
		dst[len - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

int
conf_strlcat(char *dst, const char *src, size_t len)
{
	size_t used = strnlen(dst, len);

	if (used >= len)
		return -1;
	return conf_strlcpy(dst + used, src, len - used);
}

int
conf_path_join(char *dst, size_t len, const char *dir, const char *name)
{
	if (conf_strlcpy(dst, dir, len) == -1 || conf_strlcat(dst, "/", len) == -1)
		return -1;
	return conf_strlcat(dst, name, len);
}
