// SPDX-License-Identifier: GPL-2.0
/*
 * uprobe_churn: uprobe hits while the same process keeps changing its mm.
 *
 * PRODUCERS threads call a function of this program that carries a BPF
 * uprobe, in a loop; WRITERS threads mmap() and munmap() a 64 KiB
 * anonymous region in a loop, unrelated to the probed code.  Each writer
 * iteration takes mmap_lock for writing twice, so the speculative uprobe
 * lookup keeps failing: this measures what the fallback costs both sides.
 *
 *   uprobe_churn [-b | -s | -c] [-p PRODUCERS] [-w WRITERS] [-d SECONDS]
 *
 * After a one-second warm-up, counts for SECONDS and prints
 *   RESULT churn-w<WRITERS> <PRODUCERS> <uprobe calls, M/s>
 *   RESULT churn-writer-w<WRITERS> <PRODUCERS> <mmap+munmap pairs, M/s>
 * (the second line only with writers; PRODUCERS may be 0 for the writer
 * alone), and a line with the totals over the whole run.  With -b the BPF
 * program also takes the user stack with build IDs on every hit, as a
 * profiler does, the rows are named buildid-* instead of churn-*, and one
 * more line gives the share of hits whose top frame (the probed function)
 * got a valid build ID:
 *   RESULT buildid-valid-w<WRITERS> <PRODUCERS> <percent>
 * -s does the same from a sleepable uprobe program (rows buildid-sleepable-*).
 * -c instead samples the producers with a perf_event program on cpu-clock
 * (1 ms, hard irq context) that takes the stack, keeps the plain counting
 * uprobe, and adds the share of samples whose top frame got a build ID:
 *   RESULT buildid-clock-valid-w<WRITERS> <PRODUCERS> <percent>
 * and the rate of the samples (M/s), from which bench/report.py derives
 * the cost of one sample under instruction counting:
 *   RESULT buildid-clock-samples-w<WRITERS> <PRODUCERS> <M/s>
 * It also checks that the BPF program counted every call: a benchmark of a
 * lookup that loses hits would be meaningless.  Exit 0 on success.
 */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "uprobe_count.skel.h"

#define MAX_THREADS	64
#define REGION		(64 << 10)

/*
 * The probed function is a nop, as in the selftests' trig-uprobe-nop:
 * x86 uprobes emulate it, so a hit costs the trap and the lookup, not a
 * single-step out of line (very slow under TCG), and the lookup's share
 * of the cost is what the benchmark shows.
 */
__attribute__((noinline, used, visibility("default")))
void wb_churn_target(void)
{
	asm volatile("nop");
}

/* One counter per thread, each on its own cache line, and its thread ID. */
static struct {
	_Atomic unsigned long n;
	_Atomic int tid;
	char pad[64 - sizeof(unsigned long) - sizeof(int)];
} count[MAX_THREADS] __attribute__((aligned(64)));

static atomic_bool stop;

static void *producer(void *arg)
{
	_Atomic unsigned long *n = arg;

	/* n is the first member of its thread's count[] entry */
	atomic_store(&((typeof(&count[0]))arg)->tid, syscall(SYS_gettid));
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		wb_churn_target();
		atomic_store_explicit(n, atomic_load_explicit(n, memory_order_relaxed) + 1,
				      memory_order_relaxed);
	}
	return NULL;
}

static void *writer(void *arg)
{
	_Atomic unsigned long *n = arg;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		void *p = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("mmap");
			exit(1);
		}
		if (munmap(p, REGION)) {
			perror("munmap");
			exit(1);
		}
		atomic_store_explicit(n, atomic_load_explicit(n, memory_order_relaxed) + 1,
				      memory_order_relaxed);
	}
	return NULL;
}

