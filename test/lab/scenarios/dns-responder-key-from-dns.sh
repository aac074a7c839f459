# DESCRIPTION: west's DNS trigger for east.oe.test starts a keyed initiation in which west signs as @west.oe.test; east has no key for west configured and takes west's IPSECKEY from its own validating resolver (dns-resolver=127.0.0.1, AD bit, west's address in the secure A answer); ESP flows and `oectl --json sas` on east names west.oe.test. with a signature as west's authentication
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-dns.sh"

dns_two_hosts
dns_publish oe.test east east "$EAST"
dns_publish oe.test west west "$WEST"
lab_dns_world auth "$AUTH"

# Both sides: the keyed opportunistic conn, each signing with its host
# key under its name; the peer's key from DNS.  east's key for west comes
# only from its resolver (no rightrsasigkey= of west anywhere).
oe_keyed_conf() {
	local name=$1 fqdn=$2 peer=$3 extra=$4 h
	h=$(lab_host_dir "$name")
	mkdir -p "$h/oe/policies"
	echo "$peer/32" > "$h/oe/policies/private"
	cat > "$h/oe/iked.conf" <<EOF
config setup
    loglevel=debug
    trigger-socket=/run/oe/trigger.sock
    policies-dir=$h/oe/policies
$extra

conn private
    left=%defaultroute
    leftid=@$fqdn
    leftauth=rsasig
    right=%opportunisticgroup
    rightid=%any
    rightauth=rsasig
    rightrsasigkey=%dnsondemand
    type=transport
    negotiationshunt=hold
    failureshunt=drop
    auto=ondemand
EOF
}
oe_keyed_conf west west.oe.test "$EAST" ""
oe_keyed_conf east east.oe.test "$WEST" "    dns-resolver=127.0.0.1"

# east's own resolver: plain validating Unbound (no trigger module)
lab_resolver_start east "$EAST" "$AUTH" "$LAB_ANCHOR"
lab_wait 20 "east's resolver answers" lab_exec east bash -c \
	"dig +short +time=1 +tries=1 @127.0.0.1 west.oe.test A | grep -q ."
dns_iked_start east
dns_iked_start west
dns_resolver_start west "$WEST" "$AUTH" "deadline-ms: 1800"

lab_udp_listen east "$EAST" 5001 after
dns_lookup west east.oe.test A
[ "$DNS_STATUS" = NOERROR ] || fail "east.oe.test A: status $DNS_STATUS"
lab_poll 10 bash -c "[ -n \"\$(ip -n west xfrm state list src $WEST dst $EAST proto esp 2>/dev/null)\" ]" ||
	fail "no SA from west to east: west: $(grep -E 'trigger|IKE|auth' "$(dns_iked_log west)" | tail -n5); east: $(grep -E 'IKE|auth|DNS|dns' "$(dns_iked_log east)" | tail -n8)"
lab_udp_send west "$EAST" 5001 "over-esp"
lab_poll 5 grep -q over-esp "$(lab_udp_file east after)" ||
	fail "the datagram never arrived at east"
spi=$(dns_sa_spi east "$WEST" "$EAST")
[ -n "$spi" ] || fail "east has no inbound ESP SA from west"
pk=$(lab_sa_packets east "$WEST" "$EAST" "$spi")
[ "${pk:-0}" -ge 1 ] || fail "east's inbound SA $spi counted no packet"

elog=$(dns_iked_log east)
grep -q "key for west.oe.test. from DNS (validated)" "$elog" ||
	fail "east did not take west's key from DNS: $(grep -iE 'dns|auth' "$elog" | tail -n5)"
sas=$(dns_oectl east sas) || fail "oectl --json sas on east failed"
sa=$(jq -c --arg w "$WEST" '[.. | objects | select(.peer.address? == $w and .state == "ESTABLISHED")] | .[0] // empty' <<< "$sas")
[ -n "$sa" ] || fail "oectl sas on east lists no established SA with $WEST: $sas"
[ "$(jq -r .name <<< "$sa")" = "west.oe.test." ] || fail "east's SA is not labelled west.oe.test.: $sa"
auth=$(jq -r .auth.peer <<< "$sa")
case "$auth" in null|NULL|"") fail "west is not authenticated by signature on east: $sa" ;; esac
[ "$(jq -r .role <<< "$sa")" = responder ] || fail "east's SA with west is not the one west initiated: $sa"

pass "west initiated keyed from its trigger; east verified west's signature ($auth) with west's IPSECKEY from its own resolver; ESP SA $spi counted $pk packet(s); oectl sas on east: name $(jq -r .name <<< "$sa"), peer_id $(jq -c .peer_id <<< "$sa")"
