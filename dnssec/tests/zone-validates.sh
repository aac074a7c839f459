#!/bin/bash
# zone-validates: zones made and signed by `oe-ipseckey zone` (NSEC and
# NSEC3) are served by NSD and validate as secure through Unbound; a
# tampered record does not.  Loopback only: NSD on 127.0.0.53:5353,
# Unbound on 127.0.0.54:5354.  Prints PASS/FAIL lines; exit 1 on failure.
set -u
. "$(dirname "$0")/lib-lab.sh"

DATA=${OE_TEST_DATA:-$(dirname "$0")/../../test/data}/dnssec
NSD_ADDR=127.0.0.53 NSD_PORT=5353 UB_ADDR=127.0.0.54 UB_PORT=5354

lab_setup nsd dig ldns-verify-zone ldns-read-zone "$UNBOUND"
export OE_NSSDB="$T/nss-east"

# Each host makes its key in its own database and exports the public part.
"$IPK" -q init --nssdb "$T/nss-east" &&
"$IPK" -q newkey --nssdb "$T/nss-east" --rsa 2048 &&
"$IPK" -q init --nssdb "$T/nss-west" &&
"$IPK" -q newkey --nssdb "$T/nss-west" --ecdsa p256 &&
"$IPK" -q init --nssdb "$T/nss-road" &&
"$IPK" -q newkey --nssdb "$T/nss-road" --ecdsa p384 ||
	die hostkeys "init/newkey failed"
mkdir "$T/keys"
"$IPK" export-pub --nssdb "$T/nss-east" -o "$T/keys/east.pub" &&
"$IPK" export-pub --nssdb "$T/nss-west" -o "$T/keys/west.pub" --gateway 198.51.100.1 &&
"$IPK" export-pub --nssdb "$T/nss-road" -o "$T/keys/road.pub" ||
	die export "export-pub failed"
pass hostkeys "three NSS databases, RSA-2048, P-256 and P-384 host keys exported"

# Sign oe.test (NSEC) and oe3.test (NSEC3).
sed 's/^\$ORIGIN oe.test./$ORIGIN oe3.test./' \
	"$DATA/oe.test.zone" > "$T/oe3.test.zone"
"$IPK" -q zone "$DATA/oe.test.zone" --keys "$T/keys" -o "$T/oe.test.signed" \
	--valid 7d > "$T/ds" || die sign "zone (NSEC) failed"
"$IPK" -q zone "$T/oe3.test.zone" --keys "$T/keys" -o "$T/oe3.test.signed" \
	--nsec3 > "$T/ds3" || die sign "zone (NSEC3) failed"
grep -q "^oe.test.[[:space:]].*DS[[:space:]]" "$T/ds" && grep -q "^oe3.test.[[:space:]].*DS" "$T/ds3" ||
	die sign "no DS record printed"
pass sign "signed oe.test (NSEC) and oe3.test (NSEC3), DS printed"

# A second run keeps the signing keys (same DS), so parents need no change.
"$IPK" -q zone "$DATA/oe.test.zone" --keys "$T/keys" -o "$T/oe.test.signed" > "$T/ds.again" &&
	cmp -s "$T/ds" "$T/ds.again" && pass ds-stable "re-signing keeps the KSK and DS" ||
	fail ds-stable "DS changed on re-signing"

for z in oe.test oe3.test; do
	if ldns-verify-zone "$T/$z.signed" >"$T/verify.$z" 2>&1; then
		pass verify-$z "ldns-verify-zone accepts the signed zone"
	else
		fail verify-$z "ldns-verify-zone: $(tail -1 "$T/verify.$z")"
	fi
done

# The published records are exactly what `show` prints for each host key.
for h in east west road; do
	gw=; [ $h = west ] && gw="--gateway 198.51.100.1"
	want=$("$IPK" show --nssdb "$T/nss-$h" --name $h.oe.test $gw |
		ldns-read-zone -c /dev/stdin | awk '{print $5,$6,$7,$8,$9}')
	got=$(ldns-read-zone -c "$T/oe.test.signed" |
		awk -v n="$h.oe.test." '$1==n && $4=="IPSECKEY" {print $5,$6,$7,$8,$9}')
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		pass record-$h "zone IPSECKEY equals the host's NSS key"
	else
		fail record-$h "zone has \"$got\", host key gives \"$want\""
	fi
