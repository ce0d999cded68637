#!/bin/sh
# Boot a workbench kernel under QEMU and run one shell command line in it.
#   scripts/run-guest.sh [-k base|patched|NAME] [-t SECONDS] [-c CPUS] -- COMMAND...
# The host root is shared read-only over 9p, so host-built programs run as
# they are; the run folder build/guest/<kernel>-<time> is writable and is the
# command's working directory (WB_OUT in the command's environment).
# Exits with the command's status; fails when the guest hangs or panics, or
# when the console shows an oops, BUG, WARNING, KASAN, lockdep or RCU stall
# report, even if the command succeeded.
set -eu
. "$(dirname "$0")/lib.sh"

kernel=patched timeout=${GUEST_TIMEOUT:-600} cpus=${GUEST_CPUS:-2} mem=${GUEST_MEM:-2G}
while getopts k:t:c: o; do
	case $o in
	k) kernel=$OPTARG ;;
	t) timeout=$OPTARG ;;
	c) cpus=$OPTARG ;;
	*) die "usage: run-guest.sh [-k KERNEL] [-t SECONDS] [-c CPUS] -- COMMAND..." ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" != "--" ] || shift
[ $# -gt 0 ] || die "usage: run-guest.sh [-k KERNEL] [-t SECONDS] [-c CPUS] -- COMMAND..."
need_cmd qemu-system-x86_64 timeout

img=$BUILD/obj-$kernel/arch/x86/boot/bzImage
[ -f "$img" ] || die "no kernel image for '$kernel' ($img): run 'make build' first"

# /dev/kvm may be there and still not boot a stock kernel (a PVM host, as on
# the machines this was written on): use KVM only for the real vendor modules.
# ACCEL=kvm forces KVM; ACCEL=tcg,... is passed to QEMU as it is (e.g.
# tcg,thread=single to rule out multi-threaded TCG in a strange result).
accel=tcg,thread=multi
case ${ACCEL:-auto} in
kvm) accel=kvm ;;
tcg,*) accel=$ACCEL ;;
auto)
	if [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] &&
		{ [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
		accel=kvm
	fi
	;;
tcg) ;;
*) die "ACCEL=$ACCEL: use kvm, tcg, tcg,<options> or auto" ;;
esac
# ICOUNT=N: QEMU's instruction counting (scripts/bench.sh -i): the vCPUs run
# in one host thread and the guest clock advances by 2^N ns per instruction
# executed, whatever the host's load; idle time is skipped (sleep=off).
icount=
if [ -n "${ICOUNT:-}" ]; then
	case $ICOUNT in
	[0-9]|10) ;;
	*) die "ICOUNT=$ICOUNT: a shift of 0..10 (2^N ns per instruction)" ;;
	esac
	accel=tcg,thread=single
	icount="-icount shift=$ICOUNT,sleep=off,align=off"
fi

# GUEST_RUN: the run folder, when the caller wants to know it beforehand
# (make bench-c2c: its plugin writes there); GUEST_QEMU_ARGS: more QEMU
# options (that plugin).
run=${GUEST_RUN:-$BUILD/guest/$kernel-$(date +%Y%m%d-%H%M%S)-$$}
mkdir -p "$run"
printf 'export WB_OUT=%s WB_KERNEL=%s\n%s\n' "$run" "$kernel" "$*" >"$run/cmd.sh"
console=$run/console.log
phase boot "$kernel kernel, $cpus CPUs, accel $accel${icount:+ $icount}${GUEST_QEMU_ARGS:+ $GUEST_QEMU_ARGS}, timeout ${timeout}s: $*"

set +e
timeout --foreground -k 10 "$timeout" qemu-system-x86_64 \
	-accel "$accel" $icount ${GUEST_QEMU_ARGS:-} -cpu max -smp "$cpus" -m "$mem" \
	-display none -no-reboot -serial stdio -monitor none \
	-kernel "$img" \
	-append "console=ttyS0 loglevel=${GUEST_LOGLEVEL:-5} root=hostroot rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose ro init=$TOP/scripts/guest-init.sh panic=-1 oops=panic WB_TOP=$TOP WB_DIR=$run" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs local,path="$TOP",mount_tag=top,security_model=none,readonly=on,multidevs=remap \
	-virtfs local,path="$run",mount_tag=out,security_model=none,multidevs=remap \
	</dev/null 2>&1 | tee "$console"
qrc=$?
set -e
# tee's status hides qemu's; timeout's 124 is in the pipeline's first part.
exit_line=$(grep -a '^WORKBENCH-EXIT: ' "$console" | tail -1 | tr -d '\r')
reports=$(tr -d '\r' <"$console" | grep -a -E 'Oops|BUG:|WARNING:|KASAN|UBSAN|BUG: KCSAN|possible circular locking|lockdep|INFO: rcu_|rcu: INFO|self-detected stall|Kernel panic|general protection fault' || true)
# GUEST_KNOWN_REPORTS: a file of regexes (config/kcsan-known.txt) for
# reports that are listed but do not fail the run.
if [ -n "${GUEST_KNOWN_REPORTS:-}" ] && [ -n "$reports" ]; then
	sed '/^#/d; /^$/d' "$GUEST_KNOWN_REPORTS" >"$run/known-reports.re"
	known=$(printf '%s\n' "$reports" | grep -E -f "$run/known-reports.re" || true)
	reports=$(printf '%s\n' "$reports" | grep -v -E -f "$run/known-reports.re" || true)
	if [ -n "$known" ]; then
		echo "---- known reports, listed in ${GUEST_KNOWN_REPORTS#"$TOP"/} (not failing) ----" >&2
		printf '%s\n' "$known" | sort | uniq -c >&2
	fi
fi
reports=$(printf '%s\n' "$reports" | sed '/^$/d' | head -5)

if [ -z "$exit_line" ]; then
	echo "---- console tail ($console) ----" >&2
	tail -25 "$console" >&2
	if [ -n "$reports" ]; then
		die "$kernel guest crashed: $(echo "$reports" | head -1 | tr -d '\r')"
	fi
	die "$kernel guest did not finish within ${timeout}s (hung?), see the console tail above"
fi
rc=${exit_line#WORKBENCH-EXIT: }
if [ -n "$reports" ]; then
	echo "---- kernel reports in $console ----" >&2
	echo "$reports" >&2
	die "$kernel kernel reported problems on the console (command exit status $rc)"
fi
phase run "$kernel guest: command exited with $rc (console: ${console#"$TOP"/})"
: "$qrc"
exit "$rc"
