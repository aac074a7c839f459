# DESCRIPTION: Child SA rekey with strongSwan 5.9.8 started by oe-iked as the IKE SA's responder (salifetime 60 s, rekeymargin 58 s: at 60 - 58/2 = 31 s; charon would wait an hour): KEYMAT with the CREATE_CHILD_SA's initiator first (RFC 7296 2.17), both kernels switch to the new SPIs, the old SAs go, UDP flows both ways over the new SA, same IKE SA
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-peers.sh"

peers_charon_rsa_setup
# charon does not rekey (its default: an hour), but takes a rekey with
# a key exchange (oe-iked's default pfs=yes); oe-iked, the responder,
# rekeys at salifetime - rekeymargin/2 = 31 s.
sed -i -e 's/esp_proposals = default/esp_proposals = aes256gcm16-aes128gcm16-x25519-ecp256-modp2048/' \
	"$P/swanctl/swanctl.conf"
grep -q 'x25519' "$P/swanctl/swanctl.conf" || fail "esp_proposals not set in swanctl.conf"
peers_oe_rsa_conf add "$SSKEY"
sed -i -e 's/^\( *\)retransmit-timeout=20s/&\n\1salifetime=60s\n\1rekeymargin=58s/' "$O/oe/iked.conf"
grep -q 'rekeymargin=58s' "$O/oe/iked.conf" || fail "salifetime/rekeymargin not set in iked.conf"
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
lab_wait 60 "oe-iked's Child SA rekeyed (a new outbound SPI instead of $out1)" \
	peers_child_rekeyed oe "$PEER_ADDR" "$out1"
grep -q "rekeying the Child SA" "$O/log/oe-iked.log" || fail "oe-iked did not start the rekey itself"
[ "$(jq -r --arg p "$PEER_ADDR" '[.ike_sas[]? | select(.peer == $p)][0].role' "$(peers_oe_state oe)")" = responder ] ||
	fail "oe-iked is not the IKE SA's responder"
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
pass "oe-iked (IKE responder) rekeyed the Child SA with $PEERNAME (out $out1 -> $out2, in $in1 -> $in2, IKE SA unchanged), old SAs gone from both kernels; $summary"
