#!/bin/sh
# The main job (make demo): in the patched kernel, a BPF uprobe attached
# with libbpf to a function of a real program and to the workbench's probe
# target, with hit counts; then a short side-by-side benchmark, base vs
# patched (one round: a first look, not a measurement; see 'make bench').
set -eu
. "$(dirname "$0")/lib.sh"

t=$BUILD/tests
libc=$(ldd /bin/ls | sed -n 's/.*libc\.so\.6 => \([^ ]*\).*/\1/p')
phase demo "uprobes through libbpf in the patched kernel"
"$TOP/scripts/run-guest.sh" -k patched -t 300 -- \
	"$t/uprobe_count" "$libc" malloc -- sh -c "'exec ls -lR /usr/include/linux >/dev/null'" \&\& \
	"$t/uprobe_count" -n 40000 "$t/probe_target" wb_probe_me -- "$t/probe_target" 20000 2 \
	>"$BUILD/demo.log" 2>&1 || { tail -20 "$BUILD/demo.log" >&2; die "the uprobe demo failed (log: build/demo.log)"; }
grep -a -E '^uprobe_count|^==>' "$BUILD/demo.log" | tr -d '\r'
phase demo "short benchmark, base vs patched (1 round, 3 s per point)"
"$TOP/scripts/bench.sh" -r 1 -d 3 -p 2 -k "base patched" -b trig-uprobe-nop -o "$BUILD/demo-bench"
phase demo "done in $(( $(date +%s) - T0 ))s; 'make bench' for the full, repeated measurement"
