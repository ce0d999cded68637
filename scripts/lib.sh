# shellcheck shell=sh
# Common helpers for the workbench scripts; sourced, never run.

TOP=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
KSRC=$BUILD/linux		# git tree: tag "base" + branch "series"
# the patch that adds the per-VMA lock tier ("spec" kernel = its parent)
SPEC_TIER_SUBJECT="uprobes: try the per-VMA lock before mmap_lock"
JOBS=${JOBS:-$(nproc)}
# Debian's own commands first: the workbench installs its Python modules
# (python3-ply for checkpatch's SPDX check, python3-yaml for the docs) as
# Debian packages, which a python3 from pyenv or a venv earlier in PATH
# does not see.
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH
: "${T0:=$(date +%s)}"
export T0

die() {
	echo "error: $*" >&2
	exit 1
}

# phase NAME MESSAGE: announce a phase with the time elapsed since the start
# of the top-level command (T0 is inherited by sub-scripts).
phase() {
	printf '==> [%s] %s (t+%ss)\n' "$1" "$2" "$(( $(date +%s) - T0 ))"
}

# The commands the scripts and the builds run, with the Debian package that
# has each: scripts/deps.sh checks them all after installing, need_cmd
# names the package of a missing one.
WB_CMDS="git:git xz:xz-utils tar:tar gcc:build-essential make:build-essential
bc:bc bison:bison flex:flex pahole:dwarves ccache:ccache cpio:cpio
depmod:kmod python3:python3 perl:perl qemu-system-x86_64:qemu-system-x86
funclatency:libbpf-tools bpftrace:bpftrace clang-19:clang-19 llc-19:llvm-19
llvm-strip-19:llvm-19 ld.lld-19:lld-19 pkg-config:pkg-config rsync:rsync
zstd:zstd aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu gnuplot:gnuplot-nox busybox:busybox-static
sphinx-build:python3-sphinx"

need_cmd() {
	for _c in "$@"; do
		command -v "$_c" >/dev/null 2>&1 ||
			die "'$_c' not found; run 'make deps' (or: apt-get install $(pkg_of "$_c"))"
	done
}

pkg_of() {
	for _e in $WB_CMDS; do
		[ "${_e%%:*}" = "$1" ] && { echo "${_e#*:}"; return; }
	done
	echo "$1"
}

# need_disk DIR GIB: refuse to start when DIR's file system has less free space.
need_disk() {
	mkdir -p "$1"
	_free=$(df -Pk "$1" | awk 'NR == 2 { print int($4 / 1048576) }')
	[ "$_free" -ge "$2" ] ||
		die "only ${_free} GiB free under $1, need at least $2 GiB"
}

# The patches of the series, in order; the cover letter (0000-*) is not one.
series_patches() {
	ls "$TOP"/patches/[0-9][0-9][0-9][0-9]-*.patch 2>/dev/null | grep -v '/0000-' || true
}

# A short digest of the series, to know when it must be applied again.
series_sum() {
	# shellcheck disable=SC2046
	cat $(series_patches) /dev/null | sha256sum | cut -c1-16
}

# Set KCC, the compiler to build kernels with: ccache when there is one,
# set up so that clones of this repository in other folders share its cache
# (paths under build/ are hashed relative to it, the working directory not).
set_kernel_cc() {
	KCC=gcc
	if command -v ccache >/dev/null 2>&1; then
		export CCACHE_BASEDIR="$BUILD" CCACHE_NOHASHDIR=1
		export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-25G}"
		KCC="ccache gcc"
	fi
}

# configure_kernel NAME ARCH SRC OBJ FRAGMENT...: allnoconfig + the fragments
# with merge_config.sh in OBJ (again only when a fragment changed), then
# check that every option the fragments name is in .config as asked:
# merge_config.sh only warns when Kconfig drops one.
configure_kernel() {
	_name=$1 _arch=$2 _src=$3 _obj=$4
	shift 4
	mkdir -p "$_obj"
	_sum=$(cat "$@" | sha256sum | cut -c1-16)
	if [ ! -f "$_obj/.config" ] || [ "$(cat "$_obj/.workbench-config" 2>/dev/null)" != "$_sum" ]; then
		phase configure "$_name: allnoconfig + $(for f in "$@"; do basename "$f"; done | tr '\n' ' ')"
		rm -f "$_obj/.workbench-config"
		(cd "$_src" && ARCH=$_arch scripts/kconfig/merge_config.sh -n -O "$_obj" "$@") \
			>"$_obj/merge_config.log" 2>&1 ||
			{ tail -20 "$_obj/merge_config.log" >&2; die "merge_config.sh failed for $_name"; }
	fi
	# What the fragments ask for, the last fragment naming an option
	# winning (as in merge_config.sh): "CONFIG_X=v" or "CONFIG_X=" for unset.
	_want=$(cat "$@" | sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*=.*\)$/\1/p' \
		-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1=/p' |
		awk -F= '{ v[$1] = substr($0, length($1) + 2); if (!($1 in o)) o[$1] = n++ }
			END { for (k in o) print o[k], k "=" v[k] }' | sort -n | cut -d' ' -f2-)
	_bad=$(echo "$_want" | while read -r want; do
		name=${want%%=*} val=${want#*=}
		got=$(sed -n "s/^$name=//p" "$_obj/.config")
		[ "$got" = "$val" ] && continue
		[ -z "$val" ] && val=unset
		echo "$name (wanted $val, got ${got:-unset})"
	done)
	[ -z "$_bad" ] || die "$_name: Kconfig did not keep these options (unmet dependencies?):
$_bad"
	echo "$_sum" >"$_obj/.workbench-config"
}
