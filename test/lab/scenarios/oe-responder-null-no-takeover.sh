# DESCRIPTION: east holds a keyed SA with west (west signed, east took west's key from its resolver); then an anonymous (NULL auth) initiator from west's address (west's daemon killed and restarted with authby=null) lands on east's anonymous %any conn but gets no Child SA: east's kernel policies to west stay with the keyed SA, which stays up
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-dns.sh"

dns_two_hosts
dns_publish oe.test east east "$EAST"
dns_publish oe.test west west "$WEST"
lab_dns_world auth "$AUTH"

# west: keyed, signs as @west.oe.test, east's key from its trigger.
# east: the same keyed conn (west's key from east's own resolver) and an
# anonymous responder conn for everyone (right=%any, preferred to the
# group conn for an address alone: IKE_AUTH picks the keyed one back).
oe_conf_file() {
	local name=$1 body=$2 h
	h=$(lab_host_dir "$name")
	mkdir -p "$h/oe/policies"
	printf '%s\n' "$body" > "$h/oe/iked.conf"
}
keyed_conn() {
	cat <<EOF
conn private
    left=%defaultroute
    leftid=@$1
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
setup() {
	cat <<EOF
config setup
    loglevel=debug
    trigger-socket=/run/oe/trigger.sock
    policies-dir=$(lab_host_dir "$1")/oe/policies
$2
EOF
}
mkdir -p "$(lab_host_dir west)/oe/policies" "$(lab_host_dir east)/oe/policies"
echo "$EAST/32" > "$(lab_host_dir west)/oe/policies/private"
echo "$WEST/32" > "$(lab_host_dir east)/oe/policies/private"
oe_conf_file west "$(setup west "")

$(keyed_conn west.oe.test)"
oe_conf_file east "$(setup east "    dns-resolver=127.0.0.1")

$(keyed_conn east.oe.test)

conn oe-responder
    left=%defaultroute
    leftid=%null
    right=%any
    rightid=%null
    authby=null
    type=transport
    auto=add"

lab_resolver_start east "$EAST" "$AUTH" "$LAB_ANCHOR"
lab_wait 20 "east's resolver answers" lab_exec east bash -c \
	"dig +short +time=1 +tries=1 @127.0.0.1 west.oe.test A | grep -q ."
dns_iked_start east
dns_iked_start west
dns_resolver_start west "$WEST" "$AUTH" "deadline-ms: 1800"

dns_lookup west east.oe.test A
[ "$DNS_STATUS" = NOERROR ] || fail "east.oe.test A: status $DNS_STATUS"
keyed_sa() {
	dns_oectl east sas | jq -c --arg w "$WEST" \
		'[.. | objects | select(.peer.address? == $w and .state == "ESTABLISHED" and .name == "west.oe.test.")] | .[0] // empty'
}
lab_wait 10 "east's keyed SA with west" bash -c "[ -n \"\$(ip -n east xfrm state list src $EAST dst $WEST proto esp 2>/dev/null)\" ]"
ksa=$(keyed_sa)
[ -n "$ksa" ] || fail "east has no keyed SA labelled west.oe.test.: $(dns_oectl east sas)"
[ "$(jq -r .conn <<< "$ksa")" = private ] || fail "east's keyed SA is not under conn private: $ksa"
pol_before=$(ip -n east xfrm policy get dir out src "$EAST/32" dst "$WEST/32" 2>&1)
grep -q "reqid" <<< "$pol_before" || fail "east has no outbound policy to west: $pol_before"

# west restarts anonymous: NULL auth, initiating at once
dns_iked_stop_kill() { kill -KILL "$(dns_iked_pid "$1")" 2>/dev/null; sleep 0.3; }
dns_iked_stop_kill west
oe_conf_file west "$(setup west "")

conn anon
    left=%defaultroute
    leftid=%null
    right=$EAST
    rightid=%null
    authby=null
    type=transport
    auto=start"
elog=$(dns_iked_log east)
lines_before=$(wc -l < "$elog")
dns_iked_start west
lab_wait 15 "east refuses the anonymous Child SA" bash -c \
	"tail -n +$((lines_before + 1)) '$elog' | grep -q 'Child SA refused: an SA whose peer authenticated with a key holds these selectors'"
sleep 1
pol_after=$(ip -n east xfrm policy get dir out src "$EAST/32" dst "$WEST/32" 2>&1)
[ "$(grep -o 'reqid [0-9]*' <<< "$pol_after")" = "$(grep -o 'reqid [0-9]*' <<< "$pol_before")" ] ||
	fail "east's outbound policy to west changed: before: $pol_before; after: $pol_after"
ksa2=$(keyed_sa)
[ -n "$ksa2" ] && [ "$(jq -r .id <<< "$ksa2")" = "$(jq -r .id <<< "$ksa")" ] ||
	fail "east's keyed SA with west is gone: $(dns_oectl east sas)"
tail -n +$((lines_before + 1)) "$elog" | grep -q "IKE SA established (conn oe-responder" ||
	fail "the anonymous initiator did not land on conn oe-responder: $(tail -n +$((lines_before + 1)) "$elog" | head -n 20)"

pass "keyed SA #$(jq -r .id <<< "$ksa") (conn private, name west.oe.test.) kept the policies ($(grep -o 'reqid [0-9]*' <<< "$pol_after")) when an anonymous initiator from $WEST came in on conn oe-responder: its Child SA was refused"
