#!/bin/bash
# Host test of oe-unbound.so with a lab unbound, NSD and the test
# responder (a stand-in for oe-iked's trigger socket), all on this
# host's loopback (127.0.0.60-69 only).  Prints "PASS name: what" or
# "FAIL name: why" per check, exits non-zero if any failed, and stops
# everything it started.
#
# usage: module-host.sh [--build DIR]
#   DIR: the project's build directory (default .build/h-module)
# environment: OE_MODULE (oe-unbound.so), OE_LAB_UNBOUND (unbound binary),
#   OE_RESPONDER (oe-test-responder), OE_MINIEVENT_UNBOUND (optional: an
#   unbound built --with-dynlibmodule but without libevent, to check that
#   the module refuses to load there), OE_MODULE_TEST_THREADS (unbound
#   worker threads, default 1)
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$repo/.build/h-module
[ "${1:-}" = --build ] && build=$2
build=$(cd "$build" && pwd) || exit 2

module=${OE_MODULE:-$build/unbound-module/.libs/oe-unbound.so}
unbound=${OE_LAB_UNBOUND:-/tmp/ubsrc/prefix/sbin/unbound}
[ -x "$unbound" ] || unbound=/tmp/ubsrc/prefix/sbin/unbound
responder=${OE_RESPONDER:-$build/unbound-module/tests/oe-test-responder}
if [ ! -x "$responder" ]; then
	make -s -C "$build/unbound-module" tests/oe-test-responder >/dev/null 2>&1
fi

NS_ADDR=127.0.0.60
NS_PORT=15360
UB_ADDR=127.0.0.61
UB_PORT=15361
DEADLINE_MS=1200
SA_LIFE=60

failures=0
pass() { echo "PASS $1: $2"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }

for tool in nsd ldns-keygen ldns-signzone dig; do
	command -v $tool >/dev/null || { echo "FAIL setup: $tool not installed"; exit 1; }
done
for f in "$module" "$unbound" "$responder"; do
	[ -e "$f" ] || { echo "FAIL setup: $f missing (build first)"; exit 1; }
done

