/*
 * Unit tests for the IKEv2 message codec (iked/ikev2_message.c):
 * header, payload chain, legality table, SK/SKF envelope with a toy
 * cipher, fragmentation and reassembly.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ikev2_message.h"

/* ---- helpers -------------------------------------------------------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode hex, ignoring spaces and newlines. */
static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s != '\0'; s++) {
		if ((v = hexval(*s)) < 0)
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		assert_true(n < cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	assert_int_equal(hi, -1);
	return n;
}

/*
 * Toy cipher for the codec tests only (it protects nothing): IV of 8
 * bytes, 16-byte blocks with IKE padding, a 16-byte checksum "ICV" over
 * AAD || IV || ciphertext so that the AAD range is verified too.
 */
#define TOY_IV	8
#define TOY_BLK	16
#define TOY_ICV	16

struct toy {
	uint8_t	counter;
	int	fail;
};

static size_t
toy_body_len(void *arg, size_t plain_len)
{
	(void)arg;
	return TOY_IV + (plain_len + 1 + TOY_BLK - 1) / TOY_BLK * TOY_BLK +
	    TOY_ICV;
}

static void
toy_icv(const uint8_t *b, size_t len, uint8_t icv[TOY_ICV])
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < TOY_ICV; i++) {
		size_t j;

		for (j = i; j < len; j += TOY_ICV)
			h = (h ^ b[j]) * 16777619u;
		icv[i] = (uint8_t)(h >> 8);
	}
}

static int
toy_encrypt(void *arg, const uint8_t *aad, size_t aad_len,
    const uint8_t *plain, size_t plain_len, uint8_t *out, size_t cap,
    size_t *out_len)
{
	struct toy *t = arg;
	size_t body = toy_body_len(arg, plain_len), text, i;
	uint8_t *iv = out, *ct = out + TOY_IV;

	if (t->fail || cap < body)
		return -1;
	/* the codec promises that out follows aad directly */
	assert_ptr_equal(aad + aad_len, out);
	text = body - TOY_IV - TOY_ICV;
	memset(iv, ++t->counter, TOY_IV);
	memcpy(ct, plain, plain_len);
	memset(ct + plain_len, 0, text - plain_len - 1);
	ct[text - 1] = (uint8_t)(text - plain_len - 1);
	for (i = 0; i < text; i++)
		ct[i] ^= (uint8_t)(0x5a ^ iv[i % TOY_IV]);
	toy_icv(aad, aad_len + TOY_IV + text, ct + text);
	*out_len = body;
	return 0;
}

/* Decrypt the SK/SKF payload of m into out; returns the inner length. */
static size_t
toy_decrypt(const struct ikev2_message *m, uint8_t *out, size_t cap)
{
	const struct ikev2_sk *sk = &m->sk->u.sk;
	uint8_t icv[TOY_ICV];
	size_t text, i, inner;
	struct ikev2_error err;

	assert_true(sk->body.len >= TOY_IV + TOY_BLK + TOY_ICV);
	text = sk->body.len - TOY_IV - TOY_ICV;
	/* AAD and body are adjacent in the datagram */
	assert_ptr_equal(sk->aad.ptr + sk->aad.len, sk->body.ptr);
	toy_icv(sk->aad.ptr, sk->aad.len + TOY_IV + text, icv);
	assert_memory_equal(icv, sk->body.ptr + TOY_IV + text, TOY_ICV);
	assert_true(text <= cap);
	for (i = 0; i < text; i++)
		out[i] = sk->body.ptr[TOY_IV + i] ^
		    (uint8_t)(0x5a ^ sk->body.ptr[i % TOY_IV]);
	assert_int_equal(ikev2_sk_unpad(out, text, &inner, &err), IKEV2_OK);
	return inner;
}

static struct toy toy_state;
static const struct ikev2_sk_cipher toy_cipher = {
	&toy_state, toy_body_len, toy_encrypt,
};

static const struct ikev2_header hdr_init_req = {
	.ispi = 0x0102030405060708ULL, .exchange = IKEV2_EXCH_IKE_SA_INIT,
	.flags = IKEV2_FLAG_INITIATOR,
};

static const struct ikev2_header hdr_auth_req = {
	.ispi = 0x0102030405060708ULL, .rspi = 0x1112131415161718ULL,
	.exchange = IKEV2_EXCH_IKE_AUTH, .flags = IKEV2_FLAG_INITIATOR,
	.msgid = 1,
};

/* Write an IKE header for hand-built messages; length patched later. */
static size_t
raw_header(uint8_t *b, uint8_t next, uint8_t exch, uint8_t flags,
    uint32_t msgid, bool rspi)
{
	static const uint8_t spis[16] = { 1, 2, 3, 4, 5, 6, 7, 8,
	    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18 };

	memcpy(b, spis, 16);
	if (!rspi)
		memset(b + 8, 0, 8);
	b[16] = next;
	b[17] = IKEV2_VERSION;
	b[18] = exch;
	b[19] = flags;
	b[20] = (uint8_t)(msgid >> 24);
	b[21] = (uint8_t)(msgid >> 16);
	b[22] = (uint8_t)(msgid >> 8);
	b[23] = (uint8_t)msgid;
	return IKEV2_HEADER_LEN;
}

static size_t
raw_payload(uint8_t *b, uint8_t next, uint8_t flags, const uint8_t *body,
    size_t len)
{
	b[0] = next;
	b[1] = flags;
	b[2] = (uint8_t)((len + 4) >> 8);
	b[3] = (uint8_t)(len + 4);
	if (len > 0)
		memcpy(b + 4, body, len);
	return len + 4;
}

static void
raw_finish(uint8_t *b, size_t len)
{
	b[24] = (uint8_t)(len >> 24);
	b[25] = (uint8_t)(len >> 16);
	b[26] = (uint8_t)(len >> 8);
	b[27] = (uint8_t)len;
}

static enum ikev2_err
parse(const uint8_t *b, size_t len, struct ikev2_error *err)
{
	struct ikev2_message *m;
	enum ikev2_err rc;

	rc = ikev2_message_parse(b, len, &m, err);
	if (rc == IKEV2_OK)
		assert_non_null(m);
	else
		assert_null(m);
	ikev2_message_free(m);
	return rc;
}

/* ---- a real IKE_SA_INIT request ------------------------------------- */

/*
 * IKE_SA_INIT request as this daemon sends it: one IKE proposal
 * (AES-GCM-16-256, PRF-HMAC-SHA2-256, Curve25519), KE, Ni, NAT-D
 * source and destination, IKEV2_FRAGMENTATION_SUPPORTED and
 * SIGNATURE_HASH_ALGORITHMS.  Written out byte by byte from RFC 7296
 * 3.1-3.10 and RFC 7383/7427.
 */
