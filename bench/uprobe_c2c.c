// SPDX-License-Identifier: GPL-2.0
/*
 * uprobe_c2c: the guest side of `make bench-c2c`.  PRODUCERS threads, each
 * pinned to its own CPU, call a probed function of this program in a loop
 * while the c2c plugin (bench/c2c/c2c.c) counts the cache lines the guest
 * kernel shares between vCPUs; this program opens and closes the plugin's
 * window around SECONDS of hits and prints how many hits the BPF program
 * counted inside it:
 *
 *   uprobe_c2c -k KIND [-p PRODUCERS] [-d SECONDS] [-g] -w ID -s SYMFILE
 *
 * KIND is PROBE-ATTACH, or one of the two extra kinds:
 *   PROBE   nop     a nop, which x86 emulates (trig-uprobe-nop)
 *           ss      a mov, which is single-stepped out of line
 *           uret    a uretprobe on the nop function
 *           usdt    a USDT probe (a nop inside a function, libbpf's
 *                   bpf_program__attach_usdt())
 *   ATTACH  pid     a perf event for this process (libbpf pid 0: bpftrace -p,
 *                   funclatency -p)
 *           all     a perf event for every process (pid -1)
 *           multi   a uprobe_multi link for this process (not for usdt,
 *                   whose mechanism libbpf picks)
 *   buildid-pid     nop-pid whose program also takes the user stack with
 *                   build IDs, as profilers do
 *   churn-pid       nop-pid beside a thread that maps and unmaps 64 KiB in a
 *                   loop (pinned to CPU 0, beside producer 0)
 * -g is the canary: the program counts hits on one global counter, which
 * every CPU writes, instead of a per-CPU one.
 *
 * The window.  After the threads have run for a warm-up, the program
 * executes the plugin's markers (7-byte nops the CPU ignores) for window
 * ID and its opening, reads the BPF hit count, sleeps SECONDS, reads the
 * count again and executes the close marker.  Only this program runs in
 * the guest; in the window the kernel runs the hits, the two reads (one
 * bpf() syscall each), this thread's sleep and wakeup and the producers'
 * preemption by it, and the timer ticks of the CPUs, nothing else.  The
 * hits made during the first read and the second are counted in accesses
 * but not in hits: a bpf() syscall's time in a window of seconds.
 *
 * Prints one line:
 *   C2C ID KIND PRODUCERS HITS CALLS
 * (KIND as canary-KIND with -g)
 * CALLS: the producers' own count of calls in the same interval (read just
 * after HITS, so a few apart).  Once the producers have stopped, the
 * program's count of all hits must equal their count of all calls, or it
 * fails: a probe that loses hits would make the figures meaningless.
 * SYMFILE gets /proc/kallsyms' lines for the BPF programs and trampolines
 * of this run, to name the JIT's code, and _stext, to check that the
 * kernel runs where System.map says.  Exit 0 on success.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sdt.h"
#include "uprobe_c2c.skel.h"

#define MAX_THREADS	32
#define REGION		(64 << 10)

/*
 * The plugin's markers, nopl DISP32(%rax) with DISP32 0x43320001 (open),
 * 0x43320002 (close) or 0x43320100 + B (bit B of the next window's ID).
 */
#define MARK(disp) asm volatile(".byte 0x0f, 0x1f, 0x80\n\t.long " #disp ::: "memory")
#define ID_BIT(b) case b: MARK(0x43320100 + b); break

static void mark_open(int id)
{
	for (int b = 0; b < 16; b++) {
		if (!(id >> b & 1))
			continue;
		switch (b) {
		ID_BIT(0); ID_BIT(1); ID_BIT(2); ID_BIT(3);
		ID_BIT(4); ID_BIT(5); ID_BIT(6); ID_BIT(7);
		ID_BIT(8); ID_BIT(9); ID_BIT(10); ID_BIT(11);
		ID_BIT(12); ID_BIT(13); ID_BIT(14); ID_BIT(15);
		}
	}
	MARK(0x43320001);
}

