# DESCRIPTION: private towards a host without IKE: nothing leaves in clear while IKE tries, the failure shunt drops for its lifetime (shuntlifetime=8s), then the trap is back and a new packet starts a new ACQUIRE
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-oe.sh"

W=198.51.100.1 E=198.51.100.2
lab_host west
lab_host east
lab_link west w0 "$W/24" east e0 "$E/24"

OE_LAB_RETRANSMIT_TIMEOUT=2s OE_LAB_SHUNT_LIFETIME=8s oe_conf west "$W"
oe_group west private "198.51.100.0/24"
oe_group west clear "198.51.100.1/32"
oe_start west
lab_wait 5 "west's trap for the /24" oe_has_policy west out 0.0.0.0/0 198.51.100.0/24 ipsec

lab_capture west w0 wire "host $E"
lab_udp_listen east "$E" 5000 got
log=$(oe_log_file west)
t0=$(lab_now)
# traffic through the negotiation until it fails
for i in $(seq 1 30); do
	oe_udp_ping west "$E" 5000 "oe-priv-$i"
	grep -q "negotiation with $E failed" "$log" && break
	sleep 0.1
done
grep -q "ACQUIRE $W -> $E: conn private" "$log" || fail "no ACQUIRE for private"
lab_wait 10 "the negotiation failing" grep -q "negotiation with $E failed" "$log"
tfail=$(lab_now)
oe_has_policy west out "$W/32" "$E/32" block ||
	fail "no failure shunt (drop) for $E: $(oe_policy west out "$W/32" "$E/32")"
# the daemon's own view: a failure shunt whose age + expires_in is the
# configured lifetime (age rounds down, expires_in up)
shunts=$(lab_exec west "$(lab_bin oectl)" --json shunts) || fail "oectl --json shunts failed: $shunts"
life=$(jq -r --arg p "$E" '[.result.shunts[] | select(.kind == "failure" and .peer == $p)][0] | (.age + .expires_in)' <<< "$shunts")
[ "$life" = 8 ] || [ "$life" = 9 ] || fail "the failure shunt's lifetime is $life s (age + expires_in), not shuntlifetime=8s: $shunts"
# and through the failure shunt
for i in $(seq 31 35); do oe_udp_ping west "$E" 5000 "oe-priv-$i"; done
[ -s "$(lab_udp_file east got)" ] && fail "a datagram reached east: $(head -c 60 "$(lab_udp_file east got)")"
clear=$(oe_wire_clear west wire "UDP")
[ -z "$clear" ] || fail "clear UDP left west: $(echo "$clear" | head -n1)"

# the failure shunt ends after its lifetime; the trap governs again
n1=$(grep -c "ACQUIRE $W -> $E" "$log")
lab_wait 15 "the failure shunt expiring" bash -c "grep -q 'expired failure shunt' '$log'"
held=$(lab_ms_since "$tfail")
# (wall clock from when this script saw the failure, which can lag
# the daemon by seconds in a loaded guest: only "not right away")
[ "$held" -ge 4500 ] || fail "the failure shunt went after $held ms, not shuntlifetime=8s"
grep -q "shunt.*(conn [a-z-]*): " "$log" && fail "a shunt operation failed: $(grep -m1 "shunt.*(conn [a-z-]*): " "$log")"
oe_has_policy west out 0.0.0.0/0 198.51.100.0/24 ipsec || fail "the trap is gone"
for i in $(seq 36 50); do
	oe_udp_ping west "$E" 5000 "oe-priv-$i"
	[ "$(grep -c "ACQUIRE $W -> $E" "$log")" -gt "$n1" ] && break
	sleep 0.2
done
[ "$(grep -c "ACQUIRE $W -> $E" "$log")" -gt "$n1" ] || fail "no new ACQUIRE after the failure shunt expired"
sleep 0.3
[ -s "$(lab_udp_file east got)" ] && fail "a datagram reached east after the shunt"
clear=$(oe_wire_clear west wire "UDP")
[ -z "$clear" ] || fail "clear UDP left west: $(echo "$clear" | head -n1)"
ike=$(grep -c '\.500 ' "$(lab_capture_file west wire)")
pass "datagrams sent through negotiation, failure shunt and a new negotiation: 0 arrived, 0 clear on the wire ($ike IKE packets); failure shunt drop, lifetime $life s in oectl shunts, expired $held ms after the failure was seen, trap back, new ACQUIRE in $(lab_ms_since "$t0") ms total"
