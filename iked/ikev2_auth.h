/*
 * IKE_AUTH internals shared by the NULL-authentication code
 * (ikev2_auth.c) and the signature code (ikev2_auth_sig.c).
 */
#ifndef OE_IKEV2_AUTH_H
#define OE_IKEV2_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ikev2_sa.h"
#include "conf.h"

/* Room for any AUTH data we send: RFC 7427 header + an 8192-bit RSA signature. */
#define IKEV2_AUTH_DATA_MAX	(1 + 80 + 1024)

/*
 * The octets an AUTH covers (RFC 7296 2.15), for our own AUTH
 * (ours) or the peer's: the signer's IKE_SA_INIT message, the other
 * side's nonce, prf(SK_p, ID body).  *out is malloc'd (caller frees).
 * 0 or -1.
 */
int	ikev2_auth_octets(struct ikev2_ike_sa *sa, bool ours,
	    const uint8_t *id_body, size_t id_len, uint8_t **out,
	    size_t *out_len);

/*
 * Sign `octets` with our private key for conn c (left.auth RSASIG or
 * ECDSA).  Writes the AUTH data and *method.  0 or -1 (logged).
 */
int	ikev2_auth_sig_make(struct ikev2_ike_sa *sa, const struct conf_conn *c,
	    const uint8_t *octets, size_t len, uint8_t *out, size_t cap,
	    size_t *out_len, uint8_t *method);

/*
 * Verify the peer's signature AUTH against its raw public keys: the
 * keys given to ikev2_initiate() (from a secure IPSECKEY), else the
 * conn's rightrsasigkey.  0, or -1 with *why set.
 */
int	ikev2_auth_sig_check(struct ikev2_ike_sa *sa, const struct conf_conn *c,
	    const struct ikev2_auth *a, const uint8_t *octets, size_t len,
	    const char **why);

/*
 * Our ID for conn c on path, exactly as IKE_AUTH sends it (for oectl's
 * `sas`).  id->data points into store (cap bytes).
 */
void	ikev2_auth_local_id(const struct conf_conn *c,
	    const struct ikev2_path *path, struct ikev2_id *id, uint8_t *store,
	    size_t cap);

/*
 * A protected request from the peer of sa (before it is processed).
 * For a responder SA past IKE_AUTH it shows the initiator accepted our
 * AUTH: the Child SA may take the policies it was installed without.
 */
void	ikev2_auth_peer_request(struct ikev2_ike_sa *sa,
	    const struct ikev2_message *m);

/*
 * Conn selection (ikev2_init.c), shared by IKE_SA_INIT (address only)
 * and IKE_AUTH (the peer's ID and AUTH known): the most specific conn
 * for peer on local (NULL: any local address) that `accepts` (NULL:
 * all) does not reject.  `accepts` returns < 0 to reject a conn, > 0
 * when the conn's rightid= names the peer exactly, else 0.
 */
typedef int (*ikev2_conn_accepts_fn)(const struct conf_conn *c, void *arg);
const struct conf_conn *ikev2_conn_for_peer(const struct iked_conf *conf,
	    const struct oe_addr *local, const struct oe_addr *peer,
	    ikev2_conn_accepts_fn accepts, void *arg);

#endif /* OE_IKEV2_AUTH_H */
