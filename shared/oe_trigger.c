/*
 * The trigger protocol codec (doc/trigger-protocol.md): JSON messages
 * between the resolver module and oe-iked, read and written with
 * jansson.  Decoding checks syntax and types field by field, then the
 * same semantic rules the encoder applies (request_check/reply_check),
 * so whatever one side can send the other side accepts, and nothing
 * else.
 */
#include "config.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oe_base64.h"
#include "oe_trigger.h"

#define KEY_B64_MAX	OE_BASE64_LEN(OE_IPSECKEY_KEY_MAX)

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

static const char *const status_names[] = {
	[OE_TRIGGER_UP] = "up",
	[OE_TRIGGER_CLEAR] = "clear",
	[OE_TRIGGER_FAILED] = "failed",
	[OE_TRIGGER_BUSY] = "busy",
	[OE_TRIGGER_ERROR] = "error",
};

const char *
oe_trigger_status_name(enum oe_trigger_status st)
{
	if ((unsigned)st >= sizeof(status_names) / sizeof(status_names[0]))
		return NULL;
	return status_names[st];
}

static int
status_from_name(const char *s, enum oe_trigger_status *st)
{
	unsigned i;

	for (i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++) {
		if (strcmp(s, status_names[i]) == 0) {
			*st = (enum oe_trigger_status)i;
			return 0;
		}
	}
	return -1;
}

uint16_t
oe_trigger_qtype_from_name(const char *name)
{
	if (name == NULL)
		return 0;
	if (strcmp(name, "A") == 0)
		return OE_QTYPE_A;
	if (strcmp(name, "AAAA") == 0)
		return OE_QTYPE_AAAA;
	return 0;
}

