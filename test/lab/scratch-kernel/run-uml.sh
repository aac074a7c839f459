#!/bin/sh
# Boots the UML guest with uml-init.sh as init and prints its results.
# Usage: run-uml.sh BINDIR   (BINDIR holds xfrm_uml_check and xfrm_capture,
# e.g. from quickbuild.sh; it must not be under /tmp)
set -e
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$1" && pwd)
rm -f /work/scratch/kres-kernel/*
timeout 300 linux.uml mem=768M rootfstype=hostfs rootflags=/ ro \
	init="$here/uml-init.sh" oebin="$bin" con=null con0=fd:0,fd:1 </dev/null >/dev/null 2>&1 || true
cat /work/scratch/kres-kernel/guest.log /work/scratch/kres-kernel/check.txt
