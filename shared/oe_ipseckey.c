/*
 * IPSECKEY RDATA (RFC 4025): the one codec for its wire and
 * presentation forms, the uncompressed domain names of its gateway
 * field, and the checks of its public-key field per algorithm.
 *
 * Wire input is read through a bounded reader: every read checks the
 * octets left first, and nothing is cast onto the packet.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oe_base64.h"
#include "oe_ipseckey.h"

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

/* ------------------------------------------------------------------ */
/* Bounded reader over a caller's buffer. */

struct rd {
	const uint8_t	*buf;
	size_t		 len;
	size_t		 off;
};

static size_t
rd_left(const struct rd *r)
{
	return r->len - r->off;
}

static int
rd_u8(struct rd *r, uint8_t *v)
{
	if (rd_left(r) < 1)
		return -1;
	*v = r->buf[r->off++];
	return 0;
}

static int
rd_copy(struct rd *r, void *dst, size_t n)
{
	if (rd_left(r) < n)
		return -1;
	memcpy(dst, r->buf + r->off, n);
	r->off += n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Domain names. */

int
oe_dname_wire_len(const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	size_t off = 0;

	for (;;) {
		uint8_t l;

		if (off >= len) {
			seterr(err, errlen, "domain name truncated at octet %zu", off);
			return -1;
		}
		l = buf[off];
		if ((l & 0xc0) != 0) {
			seterr(err, errlen, "domain name: label type 0x%02x at "
			    "octet %zu not allowed (compression or extended label)",
			    l, off);
			return -1;
		}
		if (l == 0) {
			off++;
			break;
		}
		if (len - off - 1 < l) {
			seterr(err, errlen, "domain name: label of %u octets at "
			    "octet %zu runs past the data (%zu left)",
			    l, off, len - off - 1);
			return -1;
		}
		off += 1 + (size_t)l;
		/* the root label still has to follow */
		if (off + 1 > OE_DNAME_MAX) {
			seterr(err, errlen, "domain name longer than %d octets",
			    OE_DNAME_MAX);
			return -1;
		}
	}
	return (int)off;
}

/* Reads one octet of a label from *pp: plain, "\X" or "\DDD". */
static int
dname_text_octet(const char **pp, uint8_t *out, char *err, size_t errlen)
{
	const char *p = *pp;
	unsigned char c = (unsigned char)*p;

	if (c != '\\') {
		if (c <= 0x20 || c >= 0x7f) {
			seterr(err, errlen, "domain name: character 0x%02x must "
			    "be escaped", c);
			return -1;
		}
		*out = c;
		*pp = p + 1;
		return 0;
	}
	p++;
	c = (unsigned char)*p;
	if (c >= '0' && c <= '9') {
		unsigned v = 0;
		int i;

		for (i = 0; i < 3; i++) {
			if (p[i] < '0' || p[i] > '9') {
				seterr(err, errlen, "domain name: \\DDD escape "
				    "needs three digits");
				return -1;
			}
			v = v * 10 + (unsigned)(p[i] - '0');
		}
		if (v > 255) {
			seterr(err, errlen, "domain name: escape \\%u above 255", v);
			return -1;
		}
		*out = (uint8_t)v;
		*pp = p + 3;
		return 0;
	}
	if (c < 0x20 || c >= 0x7f) {
		seterr(err, errlen, "domain name: bad escape of 0x%02x", c);
		return -1;
	}
	*out = c;
	*pp = p + 1;
	return 0;
}

int
oe_dname_from_text(uint8_t *wire, size_t wirelen, const char *text,
    char *err, size_t errlen)
{
	uint8_t tmp[OE_DNAME_MAX];
	size_t o, lpos, lablen = 0;
	const char *p;

	if (text == NULL || *text == '\0') {
		seterr(err, errlen, "empty domain name");
		return -1;
	}
	if (strcmp(text, ".") == 0) {
		tmp[0] = 0;
		o = 1;
		goto done;
	}
	lpos = 0;
	o = 1;
	p = text;
	while (*p != '\0') {
		uint8_t c;

		if (*p == '.') {
			if (lablen == 0) {
				seterr(err, errlen, "domain name \"%.64s\": empty label",
				    text);
				return -1;
			}
			tmp[lpos] = (uint8_t)lablen;
			lpos = o++;
			lablen = 0;
			p++;
			continue;
		}
		if (dname_text_octet(&p, &c, err, errlen) == -1)
			return -1;
		if (lablen == OE_DNAME_LABEL_MAX) {
			seterr(err, errlen, "domain name: label longer than %d octets",
			    OE_DNAME_LABEL_MAX);
			return -1;
		}
		/* room for this octet and the root label after it */
		if (o + 2 > OE_DNAME_MAX) {
			seterr(err, errlen, "domain name longer than %d octets",
			    OE_DNAME_MAX);
			return -1;
		}
		tmp[o++] = c;
		lablen++;
	}
	if (lablen != 0) {
		seterr(err, errlen, "domain name \"%.64s\" is not absolute (no "
		    "trailing dot)", text);
		return -1;
	}
	tmp[lpos] = 0;	/* the slot opened by the last dot is the root */
done:
	if (o > wirelen) {
		seterr(err, errlen, "domain name buffer too small");
		return -1;
	}
	memcpy(wire, tmp, o);
	return (int)o;
}

/* Bounded text writer: overflow is remembered, not written. */
struct wr {
	char	*buf;
	size_t	 size;
	size_t	 len;
	bool	 overflow;
};

static void
wr_putc(struct wr *w, char c)
{
	if (w->len + 1 >= w->size) {
		w->overflow = true;
		return;
	}
	w->buf[w->len++] = c;
	w->buf[w->len] = '\0';
}

static void
wr_puts(struct wr *w, const char *s)
{
	while (*s != '\0')
		wr_putc(w, *s++);
}

static void
wr_dname(struct wr *w, const uint8_t *wire)
{
	size_t off = 0;

	if (wire[0] == 0) {
		wr_putc(w, '.');
		return;
	}
	while (wire[off] != 0) {
		size_t l = wire[off], i;

		for (i = 1; i <= l; i++) {
			uint8_t c = wire[off + i];

			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_') {
				wr_putc(w, (char)c);
			} else if (c > 0x20 && c < 0x7f) {
				wr_putc(w, '\\');
				wr_putc(w, (char)c);
			} else {
				char esc[5];

				(void)snprintf(esc, sizeof(esc), "\\%03u", c);
				wr_puts(w, esc);
			}
		}
		wr_putc(w, '.');
		off += 1 + l;
	}
}

