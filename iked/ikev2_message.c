/*
 * IKEv2 message codec: header, payload chain, SK/SKF envelope,
 * per-exchange legality, fragmentation and reassembly.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ikev2_message.h"

#define FAIL(err, code, pl, ...) \
	(ikev2_error_set((err), (code), (pl), __VA_ARGS__), (code))

static const char *
exch_name(uint8_t exchange)
{
	const char *n = ikev2_name(IKEV2_REG_EXCHANGE, exchange);

	return n != NULL ? n : "unknown exchange";
}

static const char *
pl_name(uint8_t type)
{
	const char *n = ikev2_name(IKEV2_REG_PAYLOAD, type);

	return n != NULL ? n : "unknown payload";
}

static const char *
dir_name(const struct ikev2_header *h)
{
	return (h->flags & IKEV2_FLAG_RESPONSE) ? "response" : "request";
}

/* ---- header --------------------------------------------------------- */

static bool
exchange_supported(uint8_t x)
{
	return x >= IKEV2_EXCH_IKE_SA_INIT && x <= IKEV2_EXCH_INFORMATIONAL;
}

enum ikev2_err
ikev2_header_parse(const uint8_t *dgram, size_t len, struct ikev2_header *h,
    struct ikev2_error *err)
{
	struct ikev2_rd r;

	memset(h, 0, sizeof(*h));
	if (len < IKEV2_HEADER_LEN)
		return FAIL(err, IKEV2_ERR_TRUNCATED, 0,
		    "datagram of %zu bytes shorter than IKE header", len);
	if (len > IKEV2_MAX_MESSAGE)
		return FAIL(err, IKEV2_ERR_LIMIT, 0,
		    "datagram of %zu bytes above %d", len, IKEV2_MAX_MESSAGE);
	ikev2_rd_init(&r, dgram, len);
	(void)ikev2_rd_u64(&r, &h->ispi);
	(void)ikev2_rd_u64(&r, &h->rspi);
	(void)ikev2_rd_u8(&r, &h->next);
	(void)ikev2_rd_u8(&r, &h->version);
	(void)ikev2_rd_u8(&r, &h->exchange);
	(void)ikev2_rd_u8(&r, &h->flags);
	(void)ikev2_rd_u32(&r, &h->msgid);
	(void)ikev2_rd_u32(&r, &h->length);
	/* the minor version is ignored on receipt (RFC 7296 3.1) */
	if (IKEV2_VERSION_MAJOR(h->version) != 2)
		return FAIL(err, IKEV2_ERR_VERSION, 0,
		    "IKE major version %u", IKEV2_VERSION_MAJOR(h->version));
	if (h->length != len)
		return FAIL(err, IKEV2_ERR_LENGTH, 0,
		    "IKE length %u but datagram %zu bytes", h->length, len);
	if (h->ispi == 0)
		return FAIL(err, IKEV2_ERR_SYNTAX, 0, "initiator SPI is zero");
	if (!exchange_supported(h->exchange))
		return FAIL(err, IKEV2_ERR_UNSUPPORTED, 0,
		    "exchange type %u not supported", h->exchange);
	if (h->exchange == IKEV2_EXCH_IKE_SA_INIT) {
		if (h->msgid != 0)
			return FAIL(err, IKEV2_ERR_SYNTAX, 0,
			    "IKE_SA_INIT with message ID %u", h->msgid);
		if (!(h->flags & IKEV2_FLAG_RESPONSE) && h->rspi != 0)
			return FAIL(err, IKEV2_ERR_SYNTAX, 0,
			    "IKE_SA_INIT request with responder SPI");
	} else if (h->rspi == 0) {
		return FAIL(err, IKEV2_ERR_SYNTAX, 0,
		    "%s with zero responder SPI", exch_name(h->exchange));
	}
	return IKEV2_OK;
}

/* ---- payload chain -------------------------------------------------- */

static enum ikev2_err legal_early(const struct ikev2_message *m, uint8_t type,
    struct ikev2_error *err);

/*
 * Parse a chain starting with `type` from r into m->payloads.  In the
 * outer chain SK/SKF ends the chain (its next field names the first
 * inner payload) and must reach the end of the datagram.
 */
static enum ikev2_err
chain_parse(struct ikev2_message *m, struct ikev2_rd *r, uint8_t type,
    bool inner, struct ikev2_error *err)
{
	struct ikev2_payload *p;
	enum ikev2_err rc;
	uint8_t next;

	while (type != IKEV2_PL_NONE) {
		if (m->npayloads == IKEV2_MAX_PAYLOADS)
			return FAIL(err, IKEV2_ERR_LIMIT, type,
			    "more than %d payloads", IKEV2_MAX_PAYLOADS);
		/* refuse before decoding (and allocating) what cannot stay */
		if ((rc = legal_early(m, type, err)) != IKEV2_OK)
			return rc;
		p = &m->payloads[m->npayloads];
		rc = ikev2_payload_parse(r, type, p, &next, err);
		if (rc != IKEV2_OK)
			return rc;
		p->inner = inner;
		if (!ikev2_payload_known(type)) {
			if (p->critical) {
				ikev2_payload_clear(p);
				return FAIL(err,
				    IKEV2_ERR_UNSUPPORTED_CRITICAL, type,
				    "unsupported critical payload type %u",
				    type);
			}
			/* RFC 7296 2.5: skip unknown non-critical payloads */
			ikev2_payload_clear(p);
			type = next;
			continue;
		}
		m->npayloads++;
		if (type == IKEV2_PL_SK || type == IKEV2_PL_SKF) {
			if (inner)
				return FAIL(err, IKEV2_ERR_ILLEGAL, type,
				    "%s inside encrypted payload",
				    pl_name(type));
			if (ikev2_rd_left(r) != 0)
				return FAIL(err, IKEV2_ERR_SYNTAX, type,
				    "%s is not the last payload",
				    pl_name(type));
			p->u.sk.first = next;
			/* AAD: everything before the encrypted body */
			p->u.sk.aad.ptr = r->buf;
			p->u.sk.aad.len = r->len - p->u.sk.body.len;
			m->sk = p;
			return IKEV2_OK;
		}
		type = next;
	}
	if (ikev2_rd_left(r) != 0)
		return FAIL(err, IKEV2_ERR_LENGTH, 0,
		    "%zu bytes after the last payload", ikev2_rd_left(r));
	return IKEV2_OK;
}

