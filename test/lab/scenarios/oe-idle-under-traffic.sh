# DESCRIPTION: idletimeout counts packets, not the kernel's use_time: one-way UDP every second for 3x the idle timeout keeps the OE tunnel (same SPIs on both sides), then silence tears it down on both, the trap is back and the next packet makes a new ACQUIRE and a new SA
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-oe.sh"

W=198.51.100.1 E=198.51.100.2
IDLE=6
lab_host west
lab_host east
lab_link west w0 "$W/24" east e0 "$E/24"
# both ends idle out: west sees only outbound packets, east only inbound
oe_conf west "$W" idletimeout=$IDLE
oe_group west private "$E/32"
oe_conf east "$E" idletimeout=$IDLE
oe_group east private-or-clear "$W/32"
oe_start east
oe_start west
lab_capture west w0 wire "host $E"
lab_udp_listen east "$E" 5000 got
got=$(lab_udp_file east got)
wlog=$(oe_log_file west)

oe_udp_until west "$E" 5000 east got 20 "it-first" || fail "the tunnel did not come up"
lab_wait 10 "west's SA with $E" oe_established west "$E"
lab_wait 10 "east's SA with $W" oe_established east "$W"
spi=$(oe_child west "$E" spi_out)
espi=$(oe_child east "$W" spi_in)
t0=$(lab_now)
# 3x the idle timeout of traffic, one datagram a second, west -> east only
for i in $(seq 1 $((3 * IDLE))); do
	oe_udp_ping west "$E" 5000 "it-$i"
	tlast=$(lab_now)
	sleep 1
done
oe_established west "$E" || fail "west's SA went under traffic: $(grep -m1 'idletimeout' "$wlog")"
oe_established east "$W" || fail "east's SA went under traffic: $(grep -m1 'idletimeout' "$(oe_log_file east)")"
[ "$(oe_child west "$E" spi_out)" = "$spi" ] || fail "west's SA was replaced under traffic ($spi -> $(oe_child west "$E" spi_out))"
[ "$(oe_child east "$W" spi_in)" = "$espi" ] || fail "east's SA was replaced under traffic"
grep -q "idletimeout" "$wlog" && fail "west logged an idle teardown under traffic"
n=$(grep -o 'it-[0-9]*' "$got" | grep -c '[0-9]')
[ "$n" -eq $((3 * IDLE)) ] || fail "$n of $((3 * IDLE)) datagrams arrived under traffic"
pkts=$(lab_sa_packets west "$W" "$E" "0x$spi")
[ "${pkts:-0}" -ge $((3 * IDLE)) ] || fail "west's outbound SA counted ${pkts:-none} packets"
clear=$(oe_wire_clear west wire "UDP")
[ -z "$clear" ] || fail "clear UDP on the wire: $(echo "$clear" | head -n1)"

# silence (since the last datagram): both ends tear it down after
# idletimeout, not before (the counters are read every idle/4)
lab_wait $((2 * IDLE + 5)) "the idle SA torn down on west" bash -c "! jq -e --arg p $E '[.ike_sas[]? | select(.peer == \$p and .state == \"ESTABLISHED\")] | length >= 1' '$(oe_state west)' > /dev/null 2>&1"
gone=$(lab_ms_since "$tlast")
[ "$gone" -ge $((IDLE * 1000 - 500)) ] || fail "torn down $gone ms after the last datagram, before idletimeout=${IDLE}s"
# Both ends count the same idletimeout from the same last datagram:
# whichever looks first deletes, the other hears the DELETE.
by=west
if ! grep -q "no traffic for .*idletimeout" "$wlog"; then
	by=east
	grep -q "no traffic for .*idletimeout" "$(oe_log_file east)" ||
		fail "neither end's teardown was for idleness"
	grep -q "peer deleted the IKE SA" "$wlog" ||
		fail "east deleted the idle SA but west did not hear it"
fi
lab_wait 10 "east's SA gone too" bash -c "! jq -e --arg p $W '[.ike_sas[]? | select(.peer == \$p and .state == \"ESTABLISHED\")] | length >= 1' '$(oe_state east)' > /dev/null 2>&1"
lab_wait 5 "west's host policy gone" bash -c "[ -z \"\$(ip -n west xfrm policy get dir out src $W/32 dst $E/32 2>/dev/null)\" ]"
oe_has_policy west out 0.0.0.0/0 "$E/32" ipsec || fail "the trap is not there after the idle teardown"
[ "$(oe_sa_count west "$W" "$E")" -eq 0 ] || fail "west still has an SA to $E"

# the next packet re-triggers
n1=$(grep -c "ACQUIRE $W -> $E" "$wlog")
oe_udp_until west "$E" 5000 east got 20 "it-again" || fail "no datagram after the idle teardown"
[ "$(grep -c "ACQUIRE $W -> $E" "$wlog")" -gt "$n1" ] || fail "no new ACQUIRE after the idle teardown"
lab_wait 10 "a new SA" oe_established west "$E"
new=$(oe_child west "$E" spi_out)
[ "$new" != "$spi" ] || fail "the same SPI after the teardown"
clear=$(oe_wire_clear west wire "UDP")
[ -z "$clear" ] || fail "clear UDP on the wire: $(echo "$clear" | head -n1)"
pass "idletimeout=${IDLE}s: $((3 * IDLE)) s of one-way traffic kept SA $spi on both ends ($pkts packets out), silence removed it $gone ms after the last datagram ($by looked first), trap back, new ACQUIRE and SA $new, none clear"
