# DESCRIPTION: hand-keyed AES-GCM transport SAs carry UDP over real ESP; with the SAs gone and a block policy nothing arrives
. "$OE_LAB_REPO/test/lab/lib.sh"

W=198.51.100.1 E=198.51.100.2
SPI_WE=0x0000a001 SPI_EW=0x0000a002
# 128-bit AES key + 32-bit salt, one per direction
KEY_WE=0x6c3ea0477630ce21a2ce334aa746c2cd4d0bcf4e
KEY_EW=0xc2f5f1e7c1a3ef8f1b0c6d5e4f3a2b1c0d9e8f7a

lab_host west
lab_host east
lab_link west w0 "$W/24" east e0 "$E/24"
expect "west reaches east in clear before any IPsec" lab_exec west ping -c1 -W2 "$E"

for h in west east; do
	expect "SA west->east on $h" ip -n $h xfrm state add src $W dst $E proto esp spi $SPI_WE \
		reqid 1 mode transport replay-window 32 aead 'rfc4106(gcm(aes))' $KEY_WE 128
	expect "SA east->west on $h" ip -n $h xfrm state add src $E dst $W proto esp spi $SPI_EW \
		reqid 1 mode transport replay-window 32 aead 'rfc4106(gcm(aes))' $KEY_EW 128
done
# UDP between the two must be ESP in both directions, on both sides.
expect "west out policy" ip -n west xfrm policy add src $W/32 dst $E/32 proto udp dir out \
	tmpl src $W dst $E proto esp reqid 1 mode transport
expect "west in policy" ip -n west xfrm policy add src $E/32 dst $W/32 proto udp dir in \
	tmpl src $E dst $W proto esp reqid 1 mode transport
expect "east out policy" ip -n east xfrm policy add src $E/32 dst $W/32 proto udp dir out \
	tmpl src $E dst $W proto esp reqid 1 mode transport
expect "east in policy" ip -n east xfrm policy add src $W/32 dst $E/32 proto udp dir in \
	tmpl src $W dst $E proto esp reqid 1 mode transport

lab_capture west w0 wire "ip host $E"
lab_udp_listen east $E 5000 got

payload="oe-esp-static-$RANDOM$RANDOM"
expect "send the datagram" lab_udp_send west $E 5000 "$payload"
lab_wait 5 "the datagram arriving on east" grep -q "$payload" "$(lab_udp_file east got)"

lab_wait 5 "east's inbound SA counting the packet" \
	bash -c "[ \"\$(ip -n east -s xfrm state get src $W dst $E proto esp spi $SPI_WE |
		awk '/lifetime current:/ { getline; sub(/\\(packets\\).*/, \"\"); sub(/.*, /, \"\"); print; exit }')\" -ge 1 ]"
inbound=$(lab_sa_packets east $W $E $SPI_WE)
[ "$inbound" = 1 ] || fail "east's inbound SA counted $inbound packets, expected 1"

sleep 0.3
wire=$(lab_capture_file west wire)
grep -q "ESP(spi=$SPI_WE" "$wire" || fail "no ESP packet with SPI $SPI_WE on west's wire"
if grep -q "UDP" "$wire"; then
	fail "a clear UDP packet left west: $(grep -m1 UDP "$wire")"
fi

# Second half: no SAs, and a block policy for the same traffic.
expect "delete SAs on west" ip -n west xfrm state flush
expect "delete SAs on east" ip -n east xfrm state flush
expect "flush policies on west" ip -n west xfrm policy flush
expect "block policy on west" ip -n west xfrm policy add src $W/32 dst $E/32 proto udp dir out action block
: > "$(lab_udp_file east got)"
wire_before=$(wc -l < "$wire")
payload2="oe-esp-blocked-$RANDOM$RANDOM"
lab_udp_send west $E 5000 "$payload2" 2>/dev/null
lab_udp_send west $E 5000 "$payload2" 2>/dev/null
sleep 1
if [ -s "$(lab_udp_file east got)" ]; then
	fail "a datagram arrived despite the block policy: $(head -c 80 "$(lab_udp_file east got)")"
fi
wire_after=$(wc -l < "$wire")
[ "$wire_after" -eq "$wire_before" ] || fail "packets left west under the block policy: $(tail -n1 "$wire")"

pass "payload arrived over ESP (SPI $SPI_WE, east inbound packets=$inbound, no clear UDP on the wire); after SA removal with a block policy 0 datagrams and 0 wire packets"