enum ikev2_err
ikev2_message_parse(const uint8_t *dgram, size_t len,
    struct ikev2_message **out, struct ikev2_error *err)
{
	struct ikev2_message *m = NULL;
	struct ikev2_rd r;
	enum ikev2_err rc;

	*out = NULL;
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		rc = FAIL(err, IKEV2_ERR_NOMEM, 0, "no memory for message");
		goto out;
	}
	if ((rc = ikev2_header_parse(dgram, len, &m->hdr, err)) != IKEV2_OK)
		goto out;
	if ((m->raw = malloc(len)) == NULL) {
		rc = FAIL(err, IKEV2_ERR_NOMEM, 0, "no memory for message");
		goto out;
	}
	memcpy(m->raw, dgram, len);
	m->raw_len = len;
	ikev2_rd_init(&r, m->raw, m->raw_len);
	(void)ikev2_rd_skip(&r, IKEV2_HEADER_LEN);
	if ((rc = chain_parse(m, &r, m->hdr.next, false, err)) != IKEV2_OK)
		goto out;
	rc = ikev2_message_check(m, m->sk == NULL, err);
out:
	if (rc != IKEV2_OK) {
		ikev2_message_free(m);
		m = NULL;
	}
	*out = m;
	return rc;
}

enum ikev2_err
ikev2_parse_inner(struct ikev2_message *m, uint8_t first,
    const uint8_t *plain, size_t len, struct ikev2_error *err)
{
	struct ikev2_rd r;
	enum ikev2_err rc;
	size_t i, nouter = m->npayloads;

	if (m->sk == NULL || m->decrypted || m->inner != NULL)
		return FAIL(err, IKEV2_ERR_ARG, 0,
		    "no encrypted payload to decode, or decoded already");
	if (len > IKEV2_MAX_MESSAGE)
		return FAIL(err, IKEV2_ERR_LIMIT, 0,
		    "decrypted payloads of %zu bytes", len);
	if (len > 0) {
		if ((m->inner = malloc(len)) == NULL)
			return FAIL(err, IKEV2_ERR_NOMEM, 0, "no memory");
		memcpy(m->inner, plain, len);
	}
	m->inner_len = len;
	ikev2_rd_init(&r, m->inner, m->inner_len);
	rc = chain_parse(m, &r, first, true, err);
	if (rc == IKEV2_OK)
		rc = ikev2_message_check(m, true, err);
	if (rc != IKEV2_OK) {
		/* back to the state before the call */
		for (i = nouter; i < m->npayloads; i++)
			ikev2_payload_clear(&m->payloads[i]);
		m->npayloads = nouter;
		free(m->inner);
		m->inner = NULL;
		m->inner_len = 0;
		return rc;
	}
	m->decrypted = true;
	return IKEV2_OK;
}

void
ikev2_message_free(struct ikev2_message *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->npayloads; i++)
		ikev2_payload_clear(&m->payloads[i]);
	free(m->raw);
	if (m->inner != NULL) {
		/* decrypted bytes: do not leave them in the heap */
		memset(m->inner, 0, m->inner_len);
		free(m->inner);
	}
	free(m);
}

bool
ikev2_message_is_response(const struct ikev2_message *m)
{
	return (m->hdr.flags & IKEV2_FLAG_RESPONSE) != 0;
}

const struct ikev2_payload *
ikev2_message_find(const struct ikev2_message *m, uint8_t type,
    const struct ikev2_payload *prev)
{
	size_t i = 0;

	if (prev != NULL) {
		for (i = 0; i < m->npayloads; i++)
			if (&m->payloads[i] == prev)
				break;
		i++;
	}
	for (; i < m->npayloads; i++)
		if (m->payloads[i].type == type)
			return &m->payloads[i];
	return NULL;
}

const struct ikev2_payload *
ikev2_message_find_notify(const struct ikev2_message *m, uint16_t ntype)
{
	const struct ikev2_payload *p = NULL;

	while ((p = ikev2_message_find(m, IKEV2_PL_NOTIFY, p)) != NULL)
		if (p->u.notify.type == ntype)
			return p;
	return NULL;
}

/* ---- summary -------------------------------------------------------- */

/* Append to buf at *off; on overflow mark the end with "..." once. */
static void
sum_add(char *buf, size_t cap, size_t *off, const char *s)
{
	size_t n = strlen(s);

	if (*off >= cap)
		return;
	if (n < cap - *off) {
		memcpy(buf + *off, s, n + 1);
		*off += n;
		return;
	}
	/* does not fit: end with "..." where room allows */
	if (cap >= 4) {
		memcpy(buf + cap - 4, "...", 4);
	} else {
		buf[cap - 1] = '\0';
	}
	*off = cap;
}

