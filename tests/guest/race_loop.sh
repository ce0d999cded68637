#!/bin/sh
# Runs inside the guest: tests/uprobe_race.c again and again for SECONDS,
# alternating a plain file and an overlayfs copy (backing file), and
# bench/uprobe_churn.c (exact count with a thread mapping and unmapping
# other memory, also with build-ID stack traces from a uprobe, a sleepable
# uprobe and a cpu-clock perf_event program); stops at the first failure.
# With a test_progs folder, also the selftest build_id_busy (build IDs
# beside a writer that write-locks the traced VMAs, traces through more
# VMAs than the per-VMA tier takes, a frame at a VMA's end; uprobe,
# sleepable, cpu-clock and NMI programs) and the selftest uprobe_detach
# (perf-event uprobes and uretprobes, sleepable or not, attached and
# detached while their functions are hit), and then, from the kernel's
# counters (tests/buildid-paths.patch, tests/detach-paths.patch), that
# every path of the build-ID lookup and of the deferred detach ran.
# For the debug kernels, whose console run-guest.sh checks for KASAN, KCSAN,
# lockdep and RCU reports.
#   race_loop.sh BINDIR SECONDS [TEST_PROGS_DIR]
set -u
bin=$1 secs=$2 tp=${3:-}
. "$(dirname "$0")/overlay.sh"
ovl_setup "$bin/uprobe_race" || exit 1
end=$(( $(date +%s) + secs ))
runs=0
while [ "$(date +%s)" -lt "$end" ]; do
	for prog in "$bin/uprobe_race" "$ovl/merged/uprobe_race"; do
		"$prog" -d 20 -t 1 -w 1 -f -a || { echo "race_loop: FAIL after $runs runs"; exit 1; }
		runs=$((runs + 1))
	done
	# a writer of unrelated memory beside the hits: the per-VMA lock tier
	"$bin/uprobe_churn" -p 1 -w 1 -d 10 >/dev/null ||
		{ echo "race_loop: uprobe_churn FAILED after $runs runs"; exit 1; }
	runs=$((runs + 1))
	# the same with a build-ID stack trace on each hit (stackmap.c's
	# per-VMA lock tier and its mmap_lock fallback): from a uprobe program,
	# a sleepable one, and a perf_event program on cpu-clock (hard irq:
	# the locks released without waking, or by the irq_work)
	for m in -b -s -c; do
		"$bin/uprobe_churn" $m -p 1 -w 1 -d 10 >/dev/null ||
			{ echo "race_loop: uprobe_churn $m FAILED after $runs runs"; exit 1; }
		runs=$((runs + 1))
	done
	if [ -n "$tp" ]; then
		(cd "$tp" && ./test_progs -t build_id_busy >/tmp/build_id_busy.log 2>&1) ||
			{ tail -40 /tmp/build_id_busy.log; echo "race_loop: build_id_busy FAILED after $runs runs"; exit 1; }
		runs=$((runs + 1))
		(cd "$tp" && ./test_progs -v -t uprobe_detach >/tmp/uprobe_detach.log 2>&1) ||
			{ tail -40 /tmp/uprobe_detach.log; echo "race_loop: uprobe_detach FAILED after $runs runs"; exit 1; }
		late=$(sed -n 's/.* runs after a detach returned: \([0-9]*\)$/\1/p' /tmp/uprobe_detach.log |
			awk '{ n += $1 } END { print n + 0 }')
		detach_late=$(( ${detach_late:-0} + late ))
		runs=$((runs + 1))
	fi
done
umount $ovl/merged
# Which paths of the build-ID lookup ran, and that each did: the -EBUSY
# answer of the per-VMA tier with irqs on and off, a frame in no VMA (the
# chain's first frame in build_id_busy's deep cases), a VMA locked but found
# unusable, a lock a writer waits for deferred to the irq_work and released
# there, the irq_work slot found busy by the next trace on the CPU (the
# second stack of build_id_busy's cpu-clock and nmi programs), the
# per-trace VMA limit, and the mmap_lock tier after it.
if [ -n "$tp" ] && [ -r /proc/bpf_buildid_paths ]; then
	sed 's/^/race_loop: build-ID path /' /proc/bpf_buildid_paths
	for p in traces busy busy_irqs_off gap unusable deferred irq_work_released \
		slot_busy limit tier2 tier2_locked sleepable_vma sleepable_mmap; do
		grep -q "^$p [1-9]" /proc/bpf_buildid_paths ||
			{ echo "race_loop: the build-ID path '$p' never ran"; exit 1; }
	done
	# and in NMI context (build_id_busy's nmi cases; the second column):
	# traces, the per-VMA tier's -EBUSY beside the text writer, a lock
	# that writer waited for, handed to the irq_work, and the slot found
	# busy by the second stack of that NMI; the rest is shown
	for p in traces busy_irqs_off deferred slot_busy; do
		grep -q "^$p [0-9]* [1-9]" /proc/bpf_buildid_paths ||
			{ echo "race_loop: the build-ID path '$p' never ran in NMI context"; exit 1; }
	done
fi
# Which paths of the deferred detach ran: the program's reference and the
# trace_uprobe dropped after the grace period, a handler that reached the
# consumer, and one that used its perf buffers, after the release began,
# and (from uprobe_detach's own count) BPF programs that ran after their
# detach had returned.  prog_put_sync (no memory for the callback) is
# shown, not required.
if [ -n "$tp" ] && [ -r /proc/uprobe_detach_paths ]; then
	sed 's/^/race_loop: detach path /' /proc/uprobe_detach_paths
	echo "race_loop: detach path bpf_run_after_detach ${detach_late:-0}"
	for p in prog_put_deferred released freed consumer_after_release perf_after_release; do
		grep -q "^$p [1-9]" /proc/uprobe_detach_paths ||
			{ echo "race_loop: the detach path '$p' never ran"; exit 1; }
	done
	[ "${detach_late:-0}" -gt 0 ] ||
		{ echo "race_loop: no BPF program ran after its detach returned"; exit 1; }
fi
# In a lockdep kernel: lockdep turns itself off at its first report, so
# debug_locks still 1 at the end shows it was on for the whole run.
# (Not the word itself in what it prints: run-guest.sh takes it for a report.)
if [ -r /proc/lockdep_stats ]; then
	stat() { sed -n "s/^ *$1: *\([0-9]*\).*/\1/p" /proc/lockdep_stats; }
	echo "race_loop: lock validator: debug_locks $(stat debug_locks), $(stat lock-classes) lock classes, $(stat 'direct dependencies') dependencies"
	[ "$(stat debug_locks)" = 1 ] ||
		{ echo "race_loop: the lock validator is off (debug_locks 0): it reported something, or never ran"; exit 1; }
fi
# In a KCSAN kernel: proof that it watched (setup_watchpoints) and what it
# found (data_races; the reports themselves are on the console).
if [ -r /sys/kernel/debug/kcsan ]; then
	grep -E '^(enabled|setup_watchpoints|data_races|assert_failures|races_unknown_origin):' \
		/sys/kernel/debug/kcsan | sed 's/^/kcsan: /'
	grep -q '^enabled: 1$' /sys/kernel/debug/kcsan &&
		! grep -q '^setup_watchpoints: 0$' /sys/kernel/debug/kcsan ||
		{ echo "race_loop: KCSAN is built in but did not watch: the run proves nothing"; exit 1; }
fi
echo "race_loop: $runs runs in ${secs}s, all passed"
