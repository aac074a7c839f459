# DESCRIPTION: the 25 pairs of the five groups (west's group for east x east's group for west), one boot, all pairs at once: real UDP both ways and both kernels' SAs give tunnel, clear or no connectivity as expected for each pair
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-oe.sh"

G=(block clear clear-or-private private-or-clear private)
# west$i uses group ${G[i]} for every east; east$j uses ${G[j]} for every west
waddr() { echo "198.51.100.$((11 + $1))"; }
eaddr() { echo "198.51.100.$((21 + $1))"; }

expected() {
	local a=$1 b=$2
	case "$a/$b" in
	block/*|*/block) echo none ;;
	private/clear|clear/private) echo none ;;
	clear/clear|clear/clear-or-private|clear-or-private/clear|clear-or-private/clear-or-private) echo clear ;;
	clear/private-or-clear|private-or-clear/clear) echo clear ;;
	*) echo tunnel ;;
	esac
}

lab_lan lan
for i in 0 1 2 3 4; do
	lab_host "west$i"; lab_attach "west$i" eth0 "$(waddr $i)/24" lan
	lab_host "east$i"; lab_attach "east$i" eth0 "$(eaddr $i)/24" lan
done
for i in 0 1 2 3 4; do
	OE_LAB_RETRANSMIT_TIMEOUT=8s oe_conf "west$i" "$(waddr $i)"
	oe_group "west$i" "${G[i]}" $(for j in 0 1 2 3 4; do eaddr $j; done | sed 's|$|/32|')
	OE_LAB_RETRANSMIT_TIMEOUT=8s oe_conf "east$i" "$(eaddr $i)"
	oe_group "east$i" "${G[i]}" $(for j in 0 1 2 3 4; do waddr $j; done | sed 's|$|/32|')
done
for h in west0 west1 west2 west3 west4 east0 east1 east2 east3 east4; do
	oe_start "$h"
	lab_udp_listen "$h" 0.0.0.0 5000 got
done

res=$LAB_TMP/matrix
mkdir -p "$res"
T=40	# seconds per direction: a slow guest once needed more than 25
# one pair: west$1 -> east$2 first, then back; verdict into $res/I-J
pair() {
	local i=$1 j=$2 w e fw=0 fe=0 v
	w=$(waddr "$i") e=$(eaddr "$j")
	oe_udp_until "west$i" "$e" 5000 "east$j" got "$T" "m-$i-$j-we" 1 && fw=1
	oe_udp_until "east$j" "$w" 5000 "west$i" got "$T" "m-$i-$j-ew" 1 && fe=1
	if [ $fw = 1 ] && [ $fe = 1 ]; then
		if oe_established "west$i" "$e" || oe_established "east$j" "$w"; then v=tunnel; else v=clear; fi
	else
		v=none
	fi
	echo "$v $fw $fe" > "$res/$i-$j.tmp" && mv "$res/$i-$j.tmp" "$res/$i-$j"
}
t0=$(lab_now)
for i in 0 1 2 3 4; do
	for j in 0 1 2 3 4; do
		pair $i $j > /dev/null 2>&1 &
	done
done
lab_wait $((2 * T + 40)) "all 25 pairs finished" bash -c "[ \$(ls '$res' | grep -vc tmp) -ge 25 ]"

bad=() table=""
for i in 0 1 2 3 4; do
	for j in 0 1 2 3 4; do
		w=$(waddr $i) e=$(eaddr $j)
		read -r got fw fe < "$res/$i-$j"
		want=$(expected "${G[i]}" "${G[j]}")
		# the kernels must agree: SAs between the pair exactly for a tunnel
		nw=$(oe_sa_count "west$i" "$w" "$e") ne=$(oe_sa_count "east$j" "$w" "$e")
		if [ "$want" = tunnel ]; then
			{ [ "$nw" -ge 1 ] && [ "$ne" -ge 1 ]; } || got="$got(SAs west $nw east $ne)"
		elif [ "$nw" -ne 0 ] || [ "$ne" -ne 0 ]; then
			got="$got(SAs west $nw east $ne)"
		fi
		table="$table ${G[i]}/${G[j]}=$got"
		[ "$got" = "$want" ] || bad+=("west ${G[i]} / east ${G[j]}: got $got (w->e $fw, e->w $fe), expected $want")
	done
done
echo "matrix:$table" >&2
[ ${#bad[@]} -eq 0 ] || fail "${#bad[@]} of 25 pairs wrong: ${bad[*]}"
pass "25 pairs as expected in $(lab_ms_since "$t0") ms:$table"
