/*
 * Trigger request building and the (interim) JSON codec: see
 * oeu_request.h.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

	struct oe_addr a;

	if (oe_addr_from_bytes(&a, family, rdata, len) != 0)
		return false;
	/* the protocol wants no repeats; an RRset has none, but be sure */
	for (size_t i = 0; i < req->naddrs; i++)
		if (oe_addr_eq(&req->addrs[i], &a))
			return true;
	if (req->naddrs >= OE_TRIGGER_ADDRS_MAX)
		return false;
	req->addrs[req->naddrs++] = a;
	return true;
}

/*
 * Lower precedence is tried first (RFC 4025 2.2).  Records are kept in
 * that order, so when the message overflows the worst ones go first.
 */
static void
insert_by_precedence(struct oe_trigger_ipseckeys *ks)
{
	size_t i = ks->nrecords;	/* the new record sits at [i] */
	struct oe_ipseckey tmp;

	while (i > 0 && ks->records[i - 1].precedence >
	    ks->records[i].precedence) {
		tmp = ks->records[i - 1];
		ks->records[i - 1] = ks->records[i];
		ks->records[i] = tmp;
		i--;
	}
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
	insert_by_precedence(ks);
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

ssize_t
oeu_request_encode(struct oe_trigger_request *req, char *buf, size_t cap,
    char *err, size_t errlen)
{
	ssize_t n;

	for (;;) {
		n = oe_trigger_request_encode(req, buf, cap, err, errlen);
		if (n >= 0 || !req->ipseckey.present ||
		    req->ipseckey.nrecords <= 1)
			return n;
		/* too long (8 large keys do not fit 16 KiB): drop the
		 * record with the worst precedence and try again */
		req->ipseckey.nrecords--;
	}
}

int
oeu_reply_decode(struct oe_trigger_reply *rep, const char *msg, size_t len,
    char *err, size_t errlen)
{
	return oe_trigger_reply_decode(rep, msg, len, err, errlen);
}