T=$(mktemp -d /tmp/oe-module-host.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	if [ "$failures" -eq 0 ] && [ -z "${OE_KEEP:-}" ]; then
		rm -rf "$T"
	else
		echo "# logs kept in $T" >&2
	fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- zones
cd "$T" || exit 1
rsa=$(ldns-keygen -a RSASHA256 -b 2048 hostkey.) || exit 1
# the DNSKEY public key field is RFC 3110, as IPSECKEY algorithm 2 wants
hostkey=$(awk '{ for (i = 7; i <= NF && $i !~ /^;/; i++) printf "%s", $i }' "$rsa.key")

cat > oe.test.zone <<ZONE
\$ORIGIN oe.test.
\$TTL 3600
@	IN SOA ns.oe.test. admin.oe.test. 1 3600 600 86400 300
	IN NS ns.oe.test.
ns	IN A $NS_ADDR
east	IN A 198.51.100.2
east	IN IPSECKEY 10 1 2 198.51.100.2 $hostkey
sig	IN A 198.51.100.15
sig	IN IPSECKEY 10 1 2 198.51.100.15 $hostkey
v6	IN AAAA 2001:db8::2
v6	IN IPSECKEY 10 0 2 . $hostkey
target	IN A 198.51.100.6
target	IN IPSECKEY 10 1 2 198.51.100.6 $hostkey
alias	IN CNAME target.oe.test.
nokey	IN A 198.51.100.3
held	IN A 198.51.100.7
held	IN IPSECKEY 10 1 2 198.51.100.7 $hostkey
slow	IN A 198.51.100.4
slow	IN IPSECKEY 10 1 2 198.51.100.4 $hostkey
late	IN A 198.51.100.12
late	IN IPSECKEY 10 1 2 198.51.100.12 $hostkey
dies	IN A 198.51.100.13
dies	IN IPSECKEY 10 1 2 198.51.100.13 $hostkey
junk	IN A 198.51.100.16
junk	IN IPSECKEY 10 1 2 198.51.100.16 $hostkey
drop	IN A 198.51.100.17
drop	IN IPSECKEY 10 1 2 198.51.100.17 $hostkey
slow2	IN A 198.51.100.14
slow2	IN IPSECKEY 10 1 2 198.51.100.14 $hostkey
gone	IN A 198.51.100.5
gone	IN IPSECKEY 10 1 2 198.51.100.5 $hostkey
ex.private IN A 198.51.100.8
ex.private IN IPSECKEY 10 1 2 198.51.100.8 $hostkey
loop	IN A 127.0.0.1
loop	IN IPSECKEY 10 1 2 127.0.0.1 $hostkey
bk	IN A 198.51.100.9
bk	IN IPSECKEY 10 1 2 198.51.100.9 $hostkey
ba	IN A 198.51.100.10
ba	IN IPSECKEY 10 1 2 198.51.100.10 $hostkey
ZONE
for i in $(seq 1 10); do
	echo "c$i	IN A 198.51.100.$((100 + i))" >> oe.test.zone
done

ksk=$(ldns-keygen -a ECDSAP256SHA256 -k oe.test.) || exit 1
zsk=$(ldns-keygen -a ECDSAP256SHA256 oe.test.) || exit 1
# Signatures expire in 1000 s: a keyed answer may not be cached longer.
SIG_EXP=$(( $(date +%s) + 1000 ))
ldns-signzone -e "$(date -u -d @$SIG_EXP +%Y%m%d%H%M%S)" -f oe.test.signed \
    oe.test.zone "$zsk" "$ksk" || exit 1
# Break two signatures: bk's IPSECKEY and ba's A (a valid IPSECKEY then
# sits next to a bogus address).
awk -v OFS='\t' '
	($1 == "bk.oe.test." && $4 == "RRSIG" && $5 == "IPSECKEY") ||
	($1 == "ba.oe.test." && $4 == "RRSIG" && $5 == "A") {
		$NF = "AAAA" substr($NF, 5)
	}
	{ print }' oe.test.signed > oe.test.broken && mv oe.test.broken oe.test.signed

# An unsigned zone: its IPSECKEY is insecure.
cat > plain.test.zone <<ZONE
\$ORIGIN plain.test.
\$TTL 3600
@	IN SOA ns.plain.test. admin.plain.test. 1 3600 600 86400 300
	IN NS ns.plain.test.
ns	IN A $NS_ADDR
in	IN A 198.51.100.11
in	IN IPSECKEY 10 1 2 198.51.100.11 $hostkey
ZONE

# The root, served by the same NSD (the lab never uses real root hints).
cat > root.zone <<ZONE
\$ORIGIN .
\$TTL 3600
.	IN SOA ns.oe.test. admin.oe.test. 1 3600 600 86400 300
.	IN NS ns.oe.test.
ZONE

cat > nsd.conf <<CONF
server:
	ip-address: $NS_ADDR@$NS_PORT
	username: ""
	chroot: ""
	zonesdir: "$T"
	pidfile: "$T/nsd.pid"
	database: ""
	xfrdfile: "$T/xfrd.state"
	zonelistfile: "$T/zone.list"
	logfile: "$T/nsd.log"
	verbosity: 1
	rrl-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: "."
	zonefile: root.zone
zone:
	name: oe.test.
	zonefile: oe.test.signed
zone:
	name: plain.test.
	zonefile: plain.test.zone
CONF

cat > oe-module.conf <<CONF
# oe-unbound.so settings for this test
socket: "$T/trigger.sock"
deadline-ms: $DEADLINE_MS
max-ttl: 3600
exclude-suffix: private.oe.test.
CONF

unbound_conf() {	# $1: file, $2: DNS port (control port: +10)
	cat > "$1" <<CONF
server:
	interface: $UB_ADDR
	port: $2
	outgoing-interface: $UB_ADDR
	access-control: 127.0.0.0/8 allow
	username: ""
	chroot: ""
	directory: "$T"
	pidfile: "$T/unbound-$(basename "$1" .conf).pid"
	use-syslog: no
	verbosity: 1
	val-log-level: 2
	num-threads: ${OE_MODULE_TEST_THREADS:-1}
	do-not-query-localhost: no
	qname-minimisation: no
	prefetch: no
	local-zone: "test." nodefault
	trust-anchor-file: "$T/$ksk.ds"
	module-config: "dynlib validator iterator"
dynlib:
	dynlib-file: "$module"
stub-zone:
	name: "."
	stub-addr: $NS_ADDR@$NS_PORT
remote-control:
	control-enable: yes
	control-interface: $UB_ADDR
	control-port: $(($2 + 10))
	control-use-cert: no
CONF
}
unbound_conf unbound.conf $UB_PORT

start_responder() {	# mode delay_ms [sa_lifetime]
	"$responder" -s "$T/trigger.sock" -o "$T/requests.log" -m "$1" \
	    -d "$2" -l "${3:-$SA_LIFE}" 2>> "$T/responder.err" &
	responder_pid=$!
	pids+=("$responder_pid")
	for _ in $(seq 50); do
		[ -S "$T/trigger.sock" ] && return 0
		sleep 0.05
	done
	return 1
}
stop_responder() {
	kill "$responder_pid" 2>/dev/null
	wait "$responder_pid" 2>/dev/null
	rm -f "$T/trigger.sock"
}

# q NAME TYPE: one query; sets status, flags, ttl (first answer), ms.
q() {
	local out
	out=$(dig @$UB_ADDR -p $UB_PORT +tries=1 +time=6 +noall +comments \
	    +answer +stats "$1" "$2" 2>&1)
	echo "$out" > "$T/last.dig"
	status=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<< "$out")
	flags=$(sed -n 's/.*;; flags: \([a-z ]*\);.*/\1/p' <<< "$out")
	ttl=$(awk '!/^;/ && NF >= 5 && $4 == "'"$2"'" { print $2; exit }' <<< "$out")
	ms=$(sed -n 's/;; Query time: \([0-9]*\) msec/\1/p' <<< "$out")
	: "${status:=none}" "${ms:=99999}" "${ttl:=}"
}
requests_for() {	# number of requests naming $1
	grep -c "\"name\":\"$1\"" "$T/requests.log" 2>/dev/null || true
}

