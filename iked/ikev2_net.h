/*
 * IKE's UDP sockets: port 500 and the NAT-T port 4500 (RFC 3948
 * non-ESP marker) on each configured address, IPv4 and IPv6.
 *
 * Receive path: datagram size bounds -> marker -> the caller's
 * callback with the IKE message bytes and the path it came on (local
 * and remote address and port).  Sockets bound to a wildcard address
 * learn the local address from IP_PKTINFO / IPV6_PKTINFO and send from
 * it, so replies leave from the address the peer talked to.
 */
#ifndef OE_IKEV2_NET_H
#define OE_IKEV2_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "oe_addr.h"

/* Bounds on what we accept from the wire (RFC 7296 2: at least 1280). */
#define IKEV2_NET_MIN_DGRAM	28		/* one IKE header */
#define IKEV2_NET_MAX_DGRAM	65535
#define IKEV2_NET_MAX_SOCKETS	(2 * 2 * 8)	/* ports x families x listen */

/* Both ends of one IKE datagram's journey. */
struct ikev2_path {
	struct oe_addr	 local;
	struct oe_addr	 remote;
	uint16_t	 lport;		/* host order */
	uint16_t	 rport;
	bool		 natt;		/* came/goes via the 4500 socket (marker) */
};

typedef void (*ikev2_net_rx_fn)(void *arg, const struct ikev2_path *path,
    const uint8_t *msg, size_t len);

struct ikev2_net;

/*
 * Bind port `ike_port` and `natt_port` on each of the `n` addresses
 * (n == 0: the IPv4 and IPv6 wildcards), register the sockets with
 * `event`; received IKE messages go to rx(arg, ...).  `udp_encap`
 * asks the kernel to take ESP-in-UDP from the 4500 sockets (XFRM
 * backend only).  NULL on failure (logged).  Caller frees with
 * ikev2_net_free().
 */
struct ikev2_net *ikev2_net_open(sd_event *event, const struct oe_addr *addrs,
    size_t n, uint16_t ike_port, uint16_t natt_port, bool udp_encap,
    ikev2_net_rx_fn rx, void *arg);
void	ikev2_net_free(struct ikev2_net *net);

/*
 * Send one IKE message along `path` (path->natt prepends the non-ESP
 * marker and uses the 4500 socket).  0 or -errno.
 */
int	ikev2_net_send(struct ikev2_net *net, const struct ikev2_path *path,
	    const uint8_t *msg, size_t len);

/*
 * A NAT keepalive (RFC 3948 2.3: one 0xff byte) on the NAT-T socket
 * of `path`, so the NAT keeps our mapping.  0 or -errno.
 */
int	ikev2_net_send_keepalive(struct ikev2_net *net,
	    const struct ikev2_path *path);

/* The local port IKE uses (for paths we originate). */
uint16_t ikev2_net_ike_port(const struct ikev2_net *net);

/*
 * Strip the RFC 3948 non-ESP marker from a datagram received on the
 * NAT-T port.  Returns the IKE message (pointer into dgram) and its
 * length in *len, or NULL for a NAT keepalive (one 0xff byte), an ESP
 * packet, or anything too short.
 */
const uint8_t *ikev2_net_natt_strip(const uint8_t *dgram, size_t dlen,
    size_t *len);

#endif /* OE_IKEV2_NET_H */
