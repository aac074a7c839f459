# DESCRIPTION: broken configurations on reload (bad CIDR in a group file, unknown key, duplicate conn, missing include) are each rejected with FILE:LINE, the daemon keeps running with the old configuration and its kernel policies unchanged; a good reload then applies the diff
. "$OE_LAB_REPO/test/lab/lib.sh"
. "$OE_LAB_REPO/test/lab/lib-oe.sh"

W=198.51.100.1
lab_host west
lab_host east
lab_link west w0 "$W/24" east e0 198.51.100.2/24
oe_conf west "$W"
oe_group west private "198.51.100.0/24"
oe_group west clear "198.51.100.53/32"
oe_start west
h=$(lab_host_dir west)
conf=$h/oe/iked.conf pol=$h/oe/policies
log=$(oe_log_file west)
cp "$conf" "$h/oe/good.conf"
cp "$pol/private" "$h/oe/good.private"
policies() { ip -n west xfrm policy | grep -E '^src|dir|tmpl' | sort | md5sum; }
lab_wait 5 "the trap installed" oe_has_policy west out 0.0.0.0/0 198.51.100.0/24 ipsec
before=$(policies)
pid=$(oe_pid west)

# reload_bad NAME FILE LINE: SIGHUP, the reload fails naming FILE:LINE
reload_bad() {
	local name=$1 file=$2 line=$3 n
	n=$(grep -c "reload failed" "$log")
	oe_reload west
	lab_wait 10 "$name: the reload failing" bash -c "[ \$(grep -c 'reload failed' '$log') -gt $n ]"
	grep -qF "$file:$line:" "$log" || fail "$name: no error naming $file:$line (log: $(grep -m3 'err\]' "$log" | tail -n1))"
	kill -0 "$pid" 2>/dev/null || fail "$name: the daemon died"
	[ "$(policies)" = "$before" ] || fail "$name: the kernel policies changed"
	cp "$h/oe/good.conf" "$conf"
	cp "$h/oe/good.private" "$pol/private"
	results+=("$name -> $(basename "$file"):$line")
}
results=()

printf '198.51.100.0/24\n198.51.100.0/33\n' > "$pol/private"
reload_bad "bad CIDR" "$pol/private" 2

ln=$(grep -n '^conn private$' "$conf" | cut -d: -f1)
sed -i "$((ln + 1))a\\    frobnicate=yes" "$conf"
reload_bad "unknown key" "$conf" $((ln + 2))

printf '\nconn private\n    left=%%defaultroute\n    right=%%opportunisticgroup\n    authby=null\n' >> "$conf"
ln=$(grep -n '^conn private$' "$conf" | tail -n1 | cut -d: -f1)
reload_bad "duplicate conn" "$conf" "$ln"

printf '\ninclude %s/oe/missing.d/none.conf\n' "$h" >> "$conf"
ln=$(grep -n '^include ' "$conf" | tail -n1 | cut -d: -f1)
reload_bad "missing include" "$conf" "$ln"

# a good change still applies: the /24 trap becomes a /25 one
oe_group west private "198.51.100.0/25"
oe_reload west
lab_wait 10 "the good reload applied" oe_has_policy west out 0.0.0.0/0 198.51.100.0/25 ipsec
[ -z "$(oe_policy west out 0.0.0.0/0 198.51.100.0/24)" ] || fail "the old /24 trap is still there after the good reload"
pass "rejected with file:line, daemon up, policies unchanged: ${results[*]}; a good reload then replaced the /24 trap by a /25 one"
