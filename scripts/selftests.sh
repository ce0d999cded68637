#!/bin/sh
# The BPF selftests' uprobe tests (test_progs) on a kernel the workbench
# built with the selftests' config (FLAVOUR=selftests, see build.sh).
#   scripts/selftests.sh [patched|base] [TESTS]
# TESTS is test_progs' -t list; by default every test that attaches
# uprobes or uretprobes (SELFTESTS below).  With build_id_busy or
# uprobe_detach in the list, that test runs once more, verbose, for its
# figures (results/build_id_busy-<kernel>.txt, uprobe_detach-<kernel>.txt).  Builds the kernel, then
# test_progs and bpf_testmod.ko with clang-19 against that kernel into
# build/selftests-<kernel>/, then runs them in the guest.  Exit status is
# test_progs' own.
set -eu
. "$(dirname "$0")/lib.sh"

# Every prog_tests/*.c that attaches uprobes, uretprobes or USDTs, and the
# series' own uprobe_lockless, build_id_busy and uprobe_detach.  Left out:
# section_names (parses section names, never attaches) and bpf_iter (its
# task_vma iterator only reads VMAs; no uprobe).
SELFTESTS=attach_probe,bpf_cookie,build_id,build_id_busy,fill_link_info,get_func_ip_test,task_pt_regs,uprobe,uprobe_autoattach,uprobe_detach,uprobe_lockless,uprobe_multi_test,uprobe_syscall,uretprobe_stack,usdt

kernel=${1:-patched}
tests=${2:-$SELFTESTS}
case $kernel in
patched|base) ;;
*) die "unknown kernel '$kernel' (patched or base)" ;;
esac
need_cmd clang-19 llc-19 llvm-strip-19 ld.lld-19 rsync pkg-config

FLAVOUR=selftests "$TOP/scripts/build.sh" "$kernel"
obj=$BUILD/obj-$kernel-selftests

# The selftests come from a worktree of their own at the tip of the series
# (which does not change tools/testing/selftests), with one local change:
# prog_tests/bpf_attr_size.c, a stable backport, includes the skeleton of a
# BPF program that is not in 6.12.y, so test_progs cannot build with it.
src=$BUILD/src-selftests
if [ ! -d "$src" ]; then
	phase selftests "worktree build/src-selftests at the series"
	git -C "$KSRC" worktree add -q --detach "$src" series
fi
[ "$(git -C "$src" rev-parse HEAD)" = "$(git -C "$KSRC" rev-parse series)" ] ||
	git -C "$src" checkout -q -f --detach series
rm -f "$src/tools/testing/selftests/bpf/prog_tests/bpf_attr_size.c"

out=$BUILD/selftests-$kernel
mkdir -p "$out"
# The *.test.d files of a previous build name skeletons without their path,
# and the next build stops on them ("No rule to make target 'x.skel.h'"):
# the test objects are always rebuilt (under a minute here).
find "$out" -maxdepth 1 \( -name '*.test.d' -o -name '*.test.o' \) -delete
phase selftests "test_progs and bpf_testmod.ko against ${obj#"$TOP"/}"
t=$(date +%s)
if ! make -C "$src/tools/testing/selftests/bpf" -j"$JOBS" \
	OUTPUT="$out" VMLINUX_BTF="$obj/vmlinux" KDIR="$obj" \
	CLANG=clang-19 LLC=llc-19 LLVM_STRIP=llvm-strip-19 \
	"$out/test_progs" >"$out/build.log" 2>&1; then
	grep -E 'error|Error' "$out/build.log" | head -20 >&2
	die "building test_progs failed (log: ${out#"$TOP"/}/build.log)"
fi
phase selftests "test_progs built in $(( $(date +%s) - t ))s"

# In the guest, each line of test_progs' output gets the seconds since the
# start, so that a test's runtime is the gap to the line before its result.
# The kernel logs every fatal SIGSEGV, SIGILL, SIGTRAP... with the task and
# its registers (print-fatal-signals); when test_progs fails, those lines
# are shown: a test's child that died is otherwise only a failed count.
phase selftests "test_progs -t $tests on the $kernel kernel"
rc=0
"$TOP/scripts/run-guest.sh" -k "$kernel-selftests" -t 1800 -- \
	"echo 1 >/proc/sys/kernel/print-fatal-signals
	cd '$out' && t0=\$(date +%s) && { ./test_progs -t '$tests'; echo \"exit \$?\"; } 2>&1 |
		while IFS= read -r l; do
			echo \"[\$((\$(date +%s) - t0))] \$l\"
			case \$l in 'exit 0') ;; 'exit '*)
				dmesg | grep -A 14 'fatal signal' | head -60 | sed 's/^/[0] dmesg: /' ;;
			esac
		done
	case ',$tests,' in *,build_id_busy,*)
		./test_progs -v -t build_id_busy 2>&1 |
			grep -a -E 'last [0-9]+ of [0-9]+ samples:|changed VMA:|traces past|no VMA|in NMI context|lost whole|:SKIP:|:FAIL:|^#[0-9]+(/[0-9]+)? +build_id_busy' | sed 's/^/[bid] /' ;;
	esac
	case ',$tests,' in *,uprobe_detach,*)
		./test_progs -v -t uprobe_detach 2>&1 |
			grep -a -E 'test_detach: [0-9]|test_in_flight: [a-z]|:SKIP:|:FAIL:|^#[0-9]+(/[0-9]+)? +uprobe_detach' | sed 's/^/[det] /' ;;
	esac" \
	>"$out/run.log" 2>&1 || rc=$?
