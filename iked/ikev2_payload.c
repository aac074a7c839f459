/*
 * IKEv2 payload codec: bounded reader/writer, one parse and one emit
 * function per payload kind, notify helpers and the name tables.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ikev2_payload.h"

/* ---- names ---------------------------------------------------------- */

#define IKEV2_NAME_CASE(sym, num, name) case (num): return (name);
#define IKEV2_NAME_FN(fn, list)						\
static const char *							\
fn(unsigned int v)							\
{									\
	switch (v) {							\
	list(IKEV2_NAME_CASE)						\
	default:							\
		return NULL;						\
	}								\
}

IKEV2_NAME_FN(name_exchange, IKEV2_EXCHANGE_TYPES)
IKEV2_NAME_FN(name_payload, IKEV2_PAYLOAD_TYPES)
IKEV2_NAME_FN(name_notify, IKEV2_NOTIFY_TYPES)
IKEV2_NAME_FN(name_transform, IKEV2_TRANSFORM_TYPES)
IKEV2_NAME_FN(name_encr, IKEV2_ENCR_IDS)
IKEV2_NAME_FN(name_prf, IKEV2_PRF_IDS)
IKEV2_NAME_FN(name_integ, IKEV2_INTEG_IDS)
IKEV2_NAME_FN(name_dh, IKEV2_DH_IDS)
IKEV2_NAME_FN(name_esn, IKEV2_ESN_IDS)
IKEV2_NAME_FN(name_auth, IKEV2_AUTH_METHODS)
IKEV2_NAME_FN(name_id, IKEV2_ID_TYPES)
IKEV2_NAME_FN(name_ts, IKEV2_TS_TYPES)
IKEV2_NAME_FN(name_protocol, IKEV2_PROTOCOL_IDS)
IKEV2_NAME_FN(name_cert, IKEV2_CERT_ENCODINGS)
IKEV2_NAME_FN(name_cp, IKEV2_CP_TYPES)
IKEV2_NAME_FN(name_hash, IKEV2_HASH_ALGORITHMS)

const char *
ikev2_name(enum ikev2_registry reg, unsigned int v)
{
	switch (reg) {
	case IKEV2_REG_EXCHANGE:	return name_exchange(v);
	case IKEV2_REG_PAYLOAD:		return name_payload(v);
	case IKEV2_REG_NOTIFY:		return name_notify(v);
	case IKEV2_REG_TRANSFORM:	return name_transform(v);
	case IKEV2_REG_ENCR:		return name_encr(v);
	case IKEV2_REG_PRF:		return name_prf(v);
	case IKEV2_REG_INTEG:		return name_integ(v);
	case IKEV2_REG_DH:		return name_dh(v);
	case IKEV2_REG_ESN:		return name_esn(v);
	case IKEV2_REG_AUTH:		return name_auth(v);
	case IKEV2_REG_ID:		return name_id(v);
	case IKEV2_REG_TS:		return name_ts(v);
	case IKEV2_REG_PROTOCOL:	return name_protocol(v);
	case IKEV2_REG_CERT:		return name_cert(v);
	case IKEV2_REG_CP:		return name_cp(v);
	case IKEV2_REG_HASH:		return name_hash(v);
	}
	return NULL;
}

const char *
ikev2_name_or_number(enum ikev2_registry reg, unsigned int v,
    struct ikev2_namebuf *nb)
{
	const char *n = ikev2_name(reg, v);

	if (n != NULL)
		return n;
	snprintf(nb->s, sizeof(nb->s), "UNKNOWN(%u)", v);
	return nb->s;
}

const char *
ikev2_transform_id_name(unsigned int type, unsigned int id)
{
	switch (type) {
	case IKEV2_XF_ENCR:	return name_encr(id);
	case IKEV2_XF_PRF:	return name_prf(id);
	case IKEV2_XF_INTEG:	return name_integ(id);
	case IKEV2_XF_DH:	return name_dh(id);
	case IKEV2_XF_ESN:	return name_esn(id);
	default:		return NULL;
	}
}

static const char *
pl_name(uint8_t type)
{
	const char *n = name_payload(type);

	return n != NULL ? n : "unknown payload";
}

/* ---- errors --------------------------------------------------------- */

const char *
ikev2_err_str(enum ikev2_err code)
{
	switch (code) {
	case IKEV2_OK:			return "ok";
	case IKEV2_ERR_TRUNCATED:	return "truncated";
	case IKEV2_ERR_LENGTH:		return "bad length";
	case IKEV2_ERR_SYNTAX:		return "invalid syntax";
	case IKEV2_ERR_LIMIT:		return "limit exceeded";
	case IKEV2_ERR_VERSION:		return "unsupported major version";
	case IKEV2_ERR_UNSUPPORTED_CRITICAL: return "unsupported critical payload";
	case IKEV2_ERR_ILLEGAL:		return "payload not allowed here";
	case IKEV2_ERR_UNSUPPORTED:	return "unsupported";
	case IKEV2_ERR_NOSPACE:		return "no space";
	case IKEV2_ERR_ARG:		return "invalid argument";
	case IKEV2_ERR_CRYPTO:		return "encryption failed";
	case IKEV2_ERR_NOMEM:		return "out of memory";
	}
	return "unknown error";
}

uint16_t
ikev2_err_notify(enum ikev2_err code)
{
	switch (code) {
	case IKEV2_ERR_LENGTH:
	case IKEV2_ERR_SYNTAX:
	case IKEV2_ERR_LIMIT:
	case IKEV2_ERR_ILLEGAL:
	case IKEV2_ERR_UNSUPPORTED:
		return IKEV2_N_INVALID_SYNTAX;
	case IKEV2_ERR_VERSION:
		return IKEV2_N_INVALID_MAJOR_VERSION;
	case IKEV2_ERR_UNSUPPORTED_CRITICAL:
		return IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD;
	default:
		/* truncated datagrams and local failures get no answer */
		return 0;
	}
}

void
ikev2_error_set(struct ikev2_error *e, enum ikev2_err code, uint8_t payload,
    const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	e->code = code;
	e->payload = payload;
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
}

/* Shorthand: set the error and return its code. */
#define FAIL(err, code, pl, ...) \
	(ikev2_error_set((err), (code), (pl), __VA_ARGS__), (code))

/* ---- bounded reader ------------------------------------------------- */

void
ikev2_rd_init(struct ikev2_rd *r, const uint8_t *buf, size_t len)
{
	r->buf = buf;
	r->len = buf != NULL ? len : 0;
	r->off = 0;
}

size_t
ikev2_rd_left(const struct ikev2_rd *r)
{
	return r->len - r->off;
}

bool
ikev2_rd_copy(struct ikev2_rd *r, void *dst, size_t n)
{
	if (ikev2_rd_left(r) < n)
		return false;
	if (n > 0)
		memcpy(dst, r->buf + r->off, n);
	r->off += n;
	return true;
}

bool
ikev2_rd_u8(struct ikev2_rd *r, uint8_t *v)
{
	return ikev2_rd_copy(r, v, 1);
}

bool
ikev2_rd_u16(struct ikev2_rd *r, uint16_t *v)
{
	uint8_t b[2];

	if (!ikev2_rd_copy(r, b, sizeof(b)))
		return false;
	*v = (uint16_t)((b[0] << 8) | b[1]);
	return true;
}

