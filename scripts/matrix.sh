#!/bin/sh
# Build coverage for the series, the way the kernel test robot would check
# it, but compiling only the objects the series concerns:
#  1. every commit of the series, in turn, compiles (x86_64 with the guest
#     config, and arm64);
#  2. at the tip, in six configurations -- (a) x86_64 SMP with per-VMA
#     locks, (b) x86_64 !SMP (the !CONFIG_PER_VMA_LOCK stubs), (c) i386,
#     (d) CONFIG_UPROBES=n, (e) PREEMPT_RT, (f) arm64 -- those objects
#     compile at W=1 with no warning in a file the series touches.
set -eu
. "$(dirname "$0")/lib.sh"

[ -d "$KSRC/.git" ] || die "no kernel tree: run 'make source' first"
need_cmd gcc make aarch64-linux-gnu-gcc
OBJS="fs/file_table.o mm/mmap_lock.o mm/mmap.o mm/memory.o kernel/fork.o kernel/locking/rwsem.o
	kernel/bpf/stackmap.o kernel/bpf/task_iter.o"
# built only where the configuration has them
UPROBE_OBJS="kernel/events/uprobes.o"
UPROBE_EVENTS_OBJS="kernel/trace/trace_uprobe.o kernel/trace/trace_event_perf.o"
BPF_EVENTS_OBJS="kernel/trace/bpf_trace.o"
touched=$(git -C "$KSRC" diff --name-only base series | grep -E '\.[ch]$' | grep -v '^tools/')
set_kernel_cc

# cross ARCH: set CROSS_COMPILE and cc, the compiler (with ccache) for ARCH
cross() {
	case $1 in
	arm64) CROSS_COMPILE=aarch64-linux-gnu- ;;
	*) CROSS_COMPILE= ;;
	esac
	export CROSS_COMPILE
	cc=${KCC%gcc}${CROSS_COMPILE}gcc
}

# configure NAME ARCH SRC FRAGMENT...: configure build/obj-matrix-NAME
configure() {
	_n=$1 _a=$2 _s=$3
	shift 3
	cross "$_a"
	configure_kernel "$_n" "$_a" "$_s" "$BUILD/obj-matrix-$_n" "$@"
}

# compile NAME ARCH SRC W OBJ...: build the objects, log to $obj/compile.log.
# The objects are removed first: make would not recompile an up-to-date
# object, and its warnings would go unseen (ccache replays them, cheaply).
compile() {
	name=$1 arch=$2 src=$3 w=$4
	shift 4
	obj=$BUILD/obj-matrix-$name
	for o in "$@"; do rm -f "$obj/$o"; done
	cross "$arch"
	make -s -C "$src" O="$obj" ARCH="$arch" CROSS_COMPILE="$CROSS_COMPILE" \
		CC="$cc" -j"$JOBS" ${w:+W=$w} "$@" >"$obj/compile.log" 2>&1
}

# 1. Each commit compiles.  A worktree steps through the series; its objects
# are rebuilt where the checkout changed a file.
wt=$BUILD/src-bisect
[ -d "$wt" ] || git -C "$KSRC" worktree add -q --detach "$wt" base
configure bisect x86_64 "$wt" "$TOP/config/guest.config"
configure bisect-arm64 arm64 "$wt" "$TOP/config/matrix/arm64.config"
for c in $(git -C "$KSRC" rev-list --reverse base..series); do
	git -C "$wt" checkout -q --detach "$c"
	subj=$(git -C "$wt" log -1 --format=%s)
	t=$(date +%s)
	for a in x86_64 arm64; do
		n=bisect
		[ "$a" = x86_64 ] || n=bisect-$a
		# shellcheck disable=SC2086
		if ! compile "$n" "$a" "$wt" "" $OBJS $UPROBE_OBJS $UPROBE_EVENTS_OBJS \
			$BPF_EVENTS_OBJS; then
			grep -E 'error' "$BUILD/obj-matrix-$n/compile.log" | head >&2
			die "commit '$subj' does not build ($a)"
		fi
	done
	phase matrix "builds: $subj (x86_64, arm64; $(( $(date +%s) - t ))s)"
done

# 2. The configurations, at the tip, at W=1.
bad=0
for cfg in "smp x86_64 $TOP/config/guest.config" \
	"up x86_64 $TOP/config/matrix/up.config" \
	"i386 i386 $TOP/config/matrix/i386.config" \
	"nouprobes x86_64 $TOP/config/matrix/nouprobes.config" \
	"rt x86_64 $TOP/config/matrix/rt.config" \
	"arm64 arm64 $TOP/config/matrix/arm64.config"; do
	# shellcheck disable=SC2086
	set -- $cfg
	name=$1 arch=$2 frag=$3
	t=$(date +%s)
	configure "$name" "$arch" "$KSRC" "$frag"
	objs=$OBJS
	c=$BUILD/obj-matrix-$name/.config
	grep -q '^CONFIG_UPROBES=y' "$c" && objs="$objs $UPROBE_OBJS"
	grep -q '^CONFIG_UPROBE_EVENTS=y' "$c" && objs="$objs $UPROBE_EVENTS_OBJS"
	grep -q '^CONFIG_BPF_EVENTS=y' "$c" && objs="$objs $BPF_EVENTS_OBJS"
	# shellcheck disable=SC2086
	if ! compile "$name" "$arch" "$KSRC" 1 $objs; then
		grep -E 'error' "$BUILD/obj-matrix-$name/compile.log" | head >&2
		echo "matrix: $name: build FAILED" >&2
		bad=1
		continue
	fi
	warn=$(grep -E '^[^ ]+:[0-9]+:[0-9]+: warning:' "$BUILD/obj-matrix-$name/compile.log" |
		grep -F "$touched" || true)
	if [ -n "$warn" ]; then
		echo "$warn" >&2
		echo "matrix: $name: W=1 warnings in files the series touches" >&2
		bad=1
	else
		phase matrix "$name ($arch): $(echo $objs | wc -w) objects, W=1 clean in touched files ($(( $(date +%s) - t ))s)"
	fi
done
[ "$bad" = 0 ] || die "build matrix failed"
