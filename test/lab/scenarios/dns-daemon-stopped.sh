# DESCRIPTION: a hung oe-iked (SIGSTOP) costs the first keyed lookup at most the module's deadline, later lookups nothing; a stopped (exited) daemon costs nothing at all
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-dns.sh"

DEADLINE=1200
dns_two_hosts
for n in east east2 east3 east4; do dns_publish oe.test east "$n" "$EAST"; done
lab_dns_world auth "$AUTH"
dns_daemons "deadline-ms: $DEADLINE"
pid=$(dns_iked_pid west)

dns_prewarm west east.oe.test east2.oe.test east3.oe.test east4.oe.test
kill -STOP "$pid" || fail "cannot SIGSTOP west's oe-iked"
dns_lookup west east.oe.test A
[ "$DNS_STATUS" = NOERROR ] || fail "east.oe.test with a hung daemon: status $DNS_STATUS"
first=$DNS_QMS
(( first >= DEADLINE - 200 )) || fail "the first keyed lookup took ${first} ms: not held for the ${DEADLINE} ms deadline?"
(( first < DEADLINE + 600 )) || fail "the first keyed lookup took ${first} ms, far beyond the ${DEADLINE} ms deadline"
dns_lookup west east2.oe.test A
[ "$DNS_STATUS" = NOERROR ] || fail "east2.oe.test with a hung daemon: status $DNS_STATUS"
second=$DNS_QMS
(( second < DEADLINE - 400 )) || fail "the second keyed lookup with a hung daemon took ${second} ms: the deadline was paid again"
grep -q "no reply from /run/oe/trigger.sock within $DEADLINE ms" "$(lab_host_dir west)/log/unbound.log" ||
	fail "the module did not log the silent daemon"

kill -CONT "$pid"
dns_iked_stop west
lab_exec west test -e /run/oe/trigger.sock && fail "the trigger socket file outlived the daemon"
dns_lookup west east3.oe.test A
[ "$DNS_STATUS" = NOERROR ] || fail "east3.oe.test with no daemon: status $DNS_STATUS"
third=$DNS_QMS
dns_lookup west east4.oe.test A
fourth=$DNS_QMS
(( third < DEADLINE - 400 && fourth < DEADLINE - 400 )) || fail "lookups without a daemon took ${third}/${fourth} ms"

pass "hung daemon: first keyed lookup ${first} ms (deadline ${DEADLINE} ms), second ${second} ms; daemon gone (socket removed): ${third} and ${fourth} ms"
