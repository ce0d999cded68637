#!/bin/sh
# Runs inside the KCSAN guest of the canary kernel (the series with
# tests/kcsan-canary.patch): proves that KCSAN watches the uprobe lookup's
# fallback tiers.  Three threads call a probed function while a fourth
# maps and unmaps memory (bench/uprobe_churn.c; the guest needs 4 vCPUs
# for them to run at once), so that they fall back to the per-VMA lock
# tier together and race on the canary's plain counters.  Passes once
# KCSAN reported the race both at the entry of that tier (reached right
# after the speculation ended) and in the lookup under the VMA lock;
# fails when it did not within SECONDS: then a clean KCSAN run would
# prove nothing about those tiers.  The mmap_lock tier is rarely reached
# by two threads at once; whether its canary was caught is only printed.
# Then the same for the build-ID lookup of kernel/bpf/stackmap.c under the
# per-VMA locks (uprobe_churn -b: a build-ID stack trace on every hit).
#   kcsan_canary.sh BINDIR SECONDS
set -u
bin=$1 secs=$2
end=$(( $(date +%s) + secs ))
runs=0
# The counters are uprobe_kcsan_canary[0..2] (entry of the per-VMA tier,
# under the VMA lock, under the mmap lock).  KCSAN's report names the
# function that the canary helpers return to, so find each counter by its
# address in the report ("read to 0x... of 8 bytes").
base=$(sed -n 's/^\([0-9a-f]*\) [bBdD] uprobe_kcsan_canary$/\1/p' /proc/kallsyms)
[ -n "$base" ] || { echo "kcsan_canary: no uprobe_kcsan_canary in /proc/kallsyms: not the canary kernel?"; exit 1; }
# sh arithmetic is signed 64-bit: add the offset to the low 32 bits only.
hi=${base%????????} lo=${base#"$hi"}
[ $((0x$lo + 16)) -le $((0xffffffff)) ] || { echo "kcsan_canary: counters straddle a 4 GiB boundary"; exit 1; }
addr() {
	case $1 in vma_entry) i=0 ;; vma_locked) i=1 ;; mmap_locked) i=2 ;; esac
	printf '0x%s%08x' "$hi" $((0x$lo + 8 * i))
}
caught_at() { dmesg | grep -q -E "(read|write|read-write) to $1 of 8 bytes"; }
caught() { caught_at "$(addr "$1")"; }
# The build-ID lookup's canary, stackmap_kcsan_canary, under the per-VMA
# locks of stackmap.c: uprobe_churn -b takes a build-ID stack on each hit.
bid=$(sed -n 's/^\([0-9a-f]*\) [bBdD] stackmap_kcsan_canary$/0x\1/p' /proc/kallsyms)
[ -n "$bid" ] || { echo "kcsan_canary: no stackmap_kcsan_canary in /proc/kallsyms: not the canary kernel?"; exit 1; }
caught_bid() { caught_at "$bid"; }
while [ "$(date +%s)" -lt "$end" ]; do
	"$bin/uprobe_churn" -p 3 -w 1 -d 5 >/dev/null ||
		{ echo "kcsan_canary: uprobe_churn FAILED after $runs runs"; exit 1; }
	runs=$((runs + 1))
	caught vma_entry && caught vma_locked && break
done
while [ "$(date +%s)" -lt "$end" ] && ! caught_bid; do
	"$bin/uprobe_churn" -b -p 3 -w 1 -d 5 >/dev/null ||
		{ echo "kcsan_canary: uprobe_churn -b FAILED after $runs runs"; exit 1; }
	runs=$((runs + 1))
done
grep -E '^(enabled|setup_watchpoints|data_races):' /sys/kernel/debug/kcsan | sed 's/^/kcsan: /'
rc=0
for site in vma_entry vma_locked mmap_locked; do
	if caught $site; then
		echo "kcsan_canary: caught in uprobe_kcsan_canary_$site ($(addr $site)) after $runs runs"
	elif [ $site = mmap_locked ]; then
		echo "kcsan_canary: not caught in uprobe_kcsan_canary_$site (two threads rarely get there at once)"
	else
		echo "kcsan_canary: NOT caught in uprobe_kcsan_canary_$site in ${secs}s ($runs runs): KCSAN does not watch that tier"
		rc=1
	fi
done
if caught_bid; then
	echo "kcsan_canary: caught in stackmap_kcsan_canary_vma_locked ($bid) after $runs runs"
else
	echo "kcsan_canary: NOT caught in stackmap_kcsan_canary_vma_locked in ${secs}s ($runs runs): KCSAN does not watch the build-ID lookup under the VMA locks"
	rc=1
fi
exit $rc
