# DESCRIPTION: the peer's daemon is killed and restarted with fresh state: our liveness check (dpddelay=2) goes unanswered, the IKE SA and its Child SA are removed, the trap is back and the next packet builds a new tunnel with the restarted peer
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-oe.sh"

W=198.51.100.1 E=198.51.100.2
lab_host west
lab_host east
lab_link west w0 "$W/24" east e0 "$E/24"
oe_conf west "$W" dpddelay=2
oe_group west private "$E/32"
oe_conf east "$E"
oe_group east private-or-clear "$W/32"
oe_start east
oe_start west
lab_capture west w0 wire "host $E"
lab_udp_listen east "$E" 5000 got
wlog=$(oe_log_file west)

oe_udp_until west "$E" 5000 east got 20 "lr-first" || fail "the tunnel did not come up"
lab_wait 10 "west's SA with $E" oe_established west "$E"
spi1=$(oe_child west "$E" spi_out)
# while east lives, the liveness checks are answered: the SA stays
sleep 5
oe_established west "$E" || fail "the SA went while east was alive: $(grep -m1 'did not answer' "$wlog")"
[ "$(oe_child west "$E" spi_out)" = "$spi1" ] || fail "the SA was replaced while east was alive"

# east dies and comes back with no memory of the SA
oe_kill east
sleep 0.5
oe_start east
t0=$(lab_now)
lab_udp_listen east "$E" 5000 got
n1=$(grep -c "ACQUIRE $W -> $E" "$wlog")
# west sends nothing meanwhile: only its liveness check can notice
lab_wait 20 "west's SA with the dead peer removed" bash -c "! jq -e --arg p $E '[.ike_sas[]? | select(.peer == \$p)] | length >= 1' '$(oe_state west)' > /dev/null 2>&1"
gone=$(lab_ms_since "$t0")
[ "$(grep -c "ACQUIRE $W -> $E" "$wlog")" -eq "$n1" ] || fail "west negotiated again before the liveness check removed the SA"
lab_wait 5 "west's host policy gone" bash -c "[ -z \"\$(ip -n west xfrm policy get dir out src $W/32 dst $E/32 2>/dev/null)\" ]"
oe_has_policy west out 0.0.0.0/0 "$E/32" ipsec || fail "the trap is not back after the dead peer was removed"
[ "$(oe_sa_count west "$W" "$E")" -eq 0 ] || fail "west still has an SA to $E: $(ip -n west xfrm state list dst $E | head -n2 | tr '\n' ' ')"
# the liveness request (an empty INFORMATIONAL) went unanswered
why=$(grep -m1 "INFORMATIONAL request (msgid [0-9]*) unanswered" "$wlog")
[ -n "$why" ] || fail "the SA went, but not for an unanswered liveness check: $(grep -m1 'sa-down' "$wlog")"
why=${why#*: }

# the next packet: new ACQUIRE, new tunnel with the restarted east
oe_udp_until west "$E" 5000 east got 20 "lr-again" || fail "no datagram reached the restarted east"
[ "$(grep -c "ACQUIRE $W -> $E" "$wlog")" -gt "$n1" ] || fail "no new ACQUIRE after the dead peer was removed"
lab_wait 10 "a new SA with $E" oe_established west "$E"
lab_wait 10 "east's new SA" oe_established east "$W"
spi2=$(oe_child west "$E" spi_out)
[ "$spi2" != "$spi1" ] || fail "the same SPI $spi1 after the rebuild"
grep -q "ESP(spi=0x$spi2" "$(lab_capture_file west wire)" || fail "no ESP under the new SPI $spi2"
clear=$(oe_wire_clear west wire "UDP")
[ -z "$clear" ] || fail "clear UDP on the wire: $(echo "$clear" | head -n1)"
pass "east restarted: west's liveness check removed the SA $gone ms later ($why), trap back, new ACQUIRE and SA $spi1 -> $spi2, none clear"
