// SPDX-License-Identifier: GPL-2.0
/*
 * Count uprobe hits: the BPF side of uprobe_count and uprobe_race.
 * count_hit is attached as a classic uprobe (perf event link), count_multi
 * through a uprobe_multi link.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 hits;

SEC("uprobe")
int count_hit(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

__u64 multi_hits;

SEC("uprobe.multi")
int count_multi(void *ctx)
{
	__sync_fetch_and_add(&multi_hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
