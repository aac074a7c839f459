# DESCRIPTION: over IPv6, oe-iked initiates to libreswan 4.10 (pluto) with NULL auth: IKE and transport Child SA up on both, UDP both ways over ESP, counters rise, nothing clear on the wire
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-peers.sh"

peers_topology 6
O=$(lab_host_dir oe) P=$(lab_host_dir peer)

peers_pluto_init peer
peers_template pluto-null.conf "$P/pluto/ipsec.conf" LOCAL="$PEER_ADDR" REMOTE="$OE_ADDR"
peers_pluto_start peer "$P/pluto/ipsec.conf"
peers_pluto_add peer "$P/pluto/ipsec.conf" interop

peers_wire_start oe o0 "$PEER_ADDR"
peers_wire_start peer p0 "$OE_ADDR"

peers_template oe-iked-null.conf "$O/oe/iked.conf" LOCAL="$OE_ADDR" REMOTE="$PEER_ADDR" \
	POLDIR="$O/oe/policies" AUTO=start
peers_oe_start oe "$O/oe/iked.conf" none > /dev/null

lab_wait 30 "oe-iked's IKE SA and Child SA with $PEER_ADDR established" peers_oe_established oe "$PEER_ADDR"
lab_wait 10 "pluto's IKE SA and Child SA established" peers_pluto_established peer interop
[ "$(peers_oe_ike oe "$PEER_ADDR" role)" = initiator ] || fail "oe-iked was not the initiator"
[ "$(peers_oe_ike oe "$PEER_ADDR" auth_peer)" = NULL ] ||
	fail "oe-iked's peer auth is $(peers_oe_ike oe "$PEER_ADDR" auth_peer), expected NULL"
[ "$(peers_oe_child oe "$PEER_ADDR" mode)" = transport ] || fail "oe-iked's Child SA is not transport mode"

out=$(peers_oe_child oe "$PEER_ADDR" spi_out) in=$(peers_oe_child oe "$PEER_ADDR" spi_in)
summary=$(peers_udp_exchange oe "$OE_ADDR" peer "$PEER_ADDR" "$out" "$in") || exit 1
pass "IPv6: oe-iked (initiator) and pluto: NULL auth, IKE+Child SA up on both; $summary"
