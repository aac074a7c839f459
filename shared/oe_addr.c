/*
 * Addresses and CIDR prefixes: strict text forms, ordering and
 * containment.  inet_pton does the conversion; the checks around it
 * make sure only one spelling of each value is accepted.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oe_addr.h"

/* Longest text worth looking at: an IPv6 address with a v4 tail and /128. */
#define ADDR_TEXT_MAX	(OE_CIDR_STRLEN - 1)

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * glibc's inet_pton already refuses leading zeros in IPv4, but other C
 * libraries read "010" as octal or decimal; refuse them here so the
 * result does not depend on the libc.
 */
static bool
v4_has_leading_zero(const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++) {
		bool start = (p == s || p[-1] == '.');

		if (start && p[0] == '0' && p[1] >= '0' && p[1] <= '9')
			return true;
	}
	return false;
}

/* Parse exactly s[0..len) as an address of `family` (or either). */
static int
addr_parse_n(struct oe_addr *out, const char *s, size_t len, int family,
    char *err, size_t errlen)
{
	char tmp[ADDR_TEXT_MAX + 1];
	size_t i;

	memset(out, 0, sizeof(*out));
	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) {
		seterr(err, errlen, "unsupported address family %d", family);
		return -1;
	}
	if (len == 0) {
		seterr(err, errlen, "empty address");
		return -1;
	}
	if (len > ADDR_TEXT_MAX) {
		seterr(err, errlen, "address longer than %d characters",
		    ADDR_TEXT_MAX);
		return -1;
	}
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	for (i = 0; i < len; i++) {
		char c = tmp[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F') || c == '.' || c == ':')) {
			seterr(err, errlen, "invalid character 0x%02x in address",
			    (unsigned)(unsigned char)c);
			return -1;
		}
	}
	if (strchr(tmp, ':') == NULL) {
		if (family == AF_INET6) {
			seterr(err, errlen, "\"%s\" is not an IPv6 address", tmp);
			return -1;
		}
		if (v4_has_leading_zero(tmp)) {
			seterr(err, errlen, "\"%s\": leading zero in IPv4 address", tmp);
			return -1;
		}
		if (inet_pton(AF_INET, tmp, &out->u.v4) != 1) {
			seterr(err, errlen, "\"%s\" is not a valid IPv4 address", tmp);
			return -1;
		}
		out->family = AF_INET;
		return 0;
	}
	if (family == AF_INET) {
		seterr(err, errlen, "\"%s\" is not an IPv4 address", tmp);
		return -1;
	}
	if (inet_pton(AF_INET6, tmp, &out->u.v6) != 1) {
		seterr(err, errlen, "\"%s\" is not a valid IPv6 address", tmp);
		return -1;
	}
	out->family = AF_INET6;
	return 0;
}

int
oe_addr_parse(struct oe_addr *out, const char *s, int family, char *err,
    size_t errlen)
{
	if (s == NULL) {
		memset(out, 0, sizeof(*out));
		seterr(err, errlen, "no address");
		return -1;
	}
	return addr_parse_n(out, s, strnlen(s, ADDR_TEXT_MAX + 1), family,
	    err, errlen);
}

char *
oe_addr_format(const struct oe_addr *a, char *buf, size_t buflen)
{
	socklen_t n = buflen > OE_ADDR_STRLEN ? OE_ADDR_STRLEN :
	    (socklen_t)buflen;

	if (a->family == AF_INET || a->family == AF_INET6) {
		if (inet_ntop(a->family, &a->u, buf, n) == NULL)
			return NULL;
		return buf;
	}
	return NULL;
}

int
oe_addr_from_bytes(struct oe_addr *out, int family, const void *bytes,
    size_t len)
{
	memset(out, 0, sizeof(*out));
	if (family == AF_INET && len == sizeof(out->u.v4)) {
		out->family = AF_INET;
		memcpy(&out->u.v4, bytes, len);
		return 0;
	}
	if (family == AF_INET6 && len == sizeof(out->u.v6)) {
		out->family = AF_INET6;
		memcpy(&out->u.v6, bytes, len);
		return 0;
	}
	return -1;
}

