# DESCRIPTION: raw-RSA interop with libreswan 4.10 refuses a key that is not the configured one, both ways: oe-iked rejects pluto's signature, pluto rejects oe-iked's; no SA anywhere, no packet passes
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-peers.sh"

peers_topology
O=$(lab_host_dir oe) P=$(lab_host_dir peer)

peers_oe_key oe
peers_pluto_init peer
peers_pluto_key peer
OEKEY=$(cat "$O/oe/pub.0s") PLUTOKEY=$(cat "$P/pluto/pub.0s")
# A third key, owned by nobody here.
mkdir -p "$O/other/nss"
expect "oe-ipseckey init (other key)" "$(lab_bin oe-ipseckey)" init --nssdb "sql:$O/other/nss"
expect "oe-ipseckey newkey (other key)" "$(lab_bin oe-ipseckey)" newkey --rsa 3072 --nssdb "sql:$O/other/nss"
OTHERKEY=$("$(lab_bin oe-ipseckey)" show --libreswan --nssdb "sql:$O/other/nss" 2>/dev/null |
	grep -o -E '0s[A-Za-z0-9+/=]+' | head -n1)
[ -n "$OTHERKEY" ] && [ "$OTHERKEY" != "$OEKEY" ] && [ "$OTHERKEY" != "$PLUTOKEY" ] ||
	fail "no distinct third key"

# oe_no_sa: nothing established in oe-iked and no ESP SA in either kernel.
oe_no_sa() {
	jq -e '[.ike_sas[]? | select(.state == "ESTABLISHED")] | length == 0' \
		"$(peers_oe_state oe)" > /dev/null || fail "$1: oe-iked shows an established SA"
	[ -z "$(ip -n oe xfrm state)" ] || fail "$1: oe's kernel has an SA: $(ip -n oe xfrm state | head -n2)"
}
oe_failed() { jq -e '.counters.ike_failed >= 1' "$(peers_oe_state oe)" > /dev/null 2>&1; }

# ---- 1: oe-iked expects OTHERKEY for pluto: it must refuse pluto's AUTH.
peers_template pluto-rsa.conf "$P/pluto/ipsec.conf" LOCAL="$PEER_ADDR" REMOTE="$OE_ADDR" \
	LEFTKEY="$PLUTOKEY" RIGHTKEY="$OEKEY"
peers_pluto_start peer "$P/pluto/ipsec.conf"
peers_pluto_add peer "$P/pluto/ipsec.conf" interop
peers_template oe-iked-rsa.conf "$O/oe/iked.conf" LOCAL="$OE_ADDR" REMOTE="$PEER_ADDR" \
	POLDIR="$O/oe/policies" AUTO=start LEFTKEY="$OEKEY" RIGHTKEY="$OTHERKEY"
pid=$(peers_oe_start oe "$O/oe/iked.conf")
lab_wait 30 "oe-iked counting a failed IKE SA (pluto's signature, wrong key)" oe_failed
grep -q "signature does not verify" "$O/log/oe-iked.log" ||
	fail "oe-iked failed, but not on the signature: $(grep -m1 -i -E 'fail|refus' "$O/log/oe-iked.log")"
sleep 1
oe_no_sa "oe refusing pluto's key"
kill "$pid"
lab_wait 10 "oe-iked stopping" bash -c "! kill -0 $pid"
expect "pluto forgets the conn" peers_whack peer --delete --name interop

# ---- 2: pluto expects OTHERKEY for oe: it must refuse oe-iked's AUTH.
peers_template pluto-rsa.conf "$P/pluto/ipsec2.conf" LOCAL="$PEER_ADDR" REMOTE="$OE_ADDR" \
	LEFTKEY="$PLUTOKEY" RIGHTKEY="$OTHERKEY"
peers_pluto_add peer "$P/pluto/ipsec2.conf" interop
peers_template oe-iked-rsa.conf "$O/oe/iked2.conf" LOCAL="$OE_ADDR" REMOTE="$PEER_ADDR" \
	POLDIR="$O/oe/policies" AUTO=start LEFTKEY="$OEKEY" RIGHTKEY="$PLUTOKEY"
rm -f "$(peers_oe_state oe)"
cp "$O/log/oe-iked.log" "$O/log/oe-iked-1.log"
peers_oe_start oe "$O/oe/iked2.conf" > /dev/null
lab_wait 30 "oe-iked counting a failed IKE SA (pluto refusing oe's key)" oe_failed
grep -q "AUTHENTICATION_FAILED" "$O/log/oe-iked.log" ||
	fail "oe-iked failed, but not by pluto's AUTHENTICATION_FAILED: $(grep -m1 -i -E 'fail|refus' "$O/log/oe-iked.log")"
sleep 1
oe_no_sa "pluto refusing oe's key"
if peers_whack peer --showstates 2>/dev/null | grep -q ESTABLISHED_CHILD_SA; then
	fail "pluto established a Child SA with a peer whose key it does not know"
fi
[ -z "$(ip -n peer xfrm state)" ] || fail "pluto's kernel has an SA: $(ip -n peer xfrm state | head -n2)"
pass "oe-iked refused pluto's signature by a key other than rightrsasigkey=; pluto refused oe-iked's (AUTHENTICATION_FAILED); no SA on either side"
