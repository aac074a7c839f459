# DESCRIPTION: a port-specific group entry (private-or-clear for udp to port 5000 only) gives a port-specific OE instance: its traffic selectors and both hosts' kernel policies carry udp/5000, udp 5000 goes over ESP, udp 6000 to the same host stays clear and starts no negotiation
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-oe.sh"

W=198.51.100.1 E=198.51.100.2
lab_host west
lab_host east
lab_link west w0 "$W/24" east e0 "$E/24"
oe_conf west "$W"
echo "$E/32 udp 0 5000" > "$(lab_host_dir west)/oe/policies/private-or-clear"
oe_conf east "$E"
oe_group east private-or-clear "$W/32"
oe_start east
oe_start west
lab_wait 5 "west's port-specific trap" bash -c "ip -n west xfrm policy get dir out src 0.0.0.0/0 dst $E/32 proto udp dport 5000 2>/dev/null | grep -q tmpl"
lab_capture west w0 wire "host $E"
lab_udp_listen east "$E" 5000 got5
lab_udp_listen east "$E" 6000 got6
wlog=$(oe_log_file west)

oe_udp_until west "$E" 5000 east got5 20 "ps-5000-first" || fail "udp 5000 did not arrive"
lab_wait 10 "west's SA with $E" oe_established west "$E"
spi=$(oe_child west "$E" spi_out)
# the instance's selectors: udp, the peer's port 5000
sel=$(jq -c --arg p "$E" '[.ike_sas[]? | select(.peer == $p and .state == "ESTABLISHED")][0].child | [.ts_local.protocol, .ts_local.start_port, .ts_local.end_port, .ts_remote.protocol, .ts_remote.start_port, .ts_remote.end_port]' "$(oe_state west)")
[ "$sel" = "[17,0,65535,17,5000,5000]" ] || fail "west's traffic selectors are $sel, not udp to port 5000"
esel=$(jq -c --arg p "$W" '[.ike_sas[]? | select(.peer == $p and .state == "ESTABLISHED")][0].child | [.ts_local.protocol, .ts_local.start_port, .ts_remote.protocol, .ts_remote.start_port, .ts_remote.end_port]' "$(oe_state east)")
[ "$esel" = "[17,5000,17,0,65535]" ] || fail "east's traffic selectors are $esel"
# kernel policies on both hosts carry the protocol and port
ip -n west xfrm policy get dir out src "$W/32" dst "$E/32" proto udp dport 5000 2>/dev/null | grep -q tmpl ||
	fail "west has no udp/5000 ipsec policy: $(ip -n west xfrm policy | grep -A1 "dst $E/32" | head -n4 | tr '\n' ' ')"
ip -n west xfrm policy get dir in src "$E/32" dst "$W/32" proto udp sport 5000 2>/dev/null | grep -q tmpl ||
	fail "west has no inbound udp/5000 policy"
ip -n east xfrm policy get dir out src "$E/32" dst "$W/32" proto udp sport 5000 2>/dev/null | grep -q tmpl ||
	fail "east has no udp sport 5000 ipsec policy"
[ -z "$(oe_policy west out "$W/32" "$E/32")" ] || fail "west has an all-protocol host policy to $E: $(oe_policy west out "$W/32" "$E/32")"

# numbered datagrams to both ports
for i in 1 2 3 4 5; do
	oe_udp_ping west "$E" 5000 "ps5-$i."
	oe_udp_ping west "$E" 6000 "ps6-$i."
	sleep 0.2
done
sleep 0.5
n5=$(grep -o 'ps5-[0-9]*\.' "$(lab_udp_file east got5)" | wc -l)
n6=$(grep -o 'ps6-[0-9]*\.' "$(lab_udp_file east got6)" | wc -l)
[ "$n5" -eq 5 ] || fail "$n5 of 5 datagrams to udp/5000 arrived"
[ "$n6" -eq 5 ] || fail "$n6 of 5 datagrams to udp/6000 arrived"
pkts=$(lab_sa_packets west "$W" "$E" "0x$spi")
[ "${pkts:-0}" -ge 6 ] || fail "west's outbound SA counted ${pkts:-none} packets, not the udp/5000 ones"
clear5=$(grep -E "> $E\.5000: UDP" "$(lab_capture_file west wire)" || true)
[ -z "$clear5" ] || fail "udp/5000 in clear on the wire: $(echo "$clear5" | head -n1)"
clear6=$(grep -cE "> $E\.6000: UDP" "$(lab_capture_file west wire)")
[ "$clear6" -ge 5 ] || fail "only $clear6 clear udp/6000 datagrams on the wire (should not be in the tunnel)"
[ "$(grep -c "ACQUIRE $W -> $E" "$wlog")" -eq 1 ] || fail "more than one ACQUIRE: $(grep "ACQUIRE" "$wlog" | tr '\n' ' ')"
[ "$(oe_sa_count west "$W" "$E")" -eq 1 ] || fail "west has $(oe_sa_count west "$W" "$E") SAs to $E"
pass "udp/5000 over ESP (SA $spi, $pkts packets, selectors udp any -> udp 5000, port-specific policies on both hosts), udp/6000 clear ($clear6 on the wire), one ACQUIRE"
