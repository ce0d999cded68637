// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF side of bench/uprobe_c2c.c: count hits without writing a cache
 * line that another CPU writes (a per-CPU counter), or, for the canary
 * (global_counter set), on one global counter that every CPU writes.  The
 * same program is attached as a uprobe, a uretprobe, a uprobe_multi link or
 * a USDT probe; stack_hit also takes the user stack with build IDs.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>

const volatile int global_counter;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_hits SEC(".maps");

__u64 global_hits;

static __always_inline void count(void)
{
	__u32 zero = 0;
	__u64 *n;

	if (global_counter) {
		__sync_fetch_and_add(&global_hits, 1);
		return;
	}
	n = bpf_map_lookup_elem(&pcpu_hits, &zero);
	if (n)
		*n += 1;
}

SEC("uprobe")
int hit(void *ctx)
{
	count();
	return 0;
}

SEC("uprobe.multi")
int multi_hit(void *ctx)
{
	count();
	return 0;
}

SEC("usdt")
int usdt_hit(void *ctx)
{
	count();
	return 0;
}

#define STACK_DEPTH 8

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpf_stack_build_id[STACK_DEPTH]);
} stack_buf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_valid SEC(".maps");

SEC("uprobe")
int stack_hit(void *ctx)
{
	struct bpf_stack_build_id *buf;
	__u32 zero = 0;
	__u64 *n;

	count();
	buf = bpf_map_lookup_elem(&stack_buf, &zero);
	if (!buf || bpf_get_stack(ctx, buf, sizeof(*buf) * STACK_DEPTH,
				  BPF_F_USER_STACK | BPF_F_USER_BUILD_ID) <= 0 ||
	    buf[0].status != BPF_STACK_BUILD_ID_VALID)
		return 0;
	n = bpf_map_lookup_elem(&pcpu_valid, &zero);
	if (n)
		*n += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
