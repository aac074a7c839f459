# DESCRIPTION: simultaneous Child SA rekeys (RFC 7296 2.8.1) on real ESP: west (the initiator) rekeys at 30 s, east (the responder) at 31 s, and west's packets take 1.5 s to reach east (netem), so the two CREATE_CHILD_SA requests cross; under UDP both ways, both sides resolve the collision alike: exactly one Child SA pair left in both kernels, the same on both sides, no datagram lost (the old and redundant inbound SAs' grace covers the 1.5 s in flight), none in clear
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-oe.sh"

W=198.51.100.1 E=198.51.100.2
N=400	# datagrams each way, every 0.1 s: across the rekey at 31 s (a loaded
	# host slows the senders down to 0.25 s a datagram: hence the long wait)
lab_host west
lab_host east
lab_link west w0 "$W/24" east e0 "$E/24"
# west -> east 1.5 s: east's rekey (due 1 s after west's) leaves before
# west's request arrives.  Slow exchanges: retransmit rarely, wait long.
expect "1.5 s delay west -> east" ip netns exec west tc qdisc add dev w0 root netem delay 1500ms limit 10000
export OE_LAB_RETRANSMIT_INTERVAL=2500 OE_LAB_RETRANSMIT_TIMEOUT=20s
oe_conf west "$W" salifetime=60 rekeymargin=30 rekeyfuzz=0
oe_group west private "$E/32"
oe_conf east "$E" salifetime=60 rekeymargin=58 rekeyfuzz=0
oe_group east private-or-clear "$W/32"
oe_start east
oe_start west
lab_capture west w0 wire "host $E"
lab_udp_listen east "$E" 5000 got
lab_udp_listen west "$W" 5000 got
got_e=$(lab_udp_file east got) got_w=$(lab_udp_file west got)

oe_udp_until west "$E" 5000 east got 20 "rc-first" || fail "the tunnel did not come up"
lab_wait 10 "west's SA with $E" oe_established west "$E"
lab_wait 10 "east's SA with $W" oe_established east "$W"
spi1=$(oe_child west "$E" spi_out)
sw=$(lab_bg west sender bash -c "for i in \$(seq 1 $N); do printf 'rc-w-%d\n' \$i > /dev/udp/$E/5000 2>/dev/null; sleep 0.1; done")
se=$(lab_bg east sender bash -c "for i in \$(seq 1 $N); do printf 'rc-e-%d\n' \$i > /dev/udp/$W/5000 2>/dev/null; sleep 0.1; done")
rekeys() { jq -r --arg p "$2" '[.ike_sas[]? | select(.peer == $p)][0].child_rekeys // 0' "$(oe_state "$1")" 2>/dev/null; }
both_rekeyed() { [ "$(rekeys west "$E")" -ge 1 ] && [ "$(rekeys east "$W")" -ge 1 ]; }
lab_wait 60 "a Child SA rekey on both sides" both_rekeyed
lab_wait 180 "both senders finishing" bash -c "! kill -0 $sw 2>/dev/null && ! kill -0 $se 2>/dev/null"
sleep 3	# the old and any redundant inbound SAs' grace (2 s)

# one pair, the same on both sides
wo=$(oe_child west "$E" spi_out) wi=$(oe_child west "$E" spi_in)
eo=$(oe_child east "$W" spi_out) ei=$(oe_child east "$W" spi_in)
[ "$wo" != "$spi1" ] || fail "west's outbound SPI did not change"
[ "$wo" = "$ei" ] && [ "$wi" = "$eo" ] || fail "the sides disagree: west out $wo in $wi, east out $eo in $ei"
for h in west east; do
	[ "$(oe_sa_count $h "$W" "$E")" -eq 1 ] && [ "$(oe_sa_count $h "$E" "$W")" -eq 1 ] ||
		fail "$h holds more or fewer than one SA each way: $(ip -n $h xfrm state | grep -c 'proto esp spi') ESP SAs"
done
expect "west's kernel has its outbound SA $wo" ip -n west xfrm state get src "$W" dst "$E" proto esp spi "0x$wo"
expect "east's kernel has its outbound SA $eo" ip -n east xfrm state get src "$E" dst "$W" proto esp spi "0x$eo"

# every datagram, both ways, by number (probes carry no newline)
miss() { grep -o "$2-[0-9]*" "$1" | awk -v n=$N -v p="$2-" '{ sub(p, ""); seen[$0] = 1 } END { for (i = 1; i <= n; i++) if (!(i in seen)) printf "%d ", i }'; }
mw=$(miss "$got_e" rc-w) me=$(miss "$got_w" rc-e)
clear=$(oe_wire_clear west wire "UDP")
[ -z "$clear" ] || fail "clear UDP on the wire: $(echo "$clear" | head -n1)"
[ -z "$mw" ] || fail "west -> east datagrams lost: $mw"
[ -z "$me" ] || fail "east -> west datagrams lost: $me"
cw=$(grep -c 'rekey collision:.*lowest' "$(oe_log_file west)")
ce=$(grep -c 'rekey collision:.*lowest' "$(oe_log_file east)")
[ "$cw" -ge 1 ] && [ "$ce" -ge 1 ] || fail "no collision resolved (west $cw, east $ce): the requests did not cross"
pass "rekeys west $(rekeys west "$E"), east $(rekeys east "$W"), collisions resolved west $cw, east $ce (west: $(grep -h 'rekey collision:.*lowest' "$(oe_log_file west)" | head -n1 | sed 's/.*rekey collision: //')), one pair left on both sides (west out $wo in $wi), $N of $N datagrams each way, none clear"
