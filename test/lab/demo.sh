# The demo world: an authoritative server, west and east on one LAN.
# Keys are made and published with oe-ipseckey; west and east run
# Unbound with oe-unbound.so and oe-iked.  west resolves east's name,
# the DNS answer comes back once the Child SA is installed, and the
# first datagram goes out over ESP.  Output (stdout) is what the user
# reads.
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-dns.sh"

AUTH=198.51.100.53 WEST=198.51.100.1 EAST=198.51.100.2
W6=2001:db8::1 E6=2001:db8::2
say() { printf '%s\n' "$*"; }
section() { printf '\n== %s\n' "$*"; }

section "Building the world (user-mode Linux $(uname -r), real kernel ESP)"
lab_lan lan
lab_host auth; lab_attach auth a0 "$AUTH/24" lan
lab_host west; lab_attach west w0 "$WEST/24,$W6/64" lan
lab_host east; lab_attach east e0 "$EAST/24,$E6/64" lan
say "auth $AUTH   west $WEST $W6   east $EAST $E6"

section "Host keys, made and published with oe-ipseckey"
dns_hostkey east
dns_hostkey west
dns_publish oe.test east east "$EAST,$E6"
dns_publish oe.test west west "$WEST,$W6"
say "oe-ipseckey newkey --rsa 3072 on east and west (NSS databases under each host's folder)"
say "records for the signed zone oe.test. (printed by oe-ipseckey show):"
grep IPSECKEY "$LAB_ZONES/oe.test.records" | awk '{ k = $NF; printf "  %s %s %s %s %s %s %s %s %s...%s\n", $1, $2, $3, $4, $5, $6, $7, $8, substr(k, 1, 20), substr(k, length(k) - 8) }'
lab_dns_world auth "$AUTH"
say "NSD on $AUTH serves the lab root, test., oe.test. (all signed at start-up)"

section "oe-iked and Unbound with oe-unbound.so on west and east"
dns_iked_conf east responder
dns_iked_conf west initiator "$EAST/32,$E6/128"
dns_iked_start east
dns_iked_start west
dns_resolver_start west "$WEST" "$AUTH" "deadline-ms: 1800"
dns_resolver_start east "$EAST" "$AUTH" "deadline-ms: 1800"
say "oe-iked (xfrm backend) listening on UDP 500/4500 and /run/oe/trigger.sock on both hosts"
say "Unbound module stack on both: dynlib(oe-unbound.so) validator iterator"
say "west's policy group 'private' holds east's addresses: IPsec authenticated by east's IPSECKEY, or nothing"

section "west looks up east.oe.test and sends a datagram at once"
lab_udp_listen east "$EAST" 5001 demo
lab_capture west w0 wire "host $EAST and not port 53"
dns_prewarm west west.oe.test
dns_lookup west east.oe.test A
lab_udp_send west "$EAST" 5001 "hello east, over ESP"
out=$DNS_OUT
[ "$DNS_STATUS" = NOERROR ] || fail "lookup failed: $out"
say "the lookup took ${DNS_QMS} ms (dig's query time; ${DNS_MS} ms with starting dig in the guest), status $DNS_STATUS, flags: $(lab_dig_flags <<< "$out")"
dms=$(dns_oectl west triggers | jq -r '.recent[-1].ms // "?"' 2>/dev/null)
say "  of which oe-iked's part, trigger request to Child SA installed: ${dms:-?} ms"
grep -E '^east\.oe\.test\..*IN[[:space:]]+A[[:space:]]' <<< "$out" | sed 's/^/  /'
lab_poll 5 grep -q "hello east" "$(lab_udp_file east demo)" || fail "the datagram did not arrive at east"
say "east received: $(cat "$(lab_udp_file east demo)")"

section "The daemon's JSON view of the SA on west"
if dns_oectl west sas > "$LAB_TMP/sas.json" && [ -s "$LAB_TMP/sas.json" ]; then
	say "(oectl --json sas)"
	jq . "$LAB_TMP/sas.json" | sed 's/^/  /'
else
	say "(state file $(dns_iked_state west))"
	jq '.ike_sas' "$(dns_iked_state west)" | sed 's/^/  /'
fi
say "DNS triggers seen by west's daemon (oectl --json triggers):"
dns_oectl west triggers | jq -c '.recent[]? | {name, qtype, peer, conn, keyed, status, how, sa_lifetime, ms}' | sed 's/^/  /'

section "The kernel's SA counters"
sleep 0.3
spi=$(dns_sa_spi east "$WEST" "$EAST")
say "on west's wire: $(grep -c 'ESP(spi=' "$(lab_capture_file west wire)") ESP packets, $(grep -cE '\.5001: UDP' "$(lab_capture_file west wire)") clear datagrams to port 5001"
say "east's kernel, inbound SA from west (SPI $spi):"
ip -n east -s xfrm state get src "$WEST" dst "$EAST" proto esp spi "$spi" | sed 's/^/  /'
say "west's kernel, all SAs:"
ip -n west -s xfrm state | grep -E '^src|proto esp|lifetime current|bytes\),' | sed 's/^/  /'

section "Where to look"
say "lab logs of this run: $LAB_RES (hosts/*/log)"
say "./quickstart check runs the whole test suite"
lab_dump_all
pass "demo ran"
