#!/bin/bash
# update-validates: `oe-ipseckey update` replaces a host's IPSECKEY at a
# Knot primary that signs inline (TSIG-signed DNS UPDATE), and the new
# key validates as secure through Unbound; a wrong TSIG key and a name
# outside the zone are refused and change nothing.  Loopback only:
# Knot on 127.0.0.55:5355, Unbound on 127.0.0.56:5356.
set -u
. "$(dirname "$0")/lib-lab.sh"

KNOT_ADDR=127.0.0.55 KNOT_PORT=5355 UB_ADDR=127.0.0.56 UB_PORT=5356
ZONE=upd.test

lab_setup knotd keymgr dig ldns-key2ds "$UNBOUND"

"$IPK" -q init --nssdb "$T/nss-old" && "$IPK" -q newkey --nssdb "$T/nss-old" --rsa 2048 &&
"$IPK" -q init --nssdb "$T/nss-new" && "$IPK" -q newkey --nssdb "$T/nss-new" --ecdsa p256 ||
	die hostkeys "init/newkey failed"

# TSIG key as Knot prints it; the same key in BIND form for the tool.
keymgr -t oe-update hmac-sha256 > "$T/tsig.knot" || die tsig "keymgr -t failed"
secret=$(awk '$1=="secret:" {print $2}' "$T/tsig.knot")
printf 'key "oe-update" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
	"$secret" > "$T/tsig.bind"
wrong=$(keymgr -t oe-update hmac-sha256 | awk '$1=="secret:" {print $2}')
printf 'hmac-sha256:oe-update:%s\n' "$wrong" > "$T/tsig.wrong"

mkdir -p "$T/knot"
{
	echo "\$ORIGIN $ZONE."
	echo "\$TTL 1"
	echo "@ SOA ns1 hostmaster 1 3600 900 1209600 1"
	echo "@ NS ns1"
	echo "ns1 A $KNOT_ADDR"
	echo "east A 198.51.100.2"
	"$IPK" show --nssdb "$T/nss-old" --name east.$ZONE --ttl 1
} > "$T/knot/$ZONE.zone"

cat > "$T/knot.conf" <<KNOT
server:
    rundir: "$T/knot"
    listen: $KNOT_ADDR@$KNOT_PORT
log:
  - target: stderr
    any: info
database:
    storage: "$T/knot"
control:
    listen: "$T/knot/knot.sock"
$(sed -n '/^key:/,$p' "$T/tsig.knot")
acl:
  - id: oe-update
    key: oe-update
    action: update
policy:
  - id: lab
    algorithm: ecdsap256sha256
    nsec3: off
template:
  - id: default
    storage: "$T/knot"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: all
zone:
  - domain: $ZONE
    dnssec-signing: on
    dnssec-policy: lab
    acl: oe-update
KNOT
start knotd "$T/knot.log" knotd -c "$T/knot.conf"
for i in $(seq 1 50); do
	dig +time=1 +tries=1 +dnssec @$KNOT_ADDR -p $KNOT_PORT $ZONE DNSKEY > "$T/dnskey.dig" 2>&1 &&
		grep -q "DNSKEY.*257 3 13" "$T/dnskey.dig" && break
	sleep 0.2
done
grep -q "DNSKEY.*257 3 13" "$T/dnskey.dig" || die knot "Knot did not serve a signed zone: $(tail -3 "$T/knot.log")"
grep -v '^;' "$T/dnskey.dig" | awk '$4=="DNSKEY" && $5==257' > "$T/ksk.key"
(cd "$T" && ldns-key2ds -n -2 ksk.key) > "$T/ds" || die knot "no DS for Knot's KSK"
awk '{print $1, $3, $4, $5, $6, $7, $8}' "$T/ds" > "$T/anchors"
pass knot "Knot serves $ZONE signed inline; DS taken from its KSK"

UB_EXTRA="  cache-max-ttl: 0
  cache-max-negative-ttl: 0"
write_unbound_conf "$T/unbound.conf" $UB_ADDR $UB_PORT "$KNOT_ADDR@$KNOT_PORT" \
	"$T/anchors" "$ZONE"
start unbound "$T/unbound.log" "$UNBOUND" -d -c "$T/unbound.conf"
for i in $(seq 1 50); do
	dig +time=1 +tries=1 @$UB_ADDR -p $UB_PORT $ZONE SOA >/dev/null 2>&1 && break
	sleep 0.2
done

# resolved_key: "<flags>|<key>" of east's IPSECKEY through Unbound.
resolved() {
	dig +dnssec +time=3 +tries=1 @$UB_ADDR -p $UB_PORT east.$ZONE IPSECKEY > "$T/dig.out" 2>&1
	local fl key
	fl=$(sed -n 's/^;; flags: \([^;]*\);.*/\1/p' "$T/dig.out")
	key=$(awk '$4=="IPSECKEY" {k=""; for (i = 9; i <= NF; i++) k = k $i; print k}' "$T/dig.out")
	echo "$fl|$key"
}
pubkey() { "$IPK" show --nssdb "$1" --name x. | awk '{print $9}'; }
old=$(pubkey "$T/nss-old")
new=$(pubkey "$T/nss-new")

r=$(resolved)
case "$r" in
*" ad"*"|$old") pass before "east's old RSA key resolves as secure";;
*) fail before "got \"$r\"";;
esac

if "$IPK" -q update --server $KNOT_ADDR --port $KNOT_PORT --zone $ZONE \
	--tsig "$T/tsig.wrong" --nssdb "$T/nss-new" --name east.$ZONE --ttl 1 \
	--wait 0 2>"$T/wrong.err"; then
	fail wrong-tsig "update with a wrong TSIG key succeeded"
else
	case "$(resolved)" in
	*"|$old") pass wrong-tsig "wrong TSIG key refused ($(tail -1 "$T/wrong.err" | cut -c1-100)), key unchanged";;
	*) fail wrong-tsig "key changed after a refused update";;
	esac
fi

if "$IPK" -q update --server $KNOT_ADDR --port $KNOT_PORT --zone $ZONE \
	--tsig "$T/tsig.bind" --nssdb "$T/nss-new" --name east.other.test \
	2>/dev/null; then
	fail outside "update of a name outside the zone was sent"
else
	pass outside "name outside --zone refused before sending"
fi

if "$IPK" update --server $KNOT_ADDR --port $KNOT_PORT --zone $ZONE \
	--tsig "$T/tsig.bind" --nssdb "$T/nss-new" --name east.$ZONE --ttl 1 \
	2>"$T/update.err"; then
	pass update "TSIG-signed UPDATE accepted; signed record read back from Knot"
else
	fail update "$(tail -2 "$T/update.err" | tr '\n' ' ')"
fi

ok=
for i in 1 2 3 4 5 6 7 8 9 10; do
	r=$(resolved)
	case "$r" in *" ad"*"|$new") ok=1; break;; esac
	sleep 0.5
done
[ -n "$ok" ] && pass after "east's new ECDSA key resolves as secure through Unbound" ||
	fail after "after update got \"$r\", want AD and the new key"

# Same again with the Knot-format TSIG file: idempotent replace.
"$IPK" -q update --server $KNOT_ADDR --port $KNOT_PORT --zone $ZONE \
	--tsig "$T/tsig.knot" --nssdb "$T/nss-old" --name east.$ZONE --ttl 1 &&
	case "$(resolved)" in
	*" ad"*"|$old") pass knot-tsig "Knot-format TSIG file works; key rolled back";;
	*) fail knot-tsig "key not rolled back";;
	esac || fail knot-tsig "update with Knot-format TSIG file failed"

exit $FAILED
