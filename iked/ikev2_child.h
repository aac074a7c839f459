/*
 * Child SAs: traffic selectors, KEYMAT and kernel state (see
 * ikev2_child.c).  A Child SA is embedded in its IKE SA
 * (struct ikev2_child_sa in ikev2_sa.h); the functions here take the
 * one to act on, so a rekey can hold the old and the new at once.
 */
#ifndef OE_IKEV2_CHILD_H
#define OE_IKEV2_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "ikev2_payload.h"
#include "ikev2_sa.h"
#include "oe_addr.h"

#include <pk11pub.h>

/*
 * Our selectors for conn c: leftsubnet/rightsubnet, else the hosts;
 * an initiator's flow_proto/ports (port-specific OE) narrow both.
 */
void	ikev2_conn_ts(const struct conf_conn *c, const struct ikev2_ike_sa *sa,
	    struct ikev2_ts *local, struct ikev2_ts *remote);
/*
 * Narrow a peer's TS list to `want`: the intersection with the first
 * selector that overlaps it and that XFRM can express (one prefix, one
 * port or all).  0 and *out, or -1.
 */
int	ikev2_ts_narrow_to(const struct ikev2_ts_list *l,
	    const struct ikev2_ts *want, struct ikev2_ts *out);

/* A selector for exactly host `a`, all protocols and ports. */
void	ikev2_ts_host(const struct oe_addr *a, struct ikev2_ts *ts);
/*
 * Narrow a peer's TS list to host `a` (keeping the protocol and ports
 * of the first selector that holds it).  0 and *out, or -1.
 */
int	ikev2_ts_narrow(const struct ikev2_ts_list *l, const struct oe_addr *a,
	    struct ikev2_ts *out);

/*
 * Reserve our inbound SPI (a larval kernel SA) for ch; with new_reqid
 * also take a fresh reqid (a rekey keeps the old one).  0 or -1.
 */
int	ikev2_child_alloc_spi(struct ikev2_ike_sa *sa, struct ikev2_child_sa *ch,
	    bool new_reqid);
/*
 * KEYMAT = prf+(SK_d, [g^ir (new)] | Ni | Nr) for ch's algorithms
 * (gir: the PFS shared secret of a rekey, else NULL), then both kernel
 * SAs and (unless ch->rekeyed) the policies.  0 or -1 (logged).
 */
int	ikev2_child_install(struct ikev2_ike_sa *sa, struct ikev2_child_sa *ch,
	    const struct conf_conn *c, const uint8_t *ni, size_t ni_len,
	    const uint8_t *nr, size_t nr_len, PK11SymKey *gir);
/*
 * Responder: the initiator sent a protected request after IKE_AUTH, so
 * it accepted our AUTH; sa's Child SA takes the policies it was
 * installed without (sa->child_policies_deferred), unless a more
 * strongly authenticated Child SA holds them.
 */
void	ikev2_child_confirm(struct ikev2_ike_sa *sa);
/*
 * A rekey responder installs only the inbound SA (ch->out_later); this
 * adds the outbound one, from the same KEYMAT inputs, once the
 * initiator has shown it has the other end (ikev2_rekey.c).  0 or -1.
 */
int	ikev2_child_install_out(struct ikev2_ike_sa *sa, struct ikev2_child_sa *ch,
	    const struct conf_conn *c, const uint8_t *ni, size_t ni_len,
	    const uint8_t *nr, size_t nr_len, PK11SymKey *gir);
/* Delete ch's kernel SAs, and its policies if `policies`. */
void	ikev2_child_uninstall(struct ikev2_ike_sa *sa, struct ikev2_child_sa *ch,
	    bool policies);

void	ikev2_spi_be(uint32_t spi, uint8_t out[4]);
uint32_t ikev2_spi_from(const uint8_t *b);

#endif /* OE_IKEV2_CHILD_H */
