#!/bin/sh
# Build the debug kernel (config/debug.config: KASAN, lockdep, PROVE_RCU,
# DEBUG_ATOMIC_SLEEP on top of the guest config) and run the uprobe race
# test in it for SECONDS (default 600); any report on the console fails.
#   scripts/debug-test.sh [patched|base] [SECONDS]
set -eu
. "$(dirname "$0")/lib.sh"

kernel=${1:-patched} secs=${2:-600}
FLAVOUR=debug "$TOP/scripts/build.sh" "$kernel"
make -s -C "$TOP/tests"
phase debug-test "uprobe races for ${secs}s in the $kernel-debug kernel"
"$TOP/scripts/run-guest.sh" -k "$kernel-debug" -t $((secs * 3 + 600)) -- \
	sh "$TOP/tests/guest/race_loop.sh" "$BUILD/tests" "$secs"
