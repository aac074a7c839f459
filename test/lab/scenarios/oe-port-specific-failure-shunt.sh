# DESCRIPTION: private for udp to port 5000 only, towards a host without IKE: while IKE tries and after it failed only udp/5000 is held and dropped (negotiation and failure shunts carry the entry's protocol and port); udp/6000 to the same host goes out in clear and arrives throughout
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-oe.sh"

W=198.51.100.1 E=198.51.100.2
lab_host west
lab_host east
lab_link west w0 "$W/24" east e0 "$E/24"
OE_LAB_RETRANSMIT_TIMEOUT=3s OE_LAB_SHUNT_LIFETIME=60s oe_conf west "$W"
echo "$E/32 udp 0 5000" > "$(lab_host_dir west)/oe/policies/private"
oe_start west
lab_wait 5 "west's udp/5000 trap" bash -c "ip -n west xfrm policy get dir out src 0.0.0.0/0 dst $E/32 proto udp dport 5000 2>/dev/null | grep -q tmpl"
lab_capture west w0 wire "host $E"
lab_udp_listen east "$E" 5000 got5
lab_udp_listen east "$E" 6000 got6
log=$(oe_log_file west)

# the first udp/5000 datagram starts IKE; udp/6000 meanwhile
oe_udp_ping west "$E" 5000 "pf5-0."
lab_wait 5 "the ACQUIRE" grep -q "ACQUIRE $W -> $E: conn private" "$log"
ip -n west xfrm policy get dir out src "$W/32" dst "$E/32" proto udp dport 5000 2>/dev/null | grep -q "action block" ||
	fail "no udp/5000 negotiation shunt: $(ip -n west xfrm policy | grep -B1 -A2 "dst $E/32" | tr '\n' ' ')"
[ -z "$(oe_policy west out "$W/32" "$E/32")" ] || fail "an all-protocol shunt for $E while negotiating udp/5000"
for i in 1 2 3; do
	oe_udp_ping west "$E" 5000 "pf5-$i."
	oe_udp_ping west "$E" 6000 "pf6-$i."
	sleep 0.2
done
lab_wait 10 "the negotiation failing" grep -q "negotiation with $E failed" "$log"
ip -n west xfrm policy get dir out src "$W/32" dst "$E/32" proto udp dport 5000 2>/dev/null | grep -q "action block" ||
	fail "no udp/5000 failure shunt (drop)"
[ -z "$(oe_policy west out "$W/32" "$E/32")" ] || fail "an all-protocol failure shunt for $E"
for i in 4 5 6; do
	oe_udp_ping west "$E" 5000 "pf5-$i."
	oe_udp_ping west "$E" 6000 "pf6-$i."
	sleep 0.2
done
sleep 0.5
n5=$(grep -o 'pf5-[0-9]*\.' "$(lab_udp_file east got5)" | wc -l)
n6=$(grep -o 'pf6-[0-9]*\.' "$(lab_udp_file east got6)" | wc -l)
[ "$n5" -eq 0 ] || fail "$n5 udp/5000 datagrams reached east (private)"
[ "$n6" -eq 6 ] || fail "$n6 of 6 udp/6000 datagrams reached east"
clear5=$(grep -E "> $E\.5000: UDP" "$(lab_capture_file west wire)" || true)
[ -z "$clear5" ] || fail "udp/5000 in clear on the wire: $(echo "$clear5" | head -n1)"
shunts=$(grep -c "installed .* shunt .* proto 17 ports 0/5000" "$log")
pass "udp/5000: ACQUIRE, negotiation and failure shunts for udp/5000 only ($shunts installed), 0 of 7 arrived, none clear; udp/6000: 6 of 6 arrived in clear during and after"
