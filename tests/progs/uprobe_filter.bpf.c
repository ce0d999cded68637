// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF side of tests/uprobe_filter.c: count the hits of a tracefs
 * uprobe event by the process (tgid) they happened in.  The program sits
 * in the event's trace_event_call, so it runs for every hit that the
 * trace_uprobe's perf filter lets through, whichever event's process it
 * was for.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define NR_PIDS 8

__u32 pids[NR_PIDS];	/* set by the test */
__u64 hits[NR_PIDS];
__u64 other;		/* hits in a process not in pids[] */

SEC("uprobe")
int count_by_pid(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	int i;

	for (i = 0; i < NR_PIDS; i++) {
		if (pids[i] && pids[i] == tgid) {
			__sync_fetch_and_add(&hits[i], 1);
			return 0;
		}
	}
	__sync_fetch_and_add(&other, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