int
oe_dname_to_text(const uint8_t *wire, size_t len, char *buf, size_t buflen,
    char *err, size_t errlen)
{
	struct wr w = { buf, buflen, 0, false };
	int n;

	if (buflen == 0) {
		seterr(err, errlen, "no room for domain name text");
		return -1;
	}
	buf[0] = '\0';
	n = oe_dname_wire_len(wire, len, err, errlen);
	if (n == -1)
		return -1;
	if ((size_t)n != len) {
		seterr(err, errlen, "%zu octets after the domain name",
		    len - (size_t)n);
		return -1;
	}
	wr_dname(&w, wire);
	if (w.overflow) {
		buf[0] = '\0';
		seterr(err, errlen, "no room for domain name text");
		return -1;
	}
	return (int)w.len;
}

/* ------------------------------------------------------------------ */
/* IPSECKEY RDATA. */

const char *
oe_ipseckey_alg_name(uint8_t alg)
{
	switch (alg) {
	case OE_IPSECKEY_ALG_NONE:
		return "none";
	case OE_IPSECKEY_ALG_DSA:
		return "DSA";
	case OE_IPSECKEY_ALG_RSA:
		return "RSA";
	case OE_IPSECKEY_ALG_ECDSA:
		return "ECDSA";
	case OE_IPSECKEY_ALG_EDDSA:
		return "EdDSA";
	default:
		return NULL;
	}
}

bool
oe_ipseckey_alg_is_known(uint8_t alg)
{
	return alg >= OE_IPSECKEY_ALG_DSA && alg <= OE_IPSECKEY_ALG_EDDSA;
}