/* The probed functions: their first instruction decides how a hit runs. */
asm(".text\n"
    ".globl wb_c2c_nop\n.type wb_c2c_nop, @function\nwb_c2c_nop:\n\tnop\n\tret\n"
    ".size wb_c2c_nop, .-wb_c2c_nop\n"
    ".globl wb_c2c_ss\n.type wb_c2c_ss, @function\nwb_c2c_ss:\n\tmov %rdi, %rax\n\tret\n"
    ".size wb_c2c_ss, .-wb_c2c_ss\n");
void wb_c2c_nop(void);
void wb_c2c_ss(void);

__attribute__((noinline, used, visibility("default")))
void wb_c2c_usdt(void)
{
	STAP_PROBE(wb, c2c);
}

static struct {
	_Atomic unsigned long n;
	char pad[64 - sizeof(unsigned long)];
} calls[MAX_THREADS] __attribute__((aligned(64)));

static atomic_bool stop;
static void (*target)(void);
static int ncpus;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % ncpus, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		exit(1);
	}
}

static void *producer(void *arg)
{
	long i = (long)arg;

	pin(i);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		target();
		atomic_store_explicit(&calls[i].n,
				      atomic_load_explicit(&calls[i].n, memory_order_relaxed) + 1,
				      memory_order_relaxed);
	}
	return NULL;
}

static void *writer(void *arg __attribute__((unused)))
{
	pin(0);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		void *p = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED || munmap(p, REGION)) {
			perror("mmap/munmap");
			exit(1);
		}
	}
	return NULL;
}

static unsigned long hits(struct uprobe_c2c_bpf *skel)
{
	unsigned long s = skel->bss->global_hits;
	__u64 v[MAX_THREADS] = {};
	__u32 zero = 0;

	if (bpf_map__lookup_elem(skel->maps.pcpu_hits, &zero, sizeof(zero), v,
				 sizeof(__u64) * libbpf_num_possible_cpus(), 0)) {
		perror("lookup pcpu_hits");
		exit(1);
	}
	for (int i = 0; i < libbpf_num_possible_cpus(); i++)
		s += v[i];
	return s;
}

static unsigned long ncalls(int n)
{
	unsigned long s = 0;

	for (int i = 0; i < n; i++)
		s += atomic_load_explicit(&calls[i].n, memory_order_relaxed);
	return s;
}

static void save_syms(const char *path)
{
	FILE *in = fopen("/proc/kallsyms", "r"), *out = fopen(path, "w");
	char line[512];

	if (!in || !out) {
		perror(in ? path : "/proc/kallsyms");
		exit(1);
	}
	while (fgets(line, sizeof(line), in))
		if (strstr(line, "[bpf]") || strstr(line, "bpf_trampoline_") ||
		    strstr(line, "bpf_dispatcher_") || strstr(line, " _stext\n"))
			fputs(line, out);
	fclose(in);
	if (fclose(out)) {
		perror(path);
		exit(1);
	}
}

static int usage(const char *prog)
{
	fprintf(stderr, "usage: %s -k KIND [-p PRODUCERS] [-d SECONDS] [-g] -w ID -s SYMFILE\n",
		prog);
	return 2;
}

