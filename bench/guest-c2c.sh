#!/bin/sh
# Runs inside the guest for `make bench-c2c`: bench/uprobe_c2c.c once per
# kind, window IDs FIRST_ID, FIRST_ID + 1, ...; prints its C2C lines (and a
# C2C-ERROR line for a kind that failed, with its output's tail).  The
# symbol files land in the working directory (the run folder).
#   guest-c2c.sh PROGS_DIR SECONDS PRODUCERS FIRST_ID KIND...
# KIND as uprobe_c2c -k, or canary-KIND for uprobe_c2c -g -k KIND.
set -eu
progs=$1 dur=$2 prods=$3 id=$4
shift 4
# name the BPF programs' JIT code in /proc/kallsyms
echo 1 >/proc/sys/net/core/bpf_jit_kallsyms
for k in "$@"; do
	g= kind=$k
	case $k in canary-*) g=-g kind=${k#canary-} ;; esac
	if out=$("$progs/uprobe_c2c" -k "$kind" $g -p "$prods" -d "$dur" -w "$id" -s "syms-$id.txt" 2>&1); then
		echo "$out" | grep '^C2C ' || { echo "$out" | tail -5; echo "C2C-ERROR $id $k"; }
	else
		echo "$out" | tail -5
		echo "C2C-ERROR $id $k"
	fi
	id=$((id + 1))
done
