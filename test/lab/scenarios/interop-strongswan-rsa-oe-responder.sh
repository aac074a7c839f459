# DESCRIPTION: oe-iked as responder with strongSwan 5.9.8 (charon/swanctl), raw RSA-3072 public keys both ways: IKE and transport Child SA up on both, UDP both ways over ESP, counters rise, nothing clear on the wire
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-peers.sh"

peers_charon_rsa_setup
peers_oe_rsa_conf add "$SSKEY"
peers_oe_listening

peers_charon_start peer

peers_wire_start oe o0 "$PEER_ADDR"
peers_wire_start peer p0 "$OE_ADDR"
peers_charon_to_oe
[ "$(peers_oe_ike oe "$PEER_ADDR" role)" = responder ] || fail "oe-iked was not the responder"
peers_oe_auth_is_sig oe "$PEER_ADDR"
[ "$(peers_oe_child oe "$PEER_ADDR" mode)" = transport ] || fail "oe-iked's Child SA is not transport mode"
auth="$(peers_oe_ike oe "$PEER_ADDR" auth_local)/$(peers_oe_ike oe "$PEER_ADDR" auth_peer)"

out=$(peers_oe_child oe "$PEER_ADDR" spi_out) in=$(peers_oe_child oe "$PEER_ADDR" spi_in)
summary=$(peers_udp_exchange oe "$OE_ADDR" peer "$PEER_ADDR" "$out" "$in") || exit 1
pass "charon (initiator) and oe-iked (responder): RSA-3072 raw keys (auth local/peer $auth), IKE+Child SA up on both; $summary"