int
oe_ipseckey_validate(const struct oe_ipseckey *k, char *err, size_t errlen)
{
	int n;

	switch (k->gateway_type) {
	case OE_IPSECKEY_GW_NONE:
		break;
	case OE_IPSECKEY_GW_IPV4:
		if (k->gw_addr.family != AF_INET) {
			seterr(err, errlen, "gateway type 1 needs an IPv4 gateway");
			return -1;
		}
		break;
	case OE_IPSECKEY_GW_IPV6:
		if (k->gw_addr.family != AF_INET6) {
			seterr(err, errlen, "gateway type 2 needs an IPv6 gateway");
			return -1;
		}
		break;
	case OE_IPSECKEY_GW_NAME:
		if (k->gw_name_len == 0 || k->gw_name_len > OE_DNAME_MAX) {
			seterr(err, errlen, "gateway type 3 needs a domain name");
			return -1;
		}
		n = oe_dname_wire_len(k->gw_name, k->gw_name_len, err, errlen);
		if (n == -1)
			return -1;
		if ((size_t)n != k->gw_name_len) {
			seterr(err, errlen, "gateway name length mismatch");
			return -1;
		}
		break;
	default:
		seterr(err, errlen, "gateway type %u unknown (0..3)",
		    k->gateway_type);
		return -1;
	}
	if (k->key_len > OE_IPSECKEY_KEY_MAX) {
		seterr(err, errlen, "public key of %zu octets exceeds %d",
		    k->key_len, OE_IPSECKEY_KEY_MAX);
		return -1;
	}
	if (k->algorithm == OE_IPSECKEY_ALG_NONE && k->key_len != 0) {
		seterr(err, errlen, "algorithm 0 (no key) with a %zu-octet key",
		    k->key_len);
		return -1;
	}
	if (oe_ipseckey_alg_is_known(k->algorithm) && k->key_len == 0) {
		seterr(err, errlen, "algorithm %u (%s) with an empty key",
		    k->algorithm, oe_ipseckey_alg_name(k->algorithm));
		return -1;
	}
	if (k->alg_known != oe_ipseckey_alg_is_known(k->algorithm)) {
		seterr(err, errlen, "alg_known flag does not match algorithm %u",
		    k->algorithm);
		return -1;
	}
	return 0;
}

int
oe_ipseckey_parse_wire(struct oe_ipseckey *out, const uint8_t *rdata,
    size_t len, char *err, size_t errlen)
{
	struct rd r = { rdata, len, 0 };
	uint8_t a[16];
	int n;

	memset(out, 0, sizeof(*out));
	if (len > OE_IPSECKEY_RDATA_MAX) {
		seterr(err, errlen, "IPSECKEY RDATA of %zu octets exceeds %d",
		    len, OE_IPSECKEY_RDATA_MAX);
		goto fail;
	}
	if (rd_u8(&r, &out->precedence) == -1 ||
	    rd_u8(&r, &out->gateway_type) == -1 ||
	    rd_u8(&r, &out->algorithm) == -1) {
		seterr(err, errlen, "IPSECKEY RDATA truncated: %zu octets, "
		    "header needs 3", len);
		goto fail;
	}
	switch (out->gateway_type) {
	case OE_IPSECKEY_GW_NONE:
		break;
	case OE_IPSECKEY_GW_IPV4:
		if (rd_copy(&r, a, 4) == -1) {
			seterr(err, errlen, "IPv4 gateway truncated: %zu of 4 "
			    "octets", rd_left(&r));
			goto fail;
		}
		(void)oe_addr_from_bytes(&out->gw_addr, AF_INET, a, 4);
		break;
	case OE_IPSECKEY_GW_IPV6:
		if (rd_copy(&r, a, 16) == -1) {
			seterr(err, errlen, "IPv6 gateway truncated: %zu of 16 "
			    "octets", rd_left(&r));
			goto fail;
		}
		(void)oe_addr_from_bytes(&out->gw_addr, AF_INET6, a, 16);
		break;
	case OE_IPSECKEY_GW_NAME:
		n = oe_dname_wire_len(r.buf + r.off, rd_left(&r), err, errlen);
		if (n == -1)
			goto fail;
		out->gw_name_len = (size_t)n;
		if (rd_copy(&r, out->gw_name, out->gw_name_len) == -1)
			goto fail;	/* cannot happen: length checked above */
		break;
	default:
		seterr(err, errlen, "gateway type %u unknown (0..3)",
		    out->gateway_type);
		goto fail;
	}
	out->key_len = rd_left(&r);
	if (out->key_len > OE_IPSECKEY_KEY_MAX) {
		seterr(err, errlen, "public key of %zu octets exceeds %d",
		    out->key_len, OE_IPSECKEY_KEY_MAX);
		goto fail;
	}
	if (rd_copy(&r, out->key, out->key_len) == -1)
		goto fail;
	out->alg_known = oe_ipseckey_alg_is_known(out->algorithm);
	if (oe_ipseckey_validate(out, err, errlen) == -1)
		goto fail;
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return -1;
}

