#!/bin/bash
# control-socket: two real oe-iked on 127.0.0.1/.2 (none kernel backend),
# a's control socket and systemd notification socket in a temporary
# directory.  Checks the sd_notify protocol (READY=1 only once the
# control socket answers, STATUS=, WATCHDOG=1, STOPPING=1), oectl's
# tables, --json output against doc/control-schema.json, exit codes
# (not running, permission denied, error reply), malformed and hostile
# clients (truncated JSON, huge request, unknown command, a client that
# never reads), watch events, delete, initiate and reload.
#
# usage: test/host/control-socket.sh [--build DIR]
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
oectl=$build/iked/oectl
checker=$build/iked/tests/test_control_schema
for b in "$iked" "$oectl" "$checker"; do
	[ -x "$b" ] || { echo "FAIL setup: $b not built"; exit 1; }
done
command -v python3 > /dev/null || { echo "FAIL setup: python3 is needed"; exit 1; }
export OE_CONTROL_SCHEMA=$repo/doc/control-schema.json

work=$(mktemp -d /tmp/oe-control-host.XXXXXX)
chmod 755 "$work"
pids=()
failed=0
port=$((20000 + RANDOM % 20000))
natport=$((port + 1))

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2> /dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

pass() { echo "PASS $1: $2"; }
fail() { echo "FAIL $1: $2"; failed=1; }

conf() {
	local name=$1 me=$2 peer=$3 auto=$4
	mkdir -p "$work/$name-pol"
	printf '%s\n' "config setup" "	listen=$me" "	ikeport=$port" \
		"	nat-ikeport=$natport" "	protostack=none" \
		"	policies-dir=$work/$name-pol" "	ctl-socket=$work/$name.ctl" \
		"	trigger-socket=$work/$name.trigger" "" "conn peer" \
		"	left=$me" "	right=$peer" "	authby=null" "	leftid=%null" \
		"	rightid=%null" "	type=transport" "	auto=$auto" \
		"	retransmit-interval=200" "	retransmit-timeout=5s" \
		> "$work/$name.conf"
}

ctl() { "$oectl" --socket "$work/a.ctl" "$@"; }

# check COMMAND FILE: every line valid per the schema
check() {
	"$checker" --check "$1" < "$2"
}

wait_until() {	# SECONDS COMMAND...: poll until the command succeeds
	local i n=$(($1 * 10))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" > /dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

sa_up() { ctl --json sas | grep -q '"state":"ESTABLISHED"'; }

conf a 127.0.0.1 127.0.0.2 start
conf b 127.0.0.2 127.0.0.1 add

# ---- not running -----------------------------------------------------------
out=$(ctl status 2>&1); rc=$?
if [ $rc -eq 3 ] && grep -q "not running" <<< "$out"; then
	pass oectl_reports_daemon_not_running "exit 3: $out"
else
	fail oectl_reports_daemon_not_running "exit $rc: $out"
fi

# ---- b plain, a under a fake systemd ---------------------------------------
"$iked" -f "$work/b.conf" --nssdb none --kernel none > "$work/b.log" 2>&1 &
pids+=($!)
sleep 0.3
# The listener starts a, and records every notification with whether the
# control socket answered at that moment.
python3 - "$work" "$iked" > "$work/notify.out" 2> "$work/notify.err" <<'EOF' &
import os, socket, subprocess, sys, time
work, iked = sys.argv[1], sys.argv[2]
path = work + "/notify.sock"
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(0.2)
env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="400000")
log = open(work + "/a.log", "w")
p = subprocess.Popen([iked, "-f", work + "/a.conf", "--nssdb", "none",
    "--kernel", "none"], env=env, stdout=log, stderr=subprocess.STDOUT)
open(work + "/a.pid", "w").write(str(p.pid))
def ctl_answers():
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        c.connect(work + "/a.ctl")
        return True
    except OSError:
        return False
    finally:
        c.close()
