# DESCRIPTION: strongSwan 5.9.8 on its default ESP proposals (no PFS group) rekeys against oe-iked (pfs=yes): whatever oe-iked answers, UDP must still flow over ESP, never in clear, once the first Child SA's lifetime is over
# KNOWN-BROKEN: oe-iked (pfs=yes) refuses charon's rekey without a DH group, and then answers charon's new CREATE_CHILD_SA with NO_ADDITIONAL_SAS although the IKE SA has no Child SA left (ikev2_rekey.c); see issue 3
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-peers.sh"

peers_topology
O=$(lab_host_dir oe) P=$(lab_host_dir peer)

peers_oe_key oe
peers_charon_init peer
peers_charon_key peer
OEKEY=$(cat "$O/oe/pub.0s") SSKEY=$(cat "$P/swanctl/pub.0s")
cp "$O/oe/pub.pem" "$P/swanctl/pubkey/peer.pem"
peers_template swanctl-rsa.conf "$P/swanctl/swanctl.conf" LOCAL="$PEER_ADDR" REMOTE="$OE_ADDR"
# strongSwan's defaults (esp_proposals = default: no DH group, so its
# rekeys carry no KE), with a short life: rekey after 20 s, hard expiry
# after 35 s.  oe-iked keeps its default pfs=yes and may refuse such a
# rekey; then the Child SA must be replaced some other way (a new Child
# SA or a new IKE SA), since strongSwan deletes the old one at expiry.
sed -i -e 's/^\( *\)start_action = none/&\n\1rekey_time = 20s\n\1life_time = 35s\n\1rand_time = 0s/' \
	"$P/swanctl/swanctl.conf"
grep -q 'life_time = 35s' "$P/swanctl/swanctl.conf" || fail "rekey_time/life_time not set in swanctl.conf"
peers_template oe-iked-rsa.conf "$O/oe/iked.conf" LOCAL="$OE_ADDR" REMOTE="$PEER_ADDR" \
	POLDIR="$O/oe/policies" AUTO=add LEFTKEY="$OEKEY" RIGHTKEY="$SSKEY"
peers_oe_start oe "$O/oe/iked.conf" > /dev/null
lab_wait 10 "oe-iked listening on $OE_ADDR:500" \
	lab_exec oe bash -c "ss -Hlun 'sport = :500' | grep -q '$OE_ADDR'"
peers_charon_start peer
peers_charon_initiate peer interop interop > /dev/null
lab_wait 30 "charon's IKE SA established and Child SA installed" peers_charon_established peer interop interop
lab_wait 10 "oe-iked's IKE SA and Child SA with $PEER_ADDR established" peers_oe_established oe "$PEER_ADDR"
out1=$(peers_oe_child oe "$PEER_ADDR" spi_out)
t0=$EPOCHREALTIME
lab_log "first Child SA up: out $out1"
peers_wire_start oe o0 "$PEER_ADDR"
peers_wire_start peer p0 "$OE_ADDR"

# Past the first Child SA's hard lifetime (35 s) with some slack.
lab_wait 60 "the first Child SA's lifetime passing" bash -c "(( (\${EPOCHREALTIME/./} - ${t0/./}) > 40000000 ))"
lab_wait 20 "an established IKE SA and a Child SA other than $out1 in oe-iked" \
	peers_child_rekeyed oe "$PEER_ADDR" "$out1"
lab_wait 10 "charon's IKE SA established and Child SA installed again" peers_charon_established peer interop interop
out2=$(peers_oe_child oe "$PEER_ADDR" spi_out) in2=$(peers_oe_child oe "$PEER_ADDR" spi_in)
lab_log "replacement Child SA: out $out2 in $in2"
summary=$(peers_udp_exchange oe "$OE_ADDR" peer "$PEER_ADDR" "$out2" "$in2") || exit 1
pass "after charon's no-PFS rekey the Child SA was replaced (out $out1 -> $out2); $summary"