int
oe_ipseckey_emit_wire(const struct oe_ipseckey *k, uint8_t *buf,
    size_t buflen, char *err, size_t errlen)
{
	size_t need, gwlen = 0, o = 0;

	if (oe_ipseckey_validate(k, err, errlen) == -1)
		return -1;
	if (k->gateway_type == OE_IPSECKEY_GW_IPV4 ||
	    k->gateway_type == OE_IPSECKEY_GW_IPV6)
		gwlen = oe_addr_len(&k->gw_addr);
	else if (k->gateway_type == OE_IPSECKEY_GW_NAME)
		gwlen = k->gw_name_len;
	need = 3 + gwlen + k->key_len;
	if (need > buflen) {
		seterr(err, errlen, "IPSECKEY RDATA needs %zu octets, buffer "
		    "has %zu", need, buflen);
		return -1;
	}
	buf[o++] = k->precedence;
	buf[o++] = k->gateway_type;
	buf[o++] = k->algorithm;
	if (k->gateway_type == OE_IPSECKEY_GW_NAME)
		memcpy(buf + o, k->gw_name, gwlen);
	else if (gwlen != 0)
		memcpy(buf + o, oe_addr_bytes(&k->gw_addr), gwlen);
	o += gwlen;
	memcpy(buf + o, k->key, k->key_len);
	o += k->key_len;
	return (int)o;
}

int
oe_ipseckey_gateway_to_text(const struct oe_ipseckey *k, char *buf,
    size_t buflen, char *err, size_t errlen)
{
	switch (k->gateway_type) {
	case OE_IPSECKEY_GW_NONE:
		if (buflen < 2) {
			seterr(err, errlen, "no room for gateway text");
			return -1;
		}
		buf[0] = '.';
		buf[1] = '\0';
		return 1;
	case OE_IPSECKEY_GW_IPV4:
	case OE_IPSECKEY_GW_IPV6:
		if (oe_addr_format(&k->gw_addr, buf, buflen) == NULL) {
			seterr(err, errlen, "cannot format gateway address");
			return -1;
		}
		return (int)strlen(buf);
	case OE_IPSECKEY_GW_NAME:
		return oe_dname_to_text(k->gw_name, k->gw_name_len, buf, buflen,
		    err, errlen);
	default:
		seterr(err, errlen, "gateway type %u unknown (0..3)",
		    k->gateway_type);
		return -1;
	}
}

int
oe_ipseckey_gateway_from_text(struct oe_ipseckey *k, uint8_t type,
    const char *text, char *err, size_t errlen)
{
	int n;

	memset(&k->gw_addr, 0, sizeof(k->gw_addr));
	memset(k->gw_name, 0, sizeof(k->gw_name));
	k->gw_name_len = 0;
	k->gateway_type = type;
	switch (type) {
	case OE_IPSECKEY_GW_NONE:
		if (text != NULL && strcmp(text, ".") != 0) {
			seterr(err, errlen, "gateway type 0 needs \".\" as gateway");
			return -1;
		}
		return 0;
	case OE_IPSECKEY_GW_IPV4:
		return oe_addr_parse(&k->gw_addr, text, AF_INET, err, errlen);
	case OE_IPSECKEY_GW_IPV6:
		return oe_addr_parse(&k->gw_addr, text, AF_INET6, err, errlen);
	case OE_IPSECKEY_GW_NAME:
		n = oe_dname_from_text(k->gw_name, sizeof(k->gw_name), text,
		    err, errlen);
		if (n == -1)
			return -1;
		k->gw_name_len = (size_t)n;
		return 0;
	default:
		seterr(err, errlen, "gateway type %u unknown (0..3)", type);
		return -1;
	}
}

