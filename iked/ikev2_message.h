/*
 * IKEv2 message codec (RFC 7296 3.1, 3.14; RFC 5282 AAD; RFC 7383
 * fragmentation): the IKE header, the payload chain, the SK/SKF
 * envelope and which payloads each exchange may carry.
 *
 * Receiving:
 *   ikev2_message_parse(dgram)        header + unencrypted payloads;
 *                                     m->sk gives AAD and encrypted body
 *   crypto: decrypt(sk->aad, sk->body) -> inner payload bytes (the
 *           cipher strips padding; ikev2_sk_unpad() can help)
 *   ikev2_parse_inner(m, sk->first, inner)
 *                                     decodes the inner chain into m and
 *                                     checks the exchange's legality
 *   SKF: ikev2_frag_add() per decrypted fragment, then ikev2_frag_take()
 *        and ikev2_parse_inner() with the reassembled bytes.
 *
 * Sending:
 *   ikev2_message_emit()              plaintext (IKE_SA_INIT)
 *   ikev2_message_emit_sk()           SK-protected, struct ikev2_sk_cipher
 *   ikev2_inner_emit() + ikev2_frag_plan() + ikev2_message_emit_skf()
 *                                     RFC 7383 fragments
 */
#ifndef OE_IKEV2_MESSAGE_H
#define OE_IKEV2_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ikev2.h"
#include "ikev2_payload.h"

/*
 * At most 32 fragments per message.  This daemon authenticates with raw
 * public keys from DNS, never certificate chains, so its IKE_AUTH
 * messages stay below 4 KiB: 4 fragments at the IPv6 minimum MTU.  32
 * leaves room for peers that send a certificate or two, while a forged
 * fragment can pin at most 32 buffers (and IKEV2_MAX_MESSAGE bytes in
 * total) per reassembly.
 */
#define IKEV2_MAX_FRAGMENTS	32	/* also the width of `have` below */

struct ikev2_header {
	uint64_t	ispi;
	uint64_t	rspi;
	uint8_t		next;		/* parsed; computed when emitting */
	uint8_t		version;	/* parsed; always 2.0 when emitting */
	uint8_t		exchange;	/* enum ikev2_exchange */
	uint8_t		flags;		/* IKEV2_FLAG_* */
	uint32_t	msgid;
	uint32_t	length;		/* parsed; computed when emitting */
};

/*
 * A parsed message.  Owns: the copy of the datagram (`raw`), the copy
 * of the decrypted inner payload bytes (`inner`), and every payload's
 * allocations; all chunks in payloads point into raw or inner.
 * ikev2_message_free() releases everything.
 */
struct ikev2_message {
	struct ikev2_header hdr;
	size_t		 npayloads;
	struct ikev2_payload payloads[IKEV2_MAX_PAYLOADS];
	/* the SK or SKF payload (an element of payloads[]), or NULL */
	const struct ikev2_payload *sk;
	bool		 decrypted;	/* ikev2_parse_inner() succeeded */
	uint8_t		*raw;
	size_t		 raw_len;
	uint8_t		*inner;
	size_t		 inner_len;
};

/*
 * Parse just the IKE header of a datagram, to find the IKE SA before
 * anything else: length >= 28 and equal to the datagram, major
 * version 2, initiator SPI non-zero, a known exchange type.
 */
enum ikev2_err ikev2_header_parse(const uint8_t *dgram, size_t len,
    struct ikev2_header *h, struct ikev2_error *err);

/*
 * Parse a datagram (without the RFC 3948 non-ESP marker): header and
 * unencrypted payloads, up to and including SK/SKF, which must be
 * last.  Unknown non-critical payloads are skipped; an unknown critical
 * one fails with IKEV2_ERR_UNSUPPORTED_CRITICAL and err->payload set
 * to its type.  The legality of the unencrypted part is checked (for
 * IKE_SA_INIT: the whole message).  On success *out is a new message
 * the caller frees with ikev2_message_free(); on error *out is NULL.
 */
enum ikev2_err ikev2_message_parse(const uint8_t *dgram, size_t len,
    struct ikev2_message **out, struct ikev2_error *err);

