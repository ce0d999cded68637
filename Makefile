# The workbench: Debian's Linux 6.12 + the series in patches/, built, booted
# under QEMU and measured.  See README.md; every target is a verb there.
SHELL	:= /bin/bash
S	:= scripts
KERNELS	?= base patched
KERNEL	?= patched
ifndef T0
T0 := $(shell date +%s)
endif
export T0

.PHONY: all demo test deps source build tools guest bench export checkpatch \
	vma-test matrix docs selftests debug-test kcsan-test rt-test fresh-check bench-bundle \
	bench-icount bench-detach bench-c2c clean distclean help

all: demo

help:
	@echo 'make demo          build both kernels, boot the patched one, count BPF uprobe hits, short bench'
	@echo 'make test          the test suite (CI); KERNEL=base (unpatched) or spec (no per-VMA tier)'
	@echo 'make bench         base vs spec vs patched vs ceiling, interleaved; BENCH_ARGS=...'
	@echo 'make bench-icount  base vs patched, guest instructions per operation (QEMU icount); ICOUNT_KERNELS=...'
	@echo 'make bench-detach  base vs patched: attach, detach and exit times of 1..1000 perf-event uprobes'
	@echo 'make bench-c2c     base, spec, patched, ceiling: cache lines a hit shares with other CPUs (QEMU plugin); C2C_ARGS=...'
	@echo 'make bench-bundle  pack the benchmark for a bigger machine (build/uprobe-bench-bundle.tar.xz)'
	@echo 'make guest CMD=..  run a command line in a guest; KERNEL=base|patched'
	@echo 'make selftests     BPF selftests uprobe tests (test_progs); KERNEL=base|patched'
	@echo 'make debug-test    race test in a KASAN + lockdep kernel; DURATION=seconds'
	@echo 'make kcsan-test    race test in a KCSAN kernel; DURATION=seconds'
	@echo 'make rt-test       uprobe and build-ID tests in a PREEMPT_RT kernel (after make selftests)'
	@echo 'make fresh-check   CI from zero: .ci/run in a debootstrapped minimal Debian 12'
	@echo 'make build | source | tools | matrix | docs | checkpatch | vma-test | export | clean | distclean'

deps:
	@$(S)/deps.sh

source: deps
	@$(S)/fetch.sh
	@$(S)/apply.sh

# build: both kernels; KERNELS=patched to build one.
build: source
	@for k in $(KERNELS); do $(S)/build.sh $$k || exit 1; done

tools: source
	@$(MAKE) -s -C tests
	@$(S)/build-bench.sh

# demo: the main job, see README.md.
demo: build tools
	@$(S)/demo.sh

# test: the test suite (what .ci/run runs); KERNEL=base runs it on the base.
test: source
	@$(S)/test.sh $(KERNEL)

# guest: run CMD in a booted kernel, e.g. make guest CMD='uname -a'
guest:
	@$(S)/run-guest.sh -k $(KERNEL) -- $(CMD)

# bench: base, the series without its per-VMA lock tier (spec), the whole
# series (patched) and the (unsafe, measurement-only) ceiling kernel,
# interleaved; BENCH_ARGS='-r 5 -d 10' etc. (see scripts/bench.sh).
bench: build tools
	@$(S)/build.sh spec
	@$(S)/build.sh ceiling
	@$(S)/bench.sh -k "base spec patched ceiling" $(BENCH_ARGS)

# bench-icount: instructions per operation under QEMU's instruction counting
# (scripts/bench.sh -i) of base and patched, or of ICOUNT_KERNELS (spec and
# ceiling as for bench); ICOUNT_ARGS='-r 5 -d 2' etc.
ICOUNT_KERNELS ?= base patched
bench-icount: build tools
	@for k in $(filter spec ceiling,$(ICOUNT_KERNELS)); do $(S)/build.sh $$k || exit; done
	@$(S)/bench.sh -k "$(ICOUNT_KERNELS)" -i 3 $(or $(ICOUNT_ARGS),-r 5 -d 2)

# bench-detach: the time to attach and detach 1, 10, 100 and 1000
# perf-event uprobes and the exit of a process holding 1000, base and
# patched interleaved; DETACH_ARGS='-r 5' etc.
bench-detach: build tools
	@$(S)/bench.sh -k "base patched" -b uprobe-detach $(or $(DETACH_ARGS),-r 3)

# bench-c2c: the cache lines a uprobe hit stores to that other CPUs store
# to, counted by a QEMU TCG plugin (bench/c2c/c2c.c) for each kind of hit,
# base, spec, patched and ceiling at 2 and 4 vCPUs (scripts/bench-c2c.sh);
# C2C_ARGS='-c 2 -b "nop-pid canary-nop-pid"' etc.
bench-c2c: build tools
	@$(S)/build.sh spec
	@$(S)/build.sh ceiling
	@$(S)/build-c2c.sh
	@$(S)/bench-c2c.sh $(C2C_ARGS)

# bench-bundle: the four kernels, QEMU and the guest's benchmarks in one
# archive for a machine with more CPUs (bench/bundle/run.sh runs it there).
bench-bundle: build tools
	@$(S)/build.sh spec
	@$(S)/build.sh ceiling
	@$(S)/bench-bundle.sh

vma-test: source
	@$(S)/vma-test.sh

matrix: source
	@$(S)/matrix.sh

docs: source
	@$(S)/docs.sh

# selftests: the BPF selftests' uprobe tests (test_progs) in a kernel built
# with their config; KERNEL=base for the unpatched kernel.
selftests: source
	@$(S)/selftests.sh $(KERNEL)

# debug-test: the race test in a KASAN + lockdep kernel, DURATION=600 (seconds) by default.
debug-test: source
	@$(S)/debug-test.sh $(KERNEL) $(or $(DURATION),600) debug

# kcsan-test: the same in a KCSAN kernel (KCSAN and KASAN exclude each other).
kcsan-test: source
	@$(S)/debug-test.sh $(KERNEL) $(or $(DURATION),600) kcsan

# rt-test: the uprobe tests and test_progs' uprobe_lockless and build_id_busy
# in a PREEMPT_RT guest (results/rt-KERNEL.txt); needs make selftests first.
rt-test: source
	@$(S)/rt-test.sh $(KERNEL)

# fresh-check: .ci/run on a clone of HEAD in a fresh minimal Debian 12
# chroot with an empty ccache (not part of CI: it is CI from zero).
fresh-check:
	@$(S)/fresh-check.sh

checkpatch: source
	@$(S)/checkpatch.sh

export:
	@$(S)/export.sh

clean:
	rm -rf build/obj-* build/guest build/tests build/tools

distclean:
	rm -rf build
