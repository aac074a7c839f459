/*
 * SA payload proposals: built from the configuration's ike=/esp=
 * lists (only algorithms the crypto code implements), and the
 * responder's choice among a peer's proposals (our preference order
 * first, RFC 7296 2.7).
 */
#ifndef OE_IKEV2_PROPOSAL_H
#define OE_IKEV2_PROPOSAL_H

#include <stdbool.h>
#include <stdint.h>

#include "conf_proposal.h"
#include "ikev2_payload.h"
#include "ikev2_sa.h"
#include "kernel.h"

/*
 * Fill `out` with one proposal per configured proposal (protocol IKE
 * or ESP; `spi`/`spi_len` go into every proposal: 0 for a new IKE SA,
 * 4 bytes for ESP).  Returns the number of proposals, 0 if nothing
 * usable is configured.
 */
int	ikev2_proposals_build(const struct conf_proposals *cp, bool esp,
	    const uint8_t *spi, uint8_t spi_len, struct ikev2_sa *out);

/*
 * Pick from the peer's proposals.  Returns the chosen peer proposal
 * (its number and SPI are in *chosen_prop) and the algorithms in
 * *choice, or -1 when nothing matches.
 */
int	ikev2_proposals_choose(const struct conf_proposals *cp, bool esp,
	    const struct ikev2_sa *peer, struct ikev2_proto_choice *choice,
	    const struct ikev2_proposal **chosen_prop);

/*
 * Initiator: check that the responder's SA payload holds one proposal
 * whose transforms we offered, and read the choice.  0 or -1.
 */
int	ikev2_proposals_accept(const struct conf_proposals *cp, bool esp,
	    const struct ikev2_sa *resp, struct ikev2_proto_choice *choice,
	    const struct ikev2_proposal **chosen_prop);

/* A one-proposal SA payload that states `choice` (responder's answer). */
void	ikev2_proposal_answer(const struct ikev2_proto_choice *choice,
	    bool esp, uint8_t num, const uint8_t *spi, uint8_t spi_len,
	    struct ikev2_sa *out);

/*
 * Child SA rekey with PFS (RFC 7296 1.3.1): the KE groups to use, in
 * our order: the esp= proposals' groups, else the IKE SA's group;
 * none with pfs=no.  Returns the count (at most `max`).
 */
size_t	ikev2_pfs_groups(const struct conf_proposals *esp, bool pfs,
	    uint16_t ike_group, uint16_t *groups, size_t max);
/* ESP proposals as ikev2_proposals_build(), each offering `groups`. */
int	ikev2_proposals_build_pfs(const struct conf_proposals *cp,
	    const uint8_t *spi, uint8_t spi_len, const uint16_t *groups,
	    size_t ngroups, struct ikev2_sa *out);
/*
 * ESP choice for CREATE_CHILD_SA: as ikev2_proposals_choose(), and
 * with ngroups > 0 the proposal must offer one of `groups` (our order
 * wins; choice->dh), with none it must offer no key exchange.
 */
int	ikev2_proposals_choose_pfs(const struct conf_proposals *cp,
	    const uint16_t *groups, size_t ngroups, const struct ikev2_sa *peer,
	    struct ikev2_proto_choice *choice,
	    const struct ikev2_proposal **chosen_prop);

/* First KE group of the configured IKE proposals we implement, 0: none. */
uint16_t ikev2_proposals_first_group(const struct conf_proposals *cp);
/* Whether `group` appears in the configured IKE proposals and is implemented. */
bool	ikev2_proposals_has_group(const struct conf_proposals *cp,
	    uint16_t group);

/* Kernel algorithm for an ESP choice; -1 if not mapped. */
int	ikev2_kernel_enc(uint16_t encr, enum kernel_enc *out);
int	ikev2_kernel_integ(uint16_t integ, enum kernel_integ *out);

#endif /* OE_IKEV2_PROPOSAL_H */
