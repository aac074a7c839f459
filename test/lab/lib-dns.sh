# Helpers for the DNS-triggered scenarios (dns-*.sh) and the demo:
# host keys made and published with oe-ipseckey, oe-iked with the xfrm
# backend on a host, and the resolver with oe-unbound.so pointing at
# that host's trigger socket.  Sourced after lib.sh.
#
# Per host ($h = lab_host_dir HOST):
#   $h/oe/nss           NSS database made by `oe-ipseckey init/newkey`
#   $h/oe/iked.conf     oe-iked's configuration; $h/oe/policies/ groups
#   $h/state/oe-iked.json  the daemon's --state-file (its JSON view)
#   $h/log/oe-iked.log  the daemon's log (debug level)
#   /run/oe/trigger.sock  inside the host (each host has its own /run)

DNS_ZONE=oe.test

# dns_hostkey HOST [BITS]: an RSA host key in HOST's NSS database.
dns_hostkey() {
	local name=$1 bits=${2:-3072} h ipk
	h=$(lab_host_dir "$name")
	ipk=$(lab_bin oe-ipseckey)
	mkdir -p "$h/oe"
	expect "oe-ipseckey init on $name" "$ipk" init --nssdb "$h/oe/nss"
	expect "oe-ipseckey newkey on $name" "$ipk" newkey --rsa "$bits" --nssdb "$h/oe/nss"
}

# dns_ipseckey_record HOST FQDN [GATEWAY] [PRECEDENCE]: the IPSECKEY
# record of HOST's key, as oe-ipseckey prints it (owner FQDN, absolute).
dns_ipseckey_record() {
	local name=$1 fqdn=$2 gw=${3:-} prec=${4:-10} h out
	h=$(lab_host_dir "$name")
	if [ -n "$gw" ]; then
		out=$("$(lab_bin oe-ipseckey)" show --nssdb "$h/oe/nss" --name "$fqdn" \
			--gateway "$gw" --precedence "$prec" --ttl 300) || fail "oe-ipseckey show on $name"
	else
		out=$("$(lab_bin oe-ipseckey)" show --nssdb "$h/oe/nss" --name "$fqdn" \
			--precedence "$prec" --ttl 300) || fail "oe-ipseckey show on $name"
	fi
	grep -E '[[:space:]]IPSECKEY[[:space:]]' <<< "$out" | head -n1
	grep -qE '[[:space:]]IPSECKEY[[:space:]]' <<< "$out" || fail "oe-ipseckey show printed no IPSECKEY record: $out"
}

# dns_publish ZONE HOST LABEL ADDRS [GATEWAY]: LABEL's A/AAAA records
# (ADDRS comma-separated) and HOST's IPSECKEY, as made by oe-ipseckey,
# into the lab zone ZONE (oe.test, plain.test, broken.test, or a zone of
# the scenario's own that it signs itself).
dns_publish() {
	local zone=$1 name=$2 label=$3 addrs=$4 gw=${5:-} a
	{
		for a in ${addrs//,/ }; do
			case "$a" in
			*:*) echo "$label 300 IN AAAA $a" ;;
			*) echo "$label 300 IN A $a" ;;
			esac
		done
		dns_ipseckey_record "$name" "$label.$zone." "$gw"
	} | lab_zone_records "$zone"
}