bool
ikev2_rd_u32(struct ikev2_rd *r, uint32_t *v)
{
	uint8_t b[4];

	if (!ikev2_rd_copy(r, b, sizeof(b)))
		return false;
	*v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
	    ((uint32_t)b[2] << 8) | b[3];
	return true;
}

bool
ikev2_rd_u64(struct ikev2_rd *r, uint64_t *v)
{
	uint32_t hi, lo;

	if (ikev2_rd_left(r) < 8)
		return false;
	(void)ikev2_rd_u32(r, &hi);
	(void)ikev2_rd_u32(r, &lo);
	*v = ((uint64_t)hi << 32) | lo;
	return true;
}

bool
ikev2_rd_skip(struct ikev2_rd *r, size_t n)
{
	if (ikev2_rd_left(r) < n)
		return false;
	r->off += n;
	return true;
}

bool
ikev2_rd_chunk(struct ikev2_rd *r, size_t n, struct ikev2_chunk *c)
{
	if (ikev2_rd_left(r) < n)
		return false;
	c->ptr = n > 0 ? r->buf + r->off : NULL;
	c->len = n;
	r->off += n;
	return true;
}

bool
ikev2_rd_sub(struct ikev2_rd *r, size_t n, struct ikev2_rd *sub)
{
	struct ikev2_chunk c;

	if (!ikev2_rd_chunk(r, n, &c))
		return false;
	ikev2_rd_init(sub, c.ptr, c.len);
	return true;
}

/* ---- bounded writer ------------------------------------------------- */

void
ikev2_wr_init(struct ikev2_wr *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = buf != NULL ? cap : 0;
	w->off = 0;
	w->overflow = false;
}

bool
ikev2_wr_bytes(struct ikev2_wr *w, const void *src, size_t n)
{
	if (w->overflow || w->cap - w->off < n) {
		w->overflow = true;
		return false;
	}
	if (n > 0)
		memcpy(w->buf + w->off, src, n);
	w->off += n;
	return true;
}

bool
ikev2_wr_zero(struct ikev2_wr *w, size_t n)
{
	if (w->overflow || w->cap - w->off < n) {
		w->overflow = true;
		return false;
	}
	if (n > 0)
		memset(w->buf + w->off, 0, n);
	w->off += n;
	return true;
}

bool
ikev2_wr_u8(struct ikev2_wr *w, uint8_t v)
{
	return ikev2_wr_bytes(w, &v, 1);
}

bool
ikev2_wr_u16(struct ikev2_wr *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return ikev2_wr_bytes(w, b, sizeof(b));
}

bool
ikev2_wr_u32(struct ikev2_wr *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	return ikev2_wr_bytes(w, b, sizeof(b));
}

bool
ikev2_wr_u64(struct ikev2_wr *w, uint64_t v)
{
	return ikev2_wr_u32(w, (uint32_t)(v >> 32)) &&
	    ikev2_wr_u32(w, (uint32_t)v);
}

bool
ikev2_wr_put_u16(struct ikev2_wr *w, size_t at, uint16_t v)
{
	if (at > w->off || w->off - at < 2)
		return false;
	w->buf[at] = (uint8_t)(v >> 8);
	w->buf[at + 1] = (uint8_t)v;
	return true;
}

bool
ikev2_wr_put_u32(struct ikev2_wr *w, size_t at, uint32_t v)
{
	if (at > w->off || w->off - at < 4)
		return false;
	w->buf[at] = (uint8_t)(v >> 24);
	w->buf[at + 1] = (uint8_t)(v >> 16);
	w->buf[at + 2] = (uint8_t)(v >> 8);
	w->buf[at + 3] = (uint8_t)v;
	return true;
}

static enum ikev2_err
wr_result(const struct ikev2_wr *w, uint8_t pl, struct ikev2_error *err)
{
	if (w->overflow)
		return FAIL(err, IKEV2_ERR_NOSPACE, pl,
		    "%s: output buffer too small", pl_name(pl));
	return IKEV2_OK;
}

/* ---- SA ------------------------------------------------------------- */

static enum ikev2_err
transform_parse(struct ikev2_rd *r, struct ikev2_transform *t, uint8_t *last,
    struct ikev2_error *err)
{
	struct ikev2_rd body, attrs;
	uint16_t len, id, atype, aval;
	uint8_t reserved, type;

	/* fixed part: last, reserved, length, type, reserved, id */
	if (ikev2_rd_left(r) < 8)
		return FAIL(err, IKEV2_ERR_TRUNCATED, IKEV2_PL_SA,
		    "SA: transform shorter than its header (%zu < 8)",
		    ikev2_rd_left(r));
	(void)ikev2_rd_u8(r, last);
	(void)ikev2_rd_u8(r, &reserved);
	(void)ikev2_rd_u16(r, &len);
	if (len < 8)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_SA,
		    "SA: transform length %u below minimum 8", len);
	if ((size_t)len - 4 > ikev2_rd_left(r))
		return FAIL(err, IKEV2_ERR_TRUNCATED, IKEV2_PL_SA,
		    "SA: transform length %u past end of proposal", len);
	(void)ikev2_rd_sub(r, (size_t)len - 4, &body);
	(void)ikev2_rd_u8(&body, &type);
	(void)ikev2_rd_u8(&body, &reserved);
	(void)ikev2_rd_u16(&body, &id);
	if (*last != IKEV2_TRANSFORM_LAST && *last != IKEV2_TRANSFORM_MORE)
		return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_SA,
		    "SA: transform substructure marker %u", *last);
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->id = id;
	attrs = body;
	while (ikev2_rd_left(&attrs) > 0) {
		if (!ikev2_rd_u16(&attrs, &atype) ||
		    !ikev2_rd_u16(&attrs, &aval))
			return FAIL(err, IKEV2_ERR_TRUNCATED, IKEV2_PL_SA,
			    "SA: truncated transform attribute");
		if (!(atype & IKEV2_ATTR_TV)) {
			/* TLV: aval is the value length; none defined yet */
			if (!ikev2_rd_skip(&attrs, aval))
				return FAIL(err, IKEV2_ERR_TRUNCATED,
				    IKEV2_PL_SA,
				    "SA: attribute length %u past transform",
				    aval);
			t->unknown_attr = true;
			continue;
		}
		if ((atype & ~IKEV2_ATTR_TV) != IKEV2_ATTR_KEY_LENGTH) {
			t->unknown_attr = true;
			continue;
		}
		if (t->keylen != 0 || aval == 0)
			return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_SA,
			    "SA: %s key length attribute",
			    aval == 0 ? "zero" : "repeated");
		t->keylen = aval;
	}
	return IKEV2_OK;
}

static enum ikev2_err
spi_len_check(uint8_t protocol, uint8_t spi_len, uint8_t pl,
    struct ikev2_error *err)
{
	switch (protocol) {
	case IKEV2_PROTO_IKE:
		if (spi_len == 0 || spi_len == 8)
			return IKEV2_OK;
		break;
	case IKEV2_PROTO_AH:
	case IKEV2_PROTO_ESP:
		if (spi_len == 4)
			return IKEV2_OK;
		break;
	default:
		return FAIL(err, IKEV2_ERR_SYNTAX, pl,
		    "%s: protocol id %u", pl_name(pl), protocol);
	}
	return FAIL(err, IKEV2_ERR_SYNTAX, pl, "%s: SPI size %u for %s",
	    pl_name(pl), spi_len, name_protocol(protocol));
}

