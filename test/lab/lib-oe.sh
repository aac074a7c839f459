# Helpers for the opportunistic-encryption scenarios (oe-*.sh): oe-iked
# with the five standard policy groups on lab hosts.  Sourced after
# lib.sh.
#
# Each host keeps oe-iked's files in $h/oe/ ($h = lab_host_dir HOST):
#   iked.conf        written by oe_conf
#   policies/GROUP   one file per group, written by oe_group
# and its state file in $h/log/oe-iked.json (in log/, so a failing
# scenario's dump keeps it), its log in $h/log/oe-iked.log (lab_bg).
#
# The conns are conf/iked.d's five, except that `private` uses NULL
# authentication both ways (no DNS keys in these scenarios) and the
# retransmission timeout is short so failures show within seconds.

OE_GROUPS="block clear clear-or-private private-or-clear private"

# oe_conf HOST LOCAL [KEY=VALUE...]: iked.conf for HOST listening on
# LOCAL (an address, or "v4,v6"); extra words go into every IKE conn.
# $OE_LAB_SHUNT_LIFETIME sets config setup shuntlifetime= (default 15m).
oe_conf() {
	local name=$1 local=$2 h g x; shift 2
	h=$(lab_host_dir "$name")
	mkdir -p "$h/oe/policies"
	for g in $OE_GROUPS; do
		[ -e "$h/oe/policies/$g" ] || : > "$h/oe/policies/$g"
	done
	{
		echo "config setup"
		echo "    loglevel=debug"
		echo "    listen=$local"
		echo "    policies-dir=$h/oe/policies"
		echo "    trigger-socket=/run/oe/trigger.sock"
		echo "    ctl-socket=/run/oe/iked.ctl"
		echo "    shuntlifetime=${OE_LAB_SHUNT_LIFETIME:-15m}"
		echo
		echo "conn block"
		echo "    left=%defaultroute"
		echo "    right=%group"
		echo "    type=reject"
		echo "    authby=never"
		echo "    auto=ondemand"
		echo
		echo "conn clear"
		echo "    left=%defaultroute"
		echo "    right=%group"
		echo "    type=passthrough"
		echo "    authby=never"
		echo "    auto=ondemand"
		for g in clear-or-private private-or-clear private; do
			echo
			echo "conn $g"
			echo "    left=%defaultroute"
			echo "    leftid=%null"
			echo "    rightid=%null"
			echo "    right=%opportunisticgroup"
			echo "    authby=null"
			echo "    type=transport"
			echo "    ikev2=insist"
			echo "    keyingtries=1"
			echo "    retransmit-interval=${OE_LAB_RETRANSMIT_INTERVAL:-300}"
			echo "    retransmit-timeout=${OE_LAB_RETRANSMIT_TIMEOUT:-3s}"
			case $g in
			clear-or-private)
				echo "    negotiationshunt=passthrough"
				echo "    failureshunt=passthrough"
				echo "    auto=add" ;;
			private-or-clear)
				echo "    negotiationshunt=${OE_LAB_POC_NEGSHUNT:-hold}"
				echo "    failureshunt=passthrough"
				echo "    auto=ondemand" ;;
			private)
				echo "    negotiationshunt=hold"
				echo "    failureshunt=drop"
				echo "    auto=ondemand" ;;
			esac
			for x in "$@"; do echo "    $x"; done
		done
	} > "$h/oe/iked.conf"
}

# oe_group HOST GROUP LINE...: replace the group file with these lines.
oe_group() {
	local name=$1 g=$2 h; shift 2
	h=$(lab_host_dir "$name")
	mkdir -p "$h/oe/policies"
	printf '%s\n' "$@" > "$h/oe/policies/$g"
}

oe_state() { echo "$(lab_host_dir "$1")/log/oe-iked.json"; }
oe_log_file() { echo "$(lab_host_dir "$1")/log/oe-iked.log"; }

# oe_start HOST: start oe-iked (xfrm backend, no NSS database: NULL
# authentication only) and wait until it is ready.  The PID goes to
# $h/oe/pid.  OE_IKED_SELFCHECK: the daemon checks its SA indexes
# against full walks and aborts on a difference.
oe_start() {
	local name=$1 h pid
	h=$(lab_host_dir "$name")
	rm -f "$h/log/oe-iked.json"
	pid=$(OE_IKED_SELFCHECK=1 lab_bg "$name" oe-iked "$(lab_bin oe-iked)" -f "$h/oe/iked.conf" --nssdb none --kernel xfrm \
		--state-file "$h/log/oe-iked.json" --log-level debug)
	echo "$pid" > "$h/oe/pid"
	lab_wait 20 "oe-iked on $name ready" grep -q "oe-iked ready" "$h/log/oe-iked.log"
}

oe_pid() { cat "$(lab_host_dir "$1")/oe/pid"; }

# oe_stop HOST: SIGTERM and wait (bounded) for the exit.
oe_stop() {
	local pid
	pid=$(oe_pid "$1")
	kill -TERM "$pid" 2>/dev/null
	lab_wait 10 "oe-iked on $1 exiting" bash -c "! kill -0 $pid 2>/dev/null"
}