static void
sum_payload(char *buf, size_t cap, size_t *off, const struct ikev2_payload *p)
{
	struct ikev2_namebuf nb;
	char tmp[64];

	if (p->type == IKEV2_PL_NOTIFY) {
		snprintf(tmp, sizeof(tmp), " N(%.40s)",
		    ikev2_name_or_number(IKEV2_REG_NOTIFY, p->u.notify.type,
		    &nb));
	} else if (p->type == IKEV2_PL_SKF) {
		snprintf(tmp, sizeof(tmp), " SKF(%u/%u)", p->u.sk.frag_num,
		    p->u.sk.frag_total);
	} else {
		snprintf(tmp, sizeof(tmp), " %.40s",
		    ikev2_name_or_number(IKEV2_REG_PAYLOAD, p->type, &nb));
	}
	sum_add(buf, cap, off, tmp);
}

const char *
ikev2_message_summary(const struct ikev2_message *m, char *buf, size_t cap)
{
	char tmp[80];
	size_t off = 0, i;
	bool open_sk = false;

	if (buf == NULL || cap == 0)
		return buf;
	buf[0] = '\0';
	snprintf(tmp, sizeof(tmp), "%s %s #%u [", exch_name(m->hdr.exchange),
	    dir_name(&m->hdr), m->hdr.msgid);
	sum_add(buf, cap, &off, tmp);
	for (i = 0; i < m->npayloads; i++) {
		if (m->payloads[i].inner && !open_sk) {
			sum_add(buf, cap, &off, "{");
			open_sk = true;
		}
		sum_payload(buf, cap, &off, &m->payloads[i]);
	}
	if (open_sk)
		sum_add(buf, cap, &off, " }");
	sum_add(buf, cap, &off, " ]");
	return buf;
}

/* ---- legality ------------------------------------------------------- */

enum where { OUT, IN };
#define MANY	255

struct legal_rule {
	uint8_t	exchange;
	bool	response;
	uint8_t	type;
	uint8_t	where;
	uint8_t	min;
	uint8_t	max;
};

/*
 * RFC 7296 1.2 (IKE_SA_INIT, IKE_AUTH), 1.3 (CREATE_CHILD_SA), 1.4
 * (INFORMATIONAL); RFC 7383 for SKF.  SA/TSi/TSr of IKE_AUTH are
 * optional for childless IKE SAs (RFC 6023).  EAP is not supported.
 */