tr -d '\r' <"$out/run.log" | sed -n 's/^\[[0-9]*\] //p'
# results/selftests-KERNEL.txt: one line per test and subtest, with the
# test's runtime, and test_progs' summary line.
tr -d '\r' <"$out/run.log" | awk -v k="$kernel" '
	/All error logs:/ { errlog = 1 }
	!errlog && /^\[[0-9]+\] #[0-9]+(\/[0-9]+)? / {
		t = substr($1, 2, length($1) - 2)
		sub(/^\[[0-9]+\] /, "")
		if ($0 ~ /^#[0-9]+ [^\/]*:/) { printf "%-60s %4ds\n", $0, t - last; last = t }
		else printf "%-60s\n", $0
	}
	/Summary:/ && !/\[(bid|det)\]/ { sub(/^\[[0-9]+\] /, ""); print "test_progs on the " k " kernel: " $0 }' \
	>"$TOP/results/selftests-$kernel.txt"
phase selftests "results/selftests-$kernel.txt written"
# build_id_busy's figures (share of frames with a valid build ID per case),
# from a second, verbose run of that test alone.
if tr -d '\r' <"$out/run.log" | grep -q '^\[bid\] '; then
	{ echo "build_id_busy on the $kernel kernel (test_progs -v -t build_id_busy, QEMU TCG, 2 vCPUs):"
	  tr -d '\r' <"$out/run.log" | sed -n 's/^\[bid\] //p'; } >"$TOP/results/build_id_busy-$kernel.txt"
	phase selftests "results/build_id_busy-$kernel.txt written"
fi
# uprobe_detach's figures (detach time per probe, runs after a detach
# returned), from a verbose run of that test alone.
if tr -d '\r' <"$out/run.log" | grep -q '^\[det\] '; then
	{ echo "uprobe_detach on the $kernel kernel (test_progs -v -t uprobe_detach, QEMU TCG, 2 vCPUs):"
	  tr -d '\r' <"$out/run.log" | sed -n 's/^\[det\] //p'; } >"$TOP/results/uprobe_detach-$kernel.txt"
	phase selftests "results/uprobe_detach-$kernel.txt written"
fi
[ "$rc" -eq 0 ] || die "the $kernel guest failed (log: ${out#"$TOP"/}/run.log)"
tr -d '\r' <"$out/run.log" | grep -q '^\[[0-9]*\] exit 0$' && exit 0

# test_progs failed.  When every failure is a subtest (or a test without
# subtests) of config/selftests-flaky.txt, run those once more in a new
# guest: a pass there is reported as flaky, never hidden; anything else, or
# a second failure, fails the step.
failed=$(tr -d '\r' <"$out/run.log" | sed -n 's/^\[[0-9]*\] #[0-9]*\(\/[0-9]*\)\{0,1\} *\([^ :]*\):FAIL$/\2/p' | sort -u)
leaves=$(for f in $failed; do
	# a test that failed through a failed subtest is not a failure of its own
	echo "$failed" | grep -q "^$f/" || echo "$f"
done)
flaky_list=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/config/selftests-flaky.txt")
retry=
for f in $leaves; do
	echo "$flaky_list" | grep -qx "$f" ||
		die "test_progs failed on the $kernel kernel: $(echo $leaves | tr ' ' ,) (log: ${out#"$TOP"/}/run.log)"
	retry="$retry${retry:+,}$f"
done
[ -n "$retry" ] || die "test_progs failed on the $kernel kernel (log: ${out#"$TOP"/}/run.log)"
phase selftests "failed: $retry, on config/selftests-flaky.txt: one retry"
"$TOP/scripts/run-guest.sh" -k "$kernel-selftests" -t 600 -- \
	"cd '$out' && ./test_progs -t '$retry'; echo \"exit \$?\"" >"$out/retry.log" 2>&1 || rc=$?
tr -d '\r' <"$out/retry.log" | grep -E '^#[0-9]+|Summary:|^exit ' | sed 's/^/retry: /'
[ "$rc" -eq 0 ] && tr -d '\r' <"$out/retry.log" | grep -q '^exit 0$' ||
	die "test_progs failed on the $kernel kernel, and again on the retry: $retry (logs: ${out#"$TOP"/}/run.log, retry.log)"
echo "flaky (failed, then passed on the retry): $retry" >>"$TOP/results/selftests-$kernel.txt"
phase selftests "flaky (failed, then passed on the retry): $retry"
