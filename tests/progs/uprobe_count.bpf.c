// SPDX-License-Identifier: GPL-2.0
/* Count the hits of one uprobe: the whole BPF side of uprobe_count. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 hits;

SEC("uprobe")
int count_hit(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
