# DESCRIPTION: west resolves east.oe.test AAAA through Unbound+oe-unbound.so; when the answer arrives the IPv6 Child SA is installed, the first UDP datagram to east's IPv6 address goes out as ESP (east's inbound SA counts 1, nothing in clear) and no ACQUIRE was needed
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-dns.sh"

AUTH=198.51.100.53 WEST=198.51.100.1 EAST=198.51.100.2
W6=2001:db8::1 E6=2001:db8::2

lab_lan lan
lab_host auth; lab_attach auth a0 "$AUTH/24" lan
lab_host west; lab_attach west w0 "$WEST/24,$W6/64" lan
lab_host east; lab_attach east e0 "$EAST/24,$E6/64" lan

dns_hostkey east
dns_hostkey west
dns_publish oe.test east east "$EAST,$E6"
lab_dns_world auth "$AUTH"

dns_iked_conf east responder
dns_iked_conf west initiator "$EAST/32,$E6/128"
dns_iked_start east
dns_iked_start west
dns_resolver_start west "$WEST" "$AUTH" "deadline-ms: 1800"

dns_udp_listen east "$E6" 5001 first6
lab_capture west w0 wire "ip6 and host $E6 and not port 53 and not icmp6"

dns_lookup west east.oe.test AAAA
out=$DNS_OUT
# the answer is out: the SA pair must already be in the kernel
sas_at_answer=$(ip -n west xfrm state list src $W6 dst $E6 proto esp 2>/dev/null | grep -c '^src')
lab_udp_send west "$E6" 5001 "first-datagram-v6"
ms=$DNS_QMS
[ "$sas_at_answer" -ge 1 ] || fail "west had no outbound ESP SA to $E6 when the answer came back"
[ "$(lab_dig_status <<< "$out")" = NOERROR ] || fail "east.oe.test AAAA: status $(lab_dig_status <<< "$out")"
grep -q "$E6" <<< "$out" || fail "east.oe.test AAAA: address missing from the answer"

lab_poll 5 grep -q first-datagram-v6 "$(lab_udp_file east first6)" ||
	fail "the datagram sent right after the lookup never arrived at east"
spi=$(dns_sa_spi east "$W6" "$E6")
[ -n "$spi" ] || fail "east has no inbound IPv6 ESP SA from west"
pk=$(lab_sa_packets east "$W6" "$E6" "$spi")
[ "$pk" = 1 ] || fail "east's inbound SA $spi counted '$pk' packets, expected exactly 1"
sleep 0.3
wire=$(lab_capture_file west wire)
esp=$(grep -c "ESP(spi=$spi" "$wire")
[ "$esp" -ge 1 ] || fail "no ESP with SPI $spi on west's wire: $(head -n5 "$wire")"
grep -E "\.5001: UDP" "$wire" && fail "the datagram went out in clear"

log=$(dns_iked_log west)
grep -q "trigger east.oe.test. AAAA: initiating to $E6, conn private, keyed" "$log" ||
	fail "west's daemon did not start a keyed IPv6 initiation for the trigger"
grep -q "ACQUIRE" "$log" && fail "an ACQUIRE was needed: $(grep ACQUIRE "$log" | head -n1)"
sa=$(dns_state_sa_json west "$E6")
[ "$(jq -r .peer_name <<< "$sa")" = "east.oe.test." ] || fail "west's IPv6 SA is not labelled with east.oe.test.: $sa"

pass "AAAA lookup answered in ${ms} ms (dig query time) with the SA already installed; east's inbound SA $spi ($W6 -> $E6) counted 1 packet, $esp ESP on the wire, nothing clear; no ACQUIRE"