# oe_kill HOST: SIGKILL (a crash) and wait until it is gone.
oe_kill() {
	local pid
	pid=$(oe_pid "$1")
	kill -KILL "$pid" 2>/dev/null
	lab_wait 5 "oe-iked on $1 gone" bash -c "! kill -0 $pid 2>/dev/null"
}

# oe_reload HOST: SIGHUP.
oe_reload() { kill -HUP "$(oe_pid "$1")"; }

# oe_established HOST PEER: an established IKE SA with PEER, Child SA in.
oe_established() {
	jq -e --arg p "$2" '[.ike_sas[]? | select(.peer == $p and .state == "ESTABLISHED"
		and .child.installed == true)] | length >= 1' "$(oe_state "$1")" > /dev/null 2>&1
}

# oe_child HOST PEER FIELD
oe_child() {
	jq -r --arg p "$2" "[.ike_sas[]? | select(.peer == \$p and .state == \"ESTABLISHED\")][0].child.$3" \
		"$(oe_state "$1")" 2>/dev/null
}

# oe_policy HOST DIR SRC DST: the action of our policy with exactly this
# selector ("allow", "block", or "ipsec" for a template), or nothing.
oe_policy() {
	local out
	out=$(ip -n "$1" xfrm policy get dir "$2" src "$3" dst "$4" 2>/dev/null) || return 0
	# "ip xfrm policy get" names only "action block"; allow is silent
	case $out in
	"") ;;
	*"action block"*) echo block ;;
	*"tmpl "*) echo ipsec ;;
	*) echo allow ;;
	esac
}

# oe_has_policy HOST DIR SRC DST ACTION
oe_has_policy() { [ "$(oe_policy "$1" "$2" "$3" "$4")" = "$5" ]; }

# oe_count_owned HOST: our policies (priority band 0x6f6000..0x6f6fff)
# and SAs (reqid 0x6f65xxxx, not larval), "P S".
oe_count_owned() {
	local p s
	p=$(ip -n "$1" xfrm policy | awk '/priority/ { for (i = 1; i <= NF; i++) if ($i == "priority") { v = $(i+1); if (v >= 7299072 && v <= 7303167) n++ } } END { print n + 0 }')
	# larval states (SPI 0) of ACQUIREs are the kernel's; they expire
	# by themselves (xfrm_acq_expires) and XFRM cannot delete them
	s=$(ip -n "$1" xfrm state | awk '/reqid/ && !/spi 0x00000000/ { for (i = 1; i <= NF; i++) if ($i == "reqid") { split($(i+1), a, "("); v = a[1] + 0; if (v >= 1868890112 && v <= 1868955647) n++ } } END { print n + 0 }')
	echo "$p $s"
}

# oe_udp_ping HOST DST PORT TAG: send one datagram with a tag.
oe_udp_ping() { lab_udp_send "$1" "$2" "$3" "$4" 2>/dev/null; }

# oe_udp_until HOST DST PORT FILEHOST FILE SECONDS TAG [INTERVAL]: send
# a tagged datagram every INTERVAL (0.2) seconds until FILEHOST's FILE
# has it; 1 on timeout.
oe_udp_until() {
	local h=$1 dst=$2 port=$3 fh=$4 f=$5 secs=$6 tag=$7 iv=${8:-0.2} end
	end=$(( ${EPOCHREALTIME/./} + secs * 1000000 ))
	while [ "${EPOCHREALTIME/./}" -lt "$end" ]; do
		oe_udp_ping "$h" "$dst" "$port" "$tag"
		grep -q "$tag" "$(lab_udp_file "$fh" "$f")" && return 0
		sleep "$iv"
	done
	return 1
}

# oe_sa_count HOST SRC DST: ESP SAs SRC -> DST with keys (not larval).
oe_sa_count() {
	ip -n "$1" xfrm state list src "$2" dst "$3" proto esp 2>/dev/null |
		grep 'proto esp spi' | grep -vc 'spi 0x00000000'
}

# oe_wire_clear HOST CAPTURE PATTERN: lines of a lab_capture file with
# PATTERN (e.g. "UDP", "ICMP echo") that are not IKE (ports 500/4500).
oe_wire_clear() {
	grep -E "$3" "$(lab_capture_file "$1" "$2")" | grep -vE '\.(500|4500)[ :]' || true
}

# oe_udp_listen6 HOST ADDR PORT NAME: lab_udp_listen for an IPv6 address.
oe_udp_listen6() {
	local name=$1 addr=$2 port=$3 file=$4 h
	h=$(lab_host_dir "$name")
	: > "$h/state/$file"
	lab_bg "$name" "udp-$file" socat -u "UDP6-RECV:$port,bind=[$addr],reuseaddr" \
		"OPEN:$h/state/$file,append" > /dev/null
	lab_wait 5 "udp listener [$addr]:$port on $name" \
		lab_exec "$name" bash -c "ss -Hlun 'sport = :$port' | grep -q ."
}