# ---------------------------------------------------------------- start
touch requests.log
nsd -d -c nsd.conf > nsd.out 2>&1 &
pids+=($!)
# NSD first, so that unbound's first queries find it answering.
for _ in $(seq 100); do
	dig @$NS_ADDR -p $NS_PORT +tries=1 +time=1 +norec ns.oe.test A 2>/dev/null |
	    grep -q 'status: NOERROR' && break
	sleep 0.1
done
if ! dig @$NS_ADDR -p $NS_PORT +tries=1 +time=1 +norec ns.oe.test A 2>/dev/null |
    grep -q 'status: NOERROR'; then
	echo "FAIL setup: nsd does not answer on $NS_ADDR@$NS_PORT: $(tail -n 1 nsd.log 2>/dev/null)"
	failures=1
	exit 1
fi
start_responder up 400 || { echo "FAIL setup: responder did not start"; exit 1; }
OE_UNBOUND_MODULE_CONF="$T/oe-module.conf" "$unbound" -d -c unbound.conf \
    > unbound.log 2>&1 &
unbound_pid=$!
pids+=("$unbound_pid")
for _ in $(seq 100); do
	grep -q 'start of service' unbound.log && break
	sleep 0.1
done

# The very first query of a fresh unbound primes the root (a state that
# starts below the module and passes back up through it).
q nokey.oe.test. A
if [ "$status" = NOERROR ]; then
	pass first_query "the first query after start (root priming) answered"
else
	fail first_query "status=$status"
fi

# ---------------------------------------------------------------- checks
if grep -q 'oe-unbound: loaded' unbound.log && kill -0 "$unbound_pid" 2>/dev/null; then
	pass loads "unbound runs with the module ($(grep -o 'built for Unbound [0-9.]*' unbound.log))"
else
	fail loads "no 'oe-unbound: loaded' in unbound.log: $(tail -n 3 unbound.log | tr '\n' ' ')"
fi

q nokey.oe.test. A
if [ "$status" = NOERROR ] && [[ " $flags " == *" ad "* ]] && [ "$ms" -lt 600 ] &&
    [ "$(requests_for nokey.oe.test.)" = 0 ]; then
	pass no_ipseckey_immediate "validated answer without IPSECKEY in $ms ms, no request"
else
	fail no_ipseckey_immediate "status=$status flags='$flags' ms=$ms requests=$(requests_for nokey.oe.test.)"
fi

q east.oe.test. A
req=$(grep '"name":"east.oe.test."' requests.log | head -n 1)
if [ "$status" = NOERROR ] && [ "$ms" -ge 380 ] && [ -n "$req" ] &&
    [[ "$req" == *'"secure":true'* ]] && [[ "$req" == *'"algorithm":2'* ]] &&
    [[ "$req" == *'"addrs":["198.51.100.2"]'* ]] &&
    [[ "$req" == *'"gateway":"198.51.100.2"'* ]] && [[ "$req" == *'"rrsig_expiration":'* ]]; then
	pass keyed_held_until_up "answer held $ms ms until the responder said up; keyed request sent"
