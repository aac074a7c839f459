# DESCRIPTION: west resolves east.oe.test (secure A + IPSECKEY made by oe-ipseckey) through Unbound+oe-unbound.so; when the answer arrives the Child SA is installed, the first UDP datagram goes out as ESP (east's inbound SA counts 1, nothing in clear) and no ACQUIRE was needed
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-dns.sh"

AUTH=198.51.100.53 WEST=198.51.100.1 EAST=198.51.100.2
W6=2001:db8::1 E6=2001:db8::2

lab_lan lan
lab_host auth; lab_attach auth a0 "$AUTH/24" lan
lab_host west; lab_attach west w0 "$WEST/24,$W6/64" lan
lab_host east; lab_attach east e0 "$EAST/24,$E6/64" lan

# east's host key, published by oe-ipseckey next to its addresses
dns_hostkey east
dns_hostkey west
dns_publish oe.test east east "$EAST,$E6"
lab_dns_world auth "$AUTH"

dns_iked_conf east responder
dns_iked_conf west initiator "$EAST/32,$E6/128"
dns_iked_start east
dns_iked_start west
dns_resolver_start west "$WEST" "$AUTH" "deadline-ms: 1800"

lab_udp_listen east "$EAST" 5001 first
lab_capture west w0 wire "host $EAST and not port 53"

dns_lookup west east.oe.test A
out=$DNS_OUT
# the answer is out: the SA pair must already be in the kernel
sas_at_answer=$(ip -n west xfrm state list src $WEST dst $EAST proto esp 2>/dev/null | grep -c '^src')
lab_udp_send west "$EAST" 5001 "first-datagram"
ms=$DNS_QMS
[ "$sas_at_answer" -ge 1 ] || fail "west had no outbound ESP SA to $EAST when the answer came back"
[ "$(lab_dig_status <<< "$out")" = NOERROR ] || fail "east.oe.test A: status $(lab_dig_status <<< "$out")"
grep -q "$EAST" <<< "$out" || fail "east.oe.test A: address missing from the answer"

lab_poll 5 grep -q first-datagram "$(lab_udp_file east first)" ||
	fail "the datagram sent right after the lookup never arrived at east"
spi=$(dns_sa_spi east "$WEST" "$EAST")
[ -n "$spi" ] || fail "east has no inbound ESP SA from west"
pk=$(lab_sa_packets east "$WEST" "$EAST" "$spi")
[ "$pk" = 1 ] || fail "east's inbound SA $spi counted '$pk' packets, expected exactly 1"
sleep 0.3
wire=$(lab_capture_file west wire)
esp=$(grep -c "ESP(spi=$spi" "$wire")
[ "$esp" -ge 1 ] || fail "no ESP with SPI $spi on west's wire: $(head -n5 "$wire")"
grep -E "\.5001: UDP" "$wire" && fail "the datagram went out in clear: $(grep -E '\.5001' "$wire" | head -n2)"

log=$(dns_iked_log west)
grep -q "trigger east.oe.test. A: initiating to $EAST, conn private, keyed" "$log" ||
	fail "west's daemon did not start a keyed initiation for the trigger"
grep -q "ACQUIRE" "$log" && fail "an ACQUIRE was needed: $(grep ACQUIRE "$log" | head -n1)"
sa=$(dns_state_sa_json west "$EAST")
[ -n "$sa" ] || fail "west's state file has no SA to $EAST"
[ "$(jq -r .peer_name <<< "$sa")" = "east.oe.test." ] || fail "west's SA is not labelled with east.oe.test.: $sa"
[ "$(jq -r .auth_peer <<< "$sa")" != NULL ] || fail "east was not authenticated by signature: $sa"

pass "lookup answered in ${ms} ms (dig query time) with the SA already installed; east's inbound SA $spi counted 1 packet, $esp ESP and no clear datagram on the wire; SA labelled east.oe.test. (peer auth $(jq -r .auth_peer <<< "$sa")); no ACQUIRE"
