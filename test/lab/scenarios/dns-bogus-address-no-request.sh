# DESCRIPTION: a bogus A answer (signature spoiled) next to a valid secure IPSECKEY never reaches the daemon (ipsecmod's rcode-only check gets this wrong) and the client gets SERVFAIL
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-dns.sh"

dns_two_hosts
dns_publish oe.test east badaddr "$EAST"
lab_dns_world auth "$AUTH"
dns_corrupt_rrsig oe.test badaddr.oe.test. A
dns_auth_restart auth "$AUTH"
dns_daemons "deadline-ms: 6000"

out=$(lab_dig west @127.0.0.1 +dnssec badaddr.oe.test IPSECKEY)
[ "$(lab_dig_status <<< "$out")" = NOERROR ] || fail "badaddr.oe.test IPSECKEY: $(lab_dig_status <<< "$out")"
lab_dig_flags <<< "$out" | grep -qw ad || fail "the IPSECKEY should be secure"
dns_lookup west badaddr.oe.test A
[ "$DNS_STATUS" = SERVFAIL ] || fail "bogus badaddr.oe.test A: status $DNS_STATUS, expected SERVFAIL"
dns_lookup west badaddr.oe.test A
[ "$DNS_STATUS" = SERVFAIL ] || fail "second lookup: status $DNS_STATUS"
sleep 0.5
dns_no_trigger_for west badaddr.oe.test. || fail "a bogus address answer reached the daemon: $(grep 'trigger badaddr' "$(dns_iked_log west)" | head -n1)"
[ "$(dns_trigger_stat west requests)" = 0 ] || fail "the trigger socket counted requests"
[ "$(dns_count_sas west)" = 0 ] || fail "west has SAs after a bogus answer"

pass "badaddr.oe.test: bogus A with a secure IPSECKEY answered SERVFAIL twice; daemon got 0 requests, no SA"