/*
 * Decode the decrypted inner payload chain (padding already removed)
 * into m, marking those payloads inner, then check the exchange's
 * legality on the whole message.  `plain` is copied; the caller keeps
 * (and should wipe) its buffer.  May be called once per message.
 */
enum ikev2_err ikev2_parse_inner(struct ikev2_message *m, uint8_t first,
    const uint8_t *plain, size_t len, struct ikev2_error *err);

void	ikev2_message_free(struct ikev2_message *m);

bool	ikev2_message_is_response(const struct ikev2_message *m);

/* First payload of `type` after `prev` (NULL: from the start). */
const struct ikev2_payload *ikev2_message_find(const struct ikev2_message *m,
    uint8_t type, const struct ikev2_payload *prev);
/* First notify payload of notify type `ntype`. */
const struct ikev2_payload *ikev2_message_find_notify(
    const struct ikev2_message *m, uint16_t ntype);

/*
 * One line for logs, e.g.
 *   "IKE_AUTH request #1 [ SK{ IDi AUTH N(USE_TRANSPORT_MODE) SA TSi TSr } ]"
 * (inner payloads appear once decoded).  Always NUL-terminates buf;
 * a summary that does not fit ends in "...".  Returns buf.
 */
const char *ikev2_message_summary(const struct ikev2_message *m, char *buf,
    size_t cap);

/*
 * Legality (RFC 7296 1.2-1.5, 2.5): which payloads each exchange's
 * request and response may carry, inside or outside SK, how often, and
 * which are required (unless the message reports an error notify, or
 * an IKE_SA_INIT response asks for a COOKIE).  `complete` is false
 * before the inner payloads are known; then only placement and counts
 * are checked.  ikev2_message_parse() and ikev2_parse_inner() call it.
 */
enum ikev2_err ikev2_message_check(const struct ikev2_message *m,
    bool complete, struct ikev2_error *err);

/* ---- SK envelope ---------------------------------------------------- */

/*
 * The cipher protecting SK payloads, supplied by the crypto code (for
 * iked/crypto_sk.h: two one-line wrappers around crypto_sk_body_len()
 * and crypto_sk_encrypt() with arg = the struct crypto_sk).
 *
 * body_len: bytes of IV || ciphertext || ICV that `plain_len` bytes of
 *   inner payloads become, padding and Pad Length included; 0 if too
 *   large.  The codec needs it before encrypting because the lengths in
 *   the IKE header and the SK header are part of the AAD.
 * encrypt: `aad` is the message from the IKE header through the SK
 *   (SKF: including Fragment Number and Total Fragments) header, with
 *   final lengths (RFC 5282, RFC 7383 2.5); writes IV || ciphertext ||
 *   ICV to out (exactly body_len(plain_len) bytes) and sets *out_len.
 *   `out` directly follows aad in memory, so a non-AEAD integrity check
 *   can cover the whole message before the ICV.  Returns 0 on success.
 */
struct ikev2_sk_cipher {
	void	*arg;
	size_t	(*body_len)(void *arg, size_t plain_len);
	int	(*encrypt)(void *arg, const uint8_t *aad, size_t aad_len,
		    const uint8_t *plain, size_t plain_len, uint8_t *out,
		    size_t out_cap, size_t *out_len);
};

/*
 * For cipher implementations: given decrypted text (inner payloads ||
 * padding || Pad Length), the length of the inner payloads.  Fails if
 * Pad Length runs past the text.
 */
enum ikev2_err ikev2_sk_unpad(const uint8_t *text, size_t len,
    size_t *inner_len, struct ikev2_error *err);

/* ---- emitting ------------------------------------------------------- */

/*
 * Plaintext message: header from h (ispi, rspi, exchange, flags,
 * msgid), then the payloads.  Version, next payload and length are
 * computed.
 */
enum ikev2_err ikev2_message_emit(const struct ikev2_header *h,
    const struct ikev2_payload *pl, size_t n, uint8_t *buf, size_t cap,
    size_t *out_len, struct ikev2_error *err);

/*
 * SK-protected message: all n payloads go inside one SK payload.  The
 * codec emits the inner payloads into a scratch buffer (wiped after),
 * asks the cipher for the body length, writes header and SK header
 * with final lengths, then has the cipher write the body behind them.
 * On failure the output buffer is wiped.
 */