else
	fail keyed_held_until_up "status=$status ms=$ms request='${req:0:200}'"
fi
if [[ "$req" == *"\"rrsig_expiration\":$SIG_EXP,"* ]]; then
	pass rrsig_window_sent "request carries the IPSECKEY RRSIG expiration $SIG_EXP"
else
	fail rrsig_window_sent "want rrsig_expiration $SIG_EXP in '${req:0:400}'"
fi
if [ -n "$ttl" ] && [ "$ttl" -le $((SA_LIFE - 2)) ]; then
	pass ttl_below_sa_lifetime "answer TTL $ttl < SA lifetime $SA_LIFE"
else
	fail ttl_below_sa_lifetime "answer TTL '$ttl', SA lifetime $SA_LIFE"
fi
q east.oe.test. A
if [ "$status" = NOERROR ] && [ -n "$ttl" ] && [ "$ttl" -le $((SA_LIFE - 2)) ] && [ "$ms" -lt 100 ]; then
	pass cached_ttl_clamped "cached answer in $ms ms carries TTL $ttl"
else
	fail cached_ttl_clamped "status=$status ms=$ms ttl='$ttl'"
fi

q v6.oe.test. AAAA
req=$(grep '"name":"v6.oe.test."' requests.log | head -n 1)
if [ "$status" = NOERROR ] && [[ "$req" == *'"qtype":"AAAA"'* ]] &&
    [[ "$req" == *'"addrs":["2001:db8::2"]'* ]] && [[ "$req" == *'"gateway":null'* ]]; then
	pass aaaa_keyed "AAAA answer led to a keyed request (no gateway)"
else
	fail aaaa_keyed "status=$status request='${req:0:200}'"
fi

q alias.oe.test. A
if [ "$status" = NOERROR ] && [ "$(requests_for target.oe.test.)" = 1 ] &&
    [ "$(requests_for alias.oe.test.)" = 0 ]; then
	pass cname_owner "request names the end of the CNAME chain"
else
	fail cname_owner "status=$status target=$(requests_for target.oe.test.) alias=$(requests_for alias.oe.test.)"
fi

q ex.private.oe.test. A
if [ "$status" = NOERROR ] && [ "$ms" -lt 380 ] && [ "$(requests_for ex.private.oe.test.)" = 0 ]; then
	pass excluded_suffix "excluded name answered in $ms ms without a request"
else
	fail excluded_suffix "status=$status ms=$ms requests=$(requests_for ex.private.oe.test.)"
fi

q loop.oe.test. A
if [ "$status" = NOERROR ] && [ "$(requests_for loop.oe.test.)" = 0 ]; then
	pass local_address "loopback address answered without a request"
else
	fail local_address "status=$status requests=$(requests_for loop.oe.test.)"
fi

q bk.oe.test. A
s1=$status
q bk.oe.test. A
if [ "$s1" = SERVFAIL ] && [ "$status" = SERVFAIL ] && [ "$(requests_for bk.oe.test.)" = 0 ] &&
    grep -q 'bogus IPSECKEY for bk.oe.test' unbound.log; then
	pass bogus_ipseckey_servfail "SERVFAIL twice (not served from cache), logged, no request"
else
	fail bogus_ipseckey_servfail "first=$s1 second=$status requests=$(requests_for bk.oe.test.)"
fi

q ba.oe.test. A
if [ "$status" = SERVFAIL ] && [ "$(requests_for ba.oe.test.)" = 0 ]; then
	pass bogus_address_no_request "bogus A with a valid IPSECKEY never reached the responder"
else
	fail bogus_address_no_request "status=$status requests=$(requests_for ba.oe.test.)"
fi

q in.plain.test. A
req=$(grep '"name":"in.plain.test."' requests.log | head -n 1)
if [ "$status" = NOERROR ] && [[ "$req" == *'"ipseckey":null'* ]]; then
	pass insecure_unkeyed "insecure IPSECKEY led to a request without a key"
else
	fail insecure_unkeyed "status=$status request='${req:0:200}'"
fi

# A long-lived SA: the signatures' expiration is what bounds the TTL.
stop_responder
start_responder up 0 100000
left=$((SIG_EXP - $(date +%s)))	# before the query: TTLs count down
q sig.oe.test. A
if [ "$status" = NOERROR ] && [ -n "$ttl" ] && [ "$ttl" -le "$left" ] && [ "$ttl" -gt $((left - 60)) ]; then
	pass ttl_below_rrsig_expiry "TTL $ttl (zone TTL 3600, SA 100000 s) ends with the signatures in $left s"
