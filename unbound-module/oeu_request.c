/*
 * Trigger request building and the (interim) JSON codec: see
 * oeu_request.h.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "oe_base64.h"
#include "oeu_request.h"

static void __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *
oeu_status_str(enum oe_trigger_status st)
{
	switch (st) {
	case OE_TRIGGER_UP:	return "up";
	case OE_TRIGGER_CLEAR:	return "clear";
	case OE_TRIGGER_FAILED:	return "failed";
	case OE_TRIGGER_BUSY:	return "busy";
	case OE_TRIGGER_ERROR:	return "error";
	}
	return "?";
}

bool
oeu_request_init(struct oe_trigger_request *req, uint64_t cookie,
    const uint8_t *name, size_t name_len, uint16_t qtype, uint32_t addr_ttl)
{
	int n;

	memset(req, 0, sizeof(*req));
	if (cookie > OE_TRIGGER_COOKIE_MAX || name_len > sizeof(req->name_wire) ||
	    (qtype != OE_QTYPE_A && qtype != OE_QTYPE_AAAA))
		return false;
	n = oe_dname_wire_len(name, name_len, NULL, 0);
	if (n < 0 || (size_t)n != name_len)
		return false;
	if (oe_dname_to_text(name, name_len, req->name, sizeof(req->name),
	    NULL, 0) < 0)
		return false;
	memcpy(req->name_wire, name, name_len);
	req->name_wire_len = name_len;
	req->cookie = cookie;
	req->has_cookie = true;
	req->qtype = qtype;
	req->addr_ttl = addr_ttl > OE_TRIGGER_TTL_MAX ? OE_TRIGGER_TTL_MAX :
	    addr_ttl;
	return true;
}

bool
oeu_request_add_addr(struct oe_trigger_request *req, const uint8_t *rdata,
    size_t len)
{
	int family = req->qtype == OE_QTYPE_A ? AF_INET : AF_INET6;

	if (req->naddrs >= OE_TRIGGER_ADDRS_MAX)
		return false;
	if (oe_addr_from_bytes(&req->addrs[req->naddrs], family, rdata,
	    len) != 0)
		return false;
	req->naddrs++;
	return true;
}

bool
oeu_request_add_ipseckey(struct oe_trigger_request *req,
    const uint8_t *rdata, size_t len, char *err, size_t errlen)
{
	struct oe_trigger_ipseckeys *ks = &req->ipseckey;
	struct oe_ipseckey *k;

	if (ks->nrecords >= OE_TRIGGER_RECORDS_MAX) {
		set_err(err, errlen, "more than %d IPSECKEY records",
		    OE_TRIGGER_RECORDS_MAX);
		return false;
	}
	k = &ks->records[ks->nrecords];
	if (oe_ipseckey_parse_wire(k, rdata, len, err, errlen) != 0)
		return false;
	if (!k->alg_known || k->algorithm == OE_IPSECKEY_ALG_NONE) {
		set_err(err, errlen, "IPSECKEY algorithm %u not usable",
		    k->algorithm);
		return false;
	}
	if (oe_ipseckey_key_check(k, err, errlen) != 0)
		return false;
	ks->nrecords++;
	ks->present = true;
	ks->secure = true;
	return true;
}

bool
oeu_rrsig_times(const uint8_t *rdata, size_t len, uint32_t *inception,
    uint32_t *expiration)
{
	uint32_t v;

	if (len < OEU_RRSIG_FIXED)
		return false;
	/* type(2) alg(1) labels(1) original TTL(4) expiration(4) inception(4) */
	memcpy(&v, rdata + 8, 4);
	*expiration = ntohl(v);
	memcpy(&v, rdata + 12, 4);
	*inception = ntohl(v);
	return true;
}

int64_t
oeu_serial_to_unix(uint32_t t, time_t now)
{
	/* RFC 4034 3.1.5: serial arithmetic, the nearest value to now */
	int32_t delta = (int32_t)(t - (uint32_t)(uint64_t)now);

	return (int64_t)now + delta;
}

/*
 * Interim encoder for struct oe_trigger_request (doc/trigger-protocol.md
 * form), to be replaced by oe_trigger_request_encode().
 */
static json_t *
encode_record(const struct oe_ipseckey *k)
{
	char b64[OE_BASE64_LEN(OE_IPSECKEY_KEY_MAX) + 1];
	char gw[OE_DNAME_STRLEN];
	json_t *gwv;

	if (oe_base64_encode(k->key, k->key_len, b64, sizeof(b64)) < 0)
		return NULL;
	if (k->gateway_type == OE_IPSECKEY_GW_NONE)
		gwv = json_null();
	else if (oe_ipseckey_gateway_to_text(k, gw, sizeof(gw), NULL, 0) < 0)
		return NULL;
	else
		gwv = json_string(gw);
	return json_pack("{s:i,s:i,s:o,s:i,s:s}",
	    "precedence", (int)k->precedence,
	    "gateway_type", (int)k->gateway_type,
	    "gateway", gwv,
	    "algorithm", (int)k->algorithm,
	    "key", b64);
}

static json_t *
encode_ipseckey(const struct oe_trigger_ipseckeys *ks)
{
	json_t *recs;

	if (!ks->present)
		return json_null();
	recs = json_array();
	for (size_t i = 0; recs != NULL && i < ks->nrecords; i++) {
		if (json_array_append_new(recs,
		    encode_record(&ks->records[i])) != 0) {
			json_decref(recs);
			return NULL;
		}
	}
	return json_pack("{s:b,s:I,s:I,s:I,s:o}",
	    "secure", ks->secure,
	    "ttl", (json_int_t)ks->ttl,
	    "rrsig_inception", (json_int_t)ks->rrsig_inception,
	    "rrsig_expiration", (json_int_t)ks->rrsig_expiration,
	    "records", recs);
}

