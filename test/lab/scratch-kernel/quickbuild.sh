#!/bin/sh
# Builds the kernel-interface tests straight from the sources with the
# project's warning flags, independent of the rest of iked/ (handy while
# other components are mid-edit).  Usage: quickbuild.sh OUTDIR [extra cflags]
set -e
here=$(cd "$(dirname "$0")/../../.." && pwd)
out=$1; shift
mkdir -p "$out"
CFLAGS="-std=gnu11 -g -O1 -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith \
 -Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations -Wwrite-strings \
 -Wcast-qual -Wvla -Wundef -Wold-style-definition -Wimplicit-fallthrough \
 -Wno-unused-parameter -fno-strict-aliasing -Werror $*"
INC="-I$here/.build/h-kernel -I$here/shared -I$here/iked"
SRC="$here/iked/kernel_none.c $here/iked/kernel_xfrm.c $here/iked/xfrm_msg.c $here/shared/oe_log.c"
LIBS="-lmnl -lsystemd"
for t in test_kernel_none test_xfrm_msg test_xfrm_netns; do
	gcc $CFLAGS $INC -o "$out/$t" "$here/iked/tests/$t.c" $SRC $LIBS -lcmocka
done
gcc -O2 -Wall -Werror -o "$out/xfrm_capture" "$here/test/lab/scratch-kernel/xfrm_capture.c"
for p in xfrm_uml_check; do
	[ -f "$here/test/lab/scratch-kernel/$p.c" ] || continue
	gcc $CFLAGS $INC -o "$out/$p" "$here/test/lab/scratch-kernel/$p.c" $SRC $LIBS
done
