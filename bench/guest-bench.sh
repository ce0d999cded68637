#!/bin/sh
# Runs inside the guest: the selftests bench for each benchmark and producer
# count; prints one "RESULT bench producers M/s" line per run.
#   guest-bench.sh BENCH_BINARY DURATION MAXPROD BENCH...
set -eu
bench=$1 dur=$2 maxp=$3
shift 3
cd "$(dirname "$bench")"
for b in "$@"; do
	p=1
	while [ "$p" -le "$maxp" ]; do
		out=$("$bench" -w1 -d"$dur" -a -p"$p" "$b" 2>&1) || {
			echo "$out" | tail -5
			echo "RESULT-ERROR $b $p"
			exit 1
		}
		mps=$(echo "$out" | sed -n 's/^Summary: hits *\([0-9.]*\) .*/\1/p')
		[ -n "$mps" ] || { echo "$out" | tail -5; echo "RESULT-ERROR $b $p"; exit 1; }
		echo "RESULT $b $p $mps"
		p=$((p + 1))
	done
done
