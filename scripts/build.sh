#!/bin/sh
# Configure and build one kernel.
#   scripts/build.sh base|patched|ceiling [FRAGMENT...]
# base    = the pristine tree (git worktree build/src-base at tag "base")
# patched = build/linux (branch "series", see scripts/apply.sh)
# ceiling = the base with bench/ceiling.patch (UNSAFE, for the benchmark
#           only): built from the base worktree with the patch applied for
#           the duration of the build, in a copy of the base's object folder,
#           so that only the patched file is recompiled.
# The object folder is build/obj-<kernel>[-<flavour>] (FLAVOUR=debug for the
# debug fragment); configuring happens again only when a fragment changed.
set -eu
. "$(dirname "$0")/lib.sh"

kernel=${1:?usage: build.sh base|patched|ceiling [FRAGMENT...]}
shift
[ $# -gt 0 ] || set -- "$TOP/config/guest.config"
[ -d "$KSRC/.git" ] || die "no kernel tree: run 'make source' first"
case $kernel in
base|ceiling)
	src=$BUILD/src-base
	if [ ! -d "$src" ]; then
		git -C "$KSRC" worktree add -q --detach "$src" base
	fi
	# A ceiling build interrupted half-way leaves its patch applied.
	[ -z "$(git -C "$src" status --porcelain --untracked-files=no)" ] ||
		die "build/src-base has local changes (an interrupted ceiling build?): git -C build/src-base checkout -f base"
	;;
patched) src=$KSRC ;;
*) die "unknown kernel '$kernel' (base, patched or ceiling)" ;;
esac
obj=$BUILD/obj-$kernel${FLAVOUR:+-$FLAVOUR}
need_cmd gcc make bison flex bc pahole
need_disk "$BUILD" 8

# --- configure
if [ "$kernel" = ceiling ] && [ ! -d "$obj" ]; then
	[ -f "$BUILD/obj-base/vmlinux" ] || die "build the base kernel before the ceiling kernel"
	phase configure "ceiling: starting from a copy of build/obj-base"
	cp -a "$BUILD/obj-base" "$obj"
fi
configure_kernel "$kernel" x86_64 "$src" "$obj" "$@"

# --- build
set_kernel_cc
cc=$KCC
export KBUILD_BUILD_TIMESTAMP='2024-11-17' KBUILD_BUILD_USER=workbench KBUILD_BUILD_HOST=workbench
phase build "$kernel: make -j$JOBS bzImage in ${obj#"$TOP"/} ($(git -C "$src" describe --always --tags))"
t=$(date +%s)
if [ "$kernel" = ceiling ]; then
	# Apply the measurement patch for this build only; put the files back
	# with their old modification times, so that the base does not rebuild.
	files=$(git -C "$src" apply --numstat "$TOP/bench/ceiling.patch" | cut -f3)
	save=$obj/.ceiling-orig
	rm -rf "$save"
	mkdir -p "$save"
	for f in $files; do
		mkdir -p "$save/$(dirname "$f")"
		cp -p "$src/$f" "$save/$f"
	done
	restore() {
		for f in $files; do cp -p "$save/$f" "$src/$f"; done
	}
	trap restore EXIT INT TERM
	git -C "$src" apply "$TOP/bench/ceiling.patch" ||
		die "bench/ceiling.patch does not apply to the base (files: $files)"
fi
if ! make -s -C "$src" O="$obj" -j"$JOBS" CC="$cc" bzImage >"$obj/build.log" 2>&1; then
	grep -E 'error|Error' "$obj/build.log" | head -20 >&2
	die "kernel build failed for $kernel (log: ${obj#"$TOP"/}/build.log)"
fi
grep -E 'warning:' "$obj/build.log" | head -20 || true
phase build "$kernel: $(make -s -C "$src" O="$obj" kernelrelease) built in $(( $(date +%s) - t ))s"
