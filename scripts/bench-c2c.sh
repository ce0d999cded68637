#!/bin/sh
# Count the cache lines a uprobe hit shares with other CPUs: each kernel,
# booted under multi-threaded TCG with the c2c plugin (bench/c2c/c2c.c),
# runs bench/uprobe_c2c.c for each kind of hit with one producer pinned to
# each vCPU; bench/c2c.py turns the plugin's counts into shared lines per
# hit, by kernel function, and checks the canary.
#   scripts/bench-c2c.sh [-k "KERNELS"] [-c "VCPUS"] [-d SECONDS] [-b "KINDS"] [-o DIR]
# Writes DIR/c2c.md, DIR/c2c.csv, DIR/c2c-functions.csv, DIR/c2c.png,
# DIR/c2c-model.md and DIR/c2c-model.png (DIR defaults to results/), and
# keeps the plugin's raw output in build/c2c/runs/.
set -eu
. "$(dirname "$0")/lib.sh"

kernels="base spec patched ceiling" vcpus="2 4" dur=2 out=$TOP/results
kinds="nop-pid nop-all nop-multi ss-pid ss-all ss-multi uret-pid uret-all uret-multi usdt-pid usdt-all buildid-pid churn-pid canary-nop-all canary-nop-pid"
while getopts k:c:d:b:o: o; do
	case $o in
	k) kernels=$OPTARG ;;
	c) vcpus=$OPTARG ;;
	d) dur=$OPTARG ;;
	b) kinds=$OPTARG ;;
	o) out=$OPTARG ;;
	*) die "usage: bench-c2c.sh [-k KERNELS] [-c VCPUS] [-d SECONDS] [-b KINDS] [-o DIR]" ;;
	esac
done
plugin=$BUILD/c2c/libc2c.so
[ -f "$plugin" ] || die "no c2c plugin: run scripts/build-c2c.sh (make bench-c2c does)"
[ -x "$BUILD/tests/uprobe_c2c" ] || die "no uprobe_c2c: run 'make tools'"
for k in $kernels; do
	[ -f "$BUILD/obj-$k/arch/x86/boot/bzImage" ] || die "no $k kernel: build it first"
done
need_cmd python3 gnuplot
runs=$BUILD/c2c/runs
rm -rf "$runs"
mkdir -p "$runs" "$out"
nk=$(echo $kinds | wc -w)
# The guest's time limit: a kind takes a few seconds besides its window
# (its BPF object's load, the warm-up, the plugin's dump; a boot of 15
# kinds with 2 s windows took 60-80 s here); 40 s per kind and window
# second leaves room for a loaded host.
limit=$(( nk * (dur + 2) * 40 + 120 ))
id=1
for c in $vcpus; do
	for k in $kernels; do
		run=$runs/$k-$c
		phase c2c "$k kernel, $c vCPUs, $c producers: $nk kinds, ${dur}s windows (windows $id-$((id + nk - 1)))"
		GUEST_RUN=$run GUEST_QEMU_ARGS="-plugin $plugin,out=$run/c2c.txt" \
			"$TOP/scripts/run-guest.sh" -k "$k" -c "$c" -t "$limit" -- \
			sh "$TOP/bench/guest-c2c.sh" "$BUILD/tests" "$dur" "$c" "$id" $kinds \
			>"$run.log" 2>&1 || { tail -15 "$run.log" >&2; die "c2c run failed on the $k kernel with $c vCPUs (log: ${run#"$TOP"/}.log)"; }
		grep -a '^C2C-ERROR' "$run.log" >&2 && die "a kind failed on the $k kernel with $c vCPUs (log: ${run#"$TOP"/}.log)"
		cp "$BUILD/obj-$k/System.map" "$run/System.map"
		echo "$k $c" >"$run/what"
		id=$((id + nk))
	done
done
python3 "$TOP/bench/c2c.py" "$runs" "$out" \
	"$(nproc) host CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), guest: QEMU $(qemu-system-x86_64 --version | sed -n 's/.*version \([^ ]*\).*/\1/p') multi-threaded TCG with bench/c2c/c2c.c, ${dur}s windows"