static enum ikev2_err
proposal_parse(struct ikev2_rd *r, struct ikev2_proposal *p, uint8_t *last,
    struct ikev2_error *err)
{
	struct ikev2_rd body;
	uint16_t len;
	uint8_t reserved, xlast = IKEV2_TRANSFORM_MORE, ntrans;
	enum ikev2_err rc;

	if (ikev2_rd_left(r) < 8)
		return FAIL(err, IKEV2_ERR_TRUNCATED, IKEV2_PL_SA,
		    "SA: proposal shorter than its header (%zu < 8)",
		    ikev2_rd_left(r));
	(void)ikev2_rd_u8(r, last);
	(void)ikev2_rd_u8(r, &reserved);
	(void)ikev2_rd_u16(r, &len);
	if (len < 8)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_SA,
		    "SA: proposal length %u below minimum 8", len);
	if ((size_t)len - 4 > ikev2_rd_left(r))
		return FAIL(err, IKEV2_ERR_TRUNCATED, IKEV2_PL_SA,
		    "SA: proposal length %u past end of payload", len);
	(void)ikev2_rd_sub(r, (size_t)len - 4, &body);
	if (*last != IKEV2_PROPOSAL_LAST && *last != IKEV2_PROPOSAL_MORE)
		return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_SA,
		    "SA: proposal substructure marker %u", *last);
	memset(p, 0, sizeof(*p));
	(void)ikev2_rd_u8(&body, &p->num);
	(void)ikev2_rd_u8(&body, &p->protocol);
	(void)ikev2_rd_u8(&body, &p->spi_len);
	(void)ikev2_rd_u8(&body, &ntrans);
	if ((rc = spi_len_check(p->protocol, p->spi_len, IKEV2_PL_SA, err)))
		return rc;
	if (!ikev2_rd_copy(&body, p->spi, p->spi_len))
		return FAIL(err, IKEV2_ERR_TRUNCATED, IKEV2_PL_SA,
		    "SA: SPI past end of proposal");
	if (ntrans == 0)
		return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_SA,
		    "SA: proposal %u without transforms", p->num);
	if (ntrans > IKEV2_MAX_TRANSFORMS)
		return FAIL(err, IKEV2_ERR_LIMIT, IKEV2_PL_SA,
		    "SA: %u transforms in proposal %u (max %d)", ntrans,
		    p->num, IKEV2_MAX_TRANSFORMS);
	while (ikev2_rd_left(&body) > 0) {
		if (xlast == IKEV2_TRANSFORM_LAST || p->ntransforms == ntrans)
			return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_SA,
			    "SA: data after last transform of proposal %u",
			    p->num);
		rc = transform_parse(&body, &p->transforms[p->ntransforms],
		    &xlast, err);
		if (rc != IKEV2_OK)
			return rc;
		p->ntransforms++;
	}
	if (p->ntransforms != ntrans || xlast != IKEV2_TRANSFORM_LAST)
		return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_SA,
		    "SA: proposal %u announces %u transforms, has %u", p->num,
		    ntrans, p->ntransforms);
	return IKEV2_OK;
}

enum ikev2_err
ikev2_sa_parse(struct ikev2_rd *r, struct ikev2_sa *sa,
    struct ikev2_error *err)
{
	uint8_t last = IKEV2_PROPOSAL_MORE;
	enum ikev2_err rc;
	struct ikev2_proposal *p;

	memset(sa, 0, sizeof(*sa));
	if (ikev2_rd_left(r) == 0)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_SA,
		    "SA: no proposals");
	while (ikev2_rd_left(r) > 0) {
		if (last == IKEV2_PROPOSAL_LAST)
			return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_SA,
			    "SA: data after last proposal");
		if (sa->nproposals == IKEV2_MAX_PROPOSALS)
			return FAIL(err, IKEV2_ERR_LIMIT, IKEV2_PL_SA,
			    "SA: more than %d proposals", IKEV2_MAX_PROPOSALS);
		p = &sa->proposals[sa->nproposals];
		if ((rc = proposal_parse(r, p, &last, err)) != IKEV2_OK)
			return rc;
		/*
		 * RFC 7296 3.3.1: numbered from 1, each one more than the
		 * previous.  A response carries the single accepted proposal
		 * under its original number, so only a lone proposal may
		 * start elsewhere.
		 */
		if (p->num == 0 || (sa->nproposals > 0 &&
		    p->num != sa->proposals[sa->nproposals - 1].num + 1))
			return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_SA,
			    "SA: proposal number %u out of sequence", p->num);
		sa->nproposals++;
	}
	if (last != IKEV2_PROPOSAL_LAST)
		return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_SA,
		    "SA: last proposal not marked last");
	if (sa->nproposals > 1 && sa->proposals[0].num != 1)
		return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_SA,
		    "SA: first of several proposals numbered %u",
		    sa->proposals[0].num);
	return IKEV2_OK;
}

static void
transform_emit(struct ikev2_wr *w, const struct ikev2_transform *t,
    bool last)
{
	ikev2_wr_u8(w, last ? IKEV2_TRANSFORM_LAST : IKEV2_TRANSFORM_MORE);
	ikev2_wr_u8(w, 0);
	ikev2_wr_u16(w, t->keylen != 0 ? 12 : 8);
	ikev2_wr_u8(w, t->type);
	ikev2_wr_u8(w, 0);
	ikev2_wr_u16(w, t->id);
	if (t->keylen != 0) {
		ikev2_wr_u16(w, IKEV2_ATTR_TV | IKEV2_ATTR_KEY_LENGTH);
		ikev2_wr_u16(w, t->keylen);
	}
}

enum ikev2_err
ikev2_sa_emit(struct ikev2_wr *w, const struct ikev2_sa *sa,
    struct ikev2_error *err)
{
	const struct ikev2_proposal *p;
	size_t at, i, j;

	if (sa == NULL || sa->nproposals == 0 ||
	    sa->nproposals > IKEV2_MAX_PROPOSALS)
		return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_SA,
		    "SA: emit with %u proposals", sa ? sa->nproposals : 0);
	for (i = 0; i < sa->nproposals; i++) {
		p = &sa->proposals[i];
		if (p->ntransforms == 0 || p->ntransforms > IKEV2_MAX_TRANSFORMS ||
		    p->spi_len > IKEV2_MAX_SPI_LEN || p->num == 0)
			return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_SA,
			    "SA: emit proposal %zu inconsistent", i);
		for (j = 0; j < p->ntransforms; j++)
			if (p->transforms[j].unknown_attr)
				return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_SA,
				    "SA: cannot emit unknown attributes");
		at = w->off;
		ikev2_wr_u8(w, i + 1 == sa->nproposals ?
		    IKEV2_PROPOSAL_LAST : IKEV2_PROPOSAL_MORE);
		ikev2_wr_u8(w, 0);
		ikev2_wr_u16(w, 0);	/* length, patched below */
		ikev2_wr_u8(w, p->num);
		ikev2_wr_u8(w, p->protocol);
		ikev2_wr_u8(w, p->spi_len);
		ikev2_wr_u8(w, p->ntransforms);
		ikev2_wr_bytes(w, p->spi, p->spi_len);
		for (j = 0; j < p->ntransforms; j++)
			transform_emit(w, &p->transforms[j],
			    j + 1 == p->ntransforms);
		if (w->overflow)
			break;
		if (w->off - at > UINT16_MAX)
			return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_SA,
			    "SA: proposal too long");
		ikev2_wr_put_u16(w, at + 2, (uint16_t)(w->off - at));
	}
	return wr_result(w, IKEV2_PL_SA, err);
}

