#!/bin/sh
# Build the BPF selftests' `bench` tool from the kernel tree, with clang-19,
# against the BTF of a kernel the workbench built (patched by default).
set -eu
. "$(dirname "$0")/lib.sh"

kernel=${1:-patched}
vmlinux=$BUILD/obj-$kernel/vmlinux
[ -f "$vmlinux" ] || die "no $vmlinux: build the $kernel kernel first ('make build')"
need_cmd clang-19 llc-19 llvm-strip-19
out=$BUILD/selftests
mkdir -p "$out"
phase bench-build "selftests/bpf bench against ${vmlinux#"$TOP"/}"
t=$(date +%s)
if ! make -C "$KSRC/tools/testing/selftests/bpf" -j"$JOBS" \
	OUTPUT="$out" VMLINUX_BTF="$vmlinux" \
	CLANG=clang-19 LLC=llc-19 LLVM_STRIP=llvm-strip-19 \
	"$out/bench" >"$out/build.log" 2>&1; then
	grep -E 'error|Error' "$out/build.log" | head -20 >&2
	die "building the selftests bench failed (log: ${out#"$TOP"/}/build.log)"
fi
phase bench-build "bench built in $(( $(date +%s) - t ))s"