static unsigned long sum(int from, int to)
{
	unsigned long s = 0;

	for (int i = from; i < to; i++)
		s += atomic_load_explicit(&count[i].n, memory_order_relaxed);
	return s;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int nprod = 1, nwrite = 0, dur = 5, opt, nthr;
	unsigned long calls0, ops0, calls, ops, total;
	unsigned long long valid0, valid, samples0, samples, traced;
	volatile __u64 *valid_count;
	const char *name = "churn";
	struct bpf_program *prog;
	struct bpf_link **link;
	struct bpf_link *clock[MAX_THREADS] = {};
	bool stacks = false, sleepable = false, sample = false;
	pthread_t thr[MAX_THREADS];
	struct uprobe_count_bpf *skel;
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "wb_churn_target");
	char exe[4096];
	ssize_t len;
	double t0, t1;

	while ((opt = getopt(argc, argv, "bscp:w:d:")) != -1) {
		switch (opt) {
		case 'b': stacks = true; name = "buildid"; break;
		case 's': stacks = sleepable = true; name = "buildid-sleepable"; break;
		case 'c': sample = true; name = "buildid-clock"; break;
		case 'p': nprod = atoi(optarg); break;
		case 'w': nwrite = atoi(optarg); break;
		case 'd': dur = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-b | -s | -c] [-p PRODUCERS] [-w WRITERS] [-d SECONDS]\n",
				argv[0]);
			return 2;
		}
	}
	nthr = nprod + nwrite;
	if (nprod < 0 || nwrite < 0 || nthr < 1 || nthr > MAX_THREADS || dur < 1) {
		fprintf(stderr, "uprobe_churn: bad thread counts or duration\n");
		return 2;
	}

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len < 0) {
		perror("readlink /proc/self/exe");
		return 1;
	}
	exe[len] = '\0';

	skel = uprobe_count_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "uprobe_churn: cannot load the BPF program\n");
		return 1;
	}
	prog = sleepable ? skel->progs.stack_hit_sleepable :
	       stacks ? skel->progs.stack_hit : skel->progs.count_hit;
	link = sleepable ? &skel->links.stack_hit_sleepable :
	       stacks ? &skel->links.stack_hit : &skel->links.count_hit;
	*link = bpf_program__attach_uprobe_opts(prog, 0, exe, 0, &uo);
	if (!*link) {
		fprintf(stderr, "uprobe_churn: cannot attach to wb_churn_target in %s\n", exe);
		return 1;
	}

	for (int i = 0; i < nthr; i++) {
		if (pthread_create(&thr[i], NULL, i < nprod ? producer : writer, &count[i].n)) {
			fprintf(stderr, "uprobe_churn: pthread_create failed\n");
			return 1;
		}
	}
	/* -c: a cpu-clock sampling event on each producer */
	for (int i = 0; sample && i < nprod; i++) {
		struct perf_event_attr attr = {
			.size = sizeof(attr),
			.type = PERF_TYPE_SOFTWARE,
			.config = PERF_COUNT_SW_CPU_CLOCK,
			.sample_period = 1000000,
		};
		int fd;

		while (!atomic_load(&count[i].tid))
			sched_yield();
		fd = syscall(__NR_perf_event_open, &attr, atomic_load(&count[i].tid), -1, -1,
			     PERF_FLAG_FD_CLOEXEC);
		clock[i] = fd < 0 ? NULL : bpf_program__attach_perf_event(skel->progs.stack_sample, fd);
		if (!clock[i]) {
			fprintf(stderr, "uprobe_churn: cannot sample producer %d on cpu-clock\n", i);
			return 1;
		}
	}
	sleep(1);
	t0 = now();
	calls0 = sum(0, nprod);
	valid_count = sample ? &skel->bss->samples_valid : &skel->bss->stacks_valid;
	valid0 = *valid_count;
	samples0 = skel->bss->samples;
	ops0 = sum(nprod, nthr);
	sleep(dur);
	t1 = now();
	calls = sum(0, nprod) - calls0;
	valid = *valid_count - valid0;
	samples = skel->bss->samples - samples0;
	ops = sum(nprod, nthr) - ops0;
	atomic_store(&stop, true);
	for (int i = 0; i < nthr; i++)
		pthread_join(thr[i], NULL);

	total = sum(0, nprod);
	if (skel->bss->hits != total) {
		fprintf(stderr, "FAIL: uprobe_churn: BPF counted %llu hits for %lu calls\n",
			(unsigned long long)skel->bss->hits, total);
		return 1;
	}
	printf("uprobe_churn: %lu calls, %llu BPF hits, %lu mmap+munmap in all\n",
	       total, (unsigned long long)skel->bss->hits, sum(nprod, nthr));
	if (nprod)
		printf("RESULT %s-w%d %d %.6f\n", name, nwrite, nprod, calls / (t1 - t0) / 1e6);
	if (nwrite)
		printf("RESULT %s-writer-w%d %d %.6f\n", name, nwrite, nprod, ops / (t1 - t0) / 1e6);
	/* the stacks taken: one per call, or one per cpu-clock sample */
	traced = sample ? samples : calls;
	if (sample && !traced) {
		fprintf(stderr, "FAIL: uprobe_churn: no cpu-clock sample in %d s\n", dur);
		return 1;
	}
	if (sample)
		printf("RESULT %s-samples-w%d %d %.6f\n", name, nwrite, nprod,
		       samples / (t1 - t0) / 1e6);
	/* traced and valid were read a moment apart: cap at 100 % */
	if ((stacks || sample) && traced)
		printf("RESULT %s-valid-w%d %d %.3f\n", name, nwrite, nprod,
		       valid >= traced ? 100.0 : 100.0 * valid / traced);
	for (int i = 0; i < nprod; i++)
		bpf_link__destroy(clock[i]);
	uprobe_count_bpf__destroy(skel);
	return 0;
}
