# DESCRIPTION: negotiation shunt hold versus pass on the wire: while IKE to a host without IKE is still trying, the hold host sends nothing in clear and the pass host sends its datagrams in clear; after the failure both pass in clear (private-or-clear)
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-oe.sh"

H=198.51.100.1 P=198.51.100.3 E=198.51.100.2
lab_lan lan
lab_host hold; lab_attach hold eth0 "$H/24" lan
lab_host pass; lab_attach pass eth0 "$P/24" lan
lab_host east; lab_attach east eth0 "$E/24" lan

OE_LAB_RETRANSMIT_INTERVAL=5000 OE_LAB_RETRANSMIT_TIMEOUT=40s oe_conf hold "$H"
oe_group hold private-or-clear "$E/32"
OE_LAB_RETRANSMIT_INTERVAL=5000 OE_LAB_RETRANSMIT_TIMEOUT=40s OE_LAB_POC_NEGSHUNT=passthrough oe_conf pass "$P"
oe_group pass private-or-clear "$E/32"
oe_start hold
oe_start pass
lab_udp_listen east "$E" 5000 got
got=$(lab_udp_file east got)
lab_capture hold eth0 wire "host $E"
lab_capture pass eth0 wire "host $E"

# one datagram each to trigger the ACQUIRE, then ten more while IKE tries
for h in hold pass; do oe_udp_ping $h "$E" 5000 "$h-trigger"; done
for h in hold pass; do
	lab_wait 5 "$h's ACQUIRE" grep -q "ACQUIRE .* -> $E" "$(oe_log_file $h)"
done
for h in hold pass; do
	lab_bg $h burst bash -c "for i in 1 2 3 4 5 6 7 8 9 10; do printf '$h-neg-%d' \$i > /dev/udp/$E/5000 2>/dev/null; sleep 0.1; done" > /dev/null
done
sleep 2
for h in hold pass; do
	grep -q "negotiation with $E failed" "$(oe_log_file $h)" &&
		fail "$h's negotiation already failed: the window was too short to tell"
done
nh=$(oe_wire_clear hold wire "UDP" | wc -l)
np=$(oe_wire_clear pass wire "UDP" | wc -l)
ah=$(grep -o 'hold-neg-' "$got" | wc -l)
ap=$(grep -o 'pass-neg-' "$got" | wc -l)
oe_has_policy hold out "$H/32" "$E/32" block || fail "hold: no drop shunt while negotiating"
oe_has_policy pass out "$P/32" "$E/32" allow || fail "pass: no pass shunt while negotiating"
[ "$nh" -eq 0 ] || fail "hold sent $nh clear datagrams while negotiating"
[ "$ah" -eq 0 ] || fail "$ah of hold's datagrams arrived while negotiating"
[ "$np" -ge 5 ] || fail "pass sent only $np clear datagrams while negotiating"
[ "$ap" -ge 5 ] || fail "only $ap of pass's datagrams arrived while negotiating"

# after the failure: private-or-clear falls back to clear on both
for h in hold pass; do
	lab_wait 60 "$h's negotiation failing" grep -q "negotiation with $E failed" "$(oe_log_file $h)"
done
oe_udp_until hold "$E" 5000 east got 5 "hold-after" || fail "hold's datagram did not pass after the failure"
oe_udp_until pass "$E" 5000 east got 5 "pass-after" || fail "pass's datagram did not pass after the failure"
pass "while negotiating: hold 0 clear on the wire / 0 arrived, pass $np clear / $ap arrived; after the failure both in clear (failure shunt pass)"
