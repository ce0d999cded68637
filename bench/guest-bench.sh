#!/bin/sh
# Runs inside the guest: each benchmark with 1..MAXPROD producers; prints one
# "RESULT bench producers M/s" line per run.  trig-* benchmarks are the BPF
# selftests' bench; mm-* are bench/mm_write_bench.c (one thread only).
#   guest-bench.sh SELFTESTS_BENCH PROGS_DIR DURATION MAXPROD BENCH...
set -eu
bench=$1 progs=$2 dur=$3 maxp=$4
shift 4
fail() {
	echo "$1" | tail -5
	echo "RESULT-ERROR $2 $3"
	exit 1
}
cd "$(dirname "$bench")"
for b in "$@"; do
	case $b in
	mm-*)
		out=$("$progs/mm_write_bench" "$b" "$dur" 2>&1) || fail "$out" "$b" 1
		echo "$out" | grep '^RESULT ' || fail "$out" "$b" 1
		continue
		;;
	esac
	p=1
	while [ "$p" -le "$maxp" ]; do
		out=$("$bench" -w1 -d"$dur" -a -p"$p" "$b" 2>&1) || fail "$out" "$b" "$p"
		mps=$(echo "$out" | sed -n 's/^Summary: hits *\([0-9.]*\) .*/\1/p')
		[ -n "$mps" ] || fail "$out" "$b" "$p"
		echo "RESULT $b $p $mps"
		p=$((p + 1))
	done
done
