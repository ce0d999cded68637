// SPDX-License-Identifier: GPL-2.0
/*
 * uprobe_race: BPF uprobes on several functions of this program, hit by
 * trigger threads while other threads of the same process keep changing
 * the mm: mmap, mprotect, mremap and munmap of mappings of this very file
 * (so that the mmap lock sequence moves, VMAs of the probed file come and
 * go, split and merge), and fork + exec.  With the set of probes fixed, the
 * BPF hit count must equal the number of calls exactly, and no thread may
 * get a SIGTRAP, SIGILL or SIGSEGV (which ends the test with status 3).
 *
 *   uprobe_race [-d SECONDS] [-t TRIGGERS] [-w WRITERS] [-f] [-a]
 *
 * -f adds a thread that forks children which call the probed functions
 * CHILD_CALLS times and exec /bin/true.  -a adds a thread that attaches
 * and detaches a second BPF program to one more function, which the
 * triggers call too: its count is not exact by design, the test is that
 * nothing breaks and the fixed probes still count exactly.  Exits 0 when
 * every check passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "uprobe_count.skel.h"

#define NFUNCS		8
#define CHILD_CALLS	100

static int failures;
#define ASSERT_TRUE(cond, fmt, ...) do {					\
	if (!(cond)) {								\
		fprintf(stderr, "FAIL: %s:%d: " fmt "\n", __FILE__, __LINE__,	\
			##__VA_ARGS__);						\
		failures++;							\
	}									\
} while (0)

/* The probed functions: distinct, not inlined, visible in the symbol table. */
#define PROBED(n)							\
	__attribute__((noinline, used, visibility("default")))		\
	long wb_race_fn##n(long x)					\
	{								\
		asm volatile("" : "+r"(x));				\
		return x + n;						\
	}
PROBED(0) PROBED(1) PROBED(2) PROBED(3) PROBED(4) PROBED(5) PROBED(6) PROBED(7)

/* Called by the triggers too; probed on and off by the -a thread. */
__attribute__((noinline, used, visibility("default")))
long wb_race_flicker(long x)
{
	asm volatile("" : "+r"(x));
	return x - 1;
}

static long (*const funcs[NFUNCS])(long) = {
	wb_race_fn0, wb_race_fn1, wb_race_fn2, wb_race_fn3,
	wb_race_fn4, wb_race_fn5, wb_race_fn6, wb_race_fn7,
};

static atomic_bool stop;
static atomic_long calls, writer_ops, children, attaches;
static const char *self;
static off_t self_size;

/*
 * A stray signal fails the test at once: returning from the handler would
 * re-execute the faulting instruction forever.
 */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	char msg[128];
	int n;

	(void)uc;
	n = snprintf(msg, sizeof(msg), "FAIL: signal %d (code %d) at %p\n",
		     sig, si->si_code, si->si_addr);
	if (write(2, msg, n) < 0)
		_exit(4);
	_exit(3);
}

static long call_all(long n)
{
	long i, sum = 0;

	for (i = 0; i < n; i++)
		sum += funcs[i % NFUNCS](i);
	return sum + wb_race_flicker(n);
}

static void *trigger(void *arg)
{
	long n = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		call_all(NFUNCS * 16);
		n += NFUNCS * 16;
	}
	atomic_fetch_add(&calls, n);
	return NULL;
}

/*
 * Map this program's file at a few places and keep reshaping the mappings:
 * each operation takes the mmap lock for writing, and the executable ones
 * are VMAs of the probed file, which uprobes fills with breakpoints.
 */
static void *writer(void *arg)
{
	long page = sysconf(_SC_PAGESIZE), ops = 0;
	unsigned int seed = (unsigned long)arg;
	int fd = open(self, O_RDONLY);
	size_t len;

	if (fd < 0) {
		perror("open self");
		failures++;
		return NULL;
	}
	len = (self_size / page) * page;
	while (!atomic_load(&stop) && len >= 4 * (size_t)page) {
		char *p = mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		size_t front;
		char *q;

		if (p == MAP_FAILED) {
			perror("mmap");
			failures++;
			break;
		}
		/* Split and merge back. */
		mprotect(p + page, page, PROT_READ);
		mprotect(p + page, page, PROT_READ | PROT_EXEC);
		/* Move it, then shrink it from the front. */
		q = mremap(p, len, len, MREMAP_MAYMOVE);
		if (q == MAP_FAILED)
			q = p;
		/*
		 * Unmap only what is still ours: once the front is gone,
		 * another thread's mmap() may land in that hole.
		 */
		front = page * (1 + rand_r(&seed) % 2);
		munmap(q, front);
		munmap(q + front, len - front);
		ops += 5;
	}
	close(fd);
	atomic_fetch_add(&writer_ops, ops);
	return NULL;
}

static void *forker(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			failures++;
			break;
		}
		if (pid == 0) {
			call_all(CHILD_CALLS);
			execl("/bin/true", "true", NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			fprintf(stderr, "FAIL: child %d: status %#x\n", pid, status);
			failures++;
			break;
		}
		atomic_fetch_add(&children, 1);
	}
	return NULL;
}

