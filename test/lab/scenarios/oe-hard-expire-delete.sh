# DESCRIPTION: the kernel hard-expires the responder's outbound SA of an OE tunnel (lifetime shortened with ip xfrm state update, which keeps keys and changes only lifetimes): the responder deletes the IKE SA with a DELETE to the initiator, both ends drop their state and policies, the initiator's trap is back and its next packet negotiates a new SA
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-oe.sh"

W=198.51.100.1 E=198.51.100.2
lab_host west
lab_host east
lab_link west w0 "$W/24" east e0 "$E/24"
oe_conf west "$W"
oe_group west private "$E/32"
oe_conf east "$E"
oe_group east private-or-clear "$W/32"
oe_start east
oe_start west
lab_capture west w0 wire "host $E"
lab_udp_listen east "$E" 5000 got
wlog=$(oe_log_file west)

oe_udp_until west "$E" 5000 east got 20 "he-first" || fail "the tunnel did not come up"
lab_wait 10 "west's SA with $E" oe_established west "$E"
lab_wait 10 "east's SA with $W" oe_established east "$W"
spi=$(oe_child east "$W" spi_out)
reqid=$(oe_child east "$W" reqid)
bits=$(oe_child east "$W" encr_bits)
[ "$(oe_child east "$W" encr)" = AES_GCM_16 ] || fail "expected AES_GCM_16, got $(oe_child east "$W" encr)"
wspi=$(oe_child west "$E" spi_out)
# UPDSA keeps keys and algorithms (the key given is ignored) and takes
# the new lifetimes.  Linux 6.1 never hard-expires an SA whose soft
# expiry is pending (it moves add_time instead), so a soft limit comes
# first: a soft expire, on which a responder does nothing, then the
# hard one a second later.
key=0x$(printf '%0*d' $(( (bits / 8 + 4) * 2 )) 0)
ip -n east xfrm state update src "$E" dst "$W" proto esp spi "0x$spi" \
	reqid "$reqid" mode transport aead 'rfc4106(gcm(aes))' "$key" 128 \
	limit time-soft 1 limit time-hard 2 || fail "ip xfrm state update refused"
elog=$(oe_log_file east)
n1=$(grep -c "ACQUIRE $W -> $E" "$wlog")
lab_wait 10 "east handling the kernel's hard expire" grep -q "kernel hard expire of SPI 0x$spi" "$elog"
grep -q "rekey\|CREATE_CHILD_SA" "$elog" && lab_log "note: east logged a rekey around the soft expire: $(grep -m1 'rekey\|CREATE_CHILD_SA' "$elog")"
lab_wait 10 "east's IKE SA gone" bash -c "! jq -e --arg p $W '[.ike_sas[]? | select(.peer == \$p)] | length >= 1' '$(oe_state east)' > /dev/null 2>&1"
lab_wait 10 "west's IKE SA gone (DELETE received)" bash -c "! jq -e --arg p $E '[.ike_sas[]? | select(.peer == \$p)] | length >= 1' '$(oe_state west)' > /dev/null 2>&1"
grep -q "peer deleted the IKE SA" "$wlog" || fail "west did not get a DELETE: $(grep -m1 'sa-down' "$wlog")"
lab_wait 5 "west's host policy gone" bash -c "[ -z \"\$(ip -n west xfrm policy get dir out src $W/32 dst $E/32 2>/dev/null)\" ]"
oe_has_policy west out 0.0.0.0/0 "$E/32" ipsec || fail "the trap is not back after the hard expire"
[ "$(oe_sa_count west "$W" "$E")" -eq 0 ] || fail "west still has an SA to $E"
[ "$(oe_sa_count east "$E" "$W")" -eq 0 ] || fail "east still has an SA to $W"
[ "$(grep -c "ACQUIRE $W -> $E" "$wlog")" -eq "$n1" ] || fail "a new negotiation before any packet"

oe_udp_until west "$E" 5000 east got 20 "he-again" || fail "no datagram after the hard expire"
[ "$(grep -c "ACQUIRE $W -> $E" "$wlog")" -gt "$n1" ] || fail "no new ACQUIRE after the hard expire"
lab_wait 10 "a new SA" oe_established west "$E"
new=$(oe_child west "$E" spi_out)
[ "$new" != "$wspi" ] || fail "the same SPI after the hard expire"
clear=$(oe_wire_clear west wire "UDP")
[ -z "$clear" ] || fail "clear UDP on the wire: $(echo "$clear" | head -n1)"
pass "east's kernel hard-expired SPI $spi: DELETE to west, both ends clean, west's trap back, new ACQUIRE and SA $wspi -> $new, none clear"