static const struct legal_rule legal_rules[] = {
	/* IKE_SA_INIT request: HDR, SA, KE, Ni, [N+], [V+] */
	{ IKEV2_EXCH_IKE_SA_INIT, false, IKEV2_PL_SA,      OUT, 1, 1 },
	{ IKEV2_EXCH_IKE_SA_INIT, false, IKEV2_PL_KE,      OUT, 1, 1 },
	{ IKEV2_EXCH_IKE_SA_INIT, false, IKEV2_PL_NONCE,   OUT, 1, 1 },
	{ IKEV2_EXCH_IKE_SA_INIT, false, IKEV2_PL_NOTIFY,  OUT, 0, MANY },
	{ IKEV2_EXCH_IKE_SA_INIT, false, IKEV2_PL_VENDOR,  OUT, 0, MANY },
	/* IKE_SA_INIT response: HDR, SA, KE, Nr, [CERTREQ], [N+], [V+] */
	{ IKEV2_EXCH_IKE_SA_INIT, true,  IKEV2_PL_SA,      OUT, 1, 1 },
	{ IKEV2_EXCH_IKE_SA_INIT, true,  IKEV2_PL_KE,      OUT, 1, 1 },
	{ IKEV2_EXCH_IKE_SA_INIT, true,  IKEV2_PL_NONCE,   OUT, 1, 1 },
	{ IKEV2_EXCH_IKE_SA_INIT, true,  IKEV2_PL_CERTREQ, OUT, 0, MANY },
	{ IKEV2_EXCH_IKE_SA_INIT, true,  IKEV2_PL_NOTIFY,  OUT, 0, MANY },
	{ IKEV2_EXCH_IKE_SA_INIT, true,  IKEV2_PL_VENDOR,  OUT, 0, MANY },
	/* IKE_AUTH request: SK {IDi, [CERT+], [CERTREQ+], [IDr], AUTH,
	 * [CP], SA, TSi, TSr, [N+], [V+]} */
	{ IKEV2_EXCH_IKE_AUTH, false, IKEV2_PL_IDI,     IN, 1, 1 },
	{ IKEV2_EXCH_IKE_AUTH, false, IKEV2_PL_CERT,    IN, 0, MANY },
	{ IKEV2_EXCH_IKE_AUTH, false, IKEV2_PL_CERTREQ, IN, 0, MANY },
	{ IKEV2_EXCH_IKE_AUTH, false, IKEV2_PL_IDR,     IN, 0, 1 },
	{ IKEV2_EXCH_IKE_AUTH, false, IKEV2_PL_AUTH,    IN, 1, 1 },
	{ IKEV2_EXCH_IKE_AUTH, false, IKEV2_PL_CP,      IN, 0, 1 },
	{ IKEV2_EXCH_IKE_AUTH, false, IKEV2_PL_SA,      IN, 0, 1 },
	{ IKEV2_EXCH_IKE_AUTH, false, IKEV2_PL_TSI,     IN, 0, 1 },
	{ IKEV2_EXCH_IKE_AUTH, false, IKEV2_PL_TSR,     IN, 0, 1 },
	{ IKEV2_EXCH_IKE_AUTH, false, IKEV2_PL_NOTIFY,  IN, 0, MANY },
	{ IKEV2_EXCH_IKE_AUTH, false, IKEV2_PL_VENDOR,  IN, 0, MANY },
	/* IKE_AUTH response: SK {IDr, [CERT+], AUTH, [CP], SA, TSi, TSr,
	 * [N+], [V+]} */
	{ IKEV2_EXCH_IKE_AUTH, true,  IKEV2_PL_IDR,     IN, 1, 1 },
	{ IKEV2_EXCH_IKE_AUTH, true,  IKEV2_PL_CERT,    IN, 0, MANY },
	{ IKEV2_EXCH_IKE_AUTH, true,  IKEV2_PL_AUTH,    IN, 1, 1 },
	{ IKEV2_EXCH_IKE_AUTH, true,  IKEV2_PL_CP,      IN, 0, 1 },
	{ IKEV2_EXCH_IKE_AUTH, true,  IKEV2_PL_SA,      IN, 0, 1 },
	{ IKEV2_EXCH_IKE_AUTH, true,  IKEV2_PL_TSI,     IN, 0, 1 },
	{ IKEV2_EXCH_IKE_AUTH, true,  IKEV2_PL_TSR,     IN, 0, 1 },
	{ IKEV2_EXCH_IKE_AUTH, true,  IKEV2_PL_NOTIFY,  IN, 0, MANY },
	{ IKEV2_EXCH_IKE_AUTH, true,  IKEV2_PL_VENDOR,  IN, 0, MANY },
	/* CREATE_CHILD_SA request: SK {[N], SA, Ni, [KEi], [TSi, TSr]} */
	{ IKEV2_EXCH_CREATE_CHILD_SA, false, IKEV2_PL_SA,     IN, 1, 1 },
	{ IKEV2_EXCH_CREATE_CHILD_SA, false, IKEV2_PL_NONCE,  IN, 1, 1 },
	{ IKEV2_EXCH_CREATE_CHILD_SA, false, IKEV2_PL_KE,     IN, 0, 1 },
	{ IKEV2_EXCH_CREATE_CHILD_SA, false, IKEV2_PL_TSI,    IN, 0, 1 },
	{ IKEV2_EXCH_CREATE_CHILD_SA, false, IKEV2_PL_TSR,    IN, 0, 1 },
	{ IKEV2_EXCH_CREATE_CHILD_SA, false, IKEV2_PL_NOTIFY, IN, 0, MANY },
	{ IKEV2_EXCH_CREATE_CHILD_SA, false, IKEV2_PL_VENDOR, IN, 0, MANY },
	/* CREATE_CHILD_SA response: SK {SA, Nr, [KEr], [TSi, TSr]} */
	{ IKEV2_EXCH_CREATE_CHILD_SA, true,  IKEV2_PL_SA,     IN, 1, 1 },
	{ IKEV2_EXCH_CREATE_CHILD_SA, true,  IKEV2_PL_NONCE,  IN, 1, 1 },
	{ IKEV2_EXCH_CREATE_CHILD_SA, true,  IKEV2_PL_KE,     IN, 0, 1 },
	{ IKEV2_EXCH_CREATE_CHILD_SA, true,  IKEV2_PL_TSI,    IN, 0, 1 },
	{ IKEV2_EXCH_CREATE_CHILD_SA, true,  IKEV2_PL_TSR,    IN, 0, 1 },
	{ IKEV2_EXCH_CREATE_CHILD_SA, true,  IKEV2_PL_NOTIFY, IN, 0, MANY },
	{ IKEV2_EXCH_CREATE_CHILD_SA, true,  IKEV2_PL_VENDOR, IN, 0, MANY },
	/* INFORMATIONAL: SK {[N,] [D,] [CP,] ...}, either direction */
	{ IKEV2_EXCH_INFORMATIONAL, false, IKEV2_PL_NOTIFY, IN, 0, MANY },
	{ IKEV2_EXCH_INFORMATIONAL, false, IKEV2_PL_DELETE, IN, 0, MANY },
	{ IKEV2_EXCH_INFORMATIONAL, false, IKEV2_PL_CP,     IN, 0, 1 },
	{ IKEV2_EXCH_INFORMATIONAL, false, IKEV2_PL_VENDOR, IN, 0, MANY },
	{ IKEV2_EXCH_INFORMATIONAL, true,  IKEV2_PL_NOTIFY, IN, 0, MANY },
	{ IKEV2_EXCH_INFORMATIONAL, true,  IKEV2_PL_DELETE, IN, 0, MANY },
	{ IKEV2_EXCH_INFORMATIONAL, true,  IKEV2_PL_CP,     IN, 0, 1 },
	{ IKEV2_EXCH_INFORMATIONAL, true,  IKEV2_PL_VENDOR, IN, 0, MANY },
};

static const struct legal_rule *
legal_find(uint8_t exchange, bool response, uint8_t type)
{
	size_t i;

	for (i = 0; i < sizeof(legal_rules) / sizeof(legal_rules[0]); i++)
		if (legal_rules[i].exchange == exchange &&
		    legal_rules[i].response == response &&
		    legal_rules[i].type == type)
			return &legal_rules[i];
	return NULL;
}

