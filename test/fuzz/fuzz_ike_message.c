/*
 * libFuzzer target: the IKEv2 message decoder on whole datagrams.
 *
 * Build (from /work/main, with a configured build dir for config.h):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -fno-sanitize-recover=undefined -I.build/h-codec -Iiked -Ishared \
 *     test/fuzz/fuzz_ike_message.c iked/ikev2_payload.c \
 *     iked/ikev2_message.c -o .build/h-codec/fuzz_ike_message
 * Run:
 *   .build/h-codec/fuzz_ike_message -max_len=65535 -max_total_time=120 \
 *     NEWCORPUS test/fuzz/corpus/ike_message
 *
 * Besides "never crash", it checks two properties: a message that
 * parsed and emits again must parse again, and emitting that second
 * parse gives the same bytes (emit is a fixed point of parse).  When
 * the datagram carries SK/SKF, its body is fed to the decrypted-payload
 * decoder as if decryption were the identity.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ikev2_message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out1[IKEV2_MAX_MESSAGE], out2[IKEV2_MAX_MESSAGE];

static void
check_reemit(const struct ikev2_message *m)
{
	struct ikev2_message *m2 = NULL;
	struct ikev2_error err;
	size_t len1, len2;

	/* unknown transform attributes cannot be emitted: ARG is fine */
	if (ikev2_message_emit(&m->hdr, m->payloads, m->npayloads, out1,
	    sizeof(out1), &len1, &err) != IKEV2_OK)
		return;
	if (ikev2_message_parse(out1, len1, &m2, &err) != IKEV2_OK)
		abort();
	if (ikev2_message_emit(&m2->hdr, m2->payloads, m2->npayloads, out2,
	    sizeof(out2), &len2, &err) != IKEV2_OK)
		abort();
	if (len1 != len2 || memcmp(out1, out2, len1) != 0)
		abort();
	ikev2_message_free(m2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ikev2_message *m = NULL;
	struct ikev2_error err;
	struct ikev2_header h;

	(void)ikev2_header_parse(data, size, &h, &err);
	if (ikev2_message_parse(data, size, &m, &err) != IKEV2_OK) {
		if (m != NULL)
			abort();
		return 0;
	}
	if (m->sk == NULL) {
		check_reemit(m);
	} else {
		(void)ikev2_parse_inner(m, m->sk->u.sk.first,
		    m->sk->u.sk.body.ptr, m->sk->u.sk.body.len, &err);
	}
	ikev2_message_free(m);
	return 0;
}