static const char init_req_hex[] =
    /* IKE header: SPIi, SPIr, next SA, 2.0, IKE_SA_INIT, I, ID 0, len 222 */
    "0102030405060708 0000000000000000 21 20 22 08 00000000 000000de"
    /* SA: next KE, len 40; proposal last, len 36, #1, IKE, SPI 0, 3 xf */
    "22 00 0028  00 00 0024 01 01 00 03"
    /* ENCR AES_GCM_16, key length 256 (TV attribute 14) */
    "03 00 000c 01 00 0014 800e 0100"
    /* PRF HMAC_SHA2_256 */
    "03 00 0008 02 00 0005"
    /* KE Curve25519, last transform */
    "00 00 0008 04 00 001f"
    /* KE: next Nonce, len 40, group 31, reserved, 32 bytes */
    "28 00 0028 001f 0000"
    "1111111111111111111111111111111111111111111111111111111111111111"
    /* Ni: next N, len 36 */
    "29 00 0024"
    "2222222222222222222222222222222222222222222222222222222222222222"
    /* N(NAT_DETECTION_SOURCE_IP 16388) */
    "29 00 001c 00 00 4004 3333333333333333333333333333333333333333"
    /* N(NAT_DETECTION_DESTINATION_IP 16389) */
    "29 00 001c 00 00 4005 4444444444444444444444444444444444444444"
    /* N(IKEV2_FRAGMENTATION_SUPPORTED 16430) */
    "29 00 0008 00 00 402e"
    /* N(SIGNATURE_HASH_ALGORITHMS 16431): SHA2-256, -384, -512 */
    "00 00 000e 00 00 402f 0002 0003 0004";

static void
ike_sa_init_request_emits_expected_bytes(void **state)
{
	uint8_t ke[32], ni[32], natd_s[20], natd_d[20], hashes[6] = {
	    0, 2, 0, 3, 0, 4 };
	uint8_t expect[512], out[512];
	struct ikev2_sa sa;
	struct ikev2_payload pl[7];
	struct ikev2_error err;
	size_t elen, olen;

	(void)state;
	memset(ke, 0x11, sizeof(ke));
	memset(ni, 0x22, sizeof(ni));
	memset(natd_s, 0x33, sizeof(natd_s));
	memset(natd_d, 0x44, sizeof(natd_d));
	memset(&sa, 0, sizeof(sa));
	memset(pl, 0, sizeof(pl));
	sa.nproposals = 1;
	sa.proposals[0].num = 1;
	sa.proposals[0].protocol = IKEV2_PROTO_IKE;
	sa.proposals[0].ntransforms = 3;
	sa.proposals[0].transforms[0] = (struct ikev2_transform){
	    IKEV2_XF_ENCR, IKEV2_ENCR_AES_GCM_16, 256, false };
	sa.proposals[0].transforms[1] = (struct ikev2_transform){
	    IKEV2_XF_PRF, IKEV2_PRF_HMAC_SHA2_256, 0, false };
	sa.proposals[0].transforms[2] = (struct ikev2_transform){
	    IKEV2_XF_DH, IKEV2_DH_CURVE25519, 0, false };
	pl[0].type = IKEV2_PL_SA;
	pl[0].u.sa = &sa;
	pl[1].type = IKEV2_PL_KE;
	pl[1].u.ke = (struct ikev2_ke){ IKEV2_DH_CURVE25519, { ke, 32 } };
	pl[2].type = IKEV2_PL_NONCE;
	pl[2].u.nonce = (struct ikev2_chunk){ ni, 32 };
	ikev2_notify_make(&pl[3], IKEV2_N_NAT_DETECTION_SOURCE_IP, natd_s, 20);
	ikev2_notify_make(&pl[4], IKEV2_N_NAT_DETECTION_DESTINATION_IP,
	    natd_d, 20);
	ikev2_notify_make(&pl[5], IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED,
	    NULL, 0);
	ikev2_notify_make(&pl[6], IKEV2_N_SIGNATURE_HASH_ALGORITHMS, hashes,
	    6);
	elen = unhex(init_req_hex, expect, sizeof(expect));
	assert_int_equal(elen, 222);
	assert_int_equal(ikev2_message_emit(&hdr_init_req, pl, 7, out,
	    sizeof(out), &olen, &err), IKEV2_OK);
	assert_int_equal(olen, elen);
	assert_memory_equal(out, expect, elen);
	/* too small a buffer is reported, not overrun */
	assert_int_equal(ikev2_message_emit(&hdr_init_req, pl, 7, out, 100,
	    &olen, &err), IKEV2_ERR_NOSPACE);
}

static void
ike_sa_init_request_decodes_to_typed_fields(void **state)
{
	uint8_t b[512], again[512];
	struct ikev2_message *m;
	struct ikev2_error err;
	const struct ikev2_payload *p;
	struct ikev2_chunk natd;
	uint16_t algs[8];
	size_t len, n, alen;

	(void)state;
	len = unhex(init_req_hex, b, sizeof(b));
	assert_int_equal(ikev2_message_parse(b, len, &m, &err), IKEV2_OK);
	assert_int_equal(m->hdr.ispi, 0x0102030405060708ULL);
	assert_int_equal(m->hdr.exchange, IKEV2_EXCH_IKE_SA_INIT);
	assert_false(ikev2_message_is_response(m));
	assert_null(m->sk);
	assert_int_equal(m->npayloads, 7);
	p = ikev2_message_find(m, IKEV2_PL_SA, NULL);
	assert_non_null(p);
	assert_int_equal(p->u.sa->proposals[0].transforms[0].keylen, 256);
	assert_int_equal(p->u.sa->proposals[0].transforms[2].id,
	    IKEV2_DH_CURVE25519);
	p = ikev2_message_find(m, IKEV2_PL_KE, NULL);
	assert_int_equal(p->u.ke.group, 31);
	assert_int_equal(p->u.ke.data.len, 32);
	p = ikev2_message_find_notify(m, IKEV2_N_NAT_DETECTION_DESTINATION_IP);
	assert_non_null(p);
	assert_int_equal(ikev2_notify_natd(&p->u.notify, &natd, &err),
	    IKEV2_OK);
	assert_int_equal(natd.ptr[0], 0x44);
	p = ikev2_message_find_notify(m, IKEV2_N_SIGNATURE_HASH_ALGORITHMS);
	assert_int_equal(ikev2_notify_sig_hashes(&p->u.notify, algs, 8, &n,
	    &err), IKEV2_OK);
	assert_int_equal(n, 3);
	assert_non_null(ikev2_message_find_notify(m,
	    IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED));
	assert_null(ikev2_message_find_notify(m, IKEV2_N_COOKIE));
	/* parsed payloads emit back to the same datagram */
	assert_int_equal(ikev2_message_emit(&m->hdr, m->payloads,
	    m->npayloads, again, sizeof(again), &alen, &err), IKEV2_OK);
	assert_int_equal(alen, len);
	assert_memory_equal(again, b, len);
	ikev2_message_free(m);
}

/*
 * An IKE_SA_INIT response written by hand from the figures of RFC 7296
 * (Figure 4 header, 5 generic payload header, 6-8 SA/proposal/
 * transform, 9 attribute, 10 KE, 15 Nonce, 18 Vendor ID): responder
 * chose proposal 2 (AES-CBC-128, HMAC-SHA2-256-128, PRF-HMAC-SHA2-256,
 * ECP-256).
 */
