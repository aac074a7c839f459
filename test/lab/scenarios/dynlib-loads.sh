# DESCRIPTION: the lab Unbound loads oe-unbound.so with module-config "dynlib validator iterator" and still answers, validated
. "$OE_LAB_REPO/test/lab/lib.sh"

AUTH=198.51.100.53 RES=198.51.100.1 EAST=198.51.100.2
module=$(lab_bin oe-unbound.so)
[ -f "$module" ] || fail "the module was not built ($module)"

lab_host auth
lab_host west
lab_link west w0 "$RES/24" auth a0 "$AUTH/24"
lab_zone_records oe.test <<REC
east 300 IN A $EAST
REC
lab_zone_records broken.test <<REC
east 300 IN A $EAST
REC
lab_dns_world auth "$AUTH"
lab_resolver_start west "$RES" "$AUTH" "$LAB_ANCHOR" "$module"

pid=$(cat "$(lab_host_dir west)/unbound/unbound.pid" 2>/dev/null)
[ -n "$pid" ] || pid=$(lab_exec west pgrep -x unbound | head -n1)
grep -q "oe-unbound.so" "/proc/$pid/maps" || fail "oe-unbound.so is not mapped into unbound (pid $pid)"

log=$(lab_host_dir west)/log/unbound.log
grep -q "dynlib" "$(lab_host_dir west)/etc/unbound.conf" || fail "the resolver was not configured with the dynlib module"

# The daemon is not running here: answers must come back at once,
# validated, through the module.
t0=$(lab_now)
out=$(lab_dig west @"$RES" +dnssec east.oe.test A) || fail "query east.oe.test A failed"
ms=$(lab_ms_since "$t0")
[ "$(lab_dig_status <<< "$out")" = NOERROR ] || fail "east.oe.test A: status $(lab_dig_status <<< "$out")"
lab_dig_flags <<< "$out" | grep -qw ad || fail "east.oe.test A not validated through the module stack"
grep -q "198.51.100.2" <<< "$out" || fail "east.oe.test A: address missing"
out=$(lab_dig west @"$RES" east.broken.test A)
[ "$(lab_dig_status <<< "$out")" = SERVFAIL ] || fail "bogus east.broken.test A passed through the module stack: $(lab_dig_status <<< "$out")"
grep -qi "oe-unbound" "$log" || fail "the module logged nothing at start-up"
grep -E "error|fatal" "$log" | grep -vi "validation failure" | grep -qi "oe-unbound\|dynlib" &&
	fail "module errors in the log: $(grep -iE 'error|fatal' "$log" | head -n2)"
lab_exec west kill -0 "$pid" || fail "unbound died"

pass "oe-unbound.so mapped into unbound (pid $pid) as the first module; east.oe.test A validated (AD) in ${ms} ms with no daemon; bogus A still SERVFAIL"