/* ---- KE ------------------------------------------------------------- */

enum ikev2_err
ikev2_ke_parse(struct ikev2_rd *r, struct ikev2_ke *ke,
    struct ikev2_error *err)
{
	if (ikev2_rd_left(r) < 5)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_KE,
		    "KE: body %zu bytes, below minimum 5", ikev2_rd_left(r));
	(void)ikev2_rd_u16(r, &ke->group);
	(void)ikev2_rd_skip(r, 2);
	(void)ikev2_rd_chunk(r, ikev2_rd_left(r), &ke->data);
	return IKEV2_OK;
}

enum ikev2_err
ikev2_ke_emit(struct ikev2_wr *w, const struct ikev2_ke *ke,
    struct ikev2_error *err)
{
	if (ke->data.len == 0)
		return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_KE, "KE: empty data");
	ikev2_wr_u16(w, ke->group);
	ikev2_wr_u16(w, 0);
	ikev2_wr_bytes(w, ke->data.ptr, ke->data.len);
	return wr_result(w, IKEV2_PL_KE, err);
}

/* ---- ID ------------------------------------------------------------- */

static enum ikev2_err
id_check(const struct ikev2_id *id, struct ikev2_error *err)
{
	size_t i;

	switch (id->type) {
	case IKEV2_ID_IPV4_ADDR:
		if (id->data.len != 4)
			return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_IDI,
			    "ID: ID_IPV4_ADDR of %zu bytes", id->data.len);
		break;
	case IKEV2_ID_IPV6_ADDR:
		if (id->data.len != 16)
			return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_IDI,
			    "ID: ID_IPV6_ADDR of %zu bytes", id->data.len);
		break;
	case IKEV2_ID_NULL:
		/* RFC 7619 3: the identification data is empty */
		if (id->data.len != 0)
			return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_IDI,
			    "ID: ID_NULL with %zu bytes of data",
			    id->data.len);
		break;
	case IKEV2_ID_FQDN:
		if (id->data.len == 0 || id->data.len > IKEV2_FQDN_MAX)
			return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_IDI,
			    "ID: ID_FQDN of %zu bytes", id->data.len);
		/* printable ASCII only: it ends up in logs and policy */
		for (i = 0; i < id->data.len; i++)
			if (id->data.ptr[i] <= 0x20 || id->data.ptr[i] >= 0x7f)
				return FAIL(err, IKEV2_ERR_SYNTAX,
				    IKEV2_PL_IDI,
				    "ID: ID_FQDN byte 0x%02x at %zu",
				    id->data.ptr[i], i);
		break;
	default:
		/* other types are kept opaque but never empty */
		if (id->data.len == 0)
			return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_IDI,
			    "ID: empty identification of type %u", id->type);
		break;
	}
	return IKEV2_OK;
}

enum ikev2_err
ikev2_id_parse(struct ikev2_rd *r, struct ikev2_id *id,
    struct ikev2_error *err)
{
	if (ikev2_rd_left(r) < 4)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_IDI,
		    "ID: body %zu bytes, below minimum 4", ikev2_rd_left(r));
	(void)ikev2_rd_u8(r, &id->type);
	(void)ikev2_rd_skip(r, 3);
	(void)ikev2_rd_chunk(r, ikev2_rd_left(r), &id->data);
	return id_check(id, err);
}

enum ikev2_err
ikev2_id_emit(struct ikev2_wr *w, const struct ikev2_id *id,
    struct ikev2_error *err)
{
	enum ikev2_err rc;

	if ((rc = id_check(id, err)) != IKEV2_OK)
		return rc;
	ikev2_wr_u8(w, id->type);
	ikev2_wr_zero(w, 3);
	ikev2_wr_bytes(w, id->data.ptr, id->data.len);
	return wr_result(w, IKEV2_PL_IDI, err);
}

enum ikev2_err
ikev2_id_body(const struct ikev2_id *id, uint8_t *buf, size_t cap,
    size_t *len)
{
	struct ikev2_wr w;
	enum ikev2_err rc;

	ikev2_wr_init(&w, buf, cap);
	if ((rc = ikev2_id_emit(&w, id, NULL)) != IKEV2_OK)
		return rc;
	*len = w.off;
	return IKEV2_OK;
}

/* ---- AUTH ----------------------------------------------------------- */

enum ikev2_err
ikev2_auth_parse(struct ikev2_rd *r, struct ikev2_auth *a,
    struct ikev2_error *err)
{
	if (ikev2_rd_left(r) < 5)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_AUTH,
		    "AUTH: body %zu bytes, below minimum 5", ikev2_rd_left(r));
	(void)ikev2_rd_u8(r, &a->method);
	(void)ikev2_rd_skip(r, 3);
	(void)ikev2_rd_chunk(r, ikev2_rd_left(r), &a->data);
	return IKEV2_OK;
}

enum ikev2_err
ikev2_auth_emit(struct ikev2_wr *w, const struct ikev2_auth *a,
    struct ikev2_error *err)
{
	if (a->data.len == 0)
		return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_AUTH,
		    "AUTH: empty data");
	ikev2_wr_u8(w, a->method);
	ikev2_wr_zero(w, 3);
	ikev2_wr_bytes(w, a->data.ptr, a->data.len);
	return wr_result(w, IKEV2_PL_AUTH, err);
}

enum ikev2_err
ikev2_auth_sig_split(const struct ikev2_auth *a, struct ikev2_chunk *alg_id,
    struct ikev2_chunk *sig, struct ikev2_error *err)
{
	struct ikev2_rd r;
	uint8_t n;

	if (a->method != IKEV2_AUTH_DIGITAL_SIGNATURE)
		return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_AUTH,
		    "AUTH: method %u is not DIGITAL_SIGNATURE", a->method);
	ikev2_rd_init(&r, a->data.ptr, a->data.len);
	if (!ikev2_rd_u8(&r, &n) || n == 0 || !ikev2_rd_chunk(&r, n, alg_id))
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_AUTH,
		    "AUTH: AlgorithmIdentifier length past data");
	if (ikev2_rd_left(&r) == 0)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_AUTH,
		    "AUTH: empty signature");
	(void)ikev2_rd_chunk(&r, ikev2_rd_left(&r), sig);
	return IKEV2_OK;
}

/* ---- Nonce ---------------------------------------------------------- */

enum ikev2_err
ikev2_nonce_parse(struct ikev2_rd *r, struct ikev2_chunk *n,
    struct ikev2_error *err)
{
	size_t len = ikev2_rd_left(r);

