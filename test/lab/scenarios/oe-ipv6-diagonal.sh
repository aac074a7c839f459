# DESCRIPTION: IPv6 only: the matrix diagonal (both hosts in the same group, five pairs at once) with real UDP both ways; private-or-clear and private come up by ACQUIRE over IPv6 with ESP, block drops, clear and clear-or-private stay clear; neighbour discovery keeps working under the traps
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-oe.sh"

G=(block clear clear-or-private private-or-clear private)
W=(2001:db8:1::11 2001:db8:1::12 2001:db8:1::13 2001:db8:1::14 2001:db8:1::15)
E=(2001:db8:1::21 2001:db8:1::22 2001:db8:1::23 2001:db8:1::24 2001:db8:1::25)
WANT=(none clear clear tunnel tunnel)

lab_lan lan
for i in 0 1 2 3 4; do
	lab_host "west$i"; lab_attach "west$i" eth0 "${W[i]}/64" lan
	lab_host "east$i"; lab_attach "east$i" eth0 "${E[i]}/64" lan
done
for i in 0 1 2 3 4; do
	OE_LAB_RETRANSMIT_TIMEOUT=8s oe_conf "west$i" "${W[i]}"
	oe_group "west$i" "${G[i]}" "2001:db8:1::20/124"
	OE_LAB_RETRANSMIT_TIMEOUT=8s oe_conf "east$i" "${E[i]}"
	oe_group "east$i" "${G[i]}" "2001:db8:1::10/124"
	oe_start "west$i"
	oe_start "east$i"
	oe_udp_listen6 "west$i" "${W[i]}" 5000 got
	oe_udp_listen6 "east$i" "${E[i]}" 5000 got
done
lab_capture west4 eth0 wire "ip6 host ${E[4]}"

res=$LAB_TMP/diag
mkdir -p "$res"
T=25
pair() {
	local i=$1 fw=0 fe=0 v
	oe_udp_until "west$i" "${E[i]}" 5000 "east$i" got "$T" "d6-$i-we" 1 && fw=1
	oe_udp_until "east$i" "${W[i]}" 5000 "west$i" got "$T" "d6-$i-ew" 1 && fe=1
	if [ $fw = 1 ] && [ $fe = 1 ]; then
		if oe_established "west$i" "${E[i]}" || oe_established "east$i" "${W[i]}"; then v=tunnel; else v=clear; fi
	else
		v=none
	fi
	echo "$v $fw $fe" > "$res/$i.tmp" && mv "$res/$i.tmp" "$res/$i"
}
t0=$(lab_now)
for i in 0 1 2 3 4; do pair $i > /dev/null 2>&1 & done
lab_wait $((2 * T + 40)) "all five pairs finished" bash -c "[ \$(ls '$res' | grep -vc tmp) -ge 5 ]"

bad=() table=""
for i in 0 1 2 3 4; do
	read -r got fw fe < "$res/$i"
	nw=$(oe_sa_count "west$i" "${W[i]}" "${E[i]}") ne=$(oe_sa_count "east$i" "${W[i]}" "${E[i]}")
	if [ "${WANT[i]}" = tunnel ]; then
		{ [ "$nw" -ge 1 ] && [ "$ne" -ge 1 ]; } || got="$got(SAs west $nw east $ne)"
	elif [ "$nw" -ne 0 ] || [ "$ne" -ne 0 ]; then
		got="$got(SAs west $nw east $ne)"
	fi
	table="$table ${G[i]}=$got"
	[ "$got" = "${WANT[i]}" ] || bad+=("${G[i]}: got $got (w->e $fw, e->w $fe), expected ${WANT[i]}")
done
[ ${#bad[@]} -eq 0 ] || fail "${#bad[@]} of 5 pairs wrong: ${bad[*]}"
grep -q "ACQUIRE ${W[4]} -> ${E[4]}: conn private" "$(oe_log_file west4)" || fail "no IPv6 ACQUIRE for private on west4"
grep -q "ESP(spi=0x" "$(lab_capture_file west4 wire)" || fail "no ESP over IPv6 on west4's wire"
clear=$(oe_wire_clear west4 wire "UDP")
[ -z "$clear" ] || fail "clear UDP left the private host: $(echo "$clear" | head -n1)"
pass "IPv6 diagonal as expected in $(lab_ms_since "$t0") ms:$table; private: ACQUIRE over IPv6, ESP on the wire, no clear UDP"
