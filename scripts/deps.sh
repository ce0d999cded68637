#!/bin/sh
# Install the Debian packages the workbench needs (idempotent), then check
# that every command it runs is there: a minimal Debian 12 (debootstrap
# --variant=minbase, see scripts/fresh-check.sh) lacks more than one expects.
set -eu
. "$(dirname "$0")/lib.sh"

# What each group is for:
#  kernel source and build: linux-source-6.12 xz-utils git build-essential bc
#    bison flex libelf-dev libssl-dev dwarves (pahole) ccache cpio kmod
#    python3 perl
#  guest: qemu-system-x86; in it, users' tools: libbpf-tools (funclatency),
#    bpftrace
#  test programs, libbpf, bpftool, selftests: clang-19 llvm-19 lld-19 (the
#    selftests link urandom_read with -fuse-ld=lld) libcap-dev zlib1g-dev
#    zstd pkg-config rsync
#  build matrix: gcc-aarch64-linux-gnu (arm64; the i386 objects need no
#    multilib, and Debian's gcc-multilib conflicts with the cross compilers)
#  tools/testing/vma: liburcu-dev
#  checkpatch: python3-ply (scripts/spdxcheck.py), python3-git (it asks git
#    for the SPDX file list)
#  docs: python3-sphinx python3-sphinx-rtd-theme python3-yaml
#  bench: gnuplot-nox; the bench bundle: busybox-static
PKGS="linux-source-6.12 xz-utils git build-essential bc bison flex libelf-dev
libssl-dev dwarves ccache cpio kmod python3 perl qemu-system-x86
libbpf-tools bpftrace clang-19 llvm-19 lld-19 libcap-dev zlib1g-dev zstd pkg-config
rsync gcc-aarch64-linux-gnu liburcu-dev python3-ply python3-git python3-sphinx
python3-sphinx-rtd-theme python3-yaml gnuplot-nox busybox-static"

# The commands the scripts and builds run: WB_CMDS in lib.sh.

check_cmds() {
	bad=
	for c in $WB_CMDS; do
		command -v "${c%%:*}" >/dev/null 2>&1 || bad="$bad ${c%%:*} (${c#*:})"
	done
	python3 -c 'import ply, git, yaml' 2>/dev/null ||
		bad="$bad python3 modules ply, git, yaml (python3-ply python3-git python3-yaml)"
	[ -z "$bad" ] || die "missing after 'make deps':$bad"
}

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	check_cmds
	phase deps "all packages present"
	exit 0
fi
phase deps "installing:$missing"
[ "$(id -u)" = 0 ] || die "packages missing ($missing) and not root: install them with apt-get"
mkdir -p "$BUILD"
command -v apt-get >/dev/null || die "no apt-get: this workbench needs Debian 12 (packages:$missing)"
apt-get update -q >"$BUILD/apt.log" 2>&1 ||
	{ tail -5 "$BUILD/apt.log" >&2; die "apt-get update failed: no access to Debian's archive?"; }
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing \
	>>"$BUILD/apt.log" 2>&1 ||
	{ tail -5 "$BUILD/apt.log" >&2; die "apt-get install failed for:$missing (log: $BUILD/apt.log)"; }
check_cmds
phase deps "installed"