static json_t *
encode_addrs(const struct oe_trigger_request *req)
{
	json_t *a = json_array();
	char txt[OE_ADDR_STRLEN];

	for (size_t i = 0; a != NULL && i < req->naddrs; i++) {
		if (oe_addr_format(&req->addrs[i], txt, sizeof(txt)) == NULL ||
		    json_array_append_new(a, json_string(txt)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

ssize_t
oeu_request_encode(const struct oe_trigger_request *req, char *buf,
    size_t cap, char *err, size_t errlen)
{
	const struct oe_trigger_ipseckeys *ks = &req->ipseckey;
	json_t *root = NULL;
	char *text = NULL;
	size_t n;
	ssize_t ret = -1;

	if (req->naddrs == 0 || req->naddrs > OE_TRIGGER_ADDRS_MAX) {
		set_err(err, errlen, "request needs 1..%d addresses",
		    OE_TRIGGER_ADDRS_MAX);
		return -1;
	}
	if (req->cookie > OE_TRIGGER_COOKIE_MAX) {
		set_err(err, errlen, "cookie above 2^63-1");
		return -1;
	}
	if (ks->present && (ks->nrecords == 0 ||
	    ks->nrecords > OE_TRIGGER_RECORDS_MAX ||
	    ks->rrsig_expiration <= ks->rrsig_inception)) {
		set_err(err, errlen, "IPSECKEY set needs 1..%d records and "
		    "expiration after inception", OE_TRIGGER_RECORDS_MAX);
		return -1;
	}
	/* "o" steals the references, also when json_pack fails */
	root = json_pack("{s:i,s:s,s:I,s:s,s:s,s:o,s:I,s:o}",
	    "v", OE_TRIGGER_VERSION,
	    "type", "trigger",
	    "cookie", (json_int_t)req->cookie,
	    "name", req->name,
	    "qtype", req->qtype == OE_QTYPE_AAAA ? "AAAA" : "A",
	    "addrs", encode_addrs(req),
	    "addr_ttl", (json_int_t)req->addr_ttl,
	    "ipseckey", encode_ipseckey(ks));
	if (root == NULL) {
		set_err(err, errlen, "cannot build request (out of memory?)");
		goto out;
	}
	text = json_dumps(root, JSON_COMPACT);
	if (text == NULL) {
		set_err(err, errlen, "cannot serialise request");
		goto out;
	}
	n = strlen(text);
	if (n > OE_TRIGGER_MSG_MAX || n > cap) {
		set_err(err, errlen, "request of %zu octets exceeds %zu", n,
		    cap < OE_TRIGGER_MSG_MAX ? cap : (size_t)OE_TRIGGER_MSG_MAX);
		goto out;
	}
	memcpy(buf, text, n);
	if (n < cap)
		buf[n] = '\0';
	ret = (ssize_t)n;
out:
	free(text);
	json_decref(root);
	return ret;
}

static bool
parse_status(const char *s, enum oe_trigger_status *st)
{
	static const enum oe_trigger_status all[] = {
		OE_TRIGGER_UP, OE_TRIGGER_CLEAR, OE_TRIGGER_FAILED,
		OE_TRIGGER_BUSY, OE_TRIGGER_ERROR,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(s, oeu_status_str(all[i])) == 0) {
			*st = all[i];
			return true;
		}
	}
	return false;
}

/* Interim decoder, to be replaced by oe_trigger_reply_decode(). */
int
oeu_reply_decode(struct oe_trigger_reply *rep, const char *msg, size_t len,
    char *err, size_t errlen)
{
	json_t *root, *v, *cookie, *status, *life, *etext;
	json_error_t jerr;
	int ret = -1;

	memset(rep, 0, sizeof(*rep));
	if (len > OE_TRIGGER_MSG_MAX) {
		set_err(err, errlen, "reply longer than %d octets",
		    OE_TRIGGER_MSG_MAX);
		return -1;
	}
	root = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		set_err(err, errlen, "reply is not JSON: %s", jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		set_err(err, errlen, "reply is not a JSON object");
		goto out;
	}
	cookie = json_object_get(root, "cookie");
	if (!json_is_integer(cookie) || json_integer_value(cookie) < 0) {
		set_err(err, errlen, "reply cookie missing or negative");
		goto out;
	}
	rep->cookie = (uint64_t)json_integer_value(cookie);
	rep->has_cookie = true;
	v = json_object_get(root, "v");
	if (!json_is_integer(v) || json_integer_value(v) != OE_TRIGGER_VERSION) {
		set_err(err, errlen, "reply version is not %d",
		    OE_TRIGGER_VERSION);
		goto out;
	}
	status = json_object_get(root, "status");
	if (!json_is_string(status) ||
	    !parse_status(json_string_value(status), &rep->status)) {
		set_err(err, errlen, "reply status missing or unknown");
		goto out;
	}
	if (rep->status == OE_TRIGGER_UP) {
		life = json_object_get(root, "sa_lifetime");
		if (!json_is_integer(life) || json_integer_value(life) < 0 ||
		    json_integer_value(life) > (json_int_t)OE_TRIGGER_TTL_MAX) {
			set_err(err, errlen, "reply \"up\" without a valid "
			    "sa_lifetime");
			goto out;
		}
		rep->sa_lifetime = (uint32_t)json_integer_value(life);
	}
	if (rep->status == OE_TRIGGER_ERROR) {
		etext = json_object_get(root, "error");
		if (json_is_string(etext))
			snprintf(rep->error, sizeof(rep->error), "%s",
			    json_string_value(etext));
	}
	ret = 0;
out:
	json_decref(root);
	return ret;
}
