#!/bin/sh
# Uprobe scaling benchmark: the selftests bench in the guest, kernels
# interleaved (A B C A B C ...) for several rounds, median and spread.
#   scripts/bench.sh [-r ROUNDS] [-d SECONDS] [-p MAXPROD] [-k "KERNELS"] [-b "BENCHES"] [-o DIR]
# Writes DIR/raw.csv, DIR/uprobe-scaling.csv, DIR/uprobe-scaling.md,
# DIR/uprobe-scaling.png and DIR/uprobe-churn.png (DIR defaults to results/).
set -eu
. "$(dirname "$0")/lib.sh"

rounds=3 dur=5 maxp=2 kernels="base patched" out=$TOP/results
benches="trig-uprobe-nop trig-uprobe-push trig-uprobe-ret trig-uretprobe-nop trig-uprobe-multi-nop trig-uretprobe-multi-nop mm-mmap-munmap mm-mprotect mm-fault churn-w0 churn-w1"
while getopts r:d:p:k:b:o: o; do
	case $o in
	r) rounds=$OPTARG ;;
	d) dur=$OPTARG ;;
	p) maxp=$OPTARG ;;
	k) kernels=$OPTARG ;;
	b) benches=$OPTARG ;;
	o) out=$OPTARG ;;
	*) die "usage: bench.sh [-r ROUNDS] [-d SECONDS] [-p MAXPROD] [-k KERNELS] [-b BENCHES] [-o DIR]" ;;
	esac
done
[ -x "$BUILD/selftests/bench" ] && [ -x "$BUILD/tests/mm_write_bench" ] && [ -x "$BUILD/tests/uprobe_churn" ] ||
	die "no bench binaries: run 'make tools'"
for k in $kernels; do
	[ -f "$BUILD/obj-$k/arch/x86/boot/bzImage" ] || die "no $k kernel: build it first"
done
need_cmd python3
mkdir -p "$out"
raw=$out/raw.csv
echo "round,kernel,bench,producers,mps" >"$raw"
nb=$(echo $benches | wc -w)
per_boot=$(( nb * (maxp + 1) * (dur + 3) + 60 ))
r=1
while [ "$r" -le "$rounds" ]; do
	for k in $kernels; do
		phase bench "round $r/$rounds, $k kernel: $nb benchmarks x 1..$maxp producers, ${dur}s each"
		log=$BUILD/bench-$k-$r.log
		# shellcheck disable=SC2086
		"$TOP/scripts/run-guest.sh" -k "$k" -c "$maxp" -t $((per_boot * 3)) -- \
			sh "$TOP/bench/guest-bench.sh" "$BUILD/selftests/bench" "$BUILD/tests" "$dur" "$maxp" $benches \
			>"$log" 2>&1 || { tail -15 "$log" >&2; die "bench run failed on the $k kernel (log: $log)"; }
		tr -d '\r' <"$log" | awk -v r="$r" -v k="$k" '$1 == "RESULT" { print r "," k "," $2 "," $3 "," $4 }' >>"$raw"
	done
	r=$((r + 1))
done
python3 "$TOP/bench/report.py" "$raw" "$out" \
	"$(nproc) host CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), guest: QEMU $(qemu-system-x86_64 --version | sed -n 's/.*version \([^ ]*\).*/\1/p') TCG, $maxp vCPUs, $rounds rounds of ${dur}s"
