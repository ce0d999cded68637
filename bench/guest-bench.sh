#!/bin/sh
# Runs inside the guest: each benchmark with each number of producers; prints one
# "RESULT bench producers M/s" line per run.  trig-* benchmarks are the BPF
# selftests' bench; mm-* are bench/mm_write_bench.c (one thread only);
# churn-wN are bench/uprobe_churn.c with N writer threads (also reporting
# the writers' mmap+munmap rate as churn-writer-wN); buildid-wN the same
# with a user stack with build IDs taken on every hit (uprobe_churn -b),
# which also reports the share of valid top frames as buildid-valid-wN;
# buildid-clock-wN the counting uprobe of churn-wN while a perf_event
# program on cpu-clock (1 ms, hard irq) takes the stack with build IDs
# (uprobe_churn -c): against churn-wN, the cost of the samples.
# uprobe-detach is bench/uprobe_detach.c: the time to attach and to detach
# 1, 10, 100 and 1000 perf-event uprobes (RESULT uprobe-attach|
# uprobe-detach N ms), and from SIGKILL until a process holding 1000 of
# them is reaped (RESULT uprobe-exit 1000 ms); it ignores PRODUCERS.
#   guest-bench.sh SELFTESTS_BENCH PROGS_DIR DURATION PRODUCERS BENCH...
# PRODUCERS: a number N for 1..N, or a comma-separated list (1,2,4,8).
set -eu
bench=$1 progs=$2 dur=$3 prods=$4
shift 4
case $prods in
*,*) prods=$(echo "$prods" | tr , ' ') ;;
*) prods=$(seq 1 "$prods") ;;
esac
fail() {
	echo "$1" | tail -5
	echo "RESULT-ERROR $2 $3"
	exit 1
}
# the selftests' bench loads its BPF objects from its own folder
case " $* " in *" trig-"*) cd "$(dirname "$bench")" ;; esac
for b in "$@"; do
	case $b in
	mm-*)
		out=$("$progs/mm_write_bench" "$b" "$dur" 2>&1) || fail "$out" "$b" 1
		echo "$out" | grep '^RESULT ' || fail "$out" "$b" 1
		continue
		;;
	churn-w*)
		# bench/uprobe_churn.c: W writer threads beside each number of
		# producers; with writers also 0 producers (the writer alone)
		w=${b#churn-w}
		ps=$prods
		[ "$w" -gt 0 ] && ps="0 $prods"
		for p in $ps; do
			out=$("$progs/uprobe_churn" -p "$p" -w "$w" -d "$dur" 2>&1) ||
				fail "$out" "$b" "$p"
			echo "$out" | grep '^RESULT ' || fail "$out" "$b" "$p"
		done
		continue
		;;
	uprobe-detach)
		for n in 1 10 100 1000; do
			out=$("$progs/uprobe_detach" -n "$n" 2>&1) || fail "$out" "$b" "$n"
			echo "$out" | grep '^RESULT ' || fail "$out" "$b" "$n"
		done
		out=$("$progs/uprobe_detach" -x -n 1000 2>&1) || fail "$out" "$b" exit
		echo "$out" | grep '^RESULT ' || fail "$out" "$b" exit
		continue
		;;
	buildid-w* | buildid-clock-w*)
		w=${b##*-w} m=-b
		[ "${b#buildid-clock}" = "$b" ] || m=-c
		for p in $prods; do
			out=$("$progs/uprobe_churn" $m -p "$p" -w "$w" -d "$dur" 2>&1) ||
				fail "$out" "$b" "$p"
			echo "$out" | grep '^RESULT ' || fail "$out" "$b" "$p"
		done
		continue
		;;
	esac
	for p in $prods; do
		out=$("$bench" -w1 -d"$dur" -a -p"$p" "$b" 2>&1) || fail "$out" "$b" "$p"
		mps=$(echo "$out" | sed -n 's/^Summary: hits *\([0-9.]*\) .*/\1/p')
		[ -n "$mps" ] || fail "$out" "$b" "$p"
		echo "RESULT $b $p $mps"
	done
done