size_t
oe_addr_len(const struct oe_addr *a)
{
	if (a->family == AF_INET)
		return sizeof(a->u.v4);
	if (a->family == AF_INET6)
		return sizeof(a->u.v6);
	return 0;
}

const uint8_t *
oe_addr_bytes(const struct oe_addr *a)
{
	return (const uint8_t *)&a->u;
}

unsigned
oe_addr_maxplen(const struct oe_addr *a)
{
	return (unsigned)oe_addr_len(a) * 8;
}

int
oe_addr_from_sockaddr(struct oe_addr *out, const struct sockaddr *sa,
    socklen_t salen)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(out, 0, sizeof(*out));
	/* copy out rather than cast: the caller's buffer may be unaligned */
	if (sa->sa_family == AF_INET && salen >= sizeof(sin)) {
		memcpy(&sin, sa, sizeof(sin));
		return oe_addr_from_bytes(out, AF_INET, &sin.sin_addr,
		    sizeof(sin.sin_addr));
	}
	if (sa->sa_family == AF_INET6 && salen >= sizeof(sin6)) {
		memcpy(&sin6, sa, sizeof(sin6));
		return oe_addr_from_bytes(out, AF_INET6, &sin6.sin6_addr,
		    sizeof(sin6.sin6_addr));
	}
	return -1;
}

socklen_t
oe_addr_to_sockaddr(const struct oe_addr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		sin.sin_addr = a->u.v4;
		memcpy(ss, &sin, sizeof(sin));
		return sizeof(sin);
	}
	if (a->family == AF_INET6) {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		sin6.sin6_addr = a->u.v6;
		memcpy(ss, &sin6, sizeof(sin6));
		return sizeof(sin6);
	}
	return 0;
}

static int
family_rank(sa_family_t f)
{
	if (f == AF_INET)
		return 1;
	if (f == AF_INET6)
		return 2;
	return 0;
}

int
oe_addr_cmp(const struct oe_addr *a, const struct oe_addr *b)
{
	int ra = family_rank(a->family), rb = family_rank(b->family);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (ra == 0)
		return 0;
	return memcmp(oe_addr_bytes(a), oe_addr_bytes(b), oe_addr_len(a));
}

bool
oe_addr_eq(const struct oe_addr *a, const struct oe_addr *b)
{
	return oe_addr_cmp(a, b) == 0;
}

