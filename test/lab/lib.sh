# Shell library for lab scenarios.  Sourced by every scenario script,
# which runs inside the user-mode Linux guest in its own PID and mount
# namespace (see guest-init), so everything it starts dies with it.
#
# A host is a network namespace plus a mount namespace held open by a
# sleeping process, with a private /run and a folder of its own under
# $LAB_TMP/hosts/NAME for configuration, state and logs.
#
# Addresses: only 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32 and
# 100.64.0.0/10 are used inside the guest.

set -u
set -o pipefail

: "${OE_LAB_REPO:?}" "${OE_LAB_BUILD:?}" "${OE_LAB_UNBOUND:?}" "${LAB_RES:?}" "${LAB_SCENARIO:?}"
LAB_TMP=${LAB_TMP:-/tmp/lab-$LAB_SCENARIO}
LAB_HOSTS=$LAB_TMP/hosts
mkdir -p "$LAB_HOSTS"

# ---------------------------------------------------------------------
# Verdicts.  A scenario ends with exactly one of pass/fail/skip.

lab_now() { printf '%s' "$EPOCHREALTIME"; }

# Milliseconds since a lab_now timestamp.
lab_ms_since() {
	local t0=$1 t1=$EPOCHREALTIME
	echo $(( (${t1/./} - ${t0/./}) / 1000 ))
}

pass() {
	echo "PASS $LAB_SCENARIO: $*" > "$LAB_RES/verdict"
	exit 0
}

fail() {
	echo "FAIL $LAB_SCENARIO: $*" > "$LAB_RES/verdict"
	echo "FAIL: $*" >&2
	lab_dump_all
	exit 1
}

# Run a command; on failure end the scenario with the description.
expect() {
	local what=$1; shift
	"$@" >> "$LAB_RES/commands.log" 2>&1 || fail "$what (command: $*)"
}

lab_log() { echo "[$(printf '%.3f' "$EPOCHREALTIME")] $*" >&2; }

# lab_wait SECONDS DESCRIPTION CMD...: poll CMD every 50 ms until it
# succeeds; fail the scenario with DESCRIPTION when the deadline passes.
lab_wait() {
	local secs=$1 what=$2; shift 2
	local deadline=$(( ${EPOCHREALTIME/./} + secs * 1000000 ))
	until "$@" >/dev/null 2>&1; do
		if (( ${EPOCHREALTIME/./} > deadline )); then
			fail "timed out after ${secs}s waiting for: $what"
		fi
		sleep 0.05
	done
}

# lab_poll SECONDS CMD...: like lab_wait but returns 1 instead of failing.
lab_poll() {
	local secs=$1; shift
	local deadline=$(( ${EPOCHREALTIME/./} + secs * 1000000 ))
	until "$@" >/dev/null 2>&1; do
		(( ${EPOCHREALTIME/./} > deadline )) && return 1
		sleep 0.05
	done
	return 0
}

# ---------------------------------------------------------------------
# Hosts.

lab_host_dir() { echo "$LAB_HOSTS/$1"; }

lab_host() {
	local name=$1 h
	h=$(lab_host_dir "$name")
	mkdir -p "$h/run" "$h/log" "$h/etc" "$h/state"
	ip netns add "$name" || fail "cannot create netns $name"
	ip -n "$name" link set lo up
	ip netns exec "$name" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 net.core.xfrm_larval_drop=1 2>/dev/null
	# The holder: a private /run, then sleep.  ip netns exec and
	# unshare exec in place, so $! is the holder itself.
	ip netns exec "$name" unshare --mount --propagation private \
		bash -c 'mount -t tmpfs -o mode=755 run /run && mkdir -p /run/oe && touch "$1/ready" && exec sleep infinity' \
		holder "$h" &
	echo $! > "$h/holder.pid"
	lab_poll 30 test -e "$h/ready" || fail "host $name did not come up within 30 s"
}

lab_holder() { cat "$(lab_host_dir "$1")/holder.pid"; }

# lab_exec HOST CMD...: run CMD inside HOST.
lab_exec() {
	local name=$1; shift
	nsenter -t "$(lab_holder "$name")" -m -n -- "$@"
}

# lab_bg HOST LOGNAME CMD...: start CMD inside HOST in the background,
# output to the host's log/LOGNAME.log; prints the PID, which is the
# command itself (nsenter execs it).
lab_bg() {
	local name=$1 logname=$2 h; shift 2
	h=$(lab_host_dir "$name")
	nsenter -t "$(lab_holder "$name")" -m -n -- "$@" \
		> "$h/log/$logname.log" 2>&1 < /dev/null &
	echo $! >> "$h/pids"
	echo $!
}