static size_t
count_type(const struct ikev2_message *m, uint8_t type)
{
	size_t i, n = 0;

	for (i = 0; i < m->npayloads; i++)
		n += m->payloads[i].type == type;
	return n;
}

/*
 * While the chain is read: a known payload that this exchange never
 * carries, or one more than it may carry, fails at once, so hostile
 * input cannot make the decoder build (say) 64 SA payloads first.
 * Same reasons as ikev2_message_check() gives.
 */
static enum ikev2_err
legal_early(const struct ikev2_message *m, uint8_t type,
    struct ikev2_error *err)
{
	const struct legal_rule *rule;
	bool resp = ikev2_message_is_response(m);
	const char *x = exch_name(m->hdr.exchange);
	size_t n;

	if (!ikev2_payload_known(type) || type == IKEV2_PL_SK ||
	    type == IKEV2_PL_SKF)
		return IKEV2_OK;
	if ((rule = legal_find(m->hdr.exchange, resp, type)) == NULL)
		return FAIL(err, IKEV2_ERR_ILLEGAL, type,
		    "%s %s: %s not allowed", x, dir_name(&m->hdr),
		    pl_name(type));
	n = count_type(m, type) + 1;
	if (rule->max != MANY && n > rule->max)
		return FAIL(err, IKEV2_ERR_ILLEGAL, type,
		    "%s %s: %zu %s payloads (max %u)", x, dir_name(&m->hdr),
		    n, pl_name(type), rule->max);
	return IKEV2_OK;
}

/*
 * An answer that reports an error (or, for IKE_SA_INIT, asks for a
 * cookie) legitimately lacks the exchange's required payloads.
 */
static bool
reports_error(const struct ikev2_message *m)
{
	const struct ikev2_payload *p = NULL;

	if (!ikev2_message_is_response(m))
		return false;
	while ((p = ikev2_message_find(m, IKEV2_PL_NOTIFY, p)) != NULL) {
		if (ikev2_notify_is_error(&p->u.notify))
			return true;
		if (m->hdr.exchange == IKEV2_EXCH_IKE_SA_INIT &&
		    p->u.notify.type == IKEV2_N_COOKIE)
			return true;
	}
	return false;
}

static enum ikev2_err
check_placement(const struct ikev2_message *m, const char *x, bool resp,
    struct ikev2_error *err)
{
	const struct legal_rule *rule;
	const struct ikev2_payload *p;
	bool sk_exchange = m->hdr.exchange != IKEV2_EXCH_IKE_SA_INIT;
	size_t i;

	for (i = 0; i < m->npayloads; i++) {
		p = &m->payloads[i];
		if (p->type == IKEV2_PL_SK || p->type == IKEV2_PL_SKF) {
			if (!sk_exchange)
				return FAIL(err, IKEV2_ERR_ILLEGAL, p->type,
				    "%s %s: %s not allowed", x,
				    dir_name(&m->hdr), pl_name(p->type));
			continue;
		}
		rule = legal_find(m->hdr.exchange, resp, p->type);
		if (rule == NULL)
			return FAIL(err, IKEV2_ERR_ILLEGAL, p->type,
			    "%s %s: %s not allowed", x, dir_name(&m->hdr),
			    pl_name(p->type));
		if (rule->where == IN && !p->inner)
			return FAIL(err, IKEV2_ERR_ILLEGAL, p->type,
			    "%s %s: %s outside SK", x, dir_name(&m->hdr),
			    pl_name(p->type));
		if (rule->where == OUT && p->inner)
			return FAIL(err, IKEV2_ERR_ILLEGAL, p->type,
			    "%s %s: %s inside SK", x, dir_name(&m->hdr),
			    pl_name(p->type));
	}
	if (sk_exchange && m->sk == NULL)
		return FAIL(err, IKEV2_ERR_ILLEGAL, IKEV2_PL_SK,
		    "%s %s: no SK payload", x, dir_name(&m->hdr));
	return IKEV2_OK;
}

enum ikev2_err
ikev2_message_check(const struct ikev2_message *m, bool complete,
    struct ikev2_error *err)
{
	const struct legal_rule *rule;
	const char *x = exch_name(m->hdr.exchange);
	bool resp = ikev2_message_is_response(m), relaxed;
	size_t i, n;
	enum ikev2_err rc;

	if ((rc = check_placement(m, x, resp, err)) != IKEV2_OK)
		return rc;
	relaxed = !complete || reports_error(m);
	/* too many of a kind first: that is wrong whatever else is missing */
	for (i = 0; i < sizeof(legal_rules) / sizeof(legal_rules[0]); i++) {
		rule = &legal_rules[i];
		if (rule->exchange != m->hdr.exchange || rule->response != resp)
			continue;
		n = count_type(m, rule->type);
		if (rule->max != MANY && n > rule->max)
			return FAIL(err, IKEV2_ERR_ILLEGAL, rule->type,
			    "%s %s: %zu %s payloads (max %u)", x,
			    dir_name(&m->hdr), n, pl_name(rule->type),
			    rule->max);
	}
	for (i = 0; !relaxed &&
	    i < sizeof(legal_rules) / sizeof(legal_rules[0]); i++) {
		rule = &legal_rules[i];
		if (rule->exchange != m->hdr.exchange || rule->response != resp)
			continue;
		if (count_type(m, rule->type) < rule->min)
			return FAIL(err, IKEV2_ERR_ILLEGAL, rule->type,
			    "%s %s: %s missing", x, dir_name(&m->hdr),
			    pl_name(rule->type));
	}
	if (!complete)
		return IKEV2_OK;
	/* traffic selectors come in pairs, and with an SA to apply to */
	if (count_type(m, IKEV2_PL_TSI) != count_type(m, IKEV2_PL_TSR))
		return FAIL(err, IKEV2_ERR_ILLEGAL, IKEV2_PL_TSI,
		    "%s %s: TSi and TSr not paired", x, dir_name(&m->hdr));
	if (m->hdr.exchange == IKEV2_EXCH_IKE_AUTH && !relaxed &&
	    count_type(m, IKEV2_PL_SA) != count_type(m, IKEV2_PL_TSI))
		return FAIL(err, IKEV2_ERR_ILLEGAL, IKEV2_PL_SA,
		    "%s %s: SA without TSi/TSr or TSi/TSr without SA", x,
		    dir_name(&m->hdr));
	return IKEV2_OK;
}