	if (len < IKEV2_NONCE_MIN || len > IKEV2_NONCE_MAX)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_NONCE,
		    "Nonce: %zu bytes, outside %d..%d", len, IKEV2_NONCE_MIN,
		    IKEV2_NONCE_MAX);
	(void)ikev2_rd_chunk(r, len, n);
	return IKEV2_OK;
}

enum ikev2_err
ikev2_nonce_emit(struct ikev2_wr *w, const struct ikev2_chunk *n,
    struct ikev2_error *err)
{
	if (n->len < IKEV2_NONCE_MIN || n->len > IKEV2_NONCE_MAX)
		return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_NONCE,
		    "Nonce: emit %zu bytes", n->len);
	ikev2_wr_bytes(w, n->ptr, n->len);
	return wr_result(w, IKEV2_PL_NONCE, err);
}

/* ---- Notify --------------------------------------------------------- */

static enum ikev2_err
notify_spi_check(const struct ikev2_notify *n, struct ikev2_error *err)
{
	if (n->spi_len == 0)
		return IKEV2_OK;
	if (n->spi_len != 4 && n->spi_len != 8)
		return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_NOTIFY,
		    "N(%u): SPI size %u", n->type, n->spi_len);
	return IKEV2_OK;
}

enum ikev2_err
ikev2_notify_parse(struct ikev2_rd *r, struct ikev2_notify *n,
    struct ikev2_error *err)
{
	enum ikev2_err rc;

	memset(n, 0, sizeof(*n));
	if (ikev2_rd_left(r) < 4)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_NOTIFY,
		    "N: body %zu bytes, below minimum 4", ikev2_rd_left(r));
	(void)ikev2_rd_u8(r, &n->protocol);
	(void)ikev2_rd_u8(r, &n->spi_len);
	(void)ikev2_rd_u16(r, &n->type);
	if ((rc = notify_spi_check(n, err)) != IKEV2_OK)
		return rc;
	if (!ikev2_rd_copy(r, n->spi, n->spi_len))
		return FAIL(err, IKEV2_ERR_TRUNCATED, IKEV2_PL_NOTIFY,
		    "N(%u): SPI past end of payload", n->type);
	(void)ikev2_rd_chunk(r, ikev2_rd_left(r), &n->data);
	return IKEV2_OK;
}

enum ikev2_err
ikev2_notify_emit(struct ikev2_wr *w, const struct ikev2_notify *n,
    struct ikev2_error *err)
{
	enum ikev2_err rc;

	if ((rc = notify_spi_check(n, err)) != IKEV2_OK)
		return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_NOTIFY,
		    "N(%u): emit with SPI size %u", n->type, n->spi_len);
	ikev2_wr_u8(w, n->protocol);
	ikev2_wr_u8(w, n->spi_len);
	ikev2_wr_u16(w, n->type);
	ikev2_wr_bytes(w, n->spi, n->spi_len);
	ikev2_wr_bytes(w, n->data.ptr, n->data.len);
	return wr_result(w, IKEV2_PL_NOTIFY, err);
}

bool
ikev2_notify_is_error(const struct ikev2_notify *n)
{
	return n->type != 0 && n->type <= IKEV2_NOTIFY_ERROR_MAX;
}

static enum ikev2_err
notify_expect(const struct ikev2_notify *n, uint16_t type, size_t min,
    size_t max, struct ikev2_error *err)
{
	if (n->type != type)
		return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_NOTIFY,
		    "N(%u) is not %s", n->type, name_notify(type));
	if (n->data.len < min || n->data.len > max)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_NOTIFY,
		    "N(%s): data %zu bytes, expected %zu..%zu",
		    name_notify(type), n->data.len, min, max);
	return IKEV2_OK;
}

enum ikev2_err
ikev2_notify_cookie(const struct ikev2_notify *n, struct ikev2_chunk *cookie,
    struct ikev2_error *err)
{
	enum ikev2_err rc;

	rc = notify_expect(n, IKEV2_N_COOKIE, 1, IKEV2_COOKIE_MAX, err);
	if (rc == IKEV2_OK)
		*cookie = n->data;
	return rc;
}

enum ikev2_err
ikev2_notify_invalid_ke(const struct ikev2_notify *n, uint16_t *group,
    struct ikev2_error *err)
{
	enum ikev2_err rc;

	rc = notify_expect(n, IKEV2_N_INVALID_KE_PAYLOAD, 2, 2, err);
	if (rc == IKEV2_OK)
		*group = (uint16_t)((n->data.ptr[0] << 8) | n->data.ptr[1]);
	return rc;
}

enum ikev2_err
ikev2_notify_natd(const struct ikev2_notify *n, struct ikev2_chunk *digest,
    struct ikev2_error *err)
{
	uint16_t type = n->type == IKEV2_N_NAT_DETECTION_DESTINATION_IP ?
	    IKEV2_N_NAT_DETECTION_DESTINATION_IP :
	    IKEV2_N_NAT_DETECTION_SOURCE_IP;
	enum ikev2_err rc;

	rc = notify_expect(n, type, IKEV2_NATD_LEN, IKEV2_NATD_LEN, err);
	if (rc == IKEV2_OK)
		*digest = n->data;
	return rc;
}

enum ikev2_err
ikev2_notify_sig_hashes(const struct ikev2_notify *n, uint16_t *algs,
    size_t max, size_t *count, struct ikev2_error *err)
{
	struct ikev2_rd r;
	enum ikev2_err rc;
	uint16_t v;

	rc = notify_expect(n, IKEV2_N_SIGNATURE_HASH_ALGORITHMS, 2,
	    2 * IKEV2_MAX_SIG_HASHES, err);
	if (rc != IKEV2_OK)
		return rc;
	if (n->data.len % 2 != 0)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_NOTIFY,
		    "N(SIGNATURE_HASH_ALGORITHMS): odd length %zu",
		    n->data.len);
	*count = 0;
	ikev2_rd_init(&r, n->data.ptr, n->data.len);
	while (ikev2_rd_u16(&r, &v)) {
		if (*count == max)
			return FAIL(err, IKEV2_ERR_LIMIT, IKEV2_PL_NOTIFY,
			    "N(SIGNATURE_HASH_ALGORITHMS): more than %zu",
			    max);
		algs[(*count)++] = v;
	}
	return IKEV2_OK;
}

enum ikev2_err
ikev2_notify_rekey_sa(const struct ikev2_notify *n, uint8_t *protocol,
    uint32_t *spi, struct ikev2_error *err)
{
	enum ikev2_err rc;

	rc = notify_expect(n, IKEV2_N_REKEY_SA, 0, 0, err);
	if (rc != IKEV2_OK)
		return rc;
	if ((n->protocol != IKEV2_PROTO_ESP && n->protocol != IKEV2_PROTO_AH)
	    || n->spi_len != 4)
		return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_NOTIFY,
		    "N(REKEY_SA): protocol %u SPI size %u", n->protocol,
		    n->spi_len);
	*protocol = n->protocol;
	*spi = ((uint32_t)n->spi[0] << 24) | ((uint32_t)n->spi[1] << 16) |
	    ((uint32_t)n->spi[2] << 8) | n->spi[3];
	return IKEV2_OK;
}

enum ikev2_err
ikev2_notify_unsupported_critical(const struct ikev2_notify *n,
    uint8_t *type, struct ikev2_error *err)
{
	enum ikev2_err rc;

	rc = notify_expect(n, IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD, 1, 1, err);
	if (rc == IKEV2_OK)
		*type = n->data.ptr[0];
	return rc;
}

