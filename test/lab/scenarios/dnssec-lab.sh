# DESCRIPTION: NSD serves a lab DNS tree signed at test time; the lab Unbound validates a signed IPSECKEY (AD), an unsigned one (no AD) and a broken signature (SERVFAIL)
. "$OE_LAB_REPO/test/lab/lib.sh"

AUTH=198.51.100.53 RES=198.51.100.1 EAST=198.51.100.2

lab_host auth
lab_host west
lab_link west w0 "$RES/24" auth a0 "$AUTH/24"

# east's RSA-3072 host key, made and published by oe-ipseckey: signed
# into oe.test and broken.test by `oe-ipseckey zone`, and as plain text
# into the unsigned plain.test.
lab_host east
lab_host_key east --rsa 3072
for zone in oe.test plain.test broken.test; do
	lab_zone_records "$zone" <<REC
east 300 IN A $EAST
east 300 IN AAAA 2001:db8::2
REC
done
lab_publish_key east oe.test east "$EAST"
lab_publish_key east broken.test east "$EAST"
record=$(lab_key_record east east.plain.test. "$EAST") || fail "oe-ipseckey show"
lab_zone_records plain.test <<< "$record"
lab_dns_world auth "$AUTH"
lab_resolver_start west "$RES" "$AUTH" "$LAB_ANCHOR"

out=$(lab_dig west @"$RES" +dnssec east.oe.test IPSECKEY) || fail "query east.oe.test IPSECKEY: $out"
[ "$(lab_dig_status <<< "$out")" = NOERROR ] || fail "east.oe.test IPSECKEY: status $(lab_dig_status <<< "$out")"
lab_dig_flags <<< "$out" | grep -qw ad || fail "east.oe.test IPSECKEY not validated (flags: $(lab_dig_flags <<< "$out"))"
grep -q "IPSECKEY.*10 1 2 $EAST" <<< "$out" || fail "east.oe.test IPSECKEY record missing from the answer"

out=$(lab_dig west @"$RES" east.oe.test AAAA) || fail "query east.oe.test AAAA"
lab_dig_flags <<< "$out" | grep -qw ad || fail "east.oe.test AAAA not validated"

out=$(lab_dig west @"$RES" +dnssec east.plain.test IPSECKEY) || fail "query east.plain.test IPSECKEY"
[ "$(lab_dig_status <<< "$out")" = NOERROR ] || fail "east.plain.test IPSECKEY: status $(lab_dig_status <<< "$out")"
lab_dig_flags <<< "$out" | grep -qw ad && fail "east.plain.test (unsigned, no DS) came back with AD"
grep -q "IPSECKEY.*10 1 2 $EAST" <<< "$out" || fail "east.plain.test IPSECKEY record missing"

out=$(lab_dig west @"$RES" +dnssec east.broken.test IPSECKEY)
[ "$(lab_dig_status <<< "$out")" = SERVFAIL ] || fail "east.broken.test IPSECKEY (bad signature): status $(lab_dig_status <<< "$out"), expected SERVFAIL"

# and the validator said why, with the lab root as the chain's anchor
lab_poll 3 grep -q "validation failure <east.broken.test. IPSECKEY IN>" "$(lab_host_dir west)/log/unbound.log" ||
	fail "Unbound logged no validation failure for east.broken.test"

pass "oe-ipseckey-signed east.oe.test IPSECKEY and AAAA answered with AD; unsigned east.plain.test IPSECKEY NOERROR without AD; tampered east.broken.test IPSECKEY SERVFAIL with a logged validation failure"