/* ---- SK envelope ---------------------------------------------------- */

enum ikev2_err
ikev2_sk_unpad(const uint8_t *text, size_t len, size_t *inner_len,
    struct ikev2_error *err)
{
	size_t pad;

	if (len == 0)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_SK,
		    "SK: decrypted text empty, no Pad Length");
	pad = text[len - 1];
	if (pad > len - 1)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_SK,
		    "SK: Pad Length %zu exceeds text of %zu bytes", pad, len);
	*inner_len = len - 1 - pad;
	return IKEV2_OK;
}

static void
header_emit(struct ikev2_wr *w, const struct ikev2_header *h, uint8_t next)
{
	ikev2_wr_u64(w, h->ispi);
	ikev2_wr_u64(w, h->rspi);
	ikev2_wr_u8(w, next);
	ikev2_wr_u8(w, IKEV2_VERSION);
	ikev2_wr_u8(w, h->exchange);
	ikev2_wr_u8(w, h->flags);
	ikev2_wr_u32(w, h->msgid);
	ikev2_wr_u32(w, 0);	/* length, patched when known */
}

static enum ikev2_err
finish_length(struct ikev2_wr *w, struct ikev2_error *err)
{
	if (w->overflow)
		return FAIL(err, IKEV2_ERR_NOSPACE, 0,
		    "message does not fit the output buffer");
	if (w->off > IKEV2_MAX_MESSAGE)
		return FAIL(err, IKEV2_ERR_LIMIT, 0,
		    "message of %zu bytes above %d", w->off,
		    IKEV2_MAX_MESSAGE);
	(void)ikev2_wr_put_u32(w, 24, (uint32_t)w->off);
	return IKEV2_OK;
}

enum ikev2_err
ikev2_message_emit(const struct ikev2_header *h,
    const struct ikev2_payload *pl, size_t n, uint8_t *buf, size_t cap,
    size_t *out_len, struct ikev2_error *err)
{
	struct ikev2_wr w;
	enum ikev2_err rc;

	if (n > IKEV2_MAX_PAYLOADS)
		return FAIL(err, IKEV2_ERR_ARG, 0, "%zu payloads", n);
	ikev2_wr_init(&w, buf, cap);
	header_emit(&w, h, n > 0 ? pl[0].type : IKEV2_PL_NONE);
	rc = ikev2_payloads_emit(&w, pl, n, IKEV2_PL_NONE, err);
	if (rc == IKEV2_OK)
		rc = finish_length(&w, err);
	if (rc == IKEV2_OK)
		*out_len = w.off;
	return rc;
}

static bool
cipher_ok(const struct ikev2_sk_cipher *c)
{
	return c != NULL && c->body_len != NULL && c->encrypt != NULL;
}

/*
 * Shared by SK and SKF: IKE header, envelope header (lengths from the
 * cipher's body_len), then the cipher writes the body behind them.
 */
struct sk_layout {
	uint8_t		 type;		/* SK or SKF */
	uint8_t		 first;
	uint16_t	 frag_num, frag_total;
	const uint8_t	*plain;
	size_t		 plain_len;
};

static enum ikev2_err
emit_encrypted(const struct ikev2_header *h, const struct sk_layout *l,
    const struct ikev2_sk_cipher *c, uint8_t *buf, size_t cap,
    size_t *out_len, struct ikev2_error *err)
{
	struct ikev2_wr w;
	size_t body_len, hdr_len, written = 0;
	enum ikev2_err rc;

	hdr_len = l->type == IKEV2_PL_SKF ? IKEV2_SKF_HEADER_LEN :
	    IKEV2_PAYLOAD_HEADER_LEN;
	body_len = c->body_len(c->arg, l->plain_len);
	if (body_len == 0 || body_len > IKEV2_MAX_MESSAGE)
		return FAIL(err, IKEV2_ERR_LIMIT, l->type,
		    "%s: cipher cannot take %zu bytes", pl_name(l->type),
		    l->plain_len);
	if (IKEV2_HEADER_LEN + hdr_len + body_len > IKEV2_MAX_MESSAGE)
		return FAIL(err, IKEV2_ERR_LIMIT, l->type,
		    "message of %zu bytes above %d",
		    IKEV2_HEADER_LEN + hdr_len + body_len, IKEV2_MAX_MESSAGE);
	ikev2_wr_init(&w, buf, cap);
	header_emit(&w, h, l->type);
	ikev2_wr_u8(&w, l->first);
	ikev2_wr_u8(&w, 0);
	ikev2_wr_u16(&w, (uint16_t)(hdr_len + body_len));
	if (l->type == IKEV2_PL_SKF) {
		ikev2_wr_u16(&w, l->frag_num);
		ikev2_wr_u16(&w, l->frag_total);
	}
	if (w.overflow || cap - w.off < body_len) {
		rc = FAIL(err, IKEV2_ERR_NOSPACE, l->type,
		    "message does not fit the output buffer");
		goto out;
	}
	(void)ikev2_wr_put_u32(&w, 24, (uint32_t)(w.off + body_len));
	if (c->encrypt(c->arg, buf, w.off, l->plain, l->plain_len,
	    buf + w.off, cap - w.off, &written) != 0 || written != body_len) {
		rc = FAIL(err, IKEV2_ERR_CRYPTO, l->type,
		    "%s: encryption failed", pl_name(l->type));
		goto out;
	}
	*out_len = w.off + body_len;
	rc = IKEV2_OK;
out:
	if (rc != IKEV2_OK && buf != NULL)
		memset(buf, 0, cap < w.off + body_len ? cap : w.off + body_len);
	return rc;
}