void
ikev2_notify_make(struct ikev2_payload *p, uint16_t type, const uint8_t *data,
    size_t len)
{
	memset(p, 0, sizeof(*p));
	p->type = IKEV2_PL_NOTIFY;
	p->u.notify.type = type;
	p->u.notify.data.ptr = data;
	p->u.notify.data.len = data != NULL ? len : 0;
}

void
ikev2_notify_make_u16(struct ikev2_payload *p, uint16_t type, uint16_t value,
    uint8_t store[2])
{
	store[0] = (uint8_t)(value >> 8);
	store[1] = (uint8_t)value;
	ikev2_notify_make(p, type, store, 2);
}

void
ikev2_notify_make_rekey_sa(struct ikev2_payload *p, uint8_t protocol,
    uint32_t spi)
{
	ikev2_notify_make(p, IKEV2_N_REKEY_SA, NULL, 0);
	p->u.notify.protocol = protocol;
	p->u.notify.spi_len = 4;
	p->u.notify.spi[0] = (uint8_t)(spi >> 24);
	p->u.notify.spi[1] = (uint8_t)(spi >> 16);
	p->u.notify.spi[2] = (uint8_t)(spi >> 8);
	p->u.notify.spi[3] = (uint8_t)spi;
}

/* ---- Delete --------------------------------------------------------- */

static enum ikev2_err
delete_check(const struct ikev2_delete *d, struct ikev2_error *err)
{
	switch (d->protocol) {
	case IKEV2_PROTO_IKE:
		/* RFC 7296 3.11: the IKE SA is identified by the header */
		if (d->spi_len != 0 || d->nspi != 0)
			return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_DELETE,
			    "D: IKE with SPI size %u, %u SPIs", d->spi_len,
			    d->nspi);
		break;
	case IKEV2_PROTO_AH:
	case IKEV2_PROTO_ESP:
		if (d->spi_len != 4 || d->nspi == 0)
			return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_DELETE,
			    "D: %s with SPI size %u, %u SPIs",
			    name_protocol(d->protocol), d->spi_len, d->nspi);
		break;
	default:
		return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_DELETE,
		    "D: protocol id %u", d->protocol);
	}
	if (d->spis.len != (size_t)d->nspi * d->spi_len)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_DELETE,
		    "D: %zu bytes of SPIs for %u x %u", d->spis.len, d->nspi,
		    d->spi_len);
	return IKEV2_OK;
}

enum ikev2_err
ikev2_delete_parse(struct ikev2_rd *r, struct ikev2_delete *d,
    struct ikev2_error *err)
{
	if (ikev2_rd_left(r) < 4)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_DELETE,
		    "D: body %zu bytes, below minimum 4", ikev2_rd_left(r));
	(void)ikev2_rd_u8(r, &d->protocol);
	(void)ikev2_rd_u8(r, &d->spi_len);
	(void)ikev2_rd_u16(r, &d->nspi);
	(void)ikev2_rd_chunk(r, ikev2_rd_left(r), &d->spis);
	return delete_check(d, err);
}

enum ikev2_err
ikev2_delete_emit(struct ikev2_wr *w, const struct ikev2_delete *d,
    struct ikev2_error *err)
{
	if (delete_check(d, NULL) != IKEV2_OK)
		return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_DELETE,
		    "D: emit with protocol %u, SPI size %u, %u SPIs",
		    d->protocol, d->spi_len, d->nspi);
	ikev2_wr_u8(w, d->protocol);
	ikev2_wr_u8(w, d->spi_len);
	ikev2_wr_u16(w, d->nspi);
	ikev2_wr_bytes(w, d->spis.ptr, d->spis.len);
	return wr_result(w, IKEV2_PL_DELETE, err);
}

bool
ikev2_delete_spi(const struct ikev2_delete *d, uint16_t i, uint32_t *spi)
{
	const uint8_t *b;

	if (d->spi_len != 4 || i >= d->nspi ||
	    d->spis.len < ((size_t)i + 1) * 4)
		return false;
	b = d->spis.ptr + (size_t)i * 4;
	*spi = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
	    ((uint32_t)b[2] << 8) | b[3];
	return true;
}

/* ---- TS ------------------------------------------------------------- */

static size_t
ts_addr_len(uint8_t type)
{
	switch (type) {
	case IKEV2_TS_IPV4_ADDR_RANGE:	return 4;
	case IKEV2_TS_IPV6_ADDR_RANGE:	return 16;
	default:			return 0;
	}
}

static enum ikev2_err
ts_check(const struct ikev2_ts *t, struct ikev2_error *err)
{
	size_t alen = ts_addr_len(t->type);

	if (alen == 0)
		return FAIL(err, IKEV2_ERR_UNSUPPORTED, IKEV2_PL_TSI,
		    "TS: selector type %u", t->type);
	if (memcmp(t->start_addr, t->end_addr, alen) > 0)
		return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_TSI,
		    "TS: start address above end address");
	/* RFC 7296 3.13.1: start 65535, end 0 means OPAQUE ports */
	if (t->start_port > t->end_port &&
	    !(t->start_port == 65535 && t->end_port == 0))
		return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_TSI,
		    "TS: start port %u above end port %u", t->start_port,
		    t->end_port);
	return IKEV2_OK;
}

enum ikev2_err
ikev2_ts_parse(struct ikev2_rd *r, struct ikev2_ts_list *ts,
    struct ikev2_error *err)
{
	struct ikev2_ts *t;
	struct ikev2_rd sel;
	uint16_t len;
	uint8_t n, i;
	size_t alen;
	enum ikev2_err rc;

	memset(ts, 0, sizeof(*ts));
	if (ikev2_rd_left(r) < 4)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_TSI,
		    "TS: body %zu bytes, below minimum 4", ikev2_rd_left(r));
	(void)ikev2_rd_u8(r, &n);
	(void)ikev2_rd_skip(r, 3);
	if (n == 0)
		return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_TSI,
		    "TS: zero selectors");
	if (n > IKEV2_MAX_TS)
		return FAIL(err, IKEV2_ERR_LIMIT, IKEV2_PL_TSI,
		    "TS: %u selectors (max %d)", n, IKEV2_MAX_TS);
	for (i = 0; i < n; i++) {
		t = &ts->ts[i];
		if (ikev2_rd_left(r) < 8)
			return FAIL(err, IKEV2_ERR_TRUNCATED, IKEV2_PL_TSI,
			    "TS: selector %u truncated", i);
		(void)ikev2_rd_u8(r, &t->type);
		(void)ikev2_rd_u8(r, &t->ip_proto);
		(void)ikev2_rd_u16(r, &len);
		alen = ts_addr_len(t->type);
		if (alen == 0)
			return FAIL(err, IKEV2_ERR_UNSUPPORTED, IKEV2_PL_TSI,
			    "TS: selector type %u", t->type);
		if (len != 8 + 2 * alen)
			return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_TSI,
			    "TS: %s selector length %u, expected %zu",
			    name_ts(t->type), len, 8 + 2 * alen);
		if (!ikev2_rd_sub(r, len - 4, &sel))
			return FAIL(err, IKEV2_ERR_TRUNCATED, IKEV2_PL_TSI,
			    "TS: selector %u length past end", i);
		(void)ikev2_rd_u16(&sel, &t->start_port);
		(void)ikev2_rd_u16(&sel, &t->end_port);
		(void)ikev2_rd_copy(&sel, t->start_addr, alen);
		(void)ikev2_rd_copy(&sel, t->end_addr, alen);
		if ((rc = ts_check(t, err)) != IKEV2_OK)
			return rc;
	}
	ts->count = n;
	if (ikev2_rd_left(r) != 0)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_TSI,
		    "TS: %zu bytes after %u selectors", ikev2_rd_left(r), n);
	return IKEV2_OK;
}