int main(int argc, char **argv)
{
	int nprod = 2, dur = 2, id = 0, opt, nthr;
	const char *kind = NULL, *symfile = NULL, *func;
	unsigned long h0, h1, c0, c1;
	struct uprobe_c2c_bpf *skel;
	struct bpf_program *prog;
	struct bpf_link *link;
	pthread_t thr[MAX_THREADS];
	bool global = false, churn = false;
	char probe[16], how[16], exe[4096];
	struct timespec ts;
	ssize_t len;

	while ((opt = getopt(argc, argv, "k:p:d:gw:s:")) != -1) {
		switch (opt) {
		case 'k': kind = optarg; break;
		case 'p': nprod = atoi(optarg); break;
		case 'd': dur = atoi(optarg); break;
		case 'g': global = true; break;
		case 'w': id = atoi(optarg); break;
		case 's': symfile = optarg; break;
		default: return usage(argv[0]);
		}
	}
	if (!kind || !symfile || id < 1 || id > 0xffff || nprod < 1 ||
	    nprod >= MAX_THREADS || dur < 1)
		return usage(argv[0]);
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (sscanf(kind, "%15[a-z]-%15[a-z]", probe, how) != 2)
		return usage(argv[0]);
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len < 0)
		return perror("readlink /proc/self/exe"), 1;
	exe[len] = '\0';

	skel = uprobe_c2c_bpf__open();
	if (!skel)
		return fprintf(stderr, "uprobe_c2c: cannot open the BPF object\n"), 1;
	skel->rodata->global_counter = global;
	if (uprobe_c2c_bpf__load(skel))
		return fprintf(stderr, "uprobe_c2c: cannot load the BPF programs\n"), 1;

	target = wb_c2c_nop;
	func = "wb_c2c_nop";
	prog = skel->progs.hit;
	if (!strcmp(probe, "ss")) {
		target = wb_c2c_ss;
		func = "wb_c2c_ss";
	} else if (!strcmp(probe, "buildid")) {
		prog = skel->progs.stack_hit;
	} else if (!strcmp(probe, "churn")) {
		churn = true;
	} else if (!strcmp(probe, "usdt")) {
		target = wb_c2c_usdt;
	} else if (strcmp(probe, "nop") && strcmp(probe, "uret")) {
		return usage(argv[0]);
	}

	if (!strcmp(probe, "usdt")) {
		if (!strcmp(how, "multi"))
			return usage(argv[0]);
		link = bpf_program__attach_usdt(skel->progs.usdt_hit, strcmp(how, "all") ? 0 : -1,
						exe, "wb", "c2c", NULL);
	} else if (!strcmp(how, "multi")) {
		LIBBPF_OPTS(bpf_uprobe_multi_opts, mo, .retprobe = !strcmp(probe, "uret"));

		link = bpf_program__attach_uprobe_multi(skel->progs.multi_hit, getpid(), exe,
							func, &mo);
	} else if (!strcmp(how, "pid") || !strcmp(how, "all")) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = func,
			    .retprobe = !strcmp(probe, "uret"));

		link = bpf_program__attach_uprobe_opts(prog, strcmp(how, "all") ? 0 : -1, exe, 0,
						       &uo);
	} else {
		return usage(argv[0]);
	}
	if (!link) {
		fprintf(stderr, "uprobe_c2c: cannot attach %s: %s\n", kind, strerror(errno));
		return 1;
	}
	save_syms(symfile);

	nthr = nprod + churn;
	for (long i = 0; i < nthr; i++)
		if (pthread_create(&thr[i], NULL, i < nprod ? producer : writer, (void *)i))
			return fprintf(stderr, "uprobe_c2c: pthread_create failed\n"), 1;

	/* warm-up: every thread running on its CPU, the probe's pages in */
	ts = (struct timespec){ 0, 300 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	/*
	 * The counts are read inside the window: outside it the plugin
	 * counts nothing and the guest runs several times faster, so hits
	 * made between a read and a marker would weigh far more than their
	 * time.  The two reads' own accesses land in the window.
	 */
	mark_open(id);
	h0 = hits(skel);
	c0 = ncalls(nprod);
	ts = (struct timespec){ dur, 0 };
	nanosleep(&ts, NULL);
	h1 = hits(skel);
	c1 = ncalls(nprod);
	MARK(0x43320002);
	atomic_store(&stop, true);
	for (int i = 0; i < nthr; i++)
		pthread_join(thr[i], NULL);
	/* every call counted: exact once the producers are done */
	if (hits(skel) != ncalls(nprod)) {
		fprintf(stderr, "uprobe_c2c: %s: the program counted %lu hits for %lu calls\n",
			kind, hits(skel), ncalls(nprod));
		return 1;
	}

	printf("C2C %d %s%s %d %lu %lu\n", id, global ? "canary-" : "", kind, nprod,
	       h1 - h0, c1 - c0);
	bpf_link__destroy(link);
	uprobe_c2c_bpf__destroy(skel);
	return 0;
}