deadline = time.time() + 120
while time.time() < deadline:
    try:
        m = s.recv(4096).decode()
    except socket.timeout:
        if p.poll() is not None:
            break
        continue
    for line in m.split("\n"):
        if line:
            print("%s ctl=%s" % (line, "up" if ctl_answers() else "down"), flush=True)
    if "STOPPING=1" in m:
        p.wait()
        break
print("EXIT=%s" % p.wait(), flush=True)
EOF
pids+=($!)
notify_pid=$!
wait_until 10 test -s "$work/a.pid"
a_pid=$(cat "$work/a.pid" 2> /dev/null)

if wait_until 10 grep -q '^READY=1' "$work/notify.out" &&
    grep -q '^READY=1 ctl=up' "$work/notify.out"; then
	pass notify_ready_after_control_socket_is_bound "READY=1 sent when iked.ctl already answered"
else
	fail notify_ready_after_control_socket_is_bound "$(tr '\n' ' ' < "$work/notify.out")"
fi

if wait_until 10 sa_up; then
	pass sa_established "a and b negotiated"
else
	fail sa_established "no SA (a: $(tail -n 3 "$work/a.log" | tr '\n' ' '))"
fi

sleep 1.2
if [ "$(grep -c '^WATCHDOG=1' "$work/notify.out")" -ge 2 ]; then
	pass notify_watchdog_keepalive "$(grep -c '^WATCHDOG=1' "$work/notify.out") WATCHDOG=1 with WATCHDOG_USEC=400000"
else
	fail notify_watchdog_keepalive "$(tr '\n' ' ' < "$work/notify.out")"
fi
if wait_until 12 grep -q '^STATUS=1 IKE SAs up' "$work/notify.out"; then
	pass notify_status_summary "$(grep '^STATUS=1 IKE' "$work/notify.out" | head -n1)"
else
	fail notify_status_summary "$(grep '^STATUS=' "$work/notify.out" | tr '\n' ' ')"
fi

# ---- queries: --json against the schema, tables ----------------------------
for cmd in status sas; do
	ctl --json $cmd > "$work/$cmd.json"; rc=$?
	if [ $rc -eq 0 ] && msg=$(check $cmd "$work/$cmd.json"); then
		pass ${cmd}_json_matches_schema "oectl --json $cmd valid"
	else
		fail ${cmd}_json_matches_schema "exit $rc: $msg"
	fi
done
if grep -q '"peer":{"address":"127.0.0.2","port":'"$port"'}' "$work/sas.json" &&
    grep -q '"installed":true' "$work/sas.json"; then
	pass sas_json_shows_peer_and_child "peer 127.0.0.2:$port, Child SA installed"
else
	fail sas_json_shows_peer_and_child "$(head -c 400 "$work/sas.json")"
fi
table=$(ctl sas)
if grep -Eq '^1 +ESTABLISHED +127\.0\.0\.2 ' <<< "$table" &&
    grep -q '^IKE *SPI-IN' <<< "$table"; then
	pass sas_table_is_aligned "$(head -n 2 <<< "$table" | tail -n 1)"
else
	fail sas_table_is_aligned "$table"
fi
st=$(ctl status)
if grep -q '^1 IKE SAs up' <<< "$st" && grep -Eq '^counters.handshakes.completed +1$' <<< "$st"; then
	pass status_table_counts_the_handshake "summary and handshakes.completed 1"
else
	fail status_table_counts_the_handshake "$st"
fi

# ---- errors and exit codes --------------------------------------------------
out=$(ctl delete 999 2>&1); rc=$?
if [ $rc -eq 1 ] && grep -q "not-found" <<< "$out"; then
	pass error_reply_exit_1 "$out"
else
	fail error_reply_exit_1 "exit $rc: $out"
fi
out=$(ctl frobnicate 2>&1); rc=$?
[ $rc -eq 2 ] && pass usage_exit_2 "$out" || fail usage_exit_2 "exit $rc: $out"
out=$(ctl call frobnicate 2>&1); rc=$?
if [ $rc -eq 1 ] && grep -q "unknown-command" <<< "$out"; then
	pass unknown_command_from_daemon "$out"
else
	fail unknown_command_from_daemon "exit $rc: $out"