enum ikev2_err
ikev2_ts_emit(struct ikev2_wr *w, const struct ikev2_ts_list *ts,
    struct ikev2_error *err)
{
	const struct ikev2_ts *t;
	size_t alen, i;

	if (ts == NULL || ts->count == 0 || ts->count > IKEV2_MAX_TS)
		return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_TSI,
		    "TS: emit with %u selectors", ts ? ts->count : 0);
	ikev2_wr_u8(w, ts->count);
	ikev2_wr_zero(w, 3);
	for (i = 0; i < ts->count; i++) {
		t = &ts->ts[i];
		if (ts_check(t, NULL) != IKEV2_OK)
			return FAIL(err, IKEV2_ERR_ARG, IKEV2_PL_TSI,
			    "TS: emit selector %zu invalid", i);
		alen = ts_addr_len(t->type);
		ikev2_wr_u8(w, t->type);
		ikev2_wr_u8(w, t->ip_proto);
		ikev2_wr_u16(w, (uint16_t)(8 + 2 * alen));
		ikev2_wr_u16(w, t->start_port);
		ikev2_wr_u16(w, t->end_port);
		ikev2_wr_bytes(w, t->start_addr, alen);
		ikev2_wr_bytes(w, t->end_addr, alen);
	}
	return wr_result(w, IKEV2_PL_TSI, err);
}

/* ---- CP ------------------------------------------------------------- */

enum ikev2_err
ikev2_cp_parse(struct ikev2_rd *r, struct ikev2_cp *cp,
    struct ikev2_error *err)
{
	struct ikev2_rd a;
	uint16_t type, len;

	if (ikev2_rd_left(r) < 4)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_CP,
		    "CP: body %zu bytes, below minimum 4", ikev2_rd_left(r));
	(void)ikev2_rd_u8(r, &cp->cfg_type);
	(void)ikev2_rd_skip(r, 3);
	(void)ikev2_rd_chunk(r, ikev2_rd_left(r), &cp->attrs);
	/* the attributes stay opaque, but must tile the body exactly */
	ikev2_rd_init(&a, cp->attrs.ptr, cp->attrs.len);
	while (ikev2_rd_left(&a) > 0) {
		if (!ikev2_rd_u16(&a, &type) || !ikev2_rd_u16(&a, &len))
			return FAIL(err, IKEV2_ERR_TRUNCATED, IKEV2_PL_CP,
			    "CP: truncated attribute header");
		if (!ikev2_rd_skip(&a, len))
			return FAIL(err, IKEV2_ERR_TRUNCATED, IKEV2_PL_CP,
			    "CP: attribute %u length %u past end",
			    type & 0x7fff, len);
	}
	return IKEV2_OK;
}

enum ikev2_err
ikev2_cp_emit(struct ikev2_wr *w, const struct ikev2_cp *cp,
    struct ikev2_error *err)
{
	ikev2_wr_u8(w, cp->cfg_type);
	ikev2_wr_zero(w, 3);
	ikev2_wr_bytes(w, cp->attrs.ptr, cp->attrs.len);
	return wr_result(w, IKEV2_PL_CP, err);
}

/* ---- CERT / CERTREQ ------------------------------------------------- */

enum ikev2_err
ikev2_cert_parse(struct ikev2_rd *r, struct ikev2_cert *c,
    struct ikev2_error *err)
{
	if (ikev2_rd_left(r) < 1)
		return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_CERT,
		    "CERT: empty body");
	(void)ikev2_rd_u8(r, &c->encoding);
	(void)ikev2_rd_chunk(r, ikev2_rd_left(r), &c->data);
	return IKEV2_OK;
}

enum ikev2_err
ikev2_cert_emit(struct ikev2_wr *w, const struct ikev2_cert *c,
    struct ikev2_error *err)
{
	ikev2_wr_u8(w, c->encoding);
	ikev2_wr_bytes(w, c->data.ptr, c->data.len);
	return wr_result(w, IKEV2_PL_CERT, err);
}

/* ---- SK / SKF ------------------------------------------------------- */

static enum ikev2_err
sk_parse(struct ikev2_rd *r, uint8_t type, struct ikev2_sk *sk,
    struct ikev2_error *err)
{
	if (type == IKEV2_PL_SKF) {
		if (ikev2_rd_left(r) < 4)
			return FAIL(err, IKEV2_ERR_LENGTH, IKEV2_PL_SKF,
			    "SKF: body %zu bytes, below minimum 4",
			    ikev2_rd_left(r));
		(void)ikev2_rd_u16(r, &sk->frag_num);
		(void)ikev2_rd_u16(r, &sk->frag_total);
		/* RFC 7383 2.5: 1 <= number <= total */
		if (sk->frag_num == 0 || sk->frag_num > sk->frag_total)
			return FAIL(err, IKEV2_ERR_SYNTAX, IKEV2_PL_SKF,
			    "SKF: fragment %u of %u", sk->frag_num,
			    sk->frag_total);
	}
	if (ikev2_rd_left(r) == 0)
		return FAIL(err, IKEV2_ERR_LENGTH, type,
		    "%s: empty encrypted body", pl_name(type));
	(void)ikev2_rd_chunk(r, ikev2_rd_left(r), &sk->body);
	return IKEV2_OK;
}

/* ---- generic payload ------------------------------------------------ */

bool
ikev2_payload_known(uint8_t type)
{
	return (type >= IKEV2_PL_SA && type <= IKEV2_PL_EAP) ||
	    type == IKEV2_PL_SKF;
}

void
ikev2_payload_clear(struct ikev2_payload *p)
{
	switch (p->type) {
	case IKEV2_PL_SA:
		free(p->u.sa);
		break;
	case IKEV2_PL_TSI:
	case IKEV2_PL_TSR:
		free(p->u.ts);
		break;
	default:
		break;
	}
	memset(p, 0, sizeof(*p));
}

static enum ikev2_err
body_parse(struct ikev2_rd *b, struct ikev2_payload *p,
    struct ikev2_error *err)
{
	enum ikev2_err rc;

