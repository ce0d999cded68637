#!/bin/sh
# The uprobe and build-ID tests on a PREEMPT_RT guest (make rt-test):
# the patched kernel with the selftests' config and config/rt.config, then in it
# tests/guest/uprobe_smoke.sh and test_progs -t uprobe_lockless,build_id_busy
# (as scripts/selftests.sh built it).  Writes results/rt-<kernel>.txt.
#   scripts/rt-test.sh [patched|base]
set -eu
. "$(dirname "$0")/lib.sh"

kernel=${1:-patched}
tp=$BUILD/selftests-$kernel
[ -x "$tp/test_progs" ] || die "no ${tp#"$TOP"/}/test_progs: run 'make selftests KERNEL=$kernel' first"
FLAVOUR=rt "$TOP/scripts/build.sh" "$kernel"
make -s -C "$TOP/tests"
out=$BUILD/rt-$kernel.log
phase rt-test "uprobe_smoke.sh and test_progs -t uprobe_lockless,build_id_busy in the $kernel-rt guest"
rc=0
"$TOP/scripts/run-guest.sh" -k "$kernel-rt" -t 1800 -- \
	"uname -v; sh '$TOP/tests/guest/uprobe_smoke.sh' '$BUILD/tests' &&
	cd '$tp' && ./test_progs -v -t uprobe_lockless,build_id_busy 2>&1 |
		grep -a -E 'SKIP|last [0-9]+ of [0-9]+ samples:|traces past|changed VMA|^#[0-9]+|Summary:|:FAIL:'
	echo \"test_progs exit \$?\"" >"$out" 2>&1 || rc=$?
# (not the command line that run-guest.sh echoes, which has the patterns)
tr -d '\r' <"$out" | grep -a -v 'grep -a -E' |
	grep -a -E '^#[0-9]|SKIP|last [0-9]+ of [0-9]+ samples:|traces past|changed VMA|Summary|passed,|^ok|FAIL|PREEMPT' |
	{ echo "make rt-test on the $kernel kernel with PREEMPT_RT (QEMU TCG, 2 vCPUs, $(date -u +%F)):"; cat; } \
	>"$TOP/results/rt-$kernel.txt"
cat "$TOP/results/rt-$kernel.txt"
[ "$rc" -eq 0 ] || die "the $kernel-rt guest failed (log: ${out#"$TOP"/})"
grep -q 'Summary: .* 0 FAILED' "$TOP/results/rt-$kernel.txt" ||
	die "test_progs failed in the $kernel-rt guest (log: ${out#"$TOP"/})"
