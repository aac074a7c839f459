# DESCRIPTION: a signed name the attacker controls claims east's address with the attacker's IPSECKEY (with and without a gateway to the attacker's host): nothing goes to the attacker, no SA is labelled with the attacker's name, east's existing SA keeps its name and keeps carrying traffic
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-dns.sh"

dns_two_hosts
MALLORY=198.51.100.66
lab_host mallory; lab_attach mallory m0 "$MALLORY/24" lan
dns_hostkey mallory
dns_publish oe.test east east "$EAST"
# the attacker's names (in a signed zone: secure), east's address, the attacker's key
dns_publish oe.test mallory evil-gw "$EAST" "$MALLORY"
dns_publish oe.test mallory evil "$EAST"
lab_dns_world auth "$AUTH"
dns_daemons "deadline-ms: 1800"
dns_iked_conf mallory responder
dns_iked_start mallory

dns_udp_listen east "$EAST" 5001 rx
lab_capture west w0 wire "ip host $MALLORY"

# 0. before any SA: the attacker's key against east's address; east
#    proves its own key, so the negotiation fails; nothing is labelled
dns_prewarm west evil.oe.test evil-gw.oe.test east.oe.test
dns_lookup west evil.oe.test A
[ "$DNS_STATUS" = NOERROR ] || fail "evil.oe.test (first): $DNS_STATUS"
st0=$(dns_oectl west triggers | jq -r '[.recent[] | select(.name == "evil.oe.test.")][0].status')
[ "$st0" = failed ] || fail "evil.oe.test before any SA: status $st0, expected failed"
grep -q "peer authentication failed" "$(dns_iked_log west)" || fail "west did not refuse east's proof of another key"

# 1. the real east: keyed SA, labelled east.oe.test.
dns_lookup west east.oe.test A
[ "$DNS_STATUS" = NOERROR ] || fail "east.oe.test: $DNS_STATUS"
lab_udp_send west "$EAST" 5001 "one"
lab_poll 5 grep -q one "$(lab_udp_file east rx)" || fail "datagram one did not arrive"
spi=$(dns_sa_spi east "$WEST" "$EAST")
[ -n "$spi" ] || fail "no SA west -> east"
sa=$(dns_state_sa_json west "$EAST")
[ "$(jq -r .peer_name <<< "$sa")" = east.oe.test. ] || fail "east's SA not labelled east.oe.test.: $sa"

# 2. attacker's key with a gateway pointing at the attacker
dns_lookup west evil-gw.oe.test A
[ "$DNS_STATUS" = NOERROR ] || fail "evil-gw.oe.test: $DNS_STATUS"
# 3. attacker's key again, now that east has an SA: failed at once, the
#    SA east authenticated is neither reused, relabelled nor disturbed
dns_lookup west evil.oe.test A
[ "$DNS_STATUS" = NOERROR ] || fail "evil.oe.test: $DNS_STATUS"

tr=$(dns_oectl west triggers) || fail "no triggers view"
st_gw=$(jq -r '[.recent[] | select(.name == "evil-gw.oe.test.")][0].status' <<< "$tr")
st_ev=$(jq -r '[.recent[] | select(.name == "evil.oe.test.")][-1].status' <<< "$tr")
peer_ev=$(jq -r '[.recent[] | select(.name == "evil.oe.test.")][-1].peer' <<< "$tr")
[ "$st_gw" = failed ] || fail "evil-gw.oe.test: status $st_gw (its only key names a foreign gateway): $tr"
[ "$st_ev" = failed ] || fail "evil.oe.test: status $st_ev, expected failed (east cannot prove the attacker's key): $tr"
[ "$peer_ev" = "$EAST" ] || fail "evil.oe.test: negotiated with $peer_ev, not the answer's address"

# nothing labelled with the attacker's names, east's SA unchanged
jq -e '.ike_sas[] | select(.peer_name | test("evil"))' "$(dns_iked_state west)" >/dev/null &&
	fail "an SA carries the attacker's name: $(jq -c '.ike_sas' "$(dns_iked_state west)")"
[ "$(jq -r '[.ike_sas[] | select(.peer == "'"$EAST"'" and .state == "ESTABLISHED")] | length' "$(dns_iked_state west)")" = 1 ] ||
	fail "west should have exactly one established SA to east: $(jq -c '.ike_sas' "$(dns_iked_state west)")"
sa2=$(dns_state_sa_json west "$EAST")
[ "$(jq -r .peer_name <<< "$sa2")" = east.oe.test. ] || fail "east's SA was relabelled: $sa2"

# east's SA still carries west's traffic, over ESP
lab_udp_send west "$EAST" 5001 "two"
lab_poll 5 grep -q two "$(lab_udp_file east rx)" || fail "datagram two did not arrive after the attack"
pk=$(lab_sa_packets east "$WEST" "$EAST" "$spi")
[ "$pk" = 2 ] || fail "east's original inbound SA $spi counted '$pk', expected 2"

# and nothing ever went to the attacker
sleep 0.3
n=$(grep -c . "$(lab_capture_file west wire)")
[ "$n" = 0 ] || fail "west sent $n packets to the attacker: $(head -n3 "$(lab_capture_file west wire)")"
grep -q "IKE_SA_INIT from" "$(dns_iked_log mallory)" && fail "the attacker's daemon got an IKE_SA_INIT"

pass "attacker's key for east's address: evil before any SA $st0 (east proved its own key), evil-gw (gateway $MALLORY) $st_gw without IKE, evil with east's SA up $st_ev; no packet to $MALLORY, no SA named evil*, east's SA still east.oe.test. and counted 2 packets"
