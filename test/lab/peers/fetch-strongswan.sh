#!/bin/bash
# Fetch strongSwan 5.9.8's Debian packages and unpack them (dpkg -x, not
# installed: strongSwan conflicts with libreswan as a package) into
# .build/peers/strongswan, for the lab's interop scenarios, which
# bind-mount its usr/lib/ipsec on /usr/lib/ipsec inside a lab host.
# Idempotent: does nothing when the tree is already complete.
#
# usage: test/lab/peers/fetch-strongswan.sh [DESTDIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
dest=${1:-$repo/.build/peers/strongswan}
# charon and swanctl, the libraries, and the plugins the lab's configs
# load (kernel-netlink, socket-default, vici: libcharon; openssl, kdf,
# pubkey, pem...: libstrongswan and its standard plugins).
PKGS="strongswan-charon strongswan-libcharon strongswan-swanctl libstrongswan
	libstrongswan-standard-plugins libcharon-extauth-plugins"

if [ -x "$dest/usr/lib/ipsec/charon" ] && [ -x "$dest/usr/sbin/swanctl" ] &&
    [ -e "$dest/usr/lib/ipsec/plugins/libstrongswan-kdf.so" ] &&
    [ -e "$dest/usr/lib/ipsec/plugins/libstrongswan-openssl.so" ]; then
	echo "strongSwan already unpacked in $dest"
	exit 0
fi

dl=$(mktemp -d)
trap 'rm -rf "$dl"' EXIT
# apt's download sandbox user must be able to write there.
chmod 755 "$dl"
mkdir -p "$dest"
(cd "$dl" && apt-get download $PKGS)
for deb in "$dl"/*.deb; do
	dpkg -x "$deb" "$dest"
done
for f in usr/lib/ipsec/charon usr/sbin/swanctl usr/lib/ipsec/plugins/libstrongswan-kdf.so \
    usr/lib/ipsec/plugins/libstrongswan-openssl.so; do
	[ -e "$dest/$f" ] || { echo "fetch-strongswan: $f missing after unpacking" >&2; exit 1; }
done
echo "strongSwan unpacked in $dest from:"
ls "$dl"
