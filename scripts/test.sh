#!/bin/sh
# The test suite: what `make test` and .ci/run run.
#   scripts/test.sh [patched|base|spec]
# On the host: the series is checkpatch-clean and the userland VMA tests
# pass.  Then the kernel is built and booted, and BPF uprobes attached with
# libbpf are checked in it (tests/guest/uprobe_smoke.sh).  The same
# assertions run on the base kernel, where the two that a probe hit takes no
# mmap lock fail: that is the difference the series makes; and on "spec",
# the series without its per-VMA lock tier, where the one with a writer
# thread fails.
set -u
. "$(dirname "$0")/lib.sh"

kernel=${1:-patched}
case $kernel in
patched|base|spec) ;;
*) die "unknown kernel '$kernel' (patched, base or spec)" ;;
esac
pass=0 fail=0 failed=

step() {
	name=$1
	shift
	t=$(date +%s)
	phase test "$name"
	if "$@"; then
		pass=$((pass + 1))
		phase test "$name: ok in $(( $(date +%s) - t ))s"
	else
		fail=$((fail + 1))
		failed="$failed
  - $name"
		phase test "$name: FAILED after $(( $(date +%s) - t ))s"
	fi
}

step "checkpatch --strict on patches/" "$TOP/scripts/checkpatch.sh"
if [ "$kernel" = patched ]; then
	step "tools/testing/vma (host)" "$TOP/scripts/vma-test.sh"
	step "Documentation/mm builds without new warnings" "$TOP/scripts/docs.sh"
	step "build matrix of the series (per commit, x86_64 and arm64; SMP, UP, i386, no uprobes, PREEMPT_RT, arm64)" "$TOP/scripts/matrix.sh"
else
	phase test "not run on the $kernel kernel: checks of the whole series (tools/testing/vma, docs, build matrix)"
fi
step "build the $kernel kernel" "$TOP/scripts/build.sh" "$kernel"
step "build libbpf, bpftool and the test programs" make -s -C "$TOP/tests"
if [ -f "$BUILD/obj-$kernel/arch/x86/boot/bzImage" ] && [ -x "$BUILD/tests/uprobe_count" ]; then
	step "uprobes in the $kernel guest" "$TOP/scripts/run-guest.sh" -k "$kernel" -t 900 -- \
		sh "$TOP/tests/guest/uprobe_smoke.sh" "$BUILD/tests"
	step "the tools users bring, in the $kernel guest: funclatency (libbpf-tools), bpftrace" \
		"$TOP/scripts/run-guest.sh" -k "$kernel" -t 600 -- \
		sh "$TOP/tests/guest/user_tools.sh" "$BUILD/tests"
	# Two threads hitting probes at once get a stray SIGILL under
	# multi-threaded TCG, base kernel included (README, known problems):
	# run that case with the vCPUs in one host thread.
	step "uprobe_race with 2 probing threads (single-threaded TCG)" \
		env ACCEL=tcg,thread=single "$TOP/scripts/run-guest.sh" -k "$kernel" -t 300 -- \
		"$BUILD/tests/uprobe_race" -d 5 -t 2 -w 1 -f -a
	# The instrument of make bench-c2c, proven on this kernel: a BPF
	# program that counts on one global counter must show one more
	# shared cache line stored to per hit than one with a per-CPU counter.
	step "the c2c plugin sees a shared line: its canary in the $kernel guest" \
		sh -c '"$1"/scripts/build-c2c.sh && "$1"/scripts/bench-c2c.sh -k "$2" -c 2 -d 1 -b "nop-all canary-nop-all" -o "$3"' \
		c2c "$TOP" "$kernel" "$BUILD/c2c/ci"
else
	fail=$((fail + 1))
	failed="$failed
  - uprobes in the $kernel guest (not run: nothing to boot or run)"
fi
# The BPF selftests' uprobe tests and the series' own uprobe_lockless, in a
# kernel built with the selftests' config (not for "spec", which exists for
# the benchmark).
if [ "$kernel" != spec ]; then
	step "BPF selftests: test_progs uprobe tests in the $kernel-selftests guest" \
		"$TOP/scripts/selftests.sh" "$kernel"
fi

phase test "total $(( $(date +%s) - T0 ))s${failed:+; failed:$failed}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
