#!/bin/sh
# Uprobe scaling benchmark: the selftests bench in the guest, kernels
# interleaved (A B C A B C ...) for several rounds, median and spread.
#   scripts/bench.sh [-r ROUNDS] [-d SECONDS] [-p MAXPROD] [-k "KERNELS"] [-b "BENCHES"] [-o DIR] [-i SHIFT]
# Writes DIR/raw.csv, DIR/uprobe-scaling.csv, DIR/uprobe-scaling.md,
# DIR/uprobe-ratios.csv, DIR/uprobe-scaling.png, DIR/uprobe-churn.png and
# DIR/uprobe-buildid.png (DIR defaults to results/).
# -b uprobe-detach alone: attach, detach and exit times of perf-event
# uprobes (bench/uprobe_detach.c) instead of rates; writes
# DIR/detach-raw.csv, DIR/uprobe-detach.csv, DIR/uprobe-detach.md and
# DIR/uprobe-detach.png.
# -i SHIFT: instruction counting instead (QEMU -icount shift=SHIFT,
# single-threaded TCG, run-guest.sh's ICOUNT): the guest clock advances
# 2^SHIFT ns per instruction, so a rate in guest time gives guest
# instructions per operation, independent of the host's load.  One
# producer, the churn and write-path benchmarks (the selftests' bench is
# left out); writes DIR/icount-raw.csv, DIR/icount.csv and DIR/icount.md.
set -eu
. "$(dirname "$0")/lib.sh"

rounds=3 dur=5 maxp=2 kernels="base patched" out=$TOP/results shift=
benches="trig-uprobe-nop trig-uprobe-push trig-uprobe-ret trig-uretprobe-nop trig-uprobe-multi-nop trig-uretprobe-multi-nop mm-mmap-munmap mm-mprotect mm-fault churn-w0 churn-w1 buildid-w0 buildid-w1"
bset=
while getopts r:d:p:k:b:o:i: o; do
	case $o in
	r) rounds=$OPTARG ;;
	d) dur=$OPTARG ;;
	p) maxp=$OPTARG ;;
	k) kernels=$OPTARG ;;
	b) benches=$OPTARG bset=1 ;;
	i) shift=$OPTARG ;;
	o) out=$OPTARG ;;
	*) die "usage: bench.sh [-r ROUNDS] [-d SECONDS] [-p MAXPROD] [-k KERNELS] [-b BENCHES] [-o DIR] [-i SHIFT]" ;;
	esac
done
cpus=$maxp raw=$out/raw.csv
if [ -n "$shift" ]; then
	export ICOUNT=$shift
	[ -n "$bset" ] || benches="churn-w0 buildid-w0 buildid-clock-w0 churn-w1 buildid-w1 buildid-clock-w1 mm-mmap-munmap mm-mprotect mm-fault"
	case " $benches " in *" trig-"*) die "-i: the selftests' bench (trig-*) is not run under icount" ;; esac
	# One producer, one vCPU: the churn writer shares it through the
	# guest's scheduler.  With two vCPUs, single-threaded TCG runs them in
	# turns, and one spinning on a lock the other holds (timekeeping's
	# seqcount, say) burns instructions until its turn ends, which shows
	# up as cost and, once, as an RCU stall warning.
	maxp=1 cpus=1 raw=$out/icount-raw.csv
fi
detach=
if [ "$(echo $benches)" = uprobe-detach ]; then
	[ -z "$shift" ] || die "-i: uprobe-detach measures times, not instructions"
	# on 6.12, detaching 1000 uprobes takes minutes under TCG
	detach=1 raw=$out/detach-raw.csv
fi
[ -x "$BUILD/tests/mm_write_bench" ] && [ -x "$BUILD/tests/uprobe_churn" ] &&
	[ -x "$BUILD/tests/uprobe_detach" ] ||
	die "no bench binaries: run 'make tools'"
case " $benches " in
*" trig-"*) [ -x "$BUILD/selftests/bench" ] || die "no selftests bench: run 'make tools'" ;;
esac
for k in $kernels; do
	[ -f "$BUILD/obj-$k/arch/x86/boot/bzImage" ] || die "no $k kernel: build it first"
done
need_cmd python3
mkdir -p "$out"
echo "round,kernel,bench,producers,mps" >"$raw"
nb=$(echo $benches | wc -w)
per_boot=$(( nb * (maxp + 1) * (dur + 3) + 60 ))
[ -z "$detach" ] || per_boot=600
# the guest's time limit, in host seconds: under icount a guest second
# takes tens of host seconds
slow=3
[ -z "$shift" ] || slow=60
r=1
while [ "$r" -le "$rounds" ]; do
	for k in $kernels; do
		if [ -n "$detach" ]; then
			phase bench "round $r/$rounds, $k kernel: attach and detach 1..1000 uprobes, exit holding 1000"
		else
			phase bench "round $r/$rounds, $k kernel: $nb benchmarks x 1..$maxp producers, ${dur}s each${shift:+ (icount, shift $shift)}"
		fi
		log=$BUILD/bench-$k-$r.log
		# shellcheck disable=SC2086
		"$TOP/scripts/run-guest.sh" -k "$k" -c "$cpus" -t $((per_boot * slow)) -- \
			sh "$TOP/bench/guest-bench.sh" "$BUILD/selftests/bench" "$BUILD/tests" "$dur" "$maxp" $benches \
			>"$log" 2>&1 || { tail -15 "$log" >&2; die "bench run failed on the $k kernel (log: $log)"; }
		tr -d '\r' <"$log" | awk -v r="$r" -v k="$k" '$1 == "RESULT" { print r "," k "," $2 "," $3 "," $4 }' >>"$raw"
	done
	r=$((r + 1))
done
if [ -n "$detach" ]; then
	python3 "$TOP/bench/report.py" --detach "$raw" "$out" \
		"$(nproc) host CPUs, guest: QEMU $(qemu-system-x86_64 --version | sed -n 's/.*version \([^ ]*\).*/\1/p') TCG, $cpus vCPUs, $rounds rounds"
	exit
fi
if [ -n "$shift" ]; then
	python3 "$TOP/bench/report.py" --icount "$shift" "$raw" "$out" \
		"guest: QEMU $(qemu-system-x86_64 --version | sed -n 's/.*version \([^ ]*\).*/\1/p') TCG, icount shift $shift (single-threaded), $cpus vCPUs, $rounds rounds of ${dur}s of guest time"
	exit
fi
python3 "$TOP/bench/report.py" "$raw" "$out" \
	"$(nproc) host CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), guest: QEMU $(qemu-system-x86_64 --version | sed -n 's/.*version \([^ ]*\).*/\1/p') TCG, $maxp vCPUs, $rounds rounds of ${dur}s"
