#!/bin/sh
# Build a debug kernel and run the uprobe race test in it for SECONDS
# (default 600); any report on the console fails.
#   scripts/debug-test.sh [patched|base] [SECONDS] [debug|kcsan]
# debug = config/debug.config: KASAN, lockdep, PROVE_RCU, DEBUG_ATOMIC_SLEEP
# kcsan = config/kcsan.config: KCSAN (it excludes KASAN, hence its own build)
# on top of the guest config; for the patched kernel, preceded by the
# canary run (below) that shows KCSAN watching the fallback tiers.
set -eu
. "$(dirname "$0")/lib.sh"

kernel=${1:-patched} secs=${2:-600} flavour=${3:-debug}
case $flavour in
debug|kcsan) ;;
*) die "unknown debug flavour '$flavour' (debug or kcsan)" ;;
esac
FLAVOUR=$flavour "$TOP/scripts/build.sh" "$kernel"
make -s -C "$TOP/tests"
# KCSAN: first prove that it watches the code in question.  The canary
# kernel is this kernel with tests/kcsan-canary.patch, a deliberate data
# race in the lookup's fallback tiers (per-VMA lock, mmap_lock) and in the
# build-ID lookup under the per-VMA locks (kernel/bpf/stackmap.c); KCSAN
# must report them, or a clean run below would prove nothing about that code.
if [ "$flavour" = kcsan ] && [ "$kernel" = patched ]; then
	FLAVOUR=kcsan "$TOP/scripts/build.sh" canary
	phase debug-test "canary: KCSAN must report the race injected into the fallback tiers"
	known=$BUILD/kcsan-canary-known.txt
	{ cat "$TOP/config/kcsan-known.txt"
	  # the canary's races, reported in the function the lookup is inlined
	  # into (kcsan_canary.sh tells them apart by the counters' addresses);
	  # accepted in this run only, the real run below must be clean
	  echo '^BUG: KCSAN: data-race in uprobe_notify_resume( / uprobe_notify_resume|\+0x[0-9a-f]+/0x[0-9a-f]+)$'
	  # and the build-ID lookup's, in stackmap.c
	  echo '^BUG: KCSAN: data-race in (stackmap_kcsan_canary_vma_locked|stack_map_get_build_id_[a-z_]+|__bpf_get_stack|bpf_get_stack[a-z_]*)( / [a-z_.0-9]+|\+0x[0-9a-f]+/0x[0-9a-f]+)$'; } >"$known"
	GUEST_KNOWN_REPORTS=$known "$TOP/scripts/run-guest.sh" -k canary-kcsan -c 4 -t 1200 -- \
		sh "$TOP/tests/guest/kcsan_canary.sh" "$BUILD/tests" 600 ||
		die "KCSAN did not catch the canary race in the fallback tiers: it does not watch them"
fi
phase debug-test "uprobe races for ${secs}s in the $kernel-$flavour kernel"
# KCSAN also reports races of the base kernel; those listed in
# config/kcsan-known.txt (each with its reason) are shown, not failed.
[ "$flavour" != kcsan ] || export GUEST_KNOWN_REPORTS="$TOP/config/kcsan-known.txt"
# build_id_busy runs in the loop too (on the patched kernel, which it passes):
# test_progs as scripts/selftests.sh built it.
tp=
if [ "$kernel" = patched ]; then
	tp=$BUILD/selftests-patched
	[ -x "$tp/test_progs" ] || die "no ${tp#"$TOP"/}/test_progs: run 'make selftests' first"
fi
"$TOP/scripts/run-guest.sh" -k "$kernel-$flavour" -t $((secs * 3 + 600)) -- \
	sh "$TOP/tests/guest/race_loop.sh" "$BUILD/tests" "$secs" $tp