	switch (p->type) {
	case IKEV2_PL_SA:
		if ((p->u.sa = malloc(sizeof(*p->u.sa))) == NULL)
			return FAIL(err, IKEV2_ERR_NOMEM, p->type, "SA: no memory");
		return ikev2_sa_parse(b, p->u.sa, err);
	case IKEV2_PL_KE:
		return ikev2_ke_parse(b, &p->u.ke, err);
	case IKEV2_PL_IDI:
	case IKEV2_PL_IDR:
		rc = ikev2_id_parse(b, &p->u.id, err);
		if (rc != IKEV2_OK && err != NULL)
			err->payload = p->type;
		return rc;
	case IKEV2_PL_CERT:
	case IKEV2_PL_CERTREQ:
		return ikev2_cert_parse(b, &p->u.cert, err);
	case IKEV2_PL_AUTH:
		return ikev2_auth_parse(b, &p->u.auth, err);
	case IKEV2_PL_NONCE:
		return ikev2_nonce_parse(b, &p->u.nonce, err);
	case IKEV2_PL_NOTIFY:
		return ikev2_notify_parse(b, &p->u.notify, err);
	case IKEV2_PL_DELETE:
		return ikev2_delete_parse(b, &p->u.del, err);
	case IKEV2_PL_VENDOR:
		(void)ikev2_rd_chunk(b, ikev2_rd_left(b), &p->u.vendor);
		return IKEV2_OK;
	case IKEV2_PL_TSI:
	case IKEV2_PL_TSR:
		if ((p->u.ts = malloc(sizeof(*p->u.ts))) == NULL)
			return FAIL(err, IKEV2_ERR_NOMEM, p->type, "TS: no memory");
		rc = ikev2_ts_parse(b, p->u.ts, err);
		if (rc != IKEV2_OK && err != NULL)
			err->payload = p->type;
		return rc;
	case IKEV2_PL_CP:
		return ikev2_cp_parse(b, &p->u.cp, err);
	case IKEV2_PL_EAP:
		(void)ikev2_rd_chunk(b, ikev2_rd_left(b), &p->u.opaque);
		return IKEV2_OK;
	case IKEV2_PL_SK:
	case IKEV2_PL_SKF:
		return sk_parse(b, p->type, &p->u.sk, err);
	default:
		/* unknown: the caller looks at the critical bit */
		(void)ikev2_rd_skip(b, ikev2_rd_left(b));
		return IKEV2_OK;
	}
}

enum ikev2_err
ikev2_payload_parse(struct ikev2_rd *r, uint8_t type,
    struct ikev2_payload *p, uint8_t *next, struct ikev2_error *err)
{
	struct ikev2_rd body;
	uint16_t len;
	uint8_t flags;
	enum ikev2_err rc;

	memset(p, 0, sizeof(*p));
	if (ikev2_rd_left(r) < IKEV2_PAYLOAD_HEADER_LEN)
		return FAIL(err, IKEV2_ERR_TRUNCATED, type,
		    "%s: shorter than generic header (%zu < %d)",
		    pl_name(type), ikev2_rd_left(r),
		    IKEV2_PAYLOAD_HEADER_LEN);
	(void)ikev2_rd_u8(r, next);
	(void)ikev2_rd_u8(r, &flags);
	(void)ikev2_rd_u16(r, &len);
	if (len < IKEV2_PAYLOAD_HEADER_LEN)
		return FAIL(err, IKEV2_ERR_LENGTH, type,
		    "%s: payload length %u below header size", pl_name(type),
		    len);
	if ((size_t)len - IKEV2_PAYLOAD_HEADER_LEN > ikev2_rd_left(r))
		return FAIL(err, IKEV2_ERR_TRUNCATED, type,
		    "%s: payload length %u past end (%zu left)",
		    pl_name(type), len,
		    ikev2_rd_left(r) + IKEV2_PAYLOAD_HEADER_LEN);
	(void)ikev2_rd_sub(r, (size_t)len - IKEV2_PAYLOAD_HEADER_LEN, &body);
	p->type = type;
	p->critical = (flags & IKEV2_CRITICAL) != 0;
	p->raw.ptr = body.buf;
	p->raw.len = body.len;
	rc = body_parse(&body, p, err);
	if (rc == IKEV2_OK && ikev2_rd_left(&body) != 0)
		rc = FAIL(err, IKEV2_ERR_LENGTH, type,
		    "%s: %zu trailing bytes", pl_name(type),
		    ikev2_rd_left(&body));
	if (rc != IKEV2_OK)
		ikev2_payload_clear(p);
	return rc;
}

static enum ikev2_err
body_emit(struct ikev2_wr *w, const struct ikev2_payload *p,
    struct ikev2_error *err)
{
	switch (p->type) {
	case IKEV2_PL_SA:	return ikev2_sa_emit(w, p->u.sa, err);
	case IKEV2_PL_KE:	return ikev2_ke_emit(w, &p->u.ke, err);
	case IKEV2_PL_IDI:
	case IKEV2_PL_IDR:	return ikev2_id_emit(w, &p->u.id, err);
	case IKEV2_PL_CERT:
	case IKEV2_PL_CERTREQ:	return ikev2_cert_emit(w, &p->u.cert, err);
	case IKEV2_PL_AUTH:	return ikev2_auth_emit(w, &p->u.auth, err);
	case IKEV2_PL_NONCE:	return ikev2_nonce_emit(w, &p->u.nonce, err);
	case IKEV2_PL_NOTIFY:	return ikev2_notify_emit(w, &p->u.notify, err);
	case IKEV2_PL_DELETE:	return ikev2_delete_emit(w, &p->u.del, err);
	case IKEV2_PL_VENDOR:
		ikev2_wr_bytes(w, p->u.vendor.ptr, p->u.vendor.len);
		return wr_result(w, p->type, err);
	case IKEV2_PL_TSI:
	case IKEV2_PL_TSR:	return ikev2_ts_emit(w, p->u.ts, err);
	case IKEV2_PL_CP:	return ikev2_cp_emit(w, &p->u.cp, err);
	case IKEV2_PL_EAP:
		ikev2_wr_bytes(w, p->u.opaque.ptr, p->u.opaque.len);
		return wr_result(w, p->type, err);
	default:
		return FAIL(err, IKEV2_ERR_ARG, p->type,
		    "cannot emit payload type %u here", p->type);
	}
}

enum ikev2_err
ikev2_payload_emit(struct ikev2_wr *w, const struct ikev2_payload *p,
    uint8_t next, struct ikev2_error *err)
{
	size_t at = w->off;
	enum ikev2_err rc;

	ikev2_wr_u8(w, next);
	ikev2_wr_u8(w, p->critical ? IKEV2_CRITICAL : 0);
	ikev2_wr_u16(w, 0);	/* length, patched below */
	if ((rc = wr_result(w, p->type, err)) != IKEV2_OK)
		return rc;
	if ((rc = body_emit(w, p, err)) != IKEV2_OK)
		return rc;
	if (w->off - at > UINT16_MAX)
		return FAIL(err, IKEV2_ERR_ARG, p->type,
		    "%s: longer than 65535 bytes", pl_name(p->type));
	ikev2_wr_put_u16(w, at + 2, (uint16_t)(w->off - at));
	return IKEV2_OK;
}

enum ikev2_err
ikev2_payloads_emit(struct ikev2_wr *w, const struct ikev2_payload *pl,
    size_t n, uint8_t last_next, struct ikev2_error *err)
{
	enum ikev2_err rc;
	size_t i;

	for (i = 0; i < n; i++) {
		rc = ikev2_payload_emit(w, &pl[i],
		    i + 1 < n ? pl[i + 1].type : last_next, err);
		if (rc != IKEV2_OK)
			return rc;
	}
	return IKEV2_OK;
}
