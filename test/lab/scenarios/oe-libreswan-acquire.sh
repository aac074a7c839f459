# DESCRIPTION: ACQUIRE-triggered NULL-auth OE with libreswan 4.10 in both roles: oe-iked's private-or-clear trap initiates to pluto, and pluto's on-demand trap initiates to oe-iked's clear-or-private; UDP over ESP both times, nothing clear on the wire
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-peers.sh"
. "$OE_LAB_REPO/test/lab/lib-oe.sh"

O=198.51.100.1 P=198.51.100.2 R=198.51.100.3
lab_lan lan
lab_host oe; lab_attach oe eth0 "$O/24" lan
lab_host peer; lab_attach peer eth0 "$P/24" lan
lab_host oe2; lab_attach oe2 eth0 "$R/24" lan

PH=$(lab_host_dir peer)
peers_pluto_init peer
cat > "$PH/pluto/ipsec.conf" <<CONF
config setup
    logtime=yes
    plutodebug=none
    dnssec-enable=no

# oe-iked on $O initiates (its private-or-clear trap)
conn to-oe
    left=$P
    right=$O
    leftid=%null
    rightid=%null
    authby=null
    type=transport
    ikev2=insist
    leftupdown=%disabled
    auto=add

# pluto initiates to oe-iked on $R from its own trap
conn to-oe2
    left=$P
    right=$R
    leftid=%null
    rightid=%null
    authby=null
    type=transport
    ikev2=insist
    leftupdown=%disabled
    auto=ondemand
CONF
peers_pluto_start peer "$PH/pluto/ipsec.conf"
peers_pluto_add peer "$PH/pluto/ipsec.conf" to-oe
peers_pluto_add peer "$PH/pluto/ipsec.conf" to-oe2
peers_whack peer --route --name to-oe2 > /dev/null 2>&1

oe_conf oe "$O"
oe_group oe private-or-clear "$P/32"
oe_start oe
oe_conf oe2 "$R"
oe_group oe2 clear-or-private "$P/32"
oe_start oe2
lab_capture oe eth0 wire "host $P"
lab_capture peer eth0 wire "host $R"
lab_udp_listen peer "$P" 5000 got
lab_udp_listen oe2 "$R" 5000 got

# 1: oe-iked initiates from its trap
oe_udp_until oe "$P" 5000 peer got 20 "ls-oe-first" || fail "oe -> pluto: nothing arrived"
lab_wait 10 "oe-iked's SA with pluto" oe_established oe "$P"
lab_wait 10 "pluto's SA to-oe" peers_pluto_established peer to-oe
grep -q "ACQUIRE $O -> $P: conn private-or-clear" "$(oe_log_file oe)" || fail "no ACQUIRE on oe"
spi1=0x$(oe_child oe "$P" spi_out)
oe_udp_ping oe "$P" 5000 "ls-oe-esp"
lab_wait 5 "the ESP datagram at pluto's host" grep -q ls-oe-esp "$(lab_udp_file peer got)"

# 2: pluto initiates from its trap; oe-iked answers as clear-or-private
oe_udp_until peer "$R" 5000 oe2 got 20 "ls-pluto-first" || fail "pluto -> oe2: nothing arrived"
lab_wait 10 "oe-iked's SA with pluto (responder)" oe_established oe2 "$P"
lab_wait 10 "pluto's SA to-oe2" peers_pluto_established peer to-oe2
spi2=0x$(oe_child oe2 "$P" spi_in)
oe_udp_ping peer "$R" 5000 "ls-pluto-esp"
lab_wait 5 "the ESP datagram at oe2" grep -q ls-pluto-esp "$(lab_udp_file oe2 got)"
sleep 0.3
grep -q "ESP(spi=$spi1" "$(lab_capture_file oe wire)" || fail "no ESP $spi1 from oe-iked"
grep -q "ESP(spi=$spi2" "$(lab_capture_file peer wire)" || fail "no ESP $spi2 from pluto"
c1=$(oe_wire_clear oe wire "UDP") c2=$(oe_wire_clear peer wire "UDP")
[ -z "$c1" ] || fail "clear UDP from oe-iked: $(echo "$c1" | head -n1)"
# pluto's trap holds the first packet; nothing else may be clear
[ -z "$c2" ] || fail "clear UDP from pluto: $(echo "$c2" | head -n1)"
pass "oe-iked (ACQUIRE, private-or-clear) -> pluto: ESP $spi1; pluto (ondemand trap) -> oe-iked (clear-or-private): ESP $spi2; no clear UDP on either wire"
