#!/bin/bash
# iked-loopback: two real oe-iked processes on 127.0.0.1 and 127.0.0.2
# with the in-memory kernel backend negotiate IKEv2 with each other.
# Checks the handshake, that both sides agree on the Child SA (SPIs and
# key fingerprints), retransmission when the responder starts late,
# and the INFORMATIONAL DELETE sent on SIGTERM.
#
# usage: test/host/iked-loopback.sh [--build DIR]
# Prints "PASS name: what" / "FAIL name: why"; exits 1 if anything failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$repo/.build/obj
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR]" >&2; exit 2 ;;
	esac
done
build=$(cd "$build" 2>/dev/null && pwd) || { echo "FAIL setup: no build dir"; exit 1; }
iked=$build/iked/oe-iked
ipseckey=$build/dnssec/oe-ipseckey
[ -x "$iked" ] || { echo "FAIL setup: $iked not built"; exit 1; }
command -v jq > /dev/null || { echo "FAIL setup: jq is needed"; exit 1; }

work=$(mktemp -d /tmp/oe-iked-loopback.XXXXXX)
pids=()
failed=0
# Ports of our own so concurrent runs (and a real daemon on 500) do not clash.
port=$((20000 + RANDOM % 20000))
natport=$((port + 1))

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2> /dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2> /dev/null
	done
	[ -n "${pluto_pid:-}" ] && kill "$pluto_pid" 2> /dev/null
	[ -n "${ns:-}" ] && ip netns del "$ns" 2> /dev/null
	rm -rf "$work"
}
trap cleanup EXIT

pass() { echo "PASS $1: $2"; }
fail() { echo "FAIL $1: $2"; failed=1; }

# setup_section NAME ME: the config setup section of daemon NAME on
# address ME (our ports, none backend, its own policies folder and
# control socket, plus the lines in $setup_extra), and an empty line.
setup_extra=()
setup_section() {
	local l
	mkdir -p "$work/$1-pol"
	echo "config setup"
	echo "	listen=$2"
	echo "	ikeport=$port"
	echo "	nat-ikeport=$natport"
	echo "	protostack=none"
	echo "	policies-dir=$work/$1-pol"
	echo "	ctl-socket=$work/$1.ctl"
	for l in "${setup_extra[@]}"; do echo "	$l"; done
	echo
}

# conf NAME ME PEER AUTO AUTHBY [extra conn lines...]
# ($timeout is the conn's retransmit-timeout)
timeout=20s
conf() {
	local name=$1 me=$2 peer=$3 auto=$4 authby=$5
	shift 5
	{
		setup_section "$name" "$me"
		echo "conn peer"
		echo "	left=$me"
		echo "	right=$peer"
		echo "	authby=$authby"
		echo "	type=transport"
		echo "	auto=$auto"
		echo "	retransmit-interval=200"
		echo "	retransmit-timeout=$timeout"
		for l in "$@"; do echo "	$l"; done
	} > "$work/$name.conf"
}

# start NAME NSSDB [ARG...]: run a daemon in the background (with the
# extra command line arguments), remember its pid
start() {
	local name=$1 nssdb=$2
	shift 2
	"$iked" -f "$work/$name.conf" --nssdb "$nssdb" --kernel none \
		--state-file "$work/$name.json" --log-level debug "$@" \
		> "$work/$name.log" 2>&1 &
	pids+=($!)
	eval "pid_$name=$!"
}

# start_pair [NSSDB_A NSSDB_B]: b, the responder, first; then a
start_pair() {
	start b "${2:-none}"
	sleep 0.3
	start a "${1:-none}"
}

