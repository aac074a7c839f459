# Helpers for the interop scenarios: oe-iked against libreswan's pluto
# and strongSwan's charon on lab hosts.  Sourced after lib.sh.
#
# Each daemon keeps its files under the host's folder ($h = lab_host_dir):
#   $h/oe/      oe-iked: nss/ (NSS database), iked.conf, pub.0s
#   $h/pluto/   pluto: nss/, ipsec.d/, ipsec.conf, ipsec.secrets, pub.0s
#   $h/swanctl/ charon: swanctl.conf, private/, pubkey/ (SWANCTL_DIR)
# Public keys are exchanged in two forms: pub.0s (RFC 3110 with libreswan's
# "0s" prefix: what rightrsasigkey= takes in oe-iked and pluto) and
# pub.pem (SubjectPublicKeyInfo: what swanctl's pubkeys= takes).
#
# Paths compiled into the peers: pluto takes --nssdir/--ipsecdir/
# --secretsfile and uses /run/pluto (a fresh tmpfs per host); charon's
# libraries and plugins are found only under /usr/lib/ipsec, so that
# directory is made inside the host's mount namespace (see
# peers_charon_mounts) from the unpacked debs in $PEERS_SS.

PEERS_SS=${OE_LAB_STRONGSWAN:-$OE_LAB_REPO/.build/peers/strongswan}
PEERS_LIBRESWAN=/usr/libexec/ipsec
PEERS_PORT=5000

# ---------------------------------------------------------------------
# Key conversion.  RFC 3110 key field: exponent length (one byte, or a
# zero byte and two bytes), exponent, modulus.