else
	fail ttl_below_rrsig_expiry "status=$status ttl='$ttl' signatures expire in $left s"
fi

# One answer held for the full deadline (the responder never answers);
# 100 lookups of cached names on the same (single) worker meanwhile.
stop_responder
start_responder silent 0
for i in $(seq 1 10); do q c$i.oe.test. A; done
for r in $(seq 1 10); do
	for i in $(seq 1 10); do echo "c$i.oe.test. A"; done
done > batch.txt
dig @$UB_ADDR -p $UB_PORT +tries=1 +time=6 held.oe.test. A > held.dig 2>&1 &
held_pid=$!
sleep 0.2
start_ms=$(date +%s%3N)
dig @$UB_ADDR -p $UB_PORT +tries=1 +time=2 -f batch.txt > batch.dig 2>&1
end_ms=$(date +%s%3N)
wait $held_pid
held_ms=$(sed -n 's/;; Query time: \([0-9]*\) msec/\1/p' held.dig)
n_ok=$(grep -c 'status: NOERROR' batch.dig)
max_ms=$(sed -n 's/;; Query time: \([0-9]*\) msec/\1/p' batch.dig | sort -n | tail -n 1)
if [ "$n_ok" = 100 ] && [ "${max_ms:-9999}" -lt 50 ] &&
    [ $((end_ms - start_ms)) -lt $((DEADLINE_MS - 300)) ]; then
	pass worker_not_blocked "100 cached lookups in $((end_ms - start_ms)) ms (slowest $max_ms ms) while one answer was held"
else
	fail worker_not_blocked "ok=$n_ok slowest=${max_ms}ms total=$((end_ms - start_ms))ms held=${held_ms}ms"
fi
if grep -q 'status: NOERROR' held.dig && [ "${held_ms:-0}" -ge $((DEADLINE_MS - 50)) ] &&
    [ "${held_ms:-0}" -lt $((DEADLINE_MS + 800)) ] && [ "$(requests_for held.oe.test.)" = 1 ]; then
	pass deadline_releases "unanswered request released after $held_ms ms (deadline $DEADLINE_MS)"
else
	fail deadline_releases "held=${held_ms}ms requests=$(requests_for held.oe.test.) $(grep status: held.dig)"
fi

# The daemon is up but silent: after one deadline, answers are not held.
q slow2.oe.test. A
if [ "$status" = NOERROR ] && [ "$ms" -lt 380 ] && [ "$(requests_for slow2.oe.test.)" = 1 ]; then
	pass silent_daemon_costs_once "next answer in $ms ms; request still sent, not held"
else
	fail silent_daemon_costs_once "status=$status ms=$ms requests=$(requests_for slow2.oe.test.)"
fi

# Any reply ends that: the daemon answers the next (unheld) request.
stop_responder
start_responder up 0
q slow.oe.test. A
sleep 0.2

# A reply after the deadline: the answer went out at the deadline, the
# late reply is matched by its cookie to nothing and ignored.
stop_responder
start_responder up 1600
q late.oe.test. A
sleep 0.6
if [ "$status" = NOERROR ] && [ "$ms" -ge $((DEADLINE_MS - 50)) ] && [ "$ms" -lt 1550 ] &&
    kill -0 "$unbound_pid" 2>/dev/null; then
	pass late_reply_ignored "held again after the daemon replied; released at the deadline ($ms ms); the reply at 1600 ms was ignored"
else
	fail late_reply_ignored "status=$status ms=$ms"
fi

# Unbound drops the held query (flush_requestlist deletes every mesh
# state): the module forgets it; the reply that comes later is ignored.
stop_responder
start_responder up 1000
dig @$UB_ADDR -p $UB_PORT +tries=1 +time=3 drop.oe.test. A > drop.dig 2>&1 &
drop_pid=$!
sleep 0.3
ctl=$(dirname "$unbound")/unbound-control
"$ctl" -c unbound.conf flush_requestlist > flush.out 2>&1
wait $drop_pid
sleep 1
q nokey.oe.test. A
if grep -q ok flush.out && ! grep -q 'status: NOERROR' drop.dig && [ "$(requests_for drop.oe.test.)" = 1 ] &&
    [ "$status" = NOERROR ] && kill -0 "$unbound_pid" 2>/dev/null; then
	pass dropped_query_forgotten "held query deleted by the mesh; its reply later matched nothing; unbound fine"
else
	fail dropped_query_forgotten "flush='$(cat flush.out)' status=$status $(grep status: drop.dig)"
