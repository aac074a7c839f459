/*
 * libFuzzer target for the responder's DNS key lookup answers
 * (iked/dns_keys.c: dns_keys_parse_answer()): what the loopback
 * resolver sends back is outside data, parsed with libldns and then
 * judged (question, id, rcode, AD bit, CNAME chain, owner names,
 * IPSECKEY records, the initiator's address).
 *
 * Input: byte 0 selects the lookup: bit 0 by the initiator's reverse
 * name (an address identity) instead of the name west.oe.test., bit 1
 * an IPv6 initiator (2001:db8::7) instead of 192.0.2.7.  The rest is
 * up to DGRAMS_MAX datagrams, each a 2-octet big-endian length and
 * that many octets (the last one may be cut short).  The IPSECKEY
 * query has id 0x4b45, the address query 0x4144.
 *
 * Properties checked:
 *  - each question is answered at most once; an address lookup by
 *    reverse name takes no address answer;
 *  - the callback runs once exactly when both questions are answered,
 *    never otherwise, and no datagram is taken after that;
 *  - the result is consistent: ok exactly when it holds keys, at most
 *    IKEV2_MAX_PEER_KEYS of them, each no longer than its buffer, and
 *    a reason whenever it is not ok;
 *  - ASan/UBSan: no memory error, leak or undefined behaviour.
 *
 * Built by test/fuzz/run (test/Makefile.am: fuzz/fuzz_dns_keys).  To
 * see what each datagram was taken as: OE_FUZZ_VERBOSE=1 fuzz_dns_keys FILE
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include "oe_log.h"
#include "crypto.h"
#include "dns_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define INPUT_MAX	(16 * 1024)
#define DGRAMS_MAX	8
#define FUZZ_ID_KEY	0x4b45
#define FUZZ_ID_ADDR	0x4144
#define FLAG_REVERSE	0x01
#define FLAG_V6		0x02

static struct crypto_nss *nss;

struct outcome {
	int	 calls;
};

static void
cleanup(void)
{
	crypto_nss_shutdown(nss);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	oe_log_set_priority(LOG_CRIT);
	/* the chosen keys are checked (oe_ipseckey_key_check) with NSS */
	if ((nss = crypto_nss_init(NULL, false)) == NULL) {
		fprintf(stderr, "cannot initialise NSS\n");
		exit(1);
	}
	atexit(cleanup);
	return 0;
}

static void
on_result(void *arg, const struct dns_keys_result *r)
{
	struct outcome *o = arg;
	size_t i;

	o->calls++;
	if (getenv("OE_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "result: ok %d, %zu keys, %s\n", r->ok,
		    r->nkeys, r->why != NULL ? r->why : "");
	if (r->ok != (r->nkeys > 0) || r->nkeys > IKEV2_MAX_PEER_KEYS ||
	    (!r->ok && r->why == NULL)) {
		fprintf(stderr, "inconsistent result: ok %d, %zu keys, why %s\n",
		    r->ok, r->nkeys, r->why != NULL ? r->why : "(none)");
		abort();
	}
	for (i = 0; i < r->nkeys; i++)
		if (r->keys[i].len == 0 ||
		    r->keys[i].len > sizeof(r->keys[i].key))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_keys_query *q;
	struct outcome o = { 0 };
	struct oe_addr peer;
	bool reverse, v6;
	int nkey = 0, naddr = 0, n;
	size_t off = 1, len;

	if (size < 1 || size > INPUT_MAX)
		return 0;
	reverse = (data[0] & FLAG_REVERSE) != 0;
	v6 = (data[0] & FLAG_V6) != 0;
	if (oe_addr_parse(&peer, v6 ? "2001:db8::7" : "192.0.2.7",
	    v6 ? AF_INET6 : AF_INET, NULL, 0) != 0)
		abort();
	q = dns_keys_query_new(reverse ? NULL : "west.oe.test.", &peer,
	    FUZZ_ID_KEY, FUZZ_ID_ADDR, on_result, &o);
	if (q == NULL)
		abort();
	for (n = 0; n < DGRAMS_MAX && off + 2 <= size; n++) {
		bool was_done = dns_keys_done(q);
		enum dns_keys_answer_kind k;

		len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		k = dns_keys_parse_answer(q, data + off, len);
		off += len;
		if (getenv("OE_FUZZ_VERBOSE") != NULL)
			fprintf(stderr, "datagram %d (%zu octets): %s\n", n, len,
			    k == DNS_KEYS_ANSWER_KEY ? "IPSECKEY answer" :
			    k == DNS_KEYS_ANSWER_ADDR ? "address answer" :
			    "dropped");
		if (was_done && k != DNS_KEYS_ANSWER_DROPPED)
			abort();	/* taken after the result */
		nkey += k == DNS_KEYS_ANSWER_KEY;
		naddr += k == DNS_KEYS_ANSWER_ADDR;
		if (nkey > 1 || naddr > 1 || (reverse && naddr > 0))
			abort();
		/* the result comes exactly with the last missing answer */
		if (o.calls != (nkey == 1 && (reverse || naddr == 1)) ||
		    dns_keys_done(q) != (o.calls == 1))
			abort();
	}
	dns_keys_cancel(q);
	return 0;
}
