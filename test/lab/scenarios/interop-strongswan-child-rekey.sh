# DESCRIPTION: Child SA rekey with strongSwan 5.9.8 (raw RSA keys): charon rekeys (CREATE_CHILD_SA, oe-iked responding), both kernels switch to the new SPIs, the old SAs go, UDP flows over the new SA, same IKE SA
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-peers.sh"

peers_charon_rsa_setup
# charon rekeys the Child SA 50 s after install (no jitter), with a
# fresh key exchange: oe-iked's default pfs=yes refuses a rekey without
# one, and strongSwan's default ESP proposals have no group.
sed -i -e 's/^\( *\)start_action = none/&\n\1rekey_time = 50s\n\1rand_time = 0s/' \
	-e 's/esp_proposals = default/esp_proposals = aes256gcm16-aes128gcm16-x25519-ecp256-modp2048/' \
	"$P/swanctl/swanctl.conf"
grep -q 'rekey_time = 50s' "$P/swanctl/swanctl.conf" && grep -q 'x25519' "$P/swanctl/swanctl.conf" ||
	fail "rekey_time/esp_proposals not set in swanctl.conf"
peers_oe_rsa_conf add "$SSKEY"
peers_oe_listening
peers_charon_start peer
peers_charon_to_oe
peer_established() { peers_charon_established peer interop interop; }
PEERNAME=charon

ispi=$(peers_oe_ike oe "$PEER_ADDR" ispi) rspi=$(peers_oe_ike oe "$PEER_ADDR" rspi)
out1=$(peers_oe_child oe "$PEER_ADDR" spi_out) in1=$(peers_oe_child oe "$PEER_ADDR" spi_in)
peers_wire_start oe o0 "$PEER_ADDR"
peers_wire_start peer p0 "$OE_ADDR"

lab_log "first Child SA up: out $out1 in $in1"
lab_wait 90 "oe-iked's Child SA rekeyed (a new outbound SPI instead of $out1)" \
	peers_child_rekeyed oe "$PEER_ADDR" "$out1"
out2=$(peers_oe_child oe "$PEER_ADDR" spi_out) in2=$(peers_oe_child oe "$PEER_ADDR" spi_in)
lab_log "rekeyed: out $out2 in $in2"
[ "$in2" != "$in1" ] || fail "inbound SPI unchanged by the rekey ($in1)"
[ "$(peers_oe_ike oe "$PEER_ADDR" ispi)/$(peers_oe_ike oe "$PEER_ADDR" rspi)" = "$ispi/$rspi" ] ||
	fail "the IKE SA changed during a Child SA rekey"
lab_wait 10 "$PEERNAME still showing the SAs after the rekey" peer_established
# Both kernels: exactly the new pair once the old one is deleted.
lab_wait 15 "oe's kernel holding only the new SAs ($out2, $in2)" peers_kernel_spis_are oe "$out2 $in2"
lab_wait 15 "peer's kernel holding only the new SAs ($out2, $in2)" peers_kernel_spis_are peer "$out2 $in2"

lab_log "both kernels hold only the new pair"
summary=$(peers_udp_exchange oe "$OE_ADDR" peer "$PEER_ADDR" "$out2" "$in2") || exit 1
pass "Child SA rekeyed with $PEERNAME (out $out1 -> $out2, in $in1 -> $in2, IKE SA unchanged), old SAs gone from both kernels; $summary"