# dns_iked_conf HOST ROLE [PRIVATE_CIDRS]: oe-iked's configuration.
# ROLE "initiator": conn private (peer authenticated by its IPSECKEY, we
# stay anonymous) for PRIVATE_CIDRS; "responder": we sign with our host
# key and accept anonymous initiators (conn oe-responder, auto=add).
# Both roles get both conns, so every host can play either side.
dns_iked_conf() {
	local name=$1 cidrs=${3:-} h c
	h=$(lab_host_dir "$name")
	mkdir -p "$h/oe/policies"
	: > "$h/oe/policies/private"
	for c in ${cidrs//,/ }; do echo "$c" >> "$h/oe/policies/private"; done
	cat > "$h/oe/iked.conf" <<EOF
config setup
    loglevel=debug
    trigger-socket=/run/oe/trigger.sock
    policies-dir=$h/oe/policies

# The DNS-triggered initiator side: destinations in policies/private
# must prove the key of their name's secure IPSECKEY; we are anonymous.
conn private
    left=%defaultroute
    leftid=%null
    leftauth=null
    right=%opportunisticgroup
    rightid=%any
    rightauth=rsasig
    rightrsasigkey=%dnsondemand
    type=transport
    negotiationshunt=hold
    failureshunt=drop
    auto=ondemand

# The responder side: we prove our host key (the one in our IPSECKEY),
# the initiator stays anonymous.
conn oe-responder
    left=%defaultroute
    leftauth=rsasig
    right=%any
    rightid=%null
    rightauth=null
    type=transport
    auto=add
EOF
}

# dns_iked_start HOST: oe-iked with the xfrm backend; waits for the
# trigger socket.
dns_iked_start() {
	local name=$1 h
	h=$(lab_host_dir "$name")
	lab_bg "$name" oe-iked "$(lab_bin oe-iked)" -f "$h/oe/iked.conf" \
		--nssdb "$h/oe/nss" --kernel xfrm --state-file "$h/state/oe-iked.json" \
		--log-level debug > "$h/oe-iked.pid"
	lab_wait 20 "oe-iked on $name ready" grep -q "oe-iked ready" "$h/log/oe-iked.log"
	lab_wait 5 "trigger socket on $name" lab_exec "$name" test -S /run/oe/trigger.sock
}

dns_iked_pid() { cat "$(lab_host_dir "$1")/oe-iked.pid"; }
dns_iked_state() { echo "$(lab_host_dir "$1")/state/oe-iked.json"; }
dns_iked_log() { echo "$(lab_host_dir "$1")/log/oe-iked.log"; }

# dns_iked_stop HOST: SIGTERM and wait for the exit.
dns_iked_stop() {
	local pid
	pid=$(dns_iked_pid "$1")
	kill -TERM "$pid" 2>/dev/null
	lab_poll 10 bash -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null
}

# Debian's Unbound 1.17.1 carries the discard-timeout backport (default
# 1900 ms): a reply to a client that asked longer ago than that is
# dropped.  A held answer must therefore be released before it: the
# scenarios keep deadline-ms at 1800 or below (the module's default is
# 1500), and time holds on names whose DNSSEC chain and IPSECKEY are
# already cached (dns_prewarm).
#
# dns_resolver_start HOST ADDR AUTHADDR [MODULE SETTINGS LINES...]: the
# lab Unbound with oe-unbound.so; the module's settings file gets the
# extra lines (e.g. "deadline-ms: 5000").
dns_resolver_start() {
	local name=$1 addr=$2 auth=$3 h l; shift 3
	h=$(lab_host_dir "$name")
	{
		echo "# oe-unbound.so settings for the lab"
		echo "socket: /run/oe/trigger.sock"
		for l in "$@"; do echo "$l"; done
	} > "$h/etc/unbound-module.conf"
	lab_resolver_start "$name" "$addr" "$auth" "$LAB_ANCHOR" "$(lab_bin oe-unbound.so)" \
		"$h/etc/unbound-module.conf"
}

# dns_sa_spi HOST SRC DST: the SPI (0x...) of the ESP SA SRC->DST.
dns_sa_spi() {
	ip -n "$1" xfrm state list src "$2" dst "$3" proto esp 2>/dev/null |
		awk '$1 == "proto" && $3 == "spi" { print $4; exit }'
}

# dns_count_sas HOST: ESP SAs in HOST's kernel.
dns_count_sas() {
	ip -n "$1" xfrm state 2>/dev/null | grep -c '^src '
}

# dns_state_sa_json HOST PEER: the state file's SA entry for PEER (jq).
dns_state_sa_json() {
	jq -c --arg p "$2" '[.ike_sas[] | select(.peer == $p)] | .[0] // empty' \
		"$(dns_iked_state "$1")" 2>/dev/null
}

# dns_oectl HOST COMMAND...: the `result` of `oectl --json COMMAND` on
# HOST (nothing, status 1, if the daemon answered an error).
dns_oectl() {
	local name=$1 out; shift
	out=$(lab_exec "$name" "$(lab_bin oectl)" --json "$@" 2>/dev/null) || return 1
	jq -ce '.result' <<< "$out"
}

# dns_trigger_stat HOST KEY: one counter of the daemon's trigger socket.
dns_trigger_stat() {
	dns_oectl "$1" triggers | jq -r ".stats.$2"
}

# dns_lookup HOST NAME TYPE: dig through HOST's resolver (127.0.0.1);
# sets DNS_OUT (dig's output), DNS_STATUS, DNS_MS (wall time, with dig's
# start-up, which the guest sometimes stalls) and DNS_QMS (dig's own
# "Query time": the resolver's part only; 99999 without an answer).
dns_lookup() {
	local t0
	t0=$(lab_now)
	DNS_OUT=$(lab_dig "$1" @127.0.0.1 "$2" "$3") || true
	DNS_MS=$(lab_ms_since "$t0")
	DNS_STATUS=$(lab_dig_status <<< "$DNS_OUT")
	DNS_QMS=$(sed -n 's/^;; Query time: \([0-9]*\) msec.*/\1/p' <<< "$DNS_OUT" | head -n1)
	DNS_QMS=${DNS_QMS:-99999}
}

# dns_corrupt_rrsig ZONE OWNER TYPE: spoil the RRSIG over OWNER's TYPE
# RRset in the signed lab zone (so exactly that RRset is bogus).
dns_corrupt_rrsig() {
	local f=$LAB_ZONES/$1.zone.signed
	awk -v OFS='\t' -v o="$2" -v t="$3" '$1 == o && $4 == "RRSIG" && $5 == t {
		c = substr($NF, 1, 1); $NF = (c == "A" ? "B" : "A") substr($NF, 2) } { print }' \
		"$f" > "$f.tmp" && mv "$f.tmp" "$f" || fail "cannot corrupt $2 $3 in $1"
	grep -q "^$2" "$f" || fail "no $2 in $f"
}

