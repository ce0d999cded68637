#!/bin/sh
# Pack the uprobe benchmark for a bigger x86-64 machine that has no build
# tools and nothing of this project: build/uprobe-bench-bundle.tar.xz, at
# most 60 MiB, holding
#   run.sh            the runner (bench/bundle/run.sh): kernels interleaved,
#                     producers 1, 2, 4, ... up to the machine's CPUs, the
#                     same raw.csv as scripts/bench.sh
#   kernels/          the bzImages of base, spec, patched and ceiling
#   qemu/             qemu-system-x86_64, its TCG module, every library
#                     they link (started through its own ld-linux, so the
#                     host's libraries do not matter) and the firmware it
#                     loads
#   rootfs/           the guest's root, shared read-only over 9p (the
#                     workbench's kernels have no initramfs support, and
#                     the measured kernels must be the ones tested): busybox,
#                     the BPF selftests' bench, bench/uprobe_churn.c and
#                     bench/mm_write_bench.c with their libraries, the
#                     guest side of the benchmark (bench/guest-bench.sh)
#   BUNDLE            what was packed: base, series, workbench commit
# Use: tar xf uprobe-bench-bundle.tar.xz && cd uprobe-bench && ./run.sh
# then bring out/raw.csv back and run bench/report.py on it.
set -eu
. "$(dirname "$0")/lib.sh"

kernels="base spec patched ceiling"
for k in $kernels; do
	[ -f "$BUILD/obj-$k/arch/x86/boot/bzImage" ] || die "no $k kernel: 'make bench' builds all four (or scripts/build.sh $k)"
done
for f in "$BUILD/selftests/bench" "$BUILD/tests/uprobe_churn" "$BUILD/tests/mm_write_bench"; do
	[ -x "$f" ] || die "no $f: run 'make tools'"
done
need_cmd qemu-system-x86_64 busybox ldd xz tar
busybox --list | grep -qx sh || die "busybox has no sh applet"
file -L "$(command -v busybox)" 2>/dev/null | grep -q 'statically linked' ||
	ldd "$(command -v busybox)" 2>&1 | grep -q 'not a dynamic' ||
	die "busybox is not static: apt-get install busybox-static"

stage=$BUILD/bench-bundle
b=$stage/uprobe-bench
rm -rf "$stage"
mkdir -p "$b/kernels" "$b/qemu/lib" "$b/qemu/share" "$b/rootfs/bin" "$b/rootfs/wb" \
	"$b/rootfs/proc" "$b/rootfs/sys" "$b/rootfs/dev" "$b/rootfs/tmp"
phase bundle "kernels: $kernels"
for k in $kernels; do
	cp "$BUILD/obj-$k/arch/x86/boot/bzImage" "$b/kernels/$k.bzImage"
done

# libs_of BINARY: the absolute paths of the libraries it loads, the ELF
# interpreter included.
libs_of() {
	ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
}

phase bundle "QEMU $(qemu-system-x86_64 --version | sed -n 's/.*version \([^ ]*\).*/\1/p'), its libraries and firmware"
q=$(command -v qemu-system-x86_64)
cp "$q" "$b/qemu/"
# Debian builds TCG as a module that QEMU loads at run time
# (QEMU_MODULE_DIR, set by run.sh)
moddir=$(dirname "$(dpkg -L qemu-system-common 2>/dev/null | grep '/accel-tcg-x86_64\.so$' | head -1)")
[ -f "$moddir/accel-tcg-x86_64.so" ] || die "no accel-tcg-x86_64.so (QEMU's TCG module) to pack"
mkdir -p "$b/qemu/modules"
cp "$moddir/accel-tcg-x86_64.so" "$b/qemu/modules/"
for l in $(libs_of "$q") $(libs_of "$moddir/accel-tcg-x86_64.so"); do cp -L "$l" "$b/qemu/lib/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$b/qemu/lib/ld-linux-x86-64.so.2"
for f in bios-256k.bin linuxboot_dma.bin linuxboot.bin kvmvapic.bin pvh.bin multiboot_dma.bin; do
	for d in /usr/share/qemu /usr/share/seabios; do
		if [ -e "$d/$f" ]; then cp -L "$d/$f" "$b/qemu/share/"; break; fi
	done
done
[ -f "$b/qemu/share/bios-256k.bin" ] || die "no bios-256k.bin (seabios) to pack"

phase bundle "guest root: busybox, bench, uprobe_churn, mm_write_bench and their libraries"
cp "$(command -v busybox)" "$b/rootfs/bin/busybox"
cp "$TOP/bench/bundle/init" "$b/rootfs/init"
cp "$TOP/bench/guest-bench.sh" "$b/rootfs/wb/"
cp "$BUILD/selftests/bench" "$BUILD/tests/uprobe_churn" "$BUILD/tests/mm_write_bench" "$b/rootfs/wb/"
for f in "$BUILD/selftests/bench" "$BUILD/tests/uprobe_churn" "$BUILD/tests/mm_write_bench"; do
	for l in $(libs_of "$f"); do
		mkdir -p "$b/rootfs$(dirname "$l")"
		cp -L "$l" "$b/rootfs$l"
	done
done
chmod 755 "$b/rootfs/init"
cp "$TOP/bench/bundle/run.sh" "$b/run.sh"
{
	echo "bundle: $(cat "$KSRC/.git/workbench-base"); series $(git -C "$KSRC" describe --always --tags series) ($(git -C "$KSRC" log -1 --format=%s series))"
	echo "workbench: $(git -C "$TOP" log -1 --format='%h %s')$(git -C "$TOP" diff --quiet HEAD -- || echo ' (with uncommitted changes)')"
	echo "packed: $(date -u +%Y-%m-%dT%H:%MZ)"
} >"$b/BUNDLE"

phase bundle "xz"
tarball=$BUILD/uprobe-bench-bundle.tar.xz
tar -C "$stage" -cf - uprobe-bench | xz -T0 -6 >"$tarball"
size=$(( $(stat -c %s "$tarball") / 1048576 ))
[ "$size" -le 60 ] || die "$tarball is ${size} MiB, more than 60 MiB"
phase bundle "${tarball#"$TOP"/}: ${size} MiB ($(du -sm "$b" | cut -f1) MiB unpacked)"
