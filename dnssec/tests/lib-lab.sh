# Helpers for the dnssec/ lab scripts (sourced).  Loopback only:
# addresses 127.0.0.50-59.  Every daemon started is recorded in
# $T/pids and killed by its own pid on exit; the temp dir is removed.

IPK=${OE_IPSECKEY:-}
if [ -z "$IPK" ]; then
	for c in "$(dirname "$0")/../oe-ipseckey" "$(command -v oe-ipseckey || true)"; do
		if [ -n "$c" ] && [ -x "$c" ]; then IPK=$c; break; fi
	done
fi
UNBOUND=${OE_LAB_UNBOUND:-/tmp/ubsrc/prefix/sbin/unbound}
FAILED=0

pass() { echo "PASS $1: $2"; }
fail() { echo "FAIL $1: $2"; FAILED=1; }
die()  { echo "FAIL $1: $2"; exit 1; }

lab_setup() {
	[ -n "$IPK" ] && [ -x "$IPK" ] || die setup "oe-ipseckey not found (set OE_IPSECKEY)"
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] ||
			die setup "$tool is not installed"
	done
	T=$(mktemp -d /tmp/oe-dnssec-lab.XXXXXX)
	: > "$T/pids"
	trap lab_cleanup EXIT INT TERM
}

lab_cleanup() {
	local pid
	if [ -n "${T:-}" ] && [ -f "$T/pids" ]; then
		while read -r pid; do
			kill "$pid" 2>/dev/null || true
		done < "$T/pids"
		while read -r pid; do
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.2
			done
			kill -9 "$pid" 2>/dev/null || true
		done < "$T/pids"
	fi
	[ -n "${KEEP:-}" ] || rm -rf "${T:-/nonexistent}"
}

# start NAME LOGFILE CMD...: run a foreground daemon, remember its pid.
start() {
	local name=$1 log=$2
	shift 2
	"$@" > "$log" 2>&1 &
	echo $! >> "$T/pids"
	eval "PID_$name=$!"
}

# wait_dns ADDR PORT: until a DNS server answers (max ~10 s).
wait_dns() {
	local i
	for i in $(seq 1 50); do
		dig +time=1 +tries=1 @"$1" -p "$2" . SOA >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# write_unbound_conf CONF ADDR PORT STUB_ADDR@PORT ANCHOR_FILE "ZONES":
# a validating Unbound that asks STUB for ZONES, trusting the DS or
# DNSKEY lines of ANCHOR_FILE; $UB_EXTRA adds server: lines.
write_unbound_conf() {
	local conf=$1 addr=$2 port=$3 stub=$4 anchors=$5 zones=$6 z
	{
		echo "server:"
		echo "  interface: $addr"
		echo "  port: $port"
		echo "  username: \"\""
		echo "  chroot: \"\""
		echo "  directory: \"$T\""
		echo "  pidfile: \"$T/unbound.pid\""
		echo "  do-daemonize: no"
		echo "  use-syslog: no"
		echo "  logfile: \"\""
		echo "  verbosity: 1"
		echo "  val-log-level: 2"
		echo "  module-config: \"validator iterator\""
		echo "  do-not-query-localhost: no"
		echo "  local-zone: \"test.\" nodefault"
		echo "  access-control: 127.0.0.0/8 allow"
		echo "  outgoing-interface: $addr"
		echo "  num-threads: 1"
		echo "  prefetch: no"
		echo "  infra-host-ttl: 1"
		echo "  max-udp-size: 4096"
		[ -n "${UB_EXTRA:-}" ] && printf '%s\n' "$UB_EXTRA"
		while read -r z; do
			[ -n "$z" ] && echo "  trust-anchor: \"$z\""
		done < "$anchors"
		for z in $zones; do
			echo "stub-zone:"
			echo "  name: \"$z\""
			echo "  stub-addr: $stub"
		done
		echo "remote-control:"
		echo "  control-enable: no"
	} > "$conf"
}