static const char rfc_init_resp_hex[] =
    /* Figure 4: SPIi, SPIr, next SA(33), 2.0, IKE_SA_INIT, R, 0, len */
    "a1a2a3a4a5a6a7a8 b1b2b3b4b5b6b7b8 21 20 22 20 00000000 000000c4"
    /* Figure 5/6: SA, next KE(34), C=0, length 48 */
    "22 00 0030"
    /* Figure 7: last, RESERVED, length 44, Proposal 2, IKE, SPI 0, 4 */
    "00 00 002c 02 01 00 04"
    /* Figure 8/9: ENCR(1) AES_CBC(12) with Key Length 128 */
    "03 00 000c 01 00 000c 800e 0080"
    /* INTEG(3) AUTH_HMAC_SHA2_256_128(12) */
    "03 00 0008 03 00 000c"
    /* PRF(2) PRF_HMAC_SHA2_256(5) */
    "03 00 0008 02 00 0005"
    /* D-H(4) 256-bit random ECP group (19), last */
    "00 00 0008 04 00 0013"
    /* Figure 10: KE, next Nonce(40), length 72, group 19, 64 bytes */
    "28 00 0048 0013 0000"
    "0f0e0d0c0b0a09080706050403020100 0f0e0d0c0b0a09080706050403020100"
    "f0e0d0c0b0a090807060504030201000 f0e0d0c0b0a090807060504030201000"
    /* Figure 15: Nonce, next V(43), length 36, 32 bytes */
    "2b 00 0024 00112233445566778899aabbccddeeff"
    "ffeeddccbbaa99887766554433221100"
    /* Figure 18: Vendor ID, last, length 12 */
    "00 00 000c 6f652d696b656421";

static void
rfc7296_figures_ike_sa_init_response_decodes(void **state)
{
	uint8_t b[512];
	struct ikev2_message *m;
	struct ikev2_error err;
	const struct ikev2_payload *p;
	const struct ikev2_proposal *prop;
	size_t len;

	(void)state;
	len = unhex(rfc_init_resp_hex, b, sizeof(b));
	assert_int_equal(len, 196);
	assert_int_equal(ikev2_message_parse(b, len, &m, &err), IKEV2_OK);
	assert_true(ikev2_message_is_response(m));
	assert_int_equal(m->hdr.rspi, 0xb1b2b3b4b5b6b7b8ULL);
	assert_int_equal(m->npayloads, 4);
	prop = &ikev2_message_find(m, IKEV2_PL_SA, NULL)->u.sa->proposals[0];
	assert_int_equal(prop->num, 2);
	assert_int_equal(prop->ntransforms, 4);
	assert_int_equal(prop->transforms[0].id, IKEV2_ENCR_AES_CBC);
	assert_int_equal(prop->transforms[0].keylen, 128);
	assert_int_equal(prop->transforms[1].id,
	    IKEV2_INTEG_HMAC_SHA2_256_128);
	assert_int_equal(prop->transforms[3].id, IKEV2_DH_ECP256);
	p = ikev2_message_find(m, IKEV2_PL_KE, NULL);
	assert_int_equal(p->u.ke.data.len, 64);
	assert_int_equal(p->u.ke.data.ptr[63], 0x00);
	p = ikev2_message_find(m, IKEV2_PL_NONCE, NULL);
	assert_int_equal(p->u.nonce.len, 32);
	assert_int_equal(p->u.nonce.ptr[31], 0x00);
	p = ikev2_message_find(m, IKEV2_PL_VENDOR, NULL);
	assert_memory_equal(p->u.vendor.ptr, "oe-iked!", 8);
	ikev2_message_free(m);
}

/* ---- header --------------------------------------------------------- */

static void
header_checks_length_version_spi_and_exchange(void **state)
{
	uint8_t b[512], c[512];
	struct ikev2_header h;
	struct ikev2_error err;
	size_t len;

	(void)state;
	len = unhex(init_req_hex, b, sizeof(b));
	assert_int_equal(ikev2_header_parse(b, len, &h, &err), IKEV2_OK);
	assert_int_equal(ikev2_header_parse(b, 27, &h, &err),
	    IKEV2_ERR_TRUNCATED);
	/* length field differs from the datagram */
	assert_int_equal(ikev2_header_parse(b, len - 1, &h, &err),
	    IKEV2_ERR_LENGTH);
	memcpy(c, b, len);
	c[17] = 0x30;	/* major version 3 */
	assert_int_equal(ikev2_header_parse(c, len, &h, &err),
	    IKEV2_ERR_VERSION);
	assert_int_equal(ikev2_err_notify(err.code),
	    IKEV2_N_INVALID_MAJOR_VERSION);
	c[17] = 0x21;	/* minor version is ignored */
	assert_int_equal(ikev2_header_parse(c, len, &h, &err), IKEV2_OK);
	memcpy(c, b, len);
	memset(c, 0, 8);	/* zero SPIi */
	assert_int_equal(ikev2_header_parse(c, len, &h, &err),
	    IKEV2_ERR_SYNTAX);
	memcpy(c, b, len);
	c[18] = 99;
	assert_int_equal(ikev2_header_parse(c, len, &h, &err),
	    IKEV2_ERR_UNSUPPORTED);
	memcpy(c, b, len);
	c[23] = 1;	/* IKE_SA_INIT with message ID 1 */
	assert_int_equal(ikev2_header_parse(c, len, &h, &err),
	    IKEV2_ERR_SYNTAX);
	memcpy(c, b, len);
	c[18] = IKEV2_EXCH_IKE_AUTH;	/* IKE_AUTH with zero SPIr */
	assert_int_equal(ikev2_header_parse(c, len, &h, &err),
	    IKEV2_ERR_SYNTAX);
	memset(c, 0xff, sizeof(c));
	assert_int_equal(ikev2_header_parse(c, 70000, &h, &err),
	    IKEV2_ERR_LIMIT);
}

/* ---- payload chain -------------------------------------------------- */

/* IKE_SA_INIT request with an extra payload of `type`/`flags` before Ni. */
static size_t
init_with_extra(uint8_t *b, uint8_t type, uint8_t flags)
{
	static const uint8_t ke[] = { 0, 19, 0, 0, 1, 2, 3, 4 };
	static const uint8_t sa[] = { 0, 0, 0, 16, 1, 1, 0, 1,
	    0, 0, 0, 8, 1, 0, 0, 20 };
	static const uint8_t ni[16] = { 0 };
	static const uint8_t junk[] = { 0xde, 0xad };
	size_t n = raw_header(b, IKEV2_PL_SA, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_INITIATOR, 0, false);

	n += raw_payload(b + n, IKEV2_PL_KE, 0, sa, sizeof(sa));
	n += raw_payload(b + n, type, 0, ke, sizeof(ke));
	n += raw_payload(b + n, IKEV2_PL_NONCE, flags, junk, sizeof(junk));
	n += raw_payload(b + n, IKEV2_PL_NONE, 0, ni, sizeof(ni));
	raw_finish(b, n);
	return n;
}

