# DESCRIPTION: raw-RSA interop with strongSwan 5.9.8 refuses a key that is not the configured one, both ways: oe-iked rejects charon's signature, charon rejects oe-iked's; no SA anywhere
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-peers.sh"

peers_charon_rsa_setup
# A third key, owned by nobody here.
mkdir -p "$O/other/nss"
expect "oe-ipseckey init (other key)" "$(lab_bin oe-ipseckey)" init --nssdb "sql:$O/other/nss"
expect "oe-ipseckey newkey (other key)" "$(lab_bin oe-ipseckey)" newkey --rsa 3072 --nssdb "sql:$O/other/nss"
OTHERKEY=$("$(lab_bin oe-ipseckey)" show --libreswan --nssdb "sql:$O/other/nss" 2>/dev/null |
	grep -o -E '0s[A-Za-z0-9+/=]+' | head -n1)
[ -n "$OTHERKEY" ] && [ "$OTHERKEY" != "$OEKEY" ] && [ "$OTHERKEY" != "$SSKEY" ] ||
	fail "no distinct third key"
peers_0s_to_pem "$OTHERKEY" "$O/other/pub.pem"

oe_no_sa() {
	jq -e '[.ike_sas[]? | select(.state == "ESTABLISHED")] | length == 0' \
		"$(peers_oe_state oe)" > /dev/null || fail "$1: oe-iked shows an established SA"
	[ -z "$(ip -n oe xfrm state)" ] || fail "$1: oe's kernel has an SA: $(ip -n oe xfrm state | head -n2)"
}
oe_failed() { jq -e '.counters.ike_failed >= 1' "$(peers_oe_state oe)" > /dev/null 2>&1; }
charon_no_sa() {
	local out
	out=$(peers_swanctl peer --list-sas)
	if grep -q "ESTABLISHED\|INSTALLED" <<< "$out"; then
		fail "$1: charon has an SA: $(grep -m1 "ESTABLISHED\|INSTALLED" <<< "$out")"
	fi
	[ -z "$(ip -n peer xfrm state)" ] || fail "$1: peer's kernel has an SA: $(ip -n peer xfrm state | head -n2)"
}

# ---- 1: oe-iked expects OTHERKEY for charon: it must refuse charon's AUTH.
peers_charon_start peer
peers_oe_rsa_conf start "$OTHERKEY"
pid=$(peers_oe_start oe "$O/oe/iked.conf")
lab_wait 30 "oe-iked counting a failed IKE SA (charon's signature, wrong key)" oe_failed
grep -q "signature does not verify" "$O/log/oe-iked.log" ||
	fail "oe-iked failed, but not on the signature: $(grep -m1 -i -E 'fail|refus' "$O/log/oe-iked.log")"
sleep 1
oe_no_sa "oe refusing charon's key"
kill "$pid"
lab_wait 10 "oe-iked stopping" bash -c "! kill -0 $pid"
peers_swanctl peer --terminate --ike interop --force --timeout 5 > /dev/null 2>&1

# ---- 2: charon expects OTHERKEY for oe: it must refuse oe-iked's AUTH.
cp "$O/other/pub.pem" "$P/swanctl/pubkey/peer.pem"
peers_swanctl peer --load-conns --file "$P/swanctl/swanctl.conf" >> "$P/log/swanctl-load.log" ||
	fail "swanctl --load-conns with the other key"
peers_oe_rsa_conf start "$SSKEY" "$O/oe/iked2.conf"
rm -f "$(peers_oe_state oe)"
cp "$O/log/oe-iked.log" "$O/log/oe-iked-1.log"
peers_oe_start oe "$O/oe/iked2.conf" > /dev/null
lab_wait 30 "oe-iked counting a failed IKE SA (charon refusing oe's key)" oe_failed
grep -q "AUTHENTICATION_FAILED" "$O/log/oe-iked.log" ||
	fail "oe-iked failed, but not by charon's AUTHENTICATION_FAILED: $(grep -m1 -i -E 'fail|refus' "$O/log/oe-iked.log")"
# charon still knows oe's real key from round 1 (credentials outlive the
# reloaded conn), so it may refuse either for want of a key or because
# the key that verified is not the conn's pubkeys=.
grep -q -E "no trusted RSA public key found for '$OE_ADDR'|constraint check failed: peer not authenticated with peer cert '$OE_ADDR'" \
	"$P/log/charon.log" ||
	fail "charon did not refuse on oe's key: $(grep -m1 -i -E 'fail|no trusted' "$P/log/charon.log")"
sleep 1
oe_no_sa "charon refusing oe's key"
charon_no_sa "charon refusing oe's key"
pass "oe-iked refused charon's signature by a key other than rightrsasigkey=; charon refused oe-iked's (AUTHENTICATION_FAILED); no SA on either side"
