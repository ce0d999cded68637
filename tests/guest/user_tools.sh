#!/bin/sh
# Runs inside the workbench guest (scripts/test.sh boots it): the tools
# people bring to a kernel like this one attach their uprobes through it
# and report what the probed code did.  Debian's libbpf-tools funclatency
# (a uprobe and a uretprobe through libbpf) on a libc function while a
# real program runs, and on wb_probe_me() with an exact call count; and
# bpftrace with a uprobe and a uretprobe on wb_probe_me(), exact counts.
#
#   user_tools.sh BINDIR
set -u
bin=$1
pass=0 fail=0
out=${WB_OUT:-/tmp}

ok() { pass=$((pass + 1)); echo "ok: $*"; }
not_ok() { fail=$((fail + 1)); echo "FAIL: $*"; }

check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# funclatency_run TARGET:FUNC CMD...: funclatency on TARGET:FUNC while CMD
# runs, CMD started once funclatency says it is tracing; prints
# funclatency's output and "events N", the sum of its histogram.
funclatency_run() {
	fn=$1
	shift
	log=$out/funclatency.$$.log
	funclatency -d 30 "$fn" >"$log" 2>&1 &
	pid=$!
	t=0
	until grep -q '^Tracing' "$log"; do
		if ! kill -0 $pid 2>/dev/null || [ $t -ge 120 ]; then
			cat "$log"
			echo "funclatency did not start tracing $fn within ${t}s"
			kill $pid 2>/dev/null
			return 1
		fi
		sleep 1
		t=$((t + 1))
	done
	"$@" >/dev/null || { echo "workload failed: $*"; kill $pid; return 1; }
	# funclatency prints its histogram when it ends: SIGINT ends it now.
	kill -INT $pid
	wait $pid
	cat "$log"
	# histogram lines: "     0 -> 1      : 12   |****   |"
	echo "events $(awk -F: '/-> .*:/ { split($2, a, "|"); n += a[1] } END { print n + 0 }' "$log")"
}

libc=$(ldd /bin/ls | sed -n 's/.*libc\.so\.6 => \([^ ]*\).*/\1/p')
funclatency_libc() {
	res=$(funclatency_run "$libc:malloc" sh -c 'for i in 1 2 3; do ls -l /usr/bin; done') ||
		{ echo "$res"; return 1; }
	echo "$res" | tail -3
	n=$(echo "$res" | sed -n 's/^events //p')
	echo "funclatency: $n calls of malloc timed"
	[ "${n:-0}" -gt 0 ]
}
check "funclatency (libbpf-tools) times libc malloc in ls" funclatency_libc

funclatency_exact() {
	calls=2000
	res=$(funclatency_run "$bin/probe_target:wb_probe_me" "$bin/probe_target" $calls 1) ||
		{ echo "$res"; return 1; }
	n=$(echo "$res" | sed -n 's/^events //p')
	echo "funclatency: $n calls of wb_probe_me timed, $calls made"
	[ "${n:-0}" -eq $calls ]
}
check "funclatency times every call of wb_probe_me (exact)" funclatency_exact

bpftrace_exact() {
	calls=5000
	res=$(bpftrace -e "uprobe:$bin/probe_target:wb_probe_me { @entry = count(); }
		uretprobe:$bin/probe_target:wb_probe_me { @return = count(); }" \
		-c "$bin/probe_target $calls 2" 2>&1)
	echo "$res" | grep -v '^$'
	e=$(echo "$res" | sed -n 's/^@entry: //p')
	r=$(echo "$res" | sed -n 's/^@return: //p')
	[ "${e:-0}" -eq $((calls * 2)) ] && [ "${r:-0}" -eq $((calls * 2)) ]
}
check "bpftrace uprobe and uretprobe count every call (2 threads, exact)" bpftrace_exact

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
