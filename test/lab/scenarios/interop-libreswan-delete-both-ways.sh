# DESCRIPTION: INFORMATIONAL DELETE interop with libreswan 4.10 (NULL auth): pluto terminating the SA removes it from oe-iked and oe's kernel; oe-iked stopping (SIGTERM) removes it from pluto and both kernels
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-peers.sh"

peers_topology
O=$(lab_host_dir oe) P=$(lab_host_dir peer)

peers_pluto_init peer
peers_template pluto-null.conf "$P/pluto/ipsec.conf" LOCAL="$PEER_ADDR" REMOTE="$OE_ADDR"
peers_pluto_start peer "$P/pluto/ipsec.conf"
peers_pluto_add peer "$P/pluto/ipsec.conf" interop
peers_template oe-iked-null.conf "$O/oe/iked.conf" LOCAL="$OE_ADDR" REMOTE="$PEER_ADDR" \
	POLDIR="$O/oe/policies" AUTO=start

oe_no_sa_with_peer() {
	jq -e --arg p "$PEER_ADDR" '[.ike_sas[]? | select(.peer == $p)] | length == 0' \
		"$(peers_oe_state oe)" > /dev/null 2>&1
}
kernel_has_no_esp() { [ -z "$(ip -n "$1" xfrm state)" ]; }
pluto_has_no_sa() { ! peers_whack peer --showstates 2>/dev/null | grep -q '"interop"'; }

# ---- 1: pluto deletes.
pid=$(peers_oe_start oe "$O/oe/iked.conf" none)
lab_wait 30 "oe-iked's IKE SA and Child SA with $PEER_ADDR established" peers_oe_established oe "$PEER_ADDR"
lab_wait 10 "pluto's IKE SA and Child SA established" peers_pluto_established peer interop
expect "pluto terminates the conn" peers_whack peer --name interop --terminate
lab_wait 10 "oe-iked dropping the SA pluto deleted" oe_no_sa_with_peer
grep -q "peer deleted" "$O/log/oe-iked.log" ||
	fail "oe-iked dropped the SA, but not on pluto's DELETE: $(tail -n2 "$O/log/oe-iked.log")"
lab_wait 5 "oe's kernel without ESP SAs after pluto's DELETE" kernel_has_no_esp oe
lab_wait 5 "pluto without states for the conn" pluto_has_no_sa

# ---- 2: oe-iked deletes when it stops.
kill "$pid"
lab_wait 10 "oe-iked exiting after the first round" bash -c "! kill -0 $pid"
rm -f "$(peers_oe_state oe)"
pid=$(peers_oe_start oe "$O/oe/iked.conf" none)
lab_wait 30 "oe-iked's second IKE SA established" peers_oe_established oe "$PEER_ADDR"
lab_wait 10 "pluto's second IKE SA and Child SA established" peers_pluto_established peer interop
kill -TERM "$pid"
lab_wait 10 "oe-iked exiting on SIGTERM" bash -c "! kill -0 $pid"
lab_wait 10 "pluto removing the SAs oe-iked deleted" pluto_has_no_sa
lab_wait 5 "peer's kernel without ESP SAs after oe-iked's DELETE" kernel_has_no_esp peer
kernel_has_no_esp oe || fail "oe-iked exited leaving SAs in oe's kernel: $(ip -n oe xfrm state | head -n2)"
pass "pluto's DELETE removed the SA from oe-iked and oe's kernel; oe-iked's DELETE on SIGTERM removed it from pluto and pluto's kernel, and oe-iked left no SA behind"
