/* Unit tests for the IKEv2 payload codec (iked/ikev2_payload.c). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ikev2_payload.h"

/* Parse one payload of `type` from bytes; returns the codec's result. */
static enum ikev2_err
parse1(const uint8_t *b, size_t len, uint8_t type, struct ikev2_payload *p,
    struct ikev2_error *err)
{
	struct ikev2_rd r;
	uint8_t next;

	ikev2_rd_init(&r, b, len);
	memset(err, 0, sizeof(*err));
	return ikev2_payload_parse(&r, type, p, &next, err);
}

/*
 * Emit p, parse the bytes back, emit the parsed payload again and
 * check both encodings are identical.  The parsed copy is returned in
 * *back (caller clears it); its chunks point into `wire`.
 */
static size_t
round_trip(const struct ikev2_payload *p, uint8_t *wire, size_t cap,
    struct ikev2_payload *back)
{
	struct ikev2_wr w, w2;
	struct ikev2_error err;
	uint8_t again[4096];
	size_t len;

	ikev2_wr_init(&w, wire, cap);
	assert_int_equal(ikev2_payload_emit(&w, p, IKEV2_PL_NONE, &err),
	    IKEV2_OK);
	len = w.off;
	assert_int_equal(parse1(wire, len, p->type, back, &err), IKEV2_OK);
	ikev2_wr_init(&w2, again, sizeof(again));
	assert_int_equal(ikev2_payload_emit(&w2, back, IKEV2_PL_NONE, &err),
	    IKEV2_OK);
	assert_int_equal(w2.off, len);
	assert_memory_equal(again, wire, len);
	return len;
}

/* Wrap a body in a generic payload header. */
static size_t
wrap(uint8_t *out, const uint8_t *body, size_t len)
{
	out[0] = 0;
	out[1] = 0;
	out[2] = (uint8_t)((len + 4) >> 8);
	out[3] = (uint8_t)(len + 4);
	memcpy(out + 4, body, len);
	return len + 4;
}

static void
reader_stops_at_end(void **state)
{
	static const uint8_t b[5] = { 1, 2, 3, 4, 5 };
	struct ikev2_rd r;
	uint32_t v32;
	uint16_t v16;
	uint64_t v64;

	(void)state;
	ikev2_rd_init(&r, b, sizeof(b));
	assert_true(ikev2_rd_u32(&r, &v32));
	assert_int_equal(v32, 0x01020304);
	assert_false(ikev2_rd_u16(&r, &v16));
	assert_int_equal(ikev2_rd_left(&r), 1);
	assert_false(ikev2_rd_u64(&r, &v64));
	assert_false(ikev2_rd_skip(&r, 2));
	assert_true(ikev2_rd_skip(&r, 1));
	assert_int_equal(ikev2_rd_left(&r), 0);
}

static void
writer_overflow_is_sticky(void **state)
{
	uint8_t b[3];
	struct ikev2_wr w;

	(void)state;
	ikev2_wr_init(&w, b, sizeof(b));
	assert_true(ikev2_wr_u16(&w, 0x0102));
	assert_false(ikev2_wr_u16(&w, 0x0304));
	assert_true(w.overflow);
	assert_false(ikev2_wr_u8(&w, 5));	/* would fit, but sticky */
	assert_int_equal(w.off, 2);
}

