// SPDX-License-Identifier: GPL-2.0
/*
 * Count uprobe hits: the BPF side of uprobe_count, uprobe_race and
 * uprobe_churn.  count_hit is attached as a classic uprobe (perf event
 * link), count_multi through a uprobe_multi link.  stack_hit (uprobe_churn
 * -b) also takes the user stack with build IDs, as profilers do, and counts
 * the hits whose top frame got a valid build ID.
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

#define STACK_DEPTH 8

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpf_stack_build_id[STACK_DEPTH]);
} stack_buf SEC(".maps");

__u64 stacks_valid, samples, samples_valid;

/* The user stack with build IDs; true if its top frame got a valid one. */
static __always_inline int top_frame_valid(void *ctx)
{
	struct bpf_stack_build_id *buf;
	__u32 zero = 0;

	buf = bpf_map_lookup_elem(&stack_buf, &zero);
	return buf && bpf_get_stack(ctx, buf, sizeof(*buf) * STACK_DEPTH,
				    BPF_F_USER_STACK | BPF_F_USER_BUILD_ID) > 0 &&
	       buf[0].status == BPF_STACK_BUILD_ID_VALID;
}

static __always_inline int count_stack(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	if (top_frame_valid(ctx))
		__sync_fetch_and_add(&stacks_valid, 1);
	return 0;
}

SEC("uprobe")
int stack_hit(void *ctx)
{
	return count_stack(ctx);
}

/* The same from a sleepable program: build IDs may be read with faults. */
SEC("uprobe.s")
int stack_hit_sleepable(void *ctx)
{
	return count_stack(ctx);
}

/* And from a perf_event program on cpu-clock: hard irq context. */
SEC("perf_event")
int stack_sample(void *ctx)
{
	__sync_fetch_and_add(&samples, 1);
	if (top_frame_valid(ctx))
		__sync_fetch_and_add(&samples_valid, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