fi

# The daemon goes away while an answer is held: it goes out at once.
stop_responder
start_responder silent 0
dig @$UB_ADDR -p $UB_PORT +tries=1 +time=6 dies.oe.test. A > dies.dig 2>&1 &
dies_pid=$!
sleep 0.3
stop_responder
wait $dies_pid
dies_ms=$(sed -n 's/;; Query time: \([0-9]*\) msec/\1/p' dies.dig)
if grep -q 'status: NOERROR' dies.dig && [ "${dies_ms:-9999}" -lt 900 ] &&
    [ "$(requests_for dies.oe.test.)" = 1 ]; then
	pass daemon_exit_releases "held answer went out $dies_ms ms after the query when the daemon closed"
else
	fail daemon_exit_releases "ms=${dies_ms} requests=$(requests_for dies.oe.test.) $(grep status: dies.dig)"
fi

# Malformed replies (bad JSON, wrong types, unknown keys, oversized,
# empty) are rejected; the held answer waits for its deadline.
start_responder garbage 0
q junk.oe.test. A
if [ "$status" = NOERROR ] && [ "$ms" -ge $((DEADLINE_MS - 50)) ] &&
    kill -0 "$unbound_pid" 2>/dev/null && grep -q 'oe-unbound\[[0-9]*\]: bad reply from' unbound.log; then
	pass malformed_replies_rejected "malformed replies logged and ignored; answer released at the deadline ($ms ms)"
else
	fail malformed_replies_rejected "status=$status ms=$ms"
fi
stop_responder

# No daemon at all: answers go out at once.
stop_responder
q gone.oe.test. A
if [ "$status" = NOERROR ] && [ "$ms" -lt 380 ] && [ -n "$ttl" ] &&
    grep -q 'cannot connect to' unbound.log; then
	pass daemon_absent_immediate "answered in $ms ms with the daemon absent; logged"
else
	fail daemon_absent_immediate "status=$status ms=$ms ttl='$ttl'"
fi

# Reload: deinit and init again, with queries answered afterwards.
kill -HUP "$unbound_pid" 2>/dev/null
for _ in $(seq 50); do
	[ "$(grep -c 'oe-unbound: loaded' unbound.log)" -ge 2 ] && break
	sleep 0.1
done
sleep 0.3
q nokey.oe.test. A
if [ "$(grep -c 'oe-unbound: loaded' unbound.log)" -ge 2 ] && [ "$status" = NOERROR ] &&
    grep -q 'oe-unbound\[0\]: [0-9]* requests' unbound.log; then
	pass reload "SIGHUP: counters logged at deinit, module loaded again, answers flow"
else
	fail reload "loaded $(grep -c 'oe-unbound: loaded' unbound.log) times, status=$status"
fi

if kill -0 "$unbound_pid" 2>/dev/null; then
	pass unbound_alive "unbound still running after all checks"
else
	fail unbound_alive "unbound exited: $(tail -n 3 unbound.log | tr '\n' ' ')"
fi

# A bad settings file stops unbound from starting, naming file:line.
printf 'deadline-ms: 500\nfrobnicate: 1\n' > bad-module.conf
unbound_conf bad.conf $((UB_PORT + 1))
OE_UNBOUND_MODULE_CONF="$T/bad-module.conf" timeout 10 "$unbound" -d -c bad.conf > bad.log 2>&1
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "bad-module.conf:2: unknown setting" bad.log; then
	pass bad_settings_stop_start "unbound refused to start: $(grep -o 'bad-module.conf:2: [^"]*"[^"]*"' bad.log | head -n 1)"
else
	fail bad_settings_stop_start "rc=$rc log: $(tail -n 2 bad.log | tr '\n' ' ')"
fi

# An unbound on mini_event: the module must refuse to load, saying why.
if [ -n "${OE_MINIEVENT_UNBOUND:-}" ]; then
	unbound_conf mini.conf $((UB_PORT + 2))
	OE_UNBOUND_MODULE_CONF="$T/oe-module.conf" timeout 10 \
	    "$OE_MINIEVENT_UNBOUND" -d -c mini.conf > mini.log 2>&1
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q 'oe-unbound: this unbound uses the event backend "mini-event' mini.log; then
		pass minievent_refused "module refused to load in a mini_event unbound"
	else
		fail minievent_refused "rc=$rc log: $(tail -n 2 mini.log | tr '\n' ' ')"
	fi
fi

[ "$failures" -eq 0 ]