/* Attach and detach a uprobe_multi link while the triggers run. */
static void *flicker(void *arg)
{
	struct uprobe_count_bpf *skel = uprobe_count_bpf__open_and_load();
	const char *syms[] = { "wb_race_flicker" };
	LIBBPF_OPTS(bpf_uprobe_multi_opts, opts, .syms = syms, .cnt = 1);

	(void)arg;
	if (!skel) {
		fprintf(stderr, "FAIL: cannot load the flicker program\n");
		failures++;
		return NULL;
	}
	while (!atomic_load(&stop)) {
		struct bpf_link *l;

		l = bpf_program__attach_uprobe_multi(skel->progs.count_multi, -1, self, NULL, &opts);
		if (!l) {
			fprintf(stderr, "FAIL: uprobe_multi attach: %s\n", strerror(errno));
			failures++;
			break;
		}
		usleep(1000);
		bpf_link__destroy(l);
		atomic_fetch_add(&attaches, 1);
	}
	uprobe_count_bpf__destroy(skel);
	return NULL;
}

int main(int argc, char **argv)
{
	int opt, i, ntrig = 2, nwrite = 1, fork_too = 0, flick = 0, dur = 5;
	struct bpf_link *links[NFUNCS] = {};
	struct uprobe_count_bpf *skel;
	pthread_t tids[64];
	int nt = 0;
	long expected;
	struct stat st;

	while ((opt = getopt(argc, argv, "d:t:w:fa")) != -1) {
		switch (opt) {
		case 'd': dur = atoi(optarg); break;
		case 't': ntrig = atoi(optarg); break;
		case 'w': nwrite = atoi(optarg); break;
		case 'f': fork_too = 1; break;
		case 'a': flick = 1; break;
		default:
			fprintf(stderr, "usage: %s [-d SECONDS] [-t TRIGGERS] [-w WRITERS] [-f] [-a]\n", argv[0]);
			return 2;
		}
	}
	if (ntrig < 1 || nwrite < 0 || ntrig + nwrite + 2 > 64 || dur < 1)
		return 2;
	self = "/proc/self/exe";
	if (stat(self, &st))
		return perror("stat"), 1;
	self_size = st.st_size;
	{
		struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO };

		sigaction(SIGTRAP, &sa, NULL);
		sigaction(SIGILL, &sa, NULL);
		sigaction(SIGSEGV, &sa, NULL);
	}

	skel = uprobe_count_bpf__open_and_load();
	if (!skel)
		return fprintf(stderr, "cannot load the BPF program\n"), 1;
	for (i = 0; i < NFUNCS; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts);
		char name[32];

		snprintf(name, sizeof(name), "wb_race_fn%d", i);
		opts.func_name = name;
		/* pid -1: the forked children are probed too. */
		links[i] = bpf_program__attach_uprobe_opts(skel->progs.count_hit, -1,
							   self, 0, &opts);
		if (!links[i]) {
			fprintf(stderr, "cannot attach to %s: %s\n", name, strerror(errno));
			return 1;
		}
	}

	for (i = 0; i < ntrig; i++)
		pthread_create(&tids[nt++], NULL, trigger, NULL);
	for (i = 0; i < nwrite; i++)
		pthread_create(&tids[nt++], NULL, writer, (void *)(long)(i + 1));
	if (fork_too)
		pthread_create(&tids[nt++], NULL, forker, NULL);
	if (flick)
		pthread_create(&tids[nt++], NULL, flicker, NULL);
	sleep(dur);
	atomic_store(&stop, true);
	for (i = 0; i < nt; i++)
		pthread_join(tids[i], NULL);
	for (i = 0; i < NFUNCS; i++)
		bpf_link__destroy(links[i]);

	expected = atomic_load(&calls) + atomic_load(&children) * CHILD_CALLS;
	printf("uprobe_race: %d triggers, %d writers%s%s, %ds: %ld calls (%ld in %ld children), "
	       "%llu hits, %ld mm writes, %ld attach+detach\n", ntrig, nwrite,
	       fork_too ? ", fork+exec" : "", flick ? ", attach/detach" : "", dur,
	       expected, atomic_load(&children) * CHILD_CALLS, atomic_load(&children),
	       (unsigned long long)skel->bss->hits, atomic_load(&writer_ops),
	       atomic_load(&attaches));
	ASSERT_TRUE(skel->bss->hits == (unsigned long long)expected,
		    "%llu hits for %ld calls", (unsigned long long)skel->bss->hits, expected);
	ASSERT_TRUE(atomic_load(&calls) > 0, "no calls made");
	ASSERT_TRUE(nwrite == 0 || atomic_load(&writer_ops) > 0, "no mm writes made");
	ASSERT_TRUE(!fork_too || atomic_load(&children) > 0, "no child ran");
	ASSERT_TRUE(!flick || atomic_load(&attaches) > 0, "no attach/detach done");
	uprobe_count_bpf__destroy(skel);
	return failures ? 1 : 0;
}
