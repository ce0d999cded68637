#!/bin/sh
# The uprobe scaling benchmark of the bench bundle (`make bench-bundle` in
# the workbench): needs nothing on this machine but a POSIX shell and
# coreutils.  The bundle brings the kernels (base, spec, patched, ceiling),
# QEMU with its libraries and firmware (started through its own loader),
# and the guest's root (busybox, the BPF selftests' bench, the churn and
# write-path benchmarks, their libraries).
#
#   ./run.sh [-r ROUNDS] [-d SECONDS] [-p PRODUCERS] [-k "KERNELS"] [-b "BENCHES"] [-o DIR]
#
# Boots the kernels in turn (A B C D A B C D ...) for ROUNDS rounds (3); in
# each, runs every benchmark for SECONDS (5) with each number of producers,
# PRODUCERS being a comma-separated list (default 1, 2, 4, ... up to this
# machine's CPUs, and the CPU count itself).  The guest gets as many vCPUs
# as the largest producer count.  KVM when it is really usable here (the
# vendor module loaded, not a PVM host), QEMU's multi-threaded TCG
# otherwise; the output says which.  Writes DIR (./out) /raw.csv (round,
# kernel, bench, producers, M/s: the workbench's bench/report.py turns it
# into tables and plots), machine.txt, and one console log per boot.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
rounds=3 dur=5 prods= kernels="base spec patched ceiling" out=$PWD/out
benches="trig-uprobe-nop churn-w0 churn-w1"
while getopts r:d:p:k:b:o: o; do
	case $o in
	r) rounds=$OPTARG ;;
	d) dur=$OPTARG ;;
	p) prods=$OPTARG ;;
	k) kernels=$OPTARG ;;
	b) benches=$OPTARG ;;
	o) out=$OPTARG ;;
	*) echo "usage: run.sh [-r ROUNDS] [-d SECONDS] [-p PRODUCERS] [-k KERNELS] [-b BENCHES] [-o DIR]" >&2; exit 2 ;;
	esac
done
die() { echo "run.sh: error: $*" >&2; exit 1; }
t0=$(date +%s)
phase() { printf '==> [%s] %s (t+%ss)\n' "$1" "$2" "$(( $(date +%s) - t0 ))"; }

ncpu=$(nproc)
if [ -z "$prods" ]; then
	p=1
	while [ "$p" -lt "$ncpu" ]; do prods="$prods,$p"; p=$((p * 2)); done
	prods="${prods#,},$ncpu"
	prods=${prods#,}
fi
maxp=0
for p in $(echo "$prods" | tr , ' '); do
	case $p in *[!0-9]*|'') die "-p $prods: a comma-separated list of numbers" ;; esac
	[ "$p" -le "$maxp" ] || maxp=$p
done
for k in $kernels; do
	[ -f "$here/kernels/$k.bzImage" ] || die "no kernel '$k' in $here/kernels"
done
ld=$here/qemu/lib/ld-linux-x86-64.so.2
[ -x "$ld" ] || die "the bundle's QEMU is missing ($ld)"
# QEMU loads TCG as a module (Debian's build): from the bundle
export QEMU_MODULE_DIR="$here/qemu/modules"
qemu() { "$ld" --library-path "$here/qemu/lib" "$here/qemu/qemu-system-x86_64" "$@"; }
qemu --version >/dev/null 2>&1 || die "the bundle's QEMU does not start here: $(qemu --version 2>&1 | head -3)"

# KVM only where it really works: the vendor module, no PVM hypervisor.
accel=tcg,thread=multi cpu=max
if [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] &&
	{ [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
	accel=kvm cpu=host
fi
mkdir -p "$out"
model=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)
{
	echo "host: $ncpu CPUs ($model), $(awk '/^MemTotal:/ { print int($2 / 1048576) }' /proc/meminfo) GiB, $(uname -sr)"
	echo "guest: QEMU $(qemu --version | sed -n 's/.*version \([^ ]*\).*/\1/p') accel $accel, $maxp vCPUs"
	echo "rounds: $rounds of ${dur}s; producers: $prods; kernels: $kernels; benches: $benches"
	cat "$here/BUNDLE" 2>/dev/null
} >"$out/machine.txt"
sed 's/^/    /' "$out/machine.txt"
[ "$accel" = kvm ] || phase note "no usable KVM here: QEMU TCG, absolute figures mean little, compare kernels"

raw=$out/raw.csv
echo "round,kernel,bench,producers,mps" >"$raw"
nb=$(echo $benches | wc -w)
np=$(echo "$prods" | tr , ' ' | wc -w)
limit=$(( nb * (np + 1) * (dur + 5) * 3 + 300 ))
r=1
while [ "$r" -le "$rounds" ]; do
	for k in $kernels; do
		phase bench "round $r/$rounds, $k kernel: $nb benchmarks x producers $prods, ${dur}s each"
		log=$out/console-$k-$r.log
		set +e
		timeout -k 10 "$limit" "$ld" --library-path "$here/qemu/lib" "$here/qemu/qemu-system-x86_64" \
			-L "$here/qemu/share" -nodefaults -vga none -display none -no-reboot \
			-accel "$accel" -cpu "$cpu" -smp "$maxp" -m 2G -serial stdio -monitor none \
			-kernel "$here/kernels/$k.bzImage" \
			-append "console=ttyS0 loglevel=4 root=wbroot rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose ro init=/init panic=-1 wb.dur=$dur wb.prods=$prods wb.benches=$(echo $benches | tr ' ' ,)" \
			-virtfs local,path="$here/rootfs",mount_tag=wbroot,security_model=none,readonly=on,multidevs=remap \
			</dev/null >"$log" 2>&1
		qrc=$?
		set -e
		tr -d '\r' <"$log" | grep -a -q '^WORKBENCH-EXIT: 0$' || {
			tail -20 "$log" >&2
			[ "$qrc" != 124 ] || die "the $k guest did not finish within ${limit}s (log: $log)"
			die "the benchmark failed in the $k guest (log: $log)"
		}
		if tr -d '\r' <"$log" | grep -a -q -E 'Oops|BUG:|WARNING:|Kernel panic|INFO: rcu_|rcu: INFO'; then
			phase warning "the $k kernel printed a report on the console (log: $log)"
		fi
		tr -d '\r' <"$log" | awk -v r="$r" -v k="$k" '$1 == "RESULT" { print r "," k "," $2 "," $3 "," $4 }' >>"$raw"
	done
	r=$((r + 1))
done
phase done "$(($(wc -l <"$raw") - 1)) results in $raw"
# The median per kernel, bench and producer count, to see at once.
awk -F, 'NR > 1 { k = $2 "," $3 "," $4; v[k] = v[k] " " $5 }
	END { for (k in v) { n = split(v[k], a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
		if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		printf "%s,%s\n", k, (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 } }' "$raw" |
	sort -t, -k2,2 -k3,3n -k1,1 |
	awk -F, 'BEGIN { printf "%-10s %-20s %9s %12s\n", "kernel", "bench", "producers", "median M/s" }
		{ printf "%-10s %-20s %9s %12s\n", $1, $2, $3, $4 }'
