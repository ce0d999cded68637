#!/bin/sh
# Build a debug kernel and run the uprobe race test in it for SECONDS
# (default 600); any report on the console fails.
#   scripts/debug-test.sh [patched|base] [SECONDS] [debug|kcsan]
# debug = config/debug.config: KASAN, lockdep, PROVE_RCU, DEBUG_ATOMIC_SLEEP
# kcsan = config/kcsan.config: KCSAN (it excludes KASAN, hence its own build)
# on top of the guest config.
set -eu
. "$(dirname "$0")/lib.sh"

kernel=${1:-patched} secs=${2:-600} flavour=${3:-debug}
case $flavour in
debug|kcsan) ;;
*) die "unknown debug flavour '$flavour' (debug or kcsan)" ;;
esac
FLAVOUR=$flavour "$TOP/scripts/build.sh" "$kernel"
make -s -C "$TOP/tests"
phase debug-test "uprobe races for ${secs}s in the $kernel-$flavour kernel"
# KCSAN also reports races of the base kernel; those listed in
# config/kcsan-known.txt (each with its reason) are shown, not failed.
[ "$flavour" != kcsan ] || export GUEST_KNOWN_REPORTS="$TOP/config/kcsan-known.txt"
"$TOP/scripts/run-guest.sh" -k "$kernel-$flavour" -t $((secs * 3 + 600)) -- \
	sh "$TOP/tests/guest/race_loop.sh" "$BUILD/tests" "$secs"
