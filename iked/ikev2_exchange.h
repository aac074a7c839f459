/*
 * IKEv2 exchanges: message IDs with a window of one, the request we
 * have in flight with retransmission (exponential back-off and a total
 * deadline), the cached last response replayed for a duplicate
 * request, SK protection, and the receive dispatcher that hands fully
 * parsed messages to the per-exchange handlers (ikev2_init.c,
 * ikev2_auth.c, ikev2_info.c).
 *
 * Every received message is parsed completely by the codec (and, when
 * protected, decrypted and its inner payloads parsed) before any
 * handler sees it; handlers change state only after that.
 */
#ifndef OE_IKEV2_EXCHANGE_H
#define OE_IKEV2_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ikev2_message.h"
#include "ikev2_net.h"
#include "ikev2_sa.h"
#include "kernel.h"

struct iked;

/* Upper bound of a message we build (unfragmented). */
#define IKEV2_EMIT_MAX		8192

/* Default timers when the governing conn is gone (reload removed it). */
#define IKEV2_RETRANSMIT_INTERVAL_MS	500
#define IKEV2_RETRANSMIT_TIMEOUT_S	60

/* Entry point for every IKE datagram (ikev2_net's receive callback). */
void	ikev2_recv(struct iked *d, const struct ikev2_path *path,
	    const uint8_t *msg, size_t len);

/* Hand a datagram to d->send (the network, or a test's fake wire). */
int	ikev2_send_raw(struct iked *d, const struct ikev2_path *path,
	    const uint8_t *buf, size_t len);

/*
 * Send a request on sa: IKE_SA_INIT in plaintext, everything else in
 * SK.  Takes the next message ID, keeps the bytes for retransmission
 * and arms the timer.  Fails if a request is already in flight.
 * 0 or -1 (logged).
 */
int	ikev2_request_send(struct ikev2_ike_sa *sa, uint8_t exchange,
	    const struct ikev2_payload *pl, size_t n);

/*
 * Send the response to the request with message ID `msgid` and cache
 * it for replay.  IKE_SA_INIT responses are plaintext, the rest SK.
 * 0 or -1 (logged).
 */
int	ikev2_response_send(struct ikev2_ike_sa *sa, uint8_t exchange,
	    uint32_t msgid, const struct ikev2_payload *pl, size_t n);

/*
 * A plaintext response that creates no state (IKE_SA_INIT errors:
 * INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN, COOKIE), echoing the request
 * header's SPIs with a zero responder SPI.
 */
int	ikev2_response_send_stateless(struct iked *d,
	    const struct ikev2_path *path, const struct ikev2_header *req,
	    const struct ikev2_payload *pl, size_t n);

/* Stop retransmitting and forget the request in flight. */
void	ikev2_request_clear(struct ikev2_ike_sa *sa);

/* The SK cipher adapter for the codec, over sa->sk_out. */
void	ikev2_sk_cipher(struct ikev2_ike_sa *sa, struct ikev2_sk_cipher *c);

/* ---- handlers (one file per exchange) -------------------------------- */

/* ikev2_init.c */
void	ikev2_init_recv_request(struct iked *d, const struct ikev2_path *path,
	    const struct ikev2_message *m);
void	ikev2_init_recv_response(struct ikev2_ike_sa *sa,
	    const struct ikev2_message *m);
/*
 * Keys, DH cleanup, SK contexts after IKE_SA_INIT, or for the new IKE
 * SA of a rekey of `rekey_of` (else NULL).  0 or -1.
 */
int	ikev2_init_derive_keys(struct ikev2_ike_sa *sa, const uint8_t *peer_ke,
	    size_t peer_ke_len, const struct ikev2_ike_sa *rekey_of);

/* ikev2_auth.c */
int	ikev2_auth_send_request(struct ikev2_ike_sa *sa);
void	ikev2_auth_recv_request(struct ikev2_ike_sa *sa,
	    const struct ikev2_message *m);
void	ikev2_auth_recv_response(struct ikev2_ike_sa *sa,
	    const struct ikev2_message *m);
/* Delete the Child SA's kernel state (SAs and policies). */
void	ikev2_child_remove(struct ikev2_ike_sa *sa);

/* ikev2_rekey.c: CREATE_CHILD_SA (Child SA rekey) */
int	ikev2_rekey_child_start(struct ikev2_ike_sa *sa);
void	ikev2_rekey_recv_request(struct ikev2_ike_sa *sa,
	    const struct ikev2_message *m);
void	ikev2_rekey_recv_response(struct ikev2_ike_sa *sa,
	    const struct ikev2_message *m);
/*
 * The replaced Child SA of a rekey is done with (our DELETE for it was
 * answered, or the peer's arrived): its outbound SA goes now, its
 * inbound one after a grace period, for packets still in flight.
 */
void	ikev2_rekey_retire_old(struct ikev2_ike_sa *sa);
/*
 * Install now the outbound SA of a Child SA we answered a rekey for,
 * if it still waits (ikev2_rekey_retire_old() does it first thing).
 */
void	ikev2_rekey_out_flush(struct ikev2_ike_sa *sa);
/*
 * sa has no Child SA left (the peer deleted it): delete the IKE SA too,
 * so the next packet negotiates afresh.  sa may be freed.
 */
void	ikev2_rekey_childless(struct ikev2_ike_sa *sa);
/*
 * The peer deletes our current Child SA (request msgid) while a rekey
 * collision is undecided: that is the SA its rekey made, redundant by
 * the nonces, its DELETE overtaking its answer to our rekey.  Answers
 * and handles it (true), or false: an ordinary DELETE.
 */
bool	ikev2_rekey_collision_delete(struct ikev2_ike_sa *sa, uint32_t msgid);

/* ikev2_rekey_ike.c: CREATE_CHILD_SA for the IKE SA */
bool	ikev2_rekey_ike_is_request(const struct ikev2_message *m);
int	ikev2_rekey_ike_start(struct ikev2_ike_sa *sa);
void	ikev2_rekey_ike_recv_request(struct ikev2_ike_sa *sa,
	    const struct ikev2_message *m);
void	ikev2_rekey_ike_recv_response(struct ikev2_ike_sa *sa,
	    const struct ikev2_message *m);

/* ikev2_info.c */
void	ikev2_info_recv_request(struct ikev2_ike_sa *sa,
	    const struct ikev2_message *m);
void	ikev2_info_recv_response(struct ikev2_ike_sa *sa,
	    const struct ikev2_message *m);
/* Send INFORMATIONAL with Delete(IKE); the SA dies on answer/timeout. */
int	ikev2_info_send_delete(struct ikev2_ike_sa *sa);
/* Send an empty INFORMATIONAL (liveness check). */
int	ikev2_info_send_liveness(struct ikev2_ike_sa *sa);
/*
 * A Child SA's kernel lifetime ran out (time, bytes or packets): soft
 * starts a rekey (if we are the one who rekeys), hard deletes the IKE
 * SA, whose Child SA can no longer carry traffic.
 */
void	ikev2_kernel_expire(struct iked *d, const struct kernel_expire *ev);

/* (Re)arm the SA's lifetime / liveness / half-open timer. */
void	ikev2_sa_arm_timer(struct ikev2_ike_sa *sa);

/*
 * Fail sa: report the initiation as failed, remove kernel state, and
 * free it.  Safe to call from timers and handlers (sa is gone after).
 */
void	ikev2_sa_fail(struct ikev2_ike_sa *sa, const char *why);

#endif /* OE_IKEV2_EXCHANGE_H */
