#!/bin/sh
# Runs inside the guest: tests/uprobe_race.c again and again for SECONDS,
# alternating a plain file and an overlayfs copy (backing file), and
# bench/uprobe_churn.c (exact count with a thread mapping and unmapping
# other memory, also with build-ID stack traces); stops at the first failure.  For the debug kernels, whose
# console run-guest.sh checks for KASAN, KCSAN, lockdep and RCU reports.
#   race_loop.sh BINDIR SECONDS
set -u
bin=$1 secs=$2
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
	# the same with a build-ID stack trace on each hit: stackmap.c's
	# per-VMA lock tier and its mmap_lock fallback
	"$bin/uprobe_churn" -b -p 1 -w 1 -d 10 >/dev/null ||
		{ echo "race_loop: uprobe_churn -b FAILED after $runs runs"; exit 1; }
	runs=$((runs + 1))
done
umount $ovl/merged
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
