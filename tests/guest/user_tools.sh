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
. "$(dirname "$0")/check.sh"
out=${WB_OUT:-/tmp}

# funclatency_start LOG ARGS...: start funclatency ARGS in the background
# (line-buffered, so that its "Tracing" line shows when it has attached) and
# wait for it to attach.  funclatency_stop LOG: end it with SIGINT, which
# makes it print its histogram, show the output, and print "events N", the
# sum of the histogram.
funclatency_start() {
	log=$1
	shift
	stdbuf -oL funclatency -d 120 "$@" >"$log" 2>&1 &
	fl_pid=$!
	t=0
	until grep -q '^Tracing' "$log"; do
		if ! kill -0 $fl_pid 2>/dev/null || [ $t -ge 120 ]; then
			cat "$log"
			echo "funclatency $* did not start tracing within ${t}s"
			kill $fl_pid 2>/dev/null
			return 1
		fi
		sleep 1
		t=$((t + 1))
	done
}

funclatency_stop() {
	kill -INT $fl_pid || { cat "$1"; echo "funclatency ended before it was stopped"; return 1; }
	wait $fl_pid
	grep -v -e '-> .*: *0 *|' "$1"
	# histogram lines: "     8192 -> 16383      : 1910     |*****   |"
	echo "events $(awk -F: '/-> .*:/ { split($2, a, "|"); n += a[1] } END { print n + 0 }' "$1")"
}

# libc's malloc in one process, ls, which waits on a FIFO until funclatency
# has attached to it (-p) and then execs: only its calls count.
funclatency_libc() {
	# the FIFO on the guest's tmpfs: 9p (the run folder) has no FIFOs
	log=$out/funclatency-libc.log fifo=/tmp/user_tools.go
	rm -f "$fifo"
	mkfifo "$fifo" || return 1
	sh -c "read x <$fifo || exit 1; exec ls -l /usr/bin >/dev/null" &
	w=$!
	funclatency_start "$log" -p $w c:malloc || { kill $w; return 1; }
	echo go >"$fifo"
	wait $w || { echo "ls failed"; return 1; }
	res=$(funclatency_stop "$log") || { echo "$res"; return 1; }
	echo "$res"
	n=$(echo "$res" | sed -n 's/^events //p')
	echo "funclatency: $n calls of malloc in ls timed"
	[ "${n:-0}" -gt 0 ]
}
check "funclatency (libbpf-tools) times libc malloc in ls" funclatency_libc

# wb_probe_me() is called by probe_target alone: exactly CALLS events.
funclatency_exact() {
	log=$out/funclatency-exact.log calls=2000
	funclatency_start "$log" "$bin/probe_target:wb_probe_me" || return 1
	"$bin/probe_target" $calls 1 >/dev/null || { echo "probe_target failed"; return 1; }
	res=$(funclatency_stop "$log") || { echo "$res"; return 1; }
	echo "$res"
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

summary