fi

# ---- permissions -------------------------------------------------------------
mode=$(stat -c %a "$work/a.ctl")
[ "$mode" = 600 ] && pass socket_mode_root_only "0600 without ctl-group" ||
	fail socket_mode_root_only "mode $mode"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$oectl" --socket "$work/a.ctl" status 2>&1); rc=$?
if [ $rc -eq 4 ] && grep -q "permission denied" <<< "$out"; then
	pass non_root_refused_by_file_mode "exit 4: $out"
else
	fail non_root_refused_by_file_mode "exit $rc: $out"
fi
# Even when the file lets everybody in, SO_PEERCRED refuses.
chmod 666 "$work/a.ctl"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$oectl" --socket "$work/a.ctl" status 2>&1); rc=$?
chmod 600 "$work/a.ctl"
if [ $rc -eq 4 ] && grep -q "permission-denied" <<< "$out"; then
	pass non_root_refused_by_peer_credentials "exit 4: $out"
else
	fail non_root_refused_by_peer_credentials "exit $rc: $out"
fi

# ---- hostile clients ---------------------------------------------------------
python3 - "$work/a.ctl" > "$work/hostile.out" 2>&1 <<'EOF'
import json, socket, sys, time
path = sys.argv[1]
def conn():
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(path)
    c.settimeout(5)
    return c
def line(c):
    buf = b""
    while not buf.endswith(b"\n"):
        try:
            d = c.recv(65536)
        except ConnectionResetError:   # closed with our data unread
            return None
        if not d:
            return None
        buf += d
    return json.loads(buf)
def code(r):
    return r["error"]["code"] if r and not r.get("ok") else ("ok" if r else "closed")
# a client that never reads: many sas replies queued
stuck = conn()
stuck.setblocking(False)
for i in range(2000):
    try:
        stuck.send(b'{"v":1,"command":"sas"}\n')
    except BlockingIOError:
        break
c = conn()
c.send(b'{"v":1,"command":"sta')           # truncated, then the rest never comes
c.send(b'\n')
print("truncated", code(line(c)))
c.send(b'{"v":1,"command":"nope"}\n')
print("unknown", code(line(c)))
t0 = time.time()
c.send(b'{"v":1,"command":"status"}\n')
r = line(c)
print("status_while_stuck", code(r), "%.2f" % (time.time() - t0))
big = conn()
try:
    big.sendall(b"{" + b" " * 100000)
except OSError:
    pass
print("huge", code(line(big)))
print("huge_then", code(line(big)))
EOF
if grep -q '^truncated bad-request' "$work/hostile.out" &&
    grep -q '^unknown unknown-command' "$work/hostile.out" &&
    grep -q '^huge too-large' "$work/hostile.out" &&
    grep -q '^huge_then closed' "$work/hostile.out"; then
	pass malformed_requests_get_json_errors "$(tr '\n' ' ' < "$work/hostile.out")"
else
	fail malformed_requests_get_json_errors "$(tr '\n' ' ' < "$work/hostile.out")"
fi
if grep -Eq '^status_while_stuck ok 0\.[0-9]+' "$work/hostile.out"; then
	pass never_reading_client_does_not_stall_others "$(grep status_while "$work/hostile.out")"
else
	fail never_reading_client_does_not_stall_others "$(tr '\n' ' ' < "$work/hostile.out")"
fi
if kill -0 "$a_pid" 2> /dev/null && ctl status > /dev/null; then
	pass daemon_survives_hostile_clients "still answering"
else
	fail daemon_survives_hostile_clients "a is gone: $(tail -n 3 "$work/a.log" | tr '\n' ' ')"
fi

