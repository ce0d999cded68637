#!/bin/sh
# Runs inside the workbench guest (scripts/test.sh boots it): BPF uprobes
# attached with libbpf must fire exactly as often as the probed function is
# called, from a plain file, with several threads, and from an overlayfs
# mount (backing files); a real program's libc function must fire too; and
# a probe hit must not take the mmap lock, neither in a quiet process nor
# while another thread maps and unmaps memory (both fail on the base kernel,
# where every hit takes it; the second also without the per-VMA lock tier);
# and per-process perf events fire in their processes only.
#
#   uprobe_smoke.sh BINDIR
set -u
bin=$1
. "$(dirname "$0")/check.sh"

count() {
	"$bin/uprobe_count" -n "$(($2 * $3))" "$1" wb_probe_me -- "$1" "$2" "$3"
}

check "exact count, 1 thread" count "$bin/probe_target" 20000 1
check "exact count, 4 threads" count "$bin/probe_target" 5000 4

# A real program: libc's malloc in ls must be hit at least once.
libc=$(ldd /bin/ls | sed -n 's/.*libc\.so\.6 => \([^ ]*\).*/\1/p')
real_prog() {
	out=$("$bin/uprobe_count" "$libc" malloc -- sh -c 'exec ls -l /usr/bin >/dev/null') || return 1
	echo "$out"
	n=$(echo "$out" | sed -n 's/.* hit \([0-9]*\) times.*/\1/p')
	[ "${n:-0}" -gt 0 ]
}
check "libc malloc in ls fires" real_prog

# Backing files: run the programs from an overlayfs mount, so that the
# VMA's vm_file is an FMODE_BACKING file.
. "$(dirname "$0")/overlay.sh"
ovl_setup "$bin/probe_target" "$bin/uprobe_race" || not_ok "overlayfs mount"
check "exact count from overlayfs (backing file)" count $ovl/merged/probe_target 10000 2

# Hits while other threads change the mm: exact counts, no stray signals.
check "race: mmap/mprotect/mremap/munmap of the probed file, fork/exec, attach/detach" \
	"$bin/uprobe_race" -d 5 -t 1 -w 1 -f -a
check "race: the same from overlayfs (backing file)" \
	$ovl/merged/uprobe_race -d 5 -t 1 -w 1 -f -a

# Per-process perf events on one tracefs uprobe: a hit counts in the
# processes with an event and nowhere else, exactly, while the events of
# other processes are opened and closed (the perf filter of trace_uprobe).
check "per-process uprobe events fire exactly where they should, beside events that come and go" \
	"$bin/uprobe_filter" -d 3

# Does a probe hit take the mmap lock?  Count the mmap_lock_start_locking
# events for read of the probed process (comm COMM) while CMD runs.
#   lock_reads COMM CMD...   prints "reads N" and CMD's output
lock_reads() {
	t=/sys/kernel/tracing
	comm=$1
	shift
	[ -d $t/events/mmap_lock ] || { echo "no mmap_lock trace events"; return 1; }
	echo 0 >$t/tracing_on
	echo >$t/trace
	echo 8192 >$t/buffer_size_kb
	echo "comm == \"$comm\" && write == 0" >$t/events/mmap_lock/mmap_lock_start_locking/filter
	echo 1 >$t/events/mmap_lock/mmap_lock_start_locking/enable
	echo 1 >$t/tracing_on
	"$@"
	rc=$?
	echo 0 >$t/tracing_on
	echo 0 >$t/events/mmap_lock/mmap_lock_start_locking/enable
	echo "reads $(grep -c 'mmap_lock_start_locking' $t/trace)"
	return $rc
}

# Quiet mm: the speculative lookup must answer every hit.
lock_quiet() {
	calls=20000
	out=$(lock_reads probe_target count "$bin/probe_target" $calls 1) || { echo "$out"; return 1; }
	n=$(echo "$out" | sed -n 's/^reads //p')
	echo "mmap lock read acquisitions by probe_target: $n for $calls uprobe hits"
	[ "$n" -lt $((calls / 100)) ]
}
check "a uprobe hit takes no mmap lock (fewer than 1 per 100 hits)" lock_quiet

# Another thread keeps mapping and unmapping memory, so speculation keeps
# failing: the per-VMA lock tier must still keep hits off the mmap lock.
lock_churn() {
	out=$(lock_reads uprobe_churn "$bin/uprobe_churn" -p 1 -w 1 -d 3) || { echo "$out"; return 1; }
	n=$(echo "$out" | sed -n 's/^reads //p')
	calls=$(echo "$out" | sed -n 's/^uprobe_churn: \([0-9]*\) calls.*/\1/p')
	echo "$out" | grep '^uprobe_churn:'
	echo "mmap lock read acquisitions by uprobe_churn: $n for $calls uprobe hits"
	[ "${calls:-0}" -gt 1000 ] && [ "$n" -lt $((calls / 100)) ]
}
check "with a thread doing mmap+munmap, a hit still takes no mmap lock" lock_churn

umount $ovl/merged 2>/dev/null
summary
