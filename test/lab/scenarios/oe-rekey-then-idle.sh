# DESCRIPTION: an OE tunnel from an ACQUIRE rekeys its Child SA under continuous traffic (60 s lifetime, 50 s margin) without losing a datagram, and once traffic stops it is torn down after the idle timeout: the trap is back and the next packet makes a new ACQUIRE and a new SA
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-oe.sh"

W=198.51.100.1 E=198.51.100.2
lab_host west
lab_host east
lab_link west w0 "$W/24" east e0 "$E/24"
oe_conf west "$W" salifetime=60 rekeymargin=50 rekeyfuzz=0
oe_group west private "$E/32"
oe_conf east "$E" salifetime=60 rekeymargin=50 rekeyfuzz=0
oe_group east private-or-clear "$W/32"
oe_start east
oe_start west
lab_capture west w0 wire "host $E"
lab_udp_listen east "$E" 5000 got
got=$(lab_udp_file east got)

oe_udp_until west "$E" 5000 east got 20 "ri-first" || fail "the tunnel did not come up"
lab_wait 10 "west's SA with $E" oe_established west "$E"
spi1=$(oe_child west "$E" spi_out)
# numbered datagrams every 100 ms across at least one rekey
sender=$(lab_bg west sender bash -c "for i in \$(seq 1 200); do printf 'ri-%d\n' \$i > /dev/udp/$E/5000 2>/dev/null; sleep 0.1; done")
lab_wait 60 "a Child SA rekey on west" bash -c "[ \"\$(jq -r --arg p $E '[.ike_sas[]? | select(.peer == \$p)][0].child_rekeys // 0' '$(oe_state west)')\" -ge 1 ]"
lab_wait 150 "the sender finishing" bash -c "! kill -0 $sender 2>/dev/null"
sleep 0.5
spi2=$(oe_child west "$E" spi_out)
[ "$spi2" != "$spi1" ] || fail "the outbound SPI did not change with the rekey"
# counted now, judged at the end (so the idle part runs either way)
# By number, not by line: socat writes each datagram as it came, and
# the "ri-first" probes carry no newline, so ri-1 follows one on its line.
missing=$(grep -o 'ri-[0-9]*' "$got" | awk '{ sub(/^ri-/, ""); seen[$0] = 1 } END { for (i = 1; i <= 200; i++) if (!(i in seen)) printf "%d ", i }')
n=$(( 200 - $(wc -w <<< "$missing") ))
[ -z "$missing" ] || lab_log "missing datagrams: $missing; east's xfrm_stat: $(ip netns exec east awk '$2 != 0' /proc/net/xfrm_stat | tr '\n' ' ')"
clear=$(oe_wire_clear west wire "UDP")
[ -z "$clear" ] || fail "clear UDP on the wire: $(echo "$clear" | head -n1)"

# idle: with idletimeout=8 (reload: it only affects timers) and no
# traffic, the SA goes and the trap is back.  (Set only now: the
# engine's idle check also fires under traffic, see the report.)
oe_conf west "$W" salifetime=60 rekeymargin=50 rekeyfuzz=0 idletimeout=8
oe_reload west
lab_wait 30 "the idle SA torn down" bash -c "! jq -e --arg p $E '[.ike_sas[]? | select(.peer == \$p and .state == \"ESTABLISHED\")] | length >= 1' '$(oe_state west)' > /dev/null 2>&1"
lab_wait 5 "the host policy gone" bash -c "[ -z \"\$(ip -n west xfrm policy get dir out src $W/32 dst $E/32 2>/dev/null)\" ]"
oe_has_policy west out 0.0.0.0/0 "$E/32" ipsec || fail "the trap is not there after the idle teardown"
n1=$(grep -c "ACQUIRE $W -> $E" "$(oe_log_file west)")
oe_udp_until west "$E" 5000 east got 20 "ri-again" || fail "no datagram after the idle teardown"
[ "$(grep -c "ACQUIRE $W -> $E" "$(oe_log_file west)")" -gt "$n1" ] || fail "no new ACQUIRE after the idle teardown"
lab_wait 10 "a new SA" oe_established west "$E"
[ "$n" -eq 200 ] || fail "idle teardown, trap and new ACQUIRE fine, but $n of 200 datagrams arrived across the rekeys (rekeys: $(grep -c 'sa-rekey' "$(oe_log_file west)"); missing: $missing)"
pass "rekey under traffic: SPI $spi1 -> $spi2, 200 of 200 datagrams, none clear; idle teardown after 8 s, trap back, new ACQUIRE and SA $(oe_child west "$E" spi_out)"
