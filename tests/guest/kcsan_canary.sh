#!/bin/sh
# Runs inside the KCSAN guest of the canary kernel (the series with
# tests/kcsan-canary.patch): proves that KCSAN watches the uprobe lookup's
# fallback tiers.  Two threads call a probed function while a third maps
# and unmaps memory (bench/uprobe_churn.c), so that both fall back to the
# per-VMA lock tier at once and race on the canary's plain counter.
# Passes when KCSAN reported that race; fails when it did not within
# SECONDS: then a clean KCSAN run would prove nothing about those tiers.
#   kcsan_canary.sh BINDIR SECONDS
set -u
bin=$1 secs=$2
end=$(( $(date +%s) + secs ))
runs=0
caught=
while [ "$(date +%s)" -lt "$end" ]; do
	"$bin/uprobe_churn" -p 2 -w 1 -d 5 >/dev/null ||
		{ echo "kcsan_canary: uprobe_churn FAILED after $runs runs"; exit 1; }
	runs=$((runs + 1))
	caught=$(dmesg | grep -E 'BUG: KCSAN: data-race in find_active_uprobe_(vma_locked|rcu)' | head -1)
	[ -z "$caught" ] || break
done
grep -E '^(enabled|setup_watchpoints|data_races):' /sys/kernel/debug/kcsan | sed 's/^/kcsan: /'
if [ -z "$caught" ]; then
	echo "kcsan_canary: KCSAN did not report the canary race in ${secs}s ($runs runs): it does not watch the fallback tiers"
	exit 1
fi
echo "kcsan_canary: caught after $runs runs: $caught"