# wait_for NAME JQ-EXPR SECONDS: until the state file satisfies the filter
wait_for() {
	local i n=$(($3 * 10))
	for ((i = 0; i < n; i++)); do
		if [ -s "$work/$1.json" ] &&
		    jq -e "$2" "$work/$1.json" > /dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

established='.ike_sas | length == 1 and .[0].state == "ESTABLISHED" and .[0].child.installed == true'

# both_established: a within 10 s, then b within 5 s more
both_established() {
	wait_for a "$established" 10 && wait_for b "$established" 5
}

stop_all() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2> /dev/null; done
	pids=()
	rm -f "$work"/*.json
	cat "$work"/[ab].log >> "$work/all.log" 2> /dev/null
	rm -f "$work"/[ab].log
}

# ---- 1: NULL authentication both ways --------------------------------------
conf a 127.0.0.1 127.0.0.2 start null "leftid=%null" "rightid=%null"
conf b 127.0.0.2 127.0.0.1 add null "leftid=%null" "rightid=%null"
start_pair
if both_established; then
	pass null_auth_handshake "IKE SA and transport Child SA up on both sides with NULL auth"
else
	fail null_auth_handshake "no established SA within 10 s (logs: $(tail -n 3 "$work/a.log" | tr '\n' ' '))"
fi

a=$(jq -c '.ike_sas[0]' "$work/a.json" 2> /dev/null)
b=$(jq -c '.ike_sas[0]' "$work/b.json" 2> /dev/null)
get() { jq -r "$2" <<< "$1" 2> /dev/null; }
if [ -n "$a" ] && [ -n "$b" ] &&
    [ "$(get "$a" .child.spi_out)" = "$(get "$b" .child.spi_in)" ] &&
    [ "$(get "$a" .child.spi_in)" = "$(get "$b" .child.spi_out)" ] &&
    [ "$(get "$a" .ispi)" = "$(get "$b" .ispi)" ] &&
    [ "$(get "$a" .rspi)" = "$(get "$b" .rspi)" ]; then
	pass child_sa_spis_match "each side's outbound SPI is the other's inbound SPI; IKE SPIs agree"
else
	fail child_sa_spis_match "SPIs differ: a=$a b=$b"
fi
if [ -n "$a" ] && [ "$(get "$a" .child.key_fp_out)" = "$(get "$b" .child.key_fp_in)" ] &&
    [ "$(get "$a" .child.key_fp_in)" = "$(get "$b" .child.key_fp_out)" ] &&
    [ -n "$(get "$a" .child.key_fp_out)" ] &&
    [ "$(get "$a" .child.key_fp_out)" != "$(get "$a" .child.key_fp_in)" ]; then
	pass child_sa_keys_match "ESP key fingerprints agree per direction and differ between directions"
else
	fail child_sa_keys_match "key fingerprints differ"
fi
if [ "$(get "$a" '.child.kernel.sa_in_installed and .child.kernel.sa_out_installed')" = true ] &&
    [ "$(get "$b" '.child.kernel.sa_in_installed and .child.kernel.sa_out_installed')" = true ] &&
    [ "$(get "$a" .child.mode)" = transport ] &&
    [ "$(get "$a" .auth_peer)" = NULL ] && [ "$(get "$b" .peer_id_type)" = ID_NULL ]; then
	pass kernel_none_records_child_sa "both directions installed in the none backend, transport mode, ID_NULL/NULL auth"
else
	fail kernel_none_records_child_sa "kernel view: a=$(get "$a" .child.kernel) b=$(get "$b" .child.kernel)"
fi

# ---- 1b: SIGHUP re-reads the configuration ---------------------------------
# A changed key is logged as a difference; a broken file is refused and
# the running configuration (and the SA) stays.
cp "$work/a.conf" "$work/a.conf.orig"
echo "	dpddelay=30s" >> "$work/a.conf"
kill -HUP "$pid_a"
sleep 0.5
echo "	bogus-key=1" >> "$work/a.conf"
kill -HUP "$pid_a"
sleep 0.5
if grep -q 'conn peer modified: .*dpddelay' "$work/a.log" &&
    grep -q 'reload failed; keeping the running configuration' "$work/a.log" &&
    kill -0 "$pid_a" 2> /dev/null && jq -e "$established" "$work/a.json" > /dev/null; then
	pass sighup_reload "SIGHUP logged the changed key, refused a broken file, kept running with the SA up"
else
	fail sighup_reload "$(grep -E 'reload|modified|bogus' "$work/a.log" | tr '\n' ' ')"
fi
cp "$work/a.conf.orig" "$work/a.conf"

# ---- 2: SIGTERM sends INFORMATIONAL DELETE ----------------------------------
kill "$pid_a"
wait "$pid_a"
st=$?
if [ $st -eq 0 ] && wait_for b '.ike_sas | length == 0' 5 &&
    grep -q 'peer deleted the IKE SA' "$work/b.log"; then
	pass sigterm_deletes_peer_sa "initiator exited cleanly and the responder removed the SA on its DELETE"
else
	fail sigterm_deletes_peer_sa "exit status $st; responder state: $(jq -c .ike_sas "$work/b.json" 2>/dev/null)"
fi
stop_all

# ---- 2b: sd_notify READY=1 once the IKE sockets are bound -----------------
if command -v python3 > /dev/null; then
	python3 - "$work/notify.sock" > "$work/notify.out" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(10)
try:
    while True:
        msg = s.recv(4096).decode()
        print(msg.replace("\n", " "), flush=True)
        if "READY=1" in msg:
            break
except socket.timeout:
    print("timeout", flush=True)
PY
	npid=$!
	for _ in $(seq 50); do [ -S "$work/notify.sock" ] && break; sleep 0.1; done
	NOTIFY_SOCKET=$work/notify.sock "$iked" -f "$work/b.conf" --nssdb none --kernel none \
		--state-file "$work/b.json" > "$work/b.log" 2>&1 &
	pids+=($!)
	wait "$npid"
	if grep -q 'READY=1' "$work/notify.out" && grep -q 'listening on 127.0.0.2' "$work/b.log"; then
		pass sd_notify_ready "READY=1 sent to NOTIFY_SOCKET after the IKE sockets were bound"
	else
		fail sd_notify_ready "notify socket got: $(cat "$work/notify.out")"
	fi
	stop_all
else
	echo "SKIP sd_notify_ready: needs python3"
fi

# ---- 3: responder starts late: the initiator retransmits -------------------
start a none
sleep 1.2
start b none
if wait_for a "$established" 10 &&
    [ "$(jq -r .counters.retransmits "$work/a.json")" -ge 1 ]; then
	pass retransmit_until_responder_up "IKE_SA_INIT retransmitted until the late responder answered"
else
	fail retransmit_until_responder_up "not established (retransmits: $(jq -r .counters.retransmits "$work/a.json" 2>/dev/null))"
fi
stop_all

# ---- 4: cookies and a KE group the responder does not take ---------------
# b demands a COOKIE for every IKE_SA_INIT and only takes ECP256; a
# offers Curve25519 first, so it must retry twice before it gets in.
setup_extra=("ddos-ike-threshold=0")
conf b 127.0.0.2 127.0.0.1 add null "leftid=%null" "rightid=%null" "ike=aes_gcm256-sha2_256-dh19"
setup_extra=()
conf a 127.0.0.1 127.0.0.2 start null "leftid=%null" "rightid=%null" "ike=aes_gcm256-sha2_256-dh31+dh19"
start_pair
if both_established &&
    jq -e '.ike_sas[0].dh == "ECP256" and .counters.cookies_sent >= 1 and .counters.invalid_ke_sent >= 1' "$work/b.json" > /dev/null; then
	pass cookie_and_invalid_ke_retry "initiator returned the COOKIE and switched to the group named by INVALID_KE_PAYLOAD"
else
	fail cookie_and_invalid_ke_retry "b: $(jq -c '{c: .counters, s: [.ike_sas[]? | {state, dh}]}' "$work/b.json" 2>/dev/null)"
fi
stop_all

# ---- 5: the Child SA is rekeyed (CREATE_CHILD_SA with PFS) -----------------
conf a 127.0.0.1 127.0.0.2 start null "leftid=%null" "rightid=%null" "salifetime=60s" "rekeymargin=58s"
conf b 127.0.0.2 127.0.0.1 add null "leftid=%null" "rightid=%null" "salifetime=60s" "rekeymargin=58s"
start_pair
rekeyed='.ike_sas | length == 1 and .[0].child_rekeys >= 1 and .[0].child.installed == true'
if wait_for a "$established" 10 && wait_for a "$rekeyed" 8 && wait_for b "$rekeyed" 3; then
	a=$(jq -c '.ike_sas[0]' "$work/a.json")
	b=$(jq -c '.ike_sas[0]' "$work/b.json")
	if [ "$(get "$a" .child.spi_out)" = "$(get "$b" .child.spi_in)" ] &&
	    [ "$(get "$a" .child.key_fp_out)" = "$(get "$b" .child.key_fp_in)" ] &&
	    [ "$(get "$a" .child.pfs_group)" = "$(get "$a" .dh)" ] &&
	    [ "$(get "$a" .child.kernel.sa_out_installed)" = true ]; then
		pass child_sa_rekey_with_pfs "Child SA rekeyed with a fresh key exchange; both sides agree on the new SPIs and keys"
	else
		fail child_sa_rekey_with_pfs "sides disagree after rekey: a=$a b=$b"
	fi
else
	fail child_sa_rekey_with_pfs "no rekey within 8 s ($(grep -h -m2 -i 'rekey' "$work/a.log" "$work/b.log" | tr '\n' ' '))"
fi
stop_all

# ---- 5b: the opportunistic conns of conf/: groups, %defaultroute, --initiate --
# a: private-or-clear with 127.0.0.2 in its group, started by --initiate;
# b: clear-or-private (responder only) with 127.0.0.1 in its group.
oeconf() {	# oeconf NAME ME GROUPCONN PEERCIDR
	{
		setup_section "$1" "$2"
		sed -e 's/^    /	/' "$repo/conf/iked.d/$3.conf"
	} > "$work/$1.conf"
	echo "$4" > "$work/$1-pol/$3"
}
if [ -f "$repo/conf/iked.d/private-or-clear.conf" ] && [ -f "$repo/conf/iked.d/clear-or-private.conf" ]; then
	oeconf a 127.0.0.1 private-or-clear 127.0.0.2/32
	oeconf b 127.0.0.2 clear-or-private 127.0.0.1/32
	start b none
	sleep 0.3
	start a none --initiate 127.0.0.2
	if both_established &&
	    jq -e '.ike_sas[0].conn == "private-or-clear" and .ike_sas[0].auth_peer == "NULL"' "$work/a.json" > /dev/null &&
	    jq -e '.ike_sas[0].conn == "clear-or-private"' "$work/b.json" > /dev/null; then
		pass opportunistic_group_conns "the shipped private-or-clear and clear-or-private conns negotiate by policy group (anonymous, $(jq -r .ike_sas[0].child.mode "$work/a.json") mode)"
	else
		fail opportunistic_group_conns "$(grep -h -m3 -E 'conn|refused|fail' "$work/a.log" "$work/b.log" | tr '\n' ' ')"
	fi
	stop_all
else
	echo "SKIP opportunistic_group_conns: conf/iked.d not found"
fi

# ---- 6: a peer demanding a signature refuses NULL auth ---------------------
timeout=3s
conf a 127.0.0.1 127.0.0.2 start null "leftid=%null" "rightid=%null"
conf b 127.0.0.2 127.0.0.1 add rsasig
timeout=20s
start_pair
if wait_for a '.counters.ike_failed >= 1 and (.ike_sas | length == 0)' 8 &&
    ! jq -e '.ike_sas[]? | select(.state == "ESTABLISHED")' "$work/b.json" > /dev/null; then
	pass null_auth_refused_by_rsasig_conn "responder requiring signatures refused NULL auth; nothing established"
else
	fail null_auth_refused_by_rsasig_conn "a: $(jq -c . "$work/a.json" 2>/dev/null | head -c 300)"
fi
stop_all

# ---- 7: RSA signatures with raw public keys from oe-ipseckey ---------------
# make_key NAME: an NSS database $work/NAME-nss with an RSA-2048 key made
# by oe-ipseckey, its libreswan form in $work/NAME.key
make_key() {
	mkdir -p "$work/$1-nss"
	"$ipseckey" init --nssdb "sql:$work/$1-nss" > /dev/null 2>&1 &&
	    "$ipseckey" newkey --rsa 2048 --nssdb "sql:$work/$1-nss" > /dev/null 2>&1 &&
	    "$ipseckey" show --libreswan --nssdb "sql:$work/$1-nss" > "$work/$1.key" 2>/dev/null
}
keyof() { grep -o -E '0s[A-Za-z0-9+/=]+' "$work/$1.key" | head -n1; }
if [ -x "$ipseckey" ]; then
	ok=1
	for n in a b; do
		make_key "$n" || ok=0
	done
	ka=$(keyof a)
	kb=$(keyof b)
	if [ $ok -eq 1 ] && [ -n "$ka" ] && [ -n "$kb" ]; then
		conf a 127.0.0.1 127.0.0.2 start rsasig "leftrsasigkey=$ka" "rightrsasigkey=$kb"
		conf b 127.0.0.2 127.0.0.1 add rsasig "leftrsasigkey=$kb" "rightrsasigkey=$ka"
		start_pair "sql:$work/a-nss" "sql:$work/b-nss"
		if both_established &&
		    jq -e '.ike_sas[0].auth_peer == "DIGITAL_SIGNATURE"' "$work/a.json" > /dev/null &&
		    jq -e '.ike_sas[0].auth_peer == "DIGITAL_SIGNATURE"' "$work/b.json" > /dev/null; then
			pass rsa_signature_handshake "RSA digital signatures (RFC 7427) with raw keys from oe-ipseckey, both ways"
		else
			fail rsa_signature_handshake "not established with signatures ($(grep -h -m2 -i 'auth' "$work/a.log" "$work/b.log" | tr '\n' ' '))"
		fi
		stop_all
		# b expects a key that is not a's: a's signature must not pass.
		make_key c
		kc=$(keyof c)
		timeout=3s
		conf a 127.0.0.1 127.0.0.2 start rsasig "leftrsasigkey=$ka" "rightrsasigkey=$kb"
		conf b 127.0.0.2 127.0.0.1 add rsasig "leftrsasigkey=$kb" "rightrsasigkey=$kc"
		timeout=20s
		start_pair "sql:$work/a-nss" "sql:$work/b-nss"
		if [ -n "$kc" ] && wait_for a '.counters.ike_failed >= 1 and (.ike_sas | length == 0)' 8 &&
		    grep -q 'signature does not verify' "$work/b.log" &&
		    ! jq -e '.ike_sas[]? | select(.state == "ESTABLISHED")' "$work/b.json" > /dev/null; then
			pass rsa_wrong_key_refused "a signature by a key other than rightrsasigkey= is refused"
		else
			fail rsa_wrong_key_refused "wrong key not refused ($(grep -h -m2 -i 'auth' "$work/b.log" | tr '\n' ' '))"
		fi
		stop_all
	else
		fail rsa_signature_handshake "could not make keys with oe-ipseckey"
	fi
else
	fail rsa_signature_handshake "$ipseckey not built"
fi

# ---- 8: interoperability with Libreswan's pluto ---------------------------
# In a private network namespace (its own loopback and XFRM state, so
# nothing here touches the host's): pluto on 127.0.0.2, oe-iked on
# 127.0.0.1 with the none backend, NULL authentication, both directions.
# pluto installs its Child SAs in the namespace's kernel; where that
# kernel has no ESP, pluto refuses the Child SA and only the IKE SA part
# is checked (reported as SKIP for the Child SA).
pluto=/usr/libexec/ipsec/pluto
addconn=/usr/libexec/ipsec/addconn
ns=oe-iked-lb-$$
lsw=$work/lsw
interop_cleanup() {
	[ -n "${pluto_pid:-}" ] && kill "$pluto_pid" 2> /dev/null && wait "$pluto_pid" 2> /dev/null
	pluto_pid=
	ip netns del "$ns" 2> /dev/null
}
lsw_conf() {	# lsw_conf AUTO
	{
		echo "config setup"
		echo "	listen=127.0.0.2"
		echo "	logfile=$lsw/pluto.log"
		echo "	logappend=no"
		echo
		echo "conn peer"
		echo "	left=127.0.0.2"
		echo "	right=127.0.0.1"
		echo "	leftid=%null"
		echo "	rightid=%null"
		echo "	authby=null"
		echo "	type=transport"
		echo "	ikev2=insist"
		echo "	auto=$1"
	} > "$lsw/ipsec.conf"
}
# ns_up: the private namespace with its loopback up, 127.0.0.2 added
ns_up() {
	ip netns add "$ns" 2> /dev/null && ip -n "$ns" link set lo up &&
	    ip -n "$ns" addr add 127.0.0.2/8 dev lo
}
lsw_start() {	# lsw_start [NSSDIR]: pluto in the namespace, conn peer added
	ip netns exec "$ns" "$pluto" --config "$lsw/ipsec.conf" --nofork --stderrlog \
		--rundir "$lsw/run" --nssdir "${1:-$lsw/nss}" --secretsfile "$lsw/ipsec.secrets" \
		--ipsecdir "$lsw/ipsec.d" --listen 127.0.0.2 > "$lsw/pluto.out" 2>&1 &
	pluto_pid=$!
	for _ in $(seq 50); do [ -S "$lsw/run/pluto.ctl" ] && break; sleep 0.1; done
	ip netns exec "$ns" "$addconn" --config "$lsw/ipsec.conf" --ctlsocket "$lsw/run/pluto.ctl" peer > /dev/null 2>&1
}
# start_ns NAME [NSSDB]: like start, inside the namespace
start_ns() {
	ip netns exec "$ns" "$iked" -f "$work/$1.conf" --nssdb "${2:-none}" --kernel none \
		--state-file "$work/$1.json" --log-level debug > "$work/$1.log" 2>&1 &
	pids+=($!)
	eval "pid_$1=$!"
}
child_check() {	# child_check NAME: compare with pluto's SAs, or SKIP
	local x
	if grep -q -E 'netlink response for Add SA.*errno' "$lsw/pluto.out"; then
		echo "SKIP libreswan_$1_child_sa: this kernel has no ESP ($(grep -m1 -o 'errno [0-9]*' "$lsw/pluto.out"))"
		return
	fi
	x=$(ip -n "$ns" xfrm state 2> /dev/null | grep -o 'spi 0x[0-9a-f]*' | sed 's/spi 0x//' | sort | tr '\n' ' ')
	if wait_for a "$established" 5 &&
	    grep -q "$(jq -r .ike_sas[0].child.spi_in "$work/a.json")" <<< "$x" &&
	    grep -q "$(jq -r .ike_sas[0].child.spi_out "$work/a.json")" <<< "$x"; then
		pass "libreswan_$1_child_sa" "pluto installed the Child SA pair whose SPIs oe-iked reports"
	else
		fail "libreswan_$1_child_sa" "kernel SPIs [$x] vs $(jq -c .ike_sas[0].child "$work/a.json" 2>/dev/null)"
	fi
}
if [ "$(id -u)" -eq 0 ] && [ -x "$pluto" ] && [ -x "$addconn" ] && command -v ipsec > /dev/null &&
    ns_up; then
	mkdir -p "$lsw/nss" "$lsw/run" "$lsw/ipsec.d"
	: > "$lsw/ipsec.secrets"
	ipsec initnss --nssdir "$lsw/nss" > /dev/null 2>&1
	port_saved=$port natport_saved=$natport
	port=500 natport=4500	# pluto's ports; private namespace, no clash

	# oe-iked initiates, pluto responds
	lsw_conf add
	lsw_start
	conf a 127.0.0.1 127.0.0.2 start null "leftid=%null" "rightid=%null"
	start_ns a
	if wait_for a '.counters.ike_established >= 1' 10 &&
	    grep -q 'responder established IKE SA; authenticated peer using authby=null' "$lsw/pluto.out"; then
		pass libreswan_responder_ike_sa "oe-iked initiated, Libreswan ($(ipsec --version 2>/dev/null | head -n1)) answered: IKE SA up with NULL auth both ways"
	else
		fail libreswan_responder_ike_sa "$(grep -h -m3 -E 'refused|fail|ERROR' "$work/a.log" "$lsw/pluto.out" | tr '\n' ' ')"
	fi
	child_check responder
	stop_all
	interop_cleanup
	rm -rf "$lsw/run"/*

	# pluto initiates, oe-iked responds
	ns_up
	lsw_conf add
	conf a 127.0.0.1 127.0.0.2 add null "leftid=%null" "rightid=%null"
	lsw_start	# first: pluto probes by binding 0.0.0.0:500
	start_ns a
	sleep 0.3
	ip netns exec "$ns" ipsec whack --ctlsocket "$lsw/run/pluto.ctl" --initiate --name peer --asynchronous > /dev/null 2>&1
	if wait_for a '.counters.ike_established >= 1' 10 &&
	    grep -q 'initiator established IKE SA; authenticated peer using authby=null' "$lsw/pluto.out"; then
		pass libreswan_initiator_ike_sa "Libreswan initiated, oe-iked answered: IKE SA up with NULL auth both ways"
	else
		fail libreswan_initiator_ike_sa "$(grep -h -m3 -E 'refused|fail|ERROR|dropped' "$work/a.log" "$lsw/pluto.out" | tr '\n' ' ')"
	fi
	child_check initiator
	stop_all
	interop_cleanup

	# RSA signatures with the keys oe-ipseckey made above: pluto uses
	# b's NSS database, oe-iked a's.
	if [ -n "${ka:-}" ] && [ -n "${kb:-}" ]; then
		ns_up
		rm -rf "$lsw/run"/*
		lsw_conf add
		sed -i -e 's/authby=null/authby=rsasig/' -e '/id=%null/d' "$lsw/ipsec.conf"
		printf '\tleftrsasigkey=%s\n\trightrsasigkey=%s\n' "$kb" "$ka" >> "$lsw/ipsec.conf"
		cp -r "$work/b-nss" "$lsw/b-nss"
		lsw_start "$lsw/b-nss"
		conf a 127.0.0.1 127.0.0.2 start rsasig "leftrsasigkey=$ka" "rightrsasigkey=$kb"
		start_ns a "sql:$work/a-nss"
		if wait_for a '.counters.ike_established >= 1' 10 &&
		    grep -q 'responder established IKE SA; authenticated peer .*RSA.* digital signature' "$lsw/pluto.out" &&
		    grep -q 'auth DIGITAL_SIGNATURE/DIGITAL_SIGNATURE' "$work/a.log"; then
			pass libreswan_rsa_signatures "Libreswan verified oe-iked's RFC 7427 RSA signature and oe-iked verified Libreswan's"
		else
			fail libreswan_rsa_signatures "$(grep -h -m3 -E 'authentic|signature|ERROR' "$work/a.log" "$lsw/pluto.out" | tr '\n' ' ')"
		fi
		stop_all
		interop_cleanup
	fi
	port=$port_saved natport=$natport_saved
else
	echo "SKIP libreswan_interop: needs root, Libreswan's pluto and network namespaces"
fi

# ---- last: what the daemons logged about themselves ------------------------
stop_all
if grep -q -E 'AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer' "$work/all.log" 2> /dev/null; then
	fail no_sanitizer_reports "$(grep -m1 -E 'Sanitizer|runtime error:' "$work/all.log")"
else
	pass no_sanitizer_reports "no ASan/UBSan/LSan report in any daemon's log"
fi

exit $failed
