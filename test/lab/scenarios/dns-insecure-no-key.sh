# DESCRIPTION: an IPSECKEY in the unsigned zone plain.test is insecure: the daemon is asked without a key (ipseckey null), west's private policy answers failed, no keyed tunnel and no SA labelled with the name; the answer comes back without AD
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-dns.sh"

dns_two_hosts
dns_publish plain.test east east "$EAST"
lab_dns_world auth "$AUTH"
dns_daemons "deadline-ms: 1800"

dns_lookup west east.plain.test A
[ "$DNS_STATUS" = NOERROR ] || fail "east.plain.test A: status $DNS_STATUS"
lab_dig_flags <<< "$DNS_OUT" | grep -qw ad && fail "east.plain.test came back with AD"
grep -q "$EAST" <<< "$DNS_OUT" || fail "east.plain.test A: address missing"

seen() { dns_oectl west triggers | jq -e '.recent[] | select(.name == "east.plain.test.")'; }
lab_wait 5 "the trigger for east.plain.test in west's triggers view" seen
rec=$(dns_oectl west triggers | jq -c '[.recent[] | select(.name == "east.plain.test.")][0]')
[ "$(jq -r .keyed <<< "$rec")" = false ] || fail "the insecure answer gave a keyed request: $rec"
[ "$(jq -r .status <<< "$rec")" = failed ] || fail "private without a secure key should answer failed: $rec"
[ "$(dns_trigger_stat west initiated)" = 0 ] || fail "an initiation was started for an insecure key"
[ "$(dns_count_sas west)" = 0 ] || fail "west has ESP SAs: $(ip -n west xfrm state | head -n4)"
jq -e '.ike_sas[] | select(.peer_name == "east.plain.test.")' "$(dns_iked_state west)" >/dev/null &&
	fail "an SA carries the insecure name"

pass "insecure east.plain.test IPSECKEY: request sent unkeyed, answered failed by the private policy in ${DNS_MS} ms, no IKE started, no SA, no AD"