static void
names_come_from_one_table(void **state)
{
	struct ikev2_namebuf nb;

	(void)state;
	assert_string_equal(ikev2_name(IKEV2_REG_NOTIFY,
	    IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED),
	    "IKEV2_FRAGMENTATION_SUPPORTED");
	assert_string_equal(ikev2_name(IKEV2_REG_EXCHANGE, 35), "IKE_AUTH");
	assert_string_equal(ikev2_name(IKEV2_REG_PAYLOAD, 53), "SKF");
	assert_string_equal(ikev2_transform_id_name(IKEV2_XF_ENCR, 20),
	    "AES_GCM_16");
	assert_string_equal(ikev2_transform_id_name(IKEV2_XF_DH, 31),
	    "CURVE25519");
	assert_null(ikev2_name(IKEV2_REG_PAYLOAD, 99));
	assert_string_equal(ikev2_name_or_number(IKEV2_REG_NOTIFY, 60000,
	    &nb), "UNKNOWN(60000)");
	assert_int_equal(ikev2_err_notify(IKEV2_ERR_UNSUPPORTED_CRITICAL),
	    IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	assert_int_equal(ikev2_err_notify(IKEV2_ERR_TRUNCATED), 0);
}

/* ---- generic header ------------------------------------------------- */

static void
payload_rejects_short_generic_header(void **state)
{
	static const uint8_t b[] = { 0, 0, 0 };
	struct ikev2_payload p;
	struct ikev2_error err;

	(void)state;
	assert_int_equal(parse1(b, sizeof(b), IKEV2_PL_NONCE, &p, &err),
	    IKEV2_ERR_TRUNCATED);
}

static void
payload_rejects_length_past_end(void **state)
{
	uint8_t b[20] = { 0, 0, 0, 21 };
	struct ikev2_payload p;
	struct ikev2_error err;

	(void)state;
	assert_int_equal(parse1(b, sizeof(b), IKEV2_PL_NONCE, &p, &err),
	    IKEV2_ERR_TRUNCATED);
	assert_non_null(strstr(err.reason, "past end"));
}

static void
payload_rejects_length_below_header(void **state)
{
	uint8_t b[8] = { 0, 0, 0, 3 };
	struct ikev2_payload p;
	struct ikev2_error err;

	(void)state;
	assert_int_equal(parse1(b, sizeof(b), IKEV2_PL_VENDOR, &p, &err),
	    IKEV2_ERR_LENGTH);
}

static void
payload_unknown_type_keeps_critical_bit(void **state)
{
	static const uint8_t b[] = { 0, 0x80, 0, 6, 0xaa, 0xbb };
	struct ikev2_payload p;
	struct ikev2_error err;

	(void)state;
	assert_int_equal(parse1(b, sizeof(b), 200, &p, &err), IKEV2_OK);
	assert_true(p.critical);
	assert_false(ikev2_payload_known(200));
	assert_int_equal(p.raw.len, 2);
	ikev2_payload_clear(&p);
}

/* ---- SA ------------------------------------------------------------- */

static void
make_sa(struct ikev2_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->nproposals = 2;
	sa->proposals[0].num = 1;
	sa->proposals[0].protocol = IKEV2_PROTO_IKE;
	sa->proposals[0].ntransforms = 4;
	sa->proposals[0].transforms[0] = (struct ikev2_transform){
	    IKEV2_XF_ENCR, IKEV2_ENCR_AES_GCM_16, 256, false };
	sa->proposals[0].transforms[1] = (struct ikev2_transform){
	    IKEV2_XF_PRF, IKEV2_PRF_HMAC_SHA2_256, 0, false };
	sa->proposals[0].transforms[2] = (struct ikev2_transform){
	    IKEV2_XF_DH, IKEV2_DH_CURVE25519, 0, false };
	sa->proposals[0].transforms[3] = (struct ikev2_transform){
	    IKEV2_XF_DH, IKEV2_DH_ECP256, 0, false };
	sa->proposals[1].num = 2;
	sa->proposals[1].protocol = IKEV2_PROTO_IKE;
	sa->proposals[1].ntransforms = 3;
	sa->proposals[1].transforms[0] = (struct ikev2_transform){
	    IKEV2_XF_ENCR, IKEV2_ENCR_AES_CBC, 128, false };
	sa->proposals[1].transforms[1] = (struct ikev2_transform){
	    IKEV2_XF_INTEG, IKEV2_INTEG_HMAC_SHA2_256_128, 0, false };
	sa->proposals[1].transforms[2] = (struct ikev2_transform){
	    IKEV2_XF_PRF, IKEV2_PRF_HMAC_SHA2_256, 0, false };
}

static void
sa_round_trip_keeps_proposals_and_key_lengths(void **state)
{
	struct ikev2_sa sa;
	struct ikev2_payload p = { .type = IKEV2_PL_SA }, back;
	uint8_t wire[512];
	size_t len;

	(void)state;
	make_sa(&sa);
	p.u.sa = &sa;
	len = round_trip(&p, wire, sizeof(wire), &back);
	/* 4 + (8 + 12 + 8 + 8 + 8) + (8 + 12 + 8 + 8) */
	assert_int_equal(len, 4 + 44 + 36);
	assert_int_equal(back.u.sa->nproposals, 2);
	assert_int_equal(back.u.sa->proposals[0].transforms[0].keylen, 256);
	assert_int_equal(back.u.sa->proposals[0].transforms[3].id,
	    IKEV2_DH_ECP256);
	assert_int_equal(back.u.sa->proposals[1].transforms[1].type,
	    IKEV2_XF_INTEG);
	ikev2_payload_clear(&back);
}

static void
sa_round_trip_esp_proposal_with_spi(void **state)
{
	struct ikev2_sa sa;
	struct ikev2_payload p = { .type = IKEV2_PL_SA }, back;
	uint8_t wire[256];

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.nproposals = 1;
	sa.proposals[0] = (struct ikev2_proposal){ .num = 3,
	    .protocol = IKEV2_PROTO_ESP, .spi_len = 4,
	    .spi = { 0xc0, 0xff, 0xee, 0x01 }, .ntransforms = 2 };
	sa.proposals[0].transforms[0] = (struct ikev2_transform){
	    IKEV2_XF_ENCR, IKEV2_ENCR_AES_GCM_16, 128, false };
	sa.proposals[0].transforms[1] = (struct ikev2_transform){
	    IKEV2_XF_ESN, IKEV2_ESN_NO, 0, false };
	p.u.sa = &sa;
	round_trip(&p, wire, sizeof(wire), &back);
	/* a lone proposal (a response) keeps the number it was chosen by */
	assert_int_equal(back.u.sa->proposals[0].num, 3);
	assert_memory_equal(back.u.sa->proposals[0].spi,
	    sa.proposals[0].spi, 4);
	ikev2_payload_clear(&back);
}

/* Emit make_sa()'s SA into wire and return its length. */
static size_t
sa_wire(uint8_t *wire, size_t cap)
{
	struct ikev2_sa sa;
	struct ikev2_payload p = { .type = IKEV2_PL_SA };
	struct ikev2_wr w;
	struct ikev2_error err;

	make_sa(&sa);
	p.u.sa = &sa;
	ikev2_wr_init(&w, wire, cap);
	assert_int_equal(ikev2_payload_emit(&w, &p, 0, &err), IKEV2_OK);
	return w.off;
}

static enum ikev2_err
sa_parse_wire(uint8_t *wire, size_t len, struct ikev2_error *err)
{
	struct ikev2_payload p;
	enum ikev2_err rc;

	rc = parse1(wire, len, IKEV2_PL_SA, &p, err);
	if (rc == IKEV2_OK)
		ikev2_payload_clear(&p);
	return rc;
}

static void
sa_rejects_transform_length_below_minimum(void **state)
{
	uint8_t wire[512];
	size_t len = sa_wire(wire, sizeof(wire));
	struct ikev2_error err;

	(void)state;
	/* first transform starts at 4 (payload) + 8 (proposal) */
	wire[12 + 3] = 4;
	assert_int_equal(sa_parse_wire(wire, len, &err), IKEV2_ERR_LENGTH);
	assert_non_null(strstr(err.reason, "transform length"));
}

static void
sa_rejects_proposal_length_past_end(void **state)
{
	uint8_t wire[512];
	size_t len = sa_wire(wire, sizeof(wire));
	struct ikev2_error err;

	(void)state;
	wire[4 + 2] = 0x01;	/* proposal length 256 + 44 */
	assert_int_equal(sa_parse_wire(wire, len, &err), IKEV2_ERR_TRUNCATED);
}

static void
sa_rejects_transform_count_mismatch(void **state)
{
	uint8_t wire[512];
	size_t len = sa_wire(wire, sizeof(wire));
	struct ikev2_error err;

	(void)state;
	wire[4 + 7] = 5;	/* announces 5 transforms, has 4 */
	assert_int_equal(sa_parse_wire(wire, len, &err), IKEV2_ERR_SYNTAX);
	wire[4 + 7] = 3;	/* announces 3, has 4 */
	assert_int_equal(sa_parse_wire(wire, len, &err), IKEV2_ERR_SYNTAX);
}

static void
sa_rejects_proposals_out_of_sequence(void **state)
{
	uint8_t wire[512];
	size_t len = sa_wire(wire, sizeof(wire));
	struct ikev2_error err;

	(void)state;
	wire[4 + 44 + 4] = 3;	/* second proposal numbered 3 after 1 */
	assert_int_equal(sa_parse_wire(wire, len, &err), IKEV2_ERR_SYNTAX);
	assert_non_null(strstr(err.reason, "out of sequence"));
	wire[4 + 44 + 4] = 2;
	wire[4 + 4] = 0;	/* first numbered 0 */
	assert_int_equal(sa_parse_wire(wire, len, &err), IKEV2_ERR_SYNTAX);
}

static void
sa_rejects_several_proposals_not_starting_at_one(void **state)
{
	uint8_t wire[512];
	size_t len = sa_wire(wire, sizeof(wire));
	struct ikev2_error err;

	(void)state;
	wire[4 + 4] = 2;
	wire[4 + 44 + 4] = 3;
	assert_int_equal(sa_parse_wire(wire, len, &err), IKEV2_ERR_SYNTAX);
}

static void
sa_rejects_bad_last_marker(void **state)
{
	uint8_t wire[512];
	size_t len = sa_wire(wire, sizeof(wire));
	struct ikev2_error err;

	(void)state;
	wire[4 + 44] = 2;	/* last proposal says "more" */
	assert_int_equal(sa_parse_wire(wire, len, &err), IKEV2_ERR_SYNTAX);
	wire[4 + 44] = 0;
	wire[4] = 0;		/* first proposal says "last" */
	assert_int_equal(sa_parse_wire(wire, len, &err), IKEV2_ERR_SYNTAX);
}

static void
sa_rejects_esp_spi_size_other_than_four(void **state)
{
	static const uint8_t body[] = {
		0, 0, 0, 16, 1, IKEV2_PROTO_ESP, 8, 1,
		0, 0, 0, 8, IKEV2_XF_ENCR, 0, 0, 20,
	};
	uint8_t b[64];
	struct ikev2_error err;

	(void)state;
	assert_int_equal(sa_parse_wire(b, wrap(b, body, sizeof(body)), &err),
	    IKEV2_ERR_SYNTAX);
}

static void
sa_rejects_empty_and_too_many_transforms(void **state)
{
	static const uint8_t none[] = { 0, 0, 0, 8, 1, IKEV2_PROTO_IKE, 0, 0 };
	static const uint8_t many[] = {
		0, 0, 0, 8, 1, IKEV2_PROTO_IKE, 0, IKEV2_MAX_TRANSFORMS + 1 };
	uint8_t b[64];
	struct ikev2_error err;

	(void)state;
	assert_int_equal(sa_parse_wire(b, wrap(b, none, sizeof(none)), &err),
	    IKEV2_ERR_SYNTAX);
	assert_int_equal(sa_parse_wire(b, wrap(b, many, sizeof(many)), &err),
	    IKEV2_ERR_LIMIT);
}

static void
sa_marks_transform_with_unknown_attribute(void **state)
{
	static const uint8_t body[] = {
		0, 0, 0, 20, 1, IKEV2_PROTO_IKE, 0, 1,
		0, 0, 0, 12, IKEV2_XF_ENCR, 0, 0, 12, 0x80, 99, 0, 1,
	};
	uint8_t b[64];
	struct ikev2_payload p;
	struct ikev2_error err;

	(void)state;
	assert_int_equal(parse1(b, wrap(b, body, sizeof(body)), IKEV2_PL_SA,
	    &p, &err), IKEV2_OK);
	assert_true(p.u.sa->proposals[0].transforms[0].unknown_attr);
	assert_int_equal(p.u.sa->proposals[0].transforms[0].keylen, 0);
	ikev2_payload_clear(&p);
}

static void
sa_rejects_too_many_proposals(void **state)
{
	uint8_t body[(IKEV2_MAX_PROPOSALS + 1) * 16], b[sizeof(body) + 4];
	struct ikev2_error err;
	size_t i;

	(void)state;
	for (i = 0; i <= IKEV2_MAX_PROPOSALS; i++) {
		uint8_t *q = body + i * 16;
		static const uint8_t tmpl[16] = {
			2, 0, 0, 16, 0, IKEV2_PROTO_IKE, 0, 1,
			0, 0, 0, 8, IKEV2_XF_ENCR, 0, 0, 20 };

		memcpy(q, tmpl, sizeof(tmpl));
		q[4] = (uint8_t)(i + 1);
		if (i == IKEV2_MAX_PROPOSALS)
			q[0] = 0;
	}
	assert_int_equal(sa_parse_wire(b, wrap(b, body, sizeof(body)), &err),
	    IKEV2_ERR_LIMIT);
}

/* ---- KE, ID, AUTH, Nonce -------------------------------------------- */

static void
ke_round_trip_and_rejects_empty_data(void **state)
{
	static const uint8_t pub[32] = { 9, 8, 7 };
	static const uint8_t empty[] = { 0, 31, 0, 0 };
	struct ikev2_payload p = { .type = IKEV2_PL_KE }, back;
	struct ikev2_error err;
	uint8_t wire[64], b[16];

	(void)state;
	p.u.ke.group = IKEV2_DH_CURVE25519;
	p.u.ke.data = (struct ikev2_chunk){ pub, sizeof(pub) };
	assert_int_equal(round_trip(&p, wire, sizeof(wire), &back), 40);
	assert_int_equal(back.u.ke.group, IKEV2_DH_CURVE25519);
	assert_memory_equal(back.u.ke.data.ptr, pub, sizeof(pub));
	assert_int_equal(parse1(b, wrap(b, empty, sizeof(empty)), IKEV2_PL_KE,
	    &back, &err), IKEV2_ERR_LENGTH);
}

static void
id_round_trip_ipv4_ipv6_fqdn_null(void **state)
{
	static const uint8_t v4[4] = { 192, 0, 2, 1 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const char fqdn[] = "east.oe.test";
	struct ikev2_payload p = { .type = IKEV2_PL_IDI }, back;
	uint8_t wire[64], body[64];
	size_t blen;

	(void)state;
	p.u.id = (struct ikev2_id){ IKEV2_ID_IPV4_ADDR, { v4, 4 } };
	assert_int_equal(round_trip(&p, wire, sizeof(wire), &back), 12);
	assert_memory_equal(back.u.id.data.ptr, v4, 4);
	/* the raw body is what AUTH signs, and ikev2_id_body matches it */
	assert_int_equal(ikev2_id_body(&p.u.id, body, sizeof(body), &blen),
	    IKEV2_OK);
	assert_int_equal(blen, back.raw.len);
	assert_memory_equal(body, back.raw.ptr, blen);
	p.type = IKEV2_PL_IDR;
	p.u.id = (struct ikev2_id){ IKEV2_ID_IPV6_ADDR, { v6, 16 } };
	assert_int_equal(round_trip(&p, wire, sizeof(wire), &back), 24);
	p.u.id = (struct ikev2_id){ IKEV2_ID_FQDN,
	    { (const uint8_t *)fqdn, strlen(fqdn) } };
	round_trip(&p, wire, sizeof(wire), &back);
	assert_int_equal(back.u.id.data.len, strlen(fqdn));
	p.u.id = (struct ikev2_id){ IKEV2_ID_NULL, { NULL, 0 } };
	assert_int_equal(round_trip(&p, wire, sizeof(wire), &back), 8);
}

static void
id_rejects_wrong_address_lengths(void **state)
{
	static const uint8_t v4_5[] = { IKEV2_ID_IPV4_ADDR, 0, 0, 0, 1, 2, 3, 4, 5 };
	static const uint8_t v4_3[] = { IKEV2_ID_IPV4_ADDR, 0, 0, 0, 1, 2, 3 };
	static const uint8_t v6_4[] = { IKEV2_ID_IPV6_ADDR, 0, 0, 0, 1, 2, 3, 4 };
	static const uint8_t null_1[] = { IKEV2_ID_NULL, 0, 0, 0, 1 };
	uint8_t b[32];
	struct ikev2_payload p;
	struct ikev2_error err;

	(void)state;
	assert_int_equal(parse1(b, wrap(b, v4_5, sizeof(v4_5)), IKEV2_PL_IDI,
	    &p, &err), IKEV2_ERR_LENGTH);
	assert_int_equal(err.payload, IKEV2_PL_IDI);
	assert_int_equal(parse1(b, wrap(b, v4_3, sizeof(v4_3)), IKEV2_PL_IDR,
	    &p, &err), IKEV2_ERR_LENGTH);
	assert_int_equal(err.payload, IKEV2_PL_IDR);
	assert_int_equal(parse1(b, wrap(b, v6_4, sizeof(v6_4)), IKEV2_PL_IDI,
	    &p, &err), IKEV2_ERR_LENGTH);
	assert_int_equal(parse1(b, wrap(b, null_1, sizeof(null_1)),
	    IKEV2_PL_IDI, &p, &err), IKEV2_ERR_LENGTH);
}

static void
id_rejects_fqdn_with_control_bytes_or_empty(void **state)
{
	static const uint8_t nul[] = { IKEV2_ID_FQDN, 0, 0, 0, 'a', 0, 'b' };
	static const uint8_t empty[] = { IKEV2_ID_FQDN, 0, 0, 0 };
	static const uint8_t hdr[] = { IKEV2_ID_FQDN, 0, 0 };
	uint8_t b[32];
	struct ikev2_payload p;
	struct ikev2_error err;

	(void)state;
	assert_int_equal(parse1(b, wrap(b, nul, sizeof(nul)), IKEV2_PL_IDI,
	    &p, &err), IKEV2_ERR_SYNTAX);
	assert_int_equal(parse1(b, wrap(b, empty, sizeof(empty)), IKEV2_PL_IDI,
	    &p, &err), IKEV2_ERR_LENGTH);
	assert_int_equal(parse1(b, wrap(b, hdr, sizeof(hdr)), IKEV2_PL_IDI,
	    &p, &err), IKEV2_ERR_LENGTH);
}

static void
auth_round_trip_and_signature_split(void **state)
{
	/* RFC 7427: len, AlgorithmIdentifier, signature */
	static const uint8_t data[] = { 3, 0x30, 0x01, 0x00, 0xaa, 0xbb };
	static const uint8_t bad[] = { 9, 0x30, 0x01 };
	struct ikev2_payload p = { .type = IKEV2_PL_AUTH }, back;
	struct ikev2_chunk alg, sig;
	struct ikev2_error err;
	uint8_t wire[64];

	(void)state;
	p.u.auth = (struct ikev2_auth){ IKEV2_AUTH_DIGITAL_SIGNATURE,
	    { data, sizeof(data) } };
	round_trip(&p, wire, sizeof(wire), &back);
	assert_int_equal(ikev2_auth_sig_split(&back.u.auth, &alg, &sig, &err),
	    IKEV2_OK);
	assert_int_equal(alg.len, 3);
	assert_int_equal(sig.len, 2);
	assert_int_equal(sig.ptr[0], 0xaa);
	p.u.auth.data = (struct ikev2_chunk){ bad, sizeof(bad) };
	assert_int_equal(ikev2_auth_sig_split(&p.u.auth, &alg, &sig, &err),
	    IKEV2_ERR_LENGTH);
	p.u.auth.method = IKEV2_AUTH_RSA_SIG;
	assert_int_equal(ikev2_auth_sig_split(&p.u.auth, &alg, &sig, &err),
	    IKEV2_ERR_SYNTAX);
}

static void
nonce_rejects_lengths_outside_16_to_256(void **state)
{
	uint8_t body[257] = { 0 }, b[300];
	struct ikev2_payload p = { .type = IKEV2_PL_NONCE }, back;
	struct ikev2_error err;

	(void)state;
	assert_int_equal(parse1(b, wrap(b, body, 15), IKEV2_PL_NONCE, &back,
	    &err), IKEV2_ERR_LENGTH);
	assert_int_equal(parse1(b, wrap(b, body, 257), IKEV2_PL_NONCE, &back,
	    &err), IKEV2_ERR_LENGTH);
	p.u.nonce = (struct ikev2_chunk){ body, 32 };
	assert_int_equal(round_trip(&p, b, sizeof(b), &back), 36);
	p.u.nonce.len = 8;
	{
		struct ikev2_wr w;

		ikev2_wr_init(&w, b, sizeof(b));
		assert_int_equal(ikev2_payload_emit(&w, &p, 0, &err),
		    IKEV2_ERR_ARG);
	}
}

/* ---- Notify --------------------------------------------------------- */

static void
notify_round_trip_with_spi_and_data(void **state)
{
	static const uint8_t data[] = { 1, 2, 3 };
	struct ikev2_payload p = { .type = IKEV2_PL_NOTIFY }, back;
	uint8_t wire[64];

	(void)state;
	p.u.notify = (struct ikev2_notify){ .protocol = IKEV2_PROTO_ESP,
	    .spi_len = 4, .spi = { 1, 2, 3, 4 }, .type = 40000,
	    .data = { data, 3 } };
	assert_int_equal(round_trip(&p, wire, sizeof(wire), &back), 15);
	assert_int_equal(back.u.notify.type, 40000);
	assert_int_equal(back.u.notify.spi_len, 4);
	assert_memory_equal(back.u.notify.data.ptr, data, 3);
}

static void
notify_rejects_bad_spi_size_and_truncated_spi(void **state)
{
	static const uint8_t odd[] = { 3, 3, 0x40, 0x00, 1, 2, 3 };
	static const uint8_t cut[] = { 3, 4, 0x40, 0x00, 1, 2 };
	uint8_t b[32];
	struct ikev2_payload p;
	struct ikev2_error err;

	(void)state;
	assert_int_equal(parse1(b, wrap(b, odd, sizeof(odd)), IKEV2_PL_NOTIFY,
	    &p, &err), IKEV2_ERR_SYNTAX);
	assert_int_equal(parse1(b, wrap(b, cut, sizeof(cut)), IKEV2_PL_NOTIFY,
	    &p, &err), IKEV2_ERR_TRUNCATED);
}

static void
notify_helpers_check_type_and_length(void **state)
{
	uint8_t store[2], cookie[65] = { 0 }, natd[21] = { 0 };
	static const uint8_t hashes[] = { 0, 2, 0, 3, 0, 4 };
	struct ikev2_payload p;
	struct ikev2_chunk c;
	struct ikev2_error err;
	uint16_t group, algs[4];
	size_t n;
	uint32_t spi;
	uint8_t proto, type;

	(void)state;
	ikev2_notify_make_u16(&p, IKEV2_N_INVALID_KE_PAYLOAD, 19, store);
	assert_int_equal(ikev2_notify_invalid_ke(&p.u.notify, &group, &err),
	    IKEV2_OK);
	assert_int_equal(group, 19);
	assert_true(ikev2_notify_is_error(&p.u.notify));
	p.u.notify.data.len = 1;
	assert_int_equal(ikev2_notify_invalid_ke(&p.u.notify, &group, &err),
	    IKEV2_ERR_LENGTH);

	ikev2_notify_make(&p, IKEV2_N_COOKIE, cookie, 64);
	assert_int_equal(ikev2_notify_cookie(&p.u.notify, &c, &err), IKEV2_OK);
	assert_int_equal(c.len, 64);
	assert_false(ikev2_notify_is_error(&p.u.notify));
	ikev2_notify_make(&p, IKEV2_N_COOKIE, cookie, 65);
	assert_int_equal(ikev2_notify_cookie(&p.u.notify, &c, &err),
	    IKEV2_ERR_LENGTH);
	ikev2_notify_make(&p, IKEV2_N_COOKIE, NULL, 0);
	assert_int_equal(ikev2_notify_cookie(&p.u.notify, &c, &err),
	    IKEV2_ERR_LENGTH);

	ikev2_notify_make(&p, IKEV2_N_NAT_DETECTION_DESTINATION_IP, natd, 20);
	assert_int_equal(ikev2_notify_natd(&p.u.notify, &c, &err), IKEV2_OK);
	ikev2_notify_make(&p, IKEV2_N_NAT_DETECTION_SOURCE_IP, natd, 21);
	assert_int_equal(ikev2_notify_natd(&p.u.notify, &c, &err),
	    IKEV2_ERR_LENGTH);
	/* a helper refuses a notify of another type */
	ikev2_notify_make(&p, IKEV2_N_INITIAL_CONTACT, natd, 20);
	assert_int_equal(ikev2_notify_natd(&p.u.notify, &c, &err),
	    IKEV2_ERR_ARG);

	ikev2_notify_make(&p, IKEV2_N_SIGNATURE_HASH_ALGORITHMS, hashes, 6);
	assert_int_equal(ikev2_notify_sig_hashes(&p.u.notify, algs, 4, &n,
	    &err), IKEV2_OK);
	assert_int_equal(n, 3);
	assert_int_equal(algs[2], IKEV2_HASH_SHA2_512);
	assert_int_equal(ikev2_notify_sig_hashes(&p.u.notify, algs, 2, &n,
	    &err), IKEV2_ERR_LIMIT);
	p.u.notify.data.len = 5;
	assert_int_equal(ikev2_notify_sig_hashes(&p.u.notify, algs, 4, &n,
	    &err), IKEV2_ERR_LENGTH);

	ikev2_notify_make_rekey_sa(&p, IKEV2_PROTO_ESP, 0xdeadbeef);
	assert_int_equal(ikev2_notify_rekey_sa(&p.u.notify, &proto, &spi,
	    &err), IKEV2_OK);
	assert_int_equal(spi, 0xdeadbeef);
	p.u.notify.protocol = IKEV2_PROTO_IKE;
	assert_int_equal(ikev2_notify_rekey_sa(&p.u.notify, &proto, &spi,
	    &err), IKEV2_ERR_SYNTAX);

	store[0] = 200;
	ikev2_notify_make(&p, IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD, store, 1);
	assert_int_equal(ikev2_notify_unsupported_critical(&p.u.notify, &type,
	    &err), IKEV2_OK);
	assert_int_equal(type, 200);
}

/* ---- Delete --------------------------------------------------------- */

static void
delete_round_trip_esp_spis(void **state)
{
	static const uint8_t spis[] = { 0, 0, 0, 1, 0xff, 0, 0, 2 };
	struct ikev2_payload p = { .type = IKEV2_PL_DELETE }, back;
	uint8_t wire[64];
	uint32_t spi;

	(void)state;
	p.u.del = (struct ikev2_delete){ IKEV2_PROTO_ESP, 4, 2,
	    { spis, sizeof(spis) } };
	assert_int_equal(round_trip(&p, wire, sizeof(wire), &back), 16);
	assert_true(ikev2_delete_spi(&back.u.del, 1, &spi));
	assert_int_equal(spi, 0xff000002);
	assert_false(ikev2_delete_spi(&back.u.del, 2, &spi));
	p.u.del = (struct ikev2_delete){ IKEV2_PROTO_IKE, 0, 0, { NULL, 0 } };
	assert_int_equal(round_trip(&p, wire, sizeof(wire), &back), 8);
}

static void
delete_rejects_inconsistent_spi_counts(void **state)
{
	static const uint8_t ike_spi[] = { IKEV2_PROTO_IKE, 8, 0, 1,
	    1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t short_spis[] = { IKEV2_PROTO_ESP, 4, 0, 2,
	    1, 2, 3, 4, 5, 6 };
	static const uint8_t many[] = { IKEV2_PROTO_ESP, 4, 0xff, 0xff,
	    1, 2, 3, 4 };
	uint8_t b[32];
	struct ikev2_payload p;
	struct ikev2_error err;

	(void)state;
	assert_int_equal(parse1(b, wrap(b, ike_spi, sizeof(ike_spi)),
	    IKEV2_PL_DELETE, &p, &err), IKEV2_ERR_SYNTAX);
	assert_int_equal(parse1(b, wrap(b, short_spis, sizeof(short_spis)),
	    IKEV2_PL_DELETE, &p, &err), IKEV2_ERR_LENGTH);
	assert_int_equal(parse1(b, wrap(b, many, sizeof(many)),
	    IKEV2_PL_DELETE, &p, &err), IKEV2_ERR_LENGTH);
}

/* ---- TS ------------------------------------------------------------- */

static void
ts_round_trip_ipv4_and_ipv6_ranges(void **state)
{
	struct ikev2_ts_list ts;
	struct ikev2_payload p = { .type = IKEV2_PL_TSI }, back;
	uint8_t wire[128];

	(void)state;
	memset(&ts, 0, sizeof(ts));
	ts.count = 2;
	ts.ts[0] = (struct ikev2_ts){ IKEV2_TS_IPV4_ADDR_RANGE, 6, 443, 443,
	    { 198, 51, 100, 2 }, { 198, 51, 100, 2 } };
	ts.ts[1] = (struct ikev2_ts){ IKEV2_TS_IPV6_ADDR_RANGE, 0, 0, 65535,
	    { 0x20, 0x01, 0x0d, 0xb8 },
	    { 0x20, 0x01, 0x0d, 0xb8, [4] = 0xff, [15] = 0xff } };
	p.u.ts = &ts;
	assert_int_equal(round_trip(&p, wire, sizeof(wire), &back),
	    8 + 16 + 40);
	assert_int_equal(back.u.ts->count, 2);
	assert_int_equal(back.u.ts->ts[0].ip_proto, 6);
	assert_int_equal(back.u.ts->ts[0].start_port, 443);
	assert_memory_equal(back.u.ts->ts[1].end_addr, ts.ts[1].end_addr, 16);
	ikev2_payload_clear(&back);
	/* OPAQUE ports: start 65535, end 0 */
	ts.count = 1;
	ts.ts[0].start_port = 65535;
	ts.ts[0].end_port = 0;
	p.type = IKEV2_PL_TSR;
	round_trip(&p, wire, sizeof(wire), &back);
	assert_int_equal(back.u.ts->ts[0].start_port, 65535);
	ikev2_payload_clear(&back);
}

static const uint8_t ts_v4[] = {
	1, 0, 0, 0,
	IKEV2_TS_IPV4_ADDR_RANGE, 17, 0, 16, 0, 10, 0, 20,
	10, 0, 0, 1, 10, 0, 0, 9,
};

static enum ikev2_err
ts_parse_patched(size_t at, uint8_t v, size_t len, struct ikev2_error *err)
{
	uint8_t body[sizeof(ts_v4)], b[64];
	struct ikev2_payload p;
	enum ikev2_err rc;

	memcpy(body, ts_v4, sizeof(body));
	if (at < sizeof(body))
		body[at] = v;
	rc = parse1(b, wrap(b, body, len), IKEV2_PL_TSI, &p, err);
	if (rc == IKEV2_OK)
		ikev2_payload_clear(&p);
	return rc;
}

static void
ts_rejects_bad_ranges_and_lengths(void **state)
{
	struct ikev2_error err;

	(void)state;
	assert_int_equal(ts_parse_patched(99, 0, sizeof(ts_v4), &err),
	    IKEV2_OK);
	/* start address above end address */
	assert_int_equal(ts_parse_patched(15, 10, sizeof(ts_v4), &err),
	    IKEV2_ERR_SYNTAX);
	assert_non_null(strstr(err.reason, "address"));
	/* start port 30 above end port 20 */
	assert_int_equal(ts_parse_patched(9, 30, sizeof(ts_v4), &err),
	    IKEV2_ERR_SYNTAX);
	/* selector length 24 for an IPv4 range */
	assert_int_equal(ts_parse_patched(7, 24, sizeof(ts_v4), &err),
	    IKEV2_ERR_LENGTH);
	/* zero and too many selectors */
	assert_int_equal(ts_parse_patched(0, 0, sizeof(ts_v4), &err),
	    IKEV2_ERR_SYNTAX);
	assert_int_equal(ts_parse_patched(0, IKEV2_MAX_TS + 1, sizeof(ts_v4),
	    &err), IKEV2_ERR_LIMIT);
	/* two announced, one present */
	assert_int_equal(ts_parse_patched(0, 2, sizeof(ts_v4), &err),
	    IKEV2_ERR_TRUNCATED);
	/* truncated selector */
	assert_int_equal(ts_parse_patched(99, 0, sizeof(ts_v4) - 2, &err),
	    IKEV2_ERR_TRUNCATED);
	/* unknown selector type */
	assert_int_equal(ts_parse_patched(4, 9, sizeof(ts_v4), &err),
	    IKEV2_ERR_UNSUPPORTED);
	assert_int_equal(err.payload, IKEV2_PL_TSI);
}

static void
ts_rejects_trailing_bytes(void **state)
{
	uint8_t body[sizeof(ts_v4) + 2] = { 0 }, b[64];
	struct ikev2_payload p;
	struct ikev2_error err;

	(void)state;
	memcpy(body, ts_v4, sizeof(ts_v4));
	assert_int_equal(parse1(b, wrap(b, body, sizeof(body)), IKEV2_PL_TSR,
	    &p, &err), IKEV2_ERR_LENGTH);
}

/* ---- CP, CERT, CERTREQ, V, SKF -------------------------------------- */

static void
cp_round_trip_and_rejects_attribute_past_end(void **state)
{
	static const uint8_t attrs[] = { 0, 1, 0, 0, 0, 3, 0, 4, 1, 2, 3, 4 };
	static const uint8_t bad[] = { IKEV2_CP_REQUEST, 0, 0, 0, 0, 1, 0, 8,
	    1, 2 };
	struct ikev2_payload p = { .type = IKEV2_PL_CP }, back;
	struct ikev2_error err;
	uint8_t wire[64];

	(void)state;
	p.u.cp = (struct ikev2_cp){ IKEV2_CP_REPLY, { attrs, sizeof(attrs) } };
	assert_int_equal(round_trip(&p, wire, sizeof(wire), &back), 20);
	assert_int_equal(back.u.cp.cfg_type, IKEV2_CP_REPLY);
	assert_int_equal(parse1(wire, wrap(wire, bad, sizeof(bad)),
	    IKEV2_PL_CP, &back, &err), IKEV2_ERR_TRUNCATED);
}

static void
cert_certreq_vendor_eap_round_trip(void **state)
{
	static const uint8_t der[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };
	static const uint8_t vid[] = "OE-iked";
	struct ikev2_payload p = { .type = IKEV2_PL_CERT }, back;
	uint8_t wire[64];

	(void)state;
	p.u.cert = (struct ikev2_cert){ IKEV2_CERT_X509_SIG,
	    { der, sizeof(der) } };
	assert_int_equal(round_trip(&p, wire, sizeof(wire), &back), 10);
	assert_int_equal(back.u.cert.encoding, IKEV2_CERT_X509_SIG);
	p.type = IKEV2_PL_CERTREQ;
	round_trip(&p, wire, sizeof(wire), &back);
	memset(&p, 0, sizeof(p));
	p.type = IKEV2_PL_VENDOR;
	p.critical = true;	/* the flag survives a round trip */
	p.u.vendor = (struct ikev2_chunk){ vid, sizeof(vid) - 1 };
	round_trip(&p, wire, sizeof(wire), &back);
	assert_true(back.critical);
	assert_int_equal(back.u.vendor.len, 7);
	/* EAP is carried opaque */
	p.type = IKEV2_PL_EAP;
	p.critical = false;
	p.u.opaque = (struct ikev2_chunk){ der, sizeof(der) };
	assert_int_equal(round_trip(&p, wire, sizeof(wire), &back), 9);
}

static void
skf_rejects_fragment_number_outside_total(void **state)
{
	static const uint8_t zero[] = { 0, 0, 0, 2, 0xaa };
	static const uint8_t above[] = { 0, 3, 0, 2, 0xaa };
	static const uint8_t ok[] = { 0, 2, 0, 2, 0xaa };
	uint8_t b[16];
	struct ikev2_payload p;
	struct ikev2_error err;

	(void)state;
	assert_int_equal(parse1(b, wrap(b, zero, sizeof(zero)), IKEV2_PL_SKF,
	    &p, &err), IKEV2_ERR_SYNTAX);
	assert_int_equal(parse1(b, wrap(b, above, sizeof(above)), IKEV2_PL_SKF,
	    &p, &err), IKEV2_ERR_SYNTAX);
	assert_int_equal(parse1(b, wrap(b, ok, sizeof(ok)), IKEV2_PL_SKF,
	    &p, &err), IKEV2_OK);
	assert_int_equal(p.u.sk.frag_num, 2);
	assert_int_equal(p.u.sk.body.len, 1);
	/* header only, no encrypted body */
	assert_int_equal(parse1(b, wrap(b, ok, 4), IKEV2_PL_SKF, &p, &err),
	    IKEV2_ERR_LENGTH);
}

static void
emit_reports_small_buffer(void **state)
{
	static const uint8_t nonce[32];
	struct ikev2_payload p = { .type = IKEV2_PL_NONCE };
	struct ikev2_wr w;
	struct ikev2_error err;
	uint8_t b[20];

	(void)state;
	p.u.nonce = (struct ikev2_chunk){ nonce, sizeof(nonce) };
	ikev2_wr_init(&w, b, sizeof(b));
	assert_int_equal(ikev2_payload_emit(&w, &p, 0, &err),
	    IKEV2_ERR_NOSPACE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reader_stops_at_end),
		cmocka_unit_test(writer_overflow_is_sticky),
		cmocka_unit_test(names_come_from_one_table),
		cmocka_unit_test(payload_rejects_short_generic_header),
		cmocka_unit_test(payload_rejects_length_past_end),
		cmocka_unit_test(payload_rejects_length_below_header),
		cmocka_unit_test(payload_unknown_type_keeps_critical_bit),
		cmocka_unit_test(sa_round_trip_keeps_proposals_and_key_lengths),
		cmocka_unit_test(sa_round_trip_esp_proposal_with_spi),
		cmocka_unit_test(sa_rejects_transform_length_below_minimum),
		cmocka_unit_test(sa_rejects_proposal_length_past_end),
		cmocka_unit_test(sa_rejects_transform_count_mismatch),
		cmocka_unit_test(sa_rejects_proposals_out_of_sequence),
		cmocka_unit_test(sa_rejects_several_proposals_not_starting_at_one),
		cmocka_unit_test(sa_rejects_bad_last_marker),
		cmocka_unit_test(sa_rejects_esp_spi_size_other_than_four),
		cmocka_unit_test(sa_rejects_empty_and_too_many_transforms),
		cmocka_unit_test(sa_marks_transform_with_unknown_attribute),
		cmocka_unit_test(sa_rejects_too_many_proposals),
		cmocka_unit_test(ke_round_trip_and_rejects_empty_data),
		cmocka_unit_test(id_round_trip_ipv4_ipv6_fqdn_null),
		cmocka_unit_test(id_rejects_wrong_address_lengths),
		cmocka_unit_test(id_rejects_fqdn_with_control_bytes_or_empty),
		cmocka_unit_test(auth_round_trip_and_signature_split),
		cmocka_unit_test(nonce_rejects_lengths_outside_16_to_256),
		cmocka_unit_test(notify_round_trip_with_spi_and_data),
		cmocka_unit_test(notify_rejects_bad_spi_size_and_truncated_spi),
		cmocka_unit_test(notify_helpers_check_type_and_length),
		cmocka_unit_test(delete_round_trip_esp_spis),
		cmocka_unit_test(delete_rejects_inconsistent_spi_counts),
		cmocka_unit_test(ts_round_trip_ipv4_and_ipv6_ranges),
		cmocka_unit_test(ts_rejects_bad_ranges_and_lengths),
		cmocka_unit_test(ts_rejects_trailing_bytes),
		cmocka_unit_test(cp_round_trip_and_rejects_attribute_past_end),
		cmocka_unit_test(cert_certreq_vendor_eap_round_trip),
		cmocka_unit_test(skf_rejects_fragment_number_outside_total),
		cmocka_unit_test(emit_reports_small_buffer),
	};

	return cmocka_run_group_tests_name("ikev2_payload", tests, NULL, NULL);
}
