// SPDX-License-Identifier: GPL-2.0
/*
 * uprobe_detach: what attaching and detaching perf-event uprobes costs.
 *
 * Attaches one BPF program (uprobe_count's count_hit) to N uprobes the way
 * most tools attach one probe per function: bpf_program__attach_uprobe(),
 * which opens a perf event per probe (for every process, pid -1) and links
 * the program to it.  The probes sit on N distinct nops of a sled in this
 * program.  Then it runs the sled once (every probe must count one hit),
 * destroys the links one after the other, and runs the sled again (no
 * probe may count).
 *
 *   uprobe_detach [-n N]      prints
 *     RESULT uprobe-attach N <ms to attach all N>
 *     RESULT uprobe-detach N <ms to detach all N>
 *   uprobe_detach -x [-n N]   a child attaches N and is killed; prints
 *     RESULT uprobe-exit N <ms from SIGKILL until the child is reaped>
 *
 * The exit case is what a tool's user sees at SIGTERM: the process only
 * goes once the last of its probes is gone.  Exit 0 on success.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "uprobe_count.skel.h"

#define SLED	1024

#if defined(__x86_64__) || defined(__i386__)
#define NOP_SIZE 1
#elif defined(__aarch64__)
#define NOP_SIZE 4
#else
#error "uprobe_detach: unknown nop size"
#endif

/* SLED nops, each a probe site of its own, then a return */
asm(".text\n"
    ".globl detach_sled\n"
    ".type detach_sled, %function\n"
    "detach_sled:\n"
    ".rept 1024\n"
    "nop\n"
    ".endr\n"
    "ret\n"
    ".size detach_sled, .-detach_sled\n");
void detach_sled(void);

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The offset in this program's file of the code at @addr */
static long file_offset(const void *addr)
{
	unsigned long a = (unsigned long)addr, start, end, pgoff;
	char line[512], perm[8];
	long off = -1;
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s %lx", &start, &end, perm, &pgoff) != 4)
			continue;
		if (a >= start && a < end && perm[2] == 'x') {
			off = a - start + pgoff;
			break;
		}
	}
	fclose(f);
	return off;
}

static struct uprobe_count_bpf *skel;
static struct bpf_link **links;

static int attach(int n)
{
	long base = file_offset((void *)detach_sled);
	int i;

	if (base < 0) {
		fprintf(stderr, "no executable mapping of the sled in /proc/self/maps\n");
		return -1;
	}
	for (i = 0; i < n; i++) {
		links[i] = bpf_program__attach_uprobe(skel->progs.count_hit, false, -1,
						      "/proc/self/exe", base + i * NOP_SIZE);
		if (!links[i]) {
			fprintf(stderr, "attaching uprobe %d of %d: %s\n", i, n, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int run(int n)
{
	double t0, t1, t2;
	__u64 hits;
	int i;

	t0 = now_ms();
	if (attach(n))
		return 1;
	t1 = now_ms();

	skel->bss->hits = 0;
	detach_sled();
	hits = skel->bss->hits;
	if (hits != (__u64)n) {
		fprintf(stderr, "%d uprobes attached, %llu hits counted\n", n,
			(unsigned long long)hits);
		return 1;
	}

	t2 = now_ms();
	for (i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
	t2 = now_ms() - t2;

	detach_sled();
	if (skel->bss->hits != hits) {
		fprintf(stderr, "%llu hits after all %d uprobes were detached\n",
			(unsigned long long)(skel->bss->hits - hits), n);
		return 1;
	}
	printf("RESULT uprobe-attach %d %.3f\n", n, t1 - t0);
	printf("RESULT uprobe-detach %d %.3f\n", n, t2);
	return 0;
}

static int run_exit(int n)
{
	int p[2], status;
	double t0;
	char c;
	pid_t pid;

	if (pipe(p))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		close(p[0]);
		if (attach(n))
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		waitpid(pid, &status, 0);
		fprintf(stderr, "the child could not attach %d uprobes\n", n);
		return 1;
	}
	t0 = now_ms();
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status)) {
		fprintf(stderr, "the child did not die of SIGKILL\n");
		return 1;
	}
	printf("RESULT uprobe-exit %d %.3f\n", n, now_ms() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	struct rlimit nofile = { 8192, 8192 };
	int n = 100, exit_case = 0, o, ret;

	while ((o = getopt(argc, argv, "n:x")) != -1) {
		switch (o) {
		case 'n':
			n = atoi(optarg);
			break;
		case 'x':
			exit_case = 1;
			break;
		default:
			fprintf(stderr, "usage: uprobe_detach [-x] [-n N]\n");
			return 2;
		}
	}
	if (n < 1 || n > SLED) {
		fprintf(stderr, "-n: 1 to %d uprobes\n", SLED);
		return 2;
	}
	/* a perf event and a link per probe */
	if (setrlimit(RLIMIT_NOFILE, &nofile))
		perror("setrlimit(RLIMIT_NOFILE)");
	links = calloc(n, sizeof(*links));
	skel = uprobe_count_bpf__open_and_load();
	if (!links || !skel) {
		fprintf(stderr, "loading the BPF program failed\n");
		return 1;
	}
	ret = exit_case ? run_exit(n) : run(n);
	uprobe_count_bpf__destroy(skel);
	return ret;
}
