# The demo world: an authoritative server, west and east on one LAN.
# west resolves east's name through its validating Unbound, then talks
# to east over ESP.  Output (stdout) is what the user reads.
. "$OE_LAB_REPO/test/lab/lib.sh"

AUTH=198.51.100.53 WEST=198.51.100.1 EAST=198.51.100.2
W6=2001:db8::1 E6=2001:db8::2
say() { printf '%s\n' "$*"; }
section() { printf '\n== %s\n' "$*"; }

section "Building the world (user-mode Linux $(uname -r), real kernel ESP)"
lab_lan lan
lab_host auth; lab_attach auth a0 "$AUTH/24" lan
lab_host west; lab_attach west w0 "$WEST/24,$W6/64" lan
lab_host east; lab_attach east e0 "$EAST/24,$E6/64" lan
say "auth $AUTH   west $WEST $W6   east $EAST $E6"

# east's host key, published as an IPSECKEY record next to its addresses
ipk=$(lab_bin oe-ipseckey)
if [ -x "$ipk" ] && "$ipk" --help >/dev/null 2>&1; then
	keysrc="oe-ipseckey"
	db=$(lab_host_dir east)/nss
	expect "oe-ipseckey init on east" "$ipk" --nssdb "$db" init
	expect "oe-ipseckey newkey on east" "$ipk" --nssdb "$db" newkey --rsa 3072
	record=$("$ipk" --nssdb "$db" show --name east.oe.test. --gateway "$EAST" --precedence 10 --ttl 300) ||
		fail "oe-ipseckey show"
	key=$(awk '$4 == "IPSECKEY" { print $NF; exit }' <<< "$record")
else
	keysrc="ldns-keygen (oe-ipseckey not built)"
	key=$(lab_rsa_pubkey 3072)
fi
[ -n "$key" ] || fail "no host key for east"
lab_zone_records oe.test <<REC
east 300 IN A $EAST
east 300 IN AAAA $E6
east 300 IN IPSECKEY 10 1 2 $EAST $key
west 300 IN A $WEST
REC
lab_dns_world auth "$AUTH"
say "east's RSA-3072 host key made by $keysrc, published in the signed zone oe.test."
say "NSD on $AUTH serves the lab root, test., oe.test. (all signed at start-up)"

module=$(lab_bin oe-unbound.so)
if [ -f "$module" ]; then
	lab_resolver_start west "$WEST" "$AUTH" "$LAB_ANCHOR" "$module"
	say "west's Unbound validates with the lab root's trust anchor, module stack: dynlib(oe-unbound.so) validator iterator"
else
	lab_resolver_start west "$WEST" "$AUTH" "$LAB_ANCHOR"
	say "west's Unbound validates with the lab root's trust anchor (oe-unbound.so not built)"
fi

section "west looks up east.oe.test"
t0=$(lab_now)
out=$(lab_dig west @"$WEST" +dnssec east.oe.test A) || fail "lookup failed"
ms=$(lab_ms_since "$t0")
say "A lookup took ${ms} ms (includes starting dig in the guest), status $(lab_dig_status <<< "$out"), flags: $(lab_dig_flags <<< "$out")"
grep -E '^east\.oe\.test\..*IN[[:space:]]+A[[:space:]]' <<< "$out" | sed 's/^/  /'
out=$(lab_dig west @"$WEST" +dnssec east.oe.test IPSECKEY) || fail "IPSECKEY lookup failed"
say "IPSECKEY (flags: $(lab_dig_flags <<< "$out")):"
grep -E '^[^;].*IN[[:space:]]+IPSECKEY' <<< "$out" | awk '{ k = $NF; printf "  %s %s %s %s %s %s %s %s...%s\n", $1, $2, $3, $4, $5, $6, $7, $8, substr(k, 1, 24), substr(k, length(k) - 8) }'

section "west sends to east over ESP"
say "(oe-iked does not negotiate yet: these SAs are keyed by hand, AES-GCM-128, transport mode)"
K1=0x6c3ea0477630ce21a2ce334aa746c2cd4d0bcf4e K2=0xc2f5f1e7c1a3ef8f1b0c6d5e4f3a2b1c0d9e8f7a
for h in west east; do
	expect "SA out on $h" ip -n $h xfrm state add src $WEST dst $EAST proto esp spi 0xd0e1 reqid 7 mode transport aead 'rfc4106(gcm(aes))' $K1 128
	expect "SA in on $h" ip -n $h xfrm state add src $EAST dst $WEST proto esp spi 0xd0e2 reqid 7 mode transport aead 'rfc4106(gcm(aes))' $K2 128
done
expect "policy" ip -n west xfrm policy add src $WEST/32 dst $EAST/32 dir out tmpl src $WEST dst $EAST proto esp reqid 7 mode transport
expect "policy" ip -n west xfrm policy add src $EAST/32 dst $WEST/32 dir in tmpl src $EAST dst $WEST proto esp reqid 7 mode transport
expect "policy" ip -n east xfrm policy add src $EAST/32 dst $WEST/32 dir out tmpl src $EAST dst $WEST proto esp reqid 7 mode transport
expect "policy" ip -n east xfrm policy add src $WEST/32 dst $EAST/32 dir in tmpl src $WEST dst $EAST proto esp reqid 7 mode transport
lab_capture west w0 wire "ip host $EAST and not udp port 53"
out=$(lab_exec west ping -c 5 -i 0.2 -W 2 "$EAST") || fail "ping over ESP failed: $out"
tail -n 2 <<< "$out" | sed 's/^/  /'
sleep 0.3
say "on west's wire: $(grep -c 'ESP(spi=0x0000d0e1' "$(lab_capture_file west wire)") ESP packets, $(grep -c 'ICMP' "$(lab_capture_file west wire)") clear ICMP packets"
say "east's kernel, inbound SA:"
ip -n east -s xfrm state get src $WEST dst $EAST proto esp spi 0xd0e1 | sed 's/^/  /'

section "Where to look"
say "lab logs of this run: $LAB_RES (hosts/*/log)"
say "./quickstart check runs the whole test suite"
lab_dump_all
pass "demo ran"