enum ikev2_err ikev2_message_emit_sk(const struct ikev2_header *h,
    const struct ikev2_payload *pl, size_t n,
    const struct ikev2_sk_cipher *c, uint8_t *buf, size_t cap,
    size_t *out_len, struct ikev2_error *err);

/*
 * The inner payload chain alone (for fragmenting): *first receives the
 * first payload's type (IKEV2_PL_NONE if n == 0).
 */
enum ikev2_err ikev2_inner_emit(const struct ikev2_payload *pl, size_t n,
    uint8_t *buf, size_t cap, size_t *len, uint8_t *first,
    struct ikev2_error *err);

struct ikev2_frag_plan {
	uint16_t total;		/* number of fragments */
	size_t	 chunk;		/* inner bytes per fragment (last: rest) */
};

/*
 * How to cut inner_len bytes so that each SKF datagram is at most
 * max_datagram bytes (UDP payload, without the non-ESP marker): the
 * largest chunk whose encrypted body still fits, found with the
 * cipher's body_len (which must not decrease as plain_len grows).
 */
enum ikev2_err ikev2_frag_plan(size_t inner_len, size_t max_datagram,
    const struct ikev2_sk_cipher *c, struct ikev2_frag_plan *plan,
    struct ikev2_error *err);

/*
 * Fragment `num` (1..plan->total) of the inner bytes as one SKF
 * datagram.  Fragment 1 carries `first` as next payload, the others 0
 * (RFC 7383 2.5).
 */
enum ikev2_err ikev2_message_emit_skf(const struct ikev2_header *h,
    uint8_t first, const struct ikev2_frag_plan *plan, uint16_t num,
    const uint8_t *inner, size_t inner_len, const struct ikev2_sk_cipher *c,
    uint8_t *buf, size_t cap, size_t *out_len, struct ikev2_error *err);

/* ---- fragment reassembly (RFC 7383 2.6) ----------------------------- */

/*
 * Collects the decrypted, unpadded fragments of one message ID.  Owns
 * a copy of each fragment; ikev2_frag_clear() frees them, and
 * ikev2_frag_take() hands the concatenation to the caller.
 */
struct ikev2_frag_reasm {
	bool	 active;
	uint32_t msgid;
	uint16_t total;
	uint16_t received;
	uint32_t have;		/* bit n-1: fragment n stored */
	uint8_t	 first;		/* next payload of fragment 1 */
	size_t	 bytes;
	uint8_t	*frag[IKEV2_MAX_FRAGMENTS];
	size_t	 frag_len[IKEV2_MAX_FRAGMENTS];
};

enum ikev2_frag_status {
	IKEV2_FRAG_ERROR = -1,	/* see err; the collection was reset */
	IKEV2_FRAG_MORE,	/* stored, more needed */
	IKEV2_FRAG_DONE,	/* all fragments present: call take */
	IKEV2_FRAG_IGNORED,	/* duplicate, or stale (fewer total) */
};

void	ikev2_frag_init(struct ikev2_frag_reasm *f);
/* Free all stored fragments; f is ready for another message. */
void	ikev2_frag_clear(struct ikev2_frag_reasm *f);

/*
 * Add a fragment that decrypted and verified.  A fragment of another
 * message ID starts over (the previous message is abandoned: IKE has one
 * request in flight per direction); one announcing more fragments than
 * collected so far also starts over (the peer lowered its fragment size,
 * RFC 7383 2.6.2), one announcing fewer is ignored.
 */
enum ikev2_frag_status ikev2_frag_add(struct ikev2_frag_reasm *f,
    uint32_t msgid, const struct ikev2_sk *skf, const uint8_t *plain,
    size_t len, struct ikev2_error *err);

/*
 * After IKEV2_FRAG_DONE: *inner receives a malloc'd concatenation
 * (caller frees; may be NULL when *len is 0) and *first the first
 * inner payload type.  f is cleared.
 */
enum ikev2_err ikev2_frag_take(struct ikev2_frag_reasm *f, uint8_t **inner,
    size_t *len, uint8_t *first, struct ikev2_error *err);

#endif /* OE_IKEV2_MESSAGE_H */
