# DESCRIPTION: oe-iked killed with SIGKILL on a private host under continuous traffic and restarted: no clear packet leaves in between, the restarted daemon reconciles its predecessor's policies and SAs and the tunnel is rebuilt on the next packet
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-oe.sh"

W=198.51.100.1 E=198.51.100.2
lab_host west
lab_host east
lab_link west w0 "$W/24" east e0 "$E/24"

oe_conf west "$W"
oe_group west private "$E/32"
oe_conf east "$E"
oe_group east private-or-clear "$W/32"
oe_start east
oe_start west

lab_capture west w0 wire "host $E"
lab_udp_listen east "$E" 5000 got
got=$(lab_udp_file east got)
# one long-lived sender: a datagram every 50 ms, numbered
sender=$(lab_bg west sender bash -c "i=0; while :; do i=\$((i + 1)); printf 'seq-%d\n' \$i > /dev/udp/$E/5000 2>/dev/null; sleep 0.05; done")
lab_wait 20 "the tunnel up and datagrams arriving" bash -c "grep -q seq- '$got'"
lab_wait 10 "west's SA with $E" oe_established west "$E"
spi1=$(oe_child west "$E" spi_out)

oe_kill west
n_kill=$(grep -c seq- "$got")
sleep 1
oe_start west
log=$(oe_log_file west)
grep -q "reconciled: removed" "$log" || fail "the restarted daemon reconciled nothing"
lab_wait 20 "a new SA with $E after the restart" oe_established west "$E"
lab_wait 10 "datagrams arriving again" bash -c "[ \$(grep -c seq- '$got') -gt $((n_kill + 20)) ]"
spi2=$(oe_child west "$E" spi_out)
[ "$spi2" != "$spi1" ] || fail "the SA after the restart has the old SPI $spi1"
kill "$sender" 2>/dev/null
sleep 0.3
clear=$(oe_wire_clear west wire "UDP")
[ -z "$clear" ] || fail "clear UDP left west around the crash: $(echo "$clear" | head -n1)"
grep -q "ESP(spi=0x$spi2" "$(lab_capture_file west wire)" || fail "no ESP under the new SPI $spi2"
rec=$(grep -m1 "reconciled: removed" "$log" | sed 's/.*reconciled: //')
pass "SIGKILL and restart under traffic: 0 clear UDP on the wire; restart $rec; SPI 0x$spi1 -> 0x$spi2; $(grep -c seq- "$got") datagrams arrived"
