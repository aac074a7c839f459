# DESCRIPTION: a secure name without IPSECKEY is answered at once (well under the module's deadline) and the daemon gets no request for it
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-dns.sh"

dns_two_hosts
lab_zone_records oe.test <<REC
nokey 300 IN A $EAST
REC
lab_dns_world auth "$AUTH"
dns_daemons "deadline-ms: 1800"

dns_prewarm west nokey.oe.test
dns_lookup west nokey.oe.test A
[ "$DNS_STATUS" = NOERROR ] || fail "nokey.oe.test A: status $DNS_STATUS"
lab_dig_flags <<< "$DNS_OUT" | grep -qw ad || fail "nokey.oe.test A not validated"
grep -q "$EAST" <<< "$DNS_OUT" || fail "nokey.oe.test A: address missing"
(( DNS_QMS < 1000 )) || fail "nokey.oe.test took ${DNS_QMS} ms: held for the 1800 ms deadline?"
# and a second time from the cache
dns_lookup west nokey.oe.test A
ms2=$DNS_QMS
[ "$DNS_STATUS" = NOERROR ] || fail "cached nokey.oe.test: status $DNS_STATUS"
dns_no_trigger_for west nokey.oe.test. || fail "the daemon got a request for a name without IPSECKEY"
[ "$(dns_trigger_stat west requests)" = 0 ] || fail "the trigger socket counted requests: $(dns_oectl west triggers)"

pass "nokey.oe.test (secure, no IPSECKEY) answered in ${DNS_QMS} ms (dig query time) (cached ${ms2} ms) with deadline 1800 ms; the daemon received 0 requests"
