# DESCRIPTION: strongSwan 5.9.8 on its default ESP proposals (no PFS group) rekeys against oe-iked (pfs=yes): oe-iked refuses with NO_PROPOSAL_CHOSEN (RFC 7296 1.3.3) and the old Child SA keeps carrying UDP both ways; when charon lets it expire and deletes it, oe-iked deletes the then childless IKE SA and charon negotiates a new IKE SA and Child SA (a full key exchange); UDP over ESP, never in clear
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-peers.sh"

peers_charon_rsa_setup
# strongSwan's defaults (esp_proposals = default: no DH group, so its
# rekeys carry no KE), with a short life: rekey after 20 s, hard expiry
# after 35 s, and a trap policy (start_action = trap), so that a packet
# to oe-iked negotiates again once the IKE SA is gone.  oe-iked keeps
# its default pfs=yes: it refuses such a rekey; a fresh IKE SA (a full
# key exchange) replaces the expired Child SA instead.
sed -i -e 's/^\( *\)start_action = none/\1start_action = trap\n\1rekey_time = 20s\n\1life_time = 35s\n\1rand_time = 0s/' \
	"$P/swanctl/swanctl.conf"
grep -q 'life_time = 35s' "$P/swanctl/swanctl.conf" || fail "rekey_time/life_time not set in swanctl.conf"
peers_oe_rsa_conf add "$SSKEY"
peers_oe_listening
peers_charon_start peer
peers_charon_to_oe
out1=$(peers_oe_child oe "$PEER_ADDR" spi_out) in1=$(peers_oe_child oe "$PEER_ADDR" spi_in)
ike1=$(peers_oe_ike oe "$PEER_ADDR" ispi)
lab_log "first Child SA up: out $out1 in $in1 (IKE SA $ike1)"
peers_wire_start oe o0 "$PEER_ADDR"
peers_wire_start peer p0 "$OE_ADDR"
LOG="$O/log/oe-iked.log"

# charon's rekey at 20 s: refused, the IKE SA and the old Child SA stay.
lab_wait 30 "oe-iked refusing charon's rekey without KE" \
	grep -q "Child SA rekey refused (NO_PROPOSAL_CHOSEN): no key exchange offered, pfs=yes" "$LOG"
lab_wait 5 "charon logging the refusal" grep -q "received NO_PROPOSAL_CHOSEN notify" "$(lab_host_dir peer)/log/charon.log"
[ "$(peers_oe_child oe "$PEER_ADDR" spi_out)" = "$out1" ] || fail "the Child SA changed after the refused rekey"
o0=$(lab_sa_packets oe "$OE_ADDR" "$PEER_ADDR" "0x$out1") i0=$(lab_sa_packets oe "$PEER_ADDR" "$OE_ADDR" "0x$in1")
expect "a datagram oe -> peer" lab_udp_send oe "$PEER_ADDR" "$PEERS_PORT" "old-sa-ab"
expect "a datagram peer -> oe" lab_udp_send peer "$OE_ADDR" "$PEERS_PORT" "old-sa-ba"
lab_wait 5 "oe's old outbound SA $out1 counting" peers_sa_packets_ge oe "$OE_ADDR" "$PEER_ADDR" "$out1" $(( ${o0:-0} + 1 ))
lab_wait 5 "peer's old inbound SA $out1 counting" peers_sa_packets_ge peer "$OE_ADDR" "$PEER_ADDR" "$out1" 1
lab_wait 5 "oe's old inbound SA $in1 counting" peers_sa_packets_ge oe "$PEER_ADDR" "$OE_ADDR" "$in1" $(( ${i0:-0} + 1 ))
peers_no_clear oe
peers_no_clear peer
lab_log "after the refusal the old Child SA carried UDP both ways"

# charon's hard expiry at 35 s: it deletes the Child SA; oe-iked then
# deletes the IKE SA instead of keeping it without a Child SA.
lab_wait 40 "oe-iked deleting the childless IKE SA" grep -q "no Child SA left: deleting the IKE SA" "$LOG"
lab_wait 10 "IKE SA $ike1 gone from oe-iked" bash -c "! jq -e --arg s $ike1 '[.ike_sas[]? | select(.ispi == \$s)] | length >= 1' '$(peers_oe_state oe)' > /dev/null 2>&1"

# charon moves its pending Child SA recreation to a new IKE SA at once
# (seen with 5.9.8); else its trap would on the next packet.
end=$(( ${EPOCHREALTIME/./} + 20000000 ))
until peers_child_rekeyed oe "$PEER_ADDR" "$out1"; do
	[ "${EPOCHREALTIME/./}" -lt "$end" ] || fail "no new IKE SA and Child SA after the old IKE SA's deletion"
	lab_udp_send peer "$OE_ADDR" "$PEERS_PORT" "trigger" 2> /dev/null
	sleep 0.5
done
lab_wait 10 "charon's IKE SA established and Child SA installed again" peers_charon_established peer interop interop
ike2=$(peers_oe_ike oe "$PEER_ADDR" ispi)
[ "$ike2" != "$ike1" ] || fail "the IKE SA is still $ike1"
out2=$(peers_oe_child oe "$PEER_ADDR" spi_out) in2=$(peers_oe_child oe "$PEER_ADDR" spi_in)
lab_log "new IKE SA $ike2, Child SA: out $out2 in $in2"
summary=$(peers_udp_exchange oe "$OE_ADDR" peer "$PEER_ADDR" "$out2" "$in2") || exit 1
pass "charon's rekey without KE refused (NO_PROPOSAL_CHOSEN), old SA $out1 still carried UDP both ways; at its expiry the childless IKE SA $ike1 was deleted and charon negotiated IKE SA $ike2 with Child SA $out2/$in2; $summary"
