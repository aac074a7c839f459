# DESCRIPTION: with one Unbound thread, while an OE answer is held for the full deadline (daemon hung), 100 lookups of other cached names complete with their usual latency
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-dns.sh"

DEADLINE=4000
dns_two_hosts
dns_publish oe.test east slow "$EAST"
for i in $(seq 1 100); do echo "c$i 300 IN A 198.51.100.$((100 + i % 100))"; done | lab_zone_records oe.test
lab_dns_world auth "$AUTH"
dns_daemons "deadline-ms: $DEADLINE"
# a hold longer than Debian's discard-timeout (1900 ms) needs it off
dns_resolver_option west "$WEST" "discard-timeout: 0"
grep -q "num-threads: 1" "$(lab_host_dir west)/etc/unbound.conf" || fail "the resolver does not run one thread"

batch=$LAB_TMP/batch
for i in $(seq 1 100); do echo "c$i.oe.test A"; done > "$batch"
runbatch() { lab_exec west dig +tries=1 +time=3 @127.0.0.1 -f "$batch"; }
# dig's own per-query times: the resolver's latency, not the guest's
# process start-up
qtimes() { sed -n 's/^;; Query time: \([0-9]*\) msec.*/\1/p'; }
out=$(runbatch) || fail "warming the cache"
[ "$(grep -c 'status: NOERROR' <<< "$out")" = 100 ] || fail "warm-up: not 100 NOERROR answers"
out=$(runbatch)
[ "$(grep -c 'status: NOERROR' <<< "$out")" = 100 ] || fail "baseline: not 100 NOERROR answers"
base_sum=$(qtimes <<< "$out" | awk '{ s += $1 } END { print s + 0 }')
base_max=$(qtimes <<< "$out" | sort -n | tail -n1)

# hang the daemon: the request for slow.oe.test is held for the deadline
dns_prewarm west slow.oe.test
kill -STOP "$(dns_iked_pid west)"
h=$(lab_host_dir west)
dpid=$(lab_bg west slowdig dig +tries=1 +time=10 @127.0.0.1 slow.oe.test A)
sleep 0.1
kill -0 "$dpid" 2>/dev/null || fail "the slow.oe.test lookup was not held"
t0=$(lab_now); out=$(runbatch); wall=$(lab_ms_since "$t0")
kill -0 "$dpid" 2>/dev/null || fail "the held lookup ended before the 100 cached lookups did (batch ${wall} ms)"
[ "$(grep -c 'status: NOERROR' <<< "$out")" = 100 ] || fail "while held: not 100 NOERROR answers"
held_sum=$(qtimes <<< "$out" | awk '{ s += $1 } END { print s + 0 }')
held_max=$(qtimes <<< "$out" | sort -n | tail -n1)
lab_poll 10 bash -c "! kill -0 $dpid 2>/dev/null" || fail "the held lookup never finished"
kill -CONT "$(dns_iked_pid west)"
grep -q "status: NOERROR" "$h/log/slowdig.log" || fail "the held lookup did not end NOERROR: $(head -n5 "$h/log/slowdig.log")"
slow=$(sed -n 's/^;; Query time: \([0-9]*\) msec.*/\1/p' "$h/log/slowdig.log")
(( slow >= DEADLINE - 100 )) || fail "the held lookup took ${slow} ms, less than the ${DEADLINE} ms deadline"
(( held_max < 200 && held_max <= base_max * 4 + 20 )) ||
	fail "slowest cached lookup ${held_max} ms while an answer was held (${base_max} ms before)"
(( held_sum <= base_sum * 4 + 200 )) ||
	fail "100 cached lookups spent ${held_sum} ms in the resolver while an answer was held (${base_sum} ms before)"

pass "100 cached lookups while slow.oe.test was held ${slow} ms (deadline ${DEADLINE} ms): resolver time ${held_sum} ms in total, slowest ${held_max} ms (before: ${base_sum} ms, slowest ${base_max} ms; all 100 done in ${wall} ms, before the held answer came back)"
