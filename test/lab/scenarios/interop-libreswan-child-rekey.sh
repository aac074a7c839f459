# DESCRIPTION: Child SA rekey with libreswan 4.10 (NULL auth): oe-iked rekeys at its soft lifetime (CREATE_CHILD_SA as initiator), both kernels switch to the new SPIs, the old SAs go, UDP flows over the new SA, same IKE SA
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-peers.sh"

peers_topology
O=$(lab_host_dir oe) P=$(lab_host_dir peer)

peers_pluto_init peer
peers_template pluto-null.conf "$P/pluto/ipsec.conf" LOCAL="$PEER_ADDR" REMOTE="$OE_ADDR"
peers_pluto_start peer "$P/pluto/ipsec.conf"
peers_pluto_add peer "$P/pluto/ipsec.conf" interop
peers_template oe-iked-null.conf "$O/oe/iked.conf" LOCAL="$OE_ADDR" REMOTE="$PEER_ADDR" \
	POLDIR="$O/oe/policies" AUTO=start
# Soft lifetime 50 s after install (120 s lifetime, 70 s margin, no
# fuzz): every Child SA, the new one too, is rekeyed after 50 s, which
# leaves the checks below that long after the first rekey.
printf '    salifetime=120s\n    rekeymargin=70s\n    rekeyfuzz=0%%\n' >> "$O/oe/iked.conf"
peers_oe_start oe "$O/oe/iked.conf" none > /dev/null
lab_wait 30 "oe-iked's IKE SA and Child SA with $PEER_ADDR established" peers_oe_established oe "$PEER_ADDR"
lab_wait 10 "pluto's IKE SA and Child SA established" peers_pluto_established peer interop
peer_established() { peers_pluto_established peer interop; }
PEERNAME=pluto

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
