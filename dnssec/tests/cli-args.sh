#!/bin/sh
# Command-line checks of oe-ipseckey, reported as TAP for `make check`:
# bad arguments and files are refused, naming the argument or file:line,
# and nothing is written half-way.  No network.
IPK=${OE_IPSECKEY:-./oe-ipseckey}
DATA=${OE_TEST_DATA:-$(dirname "$0")/../../test/data}/dnssec
T=$(mktemp -d /tmp/ipk-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
n=0
ok()  { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$T/err" 2>/dev/null; }

# expect_fail NAME PATTERN CMD...: CMD exits non-zero and says PATTERN.
expect_fail() {
	name=$1 pat=$2
	shift 2
	if "$@" > "$T/out" 2> "$T/err"; then
		bad "$name (succeeded)"
	elif grep -q -- "$pat" "$T/err"; then
		ok "$name"
	else
		bad "$name (no \"$pat\" in message)"
	fi
}

echo "1..16"
"$IPK" -q init --nssdb "$T/db" 2>"$T/err" && [ "$(stat -c %a "$T/db")" = 700 ] &&
	ok "init_creates_database_mode_700" || bad "init_creates_database_mode_700"
expect_fail newkey_refuses_rsa_1024 "\-\-rsa 1024" "$IPK" newkey --nssdb "$T/db" --rsa 1024
expect_fail newkey_refuses_unknown_curve "\-\-ecdsa p521" "$IPK" newkey --nssdb "$T/db" --ecdsa p521
expect_fail newkey_needs_one_key_type "exactly one" "$IPK" newkey --nssdb "$T/db" --rsa 2048 --ecdsa p256
expect_fail show_without_key_says_run_newkey "newkey" "$IPK" show --nssdb "$T/db" --name a.example
"$IPK" -q newkey --nssdb "$T/db" --ecdsa p256 2>"$T/err" && ok "newkey_ecdsa_p256" || bad "newkey_ecdsa_p256"
expect_fail show_rejects_bad_gateway "\-\-gateway 10.0.0.256" "$IPK" show --nssdb "$T/db" --name a.example --gateway 10.0.0.256
expect_fail show_rejects_precedence_256 "\-\-precedence 256" "$IPK" show --nssdb "$T/db" --name a.example --precedence 256
expect_fail show_rejects_bad_name "\-\-name a..example" "$IPK" show --nssdb "$T/db" --name a..example
"$IPK" show --nssdb "$T/db" --name a.example --json > "$T/json" 2>"$T/err" &&
	grep -q '"algorithm": 3' "$T/json" && grep -q '"ckaid": "[0-9a-f]\{40\}"' "$T/json" &&
	ok "show_json_has_algorithm_and_ckaid" || bad "show_json_has_algorithm_and_ckaid"

mkdir "$T/keys"
"$IPK" export-pub --nssdb "$T/db" -o "$T/keys/east.pub" 2>"$T/err"
printf '$ORIGIN oe.test.\n$TTL 300\n@ SOA ns1 h 1 3600 900 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\neast A 192.0.2.2\neast AAAA 2001:db8::zz\n' > "$T/bad.zone"
printf 'old contents\n' > "$T/out.signed"
expect_fail zone_names_file_line_of_bad_record "bad.zone:7:" \
	"$IPK" zone "$T/bad.zone" --keys "$T/keys" -o "$T/out.signed"
[ "$(cat "$T/out.signed")" = "old contents" ] && [ ! -e "$T/out.signed.ksk.private" ] &&
	ok "zone_failure_leaves_output_and_keys_alone" || bad "zone_failure_leaves_output_and_keys_alone"
expect_fail zone_rejects_bad_validity "\-\-valid 10x" "$IPK" zone "$DATA/oe.test.zone" --keys "$T/keys" --valid 10x
expect_fail zone_rejects_host_outside_zone "outside the zone" \
	"$IPK" zone "$DATA/oe.test.zone" --host "east.example.=$T/keys/east.pub" -o "$T/x.signed"
printf 'key "k" {\n algorithm hmac-sha256;\n secret "short";\n};\n' > "$T/bad.key"
expect_fail update_names_tsig_file_line "bad.key:3:" "$IPK" update --server 127.0.0.1 \
	--port 9 --zone oe.test --tsig "$T/bad.key" --nssdb "$T/db" --name east.oe.test --wait 0
expect_fail update_rejects_server_name "\-\-server ns1.example" "$IPK" update --server ns1.example \
	--zone oe.test --tsig "$T/bad.key" --nssdb "$T/db" --name east.oe.test