bool
oe_addr_is_unspecified(const struct oe_addr *a)
{
	const uint8_t *p = oe_addr_bytes(a);
	size_t i, n = oe_addr_len(a);

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* The first `plen` bits of a and b are equal. */
static bool
prefix_bits_equal(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;
	uint8_t mask;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

/* Decimal 0..max, no sign, no leading zero, nothing else. */
static int
parse_plen(const char *s, size_t len, unsigned max, uint8_t *out, char *err,
    size_t errlen)
{
	unsigned v = 0;
	size_t i;

	if (len == 0) {
		seterr(err, errlen, "missing prefix length after '/'");
		return -1;
	}
	if (len > 3) {
		seterr(err, errlen, "prefix length too long");
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			seterr(err, errlen, "prefix length is not a decimal number");
			return -1;
		}
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (len > 1 && s[0] == '0') {
		seterr(err, errlen, "leading zero in prefix length");
		return -1;
	}
	if (v > max) {
		seterr(err, errlen, "prefix length %u exceeds %u", v, max);
		return -1;
	}
	*out = (uint8_t)v;
	return 0;
}

int
oe_cidr_parse(struct oe_cidr *out, const char *s, int family, unsigned flags,
    char *err, size_t errlen)
{
	const char *slash;
	size_t len;
	char buf[OE_CIDR_STRLEN];

	memset(out, 0, sizeof(*out));
	if (s == NULL) {
		seterr(err, errlen, "no prefix");
		return -1;
	}
	len = strnlen(s, ADDR_TEXT_MAX + 1);
	if (len > ADDR_TEXT_MAX) {
		seterr(err, errlen, "prefix too long");
		return -1;
	}
	slash = memchr(s, '/', len);
	if (slash == NULL) {
		if (flags & OE_CIDR_REQUIRE_PREFIX) {
			seterr(err, errlen, "\"%s\": missing \"/length\"", s);
			return -1;
		}
		if (addr_parse_n(&out->addr, s, len, family, err, errlen) == -1)
			return -1;
		out->plen = (uint8_t)oe_addr_maxplen(&out->addr);
		return 0;
	}
	if (addr_parse_n(&out->addr, s, (size_t)(slash - s), family, err,
	    errlen) == -1)
		return -1;
	if (parse_plen(slash + 1, len - (size_t)(slash - s) - 1,
	    oe_addr_maxplen(&out->addr), &out->plen, err, errlen) == -1) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	if (!(flags & OE_CIDR_ALLOW_HOST_BITS) && oe_cidr_has_host_bits(out)) {
		struct oe_cidr masked = *out;

		oe_cidr_mask(&masked);
		seterr(err, errlen, "\"%s\" has host bits set (did you mean %s?)",
		    s, oe_cidr_format(&masked, buf, sizeof(buf)) ?
		    buf : "?");
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

char *
oe_cidr_format(const struct oe_cidr *c, char *buf, size_t buflen)
{
	char a[OE_ADDR_STRLEN];
	int n;

	if (oe_addr_format(&c->addr, a, sizeof(a)) == NULL)
		return NULL;
	n = snprintf(buf, buflen, "%s/%u", a, (unsigned)c->plen);
	if (n < 0 || (size_t)n >= buflen)
		return NULL;
	return buf;
}

void
oe_cidr_from_addr(struct oe_cidr *out, const struct oe_addr *a)
{
	memset(out, 0, sizeof(*out));
	out->addr = *a;
	out->plen = (uint8_t)oe_addr_maxplen(a);
}

void
oe_cidr_mask(struct oe_cidr *c)
{
	uint8_t *p = (uint8_t *)&c->addr.u;
	size_t n = oe_addr_len(&c->addr), i;
	unsigned plen = c->plen;

	for (i = 0; i < n; i++) {
		if (plen >= 8) {
			plen -= 8;
			continue;
		}
		p[i] &= (uint8_t)(0xff << (8 - plen));
		plen = 0;
	}
}

bool
oe_cidr_is_host(const struct oe_cidr *c)
{
	unsigned max = oe_addr_maxplen(&c->addr);

	return max != 0 && c->plen == max;
}

bool
oe_cidr_has_host_bits(const struct oe_cidr *c)
{
	struct oe_cidr m = *c;

	oe_cidr_mask(&m);
	return !oe_addr_eq(&m.addr, &c->addr);
}

bool
oe_cidr_contains_addr(const struct oe_cidr *c, const struct oe_addr *a)
{
	if (c->addr.family != a->family || oe_addr_len(a) == 0)
		return false;
	if (c->plen > oe_addr_maxplen(a))
		return false;
	return prefix_bits_equal(oe_addr_bytes(&c->addr), oe_addr_bytes(a),
	    c->plen);
}

bool
oe_cidr_contains_cidr(const struct oe_cidr *outer, const struct oe_cidr *inner)
{
	if (inner->plen < outer->plen)
		return false;
	return oe_cidr_contains_addr(outer, &inner->addr);
}

int
oe_cidr_cmp(const struct oe_cidr *a, const struct oe_cidr *b)
{
	int r = oe_addr_cmp(&a->addr, &b->addr);

	if (r != 0)
		return r;
	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	return 0;
}
