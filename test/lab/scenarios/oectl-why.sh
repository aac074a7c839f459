# DESCRIPTION: after west resolves east.oe.test through Unbound+oe-unbound.so, `oectl --json sas` on west shows the DNS-triggered tunnel (peer, DNS name, signature-authenticated peer, installed Child SA, valid per the control schema), and `oectl why` explains a tunnelled (ipsec, with the SA), a blocked (drop, conn block) and a clear (clear, conn clear) address the way the traffic really goes
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-dns.sh"

AUTH=198.51.100.53 WEST=198.51.100.1 EAST=198.51.100.2
PLAIN=198.51.100.77 BLOCKED=198.51.100.66

lab_lan lan
lab_host auth; lab_attach auth a0 "$AUTH/24" lan
lab_host west; lab_attach west w0 "$WEST/24" lan
lab_host east; lab_attach east e0 "$EAST/24" lan
lab_host plain; lab_attach plain p0 "$PLAIN/24" lan

dns_hostkey east
dns_hostkey west
dns_publish oe.test east east "$EAST"
lab_dns_world auth "$AUTH"

dns_iked_conf east responder
dns_iked_conf west initiator "$EAST/32"
# west also blocks one address and sends another in clear (policy groups)
wh=$(lab_host_dir west)
echo "$BLOCKED/32" > "$wh/oe/policies/block"
echo "$PLAIN/32" > "$wh/oe/policies/clear"
cat >> "$wh/oe/iked.conf" <<EOF

conn block
    left=%defaultroute
    right=%group
    type=reject
    authby=never
    auto=ondemand

conn clear
    left=%defaultroute
    right=%group
    type=passthrough
    authby=never
    auto=ondemand
EOF
dns_iked_start east
dns_iked_start west
dns_resolver_start west "$WEST" "$AUTH" "deadline-ms: 1800"

oectl=$(lab_bin oectl)
checker=$(lab_bin iked/tests/test_control_schema)
schema=$OE_LAB_REPO/doc/control-schema.json

# ---- the DNS trigger builds the tunnel; oectl shows it --------------------
dns_lookup west east.oe.test A
[ "$DNS_STATUS" = NOERROR ] || fail "east.oe.test A: status $DNS_STATUS"
lab_poll 5 test -n "$(dns_sa_spi west "$WEST" "$EAST")" || fail "no ESP SA west->east after the lookup"

raw=$(lab_exec west "$oectl" --json sas) || fail "oectl --json sas failed: $raw"
echo "$raw" > "$(lab_host_dir west)/log/oectl-sas.json"
msg=$(lab_exec west env OE_CONTROL_SCHEMA="$schema" "$checker" --check sas \
	< "$(lab_host_dir west)/log/oectl-sas.json") || fail "oectl --json sas does not match the schema: $msg"
sa=$(jq -c --arg p "$EAST" '.result.sas[] | select(.peer.address == $p)' <<< "$raw")
[ -n "$sa" ] || fail "oectl sas shows no SA to $EAST: $raw"
[ "$(jq -r .state <<< "$sa")" = ESTABLISHED ] || fail "SA to east not ESTABLISHED: $sa"
[ "$(jq -r .name <<< "$sa")" = east.oe.test. ] || fail "SA to east does not carry the DNS name: $sa"
[ "$(jq -r .role <<< "$sa")" = initiator ] || fail "west is not the initiator: $sa"
auth_peer=$(jq -r .auth.peer <<< "$sa")
case "$auth_peer" in NULL|null) fail "east was not authenticated by its key: $sa" ;; esac
[ "$(jq -r '.children[0].installed' <<< "$sa")" = true ] || fail "no installed Child SA: $sa"
spi_out=$(jq -r '.children[0].spi_out' <<< "$sa")
kspi=$(dns_sa_spi west "$WEST" "$EAST")
[ "0x$spi_out" = "$kspi" ] || fail "oectl's outbound SPI $spi_out is not the kernel's $kspi"
id=$(jq -r .id <<< "$sa")
table=$(lab_exec west "$oectl" sas) || fail "oectl sas (table) failed"
grep -Eq "^$id +ESTABLISHED +$EAST +east\.oe\.test\. " <<< "$table" ||
	fail "oectl sas table has no row for the SA: $table"

# ---- why: tunnelled, blocked, clear ---------------------------------------
why() { lab_exec west "$oectl" --json why "$1" | jq -c .result; }
w=$(why "$EAST")
[ "$(jq -r .verdict <<< "$w")" = ipsec ] || fail "why $EAST: $w"
[ "$(jq -r .sa.serial <<< "$w")" = "$id" ] || fail "why $EAST does not name SA $id: $w"
w=$(why "$BLOCKED")
[ "$(jq -r .verdict <<< "$w")" = drop ] || fail "why $BLOCKED: $w"
[ "$(jq -r .policy.conn <<< "$w")" = block ] || fail "why $BLOCKED does not name conn block: $w"
w=$(why "$PLAIN")
[ "$(jq -r .verdict <<< "$w")" = clear ] || fail "why $PLAIN: $w"
[ "$(jq -r .policy.conn <<< "$w")" = clear ] || fail "why $PLAIN does not name conn clear: $w"
lab_exec west "$oectl" why "$BLOCKED" | grep -Eq '^verdict +drop$' || fail "oectl why (table) for $BLOCKED"

# ---- and the traffic really goes that way ---------------------------------
lab_udp_listen plain "$PLAIN" 5002 clear
lab_capture west w0 wire "not port 53 and not port 500 and not port 4500"
lab_udp_send west "$PLAIN" 5002 "to-plain"
lab_udp_send west "$BLOCKED" 5003 "to-blocked"
lab_udp_send west "$EAST" 5004 "to-east"
lab_poll 5 grep -q to-plain "$(lab_udp_file plain clear)" || fail "the datagram to $PLAIN (clear) never arrived"
sleep 0.5
wire=$(lab_capture_file west wire)
grep -q "$PLAIN.5002: UDP" "$wire" || fail "no clear UDP to $PLAIN on the wire: $(head -n5 "$wire")"
grep -q "> $BLOCKED" "$wire" && fail "a packet to the blocked $BLOCKED left west: $(grep "$BLOCKED" "$wire" | head -n2)"
grep -q "$EAST.5004: UDP" "$wire" && fail "the datagram to $EAST went out in clear"
grep -q "ESP(spi=$kspi" "$wire" || fail "no ESP to $EAST with SPI $kspi on the wire"

pass "oectl sas: SA #$id to $EAST named east.oe.test. (peer auth $auth_peer, SPI out $kspi, schema valid); why: $EAST ipsec via #$id, $BLOCKED drop (conn block), $PLAIN clear (conn clear), matching the wire"
