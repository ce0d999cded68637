#!/bin/sh
# Install the Debian packages the workbench needs (idempotent).
set -eu
. "$(dirname "$0")/lib.sh"

PKGS="linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev
dwarves ccache qemu-system-x86 clang-19 llvm-19 liburcu-dev libcap-dev
zlib1g-dev zstd python3 gnuplot-nox gcc-multilib python3-sphinx
python3-sphinx-rtd-theme python3-yaml"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
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
phase deps "installed"
