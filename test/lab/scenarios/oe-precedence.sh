# DESCRIPTION: overlapping groups: a /32 clear inside a /24 private goes out in clear without IKE, port-specific clear and block entries beat the /24 trap for their port only, the rest of the /24 comes up as ESP by ACQUIRE
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-oe.sh"

W=198.51.100.1 E=198.51.100.2 C=198.51.100.3
lab_lan lan
lab_host west; lab_attach west eth0 "$W/24" lan
lab_host east; lab_attach east eth0 "$E/24" lan
lab_host plain; lab_attach plain eth0 "$C/24" lan

oe_conf west "$W"
oe_group west private "198.51.100.0/24"
oe_group west clear "$C/32" "$E/32 udp 0 5353"
oe_group west block "$E/32 udp 0 6000"
oe_conf east "$E"
oe_group east private-or-clear "$W/32"
# east's side of the DNS exception: its answers from port 5353 in clear
oe_group east clear "$W/32 udp 5353"
oe_start east
oe_start west
log=$(oe_log_file west)
lab_capture west eth0 wire "not arp"
lab_udp_listen plain "$C" 5000 got
lab_udp_listen east "$E" 5353 dns
lab_udp_listen east "$E" 6000 blocked
lab_udp_listen east "$E" 5000 esp

# 1. the /32 clear host inside the private /24
oe_udp_until west "$C" 5000 plain got 5 "prec-clear-host" || fail "the /32 clear host got nothing"
grep -q "ACQUIRE $W -> $C" "$log" && fail "an ACQUIRE for the clear host"
# 2. port-specific clear to a private host: clear, no IKE
oe_udp_until west "$E" 5353 east dns 5 "prec-port-clear" || fail "udp/5353 to $E did not arrive"
# 3. port-specific block: nothing, not even on the wire
for i in 1 2 3; do oe_udp_ping west "$E" 6000 "prec-port-block-$i"; done
sleep 0.5
[ -s "$(lab_udp_file east blocked)" ] && fail "udp/6000 arrived despite the block entry"
grep -q "\.6000:" "$(lab_capture_file west wire)" && fail "udp/6000 left west"
grep -q "ACQUIRE $W -> $E" "$log" && fail "an ACQUIRE for $E before any traffic the trap covers"
clear53=$(grep -c "$E\.5353:" "$(lab_capture_file west wire)")
[ "$clear53" -ge 1 ] || fail "udp/5353 was not in clear on the wire"
# 4. the rest of the /24: trap, ACQUIRE, ESP
oe_udp_until west "$E" 5000 east esp 20 "prec-private" || fail "udp/5000 to $E never arrived"
lab_wait 10 "west's SA with $E" oe_established west "$E"
grep -q "ACQUIRE $W -> $E: conn private" "$log" || fail "no ACQUIRE for conn private"
spi=0x$(oe_child west "$E" spi_out)
oe_udp_ping west "$E" 5000 "prec-private-esp"
lab_wait 5 "the ESP datagram" grep -q prec-private-esp "$(lab_udp_file east esp)"
sleep 0.3
grep -q "ESP(spi=$spi" "$(lab_capture_file west wire)" || fail "no ESP with $spi on the wire"
[ -z "$(grep "$E\.5000:" "$(lab_capture_file west wire)")" ] || fail "udp/5000 to $E left in clear"
# 5. with the tunnel up, the port entries still win (pinned above it)
: > "$(lab_udp_file east dns)"
oe_udp_until west "$E" 5353 east dns 5 "prec-port-clear-2" || fail "udp/5353 lost once the tunnel was up"
n53=$(grep -c "$E\.5353:" "$(lab_capture_file west wire)")
[ "$n53" -gt "$clear53" ] || fail "udp/5353 went into the tunnel instead of clear"
for i in 4 5 6; do oe_udp_ping west "$E" 6000 "prec-port-block-$i"; done
sleep 0.5
[ -s "$(lab_udp_file east blocked)" ] && fail "udp/6000 arrived through the tunnel despite the block entry"
pass "/32 clear inside /24 private: clear, no ACQUIRE; udp/5353 clear ($clear53 on the wire), udp/6000 dropped (0 on the wire); udp/5000 by ACQUIRE over ESP $spi; with the tunnel up udp/5353 still clear and udp/6000 still dropped"