int
oe_ipseckey_to_text(const struct oe_ipseckey *k, char *buf, size_t buflen,
    char *err, size_t errlen)
{
	struct wr w = { buf, buflen, 0, false };
	char num[16], gw[OE_DNAME_STRLEN];
	char b64[OE_BASE64_LEN(OE_IPSECKEY_KEY_MAX) + 1];

	if (buflen == 0) {
		seterr(err, errlen, "no room for IPSECKEY text");
		return -1;
	}
	buf[0] = '\0';
	if (oe_ipseckey_validate(k, err, errlen) == -1)
		return -1;
	if (oe_ipseckey_gateway_to_text(k, gw, sizeof(gw), err, errlen) == -1)
		return -1;
	(void)snprintf(num, sizeof(num), "%u %u %u ", k->precedence,
	    k->gateway_type, k->algorithm);
	wr_puts(&w, num);
	wr_puts(&w, gw);
	if (k->key_len != 0) {
		if (oe_base64_encode(k->key, k->key_len, b64, sizeof(b64)) == -1) {
			seterr(err, errlen, "cannot encode key");
			return -1;
		}
		wr_putc(&w, ' ');
		wr_puts(&w, b64);
	}
	if (w.overflow) {
		buf[0] = '\0';
		seterr(err, errlen, "IPSECKEY text does not fit in %zu octets",
		    buflen);
		return -1;
	}
	return (int)w.len;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Next blank-separated token of *pp into tok (NUL-terminated). */
static int
next_token(const char **pp, char *tok, size_t toklen)
{
	const char *p = *pp;
	size_t n = 0;

	while (is_blank(*p))
		p++;
	if (*p == '\0')
		return 0;
	while (*p != '\0' && !is_blank(*p)) {
		if (n + 1 >= toklen)
			return -1;
		tok[n++] = *p++;
	}
	tok[n] = '\0';
	*pp = p;
	return 1;
}

/* Decimal 0..255 without sign or leading zeros. */
static int
parse_u8_text(const char *s, uint8_t *out)
{
	unsigned v = 0;
	size_t i, n = strlen(s);

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 255)
		return -1;
	*out = (uint8_t)v;
	return 0;
}

int
oe_ipseckey_from_text(struct oe_ipseckey *out, const char *text, char *err,
    size_t errlen)
{
	static const char *const field[] = { "precedence", "gateway type",
	    "algorithm" };
	/* one token may be the whole base64 key */
	char tok[OE_BASE64_LEN(OE_IPSECKEY_KEY_MAX) + 1];
	char b64[OE_BASE64_LEN(OE_IPSECKEY_KEY_MAX) + 1];
	uint8_t num[3];
	size_t b64len = 0;
	const char *p = text;
	int i, r, n;

	memset(out, 0, sizeof(*out));
	if (text == NULL) {
		seterr(err, errlen, "no IPSECKEY text");
		goto fail;
	}
	for (i = 0; i < 3; i++) {
		r = next_token(&p, tok, sizeof(tok));
		if (r != 1 || parse_u8_text(tok, &num[i]) == -1) {
			seterr(err, errlen, "IPSECKEY %s: %s", field[i],
			    r == 0 ? "missing" : "not a number 0..255");
			goto fail;
		}
	}
	out->precedence = num[0];
	out->algorithm = num[2];
	out->alg_known = oe_ipseckey_alg_is_known(out->algorithm);
	if (num[1] > OE_IPSECKEY_GW_NAME) {
		seterr(err, errlen, "gateway type %u unknown (0..3)", num[1]);
		goto fail;
	}
	r = next_token(&p, tok, sizeof(tok));
	if (r != 1) {
		seterr(err, errlen, "IPSECKEY gateway: %s",
		    r == 0 ? "missing" : "too long");
		goto fail;
	}
	if (oe_ipseckey_gateway_from_text(out, num[1], tok, err, errlen) == -1)
		goto fail;
	/* the key may be split by blanks, as zone files do */
	while ((r = next_token(&p, tok, sizeof(tok))) == 1) {
		n = (int)strlen(tok);
		if (b64len + (size_t)n >= sizeof(b64)) {
			seterr(err, errlen, "public key longer than %d octets",
			    OE_IPSECKEY_KEY_MAX);
			goto fail;
		}
		memcpy(b64 + b64len, tok, (size_t)n);
		b64len += (size_t)n;
	}
	if (r == -1) {
		seterr(err, errlen, "public key longer than %d octets",
		    OE_IPSECKEY_KEY_MAX);
		goto fail;
	}
	if (b64len != 0) {
		n = oe_base64_decode(b64, b64len, out->key, sizeof(out->key));
		if (n == -1) {
			seterr(err, errlen, "public key is not valid base64 or "
			    "longer than %d octets", OE_IPSECKEY_KEY_MAX);
			goto fail;
		}
		out->key_len = (size_t)n;
	}
	if (oe_ipseckey_validate(out, err, errlen) == -1)
		goto fail;
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return -1;
}

