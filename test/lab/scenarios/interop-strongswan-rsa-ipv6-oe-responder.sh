# DESCRIPTION: over IPv6, oe-iked as responder with strongSwan 5.9.8 (charon/swanctl), raw RSA-3072 public keys both ways: IKE and transport Child SA up on both, UDP both ways over ESP, counters rise, nothing clear on the wire
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-peers.sh"

peers_topology 6
O=$(lab_host_dir oe) P=$(lab_host_dir peer)

peers_oe_key oe
peers_charon_init peer
peers_charon_key peer
OEKEY=$(cat "$O/oe/pub.0s") SSKEY=$(cat "$P/swanctl/pub.0s")
[ "$OEKEY" != "$SSKEY" ] || fail "both hosts got the same key"
cp "$O/oe/pub.pem" "$P/swanctl/pubkey/peer.pem"
peers_template swanctl-rsa.conf "$P/swanctl/swanctl.conf" LOCAL="$PEER_ADDR" REMOTE="$OE_ADDR"
peers_template oe-iked-rsa.conf "$O/oe/iked.conf" LOCAL="$OE_ADDR" REMOTE="$PEER_ADDR" \
	POLDIR="$O/oe/policies" AUTO=add LEFTKEY="$OEKEY" RIGHTKEY="$SSKEY"
peers_oe_start oe "$O/oe/iked.conf" > /dev/null
lab_wait 10 "oe-iked listening on $OE_ADDR:500" \
	lab_exec oe bash -c "ss -Hlun 'sport = :500' | grep -q '$OE_ADDR'"

peers_charon_start peer

peers_wire_start oe o0 "$PEER_ADDR"
peers_wire_start peer p0 "$OE_ADDR"
peers_charon_initiate peer interop interop > /dev/null

lab_wait 30 "charon's IKE SA established and Child SA installed" peers_charon_established peer interop interop
lab_wait 10 "oe-iked's IKE SA and Child SA with $PEER_ADDR established" peers_oe_established oe "$PEER_ADDR"
[ "$(peers_oe_ike oe "$PEER_ADDR" role)" = responder ] || fail "oe-iked was not the responder"
peers_oe_auth_is_sig oe "$PEER_ADDR"
[ "$(peers_oe_child oe "$PEER_ADDR" mode)" = transport ] || fail "oe-iked's Child SA is not transport mode"
auth="$(peers_oe_ike oe "$PEER_ADDR" auth_local)/$(peers_oe_ike oe "$PEER_ADDR" auth_peer)"

out=$(peers_oe_child oe "$PEER_ADDR" spi_out) in=$(peers_oe_child oe "$PEER_ADDR" spi_in)
summary=$(peers_udp_exchange oe "$OE_ADDR" peer "$PEER_ADDR" "$out" "$in") || exit 1
pass "IPv6: charon (initiator) and oe-iked (responder): RSA-3072 raw keys (auth local/peer $auth), IKE+Child SA up on both; $summary"