enum ikev2_err
ikev2_message_emit_sk(const struct ikev2_header *h,
    const struct ikev2_payload *pl, size_t n,
    const struct ikev2_sk_cipher *c, uint8_t *buf, size_t cap,
    size_t *out_len, struct ikev2_error *err)
{
	struct sk_layout l;
	uint8_t *plain = NULL;
	size_t plen = 0;
	enum ikev2_err rc;

	if (!cipher_ok(c))
		return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_SK, "SK: no cipher");
	/* the header and SK header leave this much for inner payloads */
	if ((plain = malloc(IKEV2_MAX_MESSAGE)) == NULL)
		return FAIL(err, IKEV2_ERR_NOMEM, IKEV2_PL_SK, "no memory");
	memset(&l, 0, sizeof(l));
	l.type = IKEV2_PL_SK;
	rc = ikev2_inner_emit(pl, n, plain, IKEV2_MAX_MESSAGE -
	    IKEV2_HEADER_LEN - IKEV2_PAYLOAD_HEADER_LEN, &plen, &l.first, err);
	if (rc != IKEV2_OK)
		goto out;
	l.plain = plain;
	l.plain_len = plen;
	rc = emit_encrypted(h, &l, c, buf, cap, out_len, err);
out:
	/* inner payloads before encryption: wipe */
	memset(plain, 0, plen);
	free(plain);
	return rc;
}

enum ikev2_err
ikev2_inner_emit(const struct ikev2_payload *pl, size_t n, uint8_t *buf,
    size_t cap, size_t *len, uint8_t *first, struct ikev2_error *err)
{
	struct ikev2_wr w;
	enum ikev2_err rc;

	if (n > IKEV2_MAX_PAYLOADS - 1)
		return FAIL(err, IKEV2_ERR_ARG, 0, "%zu payloads", n);
	ikev2_wr_init(&w, buf, cap);
	rc = ikev2_payloads_emit(&w, pl, n, IKEV2_PL_NONE, err);
	if (rc != IKEV2_OK)
		return rc;
	*len = w.off;
	*first = n > 0 ? pl[0].type : IKEV2_PL_NONE;
	return IKEV2_OK;
}

enum ikev2_err
ikev2_frag_plan(size_t inner_len, size_t max_datagram,
    const struct ikev2_sk_cipher *c, struct ikev2_frag_plan *plan,
    struct ikev2_error *err)
{
	size_t overhead = IKEV2_HEADER_LEN + IKEV2_SKF_HEADER_LEN;
	size_t lo, hi, mid, blen, total;

	if (!cipher_ok(c))
		return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_SKF, "SKF: no cipher");
	if (max_datagram > IKEV2_MAX_MESSAGE)
		max_datagram = IKEV2_MAX_MESSAGE;
	if (max_datagram <= overhead)
		return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_SKF,
		    "SKF: datagram size %zu below headers", max_datagram);
	/* largest chunk in [1, max) whose datagram fits: body_len grows */
	lo = 0;
	hi = max_datagram - overhead;
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		blen = c->body_len(c->arg, mid);
		if (blen != 0 && blen <= max_datagram - overhead)
			lo = mid;
		else
			hi = mid - 1;
	}
	if (lo == 0)
		return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_SKF,
		    "SKF: datagram size %zu leaves no room for data",
		    max_datagram);
	plan->chunk = lo;
	total = inner_len == 0 ? 1 : (inner_len + lo - 1) / lo;
	if (total > IKEV2_MAX_FRAGMENTS)
		return FAIL(err, IKEV2_ERR_LIMIT, IKEV2_PL_SKF,
		    "SKF: %zu bytes need %zu fragments (max %d)", inner_len,
		    total, IKEV2_MAX_FRAGMENTS);
	plan->total = (uint16_t)total;
	return IKEV2_OK;
}