# ---- watch, delete, initiate, reload ------------------------------------------
ctl --json watch > "$work/watch.out" 2>&1 &
watch_pid=$!
pids+=($watch_pid)
sleep 0.3
id=$(ctl --json sas | grep -o '"sas":\[{"id":[0-9]*' | grep -o '[0-9]*$')
out=$(ctl delete "$id" 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -Eq '^action +delete-sent' <<< "$out" &&
    wait_until 5 grep -q '"event":"sa-down"' "$work/watch.out"; then
	pass delete_sends_delete_and_watch_sees_sa_down "SA $id"
else
	fail delete_sends_delete_and_watch_sees_sa_down "exit $rc: $out / $(cat "$work/watch.out")"
fi
out=$(ctl initiate 127.0.0.2 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -Eq '^status +up' <<< "$out" &&
    wait_until 5 grep -q '"event":"sa-up"' "$work/watch.out"; then
	pass initiate_waits_for_up_and_watch_sees_sa_up "$(tr '\n' ' ' <<< "$out")"
else
	fail initiate_waits_for_up_and_watch_sees_sa_up "exit $rc: $out"
fi
kill "$watch_pid" 2> /dev/null
wait "$watch_pid" 2> /dev/null
if msg=$(check watch "$work/watch.out"); then
	pass watch_stream_matches_schema "$(wc -l < "$work/watch.out") lines"
else
	fail watch_stream_matches_schema "$msg"
fi
out=$(ctl reload 2>&1); rc=$?
[ $rc -eq 0 ] && pass reload_ok "$(tr '\n' ' ' <<< "$out")" || fail reload_ok "exit $rc: $out"
kill -HUP "$a_pid"
count_ge() { [ "$(grep -c "$1" "$2")" -ge "$3" ]; }
if wait_until 5 count_ge '^RELOADING=1' "$work/notify.out" 2 &&
    wait_until 5 count_ge '^READY=1' "$work/notify.out" 3; then
	pass notify_reloading_then_ready "oectl reload and SIGHUP: RELOADING=1, then READY=1"
else
	fail notify_reloading_then_ready "$(grep -E '^(READY|RELOADING)' "$work/notify.out" | tr '\n' ' ')"
fi
echo "this is not a configuration" >> "$work/a.conf"
out=$(ctl reload 2>&1); rc=$?
if [ $rc -eq 1 ] && grep -q failed <<< "$out" && ctl status > /dev/null; then
	pass reload_of_broken_config_fails_and_keeps_running "$out"
else
	fail reload_of_broken_config_fails_and_keeps_running "exit $rc: $out"
fi

# ---- structured log fields (stderr form of the journal fields) ---------------
if grep -q "sa-up.*OE_PEER=127.0.0.2" "$work/a.log" && grep -q "sa-down.*OE_SA_ID=1" "$work/a.log" &&
    grep -q "OE_EVENT=sa-up" "$work/a.log"; then
	pass sa_events_carry_journal_fields "$(grep -m1 'sa-up' "$work/a.log")"
else
	fail sa_events_carry_journal_fields "$(grep -E 'sa-(up|down)' "$work/a.log" | head -n 2 | tr '\n' ' ')"
fi

# ---- SIGTERM ------------------------------------------------------------------
kill -TERM "$a_pid"
wait "$notify_pid" 2> /dev/null
if grep -q '^STOPPING=1' "$work/notify.out" && grep -q '^EXIT=0' "$work/notify.out" &&
    [ ! -e "$work/a.ctl" ]; then
	pass sigterm_clean_stop "STOPPING=1, exit 0, control socket removed"
else
	fail sigterm_clean_stop "$(tr '\n' ' ' < "$work/notify.out"); ctl exists: $([ -e "$work/a.ctl" ] && echo yes || echo no)"
fi
out=$(ctl status 2>&1); rc=$?
[ $rc -eq 3 ] && pass oectl_after_stop_reports_not_running "$out" ||
	fail oectl_after_stop_reports_not_running "exit $rc: $out"

# ---- sanitizer builds: no reports in the daemons' logs -----------------------
kill "${pids[0]}" 2> /dev/null
wait "${pids[0]}" 2> /dev/null
if grep -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$work/a.log" "$work/b.log" > "$work/san.txt"; then
	fail no_sanitizer_reports "$(head -n 3 "$work/san.txt" | tr '\n' ' ')"
else
	pass no_sanitizer_reports "none in a.log and b.log"
fi

exit $failed