# peers_0s_to_pem 0sKEY OUT.pem
peers_0s_to_pem() {
	local key=${1#0s} out=$2 hex elen e n cfg
	hex=$(printf '%s' "$key" | base64 -d 2>/dev/null | xxd -p | tr -d '\n')
	[ -n "$hex" ] || fail "RSA key is not base64: ${key:0:20}..."
	elen=$((16#${hex:0:2}))
	hex=${hex:2}
	if [ "$elen" -eq 0 ]; then
		elen=$((16#${hex:0:4}))
		hex=${hex:4}
	fi
	e=${hex:0:elen*2}
	n=${hex:elen*2}
	[ "$elen" -ge 1 ] && [ "${#n}" -ge 256 ] || fail "RSA key too short: ${key:0:20}..."
	cfg=$out.asn1
	cat > "$cfg" <<-EOF
	asn1=SEQUENCE:spki
	[spki]
	alg=SEQUENCE:rsaalg
	key=BITWRAP,SEQUENCE:rsakey
	[rsaalg]
	oid=OID:rsaEncryption
	param=NULL
	[rsakey]
	n=INTEGER:0x$n
	e=INTEGER:0x$e
	EOF
	expect "DER of an RSA public key" openssl asn1parse -genconf "$cfg" -noout -out "$out.der"
	expect "PEM of an RSA public key" openssl pkey -pubin -inform DER -in "$out.der" -out "$out"
	rm -f "$cfg" "$out.der"
}

# peers_pem_to_0s IN.pem: print the key as 0s + base64(RFC 3110).
peers_pem_to_0s() {
	local in=$1 n e
	n=$(openssl rsa -pubin -in "$in" -noout -modulus 2>/dev/null | sed -n 's/^Modulus=//p')
	e=$(openssl rsa -pubin -in "$in" -noout -text 2>/dev/null | sed -n 's/^Exponent: \([0-9]*\).*/\1/p')
	[ -n "$n" ] || fail "no RSA modulus in $in"
	[ "$e" = 65537 ] || fail "RSA exponent of $in is '$e', only 65537 handled here"
	printf '0s%s' "$(printf '%s' "03010001$n" | xxd -r -p | base64 -w0)"
}

# ---------------------------------------------------------------------
# oe-iked.

# peers_oe_key HOST: an NSS database with an RSA-3072 host key made by
# oe-ipseckey; writes $h/oe/pub.0s and $h/oe/pub.pem.
peers_oe_key() {
	local name=$1 h ipk k
	h=$(lab_host_dir "$name")
	ipk=$(lab_bin oe-ipseckey)
	mkdir -p "$h/oe/nss"
	expect "oe-ipseckey init on $name" "$ipk" init --nssdb "sql:$h/oe/nss"
	expect "oe-ipseckey newkey on $name" "$ipk" newkey --rsa 3072 --nssdb "sql:$h/oe/nss"
	k=$("$ipk" show --libreswan --nssdb "sql:$h/oe/nss" 2>> "$LAB_RES/commands.log" |
		grep -o -E '0s[A-Za-z0-9+/=]+' | head -n1)
	[ -n "$k" ] || fail "oe-ipseckey show --libreswan printed no key on $name"
	printf '%s\n' "$k" > "$h/oe/pub.0s"
	peers_0s_to_pem "$k" "$h/oe/pub.pem"
}

# peers_oe_start HOST CONF [NSSDB]: oe-iked with the xfrm backend and a
# state file ($h/state/oe-iked.json); NSSDB defaults to $h/oe/nss when it
# exists, else none.  Prints the PID.
peers_oe_start() {
	local name=$1 conf=$2 nss=${3:-} h
	h=$(lab_host_dir "$name")
	if [ -z "$nss" ]; then
		nss=none
		[ -d "$h/oe/nss" ] && nss=sql:$h/oe/nss
	fi
	lab_bg "$name" oe-iked "$(lab_bin oe-iked)" -f "$conf" --nssdb "$nss" \
		--kernel xfrm --state-file "$h/state/oe-iked.json" --log-level debug
}

peers_oe_state() { echo "$(lab_host_dir "$1")/state/oe-iked.json"; }

# peers_oe_established HOST PEER: true when oe-iked's state file shows an
# established IKE SA with PEER whose Child SA is installed.
peers_oe_established() {
	jq -e --arg p "$2" '[.ike_sas[]? | select(.peer == $p and .state == "ESTABLISHED"
		and .child.installed == true)] | length >= 1' "$(peers_oe_state "$1")" > /dev/null 2>&1
}

# peers_oe_child HOST PEER FIELD: one field of that SA's Child SA.
peers_oe_child() {
	jq -r --arg p "$2" "[.ike_sas[]? | select(.peer == \$p and .state == \"ESTABLISHED\")][0].child.$3" \
		"$(peers_oe_state "$1")" 2>/dev/null
}

peers_oe_ike() {
	jq -r --arg p "$2" "[.ike_sas[]? | select(.peer == \$p and .state == \"ESTABLISHED\")][0].$3" \
		"$(peers_oe_state "$1")" 2>/dev/null
}

# ---------------------------------------------------------------------
# libreswan (pluto 4.10).

# peers_pluto_init HOST: pluto's NSS database and folders.
peers_pluto_init() {
	local name=$1 h
	h=$(lab_host_dir "$name")
	mkdir -p "$h/pluto/nss" "$h/pluto/ipsec.d"
	: > "$h/pluto/ipsec.secrets"
	expect "ipsec initnss on $name" ipsec initnss --nssdir "$h/pluto/nss"
}

# peers_pluto_key HOST: an RSA-3072 key made by libreswan's newhostkey;
# writes $h/pluto/pub.0s (the leftrsasigkey= value).
peers_pluto_key() {
	local name=$1 h ckaid k
	h=$(lab_host_dir "$name")
	expect "ipsec newhostkey on $name" ipsec newhostkey --nssdir "$h/pluto/nss" \
		--keytype rsa --bits 3072
	ckaid=$(ipsec showhostkey --nssdir "$h/pluto/nss" --list 2>> "$LAB_RES/commands.log" |
		sed -n 's/.*ckaid: \([0-9a-f]*\).*/\1/p' | head -n1)
	[ -n "$ckaid" ] || fail "no key listed in pluto's NSS database on $name"
	k=$(ipsec showhostkey --nssdir "$h/pluto/nss" --left --ckaid "$ckaid" 2>> "$LAB_RES/commands.log" |
		grep -o -E '0s[A-Za-z0-9+/=]+' | head -n1)
	[ -n "$k" ] || fail "ipsec showhostkey printed no key on $name"
	printf '%s\n' "$k" > "$h/pluto/pub.0s"
}

# peers_pluto_start HOST CONF: pluto in the foreground, logging to
# log/pluto.log, its control socket /run/pluto/pluto.ctl in the host.
peers_pluto_start() {
	local name=$1 conf=$2 h
	h=$(lab_host_dir "$name")
	lab_exec "$name" mkdir -p /run/pluto
	lab_bg "$name" pluto "$PEERS_LIBRESWAN/pluto" --nofork --stderrlog \
		--config "$conf" --nssdir "$h/pluto/nss" --ipsecdir "$h/pluto/ipsec.d" \
		--secretsfile "$h/pluto/ipsec.secrets" --rundir /run/pluto --nhelpers 1 > /dev/null
	lab_wait 20 "pluto's control socket on $name" lab_exec "$name" test -S /run/pluto/pluto.ctl
}

peers_whack() {
	local name=$1; shift
	lab_exec "$name" "$PEERS_LIBRESWAN/whack" --ctlsocket /run/pluto/pluto.ctl "$@"
}

# peers_pluto_add HOST CONF CONN: load one conn from CONF into pluto.
peers_pluto_add() {
	expect "pluto on $1 loads conn $3" lab_exec "$1" "$PEERS_LIBRESWAN/addconn" \
		--config "$2" --ctlsocket /run/pluto/pluto.ctl "$3"
}

peers_pluto_initiate() {
	expect "pluto on $1 starts initiating $2" peers_whack "$1" --name "$2" --initiate --asynchronous
}

# peers_pluto_established HOST CONN: pluto has an established IKE SA and
# an established Child SA of CONN, and --trafficstatus lists it.
peers_pluto_established() {
	local st
	st=$(peers_whack "$1" --showstates 2>/dev/null) || return 1
	grep -q "\"$2\".*ESTABLISHED_IKE_SA" <<< "$st" &&
		grep -q "\"$2\".*ESTABLISHED_CHILD_SA" <<< "$st" &&
		peers_whack "$1" --trafficstatus 2>/dev/null | grep -q "\"$2\".*type=ESP"
}

# ---------------------------------------------------------------------
# strongSwan (charon 5.9.8, swanctl).

# peers_charon_mounts HOST: /usr/lib/ipsec inside HOST's mount namespace,
# from the unpacked debs.  The host's root is read-only and lacks that
# directory, so /usr/lib is replaced (in this host only) by a folder of
# symlinks to the real one plus an ipsec/ mount point.  One command does
# the switch: programs exec'ed in between would not find their libraries.
peers_charon_mounts() {
	local name=$1
	[ -x "$PEERS_SS/usr/lib/ipsec/charon" ] ||
		fail "strongSwan not unpacked in $PEERS_SS (run test/lab/peers/fetch-strongswan.sh on the host)"
	expect "/usr/lib/ipsec for strongSwan on $name" lab_exec "$name" bash -c '
		set -e
		mkdir -p /run/peers/usrlib /run/peers/farm
		mount --bind /usr/lib /run/peers/usrlib
		ln -s /run/peers/usrlib/* /run/peers/farm/
		mkdir /run/peers/farm/ipsec
		mount --bind /run/peers/farm /usr/lib
		mount --bind "$1/usr/lib/ipsec" /usr/lib/ipsec
		test -x /usr/lib/ipsec/charon' mounts "$PEERS_SS"
}

# peers_charon_init HOST: folders, mounts and strongswan.conf.
peers_charon_init() {
	local name=$1 h
	h=$(lab_host_dir "$name")
	mkdir -p "$h/swanctl/private" "$h/swanctl/pubkey" "$h/swanctl/x509" \
		"$h/swanctl/x509ca" "$h/swanctl/rsa"
	peers_charon_mounts "$name"
	cat > "$h/etc/strongswan.conf" <<-EOF
	# charon for the lab: only the plugins the interop scenarios need,
	# no routes, log to stderr (log/charon.log).
	charon {
	    load_modular = no
	    load = random nonce openssl pem pkcs1 pkcs8 pubkey x509 kdf sha2 hmac gcm aes kernel-netlink socket-default vici
	    install_routes = no
	    install_virtual_ip = no
	    retransmit_tries = 4
	    retransmit_timeout = 2.0
	    filelog {
	        stderr {
	            default = 1
	            ike = 2
	            cfg = 2
	            knl = 2
	            time_format = %T
	        }
	    }
	    plugins {
	        vici {
	            socket = unix:///run/charon.vici
	        }
	    }
	}
	swanctl {
	    load = random nonce openssl pem pkcs1 pkcs8 pubkey x509
	    socket = unix:///run/charon.vici
	}
	EOF
}

# peers_charon_key HOST: an RSA-3072 key for charon (openssl), private
# in swanctl/private/self.pem, public in swanctl/pubkey/self.pem and
# $h/swanctl/pub.0s.
peers_charon_key() {
	local name=$1 h
	h=$(lab_host_dir "$name")
	expect "RSA-3072 key for charon on $name" openssl genpkey -algorithm RSA \
		-pkeyopt rsa_keygen_bits:3072 -out "$h/swanctl/private/self.pem"
	expect "charon's public key on $name" openssl pkey -in "$h/swanctl/private/self.pem" \
		-pubout -out "$h/swanctl/pubkey/self.pem"
	peers_pem_to_0s "$h/swanctl/pubkey/self.pem" > "$h/swanctl/pub.0s" || exit 1
	echo >> "$h/swanctl/pub.0s"
}

peers_swanctl() {
	local name=$1 h
	h=$(lab_host_dir "$name")
	shift
	lab_exec "$name" env STRONGSWAN_CONF="$h/etc/strongswan.conf" SWANCTL_DIR="$h/swanctl" \
		"$PEERS_SS/usr/sbin/swanctl" "$@" 2>&1
}

# peers_charon_start HOST: charon, then swanctl --load-all of
# $h/swanctl/swanctl.conf.
peers_charon_start() {
	local name=$1 h
	h=$(lab_host_dir "$name")
	lab_bg "$name" charon env STRONGSWAN_CONF="$h/etc/strongswan.conf" \
		/usr/lib/ipsec/charon > /dev/null
	lab_wait 20 "charon's vici socket on $name" lab_exec "$name" test -S /run/charon.vici
	peers_swanctl "$name" --load-all --file "$h/swanctl/swanctl.conf" \
		>> "$h/log/swanctl-load.log" || fail "swanctl --load-all on $name (see log/swanctl-load.log)"
}

# peers_charon_rsa_setup [6]: the peers_topology hosts with raw RSA-3072
# keys, oe-iked's on "oe" and charon's on "peer", charon holding oe's
# public key and its swanctl.conf (conn interop) from the template.
# Sets O and P (the hosts' folders), OEKEY and SSKEY (the 0s keys).
peers_charon_rsa_setup() {
	peers_topology "$@"
	O=$(lab_host_dir oe) P=$(lab_host_dir peer)
	peers_oe_key oe
	peers_charon_init peer
	peers_charon_key peer
	OEKEY=$(cat "$O/oe/pub.0s") SSKEY=$(cat "$P/swanctl/pub.0s")
	[ "$OEKEY" != "$SSKEY" ] || fail "both hosts got the same key"
	cp "$O/oe/pub.pem" "$P/swanctl/pubkey/peer.pem"
	peers_template swanctl-rsa.conf "$P/swanctl/swanctl.conf" LOCAL="$PEER_ADDR" REMOTE="$OE_ADDR"
}

# peers_oe_rsa_conf AUTO RIGHTKEY [OUT]: oe-iked's configuration towards
# charon from the template (default OUT: $O/oe/iked.conf), signing with
# OEKEY and expecting RIGHTKEY; after peers_charon_rsa_setup.
peers_oe_rsa_conf() {
	peers_template oe-iked-rsa.conf "${3:-$O/oe/iked.conf}" LOCAL="$OE_ADDR" REMOTE="$PEER_ADDR" \
		POLDIR="$O/oe/policies" AUTO="$1" LEFTKEY="$OEKEY" RIGHTKEY="$2"
}

# peers_oe_listening [CONF]: oe-iked on "oe" with CONF (default
# $O/oe/iked.conf), waiting until its IKE socket is bound.
peers_oe_listening() {
	peers_oe_start oe "${1:-$O/oe/iked.conf}" > /dev/null
	lab_wait 10 "oe-iked listening on $OE_ADDR:500" \
		lab_exec oe bash -c "ss -Hlun 'sport = :500' | grep -q '$OE_ADDR'"
}

# peers_charon_to_oe: charon (started) initiates conn interop; waits for
# the IKE SA and the Child SA on both sides.
peers_charon_to_oe() {
	peers_charon_initiate peer interop interop > /dev/null
	lab_wait 30 "charon's IKE SA established and Child SA installed" peers_charon_established peer interop interop
	lab_wait 10 "oe-iked's IKE SA and Child SA with $PEER_ADDR established" peers_oe_established oe "$PEER_ADDR"
}

# peers_charon_initiate HOST IKE CHILD: in the background (swanctl waits
# for the result and logs it to log/swanctl-initiate.log).
peers_charon_initiate() {
	local name=$1 h
	h=$(lab_host_dir "$name")
	lab_bg "$name" swanctl-initiate env STRONGSWAN_CONF="$h/etc/strongswan.conf" SWANCTL_DIR="$h/swanctl" \
		"$PEERS_SS/usr/sbin/swanctl" --initiate --ike "$2" --child "$3" --timeout 30 > /dev/null
}

# peers_charon_established HOST IKE CHILD: swanctl --list-sas shows the
# IKE SA ESTABLISHED and its Child SA INSTALLED.
peers_charon_established() {
	local out
	out=$(peers_swanctl "$1" --list-sas --ike "$2") || return 1
	grep -q "^$2: #[0-9]*, ESTABLISHED, IKEv2" <<< "$out" &&
		grep -q "^  *$3: #[0-9]*, reqid [0-9]*, INSTALLED, TRANSPORT" <<< "$out"
}

# ---------------------------------------------------------------------
# Traffic over the SAs.

# peers_wire_start HOST IFACE PEERADDR: capture what HOST sends to PEER.
peers_wire_start() {
	case "$3" in
	*:*) lab_capture "$1" "$2" "wire" "ip6 host $3" ;;
	*) lab_capture "$1" "$2" "wire" "ip host $3" ;;
	esac
}

# peers_no_clear HOST: fail if HOST sent a clear UDP datagram to the test
# port or a clear ICMP/ICMPv6 echo (IKE on 500/4500 is expected in clear).
peers_no_clear() {
	local wire
	wire=$(lab_capture_file "$1" wire)
	if grep -E "\.$PEERS_PORT: UDP|ICMP echo|ICMP6, echo" "$wire" > /dev/null; then
		fail "a clear packet left $1: $(grep -m1 -E "\.$PEERS_PORT: UDP|ICMP echo|ICMP6, echo" "$wire")"
	fi
}

# peers_esp_seen HOST SPI: HOST sent at least one ESP packet with SPI.
peers_esp_seen() { grep -q "ESP(spi=0x$2," "$(lab_capture_file "$1" wire)"; }

# peers_sa_packets_ge HOST SRC DST SPI N: the SA's packet counter >= N.
peers_sa_packets_ge() {
	local p
	p=$(lab_sa_packets "$1" "$2" "$3" "0x$4")
	[ -n "$p" ] && [ "$p" -ge "$5" ]
}

# peers_udp_listen HOST ADDR PORT NAME: lab_udp_listen for IPv4 or IPv6
# (socat's UDP-RECV is IPv4 only); the file is lab_udp_file HOST NAME.
peers_udp_listen() {
	local name=$1 addr=$2 port=$3 file=$4 h
	case "$addr" in
	*:*) ;;
	*) lab_udp_listen "$@"; return ;;
	esac
	h=$(lab_host_dir "$name")
	: > "$h/state/$file"
	lab_bg "$name" "udp-$file" socat -u "UDP6-RECV:$port,bind=[$addr],reuseaddr" \
		"OPEN:$h/state/$file,append" > /dev/null
	lab_wait 5 "udp listener [$addr]:$port on $name" \
		lab_exec "$name" bash -c "ss -Hlun 'sport = :$port' | grep -q ."
}

# peers_udp_exchange A AADDR B BADDR SPI_AB SPI_BA: one datagram each
# way over the Child SA whose SPIs are SPI_AB (A->B) and SPI_BA (B->A),
# hex without 0x.  Checks arrival, the SA packet counters on both
# kernels, ESP on both wires.  The caller has started peers_wire_start
# on both hosts.  Prints a summary for the verdict.
peers_udp_exchange() {
	local a=$1 aa=$2 b=$3 ba=$4 sab=$5 sba=$6 p1 p2 o1 i1 o2 i2
	peers_udp_listen "$b" "$ba" "$PEERS_PORT" got-ab
	peers_udp_listen "$a" "$aa" "$PEERS_PORT" got-ba
	p1="oe-interop-$a-to-$b-$RANDOM$RANDOM"
	p2="oe-interop-$b-to-$a-$RANDOM$RANDOM"
	expect "send a datagram $a -> $b" lab_udp_send "$a" "$ba" "$PEERS_PORT" "$p1"
	lab_wait 10 "the datagram from $a arriving on $b" grep -q "$p1" "$(lab_udp_file "$b" got-ab)"
	expect "send a datagram $b -> $a" lab_udp_send "$b" "$aa" "$PEERS_PORT" "$p2"
	lab_wait 10 "the datagram from $b arriving on $a" grep -q "$p2" "$(lab_udp_file "$a" got-ba)"
	lab_wait 5 "$a's outbound SA $sab counting" peers_sa_packets_ge "$a" "$aa" "$ba" "$sab" 1
	lab_wait 5 "$b's inbound SA $sab counting" peers_sa_packets_ge "$b" "$aa" "$ba" "$sab" 1
	lab_wait 5 "$b's outbound SA $sba counting" peers_sa_packets_ge "$b" "$ba" "$aa" "$sba" 1
	lab_wait 5 "$a's inbound SA $sba counting" peers_sa_packets_ge "$a" "$ba" "$aa" "$sba" 1
	lab_wait 5 "ESP with SPI $sab on $a's wire" peers_esp_seen "$a" "$sab"
	lab_wait 5 "ESP with SPI $sba on $b's wire" peers_esp_seen "$b" "$sba"
	sleep 0.3
	peers_no_clear "$a"
	peers_no_clear "$b"
	o1=$(lab_sa_packets "$a" "$aa" "$ba" "0x$sab"); i1=$(lab_sa_packets "$b" "$aa" "$ba" "0x$sab")
	o2=$(lab_sa_packets "$b" "$ba" "$aa" "0x$sba"); i2=$(lab_sa_packets "$a" "$ba" "$aa" "0x$sba")
	[ -n "$o1" ] && [ -n "$i1" ] && [ -n "$o2" ] && [ -n "$i2" ] ||
		fail "an SA of the pair $sab/$sba vanished during the exchange (counters '$o1' '$i1' '$o2' '$i2')"
	echo "UDP both ways over ESP (SA $sab: $a out=$o1 $b in=$i1; SA $sba: $b out=$o2 $a in=$i2), no clear UDP/ICMP on either wire"
}

# ---------------------------------------------------------------------
# Configuration from the templates in test/lab/peers.

# peers_template TEMPLATE OUT KEY=VALUE...: copy peers/TEMPLATE.in to OUT
# replacing each @KEY@ with VALUE (values must not contain '|').
peers_template() {
	local tpl=$OE_LAB_REPO/test/lab/peers/$1.in out=$2 kv args=()
	shift 2
	for kv in "$@"; do
		args+=(-e "s|@${kv%%=*}@|${kv#*=}|g")
	done
	sed "${args[@]}" "$tpl" > "$out" || fail "template $tpl"
	if grep -q '@[A-Z]*@' "$out"; then
		fail "template $1: unfilled $(grep -o -m1 '@[A-Z]*@' "$out")"
	fi
}

# peers_topology [6]: hosts "oe" (198.51.100.1, runs oe-iked) and "peer"
# (198.51.100.2, runs pluto or charon) on one link; with "6", the
# addresses are 2001:db8:1::1 and 2001:db8:1::2 instead.  Sets OE_ADDR
# and PEER_ADDR.
peers_topology() {
	local plen=24
	OE_ADDR=198.51.100.1
	PEER_ADDR=198.51.100.2
	if [ "${1:-}" = 6 ]; then
		OE_ADDR=2001:db8:1::1
		PEER_ADDR=2001:db8:1::2
		plen=64
	fi
	lab_host oe
	lab_host peer
	lab_link oe o0 "$OE_ADDR/$plen" peer p0 "$PEER_ADDR/$plen"
	mkdir -p "$(lab_host_dir oe)/oe/policies"
	lab_wait 10 "oe reaching peer in clear before any IPsec" lab_exec oe ping -c1 -W1 "$PEER_ADDR"
}

# peers_oe_auth_is_sig HOST PEER: oe-iked authenticated the peer and
# itself by an RSA signature (RFC 7427 or RFC 7296's RSA method).
peers_oe_auth_is_sig() {
	local ap al
	ap=$(peers_oe_ike "$1" "$2" auth_peer) al=$(peers_oe_ike "$1" "$2" auth_local)
	case "$ap/$al" in
	DIGITAL_SIGNATURE/DIGITAL_SIGNATURE | RSA_SIG/RSA_SIG | RSA_SIG/DIGITAL_SIGNATURE | \
	    DIGITAL_SIGNATURE/RSA_SIG) return 0 ;;
	esac
	fail "oe-iked's auth with $2 is peer=$ap local=$al, expected RSA signatures"
}

# peers_child_rekeyed HOST PEER OLD_SPI_OUT: oe-iked's established SA
# with PEER carries an installed Child SA other than OLD_SPI_OUT.
peers_child_rekeyed() {
	local now
	peers_oe_established "$1" "$2" || return 1
	now=$(peers_oe_child "$1" "$2" spi_out)
	[ -n "$now" ] && [ "$now" != null ] && [ "$now" != "$3" ]
}

# peers_kernel_spis_are HOST "SPI SPI...": HOST's kernel holds exactly
# these ESP SAs (hex SPIs without 0x, any order).
peers_kernel_spis_are() {
	local have want
	have=$(ip -n "$1" xfrm state 2>/dev/null | sed -n 's/.*proto esp spi 0x\([0-9a-f]*\).*/\1/p' | sort | tr '\n' ' ')
	want=$(printf '%s\n' $2 | sort | tr '\n' ' ')
	[ "$have" = "$want" ]
}