static void
message_skips_unknown_noncritical_payload(void **state)
{
	uint8_t b[256];
	struct ikev2_message *m;
	struct ikev2_error err;
	size_t len = init_with_extra(b, 200, 0);

	(void)state;
	assert_int_equal(ikev2_message_parse(b, len, &m, &err), IKEV2_OK);
	assert_int_equal(m->npayloads, 3);
	assert_int_equal(m->payloads[2].type, IKEV2_PL_NONCE);
	ikev2_message_free(m);
}

static void
message_rejects_unknown_critical_payload_with_its_type(void **state)
{
	uint8_t b[256];
	struct ikev2_error err;
	size_t len = init_with_extra(b, 200, IKEV2_CRITICAL);

	(void)state;
	assert_int_equal(parse(b, len, &err), IKEV2_ERR_UNSUPPORTED_CRITICAL);
	assert_int_equal(err.payload, 200);
	assert_int_equal(ikev2_err_notify(err.code),
	    IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	/* the critical bit means nothing on a payload we know (RFC 7296 2.5) */
	len = init_with_extra(b, IKEV2_PL_VENDOR, IKEV2_CRITICAL);
	assert_int_equal(parse(b, len, &err), IKEV2_OK);
}

static void
message_rejects_trailing_bytes_and_truncated_chain(void **state)
{
	uint8_t b[256];
	struct ikev2_error err;
	size_t len = init_with_extra(b, IKEV2_PL_VENDOR, 0);

	(void)state;
	/* two bytes after the last payload, counted in the IKE length */
	b[len] = 0;
	b[len + 1] = 0;
	raw_finish(b, len + 2);
	assert_int_equal(parse(b, len + 2, &err), IKEV2_ERR_LENGTH);
	/* last payload's length runs past the datagram */
	raw_finish(b, len - 1);
	assert_int_equal(parse(b, len - 1, &err), IKEV2_ERR_TRUNCATED);
}

static void
message_rejects_more_than_max_payloads(void **state)
{
	uint8_t b[1024];
	struct ikev2_error err;
	size_t n, i;

	(void)state;
	n = raw_header(b, IKEV2_PL_VENDOR, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_INITIATOR, 0, false);
	for (i = 0; i <= IKEV2_MAX_PAYLOADS; i++)
		n += raw_payload(b + n, i < IKEV2_MAX_PAYLOADS ?
		    IKEV2_PL_VENDOR : IKEV2_PL_NONE, 0, NULL, 0);
	raw_finish(b, n);
	assert_int_equal(parse(b, n, &err), IKEV2_ERR_LIMIT);
}

/* ---- legality ------------------------------------------------------- */

static void
ike_sa_init_legality_counts_and_requires_payloads(void **state)
{
	static const uint8_t ni[16] = { 0 };
	static const uint8_t auth[] = { 2, 0, 0, 0, 1 };
	uint8_t b[256];
	struct ikev2_error err;
	size_t n;

	(void)state;
	/* only a Nonce: the first required payload missing is SA */
	n = raw_header(b, IKEV2_PL_NONCE, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_INITIATOR, 0, false);
	n += raw_payload(b + n, IKEV2_PL_NONE, 0, ni, sizeof(ni));
	raw_finish(b, n);
	assert_int_equal(parse(b, n, &err), IKEV2_ERR_ILLEGAL);
	assert_string_equal(err.reason, "IKE_SA_INIT request: SA missing");
	assert_int_equal(err.payload, IKEV2_PL_SA);

	n = raw_header(b, IKEV2_PL_NONCE, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_INITIATOR, 0, false);
	n += raw_payload(b + n, IKEV2_PL_NONCE, 0, ni, sizeof(ni));
	n += raw_payload(b + n, IKEV2_PL_NONE, 0, ni, sizeof(ni));
	raw_finish(b, n);
	assert_int_equal(parse(b, n, &err), IKEV2_ERR_ILLEGAL);
	assert_string_equal(err.reason,
	    "IKE_SA_INIT request: 2 Nonce payloads (max 1)");

	n = raw_header(b, IKEV2_PL_AUTH, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_INITIATOR, 0, false);
	n += raw_payload(b + n, IKEV2_PL_NONE, 0, auth, sizeof(auth));
	raw_finish(b, n);
	assert_int_equal(parse(b, n, &err), IKEV2_ERR_ILLEGAL);
	assert_string_equal(err.reason,
	    "IKE_SA_INIT request: AUTH not allowed");
}

static void
second_sa_is_refused_before_it_is_decoded(void **state)
{
	static const uint8_t sa[] = { 0, 0, 0, 16, 1, 1, 0, 1,
	    0, 0, 0, 8, 1, 0, 0, 20 };
	static const uint8_t bad[] = { 0xff, 0xff };
	uint8_t b[128];
	struct ikev2_error err;
	size_t n;

	(void)state;
	/* the second SA body is garbage: the count rule must fire first */
	n = raw_header(b, IKEV2_PL_SA, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_INITIATOR, 0, false);
	n += raw_payload(b + n, IKEV2_PL_SA, 0, sa, sizeof(sa));
	n += raw_payload(b + n, IKEV2_PL_NONE, 0, bad, sizeof(bad));
	raw_finish(b, n);
	assert_int_equal(parse(b, n, &err), IKEV2_ERR_ILLEGAL);
	assert_string_equal(err.reason,
	    "IKE_SA_INIT request: 2 SA payloads (max 1)");
}

static void
ike_sa_init_error_responses_need_no_sa(void **state)
{
	static const uint8_t cookie[] = { 0, 0, 0x40, 0x06, 1, 2, 3, 4 };
	static const uint8_t nopc[] = { 0, 0, 0, 14 };
	static const uint8_t initial[] = { 0, 0, 0x40, 0x00 };
	uint8_t b[128];
	struct ikev2_error err;
	size_t n;

	(void)state;
	n = raw_header(b, IKEV2_PL_NOTIFY, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_RESPONSE, 0, false);
	n += raw_payload(b + n, IKEV2_PL_NONE, 0, cookie, sizeof(cookie));
	raw_finish(b, n);
	assert_int_equal(parse(b, n, &err), IKEV2_OK);
	n = raw_header(b, IKEV2_PL_NOTIFY, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_RESPONSE, 0, false);
	n += raw_payload(b + n, IKEV2_PL_NONE, 0, nopc, sizeof(nopc));
	raw_finish(b, n);
	assert_int_equal(parse(b, n, &err), IKEV2_OK);
	/* a status notify alone does not excuse the missing SA */
	n = raw_header(b, IKEV2_PL_NOTIFY, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_RESPONSE, 0, false);
	n += raw_payload(b + n, IKEV2_PL_NONE, 0, initial, sizeof(initial));
	raw_finish(b, n);
	assert_int_equal(parse(b, n, &err), IKEV2_ERR_ILLEGAL);
	/* nor does a cookie in a request */
	n = raw_header(b, IKEV2_PL_NOTIFY, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_INITIATOR, 0, false);
	n += raw_payload(b + n, IKEV2_PL_NONE, 0, cookie, sizeof(cookie));
	raw_finish(b, n);
	assert_int_equal(parse(b, n, &err), IKEV2_ERR_ILLEGAL);
}

static void
ike_auth_request_with_auth_outside_sk_is_illegal(void **state)
{
	static const uint8_t auth[] = { 2, 0, 0, 0, 1 };
	static const uint8_t body[32] = { 0 };
	uint8_t b[128];
	struct ikev2_error err;
	size_t n;

	(void)state;
	n = raw_header(b, IKEV2_PL_AUTH, IKEV2_EXCH_IKE_AUTH,
	    IKEV2_FLAG_INITIATOR, 1, true);
	n += raw_payload(b + n, IKEV2_PL_SK, 0, auth, sizeof(auth));
	n += raw_payload(b + n, IKEV2_PL_IDI, 0, body, sizeof(body));
	raw_finish(b, n);
	assert_int_equal(parse(b, n, &err), IKEV2_ERR_ILLEGAL);
	assert_string_equal(err.reason, "IKE_AUTH request: AUTH outside SK");
	assert_int_equal(ikev2_err_notify(err.code), IKEV2_N_INVALID_SYNTAX);
	/* without any SK */
	n = raw_header(b, IKEV2_PL_NONE, IKEV2_EXCH_INFORMATIONAL,
	    IKEV2_FLAG_INITIATOR, 2, true);
	raw_finish(b, n);
	assert_int_equal(parse(b, n, &err), IKEV2_ERR_ILLEGAL);
	assert_string_equal(err.reason, "INFORMATIONAL request: no SK payload");
	/* SK in IKE_SA_INIT */
	n = raw_header(b, IKEV2_PL_SK, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_INITIATOR, 0, false);
	n += raw_payload(b + n, IKEV2_PL_NONE, 0, body, sizeof(body));
	raw_finish(b, n);
	assert_int_equal(parse(b, n, &err), IKEV2_ERR_ILLEGAL);
}

static void
sk_must_be_last_payload(void **state)
{
	static const uint8_t body[32] = { 0 };
	uint8_t b[128];
	struct ikev2_error err;
	size_t n;

	(void)state;
	n = raw_header(b, IKEV2_PL_SK, IKEV2_EXCH_INFORMATIONAL,
	    IKEV2_FLAG_INITIATOR, 2, true);
	n += raw_payload(b + n, IKEV2_PL_NONE, 0, body, sizeof(body));
	n += raw_payload(b + n, IKEV2_PL_NONE, 0, body, 4);
	raw_finish(b, n);
	assert_int_equal(parse(b, n, &err), IKEV2_ERR_SYNTAX);
	assert_non_null(strstr(err.reason, "not the last"));
}

/* Emit an SK message, parse it, decrypt and decode the inner part. */
static enum ikev2_err
sk_trip(const struct ikev2_header *h, const struct ikev2_payload *pl,
    size_t n, struct ikev2_message **out, struct ikev2_error *err)
{
	uint8_t wire[8192], plain[8192];
	size_t len, plen;
	enum ikev2_err rc;

	assert_int_equal(ikev2_message_emit_sk(h, pl, n, &toy_cipher, wire,
	    sizeof(wire), &len, err), IKEV2_OK);
	assert_int_equal(ikev2_message_parse(wire, len, out, err), IKEV2_OK);
	assert_non_null((*out)->sk);
	assert_int_equal((*out)->sk->u.sk.aad.len, IKEV2_HEADER_LEN + 4);
	assert_memory_equal((*out)->sk->u.sk.aad.ptr, wire,
	    IKEV2_HEADER_LEN + 4);
	plen = toy_decrypt(*out, plain, sizeof(plain));
	rc = ikev2_parse_inner(*out, (*out)->sk->u.sk.first, plain, plen, err);
	memset(plain, 0, sizeof(plain));
	return rc;
}

static const uint8_t id_fqdn[] = "west.oe.test";
static const uint8_t auth_sig[64] = { 0xa5 };

static void
make_auth_payloads(struct ikev2_payload *pl, struct ikev2_sa *sa,
    struct ikev2_ts_list *tsi, struct ikev2_ts_list *tsr)
{
	memset(pl, 0, 6 * sizeof(*pl));
	memset(sa, 0, sizeof(*sa));
	memset(tsi, 0, sizeof(*tsi));
	memset(tsr, 0, sizeof(*tsr));
	pl[0].type = IKEV2_PL_IDI;
	pl[0].u.id = (struct ikev2_id){ IKEV2_ID_FQDN,
	    { id_fqdn, sizeof(id_fqdn) - 1 } };
	pl[1].type = IKEV2_PL_AUTH;
	pl[1].u.auth = (struct ikev2_auth){ IKEV2_AUTH_RSA_SIG,
	    { auth_sig, sizeof(auth_sig) } };
	ikev2_notify_make(&pl[2], IKEV2_N_USE_TRANSPORT_MODE, NULL, 0);
	sa->nproposals = 1;
	sa->proposals[0] = (struct ikev2_proposal){ .num = 1,
	    .protocol = IKEV2_PROTO_ESP, .spi_len = 4,
	    .spi = { 0xca, 0xfe, 0, 1 }, .ntransforms = 2 };
	sa->proposals[0].transforms[0] = (struct ikev2_transform){
	    IKEV2_XF_ENCR, IKEV2_ENCR_AES_GCM_16, 256, false };
	sa->proposals[0].transforms[1] = (struct ikev2_transform){
	    IKEV2_XF_ESN, IKEV2_ESN_NO, 0, false };
	pl[3].type = IKEV2_PL_SA;
	pl[3].u.sa = sa;
	tsi->count = 1;
	tsi->ts[0] = (struct ikev2_ts){ IKEV2_TS_IPV4_ADDR_RANGE, 0, 0, 65535,
	    { 192, 0, 2, 1 }, { 192, 0, 2, 1 } };
	*tsr = *tsi;
	tsr->ts[0].start_addr[3] = tsr->ts[0].end_addr[3] = 2;
	pl[4].type = IKEV2_PL_TSI;
	pl[4].u.ts = tsi;
	pl[5].type = IKEV2_PL_TSR;
	pl[5].u.ts = tsr;
}

static void
ike_auth_request_sk_round_trip_decodes_inner_payloads(void **state)
{
	struct ikev2_payload pl[6];
	struct ikev2_sa sa;
	struct ikev2_ts_list tsi, tsr;
	struct ikev2_message *m;
	struct ikev2_error err;
	const struct ikev2_payload *p;

	(void)state;
	make_auth_payloads(pl, &sa, &tsi, &tsr);
	assert_int_equal(sk_trip(&hdr_auth_req, pl, 6, &m, &err), IKEV2_OK);
	assert_true(m->decrypted);
	assert_int_equal(m->npayloads, 7);	/* SK + 6 inner */
	p = ikev2_message_find(m, IKEV2_PL_IDI, NULL);
	assert_true(p->inner);
	assert_int_equal(p->u.id.type, IKEV2_ID_FQDN);
	assert_memory_equal(p->u.id.data.ptr, id_fqdn, 12);
	p = ikev2_message_find(m, IKEV2_PL_TSR, NULL);
	assert_int_equal(p->u.ts->ts[0].start_addr[3], 2);
	assert_non_null(ikev2_message_find_notify(m,
	    IKEV2_N_USE_TRANSPORT_MODE));
	{
		char line[160], small[24];

		assert_string_equal(ikev2_message_summary(m, line,
		    sizeof(line)), "IKE_AUTH request #1 [ SK{ IDi AUTH "
		    "N(USE_TRANSPORT_MODE) SA TSi TSr } ]");
		assert_string_equal(ikev2_message_summary(m, small,
		    sizeof(small)), "IKE_AUTH request #1 ...");
	}
	/* a second decode of the same message is refused */
	assert_int_equal(ikev2_parse_inner(m, IKEV2_PL_NONE, NULL, 0, &err),
	    IKEV2_ERR_ARG);
	ikev2_message_free(m);
}

static void
ike_auth_inner_legality_is_checked(void **state)
{
	struct ikev2_payload pl[6];
	struct ikev2_sa sa;
	struct ikev2_ts_list tsi, tsr;
	struct ikev2_message *m;
	struct ikev2_error err;

	(void)state;
	make_auth_payloads(pl, &sa, &tsi, &tsr);
	/* SA without TSi/TSr */
	assert_int_equal(sk_trip(&hdr_auth_req, pl, 4, &m, &err),
	    IKEV2_ERR_ILLEGAL);
	assert_string_equal(err.reason, "IKE_AUTH request: "
	    "SA without TSi/TSr or TSi/TSr without SA");
	/* the failed decode left the outer message as it was */
	assert_false(m->decrypted);
	assert_int_equal(m->npayloads, 1);
	ikev2_message_free(m);
	/* childless IKE_AUTH (RFC 6023) is fine */
	assert_int_equal(sk_trip(&hdr_auth_req, pl, 3, &m, &err), IKEV2_OK);
	ikev2_message_free(m);
	/* AUTH missing */
	pl[1] = pl[2];
	assert_int_equal(sk_trip(&hdr_auth_req, pl, 2, &m, &err),
	    IKEV2_ERR_ILLEGAL);
	assert_string_equal(err.reason, "IKE_AUTH request: AUTH missing");
	ikev2_message_free(m);
}

static void
ike_auth_failure_response_needs_only_the_notify(void **state)
{
	struct ikev2_header h = hdr_auth_req;
	struct ikev2_payload pl[1];
	struct ikev2_message *m;
	struct ikev2_error err;

	(void)state;
	h.flags = IKEV2_FLAG_RESPONSE;
	ikev2_notify_make(&pl[0], IKEV2_N_AUTHENTICATION_FAILED, NULL, 0);
	assert_int_equal(sk_trip(&h, pl, 1, &m, &err), IKEV2_OK);
	ikev2_message_free(m);
	ikev2_notify_make(&pl[0], IKEV2_N_INITIAL_CONTACT, NULL, 0);
	assert_int_equal(sk_trip(&h, pl, 1, &m, &err), IKEV2_ERR_ILLEGAL);
	assert_string_equal(err.reason, "IKE_AUTH response: IDr missing");
	ikev2_message_free(m);
}

static void
informational_empty_and_delete_are_legal(void **state)
{
	static const uint8_t spi[4] = { 1, 2, 3, 4 };
	struct ikev2_header h = hdr_auth_req;
	struct ikev2_payload pl[1];
	struct ikev2_message *m;
	struct ikev2_error err;

	(void)state;
	h.exchange = IKEV2_EXCH_INFORMATIONAL;
	h.msgid = 7;
	/* empty INFORMATIONAL: liveness check */
	assert_int_equal(sk_trip(&h, NULL, 0, &m, &err), IKEV2_OK);
	assert_int_equal(m->sk->u.sk.first, IKEV2_PL_NONE);
	assert_int_equal(m->npayloads, 1);
	ikev2_message_free(m);
	memset(pl, 0, sizeof(pl));
	pl[0].type = IKEV2_PL_DELETE;
	pl[0].u.del = (struct ikev2_delete){ IKEV2_PROTO_ESP, 4, 1,
	    { spi, 4 } };
	assert_int_equal(sk_trip(&h, pl, 1, &m, &err), IKEV2_OK);
	ikev2_message_free(m);
	/* a Nonce has no business in INFORMATIONAL */
	pl[0].type = IKEV2_PL_NONCE;
	pl[0].u.nonce = (struct ikev2_chunk){ auth_sig, 16 };
	assert_int_equal(sk_trip(&h, pl, 1, &m, &err), IKEV2_ERR_ILLEGAL);
	assert_string_equal(err.reason,
	    "INFORMATIONAL request: Nonce not allowed");
	ikev2_message_free(m);
}

static void
create_child_sa_requires_sa_and_nonce_and_paired_ts(void **state)
{
	struct ikev2_header h = hdr_auth_req;
	struct ikev2_payload pl[6], cc[4];
	struct ikev2_sa sa;
	struct ikev2_ts_list tsi, tsr;
	struct ikev2_message *m;
	struct ikev2_error err;
	static const uint8_t ni[32] = { 7 };

	(void)state;
	h.exchange = IKEV2_EXCH_CREATE_CHILD_SA;
	h.msgid = 3;
	make_auth_payloads(pl, &sa, &tsi, &tsr);
	cc[0] = pl[3];				/* SA */
	memset(&cc[1], 0, sizeof(cc[1]));
	cc[1].type = IKEV2_PL_NONCE;
	cc[1].u.nonce = (struct ikev2_chunk){ ni, sizeof(ni) };
	cc[2] = pl[4];				/* TSi */
	cc[3] = pl[5];				/* TSr */
	assert_int_equal(sk_trip(&h, cc, 4, &m, &err), IKEV2_OK);
	ikev2_message_free(m);
	assert_int_equal(sk_trip(&h, cc, 3, &m, &err), IKEV2_ERR_ILLEGAL);
	assert_string_equal(err.reason,
	    "CREATE_CHILD_SA request: TSi and TSr not paired");
	ikev2_message_free(m);
	assert_int_equal(sk_trip(&h, cc, 1, &m, &err), IKEV2_ERR_ILLEGAL);
	assert_string_equal(err.reason,
	    "CREATE_CHILD_SA request: Nonce missing");
	ikev2_message_free(m);
}

static void
parse_inner_rejects_nested_sk_and_bad_chain(void **state)
{
	uint8_t wire[512], inner[64];
	struct ikev2_message *m;
	struct ikev2_error err;
	size_t len, n;
	struct ikev2_header h = hdr_auth_req;

	(void)state;
	h.exchange = IKEV2_EXCH_INFORMATIONAL;
	assert_int_equal(ikev2_message_emit_sk(&h, NULL, 0, &toy_cipher, wire,
	    sizeof(wire), &len, &err), IKEV2_OK);
	assert_int_equal(ikev2_message_parse(wire, len, &m, &err), IKEV2_OK);
	n = raw_payload(inner, IKEV2_PL_NONE, 0, wire, 20);
	assert_int_equal(ikev2_parse_inner(m, IKEV2_PL_SK, inner, n, &err),
	    IKEV2_ERR_ILLEGAL);
	assert_int_equal(m->npayloads, 1);
	/* inner chain with a length past the plaintext */
	inner[3] = 60;
	assert_int_equal(ikev2_parse_inner(m, IKEV2_PL_VENDOR, inner, n, &err),
	    IKEV2_ERR_TRUNCATED);
	/* still decodable afterwards */
	assert_int_equal(ikev2_parse_inner(m, IKEV2_PL_NONE, NULL, 0, &err),
	    IKEV2_OK);
	ikev2_message_free(m);
}

static void
emit_sk_wipes_buffer_when_cipher_fails(void **state)
{
	struct ikev2_payload pl[6];
	struct ikev2_sa sa;
	struct ikev2_ts_list tsi, tsr;
	struct ikev2_error err;
	uint8_t wire[1024], zero[1024] = { 0 };
	size_t len = 0;

	(void)state;
	make_auth_payloads(pl, &sa, &tsi, &tsr);
	memset(wire, 0xee, sizeof(wire));
	toy_state.fail = 1;
	assert_int_equal(ikev2_message_emit_sk(&hdr_auth_req, pl, 6,
	    &toy_cipher, wire, sizeof(wire), &len, &err), IKEV2_ERR_CRYPTO);
	toy_state.fail = 0;
	/* every byte the codec wrote is gone; the tail was never touched */
	assert_memory_equal(wire, zero, 32);
	assert_int_equal(ikev2_message_emit_sk(&hdr_auth_req, pl, 6,
	    &toy_cipher, wire, 64, &len, &err), IKEV2_ERR_NOSPACE);
}

static void
sk_unpad_rejects_pad_length_past_text(void **state)
{
	uint8_t t[8] = { 1, 2, 3, 4, 5, 6, 7, 7 };
	struct ikev2_error err;
	size_t n;

	(void)state;
	assert_int_equal(ikev2_sk_unpad(t, 8, &n, &err), IKEV2_OK);
	assert_int_equal(n, 0);
	t[7] = 8;
	assert_int_equal(ikev2_sk_unpad(t, 8, &n, &err), IKEV2_ERR_LENGTH);
	assert_int_equal(ikev2_sk_unpad(t, 0, &n, &err), IKEV2_ERR_LENGTH);
}

/* ---- fragmentation -------------------------------------------------- */

static void
fragments_fit_mtu_and_reassemble_in_any_order(void **state)
{
	static uint8_t cert[3000];
	struct ikev2_payload pl[7];
	struct ikev2_sa sa;
	struct ikev2_ts_list tsi, tsr;
	struct ikev2_frag_plan plan;
	struct ikev2_frag_reasm fr;
	struct ikev2_message *m[IKEV2_MAX_FRAGMENTS] = { NULL };
	struct ikev2_error err;
	uint8_t inner[8192], wire[1280], plain[1280], first, *whole;
	size_t ilen, len, plen, wlen, i;
	uint16_t k;
	enum ikev2_frag_status st;

	(void)state;
	memset(cert, 0x30, sizeof(cert));
	make_auth_payloads(pl, &sa, &tsi, &tsr);
	memmove(&pl[2], &pl[1], 5 * sizeof(pl[0]));
	memset(&pl[1], 0, sizeof(pl[1]));
	pl[1].type = IKEV2_PL_CERT;
	pl[1].u.cert = (struct ikev2_cert){ IKEV2_CERT_X509_SIG,
	    { cert, sizeof(cert) } };
	assert_int_equal(ikev2_inner_emit(pl, 7, inner, sizeof(inner), &ilen,
	    &first, &err), IKEV2_OK);
	assert_int_equal(first, IKEV2_PL_IDI);
	assert_int_equal(ikev2_frag_plan(ilen, 1280, &toy_cipher, &plan,
	    &err), IKEV2_OK);
	assert_int_equal(plan.total, (ilen + plan.chunk - 1) / plan.chunk);
	assert_true(plan.total >= 3);
	for (k = 1; k <= plan.total; k++) {
		assert_int_equal(ikev2_message_emit_skf(&hdr_auth_req, first,
		    &plan, k, inner, ilen, &toy_cipher, wire, sizeof(wire),
		    &len, &err), IKEV2_OK);
		assert_true(len <= 1280);
		assert_int_equal(ikev2_message_parse(wire, len, &m[k - 1],
		    &err), IKEV2_OK);
		assert_int_equal(m[k - 1]->sk->type, IKEV2_PL_SKF);
		assert_int_equal(m[k - 1]->sk->u.sk.frag_num, k);
		assert_int_equal(m[k - 1]->sk->u.sk.frag_total, plan.total);
		assert_int_equal(m[k - 1]->sk->u.sk.first,
		    k == 1 ? IKEV2_PL_IDI : IKEV2_PL_NONE);
		/* AAD includes Fragment Number and Total Fragments */
		assert_int_equal(m[k - 1]->sk->u.sk.aad.len,
		    IKEV2_HEADER_LEN + IKEV2_SKF_HEADER_LEN);
	}
	/* the biggest fragment uses the MTU well: one block more won't fit */
	assert_true(toy_body_len(NULL, plan.chunk + TOY_BLK) +
	    IKEV2_HEADER_LEN + IKEV2_SKF_HEADER_LEN > 1280);
	ikev2_frag_init(&fr);
	for (i = plan.total; i-- > 0;) {
		plen = toy_decrypt(m[i], plain, sizeof(plain));
		st = ikev2_frag_add(&fr, m[i]->hdr.msgid, &m[i]->sk->u.sk,
		    plain, plen, &err);
		assert_int_equal(st, i == 0 ? IKEV2_FRAG_DONE :
		    IKEV2_FRAG_MORE);
		if (i + 1 == plan.total) {
			/* a duplicate is ignored */
			assert_int_equal(ikev2_frag_add(&fr, m[i]->hdr.msgid,
			    &m[i]->sk->u.sk, plain, plen, &err),
			    IKEV2_FRAG_IGNORED);
		}
	}
	assert_int_equal(ikev2_frag_take(&fr, &whole, &wlen, &first, &err),
	    IKEV2_OK);
	assert_int_equal(wlen, ilen);
	assert_memory_equal(whole, inner, ilen);
	assert_int_equal(ikev2_parse_inner(m[0], first, whole, wlen, &err),
	    IKEV2_OK);
	assert_int_equal(ikev2_message_find(m[0], IKEV2_PL_CERT, NULL)->
	    u.cert.data.len, sizeof(cert));
	free(whole);
	for (i = 0; i < plan.total; i++)
		ikev2_message_free(m[i]);
	assert_false(fr.active);
}

static void
frag_plan_rejects_message_needing_too_many_fragments(void **state)
{
	struct ikev2_frag_plan plan;
	struct ikev2_error err;

	(void)state;
	assert_int_equal(ikev2_frag_plan(60000, 576, &toy_cipher, &plan, &err),
	    IKEV2_ERR_LIMIT);
	assert_int_equal(ikev2_frag_plan(100, 40, &toy_cipher, &plan, &err),
	    IKEV2_ERR_ARG);
	assert_int_equal(ikev2_frag_plan(0, 576, &toy_cipher, &plan, &err),
	    IKEV2_OK);
	assert_int_equal(plan.total, 1);
}

static void
reassembly_restarts_on_more_fragments_and_ignores_fewer(void **state)
{
	struct ikev2_frag_reasm fr;
	struct ikev2_sk s = { .first = IKEV2_PL_IDI };
	struct ikev2_error err;
	static const uint8_t a[4] = { 1, 1, 1, 1 }, bb[4] = { 2, 2, 2, 2 };
	uint8_t *whole, first;
	size_t len;

	(void)state;
	ikev2_frag_init(&fr);
	s.frag_num = 1;
	s.frag_total = 2;
	assert_int_equal(ikev2_frag_add(&fr, 5, &s, a, 4, &err),
	    IKEV2_FRAG_MORE);
	/* the peer re-sent with smaller fragments: three now */
	s.frag_num = 2;
	s.frag_total = 3;
	assert_int_equal(ikev2_frag_add(&fr, 5, &s, bb, 4, &err),
	    IKEV2_FRAG_MORE);
	assert_int_equal(fr.received, 1);
	/* a stale fragment of the two-fragment series */
	s.frag_num = 2;
	s.frag_total = 2;
	assert_int_equal(ikev2_frag_add(&fr, 5, &s, bb, 4, &err),
	    IKEV2_FRAG_IGNORED);
	s.frag_total = 3;
	s.frag_num = 1;
	assert_int_equal(ikev2_frag_add(&fr, 5, &s, a, 4, &err),
	    IKEV2_FRAG_MORE);
	assert_int_equal(ikev2_frag_take(&fr, &whole, &len, &first, &err),
	    IKEV2_ERR_ARG);
	s.frag_num = 3;
	s.first = 0;
	assert_int_equal(ikev2_frag_add(&fr, 5, &s, a, 2, &err),
	    IKEV2_FRAG_DONE);
	assert_int_equal(ikev2_frag_take(&fr, &whole, &len, &first, &err),
	    IKEV2_OK);
	assert_int_equal(len, 10);
	assert_int_equal(first, IKEV2_PL_IDI);
	assert_int_equal(whole[4], 2);
	free(whole);
	/* another message ID starts over */
	s.frag_num = 1;
	s.frag_total = 2;
	assert_int_equal(ikev2_frag_add(&fr, 6, &s, a, 4, &err),
	    IKEV2_FRAG_MORE);
	assert_int_equal(ikev2_frag_add(&fr, 7, &s, a, 4, &err),
	    IKEV2_FRAG_MORE);
	assert_int_equal(fr.msgid, 7);
	assert_int_equal(fr.received, 1);
	ikev2_frag_clear(&fr);
}

static void
reassembly_bounds_fragment_count_and_total_size(void **state)
{
	struct ikev2_frag_reasm fr;
	struct ikev2_sk s = { .first = IKEV2_PL_IDI };
	struct ikev2_error err;
	static uint8_t big[40000];

	(void)state;
	ikev2_frag_init(&fr);
	s.frag_num = 1;
	s.frag_total = IKEV2_MAX_FRAGMENTS + 1;
	assert_int_equal(ikev2_frag_add(&fr, 1, &s, big, 10, &err),
	    IKEV2_FRAG_ERROR);
	assert_int_equal(err.code, IKEV2_ERR_LIMIT);
	s.frag_total = 3;
	assert_int_equal(ikev2_frag_add(&fr, 1, &s, big, sizeof(big), &err),
	    IKEV2_FRAG_MORE);
	s.frag_num = 2;
	assert_int_equal(ikev2_frag_add(&fr, 1, &s, big, sizeof(big), &err),
	    IKEV2_FRAG_ERROR);
	assert_int_equal(err.code, IKEV2_ERR_LIMIT);
	assert_false(fr.active);
	/* an empty fragment among several is malformed */
	s.frag_num = 1;
	assert_int_equal(ikev2_frag_add(&fr, 1, &s, big, 0, &err),
	    IKEV2_FRAG_ERROR);
	ikev2_frag_clear(&fr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ike_sa_init_request_emits_expected_bytes),
		cmocka_unit_test(ike_sa_init_request_decodes_to_typed_fields),
		cmocka_unit_test(rfc7296_figures_ike_sa_init_response_decodes),
		cmocka_unit_test(header_checks_length_version_spi_and_exchange),
		cmocka_unit_test(message_skips_unknown_noncritical_payload),
		cmocka_unit_test(message_rejects_unknown_critical_payload_with_its_type),
		cmocka_unit_test(message_rejects_trailing_bytes_and_truncated_chain),
		cmocka_unit_test(message_rejects_more_than_max_payloads),
		cmocka_unit_test(ike_sa_init_legality_counts_and_requires_payloads),
		cmocka_unit_test(second_sa_is_refused_before_it_is_decoded),
		cmocka_unit_test(ike_sa_init_error_responses_need_no_sa),
		cmocka_unit_test(ike_auth_request_with_auth_outside_sk_is_illegal),
		cmocka_unit_test(sk_must_be_last_payload),
		cmocka_unit_test(ike_auth_request_sk_round_trip_decodes_inner_payloads),
		cmocka_unit_test(ike_auth_inner_legality_is_checked),
		cmocka_unit_test(ike_auth_failure_response_needs_only_the_notify),
		cmocka_unit_test(informational_empty_and_delete_are_legal),
		cmocka_unit_test(create_child_sa_requires_sa_and_nonce_and_paired_ts),
		cmocka_unit_test(parse_inner_rejects_nested_sk_and_bad_chain),
		cmocka_unit_test(emit_sk_wipes_buffer_when_cipher_fails),
		cmocka_unit_test(sk_unpad_rejects_pad_length_past_text),
		cmocka_unit_test(fragments_fit_mtu_and_reassemble_in_any_order),
		cmocka_unit_test(frag_plan_rejects_message_needing_too_many_fragments),
		cmocka_unit_test(reassembly_restarts_on_more_fragments_and_ignores_fewer),
		cmocka_unit_test(reassembly_bounds_fragment_count_and_total_size),
	};

	return cmocka_run_group_tests_name("ikev2_message", tests, NULL, NULL);
}