done
grep -q "AwEAAc1aeGI4xQlp" "$T/oe.test.signed" &&
	fail replace "old IPSECKEY of east still in the zone" ||
	pass replace "old IPSECKEY of east replaced"

# Serve a copy of oe.test in which road's key is tampered with.
awk 'BEGIN {OFS = "\t"}
     $1 == "road.oe.test." && $4 == "IPSECKEY" {
	$9 = (substr($9, 1, 1) == "B" ? "C" : "B") substr($9, 2)
     } {print}' "$T/oe.test.signed" > "$T/oe.test.served"
cat > "$T/nsd.conf" <<NSD
server:
  ip-address: $NSD_ADDR@$NSD_PORT
  port: $NSD_PORT
  zonesdir: "$T"
  pidfile: "$T/nsd.pid"
  database: ""
  username: ""
  chroot: ""
  xfrdfile: "$T/xfrd.state"
  zonelistfile: "$T/zone.list"
  verbosity: 1
  server-count: 1
  do-ip6: no
remote-control:
  control-enable: no
zone:
  name: "oe.test"
  zonefile: "$T/oe.test.served"
zone:
  name: "oe3.test"
  zonefile: "$T/oe3.test.signed"
NSD
start nsd "$T/nsd.log" nsd -d -c "$T/nsd.conf"
wait_dns $NSD_ADDR $NSD_PORT || die nsd "NSD did not start: $(tail -3 "$T/nsd.log")"

awk '{print $1, $3, $4, $5, $6, $7, $8}' "$T/ds" "$T/ds3" > "$T/anchors"
write_unbound_conf "$T/unbound.conf" $UB_ADDR $UB_PORT "$NSD_ADDR@$NSD_PORT" \
	"$T/anchors" "oe.test oe3.test"
start unbound "$T/unbound.log" "$UNBOUND" -d -c "$T/unbound.conf"
for i in $(seq 1 50); do
	dig +time=1 +tries=1 @$UB_ADDR -p $UB_PORT oe.test SOA >/dev/null 2>&1 && break
	sleep 0.2
done

# q NAME TYPE: "<status> <flags>" of Unbound's answer.
q() {
	dig +dnssec +time=3 +tries=1 @$UB_ADDR -p $UB_PORT "$1" "$2" > "$T/dig.out" 2>&1
	awk '/->>HEADER<<-/ {gsub(",","",$6); st=$6}
	     /^;; flags:/ {sub(/;; flags: /,""); sub(/;.*/,""); fl=$0}
	     END {print st, fl}' "$T/dig.out"
}
check_ad() {
	local r; r=$(q "$2" "$3")
	case "$r" in
	"$4 "*" ad"*) pass "$1" "$2 $3 is $4 and secure (AD)";;
	*) fail "$1" "$2 $3 gave \"$r\", want $4 with AD";;
	esac
}
check_ad served-east east.oe.test IPSECKEY NOERROR
check_ad served-west west.oe.test IPSECKEY NOERROR
check_ad served-nsec3 east.oe3.test IPSECKEY NOERROR
check_ad denial-nsec nohost.oe.test IPSECKEY NXDOMAIN
check_ad denial-nsec3 nohost.oe3.test IPSECKEY NXDOMAIN
check_ad nodata-nsec3 ns1.oe3.test IPSECKEY NOERROR
got=$(dig +short @$UB_ADDR -p $UB_PORT east.oe.test IPSECKEY | tr -d ' ')
want=$(awk '$1=="key" {print $2}' "$T/keys/east.pub")
case "$got" in
*"$want") pass answer-east "resolver returns east's NSS key";;
*) fail answer-east "resolver returned \"$got\"";;
esac
r=$(q road.oe.test IPSECKEY)
case "$r" in
SERVFAIL*) pass bogus-road "tampered IPSECKEY is rejected as bogus (SERVFAIL)";;
*) fail bogus-road "tampered IPSECKEY gave \"$r\", want SERVFAIL";;
esac

exit $FAILED
