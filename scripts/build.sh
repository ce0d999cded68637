#!/bin/sh
# Configure and build one kernel.
#   scripts/build.sh base|patched|spec|ceiling|canary [FRAGMENT...]
# base    = the pristine tree (git worktree build/src-base at tag "base")
# patched = build/linux (branch "series", see scripts/apply.sh), or
#           PATCHED_SRC: another checkout of it (a git worktree), so that
#           a kernel can be built while a debug build has its test
#           patches applied in build/linux
# spec    = the series without its last tier (per-VMA lock fallback), for the
#           benchmark: a worktree build/src-spec at the parent of that patch
# ceiling = the base with bench/ceiling.patch (UNSAFE, for the benchmark
#           only): built from the base worktree with the patch applied for
#           the duration of the build, in a copy of the base's object folder,
#           so that only the patched file is recompiled.
# canary  = the series with tests/kcsan-canary.patch (a deliberate data race
#           in the lookup's fallback tiers, for FLAVOUR=kcsan only: the
#           KCSAN run must catch it), built the same way from a copy of the
#           patched kernel's objects of the same flavour.
# The object folder is build/obj-<kernel>[-<flavour>]; the flavour picks the
# config fragments when none are given:
#   (none)     config/guest.config
#   debug      + config/debug.config (KASAN, lockdep, PROVE_RCU)
#   kcsan      + config/kcsan.config (KCSAN; it excludes KASAN)
#   selftests  + the tree's tools/testing/selftests/bpf/config and config.vm
#              + config/selftests.config (their dependencies), for test_progs;
#              also builds the modules, which bpf_testmod links against
# Configuring happens again only when a fragment changed.
set -eu
. "$(dirname "$0")/lib.sh"

kernel=${1:?usage: build.sh base|patched|spec|ceiling|canary [FRAGMENT...]}
shift
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
patched)
	src=${PATCHED_SRC:-$KSRC}
	[ "$(git -C "$src" rev-parse HEAD)" = "$(git -C "$KSRC" rev-parse series)" ] ||
		die "$src is not at the series' head"
	;;
canary)
	src=$KSRC
	[ "${FLAVOUR:-}" = kcsan ] || die "the canary kernel is for FLAVOUR=kcsan only"
	[ -z "$(git -C "$src" status --porcelain --untracked-files=no)" ] ||
		die "build/linux has local changes (an interrupted canary build?): commit them or git -C build/linux checkout -f series"
	;;
spec)
	# The series without its per-VMA lock tier: the parent of that patch,
	# in its own worktree (the bench compares both).
	# by subject: other messages of the series mention it
	tier=$(git -C "$KSRC" log --format='%H %s' base..series |
		awk -v s="$SPEC_TIER_SUBJECT" 'substr($0, 42, length(s)) == s { print $1 }')
	[ -n "$tier" ] || die "no commit '$SPEC_TIER_SUBJECT' in the series"
	src=$BUILD/src-spec
	[ -d "$src" ] || git -C "$KSRC" worktree add -q --detach "$src" "$tier^"
	[ "$(git -C "$src" rev-parse HEAD)" = "$(git -C "$KSRC" rev-parse "$tier^")" ] ||
		git -C "$src" checkout -q --detach "$tier^"
	;;
*) die "unknown kernel '$kernel' (base, patched, spec, ceiling or canary)" ;;
esac
obj=$BUILD/obj-$kernel${FLAVOUR:+-$FLAVOUR}
targets=bzImage
if [ $# -eq 0 ]; then
	set -- "$TOP/config/guest.config"
	case ${FLAVOUR:-} in
	'') ;;
	debug) set -- "$@" "$TOP/config/debug.config" ;;
	kcsan) set -- "$@" "$TOP/config/kcsan.config" ;;
	selftests|rt)
		sc=$src/tools/testing/selftests/bpf
		set -- "$@" "$sc/config" "$sc/config.vm" "$TOP/config/selftests.config"
		targets="bzImage modules"
		# rt: the same (make rt-test runs test_progs), then PREEMPT_RT
		[ "$FLAVOUR" = selftests ] || set -- "$@" "$TOP/config/rt.config"
		;;
	*) die "unknown FLAVOUR '$FLAVOUR' (debug, kcsan, rt or selftests)" ;;
	esac
fi
need_cmd gcc make bison flex bc pahole
need_disk "$BUILD" 8

# --- configure
# ceiling, spec and canary start from a copy of the objects of the kernel
# they differ least from, so that mostly the files that differ are
# recompiled.
case $kernel in
ceiling) from=base extra=$TOP/bench/ceiling.patch ;;
# the canary starts from the KCSAN kernel's objects, which count paths too
canary) from=patched extra="$TOP/tests/buildid-paths.patch $TOP/tests/detach-paths.patch $TOP/tests/kcsan-canary.patch" ;;
spec) from=patched extra= ;;
*) from= extra= ;;
esac
# The debug kernels count the paths of the build-ID lookup and of the
# deferred detach, so that a run shows which it watched
# (/proc/bpf_buildid_paths, /proc/uprobe_detach_paths, race_loop.sh).
case $kernel/${FLAVOUR:-} in
patched/debug|patched/kcsan) extra="$TOP/tests/buildid-paths.patch $TOP/tests/detach-paths.patch" ;;
esac
from_obj=$BUILD/obj-$from${FLAVOUR:+-$FLAVOUR}
if [ -n "$from" ] && [ ! -d "$obj" ]; then
	[ -f "$from_obj/vmlinux" ] || die "build the $from kernel (${from_obj#"$TOP"/}) before the $kernel kernel"
	phase configure "$kernel: starting from a copy of ${from_obj#"$TOP"/}"
	cp -a "$from_obj" "$obj"
fi
configure_kernel "$kernel" x86_64 "$src" "$obj" "$@"

# --- build
set_kernel_cc
cc=$KCC
export KBUILD_BUILD_TIMESTAMP='2024-11-17' KBUILD_BUILD_USER=workbench KBUILD_BUILD_HOST=workbench
phase build "$kernel: make -j$JOBS $targets in ${obj#"$TOP"/} ($(git -C "$src" describe --always --tags))"
t=$(date +%s)
if [ -n "$extra" ]; then
	# Apply the measurement (ceiling) or test (canary, path counters)
	# patches for this build only; put the files back with their old modification times, so that
	# the kernel whose tree it is does not rebuild.
	# shellcheck disable=SC2086
	files=$(git -C "$src" apply --numstat $extra | cut -f3 | sort -u)
	save=$obj/.extra-orig
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
	for x in $extra; do
		git -C "$src" apply "$x" ||
			die "${x#"$TOP"/} does not apply to the $kernel kernel's tree (files: $files)"
	done
fi
if ! make -s -C "$src" O="$obj" -j"$JOBS" CC="$cc" $targets >"$obj/build.log" 2>&1; then
	grep -E 'error|Error' "$obj/build.log" | head -20 >&2
	die "kernel build failed for $kernel (log: ${obj#"$TOP"/}/build.log)"
fi
grep -E 'warning:' "$obj/build.log" | head -20 || true
phase build "$kernel: $(make -s -C "$src" O="$obj" kernelrelease) built in $(( $(date +%s) - t ))s"