/* ------------------------------------------------------------------ */
/* Public-key fields. */

static unsigned
bitlen_u8(uint8_t v)
{
	unsigned n = 0;

	while (v != 0) {
		n++;
		v >>= 1;
	}
	return n;
}

/* Checks that apply to both directions of the RFC 3110 conversion. */
static int
rsa_check_parts(const uint8_t *mod, size_t modlen, const uint8_t *exp,
    size_t explen, unsigned *bits, char *err, size_t errlen)
{
	unsigned b;

	if (explen == 0) {
		seterr(err, errlen, "RSA key: empty exponent");
		return -1;
	}
	if (modlen == 0) {
		seterr(err, errlen, "RSA key: empty modulus");
		return -1;
	}
	if (exp[0] == 0) {
		seterr(err, errlen, "RSA key: exponent has a leading zero octet");
		return -1;
	}
	if (mod[0] == 0) {
		seterr(err, errlen, "RSA key: modulus has a leading zero octet");
		return -1;
	}
	if (explen > modlen) {
		seterr(err, errlen, "RSA key: exponent (%zu octets) longer than "
		    "modulus (%zu octets)", explen, modlen);
		return -1;
	}
	if (modlen > OE_RSA_MAX_BITS / 8) {
		seterr(err, errlen, "RSA key: modulus of %zu octets exceeds %d bits",
		    modlen, OE_RSA_MAX_BITS);
		return -1;
	}
	b = (unsigned)(modlen - 1) * 8 + bitlen_u8(mod[0]);
	if (b < OE_RSA_MIN_BITS || b > OE_RSA_MAX_BITS) {
		seterr(err, errlen, "RSA key: modulus of %u bits outside %d..%d",
		    b, OE_RSA_MIN_BITS, OE_RSA_MAX_BITS);
		return -1;
	}
	if ((mod[modlen - 1] & 1) == 0) {
		seterr(err, errlen, "RSA key: modulus is even");
		return -1;
	}
	if ((exp[explen - 1] & 1) == 0 || (explen == 1 && exp[0] == 1)) {
		seterr(err, errlen, "RSA key: exponent must be odd and above 1");
		return -1;
	}
	if (bits != NULL)
		*bits = b;
	return 0;
}

int
oe_rsa_key_from_rfc3110(struct oe_rsa_pub *out, const uint8_t *key,
    size_t len, char *err, size_t errlen)
{
	struct rd r = { key, len, 0 };
	uint8_t b0, b1, b2;
	size_t explen;

	memset(out, 0, sizeof(*out));
	if (rd_u8(&r, &b0) == -1) {
		seterr(err, errlen, "RSA key: empty");
		return -1;
	}
	if (b0 != 0) {
		explen = b0;
	} else {
		if (rd_u8(&r, &b1) == -1 || rd_u8(&r, &b2) == -1) {
			seterr(err, errlen, "RSA key: truncated exponent length");
			return -1;
		}
		explen = (size_t)b1 << 8 | b2;
		if (explen < 256) {
			seterr(err, errlen, "RSA key: exponent length %zu in the "
			    "3-octet form (must use 1 octet)", explen);
			return -1;
		}
	}
	if (rd_left(&r) < explen) {
		seterr(err, errlen, "RSA key: exponent of %zu octets truncated "
		    "(%zu left)", explen, rd_left(&r));
		return -1;
	}
	if (rsa_check_parts(key + r.off + explen, rd_left(&r) - explen,
	    key + r.off, explen, &out->bits, err, errlen) == -1) {
		out->bits = 0;
		return -1;
	}
	out->exponent = key + r.off;
	out->exponent_len = explen;
	out->modulus = key + r.off + explen;
	out->modulus_len = rd_left(&r) - explen;
	return 0;
}