# dns_auth_restart HOST ADDR: NSD again, after zone files were changed.
dns_auth_restart() {
	local h pid
	h=$(lab_host_dir "$1")
	pid=$(cat "$h/nsd/nsd.pid" 2>/dev/null)
	[ -n "$pid" ] || fail "no NSD pid on $1"
	kill "$pid" 2>/dev/null
	lab_poll 5 bash -c "! kill -0 $pid 2>/dev/null" || fail "NSD on $1 did not stop"
	lab_auth_start "$1" "$2" "$LAB_ZONES" root test oe.test plain.test broken.test
}

# dns_udp_listen HOST ADDR PORT NAME: like lab_udp_listen, IPv4 or IPv6.
dns_udp_listen() {
	local name=$1 addr=$2 port=$3 file=$4 h spec
	h=$(lab_host_dir "$name")
	: > "$h/state/$file"
	spec="UDP4-RECV:$port,bind=$addr,reuseaddr"
	case "$addr" in *:*) spec="UDP6-RECV:$port,bind=[$addr],reuseaddr" ;; esac
	lab_bg "$name" "udp-$file" socat -u "$spec" "OPEN:$h/state/$file,append" > /dev/null
	lab_wait 5 "udp listener $addr:$port on $name" \
		lab_exec "$name" bash -c "ss -Hlun 'sport = :$port' | grep -q ."
}

# dns_two_hosts: the usual world without DNS yet: LAN with auth
# ($AUTH), west ($WEST,$W6) and east ($EAST,$E6), host keys on both.
dns_two_hosts() {
	AUTH=198.51.100.53 WEST=198.51.100.1 EAST=198.51.100.2
	W6=2001:db8::1 E6=2001:db8::2
	lab_lan lan
	lab_host auth; lab_attach auth a0 "$AUTH/24" lan
	lab_host west; lab_attach west w0 "$WEST/24,$W6/64" lan
	lab_host east; lab_attach east e0 "$EAST/24,$E6/64" lan
	dns_hostkey east
	dns_hostkey west
}

# dns_daemons [MODULE SETTINGS...]: east responds, west's private group
# holds east's addresses; west's resolver with the module.
dns_daemons() {
	dns_iked_conf east responder
	dns_iked_conf west initiator "$EAST/32,$E6/128"
	dns_iked_start east
	dns_iked_start west
	dns_resolver_start west "$WEST" "$AUTH" "$@"
}

# dns_no_trigger_for HOST NAME: the daemon got no request for NAME.
dns_no_trigger_for() {
	! grep -q "trigger $2 " "$(dns_iked_log "$1")"
}

# dns_prewarm HOST NAME...: cache NAME's IPSECKEY (and with it the
# DNSSEC chain) so a later A lookup only costs the A query and the hold.
dns_prewarm() {
	local name=$1 n; shift
	for n in "$@"; do
		lab_dig "$name" @127.0.0.1 "$n" IPSECKEY > /dev/null || fail "prewarming $n IPSECKEY"
	done
}

# dns_resolver_option HOST ADDR LINE: add LINE to HOST's unbound.conf
# server: section and restart that Unbound (e.g. "discard-timeout: 0",
# so a hold longer than Debian's 1900 ms default is not dropped).
dns_resolver_option() {
	local name=$1 addr=$2 line=$3 h pid
	h=$(lab_host_dir "$name")
	pid=$(cat "$h/unbound/unbound.pid" 2>/dev/null)
	[ -n "$pid" ] || fail "no unbound pid on $name"
	kill "$pid"
	lab_poll 10 bash -c "! kill -0 $pid 2>/dev/null" || fail "unbound on $name did not stop"
	sed -i "/^server:/a\\  $line" "$h/etc/unbound.conf"
	expect "unbound.conf for $name is valid" \
		"$OE_LAB_UNBOUND/sbin/unbound-checkconf" "$h/etc/unbound.conf"
	lab_bg "$name" unbound env OE_UNBOUND_MODULE_CONF="$h/etc/unbound-module.conf" \
		"$OE_LAB_UNBOUND/sbin/unbound" -d -c "$h/etc/unbound.conf" > /dev/null
	lab_wait 15 "Unbound answering on $addr" \
		lab_exec "$name" dig +tries=1 +time=1 @"$addr" . SOA
}
