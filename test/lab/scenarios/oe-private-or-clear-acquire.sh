# DESCRIPTION: two oe-iked, each with the other in private-or-clear: the first datagram's ACQUIRE starts NULL-auth IKE, the Child SA replaces the hold shunt, UDP then flows over ESP with nothing clear on the wire; on stop each daemon removes all it installed
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-oe.sh"

W=198.51.100.1 E=198.51.100.2
lab_host west
lab_host east
lab_link west w0 "$W/24" east e0 "$E/24"

oe_conf west "$W"
oe_group west private-or-clear "$E/32"
oe_conf east "$E"
oe_group east private-or-clear "$W/32"
oe_start east
oe_start west

# the group became a trap (an ESP template) on both
lab_wait 5 "west's trap for $E" oe_has_policy west out 0.0.0.0/0 "$E/32" ipsec
lab_wait 5 "east's trap for $W" oe_has_policy east out 0.0.0.0/0 "$W/32" ipsec

lab_capture west w0 wire "host $E"
lab_udp_listen east "$E" 5000 got
t0=$(lab_now)
oe_udp_until west "$E" 5000 east got 20 "oe-poc-first-$RANDOM" ||
	fail "no datagram reached east within 20 s"
ms=$(lab_ms_since "$t0")
lab_wait 10 "west's IKE and Child SA with $E" oe_established west "$E"
lab_wait 10 "east's IKE and Child SA with $W" oe_established east "$W"
grep -q "ACQUIRE $W -> $E: conn private-or-clear" "$(oe_log_file west)" ||
	fail "west's log shows no ACQUIRE for private-or-clear"

# the engine's ipsec policy took the negotiation shunt's place
oe_has_policy west out "$W/32" "$E/32" ipsec || fail "west: host-to-host policy is $(oe_policy west out "$W/32" "$E/32"), expected ipsec"

spi=0x$(oe_child west "$E" spi_out)
for i in 1 2 3 4 5; do oe_udp_ping west "$E" 5000 "oe-poc-esp-$i"; done
lab_wait 5 "the five datagrams on east" bash -c "[ \$(grep -o 'oe-poc-esp-' '$(lab_udp_file east got)' | wc -l) -ge 5 ]"
sleep 0.3
grep -q "ESP(spi=$spi" "$(lab_capture_file west wire)" || fail "no ESP with west's outbound SPI $spi on the wire"
clear=$(oe_wire_clear west wire "UDP")
[ -z "$clear" ] || fail "clear UDP left west: $(echo "$clear" | head -n1)"

oe_stop west
oe_stop east
for h in west east; do
	n=$(oe_count_owned $h)
	[ "$n" = "0 0" ] || fail "$h kept policies/SAs after stop: $n"
done
pass "ACQUIRE -> NULL-auth IKE -> ESP in ${ms} ms for the first datagram; SPI $spi carries UDP, no clear UDP on the wire; both daemons left no policy or SA on stop"
