#!/bin/bash
# init for the user-mode Linux guest (see run-uml.sh): real ESP, two
# namespaces west/east on a veth pair, then xfrm_uml_check and a capture
# of the EXPIRE events it provokes.  Results land in $RES on the host.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mkdir -p /run/netns
RES=/mnt
mount -t hostfs none $RES -o /work/scratch/kres-kernel
BIN=$(cat /proc/cmdline | tr ' ' '\n' | sed -n 's/^oebin=//p')
exec >$RES/guest.log 2>&1
echo "guest up: $(uname -r) bin=$BIN"
R=/tmp/modroot
mkdir -p $R/lib
ln -s /usr/lib/uml/modules $R/lib/modules
printf '#!/bin/sh\nexec /sbin/modprobe -d %s "$@"\n' $R > /tmp/modprobe-wrap
chmod +x /tmp/modprobe-wrap
echo /tmp/modprobe-wrap > /proc/sys/kernel/modprobe
for m in xfrm_user esp4 esp6 veth gcm ghash-generic ctr seqiv echainiv \
	chacha20poly1305 chacha_generic poly1305_generic cbc aes_ti hmac \
	sha512_generic authenc authencesn drbg jitterentropy_rng ansi_cprng; do
	modprobe -d $R $m || echo "modprobe $m failed"
done
ip netns add west
ip netns add east
ip link add w0 netns west type veth peer name e0 netns east
ip -n west addr add 198.51.100.1/24 dev w0
ip -n east addr add 198.51.100.2/24 dev e0
ip -n west addr add 2001:db8::1/64 dev w0 nodad
ip -n east addr add 2001:db8::2/64 dev e0 nodad
ip -n west link set w0 up; ip -n west link set lo up
ip -n east link set e0 up; ip -n east link set lo up
ip netns exec west sysctl -qw net.core.xfrm_larval_drop=1
ip netns exec west $BIN/xfrm_capture 40 > $RES/capture_west.txt &
CAP=$!
sleep 0.5
timeout 120 $BIN/xfrm_uml_check > $RES/check.txt 2>&1
echo "check rc=$?"
ip -n west -s xfrm state > $RES/west_state.txt 2>&1
ip -n west xfrm policy >> $RES/west_state.txt 2>&1
kill $CAP; wait
sync
umount $RES
halt -f
