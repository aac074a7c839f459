# DESCRIPTION: a secure A answer whose IPSECKEY is bogus (signature spoiled) gives SERVFAIL and no daemon request
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-dns.sh"

dns_two_hosts
dns_publish oe.test east badkey "$EAST"
lab_dns_world auth "$AUTH"
dns_corrupt_rrsig oe.test badkey.oe.test. IPSECKEY
dns_auth_restart auth "$AUTH"
dns_daemons "deadline-ms: 6000"

dns_lookup west badkey.oe.test A
[ "$DNS_STATUS" = SERVFAIL ] || fail "badkey.oe.test A with a bogus IPSECKEY: status $DNS_STATUS, expected SERVFAIL"
# and again (the module must not leave the address answer in the cache)
dns_lookup west badkey.oe.test A
[ "$DNS_STATUS" = SERVFAIL ] || fail "second lookup of badkey.oe.test A: status $DNS_STATUS (cache bypassed the check)"
out=$(lab_dig west @127.0.0.1 badkey.oe.test IPSECKEY)
[ "$(lab_dig_status <<< "$out")" = SERVFAIL ] || fail "the IPSECKEY itself is not bogus: $(lab_dig_status <<< "$out")"
dns_no_trigger_for west badkey.oe.test. || fail "a bogus IPSECKEY reached the daemon"
[ "$(dns_trigger_stat west requests)" = 0 ] || fail "the trigger socket counted requests"
grep -q "bogus IPSECKEY for badkey.oe.test" "$(lab_host_dir west)/log/unbound.log" || fail "the module did not log the bogus IPSECKEY"

pass "badkey.oe.test A (secure) with a bogus IPSECKEY: SERVFAIL twice, module logged it, daemon got 0 requests"
