/*
 * libFuzzer target for the trigger protocol codec (shared/oe_trigger.c).
 *
 * The input is decoded as a request and as a reply.  Whatever decodes
 * must encode again, and the encoding must decode to the same struct
 * (the codec canonicalises names and addresses, so one round trip
 * reaches the fixed point).  A failed decode must leave nothing but the
 * cookie behind.
 *
 * Build (from the top of the tree, after configure in .build/h-shared,
 * which provides config.h):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -fno-sanitize-recover=undefined -I shared -I .build/h-shared \
 *     test/fuzz/fuzz_trigger.c shared/oe_trigger.c shared/oe_ipseckey.c \
 *     shared/oe_addr.c shared/oe_base64.c \
 *     $(pkg-config --cflags --libs jansson) -o fuzz_trigger
 * Run: ./fuzz_trigger -max_total_time=60 NEWDIR test/fuzz/corpus/trigger
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oe_trigger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct oe_trigger_request req1, req2, empty_req;
static struct oe_trigger_reply rep1, rep2, empty_rep;
static char buf[OE_TRIGGER_MSG_MAX + 1];

static void
check_request(const char *msg, size_t size)
{
	char err[256];
	ssize_t n;

	if (oe_trigger_request_decode(&req1, msg, size, err, sizeof(err)) != 0) {
		empty_req.cookie = req1.cookie;
		empty_req.has_cookie = req1.has_cookie;
		if (memcmp(&req1, &empty_req, sizeof(req1)) != 0)
			abort();
		/* the daemon answers a bad request with this error text */
		oe_trigger_reply_set_error(&rep2, req1.cookie, err);
		if (oe_trigger_reply_encode(&rep2, buf, sizeof(buf), err,
		    sizeof(err)) <= 0)
			abort();
		return;
	}
	n = oe_trigger_request_encode(&req1, buf, sizeof(buf), err, sizeof(err));
	if (n <= 0)
		abort();
	if (oe_trigger_request_decode(&req2, buf, (size_t)n, err,
	    sizeof(err)) != 0 || memcmp(&req1, &req2, sizeof(req1)) != 0)
		abort();
}

static void
check_reply(const char *msg, size_t size)
{
	char err[256];
	ssize_t n;

	if (oe_trigger_reply_decode(&rep1, msg, size, err, sizeof(err)) != 0) {
		empty_rep.cookie = rep1.cookie;
		empty_rep.has_cookie = rep1.has_cookie;
		if (memcmp(&rep1, &empty_rep, sizeof(rep1)) != 0)
			abort();
		/* the daemon answers a bad message with this error text */
		oe_trigger_reply_set_error(&rep2, rep1.cookie, err);
		if (oe_trigger_reply_encode(&rep2, buf, sizeof(buf), err,
		    sizeof(err)) <= 0)
			abort();
		return;
	}
	n = oe_trigger_reply_encode(&rep1, buf, sizeof(buf), err, sizeof(err));
	if (n <= 0)
		abort();
	if (oe_trigger_reply_decode(&rep2, buf, (size_t)n, err,
	    sizeof(err)) != 0 || memcmp(&rep1, &rep2, sizeof(rep1)) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* jansson reads a buffer with a length; no NUL is needed */
	check_request((const char *)data, size);
	check_reply((const char *)data, size);
	return 0;
}