enum ikev2_err
ikev2_message_emit_skf(const struct ikev2_header *h, uint8_t first,
    const struct ikev2_frag_plan *plan, uint16_t num, const uint8_t *inner,
    size_t inner_len, const struct ikev2_sk_cipher *c, uint8_t *buf,
    size_t cap, size_t *out_len, struct ikev2_error *err)
{
	static const uint8_t empty[1];
	struct sk_layout l;
	size_t off;

	if (!cipher_ok(c))
		return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_SKF, "SKF: no cipher");
	if (plan->total == 0 || plan->total > IKEV2_MAX_FRAGMENTS ||
	    num == 0 || num > plan->total || plan->chunk == 0 ||
	    ((size_t)plan->total - 1) * plan->chunk > inner_len ||
	    (size_t)plan->total * plan->chunk < inner_len)
		return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_SKF,
		    "SKF: fragment %u does not match the plan", num);
	memset(&l, 0, sizeof(l));
	l.type = IKEV2_PL_SKF;
	l.first = num == 1 ? first : IKEV2_PL_NONE;
	l.frag_num = num;
	l.frag_total = plan->total;
	off = ((size_t)num - 1) * plan->chunk;
	/* never hand the cipher a NULL pointer, even for 0 bytes */
	l.plain = inner_len > 0 ? inner + off : empty;
	l.plain_len = inner_len - off < plan->chunk ? inner_len - off :
	    plan->chunk;
	return emit_encrypted(h, &l, c, buf, cap, out_len, err);
}

/* ---- reassembly ----------------------------------------------------- */

void
ikev2_frag_init(struct ikev2_frag_reasm *f)
{
	memset(f, 0, sizeof(*f));
}

void
ikev2_frag_clear(struct ikev2_frag_reasm *f)
{
	size_t i;

	for (i = 0; i < IKEV2_MAX_FRAGMENTS; i++) {
		if (f->frag[i] != NULL) {
			memset(f->frag[i], 0, f->frag_len[i]);
			free(f->frag[i]);
		}
	}
	ikev2_frag_init(f);
}

enum ikev2_frag_status
ikev2_frag_add(struct ikev2_frag_reasm *f, uint32_t msgid,
    const struct ikev2_sk *skf, const uint8_t *plain, size_t len,
    struct ikev2_error *err)
{
	uint8_t *copy = NULL;
	size_t i;

	if (skf->frag_total == 0 || skf->frag_num == 0 ||
	    skf->frag_num > skf->frag_total) {
		ikev2_frag_clear(f);
		ikev2_error_set(err, IKEV2_ERR_SYNTAX, IKEV2_PL_SKF,
		    "SKF: fragment %u of %u", skf->frag_num, skf->frag_total);
		return IKEV2_FRAG_ERROR;
	}
	if (skf->frag_total > IKEV2_MAX_FRAGMENTS) {
		ikev2_frag_clear(f);
		ikev2_error_set(err, IKEV2_ERR_LIMIT, IKEV2_PL_SKF,
		    "SKF: %u fragments (max %d)", skf->frag_total,
		    IKEV2_MAX_FRAGMENTS);
		return IKEV2_FRAG_ERROR;
	}
	if (f->active && f->msgid == msgid && skf->frag_total < f->total)
		return IKEV2_FRAG_IGNORED;	/* stale, RFC 7383 2.6.2 */
	if (!f->active || f->msgid != msgid || skf->frag_total > f->total) {
		ikev2_frag_clear(f);
		f->active = true;
		f->msgid = msgid;
		f->total = skf->frag_total;
	}
	i = (size_t)skf->frag_num - 1;
	if (f->have & (UINT32_C(1) << i))
		return IKEV2_FRAG_IGNORED;	/* duplicate */
	/* an empty fragment is legal only as the sole one */
	if (len == 0 && f->total != 1) {
		ikev2_frag_clear(f);
		ikev2_error_set(err, IKEV2_ERR_LENGTH, IKEV2_PL_SKF,
		    "SKF: empty fragment %u of %u", skf->frag_num,
		    skf->frag_total);
		return IKEV2_FRAG_ERROR;
	}
	if (len > IKEV2_MAX_MESSAGE - f->bytes) {
		ikev2_frag_clear(f);
		ikev2_error_set(err, IKEV2_ERR_LIMIT, IKEV2_PL_SKF,
		    "SKF: reassembled message above %d bytes",
		    IKEV2_MAX_MESSAGE);
		return IKEV2_FRAG_ERROR;
	}
	if (len > 0) {
		if ((copy = malloc(len)) == NULL) {
			ikev2_frag_clear(f);
			ikev2_error_set(err, IKEV2_ERR_NOMEM, IKEV2_PL_SKF, "no memory");
			return IKEV2_FRAG_ERROR;
		}
		memcpy(copy, plain, len);
	}
	f->frag[i] = copy;
	f->frag_len[i] = len;
	f->bytes += len;
	if (skf->frag_num == 1)
		f->first = skf->first;
	f->have |= UINT32_C(1) << i;
	f->received++;
	return f->received == f->total ? IKEV2_FRAG_DONE : IKEV2_FRAG_MORE;
}

enum ikev2_err
ikev2_frag_take(struct ikev2_frag_reasm *f, uint8_t **inner, size_t *len,
    uint8_t *first, struct ikev2_error *err)
{
	uint8_t *out = NULL;
	size_t i, off = 0;

	if (!f->active || f->received != f->total)
		return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_SKF,
		    "SKF: reassembly not complete (%u of %u)", f->received,
		    f->total);
	if (f->bytes > 0 && (out = malloc(f->bytes)) == NULL)
		return FAIL(err, IKEV2_ERR_NOMEM, IKEV2_PL_SKF, "no memory");
	for (i = 0; i < f->total; i++) {
		if (f->frag_len[i] > 0)
			memcpy(out + off, f->frag[i], f->frag_len[i]);
		off += f->frag_len[i];
	}
	*inner = out;
	*len = off;
	*first = f->first;
	ikev2_frag_clear(f);
	return IKEV2_OK;
}