int
oe_rsa_key_to_rfc3110(uint8_t *buf, size_t buflen, const uint8_t *modulus,
    size_t modulus_len, const uint8_t *exponent, size_t exponent_len,
    char *err, size_t errlen)
{
	size_t hdr, need, o = 0;

	/* NSS hands out signed big-endian integers: drop sign octets */
	while (modulus_len > 0 && modulus[0] == 0) {
		modulus++;
		modulus_len--;
	}
	while (exponent_len > 0 && exponent[0] == 0) {
		exponent++;
		exponent_len--;
	}
	if (rsa_check_parts(modulus, modulus_len, exponent, exponent_len,
	    NULL, err, errlen) == -1)
		return -1;
	hdr = exponent_len < 256 ? 1 : 3;
	need = hdr + exponent_len + modulus_len;
	if (need > buflen) {
		seterr(err, errlen, "RSA key needs %zu octets, buffer has %zu",
		    need, buflen);
		return -1;
	}
	if (hdr == 1) {
		buf[o++] = (uint8_t)exponent_len;
	} else {
		buf[o++] = 0;
		buf[o++] = (uint8_t)(exponent_len >> 8);
		buf[o++] = (uint8_t)exponent_len;
	}
	memcpy(buf + o, exponent, exponent_len);
	o += exponent_len;
	memcpy(buf + o, modulus, modulus_len);
	o += modulus_len;
	return (int)o;
}

/* Field primes, big-endian (FIPS 186-4 D.1.2). */
static const uint8_t p256_prime[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};
static const uint8_t p384_prime[48] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
};

int
oe_ecdsa_key_check(const uint8_t *key, size_t len, enum oe_ec_curve *curve,
    char *err, size_t errlen)
{
	const uint8_t *prime;
	size_t half, i;
	bool zero = true;

	if (curve != NULL)
		*curve = OE_EC_NONE;
	if (len == 64) {
		prime = p256_prime;
	} else if (len == 96) {
		prime = p384_prime;
	} else {
		seterr(err, errlen, "ECDSA key of %zu octets: must be 64 (P-256) "
		    "or 96 (P-384)", len);
		return -1;
	}
	half = len / 2;
	for (i = 0; i < len; i++)
		if (key[i] != 0)
			zero = false;
	if (zero) {
		seterr(err, errlen, "ECDSA key is the point at infinity (all zero)");
		return -1;
	}
	if (memcmp(key, prime, half) >= 0 ||
	    memcmp(key + half, prime, half) >= 0) {
		seterr(err, errlen, "ECDSA key: coordinate not below the field "
		    "prime");
		return -1;
	}
	if (curve != NULL)
		*curve = len == 64 ? OE_EC_P256 : OE_EC_P384;
	return 0;
}

int
oe_ecdsa_key_to_sec1(const uint8_t *key, size_t len, uint8_t *buf,
    size_t buflen, char *err, size_t errlen)
{
	if (oe_ecdsa_key_check(key, len, NULL, err, errlen) == -1)
		return -1;
	if (buflen < len + 1) {
		seterr(err, errlen, "SEC1 point needs %zu octets", len + 1);
		return -1;
	}
	buf[0] = 0x04;	/* uncompressed point */
	memcpy(buf + 1, key, len);
	return (int)(len + 1);
}

int
oe_eddsa_key_check(const uint8_t *key, size_t len, enum oe_ec_curve *curve,
    char *err, size_t errlen)
{
	(void)key;
	if (curve != NULL)
		*curve = OE_EC_NONE;
	if (len == 57) {
		seterr(err, errlen, "EdDSA key of 57 octets (Ed448) is not "
		    "supported");
		return -1;
	}
	if (len != 32) {
		seterr(err, errlen, "EdDSA key of %zu octets: Ed25519 needs 32",
		    len);
		return -1;
	}
	if (curve != NULL)
		*curve = OE_EC_ED25519;
	return 0;
}

int
oe_ipseckey_key_check(const struct oe_ipseckey *k, char *err, size_t errlen)
{
	struct oe_rsa_pub rsa;

	switch (k->algorithm) {
	case OE_IPSECKEY_ALG_RSA:
		return oe_rsa_key_from_rfc3110(&rsa, k->key, k->key_len, err,
		    errlen);
	case OE_IPSECKEY_ALG_ECDSA:
		return oe_ecdsa_key_check(k->key, k->key_len, NULL, err, errlen);
	case OE_IPSECKEY_ALG_EDDSA:
		return oe_eddsa_key_check(k->key, k->key_len, NULL, err, errlen);
	case OE_IPSECKEY_ALG_NONE:
		seterr(err, errlen, "record carries no key (algorithm 0)");
		return -1;
	case OE_IPSECKEY_ALG_DSA:
		seterr(err, errlen, "DSA keys are not supported");
		return -1;
	default:
		seterr(err, errlen, "unknown key algorithm %u", k->algorithm);
		return -1;
	}
}
