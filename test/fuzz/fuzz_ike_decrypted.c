/*
 * libFuzzer target: the decrypted-payload decoder (what an SK or
 * reassembled SKF payload decrypts to), with padding removal and
 * fragment reassembly in front of it.
 *
 * Build (from /work/main, with a configured build dir for config.h):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -fno-sanitize-recover=undefined -I.build/h-codec -Iiked -Ishared \
 *     test/fuzz/fuzz_ike_decrypted.c iked/ikev2_payload.c \
 *     iked/ikev2_message.c -o .build/h-codec/fuzz_ike_decrypted
 * Run:
 *   .build/h-codec/fuzz_ike_decrypted -max_len=65535 -max_total_time=120 \
 *     NEWCORPUS test/fuzz/corpus/ike_decrypted
 *
 * Input: byte 0 the first inner payload type; byte 1 selects the
 * exchange (bits 0-1: IKE_AUTH, CREATE_CHILD_SA, INFORMATIONAL), bit 2
 * response, bit 3 "text still padded" (run ikev2_sk_unpad first),
 * bit 4 "deliver as three fragments, out of order"; the rest is the
 * decrypted text.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ikev2_message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An encrypted message with an empty body stand-in, to decode into. */
static struct ikev2_message *
outer(uint8_t exchange, bool response)
{
	uint8_t b[IKEV2_HEADER_LEN + 8] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		IKEV2_PL_SK, IKEV2_VERSION, 0, 0, 0, 0, 0, 1,
		0, 0, 0, IKEV2_HEADER_LEN + 8,
		0, 0, 0, 8, 0xaa, 0xbb, 0xcc, 0xdd,
	};
	struct ikev2_message *m = NULL;
	struct ikev2_error err;

	b[18] = exchange;
	b[19] = response ? IKEV2_FLAG_RESPONSE : IKEV2_FLAG_INITIATOR;
	if (ikev2_message_parse(b, sizeof(b), &m, &err) != IKEV2_OK)
		abort();	/* the stand-in is well formed */
	return m;
}

/* Feed text as fragments 2, 3, 1 (and 3 again); returns the whole. */
static uint8_t *
reassemble(uint8_t first, const uint8_t *text, size_t len, size_t *out_len,
    uint8_t *out_first)
{
	struct ikev2_frag_reasm fr;
	struct ikev2_sk s;
	struct ikev2_error err;
	size_t cut1 = len / 3, cut2 = 2 * len / 3;
	const uint8_t *part[3] = { text, text + cut1, text + cut2 };
	size_t plen[3] = { cut1, cut2 - cut1, len - cut2 };
	static const int order[4] = { 1, 2, 0, 2 };
	enum ikev2_frag_status st = IKEV2_FRAG_MORE;
	uint8_t *whole = NULL;
	int i;

	ikev2_frag_init(&fr);
	memset(&s, 0, sizeof(s));
	s.frag_total = 3;
	for (i = 0; i < 4; i++) {
		s.frag_num = (uint16_t)(order[i] + 1);
		s.first = order[i] == 0 ? first : 0;
		st = ikev2_frag_add(&fr, 1, &s, part[order[i]],
		    plen[order[i]], &err);
		if (st == IKEV2_FRAG_ERROR)
			return NULL;	/* e.g. an empty fragment */
		if (i == 3 && st != IKEV2_FRAG_IGNORED)
			abort();	/* the duplicate must be ignored */
	}
	if (ikev2_frag_take(&fr, &whole, out_len, out_first, &err) !=
	    IKEV2_OK)
		abort();
	if (*out_len != len || *out_first != first ||
	    (len > 0 && memcmp(whole, text, len) != 0))
		abort();
	return whole;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t exch[4] = { IKEV2_EXCH_IKE_AUTH,
	    IKEV2_EXCH_CREATE_CHILD_SA, IKEV2_EXCH_INFORMATIONAL,
	    IKEV2_EXCH_IKE_AUTH };
	struct ikev2_message *m;
	struct ikev2_error err;
	const uint8_t *text;
	uint8_t first, sel, *whole = NULL;
	size_t len;

	if (size < 2)
		return 0;
	first = data[0];
	sel = data[1];
	text = data + 2;
	len = size - 2;
	if ((sel & 0x08) && ikev2_sk_unpad(text, len, &len, &err) != IKEV2_OK)
		return 0;
	if (sel & 0x10) {
		whole = reassemble(first, text, len, &len, &first);
		if (whole == NULL)
			return 0;
		text = whole;
	}
	m = outer(exch[sel & 3], (sel & 0x04) != 0);
	if (ikev2_parse_inner(m, first, text, len, &err) != IKEV2_OK &&
	    (m->npayloads != 1 || m->decrypted))
		abort();	/* a failed decode restores the message */
	ikev2_message_free(m);
	free(whole);
	return 0;
}