# lab_link A IFA ADDR_A B IFB ADDR_B: a veth pair between two hosts.
# Addresses are CIDRs; either may be a comma-separated list (v4,v6).
lab_link() {
	local a=$1 ifa=$2 addra=$3 b=$4 ifb=$5 addrb=$6 x
	ip link add "$ifa" netns "$a" type veth peer name "$ifb" netns "$b" \
		|| fail "cannot link $a and $b"
	for x in ${addra//,/ }; do ip -n "$a" addr add "$x" dev "$ifa" nodad 2>/dev/null || ip -n "$a" addr add "$x" dev "$ifa"; done
	for x in ${addrb//,/ }; do ip -n "$b" addr add "$x" dev "$ifb" nodad 2>/dev/null || ip -n "$b" addr add "$x" dev "$ifb"; done
	ip -n "$a" link set "$ifa" up
	ip -n "$b" link set "$ifb" up
}

# lab_lan NAME: a switch (a bridge in a namespace of its own) that
# lab_attach plugs hosts into.
lab_lan() {
	ip netns add "$1" || fail "cannot create lan $1"
	ip -n "$1" link add br0 type bridge || fail "cannot create bridge in $1"
	ip -n "$1" link set br0 up
}

# lab_attach HOST IFACE ADDRS LAN: plug HOST into LAN; ADDRS as lab_link.
lab_attach() {
	local name=$1 ifc=$2 addrs=$3 lan=$4 port x
	port=p-$name-$ifc
	port=${port:0:15}
	ip link add "$ifc" netns "$name" type veth peer name "$port" netns "$lan" \
		|| fail "cannot attach $name to $lan"
	ip -n "$lan" link set "$port" master br0 up
	for x in ${addrs//,/ }; do ip -n "$name" addr add "$x" dev "$ifc" nodad 2>/dev/null || ip -n "$name" addr add "$x" dev "$ifc"; done
	ip -n "$name" link set "$ifc" up
}

# lab_router NAME: a host that forwards between its links.
lab_router() {
	lab_host "$1"
	ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# lab_route HOST DEST VIA
lab_route() { ip -n "$1" route add "$2" via "$3" || fail "route $2 via $3 on $1"; }

# ---------------------------------------------------------------------
# State dumps, for failing scenarios.

lab_dump_host() {
	local name=$1 d
	d="$LAB_RES/hosts/$name"
	mkdir -p "$d"
	ip -n "$name" -s xfrm state > "$d/xfrm-state.txt" 2>&1
	ip -n "$name" -s xfrm policy > "$d/xfrm-policy.txt" 2>&1
	ip -n "$name" addr > "$d/addr.txt" 2>&1
	ip -n "$name" route > "$d/route.txt" 2>&1
	ip -n "$name" -6 route >> "$d/route.txt" 2>&1
	ip -n "$name" -s link > "$d/link.txt" 2>&1
	cp -r "$(lab_host_dir "$name")/log" "$d/" 2>/dev/null
	cp -r "$(lab_host_dir "$name")/etc" "$d/" 2>/dev/null
}

lab_dump_all() {
	local h
	for h in "$LAB_HOSTS"/*; do
		[ -d "$h" ] && lab_dump_host "$(basename "$h")"
	done
}

# ---------------------------------------------------------------------
# Packets.

# lab_capture HOST IFACE NAME FILTER: tcpdump of outgoing packets (on the
# sender: the receiver also sees the decrypted inner packet).  Returns
# once tcpdump is listening.
lab_capture() {
	local name=$1 ifc=$2 cap=$3 filter=$4 h
	h=$(lab_host_dir "$name")
	nsenter -t "$(lab_holder "$name")" -m -n -- \
		tcpdump -i "$ifc" -Q out -nn -l -U "$filter" \
		> "$h/log/$cap.pcap.txt" 2> "$h/log/$cap.tcpdump.err" < /dev/null &
	echo $! >> "$h/pids"
	lab_wait 10 "tcpdump on $name/$ifc listening" grep -q "listening on" "$h/log/$cap.tcpdump.err"
}

lab_capture_file() { echo "$(lab_host_dir "$1")/log/$2.pcap.txt"; }

# lab_udp_send HOST DST PORT PAYLOAD
lab_udp_send() {
	lab_exec "$1" bash -c 'printf %s "$3" > "/dev/udp/$1/$2"' send "$2" "$3" "$4"
}

# lab_udp_listen HOST ADDR PORT NAME: receive datagrams into a file.
lab_udp_listen() {
	local name=$1 addr=$2 port=$3 file=$4 h
	h=$(lab_host_dir "$name")
	: > "$h/state/$file"
	lab_bg "$name" "udp-$file" socat -u "UDP-RECV:$port,bind=$addr,reuseaddr" \
		"OPEN:$h/state/$file,append" > /dev/null
	lab_wait 5 "udp listener $addr:$port on $name" \
		lab_exec "$name" bash -c "ss -Hlun 'sport = :$port' | grep -q ."
}

lab_udp_file() { echo "$(lab_host_dir "$1")/state/$2"; }

# lab_sa_packets HOST SRC DST SPI: the packet counter of one SA.
lab_sa_packets() {
	ip -n "$1" -s xfrm state get src "$2" dst "$3" proto esp spi "$4" 2>/dev/null |
		awk '/lifetime current:/ { getline; sub(/\(packets\).*/, ""); sub(/.*, /, ""); print; exit }'
}

# ---------------------------------------------------------------------
# DNS: zones signed at test time, NSD as the authoritative server, the
# lab-built Unbound as the validating resolver.

# lab_zone_sign DIR ZONE: sign DIR/ZONE.zone, NSEC, writing
# DIR/ZONE.zone.signed and DIR/ZONE.ds (the KSK's DS, for the parent or a
# trust anchor).  A host zone whose hosts published keys with
# lab_publish_key (DIR/keys/ZONE/*.pub) is signed by the project's own
# `oe-ipseckey zone`, which also writes their IPSECKEY records; other
# zones (the root, test.) by ldns-signzone with a fresh KSK and ZSK
# (ECDSAP256SHA256).  ZONE "root" is ".".
lab_zone_sign() {
	local dir=$1 zone=$2 origin=$2. ksk zsk
	[ "$zone" = root ] && origin=.
	if ls "$dir/keys/$zone/"*.pub > /dev/null 2>&1; then
		"$(lab_bin oe-ipseckey)" -q zone "$dir/$zone.zone" --origin "$origin" \
			--keys "$dir/keys/$zone" -o "$dir/$zone.zone.signed" --valid 30d \
			> "$dir/$zone.ds" 2>> "$LAB_RES/commands.log" || fail "oe-ipseckey zone $zone"
		grep -q DS "$dir/$zone.ds" || fail "oe-ipseckey zone $zone printed no DS"
		return 0
	fi
	(
		cd "$dir" || exit 1
		ksk=$(ldns-keygen -k -a ECDSAP256SHA256 "$origin") || exit 1
		zsk=$(ldns-keygen -a ECDSAP256SHA256 "$origin") || exit 1
		ldns-signzone -o "$origin" -f "$zone.zone.signed" \
			-e "$(date -u -d '+30 days' +%Y%m%d%H%M%S)" \
			-i "$(date -u -d '-1 hour' +%Y%m%d%H%M%S)" \
			"$zone.zone" "$ksk" "$zsk" || exit 1
		cp "$ksk.ds" "$zone.ds"
		rm -f "$ksk".* "$zsk".*
	) >> "$LAB_RES/commands.log" 2>&1 || fail "signing zone $zone"
}

# lab_host_key HOST KEYOPTS...: the host's NSS database ($h/nss) and its
# host key, made by oe-ipseckey (e.g. --rsa 3072, --ecdsa p256).
lab_host_key() {
	local name=$1 db; shift
	db=$(lab_host_dir "$name")/nss
	expect "oe-ipseckey init on $name" "$(lab_bin oe-ipseckey)" -q init --nssdb "$db"
	expect "oe-ipseckey newkey on $name" "$(lab_bin oe-ipseckey)" -q newkey --nssdb "$db" "$@"
}

# lab_publish_key HOST ZONE LABEL [GATEWAY]: export HOST's public key for
# the owner name LABEL.ZONE, to be signed into ZONE by lab_dns_world.
lab_publish_key() {
	local name=$1 zone=$2 label=$3 gw=${4:-} d
	d=$LAB_ZONES/keys/$zone
	mkdir -p "$d"
	expect "oe-ipseckey export-pub on $name" "$(lab_bin oe-ipseckey)" -q export-pub \
		--nssdb "$(lab_host_dir "$name")/nss" -o "$d/$label.pub" ${gw:+--gateway "$gw"}
}

# lab_key_record HOST FQDN [GATEWAY]: HOST's IPSECKEY record as zone text
# (for zones lab_dns_world does not sign, like plain.test).
lab_key_record() {
	"$(lab_bin oe-ipseckey)" -q show --nssdb "$(lab_host_dir "$1")/nss" \
		--name "$2" ${3:+--gateway "$3"} --ttl 300 | grep -v '^;'
}

# lab_auth_start HOST ADDR ZONEDIR ZONE...: NSD on ADDR:53 serving
# ZONEDIR/<zone>.zone.signed (or .zone if unsigned) for each ZONE ("."
# for the root is written "root").
lab_auth_start() {
	local name=$1 addr=$2 zdir=$3 h z f origin; shift 3
	h=$(lab_host_dir "$name")
	mkdir -p "$h/nsd"
	{
		echo "server:"
		echo "  ip-address: $addr"
		echo "  port: 53"
		echo "  username: \"\""
		echo "  chroot: \"\""
		echo "  zonesdir: \"$zdir\""
		echo "  database: \"\""
		echo "  zonelistfile: \"$h/nsd/zone.list\""
		echo "  xfrdfile: \"$h/nsd/xfrd.state\""
		echo "  xfrdir: \"$h/nsd\""
		echo "  pidfile: \"$h/nsd/nsd.pid\""
		echo "  server-count: 1"
		echo "  verbosity: 1"
		echo "  hide-version: yes"
		echo "remote-control:"
		echo "  control-enable: no"
		for z in "$@"; do
			f=$z.zone
			[ -e "$zdir/$z.zone.signed" ] && f=$z.zone.signed
			origin=$z.; [ "$z" = root ] && origin=.
			echo "zone:"
			echo "  name: \"$origin\""
			echo "  zonefile: \"$f\""
		done
	} > "$h/etc/nsd.conf"
	expect "nsd.conf for $name is valid" nsd-checkconf "$h/etc/nsd.conf"
	lab_bg "$name" nsd nsd -d -c "$h/etc/nsd.conf" > /dev/null
	lab_wait 15 "NSD answering on $addr" \
		lab_exec "$name" dig +norec +tries=1 +time=1 @"$addr" "$(z=$1; [ "$z" = root ] && echo . || echo "$z.")" SOA
}

# lab_rsa_pubkey BITS: a fresh RSA public key in RFC 3110 form (base64):
# that is exactly a DNSKEY's key field, so ldns-keygen makes one.
lab_rsa_pubkey() {
	local d=$LAB_TMP/rsakeys k
	mkdir -p "$d"
	k=$(cd "$d" && ldns-keygen -a RSASHA256 -b "$1" rsa.example.) || fail "cannot make an RSA key"
	awk '{ k = ""; for (i = 7; i <= NF; i++) { if ($i == ";") break; k = k $i }; print k }' "$d/$k.key"
	rm -f "$d/$k".*
}

LAB_ZONES=$LAB_TMP/zones
LAB_ANCHOR=$LAB_TMP/root-anchor.ds

# lab_zone_records ZONE < records: host records for one of the lab zones
# (oe.test and broken.test are signed, plain.test is not), relative names.
lab_zone_records() {
	mkdir -p "$LAB_ZONES"
	cat >> "$LAB_ZONES/$1.records"
}

# lab_dns_world AUTHHOST AUTHADDR: the lab's DNS tree, signed at test time
# and served by NSD on AUTHADDR:
#   .  (signed; its KSK's DS is the trust anchor, $LAB_ANCHOR)
#   test.  (signed) delegating
#     oe.test.      signed, DS in test.      -> secure
#     plain.test.   unsigned, no DS          -> insecure
#     broken.test.  signed, DS in test., but the signatures over its A and
#                   IPSECKEY RRsets are corrupted -> bogus
lab_dns_world() {
	local name=$1 addr=$2 Z=$LAB_ZONES zone
	mkdir -p "$Z"
	soa() { echo "@ 300 IN SOA ns.nic.test. hostmaster.nic.test. 1 3600 600 86400 300"; }
	for zone in oe.test plain.test broken.test; do
		{
			echo "\$ORIGIN $zone."; soa
			echo "@ 300 IN NS ns.nic.test."
			cat "$Z/$zone.records" 2>/dev/null
		} > "$Z/$zone.zone"
	done
	lab_zone_sign "$Z" oe.test
	lab_zone_sign "$Z" broken.test
	awk -v OFS='\t' '$4 == "RRSIG" && ($5 == "A" || $5 == "AAAA" || $5 == "IPSECKEY") {
		c = substr($NF, 1, 1); $NF = (c == "A" ? "B" : "A") substr($NF, 2) } { print }' \
		"$Z/broken.test.zone.signed" > "$Z/broken.tmp" && mv "$Z/broken.tmp" "$Z/broken.test.zone.signed"
	{
		echo "\$ORIGIN test."; soa
		echo "@ 300 IN NS ns.nic.test."
		echo "ns.nic 300 IN A $addr"
		for zone in oe plain broken; do echo "$zone 300 IN NS ns.nic.test."; done
		cat "$Z/oe.test.ds" "$Z/broken.test.ds"
	} > "$Z/test.zone"
	lab_zone_sign "$Z" test
	{
		echo "\$ORIGIN ."; soa
		echo "@ 300 IN NS ns.nic.test."
		echo "test. 300 IN NS ns.nic.test."
		echo "ns.nic.test. 300 IN A $addr"
		cat "$Z/test.ds"
	} > "$Z/root.zone"
	lab_zone_sign "$Z" root
	cp "$Z/root.ds" "$LAB_ANCHOR"
	lab_auth_start "$name" "$addr" "$Z" root test oe.test plain.test broken.test
}

# lab_resolver_start HOST ADDR ROOT_SERVER TRUST_ANCHOR_FILE [MODULE_SO
# [MODULE_SETTINGS]]: the lab-built Unbound, validating, with a root stub
# pointing at the lab's authoritative server (never the real root).  With
# MODULE_SO it runs "dynlib validator iterator", the module reading its
# settings from MODULE_SETTINGS (default: the host's etc/unbound-module.conf,
# written empty if absent, so the module runs on its defaults).
lab_resolver_start() {
	local name=$1 addr=$2 root=$3 ta=$4 module=${5:-} modconf=${6:-} h modcfg
	h=$(lab_host_dir "$name")
	mkdir -p "$h/unbound"
	modcfg='"validator iterator"'
	[ -n "$module" ] && modcfg='"dynlib validator iterator"'
	{
		echo "server:"
		echo "  interface: $addr"
		echo "  interface: 127.0.0.1"
		echo "  port: 53"
		echo "  access-control: 0.0.0.0/0 allow"
		echo "  access-control: ::/0 allow"
		echo "  username: \"\""
		echo "  chroot: \"\""
		echo "  directory: \"$h/unbound\""
		echo "  pidfile: \"$h/unbound/unbound.pid\""
		echo "  do-daemonize: no"
		echo "  use-syslog: no"
		echo "  logfile: \"\""
		echo "  log-time-ascii: yes"
		echo "  verbosity: 1"
		echo "  val-log-level: 2"
		echo "  num-threads: 1"
		echo "  do-not-query-localhost: no"
		echo "  do-ip6: yes"
		echo "  local-zone: \"test.\" nodefault"
		echo "  trust-anchor-file: \"$ta\""
		echo "  module-config: $modcfg"
		echo "stub-zone:"
		echo "  name: \".\""
		echo "  stub-addr: $root"
		if [ -n "$module" ]; then
			echo "dynlib:"
			echo "  dynlib-file: \"$module\""
		fi
		echo "remote-control:"
		echo "  control-enable: no"
	} > "$h/etc/unbound.conf"
	expect "unbound.conf for $name is valid" \
		"$OE_LAB_UNBOUND/sbin/unbound-checkconf" "$h/etc/unbound.conf"
	if [ -n "$module" ] && [ -z "$modconf" ]; then
		modconf=$h/etc/unbound-module.conf
		[ -e "$modconf" ] || echo "# oe-unbound.so settings: defaults" > "$modconf"
	fi
	lab_bg "$name" unbound env OE_UNBOUND_MODULE_CONF="$modconf" \
		"$OE_LAB_UNBOUND/sbin/unbound" -d -c "$h/etc/unbound.conf" > /dev/null
	lab_wait 15 "Unbound answering on $addr" \
		lab_exec "$name" dig +tries=1 +time=1 @"$addr" . SOA
}

# lab_dig HOST ARGS...: dig with short timeouts, full output.
lab_dig() {
	local name=$1; shift
	lab_exec "$name" dig +tries=1 +time=3 "$@"
}

# Flags and rcode of a dig answer.
lab_dig_flags() { sed -n 's/^;; flags: \([^;]*\);.*/\1/p' | head -n1; }
lab_dig_status() { sed -n 's/.*status: \([A-Z]*\),.*/\1/p' | head -n1; }

# ---------------------------------------------------------------------
# Project binaries, from the build tree.

lab_bin() {
	case "$1" in
	oe-unbound.so) echo "$OE_LAB_BUILD/unbound-module/.libs/oe-unbound.so" ;;
	oe-iked) echo "$OE_LAB_BUILD/iked/oe-iked" ;;
	oectl) echo "$OE_LAB_BUILD/iked/oectl" ;;
	oe-ipseckey) echo "$OE_LAB_BUILD/dnssec/oe-ipseckey" ;;
	*) echo "$OE_LAB_BUILD/$1" ;;
	esac
}