const char *
oe_trigger_qtype_name(uint16_t qtype)
{
	if (qtype == OE_QTYPE_A)
		return "A";
	if (qtype == OE_QTYPE_AAAA)
		return "AAAA";
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Text of the "error" reply: bounded, valid UTF-8, no control characters. */

/* Length of the valid UTF-8 sequence at s (n octets left), 0 if invalid. */
static size_t
utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static bool
error_text_ok(const char *s)
{
	size_t n = strlen(s), i = 0;

	if (n == 0 || n > OE_TRIGGER_ERROR_MAX)
		return false;
	while (i < n) {
		size_t l = utf8_seq_len((const unsigned char *)s + i, n - i);

		if (l == 0 || (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
		i += l;
	}
	return true;
}

void
oe_trigger_reply_set_error(struct oe_trigger_reply *rep, uint64_t cookie,
    const char *text)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	size_t n = strlen((const char *)s), i = 0, o = 0;

	memset(rep, 0, sizeof(*rep));
	rep->cookie = cookie;
	rep->has_cookie = true;
	rep->status = OE_TRIGGER_ERROR;
	while (i < n) {
		size_t l = utf8_seq_len(s + i, n - i);

		if (l == 0) {		/* e.g. cut by a "%.64s" upstream */
			l = 1;
			if (o + 1 > OE_TRIGGER_ERROR_MAX)
				break;
			rep->error[o++] = '?';
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			if (o + 1 > OE_TRIGGER_ERROR_MAX)
				break;
			rep->error[o++] = ' ';
		} else {
			if (o + l > OE_TRIGGER_ERROR_MAX)
				break;
			memcpy(rep->error + o, s + i, l);
			o += l;
		}
		i += l;
	}
	if (o == 0) {
		memcpy(rep->error, "unspecified error", 17);
		o = 17;
	}
	rep->error[o] = '\0';
}

/* ------------------------------------------------------------------ */
/* Semantic rules, shared by encoder and decoder. */

static int
ipseckeys_check(const struct oe_trigger_ipseckeys *ik, char *err,
    size_t errlen)
{
	char e[160];
	size_t i;

	if (!ik->present)
		return 0;
	if (!ik->secure) {
		seterr(err, errlen, "ipseckey.secure must be true (send "
		    "\"ipseckey\": null for an insecure or missing IPSECKEY)");
		return -1;
	}
	if (ik->ttl > OE_TRIGGER_TTL_MAX) {
		seterr(err, errlen, "ipseckey.ttl %u above %u", ik->ttl,
		    OE_TRIGGER_TTL_MAX);
		return -1;
	}
	if (ik->rrsig_inception < 0 || ik->rrsig_expiration < 0 ||
	    ik->rrsig_inception >= ik->rrsig_expiration) {
		seterr(err, errlen, "ipseckey: rrsig_inception (%lld) must be "
		    "non-negative and before rrsig_expiration (%lld)",
		    (long long)ik->rrsig_inception,
		    (long long)ik->rrsig_expiration);
		return -1;
	}
	if (ik->nrecords < 1 || ik->nrecords > OE_TRIGGER_RECORDS_MAX) {
		seterr(err, errlen, "ipseckey.records: %zu records, need 1..%d",
		    ik->nrecords, OE_TRIGGER_RECORDS_MAX);
		return -1;
	}
	for (i = 0; i < ik->nrecords; i++) {
		if (oe_ipseckey_validate(&ik->records[i], e, sizeof(e)) == -1) {
			seterr(err, errlen, "ipseckey.records[%zu]: %s", i, e);
			return -1;
		}
	}
	return 0;
}

static int
request_check(const struct oe_trigger_request *req, char *err, size_t errlen)
{
	int family;
	size_t i, j;

	if (req->cookie > OE_TRIGGER_COOKIE_MAX) {
		seterr(err, errlen, "cookie above 2^63-1");
		return -1;
	}
	if (req->qtype == OE_QTYPE_A)
		family = AF_INET;
	else if (req->qtype == OE_QTYPE_AAAA)
		family = AF_INET6;
	else {
		seterr(err, errlen, "qtype %u is neither A nor AAAA", req->qtype);
		return -1;
	}
	if (req->naddrs < 1 || req->naddrs > OE_TRIGGER_ADDRS_MAX) {
		seterr(err, errlen, "addrs: %zu addresses, need 1..%d",
		    req->naddrs, OE_TRIGGER_ADDRS_MAX);
		return -1;
	}
	for (i = 0; i < req->naddrs; i++) {
		if (req->addrs[i].family != family) {
			seterr(err, errlen, "addrs[%zu] is not an %s address",
			    i, family == AF_INET ? "IPv4 (qtype A)" :
			    "IPv6 (qtype AAAA)");
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (oe_addr_eq(&req->addrs[i], &req->addrs[j])) {
				seterr(err, errlen, "addrs[%zu] repeats addrs[%zu]",
				    i, j);
				return -1;
			}
		}
	}
	if (req->addr_ttl > OE_TRIGGER_TTL_MAX) {
		seterr(err, errlen, "addr_ttl %u above %u", req->addr_ttl,
		    OE_TRIGGER_TTL_MAX);
		return -1;
	}
	return ipseckeys_check(&req->ipseckey, err, errlen);
}

static int
reply_check(const struct oe_trigger_reply *rep, char *err, size_t errlen)
{
	if (rep->cookie > OE_TRIGGER_COOKIE_MAX) {
		seterr(err, errlen, "cookie above 2^63-1");
		return -1;
	}
	if (oe_trigger_status_name(rep->status) == NULL) {
		seterr(err, errlen, "status %d unknown", (int)rep->status);
		return -1;
	}
	if (rep->status == OE_TRIGGER_UP) {
		if (rep->sa_lifetime > OE_TRIGGER_TTL_MAX) {
			seterr(err, errlen, "sa_lifetime %u above %u",
			    rep->sa_lifetime, OE_TRIGGER_TTL_MAX);
			return -1;
		}
	} else if (rep->sa_lifetime != 0) {
		seterr(err, errlen, "sa_lifetime goes only with status \"up\"");
		return -1;
	}
	if (rep->status == OE_TRIGGER_ERROR) {
		if (memchr(rep->error, '\0', sizeof(rep->error)) == NULL ||
		    !error_text_ok(rep->error)) {
			seterr(err, errlen, "error text must be 1..%d octets of "
			    "UTF-8 without control characters",
			    OE_TRIGGER_ERROR_MAX);
			return -1;
		}
	} else if (rep->error[0] != '\0') {
		seterr(err, errlen, "error text goes only with status \"error\"");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Encoding. */

/* json_object_set_new that reports failure (NULL value or no memory). */
static int
set_new(json_t *obj, const char *key, json_t *val)
{
	if (val == NULL)
		return -1;
	return json_object_set_new(obj, key, val);
}

static json_t *
record_to_json(const struct oe_ipseckey *k, char *err, size_t errlen)
{
	json_t *o = NULL, *gw;
	char gwtext[OE_DNAME_STRLEN], b64[KEY_B64_MAX + 1];

	if (oe_ipseckey_gateway_to_text(k, gwtext, sizeof(gwtext), err,
	    errlen) == -1)
		goto fail;
	if (oe_base64_encode(k->key, k->key_len, b64, sizeof(b64)) == -1) {
		seterr(err, errlen, "cannot encode key");
		goto fail;
	}
	o = json_object();
	if (o == NULL)
		goto nomem;
	gw = k->gateway_type == OE_IPSECKEY_GW_NONE ? json_null() :
	    json_string(gwtext);
	if (set_new(o, "precedence", json_integer(k->precedence)) == -1 ||
	    set_new(o, "gateway_type", json_integer(k->gateway_type)) == -1 ||
	    set_new(o, "gateway", gw) == -1 ||
	    set_new(o, "algorithm", json_integer(k->algorithm)) == -1 ||
	    set_new(o, "key", json_string(b64)) == -1)
		goto nomem;
	return o;
nomem:
	seterr(err, errlen, "out of memory building record");
fail:
	json_decref(o);
	return NULL;
}

static json_t *
ipseckeys_to_json(const struct oe_trigger_ipseckeys *ik, char *err,
    size_t errlen)
{
	json_t *o = NULL, *recs = NULL, *r;
	size_t i;

	if (!ik->present)
		return json_null();
	recs = json_array();
	if (recs == NULL)
		goto nomem;
	for (i = 0; i < ik->nrecords; i++) {
		r = record_to_json(&ik->records[i], err, errlen);
		if (r == NULL || json_array_append_new(recs, r) == -1)
			goto fail;
	}
	o = json_object();
	if (o == NULL ||
	    set_new(o, "secure", json_boolean(ik->secure)) == -1 ||
	    set_new(o, "ttl", json_integer(ik->ttl)) == -1 ||
	    set_new(o, "rrsig_inception",
	    json_integer(ik->rrsig_inception)) == -1 ||
	    set_new(o, "rrsig_expiration",
	    json_integer(ik->rrsig_expiration)) == -1)
		goto nomem;
	if (json_object_set_new(o, "records", recs) == -1) {
		recs = NULL;	/* set_new consumed it */
		goto nomem;
	}
	return o;
nomem:
	seterr(err, errlen, "out of memory building ipseckey");
fail:
	json_decref(recs);
	json_decref(o);
	return NULL;
}

/* Serialise root into buf; consumes root. */
static ssize_t
dump_message(json_t *root, char *buf, size_t buflen, char *err, size_t errlen)
{
	size_t n;

	n = json_dumpb(root, buf, buflen, JSON_COMPACT);
	json_decref(root);
	if (n == 0) {
		seterr(err, errlen, "cannot serialise message");
		return -1;
	}
	if (n > OE_TRIGGER_MSG_MAX) {
		seterr(err, errlen, "message of %zu octets exceeds %d", n,
		    OE_TRIGGER_MSG_MAX);
		return -1;
	}
	if (n > buflen) {
		seterr(err, errlen, "message of %zu octets exceeds the buffer "
		    "(%zu)", n, buflen);
		return -1;
	}
	if (n < buflen)
		buf[n] = '\0';
	return (ssize_t)n;
}

ssize_t
oe_trigger_request_encode(const struct oe_trigger_request *req, char *buf,
    size_t buflen, char *err, size_t errlen)
{
	uint8_t wire[OE_DNAME_MAX];
	char name[OE_DNAME_STRLEN], a[OE_ADDR_STRLEN];
	json_t *root = NULL, *addrs = NULL, *ik;
	int n;
	size_t i;

	if (request_check(req, err, errlen) == -1)
		return -1;
	/* the wire name wins: the module has it from the query */
	if (req->name_wire_len != 0) {
		if (oe_dname_to_text(req->name_wire, req->name_wire_len, name,
		    sizeof(name), err, errlen) == -1)
			return -1;
	} else {
		if (memchr(req->name, '\0', sizeof(req->name)) == NULL) {
			seterr(err, errlen, "name not terminated");
			return -1;
		}
		n = oe_dname_from_text(wire, sizeof(wire), req->name, err, errlen);
		if (n == -1 || oe_dname_to_text(wire, (size_t)n, name,
		    sizeof(name), err, errlen) == -1)
			return -1;
	}
	addrs = json_array();
	if (addrs == NULL)
		goto nomem;
	for (i = 0; i < req->naddrs; i++) {
		if (oe_addr_format(&req->addrs[i], a, sizeof(a)) == NULL ||
		    json_array_append_new(addrs, json_string(a)) == -1)
			goto nomem;
	}
	ik = ipseckeys_to_json(&req->ipseckey, err, errlen);
	if (ik == NULL)
		goto fail;
	root = json_object();
	if (root == NULL ||
	    set_new(root, "v", json_integer(OE_TRIGGER_VERSION)) == -1 ||
	    set_new(root, "type", json_string("trigger")) == -1 ||
	    set_new(root, "cookie", json_integer((json_int_t)req->cookie)) == -1 ||
	    set_new(root, "name", json_string(name)) == -1 ||
	    set_new(root, "qtype",
	    json_string(oe_trigger_qtype_name(req->qtype))) == -1) {
		json_decref(ik);
		goto nomem;
	}
	if (json_object_set_new(root, "addrs", addrs) == -1) {
		addrs = NULL;
		json_decref(ik);
		goto nomem;
	}
	addrs = NULL;	/* owned by root now */
	if (set_new(root, "addr_ttl", json_integer(req->addr_ttl)) == -1 ||
	    json_object_set_new(root, "ipseckey", ik) == -1)
		goto nomem;
	return dump_message(root, buf, buflen, err, errlen);
nomem:
	seterr(err, errlen, "out of memory building request");
fail:
	json_decref(addrs);
	json_decref(root);
	return -1;
}

ssize_t
oe_trigger_reply_encode(const struct oe_trigger_reply *rep, char *buf,
    size_t buflen, char *err, size_t errlen)
{
	json_t *root;

	if (reply_check(rep, err, errlen) == -1)
		return -1;
	root = json_object();
	if (root == NULL ||
	    set_new(root, "v", json_integer(OE_TRIGGER_VERSION)) == -1 ||
	    set_new(root, "cookie", json_integer((json_int_t)rep->cookie)) == -1 ||
	    set_new(root, "status",
	    json_string(oe_trigger_status_name(rep->status))) == -1 ||
	    (rep->status == OE_TRIGGER_UP &&
	    set_new(root, "sa_lifetime", json_integer(rep->sa_lifetime)) == -1) ||
	    (rep->status == OE_TRIGGER_ERROR &&
	    set_new(root, "error", json_string(rep->error)) == -1)) {
		json_decref(root);
		seterr(err, errlen, "out of memory building reply");
		return -1;
	}
	return dump_message(root, buf, buflen, err, errlen);
}

/* ------------------------------------------------------------------ */
/* Decoding: typed accessors with errors that name the field. */

static int
check_keys(json_t *obj, const char *const *allowed, const char *where,
    char *err, size_t errlen)
{
	const char *key;
	json_t *val;
	size_t i;

	json_object_foreach(obj, key, val) {
		bool ok = false;

		(void)val;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				ok = true;
		if (!ok) {
			seterr(err, errlen, "%s: unknown key \"%.32s\"", where, key);
			return -1;
		}
	}
	return 0;
}

static json_t *
get_required(json_t *obj, const char *key, const char *where, char *err,
    size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		seterr(err, errlen, "%s: missing \"%s\"", where, key);
	return v;
}

static int
get_int(json_t *obj, const char *key, const char *where, int64_t min,
    int64_t max, int64_t *out, char *err, size_t errlen)
{
	json_t *v = get_required(obj, key, where, err, errlen);
	json_int_t i;

	if (v == NULL)
		return -1;
	if (!json_is_integer(v)) {
		seterr(err, errlen, "%s: \"%s\" must be an integer", where, key);
		return -1;
	}
	i = json_integer_value(v);
	if (i < min || i > max) {
		seterr(err, errlen, "%s: \"%s\" = %lld outside %lld..%lld", where,
		    key, (long long)i, (long long)min, (long long)max);
		return -1;
	}
	*out = i;
	return 0;
}

/* A string of at most `max` octets, without embedded NUL. */
static const char *
get_string(json_t *obj, const char *key, const char *where, size_t max,
    char *err, size_t errlen)
{
	json_t *v = get_required(obj, key, where, err, errlen);
	const char *s;

	if (v == NULL)
		return NULL;
	if (!json_is_string(v)) {
		seterr(err, errlen, "%s: \"%s\" must be a string", where, key);
		return NULL;
	}
	s = json_string_value(v);
	if (json_string_length(v) > max || strlen(s) != json_string_length(v)) {
		seterr(err, errlen, "%s: \"%s\" longer than %zu octets or has "
		    "NUL", where, key, max);
		return NULL;
	}
	return s;
}

/* Parse, bound, check the version; returns the root object or NULL. */
static json_t *
load_message(const char *msg, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	int64_t v;

	if (len == 0) {
		seterr(err, errlen, "empty message");
		return NULL;
	}
	if (len > OE_TRIGGER_MSG_MAX) {
		seterr(err, errlen, "message of %zu octets exceeds %d", len,
		    OE_TRIGGER_MSG_MAX);
		return NULL;
	}
	root = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		seterr(err, errlen, "invalid JSON at octet %d: %s",
		    jerr.position, jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		seterr(err, errlen, "message is not a JSON object");
		goto fail;
	}
	if (get_int(root, "v", "message", 0, INT64_MAX, &v, err, errlen) == -1)
		goto fail;
	if (v != OE_TRIGGER_VERSION) {
		seterr(err, errlen, "protocol version %lld not supported (%d)",
		    (long long)v, OE_TRIGGER_VERSION);
		goto fail;
	}
	return root;
fail:
	json_decref(root);
	return NULL;
}

/* Reads the cookie first, so even a bad message can be answered. */
static void
peek_cookie(json_t *root, uint64_t *cookie, bool *has)
{
	json_t *c = json_object_get(root, "cookie");

	if (json_is_integer(c) && json_integer_value(c) >= 0) {
		*cookie = (uint64_t)json_integer_value(c);
		*has = true;
	}
}

static int
record_from_json(struct oe_ipseckey *k, json_t *o, size_t idx, char *err,
    size_t errlen)
{
	static const char *const keys[] = { "precedence", "gateway_type",
	    "gateway", "algorithm", "key", NULL };
	char where[48], e[128];
	int64_t prec, gwtype, alg;
	const char *gw = NULL, *key;
	json_t *g;
	int n;

	(void)snprintf(where, sizeof(where), "ipseckey.records[%zu]", idx);
	memset(k, 0, sizeof(*k));
	if (!json_is_object(o)) {
		seterr(err, errlen, "%s must be an object", where);
		return -1;
	}
	if (check_keys(o, keys, where, err, errlen) == -1 ||
	    get_int(o, "precedence", where, 0, 255, &prec, err, errlen) == -1 ||
	    get_int(o, "gateway_type", where, 0, 3, &gwtype, err, errlen) == -1 ||
	    get_int(o, "algorithm", where, 0, 255, &alg, err, errlen) == -1)
		return -1;
	g = get_required(o, "gateway", where, err, errlen);
	if (g == NULL)
		return -1;
	if (gwtype == OE_IPSECKEY_GW_NONE) {
		if (!json_is_null(g)) {
			seterr(err, errlen, "%s: gateway must be null for "
			    "gateway_type 0", where);
			return -1;
		}
	} else {
		gw = get_string(o, "gateway", where, OE_DNAME_STRLEN - 1, err,
		    errlen);
		if (gw == NULL)
			return -1;
	}
	k->precedence = (uint8_t)prec;
	k->algorithm = (uint8_t)alg;
	k->alg_known = oe_ipseckey_alg_is_known(k->algorithm);
	if (oe_ipseckey_gateway_from_text(k, (uint8_t)gwtype, gw, e,
	    sizeof(e)) == -1) {
		seterr(err, errlen, "%s: gateway: %s", where, e);
		return -1;
	}
	key = get_string(o, "key", where, KEY_B64_MAX, err, errlen);
	if (key == NULL)
		return -1;
	n = oe_base64_decode(key, strlen(key), k->key, sizeof(k->key));
	if (n == -1) {
		seterr(err, errlen, "%s: key is not valid base64", where);
		return -1;
	}
	k->key_len = (size_t)n;
	return 0;
}

static int
ipseckeys_from_json(struct oe_trigger_ipseckeys *ik, json_t *o, char *err,
    size_t errlen)
{
	static const char *const keys[] = { "secure", "ttl",
	    "rrsig_inception", "rrsig_expiration", "records", NULL };
	json_t *sec, *recs;
	int64_t ttl;
	size_t i;

	memset(ik, 0, sizeof(*ik));
	if (json_is_null(o))
		return 0;
	if (!json_is_object(o)) {
		seterr(err, errlen, "\"ipseckey\" must be an object or null");
		return -1;
	}
	ik->present = true;
	if (check_keys(o, keys, "ipseckey", err, errlen) == -1)
		return -1;
	sec = get_required(o, "secure", "ipseckey", err, errlen);
	if (sec == NULL)
		return -1;
	if (!json_is_boolean(sec)) {
		seterr(err, errlen, "ipseckey: \"secure\" must be true or false");
		return -1;
	}
	ik->secure = json_is_true(sec);
	if (get_int(o, "ttl", "ipseckey", 0, OE_TRIGGER_TTL_MAX, &ttl, err,
	    errlen) == -1 ||
	    get_int(o, "rrsig_inception", "ipseckey", 0, INT64_MAX,
	    &ik->rrsig_inception, err, errlen) == -1 ||
	    get_int(o, "rrsig_expiration", "ipseckey", 0, INT64_MAX,
	    &ik->rrsig_expiration, err, errlen) == -1)
		return -1;
	ik->ttl = (uint32_t)ttl;
	recs = get_required(o, "records", "ipseckey", err, errlen);
	if (recs == NULL)
		return -1;
	if (!json_is_array(recs) || json_array_size(recs) < 1 ||
	    json_array_size(recs) > OE_TRIGGER_RECORDS_MAX) {
		seterr(err, errlen, "ipseckey.records must be an array of 1..%d "
		    "records", OE_TRIGGER_RECORDS_MAX);
		return -1;
	}
	ik->nrecords = json_array_size(recs);
	for (i = 0; i < ik->nrecords; i++)
		if (record_from_json(&ik->records[i], json_array_get(recs, i), i,
		    err, errlen) == -1)
			return -1;
	return 0;
}

int
oe_trigger_request_decode(struct oe_trigger_request *req, const char *msg,
    size_t len, char *err, size_t errlen)
{
	static const char *const keys[] = { "v", "type", "cookie", "name",
	    "qtype", "addrs", "addr_ttl", "ipseckey", NULL };
	json_t *root, *addrs, *ik;
	const char *s;
	int64_t i64;
	int family, n;
	size_t i;
	char e[128];

	memset(req, 0, sizeof(*req));
	root = load_message(msg, len, err, errlen);
	if (root == NULL)
		return -1;
	peek_cookie(root, &req->cookie, &req->has_cookie);
	if (check_keys(root, keys, "request", err, errlen) == -1)
		goto fail;
	s = get_string(root, "type", "request", 16, err, errlen);
	if (s == NULL)
		goto fail;
	if (strcmp(s, "trigger") != 0) {
		seterr(err, errlen, "request: type \"%.16s\" unknown", s);
		goto fail;
	}
	if (get_int(root, "cookie", "request", 0, INT64_MAX, &i64, err,
	    errlen) == -1)
		goto fail;
	req->cookie = (uint64_t)i64;
	s = get_string(root, "name", "request", OE_DNAME_STRLEN - 1, err, errlen);
	if (s == NULL)
		goto fail;
	n = oe_dname_from_text(req->name_wire, sizeof(req->name_wire), s, e,
	    sizeof(e));
	if (n == -1) {
		seterr(err, errlen, "request: name: %s", e);
		goto fail;
	}
	req->name_wire_len = (size_t)n;
	/* canonical text, so logs and re-encoding agree */
	if (oe_dname_to_text(req->name_wire, req->name_wire_len, req->name,
	    sizeof(req->name), err, errlen) == -1)
		goto fail;
	s = get_string(root, "qtype", "request", 8, err, errlen);
	if (s == NULL)
		goto fail;
	req->qtype = oe_trigger_qtype_from_name(s);
	if (req->qtype == 0) {
		seterr(err, errlen, "request: qtype \"%.8s\" is neither A nor "
		    "AAAA", s);
		goto fail;
	}
	family = req->qtype == OE_QTYPE_A ? AF_INET : AF_INET6;
	addrs = get_required(root, "addrs", "request", err, errlen);
	if (addrs == NULL)
		goto fail;
	if (!json_is_array(addrs) || json_array_size(addrs) < 1 ||
	    json_array_size(addrs) > OE_TRIGGER_ADDRS_MAX) {
		seterr(err, errlen, "request: addrs must be an array of 1..%d "
		    "addresses", OE_TRIGGER_ADDRS_MAX);
		goto fail;
	}
	req->naddrs = json_array_size(addrs);
	for (i = 0; i < req->naddrs; i++) {
		json_t *a = json_array_get(addrs, i);

		if (!json_is_string(a) ||
		    json_string_length(a) != strlen(json_string_value(a))) {
			seterr(err, errlen, "request: addrs[%zu] must be a string",
			    i);
			goto fail;
		}
		if (oe_addr_parse(&req->addrs[i], json_string_value(a), family,
		    e, sizeof(e)) == -1) {
			seterr(err, errlen, "request: addrs[%zu]: %s", i, e);
			goto fail;
		}
	}
	if (get_int(root, "addr_ttl", "request", 0, OE_TRIGGER_TTL_MAX, &i64,
	    err, errlen) == -1)
		goto fail;
	req->addr_ttl = (uint32_t)i64;
	ik = get_required(root, "ipseckey", "request", err, errlen);
	if (ik == NULL || ipseckeys_from_json(&req->ipseckey, ik, err,
	    errlen) == -1)
		goto fail;
	if (request_check(req, err, errlen) == -1)
		goto fail;
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	{
		/* keep only what lets the daemon answer */
		uint64_t cookie = req->cookie;
		bool has = req->has_cookie;

		memset(req, 0, sizeof(*req));
		req->cookie = has ? cookie : 0;
		req->has_cookie = has;
	}
	return -1;
}

int
oe_trigger_reply_decode(struct oe_trigger_reply *rep, const char *msg,
    size_t len, char *err, size_t errlen)
{
	static const char *const keys[] = { "v", "cookie", "status",
	    "sa_lifetime", "error", NULL };
	json_t *root;
	const char *s;
	int64_t i64;
	uint64_t cookie;
	bool has;

	memset(rep, 0, sizeof(*rep));
	root = load_message(msg, len, err, errlen);
	if (root == NULL)
		return -1;
	peek_cookie(root, &rep->cookie, &rep->has_cookie);
	if (check_keys(root, keys, "reply", err, errlen) == -1)
		goto fail;
	if (get_int(root, "cookie", "reply", 0, INT64_MAX, &i64, err,
	    errlen) == -1)
		goto fail;
	rep->cookie = (uint64_t)i64;
	s = get_string(root, "status", "reply", 16, err, errlen);
	if (s == NULL)
		goto fail;
	if (status_from_name(s, &rep->status) == -1) {
		seterr(err, errlen, "reply: status \"%.16s\" unknown", s);
		goto fail;
	}
	if (rep->status == OE_TRIGGER_UP) {
		if (get_int(root, "sa_lifetime", "reply", 0, OE_TRIGGER_TTL_MAX,
		    &i64, err, errlen) == -1)
			goto fail;
		rep->sa_lifetime = (uint32_t)i64;
	} else if (json_object_get(root, "sa_lifetime") != NULL) {
		seterr(err, errlen, "reply: sa_lifetime goes only with status "
		    "\"up\"");
		goto fail;
	}
	if (rep->status == OE_TRIGGER_ERROR) {
		s = get_string(root, "error", "reply", OE_TRIGGER_ERROR_MAX, err,
		    errlen);
		if (s == NULL)
			goto fail;
		memcpy(rep->error, s, strlen(s) + 1);
	} else if (json_object_get(root, "error") != NULL) {
		seterr(err, errlen, "reply: error text goes only with status "
		    "\"error\"");
		goto fail;
	}
	if (reply_check(rep, err, errlen) == -1)
		goto fail;
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	cookie = rep->cookie;
	has = rep->has_cookie;
	memset(rep, 0, sizeof(*rep));
	rep->cookie = has ? cookie : 0;
	rep->has_cookie = has;
	return -1;
}
